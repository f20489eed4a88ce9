/*
 * outbox.c — the persisted alert outbox, its sender and the duty-roster
 * escalation (deliver.h has the tables, states and rules).
 *
 * A send is three steps, never one transaction:
 *   1. claim: BEGIN IMMEDIATE; pick the oldest due pending row; set it
 *      sending with attempts+1; COMMIT.
 *   2. send over the network, with no transaction open (storage-01).
 *   3. record: one UPDATE to sent / pending with next_attempt / failed.
 * A crash between 1 and 3 leaves "sending", resolved at the next open
 * (in yq_deliver_open) by the channel's resend_interrupted: by default
 * webhook and e-mail rows are re-sent with the same Idempotency-Key /
 * Message-ID, robot rows become "unknown" because a chat group cannot drop
 * a duplicate (workflow-06: at most once, logged for a manual check).  A crash before 1 or after 3 loses and repeats nothing.
 *
 * The recipient key (dedupe) is "<channel>" for robots and webhooks and
 * "<channel>:<lowercased address>" for e-mail; UNIQUE(alert_id, recipient)
 * with INSERT OR IGNORE makes every enqueue and escalation idempotent.
 */
#include "deliver/deliver.h"

#include <ctype.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <curl/curl.h>
#include <jansson.h>
#include <sodium.h>

#include "auth/txn.h"
#include "base/error.h"
#include "deliver/channel.h"
#include "deliver/mail.h"
#include "store/query.h"

#define TICK_MAX 200

struct yq_deliver {
	sqlite3 *db;
	const struct yq_deliver_config *cfg;
	struct yq_deliver_counters *counters; /* one per channel */
	int64_t (*clock)(void *);
	void *clock_arg;
};

static const char SCHEMA[] =
	"CREATE TABLE IF NOT EXISTS deliver_alerts(alert_id INTEGER PRIMARY KEY,"
	" alert TEXT NOT NULL, created INTEGER NOT NULL, level INTEGER NOT NULL DEFAULT 0,"
	" next_escalation INTEGER, acked_by TEXT, acked_at INTEGER);"
	"CREATE INDEX IF NOT EXISTS deliver_alerts_esc ON deliver_alerts(next_escalation)"
	" WHERE acked_at IS NULL;"
	"CREATE TABLE IF NOT EXISTS deliver_outbox(id INTEGER PRIMARY KEY,"
	" alert_id INTEGER NOT NULL REFERENCES deliver_alerts(alert_id),"
	" recipient TEXT NOT NULL, channel TEXT NOT NULL, address TEXT, name TEXT,"
	" roster_level INTEGER, state TEXT NOT NULL DEFAULT 'pending',"
	" attempts INTEGER NOT NULL DEFAULT 0, next_attempt INTEGER NOT NULL,"
	" last_error TEXT, created INTEGER NOT NULL, sent_at INTEGER,"
	" UNIQUE(alert_id, recipient));"
	"CREATE INDEX IF NOT EXISTS deliver_outbox_due ON deliver_outbox(state, next_attempt);"
	"CREATE TABLE IF NOT EXISTS deliver_keys(alert_id INTEGER PRIMARY KEY,"
	" key TEXT NOT NULL, rank INTEGER NOT NULL,"
	" duplicate_of INTEGER, duplicates INTEGER NOT NULL DEFAULT 0);"
	"CREATE INDEX IF NOT EXISTS deliver_keys_key ON deliver_keys(key, rank);";

int yq_deliver_init(sqlite3 *db)
{
	struct yq_txn t;
	if (sodium_init() < 0)
		return YQ_ENOMEM;
	int rc = yq_txn_begin(db, &t);
	if (rc)
		return rc;
	return yq_txn_end(&t, yq_txn_exec(db, SCHEMA));
}

/* ---- enqueue, escalate, ack ---- */

