/*
 * export.c — events, alerts, posts, cases and citizens' messages from
 * the store as CSV or XLSX (report/export.h).
 *
 * Each kind of export is a table of columns: header, sheet type, and how
 * the SQL column becomes a cell (plain value, Unix seconds → wall-clock
 * datetime in tz, JSON array → "、"-joined text, alert reason → words,
 * level code → its name).  One loop runs the query and writes the cells,
 * so every export goes through the same sanitiser and date rules of
 * sheet.c.  The query asks for one row more than the cap, so an export
 * that would be cut is refused instead of silently truncated.
 */
#include "report/export.h"

#include <string.h>

#include <jansson.h>

#include "base/error.h"
#include "cases/case.h"
#include "messages/messages.h"
#include "report/why.h"
#include "store/search.h"
#include "store/query.h"

enum conv {
	C_TEXT, C_INT, C_REAL, C_SHARE, C_TIME, C_LIST, C_WHY, C_LEVEL, C_STATE, C_RES, C_YESNO,
	C_MASKED, /* text with phone, e-mail and ID numbers masked (messages.h) */
};

struct col {
	struct yq_sheet_col sc;
	enum conv conv;
};

#define N(a) (sizeof(a) / sizeof((a)[0]))

static const struct col EVENT_COLS[] = {
	{{"编号", YQ_COL_INT, 8}, C_INT},           {{"标题", YQ_COL_TEXT, 40}, C_TEXT},
	{{"状态", YQ_COL_TEXT, 10}, C_TEXT},        {{"首次出现", YQ_COL_DATETIME, 0}, C_TIME},
	{{"最近出现", YQ_COL_DATETIME, 0}, C_TIME}, {{"帖子数", YQ_COL_INT, 8}, C_INT},
	{{"风险分", YQ_COL_REAL, 8}, C_REAL},       {{"预警级别", YQ_COL_TEXT, 14}, C_LEVEL},
	{{"负面占比", YQ_COL_REAL, 8}, C_SHARE},    {{"关键词", YQ_COL_TEXT, 30}, C_LIST},
	{{"地点", YQ_COL_TEXT, 20}, C_LIST},        {{"监测方案", YQ_COL_TEXT, 16}, C_LIST},
};
#define EVENT_SQL                                                                            \
	"SELECT e.id, e.title, e.state, e.first_seen, e.last_seen, e.size,"                  \
	" (SELECT max(json_extract(a.reason, '$.score')) FROM alerts a WHERE a.event = e.id)" \
	" AS risk,"                                                                          \
	" (SELECT a.level FROM alerts a WHERE a.event = e.id ORDER BY a.id DESC LIMIT 1),"   \
	" e.negative_share, e.keywords, e.places, e.schemes FROM events e"                   \
	" WHERE e.merged_into IS NULL AND (?1 IS NULL OR e.last_seen >= ?1)"                 \
	" AND (?2 IS NULL OR e.first_seen < ?2)"                                             \
	" ORDER BY risk IS NULL, risk DESC, e.size DESC, e.id LIMIT ?3"

static const struct col ALERT_COLS[] = {
	{{"编号", YQ_COL_INT, 8}, C_INT},          {{"时间", YQ_COL_DATETIME, 0}, C_TIME},
	{{"级别", YQ_COL_TEXT, 14}, C_LEVEL},      {{"事件编号", YQ_COL_INT, 8}, C_INT},
	{{"事件标题", YQ_COL_TEXT, 40}, C_TEXT},   {{"风险分", YQ_COL_REAL, 8}, C_REAL},
	{{"预警原因", YQ_COL_TEXT, 60}, C_WHY},    {{"确认人", YQ_COL_TEXT, 12}, C_TEXT},
	{{"确认时间", YQ_COL_DATETIME, 0}, C_TIME},
};
#define ALERT_SQL_HEAD                                                                       \
	"SELECT a.id, a.time, a.level, a.event, e.title, json_extract(a.reason, '$.score'),"  \
	" a.reason, "
#define ALERT_SQL_TAIL                                                                       \
	" WHERE (?1 IS NULL OR a.time >= ?1) AND (?2 IS NULL OR a.time < ?2)"                \
	" ORDER BY a.id DESC LIMIT ?3"
/* alert_acks exists in databases the daemon has opened (store/query.h) */
#define ALERT_SQL_ACKS                                                                       \
	ALERT_SQL_HEAD "k.user, k.time FROM alerts a LEFT JOIN events e ON e.id = a.event"   \
		       " LEFT JOIN alert_acks k ON k.alert = a.id" ALERT_SQL_TAIL
#define ALERT_SQL_NOACKS                                                                     \
	ALERT_SQL_HEAD "NULL, NULL FROM alerts a LEFT JOIN events e ON e.id = a.event"       \
		ALERT_SQL_TAIL

