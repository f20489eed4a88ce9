/*
 * api_schemes.c — GET /api/schemes, GET /api/schemes/{id},
 * POST /api/schemes/test, GET /api/schemes/{id}/backtest.
 *
 * The schemes are the configuration's scheme file, loaded at start (the
 * pipeline matches every post against its enabled schemes).  test matches
 * a title and text sent in the body against every scheme (disabled ones
 * too, so a draft can be tried) and runs each scheme's must_match and
 * must_not_match examples; backtest matches the stored posts of a time
 * window against one scheme and counts them per day in the configured
 * zone, like `yuqing scheme backtest`.  Both use one normalizer and matcher
 * made on first use and shared under d->scheme_mu (a test is an analyst's
 * click, not a hot path).
 */
#include "base/error.h"
#include "match/matcher.h"
#include "pipeline/pipeline.h"
#include "serve/internal.h"
#include "text/normalize.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#define BACKTEST_MAX_POSTS 200000 /* posts scanned by one backtest */
#define BACKTEST_MAX_DAYS 3660

struct yq_scheme_env {
	struct yq_normalizer *nz;
	struct yq_matcher *m;
	struct yq_match_scratch *s;
	struct yq_norm_result title, text;
	struct yq_match_result res;
};

void yq_scheme_env_free(struct yq_scheme_env *e)
{
	if (!e)
		return;
	yq_match_scratch_free(e->s);
	yq_matcher_free(e->m);
	yq_normalizer_free(e->nz);
	yq_norm_result_release(&e->title);
	yq_norm_result_release(&e->text);
	yq_match_result_release(&e->res);
	free(e);
}

static const struct yq_scheme_set *schemes(struct yq_req *r)
{
	return r->d->pcfg->schemes;
}

/* env: the shared matcher, made on first use; NULL after answering.
 * Called with scheme_mu held. */
static struct yq_scheme_env *env(struct yq_req *r)
{
	struct yq_daemon *d = r->d;
	struct yq_buf err = YQ_BUF_INIT;
	if (d->scheme_env)
		return d->scheme_env;
	struct yq_scheme_env *e = calloc(1, sizeof(*e));
	if (!e || yq_normalizer_new(&e->nz, &err) ||
	    yq_matcher_new(schemes(r), e->nz, YQ_MATCHER_ALL, &e->m, &err) ||
	    yq_match_scratch_new(e->m, &e->s)) {
		yq_req_error(r, 500, "cannot build the matcher: %s", err.len ? err.s : "out of memory");
		yq_scheme_env_free(e);
		e = NULL;
	}
	yq_buf_release(&err);
	return d->scheme_env = e;
}

static int match_one(struct yq_scheme_env *e, const char *title, const char *text)
{
	int rc;
	if (title && (rc = yq_normalize(e->nz, title, strlen(title), &e->title)))
		return rc;
	if ((rc = yq_normalize(e->nz, text ? text : "", text ? strlen(text) : 0, &e->text)))
		return rc;
	return yq_matcher_match(e->m, e->s, title ? &e->title : NULL, &e->text, &e->res);
}

static const struct yq_scheme_match *matched(const struct yq_scheme_env *e, size_t si)
{
	for (size_t i = 0; i < e->res.n; i++)
		if (e->res.v[i].scheme == si)
			return &e->res.v[i];
	return NULL;
}

static json_t *words(const struct yq_word_group *g)
{
	json_t *a = json_array();
	for (size_t i = 0; a && i < g->n; i++)
		json_array_append_new(a, json_string(g->words[i]));
	return json_pack("{s:o,s:s,s:I}", "words", a ? a : json_array(), "scope",
			 yq_scope_name(g->scope), "within", (json_int_t)g->within);
}

static json_t *scheme_json(const struct yq_scheme *s)
{
	json_t *o = json_pack("{s:s,s:s,s:I,s:b}", "id", s->id, "name", s->name, "version",
			      (json_int_t)s->version, "enabled", s->enabled);
	for (int g = 0; o && g < YQ_NGROUPS; g++)
		json_object_set_new(o, yq_group_name((enum yq_group_kind)g), words(&s->g[g]));
	if (o)
		json_object_set_new(o, "examples",
				    json_pack("{s:I,s:I}", "must_match", (json_int_t)s->n_must_match,
					      "must_not_match", (json_int_t)s->n_must_not_match));
	return o;
}

