/* test_fts_tokenizer.c — the "yuqing" FTS5 tokenizer through the store:
 * 2,000 real Weibo posts ($YQ_DATA/weibo_covid/posts.tsv.gz, raw text as
 * norm), MATCH against LIKE for Chinese words of 1, 2, 4 and 6+ characters,
 * a Latin word in any case, the indexed tokens of a fixture (with and
 * without the option "words"), highlight() offsets, invalid UTF-8, a prefix
 * query, and the tokens hint. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "base/error.h"
#include "collect/lines.h"
#include "store/fts_tokenizer.h"
#include "store/store.h"
#include "text/tokenize.h"

#define NPOSTS 2000

static struct yq_segmenter *seg;
static struct yq_store *st;
static char dir[64];

static int64_t count1(const char *sql, const char *arg)
{
	sqlite3_stmt *s = NULL;
	int64_t n = -1;
	int rc = sqlite3_prepare_v2(yq_store_db(st), sql, -1, &s, NULL);
	if (rc != SQLITE_OK)
		fprintf(stderr, "%s: %s\n", sql, sqlite3_errmsg(yq_store_db(st)));
	assert_int_equal(rc, SQLITE_OK);
	if (arg)
		sqlite3_bind_text(s, 1, arg, -1, SQLITE_TRANSIENT);
	rc = sqlite3_step(s);
	if (rc != SQLITE_ROW)
		fprintf(stderr, "%s: %s\n", sql, sqlite3_errmsg(yq_store_db(st)));
	assert_int_equal(rc, SQLITE_ROW);
	n = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	return n;
}

/* Rows whose norm matches the FTS5 query q. */
static int64_t n_match(const char *q)
{
	return count1("SELECT count(*) FROM posts_fts WHERE posts_fts MATCH ?1", q);
}

/* Rows (real posts only) whose norm contains w as a substring. */
static int64_t n_like(const char *w)
{
	return count1("SELECT count(*) FROM posts WHERE source = 'weibo_covid'"
		      " AND instr(norm, ?1) > 0", w);
}

/* Loads the first NPOSTS posts of the Weibo COVID set (id, date, userid,
 * text; a header line first). */
static int load_posts(void)
{
	char path[1024];
	const char *data = getenv("YQ_DATA");
	struct yq_lines *l = NULL;
	struct yq_buf line = YQ_BUF_INIT;
	size_t lineno = 0;
	int n = 0, rc;

	snprintf(path, sizeof path, "%s/weibo_covid/posts.tsv.gz", data ? data : ".");
	if (yq_lines_open(path, &l) < 0) {
		fprintf(stderr, "cannot open %s\n", path);
		return -1;
	}
	if (yq_store_begin(st) < 0)
		return -1;
	while (n < NPOSTS && (rc = yq_lines_next(l, &line, &lineno)) != YQ_EEOF) {
		char *f[4], *p = line.s;
		int k;
		if (rc < 0 || lineno == 1)
			continue;
		for (k = 0; k < 4 && p; k++) {
			f[k] = p;
			p = strchr(p, '\t');
			if (p)
				*p++ = '\0';
		}
		if (k < 4)
			continue;
		struct yq_post_rec r = {0};
		r.source = "weibo_covid";
		r.id = f[0];
		r.text = f[3];
		r.norm = f[3];
		r.reposts = r.comments = r.likes = -1;
		rc = yq_store_put_post(st, &r);
		if (rc < 0) {
			fprintf(stderr, "line %zu: %s\n", lineno, yq_store_errmsg(st));
			break;
		}
		n += rc == 0;
	}
	yq_buf_release(&line);
	yq_lines_close(l);
	if (yq_store_commit(st) < 0)
		return -1;
	return n == NPOSTS ? 0 : -1;
}

static int setup_all(void **state)
{
	struct yq_buf err = YQ_BUF_INIT;
	char path[128];
	int rc;

	strcpy(dir, "/tmp/yq_test_fts_XXXXXX");
	if (!mkdtemp(dir))
		return -1;
	snprintf(path, sizeof path, "%s/fts.db", dir);
	rc = yq_segmenter_new(NULL, &seg, &err);
	if (rc == 0)
		rc = yq_store_open(path, seg, &st, &err);
	if (rc < 0)
		fprintf(stderr, "setup: %s\n", err.s);
	yq_buf_release(&err);
	if (rc == 0)
		rc = load_posts();
	return rc;
}

