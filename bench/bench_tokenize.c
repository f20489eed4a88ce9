/*
 * bench_tokenize.c — in-process speed of yq_tokenize (analysis tokens: span
 * rules + the segmenter in analysis mode) on one core:
 *   bench_tokenize TEXTS [REPS] [--gazetteer DIR]
 * TEXTS has one text a line; all lines are repaired and normalized first
 * (not timed), then every text is tokenized REPS times (default 5) with one
 * reused struct yq_tokens and work area, as the pipeline does.  Without
 * --gazetteer the segmenter has no place names (as bench_classify's);
 * with it, the pipeline's segmenter.  Prints one machine-readable line:
 *   bench_tokenize texts=N bytes=B reps=R cpu=S texts_per_s=X us_per_text=U
 *       mb_per_s=M tokens=T digest=D
 * where cpu is the least CPU time (user+sys of this process) of the REPS
 * passes, and digest is a 64-bit hash over every token (offset, length,
 * kind) of every text, so that two builds can be checked for identical
 * output on the same input.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/buf.h"
#include "base/hash.h"
#include "base/utf8.h"
#include "text/normalize.h"
#include "text/segment.h"
#include "text/tokenize.h"

static double cpu_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

int main(int argc, char **argv)
{
	const char *texts = NULL, *gaz = NULL;
	int reps = 5;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--gazetteer") == 0 && i + 1 < argc)
			gaz = argv[++i];
		else if (!texts)
			texts = argv[i];
		else
			reps = atoi(argv[i]);
	}
	if (!texts || reps < 1) {
		fprintf(stderr, "usage: bench_tokenize TEXTS [REPS] [--gazetteer DIR]\n");
		return 2;
	}
	struct yq_buf err = YQ_BUF_INIT, all = YQ_BUF_INIT, raw = YQ_BUF_INIT;
	struct yq_normalizer *nz = NULL;
	struct yq_norm_result nr = {0};
	struct yq_segmenter *seg = NULL;
	struct yq_seg_config cfg = {NULL, NULL, NULL, 0, gaz};
	if (yq_normalizer_new(&nz, &err) || yq_segmenter_new(&cfg, &seg, &err)) {
		fprintf(stderr, "bench_tokenize: %s\n", err.len ? err.s : "out of memory");
		return 1;
	}
	FILE *f = fopen(texts, "r");
	if (!f) {
		perror(texts);
		return 1;
	}
	size_t n = 0, cap = 0, *off = NULL, *len = NULL;
	char *line = NULL;
	size_t lcap = 0;
	ssize_t got;
	while ((got = getline(&line, &lcap, f)) > 0) {
		if (line[got - 1] == '\n')
			got--;
		yq_buf_reset(&raw);
		if (yq_utf8_repair(line, (size_t)got, &raw, NULL) ||
		    yq_normalize(nz, raw.s, raw.len, &nr))
			return 1;
		if (n == cap) {
			cap = cap ? 2 * cap : 4096;
			off = realloc(off, cap * sizeof(*off));
			len = realloc(len, cap * sizeof(*len));
			if (!off || !len)
				return 1;
		}
		off[n] = all.len;
		len[n] = nr.text.len;
		if (yq_buf_add(&all, nr.text.s, nr.text.len))
			return 1;
		n++;
	}
	fclose(f);
	free(line);
	struct yq_seg_work sw = {0};
	struct yq_tokens tok = {0};
	double best = 0;
	uint64_t digest = 0;
	size_t ntok = 0;
	for (int r = 0; r < reps; r++) {
		double t0 = cpu_now();
		for (size_t i = 0; i < n; i++)
			if (yq_tokenize(seg, &sw, all.s + off[i], len[i], &tok))
				return 1;
		double dt = cpu_now() - t0;
		if (r == 0 || dt < best)
			best = dt;
	}
	/* the digest, outside the timed passes */
	for (size_t i = 0; i < n; i++) {
		if (yq_tokenize(seg, &sw, all.s + off[i], len[i], &tok))
			return 1;
		for (size_t k = 0; k < tok.n; k++) {
			uint32_t v[3] = {tok.v[k].off, tok.v[k].len, tok.v[k].kind};
			digest = yq_hash64(v, sizeof(v), digest);
		}
		digest = yq_hash64("\n", 1, digest);
		ntok += tok.n;
	}
	printf("bench_tokenize texts=%zu bytes=%zu reps=%d cpu=%.4f texts_per_s=%.0f "
	       "us_per_text=%.3f mb_per_s=%.1f tokens=%zu digest=%016llx\n",
	       n, all.len, reps, best, best > 0 ? (double)n / best : 0.0,
	       n ? best * 1e6 / (double)n : 0.0, best > 0 ? (double)all.len / 1e6 / best : 0.0,
	       ntok, (unsigned long long)digest);
	yq_tokens_release(&tok);
	yq_seg_work_release(&sw);
	yq_segmenter_free(seg);
	yq_normalizer_free(nz);
	yq_norm_result_release(&nr);
	yq_buf_release(&err);
	yq_buf_release(&all);
	yq_buf_release(&raw);
	free(off);
	free(len);
	return 0;
}
