/*
 * cmd_match.c — `yuqing match --schemes FILE [post options] [FILE…]`:
 * posts → one JSON line each,
 *   {"id":…,"schemes":[{"id":…,"hits":[{"word","field","start","end",
 *                                        "group","count"}]}]}
 * with the schemes the post matches in scheme-file order (an empty list when
 * none).  Offsets are code points of the original title or text, end
 * exclusive; each word is reported once per field, at its first occurrence,
 * with its number of occurrences in "count" (match/matcher.h).  Only enabled
 * schemes are matched.
 */
#include "base/error.h"
#include "cli/cli.h"
#include "cli/input.h"
#include "match/matcher.h"
#include "match/scheme.h"
#include "text/normalize.h"

#include <stdlib.h>
#include <string.h>

#define CMD "match"

struct ctx {
	struct yq_normalizer *nz;
	struct yq_matcher *m;
	struct yq_match_scratch *s;
	struct yq_norm_result title, text;
	struct yq_match_result res;
	struct yq_buf out;
	uint64_t matched, too_long;
};

static int add_result(struct yq_buf *b, const char *id, const struct yq_match_result *res)
{
	int rc = yq_buf_adds(b, "{\"id\":");
	if (!rc)
		rc = yq_buf_add_json_str(b, id, strlen(id));
	if (!rc)
		rc = yq_buf_adds(b, ",\"schemes\":[");
	for (size_t i = 0; i < res->n && !rc; i++) {
		const struct yq_scheme_match *sm = &res->v[i];
		rc = yq_buf_adds(b, i ? ",{\"id\":" : "{\"id\":");
		if (!rc)
			rc = yq_buf_add_json_str(b, sm->s->id, strlen(sm->s->id));
		if (!rc)
			rc = yq_buf_adds(b, ",\"hits\":[");
		for (size_t k = 0; k < sm->nhits && !rc; k++) {
			const struct yq_match_hit *h = &res->hits[sm->hit0 + k];
			rc = yq_buf_adds(b, k ? ",{\"word\":" : "{\"word\":");
			if (!rc)
				rc = yq_buf_add_json_str(b, h->word, strlen(h->word));
			if (!rc)
				rc = yq_buf_printf(b,
						   ",\"field\":\"%s\",\"start\":%u,\"end\":%u,"
						   "\"group\":\"%s\",\"count\":%u}",
						   yq_field_name(h->field), (unsigned)h->start,
						   (unsigned)h->end, yq_group_name(h->group),
						   (unsigned)h->count);
		}
		if (!rc)
			rc = yq_buf_adds(b, "]}");
	}
	if (!rc)
		rc = yq_buf_adds(b, "]}\n");
	return rc;
}

static int each_post(const struct yq_post *post, void *arg)
{
	struct ctx *c = arg;
	int rc = 0;
	const struct yq_norm_result *t = NULL;
	if (post->title && (rc = yq_normalize(c->nz, post->title, strlen(post->title), &c->title)) == 0)
		t = &c->title;
	if (!rc)
		rc = yq_normalize(c->nz, post->text ? post->text : "",
				  post->text ? strlen(post->text) : 0, &c->text);
	if (rc == YQ_ETOOBIG) {
		yq_cli_err(CMD, "post %s: title or text over 1 MiB (skipped)", post->id);
		c->too_long++;
		return YQ_OK;
	}
	if (rc)
		return rc;
	if ((rc = yq_matcher_match(c->m, c->s, t, &c->text, &c->res)))
		return rc;
	if (c->res.truncated)
		yq_cli_err(CMD, "post %s: more than %u word occurrences, matched on the first ones",
			   post->id, YQ_MATCH_OCC_MAX);
	c->matched += c->res.n > 0;
	yq_buf_reset(&c->out);
	if ((rc = add_result(&c->out, post->id, &c->res)))
		return rc;
	if (fwrite(c->out.s, 1, c->out.len, stdout) != c->out.len)
		return YQ_EIO;
	return YQ_OK;
}

int yq_cmd_match(int argc, char **argv)
{
	const char *usage = "--schemes FILE [--format F] [--map a=b,...] [--tz TZ] [--source S] "
			    "[--strict] [FILE...]";
	struct yq_input in;
	struct ctx c = {0};
	struct yq_scheme_set *set = NULL;
	struct yq_buf err = YQ_BUF_INIT;
	const char *schemes = NULL;
	int status = YQ_EXIT_RUNTIME, nfiles = 0;
	char **files = calloc((size_t)argc, sizeof(char *));
	if (!files)
		return YQ_EXIT_RUNTIME;
	yq_input_init(&in, CMD);
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		int k = yq_input_option(&in, argc, argv, &i);
		if (k < 0) {
			status = YQ_EXIT_USAGE;
			goto out;
		}
		if (k)
			continue;
		if (strcmp(a, "--schemes") == 0 && i + 1 < argc) {
			schemes = argv[++i];
		} else if (a[0] == '-' && a[1]) {
			yq_cli_err(CMD, "unknown option or missing value: %s", a);
			status = yq_cli_usage(CMD, usage);
			goto out;
		} else {
			files[nfiles++] = argv[i];
		}
	}
	if (!schemes) {
		yq_cli_err(CMD, "--schemes FILE is required");
		status = yq_cli_usage(CMD, usage);
		goto out;
	}
	if (yq_input_open_tz(&in)) {
		status = YQ_EXIT_USAGE;
		goto out;
	}
	if (yq_scheme_load(schemes, &set, &err)) {
		yq_cli_err(CMD, "%s", err.s);
		goto out;
	}
	if (yq_normalizer_new(&c.nz, &err)) {
		yq_cli_err(CMD, "%s", err.s);
		goto out;
	}
	if (yq_matcher_new(set, c.nz, 0, &c.m, &err)) {
		yq_cli_err(CMD, "%s (%s)", err.s, schemes);
		goto out;
	}
	if (yq_match_scratch_new(c.m, &c.s)) {
		yq_cli_err(CMD, "out of memory");
		goto out;
	}
	int rc = yq_input_run(&in, files, nfiles, each_post, &c);
	if (rc && rc != YQ_EIO && rc != YQ_EFORMAT)
		yq_cli_err(CMD, "%s", yq_strerror(rc));
	if (in.bad || c.too_long)
		yq_cli_err(CMD, "%llu bad records skipped",
			   (unsigned long long)(in.bad + c.too_long));
	if (!rc && fflush(stdout) == 0)
		status = YQ_EXIT_OK;
out:
	yq_match_scratch_free(c.s);
	yq_matcher_free(c.m);
	yq_normalizer_free(c.nz);
	yq_norm_result_release(&c.title);
	yq_norm_result_release(&c.text);
	yq_match_result_release(&c.res);
	yq_buf_release(&c.out);
	yq_scheme_set_free(set);
	yq_input_release(&in);
	yq_buf_release(&err);
	free(files);
	return status;
}
