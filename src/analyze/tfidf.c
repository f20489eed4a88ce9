/*
 * tfidf.c — background IDF table and hashed stream document frequencies;
 * see tfidf.h for the formula and its sources.
 */
#include "analyze/tfidf.h"
#include "base/error.h"
#include "base/hash.h"
#include "base/hugemem.h"
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
	double median_pseudo_df; /* N0·e^(−median) */
	uint32_t *df;     /* 2^DF_BITS hashed counters */
	double ndocs;
};

/* The k-th smallest of v[0..n) (k < n), v reordered: Hoare's FIND
 * (quickselect, middle pivot), expected O(n); the value is the one a full
 * sort would put at v[k]. */
static float select_kth(float *v, size_t n, size_t k)
{
	size_t lo = 0, hi = n - 1;
	while (lo < hi) {
		float pivot = v[lo + (hi - lo) / 2];
		size_t i = lo, j = hi;
		while (i <= j) {
			while (v[i] < pivot)
				i++;
			while (v[j] > pivot)
				j--;
			if (i <= j) {
				float x = v[i];
				v[i] = v[j];
				v[j] = x;
				i++;
				if (j == 0)
					break;
				j--;
			}
		}
		if (k <= j)
			hi = j;
		else if (k >= i)
			lo = i;
		else
			break; /* v[j+1..i-1] all equal the pivot */
	}
	return v[k];
}

/* The idf column: "d.ddd" (every value of jieba's idf.txt) parsed exactly
 * by hand: with at most 15 digits the mantissa and the power of ten are
 * exact doubles, so one division rounds as strtod does; other forms go
 * to strtod.  *end as strtod sets it. */
static double parse_idf(const char *s, const char *lim, char **end)
{
	static const double p10[] = {1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7,
				     1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15};
	const char *q = s;
	uint64_t m = 0;
	int digits = 0, frac = 0, dot = 0;
	for (; q < lim; q++) {
		if (*q >= '0' && *q <= '9') {
			m = m * 10 + (uint64_t)(*q - '0');
			digits++;
			frac += dot;
		} else if (*q == '.' && !dot) {
			dot = 1;
		} else {
			break;
		}
	}
	if (digits == 0 || digits > 15 || (q < lim && *q != ' ' && *q != '\t' && *q != '\r'))
		return strtod(s, end);
	*end = (char *)q;
	return (double)m / p10[frac];
}

static int bg_put(struct yq_tfidf *t, uint64_t h, float idf)
{
	if ((t->nwords + 1) * 2 > t->mask + 1) {
		size_t nmask = t->mask ? t->mask * 2 + 1 : (1u << 16) - 1;
		struct bg_slot *ns = yq_huge_alloc((nmask + 1) * sizeof(*ns));
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
		yq_huge_free(t->bg, t->bg ? (t->mask + 1) * sizeof(*t->bg) : 0);
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
	t->df = yq_huge_alloc(((size_t)1 << DF_BITS) * sizeof(*t->df));
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
		double v = sp ? parse_idf(sp + 1, line.s + line.len, &end) : 0;
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
	t->median = select_kth(sorted, nsorted, nsorted / 2);
	t->median_pseudo_df = YQ_TFIDF_N0 * exp(-(double)(float)t->median);
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
	yq_huge_free(t->bg, t->bg ? (t->mask + 1) * sizeof(*t->bg) : 0);
	yq_huge_free(t->df, ((size_t)1 << DF_BITS) * sizeof(*t->df));
	free(t);
}

void yq_tfidf_prefetch(const struct yq_tfidf *t, uint64_t hash)
{
	__builtin_prefetch(&t->bg[hash & t->mask]);
	__builtin_prefetch(&t->df[hash >> (64 - DF_BITS)]);
}

void yq_tfidf_lookup(struct yq_tfidf *t, uint64_t hash, struct yq_tfidf_term *out)
{
	for (size_t i = hash & t->mask;; i = (i + 1) & t->mask) {
		if (t->bg[i].hash == hash) {
			out->bg = t->bg[i].idf;
			out->df = &t->bg[i].df;
			out->pseudo_df = YQ_TFIDF_N0 * exp(-(double)out->bg);
			return;
		}
		if (!t->bg[i].hash)
			break;
	}
	out->bg = (float)t->median;
	out->df = &t->df[hash >> (64 - DF_BITS)];
	out->pseudo_df = t->median_pseudo_df;
}

uint64_t yq_tfidf_hash(const char *w, size_t n)
{
	return yq_hash64(w, n, 0x7466696466ULL) | 1;
}

double yq_tfidf_idf(const struct yq_tfidf *t, const struct yq_tfidf_term *term)
{
	/* N0·e^(−b): the background's pseudo document frequency */
	return log((t->ndocs + YQ_TFIDF_N0) / (*term->df + term->pseudo_df + 1.0));
}

void yq_tfidf_observe(struct yq_tfidf *t, struct yq_tfidf_term *terms, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (*terms[i].df < UINT32_MAX)
			(*terms[i].df)++;
	t->ndocs += 1;
}
