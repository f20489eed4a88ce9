/*
 * cmd_user.c — `yuqing user add|list|token|revoke`: the daemon's users from
 * the command line, above all the first admin (issue 6).
 *
 *   user add --db DB NAME --role ROLE [--department D]
 *            the password is read from standard input (first line) or, on
 *            a terminal, prompted for twice without echo; never from argv,
 *            where ps and shell history would show it.  A name that
 *            exists is refused ("user NAME exists"), and so is a department
 *            not in the case workflow's registry (table case_departments)
 *            when the database has a non-empty one (exit 2, listing the
 *            known ones); a DB that does not exist is created, with a note
 *            on stderr
 *   user list --db DB            one TSV line a user: name role department
 *                                state created (UTC)
 *   user token --db DB NAME [--label L]
 *                                prints a new API token once on stdout; its
 *                                id (for revoke) goes to stderr
 *   user revoke --db DB ID       revokes API token ID
 *
 * Every change is appended to the audit log (actor "cli:<login name>").
 * The tables are created on first use (yq_auth_init, yq_audit_init).
 */
#include <getopt.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>
#include <sqlite3.h>

#include "auth/audit.h"
#include "auth/auth.h"
#include "base/buf.h"
#include "base/error.h"
#include "cli/cli.h"

#define CMD "user"
#define USAGE                                                                                      \
	"add --db DB NAME --role ROLE [--department D] | list --db DB |"                         \
	" token --db DB NAME [--label L] | revoke --db DB ID"

int yq_cli_auth_db(const char *cmd, const char *path, int readonly, sqlite3 **out)
{
	sqlite3 *db = NULL;
	int flags = readonly ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;
	*out = NULL;
	if (sqlite3_open_v2(path, &db, flags, NULL) != SQLITE_OK) {
		yq_cli_err(cmd, "cannot open the database: %s (%s)",
			   db ? sqlite3_errmsg(db) : "out of memory", path);
		sqlite3_close(db);
		return YQ_EDB;
	}
	sqlite3_busy_timeout(db, 5000);
	if ((!readonly && sqlite3_exec(db, "PRAGMA journal_mode = WAL", NULL, NULL, NULL)) ||
	    sqlite3_exec(db, "PRAGMA foreign_keys = ON", NULL, NULL, NULL) ||
	    (!readonly && (yq_auth_init(db) || yq_audit_init(db)))) {
		yq_cli_err(cmd, "cannot prepare the database: %s (%s)", sqlite3_errmsg(db), path);
		sqlite3_close(db);
		return YQ_EDB;
	}
	*out = db;
	return 0;
}

static const char *actor(char *buf, size_t cap)
{
	struct passwd *pw = getpwuid(getuid());
	snprintf(buf, cap, "cli:%s", pw && pw->pw_name ? pw->pw_name : "?");
	return buf;
}

/* read_line: one line (without its end) of at most cap-1 bytes from f into
 * buf; -1 on EOF before any byte or on a line that is too long. */
static int read_line(FILE *f, char *buf, size_t cap)
{
	size_t n = 0;
	int c;
	while ((c = fgetc(f)) != EOF && c != '\n') {
		if (n + 1 >= cap)
			return -1;
		buf[n++] = (char)c;
	}
	if (c == EOF && n == 0)
		return -1;
	if (n && buf[n - 1] == '\r')
		n--;
	buf[n] = '\0';
	return (int)n;
}

/* prompt: on a terminal, asks without echo. */
static int prompt(const char *what, char *buf, size_t cap)
{
	struct termios old, quiet;
	int r;
	fprintf(stderr, "%s", what);
	fflush(stderr);
	if (tcgetattr(0, &old) == 0) {
		quiet = old;
		quiet.c_lflag &= ~(tcflag_t)ECHO;
		tcsetattr(0, TCSAFLUSH, &quiet);
		r = read_line(stdin, buf, cap);
		tcsetattr(0, TCSAFLUSH, &old);
		fputc('\n', stderr);
	} else {
		r = read_line(stdin, buf, cap);
	}
	return r;
}

