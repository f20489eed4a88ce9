/*
 * bench_match.c — scheme matching throughput (bench/match.sh drives it).
 *
 *   bench_match SCHEMES.yaml POSTS.tsv [NAIVE_POSTS]
 *
 * POSTS.tsv has a header line and the text in column 4 (the layout of
 * weibo_covid/posts.tsv).  All posts are read into memory and normalized
 * once; then, timed in CPU seconds of this process
 * (CLOCK_PROCESS_CPUTIME_ID, so other load on a shared machine does not
 * count):
 *   match        yq_matcher_match over the pre-normalized texts (all words,
 *                all schemes' logic, the hit report)
 *   norm+match   yq_normalize + yq_matcher_match, what `yuqing match` does
 *                per post apart from reading and printing
 *   naive        for each of the first NAIVE_POSTS posts (default 2000),
 *                every occurrence of every distinct normalized word found by
 *                a strstr loop over the normalized text — the reference
 * Each line: name, posts, posts/s and MB/s (MB = 10^6 bytes of original
 * text).  A check line compares the word occurrences the naive loop found
 * with those yuqing's matcher finds on the same posts (exit 1 if they
 * differ).
 */
#include "base/error.h"
#include "collect/lines.h"
#include "match/matcher.h"
#include "match/scheme.h"
#include "text/normalize.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double cpu_now(void)
{
	struct timespec t;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
	return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void print_rate(const char *name, size_t posts, size_t bytes, double s)
{
	printf("%-11s %7zu posts %10.0f posts/s %8.2f MB/s\n", name, posts, (double)posts / s,
	       (double)bytes / 1e6 / s);
}

int main(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr, "usage: bench_match SCHEMES.yaml POSTS.tsv [NAIVE_POSTS]\n");
		return 2;
	}
	size_t naive_posts = argc > 3 ? (size_t)strtoul(argv[3], NULL, 10) : 2000;
	struct yq_buf err = YQ_BUF_INIT, line = YQ_BUF_INIT;
	struct yq_scheme_set *set = NULL;
	struct yq_normalizer *nz = NULL;
	struct yq_matcher *m = NULL, *ma = NULL;
	struct yq_match_scratch *s = NULL, *sa = NULL;
	struct yq_match_result res = {0};
	struct yq_norm_result tmp = {0};
	struct yq_lines *l = NULL;
	char **orig = NULL;
	struct yq_norm_result *norm = NULL;
	size_t n = 0, cap = 0, bytes = 0, lineno, nw = 0;
	char **words = NULL;
	int status = 1;
	if (yq_scheme_load(argv[1], &set, &err) || yq_normalizer_new(&nz, &err)) {
		fprintf(stderr, "%s\n", err.s);
		goto out;
	}
	double t0 = cpu_now();
	if (yq_matcher_new(set, nz, 0, &m, &err) || yq_match_scratch_new(m, &s)) {
		fprintf(stderr, "%s\n", err.s);
		goto out;
	}
	printf("compile     %zu schemes, %zu distinct words, %.2f s\n", set->n,
	       yq_matcher_words(m), cpu_now() - t0);
	if (yq_lines_open(argv[2], &l)) {
		fprintf(stderr, "cannot open %s\n", argv[2]);
		goto out;
	}
	while (yq_lines_next(l, &line, &lineno) == 0) {
		const char *t = line.s;
		if (lineno == 1)
			continue;
		for (int k = 0; k < 3 && t; k++)
			if ((t = strchr(t, '\t')))
				t++;
		if (!t)
			continue;
		if (n == cap) {
			size_t nc = cap ? 2 * cap : 4096;
			char **o2 = realloc(orig, nc * sizeof(*orig));
			if (o2)
				orig = o2;
			struct yq_norm_result *n2 = o2 ? realloc(norm, nc * sizeof(*norm)) : NULL;
			if (!n2)
				goto out;
			norm = n2;
			cap = nc;
		}
		memset(&norm[n], 0, sizeof(norm[n]));
		if (!(orig[n] = strdup(t)) || yq_normalize(nz, t, strlen(t), &norm[n]))
			goto out;
		bytes += strlen(t);
		n++;
	}
	printf("posts       %zu, %zu bytes of text\n", n, bytes);

	unsigned long long schemes_matched = 0;
	size_t naive_bytes = 0;
	t0 = cpu_now();
	for (size_t i = 0; i < n; i++) {
		if (yq_matcher_match(m, s, NULL, &norm[i], &res))
			goto out;
		schemes_matched += res.n;
	}
	print_rate("match", n, bytes, cpu_now() - t0);
	t0 = cpu_now();
	for (size_t i = 0; i < n; i++) {
		if (yq_normalize(nz, orig[i], strlen(orig[i]), &tmp) ||
		    yq_matcher_match(m, s, NULL, &tmp, &res))
			goto out;
	}
	print_rate("norm+match", n, bytes, cpu_now() - t0);

	/* naive: the distinct normalized words, a strstr loop */
	size_t total = 0;
	for (size_t i = 0; i < set->n; i++)
		for (int g = 0; g < YQ_NGROUPS; g++)
			total += set->v[i].g[g].n;
	if (!(words = calloc(total + 1, sizeof(*words))))
		goto out;
	for (size_t i = 0; i < set->n; i++)
		for (int g = 0; g < YQ_NGROUPS; g++)
			for (size_t w = 0; w < set->v[i].g[g].n; w++) {
				const char *x = set->v[i].g[g].words[w];
				if (yq_normalize(nz, x, strlen(x), &tmp) ||
				    !(words[nw++] = strdup(tmp.text.s)))
					goto out;
			}
	qsort(words, nw, sizeof(*words), cmp_str);
	size_t u = 0;
	for (size_t w = 0; w < nw; w++) {
		if (u && strcmp(words[u - 1], words[w]) == 0)
			free(words[w]);
		else
			words[u++] = words[w];
	}
	nw = u;
	if (naive_posts > n)
		naive_posts = n;
	unsigned long long occ_naive = 0;
	t0 = cpu_now();
	for (size_t i = 0; i < naive_posts; i++) {
		const char *text = norm[i].text.s;
		for (size_t w = 0; w < nw; w++)
			for (const char *p = text; (p = strstr(p, words[w])); p++)
				occ_naive++;
		naive_bytes += strlen(orig[i]);
	}
	print_rate("naive", naive_posts, naive_bytes, cpu_now() - t0);
	/* check: one scheme holding every word in its subject group reports each
	 * word present once with its number of occurrences; their sum must be
	 * the naive loop's count (the bench words are all CJK, so ASCII case
	 * and word boundaries play no part) */
	struct yq_scheme all = {0};
	struct yq_scheme_set allset = {&all, 1};
	unsigned long long occ_check = 0;
	all.id = all.name = (char *)"all";
	all.enabled = 1;
	all.g[YQ_GROUP_SUBJECT].words = words;
	all.g[YQ_GROUP_SUBJECT].n = nw;
	if (yq_matcher_new(&allset, nz, 0, &ma, &err) || yq_match_scratch_new(ma, &sa))
		goto out;
	for (size_t i = 0; i < naive_posts; i++) {
		if (yq_matcher_match(ma, sa, NULL, &norm[i], &res))
			goto out;
		for (size_t h = 0; h < res.nhits; h++)
			occ_check += res.hits[h].count;
	}
	printf("matched     %llu (post, scheme) pairs over %zu posts\n", schemes_matched, n);
	printf("check       word occurrences in the first %zu posts: yuqing %llu, naive %llu: %s\n",
	       naive_posts, occ_check, occ_naive, occ_check == occ_naive ? "equal" : "DIFFERENT");
	if (occ_check != occ_naive)
		goto out;
	status = 0;
out:
	for (size_t i = 0; i < n; i++) {
		free(orig[i]);
		yq_norm_result_release(&norm[i]);
	}
	free(orig);
	free(norm);
	yq_lines_close(l);
	yq_norm_result_release(&tmp);
	yq_match_result_release(&res);
	yq_match_scratch_free(s);
	yq_matcher_free(m);
	yq_match_scratch_free(sa);
	yq_matcher_free(ma);
	for (size_t w = 0; w < nw; w++)
		free(words[w]);
	free(words);
	yq_normalizer_free(nz);
	yq_scheme_set_free(set);
	yq_buf_release(&err);
	yq_buf_release(&line);
	return status;
}
