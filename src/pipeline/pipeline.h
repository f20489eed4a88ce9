/*
 * pipeline.h — one post through every analysis stage, in stream time:
 *   normalize → tokenize → sentiment → TF-IDF terms and SimHash →
 *   near-duplicates → monitoring schemes → events (with timeline, burst and
 *   negative counts) → alert → store.
 *
 * Stream time is the largest post time seen so far; a post without a
 * readable time is placed at the current stream time and flagged.  A
 * plain repost (no words of its own, or only 转发微博) is a duplicate of its
 * parent (dup_of: the parent's group root, or the parent itself when it was
 * never seen).  A post whose repost parent, or else whose duplicate group,
 * already belongs to an event joins that event.  After each post its event's
 * risk (warn/risk.h) is scored; an alert is raised when the event enters a
 * level or its level rises above every level alerted before for it.  The
 * post's distinct terms also feed the term-burst detector
 * (detect/signitrend.h), whose signals go to signals_out.
 *
 * Outputs go to whichever sinks are set: the store (posts, events, alerts,
 * in transactions of batch posts), and JSON-lines files for alerts and
 * closed events.  Per-post state kept for the detection window: the post
 * id, its event and the dedup fingerprint state (see docs/design.md for the
 * bytes per post).
 *
 * Threads: one pipeline per thread; the segmenter may be shared.
 */
#ifndef YQ_PIPELINE_H
#define YQ_PIPELINE_H

#include <stdint.h>
#include <stdio.h>

#include "analyze/dedup.h"
#include "classify/model.h"
#include "match/scheme.h"
#include "collect/reader.h"
#include "detect/cluster.h"
#include "detect/signitrend.h"
#include "store/store.h"
#include "text/segment.h"
#include "warn/risk.h"

struct yq_pipeline_config {
	struct yq_cluster_config cluster;
	struct yq_dedup_config dedup;
	size_t batch;          /* posts per store transaction, default 2000 */
	FILE *alerts_out;      /* alerts as JSON lines, or NULL */
	FILE *events_out;      /* closed events as JSON lines, or NULL */
	struct yq_tz *tz;      /* for printing times, borrowed */
	const char *gazetteer; /* directory of the gazetteer CSVs (detect/places.h) whose
				* places events count (borrowed), or NULL for the
				* default yq_gazetteer_dir() (text/segment.h; no
				* places when it finds none) */
	const struct yq_scheme_set *schemes; /* monitoring schemes to match, or NULL
					      * (borrowed; must outlive the pipeline) */
	struct yq_risk_config risk;
	const struct yq_risk_lexicon *sensitivity;  /* sensitive categories, or NULL (borrowed) */
	const struct yq_risk_lexicon *jurisdiction; /* place words, or NULL (borrowed) */
	struct yq_signitrend_config signitrend;     /* bucket 0: cluster.bucket */
	FILE *signals_out;     /* bursting terms as JSON lines, or NULL */
	struct yq_classifier *sentiment;     /* sentiment model, or NULL (borrowed);
					      * its label "negative" counts as negative */
	int cpu_timers;        /* stage times (yq_pipeline_stats) in the thread's CPU
				* time (a system call each, ~0.3 us) instead of
				* wall time (vDSO, ~20 ns): for measuring on a
				* shared machine */
};

void yq_pipeline_config_default(struct yq_pipeline_config *c);

/* Counts and per-stage time (nanoseconds, wall or CPU: cpu_timers) for the
 * summary and benchmarks.  Every post's time between yq_pipeline_process's
 * start and end is in one of the stages, as is yq_pipeline_finish's. */