static int read_password(const char *name, char *pw, size_t cap)
{
	char again[YQ_AUTH_PASSWORD_MAX + 2], q[160];
	int n;
	if (!isatty(0)) {
		n = read_line(stdin, pw, cap);
		if (n < 0)
			yq_cli_err(CMD, "no password on standard input (one line, at most %d bytes)",
				   YQ_AUTH_PASSWORD_MAX);
		return n;
	}
	snprintf(q, sizeof q, "Password for %s: ", name);
	if ((n = prompt(q, pw, cap)) < 0 || prompt("Again: ", again, sizeof again) < 0) {
		yq_cli_err(CMD, "no password given");
		return -1;
	}
	if (strcmp(pw, again)) {
		yq_cli_err(CMD, "the two passwords differ");
		n = -1;
	}
	sodium_memzero(again, sizeof again);
	return n;
}

static int audit(sqlite3 *db, const char *action, const char *type, const char *id,
		 const char *after)
{
	char who[80];
	struct yq_audit_entry e = {time(NULL), actor(who, sizeof who), action, type, id, NULL,
				   after, "local"};
	return yq_audit_append(db, &e, NULL);
}

/* check_department: dept must be in the case workflow's registry
 * (case_departments) when the database has that table and it is not empty;
 * otherwise prints the known ones.  0 (fine or no registry), 1 (unknown),
 * -1 (a database error, printed). */
static int check_department(sqlite3 *db, const char *dept)
{
	struct yq_buf known = YQ_BUF_INIT;
	sqlite3_stmt *s = NULL;
	int found = 0, n = 0, ret = -1;
	if (sqlite3_prepare_v2(db,
			       "SELECT name FROM sqlite_master WHERE type = 'table'"
			       " AND name = 'case_departments'",
			       -1, &s, NULL) != SQLITE_OK)
		goto out;
	int has = sqlite3_step(s) == SQLITE_ROW;
	sqlite3_finalize(s);
	s = NULL;
	ret = 0;
	if (!has)
		goto out;
	ret = -1;
	if (sqlite3_prepare_v2(db, "SELECT name FROM case_departments ORDER BY name", -1, &s,
			       NULL) != SQLITE_OK)
		goto out;
	int rc;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		const char *d = (const char *)sqlite3_column_text(s, 0);
		if (!d)
			continue;
		found |= !strcmp(d, dept);
		if (yq_buf_printf(&known, "%s%s", n++ ? ", " : "", d))
			goto out;
	}
	if (rc != SQLITE_DONE)
		goto out;
	ret = n && !found;
	if (ret)
		yq_cli_err(CMD, "unknown department '%s' (the registry has: %s)", dept, known.s);
out:
	if (ret < 0)
		yq_cli_err(CMD, "cannot read the departments: %s", sqlite3_errmsg(db));
	sqlite3_finalize(s);
	yq_buf_release(&known);
	return ret;
}

