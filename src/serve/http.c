/*
 * http.c — the HTTP server (libmicrohttpd) and the router.
 *
 * Threading: MHD_USE_THREAD_PER_CONNECTION with an internal polling
 * thread, at most `connections` connections (limits.connections).  One
 * thread per connection keeps handlers simple (they may block on SQLite's
 * busy timeout or the queue's backpressure) and lets a live-stream client
 * wait in its content callback for the next message or heartbeat.
 *
 * Routing: the table below maps a method and a path template to a
 * handler; "{id}" matches one path segment, or the rest of the path when it
 * is the template's last segment (post ids may hold slashes: feed guids
 * are URLs).  A path that matches no template is 404 and is counted under
 * the route "unmatched"; one whose template matches with another method is
 * 405 with Allow.  The query string is never part of the route (field case
 * metrics-01).  A GET or HEAD outside /api/ that no route has goes to the
 * dashboard's assets (static.c: web/dist, counted under the route "static").
 *
 * Who may ask: every route but /healthz, /api/csrf and /api/login needs a
 * logged-in user — a session cookie (HttpOnly, SameSite=Strict) or an
 * "Authorization: Bearer" API token — whose role has the route's
 * permission (auth.h's table); 401 without one, 403 with the wrong role.
 * A state-changing request on a cookie also needs the session's CSRF token
 * in X-CSRF-Token (403 otherwise).  This is checked on the first call for
 * a request, from its headers; the body of a refused request is read and
 * dropped (up to the body cap) so the client gets the answer cleanly.
 *
 * Caps: request headers are capped by MHD's per-connection memory
 * (limits.header_bytes; MHD answers an oversized header itself); a body
 * over limits.body_bytes is 413 — at once when Content-Length says so,
 * before anything is read, else when the upload passes the cap (the rest
 * is discarded).  Handlers answer malformed input with 400 and a message;
 * nothing a client sends stops the daemon.
 */
#include "base/error.h"
#include "serve/internal.h"
#include "serve/static.h"
#include "store/query.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <strings.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct route {
	const char *method;
	const char *tmpl;
	yq_handler fn;
	int perm; /* enum yq_perm, or PUBLIC */
};

#define PUBLIC (-1)

