/*
 * store.h — the embedded store: one SQLite file in WAL mode.
 *
 * Tables (schema in store.c, versioned with PRAGMA user_version):
 *   meta(key, value)            the per-database author-hash secret, schema
 *   posts(rowid, source, id, time, time_flag, title, text, norm, tokens,
 *         simhash, dup_of, event, author, reposts, comments, likes, parent,
 *         url, location, chain_authors, sentiment, sentiment_prob)
 *                               UNIQUE(source, id)
 *   post_schemes(post, scheme, hits)  the monitoring schemes a post matched,
 *                               with its hits as JSON
 *   posts_fts                   FTS5 over posts.norm (external content),
 *                               tokenizer "yuqing" (fts_tokenizer.h), filled
 *                               by yq_store_put_post
 *   events(id, title, keywords, first_seen, last_seen, size, timeline, state,
 *          schemes, negative_share)
 *   alerts(id, event, time, level, reason)  reason is a JSON object
 *   labels(source, id, task, label, time)  an analyst's correction of a
 *                               post's sentiment or category,
 *                               PRIMARY KEY(source, id, task)
 *
 * Crash safety: every write happens inside a transaction the caller opens
 * with yq_store_begin() and closes with yq_store_commit(); WAL with
 * synchronous=NORMAL means a killed process leaves the database as of the
 * last commit.  A post's identity is (source, id): putting it again is a
 * no-op reported as "existed", so replaying the same input stores nothing
 * twice.
 *
 * Privacy: author names are never stored; yq_store_author_hash() gives the
 * keyed hash (HMAC-SHA256 under a random 32-byte secret created with the
 * database, libsodium) that is stored instead.
 *
 * Threads: one struct yq_store is used by one thread at a time.
 */
#ifndef YQ_STORE_H
#define YQ_STORE_H

#include <stddef.h>
#include <stdint.h>

#include <sqlite3.h>

#include "base/buf.h"
#include "text/segment.h"
#include "text/tokenize.h"

struct yq_store;

/*
 * yq_store_open: opens (creating if needed) the database at path and
 * registers the "yuqing" FTS5 tokenizer, which uses seg (borrowed; it must
 * outlive the store).  Errors: YQ_EDB with SQLite's message in err,
 * YQ_ENOMEM.
 */
int yq_store_open(const char *path, const struct yq_segmenter *seg,
		  struct yq_store **out, struct yq_buf *err);
/* Commits nothing: an open transaction is rolled back.  NULL is a no-op. */
void yq_store_close(struct yq_store *st);

int yq_store_begin(struct yq_store *st);
int yq_store_commit(struct yq_store *st);
/* SQLite's last error message (valid until the next call on st). */
const char *yq_store_errmsg(struct yq_store *st);
/* yq_store_db: the connection (owned by st), for read queries (search,
 * HTTP API, reports) and tests; the "yuqing" tokenizer is registered on it.
 * Do not close it or leave statements unfinalized across store calls. */
sqlite3 *yq_store_db(struct yq_store *st);

/* yq_store_author_hash: writes the 32-hex-digit keyed hash (first 128 bits
 * of HMAC-SHA256 under the database secret) of name[0..n) and a NUL to out. */
void yq_store_author_hash(struct yq_store *st, const char *name, size_t n,
			  char out[33]);

/* A post as stored.  Strings are borrowed, NULL for absent. */
struct yq_post_rec {
	const char *source;   /* required */
	const char *id;       /* required */
	int64_t time;         /* Unix seconds; meaningful when time_ok */
	int time_ok;          /* 0: missing or unreadable time (flagged) */
	const char *title;
	const char *text;     /* as published */
	const char *norm;     /* normalized text (indexed in posts_fts) */
	const char *tokens;   /* analysis tokens joined by one space */
	uint64_t simhash;
	const char *dup_of;   /* id of the first post of its duplicate group */
	int64_t event;        /* event id, 0 for none */
	const char *author;   /* keyed hash, see yq_store_author_hash */
	const char *chain_authors; /* keyed hashes of repost-chain names, space-separated */
	int64_t reposts, comments, likes; /* -1 when unknown */
	const char *parent;
	const char *url;
	const char *location;
	/* optional: the yq_tokenize output for norm, which the FTS tokenizer
	 * then reuses instead of tokenizing norm again; NULL to let it do so */
	const struct yq_tokens *norm_tokens;
	const char *sentiment;  /* label of the sentiment model, or NULL */
	double sentiment_prob;  /* its probability (when sentiment is set) */
};

