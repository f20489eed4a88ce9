/*
 * api_auth.c — POST /api/login, POST /api/logout, GET /api/csrf,
 * GET /api/me, GET /api/alerts/{id}/deliveries, and the alert sender
 * thread.
 *
 * Sessions (auth.h): GET /api/csrf gives an anonymous session and its CSRF
 * token for the login form, or, to a client already logged in, who it is
 * and its session's token (the same on every call).  A login always answers with a NEW session id
 * in the cookie and destroys the one the client sent (field case auth-01:
 * an id planted before the login never becomes an authenticated one), and
 * hands the new session's CSRF token in the body (auth-03: the first
 * state-changing request after the login works with it; the old token is
 * dead).  Cookies: HttpOnly, SameSite=Strict, Path=/.  Too many failures
 * for a name or an address answer 429 with Retry-After (the counters are
 * persisted).  Logins, logouts and failed logins are appended to the
 * audit log.
 *
 * The sender: one thread with its own connection runs yq_deliver_tick()
 * every second — escalation of unacknowledged alerts up the roster, then
 * the outbox rows due; the alerts were enqueued by the writer in the
 * transaction that stored them (daemon.c), so none is lost across a
 * restart.
 */
#include "auth/audit.h"
#include "base/error.h"
#include "cases/case.h"
#include "serve/internal.h"
#include "store/query.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static void audit(struct yq_req *r, const char *actor, const char *action, const char *after)
{
	char addr[64];
	struct yq_audit_entry e = {
		.time = (int64_t)time(NULL), .actor = actor, .action = action,
		.object_type = "session", .object_id = actor, .after = after,
		.addr = yq_req_addr(r, addr, sizeof addr),
	};
	sqlite3 *db = yq_req_wdb(r);
	if (db && yq_audit_append(db, &e, NULL))
		yq_serve_log("audit %s: %s", action, sqlite3_errmsg(db));
}

static json_t *principal_json(const struct yq_principal *p)
{
	return json_pack("{s:s,s:s,s:s,s:b}", "user", p->name, "role", yq_auth_role_name(p->role),
			 "department", p->department, "via_token", p->via_token);
}

void yq_api_csrf(struct yq_req *r)
{
	struct yq_session_tokens t;
	struct yq_principal who;
	int64_t now = (int64_t)time(NULL);
	sqlite3 *db = yq_req_wdb(r);
	if (!db)
		return;
	/* logged in already: that session's token and who it is (a new tab
	 * of the dashboard picks the login up from here); the cookie stays */
	if (*r->sid && !yq_auth_session_check(db, &r->d->policy, r->sid, now, &who) &&
	    who.kind == YQ_PRINCIPAL_USER) {
		int rc = yq_auth_csrf_token(db, &r->d->policy, r->sid, now, t.csrf);
		if (rc != YQ_ENOTFOUND) {
			json_t *o = rc ? NULL : principal_json(&who);
			if (rc)
				yq_req_error(r, 503, "cannot read the CSRF token: %s", sqlite3_errmsg(db));
			else {
				if (o)
					json_object_set_new(o, "csrf", json_string(t.csrf));
				yq_req_json(r, 200, o);
			}
			return;
		}
	}
	if (yq_auth_session_anon(db, &r->d->policy, now, &t)) {
		yq_req_error(r, 503, "cannot open a session: %s", sqlite3_errmsg(db));
		return;
	}
	yq_buf_reset(&r->cookie);
	yq_auth_cookie(&r->cookie, t.sid, r->d->policy.anon_ttl, 0);
	yq_req_json(r, 200, json_pack("{s:s}", "csrf", t.csrf));
}