static int user_add(sqlite3 *db, const char *name, const char *role_s, const char *dept)
{
	char pw[YQ_AUTH_PASSWORD_MAX + 2];
	struct yq_buf err = YQ_BUF_INIT, after = YQ_BUF_INIT;
	enum yq_role role;
	int64_t id = 0;
	int n, rc, ret = YQ_EXIT_RUNTIME;

	if (yq_auth_role_parse(role_s, &role)) {
		yq_cli_err(CMD, "unknown role '%s' (admin, analyst, leader, handler, viewer)", role_s);
		return YQ_EXIT_USAGE;
	}
	struct yq_user u;
	rc = yq_auth_user_get(db, name, &u);
	if (rc != YQ_ENOTFOUND) {
		if (rc == 0)
			yq_cli_err(CMD, "user %s exists", name);
		else
			yq_cli_err(CMD, "cannot read the users: %s", sqlite3_errmsg(db));
		goto out;
	}
	if (dept && *dept && (rc = check_department(db, dept))) {
		if (rc > 0)
			ret = YQ_EXIT_USAGE;
		goto out;
	}
	if ((n = read_password(name, pw, sizeof pw)) < 0)
		goto out;
	if (sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK) {
		yq_cli_err(CMD, "cannot write: %s", sqlite3_errmsg(db));
		goto out;
	}
	rc = yq_auth_user_add(db, name, role, dept, pw, (size_t)n, time(NULL), &id, &err);
	if (rc) {
		sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
		if (rc == YQ_EDB && yq_auth_user_get(db, name, &u) == 0)
			yq_cli_err(CMD, "user %s exists", name); /* added meanwhile */
		else
			yq_cli_err(CMD, "cannot add %s: %s", name, err.s);
		goto out;
	}
	yq_buf_adds(&after, "{\"name\":");
	yq_buf_add_json_str(&after, name, strlen(name));
	yq_buf_printf(&after, ",\"role\":\"%s\",\"department\":", yq_auth_role_name(role));
	yq_buf_add_json_str(&after, dept ? dept : "", dept ? strlen(dept) : 0);
	yq_buf_adds(&after, "}");
	if (audit(db, "user.add", "user", name, after.s) ||
	    sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
		sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
		yq_cli_err(CMD, "cannot record %s: %s", name, sqlite3_errmsg(db));
		goto out;
	}
	fprintf(stderr, "yuqing: user: added %s (%s, id %lld)\n", name, yq_auth_role_name(role),
		(long long)id);
	ret = YQ_EXIT_OK;
out:
	sodium_memzero(pw, sizeof pw);
	yq_buf_release(&err);
	yq_buf_release(&after);
	return ret;
}

static int user_list(sqlite3 *db)
{
	struct yq_user *u = NULL;
	size_t n = 0;
	if (yq_auth_user_list(db, &u, &n)) {
		yq_cli_err(CMD, "cannot list users: %s", sqlite3_errmsg(db));
		return YQ_EXIT_RUNTIME;
	}
	for (size_t i = 0; i < n; i++) {
		char when[32];
		time_t t = (time_t)u[i].created;
		struct tm tm;
		gmtime_r(&t, &tm);
		strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &tm);
		printf("%s\t%s\t%s\t%s\t%s\n", u[i].name, yq_auth_role_name(u[i].role),
		       u[i].department[0] ? u[i].department : "-",
		       u[i].disabled ? "disabled" : "active", when);
	}
	free(u);
	return YQ_EXIT_OK;
}

static int user_token(sqlite3 *db, const char *name, const char *label)
{
	char tok[YQ_AUTH_TOKEN_LEN + 1], idtxt[32];
	struct yq_buf after = YQ_BUF_INIT;
	struct yq_user u;
	int64_t id;
	int rc, ret = YQ_EXIT_RUNTIME;

	if ((rc = yq_auth_user_get(db, name, &u))) {
		yq_cli_err(CMD, rc == YQ_ENOTFOUND ? "no user called %s" : "cannot read user %s", name);
		return YQ_EXIT_RUNTIME;
	}
	if (sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK) {
		yq_cli_err(CMD, "cannot write: %s", sqlite3_errmsg(db));
		return YQ_EXIT_RUNTIME;
	}
	if ((rc = yq_auth_token_create(db, u.id, label, time(NULL), tok, &id))) {
		yq_cli_err(CMD, "cannot create a token for %s: %s", name,
			   rc == YQ_EINVAL ? "label over 128 bytes or not UTF-8" : yq_strerror(rc));
		goto fail;
	}
	snprintf(idtxt, sizeof idtxt, "%lld", (long long)id);
	yq_buf_adds(&after, "{\"user\":");
	yq_buf_add_json_str(&after, name, strlen(name));
	yq_buf_adds(&after, ",\"label\":");
	if (label)
		yq_buf_add_json_str(&after, label, strlen(label));
	else
		yq_buf_adds(&after, "null");
	yq_buf_adds(&after, "}");
	if (audit(db, "token.create", "token", idtxt, after.s) ||
	    sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
		yq_cli_err(CMD, "cannot record the token: %s", sqlite3_errmsg(db));
		goto fail;
	}
	printf("%s\n", tok);
	fprintf(stderr, "yuqing: user: token %s for %s (shown once; revoke with"
			" 'yuqing user revoke --db DB %s')\n",
		idtxt, name, idtxt);
	ret = YQ_EXIT_OK;
	goto out;
fail:
	sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
out:
	sodium_memzero(tok, sizeof tok);
	yq_buf_release(&after);
	return ret;
}

