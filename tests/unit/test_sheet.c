/* test_sheet.c — the tabular export layer (report/sheet.h): field cases
 * export-02 (formula injection: one sanitiser for CSV and XLSX, numbers
 * stay numbers) and export-03 (dates as wall-clock Asia/Shanghai serials,
 * the same under host TZ=UTC and TZ=Asia/Shanghai).  The XLSX is opened
 * with /usr/bin/python3's zipfile and its sheet XML checked cell by cell. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "base/buf.h"
#include "base/error.h"
#include "collect/ptime.h"
#include "report/sheet.h"

static const struct yq_sheet_col COLS[] = {
	{"内容", YQ_COL_TEXT, 0},
	{"变化量", YQ_COL_INT, 0},
	{"办结期限", YQ_COL_DATE, 0},
	{"受理时间", YQ_COL_DATETIME, 0},
};

/* export-02's values, then ones that must stay as they are */
static const char *const TEXTS[] = {
	"=1+2", "+1-1", "@SUM(1,1)", "-2+3", "＝1+1", "\t=1+1", "\r=1+1", "  =1+1", "　－3",
	"普通文本", "a=b", "5-3", "",
};
static const char *const WANT_CSV[] = {
	"\"'=1+2\"", "\"'+1-1\"", "\"'@SUM(1,1)\"", "\"'-2+3\"", "\"'＝1+1\"", "\"'\t=1+1\"",
	"\"'\r=1+1\"", "\"'  =1+1\"", "\"'　－3\"", "\"普通文本\"", "\"a=b\"", "\"5-3\"", "\"\"",
};
#define NT (sizeof TEXTS / sizeof TEXTS[0])

/* 2025-01-27 08:30 in Asia/Shanghai */
static const int64_t ACCEPTED = 1737937800;

static void slurp(const char *cmd_or_path, int is_cmd, struct yq_buf *out)
{
	char chunk[4096];
	size_t n;
	FILE *f = is_cmd ? popen(cmd_or_path, "r") : fopen(cmd_or_path, "rb");
	assert_non_null(f);
	while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
		assert_int_equal(yq_buf_add(out, chunk, n), 0);
	if (is_cmd)
		assert_int_equal(pclose(f), 0);
	else
		fclose(f);
}

/* write_sheet: the test sheet in fmt at path, times through the zone
 * Asia/Shanghai from Unix seconds as the exports do. */
static void write_sheet(enum yq_sheet_format fmt, const char *path)
{
	struct yq_buf err = YQ_BUF_INIT;
	struct yq_sheet *sh = NULL;
	struct yq_tz *tz = NULL;
	struct yq_civil cv;
	assert_int_equal(yq_tz_open("Asia/Shanghai", &tz), 0);
	assert_int_equal(yq_sheet_open(fmt, path, "cases", COLS, 4, &sh, &err), 0);
	yq_tz_from_utc(tz, ACCEPTED, &cv);
	struct yq_sheet_time due = {2025, 1, 27, 0, 0, 0},
			     acc = {cv.year, cv.month, cv.day, cv.hour, cv.min, cv.sec};
	for (size_t i = 0; i < NT; i++) {
		assert_int_equal(yq_sheet_text(sh, TEXTS[i], &err), 0);
		if (i == 0) {
			assert_int_equal(yq_sheet_int(sh, -5, &err), 0);
			assert_int_equal(yq_sheet_date(sh, &due, &err), 0);
			assert_int_equal(yq_sheet_datetime(sh, &acc, &err), 0);
		}
		assert_int_equal(yq_sheet_row_end(sh, &err), 0);
	}
	/* a number never goes into a text column, nor text into a number one */
	assert_int_equal(yq_sheet_int(sh, 1, &err), YQ_EINVAL);
	assert_int_equal(yq_sheet_text(sh, "x", &err), 0);
	assert_int_equal(yq_sheet_text(sh, "x", &err), YQ_EINVAL);
	assert_int_equal(yq_sheet_row_end(sh, &err), 0);
	assert_int_equal(yq_sheet_rows(sh), NT + 1);
	assert_int_equal(yq_sheet_close(sh, &err), 0);
	yq_tz_free(tz);
	yq_buf_release(&err);
}

static void check_csv(const char *path)
{
	struct yq_buf got = YQ_BUF_INIT, want = YQ_BUF_INIT;
	slurp(path, 0, &got);
	yq_buf_adds(&want, "\xEF\xBB\xBF\"内容\",\"变化量\",\"办结期限\",\"受理时间\"\r\n");
	for (size_t i = 0; i < NT; i++)
		yq_buf_printf(&want, "%s%s\r\n", WANT_CSV[i],
			      i == 0 ? ",-5,2025-01-27,2025-01-27 08:30:00" : ",,,");
	yq_buf_adds(&want, "\"x\",,,\r\n");
	assert_int_equal(got.len, want.len);
	assert_memory_equal(got.s, want.s, want.len);
	yq_buf_release(&got);
	yq_buf_release(&want);
}

