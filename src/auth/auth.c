/*
 * auth.c — users, roles, sessions, CSRF and API tokens, login rate limits.
 *
 * Design (auth.h has the contract):
 * - Secrets shown to clients (session id, API token) are 32 bytes from
 *   randombytes_buf in lowercase hex.  A session's CSRF token is derived
 *   from its id (keyed BLAKE2b, csrf_of): every GET /api/csrf of one
 *   session gives the same token, so a second browser tab does not
 *   invalidate the first one's, and a new session id (login, rotation)
 *   means a new token (auth-03).  The database keeps only
 *   SHA-256(hex text) in hex, looked up by equality.  A lookup by hash is
 *   not a timing oracle on the secret (the attacker would have to invert
 *   SHA-256); the CSRF comparison, which is against a known row, uses
 *   sodium_memcmp.
 * - Passwords: crypto_pwhash_str (argon2id, interactive limits).  Login
 *   with an unknown name verifies against a dummy hash made once per
 *   process (pthread_once), so it costs the same time as a wrong password.
 * - Login reads the failure counters, verifies the password with no
 *   transaction open (argon2 takes ~0.1 s and 64 MiB), then writes the
 *   failure, or destroys the presented session and creates the new one, in
 *   one IMMEDIATE transaction.  Logins racing in parallel can overshoot a
 *   limit by the number in flight.
 * - Invariant: a session row's user_id is NULL (anonymous) or a user; a
 *   login never turns an existing row into an authenticated one (auth-01):
 *   authenticated rows are only ever created by login/rotate with a fresh
 *   id and a fresh CSRF token.
 */
#include "auth/auth.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "auth/txn.h"
#include "base/error.h"
#include "base/utf8.h"

#define LABEL_MAX 128
#define TOUCH_INTERVAL 60 /* s between last_seen writes */

static const char *const role_names[YQ_ROLE_COUNT] = {"admin", "analyst", "leader", "handler",
						      "viewer"};
static const char *const role_zh[YQ_ROLE_COUNT] = {"管理员", "监测员", "领导", "处置人员", "只读"};

static const char *const perm_names[YQ_PERM_COUNT] = {
	"read",         "post_push",    "alert_ack",      "scheme_write",   "source_write",
	"case_read_all", "case_create", "case_assign",    "case_instruct",  "case_handle",
	"case_supervise", "case_close", "message_write",  "contact_read",   "user_admin",
	"audit_read",   "config_write",
};

/* Bit r set: role r holds the permission.  Keep in step with auth.h. */
#define A (1u << YQ_ROLE_ADMIN)
#define N (1u << YQ_ROLE_ANALYST)
#define L (1u << YQ_ROLE_LEADER)
#define H (1u << YQ_ROLE_HANDLER)
#define V (1u << YQ_ROLE_VIEWER)
static const unsigned perm_roles[YQ_PERM_COUNT] = {
	[YQ_PERM_READ] = A | N | L | H | V,
	[YQ_PERM_POST_PUSH] = A | N,
	[YQ_PERM_ALERT_ACK] = A | N | L,
	[YQ_PERM_SCHEME_WRITE] = A | N,
	[YQ_PERM_SOURCE_WRITE] = A | N,
	[YQ_PERM_CASE_READ_ALL] = A | N | L | V,
	[YQ_PERM_CASE_CREATE] = A | N,
	[YQ_PERM_CASE_ASSIGN] = A | N,
	[YQ_PERM_CASE_INSTRUCT] = A | L,
	[YQ_PERM_CASE_HANDLE] = A | N | H,
	[YQ_PERM_CASE_SUPERVISE] = A | L,
	[YQ_PERM_CASE_CLOSE] = A | N,
	[YQ_PERM_MESSAGE_WRITE] = A | N,
	[YQ_PERM_CONTACT_READ] = A | H,
	[YQ_PERM_USER_ADMIN] = A,
	[YQ_PERM_AUDIT_READ] = A,
	[YQ_PERM_CONFIG_WRITE] = A,
};
#undef A
#undef N
#undef L
#undef H
#undef V

const char *yq_auth_role_name(enum yq_role role)
{
	return (unsigned)role < YQ_ROLE_COUNT ? role_names[role] : "?";
}

int yq_auth_role_parse(const char *s, enum yq_role *out)
{
	if (!s)
		return YQ_EINVAL;
	for (int r = 0; r < YQ_ROLE_COUNT; r++)
		if (!strcmp(s, role_names[r]) || !strcmp(s, role_zh[r])) {
			*out = (enum yq_role)r;
			return 0;
		}
	return YQ_EINVAL;
}

const char *yq_auth_perm_name(enum yq_perm perm)
{
	return (unsigned)perm < YQ_PERM_COUNT ? perm_names[perm] : "?";
}

int yq_auth_allows(enum yq_role role, enum yq_perm perm)
{
	if ((unsigned)role >= YQ_ROLE_COUNT || (unsigned)perm >= YQ_PERM_COUNT)
		return 0;
	return (perm_roles[perm] >> role) & 1u;
}

void yq_auth_policy_default(struct yq_auth_policy *p)
{
	p->session_ttl = 12 * 3600;
	p->idle_timeout = 30 * 60;
	p->anon_ttl = 3600;
	p->fail_window = 15 * 60;
	p->user_max_failures = 5;
	p->addr_max_failures = 20;
}

