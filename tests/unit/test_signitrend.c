/* test_signitrend.c — SigniTrend on synthetic streams: a term that jumps
 * is reported first with its exact count, steady terms never, nothing
 * during the warm-up, gaps fold empty buckets; a term's cells are the ones
 * base/hash.c's yq_hash64 with the two seeds picks (signitrend.c computes
 * both hashes in one pass). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <string.h>

#include "base/error.h"
#include "base/hash.h"
#include "detect/signitrend.h"

#define MAXREP 64
struct report {
	int calls;
	size_t n;
	int64_t bucket_start;
	char term[MAXREP][YQ_ST_TERM_MAX + 1];
	uint32_t count[MAXREP];
	double z[MAXREP];
};

static int on_signal(const struct yq_signal *s, size_t n, void *ctx)
{
	struct report *r = ctx;
	r->calls++;
	r->n = n;
	r->bucket_start = s[0].bucket_start;
	for (size_t i = 0; i < n && i < MAXREP; i++) {
		memcpy(r->term[i], s[i].term, s[i].len);
		r->term[i][s[i].len] = 0;
		r->count[i] = s[i].count;
		r->z[i] = s[i].z;
	}
	return 0;
}

static const char *const bg[] = {"武汉", "疫情", "今天", "加油", "医院", "口罩", "北京", "新闻"};

/* post: one post at time t with terms a (and b when not NULL) */
static void post(struct yq_signitrend *s, int64_t t, const char *a, const char *b,
		 struct report *r)
{
	const char *terms[2] = {a, b};
	uint32_t lens[2] = {(uint32_t)strlen(a), b ? (uint32_t)strlen(b) : 0};
	assert_int_equal(yq_signitrend_add(s, t, terms, lens, b ? 2 : 1, on_signal, r), 0);
}

static void test_jump(void **state)
{
	(void)state;
	struct yq_signitrend_config c;
	yq_signitrend_config_default(&c);
	struct yq_signitrend *s;
	struct report r = {0};
	assert_int_equal(yq_signitrend_new(&c, &s), 0);
	/* 30 hours of background: term i appears 20 + (h + i) % 7 times an hour */
	for (int h = 0; h < 30; h++)
		for (int i = 0; i < 8; i++)
			for (int k = 0; k < 20 + (h + i) % 7; k++)
				post(s, 1600000000 / 3600 * 3600 + h * 3600 + k, bg[i], NULL, &r);
	assert_int_equal(r.calls, 0); /* steady terms never signal */
	int64_t t = 1600000000 / 3600 * 3600 + 30 * 3600;
	for (int k = 0; k < 60; k++)
		post(s, t + k, "停电", k % 2 ? "武汉" : NULL, &r);
	assert_int_equal(r.calls, 0); /* reported when the bucket closes */
	double z = yq_signitrend_score(s, "停电", (uint32_t)strlen("停电"), &(uint32_t){0});
	/* baseline of 停电's cells is 0 (no collisions in 4 × 65536 cells):
	 * z = (60 − β) / (0 + β) = 11 */
	assert_float_equal(z, 11.0, 1e-9);
	post(s, t + 3600, "武汉", NULL, &r);
	assert_int_equal(r.calls, 1);
	assert_int_equal(r.bucket_start, t);
	assert_string_equal(r.term[0], "停电");
	assert_int_equal(r.count[0], 60);
	assert_float_equal(r.z[0], 11.0, 1e-9);
	/* 武汉 went on at 30 an hour (baseline ~23, sd ~2): not significant */
	assert_int_equal(r.n, 1);
	assert_int_equal(yq_signitrend_finish(s, on_signal, &r), 0);
	assert_int_equal(r.calls, 1); /* the last bucket holds one post */
	yq_signitrend_free(s);
}

static void test_warmup_and_gaps(void **state)
{
	(void)state;
	struct yq_signitrend_config c;
	yq_signitrend_config_default(&c);
	c.bucket = 600;
	struct yq_signitrend *s;
	struct report r = {0};
	assert_int_equal(yq_signitrend_new(&c, &s), 0);
	/* the first buckets are warm-up: a jump there is not reported */
	for (int k = 0; k < 100; k++)
		post(s, 6000 + k, "地震", NULL, &r);
	post(s, 6600, "地震", NULL, &r);
	assert_int_equal(r.calls, 0);
	/* a 10-hour gap: 60 empty buckets fold the mean back to 0.18, the
	 * variance to 17.94 (it remembers the jump); 30 posts give
	 * z = (30 − 5)/(4.235 + 5) = 2.71, not yet a signal; 60 give 5.955 */
	for (int k = 0; k < 60; k++)
		post(s, 6600 + 36000 + k, "地震", NULL, &r);
	assert_int_equal(yq_signitrend_finish(s, on_signal, &r), 0);
	assert_int_equal(r.calls, 1);
	assert_string_equal(r.term[0], "地震");
	assert_int_equal(r.count[0], 60);
	assert_float_equal(r.z[0], 5.955, 1e-3);
	yq_signitrend_free(s);
}

/* test_lazy_equals_eager: cells catch up with the folds they missed when
 * next read; the scores must be those of folding every cell at every
 * close (the recurrence below, in the same float steps), across runs of
 * buckets, short gaps and gaps longer than the 64 folds the detector caps
 * a gap at. */
