/*
 * normalize.c — text normalization, the first text stage after collection
 * (collect → text/normalize → text/tokenize → analyze …).  See normalize.h
 * for the contract and docs/normalize.md for why the steps come in this
 * order.
 *
 * Design.  The text travels as an array of `struct ch` {code point, source
 * offset}, where the source offset is the code-point index in the original
 * input of the character (or of the first character of the stretch) it came
 * from.  Every step reads one array and writes another, so the offset map
 * falls out at the end: the final characters are encoded to UTF-8 and each
 * output byte gets its character's source offset.
 *
 *   pass 1 (steps 1+2)  input bytes → a[]: HTML tags and entities, removal of
 *                       zero-width/bidi/control characters;
 *   pass 2 (step 3)     a[] → b[]: NFKC.  Fast path: the text is cut into
 *                       NFKC segments (a segment starts at a character with
 *                       a normalization boundary before it); a one-character
 *                       segment whose character is NFKC-stable is copied, so
 *                       is Chinese sentence punctuation (，！？：；（）, see
 *                       cjk_punct), any other full-width ASCII form
 *                       U+FF01–U+FF5E becomes its ASCII character by
 *                       subtraction, and only the other segments
 *                       go through ICU (UTF-16).  The two bitmaps behind this
 *                       (boundary-before, stable) are computed from ICU at
 *                       normalizer creation for code points below FAST_LIMIT;
 *                       characters above it are treated as "no boundary,
 *                       not stable", which only makes segments longer (still
 *                       correct, just slower).
 *   pass 3 (step 4)     b[] in place (or → a[]): OpenCC t2s when a character
 *                       of the traditional-only bitmap occurs.  That bitmap
 *                       is computed at creation by converting every CJK code
 *                       point once and recording the ones OpenCC changes.
 *   pass 4 (step 5)     b[] → r->text + r->map: whitespace collapsed and
 *                       trimmed while encoding.
 *   structure           URLs and the //@name: repost chain on the final text.
 *
 * Invariants: after pass 1 no character is a control, zero-width or bidi
 * character; every array entry's src is <= the original length in code
 * points and srcs never decrease along an array; r->map has text.len + 1
 * entries after a successful call.
 */
#include "text/normalize.h"
#include "base/error.h"
#include "base/utf8.h"

#include <opencc/opencc.h>
#include <stdlib.h>
#include <string.h>
#include <unicode/unorm2.h>
#include <unicode/ustring.h>

#define NORM_MAX_INPUT (1u << 20) /* the 1 MiB cap of yq_normalize */
#define FAST_LIMIT 0x30000u       /* bitmaps cover planes 0–2 (CJK, emoji) */
#define TAG_MAX 4096              /* longest tag we look for a '>' in */
#define NAME_MAX_CP 30            /* longest @name in a //@name: chain */

struct ch {
	uint32_t cp;
	uint32_t src;
};

struct chv {
	struct ch *v;
	size_t n, cap;
};

struct yq_normalizer {
	const UNormalizer2 *nfkc;
	opencc_t cc;
	uint8_t *bb;     /* bit c: NFKC has a boundary before c */
	uint8_t *stable; /* bit c: boundary before c and NFKC(c) == c */
	uint8_t *trad;   /* bit c: OpenCC t2s changes c on its own */
	struct chv a, b;
	UChar *u16in, *u16out;
	size_t u16in_cap, u16out_cap;
	struct yq_buf tmp;
};

static inline int bit(const uint8_t *m, uint32_t c)
{
	return c < FAST_LIMIT && (m[c >> 3] >> (c & 7) & 1);
}

static inline void setbit(uint8_t *m, uint32_t c)
{
	m[c >> 3] |= (uint8_t)(1u << (c & 7));
}

static int chv_grow(struct chv *v)
{
	size_t cap = v->cap ? v->cap * 2 : 256;
	struct ch *p = realloc(v->v, cap * sizeof(*p));
	if (!p)
		return YQ_ENOMEM;
	v->v = p;
	v->cap = cap;
	return YQ_OK;
}

static inline int chv_push(struct chv *v, uint32_t cp, uint32_t src)
{
	if (v->n == v->cap && chv_grow(v))
		return YQ_ENOMEM;
	v->v[v->n].cp = cp;
	v->v[v->n].src = src;
	v->n++;
	return YQ_OK;
}

/* Decodes the code point at s[*i] of valid UTF-8 (the yq_normalize input
 * contract) without re-validating.  Invalid input still gives code points
 * (never a surrogate or a value past U+10FFFF: those become U+FFFD), and a
 * truncated sequence at the end of the buffer yields U+FFFD instead of
 * reading past it, so the output is valid UTF-8 whatever comes in. */
