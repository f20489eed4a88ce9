/*
 * query.c — the daemon's SQL: API reads as JSON, checkpoints, the source
 * registry, acknowledgements; see query.h.
 *
 * Design: list queries are built from a fixed SQL skeleton plus one
 * "AND …" clause per filter that is set, with every value bound as a
 * parameter (struct params below), so no request text ever becomes SQL.
 * Full-text queries go through yq_search_match_expr, so no request text
 * becomes FTS5 syntax either.  Rows are turned into jansson objects column
 * by column (row_object), NULL columns into JSON null.
 */
#include "store/query.h"
#include "base/error.h"
#include "store/fts_tokenizer.h"
#include "store/search.h"

#include <stdlib.h>
#include <string.h>

static const char SCHEMA[] =
	"CREATE TABLE IF NOT EXISTS serve_offsets(\n"
	"  source TEXT NOT NULL, path TEXT NOT NULL, offset INTEGER NOT NULL,\n"
	"  done INTEGER NOT NULL DEFAULT 0, PRIMARY KEY(source, path)) WITHOUT ROWID;\n"
	"CREATE TABLE IF NOT EXISTS serve_sources(\n"
	"  name TEXT PRIMARY KEY, kind TEXT NOT NULL, location TEXT,\n"
	"  platform TEXT, tier TEXT, region TEXT,\n"
	"  items INTEGER NOT NULL DEFAULT 0, rejected INTEGER NOT NULL DEFAULT 0,\n"
	"  last_item INTEGER, errors INTEGER NOT NULL DEFAULT 0,\n"
	"  last_error TEXT, last_error_time INTEGER,\n"
	"  feed_state TEXT CHECK(feed_state IS NULL OR json_valid(feed_state)));\n"
	"CREATE TABLE IF NOT EXISTS alert_acks(\n"
	"  alert INTEGER PRIMARY KEY REFERENCES alerts(id),\n"
	"  user TEXT, time INTEGER NOT NULL, note TEXT);\n"
	"CREATE TABLE IF NOT EXISTS serve_state(key TEXT PRIMARY KEY, value INTEGER);\n";

/* ---- connections ---- */

int yq_query_open(const char *path, int readonly, const struct yq_segmenter *seg, sqlite3 **out,
		  struct yq_buf *err)
{
	sqlite3 *db = NULL;
	int flags = (readonly ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE) | SQLITE_OPEN_NOMUTEX;
	if (sqlite3_open_v2(path, &db, flags, NULL) != SQLITE_OK) {
		yq_buf_printf(err, "%s: %s", path, db ? sqlite3_errmsg(db) : "out of memory");
		goto fail;
	}
	sqlite3_busy_timeout(db, YQ_QUERY_BUSY_MS);
	if (sqlite3_exec(db, "PRAGMA foreign_keys = ON", NULL, NULL, NULL) != SQLITE_OK) {
		yq_buf_printf(err, "%s: %s", path, sqlite3_errmsg(db));
		goto fail;
	}
	if (seg && yq_fts_register(db, seg, NULL) < 0) {
		yq_buf_printf(err, "%s: registering the FTS5 tokenizer", path);
		goto fail;
	}
	*out = db;
	return YQ_OK;
fail:
	sqlite3_close(db);
	return YQ_EDB;
}

int yq_query_schema(sqlite3 *db, struct yq_buf *err)
{
	char *msg = NULL;
	if (sqlite3_exec(db, SCHEMA, NULL, NULL, &msg) != SQLITE_OK) {
		yq_buf_printf(err, "creating the daemon's tables: %s", msg ? msg : "?");
		sqlite3_free(msg);
		return YQ_EDB;
	}
	return YQ_OK;
}

/* ---- building queries ---- */

#define MAX_PARAMS 16

struct params {
	int n;
	struct {
		int is_text;
		int64_t i;
		double d;
		int is_real;
		const char *s;
		size_t len;
	} v[MAX_PARAMS];
};

static int p_int(struct params *p, int64_t x)
{
	p->v[p->n].is_text = 0;
	p->v[p->n].is_real = 0;
	p->v[p->n].i = x;
	return ++p->n;
}

static int p_real(struct params *p, double x)
{
	p->v[p->n].is_text = 0;
	p->v[p->n].is_real = 1;
	p->v[p->n].d = x;
	return ++p->n;
}

static int p_text(struct params *p, const char *s, size_t len)
{
	p->v[p->n].is_text = 1;
	p->v[p->n].s = s;
	p->v[p->n].len = len;
	return ++p->n;
}

static void p_opt(struct params *p, const char *s)
{
	p_text(p, s, s ? strlen(s) : 0); /* a NULL text binds SQL NULL */
}