static const struct yq_auth_policy *policy_or_default(const struct yq_auth_policy *p,
						      struct yq_auth_policy *tmp)
{
	if (p)
		return p;
	yq_auth_policy_default(tmp);
	return tmp;
}

/* ---- schema ---- */

static const char SCHEMA[] =
	"CREATE TABLE IF NOT EXISTS auth_users("
	" id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, role TEXT NOT NULL,"
	" department TEXT NOT NULL DEFAULT '', pwhash TEXT NOT NULL,"
	" disabled INTEGER NOT NULL DEFAULT 0, created INTEGER NOT NULL);"
	"CREATE TABLE IF NOT EXISTS auth_sessions("
	" id_hash TEXT PRIMARY KEY, user_id INTEGER REFERENCES auth_users(id) ON DELETE CASCADE,"
	" csrf_hash TEXT NOT NULL, created INTEGER NOT NULL, last_seen INTEGER NOT NULL,"
	" expires INTEGER NOT NULL);"
	"CREATE INDEX IF NOT EXISTS auth_sessions_user ON auth_sessions(user_id);"
	"CREATE INDEX IF NOT EXISTS auth_sessions_expires ON auth_sessions(expires);"
	"CREATE TABLE IF NOT EXISTS auth_tokens("
	" id INTEGER PRIMARY KEY, user_id INTEGER NOT NULL REFERENCES auth_users(id) ON DELETE CASCADE,"
	" token_hash TEXT NOT NULL UNIQUE, label TEXT, created INTEGER NOT NULL, revoked INTEGER);"
	"CREATE TABLE IF NOT EXISTS auth_failures(kind TEXT NOT NULL, key TEXT NOT NULL,"
	" time INTEGER NOT NULL);"
	"CREATE INDEX IF NOT EXISTS auth_failures_key ON auth_failures(kind, key, time);"
	"CREATE INDEX IF NOT EXISTS auth_failures_time ON auth_failures(time);";

int yq_auth_init(sqlite3 *db)
{
	struct yq_txn t;
	if (sodium_init() < 0) /* idempotent and thread-safe */
		return YQ_ENOMEM;
	int rc = yq_txn_begin(db, &t);
	if (rc)
		return rc;
	return yq_txn_end(&t, yq_txn_exec(db, SCHEMA));
}

/* ---- helpers ---- */

static void set_err(struct yq_buf *err, const char *msg)
{
	if (err) {
		yq_buf_reset(err);
		yq_buf_adds(err, msg);
	}
}

/* sha_hex: hex SHA-256 of s[0..n) into out[65]. */
static void sha_hex(const char *s, size_t n, char out[65])
{
	unsigned char h[crypto_hash_sha256_BYTES];
	crypto_hash_sha256(h, (const unsigned char *)s, n);
	sodium_bin2hex(out, 65, h, sizeof h);
}

/* csrf_of: the CSRF token of session id sid (64 hex digits): hex of
 * BLAKE2b-256 keyed with sid's 32 bytes over a fixed label.  Knowing the
 * token does not reveal sid (a keyed hash); nobody without sid can make it. */
static void csrf_of(const char sid[YQ_AUTH_SECRET_HEX + 1], char out[YQ_AUTH_SECRET_HEX + 1])
{
	static const unsigned char label[] = "yuqing csrf v1";
	unsigned char key[32], h[32];
	sodium_hex2bin(key, sizeof key, sid, YQ_AUTH_SECRET_HEX, NULL, NULL, NULL);
	crypto_generichash(h, sizeof h, label, sizeof label - 1, key, sizeof key);
	sodium_bin2hex(out, YQ_AUTH_SECRET_HEX + 1, h, sizeof h);
	sodium_memzero(key, sizeof key);
}

static void random_hex(char out[YQ_AUTH_SECRET_HEX + 1])
{
	unsigned char b[32];
	randombytes_buf(b, sizeof b);
	sodium_bin2hex(out, YQ_AUTH_SECRET_HEX + 1, b, sizeof b);
	sodium_memzero(b, sizeof b);
}

/* is_hex64: s is exactly 64 lowercase hex digits. */
static int is_hex64(const char *s)
{
	if (!s)
		return 0;
	size_t i = 0;
	for (; s[i]; i++) {
		if (i >= YQ_AUTH_SECRET_HEX)
			return 0;
		char c = s[i];
		if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
			return 0;
	}
	return i == YQ_AUTH_SECRET_HEX;
}

static int check_name(const char *name)
{
	if (!name)
		return 0;
	size_t n = strlen(name);
	if (n == 0 || n > YQ_AUTH_NAME_MAX || !yq_utf8_valid(name, n))
		return 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)name[i];
		if (c <= 0x20 || c == 0x7f || c == ':')
			return 0;
	}
	return 1;
}

