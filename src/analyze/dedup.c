/*
 * dedup.c — online near-duplicate grouping (see dedup.h for the contract).
 *
 * Place in the pipeline: after tokenization and SimHash (analyze/simhash.c),
 * before clustering and event detection, which count a group once.
 *
 * Design.  Stored posts live in a ring of `window` entries, filled in
 * insertion order; storing into a full ring evicts the oldest entry.  Three
 * indexes point into the ring with 1-based slot numbers (0 = none):
 *  - exact: an open-addressing (linear probing) table from the content hash
 *    to the slot of the newest stored copy of that content, 2 cells per ring
 *    entry; an evicted entry removes its cell if the cell still points to it
 *    (backward-shift deletion, no tombstones);
 *  - blocks: for each of the 4 16-bit blocks of the SimHash, a direct table
 *    of 65,536 chain heads; each entry carries the 4 links to the next older
 *    entry with the same block value;
 *  - lsh: for each of the 8 MinHash bands, a hashed table of at least 2^16
 *    chain heads; the links live in the entry's bigram set.
 * Chains are never unlinked: eviction only overwrites a ring slot (and
 * empties the LSH heads that still point at the evicted entry).  An entry
 * that is not "indexed" (it joined its group through the bigram test, or is
 * a refreshed copy of such an entry) is in the exact table only, and keeps
 * no bigram set.
 *
 * Memory.  A ring entry is 56 bytes.  Bigram sets are records in a FIFO
 * arena of 32-bit words, allocated in store order, so they die in the order
 * they were made: the arena is a ring of 2 MiB chunks (mmap'd; smaller for
 * small windows), a chunk is returned once every record in it is dead, and
 * a record that does not fit in the rest of a chunk starts the next one.  A
 * record is the 8 LSH links, 16 bits of each band key, the set's size and
 * its text's code points (16 bits each), then the elements as 16-bit
 * values: 52 + 2n bytes (rounded to 4) against 68 + 4n in a malloc'd block
 * of 32-bit elements before.  A band key is 32 bits; its cell in the
 * table (the low bits, at least 16) is known from the chain being walked,
 * so the stored high 16 bits complete it: chain membership is tested
 * exactly.  Another band's key of a candidate (shares_band) and an evicted
 * entry's cells are recomputed from its elements.  Elements are 14-bit
 * hashes plus the 2 mark bits: two distinct bigrams of a pair collide with
 * probability 2^-14 each, which can make one missing bigram look present
 * (measured on the whole COVID stream: docs/benchmarks.md).
 *
 * Invariants.  Keys strictly increase with insertion, and chains are built by
 * pushing at the head, so along every chain keys strictly decrease.  A slot
 * is overwritten only after every entry older than it has been, so a chain
 * is walked until a link leads to an entry whose key is not smaller than the
 * previous one (the slot was reused: the rest of the chain was evicted).  A
 * block head is valid when the entry in its slot still belongs to the head's
 * bucket (a reused slot holding a newer member would have become the head);
 * a non-zero LSH head always points at a live member, the newest of its
 * cell (heads are emptied when that entry is evicted, and the rest of its
 * chain is older, so evicted before).  Arena positions only grow: a record
 * at position p of w words is dead once the entry holding it is evicted,
 * and then so is every position below p + w.
 * Every entry's root is the key of the first post of its group, which is
 * never itself in another group: roots are final, never chains.
 */
#include "analyze/dedup.h"

#include <stdlib.h>
#include <string.h>

#include "analyze/simhash.h"
#include "base/error.h"
#include "base/hash.h"
#include "base/hugemem.h"
#include "base/utf8.h"

#define BLOCKS 4
#define BLOCK_HEADS 65536u
#define SCAN_CAP 64
#define BANDS 8
#define ROWS 3
#define MINHASHES (BANDS * ROWS)
#define LSH_MIN_HEADS 65536u /* a cell number holds a band key's low 16 bits at least */
#define WINDOW_MAX ((size_t)1 << 26)
#define SHORT_CHARS_MAX 1024
#define MISSING_MAX 1 /* bigrams of the smaller set absent from the larger */
#define TYPO_MIN_CHARS 8 /* shortest text in which one substituted character is a typo */
#define BIT_DIGIT 1u   /* a bigram element's low bits: it holds a digit, */
#define BIT_FRAME 2u   /* or it is a begin/end mark bigram */
#define MARKS (BIT_DIGIT | BIT_FRAME)
#define CHUNK_BYTES_MAX ((size_t)2 << 20) /* an arena chunk: one huge page */
#define CHUNK_BYTES_MIN ((size_t)4096)
#define INDEXED ((uint64_t)1 << 63) /* entry.set: linked into the block and LSH chains */
#define CONTENT_SEED 0x636f6e74656e7431ULL
#define BIGRAM_SEED 0x62696772616d7331ULL
#define BEGIN_SEED 0x626567696e6d6b31ULL
#define END_SEED 0x656e646d61726b31ULL
#define BAND_SEED 0x62616e646b657931ULL

