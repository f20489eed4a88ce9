/*
 * daemon.c — the daemon's life cycle and its writer thread; see daemon.h
 * for the threads, serve/internal.h for the shared state.
 *
 * The writer's batch: pop up to WRITER_BATCH items (waiting at most
 * commit_ms for the first; a batch that takes longer than commit_ms / 2
 * to analyse is cut and committed in parts), BEGIN IMMEDIATE (yq_pipeline_begin), run each
 * post through the pipeline, then in the same transaction write the
 * checkpoint each file reached, the sources' health counts, the new
 * alerts' delivery outbox rows (deliver.h) and the live stream's last
 * reserved id; commit; then publish the batch's new alerts
 * and changed events to the live stream and record each post's
 * queue-to-commit latency.  Nothing but SQLite runs inside the
 * transaction (field case storage-01: no network call in it).
 *
 * Exactly once: a file's checkpoint and the posts read before it commit
 * together, so after a crash the file is read again from a checkpoint
 * whose posts are all stored and none after it is; posts already stored
 * (an earlier run, two files with one post) are skipped by the store's
 * (source, id) identity.
 */
#include "serve/daemon.h"
#include "base/error.h"
#include "auth/audit.h"
#include "cases/case.h"
#include "messages/messages.h"
#include "pipeline/pipeline.h"
#include "serve/internal.h"
#include "serve/static.h"
#include "store/query.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define WRITER_BATCH 256 /* posts per transaction at most: bounds the ingest-to-commit latency */
#define MAX_TOUCHED 4096 /* distinct events reported per batch */

void yq_serve_log(const char *fmt, ...)
{
	char line[2048];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(line, sizeof line, fmt, ap);
	va_end(ap);
	fprintf(stderr, "yuqing: serve: %s\n", line);
}

int yq_serve_sleep_ms(struct yq_daemon *d, int64_t ms)
{
	while (ms > 0 && !atomic_load(&d->stopping)) {
		int64_t step = ms < 100 ? ms : 100;
		struct timespec ts = {0, (long)step * 1000000L};
		nanosleep(&ts, NULL);
		ms -= step;
	}
	return atomic_load(&d->stopping);
}

int yq_serve_push_item(struct yq_daemon *d, struct yq_item *it)
{
	for (;;) {
		int rc = yq_queue_push(d->q, it, 200);
		if (rc == YQ_OK)
			return YQ_OK;
		if (rc == YQ_EEOF || atomic_load(&d->stopping)) {
			yq_item_free(it);
			return YQ_EEOF;
		}
	}
}

static void set_fatal(struct yq_daemon *d, const char *what, const char *msg)
{
	pthread_mutex_lock(&d->err_mu);
	if (!d->fatal_msg.len)
		yq_buf_printf(&d->fatal_msg, "%s: %s", what, msg);
	pthread_mutex_unlock(&d->err_mu);
	yq_serve_log("%s: %s", what, msg);
	atomic_store(&d->fatal, 1);
}

/* ---- the writer ---- */

struct ckpt {
	int src;
	char *path;
	int64_t offset;
	int done;
};

struct batch {
	struct ckpt *ck;
	size_t nck, capck;
	int64_t *items, *rejected; /* per source */
	int64_t touched[MAX_TOUCHED];
	size_t ntouched;
	struct alert_ref {
		int64_t id, event;
		char level[8];
	} *alerts;
	size_t nalerts, capalerts;
};

static int note_ckpt(struct batch *b, const struct yq_item *it)
{
	for (size_t i = 0; i < b->nck; i++)
		if (b->ck[i].src == it->src && !strcmp(b->ck[i].path, it->ckpt_path)) {
			b->ck[i].offset = it->ckpt_offset;
			b->ck[i].done = it->ckpt_done;
			return YQ_OK;
		}
	if (b->nck == b->capck) {
		size_t cap = b->capck ? 2 * b->capck : 16;
		struct ckpt *n = realloc(b->ck, cap * sizeof(*n));
		if (!n)
			return YQ_ENOMEM;
		b->ck = n;
		b->capck = cap;
	}
	char *p = strdup(it->ckpt_path);
	if (!p)
		return YQ_ENOMEM;
	b->ck[b->nck++] = (struct ckpt){it->src, p, it->ckpt_offset, it->ckpt_done};
	return YQ_OK;
}