static inline uint32_t next_cp(const char *str, size_t n, size_t *i)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t p = *i;
	unsigned c = s[p];
	if (c < 0x80) {
		*i = p + 1;
		return c;
	}
	if (c < 0xE0 && p + 1 < n) {
		*i = p + 2;
		return (c & 0x1Fu) << 6 | (s[p + 1] & 0x3Fu);
	}
	if (c < 0xF0 && p + 2 < n) {
		*i = p + 3;
		uint32_t v = (c & 0x0Fu) << 12 | (s[p + 1] & 0x3Fu) << 6 | (s[p + 2] & 0x3Fu);
		return v >= 0xD800 && v <= 0xDFFF ? YQ_UTF8_REPLACEMENT : v;
	}
	if (p + 3 < n) {
		*i = p + 4;
		uint32_t v = (c & 0x07u) << 18 | (s[p + 1] & 0x3Fu) << 12 |
			     (s[p + 2] & 0x3Fu) << 6 | (s[p + 3] & 0x3Fu);
		return v > 0x10FFFF ? YQ_UTF8_REPLACEMENT : v;
	}
	*i = n;
	return YQ_UTF8_REPLACEMENT;
}

static int spans_add(struct yq_spans *s, size_t off, size_t len)
{
	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 8;
		struct yq_span *p = realloc(s->v, cap * sizeof(*p));
		if (!p)
			return YQ_ENOMEM;
		s->v = p;
		s->cap = cap;
	}
	s->v[s->n].off = (uint32_t)off;
	s->v[s->n].len = (uint32_t)len;
	s->n++;
	return YQ_OK;
}

/* ---- creation ---- */

static int to_u16(uint32_t c, UChar u[2])
{
	if (c < 0x10000) {
		u[0] = (UChar)c;
		return 1;
	}
	u[0] = (UChar)(0xD7C0 + (c >> 10));
	u[1] = (UChar)(0xDC00 | (c & 0x3FF));
	return 2;
}

/* Fills bb and stable from ICU and checks the full-width shortcut. */
static int build_nfkc_maps(struct yq_normalizer *n, struct yq_buf *err)
{
	for (uint32_t c = 0; c < FAST_LIMIT; c++) {
		if (c >= 0xD800 && c < 0xE000)
			continue;
		if (!unorm2_hasBoundaryBefore(n->nfkc, (UChar32)c))
			continue;
		setbit(n->bb, c);
		UChar u[2];
		UErrorCode e = U_ZERO_ERROR;
		int l = to_u16(c, u);
		if (unorm2_isNormalized(n->nfkc, u, l, &e) && U_SUCCESS(e))
			setbit(n->stable, c);
	}
	/* The pass-2 shortcut U+FF01..U+FF5E → c - 0xFEE0 must agree with ICU. */
	for (uint32_t c = 0xFF01; c <= 0xFF5E; c++) {
		UChar in = (UChar)c, out[4];
		UErrorCode e = U_ZERO_ERROR;
		int32_t l = unorm2_normalize(n->nfkc, &in, 1, out, 4, &e);
		if (U_FAILURE(e) || l != 1 || out[0] != c - 0xFEE0 || !bit(n->bb, c)) {
			yq_buf_printf(err, "ICU NFKC of U+%04X is not U+%04X", (unsigned)c,
				      (unsigned)(c - 0xFEE0));
			return YQ_EIO;
		}
	}
	return YQ_OK;
}

/* The CJK blocks whose characters OpenCC t2s may change (measured with
 * OpenCC 1.1.5 over U+0080..U+2FFFF: every changed character lies in
 * U+3400..U+9FFF or U+20000..U+2FFFF; the radicals and compatibility blocks
 * are included for safety). */
static const uint32_t cjk_ranges[][2] = {
	{0x2E80, 0x2FDF}, {0x3400, 0x4DBF}, {0x4E00, 0x9FFF},
	{0xF900, 0xFAFF}, {0x20000, 0x2FFFF},
};

/* Fills trad: one OpenCC run over every CJK code point, one per line. */
static int build_trad_map(struct yq_normalizer *n, struct yq_buf *err)
{
	struct yq_buf *b = &n->tmp;
	char *out = NULL;
	int rc = YQ_OK;
	yq_buf_reset(b);
	for (size_t r = 0; r < sizeof(cjk_ranges) / sizeof(cjk_ranges[0]); r++) {
		for (uint32_t c = cjk_ranges[r][0]; c <= cjk_ranges[r][1]; c++) {
			char u[5];
			int l = yq_utf8_encode(c, u);
			u[l++] = '\n';
			if (yq_buf_add(b, u, (size_t)l)) {
				rc = YQ_ENOMEM;
				goto out;
			}
		}
	}
	out = opencc_convert_utf8(n->cc, b->s, b->len);
	if (!out) {
		yq_buf_printf(err, "OpenCC t2s failed: %s", opencc_error());
		rc = YQ_EIO;
		goto out;
	}
	size_t olen = strlen(out), i = 0, j = 0;
	for (size_t r = 0; r < sizeof(cjk_ranges) / sizeof(cjk_ranges[0]); r++) {
		for (uint32_t c = cjk_ranges[r][0]; c <= cjk_ranges[r][1]; c++) {
			const char *ie = memchr(b->s + i, '\n', b->len - i);
			const char *oe = j < olen ? memchr(out + j, '\n', olen - j) : NULL;
			if (!ie || !oe) {
				yq_buf_printf(err, "OpenCC t2s changed the line structure");
				rc = YQ_EIO;
				goto out;
			}
			size_t il = (size_t)(ie - (b->s + i)), ol = (size_t)(oe - (out + j));
			if (il != ol || memcmp(b->s + i, out + j, il) != 0)
				setbit(n->trad, c);
			i += il + 1;
			j += ol + 1;
		}
	}
out:
	if (out)
		opencc_convert_utf8_free(out);
	yq_buf_reset(b);
	return rc;
}

