/* input.c — shared post-reading options and loop; see input.h. */
#include "cli/input.h"
#include "base/error.h"
#include "cli/cli.h"
#include "pipeline/pipeline.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

void yq_input_init(struct yq_input *in, const char *cmd)
{
	memset(in, 0, sizeof(*in));
	in->cmd = cmd;
	in->tzname = "Asia/Shanghai";
	in->rc.now = (int64_t)time(NULL);
}

int yq_input_option(struct yq_input *in, int argc, char **argv, int *i)
{
	const char *a = argv[*i];
	const char *names[] = {"--format", "--map", "--tz", "--source"};
	int which = -1;
	for (int k = 0; k < 4; k++)
		if (strcmp(a, names[k]) == 0)
			which = k;
	if (strcmp(a, "--strict") == 0) {
		in->strict = 1;
		return 1;
	}
	if (which < 0)
		return 0;
	if (*i + 1 >= argc) {
		yq_cli_err(in->cmd, "%s needs a value", a);
		return -1;
	}
	const char *v = argv[++*i];
	switch (which) {
	case 0:
		if (strcmp(v, "jsonl") == 0 || strcmp(v, "json") == 0)
			in->rc.format = YQ_FMT_JSONL;
		else if (strcmp(v, "tsv") == 0)
			in->rc.format = YQ_FMT_TSV;
		else if (strcmp(v, "csv") == 0)
			in->rc.format = YQ_FMT_CSV;
		else if (strcmp(v, "rss") == 0)
			in->rc.format = YQ_FMT_RSS;
		else if (strcmp(v, "atom") == 0)
			in->rc.format = YQ_FMT_ATOM;
		else {
			yq_cli_err(in->cmd, "unknown --format '%s' (jsonl, tsv, csv, rss or atom)", v);
			return -1;
		}
		break;
	case 1:
		in->rc.map = v;
		break;
	case 2:
		in->tzname = v;
		break;
	case 3:
		in->rc.source = v;
		break;
	}
	return 1;
}

int yq_input_open_tz(struct yq_input *in)
{
	if (yq_tz_open(in->tzname, &in->tz)) {
		yq_cli_err(in->cmd, "unknown time zone '%s' (--tz)", in->tzname);
		return YQ_EINVAL;
	}
	in->rc.tz = in->tz;
	return YQ_OK;
}

void yq_input_release(struct yq_input *in)
{
	yq_tz_free(in->tz);
	in->tz = NULL;
}

int yq_input_run(struct yq_input *in, char **files, int n,
		 int (*fn)(const struct yq_post *post, void *ctx), void *ctx)
{
	static char *dash[] = {(char *)"-"};
	int result = YQ_OK;
	struct yq_buf err = YQ_BUF_INIT;
	if (n == 0) {
		files = dash;
		n = 1;
	}
	for (int f = 0; f < n && !in->stop; f++) {
		struct yq_reader *r;
		const char *name = strcmp(files[f], "-") == 0 ? "<stdin>" : files[f];
		yq_buf_reset(&err);
		int rc = yq_reader_open(files[f], &in->rc, &r, &err);
		if (rc) {
			yq_cli_err(in->cmd, "%s", err.s);
			result = rc == YQ_EINVAL ? YQ_EINVAL : YQ_EIO;
			continue;
		}
		for (;;) {
			struct yq_post post;
			size_t line;
			if (in->stop)
				break;
			rc = yq_reader_next(r, &post, &line, &err);
			if (rc == YQ_EEOF)
				break;
			if (rc == YQ_EFORMAT) {
				in->bad++;
				if (strcmp(err.s, "empty text") == 0)
					in->empty++;
				yq_cli_err(in->cmd, "%s:%zu: %s (skipped)", name, line, err.s);
				if (in->strict) {
					result = YQ_EFORMAT;
					in->stop = 1;
				}
				continue;
			}
			if (rc) {
				yq_cli_err(in->cmd, "%s:%zu: %s", name, line,
					   err.len ? err.s : yq_strerror(rc));
				result = rc;
				break;
			}
			in->read++;
			in->bad_utf8 += post.bad_utf8;
			if (!post.time_ok)
				in->time_bad++;
			rc = fn(&post, ctx);
			if (rc) {
				result = rc;
				in->stop = 1;
				break;
			}
			if (post.time_ok && post.time > in->rc.now)
				yq_reader_set_now(r, post.time);
		}
		yq_reader_close(r);
	}
	yq_buf_release(&err);
	return result;
}

int64_t yq_parse_duration(const char *s)
{
	char *end;
	long long v = strtoll(s, &end, 10);
	if (end == s || v <= 0)
		return -1;
	int64_t unit = 1;
	if (*end == '\0' || strcmp(end, "s") == 0)
		unit = 1;
	else if (strcmp(end, "m") == 0 || strcmp(end, "min") == 0)
		unit = 60;
	else if (strcmp(end, "h") == 0)
		unit = 3600;
	else if (strcmp(end, "d") == 0)
		unit = 86400;
	else
		return -1;
	return (int64_t)v * unit;
}

int yq_pipeline_option(struct yq_pipeline_config *cfg, const char *cmd, int argc, char **argv,
		       int *i)
{
	const char *a = argv[*i];
	int dur = strcmp(a, "--bucket") == 0 || strcmp(a, "--close-after") == 0;
	if (strcmp(a, "--gazetteer") == 0) {
		if (*i + 1 >= argc) {
			yq_cli_err(cmd, "%s needs a value", a);
			return -1;
		}
		cfg->gazetteer = argv[++*i];
		return 1;
	}
	int link = strcmp(a, "--link-threshold") == 0;
	if (!dur && !link && strcmp(a, "--min-count") != 0 && strcmp(a, "--threshold") != 0)
		return 0;
	if (*i + 1 >= argc) {
		yq_cli_err(cmd, "%s needs a value", a);
		return -1;
	}
	const char *v = argv[++*i];
	char *end;
	if (dur) {
		int64_t d = yq_parse_duration(v);
		if (d <= 0) {
			yq_cli_err(cmd, "bad duration '%s' for %s (e.g. 10m, 1h, 1d)", v, a);
			return -1;
		}
		if (a[2] == 'b')
			cfg->cluster.bucket = d;
		else
			cfg->cluster.close_after = d;
	} else if (a[2] == 'm') {
		long n = strtol(v, &end, 10);
		if (*end || n < 1 || n > 1000000000) {
			yq_cli_err(cmd, "--min-count must be a positive integer");
			return -1;
		}
		cfg->cluster.burst.min_count = (uint32_t)n;
	} else if (link) {
		double x = strtod(v, &end);
		if (*end || !(x >= 0 && x <= 1)) {
			yq_cli_err(cmd, "--link-threshold must be a number in [0, 1] (0: no linking)");
			return -1;
		}
		cfg->cluster.link_threshold = x;
	} else {
		double x = strtod(v, &end);
		if (*end || !(x > 0 && x <= 1)) {
			yq_cli_err(cmd, "--threshold must be a number in (0, 1]");
			return -1;
		}
		cfg->cluster.threshold = x;
	}
	return 1;
}
