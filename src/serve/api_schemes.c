/*
 * api_schemes.c — GET /api/schemes, GET /api/schemes/{id},
 * POST /api/schemes, PUT /api/schemes/{id}, DELETE /api/schemes/{id},
 * POST /api/schemes/test, GET /api/schemes/{id}/backtest.
 *
 * The schemes are the configuration's scheme file.  The pipeline matches
 * every post against the enabled schemes of that file; create, update and
 * delete rewrite the file (a new version of the scheme, the whole file
 * validated by the scheme parser and the matcher before it replaces the
 * old one by rename, and an audit entry) and count the rewrite in
 * d->scheme_gen: the writer reloads the file before its next batch (within
 * commit_ms) and the live matching uses it from the next post on.  The
 * answers' "live" says whether the writer has applied the file as it is
 * now.  A file edited by hand is read again by both (the writer before its
 * next batch, the API at its next call), so an API change never writes
 * over an edit it has not seen; a hand edit that does not parse leaves the
 * previous schemes live and makes the API answer 500 with the parser's
 * message until it is mended.  The file is written as YAML flow style (JSON), which
 * the scheme parser reads like any other YAML.  List, get, test and
 * backtest use the file as it is now, so an edit can be tried at once.
 * test matches
 * a title and text sent in the body against every scheme (disabled ones
 * too, so a draft can be tried) and runs each scheme's must_match and
 * must_not_match examples; backtest matches the stored posts of a time
 * window against one scheme and counts them per day in the configured
 * zone, like `yuqing scheme backtest`.  Both use one normalizer and matcher
 * made on first use and shared under d->scheme_mu (a test is an analyst's
 * click, not a hot path).
 */
#include "auth/audit.h"
#include "base/error.h"
#include "match/matcher.h"
#include "pipeline/pipeline.h"
#include "serve/internal.h"
#include "text/normalize.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define BACKTEST_MAX_POSTS 200000 /* posts scanned by one backtest */
#define BACKTEST_MAX_DAYS 3660

struct yq_scheme_env {
	struct yq_scheme_set *set;     /* the file as it is now (owned) */
	struct yq_file_id file;        /* the file set was read from */
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
	yq_scheme_set_free(e->set);
	free(e);
}

/* compile: a matcher (all schemes) and scratch for set into e. */
static int compile(struct yq_scheme_env *e, const struct yq_scheme_set *set, struct yq_buf *err)
{
	struct yq_matcher *m = NULL;
	struct yq_match_scratch *sc = NULL;
	int rc = yq_matcher_new(set, e->nz, YQ_MATCHER_ALL, &m, err);
	if (!rc && (rc = yq_match_scratch_new(m, &sc)))
		yq_buf_adds(err, "out of memory");
	if (rc) {
		yq_matcher_free(m);
		return rc;
	}
	yq_match_scratch_free(e->s);
	yq_matcher_free(e->m);
	e->m = m;
	e->s = sc;
	return YQ_OK;
}

/* env: the scheme file and its matcher, made on first use and again when
 * the file changed on disk (edited by hand: an API change must not write
 * over it unseen); NULL after answering (a file that does not load: 500
 * with the parser's message, nothing is written).  Called with scheme_mu
 * held. */
