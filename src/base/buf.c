/* buf.c — growable byte strings; see buf.h for the contract. */
#include "base/buf.h"
#include "base/error.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void yq_buf_init(struct yq_buf *b)
{
	b->s = (char *)"";
	b->len = 0;
	b->cap = 0;
}

void yq_buf_release(struct yq_buf *b)
{
	if (b->cap)
		free(b->s);
	yq_buf_init(b);
}

void yq_buf_reset(struct yq_buf *b)
{
	b->len = 0;
	if (b->cap)
		b->s[0] = '\0';
}

int yq_buf_grow(struct yq_buf *b, size_t n)
{
	if (b->len + n + 1 <= b->cap)
		return YQ_OK;
	size_t cap = b->cap ? b->cap : 64;
	while (cap < b->len + n + 1)
		cap *= 2;
	char *p = b->cap ? realloc(b->s, cap) : malloc(cap);
	if (!p)
		return YQ_ENOMEM;
	if (!b->cap)
		p[0] = '\0';
	b->s = p;
	b->cap = cap;
	return YQ_OK;
}

int yq_buf_add(struct yq_buf *b, const void *data, size_t n)
{
	if (yq_buf_grow(b, n))
		return YQ_ENOMEM;
	memcpy(b->s + b->len, data, n);
	b->len += n;
	b->s[b->len] = '\0';
	return YQ_OK;
}

int yq_buf_adds(struct yq_buf *b, const char *s)
{
	return yq_buf_add(b, s, strlen(s));
}

int yq_buf_addc(struct yq_buf *b, char c)
{
	return yq_buf_add(b, &c, 1);
}

int yq_buf_vprintf(struct yq_buf *b, const char *fmt, va_list ap)
{
	va_list cp;
	va_copy(cp, ap);
	int n = vsnprintf(NULL, 0, fmt, cp);
	va_end(cp);
	if (n < 0)
		return YQ_EINVAL;
	if (yq_buf_grow(b, (size_t)n))
		return YQ_ENOMEM;
	vsnprintf(b->s + b->len, (size_t)n + 1, fmt, ap);
	b->len += (size_t)n;
	return YQ_OK;
}

int yq_buf_printf(struct yq_buf *b, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int rc = yq_buf_vprintf(b, fmt, ap);
	va_end(ap);
	return rc;
}

int yq_buf_add_json_str(struct yq_buf *b, const char *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	if (yq_buf_grow(b, n + 2))
		return YQ_ENOMEM;
	if (yq_buf_addc(b, '"'))
		return YQ_ENOMEM;
	size_t run = 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		const char *esc = NULL;
		char u[6];
		if (c == '"')
			esc = "\\\"";
		else if (c == '\\')
			esc = "\\\\";
		else if (c == '\n')
			esc = "\\n";
		else if (c == '\r')
			esc = "\\r";
		else if (c == '\t')
			esc = "\\t";
		else if (c < 0x20) {
			u[0] = '\\'; u[1] = 'u'; u[2] = '0'; u[3] = '0';
			u[4] = hex[c >> 4]; u[5] = hex[c & 15];
		}
		if (!esc && c >= 0x20) {
			run++;
			continue;
		}
		if (run && yq_buf_add(b, s + i - run, run))
			return YQ_ENOMEM;
		run = 0;
		if (esc ? yq_buf_adds(b, esc) : yq_buf_add(b, u, 6))
			return YQ_ENOMEM;
	}
	if (run && yq_buf_add(b, s + n - run, run))
		return YQ_ENOMEM;
	return yq_buf_addc(b, '"');
}

char *yq_buf_detach(struct yq_buf *b, size_t *len)
{
	char *s;
	if (b->cap) {
		s = b->s;
	} else {
		s = malloc(1);
		if (!s)
			return NULL;
		s[0] = '\0';
	}
	if (len)
		*len = b->len;
	yq_buf_init(b);
	return s;
}
