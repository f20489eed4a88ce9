/*
 * dict.h — the segmenter's prefix dictionary (jieba's FREQ), internal to
 * text/segment.c.
 *
 * A trie over Unicode code points.  Every node is a string that is in FREQ:
 * either a word (freq > 0) or a prefix of a word, or a word given frequency
 * 0 (both have freq 0, exactly as jieba's FREQ maps them to 0).
 *
 * Layout: the nodes live inside their parent's child table.  Each node with
 * children owns a run of 2^lg node slots in one pool (open addressing,
 * linear probing, at most half full); a child is found by a multiplicative
 * hash of its code point, and the slot found *is* the child, with its flags,
 * log-frequency and the place of its own table.  So walking a sentence one
 * code point at a time costs one hash and usually one cache line per step.
 * The root is slot 0 (in no table); its children in the BMP sit in a direct
 * region, slot YQ_DICT_BMP_BASE + cp, the others in an ordinary table.  A
 * node's id is its slot index.
 *
 * Place words (analysis mode only) share the trie: their nodes that jieba's
 * FREQ lacks carry YQ_DICT_AONLY, which the jieba modes treat as absent (such
 * a node is never a WORD, and its freq is 0, as an absent string's would be
 * where the code reads freq).
 *
 * Invariants: a child id is never 0 (0 means "none"); a node with lg == 0
 * has no children; an empty slot has cpf == YQ_DICT_EMPTY.  total is the sum
 * of all frequencies ever added (jieba's total: a word given twice counts
 * twice).  lf is log((double)freq) for words, exactly the value jieba's
 * calc() takes.  Ids change when a table grows (the node moves with its
 * parent's table); they are stable once loading is over.
 *
 * Threads: after loading, a struct yq_dict is only read and may be shared.
 */
#ifndef YQ_TEXT_DICT_H
#define YQ_TEXT_DICT_H

#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"

/* A frequency read from a file is capped here (far above any real count,
 * small enough that sums stay exact in a double). */
#define YQ_DICT_FREQ_MAX 1000000000000ULL
/* A line of --dict without a frequency gets this one: the median word
 * frequency of jieba's own dict.txt, so a plain word list acts like a
 * dictionary of ordinary words (see yq_dict_load). */
#define YQ_DICT_DEFAULT_FREQ 3
/* Caps: dictionary file size, and slots (about 3 per word or prefix). */
#define YQ_DICT_FILE_MAX (512u << 20)
#define YQ_DICT_SLOTS_MAX (1u << 28)

/* cpf packs the code point (bits 0-20), lg (21-25) and two flags. */
#define YQ_DICT_CP_MASK 0x1FFFFFu
#define YQ_DICT_LG_SHIFT 21
#define YQ_DICT_WORD (1u << 26)  /* freq > 0: a word the DAG may use */
#define YQ_DICT_FORCE (1u << 27) /* given frequency 0 once: Force_Split_Words */
#define YQ_DICT_BONUS (1u << 28) /* a user-dictionary or place word: analysis
				  * mode scores it at least yq_dict.bonus_lf */
#define YQ_DICT_AONLY (1u << 29) /* not in jieba's FREQ: the node exists only
				  * for place words (yq_dict_add_place) */
#define YQ_DICT_EMPTY 0xFFFFFFFFu
/* The root's child for a BMP code point cp is slot YQ_DICT_BMP_BASE + cp
 * (empty when there is none). */
#define YQ_DICT_BMP_BASE 1u

struct yq_dict_node {
	uint32_t cpf;  /* code point | lg << 21 | flags; YQ_DICT_EMPTY if free */
	uint32_t kids; /* first slot of this node's child table */
	double lf;     /* log(freq) when cpf & YQ_DICT_WORD */
};