static const struct route routes[] = {
	{"GET", "/healthz", yq_api_healthz, PUBLIC},
	{"GET", "/api/csrf", yq_api_csrf, PUBLIC},
	{"POST", "/api/login", yq_api_login, PUBLIC},
	{"POST", "/api/logout", yq_api_logout, YQ_PERM_READ}, /* every role reads */
	{"GET", "/api/me", yq_api_me, YQ_PERM_READ},
	{"GET", "/metrics", yq_api_metrics, YQ_PERM_READ},
	{"POST", "/api/posts", yq_api_posts_push, YQ_PERM_POST_PUSH},
	{"GET", "/api/posts", yq_api_posts_list, YQ_PERM_READ},
	{"GET", "/api/posts/{id}", yq_api_post_get, YQ_PERM_READ},
	{"GET", "/api/overview", yq_api_overview, YQ_PERM_READ},
	{"GET", "/api/users", yq_api_users, YQ_PERM_USER_ADMIN},
	{"GET", "/api/events", yq_api_events_list, YQ_PERM_READ},
	{"GET", "/api/events/{id}", yq_api_event_get, YQ_PERM_READ},
	{"GET", "/api/alerts", yq_api_alerts_list, YQ_PERM_READ},
	{"GET", "/api/alerts/{id}", yq_api_alert_get, YQ_PERM_READ},
	{"POST", "/api/alerts/{id}/ack", yq_api_alert_ack, YQ_PERM_ALERT_ACK},
	{"GET", "/api/alerts/{id}/deliveries", yq_api_deliveries, YQ_PERM_READ},
	{"GET", "/api/stream", yq_api_stream, YQ_PERM_READ},
	{"GET", "/api/sources", yq_api_sources_list, YQ_PERM_READ},
	{"GET", "/api/schemes", yq_api_schemes_list, YQ_PERM_READ},
	{"POST", "/api/schemes/test", yq_api_schemes_test, YQ_PERM_SCHEME_WRITE},
	{"POST", "/api/schemes", yq_api_scheme_create, YQ_PERM_SCHEME_WRITE},
	{"GET", "/api/schemes/{id}", yq_api_scheme_get, YQ_PERM_READ},
	{"PUT", "/api/schemes/{id}", yq_api_scheme_update, YQ_PERM_SCHEME_WRITE},
	{"DELETE", "/api/schemes/{id}", yq_api_scheme_delete, YQ_PERM_SCHEME_WRITE},
	{"GET", "/api/schemes/{id}/backtest", yq_api_scheme_backtest, YQ_PERM_SCHEME_WRITE},
	/* cases (api_cases.c): the role, state and department checks are case.c's */
	{"GET", "/api/cases", yq_api_cases_list, YQ_PERM_READ},
	{"POST", "/api/cases", yq_api_case_create, YQ_PERM_CASE_CREATE},
	{"GET", "/api/cases/{id}", yq_api_case_get, YQ_PERM_READ},
	{"POST", "/api/cases/{id}/transition", yq_api_case_transition, YQ_PERM_READ},
	{"POST", "/api/cases/{id}/notes", yq_api_case_note, YQ_PERM_READ},
	{"POST", "/api/cases/{id}/respond", yq_api_case_respond, YQ_PERM_CASE_HANDLE},
	{"GET", "/api/departments", yq_api_departments_list, YQ_PERM_READ},
	{"POST", "/api/departments", yq_api_department_set, YQ_PERM_CONFIG_WRITE},
	{"POST", "/api/messages", yq_api_messages_push, YQ_PERM_MESSAGE_WRITE},
	{"GET", "/api/messages", yq_api_messages_list, YQ_PERM_READ},
	{"GET", "/api/messages/hot", yq_api_messages_hot, YQ_PERM_READ},
	{"GET", "/api/messages/{id}", yq_api_message_get, YQ_PERM_READ},
	{"POST", "/api/messages/{id}/category", yq_api_message_category, YQ_PERM_MESSAGE_WRITE},
	{"POST", "/api/messages/{id}/reply", yq_api_message_reply, YQ_PERM_CASE_HANDLE},
	{"GET", "/api/stats", yq_api_stats, YQ_PERM_READ},
	{"GET", "/api/export", yq_api_export, YQ_PERM_READ},
};
#define NROUTES (sizeof routes / sizeof routes[0])

/* match: path against tmpl; the {id} segment into param; greedy: a
 * final {id} takes the rest of the path, slashes included. */
static int match(const char *tmpl, const char *path, char *param, size_t cap, int greedy)
{
	while (*tmpl && *path) {
		if (!strncmp(tmpl, "{id}", 4)) {
			const char *end = tmpl[4] || !greedy ? strchr(path, '/') : path + strlen(path);
			if (!end && !tmpl[4])
				end = path + strlen(path);
			if (!end || end == path || (size_t)(end - path) >= cap)
				return 0;
			memcpy(param, path, (size_t)(end - path));
			param[end - path] = 0;
			tmpl += 4;
			path = end;
			continue;
		}
		if (*tmpl != *path)
			return 0;
		tmpl++;
		path++;
	}
	return !*tmpl && !*path;
}

static void route(struct yq_req *r, const char *url)
{
	char allow[128] = "";
	/* one-segment ids first, so /api/alerts/1/deliveries is not alert
	 * "1/deliveries"; then a final {id} may take the rest of the path */
	for (size_t k = 0; k < 2 * NROUTES; k++) {
		size_t i = k % NROUTES;
		char param[sizeof r->param];
		if (k == NROUTES && *allow)
			break; /* a one-segment template matched with another method */
		if (!match(routes[i].tmpl, url, param, sizeof param, k >= NROUTES))
			continue;
		/* HEAD is GET without the body (libmicrohttpd drops it) */
		if (!strcmp(routes[i].method, r->method) ||
		    (!strcmp(r->method, "HEAD") && !strcmp(routes[i].method, "GET"))) {
			r->route = routes[i].tmpl;
			r->handler = routes[i].fn;
			r->perm = routes[i].perm;
			memcpy(r->param, param, sizeof param);
			return;
		}
		r->route = routes[i].tmpl; /* 405: counted under its template */
		if (!strstr(allow, routes[i].method) && strlen(allow) + 10 < sizeof allow) {
			if (*allow)
				strcat(allow, ", ");
			strcat(allow, routes[i].method);
		}
	}
	if (*allow) {
		static _Thread_local char allow_tls[128];
		memcpy(allow_tls, allow, sizeof allow);
		r->allow = allow_tls;
	}
}

