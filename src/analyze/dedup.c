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
 *  - lsh: for each of the 8 MinHash bands, a hashed table of chain heads;
 *    the links and band keys live in the entry's bigram set.
 * Chains are never unlinked: eviction only overwrites a ring slot.  An
 * entry that is not "indexed" (it joined its group through the bigram test,
 * or is a refreshed copy of such an entry) is in the exact table only, and
 * keeps no bigram set.
 *
 * Invariants.  Keys strictly increase with insertion, and chains are built by
 * pushing at the head, so along every chain keys strictly decrease.  A slot
 * is overwritten only after every entry older than it has been, so a chain
 * is walked until a link leads to an entry whose key is not smaller than the
 * previous one (the slot was reused: the rest of the chain was evicted).  A
 * head is valid when the entry in its slot still belongs to the head's
 * bucket (a reused slot holding a newer member would have become the head).
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
#define WINDOW_MAX ((size_t)1 << 26)
#define SHORT_CHARS_MAX 1024
#define MISSING_MAX 1 /* bigrams of the smaller set absent from the larger */
#define TYPO_MIN_CHARS 8 /* shortest text in which one substituted character is a typo */
#define BIT_DIGIT 1u   /* a bigram element's low bits: it holds a digit, */
#define BIT_FRAME 2u   /* or it is a begin/end mark bigram */
#define CONTENT_SEED 0x636f6e74656e7431ULL
#define BIGRAM_SEED 0x62696772616d7331ULL
#define BEGIN_SEED 0x626567696e6d6b31ULL
#define END_SEED 0x656e646d61726b31ULL
#define BAND_SEED 0x62616e646b657931ULL

/* ---- entries ---- */

/* The bigram set of a post with fewer than d->set_chars code points. */
struct bigrams {
	uint32_t next[BANDS]; /* LSH chain links (1-based slots) */
	uint32_t bkey[BANDS]; /* band keys; the table cell is bkey & lsh_mask */
	uint32_t n;           /* number of distinct bigram hashes */
	uint32_t v[];         /* sorted, distinct */
};

static size_t bigrams_size(uint32_t n)
{
	return sizeof(struct bigrams) + n * sizeof(uint32_t);
}

struct entry {
	uint64_t key;  /* 0: empty slot */
	uint64_t sh;
	uint64_t chash;
	uint64_t root;
	uint32_t next[BLOCKS]; /* block chain links (1-based slots) */
	uint32_t ncp;          /* code points of the content, saturated */
	uint32_t indexed;      /* 1: linked into the block and LSH chains */
	struct bigrams *bg;    /* NULL when too long or not indexed */
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
	size_t lsh_mask;
	uint64_t mh_a[MINHASHES], mh_b[MINHASHES];
	uint32_t *scratch;      /* set_chars + 1 bigram hashes */
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
	/* the ring fills from slot 0: only the first `stored` slots were used */
	size_t used = d->st.stored < d->cap ? (size_t)d->st.stored : d->cap;
	if (d->ring)
		for (size_t i = 0; i < used; i++)
			free(d->ring[i].bg);
	yq_huge_free(d->ring, d->cap * sizeof(*d->ring));
	yq_huge_free(d->block[0], BLOCKS * BLOCK_HEADS * sizeof(uint32_t));
	yq_huge_free(d->lsh[0], BANDS * (d->lsh_mask + 1) * sizeof(uint32_t));
	yq_huge_free(d->exact, (d->exact_mask + 1) * sizeof(*d->exact));
	free(d->scratch);
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
	d->ring = yq_huge_alloc(d->cap * sizeof(*d->ring));
	d->exact_mask = pow2_at_least(2 * d->cap) - 1;
	d->exact = yq_huge_alloc((d->exact_mask + 1) * sizeof(*d->exact));
	d->lsh_mask = pow2_at_least(d->cap / 2 < 256 ? 256 : d->cap / 2) - 1;
	d->scratch = malloc((d->set_chars + 1) * sizeof(*d->scratch));
	if (!d->ring || !d->exact || !d->scratch)
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
		      (d->set_chars + 1) * sizeof(*d->scratch) +
		      BLOCKS * BLOCK_HEADS * sizeof(uint32_t) +
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

/* Fills d->scratch with the sorted hashes of the bigrams of content[0..n)
 * (n >= 1, fewer than set_chars code points) framed by a begin and an end
 * mark: "^a", "ab", ..., "z$".  The marks make an edit at either end break
 * two bigrams, as one inside does.  A bigram's second, third, ...
 * occurrence is a distinct element (a multiset as a set), so replacing a
 * word by one that occurs elsewhere in the text still breaks bigrams.
 * Returns the number of elements, at most set_chars + 1. */
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
	int repeats = 0;
	for (size_t i = 1, run = 0; i < k; i++) {
		if (v[i] != v[i - run - 1]) {
			run = 0;
			continue;
		}
		run++;
		v[i] = ((uint32_t)yq_mix64((uint64_t)v[i] << 16 | run) & ~(BIT_DIGIT | BIT_FRAME)) |
		       (v[i] & (BIT_DIGIT | BIT_FRAME));
		repeats = 1;
	}
	if (repeats)
		sort_u32(v, k);
	/* two elements can still collide (32-bit hashes): keep one */
	size_t u = 0;
	for (size_t i = 0; i < k; i++)
		if (u == 0 || v[u - 1] != v[i])
			v[u++] = v[i];
	return (uint32_t)u;
}

