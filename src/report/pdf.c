/*
 * pdf.c — A4 PDF documents with pango-laid-out Chinese text (report/pdf.h).
 *
 * Where it sits: the renderer under report.c (the periodic 周报/月报/季报);
 * it knows nothing of the store.
 *
 * Design: one cairo PDF surface and context; the cursor y (points from
 * the page's top) only moves down.  A block is laid out whole by pango at
 * its width, then drawn line by line with pango_cairo_show_layout_line, so
 * a page break can fall between any two lines: `base` maps the layout's
 * coordinates onto the page and is reset when a line moves to a new page.
 * Pages are numbered when they end (next_page, yq_pdf_close).
 *
 * 禁则: pango's line breaker (UAX #14) already keeps most closing marks
 * off a line start, but not all that 公文 style forbids (and its classes
 * change with versions), so every forbidden boundary — before a closing
 * mark, after an opening one — is covered by an allow-breaks = FALSE
 * attribute over the two characters around it.  report-02's test checks
 * the result in the PDF itself (pdftotext -bbox).
 *
 * Metrics: every layout's context has hinting off and glyph positions
 * unrounded, so a 10.5 pt ideograph advances 10.5 pt, as the font says
 * (pango rounds to whole points by default, which set 五号 text 11 pt
 * apart).
 *
 * Invariants: TOP <= y; page >= 1.
 */
#include "report/pdf.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <cairo-pdf.h>
#include <cairo.h>
#include <fontconfig/fontconfig.h>
#include <pango/pangocairo.h>

#include "base/error.h"
#include "base/utf8.h"

#define PT_PER_MM (72.0 / 25.4)
#define PAGE_W (YQ_PDF_PAGE_W_MM * PT_PER_MM)
#define PAGE_H (YQ_PDF_PAGE_H_MM * PT_PER_MM)
#define LEFT (YQ_PDF_MARGIN_X_MM * PT_PER_MM)
#define TEXT_W ((YQ_PDF_PAGE_W_MM - 2 * YQ_PDF_MARGIN_X_MM) * PT_PER_MM)
#define TOP (YQ_PDF_MARGIN_TOP_MM * PT_PER_MM)
#define BOTTOM (PAGE_H - YQ_PDF_MARGIN_BOTTOM_MM * PT_PER_MM)
#define DEFAULT_FAMILY "Noto Serif CJK SC"

struct yq_pdf {
	cairo_surface_t *surf;
	cairo_t *cr;
	double y;   /* cursor, points from the top of the page */
	int page;   /* current page, from 1 */
	int used;   /* something was drawn on this page */
	cairo_font_options_t *fo; /* unhinted metrics for every layout */
};

int yq_pdf_no_line_start(uint32_t c)
{
	static const uint32_t set[] = {
		0xFF0C, 0x3002, 0x3001, 0xFF1B, 0xFF1A, 0xFF1F, 0xFF01, 0xFF09, 0x300B, 0x300D,
		0x300F, 0x3011, 0x3009, 0x3015, 0x3017, 0x201D, 0x2019, 0x2026, 0x2025, 0xFF0E,
		0x30FB, 0x00B7, 0xFF3D, 0xFF5D, 0x3003, 0x301E, 0x301F, ',',    '.',    ';',
		':',    '?',    '!',    ')',    ']',    '}',    '%',    0xFF05};
	for (size_t i = 0; i < sizeof set / sizeof set[0]; i++)
		if (set[i] == c)
			return 1;
	return 0;
}

int yq_pdf_no_line_end(uint32_t c)
{
	static const uint32_t set[] = {0xFF08, 0x300A, 0x300C, 0x300E, 0x3010, 0x3008, 0x3014,
				       0x3016, 0x201C, 0x2018, 0xFF3B, 0xFF5B, 0x301D, '(',
				       '[',    '{'};
	for (size_t i = 0; i < sizeof set / sizeof set[0]; i++)
		if (set[i] == c)
			return 1;
	return 0;
}

