/*
 * case.c — cases (工单): creation, the state machine with its role table,
 * departments and routing, deadlines in working days, the audit entry of
 * every change, visibility by department, and reminders through the
 * deliver outbox (case.h has the tables, the table of actions and the
 * rules).
 *
 * Where it sits: after warn/ (alerts) and beside the citizens' messages;
 * serve/api_cases.c and cli/cmd_cases.c are its two front ends, both
 * calling only the functions here, so the rules hold without the daemon.
 *
 * Design: a write is one transaction (auth/txn.h) that (1) reads the case
 * through the visibility clause of the principal, (2) checks the role and
 * state table on the state read INSIDE the transaction (BEGIN IMMEDIATE:
 * no other writer can change it between check and write), (3) takes a
 * JSON snapshot "before", writes, takes "after" and (4) appends the audit
 * entry.  Any failure rolls back all of it.
 *
 * Invariants: cases.state is one of the state names; due_at is NULL in
 * closed/archived and in states without a configured limit; every case
 * outside assess has at least one department in case_assign; case numbers
 * are unique "YYYY-NNNN" from a per-year counter advanced in the creating
 * transaction.
 */
#include "cases/case.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth/audit.h"
#include "auth/txn.h"
#include "base/error.h"
#include "base/utf8.h"
#include "deliver/deliver.h"

static const char SCHEMA[] =
	"CREATE TABLE IF NOT EXISTS case_departments(name TEXT PRIMARY KEY,"
	" categories TEXT NOT NULL DEFAULT '[]', contact TEXT, created INTEGER NOT NULL);"
	"CREATE TABLE IF NOT EXISTS cases(id INTEGER PRIMARY KEY, number TEXT NOT NULL UNIQUE,"
	" title TEXT NOT NULL, state TEXT NOT NULL, resolution TEXT, source_type TEXT NOT NULL,"
	" source_id TEXT, why TEXT, category TEXT, summary TEXT, created INTEGER NOT NULL,"
	" created_by TEXT NOT NULL, state_since INTEGER NOT NULL, due_at INTEGER,"
	" calendar_error TEXT, instruction TEXT, closed_at INTEGER);"
	"CREATE INDEX IF NOT EXISTS cases_source ON cases(source_type, source_id);"
	"CREATE INDEX IF NOT EXISTS cases_due ON cases(due_at) WHERE due_at IS NOT NULL;"
	"CREATE TABLE IF NOT EXISTS case_assign(case_id INTEGER NOT NULL REFERENCES cases(id),"
	" department TEXT NOT NULL, PRIMARY KEY(case_id, department));"
	"CREATE INDEX IF NOT EXISTS case_assign_dept ON case_assign(department);"
	"CREATE TABLE IF NOT EXISTS case_notes(id INTEGER PRIMARY KEY,"
	" case_id INTEGER NOT NULL REFERENCES cases(id), time INTEGER NOT NULL,"
	" author TEXT NOT NULL, department TEXT, kind TEXT NOT NULL, text TEXT NOT NULL);"
	"CREATE TABLE IF NOT EXISTS case_responses(id INTEGER PRIMARY KEY,"
	" case_id INTEGER NOT NULL REFERENCES cases(id), time INTEGER NOT NULL,"
	" author TEXT NOT NULL, text TEXT NOT NULL, channel TEXT NOT NULL,"
	" published INTEGER NOT NULL, link TEXT);"
	"CREATE TABLE IF NOT EXISTS case_reminders(id INTEGER PRIMARY KEY,"
	" case_id INTEGER NOT NULL REFERENCES cases(id), type TEXT NOT NULL,"
	" due_at INTEGER NOT NULL, created INTEGER NOT NULL, alert_id INTEGER,"
	" UNIQUE(case_id, type, due_at));"
	"CREATE TABLE IF NOT EXISTS case_numbers(year INTEGER PRIMARY KEY, last INTEGER NOT NULL);";

/* ---- names and the table ---- */

static const char *const STATE[][2] = {
	{"assess", "研判"},   {"instruct", "批示"}, {"handle", "处置"}, {"respond", "回应"},
	{"supervise", "督办"}, {"closed", "办结"},  {"archived", "归档"},
};
static const char *const ACTION[] = {"submit", "instruct", "handled", "respond", "return",
				     "close",  "archive",  "reopen",  "note"};
static const char *const RESOLUTION[][2] = {
	{"", ""},
	{"fixed", "已解决"},
	{"not_fixed", "未解决"},
	{"not_our_responsibility", "非本单位职责"},
	{"false_info_clarified", "不实信息已澄清"},
	{"duplicate", "重复"},
};
static const char *const NOTE_KIND[] = {"assessment", "instruction", "measures", "response",
					"supervision", "closing",   "archive",  "reopen",
					"consultation"};

const char *yq_case_state_name(enum yq_case_state s)
{
	return (unsigned)s < YQ_CASE_STATE_COUNT ? STATE[s][0] : "?";
}

const char *yq_case_state_zh(enum yq_case_state s)
{
	return (unsigned)s < YQ_CASE_STATE_COUNT ? STATE[s][1] : "?";
}

int yq_case_state_parse(const char *s, enum yq_case_state *out)
{
	for (int i = 0; s && i < YQ_CASE_STATE_COUNT; i++)
		if (!strcmp(s, STATE[i][0]) || !strcmp(s, STATE[i][1])) {
			*out = (enum yq_case_state)i;
			return 0;
		}
	return YQ_EINVAL;
}

const char *yq_case_action_name(enum yq_case_action a)
{
	return (unsigned)a < YQ_CASE_ACTION_COUNT ? ACTION[a] : "?";
}

int yq_case_action_parse(const char *s, enum yq_case_action *out)
{
	for (int i = 0; s && i < YQ_CASE_ACTION_COUNT; i++)
		if (!strcmp(s, ACTION[i])) {
			*out = (enum yq_case_action)i;
			return 0;
		}
	return YQ_EINVAL;
}

const char *yq_case_resolution_name(enum yq_case_resolution r)
{
	return (unsigned)r < YQ_RES_COUNT ? RESOLUTION[r][0] : "?";
}

const char *yq_case_resolution_zh(enum yq_case_resolution r)
{
	return (unsigned)r < YQ_RES_COUNT ? RESOLUTION[r][1] : "?";
}

int yq_case_resolution_parse(const char *s, enum yq_case_resolution *out)
{
	for (int i = 1; s && i < YQ_RES_COUNT; i++)
		if (!strcmp(s, RESOLUTION[i][0]) || !strcmp(s, RESOLUTION[i][1])) {
			*out = (enum yq_case_resolution)i;
			return 0;
		}
	return YQ_EINVAL;
}

/* may: 1 if role holds the permission an action needs (any state). */
static int may(enum yq_role role, enum yq_case_action a)
{
	switch (a) {
	case YQ_CASE_SUBMIT: return yq_auth_allows(role, YQ_PERM_CASE_ASSIGN);
	case YQ_CASE_INSTRUCT_ACT: return yq_auth_allows(role, YQ_PERM_CASE_INSTRUCT);
	case YQ_CASE_HANDLED:
	case YQ_CASE_RESPOND_ACT: return yq_auth_allows(role, YQ_PERM_CASE_HANDLE);
	case YQ_CASE_RETURN: return yq_auth_allows(role, YQ_PERM_CASE_SUPERVISE);
	case YQ_CASE_CLOSE:
	case YQ_CASE_ARCHIVE:
	case YQ_CASE_REOPEN: return yq_auth_allows(role, YQ_PERM_CASE_CLOSE);
	case YQ_CASE_NOTE:
		return yq_auth_allows(role, YQ_PERM_CASE_HANDLE) ||
		       yq_auth_allows(role, YQ_PERM_CASE_ASSIGN) ||
		       yq_auth_allows(role, YQ_PERM_CASE_INSTRUCT) ||
		       yq_auth_allows(role, YQ_PERM_CASE_SUPERVISE);
	default: return 0;
	}
}

