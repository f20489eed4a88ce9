/*
 * cmd_search.c — `yuqing search --db DB [--limit N] [--count] QUERY…`:
 * stored posts by full-text query (store/search.h), best first, as JSON
 * lines {"source","id","time","event","text"}; --count prints the number
 * of matching posts only.
 */
#include "base/error.h"
#include "cli/cli.h"
#include "collect/ptime.h"
#include "store/search.h"
#include "text/segment.h"

#include <stdlib.h>
#include <string.h>

struct ctx {
	struct yq_tz *tz;
	struct yq_buf b;
};

static int print_hit(const struct yq_search_hit *h, void *arg)
{
	struct ctx *c = arg;
	struct yq_buf *b = &c->b;
	yq_buf_reset(b);
	yq_buf_adds(b, "{\"source\":");
	yq_buf_add_json_str(b, h->source, strlen(h->source));
	yq_buf_adds(b, ",\"id\":");
	yq_buf_add_json_str(b, h->id, strlen(h->id));
	yq_buf_adds(b, ",\"time\":");
	if (h->time_ok) {
		yq_buf_addc(b, '"');
		yq_time_format(c->tz, h->time, b);
		yq_buf_addc(b, '"');
	} else {
		yq_buf_adds(b, "null");
	}
	if (h->event)
		yq_buf_printf(b, ",\"event\":%lld", (long long)h->event);
	else
		yq_buf_adds(b, ",\"event\":null");
	yq_buf_adds(b, ",\"text\":");
	yq_buf_add_json_str(b, h->norm ? h->norm : "", h->norm ? strlen(h->norm) : 0);
	yq_buf_adds(b, "}\n");
	return fwrite(b->s, 1, b->len, stdout) != b->len;
}

int yq_cmd_search(int argc, char **argv)
{
	const char *usage = "--db DB [--limit N] [--count] [--tz TZ] QUERY...";
	const char *db = NULL, *tzname = "Asia/Shanghai";
	long limit = 20;
	int count_only = 0, status = YQ_EXIT_RUNTIME;
	struct yq_buf q = YQ_BUF_INIT, err = YQ_BUF_INIT;
	struct ctx c = {NULL, YQ_BUF_INIT};
	struct yq_segmenter *seg = NULL;
	struct yq_store *st = NULL;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (strcmp(a, "--db") == 0 && i + 1 < argc)
			db = argv[++i];
		else if (strcmp(a, "--tz") == 0 && i + 1 < argc)
			tzname = argv[++i];
		else if (strcmp(a, "--limit") == 0 && i + 1 < argc) {
			char *end;
			limit = strtol(argv[++i], &end, 10);
			if (*end || limit < 0 || limit > 100000) {
				yq_cli_err("search", "--limit must be 0 .. 100000");
				status = YQ_EXIT_USAGE;
				goto out;
			}
		} else if (strcmp(a, "--count") == 0)
			count_only = 1;
		else if (a[0] == '-' && a[1]) {
			status = yq_cli_usage("search", usage);
			goto out;
		} else if ((q.len && yq_buf_addc(&q, ' ')) || yq_buf_adds(&q, a))
			goto out;
	}
	if (!db || !q.len) {
		status = yq_cli_usage("search", usage);
		goto out;
	}
	if (yq_tz_open(tzname, &c.tz)) {
		yq_cli_err("search", "unknown time zone '%s'", tzname);
		status = YQ_EXIT_USAGE;
		goto out;
	}
	if (yq_cli_segmenter("search", &seg))
		goto out;
	if (yq_store_open(db, seg, &st, &err)) {
		yq_cli_err("search", "opening %s: %s", db, err.s);
		goto out;
	}
	int64_t total = 0;
	int rc = yq_search_posts(st, q.s, count_only ? 0 : (size_t)limit, print_hit, &c,
				 count_only ? &total : NULL, &err);
	if (rc) {
		yq_cli_err("search", "%s", err.s);
		status = rc == YQ_EINVAL ? YQ_EXIT_USAGE : YQ_EXIT_RUNTIME;
		goto out;
	}
	if (count_only)
		printf("%lld\n", (long long)total);
	status = fflush(stdout) == 0 ? YQ_EXIT_OK : YQ_EXIT_RUNTIME;
out:
	yq_store_close(st);
	yq_segmenter_free(seg);
	yq_tz_free(c.tz);
	yq_buf_release(&c.b);
	yq_buf_release(&q);
	yq_buf_release(&err);
	return status;
}
