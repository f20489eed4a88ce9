/*
 * metrics.c — counters and the Prometheus text format; see metrics.h.
 *
 * The HTTP table is a small array searched linearly (a few dozen series in
 * practice, capped at YQ_METRICS_HTTP_MAX; past the cap a request is
 * counted in one overflow series so the total stays right).  Latencies go
 * into a fixed-bucket histogram (seconds).
 */
#include "serve/metrics.h"
#include "base/error.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

static const char *const methods[] = {"GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS",
				      "other"};
#define NMETHODS (sizeof methods / sizeof methods[0])

static const double lat_le[YQ_METRICS_LAT_BUCKETS] = {0.005, 0.01, 0.025, 0.05, 0.1, 0.25,
						      0.5,   1,    2.5,   5,    10,  30};

struct http_series {
	const char *route; /* NULL: unmatched */
	unsigned method;
	int status;
	uint64_t n;
};

struct yq_metrics {
	pthread_mutex_t mu;
	struct http_series *http;
	size_t nhttp;
	uint64_t http_overflow;
	const char *const *names;
	size_t nsrc;
	_Atomic uint64_t *src; /* (nsrc + 1) * YQ_M_SOURCE_COUNTERS; the last row: no source */
	_Atomic uint64_t ctr[YQ_M_COUNTERS];
	uint64_t lat[YQ_METRICS_LAT_BUCKETS + 1];
	double lat_sum;
	uint64_t lat_n;
};

int yq_metrics_new(const char *const *names, size_t nsources, struct yq_metrics **out)
{
	struct yq_metrics *m = calloc(1, sizeof(*m));
	if (!m)
		return YQ_ENOMEM;
	m->names = names;
	m->nsrc = nsources;
	m->src = calloc((nsources + 1) * YQ_M_SOURCE_COUNTERS, sizeof(*m->src));
	m->http = calloc(YQ_METRICS_HTTP_MAX, sizeof(*m->http));
	if (!m->src || !m->http) {
		free(m->src);
		free(m->http);
		free(m);
		return YQ_ENOMEM;
	}
	pthread_mutex_init(&m->mu, NULL);
	*out = m;
	return YQ_OK;
}

void yq_metrics_free(struct yq_metrics *m)
{
	if (!m)
		return;
	pthread_mutex_destroy(&m->mu);
	free(m->src);
	free(m->http);
	free(m);
}

void yq_metrics_http(struct yq_metrics *m, const char *method, const char *route, int status)
{
	unsigned mi = 0;
	while (mi + 1 < NMETHODS && strcmp(methods[mi], method))
		mi++;
	pthread_mutex_lock(&m->mu);
	size_t i = 0;
	while (i < m->nhttp && !(m->http[i].route == route && m->http[i].method == mi &&
				 m->http[i].status == status))
		i++;
	if (i == m->nhttp) {
		if (m->nhttp == YQ_METRICS_HTTP_MAX) {
			m->http_overflow++;
			pthread_mutex_unlock(&m->mu);
			return;
		}
		m->http[m->nhttp++] = (struct http_series){route, mi, status, 0};
	}
	m->http[i].n++;
	pthread_mutex_unlock(&m->mu);
}

static _Atomic uint64_t *src_slot(struct yq_metrics *m, int src, enum yq_source_counter c)
{
	size_t row = src >= 0 && (size_t)src < m->nsrc ? (size_t)src : m->nsrc;
	return &m->src[row * YQ_M_SOURCE_COUNTERS + c];
}

void yq_metrics_source(struct yq_metrics *m, int src, enum yq_source_counter c, uint64_t n)
{
	atomic_fetch_add(src_slot(m, src, c), n);
}

uint64_t yq_metrics_source_get(struct yq_metrics *m, int src, enum yq_source_counter c)
{
	return atomic_load(src_slot(m, src, c));
}

void yq_metrics_add(struct yq_metrics *m, enum yq_counter c, uint64_t n)
{
	atomic_fetch_add(&m->ctr[c], n);
}