/* next_state: the state after action a in state s, or -1 if not allowed. */
static int next_state(enum yq_case_state s, enum yq_case_action a)
{
	switch (a) {
	case YQ_CASE_SUBMIT: return s == YQ_CASE_ASSESS ? YQ_CASE_INSTRUCT : -1;
	case YQ_CASE_INSTRUCT_ACT: return s == YQ_CASE_INSTRUCT ? YQ_CASE_HANDLE : -1;
	case YQ_CASE_HANDLED: return s == YQ_CASE_HANDLE ? YQ_CASE_RESPOND : -1;
	case YQ_CASE_RESPOND_ACT: return s == YQ_CASE_RESPOND ? YQ_CASE_SUPERVISE : -1;
	case YQ_CASE_RETURN: return s == YQ_CASE_SUPERVISE ? YQ_CASE_HANDLE : -1;
	case YQ_CASE_CLOSE:
		return s == YQ_CASE_SUPERVISE || s == YQ_CASE_ASSESS ? YQ_CASE_CLOSED : -1;
	case YQ_CASE_ARCHIVE: return s == YQ_CASE_CLOSED ? YQ_CASE_ARCHIVED : -1;
	case YQ_CASE_REOPEN:
		return s == YQ_CASE_CLOSED || s == YQ_CASE_ARCHIVED ? YQ_CASE_HANDLE : -1;
	case YQ_CASE_NOTE: return s != YQ_CASE_ARCHIVED ? (int)s : -1;
	default: return -1;
	}
}

int yq_case_allowed(enum yq_role role, enum yq_case_state state, enum yq_case_action action,
		    enum yq_case_state *to)
{
	if ((unsigned)state >= YQ_CASE_STATE_COUNT || (unsigned)action >= YQ_CASE_ACTION_COUNT)
		return 0;
	int n = next_state(state, action);
	if (n < 0 || !may(role, action))
		return 0;
	if (to)
		*to = (enum yq_case_state)n;
	return 1;
}

void yq_case_config_default(struct yq_case_config *c)
{
	memset(c, 0, sizeof *c);
	c->deadline_days[YQ_CASE_ASSESS] = 1;
	c->deadline_days[YQ_CASE_INSTRUCT] = 1;
	c->deadline_days[YQ_CASE_HANDLE] = 5;
	c->deadline_days[YQ_CASE_RESPOND] = 2;
	c->deadline_days[YQ_CASE_SUPERVISE] = 3;
	c->remind_hour = 9;
}

int yq_case_init(sqlite3 *db)
{
	struct yq_txn t;
	int rc;
	if ((rc = yq_audit_init(db)) || (rc = yq_txn_begin(db, &t)))
		return rc;
	return yq_txn_end(&t, yq_txn_exec(db, SCHEMA));
}

/* ---- helpers ---- */

/* iso: t as "YYYY-MM-DDTHH:MM:SS+08:00" (Asia/Shanghai, fixed). */
static void iso(int64_t t, char out[32])
{
	int64_t day = yq_calendar_day_of(t), s = t - yq_calendar_day_start(day);
	char d[11];
	yq_date_format(day, d);
	snprintf(out, 32, "%s""T%02d:%02d:%02d+08:00", d, (int)(s / 3600), (int)(s / 60 % 60),
		 (int)(s % 60));
}

static json_t *jtime(sqlite3_stmt *s, int col)
{
	char b[32];
	if (sqlite3_column_type(s, col) == SQLITE_NULL)
		return json_null();
	iso(sqlite3_column_int64(s, col), b);
	return json_string(b);
}

static json_t *jtext(sqlite3_stmt *s, int col)
{
	const char *v = (const char *)sqlite3_column_text(s, col);
	return v ? json_string(v) : json_null();
}

/* text_ok: s is NULL-free valid UTF-8 of 1..max bytes. */
static int text_ok(const char *s, size_t max)
{
	size_t n = s ? strlen(s) : 0;
	return n > 0 && n <= max && yq_utf8_valid(s, n);
}

/* fail: rc, with the message (printf) in err when err is not NULL. */
__attribute__((format(printf, 3, 4)))
static int fail(struct yq_buf *err, int rc, const char *fmt, ...)
{
	va_list ap;
	if (err) {
		yq_buf_reset(err);
		va_start(ap, fmt);
		yq_buf_vprintf(err, fmt, ap);
		va_end(ap);
	}
	return rc;
}

static int actor_is_user(const struct yq_principal *who)
{
	return who && who->kind == YQ_PRINCIPAL_USER;
}

/* VIS: the visibility clause on table alias c for ?9 = the handler's
 * department (NULL: every case). */
#define VIS "(?9 IS NULL OR EXISTS (SELECT 1 FROM case_assign v WHERE v.case_id = c.id" \
	    " AND v.department = ?9))"

/* bind_vis: binds ?9 for who: NULL for case_read_all, the department of a
 * handler, and a value no department has for anyone else. */
static void bind_vis(sqlite3_stmt *s, const struct yq_principal *who)
{
	if (who && yq_auth_allows(who->role, YQ_PERM_CASE_READ_ALL))
		sqlite3_bind_null(s, 9);
	else if (who && who->role == YQ_ROLE_HANDLER && who->department[0])
		sqlite3_bind_text(s, 9, who->department, -1, SQLITE_TRANSIENT);
	else
		sqlite3_bind_text(s, 9, "\x01none", -1, SQLITE_STATIC);
}

/* exec1: one write with ?1 = a, ?2 = b (text or NULL), ?3 = c. */
static int exec1(sqlite3 *db, const char *sql, int64_t a, const char *b, int64_t c)
{
	sqlite3_stmt *s = NULL;
	int rc = 0;
	if (sqlite3_prepare_v2(db, sql, -1, &s, NULL) != SQLITE_OK)
		return YQ_EDB;
	sqlite3_bind_int64(s, 1, a);
	if (b)
		sqlite3_bind_text(s, 2, b, -1, SQLITE_TRANSIENT);
	if (sqlite3_bind_parameter_count(s) >= 3)
		sqlite3_bind_int64(s, 3, c);
	if (sqlite3_step(s) != SQLITE_DONE)
		rc = YQ_EDB;
	sqlite3_finalize(s);
	return rc;
}

/* departments_json: the case's departments as a JSON array (new ref). */
static json_t *departments_json(sqlite3 *db, int64_t id)
{
	sqlite3_stmt *s = NULL;
	json_t *a = json_array();
	if (!a || sqlite3_prepare_v2(db,
				     "SELECT department FROM case_assign WHERE case_id = ?1"
				     " ORDER BY department",
				     -1, &s, NULL) != SQLITE_OK) {
		json_decref(a);
		return NULL;
	}
	sqlite3_bind_int64(s, 1, id);
	while (sqlite3_step(s) == SQLITE_ROW)
		json_array_append_new(a, json_string((const char *)sqlite3_column_text(s, 0)));
	sqlite3_finalize(s);
	return a;
}

#define CASE_COLS                                                                          \
	"c.id, c.number, c.title, c.state, c.resolution, c.source_type, c.source_id,"      \
	" c.category, c.created, c.due_at, c.calendar_error, c.why, c.summary,"            \
	" c.instruction, c.created_by, c.state_since, c.closed_at"

