/*
 * internal.h — what the files of messages/ share (not a public API): the
 * environment's fields and the sparse TF-IDF vectors of the relevance score
 * and the hot-issue clustering.
 */
#ifndef YQ_MESSAGES_INTERNAL_H
#define YQ_MESSAGES_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "messages/messages.h"
#include "classify/model.h"
#include "text/normalize.h"
#include "text/tokenize.h"

struct route {
	char *category, *department;
};

/* A sparse TF-IDF vector, sorted by term hash (analyze/tfidf.h's hash). */
struct tvec {
	uint64_t *h;
	double *w;
	size_t n, cap;
};

struct yq_msg_env {
	struct route *routes;
	size_t nroutes;
	int deadline_days;
	struct yq_classifier *clf;
	struct yq_clf_work cw;
	struct yq_normalizer *norm;
	struct yq_norm_result nr;
	struct yq_segmenter *own_seg;
	const struct yq_segmenter *seg;
	struct yq_seg_work sw;
	struct yq_tokens tok;
	struct yq_tfidf *idf;
	struct yq_buf tmp;
	struct tvec va, vb;
	char dept[YQ_MSG_FIELD_MAX + 1]; /* yq_msg_route_db's answer */
};

/* yq_msg_vectorize: the L2-normalized TF-IDF vector of s[0..n) into v:
 * tf = 1 + ln(count) × background idf over the content tokens of the
 * normalized text, stop words and single characters out.  On return
 * e->nr and e->tok hold the normalized text and its tokens.  0, YQ_ENOMEM,
 * YQ_ETOOBIG. */
int yq_msg_vectorize(struct yq_msg_env *e, const char *s, size_t n, struct tvec *v);
/* yq_msg_tvec_cos: dot product of two normalized vectors, clamped to [0,1]. */
double yq_msg_tvec_cos(const struct tvec *a, const struct tvec *b);
/* yq_msg_tvec_push: appends (h, w); the caller keeps the order.  0 or YQ_ENOMEM. */
int yq_msg_tvec_push(struct tvec *v, uint64_t h, double w);
void yq_msg_tvec_release(struct tvec *v);

#endif
