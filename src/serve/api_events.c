/*
 * api_events.c — GET /api/events, GET /api/events/{id}, GET /api/alerts,
 * GET /api/alerts/{id}, POST /api/alerts/{id}/ack.
 *
 * Reads run on the request's read-only connection.  An acknowledgement is
 * a write on the request's read-write connection, in one BEGIN IMMEDIATE
 * transaction with the 5 s busy timeout (it waits for the writer's commit
 * instead of failing with "database is locked": field case storage-01):
 * the acknowledgement row, the outbox's ack (no further escalation up the
 * duty roster) and the audit entry (who, when, before and after) commit
 * together.
 */
#include "auth/audit.h"
#include "auth/txn.h"
#include "base/error.h"
#include "serve/internal.h"
#include "store/query.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static int page(struct yq_req *r, size_t *limit, size_t *offset)
{
	int64_t l = 50, o = 0;
	if (yq_req_int(r, "limit", 1, YQ_QUERY_LIMIT_MAX, &l) ||
	    yq_req_int(r, "offset", 0, YQ_QUERY_OFFSET_MAX, &o))
		return -1;
	*limit = (size_t)l;
	*offset = (size_t)o;
	return 0;
}

/* id_param: the {id} segment as a positive integer, or -1 after 400. */
static int id_param(struct yq_req *r, int64_t *id)
{
	char *end;
	errno = 0;
	long long v = strtoll(r->param, &end, 10);
	if (end == r->param || *end || v <= 0 || errno == ERANGE) {
		yq_req_error(r, 400, "'%s' is not an id (a positive whole number)", r->param);
		return -1;
	}
	*id = v;
	return 0;
}

void yq_api_events_list(struct yq_req *r)
{
	struct yq_event_filter f = {0};
	struct yq_buf err = YQ_BUF_INIT;
	json_t *res = NULL;
	sqlite3 *db;
	int64_t min_risk = 0;
	f.state = yq_req_arg(r, "state");
	if (f.state && strcmp(f.state, "new") && strcmp(f.state, "rising") &&
	    strcmp(f.state, "peak") && strcmp(f.state, "declining") && strcmp(f.state, "closed")) {
		yq_req_error(r, 400, "state must be new, rising, peak, declining or closed");
		goto out;
	}
	f.scheme = yq_req_arg(r, "scheme");
	f.sort = yq_req_arg(r, "sort");
	if (yq_req_time(r, "since", &f.since, &f.has_since) ||
	    yq_req_int(r, "min_risk", 0, 100, &min_risk) || page(r, &f.limit, &f.offset))
		goto out;
	f.min_risk = (double)min_risk;
	if (!(db = yq_req_db(r)) || !yq_req_tz(r))
		goto out;
	int rc = yq_query_events(db, r->tz, &f, &res, &err);
	yq_req_answer(r, rc, res, &err);
out:
	yq_buf_release(&err);
}

void yq_api_event_get(struct yq_req *r)
{
	struct yq_buf err = YQ_BUF_INIT;
	json_t *res = NULL;
	int64_t id;
	sqlite3 *db;
	if (id_param(r, &id) == 0 && (db = yq_req_db(r)) && yq_req_tz(r)) {
		int rc = yq_query_event(db, r->tz, id, &res, &err);
		yq_req_answer(r, rc, res, &err);
	}
	yq_buf_release(&err);
}

void yq_api_alerts_list(struct yq_req *r)
{
	struct yq_alert_filter f = {0};
	struct yq_buf err = YQ_BUF_INIT;
	json_t *res = NULL;
	sqlite3 *db;
	const char *acked = yq_req_arg(r, "acked");
	f.level = yq_req_arg(r, "level");
	f.acked = -1;
	if (acked && !strcmp(acked, "true"))
		f.acked = 1;
	else if (acked && !strcmp(acked, "false"))
		f.acked = 0;
	else if (acked) {
		yq_req_error(r, 400, "acked is true or false");
		goto out;
	}
	if (f.level && strcmp(f.level, "I") && strcmp(f.level, "II") && strcmp(f.level, "III") &&
	    strcmp(f.level, "IV")) {
		yq_req_error(r, 400, "level is I, II, III or IV");
		goto out;
	}
	if (yq_req_int(r, "event", 1, INT64_MAX, &f.event) ||
	    yq_req_int(r, "after", 0, INT64_MAX, &f.after) || page(r, &f.limit, &f.offset))
		goto out;
	if (!(db = yq_req_db(r)) || !yq_req_tz(r))
		goto out;
	int rc = yq_query_alerts(db, r->tz, &f, &res, &err);
	yq_req_answer(r, rc, res, &err);
out:
	yq_buf_release(&err);
}