void yq_api_schemes_list(struct yq_req *r)
{
	const struct yq_scheme_set *set = schemes(r);
	json_t *a = json_array();
	for (size_t i = 0; a && set && i < set->n; i++)
		json_array_append_new(a, scheme_json(&set->v[i]));
	yq_req_json(r, 200, json_pack("{s:o,s:s?}", "schemes", a ? a : json_array(), "file",
				      r->d->cfg->schemes));
}

static long find(struct yq_req *r)
{
	const struct yq_scheme_set *set = schemes(r);
	for (size_t i = 0; set && i < set->n; i++)
		if (!strcmp(set->v[i].id, r->param))
			return (long)i;
	yq_req_error(r, 404, "no scheme '%s'", r->param);
	return -1;
}

void yq_api_scheme_get(struct yq_req *r)
{
	long i = find(r);
	if (i >= 0)
		yq_req_json(r, 200, scheme_json(&schemes(r)->v[i]));
}

/* hits_json: the hits of one matched scheme. */
static json_t *hits_json(const struct yq_scheme_env *e, const struct yq_scheme_match *sm)
{
	json_t *a = json_array();
	for (size_t h = 0; a && h < sm->nhits; h++) {
		const struct yq_match_hit *x = &e->res.hits[sm->hit0 + h];
		json_array_append_new(a, json_pack("{s:s,s:s,s:s,s:I,s:I,s:I}", "word", x->word,
						   "group", yq_group_name(x->group), "field",
						   yq_field_name(x->field), "start",
						   (json_int_t)x->start, "end", (json_int_t)x->end,
						   "count", (json_int_t)x->count));
	}
	return a;
}

void yq_api_schemes_test(struct yq_req *r)
{
	struct yq_daemon *d = r->d;
	const struct yq_scheme_set *set = schemes(r);
	json_error_t je;
	json_t *body = NULL, *out = NULL;
	if (!set || !set->n) {
		yq_req_error(r, 409, "no schemes are configured");
		return;
	}
	if (r->body.len) {
		body = json_loadb(r->body.s, r->body.len, 0, &je);
		if (!body || !json_is_object(body)) {
			yq_req_error(r, 400, "body: expected {\"title\": …, \"text\": …}%s%s",
				     body ? "" : ": ", body ? "" : je.text);
			json_decref(body);
			return;
		}
	}
	json_t *jt = json_object_get(body, "title"), *jx = json_object_get(body, "text");
	if ((jt && !json_is_string(jt)) || (jx && !json_is_string(jx))) {
		yq_req_error(r, 400, "title and text must be strings");
		json_decref(body);
		return;
	}
	pthread_mutex_lock(&d->scheme_mu);
	struct yq_scheme_env *e = env(r);
	if (!e)
		goto out;
	out = json_object();
	if (jt || jx) {
		json_t *ms = json_array();
		if (match_one(e, json_string_value(jt), json_string_value(jx))) {
			yq_req_error(r, 500, "matching failed");
			goto out;
		}
		for (size_t i = 0; i < e->res.n; i++)
			json_array_append_new(ms, json_pack("{s:s,s:o}", "id", e->res.v[i].s->id,
							    "hits", hits_json(e, &e->res.v[i])));
		json_object_set_new(out, "matches", ms);
	}
	/* every scheme's examples */
	json_t *ex = json_array();
	size_t failed = 0;
	for (size_t si = 0; si < set->n; si++) {
		const struct yq_scheme *s = &set->v[si];
		for (int want = 1; want >= 0; want--) {
			const struct yq_scheme_example *x = want ? s->must_match : s->must_not_match;
			size_t n = want ? s->n_must_match : s->n_must_not_match;
			for (size_t k = 0; k < n; k++) {
				if (match_one(e, x[k].title, x[k].text)) {
					yq_req_error(r, 500, "matching failed");
					json_decref(ex);
					goto out;
				}
				int ok = (matched(e, si) != NULL) == want;
				failed += !ok;
				json_array_append_new(
					ex, json_pack("{s:s,s:s,s:I,s:b}", "scheme", s->id, "kind",
						      want ? "must_match" : "must_not_match", "line",
						      (json_int_t)x[k].line, "ok", ok));
			}
		}
	}
	json_object_set_new(out, "examples", ex);
	json_object_set_new(out, "examples_failed", json_integer((json_int_t)failed));
	yq_req_json(r, 200, out);
	out = NULL;
out:
	pthread_mutex_unlock(&d->scheme_mu);
	json_decref(out);
	json_decref(body);
}

