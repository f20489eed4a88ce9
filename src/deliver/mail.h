/*
 * mail.h — Internet messages for alert e-mail: RFC 5322 headers with
 * RFC 2047 encoded-words, MIME multipart/alternative (text/plain and
 * text/html, UTF-8, base64).
 *
 * Rules (field cases email-01, email-03): every header byte is 7-bit ASCII;
 * a display name that is not plain ASCII becomes encoded-words and only the
 * name: the angle-addr stays outside, plain ("=?UTF-8?B?…?= <a@b.cn>");
 * encoded-words hold whole UTF-8 characters (never split inside one) and are
 * at most 75 characters (RFC 2047 §2), joined by folding whitespace; bodies
 * are base64 with 76-character lines, so no 8BITMIME is needed.
 */
#ifndef YQ_MAIL_H
#define YQ_MAIL_H

#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"

#define YQ_MAIL_WORD_BYTES 39 /* bytes of text per encoded-word: 52 Base64
			       * chars, 64-char words, "Subject: " lines ≤ 76 */

/*
 * yq_mail_encode_words: appends s[0..n) (UTF-8) as RFC 2047 "B"
 * encoded-words "=?UTF-8?B?...?=", each holding at most
 * YQ_MAIL_WORD_BYTES bytes of whole characters, separated by "\r\n "
 * (folding).  Invalid UTF-8 is replaced by U+FFFD first.  0 or YQ_ENOMEM.
 */
int yq_mail_encode_words(struct yq_buf *b, const char *s, size_t n);

/* yq_mail_addr_ok: 1 if addr is a plain ASCII address local@domain (no
 * spaces, controls, <>, quotes, commas; at most 254 bytes), else 0. */
int yq_mail_addr_ok(const char *addr);

/*
 * yq_mail_mailbox: appends a mailbox: "addr" alone when name is NULL or
 * empty; "\"name\" <addr>" for a printable ASCII name (quotes and
 * backslashes escaped); encoded-words + " <addr>" otherwise.  Control
 * characters in name become spaces.  0, YQ_EINVAL (bad addr), YQ_ENOMEM.
 */
int yq_mail_mailbox(struct yq_buf *b, const char *name, const char *addr);

struct yq_mail {
	const char *from_name, *from_addr;
	const char *to_name, *to_addr;
	const char *subject;      /* UTF-8 */
	const char *text;         /* UTF-8 plain text body */
	const char *html;         /* UTF-8 HTML body */
	const char *message_id;   /* "<...@...>", or NULL */
	int64_t date;             /* Unix seconds, written in +0800 */
};

/*
 * yq_mail_build: appends the whole message (CRLF line ends): Date, From,
 * To, Subject, Message-ID, MIME-Version, a multipart/alternative body with
 * a text/plain and a text/html part, each "charset=UTF-8" and
 * "Content-Transfer-Encoding: base64".  0, YQ_EINVAL (bad address),
 * YQ_ENOMEM.
 */
int yq_mail_build(const struct yq_mail *m, struct yq_buf *out);

#endif
