/*
 * api_dash.c — the dashboard's overview: GET /api/overview (volume and
 * sentiment over time, open alerts by level, totals), kept fast on large
 * databases by counts pre-aggregated per hour; and GET /api/users.
 *
 * Pre-aggregation: the table dash_hours(hour, sentiment, posts) holds the
 * number of stored posts per UTC hour (time / 3600) and sentiment ('' when
 * not rated; posts without a time are not counted).  Triggers on posts
 * (insert, delete, update of time or sentiment) keep it exact for every
 * writer — the daemon's pipeline and `yuqing replay` into a served
 * database alike.  yq_dash_init creates the table, fills it from the posts
 * already stored and creates the triggers in one BEGIN IMMEDIATE
 * transaction, so no post written meanwhile is missed or counted twice.
 * Invariant: for every (h, s), dash_hours.posts = count of posts with
 * time / 3600 = h and coalesce(sentiment, '') = s (rows may hold 0).
 *
 * GET /api/users (permission user_admin) lists the users for the
 * dashboard's admin page: name, role, department, active, created.
 *
 * The overview reads at most one row per hour and sentiment of its window
 * (capped at YQ_DASH_BUCKETS_MAX buckets), never the posts table; days are
 * local days of the configured zone (the offset taken at each hour).  Its
 * event counts use the index events_state (also made by yq_dash_init).
 */
#include "base/error.h"
#include "auth/auth.h"
#include "serve/internal.h"
#include "store/query.h"

#include <stdlib.h>
#include <string.h>

#define YQ_DASH_BUCKETS_MAX 2000 /* buckets in one answer */

static const char dash_sql[] =
	"CREATE TABLE dash_hours(hour INTEGER NOT NULL, sentiment TEXT NOT NULL,"
	" posts INTEGER NOT NULL, PRIMARY KEY(hour, sentiment)) WITHOUT ROWID;\n"
	"INSERT INTO dash_hours SELECT time / 3600, coalesce(sentiment, ''), count(*)"
	" FROM posts WHERE time IS NOT NULL GROUP BY 1, 2;\n"
	"CREATE TRIGGER dash_posts_ins AFTER INSERT ON posts WHEN new.time IS NOT NULL BEGIN"
	" INSERT INTO dash_hours VALUES(new.time / 3600, coalesce(new.sentiment, ''), 1)"
	" ON CONFLICT(hour, sentiment) DO UPDATE SET posts = posts + 1; END;\n"
	"CREATE TRIGGER dash_posts_del AFTER DELETE ON posts WHEN old.time IS NOT NULL BEGIN"
	" UPDATE dash_hours SET posts = posts - 1"
	" WHERE hour = old.time / 3600 AND sentiment = coalesce(old.sentiment, ''); END;\n"
	"CREATE TRIGGER dash_posts_upd AFTER UPDATE OF time, sentiment ON posts BEGIN"
	" UPDATE dash_hours SET posts = posts - 1 WHERE old.time IS NOT NULL"
	" AND hour = old.time / 3600 AND sentiment = coalesce(old.sentiment, '');"
	" INSERT INTO dash_hours SELECT new.time / 3600, coalesce(new.sentiment, ''), 1"
	" WHERE new.time IS NOT NULL"
	" ON CONFLICT(hour, sentiment) DO UPDATE SET posts = posts + 1; END;\n";