/* queue_recipient: INSERT OR IGNORE one outbox row; *added += 1 if new. */
static int queue_recipient(sqlite3 *db, const struct yq_deliver_config *cfg, int64_t alert_id,
			   const struct yq_recipient *r, int level, int64_t now, int *added)
{
	const struct yq_channel *ch;
	char key[600];
	sqlite3_stmt *s = NULL;
	int rc = 0;

	if (r->channel >= cfg->n_channels)
		return YQ_EINVAL;
	ch = &cfg->channels[r->channel];
	if (ch->kind == YQ_CHANNEL_EMAIL) {
		int k = snprintf(key, sizeof key, "%s:%s", ch->name, r->address ? r->address : "");
		for (int i = (int)strlen(ch->name) + 1; i < k && i < (int)sizeof key; i++)
			key[i] = (char)tolower((unsigned char)key[i]);
	} else {
		snprintf(key, sizeof key, "%s", ch->name);
	}
	if (sqlite3_prepare_v2(db,
			       "INSERT OR IGNORE INTO deliver_outbox(alert_id, recipient, channel,"
			       " address, name, roster_level, next_attempt, created)"
			       " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7)",
			       -1, &s, NULL) != SQLITE_OK)
		return YQ_EDB;
	sqlite3_bind_int64(s, 1, alert_id);
	sqlite3_bind_text(s, 2, key, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(s, 3, ch->name, -1, SQLITE_STATIC);
	if (r->address)
		sqlite3_bind_text(s, 4, r->address, -1, SQLITE_STATIC);
	if (r->name)
		sqlite3_bind_text(s, 5, r->name, -1, SQLITE_STATIC);
	if (level >= 0)
		sqlite3_bind_int(s, 6, level);
	sqlite3_bind_int64(s, 7, now);
	if (sqlite3_step(s) != SQLITE_DONE)
		rc = YQ_EDB;
	else if (added)
		*added += sqlite3_changes(db);
	sqlite3_finalize(s);
	return rc;
}

static int queue_level(sqlite3 *db, const struct yq_deliver_config *cfg, int64_t alert_id,
		       size_t level, int64_t now, int *added)
{
	int rc = 0;
	for (size_t i = 0; !rc && level < cfg->n_levels && i < cfg->levels[level].n; i++)
		rc = queue_recipient(db, cfg, alert_id, &cfg->levels[level].to[i], (int)level, now,
				     added);
	return rc;
}

/* escalation_at: when level+1 is due for an alert created at created,
 * or -1 when there is no further level. */
static int64_t escalation_at(const struct yq_deliver_config *cfg, size_t level, int64_t created)
{
	if (level + 1 >= cfg->n_levels)
		return -1;
	return created + cfg->levels[level + 1].after_minutes * 60;
}

/* alert_key: the alert's dedupe key (its "key" string, "" when none);
 * *rank its level's rank (I 4 … IV 1, else 0). */
static void alert_key(json_t *j, char *key, size_t cap, int *rank)
{
	static const char *const levels[] = {"IV", "III", "II", "I"};
	json_t *k = json_object_get(j, "key");
	const char *lv = json_string_value(json_object_get(j, "level"));
	*key = 0;
	if (json_is_string(k))
		snprintf(key, cap, "%s", json_string_value(k));
	*rank = 0;
	for (int i = 0; lv && i < 4; i++)
		if (!strcmp(lv, levels[i]))
			*rank = i + 1;
}

/*
 * by_key: the alert-key rules (workflow-07), inside enqueue's transaction,
 * for a NEW alert_id with key and rank.  An earlier alert of the key at
 * an equal or higher rank makes this one a duplicate: it is recorded with
 * no notification and no escalation, carries the earlier alert's
 * acknowledgement (an acked alert stays acked), and the earlier one counts
 * it (*dup = 1).  Otherwise it is a first alert or a rise: the pending
 * escalations of the key's earlier alerts are cancelled (the new level
 * notifies once; their acknowledgements stay as history).
 */
static int by_key(sqlite3 *db, int64_t alert_id, const char *alert_json, const char *key,
		  int rank, int64_t now, int *dup)
{
	sqlite3_stmt *s = NULL;
	int64_t prior = 0;
	int rc = 0;
	*dup = 0;
	if (sqlite3_prepare_v2(db,
			       "SELECT k.alert_id FROM deliver_keys k WHERE k.key = ?1 AND k.rank >= ?2"
			       " AND k.duplicate_of IS NULL ORDER BY k.rank DESC, k.alert_id DESC LIMIT 1",
			       -1, &s, NULL) != SQLITE_OK)
		return YQ_EDB;
	sqlite3_bind_text(s, 1, key, -1, SQLITE_STATIC);
	sqlite3_bind_int(s, 2, rank);
	int st = sqlite3_step(s);
	if (st == SQLITE_ROW)
		prior = sqlite3_column_int64(s, 0);
	else if (st != SQLITE_DONE)
		rc = YQ_EDB;
	sqlite3_finalize(s);
	s = NULL;
	if (rc)
		return rc;
	if (prior) {
		*dup = 1;
		if (sqlite3_prepare_v2(db,
				       "INSERT INTO deliver_alerts(alert_id, alert, created, acked_by,"
				       " acked_at) SELECT ?1, ?2, ?3, acked_by, acked_at FROM"
				       " deliver_alerts WHERE alert_id = ?4",
				       -1, &s, NULL) != SQLITE_OK)
			return YQ_EDB;
		sqlite3_bind_int64(s, 1, alert_id);
		sqlite3_bind_text(s, 2, alert_json, -1, SQLITE_STATIC);
		sqlite3_bind_int64(s, 3, now);
		sqlite3_bind_int64(s, 4, prior);
		rc = sqlite3_step(s) == SQLITE_DONE ? 0 : YQ_EDB;
		sqlite3_finalize(s);
		s = NULL;
		if (!rc && sqlite3_prepare_v2(db,
					      "UPDATE deliver_keys SET duplicates = duplicates + 1"
					      " WHERE alert_id = ?1",
					      -1, &s, NULL) == SQLITE_OK) {
			sqlite3_bind_int64(s, 1, prior);
			rc = sqlite3_step(s) == SQLITE_DONE ? 0 : YQ_EDB;
		} else if (!rc) {
			rc = YQ_EDB;
		}
		sqlite3_finalize(s);
		s = NULL;
	} else if (sqlite3_prepare_v2(db,
				      "UPDATE deliver_alerts SET next_escalation = NULL WHERE alert_id IN"
				      " (SELECT alert_id FROM deliver_keys WHERE key = ?1)",
				      -1, &s, NULL) == SQLITE_OK) {
		sqlite3_bind_text(s, 1, key, -1, SQLITE_STATIC);
		rc = sqlite3_step(s) == SQLITE_DONE ? 0 : YQ_EDB;
		sqlite3_finalize(s);
		s = NULL;
	} else {
		rc = YQ_EDB;
	}
	if (rc)
		return rc;
	if (sqlite3_prepare_v2(db,
			       "INSERT INTO deliver_keys(alert_id, key, rank, duplicate_of)"
			       " VALUES (?1, ?2, ?3, ?4)",
			       -1, &s, NULL) != SQLITE_OK)
		return YQ_EDB;
	sqlite3_bind_int64(s, 1, alert_id);
	sqlite3_bind_text(s, 2, key, -1, SQLITE_STATIC);
	sqlite3_bind_int(s, 3, rank);
	if (prior)
		sqlite3_bind_int64(s, 4, prior);
	rc = sqlite3_step(s) == SQLITE_DONE ? 0 : YQ_EDB;
	sqlite3_finalize(s);
	return rc;
}

int yq_deliver_enqueue(sqlite3 *db, const struct yq_deliver_config *cfg, const char *alert_json,
		       const struct yq_recipient *extra, size_t n_extra, int64_t now, int *queued)
{
	json_t *j = NULL, *id;
	sqlite3_stmt *s = NULL;
	struct yq_txn t;
	char key[300];
	int rc, added = 0, fresh, rank, dup = 0;

	if (queued)
		*queued = 0;
	if (!alert_json)
		return YQ_EINVAL;
	if (strlen(alert_json) > YQ_DELIVER_ALERT_MAX)
		return YQ_ETOOBIG;
	j = json_loads(alert_json, 0, NULL);
	id = json_object_get(j, "id");
	if (!json_is_object(j) || !json_is_integer(id)) {
		json_decref(j);
		return YQ_EINVAL;
	}
	int64_t alert_id = json_integer_value(id);
	alert_key(j, key, sizeof key, &rank);
	json_decref(j);
	if ((rc = yq_txn_begin(db, &t)))
		return rc;
	if (*key) { /* a new alert of a known key: duplicate or rise (workflow-07) */
		if (sqlite3_prepare_v2(db, "SELECT 1 FROM deliver_alerts WHERE alert_id = ?1", -1, &s,
				       NULL) != SQLITE_OK) {
			rc = YQ_EDB;
			goto out;
		}
		sqlite3_bind_int64(s, 1, alert_id);
		int st = sqlite3_step(s);
		sqlite3_finalize(s);
		s = NULL;
		if (st == SQLITE_DONE && (rc = by_key(db, alert_id, alert_json, key, rank, now, &dup)))
			goto out;
		if (st != SQLITE_DONE && st != SQLITE_ROW) {
			rc = YQ_EDB;
			goto out;
		}
		if (dup)
			goto out; /* recorded, nobody notified */
	}
	if (sqlite3_prepare_v2(db,
			       "INSERT OR IGNORE INTO deliver_alerts(alert_id, alert, created,"
			       " next_escalation) VALUES (?1, ?2, ?3, ?4)",
			       -1, &s, NULL) != SQLITE_OK) {
		rc = YQ_EDB;
		goto out;
	}
	sqlite3_bind_int64(s, 1, alert_id);
	sqlite3_bind_text(s, 2, alert_json, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 3, now);
	if (escalation_at(cfg, 0, now) >= 0)
		sqlite3_bind_int64(s, 4, escalation_at(cfg, 0, now));
	if (sqlite3_step(s) != SQLITE_DONE) {
		rc = YQ_EDB;
		goto out;
	}
	fresh = sqlite3_changes(db) > 0;
	if (fresh)
		rc = queue_level(db, cfg, alert_id, 0, now, &added);
	for (size_t i = 0; !rc && i < n_extra; i++)
		rc = queue_recipient(db, cfg, alert_id, &extra[i], -1, now, &added);
out:
	sqlite3_finalize(s);
	rc = yq_txn_end(&t, rc);
	if (!rc && queued)
		*queued = added;
	return rc;
}

int yq_deliver_ack(sqlite3 *db, int64_t alert_id, const char *user, int64_t now)
{
	sqlite3_stmt *s = NULL;
	int rc = 0;
	if (sqlite3_prepare_v2(db,
			       "UPDATE deliver_alerts SET acked_by = coalesce(acked_by, ?2),"
			       " acked_at = coalesce(acked_at, ?3) WHERE alert_id = ?1",
			       -1, &s, NULL) != SQLITE_OK)
		return YQ_EDB;
	sqlite3_bind_int64(s, 1, alert_id);
	sqlite3_bind_text(s, 2, user ? user : "", -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 3, now);
	if (sqlite3_step(s) != SQLITE_DONE)
		rc = YQ_EDB;
	else if (sqlite3_changes(db) == 0)
		rc = YQ_ENOTFOUND;
	sqlite3_finalize(s);
	return rc;
}

/* escalate_one: moves the first due unacknowledged alert up one level.
 * *did = 1 when one was found. */
static int escalate_one(struct yq_deliver *d, int64_t now, int *did)
{
	sqlite3_stmt *s = NULL;
	struct yq_txn t;
	int rc, r;

	*did = 0;
	if ((rc = yq_txn_begin(d->db, &t)))
		return rc;
	if (sqlite3_prepare_v2(d->db,
			       "SELECT alert_id, level, created FROM deliver_alerts"
			       " WHERE acked_at IS NULL AND next_escalation IS NOT NULL"
			       " AND next_escalation <= ?1 ORDER BY next_escalation LIMIT 1",
			       -1, &s, NULL) != SQLITE_OK) {
		rc = YQ_EDB;
		goto out;
	}
	sqlite3_bind_int64(s, 1, now);
	r = sqlite3_step(s);
	if (r != SQLITE_ROW) {
		rc = r == SQLITE_DONE ? 0 : YQ_EDB;
		goto out;
	}
	int64_t alert_id = sqlite3_column_int64(s, 0), created = sqlite3_column_int64(s, 2);
	size_t level = (size_t)sqlite3_column_int64(s, 1) + 1;
	sqlite3_finalize(s);
	s = NULL;
	*did = 1;
	if ((rc = queue_level(d->db, d->cfg, alert_id, level, now, NULL)))
		goto out;
	if (sqlite3_prepare_v2(d->db,
			       "UPDATE deliver_alerts SET level = ?2, next_escalation = ?3"
			       " WHERE alert_id = ?1",
			       -1, &s, NULL) != SQLITE_OK) {
		rc = YQ_EDB;
		goto out;
	}
	sqlite3_bind_int64(s, 1, alert_id);
	sqlite3_bind_int64(s, 2, (int64_t)level);
	if (escalation_at(d->cfg, level, created) >= 0)
		sqlite3_bind_int64(s, 3, escalation_at(d->cfg, level, created));
	rc = sqlite3_step(s) == SQLITE_DONE ? 0 : YQ_EDB;
out:
	sqlite3_finalize(s);
	return yq_txn_end(&t, rc);
}

/* ---- transport ---- */

struct resp {
	struct yq_buf body;
	int overflow;
};

static size_t on_body(char *p, size_t size, size_t n, void *arg)
{
	struct resp *r = arg;
	size_t k = size * n;
	if (r->body.len + k > YQ_DELIVER_RESPONSE_MAX) {
		r->overflow = 1;
		return 0;
	}
	return yq_buf_add(&r->body, p, k) ? 0 : k;
}

/* Outcome of one attempt. */
struct outcome {
	int ok;
	int permanent;
	struct yq_buf err;
};

static void http_send(const struct yq_channel *ch, const struct yq_channel_req *req,
		      struct outcome *o)
{
	struct resp r = {YQ_BUF_INIT, 0};
	struct curl_slist *h = NULL;
	CURL *c = curl_easy_init();
	long code = 0;
	CURLcode cr;

	if (!c) {
		yq_buf_adds(&o->err, "curl_easy_init failed");
		return;
	}
	for (char *line = req->headers.s, *nl; (nl = strchr(line, '\n')); line = nl + 1) {
		*nl = '\0';
		struct curl_slist *nh = curl_slist_append(h, line);
		*nl = '\n';
		if (!nh) {
			yq_buf_adds(&o->err, "out of memory");
			goto out;
		}
		h = nh;
	}
	curl_easy_setopt(c, CURLOPT_URL, req->url.s);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 5L);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, (long)ch->timeout_s);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
	curl_easy_setopt(c, CURLOPT_POSTFIELDS, req->body.s);
	curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)req->body.len);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &r);
	curl_easy_setopt(c, CURLOPT_USERAGENT, "yuqing-deliver/1");
	cr = curl_easy_perform(c);
	if (cr != CURLE_OK) {
		yq_buf_printf(&o->err, "%s", r.overflow ? "answer over 64 KiB" : curl_easy_strerror(cr));
		goto out;
	}
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
	o->ok = yq_channel_check(ch->kind, code, r.body.s, r.body.len, &o->permanent, &o->err) == 0;
