/* test_messages.c — citizens' messages (messages/messages.h): the quantile
 * (numpy's linear rule), the timeliness formula, the completeness cues, the
 * routing table (and a malformed one), the store flow on a temporary
 * database (put, idempotent re-put that only fills in, redaction by
 * viewer, reply scores, the category decision as a label, audit entries),
 * relevance of identical and unrelated texts, and statistics periods
 * (ISO weeks across a year end, quarters, per-department and 全部 rows);
 * the case workflow's departments registry preferred when present. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "auth/audit.h"
#include "base/error.h"
#include "collect/ptime.h"
#include "messages/messages.h"
#include "store/store.h"
#include "text/segment.h"

static char dir[64];
static struct yq_segmenter *seg;
static struct yq_store *st;
static struct yq_msg_env *env;
static struct yq_tz *tz;

static void write_file(const char *path, const char *s)
{
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs(s, f);
	fclose(f);
}

static int setup(void **state)
{
	char path[128], routes[128];
	struct yq_buf err = YQ_BUF_INIT, note = YQ_BUF_INIT;
	strcpy(dir, "/tmp/yq_test_messages_XXXXXX");
	if (!mkdtemp(dir))
		return -1;
	snprintf(path, sizeof path, "%s/a.db", dir);
	snprintf(routes, sizeof routes, "%s/routing.tsv", dir);
	write_file(routes, "# fixture\n环境保护\t生态环境局\n\n城乡建设\t住房和城乡建设局\n");
	struct yq_msg_env_config c = {.routing = routes, .model = ""};
	int rc = yq_segmenter_new_analysis(&seg, &err, &note) ||
		 yq_store_open(path, seg, &st, &err) || yq_msg_init(yq_store_db(st)) ||
		 yq_audit_init(yq_store_db(st)) || (c.seg = seg, yq_msg_env_new(&c, &env, &err)) ||
		 yq_tz_open("Asia/Shanghai", &tz);
	if (rc)
		fprintf(stderr, "setup: %s\n", err.s);
	yq_buf_release(&err);
	yq_buf_release(&note);
	return rc ? -1 : 0;
}

static int teardown(void **state)
{
	char cmd[128];
	yq_msg_env_free(env);
	yq_store_close(st);
	yq_segmenter_free(seg);
	yq_tz_free(tz);
	snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
	return system(cmd) == 0 ? 0 : -1;
}

static void test_quantile(void **state)
{
	double v[] = {1, 2, 3, 4};
	assert_true(fabs(yq_msg_quantile(v, 4, 0.5) - 2.5) < 1e-12);
	assert_true(fabs(yq_msg_quantile(v, 4, 0.9) - 3.7) < 1e-12);
	assert_true(fabs(yq_msg_quantile(v, 1, 0.9) - 1) < 1e-12);
	assert_true(isnan(yq_msg_quantile(v, 0, 0.5)));
}

static void test_timeliness(void **state)
{
	assert_true(fabs(yq_msg_timeliness(0, 360) - 1) < 1e-12);
	assert_true(fabs(yq_msg_timeliness(180, 360) - 0.75) < 1e-12);
	assert_true(fabs(yq_msg_timeliness(360, 360) - 0.5) < 1e-12);
	assert_true(fabs(yq_msg_timeliness(540, 360) - 0.25) < 1e-12);
	assert_true(yq_msg_timeliness(720, 360) == 0);
	assert_true(yq_msg_timeliness(5000, 360) == 0);
	assert_true(fabs(yq_msg_timeliness(-3, 360) - 1) < 1e-12);
}

static void test_cues(void **state)
{
	assert_int_equal(yq_msg_completeness_cues("已责令该单位整改"), 1);
	assert_int_equal(yq_msg_completeness_cues("预计年底前完成"), 2);
	assert_int_equal(yq_msg_completeness_cues("将在5月10日前完成"), 2);
	assert_int_equal(yq_msg_completeness_cues("请拨打0731-88889999"), 4);
	assert_int_equal(yq_msg_completeness_cues("如有疑问请联系我们"), 4);
	assert_int_equal(yq_msg_completeness_cues("感谢您的来信"), 0);
	assert_int_equal(yq_msg_completeness_cues("经核查已修复，目前正常，电话12345"), 7);
	assert_int_equal(yq_msg_completeness_cues(NULL), 0);
}

static void test_mask(void **state)
{
	char a[] = "请回复邮箱：ing.x_1@qq.com或电话138 0013 8000，谢谢。2019年8月16日 工号12345";
	yq_msg_mask_contacts(a);
	assert_string_equal(a, "请回复邮箱：**************或电话*** **** ****，谢谢。2019年8月16日 工号12345");
	char b[] = "@某某 说 a@b 不是地址，0731-84567890 是";
	yq_msg_mask_contacts(b);
	assert_string_equal(b, "@某某 说 a@b 不是地址，****-******** 是");
}

static void test_routes(void **state)
{
	char bad[128];
	struct yq_msg_env *e = NULL;
	struct yq_buf err = YQ_BUF_INIT;
	assert_string_equal(yq_msg_route(env, "环境保护"), "生态环境局");
	assert_string_equal(yq_msg_route(env, "城乡建设"), "住房和城乡建设局");
	assert_null(yq_msg_route(env, "卫生计生"));
	assert_null(yq_msg_route(env, NULL));
	snprintf(bad, sizeof bad, "%s/bad.tsv", dir);
	write_file(bad, "环境保护\t生态环境局\n没有部门\n");
	struct yq_msg_env_config c = {.routing = bad, .model = "", .seg = seg};
	assert_int_equal(yq_msg_env_new(&c, &e, &err), YQ_EFORMAT);
	assert_null(e);
	assert_non_null(strstr(err.s, "bad.tsv:2:"));
	yq_buf_release(&err);
}

/* the case workflow's registry wins over the routing table when present */
static void test_registry(void **state)
{
	sqlite3 *db = yq_store_db(st);
	assert_string_equal(yq_msg_route_db(env, db, "城乡建设"), "住房和城乡建设局");
	assert_int_equal(sqlite3_exec(db,
				      "CREATE TABLE case_departments(name TEXT PRIMARY KEY,"
				      " categories TEXT, contact TEXT, created INTEGER);"
				      "INSERT INTO case_departments VALUES"
				      " ('住建局', '[\"城乡建设\", \"物业\"]', NULL, 0),"
				      " ('a-bad', 'not json', NULL, 0)",
				      NULL, NULL, NULL),
			 SQLITE_OK);
	assert_string_equal(yq_msg_route_db(env, db, "城乡建设"), "住建局");
	assert_string_equal(yq_msg_route_db(env, db, "物业"), "住建局");
	assert_string_equal(yq_msg_route_db(env, db, "环境保护"), "生态环境局"); /* the table's */
	assert_null(yq_msg_route_db(env, db, "卫生计生"));
	assert_null(yq_msg_route_db(env, db, NULL));
	assert_int_equal(sqlite3_exec(db, "DROP TABLE case_departments", NULL, NULL, NULL),
			 SQLITE_OK);
}