void yq_api_scheme_backtest(struct yq_req *r)
{
	struct yq_daemon *d = r->d;
	int64_t since = 0, until = 0;
	int has_since = 0, has_until = 0;
	long si = find(r);
	sqlite3 *db;
	sqlite3_stmt *st = NULL;
	json_t *days = NULL;
	if (si < 0)
		return;
	if (yq_req_time(r, "since", &since, &has_since) ||
	    yq_req_time(r, "until", &until, &has_until) || !(db = yq_req_db(r)) || !yq_req_tz(r))
		return;
	if (sqlite3_prepare_v2(db,
			       "SELECT time, title, text FROM posts WHERE (?1 IS NULL OR time >= ?1)"
			       " AND (?2 IS NULL OR time < ?2) ORDER BY time LIMIT ?3",
			       -1, &st, NULL) != SQLITE_OK) {
		yq_req_error(r, 500, "%s", sqlite3_errmsg(db));
		return;
	}
	if (has_since)
		sqlite3_bind_int64(st, 1, since);
	if (has_until)
		sqlite3_bind_int64(st, 2, until);
	sqlite3_bind_int64(st, 3, BACKTEST_MAX_POSTS + 1);
	pthread_mutex_lock(&d->scheme_mu);
	struct yq_scheme_env *e = env(r);
	int64_t scanned = 0, hits = 0, none = 0;
	char day[16], prev[16] = "";
	int64_t count = 0;
	if (!e)
		goto out;
	days = json_array();
	int step;
	while ((step = sqlite3_step(st)) == SQLITE_ROW && scanned < BACKTEST_MAX_POSTS) {
		scanned++;
		if (match_one(e, (const char *)sqlite3_column_text(st, 1),
			      (const char *)sqlite3_column_text(st, 2))) {
			yq_req_error(r, 500, "matching failed");
			goto out;
		}
		if (!matched(e, (size_t)si))
			continue;
		hits++;
		if (sqlite3_column_type(st, 0) == SQLITE_NULL) {
			none++;
			continue;
		}
		struct yq_civil c;
		yq_tz_from_utc(r->tz, sqlite3_column_int64(st, 0), &c);
		snprintf(day, sizeof day, "%04d-%02d-%02d", c.year, c.month, c.day);
		if (strcmp(day, prev)) {
			if (*prev && json_array_size(days) < BACKTEST_MAX_DAYS)
				json_array_append_new(days, json_pack("{s:s,s:I}", "day", prev,
								      "posts", (json_int_t)count));
			memcpy(prev, day, sizeof day);
			count = 0;
		}
		count++;
	}
	if (step != SQLITE_ROW && step != SQLITE_DONE) {
		yq_req_error(r, 500, "%s", sqlite3_errmsg(db));
		goto out;
	}
	if (*prev && json_array_size(days) < BACKTEST_MAX_DAYS)
		json_array_append_new(days,
				      json_pack("{s:s,s:I}", "day", prev, "posts", (json_int_t)count));
	yq_req_json(r, 200,
		    json_pack("{s:s,s:I,s:I,s:I,s:b,s:o}", "scheme", r->param, "scanned",
			      (json_int_t)scanned, "matched", (json_int_t)hits, "no_time",
			      (json_int_t)none, "truncated", step == SQLITE_ROW, "days", days));
	days = NULL;
out:
	pthread_mutex_unlock(&d->scheme_mu);
	json_decref(days);
	sqlite3_finalize(st);
}
