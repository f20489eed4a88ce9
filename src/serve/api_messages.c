/*
 * api_messages.c — citizens' messages over HTTP (messages/messages.h,
 * messages/hot.h; docs/http-api.md):
 *   POST /api/messages                 intake (message_write)
 *   GET  /api/messages                 list (read)
 *   GET  /api/messages/hot             hot issues (read)
 *   GET  /api/messages/{id}            one message with its reply (read)
 *   POST /api/messages/{id}/category   confirm or correct the category (message_write)
 *   POST /api/messages/{id}/reply      store a reply (case_handle; a handler only
 *                                      for a message of its own department)
 *   GET  /api/stats                    per-department statistics (read)
 *
 * Contact details (sender, contact) are shown to admins and to handlers of
 * the message's department (permission contact_read, scoped by
 * department); everyone else gets "contact": "redacted".
 *
 * The message environment (classifier, segmenter work areas, routing) is
 * made on first use and shared by the HTTP threads under env_mu; it lives
 * until the process ends.  Writes open their own read-write connection
 * with the daemon's segmenter (a category decision indexes the message as
 * a post, which needs the FTS5 tokenizer) and run one transaction each,
 * with the audit entry in it.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/error.h"
#include "messages/hot.h"
#include "messages/messages.h"
#include "serve/internal.h"
#include "store/query.h"

#define BODY_MAX (1 << 20)

static pthread_mutex_t env_mu = PTHREAD_MUTEX_INITIALIZER;
static struct yq_msg_env *env; /* guarded by env_mu */

/* lock_env: the shared environment, locked; NULL after answering 503. */
static struct yq_msg_env *lock_env(struct yq_req *r)
{
	struct yq_buf err = YQ_BUF_INIT;
	pthread_mutex_lock(&env_mu);
	if (!env) {
		struct yq_msg_env_config c = {.seg = r->d->seg};
		int rc = yq_msg_env_new(&c, &env, &err);
		if (rc == YQ_ENOTFOUND) { /* no built-in model: no suggestions */
			yq_serve_log("messages: %s; messages get no category suggestion", err.s);
			yq_buf_reset(&err);
			c.model = "";
			rc = yq_msg_env_new(&c, &env, &err);
		}
		if (rc) {
			pthread_mutex_unlock(&env_mu);
			yq_req_error(r, 503, "messages unavailable: %s", err.s);
			yq_buf_release(&err);
			return NULL;
		}
	}
	yq_buf_release(&err);
	return env;
}

static void viewer_of(const struct yq_req *r, struct yq_msg_viewer *v)
{
	v->all = r->who.role == YQ_ROLE_ADMIN;
	v->department = yq_auth_allows(r->who.role, YQ_PERM_CONTACT_READ) && r->who.department[0]
				? r->who.department
				: NULL;
}

/* open_write: a read-write connection with the FTS5 tokenizer; NULL
 * after answering 503. */
static sqlite3 *open_write(struct yq_req *r)
{
	struct yq_buf err = YQ_BUF_INIT;
	sqlite3 *db = NULL;
	if (yq_query_open(r->d->cfg->db, 0, r->d->seg, &db, &err)) {
		yq_metrics_add(r->d->m, YQ_M_ERR_DB, 1);
		yq_req_error(r, 503, "database unavailable: %s", err.s);
		db = NULL;
	}
	yq_buf_release(&err);
	return db;
}

static json_t *body_object(struct yq_req *r)
{
	json_error_t je;
	json_t *b = r->body.len ? json_loadb(r->body.s, r->body.len, 0, &je) : json_object();
	if (!b || !json_is_object(b)) {
		yq_req_error(r, 400, "body: expected a JSON object%s%s", b ? "" : ": ",
			     b ? "" : je.text);
		json_decref(b);
		return NULL;
	}
	return b;
}

/* field: the string member named en or zh of o; *bad = 1 when it is there
 * but not a string. */
static const char *field(json_t *o, const char *en, const char *zh, int *bad)
{
	json_t *v = json_object_get(o, en);
	if (!v && zh)
		v = json_object_get(o, zh);
	if (!v || json_is_null(v))
		return NULL;
	if (!json_is_string(v)) {
		*bad = 1;
		return NULL;
	}
	return json_string_value(v);
}

