/*
 * query.h — the daemon's reads of the store (HTTP API) and its own tables
 * (collector checkpoints, the source registry, alert acknowledgements,
 * stream state), on plain SQLite connections.
 *
 * Tables created by yq_query_schema (beside store.h's, same file):
 *   serve_offsets(source, path, offset, done)   collector checkpoints: byte
 *                          offset (JSONL) or records read (other formats) of
 *                          each file, written in the transaction that
 *                          stores the posts read up to it
 *   serve_sources(name, kind, location, platform, tier, region, items,
 *                 rejected, last_item, errors, last_error, last_error_time,
 *                 feed_state)  the source registry (基础数据库) and health
 *   alert_acks(alert, user, time, note)  who acknowledged an alert, when
 *   serve_state(key, value)              the live stream's last id
 *
 * Connections: readers open the file read-only with yq_query_open (WAL
 * lets them read while the writer writes); every connection gets a 5 s
 * busy_timeout (field case storage-01); writers outside the writer thread
 * open BEGIN IMMEDIATE around the helpers (auth/txn.h).
 *
 * JSON results are jansson objects the caller json_decref()s.  Times are
 * Unix seconds in the database and ISO 8601 in tz in the JSON ("time") next
 * to the seconds ("time_unix").
 */
#ifndef YQ_QUERY_H
#define YQ_QUERY_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>
#include <sqlite3.h>

#include "base/buf.h"
#include "collect/ptime.h"
#include "text/segment.h"

#define YQ_QUERY_BUSY_MS 5000
#define YQ_QUERY_LIMIT_MAX 1000  /* rows in one page */
#define YQ_QUERY_OFFSET_MAX 1000000

/*
 * yq_query_open: opens path read-only (readonly != 0) or read-write, with
 * the busy timeout, foreign keys, and the "yuqing" FTS5 tokenizer on seg
 * (borrowed; NULL: no full-text search).  Errors: YQ_EDB (message in err).
 */
int yq_query_open(const char *path, int readonly, const struct yq_segmenter *seg, sqlite3 **out,
		  struct yq_buf *err);

/* yq_query_schema: creates the serve_* tables when missing.  0 or YQ_EDB. */
int yq_query_schema(sqlite3 *db, struct yq_buf *err);

/* ---- API reads ---- */

/* Post filters (GET /api/posts); strings borrowed, NULL or 0 when unset. */
struct yq_post_filter {
	const char *q;          /* full-text query (store/search.h language) */
	int64_t since, until;   /* Unix seconds, [since, until); 0: open */
	int has_since, has_until;
	const char *scheme;     /* matched this scheme id */
	const char *sentiment;  /* label */
	const char *source;
	int64_t event;          /* 0: any */
	size_t limit, offset;   /* page; limit 0: 50 */
};

/* yq_query_posts: {"total", "limit", "offset", "posts": [...]} newest
 * first (best match first with q).  Errors: YQ_EINVAL (an empty q, err
 * says so), YQ_EDB, YQ_ENOMEM. */
int yq_query_posts(sqlite3 *db, struct yq_tz *tz, const struct yq_post_filter *f, json_t **out,
		   struct yq_buf *err);

/* yq_query_post: one post by id (and source when not NULL) with its
 * schemes and hits.  YQ_ENOTFOUND, YQ_EINVAL (several sources have the
 * id: err lists them), YQ_EDB, YQ_ENOMEM. */
/* yq_query_has_table: 1 when db has a table named name, 0 when not,
 * YQ_EDB when the schema cannot be read. */
int yq_query_has_table(sqlite3 *db, const char *name);

/* yq_query_rows: steps the prepared statement s to its end, appending each
 * row to the JSON array arr as an object keyed by the column names:
 * integers, reals, text and NULL as such; the columns named in tcols (NULL-
 * terminated, or NULL) as "<name>" ISO time in tz plus "<name>_unix"; those
 * in jcols as parsed JSON (text that does not parse stays a string).  s
 * stays the caller's (not finalized).  0, YQ_ENOMEM, or YQ_EDB with
 * sqlite's message in err (when err is not NULL). */
int yq_query_rows(sqlite3 *db, sqlite3_stmt *s, struct yq_tz *tz, const char *const *tcols,
		  const char *const *jcols, json_t *arr, struct yq_buf *err);

int yq_query_post(sqlite3 *db, struct yq_tz *tz, const char *id, const char *source,
		  json_t **out, struct yq_buf *err);

struct yq_event_filter {
	const char *state;      /* lifecycle state */
	const char *scheme;
	int64_t since;          /* last_seen >= since */
	int has_since;
	double min_risk;        /* highest alert score >= */
	const char *sort;       /* "risk" (default), "size", "last_seen" */
	size_t limit, offset;
};

/* yq_query_events: {"total", "events": [...]}: merged events excluded,
 * each with its highest alert level and score ("risk"). */
int yq_query_events(sqlite3 *db, struct yq_tz *tz, const struct yq_event_filter *f, json_t **out,
		    struct yq_buf *err);

