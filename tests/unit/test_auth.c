/* test_auth.c — users and argon2id, the permission table, sessions with
 * field cases auth-01 (session fixation: login, logout and a role change
 * never keep the presented id) and auth-03 (the CSRF token is reissued with
 * the rotated session; the old one is refused), idle timeout and expiry,
 * login rate limits persisted across a reopen, API tokens. */
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

#include "auth/auth.h"
#include "base/error.h"

static char dir[64];
static char path[128];
static sqlite3 *db;
static const int64_t T0 = 1735689600; /* 2025-01-01T00:00:00Z */

static sqlite3 *open_db(void)
{
	sqlite3 *h = NULL;
	assert_int_equal(sqlite3_open(path, &h), SQLITE_OK);
	sqlite3_busy_timeout(h, 5000);
	assert_int_equal(sqlite3_exec(h, "PRAGMA journal_mode=WAL; PRAGMA foreign_keys=ON", NULL,
				      NULL, NULL),
			 SQLITE_OK);
	assert_int_equal(yq_auth_init(h), 0);
	assert_int_equal(yq_auth_init(h), 0); /* idempotent */
	return h;
}

static int setup(void **state)
{
	static int n;
	strcpy(dir, "/tmp/yq_test_auth_XXXXXX");
	if (!mkdtemp(dir))
		return -1;
	snprintf(path, sizeof path, "%s/a%d.db", dir, n++);
	db = open_db();
	return 0;
}