int yq_normalizer_new(struct yq_normalizer **out, struct yq_buf *err)
{
	int rc = YQ_OK;
	UErrorCode e = U_ZERO_ERROR;
	struct yq_normalizer *n = calloc(1, sizeof(*n));
	if (!n)
		return YQ_ENOMEM;
	yq_buf_init(&n->tmp);
	n->cc = (opencc_t)-1;
	n->bb = calloc(FAST_LIMIT / 8, 1);
	n->stable = calloc(FAST_LIMIT / 8, 1);
	n->trad = calloc(FAST_LIMIT / 8, 1);
	if (!n->bb || !n->stable || !n->trad) {
		rc = YQ_ENOMEM;
		goto out;
	}
	n->nfkc = unorm2_getNFKCInstance(&e);
	if (U_FAILURE(e)) {
		yq_buf_printf(err, "ICU NFKC: %s", u_errorName(e));
		rc = YQ_EIO;
		goto out;
	}
	n->cc = opencc_open("t2s.json");
	if (n->cc == (opencc_t)-1) {
		yq_buf_printf(err, "OpenCC t2s.json: %s", opencc_error());
		rc = YQ_EIO;
		goto out;
	}
	rc = build_nfkc_maps(n, err);
	if (rc)
		goto out;
	rc = build_trad_map(n, err);
out:
	if (rc) {
		yq_normalizer_free(n);
		n = NULL;
	}
	*out = n;
	return rc;
}

void yq_normalizer_free(struct yq_normalizer *n)
{
	if (!n)
		return;
	if (n->cc != (opencc_t)-1 && n->cc)
		opencc_close(n->cc);
	free(n->bb);
	free(n->stable);
	free(n->trad);
	free(n->a.v);
	free(n->b.v);
	free(n->u16in);
	free(n->u16out);
	yq_buf_release(&n->tmp);
	free(n);
}

void yq_norm_result_release(struct yq_norm_result *r)
{
	if (!r)
		return;
	yq_buf_release(&r->text);
	free(r->urls.v);
	free(r->chain_names.v);
	free(r->map);
	memset(r, 0, sizeof(*r));
	yq_buf_init(&r->text);
}

/* ---- pass 1: HTML and removed characters ---- */

/* Step 2 applied to one character: 0 drop, 1 keep (as *cp). */
static inline int keep_char(uint32_t *cp)
{
	uint32_t c = *cp;
	if ((c >= 0x20 && c < 0x7F) || (c >= 0x3000 && c < 0xFE00))
		return 1; /* ASCII text, CJK: the common case */
	if (c == '\t' || c == '\n' || c == '\r' || c == 0x85 || c == 0x1680 || c == 0x2028 ||
	    c == 0x2029) {
		*cp = ' ';
		return 1;
	}
	if (c < 0x20 || (c >= 0x7F && c <= 0x9F))
		return 0; /* C0, DEL, C1 */
	if ((c >= 0x200B && c <= 0x200F) || (c >= 0x2060 && c <= 0x2064) || c == 0xFEFF)
		return 0; /* zero-width */
	if ((c >= 0x202A && c <= 0x202E) || (c >= 0x2066 && c <= 0x2069))
		return 0; /* bidi controls */
	return 1;
}

static inline int emit(struct chv *v, uint32_t cp, uint32_t src)
{
	if (!keep_char(&cp))
		return YQ_OK;
	return chv_push(v, cp, src);
}

/* Named entities: the XML five, nbsp, and the Latin-1 symbols and general
 * punctuation that occur in scraped web text. */
static const struct {
	const char *name;
	uint16_t cp;
} entities[] = {
	{"amp", '&'}, {"lt", '<'}, {"gt", '>'}, {"quot", '"'}, {"apos", '\''},
	{"nbsp", 0xA0}, {"iexcl", 0xA1}, {"cent", 0xA2}, {"pound", 0xA3},
	{"curren", 0xA4}, {"yen", 0xA5}, {"brvbar", 0xA6}, {"sect", 0xA7},
	{"uml", 0xA8}, {"copy", 0xA9}, {"ordf", 0xAA}, {"laquo", 0xAB},
	{"not", 0xAC}, {"shy", 0xAD}, {"reg", 0xAE}, {"macr", 0xAF},
	{"deg", 0xB0}, {"plusmn", 0xB1}, {"sup2", 0xB2}, {"sup3", 0xB3},
	{"acute", 0xB4}, {"micro", 0xB5}, {"para", 0xB6}, {"middot", 0xB7},
	{"cedil", 0xB8}, {"sup1", 0xB9}, {"ordm", 0xBA}, {"raquo", 0xBB},
	{"frac14", 0xBC}, {"frac12", 0xBD}, {"frac34", 0xBE}, {"iquest", 0xBF},
	{"times", 0xD7}, {"divide", 0xF7}, {"ensp", 0x2002}, {"emsp", 0x2003},
	{"thinsp", 0x2009}, {"zwnj", 0x200C}, {"zwj", 0x200D}, {"lrm", 0x200E},
	{"rlm", 0x200F}, {"ndash", 0x2013}, {"mdash", 0x2014}, {"lsquo", 0x2018},
	{"rsquo", 0x2019}, {"sbquo", 0x201A}, {"ldquo", 0x201C}, {"rdquo", 0x201D},
	{"bdquo", 0x201E}, {"dagger", 0x2020}, {"Dagger", 0x2021}, {"bull", 0x2022},
	{"hellip", 0x2026}, {"permil", 0x2030}, {"prime", 0x2032}, {"Prime", 0x2033},
	{"lsaquo", 0x2039}, {"rsaquo", 0x203A}, {"euro", 0x20AC}, {"trade", 0x2122},
	{"larr", 0x2190}, {"uarr", 0x2191}, {"rarr", 0x2192}, {"darr", 0x2193},
	{"hearts", 0x2665},
};