/* Band keys of the set v[0..n) (n >= 1): BANDS hashes of ROWS MinHash
 * values each; a band key is never 0. */
static void band_keys(const struct yq_dedup *d, const uint32_t *v, uint32_t n,
		      uint32_t out[BANDS])
{
	uint32_t mh[MINHASHES];
	for (int i = 0; i < MINHASHES; i++)
		mh[i] = UINT32_MAX;
	for (uint32_t j = 0; j < n; j++) {
		uint64_t x = v[j];
		for (int i = 0; i < MINHASHES; i++) {
			uint32_t h = (uint32_t)((d->mh_a[i] * x + d->mh_b[i]) >> 32);
			mh[i] = h < mh[i] ? h : mh[i];
		}
	}
	for (int b = 0; b < BANDS; b++) {
		uint32_t k = (uint32_t)yq_hash64(mh + b * ROWS, ROWS * sizeof(uint32_t),
						 BAND_SEED + (uint64_t)b);
		out[b] = k ? k : 1;
	}
}

/* Number of elements of the sorted distinct set a[0..na) found in b[0..nb),
 * or -1 as soon as more than MISSING_MAX elements of a are not. */
static int64_t contained(const uint32_t *a, uint32_t na, const uint32_t *b, uint32_t nb)
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
static int one_typo(const uint32_t *a, uint32_t na, const uint32_t *b, uint32_t nb)
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
		if ((x & (BIT_DIGIT | BIT_FRAME)) || ma > 2 || mb > 2)
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
	const uint32_t *set;  /* bigram set, or NULL */
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
 * two long ones. */
