/*
 * cmd_cases.c — `yuqing cases list|show|create|transition|departments
 * --db DB --as USER …`: the case workflow (cases/case.h) without the daemon.
 *
 * The caller names the acting user with --as; the user's role and
 * department from the auth tables decide, exactly as through the API, what
 * is visible and allowed (the rules are case.c's, not this file's).  Every
 * change is audited with the user as actor and "cli" as the address.
 * Deadlines use the holiday files of --config (its cases: section) or
 * --holidays F (repeatable; later files override); with neither, cases get
 * no due date.  --now ISO fixes the clock (tests, replays).
 *
 * Output: one JSON document on stdout (the list, or the case's detail after
 * show, create and transition).  Errors: "yuqing: cases: …"; exit 1 for a
 * refused or failed action, 2 for bad usage.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>
#include <sqlite3.h>

#include "auth/auth.h"
#include "base/buf.h"
#include "base/error.h"
#include "cases/case.h"
#include "cli/cli.h"
#include "collect/ptime.h"

#define CMD "cases"
#define USAGE                                                                                  \
	"list|show REF|create|transition REF ACTION|departments --db DB --as USER [options]"
#define MULTI_MAX 64

struct opts {
	const char *db, *as, *config, *now;
	const char *holidays[16];
	size_t n_holidays;
	const char *state, *department, *overdue;
	const char *title, *event, *alert, *message, *why, *category, *summary;
	const char *depts[MULTI_MAX];
	size_t n_depts;
	const char *note, *resolution, *text, *channel, *link, *published;
	const char *set_name, *categories, *contact;
};

static void print_json(json_t *v)
{
	char *s = json_dumps(v, JSON_COMPACT);
	if (s)
		printf("%s\n", s);
	free(s);
}

static int report(int rc, const struct yq_buf *err, const char *what)
{
	yq_cli_err(CMD, "%s: %s", what, err->len ? err->s : yq_calendar_strerror(rc));
	return YQ_EXIT_RUNTIME;
}

static int parse_time(const char *s, int64_t *out)
{
	struct yq_tz *tz = NULL;
	int rc = yq_tz_open("Asia/Shanghai", &tz);
	if (!rc)
		rc = yq_time_parse(s, strlen(s), (int64_t)time(NULL), tz, out);
	yq_tz_free(tz);
	return rc;
}

static int show(sqlite3 *db, const struct yq_case_config *cfg, const struct yq_principal *who,
		int64_t id, int64_t now)
{
	struct yq_buf err = YQ_BUF_INIT;
	json_t *c = NULL;
	int rc = yq_case_get(db, cfg, who, id, now, &c, &err), ret = YQ_EXIT_OK;
	if (rc)
		ret = report(rc, &err, "show");
	else
		print_json(c);
	json_decref(c);
	yq_buf_release(&err);
	return ret;
}

/* split: a,b,c into up to MULTI_MAX pieces of buf (modified in place). */
static size_t split(char *buf, const char **out)
{
	size_t n = 0;
	for (char *save = NULL, *t = strtok_r(buf, ",", &save); t && n < MULTI_MAX;
	     t = strtok_r(NULL, ",", &save))
		out[n++] = t;
	return n;
}