out:
	curl_slist_free_all(h);
	curl_easy_cleanup(c);
	yq_buf_release(&r.body);
}

struct upload {
	const char *p;
	size_t left;
};

static size_t on_read(char *buf, size_t size, size_t n, void *arg)
{
	struct upload *u = arg;
	size_t k = size * n < u->left ? size * n : u->left;
	memcpy(buf, u->p, k);
	u->p += k;
	u->left -= k;
	return k;
}

static void html_escape(struct yq_buf *b, const char *s)
{
	for (; *s; s++) {
		switch (*s) {
		case '<': yq_buf_adds(b, "&lt;"); break;
		case '>': yq_buf_adds(b, "&gt;"); break;
		case '&': yq_buf_adds(b, "&amp;"); break;
		case '"': yq_buf_adds(b, "&quot;"); break;
		case '\n': yq_buf_adds(b, "<br>\n"); break;
		default: yq_buf_addc(b, *s);
		}
	}
}

static void mail_send(const struct yq_channel *ch, const json_t *alert, const char *name,
		      const char *addr, const char *msgid, int64_t now, struct outcome *o)
{
	struct yq_buf title = YQ_BUF_INIT, text = YQ_BUF_INIT, html = YQ_BUF_INIT,
		      msg = YQ_BUF_INIT, rcpt = YQ_BUF_INIT, from = YQ_BUF_INIT;
	struct curl_slist *to = NULL;
	CURL *c = NULL;
	long code = 0;
	CURLcode cr;

	if (yq_channel_render(ch, alert, name, &title, &text) ||
	    yq_buf_adds(&html, "<!DOCTYPE html>\n<html><head><meta charset=\"UTF-8\"></head>"
			       "<body><h3>")) {
		yq_buf_adds(&o->err, "out of memory");
		goto out;
	}
	html_escape(&html, title.s);
	yq_buf_adds(&html, "</h3>\n<p>");
	html_escape(&html, text.s);
	yq_buf_adds(&html, "</p></body></html>\n");
	struct yq_mail m = {ch->from_name, ch->from_addr, name, addr, title.s, text.s, html.s,
			    msgid, now};
	if (yq_mail_build(&m, &msg)) {
		yq_buf_printf(&o->err, "cannot build the message to '%s'", addr ? addr : "");
		o->permanent = 1;
		goto out;
	}
	if (yq_buf_printf(&rcpt, "<%s>", addr) || yq_buf_printf(&from, "<%s>", ch->from_addr) ||
	    !(to = curl_slist_append(NULL, rcpt.s)) || !(c = curl_easy_init())) {
		yq_buf_adds(&o->err, "out of memory");
		goto out;
	}
	struct upload up = {msg.s, msg.len};
	curl_easy_setopt(c, CURLOPT_URL, ch->url);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 5L);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, (long)ch->timeout_s);
	curl_easy_setopt(c, CURLOPT_MAIL_FROM, from.s);
	curl_easy_setopt(c, CURLOPT_MAIL_RCPT, to);
	curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
	curl_easy_setopt(c, CURLOPT_READFUNCTION, on_read);
	curl_easy_setopt(c, CURLOPT_READDATA, &up);
	curl_easy_setopt(c, CURLOPT_INFILESIZE, (long)msg.len);
	curl_easy_setopt(c, CURLOPT_USE_SSL,
			 ch->tls == 2 ? (long)CURLUSESSL_ALL
				      : ch->tls == 1 ? (long)CURLUSESSL_TRY : (long)CURLUSESSL_NONE);
	if (ch->username)
		curl_easy_setopt(c, CURLOPT_USERNAME, ch->username);
	if (ch->password)
		curl_easy_setopt(c, CURLOPT_PASSWORD, ch->password);
	cr = curl_easy_perform(c);
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
	if (cr == CURLE_OK) {
		o->ok = 1;
	} else {
		yq_buf_printf(&o->err, "SMTP %ld: %s", code, curl_easy_strerror(cr));
		/* 5xx answers and refused logins will not get better by retrying */
		o->permanent = (code >= 500 && code < 600) || cr == CURLE_LOGIN_DENIED;
	}
