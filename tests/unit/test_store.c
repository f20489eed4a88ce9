/* test_store.c — the SQLite store: schema, idempotent puts, read-back after
 * reopen, author hashes, events and alerts, refusal of a newer schema, a
 * rolled-back transaction, a process killed mid-transaction, the string
 * cap, and a full disk reported as YQ_EDB. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>
#include <sodium.h>
#include <sqlite3.h>

#include "base/error.h"
#include "store/store.h"

static struct yq_segmenter *seg;
static char dir[64];
static char paths[4][128];
static int ndb;

static int setup_all(void **state)
{
	struct yq_buf err = YQ_BUF_INIT;
	int rc = yq_segmenter_new(NULL, &seg, &err);
	if (rc < 0)
		fprintf(stderr, "segmenter: %s\n", err.s);
	yq_buf_release(&err);
	strcpy(dir, "/tmp/yq_test_store_XXXXXX");
	if (!mkdtemp(dir))
		return -1;
	return rc;
}

static int teardown_all(void **state)
{
	char cmd[128];
	yq_segmenter_free(seg);
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

/* A fresh database path per call (a cycle of 4 buffers). */
static const char *new_path(void)
{
	char *p = paths[ndb % 4];
	snprintf(p, sizeof paths[0], "%s/t%d.db", dir, ndb);
	ndb++;
	return p;
}

static struct yq_store *open_ok(const char *p)
{
	struct yq_buf err = YQ_BUF_INIT;
	struct yq_store *st = NULL;
	int rc = yq_store_open(p, seg, &st, &err);
	if (rc < 0)
		fprintf(stderr, "open %s: %s\n", p, err.s);
	assert_int_equal(rc, 0);
	yq_buf_release(&err);
	return st;
}

static int64_t count(struct yq_store *st, const char *sql)
{
	sqlite3_stmt *s = NULL;
	int64_t n = -1;
	assert_int_equal(sqlite3_prepare_v2(yq_store_db(st), sql, -1, &s, NULL), SQLITE_OK);
	if (sqlite3_step(s) == SQLITE_ROW)
		n = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	return n;
}

static struct yq_post_rec sample(const char *id)
{
	struct yq_post_rec r = {0};
	r.source = "weibo";
	r.id = id;
	r.time = 1580781600; /* 2020-02-04T10:00:00+08:00 */
	r.time_ok = 1;
	r.title = "标题";
	r.text = "武汉加油 Wuhan!";
	r.norm = "武汉加油 Wuhan!";
	r.tokens = "武汉 加油 Wuhan !";
	r.simhash = 0xFFFFFFFFFFFFFFFEull;
	r.dup_of = NULL;
	r.event = 0;
	r.author = "0123456789abcdef0123456789abcdef";
	r.chain_authors = NULL;
	r.reposts = 3;
	r.comments = -1;
	r.likes = 10;
	r.parent = "p0";
	r.url = "https://weibo.com/1/abc";
	r.location = "湖北 武汉";
	return r;
}

static void test_put_twice(void **state)
{
	struct yq_store *st = open_ok(new_path());
	struct yq_post_rec r = sample("p1");

	assert_int_equal(yq_store_begin(st), 0);
	assert_int_equal(yq_store_put_post(st, &r), 0);
	assert_int_equal(yq_store_put_post(st, &r), 1);
	r.text = "a different text, same identity";
	assert_int_equal(yq_store_put_post(st, &r), 1);
	r.source = "rss"; /* same id, other source: another post */
	assert_int_equal(yq_store_put_post(st, &r), 0);
	assert_int_equal(yq_store_commit(st), 0);
	assert_int_equal(count(st, "SELECT count(*) FROM posts"), 2);
	assert_int_equal(count(st, "SELECT count(*) FROM posts WHERE text = '武汉加油 Wuhan!'"), 1);
	assert_int_equal(yq_store_post_exists(st, "weibo", "p1"), 1);
	assert_int_equal(yq_store_post_exists(st, "weibo", "p2"), 0);
	assert_int_equal(yq_store_post_exists(st, "rss", "p1"), 1);
	/* only new posts were indexed: one FTS row per post */
	assert_int_equal(count(st, "SELECT count(*) FROM posts_fts_docsize"), 2);
	yq_store_close(st);
}

