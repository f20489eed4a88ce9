/* test_case.c — cases: the role and state table, a case driven through
 * every state with the right roles and refused with the wrong ones, a
 * handler who cannot see (or act on) another department's case, deadlines
 * counted in working days on the real holiday table (workflow-01's dates),
 * a date outside the loaded calendar flagged instead of a weekends-only
 * deadline (workflow-03), the audit chain of every change, and reminders
 * keyed (case, type, due_at) so a second scan queues nothing (workflow-06). */
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

#include "auth/audit.h"
#include "base/error.h"
#include "cases/case.h"
#include "deliver/deliver.h"

static char dir[64];
static sqlite3 *db;
static struct yq_calendar *cal;
static struct yq_deliver_config *dcfg;
static struct yq_case_config cfg;

static struct yq_principal P(const char *name, enum yq_role role, const char *dept)
{
	struct yq_principal p = {.kind = YQ_PRINCIPAL_USER, .user_id = 1, .role = role};
	snprintf(p.name, sizeof p.name, "%s", name);
	snprintf(p.department, sizeof p.department, "%s", dept ? dept : "");
	return p;
}

/* T: Unix time of a local (+08:00) "YYYY-MM-DD" at hh:mm. */
static int64_t T(const char *date, int hh, int mm)
{
	int64_t d;
	assert_int_equal(yq_date_parse(date, &d), 0);
	return yq_calendar_day_start(d) + hh * 3600 + mm * 60;
}

static int setup(void **state)
{
	(void)state;
	char path[1024];
	struct yq_buf err = YQ_BUF_INIT;
	const char *src = getenv("YQ_SRC");
	strcpy(dir, "/tmp/yq_test_case_XXXXXX");
	if (!mkdtemp(dir))
		return -1;
	snprintf(path, sizeof path, "%s/c.db", dir);
	if (sqlite3_open(path, &db) != SQLITE_OK || yq_deliver_init(db) || yq_case_init(db) ||
	    yq_case_init(db))
		return -1;
	snprintf(path, sizeof path, "%s/config/holidays-cn.tsv", src ? src : ".");
	if (yq_calendar_new(&cal) || yq_calendar_load(cal, path, &err))
		return -1;
	snprintf(path, sizeof path, "%s/d.yaml", dir);
	FILE *f = fopen(path, "w");
	fputs("channels:\n  - {name: duty, kind: webhook, url: 'http://127.0.0.1:9/x'}\n"
	      "roster:\n  - after_minutes: 0\n    notify: [{channel: duty}]\n"
	      "  - after_minutes: 15\n    notify: [{channel: duty}]\n", f);
	fclose(f);
	if (yq_deliver_config_load(path, &dcfg, &err))
		return -1;
	yq_case_config_default(&cfg);
	cfg.cal = cal;
	cfg.dcfg = dcfg;
	const char *a[] = {"供暖", "物业"}, *b[] = {"交通"};
	if (yq_case_dept_set(db, NULL, NULL, "住建局", a, 2, "12345", 0, &err) ||
	    yq_case_dept_set(db, NULL, NULL, "交通局", b, 1, NULL, 0, &err))
		return -1;
	yq_buf_release(&err);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	char cmd[128];
	sqlite3_close(db);
	yq_calendar_free(cal);
	yq_deliver_config_free(dcfg);
	snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
	return system(cmd) == 0 ? 0 : -1;
}