/* ---- entries ---- */

/* The bigram set of a post with fewer than d->set_chars code points: a
 * record in the arena, rec_words(n) 32-bit words. */
struct rec {
	uint32_t next[BANDS];  /* LSH chain links (1-based slots) */
	uint16_t bhigh[BANDS]; /* band keys' high 16 bits */
	uint16_t n;            /* number of elements */
	uint16_t ncp;          /* code points of the text (< set_chars) */
	uint16_t v[];          /* sorted, distinct */
};

static size_t rec_words(size_t n)
{
	return (sizeof(struct rec) + n * sizeof(uint16_t) + 3) / 4;
}

struct entry {
	uint64_t key;  /* 0: empty slot */
	uint64_t sh;
	uint64_t chash;
	uint64_t root;
	uint32_t next[BLOCKS]; /* block chain links (1-based slots) */
	uint64_t set;  /* INDEXED | (arena position of the bigram set + 1), 0: no set */
};

struct yq_dedup {
	struct yq_dedup_config c;
	size_t set_chars;       /* texts under this many code points keep sets */
	struct entry *ring;
	size_t cap;             /* = c.window */
	size_t pos;             /* next slot to fill */
	uint64_t last_key;
	uint32_t *block[BLOCKS];
	uint32_t *exact;
	size_t exact_mask;
	uint32_t *lsh[BANDS];
	size_t lsh_mask;        /* >= LSH_MIN_HEADS - 1 */
	uint64_t mh_a[MINHASHES], mh_b[MINHASHES];
	/* the arena: position p lives in chunk[(p / chunk_words) % nchunks] */
	uint32_t **chunk;
	size_t nchunks, chunk_words;
	uint64_t head;          /* next free position */
	uint64_t tail;          /* every position below is dead */
	uint32_t *scratch;      /* set_chars + 1 bigram hashes */
	uint16_t *qset;         /* the bigram set of the post being added */
	struct yq_dedup_stats st;
};

void yq_dedup_config_default(struct yq_dedup_config *c)
{
	c->max_hamming = 3;
	c->window = 500000;
	c->short_chars = 50;
	c->short_sim = 0.8;
}

static size_t pow2_at_least(size_t n)
{
	size_t p = 1;
	while (p < n)
		p <<= 1;
	return p;
}

void yq_dedup_free(struct yq_dedup *d)
{
	if (!d)
		return;
	if (d->chunk)
		for (size_t i = 0; i < d->nchunks; i++)
			yq_huge_free(d->chunk[i], d->chunk_words * sizeof(uint32_t));
	free(d->chunk);
	yq_huge_free(d->ring, d->cap * sizeof(*d->ring));
	yq_huge_free(d->block[0], BLOCKS * BLOCK_HEADS * sizeof(uint32_t));
	yq_huge_free(d->lsh[0], BANDS * (d->lsh_mask + 1) * sizeof(uint32_t));
	yq_huge_free(d->exact, (d->exact_mask + 1) * sizeof(*d->exact));
	free(d->scratch);
	free(d->qset);
	free(d);
}

