/*
 * deliver.h — alert delivery: channels (generic JSON webhook, WeCom,
 * DingTalk and Feishu robots, e-mail over SMTP), a persisted outbox with
 * retries and backoff, one notification per recipient per alert, and a
 * duty roster that escalates unacknowledged alerts (issue 6).
 *
 * Tables (yq_deliver_init, CREATE TABLE IF NOT EXISTS, one transaction):
 *   deliver_alerts(alert_id PRIMARY KEY, alert JSON, created, level (roster
 *                  level reached), next_escalation, acked_by, acked_at)
 *   deliver_outbox(id, alert_id, recipient (dedupe key), channel, address,
 *                  name, state, attempts, next_attempt, last_error, created,
 *                  sent_at), UNIQUE(alert_id, recipient)
 *
 * Outbox states: pending → sending → sent | pending (retry at next_attempt)
 * | failed (permanent platform/config error, or max_attempts reached) |
 * unknown.  A row is CLAIMED (state sending, attempts+1, committed) before
 * the network call and its outcome is committed after it; no network call
 * happens inside an open transaction (field case storage-01).  A process
 * killed between the two commits leaves the row in "sending"; the next
 * yq_deliver_open() decides by the channel's resend_interrupted
 * (workflow-06): by default webhook and e-mail rows go back to pending and
 * are sent again with the same Idempotency-Key header / Message-ID so the
 * receiver can drop a duplicate (never lost); robot rows (WeCom, DingTalk,
 * Feishu: a chat group cannot deduplicate) become "unknown" with a note for
 * a manual check (never twice).  A row in state sent is never sent again.
 *
 * Retry: after a temporary failure (network, HTTP 5xx/429, a robot's rate
 * limit code) next_attempt = now + min(retry_base_s · 2^(attempts-1),
 * retry_max_s); after max_attempts the row is failed.  A robot answering
 * HTTP 200 with errcode/code ≠ 0 is a failure (webhook-04), permanent unless
 * the code is a rate limit, so configuration errors (310000, 19021, 40058 …)
 * are not retried in a loop.
 *
 * Escalation: level 0 of the roster is notified at enqueue; level i when
 * the alert is still unacknowledged after roster[i].after_minutes minutes
 * from its enqueue time.  yq_deliver_ack() stops further escalation.
 *
 * Threads: yq_deliver_enqueue/ack/list take any connection (one per thread);
 * a struct yq_deliver (the sender) belongs to one thread.  The config is
 * borrowed and read-only while in use.
 */
#ifndef YQ_DELIVER_H
#define YQ_DELIVER_H

#include <stddef.h>
#include <stdint.h>

#include <sqlite3.h>
#include <yaml.h>

#include "base/buf.h"

#define YQ_DELIVER_ALERT_MAX (256 * 1024)  /* bytes of an alert's JSON */
#define YQ_DELIVER_RESPONSE_MAX (64 * 1024) /* bytes of a response read */

/* ---- configuration ---- */

enum yq_channel_kind {
	YQ_CHANNEL_WEBHOOK,   /* generic JSON POST */
	YQ_CHANNEL_WECOM,     /* 企业微信 group robot (markdown) */
	YQ_CHANNEL_DINGTALK,  /* 钉钉 custom robot (markdown, optional 加签) */
	YQ_CHANNEL_FEISHU,    /* 飞书 custom robot (text, optional signature) */
	YQ_CHANNEL_EMAIL      /* SMTP through libcurl */
};

