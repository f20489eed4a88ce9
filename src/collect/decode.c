/*
 * decode.c — bytes of any charset → UTF-8; see decode.h for the rules.
 *
 * Where it sits: first thing after bytes arrive (the fetcher, the feed
 * parser, replay of feed files); everything downstream assumes UTF-8.
 *
 * Design.  A decision pass, then one decoding pass.
 *   sniff      the BOM, the XML declaration (also its UTF-16 shapes
 *              "<\0?\0" / "\0<\0?" of XML 1.0 appendix F) or, failing
 *              that, an HTML <meta> in the first 4 KiB;
 *   resolve    a label → (ICU converter name, canonical name) by the
 *              WHATWG-like table below, or ICU's alias table for the rest;
 *   convert    ucnv_convertEx(source → UTF-8) into the output buffer with
 *              a counting callback writing U+FFFD.  The first candidate is
 *              converted straight away: when it is clean (the usual case)
 *              that is the only pass;
 *   count      otherwise each further candidate decodes into a scratch
 *              buffer through the counting callback and stops early once
 *              it cannot beat the best so far, so a wrong candidate usually
 *              costs a few KiB; a winner is converted again into out.
 * Valid UTF-8 is recognized with yq_utf8_valid and copied as is.
 *
 * Invariants: info->charset is always a NUL-terminated canonical name;
 * info->replaced is the number of U+FFFD the conversion wrote for invalid
 * input (U+FFFD present in the input itself is not counted).
 */
#include "collect/decode.h"
#include "base/error.h"
#include "base/utf8.h"

#include <stdint.h>
#include <string.h>
#include <unicode/ucnv.h>
#include <unicode/ucnv_cb.h>

#define SNIFF_META 4096 /* bytes scanned for an HTML <meta> charset */
#define SNIFF_XML 512   /* longest XML declaration looked at */
#define LABEL_MAX 48    /* longer labels are not charset names */
#define MAX_CANDS 6

struct cand {
	char icu[64];    /* ICU converter name */
	char canon[32];  /* canonical lower-case name */
	const char *why; /* static */
	int declared;
};

/* ---- labels ---- */

struct label {
	const char *label, *icu, *canon;
};

/* WHATWG Encoding Standard labels of the charsets Chinese sources use, with
 * gb2312/gbk → gb18030 and big5 → ICU's Big5-HKSCS; us-ascii stays ASCII. */
static const struct label labels[] = {
	{"utf-8", "UTF-8", "utf-8"},
	{"utf8", "UTF-8", "utf-8"},
	{"unicode-1-1-utf-8", "UTF-8", "utf-8"},
	{"unicode11utf8", "UTF-8", "utf-8"},
	{"unicode20utf8", "UTF-8", "utf-8"},
	{"x-unicode20utf8", "UTF-8", "utf-8"},
	{"gb18030", "GB18030", "gb18030"},
	{"gb2312", "GB18030", "gb18030"},
	{"gbk", "GB18030", "gb18030"},
	{"x-gbk", "GB18030", "gb18030"},
	{"cp936", "GB18030", "gb18030"},
	{"ms936", "GB18030", "gb18030"},
	{"windows-936", "GB18030", "gb18030"},
	{"euc-cn", "GB18030", "gb18030"},
	{"csgb2312", "GB18030", "gb18030"},
	{"chinese", "GB18030", "gb18030"},
	{"gb_2312", "GB18030", "gb18030"},
	{"gb_2312-80", "GB18030", "gb18030"},
	{"iso-ir-58", "GB18030", "gb18030"},
	{"csiso58gb231280", "GB18030", "gb18030"},
	{"big5", "Big5-HKSCS", "big5"},
	{"big5-hkscs", "Big5-HKSCS", "big5"},
	{"big5hkscs", "Big5-HKSCS", "big5"},
	{"cn-big5", "Big5-HKSCS", "big5"},
	{"csbig5", "Big5-HKSCS", "big5"},
	{"x-x-big5", "Big5-HKSCS", "big5"},
	{"cp950", "Big5-HKSCS", "big5"},
	{"windows-950", "Big5-HKSCS", "big5"},
	{"iso-8859-1", "windows-1252", "windows-1252"},
	{"iso8859-1", "windows-1252", "windows-1252"},
	{"iso_8859-1", "windows-1252", "windows-1252"},
	{"iso88591", "windows-1252", "windows-1252"},
	{"latin1", "windows-1252", "windows-1252"},
	{"l1", "windows-1252", "windows-1252"},
	{"cp819", "windows-1252", "windows-1252"},
	{"ibm819", "windows-1252", "windows-1252"},
	{"csisolatin1", "windows-1252", "windows-1252"},
	{"iso-ir-100", "windows-1252", "windows-1252"},
	{"cp1252", "windows-1252", "windows-1252"},
	{"x-cp1252", "windows-1252", "windows-1252"},
	{"windows-1252", "windows-1252", "windows-1252"},
	{"us-ascii", "US-ASCII", "us-ascii"},
	{"ascii", "US-ASCII", "us-ascii"},
	{"ansi_x3.4-1968", "US-ASCII", "us-ascii"},
	{"csascii", "US-ASCII", "us-ascii"},
	{"us", "US-ASCII", "us-ascii"},
	{"iso646-us", "US-ASCII", "us-ascii"},
	{"utf-16", "UTF-16LE", "utf-16le"},
	{"utf-16le", "UTF-16LE", "utf-16le"},
	{"unicode", "UTF-16LE", "utf-16le"},
	{"ucs-2", "UTF-16LE", "utf-16le"},
	{"csunicode", "UTF-16LE", "utf-16le"},
	{"iso-10646-ucs-2", "UTF-16LE", "utf-16le"},
	{"unicodefeff", "UTF-16LE", "utf-16le"},
	{"utf-16be", "UTF-16BE", "utf-16be"},
	{"unicodefffe", "UTF-16BE", "utf-16be"},
};

