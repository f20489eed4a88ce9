/*
 * structure.h — the parts of a Weibo post, read from its normalized text:
 * the post's own comment, its repost chain (who said what, newest first)
 * and the plain @mentions (field case dedup-06: "//@" starts a chain entry,
 * a bare "@" is a mention, and crawlers that confuse them mistake a repost
 * comment for the original text).
 *
 *   "求扩散//@B:已经堵了一小时//@C:高架多车追尾 @D 快看"
 *   own "求扩散"; chain [B: "已经堵了一小时", C: "高架多车追尾 @D 快看"]; mentions [D]
 *
 * A post whose own text is only Weibo's default repost words (转发微博) has
 * an empty own comment.
 */
#ifndef YQ_STRUCTURE_H
#define YQ_STRUCTURE_H

#include <stddef.h>

#include "text/normalize.h"

struct yq_chain_part {
	struct yq_span user;  /* the name after "//@" */
	struct yq_span text;  /* what that user wrote (up to the next "//@") */
};

struct yq_post_parts {
	struct yq_span own;          /* the post's own comment (empty for 转发微博) */
	struct yq_chain_part *chain; /* chain entries in text order */
	size_t nchain, chain_cap;
	struct yq_spans mentions;    /* plain @mentions: the names, without '@' */
};

/* Zero-initialize, reuse, then release. */
void yq_post_parts_release(struct yq_post_parts *p);

/*
 * yq_post_parts_read: fills p from a normalization result r (spans are byte
 * offsets into r->text).  Returns 0 or YQ_ENOMEM.
 */
int yq_post_parts_read(const struct yq_norm_result *r, struct yq_post_parts *p);

/* yq_plain_repost_words: 1 if s[0..n) (trimmed) is empty or only Weibo's
 * default repost words ("转发微博", "转发", "Repost", …). */
int yq_plain_repost_words(const char *s, size_t n);

#endif