static void note_event(struct batch *b, int64_t ev)
{
	if (ev <= 0)
		return;
	for (size_t i = 0; i < b->ntouched; i++)
		if (b->touched[i] == ev)
			return;
	if (b->ntouched < MAX_TOUCHED)
		b->touched[b->ntouched++] = ev;
}

static int note_alert(void *ctx, int64_t id, int64_t event, const char *level)
{
	struct batch *b = ctx;
	if (b->nalerts == b->capalerts) {
		size_t cap = b->capalerts ? 2 * b->capalerts : 16;
		struct alert_ref *n = realloc(b->alerts, cap * sizeof(*n));
		if (!n)
			return YQ_ENOMEM;
		b->alerts = n;
		b->capalerts = cap;
	}
	struct alert_ref *a = &b->alerts[b->nalerts++];
	a->id = id;
	a->event = event;
	snprintf(a->level, sizeof a->level, "%s", level ? level : "");
	return YQ_OK;
}

static void batch_reset(struct batch *b, size_t nsrc)
{
	for (size_t i = 0; i < b->nck; i++)
		free(b->ck[i].path);
	b->nck = 0;
	b->ntouched = 0;
	b->nalerts = 0;
	memset(b->items, 0, (nsrc + 1) * sizeof(*b->items));
	memset(b->rejected, 0, (nsrc + 1) * sizeof(*b->rejected));
}

/* publish: after the commit, the batch's alerts then its events, with the
 * ids reserved before it. */
static void publish(struct yq_daemon *d, struct batch *b, uint64_t id)
{
	sqlite3 *db = yq_store_db(d->st);
	struct yq_buf err = YQ_BUF_INIT;
	for (size_t i = 0; i < b->nalerts; i++, id++) {
		json_t *a = NULL;
		int rc = yq_query_alert(db, d->wtz, b->alerts[i].id, &a, &err);
		char *s = rc ? NULL : json_dumps(a, JSON_COMPACT | JSON_REAL_PRECISION(10));
		if (!s || (rc = yq_sse_publish(d->sse, id, "alert", s)))
			yq_serve_log("live stream: alert %lld not published: %s",
				     (long long)b->alerts[i].id, err.len ? err.s : yq_strerror(rc));
		free(s);
		json_decref(a);
		const char *lv = b->alerts[i].level;
		enum yq_counter c = !strcmp(lv, "I")     ? YQ_M_ALERTS_I
				    : !strcmp(lv, "II")  ? YQ_M_ALERTS_II
				    : !strcmp(lv, "III") ? YQ_M_ALERTS_III
							 : YQ_M_ALERTS_IV;
		yq_metrics_add(d->m, c, 1);
		if (b->alerts[i].id > d->last_alert)
			d->last_alert = b->alerts[i].id;
	}
	for (size_t i = 0; i < b->ntouched; i++, id++) {
		json_t *e = NULL;
		int rc = yq_query_event_brief(db, b->touched[i], &e, &err);
		char *s = rc ? NULL : json_dumps(e, JSON_COMPACT | JSON_REAL_PRECISION(10));
		if (!s || (rc = yq_sse_publish(d->sse, id, "event", s)))
			yq_serve_log("live stream: event %lld not published: %s",
				     (long long)b->touched[i], err.len ? err.s : yq_strerror(rc));
		free(s);
		json_decref(e);
	}
	yq_buf_release(&err);
}

/*
 * enqueue_alert: alert id into the delivery outbox (deliver.h), in the
 * writer's transaction, so an alert and its notifications commit together
 * and none is lost across a restart.  The JSON is deliver.h's alert:
 * id, event, key ("event:<id>": a later alert of the event at no higher
 * level is a duplicate that notifies nobody, a higher one cancels the
 * pending escalation: workflow-07, deliver.h), level, time (Unix s),
 * title (the event's), summary (its keywords), url (the event in the
 * API), reason.
 */