/*
 * yq_store_put_post: inserts rec and, when it is new, indexes rec->norm in
 * posts_fts (if indexing fails, the row is deleted again).  Returns 0 when inserted, 1 when a
 * post with the same (source, id) already existed (nothing changed), or
 * YQ_EDB (also for a NULL source or id, a string over 16 MiB, a full disk;
 * yq_store_errmsg says which).  Counts < 0 and event 0 are stored as NULL.
 */
int yq_store_put_post(struct yq_store *st, const struct yq_post_rec *rec);

/* An event as stored; strings borrowed. */
struct yq_event_rec {
	int64_t id;
	const char *title;
	const char *keywords;  /* JSON array of strings */
	int64_t first_seen, last_seen; /* Unix seconds */
	int64_t size;          /* posts, duplicates included */
	const char *timeline;  /* JSON array [[bucket_start, count, negative], …] */
	const char *state;     /* lifecycle: "new", "rising", "peak", "declining",
				* "closed", or "merged" (story linking) */
	const char *schemes;   /* JSON array of the scheme ids its posts matched, or NULL */
	double negative_share; /* share of its rated posts that are negative; < 0: none rated */
	int64_t merged_into;   /* > 0: the event it was merged into; else NULL */
	const char *places;    /* JSON array of its most named places, or NULL */
};

/* yq_store_put_event: inserts or replaces the event with rec->id.  0 or YQ_EDB. */
int yq_store_put_event(struct yq_store *st, const struct yq_event_rec *rec);

/* yq_store_put_post_scheme: records that the post last inserted by
 * yq_store_put_post (in this transaction) matched scheme, with its hits (a
 * JSON array text).  0, YQ_EINVAL (no post inserted yet) or YQ_EDB. */
int yq_store_put_post_scheme(struct yq_store *st, const char *scheme, const char *hits);

/* yq_store_max_event_id: the largest event id stored (0 if none), so a new
 * run numbers its events after those of earlier runs; YQ_EDB on error. */
int64_t yq_store_max_event_id(struct yq_store *st);

/* yq_store_put_alert: appends an alert; reason is a JSON object text.
 * event must be stored already (foreign key), or 0 for none.  *id_out (if
 * not NULL) receives its id.  0 or YQ_EDB (also for invalid JSON). */
int yq_store_put_alert(struct yq_store *st, int64_t event, int64_t time,
		       const char *level, const char *reason, int64_t *id_out);

/* yq_store_post_exists: 1 if (source, id) is stored, 0 if not, YQ_EDB. */
int yq_store_post_exists(struct yq_store *st, const char *source, const char *id);

/*
 * yq_store_put_label: records an analyst's label for the stored post
 * (source, id) and task ("sentiment" or "category"), at time (Unix
 * seconds); labelling the same post and task again replaces the label.
 * Returns 0, YQ_ENOTFOUND (no such post), YQ_EINVAL (another task, an empty
 * label or one over 1,024 bytes) or YQ_EDB.  Needs no open transaction
 * (autocommit) but may run inside one.
 */
int yq_store_put_label(struct yq_store *st, const char *source, const char *id,
		       const char *task, const char *label, int64_t time);

/* A labelled post as yq_store_each_label gives it; strings are valid during
 * the callback only; title and text are NULL when not stored. */
struct yq_label_rec {
	const char *source, *id, *title, *text, *label;
};
/* Returns 0 to go on, a negative code to stop the walk with that code. */
typedef int (*yq_store_label_fn)(void *ctx, const struct yq_label_rec *rec);

/*
 * yq_store_each_label: calls fn(ctx, rec) for every post labelled for task,
 * ordered by (source, id), with the stored title and text; in a database
 * that took citizens' messages (messages/messages.h) also every message
 * whose category an analyst decided (source "message", title and text of
 * the message).  Returns 0, the
 * callback's code, or YQ_EDB.  fn must not call other store functions.
 */
int yq_store_each_label(struct yq_store *st, const char *task, yq_store_label_fn fn,
			void *ctx);

#endif