static void test_reopen_read_back(void **state)
{
	const char *p = new_path();
	struct yq_store *st = open_ok(p);
	struct yq_post_rec r = sample("p1"), r2 = sample("p2");
	sqlite3_stmt *s = NULL;

	r2.time_ok = 0;
	r2.time = 12345; /* ignored */
	r2.reposts = r2.comments = r2.likes = -1;
	r2.simhash = 0x8000000000000001ull;
	r2.event = 7;
	r2.dup_of = "p1";
	r2.chain_authors = "aa bb";
	assert_int_equal(yq_store_begin(st), 0);
	assert_int_equal(yq_store_put_post(st, &r), 0);
	assert_int_equal(yq_store_put_post(st, &r2), 0);
	assert_int_equal(yq_store_commit(st), 0);
	yq_store_close(st);

	st = open_ok(p);
	assert_int_equal(yq_store_put_post(st, &r), 1); /* autocommit works too */
	assert_int_equal(sqlite3_prepare_v2(yq_store_db(st),
		"SELECT source, id, time, time_flag, title, text, norm, tokens, simhash,"
		" dup_of, event, author, reposts, comments, likes, parent, url,"
		" location, chain_authors, rowid FROM posts ORDER BY rowid", -1, &s, NULL),
		SQLITE_OK);
	assert_int_equal(sqlite3_step(s), SQLITE_ROW);
	assert_string_equal(sqlite3_column_text(s, 0), "weibo");
	assert_string_equal(sqlite3_column_text(s, 1), "p1");
	assert_int_equal(sqlite3_column_int64(s, 2), 1580781600);
	assert_int_equal(sqlite3_column_int(s, 3), 0);
	assert_string_equal(sqlite3_column_text(s, 4), "标题");
	assert_string_equal(sqlite3_column_text(s, 5), "武汉加油 Wuhan!");
	assert_string_equal(sqlite3_column_text(s, 6), "武汉加油 Wuhan!");
	assert_string_equal(sqlite3_column_text(s, 7), "武汉 加油 Wuhan !");
	assert_int_equal(sqlite3_column_int64(s, 8), -2); /* 0xFF…FE as int64 */
	assert_int_equal(sqlite3_column_type(s, 9), SQLITE_NULL);
	assert_int_equal(sqlite3_column_type(s, 10), SQLITE_NULL);
	assert_string_equal(sqlite3_column_text(s, 11), "0123456789abcdef0123456789abcdef");
	assert_int_equal(sqlite3_column_int64(s, 12), 3);
	assert_int_equal(sqlite3_column_type(s, 13), SQLITE_NULL);
	assert_int_equal(sqlite3_column_int64(s, 14), 10);
	assert_string_equal(sqlite3_column_text(s, 15), "p0");
	assert_string_equal(sqlite3_column_text(s, 16), "https://weibo.com/1/abc");
	assert_string_equal(sqlite3_column_text(s, 17), "湖北 武汉");
	assert_int_equal(sqlite3_column_type(s, 18), SQLITE_NULL);
	assert_int_equal(sqlite3_column_int64(s, 19), 1);

	assert_int_equal(sqlite3_step(s), SQLITE_ROW);
	assert_string_equal(sqlite3_column_text(s, 1), "p2");
	assert_int_equal(sqlite3_column_type(s, 2), SQLITE_NULL);
	assert_int_equal(sqlite3_column_int(s, 3), 1);
	assert_true((uint64_t)sqlite3_column_int64(s, 8) == 0x8000000000000001ull);
	assert_string_equal(sqlite3_column_text(s, 9), "p1");
	assert_int_equal(sqlite3_column_int64(s, 10), 7);
	assert_int_equal(sqlite3_column_type(s, 12), SQLITE_NULL);
	assert_int_equal(sqlite3_column_type(s, 13), SQLITE_NULL);
	assert_int_equal(sqlite3_column_type(s, 14), SQLITE_NULL);
	assert_string_equal(sqlite3_column_text(s, 18), "aa bb");
	assert_int_equal(sqlite3_step(s), SQLITE_DONE);
	sqlite3_finalize(s);

	assert_int_equal(count(st, "PRAGMA user_version"), 1);
	assert_int_equal(count(st, "SELECT journal_mode = 'wal' FROM pragma_journal_mode"), 1);
	assert_int_equal(count(st, "PRAGMA foreign_keys"), 1);
	assert_int_equal(count(st, "PRAGMA synchronous"), 1); /* NORMAL */
	assert_int_equal(count(st, "PRAGMA busy_timeout"), 5000);
	assert_int_equal(count(st, "SELECT count(*) FROM sqlite_schema WHERE type = 'index'"
				   " AND name IN ('posts_time', 'posts_event', 'posts_dup_of')"), 3);
	yq_store_close(st);
}