static void test_table(void **state)
{
	(void)state;
	enum yq_case_state to;
	assert_true(yq_case_allowed(YQ_ROLE_ANALYST, YQ_CASE_ASSESS, YQ_CASE_SUBMIT, &to));
	assert_int_equal(to, YQ_CASE_INSTRUCT);
	assert_false(yq_case_allowed(YQ_ROLE_LEADER, YQ_CASE_ASSESS, YQ_CASE_SUBMIT, NULL));
	assert_true(yq_case_allowed(YQ_ROLE_LEADER, YQ_CASE_INSTRUCT, YQ_CASE_INSTRUCT_ACT, &to));
	assert_int_equal(to, YQ_CASE_HANDLE);
	assert_false(yq_case_allowed(YQ_ROLE_ANALYST, YQ_CASE_INSTRUCT, YQ_CASE_INSTRUCT_ACT, NULL));
	assert_true(yq_case_allowed(YQ_ROLE_HANDLER, YQ_CASE_HANDLE, YQ_CASE_HANDLED, &to));
	assert_int_equal(to, YQ_CASE_RESPOND);
	assert_false(yq_case_allowed(YQ_ROLE_HANDLER, YQ_CASE_SUPERVISE, YQ_CASE_CLOSE, NULL));
	assert_true(yq_case_allowed(YQ_ROLE_LEADER, YQ_CASE_SUPERVISE, YQ_CASE_RETURN, &to));
	assert_int_equal(to, YQ_CASE_HANDLE);
	assert_false(yq_case_allowed(YQ_ROLE_ADMIN, YQ_CASE_ARCHIVED, YQ_CASE_NOTE, NULL));
	assert_true(yq_case_allowed(YQ_ROLE_ADMIN, YQ_CASE_ARCHIVED, YQ_CASE_REOPEN, &to));
	assert_int_equal(to, YQ_CASE_HANDLE);
	for (int s = 0; s < YQ_CASE_STATE_COUNT; s++)
		for (int a = 0; a < YQ_CASE_ACTION_COUNT; a++)
			assert_false(yq_case_allowed(YQ_ROLE_VIEWER, s, a, NULL));
	enum yq_case_state st;
	assert_int_equal(yq_case_state_parse("督办", &st), 0);
	assert_int_equal(st, YQ_CASE_SUPERVISE);
	enum yq_case_resolution r;
	assert_int_equal(yq_case_resolution_parse("false_info_clarified", &r), 0);
	assert_int_equal(r, YQ_RES_FALSE_INFO);
	assert_int_equal(yq_case_resolution_parse("", &r), YQ_EINVAL);
	char out[64];
	assert_int_equal(yq_case_dept_route(db, "物业", out, sizeof out), 0);
	assert_string_equal(out, "住建局");
	assert_int_equal(yq_case_dept_route(db, "教育", out, sizeof out), YQ_ENOTFOUND);
}

static json_t *get(const struct yq_principal *p, int64_t id, int64_t now)
{
	json_t *c = NULL;
	assert_int_equal(yq_case_get(db, &cfg, p, id, now, &c, NULL), 0);
	return c;
}

static void assert_due(const struct yq_principal *p, int64_t id, int64_t now, const char *want)
{
	json_t *c = get(p, id, now);
	json_t *d = json_object_get(c, "due_at");
	if (want)
		assert_string_equal(json_string_value(d), want);
	else
		assert_true(json_is_null(d));
	json_decref(c);
}

static void act(const struct yq_principal *p, int64_t id, enum yq_case_action a,
		const struct yq_case_args *args, int64_t now, int want)
{
	struct yq_buf err = YQ_BUF_INIT;
	int rc = yq_case_act(db, &cfg, p, "127.0.0.1", id, a, args, now, NULL, &err);
	if (rc != want)
		fprintf(stderr, "%s by %s: %d (%s)\n", yq_case_action_name(a), p->name, rc, err.s);
	assert_int_equal(rc, want);
	yq_buf_release(&err);
}