static int teardown(void **state)
{
	char cmd[128];
	sqlite3_close(db);
	db = NULL;
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

static void add(const char *name, enum yq_role r, const char *dept, const char *pw)
{
	struct yq_buf err = YQ_BUF_INIT;
	int rc = yq_auth_user_add(db, name, r, dept, pw, strlen(pw), T0, NULL, &err);
	if (rc)
		fprintf(stderr, "user_add %s: %s\n", name, err.s);
	assert_int_equal(rc, 0);
	yq_buf_release(&err);
}

static enum yq_login_result login(const char *name, const char *pw, const char *addr,
				  const char *old, int64_t now, struct yq_session_tokens *tok)
{
	enum yq_login_result res;
	int64_t wait;
	assert_int_equal(yq_auth_login(db, NULL, name, pw, strlen(pw), addr, old, now, &res, &wait,
				       tok, NULL),
			 0);
	return res;
}

static int kind_of(const char *sid, int64_t now)
{
	struct yq_principal p;
	assert_int_equal(yq_auth_session_check(db, NULL, sid, now, &p), 0);
	return p.kind;
}

static int csrf_ok(const char *sid, const char *tok, int64_t now)
{
	int ok = -1;
	assert_int_equal(yq_auth_csrf_check(db, NULL, sid, tok, now, &ok), 0);
	return ok;
}

/* The whole permission table, row by row as in auth.h: admin analyst leader
 * handler viewer. */
static void test_permission_table(void **state)
{
	static const char *const want[YQ_PERM_COUNT] = {
		"11111", "11000", "11100", "11000", "11000", "11101", "11000", "11000", "10100",
		"11010", "10100", "11000", "11000", "10010", "10000", "10000", "10000",
	};
	for (int p = 0; p < YQ_PERM_COUNT; p++)
		for (int r = 0; r < YQ_ROLE_COUNT; r++)
			assert_int_equal(yq_auth_allows((enum yq_role)r, (enum yq_perm)p),
					 want[p][r] == '1');
	assert_int_equal(yq_auth_allows(YQ_ROLE_COUNT, YQ_PERM_READ), 0);
	assert_int_equal(yq_auth_allows(YQ_ROLE_ADMIN, YQ_PERM_COUNT), 0);
	assert_string_equal(yq_auth_perm_name(YQ_PERM_CASE_INSTRUCT), "case_instruct");
	enum yq_role r;
	assert_int_equal(yq_auth_role_parse("监测员", &r), 0);
	assert_int_equal(r, YQ_ROLE_ANALYST);
	assert_int_equal(yq_auth_role_parse("handler", &r), 0);
	assert_int_equal(r, YQ_ROLE_HANDLER);
	assert_int_equal(yq_auth_role_parse("root", &r), YQ_EINVAL);
	assert_string_equal(yq_auth_role_name(YQ_ROLE_LEADER), "leader");
}

static void test_users_argon2id(void **state)
{
	struct yq_buf err = YQ_BUF_INIT;
	struct yq_user u, *list;
	size_t n;
	sqlite3_stmt *s;

	add("admin", YQ_ROLE_ADMIN, NULL, "correct horse battery");
	add("王处长", YQ_ROLE_HANDLER, "城管局", "secret-pw-123");
	/* stored as an argon2id string, never the password */
	assert_int_equal(sqlite3_prepare_v2(db, "SELECT pwhash FROM auth_users WHERE name='admin'",
					    -1, &s, NULL),
			 SQLITE_OK);
	assert_int_equal(sqlite3_step(s), SQLITE_ROW);
	const char *h = (const char *)sqlite3_column_text(s, 0);
	assert_int_equal(strncmp(h, "$argon2id$v=19$m=65536,t=2,p=1$", 31), 0);
	assert_null(strstr(h, "horse"));
	sqlite3_finalize(s);

	/* refusals */
	assert_int_equal(yq_auth_user_add(db, "a b", YQ_ROLE_VIEWER, NULL, "12345678", 8, T0, NULL,
					  &err),
			 YQ_EINVAL);
	assert_int_equal(yq_auth_user_add(db, "short", YQ_ROLE_VIEWER, NULL, "1234567", 7, T0, NULL,
					  &err),
			 YQ_EINVAL);
	assert_int_equal(yq_auth_user_add(db, "h2", YQ_ROLE_HANDLER, "", "12345678", 8, T0, NULL,
					  &err),
			 YQ_EINVAL);
	assert_string_equal(err.s, "a handler needs a department");
	assert_int_equal(yq_auth_user_add(db, "admin", YQ_ROLE_VIEWER, NULL, "12345678", 8, T0,
					  NULL, &err),
			 YQ_EDB);
	yq_buf_release(&err);

	assert_int_equal(yq_auth_user_get(db, "王处长", &u), 0);
	assert_int_equal(u.role, YQ_ROLE_HANDLER);
	assert_string_equal(u.department, "城管局");
	assert_int_equal(yq_auth_user_get(db, "nobody", &u), YQ_ENOTFOUND);
	assert_int_equal(yq_auth_user_list(db, &list, &n), 0);
	assert_int_equal(n, 2);
	assert_string_equal(list[0].name, "admin");
	free(list);

	struct yq_session_tokens tok;
	assert_int_equal(login("admin", "correct horse battery", "10.0.0.1", NULL, T0, &tok),
			 YQ_LOGIN_OK);
	assert_int_equal(login("admin", "correct horse batterY", "10.0.0.1", NULL, T0, &tok),
			 YQ_LOGIN_BAD);
	assert_int_equal(login("ghost", "correct horse battery", "10.0.0.1", NULL, T0, &tok),
			 YQ_LOGIN_BAD);
	assert_int_equal(yq_auth_user_set_password(db, "admin", "new password 2", 14), 0);
	assert_int_equal(login("admin", "correct horse battery", "10.0.0.2", NULL, T0, &tok),
			 YQ_LOGIN_BAD);
	assert_int_equal(login("admin", "new password 2", "10.0.0.2", NULL, T0, &tok), YQ_LOGIN_OK);
	assert_int_equal(yq_auth_user_set_disabled(db, "admin", 1), 0);
	assert_int_equal(kind_of(tok.sid, T0), YQ_PRINCIPAL_NONE);
	assert_int_equal(login("admin", "new password 2", "10.0.0.2", NULL, T0, &tok), YQ_LOGIN_BAD);
}

/* auth-01: the presented id never becomes the authenticated one. */
static void test_session_fixation(void **state)
{
	struct yq_session_tokens s0, s1, s2;
	struct yq_principal p;
	sqlite3_stmt *s;

	add("duty", YQ_ROLE_ANALYST, NULL, "duty-password");
	assert_int_equal(yq_auth_session_anon(db, NULL, T0, &s0), 0);
	assert_int_equal(strlen(s0.sid), 64);
	assert_int_equal(kind_of(s0.sid, T0), YQ_PRINCIPAL_ANON);
	assert_int_equal(login("duty", "duty-password", "127.0.0.1", s0.sid, T0 + 5, &s1),
			 YQ_LOGIN_OK);
	assert_string_not_equal(s1.sid, s0.sid);
	assert_int_equal(kind_of(s0.sid, T0 + 6), YQ_PRINCIPAL_NONE); /* step 3: 401 */
	assert_int_equal(yq_auth_session_check(db, NULL, s1.sid, T0 + 6, &p), 0);
	assert_int_equal(p.kind, YQ_PRINCIPAL_USER); /* step 4: 200 */
	assert_string_equal(p.name, "duty");
	assert_int_equal(p.role, YQ_ROLE_ANALYST);
	assert_int_equal(s1.expires, T0 + 5 + 12 * 3600);

	/* a planted id that the store never issued is not adopted either */
	char planted[65];
	memset(planted, 'a', 64);
	planted[64] = 0;
	assert_int_equal(login("duty", "duty-password", "127.0.0.1", planted, T0 + 7, &s2),
			 YQ_LOGIN_OK);
	assert_string_not_equal(s2.sid, planted);
	assert_int_equal(kind_of(planted, T0 + 8), YQ_PRINCIPAL_NONE);

	/* only hashes are stored */
	assert_int_equal(sqlite3_prepare_v2(db, "SELECT count(*) FROM auth_sessions WHERE"
						" id_hash = ?1 OR csrf_hash = ?1",
					    -1, &s, NULL),
			 SQLITE_OK);
	sqlite3_bind_text(s, 1, s1.sid, -1, SQLITE_STATIC);
	assert_int_equal(sqlite3_step(s), SQLITE_ROW);
	assert_int_equal(sqlite3_column_int(s, 0), 0);
	sqlite3_finalize(s);

	/* logout destroys it */
	assert_int_equal(yq_auth_logout(db, s2.sid), 0);
	assert_int_equal(kind_of(s2.sid, T0 + 9), YQ_PRINCIPAL_NONE);

	/* a role change (普通用户 -> 管理员) ends every session of the user */
	assert_int_equal(yq_auth_user_set_role(db, "duty", YQ_ROLE_ADMIN, NULL), 0);
	assert_int_equal(kind_of(s1.sid, T0 + 10), YQ_PRINCIPAL_NONE);
	assert_int_equal(login("duty", "duty-password", "127.0.0.1", s1.sid, T0 + 11, &s2),
			 YQ_LOGIN_OK);
	assert_int_equal(yq_auth_session_check(db, NULL, s2.sid, T0 + 12, &p), 0);
	assert_int_equal(p.role, YQ_ROLE_ADMIN);
	assert_int_equal(yq_auth_user_set_role(db, "nobody", YQ_ROLE_ADMIN, NULL), YQ_ENOTFOUND);
}

/* auth-03: T1 comes with the login and works at once; T0 is refused. */
static void test_csrf_rotation(void **state)
{
	struct yq_session_tokens s0, s1, s2;
	add("lead", YQ_ROLE_LEADER, NULL, "leader-password");
	assert_int_equal(yq_auth_session_anon(db, NULL, T0, &s0), 0);
	assert_int_equal(csrf_ok(s0.sid, s0.csrf, T0), 1);
	assert_int_equal(login("lead", "leader-password", "::1", s0.sid, T0 + 1, &s1), YQ_LOGIN_OK);
	assert_string_not_equal(s1.csrf, s0.csrf);
	assert_int_equal(csrf_ok(s1.sid, s1.csrf, T0 + 2), 1); /* first action: no 403 */
	assert_int_equal(csrf_ok(s1.sid, s0.csrf, T0 + 2), 0); /* old token: 403 */
	assert_int_equal(csrf_ok(s0.sid, s0.csrf, T0 + 2), 0);
	assert_int_equal(csrf_ok(s1.sid, NULL, T0 + 2), 0);
	assert_int_equal(csrf_ok(s1.sid, "x", T0 + 2), 0);

	/* rotation on a privilege change: same user, new id and token */
	assert_int_equal(yq_auth_session_rotate(db, NULL, s1.sid, T0 + 3, &s2), 0);
	assert_string_not_equal(s2.sid, s1.sid);
	assert_int_equal(s2.expires, s1.expires);
	assert_int_equal(kind_of(s1.sid, T0 + 4), YQ_PRINCIPAL_NONE);
	assert_int_equal(kind_of(s2.sid, T0 + 4), YQ_PRINCIPAL_USER);
	assert_int_equal(csrf_ok(s2.sid, s2.csrf, T0 + 4), 1);
	assert_int_equal(csrf_ok(s2.sid, s1.csrf, T0 + 4), 0);
	assert_int_equal(yq_auth_session_rotate(db, NULL, s1.sid, T0 + 5, &s0), YQ_ENOTFOUND);

	struct yq_buf b = YQ_BUF_INIT;
	assert_int_equal(yq_auth_cookie(&b, s2.sid, 3600, 0), 0);
	char want[256];
	snprintf(want, sizeof want, "yq_sid=%s; Path=/; HttpOnly; SameSite=Strict; Max-Age=3600",
		 s2.sid);
	assert_string_equal(b.s, want);
	yq_buf_reset(&b);
	assert_int_equal(yq_auth_cookie(&b, NULL, 3600, 1), 0);
	assert_string_equal(b.s, "yq_sid=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0; Secure");
	yq_buf_release(&b);
}

static void test_idle_and_expiry(void **state)
{
	struct yq_session_tokens s1, a;
	add("v", YQ_ROLE_VIEWER, NULL, "viewer-password");
	assert_int_equal(login("v", "viewer-password", NULL, NULL, T0, &s1), YQ_LOGIN_OK);
	/* requests every 29 minutes keep it alive (last_seen written each time) */
	for (int i = 1; i <= 24; i++)
		assert_int_equal(kind_of(s1.sid, T0 + i * 29 * 60), YQ_PRINCIPAL_USER);
	/* 24 × 29 min = 11 h 36 min; the absolute lifetime of 12 h still ends it */
	assert_int_equal(kind_of(s1.sid, T0 + 12 * 3600 - 1), YQ_PRINCIPAL_USER);
	assert_int_equal(kind_of(s1.sid, T0 + 12 * 3600), YQ_PRINCIPAL_NONE);
	/* idle for 30 minutes */
	assert_int_equal(login("v", "viewer-password", NULL, NULL, T0, &s1), YQ_LOGIN_OK);
	assert_int_equal(kind_of(s1.sid, T0 + 30 * 60 - 1), YQ_PRINCIPAL_USER);
	assert_int_equal(kind_of(s1.sid, T0 + 30 * 60 - 1 + 30 * 60), YQ_PRINCIPAL_NONE);
	/* anonymous sessions last an hour */
	assert_int_equal(yq_auth_session_anon(db, NULL, T0, &a), 0);
	assert_int_equal(kind_of(a.sid, T0 + 3599), YQ_PRINCIPAL_ANON);
	assert_int_equal(kind_of(a.sid, T0 + 3600), YQ_PRINCIPAL_NONE);
}

static void test_rate_limit_persisted(void **state)
{
	struct yq_session_tokens tok;
	enum yq_login_result res;
	int64_t wait = -1;

	add("zhang", YQ_ROLE_ANALYST, NULL, "zhang-password");
	for (int i = 0; i < 5; i++)
		assert_int_equal(login("zhang", "wrong-password", "192.0.2.1", NULL, T0 + i * 10, &tok),
				 YQ_LOGIN_BAD);
	/* a restart (reopen) does not reset the counters */
	sqlite3_close(db);
	db = open_db();
	assert_int_equal(yq_auth_login(db, NULL, "zhang", "zhang-password", 14, "192.0.2.9", NULL,
				       T0 + 60, &res, &wait, &tok, NULL),
			 0);
	assert_int_equal(res, YQ_LOGIN_LIMITED); /* even with the right password */
	assert_int_equal(wait, 15 * 60 - 60);    /* until the first failure leaves the window */
	/* the oldest failure leaves the window: 4 left, so one more try is allowed */
	assert_int_equal(login("zhang", "zhang-password", "192.0.2.9", NULL, T0 + 15 * 60, &tok),
			 YQ_LOGIN_OK);
	/* success cleared the user's counter */
	assert_int_equal(login("zhang", "wrong", "192.0.2.9", NULL, T0 + 15 * 60 + 1, &tok),
			 YQ_LOGIN_BAD);
	assert_int_equal(login("zhang", "zhang-password", "192.0.2.9", NULL, T0 + 15 * 60 + 2, &tok),
			 YQ_LOGIN_OK);

	/* per address: 20 failures over many names lock the address out */
	for (int i = 0; i < 20; i++) {
		char name[16];
		snprintf(name, sizeof name, "guess%d", i);
		assert_int_equal(login(name, "whatever1", "198.51.100.7", NULL, T0 + 2000 + i, &tok),
				 YQ_LOGIN_BAD);
	}
	assert_int_equal(login("zhang", "zhang-password", "198.51.100.7", NULL, T0 + 2030, &tok),
			 YQ_LOGIN_LIMITED);
	assert_int_equal(login("zhang", "zhang-password", "198.51.100.8", NULL, T0 + 2030, &tok),
			 YQ_LOGIN_OK);
}

static void test_api_tokens(void **state)
{
	char tok[YQ_AUTH_TOKEN_LEN + 1], tok2[YQ_AUTH_TOKEN_LEN + 1];
	int64_t id, id2;
	struct yq_user u;
	struct yq_principal p;

	add("collector", YQ_ROLE_ANALYST, NULL, "collector-pw");
	assert_int_equal(yq_auth_user_get(db, "collector", &u), 0);
	assert_int_equal(yq_auth_token_create(db, u.id, "rss pusher", T0, tok, &id), 0);
	assert_int_equal(strlen(tok), YQ_AUTH_TOKEN_LEN);
	assert_int_equal(strncmp(tok, "yqt_", 4), 0);
	assert_int_equal(yq_auth_token_create(db, u.id, NULL, T0, tok2, &id2), 0);
	assert_string_not_equal(tok, tok2);
	assert_int_equal(yq_auth_token_check(db, tok, &p), 0);
	assert_int_equal(p.kind, YQ_PRINCIPAL_USER);
	assert_int_equal(p.via_token, 1);
	assert_string_equal(p.name, "collector");
	/* the role follows the user */
	assert_int_equal(yq_auth_user_set_role(db, "collector", YQ_ROLE_VIEWER, NULL), 0);
	assert_int_equal(yq_auth_token_check(db, tok, &p), 0);
	assert_int_equal(p.role, YQ_ROLE_VIEWER);
	/* revoked: refused; the other token still works */
	assert_int_equal(yq_auth_token_revoke(db, id, T0 + 1), 0);
	assert_int_equal(yq_auth_token_revoke(db, id, T0 + 2), 0);
	assert_int_equal(yq_auth_token_check(db, tok, &p), 0);
	assert_int_equal(p.kind, YQ_PRINCIPAL_NONE);
	assert_int_equal(yq_auth_token_check(db, tok2, &p), 0);
	assert_int_equal(p.kind, YQ_PRINCIPAL_USER);
	/* a one-character change, garbage, a disabled user */
	tok2[10] = tok2[10] == 'a' ? 'b' : 'a';
	assert_int_equal(yq_auth_token_check(db, tok2, &p), 0);
	assert_int_equal(p.kind, YQ_PRINCIPAL_NONE);
	assert_int_equal(yq_auth_token_check(db, "Bearer x", &p), 0);
	assert_int_equal(p.kind, YQ_PRINCIPAL_NONE);
	assert_int_equal(yq_auth_token_revoke(db, 999, T0), YQ_ENOTFOUND);
	assert_int_equal(yq_auth_token_create(db, 999, NULL, T0, tok, NULL), YQ_ENOTFOUND);
}

/* the request gate: 401 without a principal, 403 for a missing or stale
 * CSRF token or a role without the permission, 200 otherwise */
static void test_request_gate(void **state)
{
	struct yq_session_tokens a, s1;
	struct yq_principal p;
	char tok[YQ_AUTH_TOKEN_LEN + 1];
	int st;
	int64_t now = T0 + 10;

	add("ana", YQ_ROLE_ANALYST, NULL, "analyst-password");
	add("vie", YQ_ROLE_VIEWER, NULL, "viewer-password");
	assert_int_equal(yq_auth_session_anon(db, NULL, T0, &a), 0);
	assert_int_equal(login("ana", "analyst-password", "127.0.0.1", a.sid, T0 + 1, &s1),
			 YQ_LOGIN_OK);
#define GATE(bearer, sid, csrf, unsafe, perm, want)                                               \
	do {                                                                                       \
		assert_int_equal(yq_auth_request(db, NULL, bearer, sid, csrf, unsafe, perm, now,   \
						 &p, &st),                                        \
				 0);                                                               \
		assert_int_equal(st, want);                                                        \
	} while (0)
	GATE(NULL, NULL, NULL, 0, YQ_PERM_READ, 401);
	GATE(NULL, a.sid, a.csrf, 1, YQ_PERM_ALERT_ACK, 401); /* the old anonymous session */
	GATE(NULL, s1.sid, NULL, 0, YQ_PERM_READ, 200);
	assert_string_equal(p.name, "ana");
	GATE(NULL, s1.sid, s1.csrf, 1, YQ_PERM_ALERT_ACK, 200);
	GATE(NULL, s1.sid, NULL, 1, YQ_PERM_ALERT_ACK, 403);
	GATE(NULL, s1.sid, a.csrf, 1, YQ_PERM_ALERT_ACK, 403); /* auth-03: T0 refused */
	GATE(NULL, s1.sid, s1.csrf, 1, YQ_PERM_USER_ADMIN, 403);
	struct yq_user u;
	assert_int_equal(yq_auth_user_get(db, "vie", &u), 0);
	assert_int_equal(yq_auth_token_create(db, u.id, NULL, T0, tok, NULL), 0);
	GATE(tok, NULL, NULL, 1, YQ_PERM_READ, 200); /* a token needs no CSRF token */
	GATE(tok, NULL, NULL, 1, YQ_PERM_POST_PUSH, 403);
	GATE("yqt_nope", s1.sid, s1.csrf, 0, YQ_PERM_READ, 401); /* a bad token is not ignored */
#undef GATE
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_permission_table),
		cmocka_unit_test_setup_teardown(test_users_argon2id, setup, teardown),
		cmocka_unit_test_setup_teardown(test_session_fixation, setup, teardown),
		cmocka_unit_test_setup_teardown(test_csrf_rotation, setup, teardown),
		cmocka_unit_test_setup_teardown(test_idle_and_expiry, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rate_limit_persisted, setup, teardown),
		cmocka_unit_test_setup_teardown(test_api_tokens, setup, teardown),
		cmocka_unit_test_setup_teardown(test_request_gate, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
