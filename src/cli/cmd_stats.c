/*
 * cmd_stats.c — `yuqing stats`: per-department statistics of citizens'
 * messages by week, month or quarter (messages.h's yq_msg_stats): received,
 * answered, answered on time, completion rate 办结率, median and 90th
 * percentile handling time, overdue now.  Periods are calendar days in
 * Asia/Shanghai (--tz).  Output: one JSON object a line, or a TSV table
 * with a header (--tsv).  The database is only read.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/error.h"
#include "cli/cli.h"
#include "messages/messages.h"
#include "store/query.h"

static int print_tsv(const struct yq_msg_stat *r, size_t n)
{
	if (printf("period\tdepartment\treceived\tanswered\tanswered_on_time\toverdue_now\t"
		   "completion_rate\ton_time_rate\tmedian_hours\tp90_hours\n") < 0)
		return YQ_EIO;
	for (size_t i = 0; i < n; i++) {
		char med[32] = "", p90[32] = "";
		if (!isnan(r[i].median_hours))
			snprintf(med, sizeof med, "%.2f", r[i].median_hours);
		if (!isnan(r[i].p90_hours))
			snprintf(p90, sizeof p90, "%.2f", r[i].p90_hours);
		if (printf("%s\t%s\t%lld\t%lld\t%lld\t%lld\t%.4f\t%.4f\t%s\t%s\n", r[i].period,
			   r[i].department, (long long)r[i].received, (long long)r[i].answered,
			   (long long)r[i].on_time, (long long)r[i].overdue_now, r[i].completion_rate,
			   r[i].on_time_rate, med, p90) < 0)
			return YQ_EIO;
	}
	return YQ_OK;
}

int yq_cmd_stats(int argc, char **argv)
{
	static const char usage[] =
		"--db DB [--period week|month|quarter|all] [--from TIME] [--to TIME]\n"
		"       [--now TIME] [--department D] [--tz TZ] [--tsv]";
	const char *db_path = NULL, *tzname = "Asia/Shanghai", *dept = NULL;
	const char *from_s = NULL, *to_s = NULL, *now_s = NULL;
	enum yq_msg_period period = YQ_MSG_MONTH;
	int tsv = 0, status = YQ_EXIT_USAGE, rc;
	struct yq_tz *tz = NULL;
	sqlite3 *db = NULL;
	struct yq_msg_stat *rows = NULL;
	size_t n = 0;
	struct yq_buf err = YQ_BUF_INIT;
	json_t *arr = NULL;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (!strcmp(a, "--tsv")) {
			tsv = 1;
			continue;
		}
		if (i + 1 >= argc) {
			yq_cli_err("stats", "unknown option or missing value '%s'", a);
			goto usage;
		}
		const char *v = argv[++i];
		if (!strcmp(a, "--db"))
			db_path = v;
		else if (!strcmp(a, "--tz"))
			tzname = v;
		else if (!strcmp(a, "--from"))
			from_s = v;
		else if (!strcmp(a, "--to"))
			to_s = v;
		else if (!strcmp(a, "--now"))
			now_s = v;
		else if (!strcmp(a, "--department"))
			dept = v;
		else if (!strcmp(a, "--period")) {
			if (yq_msg_period_parse(v, &period)) {
				yq_cli_err("stats", "--period: week, month, quarter or all, not '%s'", v);
				goto usage;
			}
		} else {
			yq_cli_err("stats", "unknown option '%s'", a);
			goto usage;
		}
	}
	if (!db_path)
		goto usage;
	if (yq_tz_open(tzname, &tz)) {
		yq_cli_err("stats", "unknown time zone '%s'", tzname);
		goto usage;
	}
	int64_t from = 0, to = 0, now = (int64_t)time(NULL);
	const char *names[3] = {"--from", "--to", "--now"};
	const char *vals[3] = {from_s, to_s, now_s};
	int64_t *outs[3] = {&from, &to, &now};
	for (int k = 0; k < 3; k++)
		if (vals[k] && yq_time_parse(vals[k], strlen(vals[k]), now, tz, outs[k])) {
			yq_cli_err("stats", "%s: unreadable time '%s'", names[k], vals[k]);
			goto usage;
		}
	status = YQ_EXIT_RUNTIME;
	if ((rc = yq_query_open(db_path, 1, NULL, &db, &err))) {
		yq_cli_err("stats", "opening %s: %s", db_path, err.s);
		goto out;
	}
	rc = yq_msg_stats(db, tz, period, from, from_s != NULL, to, to_s != NULL, now, &rows, &n);
	if (rc) {
		yq_cli_err("stats", "%s: %s (%s)", db_path, yq_strerror(rc), sqlite3_errmsg(db));
		goto out;
	}
	if (dept) { /* keep one department's rows */
		size_t k = 0;
		for (size_t i = 0; i < n; i++)
			if (!strcmp(rows[i].department, dept))
				rows[k++] = rows[i];
		n = k;
	}
	if (tsv) {
		rc = print_tsv(rows, n);
	} else {
		rc = (arr = yq_msg_stats_json(rows, n)) ? YQ_OK : YQ_ENOMEM;
		size_t i;
		json_t *o;
		json_array_foreach(arr, i, o)
		{
			char *s = json_dumps(o, JSON_COMPACT | JSON_REAL_PRECISION(10));
			if (!s || printf("%s\n", s) < 0)
				rc = YQ_EIO;
			free(s);
			if (rc)
				break;
		}
	}
	status = rc ? YQ_EXIT_RUNTIME : YQ_EXIT_OK;
	goto out;
usage:
	status = yq_cli_usage("stats", usage);
out:
	json_decref(arr);
	free(rows);
	sqlite3_close(db);
	yq_tz_free(tz);
	yq_buf_release(&err);
	return status;
}