int yq_dedup_new(const struct yq_dedup_config *c, struct yq_dedup **out)
{
	struct yq_dedup_config def;
	struct yq_dedup *d = NULL;
	int rc = YQ_ENOMEM;
	*out = NULL;
	if (!c) {
		yq_dedup_config_default(&def);
		c = &def;
	}
	if (c->max_hamming < 0 || c->max_hamming > 3 || c->window < 1 ||
	    c->window > WINDOW_MAX || c->short_chars < 2 ||
	    c->short_chars > SHORT_CHARS_MAX || !(c->short_sim >= 0.5) ||
	    !(c->short_sim <= 1.0))
		return YQ_EINVAL;
	d = calloc(1, sizeof(*d));
	if (!d)
		goto out;
	d->c = *c;
	d->cap = c->window;
	d->set_chars = (size_t)((double)c->short_chars / c->short_sim) + 1;
	/* a text of m < set_chars code points has m + 1 framed bigrams */
	size_t maxw = rec_words(d->set_chars + 1);
	/* chunks: about an eighth of the worst case, within [4 KiB, 2 MiB],
	 * and room for two records of the largest size */
	size_t cb = pow2_at_least(d->cap * maxw * sizeof(uint32_t) / 8);
	cb = cb < CHUNK_BYTES_MIN ? CHUNK_BYTES_MIN : cb > CHUNK_BYTES_MAX ? CHUNK_BYTES_MAX : cb;
	while (cb < 2 * maxw * sizeof(uint32_t))
		cb <<= 1;
	d->chunk_words = cb / sizeof(uint32_t);
	/* the live span (at most cap records, each wasting under maxw words
	 * at a chunk's end) plus the record being made, on whole chunks */
	d->nchunks = d->cap * maxw / (d->chunk_words - maxw) + 3;
	d->chunk = calloc(d->nchunks, sizeof(*d->chunk));
	d->ring = yq_huge_alloc(d->cap * sizeof(*d->ring));
	d->exact_mask = pow2_at_least(2 * d->cap) - 1;
	d->exact = yq_huge_alloc((d->exact_mask + 1) * sizeof(*d->exact));
	d->lsh_mask = pow2_at_least(d->cap / 2 < LSH_MIN_HEADS ? LSH_MIN_HEADS : d->cap / 2) - 1;
	d->scratch = malloc((d->set_chars + 1) * sizeof(*d->scratch));
	d->qset = malloc((d->set_chars + 1) * sizeof(*d->qset));
	if (!d->chunk || !d->ring || !d->exact || !d->scratch || !d->qset)
		goto out;
	/* the block and band tables: one allocation each, for huge pages */
	if (!(d->block[0] = yq_huge_alloc(BLOCKS * BLOCK_HEADS * sizeof(uint32_t))))
		goto out;
	for (int b = 1; b < BLOCKS; b++)
		d->block[b] = d->block[0] + (size_t)b * BLOCK_HEADS;
	if (!(d->lsh[0] = yq_huge_alloc(BANDS * (d->lsh_mask + 1) * sizeof(uint32_t))))
		goto out;
	for (int b = 1; b < BANDS; b++)
		d->lsh[b] = d->lsh[0] + (size_t)b * (d->lsh_mask + 1);
	/* Fixed multiply-add-shift hash functions (Dietzfelbinger et al.
	 * 1997) from a fixed seed: results are reproducible across runs. */
	for (int i = 0; i < MINHASHES; i++) {
		d->mh_a[i] = yq_mix64(0x6d696e6861736801ULL + 2 * (uint64_t)i) | 1;
		d->mh_b[i] = yq_mix64(0x6d696e6861736802ULL + 2 * (uint64_t)i);
	}
	d->st.bytes = sizeof(*d) + d->cap * sizeof(*d->ring) +
		      (d->exact_mask + 1) * sizeof(*d->exact) +
		      (d->set_chars + 1) * (sizeof(*d->scratch) + sizeof(*d->qset)) +
		      d->nchunks * sizeof(*d->chunk) + BLOCKS * BLOCK_HEADS * sizeof(uint32_t) +
		      BANDS * (d->lsh_mask + 1) * sizeof(uint32_t);
	*out = d;
	d = NULL;
	rc = YQ_OK;
out:
	yq_dedup_free(d);
	return rc;
}

void yq_dedup_stats(const struct yq_dedup *d, struct yq_dedup_stats *out)
{
	*out = d->st;
}

/* ---- the arena of bigram sets ---- */

static struct rec *rec_at(const struct yq_dedup *d, uint64_t p)
{
	return (struct rec *)(d->chunk[(p / d->chunk_words) % d->nchunks] + p % d->chunk_words);
}

/* The bigram set of a ring entry (every entry in the ring is live), or NULL. */
static const struct rec *entry_rec(const struct yq_dedup *d, const struct entry *e)
{
	uint64_t p = e->set & ~INDEXED;
	return p ? rec_at(d, p - 1) : NULL;
}

/* A record of w words at the head (in the next chunk when the rest of this
 * one is too small); *pos receives its position.  NULL when out of memory
 * (nothing changes). */
static struct rec *arena_alloc(struct yq_dedup *d, size_t w, uint64_t *pos)
{
	size_t cw = d->chunk_words;
	uint64_t p = d->head;
	if (p % cw + w > cw)
		p += cw - p % cw;
	uint32_t **c = &d->chunk[(p / cw) % d->nchunks];
	if (!*c && !(*c = yq_huge_alloc(cw * sizeof(uint32_t))))
		return NULL;
	d->head = p + w;
	*pos = p;
	return (struct rec *)(*c + p % cw);
}

/* Every position below end is dead: returns the chunks wholly below it. */
static void arena_release(struct yq_dedup *d, uint64_t end)
{
	size_t cw = d->chunk_words;
	for (uint64_t k = d->tail / cw; k < end / cw; k++) {
		uint32_t **c = &d->chunk[k % d->nchunks];
		yq_huge_free(*c, cw * sizeof(uint32_t));
		*c = NULL;
	}
	d->tail = end;
}

