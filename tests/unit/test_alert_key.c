/* test_alert_key.c — field case workflow-07 at the outbox (deliver.h's
 * alert key): 10:00 a warning of key K notifies roster level 0 and plans
 * level 1 at +15 min; 10:02 it is acknowledged; 10:05 a duplicate (same
 * key, same level) notifies nobody, stays acknowledged and is counted;
 * 10:10 a critical alert of K notifies level 0 once; the 10:15 escalation
 * of the warning never fires.  Also: an UNacknowledged warning overtaken
 * by a higher level loses its pending escalation (one page per
 * transition), and the same alert id enqueued twice queues nothing new. */
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
#include "deliver/deliver.h"

static char dir[64];
static sqlite3 *db;
static struct yq_deliver_config *cfg;
static struct yq_deliver *dl;

static int setup(void **state)
{
	(void)state;
	char path[128];
	struct yq_buf err = YQ_BUF_INIT;
	strcpy(dir, "/tmp/yq_test_alert_key_XXXXXX");
	if (!mkdtemp(dir))
		return -1;
	snprintf(path, sizeof path, "%s/d.yaml", dir);
	FILE *f = fopen(path, "w");
	/* port 9 on loopback refuses: sends fail fast and are retried later */
	fputs("channels:\n  - {name: duty, kind: webhook, url: 'http://127.0.0.1:9/a', timeout: 2}\n"
	      "  - {name: chief, kind: webhook, url: 'http://127.0.0.1:9/b', timeout: 2}\n"
	      "roster:\n  - after_minutes: 0\n    notify: [{channel: duty}]\n"
	      "  - after_minutes: 15\n    notify: [{channel: chief}]\n", f);
	fclose(f);
	if (yq_deliver_config_load(path, &cfg, &err))
		return -1;
	snprintf(path, sizeof path, "%s/a.db", dir);
	if (sqlite3_open(path, &db) != SQLITE_OK || sqlite3_exec(db, "PRAGMA foreign_keys = ON", NULL, NULL, NULL) != SQLITE_OK || yq_deliver_open(db, cfg, &dl))
		return -1;
	yq_buf_release(&err);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	char cmd[128];
	yq_deliver_free(dl);
	sqlite3_close(db);
	yq_deliver_config_free(cfg);
	snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
	return system(cmd) == 0 ? 0 : -1;
}

static int64_t at(int h, int m)
{
	return 1737943200 + (h - 10) * 3600 + m * 60; /* 2025-01-27T10:00:00+08:00 */
}

static int enqueue(int64_t id, const char *key, const char *level, int64_t now)
{
	char js[256];
	int q = -1;
	snprintf(js, sizeof js, "{\"id\":%lld,\"key\":\"%s\",\"level\":\"%s\",\"title\":\"供暖投诉\"}",
		 (long long)id, key, level);
	assert_int_equal(yq_deliver_enqueue(db, cfg, js, NULL, 0, now, &q), 0);
	return q;
}

static int64_t count(const char *sql)
{
	sqlite3_stmt *s;
	assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &s, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(s), SQLITE_ROW);
	int64_t v = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	return v;
}

static void test_workflow07(void **state)
{
	(void)state;
	const char *K = "topic=供暖投诉/region=A";
	assert_int_equal(enqueue(1, K, "III", at(10, 0)), 1);
	assert_int_equal(yq_deliver_ack(db, 1, "duty-officer", at(10, 2)), 0);
	/* 10:05: a duplicate — nothing sent, still acknowledged, counted */
	assert_int_equal(enqueue(2, K, "III", at(10, 5)), 0);
	assert_int_equal(count("SELECT count(*) FROM deliver_outbox WHERE alert_id = 2"), 0);
	assert_int_equal(count("SELECT acked_at IS NOT NULL AND acked_by = 'duty-officer'"
			       " AND next_escalation IS NULL FROM deliver_alerts WHERE alert_id = 2"), 1);
	assert_int_equal(count("SELECT duplicates FROM deliver_keys WHERE alert_id = 1"), 1);
	assert_int_equal(count("SELECT duplicate_of FROM deliver_keys WHERE alert_id = 2"), 1);
	/* a lower level is a duplicate too */
	assert_int_equal(enqueue(3, K, "IV", at(10, 6)), 0);
	/* 10:10: critical — reopens with one notification of level 0 */
	assert_int_equal(enqueue(4, K, "I", at(10, 10)), 1);
	assert_int_equal(count("SELECT count(*) FROM deliver_outbox WHERE alert_id = 4"), 1);
	assert_int_equal(count("SELECT acked_at IS NULL FROM deliver_alerts WHERE alert_id = 4"), 1);
	/* the ack of the warning is kept as history */
	assert_int_equal(count("SELECT acked_at FROM deliver_alerts WHERE alert_id = 1"), at(10, 2));
	/* 10:15 and 10:20: no escalation of the acked warning; the critical's is at 10:25 */
	struct yq_tick_stats st = {0};
	assert_int_equal(yq_deliver_tick(dl, at(10, 15), &st), 0);
	assert_int_equal(yq_deliver_tick(dl, at(10, 20), &st), 0);
	assert_int_equal(st.escalated, 0);
	assert_int_equal(count("SELECT count(*) FROM deliver_outbox WHERE roster_level = 1"), 0);
	assert_int_equal(yq_deliver_tick(dl, at(10, 25), &st), 0);
	assert_int_equal(st.escalated, 1);
	assert_int_equal(count("SELECT count(*) FROM deliver_outbox WHERE roster_level = 1"), 1);
	assert_int_equal(count("SELECT alert_id FROM deliver_outbox WHERE roster_level = 1"), 4);
	/* the same alert id again: nothing new */
	assert_int_equal(enqueue(4, K, "I", at(10, 30)), 0);
}

static void test_unacked_rise(void **state)
{
	(void)state;
	const char *K = "event:77";
	assert_int_equal(enqueue(10, K, "IV", at(11, 0)), 1);
	assert_int_equal(enqueue(11, K, "II", at(11, 10)), 1);
	/* the IV alert's escalation (11:15) is cancelled; II escalates at 11:25 */
	assert_int_equal(count("SELECT next_escalation IS NULL FROM deliver_alerts WHERE alert_id = 10"),
			 1);
	struct yq_tick_stats st = {0};
	assert_int_equal(yq_deliver_tick(dl, at(11, 16), &st), 0);
	assert_int_equal(st.escalated, 0);
	assert_int_equal(yq_deliver_tick(dl, at(11, 26), &st), 0);
	assert_int_equal(st.escalated, 1);
	assert_int_equal(count("SELECT count(*) FROM deliver_outbox WHERE roster_level = 1 AND"
			       " alert_id IN (10, 11)"), 1);
	/* an alert without a key keeps the per-id behaviour */
	int q = -1;
	assert_int_equal(yq_deliver_enqueue(db, cfg, "{\"id\":20,\"level\":\"I\"}", NULL, 0, at(12, 0),
					    &q), 0);
	assert_int_equal(q, 1);
	assert_int_equal(yq_deliver_enqueue(db, cfg, "{\"id\":21,\"level\":\"I\"}", NULL, 0, at(12, 0),
					    &q), 0);
	assert_int_equal(q, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_workflow07),
		cmocka_unit_test(test_unacked_rise),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
