/*
 * report.c — the periodic report (周报/月报/季报) as a PDF (report/report.h).
 *
 * Where it sits: reads the store (posts, events, alerts and, when the
 * daemon created it, alert_acks) and writes through report/pdf.h; the
 * alert reasons are put in words by report/why.h, the same sentences as
 * the alert export.
 *
 * Design: the period is computed on civil dates (days_from_civil and its
 * inverse, H. Hinnant) and only then turned into instants with the zone,
 * day by day, so a day is the zone's day whatever the host's TZ (the same
 * rule as the spreadsheet serials, field case export-03).  Each section
 * is one function that queries and writes; the text is assembled in one
 * buffer per paragraph.  Nothing is cached between sections.
 */
#include "report/report.h"

#include <jansson.h>
#include <string.h>

#include "base/error.h"
#include "base/utf8.h"
#include "report/pdf.h"
#include "report/why.h"
#include "store/query.h"

#define TITLE_CHARS 60 /* an event title is cut after this many characters */
#define MAX_DAYS 93    /* days in the longest period (a quarter) */

/* ---- civil dates ---- */

static struct yq_report_day civil_from_days(int64_t z)
{
	struct yq_report_day r;
	yq_date_to_ymd(z, &r.year, &r.month, &r.day);
	return r;
}

static int64_t day_num(const struct yq_report_day *d)
{
	return yq_date_from_ymd(d->year, d->month, d->day);
}

int yq_report_parse_period(const char *s, enum yq_report_period *out)
{
	if (s && !strcmp(s, "week"))
		*out = YQ_REPORT_WEEK;
	else if (s && !strcmp(s, "month"))
		*out = YQ_REPORT_MONTH;
	else if (s && !strcmp(s, "quarter"))
		*out = YQ_REPORT_QUARTER;
	else
		return YQ_EINVAL;
	return 0;
}

int yq_report_range(enum yq_report_period k, const struct yq_report_day *d,
		    struct yq_report_day *first, struct yq_report_day *end)
{
	if (d->year < 1900 || d->year > 9999 || d->month < 1 || d->month > 12 || d->day < 1)
		return YQ_EINVAL;
	struct yq_report_day chk = civil_from_days(day_num(d));
	if (chk.month != d->month || chk.day != d->day)
		return YQ_EINVAL; /* 2 月 30 日 */
	if (k == YQ_REPORT_WEEK) {
		int64_t n = day_num(d);
		int64_t mon0 = ((n + 3) % 7 + 7) % 7; /* 1970-01-01 was a Thursday */
		*first = civil_from_days(n - mon0);
		*end = civil_from_days(n - mon0 + 7);
		return 0;
	}
	int m0 = k == YQ_REPORT_MONTH ? d->month : (d->month - 1) / 3 * 3 + 1;
	int len = k == YQ_REPORT_MONTH ? 1 : 3;
	first->year = d->year, first->month = m0, first->day = 1;
	end->year = d->year + (m0 + len > 12), end->month = (m0 + len - 1) % 12 + 1, end->day = 1;
	return 0;
}

/* ---- the document ---- */

struct ctx {
	sqlite3 *db;
	struct yq_tz *tz;
	struct yq_pdf *pdf;
	struct yq_buf b;        /* the paragraph being written */
	struct yq_buf *err;
	int64_t from, to;
	struct yq_report_summary *sum;
};

static const struct yq_pdf_style TITLE = {"Noto Sans CJK SC", 22, 1, 1, 0, 0, 0, 0, 4, 0};
static const struct yq_pdf_style SUBTITLE = {NULL, 12, 0, 1, 0, 0, 0, 0, 8, 0};
static const struct yq_pdf_style H1 = {"Noto Sans CJK SC", 14, 1, 0, 0, 0, 0, 5, 2, 30};
static const struct yq_pdf_style H2 = {"Noto Sans CJK SC", 11, 1, 0, 0, 0, 1.2, 3, 1, 25};
static const struct yq_pdf_style BODY = {NULL, 10.5, 0, 0, 0, 2, 1.4, 0, 1.5, 0};
static const struct yq_pdf_style NOTE = {NULL, 9, 0, 0, 0, 0, 1.3, 4, 0, 0};

