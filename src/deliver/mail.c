/*
 * mail.c — RFC 5322/2045/2047 message construction for alert e-mail
 * (mail.h has the rules).  Encoded-words are cut only between UTF-8
 * characters: the cutter walks code points with yq_utf8_next and closes a
 * word before a character that would not fit.  The date is written in the
 * fixed China Standard Time offset (+0800, no DST), computed from UTC
 * arithmetic, so the host's TZ never matters.
 */
#include "deliver/mail.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "base/error.h"
#include "base/utf8.h"

static int add_b64(struct yq_buf *b, const unsigned char *p, size_t n)
{
	size_t cap = sodium_base64_ENCODED_LEN(n, sodium_base64_VARIANT_ORIGINAL);
	int rc = yq_buf_grow(b, cap);
	if (rc)
		return rc;
	sodium_bin2base64(b->s + b->len, cap, p, n, sodium_base64_VARIANT_ORIGINAL);
	b->len += strlen(b->s + b->len);
	return 0;
}

int yq_mail_encode_words(struct yq_buf *b, const char *s, size_t n)
{
	struct yq_buf clean = YQ_BUF_INIT;
	int rc = yq_utf8_repair(s, n, &clean, NULL);
	size_t i = 0, start = 0;
	int first = 1;

	while (!rc && start < clean.len) {
		/* take whole characters while they fit */
		i = start;
		while (i < clean.len) {
			size_t j = i;
			yq_utf8_next(clean.s, clean.len, &j);
			if (j - start > YQ_MAIL_WORD_BYTES)
				break;
			i = j;
		}
		if (!first)
			rc = yq_buf_adds(b, "\r\n ");
		if (!rc)
			rc = yq_buf_adds(b, "=?UTF-8?B?");
		if (!rc)
			rc = add_b64(b, (const unsigned char *)clean.s + start, i - start);
		if (!rc)
			rc = yq_buf_adds(b, "?=");
		first = 0;
		start = i;
	}
	yq_buf_release(&clean);
	return rc;
}

int yq_mail_addr_ok(const char *addr)
{
	if (!addr)
		return 0;
	size_t n = strlen(addr), at = 0, nat = 0;
	if (n < 3 || n > 254)
		return 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)addr[i];
		if (c <= 0x20 || c >= 0x7f || strchr("<>\"(),;:\\[]", c))
			return 0;
		if (c == '@') {
			at = i;
			nat++;
		}
	}
	return nat == 1 && at > 0 && at < n - 1;
}

static int ascii_printable(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || (unsigned char)*s >= 0x7f)
			return 0;
	return 1;
}

int yq_mail_mailbox(struct yq_buf *b, const char *name, const char *addr)
{
	struct yq_buf nm = YQ_BUF_INIT;
	int rc = 0;

	if (!yq_mail_addr_ok(addr))
		return YQ_EINVAL;
	if (!name || !*name)
		return yq_buf_adds(b, addr);
	/* controls (CR, LF ...) become spaces: no header injection */
	for (const char *p = name; *p && !rc; p++)
		rc = yq_buf_addc(&nm, (unsigned char)*p < 0x20 || *p == 0x7f ? ' ' : *p);
	if (rc)
		goto out;
	if (ascii_printable(nm.s)) {
		rc = yq_buf_addc(b, '"');
		for (const char *p = nm.s; *p && !rc; p++) {
			if (*p == '"' || *p == '\\')
				rc = yq_buf_addc(b, '\\');
			if (!rc)
				rc = yq_buf_addc(b, *p);
		}
		if (!rc)
			rc = yq_buf_addc(b, '"');
	} else {
		rc = yq_mail_encode_words(b, nm.s, nm.len);
	}
	if (!rc)
		rc = yq_buf_printf(b, " <%s>", addr);
out:
	yq_buf_release(&nm);
	return rc;
}

/* body_part: a MIME part with s base64 in 76-character lines. */
static int body_part(struct yq_buf *b, const char *boundary, const char *type, const char *s)
{
	struct yq_buf enc = YQ_BUF_INIT;
	int rc = yq_buf_printf(b,
			       "--%s\r\nContent-Type: %s; charset=UTF-8\r\n"
			       "Content-Transfer-Encoding: base64\r\n\r\n",
			       boundary, type);
	if (!rc)
		rc = add_b64(&enc, (const unsigned char *)s, strlen(s));
	for (size_t i = 0; !rc && i < enc.len; i += 76) {
		size_t k = enc.len - i < 76 ? enc.len - i : 76;
		rc = yq_buf_add(b, enc.s + i, k);
		if (!rc)
			rc = yq_buf_adds(b, "\r\n");
	}
	yq_buf_release(&enc);
	return rc;
}

int yq_mail_build(const struct yq_mail *m, struct yq_buf *out)
{
	static const char *const wd[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
	static const char *const mon[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
					  "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
	unsigned char rnd[12];
	char boundary[64], hex[25];
	time_t t = (time_t)(m->date + 8 * 3600);
	struct tm tm;
	int rc;

	if (!yq_mail_addr_ok(m->from_addr) || !yq_mail_addr_ok(m->to_addr))
		return YQ_EINVAL;
	gmtime_r(&t, &tm);
	rc = yq_buf_printf(out, "Date: %s, %02d %s %04d %02d:%02d:%02d +0800\r\nFrom: ",
			   wd[tm.tm_wday], tm.tm_mday, mon[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour,
			   tm.tm_min, tm.tm_sec);
	if (!rc)
		rc = yq_mail_mailbox(out, m->from_name, m->from_addr);
	if (!rc)
		rc = yq_buf_adds(out, "\r\nTo: ");
	if (!rc)
		rc = yq_mail_mailbox(out, m->to_name, m->to_addr);
	if (!rc)
		rc = yq_buf_adds(out, "\r\nSubject: ");
	if (!rc && m->subject) {
		if (ascii_printable(m->subject) && strlen(m->subject) <= 900)
			rc = yq_buf_adds(out, m->subject);
		else
			rc = yq_mail_encode_words(out, m->subject, strlen(m->subject));
	}
	if (!rc && m->message_id && ascii_printable(m->message_id))
		rc = yq_buf_printf(out, "\r\nMessage-ID: %s", m->message_id);
	randombytes_buf(rnd, sizeof rnd);
	sodium_bin2hex(hex, sizeof hex, rnd, sizeof rnd);
	snprintf(boundary, sizeof boundary, "=_yuqing_%s", hex);
	if (!rc)
		rc = yq_buf_printf(out,
				   "\r\nMIME-Version: 1.0\r\n"
				   "Content-Type: multipart/alternative; boundary=\"%s\"\r\n\r\n",
				   boundary);
	if (!rc)
		rc = body_part(out, boundary, "text/plain", m->text ? m->text : "");
	if (!rc)
		rc = body_part(out, boundary, "text/html", m->html ? m->html : "");
	if (!rc)
		rc = yq_buf_printf(out, "--%s--\r\n", boundary);
	return rc;
}
