/*
 * simhash.h — 64-bit similarity hashes of texts.
 *
 * Charikar, "Similarity estimation techniques from rounding algorithms",
 * STOC 2002: every feature (a hashed token, shingle or character n-gram)
 * votes +weight on the bits set in its 64-bit hash and -weight on the bits
 * clear; the fingerprint keeps the sign of each bit's total.  Texts sharing
 * most of their weighted features get fingerprints at a small Hamming
 * distance.  Manku, Jain and Das Sarma, "Detecting near-duplicates for web
 * crawling", WWW 2007, use 64-bit fingerprints and distance <= 3 as the
 * near-duplicate test; analyze/dedup.h indexes them that way.
 *
 * All functions are pure and thread-safe.
 */
#ifndef YQ_SIMHASH_H
#define YQ_SIMHASH_H

#include <stddef.h>
#include <stdint.h>

/* One feature: a 64-bit hash of a token (or shingle) and its weight (> 0;
 * a weight <= 0 or NaN contributes nothing). */
struct yq_feature {
	uint64_t hash;
	float weight;
};

/*
 * yq_simhash: Charikar's fingerprint of the n features f[0..n).  Bit b is 1
 * iff the sum of the weights of the features whose hash has bit b set is
 * strictly greater than the sum of those whose hash has it clear (ties give
 * 0).  Repeated features count repeatedly (term-frequency weighting).
 * Returns 0 when n == 0.  f may be NULL when n == 0.
 */
uint64_t yq_simhash(const struct yq_feature *f, size_t n);

/*
 * yq_simhash_bigrams: the default fingerprint of a text: yq_simhash over its
 * character bigrams (pairs of consecutive code points, weight 1 each,
 * repeats counted), each hashed as its UTF-8 bytes with yq_hash64 under the
 * seed YQ_SIMHASH_SEED, except that a bigram equal to one of the two
 * bigrams just before it is skipped: runs of one character or of a pair
 * ("哈哈哈哈哈哈", "怕了怕了怕了") count each of their bigrams once, so an
 * emphatic run cannot outvote the rest of the text, while words that recur
 * across a text keep their weight.  A text of one code point hashes that
 * code point alone.  text[0..n) should be valid UTF-8 (normally the
 * concatenation of a post's content tokens, text/tokenize.h); an invalid
 * byte counts as one code point of its own.  Returns 0 when n == 0.
 */
uint64_t yq_simhash_bigrams(const char *text, size_t n);

/* Seed of the bigram hashes of yq_simhash_bigrams. */
#define YQ_SIMHASH_SEED 0x73696d6861736801ULL

/* yq_hamming: the Hamming distance of a and b (popcount of a ^ b), 0..64. */
static inline int yq_hamming(uint64_t a, uint64_t b)
{
	return __builtin_popcountll(a ^ b);
}

#endif
