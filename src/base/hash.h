/*
 * hash.h — fast non-cryptographic 64-bit hashing for in-memory tables and
 * feature hashing (SimHash features, hashed counters).  Not for anything an
 * adversary chooses to collide with on purpose; keyed author hashes use
 * HMAC-SHA256 (store/ and libsodium) instead.
 *
 * Algorithm: 8-byte blocks mixed with multiply–xorshift rounds and the
 * MurmurHash3 64-bit finalizer (Appleby, public domain).
 */
#ifndef YQ_HASH_H
#define YQ_HASH_H

#include <stddef.h>
#include <stdint.h>

/* yq_hash64: hash of data[0..n) under seed. */
uint64_t yq_hash64(const void *data, size_t n, uint64_t seed);

/* yq_hash64_2: *h1 = yq_hash64(data, n, seed1), *h2 = yq_hash64(data, n,
 * seed2), in one pass over the data (the two hashes of a count-min
 * sketch). */
void yq_hash64_2(const void *data, size_t n, uint64_t seed1, uint64_t seed2, uint64_t *h1,
		 uint64_t *h2);

/* yq_mix64: the MurmurHash3 fmix64 finalizer; a bijection on 64 bits. */
static inline uint64_t yq_mix64(uint64_t k)
{
	k ^= k >> 33;
	k *= 0xff51afd7ed558ccdULL;
	k ^= k >> 33;
	k *= 0xc4ceb9fe1a85ec53ULL;
	k ^= k >> 33;
	return k;
}

#endif