/* ---- the exact-content table ---- */

static size_t exact_home(const struct yq_dedup *d, uint64_t chash)
{
	return (size_t)(yq_mix64(chash) & d->exact_mask);
}

/* Slot (1-based) of the newest stored copy of chash, or 0. */
static uint32_t exact_find(const struct yq_dedup *d, uint64_t chash)
{
	for (size_t i = exact_home(d, chash);; i = (i + 1) & d->exact_mask) {
		uint32_t s = d->exact[i];
		if (!s || d->ring[s - 1].chash == chash)
			return s;
	}
}

/* Points chash's cell at slot s (1-based), adding it if absent.  The table
 * never fills: it has 2 cells per ring entry. */
static void exact_put(struct yq_dedup *d, uint64_t chash, uint32_t s)
{
	size_t i = exact_home(d, chash);
	while (d->exact[i] && d->ring[d->exact[i] - 1].chash != chash)
		i = (i + 1) & d->exact_mask;
	d->exact[i] = s;
}

/* Removes the cell of chash if it points at slot s (1-based). */
static void exact_drop(struct yq_dedup *d, uint64_t chash, uint32_t s)
{
	size_t i = exact_home(d, chash);
	while (d->exact[i] && d->exact[i] != s)
		i = (i + 1) & d->exact_mask;
	if (!d->exact[i])
		return;
	/* Backward-shift deletion (Knuth, TAOCP 6.4, Algorithm R). */
	for (size_t j = i;;) {
		j = (j + 1) & d->exact_mask;
		if (!d->exact[j])
			break;
		size_t k = exact_home(d, d->ring[d->exact[j] - 1].chash);
		int stays = (i <= j) ? (i < k && k <= j) : (i < k || k <= j);
		if (stays)
			continue;
		d->exact[i] = d->exact[j];
		i = j;
	}
	d->exact[i] = 0;
}

/* ---- bigram sets and MinHash ---- */

/* Sorts v[0..n) ascending: Shell sort with Ciura's gaps (Ciura 2001), fast
 * for the few dozen elements of a short text's bigram set. */
static void sort_u32(uint32_t *v, size_t n)
{
	static const size_t gaps[] = {701, 301, 132, 57, 23, 10, 4, 1};
	for (size_t g = 0; g < sizeof(gaps) / sizeof(gaps[0]); g++) {
		size_t gap = gaps[g];
		for (size_t i = gap; i < n; i++) {
			uint32_t x = v[i];
			size_t m = i;
			for (; m >= gap && v[m - gap] > x; m -= gap)
				v[m] = v[m - gap];
			v[m] = x;
		}
	}
}

/* mark: a bigram element's hash h with its low bits telling whether the
 * bigram s[0..n) holds an ASCII digit and whether it is a frame bigram. */
static uint32_t mark(uint32_t h, const char *s, size_t n, int frame)
{
	uint32_t bits = frame ? BIT_FRAME : 0;
	for (size_t i = 0; i < n; i++)
		if (s[i] >= '0' && s[i] <= '9')
			bits |= BIT_DIGIT;
	return (h & ~(BIT_DIGIT | BIT_FRAME)) | bits;
}

/* Fills d->qset with the sorted elements of the bigrams of content[0..n)
 * (n >= 1, fewer than set_chars code points) framed by a begin and an end
 * mark: "^a", "ab", ..., "z$".  The marks make an edit at either end break
 * two bigrams, as one inside does.  A bigram's second, third, ...
 * occurrence is a distinct element (a multiset as a set), so replacing a
 * word by one that occurs elsewhere in the text still breaks bigrams.  An
 * element is 16 bits: the high 14 bits of the bigram's 32-bit hash and its
 * 2 mark bits.  Returns the number of elements, at most set_chars + 1. */
