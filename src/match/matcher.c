/*
 * matcher.c — one-pass matching of all scheme words (Hyperscan) and the
 * evaluation of each scheme's logic.
 *
 * Build: every word of every compiled scheme is normalized like post text
 * and interned; the distinct normalized words ("patterns") go into one
 * Hyperscan literal database (hs_compile_lit_multi, HS_FLAG_CASELESS, block
 * mode).  Literal matching on bytes is exact for UTF-8: a valid UTF-8
 * pattern can only match valid UTF-8 text at code-point boundaries, and
 * ASCII case folding never touches the bytes of a multi-byte sequence.  A
 * match of a literal ends at `to` and starts at to - len, so start-of-match
 * tracking (HS_FLAG_SOM_LEFTMOST) is not needed.  Each pattern keeps the list
 * of (scheme, group, word) that wrote it (CSR arrays ref0/refs).
 *
 * Match: Hyperscan reports every occurrence of every pattern, overlapping
 * ones included, in one scan of each field (occurrences, "occ").  Each
 * occurrence is expanded into one entry per (scheme, group, word) that holds
 * the pattern ("ex"); sorting the entries by (scheme, group, field, start)
 * puts each scheme's evidence in one run, where the logic is evaluated:
 * every non-empty positive group needs an in-scope entry (near a subject
 * entry when the group has "within"), and an in-scope exclusion entry vetoes
 * the scheme.  Proximity is measured in code points of the normalized text;
 * the code-point index of every byte is computed only when some compiled
 * scheme uses "within".
 *
 * Invariants: occ and ex entries hold byte offsets into the normalized
 * field text, b0 < b1 <= text.len, on code-point boundaries; the offset map
 * of the norm result turns them into original code points when hits are
 * reported.
 */
#include "match/matcher.h"

#include "base/error.h"
#include "base/strmap.h"

#include <hs/hs.h>
#include <stdlib.h>
#include <string.h>

const char *yq_field_name(enum yq_field f)
{
	return f == YQ_FIELD_TITLE ? "title" : "text";
}

/* Character class of an ASCII byte for the word-boundary rule. */
enum { CL_OTHER = 0, CL_ALPHA = 1, CL_DIGIT = 2 };

static unsigned cls(unsigned char c)
{
	if ((c | 0x20) >= 'a' && (c | 0x20) <= 'z')
		return CL_ALPHA;
	if (c >= '0' && c <= '9')
		return CL_DIGIT;
	return CL_OTHER;
}

struct ref {
	uint32_t scheme;
	uint32_t group;
	uint32_t word;
};

struct yq_matcher {
	const struct yq_scheme_set *set;
	hs_database_t *db;  /* NULL when there is no word */
	size_t npat;
	uint32_t *plen;     /* pattern length in bytes */
	uint8_t *pcls;      /* class of first byte | class of last byte << 2 */
	uint32_t *ref0;     /* refs of pattern p: refs[ref0[p] .. ref0[p+1]) */
	struct ref *refs;
	int has_within;     /* some compiled scheme uses proximity */
};

struct occ {
	uint32_t pid, field, b0, b1;
};

struct ex {
	uint32_t scheme, group, field, pid, word;
	uint32_t b0, b1; /* bytes of the normalized field text */
	uint32_t c0, c1; /* code points of the normalized field text (when has_within) */
	uint32_t count;  /* in a report: occurrences of the word in the field */
};

struct yq_match_scratch {
	hs_scratch_t *hs;
	struct occ *occ;
	size_t nocc, occ_cap;
	struct ex *ex;
	size_t nex, ex_cap;
	struct ex *tmp;
	size_t tmp_cap;
	uint32_t *cpo[2]; /* code-point index of each byte of a field */
	size_t cpo_cap[2];
	/* the scan in progress */
	const struct yq_matcher *m;
	const char *text;
	size_t len;
	uint32_t field;
	int truncated;
	int oom;
};

/* ---- building ---- */

void yq_matcher_free(struct yq_matcher *m)
{
	if (!m)
		return;
	hs_free_database(m->db);
	free(m->plen);
	free(m->pcls);
	free(m->ref0);
	free(m->refs);
	free(m);
}

size_t yq_matcher_words(const struct yq_matcher *m)
{
	return m->npat;
}