static int enqueue_alert(struct yq_daemon *d, sqlite3 *db, int64_t id, int64_t now)
{
	sqlite3_stmt *s = NULL;
	int rc = YQ_EDB;
	char url[256];
	if (sqlite3_prepare_v2(db,
			       "SELECT json_object('id', a.id, 'event', a.event, 'key', 'event:' || a.event,"
			       " 'level', a.level,"
			       " 'time', a.time, 'title', coalesce(e.title, ''), 'summary',"
			       " coalesce((SELECT group_concat(k.value, ' ') FROM json_each(e.keywords) k),"
			       " ''), 'url', ?2 || a.event, 'reason', json(a.reason))"
			       " FROM alerts a LEFT JOIN events e ON e.id = a.event WHERE a.id = ?1",
			       -1, &s, NULL) != SQLITE_OK)
		return YQ_EDB;
	snprintf(url, sizeof url, "http://%s:%d/api/events/", d->cfg->host, d->port);
	sqlite3_bind_int64(s, 1, id);
	sqlite3_bind_text(s, 2, url, -1, SQLITE_TRANSIENT);
	if (sqlite3_step(s) == SQLITE_ROW)
		rc = yq_deliver_enqueue(db, d->dcfg, (const char *)sqlite3_column_text(s, 0), NULL,
					0, now, NULL);
	sqlite3_finalize(s);
	s = NULL;
	/* a duplicate of an acknowledged alert stays acknowledged in the API too */
	if (rc == 0) {
		if (sqlite3_prepare_v2(db,
				       "INSERT OR IGNORE INTO alert_acks(alert, user, time, note)"
				       " SELECT ?1, a.user, a.time, 'duplicate of alert ' || a.alert"
				       " FROM deliver_keys k JOIN alert_acks a ON a.alert = k.duplicate_of"
				       " WHERE k.alert_id = ?1",
				       -1, &s, NULL) != SQLITE_OK)
			rc = YQ_EDB;
		else {
			sqlite3_bind_int64(s, 1, id);
			if (sqlite3_step(s) != SQLITE_DONE)
				rc = YQ_EDB;
		}
	}
	sqlite3_finalize(s);
	return rc ? YQ_EDB : YQ_OK;
}

/* run_batch: one transaction over the items of list, or over as many as
 * the time budget (commit_ms / 2) allows: the others are left in *rest for
 * the next transaction, so no post waits long for the commit of a big
 * batch.  0 or a fatal code. */
