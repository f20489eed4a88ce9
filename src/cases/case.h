/*
 * case.h — cases (工单): the office's answer to an event, an alert or a
 * citizen's message, from 研判 to 归档, with departments, deadlines in
 * working days, reminders and an audit entry for every change (issue 7).
 *
 * States and actions (docs/cases.md prints this table; yq_case_allowed()
 * is its code):
 *
 *   action    from                    to         permission (auth.h)
 *   submit    assess 研判             instruct   case_assign     route to departments
 *   instruct  instruct 批示           handle     case_instruct   leader's instruction
 *   handled   handle 处置             respond    case_handle*    measures taken
 *   respond   respond 回应            supervise  case_handle*    text, channel, time, link
 *   return    supervise 督办          handle     case_supervise  not good enough: back
 *   close     supervise, assess       closed     case_close      with a resolution code
 *   archive   closed 办结             archived   case_close
 *   reopen    closed, archived 归档   handle     case_close
 *   note      any but archived        (same)     case_handle* | case_assign |
 *                                                case_instruct | case_supervise  会商
 *
 *   * a handler only on a case assigned to the handler's department.
 *
 * Visibility: a principal with case_read_all sees every case; a handler
 * sees only the cases assigned to his department — enforced inside the SQL
 * of every read and write here, so a handler asking for another
 * department's case gets YQ_ENOTFOUND, exactly as for a case that does not
 * exist.
 *
 * Deadlines: entering a state with a configured limit of N working days
 * (struct yq_case_config) sets due_at = the local midnight ending the N-th
 * working day after the day of entry (calendar.h, Asia/Shanghai).  A case is
 * overdue while now >= due_at in that state.  A date outside the loaded
 * calendar leaves due_at NULL and sets calendar_error on the case (shown in
 * the API) and a notice is queued to the duty roster: never a silent
 * weekends-only deadline (workflow-03).
 *
 * Tables (yq_case_init; CREATE TABLE IF NOT EXISTS):
 *   case_departments(name PRIMARY KEY, categories JSON array, contact, created)
 *   cases(id, number UNIQUE "YYYY-NNNN", title, state, resolution, source_type,
 *         source_id, why JSON, category, summary, created, created_by,
 *         state_since, due_at, calendar_error, instruction, closed_at)
 *   case_assign(case_id, department)         PRIMARY KEY(case_id, department)
 *   case_notes(id, case_id, time, author, department, kind, text)
 *   case_responses(id, case_id, time, author, text, channel, published, link)
 *   case_reminders(id, case_id, type, due_at, created, alert_id)
 *                   UNIQUE(case_id, type, due_at)
 *   case_numbers(year PRIMARY KEY, last)
 *
 * Atomicity: every change is one transaction (BEGIN IMMEDIATE, or a
 * savepoint inside the caller's transaction, auth/txn.h) holding the change
 * and its audit entry (audit.h: actor, action "case.<action>", object
 * "case"/id, before and after as JSON).  If the audit append fails, the
 * change is rolled back.
 *
 * Reminders (workflow-06): yq_case_remind() inserts one case_reminders row
 * per (case, type, due_at) with INSERT OR IGNORE and, only when the row is
 * new, queues the reminder in the deliver outbox (deliver.h) in the same
 * transaction.  The outbox claims a row before it sends it and never sends
 * a robot message twice after a crash, so a restart neither repeats a
 * reminder nor loses one.
 *
 * Clock: every function takes now (Unix seconds).  Threads: one connection
 * per thread; the config and calendar are borrowed, read-only.
 */
#ifndef YQ_CASE_H
#define YQ_CASE_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>
#include <sqlite3.h>

#include "auth/auth.h"
#include "base/buf.h"
#include "cases/calendar.h"

struct yq_deliver_config;

/* Caps on what comes from outside. */
#define YQ_CASE_TITLE_MAX 512       /* bytes */
#define YQ_CASE_TEXT_MAX (64 * 1024) /* bytes of a note, response, instruction */
#define YQ_CASE_FIELD_MAX 256       /* bytes of ids, channel, link, category */
#define YQ_CASE_DEPTS_MAX 16        /* departments on one case */
#define YQ_CASE_CATEGORIES_MAX 64   /* categories of one department */
#define YQ_CASE_LIST_MAX 1000       /* rows of one list call */