/* case_json: the list object of the row at s (CASE_COLS), now for "overdue". */
static json_t *case_json(sqlite3 *db, sqlite3_stmt *s, int64_t now)
{
	enum yq_case_state st = YQ_CASE_ASSESS;
	yq_case_state_parse((const char *)sqlite3_column_text(s, 3), &st);
	int overdue = sqlite3_column_type(s, 9) != SQLITE_NULL && sqlite3_column_int64(s, 9) <= now;
	const char *res = (const char *)sqlite3_column_text(s, 4);
	return json_pack("{s:I,s:o,s:o,s:s,s:s,s:o,s:o,s:{s:o,s:o},s:o,s:o,s:o,s:b,s:o}", "id",
			 (json_int_t)sqlite3_column_int64(s, 0), "number", jtext(s, 1), "title",
			 jtext(s, 2), "state", yq_case_state_name(st), "state_zh",
			 yq_case_state_zh(st), "resolution",
			 res && *res ? json_string(res) : json_null(), "departments",
			 departments_json(db, sqlite3_column_int64(s, 0)), "source", "type",
			 jtext(s, 5), "id", jtext(s, 6), "category", jtext(s, 7), "created",
			 jtime(s, 8), "due_at", jtime(s, 9), "overdue", overdue, "calendar_error",
			 jtext(s, 10));
}

/* snapshot: the audited state of case id (no visibility check). */
static int snapshot(sqlite3 *db, int64_t id, json_t **out)
{
	sqlite3_stmt *s = NULL;
	int rc = YQ_ENOTFOUND;
	*out = NULL;
	if (sqlite3_prepare_v2(db,
			       "SELECT state, resolution, due_at, instruction, calendar_error"
			       " FROM cases WHERE id = ?1",
			       -1, &s, NULL) != SQLITE_OK)
		return YQ_EDB;
	sqlite3_bind_int64(s, 1, id);
	if (sqlite3_step(s) == SQLITE_ROW) {
		*out = json_pack("{s:o,s:o,s:o,s:o,s:o,s:o}", "state", jtext(s, 0), "resolution",
				 jtext(s, 1), "due_at", jtime(s, 2), "instruction", jtext(s, 3),
				 "calendar_error", jtext(s, 4), "departments",
				 departments_json(db, id));
		rc = *out ? 0 : YQ_ENOMEM;
	}
	sqlite3_finalize(s);
	return rc;
}