void yq_api_alert_get(struct yq_req *r)
{
	struct yq_buf err = YQ_BUF_INIT;
	json_t *res = NULL;
	int64_t id;
	sqlite3 *db;
	if (id_param(r, &id) == 0 && (db = yq_req_db(r)) && yq_req_tz(r)) {
		int rc = yq_query_alert(db, r->tz, id, &res, &err);
		yq_req_answer(r, rc, res, &err);
	}
	yq_buf_release(&err);
}

void yq_api_alert_ack(struct yq_req *r)
{
	struct yq_buf err = YQ_BUF_INIT;
	sqlite3 *db = NULL;
	json_t *body = NULL;
	const char *note = NULL;
	int64_t id;
	if (id_param(r, &id))
		goto out;
	if (r->body.len) {
		json_error_t je;
		body = json_loadb(r->body.s, r->body.len, 0, &je);
		if (!body || !json_is_object(body)) {
			yq_req_error(r, 400, "body: expected a JSON object {\"note\": …}%s%s",
				     body ? "" : ": ", body ? "" : je.text);
			goto out;
		}
		json_t *n = json_object_get(body, "note");
		if (n && !json_is_string(n) && !json_is_null(n)) {
			yq_req_error(r, 400, "note must be a string");
			goto out;
		}
		note = n ? json_string_value(n) : NULL;
	}
	if (!(db = yq_req_wdb(r)))
		goto out;
	{
		struct yq_txn t;
		int64_t now = (int64_t)time(NULL);
		const char *who = yq_req_actor(r);
		char addr[64], oid[32];
		if (yq_txn_begin(db, &t)) {
			yq_buf_adds(&err, sqlite3_errmsg(db));
			yq_req_db_error(r, YQ_EDB, &err);
			goto out;
		}
		int rc = yq_query_ack(db, id, who, note, now, &err);
		if (rc == 0) { /* stop the escalation; record who did it */
			int drc = yq_deliver_ack(db, id, who, now);
			snprintf(oid, sizeof oid, "%lld", (long long)id);
			json_t *a = json_pack("{s:b,s:s,s:s?}", "acknowledged", 1, "by", who, "note", note);
			char *as = a ? json_dumps(a, JSON_COMPACT | JSON_REAL_PRECISION(10)) : NULL;
			json_decref(a);
			struct yq_audit_entry e = {
				.time = now, .actor = who, .action = "alert.ack", .object_type = "alert",
				.object_id = oid, .before = "{\"acknowledged\":false}", .after = as,
				.addr = yq_req_addr(r, addr, sizeof addr),
			};
			if ((drc && drc != YQ_ENOTFOUND) || !as || yq_audit_append(db, &e, NULL)) {
				yq_buf_adds(&err, sqlite3_errmsg(db));
				rc = YQ_EDB;
			}
			free(as);
		}
		int end = yq_txn_end(&t, rc < 0 ? rc : 0); /* commits, or rolls back an error */
		if (rc >= 0 && end)
			rc = YQ_EDB;
		if (rc < 0) {
			if (!err.len)
				yq_buf_adds(&err, sqlite3_errmsg(db));
			yq_req_db_error(r, rc, &err);
			goto out;
		}
		yq_req_json(r, 200, json_pack("{s:I,s:b,s:b,s:s}", "alert", (json_int_t)id,
					      "acknowledged", 1, "already", rc == 1, "by", who));
	}
out:
	json_decref(body);
	yq_buf_release(&err);
}
