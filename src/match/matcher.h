/*
 * matcher.h — all words of all schemes in one Hyperscan database, matched in
 * one pass per field of a post, then each scheme's logic evaluated.
 *
 * Between text (normalization) and detect in the pipeline: the caller
 * normalizes a post's title and text (text/normalize.h) and hands the two
 * results to yq_matcher_match(), which scans the normalized texts and reports
 * hits in code points of the ORIGINAL texts through the results' offset maps.
 *
 * Matching rules (docs/schemes.md):
 *  - Words are normalized with the same normalizer as posts (NFKC, t2s …),
 *    so a full-width ５Ｇ in a post matches the word 5G and a word written in
 *    traditional script matches simplified text.  ASCII letters match
 *    without regard to case.  A word that begins (ends) with an ASCII letter
 *    does not match right after (before) another ASCII letter, and likewise
 *    for digits, so AI does not hit inside "PAID" nor 10 inside "2010".
 *  - Every occurrence of every word is found, overlapping ones included (a
 *    word that is a prefix, suffix or part of a longer one hits too): scheme
 *    logic and exclusion need them all.
 *  - A scheme matches when each non-empty positive group (region, subject,
 *    event) has a hit in its scope (and, with "within: N", within N code
 *    points of a subject hit in the same field, counted on the normalized
 *    text), and the exclusion group has no such hit.
 *  - Reported hits of a matched scheme: its region/subject/event hits, one
 *    per (word, field) — the word's FIRST occurrence in that field, with the
 *    number of occurrences in count — ordered by field (title first), then
 *    start, then longer first.
 *
 * Threads: a struct yq_matcher is read-only after yq_matcher_new() and may be
 * shared by threads; each thread needs its own struct yq_match_scratch.
 */
#ifndef YQ_MATCHER_H
#define YQ_MATCHER_H

#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"
#include "match/scheme.h"
#include "text/normalize.h"

/* Cap on raw word occurrences found in one post (both fields); a post that
 * hits more is matched on the first YQ_MATCH_OCC_MAX and flagged truncated. */
#define YQ_MATCH_OCC_MAX (1u << 20)

enum yq_field { YQ_FIELD_TITLE = 0, YQ_FIELD_TEXT = 1 };

/* "title" or "text": the post field a hit lies in (CLI.md's field names). */
const char *yq_field_name(enum yq_field f);

struct yq_match_hit {
	const char *word;          /* the word as written in the scheme file
				    * (borrowed from the scheme set) */
	enum yq_group_kind group;  /* region, subject or event */
	enum yq_field field;
	uint32_t start, end;       /* code points of the original field text,
				    * end exclusive, of the first occurrence; the
				    * span reaches up to the next character that
				    * normalization kept, so characters removed
				    * inside or right after the word (a zero-width
				    * joiner, a tag) lie within it */
	uint32_t count;            /* occurrences of the word in this field */
};

struct yq_scheme_match {
	size_t scheme;             /* index in the scheme set */
	const struct yq_scheme *s; /* borrowed from the set */
	size_t hit0, nhits;        /* its hits: result->hits[hit0 .. hit0+nhits) */
};

/* The schemes a post matched, in scheme-file order.  Zero-initialize, reuse
 * across calls (each call overwrites it), release with
 * yq_match_result_release(). */
struct yq_match_result {
	struct yq_scheme_match *v;
	size_t n, cap;
	struct yq_match_hit *hits;
	size_t nhits, hits_cap;
	int truncated;             /* 1 if YQ_MATCH_OCC_MAX was reached */
};

void yq_match_result_release(struct yq_match_result *r);

struct yq_matcher;
struct yq_match_scratch;

enum {
	YQ_MATCHER_ALL = 1, /* also compile disabled schemes (scheme test) */
};

/*
 * yq_matcher_new: normalizes every word of the set's enabled schemes (all
 * schemes with YQ_MATCHER_ALL) with nz (borrowed, used only during the call)
 * and compiles the distinct normalized words into one Hyperscan block-mode
 * literal database (hs_compile_lit_multi, ASCII-caseless).  set is borrowed
 * and must outlive the matcher.  Errors: YQ_EFORMAT when a word is empty
 * after normalization (err names the scheme and word), YQ_EINVAL when
 * Hyperscan refuses the database (its message in err), YQ_ENOMEM.
 */
int yq_matcher_new(const struct yq_scheme_set *set, struct yq_normalizer *nz, unsigned flags,
		   struct yq_matcher **out, struct yq_buf *err);
void yq_matcher_free(struct yq_matcher *m);

/* yq_matcher_words: the number of distinct normalized words compiled. */
size_t yq_matcher_words(const struct yq_matcher *m);

/* yq_match_scratch_new: per-thread scratch for m (Hyperscan scratch and
 * work arrays).  YQ_ENOMEM.  Free with yq_match_scratch_free (NULL: no-op). */
int yq_match_scratch_new(const struct yq_matcher *m, struct yq_match_scratch **out);
void yq_match_scratch_free(struct yq_match_scratch *s);

/*
 * yq_matcher_match: scans title and text (normalization results of the
 * post's title and text; either may be NULL for an absent field) and fills
 * res with the schemes the post matches and their hits.  Returns 0,
 * YQ_ENOMEM, or YQ_EINVAL if Hyperscan fails (a scratch of another matcher).
 */
int yq_matcher_match(const struct yq_matcher *m, struct yq_match_scratch *s,
		     const struct yq_norm_result *title, const struct yq_norm_result *text,
		     struct yq_match_result *res);

#endif