static int run_batch(struct yq_daemon *d, struct batch *b, struct yq_item *list,
		     struct yq_item **rest)
{
	uint64_t t0 = yq_now_ns(), budget = (uint64_t)d->cfg->commit_ms * 500000u;
	*rest = NULL;
	sqlite3 *db = yq_store_db(d->st);
	struct yq_buf err = YQ_BUF_INIT;
	size_t nsrc = d->cfg->nsources;
	int rc;
	int64_t now = (int64_t)time(NULL);
	batch_reset(b, nsrc);
	if ((rc = yq_pipeline_begin(d->p, &err))) {
		set_fatal(d, "begin", err.s);
		goto out;
	}
	for (struct yq_item *it = list; it; it = it->next) {
		size_t row = it->src >= 0 && (size_t)it->src < nsrc ? (size_t)it->src : nsrc;
		if (it->has_post) {
			struct yq_post_result res;
			yq_buf_reset(&err);
			yq_metrics_source(d->m, it->src, YQ_M_POSTS_IN, 1);
			rc = yq_pipeline_process(d->p, &it->post, &res, &err);
			if (rc == YQ_EDB || rc == YQ_ENOMEM) {
				yq_metrics_add(d->m, YQ_M_ERR_DB, 1);
				set_fatal(d, "storing posts", err.len ? err.s : yq_strerror(rc));
				goto out;
			}
			if (rc) { /* a sink failed for this post: counted, the rest goes on */
				yq_metrics_add(d->m, YQ_M_ERR_PIPELINE, 1);
				yq_serve_log("post %s: %s", it->post.id,
					     err.len ? err.s : yq_strerror(rc));
			} else if (res.existed) {
				yq_metrics_source(d->m, it->src, YQ_M_POSTS_EXISTED, 1);
				if (it->update_edits &&
				    yq_query_post_edit(db, it->post.source, it->post.id, it->post.title,
						       it->post.time, it->post.time_ok) == 1)
					yq_metrics_source(d->m, it->src, YQ_M_FEED_EDITS, 1);
			} else {
				yq_metrics_source(d->m, it->src, YQ_M_POSTS_STORED, 1);
				b->items[row]++;
				note_event(b, res.event);
			}
		} else if (it->rejected) {
			b->rejected[row]++;
			yq_metrics_source(d->m, it->src, YQ_M_REJECTED, 1);
		}
		if (it->ckpt_path && (rc = note_ckpt(b, it))) {
			set_fatal(d, "checkpoint", "out of memory");
			goto out;
		}
		if (it->next && yq_now_ns() - t0 > budget) { /* commit what is done */
			*rest = it->next;
			it->next = NULL;
			break;
		}
	}
	for (size_t i = 0; i < b->nck; i++) {
		const struct ckpt *c = &b->ck[i];
		if (yq_query_offset_put(db, d->cfg->sources[c->src].name, c->path, c->offset,
					c->done)) {
			set_fatal(d, "checkpoint", sqlite3_errmsg(db));
			rc = YQ_EDB;
			goto out;
		}
	}
	for (size_t s = 0; s < nsrc; s++)
		if ((b->items[s] || b->rejected[s]) &&
		    yq_query_source_items(db, d->cfg->sources[s].name, b->items[s], b->rejected[s],
					  now)) {
			set_fatal(d, "source health", sqlite3_errmsg(db));
			rc = YQ_EDB;
			goto out;
		}
	for (size_t i = 0; i < b->ntouched; i++)
		b->touched[i] = yq_pipeline_event(d->p, b->touched[i]);
	if (yq_query_alerts_after(db, d->last_alert, note_alert, b)) {
		set_fatal(d, "reading alerts", sqlite3_errmsg(db));
		rc = YQ_EDB;
		goto out;
	}
	for (size_t i = 0; i < b->nalerts; i++)
		if ((rc = enqueue_alert(d, db, b->alerts[i].id, now))) {
			set_fatal(d, "alert outbox", sqlite3_errmsg(db));
			goto out;
		}
	size_t nmsg = b->nalerts + b->ntouched;
	uint64_t first = nmsg ? yq_sse_reserve(d->sse, nmsg) : 0;
	if (nmsg && yq_query_state_put(db, "sse_last", (int64_t)(first + nmsg - 1))) {
		set_fatal(d, "stream state", sqlite3_errmsg(db));
		rc = YQ_EDB;
		goto out;
	}
	yq_buf_reset(&err);
	if ((rc = yq_pipeline_commit(d->p, &err))) {
		set_fatal(d, "commit", err.s);
		goto out;
	}
	yq_metrics_add(d->m, YQ_M_COMMITS, 1);
	uint64_t t = yq_now_ns();
	for (struct yq_item *it = list; it; it = it->next)
		if (it->has_post)
			yq_metrics_latency(d->m, (double)(t - it->enq_ns) / 1e9);
	if (nmsg)
		publish(d, b, first);
	rc = YQ_OK;
out:
	yq_buf_release(&err);
	return rc;
}

int yq_file_id_get(const char *path, struct yq_file_id *out)
{
	struct stat sb;
	memset(out, 0, sizeof(*out));
	if (stat(path, &sb))
		return -1;
	out->mtime_ns = (int64_t)sb.st_mtim.tv_sec * 1000000000 + sb.st_mtim.tv_nsec;
	out->size = (int64_t)sb.st_size;
	out->ino = (uint64_t)sb.st_ino;
	return 0;
}

/* reload_schemes: the writer, between batches, when the API rewrote the
 * scheme file or the file changed on disk: the file's schemes become the
 * live matching's (yq_pipeline_set_schemes).  A file that fails to load
 * leaves the previous set in force (logged, scheme_broken) and is not
 * read again until it changes. */
