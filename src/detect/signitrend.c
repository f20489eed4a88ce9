/*
 * signitrend.c — hashed significance of term counts per bucket; see
 * signitrend.h for the algorithm and its source.
 *
 * Invariants: cells[r << bits | i] is row r's cell i.  Folding is lazy: a
 * bucket's close only counts the fold (nbuckets); a cell catches up with
 * the folds it missed when it is next read or counted (view, catch_up),
 * with the same float operations in the same order as folding the whole
 * table at every close did, so the results are those of the eager fold
 * (bit for bit but for values under NEGLIGIBLE; tests/unit/test_signitrend.c
 * compares with an eager fold).  A cell's `at` is the
 * number of folds applied to its mean and var; its count belongs to the
 * bucket fold `at` closes.  Each close used to sweep the whole table
 * (4 × 2^16 cells), up to 65 times after a gap of empty buckets: half the
 * CPU of a replay of the CED stream, sparse over hours.
 * The candidate table is open-addressed (linear probing) with twice as many
 * slots as candidates, so a probe always ends; it is emptied when a bucket
 * closes.
 */
#include "detect/signitrend.h"
#include "base/error.h"
#include "base/hash.h"
#include "base/hugemem.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

struct cell {
	uint32_t count;
	float mean, var;
	uint32_t at;      /* folds applied to mean and var */
};

struct cand {
	uint64_t h;       /* 0: empty slot */
	uint32_t len;
	char term[YQ_ST_TERM_MAX];
};

struct yq_signitrend {
	struct yq_signitrend_config cfg;
	struct cell *cells;
	uint64_t mask;            /* cells per row − 1 */
	int64_t bucket;           /* current bucket index; INT64_MIN before the first post */
	uint32_t nbuckets;        /* buckets folded */
	struct cand *cand;
	size_t cand_slots, ncand;
	struct yq_signal *out;    /* report scratch, cfg.candidates entries */
};

void yq_signitrend_config_default(struct yq_signitrend_config *c)
{
	c->bucket = 3600;
	c->bits = 16;
	c->depth = 4;
	c->alpha = 0.1;
	c->beta = 5;
	c->z_min = 3;
	c->min_count = 10;
	c->warmup = 3;
	c->candidates = 1024;
	c->top = 10;
}

int yq_signitrend_new(const struct yq_signitrend_config *cfg, struct yq_signitrend **out)
{
	*out = NULL;
	if (cfg->bucket <= 0 || cfg->bits < 4 || cfg->bits > 24 || cfg->depth < 1 ||
	    cfg->depth > 8 || !(cfg->alpha > 0 && cfg->alpha <= 1) || !(cfg->beta > 0) ||
	    cfg->candidates < 1 || cfg->candidates > (1u << 20) || cfg->top < 1)
		return YQ_EINVAL;
	struct yq_signitrend *s = calloc(1, sizeof(*s));
	if (!s)
		return YQ_ENOMEM;
	s->cfg = *cfg;
	s->mask = ((uint64_t)1 << cfg->bits) - 1;
	s->bucket = INT64_MIN;
	s->cand_slots = 2;
	while (s->cand_slots < 2 * cfg->candidates)
		s->cand_slots <<= 1;
	s->cells = yq_huge_alloc(((size_t)cfg->depth << cfg->bits) * sizeof(*s->cells));
	s->cand = calloc(s->cand_slots, sizeof(*s->cand));
	s->out = calloc(cfg->candidates, sizeof(*s->out));
	if (!s->cells || !s->cand || !s->out) {
		yq_signitrend_free(s);
		return YQ_ENOMEM;
	}
	*out = s;
	return YQ_OK;
}

void yq_signitrend_free(struct yq_signitrend *s)
{
	if (!s)
		return;
	yq_huge_free(s->cells, ((size_t)s->cfg.depth << s->cfg.bits) * sizeof(*s->cells));
	free(s->cand);
	free(s->out);
	free(s);
}

/* step: fold number k of x into (mean, var): the first (k = 0) starts
 * the moving mean at x; the others are the exponentially weighted update
 * (SigniTrend, eq. 2–3). */
static inline void step(float a, uint32_t k, float x, float *mean, float *var)
{
	if (k == 0) {
		*mean = x;
		*var = 0;
	} else {
		float d = x - *mean, incr = a * d;
		*mean += incr;
		*var = (1 - a) * (*var + d * incr);
	}
}

/* A mean and variance under NEGLIGIBLE are set to 0 instead of being
 * walked there through denormal floats (hundreds of slow steps): a
 * standard deviation under 1e-15 next to beta (≥ 1 in practice) changes a
 * z-score by less than a double's rounding, and a mean under beta does not
 * enter it at all (cell_z). */
