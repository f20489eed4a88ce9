/*
 * channel.h — one message for one channel: rendering the alert through the
 * channel's templates, the robot platforms' signatures and JSON bodies, and
 * reading their answers.  Used by the outbox (deliver.h) for real alerts and
 * for test messages alike, so both take exactly the same path (webhook-05).
 *
 * Signatures (field cases webhook-01..03):
 *   DingTalk: sign = Base64(HMAC-SHA256(key = secret,
 *             msg = timestamp_ms + "\n" + secret)), appended to the URL as
 *             &timestamp=<ms>&sign=<URL-encoded once>; the timestamp is the
 *             send time (the clock is read for every message).
 *   Feishu:   sign = Base64(HMAC-SHA256(key = timestamp_s + "\n" + secret,
 *             msg = "")), sent in the JSON body next to msg_type with
 *             "timestamp" in SECONDS.
 *   Sources: open.dingtalk.com "自定义机器人安全设置" and
 *   open.feishu.cn "自定义机器人使用指南" (签名校验).
 */
#ifndef YQ_CHANNEL_H
#define YQ_CHANNEL_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "base/buf.h"
#include "deliver/deliver.h"

#define YQ_SIGN_B64 45 /* Base64 of 32 bytes (44 chars) and a NUL */

/* yq_channel_dingtalk_sign: the DingTalk 加签 value for secret at ts_ms
 * (Unix milliseconds), Base64 (not URL-encoded) into out.  0 or YQ_EINVAL. */
int yq_channel_dingtalk_sign(const char *secret, int64_t ts_ms, char out[YQ_SIGN_B64]);
/* yq_channel_feishu_sign: the Feishu signature for secret at ts_s (Unix
 * seconds), Base64 into out.  0 or YQ_ENOMEM. */
int yq_channel_feishu_sign(const char *secret, int64_t ts_s, char out[YQ_SIGN_B64]);
/* yq_channel_urlencode: appends s percent-encoded (RFC 3986: everything
 * but A-Z a-z 0-9 - . _ ~, uppercase hex).  0 or YQ_ENOMEM. */
int yq_channel_urlencode(struct yq_buf *b, const char *s);

/* Template placeholders: {{id}} {{title}} {{level}} {{level_name}} {{time}}
 * (Asia/Shanghai, "2025-01-01 08:00") {{event}} {{url}} {{summary}}
 * {{recipient}}.  yq_channel_template_check: 0, or YQ_EFORMAT with the
 * unknown or unclosed placeholder in err. */
int yq_channel_template_check(const char *tmpl, struct yq_buf *err);

/*
 * yq_channel_render: the title and text of alert (a JSON object, borrowed)
 * for ch and a recipient's display name (NULL ok), appended to title and
 * text.  When ch->keyword is set and occurs in neither, the title is
 * prefixed with "【keyword】" so the robot's keyword check passes
 * (webhook-05).  0 or YQ_ENOMEM.
 */
int yq_channel_render(const struct yq_channel *ch, const json_t *alert, const char *recipient,
		      struct yq_buf *title, struct yq_buf *text);

/* An HTTP request for a webhook or robot channel. */
struct yq_channel_req {
	struct yq_buf url;
	struct yq_buf body;       /* JSON */
	struct yq_buf headers;    /* extra header lines, each ending in "\n" */
};
void yq_channel_req_init(struct yq_channel_req *r);
void yq_channel_req_release(struct yq_channel_req *r);

/*
 * yq_channel_build: the request for alert on ch (kind webhook, wecom,
 * dingtalk or feishu) at now_ms (Unix milliseconds: the signing time),
 * recipient name (NULL ok), idempotency key idem (NULL: none) for the
 * generic webhook's Idempotency-Key header.  Bodies:
 *   webhook  {"alert":{...},"title","text","channel","recipient"}, with
 *            X-Yuqing-Signature: sha256=<hex HMAC-SHA256(secret, body)>
 *            when a secret is set
 *   wecom    {"msgtype":"markdown","markdown":{"content":"## title\n\ntext"}}
 *            content cut at 4096 bytes on a character boundary
 *   dingtalk {"msgtype":"markdown","markdown":{"title","text":"### title\n\ntext"}}
 *   feishu   {"msg_type":"text","content":{"text":"title\ntext"}} plus
 *            "timestamp" and "sign" when a secret is set
 * 0, YQ_EINVAL (an e-mail channel), YQ_ENOMEM.
 */
int yq_channel_build(const struct yq_channel *ch, const json_t *alert, const char *recipient,
		     int64_t now_ms, const char *idem, struct yq_channel_req *req);

/*
 * yq_channel_check: judges an answer: HTTP status http (0: no answer) and
 * body[0..n).  Success (0) is a 2xx status and, for robots, errcode == 0
 * (WeCom, DingTalk) or code == 0 (Feishu; StatusCode == 0 in its older
 * answers) — a 200 with another code is a failure (webhook-04).  On failure
 * returns YQ_EIO with "errcode 310000: keywords not in content" or
 * "HTTP 500" in err, and *permanent = 1 when retrying cannot help (a 4xx
 * other than 408/429, a platform code that is not a rate limit).
 */
int yq_channel_check(enum yq_channel_kind kind, long http, const char *body, size_t n,
		     int *permanent, struct yq_buf *err);

/* yq_channel_kind_name: "webhook", "wecom", "dingtalk", "feishu", "email". */
const char *yq_channel_kind_name(enum yq_channel_kind k);

#endif