static void reload_schemes(struct yq_daemon *d)
{
	unsigned gen = atomic_load(&d->scheme_gen);
	struct yq_scheme_set *set = NULL;
	struct yq_buf err = YQ_BUF_INIT;
	struct yq_file_id now;
	if (!d->cfg->schemes)
		return;
	yq_file_id_get(d->cfg->schemes, &now);
	int changed = !yq_file_id_same(&now, &d->wfile);
	if (!changed && gen == atomic_load(&d->scheme_live))
		return;
	d->wfile = now;
	if (yq_scheme_load(d->cfg->schemes, &set, &err) ||
	    yq_pipeline_set_schemes(d->p, set, &err)) {
		yq_serve_log("schemes: %s: %s (the previous schemes stay in force)", d->cfg->schemes,
			     err.len ? err.s : "out of memory");
		yq_scheme_set_free(set);
		atomic_store(&d->scheme_broken, 1);
	} else {
		yq_serve_log("schemes: %zu loaded from %s", set->n, d->cfg->schemes);
		yq_scheme_set_free(d->wschemes);
		d->wschemes = set;
		atomic_store(&d->scheme_broken, 0);
	}
	atomic_store(&d->scheme_live, gen);
	yq_buf_release(&err);
}

static void *writer_main(void *arg)
{
	struct yq_daemon *d = arg;
	struct batch b = {0};
	size_t nsrc = d->cfg->nsources;
	b.items = calloc(nsrc + 1, sizeof(*b.items));
	b.rejected = calloc(nsrc + 1, sizeof(*b.rejected));
	if (!b.items || !b.rejected) {
		set_fatal(d, "writer", "out of memory");
		goto out;
	}
	for (;;) {
		int closed = 0;
		struct yq_item *list =
			yq_queue_pop(d->q, WRITER_BATCH, d->cfg->commit_ms, &closed);
		reload_schemes(d); /* before the batch: posts that came after a change */
		if (!list) {
			if (closed)
				break;
			continue;
		}
		while (list) {
			struct yq_item *rest = NULL;
			int rc = atomic_load(&d->fatal) ? YQ_EDB : run_batch(d, &b, list, &rest);
			if (rc) /* keep draining so producers are not stuck; nothing more is stored */
				atomic_store(&d->stopping, 1);
			while (list) {
				struct yq_item *n = list->next;
				yq_item_free(list);
				list = n;
			}
			list = rest;
		}
	}
out:
	batch_reset(&b, nsrc);
	free(b.ck);
	free(b.alerts);
	free(b.items);
	free(b.rejected);
	return NULL;
}

/* ---- life cycle ---- */

static int bind_socket(struct yq_daemon *d, struct yq_buf *err)
{
	struct sockaddr_in a;
	memset(&a, 0, sizeof a);
	a.sin_family = AF_INET;
	a.sin_port = htons((uint16_t)d->cfg->port);
	if (inet_pton(AF_INET, d->cfg->host, &a.sin_addr) != 1) {
		yq_buf_printf(err, "listen: '%s' is not an IPv4 address", d->cfg->host);
		return YQ_EINVAL;
	}
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	int one = 1;
	if (fd < 0)
		goto fail;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	if (bind(fd, (struct sockaddr *)&a, sizeof a) || listen(fd, 128))
		goto fail;
	socklen_t len = sizeof a;
	if (getsockname(fd, (struct sockaddr *)&a, &len))
		goto fail;
	d->listen_fd = fd;
	d->port = ntohs(a.sin_port);
	return YQ_OK;
fail:
	yq_buf_printf(err, "listen on %s:%d: %s", d->cfg->host, d->cfg->port, strerror(errno));
	if (fd >= 0)
		close(fd);
	return YQ_EIO;
}

