/*
 * channel.c — rendering, signing, request bodies and answer checks for the
 * webhook and robot channels (channel.h has the formats and sources).
 *
 * Templates are plain text with {{name}} placeholders filled from the
 * alert's JSON; the JSON bodies are then built with jansson, so a template
 * never has to escape anything.  Times are written in Asia/Shanghai with its
 * fixed +08:00 offset computed from UTC, independent of the host TZ.
 */
#include "deliver/channel.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "base/error.h"
#include "base/utf8.h"

#define WECOM_MAX 4096      /* bytes of markdown.content WeCom accepts */
#define ROBOT_TEXT_MAX 18000 /* bytes kept for DingTalk and Feishu texts */

static const char DEFAULT_TITLE[] = "【{{level_name}}预警】{{title}}";
static const char DEFAULT_BODY[] = "{{summary}}\n级别：{{level_name}}\n时间：{{time}}\n"
				   "事件：{{event}}\n{{url}}";

static const char *const kind_names[] = {"webhook", "wecom", "dingtalk", "feishu", "email"};

const char *yq_channel_kind_name(enum yq_channel_kind k)
{
	return (unsigned)k <= YQ_CHANNEL_EMAIL ? kind_names[k] : "?";
}

/* ---- signing ---- */

static void hmac_b64(const unsigned char *key, size_t klen, const unsigned char *msg, size_t n,
		     char out[YQ_SIGN_B64])
{
	unsigned char mac[crypto_auth_hmacsha256_BYTES];
	crypto_auth_hmacsha256_state st;
	crypto_auth_hmacsha256_init(&st, key, klen);
	crypto_auth_hmacsha256_update(&st, msg, n);
	crypto_auth_hmacsha256_final(&st, mac);
	sodium_bin2base64(out, YQ_SIGN_B64, mac, sizeof mac, sodium_base64_VARIANT_ORIGINAL);
}

int yq_channel_dingtalk_sign(const char *secret, int64_t ts_ms, char out[YQ_SIGN_B64])
{
	struct yq_buf msg = YQ_BUF_INIT;
	if (!secret)
		return YQ_EINVAL;
	int rc = yq_buf_printf(&msg, "%lld\n%s", (long long)ts_ms, secret);
	if (!rc)
		hmac_b64((const unsigned char *)secret, strlen(secret),
			 (const unsigned char *)msg.s, msg.len, out);
	yq_buf_release(&msg);
	return rc;
}

int yq_channel_feishu_sign(const char *secret, int64_t ts_s, char out[YQ_SIGN_B64])
{
	struct yq_buf key = YQ_BUF_INIT;
	int rc = yq_buf_printf(&key, "%lld\n%s", (long long)ts_s, secret ? secret : "");
	if (!rc)
		hmac_b64((const unsigned char *)key.s, key.len, (const unsigned char *)"", 0, out);
	yq_buf_release(&key);
	return rc;
}

int yq_channel_urlencode(struct yq_buf *b, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	int rc = 0;
	for (; *s && !rc; s++) {
		unsigned char c = (unsigned char)*s;
		if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		    c == '-' || c == '.' || c == '_' || c == '~') {
			rc = yq_buf_addc(b, (char)c);
		} else {
			char e[3] = {'%', hex[c >> 4], hex[c & 15]};
			rc = yq_buf_add(b, e, 3);
		}
	}
	return rc;
}

/* ---- templates ---- */

static const char *const placeholders[] = {"id",  "title", "level", "level_name", "time",
					   "event", "url", "summary", "recipient"};

static int placeholder_index(const char *s, size_t n)
{
	for (size_t i = 0; i < sizeof placeholders / sizeof *placeholders; i++)
		if (strlen(placeholders[i]) == n && !memcmp(placeholders[i], s, n))
			return (int)i;
	return -1;
}