static int prepare(sqlite3 *db, const char *sql, const struct params *p, sqlite3_stmt **out,
		   struct yq_buf *err)
{
	sqlite3_stmt *s = NULL;
	if (sqlite3_prepare_v2(db, sql, -1, &s, NULL) != SQLITE_OK)
		goto fail;
	for (int i = 0; p && i < p->n; i++) {
		int rc = p->v[i].is_text
				 ? sqlite3_bind_text(s, i + 1, p->v[i].s, (int)p->v[i].len, SQLITE_STATIC)
			 : p->v[i].is_real ? sqlite3_bind_double(s, i + 1, p->v[i].d)
					   : sqlite3_bind_int64(s, i + 1, p->v[i].i);
		if (rc != SQLITE_OK)
			goto fail;
	}
	*out = s;
	return YQ_OK;
fail:
	if (err)
		yq_buf_adds(err, sqlite3_errmsg(db));
	sqlite3_finalize(s);
	return YQ_EDB;
}

/* set_time: key (Unix seconds) and key "_unix"… as ISO in tz and seconds. */
static int set_time(json_t *o, const char *key, sqlite3_stmt *s, int col, struct yq_tz *tz)
{
	char k2[64];
	snprintf(k2, sizeof k2, "%s_unix", key);
	if (sqlite3_column_type(s, col) == SQLITE_NULL)
		return json_object_set_new(o, key, json_null()) ||
		       json_object_set_new(o, k2, json_null());
	int64_t t = sqlite3_column_int64(s, col);
	struct yq_buf b = YQ_BUF_INIT;
	int rc = tz ? yq_time_format(tz, t, &b) : yq_buf_printf(&b, "%lld", (long long)t);
	if (!rc)
		rc = json_object_set_new(o, key, json_string(b.s)) ||
		     json_object_set_new(o, k2, json_integer(t));
	yq_buf_release(&b);
	return rc ? YQ_ENOMEM : YQ_OK;
}

/* col_json: column col as JSON: integers, reals, text (parsed when
 * is_json and valid), NULL → null. */
static json_t *col_json(sqlite3_stmt *s, int col, int is_json)
{
	switch (sqlite3_column_type(s, col)) {
	case SQLITE_INTEGER:
		return json_integer(sqlite3_column_int64(s, col));
	case SQLITE_FLOAT:
		return json_real(sqlite3_column_double(s, col));
	case SQLITE_NULL:
		return json_null();
	default: {
		const char *t = (const char *)sqlite3_column_text(s, col);
		if (is_json) {
			json_t *v = json_loads(t, JSON_DECODE_ANY, NULL);
			if (v)
				return v;
		}
		return json_stringn(t, (size_t)sqlite3_column_bytes(s, col));
	}
	}
}

/* row_object: every column of the current row under its name; the
 * columns named in time_cols become ISO times (set_time), those in
 * json_cols parsed JSON. */
static json_t *row_object(sqlite3_stmt *s, struct yq_tz *tz, const char *const *time_cols,
			  const char *const *json_cols)
{
	json_t *o = json_object();
	if (!o)
		return NULL;
	int n = sqlite3_column_count(s);
	for (int c = 0; c < n; c++) {
		const char *name = sqlite3_column_name(s, c);
		int is_time = 0, is_json = 0;
		for (const char *const *t = time_cols; t && *t; t++)
			is_time |= !strcmp(*t, name);
		for (const char *const *t = json_cols; t && *t; t++)
			is_json |= !strcmp(*t, name);
		if (is_time) {
			if (set_time(o, name, s, c, tz))
				goto fail;
			continue;
		}
		json_t *v = col_json(s, c, is_json);
		if (!v || json_object_set_new(o, name, v))
			goto fail;
	}
	return o;
fail:
	json_decref(o);
	return NULL;
}

static size_t page_limit(size_t limit)
{
	return limit == 0 ? 50 : limit > YQ_QUERY_LIMIT_MAX ? YQ_QUERY_LIMIT_MAX : limit;
}

int yq_query_has_table(sqlite3 *db, const char *name)
{
	sqlite3_stmt *s = NULL;
	int rc = YQ_EDB;
	if (sqlite3_prepare_v2(db, "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?1",
			       -1, &s, NULL) == SQLITE_OK) {
		sqlite3_bind_text(s, 1, name, -1, SQLITE_STATIC);
		int st = sqlite3_step(s);
		rc = st == SQLITE_ROW ? 1 : st == SQLITE_DONE ? 0 : YQ_EDB;
	}
	sqlite3_finalize(s);
	return rc;
}