/* xml_escape: s as libxlsxwriter writes it inside <t> */
static void xml_text(struct yq_buf *b, const char *s)
{
	for (; *s; s++)
		if (*s == '&')
			yq_buf_adds(b, "&amp;");
		else if (*s == '<')
			yq_buf_adds(b, "&lt;");
		else if (*s == '>')
			yq_buf_adds(b, "&gt;");
		else
			yq_buf_addc(b, *s);
}

static void check_xlsx(const char *path, struct yq_buf *sheet_out)
{
	struct yq_buf cmd = YQ_BUF_INIT, xml = YQ_BUF_INIT, styles = YQ_BUF_INIT,
		      want = YQ_BUF_INIT;
	const char *py = "/usr/bin/python3 -c 'import sys, zipfile; "
			 "sys.stdout.write(zipfile.ZipFile(sys.argv[1]).read(sys.argv[2]).decode())'";
	yq_buf_printf(&cmd, "%s '%s' xl/worksheets/sheet1.xml", py, path);
	slurp(cmd.s, 1, &xml);
	yq_buf_reset(&cmd);
	yq_buf_printf(&cmd, "%s '%s' xl/styles.xml", py, path);
	slurp(cmd.s, 1, &styles);
	/* never a formula */
	assert_null(strstr(xml.s, "<f>"));
	assert_null(strstr(xml.s, "<f "));
	/* every text value a string cell with the sanitised text */
	for (size_t i = 0; i < NT; i++) {
		if (!*TEXTS[i])
			continue; /* an empty string is an empty cell */
		yq_buf_reset(&want);
		yq_buf_printf(&want, "<c r=\"A%zu\" t=\"inlineStr\"><is><t", i + 2);
		char *at = strstr(xml.s, want.s);
		if (!at)
			fail_msg("no string cell A%zu in %s", i + 2, xml.s);
		at = strchr(at + want.len, '>') + 1;
		yq_buf_reset(&want);
		const char *v = WANT_CSV[i] + 1; /* the CSV field without its quotes */
		struct yq_buf t = YQ_BUF_INIT;
		yq_buf_add(&t, v, strlen(v) - 1);
		/* XML cannot carry a bare CR: libxlsxwriter writes it escaped */
		if (TEXTS[i][0] == '\r')
			yq_buf_adds(&want, "'_x000D_=1+1");
		else
			xml_text(&want, t.s);
		yq_buf_adds(&want, "</t>");
		if (strncmp(at, want.s, want.len))
			fail_msg("A%zu: got %.40s, want %s", i + 2, at, want.s);
		yq_buf_release(&t);
	}
	/* -5 a number; the date 45684 exactly, the datetime 45684.3541667 */
	assert_non_null(strstr(xml.s, "<c r=\"B2\"><v>-5</v></c>"));
	char *d = strstr(xml.s, "<c r=\"C2\" s=\""), *dt = strstr(xml.s, "<c r=\"D2\" s=\"");
	assert_non_null(d);
	assert_non_null(dt);
	int sd = atoi(d + strlen("<c r=\"C2\" s=\"")), sdt = atoi(dt + strlen("<c r=\"D2\" s=\""));
	char *v = strstr(d, "<v>");
	assert_non_null(v);
	assert_int_equal(strncmp(v, "<v>45684</v>", 12), 0);
	v = strstr(dt, "<v>");
	double serial = atof(v + 3);
	assert_true(serial > 45684.3541666 && serial < 45684.3541667);
	assert_null(strstr(xml.s, "45683"));
	/* their styles: cellXfs entries sd and sdt use the date formats */
	char *xfs = strstr(styles.s, "<cellXfs");
	assert_non_null(xfs);
	int fmt_of[2] = {-1, -1};
	for (int k = 0; k < 2; k++) {
		char *x = xfs;
		int want_i = k ? sdt : sd;
		for (int i = 0; i <= want_i; i++) {
			x = strstr(x + 1, "<xf ");
			assert_non_null(x);
		}
		char *nf = strstr(x, "numFmtId=\"");
		assert_non_null(nf);
		fmt_of[k] = atoi(nf + strlen("numFmtId=\""));
	}
	char a[96], b[96];
	snprintf(a, sizeof a, "numFmtId=\"%d\" formatCode=\"yyyy-mm-dd\"", fmt_of[0]);
	snprintf(b, sizeof b, "numFmtId=\"%d\" formatCode=\"yyyy-mm-dd hh:mm\"", fmt_of[1]);
	assert_non_null(strstr(styles.s, a));
	assert_non_null(strstr(styles.s, b));
	if (sheet_out)
		yq_buf_add(sheet_out, xml.s, xml.len);
	yq_buf_release(&cmd);
	yq_buf_release(&xml);
	yq_buf_release(&styles);
	yq_buf_release(&want);
}

