/*
 * auth.h — users, roles, sessions, CSRF tokens, API tokens and login rate
 * limiting for the daemon (issue 6).  Everything lives in SQLite tables that
 * yq_auth_init() creates on a connection (normally yq_store_db(st)):
 *
 *   auth_users(id, name UNIQUE, role, department, pwhash, disabled, created)
 *   auth_sessions(id_hash PRIMARY KEY, user_id (NULL: anonymous), csrf_hash,
 *                 created, last_seen, expires)
 *   auth_tokens(id, user_id, token_hash UNIQUE, label, created, revoked)
 *   auth_failures(kind 'user'|'addr', key, time)   failed logins, persisted
 *
 * Secrets: passwords are argon2id strings (libsodium crypto_pwhash_str,
 * OPSLIMIT/MEMLIMIT_INTERACTIVE); session ids, CSRF tokens and API tokens are
 * 32 random bytes (randombytes_buf) shown once in hex and stored only as their
 * SHA-256 (hex), so a copy of the database opens no session.  Comparisons of
 * secrets are constant-time (sodium_memcmp).
 *
 * Sessions (OWASP Session Management Cheat Sheet): a session has an absolute
 * lifetime and an idle timeout.  Login ALWAYS creates a new session id and
 * destroys the one the client presented (session fixation, field case
 * auth-01), and issues a new CSRF token bound to the new session, which the
 * login answer must hand to the client (auth-03): the old token dies with the
 * old session.  yq_auth_session_rotate() does the same on a privilege change.
 * An anonymous session (user_id NULL) exists only to carry a CSRF token for
 * the login form.
 *
 * Clock: every function takes `now` in Unix seconds, so tests inject time.
 * Threads: functions only use the connection they are given; use one
 * connection per thread (SQLite serializes the writers; set busy_timeout).
 * Audit: these functions do not write the audit log; the caller appends the
 * state change with yq_audit_append() (audit.h) in the same transaction if
 * it wants them atomic.
 */
#ifndef YQ_AUTH_H
#define YQ_AUTH_H

#include <stddef.h>
#include <stdint.h>

#include <sqlite3.h>

#include "base/buf.h"

/* Caps on what comes from outside. */
#define YQ_AUTH_NAME_MAX 64      /* bytes of a user name (UTF-8, no controls) */
#define YQ_AUTH_DEPT_MAX 128     /* bytes of a department name */
#define YQ_AUTH_PASSWORD_MIN 8   /* bytes */
#define YQ_AUTH_PASSWORD_MAX 1024
#define YQ_AUTH_SECRET_HEX 64    /* session id / CSRF token: 32 bytes in hex */
#define YQ_AUTH_TOKEN_PREFIX "yqt_"
#define YQ_AUTH_TOKEN_LEN (4 + 64) /* "yqt_" + 64 hex digits */

/* ---- roles and permissions ---- */

enum yq_role {
	YQ_ROLE_ADMIN,    /* "admin": users, configuration, everything */
	YQ_ROLE_ANALYST,  /* "analyst" 监测员: monitoring, schemes, cases */
	YQ_ROLE_LEADER,   /* "leader" 领导: reads, instructs (批示), supervises */
	YQ_ROLE_HANDLER,  /* "handler" 部门处置人员: its own department's cases */
	YQ_ROLE_VIEWER,   /* "viewer": read-only dashboard */
	YQ_ROLE_COUNT
};

enum yq_perm {
	YQ_PERM_READ,           /* dashboard: posts, events, alerts, sources, stats */
	YQ_PERM_POST_PUSH,      /* POST /api/posts (collectors) */
	YQ_PERM_ALERT_ACK,      /* acknowledge an alert */
	YQ_PERM_SCHEME_WRITE,   /* create/update/delete/test/backtest schemes */
	YQ_PERM_SOURCE_WRITE,   /* source registry changes */
	YQ_PERM_CASE_READ_ALL,  /* every case (a handler: own department only) */
	YQ_PERM_CASE_CREATE,    /* open a case from an event/alert/message */
	YQ_PERM_CASE_ASSIGN,    /* 研判: route to departments, set deadlines */
	YQ_PERM_CASE_INSTRUCT,  /* 批示: leader's instruction */
	YQ_PERM_CASE_HANDLE,    /* 处置/会商/回应 on a case of one's department */
	YQ_PERM_CASE_SUPERVISE, /* 督办 */
	YQ_PERM_CASE_CLOSE,     /* 办结, 归档, reopen */
	YQ_PERM_MESSAGE_WRITE,  /* import citizens' messages, confirm categories */
	YQ_PERM_CONTACT_READ,   /* a message sender's contact details (a handler:
				 * own department only, checked by the caller) */
	YQ_PERM_USER_ADMIN,     /* users, roles, tokens of other users */
	YQ_PERM_AUDIT_READ,     /* read and verify the audit log */
	YQ_PERM_CONFIG_WRITE,   /* channels, roster, daemon settings */
	YQ_PERM_COUNT
};