#define NEGLIGIBLE 1e-30f

/* view: the cell c as the eager fold would have left it, into v (which may
 * be c): its count folded in at fold `at`, zeros at the folds after it
 * (mean and variance only decay then; at 0 they stay there, so the walk
 * stops early). */
static void view(const struct yq_signitrend *s, const struct cell *c, struct cell *v)
{
	*v = *c;
	if (c->at == s->nbuckets)
		return;
	float a = (float)s->cfg.alpha;
	uint32_t k = c->at;
	step(a, k++, (float)c->count, &v->mean, &v->var);
	for (; k < s->nbuckets && (v->mean > NEGLIGIBLE || v->var > NEGLIGIBLE); k++)
		step(a, k, 0, &v->mean, &v->var);
	if (k < s->nbuckets) /* the rest of the walk: to 0 through denormals */
		v->mean = v->var = 0;
	v->count = 0;
	v->at = s->nbuckets;
}

/* cell_z: the significance of a (caught-up) cell's current count. */
static double cell_z(const struct yq_signitrend *s, const struct cell *c)
{
	double beta = s->cfg.beta;
	double m = c->mean > beta ? c->mean : beta;
	double v = c->var > 0 ? c->var : 0;
	return ((double)c->count - m) / (sqrt(v) + beta);
}

/* term_z: the minimum over the term's cells; *count the smallest count,
 * *best (if not NULL) the cell that gave the minimum z.  The cells read
 * are caught up in place (the table is not part of s's constness: a read
 * that catches up changes no result, and a cell read once is not walked
 * through the same folds again). */
static double term_z(const struct yq_signitrend *s, uint64_t h1, uint64_t h2, uint32_t *count,
		     struct cell *best)
{
	double z = INFINITY;
	uint32_t cnt = UINT32_MAX;
	for (unsigned r = 0; r < s->cfg.depth; r++) {
		struct cell *c = &s->cells[((size_t)r << s->cfg.bits) | ((h1 + r * h2) & s->mask)];
		if (c->at != s->nbuckets)
			view(s, c, c);
		double zz = cell_z(s, c);
		if (zz < z) {
			z = zz;
			if (best)
				*best = *c;
		}
		if (c->count < cnt)
			cnt = c->count;
	}
	*count = cnt;
	return z;
}

#define PREFETCH_CHUNK 16 /* terms whose cells are prefetched together */

#define SEED1 0x5167
#define SEED2 0x7a3d

/* hashes: yq_hash64(t, len, SEED1) | 1 and yq_hash64(t, len, SEED2) | 1,
 * the term's two hashes, in one pass (base/hash.h; tests/unit/
 * test_signitrend.c checks the cells a term lands in). */
static void hashes(const char *t, uint32_t len, uint64_t *h1, uint64_t *h2)
{
	yq_hash64_2(t, len, SEED1, SEED2, h1, h2);
	*h1 |= 1;
	*h2 |= 1;
}

/* fold: closes a bucket for every cell at once (they catch up lazily). */
static void fold(struct yq_signitrend *s)
{
	s->nbuckets++;
}

static int by_z_desc(const void *a, const void *b)
{
	double x = ((const struct yq_signal *)a)->z, y = ((const struct yq_signal *)b)->z;
	return x < y ? 1 : x > y ? -1 : 0;
}

/* close_bucket: reports the current bucket's signals, folds it in and
 * empties the candidates. */
static int close_bucket(struct yq_signitrend *s, yq_signal_fn fn, void *ctx)
{
	int rc = YQ_OK;
	size_t n = 0;
	for (size_t i = 0; i < s->cand_slots && s->ncand; i++) {
		struct cand *c = &s->cand[i];
		if (!c->h)
			continue;
		uint64_t h1, h2;
		uint32_t cnt;
		struct cell best = {0};
		hashes(c->term, c->len, &h1, &h2);
		double z = term_z(s, h1, h2, &cnt, &best);
		if (z >= s->cfg.z_min && cnt >= s->cfg.min_count && z < INFINITY)
			s->out[n++] = (struct yq_signal){
				.bucket_start = s->bucket * s->cfg.bucket, .term = c->term,
				.len = c->len, .count = cnt, .z = z, .mean = best.mean,
				.sd = sqrt(best.var > 0 ? best.var : 0)};
	}
	if (n && fn) {
		qsort(s->out, n, sizeof(*s->out), by_z_desc);
		rc = fn(s->out, n < s->cfg.top ? n : s->cfg.top, ctx);
	}
	memset(s->cand, 0, s->cand_slots * sizeof(*s->cand));
	s->ncand = 0;
	fold(s);
	return rc;
}