static void run_in_zone(const char *zone, struct yq_buf *csv, struct yq_buf *xml)
{
	char dir[] = "/tmp/yq_test_sheet_XXXXXX", p1[256], p2[256];
	setenv("TZ", zone, 1);
	tzset();
	assert_non_null(mkdtemp(dir));
	snprintf(p1, sizeof p1, "%s/t.csv", dir);
	snprintf(p2, sizeof p2, "%s/t.xlsx", dir);
	write_sheet(YQ_SHEET_CSV, p1);
	write_sheet(YQ_SHEET_XLSX, p2);
	check_csv(p1);
	check_xlsx(p2, xml);
	slurp(p1, 0, csv);
	unlink(p1);
	unlink(p2);
	rmdir(dir);
}

static void test_export02_03(void **state)
{
	(void)state;
	struct yq_buf c1 = YQ_BUF_INIT, c2 = YQ_BUF_INIT, x1 = YQ_BUF_INIT, x2 = YQ_BUF_INIT;
	run_in_zone("UTC", &c1, &x1);
	run_in_zone("Asia/Shanghai", &c2, &x2);
	/* the host's zone changes nothing */
	assert_int_equal(c1.len, c2.len);
	assert_memory_equal(c1.s, c2.s, c1.len);
	assert_string_equal(x1.s, x2.s);
	unsetenv("TZ");
	tzset();
	yq_buf_release(&c1);
	yq_buf_release(&c2);
	yq_buf_release(&x1);
	yq_buf_release(&x2);
}

static void test_serial(void **state)
{
	(void)state;
	struct yq_sheet_time t = {2025, 1, 27, 0, 0, 0};
	assert_true(yq_sheet_serial(&t) == 45684.0);
	t.hour = 8, t.min = 30;
	assert_true(yq_sheet_serial(&t) * 86400 == 45684.0 * 86400 + 8.5 * 3600);
	struct yq_sheet_time a = {1900, 3, 1, 0, 0, 0}, b = {2000, 2, 29, 0, 0, 0},
			     c = {1970, 1, 1, 0, 0, 0};
	assert_true(yq_sheet_serial(&a) == 61.0);     /* Excel's serial after its 1900-02-29 */
	assert_true(yq_sheet_serial(&b) == 36585.0);
	assert_true(yq_sheet_serial(&c) == 25569.0);
}

static void test_sanitize(void **state)
{
	(void)state;
	struct yq_buf b = YQ_BUF_INIT;
	/* invalid UTF-8 and control characters */
	assert_int_equal(yq_sheet_sanitize("a\xff" "b\x01" "c", 5, &b), 0);
	assert_string_equal(b.s, "a\xEF\xBF\xBD" "b\xEF\xBF\xBD" "c");
	/* a long value is cut at Excel's 32,767 UTF-16 units, the ' included */
	size_t n = 40000;
	char *s = malloc(n + 1);
	memset(s, '-', n);
	s[n] = 0;
	yq_buf_reset(&b);
	assert_int_equal(yq_sheet_sanitize(s, n, &b), 1);
	assert_int_equal(b.len, YQ_SHEET_CELL_MAX);
	assert_int_equal(b.s[0], '\'');
	free(s);
	/* an impossible date is refused */
	struct yq_sheet *sh = NULL;
	struct yq_buf err = YQ_BUF_INIT;
	char path[] = "/tmp/yq_test_sheet_bad_XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(yq_sheet_open(YQ_SHEET_CSV, path, NULL, COLS, 4, &sh, &err), 0);
	struct yq_sheet_time bad = {2025, 2, 29, 0, 0, 0};
	assert_int_equal(yq_sheet_text(sh, "x", &err), 0);
	assert_int_equal(yq_sheet_int(sh, 1, &err), 0);
	assert_int_equal(yq_sheet_date(sh, &bad, &err), YQ_EINVAL);
	yq_sheet_free(sh);
	unlink(path);
	yq_buf_release(&b);
	yq_buf_release(&err);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_serial),
		cmocka_unit_test(test_sanitize),
		cmocka_unit_test(test_export02_03),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
