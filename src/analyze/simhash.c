/*
 * simhash.c — Charikar's similarity hash (see simhash.h).
 *
 * The fingerprint sits between text features (text/tokenize.h) and the
 * near-duplicate index (analyze/dedup.c).  Design: one pass over the
 * features accumulating 64 signed per-bit totals, a byte of the hash at a
 * time through a table of signs, so the compiler can vectorise it.
 * yq_simhash_bigrams has all weights 1, so it only counts the 1 bits of each
 * position, 8 positions per 64-bit add (byte lanes, see struct bitcount):
 * exact, allocation-free, and about 8 times fewer operations than the
 * per-bit loop.  Invariant: the output depends only on the multiset of (hash,
 * weight) pairs, not on their order (float sums aside: with equal weights
 * the totals are exact small integers).
 */
#include "analyze/simhash.h"

#include <pthread.h>

#include "base/hash.h"
#include "base/utf8.h"

#include <string.h>

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

/*
 * Counting the 1 bits of each of 64 positions over many hashes: spread[v]
 * holds the 8 bits of byte value v as 8 byte lanes (0 or 1), so adding
 * spread[byte j of h] to lanes[j] counts 8 positions in one 64-bit add.
 * Lanes are flushed into 32-bit totals before they can reach 256.
 */
struct bitcount {
	uint64_t lanes[8];
	uint32_t ones[64];
	uint32_t pending; /* hashes added to lanes since the last flush */
	uint32_t total;
};

#define SPREAD(v)                                                            \
	((uint64_t)((v) & 1) | (uint64_t)(((v) >> 1) & 1) << 8 |                 \
	 (uint64_t)(((v) >> 2) & 1) << 16 | (uint64_t)(((v) >> 3) & 1) << 24 |   \
	 (uint64_t)(((v) >> 4) & 1) << 32 | (uint64_t)(((v) >> 5) & 1) << 40 |   \
	 (uint64_t)(((v) >> 6) & 1) << 48 | (uint64_t)(((v) >> 7) & 1) << 56)
#define SPREAD4(v) SPREAD(v), SPREAD((v) + 1), SPREAD((v) + 2), SPREAD((v) + 3)
#define SPREAD16(v) SPREAD4(v), SPREAD4((v) + 4), SPREAD4((v) + 8), SPREAD4((v) + 12)
#define SPREAD64(v) SPREAD16(v), SPREAD16((v) + 16), SPREAD16((v) + 32), SPREAD16((v) + 48)
static const uint64_t spread[256] = {SPREAD64(0), SPREAD64(64), SPREAD64(128), SPREAD64(192)};

static void bc_flush(struct bitcount *c)
{
	for (int j = 0; j < 8; j++) {
		for (int b = 0; b < 8; b++)
			c->ones[8 * j + b] += (uint32_t)((c->lanes[j] >> (8 * b)) & 0xFF);
		c->lanes[j] = 0;
	}
	c->pending = 0;
}

static void bc_add(struct bitcount *c, uint64_t h)
{
	if (c->pending == 255)
		bc_flush(c);
	for (int j = 0; j < 8; j++)
		c->lanes[j] += spread[(h >> (8 * j)) & 0xFF];
	c->pending++;
	c->total++;
}

uint64_t yq_simhash_bigrams(const char *text, size_t n)
{
	struct bitcount c;
	if (n == 0)
		return 0;
	memset(&c, 0, sizeof(c));
	size_t a = 0, alen = cp_len(text, n, 0);
	if (alen == n)
		bc_add(&c, yq_hash64(text, n, YQ_SIMHASH_SEED));
	uint64_t prev1 = 0, prev2 = 0; /* the last two bigram hashes */
	while (a + alen < n) {
		size_t blen = cp_len(text, n, a + alen);
		uint64_t h = yq_hash64(text + a, alen + blen, YQ_SIMHASH_SEED);
		if (h != prev1 && h != prev2)
			bc_add(&c, h);
		prev2 = prev1;
		prev1 = h;
		a += alen;
		alen = blen;
	}
	bc_flush(&c);
	/* bit b: (ones - zeros) > 0, i.e. 2 * ones > total */
	uint64_t out = 0;
	for (int b = 0; b < 64; b++)
		if (2 * (uint64_t)c.ones[b] > c.total)
			out |= 1ULL << b;
	return out;
}
