/*
 * structure.c — own comment, repost chain and mentions of a normalized post;
 * see structure.h.  The chain names were found by the normalizer
 * (r->chain_names, each right after a "//@"); this module cuts the text
 * between them and scans the rest for bare @mentions, with the same name
 * rule: up to 30 code points, ending at whitespace, ':' '：' '@' '/' or
 * punctuation.
 */
#include "text/structure.h"
#include "base/error.h"
#include "base/utf8.h"

#include <stdlib.h>
#include <string.h>

#define NAME_MAX_CP 30

void yq_post_parts_release(struct yq_post_parts *p)
{
	free(p->chain);
	yq_spans_release(&p->mentions);
	memset(p, 0, sizeof(*p));
}

int yq_plain_repost_words(const char *text, size_t n)
{
	static const char *const plain[] = {"转发微博", "转发", "轉發微博", "repost", "Repost", "转"};
	size_t b = 0, e = n;
	while (b < e && (text[b] == ' ' || text[b] == '.' || text[b] == '!'))
		b++;
	while (e > b && (text[e - 1] == ' ' || text[e - 1] == '.' || text[e - 1] == '!'))
		e--;
	if (e >= b + 3 && memcmp(text + e - 3, "。", 3) == 0)
		e -= 3;
	if (b == e)
		return 1;
	for (size_t i = 0; i < sizeof plain / sizeof plain[0]; i++)
		if (strlen(plain[i]) == e - b && memcmp(text + b, plain[i], e - b) == 0)
			return 1;
	return 0;
}

/* name_end: the end of an @name starting at s[i]; i if there is none. */
static size_t name_end(const char *s, size_t n, size_t i)
{
	size_t k = i, cps = 0;
	while (k < n && cps < NAME_MAX_CP) {
		size_t j = k;
		int32_t c = yq_utf8_next(s, n, &j);
		if (c <= ' ' || c == ':' || c == '@' || c == '/' || c == 0xFF1A || c == 0xFF0C ||
		    c == 0x3002 || c == 0xFF01 || c == 0xFF1F || c == ',' || c == '!' || c == '?' ||
		    c == ')' || c == '(' || c == '[' || c == ']' || c == '#' || c == 0x3001)
			break;
		k = j;
		cps++;
	}
	return k;
}

static int add_mentions(const char *s, size_t b, size_t e, struct yq_spans *out)
{
	for (size_t i = b; i < e; i++) {
		if (s[i] != '@' || (i >= b + 2 && s[i - 1] == '/' && s[i - 2] == '/'))
			continue;
		size_t k = name_end(s, e, i + 1);
		if (k > i + 1 && yq_spans_push(out, (uint32_t)(i + 1), (uint32_t)(k - i - 1)))
			return YQ_ENOMEM;
		i = k - 1;
	}
	return YQ_OK;
}

int yq_post_parts_read(const struct yq_norm_result *r, struct yq_post_parts *p)
{
	const char *s = r->text.s;
	size_t n = r->text.len, own = r->own_len;
	p->nchain = 0;
	p->mentions.n = 0;
	p->own = (struct yq_span){0, yq_plain_repost_words(s, own) ? 0 : (uint32_t)own};
	if (add_mentions(s, 0, own, &p->mentions))
		return YQ_ENOMEM;
	for (size_t i = 0; i < r->chain_names.n; i++) {
		const struct yq_span *u = &r->chain_names.v[i];
		size_t b = u->off + u->len;
		b += s[b] == ':' ? 1 : 3; /* ':' or '：' */
		size_t e = i + 1 < r->chain_names.n ? r->chain_names.v[i + 1].off - 3 : n;
		if (e < b)
			e = b;
		if (p->nchain == p->chain_cap) {
			size_t nc = p->chain_cap ? p->chain_cap * 2 : 4;
			struct yq_chain_part *c = realloc(p->chain, nc * sizeof(*c));
			if (!c)
				return YQ_ENOMEM;
			p->chain = c;
			p->chain_cap = nc;
		}
		p->chain[p->nchain++] =
			(struct yq_chain_part){*u, {(uint32_t)b, (uint32_t)(e - b)}};
		if (add_mentions(s, b, e, &p->mentions))
			return YQ_ENOMEM;
	}
	return YQ_OK;
}