/* ---- request helpers (internal.h) ---- */

const char *yq_req_arg(struct yq_req *r, const char *key)
{
	return MHD_lookup_connection_value(r->conn, MHD_GET_ARGUMENT_KIND, key);
}

const char *yq_req_header(struct yq_req *r, const char *key)
{
	return MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, key);
}

void yq_req_json(struct yq_req *r, int status, json_t *v)
{
	char *s = v ? json_dumps(v, JSON_COMPACT | JSON_REAL_PRECISION(10)) : NULL;
	json_decref(v);
	yq_buf_reset(&r->out);
	if (!s) {
		r->status = 500;
		yq_buf_adds(&r->out, "{\"error\":\"out of memory\"}\n");
	} else {
		r->status = status;
		yq_buf_adds(&r->out, s);
		yq_buf_addc(&r->out, '\n');
	}
	free(s);
	r->ctype = "application/json; charset=utf-8";
}

void yq_req_error(struct yq_req *r, int status, const char *fmt, ...)
{
	struct yq_buf m = YQ_BUF_INIT;
	va_list ap;
	va_start(ap, fmt);
	yq_buf_vprintf(&m, fmt, ap);
	va_end(ap);
	yq_req_json(r, status, json_pack("{s:s%,s:i}", "error", m.s, m.len, "status", status));
	yq_buf_release(&m);
}

sqlite3 *yq_req_wdb(struct yq_req *r)
{
	struct yq_buf err = YQ_BUF_INIT;
	if (!r->wdb && yq_query_open(r->d->cfg->db, 0, NULL, &r->wdb, &err)) {
		yq_metrics_add(r->d->m, YQ_M_ERR_DB, 1);
		yq_req_error(r, 503, "database unavailable: %s", err.s);
		r->wdb = NULL;
	}
	yq_buf_release(&err);
	return r->wdb;
}

const char *yq_req_addr(struct yq_req *r, char *buf, size_t cap)
{
	const union MHD_ConnectionInfo *ci =
		MHD_get_connection_info(r->conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	snprintf(buf, cap, "-");
	if (ci && ci->client_addr && ci->client_addr->sa_family == AF_INET)
		inet_ntop(AF_INET, &((const struct sockaddr_in *)ci->client_addr)->sin_addr, buf,
			  (socklen_t)cap);
	else if (ci && ci->client_addr && ci->client_addr->sa_family == AF_INET6)
		inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)ci->client_addr)->sin6_addr,
			  buf, (socklen_t)cap);
	return buf;
}

const char *yq_req_actor(const struct yq_req *r)
{
	return r->who.kind == YQ_PRINCIPAL_USER ? r->who.name : "anonymous";
}

/* ---- who may ask ---- */

static int changes_state(const char *method)
{
	return strcmp(method, "GET") && strcmp(method, "HEAD") && strcmp(method, "OPTIONS");
}

/*
 * authorize: the principal of the request — an "Authorization: Bearer"
 * API token, else the session cookie — and the route's permission; a
 * state-changing request authenticated by its cookie must also carry the
 * session's CSRF token in X-CSRF-Token (a token request carries no
 * ambient credential and needs none).  Returns 1 to go on, 0 after
 * answering 401, 403 or 503.
 */