/* Windows-1252 meanings of numeric references &#128;..&#159;, as HTML5
 * decodes them (0 = keep the C1 code, which step 2 then removes). */
static const uint16_t cp1252[32] = {
	0x20AC, 0, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021,
	0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0, 0x017D, 0,
	0, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014,
	0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0, 0x017E, 0x0178,
};

static int is_alpha(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static int is_alnum(int c)
{
	return is_alpha(c) || (c >= '0' && c <= '9');
}

/*
 * Decodes an entity at s[i] == '&'.  Returns its length in bytes (0: not an
 * entity, the '&' is text) and the code point in *cp.  Names need their ';'
 * except the five legacy ones (amp lt gt quot nbsp) before a non-alphanumeric.
 */
static size_t entity(const char *s, size_t n, size_t i, uint32_t *cp)
{
	size_t j = i + 1;
	if (j < n && s[j] == '#') {
		int hex = j + 1 < n && (s[j + 1] == 'x' || s[j + 1] == 'X');
		size_t k = j + 1 + (size_t)hex, start = k;
		uint32_t v = 0;
		while (k < n && k - start < 8) {
			int c = (unsigned char)s[k], d;
			if (c >= '0' && c <= '9')
				d = c - '0';
			else if (hex && c >= 'a' && c <= 'f')
				d = c - 'a' + 10;
			else if (hex && c >= 'A' && c <= 'F')
				d = c - 'A' + 10;
			else
				break;
			v = v * (hex ? 16u : 10u) + (uint32_t)d;
			k++;
		}
		if (k == start || k >= n || s[k] != ';')
			return 0;
		if (v >= 0x80 && v <= 0x9F && cp1252[v - 0x80])
			v = cp1252[v - 0x80];
		if (v == 0 || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF))
			v = YQ_UTF8_REPLACEMENT;
		*cp = v;
		return k + 1 - i;
	}
	size_t k = j;
	while (k < n && k - j < 8 && is_alnum((unsigned char)s[k]))
		k++;
	size_t nl = k - j;
	if (nl == 0)
		return 0;
	int semi = k < n && s[k] == ';';
	for (size_t e = 0; e < sizeof(entities) / sizeof(entities[0]); e++) {
		if (strlen(entities[e].name) != nl || memcmp(entities[e].name, s + j, nl) != 0)
			continue;
		if (!semi && !(e < 4 || entities[e].cp == 0xA0))
			return 0;
		*cp = entities[e].cp;
		return nl + 1 + (size_t)semi;
	}
	return 0;
}

/* HTML tag names we remove; a '<' before any other word is text.  block=1:
 * the tag separates words and becomes a space. */
static const struct {
	const char *name;
	int block;
} tags[] = {
	{"a", 0}, {"abbr", 0}, {"b", 0}, {"big", 0}, {"code", 0}, {"em", 0},
	{"font", 0}, {"i", 0}, {"img", 0}, {"s", 0}, {"small", 0}, {"span", 0},
	{"strong", 0}, {"sub", 0}, {"sup", 0}, {"u", 0}, {"wbr", 0},
	{"address", 1}, {"article", 1}, {"aside", 1}, {"blockquote", 1},
	{"br", 1}, {"center", 1}, {"dd", 1}, {"div", 1}, {"dl", 1}, {"dt", 1},
	{"figcaption", 1}, {"figure", 1}, {"footer", 1}, {"h1", 1}, {"h2", 1},
	{"h3", 1}, {"h4", 1}, {"h5", 1}, {"h6", 1}, {"header", 1}, {"hr", 1},
	{"iframe", 1}, {"li", 1}, {"nav", 1}, {"ol", 1}, {"p", 1}, {"pre", 1},
	{"section", 1}, {"table", 1}, {"tbody", 1}, {"td", 1}, {"th", 1},
	{"thead", 1}, {"tr", 1}, {"ul", 1}, {"video", 1}, {"audio", 1},
	{"source", 1},
};

static size_t cp_count(const char *s, size_t n)
{
	return yq_utf8_count(s, n);
}