/* Labels never used: WHATWG's "replacement" set, UTF-7 and other encodings
 * that can smuggle ASCII markup past a filter. */
static const char *const refused[] = {
	"utf-7", "utf7", "unicode-1-1-utf-7", "csunicode11utf7", "iso-2022-cn",
	"iso-2022-cn-ext", "hz-gb-2312", "iso-2022-kr", "csiso2022kr", "replacement",
	"x-user-defined",
};

static int lower_copy(const char *s, size_t n, char *out, size_t cap)
{
	if (n == 0 || n >= cap)
		return -1;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c <= ' ' || c >= 0x7F)
			return -1;
		out[i] = (char)(c >= 'A' && c <= 'Z' ? c + 32 : c);
	}
	out[n] = '\0';
	return 0;
}

/* trim: strips spaces and quotes around s[0..*n). */
static const char *trim(const char *s, size_t *n)
{
	while (*n && (*s == ' ' || *s == '\t' || *s == '"' || *s == '\'')) {
		s++;
		(*n)--;
	}
	while (*n && (s[*n - 1] == ' ' || s[*n - 1] == '\t' || s[*n - 1] == '"' ||
		      s[*n - 1] == '\''))
		(*n)--;
	return s;
}

static int is_utf16_32(UConverterType t)
{
	return t == UCNV_UTF16 || t == UCNV_UTF16_BigEndian || t == UCNV_UTF16_LittleEndian ||
	       t == UCNV_UTF32 || t == UCNV_UTF32_BigEndian || t == UCNV_UTF32_LittleEndian;
}