static int user_revoke(sqlite3 *db, const char *idtxt)
{
	char *end;
	long long id = strtoll(idtxt, &end, 10);
	int rc;
	if (*end || id <= 0) {
		yq_cli_err(CMD, "a token id is a positive number, not '%s'", idtxt);
		return YQ_EXIT_USAGE;
	}
	rc = sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL) == SQLITE_OK ? 0 : YQ_EDB;
	if (!rc)
		rc = yq_auth_token_revoke(db, id, time(NULL));
	if (!rc)
		rc = audit(db, "token.revoke", "token", idtxt, "{\"revoked\":true}");
	if (!rc && sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
		rc = YQ_EDB;
	if (rc) {
		yq_cli_err(CMD, "cannot revoke token %s: %s", idtxt,
			   rc == YQ_ENOTFOUND ? "no such token" : sqlite3_errmsg(db));
		sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
		return YQ_EXIT_RUNTIME;
	}
	fprintf(stderr, "yuqing: user: token %s revoked\n", idtxt);
	return YQ_EXIT_OK;
}

int yq_cmd_user(int argc, char **argv)
{
	static const struct option opts[] = {
		{"db", required_argument, NULL, 'd'},
		{"role", required_argument, NULL, 'r'},
		{"department", required_argument, NULL, 'D'},
		{"label", required_argument, NULL, 'l'},
		{NULL, 0, NULL, 0},
	};
	const char *dbpath = NULL, *role = NULL, *dept = NULL, *label = NULL, *sub;
	sqlite3 *db = NULL;
	int c, ret;

	if (argc < 2 || argv[1][0] == '-')
		return yq_cli_usage(CMD, USAGE);
	sub = argv[1];
	optind = 2;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'd': dbpath = optarg; break;
		case 'r': role = optarg; break;
		case 'D': dept = optarg; break;
		case 'l': label = optarg; break;
		default: return yq_cli_usage(CMD, USAGE);
		}
	}
	int nargs = argc - optind;
	int add = !strcmp(sub, "add"), list = !strcmp(sub, "list"), token = !strcmp(sub, "token"),
	    revoke = !strcmp(sub, "revoke");
	if (!dbpath || !(add || list || token || revoke) || (add && (!role || nargs != 1)) ||
	    (list && nargs != 0) || ((token || revoke) && nargs != 1) || (!add && (role || dept)) ||
	    (!token && label))
		return yq_cli_usage(CMD, USAGE);
	if (add && access(dbpath, F_OK) != 0) /* so that a typo in the path is visible */
		fprintf(stderr, "yuqing: user: %s does not exist: creating a new database there\n",
			dbpath);
	if (yq_cli_auth_db(CMD, dbpath, list, &db))
		return YQ_EXIT_RUNTIME;
	if (add)
		ret = user_add(db, argv[optind], role, dept);
	else if (list)
		ret = user_list(db);
	else if (token)
		ret = user_token(db, argv[optind], label);
	else
		ret = user_revoke(db, argv[optind]);
	sqlite3_close(db);
	return ret;
}