static int cairo_fail(struct yq_pdf *p, struct yq_buf *err)
{
	cairo_status_t s = cairo_status(p->cr);
	if (s == CAIRO_STATUS_SUCCESS)
		s = cairo_surface_status(p->surf);
	if (s == CAIRO_STATUS_SUCCESS)
		return 0;
	yq_buf_printf(err, "cairo: %s", cairo_status_to_string(s));
	return s == CAIRO_STATUS_NO_MEMORY ? YQ_ENOMEM : YQ_EIO;
}

static PangoLayout *new_layout(struct yq_pdf *p, const char *family, double size_pt, int bold)
{
	PangoLayout *l = pango_cairo_create_layout(p->cr);
	PangoFontDescription *fd = pango_font_description_new();
	pango_font_description_set_family(fd, family ? family : DEFAULT_FAMILY);
	pango_font_description_set_absolute_size(fd, size_pt * PANGO_SCALE);
	pango_font_description_set_weight(fd, bold ? PANGO_WEIGHT_BOLD : PANGO_WEIGHT_NORMAL);
	pango_layout_set_font_description(l, fd);
	pango_font_description_free(fd);
	PangoContext *ctx = pango_layout_get_context(l);
	pango_cairo_context_set_font_options(ctx, p->fo);
	/* pango >= 1.44 rounds advances to whole device units (points here)
	 * by default: 10.5 pt ideographs would be set 11 pt apart */
	pango_context_set_round_glyph_positions(ctx, FALSE);
	pango_layout_context_changed(l);
	return l;
}

/* page_number: "第 N 页" centred in the bottom margin of the current page. */
static void page_number(struct yq_pdf *p)
{
	char s[48];
	int w, h;
	snprintf(s, sizeof s, "第 %d 页", p->page);
	PangoLayout *l = new_layout(p, "Noto Sans CJK SC", 9, 0);
	pango_layout_set_text(l, s, -1);
	pango_layout_get_size(l, &w, &h);
	cairo_move_to(p->cr, (PAGE_W - (double)w / PANGO_SCALE) / 2,
		      PAGE_H - YQ_PDF_MARGIN_BOTTOM_MM * PT_PER_MM / 2);
	pango_cairo_show_layout(p->cr, l);
	g_object_unref(l);
}

static void next_page(struct yq_pdf *p)
{
	page_number(p);
	cairo_show_page(p->cr);
	p->page++;
	p->y = TOP;
	p->used = 0;
}

int yq_pdf_open(const char *path, const char *title, struct yq_pdf **out, struct yq_buf *err)
{
	struct yq_pdf *p = calloc(1, sizeof(*p));
	int rc = YQ_ENOMEM;
	*out = NULL;
	if (!p)
		goto out;
	p->surf = cairo_pdf_surface_create(path, PAGE_W, PAGE_H);
	if (cairo_surface_status(p->surf) != CAIRO_STATUS_SUCCESS) {
		yq_buf_printf(err, "%s: cannot create the PDF (%s)", path,
			      cairo_status_to_string(cairo_surface_status(p->surf)));
		rc = YQ_EIO;
		goto out;
	}
	if (title)
		cairo_pdf_surface_set_metadata(p->surf, CAIRO_PDF_METADATA_TITLE, title);
	cairo_pdf_surface_set_metadata(p->surf, CAIRO_PDF_METADATA_CREATOR, "yuqing");
	p->cr = cairo_create(p->surf);
	if ((rc = cairo_fail(p, err)))
		goto out;
	/* unhinted metrics: the widths pango lays out with are the PDF's */
	p->fo = cairo_font_options_create();
	if (cairo_font_options_status(p->fo) != CAIRO_STATUS_SUCCESS) {
		rc = YQ_ENOMEM;
		goto out;
	}
	cairo_font_options_set_hint_metrics(p->fo, CAIRO_HINT_METRICS_OFF);
	cairo_font_options_set_hint_style(p->fo, CAIRO_HINT_STYLE_NONE);
	cairo_set_source_rgb(p->cr, 0, 0, 0);
	p->page = 1;
	p->y = TOP;
	*out = p;
	p = NULL;
	rc = 0;
out:
	yq_pdf_free(p);
	return rc;
}