int yq_query_rows(sqlite3 *db, sqlite3_stmt *s, struct yq_tz *tz, const char *const *tcols,
		  const char *const *jcols, json_t *arr, struct yq_buf *err)
{
	int step;
	while ((step = sqlite3_step(s)) == SQLITE_ROW) {
		json_t *o = row_object(s, tz, tcols, jcols);
		if (!o || json_array_append_new(arr, o))
			return YQ_ENOMEM;
	}
	if (step != SQLITE_DONE) {
		if (err)
			yq_buf_adds(err, sqlite3_errmsg(db));
		return YQ_EDB;
	}
	return YQ_OK;
}

static int count_of(sqlite3 *db, const char *sql, const struct params *p, int64_t *out,
		    struct yq_buf *err)
{
	sqlite3_stmt *s = NULL;
	int rc = prepare(db, sql, p, &s, err);
	if (rc)
		return rc;
	if (sqlite3_step(s) != SQLITE_ROW) {
		yq_buf_adds(err, sqlite3_errmsg(db));
		rc = YQ_EDB;
	} else {
		*out = sqlite3_column_int64(s, 0);
	}
	sqlite3_finalize(s);
	return rc;
}

/* list_page: one page of a list and the list's size.  Counts
 * "SELECT count(*) FROM <from> WHERE <cond><where>", then reads
 * "SELECT <cols> FROM … ORDER BY <order> LIMIT limit OFFSET offset" (p holds
 * where's parameters; the page's two are appended) and answers
 * {"total", "limit", "offset", <key>: [rows]} in *out (owned by the caller).
 * tcols/jcols as row_object's.  YQ_ENOMEM, or YQ_EDB with err set. */
static int list_page(sqlite3 *db, struct yq_tz *tz, struct params *p, const char *cols,
		     const char *from_cond, const char *where, const char *order, size_t limit,
		     size_t offset, const char *const *tcols, const char *const *jcols,
		     const char *key, json_t **out, struct yq_buf *err)
{
	struct yq_buf sql = YQ_BUF_INIT;
	sqlite3_stmt *s = NULL;
	json_t *arr = NULL, *res;
	int64_t total = 0;
	int rc = YQ_ENOMEM;
	if (yq_buf_printf(&sql, "SELECT count(*) FROM %s%s", from_cond, where))
		goto out;
	if ((rc = count_of(db, sql.s, p, &total, err)))
		goto out;
	rc = YQ_ENOMEM;
	yq_buf_reset(&sql);
	int lim = p_int(p, (int64_t)limit), off = p_int(p, (int64_t)offset);
	if (yq_buf_printf(&sql, "SELECT %s FROM %s%s ORDER BY %s LIMIT ?%d OFFSET ?%d", cols,
			  from_cond, where, order, lim, off))
		goto out;
	if ((rc = prepare(db, sql.s, p, &s, err)))
		goto out;
	rc = YQ_ENOMEM;
	if (!(arr = json_array()))
		goto out;
	if ((rc = yq_query_rows(db, s, tz, tcols, jcols, arr, err)))
		goto out;
	rc = YQ_ENOMEM;
	res = json_pack("{s:I,s:I,s:I,s:o}", "total", (json_int_t)total, "limit", (json_int_t)limit,
			"offset", (json_int_t)offset, key, arr);
	arr = NULL;
	if (!res)
		goto out;
	*out = res;
	rc = YQ_OK;
out:
	json_decref(arr);
	sqlite3_finalize(s);
	yq_buf_release(&sql);
	return rc;
}

/* ---- posts ---- */

static const char *const POST_TIMES[] = {"time", NULL};
#define POST_COLS                                                                            \
	"p.source, p.id, p.time, p.time_flag = 0 AS time_ok, p.title, p.text, p.url,"       \
	" p.event, p.dup_of, p.sentiment, p.sentiment_prob, p.reposts, p.comments, p.likes," \
	" p.location, p.parent"

int yq_query_posts(sqlite3 *db, struct yq_tz *tz, const struct yq_post_filter *f, json_t **out,
		   struct yq_buf *err)
{
	struct yq_buf where = YQ_BUF_INIT, m = YQ_BUF_INIT;
	struct params p = {0};
	int rc = YQ_ENOMEM;
	size_t limit = page_limit(f->limit);
	int fts = f->q != NULL;