/* resolve: fills c->icu and c->canon for label s[0..n); 0 or YQ_ENOTFOUND. */
static int resolve(const char *s, size_t n, int in_doc, struct cand *c)
{
	char l[LABEL_MAX];
	s = trim(s, &n);
	if (lower_copy(s, n, l, sizeof l))
		return YQ_ENOTFOUND;
	for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++)
		if (strcmp(l, refused[i]) == 0)
			return YQ_ENOTFOUND;
	for (size_t i = 0; i < sizeof(labels) / sizeof(labels[0]); i++)
		if (strcmp(l, labels[i].label) == 0) {
			if (in_doc && strncmp(labels[i].canon, "utf-16", 6) == 0)
				i = 0; /* utf-16 named in ASCII-readable bytes: utf-8 */
			strcpy(c->icu, labels[i].icu);
			strcpy(c->canon, labels[i].canon);
			return YQ_OK;
		}
	/* ICU's alias table for the rest (euc-jp, shift_jis, koi8-r, …). */
	UErrorCode st = U_ZERO_ERROR;
	UConverter *cv = ucnv_open(l, &st);
	if (U_FAILURE(st)) { /* U_AMBIGUOUS_ALIAS_WARNING: ICU's default mapping is fine */
		ucnv_close(cv);
		return YQ_ENOTFOUND;
	}
	UConverterType t = ucnv_getType(cv);
	const char *name = ucnv_getName(cv, &st);
	int rc = YQ_OK;
	if (U_FAILURE(st) || t == UCNV_UTF7 || t == UCNV_IMAP_MAILBOX || t == UCNV_SCSU ||
	    t == UCNV_BOCU1 || t == UCNV_CESU8 || t == UCNV_ISO_2022 || t == UCNV_HZ ||
	    t == UCNV_COMPOUND_TEXT || strlen(name) >= sizeof c->icu) {
		rc = YQ_ENOTFOUND;
		goto out;
	}
	if (in_doc && is_utf16_32(t)) {
		strcpy(c->icu, "UTF-8");
		strcpy(c->canon, "utf-8");
		goto out;
	}
	strcpy(c->icu, name);
	UErrorCode s2 = U_ZERO_ERROR;
	const char *std = ucnv_getStandardName(name, "MIME", &s2);
	if (!std || U_FAILURE(s2)) {
		s2 = U_ZERO_ERROR;
		std = ucnv_getStandardName(name, "IANA", &s2);
	}
	if (!std || U_FAILURE(s2))
		std = name;
	if (lower_copy(std, strlen(std), c->canon, sizeof c->canon) &&
	    lower_copy(l, strlen(l), c->canon, sizeof c->canon))
		rc = YQ_ENOTFOUND;
out:
	ucnv_close(cv);
	return rc;
}

int yq_decode_label(const char *label, int in_document, char canon[32])
{
	struct cand c;
	int rc = resolve(label, strlen(label), in_document, &c);
	if (rc == YQ_OK)
		memcpy(canon, c.canon, sizeof c.canon);
	return rc;
}

/* ---- sniffing ---- */

static int ieq_prefix(const char *s, size_t n, const char *p)
{
	size_t k = strlen(p);
	if (n < k)
		return 0;
	for (size_t i = 0; i < k; i++) {
		char c = s[i];
		if (c >= 'A' && c <= 'Z')
			c += 32;
		if (c != p[i])
			return 0;
	}
	return 1;
}

static int is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f';
}

/* xml_encoding: the encoding= value of a leading XML declaration. */
static int xml_encoding(const char *s, size_t n, const char **v, size_t *vl)
{
	size_t i = 0;
	while (i < n && i < 64 && is_space(s[i]))
		i++;
	if (n - i < 6 || memcmp(s + i, "<?xml", 5) != 0 || !is_space(s[i + 5]))
		return 0;
	size_t end = i + 5, lim = n < i + SNIFF_XML ? n : i + SNIFF_XML;
	while (end + 1 < lim && !(s[end] == '?' && s[end + 1] == '>'))
		end++;
	for (size_t j = i + 5; j + 8 < end; j++) {
		if (memcmp(s + j, "encoding", 8) != 0 || !is_space(s[j - 1]))
			continue;
		size_t k = j + 8;
		while (k < end && is_space(s[k]))
			k++;
		if (k >= end || s[k] != '=')
			continue;
		k++;
		while (k < end && is_space(s[k]))
			k++;
		if (k >= end || (s[k] != '"' && s[k] != '\''))
			continue;
		char q = s[k++];
		size_t b = k;
		while (k < end && s[k] != q)
			k++;
		if (k >= end)
			return 0;
		*v = s + b;
		*vl = k - b;
		return 1;
	}
	return 0;
}