static int teardown_all(void **state)
{
	char cmd[128];
	yq_store_close(st);
	yq_segmenter_free(seg);
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

static void put(const char *id, const char *norm)
{
	struct yq_post_rec r = {0};
	r.source = "fixture";
	r.id = id;
	r.norm = norm;
	r.reposts = r.comments = r.likes = -1;
	assert_int_equal(yq_store_put_post(st, &r), 0);
}

static void test_loaded(void **state)
{
	struct yq_post_rec r = {0};

	assert_int_equal(count1("SELECT count(*) FROM posts", NULL), NPOSTS);
	assert_int_equal(count1("SELECT count(*) FROM posts_fts_docsize", NULL), NPOSTS);
	/* the first real post again: existed, nothing stored or indexed twice */
	r.source = "weibo_covid";
	r.id = "w32";
	r.norm = "另一个文本";
	assert_int_equal(yq_store_put_post(st, &r), 1);
	assert_int_equal(count1("SELECT count(*) FROM posts", NULL), NPOSTS);
	assert_int_equal(count1("SELECT count(*) FROM posts_fts_docsize", NULL), NPOSTS);
	assert_int_equal(n_match("另一个文本"), 0);
}

/* Chinese words of 1, 2, 4, 6 and 7 characters: exactly the rows that
 * contain them, whatever the segmenter made of their context. */
static void test_chinese_substrings(void **state)
{
	static const char *const words[] = {
		"疫", "肺", "武汉", "口罩", "确诊", "新型冠状", "医护人员",
		"新型冠状病毒", "世界卫生组织", "卫生健康委员会",
	};
	for (size_t i = 0; i < sizeof words / sizeof words[0]; i++) {
		int64_t like = n_like(words[i]), match = n_match(words[i]);
		if (like != match)
			fprintf(stderr, "%s: LIKE %lld, MATCH %lld\n", words[i],
				(long long)like, (long long)match);
		assert_true(like >= 3);
		assert_int_equal(match, like);
	}
}

/* Is the ASCII byte c a letter or digit? */
static int alnum(char c)
{
	return (c >= '0' && c <= '9') || ((c | 32) >= 'a' && (c | 32) <= 'z');
}

/* Rows containing the ASCII word w (any case) not glued to other letters
 * or digits: the reference for a Latin MATCH. */
static int64_t n_word(const char *w)
{
	sqlite3_stmt *s = NULL;
	int64_t n = 0;
	size_t wl = strlen(w);

	assert_int_equal(sqlite3_prepare_v2(yq_store_db(st),
		"SELECT norm FROM posts WHERE source = 'weibo_covid'", -1, &s, NULL), SQLITE_OK);
	while (sqlite3_step(s) == SQLITE_ROW) {
		const char *t = (const char *)sqlite3_column_text(s, 0);
		size_t tl = strlen(t);
		for (size_t i = 0; i + wl <= tl; i++) {
			if (strncasecmp(t + i, w, wl) == 0 && (i == 0 || !alnum(t[i - 1])) &&
			    (i + wl == tl || !alnum(t[i + wl]))) {
				n++;
				break;
			}
		}
	}
	sqlite3_finalize(s);
	return n;
}

static void test_latin_case_insensitive(void **state)
{
	int64_t ref = n_word("sars");
	assert_true(ref >= 40);
	assert_int_equal(n_match("sars"), ref);
	assert_int_equal(n_match("SARS"), ref);
	assert_int_equal(n_match("SaRs"), ref);
	assert_int_equal(n_match("ncov"), n_word("ncov"));
}

/* "term@position " for every token of document rowid in FTS table tbl. */
static void vocab(const char *tbl, int64_t rowid, struct yq_buf *out)
{
	char sql[256];
	sqlite3_stmt *s = NULL;
	sqlite3 *db = yq_store_db(st);

	snprintf(sql, sizeof sql, "CREATE VIRTUAL TABLE temp.vocab USING"
		 " fts5vocab(%s, instance)", tbl);
	assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, "SELECT term, offset FROM temp.vocab"
		" WHERE doc = ?1 ORDER BY offset, term", -1, &s, NULL), SQLITE_OK);
	sqlite3_bind_int64(s, 1, rowid);
	while (sqlite3_step(s) == SQLITE_ROW)
		yq_buf_printf(out, "%s@%d ", sqlite3_column_text(s, 0), sqlite3_column_int(s, 1));
	sqlite3_finalize(s);
	assert_int_equal(sqlite3_exec(db, "DROP TABLE temp.vocab", NULL, NULL, NULL), SQLITE_OK);
}

/* The indexed tokens of a fixture, with their positions: pieces and gaps in
 * posts_fts, and whole tokens colocated too with the option "words". */