struct yq_pipeline_stats {
	uint64_t posts;        /* processed (new) posts */
	uint64_t existed;      /* already in the store: skipped */
	uint64_t duplicates;   /* joined a duplicate group */
	uint64_t no_content;   /* posts with no content features */
	uint64_t time_missing; /* placed at stream time */
	uint64_t alerts;
	uint64_t events;       /* opened */
	uint64_t matched;      /* posts that matched at least one scheme */
	uint64_t signals;      /* term-burst signals reported */
	uint64_t negative;     /* posts rated negative */
	uint64_t ns_normalize, ns_tokenize, ns_sentiment, ns_features, ns_dedup, ns_match,
		ns_cluster, ns_store;
	uint64_t ns_warn;      /* risk score, alerts, term bursts (SigniTrend) */
	uint64_t ns_flush;     /* end of each batch: story linking, event rows, commit */
};

struct yq_pipeline;

/*
 * yq_pipeline_new: seg (borrowed) must outlive the pipeline; st (borrowed,
 * may be NULL for no storage) likewise.  Loads the IDF table.  Errors:
 * YQ_EIO/YQ_EFORMAT (message in err), YQ_ENOMEM, YQ_EDB.
 */
int yq_pipeline_new(const struct yq_pipeline_config *cfg, const struct yq_segmenter *seg,
		    struct yq_store *st, struct yq_pipeline **out, struct yq_buf *err);
void yq_pipeline_free(struct yq_pipeline *p);

/*
 * yq_pipeline_set_schemes: makes set (borrowed: it must outlive the
 * pipeline or the next call; NULL or empty: no matching) the monitoring
 * schemes matched from the next post on, e.g. after the scheme file was
 * edited while `yuqing serve` runs.  Events keep the schemes their posts
 * matched so far, by id, also when a scheme left the set.  The matcher is
 * built before the old one is dropped: on an error the previous set stays
 * in force.  Errors: YQ_EFORMAT (a word the matcher cannot compile; message
 * in err), YQ_ENOMEM.
 */
int yq_pipeline_set_schemes(struct yq_pipeline *p, const struct yq_scheme_set *set,
			    struct yq_buf *err);

/* What happened to one post; strings valid until the next call. */
struct yq_post_result {
	int existed;           /* already stored: nothing else was done */
	uint64_t simhash;
	const char *dup_of;    /* id of its group's first post, or NULL */
	int64_t event;         /* 0: none (no content features) */
	int alert_level;       /* 0, or the level of the alert raised */
	size_t schemes;        /* schemes matched */
	const char *sentiment; /* label, or NULL without a model; "neutral" (prob 1)
				* by rule for a post with nothing of its own to
				* rate (only punctuation, mentions, links, 转发微博) */
	double sentiment_prob;
};

/*
 * yq_pipeline_process: runs one post.  Returns 0, YQ_ENOMEM, YQ_EDB (the
 * store failed: the message in err; stop the run), YQ_EIO (a sink failed).
 */
int yq_pipeline_process(struct yq_pipeline *p, const struct yq_post *post,
			struct yq_post_result *res, struct yq_buf *err);

/* yq_pipeline_finish: closes every event, writes the last events and
 * commits.  0 or an error as above. */
int yq_pipeline_finish(struct yq_pipeline *p, struct yq_buf *err);

void yq_pipeline_stats(const struct yq_pipeline *p, struct yq_pipeline_stats *s);

/* yq_pipeline_event: the event that event id (a yq_post_result.event)
 * belongs to now: the surviving one if story linking merged it since. */
int64_t yq_pipeline_event(struct yq_pipeline *p, int64_t id);

/*
 * Caller-driven transactions, for a caller that writes rows of its own in
 * the same transaction as the posts (the daemon's collector checkpoints):
 * set cfg.batch to SIZE_MAX so the pipeline never commits by itself, call
 * yq_pipeline_begin() before the posts of a batch (it opens the store's
 * transaction unless one is open), write the extra rows on yq_store_db(st),
 * then yq_pipeline_commit(): it stores the events changed since the last
 * commit and commits.  Both return 0 or YQ_EDB (message in err); commit
 * also YQ_ENOMEM.
 */
int yq_pipeline_begin(struct yq_pipeline *p, struct yq_buf *err);
int yq_pipeline_commit(struct yq_pipeline *p, struct yq_buf *err);

#endif