static int para(struct ctx *c, const struct yq_pdf_style *st, double x_mm)
{
	int rc = yq_pdf_para(c->pdf, st, x_mm, c->b.s, NULL, c->err);
	yq_buf_reset(&c->b);
	return rc;
}

static int dberr(struct ctx *c)
{
	yq_buf_printf(c->err, "database: %s", sqlite3_errmsg(c->db));
	return YQ_EDB;
}

/* prep: sql with ?1 = from and ?2 = to bound. */
static int prep(struct ctx *c, const char *sql, int64_t from, int64_t to, sqlite3_stmt **s)
{
	if (sqlite3_prepare_v2(c->db, sql, -1, s, NULL) != SQLITE_OK)
		return dberr(c);
	sqlite3_bind_int64(*s, 1, from);
	sqlite3_bind_int64(*s, 2, to);
	return 0;
}

/* count: the first column of sql's single row. */
static int count(struct ctx *c, const char *sql, int64_t from, int64_t to, int64_t *out)
{
	sqlite3_stmt *s = NULL;
	int rc = prep(c, sql, from, to, &s);
	if (!rc) {
		if (sqlite3_step(s) == SQLITE_ROW)
			*out = sqlite3_column_int64(s, 0);
		else
			rc = dberr(c);
	}
	sqlite3_finalize(s);
	return rc;
}

static int add_time(struct ctx *c, int64_t t, int with_time)
{
	struct yq_civil cv;
	yq_tz_from_utc(c->tz, t, &cv);
	return with_time ? yq_buf_printf(&c->b, "%d月%d日 %02d:%02d", cv.month, cv.day, cv.hour,
					 cv.min)
			 : yq_buf_printf(&c->b, "%d月%d日", cv.month, cv.day);
}

/* add_cut: s with at most max characters, "…" when cut, newlines as spaces. */
static int add_cut(struct yq_buf *b, const char *s, size_t max)
{
	size_t n = strlen(s), i = 0, k = 0;
	int rc = 0;
	while (i < n && k < max && !rc) {
		size_t at = i;
		int32_t ch = yq_utf8_next(s, n, &i);
		rc = ch == '\n' || ch == '\r' ? yq_buf_addc(b, ' ') : yq_buf_add(b, s + at, i - at);
		k++;
	}
	return rc ? rc : i < n ? yq_buf_adds(b, "…") : 0;
}

/* ---- 一、总体情况 ---- */

#define VOLUME_SQL                                                                           \
	"SELECT count(*), coalesce(sum(sentiment = 'negative'), 0),"                         \
	" coalesce(sum(sentiment = 'neutral'), 0), coalesce(sum(sentiment = 'positive'), 0),"  \
	" count(DISTINCT source) FROM posts WHERE time >= ?1 AND time < ?2"

