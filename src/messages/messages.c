/*
 * messages.c — the citizens' message store: intake, routing, the analyst's
 * category decision, replies with their quality scores, reading with the
 * contact details redacted, and per-department statistics (messages.h).
 *
 * Sits beside the pipeline: messages are not posts of the monitored stream
 * (they are addressed to the government and each one is answered), so they
 * have their own tables on the store's database.  An analyst's category
 * decision is a label (source "message", task "category") that `train
 * --corrections` reads with the message's title and text
 * (yq_store_each_label); the message never becomes a post, so it stays out
 * of the monitored stream's search, counts and exports.
 *
 * Design:
 *  - The environment (struct yq_msg_env) holds what is slow to load: the
 *    classifier, normalizer, segmenter, background IDF and routing table.
 *  - Every write is one transaction (auth/txn.h: BEGIN IMMEDIATE, or a
 *    savepoint inside the caller's batch) together with its audit entry.
 *  - Re-putting an id never overwrites what is stored; it only fills in
 *    what was missing (likes, label, a first reply), which makes imports
 *    idempotent.
 *
 * Invariants: messages.department is routing(category ?? label ??
 * suggested) at the time of the last write; quality columns are NULL
 * exactly when reply is NULL (timeliness also when reply_time is NULL).
 */
#include "messages/messages.h"
#include "messages/internal.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "analyze/stopwords.h"
#include "analyze/tfidf.h"
#include "auth/audit.h"
#include "auth/txn.h"
#include "base/error.h"
#include "base/hash.h"
#include "classify/model.h"
#include "text/normalize.h"
#include "text/tokenize.h"

#define SECRET_LEN 32
#define ROUTE_LINE_MAX 1024
#define STATS_ROWS_MAX 100000
#define ALL_DEPTS "全部"

static const char SCHEMA[] =
	"CREATE TABLE IF NOT EXISTS messages(\n"
	"  id TEXT PRIMARY KEY, time INTEGER NOT NULL, title TEXT, text TEXT,\n"
	"  sender_hash TEXT, likes INTEGER, dislikes INTEGER, label TEXT,\n"
	"  suggested TEXT, suggested_prob REAL, category TEXT,\n"
	"  category_by TEXT, department TEXT, deadline INTEGER NOT NULL,\n"
	"  reply TEXT, reply_time INTEGER, q_relevance REAL, q_completeness REAL,\n"
	"  q_timeliness REAL, created INTEGER NOT NULL) WITHOUT ROWID;\n"
	"CREATE INDEX IF NOT EXISTS messages_time ON messages(time);\n"
	"CREATE INDEX IF NOT EXISTS messages_dept ON messages(department, time);\n"
	"CREATE TABLE IF NOT EXISTS message_contacts(\n"
	"  id TEXT PRIMARY KEY REFERENCES messages(id), sender TEXT, contact TEXT)"
	" WITHOUT ROWID;\n";

/* ---- environment ---- */

static void free_routes(struct yq_msg_env *e)
{
	for (size_t i = 0; i < e->nroutes; i++) {
		free(e->routes[i].category);
		free(e->routes[i].department);
	}
	free(e->routes);
	e->routes = NULL;
	e->nroutes = 0;
}

/* load_routes: "category<TAB>department" lines; '#' comments and blank
 * lines skipped. */
static int load_routes(struct yq_msg_env *e, const char *path, struct yq_buf *err)
{
	char line[ROUTE_LINE_MAX];
	size_t ln = 0;
	int rc = YQ_OK;
	FILE *f = fopen(path, "r");
	if (!f) {
		yq_buf_printf(err, "%s: %s", path, strerror(errno));
		return YQ_EIO;
	}
	if (!(e->routes = calloc(YQ_MSG_ROUTES_MAX, sizeof *e->routes))) {
		rc = YQ_ENOMEM;
		goto out;
	}
	while (fgets(line, sizeof line, f)) {
		ln++;
		size_t n = strlen(line);
		if (n == sizeof line - 1 && line[n - 1] != '\n') {
			yq_buf_printf(err, "%s:%zu: line too long", path, ln);
			rc = YQ_EFORMAT;
			goto out;
		}
		while (n && (line[n - 1] == '\n' || line[n - 1] == '\r'))
			line[--n] = '\0';
		if (!n || line[0] == '#')
			continue;
		char *tab = strchr(line, '\t');
		if (!tab || tab == line || !tab[1] || strchr(tab + 1, '\t')) {
			yq_buf_printf(err, "%s:%zu: expected 'category<TAB>department'", path, ln);
			rc = YQ_EFORMAT;
			goto out;
		}
		if (e->nroutes == YQ_MSG_ROUTES_MAX) {
			yq_buf_printf(err, "%s:%zu: more than %d routes", path, ln,
				      YQ_MSG_ROUTES_MAX);
			rc = YQ_ETOOBIG;
			goto out;
		}
		*tab = '\0';
		struct route *r = &e->routes[e->nroutes];
		r->category = strdup(line);
		r->department = strdup(tab + 1);
		e->nroutes++;
		if (!r->category || !r->department) {
			rc = YQ_ENOMEM;
			goto out;
		}
	}
	if (ferror(f)) {
		yq_buf_printf(err, "%s: read error", path);
		rc = YQ_EIO;
	}
out:
	fclose(f);
	return rc;
}

int yq_msg_env_new(const struct yq_msg_env_config *cfg, struct yq_msg_env **out,
		   struct yq_buf *err)
{
	struct yq_buf path = YQ_BUF_INIT;
	int rc = YQ_ENOMEM;
	struct yq_msg_env *e = calloc(1, sizeof *e);
	*out = NULL;
	if (!e)
		goto out;
	yq_buf_init(&e->tmp);
	e->deadline_days = cfg && cfg->deadline_days ? cfg->deadline_days
						      : YQ_MSG_DEFAULT_DEADLINE_DAYS;
	if (e->deadline_days < 1 || e->deadline_days > 365) {
		yq_buf_printf(err, "deadline of %d days: expected 1..365", e->deadline_days);
		rc = YQ_EINVAL;
		goto out;
	}
	const char *routing = cfg ? cfg->routing : NULL;
	if (!routing) {
		const char *dir = getenv("YQ_CONFIG_DIR");
		if ((rc = yq_buf_printf(&path, "%s/routing.tsv", dir ? dir : YQ_CONFIG_DIR_DEFAULT)))
			goto out;
		routing = path.s;
	}
	if ((rc = load_routes(e, routing, err)))
		goto out;
	const char *model = cfg && cfg->model ? cfg->model : "category";
	if (*model && (rc = yq_classifier_load(model, &e->clf, err)))
		goto out;
	if ((rc = yq_normalizer_new(&e->norm, err)))
		goto out;
	if (cfg && cfg->seg) {
		e->seg = cfg->seg;
	} else {
		struct yq_buf note = YQ_BUF_INIT;
		rc = yq_segmenter_new_analysis(&e->own_seg, err, &note);
		yq_buf_release(&note);
		if (rc)
			goto out;
		e->seg = e->own_seg;
	}
	if ((rc = yq_tfidf_new(NULL, &e->idf, err)))
		goto out;
	*out = e;
	e = NULL;
	rc = YQ_OK;
out:
	yq_msg_env_free(e);
	yq_buf_release(&path);
	return rc;
}

