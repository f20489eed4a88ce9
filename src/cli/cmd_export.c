/*
 * cmd_export.c — `yuqing export --db DB --what
 * events|alerts|posts|cases|messages [--from T] [--to T] [--q QUERY]
 * [--department D] [--tz TZ] --format csv|xlsx -o FILE`: stored events,
 * alerts, posts, cases or citizens' messages as a spreadsheet
 * (report/export.h).
 *
 * The database is opened read-only.  --from/--to are read like post times
 * (ISO 8601, a date, epoch seconds …) in --tz (default Asia/Shanghai), the
 * zone the spreadsheet's wall-clock times are written in; the period is
 * [from, to).  --q (posts only) loads the segmenter for the full-text
 * index.  A failed export removes the partial file.
 */
#include "base/error.h"
#include "cli/cli.h"
#include "collect/ptime.h"
#include "report/export.h"
#include "store/query.h"
#include "text/segment.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define CMD "export"
#define USAGE                                                                                \
	"--db DB --what events|alerts|posts|cases|messages [--from T] [--to T]\n"            \
	"       [--q QUERY] [--department D] [--tz TZ] --format csv|xlsx -o FILE"

static int read_time(const char *opt, const char *s, struct yq_tz *tz, int64_t *out, int *has)
{
	if (!s)
		return 0;
	if (yq_time_parse(s, strlen(s), (int64_t)time(NULL), tz, out)) {
		yq_cli_err(CMD, "cannot read the time '%s' (%s)", s, opt);
		return -1;
	}
	*has = 1;
	return 0;
}

int yq_cmd_export(int argc, char **argv)
{
	const char *db = NULL, *what = NULL, *from = NULL, *to = NULL, *q = NULL,
		   *tzname = "Asia/Shanghai", *format = NULL, *path = NULL, *dept = NULL;
	struct yq_export_opts o = {0};
	struct yq_segmenter *seg = NULL;
	struct yq_tz *tz = NULL;
	struct yq_buf err = YQ_BUF_INIT;
	sqlite3 *h = NULL;
	size_t rows = 0;
	int status = YQ_EXIT_USAGE, rc;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		const char **dst = !strcmp(a, "--db")       ? &db
				   : !strcmp(a, "--what")   ? &what
				   : !strcmp(a, "--from")   ? &from
				   : !strcmp(a, "--to")     ? &to
				   : !strcmp(a, "--q")      ? &q
				   : !strcmp(a, "--tz")     ? &tzname
				   : !strcmp(a, "--format") ? &format
				   : !strcmp(a, "--department") ? &dept
				   : !strcmp(a, "-o")       ? &path
							    : NULL;
		if (!dst || i + 1 >= argc) {
			yq_cli_err(CMD, "unknown option or missing value: %s", a);
			return yq_cli_usage(CMD, USAGE);
		}
		*dst = argv[++i];
	}
	if (!db || !what || !format || !path) {
		yq_cli_err(CMD, "--db, --what, --format and -o are required");
		return yq_cli_usage(CMD, USAGE);
	}
	if (yq_export_parse_what(what, &o.what)) {
		yq_cli_err(CMD, "--what must be events, alerts, posts, cases or messages, not '%s'",
			   what);
		return yq_cli_usage(CMD, USAGE);
	}
	if (yq_sheet_parse_format(format, &o.format)) {
		yq_cli_err(CMD, "--format must be csv or xlsx, not '%s'", format);
		return yq_cli_usage(CMD, USAGE);
	}
	if (q && o.what != YQ_EXPORT_POSTS) {
		yq_cli_err(CMD, "--q applies to --what posts only");
		return yq_cli_usage(CMD, USAGE);
	}
	if (dept && o.what != YQ_EXPORT_CASES && o.what != YQ_EXPORT_MESSAGES) {
		yq_cli_err(CMD, "--department applies to --what cases or messages only");
		return yq_cli_usage(CMD, USAGE);
	}
	o.department = dept;
	o.now = (int64_t)time(NULL);
	if (yq_tz_open(tzname, &tz)) {
		yq_cli_err(CMD, "unknown time zone '%s' (--tz)", tzname);
		goto out;
	}
	if (read_time("--from", from, tz, &o.from, &o.has_from) ||
	    read_time("--to", to, tz, &o.to, &o.has_to))
		goto out;
	status = YQ_EXIT_RUNTIME;
	o.q = q;
	if (q && yq_cli_segmenter(CMD, &seg))
		goto out;
	if (yq_query_open(db, 1, seg, &h, &err)) {
		yq_cli_err(CMD, "cannot open the database: %s (%s)", err.s, db);
		goto out;
	}
	rc = yq_export_write(h, tz, &o, path, &rows, &err);
	if (rc) {
		yq_cli_err(CMD, "%s (%s)", err.len ? err.s : yq_strerror(rc), path);
		unlink(path);
		goto out;
	}
	fprintf(stderr, "yuqing: export: %zu %s written to %s\n", rows, what, path);
	status = YQ_EXIT_OK;
out:
	sqlite3_close(h);
	yq_segmenter_free(seg);
	yq_tz_free(tz);
	yq_buf_release(&err);
	return status;
}