static int audit(sqlite3 *db, const struct yq_principal *who, const char *addr, int64_t now,
		 const char *action, int64_t id, json_t *before, json_t *after)
{
	char oid[24], actor[YQ_AUTH_NAME_MAX + 8];
	char *b = before ? json_dumps(before, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
	char *a = after ? json_dumps(after, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
	snprintf(oid, sizeof oid, "%lld", (long long)id);
	snprintf(actor, sizeof actor, "%s", actor_is_user(who) ? who->name : "system");
	struct yq_audit_entry e = {.time = now, .actor = actor, .action = action,
				   .object_type = "case", .object_id = oid, .before = b,
				   .after = a, .addr = addr};
	int rc = ((before && !b) || (after && !a)) ? YQ_ENOMEM : yq_audit_append(db, &e, NULL);
	free(b);
	free(a);
	return rc;
}

/* ---- departments ---- */

int yq_case_dept_set(sqlite3 *db, const struct yq_principal *who, const char *addr,
		     const char *name, const char *const *categories, size_t n,
		     const char *contact, int64_t now, struct yq_buf *err)
{
	json_t *cats = NULL, *before = NULL, *after = NULL;
	sqlite3_stmt *s = NULL;
	struct yq_txn t;
	char *ctext = NULL;
	int rc = 0, open = 0;

	if (who && !(actor_is_user(who) && yq_auth_allows(who->role, YQ_PERM_CONFIG_WRITE)))
		return fail(err, YQ_EFORBIDDEN, "%s may not change departments",
			    who->kind == YQ_PRINCIPAL_USER ? yq_auth_role_name(who->role) : "anonymous");
	if (!text_ok(name, YQ_AUTH_DEPT_MAX))
		return fail(err, YQ_EINVAL, "a department name is 1..%d bytes of UTF-8",
			    YQ_AUTH_DEPT_MAX);
	if (n > YQ_CASE_CATEGORIES_MAX)
		return fail(err, YQ_EINVAL, "at most %d categories", YQ_CASE_CATEGORIES_MAX);
	if (contact && strlen(contact) > YQ_CASE_FIELD_MAX)
		return fail(err, YQ_EINVAL, "contact: at most %d bytes", YQ_CASE_FIELD_MAX);
	if (!(cats = json_array())) {
		rc = YQ_ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		if (!text_ok(categories[i], YQ_CASE_FIELD_MAX)) {
			rc = fail(err, YQ_EINVAL, "a category is 1..%d bytes of UTF-8",
				  YQ_CASE_FIELD_MAX);
			goto out;
		}
		json_array_append_new(cats, json_string(categories[i]));
	}
	if (!(ctext = json_dumps(cats, JSON_COMPACT))) {
		rc = YQ_ENOMEM;
		goto out;
	}
	if ((rc = yq_txn_begin(db, &t)))
		goto out;
	open = 1;
	if (sqlite3_prepare_v2(db, "SELECT categories, contact FROM case_departments WHERE name = ?1",
			       -1, &s, NULL) != SQLITE_OK) {
		rc = YQ_EDB;
		goto out;
	}
	sqlite3_bind_text(s, 1, name, -1, SQLITE_STATIC);
	if (sqlite3_step(s) == SQLITE_ROW) {
		const char *oc = (const char *)sqlite3_column_text(s, 1);
		if (!strcmp((const char *)sqlite3_column_text(s, 0), ctext) &&
		    ((!oc && !contact) || (oc && contact && !strcmp(oc, contact))))
			goto out; /* unchanged */
		before = json_pack("{s:s,s:o,s:o}", "name", name, "categories",
				   json_loads((const char *)sqlite3_column_text(s, 0), 0, NULL),
				   "contact", jtext(s, 1));
	}
	sqlite3_finalize(s);
	s = NULL;
	if (sqlite3_prepare_v2(db,
			       "INSERT INTO case_departments(name, categories, contact, created)"
			       " VALUES (?1, ?2, ?3, ?4) ON CONFLICT(name) DO UPDATE SET"
			       " categories = excluded.categories, contact = excluded.contact",
			       -1, &s, NULL) != SQLITE_OK) {
		rc = YQ_EDB;
		goto out;
	}
	sqlite3_bind_text(s, 1, name, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, ctext, -1, SQLITE_STATIC);
	if (contact)
		sqlite3_bind_text(s, 3, contact, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 4, now);
	if (sqlite3_step(s) != SQLITE_DONE) {
		rc = YQ_EDB;
		goto out;
	}
	after = json_pack("{s:s,s:O,s:s?}", "name", name, "categories", cats, "contact", contact);
	{
		char actor[YQ_AUTH_NAME_MAX + 8];
		char *b = before ? json_dumps(before, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
		char *a = after ? json_dumps(after, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
		snprintf(actor, sizeof actor, "%s", actor_is_user(who) ? who->name : "system");
		struct yq_audit_entry e = {.time = now, .actor = actor, .action = "department.set",
					   .object_type = "department", .object_id = name,
					   .before = b, .after = a, .addr = addr};
		rc = a ? yq_audit_append(db, &e, NULL) : YQ_ENOMEM;
		free(b);
		free(a);
	}
out:
	sqlite3_finalize(s);
	if (open)
		rc = yq_txn_end(&t, rc);
	if (rc == YQ_EDB && err && !err->len)
		yq_buf_adds(err, sqlite3_errmsg(db));
	free(ctext);
	json_decref(cats);
	json_decref(before);
	json_decref(after);
	return rc;
}

int yq_case_dept_list(sqlite3 *db, json_t **out)
{
	sqlite3_stmt *s = NULL;
	json_t *a = json_array();
	int rc = 0;
	*out = NULL;
	if (!a)
		return YQ_ENOMEM;
	if (sqlite3_prepare_v2(db,
			       "SELECT name, categories, contact FROM case_departments ORDER BY name",
			       -1, &s, NULL) != SQLITE_OK) {
		json_decref(a);
		return YQ_EDB;
	}
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		json_t *c = json_loads((const char *)sqlite3_column_text(s, 1), 0, NULL);
		json_array_append_new(a, json_pack("{s:o,s:o,s:o}", "name", jtext(s, 0),
						   "categories", c ? c : json_array(), "contact",
						   jtext(s, 2)));
	}
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE) {
		json_decref(a);
		return YQ_EDB;
	}
	*out = a;
	return 0;
}

int yq_case_dept_route(sqlite3 *db, const char *category, char *out, size_t cap)
{
	sqlite3_stmt *s = NULL;
	int rc = YQ_ENOTFOUND;
	if (sqlite3_prepare_v2(db,
			       "SELECT d.name FROM case_departments d, json_each(d.categories) j"
			       " WHERE j.value = ?1 ORDER BY d.name LIMIT 1",
			       -1, &s, NULL) != SQLITE_OK)
		return YQ_EDB;
	sqlite3_bind_text(s, 1, category ? category : "", -1, SQLITE_STATIC);
	int st = sqlite3_step(s);
	if (st == SQLITE_ROW) {
		snprintf(out, cap, "%s", (const char *)sqlite3_column_text(s, 0));
		rc = 0;
	} else if (st != SQLITE_DONE) {
		rc = YQ_EDB;
	}
	sqlite3_finalize(s);
	return rc;
}

/* assign: replaces the case's departments by depts[0..n) (each registered). */
static int assign(sqlite3 *db, int64_t id, const char *const *depts, size_t n, struct yq_buf *err)
{
	sqlite3_stmt *s = NULL;
	int rc;
	if (n > YQ_CASE_DEPTS_MAX)
		return fail(err, YQ_EINVAL, "at most %d departments on a case", YQ_CASE_DEPTS_MAX);
	if ((rc = exec1(db, "DELETE FROM case_assign WHERE case_id = ?1", id, NULL, 0)))
		return rc;
	for (size_t i = 0; i < n; i++) {
		if (!depts[i] || !*depts[i])
			return fail(err, YQ_EINVAL, "an empty department name");
		if (sqlite3_prepare_v2(db,
				       "INSERT OR IGNORE INTO case_assign(case_id, department)"
				       " SELECT ?1, name FROM case_departments WHERE name = ?2",
				       -1, &s, NULL) != SQLITE_OK)
			return YQ_EDB;
		sqlite3_bind_int64(s, 1, id);
		sqlite3_bind_text(s, 2, depts[i], -1, SQLITE_STATIC);
		rc = sqlite3_step(s) == SQLITE_DONE ? 0 : YQ_EDB;
		sqlite3_finalize(s);
		if (rc)
			return rc;
		if (sqlite3_changes(db) == 0) { /* unknown, or listed twice */
			int twice = 0;
			for (size_t j = 0; j < i; j++)
				twice |= !strcmp(depts[j], depts[i]);
			if (!twice)
				return fail(err, YQ_ENOTFOUND,
					    "no department '%s' (GET /api/departments)", depts[i]);
		}
	}
	return 0;
}

/* ---- deadlines and notices ---- */

/* queue_notice: one reminder row (case_id, type, due_at) and, if it is new,
 * its outbox message, acknowledged at once (no roster escalation). */
static int queue_notice(sqlite3 *db, const struct yq_case_config *cfg, int64_t id,
			const char *number, const char *title, const char *type, int64_t due_at,
			const char *summary, int64_t now, int *queued)
{
	sqlite3_stmt *s = NULL;
	char *js = NULL;
	int rc = 0;
	if (!cfg || !cfg->dcfg)
		return 0;
	if (sqlite3_prepare_v2(db,
			       "INSERT OR IGNORE INTO case_reminders(case_id, type, due_at, created)"
			       " VALUES (?1, ?2, ?3, ?4)",
			       -1, &s, NULL) != SQLITE_OK)
		return YQ_EDB;
	sqlite3_bind_int64(s, 1, id);
	sqlite3_bind_text(s, 2, type, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 3, due_at);
	sqlite3_bind_int64(s, 4, now);
	rc = sqlite3_step(s) == SQLITE_DONE ? 0 : YQ_EDB;
	sqlite3_finalize(s);
	if (rc || sqlite3_changes(db) == 0)
		return rc;
	int64_t rid = sqlite3_last_insert_rowid(db);
	char t[512];
	snprintf(t, sizeof t, "工单 %s %.400s", number, title);
	json_t *j = json_pack("{s:I,s:s,s:s,s:I,s:s,s:s,s:I}", "id", (json_int_t)-rid, "title", t,
			      "level", "工单提醒", "time", (json_int_t)now, "summary", summary,
			      "reason", type, "case", (json_int_t)id);
	if (!j || !(js = json_dumps(j, JSON_COMPACT))) {
		json_decref(j);
		return YQ_ENOMEM;
	}
	json_decref(j);
	if ((rc = yq_deliver_enqueue(db, cfg->dcfg, js, NULL, 0, now, NULL)) ||
	    (rc = yq_deliver_ack(db, -rid, "system:reminder", now)) ||
	    (rc = exec1(db, "UPDATE case_reminders SET alert_id = -id WHERE id = ?1", rid, NULL,
			0)))
		goto out;
	if (queued)
		++*queued;
out:
	free(js);
	return rc;
}

/* set_deadline: due_at of case id entering state `to` at now; a date outside
 * the calendar sets calendar_error and queues a notice (workflow-03). */
static int set_deadline(sqlite3 *db, const struct yq_case_config *cfg, int64_t id,
			const char *number, const char *title, enum yq_case_state to, int64_t now)
{
	int n = cfg ? cfg->deadline_days[to] : 0;
	sqlite3_stmt *s = NULL;
	int64_t due_day = 0;
	int rc = 0, crc = 0;
	char msg[160] = "";
	if (n > 0 && cfg->cal) {
		crc = yq_calendar_add_workdays(cfg->cal, yq_calendar_day_of(now), n, &due_day);
		if (crc == YQ_ECALENDAR) {
			int y, m, d;
			yq_date_to_ymd(yq_calendar_day_of(now), &y, &m, &d);
			snprintf(msg, sizeof msg,
				 "no working-day schedule loaded for %d or %d: add it to the holiday"
				 " table", y, y + 1);
		} else if (crc) {
			return crc;
		}
	}
	if (sqlite3_prepare_v2(db,
			       "UPDATE cases SET state = ?2, state_since = ?3, due_at = ?4,"
			       " calendar_error = ?5 WHERE id = ?1",
			       -1, &s, NULL) != SQLITE_OK)
		return YQ_EDB;
	sqlite3_bind_int64(s, 1, id);
	sqlite3_bind_text(s, 2, yq_case_state_name(to), -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 3, now);
	if (n > 0 && cfg->cal && !crc)
		sqlite3_bind_int64(s, 4, yq_calendar_day_start(due_day + 1));
	if (*msg)
		sqlite3_bind_text(s, 5, msg, -1, SQLITE_STATIC);
	rc = sqlite3_step(s) == SQLITE_DONE ? 0 : YQ_EDB;
	sqlite3_finalize(s);
	if (!rc && *msg)
		rc = queue_notice(db, cfg, id, number, title, "calendar-missing",
				  yq_calendar_day_of(now), msg, now, NULL);
	return rc;
}

/* ---- create ---- */

/* source_lookup: the title and reason of an event or alert if the store's
 * tables exist: fills *title (malloc'd, may stay NULL) and *why (malloc'd). */
static int source_lookup(sqlite3 *db, const struct yq_case_new *in, char **title, char **why,
			 struct yq_buf *err)
{
	sqlite3_stmt *s = NULL;
	const char *sql;
	int rc = 0;
	if (!strcmp(in->source_type, "alert"))
		sql = "SELECT e.title, a.reason FROM alerts a LEFT JOIN events e ON e.id = a.event"
		      " WHERE a.id = ?1";
	else if (!strcmp(in->source_type, "event"))
		sql = "SELECT title, NULL FROM events WHERE id = ?1";
	else
		return 0;
	if (sqlite3_prepare_v2(db, sql, -1, &s, NULL) != SQLITE_OK)
		return 0; /* no store tables in this database: nothing to carry */
	sqlite3_bind_text(s, 1, in->source_id, -1, SQLITE_STATIC);
	int st = sqlite3_step(s);
	if (st == SQLITE_ROW) {
		const char *t = (const char *)sqlite3_column_text(s, 0);
		const char *w = (const char *)sqlite3_column_text(s, 1);
		if ((t && !(*title = strdup(t))) || (w && !(*why = strdup(w))))
			rc = YQ_ENOMEM;
	} else if (st == SQLITE_DONE) {
		rc = fail(err, YQ_ENOTFOUND, "no %s with that id", in->source_type);
	} else {
		rc = YQ_EDB;
	}
	sqlite3_finalize(s);
	return rc;
}

int yq_case_create(sqlite3 *db, const struct yq_case_config *cfg, const struct yq_principal *who,
		   const char *addr, const struct yq_case_new *in, int64_t now,
		   int64_t *id_out, char number[16], struct yq_buf *err)
{
	static const char *const types[] = {"event", "alert", "message", "manual"};
	sqlite3_stmt *s = NULL;
	struct yq_txn t;
	char *stitle = NULL, *swhy = NULL, num[16], routed[YQ_AUTH_DEPT_MAX + 1];
	json_t *after = NULL, *why = NULL;
	int rc = 0, open = 0, y, m, d, known = 0;
	int64_t id = 0;

	if (!actor_is_user(who) || !yq_auth_allows(who->role, YQ_PERM_CASE_CREATE))
		return fail(err, YQ_EFORBIDDEN, "role %s may not open cases",
			    who ? yq_auth_role_name(who->role) : "?");
	for (size_t i = 0; in->source_type && i < 4; i++)
		known |= !strcmp(in->source_type, types[i]);
	if (!known)
		return fail(err, YQ_EINVAL, "source type is event, alert, message or manual");
	if (strcmp(in->source_type, "manual") && !text_ok(in->source_id, YQ_CASE_FIELD_MAX))
		return fail(err, YQ_EINVAL, "a case from a %s needs its id", in->source_type);
	if (in->title && !text_ok(in->title, YQ_CASE_TITLE_MAX))
		return fail(err, YQ_EINVAL, "title: 1..%d bytes of UTF-8", YQ_CASE_TITLE_MAX);
	if ((in->category && !text_ok(in->category, YQ_CASE_FIELD_MAX)) ||
	    (in->summary && !text_ok(in->summary, YQ_CASE_TEXT_MAX)))
		return fail(err, YQ_EINVAL, "category or summary: empty, too long or not UTF-8");
	if (in->why) {
		why = json_loads(in->why, 0, NULL);
		if (!json_is_object(why) || strlen(in->why) > YQ_CASE_TEXT_MAX) {
			json_decref(why);
			return fail(err, YQ_EINVAL, "why must be a JSON object of at most %d bytes",
				    YQ_CASE_TEXT_MAX);
		}
		json_decref(why);
		why = NULL;
	}
	if ((rc = yq_txn_begin(db, &t)))
		goto out;
	open = 1;
	if ((rc = source_lookup(db, in, &stitle, &swhy, err)))
		goto out;
	if (!in->title && !stitle) {
		rc = fail(err, YQ_EINVAL, "a case needs a title");
		goto out;
	}
	yq_date_to_ymd(yq_calendar_day_of(now), &y, &m, &d);
	if (sqlite3_prepare_v2(db,
			       "INSERT INTO case_numbers(year, last) VALUES (?1, 1) ON CONFLICT(year)"
			       " DO UPDATE SET last = last + 1 RETURNING last",
			       -1, &s, NULL) != SQLITE_OK) {
		rc = YQ_EDB;
		goto out;
	}
	sqlite3_bind_int(s, 1, y);
	if (sqlite3_step(s) != SQLITE_ROW) {
		rc = YQ_EDB;
		goto out;
	}
	snprintf(num, sizeof num, "%04d-%04lld", y % 10000,
		 (long long)(sqlite3_column_int64(s, 0) % 100000000));
	sqlite3_finalize(s);
	s = NULL;
	if (sqlite3_prepare_v2(db,
			       "INSERT INTO cases(number, title, state, source_type, source_id, why,"
			       " category, summary, created, created_by, state_since)"
			       " VALUES (?1, ?2, 'assess', ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?8)",
			       -1, &s, NULL) != SQLITE_OK) {
		rc = YQ_EDB;
		goto out;
	}
	const char *title = in->title ? in->title : stitle;
	const char *whytext = in->why ? in->why : swhy;
	sqlite3_bind_text(s, 1, num, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, title, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 3, in->source_type, -1, SQLITE_STATIC);
	if (strcmp(in->source_type, "manual") && in->source_id)
		sqlite3_bind_text(s, 4, in->source_id, -1, SQLITE_STATIC);
	if (whytext)
		sqlite3_bind_text(s, 5, whytext, -1, SQLITE_STATIC);
	if (in->category)
		sqlite3_bind_text(s, 6, in->category, -1, SQLITE_STATIC);
	if (in->summary)
		sqlite3_bind_text(s, 7, in->summary, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 8, now);
	sqlite3_bind_text(s, 9, who->name, -1, SQLITE_STATIC);
	if (sqlite3_step(s) != SQLITE_DONE) {
		rc = YQ_EDB;
		goto out;
	}
	id = sqlite3_last_insert_rowid(db);
	if (in->n_departments) {
		rc = assign(db, id, in->departments, in->n_departments, err);
	} else if (in->category) {
		const char *one[1] = {routed};
		rc = yq_case_dept_route(db, in->category, routed, sizeof routed);
		rc = rc == YQ_ENOTFOUND ? 0 : rc ? rc : assign(db, id, one, 1, err);
	}
	if (rc || (rc = set_deadline(db, cfg, id, num, title, YQ_CASE_ASSESS, now)) ||
	    (rc = snapshot(db, id, &after)))
		goto out;
	json_object_set_new(after, "number", json_string(num));
	json_object_set_new(after, "title", json_string(title));
	json_object_set_new(after, "source", json_pack("{s:s,s:s?}", "type", in->source_type,
						       "id", in->source_id));
	if (whytext && (why = json_loads(whytext, 0, NULL)))
		json_object_set(after, "why", why);
	rc = audit(db, who, addr, now, "case.create", id, NULL, after);
out:
	sqlite3_finalize(s);
	if (open)
		rc = yq_txn_end(&t, rc);
	if (rc == YQ_EDB && err && !err->len)
		yq_buf_adds(err, sqlite3_errmsg(db));
	if (!rc && id_out)
		*id_out = id;
	if (!rc && number)
		memcpy(number, num, 16);
	free(stitle);
	free(swhy);
	json_decref(after);
	json_decref(why);
	return rc;
}

/* ---- actions ---- */

static int add_note(sqlite3 *db, int64_t id, const struct yq_principal *who, const char *kind,
		    const char *text, int64_t now)
{
	sqlite3_stmt *s = NULL;
	int rc;
	if (sqlite3_prepare_v2(db,
			       "INSERT INTO case_notes(case_id, time, author, department, kind, text)"
			       " VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
			       -1, &s, NULL) != SQLITE_OK)
		return YQ_EDB;
	sqlite3_bind_int64(s, 1, id);
	sqlite3_bind_int64(s, 2, now);
	sqlite3_bind_text(s, 3, who->name, -1, SQLITE_STATIC);
	if (who->department[0])
		sqlite3_bind_text(s, 4, who->department, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 5, kind, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 6, text, -1, SQLITE_STATIC);
	rc = sqlite3_step(s) == SQLITE_DONE ? 0 : YQ_EDB;
	sqlite3_finalize(s);
	return rc;
}

static int add_response(sqlite3 *db, int64_t id, const struct yq_principal *who,
			const struct yq_case_args *a, int64_t now)
{
	sqlite3_stmt *s = NULL;
	int rc;
	if (sqlite3_prepare_v2(db,
			       "INSERT INTO case_responses(case_id, time, author, text, channel,"
			       " published, link) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
			       -1, &s, NULL) != SQLITE_OK)
		return YQ_EDB;
	sqlite3_bind_int64(s, 1, id);
	sqlite3_bind_int64(s, 2, now);
	sqlite3_bind_text(s, 3, who->name, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 4, a->text, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 5, a->channel, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 6, a->published ? a->published : now);
	if (a->link)
		sqlite3_bind_text(s, 7, a->link, -1, SQLITE_STATIC);
	rc = sqlite3_step(s) == SQLITE_DONE ? 0 : YQ_EDB;
	sqlite3_finalize(s);
	return rc;
}

/* check_args: the arguments action needs (before any transaction). */
static int check_args(enum yq_case_action action, const struct yq_case_args *a,
		      struct yq_buf *err)
{
	static const struct yq_case_args none = {0};
	if (!a)
		a = &none;
	if (a->note && !text_ok(a->note, YQ_CASE_TEXT_MAX))
		return fail(err, YQ_EINVAL, "note: empty, over %d bytes or not UTF-8", YQ_CASE_TEXT_MAX);
	switch (action) {
	case YQ_CASE_INSTRUCT_ACT:
	case YQ_CASE_HANDLED:
	case YQ_CASE_RETURN:
	case YQ_CASE_NOTE:
		if (!a->note)
			return fail(err, YQ_EINVAL, "%s needs a note", yq_case_action_name(action));
		break;
	case YQ_CASE_CLOSE:
		if (a->resolution <= YQ_RES_NONE || a->resolution >= YQ_RES_COUNT)
			return fail(err, YQ_EINVAL,
				    "close needs a resolution: fixed, not_fixed, not_our_responsibility,"
				    " false_info_clarified or duplicate");
		break;
	case YQ_CASE_RESPOND_ACT:
		if (!text_ok(a->text, YQ_CASE_TEXT_MAX) || !text_ok(a->channel, YQ_CASE_FIELD_MAX))
			return fail(err, YQ_EINVAL, "respond needs the response text and its channel");
		if (a->link && !text_ok(a->link, YQ_CASE_FIELD_MAX))
			return fail(err, YQ_EINVAL, "link: at most %d bytes", YQ_CASE_FIELD_MAX);
		if (a->published < 0)
			return fail(err, YQ_EINVAL, "published: a time");
		break;
	default:
		break;
	}
	return 0;
}

int yq_case_act(sqlite3 *db, const struct yq_case_config *cfg, const struct yq_principal *who,
		const char *addr, int64_t id, enum yq_case_action action,
		const struct yq_case_args *args, int64_t now, enum yq_case_state *state_out,
		struct yq_buf *err)
{
	static const struct yq_case_args none = {0};
	sqlite3_stmt *s = NULL;
	struct yq_txn t;
	json_t *before = NULL, *after = NULL;
	char number[24] = "", *title = NULL, audit_action[32];
	enum yq_case_state from = YQ_CASE_ASSESS, to = YQ_CASE_ASSESS;
	int rc, open = 0;

	if (!args)
		args = &none;
	if ((unsigned)action >= YQ_CASE_ACTION_COUNT)
		return fail(err, YQ_EINVAL, "unknown action");
	if (!actor_is_user(who))
		return fail(err, YQ_EFORBIDDEN, "not logged in");
	if ((rc = check_args(action, args, err)))
		return rc;
	if ((rc = yq_txn_begin(db, &t)))
		goto out;
	open = 1;
	if (sqlite3_prepare_v2(db,
			       "SELECT c.state, c.number, c.title FROM cases c WHERE c.id = ?1 AND " VIS,
			       -1, &s, NULL) != SQLITE_OK) {
		rc = YQ_EDB;
		goto out;
	}
	sqlite3_bind_int64(s, 1, id);
	bind_vis(s, who);
	int st = sqlite3_step(s);
	if (st != SQLITE_ROW) {
		rc = st == SQLITE_DONE ? fail(err, YQ_ENOTFOUND, "no case with that id")
				       : YQ_EDB;
		goto out;
	}
	yq_case_state_parse((const char *)sqlite3_column_text(s, 0), &from);
	snprintf(number, sizeof number, "%s", (const char *)sqlite3_column_text(s, 1));
	title = strdup((const char *)sqlite3_column_text(s, 2));
	sqlite3_finalize(s);
	s = NULL;
	if (!title) {
		rc = YQ_ENOMEM;
		goto out;
	}
	if (!may(who->role, action)) {
		yq_buf_reset(err);
		yq_buf_printf(err, "role %s may not %s a case", yq_auth_role_name(who->role),
			      yq_case_action_name(action));
		rc = YQ_EFORBIDDEN;
		goto out;
	}
	if (!yq_case_allowed(who->role, from, action, &to)) {
		yq_buf_reset(err);
		yq_buf_printf(err, "cannot %s a case in state %s (%s)", yq_case_action_name(action),
			      yq_case_state_name(from), yq_case_state_zh(from));
		rc = YQ_ESTATE;
		goto out;
	}
	if ((rc = snapshot(db, id, &before)))
		goto out;
	/* departments: submit and instruct may (re)assign; leaving assess needs one */
	if ((action == YQ_CASE_SUBMIT || action == YQ_CASE_INSTRUCT_ACT) && args->n_departments &&
	    (rc = assign(db, id, args->departments, args->n_departments, err)))
		goto out;
	if (action == YQ_CASE_SUBMIT) {
		json_t *dj = departments_json(db, id);
		size_t nd = json_array_size(dj);
		json_decref(dj);
		if (!nd) {
			rc = fail(err, YQ_EINVAL,
				  "submit needs the departments that will handle the case");
			goto out;
		}
	}
	if (args->note && (rc = add_note(db, id, who, NOTE_KIND[action], args->note, now)))
		goto out;
	if (action == YQ_CASE_INSTRUCT_ACT &&
	    (rc = exec1(db, "UPDATE cases SET instruction = ?2 WHERE id = ?1", id, args->note, 0)))
		goto out;
	if (action == YQ_CASE_RESPOND_ACT && (rc = add_response(db, id, who, args, now)))
		goto out;
	if (action == YQ_CASE_CLOSE)
		rc = exec1(db, "UPDATE cases SET resolution = ?2, closed_at = ?3 WHERE id = ?1", id,
			   yq_case_resolution_name(args->resolution), now);
	if (rc)
		goto out;
	if (action == YQ_CASE_REOPEN &&
	    (rc = exec1(db, "UPDATE cases SET resolution = NULL, closed_at = NULL WHERE id = ?1",
			id, NULL, 0)))
		goto out;
	if (action != YQ_CASE_NOTE &&
	    (rc = set_deadline(db, cfg, id, number, title, to, now)))
		goto out;
	if (to == YQ_CASE_CLOSED || to == YQ_CASE_ARCHIVED) /* no deadline when done */
		if ((rc = exec1(db, "UPDATE cases SET due_at = NULL, calendar_error = NULL"
				" WHERE id = ?1", id, NULL, 0)))
			goto out;
	if ((rc = snapshot(db, id, &after)))
		goto out;
	if (args->note)
		json_object_set_new(after, "note", json_string(args->note));
	if (action == YQ_CASE_RESPOND_ACT)
		json_object_set_new(after, "response",
				    json_pack("{s:s,s:s,s:s?}", "text", args->text, "channel",
					      args->channel, "link", args->link));
	snprintf(audit_action, sizeof audit_action, "case.%s", yq_case_action_name(action));
	rc = audit(db, who, addr, now, audit_action, id, before, after);
out:
	sqlite3_finalize(s);
	if (open)
		rc = yq_txn_end(&t, rc);
	if (rc == YQ_EDB && err && !err->len)
		yq_buf_adds(err, sqlite3_errmsg(db));
	if (!rc && state_out)
		*state_out = to;
	free(title);
	json_decref(before);
	json_decref(after);
	return rc;
}

/* ---- reads ---- */

int yq_case_find(sqlite3 *db, const char *ref, int64_t *id)
{
	sqlite3_stmt *s = NULL;
	int rc = YQ_ENOTFOUND;
	if (!ref || !*ref || strlen(ref) > 32)
		return YQ_ENOTFOUND;
	if (sqlite3_prepare_v2(db,
			       "SELECT id FROM cases WHERE number = ?1"
			       " OR (?1 NOT GLOB '*[^0-9]*' AND id = CAST(?1 AS INTEGER))",
			       -1, &s, NULL) != SQLITE_OK)
		return YQ_EDB;
	sqlite3_bind_text(s, 1, ref, -1, SQLITE_STATIC);
	int st = sqlite3_step(s);
	if (st == SQLITE_ROW) {
		*id = sqlite3_column_int64(s, 0);
		rc = 0;
	} else if (st != SQLITE_DONE) {
		rc = YQ_EDB;
	}
	sqlite3_finalize(s);
	return rc;
}

int yq_case_list(sqlite3 *db, const struct yq_principal *who, const struct yq_case_filter *f,
		 int64_t now, json_t **out, struct yq_buf *err)
{
	sqlite3_stmt *s = NULL;
	json_t *a = NULL;
	enum yq_case_state st = YQ_CASE_ASSESS;
	size_t limit = f->limit ? f->limit : 50;
	int rc = 0, step;

	*out = NULL;
	if (f->state && yq_case_state_parse(f->state, &st))
		return fail(err, YQ_EINVAL, "state: one of assess, instruct, handle, respond,"
			    " supervise, closed, archived");
	if (limit > YQ_CASE_LIST_MAX || f->offset > 1000000 || f->overdue < -1 || f->overdue > 1)
		return fail(err, YQ_EINVAL, "limit 1..%d, offset 0..1000000, overdue -1..1", YQ_CASE_LIST_MAX);
	if (sqlite3_prepare_v2(db,
			       "SELECT " CASE_COLS " FROM cases c WHERE " VIS
			       " AND (?1 IS NULL OR c.state = ?1)"
			       " AND (?2 IS NULL OR EXISTS (SELECT 1 FROM case_assign d"
			       "  WHERE d.case_id = c.id AND d.department = ?2))"
			       " AND (?3 < 0 OR (c.due_at IS NOT NULL AND c.due_at <= ?4) = ?3)"
			       " AND (?5 IS NULL OR c.source_type = ?5)"
			       " AND (?6 IS NULL OR c.source_id = ?6)"
			       " ORDER BY c.id DESC LIMIT ?7 OFFSET ?8",
			       -1, &s, NULL) != SQLITE_OK)
		return YQ_EDB;
	if (f->state)
		sqlite3_bind_text(s, 1, yq_case_state_name(st), -1, SQLITE_STATIC);
	if (f->department)
		sqlite3_bind_text(s, 2, f->department, -1, SQLITE_STATIC);
	sqlite3_bind_int(s, 3, f->overdue);
	sqlite3_bind_int64(s, 4, now);
	if (f->source_type)
		sqlite3_bind_text(s, 5, f->source_type, -1, SQLITE_STATIC);
	if (f->source_id)
		sqlite3_bind_text(s, 6, f->source_id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 7, (int64_t)limit);
	sqlite3_bind_int64(s, 8, (int64_t)f->offset);
	bind_vis(s, who);
	if (!(a = json_array())) {
		rc = YQ_ENOMEM;
		goto out;
	}
	while ((step = sqlite3_step(s)) == SQLITE_ROW) {
		json_t *c = case_json(db, s, now);
		if (!c || json_array_append_new(a, c)) {
			rc = YQ_ENOMEM;
			goto out;
		}
	}
	if (step != SQLITE_DONE)
		rc = YQ_EDB;
out:
	sqlite3_finalize(s);
	if (rc) {
		if (rc == YQ_EDB && err)
			yq_buf_adds(err, sqlite3_errmsg(db));
		json_decref(a);
	} else {
		*out = a;
	}
	return rc;
}

/* rows_json: the rows of sql (?1 = id) as objects named by keys; columns
 * whose key starts with '@' are times, '$' JSON text. */
static json_t *rows_json(sqlite3 *db, const char *sql, int64_t id, const char *const *keys,
			 int n)
{
	sqlite3_stmt *s = NULL;
	json_t *a = json_array();
	if (!a || sqlite3_prepare_v2(db, sql, -1, &s, NULL) != SQLITE_OK) {
		json_decref(a);
		return NULL;
	}
	sqlite3_bind_int64(s, 1, id);
	while (sqlite3_step(s) == SQLITE_ROW) {
		json_t *o = json_object();
		for (int i = 0; o && i < n; i++) {
			const char *k = keys[i];
			json_t *v;
			if (*k == '@')
				v = jtime(s, i), k++;
			else if (*k == '$') {
				const char *t = (const char *)sqlite3_column_text(s, i);
				v = t ? json_loads(t, JSON_DECODE_ANY, NULL) : json_null();
				k++;
			} else if (sqlite3_column_type(s, i) == SQLITE_INTEGER)
				v = json_integer(sqlite3_column_int64(s, i));
			else
				v = jtext(s, i);
			json_object_set_new(o, k, v ? v : json_null());
		}
		json_array_append_new(a, o);
	}
	sqlite3_finalize(s);
	return a;
}

int yq_case_get(sqlite3 *db, const struct yq_case_config *cfg, const struct yq_principal *who,
		int64_t id, int64_t now, json_t **out, struct yq_buf *err)
{
	static const char *const note_keys[] = {"@time", "author", "department", "kind", "text"};
	static const char *const resp_keys[] = {"@time", "author", "text", "channel", "@published",
						"link"};
	static const char *const hist_keys[] = {"seq", "@time", "actor", "action", "$before",
						"$after"};
	static const char *const rem_keys[] = {"type", "@due_at", "@created"};
	sqlite3_stmt *s = NULL;
	json_t *c = NULL, *acts = NULL, *dl = NULL;
	enum yq_case_state st = YQ_CASE_ASSESS;
	char oid[24];
	int rc = 0;

	*out = NULL;
	if (sqlite3_prepare_v2(db, "SELECT " CASE_COLS " FROM cases c WHERE c.id = ?1 AND " VIS, -1,
			       &s, NULL) != SQLITE_OK)
		return YQ_EDB;
	sqlite3_bind_int64(s, 1, id);
	bind_vis(s, who);
	int r = sqlite3_step(s);
	if (r != SQLITE_ROW) {
		rc = r == SQLITE_DONE ? fail(err, YQ_ENOTFOUND, "no case with that id") : YQ_EDB;
		goto out;
	}
	if (!(c = case_json(db, s, now))) {
		rc = YQ_ENOMEM;
		goto out;
	}
	yq_case_state_parse((const char *)sqlite3_column_text(s, 3), &st);
	const char *why = (const char *)sqlite3_column_text(s, 11);
	json_object_set_new(c, "why", why ? json_loads(why, 0, NULL) : json_null());
	json_object_set_new(c, "summary", jtext(s, 12));
	json_object_set_new(c, "instruction", jtext(s, 13));
	json_object_set_new(c, "created_by", jtext(s, 14));
	json_object_set_new(c, "state_since", jtime(s, 15));
	json_object_set_new(c, "closed_at", jtime(s, 16));
	snprintf(oid, sizeof oid, "%lld", (long long)id);
	json_object_set_new(c, "notes",
			    rows_json(db, "SELECT time, author, department, kind, text FROM"
				      " case_notes WHERE case_id = ?1 ORDER BY id", id, note_keys, 5));
	json_object_set_new(c, "responses",
			    rows_json(db, "SELECT time, author, text, channel, published, link FROM"
				      " case_responses WHERE case_id = ?1 ORDER BY id", id,
				      resp_keys, 6));
	json_object_set_new(c, "reminders",
			    rows_json(db, "SELECT type, due_at, created FROM case_reminders"
				      " WHERE case_id = ?1 ORDER BY id", id, rem_keys, 3));
	json_object_set_new(c, "history",
			    rows_json(db, "SELECT seq, time, actor, action, before, after FROM"
				      " audit_log WHERE object_type = 'case' AND object_id ="
				      " CAST(?1 AS TEXT) ORDER BY seq", id, hist_keys, 6));
	if (!(dl = json_object()) || !(acts = json_array())) {
		rc = YQ_ENOMEM;
		goto out;
	}
	for (int i = 0; i < YQ_CASE_STATE_COUNT; i++)
		if (cfg && cfg->deadline_days[i] > 0)
			json_object_set_new(dl, yq_case_state_name((enum yq_case_state)i),
					    json_integer(cfg->deadline_days[i]));
	json_object_set_new(c, "deadlines",
			    json_pack("{s:O,s:O}", "working_days", dl, "due_at",
				      json_object_get(c, "due_at")));
	for (int a = 0; who && who->kind == YQ_PRINCIPAL_USER && a < YQ_CASE_ACTION_COUNT; a++)
		if (yq_case_allowed(who->role, st, (enum yq_case_action)a, NULL))
			json_array_append_new(acts, json_string(ACTION[a]));
	json_object_set(c, "actions", acts);
out:
	sqlite3_finalize(s);
	json_decref(acts);
	json_decref(dl);
	if (rc) {
		if (rc == YQ_EDB && err && !err->len)
			yq_buf_adds(err, sqlite3_errmsg(db));
		json_decref(c);
	} else {
		*out = c;
	}
	return rc;
}

/* ---- reminders ---- */

/* prev_workday: the last working day before day, within 30 days, or -1. */
static int64_t prev_workday(const struct yq_calendar *cal, int64_t day)
{
	for (int k = 1; k <= 30; k++) {
		int is;
		if (yq_calendar_is_workday(cal, day - k, &is))
			return -1;
		if (is)
			return day - k;
	}
	return -1;
}

/* missing: 1 if reminder (id, type, due) has no row yet, 0 if it has, <0 error. */
static int missing(sqlite3 *db, int64_t id, const char *type, int64_t due)
{
	sqlite3_stmt *s = NULL;
	int rc;
	if (sqlite3_prepare_v2(db,
			       "SELECT 1 FROM case_reminders WHERE case_id = ?1 AND type = ?2"
			       " AND due_at = ?3",
			       -1, &s, NULL) != SQLITE_OK)
		return YQ_EDB;
	sqlite3_bind_int64(s, 1, id);
	sqlite3_bind_text(s, 2, type, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 3, due);
	int st = sqlite3_step(s);
	rc = st == SQLITE_DONE ? 1 : st == SQLITE_ROW ? 0 : YQ_EDB;
	sqlite3_finalize(s);
	return rc;
}

/*
 * scan: the reminders due at now.  write 0: only looks (no transaction,
 * no write lock) and returns 1 as soon as one has no row yet, else 0;
 * write 1: queues every one that is new (inside the caller's transaction),
 * counting them in *n.  <0 on errors.
 */
static int scan(sqlite3 *db, const struct yq_case_config *cfg, int64_t now, int write, int *n)
{
	sqlite3_stmt *s = NULL;
	int rc = 0, st = SQLITE_DONE;
	if (sqlite3_prepare_v2(db,
			       "SELECT id, number, title, due_at, state FROM cases WHERE due_at IS NOT"
			       " NULL AND state NOT IN ('closed', 'archived') ORDER BY due_at",
			       -1, &s, NULL) != SQLITE_OK)
		return YQ_EDB;
	while (rc == 0 && (st = sqlite3_step(s)) == SQLITE_ROW) {
		int64_t id = sqlite3_column_int64(s, 0), due = sqlite3_column_int64(s, 3), key;
		const char *num = (const char *)sqlite3_column_text(s, 1);
		const char *title = (const char *)sqlite3_column_text(s, 2);
		const char *type;
		char msg[160], when[32];
		enum yq_case_state cs = YQ_CASE_ASSESS;
		yq_case_state_parse((const char *)sqlite3_column_text(s, 4), &cs);
		iso(due, when);
		if (now >= due) {
			type = "overdue";
			key = due;
			snprintf(msg, sizeof msg, "%s（%s）已超期，期限 %s", yq_case_state_zh(cs),
				 yq_case_state_name(cs), when);
		} else {
			int64_t last = yq_calendar_day_of(due - 1);
			int64_t prev = cfg->cal ? prev_workday(cfg->cal, last) : last - 1;
			if (prev < 0)
				continue;
			key = yq_calendar_day_start(prev) + (int64_t)cfg->remind_hour * 3600;
			if (now < key)
				continue;
			type = "due-in-1-working-day";
			snprintf(msg, sizeof msg, "%s（%s）将于 1 个工作日后到期，期限 %s",
				 yq_case_state_zh(cs), yq_case_state_name(cs), when);
		}
		if (write)
			rc = queue_notice(db, cfg, id, num, title, type, key, msg, now, n);
		else
			rc = missing(db, id, type, key);
	}
	if (rc == 0 && st != SQLITE_DONE && st != SQLITE_ROW)
		rc = YQ_EDB;
	sqlite3_finalize(s);
	return rc;
}

int yq_case_remind(sqlite3 *db, const struct yq_case_config *cfg, int64_t now, int *queued)
{
	struct yq_txn t;
	int rc, n = 0;
	if (queued)
		*queued = 0;
	if (!cfg || !cfg->dcfg)
		return 0;
	/* look first without the write lock: most scans find nothing new */
	if ((rc = scan(db, cfg, now, 0, NULL)) <= 0)
		return rc;
	if ((rc = yq_txn_begin(db, &t)))
		return rc;
	rc = yq_txn_end(&t, scan(db, cfg, now, 1, &n));
	if (!rc && queued)
		*queued = n;
	return rc;
}