void yq_msg_tvec_release(struct tvec *v)
{
	free(v->h);
	free(v->w);
	memset(v, 0, sizeof *v);
}

void yq_msg_env_free(struct yq_msg_env *e)
{
	if (!e)
		return;
	free_routes(e);
	yq_classifier_free(e->clf);
	yq_clf_work_release(&e->cw);
	yq_normalizer_free(e->norm);
	yq_norm_result_release(&e->nr);
	yq_segmenter_free(e->own_seg);
	yq_seg_work_release(&e->sw);
	yq_tokens_release(&e->tok);
	yq_tfidf_free(e->idf);
	yq_buf_release(&e->tmp);
	yq_msg_tvec_release(&e->va);
	yq_msg_tvec_release(&e->vb);
	free(e);
}

const char *yq_msg_route(const struct yq_msg_env *e, const char *category)
{
	for (size_t i = 0; category && i < e->nroutes; i++)
		if (!strcmp(e->routes[i].category, category))
			return e->routes[i].department;
	return NULL;
}

const char *yq_msg_route_db(struct yq_msg_env *e, sqlite3 *db, const char *category)
{
	sqlite3_stmt *s = NULL;
	const char *dept = NULL;
	if (!category)
		return NULL;
	/* the case workflow's registry, when this database has one */
	if (sqlite3_prepare_v2(db,
			       "SELECT d.name FROM case_departments d, json_each(d.categories) c"
			       " WHERE json_valid(d.categories) AND c.value = ?1 ORDER BY d.name"
			       " LIMIT 1",
			       -1, &s, NULL) == SQLITE_OK) {
		sqlite3_bind_text(s, 1, category, -1, SQLITE_STATIC);
		if (sqlite3_step(s) == SQLITE_ROW) {
			snprintf(e->dept, sizeof e->dept, "%s", (const char *)sqlite3_column_text(s, 0));
			dept = e->dept;
		}
	}
	sqlite3_finalize(s);
	return dept ? dept : yq_msg_route(e, category);
}

int yq_msg_init(sqlite3 *db)
{
	return sqlite3_exec(db, SCHEMA, NULL, NULL, NULL) == SQLITE_OK ? YQ_OK : YQ_EDB;
}

/* ---- reply quality ---- */

/* Cue lexicons (docs/messages.md): substrings of the reply. */
static const char *const MEASURE_CUES[] = {
	"已经", "已于", "已对", "已将", "已责令", "责令", "整改", "督促", "核查", "核实",
	"调查", "查处", "处罚", "处理", "落实", "协调", "安排", "维修", "修复", "拆除",
	"清理", "整治", "约谈", "立案", "解决", "办理", "发放", "补缴", "纳入", "执法",
	NULL};
static const char *const TIME_CUES[] = {
	"日前", "近日", "目前", "截至", "年底", "月底", "月份", "工作日", "天内", "日内",
	"将于", "预计", "计划于", "下一步", "近期", "尽快", "年内", "本周", "下周", NULL};
static const char *const CONTACT_CUES[] = {
	"电话", "联系", "咨询", "热线", "致电", "来电", "办公室", "地址", "邮箱", NULL};

static int has_cue(const char *s, const char *const *cues)
{
	for (size_t i = 0; cues[i]; i++)
		if (strstr(s, cues[i]))
			return 1;
	return 0;
}

unsigned yq_msg_completeness_cues(const char *s)
{
	unsigned bits = 0;
	if (!s)
		return 0;
	if (has_cue(s, MEASURE_CUES))
		bits |= 1;
	if (has_cue(s, TIME_CUES))
		bits |= 2;
	if (has_cue(s, CONTACT_CUES))
		bits |= 4;
	/* a date (digits before 年/月/日) is a time frame; a run of 7 or more
	 * digits (hyphens allowed inside) is a phone number */
	size_t run = 0;
	for (const char *p = s; *p; p++) {
		if (isdigit((unsigned char)*p)) {
			run++;
			if (run >= 7)
				bits |= 4;
			continue;
		}
		if (run && (!strncmp(p, "年", 3) || !strncmp(p, "月", 3) || !strncmp(p, "日", 3)))
			bits |= 2;
		if (!(*p == '-' && run))
			run = 0;
	}
	return bits;
}

double yq_msg_timeliness(double h, double d)
{
	if (h < 0)
		h = 0;
	if (h <= d)
		return 1.0 - h / (2.0 * d);
	double r = 1.0 - (h - d) / d;
	return r > 0 ? 0.5 * r : 0.0;
}

