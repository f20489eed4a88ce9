/*
 * hot.c — hot issues among citizens' messages (hot.h has the algorithm and
 * the score).
 *
 * Design: all messages of the range are read once in (time, id) order,
 * each reduced to its place anchors (hashed; the strings kept for the
 * output) and its TF-IDF vector; issues keep the sum of their members'
 * vectors (sorted sparse arrays, merged on each join) and the union of
 * their anchors.  Only issues sharing an anchor are compared, so the pass
 * costs about one cosine per message and candidate issue.
 *
 * Invariants: an issue's sum is sorted by hash without repeats, and
 * sum_norm is its Euclidean norm; members are in the order they joined,
 * which is time order.
 */
#include "messages/hot.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "analyze/stopwords.h"
#include "analyze/tfidf.h"
#include "base/error.h"
#include "messages/internal.h"

#define MAX_ANCHORS 8
#define ANCHOR_MAX_BYTES 96
#define TEXT_ANCHOR_BYTES 600
#define KEYWORDS 5

/* Words that end a place phrase (hot.h, step 1). */
static const char *const PLACE_WORDS[] = {
	"小区", "花园", "公寓", "大厦", "广场", "苑", "园", "城", "村", "镇", "乡",
	"街道", "社区", "大道", "路", "街", "巷", "学校", "中学", "小学", "大学", "学院",
	"医院", "市场", "车站", "湖", "桥", "湾", "府", "庭", "片区", "景区", NULL};

/* Words before a place word that are not part of the place's name. */
static const char *const NOT_NAMES[] = {
	"投诉", "反映", "举报", "关于", "咨询", "建议", "请求", "要求", "希望", "我们",
	"我家", "本人", "这个", "那个", "附近", "周边", "旁边", "对面", "整个", "所在",
	"何时", "为何", "是否", "问题", NULL};

static int is_listed(const char *s, size_t n, const char *const *list)
{
	for (size_t i = 0; list[i]; i++)
		if (strlen(list[i]) == n && !memcmp(list[i], s, n))
			return 1;
	return 0;
}

/* Common nouns that end in a place word but name no particular place. */
static const char *const GENERIC[] = {
	"幼儿园", "停车场", "菜市场", "农贸市场", "校园", "公交站", "火车站", "高铁站",
	"卫生院", "派出所", "居委会", "村委会", "小区门口", "小区内", NULL};

/* Leftovers of a pseudonymised district glued to the next word. */
static const char *const ADMIN_CHARS[] = {"省", "市", "区", "县", NULL};

struct hmsg {
	char *id, *title;
	int64_t time, likes;
	struct tvec v;
	uint64_t anchor[MAX_ANCHORS];
	char *anchor_str[MAX_ANCHORS];
	int nanchor;
};

struct issue {
	struct tvec sum;
	double sum_norm;
	uint64_t *anchor;
	size_t nanchor, anchor_cap;
	size_t *member;
	size_t nmember, member_cap;
	int64_t last;
	double score;
	int64_t likes;
	const char *first_id; /* the first member's id (ties of the ranking) */
};

void yq_msg_hot_defaults(struct yq_msg_hot_config *cfg)
{
	memset(cfg, 0, sizeof *cfg);
	cfg->window_days = 30;
	cfg->threshold = 0.35;
	cfg->half_life_days = 30;
	cfg->limit = 10;
	cfg->min_size = 2;
}

static size_t nchars(const char *s, size_t n)
{
	size_t c = 0;
	for (size_t i = 0; i < n; i++)
		c += ((unsigned char)s[i] & 0xC0) != 0x80;
	return c;
}

static int ends_with_place(const char *s, size_t n, size_t *plen)
{
	for (size_t i = 0; PLACE_WORDS[i]; i++) {
		size_t k = strlen(PLACE_WORDS[i]);
		if (k <= n && !memcmp(s + n - k, PLACE_WORDS[i], k)) {
			*plen = k;
			return 1;
		}
	}
	return 0;
}

