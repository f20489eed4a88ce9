/* test_pdf.c — PDF text layout (report/pdf.h): field case report-02, a
 * 120-character Chinese paragraph without spaces at 10.5 pt in an 80 mm box,
 * checked in the PDF itself with poppler's pdftotext -bbox. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/buf.h"
#include "base/error.h"
#include "base/utf8.h"
#include "report/pdf.h"

/* 120 characters: ideographs with full-width closing marks placed where
 * 21-character lines would start (indices 21, 42, 63, 84, 105) and
 * elsewhere. */
static const char PARA[] =
	"根据市委市政府统一部，署各区县有关部门迅速。行动全面排查辖区、内重点场所加强疫情防控；"
	"工作确保人民群众生命安全：和身体健康同时？做好物资保障与信息发布！工作及时回应社会）关"
	"切维护社会稳定有序》推进复工复产各项举」措落实到位切实筑牢，群防群控";

#define MAXW 400
struct word {
	double x0, y0, x1, y1;
	char t[256];
};

/* bbox_words: the words of pdftotext -bbox for pdf, in reading order. */
static size_t bbox_words(const char *pdf, const char *html, struct word *w, size_t cap)
{
	char cmd[2048], line[4096];
	size_t n = 0;
	snprintf(cmd, sizeof cmd, "pdftotext -bbox '%s' '%s'", pdf, html);
	assert_int_equal(system(cmd), 0);
	FILE *f = fopen(html, "r");
	assert_non_null(f);
	while (fgets(line, sizeof line, f) && n < cap) {
		char *p = strstr(line, "<word ");
		if (!p)
			continue;
		struct word *x = &w[n];
		int k = 0;
		if (sscanf(p, "<word xMin=\"%lf\" yMin=\"%lf\" xMax=\"%lf\" yMax=\"%lf\">%n", &x->x0,
			   &x->y0, &x->x1, &x->y1, &k) != 4 || !k)
			continue;
		char *e = strstr(p + k, "</word>");
		assert_non_null(e);
		size_t len = (size_t)(e - (p + k));
		assert_true(len < sizeof x->t);
		memcpy(x->t, p + k, len);
		x->t[len] = 0;
		n++;
	}
	fclose(f);
	return n;
}

static void test_classes(void **state)
{
	(void)state;
	const char *closing = "，。、；：？！）》」";
	size_t i = 0, n = strlen(closing);
	while (i < n)
		assert_int_equal(yq_pdf_no_line_start((uint32_t)yq_utf8_next(closing, n, &i)), 1);
	assert_int_equal(yq_pdf_no_line_start(0x6839 /* 根 */), 0);
	assert_int_equal(yq_pdf_no_line_start(0xFF08 /* （ */), 0);
	assert_int_equal(yq_pdf_no_line_end(0xFF08), 1);
	assert_int_equal(yq_pdf_no_line_end(0x300A /* 《 */), 1);
	assert_int_equal(yq_pdf_no_line_end(0x3002 /* 。 */), 0);
}

static void test_report02(void **state)
{
	(void)state;
	char dir[] = "/tmp/yq_test_pdf_XXXXXX", pdf[256], html[256];
	struct yq_buf err = YQ_BUF_INIT, got = YQ_BUF_INIT;
	struct yq_pdf *p = NULL;
	static struct word w[MAXW];
	size_t lines = 0;
	assert_int_equal(yq_utf8_count(PARA, strlen(PARA)), 120);
	assert_non_null(mkdtemp(dir));
	snprintf(pdf, sizeof pdf, "%s/p.pdf", dir);
	snprintf(html, sizeof html, "%s/p.html", dir);
	assert_int_equal(yq_pdf_open(pdf, "report-02", &p, &err), 0);
	struct yq_pdf_style st = {.size_pt = 10.5, .width_mm = 80};
	assert_int_equal(yq_pdf_para(p, &st, 0, PARA, &lines, &err), 0);
	assert_int_equal(yq_pdf_close(p, &err), 0);
	/* 120 ideograph-wide characters at 10.5 pt in 226.8 pt: 21 a line, 6 lines */
	assert_true(lines >= 6 && lines <= 7);

	size_t n = bbox_words(pdf, html, w, MAXW);
	assert_true(n > 0);
	const double left = YQ_PDF_MARGIN_X_MM * 72 / 25.4, right = left + 80 * 72 / 25.4;
	double line_y = -1;
	size_t nlines = 0;
	for (size_t i = 0; i < n; i++) {
		if (strcmp(w[i].t, "第") == 0)
			break; /* the page number "第 1 页" */
		/* nothing past the box (0.01 pt: the coordinates' rounding) */
		assert_true(w[i].x0 >= left - 0.01);
		if (w[i].x1 > right + 0.01)
			fail_msg("word '%s' ends at %.2f pt, past the box's right edge %.2f", w[i].t,
				 w[i].x1, right);
		if (w[i].y0 > line_y + 1) { /* a new line: its first character */
			size_t k = 0;
			int32_t c = yq_utf8_next(w[i].t, strlen(w[i].t), &k);
			if (nlines && yq_pdf_no_line_start((uint32_t)c))
				fail_msg("line %zu starts with '%s'", nlines + 1, w[i].t);
			nlines++;
			line_y = w[i].y0;
		}
		yq_buf_adds(&got, w[i].t);
	}
	assert_int_equal(nlines, lines);
	/* every character once, in order */
	assert_string_equal(got.s, PARA);
	unlink(pdf);
	unlink(html);
	rmdir(dir);
	yq_buf_release(&err);
	yq_buf_release(&got);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_classes),
		cmocka_unit_test(test_report02),
	};
	int rc = cmocka_run_group_tests(tests, NULL, NULL);
	yq_pdf_release_caches();
	return rc;
}