/* yq_auth_role_name: "admin", "analyst", "leader", "handler", "viewer";
 * "?" for an out-of-range value. */
const char *yq_auth_role_name(enum yq_role role);
/* yq_auth_role_parse: the role named s (the names above, or the Chinese
 * 管理员, 监测员, 领导, 处置人员, 只读); 0 or YQ_EINVAL. */
int yq_auth_role_parse(const char *s, enum yq_role *out);
/* yq_auth_perm_name: a stable lowercase name ("read", "post_push", ...). */
const char *yq_auth_perm_name(enum yq_perm perm);

/*
 * yq_auth_allows: 1 if role has permission perm, else 0 (also for
 * out-of-range arguments).  The table (docs/auth.md prints it):
 *
 *   perm            admin analyst leader handler viewer
 *   read              x     x       x      x       x
 *   post_push         x     x
 *   alert_ack         x     x       x
 *   scheme_write      x     x
 *   source_write      x     x
 *   case_read_all     x     x       x              x
 *   case_create       x     x
 *   case_assign       x     x
 *   case_instruct     x             x
 *   case_handle       x     x              x
 *   case_supervise    x             x
 *   case_close        x     x
 *   message_write     x     x
 *   contact_read      x                    x
 *   user_admin        x
 *   audit_read        x
 *   config_write      x
 *
 * "handler" rows are scoped to the handler's department: the caller checks
 * the case's department against yq_principal.department.
 */
int yq_auth_allows(enum yq_role role, enum yq_perm perm);

/* ---- policy ---- */

struct yq_auth_policy {
	int64_t session_ttl;     /* s, absolute lifetime of a login session (12 h) */
	int64_t idle_timeout;    /* s, without a request (30 min) */
	int64_t anon_ttl;        /* s, anonymous CSRF-only session (1 h) */
	int64_t fail_window;     /* s, window of the failed-login counters (15 min) */
	int user_max_failures;   /* per user name in the window (5) */
	int addr_max_failures;   /* per client address in the window (20) */
};
/* yq_auth_policy_default: fills p with the defaults in parentheses above. */
void yq_auth_policy_default(struct yq_auth_policy *p);

/* ---- schema and users ---- */

/*
 * yq_auth_init: initializes libsodium and creates the auth_* tables and
 * indexes (CREATE TABLE IF NOT EXISTS, one transaction) on db (borrowed).
 * Idempotent; call it before the other functions.  0, YQ_EDB, or YQ_ENOMEM
 * (libsodium could not initialize).
 */
int yq_auth_init(sqlite3 *db);

struct yq_user {
	int64_t id;
	char name[YQ_AUTH_NAME_MAX + 1];
	enum yq_role role;
	char department[YQ_AUTH_DEPT_MAX + 1]; /* "" for none */
	int disabled;
	int64_t created;                       /* Unix seconds */
};

/*
 * yq_auth_user_add: creates user name (1..YQ_AUTH_NAME_MAX bytes of valid
 * UTF-8 without control characters, spaces or ':') with role and department
 * (NULL or "" for none; required for YQ_ROLE_HANDLER, at most
 * YQ_AUTH_DEPT_MAX bytes) and password pw[0..pwlen) (YQ_AUTH_PASSWORD_MIN..
 * YQ_AUTH_PASSWORD_MAX bytes), hashed with argon2id.  *id_out (if not NULL)
 * gets the new id.  Errors: YQ_EINVAL (a bad name, role, department or
 * password; msg says which), YQ_EDB (also: the name exists), YQ_ENOMEM
 * (argon2 could not get its memory).  err (may be NULL) gets a message.
 */
int yq_auth_user_add(sqlite3 *db, const char *name, enum yq_role role,
		     const char *department, const char *pw, size_t pwlen,
		     int64_t now, int64_t *id_out, struct yq_buf *err);

/* yq_auth_user_get: the user called name into *out.  0, YQ_ENOTFOUND, YQ_EDB. */
int yq_auth_user_get(sqlite3 *db, const char *name, struct yq_user *out);

/* yq_auth_user_list: all users ordered by name into a malloc'd array
 * (*out, free() it; NULL when *n is 0).  0, YQ_EDB, YQ_ENOMEM. */