/* add_anchor: the phrase p[0..n) as an anchor of m (deduplicated). */
static int add_anchor(struct hmsg *m, const char *p, size_t n)
{
	if (n > 3 && is_listed(p, 3, ADMIN_CHARS)) {
		p += 3;
		n -= 3;
	}
	if (nchars(p, n) < 3 || n > ANCHOR_MAX_BYTES || m->nanchor == MAX_ANCHORS ||
	    is_listed(p, n, GENERIC) || (n > 6 && !memcmp(p, "小区", 6)) ||
	    (n >= 6 && !memcmp(p + n - 6, "政府", 6)))
		return YQ_OK;
	uint64_t h = yq_tfidf_hash(p, n);
	for (int i = 0; i < m->nanchor; i++)
		if (m->anchor[i] == h)
			return YQ_OK;
	if (!(m->anchor_str[m->nanchor] = strndup(p, n)))
		return YQ_ENOMEM;
	m->anchor[m->nanchor++] = h;
	return YQ_OK;
}

/* anchors: the place anchors of s[0..n) (hot.h, step 1). */
static int anchors(struct yq_msg_env *e, struct hmsg *m, const char *s, size_t n)
{
	int rc;
	char buf[2 * ANCHOR_MAX_BYTES];
	if ((rc = yq_normalize(e->norm, s, n, &e->nr)) ||
	    (rc = yq_tokenize(e->seg, &e->sw, e->nr.text.s, e->nr.text.len, &e->tok)))
		return rc;
	const char *text = e->nr.text.s;
	for (size_t i = 0; i < e->tok.n; i++) {
		const struct yq_token *t = &e->tok.v[i];
		size_t plen;
		if (t->kind != YQ_TOK_WORD || !ends_with_place(text + t->off, t->len, &plen))
			continue;
		if (t->len == plen || nchars(text + t->off, t->len) <= 2) {
			const struct yq_token *p = i ? &e->tok.v[i - 1] : NULL;
			if (!p || p->kind != YQ_TOK_WORD || p->off + p->len != t->off ||
			    yq_stopword(text + p->off, p->len) ||
			    is_listed(text + p->off, p->len, NOT_NAMES) || p->len + t->len > sizeof buf)
				continue;
			memcpy(buf, text + p->off, p->len + t->len);
			rc = add_anchor(m, buf, p->len + t->len);
		} else {
			rc = add_anchor(m, text + t->off, t->len);
		}
		if (rc)
			return rc;
	}
	return YQ_OK;
}

static int shares_anchor(const struct issue *is, const struct hmsg *m)
{
	for (int a = 0; a < m->nanchor; a++)
		for (size_t k = 0; k < is->nanchor; k++)
			if (is->anchor[k] == m->anchor[a])
				return 1;
	return 0;
}

static double cos_sum(const struct issue *is, const struct tvec *v)
{
	if (is->sum_norm <= 0)
		return 0;
	double s = 0;
	size_t i = 0, j = 0;
	while (i < is->sum.n && j < v->n) {
		if (is->sum.h[i] == v->h[j])
			s += is->sum.w[i++] * v->w[j++];
		else if (is->sum.h[i] < v->h[j])
			i++;
		else
			j++;
	}
	return s / is->sum_norm;
}

/* join: adds message k to issue is. */
static int join(struct issue *is, struct hmsg *msgs, size_t k)
{
	struct hmsg *m = &msgs[k];
	struct tvec nv = {0};
	size_t i = 0, j = 0;
	int rc = YQ_OK;
	while (!rc && (i < is->sum.n || j < m->v.n)) {
		if (j == m->v.n || (i < is->sum.n && is->sum.h[i] < m->v.h[j])) {
			rc = yq_msg_tvec_push(&nv, is->sum.h[i], is->sum.w[i]);
			i++;
		} else if (i == is->sum.n || m->v.h[j] < is->sum.h[i]) {
			rc = yq_msg_tvec_push(&nv, m->v.h[j], m->v.w[j]);
			j++;
		} else {
			rc = yq_msg_tvec_push(&nv, m->v.h[j], is->sum.w[i] + m->v.w[j]);
			i++;
			j++;
		}
	}
	if (rc) {
		yq_msg_tvec_release(&nv);
		return rc;
	}
	yq_msg_tvec_release(&is->sum);
	is->sum = nv;
	double n2 = 0;
	for (size_t x = 0; x < nv.n; x++)
		n2 += nv.w[x] * nv.w[x];
	is->sum_norm = sqrt(n2);
	for (int a = 0; a < m->nanchor; a++) {
		int have = 0;
		for (size_t x = 0; x < is->nanchor && !have; x++)
			have = is->anchor[x] == m->anchor[a];
		if (have)
			continue;
		if (is->nanchor == is->anchor_cap) {
			size_t cap = is->anchor_cap ? 2 * is->anchor_cap : 8;
			uint64_t *na = realloc(is->anchor, cap * sizeof *na);
			if (!na)
				return YQ_ENOMEM;
			is->anchor = na;
			is->anchor_cap = cap;
		}
		is->anchor[is->nanchor++] = m->anchor[a];
	}
	if (is->nmember == is->member_cap) {
		size_t cap = is->member_cap ? 2 * is->member_cap : 4;
		size_t *nm = realloc(is->member, cap * sizeof *nm);
		if (!nm)
			return YQ_ENOMEM;
		is->member = nm;
		is->member_cap = cap;
	}
	is->member[is->nmember++] = k;
	is->last = m->time;
	return YQ_OK;
}

