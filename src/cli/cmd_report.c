/*
 * cmd_report.c — `yuqing report --db DB --period week|month|quarter
 * --date YYYY-MM-DD [--tz TZ] -o report.pdf`: the periodic report
 * (report/report.h) of the week (Monday to Sunday), month or quarter that
 * contains the date, in --tz's days (default Asia/Shanghai).
 *
 * The database is opened read-only.  A summary line goes to stderr; a
 * failed report removes the partial file.
 */
#include "base/error.h"
#include "cli/cli.h"
#include "collect/ptime.h"
#include "report/pdf.h"
#include "report/report.h"
#include "store/query.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define CMD "report"
#define USAGE "--db DB --period week|month|quarter --date YYYY-MM-DD [--tz TZ] -o FILE.pdf"

int yq_cmd_report(int argc, char **argv)
{
	const char *db = NULL, *period = NULL, *date = NULL, *tzname = "Asia/Shanghai",
		   *path = NULL;
	struct yq_report_summary sum;
	struct yq_report_day d;
	enum yq_report_period k;
	struct yq_tz *tz = NULL;
	struct yq_buf err = YQ_BUF_INIT;
	sqlite3 *h = NULL;
	int status = YQ_EXIT_USAGE, rc, used = 0;
	char extra;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		const char **dst = !strcmp(a, "--db")       ? &db
				   : !strcmp(a, "--period") ? &period
				   : !strcmp(a, "--date")   ? &date
				   : !strcmp(a, "--tz")     ? &tzname
				   : !strcmp(a, "-o")       ? &path
							    : NULL;
		if (!dst || i + 1 >= argc) {
			yq_cli_err(CMD, "unknown option or missing value: %s", a);
			return yq_cli_usage(CMD, USAGE);
		}
		*dst = argv[++i];
	}
	if (!db || !period || !date || !path) {
		yq_cli_err(CMD, "--db, --period, --date and -o are required");
		return yq_cli_usage(CMD, USAGE);
	}
	if (yq_report_parse_period(period, &k)) {
		yq_cli_err(CMD, "--period must be week, month or quarter, not '%s'", period);
		return yq_cli_usage(CMD, USAGE);
	}
	if (strlen(date) != 10 ||
	    sscanf(date, "%4d-%2d-%2d%n%c", &d.year, &d.month, &d.day, &used, &extra) != 3 ||
	    used != 10) {
		yq_cli_err(CMD, "--date must be YYYY-MM-DD, not '%s'", date);
		return yq_cli_usage(CMD, USAGE);
	}
	if (yq_tz_open(tzname, &tz)) {
		yq_cli_err(CMD, "unknown time zone '%s' (--tz)", tzname);
		goto out;
	}
	status = YQ_EXIT_RUNTIME;
	if (yq_query_open(db, 1, NULL, &h, &err)) {
		yq_cli_err(CMD, "cannot open the database: %s (%s)", err.s, db);
		goto out;
	}
	rc = yq_report_write(h, tz, tzname, k, &d, path, &sum, &err);
	yq_pdf_release_caches(); /* the process ends after this command */
	if (rc == YQ_EINVAL) {
		yq_cli_err(CMD, "%s (--date)", err.s);
		status = YQ_EXIT_USAGE;
		unlink(path);
		goto out;
	}
	if (rc) {
		yq_cli_err(CMD, "%s (%s)", err.len ? err.s : yq_strerror(rc), path);
		unlink(path);
		goto out;
	}
	fprintf(stderr,
		"yuqing: report: %s: %lld posts, %lld events, %lld alerts, %d pages, top event %lld\n",
		path, (long long)sum.posts, (long long)sum.events, (long long)sum.alerts, sum.pages,
		(long long)sum.top_event);
	status = YQ_EXIT_OK;
out:
	sqlite3_close(h);
	yq_tz_free(tz);
	yq_buf_release(&err);
	return status;
}