static int run(const char *sub, int argc, char **argv, const struct opts *o)
{
	struct yq_buf err = YQ_BUF_INIT;
	struct yq_case_settings *set = NULL;
	struct yq_calendar *cal = NULL;
	struct yq_case_config cfg;
	struct yq_user u;
	struct yq_principal who = {.kind = YQ_PRINCIPAL_USER, .via_token = 0};
	sqlite3 *db = NULL;
	json_t *res = NULL;
	int64_t now = (int64_t)time(NULL), id = 0;
	int ret = YQ_EXIT_RUNTIME, rc;

	yq_case_config_default(&cfg);
	if (o->now && parse_time(o->now, &now)) {
		yq_cli_err(CMD, "--now: '%s' is not a time", o->now);
		return YQ_EXIT_USAGE;
	}
	if (o->config) {
		if ((rc = yq_case_settings_load(o->config, &set, &err))) {
			yq_cli_err(CMD, "%s (%s)", err.s, o->config);
			ret = rc == YQ_EIO ? YQ_EXIT_RUNTIME : YQ_EXIT_USAGE;
			goto out;
		}
		cfg = set->cfg;
	}
	for (size_t i = 0; i < o->n_holidays; i++) {
		if ((!cal && yq_calendar_new(&cal)) || yq_calendar_load(cal, o->holidays[i], &err)) {
			yq_cli_err(CMD, "%s", err.len ? err.s : "out of memory");
			goto out;
		}
		cfg.cal = cal;
	}
	if (yq_cli_auth_db(CMD, o->db, 0, &db))
		goto out;
	if (yq_case_init(db) || (set && yq_case_settings_apply(db, set, now, &err))) {
		yq_cli_err(CMD, "cannot set up the case tables: %s (%s)",
			   err.len ? err.s : sqlite3_errmsg(db), o->db);
		goto out;
	}
	if ((rc = yq_auth_user_get(db, o->as, &u))) {
		yq_cli_err(CMD, "--as: %s (%s)", rc == YQ_ENOTFOUND ? "no such user" : "database error",
			   o->as);
		goto out;
	}
	if (u.disabled) {
		yq_cli_err(CMD, "--as: user %s is disabled", o->as);
		goto out;
	}
	who.user_id = u.id;
	who.role = u.role;
	memcpy(who.name, u.name, sizeof who.name);
	memcpy(who.department, u.department, sizeof who.department);

	if (!strcmp(sub, "list")) {
		struct yq_case_filter f = {.state = o->state, .department = o->department,
					   .overdue = -1, .limit = YQ_CASE_LIST_MAX};
		if (o->overdue)
			f.overdue = !strcmp(o->overdue, "true") || !strcmp(o->overdue, "1");
		if ((rc = yq_case_list(db, &who, &f, now, &res, &err)))
			ret = report(rc, &err, "list");
		else {
			print_json(res);
			ret = YQ_EXIT_OK;
		}
	} else if (!strcmp(sub, "show") || !strcmp(sub, "transition")) {
		int is_tr = !strcmp(sub, "transition");
		enum yq_case_action action = YQ_CASE_NOTE;
		if (optind + (is_tr ? 2 : 1) != argc) {
			ret = yq_cli_usage(CMD, is_tr ? "transition REF ACTION --db DB --as USER"
						      : "show REF --db DB --as USER");
			goto out;
		}
		if (is_tr && yq_case_action_parse(argv[optind + 1], &action)) {
			yq_cli_err(CMD, "unknown action '%s': submit, instruct, handled, respond,"
				   " return, close, archive, reopen or note", argv[optind + 1]);
			ret = YQ_EXIT_USAGE;
			goto out;
		}
		if ((rc = yq_case_find(db, argv[optind], &id))) {
			yq_cli_err(CMD, "no case '%s' (%s)", argv[optind], o->db);
			goto out;
		}
		if (is_tr) {
			struct yq_case_args a = {.note = o->note, .departments = o->depts,
						 .n_departments = o->n_depts, .text = o->text,
						 .channel = o->channel, .link = o->link};
			if (o->resolution && yq_case_resolution_parse(o->resolution, &a.resolution)) {
				yq_cli_err(CMD, "--resolution: fixed, not_fixed, not_our_responsibility,"
					   " false_info_clarified or duplicate");
				ret = YQ_EXIT_USAGE;
				goto out;
			}
			if (o->published && parse_time(o->published, &a.published)) {
				yq_cli_err(CMD, "--published: '%s' is not a time", o->published);
				ret = YQ_EXIT_USAGE;
				goto out;
			}
			if ((rc = yq_case_act(db, &cfg, &who, "cli", id, action, &a, now, NULL, &err))) {
				ret = report(rc, &err, argv[optind + 1]);
				goto out;
			}
		}
		ret = show(db, &cfg, &who, id, now);
	} else if (!strcmp(sub, "create")) {
		struct yq_case_new in = {.title = o->title, .source_type = "manual", .why = o->why,
					 .category = o->category, .summary = o->summary,
					 .departments = o->depts, .n_departments = o->n_depts};
		if (!!o->event + !!o->alert + !!o->message > 1) {
			yq_cli_err(CMD, "a case comes from one --event, --alert or --message");
			ret = YQ_EXIT_USAGE;
			goto out;
		}
		if (o->event)
			in.source_type = "event", in.source_id = o->event;
		if (o->alert)
			in.source_type = "alert", in.source_id = o->alert;
		if (o->message)
			in.source_type = "message", in.source_id = o->message;
		if ((rc = yq_case_create(db, &cfg, &who, "cli", &in, now, &id, NULL, &err)))
			ret = report(rc, &err, "create");
		else
			ret = show(db, &cfg, &who, id, now);
	} else if (!strcmp(sub, "departments")) {
		if (o->set_name) {
			char buf[4096];
			const char *cats[MULTI_MAX];
			size_t n = 0;
			snprintf(buf, sizeof buf, "%s", o->categories ? o->categories : "");
			n = split(buf, cats);
			if ((rc = yq_case_dept_set(db, &who, "cli", o->set_name, cats, n, o->contact, now,
						   &err))) {
				ret = report(rc, &err, "departments");
				goto out;
			}
		}
		if (yq_case_dept_list(db, &res)) {
			yq_cli_err(CMD, "cannot list departments: %s (%s)", sqlite3_errmsg(db), o->db);
			goto out;
		}
		print_json(res);
		ret = YQ_EXIT_OK;
	} else {
		ret = yq_cli_usage(CMD, USAGE);
	}
out:
	json_decref(res);
	sqlite3_close(db);
	yq_case_settings_free(set);
	yq_calendar_free(cal);
	yq_buf_release(&err);
	return ret;
}

