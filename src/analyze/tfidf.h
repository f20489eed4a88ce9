/*
 * tfidf.h — TF-IDF term weights for streams: a background IDF table blended
 * with document frequencies counted on the stream itself.
 *
 * Background: jieba's analyse/idf.txt ("word idf" a line; Debian's
 * python3-jieba, MIT), read from yq_jieba_dir().  Words it lacks get its
 * median IDF, as jieba's TF-IDF keyword extractor does.
 *
 * Stream: a word that is rare on the web but everywhere in today's stream
 * (疫情 in the COVID stream) must lose weight, as incremental IDF does in TDT
 * (Yang, Pierce and Carbonell, SIGIR 1998).  The background counts as N0
 * pseudo-documents in which a word with background idf b occurs in
 * N0·e^(−b) of them:
 *     idf(w) = ln( (N + N0) / (df(w) + N0·e^(−b(w)) + 1) )
 * where N is the number of stream documents seen and df(w) is counted next
 * to the word's background entry, or, for words the background lacks, in a
 * fixed table of 2^20 hashed counters (fixed memory; a collision can only
 * over-count, i.e. under-weight).
 *
 * Threads: one struct yq_tfidf per thread (the counters are not atomic).
 */
#ifndef YQ_TFIDF_H
#define YQ_TFIDF_H

#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"

struct yq_tfidf;

#define YQ_TFIDF_N0 10000.0

/* yq_tfidf_new: loads path (NULL: <jieba dir>/analyse/idf.txt).  Errors:
 * YQ_EIO, YQ_EFORMAT (err says where), YQ_ENOMEM. */
int yq_tfidf_new(const char *path, struct yq_tfidf **out, struct yq_buf *err);
void yq_tfidf_free(struct yq_tfidf *t);

/* yq_tfidf_hash: the hash that identifies a term (its UTF-8 bytes) in
 * both tables: yq_hash64 under a fixed seed, forced odd (never 0). */
uint64_t yq_tfidf_hash(const char *w, size_t n);

/* A term's statistics: its background idf and its stream counter (the
 * background word's own counter, or a hashed one for other words). */
struct yq_tfidf_term {
	float bg;
	uint32_t *df;
	double pseudo_df; /* N0·e^(−bg), computed once by the look-up */
};

/* yq_tfidf_prefetch: starts loading the table cells of the term with that
 * hash into the cache; a caller looking up many terms prefetches them all
 * first so that their cache misses overlap.  No effect on results. */
void yq_tfidf_prefetch(const struct yq_tfidf *t, uint64_t hash);

/* yq_tfidf_lookup: the statistics of the term with that hash (background
 * idf: the table's median for a word it lacks).  One table probe. */
void yq_tfidf_lookup(struct yq_tfidf *t, uint64_t hash, struct yq_tfidf_term *out);

/* yq_tfidf_idf: the blended idf of a looked-up term (formula above). */
double yq_tfidf_idf(const struct yq_tfidf *t, const struct yq_tfidf_term *term);

/* yq_tfidf_observe: counts one stream document whose distinct terms are
 * terms[0..n) (from yq_tfidf_lookup). */
void yq_tfidf_observe(struct yq_tfidf *t, struct yq_tfidf_term *terms, size_t n);

#endif
