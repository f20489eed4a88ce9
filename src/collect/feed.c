/*
 * feed.c — RSS 2.0/0.9x, RSS 1.0 (RDF) and Atom feeds → items; see feed.h
 * for the contract and the four steps, docs/collect.md for the reasons.
 *
 * Where it sits: collect stage, between the bytes (fetcher, replay of feed
 * files) and the post reader; everything it returns is plain UTF-8 text.
 *
 * Design.
 *   fixup      one pass over the decoded text with two states (content,
 *              inside a tag).  Comments, CDATA sections, <!DOCTYPE …> and
 *              processing instructions are copied whole (minus forbidden
 *              control characters).  In content a '<' that starts no tag
 *              becomes &lt;; anywhere a '&' that starts no well-formed
 *              reference, or names an entity nobody declared, becomes &amp;
 *              — so libxml2's recovery never throws text away (it drops
 *              "&停电通知" and "&nbsp;" whole, tested).  Markup bytes are
 *              ASCII, so scanning UTF-8 bytewise is safe.
 *   libxml2    xmlCtxtReadMemory with RECOVER|NONET|NOCDATA|IGNORE_ENC and
 *              neither NOENT nor DTDLOAD: external entities are never
 *              loaded.  Entity references are never expanded through
 *              libxml2 either: the walker below copies an internal
 *              entity's literal replacement text once (no recursion, so no
 *              "billion laughs").
 *   walker     collect() turns an element's children into a string in one
 *              of three modes: TEXT (text nodes only), HTML (text as HTML
 *              source, child elements serialized back as tags: RSS bodies
 *              with unescaped markup), XHTML (text escaped, elements as
 *              tags: Atom type="xhtml").  html → plain text is done by
 *              html_text(), a small tag stripper with its own entity
 *              decoder (libxml2's HTML 4 table), not by an HTML parser: it
 *              must keep "a < b" and "x<y" as text, unwrap literal CDATA
 *              markers, and decode entities exactly once.
 *   sink       the plain-text writer: runs of white space become one space,
 *              block boundaries one newline (a space in one-line mode),
 *              nothing leading or trailing.
 *
 * Invariants: every string of an item is valid UTF-8 (libxml2 validates its
 * UTF-8 input and decoded references are encoded by yq_utf8_encode) with no
 * NUL; id, title and text are never NULL.
 */
#include "collect/feed.h"
#include "base/error.h"
#include "base/hash.h"
#include "base/utf8.h"

#include <libxml/HTMLparser.h>
#include <libxml/entities.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/uri.h>
#include <limits.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define TAG_MAX 4096     /* longest tag html_text looks for a '>' in */
#define ENTITY_MAX 65536 /* longest internal entity text copied */
#define DECL_MAX 512     /* longest XML declaration rewritten */

/* ---- the plain-text sink ---- */

struct sink {
	struct yq_buf *b;
	size_t start;
	int space, nl;
	int one_line;
};

static int sink_put(struct sink *k, const char *s, size_t n)
{
	if (n == 0)
		return YQ_OK;
	if (k->b->len > k->start && (k->space || k->nl) &&
	    yq_buf_addc(k->b, k->nl && !k->one_line ? '\n' : ' '))
		return YQ_ENOMEM;
	k->space = k->nl = 0;
	return yq_buf_add(k->b, s, n);
}

static int is_ws(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f';
}

/* sink_text: plain text s[0..n); newlines: a '\n' is a line break (else a
 * space like any other white space). */
static int sink_text(struct sink *k, const char *s, size_t n, int newlines)
{
	size_t i = 0;
	while (i < n) {
		size_t b = i;
		while (i < n && !is_ws((unsigned char)s[i]))
			i++;
		if (sink_put(k, s + b, i - b))
			return YQ_ENOMEM;
		for (; i < n && is_ws((unsigned char)s[i]); i++) {
			if (newlines && s[i] == '\n')
				k->nl = 1;
			else
				k->space = 1;
		}
	}
	return YQ_OK;
}

/* ---- HTML → text ---- */

static const uint16_t cp1252[32] = {
	0x20AC, 0x81,   0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160,
	0x2039, 0x0152, 0x8D,   0x017D, 0x8F,   0x90,   0x2018, 0x2019, 0x201C, 0x201D, 0x2022,
	0x2013, 0x2014, 0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0x9D,   0x017E, 0x0178,
};

