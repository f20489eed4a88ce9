/*
 * dedup.h — online near-duplicate grouping over a sliding window of recent
 * posts.
 *
 * Posts arrive one at a time with a caller serial (key), a 64-bit SimHash of
 * their content (analyze/simhash.h) and the content text itself.  Each post
 * either joins the group of an earlier remembered post or starts a group of
 * its own; a group is named by the key of its first post (its root).
 *
 * When two posts are near-duplicates (the "pair test"):
 *  - identical content text (64-bit hash of the bytes): always;
 *  - both long (at least short_chars code points): Hamming distance of the
 *    SimHashes <= max_hamming (Manku, Jain, Das Sarma, WWW 2007);
 *  - at least one short: compare their framed character-bigram multisets
 *    ("^a", "ab", ..., "z$", a repeated bigram counted each time): weighted
 *    Jaccard >= short_sim AND at most one element of the smaller missing
 *    from the larger.  SimHash of a short text is unreliable (one changed
 *    character flips many bits).  The second condition rejects every edit
 *    inside a text, ends included: replacing even one character breaks two
 *    framed bigrams on each side, so "今天武汉确诊了100例" never matches
 *    "今天上海确诊了100例" at any length; while text added or cut at one
 *    place breaks only one of the shorter text's ("#话题#" + "加油").
 *    Multisets are kept for texts under short_chars / short_sim code points
 *    (62 at the defaults), the longest a short text can reach that
 *    similarity with; a short text never merges with a text that has none.
 * Candidates come from three indexes, and every candidate must pass the
 * pair test: an exact-content hash table; the banded SimHash index (the 64
 * bits cut into 4 blocks of 16 bits, one table per block: by pigeonhole two
 * fingerprints within distance 3 agree on a whole block); and, for texts
 * with multisets, MinHash LSH over them (Broder 1997; 8 bands of 3 rows: a
 * pair at Jaccard 0.8 shares a band with probability 0.997, at 0.9 with
 * 0.99999), so a short text is found even when its SimHash is far.  Among
 * passing candidates the most similar one wins (Jaccard, or 1 - d/64 for two
 * long texts; ties: the newest), and the new post joins that candidate's
 * group.
 *
 * Groups of long texts grow by single linkage (a post may join through any
 * remembered member).  A post that joins through the bigram test is
 * remembered for its exact copies only, not as a near-duplicate candidate:
 * groups of short texts are stars around their unjoined members, so
 * "#话题#" cannot chain "#话题#加油" to "#话题#害怕".
 *
 * Bounds: every index chain is scanned newest first and at most 64 entries
 * deep, so one add costs O(1) whatever the data; a near-duplicate hidden
 * behind 64 newer entries of the same block or band is missed (on the first
 * 20,000 posts of the COVID Weibo stream: 7 of 3,263 joins).  Memory for a
 * window of W posts: a ring of 56-byte entries, an exact table of 2W..4W
 * 4-byte cells, 4 x 65,536 4-byte block heads (1 MiB) and 8 LSH tables of
 * W/2..W 4-byte heads (at least 65,536 each).  At W = 500,000 that is 39.7
 * MiB, 83 bytes per post; each remembered post with a multiset adds 52
 * bytes + 2 per element, rounded up to 4 (at most 180 at the defaults; 71 per
 * stored post on average on the COVID stream), kept in 2 MiB chunks.
 * Elements are 16 bits (a 14-bit hash of the bigram and 2 mark bits): two
 * different bigrams share an element with probability 2^-14, which changes
 * a few verdicts (on the first 5,000 COVID posts 2, one each way; see
 * docs/benchmarks.md for the whole stream).
 *
 * Threads: a struct yq_dedup is used by one thread at a time.
 */
#ifndef YQ_DEDUP_H
#define YQ_DEDUP_H

#include <stddef.h>
#include <stdint.h>

struct yq_dedup_config {
	/* SimHash Hamming distance still counted as a duplicate, 0..3;
	 * default 3 (the banded index is exact up to 3). */
	int max_hamming;
	/* Posts remembered, 1 .. 2^26; default 500,000.  An exact copy of a
	 * remembered text is not stored again unless the stored copy has
	 * become older than window/2 stored posts: a text that keeps
	 * recurring stays findable, and the memory goes to distinct texts. */
	size_t window;
	/* Texts under this many code points are "short" (pair test by bigram
	 * Jaccard), 2 .. 1024; default 50. */
	size_t short_chars;
	/* Bigram Jaccard threshold for pairs with a short text, 0.5 .. 1;
	 * default 0.8.  With the one-missing-bigram rule it decides how much
	 * text may be added in one place: m/(m + c + 2) for c characters
	 * added to m, so at 0.8 a 16-character text takes 2 more characters
	 * and a 40-character one 8. */
	double short_sim;
};

/* yq_dedup_config_default: fills c with the defaults above. */
void yq_dedup_config_default(struct yq_dedup_config *c);

struct yq_dedup;

/*
 * yq_dedup_new: an empty index configured by c (copied; NULL means the
 * defaults).  *out receives it; free it with yq_dedup_free.  Returns 0,
 * YQ_EINVAL when a field of c is out of its range (nothing allocated), or
 * YQ_ENOMEM.
 */
int yq_dedup_new(const struct yq_dedup_config *c, struct yq_dedup **out);

/* yq_dedup_free: frees d and everything it holds; NULL is a no-op. */
void yq_dedup_free(struct yq_dedup *d);

/*
 * yq_dedup_add: adds post `key` (a caller serial, > 0, strictly increasing
 * across calls) with its SimHash `sh` and its content text content[0..n)
 * (the concatenation of its content tokens, UTF-8, see text/tokenize.h;
 * n == 0 means no content features; content is only read during the call).
 * *dup_of receives the key of the FIRST post of the group this one joins
 * (the group's root, never a chain), or 0 if it starts a new group.  A post
 * with no content (n == 0) never joins a group and is never joined (it is
 * not remembered).  Returns 0, YQ_EINVAL when key is 0 or not greater than
 * the previous key (nothing changes, *dup_of = 0), or YQ_ENOMEM (the post
 * is not remembered; *dup_of = 0; d stays usable).
 */
int yq_dedup_add(struct yq_dedup *d, uint64_t key, uint64_t sh,
		 const char *content, size_t n, uint64_t *dup_of);

/* yq_dedup_stats: counters since yq_dedup_new, for reports and tests. */
struct yq_dedup_stats {
	uint64_t posts;       /* calls that returned 0 */
	uint64_t empty;       /* of which with n == 0 */
	uint64_t exact;       /* joined by identical content */
	uint64_t near_simhash;/* joined through the SimHash index */
	uint64_t near_lsh;    /* joined through the bigram LSH index only */
	uint64_t stored;      /* posts stored in the window (ever) */
	uint64_t evicted;     /* stored posts dropped from the window */
	uint64_t candidates;  /* index entries examined */
	uint64_t bytes;       /* memory held now: tables, ring and bigram sets
			       * (allocator overhead not counted) */
};
void yq_dedup_stats(const struct yq_dedup *d, struct yq_dedup_stats *out);

#endif
