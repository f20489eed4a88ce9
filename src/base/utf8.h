/*
 * utf8.h — strict UTF-8 decoding, encoding and repair (RFC 3629).
 *
 * Strict means: no overlong forms, no surrogates (U+D800..U+DFFF), nothing
 * above U+10FFFF.  Every other module may assume text it receives from the
 * readers is valid UTF-8, because the readers pass it through
 * yq_utf8_repair() first.
 */
#ifndef YQ_UTF8_H
#define YQ_UTF8_H

#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"

#define YQ_UTF8_REPLACEMENT 0xFFFDu

/*
 * yq_utf8_next: decodes the code point at s[*i] (s has n bytes) and advances
 * *i past it.  Returns the code point, or -1 for an invalid or truncated
 * sequence, in which case *i advances by one byte.  *i must be < n.
 */
int32_t yq_utf8_next(const char *s, size_t n, size_t *i);

/* yq_utf8_encode: writes cp (<= 0x10FFFF, not a surrogate) to out, returns
 * the number of bytes (1..4). */
int yq_utf8_encode(uint32_t cp, char out[4]);

/* yq_utf8_valid: 1 if s[0..n) is entirely valid UTF-8, else 0. */
int yq_utf8_valid(const char *s, size_t n);

/*
 * yq_utf8_repair: appends s[0..n) to out with every maximal invalid byte
 * sequence replaced by U+FFFD, and NUL bytes dropped.  *nbad (if not NULL)
 * receives the number of replacements.  Returns 0 or YQ_ENOMEM.
 */
int yq_utf8_repair(const char *s, size_t n, struct yq_buf *out, size_t *nbad);

/* yq_utf8_count: number of code points in valid UTF-8 s[0..n). */
size_t yq_utf8_count(const char *s, size_t n);

#endif