static void test_indexed_tokens(void **state)
{
	static const char fixture[] = "武汉 Hello COVID-19, #疫情# [泪]";
	struct yq_buf got = YQ_BUF_INIT;
	sqlite3 *db = yq_store_db(st);
	int64_t rowid;

	assert_int_equal(yq_store_begin(st), 0);
	put("vocab", fixture);
	assert_int_equal(yq_store_commit(st), 0);
	rowid = count1("SELECT rowid FROM posts WHERE id = 'vocab'", NULL);
	vocab("main, posts_fts", rowid, &got);
	assert_string_equal(got.s, "武@0 汉@1  @2 hello@3  @4 covid@5  @6 19@7  @8 "
				   "疫@9 情@10  @11 泪@12 ");

	yq_buf_reset(&got);
	assert_int_equal(sqlite3_exec(db, "CREATE VIRTUAL TABLE temp.w USING fts5(x,"
		" tokenize = 'yuqing words'); INSERT INTO temp.w(rowid, x) SELECT rowid,"
		" norm FROM posts WHERE id = 'vocab'", NULL, NULL, NULL), SQLITE_OK);
	vocab("temp, w", rowid, &got);
	assert_string_equal(got.s, "武@0 武汉@0 汉@1  @2 hello@3  @4 covid@5 covid-19@5  @6 "
				   "19@7  @8 #疫情#@9 疫@9 情@10  @11 [泪]@12 泪@12 ");
	/* the same query results with and without the option */
	assert_int_equal(count1("SELECT count(*) FROM temp.w WHERE w MATCH ?1", "\"covid-19\""), 1);
	assert_int_equal(count1("SELECT count(*) FROM temp.w WHERE w MATCH ?1", "汉"), 1);
	assert_int_equal(count1("SELECT count(*) FROM temp.w WHERE w MATCH ?1", "疫情"), 1);
	assert_int_equal(count1("SELECT count(*) FROM temp.w WHERE w MATCH ?1", "情泪"), 0);
	assert_int_equal(sqlite3_exec(db, "DROP TABLE temp.w", NULL, NULL, NULL), SQLITE_OK);

	/* an unknown option is refused */
	assert_int_not_equal(sqlite3_exec(db, "CREATE VIRTUAL TABLE temp.bad USING fts5(x,"
		" tokenize = 'yuqing fast')", NULL, NULL, NULL), SQLITE_OK);
	yq_buf_release(&got);
}

static void test_phrases_and_offsets(void **state)
{
	sqlite3_stmt *s = NULL;

	assert_int_equal(yq_store_begin(st), 0);
	put("hl", "据报道：武汉市新增确诊病例，COVID-19 蔓延");
	/* invalid UTF-8 (a lone continuation byte and a truncated sequence) */
	put("bad", "前\x80后\xe6\x96 武汉ABC");
	assert_int_equal(yq_store_commit(st), 0);

	assert_int_equal(sqlite3_prepare_v2(yq_store_db(st),
		"SELECT highlight(posts_fts, 0, '[', ']') FROM posts_fts"
		" WHERE posts_fts MATCH ?1 AND rowid = (SELECT rowid FROM posts WHERE id = ?2)",
		-1, &s, NULL), SQLITE_OK);
	sqlite3_bind_text(s, 1, "武汉市新增", -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, "hl", -1, SQLITE_STATIC);
	assert_int_equal(sqlite3_step(s), SQLITE_ROW);
	assert_string_equal(sqlite3_column_text(s, 0), "据报道：[武汉市新增]确诊病例，COVID-19 蔓延");
	sqlite3_reset(s);
	sqlite3_bind_text(s, 1, "\"covid-19\"", -1, SQLITE_STATIC);
	assert_int_equal(sqlite3_step(s), SQLITE_ROW);
	assert_string_equal(sqlite3_column_text(s, 0), "据报道：武汉市新增确诊病例，[COVID-19] 蔓延");
	sqlite3_reset(s);
	sqlite3_bind_text(s, 1, "汉abc", -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, "bad", -1, SQLITE_STATIC);
	assert_int_equal(sqlite3_step(s), SQLITE_ROW);
	assert_memory_equal(sqlite3_column_text(s, 0), "前\x80后\xe6\x96 武[汉ABC]", 21);
	sqlite3_reset(s);
	sqlite3_bind_text(s, 1, "\"前 后\"", -1, SQLITE_STATIC);
	assert_int_equal(sqlite3_step(s), SQLITE_ROW);
	assert_memory_equal(sqlite3_column_text(s, 0), "[前\x80后]\xe6\x96 武汉ABC", 21);
	sqlite3_reset(s);
	sqlite3_bind_text(s, 1, "前后", -1, SQLITE_STATIC); /* not adjacent */
	assert_int_equal(sqlite3_step(s), SQLITE_DONE);
	sqlite3_finalize(s);

	/* a phrase does not run across punctuation, but a query gap matches it */
	assert_int_equal(count1("SELECT count(*) FROM posts_fts WHERE posts_fts MATCH ?1"
				" AND rowid = (SELECT rowid FROM posts WHERE id = 'hl')", "例covid"), 0);
	assert_int_equal(count1("SELECT count(*) FROM posts_fts WHERE posts_fts MATCH ?1"
				" AND rowid = (SELECT rowid FROM posts WHERE id = 'hl')",
				"\"例 covid\""), 1);
	/* prefix query on a Latin piece */
	assert_int_equal(count1("SELECT count(*) FROM posts_fts WHERE posts_fts MATCH ?1"
				" AND rowid = (SELECT rowid FROM posts WHERE id = 'hl')", "covi*"), 1);
	assert_int_equal(n_match("武汉市新增确诊病例"), 1 + n_like("武汉市新增确诊病例"));
}