static int volume(struct ctx *c, const struct yq_report_day *first,
		  const struct yq_report_day *end, int64_t prev_from)
{
	sqlite3_stmt *s = NULL;
	int64_t v[5] = {0}, prev = 0, ndays = day_num(end) - day_num(first), peak = -1;
	double bars[MAX_DAYS * 4];
	char lab[MAX_DAYS][16];
	const char *labels[MAX_DAYS];
	struct yq_report_day peak_day = *first;
	int rc;
	if ((rc = prep(c, VOLUME_SQL, c->from, c->to, &s)))
		goto out;
	if (sqlite3_step(s) != SQLITE_ROW) {
		rc = dberr(c);
		goto out;
	}
	for (int i = 0; i < 5; i++)
		v[i] = sqlite3_column_int64(s, i);
	sqlite3_finalize(s);
	s = NULL;
	c->sum->posts = v[0];
	if ((rc = count(c, "SELECT count(*) FROM posts WHERE time >= ?1 AND time < ?2", prev_from,
			c->from, &prev)))
		goto out;
	/* day by day, each day the zone's own */
	for (int64_t i = 0; i < ndays; i++) {
		struct yq_report_day d = civil_from_days(day_num(first) + i),
				     e = civil_from_days(day_num(first) + i + 1);
		struct yq_civil cd = {d.year, d.month, d.day, 0, 0, 0, 0},
				ce = {e.year, e.month, e.day, 0, 0, 0, 0};
		if ((rc = prep(c, VOLUME_SQL, yq_tz_to_utc(c->tz, &cd), yq_tz_to_utc(c->tz, &ce), &s)))
			goto out;
		if (sqlite3_step(s) != SQLITE_ROW) {
			rc = dberr(c);
			goto out;
		}
		int64_t all = sqlite3_column_int64(s, 0);
		for (int k = 0; k < 3; k++)
			bars[i * 4 + k] = (double)sqlite3_column_int64(s, 1 + k);
		bars[i * 4 + 3] = (double)(all - sqlite3_column_int64(s, 1) -
					   sqlite3_column_int64(s, 2) - sqlite3_column_int64(s, 3));
		sqlite3_finalize(s);
		s = NULL;
		if (all > peak) {
			peak = all;
			peak_day = d;
		}
		snprintf(lab[i], sizeof lab[i], "%d/%d", d.month, d.day);
		labels[i] = lab[i];
	}
	rc = YQ_ENOMEM;
	if (yq_buf_adds(&c->b, "一、总体情况") || (rc = para(c, &H1, 0)))
		goto out;
	rc = YQ_ENOMEM;
	if (yq_buf_printf(&c->b, "本期共监测到帖子 %lld 条，日均 %.1f 条", (long long)v[0],
			  (double)v[0] / (double)ndays))
		goto out;
	if (prev > 0 && yq_buf_printf(&c->b, "，较上期（%lld 条）%s %.1f%%", (long long)prev,
				      v[0] >= prev ? "增长" : "下降",
				      (double)(v[0] >= prev ? v[0] - prev : prev - v[0]) * 100.0 /
					      (double)prev))
		goto out;
	if (prev == 0 && yq_buf_adds(&c->b, "，上期无数据"))
		goto out;
	if (v[0] > 0) {
		int64_t other = v[0] - v[1] - v[2] - v[3];
		if (yq_buf_printf(&c->b,
				  "。其中负面 %lld 条（%.1f%%），中性 %lld 条（%.1f%%），正面 %lld 条"
				  "（%.1f%%）",
				  (long long)v[1], 100.0 * (double)v[1] / (double)v[0], (long long)v[2],
				  100.0 * (double)v[2] / (double)v[0], (long long)v[3],
				  100.0 * (double)v[3] / (double)v[0]))
			goto out;
		if (other > 0 && yq_buf_printf(&c->b, "，未判定 %lld 条", (long long)other))
			goto out;
		if (yq_buf_printf(&c->b, "；信息来源 %lld 个。发帖量最多的一天是%d月%d日（%lld 条）。",
				  (long long)v[4], peak_day.month, peak_day.day, (long long)peak))
			goto out;
	} else if (yq_buf_adds(&c->b, "。")) {
		goto out;
	}
	if ((rc = para(c, &BODY, 0)))
		goto out;
	if (v[0] > 0) {
		static const char *const series[] = {"负面", "中性", "正面", "未判定"};
		if ((rc = yq_pdf_bars(c->pdf, bars, (size_t)ndays, 4, labels, series, 40, c->err)))
			goto out;
	}
	rc = 0;
out:
	sqlite3_finalize(s);
	return rc;
}

/* ---- 二、重点事件 ---- */

static const char *state_name(const char *s)
{
	static const char *const map[][2] = {{"new", "新发"},     {"rising", "上升"},
					     {"peak", "高峰"},    {"declining", "回落"},
					     {"closed", "已平息"}, {"merged", "已合并"}};
	for (size_t i = 0; s && i < sizeof map / sizeof map[0]; i++)
		if (!strcmp(s, map[i][0]))
			return map[i][1];
	return s ? s : "未知";
}

#define EVENTS_WHERE                                                                         \
	" FROM events e WHERE e.merged_into IS NULL AND e.last_seen >= ?1 AND e.first_seen < ?2"