int yq_channel_template_check(const char *tmpl, struct yq_buf *err)
{
	for (const char *p = tmpl; (p = strstr(p, "{{"));) {
		const char *e = strstr(p + 2, "}}");
		if (!e) {
			yq_buf_printf(err, "unclosed placeholder at '%.20s'", p);
			return YQ_EFORMAT;
		}
		if (placeholder_index(p + 2, (size_t)(e - p - 2)) < 0) {
			yq_buf_printf(err, "unknown placeholder {{%.*s}}", (int)(e - p - 2), p + 2);
			return YQ_EFORMAT;
		}
		p = e + 2;
	}
	return 0;
}

static const char *level_name(const char *level)
{
	static const char *const codes[][2] = {
		{"I", "Ⅰ级(红色)"}, {"II", "Ⅱ级(橙色)"}, {"III", "Ⅲ级(黄色)"}, {"IV", "Ⅳ级(蓝色)"},
		{"test", "测试"},
	};
	for (size_t i = 0; i < sizeof codes / sizeof *codes; i++)
		if (!strcmp(level, codes[i][0]))
			return codes[i][1];
	return level;
}

/* value: appends the text of placeholder i for alert. */
static int value(struct yq_buf *b, int i, const json_t *alert, const char *recipient)
{
	const char *key = placeholders[i];
	json_t *v;
	if (i == 3) { /* level_name */
		v = json_object_get(alert, "level");
		return yq_buf_adds(b, json_is_string(v) ? level_name(json_string_value(v)) : "");
	}
	if (i == 8)
		return yq_buf_adds(b, recipient ? recipient : "");
	v = json_object_get(alert, key);
	if (i == 4 && json_is_integer(v)) { /* time: Unix seconds → Asia/Shanghai */
		time_t t = (time_t)(json_integer_value(v) + 8 * 3600);
		struct tm tm;
		gmtime_r(&t, &tm);
		return yq_buf_printf(b, "%04d-%02d-%02d %02d:%02d", tm.tm_year + 1900, tm.tm_mon + 1,
				     tm.tm_mday, tm.tm_hour, tm.tm_min);
	}
	if (i == 7 && !v) { /* summary: else the reason's summary or why */
		json_t *r = json_object_get(alert, "reason");
		v = json_object_get(r, "summary");
		if (!json_is_string(v))
			v = json_object_get(r, "why");
	}
	if (json_is_string(v))
		return yq_buf_adds(b, json_string_value(v));
	if (json_is_integer(v))
		return yq_buf_printf(b, "%lld", (long long)json_integer_value(v));
	if (json_is_real(v))
		return yq_buf_printf(b, "%g", json_real_value(v));
	return 0;
}

static int expand(struct yq_buf *b, const char *tmpl, const json_t *alert, const char *recipient)
{
	int rc = 0;
	const char *p = tmpl;
	while (!rc && *p) {
		const char *o = strstr(p, "{{"), *e = o ? strstr(o + 2, "}}") : NULL;
		int i = e ? placeholder_index(o + 2, (size_t)(e - o - 2)) : -1;
		if (!o || !e) {
			rc = yq_buf_adds(b, p);
			break;
		}
		rc = yq_buf_add(b, p, (size_t)(o - p));
		if (!rc)
			rc = i >= 0 ? value(b, i, alert, recipient)
				    : yq_buf_add(b, o, (size_t)(e + 2 - o));
		p = e + 2;
	}
	return rc;
}

int yq_channel_render(const struct yq_channel *ch, const json_t *alert, const char *recipient,
		      struct yq_buf *title, struct yq_buf *text)
{
	struct yq_buf t = YQ_BUF_INIT;
	int rc = expand(&t, ch->title_tmpl ? ch->title_tmpl : DEFAULT_TITLE, alert, recipient);
	if (!rc)
		rc = expand(text, ch->body_tmpl ? ch->body_tmpl : DEFAULT_BODY, alert, recipient);
	if (!rc && ch->keyword && *ch->keyword && !strstr(t.s, ch->keyword) &&
	    !strstr(text->s, ch->keyword))
		rc = yq_buf_printf(title, "【%s】", ch->keyword);
	if (!rc)
		rc = yq_buf_add(title, t.s, t.len);
	yq_buf_release(&t);
	return rc;
}

