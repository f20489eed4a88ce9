/*
 * bench_store.c — insert throughput of the store, with and without the
 * full-text index.
 *
 * Usage: bench_store [POSTS_TSV_GZ [N [BATCH]]]
 *   POSTS_TSV_GZ  default $YQ_DATA/weibo_covid/posts.tsv.gz (id, date,
 *                 userid, text; a header line)
 *   N             posts to insert, default 100000
 *   BATCH         posts per transaction, default 2000
 *
 * The texts are read into memory first; then three timed passes run on one
 * core over the same texts, each into a fresh database in $TMPDIR (or /tmp):
 *   tokenize  yq_tokenize alone (the tokenizer's share of the FTS cost)
 *   nofts     yq_store_put_post with posts_fts replaced by a plain table
 *             (rowid, norm): the store without the index (the reference)
 *   fts       yq_store_put_post as shipped (posts + posts_fts)
 *   tokenize+fts_hinted  yq_tokenize then yq_store_put_post with those
 *             tokens as rec.norm_tokens, as the pipeline does; compare with
 *             tokenize + fts
 * $BENCH_SQL, if set, is run on the database of the fts pass before it
 * starts (tuning experiments: pragmas, FTS5 options).
 * Each prints one line "store.<pass> posts=N seconds=S cpu_seconds=C
 * posts_per_s=R posts_per_cpu_s=Q" (CPU = user + system time of the
 * process, the one-core figure on a machine shared with other jobs).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "base/buf.h"
#include "base/error.h"
#include "collect/lines.h"
#include "store/store.h"
#include "text/tokenize.h"

struct post {
	char *id;
	char *text;
};

struct clock {
	double wall, cpu;
};

/* Wall-clock and process CPU (user + system) seconds: on a shared machine
 * the CPU figure is the one-core throughput, the wall figure what a user
 * would have waited. */
static struct clock now(void)
{
	struct timespec w, c;
	clock_gettime(CLOCK_MONOTONIC, &w);
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &c);
	return (struct clock){w.tv_sec + w.tv_nsec / 1e9, c.tv_sec + c.tv_nsec / 1e9};
}

static int load(const char *path, size_t want, struct post **out, size_t *n_out)
{
	struct yq_lines *l = NULL;
	struct yq_buf line = YQ_BUF_INIT;
	struct post *v = calloc(want, sizeof *v);
	size_t n = 0, lineno;
	int rc, ret = YQ_ENOMEM;

	if (!v)
		goto out;
	ret = yq_lines_open(path, &l);
	if (ret < 0) {
		fprintf(stderr, "bench_store: cannot open %s\n", path);
		goto out;
	}
	while (n < want && (rc = yq_lines_next(l, &line, &lineno)) != YQ_EEOF) {
		char *tab1, *tab3;
		if (rc < 0 || lineno == 1)
			continue;
		tab1 = strchr(line.s, '\t');
		tab3 = tab1 ? strchr(tab1 + 1, '\t') : NULL;
		tab3 = tab3 ? strchr(tab3 + 1, '\t') : NULL;
		if (!tab3)
			continue;
		v[n].id = strndup(line.s, (size_t)(tab1 - line.s));
		v[n].text = strdup(tab3 + 1);
		if (!v[n].id || !v[n].text) {
			ret = YQ_ENOMEM;
			goto out;
		}
		n++;
	}
	ret = YQ_OK;
out:
	yq_lines_close(l);
	yq_buf_release(&line);
	*out = v;
	*n_out = n;
	return ret;
}

static void report(const char *pass, size_t n, struct clock t0)
{
	struct clock t1 = now();
	double wall = t1.wall - t0.wall, cpu = t1.cpu - t0.cpu;
	printf("store.%s posts=%zu seconds=%.3f cpu_seconds=%.3f posts_per_s=%.0f"
	       " posts_per_cpu_s=%.0f\n", pass, n, wall, cpu, n / wall, n / cpu);
	fflush(stdout);
}

static int pass_tokenize(const struct yq_segmenter *seg, const struct post *v, size_t n)
{
	struct yq_seg_work w = {0};
	struct yq_tokens toks = {0};
	struct clock t0 = now();
	int ret = YQ_OK;

	for (size_t i = 0; i < n && ret == YQ_OK; i++) {
		ret = yq_tokenize(seg, &w, v[i].text, strlen(v[i].text), &toks);
	}
	if (ret == YQ_OK)
		report("tokenize", n, t0);
	yq_tokens_release(&toks);
	yq_seg_work_release(&w);
	return ret;
}

/* fts: 0 posts_fts a plain table, 1 as shipped, 2 as shipped with each
 * post tokenized first (in the timing) and its tokens passed as the hint,
 * which is what the pipeline does. */