	if (fts) {
		if (strlen(f->q) > 4096) {
			yq_buf_adds(err, "q longer than 4096 bytes");
			rc = YQ_EINVAL;
			goto out;
		}
		rc = yq_search_match_expr(f->q, &m);
		if (rc == YQ_EINVAL) {
			yq_buf_adds(err, "q has no search term");
			goto out;
		}
		if (rc)
			goto out;
		rc = YQ_ENOMEM;
		if (yq_buf_printf(&where, " AND p.rowid IN (SELECT rowid FROM posts_fts WHERE posts_fts "
				  "MATCH ?%d)", p_text(&p, m.s, m.len)))
			goto out;
	}
	if (f->has_since && yq_buf_printf(&where, " AND p.time >= ?%d", p_int(&p, f->since)))
		goto out;
	if (f->has_until && yq_buf_printf(&where, " AND p.time < ?%d", p_int(&p, f->until)))
		goto out;
	if (f->source && yq_buf_printf(&where, " AND p.source = ?%d",
				       p_text(&p, f->source, strlen(f->source))))
		goto out;
	if (f->sentiment && yq_buf_printf(&where, " AND p.sentiment = ?%d",
					  p_text(&p, f->sentiment, strlen(f->sentiment))))
		goto out;
	if (f->event && yq_buf_printf(&where, " AND p.event = ?%d", p_int(&p, f->event)))
		goto out;
	if (f->scheme && yq_buf_printf(&where,
				       " AND p.rowid IN (SELECT post FROM post_schemes WHERE scheme = ?%d)",
				       p_text(&p, f->scheme, strlen(f->scheme))))
		goto out;
	rc = list_page(db, tz, &p, POST_COLS, "posts p WHERE 1", where.s,
		       "p.time DESC, p.rowid DESC", limit, f->offset, POST_TIMES, NULL, "posts", out,
		       err);
out:
	yq_buf_release(&where);
	yq_buf_release(&m);
	return rc;
}

int yq_query_post(sqlite3 *db, struct yq_tz *tz, const char *id, const char *source,
		  json_t **out, struct yq_buf *err)
{
	struct params p = {0};
	sqlite3_stmt *s = NULL;
	json_t *arr = json_array(), *post = NULL;
	int rc;
	static const char *const JCOLS[] = {"hits", NULL};
	if (!arr)
		return YQ_ENOMEM;
	p_text(&p, id, strlen(id));
	if (source)
		p_text(&p, source, strlen(source));
	rc = prepare(db,
		     source ? "SELECT " POST_COLS ", p.rowid AS rowid FROM posts p WHERE p.id = ?1 AND "
			      "p.source = ?2"
			    : "SELECT " POST_COLS ", p.rowid AS rowid FROM posts p WHERE p.id = ?1 LIMIT 20",
		     &p, &s, err);
	if (rc)
		goto out;
	if ((rc = yq_query_rows(db, s, tz, POST_TIMES, NULL, arr, err)))
		goto out;
	sqlite3_finalize(s);
	s = NULL;
	if (json_array_size(arr) == 0) {
		yq_buf_printf(err, "no post with id %s", id);
		rc = YQ_ENOTFOUND;
		goto out;
	}
	if (json_array_size(arr) > 1) {
		yq_buf_printf(err, "%zu sources have a post with id %s; add ?source=:",
			      json_array_size(arr), id);
		size_t i;
		json_t *v;
		json_array_foreach(arr, i, v)
			yq_buf_printf(err, " %s", json_string_value(json_object_get(v, "source")));
		rc = YQ_EINVAL;
		goto out;
	}
	post = json_incref(json_array_get(arr, 0));
	struct params q = {0};
	p_int(&q, json_integer_value(json_object_get(post, "rowid")));
	json_object_del(post, "rowid");
	if ((rc = prepare(db, "SELECT scheme, hits FROM post_schemes WHERE post = ?1 ORDER BY scheme",
			  &q, &s, err)))
		goto out;
	json_t *sch = json_array();
	if (!sch || json_object_set_new(post, "schemes", sch)) {
		rc = YQ_ENOMEM;
		goto out;
	}
	if ((rc = yq_query_rows(db, s, tz, NULL, JCOLS, sch, err)))
		goto out;
	*out = post;
	post = NULL;
out:
	json_decref(post);
	json_decref(arr);
	sqlite3_finalize(s);
	return rc;
}

/* ---- events ---- */

static const char *const EVENT_TIMES[] = {"first_seen", "last_seen", NULL};
static const char *const EVENT_JSON[] = {"keywords", "timeline", "schemes", "places", NULL};
#define EVENT_RISK                                                                           \
	"(SELECT max(json_extract(a.reason, '$.score')) FROM alerts a WHERE a.event = e.id)"
#define EVENT_LEVEL                                                                          \
	"(SELECT a.level FROM alerts a WHERE a.event = e.id ORDER BY a.id DESC LIMIT 1)"