/* ---- requests ---- */

void yq_channel_req_init(struct yq_channel_req *r)
{
	yq_buf_init(&r->url);
	yq_buf_init(&r->body);
	yq_buf_init(&r->headers);
}

void yq_channel_req_release(struct yq_channel_req *r)
{
	yq_buf_release(&r->url);
	yq_buf_release(&r->body);
	yq_buf_release(&r->headers);
}

/* cut: the length of the longest prefix of s[0..n) of whole characters
 * that fits in max bytes. */
static size_t cut(const char *s, size_t n, size_t max)
{
	size_t i = 0;
	if (n <= max)
		return n;
	while (i < n) {
		size_t j = i;
		yq_utf8_next(s, n, &j);
		if (j > max)
			break;
		i = j;
	}
	return i;
}

static int dump_to(struct yq_buf *b, json_t *j)
{
	char *s = j ? json_dumps(j, JSON_COMPACT) : NULL;
	int rc = s ? yq_buf_adds(b, s) : YQ_ENOMEM;
	free(s);
	return rc;
}

int yq_channel_build(const struct yq_channel *ch, const json_t *alert, const char *recipient,
		     int64_t now_ms, const char *idem, struct yq_channel_req *req)
{
	struct yq_buf title = YQ_BUF_INIT, text = YQ_BUF_INIT, content = YQ_BUF_INIT;
	json_t *body = NULL;
	char sign[YQ_SIGN_B64];
	int rc;

	if (ch->kind == YQ_CHANNEL_EMAIL)
		return YQ_EINVAL;
	if ((rc = yq_channel_render(ch, alert, recipient, &title, &text)) ||
	    (rc = yq_buf_adds(&req->url, ch->url)))
		goto out;
	rc = YQ_ENOMEM;
	switch (ch->kind) {
	case YQ_CHANNEL_WEBHOOK:
		body = json_pack("{s:O, s:s%, s:s%, s:s, s:s?}", "alert", (json_t *)alert, "title",
				 title.s, title.len, "text", text.s, text.len, "channel", ch->name,
				 "recipient", recipient);
		break;
	case YQ_CHANNEL_WECOM:
		if (yq_buf_printf(&content, "## %s\n\n%s", title.s, text.s))
			goto out;
		body = json_pack("{s:s, s:{s:s%}}", "msgtype", "markdown", "markdown", "content",
				 content.s, cut(content.s, content.len, WECOM_MAX));
		break;
	case YQ_CHANNEL_DINGTALK:
		if (yq_buf_printf(&content, "### %s\n\n%s", title.s, text.s))
			goto out;
		body = json_pack("{s:s, s:{s:s%, s:s%}}", "msgtype", "markdown", "markdown", "title",
				 title.s, cut(title.s, title.len, 256), "text", content.s,
				 cut(content.s, content.len, ROBOT_TEXT_MAX));
		if (body && ch->secret) {
			if (yq_channel_dingtalk_sign(ch->secret, now_ms, sign) ||
			    yq_buf_printf(&req->url, "%ctimestamp=%lld&sign=",
					  strchr(ch->url, '?') ? '&' : '?', (long long)now_ms) ||
			    yq_channel_urlencode(&req->url, sign))
				goto out;
		}
		break;
	case YQ_CHANNEL_FEISHU:
		if (yq_buf_printf(&content, "%s\n%s", title.s, text.s))
			goto out;
		body = json_pack("{s:s, s:{s:s%}}", "msg_type", "text", "content", "text", content.s,
				 cut(content.s, content.len, ROBOT_TEXT_MAX));
		if (body && ch->secret) {
			char ts[24];
			snprintf(ts, sizeof ts, "%lld", (long long)(now_ms / 1000));
			if (yq_channel_feishu_sign(ch->secret, now_ms / 1000, sign) ||
			    json_object_set_new(body, "timestamp", json_string(ts)) ||
			    json_object_set_new(body, "sign", json_string(sign)))
				goto out;
		}
		break;
	case YQ_CHANNEL_EMAIL:
		break;
	}
	if (!body || dump_to(&req->body, body))
		goto out;
	rc = yq_buf_adds(&req->headers, "Content-Type: application/json; charset=utf-8\n");
	if (!rc && ch->kind == YQ_CHANNEL_WEBHOOK && idem)
		rc = yq_buf_printf(&req->headers, "Idempotency-Key: %s\n", idem);
	if (!rc && ch->kind == YQ_CHANNEL_WEBHOOK && ch->secret) {
		unsigned char mac[crypto_auth_hmacsha256_BYTES];
		char hex[2 * sizeof mac + 1];
		crypto_auth_hmacsha256_state st;
		crypto_auth_hmacsha256_init(&st, (const unsigned char *)ch->secret,
					    strlen(ch->secret));
		crypto_auth_hmacsha256_update(&st, (const unsigned char *)req->body.s, req->body.len);
		crypto_auth_hmacsha256_final(&st, mac);
		sodium_bin2hex(hex, sizeof hex, mac, sizeof mac);
		rc = yq_buf_printf(&req->headers, "X-Yuqing-Signature: sha256=%s\n", hex);
	}
out:
	json_decref(body);
	yq_buf_release(&title);
	yq_buf_release(&text);
	yq_buf_release(&content);
	return rc;
}