static int pass_store(const struct yq_segmenter *seg, const struct post *v, size_t n,
		      size_t batch, int fts, const char *dir)
{
	static const char *const pass_name[] = {"nofts", "fts", "tokenize+fts_hinted"};
	struct yq_seg_work w = {0};
	struct yq_tokens toks = {0};
	char path[1024];
	struct yq_buf err = YQ_BUF_INIT;
	struct yq_store *st = NULL;
	const char *tuning = getenv("BENCH_SQL");
	struct clock t0;
	int ret;

	snprintf(path, sizeof path, "%s/bench_store_%d_%ld.db", dir, fts, (long)getpid());
	ret = yq_store_open(path, seg, &st, &err);
	if (ret < 0) {
		fprintf(stderr, "bench_store: %s\n", err.s);
		goto out;
	}
	/* The reference: posts_fts replaced by a plain table (rowid, norm). */
	if (!fts && sqlite3_exec(yq_store_db(st), "DROP TABLE posts_fts; CREATE TABLE"
				 " posts_fts(rowid INTEGER PRIMARY KEY, norm TEXT)",
				 NULL, NULL, NULL) != SQLITE_OK) {
		ret = YQ_EDB;
		goto out;
	}
	if (fts && tuning && sqlite3_exec(yq_store_db(st), tuning, NULL, NULL, NULL) != SQLITE_OK) {
		fprintf(stderr, "bench_store: BENCH_SQL: %s\n", yq_store_errmsg(st));
		ret = YQ_EDB;
		goto out;
	}
	t0 = now();
	for (size_t i = 0; i < n && ret >= 0; i++) {
		struct yq_post_rec r = {0};
		r.source = "weibo_covid";
		r.id = v[i].id;
		r.text = v[i].text;
		r.norm = v[i].text;
		r.reposts = r.comments = r.likes = -1;
		if (fts == 2) {
			ret = yq_tokenize(seg, &w, v[i].text, strlen(v[i].text), &toks);
			if (ret < 0)
				break;
			r.norm_tokens = &toks;
		}
		if (i % batch == 0 && (ret = yq_store_begin(st)) < 0)
			break;
		ret = yq_store_put_post(st, &r);
		if (ret >= 0 && (i % batch == batch - 1 || i == n - 1))
			ret = yq_store_commit(st);
	}
	if (ret == YQ_EDB) {
		fprintf(stderr, "bench_store: %s\n", yq_store_errmsg(st));
		goto out;
	}
	if (ret < 0) {
		fprintf(stderr, "bench_store: %s\n", yq_strerror(ret));
		goto out;
	}
	report(pass_name[fts], n, t0);
	ret = YQ_OK;
out:
	yq_store_close(st);
	yq_buf_release(&err);
	yq_tokens_release(&toks);
	yq_seg_work_release(&w);
	for (int i = 0; i < 3; i++) {
		static const char *const suffix[] = {"", "-wal", "-shm"};
		char p[1100];
		snprintf(p, sizeof p, "%s%s", path, suffix[i]);
		unlink(p);
	}
	return ret;
}

int main(int argc, char **argv)
{
	char def[1024];
	const char *data = getenv("YQ_DATA"), *dir = getenv("TMPDIR");
	const char *path = argc > 1 ? argv[1] : def;
	size_t want = argc > 2 ? strtoul(argv[2], NULL, 10) : 100000;
	size_t batch = argc > 3 ? strtoul(argv[3], NULL, 10) : 2000;
	struct yq_segmenter *seg = NULL;
	struct yq_buf err = YQ_BUF_INIT;
	struct post *v = NULL;
	size_t n = 0;
	int ret;

	snprintf(def, sizeof def, "%s/weibo_covid/posts.tsv.gz", data ? data : "../shared/data");
	if (!dir)
		dir = "/tmp";
	if (want == 0 || want > 10000000 || batch == 0) {
		fprintf(stderr, "usage: bench_store [POSTS_TSV_GZ [N (1..10^7) [BATCH]]]\n");
		return 2;
	}
	ret = yq_segmenter_new(NULL, &seg, &err);
	if (ret < 0) {
		fprintf(stderr, "bench_store: segmenter: %s\n", err.s);
		goto out;
	}
	ret = load(path, want, &v, &n);
	if (ret < 0 || n == 0)
		goto out;
	ret = pass_tokenize(seg, v, n);
	if (ret == YQ_OK)
		ret = pass_store(seg, v, n, batch, 0, dir);
	if (ret == YQ_OK)
		ret = pass_store(seg, v, n, batch, 1, dir);
	if (ret == YQ_OK)
		ret = pass_store(seg, v, n, batch, 2, dir);
out:
	for (size_t i = 0; v && i < n; i++) {
		free(v[i].id);
		free(v[i].text);
	}
	free(v);
	yq_segmenter_free(seg);
	yq_buf_release(&err);
	return ret < 0 || n == 0 ? 1 : 0;
}