static int check_dept(enum yq_role role, const char *dept, struct yq_buf *err)
{
	size_t n = dept ? strlen(dept) : 0;
	if ((unsigned)role >= YQ_ROLE_COUNT) {
		set_err(err, "unknown role");
		return YQ_EINVAL;
	}
	if (n > YQ_AUTH_DEPT_MAX || (n && !yq_utf8_valid(dept, n))) {
		set_err(err, "department name too long or not UTF-8");
		return YQ_EINVAL;
	}
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)dept[i] < 0x20 || dept[i] == 0x7f) {
			set_err(err, "control character in the department name");
			return YQ_EINVAL;
		}
	if (role == YQ_ROLE_HANDLER && n == 0) {
		set_err(err, "a handler needs a department");
		return YQ_EINVAL;
	}
	return 0;
}

static int hash_password(const char *pw, size_t pwlen, char out[crypto_pwhash_STRBYTES],
			 struct yq_buf *err)
{
	if (!pw || pwlen < YQ_AUTH_PASSWORD_MIN || pwlen > YQ_AUTH_PASSWORD_MAX) {
		set_err(err, "the password must have 8 to 1024 bytes");
		return YQ_EINVAL;
	}
	if (crypto_pwhash_str(out, pw, pwlen, crypto_pwhash_OPSLIMIT_INTERACTIVE,
			      crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0) {
		set_err(err, "argon2id could not allocate its memory");
		return YQ_ENOMEM;
	}
	return 0;
}

static int step_done(sqlite3_stmt *s)
{
	int r = sqlite3_step(s);
	return r == SQLITE_DONE || r == SQLITE_ROW ? 0 : YQ_EDB;
}

static void copy_str(char *dst, size_t cap, const unsigned char *src)
{
	snprintf(dst, cap, "%s", src ? (const char *)src : "");
}

static enum yq_role role_of(const unsigned char *s)
{
	enum yq_role r = YQ_ROLE_VIEWER; /* an unknown stored role gets least rights */
	yq_auth_role_parse((const char *)s, &r);
	return r;
}

/* ---- users ---- */

int yq_auth_user_add(sqlite3 *db, const char *name, enum yq_role role, const char *department,
		     const char *pw, size_t pwlen, int64_t now, int64_t *id_out, struct yq_buf *err)
{
	char hash[crypto_pwhash_STRBYTES];
	sqlite3_stmt *s = NULL;
	int rc;

	if (!check_name(name)) {
		set_err(err, "a user name has 1 to 64 bytes of UTF-8 without spaces, controls or ':'");
		return YQ_EINVAL;
	}
	if ((rc = check_dept(role, department, err)) || (rc = hash_password(pw, pwlen, hash, err)))
		return rc;
	if (sqlite3_prepare_v2(db,
			       "INSERT INTO auth_users(name, role, department, pwhash, created)"
			       " VALUES (?1, ?2, ?3, ?4, ?5)",
			       -1, &s, NULL) != SQLITE_OK) {
		rc = YQ_EDB;
		goto out;
	}
	sqlite3_bind_text(s, 1, name, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, role_names[role], -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 3, department ? department : "", -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 4, hash, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 5, now);
	if (sqlite3_step(s) != SQLITE_DONE) {
		rc = YQ_EDB;
		goto out;
	}
	if (id_out)
		*id_out = sqlite3_last_insert_rowid(db);
out:
	if (rc == YQ_EDB && err) {
		yq_buf_reset(err);
		yq_buf_adds(err, sqlite3_errmsg(db));
	}
	sqlite3_finalize(s);
	sodium_memzero(hash, sizeof hash);
	return rc;
}

static void user_from_row(sqlite3_stmt *s, struct yq_user *u)
{
	memset(u, 0, sizeof *u);
	u->id = sqlite3_column_int64(s, 0);
	copy_str(u->name, sizeof u->name, sqlite3_column_text(s, 1));
	u->role = role_of(sqlite3_column_text(s, 2));
	copy_str(u->department, sizeof u->department, sqlite3_column_text(s, 3));
	u->disabled = sqlite3_column_int(s, 4) != 0;
	u->created = sqlite3_column_int64(s, 5);
}

#define USER_COLS "id, name, role, department, disabled, created"

int yq_auth_user_get(sqlite3 *db, const char *name, struct yq_user *out)
{
	sqlite3_stmt *s = NULL;
	int rc = 0;
	if (sqlite3_prepare_v2(db, "SELECT " USER_COLS " FROM auth_users WHERE name = ?1", -1, &s,
			       NULL) != SQLITE_OK)
		return YQ_EDB;
	sqlite3_bind_text(s, 1, name, -1, SQLITE_STATIC);
	int r = sqlite3_step(s);
	if (r == SQLITE_ROW)
		user_from_row(s, out);
	else
		rc = r == SQLITE_DONE ? YQ_ENOTFOUND : YQ_EDB;
	sqlite3_finalize(s);
	return rc;
}

int yq_auth_user_list(sqlite3 *db, struct yq_user **out, size_t *n)
{
	sqlite3_stmt *s = NULL;
	struct yq_user *v = NULL;
	size_t len = 0, cap = 0;
	int rc = 0, r;

	*out = NULL;
	*n = 0;
	if (sqlite3_prepare_v2(db, "SELECT " USER_COLS " FROM auth_users ORDER BY name", -1, &s,
			       NULL) != SQLITE_OK)
		return YQ_EDB;
	while ((r = sqlite3_step(s)) == SQLITE_ROW) {
		if (len == cap) {
			size_t nc = cap ? 2 * cap : 8;
			struct yq_user *nv = realloc(v, nc * sizeof *nv);
			if (!nv) {
				rc = YQ_ENOMEM;
				goto out;
			}
			v = nv;
			cap = nc;
		}
		user_from_row(s, &v[len++]);
	}
	if (r != SQLITE_DONE)
		rc = YQ_EDB;
out:
	sqlite3_finalize(s);
	if (rc) {
		free(v);
		return rc;
	}
	*out = v;
	*n = len;
	return 0;
}

/* update_user: runs sql (?1 = name, then the optional text ?2 and ?3) and
 * deletes the user's sessions, in one transaction. */
static int update_user(sqlite3 *db, const char *sql, const char *name, const char *a2,
		       const char *a3, int i2)
{
	struct yq_txn t;
	sqlite3_stmt *s = NULL;
	int rc = yq_txn_begin(db, &t);
	if (rc)
		return rc;
	if (sqlite3_prepare_v2(db, sql, -1, &s, NULL) != SQLITE_OK) {
		rc = YQ_EDB;
		goto out;
	}
	sqlite3_bind_text(s, 1, name, -1, SQLITE_STATIC);
	if (a2)
		sqlite3_bind_text(s, 2, a2, -1, SQLITE_STATIC);
	else
		sqlite3_bind_int(s, 2, i2);
	if (a3)
		sqlite3_bind_text(s, 3, a3, -1, SQLITE_STATIC);
	if (sqlite3_step(s) != SQLITE_DONE) {
		rc = YQ_EDB;
		goto out;
	}
	if (sqlite3_changes(db) == 0) {
		rc = YQ_ENOTFOUND;
		goto out;
	}
	sqlite3_finalize(s);
	s = NULL;
	if (sqlite3_prepare_v2(db,
			       "DELETE FROM auth_sessions WHERE user_id ="
			       " (SELECT id FROM auth_users WHERE name = ?1)",
			       -1, &s, NULL) != SQLITE_OK) {
		rc = YQ_EDB;
		goto out;
	}
	sqlite3_bind_text(s, 1, name, -1, SQLITE_STATIC);
	rc = step_done(s);
out:
	sqlite3_finalize(s);
	return yq_txn_end(&t, rc);
}

int yq_auth_user_set_role(sqlite3 *db, const char *name, enum yq_role role,
			  const char *department)
{
	int rc = check_dept(role, department, NULL);
	if (rc)
		return rc;
	return update_user(db, "UPDATE auth_users SET role = ?2, department = ?3 WHERE name = ?1",
			   name, role_names[role], department ? department : "", 0);
}

int yq_auth_user_set_password(sqlite3 *db, const char *name, const char *pw, size_t pwlen)
{
	char hash[crypto_pwhash_STRBYTES];
	int rc = hash_password(pw, pwlen, hash, NULL);
	if (rc)
		return rc;
	rc = update_user(db, "UPDATE auth_users SET pwhash = ?2 WHERE name = ?1", name, hash, NULL,
			 0);
	sodium_memzero(hash, sizeof hash);
	return rc;
}

int yq_auth_user_set_disabled(sqlite3 *db, const char *name, int disabled)
{
	return update_user(db, "UPDATE auth_users SET disabled = ?2 WHERE name = ?1", name, NULL,
			   NULL, disabled != 0);
}

/* ---- sessions ---- */

/* new_session: inserts a session for user_id (0: anonymous) with fresh
 * secrets into out.  Inside the caller's transaction. */
static int new_session(sqlite3 *db, int64_t user_id, int64_t now, int64_t expires,
		       struct yq_session_tokens *out)
{
	char idh[65], csh[65];
	sqlite3_stmt *s = NULL;
	int rc;

