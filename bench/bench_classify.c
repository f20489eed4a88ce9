/*
 * bench_classify.c — in-process classification speed on one core:
 *   bench_classify MODEL TEXTS [REPS]
 * TEXTS has one text a line.  All lines are normalized first (not timed);
 * then every text is classified REPS times (default 3) with
 * yq_classifier_predict and no tokens, i.e. segmentation, feature
 * extraction and scoring, the work `classify` does per post besides
 * reading and normalizing.  Prints one machine-readable line:
 *   bench_classify texts=N reps=R cpu=S texts_per_s=X norm_texts_per_s=Y
 *       tok_texts_per_s=T feat_texts_per_s=F first_label_share=L
 * where norm_texts_per_s is the rate of normalization alone (for the
 * end-to-end figure: 1 / (1/X + 1/Y)), tok_texts_per_s that of
 * tokenization alone (yq_tokenize, REPS passes: the first one, which also
 * grows every text's token array, used to be the only one) and
 * feat_texts_per_s that of prediction given the tokens.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/buf.h"
#include "base/utf8.h"
#include "classify/model.h"
#include "text/normalize.h"
#include "text/tokenize.h"

static double cpu_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

int main(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr, "usage: bench_classify MODEL TEXTS [REPS]\n");
		return 2;
	}
	int reps = argc > 3 ? atoi(argv[3]) : 3;
	struct yq_buf err = YQ_BUF_INIT, all = YQ_BUF_INIT, raw = YQ_BUF_INIT;
	struct yq_classifier *c = NULL;
	struct yq_normalizer *nz = NULL;
	struct yq_norm_result nr = {0};
	if (yq_classifier_load(argv[1], &c, &err) || yq_normalizer_new(&nz, &err)) {
		fprintf(stderr, "bench_classify: %s\n", err.s);
		return 1;
	}
	FILE *f = fopen(argv[2], "r");
	if (!f) {
		perror(argv[2]);
		return 1;
	}
	size_t n = 0, cap = 0, *off = NULL, *len = NULL;
	char *line = NULL;
	size_t lcap = 0;
	ssize_t got;
	double norm_cpu = 0;
	while ((got = getline(&line, &lcap, f)) > 0) {
		if (line[got - 1] == '\n')
			got--;
		yq_buf_reset(&raw);
		if (yq_utf8_repair(line, (size_t)got, &raw, NULL))
			return 1;
		double t0 = cpu_now();
		if (yq_normalize(nz, raw.s, raw.len, &nr))
			return 1;
		norm_cpu += cpu_now() - t0;
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
	struct yq_clf_work w = {0};
	size_t first = 0;
	double t0 = cpu_now();
	for (int r = 0; r < reps; r++)
		for (size_t i = 0; i < n; i++) {
			const char *label;
			double p;
			if (yq_classifier_predict(c, &w, all.s + off[i], len[i], NULL, &label, &p))
				return 1;
			first += label == yq_classifier_label(c, 0);
		}
	double dt = cpu_now() - t0;
	/* the two halves: tokenization alone, then prediction given tokens */
	struct yq_segmenter *seg = NULL;
	struct yq_seg_work sw = {0};
	struct yq_tokens *tok = calloc(n, sizeof(*tok));
	if (!tok || yq_segmenter_new(NULL, &seg, &err)) {
		fprintf(stderr, "bench_classify: %s\n", err.len ? err.s : "out of memory");
		return 1;
	}
	double t1 = cpu_now(); /* REPS passes, as for the other rates */
	for (int r = 0; r < reps; r++)
		for (size_t i = 0; i < n; i++)
			if (yq_tokenize(seg, &sw, all.s + off[i], len[i], &tok[i]))
				return 1;
	double dtok = cpu_now() - t1;
	t1 = cpu_now();
	for (int r = 0; r < reps; r++)
		for (size_t i = 0; i < n; i++) {
			const char *label;
			double p;
			if (yq_classifier_predict(c, &w, all.s + off[i], len[i], &tok[i], &label, &p))
				return 1;
		}
	double dfeat = cpu_now() - t1;
	printf("bench_classify texts=%zu reps=%d cpu=%.3f texts_per_s=%.0f norm_texts_per_s=%.0f "
	       "tok_texts_per_s=%.0f feat_texts_per_s=%.0f first_label_share=%.3f\n", n, reps, dt,
	       (double)n * reps / dt, norm_cpu > 0 ? (double)n / norm_cpu : 0.0,
	       dtok > 0 ? (double)n * reps / dtok : 0.0, (double)n * reps / dfeat,
	       (double)first / ((double)n * reps));
	for (size_t i = 0; i < n; i++)
		yq_tokens_release(&tok[i]);
	free(tok);
	yq_seg_work_release(&sw);
	yq_segmenter_free(seg);
	yq_clf_work_release(&w);
	yq_classifier_free(c);
	yq_normalizer_free(nz);
	yq_norm_result_release(&nr);
	yq_buf_release(&err);
	yq_buf_release(&all);
	yq_buf_release(&raw);
	free(off);
	free(len);
	return 0;
}
