/*
 * stopwords.h — words that carry no event content, left out of the terms
 * that clustering and SimHash see (pipeline.c, build_terms).
 *
 * Two small lists written for this project (not copied from any stop-word
 * file): English function words, pronouns, auxiliaries and Twitter noise
 * (rt, via, amp, http), compared after ASCII case folding; and Chinese
 * function words and particles that jieba cuts as words of their own (的,
 * 了, 是, 我们, 这个 …).  Both are sorted byte-wise; a look-up is one probe of
 * a hashed table of the words built once (thread-safe), no allocation.
 */
#ifndef YQ_STOPWORDS_H
#define YQ_STOPWORDS_H

#include <stddef.h>

/* yq_stopword: 1 if s[0..len) (UTF-8; Latin words already lower-cased by
 * the caller) is a stop word, else 0.  Words longer than 16 bytes are never
 * stop words. */
int yq_stopword(const char *s, size_t len);

#endif