/* count: a non-negative integer member (or a numeric string, as in the
 * data), -1 when absent; *bad = 1 when malformed. */
static int64_t count(json_t *o, const char *en, const char *zh, int *bad)
{
	json_t *v = json_object_get(o, en);
	if (!v)
		v = json_object_get(o, zh);
	if (!v || json_is_null(v))
		return -1;
	if (json_is_integer(v) && json_integer_value(v) >= 0)
		return (int64_t)json_integer_value(v);
	if (json_is_string(v)) {
		char *end;
		long long n = strtoll(json_string_value(v), &end, 10);
		if (!*end && end != json_string_value(v) && n >= 0)
			return n;
	}
	*bad = 1;
	return -1;
}

void yq_api_messages_push(struct yq_req *r)
{
	struct yq_buf err = YQ_BUF_INIT;
	sqlite3 *db = NULL;
	json_t *b = NULL, *res = NULL;
	char id[YQ_MSG_ID_MAX + 1], addr[64];
	int bad = 0;
	int64_t now = (int64_t)time(NULL);
	if (r->body.len > BODY_MAX) {
		yq_req_error(r, 413, "body over %d bytes", BODY_MAX);
		goto out;
	}
	if (!(b = body_object(r)) || !yq_req_tz(r))
		goto out;
	struct yq_msg m = {
		.id = field(b, "id", "留言编号", &bad),
		.title = field(b, "title", "留言主题", &bad),
		.text = field(b, "text", "留言详情", &bad),
		.sender = field(b, "sender", "留言用户", &bad),
		.contact = field(b, "contact", "联系方式", &bad),
		.label = field(b, "label", "一级分类", &bad),
		.likes = count(b, "likes", "点赞数", &bad),
		.dislikes = count(b, "dislikes", "反对数", &bad),
	};
	const char *t = field(b, "time", "留言时间", &bad);
	if (bad) {
		yq_req_error(r, 400, "a field has the wrong type (strings; likes and dislikes"
				     " non-negative integers)");
		goto out;
	}
	if (t) {
		if (yq_time_parse(t, strlen(t), now, r->tz, &m.time)) {
			yq_req_error(r, 400, "time: unreadable '%s'", t);
			goto out;
		}
		m.time_ok = 1;
	}
	if (!(db = open_write(r)))
		goto out;
	struct yq_msg_env *e = lock_env(r);
	if (!e)
		goto out;
	int put = yq_msg_put(e, db, &m, now, yq_req_actor(r), yq_req_addr(r, addr, sizeof addr),
			     id, &err), rc = put;
	pthread_mutex_unlock(&env_mu);
	if (rc < 0) {
		yq_req_db_error(r, rc, &err);
		goto out;
	}
	struct yq_msg_viewer v;
	viewer_of(r, &v);
	if ((rc = yq_msg_get(db, r->tz, id, &v, &res))) {
		yq_req_db_error(r, rc, &err);
		goto out;
	}
	json_object_set_new(res, "created", json_boolean(put == 0));
	yq_req_json(r, put == 0 ? 201 : 200, res);
	res = NULL;
out:
	json_decref(b);
	json_decref(res);
	sqlite3_close(db);
	yq_buf_release(&err);
}

void yq_api_messages_list(struct yq_req *r)
{
	struct yq_buf err = YQ_BUF_INIT;
	struct yq_msg_filter f = {.answered = -1, .limit = 50};
	struct yq_msg_viewer v;
	json_t *res = NULL;
	const char *ans = yq_req_arg(r, "answered");
	sqlite3 *db = yq_req_db(r);
	if (!db || !yq_req_tz(r) || yq_req_int(r, "limit", 1, 1000, &f.limit) ||
	    yq_req_int(r, "offset", 0, YQ_QUERY_OFFSET_MAX, &f.offset) ||
	    yq_req_time(r, "from", &f.from, &f.has_from) || yq_req_time(r, "to", &f.to, &f.has_to))
		goto out;
	if (ans && strcmp(ans, "true") && strcmp(ans, "false")) {
		yq_req_error(r, 400, "answered: true or false");
		goto out;
	}
	if (ans)
		f.answered = !strcmp(ans, "true");
	f.department = yq_req_arg(r, "department");
	viewer_of(r, &v);
	int rc = yq_msg_list(db, r->tz, &f, &v, &res);
	yq_req_answer(r, rc, res, &err);
out:
	yq_buf_release(&err);
}

