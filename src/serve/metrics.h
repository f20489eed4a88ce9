/*
 * metrics.h — the daemon's counters and their Prometheus text exposition
 * (format 0.0.4, https://prometheus.io/docs/instrumenting/exposition_formats/).
 *
 * Cardinality is bounded by construction (field case metrics-01): HTTP
 * requests are counted by method, route template ("/api/posts/{id}", or
 * "unmatched" for any path no route has) and status; sources by their
 * configured name; nothing takes an id, a user, an address, a keyword or a
 * URL as a label.  Label values are escaped as the format says (field case
 * metrics-02): backslash, double quote and line feed, nothing else, so
 * UTF-8 passes through.
 *
 * Threads: every function may be called from any thread; one mutex guards
 * the HTTP table, the per-source and per-level counters are atomics.
 */
#ifndef YQ_SERVE_METRICS_H
#define YQ_SERVE_METRICS_H

#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"

#define YQ_METRICS_HTTP_MAX 1024 /* distinct (method, route, status) series */
#define YQ_METRICS_LAT_BUCKETS 12

struct yq_metrics;

/* yq_metrics_new: counters for nsources sources named names[i] (borrowed;
 * they must outlive the metrics). */
int yq_metrics_new(const char *const *names, size_t nsources, struct yq_metrics **out);
void yq_metrics_free(struct yq_metrics *m);

/* yq_metrics_http: one request answered.  route is a template from the
 * router's table (borrowed, static) or NULL for "unmatched"; method is
 * counted as itself when it is one of GET HEAD POST PUT DELETE PATCH
 * OPTIONS, else "other". */
void yq_metrics_http(struct yq_metrics *m, const char *method, const char *route, int status);

/* Per-source counters; src < 0 counts under the series source="push" (a
 * push without ?source=, whose posts the API stores as source "push"). */
enum yq_source_counter {
	YQ_M_POSTS_IN = 0,   /* posts handed to the pipeline */
	YQ_M_POSTS_STORED,   /* new posts stored */
	YQ_M_POSTS_EXISTED,  /* already stored: skipped */
	YQ_M_REJECTED,       /* bad records (JSON, no text …) */
	YQ_M_FEED_ERRORS,    /* failed feed polls (feed_fetch_errors_total) */
	YQ_M_FEED_EDITS,     /* known feed items whose title or date changed */
	YQ_M_SOURCE_COUNTERS
};
void yq_metrics_source(struct yq_metrics *m, int src, enum yq_source_counter c, uint64_t n);
uint64_t yq_metrics_source_get(struct yq_metrics *m, int src, enum yq_source_counter c);

/* Daemon-wide counters. */
enum yq_counter {
	YQ_M_ALERTS_I = 0, YQ_M_ALERTS_II, YQ_M_ALERTS_III, YQ_M_ALERTS_IV, /* by level */
	YQ_M_ERR_DB,         /* writer or API database errors */
	YQ_M_ERR_PIPELINE,   /* posts the pipeline failed on */
	YQ_M_ERR_COLLECT,    /* file read errors */
	YQ_M_PUSH_FULL,      /* pushes refused because the queue stayed full */
	YQ_M_COMMITS,
	YQ_M_COUNTERS
};
void yq_metrics_add(struct yq_metrics *m, enum yq_counter c, uint64_t n);
uint64_t yq_metrics_get(struct yq_metrics *m, enum yq_counter c);

/* yq_metrics_latency: one post's time from queueing to its commit. */
void yq_metrics_latency(struct yq_metrics *m, double seconds);

/* Gauges read when rendering. */
struct yq_metrics_gauges {
	size_t queue_depth, queue_cap;
	double lag_seconds;      /* age of the oldest queued post */
	size_t sse_clients;
	uint64_t sse_last_id;
	double uptime_seconds;
};

/* yq_metrics_render: appends the whole exposition to out.  0 or YQ_ENOMEM. */
int yq_metrics_render(struct yq_metrics *m, const struct yq_metrics_gauges *g,
		      struct yq_buf *out);

/* yq_metrics_label: appends s escaped as a label value (no quotes). */
int yq_metrics_label(struct yq_buf *out, const char *s);

#endif
