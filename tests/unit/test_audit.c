/* test_audit.c — the hash-chained audit log: appends chain correctly (the
 * first hash recomputed independently here from the documented canonical
 * form), JSON is stored canonically, and verify finds an edited field, a
 * deleted middle row, a deleted tail, a swapped pair and a head recorded
 * earlier that the chain no longer contains; an append inside the caller's
 * rolled-back transaction leaves nothing. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <sodium.h>
#include <sqlite3.h>

#include "auth/audit.h"
#include "base/error.h"

static char dir[64];
static sqlite3 *db;

static int setup(void **state)
{
	char path[128];
	strcpy(dir, "/tmp/yq_test_audit_XXXXXX");
	if (!mkdtemp(dir))
		return -1;
	snprintf(path, sizeof path, "%s/a.db", dir);
	if (sqlite3_open(path, &db) != SQLITE_OK || yq_audit_init(db) || yq_audit_init(db))
		return -1;
	return 0;
}

static int teardown(void **state)
{
	char cmd[128];
	sqlite3_close(db);
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

static void exec(const char *sql)
{
	assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
}

/* five entries: user.add, alert.ack, case.assign ×2, scheme.delete */
static void fill(void)
{
	struct yq_audit_entry e[5] = {
		{1735689600, "cli:root", "user.add", "user", "admin", NULL, "{\"role\":\"admin\"}",
		 NULL},
		{1735689700, "admin", "alert.ack", "alert", "17", "{\"acked\":false}",
		 "{\"acked\":true,\"by\":\"admin\"}", "127.0.0.1"},
		{1735689800, "张三", "case.assign", "case", "2025-0001", "{\"dept\":null}",
		 "{ \"dept\" : \"城管局\", \"deadline\" : \"2025-02-07\" }", "10.0.0.5"},
		{1735689900, "张三", "case.assign", "case", "2025-0002", "{}", "{\"dept\":\"水务局\"}",
		 "10.0.0.5"},
		{1735690000, "admin", "scheme.delete", "scheme", "heating", "{\"id\":\"heating\"}",
		 NULL, "127.0.0.1"},
	};
	for (int i = 0; i < 5; i++) {
		int64_t seq = 0;
		assert_int_equal(yq_audit_append(db, &e[i], &seq), 0);
		assert_int_equal(seq, i + 1);
	}
}

static struct yq_audit_report verify(const char *expect)
{
	struct yq_audit_report r;
	assert_int_equal(yq_audit_verify(db, expect, &r), 0);
	return r;
}

static void test_chain_and_canonical_json(void **state)
{
	sqlite3_stmt *s;
	fill();
	struct yq_audit_report r = verify(NULL);
	assert_int_equal(r.entries, 5);
	assert_int_equal(r.first_bad, 0);
	assert_string_equal(r.reason, "");

	/* entry 1 recomputed from the documented form */
	static const char canon[] = "1:1\n10:1735689600\n8:cli:root\n8:user.add\n4:user\n5:admin\n"
				    "-:\n16:{\"role\":\"admin\"}\n-:\n";
	unsigned char buf[32 + sizeof canon], h[32];
	char hex[65];
	memset(buf, 0, 32);
	memcpy(buf + 32, canon, sizeof canon - 1);
	crypto_hash_sha256(h, buf, 32 + sizeof canon - 1);
	sodium_bin2hex(hex, sizeof hex, h, 32);
	assert_int_equal(sqlite3_prepare_v2(db, "SELECT hash, (SELECT prev_hash FROM audit_log"
						" WHERE seq = 2), (SELECT after FROM audit_log"
						" WHERE seq = 3) FROM audit_log WHERE seq = 1",
					    -1, &s, NULL),
			 SQLITE_OK);
	assert_int_equal(sqlite3_step(s), SQLITE_ROW);
	assert_string_equal((const char *)sqlite3_column_text(s, 0), hex);
	assert_string_equal((const char *)sqlite3_column_text(s, 1), hex);
	assert_string_equal((const char *)sqlite3_column_text(s, 2),
			    "{\"deadline\":\"2025-02-07\",\"dept\":\"城管局\"}");
	sqlite3_finalize(s);

	/* refusals */
	struct yq_audit_entry e = {0};
	assert_int_equal(yq_audit_append(db, &e, NULL), YQ_EINVAL);
	e.action = "x";
	e.after = "{not json";
	assert_int_equal(yq_audit_append(db, &e, NULL), YQ_EINVAL);
	e.after = NULL;
	e.actor = "\xff\xfe";
	assert_int_equal(yq_audit_append(db, &e, NULL), YQ_EINVAL);

	struct yq_buf b = YQ_BUF_INIT;
	assert_int_equal(yq_audit_list_json(db, 3, 10, &b), 0);
	assert_non_null(strstr(b.s, "\"seq\":4"));
	assert_null(strstr(b.s, "\"seq\":3"));
	assert_non_null(strstr(b.s, "\"after\":{\"dept\":\"水务局\"}"));
	yq_buf_release(&b);
}