/* attr: reads one attribute of a tag at s[*i]; 0 at the tag's end. */
static int attr(const char *s, size_t n, size_t *i, const char **name, size_t *nl,
		const char **val, size_t *vl)
{
	size_t k = *i;
	while (k < n && (is_space(s[k]) || s[k] == '/'))
		k++;
	if (k >= n || s[k] == '>')
		return 0;
	*name = s + k;
	while (k < n && !is_space(s[k]) && s[k] != '=' && s[k] != '>' && s[k] != '/')
		k++;
	*nl = (size_t)(s + k - *name);
	while (k < n && is_space(s[k]))
		k++;
	*val = s + k;
	*vl = 0;
	if (k < n && s[k] == '=') {
		k++;
		while (k < n && is_space(s[k]))
			k++;
		if (k < n && (s[k] == '"' || s[k] == '\'')) {
			char q = s[k++];
			*val = s + k;
			while (k < n && s[k] != q)
				k++;
			*vl = (size_t)(s + k - *val);
			if (k < n)
				k++;
		} else {
			*val = s + k;
			while (k < n && !is_space(s[k]) && s[k] != '>')
				k++;
			*vl = (size_t)(s + k - *val);
		}
	}
	*i = k;
	return 1;
}

/* charset_param: the value after "charset=" in s[0..n), or 0. */
static int charset_param(const char *s, size_t n, const char **v, size_t *vl)
{
	for (size_t i = 0; i + 8 <= n; i++) {
		if (!ieq_prefix(s + i, n - i, "charset"))
			continue;
		size_t k = i + 7;
		while (k < n && is_space(s[k]))
			k++;
		if (k >= n || s[k] != '=')
			continue;
		k++;
		while (k < n && (is_space(s[k]) || s[k] == '"' || s[k] == '\''))
			k++;
		size_t b = k;
		while (k < n && !is_space(s[k]) && s[k] != ';' && s[k] != '"' && s[k] != '\'')
			k++;
		*v = s + b;
		*vl = k - b;
		return k > b;
	}
	return 0;
}

/* meta_charset: the charset of the first <meta> that names one in the
 * first SNIFF_META bytes (WHATWG's prescan, simplified). */
static int meta_charset(const char *s, size_t n, const char **v, size_t *vl)
{
	if (n > SNIFF_META)
		n = SNIFF_META;
	for (size_t i = 0; i + 5 < n; i++) {
		if (s[i] != '<' || !ieq_prefix(s + i + 1, n - i - 1, "meta") ||
		    !(is_space(s[i + 5]) || s[i + 5] == '/'))
			continue;
		size_t k = i + 5;
		const char *an, *av, *content = NULL;
		size_t anl, avl, cl = 0;
		int http_ct = 0;
		while (attr(s, n, &k, &an, &anl, &av, &avl)) {
			if (anl == 7 && ieq_prefix(an, anl, "charset") && avl) {
				*v = av;
				*vl = avl;
				return 1;
			}
			if (anl == 10 && ieq_prefix(an, anl, "http-equiv") && avl == 12 &&
			    ieq_prefix(av, avl, "content-type"))
				http_ct = 1;
			if (anl == 7 && ieq_prefix(an, anl, "content")) {
				content = av;
				cl = avl;
			}
		}
		if (http_ct && content && charset_param(content, cl, v, vl))
			return 1;
		i = k;
	}
	return 0;
}

/* ---- counting and converting ---- */

struct counter {
	size_t n;
	size_t limit; /* stop counting once n reaches it (SIZE_MAX: never) */
	int gb18030;  /* byte 0x80 is U+20AC (WHATWG's gb18030 decoder, cp936) */
};

static void U_CALLCONV count_cb(const void *ctx, UConverterToUnicodeArgs *args,
				const char *bytes, int32_t len, UConverterCallbackReason reason,
				UErrorCode *err)
{
	if (reason != UCNV_UNASSIGNED && reason != UCNV_ILLEGAL && reason != UCNV_IRREGULAR)
		return;
	struct counter *c = (struct counter *)ctx;
	static const UChar fffd = 0xFFFD, euro = 0x20AC;
	if (c->gb18030 && len == 1 && (unsigned char)bytes[0] == 0x80) {
		*err = U_ZERO_ERROR;
		ucnv_cbToUWriteUChars(args, &euro, 1, 0, err);
		return;
	}
	c->n++;
	*err = U_ZERO_ERROR;
	if (c->n >= c->limit) {
		*err = U_INVALID_CHAR_FOUND; /* stop: this candidate cannot win */
		return;
	}
	ucnv_cbToUWriteUChars(args, &fffd, 1, 0, err);
}