int yq_matcher_new(const struct yq_scheme_set *set, struct yq_normalizer *nz, unsigned flags,
		   struct yq_matcher **out, struct yq_buf *err)
{
	struct yq_strmap *pats = NULL;
	struct yq_norm_result nr = {0};
	uint32_t *rpid = NULL; /* pattern of each ref, in build order */
	struct ref *rtmp = NULL;
	const char **exprs = NULL;
	size_t *lens = NULL;
	unsigned *ids = NULL, *hflags = NULL;
	hs_compile_error_t *cerr = NULL;
	size_t nref = 0, total = 0;
	int rc = YQ_ENOMEM;
	struct yq_matcher *m = calloc(1, sizeof(*m));
	*out = NULL;
	if (!m)
		goto out;
	m->set = set;
	for (size_t i = 0; i < set->n; i++)
		for (int g = 0; g < YQ_NGROUPS; g++)
			total += set->v[i].g[g].n;
	if ((rc = yq_strmap_new(total + 1, &pats)))
		goto out;
	rc = YQ_ENOMEM;
	if (!(rpid = malloc((total + 1) * sizeof(*rpid))) ||
	    !(rtmp = malloc((total + 1) * sizeof(*rtmp))))
		goto out;
	for (size_t i = 0; i < set->n; i++) {
		const struct yq_scheme *s = &set->v[i];
		if (!s->enabled && !(flags & YQ_MATCHER_ALL))
			continue;
		for (int g = 0; g < YQ_NGROUPS; g++) {
			if (s->g[g].within)
				m->has_within = 1;
			for (size_t w = 0; w < s->g[g].n; w++) {
				const char *word = s->g[g].words[w];
				if ((rc = yq_normalize(nz, word, strlen(word), &nr)))
					goto out;
				if (nr.text.len == 0) {
					yq_buf_reset(err);
					yq_buf_printf(err,
						      "scheme '%s' (line %zu): %s word '%s' is empty "
						      "after normalization",
						      s->id, s->line, yq_group_name(g), word);
					rc = YQ_EFORMAT;
					goto out;
				}
				int64_t pid = yq_strmap_intern(pats, nr.text.s, nr.text.len, NULL);
				if (pid < 0) {
					rc = (int)pid;
					goto out;
				}
				rpid[nref] = (uint32_t)pid;
				rtmp[nref++] = (struct ref){(uint32_t)i, (uint32_t)g, (uint32_t)w};
			}
		}
	}
	m->npat = yq_strmap_count(pats);
	rc = YQ_ENOMEM;
	if (!(m->plen = calloc(m->npat + 1, sizeof(*m->plen))) ||
	    !(m->pcls = calloc(m->npat + 1, 1)) ||
	    !(m->ref0 = calloc(m->npat + 2, sizeof(*m->ref0))) ||
	    !(m->refs = malloc((nref + 1) * sizeof(*m->refs))))
		goto out;
	/* counting sort of the refs by pattern */
	for (size_t r = 0; r < nref; r++)
		m->ref0[rpid[r] + 2]++;
	for (size_t p = 0; p < m->npat; p++)
		m->ref0[p + 2] += m->ref0[p + 1];
	for (size_t r = 0; r < nref; r++)
		m->refs[m->ref0[rpid[r] + 1]++] = rtmp[r];
	rc = YQ_OK;
	if (m->npat == 0)
		goto done;
	rc = YQ_ENOMEM;
	if (!(exprs = malloc(m->npat * sizeof(*exprs))) || !(lens = malloc(m->npat * sizeof(*lens))) ||
	    !(ids = malloc(m->npat * sizeof(*ids))) || !(hflags = malloc(m->npat * sizeof(*hflags))))
		goto out;
	for (size_t p = 0; p < m->npat; p++) {
		size_t n;
		const char *k = yq_strmap_key(pats, (uint32_t)p, &n);
		exprs[p] = k;
		lens[p] = n;
		ids[p] = (unsigned)p;
		hflags[p] = HS_FLAG_CASELESS;
		m->plen[p] = (uint32_t)n;
		m->pcls[p] = (uint8_t)(cls((unsigned char)k[0]) | cls((unsigned char)k[n - 1]) << 2);
	}
	if (hs_compile_lit_multi(exprs, hflags, ids, lens, (unsigned)m->npat, HS_MODE_BLOCK, NULL,
				 &m->db, &cerr) != HS_SUCCESS) {
		yq_buf_reset(err);
		yq_buf_printf(err, "Hyperscan cannot compile the words: %s",
			      cerr && cerr->message ? cerr->message : "unknown error");
		rc = YQ_EINVAL;
		goto out;
	}
done:
	*out = m;
	m = NULL;
	rc = YQ_OK;
out:
	if (rc == YQ_ENOMEM && err) {
		yq_buf_reset(err);
		yq_buf_adds(err, "out of memory compiling the schemes");
	}
	hs_free_compile_error(cerr);
	free(exprs);
	free(lens);
	free(ids);
	free(hflags);
	free(rpid);
	free(rtmp);
	yq_norm_result_release(&nr);
	yq_strmap_free(pats);
	yq_matcher_free(m);
	return rc;
}