int yq_auth_user_list(sqlite3 *db, struct yq_user **out, size_t *n);

/*
 * yq_auth_user_set_role: changes the role and department of user name (same
 * rules as user_add) and destroys all of that user's sessions (a privilege
 * change never keeps an old session id, auth-01); API tokens follow the
 * user's current role.  0, YQ_EINVAL, YQ_ENOTFOUND, YQ_EDB.
 */
int yq_auth_user_set_role(sqlite3 *db, const char *name, enum yq_role role,
			  const char *department);

/* yq_auth_user_set_password: new argon2id hash; destroys the user's sessions.
 * 0, YQ_EINVAL, YQ_ENOTFOUND, YQ_EDB, YQ_ENOMEM. */
int yq_auth_user_set_password(sqlite3 *db, const char *name, const char *pw, size_t pwlen);

/* yq_auth_user_set_disabled: disabled != 0 blocks login, sessions and tokens
 * (sessions are destroyed).  0, YQ_ENOTFOUND, YQ_EDB. */
int yq_auth_user_set_disabled(sqlite3 *db, const char *name, int disabled);

/* ---- sessions, login, CSRF ---- */

/* What a request is authenticated as. */
struct yq_principal {
	enum {
		YQ_PRINCIPAL_NONE,  /* no valid session/token */
		YQ_PRINCIPAL_ANON,  /* a valid anonymous (pre-login) session */
		YQ_PRINCIPAL_USER   /* a logged-in user or an API token */
	} kind;
	int via_token;          /* 1: authenticated by an API token */
	int64_t user_id;        /* 0 unless kind == YQ_PRINCIPAL_USER */
	char name[YQ_AUTH_NAME_MAX + 1];
	enum yq_role role;
	char department[YQ_AUTH_DEPT_MAX + 1];
};

/* A session id and its CSRF token, each 64 hex digits and a NUL. */
struct yq_session_tokens {
	char sid[YQ_AUTH_SECRET_HEX + 1];
	char csrf[YQ_AUTH_SECRET_HEX + 1];
	int64_t expires;   /* Unix seconds (absolute lifetime) */
};

/*
 * yq_auth_session_anon: a new anonymous session and its CSRF token (for
 * GET /api/csrf before login), expiring after policy->anon_ttl.  policy NULL:
 * defaults.  Also deletes expired sessions.  0 or YQ_EDB.
 */
int yq_auth_session_anon(sqlite3 *db, const struct yq_auth_policy *policy,
			 int64_t now, struct yq_session_tokens *out);

enum yq_login_result {
	YQ_LOGIN_OK,
	YQ_LOGIN_BAD,        /* unknown user, wrong password or disabled user
			      * (one answer for all, and the same time: an
			      * unknown user is verified against a dummy hash) */
	YQ_LOGIN_LIMITED     /* too many failures for this user or address */
};

/*
 * yq_auth_login: checks name/pw[0..pwlen) from client address addr (the peer
 * address as text, NULL or "" counts as "-").  First the persisted
 * failure counters: if the user name or the address has reached its limit in
 * the last policy->fail_window seconds, *result = YQ_LOGIN_LIMITED and
 * *retry_after (if not NULL) the seconds until the oldest failure leaves
 * the window, without checking the password.  Otherwise the password is
 * verified; a failure is recorded for both name and address (YQ_LOGIN_BAD).
 * On success the user's failure counter is cleared, the session old_sid (the
 * client's cookie, NULL if none; anonymous or not) is destroyed, and a NEW
 * session with a NEW CSRF token is created and returned in *out (auth-01,
 * auth-03); *who (if not NULL) describes the user.
 * Returns 0 (see *result) or YQ_EDB / YQ_ENOMEM.
 */
int yq_auth_login(sqlite3 *db, const struct yq_auth_policy *policy,
		  const char *name, const char *pw, size_t pwlen, const char *addr,
		  const char *old_sid, int64_t now, enum yq_login_result *result,
		  int64_t *retry_after, struct yq_session_tokens *out,
		  struct yq_principal *who);

/*
 * yq_auth_session_check: the principal of session id sid (NULL or malformed:
 * NONE).  A session past its expiry or idle for policy->idle_timeout is
 * deleted and gives NONE; otherwise its last_seen is refreshed (written at
 * most once a minute) and kind is ANON or USER (USER only while the user is
 * enabled).  0 or YQ_EDB.
 */
int yq_auth_session_check(sqlite3 *db, const struct yq_auth_policy *policy,
			  const char *sid, int64_t now, struct yq_principal *out);

