/*
 * api_misc.c — GET /healthz, GET /metrics, GET /api/stream (Server-Sent
 * Events), GET /api/sources.
 *
 * /healthz answers 200 {"status":"ok"} while the writer works and 503
 * {"status":"failing", "error"} once it stopped on a database error; it
 * reads no database, so it answers even while the writer holds the lock.
 *
 * /api/stream: the response is text/event-stream with Cache-Control:
 * no-cache and X-Accel-Buffering: no (field case sse-01: a proxy such as
 * nginx buffers otherwise), no Content-Length (chunked) and no compression;
 * each message is handed to MHD as soon as it is published, and a comment
 * line every limits.sse_heartbeat seconds keeps proxies and the client
 * from timing the connection out.  Resume rules: serve/sse.h.
 */
#include "base/error.h"
#include "serve/internal.h"
#include "store/query.h"

#include <string.h>
#include <time.h>

void yq_api_healthz(struct yq_req *r)
{
	struct yq_daemon *d = r->d;
	size_t depth = yq_queue_depth(d->q, NULL);
	if (atomic_load(&d->fatal)) {
		pthread_mutex_lock(&d->err_mu);
		yq_req_json(r, 503,
			    json_pack("{s:s,s:s,s:I}", "status", "failing", "error", d->fatal_msg.s,
				      "queue_depth", (json_int_t)depth));
		pthread_mutex_unlock(&d->err_mu);
		return;
	}
	yq_req_json(r, 200,
		    json_pack("{s:s,s:I,s:I,s:I}", "status", "ok", "queue_depth", (json_int_t)depth,
			      "uptime_seconds", (json_int_t)((int64_t)time(NULL) - d->started),
			      "stream_last_id", (json_int_t)yq_sse_last(d->sse)));
}

void yq_api_metrics(struct yq_req *r)
{
	struct yq_daemon *d = r->d;
	uint64_t oldest = 0, now = yq_now_ns();
	struct yq_metrics_gauges g = {0};
	g.queue_depth = yq_queue_depth(d->q, &oldest);
	g.queue_cap = yq_queue_cap(d->q);
	g.lag_seconds = oldest && now > oldest ? (double)(now - oldest) / 1e9 : 0;
	g.sse_clients = yq_sse_clients(d->sse);
	g.sse_last_id = yq_sse_last(d->sse);
	g.uptime_seconds = (double)(now - d->started_ns) / 1e9;
	yq_buf_reset(&r->out);
	if (yq_metrics_render(d->m, &g, &r->out)) {
		yq_req_error(r, 500, "out of memory");
		return;
	}
	r->status = 200;
	r->ctype = "text/plain; version=0.0.4; charset=utf-8";
}

void yq_api_stream(struct yq_req *r)
{
	yq_buf_reset(&r->out);
	if (yq_sse_start(r->d->sse, yq_req_header(r, "Last-Event-ID"), &r->cursor, &r->out)) {
		yq_req_error(r, 500, "out of memory");
		return;
	}
	r->out_off = 0;
	r->status = 200;
	r->stream = 1;
	yq_sse_client_delta(r->d->sse, +1);
}

void yq_api_sources_list(struct yq_req *r)
{
	struct yq_buf err = YQ_BUF_INIT;
	json_t *res = NULL;
	sqlite3 *db = yq_req_db(r);
	if (db && yq_req_tz(r)) {
		int rc = yq_query_sources(db, r->tz, &res, &err);
		if (rc) {
			yq_req_db_error(r, rc, &err);
		} else {
			/* live counters beside the stored health */
			json_t *arr = json_object_get(res, "sources"), *v;
			size_t i;
			json_array_foreach(arr, i, v)
			{
				const char *name = json_string_value(json_object_get(v, "name"));
				for (size_t k = 0; name && k < r->d->cfg->nsources; k++)
					if (!strcmp(r->d->cfg->sources[k].name, name))
						json_object_set_new(
							v, "feed_errors_since_start",
							json_integer((json_int_t)yq_metrics_source_get(
								r->d->m, (int)k, YQ_M_FEED_ERRORS)));
			}
			yq_req_json(r, 200, res);
		}
	}
	yq_buf_release(&err);
}