static void consider(struct yq_dedup *d, struct query *q, const struct entry *e, int lsh)
{
	double sim;
	int bigrams = q->short_text || e->ncp < d->c.short_chars;
	d->st.candidates++;
	if (bigrams) {
		if (!q->set || !e->bg)
			return;
		/* Jaccard <= min/max of the set sizes: skip hopeless ones. */
		const uint32_t *sa = q->set, *sb = e->bg->v;
		uint32_t na = q->nset, nb = e->bg->n;
		if (na > nb) {
			const uint32_t *t = sa;
			sa = sb, sb = t;
			na = e->bg->n, nb = q->nset;
		}
		int64_t common = -1;
		if ((double)na >= d->c.short_sim * (double)nb)
			common = contained(sa, na, sb, nb);
		sim = common < 0 ? 0 : (double)common / (double)((int64_t)na + nb - common);
		if (common < 0 || sim < d->c.short_sim) {
			/* a typo: the same length, one character substituted inside */
			if (q->ncp != e->ncp || q->ncp < TYPO_MIN_CHARS ||
			    !one_typo(q->set, q->nset, e->bg->v, e->bg->n))
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

/* Whether e shares one of the bands 0..nb-1 with the query. */
static int shares_band(const struct query *q, const struct entry *e, int nb)
{
	for (int b = 0; b < nb; b++)
		if (q->bkey[b] == e->bg->bkey[b])
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
	const struct entry *e;     /* LSH lanes: the entry whose set is read next */
	uint32_t cand[SCAN_CAP];   /* slots (1-based) of the candidates, in order */
};

__attribute__((always_inline)) static inline void prefetch_slot(const struct yq_dedup *d,
									uint32_t s)
{
	if (s)
		__builtin_prefetch(&d->ring[s - 1]);
}

/* (always_inline: GCC 12 takes a function that only prefetches for a pure
 * one and drops its calls.) */
/* A candidate's bigram set (its size and first elements), which
 * consider() reads, is prefetched as soon as the candidate is found. */
__attribute__((always_inline)) static inline void prefetch_set(const struct entry *e)
{
	if (e->bg) {
		__builtin_prefetch(&e->bg->n);
		__builtin_prefetch((const char *)&e->bg->n + 64);
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
		prefetch_set(e);
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
	if (e->key >= l->newer || !e->bg) {
		l->s = 0;
		return;
	}
	l->e = e;
	__builtin_prefetch(&e->bg->next[b]);
	__builtin_prefetch(&e->bg->bkey[b]);
}

/* LSH lane b, second half: the entry's set. */
static void step_band_set(const struct yq_dedup *d, const struct query *q, struct lane *l,
			  int b)
{
	const struct entry *e = l->e;
	if (e->bg->bkey[b] == q->bkey[b] && !shares_band(q, e, b)) {
		l->cand[l->n++] = l->s;
		prefetch_set(e);
	}
	l->newer = e->key;
	l->s = e->bg->next[b];
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
	/* the heads: a chain is valid while its head's slot holds a member */
	for (int i = 0; i < nlanes; i++) {
		uint32_t s = lane[i].s;
		if (!s)
			continue;
		const struct entry *h = &d->ring[s - 1];
		if (i < BLOCKS) {
			if (!h->indexed || block_of(h->sh, i) != block_of(q->sh, i))
				lane[i].s = 0;
		} else {
			int b = i - BLOCKS;
			if (!h->key || !h->bg ||
			    (h->bg->bkey[b] & d->lsh_mask) != (q->bkey[b] & d->lsh_mask))
				lane[i].s = 0;
		}
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

/* Stores the post in the next ring slot (evicting its previous occupant)
 * and links it into the exact table, and when `indexed` into the block and
 * (if bg) LSH chains.  bg (may be NULL) becomes the entry's; it must be NULL
 * when not indexed. */
static void store(struct yq_dedup *d, uint64_t key, uint64_t root, uint64_t sh,
		  uint64_t chash, uint32_t ncp, struct bigrams *bg, int indexed)
{
	uint32_t s = (uint32_t)d->pos + 1;
	struct entry *e = &d->ring[d->pos];
	if (e->key) {
		exact_drop(d, e->chash, s);
		if (e->bg)
			d->st.bytes -= bigrams_size(e->bg->n);
		free(e->bg);
		d->st.evicted++;
	}
	e->key = key;
	e->root = root;
	e->sh = sh;
	e->chash = chash;
	e->ncp = ncp;
	e->indexed = (uint32_t)indexed;
	e->bg = bg;
	if (bg)
		d->st.bytes += bigrams_size(bg->n);
	for (int b = 0; b < BLOCKS; b++) {
		uint32_t *head = &d->block[b][block_of(sh, b)];
		e->next[b] = indexed ? *head : 0;
		if (indexed)
			*head = s;
	}
	if (bg)
		for (int b = 0; b < BANDS; b++) {
			uint32_t *head = &d->lsh[b][bg->bkey[b] & d->lsh_mask];
			bg->next[b] = *head;
			*head = s;
		}
	exact_put(d, chash, s);
	d->pos = (d->pos + 1) % d->cap;
	d->st.stored++;
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
	struct bigrams *bg = NULL;
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
		struct entry *e = &d->ring[s - 1];
		uint64_t root = e->root;
		if (age_of(d, s) > d->cap / 2) {
			/* Refresh: store this copy so the text outlives the
			 * old one; it takes over the old copy's bigram set. */
			if (e->bg) {
				size_t sz = bigrams_size(e->bg->n);
				bg = malloc(sz);
				if (!bg)
					return YQ_ENOMEM;
				memcpy(bg, e->bg, sz);
			}
			store(d, key, root, sh, chash, (uint32_t)ncp, bg, (int)e->indexed);
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
		uint32_t m = bigram_set(d, content, n);
		bg = malloc(bigrams_size(m));
		if (!bg)
			return YQ_ENOMEM;
		bg->n = m;
		memcpy(bg->v, d->scratch, m * sizeof(uint32_t));
		band_keys(d, bg->v, m, bg->bkey);
		q.set = bg->v;
		q.nset = m;
		memcpy(q.bkey, bg->bkey, sizeof(q.bkey));
	}
	search(d, &q);
	int indexed = 1;
	if (q.root) {
		*dup_of = q.root;
		if (q.via_lsh)
			d->st.near_lsh++;
		else
			d->st.near_simhash++;
		/* Joined by bigram similarity: remembered for its exact copies
		 * only, so short groups stay stars around their first members
		 * and cannot drift. */
		if (q.by_bigrams) {
			indexed = 0;
			free(bg);
			bg = NULL;
		}
	}
	store(d, key, q.root ? q.root : key, sh, chash, (uint32_t)ncp, bg, indexed);
	d->st.posts++;
	return YQ_OK;
}
