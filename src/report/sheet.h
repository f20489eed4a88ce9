/*
 * sheet.h — one tabular export layer: typed columns written as CSV or XLSX.
 *
 * A sheet has a fixed list of columns, each with a type (text, integer,
 * real, date, datetime).  The caller opens it on a file, gives every row
 * cell by cell in column order, and closes it.  The same rules hold for
 * both formats:
 *
 *   - Untrusted text goes through one sanitiser (yq_sheet_sanitize): a
 *     value whose first character, or first after leading whitespace, is
 *     = + - @ or their full-width forms ＝＋－＠, or which starts with a tab
 *     or CR, is written with a leading ' so no spreadsheet evaluates it
 *     (field case export-02).  Text cells in XLSX are shared strings, never
 *     formulas; integer and real columns are numbers (-5 stays -5).
 *   - Dates and datetimes are civil (wall-clock) times in the export's
 *     zone (Asia/Shanghai by default), never instants: the XLSX serial is
 *     computed from the civil date (days since 1899-12-30 plus the fraction
 *     of the day), so the host's TZ plays no part (field case export-03:
 *     2025-01-27 → 45684, 2025-01-27 08:30 → 45684.3541667).  CSV writes
 *     them as "YYYY-MM-DD" and "YYYY-MM-DD HH:MM:SS".
 *
 * CSV is RFC 4180: UTF-8 with a byte-order mark (so Excel reads Chinese as
 * UTF-8), CRLF line ends, a header row, text fields always quoted with ""
 * for a quote, numbers unquoted, a missing value an empty field.  XLSX is
 * written by libxlsxwriter (one worksheet, bold header row, dates with the
 * number format yyyy-mm-dd, datetimes yyyy-mm-dd hh:mm).
 *
 * Caps: a text value is cut to YQ_SHEET_CELL_MAX UTF-16 units (Excel's cell
 * limit) in both formats, invalid UTF-8 is replaced by U+FFFD; at most
 * YQ_SHEET_ROWS_MAX rows and YQ_SHEET_COLS_MAX columns.
 */
#ifndef YQ_SHEET_H
#define YQ_SHEET_H

#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"

#define YQ_SHEET_CELL_MAX 32767        /* UTF-16 units in one text cell */
#define YQ_SHEET_ROWS_MAX 1048575      /* data rows (Excel: 1,048,576 with the header) */
#define YQ_SHEET_COLS_MAX 64

enum yq_sheet_format { YQ_SHEET_CSV, YQ_SHEET_XLSX };

enum yq_sheet_type {
	YQ_COL_TEXT,      /* untrusted text, sanitised */
	YQ_COL_INT,       /* int64_t */
	YQ_COL_REAL,      /* double */
	YQ_COL_DATE,      /* civil date */
	YQ_COL_DATETIME,  /* civil date and time of day */
};

struct yq_sheet_col {
	const char *name;        /* header text (sanitised like any text) */
	enum yq_sheet_type type;
	double width;            /* XLSX column width in characters; 0: default */
};

/* A civil (wall-clock) date and time: month 1-12, day 1-31, hour 0-23. */
struct yq_sheet_time {
	int year, month, day, hour, min, sec;
};

struct yq_sheet;

/*
 * yq_sheet_parse_format: "csv" or "xlsx" into *out; YQ_EINVAL otherwise.
 */
int yq_sheet_parse_format(const char *s, enum yq_sheet_format *out);

/*
 * yq_sheet_open: creates (truncates) the file at path in format fmt with
 * the ncols columns of cols (borrowed for the sheet's life; 1..
 * YQ_SHEET_COLS_MAX) and writes the header row.  title names the XLSX
 * worksheet (at most 31 characters, none of []:*?/\; NULL: "Sheet1").
 * Errors: YQ_EINVAL (no or too many columns, bad title), YQ_EIO (the file
 * cannot be created; err says why), YQ_ENOMEM.  *out is closed with
 * yq_sheet_close, or dropped with yq_sheet_free.
 */
int yq_sheet_open(enum yq_sheet_format fmt, const char *path, const char *title,
		  const struct yq_sheet_col *cols, size_t ncols, struct yq_sheet **out,
		  struct yq_buf *err);

/*
 * Cells of the current row, in column order; each put fills the next
 * column and must match its type (text/int/real/date/datetime; _null fits
 * any).  yq_sheet_row_end ends the row (columns not given stay empty).
 * Errors: YQ_EINVAL (wrong type, too many cells, an impossible date: month
 * or day out of range, year outside 1900..9999), YQ_ETOOBIG (more than
 * YQ_SHEET_ROWS_MAX rows), YQ_EIO, YQ_ENOMEM; err says which (column
 * name, row number).  s may be NULL (empty cell) and need not be valid
 * UTF-8.
 */
int yq_sheet_text(struct yq_sheet *sh, const char *s, struct yq_buf *err);
int yq_sheet_int(struct yq_sheet *sh, int64_t v, struct yq_buf *err);
int yq_sheet_real(struct yq_sheet *sh, double v, struct yq_buf *err);
int yq_sheet_date(struct yq_sheet *sh, const struct yq_sheet_time *t, struct yq_buf *err);
int yq_sheet_datetime(struct yq_sheet *sh, const struct yq_sheet_time *t, struct yq_buf *err);
int yq_sheet_null(struct yq_sheet *sh, struct yq_buf *err);
int yq_sheet_row_end(struct yq_sheet *sh, struct yq_buf *err);

/* yq_sheet_rows: data rows ended so far. */
size_t yq_sheet_rows(const struct yq_sheet *sh);

/*
 * yq_sheet_close: finishes the file (an unended row is ended) and frees
 * sh.  0, YQ_EIO (write or zip failure; err says why).  sh is freed in
 * every case.
 */
int yq_sheet_close(struct yq_sheet *sh, struct yq_buf *err);

/* yq_sheet_free: drops an unfinished sheet (the file is left incomplete;
 * the caller removes it).  NULL is a no-op. */
void yq_sheet_free(struct yq_sheet *sh);

/*
 * yq_sheet_sanitize: appends s[0..n) to out as the sheet writes a text
 * cell: invalid UTF-8 replaced by U+FFFD, NUL dropped, cut to
 * YQ_SHEET_CELL_MAX UTF-16 units (a leading ' counts), and a leading '
 * when the value could be read as a formula (see the header comment).
 * Returns 1 when it added the ', 0 when not, YQ_ENOMEM.
 */
int yq_sheet_sanitize(const char *s, size_t n, struct yq_buf *out);

/*
 * yq_sheet_serial: the spreadsheet serial number of civil time t: days
 * since 1899-12-30 (Excel's 1900 date system from 1900-03-01 on, the same
 * as LibreOffice's) plus (hour*3600 + min*60 + sec) / 86400.  Pure
 * arithmetic on the civil fields (days_from_civil, H. Hinnant,
 * "chrono-Compatible Low-Level Date Algorithms"); no time zone involved.
 */
double yq_sheet_serial(const struct yq_sheet_time *t);

#endif
