/*
 * normalize.h — text normalization, the first stage after collection.
 *
 * Steps, in order, each documented in normalize.c:
 *  1. HTML: tags removed (an <img alt="[泪]"> emoticon keeps its alt text),
 *     entities decoded (&amp; &#x4e2d; &nbsp; …).
 *  2. Zero-width characters, bidi controls and other control characters
 *     removed (newline and tab become a space).
 *  3. Unicode NFKC (ICU), which also maps full-width ASCII to half-width and
 *     the ideographic space to a space.
 *  4. Traditional → simplified Chinese with OpenCC (t2s), called only when a
 *     character that exists only in traditional script occurs (OpenCC runs
 *     at about 5 MB/s; most posts never need it).
 *  5. Runs of whitespace collapsed to one space; leading/trailing trimmed.
 * Then the structure of a Weibo post is recorded, not removed: the start of
 * a `//@name:` repost chain (the post's own new text is what precedes it),
 * and the URLs (kept in the text, listed aside).
 *
 * An offset map leads from every byte of the normalized text back to the
 * code-point offset in the original input, so matches found on normalized
 * text can be reported in the original's coordinates.
 *
 * Threads: a struct yq_normalizer holds ICU and OpenCC handles and is used by
 * one thread at a time.
 */
#ifndef YQ_NORMALIZE_H
#define YQ_NORMALIZE_H

#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"
#include "text/segment.h" /* struct yq_spans */

struct yq_normalizer;

struct yq_norm_result {
	struct yq_buf text;   /* normalized UTF-8 text */
	size_t own_len;       /* text[0..own_len) is the post's own new text;
			       * text[own_len..) is the repost chain (starting at
			       * its first "//@"), or empty */
	struct yq_spans urls; /* URL spans in text */
	struct yq_spans chain_names; /* the @names of the repost chain (spans in
				      * text, without '@' and ':') */
	uint32_t *map;        /* map[i]: code-point offset in the original of
			       * normalized byte i; map[text.len] = original
			       * length in code points */
	size_t map_cap;
	unsigned traditional; /* 1 if OpenCC conversion ran */
};

/* Zero-initialize a result, reuse it across calls, then release it. */
void yq_norm_result_release(struct yq_norm_result *r);

/* yq_normalizer_new: opens ICU's NFKC normalizer and OpenCC's t2s
 * converter and builds the lookup bitmaps of the fast paths (NFKC-stable
 * code points, traditional-only characters; about 0.1 s, 72 KiB), so make
 * one per thread and reuse it.  Errors: YQ_EIO with a message in err when a
 * library cannot be initialized, YQ_ENOMEM. */
int yq_normalizer_new(struct yq_normalizer **out, struct yq_buf *err);
void yq_normalizer_free(struct yq_normalizer *n);

/*
 * yq_normalize: normalizes in[0..len) (valid UTF-8; readers repair input
 * first) into r, overwriting its previous contents.  r->traditional is 1
 * exactly when OpenCC was called for this input.  Returns 0, YQ_ENOMEM,
 * or YQ_ETOOBIG for input over 1 MiB.  Steps and rules: docs/normalize.md.
 */
int yq_normalize(struct yq_normalizer *n, const char *in, size_t len,
		 struct yq_norm_result *r);

/*
 * yq_norm_url_len: the length in bytes of the URL that starts at s[i] in the
 * normalized text s[0..n), or 0 when none starts there.  A URL begins with
 * http:// or https:// (any case), www. or the Weibo short-link host t.cn/,
 * not preceded by a letter, digit, '.', '/' or '@'; it runs over printable
 * ASCII except "<>\^`{|} and stops before a "//@" repost marker; trailing
 * sentence punctuation (.,;:!?'")]) is not part of it.  This is the rule
 * behind r->urls, shared with the tokenizer.
 */
size_t yq_norm_url_len(const char *s, size_t n, size_t i);

#endif