/*
 * yq_auth_session_rotate: replaces session old_sid by a new id and a new
 * CSRF token with the same user and expiry (call it on a privilege change of
 * the session's own user).  0, YQ_ENOTFOUND (no valid session), YQ_EDB.
 */
int yq_auth_session_rotate(sqlite3 *db, const struct yq_auth_policy *policy,
			   const char *old_sid, int64_t now, struct yq_session_tokens *out);

/*
 * yq_auth_csrf_token: the CSRF token of the live session sid (GET /api/csrf
 * of a client already logged in: its cookie is not replaced).  The token is
 * derived from the session id (keyed BLAKE2b), so every call for one session
 * gives the same token and copies held by other tabs stay valid; a new
 * session id (login, rotation) has a new token.  A session stored with an
 * older random token gets the derived one (the old one stops being valid).
 * The token into csrf (64 hex digits and a NUL).  0, YQ_ENOTFOUND (no valid
 * session), YQ_EDB.
 */
int yq_auth_csrf_token(sqlite3 *db, const struct yq_auth_policy *policy, const char *sid,
		       int64_t now, char csrf[YQ_AUTH_SECRET_HEX + 1]);

/* yq_auth_logout: destroys session sid (unknown: no-op).  0 or YQ_EDB. */
int yq_auth_logout(sqlite3 *db, const char *sid);

/*
 * yq_auth_csrf_check: *ok = 1 if token is the CSRF token of the live session
 * sid (constant-time comparison of the hashes), else 0 (also for NULL or
 * malformed inputs).  Requests authenticated by an API token carry no cookie
 * and need no CSRF token.  0 or YQ_EDB.
 */
int yq_auth_csrf_check(sqlite3 *db, const struct yq_auth_policy *policy,
		       const char *sid, const char *token, int64_t now, int *ok);

/*
 * yq_auth_cookie: appends the value of a Set-Cookie header for sid to b:
 * "yq_sid=<sid>; Path=/; HttpOnly; SameSite=Strict; Max-Age=<max_age>"
 * plus "; Secure" when secure.  sid NULL clears the cookie (empty value,
 * Max-Age=0).  0 or YQ_ENOMEM.
 */
#define YQ_AUTH_COOKIE "yq_sid"
int yq_auth_cookie(struct yq_buf *b, const char *sid, int64_t max_age, int secure);

/*
 * yq_auth_request: the whole access check of one API request.  The
 * principal comes from the API token `bearer` (the Authorization: Bearer
 * value) when it is not NULL, else from the session cookie value sid.
 * A state-changing request (unsafe != 0: POST, PUT, PATCH, DELETE)
 * authenticated by cookie must carry the session's CSRF token in csrf (the
 * YQ_AUTH_CSRF_HEADER header); a token-authenticated one needs none.  Then
 * the role must allow perm.  *status: 200, 401 (no valid session or token;
 * also an anonymous session), 403 (CSRF token missing or wrong, or the role
 * lacks perm).  *who gets the principal (kind NONE on 401).  0 or YQ_EDB.
 */
#define YQ_AUTH_CSRF_HEADER "X-CSRF-Token"
int yq_auth_request(sqlite3 *db, const struct yq_auth_policy *policy, const char *bearer,
		    const char *sid, const char *csrf, int unsafe, enum yq_perm perm,
		    int64_t now, struct yq_principal *who, int *status);

/* ---- API tokens ---- */

/*
 * yq_auth_token_create: a new API token for user_id with a label (NULL or
 * at most 128 bytes); the token (YQ_AUTH_TOKEN_LEN chars and a NUL) is
 * written to token and shown only this once: only its SHA-256 is stored.
 * *token_id (if not NULL) gets its id for revocation.
 * 0, YQ_EINVAL, YQ_ENOTFOUND (no such user), YQ_EDB.
 */
int yq_auth_token_create(sqlite3 *db, int64_t user_id, const char *label, int64_t now,
			 char token[YQ_AUTH_TOKEN_LEN + 1], int64_t *token_id);

/* yq_auth_token_revoke: revokes token token_id (again: no-op).
 * 0, YQ_ENOTFOUND, YQ_EDB. */
int yq_auth_token_revoke(sqlite3 *db, int64_t token_id, int64_t now);

/* yq_auth_token_check: the principal (kind USER, via_token 1) of bearer
 * token `token`, or kind NONE if it is unknown, revoked, malformed or its
 * user is disabled.  0 or YQ_EDB. */
int yq_auth_token_check(sqlite3 *db, const char *token, struct yq_principal *out);

#endif