static uint32_t bigram_set(struct yq_dedup *d, const char *s, size_t n)
{
	uint32_t *v = d->scratch;
	size_t k = 0, a = 0, j = 0;
	yq_utf8_next(s, n, &j);
	size_t alen = j;
	v[k++] = mark((uint32_t)(yq_hash64(s, alen, BEGIN_SEED) >> 32), s, alen, 1);
	/* the bound matters only for invalid UTF-8, where stray bytes are
	 * code points here but not in yq_utf8_count */
	while (a + alen < n && k < d->set_chars) {
		j = a + alen;
		yq_utf8_next(s, n, &j);
		size_t blen = j - (a + alen);
		v[k++] = mark((uint32_t)(yq_hash64(s + a, alen + blen, BIGRAM_SEED) >> 32), s + a,
			      alen + blen, 0);
		a += alen;
		alen = blen;
	}
	v[k++] = mark((uint32_t)(yq_hash64(s + a, alen, END_SEED) >> 32), s + a, alen, 1);
	/* the i-th repeat (i >= 1) of a bigram becomes an element of its own */
	sort_u32(v, k);
	for (size_t i = 1, run = 0; i < k; i++) {
		if (v[i] != v[i - run - 1]) {
			run = 0;
			continue;
		}
		run++;
		v[i] = ((uint32_t)yq_mix64((uint64_t)v[i] << 16 | run) & ~MARKS) | (v[i] & MARKS);
	}
	for (size_t i = 0; i < k; i++)
		v[i] = ((v[i] >> 16) & ~MARKS) | (v[i] & MARKS);
	sort_u32(v, k);
	/* two elements can collide (14-bit hashes): keep one */
	size_t u = 0;
	for (size_t i = 0; i < k; i++)
		if (u == 0 || d->qset[u - 1] != v[i])
			d->qset[u++] = (uint16_t)v[i];
	return (uint32_t)u;
}

/* Band key b of the set v[0..n) (n >= 1): a hash of ROWS MinHash values;
 * never 0. */
static uint32_t band_key(const struct yq_dedup *d, const uint16_t *v, uint32_t n, int b)
{
	uint32_t mh[ROWS];
	for (int r = 0; r < ROWS; r++)
		mh[r] = UINT32_MAX;
	for (uint32_t j = 0; j < n; j++) {
		uint64_t x = v[j];
		for (int r = 0; r < ROWS; r++) {
			int i = b * ROWS + r;
			uint32_t h = (uint32_t)((d->mh_a[i] * x + d->mh_b[i]) >> 32);
			mh[r] = h < mh[r] ? h : mh[r];
		}
	}
	uint32_t k = (uint32_t)yq_hash64(mh, sizeof(mh), BAND_SEED + (uint64_t)b);
	return k ? k : 1;
}

static void band_keys(const struct yq_dedup *d, const uint16_t *v, uint32_t n,
		      uint32_t out[BANDS])
{
	for (int b = 0; b < BANDS; b++)
		out[b] = band_key(d, v, n, b);
}

/* Number of elements of the sorted distinct set a[0..na) found in b[0..nb),
 * or -1 as soon as more than MISSING_MAX elements of a are not. */
static int64_t contained(const uint16_t *a, uint32_t na, const uint16_t *b, uint32_t nb)
{
	uint32_t j = 0, missing = 0;
	for (uint32_t i = 0; i < na; i++) {
		while (j < nb && b[j] < a[i])
			j++;
		if (j < nb && b[j] == a[i]) {
			j++;
			continue;
		}
		if (++missing > MISSING_MAX)
			return -1;
	}
	return (int64_t)(na - missing);
}

/* one_typo: 1 if the sorted sets a and b differ by exactly two elements on
 * each side, none of them a frame bigram or one holding a digit: what one
 * character substituted inside a text does ("感谢各位同学" / "感谢各位童学"),
 * while a changed number ("确诊100例" / "确诊200例") or an edit at either
 * end ("…通告#好" / "…通告#坏") stays a different post. */
static int one_typo(const uint16_t *a, uint32_t na, const uint16_t *b, uint32_t nb)
{
	uint32_t i = 0, j = 0, ma = 0, mb = 0;
	while (i < na || j < nb) {
		uint32_t x;
		if (j == nb || (i < na && a[i] < b[j])) {
			x = a[i++];
			ma++;
		} else if (i == na || b[j] < a[i]) {
			x = b[j++];
			mb++;
		} else {
			i++, j++;
			continue;
		}
		if ((x & MARKS) || ma > 2 || mb > 2)
			return 0;
	}
	return ma == 2 && mb == 2;
}

/* ---- candidate search ---- */

/* The post being added. */
struct query {
	uint64_t sh;
	uint32_t ncp;
	int short_text;       /* ncp < short_chars */
	const uint16_t *set;  /* bigram set, or NULL */
	uint32_t nset;
	uint32_t bkey[BANDS];
	double best;          /* similarity of the best candidate so far */
	uint64_t root;        /* its root, 0 if none */
	int via_lsh;          /* the best was found through LSH */
	int by_bigrams;       /* the best passed the bigram test */
};

/* Applies the pair test to stored entry e and keeps it if it beats the best
 * so far.  Similarity: Jaccard for pairs with a short text (which must also
 * leave at most MISSING_MAX bigrams of the smaller set unmatched: an edit
 * inside a text breaks two or more bigrams on each side, while a run added
 * or removed breaks at most one of the shorter text's), except that one
 * substituted character inside a text of TYPO_MIN_CHARS or more, not a
 * digit nor next to one, is a typo and passes (see one_typo); 1 - d/64 for
 * two long ones.  (A candidate is indexed, so it has a set exactly when it
 * has fewer than set_chars code points: one without is never short.) */