static int open_counting(const char *icu, struct counter *c, UConverter **out)
{
	UErrorCode st = U_ZERO_ERROR;
	c->gb18030 = strcmp(icu, "GB18030") == 0;
	UConverter *cv = ucnv_open(icu, &st);
	if (U_FAILURE(st))
		return st == U_MEMORY_ALLOCATION_ERROR ? YQ_ENOMEM : YQ_ENOTFOUND;
	ucnv_setToUCallBack(cv, count_cb, c, NULL, NULL, &st);
	if (U_FAILURE(st)) {
		ucnv_close(cv);
		return YQ_ENOMEM;
	}
	*out = cv;
	return YQ_OK;
}

/* count_invalid: invalid sequences of in[0..n) under icu, at most limit;
 * SIZE_MAX when the converter cannot be opened. */
static int count_invalid(const char *icu, const char *in, size_t n, size_t limit, size_t *out)
{
	struct counter c = {0, limit, 0};
	UConverter *cv = NULL;
	UChar scratch[8192];
	*out = SIZE_MAX;
	if (strcmp(icu, "UTF-8") == 0 && yq_utf8_valid(in, n)) {
		*out = 0;
		return YQ_OK;
	}
	int rc = open_counting(icu, &c, &cv);
	if (rc)
		return rc == YQ_ENOTFOUND ? YQ_OK : rc;
	const char *s = in, *e = in + n;
	for (;;) {
		UErrorCode st = U_ZERO_ERROR;
		UChar *t = scratch;
		ucnv_toUnicode(cv, &t, scratch + 8192, &s, e, NULL, 1, &st);
		if (st == U_BUFFER_OVERFLOW_ERROR)
			continue;
		if (U_FAILURE(st) && st != U_INVALID_CHAR_FOUND) {
			rc = YQ_ENOMEM;
			goto out;
		}
		break;
	}
	*out = c.n < limit ? c.n : limit;
out:
	ucnv_close(cv);
	return rc;
}

/* convert: appends in[0..n) decoded by icu to out as UTF-8. */
static int convert(const char *icu, const char *in, size_t n, struct yq_buf *out,
		   size_t *replaced)
{
	struct counter c = {0, SIZE_MAX, 0};
	UConverter *src = NULL, *utf8 = NULL;
	UChar pivot[4096], *ps = pivot, *pt = pivot;
	int rc;
	*replaced = 0;
	if (n == 0)
		return YQ_OK;
	if (strcmp(icu, "UTF-8") == 0 && yq_utf8_valid(in, n))
		return yq_buf_add(out, in, n);
	if ((rc = open_counting(icu, &c, &src)))
		goto out;
	UErrorCode st = U_ZERO_ERROR;
	utf8 = ucnv_open("UTF-8", &st);
	if (U_FAILURE(st)) {
		rc = YQ_ENOMEM;
		goto out;
	}
	const char *s = in, *e = in + n;
	int first = 1;
	for (;;) {
		size_t room = n < 65536 ? n + 16 : 65536;
		if ((rc = yq_buf_grow(out, room * 2)))
			goto out;
		char *t0 = out->s + out->len, *t = t0;
		st = U_ZERO_ERROR;
		ucnv_convertEx(utf8, src, &t, out->s + out->cap - 1, &s, e, pivot, &ps, &pt,
			       pivot + 4096, first, 1, &st);
		first = 0;
		out->len += (size_t)(t - t0);
		out->s[out->len] = '\0';
		if (st == U_BUFFER_OVERFLOW_ERROR)
			continue;
		if (U_FAILURE(st)) {
			rc = YQ_ENOMEM;
			goto out;
		}
		break;
	}
	*replaced = c.n;
out:
	ucnv_close(src);
	ucnv_close(utf8);
	return rc;
}

/* ---- the decision ---- */

static void add_cand(struct cand *v, int *k, const struct cand *c)
{
	for (int i = 0; i < *k; i++)
		if (strcmp(v[i].icu, c->icu) == 0)
			return;
	v[(*k)++] = *c;
}

static int pure_ascii(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] >= 0x80)
			return 0;
	return 1;
}