static json_t *get(const char *id, int all, const char *dept)
{
	json_t *o = NULL;
	struct yq_msg_viewer v = {.all = all, .department = dept};
	assert_int_equal(yq_msg_get(yq_store_db(st), tz, id, &v, &o), 0);
	return o;
}

static int64_t q1(const char *sql)
{
	sqlite3_stmt *s;
	assert_int_equal(sqlite3_prepare_v2(yq_store_db(st), sql, -1, &s, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(s), SQLITE_ROW);
	int64_t v = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	return v;
}

static void test_flow(void **state)
{
	sqlite3 *db = yq_store_db(st);
	struct yq_buf err = YQ_BUF_INIT;
	char id[YQ_MSG_ID_MAX + 1];
	int64_t t0 = 1578276000; /* 2020-01-06T10:00:00+08:00 */
	struct yq_msg m = {.id = "f1", .time = t0, .time_ok = 1, .title = "河边工厂排污",
			   .text = "工厂向河里排放污水，河水发臭", .sender = "张三",
			   .contact = "13800000000", .likes = -1, .dislikes = -1,
			   .label = "环境保护"};
	assert_int_equal(yq_msg_put(env, db, &m, t0, "tester", NULL, id, &err), 0);
	assert_string_equal(id, "f1");
	/* again, with likes and a reply: it existed; only these are filled in */
	m.likes = 9;
	m.reply = "经核查，已责令工厂整改，预计月底前完成，联系电话12345678。";
	m.reply_time = t0 + 48 * 3600;
	m.reply_time_ok = 1;
	m.title = "another title";
	assert_int_equal(yq_msg_put(env, db, &m, t0, "tester", NULL, NULL, &err), 1);
	json_t *o = get("f1", 0, "生态环境局");
	assert_string_equal(json_string_value(json_object_get(o, "title")), "河边工厂排污");
	assert_int_equal(json_integer_value(json_object_get(o, "likes")), 9);
	assert_string_equal(json_string_value(json_object_get(o, "department")), "生态环境局");
	assert_string_equal(json_string_value(json_object_get(o, "time")),
			    "2020-01-06T10:00:00+08:00");
	assert_string_equal(json_string_value(json_object_get(o, "deadline")),
			    "2020-01-21T10:00:00+08:00");
	json_t *c = json_object_get(o, "contact");
	assert_string_equal(json_string_value(json_object_get(c, "sender")), "张三");
	assert_string_equal(json_string_value(json_object_get(c, "contact")), "13800000000");
	json_t *q = json_object_get(o, "quality");
	assert_true(fabs(json_real_value(json_object_get(q, "completeness")) - 1) < 1e-9);
	assert_true(fabs(json_real_value(json_object_get(q, "timeliness")) -
			 round((1 - 48.0 / 720) * 10000) / 10000) < 1e-9);
	json_decref(o);
	/* the sender is hashed, 32 hex digits, not the name */
	assert_int_equal(q1("SELECT length(sender_hash) FROM messages WHERE id = 'f1'"), 32);
	assert_int_equal(q1("SELECT count(*) FROM messages WHERE sender_hash LIKE '%张三%'"), 0);
	/* redacted for a viewer and another department */
	o = get("f1", 0, NULL);
	assert_string_equal(json_string_value(json_object_get(o, "contact")), "redacted");
	assert_string_equal(json_string_value(json_object_get(o, "title")), "河边工厂排污");
	json_decref(o);
	o = get("f1", 0, "教育局");
	assert_string_equal(json_string_value(json_object_get(o, "contact")), "redacted");
	json_decref(o);
	/* no model: no suggestion to confirm; a correction is a label */
	yq_buf_reset(&err);
	assert_int_equal(yq_msg_set_category(env, db, "f1", NULL, t0, "a1", NULL, &err), YQ_EINVAL);
	assert_int_equal(yq_msg_set_category(env, db, "zz", "城乡建设", t0, "a1", NULL, &err),
			 YQ_ENOTFOUND);
	assert_int_equal(yq_msg_set_category(env, db, "f1", "城乡建设", t0, "a1", NULL, &err), 0);
	assert_int_equal(q1("SELECT count(*) FROM labels WHERE source = 'message' AND id = 'f1'"
			    " AND task = 'category' AND label = '城乡建设'"),
			 1);
	assert_int_equal(q1("SELECT count(*) FROM posts WHERE source = 'message'"), 0);
	o = get("f1", 1, NULL);
	assert_string_equal(json_string_value(json_object_get(o, "department")), "住房和城乡建设局");
	assert_string_equal(json_string_value(json_object_get(o, "category_by")), "a1");
	json_decref(o);
	/* a second decision replaces the label */
	assert_int_equal(yq_msg_set_category(env, db, "f1", "环境保护", t0, "a1", NULL, &err), 0);
	assert_int_equal(q1("SELECT count(*) FROM labels WHERE label = '环境保护'"), 1);
	assert_int_equal(q1("SELECT count(*) FROM labels WHERE source = 'message'"), 1);
	/* a message without id gets a stable hashed one */
	struct yq_msg n = {.time = t0, .time_ok = 1, .title = "无编号", .likes = -1, .dislikes = -1};
	char id2[YQ_MSG_ID_MAX + 1], id3[YQ_MSG_ID_MAX + 1];
	assert_int_equal(yq_msg_put(env, db, &n, t0, NULL, NULL, id2, &err), 0);
	assert_int_equal(yq_msg_put(env, db, &n, t0, NULL, NULL, id3, &err), 1);
	assert_string_equal(id2, id3);
	assert_int_equal(id2[0], 'm');
	assert_int_equal(strlen(id2), 17);
	/* no title, no text */
	struct yq_msg e = {.time = t0, .time_ok = 1, .likes = -1, .dislikes = -1};
	assert_int_equal(yq_msg_put(env, db, &e, t0, NULL, NULL, NULL, &err), YQ_EINVAL);
	/* a reply through set_reply, audited: create, update (the re-put),
	 * two decisions, the reply */
	assert_int_equal(yq_msg_set_reply(env, db, id2, "已处理", t0 + 400 * 3600, t0, "h1", NULL,
					  &err),
			 0);
	assert_int_equal(q1("SELECT count(*) FROM audit_log WHERE object_type = 'message'"), 5);
	struct yq_audit_report rep;
	assert_int_equal(yq_audit_verify(db, NULL, &rep), 0);
	assert_int_equal(rep.first_bad, 0);
	yq_buf_release(&err);
}

static void test_relevance(void **state)
{
	struct yq_msg_quality q;
	const char *t = "小区门口道路积水严重";
	const char *x = "小区门口道路长期积水，居民出行困难，希望尽快修缮排水管道";
	assert_int_equal(yq_msg_quality(env, t, x, x, 1, 360, &q), 0);
	assert_true(q.relevance > 0.6);
	assert_int_equal(yq_msg_quality(env, t, x, "感谢您对教育工作的关心，学校招生政策以公告为准",
				    1, 360, &q),
			 0);
	assert_true(q.relevance < 0.05);
	/* the title quoted in the reply does not count */
	assert_int_equal(yq_msg_quality(env, t, x, "关于“小区门口道路积水严重”的答复：谢谢", 1, 360,
				    &q),
			 0);
	assert_true(q.relevance < 0.05);
}

static void test_stats(void **state)
{
	sqlite3 *db = yq_store_db(st);
	struct yq_buf err = YQ_BUF_INIT;
	assert_int_equal(sqlite3_exec(db, "DELETE FROM message_contacts; DELETE FROM messages", NULL, NULL, NULL), SQLITE_OK);
	/* 2019-12-30 (Mon, ISO 2020-W01), 2020-01-05 (Sun, W01), 2021-01-03 (Sun, 2020-W53) */
	int64_t ts[] = {1577682000, 1578200400, 1609650000};
	const char *labels[] = {"环境保护", "城乡建设", "环境保护"};
	int64_t hours[] = {10, 400, -1};
	for (int i = 0; i < 3; i++) {
		char idb[8];
		snprintf(idb, sizeof idb, "s%d", i);
		struct yq_msg m = {.id = idb, .time = ts[i], .time_ok = 1, .title = "t", .likes = -1,
				   .dislikes = -1, .label = labels[i]};
		if (hours[i] >= 0) {
			m.reply = "ok";
			m.reply_time = ts[i] + hours[i] * 3600;
			m.reply_time_ok = 1;
		}
		assert_int_equal(yq_msg_put(env, db, &m, ts[i], NULL, NULL, NULL, &err), 0);
	}
	struct yq_msg_stat *r = NULL;
	size_t n = 0;
	int64_t now = ts[2] + 30 * 86400;
	assert_int_equal(yq_msg_stats(db, tz, YQ_MSG_WEEK, 0, 0, 0, 0, now, &r, &n), 0);
	assert_int_equal(n, 5); /* W01: two departments + 全部; W53: one + 全部 */
	assert_string_equal(r[0].period, "2020-W01");
	assert_string_equal(r[2].period, "2020-W01");
	assert_string_equal(r[2].department, "全部");
	assert_int_equal(r[2].received, 2);
	assert_int_equal(r[2].answered, 2);
	assert_int_equal(r[2].on_time, 1);
	assert_true(fabs(r[2].median_hours - 205) < 1e-9);
	assert_true(fabs(r[2].p90_hours - (10 + 0.9 * 390)) < 1e-9);
	assert_string_equal(r[3].period, "2020-W53");
	assert_int_equal(r[3].overdue_now, 1);
	assert_true(isnan(r[3].median_hours));
	assert_true(r[4].completion_rate == 0);
	free(r);
	assert_int_equal(yq_msg_stats(db, tz, YQ_MSG_QUARTER, ts[1], 1, 0, 0, now, &r, &n), 0);
	assert_int_equal(n, 4);
	assert_string_equal(r[0].period, "2020-Q1");
	assert_string_equal(r[0].department, "住房和城乡建设局");
	assert_string_equal(r[2].period, "2021-Q1");
	free(r);
	enum yq_msg_period p;
	assert_int_equal(yq_msg_period_parse("quarter", &p), 0);
	assert_int_equal(p, YQ_MSG_QUARTER);
	assert_int_equal(yq_msg_period_parse("year", &p), YQ_EINVAL);
	yq_buf_release(&err);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_quantile),  cmocka_unit_test(test_timeliness),
		cmocka_unit_test(test_cues),      cmocka_unit_test(test_routes),
		cmocka_unit_test(test_registry),  cmocka_unit_test(test_mask),
		cmocka_unit_test(test_flow),      cmocka_unit_test(test_relevance),
		cmocka_unit_test(test_stats),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