int yq_msg_tvec_push(struct tvec *v, uint64_t h, double w)
{
	if (v->n == v->cap) {
		size_t cap = v->cap ? 2 * v->cap : 256;
		uint64_t *nh = realloc(v->h, cap * sizeof *nh);
		if (!nh)
			return YQ_ENOMEM;
		v->h = nh;
		double *nw = realloc(v->w, cap * sizeof *nw);
		if (!nw)
			return YQ_ENOMEM;
		v->w = nw;
		v->cap = cap;
	}
	v->h[v->n] = h;
	v->w[v->n++] = w;
	return YQ_OK;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

/* vectorize: the L2-normalized TF-IDF vector (hash, weight) of s[0..n),
 * sorted by hash: content tokens of the normalized text, stop words out,
 * tf × background idf. */
int yq_msg_vectorize(struct yq_msg_env *e, const char *s, size_t n, struct tvec *v)
{
	int rc;
	uint64_t *hs = NULL;
	v->n = 0;
	if ((rc = yq_normalize(e->norm, s, n, &e->nr)) ||
	    (rc = yq_tokenize(e->seg, &e->sw, e->nr.text.s, e->nr.text.len, &e->tok)))
		return rc;
	size_t k = 0;
	if (e->tok.n && !(hs = malloc(e->tok.n * sizeof *hs)))
		return YQ_ENOMEM;
	for (size_t i = 0; i < e->tok.n; i++) {
		const struct yq_token *t = &e->tok.v[i];
		const char *w = e->nr.text.s + t->off;
		if (!yq_tok_is_content(t->kind) || yq_stopword(w, t->len))
			continue;
		if (t->len <= 3 && t->kind == YQ_TOK_WORD) /* a single character */
			continue;
		hs[k++] = yq_tfidf_hash(w, t->len);
	}
	if (k)
		qsort(hs, k, sizeof *hs, cmp_u64);
	double norm2 = 0;
	for (size_t i = 0; i < k;) {
		size_t j = i;
		while (j < k && hs[j] == hs[i])
			j++;
		struct yq_tfidf_term term;
		yq_tfidf_lookup(e->idf, hs[i], &term);
		double w = (1.0 + log((double)(j - i))) * yq_tfidf_idf(e->idf, &term);
		if ((rc = yq_msg_tvec_push(v, hs[i], w)))
			goto out;
		norm2 += w * w;
		i = j;
	}
	if (norm2 > 0)
		for (size_t i = 0; i < v->n; i++)
			v->w[i] /= sqrt(norm2);
out:
	free(hs);
	return rc;
}

double yq_msg_tvec_cos(const struct tvec *a, const struct tvec *b)
{
	double s = 0;
	size_t i = 0, j = 0;
	while (i < a->n && j < b->n) {
		if (a->h[i] == b->h[j])
			s += a->w[i++] * b->w[j++];
		else if (a->h[i] < b->h[j])
			i++;
		else
			j++;
	}
	return s < 0 ? 0 : s > 1 ? 1 : s;
}

int yq_msg_quality(struct yq_msg_env *e, const char *title, const char *text, const char *reply,
		   double hours, double deadline_hours, struct yq_msg_quality *q)
{
	int rc;
	struct yq_buf *b = &e->tmp;
	yq_buf_reset(b);
	if ((title && (yq_buf_adds(b, title) || yq_buf_addc(b, '\n'))) || (text && yq_buf_adds(b, text)))
		return YQ_ENOMEM;
	if ((rc = yq_msg_vectorize(e, b->s, b->len, &e->va)))
		return rc;
	/* the reply without the quotations of the message's title */
	yq_buf_reset(b);
	size_t tl = title ? strlen(title) : 0;
	for (const char *p = reply; *p;) {
		const char *hit = tl >= 6 ? strstr(p, title) : NULL;
		size_t upto = hit ? (size_t)(hit - p) : strlen(p);
		if (yq_buf_add(b, p, upto))
			return YQ_ENOMEM;
		p += upto + (hit ? tl : 0);
	}
	if ((rc = yq_msg_vectorize(e, b->s, b->len, &e->vb)))
		return rc;
	q->relevance = yq_msg_tvec_cos(&e->va, &e->vb);
	q->cues = yq_msg_completeness_cues(reply);
	q->completeness = ((q->cues & 1) + ((q->cues >> 1) & 1) + ((q->cues >> 2) & 1)) / 3.0;
	q->timeliness = yq_msg_timeliness(hours, deadline_hours);
	return YQ_OK;
}

/* ---- writing ---- */

static int check_len(const char *what, const char *s, size_t cap, struct yq_buf *err)
{
	if (s && strlen(s) > cap) {
		yq_buf_printf(err, "%s over %zu bytes", what, cap);
		return YQ_EINVAL;
	}
	return YQ_OK;
}

/* check_category: a category to store must be one of the classifier's
 * labels (the routing table's categories when there is no classifier);
 * NULL or "" (confirm the suggestion) passes.  err lists the valid ones. */
static int check_category(const struct yq_msg_env *e, const char *category, struct yq_buf *err)
{
	if (!category || !*category)
		return YQ_OK;
	size_t n = e->clf ? yq_classifier_nlabels(e->clf) : e->nroutes;
	if (!n)
		return YQ_OK;
	for (size_t i = 0; i < n; i++)
		if (!strcmp(category, e->clf ? yq_classifier_label(e->clf, i) : e->routes[i].category))
			return YQ_OK;
	yq_buf_printf(err, "unknown category '%s' (valid: ", category);
	for (size_t i = 0; i < n; i++)
		yq_buf_printf(err, "%s%s", i ? ", " : "",
			      e->clf ? yq_classifier_label(e->clf, i) : e->routes[i].category);
	yq_buf_adds(err, ")");
	return YQ_EINVAL;
}

/* sender_hash: yq_store_author_hash's keyed hash under meta's secret. */
static int sender_hash(sqlite3 *db, const char *name, char out[33])
{
	static const char hex[] = "0123456789abcdef";
	unsigned char mac[crypto_auth_hmacsha256_BYTES];
	unsigned char key[crypto_auth_hmacsha256_KEYBYTES] = {0};
	sqlite3_stmt *s = NULL;
	int rc = YQ_EDB;
	if (sqlite3_prepare_v2(db, "SELECT value FROM meta WHERE key = 'author_secret'", -1, &s,
			       NULL) != SQLITE_OK ||
	    sqlite3_step(s) != SQLITE_ROW || sqlite3_column_bytes(s, 0) != SECRET_LEN)
		goto out;
	memcpy(key, sqlite3_column_blob(s, 0), SECRET_LEN);
	crypto_auth_hmacsha256(mac, (const unsigned char *)name, strlen(name), key);
	for (int i = 0; i < 16; i++) {
		out[2 * i] = hex[mac[i] >> 4];
		out[2 * i + 1] = hex[mac[i] & 15];
	}
	out[32] = '\0';
	rc = YQ_OK;
out:
	sodium_memzero(key, sizeof key);
	sqlite3_finalize(s);
	return rc;
}

/* suggest: the classifier's category of title + "\n" + text (the text of
 * `yuqing classify` for a post with that title and text). */
static int suggest(struct yq_msg_env *e, const char *title, const char *text, const char **label,
		   double *prob)
{
	int rc;
	struct yq_buf *b = &e->tmp;
	*label = NULL;
	if (!e->clf)
		return YQ_OK;
	yq_buf_reset(b);
	if (title && *title && (yq_buf_adds(b, title) || (text && *text && yq_buf_addc(b, '\n'))))
		return YQ_ENOMEM;
	if (text && yq_buf_adds(b, text))
		return YQ_ENOMEM;
	if ((rc = yq_normalize(e->norm, b->s, b->len, &e->nr)))
		return rc;
	return yq_classifier_predict(e->clf, &e->cw, e->nr.text.s, e->nr.text.len, NULL, label,
				     prob);
}

static void bind_opt_text(sqlite3_stmt *s, int i, const char *v)
{
	if (v)
		sqlite3_bind_text(s, i, v, -1, SQLITE_TRANSIENT);
	else
		sqlite3_bind_null(s, i);
}

static void bind_opt_int(sqlite3_stmt *s, int i, int64_t v, int ok)
{
	if (ok)
		sqlite3_bind_int64(s, i, v);
	else
		sqlite3_bind_null(s, i);
}

static int audit(sqlite3 *db, const char *who, const char *addr, const char *action,
		 const char *id, json_t *after, int64_t now)
{
	if (!who)
		return YQ_OK;
	char *as = after ? json_dumps(after, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
	if (after && !as)
		return YQ_ENOMEM;
	struct yq_audit_entry a = {.time = now, .actor = who, .action = action,
				   .object_type = "message", .object_id = id, .after = as,
				   .addr = addr};
	int rc = yq_audit_append(db, &a, NULL);
	free(as);
	return rc;
}

/* store_reply: reply columns and scores of message id (title, text, time
 * as stored). */
static int store_reply(struct yq_msg_env *e, sqlite3 *db, const char *id, const char *title,
		       const char *text, int64_t time, int64_t deadline, const char *reply,
		       int64_t reply_time, int reply_time_ok)
{
	struct yq_msg_quality q;
	double dh = (double)(deadline - time) / 3600.0;
	double h = reply_time_ok ? (double)(reply_time - time) / 3600.0 : 0;
	int rc = yq_msg_quality(e, title, text, reply, h, dh > 0 ? dh : 1, &q);
	sqlite3_stmt *s = NULL;
	if (rc)
		return rc;
	if (sqlite3_prepare_v2(db,
			       "UPDATE messages SET reply = ?2, reply_time = ?3, q_relevance = ?4,"
			       " q_completeness = ?5, q_timeliness = ?6 WHERE id = ?1",
			       -1, &s, NULL) != SQLITE_OK)
		return YQ_EDB;
	sqlite3_bind_text(s, 1, id, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, reply, -1, SQLITE_STATIC);
	bind_opt_int(s, 3, reply_time, reply_time_ok);
	sqlite3_bind_double(s, 4, q.relevance);
	sqlite3_bind_double(s, 5, q.completeness);
	if (reply_time_ok)
		sqlite3_bind_double(s, 6, q.timeliness);
	else
		sqlite3_bind_null(s, 6);
	rc = sqlite3_step(s) == SQLITE_DONE ? YQ_OK : YQ_EDB;
	sqlite3_finalize(s);
	return rc;
}

/* The stored row a write starts from. */
struct row {
	char *title, *text, *reply, *category, *label, *suggested;
	int64_t time, deadline;
};

static char *col_dup(sqlite3_stmt *s, int i, int *oom)
{
	const unsigned char *v = sqlite3_column_text(s, i);
	if (!v)
		return NULL;
	char *d = strdup((const char *)v);
	if (!d)
		*oom = 1;
	return d;
}

static void row_release(struct row *r)
{
	free(r->title);
	free(r->text);
	free(r->reply);
	free(r->category);
	free(r->label);
	free(r->suggested);
	memset(r, 0, sizeof *r);
}

/* load_row: 0, YQ_ENOTFOUND, YQ_EDB, YQ_ENOMEM. */
static int load_row(sqlite3 *db, const char *id, struct row *r)
{
	sqlite3_stmt *s = NULL;
	int rc = YQ_EDB, oom = 0;
	memset(r, 0, sizeof *r);
	if (sqlite3_prepare_v2(db,
			       "SELECT title, text, reply, category, label, suggested, time, deadline"
			       " FROM messages WHERE id = ?1",
			       -1, &s, NULL) != SQLITE_OK)
		goto out;
	sqlite3_bind_text(s, 1, id, -1, SQLITE_STATIC);
	int st = sqlite3_step(s);
	if (st == SQLITE_DONE) {
		rc = YQ_ENOTFOUND;
		goto out;
	}
	if (st != SQLITE_ROW)
		goto out;
	r->title = col_dup(s, 0, &oom);
	r->text = col_dup(s, 1, &oom);
	r->reply = col_dup(s, 2, &oom);
	r->category = col_dup(s, 3, &oom);
	r->label = col_dup(s, 4, &oom);
	r->suggested = col_dup(s, 5, &oom);
	r->time = sqlite3_column_int64(s, 6);
	r->deadline = sqlite3_column_int64(s, 7);
	rc = oom ? YQ_ENOMEM : YQ_OK;
out:
	sqlite3_finalize(s);
	if (rc)
		row_release(r);
	return rc;
}

/* fill_in: what m adds to the stored message id. */
static int fill_in(struct yq_msg_env *e, sqlite3 *db, const struct yq_msg *m, const char *id)
{
	struct row r;
	sqlite3_stmt *s = NULL;
	int rc = load_row(db, id, &r);
	if (rc)
		return rc;
	const char *label = r.label ? r.label : m->label;
	const char *dept = yq_msg_route_db(e, db, r.category ? r.category : label ? label : r.suggested);
	if (sqlite3_prepare_v2(db,
			       "UPDATE messages SET likes = coalesce(?2, likes),"
			       " dislikes = coalesce(?3, dislikes), label = ?4, department = ?5"
			       " WHERE id = ?1",
			       -1, &s, NULL) != SQLITE_OK) {
		rc = YQ_EDB;
		goto out;
	}
	sqlite3_bind_text(s, 1, id, -1, SQLITE_STATIC);
	bind_opt_int(s, 2, m->likes, m->likes >= 0);
	bind_opt_int(s, 3, m->dislikes, m->dislikes >= 0);
	bind_opt_text(s, 4, label);
	bind_opt_text(s, 5, dept);
	if (sqlite3_step(s) != SQLITE_DONE) {
		rc = YQ_EDB;
		goto out;
	}
	if (!r.reply && m->reply && *m->reply)
		rc = store_reply(e, db, id, r.title, r.text, r.time, r.deadline, m->reply,
				 m->reply_time, m->reply_time_ok);
out:
	sqlite3_finalize(s);
	row_release(&r);
	return rc;
}

int yq_msg_put(struct yq_msg_env *e, sqlite3 *db, const struct yq_msg *m, int64_t now,
	       const char *who, const char *addr, char *id_out, struct yq_buf *err)
{
	char idbuf[YQ_MSG_ID_MAX + 1], hash[33] = "";
	sqlite3_stmt *s = NULL;
	struct yq_txn t;
	int rc, existed = 0;
	if ((!m->title || !*m->title) && (!m->text || !*m->text)) {
		yq_buf_adds(err, "a message needs a title or a text");
		return YQ_EINVAL;
	}
	if ((rc = check_len("title", m->title, YQ_MSG_TEXT_MAX, err)) ||
	    (rc = check_len("text", m->text, YQ_MSG_TEXT_MAX, err)) ||
	    (rc = check_len("reply", m->reply, YQ_MSG_TEXT_MAX, err)) ||
	    (rc = check_len("id", m->id, YQ_MSG_ID_MAX, err)) ||
	    (rc = check_len("sender", m->sender, YQ_MSG_FIELD_MAX, err)) ||
	    (rc = check_len("contact", m->contact, YQ_MSG_FIELD_MAX, err)) ||
	    (rc = check_len("label", m->label, YQ_MSG_FIELD_MAX, err)))
		return rc;
	int64_t time = m->time_ok ? m->time : now;
	if (m->id && *m->id) {
		snprintf(idbuf, sizeof idbuf, "%s", m->id);
	} else {
		uint64_t h = yq_hash64(&time, sizeof time, 0x6d7367);
		h = yq_hash64(m->title ? m->title : "", m->title ? strlen(m->title) : 0, h);
		h = yq_hash64(m->text ? m->text : "", m->text ? strlen(m->text) : 0, h);
		snprintf(idbuf, sizeof idbuf, "m%016llx", (unsigned long long)h);
	}
	if (id_out)
		memcpy(id_out, idbuf, strlen(idbuf) + 1);
	if (m->sender && *m->sender && (rc = sender_hash(db, m->sender, hash))) {
		yq_buf_printf(err, "reading the author secret: %s", sqlite3_errmsg(db));
		return rc;
	}
	const char *sug = NULL;
	double prob = 0;
	if ((rc = suggest(e, m->title, m->text, &sug, &prob))) {
		yq_buf_printf(err, "classifying: %s", yq_strerror(rc));
		return rc;
	}
	if (yq_txn_begin(db, &t)) {
		yq_buf_adds(err, sqlite3_errmsg(db));
		return YQ_EDB;
	}
	rc = YQ_EDB;
	if (sqlite3_prepare_v2(db,
			       "INSERT INTO messages(id, time, title, text, sender_hash, likes,"
			       " dislikes, label, suggested, suggested_prob, department, deadline,"
			       " created) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11,"
			       " ?12, ?13) ON CONFLICT(id) DO NOTHING",
			       -1, &s, NULL) != SQLITE_OK)
		goto out;
	sqlite3_bind_text(s, 1, idbuf, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 2, time);
	bind_opt_text(s, 3, m->title);
	bind_opt_text(s, 4, m->text);
	bind_opt_text(s, 5, *hash ? hash : NULL);
	bind_opt_int(s, 6, m->likes, m->likes >= 0);
	bind_opt_int(s, 7, m->dislikes, m->dislikes >= 0);
	bind_opt_text(s, 8, m->label && *m->label ? m->label : NULL);
	bind_opt_text(s, 9, sug);
	if (sug)
		sqlite3_bind_double(s, 10, prob);
	else
		sqlite3_bind_null(s, 10);
	const char *dept = yq_msg_route_db(e, db, m->label && *m->label ? m->label : sug);
	bind_opt_text(s, 11, dept);
	sqlite3_bind_int64(s, 12, time + (int64_t)e->deadline_days * 86400);
	sqlite3_bind_int64(s, 13, now);
	if (sqlite3_step(s) != SQLITE_DONE)
		goto out;
	existed = sqlite3_changes(db) == 0;
	sqlite3_finalize(s);
	s = NULL;
	if (existed) {
		if ((rc = fill_in(e, db, m, idbuf)))
			goto out;
		json_t *u = json_pack("{s:I,s:I,s:b,s:s?}", "likes", (json_int_t)m->likes,
				      "dislikes", (json_int_t)m->dislikes, "reply",
				      m->reply && *m->reply, "label", m->label);
		rc = u ? audit(db, who, addr, "message.update", idbuf, u, now) : YQ_ENOMEM;
		json_decref(u);
		goto out;
	}
	if ((m->sender && *m->sender) || (m->contact && *m->contact)) {
		if (sqlite3_prepare_v2(db,
				       "INSERT INTO message_contacts(id, sender, contact)"
				       " VALUES (?1, ?2, ?3)",
				       -1, &s, NULL) != SQLITE_OK)
			goto out;
		sqlite3_bind_text(s, 1, idbuf, -1, SQLITE_STATIC);
		bind_opt_text(s, 2, m->sender && *m->sender ? m->sender : NULL);
		bind_opt_text(s, 3, m->contact && *m->contact ? m->contact : NULL);
		if (sqlite3_step(s) != SQLITE_DONE)
			goto out;
	}
	if (m->reply && *m->reply &&
	    (rc = store_reply(e, db, idbuf, m->title, m->text, time,
			      time + (int64_t)e->deadline_days * 86400, m->reply, m->reply_time,
			      m->reply_time_ok)))
		goto out;
	json_t *a = json_pack("{s:s?,s:f,s:s?}", "suggested", sug, "prob", prob, "department",
			      dept);
	rc = a ? audit(db, who, addr, "message.create", idbuf, a, now) : YQ_ENOMEM;
	json_decref(a);
out:
	sqlite3_finalize(s);
	if (rc == YQ_EDB && !err->len)
		yq_buf_adds(err, sqlite3_errmsg(db));
	rc = yq_txn_end(&t, rc);
	if (rc == YQ_EDB && !err->len)
		yq_buf_adds(err, sqlite3_errmsg(db));
	return rc ? rc : existed;
}

int yq_msg_set_category(struct yq_msg_env *e, sqlite3 *db, const char *id, const char *category,
			int64_t now, const char *who, const char *addr, struct yq_buf *err)
{
	struct row r = {0};
	struct yq_txn t;
	sqlite3_stmt *s = NULL;
	int rc;
	if ((rc = check_len("category", category, YQ_MSG_FIELD_MAX, err)) ||
	    (rc = check_category(e, category, err)))
		return rc;
	if (yq_txn_begin(db, &t)) {
		yq_buf_adds(err, sqlite3_errmsg(db));
		return YQ_EDB;
	}
	if ((rc = load_row(db, id, &r))) {
		if (rc == YQ_ENOTFOUND)
			yq_buf_printf(err, "no message %s", id);
		goto out;
	}
	const char *confirmed = category && *category ? category : r.suggested;
	if (!confirmed) {
		yq_buf_printf(err, "message %s has no suggestion to confirm", id);
		rc = YQ_EINVAL;
		goto out;
	}
	const char *dept = yq_msg_route_db(e, db, confirmed);
	rc = YQ_EDB;
	if (sqlite3_prepare_v2(db,
			       "UPDATE messages SET category = ?2, category_by = ?3, department = ?4"
			       " WHERE id = ?1",
			       -1, &s, NULL) != SQLITE_OK)
		goto out;
	sqlite3_bind_text(s, 1, id, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, confirmed, -1, SQLITE_STATIC);
	bind_opt_text(s, 3, who);
	bind_opt_text(s, 4, dept);
	if (sqlite3_step(s) != SQLITE_DONE)
		goto out;
	sqlite3_finalize(s);
	s = NULL;
	if (sqlite3_prepare_v2(db,
			       "INSERT INTO labels(source, id, task, label, time)"
			       " VALUES ('message', ?1, 'category', ?2, ?3)"
			       " ON CONFLICT(source, id, task) DO UPDATE SET label = excluded.label,"
			       " time = excluded.time",
			       -1, &s, NULL) != SQLITE_OK)
		goto out;
	sqlite3_bind_text(s, 1, id, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, confirmed, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 3, now);
	if (sqlite3_step(s) != SQLITE_DONE)
		goto out;
	json_t *a = json_pack("{s:s,s:s?,s:s?,s:b}", "category", confirmed, "department", dept,
			      "suggested", r.suggested, "corrected",
			      r.suggested && strcmp(r.suggested, confirmed) != 0);
	rc = a ? audit(db, who, addr, "message.categorize", id, a, now) : YQ_ENOMEM;
	json_decref(a);
out:
	sqlite3_finalize(s);
	if (rc == YQ_EDB && !err->len)
		yq_buf_adds(err, sqlite3_errmsg(db));
	row_release(&r);
	rc = yq_txn_end(&t, rc);
	if (rc == YQ_EDB && !err->len)
		yq_buf_adds(err, sqlite3_errmsg(db));
	return rc;
}

int yq_msg_set_reply(struct yq_msg_env *e, sqlite3 *db, const char *id, const char *reply,
		     int64_t reply_time, int64_t now, const char *who, const char *addr,
		     struct yq_buf *err)
{
	struct row r = {0};
	struct yq_txn t;
	int rc;
	if (!reply || !*reply) {
		yq_buf_adds(err, "an empty reply");
		return YQ_EINVAL;
	}
	if ((rc = check_len("reply", reply, YQ_MSG_TEXT_MAX, err)))
		return rc;
	if (yq_txn_begin(db, &t)) {
		yq_buf_adds(err, sqlite3_errmsg(db));
		return YQ_EDB;
	}
	if ((rc = load_row(db, id, &r))) {
		if (rc == YQ_ENOTFOUND)
			yq_buf_printf(err, "no message %s", id);
		goto out;
	}
	if (reply_time < r.time) {
		yq_buf_printf(err, "the reply's time is before the message's (%lld < %lld)",
			      (long long)reply_time, (long long)r.time);
		rc = YQ_EINVAL;
		goto out;
	}
	if ((rc = store_reply(e, db, id, r.title, r.text, r.time, r.deadline, reply, reply_time,
			      1)))
		goto out;
	json_t *a = json_pack("{s:I,s:I}", "reply_time", (json_int_t)reply_time, "reply_bytes",
			      (json_int_t)strlen(reply));
	rc = a ? audit(db, who, addr, r.reply ? "message.reply.update" : "message.reply", id, a,
		       now)
	       : YQ_ENOMEM;
	json_decref(a);
out:
	if (rc == YQ_EDB && !err->len)
		yq_buf_adds(err, sqlite3_errmsg(db));
	row_release(&r);
	rc = yq_txn_end(&t, rc);
	if (rc == YQ_EDB && !err->len)
		yq_buf_adds(err, sqlite3_errmsg(db));
	return rc;
}

/* ---- reading ---- */

#define COLUMNS                                                                              \
	"m.id, m.time, m.title, m.text, m.sender_hash, m.likes, m.dislikes, m.label,"        \
	" m.suggested, m.suggested_prob, m.category, m.category_by, m.department,"          \
	" m.deadline, m.reply, m.reply_time, m.q_relevance, m.q_completeness,"             \
	" m.q_timeliness, c.sender, c.contact"

static json_t *jtext(sqlite3_stmt *s, int i)
{
	const unsigned char *v = sqlite3_column_text(s, i);
	return v ? json_string((const char *)v) : json_null();
}

static json_t *jint(sqlite3_stmt *s, int i)
{
	return sqlite3_column_type(s, i) == SQLITE_NULL
		       ? json_null()
		       : json_integer((json_int_t)sqlite3_column_int64(s, i));
}

static json_t *jreal(sqlite3_stmt *s, int i)
{
	if (sqlite3_column_type(s, i) == SQLITE_NULL)
		return json_null();
	return json_real(round(sqlite3_column_double(s, i) * 10000) / 10000);
}

static json_t *jtime(sqlite3_stmt *s, int i, struct yq_tz *tz)
{
	struct yq_buf b = YQ_BUF_INIT;
	if (sqlite3_column_type(s, i) == SQLITE_NULL)
		return json_null();
	json_t *v = yq_time_format(tz, sqlite3_column_int64(s, i), &b) ? NULL : json_string(b.s);
	yq_buf_release(&b);
	return v;
}

static int email_char(char c)
{
	return isalnum((unsigned char)c) || c == '.' || c == '_' || c == '%' || c == '+' ||
	       c == '-';
}

void yq_msg_mask_contacts(char *s)
{
	size_t n = strlen(s);
	/* e-mail addresses: the ASCII run around an '@' with a dot after it */
	for (size_t i = 0; i < n; i++) {
		if (s[i] != '@')
			continue;
		size_t a = i, b = i + 1;
		while (a > 0 && email_char(s[a - 1]))
			a--;
		while (b < n && email_char(s[b]))
			b++;
		if (a < i && memchr(s + i + 1, '.', b - i - 1))
			for (size_t k = a; k < b; k++)
				s[k] = '*';
	}
	/* phone numbers: runs of 7 or more digits, '-' and ' ' allowed inside */
	for (size_t i = 0; i < n;) {
		if (!isdigit((unsigned char)s[i])) {
			i++;
			continue;
		}
		size_t j = i, digits = 0, last = i;
		while (j < n && (isdigit((unsigned char)s[j]) ||
				 ((s[j] == '-' || s[j] == ' ') && j + 1 < n &&
				  isdigit((unsigned char)s[j + 1])))) {
			if (isdigit((unsigned char)s[j])) {
				digits++;
				last = j;
			}
			j++;
		}
		if (digits >= 7)
			for (size_t k = i; k <= last; k++)
				if (isdigit((unsigned char)s[k]))
					s[k] = '*';
		i = j;
	}
}

/* jtext_masked: column i with yq_msg_mask_contacts applied when mask. */
static json_t *jtext_masked(sqlite3_stmt *s, int i, int mask)
{
	const unsigned char *v = sqlite3_column_text(s, i);
	if (!v || !mask)
		return jtext(s, i);
	char *c = strdup((const char *)v);
	if (!c)
		return NULL;
	yq_msg_mask_contacts(c);
	json_t *j = json_string(c);
	free(c);
	return j;
}

/* row_json: the current row of a COLUMNS statement. */
static json_t *row_json(sqlite3_stmt *s, struct yq_tz *tz, const struct yq_msg_viewer *v,
			int with_reply)
{
	const unsigned char *dept = sqlite3_column_text(s, 12);
	int see = v->all || (v->department && dept && !strcmp(v->department, (const char *)dept));
	json_t *quality = sqlite3_column_type(s, 16) == SQLITE_NULL
				  ? json_null()
				  : json_pack("{s:o,s:o,s:o}", "relevance", jreal(s, 16),
					      "completeness", jreal(s, 17), "timeliness",
					      jreal(s, 18));
	json_t *contact = see ? json_pack("{s:o,s:o}", "sender", jtext(s, 19), "contact",
					  jtext(s, 20))
			      : json_string("redacted");
	json_t *sug = json_pack("{s:o,s:o}", "category", jtext(s, 8), "prob", jreal(s, 9));
	json_t *o = json_pack(
		"{s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o}", "id",
		jtext(s, 0), "time", jtime(s, 1, tz), "title", jtext_masked(s, 2, !see), "text",
		jtext_masked(s, 3, !see),
		"sender_hash", jtext(s, 4), "likes", jint(s, 5), "dislikes", jint(s, 6), "label",
		jtext(s, 7), "suggestion", sug ? sug : json_null(), "category", jtext(s, 10),
		"category_by", jtext(s, 11), "department", jtext(s, 12), "deadline",
		jtime(s, 13, tz), "reply_time", jtime(s, 15, tz), "answered",
		json_boolean(sqlite3_column_type(s, 14) != SQLITE_NULL), "quality",
		quality ? quality : json_null(), "contact", contact ? contact : json_null());
	if (o && with_reply)
		json_object_set_new(o, "reply", jtext(s, 14));
	return o;
}

int yq_msg_get(sqlite3 *db, struct yq_tz *tz, const char *id, const struct yq_msg_viewer *v,
	       json_t **out)
{
	sqlite3_stmt *s = NULL;
	int rc = YQ_EDB;
	*out = NULL;
	if (sqlite3_prepare_v2(db,
			       "SELECT " COLUMNS " FROM messages m LEFT JOIN message_contacts c"
			       " ON c.id = m.id WHERE m.id = ?1",
			       -1, &s, NULL) != SQLITE_OK)
		goto out;
	sqlite3_bind_text(s, 1, id, -1, SQLITE_STATIC);
	int st = sqlite3_step(s);
	if (st == SQLITE_DONE)
		rc = YQ_ENOTFOUND;
	else if (st == SQLITE_ROW)
		rc = (*out = row_json(s, tz, v, 1)) ? YQ_OK : YQ_ENOMEM;
out:
	sqlite3_finalize(s);
	return rc;
}

static void bind_filter(sqlite3_stmt *s, const struct yq_msg_filter *f)
{
	bind_opt_text(s, 1, f->department);
	sqlite3_bind_int(s, 2, f->answered);
	bind_opt_int(s, 3, f->from, f->has_from);
	bind_opt_int(s, 4, f->to, f->has_to);
}

int yq_msg_list(sqlite3 *db, struct yq_tz *tz, const struct yq_msg_filter *f,
		const struct yq_msg_viewer *v, json_t **out)
{
#define WHERE                                                                                \
	" WHERE (?1 IS NULL OR m.department = ?1)"                                          \
	" AND (?2 < 0 OR (?2 = 1) = (m.reply IS NOT NULL))"                                 \
	" AND (?3 IS NULL OR m.time >= ?3) AND (?4 IS NULL OR m.time < ?4)"
	sqlite3_stmt *s = NULL, *c = NULL;
	json_t *arr = NULL;
	int rc = YQ_EDB, st;
	*out = NULL;
	if (f->limit < 1 || f->limit > 1000 || f->offset < 0)
		return YQ_EINVAL;
	if (sqlite3_prepare_v2(db, "SELECT count(*) FROM messages m" WHERE, -1, &c, NULL) !=
		    SQLITE_OK ||
	    sqlite3_prepare_v2(db,
			       "SELECT " COLUMNS " FROM messages m LEFT JOIN message_contacts c"
			       " ON c.id = m.id" WHERE " ORDER BY m.time DESC, m.id LIMIT ?5 OFFSET ?6",
			       -1, &s, NULL) != SQLITE_OK)
		goto out;
#undef WHERE
	bind_filter(c, f);
	bind_filter(s, f);
	sqlite3_bind_int64(s, 5, f->limit);
	sqlite3_bind_int64(s, 6, f->offset);
	if (sqlite3_step(c) != SQLITE_ROW)
		goto out;
	if (!(arr = json_array())) {
		rc = YQ_ENOMEM;
		goto out;
	}
	while ((st = sqlite3_step(s)) == SQLITE_ROW) {
		if (json_array_append_new(arr, row_json(s, tz, v, 0))) {
			rc = YQ_ENOMEM;
			goto out;
		}
	}
	if (st != SQLITE_DONE)
		goto out;
	*out = json_pack("{s:I,s:O}", "total", (json_int_t)sqlite3_column_int64(c, 0),
			 "messages", arr);
	rc = *out ? YQ_OK : YQ_ENOMEM;
out:
	sqlite3_finalize(s);
	sqlite3_finalize(c);
	json_decref(arr);
	return rc;
}

/* ---- statistics ---- */

int yq_msg_period_parse(const char *s, enum yq_msg_period *out)
{
	static const char *const names[] = {"week", "month", "quarter", "all"};
	for (int i = 0; i < 4; i++)
		if (!strcmp(s, names[i])) {
			*out = (enum yq_msg_period)i;
			return YQ_OK;
		}
	return YQ_EINVAL;
}

double yq_msg_quantile(const double *v, size_t n, double q)
{
	if (!n)
		return NAN;
	double pos = q * (double)(n - 1);
	size_t lo = (size_t)floor(pos);
	if (lo + 1 >= n)
		return v[n - 1];
	return v[lo] + (pos - (double)lo) * (v[lo + 1] - v[lo]);
}

/* period_key: the period of Unix time t in tz. */
static void period_key(struct yq_tz *tz, enum yq_msg_period p, int64_t t, char out[32])
{
	struct yq_civil c;
	yq_tz_from_utc(tz, t, &c);
	switch (p) {
	case YQ_MSG_WEEK: { /* ISO 8601 week: the week of its Thursday */
		int64_t days = yq_date_from_ymd(c.year, c.month, c.day);
		int wd = (int)(((days + 3) % 7 + 7) % 7); /* 0 = Monday */
		int64_t thu = days - wd + 3;
		int64_t y = c.year + 1;
		while (yq_date_from_ymd(y, 1, 1) > thu)
			y--;
		int64_t week = (thu - yq_date_from_ymd(y, 1, 1)) / 7 + 1;
		snprintf(out, 32, "%04d-W%02d", (int)y, (int)week);
		break;
	}
	case YQ_MSG_MONTH:
		snprintf(out, 32, "%04d-%02d", c.year, c.month);
		break;
	case YQ_MSG_QUARTER:
		snprintf(out, 32, "%04d-Q%d", c.year, (c.month - 1) / 3 + 1);
		break;
	case YQ_MSG_ALL:
		snprintf(out, 32, "all");
		break;
	}
}

struct srow {
	char period[32];
	const char *dept; /* into names */
	int64_t time, reply_time, deadline;
	int answered;
};

static int cmp_srow(const void *a, const void *b)
{
	const struct srow *x = a, *y = b;
	int c = strcmp(x->period, y->period);
	return c ? c : strcmp(x->dept, y->dept);
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

/* aggregate: one output row over rows[0..n) (handling times in h). */
static void aggregate(const struct srow *rows, size_t n, const char *period, const char *dept,
		      int64_t now, double *h, struct yq_msg_stat *o)
{
	size_t k = 0;
	memset(o, 0, sizeof *o);
	snprintf(o->period, sizeof o->period, "%s", period);
	snprintf(o->department, sizeof o->department, "%s", dept);
	for (size_t i = 0; i < n; i++) {
		o->received++;
		if (rows[i].answered) {
			o->answered++;
			o->on_time += rows[i].reply_time <= rows[i].deadline;
			h[k++] = (double)(rows[i].reply_time - rows[i].time) / 3600.0;
		} else if (rows[i].deadline < now) {
			o->overdue_now++;
		}
	}
	if (k)
		qsort(h, k, sizeof *h, cmp_double);
	o->completion_rate = o->received ? (double)o->answered / (double)o->received : 0;
	o->on_time_rate = o->received ? (double)o->on_time / (double)o->received : 0;
	o->median_hours = yq_msg_quantile(h, k, 0.5);
	o->p90_hours = yq_msg_quantile(h, k, 0.9);
}

int yq_msg_stats(sqlite3 *db, struct yq_tz *tz, enum yq_msg_period period, int64_t from,
		 int has_from, int64_t to, int has_to, int64_t now, struct yq_msg_stat **out,
		 size_t *n)
{
	sqlite3_stmt *s = NULL;
	struct srow *rows = NULL;
	struct yq_msg_stat *res = NULL;
	double *h = NULL;
	char **names = NULL;
	size_t nrows = 0, cap = 0, nnames = 0, nres = 0;
	int rc = YQ_EDB, st;
	*out = NULL;
	*n = 0;
	if (sqlite3_prepare_v2(db,
			       "SELECT time, coalesce(department, ''), reply_time, deadline,"
			       " reply IS NOT NULL FROM messages"
			       " WHERE (?1 IS NULL OR time >= ?1) AND (?2 IS NULL OR time < ?2)"
			       " ORDER BY department",
			       -1, &s, NULL) != SQLITE_OK)
		goto out;
	bind_opt_int(s, 1, from, has_from);
	bind_opt_int(s, 2, to, has_to);
	while ((st = sqlite3_step(s)) == SQLITE_ROW) {
		if (nrows == cap) {
			cap = cap ? 2 * cap : 1024;
			struct srow *nr = realloc(rows, cap * sizeof *nr);
			if (!nr) {
				rc = YQ_ENOMEM;
				goto out;
			}
			rows = nr;
		}
		const char *d = (const char *)sqlite3_column_text(s, 1);
		if (!nnames || strcmp(names[nnames - 1], d)) { /* rows come grouped by department */
			char **nn = realloc(names, (nnames + 1) * sizeof *nn);
			if (!nn) {
				rc = YQ_ENOMEM;
				goto out;
			}
			names = nn;
			if (!(names[nnames] = strdup(d))) {
				rc = YQ_ENOMEM;
				goto out;
			}
			nnames++;
		}
		struct srow *r = &rows[nrows++];
		r->time = sqlite3_column_int64(s, 0);
		r->dept = names[nnames - 1];
		r->reply_time = sqlite3_column_int64(s, 2);
		r->deadline = sqlite3_column_int64(s, 3);
		r->answered = sqlite3_column_int(s, 4) && sqlite3_column_type(s, 2) != SQLITE_NULL;
		period_key(tz, period, r->time, r->period);
	}
	if (st != SQLITE_DONE)
		goto out;
	rc = YQ_ENOMEM;
	if (nrows && !(h = malloc(nrows * sizeof *h)))
		goto out;
	if (nrows)
		qsort(rows, nrows, sizeof *rows, cmp_srow);
	/* at most one row per (period, department) plus one per period */
	size_t maxres = 0;
	for (size_t i = 0; i < nrows; i++)
		maxres += !i || cmp_srow(&rows[i - 1], &rows[i]);
	maxres *= 2;
	if (maxres > STATS_ROWS_MAX) {
		rc = YQ_ETOOBIG;
		goto out;
	}
	if (maxres && !(res = calloc(maxres, sizeof *res)))
		goto out;
	for (size_t i = 0; i < nrows;) {
		size_t j = i; /* [i, j): one period */
		while (j < nrows && !strcmp(rows[j].period, rows[i].period))
			j++;
		for (size_t a = i; a < j;) {
			size_t b = a;
			while (b < j && !strcmp(rows[b].dept, rows[a].dept))
				b++;
			aggregate(rows + a, b - a, rows[a].period, rows[a].dept, now, h, &res[nres++]);
			a = b;
		}
		aggregate(rows + i, j - i, rows[i].period, ALL_DEPTS, now, h, &res[nres++]);
		i = j;
	}
	*out = res;
	*n = nres;
	res = NULL;
	rc = YQ_OK;
out:
	sqlite3_finalize(s);
	for (size_t i = 0; i < nnames; i++)
		free(names[i]);
	free(names);
	free(rows);
	free(h);
	free(res);
	return rc;
}

static json_t *jnum(double v)
{
	return isnan(v) ? json_null() : json_real(round(v * 100) / 100);
}

json_t *yq_msg_stats_json(const struct yq_msg_stat *rows, size_t n)
{
	json_t *arr = json_array();
	for (size_t i = 0; arr && i < n; i++) {
		const struct yq_msg_stat *r = &rows[i];
		json_t *o = json_pack("{s:s,s:s,s:I,s:I,s:I,s:I,s:f,s:f,s:o,s:o}", "period",
				      r->period, "department", r->department, "received",
				      (json_int_t)r->received, "answered", (json_int_t)r->answered,
				      "answered_on_time", (json_int_t)r->on_time, "overdue_now",
				      (json_int_t)r->overdue_now, "completion_rate",
				      round(r->completion_rate * 10000) / 10000, "on_time_rate",
				      round(r->on_time_rate * 10000) / 10000, "median_hours",
				      jnum(r->median_hours), "p90_hours", jnum(r->p90_hours));
		if (!o || json_array_append_new(arr, o)) {
			json_decref(arr);
			return NULL;
		}
	}
	return arr;
}