/* ---- scratch ---- */

int yq_match_scratch_new(const struct yq_matcher *m, struct yq_match_scratch **out)
{
	struct yq_match_scratch *s = calloc(1, sizeof(*s));
	*out = NULL;
	if (!s)
		return YQ_ENOMEM;
	if (m->db && hs_alloc_scratch(m->db, &s->hs) != HS_SUCCESS) {
		free(s);
		return YQ_ENOMEM;
	}
	*out = s;
	return YQ_OK;
}

void yq_match_scratch_free(struct yq_match_scratch *s)
{
	if (!s)
		return;
	hs_free_scratch(s->hs);
	free(s->occ);
	free(s->ex);
	free(s->tmp);
	free(s->cpo[0]);
	free(s->cpo[1]);
	free(s);
}

void yq_match_result_release(struct yq_match_result *r)
{
	free(r->v);
	free(r->hits);
	memset(r, 0, sizeof(*r));
}

/* Grows *v (element size sz, capacity *cap) to hold need elements. */
static int reserve(void **v, size_t *cap, size_t need, size_t sz)
{
	if (need <= *cap)
		return YQ_OK;
	size_t c = *cap ? *cap : 16;
	while (c < need)
		c *= 2;
	void *n = realloc(*v, c * sz);
	if (!n)
		return YQ_ENOMEM;
	*v = n;
	*cap = c;
	return YQ_OK;
}

/* ---- scanning ---- */

/* Hyperscan callback: one occurrence of pattern id ending at byte `to`.
 * Returns nonzero (stop the scan) when memory runs out or at the cap. */
static int on_match(unsigned int id, unsigned long long from, unsigned long long to,
		    unsigned int flags, void *ctx)
{
	struct yq_match_scratch *s = ctx;
	const struct yq_matcher *m = s->m;
	size_t b1 = (size_t)to, b0 = b1 - m->plen[id];
	unsigned c = m->pcls[id], first = c & 3, last = c >> 2;
	if (first && b0 > 0 && cls((unsigned char)s->text[b0 - 1]) == first)
		return 0;
	if (last && b1 < s->len && cls((unsigned char)s->text[b1]) == last)
		return 0;
	if (s->nocc >= YQ_MATCH_OCC_MAX) {
		s->truncated = 1;
		return 1;
	}
	if (reserve((void **)&s->occ, &s->occ_cap, s->nocc + 1, sizeof(*s->occ))) {
		s->oom = 1;
		return 1;
	}
	s->occ[s->nocc++] = (struct occ){id, s->field, (uint32_t)b0, (uint32_t)b1};
	return 0;
}

static int scan(const struct yq_matcher *m, struct yq_match_scratch *s,
		const struct yq_norm_result *r, uint32_t field)
{
	if (!r || !r->text.len || !m->db || s->truncated)
		return YQ_OK;
	s->m = m;
	s->text = r->text.s;
	s->len = r->text.len;
	s->field = field;
	hs_error_t e = hs_scan(m->db, r->text.s, (unsigned)r->text.len, 0, s->hs, on_match, s);
	if (e == HS_SUCCESS)
		return YQ_OK;
	if (e == HS_SCAN_TERMINATED)
		return s->oom ? YQ_ENOMEM : YQ_OK; /* else truncated at the cap */
	return YQ_EINVAL;
}

/* cpo[field][b]: code points of the normalized text before byte b. */
static int code_points(struct yq_match_scratch *s, const struct yq_norm_result *r, int field)
{
	size_t n = r->text.len;
	if (reserve((void **)&s->cpo[field], &s->cpo_cap[field], n + 1, sizeof(uint32_t)))
		return YQ_ENOMEM;
	uint32_t *c = s->cpo[field], k = 0;
	for (size_t i = 0; i < n; i++) {
		c[i] = k;
		k += ((unsigned char)r->text.s[i] & 0xC0) != 0x80;
	}
	c[n] = k;
	return YQ_OK;
}

/* ---- evaluation ---- */

