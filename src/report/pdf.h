/*
 * pdf.h — A4 PDF documents of flowing Chinese text (cairo + pango, Noto
 * CJK fonts), for the periodic reports (report/report.h).
 *
 * A document is a cursor down the page: each block (a paragraph in a
 * style, a bar chart) is laid out by pango at the block's width and drawn
 * line by line; a line that does not fit above the bottom margin starts a
 * new page, so long paragraphs flow across pages.  Every page gets its
 * number ("第 N 页") centred in the bottom margin.
 *
 * Line breaking (field case report-02): pango breaks by the Unicode line
 * breaking algorithm (UAX #14), so a Chinese paragraph without spaces
 * wraps between any two ideographs; on top of it the 禁则 (kinsoku) of
 * 公文 style is enforced with pango's allow-breaks attribute: no line
 * starts with a closing punctuation mark (yq_pdf_no_line_start) and none
 * ends with an opening one (yq_pdf_no_line_end).  A line is never wider
 * than its block, except a single unbreakable run longer than the whole
 * width (a URL-like Latin string), which pango then breaks between
 * characters (PANGO_WRAP_WORD_CHAR).
 *
 * Units: sizes of type in points (10.5 pt = 五号), lengths in millimetres.
 */
#ifndef YQ_PDF_H
#define YQ_PDF_H

#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"

#define YQ_PDF_PAGE_W_MM 210.0
#define YQ_PDF_PAGE_H_MM 297.0
#define YQ_PDF_MARGIN_X_MM 25.0   /* left and right */
#define YQ_PDF_MARGIN_TOP_MM 25.0
#define YQ_PDF_MARGIN_BOTTOM_MM 25.0
#define YQ_PDF_TEXT_MAX (1u << 20) /* bytes of one block's text */

struct yq_pdf_style {
	const char *family;   /* fontconfig family; NULL: "Noto Serif CJK SC" */
	double size_pt;       /* type size */
	int bold;
	int center;           /* centred lines, else left-aligned */
	double width_mm;      /* block width; 0: the page's text width */
	double indent_em;     /* first-line indent in ems (公文: 2) */
	double line_spacing;  /* line height as a factor of the font's; 0: 1.0 */
	double space_before_mm, space_after_mm;
	double keep_mm;       /* start a new page unless this much room is left */
};

struct yq_pdf;

/*
 * yq_pdf_open: starts a PDF at path (created or truncated) with title as
 * its document title metadata (may be NULL).  Errors: YQ_EIO (cairo cannot
 * create the file; err says why), YQ_ENOMEM.
 */
int yq_pdf_open(const char *path, const char *title, struct yq_pdf **out, struct yq_buf *err);

/*
 * yq_pdf_para: lays out text (UTF-8, invalid bytes replaced by U+FFFD, at
 * most YQ_PDF_TEXT_MAX bytes; '\n' starts a new line) in style st at the
 * left margin plus x_mm and draws it from the cursor down, flowing onto
 * new pages as needed; the cursor moves below it.  *lines (if not NULL)
 * receives the number of lines.  Errors: YQ_ETOOBIG, YQ_EIO (cairo
 * failed), YQ_ENOMEM.
 */
int yq_pdf_para(struct yq_pdf *p, const struct yq_pdf_style *st, double x_mm, const char *text,
		size_t *lines, struct yq_buf *err);

/*
 * yq_pdf_bars: a bar chart height_mm tall across the text width: n bars
 * (n <= 400), bar i stacked from nseries (<= 4) values v[i*nseries + s]
 * >= 0, series s in a grey of its own, with a label under every k-th bar
 * (labels[i] may be NULL), a y-axis maximum written at the top and a
 * legend of the series names.  Moves the cursor below it.  Errors as
 * yq_pdf_para, YQ_EINVAL for n or nseries out of range.
 */
int yq_pdf_bars(struct yq_pdf *p, const double *v, size_t n, size_t nseries,
		const char *const *labels, const char *const *series, double height_mm,
		struct yq_buf *err);

/* yq_pdf_pages: pages begun so far. */
int yq_pdf_pages(const struct yq_pdf *p);

/*
 * yq_pdf_close: numbers and ends the last page, finishes the file and
 * frees p (in every case).  0 or YQ_EIO (cairo's status in err).
 */
int yq_pdf_close(struct yq_pdf *p, struct yq_buf *err);

/* yq_pdf_free: drops p without finishing (the file is incomplete).  NULL
 * is a no-op. */
void yq_pdf_free(struct yq_pdf *p);

/*
 * yq_pdf_release_caches: frees the process-wide caches that pango, cairo
 * and fontconfig keep after the first document (the default font map, the
 * loaded font files, the configuration), so that a leak checker sees a
 * clean exit.  Call it at most once, at the end of a process, after every
 * yq_pdf is closed and while no other thread uses pango or cairo.
 */
void yq_pdf_release_caches(void);

/* yq_pdf_no_line_start: 1 for the closing punctuation that may not begin a
 * line (，。、；：？！）》」』】〉”’… and their ASCII forms , . ; : ? ! ) ]
 * }), else 0. */
int yq_pdf_no_line_start(uint32_t cp);

/* yq_pdf_no_line_end: 1 for the opening punctuation that may not end a
 * line (（《「『【〈“‘ and ( [ {), else 0. */
int yq_pdf_no_line_end(uint32_t cp);

#endif