static int events(struct ctx *c)
{
	sqlite3_stmt *s = NULL;
	int64_t total = 0, i = 0;
	int rc;
	if ((rc = count(c, "SELECT count(*)" EVENTS_WHERE, c->from, c->to, &total)))
		goto out;
	c->sum->events = total;
	rc = YQ_ENOMEM;
	if (yq_buf_adds(&c->b, "二、重点事件") || (rc = para(c, &H1, 0)))
		goto out;
	if (!total) {
		rc = yq_buf_adds(&c->b, "本期未发现舆情事件。") ? YQ_ENOMEM : para(c, &BODY, 0);
		goto out;
	}
	rc = YQ_ENOMEM;
	if (yq_buf_printf(&c->b,
			  "本期活跃的舆情事件共 %lld 个，按预警风险分排列（无预警的按规模），前 %lld "
			  "个如下。",
			  (long long)total,
			  (long long)(total < YQ_REPORT_TOP_EVENTS ? total : YQ_REPORT_TOP_EVENTS)))
		goto out;
	if ((rc = para(c, &BODY, 0)))
		goto out;
	if ((rc = prep(c,
		       "SELECT e.id, e.title, e.size, e.first_seen, e.last_seen, e.state,"
		       " e.keywords, (SELECT max(json_extract(a.reason, '$.score')) FROM alerts a"
		       " WHERE a.event = e.id) AS risk, (SELECT a.reason FROM alerts a WHERE"
		       " a.event = e.id ORDER BY a.id DESC LIMIT 1), e.negative_share, e.places" EVENTS_WHERE
		       " ORDER BY risk IS NULL, risk DESC, e.size DESC, e.id LIMIT 10",
		       c->from, c->to, &s)))
		goto out;
	int st;
	while ((st = sqlite3_step(s)) == SQLITE_ROW) {
		const char *title = (const char *)sqlite3_column_text(s, 1);
		if (!i)
			c->sum->top_event = sqlite3_column_int64(s, 0);
		rc = YQ_ENOMEM;
		if (yq_buf_printf(&c->b, "%lld. ", (long long)++i) ||
		    add_cut(&c->b, title ? title : "（无标题）", TITLE_CHARS) || (rc = para(c, &H2, 0)))
			goto out;
		rc = YQ_ENOMEM;
		if (yq_buf_printf(&c->b, "规模 %lld 条帖子，首次出现于",
				  (long long)sqlite3_column_int64(s, 2)) ||
		    add_time(c, sqlite3_column_int64(s, 3), 1) || yq_buf_adds(&c->b, "，最近一条在") ||
		    add_time(c, sqlite3_column_int64(s, 4), 1) ||
		    yq_buf_printf(&c->b, "，状态：%s",
				  state_name((const char *)sqlite3_column_text(s, 5))))
			goto out;
		if (sqlite3_column_type(s, 9) != SQLITE_NULL && sqlite3_column_double(s, 9) >= 0 &&
		    yq_buf_printf(&c->b, "，负面占比 %.0f%%", sqlite3_column_double(s, 9) * 100))
			goto out;
		if (sqlite3_column_type(s, 7) != SQLITE_NULL &&
		    yq_buf_printf(&c->b, "，最高风险分 %.1f", sqlite3_column_double(s, 7)))
			goto out;
		json_t *kw = json_loads((const char *)sqlite3_column_text(s, 6), 0, NULL), *x;
		size_t j, nk = 0;
		int bad = 0;
		json_array_foreach(kw, j, x)
		{
			if (!json_is_string(x) || nk >= 8)
				continue;
			bad |= yq_buf_adds(&c->b, nk++ ? "、" : "。关键词：") ||
			       yq_buf_adds(&c->b, json_string_value(x));
		}
		json_decref(kw);
		/* places: [{"code","name","level","posts"}, …], most named first */
		json_t *pl = json_loads((const char *)sqlite3_column_text(s, 10), 0, NULL);
		nk = 0;
		json_array_foreach(pl, j, x)
		{
			const char *name = json_string_value(json_object_get(x, "name"));
			if (name)
				bad |= yq_buf_adds(&c->b, nk++ ? "、" : "。涉及地点：") ||
				       yq_buf_adds(&c->b, name);
		}
		json_decref(pl);
		if (bad || yq_buf_adds(&c->b, "。"))
			goto out;
		if ((rc = para(c, &BODY, 0)))
			goto out;
		if (sqlite3_column_type(s, 8) != SQLITE_NULL) {
			json_t *r = json_loads((const char *)sqlite3_column_text(s, 8), 0, NULL);
			rc = yq_buf_adds(&c->b, "预警原因：") || yq_why_text(r, &c->b) ? YQ_ENOMEM : 0;
			json_decref(r);
			if (rc || (rc = para(c, &BODY, 0)))
				goto out;
		}
	}
	rc = st == SQLITE_DONE ? 0 : dberr(c);
out:
	sqlite3_finalize(s);
	return rc;
}

