/*
 * api_cases.c — the case (工单) endpoints of the daemon:
 *   GET  /api/cases                  list (state, department, overdue, source filters)
 *   POST /api/cases                  open a case from an event, alert or message
 *   GET  /api/cases/{id}             detail: history, deadlines, allowed actions
 *   POST /api/cases/{id}/transition  {"action": …} and the action's arguments
 *   POST /api/cases/{id}/notes       a 会商 consultation note
 *   POST /api/cases/{id}/respond     the public response (回应)
 *   GET  /api/departments, POST /api/departments   the routing table
 *
 * Every rule (roles, states, department scope, deadlines, audit) lives in
 * cases/case.c; this file only turns JSON into its arguments and its codes
 * into statuses: YQ_EINVAL 400, YQ_EFORBIDDEN 403, YQ_ENOTFOUND 404 (also a
 * case of another department: a handler cannot tell it exists), YQ_ESTATE
 * 409.  {id} is the numeric id or the case number ("2025-0001").  Writes
 * use the request's read-write connection (BEGIN IMMEDIATE inside case.c,
 * 5 s busy timeout: storage-01).
 */
#include "base/error.h"
#include "cases/case.h"
#include "serve/internal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define ARRAY_MAX 64 /* strings in a JSON list argument */

static void answer_error(struct yq_req *r, int rc, const struct yq_buf *err)
{
	const char *m = err->len ? err->s : yq_strerror(rc);
	if (rc == YQ_EFORBIDDEN)
		yq_req_error(r, 403, "%s", m);
	else if (rc == YQ_ESTATE)
		yq_req_error(r, 409, "%s", m);
	else
		yq_req_db_error(r, rc, err);
}

/* body_object: the request body as a JSON object, or NULL after 400. */
static json_t *body_object(struct yq_req *r)
{
	json_error_t je;
	json_t *b = json_loadb(r->body.s ? r->body.s : "", r->body.len, 0, &je);
	if (!json_is_object(b)) {
		yq_req_error(r, 400, "body: expected a JSON object%s%s", b ? "" : ": ",
			     b ? "" : je.text);
		json_decref(b);
		return NULL;
	}
	return b;
}

/* str: member k of o as a string (NULL when absent or null); -1 after 400. */
static int str(struct yq_req *r, json_t *o, const char *k, const char **out)
{
	json_t *v = json_object_get(o, k);
	*out = NULL;
	if (!v || json_is_null(v))
		return 0;
	if (!json_is_string(v)) {
		yq_req_error(r, 400, "%s must be a string", k);
		return -1;
	}
	*out = json_string_value(v);
	return 0;
}

/* strs: member k as a list of strings into out[0..*n); -1 after 400. */
static int strs(struct yq_req *r, json_t *o, const char *k, const char **out, size_t *n)
{
	json_t *v = json_object_get(o, k), *e;
	size_t i;
	*n = 0;
	if (!v || json_is_null(v))
		return 0;
	if (!json_is_array(v) || json_array_size(v) > ARRAY_MAX) {
		yq_req_error(r, 400, "%s must be a list of at most %d strings", k, ARRAY_MAX);
		return -1;
	}
	json_array_foreach(v, i, e) {
		if (!json_is_string(e)) {
			yq_req_error(r, 400, "%s must be a list of strings", k);
			return -1;
		}
		out[(*n)++] = json_string_value(e);
	}
	return 0;
}

/* case_id: the {id} segment (a number or a case number), -1 after 404. */
static int case_id(struct yq_req *r, sqlite3 *db, int64_t *id)
{
	int rc = yq_case_find(db, r->param, id);
	if (rc == YQ_ENOTFOUND)
		yq_req_error(r, 404, "no case '%s'", r->param);
	else if (rc)
		yq_req_error(r, 500, "database error: %s", sqlite3_errmsg(db));
	return rc ? -1 : 0;
}

static void detail(struct yq_req *r, sqlite3 *db, int64_t id, int status)
{
	struct yq_buf err = YQ_BUF_INIT;
	json_t *c = NULL;
	int rc = yq_case_get(db, &r->d->cases->cfg, &r->who, id, (int64_t)time(NULL), &c, &err);
	if (rc)
		answer_error(r, rc, &err);
	else
		yq_req_json(r, status, c);
	yq_buf_release(&err);
}