#define EVENT_COLS                                                                           \
	"e.id, e.title, e.keywords, e.first_seen, e.last_seen, e.size, e.state,"             \
	" e.schemes, e.places, e.negative_share, " EVENT_RISK " AS risk, " EVENT_LEVEL " AS level"

int yq_query_events(sqlite3 *db, struct yq_tz *tz, const struct yq_event_filter *f, json_t **out,
		    struct yq_buf *err)
{
	struct yq_buf where = YQ_BUF_INIT;
	struct params p = {0};
	int rc = YQ_ENOMEM;
	size_t limit = page_limit(f->limit);
	const char *order = "risk IS NULL, risk DESC, e.size DESC, e.id DESC";
	if (f->sort && !strcmp(f->sort, "size"))
		order = "e.size DESC, e.id DESC";
	else if (f->sort && !strcmp(f->sort, "last_seen"))
		order = "e.last_seen DESC, e.id DESC";
	else if (f->sort && strcmp(f->sort, "risk")) {
		yq_buf_printf(err, "sort is risk, size or last_seen, not '%s'", f->sort);
		return YQ_EINVAL;
	}
	if (f->state && yq_buf_printf(&where, " AND e.state = ?%d",
				      p_text(&p, f->state, strlen(f->state))))
		goto out;
	if (f->scheme) {
		/* the parameter's number first: an argument list has no evaluation
		 * order; json_extract only on objects (a plain id is not JSON text) */
		int k = p_text(&p, f->scheme, strlen(f->scheme));
		if (yq_buf_printf(&where,
				  " AND EXISTS (SELECT 1 FROM json_each(e.schemes) j WHERE j.value = ?%d"
				  " OR CASE WHEN j.type = 'object' THEN json_extract(j.value, '$.id')"
				  " END = ?%d)",
				  k, k))
			goto out;
	}
	if (f->has_since && yq_buf_printf(&where, " AND e.last_seen >= ?%d", p_int(&p, f->since)))
		goto out;
	if (f->min_risk > 0 &&
	    yq_buf_printf(&where, " AND " EVENT_RISK " >= ?%d", p_real(&p, f->min_risk)))
		goto out;
	rc = list_page(db, tz, &p, EVENT_COLS, "events e WHERE e.merged_into IS NULL", where.s,
		       order, limit, f->offset, EVENT_TIMES, EVENT_JSON, "events", out, err);
out:
	yq_buf_release(&where);
	return rc;
}

static const char *const ALERT_TIMES[] = {"time", "acked_at", NULL};
static const char *const ALERT_JSON[] = {"reason", NULL};
#define ALERT_COLS                                                                           \
	"a.id, a.event, a.time, a.level, a.reason, k.user AS acked_by, k.time AS acked_at,"  \
	" k.note AS ack_note"

int yq_query_event(sqlite3 *db, struct yq_tz *tz, int64_t id, json_t **out, struct yq_buf *err)
{
	struct params p = {0};
	sqlite3_stmt *s = NULL;
	json_t *arr = json_array(), *ev = NULL, *sub = NULL;
	int rc;
	static const char *const TCOLS[] = {"first_seen", "last_seen", NULL};
	static const char *const JCOLS[] = {"keywords", "timeline", "schemes", "places", NULL};
	if (!arr)
		return YQ_ENOMEM;
	p_int(&p, id);
	if ((rc = prepare(db,
			  "SELECT " EVENT_COLS ", e.timeline, e.merged_into FROM events e WHERE e.id = ?1",
			  &p, &s, err)))
		goto out;
	if ((rc = yq_query_rows(db, s, tz, TCOLS, JCOLS, arr, err)))
		goto out;
	sqlite3_finalize(s);
	s = NULL;
	if (!json_array_size(arr)) {
		yq_buf_printf(err, "no event %lld", (long long)id);
		rc = YQ_ENOTFOUND;
		goto out;
	}
	ev = json_incref(json_array_get(arr, 0));
	/* alerts, newest first; the last one's reason is the event's "why" */
	rc = YQ_ENOMEM;
	if (!(sub = json_array()))
		goto out;
	if ((rc = prepare(db,
			  "SELECT " ALERT_COLS " FROM alerts a LEFT JOIN alert_acks k ON k.alert = a.id"
			  " WHERE a.event = ?1 ORDER BY a.id DESC LIMIT 100",
			  &p, &s, err)))
		goto out;
	if ((rc = yq_query_rows(db, s, tz, ALERT_TIMES, ALERT_JSON, sub, err)))
		goto out;
	sqlite3_finalize(s);
	s = NULL;
	rc = YQ_ENOMEM;
	json_t *why = json_array_size(sub) ? json_object_get(json_array_get(sub, 0), "reason")
					   : json_null();
	if (json_object_set(ev, "why", why) || json_object_set_new(ev, "alerts", sub))
		goto out;
	sub = NULL;
	/* top posts: the most engaged originals, then the earliest */
	if (!(sub = json_array()))
		goto out;
	if ((rc = prepare(db,
			  "SELECT " POST_COLS " FROM posts p WHERE p.event = ?1 ORDER BY"
			  " p.dup_of IS NOT NULL, coalesce(p.reposts, 0) + coalesce(p.comments, 0) +"
			  " coalesce(p.likes, 0) DESC, p.time, p.rowid LIMIT 10",
			  &p, &s, err)))
		goto out;
	if ((rc = yq_query_rows(db, s, tz, POST_TIMES, NULL, sub, err)))
		goto out;
	rc = YQ_ENOMEM;
	if (json_object_set_new(ev, "top_posts", sub))
		goto out;
	sub = NULL;
	*out = ev;
	ev = NULL;
	rc = YQ_OK;
out:
	json_decref(sub);
	json_decref(ev);
	json_decref(arr);
	sqlite3_finalize(s);
	return rc;
}