uint64_t yq_metrics_get(struct yq_metrics *m, enum yq_counter c)
{
	return atomic_load(&m->ctr[c]);
}

void yq_metrics_latency(struct yq_metrics *m, double s)
{
	size_t b = 0;
	while (b < YQ_METRICS_LAT_BUCKETS && s > lat_le[b])
		b++;
	pthread_mutex_lock(&m->mu);
	m->lat[b]++;
	m->lat_sum += s;
	m->lat_n++;
	pthread_mutex_unlock(&m->mu);
}

int yq_metrics_label(struct yq_buf *out, const char *s)
{
	for (; *s; s++) {
		int rc;
		if (*s == '\\')
			rc = yq_buf_adds(out, "\\\\");
		else if (*s == '"')
			rc = yq_buf_adds(out, "\\\"");
		else if (*s == '\n')
			rc = yq_buf_adds(out, "\\n");
		else
			rc = yq_buf_addc(out, *s);
		if (rc)
			return YQ_ENOMEM;
	}
	return YQ_OK;
}

static int header(struct yq_buf *o, const char *name, const char *type, const char *help)
{
	return yq_buf_printf(o, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* source_family: one per-source counter, a series per configured source
 * (and "push", the name the API stores, for posts pushed without one, when
 * non-zero; api_posts.c counts those under a configured source named
 * "push" if there is one, so the series is never doubled). */
static int source_family(struct yq_metrics *m, struct yq_buf *o, const char *name,
			 enum yq_source_counter c, const char *help)
{
	int rc = header(o, name, "counter", help);
	for (size_t i = 0; i <= m->nsrc && !rc; i++) {
		uint64_t v = atomic_load(&m->src[i * YQ_M_SOURCE_COUNTERS + c]);
		if (i == m->nsrc && !v)
			break;
		rc = yq_buf_printf(o, "%s{source=\"", name);
		if (!rc)
			rc = yq_metrics_label(o, i < m->nsrc ? m->names[i] : "push");
		if (!rc)
			rc = yq_buf_printf(o, "\"} %llu\n", (unsigned long long)v);
	}
	return rc;
}

int yq_metrics_render(struct yq_metrics *m, const struct yq_metrics_gauges *g,
		      struct yq_buf *o)
{
	int rc = header(o, "http_requests_total", "counter",
			"HTTP requests by method, route template and status.");
	pthread_mutex_lock(&m->mu);
	for (size_t i = 0; i < m->nhttp && !rc; i++) {
		const struct http_series *s = &m->http[i];
		rc = yq_buf_printf(o, "http_requests_total{method=\"%s\",route=\"",
				   methods[s->method]);
		if (!rc)
			rc = yq_metrics_label(o, s->route ? s->route : "unmatched");
		if (!rc)
			rc = yq_buf_printf(o, "\",status=\"%d\"} %llu\n", s->status,
					   (unsigned long long)s->n);
	}
	if (!rc && m->http_overflow)
		rc = yq_buf_printf(o,
				   "http_requests_total{method=\"other\",route=\"overflow\","
				   "status=\"0\"} %llu\n",
				   (unsigned long long)m->http_overflow);
	if (!rc)
		rc = header(o, "yuqing_ingest_latency_seconds", "histogram",
			    "Time from a post's queueing to the commit that stored it.");
	uint64_t cum = 0;
	for (size_t b = 0; b < YQ_METRICS_LAT_BUCKETS && !rc; b++) {
		cum += m->lat[b];
		rc = yq_buf_printf(o, "yuqing_ingest_latency_seconds_bucket{le=\"%g\"} %llu\n",
				   lat_le[b], (unsigned long long)cum);
	}
	if (!rc)
		rc = yq_buf_printf(o,
				   "yuqing_ingest_latency_seconds_bucket{le=\"+Inf\"} %llu\n"
				   "yuqing_ingest_latency_seconds_sum %.6f\n"
				   "yuqing_ingest_latency_seconds_count %llu\n",
				   (unsigned long long)m->lat_n, m->lat_sum,
				   (unsigned long long)m->lat_n);
	pthread_mutex_unlock(&m->mu);
	if (!rc)
		rc = source_family(m, o, "yuqing_posts_in_total", YQ_M_POSTS_IN,
				   "Posts handed to the pipeline, by source.");
	if (!rc)
		rc = source_family(m, o, "yuqing_posts_stored_total", YQ_M_POSTS_STORED,
				   "New posts stored, by source.");
	if (!rc)
		rc = source_family(m, o, "yuqing_posts_existed_total", YQ_M_POSTS_EXISTED,
				   "Posts already stored (skipped), by source.");
	if (!rc)
		rc = source_family(m, o, "yuqing_records_rejected_total", YQ_M_REJECTED,
				   "Bad input records skipped, by source.");
	if (!rc)
		rc = source_family(m, o, "feed_fetch_errors_total", YQ_M_FEED_ERRORS,
				   "Failed feed polls, by source.");
	if (!rc)
		rc = source_family(m, o, "yuqing_feed_item_edits_total", YQ_M_FEED_EDITS,
				   "Known feed items whose title or date was edited, by source.");
	if (!rc)
		rc = header(o, "yuqing_alerts_total", "counter", "Alerts raised, by level.");
	static const char *const lv[4] = {"I", "II", "III", "IV"};
	for (int k = 0; k < 4 && !rc; k++)
		rc = yq_buf_printf(o, "yuqing_alerts_total{level=\"%s\"} %llu\n", lv[k],
				   (unsigned long long)atomic_load(&m->ctr[YQ_M_ALERTS_I + k]));
	if (!rc)
		rc = header(o, "yuqing_errors_total", "counter", "Errors, by kind.");
	static const char *const kinds[] = {"db", "pipeline", "collect", "queue_full"};
	for (int k = 0; k < 4 && !rc; k++)
		rc = yq_buf_printf(o, "yuqing_errors_total{kind=\"%s\"} %llu\n", kinds[k],
				   (unsigned long long)atomic_load(&m->ctr[YQ_M_ERR_DB + k]));
	if (!rc)
		rc = header(o, "yuqing_commits_total", "counter", "Writer transactions committed.");
	if (!rc)
		rc = yq_buf_printf(o, "yuqing_commits_total %llu\n",
				   (unsigned long long)atomic_load(&m->ctr[YQ_M_COMMITS]));
	if (!rc)
		rc = header(o, "yuqing_queue_depth", "gauge", "Posts waiting for the pipeline.");
	if (!rc)
		rc = yq_buf_printf(o, "yuqing_queue_depth %zu\n", g->queue_depth);
	if (!rc)
		rc = header(o, "yuqing_queue_capacity", "gauge", "Capacity of the pipeline queue.");
	if (!rc)
		rc = yq_buf_printf(o, "yuqing_queue_capacity %zu\n", g->queue_cap);
	if (!rc)
		rc = header(o, "yuqing_ingest_lag_seconds", "gauge",
			    "Age of the oldest post waiting for the pipeline.");
	if (!rc)
		rc = yq_buf_printf(o, "yuqing_ingest_lag_seconds %.3f\n", g->lag_seconds);
	if (!rc)
		rc = header(o, "yuqing_sse_clients", "gauge", "Connected live-stream clients.");
	if (!rc)
		rc = yq_buf_printf(o, "yuqing_sse_clients %zu\n", g->sse_clients);
	if (!rc)
		rc = header(o, "yuqing_sse_last_id", "gauge", "Id of the last live-stream message.");
	if (!rc)
		rc = yq_buf_printf(o, "yuqing_sse_last_id %llu\n",
				   (unsigned long long)g->sse_last_id);
	if (!rc)
		rc = header(o, "yuqing_uptime_seconds", "gauge", "Seconds since the daemon started.");
	if (!rc)
		rc = yq_buf_printf(o, "yuqing_uptime_seconds %.0f\n", g->uptime_seconds);
	return rc ? YQ_ENOMEM : YQ_OK;
}