struct yq_channel {
	char *name;            /* unique, referenced by the roster */
	enum yq_channel_kind kind;
	char *url;             /* robot/webhook URL; e-mail: smtp://host:port or smtps:// */
	char *secret;          /* DingTalk/Feishu signing secret; webhook: HMAC key
			        * for X-Yuqing-Signature; NULL for none */
	char *keyword;         /* robot security keyword (自定义关键词), NULL */
	char *title_tmpl;      /* title template, NULL: "【{{level_name}}预警】{{title}}" */
	char *body_tmpl;       /* body template, NULL: the kind's default */
	/* e-mail only */
	char *from_name;       /* display name (UTF-8), NULL */
	char *from_addr;       /* envelope and From address (ASCII) */
	char *username, *password; /* SMTP AUTH, NULL for none */
	int tls;               /* 0 none, 1 STARTTLS if offered, 2 required */
	int timeout_s;         /* whole request, default 10 */
	int resend_interrupted; /* a row found "sending" after a crash: 1 sent
				 * again (pending), 0 held as "unknown".  YAML
				 * `interrupted: resend | hold`; default resend
				 * for webhook and e-mail, hold for robots */
};

struct yq_recipient {
	size_t channel;        /* index into config->channels */
	char *name;            /* display name (UTF-8) or NULL */
	char *address;         /* e-mail address; NULL for robots/webhooks */
	char *user;            /* yuqing user name of the person on duty, or NULL */
};

struct yq_roster_level {
	int64_t after_minutes; /* 0 for level 0; increasing */
	struct yq_recipient *to;
	size_t n;
};

struct yq_deliver_config {
	struct yq_channel *channels;
	size_t n_channels;
	struct yq_roster_level *levels;
	size_t n_levels;
	int64_t retry_base_s;  /* default 30 */
	int64_t retry_max_s;   /* default 3600 */
	int max_attempts;      /* default 8 */
};

/*
 * yq_deliver_config_parse: builds a config from the `channels:` sequence
 * node and the `roster:` sequence node (either may be NULL) of doc
 * (borrowed).  Format (docs/delivery.md):
 *
 *   channels:
 *     - name: duty-ding
 *       kind: dingtalk            # webhook | wecom | dingtalk | feishu | email
 *       url: https://oapi.dingtalk.com/robot/send?access_token=...
 *       secret: SEC...            # 加签, optional
 *       keyword: 舆情             # security keyword, optional
 *       title: "..."              # templates, optional
 *       body: "..."
 *       timeout: 10               # seconds
 *       interrupted: hold         # or resend (see resend_interrupted)
 *     - name: mail
 *       kind: email
 *       url: smtp://127.0.0.1:25
 *       from: {name: 市网信办舆情监测, address: alert@example.gov.cn}
 *       username: ..., password: ..., tls: none | try | required
 *   roster:
 *     - after_minutes: 0
 *       notify:
 *         - channel: duty-ding
 *         - {channel: mail, name: 张三, address: zs@example.gov.cn, user: zhangsan}
 *     - after_minutes: 15
 *       notify: [...]
 *
 * Checks: unique channel names, known kinds, http(s)/smtp(s) URLs, e-mail
 * channels with an ASCII from address, e-mail recipients with an address,
 * recipients naming a configured channel, strictly increasing after_minutes
 * starting at 0, templates with known placeholders only.  Errors:
 * YQ_EFORMAT with "line N: ..." in err, YQ_ENOMEM.  Free with
 * yq_deliver_config_free.
 */
int yq_deliver_config_parse(yaml_document_t *doc, yaml_node_t *channels,
			    yaml_node_t *roster, struct yq_deliver_config **out,
			    struct yq_buf *err);
/* yq_deliver_config_load: the same from a YAML file whose top-level mapping
 * has `channels:` and `roster:`.  YQ_EIO, YQ_EFORMAT, YQ_ENOMEM. */
int yq_deliver_config_load(const char *path, struct yq_deliver_config **out,
			   struct yq_buf *err);
void yq_deliver_config_free(struct yq_deliver_config *cfg);
/* yq_deliver_channel_find: index of channel name, or -1. */
long yq_deliver_channel_find(const struct yq_deliver_config *cfg, const char *name);

/* ---- outbox ---- */

/* yq_deliver_init: creates the deliver_* tables.  0 or YQ_EDB. */
int yq_deliver_init(sqlite3 *db);