static void test_author_hash(void **state)
{
	const char *p1 = new_path();
	struct yq_store *a = open_ok(p1), *b = open_ok(new_path());
	char h1[33], h2[33], h3[33], other[33], expect[33];
	unsigned char key[32], mac[32];
	sqlite3_stmt *s = NULL;
	static const char name[] = "头条新闻";

	yq_store_author_hash(a, name, strlen(name), h1);
	yq_store_author_hash(a, name, strlen(name), h2);
	assert_string_equal(h1, h2);
	assert_int_equal(strlen(h1), 32);
	assert_int_equal(strspn(h1, "0123456789abcdef"), 32);
	yq_store_author_hash(b, name, strlen(name), other);
	assert_string_not_equal(h1, other);
	yq_store_author_hash(a, "头条新闻X", strlen(name), h3); /* n bytes only */
	assert_string_equal(h1, h3);

	/* exactly HMAC-SHA256 under the stored secret, first 16 bytes in hex */
	assert_int_equal(sqlite3_prepare_v2(yq_store_db(a),
		"SELECT value FROM meta WHERE key = 'author_secret'", -1, &s, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(s), SQLITE_ROW);
	assert_int_equal(sqlite3_column_bytes(s, 0), 32);
	memcpy(key, sqlite3_column_blob(s, 0), 32);
	sqlite3_finalize(s);
	crypto_auth_hmacsha256(mac, (const unsigned char *)name, strlen(name), key);
	for (int i = 0; i < 16; i++)
		snprintf(expect + 2 * i, 3, "%02x", mac[i]);
	assert_string_equal(h1, expect);

	yq_store_close(a);
	a = open_ok(p1); /* stable across reopen */
	yq_store_author_hash(a, name, strlen(name), h2);
	assert_string_equal(h1, h2);
	yq_store_close(a);
	yq_store_close(b);
}

/* The existence look-up of a database empty at open answers from the
 * filter of this connection's inserts only while no other connection has
 * committed; it must give SQLite's answer in every case. */
static void test_exists_filter(void **state)
{
	(void)state;
	const char *p = new_path();
	struct yq_store *a = open_ok(p);
	struct yq_post_rec r = sample("e1");
	assert_int_equal(yq_store_post_exists(a, "weibo", "e1"), 0); /* no transaction */
	assert_int_equal(yq_store_begin(a), 0);
	assert_int_equal(yq_store_post_exists(a, "weibo", "e1"), 0);
	assert_int_equal(yq_store_put_post(a, &r), 0);
	assert_int_equal(yq_store_post_exists(a, "weibo", "e1"), 1);
	assert_int_equal(yq_store_post_exists(a, "weibo", "e2"), 0);
	assert_int_equal(yq_store_post_exists(a, "other", "e1"), 0);
	assert_int_equal(yq_store_commit(a), 0);
	assert_int_equal(yq_store_post_exists(a, "weibo", "e1"), 1);

	/* another connection inserts e3 and commits */
	struct yq_store *b = open_ok(p);
	struct yq_post_rec r3 = sample("e3");
	assert_int_equal(yq_store_begin(b), 0);
	assert_int_equal(yq_store_put_post(b, &r3), 0);
	assert_int_equal(yq_store_commit(b), 0);
	yq_store_close(b);
	assert_int_equal(yq_store_post_exists(a, "weibo", "e3"), 1); /* outside a transaction */
	assert_int_equal(yq_store_begin(a), 0);
	assert_int_equal(yq_store_post_exists(a, "weibo", "e3"), 1); /* not one a inserted */
	assert_int_equal(yq_store_post_exists(a, "weibo", "e1"), 1);
	assert_int_equal(yq_store_post_exists(a, "weibo", "e4"), 0);
	assert_int_equal(yq_store_commit(a), 0);
	yq_store_close(a);

	/* a database with posts at open: SQLite answers */
	a = open_ok(p);
	assert_int_equal(yq_store_begin(a), 0);
	assert_int_equal(yq_store_post_exists(a, "weibo", "e3"), 1);
	assert_int_equal(yq_store_post_exists(a, "weibo", "e5"), 0);
	assert_int_equal(yq_store_commit(a), 0);
	yq_store_close(a);
}

static void test_events_alerts(void **state)
{
	struct yq_store *st = open_ok(new_path());
	struct yq_event_rec ev = {.id = 3, .title = "武汉封城", .keywords = "[\"武汉\",\"封城\"]",
				  .first_seen = 100, .last_seen = 200, .size = 5,
				  .timeline = "[[0,2,0],[3600,3,1]]", .state = "new",
				  .schemes = "[\"wuhan\"]", .negative_share = 0.125};
	int64_t id1 = 0, id2 = 0;

	assert_int_equal(yq_store_max_event_id(st), 0);
	assert_int_equal(yq_store_begin(st), 0);
	assert_int_equal(yq_store_put_event(st, &ev), 0);
	ev.id = 9;
	assert_int_equal(yq_store_put_event(st, &ev), 0);
	assert_int_equal(yq_store_max_event_id(st), 9);
	ev.id = 3;
	ev.size = 6;
	ev.state = "closed";
	assert_int_equal(yq_store_put_event(st, &ev), 0); /* replaces */
	assert_int_equal(yq_store_put_alert(st, 3, 150, "high", "{\"rate\":4.5}", &id1), 0);
	assert_int_equal(yq_store_put_alert(st, 9, 160, "low", "{}", &id2), 0);
	assert_int_equal(id1, 1);
	assert_int_equal(id2, 2);
	assert_int_equal(yq_store_put_alert(st, 0, 170, "low", "{}", NULL), 0);
	/* refused: an event that does not exist, a reason that is not JSON */
	assert_int_equal(yq_store_put_alert(st, 42, 170, "low", "{}", NULL), YQ_EDB);
	assert_non_null(strstr(yq_store_errmsg(st), "FOREIGN KEY"));
	assert_int_equal(yq_store_put_alert(st, 3, 170, "low", "{oops", NULL), YQ_EDB);
	assert_non_null(strstr(yq_store_errmsg(st), "CHECK"));
	ev.state = "maybe";
	assert_int_equal(yq_store_put_event(st, &ev), YQ_EDB);
	assert_int_equal(yq_store_commit(st), 0);

	assert_int_equal(count(st, "SELECT count(*) FROM events"), 2);
	assert_int_equal(count(st, "SELECT size FROM events WHERE id = 3 AND state = 'closed'"), 6);
	assert_int_equal(count(st, "SELECT count(*) FROM alerts"), 3);
	assert_int_equal(count(st, "SELECT count(*) FROM alerts WHERE event IS NULL"), 1);
	assert_int_equal(count(st, "SELECT reason ->> '$.rate' * 10 FROM alerts WHERE id = 1"), 45);
	assert_int_equal(count(st, "SELECT negative_share * 1000 FROM events WHERE id = 3"), 125);
	assert_int_equal(count(st, "SELECT schemes ->> '$[0]' = 'wuhan' FROM events WHERE id = 3"), 1);
	/* an event without rated posts stores no share */
	ev.id = 11;
	ev.state = "peak";
	ev.negative_share = -1;
	ev.schemes = NULL;
	assert_int_equal(yq_store_begin(st), 0);
	assert_int_equal(yq_store_put_event(st, &ev), 0);
	assert_int_equal(yq_store_commit(st), 0);
	assert_int_equal(count(st, "SELECT negative_share IS NULL AND schemes IS NULL FROM events WHERE id = 11"), 1);
	yq_store_close(st);
}

static void test_post_schemes(void **state)
{
	struct yq_store *st = open_ok(new_path());
	struct yq_post_rec r = sample("matched");
	r.sentiment = "negative";
	r.sentiment_prob = 0.75;
	assert_int_equal(yq_store_begin(st), 0);
	/* nothing inserted yet */
	assert_int_equal(yq_store_put_post_scheme(st, "s1", "[]"), YQ_EINVAL);
	assert_int_equal(yq_store_put_post(st, &r), 0);
	assert_int_equal(yq_store_put_post_scheme(st, "s1", "[{\"word\":\"停电\"}]"), 0);
	assert_int_equal(yq_store_put_post_scheme(st, "s2", "not json"), YQ_EDB);
	assert_int_equal(yq_store_commit(st), 0);
	assert_int_equal(count(st, "SELECT count(*) FROM post_schemes p JOIN posts q ON q.rowid = p.post"
				   " WHERE q.id = 'matched' AND p.scheme = 's1'"), 1);
	assert_int_equal(count(st, "SELECT sentiment = 'negative' AND sentiment_prob = 0.75 FROM posts"
				   " WHERE id = 'matched'"), 1);
	yq_store_close(st);
}

struct label_walk {
	char got[256];
	int calls, stop_at;
};

static int collect_label(void *ctx, const struct yq_label_rec *r)
{
	struct label_walk *w = ctx;
	size_t n = strlen(w->got);
	snprintf(w->got + n, sizeof w->got - n, "%s/%s:%s:%s:%s;", r->source, r->id,
		 r->title ? r->title : "-", r->text ? r->text : "-", r->label);
	return ++w->calls == w->stop_at ? YQ_ETOOBIG : 0;
}

static void test_labels(void **state)
{
	struct yq_store *st = open_ok(new_path());
	struct yq_post_rec r = sample("b");
	assert_int_equal(yq_store_begin(st), 0);
	assert_int_equal(yq_store_put_post(st, &r), 0);
	r.id = "a";
	r.title = NULL;
	assert_int_equal(yq_store_put_post(st, &r), 0);
	assert_int_equal(yq_store_commit(st), 0);
	/* autocommit, relabelling replaces */
	assert_int_equal(yq_store_put_label(st, "weibo", "b", "sentiment", "positive", 100), 0);
	assert_int_equal(yq_store_put_label(st, "weibo", "b", "sentiment", "negative", 200), 0);
	assert_int_equal(yq_store_put_label(st, "weibo", "a", "sentiment", "neutral", 300), 0);
	assert_int_equal(yq_store_put_label(st, "weibo", "a", "category", "卫生计生", 300), 0);
	assert_int_equal(yq_store_put_label(st, "weibo", "zz", "sentiment", "neutral", 1), YQ_ENOTFOUND);
	assert_int_equal(yq_store_put_label(st, "rss", "a", "sentiment", "neutral", 1), YQ_ENOTFOUND);
	assert_int_equal(yq_store_put_label(st, "weibo", "a", "topic", "x", 1), YQ_EINVAL);
	assert_int_equal(yq_store_put_label(st, "weibo", "a", "sentiment", "", 1), YQ_EINVAL);
	assert_int_equal(count(st, "SELECT count(*) FROM labels"), 3);
	assert_int_equal(count(st, "SELECT time FROM labels WHERE id = 'b'"), 200);
	struct label_walk w = {{0}, 0, 0};
	assert_int_equal(yq_store_each_label(st, "sentiment", collect_label, &w), 0);
	assert_string_equal(w.got, "weibo/a:-:武汉加油 Wuhan!:neutral;"
				   "weibo/b:标题:武汉加油 Wuhan!:negative;");
	struct label_walk c = {{0}, 0, 0};
	assert_int_equal(yq_store_each_label(st, "category", collect_label, &c), 0);
	assert_string_equal(c.got, "weibo/a:-:武汉加油 Wuhan!:卫生计生;");
	/* the callback's code stops the walk; the statement is usable again */
	struct label_walk s = {{0}, 0, 1};
	assert_int_equal(yq_store_each_label(st, "sentiment", collect_label, &s), YQ_ETOOBIG);
	assert_int_equal(s.calls, 1);
	struct label_walk again = {{0}, 0, 0};
	assert_int_equal(yq_store_each_label(st, "sentiment", collect_label, &again), 0);
	assert_int_equal(again.calls, 2);
	yq_store_close(st);
}

static void test_rollback_on_close(void **state)
{
	const char *p = new_path();
	struct yq_store *st = open_ok(p);
	struct yq_post_rec r = sample("kept");

	assert_int_equal(yq_store_put_post(st, &r), 0);
	assert_int_equal(yq_store_begin(st), 0);
	r.id = "lost";
	assert_int_equal(yq_store_put_post(st, &r), 0);
	yq_store_close(st); /* no commit */
	st = open_ok(p);
	assert_int_equal(yq_store_post_exists(st, "weibo", "kept"), 1);
	assert_int_equal(yq_store_post_exists(st, "weibo", "lost"), 0);
	assert_int_equal(count(st, "SELECT count(*) FROM posts_fts_docsize"), 1);
	yq_store_close(st);
}

static void test_missing_identity(void **state)
{
	struct yq_store *st = open_ok(new_path());
	struct yq_post_rec r = sample(NULL);

	assert_int_equal(yq_store_put_post(st, &r), YQ_EDB);
	assert_non_null(strstr(yq_store_errmsg(st), "NOT NULL"));
	assert_int_equal(count(st, "SELECT count(*) FROM posts"), 0);
	yq_store_close(st);
}

static void test_newer_schema_refused(void **state)
{
	const char *p = new_path();
	struct yq_store *st = open_ok(p);
	struct yq_buf err = YQ_BUF_INIT;

	assert_int_equal(sqlite3_exec(yq_store_db(st), "PRAGMA user_version = 99",
				      NULL, NULL, NULL), SQLITE_OK);
	yq_store_close(st);
	st = NULL;
	assert_int_equal(yq_store_open(p, seg, &st, &err), YQ_EDB);
	assert_null(st);
	assert_non_null(strstr(err.s, "schema version 99 is newer than this program's (1)"));
	assert_non_null(strstr(err.s, p));
	yq_buf_release(&err);
}

static void test_not_a_database(void **state)
{
	const char *p = new_path();
	struct yq_store *st = NULL;
	struct yq_buf err = YQ_BUF_INIT;
	FILE *f = fopen(p, "w");

	assert_non_null(f);
	for (int i = 0; i < 200; i++)
		fputs("this is not an SQLite database file\n", f);
	fclose(f);
	assert_int_equal(yq_store_open(p, seg, &st, &err), YQ_EDB);
	assert_null(st);
	assert_non_null(strstr(err.s, "not a database"));
	yq_buf_release(&err);
}

/* A full disk, simulated with max_page_count: every put fails with YQ_EDB
 * and SQLite's message, and what was committed before stays readable. */
static void test_disk_full(void **state)
{
	struct yq_store *st = open_ok(new_path());
	char id[32], text[2048];
	struct yq_post_rec r = sample(NULL);
	int rc = 0, i, pages;

	memset(text, 'x', sizeof text - 1);
	text[sizeof text - 1] = '\0';
	r.text = text;
	pages = (int)count(st, "PRAGMA page_count");
	assert_true(pages > 0);
	assert_int_equal(count(st, "PRAGMA max_page_count = 40"), 40);
	for (i = 0; i < 1000 && rc == 0; i++) {
		snprintf(id, sizeof id, "f%d", i);
		r.id = id;
		rc = yq_store_put_post(st, &r);
	}
	assert_int_equal(rc, YQ_EDB);
	assert_true(i > 1 && i < 1000);
	assert_int_equal(sqlite3_extended_errcode(yq_store_db(st)), SQLITE_FULL);
	assert_non_null(strstr(yq_store_errmsg(st), "full"));
	assert_int_equal(count(st, "SELECT count(*) FROM posts"), i - 1);
	assert_int_equal(count(st, "SELECT count(*) FROM posts_fts_docsize"), i - 1);
	/* inside a transaction the same; the store stays usable */
	assert_int_equal(yq_store_begin(st), 0);
	assert_int_equal(yq_store_put_post(st, &r), YQ_EDB);
	yq_store_close(st);
}

/* A process killed in the middle of a transaction leaves the database as
 * of its last commit. */
static void test_killed_mid_transaction(void **state)
{
	const char *p = new_path();
	struct yq_store *st;
	int status = 0;
	pid_t pid = fork();

	assert_true(pid >= 0);
	if (pid == 0) {
		struct yq_buf err = YQ_BUF_INIT;
		struct yq_post_rec r = sample("committed");
		if (yq_store_open(p, seg, &st, &err) < 0 || yq_store_begin(st) < 0 ||
		    yq_store_put_post(st, &r) != 0 || yq_store_commit(st) < 0)
			_exit(3);
		r.id = "uncommitted";
		if (yq_store_begin(st) < 0 || yq_store_put_post(st, &r) != 0)
			_exit(4);
		raise(SIGKILL);
		_exit(5);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
	st = open_ok(p);
	assert_int_equal(yq_store_post_exists(st, "weibo", "committed"), 1);
	assert_int_equal(yq_store_post_exists(st, "weibo", "uncommitted"), 0);
	assert_int_equal(count(st, "SELECT count(*) FROM posts_fts WHERE posts_fts MATCH 'wuhan'"), 1);
	assert_int_equal(count(st, "SELECT count(*) FROM pragma_integrity_check"
				   " WHERE integrity_check = 'ok'"), 1);
	yq_store_close(st);
}

/* A string over the 16 MiB cap is refused with SQLite's message. */
static void test_too_big(void **state)
{
	struct yq_store *st = open_ok(new_path());
	struct yq_post_rec r = sample("big");
	size_t n = (16u << 20) + 1;
	char *big = malloc(n + 1);

	assert_non_null(big);
	memset(big, 'a', n);
	big[n] = '\0';
	r.text = big;
	assert_int_equal(yq_store_put_post(st, &r), YQ_EDB);
	assert_non_null(strstr(yq_store_errmsg(st), "too big"));
	assert_int_equal(yq_store_post_exists(st, "weibo", "big"), 0);
	free(big);
	yq_store_close(st);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_put_twice),
		cmocka_unit_test(test_reopen_read_back),
		cmocka_unit_test(test_author_hash),
		cmocka_unit_test(test_exists_filter),
		cmocka_unit_test(test_events_alerts),
		cmocka_unit_test(test_post_schemes),
		cmocka_unit_test(test_labels),
		cmocka_unit_test(test_rollback_on_close),
		cmocka_unit_test(test_missing_identity),
		cmocka_unit_test(test_newer_schema_refused),
		cmocka_unit_test(test_not_a_database),
		cmocka_unit_test(test_disk_full),
		cmocka_unit_test(test_killed_mid_transaction),
		cmocka_unit_test(test_too_big),
	};
	return cmocka_run_group_tests(tests, setup_all, teardown_all);
}