struct kw {
	char *w;
	int n;        /* titles it occurs in */
	size_t last;  /* 1 + the member whose title counted it last */
};

static int cmp_kw(const void *a, const void *b)
{
	const struct kw *x = a, *y = b;
	return x->n != y->n ? (x->n < y->n ? 1 : -1) : strcmp(x->w, y->w);
}

/* keywords: the KEYWORDS content words in most member titles of is, the
 * place and NOT_NAMES out, as a JSON array. */
static int keywords(struct yq_msg_env *e, const struct issue *is, const struct hmsg *msgs,
		    const char *place, json_t **out)
{
	struct kw *kw = NULL;
	size_t nkw = 0, cap = 0;
	int rc = YQ_OK;
	json_t *arr = json_array();
	if (!arr)
		return YQ_ENOMEM;
	for (size_t k = 0; k < is->nmember && !rc; k++) {
		const char *t = msgs[is->member[k]].title;
		if ((rc = yq_normalize(e->norm, t, strlen(t), &e->nr)) ||
		    (rc = yq_tokenize(e->seg, &e->sw, e->nr.text.s, e->nr.text.len, &e->tok)))
			break;
		for (size_t i = 0; i < e->tok.n; i++) {
			const struct yq_token *tk = &e->tok.v[i];
			const char *w = e->nr.text.s + tk->off;
			size_t wl = tk->len;
			if (wl > 3 && is_listed(w, 3, ADMIN_CHARS)) /* 区丽发: a district's leftover */
				w += 3, wl -= 3;
			if (tk->kind != YQ_TOK_WORD || nchars(w, wl) < 2 || yq_stopword(w, wl) ||
			    is_listed(w, wl, NOT_NAMES) || (place && memmem(place, strlen(place), w, wl)))
				continue;
			size_t x;
			for (x = 0; x < nkw; x++)
				if (strlen(kw[x].w) == wl && !memcmp(kw[x].w, w, wl))
					break;
			if (x < nkw) { /* counted once per title */
				if (kw[x].last != k + 1) {
					kw[x].n++;
					kw[x].last = k + 1;
				}
				continue;
			}
			if (nkw == cap) {
				size_t nc = cap ? 2 * cap : 32;
				struct kw *n2 = realloc(kw, nc * sizeof *n2);
				if (!n2) {
					rc = YQ_ENOMEM;
					break;
				}
				kw = n2;
				cap = nc;
			}
			if (!(kw[nkw].w = strndup(w, wl))) {
				rc = YQ_ENOMEM;
				break;
			}
			kw[nkw].n = 1;
			kw[nkw++].last = k + 1;
		}
	}
	if (!rc) {
		if (nkw)
			qsort(kw, nkw, sizeof *kw, cmp_kw);
		for (size_t i = 0; i < nkw && i < KEYWORDS && !rc; i++)
			if (json_array_append_new(arr, json_string(kw[i].w)))
				rc = YQ_ENOMEM;
	}
	for (size_t i = 0; i < nkw; i++)
		free(kw[i].w);
	free(kw);
	if (rc)
		json_decref(arr);
	else
		*out = arr;
	return rc;
}

/* place_of: the anchor string most members of is have. */
static const char *place_of(const struct issue *is, const struct hmsg *msgs)
{
	const char *best = NULL;
	size_t best_n = 0;
	for (size_t a = 0; a < is->nanchor; a++) {
		size_t n = 0;
		const char *str = NULL;
		for (size_t k = 0; k < is->nmember; k++) {
			const struct hmsg *m = &msgs[is->member[k]];
			for (int x = 0; x < m->nanchor; x++)
				if (m->anchor[x] == is->anchor[a]) {
					n++;
					if (!str)
						str = m->anchor_str[x];
				}
		}
		if (str && (n > best_n || (n == best_n && strcmp(str, best) < 0))) {
			best = str;
			best_n = n;
		}
	}
	return best;
}

