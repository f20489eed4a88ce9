/*
 * cmd_scheme.c — `yuqing scheme test FILE` and
 * `yuqing scheme backtest --db DB [--tz TZ] FILE`.
 *
 * test: every scheme's must_match and must_not_match examples (disabled
 * schemes included) are normalized and matched like posts; one line per
 * example, "ok" or "FAIL", with the scheme id, the list, the example's
 * number and its line in FILE; a failing must_not_match example shows the
 * hits that made it match.  Exit 1 when any example fails.
 *
 * backtest: every stored post (title and text of the posts table, read
 * through a read-only SQLite connection, so the database is never created
 * or changed) is matched against every scheme of FILE, disabled ones
 * included (a backtest is how a draft is judged), and the number of
 * matching posts per scheme and day is printed as TSV lines
 * "scheme<TAB>day<TAB>posts" after a header line, schemes in file order,
 * days ascending in the --tz zone (default Asia/Shanghai); posts stored
 * without a time count under the day "none", printed last.
 */
#include "base/error.h"
#include "base/strmap.h"
#include "cli/cli.h"
#include "collect/ptime.h"
#include "match/matcher.h"
#include "match/scheme.h"
#include "text/normalize.h"

#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>

#define CMD "scheme"
#define USAGE "test FILE | backtest --db DB [--tz TZ] FILE"

/* Cap on distinct (scheme, day) counters of a backtest. */
#define BACKTEST_CELLS_MAX 10000000u
#define DAY_NONE INT32_MAX

/* What both subcommands set up: schemes, normalizer, matcher, scratch. */
struct env {
	struct yq_scheme_set *set;
	struct yq_normalizer *nz;
	struct yq_matcher *m;
	struct yq_match_scratch *s;
	struct yq_norm_result title, text;
	struct yq_match_result res;
	struct yq_buf err;
};

static int env_open(struct env *e, const char *path)
{
	if (yq_scheme_load(path, &e->set, &e->err) || yq_normalizer_new(&e->nz, &e->err) ||
	    yq_matcher_new(e->set, e->nz, YQ_MATCHER_ALL, &e->m, &e->err)) {
		yq_cli_err(CMD, "%s", e->err.s);
		return YQ_EINVAL;
	}
	if (yq_match_scratch_new(e->m, &e->s)) {
		yq_cli_err(CMD, "out of memory");
		return YQ_ENOMEM;
	}
	return YQ_OK;
}

static void env_close(struct env *e)
{
	yq_match_scratch_free(e->s);
	yq_matcher_free(e->m);
	yq_normalizer_free(e->nz);
	yq_scheme_set_free(e->set);
	yq_norm_result_release(&e->title);
	yq_norm_result_release(&e->text);
	yq_match_result_release(&e->res);
	yq_buf_release(&e->err);
}

/* Matches a title/text pair (either may be NULL); e->res holds the result. */
static int env_match(struct env *e, const char *title, const char *text)
{
	int rc;
	if (title && (rc = yq_normalize(e->nz, title, strlen(title), &e->title)))
		return rc;
	if ((rc = yq_normalize(e->nz, text ? text : "", text ? strlen(text) : 0, &e->text)))
		return rc;
	return yq_matcher_match(e->m, e->s, title ? &e->title : NULL, &e->text, &e->res);
}

static const struct yq_scheme_match *find_scheme(const struct yq_match_result *r, size_t si)
{
	for (size_t i = 0; i < r->n; i++)
		if (r->v[i].scheme == si)
			return &r->v[i];
	return NULL;
}

/* ---- test ---- */

static int run_test(const char *path)
{
	struct env e = {0};
	size_t n = 0, failed = 0;
	int status = YQ_EXIT_RUNTIME, rc;
	if (env_open(&e, path))
		goto out;
	for (size_t si = 0; si < e.set->n; si++) {
		const struct yq_scheme *s = &e.set->v[si];
		for (int want = 1; want >= 0; want--) {
			const struct yq_scheme_example *ex = want ? s->must_match : s->must_not_match;
			size_t nex = want ? s->n_must_match : s->n_must_not_match;
			const char *list = want ? "must_match" : "must_not_match";
			for (size_t k = 0; k < nex; k++) {
				if ((rc = env_match(&e, ex[k].title, ex[k].text))) {
					yq_cli_err(CMD, "%s:%zu: %s", path, ex[k].line, yq_strerror(rc));
					goto out;
				}
				const struct yq_scheme_match *sm = find_scheme(&e.res, si);
				int ok = (sm != NULL) == want;
				n++;
				failed += !ok;
				printf("%s %s %s #%zu (line %zu)", ok ? "ok  " : "FAIL", s->id, list,
				       k + 1, ex[k].line);
				for (size_t h = 0; sm && !want && h < sm->nhits; h++) {
					const struct yq_match_hit *x = &e.res.hits[sm->hit0 + h];
					printf("%s%s %s %s [%u,%u)", h ? ", " : ": matched by ",
					       yq_group_name(x->group), x->word, yq_field_name(x->field),
					       (unsigned)x->start, (unsigned)x->end);
				}
				putchar('\n');
			}
		}
	}
	printf("%zu examples, %zu passed, %zu failed\n", n, n - failed, failed);
	if (fflush(stdout) == 0)
		status = failed ? YQ_EXIT_RUNTIME : YQ_EXIT_OK;
out:
	env_close(&e);
	return status;
}

/* ---- backtest ---- */

struct cell {
	uint32_t scheme;
	int32_t day; /* yyyymmdd in the zone, or DAY_NONE */
	uint64_t posts;
};