/* yq_query_event: one event: timeline, keywords, places, schemes, its
 * alerts, the top posts (most engaged, then earliest) and "why" (the
 * reason of its last alert).  YQ_ENOTFOUND, YQ_EDB, YQ_ENOMEM. */
int yq_query_event(sqlite3 *db, struct yq_tz *tz, int64_t id, json_t **out, struct yq_buf *err);

struct yq_alert_filter {
	const char *level;      /* I, II, III, IV */
	int64_t event;
	int acked;              /* -1: any, 0: unacknowledged, 1: acknowledged */
	int64_t after;          /* id > after */
	size_t limit, offset;
};

/* yq_query_alerts: {"total", "alerts": [...]} newest first, each with its
 * reason and acknowledgement (null when none). */
int yq_query_alerts(sqlite3 *db, struct yq_tz *tz, const struct yq_alert_filter *f, json_t **out,
		    struct yq_buf *err);

/* yq_query_alert: one alert as in the list. YQ_ENOTFOUND, YQ_EDB, YQ_ENOMEM. */
int yq_query_alert(sqlite3 *db, struct yq_tz *tz, int64_t id, json_t **out, struct yq_buf *err);

/* yq_query_event_brief: {"id","title","state","size","last_seen","merged_into"}
 * of event id, for the live stream.  YQ_ENOTFOUND, YQ_EDB, YQ_ENOMEM. */
int yq_query_event_brief(sqlite3 *db, int64_t id, json_t **out, struct yq_buf *err);

/* ---- writes ---- */

/*
 * yq_query_ack: records that user acknowledged alert id at time now with
 * note (NULL: none; at most 4 KiB), in the caller's transaction (the API
 * opens BEGIN IMMEDIATE and adds the outbox and audit rows to it).
 * Returns 0 (acknowledged now), 1 (it already was: nothing changed),
 * YQ_ENOTFOUND (no such alert), YQ_EINVAL (note too long), YQ_EDB.
 */
int yq_query_ack(sqlite3 *db, int64_t id, const char *user, const char *note, int64_t now,
		 struct yq_buf *err);

/* yq_query_offset_get: the checkpoint of (source, path): *offset (0 when
 * none) and *done.  0 or YQ_EDB. */
int yq_query_offset_get(sqlite3 *db, const char *source, const char *path, int64_t *offset,
			int *done);
/* yq_query_offset_put: sets it (inside the caller's transaction). */
int yq_query_offset_put(sqlite3 *db, const char *source, const char *path, int64_t offset,
			int done);

/* yq_query_state_get / _put: an integer in serve_state (0 when absent). */
int yq_query_state_get(sqlite3 *db, const char *key, int64_t *out);
int yq_query_state_put(sqlite3 *db, const char *key, int64_t value);

/* A source as registered; strings borrowed, NULL absent. */
struct yq_source_rec {
	const char *name, *kind, *location, *platform, *tier, *region;
};
/* yq_query_source_register: inserts the source or updates its registry
 * fields (its health counters are kept).  0 or YQ_EDB. */
int yq_query_source_register(sqlite3 *db, const struct yq_source_rec *s);
/* yq_query_source_items: adds items posts and rejected records seen at
 * time now (Unix seconds) to the source's health.  0 or YQ_EDB. */
int yq_query_source_items(sqlite3 *db, const char *name, int64_t items, int64_t rejected,
			  int64_t now);
/* yq_query_source_error: counts an error of the source with its message
 * (cut to 512 bytes).  0 or YQ_EDB. */
int yq_query_source_error(sqlite3 *db, const char *name, const char *msg, int64_t now);
/* yq_query_source_feed_state: stores (json non-NULL) or reads (*out, a
 * new reference or NULL when none) a feed source's fetch state. */
int yq_query_source_feed_state_put(sqlite3 *db, const char *name, const char *json);
int yq_query_source_feed_state_get(sqlite3 *db, const char *name, json_t **out);
/* yq_query_sources: {"sources": [...]} the registry with health. */
int yq_query_sources(sqlite3 *db, struct yq_tz *tz, json_t **out, struct yq_buf *err);

/*
 * yq_query_post_edit: a known post (source, id) came again with title and
 * time (time_ok 0: no time): updates what changed.  Returns 1 when a field
 * changed, 0 when nothing did or the post is unknown, YQ_EDB.  (Field case
 * feed-03: an edited pubDate or title of a known guid is an edit, not a
 * new item.)
 */
int yq_query_post_edit(sqlite3 *db, const char *source, const char *id, const char *title,
		       int64_t time, int time_ok);

/* yq_query_alerts_after: calls fn for every alert with id > after, in id
 * order (id, event, level); fn returns 0 to go on.  0, fn's code, YQ_EDB. */
int yq_query_alerts_after(sqlite3 *db, int64_t after,
			  int (*fn)(void *ctx, int64_t id, int64_t event, const char *level),
			  void *ctx);

#endif
