/*
 * test_tfidf.c — analyze/tfidf: the background table read from jieba's
 * idf.txt (the file of the installed python3-jieba, read at test time)
 * holds, for every word, exactly the float of what strtod reads (the
 * loader parses the column by hand), the last value for a word listed
 * twice; a word it lacks gets the median, the value a full sort puts in
 * the middle (the loader selects it without sorting); and the blended idf
 * follows the formula of tfidf.h.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <math.h>
#include <unistd.h>

#include <cmocka.h>

#include "analyze/tfidf.h"
#include "base/error.h"
#include "base/buf.h"
#include "text/segment.h"

struct row {
	uint64_t h;
	size_t line;
	float v;
};

static int by_hash_then_line(const void *a, const void *b)
{
	const struct row *x = a, *y = b;
	if (x->h != y->h)
		return x->h < y->h ? -1 : 1;
	return x->line < y->line ? -1 : x->line > y->line;
}

static int cmp_float(const void *a, const void *b)
{
	float x = *(const float *)a, y = *(const float *)b;
	return (x > y) - (x < y);
}

static void test_table(void **state)
{
	(void)state;
	struct yq_buf err = YQ_BUF_INIT, path = YQ_BUF_INIT;
	struct yq_tfidf *t = NULL;
	assert_int_equal(yq_tfidf_new(NULL, &t, &err), 0);
	assert_int_equal(yq_buf_printf(&path, "%s/analyse/idf.txt", yq_jieba_dir()), 0);
	FILE *f = fopen(path.s, "r");
	assert_non_null(f);
	size_t n = 0, cap = 1 << 19;
	struct row *rows = malloc(cap * sizeof(*rows));
	float *vals = malloc(cap * sizeof(*vals));
	assert_non_null(rows);
	assert_non_null(vals);
	char line[512];
	while (fgets(line, sizeof line, f)) {
		char *sp = strchr(line, ' ');
		if (!sp)
			continue;
		assert_true(n < cap);
		float v = (float)strtod(sp + 1, NULL);
		rows[n] = (struct row){yq_tfidf_hash(line, (size_t)(sp - line)), n, v};
		vals[n++] = v;
	}
	fclose(f);
	assert_true(n > 200000);
	/* the last line of each word is its value */
	qsort(rows, n, sizeof(*rows), by_hash_then_line);
	size_t checked = 0;
	for (size_t i = 0; i < n; i++) {
		if (i + 1 < n && rows[i + 1].h == rows[i].h)
			continue;
		struct yq_tfidf_term st;
		yq_tfidf_lookup(t, rows[i].h, &st);
		if (st.bg != rows[i].v)
			fail_msg("line %zu: idf %.9g, strtod gives %.9g", rows[i].line + 1,
				 (double)st.bg, (double)rows[i].v);
		assert_true(st.pseudo_df == YQ_TFIDF_N0 * exp(-(double)st.bg));
		checked++;
	}
	assert_true(checked > 200000);
	/* a word that is not in the table: the median */
	qsort(vals, n, sizeof(*vals), cmp_float);
	struct yq_tfidf_term st;
	yq_tfidf_lookup(t, yq_tfidf_hash("不在词表里的词xyz", strlen("不在词表里的词xyz")), &st);
	assert_true(st.bg == vals[n / 2]);
	assert_true(st.pseudo_df == YQ_TFIDF_N0 * exp(-(double)st.bg));
	/* the blended idf, before and after one document */
	double idf0 = yq_tfidf_idf(t, &st);
	assert_true(fabs(idf0 - log(YQ_TFIDF_N0 / (YQ_TFIDF_N0 * exp(-(double)st.bg) + 1.0))) <
		    1e-12);
	yq_tfidf_observe(t, &st, 1);
	double idf1 = yq_tfidf_idf(t, &st);
	assert_true(fabs(idf1 - log((1 + YQ_TFIDF_N0) /
				    (1 + YQ_TFIDF_N0 * exp(-(double)st.bg) + 1.0))) < 1e-12);
	free(rows);
	free(vals);
	yq_tfidf_free(t);
	yq_buf_release(&err);
	yq_buf_release(&path);
}

static void test_bad_files(void **state)
{
	(void)state;
	char dir[] = "/tmp/yq_tfidf_XXXXXX";
	assert_non_null(mkdtemp(dir));
	char p[64];
	snprintf(p, sizeof p, "%s/idf.txt", dir);
	const char *bad[] = {"word\n", "word x\n", " 1.5\n", "word -1\n", "word 100\n"};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		FILE *f = fopen(p, "w");
		assert_non_null(f);
		fputs(bad[i], f);
		fclose(f);
		struct yq_buf err = YQ_BUF_INIT;
		struct yq_tfidf *t = NULL;
		assert_int_equal(yq_tfidf_new(p, &t, &err), YQ_EFORMAT);
		assert_null(t);
		yq_buf_release(&err);
	}
	/* forms the hand parser leaves to strtod, and its own */
	FILE *f = fopen(p, "w");
	assert_non_null(f);
	fputs("a 1.5e1\nb .25\nc 7.\nd 1.2345678901234567890\ne 3.25\n", f);
	fclose(f);
	struct yq_buf err = YQ_BUF_INIT;
	struct yq_tfidf *t = NULL;
	assert_int_equal(yq_tfidf_new(p, &t, &err), 0);
	const char *w[] = {"a", "b", "c", "d", "e"};
	const float v[] = {15.0f, 0.25f, 7.0f, (float)strtod("1.2345678901234567890", NULL), 3.25f};
	for (size_t i = 0; i < 5; i++) {
		struct yq_tfidf_term st;
		yq_tfidf_lookup(t, yq_tfidf_hash(w[i], 1), &st);
		assert_true(st.bg == v[i]);
	}
	yq_tfidf_free(t);
	yq_buf_release(&err);
	remove(p);
	rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table),
		cmocka_unit_test(test_bad_files),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