int yq_decode(const char *in, size_t n, const char *http_charset, struct yq_buf *out,
	      struct yq_decode_info *info)
{
	struct cand v[MAX_CANDS], c;
	int k = 0, rc;
	const unsigned char *u = (const unsigned char *)in;
	memset(info, 0, sizeof(*info));
	if (n > YQ_DECODE_MAX)
		return YQ_ETOOBIG;

	/* 1. BOM */
	const char *bom = NULL;
	size_t skip = 0;
	if (n >= 3 && u[0] == 0xEF && u[1] == 0xBB && u[2] == 0xBF)
		bom = "UTF-8", skip = 3;
	else if (n >= 2 && u[0] == 0xFF && u[1] == 0xFE)
		bom = "UTF-16LE", skip = 2;
	else if (n >= 2 && u[0] == 0xFE && u[1] == 0xFF)
		bom = "UTF-16BE", skip = 2;
	if (bom) {
		strcpy(info->charset, skip == 3 ? "utf-8" : u[0] == 0xFF ? "utf-16le" : "utf-16be");
		info->why = "bom";
		return convert(bom, in + skip, n - skip, out, &info->replaced);
	}

	/* 2. candidates */
	const char *lv;
	size_t ll;
	if (http_charset) {
		size_t hl = strlen(http_charset);
		if (!charset_param(http_charset, hl, &lv, &ll)) {
			lv = http_charset;
			ll = hl;
		}
		if (resolve(lv, ll, 0, &c) == 0) {
			c.why = "http";
			c.declared = 1;
			add_cand(v, &k, &c);
		}
	}
	if (n >= 4 && u[0] == '<' && u[1] == 0 && u[2] == '?' && u[3] == 0) {
		strcpy(c.icu, "UTF-16LE");
		strcpy(c.canon, "utf-16le");
		c.why = "xml-declaration";
		c.declared = 1;
		add_cand(v, &k, &c);
	} else if (n >= 4 && u[0] == 0 && u[1] == '<' && u[2] == 0 && u[3] == '?') {
		strcpy(c.icu, "UTF-16BE");
		strcpy(c.canon, "utf-16be");
		c.why = "xml-declaration";
		c.declared = 1;
		add_cand(v, &k, &c);
	} else if (xml_encoding(in, n, &lv, &ll)) {
		if (resolve(lv, ll, 1, &c) == 0) {
			c.why = "xml-declaration";
			c.declared = 1;
			add_cand(v, &k, &c);
		}
	} else if (meta_charset(in, n, &lv, &ll)) {
		if (resolve(lv, ll, 1, &c) == 0) {
			c.why = "html-meta";
			c.declared = 1;
			add_cand(v, &k, &c);
		}
	}
	int ndeclared = k;
	static const char *const detect[3][2] = {
		{"UTF-8", "utf-8"}, {"GB18030", "gb18030"}, {"Big5-HKSCS", "big5"}};
	for (int i = 0; i < 3; i++) {
		strcpy(c.icu, detect[i][0]);
		strcpy(c.canon, detect[i][1]);
		c.why = "detected";
		c.declared = 0;
		add_cand(v, &k, &c);
	}

	/* 3. the first clean candidate, else the fewest replacements.  The
	 * first candidate is converted straight into out (usually it is
	 * right: one pass); the others are only counted until one wins. */
	size_t mark = out->len, bad = 0, best_n;
	int best = 0;
	if ((rc = convert(v[0].icu, in, n, out, &bad)))
		return rc;
	best_n = bad;
	for (int i = 1; i < k && best_n > 0; i++) {
		if ((rc = count_invalid(v[i].icu, in, n, best_n, &bad)))
			return rc;
		if (bad < best_n) {
			best = i;
			best_n = bad;
		}
	}
	c = v[best];
	if (ndeclared == 0 && strcmp(c.icu, "UTF-8") == 0 && pure_ascii(in, n))
		c.why = "default";
	memcpy(info->charset, c.canon, sizeof info->charset);
	info->why = c.why;
	info->declared_mismatch = best > 0 && v[0].declared;
	info->replaced = best_n;
	if (best == 0)
		return YQ_OK;
	out->len = mark;
	out->s[mark] = '\0';
	return convert(c.icu, in, n, out, &info->replaced);
}
