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
 * metrics-01).
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
#include "store/query.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct route {
	const char *method;
	const char *tmpl;
	yq_handler fn;
};

static const struct route routes[] = {
	{"GET", "/healthz", yq_api_healthz},
	{"GET", "/metrics", yq_api_metrics},
	{"POST", "/api/posts", yq_api_posts_push},
	{"GET", "/api/posts", yq_api_posts_list},
	{"GET", "/api/posts/{id}", yq_api_post_get},
	{"GET", "/api/events", yq_api_events_list},
	{"GET", "/api/events/{id}", yq_api_event_get},
	{"GET", "/api/alerts", yq_api_alerts_list},
	{"GET", "/api/alerts/{id}", yq_api_alert_get},
	{"POST", "/api/alerts/{id}/ack", yq_api_alert_ack},
	{"GET", "/api/stream", yq_api_stream},
	{"GET", "/api/sources", yq_api_sources_list},
	{"GET", "/api/schemes", yq_api_schemes_list},
	{"POST", "/api/schemes/test", yq_api_schemes_test},
	{"GET", "/api/schemes/{id}", yq_api_scheme_get},
	{"GET", "/api/schemes/{id}/backtest", yq_api_scheme_backtest},
};
#define NROUTES (sizeof routes / sizeof routes[0])

/* match: path against tmpl; the {id} segment into param. */
static int match(const char *tmpl, const char *path, char *param, size_t cap)
{
	while (*tmpl && *path) {
		if (!strncmp(tmpl, "{id}", 4)) {
			const char *end = tmpl[4] ? strchr(path, '/') : path + strlen(path);
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
	for (size_t i = 0; i < NROUTES; i++) {
		char param[sizeof r->param];
		if (!match(routes[i].tmpl, url, param, sizeof param))
			continue;
		if (!strcmp(routes[i].method, r->method)) {
			r->route = routes[i].tmpl;
			r->handler = routes[i].fn;
			memcpy(r->param, param, sizeof param);
			return;
		}
		r->route = routes[i].tmpl; /* 405: counted under its template */
		if (!strstr(allow, routes[i].method)) {
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
	char *s = v ? json_dumps(v, JSON_COMPACT) : NULL;
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

int yq_req_int(struct yq_req *r, const char *key, int64_t min, int64_t max, int64_t *out)
{
	const char *s = yq_req_arg(r, key);
	char *end;
	if (!s)
		return 0;
	long long v = strtoll(s, &end, 10);
	if (end == s || *end || v < min || v > max) {
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
		resp = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 16384, stream_cb, r, NULL);
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
		if (r->status == 503)
			MHD_add_response_header(resp, "Retry-After", "1");
	}
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
		route(r, url);
		*con_cls = r;
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
	if (r->too_big)
		yq_req_error(r, 413, "request body over %zu bytes", d->cfg->max_body);
	else if (r->handler)
		r->handler(r);
	else if (r->allow)
		yq_req_error(r, 405, "%s is not allowed here (allowed: %s)", method, r->allow);
	else
		yq_req_error(r, 404, "no such endpoint");
	return send_response(r);
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
	yq_tz_free(r->tz);
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
		MHD_OPTION_END);
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
