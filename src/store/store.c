/*
 * store.c — the embedded store: posts, events and alerts in one SQLite file.
 *
 * Where it sits: the last stage of the pipeline (replay, serve) writes every
 * post it has analysed, the events the clusterer formed and the alerts the
 * warner raised; the HTTP API and reports read them back.
 *
 * Design:
 *  - One connection, WAL journal, synchronous=NORMAL (a commit is durable
 *    once the WAL is synced at checkpoint; a killed process loses at most the
 *    open transaction), foreign_keys on, a 5 s busy timeout for readers in
 *    other processes, a 4 MiB page cache (was 64 MiB: the replay of the
 *    whole COVID stream spent the same CPU time in the store with either,
 *    53 us a post, while the larger cache held 60 MiB more at the peak;
 *    docs/benchmarks.md, "memory per post").
 *    SQLITE_LIMIT_LENGTH caps every stored string or blob at STORE_MAX_LEN
 *    bytes.
 *  - The schema (SCHEMA below) is created in one transaction when
 *    PRAGMA user_version is 0 and stamped with STORE_SCHEMA_VERSION; a file
 *    stamped with a newer version is refused, never altered.
 *  - posts_fts is an external-content FTS5 table over posts.norm (rowid =
 *    posts.rowid).  put_post inserts the post with "INSERT … ON CONFLICT
 *    DO NOTHING" and, when sqlite3_changes() says it was new, inserts its
 *    norm into posts_fts itself.  Not a trigger: a statement that writes a
 *    virtual table from a trigger opens a statement savepoint, and FTS5
 *    flushes its pending terms to a new segment at every savepoint, which
 *    made indexing four times slower.  rec->norm_tokens, when given, is
 *    handed to the tokenizer for that one insert (yq_fts_hint), so the
 *    pipeline's analysis is not redone.  If the FTS insert fails, the post row
 *    is deleted again so that the two tables never disagree.  posts_fts is
 *    configured (persistently) with a 16 MiB pending-terms hash, so a batch
 *    of a few thousand posts is flushed once, at commit, and automerge=8,
 *    so fewer merges run while indexing; both measured with bench_store.
 *  - Every statement is prepared once at open (SQLITE_PREPARE_PERSISTENT)
 *    and reset after each use; binding borrows the caller's strings
 *    (SQLITE_STATIC), which is safe because nothing is read after reset.
 *  - The author secret is 32 random bytes (libsodium randombytes_buf) in
 *    meta('author_secret'), created with the schema and loaded at open.
 *  - The existence look-up (yq_store_post_exists, once per post before it is
 *    analysed) costs an index probe.  When the database holds no post at
 *    open, the posts are exactly those this connection inserts, as long as
 *    no other connection commits: a Bloom filter of the (source, id) pairs
 *    it inserted (2^24 bits, two hashes) answers "no" without SQL, and only
 *    a "maybe" runs the query.  PRAGMA data_version, read at open and after
 *    each BEGIN IMMEDIATE (no other writer can commit inside our write
 *    transaction), tells when another connection has committed; the filter
 *    is then dropped for good and every look-up runs the query.  The filter
 *    answers only inside a transaction begun by yq_store_begin (checked
 *    there), never outside one.  The answer is the same either way.
 *
 * Invariants: between calls no statement is left mid-step; st->secret holds
 * the database's secret from a successful open until close; every post row
 * has its posts_fts entry.
 */
#include "store/store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>
#include <sqlite3.h>

#include "base/error.h"
#include "base/hash.h"
#include "base/hugemem.h"
#include "store/fts_tokenizer.h"
#include "store/query.h"

#define STORE_SCHEMA_VERSION 1
#define STORE_MAX_LEN (16 << 20)     /* bytes, any string or blob */
#define STORE_BUSY_MS 5000
#define STORE_CACHE_KIB 4096         /* page cache of the connection */
#define STORE_SECRET_LEN 32
#define STORE_MAX_LABEL 1024     /* bytes, an analyst's label */