static int authorize(struct yq_req *r)
{
	struct yq_daemon *d = r->d;
	const char *authz = yq_req_header(r, "Authorization");
	const char *sid = MHD_lookup_connection_value(r->conn, MHD_COOKIE_KIND, YQ_AUTH_COOKIE);
	int64_t now = (int64_t)time(NULL);
	sqlite3 *db;
	int rc;
	if (sid && strlen(sid) == YQ_AUTH_SECRET_HEX)
		memcpy(r->sid, sid, YQ_AUTH_SECRET_HEX + 1);
	if (r->perm == PUBLIC)
		return 1;
	if (!(db = yq_req_wdb(r)))
		return 0;
	int status = 401;
	enum yq_perm perm = (enum yq_perm)r->perm;
	rc = yq_auth_request(db, &d->policy,
			     authz && !strncasecmp(authz, "Bearer ", 7) ? authz + 7 : NULL,
			     *r->sid ? r->sid : NULL, yq_req_header(r, YQ_AUTH_CSRF_HEADER),
			     changes_state(r->method), perm, now, &r->who, &status);
	if (rc) {
		yq_metrics_add(d->m, YQ_M_ERR_DB, 1);
		yq_req_error(r, 503, "cannot check the credentials: %s", sqlite3_errmsg(db));
		return 0;
	}
	if (status == 401) {
		yq_req_error(r, 401, "login required (POST /api/login, or Authorization: Bearer TOKEN)");
		return 0;
	}
	if (status == 403 && !yq_auth_allows(r->who.role, perm)) {
		yq_req_error(r, 403, "role %s may not %s", yq_auth_role_name(r->who.role),
			     yq_auth_perm_name(perm));
		return 0;
	}
	if (status == 403) {
		yq_req_error(r, 403, "missing or wrong %s for this session", YQ_AUTH_CSRF_HEADER);
		return 0;
	}
	return 1;
}

sqlite3 *yq_req_db(struct yq_req *r)
{
	struct yq_buf err = YQ_BUF_INIT;
	if (!r->db && yq_query_open(r->d->cfg->db, 1, r->d->seg, &r->db, &err)) {
		yq_metrics_add(r->d->m, YQ_M_ERR_DB, 1);
		yq_req_error(r, 503, "database unavailable: %s", err.s);
		r->db = NULL;
	}
	yq_buf_release(&err);
	return r->db;
}

struct yq_tz *yq_req_tz(struct yq_req *r)
{
	if (!r->tz && yq_tz_open(r->d->cfg->tz, &r->tz)) {
		yq_req_error(r, 500, "cannot open time zone %s", r->d->cfg->tz);
		r->tz = NULL;
	}
	return r->tz;
}

void yq_req_db_error(struct yq_req *r, int rc, const struct yq_buf *err)
{
	const char *m = err->len ? err->s : yq_strerror(rc);
	if (rc == YQ_EINVAL)
		yq_req_error(r, 400, "%s", m);
	else if (rc == YQ_ENOTFOUND)
		yq_req_error(r, 404, "%s", m);
	else {
		yq_metrics_add(r->d->m, YQ_M_ERR_DB, 1);
		yq_serve_log("%s %s: %s", r->method, r->route ? r->route : "?", m);
		yq_req_error(r, 500, "database error: %s", m);
	}
}

void yq_req_answer(struct yq_req *r, int rc, json_t *res, const struct yq_buf *err)
{
	if (rc) {
		json_decref(res);
		yq_req_db_error(r, rc, err);
	} else {
		yq_req_json(r, 200, res);
	}
}

int yq_req_int(struct yq_req *r, const char *key, int64_t min, int64_t max, int64_t *out)
{
	const char *s = yq_req_arg(r, key);
	char *end;
	if (!s)
		return 0;
	errno = 0;
	long long v = strtoll(s, &end, 10);
	if (end == s || *end || v < min || v > max || errno == ERANGE) {
		yq_req_error(r, 400, "%s must be a whole number in [%lld, %lld]", key, (long long)min,
			     (long long)max);
		return -1;
	}
	*out = v;
	return 0;
}

