/*
 * simhash.c — Charikar's similarity hash (see simhash.h).
 *
 * The fingerprint sits between text features (text/tokenize.h) and the
 * near-duplicate index (analyze/dedup.c).  Design: one pass over the
 * features accumulating 64 signed per-bit totals; the bit loop is written
 * branch-free so the compiler can vectorise it.  yq_simhash_bigrams keeps
 * integer totals instead (all weights are 1), so it allocates nothing and is
 * exact.  Invariant: the output depends only on the multiset of (hash,
 * weight) pairs, not on their order (float sums aside: with equal weights
 * the totals are exact small integers).
 */
#include "analyze/simhash.h"

#include "base/hash.h"
#include "base/utf8.h"

uint64_t yq_simhash(const struct yq_feature *f, size_t n)
{
	float acc[64] = {0};
	for (size_t i = 0; i < n; i++) {
		float w = f[i].weight;
		if (!(w > 0))
			continue;
		uint64_t h = f[i].hash;
		for (int b = 0; b < 64; b++)
			acc[b] += ((h >> b) & 1) ? w : -w;
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
