/*
 * settings.c — the `cases:` section of the daemon's YAML configuration
 * (case.h, docs/cases.md): holiday files, per-state deadlines in working
 * days, the reminder hour and the departments with their categories (the
 * routing table).  Read with libyaml in the style of deliver/config.c;
 * every list has a cap and unknown keys are errors, so a typo never drops a
 * setting silently.
 */
#include "cases/case.h"

#include <errno.h>
#include <libgen.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <yaml.h>

#include "base/error.h"
#include "base/utf8.h"

#define HOLIDAY_FILES_MAX 16
#define DEPTS_MAX 512
#define PATH_MAX_BYTES 4096

struct ps {
	yaml_document_t *doc;
	struct yq_buf *err;
	struct yq_case_settings *s;
	const char *dir;
};

__attribute__((format(printf, 3, 4)))
static int fail(struct ps *p, const yaml_node_t *n, const char *fmt, ...)
{
	va_list ap;
	yq_buf_reset(p->err);
	yq_buf_printf(p->err, "line %zu: cases: ", n ? (size_t)n->start_mark.line + 1 : (size_t)1);
	va_start(ap, fmt);
	yq_buf_vprintf(p->err, fmt, ap);
	va_end(ap);
	return YQ_EFORMAT;
}

static yaml_node_t *node(struct ps *p, int i)
{
	return yaml_document_get_node(p->doc, i);
}

static const char *scalar(const yaml_node_t *n)
{
	if (!n || n->type != YAML_SCALAR_NODE || strlen((const char *)n->data.scalar.value) !=
							 n->data.scalar.length)
		return NULL;
	return (const char *)n->data.scalar.value;
}

static int text(struct ps *p, const yaml_node_t *n, const char *what, size_t max, char **out)
{
	const char *v = scalar(n);
	if (!v || !*v || strlen(v) > max || !yq_utf8_valid(v, strlen(v)))
		return fail(p, n, "%s: text of 1..%zu bytes", what, max);
	free(*out);
	return (*out = strdup(v)) ? 0 : YQ_ENOMEM;
}

static int small_int(struct ps *p, const yaml_node_t *n, const char *what, int max, int *out)
{
	const char *v = scalar(n);
	char *end;
	errno = 0;
	long x = v ? strtol(v, &end, 10) : -1;
	if (!v || !*v || *end || errno || x < 0 || x > max)
		return fail(p, n, "%s: a whole number 0..%d", what, max);
	*out = (int)x;
	return 0;
}

static int load_holiday(struct ps *p, const yaml_node_t *n, struct yq_buf *names)
{
	char path[PATH_MAX_BYTES];
	const char *v = scalar(n);
	int rc;
	if (!v || !*v || strlen(v) + strlen(p->dir) + 2 > sizeof path)
		return fail(p, n, "holidays: a file name");
	snprintf(path, sizeof path, "%s%s%s", *v == '/' ? "" : p->dir, *v == '/' ? "" : "/", v);
	if (!p->s->cal && (rc = yq_calendar_new(&p->s->cal)))
		return rc;
	yq_buf_reset(p->err);
	if ((rc = yq_calendar_load(p->s->cal, path, p->err)))
		return rc;
	if ((names->len && yq_buf_adds(names, ", ")) || yq_buf_adds(names, path))
		return YQ_ENOMEM;
	return 0;
}