static void consider(struct yq_dedup *d, struct query *q, const struct entry *e, int lsh)
{
	double sim;
	const struct rec *r = entry_rec(d, e);
	int bigrams = q->short_text || (r && r->ncp < d->c.short_chars);
	d->st.candidates++;
	if (bigrams) {
		if (!q->set || !r)
			return;
		/* Jaccard <= min/max of the set sizes: skip hopeless ones. */
		const uint16_t *sa = q->set, *sb = r->v;
		uint32_t na = q->nset, nb = r->n;
		if (na > nb) {
			const uint16_t *t = sa;
			sa = sb, sb = t;
			na = r->n, nb = q->nset;
		}
		int64_t common = -1;
		if ((double)na >= d->c.short_sim * (double)nb)
			common = contained(sa, na, sb, nb);
		sim = common < 0 ? 0 : (double)common / (double)((int64_t)na + nb - common);
		if (common < 0 || sim < d->c.short_sim) {
			/* a typo: the same length, one character substituted inside */
			if (q->ncp != r->ncp || q->ncp < TYPO_MIN_CHARS ||
			    !one_typo(q->set, q->nset, r->v, r->n))
				return;
			sim = (double)(na - 2) / (double)(na + 2);
		}
	} else {
		int dist = yq_hamming(q->sh, e->sh);
		if (dist > d->c.max_hamming)
			return;
		sim = 1.0 - dist / 64.0;
	}
	if (sim > q->best) {
		q->best = sim;
		q->root = e->root;
		q->via_lsh = lsh;
		q->by_bigrams = bigrams;
	}
}

static uint16_t block_of(uint64_t sh, int b)
{
	return (uint16_t)(sh >> (16 * b));
}

/* Whether e shares one of the blocks 0..nb-1 with the query, i.e. was
 * already met in an earlier block chain (unless that walk hit SCAN_CAP). */
static int shares_block(const struct query *q, const struct entry *e, int nb)
{
	for (int b = 0; b < nb; b++)
		if (block_of(q->sh, b) == block_of(e->sh, b))
			return 1;
	return 0;
}

/* Whether the set r shares one of the bands 0..nb-1 with the query: the
 * stored high bits first, then the whole key recomputed. */
static int shares_band(const struct yq_dedup *d, const struct query *q, const struct rec *r,
		       int nb)
{
	for (int b = 0; b < nb; b++)
		if (r->bhigh[b] == (uint16_t)(q->bkey[b] >> 16) &&
		    band_key(d, r->v, r->n, b) == q->bkey[b])
			return 1;
	return 0;
}

/*
 * The candidate search walks up to BLOCKS block chains and BANDS LSH chains
 * of SCAN_CAP entries each.  Every step of a walk is a cache miss (a ring
 * entry, and for LSH its bigram set), so the walks advance in lockstep, one
 * step of every lane per round with the next entries prefetched, letting
 * their misses overlap.  A walk's stopping rule does not depend on what
 * consider() found, so the candidates are collected first and considered
 * afterwards in the order of the one-chain-after-another search: block
 * chains 0..3, then bands 0..7, each from its head.  The result (the first
 * best candidate in that order) is the same.  A candidate's bigram set is
 * prefetched when it is collected, so consider() finds it in the cache.
 */
#define LANES (BLOCKS + BANDS)

struct lane {
	uint32_t s;                /* next slot (1-based), 0 when the walk ended */
	uint32_t n;                /* candidates collected */
	int depth;
	uint64_t newer;            /* key of the previous entry on the chain */
	const struct entry *e;     /* LSH lanes: the entry whose set is read next, */
	const struct rec *r;       /* and that set */
	uint32_t cand[SCAN_CAP];   /* slots (1-based) of the candidates, in order */
};

/* (always_inline: GCC 12 takes a function that only prefetches for a pure
 * one and drops its calls.)  An entry is 56 bytes: it may span two lines. */
__attribute__((always_inline)) static inline void prefetch_slot(const struct yq_dedup *d,
									uint32_t s)
{
	if (s) {
		__builtin_prefetch(&d->ring[s - 1]);
		__builtin_prefetch((const char *)&d->ring[s - 1] + sizeof(struct entry) - 1);
	}
}

/* A candidate's bigram set (its size and first elements), which
 * consider() reads, is prefetched as soon as the candidate is found. */
__attribute__((always_inline)) static inline void prefetch_set(const struct yq_dedup *d,
							       const struct entry *e)
{
	const struct rec *r = entry_rec(d, e);
	if (r) {
		__builtin_prefetch(&r->n);
		__builtin_prefetch((const char *)&r->n + 64);
	}
}