void yq_api_message_get(struct yq_req *r)
{
	struct yq_buf err = YQ_BUF_INIT;
	struct yq_msg_viewer v;
	json_t *res = NULL;
	sqlite3 *db = yq_req_db(r);
	if (!db || !yq_req_tz(r))
		goto out;
	viewer_of(r, &v);
	int rc = yq_msg_get(db, r->tz, r->param, &v, &res);
	if (rc == YQ_ENOTFOUND)
		yq_req_error(r, 404, "no message %s", r->param);
	else if (rc)
		yq_req_db_error(r, rc, &err);
	else
		yq_req_json(r, 200, res);
out:
	yq_buf_release(&err);
}

void yq_api_messages_hot(struct yq_req *r)
{
	struct yq_buf err = YQ_BUF_INIT;
	struct yq_msg_hot_config h;
	int64_t limit = 10, min_size = 2, window = 30, half = 30, th = 35;
	json_t *res = NULL;
	yq_msg_hot_defaults(&h);
	sqlite3 *db = yq_req_db(r);
	if (!db || !yq_req_tz(r) || yq_req_int(r, "limit", 1, 100, &limit) ||
	    yq_req_int(r, "min_size", 1, 1000, &min_size) ||
	    yq_req_int(r, "window_days", 1, 3650, &window) ||
	    yq_req_int(r, "half_life_days", 1, 3650, &half) ||
	    yq_req_int(r, "threshold_pct", 0, 100, &th) || yq_req_time(r, "now", &h.now, &h.has_now) ||
	    yq_req_time(r, "from", &h.from, &h.has_from) || yq_req_time(r, "to", &h.to, &h.has_to))
		goto out;
	h.limit = (int)limit;
	h.min_size = (int)min_size;
	h.window_days = (double)window;
	h.half_life_days = (double)half;
	h.threshold = (double)th / 100.0;
	struct yq_msg_env *e = lock_env(r);
	if (!e)
		goto out;
	int rc = yq_msg_hot(e, db, r->tz, &h, &res);
	pthread_mutex_unlock(&env_mu);
	yq_req_answer(r, rc, res, &err);
out:
	yq_buf_release(&err);
}

/* answer_message: after a change of message r->param that returned rc
 * (its error, if any, in err): the message as the caller may see it, or
 * the error (400 invalid, 404 unknown, else 500). */
static void answer_message(struct yq_req *r, sqlite3 *db, int rc, const struct yq_buf *err)
{
	struct yq_msg_viewer v;
	json_t *res = NULL;
	if (!rc) {
		viewer_of(r, &v);
		rc = yq_msg_get(db, r->tz, r->param, &v, &res);
	}
	yq_req_answer(r, rc, res, err);
}

void yq_api_message_category(struct yq_req *r)
{
	struct yq_buf err = YQ_BUF_INIT;
	sqlite3 *db = NULL;
	json_t *b = NULL;
	char addr[64];
	int bad = 0;
	if (!(b = body_object(r)) || !yq_req_tz(r))
		goto out;
	const char *cat = field(b, "category", NULL, &bad);
	if (bad) {
		yq_req_error(r, 400, "category must be a string (absent: confirm the suggestion)");
		goto out;
	}
	if (!(db = open_write(r)))
		goto out;
	struct yq_msg_env *e = lock_env(r);
	if (!e)
		goto out;
	int rc = yq_msg_set_category(e, db, r->param, cat, (int64_t)time(NULL), yq_req_actor(r),
				     yq_req_addr(r, addr, sizeof addr), &err);
	pthread_mutex_unlock(&env_mu);
	answer_message(r, db, rc, &err);
out:
	json_decref(b);
	sqlite3_close(db);
	yq_buf_release(&err);
}

/* message_department: the stored department of message id into out
 * ("" when none).  0, YQ_ENOTFOUND, YQ_EDB. */