static int cmp_issue(const void *a, const void *b)
{
	const struct issue *x = *(const struct issue *const *)a, *y = *(const struct issue *const *)b;
	if (x->score != y->score)
		return x->score < y->score ? 1 : -1;
	if (x->nmember != y->nmember)
		return x->nmember < y->nmember ? 1 : -1;
	return strcmp(x->first_id, y->first_id);
}

static json_t *iso(struct yq_tz *tz, int64_t t)
{
	struct yq_buf b = YQ_BUF_INIT;
	json_t *v = yq_time_format(tz, t, &b) ? NULL : json_string(b.s);
	yq_buf_release(&b);
	return v;
}

/* issue_json: the output object of issue is at rank. */
static int issue_json(struct yq_msg_env *e, struct yq_tz *tz, const struct issue *is,
		      const struct hmsg *msgs, int rank, json_t **out)
{
	json_t *kws = NULL, *ms = json_array();
	const char *place = place_of(is, msgs);
	int rc = ms ? keywords(e, is, msgs, place, &kws) : YQ_ENOMEM;
	for (size_t k = 0; !rc && k < is->nmember; k++) {
		const struct hmsg *m = &msgs[is->member[k]];
		if (json_array_append_new(ms, json_pack("{s:s,s:o,s:s,s:I}", "id", m->id, "time",
							iso(tz, m->time), "title", m->title,
							"likes", (json_int_t)m->likes)))
			rc = YQ_ENOMEM;
	}
	if (!rc) {
		*out = json_pack("{s:i,s:f,s:s?,s:O,s:I,s:I,s:o,s:o,s:O}", "rank", rank, "score",
				 round(is->score * 1000) / 1000, "place", place, "keywords", kws,
				 "count", (json_int_t)is->nmember, "likes", (json_int_t)is->likes,
				 "first", iso(tz, msgs[is->member[0]].time), "last",
				 iso(tz, is->last), "messages", ms);
		if (!*out)
			rc = YQ_ENOMEM;
	}
	json_decref(kws);
	json_decref(ms);
	return rc;
}

