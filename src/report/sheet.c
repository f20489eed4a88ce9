/*
 * sheet.c — typed tabular exports as CSV (RFC 4180) or XLSX (libxlsxwriter).
 *
 * Where it sits: the last step of the export path (report/export.c turns
 * stored events, alerts and posts into rows; the CLI and the HTTP API call
 * it).  Every format-specific decision is here, so the two formats cannot
 * drift apart: one sanitiser for text (field case export-02), one serial
 * computation for dates (field case export-03).
 *
 * Design: a sheet is a cursor (row, column) over a fixed column list; each
 * put checks the column's type, so a number never lands in a text column
 * as text or the other way round.  CSV goes straight to a stdio stream;
 * XLSX goes through libxlsxwriter in constant-memory mode (rows are
 * streamed to a temporary file, strings written inline), so a large export
 * needs no more memory than a small one; the zip is written at close.
 *
 * Invariants: 0 <= col <= ncols; rows counts ended rows; the text buffer
 * tmp only lives during one put.
 */
#include "report/sheet.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <xlsxwriter.h>

#include "base/error.h"
#include "base/utf8.h"
#include "collect/ptime.h"

struct yq_sheet {
	enum yq_sheet_format fmt;
	const struct yq_sheet_col *cols;
	size_t ncols;
	size_t col;        /* next column of the current row */
	size_t rows;       /* data rows ended */
	FILE *f;           /* CSV */
	lxw_workbook *wb;  /* XLSX */
	lxw_worksheet *ws;
	lxw_format *f_head, *f_date, *f_datetime;
	struct yq_buf tmp;
	char *path;
};

/* ---- pure helpers ---- */

int yq_sheet_parse_format(const char *s, enum yq_sheet_format *out)
{
	if (s && !strcmp(s, "csv"))
		*out = YQ_SHEET_CSV;
	else if (s && !strcmp(s, "xlsx"))
		*out = YQ_SHEET_XLSX;
	else
		return YQ_EINVAL;
	return 0;
}

double yq_sheet_serial(const struct yq_sheet_time *t)
{
	/* 1899-12-30 is day -25569 from 1970-01-01 */
	int64_t days = yq_date_from_ymd(t->year, t->month, t->day) + 25569;
	return (double)days + (double)(t->hour * 3600 + t->min * 60 + t->sec) / 86400.0;
}

