/*
 * cmd_stream.c — the pipeline's stages exposed without a database:
 *   `yuqing dedup`    posts → {"id","simhash","dup_of"} a line
 *   `yuqing cluster`  time-ordered posts → {"id","event"} a line, and with
 *                     --out-events F the events as JSON lines when they close
 * Both run the same pipeline as replay (so results agree with it), with
 * no store.
 */
#include "base/error.h"
#include "cli/cli.h"
#include "cli/input.h"
#include "pipeline/pipeline.h"
#include "text/segment.h"

#include <stdlib.h>
#include <string.h>

enum mode { DEDUP, CLUSTER };

struct ctx {
	enum mode mode;
	const char *cmd;
	struct yq_pipeline *p;
	struct yq_buf out, err;
	/* cluster: the posts' ids (NUL-separated) and events, printed at the
	 * end, when story linking has settled which event each belongs to */
	struct yq_buf ids;
	int64_t *events;
	size_t n, cap;
};

/* Posts held by `yuqing cluster` until the end (about 40 bytes each). */
#define CLUSTER_MAX_POSTS (64u << 20)

static int each_post(const struct yq_post *post, void *arg)
{
	struct ctx *c = arg;
	struct yq_post_result res;
	int rc = yq_pipeline_process(c->p, post, &res, &c->err);
	if (rc) {
		yq_cli_err(c->cmd, "%s", c->err.len ? c->err.s : yq_strerror(rc));
		return rc;
	}
	if (c->mode == CLUSTER) {
		if (c->n == c->cap) {
			size_t nc = c->cap ? c->cap * 2 : 4096;
			int64_t *v = nc <= CLUSTER_MAX_POSTS ? realloc(c->events, nc * sizeof(*v)) : NULL;
			if (!v) {
				yq_cli_err(c->cmd, "out of memory holding %zu posts", c->n);
				return YQ_ENOMEM;
			}
			c->events = v;
			c->cap = nc;
		}
		c->events[c->n++] = res.event;
		return yq_buf_add(&c->ids, post->id, strlen(post->id) + 1);
	}
	struct yq_buf *b = &c->out;
	yq_buf_reset(b);
	rc = yq_buf_adds(b, "{\"id\":");
	if (!rc)
		rc = yq_buf_add_json_str(b, post->id, strlen(post->id));
	if (c->mode == DEDUP) {
		if (!rc)
			rc = yq_buf_printf(b, ",\"simhash\":\"%016llx\",\"dup_of\":",
					   (unsigned long long)res.simhash);
		if (!rc)
			rc = res.dup_of ? yq_buf_add_json_str(b, res.dup_of, strlen(res.dup_of))
					: yq_buf_adds(b, "null");
	}
	if (!rc)
		rc = yq_buf_adds(b, "}\n");
	if (rc)
		return rc;
	if (fwrite(b->s, 1, b->len, stdout) != b->len)
		return YQ_EIO;
	return YQ_OK;
}

/* print_clusters: {"id","event"} a line, each event resolved through story
 * linking. */
static int print_clusters(struct ctx *c)
{
	const char *id = c->ids.s;
	for (size_t i = 0; i < c->n; i++) {
		struct yq_buf *b = &c->out;
		int64_t ev = yq_pipeline_event(c->p, c->events[i]);
		size_t len = strlen(id);
		yq_buf_reset(b);
		int rc = yq_buf_adds(b, "{\"id\":");
		if (!rc)
			rc = yq_buf_add_json_str(b, id, len);
		if (!rc)
			rc = ev ? yq_buf_printf(b, ",\"event\":%lld}\n", (long long)ev)
				: yq_buf_adds(b, ",\"event\":null}\n");
		if (rc)
			return rc;
		if (fwrite(b->s, 1, b->len, stdout) != b->len)
			return YQ_EIO;
		id += len + 1;
	}
	return YQ_OK;
}

static int run(enum mode mode, int argc, char **argv)
{
	const char *cmd = mode == DEDUP ? "dedup" : "cluster";
	const char *usage = mode == DEDUP
		? "[--format F] [--map a=b,…] [--tz TZ] [--source S] [--strict] [FILE…]"
		: "[--out-events F] [--bucket DUR] [--close-after DUR] [--threshold X]\n"
		  "       [--format F] [--map a=b,…] [--tz TZ] [--source S] [--strict] [FILE…]";
	struct yq_input in;
	struct yq_pipeline_config cfg;
	struct ctx c = {mode, cmd, NULL, YQ_BUF_INIT, YQ_BUF_INIT, YQ_BUF_INIT, NULL, 0, 0};
	struct yq_segmenter *seg = NULL;
	FILE *ef = NULL;
	const char *events = NULL;
	int status = YQ_EXIT_RUNTIME;
	char **files = calloc((size_t)argc, sizeof(char *));
	int nfiles = 0;
	if (!files)
		return YQ_EXIT_RUNTIME;
	yq_input_init(&in, cmd);
	yq_pipeline_config_default(&cfg);
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		int k = yq_input_option(&in, argc, argv, &i);
		if (!k && mode == CLUSTER)
			k = yq_pipeline_option(&cfg, cmd, argc, argv, &i);
		if (k < 0) {
			status = YQ_EXIT_USAGE;
			goto out;
		}
		if (k)
			continue;
		if (mode == CLUSTER && strcmp(a, "--out-events") == 0 && i + 1 < argc)
			events = argv[++i];
		else if (a[0] == '-' && a[1]) {
			yq_cli_err(cmd, "unknown option %s", a);
			status = yq_cli_usage(cmd, usage);
			goto out;
		} else
			files[nfiles++] = argv[i];
	}
	if (yq_input_open_tz(&in)) {
		status = YQ_EXIT_USAGE;
		goto out;
	}
	cfg.tz = in.tz;
	if (events && !(ef = fopen(events, "w"))) {
		yq_cli_err(cmd, "cannot write %s", events);
		goto out;
	}
	cfg.events_out = ef;
	if (yq_cli_segmenter(cmd, &seg))
		goto out;
	if (yq_pipeline_new(&cfg, seg, NULL, &c.p, &c.err)) {
		yq_cli_err(cmd, "%s", c.err.s);
		goto out;
	}
	int rc = yq_input_run(&in, files, nfiles, each_post, &c);
	yq_buf_reset(&c.err);
	int rc2 = yq_pipeline_finish(c.p, &c.err);
	if (rc2)
		yq_cli_err(cmd, "%s", c.err.len ? c.err.s : yq_strerror(rc2));
	if (!rc && !rc2 && mode == CLUSTER && (rc = print_clusters(&c)))
		yq_cli_err(cmd, "writing the output: %s", yq_strerror(rc));
	if (in.bad)
		yq_cli_err(cmd, "%llu bad records skipped", (unsigned long long)in.bad);
	if (!rc && !rc2 && fflush(stdout) == 0)
		status = YQ_EXIT_OK;
out:
	yq_pipeline_free(c.p);
	yq_segmenter_free(seg);
	if (ef && fclose(ef) != 0) {
		yq_cli_err(cmd, "writing %s failed", events);
		status = YQ_EXIT_RUNTIME;
	}
	yq_input_release(&in);
	yq_buf_release(&c.out);
	yq_buf_release(&c.err);
	yq_buf_release(&c.ids);
	free(c.events);
	free(files);
	return status;
}

int yq_cmd_dedup(int argc, char **argv)
{
	return run(DEDUP, argc, argv);
}

int yq_cmd_cluster(int argc, char **argv)
{
	return run(CLUSTER, argc, argv);
}