static const char SCHEMA[] =
	"CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value BLOB);\n"
	"CREATE TABLE IF NOT EXISTS posts(\n"
	"  rowid INTEGER PRIMARY KEY,\n"
	"  source TEXT NOT NULL, id TEXT NOT NULL,\n"
	"  time INTEGER, time_flag INTEGER NOT NULL DEFAULT 0,\n"
	"  title TEXT, text TEXT, norm TEXT, tokens TEXT,\n"
	"  simhash INTEGER, dup_of TEXT, event INTEGER, author TEXT,\n"
	"  reposts INTEGER, comments INTEGER, likes INTEGER,\n"
	"  parent TEXT, url TEXT, location TEXT, chain_authors TEXT,\n"
	"  sentiment TEXT, sentiment_prob REAL,\n"
	"  UNIQUE(source, id));\n"
	"CREATE INDEX IF NOT EXISTS posts_time ON posts(time);\n"
	"CREATE INDEX IF NOT EXISTS posts_event ON posts(event);\n"
	"CREATE INDEX IF NOT EXISTS posts_dup_of ON posts(dup_of);\n"
	"CREATE VIRTUAL TABLE IF NOT EXISTS posts_fts USING fts5(norm,"
	" content='posts', content_rowid='rowid', tokenize='yuqing');\n"
	"INSERT INTO posts_fts(posts_fts, rank) VALUES ('hashsize', 16777216);\n"
	"INSERT INTO posts_fts(posts_fts, rank) VALUES ('automerge', 8);\n"
	"CREATE TABLE IF NOT EXISTS events(\n"
	"  id INTEGER PRIMARY KEY, title TEXT,\n"
	"  keywords TEXT CHECK(keywords IS NULL OR json_valid(keywords)),\n"
	"  first_seen INTEGER, last_seen INTEGER, size INTEGER,\n"
	"  timeline TEXT CHECK(timeline IS NULL OR json_valid(timeline)),\n"
	"  state TEXT CHECK(state IN ('new', 'rising', 'peak', 'declining', 'closed',"
	" 'merged')),\n"
	"  merged_into INTEGER,\n"
	"  places TEXT CHECK(places IS NULL OR json_valid(places)),\n"
	"  schemes TEXT CHECK(schemes IS NULL OR json_valid(schemes)),\n"
	"  negative_share REAL);\n"
	"CREATE TABLE IF NOT EXISTS post_schemes(\n"
	"  post INTEGER NOT NULL REFERENCES posts(rowid),\n"
	"  scheme TEXT NOT NULL,\n"
	"  hits TEXT NOT NULL CHECK(json_valid(hits)),\n"
	"  PRIMARY KEY(post, scheme)) WITHOUT ROWID;\n"
	"CREATE INDEX IF NOT EXISTS post_schemes_scheme ON post_schemes(scheme);\n"
	"CREATE TABLE IF NOT EXISTS alerts(\n"
	"  id INTEGER PRIMARY KEY AUTOINCREMENT,\n"
	"  event INTEGER REFERENCES events(id),\n"
	"  time INTEGER NOT NULL, level TEXT NOT NULL,\n"
	"  reason TEXT NOT NULL CHECK(json_valid(reason)));\n"
	"CREATE INDEX IF NOT EXISTS alerts_event ON alerts(event);\n"
	"CREATE TABLE IF NOT EXISTS labels(\n"
	"  source TEXT NOT NULL, id TEXT NOT NULL,\n"
	"  task TEXT NOT NULL CHECK(task IN ('sentiment', 'category')),\n"
	"  label TEXT NOT NULL, time INTEGER NOT NULL,\n"
	"  PRIMARY KEY(source, id, task)) WITHOUT ROWID;\n";

/* The cached statements, in the order of SQL[]. */
enum {
	S_BEGIN,
	S_COMMIT,
	S_PUT_POST,
	S_PUT_FTS,
	S_DEL_POST,
	S_PUT_EVENT,
	S_MAX_EVENT,
	S_PUT_ALERT,
	S_POST_EXISTS,
	S_PUT_POST_SCHEME,
	S_PUT_LABEL,
	S_LABELLED,
	S_DATA_VERSION,
	S_ANY_POST,
	S_COUNT
};