static void test_edit_detected(void **state)
{
	fill();
	exec("UPDATE audit_log SET after = '{\"acked\":true,\"by\":\"mallory\"}' WHERE seq = 2");
	struct yq_audit_report r = verify(NULL);
	assert_int_equal(r.first_bad, 2);
	assert_string_equal(r.reason, "content does not match its hash (edited)");
	/* a second edit further on: the first one is still the one reported */
	exec("UPDATE audit_log SET time = time + 1 WHERE seq = 4");
	assert_int_equal(verify(NULL).first_bad, 2);
}

static void test_swapped_rows_detected(void **state)
{
	/* rows 3 and 4 exchange places (seq swapped): the chain breaks at 3 */
	fill();
	exec("UPDATE audit_log SET seq = 100 WHERE seq = 3");
	exec("UPDATE audit_log SET seq = 3 WHERE seq = 4");
	exec("UPDATE audit_log SET seq = 4 WHERE seq = 100");
	struct yq_audit_report r = verify(NULL);
	assert_int_equal(r.first_bad, 3);
	assert_string_equal(r.reason, "its prev_hash is not the hash of entry 2");
}

static void test_delete_middle_and_tail(void **state)
{
	fill();
	exec("DELETE FROM audit_log WHERE seq = 3");
	struct yq_audit_report r = verify(NULL);
	assert_int_equal(r.first_bad, 4);
	assert_string_equal(r.reason, "entries 3.. missing before it (deleted)");

	/* renumbering to hide the gap breaks the prev_hash link */
	exec("UPDATE audit_log SET seq = seq - 1 WHERE seq > 3");
	r = verify(NULL);
	assert_int_equal(r.first_bad, 3);
	assert_string_equal(r.reason, "its prev_hash is not the hash of entry 2");
}

static void test_delete_tail(void **state)
{
	fill();
	struct yq_audit_report ok = verify(NULL);
	exec("DELETE FROM audit_log WHERE seq = 5");
	struct yq_audit_report r = verify(NULL);
	assert_int_equal(r.entries, 4);
	assert_int_equal(r.first_bad, 5);
	assert_string_equal(r.reason, "entries 5.. missing at the end (deleted)");
	/* also moving the head back: only the recorded head hash catches it */
	exec("UPDATE audit_head SET seq = 4, hash = (SELECT hash FROM audit_log WHERE seq = 4)");
	assert_int_equal(verify(NULL).first_bad, 0);
	r = verify(ok.head);
	assert_int_equal(r.first_bad, 5);
	assert_string_equal(r.reason, "the recorded head hash is not in the chain (4 entries)");
	/* a head row that was edited or removed */
	exec("UPDATE audit_head SET hash = 'x'");
	r = verify(NULL);
	assert_int_equal(r.first_bad, 4);
	assert_string_equal(r.reason, "the head does not match entry 4");
	exec("DELETE FROM audit_head");
	r = verify(NULL);
	assert_int_equal(r.first_bad, 1);
	assert_string_equal(r.reason, "the head row is missing");
	/* an empty log with no head is intact */
	exec("DELETE FROM audit_log");
	exec("DELETE FROM audit_head");
	assert_int_equal(verify(NULL).first_bad, 0);
	assert_int_equal(verify(NULL).entries, 0);
}

static void test_in_caller_transaction(void **state)
{
	struct yq_audit_entry e = {1, "a", "x.y", NULL, NULL, NULL, NULL, NULL};
	exec("BEGIN IMMEDIATE");
	assert_int_equal(yq_audit_append(db, &e, NULL), 0);
	exec("ROLLBACK");
	assert_int_equal(verify(NULL).entries, 0);
	exec("BEGIN IMMEDIATE");
	assert_int_equal(yq_audit_append(db, &e, NULL), 0);
	exec("COMMIT");
	struct yq_audit_report r = verify(NULL);
	assert_int_equal(r.entries, 1);
	assert_int_equal(r.first_bad, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_chain_and_canonical_json, setup, teardown),
		cmocka_unit_test_setup_teardown(test_edit_detected, setup, teardown),
		cmocka_unit_test_setup_teardown(test_swapped_rows_detected, setup, teardown),
		cmocka_unit_test_setup_teardown(test_delete_middle_and_tail, setup, teardown),
		cmocka_unit_test_setup_teardown(test_delete_tail, setup, teardown),
		cmocka_unit_test_setup_teardown(test_in_caller_transaction, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