static void test_workflow(void **state)
{
	(void)state;
	struct yq_principal an = P("ana", YQ_ROLE_ANALYST, NULL), ld = P("lead", YQ_ROLE_LEADER, NULL),
			    hz = P("zhu", YQ_ROLE_HANDLER, "住建局"),
			    hj = P("jiao", YQ_ROLE_HANDLER, "交通局"), vw = P("view", YQ_ROLE_VIEWER, NULL);
	struct yq_buf err = YQ_BUF_INIT;
	int64_t now = T("2025-01-24", 10, 0), id = 0;
	char num[16];
	struct yq_case_new in = {.title = "小区供暖不热", .source_type = "message",
				 .source_id = "m-1", .category = "供暖"};
	assert_int_equal(yq_case_create(db, &cfg, &vw, NULL, &in, now, &id, num, &err),
			 YQ_EFORBIDDEN);
	assert_int_equal(yq_case_create(db, &cfg, &an, NULL, &in, now, &id, num, &err), 0);
	assert_string_equal(num, "2025-0001");
	/* routed by category; assess: 1 working day from Fri 01-24 = Sun 01-26 (调休上班) */
	assert_due(&an, id, now, "2025-01-27T00:00:00+08:00");

	/* a handler of another department sees nothing and can do nothing */
	json_t *c = NULL, *l = NULL;
	assert_int_equal(yq_case_get(db, &cfg, &hj, id, now, &c, NULL), YQ_ENOTFOUND);
	struct yq_case_filter f = {.overdue = -1};
	assert_int_equal(yq_case_list(db, &hj, &f, now, &l, NULL), 0);
	assert_int_equal(json_array_size(l), 0);
	json_decref(l);
	assert_int_equal(yq_case_list(db, &hz, &f, now, &l, NULL), 0);
	assert_int_equal(json_array_size(l), 1);
	json_decref(l);

	struct yq_case_args note = {.note = "已核实，转住建局"};
	act(&ld, id, YQ_CASE_SUBMIT, &note, now, YQ_EFORBIDDEN);
	act(&hz, id, YQ_CASE_INSTRUCT_ACT, &note, now, YQ_EFORBIDDEN);
	act(&an, id, YQ_CASE_HANDLED, &note, now, YQ_ESTATE);
	act(&an, id, YQ_CASE_SUBMIT, &note, now, 0);
	struct yq_case_args ins = {.note = "请住建局两日内处置并回应"};
	act(&an, id, YQ_CASE_INSTRUCT_ACT, &ins, now, YQ_EFORBIDDEN);
	act(&ld, id, YQ_CASE_INSTRUCT_ACT, NULL, now, YQ_EINVAL); /* no instruction text */
	act(&ld, id, YQ_CASE_INSTRUCT_ACT, &ins, now, 0);
	/* handle: 5 working days from Fri 01-24 = Fri 02-07 (workflow-01) */
	assert_due(&an, id, now, "2025-02-08T00:00:00+08:00");
	struct yq_case_args meas = {.note = "已检修换热站"}, cons = {.note = "会商：热力公司配合"};
	act(&hj, id, YQ_CASE_NOTE, &cons, now, YQ_ENOTFOUND);
	act(&hz, id, YQ_CASE_NOTE, &cons, now, 0);
	act(&ld, id, YQ_CASE_HANDLED, &meas, now, YQ_EFORBIDDEN);
	act(&hj, id, YQ_CASE_HANDLED, &meas, now, YQ_ENOTFOUND);
	act(&hz, id, YQ_CASE_HANDLED, &meas, now, 0);
	struct yq_case_args resp = {.text = "经查，已于今日恢复供暖。", .channel = "官方微博",
				    .link = "https://weibo.com/x/1"};
	act(&ld, id, YQ_CASE_RESPOND_ACT, &resp, now, YQ_EFORBIDDEN);
	act(&hz, id, YQ_CASE_RESPOND_ACT, NULL, now, YQ_EINVAL);
	act(&hz, id, YQ_CASE_RESPOND_ACT, &resp, now, 0);
	struct yq_case_args back = {.note = "回应过于简略，请补充"};
	act(&an, id, YQ_CASE_RETURN, &back, now, YQ_EFORBIDDEN);
	act(&ld, id, YQ_CASE_RETURN, &back, now, 0);
	act(&hz, id, YQ_CASE_HANDLED, &meas, now, 0);
	act(&hz, id, YQ_CASE_RESPOND_ACT, &resp, now, 0);
	struct yq_case_args close = {.resolution = YQ_RES_FIXED};
	act(&an, id, YQ_CASE_CLOSE, NULL, now, YQ_EINVAL);
	act(&ld, id, YQ_CASE_CLOSE, &close, now, YQ_EFORBIDDEN);
	act(&hz, id, YQ_CASE_CLOSE, &close, now, YQ_EFORBIDDEN);
	act(&an, id, YQ_CASE_CLOSE, &close, now, 0);
	assert_due(&an, id, now, NULL);
	act(&ld, id, YQ_CASE_ARCHIVE, NULL, now, YQ_EFORBIDDEN);
	act(&an, id, YQ_CASE_ARCHIVE, NULL, now, 0);
	act(&an, id, YQ_CASE_NOTE, &cons, now, YQ_ESTATE);
	act(&an, id, YQ_CASE_REOPEN, NULL, now, 0);

	c = get(&hz, id, now);
	assert_string_equal(json_string_value(json_object_get(c, "state")), "handle");
	assert_true(json_is_null(json_object_get(c, "resolution")));
	assert_string_equal(json_string_value(json_object_get(c, "instruction")), ins.note);
	assert_int_equal(json_array_size(json_object_get(c, "responses")), 2);
	assert_int_equal(json_array_size(json_object_get(c, "notes")), 6);
	json_t *h = json_object_get(c, "history");
	assert_int_equal(json_array_size(h), 12); /* create + 11 changes */
	json_t *h1 = json_array_get(h, 1);
	assert_string_equal(json_string_value(json_object_get(h1, "action")), "case.submit");
	assert_string_equal(json_string_value(json_object_get(h1, "actor")), "ana");
	assert_string_equal(json_string_value(json_object_get(json_object_get(h1, "before"), "state")),
			    "assess");
	assert_string_equal(json_string_value(json_object_get(json_object_get(h1, "after"), "state")),
			    "instruct");
	json_t *acts = json_object_get(c, "actions"); /* handler in handle: handled, note */
	assert_int_equal(json_array_size(acts), 2);
	assert_string_equal(json_string_value(json_array_get(acts, 0)), "handled");
	json_decref(c);

	struct yq_audit_report rep;
	assert_int_equal(yq_audit_verify(db, NULL, &rep), 0);
	assert_int_equal(rep.first_bad, 0);

	/* a failed write leaves neither change nor audit entry */
	int64_t before = rep.entries;
	act(&an, id, YQ_CASE_INSTRUCT_ACT, &ins, now, YQ_EFORBIDDEN);
	assert_int_equal(yq_audit_verify(db, NULL, &rep), 0);
	assert_int_equal(rep.entries, before);

	/* explicit unknown department */
	const char *bad[] = {"不存在局"};
	struct yq_case_new in2 = {.title = "x", .source_type = "manual", .departments = bad,
				  .n_departments = 1};
	yq_buf_reset(&err);
	assert_int_equal(yq_case_create(db, &cfg, &an, NULL, &in2, now, NULL, NULL, &err),
			 YQ_ENOTFOUND);
	assert_non_null(strstr(err.s, "不存在局"));
	yq_buf_release(&err);
}