void yq_api_cases_list(struct yq_req *r)
{
	struct yq_case_filter f = {.overdue = -1};
	struct yq_buf err = YQ_BUF_INIT;
	json_t *res = NULL;
	int64_t limit = 50, offset = 0;
	const char *od = yq_req_arg(r, "overdue");
	sqlite3 *db;
	f.state = yq_req_arg(r, "state");
	f.department = yq_req_arg(r, "department");
	f.source_type = yq_req_arg(r, "source_type");
	f.source_id = yq_req_arg(r, "source_id");
	if (od && (!strcmp(od, "true") || !strcmp(od, "1")))
		f.overdue = 1;
	else if (od && (!strcmp(od, "false") || !strcmp(od, "0")))
		f.overdue = 0;
	else if (od) {
		yq_req_error(r, 400, "overdue is true or false");
		goto out;
	}
	if (yq_req_int(r, "limit", 1, YQ_CASE_LIST_MAX, &limit) ||
	    yq_req_int(r, "offset", 0, 1000000, &offset) || !(db = yq_req_db(r)))
		goto out;
	f.limit = (size_t)limit;
	f.offset = (size_t)offset;
	int rc = yq_case_list(db, &r->who, &f, (int64_t)time(NULL), &res, &err);
	if (rc)
		answer_error(r, rc, &err);
	else
		yq_req_json(r, 200, json_pack("{s:o}", "cases", res));
out:
	yq_buf_release(&err);
}

/* digits: 1 if s is a positive whole number that fits in int64 (an event
 * or alert id given as a string). */
static int digits(const char *s)
{
	char *end;
	errno = 0;
	long long v = strtoll(s, &end, 10);
	return end != s && !*end && v > 0 && errno != ERANGE && s[0] >= '0' && s[0] <= '9';
}

void yq_api_case_create(struct yq_req *r)
{
	static const char *const kinds[] = {"event", "alert", "message"};
	struct yq_buf err = YQ_BUF_INIT;
	struct yq_case_new in = {.source_type = "manual"};
	const char *depts[ARRAY_MAX];
	char idbuf[32], addr[64], *why = NULL;
	json_t *b = NULL;
	sqlite3 *db;
	int64_t id;
	if (!(b = body_object(r)))
		goto out;
	for (size_t i = 0; i < 3; i++) {
		json_t *v = json_object_get(b, kinds[i]);
		if (!v || json_is_null(v))
			continue;
		if (in.source_id) {
			yq_req_error(r, 400, "a case comes from one event, alert or message");
			goto out;
		}
		in.source_type = kinds[i];
		if (json_is_integer(v)) {
			snprintf(idbuf, sizeof idbuf, "%lld", (long long)json_integer_value(v));
			in.source_id = idbuf;
		} else if (json_is_string(v) && (i == 2 || digits(json_string_value(v)))) {
			in.source_id = json_string_value(v);
		} else {
			yq_req_error(r, 400, "%s must be an id", kinds[i]);
			goto out;
		}
	}
	json_t *w = json_object_get(b, "why");
	if (w && !json_is_null(w)) {
		if (!json_is_object(w)) {
			yq_req_error(r, 400, "why must be a JSON object");
			goto out;
		}
		if (!(why = json_dumps(w, JSON_COMPACT | JSON_SORT_KEYS | JSON_REAL_PRECISION(10)))) {
			yq_req_error(r, 500, "out of memory");
			goto out;
		}
		in.why = why;
	}
	if (str(r, b, "title", &in.title) || str(r, b, "category", &in.category) ||
	    str(r, b, "summary", &in.summary) || strs(r, b, "departments", depts, &in.n_departments))
		goto out;
	in.departments = depts;
	if (!(db = yq_req_wdb(r)))
		goto out;
	int rc = yq_case_create(db, &r->d->cases->cfg, &r->who, yq_req_addr(r, addr, sizeof addr),
				&in, (int64_t)time(NULL), &id, NULL, &err);
	if (rc)
		answer_error(r, rc, &err);
	else
		detail(r, db, id, 201);
out:
	free(why);
	json_decref(b);
	yq_buf_release(&err);
}

void yq_api_case_get(struct yq_req *r)
{
	sqlite3 *db;
	int64_t id;
	if ((db = yq_req_db(r)) && case_id(r, db, &id) == 0)
		detail(r, db, id, 200);
}

