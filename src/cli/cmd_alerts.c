/*
 * cmd_alerts.c — `yuqing alerts export --db DB --cap [--since T] [--tz TZ]
 * [--sender S] [--out-dir D]`: the stored alerts as OASIS CAP 1.2
 * (warn/cap.h).
 *
 * Standard output gets one XML document whose root <alerts> holds one CAP
 * <alert> element per alert, oldest first; --out-dir D also writes each
 * alert as a standalone CAP document D/<identifier>.xml (what a CAP
 * consumer takes).  The database is opened read-only, so it is never
 * created or changed.
 */
#include "base/error.h"
#include "cli/cli.h"
#include "collect/ptime.h"
#include "warn/cap.h"

#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define CMD "alerts"
#define USAGE "export --db DB --cap [--since T] [--tz TZ] [--sender S] [--out-dir D]"
#define OUT_DIR_MAX 3000 /* bytes of an --out-dir path */

/* write_one: a standalone CAP document dir/<sender>-alert-<id>.xml */
static int write_one(const char *dir, const char *sender, struct yq_tz *tz,
		     const struct yq_cap_alert *a, struct yq_buf *err)
{
	char path[4096];
	snprintf(path, sizeof path, "%s/%s-alert-%lld.xml", dir, sender, (long long)a->id);
	xmlTextWriterPtr w = xmlNewTextWriterFilename(path, 0);
	if (!w) {
		yq_buf_printf(err, "cannot write %s", path);
		return YQ_EIO;
	}
	xmlTextWriterSetIndent(w, 1);
	int rc = xmlTextWriterStartDocument(w, NULL, "UTF-8", NULL) < 0 ? YQ_EIO : YQ_OK;
	if (!rc)
		rc = yq_cap_write(w, sender, tz, a, err);
	if (!rc && xmlTextWriterEndDocument(w) < 0)
		rc = YQ_EIO;
	xmlFreeTextWriter(w);
	if (rc == YQ_EIO && !err->len)
		yq_buf_printf(err, "cannot write %s", path);
	return rc;
}

static int run_export(const char *db, const char *since, const char *tzname, const char *sender,
		      const char *dir)
{
	int status = YQ_EXIT_RUNTIME, rc;
	struct yq_tz *tz = NULL;
	sqlite3 *h = NULL;
	sqlite3_stmt *st = NULL;
	xmlTextWriterPtr w = NULL;
	struct yq_buf err;
	int64_t t0 = INT64_MIN;
	uint64_t n = 0;
	yq_buf_init(&err);
	if (yq_tz_open(tzname, &tz)) {
		yq_cli_err(CMD, "unknown time zone '%s' (--tz)", tzname);
		status = YQ_EXIT_USAGE;
		goto out;
	}
	if (since && yq_time_parse(since, strlen(since), (int64_t)time(NULL), tz, &t0)) {
		yq_cli_err(CMD, "cannot read the time '%s' (--since)", since);
		status = YQ_EXIT_USAGE;
		goto out;
	}
	if (sqlite3_open_v2(db, &h, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(h,
			       "SELECT id, event, time, level, reason FROM alerts WHERE time >= ?1 "
			       "ORDER BY time, id",
			       -1, &st, NULL) != SQLITE_OK) {
		yq_cli_err(CMD, "cannot read alerts: %s (%s)", h ? sqlite3_errmsg(h) : "out of memory",
			   db);
		goto out;
	}
	sqlite3_bind_int64(st, 1, t0);
	w = xmlNewTextWriterFilename("-", 0);
	if (!w || xmlTextWriterSetIndent(w, 1) < 0 ||
	    xmlTextWriterStartDocument(w, NULL, "UTF-8", NULL) < 0 ||
	    xmlTextWriterStartElement(w, BAD_CAST "alerts") < 0) {
		yq_cli_err(CMD, "cannot write to standard output");
		goto out;
	}
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct yq_cap_alert a = {
			.id = sqlite3_column_int64(st, 0), .event = sqlite3_column_int64(st, 1),
			.time = sqlite3_column_int64(st, 2),
			.level = (const char *)sqlite3_column_text(st, 3),
			.reason = (const char *)sqlite3_column_text(st, 4)};
		if (!a.level || !a.reason)
			continue;
		yq_buf_reset(&err);
		if (yq_cap_write(w, sender, tz, &a, &err) ||
		    (dir && write_one(dir, sender, tz, &a, &err))) {
			yq_cli_err(CMD, "%s (%s)", err.s, db);
			goto out;
		}
		n++;
	}
	if (rc != SQLITE_DONE) {
		yq_cli_err(CMD, "reading alerts: %s (%s)", sqlite3_errmsg(h), db);
		goto out;
	}
	if (xmlTextWriterEndDocument(w) < 0) {
		yq_cli_err(CMD, "cannot write to standard output");
		goto out;
	}
	fprintf(stderr, "yuqing: alerts: %llu alerts exported\n", (unsigned long long)n);
	status = YQ_EXIT_OK;
out:
	if (w)
		xmlFreeTextWriter(w);
	sqlite3_finalize(st);
	sqlite3_close(h);
	yq_tz_free(tz);
	yq_buf_release(&err);
	return status;
}

int yq_cmd_alerts(int argc, char **argv)
{
	const char *db = NULL, *since = NULL, *tz = "Asia/Shanghai", *sender = "yuqing",
		   *dir = NULL;
	int cap = 0;
	if (argc < 2 || strcmp(argv[1], "export") != 0)
		return yq_cli_usage(CMD, USAGE);
	for (int i = 2; i < argc; i++) {
		const char *a = argv[i];
		if (strcmp(a, "--cap") == 0) {
			cap = 1;
			continue;
		}
		if (i + 1 >= argc) {
			yq_cli_err(CMD, "unknown option or missing value: %s", a);
			return yq_cli_usage(CMD, USAGE);
		}
		if (strcmp(a, "--db") == 0)
			db = argv[++i];
		else if (strcmp(a, "--since") == 0)
			since = argv[++i];
		else if (strcmp(a, "--tz") == 0)
			tz = argv[++i];
		else if (strcmp(a, "--sender") == 0)
			sender = argv[++i];
		else if (strcmp(a, "--out-dir") == 0)
			dir = argv[++i];
		else {
			yq_cli_err(CMD, "unknown option %s", a);
			return yq_cli_usage(CMD, USAGE);
		}
	}
	if (!db || !cap)
		return yq_cli_usage(CMD, USAGE);
	if (strlen(sender) > 200 || strpbrk(sender, "/ \t\n") || !*sender) {
		yq_cli_err(CMD, "--sender must be 1-200 bytes without '/' or spaces");
		return YQ_EXIT_USAGE;
	}
	if (dir && strlen(dir) > OUT_DIR_MAX) {
		yq_cli_err(CMD, "--out-dir path too long");
		return YQ_EXIT_USAGE;
	}
	return run_export(db, since, tz, sender, dir);
}
