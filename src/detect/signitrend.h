/*
 * signitrend.h — term bursts in fixed memory: SigniTrend (Schubert, Weiler
 * and Kriegel, "SigniTrend: scalable detection of emerging topics in
 * textual streams by hashed significance thresholds", KDD 2014).
 *
 * Each post contributes its distinct terms to the current time bucket.  A
 * table of depth × 2^bits cells, indexed by depth independent hashes of the
 * term (count-min sketch), holds per cell the count of the current bucket
 * and an exponentially weighted moving mean and variance of the cell's
 * count per bucket (Finch 2009, the same update as detect/burst.c), folded
 * in as buckets close, empty ones included.  A term's significance is the
 * minimum over its cells of
 *     z = (x − max(mean, β)) / (sqrt(var) + β)
 * with x the cell's count (the paper's conservative estimate: collisions
 * only ever add to a cell's count, mean and variance).  β is the bias term
 * that keeps rare terms from looking significant.
 *
 * While a bucket fills, a term whose significance reaches z_min enters a
 * fixed table of candidates (its bytes, at most YQ_ST_TERM_MAX); when the
 * bucket closes the candidates are scored again and the top k reported,
 * most significant first.  Memory: depth · 2^bits · 16 bytes + candidates
 * · ~80 bytes, whatever the stream.  Threads: one thread at a time.
 */
#ifndef YQ_SIGNITREND_H
#define YQ_SIGNITREND_H

#include <stddef.h>
#include <stdint.h>

#define YQ_ST_TERM_MAX 48 /* bytes of a term kept for a report */

struct yq_signitrend_config {
	int64_t bucket;      /* seconds per bucket, default 3600 */
	unsigned bits;       /* log2 of cells per row, default 16 (4..24) */
	unsigned depth;      /* hash rows, default 4 (1..8) */
	double alpha;        /* EWMA weight of the newest bucket, default 0.1 */
	double beta;         /* bias term, in posts per bucket, default 5 */
	double z_min;        /* significance of a signal, default 3 */
	uint32_t min_count;  /* posts with the term in the bucket, default 10 */
	uint32_t warmup;     /* buckets folded before signals may fire, default 3 */
	size_t candidates;   /* candidate table size, default 1024 */
	size_t top;          /* signals reported per bucket at most, default 10 */
};

void yq_signitrend_config_default(struct yq_signitrend_config *c);

/* One bursting term at the close of a bucket. */
struct yq_signal {
	int64_t bucket_start;  /* Unix seconds */
	const char *term;      /* bytes (not NUL-terminated), borrowed during the callback */
	uint32_t len;
	uint32_t count;        /* posts with the term in the bucket (count-min estimate) */
	double z;              /* significance */
	double mean, sd;       /* baseline of the cell that gave z */
};

/* Called once per closed bucket that has signals: sig[0..n) by z descending. */
typedef int (*yq_signal_fn)(const struct yq_signal *sig, size_t n, void *ctx);

struct yq_signitrend;

/* yq_signitrend_new: 0, YQ_EINVAL (a parameter out of range) or YQ_ENOMEM. */
int yq_signitrend_new(const struct yq_signitrend_config *cfg, struct yq_signitrend **out);
void yq_signitrend_free(struct yq_signitrend *s);

/*
 * yq_signitrend_add: one post at time t (Unix seconds) with its distinct
 * terms terms[i] (bytes, lens[i] each; borrowed).  A term repeated in the
 * list counts again, so give each once.  If t falls in a later bucket than
 * the current one, the current bucket closes first: its signals go to fn
 * (may be NULL), then up to 64 empty buckets are folded in.  A post older
 * than the current bucket counts in it.  Returns 0 or what fn returned.
 */
int yq_signitrend_add(struct yq_signitrend *s, int64_t t, const char *const *terms,
		      const uint32_t *lens, size_t n, yq_signal_fn fn, void *ctx);

/* yq_signitrend_finish: closes the current bucket (end of the stream),
 * reporting its signals to fn.  Returns 0 or what fn returned. */
int yq_signitrend_finish(struct yq_signitrend *s, yq_signal_fn fn, void *ctx);

/* yq_signitrend_score: the significance a term would have now (current
 * bucket's count against the baseline); *count gets its count estimate. */
double yq_signitrend_score(const struct yq_signitrend *s, const char *term, uint32_t len,
			   uint32_t *count);

/* yq_signitrend_score_n: yq_signitrend_score of each of terms[0..n)
 * (lens[i] bytes each, borrowed) into z[i] and count[i], the same values;
 * faster for a post's terms than one call each: the cells of a chunk of
 * terms are prefetched together, so that their cache misses overlap. */
void yq_signitrend_score_n(const struct yq_signitrend *s, const char *const *terms,
			   const uint32_t *lens, size_t n, double *z, uint32_t *count);

#endif
