/*
 * collect_feeds.c — the feed collector: RSS/Atom sources polled with the
 * fetcher (collect/feed_fetch.h), their items queued as posts.
 *
 * Each source is polled every `interval` seconds (its own), or later while
 * the fetcher's backoff runs after failures.  The fetch state (ETag and
 * Last-Modified, each stored separately after every 200 and kept on a 304:
 * field case feed-01; failures, backoff) is kept in serve_sources.feed_state
 * so a restart neither refetches everything nor forgets a backoff.  An
 * item's identity is its guid (else its link): an item seen before with
 * an edited title or date is the same post, updated in place by the
 * writer and counted as an edit, never a second post or alert (field case
 * feed-03).  The network call happens with no transaction open; the state
 * and health are written afterwards in a short BEGIN IMMEDIATE transaction
 * on this thread's own connection (field case storage-01).
 */
#include "base/error.h"
#include "collect/feed_fetch.h"
#include "serve/internal.h"
#include "store/query.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

struct feed_src {
	int src;
	struct yq_source_state st;
	int64_t due;
};

int yq_serve_has_feeds(const struct yq_serve_config *cfg)
{
	for (size_t i = 0; i < cfg->nsources; i++)
		if (cfg->sources[i].kind == YQ_SOURCE_FEED)
			return 1;
	return 0;
}

/* save: the source's state and, after a failure, its error, in one write
 * transaction. */
static void save(struct yq_daemon *d, sqlite3 *db, const struct feed_src *fs, const char *error,
		 int64_t now)
{
	const char *name = d->cfg->sources[fs->src].name;
	json_t *j = yq_source_state_to_json(&fs->st);
	char *s = j ? json_dumps(j, JSON_COMPACT | JSON_REAL_PRECISION(10)) : NULL;
	json_decref(j);
	if (sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK ||
	    (s && yq_query_source_feed_state_put(db, name, s)) ||
	    (error && yq_query_source_error(db, name, error, now)) ||
	    sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
		yq_serve_log("feed %s: saving its state: %s", name, sqlite3_errmsg(db));
		yq_metrics_add(d->m, YQ_M_ERR_DB, 1);
		sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
	}
	free(s);
}

static void poll_one(struct yq_daemon *d, sqlite3 *db, struct yq_fetcher *fe, struct yq_tz *tz,
		     struct feed_src *fs, struct yq_fetch_result *res, struct yq_buf *err)
{
	const struct yq_serve_source *s = &d->cfg->sources[fs->src];
	struct yq_feed feed;
	int64_t now = (int64_t)time(NULL);
	yq_buf_reset(err);
	int rc = yq_feed_fetch(fe, &fs->st, now, tz, YQ_FEED_ANY, res, &feed, err);
	if (rc == YQ_ENOMEM || rc == YQ_EINVAL) {
		yq_serve_log("feed %s: %s", s->name, err->len ? err->s : yq_strerror(rc));
		yq_feed_release(&feed);
		return;
	}
	if (rc) {
		yq_metrics_source(d->m, fs->src, YQ_M_FEED_ERRORS, 1);
		yq_serve_log("feed %s: %s", s->name, err->len ? err->s : yq_strerror(rc));
		save(d, db, fs, err->len ? err->s : yq_strerror(rc), now);
		yq_feed_release(&feed);
		return;
	}
	if (res->outcome == YQ_FETCH_OK) {
		fs->st.items_seen += (int64_t)feed.n;
		for (size_t i = 0; i < feed.n; i++) {
			const struct yq_feed_item *it = &feed.items[i];
			if (!*it->title && !*it->text)
				continue;
			struct yq_post p = {
				.id = it->id, .source = s->name, .url = it->link,
				.author = it->author, .title = *it->title ? it->title : NULL,
				.text = *it->text ? it->text : NULL, .reposts = -1,
				.comments = -1, .likes = -1, .time = it->time,
				.time_ok = it->time_ok,
			};
			struct yq_item *q = yq_item_new(&p, fs->src, NULL, 0);
			if (!q)
				break;
			q->update_edits = 1;
			if (yq_serve_push_item(d, q))
				break;
		}
	}
	if (res->outcome != YQ_FETCH_BACKOFF)
		save(d, db, fs, NULL, now);
	yq_feed_release(&feed);
}

void *yq_serve_feeds_main(void *arg)
{
	struct yq_daemon *d = arg;
	const struct yq_serve_config *cfg = d->cfg;
	struct feed_src *fs = calloc(cfg->nsources, sizeof(*fs));
	struct yq_fetcher *fe = NULL;
	struct yq_tz *tz = NULL;
	struct yq_fetch_result res;
	struct yq_buf err = YQ_BUF_INIT;
	sqlite3 *db = NULL;
	size_t n = 0;
	yq_fetch_result_init(&res);
	if (!fs || yq_fetcher_new(NULL, &fe) || yq_tz_open(cfg->tz, &tz) ||
	    yq_query_open(cfg->db, 0, NULL, &db, &err)) {
		yq_serve_log("feed collector: %s", err.len ? err.s : "cannot start");
		yq_metrics_add(d->m, YQ_M_ERR_COLLECT, 1);
		goto out;
	}
	for (size_t i = 0; i < cfg->nsources; i++) {
		const struct yq_serve_source *s = &cfg->sources[i];
		json_t *j = NULL;
		if (s->kind != YQ_SOURCE_FEED)
			continue;
		struct feed_src *f = &fs[n];
		f->src = (int)i;
		yq_buf_reset(&err);
		if (yq_query_source_feed_state_get(db, s->name, &j) == YQ_OK && j &&
		    yq_source_state_from_json(j, &f->st, &err) == YQ_OK &&
		    !strcmp(f->st.url, s->path)) {
			/* resumed: validators, failures and backoff as they were */
		} else {
			yq_source_state_release(&f->st);
			if (yq_source_state_init(&f->st, s->path)) {
				yq_serve_log("feed %s: bad URL '%s'", s->name, s->path);
				json_decref(j);
				continue;
			}
		}
		json_decref(j);
		f->st.interval = s->interval;
		n++;
	}
	while (!atomic_load(&d->stopping)) {
		int64_t now = (int64_t)time(NULL);
		for (size_t i = 0; i < n && !atomic_load(&d->stopping); i++) {
			struct feed_src *f = &fs[i];
			if (now < f->due || now < f->st.next_attempt)
				continue;
			poll_one(d, db, fe, tz, f, &res, &err);
			now = (int64_t)time(NULL);
			f->due = now + cfg->sources[f->src].interval;
		}
		yq_serve_sleep_ms(d, 250);
	}
out:
	for (size_t i = 0; i < n; i++)
		yq_source_state_release(&fs[i].st);
	free(fs);
	yq_fetch_result_release(&res);
	yq_fetcher_free(fe);
	yq_tz_free(tz);
	sqlite3_close(db);
	yq_buf_release(&err);
	return NULL;
}