int yq_req_time(struct yq_req *r, const char *key, int64_t *out, int *has)
{
	const char *s = yq_req_arg(r, key);
	struct yq_tz *tz;
	if (!s)
		return 0;
	if (!(tz = yq_req_tz(r)))
		return -1;
	if (yq_time_parse(s, strlen(s), (int64_t)time(NULL), tz, out)) {
		yq_req_error(r, 400, "%s: cannot read '%s' as a time (ISO 8601, epoch seconds …)", key,
			     s);
		return -1;
	}
	*has = 1;
	return 0;
}

/* ---- MHD glue ---- */

static ssize_t stream_cb(void *cls, uint64_t pos, char *buf, size_t max)
{
	struct yq_req *r = cls;
	(void)pos;
	if (r->out_off == r->out.len) {
		yq_buf_reset(&r->out);
		r->out_off = 0;
		int rc = yq_sse_next(r->d->sse, &r->cursor, r->d->cfg->sse_heartbeat * 1000, max,
				     &r->out);
		if (rc)
			return MHD_CONTENT_READER_END_OF_STREAM;
	}
	size_t n = r->out.len - r->out_off;
	if (n > max)
		n = max;
	memcpy(buf, r->out.s + r->out_off, n);
	r->out_off += n;
	return (ssize_t)n;
}

static enum MHD_Result send_response(struct yq_req *r)
{
	struct MHD_Response *resp;
	r->answered = 1;
	if (r->stream) {
		resp = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 4096, stream_cb, r, NULL);
		if (!resp)
			return MHD_NO;
		MHD_add_response_header(resp, "Content-Type", "text/event-stream; charset=utf-8");
		MHD_add_response_header(resp, "Cache-Control", "no-cache");
		MHD_add_response_header(resp, "X-Accel-Buffering", "no");
	} else {
		resp = MHD_create_response_from_buffer(r->out.len, r->out.s, MHD_RESPMEM_MUST_COPY);
		if (!resp)
			return MHD_NO;
		MHD_add_response_header(resp, "Content-Type",
					r->ctype ? r->ctype : "application/json; charset=utf-8");
		MHD_add_response_header(resp, "Cache-Control", "no-store");
		if (r->allow)
			MHD_add_response_header(resp, "Allow", r->allow);
		if (r->disposition)
			MHD_add_response_header(resp, "Content-Disposition", r->disposition);
		if (r->status == 503)
			MHD_add_response_header(resp, "Retry-After", "1");
		if (r->status == 429) {
			char ra[32];
			snprintf(ra, sizeof ra, "%lld", (long long)(r->retry_after > 0 ? r->retry_after : 1));
			MHD_add_response_header(resp, "Retry-After", ra);
		}
		if (r->status == 401)
			MHD_add_response_header(resp, "WWW-Authenticate", "Bearer realm=\"yuqing\"");
	}
	if (r->cookie.len)
		MHD_add_response_header(resp, "Set-Cookie", r->cookie.s);
	MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
	enum MHD_Result ok = MHD_queue_response(r->conn, (unsigned)r->status, resp);
	MHD_destroy_response(resp);
	yq_metrics_http(r->d->m, r->method, r->route, r->status);
	return ok;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
				  const char *method, const char *version, const char *upload,
				  size_t *upload_size, void **con_cls)
{
	struct yq_daemon *d = cls;
	struct yq_req *r = *con_cls;
	(void)version;
	if (!r) {
		if (!(r = calloc(1, sizeof(*r))))
			return MHD_NO;
		r->d = d;
		r->conn = c;
		r->method = method;
		r->status = 200;
		yq_buf_init(&r->body);
		yq_buf_init(&r->out);
		yq_buf_init(&r->cookie);
		r->perm = PUBLIC;
		route(r, url);
		*con_cls = r;
		if (r->handler && !authorize(r))
			r->denied = 1; /* answered after the body, which is discarded */
		const char *cl = yq_req_header(r, "Content-Length");
		if (cl && strtoull(cl, NULL, 10) > d->cfg->max_body) {
			r->too_big = 1;
			yq_req_error(r, 413, "request body over %zu bytes", d->cfg->max_body);
			return send_response(r);
		}
		return MHD_YES;
	}
	if (r->answered) {
		*upload_size = 0;
		return MHD_YES;
	}
	if (*upload_size) {
		if (r->denied) {
			r->dropped += *upload_size; /* counted, not kept */
			*upload_size = 0;
			if (r->dropped > d->cfg->max_body)
				return send_response(r); /* enough: answer now */
			return MHD_YES;
		}
		if (!r->too_big) {
			if (r->body.len + *upload_size > d->cfg->max_body) {
				r->too_big = 1;
				yq_buf_release(&r->body);
			} else if (yq_buf_add(&r->body, upload, *upload_size)) {
				return MHD_NO;
			}
		}
		*upload_size = 0;
		return MHD_YES;
	}
	if (r->denied)
		; /* the 401/403 authorize() prepared */
	else if (r->too_big)
		yq_req_error(r, 413, "request body over %zu bytes", d->cfg->max_body);
	else if (r->handler)
		r->handler(r);
	else if (r->allow)
		yq_req_error(r, 405, "%s is not allowed here (allowed: %s)", method, r->allow);
	else {
		int ok, page = (!strcmp(method, "GET") || !strcmp(method, "HEAD")) &&
			       strncmp(url, "/api/", 5);
		char hint[512];
		if (page && yq_static_answer(r, url, &ok))
			return ok ? MHD_YES : MHD_NO; /* the dashboard (static.c) */
		if (page && !strcmp(url, "/") && yq_static_missing(d->cfg, hint, sizeof hint))
			yq_req_error(r, 404, "%s", hint);
		else
			yq_req_error(r, 404, "no such endpoint");
	}
	return send_response(r);
}