/* kinsoku: allow-breaks = FALSE over the two characters around every
 * boundary where 禁则 forbids a break. */
static PangoAttrList *kinsoku(const char *s, size_t n)
{
	PangoAttrList *al = pango_attr_list_new();
	size_t i = 0, prev = 0, at;
	int32_t pc = -1;
	while (i < n) {
		at = i;
		int32_t c = yq_utf8_next(s, n, &i);
		if (pc >= 0 && pc != '\n' && c != '\n' &&
		    (yq_pdf_no_line_start((uint32_t)c) || yq_pdf_no_line_end((uint32_t)pc))) {
			PangoAttribute *a = pango_attr_allow_breaks_new(FALSE);
			a->start_index = (guint)prev;
			a->end_index = (guint)i;
			pango_attr_list_insert(al, a);
		}
		pc = c;
		prev = at;
	}
	return al;
}

int yq_pdf_para(struct yq_pdf *p, const struct yq_pdf_style *st, double x_mm, const char *text,
		size_t *lines, struct yq_buf *err)
{
	struct yq_buf t = YQ_BUF_INIT;
	PangoLayout *l = NULL;
	PangoLayoutIter *it = NULL;
	size_t nl = 0;
	int rc;
	size_t n = strlen(text);
	if (n > YQ_PDF_TEXT_MAX) {
		yq_buf_printf(err, "a text block of %zu bytes (at most %u)", n, YQ_PDF_TEXT_MAX);
		return YQ_ETOOBIG;
	}
	if ((rc = yq_utf8_repair(text, n, &t, NULL)))
		goto out;
	double width = st->width_mm > 0 ? st->width_mm * PT_PER_MM : TEXT_W - x_mm * PT_PER_MM;
	double x0 = LEFT + x_mm * PT_PER_MM;
	l = new_layout(p, st->family, st->size_pt, st->bold);
	pango_layout_set_width(l, (int)(width * PANGO_SCALE));
	pango_layout_set_wrap(l, PANGO_WRAP_WORD_CHAR);
	pango_layout_set_alignment(l, st->center ? PANGO_ALIGN_CENTER : PANGO_ALIGN_LEFT);
	pango_layout_set_indent(l, (int)(st->indent_em * st->size_pt * PANGO_SCALE));
	if (st->line_spacing > 0)
		pango_layout_set_line_spacing(l, (float)st->line_spacing);
	pango_layout_set_text(l, t.s, (int)t.len);
	PangoAttrList *al = kinsoku(t.s, t.len);
	pango_layout_set_attributes(l, al);
	pango_attr_list_unref(al);

	p->y += st->space_before_mm * PT_PER_MM;
	if (p->used && p->y + st->keep_mm * PT_PER_MM > BOTTOM)
		next_page(p);
	double base = p->y, end = p->y;
	it = pango_layout_get_iter(l);
	do {
		PangoRectangle lr;
		pango_layout_iter_get_line_extents(it, NULL, &lr);
		double top = (double)lr.y / PANGO_SCALE, h = (double)lr.height / PANGO_SCALE;
		if (base + top + h > BOTTOM && (p->used || base + top > TOP)) {
			next_page(p);
			base = TOP - top;
		}
		cairo_move_to(p->cr, x0 + (double)lr.x / PANGO_SCALE,
			      base + (double)pango_layout_iter_get_baseline(it) / PANGO_SCALE);
		pango_cairo_show_layout_line(p->cr, pango_layout_iter_get_line_readonly(it));
		p->used = 1;
		end = base + top + h;
		nl++;
	} while (pango_layout_iter_next_line(it));
	p->y = end + st->space_after_mm * PT_PER_MM;
	if (lines)
		*lines = nl;
	rc = cairo_fail(p, err);
out:
	if (it)
		pango_layout_iter_free(it);
	if (l)
		g_object_unref(l);
	yq_buf_release(&t);
	return rc;
}

