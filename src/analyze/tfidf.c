/*
 * tfidf.c — background IDF table and hashed stream document frequencies;
 * see tfidf.h for the formula and its sources.
 */
#include "analyze/tfidf.h"
#include "base/error.h"
#include "base/hash.h"
#include "base/strmap.h"
#include "collect/lines.h"
#include "text/segment.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define DF_BITS 20

struct yq_tfidf {
	struct yq_strmap *words;
	float *idf;       /* per word id */
	size_t cap;
	double median;
	uint32_t *df;     /* 2^DF_BITS hashed counters */
	double ndocs;
};

static int cmp_float(const void *a, const void *b)
{
	float x = *(const float *)a, y = *(const float *)b;
	return (x > y) - (x < y);
}

int yq_tfidf_new(const char *path, struct yq_tfidf **out, struct yq_buf *err)
{
	int rc;
	struct yq_buf p = YQ_BUF_INIT, line = YQ_BUF_INIT;
	struct yq_lines *in = NULL;
	float *sorted = NULL;
	struct yq_tfidf *t = calloc(1, sizeof(*t));
	if (!t)
		return YQ_ENOMEM;
	t->df = calloc((size_t)1 << DF_BITS, sizeof(*t->df));
	if (!t->df || yq_strmap_new(2000000, &t->words)) {
		rc = YQ_ENOMEM;
		goto out;
	}
	if (!path) {
		if ((rc = yq_buf_printf(&p, "%s/analyse/idf.txt", yq_jieba_dir())))
			goto out;
		path = p.s;
	}
	if ((rc = yq_lines_open(path, &in))) {
		yq_buf_printf(err, "cannot open %s: %s", path, strerror(errno));
		goto out;
	}
	size_t ln;
	while ((rc = yq_lines_next(in, &line, &ln)) != YQ_EEOF) {
		if (rc)
			goto out;
		char *sp = memchr(line.s, ' ', line.len);
		if (!line.len)
			continue;
		char *end;
		double v = sp ? strtod(sp + 1, &end) : 0;
		if (!sp || end == sp + 1 || !(v >= 0 && v < 100)) {
			yq_buf_printf(err, "%s:%zu: expected 'word idf'", path, ln);
			rc = YQ_EFORMAT;
			goto out;
		}
		int added;
		int64_t id = yq_strmap_intern(t->words, line.s, (size_t)(sp - line.s), &added);
		if (id < 0) {
			rc = (int)id;
			goto out;
		}
		if ((size_t)id >= t->cap) {
			size_t cap = t->cap ? t->cap * 2 : 1 << 16;
			float *a = realloc(t->idf, cap * sizeof(*a));
			if (!a) {
				rc = YQ_ENOMEM;
				goto out;
			}
			t->idf = a;
			t->cap = cap;
		}
		t->idf[id] = (float)v;
	}
	size_t n = yq_strmap_count(t->words);
	if (!n) {
		yq_buf_printf(err, "%s: no entries", path);
		rc = YQ_EFORMAT;
		goto out;
	}
	sorted = malloc(n * sizeof(*sorted));
	if (!sorted) {
		rc = YQ_ENOMEM;
		goto out;
	}
	memcpy(sorted, t->idf, n * sizeof(*sorted));
	qsort(sorted, n, sizeof(*sorted), cmp_float);
	t->median = sorted[n / 2];
	rc = YQ_OK;
out:
	free(sorted);
	yq_lines_close(in);
	yq_buf_release(&p);
	yq_buf_release(&line);
	if (rc) {
		yq_tfidf_free(t);
		return rc;
	}
	*out = t;
	return YQ_OK;
}

void yq_tfidf_free(struct yq_tfidf *t)
{
	if (!t)
		return;
	yq_strmap_free(t->words);
	free(t->idf);
	free(t->df);
	free(t);
}

double yq_tfidf_background(const struct yq_tfidf *t, const char *w, size_t n)
{
	int64_t id = yq_strmap_find(t->words, w, n);
	return id < 0 ? t->median : t->idf[id];
}

uint64_t yq_tfidf_hash(const char *w, size_t n)
{
	return yq_hash64(w, n, 0x7466696466ULL);
}

double yq_tfidf_idf(const struct yq_tfidf *t, uint64_t hash, double bg)
{
	double df = t->df[hash >> (64 - DF_BITS)];
	return log((t->ndocs + YQ_TFIDF_N0) / (df + YQ_TFIDF_N0 * exp(-bg) + 1.0));
}

void yq_tfidf_observe(struct yq_tfidf *t, const uint64_t *h, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		uint32_t *c = &t->df[h[i] >> (64 - DF_BITS)];
		if (*c < UINT32_MAX)
			(*c)++;
	}
	t->ndocs += 1;
}