static int ieq(const char *a, const char *b, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		int x = (unsigned char)a[i], y = (unsigned char)b[i];
		if (x >= 'A' && x <= 'Z')
			x += 32;
		if (y >= 'A' && y <= 'Z')
			y += 32;
		if (x != y)
			return 0;
	}
	return 1;
}

/* Finds the '>' closing a tag that starts at s[i], honouring quoted
 * attribute values; returns its index or n when there is none within
 * TAG_MAX bytes. */
static size_t tag_end(const char *s, size_t n, size_t i)
{
	char q = 0;
	size_t lim = n - i > TAG_MAX ? i + TAG_MAX : n;
	for (size_t k = i + 1; k < lim; k++) {
		char c = s[k];
		if (q) {
			if (c == q)
				q = 0;
		} else if (c == '"' || c == '\'') {
			q = c;
		} else if (c == '>') {
			return k;
		}
	}
	return n;
}

/* Finds needle (ASCII, matched case-insensitively) in s[i..n); n if absent. */
static size_t find_ci(const char *s, size_t n, size_t i, const char *needle)
{
	size_t l = strlen(needle);
	for (size_t k = i; k + l <= n; k++)
		if (ieq(s + k, needle, l))
			return k;
	return n;
}

/* An alt text is kept when it is a Weibo emoticon tag: '[' + 1..8 code
 * points with no brackets or spaces + ']'. */
static int is_emoticon(const char *s, size_t n)
{
	if (n < 3 || s[0] != '[' || s[n - 1] != ']')
		return 0;
	size_t k = 1, cps = 0;
	while (k < n - 1) {
		int32_t c = yq_utf8_next(s, n - 1, &k);
		if (c < 0 || c == '[' || c == ']' || c == ' ' || c == '\t' || c == 0x3000)
			return 0;
		cps++;
	}
	return cps >= 1 && cps <= 8;
}

/* The alt attribute's value inside tag s[i..e) (e at '>'), or 0. */
static int img_alt(const char *s, size_t i, size_t e, size_t *vo, size_t *vl)
{
	size_t k = i;
	while ((k = find_ci(s, e, k, "alt")) < e) {
		int word_start = k > i && (s[k - 1] == ' ' || s[k - 1] == '\t' ||
					   s[k - 1] == '\n' || s[k - 1] == '\r');
		size_t m = k + 3;
		while (m < e && (s[m] == ' ' || s[m] == '\t'))
			m++;
		if (!word_start || m >= e || s[m] != '=') {
			k += 3;
			continue;
		}
		m++;
		while (m < e && (s[m] == ' ' || s[m] == '\t'))
			m++;
		if (m < e && (s[m] == '"' || s[m] == '\'')) {
			char q = s[m];
			const char *z = memchr(s + m + 1, q, e - m - 1);
			if (!z)
				return 0;
			*vo = m + 1;
			*vl = (size_t)(z - (s + m + 1));
			return 1;
		}
		size_t z = m;
		while (z < e && s[z] != ' ' && s[z] != '\t' && s[z] != '/')
			z++;
		*vo = m;
		*vl = z - m;
		return 1;
	}
	return 0;
}

/*
 * Tries to read markup at s[i] == '<' (src: its code-point offset).  On
 * success appends what the markup leaves (a space, an emoticon alt text),
 * sets *adv to the bytes consumed and *cps to their code points, and
 * returns 1; returns 0 when the '<' is text.  Errors: YQ_ENOMEM.
 */
static int markup(struct chv *v, const char *s, size_t n, size_t i, uint32_t src,
		  size_t *adv, size_t *cps)
{
	size_t end;
	if (i + 4 <= n && memcmp(s + i, "<!--", 4) == 0) {
		const char *z = memmem(s + i + 4, n - i - 4, "-->", 3);
		if (!z)
			return 0;
		end = (size_t)(z - s) + 3;
		*adv = end - i;
		*cps = cp_count(s + i, *adv);
		return 1;
	}
	if (i + 2 < n && s[i + 1] == '!' && is_alpha((unsigned char)s[i + 2])) {
		end = tag_end(s, n, i); /* <!DOCTYPE …> */
		if (end == n)
			return 0;
		*adv = end + 1 - i;
		*cps = cp_count(s + i, *adv);
		return 1;
	}
	size_t k = i + 1;
	if (k < n && s[k] == '/')
		k++;
	size_t ns = k;
	while (k < n && is_alnum((unsigned char)s[k]))
		k++;
	size_t nl = k - ns;
	if (nl == 0 || !is_alpha((unsigned char)s[ns]))
		return 0;
	if (k < n && !(s[k] == '>' || s[k] == '/' || s[k] == ' ' || s[k] == '\t' ||
		       s[k] == '\n' || s[k] == '\r'))
		return 0;
	int block = -1;
	for (size_t t = 0; t < sizeof(tags) / sizeof(tags[0]); t++)
		if (strlen(tags[t].name) == nl && ieq(tags[t].name, s + ns, nl))
			block = tags[t].block;
	int skip_body = 0;
	if (block < 0) {
		if ((nl == 6 && ieq(s + ns, "script", 6)) || (nl == 5 && ieq(s + ns, "style", 5)))
			skip_body = s[i + 1] != '/';
		else
			return 0;
		block = 1;
	}
	end = tag_end(s, n, i);
	if (end == n)
		return 0;
	end++;
	if (skip_body) {
		size_t z = find_ci(s, n, end, nl == 6 ? "</script" : "</style");
		if (z < n) {
			size_t ze = tag_end(s, n, z);
			end = ze < n ? ze + 1 : n;
		} else {
			end = n;
		}
	}
	*adv = end - i;
	*cps = cp_count(s + i, *adv);
	size_t vo, vl;
	if (nl == 3 && ieq(s + ns, "img", 3) && img_alt(s, i, end - 1, &vo, &vl) &&
	    is_emoticon(s + vo, vl)) {
		uint32_t at = src + (uint32_t)cp_count(s + i, vo - i);
		size_t q = vo;
		while (q < vo + vl) {
			int32_t c = yq_utf8_next(s, vo + vl, &q);
			if (emit(v, (uint32_t)c, at++))
				return YQ_ENOMEM;
		}
		return 1;
	}
	if (block && chv_push(v, ' ', src))
		return YQ_ENOMEM;
	return 1;
}