struct yq_dict {
	struct yq_dict_node *nodes; /* the slot pool; nodes[0] is the root */
	uint64_t *freq;   /* per slot: jieba's FREQ value */
	uint32_t *nkids;  /* per slot: number of children */
	size_t nslots, cap;
	uint64_t total;     /* jieba's total */
	double logtotal;    /* log((double)total), kept current */
	size_t nforce;      /* nodes with YQ_DICT_FORCE */
	size_t nwords;      /* nodes with freq > 0 */
	double bonus_lf;    /* log(total / nwords), set by yq_dict_finish */
	int nodes_huge;     /* nodes is in yq_huge_alloc memory (yq_dict_finish) */
	uint64_t *edges;    /* yq_dict_finish's filter over (node, cp) edges
			     * (yq_huge_alloc memory) */
	unsigned edges_lg;  /* the filter has 2^edges_lg bits */
};

static inline unsigned yq_dict_lg(const struct yq_dict_node *nd)
{
	return (nd->cpf >> YQ_DICT_LG_SHIFT) & 31u;
}

/* yq_dict_init: an empty dictionary (the root only).  0 or YQ_ENOMEM. */
int yq_dict_init(struct yq_dict *d);
void yq_dict_release(struct yq_dict *d);

/*
 * yq_dict_add: jieba's add_word(word, freq) on the trie: FREQ[word] = freq,
 * total += freq, every prefix of word not yet present enters with 0; freq 0
 * also marks the word YQ_DICT_FORCE.  cps[0..n) are code points (n >= 1).
 * *node (if not NULL) receives the word's node.  0, YQ_ENOMEM, YQ_ETOOBIG.
 */
int yq_dict_add(struct yq_dict *d, const uint32_t *cps, size_t n, uint64_t freq,
		uint32_t *node);

/*
 * yq_dict_add_place: marks the word cps[0..n) YQ_DICT_BONUS for analysis
 * mode without putting it into jieba's FREQ: nodes it needs that are not in
 * FREQ are created with YQ_DICT_AONLY (never a word or prefix for the jieba
 * modes), total is unchanged.  A word given frequency 0 (YQ_DICT_FORCE) is
 * left alone.  0, YQ_ENOMEM, YQ_ETOOBIG.
 */
int yq_dict_add_place(struct yq_dict *d, const uint32_t *cps, size_t n);

/*
 * yq_dict_load: jieba's gen_pfdict over a dictionary file: lines
 * "word freq [pos]" (fields split by one space, ASCII whitespace stripped,
 * LF or CRLF).  Tolerated beyond jieba, for plain word lists: a line with no
 * frequency gets YQ_DICT_DEFAULT_FREQ, empty lines are skipped, a UTF-8 BOM
 * on the first line is dropped.  A word with full-width ASCII forms
 * (１２月) also enters in its NFKC form (12月) with the same frequency unless
 * that is a word already, so a dictionary written for unnormalized text
 * matches normalized text too (jieba's dict.txt has no such word, so its
 * FREQ is unchanged).  Errors: YQ_EIO (cannot read path),
 * YQ_EFORMAT (bad UTF-8 or a frequency that is not a number <=
 * YQ_DICT_FREQ_MAX; err gets "path:line: what"), YQ_ETOOBIG, YQ_ENOMEM.
 */
int yq_dict_load(struct yq_dict *d, const char *path, struct yq_buf *err);

/*
 * yq_dict_read_file: reads the whole file path (at most YQ_DICT_FILE_MAX
 * bytes) into *out (malloc'd, caller frees; not NUL-terminated), *len bytes.
 * Errors: YQ_EIO, YQ_ETOOBIG (err gets "path: what"), YQ_ENOMEM.
 */
int yq_dict_read_file(const char *path, char **out, size_t *len, struct yq_buf *err);

/*
 * yq_dict_next_line: the next line of data[0..len) from *pos (advanced past
 * it), as [*b, *e) with ASCII whitespace trimmed at both ends (CRLF files
 * included).  Returns 1, or 0 at the end.  Every dictionary-style file
 * (dict.txt, user dictionaries, HMM tables) is read line by line with it.
 */
int yq_dict_next_line(const char *data, size_t len, size_t *pos, size_t *b, size_t *e);