static const struct col POST_COLS[] = {
	{{"来源", YQ_COL_TEXT, 10}, C_TEXT},      {{"编号", YQ_COL_TEXT, 20}, C_TEXT},
	{{"时间", YQ_COL_DATETIME, 0}, C_TIME},   {{"标题", YQ_COL_TEXT, 30}, C_TEXT},
	{{"正文", YQ_COL_TEXT, 60}, C_TEXT},      {{"作者", YQ_COL_TEXT, 34}, C_TEXT},
	{{"转发", YQ_COL_INT, 6}, C_INT},         {{"评论", YQ_COL_INT, 6}, C_INT},
	{{"点赞", YQ_COL_INT, 6}, C_INT},         {{"情感", YQ_COL_TEXT, 9}, C_TEXT},
	{{"情感概率", YQ_COL_REAL, 8}, C_REAL},   {{"事件编号", YQ_COL_INT, 8}, C_INT},
	{{"链接", YQ_COL_TEXT, 30}, C_TEXT},      {{"地点", YQ_COL_TEXT, 16}, C_TEXT},
};
#define POST_SQL                                                                             \
	"SELECT p.source, p.id, p.time, p.title, p.text, p.author, p.reposts, p.comments,"   \
	" p.likes, p.sentiment, p.sentiment_prob, p.event, p.url, p.location FROM posts p"   \
	" WHERE (?1 IS NULL OR p.time >= ?1) AND (?2 IS NULL OR p.time < ?2)%s"              \
	" ORDER BY p.time IS NULL, p.time DESC, p.rowid DESC LIMIT ?3"

/* cases: ?1/?2 the period (created before to, not closed before from),
 * ?4 now (for 超期), ?5 a department whose cases only (NULL: all) */
static const struct col CASE_COLS[] = {
	{{"编号", YQ_COL_TEXT, 11}, C_TEXT},        {{"标题", YQ_COL_TEXT, 40}, C_TEXT},
	{{"环节", YQ_COL_TEXT, 6}, C_STATE},        {{"办结结果", YQ_COL_TEXT, 14}, C_RES},
	{{"来源", YQ_COL_TEXT, 8}, C_TEXT},         {{"分类", YQ_COL_TEXT, 10}, C_TEXT},
	{{"承办部门", YQ_COL_TEXT, 20}, C_TEXT},    {{"立案时间", YQ_COL_DATETIME, 0}, C_TIME},
	{{"本环节起始", YQ_COL_DATETIME, 0}, C_TIME}, {{"本环节期限", YQ_COL_DATETIME, 0}, C_TIME},
	{{"超期", YQ_COL_TEXT, 6}, C_YESNO},        {{"办结时间", YQ_COL_DATETIME, 0}, C_TIME},
	{{"立案人", YQ_COL_TEXT, 10}, C_TEXT},
};
#define CASE_SQL                                                                             \
	"SELECT c.number, c.title, c.state, c.resolution, c.source_type, c.category,"        \
	" (SELECT group_concat(department, '、') FROM (SELECT department FROM case_assign a"  \
	" WHERE a.case_id = c.id ORDER BY department)),"                                     \
	" c.created, c.state_since, c.due_at, c.due_at IS NOT NULL AND c.due_at <= ?4,"      \
	" c.closed_at, c.created_by FROM cases c"                                            \
	" WHERE (?1 IS NULL OR c.closed_at IS NULL OR c.closed_at >= ?1)"                    \
	" AND (?2 IS NULL OR c.created < ?2) AND (?5 IS NULL OR EXISTS (SELECT 1 FROM"       \
	" case_assign v WHERE v.case_id = c.id AND v.department = ?5))"                      \
	" ORDER BY c.created DESC, c.id DESC LIMIT ?3"

/* citizens' messages of the period; the sender and contact are never
 * exported; ?5 a department (NULL: all) */
static const struct col MESSAGE_COLS[] = {
	{{"编号", YQ_COL_TEXT, 10}, C_TEXT},          {{"留言时间", YQ_COL_DATETIME, 0}, C_TIME},
	{{"主题", YQ_COL_TEXT, 40}, C_MASKED},        {{"分类", YQ_COL_TEXT, 12}, C_TEXT},
	{{"承办部门", YQ_COL_TEXT, 14}, C_TEXT},      {{"答复期限", YQ_COL_DATETIME, 0}, C_TIME},
	{{"答复时间", YQ_COL_DATETIME, 0}, C_TIME},   {{"办理时长（小时）", YQ_COL_REAL, 10}, C_REAL},
	{{"按时答复", YQ_COL_TEXT, 8}, C_YESNO},      {{"点赞", YQ_COL_INT, 6}, C_INT},
	{{"相关性", YQ_COL_REAL, 7}, C_REAL},         {{"完整性", YQ_COL_REAL, 7}, C_REAL},
	{{"及时性", YQ_COL_REAL, 7}, C_REAL},
};
#define MESSAGE_SQL                                                                          \
	"SELECT m.id, m.time, m.title, m.category, m.department, m.deadline, m.reply_time,"  \
	" round((m.reply_time - m.time) / 3600.0, 2),"                                       \
	" CASE WHEN m.reply_time IS NULL THEN NULL ELSE m.reply_time <= m.deadline END,"     \
	" m.likes, m.q_relevance, m.q_completeness, m.q_timeliness FROM messages m"          \
	" WHERE (?1 IS NULL OR m.time >= ?1) AND (?2 IS NULL OR m.time < ?2)"                \
	" AND (?5 IS NULL OR m.department = ?5)"                                             \
	" ORDER BY m.time DESC, m.id LIMIT ?3"