static const char *const SQL[S_COUNT] = {
	[S_BEGIN] = "BEGIN IMMEDIATE",
	[S_COMMIT] = "COMMIT",
	[S_PUT_POST] =
		"INSERT INTO posts(source, id, time, time_flag, title, text, norm,"
		" tokens, simhash, dup_of, event, author, reposts, comments, likes,"
		" parent, url, location, chain_authors, sentiment, sentiment_prob)"
		" VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13,"
		" ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21)"
		" ON CONFLICT(source, id) DO NOTHING",
	[S_PUT_FTS] = "INSERT INTO posts_fts(rowid, norm) VALUES (?1, ?2)",
	[S_DEL_POST] = "DELETE FROM posts WHERE rowid = ?1",
	[S_PUT_EVENT] =
		"INSERT INTO events(id, title, keywords, first_seen, last_seen,"
		" size, timeline, state, schemes, negative_share, merged_into, places)"
		" VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)"
		" ON CONFLICT(id) DO UPDATE SET title = excluded.title,"
		" keywords = excluded.keywords, first_seen = excluded.first_seen,"
		" last_seen = excluded.last_seen, size = excluded.size,"
		" timeline = excluded.timeline, state = excluded.state,"
		" schemes = excluded.schemes, negative_share = excluded.negative_share,"
		" merged_into = excluded.merged_into, places = excluded.places",
	[S_MAX_EVENT] = "SELECT coalesce(max(id), 0) FROM events",
	[S_PUT_ALERT] =
		"INSERT INTO alerts(event, time, level, reason)"
		" VALUES (?1, ?2, ?3, ?4)",
	[S_POST_EXISTS] = "SELECT 1 FROM posts WHERE source = ?1 AND id = ?2",
	[S_PUT_POST_SCHEME] = "INSERT OR REPLACE INTO post_schemes(post, scheme, hits)"
			      " VALUES (?1, ?2, ?3)",
	[S_PUT_LABEL] = "INSERT INTO labels(source, id, task, label, time)"
			" VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT(source, id, task)"
			" DO UPDATE SET label = excluded.label, time = excluded.time",
	[S_LABELLED] = "SELECT l.source, l.id, p.title, p.text, l.label FROM labels l"
		       " JOIN posts p ON p.source = l.source AND p.id = l.id"
		       " WHERE l.task = ?1 AND l.source <> 'message' ORDER BY l.source, l.id",
	[S_DATA_VERSION] = "PRAGMA data_version",
	[S_ANY_POST] = "SELECT EXISTS(SELECT 1 FROM posts)",
};

#define MINE_BITS 24 /* the Bloom filter of posts inserted by this connection */

struct yq_store {
	sqlite3 *db;
	struct yq_fts_ctx *fts;  /* the tokenizer's context, owned by db */
	sqlite3_stmt *stmt[S_COUNT];
	int64_t last_post;       /* rowid of the last post put_post inserted */
	unsigned char secret[STORE_SECRET_LEN];
	crypto_auth_hmacsha256_state author_mac; /* HMAC state keyed with secret, copied
						  * per name (the key's blocks are
						  * hashed once) */
	char fts_err[256];  /* the FTS failure of the last put_post, or "" */
	uint64_t *mine;          /* Bloom filter of posts this connection inserted into
				  * a database empty at open, or NULL (see above) */
	int64_t data_version;    /* PRAGMA data_version when mine was started */
	int mine_ok;             /* mine may answer: inside a transaction begun by
				  * yq_store_begin with data_version unchanged */
};

/* ---- helpers ---- */

/* Runs a statement that returns no rows to completion and resets it. */
static int run(struct yq_store *st, int which)
{
	sqlite3_stmt *s = st->stmt[which];
	int rc = sqlite3_step(s);
	sqlite3_reset(s);
	return rc == SQLITE_DONE ? YQ_OK : YQ_EDB;
}

/*
 * Binders: each binds parameter i unless an earlier bind of the same
 * statement failed (*rc != SQLITE_OK), and records its own result in *rc.
 * A bind fails for a string over SQLITE_LIMIT_LENGTH (SQLITE_TOOBIG), with
 * the message set on the connection; the caller then returns YQ_EDB without
 * stepping, so the message survives.
 */
static void bind_text(sqlite3_stmt *s, int i, const char *v, int *rc)
{
	if (*rc == SQLITE_OK)
		*rc = v ? sqlite3_bind_text(s, i, v, -1, SQLITE_STATIC) : sqlite3_bind_null(s, i);
}

static void bind_int(sqlite3_stmt *s, int i, int64_t v, int *rc)
{
	if (*rc == SQLITE_OK)
		*rc = sqlite3_bind_int64(s, i, v);
}