int yq_query_event_brief(sqlite3 *db, int64_t id, json_t **out, struct yq_buf *err)
{
	struct params p = {0};
	sqlite3_stmt *s = NULL;
	int rc;
	p_int(&p, id);
	if ((rc = prepare(db,
			  "SELECT e.id, e.title, e.state, e.size, e.last_seen, e.merged_into, " EVENT_RISK
			  " AS risk, " EVENT_LEVEL " AS level FROM events e WHERE e.id = ?1",
			  &p, &s, err)))
		return rc;
	int step = sqlite3_step(s);
	if (step == SQLITE_ROW) {
		*out = row_object(s, NULL, NULL, NULL);
		rc = *out ? YQ_OK : YQ_ENOMEM;
	} else if (step == SQLITE_DONE) {
		rc = YQ_ENOTFOUND;
	} else {
		yq_buf_adds(err, sqlite3_errmsg(db));
		rc = YQ_EDB;
	}
	sqlite3_finalize(s);
	return rc;
}

/* ---- alerts ---- */

int yq_query_alerts(sqlite3 *db, struct yq_tz *tz, const struct yq_alert_filter *f, json_t **out,
		    struct yq_buf *err)
{
	struct yq_buf where = YQ_BUF_INIT;
	struct params p = {0};
	int rc = YQ_ENOMEM;
	size_t limit = page_limit(f->limit);
	if (f->level && yq_buf_printf(&where, " AND a.level = ?%d",
				      p_text(&p, f->level, strlen(f->level))))
		goto out;
	if (f->event && yq_buf_printf(&where, " AND a.event = ?%d", p_int(&p, f->event)))
		goto out;
	if (f->after && yq_buf_printf(&where, " AND a.id > ?%d", p_int(&p, f->after)))
		goto out;
	if (f->acked == 0 && yq_buf_adds(&where, " AND k.alert IS NULL"))
		goto out;
	if (f->acked == 1 && yq_buf_adds(&where, " AND k.alert IS NOT NULL"))
		goto out;
	rc = list_page(db, tz, &p, ALERT_COLS,
		       "alerts a LEFT JOIN alert_acks k ON k.alert = a.id WHERE 1", where.s,
		       "a.id DESC", limit, f->offset, ALERT_TIMES, ALERT_JSON, "alerts", out, err);
out:
	yq_buf_release(&where);
	return rc;
}

int yq_query_alert(sqlite3 *db, struct yq_tz *tz, int64_t id, json_t **out, struct yq_buf *err)
{
	struct params p = {0};
	sqlite3_stmt *s = NULL;
	json_t *arr = json_array();
	int rc;
	if (!arr)
		return YQ_ENOMEM;
	p_int(&p, id);
	if ((rc = prepare(db,
			  "SELECT " ALERT_COLS " FROM alerts a LEFT JOIN alert_acks k ON k.alert = a.id"
			  " WHERE a.id = ?1",
			  &p, &s, err)))
		goto out;
	if ((rc = yq_query_rows(db, s, tz, ALERT_TIMES, ALERT_JSON, arr, err)))
		goto out;
	if (!json_array_size(arr)) {
		yq_buf_printf(err, "no alert %lld", (long long)id);
		rc = YQ_ENOTFOUND;
		goto out;
	}
	*out = json_incref(json_array_get(arr, 0));
out:
	json_decref(arr);
	sqlite3_finalize(s);
	return rc;
}

