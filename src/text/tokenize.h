/*
 * tokenize.h — analysis tokens: what every later stage (SimHash, TF-IDF,
 * clustering, full-text index) reads.
 *
 * Input is normalized text (normalize.h).  Spans that must stay whole are
 * recognised first and never cut: URLs, @mentions, Weibo emoticon tags
 * ([泪]), #topics#, Latin words (with inner ' - . + # &), user words with
 * punctuation or Latin letters (SK-II), numbers with their units (3.5万,
 * 20%, 14天, 2020年) and Chinese-numeral amounts (一点七八万亿); the Chinese
 * in between is cut by the jieba segmenter (segment.h) with the HMM on, in
 * analysis mode (user and place words preferred).  Whitespace is dropped;
 * punctuation is kept as YQ_TOK_PUNCT so callers may skip it.
 *
 * A token is "content" when its kind is WORD, LATIN, NUMBER or TOPIC: posts
 * whose tokens include no content token (only emoticons, only a link) have
 * no content features and never merge in deduplication.
 */
#ifndef YQ_TOKENIZE_H
#define YQ_TOKENIZE_H

#include <stddef.h>
#include <stdint.h>

#include "text/segment.h"

enum yq_tok_kind {
	YQ_TOK_WORD = 0,  /* Chinese word from the segmenter */
	YQ_TOK_LATIN,     /* Latin-script word (case kept; features fold it) */
	YQ_TOK_NUMBER,    /* number, with its unit if one follows */
	YQ_TOK_URL,
	YQ_TOK_MENTION,   /* @name */
	YQ_TOK_EMOTICON,  /* [泪] */
	YQ_TOK_TOPIC,     /* #topic# (with the #s) */
	YQ_TOK_PUNCT,     /* punctuation and symbols, one code point each */
};

struct yq_token {
	uint32_t off;   /* byte offset into the tokenized text */
	uint32_t len;   /* bytes */
	uint8_t kind;   /* enum yq_tok_kind */
};

/* Zero-initialize, reuse across calls (no allocation once the arrays have
 * grown to the longest text seen), then release. */
struct yq_tokens {
	struct yq_token *v;
	size_t n;
	size_t cap;
	struct yq_spans seg; /* scratch: segmenter output for the current run */
};

/* Frees both arrays and zeroes t; t == NULL is a no-op. */
void yq_tokens_release(struct yq_tokens *t);

/* yq_tok_is_content: 1 for WORD, LATIN, NUMBER, TOPIC. */
static inline int yq_tok_is_content(unsigned kind)
{
	return kind == YQ_TOK_WORD || kind == YQ_TOK_LATIN ||
	       kind == YQ_TOK_NUMBER || kind == YQ_TOK_TOPIC;
}

/*
 * yq_tokenize: analysis tokens of text[0..len) (valid UTF-8, normally the
 * output of yq_normalize), appended to out after clearing it.  seg and w as
 * for yq_segment_cut.  Returns 0, YQ_ENOMEM or YQ_ETOOBIG (over 16 MiB).
 * The span rules and the list of number units: tokenize.c and
 * docs/normalize.md.
 */
int yq_tokenize(const struct yq_segmenter *seg, struct yq_seg_work *w,
		const char *text, size_t len, struct yq_tokens *out);

#endif