/*
 * yq_deliver_enqueue: records alert_json (an object with an integer "id";
 * also used: "title", "level", "time" (Unix s), "event", "url", "summary",
 * "reason"; at most YQ_DELIVER_ALERT_MAX bytes) and queues one row per
 * recipient of roster level 0 and of extra[0..n_extra) (recipients named
 * by schemes), due now.  A recipient already queued for this alert id (same
 * channel and address) is skipped, so several schemes matching one event,
 * or the same alert enqueued twice, notify each recipient once.  *queued
 * (if not NULL) gets the number of new rows.  One transaction.
 * Errors: YQ_EINVAL (not an object, no integer id), YQ_ETOOBIG, YQ_EDB.
 */
int yq_deliver_enqueue(sqlite3 *db, const struct yq_deliver_config *cfg,
		       const char *alert_json, const struct yq_recipient *extra,
		       size_t n_extra, int64_t now, int *queued);

/*
 * yq_deliver_ack: marks alert_id acknowledged by user at now; no further
 * escalation.  An alert already acknowledged keeps its first ack (who,
 * when).  0, YQ_ENOTFOUND (never enqueued), YQ_EDB.
 */
int yq_deliver_ack(sqlite3 *db, int64_t alert_id, const char *user, int64_t now);

/*
 * yq_deliver_list_json: appends a JSON array of the outbox rows of alert_id
 * (0: all, newest first, at most limit 1..1000): {"id","alert","recipient",
 * "channel","state","attempts","next_attempt","last_error","sent_at"}.
 * 0, YQ_EINVAL, YQ_EDB, YQ_ENOMEM.
 */
int yq_deliver_list_json(sqlite3 *db, int64_t alert_id, int limit, struct yq_buf *out);

/* ---- the sender ---- */

struct yq_deliver;

/* Per-channel counters since yq_deliver_open (for /metrics). */
struct yq_deliver_counters {
	uint64_t sent;       /* rows delivered */
	uint64_t failures;   /* failed attempts (temporary and permanent) */
	uint64_t retries;    /* attempts after the first */
	uint64_t unknown;    /* rows left "unknown" by a crash */
};

/*
 * yq_deliver_open: a sender on db (borrowed; a connection for this thread)
 * with cfg (borrowed; must outlive it).  Creates the tables and recovers
 * rows left in "sending" by a killed process as described above.
 * 0, YQ_EDB, YQ_ENOMEM.
 */
int yq_deliver_open(sqlite3 *db, const struct yq_deliver_config *cfg,
		    struct yq_deliver **out);
void yq_deliver_free(struct yq_deliver *d);

/* yq_deliver_set_clock: the clock used for signing timestamps (DingTalk
 * milliseconds, Feishu seconds), read at every send; default the real
 * time.  fn returns Unix milliseconds. */
void yq_deliver_set_clock(struct yq_deliver *d, int64_t (*fn)(void *arg), void *arg);

struct yq_tick_stats {
	int sent, failed, retry, escalated;
};

/*
 * yq_deliver_tick: escalates the unacknowledged alerts whose next roster
 * level is due at now (Unix s), then sends every outbox row due at now (at
 * most 200 a call), one claim → send → record cycle each.  Adds to *st (if
 * not NULL).  Returns 0 or YQ_EDB/YQ_ENOMEM (delivery failures are recorded
 * in the rows, not returned).
 */
int yq_deliver_tick(struct yq_deliver *d, int64_t now, struct yq_tick_stats *st);

/* yq_deliver_counters: the counters of channel index ch (NULL if out of range). */
const struct yq_deliver_counters *yq_deliver_counters(const struct yq_deliver *d, size_t ch);

/*
 * yq_deliver_test: sends a test alert (id 0, title "测试消息") to channel
 * name right away, through exactly the rendering, signing and checking path
 * of real alerts (webhook-05), without the outbox; for e-mail, to address.
 * 0 when the receiver accepted it; otherwise a YQ_E* code with the
 * platform's code and message in err.
 */
int yq_deliver_test(struct yq_deliver *d, const char *name, const char *address,
		    struct yq_buf *err);

#endif