static int pass_html(struct yq_normalizer *nz, const char *s, size_t n, uint32_t *ncp)
{
	struct chv *v = &nz->a;
	uint32_t src = 0;
	size_t i = 0;
	v->n = 0;
	while (i < n) {
		unsigned char c = (unsigned char)s[i];
		if (c == '<') {
			size_t adv, cps;
			int m = markup(v, s, n, i, src, &adv, &cps);
			if (m < 0)
				return m;
			if (m) {
				i += adv;
				src += (uint32_t)cps;
				continue;
			}
		} else if (c == '&') {
			uint32_t cp;
			size_t l = entity(s, n, i, &cp);
			if (l) {
				if (emit(v, cp, src))
					return YQ_ENOMEM;
				i += l;
				src += (uint32_t)l; /* entities are ASCII */
				continue;
			}
		}
		uint32_t cp = next_cp(s, n, &i);
		if (emit(v, cp, src++))
			return YQ_ENOMEM;
	}
	*ncp = src;
	return YQ_OK;
}

/* ---- pass 2: NFKC ---- */

static int grow_u16(UChar **p, size_t *cap, size_t need)
{
	if (need <= *cap)
		return YQ_OK;
	size_t c = *cap ? *cap : 256;
	while (c < need)
		c *= 2;
	UChar *q = realloc(*p, c * sizeof(*q));
	if (!q)
		return YQ_ENOMEM;
	*p = q;
	*cap = c;
	return YQ_OK;
}

/* NFKC of the segment a[i..j) through ICU; every output character maps to
 * the segment's first source offset. */
static int nfkc_icu(struct yq_normalizer *nz, size_t i, size_t j)
{
	const struct ch *a = nz->a.v;
	size_t need = 2 * (j - i);
	if (grow_u16(&nz->u16in, &nz->u16in_cap, need))
		return YQ_ENOMEM;
	int32_t ul = 0;
	for (size_t k = i; k < j; k++)
		ul += to_u16(a[k].cp, nz->u16in + ul);
	UErrorCode e = U_ZERO_ERROR;
	if (grow_u16(&nz->u16out, &nz->u16out_cap, (size_t)ul * 3 + 8))
		return YQ_ENOMEM;
	int32_t ol = unorm2_normalize(nz->nfkc, nz->u16in, ul, nz->u16out,
				      (int32_t)nz->u16out_cap, &e);
	if (e == U_BUFFER_OVERFLOW_ERROR) {
		if (grow_u16(&nz->u16out, &nz->u16out_cap, (size_t)ol + 8))
			return YQ_ENOMEM;
		e = U_ZERO_ERROR;
		ol = unorm2_normalize(nz->nfkc, nz->u16in, ul, nz->u16out,
				      (int32_t)nz->u16out_cap, &e);
	}
	if (U_FAILURE(e))
		return YQ_ENOMEM; /* ICU fails here only on allocation */
	for (int32_t k = 0; k < ol; k++) {
		uint32_t c = nz->u16out[k];
		if (c >= 0xD800 && c < 0xDC00 && k + 1 < ol) {
			c = 0x10000 + ((c - 0xD800) << 10) + (nz->u16out[k + 1] - 0xDC00u);
			k++;
		}
		if (chv_push(&nz->b, c, a[i].src))
			return YQ_ENOMEM;
	}
	return YQ_OK;
}

/* cjk_punct: the full-width forms that are ordinary Chinese sentence
 * punctuation (，！？：；（）), not ASCII written wide: NFKC would turn them
 * into ASCII, but a Chinese reader and every later stage treat them as the
 * punctuation they are, so they are kept as written (field case match-06).
 * Full-width letters, digits and the other symbols (％＃＠．／…) still become
 * ASCII, which numbers, topics, mentions and URLs need. */
static int cjk_punct(uint32_t c)
{
	return c == 0xFF0C || c == 0xFF01 || c == 0xFF1F || c == 0xFF1A || c == 0xFF1B ||
	       c == 0xFF08 || c == 0xFF09;
}