	random_hex(out->sid);
	csrf_of(out->sid, out->csrf);
	out->expires = expires;
	sha_hex(out->sid, YQ_AUTH_SECRET_HEX, idh);
	sha_hex(out->csrf, YQ_AUTH_SECRET_HEX, csh);
	if (sqlite3_prepare_v2(db,
			       "INSERT INTO auth_sessions(id_hash, user_id, csrf_hash, created,"
			       " last_seen, expires) VALUES (?1, ?2, ?3, ?4, ?4, ?5)",
			       -1, &s, NULL) != SQLITE_OK)
		return YQ_EDB;
	sqlite3_bind_text(s, 1, idh, -1, SQLITE_STATIC);
	if (user_id)
		sqlite3_bind_int64(s, 2, user_id);
	else
		sqlite3_bind_null(s, 2);
	sqlite3_bind_text(s, 3, csh, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 4, now);
	sqlite3_bind_int64(s, 5, expires);
	rc = sqlite3_step(s) == SQLITE_DONE ? 0 : YQ_EDB;
	sqlite3_finalize(s);
	return rc;
}

/* delete_session: removes the session whose id is sid (if well-formed). */
static int delete_session(sqlite3 *db, const char *sid)
{
	char idh[65];
	sqlite3_stmt *s = NULL;
	int rc;
	if (!is_hex64(sid))
		return 0;
	sha_hex(sid, YQ_AUTH_SECRET_HEX, idh);
	if (sqlite3_prepare_v2(db, "DELETE FROM auth_sessions WHERE id_hash = ?1", -1, &s, NULL) !=
	    SQLITE_OK)
		return YQ_EDB;
	sqlite3_bind_text(s, 1, idh, -1, SQLITE_STATIC);
	rc = step_done(s);
	sqlite3_finalize(s);
	return rc;
}

static int purge_expired(sqlite3 *db, int64_t now)
{
	sqlite3_stmt *s = NULL;
	int rc;
	if (sqlite3_prepare_v2(db, "DELETE FROM auth_sessions WHERE expires <= ?1", -1, &s, NULL) !=
	    SQLITE_OK)
		return YQ_EDB;
	sqlite3_bind_int64(s, 1, now);
	rc = step_done(s);
	sqlite3_finalize(s);
	return rc;
}

int yq_auth_session_anon(sqlite3 *db, const struct yq_auth_policy *policy, int64_t now,
			 struct yq_session_tokens *out)
{
	struct yq_auth_policy tmp;
	const struct yq_auth_policy *p = policy_or_default(policy, &tmp);
	struct yq_txn t;
	int rc = yq_txn_begin(db, &t);
	if (rc)
		return rc;
	if (!(rc = purge_expired(db, now)))
		rc = new_session(db, 0, now, now + p->anon_ttl, out);
	return yq_txn_end(&t, rc);
}

/* The row of a session: user, validity and the CSRF hash. */
struct sess_row {
	int found, valid;
	int64_t user_id, last_seen, expires;
	char csrf_hash[65];
};

/* load_session: looks sid up; a session that is expired, idle too long or
 * whose user is disabled is deleted and reported as not valid.  Fills who
 * (if not NULL) for a valid one. */
static int load_session(sqlite3 *db, const struct yq_auth_policy *p, const char *sid,
			int64_t now, struct sess_row *row, struct yq_principal *who)
{
	char idh[65];
	sqlite3_stmt *s = NULL;
	int rc = 0, r;

	memset(row, 0, sizeof *row);
	if (who) {
		memset(who, 0, sizeof *who);
		who->kind = YQ_PRINCIPAL_NONE;
	}
	if (!is_hex64(sid))
		return 0;
	sha_hex(sid, YQ_AUTH_SECRET_HEX, idh);
	if (sqlite3_prepare_v2(db,
			       "SELECT s.user_id, s.last_seen, s.expires, s.csrf_hash, u.name, u.role,"
			       " u.department, u.disabled FROM auth_sessions s"
			       " LEFT JOIN auth_users u ON u.id = s.user_id WHERE s.id_hash = ?1",
			       -1, &s, NULL) != SQLITE_OK)
		return YQ_EDB;
	sqlite3_bind_text(s, 1, idh, -1, SQLITE_STATIC);
	r = sqlite3_step(s);
	if (r == SQLITE_DONE)
		goto out;
	if (r != SQLITE_ROW) {
		rc = YQ_EDB;
		goto out;
	}
	row->found = 1;
	row->user_id = sqlite3_column_int64(s, 0);
	row->last_seen = sqlite3_column_int64(s, 1);
	row->expires = sqlite3_column_int64(s, 2);
	copy_str(row->csrf_hash, sizeof row->csrf_hash, sqlite3_column_text(s, 3));
	int anon = sqlite3_column_type(s, 0) == SQLITE_NULL;
	int dead = now >= row->expires || (!anon && now - row->last_seen >= p->idle_timeout) ||
		   (!anon && (sqlite3_column_type(s, 4) == SQLITE_NULL || sqlite3_column_int(s, 7)));
	if (!dead) {
		row->valid = 1;
		if (who) {
			who->kind = anon ? YQ_PRINCIPAL_ANON : YQ_PRINCIPAL_USER;
			if (!anon) {
				who->user_id = row->user_id;
				copy_str(who->name, sizeof who->name, sqlite3_column_text(s, 4));
				who->role = role_of(sqlite3_column_text(s, 5));
				copy_str(who->department, sizeof who->department,
					 sqlite3_column_text(s, 6));
			}
		}
	}
	sqlite3_finalize(s);
	s = NULL;
	if (dead)
		rc = delete_session(db, sid);
out:
	sqlite3_finalize(s);
	return rc;
}

int yq_auth_session_check(sqlite3 *db, const struct yq_auth_policy *policy, const char *sid,
			  int64_t now, struct yq_principal *out)
{
	struct yq_auth_policy tmp;
	const struct yq_auth_policy *p = policy_or_default(policy, &tmp);
	struct sess_row row;
	int rc = load_session(db, p, sid, now, &row, out);
	if (rc || !row.valid || now - row.last_seen < TOUCH_INTERVAL)
		return rc;
	char idh[65];
	sqlite3_stmt *s = NULL;
	sha_hex(sid, YQ_AUTH_SECRET_HEX, idh);
	if (sqlite3_prepare_v2(db, "UPDATE auth_sessions SET last_seen = ?2 WHERE id_hash = ?1", -1,
			       &s, NULL) != SQLITE_OK)
		return YQ_EDB;
	sqlite3_bind_text(s, 1, idh, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 2, now);
	rc = step_done(s);
	sqlite3_finalize(s);
	return rc;
}

int yq_auth_session_rotate(sqlite3 *db, const struct yq_auth_policy *policy, const char *old_sid,
			   int64_t now, struct yq_session_tokens *out)
{
	struct yq_auth_policy tmp;
	const struct yq_auth_policy *p = policy_or_default(policy, &tmp);
	struct sess_row row;
	struct yq_txn t;
	int rc = yq_txn_begin(db, &t);
	if (rc)
		return rc;
	if ((rc = load_session(db, p, old_sid, now, &row, NULL)))
		goto out;
	if (!row.valid) {
		rc = YQ_ENOTFOUND;
		goto out;
	}
	if (!(rc = delete_session(db, old_sid)))
		rc = new_session(db, row.user_id, now, row.expires, out);
out:
	return yq_txn_end(&t, rc);
}

int yq_auth_csrf_token(sqlite3 *db, const struct yq_auth_policy *policy, const char *sid,
		       int64_t now, char csrf[YQ_AUTH_SECRET_HEX + 1])
{
	struct yq_auth_policy tmp;
	const struct yq_auth_policy *p = policy_or_default(policy, &tmp);
	struct sess_row row;
	struct yq_txn t;
	char idh[65], csh[65];
	sqlite3_stmt *s = NULL;
	int rc = yq_txn_begin(db, &t);
	if (rc)
		return rc;
	if ((rc = load_session(db, p, sid, now, &row, NULL)))
		goto out;
	if (!row.valid) {
		rc = YQ_ENOTFOUND;
		goto out;
	}
	csrf_of(sid, csrf);
	sha_hex(sid, YQ_AUTH_SECRET_HEX, idh);
	sha_hex(csrf, YQ_AUTH_SECRET_HEX, csh);
	/* the same hash for a session made here; a session made by a version
	 * with random tokens gets the derived one from now on */
	if (sqlite3_prepare_v2(db, "UPDATE auth_sessions SET csrf_hash = ?2 WHERE id_hash = ?1"
			       " AND csrf_hash <> ?2", -1,
			       &s, NULL) != SQLITE_OK) {
		rc = YQ_EDB;
		goto out;
	}
	sqlite3_bind_text(s, 1, idh, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, csh, -1, SQLITE_STATIC);
	rc = step_done(s);
	sqlite3_finalize(s);
out:
	return yq_txn_end(&t, rc);
}

int yq_auth_logout(sqlite3 *db, const char *sid)
{
	return delete_session(db, sid);
}

int yq_auth_csrf_check(sqlite3 *db, const struct yq_auth_policy *policy, const char *sid,
		       const char *token, int64_t now, int *ok)
{
	struct yq_auth_policy tmp;
	const struct yq_auth_policy *p = policy_or_default(policy, &tmp);
	struct sess_row row;
	char th[65];
	int rc;

	*ok = 0;
	if (!is_hex64(token))
		return 0;
	if ((rc = load_session(db, p, sid, now, &row, NULL)) || !row.valid)
		return rc;
	sha_hex(token, YQ_AUTH_SECRET_HEX, th);
	*ok = strlen(row.csrf_hash) == 64 && sodium_memcmp(th, row.csrf_hash, 64) == 0;
	return 0;
}

int yq_auth_cookie(struct yq_buf *b, const char *sid, int64_t max_age, int secure)
{
	int rc = yq_buf_printf(b, "%s=%s; Path=/; HttpOnly; SameSite=Strict; Max-Age=%lld",
			       YQ_AUTH_COOKIE, sid ? sid : "", sid ? (long long)max_age : 0LL);
	if (!rc && secure)
		rc = yq_buf_adds(b, "; Secure");
	return rc;
}

/* ---- login ---- */

static pthread_once_t dummy_once = PTHREAD_ONCE_INIT;
static char dummy_hash[crypto_pwhash_STRBYTES];

static void make_dummy(void)
{
	char pw[YQ_AUTH_SECRET_HEX + 1];
	random_hex(pw);
	if (crypto_pwhash_str(dummy_hash, pw, YQ_AUTH_SECRET_HEX,
			      crypto_pwhash_OPSLIMIT_INTERACTIVE,
			      crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0)
		dummy_hash[0] = '\0';
}

/* failures: count in the window and the oldest time, for (kind, key). */
static int failures(sqlite3 *db, const char *kind, const char *key, int64_t since, int *count,
		    int64_t *oldest)
{
	sqlite3_stmt *s = NULL;
	int rc = 0;
	if (sqlite3_prepare_v2(db,
			       "SELECT count(*), min(time) FROM auth_failures"
			       " WHERE kind = ?1 AND key = ?2 AND time > ?3",
			       -1, &s, NULL) != SQLITE_OK)
		return YQ_EDB;
	sqlite3_bind_text(s, 1, kind, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, key, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 3, since);
	if (sqlite3_step(s) == SQLITE_ROW) {
		*count = sqlite3_column_int(s, 0);
		*oldest = sqlite3_column_int64(s, 1);
	} else {
		rc = YQ_EDB;
	}
	sqlite3_finalize(s);
	return rc;
}

/* exec_bind2: runs sql with ?1 = a, ?2 = b and ?3 = t (if sql has a ?3). */
static int exec_bind2(sqlite3 *db, const char *sql, const char *a, const char *b, int64_t t)
{
	sqlite3_stmt *s = NULL;
	int rc;
	if (sqlite3_prepare_v2(db, sql, -1, &s, NULL) != SQLITE_OK)
		return YQ_EDB;
	sqlite3_bind_text(s, 1, a, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, b, -1, SQLITE_STATIC);
	if (sqlite3_bind_parameter_count(s) >= 3)
		sqlite3_bind_int64(s, 3, t);
	rc = step_done(s);
	sqlite3_finalize(s);
	return rc;
}

#define INSERT_FAILURE "INSERT INTO auth_failures(kind, key, time) VALUES (?1, ?2, ?3)"

int yq_auth_login(sqlite3 *db, const struct yq_auth_policy *policy, const char *name,
		  const char *pw, size_t pwlen, const char *addr, const char *old_sid, int64_t now,
		  enum yq_login_result *result, int64_t *retry_after, struct yq_session_tokens *out,
		  struct yq_principal *who)
{
	struct yq_auth_policy tmp;
	const struct yq_auth_policy *p = policy_or_default(policy, &tmp);
	char stored[crypto_pwhash_STRBYTES] = "";
	struct yq_user u;
	struct yq_txn t;
	int rc, nu = 0, na = 0, known = 0, good;
	int64_t ou = 0, oa = 0, since = now - p->fail_window;
	const char *key = name && strlen(name) <= YQ_AUTH_NAME_MAX ? name : "";

	*result = YQ_LOGIN_BAD;
	if (retry_after)
		*retry_after = 0;
	if (who) {
		memset(who, 0, sizeof *who);
		who->kind = YQ_PRINCIPAL_NONE;
	}
	if (!addr || !*addr)
		addr = "-";
	if ((rc = failures(db, "user", key, since, &nu, &ou)) ||
	    (rc = failures(db, "addr", addr, since, &na, &oa)))
		return rc;
	if (nu >= p->user_max_failures || na >= p->addr_max_failures) {
		int64_t wait = 0;
		if (nu >= p->user_max_failures)
			wait = ou + p->fail_window - now;
		if (na >= p->addr_max_failures && oa + p->fail_window - now > wait)
			wait = oa + p->fail_window - now;
		*result = YQ_LOGIN_LIMITED;
		if (retry_after)
			*retry_after = wait > 0 ? wait : 1;
		return 0;
	}

	/* the stored hash, read without a transaction */
	if (check_name(name)) {
		sqlite3_stmt *s = NULL;
		if (sqlite3_prepare_v2(db, "SELECT pwhash FROM auth_users WHERE name = ?1", -1, &s,
				       NULL) != SQLITE_OK)
			return YQ_EDB;
		sqlite3_bind_text(s, 1, name, -1, SQLITE_STATIC);
		int r = sqlite3_step(s);
		if (r == SQLITE_ROW) {
			copy_str(stored, sizeof stored, sqlite3_column_text(s, 0));
			known = 1;
		}
		sqlite3_finalize(s);
		if (r != SQLITE_ROW && r != SQLITE_DONE)
			return YQ_EDB;
	}
	if (!known) {
		pthread_once(&dummy_once, make_dummy);
		memcpy(stored, dummy_hash, sizeof stored);
	}
	/* an unknown name is verified against the dummy: the same cost */
	good = pw && pwlen <= YQ_AUTH_PASSWORD_MAX && stored[0] &&
	       crypto_pwhash_str_verify(stored, pw, pwlen) == 0;
	good = good && known;

	if ((rc = yq_txn_begin(db, &t)))
		return rc;
	if (good) {
		rc = yq_auth_user_get(db, name, &u);
		if (rc == YQ_ENOTFOUND) { /* deleted meanwhile */
			good = 0;
			rc = 0;
		} else if (!rc && u.disabled) {
			good = 0;
		}
	}
	if (rc)
		goto out;
	if (!good) {
		if ((rc = exec_bind2(db, INSERT_FAILURE, "user", key, now)) ||
		    (rc = exec_bind2(db, INSERT_FAILURE, "addr", addr, now)))
			goto out;
		goto out; /* *result stays YQ_LOGIN_BAD */
	}
	/* success: forget this user's failures and old rows, replace the session */
	if ((rc = exec_bind2(db, "DELETE FROM auth_failures WHERE kind = ?1 AND key = ?2", "user",
			     key, 0)))
		goto out;
	{
		sqlite3_stmt *s = NULL;
		if (sqlite3_prepare_v2(db, "DELETE FROM auth_failures WHERE time <= ?1", -1, &s,
				       NULL) != SQLITE_OK) {
			rc = YQ_EDB;
			goto out;
		}
		sqlite3_bind_int64(s, 1, since);
		rc = step_done(s);
		sqlite3_finalize(s);
	}
	if (rc || (rc = purge_expired(db, now)) || (rc = delete_session(db, old_sid)) ||
	    (rc = new_session(db, u.id, now, now + p->session_ttl, out)))
		goto out;
	*result = YQ_LOGIN_OK;
	if (who) {
		who->kind = YQ_PRINCIPAL_USER;
		who->user_id = u.id;
		memcpy(who->name, u.name, sizeof who->name);
		who->role = u.role;
		memcpy(who->department, u.department, sizeof who->department);
	}
out:
	sodium_memzero(stored, sizeof stored);
	rc = yq_txn_end(&t, rc);
	if (rc)
		*result = YQ_LOGIN_BAD;
	return rc;
}

int yq_auth_request(sqlite3 *db, const struct yq_auth_policy *policy, const char *bearer,
		    const char *sid, const char *csrf, int unsafe, enum yq_perm perm,
		    int64_t now, struct yq_principal *who, int *status)
{
	int rc, ok = 0;

	*status = 401;
	if (bearer)
		rc = yq_auth_token_check(db, bearer, who);
	else
		rc = yq_auth_session_check(db, policy, sid, now, who);
	if (rc || who->kind != YQ_PRINCIPAL_USER)
		return rc;
	if (unsafe && !bearer) {
		if ((rc = yq_auth_csrf_check(db, policy, sid, csrf, now, &ok)))
			return rc;
		if (!ok) {
			*status = 403;
			return 0;
		}
	}
	*status = yq_auth_allows(who->role, perm) ? 200 : 403;
	return 0;
}

/* ---- API tokens ---- */

int yq_auth_token_create(sqlite3 *db, int64_t user_id, const char *label, int64_t now,
			 char token[YQ_AUTH_TOKEN_LEN + 1], int64_t *token_id)
{
	char hex[YQ_AUTH_SECRET_HEX + 1], th[65];
	sqlite3_stmt *s = NULL;
	int rc = 0;

	if (label && (strlen(label) > LABEL_MAX || !yq_utf8_valid(label, strlen(label))))
		return YQ_EINVAL;
	random_hex(hex);
	snprintf(token, YQ_AUTH_TOKEN_LEN + 1, "%s%s", YQ_AUTH_TOKEN_PREFIX, hex);
	sha_hex(token, YQ_AUTH_TOKEN_LEN, th);
	if (sqlite3_prepare_v2(db,
			       "INSERT INTO auth_tokens(user_id, token_hash, label, created)"
			       " SELECT id, ?2, ?3, ?4 FROM auth_users WHERE id = ?1",
			       -1, &s, NULL) != SQLITE_OK)
		return YQ_EDB;
	sqlite3_bind_int64(s, 1, user_id);
	sqlite3_bind_text(s, 2, th, -1, SQLITE_STATIC);
	if (label)
		sqlite3_bind_text(s, 3, label, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 4, now);
	if (sqlite3_step(s) != SQLITE_DONE)
		rc = YQ_EDB;
	else if (sqlite3_changes(db) == 0)
		rc = YQ_ENOTFOUND;
	else if (token_id)
		*token_id = sqlite3_last_insert_rowid(db);
	sqlite3_finalize(s);
	sodium_memzero(hex, sizeof hex);
	if (rc)
		sodium_memzero(token, YQ_AUTH_TOKEN_LEN + 1);
	return rc;
}

int yq_auth_token_revoke(sqlite3 *db, int64_t token_id, int64_t now)
{
	sqlite3_stmt *s = NULL;
	int rc = 0;
	if (sqlite3_prepare_v2(db,
			       "UPDATE auth_tokens SET revoked = coalesce(revoked, ?2) WHERE id = ?1",
			       -1, &s, NULL) != SQLITE_OK)
		return YQ_EDB;
	sqlite3_bind_int64(s, 1, token_id);
	sqlite3_bind_int64(s, 2, now);
	if (sqlite3_step(s) != SQLITE_DONE)
		rc = YQ_EDB;
	else if (sqlite3_changes(db) == 0)
		rc = YQ_ENOTFOUND;
	sqlite3_finalize(s);
	return rc;
}

int yq_auth_token_check(sqlite3 *db, const char *token, struct yq_principal *out)
{
	char th[65];
	sqlite3_stmt *s = NULL;
	int rc = 0, r;

	memset(out, 0, sizeof *out);
	out->kind = YQ_PRINCIPAL_NONE;
	if (!token || strncmp(token, YQ_AUTH_TOKEN_PREFIX, 4) || !is_hex64(token + 4))
		return 0;
	sha_hex(token, YQ_AUTH_TOKEN_LEN, th);
	if (sqlite3_prepare_v2(db,
			       "SELECT u.id, u.name, u.role, u.department FROM auth_tokens t"
			       " JOIN auth_users u ON u.id = t.user_id"
			       " WHERE t.token_hash = ?1 AND t.revoked IS NULL AND u.disabled = 0",
			       -1, &s, NULL) != SQLITE_OK)
		return YQ_EDB;
	sqlite3_bind_text(s, 1, th, -1, SQLITE_STATIC);
	r = sqlite3_step(s);
	if (r == SQLITE_ROW) {
		out->kind = YQ_PRINCIPAL_USER;
		out->via_token = 1;
		out->user_id = sqlite3_column_int64(s, 0);
		copy_str(out->name, sizeof out->name, sqlite3_column_text(s, 1));
		out->role = role_of(sqlite3_column_text(s, 2));
		copy_str(out->department, sizeof out->department, sqlite3_column_text(s, 3));
	} else if (r != SQLITE_DONE) {
		rc = YQ_EDB;
	}
	sqlite3_finalize(s);
	return rc;
}