/* ---- 三、预警情况 ---- */

static int alerts(struct ctx *c)
{
	static const char *const LV[4] = {"I", "II", "III", "IV"};
	sqlite3_stmt *s = NULL;
	int64_t n[4] = {0}, total = 0, acked = 0;
	int rc, st;
	rc = YQ_ENOMEM;
	if (yq_buf_adds(&c->b, "三、预警情况") || (rc = para(c, &H1, 0)))
		goto out;
	if ((rc = prep(c,
		       "SELECT level, count(*) FROM alerts WHERE time >= ?1 AND time < ?2"
		       " GROUP BY level",
		       c->from, c->to, &s)))
		goto out;
	while ((st = sqlite3_step(s)) == SQLITE_ROW) {
		const char *l = (const char *)sqlite3_column_text(s, 0);
		int64_t k = sqlite3_column_int64(s, 1);
		total += k;
		for (int i = 0; i < 4; i++)
			if (l && !strcmp(l, LV[i]))
				n[i] += k;
	}
	if (st != SQLITE_DONE) {
		rc = dberr(c);
		goto out;
	}
	sqlite3_finalize(s);
	s = NULL;
	c->sum->alerts = total;
	rc = YQ_ENOMEM;
	if (!total) {
		rc = yq_buf_adds(&c->b, "本期未发出预警。") ? YQ_ENOMEM : para(c, &BODY, 0);
		goto out;
	}
	if (yq_buf_printf(&c->b, "本期共发出预警 %lld 条：", (long long)total))
		goto out;
	for (int i = 0; i < 4; i++)
		if (yq_buf_printf(&c->b, "%s%s %lld 条", i ? "，" : "", yq_why_level_name(LV[i]),
				  (long long)n[i]))
			goto out;
	if (total > n[0] + n[1] + n[2] + n[3] &&
	    yq_buf_printf(&c->b, "，其他 %lld 条", (long long)(total - n[0] - n[1] - n[2] - n[3])))
		goto out;
	if (yq_query_has_table(c->db, "alert_acks") > 0) {
		if ((rc = count(c,
				"SELECT count(*) FROM alerts a WHERE a.time >= ?1 AND a.time < ?2"
				" AND EXISTS (SELECT 1 FROM alert_acks k WHERE k.alert = a.id)",
				c->from, c->to, &acked)))
			goto out;
		rc = YQ_ENOMEM;
		if (yq_buf_printf(&c->b, "；已确认 %lld 条，未确认 %lld 条", (long long)acked,
				  (long long)(total - acked)))
			goto out;
	}
	if (yq_buf_adds(&c->b, "。风险分最高的预警："))
		goto out;
	if ((rc = para(c, &BODY, 0)))
		goto out;
	if ((rc = prep(c,
		       "SELECT a.time, a.level, e.title, json_extract(a.reason, '$.score') AS score"
		       " FROM alerts a LEFT JOIN events e ON e.id = a.event WHERE a.time >= ?1 AND"
		       " a.time < ?2 ORDER BY score IS NULL, score DESC, a.id LIMIT 5",
		       c->from, c->to, &s)))
		goto out;
	while ((st = sqlite3_step(s)) == SQLITE_ROW) {
		const char *t = (const char *)sqlite3_column_text(s, 2);
		rc = YQ_ENOMEM;
		if (yq_buf_adds(&c->b, "• ") || add_time(c, sqlite3_column_int64(s, 0), 1) ||
		    yq_buf_printf(&c->b, "  %s  风险分 %.1f  ",
				  yq_why_level_name((const char *)sqlite3_column_text(s, 1)),
				  sqlite3_column_double(s, 3)) ||
		    add_cut(&c->b, t ? t : "（无关联事件）", 40))
			goto out;
		if ((rc = para(c, &NOTE, 4)))
			goto out;
	}
	rc = st == SQLITE_DONE ? 0 : dberr(c);
out:
	sqlite3_finalize(s);
	return rc;
}