static void small_text(struct yq_pdf *p, const char *s, double x, double y, int center)
{
	int w, h;
	PangoLayout *l = new_layout(p, "Noto Sans CJK SC", 7, 0);
	pango_layout_set_text(l, s, -1);
	pango_layout_get_size(l, &w, &h);
	cairo_move_to(p->cr, center ? x - (double)w / PANGO_SCALE / 2 : x, y);
	pango_cairo_show_layout(p->cr, l);
	g_object_unref(l);
}

int yq_pdf_bars(struct yq_pdf *p, const double *v, size_t n, size_t nseries,
		const char *const *labels, const char *const *series, double height_mm,
		struct yq_buf *err)
{
	static const double grey[4] = {0.15, 0.55, 0.8, 0.35};
	double max = 0;
	if (!n || n > 400 || !nseries || nseries > 4) {
		yq_buf_printf(err, "a bar chart of %zu bars and %zu series", n, nseries);
		return YQ_EINVAL;
	}
	for (size_t i = 0; i < n; i++) {
		double sum = 0;
		for (size_t s = 0; s < nseries; s++)
			sum += v[i * nseries + s] > 0 ? v[i * nseries + s] : 0;
		max = sum > max ? sum : max;
	}
	double h = height_mm * PT_PER_MM, legend = 14, under = 12;
	if (p->used && p->y + h + legend + under > BOTTOM)
		next_page(p);
	double y0 = p->y + legend, ybot = y0 + h, bw = TEXT_W / (double)n;
	char s[64];
	/* legend and scale */
	double lx = LEFT;
	for (size_t k = 0; k < nseries; k++) {
		cairo_set_source_rgb(p->cr, grey[k], grey[k], grey[k]);
		cairo_rectangle(p->cr, lx, p->y + 3, 8, 6);
		cairo_fill(p->cr);
		cairo_set_source_rgb(p->cr, 0, 0, 0);
		small_text(p, series[k] ? series[k] : "", lx + 10, p->y + 1, 0);
		lx += 60;
	}
	snprintf(s, sizeof s, "最大 %.0f", max);
	small_text(p, s, LEFT + TEXT_W - 40, p->y + 1, 0);
	size_t every = n <= 16 ? 1 : (n + 15) / 16;
	for (size_t i = 0; i < n; i++) {
		double yb = ybot;
		for (size_t k = 0; k < nseries && max > 0; k++) {
			double x = v[i * nseries + k] > 0 ? v[i * nseries + k] : 0;
			double bh = x / max * h;
			cairo_set_source_rgb(p->cr, grey[k], grey[k], grey[k]);
			cairo_rectangle(p->cr, LEFT + i * bw + bw * 0.1, yb - bh, bw * 0.8, bh);
			cairo_fill(p->cr);
			yb -= bh;
		}
		cairo_set_source_rgb(p->cr, 0, 0, 0);
		if (labels && labels[i] && i % every == 0)
			small_text(p, labels[i], LEFT + i * bw + bw / 2, ybot + 1, 1);
	}
	cairo_set_line_width(p->cr, 0.5);
	cairo_move_to(p->cr, LEFT, ybot);
	cairo_line_to(p->cr, LEFT + TEXT_W, ybot);
	cairo_stroke(p->cr);
	p->used = 1;
	p->y = ybot + under + 4;
	return cairo_fail(p, err);
}

int yq_pdf_pages(const struct yq_pdf *p)
{
	return p->page;
}

int yq_pdf_close(struct yq_pdf *p, struct yq_buf *err)
{
	page_number(p);
	cairo_show_page(p->cr);
	cairo_surface_finish(p->surf);
	int rc = cairo_fail(p, err);
	yq_pdf_free(p);
	return rc;
}

void yq_pdf_free(struct yq_pdf *p)
{
	if (!p)
		return;
	if (p->cr)
		cairo_destroy(p->cr);
	if (p->surf)
		cairo_surface_destroy(p->surf);
	if (p->fo)
		cairo_font_options_destroy(p->fo);
	free(p);
}

void yq_pdf_release_caches(void)
{
	pango_cairo_font_map_set_default(NULL);
	cairo_debug_reset_static_data();
	FcFini();
}