static int days_in_month(int y, int m)
{
	static const int dm[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
	return m == 2 ? 28 + leap : dm[m - 1];
}

/* valid_time: a real civil time from 1900-03-01 (before it Excel's serials
 * are off by the 1900 leap-year bug) to 9999-12-31. */
static int valid_time(const struct yq_sheet_time *t)
{
	if (t->year < 1900 || t->year > 9999 || t->month < 1 || t->month > 12 || t->day < 1 ||
	    t->day > days_in_month(t->year, t->month))
		return 0;
	if (t->year == 1900 && t->month < 3)
		return 0;
	return t->hour >= 0 && t->hour < 24 && t->min >= 0 && t->min < 60 && t->sec >= 0 &&
	       t->sec < 60;
}

static int is_space_cp(int32_t c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f' ||
	       c == 0xA0 || c == 0x3000;
}

/* is_trigger: characters that make a spreadsheet read a cell as a formula
 * (OWASP "CSV injection"), in ASCII and full width (Excel and WPS map the
 * full-width forms when the user confirms the cell). */
static int is_trigger(int32_t c)
{
	return c == '=' || c == '+' || c == '-' || c == '@' || c == 0xFF1D || c == 0xFF0B ||
	       c == 0xFF0D || c == 0xFF20;
}

int yq_sheet_sanitize(const char *s, size_t n, struct yq_buf *out)
{
	struct yq_buf v = YQ_BUF_INIT;
	int rc = YQ_ENOMEM, quoted = 0;
	size_t i = 0, units = 0;
	if (yq_utf8_repair(s, n, &v, NULL))
		goto out;
	/* decide: a leading tab or CR, or a trigger as the first visible character */
	if (v.len && (v.s[0] == '\t' || v.s[0] == '\r')) {
		quoted = 1;
	} else {
		while (i < v.len) {
			int32_t c = yq_utf8_next(v.s, v.len, &i);
			if (is_space_cp(c))
				continue;
			quoted = is_trigger(c);
			break;
		}
	}
	if (quoted) {
		if (yq_buf_addc(out, '\''))
			goto out;
		units = 1;
	}
	for (i = 0; i < v.len;) {
		size_t at = i;
		int32_t c = yq_utf8_next(v.s, v.len, &i);
		size_t w = c >= 0x10000 ? 2 : 1;
		if (units + w > YQ_SHEET_CELL_MAX)
			break;
		units += w;
		if ((c < 0x20 && c != '\t' && c != '\n' && c != '\r') || c == 0x7F || c == 0xFFFE ||
		    c == 0xFFFF) {
			/* not representable in XML 1.0 (XLSX); the same in CSV */
			char r[4];
			int k = yq_utf8_encode(YQ_UTF8_REPLACEMENT, r);
			if (yq_buf_add(out, r, (size_t)k))
				goto out;
		} else if (yq_buf_add(out, v.s + at, i - at)) {
			goto out;
		}
	}
	rc = quoted;
out:
	yq_buf_release(&v);
	return rc;
}

/* ---- writing ---- */

static int lxw_fail(struct yq_sheet *sh, lxw_error e, struct yq_buf *err)
{
	yq_buf_printf(err, "%s: xlsx: %s", sh->path, lxw_strerror(e));
	return e == LXW_ERROR_MEMORY_MALLOC_FAILED ? YQ_ENOMEM : YQ_EIO;
}

static int csv_put(struct yq_sheet *sh, const char *s, size_t n, struct yq_buf *err)
{
	if (sh->col && fputc(',', sh->f) == EOF)
		goto fail;
	if (n && fwrite(s, 1, n, sh->f) != n)
		goto fail;
	return 0;
fail:
	yq_buf_printf(err, "%s: %s", sh->path, strerror(errno));
	return YQ_EIO;
}

/* csv_quoted: the field "s" with every " doubled (RFC 4180). */
static int csv_quoted(struct yq_sheet *sh, const char *s, size_t n, struct yq_buf *err)
{
	struct yq_buf q = YQ_BUF_INIT;
	int rc = YQ_ENOMEM;
	if (yq_buf_addc(&q, '"'))
		goto out;
	for (size_t i = 0; i < n; i++)
		if ((s[i] == '"' && yq_buf_addc(&q, '"')) || yq_buf_addc(&q, s[i]))
			goto out;
	if (yq_buf_addc(&q, '"'))
		goto out;
	rc = csv_put(sh, q.s, q.len, err);
out:
	yq_buf_release(&q);
	return rc;
}

/* next: checks that the current row has room for a cell of type t (any
 * type when t < 0) and returns the column index in *c. */
static int next(struct yq_sheet *sh, int t, size_t *c, struct yq_buf *err)
{
	static const char *const names[] = {"text", "integer", "real", "date", "datetime"};
	if (sh->col >= sh->ncols) {
		yq_buf_printf(err, "row %zu: more than %zu cells", sh->rows + 1, sh->ncols);
		return YQ_EINVAL;
	}
	if (sh->rows >= YQ_SHEET_ROWS_MAX) {
		yq_buf_printf(err, "more than %d rows", YQ_SHEET_ROWS_MAX);
		return YQ_ETOOBIG;
	}
	if (t >= 0 && (int)sh->cols[sh->col].type != t) {
		yq_buf_printf(err, "row %zu, column %s: a %s value in a %s column", sh->rows + 1,
			      sh->cols[sh->col].name, names[t], names[sh->cols[sh->col].type]);
		return YQ_EINVAL;
	}
	*c = sh->col;
	return 0;
}

/* put_text: a sanitised text cell at row (0: the header), column c. */
static int put_text(struct yq_sheet *sh, size_t row, size_t c, const char *s,
		    struct yq_buf *err)
{
	int rc;
	yq_buf_reset(&sh->tmp);
	if ((rc = yq_sheet_sanitize(s ? s : "", s ? strlen(s) : 0, &sh->tmp)) < 0)
		return rc;
	if (sh->fmt == YQ_SHEET_CSV)
		return s ? csv_quoted(sh, sh->tmp.s, sh->tmp.len, err) : csv_put(sh, "", 0, err);
	if (!s)
		return 0;
	lxw_error e = worksheet_write_string(sh->ws, (lxw_row_t)row, (lxw_col_t)c, sh->tmp.s,
					     row ? NULL : sh->f_head);
	return e ? lxw_fail(sh, e, err) : 0;
}

int yq_sheet_text(struct yq_sheet *sh, const char *s, struct yq_buf *err)
{
	size_t c;
	int rc = next(sh, YQ_COL_TEXT, &c, err);
	if (!rc && !(rc = put_text(sh, sh->rows + 1, c, s, err)))
		sh->col++;
	return rc;
}

static int put_number(struct yq_sheet *sh, int type, double v, const char *csv,
		      lxw_format *fm, struct yq_buf *err)
{
	size_t c;
	int rc = next(sh, type, &c, err);
	if (rc)
		return rc;
	if (sh->fmt == YQ_SHEET_CSV) {
		rc = csv_put(sh, csv, strlen(csv), err);
	} else {
		lxw_error e = worksheet_write_number(sh->ws, (lxw_row_t)(sh->rows + 1), (lxw_col_t)c,
						     v, fm);
		rc = e ? lxw_fail(sh, e, err) : 0;
	}
	if (!rc)
		sh->col++;
	return rc;
}

int yq_sheet_int(struct yq_sheet *sh, int64_t v, struct yq_buf *err)
{
	char b[32];
	snprintf(b, sizeof b, "%lld", (long long)v);
	return put_number(sh, YQ_COL_INT, (double)v, b, NULL, err);
}

int yq_sheet_real(struct yq_sheet *sh, double v, struct yq_buf *err)
{
	char b[40];
	if (!isfinite(v)) {
		size_t c;
		int rc = next(sh, YQ_COL_REAL, &c, err);
		return rc ? rc : yq_sheet_null(sh, err);
	}
	snprintf(b, sizeof b, "%.15g", v);
	return put_number(sh, YQ_COL_REAL, v, b, NULL, err);
}

static int put_time(struct yq_sheet *sh, int type, const struct yq_sheet_time *t,
		    struct yq_buf *err)
{
	char b[40];
	if (!valid_time(t)) {
		yq_buf_printf(err, "row %zu: impossible date %04d-%02d-%02d %02d:%02d:%02d",
			      sh->rows + 1, t->year, t->month, t->day, t->hour, t->min, t->sec);
		return YQ_EINVAL;
	}
	if (type == YQ_COL_DATE) {
		struct yq_sheet_time d = {t->year, t->month, t->day, 0, 0, 0};
		snprintf(b, sizeof b, "%04d-%02d-%02d", t->year, t->month, t->day);
		return put_number(sh, type, yq_sheet_serial(&d), b, sh->f_date, err);
	}
	snprintf(b, sizeof b, "%04d-%02d-%02d %02d:%02d:%02d", t->year, t->month, t->day, t->hour,
		 t->min, t->sec);
	return put_number(sh, type, yq_sheet_serial(t), b, sh->f_datetime, err);
}

int yq_sheet_date(struct yq_sheet *sh, const struct yq_sheet_time *t, struct yq_buf *err)
{
	return put_time(sh, YQ_COL_DATE, t, err);
}

int yq_sheet_datetime(struct yq_sheet *sh, const struct yq_sheet_time *t, struct yq_buf *err)
{
	return put_time(sh, YQ_COL_DATETIME, t, err);
}

int yq_sheet_null(struct yq_sheet *sh, struct yq_buf *err)
{
	size_t c;
	int rc = next(sh, -1, &c, err);
	if (!rc && sh->fmt == YQ_SHEET_CSV)
		rc = csv_put(sh, "", 0, err);
	if (!rc)
		sh->col++;
	return rc;
}

int yq_sheet_row_end(struct yq_sheet *sh, struct yq_buf *err)
{
	int rc = 0;
	while (sh->col < sh->ncols && !rc)
		rc = yq_sheet_null(sh, err);
	if (rc)
		return rc;
	if (sh->fmt == YQ_SHEET_CSV && fputs("\r\n", sh->f) == EOF) {
		yq_buf_printf(err, "%s: %s", sh->path, strerror(errno));
		return YQ_EIO;
	}
	sh->col = 0;
	sh->rows++;
	return 0;
}

size_t yq_sheet_rows(const struct yq_sheet *sh)
{
	return sh->rows;
}

/* ---- open / close ---- */

static int open_xlsx(struct yq_sheet *sh, const char *title, struct yq_buf *err)
{
	lxw_workbook_options opt = {.constant_memory = LXW_TRUE, .tmpdir = NULL,
				    .use_zip64 = LXW_TRUE};
	/* libxlsxwriter only creates the file at close: try it now, so a bad
	 * path is reported before any work */
	FILE *f = fopen(sh->path, "wb");
	if (!f) {
		yq_buf_printf(err, "%s: %s", sh->path, strerror(errno));
		return YQ_EIO;
	}
	fclose(f);
	if (!(sh->wb = workbook_new_opt(sh->path, &opt)))
		return YQ_ENOMEM;
	if (!(sh->ws = workbook_add_worksheet(sh->wb, title))) {
		yq_buf_printf(err, "bad worksheet name '%s'", title ? title : "");
		return YQ_EINVAL;
	}
	if (!(sh->f_head = workbook_add_format(sh->wb)) ||
	    !(sh->f_date = workbook_add_format(sh->wb)) ||
	    !(sh->f_datetime = workbook_add_format(sh->wb)))
		return YQ_ENOMEM;
	format_set_bold(sh->f_head);
	format_set_num_format(sh->f_date, "yyyy-mm-dd");
	format_set_num_format(sh->f_datetime, "yyyy-mm-dd hh:mm");
	for (size_t c = 0; c < sh->ncols; c++) {
		double w = sh->cols[c].width;
		if (w <= 0)
			w = sh->cols[c].type == YQ_COL_DATETIME ? 17
			    : sh->cols[c].type == YQ_COL_DATE   ? 11
								: LXW_DEF_COL_WIDTH;
		lxw_error e = worksheet_set_column(sh->ws, (lxw_col_t)c, (lxw_col_t)c, w, NULL);
		if (e)
			return lxw_fail(sh, e, err);
	}
	return 0;
}

int yq_sheet_open(enum yq_sheet_format fmt, const char *path, const char *title,
		  const struct yq_sheet_col *cols, size_t ncols, struct yq_sheet **out,
		  struct yq_buf *err)
{
	struct yq_sheet *sh = NULL;
	int rc = YQ_EINVAL;
	*out = NULL;
	if (!ncols || ncols > YQ_SHEET_COLS_MAX) {
		yq_buf_printf(err, "a sheet has 1 to %d columns, not %zu", YQ_SHEET_COLS_MAX, ncols);
		goto out;
	}
	rc = YQ_ENOMEM;
	if (!(sh = calloc(1, sizeof(*sh))) || !(sh->path = strdup(path)))
		goto out;
	sh->fmt = fmt;
	sh->cols = cols;
	sh->ncols = ncols;
	yq_buf_init(&sh->tmp);
	if (fmt == YQ_SHEET_CSV) {
		if (!(sh->f = fopen(path, "wb"))) {
			yq_buf_printf(err, "%s: %s", path, strerror(errno));
			rc = YQ_EIO;
			goto out;
		}
		if (fputs("\xEF\xBB\xBF", sh->f) == EOF) {
			yq_buf_printf(err, "%s: %s", path, strerror(errno));
			rc = YQ_EIO;
			goto out;
		}
	} else if ((rc = open_xlsx(sh, title, err))) {
		goto out;
	}
	for (size_t c = 0; c < ncols; c++) {
		sh->col = c;
		if ((rc = put_text(sh, 0, c, cols[c].name, err)))
			goto out;
	}
	sh->col = 0;
	if (fmt == YQ_SHEET_CSV && fputs("\r\n", sh->f) == EOF) {
		yq_buf_printf(err, "%s: %s", path, strerror(errno));
		rc = YQ_EIO;
		goto out;
	}
	*out = sh;
	sh = NULL;
	rc = 0;
out:
	yq_sheet_free(sh);
	return rc;
}

int yq_sheet_close(struct yq_sheet *sh, struct yq_buf *err)
{
	int rc = 0;
	if (sh->col)
		rc = yq_sheet_row_end(sh, err);
	if (sh->fmt == YQ_SHEET_CSV) {
		int bad = ferror(sh->f);
		if (fclose(sh->f) || bad) {
			if (!rc)
				yq_buf_printf(err, "%s: %s", sh->path,
					      bad ? "write error" : strerror(errno));
			rc = rc ? rc : YQ_EIO;
		}
		sh->f = NULL;
	} else {
		lxw_error e = workbook_close(sh->wb);
		sh->wb = NULL;
		if (e && !rc)
			rc = lxw_fail(sh, e, err);
	}
	yq_sheet_free(sh);
	return rc;
}

void yq_sheet_free(struct yq_sheet *sh)
{
	if (!sh)
		return;
	if (sh->f)
		fclose(sh->f);
	if (sh->wb) {
		/* libxlsxwriter has no "discard": closing writes what there is */
		workbook_close(sh->wb);
	}
	yq_buf_release(&sh->tmp);
	free(sh->path);
	free(sh);
}
