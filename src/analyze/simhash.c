/*
 * simhash.c — Charikar's similarity hash (see simhash.h).
 *
 * The fingerprint sits between text features (text/tokenize.h) and the
 * near-duplicate index (analyze/dedup.c).  Design: one pass over the
 * features accumulating 64 signed per-bit totals, a byte of the hash at a
 * time through a table of signs, so the compiler can vectorise it.  yq_simhash_bigrams keeps
 * integer totals instead (all weights are 1), so it allocates nothing and is
 * exact.  Invariant: the output depends only on the multiset of (hash,
 * weight) pairs, not on their order (float sums aside: with equal weights
 * the totals are exact small integers).
 */
#include "analyze/simhash.h"

#include <pthread.h>

#include "base/hash.h"
#include "base/utf8.h"

/* sign[b][k]: +1 if bit k of byte b is set, else -1 (built once). */
static float sign_tab[256][8];
static pthread_once_t sign_once = PTHREAD_ONCE_INIT;

static void sign_init(void)
{
	for (int b = 0; b < 256; b++)
		for (int k = 0; k < 8; k++)
			sign_tab[b][k] = (b >> k) & 1 ? 1.0f : -1.0f;
}

uint64_t yq_simhash(const struct yq_feature *f, size_t n)
{
	float acc[64] = {0};
	pthread_once(&sign_once, sign_init);
	for (size_t i = 0; i < n; i++) {
		float w = f[i].weight;
		if (!(w > 0))
			continue;
		uint64_t h = f[i].hash;
		/* one byte of the hash at a time: 8 contiguous lanes from the
		 * sign table, which the compiler vectorises */
		for (int j = 0; j < 8; j++) {
			const float *sg = sign_tab[(h >> (8 * j)) & 0xFF];
			float *a = acc + 8 * j;
			for (int k = 0; k < 8; k++)
				a[k] += w * sg[k];
		}
	}
	uint64_t out = 0;
	for (int b = 0; b < 64; b++)
		if (acc[b] > 0)
			out |= 1ULL << b;
	return out;
}

/* Byte length of the code point starting at s[i] (1 for an invalid byte). */
static size_t cp_len(const char *s, size_t n, size_t i)
{
	size_t j = i;
	if (yq_utf8_next(s, n, &j) < 0)
		return 1;
	return j - i;
}

uint64_t yq_simhash_bigrams(const char *text, size_t n)
{
	int32_t acc[64] = {0};
	if (n == 0)
		return 0;
	size_t a = 0, alen = cp_len(text, n, 0);
	if (alen == n) {
		uint64_t h = yq_hash64(text, n, YQ_SIMHASH_SEED);
		for (int b = 0; b < 64; b++)
			acc[b] += (int32_t)((h >> b) & 1) * 2 - 1;
	}
	while (a + alen < n) {
		size_t blen = cp_len(text, n, a + alen);
		uint64_t h = yq_hash64(text + a, alen + blen, YQ_SIMHASH_SEED);
		for (int b = 0; b < 64; b++)
			acc[b] += (int32_t)((h >> b) & 1) * 2 - 1;
		a += alen;
		alen = blen;
	}
	uint64_t out = 0;
	for (int b = 0; b < 64; b++)
		if (acc[b] > 0)
			out |= 1ULL << b;
	return out;
}