/*
 * unescape: libmicrohttpd's percent-decoding of the path and the query
 * arguments, in place, except that "%00" is left as it is: a decoded NUL
 * would cut the value short, so /api/events/1%00 would be event 1; kept,
 * it is a value no handler accepts (400).  Returns the new length.
 */
static size_t unescape(void *cls, struct MHD_Connection *c, char *s)
{
	char *w = s;
	(void)cls;
	(void)c;
	for (const char *p = s; *p;) {
		int hi = p[0] == '%' ? yq_hex_digit(p[1]) : -1, lo = hi >= 0 ? yq_hex_digit(p[2]) : -1;
		if (lo >= 0 && (hi | lo)) {
			*w++ = (char)(hi * 16 + lo);
			p += 3;
		} else {
			*w++ = *p++;
		}
	}
	*w = 0;
	return (size_t)(w - s);
}

static void on_done(void *cls, struct MHD_Connection *c, void **con_cls,
		    enum MHD_RequestTerminationCode toe)
{
	struct yq_req *r = *con_cls;
	(void)cls;
	(void)c;
	(void)toe;
	if (!r)
		return;
	if (r->stream)
		yq_sse_client_delta(r->d->sse, -1);
	sqlite3_close(r->db);
	sqlite3_close(r->wdb);
	yq_tz_free(r->tz);
	yq_buf_release(&r->cookie);
	yq_buf_release(&r->body);
	yq_buf_release(&r->out);
	free(r);
	*con_cls = NULL;
}

int yq_http_start(struct yq_daemon *d, struct yq_buf *err)
{
	d->mhd = MHD_start_daemon(
		MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD, 0, NULL, NULL,
		on_request, d, MHD_OPTION_LISTEN_SOCKET, d->listen_fd, MHD_OPTION_CONNECTION_LIMIT,
		d->cfg->connections, MHD_OPTION_CONNECTION_MEMORY_LIMIT, d->cfg->max_header,
		MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)60, MHD_OPTION_NOTIFY_COMPLETED, on_done, d,
		MHD_OPTION_UNESCAPE_CALLBACK, unescape, NULL, MHD_OPTION_END);
	if (!d->mhd) {
		yq_buf_adds(err, "cannot start the HTTP server (libmicrohttpd)");
		return YQ_EIO;
	}
	d->listen_fd = -1; /* MHD owns and closes it */
	return YQ_OK;
}

void yq_http_stop(struct yq_daemon *d)
{
	if (d->mhd)
		MHD_stop_daemon(d->mhd);
	d->mhd = NULL;
}
