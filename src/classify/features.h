/*
 * features.h — the sparse feature vector of a text for the classifiers
 * (classify/model.h): the stage between text (normalize, tokenize) and the
 * linear model.
 *
 * Families (each hashed under its own seed; docs/classify.md gives the
 * reason for each):
 *  - CHAR:  character 1..char_max-grams of the normalized text; an n-gram
 *           never spans whitespace;
 *  - WORD:  the analysis tokens (yq_tokenize) except punctuation;
 *  - WORD2: adjacent token pairs (within a clause);
 *  - NEG:   a token or n-gram whose first character lies in a negation
 *           scope goes to family NEG_CHAR / NEG_WORD instead of CHAR / WORD.
 *           A scope opens after a whole negator token (不, 没, 没有, 无, 非,
 *           未, 别, 不是, 并非, … the list is in features.c) and closes at
 *           punctuation, whitespace or a contrast word.  Negators are
 *           matched as whole tokens after segmentation; 无 followed by a
 *           token it forms a word with (jieba cuts 无语 as 无/语) is none,
 *           and 无聊 is one token.  Double negation: a second negator in
 *           the same clause (不是…不, 并非…不, or a word led by 不/没 such as
 *           不好) cancels the first: both give no features, no n-gram spans
 *           them, no scope opens, 不好 contributes the word 好, and each
 *           cancelled negator adds the feature DBLNEG (不是不好 reads as 好);
 *  - DEGREE: a degree adverb (很, 非常, 太, 极, …) followed by a word adds
 *           DEG:word (DEG_NEG:word inside a negation scope);
 *  - LEXICON: a word of the polarity lexicon (yq_lexicon, e.g. NTUSD) adds
 *           LEX+ or LEX- (NEG_LEX+ / NEG_LEX- inside a negation scope), so
 *           "a negated negative word" is one feature the model can weigh
 *           whatever the word (我一点都不难过);
 *  - CONTRAST: after a contrast word (但是, 可是, 不过, 但, 然而, 却) every
 *           feature up to the end of the sentence (。！？!?；; or the end of
 *           the text) counts contrast_weight times.
 * Without tokens (tokens == NULL) only the CHAR family is produced.
 *
 * Hashing (yq_feat_hash, version 2): the feature's UTF-8 units (one code
 * point's bytes as a u32) folded in order by a multiply–xorshift step from
 * a seed of its family, finished by a multiply–xorshift and masked to
 * hash_bits bits.  The hash is part of every saved model:
 * changing it, a seed, or the negator and degree lists invalidates models
 * (bump YQ_FEAT_VERSION).
 *
 * Output: the distinct indices with their summed raw counts (tf, after the
 * contrast weight), in no particular order; the model applies sublinear tf,
 * idf and L2 normalization.
 *
 * Threads: a struct yq_features is per-thread scratch; the config is
 * read-only.
 */
#ifndef YQ_FEATURES_H
#define YQ_FEATURES_H

#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"
#include "text/tokenize.h"

/* Bumped whenever the feature definitions change (saved in models). */
#define YQ_FEAT_VERSION 2

enum {
	YQ_FEAT_CHAR = 1 << 0,
	YQ_FEAT_WORD = 1 << 1,
	YQ_FEAT_WORD2 = 1 << 2,
	YQ_FEAT_NEG = 1 << 3,
	YQ_FEAT_DEGREE = 1 << 4,
	YQ_FEAT_CONTRAST = 1 << 5,
	YQ_FEAT_LEXICON = 1 << 6, /* needs cfg->lex */
};

/* Feature families (hash seeds). */
enum yq_feat_family {
	YQ_FAM_CHAR = 1,
	YQ_FAM_NEG_CHAR,
	YQ_FAM_WORD,
	YQ_FAM_NEG_WORD,
	YQ_FAM_WORD2,
	YQ_FAM_DEG,
	YQ_FAM_DEG_NEG,
	YQ_FAM_SPECIAL, /* DBLNEG */
};

#define YQ_FEAT_MIN_BITS 10
#define YQ_FEAT_MAX_BITS 24

struct yq_feat_config {
	uint32_t flags;        /* YQ_FEAT_* */
	uint32_t hash_bits;    /* YQ_FEAT_MIN_BITS..YQ_FEAT_MAX_BITS: 2^bits buckets */
	uint32_t char_max;     /* longest character n-gram, 1..4 */
	float contrast_weight; /* multiplier after a contrast word (>= 1) */
	float word_weight;     /* multiplier of every token feature against the
				* character n-grams (0.1..10; 1: equal) */
	const struct yq_lexicon *lex; /* polarity words for YQ_FEAT_LEXICON
				       * (borrowed; a model stores its words) */
};