/* ---- writes ---- */

/* exec1: one statement with params to completion; sqlite3_changes in *changes. */
static int exec1(sqlite3 *db, const char *sql, const struct params *p, int *changes)
{
	sqlite3_stmt *s = NULL;
	if (prepare(db, sql, p, &s, NULL))
		return YQ_EDB;
	int step = sqlite3_step(s);
	sqlite3_finalize(s);
	if (step != SQLITE_DONE && step != SQLITE_ROW)
		return YQ_EDB;
	if (changes)
		*changes = sqlite3_changes(db);
	return YQ_OK;
}

int yq_query_ack(sqlite3 *db, int64_t id, const char *user, const char *note, int64_t now,
		 struct yq_buf *err)
{
	struct params p = {0};
	int changes = 0, rc;
	int64_t exists = 0;
	if (note && strlen(note) > 4096) {
		yq_buf_adds(err, "note longer than 4096 bytes");
		return YQ_EINVAL;
	}
	p_int(&p, id);
	if ((rc = count_of(db, "SELECT count(*) FROM alerts WHERE id = ?1", &p, &exists, err)))
		return rc;
	if (!exists) {
		yq_buf_printf(err, "no alert %lld", (long long)id);
		return YQ_ENOTFOUND;
	}
	p_opt(&p, user);
	p_int(&p, now);
	p_opt(&p, note);
	if (exec1(db,
		  "INSERT INTO alert_acks(alert, user, time, note) VALUES (?1, ?2, ?3, ?4)"
		  " ON CONFLICT(alert) DO NOTHING",
		  &p, &changes)) {
		yq_buf_adds(err, sqlite3_errmsg(db));
		return YQ_EDB;
	}
	return changes ? 0 : 1;
}

int yq_query_offset_get(sqlite3 *db, const char *source, const char *path, int64_t *offset,
			int *done)
{
	struct params p = {0};
	sqlite3_stmt *s = NULL;
	p_text(&p, source, strlen(source));
	p_text(&p, path, strlen(path));
	*offset = 0;
	*done = 0;
	if (prepare(db, "SELECT offset, done FROM serve_offsets WHERE source = ?1 AND path = ?2", &p,
		    &s, NULL))
		return YQ_EDB;
	int step = sqlite3_step(s);
	if (step == SQLITE_ROW) {
		*offset = sqlite3_column_int64(s, 0);
		*done = sqlite3_column_int(s, 1);
	}
	sqlite3_finalize(s);
	return step == SQLITE_ROW || step == SQLITE_DONE ? YQ_OK : YQ_EDB;
}

int yq_query_offset_put(sqlite3 *db, const char *source, const char *path, int64_t offset,
			int done)
{
	struct params p = {0};
	p_text(&p, source, strlen(source));
	p_text(&p, path, strlen(path));
	p_int(&p, offset);
	p_int(&p, done);
	return exec1(db,
		     "INSERT INTO serve_offsets(source, path, offset, done) VALUES (?1, ?2, ?3, ?4)"
		     " ON CONFLICT(source, path) DO UPDATE SET offset = excluded.offset,"
		     " done = excluded.done",
		     &p, NULL);
}

int yq_query_state_get(sqlite3 *db, const char *key, int64_t *out)
{
	struct params p = {0};
	p_text(&p, key, strlen(key));
	*out = 0;
	return count_of(db, "SELECT coalesce((SELECT value FROM serve_state WHERE key = ?1), 0)", &p,
			out, NULL);
}

int yq_query_state_put(sqlite3 *db, const char *key, int64_t value)
{
	struct params p = {0};
	p_text(&p, key, strlen(key));
	p_int(&p, value);
	return exec1(db,
		     "INSERT INTO serve_state(key, value) VALUES (?1, ?2) ON CONFLICT(key) DO UPDATE"
		     " SET value = excluded.value",
		     &p, NULL);
}

int yq_query_source_register(sqlite3 *db, const struct yq_source_rec *s)
{
	struct params p = {0};
	p_opt(&p, s->name);
	p_opt(&p, s->kind);
	p_opt(&p, s->location);
	p_opt(&p, s->platform);
	p_opt(&p, s->tier);
	p_opt(&p, s->region);
	return exec1(db,
		     "INSERT INTO serve_sources(name, kind, location, platform, tier, region)"
		     " VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT(name) DO UPDATE SET"
		     " kind = excluded.kind, location = excluded.location,"
		     " platform = excluded.platform, tier = excluded.tier, region = excluded.region",
		     &p, NULL);
}