/*
 * yq_dict_finish: sets bonus_lf = log(total / nwords), the log frequency of
 * an average word (the least a user or place word counts in analysis mode),
 * and builds the edge filter, a one-hash Bloom filter over all
 * (node, child code point) pairs of non-root nodes, sized at about 16 bits
 * per edge (6% false positives), so that most failing steps of a walk are
 * answered from a cache-resident bitset instead of a child table.  Call when
 * loading is over; a later yq_dict_add drops the filter.  0 or YQ_ENOMEM
 * (then the dictionary works without the filter).
 */
int yq_dict_finish(struct yq_dict *d);

/* yq_dict_maybe_child: 0 when node (not the root) surely has no child for
 * cp; 1 when it may have one (or there is no filter). */
static inline int yq_dict_maybe_child(const struct yq_dict *d, uint32_t node, uint32_t cp)
{
	if (!d->edges)
		return 1;
	uint64_t h = ((uint64_t)node * 0x9E3779B97F4A7C15ULL) ^ ((uint64_t)cp * 0xC2B2AE3D27D4EB4FULL);
	h = (h * 0xFF51AFD7ED558CCDULL) >> (64 - d->edges_lg);
	return (int)((d->edges[h >> 6] >> (h & 63)) & 1);
}

/* yq_dict_child: the child of node for code point cp (<= 0x10FFFF), or 0
 * when none. */
static inline uint32_t yq_dict_child(const struct yq_dict *d, uint32_t node, uint32_t cp)
{
	if (node == 0 && cp < 0x10000)
		return d->nodes[YQ_DICT_BMP_BASE + cp].cpf != YQ_DICT_EMPTY ? YQ_DICT_BMP_BASE + cp : 0;
	const struct yq_dict_node *nd = &d->nodes[node];
	unsigned lg = yq_dict_lg(nd);
	if (!lg)
		return 0;
	uint32_t mask = (1u << lg) - 1;
	uint32_t h = (cp * 0x9E3779B1u) >> (32 - lg);
	const struct yq_dict_node *t = d->nodes + nd->kids;
	for (;;) {
		uint32_t k = t[h].cpf;
		if ((k & YQ_DICT_CP_MASK) == cp) /* cp <= 0x10FFFF: never EMPTY */
			return nd->kids + h;
		if (k == YQ_DICT_EMPTY)
			return 0;
		h = (h + 1) & mask;
	}
}

/* (always_inline: GCC 12 takes a function that only prefetches for a pure
 * one and drops its calls.) */
/* yq_dict_prefetch_child: starts loading the first slot yq_dict_child will
 * probe for (node, cp) (the filter word: yq_dict_prefetch_first).  node
 * must be loaded already (its lg and table are read).  For callers that
 * walk many positions and can ask ahead; no effect on results. */
__attribute__((always_inline)) static inline void
yq_dict_prefetch_child(const struct yq_dict *d, uint32_t node, uint32_t cp)
{
	const struct yq_dict_node *nd = &d->nodes[node];
	unsigned lg = yq_dict_lg(nd);
	if (lg)
		__builtin_prefetch(&d->nodes[nd->kids + ((cp * 0x9E3779B1u) >> (32 - lg))]);
}

/* yq_dict_prefetch_first: starts loading what the first two steps of a
 * walk from the root over c1 c2 (BMP code points) read first without
 * loading anything: c1's node in the direct region and the edge filter
 * word of (that node, c2).  No effect on results. */
__attribute__((always_inline)) static inline void
yq_dict_prefetch_first(const struct yq_dict *d, uint32_t c1, uint32_t c2)
{
	uint32_t node = YQ_DICT_BMP_BASE + c1;
	__builtin_prefetch(&d->nodes[node]);
	if (d->edges) {
		uint64_t h = ((uint64_t)node * 0x9E3779B97F4A7C15ULL) ^
			     ((uint64_t)c2 * 0xC2B2AE3D27D4EB4FULL);
		h = (h * 0xFF51AFD7ED558CCDULL) >> (64 - d->edges_lg);
		__builtin_prefetch(&d->edges[h >> 6]);
	}
}

/* yq_dict_find: the node of the string cps[0..n), or 0 when it is not in
 * FREQ (n == 0 gives the root, 0, too). */
uint32_t yq_dict_find(const struct yq_dict *d, const uint32_t *cps, size_t n);

#endif