static int message_department(sqlite3 *db, const char *id, char *out, size_t cap)
{
	sqlite3_stmt *s = NULL;
	int rc = YQ_EDB;
	if (sqlite3_prepare_v2(db, "SELECT coalesce(department, '') FROM messages WHERE id = ?1",
			       -1, &s, NULL) == SQLITE_OK) {
		sqlite3_bind_text(s, 1, id, -1, SQLITE_STATIC);
		int st = sqlite3_step(s);
		if (st == SQLITE_ROW) {
			snprintf(out, cap, "%s", (const char *)sqlite3_column_text(s, 0));
			rc = YQ_OK;
		} else if (st == SQLITE_DONE) {
			rc = YQ_ENOTFOUND;
		}
	}
	sqlite3_finalize(s);
	return rc;
}

void yq_api_message_reply(struct yq_req *r)
{
	struct yq_buf err = YQ_BUF_INIT;
	sqlite3 *db = NULL;
	json_t *b = NULL;
	char addr[64], dept[YQ_MSG_FIELD_MAX + 1];
	int bad = 0;
	int64_t now = (int64_t)time(NULL), when = now;
	if (r->body.len > BODY_MAX) {
		yq_req_error(r, 413, "body over %d bytes", BODY_MAX);
		goto out;
	}
	if (!(b = body_object(r)) || !yq_req_tz(r))
		goto out;
	const char *text = field(b, "reply", "答复意见", &bad);
	const char *t = field(b, "time", "答复时间", &bad);
	if (bad || !text || !*text) {
		yq_req_error(r, 400, "body: {\"reply\": text, \"time\": optional time}");
		goto out;
	}
	if (t && yq_time_parse(t, strlen(t), now, r->tz, &when)) {
		yq_req_error(r, 400, "time: unreadable '%s'", t);
		goto out;
	}
	if (!(db = open_write(r)))
		goto out;
	int rc = message_department(db, r->param, dept, sizeof dept);
	if (rc == YQ_ENOTFOUND) {
		yq_req_error(r, 404, "no message %s", r->param);
		goto out;
	}
	if (rc) {
		yq_req_db_error(r, rc, &err);
		goto out;
	}
	if (r->who.role == YQ_ROLE_HANDLER && strcmp(dept, r->who.department)) {
		yq_req_error(r, 403, "message %s belongs to another department", r->param);
		goto out;
	}
	struct yq_msg_env *e = lock_env(r);
	if (!e)
		goto out;
	rc = yq_msg_set_reply(e, db, r->param, text, when, now, yq_req_actor(r),
			      yq_req_addr(r, addr, sizeof addr), &err);
	pthread_mutex_unlock(&env_mu);
	answer_message(r, db, rc, &err);
out:
	json_decref(b);
	sqlite3_close(db);
	yq_buf_release(&err);
}

void yq_api_stats(struct yq_req *r)
{
	struct yq_buf err = YQ_BUF_INIT;
	struct yq_msg_stat *rows = NULL;
	size_t n = 0;
	int64_t from = 0, to = 0, now = (int64_t)time(NULL);
	int has_from = 0, has_to = 0, has_now = 0;
	enum yq_msg_period period = YQ_MSG_MONTH;
	const char *p = yq_req_arg(r, "period"), *dept = yq_req_arg(r, "department");
	sqlite3 *db = yq_req_db(r);
	if (!db || !yq_req_tz(r) || yq_req_time(r, "from", &from, &has_from) ||
	    yq_req_time(r, "to", &to, &has_to) || yq_req_time(r, "now", &now, &has_now))
		goto out;
	if (p && yq_msg_period_parse(p, &period)) {
		yq_req_error(r, 400, "period: week, month, quarter or all");
		goto out;
	}
	int rc = yq_msg_stats(db, r->tz, period, from, has_from, to, has_to, now, &rows, &n);
	if (rc) {
		yq_req_db_error(r, rc, &err);
		goto out;
	}
	if (dept) {
		size_t k = 0;
		for (size_t i = 0; i < n; i++)
			if (!strcmp(rows[i].department, dept))
				rows[k++] = rows[i];
		n = k;
	}
	json_t *arr = yq_msg_stats_json(rows, n);
	yq_req_json(r, 200, arr ? json_pack("{s:s,s:o}", "period",
					    p ? p : "month", "rows", arr)
				: NULL);
out:
	free(rows);
	yq_buf_release(&err);
}