int yq_export_parse_what(const char *s, enum yq_export_what *out)
{
	if (s && !strcmp(s, "events"))
		*out = YQ_EXPORT_EVENTS;
	else if (s && !strcmp(s, "alerts"))
		*out = YQ_EXPORT_ALERTS;
	else if (s && !strcmp(s, "posts"))
		*out = YQ_EXPORT_POSTS;
	else if (s && !strcmp(s, "cases"))
		*out = YQ_EXPORT_CASES;
	else if (s && !strcmp(s, "messages"))
		*out = YQ_EXPORT_MESSAGES;
	else
		return YQ_EINVAL;
	return 0;
}

/* list_text: a JSON array of strings (or of objects with a "name") joined
 * with 、 into b. */
static int list_text(const char *js, struct yq_buf *b)
{
	json_t *a = json_loads(js, 0, NULL), *x;
	size_t i;
	int rc = 0;
	json_array_foreach(a, i, x)
	{
		const char *s = json_is_string(x) ? json_string_value(x)
						  : json_string_value(json_object_get(x, "name"));
		if (s && !rc)
			rc = (b->len && yq_buf_adds(b, "、")) || yq_buf_adds(b, s);
	}
	json_decref(a);
	return rc ? YQ_ENOMEM : 0;
}

static int put_cell(struct yq_sheet *sh, sqlite3_stmt *s, int i, const struct col *c,
		    struct yq_tz *tz, struct yq_buf *tmp, struct yq_buf *err)
{
	int null = sqlite3_column_type(s, i) == SQLITE_NULL;
	const char *txt = (const char *)sqlite3_column_text(s, i);
	if (null)
		return yq_sheet_null(sh, err);
	switch (c->conv) {
	case C_TEXT:
		return yq_sheet_text(sh, txt, err);
	case C_INT:
		return yq_sheet_int(sh, sqlite3_column_int64(s, i), err);
	case C_SHARE:
		if (sqlite3_column_double(s, i) < 0)
			return yq_sheet_null(sh, err);
		/* fall through */
	case C_REAL:
		return yq_sheet_real(sh, sqlite3_column_double(s, i), err);
	case C_TIME: {
		struct yq_civil cv;
		yq_tz_from_utc(tz, sqlite3_column_int64(s, i), &cv);
		struct yq_sheet_time t = {cv.year, cv.month, cv.day, cv.hour, cv.min, cv.sec};
		return yq_sheet_datetime(sh, &t, err);
	}
	case C_LEVEL:
		return yq_sheet_text(sh, yq_why_level_name(txt), err);
	case C_STATE: {
		enum yq_case_state st;
		return yq_sheet_text(sh, yq_case_state_parse(txt, &st) ? txt : yq_case_state_zh(st),
				     err);
	}
	case C_RES: {
		enum yq_case_resolution res;
		return yq_sheet_text(
			sh, yq_case_resolution_parse(txt, &res) ? txt : yq_case_resolution_zh(res),
			err);
	}
	case C_YESNO:
		return yq_sheet_text(sh, sqlite3_column_int(s, i) ? "是" : "否", err);
	case C_MASKED:
		yq_buf_reset(tmp);
		if (yq_buf_adds(tmp, txt))
			return YQ_ENOMEM;
		yq_msg_mask_contacts(tmp->s);
		return yq_sheet_text(sh, tmp->s, err);
	case C_LIST:
	case C_WHY:
		break;
	}
	yq_buf_reset(tmp);
	int rc;
	if (c->conv == C_LIST) {
		rc = list_text(txt, tmp);
	} else {
		json_t *r = json_loads(txt, 0, NULL);
		rc = yq_why_text(r, tmp);
		json_decref(r);
	}
	return rc ? rc : yq_sheet_text(sh, tmp->s, err);
}