int yq_daemon_new(const struct yq_serve_config *cfg, const struct yq_pipeline_config *pcfg,
		  const struct yq_segmenter *seg, struct yq_daemon **out, struct yq_buf *err)
{
	int rc = YQ_ENOMEM;
	int64_t sse_last = 0;
	struct yq_daemon *d = calloc(1, sizeof(*d));
	if (!d)
		return YQ_ENOMEM;
	d->cfg = cfg;
	d->pcfg = pcfg;
	d->seg = seg;
	d->listen_fd = -1;
	d->started = (int64_t)time(NULL);
	d->started_ns = yq_now_ns();
	pthread_mutex_init(&d->err_mu, NULL);
	pthread_mutex_init(&d->scheme_mu, NULL);
	yq_buf_init(&d->fatal_msg);
	if (!(d->names = calloc(cfg->nsources + 1, sizeof(*d->names))))
		goto fail;
	for (size_t i = 0; i < cfg->nsources; i++)
		d->names[i] = cfg->sources[i].name;
	if ((rc = yq_metrics_new(d->names, cfg->nsources, &d->m)) ||
	    (rc = yq_queue_new(cfg->queue, &d->q)))
		goto fail;
	if (yq_tz_open(cfg->tz, &d->wtz)) {
		yq_buf_printf(err, "unknown time zone '%s'", cfg->tz);
		rc = YQ_EINVAL;
		goto fail;
	}
	if ((rc = yq_store_open(cfg->db, seg, &d->st, err)))
		goto fail;
	sqlite3 *db = yq_store_db(d->st);
	if ((rc = yq_query_schema(db, err)))
		goto fail;
	if ((rc = yq_dash_init(db, err)))
		goto fail;
	rc = YQ_EDB;
	if (yq_auth_init(db) || yq_audit_init(db) || yq_deliver_init(db) || yq_msg_init(db))
		goto dberr;
	yq_auth_policy_default(&d->policy);
	if ((rc = yq_deliver_config_load(cfg->path, &d->dcfg, err))) {
		yq_buf_printf(err, " (channels and roster of %s)", cfg->path);
		goto fail;
	}
	if ((rc = yq_case_settings_load(cfg->path, &d->cases, err))) {
		yq_buf_printf(err, " (cases section of %s)", cfg->path);
		goto fail;
	}
	d->cases->cfg.dcfg = d->dcfg;
	if (!d->cases->cal)
		yq_serve_log("cases: no holiday table (cases: holidays:), so no deadlines");
	rc = YQ_EDB;
	if (yq_case_init(db))
		goto dberr;
	if ((rc = yq_case_settings_apply(db, d->cases, time(NULL), err)))
		goto fail;
	rc = YQ_EDB;
	if (sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
		goto dberr;
	for (size_t i = 0; i < cfg->nsources; i++) {
		const struct yq_serve_source *s = &cfg->sources[i];
		struct yq_source_rec r = {s->name,     yq_source_kind_name(s->kind), s->path,
					  s->platform, s->tier,			    s->region};
		if (yq_query_source_register(db, &r))
			goto dberr;
		/* a missing path is reported, not ignored; the file collector
		 * keeps polling it, so a file that appears later is read */
		struct stat sb;
		const char *why = NULL;
		if (s->kind == YQ_SOURCE_FILE || s->kind == YQ_SOURCE_DIR) {
			if (stat(s->path, &sb))
				why = strerror(errno);
			else if (s->kind == YQ_SOURCE_DIR && !S_ISDIR(sb.st_mode))
				why = "not a directory";
			else if (s->kind == YQ_SOURCE_FILE && S_ISDIR(sb.st_mode))
				why = "a directory, not a file";
		}
		if (why) {
			struct yq_buf m = YQ_BUF_INIT;
			yq_buf_printf(&m, "%s: %s (retried every poll)", s->path, why);
			yq_serve_log("source %s: %s", s->name, m.s ? m.s : "path not found");
			yq_metrics_add(d->m, YQ_M_ERR_COLLECT, 1);
			int bad = yq_query_source_error(db, s->name, m.s ? m.s : "path not found",
							(int64_t)time(NULL));
			yq_buf_release(&m);
			if (bad)
				goto dberr;
		}
	}
	if (sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
		goto dberr;
	if (yq_query_state_get(db, "sse_last", &sse_last))
		goto dberr;
	{
		sqlite3_stmt *s = NULL;
		if (sqlite3_prepare_v2(db, "SELECT coalesce(max(id), 0) FROM alerts", -1, &s, NULL) !=
			    SQLITE_OK ||
		    sqlite3_step(s) != SQLITE_ROW) {
			sqlite3_finalize(s);
			goto dberr;
		}
		d->last_alert = sqlite3_column_int64(s, 0);
		sqlite3_finalize(s);
	}
	if ((rc = yq_sse_new(cfg->sse_replay, (uint64_t)sse_last + 1, &d->sse)))
		goto fail;
	{
		struct yq_pipeline_config pc = *pcfg;
		pc.batch = SIZE_MAX; /* the writer commits (daemon.h) */
		/* the scheme file the pipeline's set came from, as it is now */
		if (cfg->schemes)
			yq_file_id_get(cfg->schemes, &d->wfile);
		if ((rc = yq_pipeline_new(&pc, seg, d->st, &d->p, err)))
			goto fail;
	}
	{
		char hint[512];
		if (yq_static_missing(cfg, hint, sizeof hint))
			yq_serve_log("%s", hint);
	}
	if ((rc = bind_socket(d, err)))
		goto fail;
	*out = d;
	return YQ_OK;
dberr:
	yq_buf_printf(err, "%s: %s", cfg->db, sqlite3_errmsg(yq_store_db(d->st)));
	sqlite3_exec(yq_store_db(d->st), "ROLLBACK", NULL, NULL, NULL);
fail:
	yq_daemon_free(d);
	return rc;
}

int yq_daemon_port(const struct yq_daemon *d)
{
	return d->port;
}

int yq_daemon_start(struct yq_daemon *d, struct yq_buf *err)
{
	if (pthread_create(&d->writer, NULL, writer_main, d)) {
		yq_buf_adds(err, "cannot start the writer thread");
		return YQ_ENOMEM;
	}
	d->writer_on = 1;
	if (yq_serve_has_files(d->cfg)) {
		if (pthread_create(&d->files, NULL, yq_serve_files_main, d)) {
			yq_buf_adds(err, "cannot start the file collector");
			return YQ_ENOMEM;
		}
		d->files_on = 1;
	}
	if (pthread_create(&d->deliver, NULL, yq_serve_deliver_main, d)) {
		yq_buf_adds(err, "cannot start the alert sender");
		return YQ_ENOMEM;
	}
	d->deliver_on = 1;
	if (yq_serve_has_feeds(d->cfg)) {
		if (pthread_create(&d->feeds, NULL, yq_serve_feeds_main, d)) {
			yq_buf_adds(err, "cannot start the feed collector");
			return YQ_ENOMEM;
		}
		d->feeds_on = 1;
	}
	return yq_http_start(d, err);
}

int yq_daemon_wait_fatal(struct yq_daemon *d, int ms)
{
	if (atomic_load(&d->fatal))
		return 1;
	struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
	nanosleep(&ts, NULL);
	return atomic_load(&d->fatal);
}

int yq_daemon_stop(struct yq_daemon *d, struct yq_buf *err)
{
	atomic_store(&d->stopping, 1);
	if (d->sse)
		yq_sse_close(d->sse); /* live-stream clients return, so MHD can stop */
	yq_http_stop(d);
	if (d->files_on)
		pthread_join(d->files, NULL);
	if (d->feeds_on)
		pthread_join(d->feeds, NULL);
	d->files_on = d->feeds_on = 0;
	if (d->q)
		yq_queue_close(d->q);
	if (d->writer_on)
		pthread_join(d->writer, NULL);
	d->writer_on = 0;
	if (d->deliver_on)
		pthread_join(d->deliver, NULL);
	d->deliver_on = 0;
	if (atomic_load(&d->fatal)) {
		pthread_mutex_lock(&d->err_mu);
		yq_buf_adds(err, d->fatal_msg.s);
		pthread_mutex_unlock(&d->err_mu);
		return YQ_EDB;
	}
	return YQ_OK;
}

void yq_daemon_free(struct yq_daemon *d)
{
	if (!d)
		return;
	struct yq_buf ignored = YQ_BUF_INIT;
	if (d->writer_on || d->files_on || d->feeds_on || d->deliver_on || d->mhd)
		yq_daemon_stop(d, &ignored);
	yq_buf_release(&ignored);
	if (d->listen_fd >= 0)
		close(d->listen_fd);
	yq_pipeline_free(d->p); /* commits nothing new: the writer committed */
	yq_scheme_set_free(d->wschemes);
	yq_store_close(d->st);
	yq_sse_free(d->sse);
	yq_queue_free(d->q);
	yq_metrics_free(d->m);
	yq_tz_free(d->wtz);
	yq_deliver_config_free(d->dcfg);
	yq_case_settings_free(d->cases);
	free(d->names);
	yq_buf_release(&d->fatal_msg);
	pthread_mutex_destroy(&d->err_mu);
	yq_scheme_env_free(d->scheme_env);
	pthread_mutex_destroy(&d->scheme_mu);
	free(d);
}