enum yq_case_state {
	YQ_CASE_ASSESS,    /* "assess" 研判 */
	YQ_CASE_INSTRUCT,  /* "instruct" 批示 */
	YQ_CASE_HANDLE,    /* "handle" 处置 */
	YQ_CASE_RESPOND,   /* "respond" 回应 */
	YQ_CASE_SUPERVISE, /* "supervise" 督办 */
	YQ_CASE_CLOSED,    /* "closed" 办结 */
	YQ_CASE_ARCHIVED,  /* "archived" 归档 */
	YQ_CASE_STATE_COUNT
};

enum yq_case_action {
	YQ_CASE_SUBMIT, YQ_CASE_INSTRUCT_ACT, YQ_CASE_HANDLED, YQ_CASE_RESPOND_ACT,
	YQ_CASE_RETURN, YQ_CASE_CLOSE, YQ_CASE_ARCHIVE, YQ_CASE_REOPEN, YQ_CASE_NOTE,
	YQ_CASE_ACTION_COUNT
};

enum yq_case_resolution {
	YQ_RES_NONE,                 /* "" (open case) */
	YQ_RES_FIXED,                /* "fixed" 已解决 */
	YQ_RES_NOT_FIXED,            /* "not_fixed" 未解决 */
	YQ_RES_NOT_OURS,             /* "not_our_responsibility" 非本单位职责 */
	YQ_RES_FALSE_INFO,           /* "false_info_clarified" 不实信息已澄清 */
	YQ_RES_DUPLICATE,            /* "duplicate" 重复 */
	YQ_RES_COUNT
};

/* Names: stable lowercase English (API/CLI) and Chinese labels; "?" out of
 * range.  _parse accepts either; 0 or YQ_EINVAL. */
const char *yq_case_state_name(enum yq_case_state s);
const char *yq_case_state_zh(enum yq_case_state s);
int yq_case_state_parse(const char *s, enum yq_case_state *out);
const char *yq_case_action_name(enum yq_case_action a);
int yq_case_action_parse(const char *s, enum yq_case_action *out);
const char *yq_case_resolution_name(enum yq_case_resolution r);
const char *yq_case_resolution_zh(enum yq_case_resolution r);
int yq_case_resolution_parse(const char *s, enum yq_case_resolution *out);

/*
 * yq_case_allowed: 1 if role may do action on a case in state (the table
 * above, department scope not included), else 0.  *to (if not NULL) gets
 * the state after it.
 */
int yq_case_allowed(enum yq_role role, enum yq_case_state state, enum yq_case_action action,
		    enum yq_case_state *to);

/* ---- configuration ---- */

struct yq_case_config {
	const struct yq_calendar *cal;        /* borrowed; NULL: no deadlines */
	int deadline_days[YQ_CASE_STATE_COUNT]; /* working days per state, 0: none */
	int remind_hour;                      /* local hour of due-soon reminders (9) */
	const struct yq_deliver_config *dcfg; /* borrowed; NULL: reminders and
					       * calendar notices are not queued */
};

/* yq_case_config_default: cal NULL, deadlines assess 1, instruct 1,
 * handle 5, respond 2, supervise 3 working days, remind_hour 9. */
void yq_case_config_default(struct yq_case_config *c);

/*
 * Settings from the `cases:` section of the daemon's YAML configuration
 * (docs/cases.md):
 *
 *   cases:
 *     holidays: [holidays-cn.tsv, holidays-office.tsv]  # later files override
 *     deadlines: {assess: 1, instruct: 1, handle: 5, respond: 2, supervise: 3}
 *     remind_hour: 9
 *     departments:
 *       - {name: 住建局, categories: [供暖, 物业], contact: "0571-12345"}
 *
 * Relative holiday paths are read from the configuration file's directory.
 * Without `holidays`, holidays-cn.tsv in that directory is used when it
 * exists; with no calendar at all no deadline is computed (and cases carry
 * no due date).
 */
