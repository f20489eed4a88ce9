/* utf8.c — strict UTF-8 decoding and repair; see utf8.h. */
#include "base/utf8.h"
#include "base/error.h"

#include <string.h>

int32_t yq_utf8_next(const char *str, size_t n, size_t *i)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t p = *i;
	unsigned c = s[p];
	if (c < 0x80) {
		*i = p + 1;
		return (int32_t)c;
	}
	int len;
	uint32_t cp, min;
	if (c >= 0xC2 && c <= 0xDF) {
		len = 2; cp = c & 0x1F; min = 0x80;
	} else if (c >= 0xE0 && c <= 0xEF) {
		len = 3; cp = c & 0x0F; min = 0x800;
	} else if (c >= 0xF0 && c <= 0xF4) {
		len = 4; cp = c & 0x07; min = 0x10000;
	} else {
		*i = p + 1;
		return -1;
	}
	if (p + (size_t)len > n) {
		*i = p + 1;
		return -1;
	}
	for (int k = 1; k < len; k++) {
		unsigned cc = s[p + (size_t)k];
		if ((cc & 0xC0) != 0x80) {
			*i = p + 1;
			return -1;
		}
		cp = (cp << 6) | (cc & 0x3F);
	}
	if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
		*i = p + 1;
		return -1;
	}
	*i = p + (size_t)len;
	return (int32_t)cp;
}

int yq_utf8_encode(uint32_t cp, char out[4])
{
	if (cp < 0x80) {
		out[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		out[0] = (char)(0xC0 | (cp >> 6));
		out[1] = (char)(0x80 | (cp & 0x3F));
		return 2;
	}
	if (cp < 0x10000) {
		out[0] = (char)(0xE0 | (cp >> 12));
		out[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
		out[2] = (char)(0x80 | (cp & 0x3F));
		return 3;
	}
	out[0] = (char)(0xF0 | (cp >> 18));
	out[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
	out[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
	out[3] = (char)(0x80 | (cp & 0x3F));
	return 4;
}

int yq_utf8_valid(const char *s, size_t n)
{
	size_t i = 0;
	while (i < n) {
		if ((unsigned char)s[i] < 0x80) {
			i++;
			continue;
		}
		if (yq_utf8_next(s, n, &i) < 0)
			return 0;
	}
	return 1;
}

int yq_utf8_repair(const char *s, size_t n, struct yq_buf *out, size_t *nbad)
{
	size_t bad = 0, i = 0, run = 0;
	int in_bad = 0;
	if (yq_buf_grow(out, n))
		return YQ_ENOMEM;
	while (i < n) {
		size_t start = i;
		int32_t cp = (unsigned char)s[i] < 0x80 ? (i++, (int32_t)(unsigned char)s[start])
						       : yq_utf8_next(s, n, &i);
		if (cp > 0) {
			run += i - start;
			in_bad = 0;
			continue;
		}
		/* flush the valid run before this byte */
		if (run && yq_buf_add(out, s + start - run, run))
			return YQ_ENOMEM;
		run = 0;
		if (cp == 0)
			continue; /* NUL dropped */
		if (!in_bad) {
			if (yq_buf_add(out, "\xEF\xBF\xBD", 3))
				return YQ_ENOMEM;
			bad++;
			in_bad = 1;
		}
	}
	if (run && yq_buf_add(out, s + n - run, run))
		return YQ_ENOMEM;
	if (nbad)
		*nbad = bad;
	return YQ_OK;
}

size_t yq_utf8_count(const char *s, size_t n)
{
	size_t c = 0;
	for (size_t i = 0; i < n; i++)
		c += ((unsigned char)s[i] & 0xC0) != 0x80;
	return c;
}