static int pass_nfkc(struct yq_normalizer *nz)
{
	const struct ch *a = nz->a.v;
	size_t n = nz->a.n, i = 0;
	nz->b.n = 0;
	while (i < n) {
		size_t j = i + 1;
		while (j < n && !bit(nz->bb, a[j].cp))
			j++;
		uint32_t c = a[i].cp;
		int rc;
		if (j == i + 1 && bit(nz->stable, c))
			rc = chv_push(&nz->b, c, a[i].src);
		else if (j == i + 1 && cjk_punct(c))
			rc = chv_push(&nz->b, c, a[i].src); /* Chinese punctuation stays */
		else if (j == i + 1 && c >= 0xFF01 && c <= 0xFF5E)
			rc = chv_push(&nz->b, c - 0xFEE0, a[i].src);
		else
			rc = nfkc_icu(nz, i, j);
		if (rc)
			return rc;
		i = j;
	}
	return YQ_OK;
}

/* ---- pass 3: traditional → simplified ---- */

/* Converts b[i..j) with OpenCC.  Equal code-point counts map 1:1; otherwise
 * (when whole=0) the converted stretch maps to the stretch's first source
 * offset.  Output goes to a[].  Returns 1 when whole=1 and the count
 * differs (nothing appended), 0 on success, YQ_ENOMEM. */
static int t2s_stretch(struct yq_normalizer *nz, size_t i, size_t j, int whole)
{
	const struct ch *b = nz->b.v;
	struct yq_buf *t = &nz->tmp;
	int rc = YQ_OK;
	char *out = NULL;
	yq_buf_reset(t);
	for (size_t k = i; k < j; k++) {
		char u[4];
		if (yq_buf_add(t, u, (size_t)yq_utf8_encode(b[k].cp, u)))
			return YQ_ENOMEM;
	}
	out = opencc_convert_utf8(nz->cc, t->s, t->len);
	if (!out)
		return YQ_ENOMEM; /* OpenCC reports only allocation failures here */
	size_t ol = strlen(out);
	size_t cnt = yq_utf8_count(out, ol);
	if (cnt != j - i && whole) {
		rc = 1;
		goto out;
	}
	size_t q = 0, k = i;
	while (q < ol) {
		int32_t c = yq_utf8_next(out, ol, &q);
		uint32_t src = cnt == j - i ? b[k++].src : b[i].src;
		if (c < 0)
			c = YQ_UTF8_REPLACEMENT;
		if (chv_push(&nz->a, (uint32_t)c, src)) {
			rc = YQ_ENOMEM;
			goto out;
		}
	}
out:
	opencc_convert_utf8_free(out);
	return rc;
}

static int is_trad_run_char(uint32_t c)
{
	return c >= 0x80 && c != 0xA0 && c != 0x3000;
}

/* Sets *ran to 1 when OpenCC ran.  The result is left in b[]. */
static int pass_t2s(struct yq_normalizer *nz, unsigned *ran)
{
	const struct ch *b = nz->b.v;
	size_t n = nz->b.n, i;
	*ran = 0;
	for (i = 0; i < n; i++)
		if (bit(nz->trad, b[i].cp))
			break;
	if (i == n)
		return YQ_OK;
	*ran = 1;
	nz->a.n = 0;
	int rc = t2s_stretch(nz, 0, n, 1);
	if (rc < 0)
		return rc;
	if (rc == 1) {
		/* The code-point count changed somewhere: convert run by run
		 * (runs of non-ASCII characters, where phrases live) so only
		 * the run that changed length loses its 1:1 map. */
		nz->a.n = 0;
		i = 0;
		while (i < n) {
			size_t j = i;
			int has = 0;
			while (j < n && is_trad_run_char(b[j].cp))
				has |= bit(nz->trad, b[j++].cp);
			if (j == i) {
				if (chv_push(&nz->a, b[i].cp, b[i].src))
					return YQ_ENOMEM;
				i++;
				continue;
			}
			for (size_t k = i; !has && k < j; k++)
				if (chv_push(&nz->a, b[k].cp, b[k].src))
					return YQ_ENOMEM;
			if (has && (rc = t2s_stretch(nz, i, j, 0)) < 0)
				return rc;
			i = j;
		}
	}
	struct chv t = nz->a;
	nz->a = nz->b;
	nz->b = t;
	return YQ_OK;
}

/* ---- pass 4: whitespace, encoding, offset map ---- */

