/*
 * burst.h — burst detection for one series of per-bucket counts (an
 * event's volume), against the series' own baseline.
 *
 * The baseline is an exponentially weighted moving mean and variance of the
 * counts of the buckets before the current one (Finch, "Incremental
 * calculation of weighted mean and variance", 2009), updated as buckets
 * close, empty buckets included.  The current bucket's count c scores
 *     z = (c − mean) / sqrt(max(var, mean, 1))
 * (the floor keeps a quiet series from turning every post into a burst; it
 * is the Poisson variance of the mean).  A bucket bursts when c ≥ min_count
 * and z ≥ z_min.  The burst's level grows with c and z; see burst_level() in
 * burst.c and docs/design.md.  State is fixed-size (no history kept).
 */
#ifndef YQ_BURST_H
#define YQ_BURST_H

#include <stdint.h>

struct yq_burst_config {
	double alpha;      /* EWMA weight of the newest bucket, default 0.3 */
	double z_min;      /* default 3 */
	uint32_t min_count;/* default 20 posts in one bucket */
};

void yq_burst_config_default(struct yq_burst_config *c);

struct yq_burst {
	int64_t bucket;    /* index of the current bucket; INT64_MIN before the first */
	uint32_t count;    /* posts in the current bucket */
	uint32_t nbuckets; /* buckets closed so far */
	double mean, var;  /* baseline over the closed buckets */
};

/* yq_burst_init: an empty series. */
void yq_burst_init(struct yq_burst *b);

/* yq_burst_add: counts one post in bucket (an index: time / bucket seconds,
 * non-decreasing per series up to out-of-order posts, which count in the
 * current bucket).  Returns the current bucket's count. */
uint32_t yq_burst_add(struct yq_burst *b, const struct yq_burst_config *c, int64_t bucket);

/*
 * yq_burst_check: the current bucket's z score (*z) and burst level: 0 no
 * burst, 1..4 for warning levels IV (blue) … I (red) by the rule in burst.c.
 */
int yq_burst_check(const struct yq_burst *b, const struct yq_burst_config *c, double *z);

#endif