int yq_query_source_items(sqlite3 *db, const char *name, int64_t items, int64_t rejected,
			  int64_t now)
{
	struct params p = {0};
	p_text(&p, name, strlen(name));
	p_int(&p, items);
	p_int(&p, rejected);
	p_int(&p, now);
	return exec1(db,
		     "UPDATE serve_sources SET items = items + ?2, rejected = rejected + ?3,"
		     " last_item = CASE WHEN ?2 > 0 THEN ?4 ELSE last_item END WHERE name = ?1",
		     &p, NULL);
}

int yq_query_source_error(sqlite3 *db, const char *name, const char *msg, int64_t now)
{
	struct params p = {0};
	p_text(&p, name, strlen(name));
	p_text(&p, msg, strlen(msg) > 512 ? 512 : strlen(msg));
	p_int(&p, now);
	return exec1(db,
		     "UPDATE serve_sources SET errors = errors + 1, last_error = ?2,"
		     " last_error_time = ?3 WHERE name = ?1",
		     &p, NULL);
}

int yq_query_source_feed_state_put(sqlite3 *db, const char *name, const char *json)
{
	struct params p = {0};
	p_text(&p, name, strlen(name));
	p_text(&p, json, strlen(json));
	return exec1(db, "UPDATE serve_sources SET feed_state = ?2 WHERE name = ?1", &p, NULL);
}

int yq_query_source_feed_state_get(sqlite3 *db, const char *name, json_t **out)
{
	struct params p = {0};
	sqlite3_stmt *s = NULL;
	*out = NULL;
	p_text(&p, name, strlen(name));
	if (prepare(db, "SELECT feed_state FROM serve_sources WHERE name = ?1", &p, &s, NULL))
		return YQ_EDB;
	int step = sqlite3_step(s);
	if (step == SQLITE_ROW && sqlite3_column_type(s, 0) != SQLITE_NULL)
		*out = json_loads((const char *)sqlite3_column_text(s, 0), 0, NULL);
	sqlite3_finalize(s);
	return step == SQLITE_ROW || step == SQLITE_DONE ? YQ_OK : YQ_EDB;
}

int yq_query_sources(sqlite3 *db, struct yq_tz *tz, json_t **out, struct yq_buf *err)
{
	sqlite3_stmt *s = NULL;
	static const char *const TCOLS[] = {"last_item", "last_error_time", NULL};
	static const char *const JCOLS[] = {"feed_state", NULL};
	json_t *arr = json_array();
	int rc;
	if (!arr)
		return YQ_ENOMEM;
	if ((rc = prepare(db,
			  "SELECT name, kind, location, platform, tier, region, items, rejected,"
			  " last_item, errors, last_error, last_error_time, feed_state"
			  " FROM serve_sources ORDER BY name",
			  NULL, &s, err)))
		goto out;
	if ((rc = yq_query_rows(db, s, tz, TCOLS, JCOLS, arr, err)))
		goto out;
	if (!(*out = json_pack("{s:O}", "sources", arr)))
		rc = YQ_ENOMEM;
out:
	json_decref(arr);
	sqlite3_finalize(s);
	return rc;
}

int yq_query_post_edit(sqlite3 *db, const char *source, const char *id, const char *title,
		       int64_t time, int time_ok)
{
	struct params p = {0};
	int changes = 0;
	p_text(&p, source, strlen(source));
	p_text(&p, id, strlen(id));
	p_opt(&p, title);
	p_int(&p, time);
	p_int(&p, time_ok);
	if (exec1(db,
		  "UPDATE posts SET title = ?3, time = CASE WHEN ?5 THEN ?4 ELSE time END"
		  " WHERE source = ?1 AND id = ?2 AND (title IS NOT ?3 OR (?5 AND time IS NOT ?4))",
		  &p, &changes))
		return YQ_EDB;
	return changes ? 1 : 0;
}

int yq_query_alerts_after(sqlite3 *db, int64_t after,
			  int (*fn)(void *ctx, int64_t id, int64_t event, const char *level),
			  void *ctx)
{
	struct params p = {0};
	sqlite3_stmt *s = NULL;
	int rc = YQ_OK, step;
	p_int(&p, after);
	if (prepare(db, "SELECT id, coalesce(event, 0), level FROM alerts WHERE id > ?1 ORDER BY id",
		    &p, &s, NULL))
		return YQ_EDB;
	while (!rc && (step = sqlite3_step(s)) == SQLITE_ROW)
		rc = fn(ctx, sqlite3_column_int64(s, 0), sqlite3_column_int64(s, 1),
			(const char *)sqlite3_column_text(s, 2));
	if (!rc && step != SQLITE_DONE)
		rc = YQ_EDB;
	sqlite3_finalize(s);
	return rc;
}
