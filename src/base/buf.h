/*
 * buf.h — growable byte strings (after git's strbuf).
 *
 * A struct yq_buf is embedded by value: yq_buf_init() it, append to it, and
 * yq_buf_release() it.  s is always NUL-terminated after init (s == "" with
 * cap == 0 until the first append), so it can be passed to C string APIs;
 * len excludes the NUL.  Appends return 0 or YQ_ENOMEM and leave the buffer
 * unchanged on failure.
 */
#ifndef YQ_BUF_H
#define YQ_BUF_H

#include <stdarg.h>
#include <stddef.h>

struct yq_buf {
	char *s;
	size_t len;
	size_t cap;
};

#define YQ_BUF_INIT { (char *)"", 0, 0 }

void yq_buf_init(struct yq_buf *b);
/* Frees the storage and re-initializes b. */
void yq_buf_release(struct yq_buf *b);
/* Empties b, keeping its storage. */
void yq_buf_reset(struct yq_buf *b);
/* Ensures room for n more bytes plus the NUL. */
int yq_buf_grow(struct yq_buf *b, size_t n);
int yq_buf_add(struct yq_buf *b, const void *data, size_t n);
int yq_buf_adds(struct yq_buf *b, const char *s);
int yq_buf_addc(struct yq_buf *b, char c);
int yq_buf_printf(struct yq_buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
int yq_buf_vprintf(struct yq_buf *b, const char *fmt, va_list ap);
/* Appends s as a JSON string literal (with quotes), escaping as RFC 8259. */
int yq_buf_add_json_str(struct yq_buf *b, const char *s, size_t n);
/* Takes the storage out of b (caller frees with free()); b is re-initialized.
 * Returns NULL on allocation failure. */
char *yq_buf_detach(struct yq_buf *b, size_t *len);

/* yq_hex_digit: the value of the hex digit c (0-9, a-f, A-F), or -1. */
static inline int yq_hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

#endif