static void add_candidate(struct yq_signitrend *s, const char *t, uint32_t len, uint64_t h1)
{
	if (len > YQ_ST_TERM_MAX)
		return; /* too long to report; such terms are rare */
	size_t m = s->cand_slots - 1, i = h1 & m;
	while (s->cand[i].h) {
		if (s->cand[i].h == h1 && s->cand[i].len == len && !memcmp(s->cand[i].term, t, len))
			return;
		i = (i + 1) & m;
	}
	if (s->ncand >= s->cfg.candidates)
		return;
	s->cand[i].h = h1;
	s->cand[i].len = len;
	memcpy(s->cand[i].term, t, len);
	s->ncand++;
}

int yq_signitrend_add(struct yq_signitrend *s, int64_t t, const char *const *terms,
		      const uint32_t *lens, size_t n, yq_signal_fn fn, void *ctx)
{
	int64_t b = t >= 0 ? t / s->cfg.bucket : -((-t - 1) / s->cfg.bucket) - 1;
	if (s->bucket == INT64_MIN) {
		s->bucket = b;
	} else if (b > s->bucket) {
		int rc = close_bucket(s, fn, ctx);
		/* empty buckets in between (cells at count 0); after 64 of them
		 * the baseline has decayed enough (alpha ≥ 0.1: < 0.1 %) */
		for (int64_t g = 0; g < b - s->bucket - 1 && g < 64; g++)
			fold(s);
		s->bucket = b;
		if (rc)
			return rc;
	}
	int warm = s->nbuckets >= s->cfg.warmup;
	/* Speed only: the cells of a chunk of terms are prefetched before the
	 * chunk is counted (each is a cache miss in a table of megabytes), so
	 * the misses overlap; the counting order is unchanged. */
	uint64_t hh[2 * PREFETCH_CHUNK];
	for (size_t k = 0; k < n; k++) {
		size_t at = k % PREFETCH_CHUNK;
		if (at == 0)
			for (size_t j = k; j < n && j < k + PREFETCH_CHUNK; j++) {
				uint64_t *h = hh + 2 * (j - k);
				hashes(terms[j], lens[j], &h[0], &h[1]);
				for (unsigned r = 0; r < s->cfg.depth; r++)
					__builtin_prefetch(&s->cells[((size_t)r << s->cfg.bits) |
								     ((h[0] + r * h[1]) & s->mask)]);
			}
		uint64_t h1 = hh[2 * at], h2 = hh[2 * at + 1];
		uint32_t cnt = UINT32_MAX;
		for (unsigned r = 0; r < s->cfg.depth; r++) {
			struct cell *c = &s->cells[((size_t)r << s->cfg.bits) | ((h1 + r * h2) & s->mask)];
			if (c->at != s->nbuckets)
				view(s, c, c); /* catch up */
			if (c->count < UINT32_MAX)
				c->count++;
			if (c->count < cnt)
				cnt = c->count;
		}
		/* the score only when the count could make a signal */
		if (warm && cnt >= s->cfg.min_count && term_z(s, h1, h2, &cnt, NULL) >= s->cfg.z_min)
			add_candidate(s, terms[k], lens[k], h1);
	}
	return YQ_OK;
}

int yq_signitrend_finish(struct yq_signitrend *s, yq_signal_fn fn, void *ctx)
{
	if (s->bucket == INT64_MIN)
		return YQ_OK;
	int rc = close_bucket(s, fn, ctx);
	s->bucket = INT64_MIN;
	return rc;
}

double yq_signitrend_score(const struct yq_signitrend *s, const char *term, uint32_t len,
			   uint32_t *count)
{
	uint64_t h1, h2;
	hashes(term, len, &h1, &h2);
	return term_z(s, h1, h2, count, NULL);
}

void yq_signitrend_score_n(const struct yq_signitrend *s, const char *const *terms,
			   const uint32_t *lens, size_t n, double *z, uint32_t *count)
{
	uint64_t hh[2 * PREFETCH_CHUNK];
	for (size_t k = 0; k < n; k += PREFETCH_CHUNK) {
		size_t m = n - k < PREFETCH_CHUNK ? n - k : PREFETCH_CHUNK;
		for (size_t j = 0; j < m; j++) {
			uint64_t *h = hh + 2 * j;
			hashes(terms[k + j], lens[k + j], &h[0], &h[1]);
			for (unsigned r = 0; r < s->cfg.depth; r++)
				__builtin_prefetch(&s->cells[((size_t)r << s->cfg.bits) |
							     ((h[0] + r * h[1]) & s->mask)]);
		}
		for (size_t j = 0; j < m; j++)
			z[k + j] = term_z(s, hh[2 * j], hh[2 * j + 1], &count[k + j], NULL);
	}
}
