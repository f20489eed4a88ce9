/*
 * tfidf.c — background IDF table and hashed stream document frequencies;
 * see tfidf.h for the formula and its sources.
 */
#include "analyze/tfidf.h"
#include "base/error.h"
#include "base/hash.h"
#include "collect/lines.h"
#include "text/segment.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define DF_BITS 20

/* The background table is keyed by the 64-bit term hash alone (the same
 * hash the caller computes for the stream counters): with 2^18 words the
 * chance of any collision is about 2^-28, and a lookup costs one probe
 * without a string comparison. */
struct bg_slot {
	uint64_t hash; /* 0 = empty (term hashes are forced odd) */
	float idf;
	uint32_t df;   /* stream document frequency of this background word */
};

struct yq_tfidf {
	struct bg_slot *bg;
	size_t mask;
	size_t nwords;
	double median;
	uint32_t *df;     /* 2^DF_BITS hashed counters */
	double ndocs;
};

static int cmp_float(const void *a, const void *b)
{
	float x = *(const float *)a, y = *(const float *)b;
	return (x > y) - (x < y);
}

static int bg_put(struct yq_tfidf *t, uint64_t h, float idf)
{
	if ((t->nwords + 1) * 2 > t->mask + 1) {
		size_t nmask = t->mask ? t->mask * 2 + 1 : (1u << 16) - 1;
		struct bg_slot *ns = calloc(nmask + 1, sizeof(*ns));
		if (!ns)
			return YQ_ENOMEM;
		for (size_t i = 0; t->bg && i <= t->mask; i++) {
			if (!t->bg[i].hash)
				continue;
			size_t j = t->bg[i].hash & nmask;
			while (ns[j].hash)
				j = (j + 1) & nmask;
			ns[j] = t->bg[i];
		}
		free(t->bg);
		t->bg = ns;
		t->mask = nmask;
	}
	size_t i = h & t->mask;
	while (t->bg[i].hash && t->bg[i].hash != h)
		i = (i + 1) & t->mask;
	if (!t->bg[i].hash)
		t->nwords++;
	t->bg[i] = (struct bg_slot){h, idf, 0};
	return YQ_OK;
}

int yq_tfidf_new(const char *path, struct yq_tfidf **out, struct yq_buf *err)
{
	int rc;
	struct yq_buf p = YQ_BUF_INIT, line = YQ_BUF_INIT;
	struct yq_lines *in = NULL;
	float *sorted = NULL;
	size_t nsorted = 0, capsorted = 0;
	struct yq_tfidf *t = calloc(1, sizeof(*t));
	if (!t)
		return YQ_ENOMEM;
	t->df = calloc((size_t)1 << DF_BITS, sizeof(*t->df));
	if (!t->df) {
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
		if (!line.len)
			continue;
		char *sp = memchr(line.s, ' ', line.len);
		char *end;
		double v = sp ? strtod(sp + 1, &end) : 0;
		if (!sp || sp == line.s || end == sp + 1 || !(v >= 0 && v < 100)) {
			yq_buf_printf(err, "%s:%zu: expected 'word idf'", path, ln);
			rc = YQ_EFORMAT;
			goto out;
		}
		if (nsorted == capsorted) {
			capsorted = capsorted ? capsorted * 2 : 1 << 16;
			float *a = realloc(sorted, capsorted * sizeof(*a));
			if (!a) {
				rc = YQ_ENOMEM;
				goto out;
			}
			sorted = a;
		}
		sorted[nsorted++] = (float)v;
		if ((rc = bg_put(t, yq_tfidf_hash(line.s, (size_t)(sp - line.s)), (float)v)))
			goto out;
	}
	if (!nsorted) {
		yq_buf_printf(err, "%s: no entries", path);
		rc = YQ_EFORMAT;
		goto out;
	}
	qsort(sorted, nsorted, sizeof(*sorted), cmp_float);
	t->median = sorted[nsorted / 2];
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
	free(t->bg);
	free(t->df);
	free(t);
}

void yq_tfidf_lookup(struct yq_tfidf *t, uint64_t hash, struct yq_tfidf_term *out)
{
	for (size_t i = hash & t->mask;; i = (i + 1) & t->mask) {
		if (t->bg[i].hash == hash) {
			out->bg = t->bg[i].idf;
			out->df = &t->bg[i].df;
			return;
		}
		if (!t->bg[i].hash)
			break;
	}
	out->bg = (float)t->median;
	out->df = &t->df[hash >> (64 - DF_BITS)];
}

uint64_t yq_tfidf_hash(const char *w, size_t n)
{
	return yq_hash64(w, n, 0x7466696466ULL) | 1;
}

double yq_tfidf_idf(const struct yq_tfidf *t, const struct yq_tfidf_term *term)
{
	/* N0·e^(−b): the background's pseudo document frequency */
	return log((t->ndocs + YQ_TFIDF_N0) /
		   (*term->df + YQ_TFIDF_N0 * exp(-(double)term->bg) + 1.0));
}

void yq_tfidf_observe(struct yq_tfidf *t, struct yq_tfidf_term *terms, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (*terms[i].df < UINT32_MAX)
			(*terms[i].df)++;
	t->ndocs += 1;
}