static void eager_step(int first, float x, float *mean, float *var)
{
	const float a = 0.1f;
	if (first) {
		*mean = x;
		*var = 0;
	} else {
		float d = x - *mean, incr = a * d;
		*mean += incr;
		*var = (1 - a) * (*var + d * incr);
	}
}

static void test_lazy_equals_eager(void **state)
{
	(void)state;
	struct yq_signitrend_config c;
	yq_signitrend_config_default(&c);
	c.bucket = 3600;
	struct yq_signitrend *s;
	struct report r = {0};
	assert_int_equal(yq_signitrend_new(&c, &s), 0);
	/* bucket indices with posts of 雷暴, and how many in each */
	static const int64_t at[] = {0, 1, 2, 3, 5, 6, 40, 41, 200, 201, 202, 210, 1500, 1501};
	static const int n[] = {30, 12, 0, 25, 7, 60, 3, 18, 40, 5, 9, 70, 2, 33};
	float mean = 0, var = 0;
	int folds = 0;
	const int64_t t0 = 1700000000 / 3600 * 3600;
	for (size_t b = 0; b < sizeof at / sizeof *at; b++) {
		if (b) { /* the eager fold of the closes since the previous bucket */
			int64_t gap = at[b] - at[b - 1] - 1;
			eager_step(folds++ == 0, (float)n[b - 1], &mean, &var);
			for (int64_t g = 0; g < gap && g < 64; g++)
				eager_step(folds++ == 0, 0, &mean, &var);
		}
		/* 雷电 keeps every bucket open even when 雷暴 has no post */
		post(s, t0 + at[b] * 3600, "雷电", NULL, &r);
		for (int k = 0; k < n[b]; k++)
			post(s, t0 + at[b] * 3600 + 1 + k, "雷暴", NULL, &r);
		uint32_t cnt = 0;
		double z = yq_signitrend_score(s, "雷暴", (uint32_t)strlen("雷暴"), &cnt);
		double m = mean > 5 ? mean : 5, v = var > 0 ? var : 0;
		double want = folds ? ((double)n[b] - m) / (sqrt(v) + 5) : ((double)n[b] - 5) / 5;
		assert_int_equal(cnt, (uint32_t)n[b]);
		assert_float_equal(z, want, 1e-12);
	}
	yq_signitrend_free(s);
}

/* test_cells: 300 terms of 1 to 40 bytes (across hash.c's 8-byte blocks)
 * counted once each in a 2 × 16-cell table; each term's count estimate is
 * the smaller of its two cells' counts, predicted from yq_hash64: row 0 at
 * h1, row 1 at h1 + h2 (h = yq_hash64(term, seed) | 1, seeds 0x5167 and
 * 0x7a3d); yq_signitrend_score_n gives the same counts and z. */
static void test_cells(void **state)
{
	(void)state;
	enum { N = 300 };
	struct yq_signitrend_config c;
	struct yq_signitrend *s;
	yq_signitrend_config_default(&c);
	c.bits = 4;
	c.depth = 2;
	assert_int_equal(yq_signitrend_new(&c, &s), 0);
	static char words[N][48];
	uint32_t lens[N], cell0[N], cell1[N], hist0[16] = {0}, hist1[16] = {0};
	for (int i = 0; i < N; i++) {
		lens[i] = 1 + (uint32_t)i % 40;
		for (uint32_t j = 0; j < lens[i]; j++)
			words[i][j] = (char)(' ' + (i * 7 + (int)j * 13) % 90);
		uint64_t h1 = yq_hash64(words[i], lens[i], 0x5167) | 1;
		uint64_t h2 = yq_hash64(words[i], lens[i], 0x7a3d) | 1;
		cell0[i] = (uint32_t)(h1 & 15);
		cell1[i] = (uint32_t)((h1 + h2) & 15);
		hist0[cell0[i]]++;
		hist1[cell1[i]]++;
		const char *t = words[i];
		assert_int_equal(yq_signitrend_add(s, 1000, &t, &lens[i], 1, NULL, NULL), 0);
	}
	/* the batch gives what one call per term gives, bit for bit */
	const char *wp[N];
	static double zn[N];
	uint32_t cn[N];
	for (int i = 0; i < N; i++)
		wp[i] = words[i];
	yq_signitrend_score_n(s, wp, lens, N, zn, cn);
	for (int i = 0; i < N; i++) {
		uint32_t cnt, a = hist0[cell0[i]], b = hist1[cell1[i]];
		double z = yq_signitrend_score(s, words[i], lens[i], &cnt);
		assert_int_equal(cnt, a < b ? a : b);
		assert_int_equal(cn[i], cnt);
		assert_memory_equal(&zn[i], &z, sizeof z);
	}
	yq_signitrend_free(s);
}

static void test_bad_config(void **state)
{
	(void)state;
	struct yq_signitrend_config c;
	struct yq_signitrend *s;
	yq_signitrend_config_default(&c);
	c.bits = 30;
	assert_int_equal(yq_signitrend_new(&c, &s), YQ_EINVAL);
	yq_signitrend_config_default(&c);
	c.beta = 0;
	assert_int_equal(yq_signitrend_new(&c, &s), YQ_EINVAL);
	yq_signitrend_free(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_jump),
		cmocka_unit_test(test_warmup_and_gaps),
		cmocka_unit_test(test_lazy_equals_eager),
		cmocka_unit_test(test_cells),
		cmocka_unit_test(test_bad_config),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