static int dept(struct ps *p, const yaml_node_t *n, struct yq_case_dept_conf *d)
{
	if (n->type != YAML_MAPPING_NODE)
		return fail(p, n, "a department is a mapping {name, categories, contact}");
	for (yaml_node_pair_t *pr = n->data.mapping.pairs.start; pr < n->data.mapping.pairs.top;
	     pr++) {
		const char *k = scalar(node(p, pr->key));
		yaml_node_t *v = node(p, pr->value);
		int rc = 0;
		if (k && !strcmp(k, "name"))
			rc = text(p, v, "name", YQ_AUTH_DEPT_MAX, &d->name);
		else if (k && !strcmp(k, "contact"))
			rc = text(p, v, "contact", YQ_CASE_FIELD_MAX, &d->contact);
		else if (k && !strcmp(k, "categories")) {
			if (v->type != YAML_SEQUENCE_NODE ||
			    v->data.sequence.items.top - v->data.sequence.items.start >
				    YQ_CASE_CATEGORIES_MAX)
				return fail(p, v, "categories: a list of at most %d names",
					    YQ_CASE_CATEGORIES_MAX);
			size_t m = (size_t)(v->data.sequence.items.top - v->data.sequence.items.start);
			if (!(d->categories = calloc(m ? m : 1, sizeof *d->categories)))
				return YQ_ENOMEM;
			for (size_t i = 0; !rc && i < m; i++, d->n++)
				rc = text(p, node(p, v->data.sequence.items.start[i]), "category",
					  YQ_CASE_FIELD_MAX, &d->categories[i]);
		} else
			rc = fail(p, node(p, pr->key), "unknown department key '%s'", k ? k : "?");
		if (rc)
			return rc;
	}
	if (!d->name)
		return fail(p, n, "a department needs a name");
	return 0;
}

static int section(struct ps *p, const yaml_node_t *n, int *holidays_given, struct yq_buf *names)
{
	if (n->type != YAML_MAPPING_NODE)
		return fail(p, n, "expected a mapping");
	for (yaml_node_pair_t *pr = n->data.mapping.pairs.start; pr < n->data.mapping.pairs.top;
	     pr++) {
		const char *k = scalar(node(p, pr->key));
		yaml_node_t *v = node(p, pr->value);
		int rc = 0;
		if (!k)
			return fail(p, node(p, pr->key), "a key must be text");
		if (!strcmp(k, "holidays")) {
			*holidays_given = 1;
			if (v->type == YAML_SCALAR_NODE)
				rc = load_holiday(p, v, names);
			else if (v->type != YAML_SEQUENCE_NODE ||
				 v->data.sequence.items.top - v->data.sequence.items.start >
					 HOLIDAY_FILES_MAX)
				rc = fail(p, v, "holidays: a file or a list of at most %d files",
					  HOLIDAY_FILES_MAX);
			for (yaml_node_item_t *it = v->type == YAML_SEQUENCE_NODE
							    ? v->data.sequence.items.start
							    : NULL;
			     !rc && it && it < v->data.sequence.items.top; it++)
				rc = load_holiday(p, node(p, *it), names);
		} else if (!strcmp(k, "deadlines")) {
			if (v->type != YAML_MAPPING_NODE)
				return fail(p, v, "deadlines: a mapping state: working days");
			for (yaml_node_pair_t *q = v->data.mapping.pairs.start;
			     !rc && q < v->data.mapping.pairs.top; q++) {
				enum yq_case_state st;
				const char *sk = scalar(node(p, q->key));
				if (!sk || yq_case_state_parse(sk, &st))
					rc = fail(p, node(p, q->key), "deadlines: unknown state '%s'",
						  sk ? sk : "?");
				else
					rc = small_int(p, node(p, q->value), sk, YQ_CALENDAR_ADD_MAX,
						       &p->s->cfg.deadline_days[st]);
			}
		} else if (!strcmp(k, "remind_hour")) {
			rc = small_int(p, v, "remind_hour", 23, &p->s->cfg.remind_hour);
		} else if (!strcmp(k, "departments")) {
			if (v->type != YAML_SEQUENCE_NODE ||
			    v->data.sequence.items.top - v->data.sequence.items.start > DEPTS_MAX)
				return fail(p, v, "departments: a list of at most %d", DEPTS_MAX);
			size_t m = (size_t)(v->data.sequence.items.top - v->data.sequence.items.start);
			if (!(p->s->depts = calloc(m ? m : 1, sizeof *p->s->depts)))
				return YQ_ENOMEM;
			for (size_t i = 0; !rc && i < m; i++, p->s->n_depts++)
				rc = dept(p, node(p, v->data.sequence.items.start[i]), &p->s->depts[i]);
		} else {
			rc = fail(p, node(p, pr->key), "unknown key '%s'", k);
		}
		if (rc)
			return rc;
	}
	return 0;
}