/* ---- polarity lexicon ---- */

struct yq_lexicon;

#define YQ_LEXICON_MAX_WORDS 1000000
#define YQ_LEXICON_MAX_WORD 64 /* bytes */

int yq_lexicon_new(struct yq_lexicon **out);
void yq_lexicon_free(struct yq_lexicon *l);

/* yq_lexicon_add: word w[0..n) with polarity +1 or -1; a word added with
 * both polarities is dropped from lookups (0).  Longer words than
 * YQ_LEXICON_MAX_WORD are ignored.  Returns 0, YQ_ENOMEM, YQ_ETOOBIG. */
int yq_lexicon_add(struct yq_lexicon *l, const char *w, size_t n, int polarity);

/* yq_lexicon_load: one word a line from path (UTF-8; spaces and CR
 * trimmed; empty lines and invalid UTF-8 skipped).  Errors: YQ_EIO
 * (message in err), YQ_ENOMEM, YQ_ETOOBIG. */
int yq_lexicon_load(struct yq_lexicon *l, const char *path, int polarity, struct yq_buf *err);

/* yq_lexicon_get: +1, -1, or 0 (absent or both). */
int yq_lexicon_get(const struct yq_lexicon *l, const char *w, size_t n);
size_t yq_lexicon_count(const struct yq_lexicon *l);
/* yq_lexicon_word: word i (insertion order; *n bytes) and its stored
 * polarity (+1, -1, 0 for both). */
const char *yq_lexicon_word(const struct yq_lexicon *l, size_t i, size_t *n, int *polarity);

struct yq_feat {
	uint32_t idx; /* bucket, < 2^hash_bits */
	float val;    /* summed raw count */
};

/* A slot of the dedup table: in use by the call stamped gen, for v[pos]. */
struct yq_feat_slot {
	uint32_t gen, pos;
};

/* Scratch and output; zero-initialize, reuse (no allocation once grown to
 * the longest text seen), release. */
struct yq_features {
	struct yq_feat *v; /* the features, n of them */
	size_t n, cap;
	/* private scratch */
	struct yq_feat_slot *slot;     /* dedup table, nslot entries */
	uint32_t nslot, gen, mask;     /* mask: the slots this call probes, minus 1 */
	uint8_t *mark;                 /* per byte of text: scope bits */
	size_t mark_cap;
	uint8_t *tkind;                /* per token: word-list bits */
	size_t tkind_cap;
	/* optional, set by the caller: each new bucket b prefetches the
	 * cache line at prefetch_base + b * prefetch_stride bytes (the model's
	 * row), so the misses overlap with the extraction */
	const char *prefetch_base;
	size_t prefetch_stride;
	/* polarity evidence of the last text (YQ_FEAT_LEXICON): lexicon words
	 * counted after negation (a negated negative word counts as positive,
	 * a negated positive one as negative; double negations cancel), each
	 * weighted like its features (contrast) */
	float polarity_pos, polarity_neg;
	float negated_pos; /* of polarity_pos: from a negated negative word, or
			    * a positive one after a double negation */
};

void yq_features_release(struct yq_features *f);

/* yq_feat_config_check: 0 if cfg is usable, else YQ_EINVAL. */
int yq_feat_config_check(const struct yq_feat_config *cfg);

/* yq_feat_hash: the bucket of feature bytes s[0..n) in family fam. */
uint32_t yq_feat_hash(const struct yq_feat_config *cfg, enum yq_feat_family fam,
		      const char *s, size_t n);

/* yq_feat_is_negator: 1 if the token s[0..n) opens a negation scope. */
int yq_feat_is_negator(const char *s, size_t n);

/*
 * yq_features_extract: the features of text[0..len) (normalized UTF-8,
 * normally yq_normalize's output) with its analysis tokens (yq_tokenize of
 * the same text; NULL: character n-grams only) into out (cleared first).
 * Returns 0, YQ_ENOMEM, or YQ_ETOOBIG for text over 16 MiB.
 */
int yq_features_extract(const struct yq_feat_config *cfg, const char *text, size_t len,
			const struct yq_tokens *tokens, struct yq_features *out);

#endif