/* A count where -1 (any negative) means unknown → NULL. */
static void bind_count(sqlite3_stmt *s, int i, int64_t v, int *rc)
{
	if (*rc == SQLITE_OK)
		*rc = v >= 0 ? sqlite3_bind_int64(s, i, v) : sqlite3_bind_null(s, i);
}

/* An id where 0 (or negative) means none → NULL. */
static void bind_ref(sqlite3_stmt *s, int i, int64_t v, int *rc)
{
	if (*rc == SQLITE_OK)
		*rc = v > 0 ? sqlite3_bind_int64(s, i, v) : sqlite3_bind_null(s, i);
}

static int user_version(sqlite3 *db, int *out)
{
	sqlite3_stmt *s = NULL;
	int rc = sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &s, NULL);
	if (rc == SQLITE_OK && sqlite3_step(s) == SQLITE_ROW) {
		*out = sqlite3_column_int(s, 0);
		rc = SQLITE_OK;
	} else {
		rc = SQLITE_ERROR;
	}
	sqlite3_finalize(s);
	return rc == SQLITE_OK ? YQ_OK : YQ_EDB;
}

/* Creates the schema and the secret in one transaction, unless another
 * process did so first.  On failure the transaction is rolled back. */
static int create_schema(sqlite3 *db, const char *path, struct yq_buf *err)
{
	sqlite3_stmt *s = NULL;
	int ver = 0, ret = YQ_EDB;
	unsigned char secret[STORE_SECRET_LEN];
	char pragma[64];

	if (sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
		goto out;
	if (user_version(db, &ver) < 0)
		goto out;
	if (ver != 0) {
		ret = YQ_OK; /* created meanwhile by another process */
		goto out;
	}
	if (sqlite3_exec(db, SCHEMA, NULL, NULL, NULL) != SQLITE_OK)
		goto out;
	randombytes_buf(secret, sizeof secret);
	if (sqlite3_prepare_v2(db, "INSERT INTO meta(key, value) VALUES"
			       " ('author_secret', ?1), ('schema', ?2)",
			       -1, &s, NULL) != SQLITE_OK)
		goto out;
	sqlite3_bind_blob(s, 1, secret, sizeof secret, SQLITE_STATIC);
	sqlite3_bind_int(s, 2, STORE_SCHEMA_VERSION);
	if (sqlite3_step(s) != SQLITE_DONE)
		goto out;
	snprintf(pragma, sizeof pragma, "PRAGMA user_version = %d", STORE_SCHEMA_VERSION);
	if (sqlite3_exec(db, pragma, NULL, NULL, NULL) != SQLITE_OK)
		goto out;
	ret = YQ_OK;
out:
	if (ret < 0)
		yq_buf_printf(err, "%s: creating the schema: %s", path, sqlite3_errmsg(db));
	sqlite3_finalize(s);
	sodium_memzero(secret, sizeof secret);
	if (!sqlite3_get_autocommit(db)) {
		if (ret == YQ_OK && sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
			yq_buf_printf(err, "%s: creating the schema: %s", path,
				      sqlite3_errmsg(db));
			ret = YQ_EDB;
		}
		if (ret < 0)
			sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
	}
	return ret;
}

static int load_secret(struct yq_store *st, const char *path, struct yq_buf *err)
{
	sqlite3_stmt *s = NULL;
	int ret = YQ_EDB;

	if (sqlite3_prepare_v2(st->db, "SELECT value FROM meta WHERE key = 'author_secret'",
			       -1, &s, NULL) != SQLITE_OK) {
		yq_buf_printf(err, "%s: reading the author secret: %s", path,
			      sqlite3_errmsg(st->db));
		goto out;
	}
	if (sqlite3_step(s) != SQLITE_ROW || sqlite3_column_type(s, 0) != SQLITE_BLOB ||
	    sqlite3_column_bytes(s, 0) != STORE_SECRET_LEN) {
		yq_buf_printf(err, "%s: meta.author_secret is missing or not %d bytes",
			      path, STORE_SECRET_LEN);
		goto out;
	}
	memcpy(st->secret, sqlite3_column_blob(s, 0), STORE_SECRET_LEN);
	crypto_auth_hmacsha256_init(&st->author_mac, st->secret, STORE_SECRET_LEN);
	ret = YQ_OK;
out:
	sqlite3_finalize(s);
	return ret;
}

/* ---- the filter of posts inserted by this connection ---- */

/* An integer-valued single-row statement's value, or -1 on error. */
static int64_t query_int(struct yq_store *st, int which)
{
	sqlite3_stmt *s = st->stmt[which];
	int64_t v = sqlite3_step(s) == SQLITE_ROW ? sqlite3_column_int64(s, 0) : -1;
	sqlite3_reset(s);
	return v;
}

static void mine_hashes(const char *source, const char *id, uint64_t *h1, uint64_t *h2)
{
	uint64_t h = yq_hash64(source, strlen(source), 0x6d696e6531ULL);
	*h1 = yq_hash64(id, strlen(id), h);
	*h2 = yq_mix64(*h1 ^ 0x9E3779B97F4A7C15ULL);
}

static void mine_add(struct yq_store *st, const char *source, const char *id)
{
	uint64_t h1, h2;
	mine_hashes(source, id, &h1, &h2);
	h1 >>= 64 - MINE_BITS;
	h2 >>= 64 - MINE_BITS;
	st->mine[h1 >> 6] |= 1ULL << (h1 & 63);
	st->mine[h2 >> 6] |= 1ULL << (h2 & 63);
}

/* 0 when (source, id) was surely not inserted by this connection. */
static int mine_maybe(const struct yq_store *st, const char *source, const char *id)
{
	uint64_t h1, h2;
	mine_hashes(source, id, &h1, &h2);
	h1 >>= 64 - MINE_BITS;
	h2 >>= 64 - MINE_BITS;
	return (int)((st->mine[h1 >> 6] >> (h1 & 63)) & (st->mine[h2 >> 6] >> (h2 & 63)) & 1);
}

static void mine_stop(struct yq_store *st)
{
	yq_huge_free(st->mine, ((size_t)1 << MINE_BITS) / 8);
	st->mine = NULL;
}

/* Starts the filter when the database holds no post (data_version first:
 * a commit by another connection after it is seen at the next BEGIN). */
static int mine_start(struct yq_store *st)
{
	int64_t v = query_int(st, S_DATA_VERSION), any = query_int(st, S_ANY_POST);
	if (v < 0 || any < 0)
		return YQ_EDB;
	if (any)
		return YQ_OK;
	st->mine = yq_huge_alloc(((size_t)1 << MINE_BITS) / 8);
	if (!st->mine)
		return YQ_ENOMEM;
	st->data_version = v;
	return YQ_OK;
}

/* ---- open / close ---- */

int yq_store_open(const char *path, const struct yq_segmenter *seg,
		  struct yq_store **out, struct yq_buf *err)
{
	struct yq_store *st = NULL;
	int ret = YQ_EDB, ver = 0;
	char pragmas[160];

	*out = NULL;
	if (sodium_init() < 0) {
		yq_buf_printf(err, "%s: libsodium cannot be initialized", path);
		return YQ_EDB;
	}
	st = calloc(1, sizeof *st);
	if (!st)
		return YQ_ENOMEM;
	if (sqlite3_open_v2(path, &st->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
			    SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
		if (!st->db) {
			ret = YQ_ENOMEM;
			goto out;
		}
		yq_buf_printf(err, "%s: %s", path, sqlite3_errmsg(st->db));
		goto out;
	}
	sqlite3_extended_result_codes(st->db, 1);
	sqlite3_limit(st->db, SQLITE_LIMIT_LENGTH, STORE_MAX_LEN);
	sqlite3_busy_timeout(st->db, STORE_BUSY_MS);
	if (yq_fts_register(st->db, seg, &st->fts) < 0) {
		yq_buf_printf(err, "%s: registering the FTS5 tokenizer: %s", path,
			      sqlite3_errmsg(st->db));
		goto out;
	}
	snprintf(pragmas, sizeof pragmas, "PRAGMA journal_mode = WAL; PRAGMA synchronous ="
		 " NORMAL; PRAGMA foreign_keys = ON; PRAGMA cache_size = -%d", STORE_CACHE_KIB);
	if (sqlite3_exec(st->db, pragmas, NULL, NULL, NULL) != SQLITE_OK) {
		yq_buf_printf(err, "%s: %s", path, sqlite3_errmsg(st->db));
		goto out;
	}
	if (user_version(st->db, &ver) < 0) {
		yq_buf_printf(err, "%s: %s", path, sqlite3_errmsg(st->db));
		goto out;
	}
	if (ver > STORE_SCHEMA_VERSION) {
		yq_buf_printf(err, "%s: schema version %d is newer than this program's (%d)",
			      path, ver, STORE_SCHEMA_VERSION);
		goto out;
	}
	if (ver == 0 && create_schema(st->db, path, err) < 0)
		goto out;
	if (load_secret(st, path, err) < 0)
		goto out;
	for (int i = 0; i < S_COUNT; i++) {
		if (sqlite3_prepare_v3(st->db, SQL[i], -1, SQLITE_PREPARE_PERSISTENT,
				       &st->stmt[i], NULL) != SQLITE_OK) {
			yq_buf_printf(err, "%s: %s", path, sqlite3_errmsg(st->db));
			goto out;
		}
	}
	if ((ret = mine_start(st)) < 0) {
		if (ret == YQ_EDB)
			yq_buf_printf(err, "%s: %s", path, sqlite3_errmsg(st->db));
		goto out;
	}
	*out = st;
	st = NULL;
	ret = YQ_OK;
out:
	yq_store_close(st);
	return ret;
}

void yq_store_close(struct yq_store *st)
{
	if (!st)
		return;
	if (st->db && !sqlite3_get_autocommit(st->db))
		sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
	for (int i = 0; i < S_COUNT; i++)
		sqlite3_finalize(st->stmt[i]);
	sqlite3_close_v2(st->db); /* deferred while a caller's statement is open */
	mine_stop(st);
	sodium_memzero(st->secret, sizeof st->secret);
	sodium_memzero(&st->author_mac, sizeof st->author_mac);
	free(st);
}

/* ---- transactions ---- */

int yq_store_begin(struct yq_store *st)
{
	int rc = run(st, S_BEGIN);
	if (rc == YQ_OK && st->mine) {
		if (query_int(st, S_DATA_VERSION) == st->data_version)
			st->mine_ok = 1;
		else
			mine_stop(st); /* another connection committed: ask SQLite from now on */
	}
	return rc;
}

int yq_store_commit(struct yq_store *st)
{
	st->mine_ok = 0;
	return run(st, S_COMMIT);
}

const char *yq_store_errmsg(struct yq_store *st)
{
	if (st->fts_err[0] && sqlite3_errcode(st->db) == SQLITE_OK)
		return st->fts_err; /* put_post's undo succeeded after it */
	return sqlite3_errmsg(st->db);
}

sqlite3 *yq_store_db(struct yq_store *st)
{
	return st->db;
}

/* ---- writes and lookups ---- */

void yq_store_author_hash(struct yq_store *st, const char *name, size_t n, char out[33])
{
	static const char hex[] = "0123456789abcdef";
	unsigned char mac[crypto_auth_hmacsha256_BYTES];
	crypto_auth_hmacsha256_state state = st->author_mac;

	/* = crypto_auth_hmacsha256(mac, name, n, st->secret) */
	crypto_auth_hmacsha256_update(&state, (const unsigned char *)name, n);
	crypto_auth_hmacsha256_final(&state, mac);
	sodium_memzero(&state, sizeof state);
	for (int i = 0; i < 16; i++) {
		out[2 * i] = hex[mac[i] >> 4];
		out[2 * i + 1] = hex[mac[i] & 15];
	}
	out[32] = '\0';
}

int yq_store_put_post(struct yq_store *st, const struct yq_post_rec *rec)
{
	sqlite3_stmt *s = st->stmt[S_PUT_POST];
	int64_t simhash, rowid;
	int rc = SQLITE_OK;

	st->fts_err[0] = '\0';
	memcpy(&simhash, &rec->simhash, sizeof simhash); /* the uint64 bits */
	bind_text(s, 1, rec->source, &rc);
	bind_text(s, 2, rec->id, &rc);
	if (rec->time_ok)
		bind_int(s, 3, rec->time, &rc);
	else
		bind_ref(s, 3, 0, &rc); /* NULL */
	bind_int(s, 4, !rec->time_ok, &rc);
	bind_text(s, 5, rec->title, &rc);
	bind_text(s, 6, rec->text, &rc);
	bind_text(s, 7, rec->norm, &rc);
	bind_text(s, 8, rec->tokens, &rc);
	bind_int(s, 9, simhash, &rc);
	bind_text(s, 10, rec->dup_of, &rc);
	bind_ref(s, 11, rec->event, &rc);
	bind_text(s, 12, rec->author, &rc);
	bind_count(s, 13, rec->reposts, &rc);
	bind_count(s, 14, rec->comments, &rc);
	bind_count(s, 15, rec->likes, &rc);
	bind_text(s, 16, rec->parent, &rc);
	bind_text(s, 17, rec->url, &rc);
	bind_text(s, 18, rec->location, &rc);
	bind_text(s, 19, rec->chain_authors, &rc);
	bind_text(s, 20, rec->sentiment, &rc);
	if (rc == SQLITE_OK)
		rc = rec->sentiment ? sqlite3_bind_double(s, 21, rec->sentiment_prob)
				    : sqlite3_bind_null(s, 21);
	if (rc != SQLITE_OK)
		return YQ_EDB;
	if (run(st, S_PUT_POST) < 0)
		return YQ_EDB;
	if (sqlite3_changes(st->db) == 0)
		return 1;
	if (st->mine)
		mine_add(st, rec->source, rec->id);
	rowid = sqlite3_last_insert_rowid(st->db);
	st->last_post = rowid;
	s = st->stmt[S_PUT_FTS];
	bind_int(s, 1, rowid, &rc);
	bind_text(s, 2, rec->norm, &rc);
	if (rc == SQLITE_OK) {
		int ret;
		if (rec->norm && rec->norm_tokens)
			yq_fts_hint(st->fts, rec->norm, strlen(rec->norm), rec->norm_tokens);
		ret = run(st, S_PUT_FTS);
		yq_fts_hint(st->fts, NULL, 0, NULL);
		if (ret == YQ_OK)
			return 0;
	}
	/* Undo the row, keeping the message of the FTS failure. */
	snprintf(st->fts_err, sizeof st->fts_err, "%s", sqlite3_errmsg(st->db));
	sqlite3_bind_int64(st->stmt[S_DEL_POST], 1, rowid);
	run(st, S_DEL_POST);
	return YQ_EDB;
}

int yq_store_put_event(struct yq_store *st, const struct yq_event_rec *rec)
{
	sqlite3_stmt *s = st->stmt[S_PUT_EVENT];
	int rc = SQLITE_OK;

	bind_int(s, 1, rec->id, &rc);
	bind_text(s, 2, rec->title, &rc);
	bind_text(s, 3, rec->keywords, &rc);
	bind_int(s, 4, rec->first_seen, &rc);
	bind_int(s, 5, rec->last_seen, &rc);
	bind_int(s, 6, rec->size, &rc);
	bind_text(s, 7, rec->timeline, &rc);
	bind_text(s, 8, rec->state, &rc);
	bind_text(s, 9, rec->schemes, &rc);
	if (rc == SQLITE_OK)
		rc = rec->negative_share >= 0 ? sqlite3_bind_double(s, 10, rec->negative_share)
					      : sqlite3_bind_null(s, 10);
	if (rc == SQLITE_OK)
		rc = rec->merged_into > 0 ? sqlite3_bind_int64(s, 11, rec->merged_into)
					  : sqlite3_bind_null(s, 11);
	bind_text(s, 12, rec->places, &rc);
	return rc == SQLITE_OK ? run(st, S_PUT_EVENT) : YQ_EDB;
}

int yq_store_put_post_scheme(struct yq_store *st, const char *scheme, const char *hits)
{
	sqlite3_stmt *s = st->stmt[S_PUT_POST_SCHEME];
	int rc = SQLITE_OK;
	if (st->last_post <= 0)
		return YQ_EINVAL;
	bind_int(s, 1, st->last_post, &rc);
	bind_text(s, 2, scheme, &rc);
	bind_text(s, 3, hits, &rc);
	return rc == SQLITE_OK ? run(st, S_PUT_POST_SCHEME) : YQ_EDB;
}

int64_t yq_store_max_event_id(struct yq_store *st)
{
	sqlite3_stmt *s = st->stmt[S_MAX_EVENT];
	int64_t id = YQ_EDB;

	if (sqlite3_step(s) == SQLITE_ROW)
		id = sqlite3_column_int64(s, 0);
	sqlite3_reset(s);
	return id;
}

int yq_store_put_alert(struct yq_store *st, int64_t event, int64_t time,
		       const char *level, const char *reason, int64_t *id_out)
{
	sqlite3_stmt *s = st->stmt[S_PUT_ALERT];
	int rc = SQLITE_OK, ret;

	bind_ref(s, 1, event, &rc);
	bind_int(s, 2, time, &rc);
	bind_text(s, 3, level, &rc);
	bind_text(s, 4, reason, &rc);
	if (rc != SQLITE_OK)
		return YQ_EDB;
	ret = run(st, S_PUT_ALERT);
	if (ret == YQ_OK && id_out)
		*id_out = sqlite3_last_insert_rowid(st->db);
	return ret;
}

int yq_store_post_exists(struct yq_store *st, const char *source, const char *id)
{
	sqlite3_stmt *s = st->stmt[S_POST_EXISTS];
	int rc = SQLITE_OK, ret;

	if (st->mine && st->mine_ok && !sqlite3_get_autocommit(st->db) &&
	    !mine_maybe(st, source, id))
		return 0;
	bind_text(s, 1, source, &rc);
	bind_text(s, 2, id, &rc);
	if (rc != SQLITE_OK)
		return YQ_EDB;
	rc = sqlite3_step(s);
	ret = rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : YQ_EDB;
	sqlite3_reset(s);
	return ret;
}

/* ---- analysts' labels ---- */

int yq_store_put_label(struct yq_store *st, const char *source, const char *id,
		       const char *task, const char *label, int64_t time)
{
	int rc = yq_store_post_exists(st, source, id);
	if (rc < 0)
		return rc;
	if (rc == 0)
		return YQ_ENOTFOUND;
	if (!task || (strcmp(task, "sentiment") != 0 && strcmp(task, "category") != 0) ||
	    !label || !*label || strlen(label) > STORE_MAX_LABEL)
		return YQ_EINVAL;
	sqlite3_stmt *s = st->stmt[S_PUT_LABEL];
	rc = SQLITE_OK;
	bind_text(s, 1, source, &rc);
	bind_text(s, 2, id, &rc);
	bind_text(s, 3, task, &rc);
	bind_text(s, 4, label, &rc);
	bind_int(s, 5, time, &rc);
	if (rc != SQLITE_OK) {
		sqlite3_reset(s);
		sqlite3_clear_bindings(s);
		return YQ_EDB;
	}
	return run(st, S_PUT_LABEL);
}

/* Citizens' messages (messages/messages.h) are labelled under source
 * "message" and read from their own table, which only databases that took
 * messages have. */
#define MESSAGE_LABELS                                                                       \
	"SELECT l.source, l.id, p.title, p.text, l.label FROM labels l"                      \
	" JOIN posts p ON p.source = l.source AND p.id = l.id"                               \
	" WHERE l.task = ?1 AND l.source <> 'message' UNION ALL"                             \
	" SELECT l.source, l.id, m.title, m.text, l.label FROM labels l"                     \
	" JOIN messages m ON m.id = l.id WHERE l.task = ?1 AND l.source = 'message'"         \
	" ORDER BY 1, 2"

int yq_store_each_label(struct yq_store *st, const char *task, yq_store_label_fn fn,
			void *ctx)
{
	sqlite3_stmt *s = st->stmt[S_LABELLED], *own = NULL;
	int rc = SQLITE_OK, ret = YQ_OK;
	int has = yq_query_has_table(st->db, "messages");
	if (has < 0)
		return YQ_EDB;
	if (has) {
		if (sqlite3_prepare_v2(st->db, MESSAGE_LABELS, -1, &own, NULL) != SQLITE_OK)
			return YQ_EDB;
		s = own;
	}
	rc = SQLITE_OK;
	bind_text(s, 1, task, &rc);
	if (rc != SQLITE_OK) {
		ret = YQ_EDB;
		goto out;
	}
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		struct yq_label_rec r = {
			.source = (const char *)sqlite3_column_text(s, 0),
			.id = (const char *)sqlite3_column_text(s, 1),
			.title = (const char *)sqlite3_column_text(s, 2),
			.text = (const char *)sqlite3_column_text(s, 3),
			.label = (const char *)sqlite3_column_text(s, 4),
		};
		if (!r.source || !r.id || !r.label) {
			ret = YQ_ENOMEM;
			goto out;
		}
		if ((ret = fn(ctx, &r)))
			goto out;
	}
	if (rc != SQLITE_DONE)
		ret = YQ_EDB;
out:
	sqlite3_reset(s);
	sqlite3_clear_bindings(s);
	sqlite3_finalize(own);
	return ret;
}