out:
	curl_slist_free_all(to);
	curl_easy_cleanup(c);
	yq_buf_release(&title);
	yq_buf_release(&text);
	yq_buf_release(&html);
	yq_buf_release(&msg);
	yq_buf_release(&rcpt);
	yq_buf_release(&from);
}

static int64_t real_clock(void *arg)
{
	struct timespec ts;
	(void)arg;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* send_one: one attempt of alert on ch; idem names the row for receivers
 * (Idempotency-Key, Message-ID). */
static void send_one(struct yq_deliver *d, const struct yq_channel *ch, const json_t *alert,
		     const char *name, const char *addr, const char *idem, struct outcome *o)
{
	int64_t now_ms = d->clock(d->clock_arg);
	if (ch->kind == YQ_CHANNEL_EMAIL) {
		const char *dom = strchr(ch->from_addr, '@');
		struct yq_buf id = YQ_BUF_INIT;
		if (yq_buf_printf(&id, "<%s%s>", idem, dom ? dom : "@yuqing")) {
			yq_buf_adds(&o->err, "out of memory");
			return;
		}
		mail_send(ch, alert, name, addr, id.s, now_ms / 1000, o);
		yq_buf_release(&id);
		return;
	}
	struct yq_channel_req req;
	yq_channel_req_init(&req);
	if (yq_channel_build(ch, alert, name, now_ms, idem, &req))
		yq_buf_adds(&o->err, "cannot build the request (out of memory)");
	else
		http_send(ch, &req, o);
	yq_channel_req_release(&req);
}

/* ---- the sender ---- */

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static CURLcode curl_init_rc = CURLE_FAILED_INIT;

static void curl_init_once(void)
{
	curl_init_rc = curl_global_init(CURL_GLOBAL_DEFAULT);
}

int yq_deliver_open(sqlite3 *db, const struct yq_deliver_config *cfg, struct yq_deliver **out)
{
	struct yq_deliver *d = calloc(1, sizeof *d);
	sqlite3_stmt *s = NULL;
	int rc, r;

	*out = NULL;
	if (!d || (cfg->n_channels && !(d->counters = calloc(cfg->n_channels,
							     sizeof *d->counters)))) {
		rc = YQ_ENOMEM;
		goto out;
	}
	d->db = db;
	d->cfg = cfg;
	d->clock = real_clock;
	pthread_once(&curl_once, curl_init_once);
	if (curl_init_rc != CURLE_OK) {
		rc = YQ_ENOMEM;
		goto out;
	}
	if ((rc = yq_deliver_init(db)))
		goto out;
	/* recovery of rows a killed process left in "sending" */
	if (sqlite3_prepare_v2(db, "SELECT id, channel FROM deliver_outbox WHERE state = 'sending'",
			       -1, &s, NULL) != SQLITE_OK) {
		rc = YQ_EDB;
		goto out;
	}
	while ((r = sqlite3_step(s)) == SQLITE_ROW) {
		long ch = yq_deliver_channel_find(cfg, (const char *)sqlite3_column_text(s, 1));
		int hold = ch < 0 || !cfg->channels[ch].resend_interrupted;
		sqlite3_stmt *u = NULL;
		if (sqlite3_prepare_v2(
			    db,
			    hold ? "UPDATE deliver_outbox SET state = 'unknown', last_error ="
				    " 'interrupted while sending; the group may or may not have it:"
				    " check by hand' WHERE id = ?1"
				  : "UPDATE deliver_outbox SET state = 'pending', last_error ="
				    " 'interrupted while sending; sent again with the same key'"
				    " WHERE id = ?1",
			    -1, &u, NULL) != SQLITE_OK) {
			rc = YQ_EDB;
			goto out;
		}
		sqlite3_bind_int64(u, 1, sqlite3_column_int64(s, 0));
		r = sqlite3_step(u);
		sqlite3_finalize(u);
		if (r != SQLITE_DONE) {
			rc = YQ_EDB;
			goto out;
		}
		if (hold && ch >= 0)
			d->counters[ch].unknown++;
		if (hold)
			fprintf(stderr, "yuqing: deliver: outbox row %lld (%s) interrupted while"
					" sending: state unknown, check by hand\n",
				(long long)sqlite3_column_int64(s, 0),
				(const char *)sqlite3_column_text(s, 1));
	}
	if (r != SQLITE_DONE)
		rc = YQ_EDB;
out:
	sqlite3_finalize(s);
	if (rc) {
		yq_deliver_free(d);
		return rc;
	}
	*out = d;
	return 0;
}

void yq_deliver_free(struct yq_deliver *d)
{
	if (!d)
		return;
	free(d->counters);
	free(d);
}

void yq_deliver_set_clock(struct yq_deliver *d, int64_t (*fn)(void *arg), void *arg)
{
	d->clock = fn ? fn : real_clock;
	d->clock_arg = fn ? arg : NULL;
}

const struct yq_deliver_counters *yq_deliver_counters(const struct yq_deliver *d, size_t ch)
{
	return ch < d->cfg->n_channels ? &d->counters[ch] : NULL;
}

/* A claimed row. */
struct claim {
	int64_t id, alert_id;
	int attempts;
	char channel[256], address[300], name[300];
	int has_address, has_name;
	char *alert; /* malloc'd JSON */
};

static void copy_col(sqlite3_stmt *s, int i, char *dst, size_t cap, int *has)
{
	const char *v = (const char *)sqlite3_column_text(s, i);
	if (has)
		*has = v != NULL;
	snprintf(dst, cap, "%s", v ? v : "");
}

/* claim_next: claims the oldest due pending row (*got = 0: none). */
static int claim_next(struct yq_deliver *d, int64_t now, struct claim *c, int *got)
{
	sqlite3_stmt *s = NULL;
	struct yq_txn t;
	int rc, r;

	*got = 0;
	if ((rc = yq_txn_begin(d->db, &t)))
		return rc;
	if (sqlite3_prepare_v2(d->db,
			       "SELECT o.id, o.alert_id, o.attempts, o.channel, o.address, o.name,"
			       " a.alert FROM deliver_outbox o JOIN deliver_alerts a USING (alert_id)"
			       " WHERE o.state = 'pending' AND o.next_attempt <= ?1"
			       " ORDER BY o.next_attempt, o.id LIMIT 1",
			       -1, &s, NULL) != SQLITE_OK) {
		rc = YQ_EDB;
		goto out;
	}
	sqlite3_bind_int64(s, 1, now);
	r = sqlite3_step(s);
	if (r != SQLITE_ROW) {
		rc = r == SQLITE_DONE ? 0 : YQ_EDB;
		goto out;
	}
	c->id = sqlite3_column_int64(s, 0);
	c->alert_id = sqlite3_column_int64(s, 1);
	c->attempts = sqlite3_column_int(s, 2) + 1;
	copy_col(s, 3, c->channel, sizeof c->channel, NULL);
	copy_col(s, 4, c->address, sizeof c->address, &c->has_address);
	copy_col(s, 5, c->name, sizeof c->name, &c->has_name);
	if (!(c->alert = strdup((const char *)sqlite3_column_text(s, 6)))) {
		rc = YQ_ENOMEM;
		goto out;
	}
	sqlite3_finalize(s);
	s = NULL;
	if (sqlite3_prepare_v2(d->db,
			       "UPDATE deliver_outbox SET state = 'sending', attempts = ?2"
			       " WHERE id = ?1",
			       -1, &s, NULL) != SQLITE_OK) {
		rc = YQ_EDB;
		goto out;
	}
	sqlite3_bind_int64(s, 1, c->id);
	sqlite3_bind_int(s, 2, c->attempts);
	rc = sqlite3_step(s) == SQLITE_DONE ? 0 : YQ_EDB;
	*got = rc == 0;
out:
	sqlite3_finalize(s);
	rc = yq_txn_end(&t, rc);
	if (rc) {
		*got = 0;
		free(c->alert);
		c->alert = NULL;
	}
	return rc;
}

/* record: the outcome of an attempt on row c. */
static int record(struct yq_deliver *d, const struct claim *c, const struct outcome *o,
		  int64_t now, const char **state)
{
	const struct yq_deliver_config *cfg = d->cfg;
	sqlite3_stmt *s = NULL;
	int64_t next = now;
	int rc;

	if (o->ok) {
		*state = "sent";
	} else if (o->permanent || c->attempts >= cfg->max_attempts) {
		*state = "failed";
	} else {
		int64_t wait = cfg->retry_base_s;
		for (int i = 1; i < c->attempts && wait < cfg->retry_max_s; i++)
			wait *= 2;
		next = now + (wait < cfg->retry_max_s ? wait : cfg->retry_max_s);
		*state = "pending";
	}
	if (sqlite3_prepare_v2(d->db,
			       "UPDATE deliver_outbox SET state = ?2, next_attempt = ?3,"
			       " last_error = ?4, sent_at = ?5 WHERE id = ?1",
			       -1, &s, NULL) != SQLITE_OK)
		return YQ_EDB;
	sqlite3_bind_int64(s, 1, c->id);
	sqlite3_bind_text(s, 2, *state, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 3, next);
	if (!o->ok)
		sqlite3_bind_text(s, 4, o->err.s, -1, SQLITE_STATIC);
	if (o->ok)
		sqlite3_bind_int64(s, 5, now);
	rc = sqlite3_step(s) == SQLITE_DONE ? 0 : YQ_EDB;
	sqlite3_finalize(s);
	return rc;
}

int yq_deliver_tick(struct yq_deliver *d, int64_t now, struct yq_tick_stats *st)
{
	int rc = 0, did = 1, n;

	/* escalation first, so the new rows are sent in this tick */
	for (n = 0; !rc && did && n < TICK_MAX; n++) {
		rc = escalate_one(d, now, &did);
		if (!rc && did && st)
			st->escalated++;
	}
	for (n = 0; !rc && n < TICK_MAX; n++) {
		struct claim c = {0};
		struct outcome o = {0, 0, YQ_BUF_INIT};
		const char *state = "failed";
		char idem[64];
		int got;
		json_t *alert;

		if ((rc = claim_next(d, now, &c, &got)) || !got)
			break;
		long ch = yq_deliver_channel_find(d->cfg, c.channel);
		alert = json_loads(c.alert, 0, NULL);
		snprintf(idem, sizeof idem, "yq-alert-%lld-%lld", (long long)c.alert_id,
			 (long long)c.id);
		if (ch < 0) {
			yq_buf_printf(&o.err, "channel %s is no longer configured", c.channel);
			o.permanent = 1;
		} else if (!alert) {
			yq_buf_adds(&o.err, "the stored alert is not JSON");
			o.permanent = 1;
		} else {
			send_one(d, &d->cfg->channels[ch], alert, c.has_name ? c.name : NULL,
				 c.has_address ? c.address : NULL, idem, &o);
		}
		rc = record(d, &c, &o, now, &state);
		if (!rc && ch >= 0) {
			struct yq_deliver_counters *k = &d->counters[ch];
			k->sent += o.ok;
			k->failures += !o.ok;
			k->retries += c.attempts > 1;
		}
		if (!rc && st) {
			st->sent += o.ok;
			st->failed += !strcmp(state, "failed");
			st->retry += !strcmp(state, "pending");
		}
		json_decref(alert);
		free(c.alert);
		yq_buf_release(&o.err);
	}
	return rc;
}

int yq_deliver_test(struct yq_deliver *d, const char *name, const char *address,
		    struct yq_buf *err)
{
	long ch = yq_deliver_channel_find(d->cfg, name);
	struct outcome o = {0, 0, YQ_BUF_INIT};
	json_t *alert;
	int rc;

	if (ch < 0) {
		yq_buf_printf(err, "no channel called %s", name ? name : "(null)");
		return YQ_ENOTFOUND;
	}
	if (d->cfg->channels[ch].kind == YQ_CHANNEL_EMAIL && !yq_mail_addr_ok(address)) {
		yq_buf_adds(err, "a test e-mail needs a recipient address");
		return YQ_EINVAL;
	}
	alert = json_pack("{s:i, s:s, s:s, s:I, s:s}", "id", 0, "title", "测试消息", "level",
			  "test", "time", (json_int_t)(d->clock(d->clock_arg) / 1000), "summary",
			  "这是一条测试消息，用于检查通道配置。");
	if (!alert)
		return YQ_ENOMEM;
	send_one(d, &d->cfg->channels[ch], alert, NULL, address, "yq-test", &o);
	rc = o.ok ? 0 : YQ_EIO;
	if (!o.ok)
		yq_buf_add(err, o.err.s, o.err.len);
	json_decref(alert);
	yq_buf_release(&o.err);
	return rc;
}

int yq_deliver_list_json(sqlite3 *db, int64_t alert_id, int limit, struct yq_buf *out)
{
	sqlite3_stmt *s = NULL;
	json_t *arr = NULL;
	char *txt = NULL;
	int rc = 0;

	if (limit < 1 || limit > 1000)
		return YQ_EINVAL;
	if (sqlite3_prepare_v2(db,
			       "SELECT id, alert_id AS alert, recipient, channel, state, attempts, next_attempt,"
			       " last_error, sent_at FROM deliver_outbox WHERE ?1 = 0 OR alert_id = ?1"
			       " ORDER BY id DESC LIMIT ?2",
			       -1, &s, NULL) != SQLITE_OK)
		return YQ_EDB;
	sqlite3_bind_int64(s, 1, alert_id);
	sqlite3_bind_int(s, 2, limit);
	if (!(arr = json_array())) {
		rc = YQ_ENOMEM;
		goto out;
	}
	if ((rc = yq_query_rows(db, s, NULL, NULL, NULL, arr, NULL)))
		goto out;
	if (!(txt = json_dumps(arr, JSON_COMPACT)) || yq_buf_adds(out, txt))
		rc = YQ_ENOMEM;
out:
	free(txt);
	json_decref(arr);
	sqlite3_finalize(s);
	return rc;
}