static int cmp_cell(const void *a, const void *b)
{
	const struct cell *x = a, *y = b;
	if (x->scheme != y->scheme)
		return x->scheme < y->scheme ? -1 : 1;
	return x->day < y->day ? -1 : x->day > y->day;
}

static int run_backtest(const char *db, const char *tzname, const char *path)
{
	struct env e = {0};
	struct yq_tz *tz = NULL;
	sqlite3 *h = NULL;
	sqlite3_stmt *st = NULL;
	struct yq_strmap *cells = NULL;
	struct cell *cv = NULL;
	size_t ncap = 0;
	uint64_t posts = 0, matched = 0, skipped = 0;
	int status = YQ_EXIT_RUNTIME, rc;
	if (yq_tz_open(tzname, &tz)) {
		yq_cli_err(CMD, "unknown time zone '%s' (--tz)", tzname);
		status = YQ_EXIT_USAGE;
		goto out;
	}
	if (sqlite3_open_v2(db, &h, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(h, "SELECT time, title, text FROM posts ORDER BY rowid", -1, &st,
			       NULL) != SQLITE_OK) {
		yq_cli_err(CMD, "cannot read posts: %s (%s)", h ? sqlite3_errmsg(h) : "out of memory",
			   db);
		goto out;
	}
	if (env_open(&e, path))
		goto out;
	if (yq_strmap_new(BACKTEST_CELLS_MAX, &cells)) {
		yq_cli_err(CMD, "out of memory");
		goto out;
	}
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *title = (const char *)sqlite3_column_text(st, 1);
		const char *text = (const char *)sqlite3_column_text(st, 2);
		int32_t day = DAY_NONE;
		posts++;
		if (sqlite3_column_type(st, 0) != SQLITE_NULL) {
			struct yq_civil cv_;
			yq_tz_from_utc(tz, sqlite3_column_int64(st, 0), &cv_);
			day = cv_.year * 10000 + cv_.month * 100 + cv_.day;
		}
		rc = env_match(&e, title, text);
		if (rc == YQ_ETOOBIG) {
			skipped++;
			continue;
		}
		if (rc) {
			yq_cli_err(CMD, "%s", yq_strerror(rc));
			goto out;
		}
		matched += e.res.n > 0;
		for (size_t i = 0; i < e.res.n; i++) {
			struct cell key = {(uint32_t)e.res.v[i].scheme, day, 0};
			int added = 0;
			int64_t id = yq_strmap_intern(cells, (const char *)&key, 8, &added);
			if (id < 0) {
				yq_cli_err(CMD, "%s (more than %u scheme-days)", yq_strerror((int)id),
					   BACKTEST_CELLS_MAX);
				goto out;
			}
			if ((size_t)id >= ncap) {
				size_t nc = ncap ? 2 * ncap : 1024;
				struct cell *v = realloc(cv, nc * sizeof(*cv));
				if (!v) {
					yq_cli_err(CMD, "out of memory");
					goto out;
				}
				cv = v;
				ncap = nc;
			}
			if (added)
				cv[id] = key;
			cv[id].posts++;
		}
	}
	if (rc != SQLITE_DONE) {
		yq_cli_err(CMD, "reading posts: %s (%s)", sqlite3_errmsg(h), db);
		goto out;
	}
	size_t n = yq_strmap_count(cells);
	qsort(cv, n, sizeof(*cv), cmp_cell);
	printf("scheme\tday\tposts\n");
	for (size_t i = 0; i < n; i++) {
		const char *id = e.set->v[cv[i].scheme].id;
		if (cv[i].day == DAY_NONE)
			printf("%s\tnone\t%llu\n", id, (unsigned long long)cv[i].posts);
		else
			printf("%s\t%04d-%02d-%02d\t%llu\n", id, cv[i].day / 10000,
			       cv[i].day / 100 % 100, cv[i].day % 100,
			       (unsigned long long)cv[i].posts);
	}
	fprintf(stderr, "yuqing: %s: %llu posts, %llu matched a scheme", CMD,
		(unsigned long long)posts, (unsigned long long)matched);
	if (skipped)
		fprintf(stderr, ", %llu skipped (over 1 MiB)", (unsigned long long)skipped);
	fputc('\n', stderr);
	if (fflush(stdout) == 0)
		status = YQ_EXIT_OK;
out:
	free(cv);
	yq_strmap_free(cells);
	sqlite3_finalize(st);
	sqlite3_close(h);
	yq_tz_free(tz);
	env_close(&e);
	return status;
}

int yq_cmd_scheme(int argc, char **argv)
{
	if (argc >= 3 && strcmp(argv[1], "test") == 0) {
		if (argc != 3)
			return yq_cli_usage(CMD, USAGE);
		return run_test(argv[2]);
	}
	if (argc >= 2 && strcmp(argv[1], "backtest") == 0) {
		const char *db = NULL, *tz = "Asia/Shanghai", *file = NULL;
		for (int i = 2; i < argc; i++) {
			if (strcmp(argv[i], "--db") == 0 && i + 1 < argc)
				db = argv[++i];
			else if (strcmp(argv[i], "--tz") == 0 && i + 1 < argc)
				tz = argv[++i];
			else if (argv[i][0] == '-' || file) {
				yq_cli_err(CMD, "unexpected argument %s", argv[i]);
				return yq_cli_usage(CMD, USAGE);
			} else
				file = argv[i];
		}
		if (!db || !file) {
			yq_cli_err(CMD, "backtest needs --db DB and a scheme FILE");
			return yq_cli_usage(CMD, USAGE);
		}
		return run_backtest(db, tz, file);
	}
	yq_cli_err(CMD, "expected 'test FILE' or 'backtest --db DB FILE'");
	return yq_cli_usage(CMD, USAGE);
}