static struct yq_scheme_env *env(struct yq_req *r)
{
	struct yq_daemon *d = r->d;
	struct yq_buf err = YQ_BUF_INIT;
	struct yq_file_id now = {0};
	if (d->cfg->schemes)
		yq_file_id_get(d->cfg->schemes, &now);
	if (d->scheme_env && yq_file_id_same(&now, &d->scheme_env->file))
		return d->scheme_env;
	yq_scheme_env_free(d->scheme_env);
	d->scheme_env = NULL;
	struct yq_scheme_env *e = calloc(1, sizeof(*e));
	int rc = e ? YQ_OK : YQ_ENOMEM;
	if (e)
		e->file = now;
	if (!rc && d->cfg->schemes)
		rc = yq_scheme_load(d->cfg->schemes, &e->set, &err);
	else if (!rc && !(e->set = calloc(1, sizeof(*e->set))))
		rc = YQ_ENOMEM;
	if (!rc)
		rc = yq_normalizer_new(&e->nz, &err);
	if (!rc && e->set->n)
		rc = compile(e, e->set, &err);
	if (rc) {
		yq_req_error(r, 500, "cannot load the schemes: %s", err.len ? err.s : "out of memory");
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
	json_t *o = json_pack("{s:o,s:s}", "words", a ? a : json_array(), "scope",
			      yq_scope_name(g->scope));
	if (o && g->within)
		json_object_set_new(o, "within", json_integer((json_int_t)g->within));
	return o;
}

static json_t *examples(const struct yq_scheme_example *x, size_t n)
{
	json_t *a = json_array();
	for (size_t i = 0; a && i < n; i++) {
		json_t *o = json_object();
		if (o && x[i].title)
			json_object_set_new(o, "title", json_string(x[i].title));
		if (o && x[i].text)
			json_object_set_new(o, "text", json_string(x[i].text));
		json_array_append_new(a, o);
	}
	return a;
}

/* scheme_json: a scheme in the form the scheme file takes (docs/schemes.md). */
static json_t *scheme_json(const struct yq_scheme *s)
{
	json_t *o = json_pack("{s:s,s:s,s:I,s:b}", "id", s->id, "name", s->name, "version",
			      (json_int_t)s->version, "enabled", s->enabled);
	for (int g = 0; o && g < YQ_NGROUPS; g++)
		if (s->g[g].n)
			json_object_set_new(o, yq_group_name((enum yq_group_kind)g), words(&s->g[g]));
	if (o && s->n_must_match)
		json_object_set_new(o, "must_match", examples(s->must_match, s->n_must_match));
	if (o && s->n_must_not_match)
		json_object_set_new(o, "must_not_match",
				    examples(s->must_not_match, s->n_must_not_match));
	return o;
}

/* live: 1 when the writer's matching uses the scheme file as it is now. */
static int live(struct yq_daemon *d)
{
	return atomic_load(&d->scheme_live) == atomic_load(&d->scheme_gen) &&
	       !atomic_load(&d->scheme_broken);
}

void yq_api_schemes_list(struct yq_req *r)
{
	pthread_mutex_lock(&r->d->scheme_mu);
	struct yq_scheme_env *e = env(r);
	if (e) {
		json_t *a = json_array();
		for (size_t i = 0; a && i < e->set->n; i++)
			json_array_append_new(a, scheme_json(&e->set->v[i]));
		yq_req_json(r, 200,
			    json_pack("{s:o,s:s?,s:b}", "schemes", a ? a : json_array(), "file",
				      r->d->cfg->schemes, "live", live(r->d)));
	}
	pthread_mutex_unlock(&r->d->scheme_mu);
}

/* find: index of scheme id in set, or -1. */
static long find_id(const struct yq_scheme_set *set, const char *id)
{
	for (size_t i = 0; set && i < set->n; i++)
		if (!strcmp(set->v[i].id, id))
			return (long)i;
	return -1;
}

/* find: the {id} scheme of the request, or -1 after 404.  scheme_mu held. */
static long find(struct yq_req *r, struct yq_scheme_env *e)
{
	long i = find_id(e->set, r->param);
	if (i < 0)
		yq_req_error(r, 404, "no scheme '%s'", r->param);
	return i;
}

void yq_api_scheme_get(struct yq_req *r)
{
	pthread_mutex_lock(&r->d->scheme_mu);
	struct yq_scheme_env *e = env(r);
	long i = e ? find(r, e) : -1;
	if (i >= 0)
		yq_req_json(r, 200, scheme_json(&e->set->v[i]));
	pthread_mutex_unlock(&r->d->scheme_mu);
}

/*
 * write_set: validates the schemes of arr (JSON, the file's form) by
 * parsing them as the scheme file and compiling them, writes the file
 * (temporary file, fsync, rename) and makes it e's set.  On failure
 * answers 400 (invalid) or 500 and returns -1; the file is unchanged.
 */
static int write_set(struct yq_req *r, struct yq_scheme_env *e, json_t *arr)
{
	const char *path = r->d->cfg->schemes;
	struct yq_buf err = YQ_BUF_INIT, tmp = YQ_BUF_INIT;
	struct yq_scheme_set *set = NULL;
	json_t *doc = json_pack("{s:O}", "schemes", arr);
	char *text = doc ? json_dumps(doc, JSON_INDENT(2) | JSON_PRESERVE_ORDER) : NULL;
	int ok = -1;
	FILE *f = NULL;
	json_decref(doc);
	if (!text) {
		yq_req_error(r, 500, "out of memory");
		goto out;
	}
	if (yq_scheme_parse(text, strlen(text), "schemes", &set, &err)) {
		yq_req_error(r, 400, "invalid scheme: %s", err.s);
		goto out;
	}
	if (set->n && compile(e, set, &err)) {
		yq_req_error(r, 400, "invalid scheme: %s", err.s);
		goto out;
	}
	yq_buf_printf(&tmp, "%s.tmp", path);
	if (!(f = fopen(tmp.s, "w")) ||
	    fputs("# Monitoring schemes (docs/schemes.md), written by yuqing serve's API.\n", f) <
		    0 ||
	    fputs(text, f) < 0 || fputc('\n', f) < 0 || fflush(f) || fsync(fileno(f))) {
		yq_req_error(r, 500, "cannot write %s", tmp.s);
		goto out;
	}
	fclose(f);
	f = NULL;
	if (rename(tmp.s, path)) {
		yq_req_error(r, 500, "cannot replace %s", path);
		goto out;
	}
	yq_scheme_set_free(e->set);
	e->set = set;
	set = NULL;
	yq_file_id_get(path, &e->file);
	atomic_fetch_add(&r->d->scheme_gen, 1); /* the writer reloads the file */
	ok = 0;
out:
	if (f) {
		fclose(f);
		unlink(tmp.s);
	}
	if (ok && e->set->n) /* the matcher follows the set that stays */
		compile(e, e->set, &err);
	yq_scheme_set_free(set);
	free(text);
	yq_buf_release(&err);
	yq_buf_release(&tmp);
	return ok;
}

static void audit_scheme(struct yq_req *r, const char *action, const char *id, json_t *before,
			 json_t *after)
{
	char addr[64];
	char *b = before ? json_dumps(before, JSON_COMPACT | JSON_REAL_PRECISION(10)) : NULL;
	char *a = after ? json_dumps(after, JSON_COMPACT | JSON_REAL_PRECISION(10)) : NULL;
	struct yq_audit_entry ae = {
		.time = (int64_t)time(NULL), .actor = yq_req_actor(r), .action = action,
		.object_type = "scheme", .object_id = id, .before = b, .after = a,
		.addr = yq_req_addr(r, addr, sizeof addr),
	};
	sqlite3 *db = yq_req_wdb(r);
	if (db && yq_audit_append(db, &ae, NULL))
		yq_serve_log("audit %s %s: %s", action, id, sqlite3_errmsg(db));
	free(b);
	free(a);
}

/* change: create (r->param "" and POST), update (PUT) or delete (DELETE). */
static void change(struct yq_req *r, int create, int del)
{
	struct yq_daemon *d = r->d;
	json_error_t je;
	json_t *body = NULL, *arr = NULL, *before = NULL;
	if (!d->cfg->schemes) {
		yq_req_error(r, 409, "no scheme file is configured (key 'schemes')");
		return;
	}
	if (!del) {
		body = r->body.len ? json_loadb(r->body.s, r->body.len, 0, &je) : NULL;
		if (!json_is_object(body)) {
			yq_req_error(r, 400, "body: expected a scheme as a JSON object (docs/schemes.md)%s%s",
				     body || !r->body.len ? "" : ": ", body || !r->body.len ? "" : je.text);
			json_decref(body);
			return;
		}
	}
	pthread_mutex_lock(&d->scheme_mu);
	struct yq_scheme_env *e = env(r);
	if (!e)
		goto out;
	const char *id = create ? json_string_value(json_object_get(body, "id")) : r->param;
	if (!id || !*id) {
		yq_req_error(r, 400, "a scheme needs an \"id\"");
		goto out;
	}
	long at = find_id(e->set, id);
	if (create && at >= 0) {
		yq_req_error(r, 409, "scheme '%s' exists; PUT /api/schemes/%s changes it", id, id);
		goto out;
	}
	if (!create && at < 0) {
		yq_req_error(r, 404, "no scheme '%s'", id);
		goto out;
	}
	if (!create && !del) {
		json_t *bid = json_object_get(body, "id");
		if (bid && (!json_is_string(bid) || strcmp(json_string_value(bid), id))) {
			yq_req_error(r, 400, "the body's id differs from the path's '%s'", id);
			goto out;
		}
		json_object_set_new(body, "id", json_string(id));
	}
	if (!(arr = json_array()))
		goto nomem;
	for (size_t i = 0; i < e->set->n; i++) {
		json_t *sj = scheme_json(&e->set->v[i]);
		if (!sj)
			goto nomem;
		if ((long)i == at) {
			before = sj;
			if (!del) {
				json_t *v = json_object_get(body, "version");
				if (!v) /* an update is a new version */
					json_object_set_new(body, "version",
							    json_integer((json_int_t)e->set->v[i].version + 1));
				json_array_append(arr, body);
			}
			continue;
		}
		json_array_append_new(arr, sj);
	}
	if (create)
		json_array_append(arr, body);
	if (write_set(r, e, arr))
		goto out;
	audit_scheme(r, create ? "scheme.create" : del ? "scheme.delete" : "scheme.update", id,
		     before, del ? NULL : body);
	if (del) {
		yq_req_json(r, 200, json_pack("{s:s,s:b,s:b}", "deleted", id, "live", live(d), "ok",
					      1));
	} else {
		long i = find_id(e->set, id);
		json_t *o = i >= 0 ? scheme_json(&e->set->v[i]) : NULL;
		if (o)
			json_object_set_new(o, "live", json_boolean(live(d)));
		yq_req_json(r, create ? 201 : 200, o);
	}
	goto out;
nomem:
	yq_req_error(r, 500, "out of memory");
out:
	pthread_mutex_unlock(&d->scheme_mu);
	json_decref(before);
	json_decref(arr);
	json_decref(body);
}

void yq_api_scheme_create(struct yq_req *r)
{
	change(r, 1, 0);
}

void yq_api_scheme_update(struct yq_req *r)
{
	change(r, 0, 0);
}

void yq_api_scheme_delete(struct yq_req *r)
{
	change(r, 0, 1);
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
	const struct yq_scheme_set *set;
	json_error_t je;
	json_t *body = NULL, *out = NULL;
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
	set = e->set;
	if (!set->n) {
		yq_req_error(r, 409, "there are no schemes");
		goto out;
	}
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
	long si;
	sqlite3 *db;
	sqlite3_stmt *st = NULL;
	json_t *days = NULL;
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
	if (!e || (si = find(r, e)) < 0)
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
