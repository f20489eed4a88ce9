/*
 * burst.c — EWMA baseline and burst scoring for per-bucket counts; see
 * burst.h.
 *
 * Levels (provisional until the risk score of the warning stage: they rate
 * the burst alone, not the event's negativity, sensitivity or spread):
 *   4 (I, red)     c ≥ 8·min_count and z ≥ 4·z_min
 *   3 (II, orange) c ≥ 4·min_count and z ≥ 2.5·z_min
 *   2 (III, yellow) c ≥ 2·min_count and z ≥ 1.5·z_min
 *   1 (IV, blue)   c ≥ min_count and z ≥ z_min
 */
#include "detect/burst.h"

#include <math.h>

void yq_burst_config_default(struct yq_burst_config *c)
{
	c->alpha = 0.3;
	c->z_min = 3.0;
	c->min_count = 20;
}

void yq_burst_init(struct yq_burst *b)
{
	b->bucket = INT64_MIN;
	b->count = 0;
	b->nbuckets = 0;
	b->mean = 0;
	b->var = 0;
}

/* close_bucket: folds count x into the baseline. */
static void close_bucket(struct yq_burst *b, double alpha, double x)
{
	if (b->nbuckets == 0) {
		b->mean = x;
		b->var = 0;
	} else {
		double d = x - b->mean;
		double incr = alpha * d;
		b->mean += incr;
		b->var = (1 - alpha) * (b->var + d * incr);
	}
	b->nbuckets++;
}

uint32_t yq_burst_add(struct yq_burst *b, const struct yq_burst_config *c, int64_t bucket)
{
	if (b->bucket == INT64_MIN) {
		b->bucket = bucket;
	} else if (bucket > b->bucket) {
		close_bucket(b, c->alpha, b->count);
		/* empty buckets in between: after ~60 of them the baseline is 0
		 * to within 1e-9, so stop folding */
		int64_t gap = bucket - b->bucket - 1;
		for (int64_t i = 0; i < gap && i < 64; i++)
			close_bucket(b, c->alpha, 0);
		b->bucket = bucket;
		b->count = 0;
	}
	if (b->count < UINT32_MAX)
		b->count++;
	return b->count;
}

int yq_burst_check(const struct yq_burst *b, const struct yq_burst_config *c, double *z)
{
	double floor = b->mean > 1 ? b->mean : 1;
	double sd = sqrt(b->var > floor ? b->var : floor);
	double zz = ((double)b->count - b->mean) / sd;
	*z = zz;
	double n = b->count, m = c->min_count, t = c->z_min;
	if (n >= 8 * m && zz >= 4 * t)
		return 4;
	if (n >= 4 * m && zz >= 2.5 * t)
		return 3;
	if (n >= 2 * m && zz >= 1.5 * t)
		return 2;
	if (n >= m && zz >= t)
		return 1;
	return 0;
}