/* Block lane b: one step (the entry in lane->s is examined). */
static void step_block(const struct yq_dedup *d, const struct query *q, struct lane *l, int b)
{
	const struct entry *e = &d->ring[l->s - 1];
	if (e->key >= l->newer) {
		l->s = 0;
		return;
	}
	if (!shares_block(q, e, b)) {
		l->cand[l->n++] = l->s;
		prefetch_set(d, e);
	}
	l->newer = e->key;
	l->s = e->next[b];
	if (++l->depth >= SCAN_CAP)
		l->s = 0;
	prefetch_slot(d, l->s);
}

/* LSH lane b, first half of a step: the entry (its set is prefetched). */
static void step_band_entry(const struct yq_dedup *d, struct lane *l, int b)
{
	const struct entry *e = &d->ring[l->s - 1];
	const struct rec *r = e->key < l->newer ? entry_rec(d, e) : NULL;
	if (!r) {
		l->s = 0;
		return;
	}
	l->e = e;
	l->r = r;
	__builtin_prefetch(&r->next[b]);
	__builtin_prefetch(&r->bhigh[b]);
}

/* LSH lane b, second half: the entry's set.  Every entry on the chain was
 * pushed at the query's cell, which holds the low 16 bits of its band key
 * (and more): the high 16 bits decide whether the keys are equal. */
static void step_band_set(const struct yq_dedup *d, const struct query *q, struct lane *l,
			  int b)
{
	const struct rec *r = l->r;
	if (r->bhigh[b] == (uint16_t)(q->bkey[b] >> 16) && !shares_band(d, q, r, b)) {
		l->cand[l->n++] = l->s;
		prefetch_set(d, l->e);
	}
	l->newer = l->e->key;
	l->s = r->next[b];
	if (++l->depth >= SCAN_CAP)
		l->s = 0;
	prefetch_slot(d, l->s);
}

static void search(struct yq_dedup *d, struct query *q)
{
	struct lane lane[LANES];
	int nlanes = q->set ? LANES : BLOCKS;
	for (int i = 0; i < nlanes; i++) {
		lane[i].s = i < BLOCKS ? d->block[i][block_of(q->sh, i)]
				       : d->lsh[i - BLOCKS][q->bkey[i - BLOCKS] & d->lsh_mask];
		lane[i].n = 0;
		lane[i].depth = 0;
		lane[i].newer = UINT64_MAX;
		prefetch_slot(d, lane[i].s);
	}
	/* a block chain is valid while its head's slot holds a member (LSH
	 * heads always do) */
	for (int i = 0; i < BLOCKS; i++) {
		uint32_t s = lane[i].s;
		if (!s)
			continue;
		const struct entry *h = &d->ring[s - 1];
		if (!(h->set & INDEXED) || block_of(h->sh, i) != block_of(q->sh, i))
			lane[i].s = 0;
	}
	for (int active = 1; active;) {
		active = 0;
		for (int i = 0; i < nlanes; i++) {
			if (!lane[i].s)
				continue;
			if (i < BLOCKS)
				step_block(d, q, &lane[i], i);
			else
				step_band_entry(d, &lane[i], i - BLOCKS);
		}
		for (int i = 0; i < nlanes; i++) {
			if (!lane[i].s)
				continue;
			if (i >= BLOCKS)
				step_band_set(d, q, &lane[i], i - BLOCKS);
			active |= lane[i].s != 0;
		}
	}
	for (int i = 0; i < nlanes; i++)
		for (uint32_t j = 0; j < lane[i].n; j++)
			consider(d, q, &d->ring[lane[i].cand[j] - 1], i >= BLOCKS);
}

/* ---- storing ---- */

/* Evicts the entry in slot s (1-based) if any: its exact cell, the LSH
 * heads that still point at it, its set. */
static void evict(struct yq_dedup *d, uint32_t s)
{
	struct entry *e = &d->ring[s - 1];
	if (!e->key)
		return;
	exact_drop(d, e->chash, s);
	const struct rec *r = entry_rec(d, e);
	if (r) {
		for (int b = 0; b < BANDS; b++) {
			uint32_t *head = &d->lsh[b][band_key(d, r->v, r->n, b) & d->lsh_mask];
			if (*head == s)
				*head = 0;
		}
		size_t w = rec_words(r->n);
		d->st.bytes -= w * sizeof(uint32_t);
		arena_release(d, (e->set & ~INDEXED) - 1 + w);
	}
	e->key = 0;
	d->st.evicted++;
}