int yq_dash_init(sqlite3 *db, struct yq_buf *err)
{
	int rc = YQ_EDB, have = 0, began = 0;
	if (sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
		goto out;
	began = 1;
	if ((have = yq_query_has_table(db, "dash_hours")) < 0)
		goto out;
	if (!have && sqlite3_exec(db, dash_sql, NULL, NULL, NULL) != SQLITE_OK)
		goto out;
	/* the overview's event counts read this index only, not the event rows */
	if (sqlite3_exec(db, "CREATE INDEX IF NOT EXISTS events_state ON events(state)", NULL, NULL,
			 NULL) != SQLITE_OK)
		goto out;
	if (sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
		goto out;
	began = 0;
	rc = YQ_OK;
out:
	if (rc)
		yq_buf_printf(err, "dashboard counts (dash_hours): %s", sqlite3_errmsg(db));
	if (began)
		sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
	return rc;
}

/* sentiment column of a bucket row: 0 negative, 1 neutral, 2 positive, 3 not rated */
static int sentiment_col(const char *s)
{
	if (s && !strcmp(s, "negative"))
		return 0;
	if (s && !strcmp(s, "neutral"))
		return 1;
	if (s && !strcmp(s, "positive"))
		return 2;
	return 3;
}

/* local_day_start: the start (Unix seconds) of the local day holding t. */
static int64_t local_day_start(struct yq_tz *tz, int64_t t)
{
	struct yq_civil c;
	yq_tz_from_utc(tz, t, &c);
	c.hour = c.min = c.sec = 0;
	return yq_tz_to_utc(tz, &c);
}

/* bucket_start: of time t for a bucket of width seconds (hour or local day). */
static int64_t bucket_start(struct yq_tz *tz, int64_t t, int64_t width)
{
	if (width == 86400)
		return local_day_start(tz, t);
	return t >= 0 ? t / 3600 * 3600 : -((-t + 3599) / 3600 * 3600);
}

static int64_t next_bucket(struct yq_tz *tz, int64_t b, int64_t width)
{
	if (width == 86400)
		return local_day_start(tz, b + 86400 + 7200); /* +2 h: days of 23 or 25 hours */
	return b + 3600;
}

/* count: one query's single integer, or -1 on an error. */
static int64_t count(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *st = NULL;
	int64_t n = -1;
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return n;
}

void yq_api_overview(struct yq_req *r)
{
	sqlite3 *db = yq_req_db(r);
	struct yq_tz *tz = db ? yq_req_tz(r) : NULL;
	sqlite3_stmt *st = NULL;
	json_t *series = NULL, *levels = NULL, *o;
	int64_t since = 0, until = 0, width = 0, first = 0, last = 0, total = 0;
	int has_since = 0, has_until = 0;
	int64_t (*rows)[5] = NULL;
	size_t nb = 0;
	const char *bucket = yq_req_arg(r, "bucket");
	if (!tz)
		return;
	if (yq_req_time(r, "since", &since, &has_since) || yq_req_time(r, "until", &until, &has_until))
		return;
	if (bucket && strcmp(bucket, "hour") && strcmp(bucket, "day")) {
		yq_req_error(r, 400, "bucket must be hour or day");
		return;
	}
	/* the data's span: stream time, not the wall clock (replayed data is old) */
	if (sqlite3_prepare_v2(db,
			       "SELECT min(hour), max(hour), coalesce(sum(posts), 0) FROM dash_hours"
			       " WHERE posts > 0",
			       -1, &st, NULL) != SQLITE_OK ||
	    sqlite3_step(st) != SQLITE_ROW)
		goto dberr;
	if (sqlite3_column_type(st, 0) != SQLITE_NULL) {
		first = sqlite3_column_int64(st, 0) * 3600;
		last = sqlite3_column_int64(st, 1) * 3600;
	}
	total = sqlite3_column_int64(st, 2);
	sqlite3_finalize(st);
	st = NULL;
	if (!has_until)
		until = last + 3600;
	if (!has_since)
		since = until - 7 * 86400 > first ? until - 7 * 86400 : first;
	if (until <= since) {
		yq_req_error(r, 400, "until must be after since");
		return;
	}
	width = bucket ? (!strcmp(bucket, "day") ? 86400 : 3600)
		       : (until - since > 3 * 86400 ? 86400 : 3600);
	if ((until - since) / width + 2 > YQ_DASH_BUCKETS_MAX) {
		yq_req_error(r, 400, "more than %d buckets: narrow since/until or use bucket=day",
			     YQ_DASH_BUCKETS_MAX);
		return;
	}
	for (int64_t b = bucket_start(tz, since, width); b < until; b = next_bucket(tz, b, width))
		nb++;
	if (!(rows = calloc(nb ? nb : 1, sizeof(*rows)))) {
		yq_req_error(r, 500, "out of memory");
		return;
	}
	{
		size_t i = 0;
		for (int64_t b = bucket_start(tz, since, width); b < until && i < nb;
		     b = next_bucket(tz, b, width))
			rows[i++][4] = b; /* column 4 holds the start until the answer */
	}
	if (sqlite3_prepare_v2(db,
			       "SELECT hour, sentiment, posts FROM dash_hours"
			       " WHERE hour >= ?1 AND hour < ?2 AND posts > 0 ORDER BY hour",
			       -1, &st, NULL) != SQLITE_OK)
		goto dberr;
	sqlite3_bind_int64(st, 1, rows[0][4] / 3600 - 1);
	sqlite3_bind_int64(st, 2, (until + 3599) / 3600);
	{
		size_t i = 0;
		int s;
		while ((s = sqlite3_step(st)) == SQLITE_ROW) {
			int64_t t = sqlite3_column_int64(st, 0) * 3600;
			if (t < since || t >= until)
				continue;
			while (i + 1 < nb && rows[i + 1][4] <= t)
				i++;
			if (nb && rows[i][4] <= t)
				rows[i][sentiment_col((const char *)sqlite3_column_text(st, 1))] +=
					sqlite3_column_int64(st, 2);
		}
		if (s != SQLITE_DONE)
			goto dberr;
	}
	sqlite3_finalize(st);
	st = NULL;
	/* open (unacknowledged) alerts by level */
	if (!(levels = json_pack("{s:i,s:i,s:i,s:i}", "I", 0, "II", 0, "III", 0, "IV", 0)))
		goto oom;
	if (sqlite3_prepare_v2(db,
			       "SELECT a.level, count(*) FROM alerts a LEFT JOIN alert_acks k"
			       " ON k.alert = a.id WHERE k.alert IS NULL GROUP BY a.level",
			       -1, &st, NULL) != SQLITE_OK)
		goto dberr;
	{
		int s;
		while ((s = sqlite3_step(st)) == SQLITE_ROW) {
			const char *lv = (const char *)sqlite3_column_text(st, 0);
			if (lv && json_object_get(levels, lv))
				json_object_set_new(levels, lv,
						    json_integer(sqlite3_column_int64(st, 1)));
		}
		if (s != SQLITE_DONE)
			goto dberr;
	}
	sqlite3_finalize(st);
	st = NULL;
	if (!(series = json_array()))
		goto oom;
	for (size_t i = 0; i < nb; i++) {
		int64_t *w = rows[i];
		if (json_array_append_new(series, json_pack("[I,I,I,I,I,I]", (json_int_t)w[4],
							    (json_int_t)(w[0] + w[1] + w[2] + w[3]),
							    (json_int_t)w[0], (json_int_t)w[1],
							    (json_int_t)w[2], (json_int_t)w[3])))
			goto oom;
	}
	int64_t alerts = count(db, "SELECT count(*) FROM alerts");
	int64_t events = count(db, "SELECT count(*) FROM events WHERE state NOT IN ('merged')");
	int64_t open = count(db, "SELECT count(*) FROM events WHERE state NOT IN ('merged', 'closed')");
	if (alerts < 0 || events < 0 || open < 0)
		goto dberr;
	o = json_pack("{s:I,s:I,s:I,s:[s,s,s,s,s,s],s:o,s:o,s:I,s:I,s:I,s:I,s:o,s:o}", "bucket",
		      (json_int_t)width, "since", (json_int_t)since, "until", (json_int_t)until,
		      "columns", "start", "posts", "negative", "neutral", "positive", "unrated",
		      "series", series, "alerts_open", levels, "alerts_total", (json_int_t)alerts,
		      "posts_total", (json_int_t)total, "events_total", (json_int_t)events,
		      "events_open", (json_int_t)open, "first_post",
		      total ? json_integer(first) : json_null(), "last_post",
		      total ? json_integer(last) : json_null());
	series = levels = NULL;
	yq_req_json(r, 200, o);
	goto out;
oom:
	yq_req_error(r, 500, "out of memory");
	goto out;
dberr:
	yq_metrics_add(r->d->m, YQ_M_ERR_DB, 1);
	yq_req_error(r, 500, "database error: %s", sqlite3_errmsg(db));
out:
	sqlite3_finalize(st);
	json_decref(series);
	json_decref(levels);
	free(rows);
}

void yq_api_users(struct yq_req *r)
{
	sqlite3 *db = yq_req_db(r);
	struct yq_tz *tz = db ? yq_req_tz(r) : NULL;
	struct yq_user *u = NULL;
	struct yq_buf when = YQ_BUF_INIT;
	json_t *arr = NULL;
	size_t n = 0;
	if (!tz)
		return;
	if (yq_auth_user_list(db, &u, &n)) {
		yq_metrics_add(r->d->m, YQ_M_ERR_DB, 1);
		yq_req_error(r, 500, "database error: %s", sqlite3_errmsg(db));
		goto out;
	}
	if (!(arr = json_array()))
		goto oom;
	for (size_t i = 0; i < n; i++) {
		yq_buf_reset(&when);
		if (yq_time_format(tz, u[i].created, &when) ||
		    json_array_append_new(
			    arr, json_pack("{s:s,s:s,s:s,s:b,s:s,s:I}", "name", u[i].name, "role",
					   yq_auth_role_name(u[i].role), "department", u[i].department,
					   "active", !u[i].disabled, "created", when.s ? when.s : "",
					   "created_unix", (json_int_t)u[i].created)))
			goto oom;
	}
	yq_req_json(r, 200, json_pack("{s:o}", "users", arr));
	arr = NULL;
	goto out;
oom:
	yq_req_error(r, 500, "out of memory");
out:
	json_decref(arr);
	yq_buf_release(&when);
	free(u);
}