static int is_alpha(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static int is_digit(int c)
{
	return c >= '0' && c <= '9';
}

static int is_xdigit(int c)
{
	return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

/* entity: decodes the reference at s[i] == '&'; returns its length (0: not
 * a reference, the '&' is text) and the code point in *cp.  Numeric
 * references may omit the ';' (HTML5); names need it. */
static size_t entity(const char *s, size_t n, size_t i, uint32_t *cp)
{
	size_t j = i + 1;
	if (j < n && s[j] == '#') {
		j++;
		int hex = j < n && (s[j] == 'x' || s[j] == 'X');
		if (hex)
			j++;
		size_t d = j;
		uint32_t v = 0;
		while (j < n && (hex ? is_xdigit(s[j]) : is_digit(s[j])) && j - d < 8) {
			int c = s[j];
			v = v * (hex ? 16 : 10) +
			    (uint32_t)(is_digit(c) ? c - '0' : (c | 32) - 'a' + 10);
			j++;
		}
		if (j == d)
			return 0;
		if (j < n && s[j] == ';')
			j++;
		if (v >= 0x80 && v < 0xA0)
			v = cp1252[v - 0x80];
		else if (v == 0 || v > 0x10FFFF || (v >= 0xD800 && v < 0xE000))
			v = YQ_UTF8_REPLACEMENT;
		*cp = v;
		return j - i;
	}
	char name[33];
	size_t b = j;
	while (j < n && j - b < 32 && (is_alpha(s[j]) || is_digit(s[j])))
		j++;
	if (j == b || j >= n || s[j] != ';')
		return 0;
	memcpy(name, s + b, j - b);
	name[j - b] = '\0';
	if (strcmp(name, "apos") == 0) {
		*cp = '\'';
		return j + 1 - i;
	}
	const htmlEntityDesc *e = htmlEntityLookup((const xmlChar *)name);
	if (!e)
		return 0;
	*cp = e->value;
	return j + 1 - i;
}

static int starts_ci(const char *s, size_t n, size_t i, const char *p)
{
	size_t k = strlen(p);
	if (n - i < k)
		return 0;
	for (size_t j = 0; j < k; j++) {
		char c = s[i + j];
		if (c >= 'A' && c <= 'Z')
			c += 32;
		if (c != p[j])
			return 0;
	}
	return 1;
}

/* tag_end: the index of the '>' closing the tag at s[i] == '<' (quotes
 * respected), or 0 when there is none within TAG_MAX bytes. */
static size_t tag_end(const char *s, size_t n, size_t i)
{
	char q = 0;
	size_t lim = n - i > TAG_MAX ? i + TAG_MAX : n;
	for (size_t j = i + 1; j < lim; j++) {
		if (q) {
			if (s[j] == q)
				q = 0;
		} else if (s[j] == '"' || s[j] == '\'') {
			q = s[j];
		} else if (s[j] == '>') {
			return j;
		}
	}
	return 0;
}

static int in_list(const char *name, const char *const *list)
{
	for (; *list; list++)
		if (strcmp(name, *list) == 0)
			return 1;
	return 0;
}

static const char *const block_tags[] = {
	"p", "div", "br", "li", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6", "tr", "table",
	"blockquote", "pre", "hr", "section", "article", "header", "footer", "dl", "dd", "dt",
	"figure", "figcaption", "address", "aside", "nav", "main", "body", NULL,
};
static const char *const skip_tags[] = {
	"script", "style", "template", "noscript", "iframe", "object", "head", NULL,
};

/* img_alt: the alt="…" value inside the tag s[i..e), if any. */
static int img_alt(const char *s, size_t i, size_t e, size_t *vo, size_t *vl)
{
	for (size_t j = i; j + 4 < e; j++) {
		if (!starts_ci(s, e, j, "alt") || !is_ws((unsigned char)s[j - 1]))
			continue;
		size_t k = j + 3;
		while (k < e && is_ws((unsigned char)s[k]))
			k++;
		if (k >= e || s[k] != '=')
			continue;
		k++;
		while (k < e && is_ws((unsigned char)s[k]))
			k++;
		char q = k < e && (s[k] == '"' || s[k] == '\'') ? s[k++] : 0;
		size_t b = k;
		while (k < e && (q ? s[k] != q : !is_ws((unsigned char)s[k]) && s[k] != '/'))
			k++;
		*vo = b;
		*vl = k - b;
		return 1;
	}
	return 0;
}

static int html_text(struct sink *k, const char *s, size_t n);

/* markup: handles the tag s[i..e] (s[e] == '>'). */
static int markup(struct sink *k, const char *s, size_t n, size_t i, size_t e, size_t *next)
{
	char name[16];
	size_t j = i + 1, l = 0;
	int closing = s[j] == '/';
	*next = e + 1;
	if (closing)
		j++;
	while (j < e && l < sizeof name - 1 && (is_alpha(s[j]) || is_digit(s[j])))
		name[l++] = (char)(s[j++] | 32);
	name[l] = '\0';
	if (l == 0 || (j < e && !is_ws((unsigned char)s[j]) && s[j] != '/' && s[j] != '>'))
		return YQ_OK; /* <!…>, <?…?> or an unknown shape: dropped */
	if (!closing && in_list(name, skip_tags)) {
		/* drop everything up to the matching end tag */
		for (size_t m = e + 1; m + 2 + l < n; m++)
			if (s[m] == '<' && s[m + 1] == '/' && starts_ci(s, n, m + 2, name)) {
				size_t z = tag_end(s, n, m);
				*next = z ? z + 1 : n;
				return YQ_OK;
			}
		*next = n;
		return YQ_OK;
	}
	if (in_list(name, block_tags)) {
		k->nl = 1;
		return YQ_OK;
	}
	if (strcmp(name, "td") == 0 || strcmp(name, "th") == 0) {
		k->space = 1;
		return YQ_OK;
	}
	size_t vo, vl;
	if (!closing && strcmp(name, "img") == 0 && img_alt(s, j, e, &vo, &vl) && vl >= 3 &&
	    vl <= 32 && s[vo] == '[' && s[vo + vl - 1] == ']')
		return html_text(k, s + vo, vl); /* an emoticon: [泪] */
	return YQ_OK;
}

static int html_text(struct sink *k, const char *s, size_t n)
{
	size_t i = 0, run = 0, gt = 0; /* gt: the next '>' at or after i (n: none) */
	int cdata = 0;
	while (i < n) {
		char c = s[i];
		size_t skip = 0, next = 0;
		if (c == '<' && starts_ci(s, n, i, "<![cdata[")) {
			skip = 9;
			cdata++;
		} else if (c == ']' && cdata && starts_ci(s, n, i, "]]>")) {
			skip = 3;
			cdata--;
		} else if (c == '<' && starts_ci(s, n, i, "<!--")) {
			const char *z = memmem(s + i + 4, n - i - 4, "-->", 3);
			skip = z ? (size_t)(z - s) + 3 - i : n - i;
		} else if (c == '<' && i + 1 < n &&
			   (is_alpha(s[i + 1]) || s[i + 1] == '!' || s[i + 1] == '?' ||
			    (s[i + 1] == '/' && i + 2 < n && is_alpha(s[i + 2])))) {
			/* a '<' with no '>' within TAG_MAX is text; the cached
			 * position keeps "<a<a<a…" linear */
			if (gt < i) {
				const char *z = memchr(s + i, '>', n - i);
				gt = z ? (size_t)(z - s) : n;
			}
			size_t e = gt - i < TAG_MAX ? tag_end(s, n, i) : 0;
			if (e) {
				if (sink_text(k, s + run, i - run, 0) || markup(k, s, n, i, e, &next))
					return YQ_ENOMEM;
				i = run = next;
				continue;
			}
		} else if (c == '&') {
			uint32_t cp;
			size_t l = entity(s, n, i, &cp);
			if (l) {
				char u[4];
				if (sink_text(k, s + run, i - run, 0))
					return YQ_ENOMEM;
				if (cp == 0xA0)
					cp = ' ';
				int ul = yq_utf8_encode(cp, u);
				if (sink_text(k, u, (size_t)ul, 0))
					return YQ_ENOMEM;
				i = run = i + l;
				continue;
			}
		}
		if (skip) {
			if (sink_text(k, s + run, i - run, 0))
				return YQ_ENOMEM;
			i = run = i + skip;
			continue;
		}
		i++;
	}
	return sink_text(k, s + run, n - run, 0);
}

int yq_feed_html_text(const char *s, size_t n, int one_line, struct yq_buf *out)
{
	struct sink k = {out, out->len, 0, 0, one_line};
	return html_text(&k, s, n);
}

/* ---- step 2: repairs before libxml2 ---- */

static int name_start(unsigned char c)
{
	return is_alpha(c) || c == '_' || c == ':' || c >= 0x80;
}

/* tag_start: c may begin an element name in a feed.  XML allows any
 * letter, but in a Chinese feed "<零度" is text that lost its escaping, not
 * an element: only ASCII names are taken as tags. */
static int tag_start(char c)
{
	return is_alpha(c) || c == '_' || c == ':';
}

static int name_char(unsigned char c)
{
	return name_start(c) || is_digit(c) || c == '-' || c == '.';
}

/* The general entities an internal DTD subset declares (names only). */
#define MAX_DECLS 64
struct decls {
	const char *name[MAX_DECLS];
	size_t len[MAX_DECLS];
	int n;
};

static void find_decls(const char *s, size_t n, struct decls *d)
{
	d->n = 0;
	for (const char *p = s; d->n < MAX_DECLS;) {
		const char *z = memmem(p, (size_t)(s + n - p), "<!ENTITY", 8);
		if (!z)
			break;
		p = z + 8;
		while (p < s + n && is_ws((unsigned char)*p))
			p++;
		const char *b = p;
		while (p < s + n && name_char((unsigned char)*p))
			p++;
		if (p > b) { /* a parameter entity ('%') has no name here */
			d->name[d->n] = b;
			d->len[d->n++] = (size_t)(p - b);
		}
	}
}

/* ref_ok: 1 if s[i] == '&' starts a reference XML accepts: a character
 * reference, a predefined entity or one the document declares. */
static int ref_ok(const char *s, size_t n, size_t i, const struct decls *d)
{
	size_t j = i + 1;
	if (j < n && s[j] == '#') {
		j++;
		int hex = j < n && s[j] == 'x';
		if (hex)
			j++;
		size_t k = j;
		while (j < n && j - k < 10 && (hex ? is_xdigit(s[j]) : is_digit(s[j])))
			j++;
		return j > k && j < n && s[j] == ';';
	}
	size_t b = j;
	while (j < n && j - b < 64 &&
	       (j == b ? name_start((unsigned char)s[j]) : name_char((unsigned char)s[j])))
		j++;
	if (j == b || j >= n || s[j] != ';')
		return 0;
	static const char *const predefined[] = {"amp", "lt", "gt", "quot", "apos"};
	for (int p = 0; p < 5; p++)
		if (strlen(predefined[p]) == j - b && memcmp(s + b, predefined[p], j - b) == 0)
			return 1;
	for (int k = 0; k < d->n; k++)
		if (d->len[k] == j - b && memcmp(s + b, d->name[k], j - b) == 0)
			return 1;
	return 0;
}

static int forbidden(unsigned char c)
{
	return c < 0x20 && c != '\t' && c != '\n' && c != '\r';
}

/* copy_until: copies s[*i..) through the terminator t (or to the end),
 * dropping forbidden control characters. */
static int copy_until(const char *s, size_t n, size_t *i, const char *t, struct yq_buf *o,
		      size_t *repairs)
{
	const char *z = memmem(s + *i, n - *i, t, strlen(t));
	size_t e = z ? (size_t)(z - s) + strlen(t) : n;
	for (size_t j = *i; j < e; j++) {
		if (forbidden((unsigned char)s[j]))
			(*repairs)++;
		else if (yq_buf_addc(o, s[j]))
			return YQ_ENOMEM;
	}
	*i = e;
	return YQ_OK;
}

/* decl: copies the XML declaration s[i..e) with encoding="UTF-8". */
static int decl(const char *s, size_t i, size_t e, struct yq_buf *o)
{
	const char *p = memmem(s + i, e - i, "encoding", 8);
	if (p) {
		size_t k = (size_t)(p - s) + 8;
		while (k < e && (is_ws((unsigned char)s[k]) || s[k] == '='))
			k++;
		if (k < e && (s[k] == '"' || s[k] == '\'')) {
			const char *q = memchr(s + k + 1, s[k], e - k - 1);
			if (q)
				return yq_buf_add(o, s + i, k + 1 - i) || yq_buf_adds(o, "UTF-8") ||
				       yq_buf_add(o, q, (size_t)(s + e - q));
		}
	}
	return yq_buf_add(o, s + i, e - i);
}

static int fixup(const char *s, size_t n, struct yq_buf *o, size_t *repairs)
{
	struct decls d;
	size_t i = 0, w = 0;
	find_decls(s, n, &d);
	while (w < n && is_ws((unsigned char)s[w]))
		w++;
	if (n - w >= 6 && memcmp(s + w, "<?xml", 5) == 0 && is_ws((unsigned char)s[w + 5])) {
		if (w)
			(*repairs)++; /* white space before the declaration */
		const char *z = memmem(s + w, n - w < DECL_MAX ? n - w : DECL_MAX, "?>", 2);
		if (z) {
			if (decl(s, w, (size_t)(z - s) + 2, o))
				return YQ_ENOMEM;
			i = (size_t)(z - s) + 2;
		} else {
			i = w;
		}
	}
	int in_tag = 0;
	char q = 0;
	while (i < n) {
		size_t b = i;
		/* a run of ordinary bytes */
		while (i < n && s[i] != '<' && s[i] != '&' && !forbidden((unsigned char)s[i]) &&
		       !(in_tag && (s[i] == '"' || s[i] == '\'' || s[i] == '>')))
			i++;
		if (yq_buf_add(o, s + b, i - b))
			return YQ_ENOMEM;
		if (i >= n)
			break;
		unsigned char c = (unsigned char)s[i];
		int rc = YQ_OK;
		if (forbidden(c)) {
			(*repairs)++;
			i++;
		} else if (c == '&') {
			if (ref_ok(s, n, i, &d)) {
				rc = yq_buf_addc(o, '&');
			} else {
				(*repairs)++;
				rc = yq_buf_adds(o, "&amp;");
			}
			i++;
		} else if (in_tag) {
			if (q && c == (unsigned char)q)
				q = 0;
			else if (!q && (c == '"' || c == '\''))
				q = (char)c;
			else if (!q && c == '>')
				in_tag = 0;
			rc = yq_buf_addc(o, (char)c);
			i++;
		} else if (starts_ci(s, n, i, "<!--")) {
			rc = copy_until(s, n, &i, "-->", o, repairs);
		} else if (n - i >= 9 && memcmp(s + i, "<![CDATA[", 9) == 0) {
			rc = copy_until(s, n, &i, "]]>", o, repairs);
		} else if (n - i >= 2 && s[i + 1] == '!') {
			/* <!DOCTYPE …[ … ]> and other declarations */
			size_t j = i, depth = 0;
			for (; j < n; j++) {
				if (s[j] == '[')
					depth++;
				else if (s[j] == ']' && depth)
					depth--;
				else if (s[j] == '>' && !depth)
					break;
			}
			size_t e = j < n ? j + 1 : n;
			rc = yq_buf_add(o, s + i, e - i);
			i = e;
		} else if (n - i >= 2 && s[i + 1] == '?') {
			rc = copy_until(s, n, &i, "?>", o, repairs);
		} else if (i + 1 < n && (tag_start(s[i + 1]) ||
					 (s[i + 1] == '/' && i + 2 < n && tag_start(s[i + 2])))) {
			in_tag = 1;
			q = 0;
			rc = yq_buf_addc(o, '<');
			i++;
		} else {
			(*repairs)++;
			rc = yq_buf_adds(o, "&lt;");
			i++;
		}
		if (rc)
			return YQ_ENOMEM;
	}
	return YQ_OK;
}

/* ---- the walker ---- */

enum mode { M_TEXT, M_HTML, M_XHTML };

static int add_escaped(struct yq_buf *b, const char *s)
{
	for (; *s; s++) {
		int rc = *s == '&'   ? yq_buf_adds(b, "&amp;")
			 : *s == '<' ? yq_buf_adds(b, "&lt;")
			 : *s == '>' ? yq_buf_adds(b, "&gt;")
			 : *s == '"' ? yq_buf_adds(b, "&quot;")
				     : yq_buf_addc(b, *s);
		if (rc)
			return YQ_ENOMEM;
	}
	return YQ_OK;
}

/* collect: appends the children of n to b in mode m. */
static int collect(const xmlNode *n, enum mode m, struct yq_buf *b)
{
	for (const xmlNode *c = n->children; c; c = c->next) {
		int rc = YQ_OK;
		switch (c->type) {
		case XML_TEXT_NODE:
		case XML_CDATA_SECTION_NODE:
			if (c->content)
				rc = m == M_XHTML ? add_escaped(b, (const char *)c->content)
						  : yq_buf_adds(b, (const char *)c->content);
			break;
		case XML_ENTITY_REF_NODE: {
			xmlEntity *e = xmlGetDocEntity(c->doc, c->name);
			if (e && e->etype == XML_INTERNAL_GENERAL_ENTITY && e->content) {
				size_t l = strlen((const char *)e->content);
				rc = yq_buf_add(b, e->content, l < ENTITY_MAX ? l : ENTITY_MAX);
			}
			break;
		}
		case XML_ELEMENT_NODE:
			if (m == M_TEXT) {
				rc = collect(c, m, b);
				break;
			}
			rc = yq_buf_printf(b, "<%s", (const char *)c->name);
			for (const xmlAttr *a = c->properties; a && !rc; a = a->next) {
				xmlChar *v = xmlNodeGetContent((const xmlNode *)a);
				rc = yq_buf_printf(b, " %s=\"", (const char *)a->name) ||
				     add_escaped(b, v ? (const char *)v : "") || yq_buf_addc(b, '"');
				xmlFree(v);
			}
			if (!rc)
				rc = yq_buf_addc(b, '>');
			if (!rc)
				rc = collect(c, m, b);
			if (!rc)
				rc = yq_buf_printf(b, "</%s>", (const char *)c->name);
			break;
		default:
			break;
		}
		if (rc)
			return YQ_ENOMEM;
	}
	return YQ_OK;
}

/* ---- items ---- */

enum kind { K_RSS, K_ATOM, K_DC, K_CONTENT, K_RDF };

static const char *const ns_of[][3] = {
	[K_RSS] = {"http://purl.org/rss/1.0/", "http://my.netscape.com/rdf/simple/0.9/",
		   "http://backend.userland.com/rss2"},
	[K_ATOM] = {"http://www.w3.org/2005/Atom", "http://purl.org/atom/ns#", NULL},
	[K_DC] = {"http://purl.org/dc/elements/1.1/", NULL, NULL},
	[K_CONTENT] = {"http://purl.org/rss/1.0/modules/content/", NULL, NULL},
	[K_RDF] = {"http://www.w3.org/1999/02/22-rdf-syntax-ns#", NULL, NULL},
};
static const char *const prefix_of[] = {NULL, "atom", "dc", "content", "rdf"};

struct ctx {
	xmlDoc *doc;
	struct yq_tz *tz;
	int atom_nsless; /* an Atom <feed> without the namespace */
	struct yq_buf a, b; /* scratch */
};

/* is: n is the element local in namespace kind k.  Unprefixed elements are
 * RSS (and Atom in a namespace-less <feed>); an undeclared prefix stays in
 * libxml2's name ("dc:date") and is matched by the usual prefix. */
static int is(const struct ctx *c, const xmlNode *n, enum kind k, const char *local)
{
	if (n->type != XML_ELEMENT_NODE)
		return 0;
	const char *name = (const char *)n->name;
	if (!n->ns || !n->ns->href) {
		if ((k == K_RSS || (k == K_ATOM && c->atom_nsless)) && strcmp(name, local) == 0)
			return 1;
		const char *p = prefix_of[k];
		size_t pl = p ? strlen(p) : 0;
		return p && strncmp(name, p, pl) == 0 && name[pl] == ':' &&
		       strcmp(name + pl + 1, local) == 0;
	}
	if (strcmp(name, local) != 0)
		return 0;
	for (int i = 0; i < 3 && ns_of[k][i]; i++)
		if (strcmp((const char *)n->ns->href, ns_of[k][i]) == 0)
			return 1;
	return 0;
}

static const xmlNode *child(const struct ctx *c, const xmlNode *n, enum kind k, const char *l)
{
	for (const xmlNode *x = n->children; x; x = x->next)
		if (is(c, x, k, l))
			return x;
	return NULL;
}

/* value: the text of n, white space collapsed, as a new string; NULL when
 * n is NULL or the text is empty (or on ENOMEM: *rc set). */
static char *value(struct ctx *c, const xmlNode *n, int *rc)
{
	if (!n)
		return NULL;
	yq_buf_reset(&c->a);
	yq_buf_reset(&c->b);
	struct sink k = {&c->b, 0, 0, 0, 1};
	if (collect(n, M_TEXT, &c->a) || sink_text(&k, c->a.s, c->a.len, 0)) {
		*rc = YQ_ENOMEM;
		return NULL;
	}
	if (!c->b.len)
		return NULL;
	char *v = strdup(c->b.s);
	if (!v)
		*rc = YQ_ENOMEM;
	return v;
}

/* textual: the plain text of n ("" when n is NULL) in mode m, or NULL on
 * ENOMEM.  Atom type="text" keeps its line breaks unless one_line. */
static char *textual(struct ctx *c, const xmlNode *n, enum mode m, int one_line)
{
	yq_buf_reset(&c->a);
	yq_buf_reset(&c->b);
	struct sink k = {&c->b, 0, 0, 0, one_line};
	if (n && collect(n, m, &c->a))
		return NULL;
	if (m == M_TEXT ? sink_text(&k, c->a.s, c->a.len, 1) : html_text(&k, c->a.s, c->a.len))
		return NULL;
	return strdup(c->b.s);
}

/* atom_mode: the mode of an Atom text construct by its type (and 0.3's
 * mode="escaped"). */
static enum mode atom_mode(const xmlNode *n)
{
	if (!n)
		return M_TEXT;
	xmlChar *t = xmlGetProp(n, (const xmlChar *)"type");
	enum mode m = M_TEXT;
	if (t && (strcmp((char *)t, "xhtml") == 0 || strstr((char *)t, "xhtml+xml")))
		m = M_XHTML;
	else if (t && strstr((char *)t, "html"))
		m = M_HTML;
	xmlFree(t);
	return m;
}

static int is_http(const char *u)
{
	return starts_ci(u, strlen(u), 0, "http://") || starts_ci(u, strlen(u), 0, "https://");
}

/* resolve: href (trimmed text) made absolute against n's base; a new
 * http(s) URL, or NULL (also on ENOMEM: *rc set). */
static char *resolve(struct ctx *c, const xmlNode *n, const char *href, int *rc)
{
	if (!href || !*href)
		return NULL;
	xmlChar *base = xmlNodeGetBase(c->doc, n);
	xmlChar *u = xmlBuildURI((const xmlChar *)href, base);
	if (!u) {
		/* an IRI or a space: percent-encode and try again */
		yq_buf_reset(&c->a);
		for (const unsigned char *p = (const unsigned char *)href; *p; p++)
			if ((*p <= ' ' || *p >= 0x7F) ? yq_buf_printf(&c->a, "%%%02X", *p)
						      : yq_buf_addc(&c->a, (char)*p)) {
				*rc = YQ_ENOMEM;
				xmlFree(base);
				return NULL;
			}
		u = xmlBuildURI((const xmlChar *)c->a.s, base);
	}
	xmlFree(base);
	char *out = NULL;
	if (u && is_http((const char *)u) && !(out = strdup((const char *)u)))
		*rc = YQ_ENOMEM;
	xmlFree(u);
	return out;
}

/* date: reads the date in n into *t; 1 if readable. */
static int date(struct ctx *c, const xmlNode *n, int64_t *t)
{
	int rc = 0, ok = 0;
	char *v = value(c, n, &rc);
	if (!v)
		return 0;
	/* the year must be written (4 digits); nothing relative */
	int year = 0;
	for (const char *p = v; *p;) {
		const char *q = p;
		while (is_digit(*q))
			q++;
		if (q - p == 4)
			year = 1;
		p = q == p ? p + 1 : q;
	}
	if (year && !strstr(v, "前") && !strstr(v, "今天") && !strstr(v, "昨天") &&
	    !strstr(v, "刚刚"))
		ok = yq_time_parse(v, strlen(v), 0, c->tz, t) == 0;
	free(v);
	return ok;
}

static int hash_id(struct yq_feed_item *it)
{
	struct yq_buf b = YQ_BUF_INIT;
	char id[24];
	if (yq_buf_adds(&b, it->title) || yq_buf_addc(&b, '\x1f') || yq_buf_adds(&b, it->text)) {
		yq_buf_release(&b);
		return YQ_ENOMEM;
	}
	snprintf(id, sizeof id, "h%016llx",
		 (unsigned long long)yq_hash64(b.s, b.len, 0x66656564ULL));
	yq_buf_release(&b);
	return (it->id = strdup(id)) ? YQ_OK : YQ_ENOMEM;
}

/* finish: id fallback and the invariants (title, text never NULL). */
static int finish(struct yq_feed_item *it, int rc)
{
	if (rc)
		return rc;
	if (!it->title && !(it->title = strdup("")))
		return YQ_ENOMEM;
	if (!it->text && !(it->text = strdup("")))
		return YQ_ENOMEM;
	if (!it->id && it->link && !(it->id = strdup(it->link)))
		return YQ_ENOMEM;
	return it->id ? YQ_OK : hash_id(it);
}

/* rss_item: an RSS 2.0 / 0.9x <item> or an RSS 1.0 <item rdf:about>. */
static int rss_item(struct ctx *c, const xmlNode *n, struct yq_feed_item *it)
{
	int rc = YQ_OK;
	const xmlNode *enc = child(c, n, K_CONTENT, "encoded");
	const xmlNode *desc = child(c, n, K_RSS, "description");
	const xmlNode *guid = child(c, n, K_RSS, "guid");
	const xmlNode *creator = child(c, n, K_DC, "creator");
	if (!(it->title = textual(c, child(c, n, K_RSS, "title"), M_HTML, 1)))
		return YQ_ENOMEM;
	if (enc && !(it->text = textual(c, enc, M_HTML, 0)))
		return YQ_ENOMEM;
	if (!it->text || !*it->text) {
		free(it->text);
		if (!(it->text = textual(c, desc, M_HTML, 0)))
			return YQ_ENOMEM;
	}
	const xmlNode *ln = child(c, n, K_RSS, "link");
	char *v = value(c, ln, &rc);
	it->link = resolve(c, ln, v, &rc);
	free(v);
	it->id = value(c, guid, &rc);
	if (!it->link && guid && it->id) {
		xmlChar *pl = xmlGetProp(guid, (const xmlChar *)"isPermaLink");
		if (!pl || strcmp((char *)pl, "false") != 0)
			it->link = resolve(c, guid, it->id, &rc);
		xmlFree(pl);
	}
	if (!it->id) {
		xmlChar *about = xmlGetNsProp(n, (const xmlChar *)"about",
					      (const xmlChar *)ns_of[K_RDF][0]);
		if (about && *about && !(it->id = strdup((char *)about)))
			rc = YQ_ENOMEM;
		xmlFree(about);
	}
	it->author = value(c, creator ? creator : child(c, n, K_RSS, "author"), &rc);
	it->time_ok = date(c, child(c, n, K_RSS, "pubDate"), &it->time) ||
		      date(c, child(c, n, K_DC, "date"), &it->time);
	return finish(it, rc);
}

/* atom_link: the first <link> with rel alternate (or none) under n. */
static char *atom_link(struct ctx *c, const xmlNode *n, int *rc)
{
	for (const xmlNode *x = n->children; x; x = x->next) {
		if (!is(c, x, K_ATOM, "link"))
			continue;
		xmlChar *rel = xmlGetProp(x, (const xmlChar *)"rel");
		xmlChar *href = xmlGetProp(x, (const xmlChar *)"href");
		char *u = NULL;
		if ((!rel || strcmp((char *)rel, "alternate") == 0) && href) {
			size_t l = strlen((char *)href);
			const char *h = (const char *)href;
			while (l && is_ws((unsigned char)h[l - 1]))
				l--;
			while (l && is_ws((unsigned char)*h))
				h++, l--;
			yq_buf_reset(&c->b);
			if (yq_buf_add(&c->b, h, l))
				*rc = YQ_ENOMEM;
			else
				u = resolve(c, x, c->b.s, rc);
		}
		xmlFree(rel);
		xmlFree(href);
		if (u || *rc)
			return u;
	}
	return NULL;
}

static int atom_entry(struct ctx *c, const xmlNode *n, const char *feed_author,
		      struct yq_feed_item *it)
{
	int rc = YQ_OK;
	const xmlNode *t = child(c, n, K_ATOM, "title");
	const xmlNode *content = child(c, n, K_ATOM, "content");
	const xmlNode *summary = child(c, n, K_ATOM, "summary");
	if (!(it->title = textual(c, t, atom_mode(t), 1)))
		return YQ_ENOMEM;
	if (content && !xmlHasProp(content, (const xmlChar *)"src") &&
	    !(it->text = textual(c, content, atom_mode(content), 0)))
		return YQ_ENOMEM;
	if (!it->text || !*it->text) {
		free(it->text);
		if (!(it->text = textual(c, summary, atom_mode(summary), 0)))
			return YQ_ENOMEM;
	}
	it->link = atom_link(c, n, &rc);
	it->id = value(c, child(c, n, K_ATOM, "id"), &rc);
	const xmlNode *au = child(c, n, K_ATOM, "author");
	it->author = au ? value(c, child(c, au, K_ATOM, "name"), &rc) : NULL;
	if (!it->author && feed_author && !(it->author = strdup(feed_author)))
		rc = YQ_ENOMEM;
	static const char *const dates[] = {"published", "updated", "issued", "modified",
					    "created"};
	for (int d = 0; d < 5 && !it->time_ok; d++)
		it->time_ok = date(c, child(c, n, K_ATOM, dates[d]), &it->time);
	return finish(it, rc);
}

static int push_item(struct yq_feed *f, size_t *cap, struct yq_feed_item **it)
{
	if (f->n == *cap) {
		size_t nc = *cap ? *cap * 2 : 16;
		struct yq_feed_item *v = realloc(f->items, nc * sizeof(*v));
		if (!v)
			return YQ_ENOMEM;
		f->items = v;
		*cap = nc;
	}
	*it = &f->items[f->n++];
	memset(*it, 0, sizeof(**it));
	return YQ_OK;
}

static void item_release(struct yq_feed_item *it)
{
	free(it->id);
	free(it->link);
	free(it->title);
	free(it->text);
	free(it->author);
}

/* items: every <item> / <entry> child of n, up to the cap. */
static int items(struct ctx *c, const xmlNode *n, int atom, const char *feed_author,
		 struct yq_feed *f, size_t *cap)
{
	for (const xmlNode *x = n->children; x && f->n < YQ_FEED_MAX_ITEMS; x = x->next) {
		struct yq_feed_item *it;
		int rc;
		if (atom ? !is(c, x, K_ATOM, "entry") : !is(c, x, K_RSS, "item"))
			continue;
		if ((rc = push_item(f, cap, &it)))
			return rc;
		if ((rc = atom ? atom_entry(c, x, feed_author, it) : rss_item(c, x, it)))
			return rc;
	}
	return YQ_OK;
}

/* ---- the document ---- */

static pthread_once_t xml_once = PTHREAD_ONCE_INIT;

static void xml_init(void)
{
	xmlInitParser();
}

static int walk(struct ctx *c, const xmlNode *root, struct yq_feed *f, struct yq_buf *err)
{
	const char *name = (const char *)root->name;
	const char *rns = root->ns && root->ns->href ? (const char *)root->ns->href : NULL;
	size_t cap = 0;
	int rc = YQ_OK;
	if (strcmp(name, "rss") == 0 ||
	    ((strcmp(name, "RDF") == 0 && rns && strcmp(rns, ns_of[K_RDF][0]) == 0) ||
	     (!rns && strcmp(name, "rdf:RDF") == 0))) {
		const xmlNode *ch = child(c, root, K_RSS, "channel");
		if (ch) {
			const xmlNode *ln = child(c, ch, K_RSS, "link");
			char *v = value(c, ln, &rc);
			f->link = resolve(c, ln, v, &rc);
			free(v);
			if (rc || !(f->title = textual(c, child(c, ch, K_RSS, "title"), M_HTML, 1)) ||
			    (rc = items(c, ch, 0, NULL, f, &cap)))
				return rc ? rc : YQ_ENOMEM;
		}
		return items(c, root, 0, NULL, f, &cap); /* RSS 1.0 / 0.9: items beside the channel */
	}
	if (strcmp(name, "feed") == 0) {
		c->atom_nsless = rns == NULL;
		const xmlNode *t = child(c, root, K_ATOM, "title");
		const xmlNode *au = child(c, root, K_ATOM, "author");
		char *author = au ? value(c, child(c, au, K_ATOM, "name"), &rc) : NULL;
		f->link = atom_link(c, root, &rc);
		if (!rc && !(f->title = textual(c, t, atom_mode(t), 1)))
			rc = YQ_ENOMEM;
		if (!rc)
			rc = items(c, root, 1, author, f, &cap);
		free(author);
		return rc;
	}
	if (strcasecmp(name, "html") == 0)
		yq_buf_adds(err, "an HTML page, not a feed");
	else
		yq_buf_printf(err, "not a feed: the root element is <%.64s>", name);
	return YQ_EFORMAT;
}

int yq_feed_parse(const char *in, size_t n, const char *http_charset, const char *base_url,
		  struct yq_tz *tz, struct yq_feed *out, struct yq_buf *err)
{
	struct yq_buf text = YQ_BUF_INIT, fixed = YQ_BUF_INIT;
	struct ctx c = {0};
	struct yq_tz *own_tz = NULL;
	xmlParserCtxt *px = NULL;
	size_t repairs = 0;
	int rc;
	memset(out, 0, sizeof(*out));
	yq_buf_init(&c.a);
	yq_buf_init(&c.b);
	if (n > YQ_FEED_MAX_BYTES) {
		yq_buf_printf(err, "feed of %zu bytes is over the %u MiB cap", n,
			      YQ_FEED_MAX_BYTES >> 20);
		rc = YQ_ETOOBIG;
		goto out;
	}
	pthread_once(&xml_once, xml_init);
	if ((rc = yq_decode(in, n, http_charset, &text, &out->enc)))
		goto out;
	if ((rc = fixup(text.s, text.len, &fixed, &repairs)))
		goto out;
	yq_buf_release(&text);
	if (fixed.len > INT_MAX) {
		yq_buf_adds(err, "decoded feed too large for libxml2");
		rc = YQ_ETOOBIG;
		goto out;
	}
	if (!(px = xmlNewParserCtxt())) {
		rc = YQ_ENOMEM;
		goto out;
	}
	c.doc = xmlCtxtReadMemory(px, fixed.s, (int)fixed.len, base_url, "UTF-8",
				  XML_PARSE_RECOVER | XML_PARSE_NONET | XML_PARSE_NOCDATA |
					  XML_PARSE_IGNORE_ENC | XML_PARSE_NOERROR |
					  XML_PARSE_NOWARNING);
	out->malformed = repairs > 0 || !px->wellFormed;
	const xmlNode *root = c.doc ? xmlDocGetRootElement(c.doc) : NULL;
	if (!root) {
		const xmlError *e = xmlCtxtGetLastError(px);
		size_t l = e && e->message ? strlen(e->message) : 0;
		while (l && e->message[l - 1] == '\n')
			l--;
		yq_buf_printf(err, "not XML (libxml2: %.*s)", (int)l, l ? e->message : "no element");
		rc = YQ_EFORMAT;
		goto out;
	}
	if (!tz) {
		if ((rc = yq_tz_open("UTC", &own_tz)))
			goto out;
		tz = own_tz;
	}
	c.tz = tz;
	if (!(rc = walk(&c, root, out, err)) && !out->title && !(out->title = strdup("")))
		rc = YQ_ENOMEM;
out:
	if (rc) {
		struct yq_decode_info enc = out->enc;
		yq_feed_release(out);
		out->enc = enc;
	}
	xmlFreeDoc(c.doc);
	xmlFreeParserCtxt(px);
	yq_tz_free(own_tz);
	yq_buf_release(&text);
	yq_buf_release(&fixed);
	yq_buf_release(&c.a);
	yq_buf_release(&c.b);
	return rc;
}

void yq_feed_release(struct yq_feed *f)
{
	if (!f)
		return;
	for (size_t i = 0; i < f->n; i++)
		item_release(&f->items[i]);
	free(f->items);
	free(f->title);
	free(f->link);
	memset(f, 0, sizeof(*f));
}