static int pass_out(struct yq_normalizer *nz, uint32_t ncp, struct yq_norm_result *r)
{
	const struct ch *b = nz->b.v;
	size_t n = nz->b.n, need = 4 * n + 1;
	yq_buf_reset(&r->text);
	if (yq_buf_grow(&r->text, 4 * n))
		return YQ_ENOMEM;
	if (r->map_cap < need) {
		uint32_t *m = realloc(r->map, need * sizeof(*m));
		if (!m)
			return YQ_ENOMEM;
		r->map = m;
		r->map_cap = need;
	}
	char *o = r->text.s;
	size_t len = 0;
	int pending = 0; /* a space is due before the next character */
	uint32_t psrc = 0;
	for (size_t i = 0; i < n; i++) {
		uint32_t c = b[i].cp;
		if (c == ' ') {
			if (!pending && len) {
				pending = 1;
				psrc = b[i].src;
			}
			continue;
		}
		if (pending) {
			r->map[len] = psrc;
			o[len++] = ' ';
			pending = 0;
		}
		uint32_t src = b[i].src;
		if (c < 0x80) {
			r->map[len] = src;
			o[len++] = (char)c;
		} else if (c >= 0x800 && c < 0x10000) {
			r->map[len] = r->map[len + 1] = r->map[len + 2] = src;
			o[len++] = (char)(0xE0 | (c >> 12));
			o[len++] = (char)(0x80 | ((c >> 6) & 0x3F));
			o[len++] = (char)(0x80 | (c & 0x3F));
		} else {
			int l = yq_utf8_encode(c, o + len);
			for (int k = 0; k < l; k++)
				r->map[len + (size_t)k] = src;
			len += (size_t)l;
		}
	}
	o[len] = '\0';
	r->text.len = len;
	r->map[len] = ncp;
	return YQ_OK;
}

/* ---- structure: URLs and the repost chain ---- */

static int url_char(int c)
{
	return c > 0x20 && c < 0x7F && !strchr("\"<>\\^`{|}", c);
}

static int starts_ci(const char *s, size_t n, size_t i, const char *p)
{
	size_t l = strlen(p);
	return i + l <= n && ieq(s + i, p, l);
}

size_t yq_norm_url_len(const char *s, size_t n, size_t i)
{
	size_t head;
	if (i > 0 && (is_alnum((unsigned char)s[i - 1]) || s[i - 1] == '.' ||
		      s[i - 1] == '/' || s[i - 1] == '@'))
		return 0;
	if (starts_ci(s, n, i, "https://"))
		head = 8;
	else if (starts_ci(s, n, i, "http://"))
		head = 7;
	else if (starts_ci(s, n, i, "www."))
		head = 4;
	else if (starts_ci(s, n, i, "t.cn/"))
		head = 5;
	else
		return 0;
	size_t k = i + head;
	while (k < n && url_char((unsigned char)s[k]) &&
	       !(k + 3 <= n && memcmp(s + k, "//@", 3) == 0))
		k++;
	while (k > i + head && strchr(".,;:!?'\")]", s[k - 1]))
		k--; /* trailing punctuation belongs to the sentence */
	if (k == i + head || !is_alnum((unsigned char)s[i + head]))
		return 0;
	return k - i;
}

/* "//@name:" at s[i]: returns 1 and the name span. */
static int chain_at(const char *s, size_t n, size_t i, size_t *no, size_t *nl)
{
	if (i + 3 >= n || memcmp(s + i, "//@", 3) != 0)
		return 0;
	size_t k = i + 3, cps = 0;
	/* the name ends at ':' or at the Chinese colon '：' (kept by pass 2) */
	while (k < n && s[k] != ':' && !(k + 3 <= n && memcmp(s + k, "：", 3) == 0) &&
	       cps <= NAME_MAX_CP) {
		int32_t c = yq_utf8_next(s, n, &k);
		if (c == ' ' || c == '@' || c == '/')
			return 0;
		cps++;
	}
	if (k >= n || cps == 0 || cps > NAME_MAX_CP)
		return 0;
	*no = i + 3;
	*nl = k - (i + 3);
	return 1;
}

static int find_structure(struct yq_norm_result *r)
{
	const char *s = r->text.s;
	size_t n = r->text.len;
	r->urls.n = 0;
	r->chain_names.n = 0;
	r->own_len = n;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (c != 'h' && c != 'H' && c != 'w' && c != 'W' && c != 't' && c != 'T')
			continue;
		size_t l = yq_norm_url_len(s, n, i);
		if (l) {
			if (spans_add(&r->urls, i, l))
				return YQ_ENOMEM;
			i += l - 1;
		}
	}
	const char *p = s;
	while ((p = memmem(p, n - (size_t)(p - s), "//@", 3)) != NULL) {
		size_t i = (size_t)(p - s), no, nl;
		if (chain_at(s, n, i, &no, &nl)) { /* URLs end before "//@" */
			if (r->chain_names.n == 0)
				r->own_len = i;
			if (spans_add(&r->chain_names, no, nl))
				return YQ_ENOMEM;
			p = s + no + nl;
		} else {
			p += 3;
		}
	}
	return YQ_OK;
}

/* ---- driver ---- */

int yq_normalize(struct yq_normalizer *n, const char *in, size_t len,
		 struct yq_norm_result *r)
{
	uint32_t ncp = 0;
	int rc;
	if (len > NORM_MAX_INPUT)
		return YQ_ETOOBIG;
	if (r->text.s == NULL)
		yq_buf_init(&r->text);
	r->traditional = 0;
	rc = pass_html(n, in, len, &ncp);
	if (rc)
		goto out;
	rc = pass_nfkc(n);
	if (rc)
		goto out;
	rc = pass_t2s(n, &r->traditional);
	if (rc)
		goto out;
	rc = pass_out(n, ncp, r);
	if (rc)
		goto out;
	rc = find_structure(r);
out:
	return rc;
}