/* ---- answers ---- */

/* Platform codes that mean "slow down", worth a retry with backoff. */
static int rate_limited(enum yq_channel_kind kind, long long code)
{
	switch (kind) {
	case YQ_CHANNEL_DINGTALK:
		return code == 130101 || code == 130102; /* send too fast */
	case YQ_CHANNEL_WECOM:
		return code == 45009 || code == -1; /* api freq out of limit; system busy */
	case YQ_CHANNEL_FEISHU:
		return code == 9499 || code == 11232; /* too many requests; frequency limited */
	default:
		return 0;
	}
}

int yq_channel_check(enum yq_channel_kind kind, long http, const char *body, size_t n,
		     int *permanent, struct yq_buf *err)
{
	json_t *j = NULL, *c, *m;
	long long code;
	int rc = YQ_EIO;

	*permanent = 0;
	if (http < 200 || http > 299) {
		if (http == 0)
			yq_buf_adds(err, "no HTTP answer");
		else
			yq_buf_printf(err, "HTTP %ld", http);
		*permanent = http >= 400 && http < 500 && http != 408 && http != 429;
		return YQ_EIO;
	}
	if (kind == YQ_CHANNEL_WEBHOOK)
		return 0;
	j = json_loadb(body ? body : "", n, 0, NULL);
	if (!json_is_object(j)) {
		yq_buf_printf(err, "HTTP %ld with an answer that is not a JSON object", http);
		goto out;
	}
	if (kind == YQ_CHANNEL_FEISHU) {
		c = json_object_get(j, "code");
		m = json_object_get(j, "msg");
		if (!c) {
			c = json_object_get(j, "StatusCode");
			m = json_object_get(j, "StatusMessage");
		}
	} else {
		c = json_object_get(j, "errcode");
		m = json_object_get(j, "errmsg");
	}
	if (!json_is_integer(c)) {
		yq_buf_printf(err, "HTTP %ld without %s in the answer", http,
			      kind == YQ_CHANNEL_FEISHU ? "code" : "errcode");
		goto out;
	}
	code = json_integer_value(c);
	if (code == 0) {
		rc = 0;
		goto out;
	}
	const char *msg = json_is_string(m) ? json_string_value(m) : "";
	yq_buf_printf(err, "%s %lld: %.*s", kind == YQ_CHANNEL_FEISHU ? "code" : "errcode", code,
		      (int)cut(msg, strlen(msg), 200), msg);
	*permanent = !rate_limited(kind, code);
out:
	json_decref(j);
	return rc;
}