int yq_report_write(sqlite3 *db, struct yq_tz *tz, const char *zone, enum yq_report_period k,
		    const struct yq_report_day *d, const char *path,
		    struct yq_report_summary *sum, struct yq_buf *err)
{
	static const char *const NAMES[] = {"舆情周报", "舆情月报", "舆情季报"};
	struct yq_report_summary dummy;
	struct yq_report_day first, end, pfirst, pend, last;
	struct ctx c = {.db = db, .tz = tz, .err = err, .sum = sum ? sum : &dummy};
	int rc;
	memset(c.sum, 0, sizeof(*c.sum));
	yq_buf_init(&c.b);
	if (yq_report_range(k, d, &first, &end)) {
		yq_buf_printf(err, "impossible date %04d-%02d-%02d", d->year, d->month, d->day);
		return YQ_EINVAL;
	}
	last = civil_from_days(day_num(&end) - 1);
	struct yq_report_day before = civil_from_days(day_num(&first) - 1);
	if ((rc = yq_report_range(k, &before, &pfirst, &pend)))
		return rc;
	struct yq_civil cf = {first.year, first.month, first.day, 0, 0, 0, 0},
			ce = {end.year, end.month, end.day, 0, 0, 0, 0},
			cp = {pfirst.year, pfirst.month, pfirst.day, 0, 0, 0, 0};
	c.from = yq_tz_to_utc(tz, &cf);
	c.to = yq_tz_to_utc(tz, &ce);
	c.sum->from = c.from;
	c.sum->to = c.to;
	if ((rc = yq_pdf_open(path, NAMES[k], &c.pdf, err)))
		goto out;
	rc = YQ_ENOMEM;
	if (yq_buf_adds(&c.b, NAMES[k]) || (rc = para(&c, &TITLE, 0)))
		goto out;
	rc = YQ_ENOMEM;
	if (yq_buf_printf(&c.b, "统计周期：%d年%d月%d日至%d年%d月%d日", first.year, first.month,
			  first.day, last.year, last.month, last.day) ||
	    (k == YQ_REPORT_QUARTER &&
	     yq_buf_printf(&c.b, "（第%d季度）", (first.month - 1) / 3 + 1)) ||
	    (rc = para(&c, &SUBTITLE, 0)))
		goto out;
	if ((rc = volume(&c, &first, &end, yq_tz_to_utc(tz, &cp))) || (rc = events(&c)) ||
	    (rc = alerts(&c)))
		goto out;
	rc = YQ_ENOMEM;
	if (yq_buf_printf(&c.b,
			  "说明：日期与时间均为 %s 时区的当地时间%s；帖子按发布时间计入统计周期，"
			  "事件按活跃时间（首次出现至最近一条）计入；风险分与预警级别由系统依据热度、"
			  "负面情绪、敏感度、属地相关和传播范围计算。",
			  zone, strcmp(zone, "Asia/Shanghai") ? "" : "（北京时间）") ||
	    (rc = para(&c, &NOTE, 0)))
		goto out;
	c.sum->pages = yq_pdf_pages(c.pdf);
	rc = yq_pdf_close(c.pdf, err);
	c.pdf = NULL;
out:
	yq_pdf_free(c.pdf);
	yq_buf_release(&c.b);
	return rc;
}