int yq_msg_hot(struct yq_msg_env *e, sqlite3 *db, struct yq_tz *tz,
	       const struct yq_msg_hot_config *cfg, json_t **out)
{
	sqlite3_stmt *s = NULL;
	struct hmsg *msgs = NULL;
	struct issue *iss = NULL, **rank = NULL;
	size_t nmsg = 0, mcap = 0, niss = 0, nrank = 0;
	struct yq_buf text = YQ_BUF_INIT;
	json_t *arr = NULL;
	int rc = YQ_EINVAL, st;
	*out = NULL;
	if (!(cfg->window_days > 0) || !(cfg->threshold >= 0 && cfg->threshold <= 1) ||
	    !(cfg->half_life_days > 0) || cfg->limit < 1 || cfg->limit > 100 || cfg->min_size < 1)
		goto out;
	rc = YQ_EDB;
	if (sqlite3_prepare_v2(db,
			       "SELECT id, time, coalesce(title, ''), coalesce(text, ''),"
			       " coalesce(likes, 0) FROM messages"
			       " WHERE (?1 IS NULL OR time >= ?1) AND (?2 IS NULL OR time < ?2)"
			       " ORDER BY time, id",
			       -1, &s, NULL) != SQLITE_OK)
		goto out;
	if (cfg->has_from)
		sqlite3_bind_int64(s, 1, cfg->from);
	if (cfg->has_to)
		sqlite3_bind_int64(s, 2, cfg->to);
	while ((st = sqlite3_step(s)) == SQLITE_ROW) {
		if (nmsg == YQ_MSG_HOT_MAX_MESSAGES) {
			rc = YQ_ETOOBIG;
			goto out;
		}
		if (nmsg == mcap) {
			size_t cap = mcap ? 2 * mcap : 1024;
			struct hmsg *nm = realloc(msgs, cap * sizeof *nm);
			if (!nm) {
				rc = YQ_ENOMEM;
				goto out;
			}
			msgs = nm;
			mcap = cap;
		}
		struct hmsg *m = &msgs[nmsg++];
		memset(m, 0, sizeof *m);
		const char *title = (const char *)sqlite3_column_text(s, 2);
		const char *body = (const char *)sqlite3_column_text(s, 3);
		m->id = strdup((const char *)sqlite3_column_text(s, 0));
		m->title = strdup(title);
		m->time = sqlite3_column_int64(s, 1);
		m->likes = sqlite3_column_int64(s, 4);
		if (!m->id || !m->title) {
			rc = YQ_ENOMEM;
			goto out;
		}
		rc = anchors(e, m, title, strlen(title));
		if (!rc && !m->nanchor) {
			size_t n = strlen(body);
			if (n > TEXT_ANCHOR_BYTES) { /* cut at a character boundary */
				n = TEXT_ANCHOR_BYTES;
				while (n && ((unsigned char)body[n] & 0xC0) == 0x80)
					n--;
			}
			rc = anchors(e, m, body, n);
		}
		yq_buf_reset(&text);
		if (!rc && (yq_buf_adds(&text, title) || yq_buf_addc(&text, '\n') ||
			    yq_buf_adds(&text, body)))
			rc = YQ_ENOMEM;
		if (rc || (rc = yq_msg_vectorize(e, text.s, text.len, &m->v)))
			goto out;
		rc = YQ_EDB;
	}
	if (st != SQLITE_DONE)
		goto out;
	rc = YQ_ENOMEM;
	if (nmsg && !(iss = calloc(nmsg, sizeof *iss)))
		goto out;
	double window = cfg->window_days * 86400;
	for (size_t k = 0; k < nmsg; k++) {
		struct hmsg *m = &msgs[k];
		size_t best = niss;
		double best_cos = -1;
		if (m->nanchor)
			for (size_t i = niss; i-- > 0;) {
				if ((double)(m->time - iss[i].last) > window || !shares_anchor(&iss[i], m))
					continue;
				double c = cos_sum(&iss[i], &m->v);
				if (c > best_cos) {
					best_cos = c;
					best = i;
				}
			}
		if (best == niss || best_cos < cfg->threshold)
			best = niss++;
		if ((rc = join(&iss[best], msgs, k)))
			goto out;
	}
	int64_t now = cfg->has_now ? cfg->now : nmsg ? msgs[nmsg - 1].time : 0;
	if (niss && !(rank = malloc(niss * sizeof *rank))) {
		rc = YQ_ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < niss; i++) {
		struct issue *is = &iss[i];
		if (is->nmember < (size_t)cfg->min_size)
			continue;
		for (size_t k = 0; k < is->nmember; k++) {
			const struct hmsg *m = &msgs[is->member[k]];
			double age = (double)(now - m->time) / 86400.0;
			if (age < 0)
				age = 0;
			is->score += (1.0 + log1p((double)(m->likes > 0 ? m->likes : 0))) *
				     exp2(-age / cfg->half_life_days);
			is->likes += m->likes > 0 ? m->likes : 0;
		}
		is->first_id = msgs[is->member[0]].id;
		rank[nrank++] = is;
	}
	if (nrank)
		qsort(rank, nrank, sizeof *rank, cmp_issue);
	if (!(arr = json_array()))
		goto out;
	for (size_t r = 0; r < nrank && r < (size_t)cfg->limit; r++) {
		json_t *o = NULL;
		if ((rc = issue_json(e, tz, rank[r], msgs, (int)r + 1, &o)))
			goto out;
		if (json_array_append_new(arr, o)) {
			rc = YQ_ENOMEM;
			goto out;
		}
	}
	*out = json_pack("{s:o,s:I,s:I,s:O}", "now", nmsg ? iso(tz, now) : json_null(),
			 "messages", (json_int_t)nmsg, "issues_found", (json_int_t)nrank, "issues",
			 arr);
	rc = *out ? YQ_OK : YQ_ENOMEM;
out:
	sqlite3_finalize(s);
	for (size_t k = 0; k < nmsg; k++) {
		free(msgs[k].id);
		free(msgs[k].title);
		yq_msg_tvec_release(&msgs[k].v);
		for (int a = 0; a < msgs[k].nanchor; a++)
			free(msgs[k].anchor_str[a]);
	}
	for (size_t i = 0; i < niss; i++) {
		yq_msg_tvec_release(&iss[i].sum);
		free(iss[i].anchor);
		free(iss[i].member);
	}
	free(msgs);
	free(iss);
	free(rank);
	json_decref(arr);
	yq_buf_release(&text);
	return rc;
}
