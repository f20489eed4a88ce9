/*
 * api_export.c — GET /api/export?what=events|alerts|posts|cases|messages
 * &format=csv|xlsx[&from=T][&to=T][&q=QUERY][&department=D]: the export of
 * report/export.h over HTTP.
 *
 * Same permission as reading the objects (YQ_PERM_READ); cases as the case
 * board shows them: all with case_read_all, a handler's own department's
 * only (another department asked: 403).  The sheet is
 * written to a private temporary file (mkstemp in $TMPDIR, else /tmp; the
 * XLSX zip is written at close, so it cannot stream), read back into the
 * response and removed.  At most EXPORT_ROWS_MAX rows: a larger selection
 * is answered 413 with a message to narrow the period, never cut silently.
 * Times are wall-clock times in the daemon's zone (cfg->tz).
 */
#include "base/error.h"
#include "report/export.h"
#include "serve/internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define EXPORT_ROWS_MAX 100000
#define EXPORT_BYTES_MAX (256u << 20) /* the file read back into memory */

static int slurp(const char *path, struct yq_buf *out)
{
	FILE *f = fopen(path, "rb");
	char chunk[65536];
	size_t n;
	int rc = 0;
	if (!f)
		return YQ_EIO;
	while (!rc && (n = fread(chunk, 1, sizeof chunk, f)) > 0)
		rc = out->len + n > EXPORT_BYTES_MAX ? YQ_ETOOBIG : yq_buf_add(out, chunk, n);
	if (!rc && ferror(f))
		rc = YQ_EIO;
	fclose(f);
	return rc;
}

void yq_api_export(struct yq_req *r)
{
	struct yq_export_opts o = {.max_rows = EXPORT_ROWS_MAX};
	struct yq_buf err = YQ_BUF_INIT, path = YQ_BUF_INIT;
	const char *what = yq_req_arg(r, "what"), *format = yq_req_arg(r, "format");
	const char *dir = getenv("TMPDIR");
	sqlite3 *db;
	int fd = -1, rc;

	if (yq_export_parse_what(what, &o.what)) {
		yq_req_error(r, 400, "what must be events, alerts, posts, cases or messages");
		goto out;
	}
	o.department = yq_req_arg(r, "department");
	if (o.department && o.what != YQ_EXPORT_CASES && o.what != YQ_EXPORT_MESSAGES) {
		yq_req_error(r, 400, "department applies to what=cases or messages only");
		goto out;
	}
	/* cases: what the case board shows this user (cases/case.h) */
	if (o.what == YQ_EXPORT_CASES && !yq_auth_allows(r->who.role, YQ_PERM_CASE_READ_ALL)) {
		if (r->who.role != YQ_ROLE_HANDLER || !r->who.department[0] ||
		    (o.department && strcmp(o.department, r->who.department))) {
			yq_req_error(r, 403, "cases of other departments are not yours to export");
			goto out;
		}
		o.department = r->who.department;
	}
	o.now = (int64_t)time(NULL);
	if (yq_sheet_parse_format(format, &o.format)) {
		yq_req_error(r, 400, "format must be csv or xlsx");
		goto out;
	}
	o.q = yq_req_arg(r, "q");
	if (o.q && o.what != YQ_EXPORT_POSTS) {
		yq_req_error(r, 400, "q applies to what=posts only");
		goto out;
	}
	if (yq_req_time(r, "from", &o.from, &o.has_from) ||
	    yq_req_time(r, "to", &o.to, &o.has_to))
		goto out;
	if (!(db = yq_req_db(r)) || !yq_req_tz(r))
		goto out;
	if (yq_buf_printf(&path, "%s/yuqing-export-XXXXXX", dir && *dir ? dir : "/tmp")) {
		yq_req_error(r, 500, "out of memory");
		goto out;
	}
	if ((fd = mkstemp(path.s)) < 0) {
		yq_serve_log("export: %s: %s", path.s, strerror(errno));
		yq_req_error(r, 500, "cannot create a temporary file");
		goto out;
	}
	close(fd);
	rc = yq_export_write(db, r->tz, &o, path.s, NULL, &err);
	if (rc == YQ_ETOOBIG) {
		yq_req_error(r, 413, "%s", err.s);
		goto out;
	}
	if (rc == YQ_EDB || rc == YQ_EINVAL) {
		yq_req_db_error(r, rc, &err);
		goto out;
	}
	if (rc) {
		yq_serve_log("export: %s", err.len ? err.s : yq_strerror(rc));
		yq_req_error(r, 500, "export failed: %s", yq_strerror(rc));
		goto out;
	}
	yq_buf_reset(&r->out);
	if ((rc = slurp(path.s, &r->out))) {
		yq_buf_reset(&r->out);
		yq_req_error(r, rc == YQ_ETOOBIG ? 413 : 500, "%s",
			     rc == YQ_ETOOBIG ? "export too large: narrow the period (from/to)"
					      : "cannot read the export back");
		goto out;
	}
	r->status = 200;
	{
		static const char *const names[][2] = {
			[YQ_EXPORT_EVENTS] = {"attachment; filename=\"events.csv\"",
					      "attachment; filename=\"events.xlsx\""},
			[YQ_EXPORT_ALERTS] = {"attachment; filename=\"alerts.csv\"",
					      "attachment; filename=\"alerts.xlsx\""},
			[YQ_EXPORT_POSTS] = {"attachment; filename=\"posts.csv\"",
					     "attachment; filename=\"posts.xlsx\""},
			[YQ_EXPORT_CASES] = {"attachment; filename=\"cases.csv\"",
					     "attachment; filename=\"cases.xlsx\""},
			[YQ_EXPORT_MESSAGES] = {"attachment; filename=\"messages.csv\"",
						"attachment; filename=\"messages.xlsx\""},
		};
		int xlsx = o.format != YQ_SHEET_CSV;
		r->ctype = xlsx ? "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
				: "text/csv; charset=utf-8";
		r->disposition = names[o.what][xlsx];
	}
out:
	if (fd >= 0)
		unlink(path.s);
	yq_buf_release(&path);
	yq_buf_release(&err);
}