static int cmp_ex(const void *a, const void *b)
{
	const struct ex *x = a, *y = b;
	if (x->scheme != y->scheme)
		return x->scheme < y->scheme ? -1 : 1;
	if (x->group != y->group)
		return x->group < y->group ? -1 : 1;
	if (x->field != y->field)
		return x->field < y->field ? -1 : 1;
	if (x->b0 != y->b0)
		return x->b0 < y->b0 ? -1 : 1;
	return x->pid < y->pid ? -1 : x->pid > y->pid;
}

/* Order for picking each (field, pattern)'s first occurrence. */
static int cmp_first(const void *a, const void *b)
{
	const struct ex *x = a, *y = b;
	if (x->field != y->field)
		return x->field < y->field ? -1 : 1;
	if (x->pid != y->pid)
		return x->pid < y->pid ? -1 : 1;
	if (x->b0 != y->b0)
		return x->b0 < y->b0 ? -1 : 1;
	return x->group < y->group ? -1 : x->group > y->group;
}

/* Report order: field, start, longer first. */
static int cmp_report(const void *a, const void *b)
{
	const struct ex *x = a, *y = b;
	if (x->field != y->field)
		return x->field < y->field ? -1 : 1;
	if (x->b0 != y->b0)
		return x->b0 < y->b0 ? -1 : 1;
	if (x->b1 != y->b1)
		return x->b1 > y->b1 ? -1 : 1;
	return x->pid < y->pid ? -1 : x->pid > y->pid;
}

static int in_scope(enum yq_scope sc, uint32_t field)
{
	return sc == YQ_SCOPE_ANY || (sc == YQ_SCOPE_TITLE) == (field == YQ_FIELD_TITLE);
}

/* Whether a subject entry in subj[0..n) (sorted by field, b0) in scope sc
 * lies within w code points of h, in h's field. */
static int near_subject(const struct ex *h, const struct ex *subj, size_t n, enum yq_scope sc,
			uint32_t w)
{
	/* first subject entry of h's field with c0 >= h->c0 - w - YQ_SCHEME_WORD_MAX
	 * (no earlier one can reach h: a word spans at most that many code points) */
	uint64_t lo_c = (uint64_t)h->c0 > (uint64_t)w + YQ_SCHEME_WORD_MAX
				? h->c0 - w - YQ_SCHEME_WORD_MAX : 0;
	size_t lo = 0, hi = n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (subj[mid].field < h->field || (subj[mid].field == h->field && subj[mid].c0 < lo_c))
			lo = mid + 1;
		else
			hi = mid;
	}
	for (size_t i = lo; i < n && subj[i].field == h->field; i++) {
		const struct ex *t = &subj[i];
		if ((uint64_t)t->c0 > (uint64_t)h->c1 + w)
			break;
		if (!in_scope(sc, t->field))
			continue;
		uint32_t gap = t->c0 >= h->c1 ? t->c0 - h->c1 : h->c0 >= t->c1 ? h->c0 - t->c1 : 0;
		if (gap <= w)
			return 1;
	}
	return 0;
}

/* Whether group g of s has a qualifying entry in e[gs..ge). */
static int group_hit(const struct yq_scheme *s, int g, const struct ex *e, size_t gs, size_t ge,
		     const struct ex *subj, size_t nsubj)
{
	const struct yq_word_group *wg = &s->g[g];
	for (size_t i = gs; i < ge; i++) {
		if (!in_scope(wg->scope, e[i].field))
			continue;
		if (!wg->within || near_subject(&e[i], subj, nsubj, s->g[YQ_GROUP_SUBJECT].scope,
						wg->within))
			return 1;
	}
	return 0;
}

/* Appends scheme si's report (first occurrence of each (field, word) of its
 * positive groups, in scope) to res. */