struct yq_case_dept_conf {
	char *name, *contact;
	char **categories;
	size_t n;
};
struct yq_case_settings {
	struct yq_case_config cfg;      /* cfg.cal = cal; cfg.dcfg NULL (the caller sets it) */
	struct yq_calendar *cal;        /* owned, or NULL */
	char *holidays;                 /* the files read, joined by ", " (for logs), or NULL */
	struct yq_case_dept_conf *depts;
	size_t n_depts;
};
/* yq_case_settings_load: reads the cases section of the YAML file at path
 * (no section: the defaults).  YQ_EIO, YQ_EFORMAT ("line N: ..." or the
 * calendar's "file:line: ..." in err), YQ_ETOOBIG, YQ_ENOMEM.  Free with
 * yq_case_settings_free (NULL: no-op). */
int yq_case_settings_load(const char *path, struct yq_case_settings **out, struct yq_buf *err);
void yq_case_settings_free(struct yq_case_settings *s);
/* yq_case_settings_apply: registers the configured departments (audited as
 * "system" only when they differ from the stored ones).  0, YQ_EINVAL,
 * YQ_EDB. */
int yq_case_settings_apply(sqlite3 *db, const struct yq_case_settings *s, int64_t now,
			   struct yq_buf *err);

/* yq_case_init: creates the tables above and the audit tables.  0 or
 * YQ_EDB. */
int yq_case_init(sqlite3 *db);

/* ---- departments (the routing table) ---- */

/*
 * yq_case_dept_set: creates or replaces department name (1..YQ_AUTH_DEPT_MAX
 * bytes) handling categories[0..n) (each 1..YQ_CASE_FIELD_MAX bytes, n <=
 * YQ_CASE_CATEGORIES_MAX) with an optional contact, audited as
 * "department.set" by who (needs config_write; NULL who: the system, e.g.
 * loading the configuration); a department that already has exactly these
 * categories and contact is left alone (no write, no audit entry).
 * 0, YQ_EINVAL, YQ_EFORBIDDEN, YQ_EDB.
 */
int yq_case_dept_set(sqlite3 *db, const struct yq_principal *who, const char *addr,
		     const char *name, const char *const *categories, size_t n,
		     const char *contact, int64_t now, struct yq_buf *err);
/* yq_case_dept_list: [{"name","categories":[…],"contact"}] by name. */
int yq_case_dept_list(sqlite3 *db, json_t **out);
/* yq_case_dept_route: the department whose categories hold category into
 * out (cap bytes), or YQ_ENOTFOUND.  0, YQ_ENOTFOUND, YQ_EDB. */
int yq_case_dept_route(sqlite3 *db, const char *category, char *out, size_t cap);

/* ---- cases ---- */

/* What a new case comes from; strings borrowed. */
struct yq_case_new {
	const char *title;        /* required, 1..YQ_CASE_TITLE_MAX bytes */
	const char *source_type;  /* "event", "alert", "message" or "manual" */
	const char *source_id;    /* the event/alert/message id (not for manual) */
	const char *why;          /* JSON object: the alert's reason, or NULL */
	const char *category;     /* NULL; routes to a department when set */
	const char *summary;      /* NULL */
	const char *const *departments; /* explicit departments (registered names),
					 * NULL/0: routed by category, if any */
	size_t n_departments;
};

/*
 * yq_case_create: opens a case in state assess for who (needs case_create)
 * with number "<local year of now>-<NNNN>" (per-year counter from 0001),
 * its first deadline, its departments, and the audit entry "case.create";
 * for an alert whose `why` is NULL, the alert's reason in table alerts (if
 * that table exists) is carried over.  *id_out (may be NULL) gets the id
 * and number (may be NULL, 16 bytes) the case number.  Errors: YQ_EINVAL
 * (message in err), YQ_EFORBIDDEN, YQ_ENOTFOUND (an unknown department),
 * YQ_EDB.
 */
int yq_case_create(sqlite3 *db, const struct yq_case_config *cfg, const struct yq_principal *who,
		   const char *addr, const struct yq_case_new *in, int64_t now,
		   int64_t *id_out, char number[16], struct yq_buf *err);