/* The hint: used only for exactly the hinted bytes, and through put_post's
 * norm_tokens it indexes what tokenizing would have. */
static void test_hint(void **state)
{
	sqlite3 *db = NULL;
	struct yq_fts_ctx *ctx = NULL;
	struct yq_seg_work w = {0};
	struct yq_tokens toks = {0};
	struct yq_token fake = {0, 6, YQ_TOK_WORD}; /* "武汉" only */
	struct yq_tokens faked = {0};
	static const char a[] = "武汉加油";
	struct yq_buf plain = YQ_BUF_INIT, hinted = YQ_BUF_INIT;
	struct yq_post_rec r = {0};
	int64_t rowid;

	faked.v = &fake;
	faked.n = faked.cap = 1;
	assert_int_equal(sqlite3_open(":memory:", &db), SQLITE_OK);
	assert_int_equal(yq_fts_register(db, seg, &ctx), 0);
	assert_non_null(ctx);
	assert_int_equal(sqlite3_exec(db, "CREATE VIRTUAL TABLE t USING fts5(x, tokenize = yuqing)",
				      NULL, NULL, NULL), SQLITE_OK);
	yq_fts_hint(ctx, a, strlen(a), &faked);
	assert_int_equal(sqlite3_exec(db, "INSERT INTO t(rowid, x) VALUES (1, '武汉加油'),"
				      " (2, '武汉加油!')", NULL, NULL, NULL), SQLITE_OK);
	yq_fts_hint(ctx, NULL, 0, NULL);
	{
		sqlite3_stmt *s = NULL;
		assert_int_equal(sqlite3_prepare_v2(db, "SELECT group_concat(rowid) FROM t"
			" WHERE t MATCH '加油'", -1, &s, NULL), SQLITE_OK);
		assert_int_equal(sqlite3_step(s), SQLITE_ROW);
		/* row 1 was indexed from the fake tokens (no 加油), row 2 was not */
		assert_string_equal(sqlite3_column_text(s, 0), "2");
		sqlite3_finalize(s);
	}
	sqlite3_close(db);

	/* through the store: the same index entries as without the hint */
	assert_int_equal(yq_tokenize(seg, &w, a, strlen(a), &toks), 0);
	assert_int_equal(yq_store_begin(st), 0);
	put("nohint", a);
	r.source = "fixture";
	r.id = "hint";
	r.norm = a;
	r.reposts = r.comments = r.likes = -1;
	r.norm_tokens = &toks;
	assert_int_equal(yq_store_put_post(st, &r), 0);
	assert_int_equal(yq_store_commit(st), 0);
	rowid = count1("SELECT rowid FROM posts WHERE id = 'nohint'", NULL);
	vocab("main, posts_fts", rowid, &plain);
	rowid = count1("SELECT rowid FROM posts WHERE id = 'hint'", NULL);
	vocab("main, posts_fts", rowid, &hinted);
	assert_string_equal(plain.s, "武@0 汉@1 加@2 油@3 ");
	assert_string_equal(hinted.s, plain.s);
	yq_buf_release(&plain);
	yq_buf_release(&hinted);
	yq_tokens_release(&toks);
	yq_seg_work_release(&w);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_loaded),
		cmocka_unit_test(test_chinese_substrings),
		cmocka_unit_test(test_latin_case_insensitive),
		cmocka_unit_test(test_indexed_tokens),
		cmocka_unit_test(test_phrases_and_offsets),
		cmocka_unit_test(test_hint),
	};
	return cmocka_run_group_tests(tests, setup_all, teardown_all);
}