/* act: runs action on {id} with the arguments of body b. */
static void act(struct yq_req *r, enum yq_case_action action, json_t *b)
{
	struct yq_buf err = YQ_BUF_INIT;
	struct yq_case_args a = {0};
	const char *depts[ARRAY_MAX], *res = NULL, *pub = NULL;
	char addr[64];
	sqlite3 *db;
	int64_t id;
	if (str(r, b, "note", &a.note) || strs(r, b, "departments", depts, &a.n_departments) ||
	    str(r, b, "resolution", &res) || str(r, b, "text", &a.text) ||
	    str(r, b, "channel", &a.channel) || str(r, b, "link", &a.link) ||
	    str(r, b, "published", &pub))
		goto out;
	a.departments = depts;
	if (res && yq_case_resolution_parse(res, &a.resolution)) {
		yq_req_error(r, 400, "resolution: fixed, not_fixed, not_our_responsibility,"
				     " false_info_clarified or duplicate");
		goto out;
	}
	if (pub) {
		if (!yq_req_tz(r))
			goto out;
		if (yq_time_parse(pub, strlen(pub), (int64_t)time(NULL), r->tz, &a.published) ||
		    a.published <= 0) {
			yq_req_error(r, 400, "published: '%s' is not a time", pub);
			goto out;
		}
	}
	if (!(db = yq_req_wdb(r)) || case_id(r, db, &id))
		goto out;
	int rc = yq_case_act(db, &r->d->cases->cfg, &r->who, yq_req_addr(r, addr, sizeof addr), id,
			     action, &a, (int64_t)time(NULL), NULL, &err);
	if (rc)
		answer_error(r, rc, &err);
	else
		detail(r, db, id, 200);
out:
	yq_buf_release(&err);
}

void yq_api_case_transition(struct yq_req *r)
{
	enum yq_case_action action;
	const char *name = NULL;
	json_t *b = body_object(r);
	if (!b)
		return;
	if (str(r, b, "action", &name) == 0) {
		if (!name || yq_case_action_parse(name, &action))
			yq_req_error(r, 400, "action: submit, instruct, handled, respond, return,"
					     " close, archive, reopen or note");
		else
			act(r, action, b);
	}
	json_decref(b);
}

void yq_api_case_note(struct yq_req *r)
{
	json_t *b = body_object(r);
	if (!b)
		return;
	json_t *t = json_object_get(b, "text");
	if (t && !json_object_get(b, "note")) /* {"text": …} is accepted for a note */
		json_object_set(b, "note", t);
	json_object_del(b, "text");
	act(r, YQ_CASE_NOTE, b);
	json_decref(b);
}

void yq_api_case_respond(struct yq_req *r)
{
	json_t *b = body_object(r);
	if (!b)
		return;
	act(r, YQ_CASE_RESPOND_ACT, b);
	json_decref(b);
}

void yq_api_departments_list(struct yq_req *r)
{
	json_t *res = NULL;
	sqlite3 *db = yq_req_db(r);
	if (!db)
		return;
	if (yq_case_dept_list(db, &res))
		yq_req_error(r, 500, "database error: %s", sqlite3_errmsg(db));
	else
		yq_req_json(r, 200, json_pack("{s:o}", "departments", res));
}

void yq_api_department_set(struct yq_req *r)
{
	struct yq_buf err = YQ_BUF_INIT;
	const char *name = NULL, *contact = NULL, *cats[ARRAY_MAX];
	size_t n = 0;
	char addr[64];
	sqlite3 *db;
	json_t *b = body_object(r);
	if (!b)
		goto out;
	if (str(r, b, "name", &name) || str(r, b, "contact", &contact) ||
	    strs(r, b, "categories", cats, &n) || !(db = yq_req_wdb(r)))
		goto out;
	int rc = yq_case_dept_set(db, &r->who, yq_req_addr(r, addr, sizeof addr), name, cats, n,
				  contact, (int64_t)time(NULL), &err);
	if (rc) {
		answer_error(r, rc, &err);
	} else {
		json_t *res = NULL;
		if (yq_case_dept_list(db, &res))
			yq_req_error(r, 500, "database error: %s", sqlite3_errmsg(db));
		else
			yq_req_json(r, 200, json_pack("{s:o}", "departments", res));
	}
out:
	json_decref(b);
	yq_buf_release(&err);
}