int yq_cmd_cases(int argc, char **argv)
{
	static const struct option opts[] = {
		{"db", required_argument, NULL, 'd'},       {"as", required_argument, NULL, 'u'},
		{"config", required_argument, NULL, 'c'},   {"holidays", required_argument, NULL, 'H'},
		{"now", required_argument, NULL, 'n'},      {"state", required_argument, NULL, 's'},
		{"department", required_argument, NULL, 'D'},
		{"overdue", required_argument, NULL, 'o'},  {"title", required_argument, NULL, 't'},
		{"event", required_argument, NULL, 'e'},    {"alert", required_argument, NULL, 'a'},
		{"message", required_argument, NULL, 'm'},  {"why", required_argument, NULL, 'w'},
		{"category", required_argument, NULL, 'C'}, {"summary", required_argument, NULL, 'S'},
		{"note", required_argument, NULL, 'N'},     {"resolution", required_argument, NULL, 'r'},
		{"text", required_argument, NULL, 'x'},     {"channel", required_argument, NULL, 'h'},
		{"link", required_argument, NULL, 'l'},     {"published", required_argument, NULL, 'p'},
		{"set", required_argument, NULL, 'E'},      {"categories", required_argument, NULL, 'K'},
		{"contact", required_argument, NULL, 'T'},  {NULL, 0, NULL, 0},
	};
	struct opts o = {0};
	int c;

	if (argc < 2 || argv[1][0] == '-')
		return yq_cli_usage(CMD, USAGE);
	optind = 2;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'd': o.db = optarg; break;
		case 'u': o.as = optarg; break;
		case 'c': o.config = optarg; break;
		case 'H':
			if (o.n_holidays >= sizeof o.holidays / sizeof o.holidays[0])
				return yq_cli_usage(CMD, "at most 16 --holidays files");
			o.holidays[o.n_holidays++] = optarg;
			break;
		case 'n': o.now = optarg; break;
		case 's': o.state = optarg; break;
		case 'D':
			if (o.n_depts >= MULTI_MAX)
				return yq_cli_usage(CMD, "at most 64 --department options");
			o.depts[o.n_depts++] = optarg;
			o.department = optarg;
			break;
		case 'o': o.overdue = optarg; break;
		case 't': o.title = optarg; break;
		case 'e': o.event = optarg; break;
		case 'a': o.alert = optarg; break;
		case 'm': o.message = optarg; break;
		case 'w': o.why = optarg; break;
		case 'C': o.category = optarg; break;
		case 'S': o.summary = optarg; break;
		case 'N': o.note = optarg; break;
		case 'r': o.resolution = optarg; break;
		case 'x': o.text = optarg; break;
		case 'h': o.channel = optarg; break;
		case 'l': o.link = optarg; break;
		case 'p': o.published = optarg; break;
		case 'E': o.set_name = optarg; break;
		case 'K': o.categories = optarg; break;
		case 'T': o.contact = optarg; break;
		default: return yq_cli_usage(CMD, USAGE);
		}
	}
	if (!o.db || !o.as)
		return yq_cli_usage(CMD, USAGE);
	if (o.overdue && strcmp(o.overdue, "true") && strcmp(o.overdue, "false") &&
	    strcmp(o.overdue, "1") && strcmp(o.overdue, "0"))
		return yq_cli_usage(CMD, "--overdue true|false");
	if (strcmp(argv[1], "show") && strcmp(argv[1], "transition") && optind != argc)
		return yq_cli_usage(CMD, USAGE);
	return run(argv[1], argc, argv, &o);
}