/* workflow-03: a year with no schedule is flagged, not computed on weekends */
static void test_calendar_missing(void **state)
{
	(void)state;
	struct yq_principal an = P("ana", YQ_ROLE_ANALYST, NULL);
	int64_t now = T("2028-03-01", 10, 0), id = 0;
	char num[16];
	struct yq_case_new in = {.title = "明年的事", .source_type = "manual"};
	assert_int_equal(yq_case_create(db, &cfg, &an, NULL, &in, now, &id, num, NULL), 0);
	assert_string_equal(num, "2028-0001");
	json_t *c = get(&an, id, now);
	assert_true(json_is_null(json_object_get(c, "due_at")));
	assert_non_null(strstr(json_string_value(json_object_get(c, "calendar_error")), "2028"));
	json_decref(c);
	sqlite3_stmt *s;
	assert_int_equal(sqlite3_prepare_v2(db, "SELECT count(*) FROM case_reminders WHERE case_id"
					    " = ?1 AND type = 'calendar-missing'", -1, &s, NULL),
			 SQLITE_OK);
	sqlite3_bind_int64(s, 1, id);
	assert_int_equal(sqlite3_step(s), SQLITE_ROW);
	assert_int_equal(sqlite3_column_int(s, 0), 1);
	sqlite3_finalize(s);
}

/* workflow-06: each (case, type, due_at) is queued once, whatever the scans */
static void test_reminders(void **state)
{
	(void)state;
	struct yq_principal an = P("ana", YQ_ROLE_ANALYST, NULL);
	const char *d[] = {"交通局"};
	/* Thu 2025-01-23 10:00: assess due at the end of Fri 01-24 */
	int64_t now = T("2025-01-23", 10, 0), id = 0;
	struct yq_case_new in = {.title = "路灯不亮", .source_type = "manual", .departments = d,
				 .n_departments = 1};
	assert_int_equal(yq_case_create(db, &cfg, &an, NULL, &in, now, &id, NULL, NULL), 0);
	assert_due(&an, id, now, "2025-01-25T00:00:00+08:00");
	int q = -1;
	assert_int_equal(yq_case_remind(db, &cfg, T("2025-01-23", 8, 59), &q), 0);
	assert_int_equal(q, 0); /* due-soon fires at 09:00 of the working day before: 01-23 */
	assert_int_equal(yq_case_remind(db, &cfg, T("2025-01-23", 10, 0), &q), 0);
	assert_int_equal(q, 1);
	assert_int_equal(yq_case_remind(db, &cfg, T("2025-01-23", 10, 1), &q), 0);
	assert_int_equal(q, 0);
	assert_int_equal(yq_case_remind(db, &cfg, T("2025-01-25", 0, 0), &q), 0);
	assert_int_equal(q, 1); /* overdue */
	assert_int_equal(yq_case_remind(db, &cfg, T("2025-01-26", 0, 0), &q), 0);
	assert_int_equal(q, 0);
	/* the outbox holds one row per reminder, acknowledged (no escalation) */
	sqlite3_stmt *s;
	assert_int_equal(sqlite3_prepare_v2(db,
					    "SELECT count(*), sum(a.acked_at IS NOT NULL) FROM"
					    " case_reminders r JOIN deliver_alerts a ON a.alert_id ="
					    " r.alert_id JOIN deliver_outbox o ON o.alert_id = a.alert_id"
					    " WHERE r.case_id = ?1", -1, &s, NULL), SQLITE_OK);
	sqlite3_bind_int64(s, 1, id);
	assert_int_equal(sqlite3_step(s), SQLITE_ROW);
	assert_int_equal(sqlite3_column_int(s, 0), 2);
	assert_int_equal(sqlite3_column_int(s, 1), 2);
	sqlite3_finalize(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table),
		cmocka_unit_test(test_workflow),
		cmocka_unit_test(test_calendar_missing),
		cmocka_unit_test(test_reminders),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