void yq_api_login(struct yq_req *r)
{
	struct yq_daemon *d = r->d;
	json_error_t je;
	json_t *body = NULL;
	char addr[64];
	struct yq_session_tokens t;
	struct yq_principal who;
	enum yq_login_result res;
	int64_t retry = 0, now = (int64_t)time(NULL);
	sqlite3 *db = yq_req_wdb(r);
	if (!db)
		return;
	body = r->body.len ? json_loadb(r->body.s, r->body.len, 0, &je) : NULL;
	json_t *jn = json_object_get(body, "name"), *jp = json_object_get(body, "password");
	if (!json_is_string(jn) || !json_is_string(jp)) {
		yq_req_error(r, 400, "body: expected {\"name\": …, \"password\": …}");
		goto out;
	}
	if (yq_auth_login(db, &d->policy, json_string_value(jn), json_string_value(jp),
			  json_string_length(jp), yq_req_addr(r, addr, sizeof addr),
			  *r->sid ? r->sid : NULL, now, &res, &retry, &t, &who)) {
		yq_req_error(r, 503, "login failed: %s", sqlite3_errmsg(db));
		goto out;
	}
	if (res == YQ_LOGIN_LIMITED) {
		r->retry_after = retry;
		yq_req_error(r, 429, "too many failed logins; try again in %lld s", (long long)retry);
		goto out;
	}
	if (res == YQ_LOGIN_BAD) {
		audit(r, json_string_value(jn), "session.login_failed", NULL);
		yq_req_error(r, 401, "wrong user name or password");
		goto out;
	}
	yq_buf_reset(&r->cookie);
	yq_auth_cookie(&r->cookie, t.sid, t.expires - now, 0);
	audit(r, who.name, "session.login", NULL);
	json_t *o = principal_json(&who);
	if (o) {
		json_object_set_new(o, "csrf", json_string(t.csrf));
		json_object_set_new(o, "expires", json_integer(t.expires));
	}
	yq_req_json(r, 200, o);
out:
	json_decref(body);
}

void yq_api_logout(struct yq_req *r)
{
	sqlite3 *db = yq_req_wdb(r);
	if (!db)
		return;
	if (yq_auth_logout(db, r->sid)) {
		yq_req_error(r, 503, "logout failed: %s", sqlite3_errmsg(db));
		return;
	}
	audit(r, yq_req_actor(r), "session.logout", NULL);
	yq_buf_reset(&r->cookie);
	yq_auth_cookie(&r->cookie, NULL, 0, 0);
	yq_req_json(r, 200, json_pack("{s:b}", "logged_out", 1));
}

void yq_api_me(struct yq_req *r)
{
	yq_req_json(r, 200, principal_json(&r->who));
}

void yq_api_deliveries(struct yq_req *r)
{
	struct yq_buf out = YQ_BUF_INIT;
	char *end;
	sqlite3 *db;
	errno = 0;
	long long id = strtoll(r->param, &end, 10);
	if (end == r->param || *end || id <= 0 || errno == ERANGE) {
		yq_req_error(r, 400, "'%s' is not an alert id", r->param);
		return;
	}
	if (!(db = yq_req_db(r)))
		return;
	if (yq_deliver_list_json(db, id, 1000, &out)) {
		yq_req_error(r, 500, "cannot read the outbox: %s", sqlite3_errmsg(db));
	} else {
		yq_buf_reset(&r->out);
		yq_buf_printf(&r->out, "{\"alert\":%lld,\"deliveries\":%s}\n", id, out.s);
		r->status = 200;
		r->ctype = "application/json; charset=utf-8";
	}
	yq_buf_release(&out);
}

void *yq_serve_deliver_main(void *arg)
{
	struct yq_daemon *d = arg;
	struct yq_buf err = YQ_BUF_INIT;
	struct yq_deliver *dl = NULL;
	sqlite3 *db = NULL;
	if (yq_query_open(d->cfg->db, 0, NULL, &db, &err) || yq_deliver_open(db, d->dcfg, &dl)) {
		yq_serve_log("alert sender: %s", err.len ? err.s : sqlite3_errmsg(db));
		yq_metrics_add(d->m, YQ_M_ERR_DB, 1);
		goto out;
	}
	for (int64_t k = 0; !yq_serve_sleep_ms(d, 1000); k++) {
		struct yq_tick_stats st = {0};
		/* case reminders (cases/case.h) every 5 s: queued once per (case,
		 * type, due_at) in the outbox, then sent by the tick below */
		if (k % 5 == 0 && yq_case_remind(db, &d->cases->cfg, (int64_t)time(NULL), NULL)) {
			yq_serve_log("case reminders: %s", sqlite3_errmsg(db));
			yq_metrics_add(d->m, YQ_M_ERR_DB, 1);
		}
		if (yq_deliver_tick(dl, (int64_t)time(NULL), &st)) {
			yq_serve_log("alert sender: %s", sqlite3_errmsg(db));
			yq_metrics_add(d->m, YQ_M_ERR_DB, 1);
		}
	}
out:
	yq_deliver_free(dl);
	sqlite3_close(db);
	yq_buf_release(&err);
	return NULL;
}