int yq_export_write(sqlite3 *db, struct yq_tz *tz, const struct yq_export_opts *o,
		    const char *path, size_t *rows, struct yq_buf *err)
{
	struct yq_buf sql = YQ_BUF_INIT, m = YQ_BUF_INIT, tmp = YQ_BUF_INIT;
	struct yq_sheet_col sc[YQ_SHEET_COLS_MAX];
	const struct col *cols;
	size_t ncols, n = 0, cap = o->max_rows ? o->max_rows : YQ_SHEET_ROWS_MAX;
	struct yq_sheet *sh = NULL;
	sqlite3_stmt *s = NULL;
	const char *title;
	int rc = YQ_ENOMEM;

	if (rows)
		*rows = 0;
	if (cap > YQ_SHEET_ROWS_MAX)
		cap = YQ_SHEET_ROWS_MAX;
	switch (o->what) {
	case YQ_EXPORT_EVENTS:
		cols = EVENT_COLS, ncols = N(EVENT_COLS), title = "events";
		rc = yq_buf_adds(&sql, EVENT_SQL);
		break;
	case YQ_EXPORT_ALERTS:
		cols = ALERT_COLS, ncols = N(ALERT_COLS), title = "alerts";
		rc = yq_buf_adds(&sql, yq_query_has_table(db, "alert_acks") > 0 ? ALERT_SQL_ACKS
										 : ALERT_SQL_NOACKS);
		break;
	case YQ_EXPORT_CASES:
	case YQ_EXPORT_MESSAGES: {
		int cases = o->what == YQ_EXPORT_CASES;
		const char *table = cases ? "cases" : "messages";
		if (yq_query_has_table(db, table) <= 0) {
			yq_buf_printf(err, "the database has no %s (yuqing serve or `yuqing %s` makes them)",
				      table, cases ? "cases" : "messages import");
			rc = YQ_EINVAL;
			goto out;
		}
		cols = cases ? CASE_COLS : MESSAGE_COLS;
		ncols = cases ? N(CASE_COLS) : N(MESSAGE_COLS);
		title = table;
		rc = yq_buf_adds(&sql, cases ? CASE_SQL : MESSAGE_SQL);
		break;
	}
	default:
		cols = POST_COLS, ncols = N(POST_COLS), title = "posts";
		if (o->q) {
			if (strlen(o->q) > 4096) {
				yq_buf_adds(err, "query longer than 4096 bytes");
				rc = YQ_EINVAL;
				goto out;
			}
			if ((rc = yq_search_match_expr(o->q, &m))) {
				if (rc == YQ_EINVAL)
					yq_buf_adds(err, "the query has no search term");
				goto out;
			}
		}
		rc = yq_buf_printf(&sql, POST_SQL,
				   o->q ? " AND p.rowid IN (SELECT rowid FROM posts_fts WHERE"
					  " posts_fts MATCH ?4)"
					: "");
		break;
	}
	if (rc)
		goto out;
	if (sqlite3_prepare_v2(db, sql.s, -1, &s, NULL) != SQLITE_OK)
		goto dberr;
	if (o->has_from)
		sqlite3_bind_int64(s, 1, o->from);
	if (o->has_to)
		sqlite3_bind_int64(s, 2, o->to);
	sqlite3_bind_int64(s, 3, (int64_t)cap + 1);
	if (o->q)
		sqlite3_bind_text(s, 4, m.s, (int)m.len, SQLITE_STATIC);
	if (o->what == YQ_EXPORT_CASES)
		sqlite3_bind_int64(s, 4, o->now);
	if (o->department)
		sqlite3_bind_text(s, 5, o->department, -1, SQLITE_STATIC);
	for (size_t i = 0; i < ncols; i++)
		sc[i] = cols[i].sc;
	if ((rc = yq_sheet_open(o->format, path, title, sc, ncols, &sh, err)))
		goto out;
	for (;;) {
		int st = sqlite3_step(s);
		if (st == SQLITE_DONE)
			break;
		if (st != SQLITE_ROW)
			goto dberr;
		if (++n > cap) {
			yq_buf_printf(err, "more than %zu rows: narrow the period (from/to)", cap);
			rc = YQ_ETOOBIG;
			goto out;
		}
		for (size_t i = 0; i < ncols; i++)
			if ((rc = put_cell(sh, s, (int)i, &cols[i], tz, &tmp, err)))
				goto out;
		if ((rc = yq_sheet_row_end(sh, err)))
			goto out;
	}
	if (rows)
		*rows = yq_sheet_rows(sh);
	rc = yq_sheet_close(sh, err);
	sh = NULL;
	goto out;
dberr:
	yq_buf_printf(err, "database: %s", sqlite3_errmsg(db));
	rc = YQ_EDB;
out:
	yq_sheet_free(sh);
	sqlite3_finalize(s);
	yq_buf_release(&sql);
	yq_buf_release(&m);
	yq_buf_release(&tmp);
	return rc;
}
