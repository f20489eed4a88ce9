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
 * where N is the number of stream documents seen and df(w) comes from a
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

/* yq_tfidf_background: the background idf of the term with that hash
 * (the table's median when the term is not in it). */
double yq_tfidf_background(const struct yq_tfidf *t, uint64_t hash);

/* yq_tfidf_idf: the blended idf of a term given its hash and background idf. */
double yq_tfidf_idf(const struct yq_tfidf *t, uint64_t hash, double bg);

/* yq_tfidf_observe: counts one stream document whose distinct term hashes
 * are h[0..n). */
void yq_tfidf_observe(struct yq_tfidf *t, const uint64_t *h, size_t n);

#endif