int yq_case_settings_load(const char *path, struct yq_case_settings **out, struct yq_buf *err)
{
	yaml_parser_t parser;
	yaml_document_t doc;
	struct yq_buf names = YQ_BUF_INIT;
	struct ps p = {.doc = &doc, .err = err};
	char dirbuf[PATH_MAX_BYTES], def[PATH_MAX_BYTES + 32];
	int rc = 0, given = 0, loaded = 0;
	struct stat sb;
	FILE *f;

	*out = NULL;
	if (strlen(path) >= sizeof dirbuf)
		return YQ_ETOOBIG;
	if (!(f = fopen(path, "rb"))) {
		yq_buf_reset(err);
		yq_buf_printf(err, "%s: %s", path, strerror(errno));
		return YQ_EIO;
	}
	if (!(p.s = calloc(1, sizeof *p.s)) || !yaml_parser_initialize(&parser)) {
		free(p.s);
		fclose(f);
		return YQ_ENOMEM;
	}
	yq_case_config_default(&p.s->cfg);
	snprintf(dirbuf, sizeof dirbuf, "%s", path);
	p.dir = dirname(dirbuf);
	yaml_parser_set_input_file(&parser, f);
	if (!yaml_parser_load(&parser, &doc)) {
		yq_buf_reset(err);
		yq_buf_printf(err, "line %zu: %s", parser.problem_mark.line + 1,
			      parser.problem ? parser.problem : "YAML error");
		rc = YQ_EFORMAT;
		goto out;
	}
	loaded = 1;
	yaml_node_t *root = yaml_document_get_root_node(&doc);
	for (yaml_node_pair_t *pr = root && root->type == YAML_MAPPING_NODE
					    ? root->data.mapping.pairs.start
					    : NULL;
	     !rc && pr && pr < root->data.mapping.pairs.top; pr++) {
		const char *k = scalar(node(&p, pr->key));
		if (k && !strcmp(k, "cases"))
			rc = section(&p, node(&p, pr->value), &given, &names);
	}
	snprintf(def, sizeof def, "%s/holidays-cn.tsv", p.dir);
	if (!rc && !given && stat(def, &sb) == 0) {
		if ((rc = yq_calendar_new(&p.s->cal)) == 0 &&
		    (rc = yq_calendar_load(p.s->cal, def, err)) == 0)
			rc = yq_buf_adds(&names, def);
	}
	if (!rc && names.len && !(p.s->holidays = strdup(names.s)))
		rc = YQ_ENOMEM;
	p.s->cfg.cal = p.s->cal;
out:
	if (loaded)
		yaml_document_delete(&doc);
	yaml_parser_delete(&parser);
	fclose(f);
	yq_buf_release(&names);
	if (rc)
		yq_case_settings_free(p.s);
	else
		*out = p.s;
	return rc;
}

void yq_case_settings_free(struct yq_case_settings *s)
{
	if (!s)
		return;
	yq_calendar_free(s->cal);
	free(s->holidays);
	/* the loops count an entry before they check it, so a partly parsed
	 * one is within n (its missing fields are NULL from calloc) */
	for (size_t i = 0; i < s->n_depts; i++) {
		struct yq_case_dept_conf *d = &s->depts[i];
		free(d->name);
		free(d->contact);
		for (size_t j = 0; j < d->n; j++)
			free(d->categories[j]);
		free(d->categories);
	}
	free(s->depts);
	free(s);
}

int yq_case_settings_apply(sqlite3 *db, const struct yq_case_settings *s, int64_t now,
			   struct yq_buf *err)
{
	int rc = 0;
	for (size_t i = 0; !rc && i < s->n_depts; i++)
		rc = yq_case_dept_set(db, NULL, NULL, s->depts[i].name,
				      (const char *const *)s->depts[i].categories, s->depts[i].n,
				      s->depts[i].contact, now, err);
	return rc;
}
