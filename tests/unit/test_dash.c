/*
 * test_dash.c — the dashboard's per-hour counts (serve/api_dash.c): after
 * yq_dash_init on a database with posts, and after inserts, updates of time
 * and sentiment, and deletes, dash_hours equals a GROUP BY over the posts
 * (the invariant the overview relies on); a second init changes nothing;
 * and the static files' root follows the configuration (serve/static.c).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/error.h"
#include "serve/internal.h"
#include "serve/static.h"

/* differences: rows where dash_hours and the posts disagree (0: equal) */
static int64_t differences(sqlite3 *db)
{
	sqlite3_stmt *st;
	int64_t n = -1;
	const char *sql =
		"WITH g AS (SELECT time / 3600 AS hour, coalesce(sentiment, '') AS s, count(*) AS n"
		" FROM posts WHERE time IS NOT NULL GROUP BY 1, 2),"
		" d AS (SELECT hour, sentiment AS s, posts AS n FROM dash_hours WHERE posts != 0)"
		" SELECT (SELECT count(*) FROM (SELECT * FROM g EXCEPT SELECT * FROM d))"
		" + (SELECT count(*) FROM (SELECT * FROM d EXCEPT SELECT * FROM g))";
	assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
	if (sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return n;
}

static int64_t one(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *st;
	int64_t n = -1;
	assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
	if (sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return n;
}

static void exec(sqlite3 *db, const char *sql)
{
	char *msg = NULL;
	int rc = sqlite3_exec(db, sql, NULL, NULL, &msg);
	if (rc != SQLITE_OK)
		fail_msg("%s: %s", sql, msg ? msg : "?");
	sqlite3_free(msg);
}

static void test_counts_follow_the_posts(void **state)
{
	sqlite3 *db;
	struct yq_buf err = YQ_BUF_INIT;
	(void)state;
	assert_int_equal(sqlite3_open(":memory:", &db), SQLITE_OK);
	exec(db, "CREATE TABLE posts(rowid INTEGER PRIMARY KEY, id TEXT, time INTEGER,"
		 " sentiment TEXT); CREATE TABLE events(id INTEGER PRIMARY KEY, state TEXT)");
	/* posts stored before the first start: 3 hours, a post without time */
	exec(db, "INSERT INTO posts(id, time, sentiment) VALUES"
		 " ('a', 1579536000, 'negative'), ('b', 1579536001, 'negative'),"
		 " ('c', 1579539600, 'positive'), ('d', 1579543200, NULL), ('e', NULL, 'neutral')");
	assert_int_equal(yq_dash_init(db, &err), YQ_OK);
	assert_int_equal(differences(db), 0);
	assert_int_equal(one(db, "SELECT posts FROM dash_hours WHERE hour = 438760 AND sentiment = 'negative'"), 2);
	assert_int_equal(one(db, "SELECT sum(posts) FROM dash_hours"), 4); /* 'e' has no time */
	/* a second start finds the table and leaves it alone */
	assert_int_equal(yq_dash_init(db, &err), YQ_OK);
	assert_int_equal(one(db, "SELECT sum(posts) FROM dash_hours"), 4);
	/* the writer goes on: inserts, a sentiment rated later, a time fixed, deletes */
	exec(db, "INSERT INTO posts(id, time, sentiment) VALUES ('f', 1579536500, 'negative'),"
		 " ('g', NULL, NULL), ('h', 1579600000, 'neutral')");
	assert_int_equal(differences(db), 0);
	exec(db, "UPDATE posts SET sentiment = 'positive' WHERE id = 'd'");
	assert_int_equal(differences(db), 0);
	exec(db, "UPDATE posts SET time = 1579700000 WHERE id = 'g'");
	exec(db, "UPDATE posts SET time = NULL WHERE id = 'a'");
	assert_int_equal(differences(db), 0);
	exec(db, "DELETE FROM posts WHERE id IN ('b', 'h', 'e')");
	assert_int_equal(differences(db), 0);
	assert_int_equal(one(db, "SELECT sum(posts) FROM dash_hours"),
			 one(db, "SELECT count(*) FROM posts WHERE time IS NOT NULL"));
	assert_int_equal(one(db, "SELECT sum(posts) FROM dash_hours"), 4); /* c d f g */
	yq_buf_release(&err);
	sqlite3_close(db);
}

static void test_static_root(void **state)
{
	struct yq_serve_config cfg;
	char out[64];
	(void)state;
	memset(&cfg, 0, sizeof cfg);
	cfg.web = "/srv/yuqing/web";
	assert_int_equal(yq_static_root(&cfg, out, sizeof out), YQ_OK);
	assert_string_equal(out, "/srv/yuqing/web");
	cfg.web = "none";
	assert_int_equal(yq_static_root(&cfg, out, sizeof out), YQ_ENOTFOUND);
	cfg.web = "/a/path/longer/than/the/sixty/four/bytes/of/the/buffer/given/here/x";
	assert_int_equal(yq_static_root(&cfg, out, sizeof out), YQ_ENOTFOUND);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_counts_follow_the_posts),
		cmocka_unit_test(test_static_root),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
