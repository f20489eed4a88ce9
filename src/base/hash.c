/* hash.c — 64-bit non-cryptographic hash; see hash.h. */
#include "base/hash.h"

#include <string.h>

uint64_t yq_hash64(const void *data, size_t n, uint64_t seed)
{
	const unsigned char *p = data;
	uint64_t h = seed ^ (0x9e3779b97f4a7c15ULL * (n + 1));
	while (n >= 8) {
		uint64_t k;
		memcpy(&k, p, 8);
		k *= 0x87c37b91114253d5ULL;
		k = (k << 31) | (k >> 33);
		k *= 0x4cf5ad432745937fULL;
		h ^= k;
		h = ((h << 27) | (h >> 37)) * 5 + 0x52dce729;
		p += 8;
		n -= 8;
	}
	uint64_t t = 0;
	for (size_t i = 0; i < n; i++)
		t |= (uint64_t)p[i] << (8 * i);
	h ^= t * 0x87c37b91114253d5ULL;
	return yq_mix64(h);
}

void yq_hash64_2(const void *data, size_t n, uint64_t seed1, uint64_t seed2, uint64_t *h1,
		 uint64_t *h2)
{
	/* yq_hash64's steps; the block mixing and the tail do not depend on
	 * the seed, so they are done once for both */
	const unsigned char *p = data;
	uint64_t init = 0x9e3779b97f4a7c15ULL * (n + 1);
	uint64_t a = seed1 ^ init, b = seed2 ^ init;
	while (n >= 8) {
		uint64_t k;
		memcpy(&k, p, 8);
		k *= 0x87c37b91114253d5ULL;
		k = (k << 31) | (k >> 33);
		k *= 0x4cf5ad432745937fULL;
		a ^= k;
		b ^= k;
		a = ((a << 27) | (a >> 37)) * 5 + 0x52dce729;
		b = ((b << 27) | (b >> 37)) * 5 + 0x52dce729;
		p += 8;
		n -= 8;
	}
	uint64_t t = 0;
	for (size_t i = 0; i < n; i++)
		t |= (uint64_t)p[i] << (8 * i);
	t *= 0x87c37b91114253d5ULL;
	*h1 = yq_mix64(a ^ t);
	*h2 = yq_mix64(b ^ t);
}