static int report(const struct yq_matcher *m, struct yq_match_scratch *s, size_t si,
		  const struct ex *e, size_t n, const struct yq_norm_result *title,
		  const struct yq_norm_result *text, struct yq_match_result *res)
{
	const struct yq_scheme *sc = &m->set->v[si];
	size_t k = 0;
	if (reserve((void **)&s->tmp, &s->tmp_cap, n, sizeof(*s->tmp)))
		return YQ_ENOMEM;
	for (size_t i = 0; i < n; i++)
		if (e[i].group != YQ_GROUP_EXCLUDE && in_scope(sc->g[e[i].group].scope, e[i].field))
			s->tmp[k++] = e[i];
	qsort(s->tmp, k, sizeof(*s->tmp), cmp_first);
	/* keep the head of each (field, pattern) run, with the run's count */
	size_t h = 0;
	for (size_t i = 0; i < k;) {
		size_t j = i + 1;
		while (j < k && s->tmp[j].field == s->tmp[i].field && s->tmp[j].pid == s->tmp[i].pid)
			j++;
		/* several groups may hold the same word: count distinct offsets */
		uint32_t cnt = 1;
		for (size_t t = i + 1; t < j; t++)
			cnt += s->tmp[t].b0 != s->tmp[t - 1].b0;
		s->tmp[h] = s->tmp[i];
		s->tmp[h++].count = cnt;
		i = j;
	}
	qsort(s->tmp, h, sizeof(*s->tmp), cmp_report);
	if (reserve((void **)&res->v, &res->cap, res->n + 1, sizeof(*res->v)) ||
	    reserve((void **)&res->hits, &res->hits_cap, res->nhits + h, sizeof(*res->hits)))
		return YQ_ENOMEM;
	res->v[res->n++] = (struct yq_scheme_match){si, sc, res->nhits, h};
	for (size_t i = 0; i < h; i++) {
		const struct ex *x = &s->tmp[i];
		const uint32_t *map = (x->field == YQ_FIELD_TITLE ? title : text)->map;
		res->hits[res->nhits++] = (struct yq_match_hit){
			sc->g[x->group].words[x->word], (enum yq_group_kind)x->group,
			(enum yq_field)x->field, map[x->b0], map[x->b1], x->count};
	}
	return YQ_OK;
}

int yq_matcher_match(const struct yq_matcher *m, struct yq_match_scratch *s,
		     const struct yq_norm_result *title, const struct yq_norm_result *text,
		     struct yq_match_result *res)
{
	int rc;
	res->n = res->nhits = 0;
	res->truncated = 0;
	s->nocc = s->nex = 0;
	s->truncated = s->oom = 0;
	if ((rc = scan(m, s, title, YQ_FIELD_TITLE)) || (rc = scan(m, s, text, YQ_FIELD_TEXT)))
		return rc;
	res->truncated = s->truncated;
	if (!s->nocc)
		return YQ_OK;
	if (m->has_within && ((title && (rc = code_points(s, title, YQ_FIELD_TITLE))) ||
			      (text && (rc = code_points(s, text, YQ_FIELD_TEXT)))))
		return rc;
	/* expand occurrences into (scheme, group, word) entries */
	for (size_t i = 0; i < s->nocc; i++) {
		const struct occ *o = &s->occ[i];
		uint32_t r0 = m->ref0[o->pid], r1 = m->ref0[o->pid + 1];
		if (reserve((void **)&s->ex, &s->ex_cap, s->nex + (r1 - r0), sizeof(*s->ex)))
			return YQ_ENOMEM;
		for (uint32_t r = r0; r < r1; r++) {
			const struct ref *f = &m->refs[r];
			struct ex *x = &s->ex[s->nex++];
			*x = (struct ex){f->scheme, f->group, o->field, o->pid, f->word,
					 o->b0, o->b1, 0, 0, 0};
			if (m->has_within) {
				x->c0 = s->cpo[o->field][o->b0];
				x->c1 = s->cpo[o->field][o->b1];
			}
		}
	}
	qsort(s->ex, s->nex, sizeof(*s->ex), cmp_ex);
	/* evaluate each scheme's run */
	for (size_t i = 0; i < s->nex;) {
		uint32_t si = s->ex[i].scheme;
		size_t j = i, gs[YQ_NGROUPS], ge[YQ_NGROUPS];
		for (int g = 0; g < YQ_NGROUPS; g++) {
			gs[g] = j;
			while (j < s->nex && s->ex[j].scheme == si && s->ex[j].group == (uint32_t)g)
				j++;
			ge[g] = j;
		}
		const struct yq_scheme *sc = &m->set->v[si];
		const struct ex *subj = &s->ex[gs[YQ_GROUP_SUBJECT]];
		size_t nsubj = ge[YQ_GROUP_SUBJECT] - gs[YQ_GROUP_SUBJECT];
		int ok = 1;
		for (int g = YQ_GROUP_REGION; g <= YQ_GROUP_EVENT && ok; g++)
			ok = !sc->g[g].n || group_hit(sc, g, s->ex, gs[g], ge[g], subj, nsubj);
		if (ok && group_hit(sc, YQ_GROUP_EXCLUDE, s->ex, gs[YQ_GROUP_EXCLUDE],
				    ge[YQ_GROUP_EXCLUDE], subj, nsubj))
			ok = 0;
		if (ok && (rc = report(m, s, si, &s->ex[i], j - i, title, text, res)))
			return rc;
		i = j;
	}
	return YQ_OK;
}