/* Arguments of an action; strings borrowed, NULL when not given. */
struct yq_case_args {
	const char *note;             /* instruction (批示), measures, 会商 note,
				       * reason to return; required for instruct,
				       * handled, return and note */
	const char *const *departments; /* submit/instruct: replaces the
					 * assignment (required for submit when
					 * the case has none) */
	size_t n_departments;
	enum yq_case_resolution resolution; /* required for close */
	/* respond: the public response */
	const char *text;             /* required */
	const char *channel;          /* required: "微博", "官网", "热线" … */
	int64_t published;            /* Unix s; 0: now */
	const char *link;             /* URL or NULL */
};

/*
 * yq_case_act: does action on case id for who: checks visibility (a handler
 * of another department: YQ_ENOTFOUND), the role and state table
 * (YQ_EFORBIDDEN, YQ_ESTATE; the case's state is read inside the
 * transaction, so two concurrent actions cannot both pass), the arguments
 * (YQ_EINVAL), then writes the new state, its deadline, notes/responses/
 * assignments and the audit entry "case.<action>" with before and after,
 * in one transaction.  *state_out (may be NULL) gets the new state.
 * 0 or one of those codes, YQ_EDB.
 */
int yq_case_act(sqlite3 *db, const struct yq_case_config *cfg, const struct yq_principal *who,
		const char *addr, int64_t id, enum yq_case_action action,
		const struct yq_case_args *args, int64_t now, enum yq_case_state *state_out,
		struct yq_buf *err);

/* yq_case_find: the id of case number ("2025-0001") or of a decimal id.
 * 0, YQ_ENOTFOUND, YQ_EDB. */
int yq_case_find(sqlite3 *db, const char *ref, int64_t *id);

struct yq_case_filter {
	const char *state;       /* a state name, or NULL */
	const char *department;  /* NULL: all the principal may see */
	int overdue;             /* -1 any, 0 not overdue, 1 overdue */
	const char *source_type; /* NULL or "event"/"alert"/"message"/"manual" */
	const char *source_id;   /* NULL or an id (with source_type) */
	size_t limit, offset;    /* limit 1..YQ_CASE_LIST_MAX (0: 50) */
};

/*
 * yq_case_list: the cases who may see matching f, newest first, as a JSON
 * array of {"id","number","title","state","state_zh","resolution",
 * "departments":[…],"source":{"type","id"},"category","created",
 * "due_at","overdue","calendar_error"} (times ISO 8601 +08:00).
 * 0, YQ_EINVAL (a bad filter, message in err), YQ_EDB, YQ_ENOMEM.
 */
int yq_case_list(sqlite3 *db, const struct yq_principal *who, const struct yq_case_filter *f,
		 int64_t now, json_t **out, struct yq_buf *err);

/*
 * yq_case_get: one case as the list's object plus "why", "summary",
 * "instruction", "notes":[…], "responses":[…], "deadlines" (the configured
 * working days per state and the current due_at), "history" (its audit
 * entries, oldest first: seq, time, actor, action, before, after) and
 * "actions" (the action names who may do now).  0, YQ_ENOTFOUND (also: not
 * visible to who), YQ_EDB, YQ_ENOMEM.
 */
int yq_case_get(sqlite3 *db, const struct yq_case_config *cfg, const struct yq_principal *who,
		int64_t id, int64_t now, json_t **out, struct yq_buf *err);

/* ---- reminders ---- */

/*
 * yq_case_remind: for every open case with a due_at, queues (deliver.h
 * outbox, cfg->dcfg's roster level 0) the reminders due at now:
 *   "due-in-1-working-day" at remind_hour local time on the working day
 *   before the deadline's last working day, while now < due_at;
 *   "overdue" at due_at.
 * Each (case, type, due_at) is queued at most once ever (see the header
 * comment); the outbox alert id of a reminder is -(case_reminders.id), so
 * it never collides with a real alert, and it is marked acknowledged at
 * once (a reminder does not escalate up the roster).  The cases are first
 * scanned without a transaction; the write transaction is opened only when
 * a reminder is missing, so a periodic scan does not take the write lock
 * for nothing.  *queued (may be NULL) gets the number of new reminders.
 * 0, YQ_EDB, YQ_ENOMEM.
 */
int yq_case_remind(sqlite3 *db, const struct yq_case_config *cfg, int64_t now, int *queued);

#endif