/* Stores the post in the next ring slot (evicting its previous occupant)
 * and links it into the exact table, and when `indexed` into the block
 * chains and (with a set) the LSH chains.  The set v[0..n) (NULL: none; it
 * must be NULL when not indexed) is copied into the arena, with its band
 * keys bkey and its text's code points ncp (< set_chars).  Returns 0 or
 * YQ_ENOMEM (nothing changes). */
static int store(struct yq_dedup *d, uint64_t key, uint64_t root, uint64_t sh,
		 uint64_t chash, const uint16_t *v, uint32_t n, uint32_t ncp,
		 const uint32_t bkey[BANDS], int indexed)
{
	uint32_t s = (uint32_t)d->pos + 1;
	struct rec *r = NULL;
	uint64_t rpos = 0;
	/* the set is copied first: v may be the evicted entry's */
	if (v) {
		size_t w = rec_words(n);
		if (!(r = arena_alloc(d, w, &rpos)))
			return YQ_ENOMEM;
		r->n = (uint16_t)n;
		r->ncp = (uint16_t)ncp;
		memcpy(r->v, v, n * sizeof(*v));
		for (int b = 0; b < BANDS; b++)
			r->bhigh[b] = (uint16_t)(bkey[b] >> 16);
		d->st.bytes += w * sizeof(uint32_t);
	}
	evict(d, s);
	struct entry *e = &d->ring[s - 1];
	e->key = key;
	e->root = root;
	e->sh = sh;
	e->chash = chash;
	e->set = (indexed ? INDEXED : 0) | (r ? rpos + 1 : 0);
	for (int b = 0; b < BLOCKS; b++) {
		uint32_t *head = &d->block[b][block_of(sh, b)];
		e->next[b] = indexed ? *head : 0;
		if (indexed)
			*head = s;
	}
	if (r)
		for (int b = 0; b < BANDS; b++) {
			uint32_t *head = &d->lsh[b][bkey[b] & d->lsh_mask];
			r->next[b] = *head;
			*head = s;
		}
	exact_put(d, chash, s);
	d->pos = (d->pos + 1) % d->cap;
	d->st.stored++;
	return YQ_OK;
}

/* Age of slot s (1-based) in stored posts: 1 for the newest. */
static size_t age_of(const struct yq_dedup *d, uint32_t s)
{
	return (d->pos + d->cap - (s - 1) - 1) % d->cap + 1;
}

int yq_dedup_add(struct yq_dedup *d, uint64_t key, uint64_t sh,
		 const char *content, size_t n, uint64_t *dup_of)
{
	struct query q;
	int rc;
	*dup_of = 0;
	if (key == 0 || key <= d->last_key)
		return YQ_EINVAL;
	d->last_key = key;
	if (n == 0) {
		d->st.posts++;
		d->st.empty++;
		return YQ_OK;
	}
	uint64_t chash = yq_hash64(content, n, CONTENT_SEED);
	size_t ncp = yq_utf8_count(content, n);
	if (ncp > UINT32_MAX)
		ncp = UINT32_MAX;

	uint32_t s = exact_find(d, chash);
	if (s) {
		const struct entry *e = &d->ring[s - 1];
		uint64_t root = e->root;
		if (age_of(d, s) > d->cap / 2) {
			/* Refresh: store this copy so the text outlives the
			 * old one; it takes over the old copy's bigram set. */
			const struct rec *r = entry_rec(d, e);
			uint32_t bkey[BANDS];
			if (r)
				band_keys(d, r->v, r->n, bkey);
			if ((rc = store(d, key, root, sh, chash, r ? r->v : NULL, r ? r->n : 0,
					r ? r->ncp : 0, bkey, (e->set & INDEXED) != 0)))
				return rc;
		}
		*dup_of = root;
		d->st.posts++;
		d->st.exact++;
		return YQ_OK;
	}

	memset(&q, 0, sizeof(q));
	q.sh = sh;
	q.ncp = (uint32_t)ncp;
	q.short_text = ncp < d->c.short_chars;
	if (ncp < d->set_chars) {
		q.nset = bigram_set(d, content, n);
		q.set = d->qset;
		band_keys(d, q.set, q.nset, q.bkey);
	}
	search(d, &q);
	/* Joined by bigram similarity: remembered for its exact copies only,
	 * so short groups stay stars around their first members and cannot
	 * drift. */
	int indexed = !(q.root && q.by_bigrams);
	if ((rc = store(d, key, q.root ? q.root : key, sh, chash, indexed ? q.set : NULL, q.nset,
			q.ncp, q.bkey, indexed)))
		return rc;
	if (q.root) {
		*dup_of = q.root;
		if (q.via_lsh)
			d->st.near_lsh++;
		else
			d->st.near_simhash++;
	}
	d->st.posts++;
	return YQ_OK;
}
