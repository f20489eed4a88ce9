/*
 * cluster.c — single-pass TF-IDF event clustering; see cluster.h for the
 * algorithm and its sources.
 *
 * Data structures:
 *   terms     string → term id (base/strmap.h)
 *   postings  per term id, the indices of events indexed under it, in the
 *             order they were added (most recent last); a full posting of
 *             2 × SCAN_PER_TERM entries is cut to its newest SCAN_PER_TERM
 *             live ones (a scan reads no further); entries of closed
 *             events are dropped when a scan meets many of them, and all
 *             postings are swept at a flush once the entries of closed
 *             events may outnumber the live ones (so the index holds
 *             about the open events' entries, not every event's ever)
 *   events    per event index (id − first_id) a struct yq_event*, NULL once
 *             freed; open events are also listed in `open`
 *   centroid  per event, an open-addressing table term id → weight that
 *             starts at CENT_MIN slots (most events stay small: a singleton
 *             needs 16 terms) and doubles at half load up to CENT_CAP, where
 *             it is pruned to the YQ_CLUSTER_EVENT_TERMS heaviest terms when
 *             it passes CENT_PRUNE entries; the top bit of a key marks a
 *             term under which the event is indexed
 * Invariant: an open event's centroid norm2 is the sum of its weights
 * squared (kept incrementally, recomputed after pruning).
 */
#include "detect/cluster.h"
#include "base/error.h"
#include "base/strmap.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define CENT_MIN 32
#define CENT_CAP 256
#define CENT_PRUNE 112
#define INDEX_TERMS 8      /* a post's heaviest terms used for lookup and indexing */
#define SCAN_PER_TERM 64   /* most recent events scanned per term */
#define EXACT_CANDIDATES 4 /* candidates whose exact cosine is computed */
#define IDX_BIT 0x80000000u
#define LINK_SIZE 2000.0   /* linking two events needs link_threshold ×
			    * (1 + the smaller one's size / LINK_SIZE) */
#define SWEEP_MIN 65536    /* dead posting entries before a sweep is considered */

struct centroid {
	uint32_t cap;  /* slots, a power of two, CENT_MIN .. CENT_CAP */
	uint32_t n;
	double norm2;
	uint32_t *key; /* cap keys: term id + 1 | IDX_BIT; 0 = empty */
	float *w;      /* cap weights */
};

/* A posting: an event indexed under a term, with the term's weight in the
 * event's normalized centroid when it was indexed (a stale estimate, used
 * only to rank candidates before the exact cosine). */
struct pentry {
	uint32_t ev;
	float w;
};

struct posting {
	struct pentry *v;
	uint32_t n, cap;
};

struct yq_cluster {
	struct yq_cluster_config cfg;
	int64_t first_id;
	struct yq_strmap *terms;
	struct posting *post;
	size_t npost;
	struct yq_event **ev;
	uint8_t *alive;      /* per event index: 1 while open (scanned without
			      * touching the event itself) */
	size_t nev, evcap;
	uint32_t *open;
	size_t nopen, opencap;
	uint32_t *dirty;
	size_t ndirty, dirtycap;
	uint32_t *link;      /* per event index: the index it was merged into,
			      * itself if none (union-find parent) */
	uint64_t entries;    /* posting entries held, live and dead */
	uint64_t dead;       /* of which (an estimate) of events no longer open */
	uint64_t candidates, merged;
};

void yq_cluster_config_default(struct yq_cluster_config *c)
{
	c->threshold = 0.1;
	c->link_threshold = 0.12;
	c->bucket = 3600;
	c->close_after = 72 * 3600;
	yq_burst_config_default(&c->burst);
}

int yq_cluster_new(const struct yq_cluster_config *cfg, int64_t first_id, struct yq_cluster **out)
{
	struct yq_cluster *c = calloc(1, sizeof(*c));
	if (!c)
		return YQ_ENOMEM;
	c->cfg = *cfg;
	if (c->cfg.bucket <= 0)
		c->cfg.bucket = 3600;
	c->first_id = first_id > 0 ? first_id : 1;
	if (yq_strmap_new(8u << 20, &c->terms)) {
		free(c);
		return YQ_ENOMEM;
	}
	*out = c;
	return YQ_OK;
}

static void event_free(struct yq_event *e)
{
	if (!e)
		return;
	free(e->title);
	free(e->title_post);
	free(e->first_post);
	free(e->timeline);
	free(e->schemes);
	free(e->places);
	if (e->priv)
		free(((struct centroid *)e->priv)->key);
	free(e->priv);
	free(e);
}

void yq_cluster_free(struct yq_cluster *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < c->nev; i++)
		event_free(c->ev[i]);
	for (size_t i = 0; i < c->npost; i++)
		free(c->post[i].v);
	free(c->post);
	free(c->ev);
	free(c->alive);
	free(c->link);
	free(c->open);
	free(c->dirty);
	yq_strmap_free(c->terms);
	free(c);
}

static int push_u32(uint32_t **v, size_t *n, size_t *cap, uint32_t x)
{
	if (*n == *cap) {
		size_t nc = *cap ? *cap * 2 : 64;
		uint32_t *p = realloc(*v, nc * sizeof(*p));
		if (!p)
			return YQ_ENOMEM;
		*v = p;
		*cap = nc;
	}
	(*v)[(*n)++] = x;
	return YQ_OK;
}

/* ---- centroid ---- */

static uint32_t slot_of(const struct centroid *ce, uint32_t tid, int *found)
{
	uint32_t k = tid + 1;
	uint32_t mask = ce->cap - 1;
	uint32_t i = (k * 2654435761u) & mask;
	for (;;) {
		uint32_t key = ce->key[i] & ~IDX_BIT;
		if (!key) {
			*found = 0;
			return i;
		}
		if (key == k) {
			*found = 1;
			return i;
		}
		i = (i + 1) & mask;
	}
}

static float cent_get(const struct centroid *ce, uint32_t tid)
{
	int f;
	uint32_t i = slot_of(ce, tid, &f);
	return f ? ce->w[i] : 0.0f;
}

struct kw {
	uint32_t key;
	float w;
};

/* sort_kw_desc: a stable sort of v[0..n) by weight, heaviest first (equal
 * weights keep their order: the order glibc's qsort, a merge sort, gave
 * here before, which the table layouts built from it depend on); a
 * bottom-up merge sort through tmp (n entries), inlined comparisons.
 * n <= CENT_CAP. */
static void sort_kw_desc(struct kw *v, struct kw *tmp, size_t n)
{
	struct kw *src = v, *dst = tmp;
	for (size_t run = 1; run < n; run *= 2) {
		for (size_t lo = 0; lo < n; lo += 2 * run) {
			size_t mid = lo + run < n ? lo + run : n;
			size_t hi = lo + 2 * run < n ? lo + 2 * run : n;
			size_t i = lo, j = mid, o = lo;
			while (i < mid && j < hi) {
				int right = src[i].w < src[j].w; /* ties to the left run */
				dst[o++] = right ? src[j] : src[i];
				j += right;
				i += !right;
			}
			while (i < mid)
				dst[o++] = src[i++];
			while (j < hi)
				dst[o++] = src[j++];
		}
		struct kw *t = src;
		src = dst;
		dst = t;
	}
	if (src != v)
		memcpy(v, src, n * sizeof(*v));
}

/* top_kw: moves the k heaviest of all[0..n) to all[0..min(n, k)), heaviest
 * first, equal weights in their order in all: what sort_kw_desc puts
 * first, in O(n·k) instead of sorting every centroid term.  Returns
 * min(n, k). */
static size_t top_kw(struct kw *all, size_t n, size_t k)
{
	size_t m = 0; /* all[0..m) holds the best so far; m <= i */
	for (size_t i = 0; i < n; i++) {
		struct kw x = all[i];
		size_t pos = m;
		while (pos > 0 && all[pos - 1].w < x.w)
			pos--;
		if (pos >= k)
			continue;
		size_t last = m < k ? m : k - 1;
		memmove(all + pos + 1, all + pos, (last - pos) * sizeof(*all));
		all[pos] = x;
		if (m < k)
			m++;
	}
	return m;
}

/* cent_rebuild: re-inserts the `keep` heaviest entries (all, if keep is
 * larger) into a table of cap slots, in slot order, or heaviest first
 * (equal weights in slot order) when some are dropped: the insertion order
 * decides where linear probing puts them, and with it the order in which
 * sums over the table add up, so it is part of the results.  A table that
 * keeps its size is rebuilt in place.  0 or YQ_ENOMEM (ce unchanged). */
static int cent_rebuild(struct centroid *ce, uint32_t cap, size_t keep)
{
	struct kw all[CENT_CAP], tmp[CENT_CAP];
	size_t n = 0;
	for (size_t i = 0; i < ce->cap; i++)
		if (ce->key[i])
			all[n++] = (struct kw){ce->key[i], ce->w[i]};
	if (n > keep) {
		sort_kw_desc(all, tmp, n);
		n = keep;
	}
	if (cap == ce->cap) {
		memset(ce->key, 0, cap * (sizeof(*ce->key) + sizeof(float)));
	} else {
		uint32_t *key = calloc(cap, sizeof(*key) + sizeof(float));
		if (!key)
			return YQ_ENOMEM;
		free(ce->key);
		ce->key = key;
		ce->w = (float *)(key + cap);
		ce->cap = cap;
	}
	ce->n = 0;
	ce->norm2 = 0;
	for (size_t j = 0; j < n; j++) {
		int f;
		uint32_t i = slot_of(ce, (all[j].key & ~IDX_BIT) - 1, &f);
		ce->key[i] = all[j].key;
		ce->w[i] = all[j].w;
		ce->n++;
		ce->norm2 += (double)all[j].w * all[j].w;
	}
	return YQ_OK;
}

/* cent_add: adds weight w to term tid; returns the slot, or -1 when out of
 * memory. */
static int64_t cent_add(struct centroid *ce, uint32_t tid, float w)
{
	int f;
	uint32_t i = slot_of(ce, tid, &f);
	if (!f) {
		int rc = 0;
		if (ce->cap < CENT_CAP && (ce->n + 1) * 2 > ce->cap)
			rc = cent_rebuild(ce, ce->cap * 2, CENT_CAP);
		else if (ce->n >= CENT_PRUNE)
			rc = cent_rebuild(ce, CENT_CAP, YQ_CLUSTER_EVENT_TERMS);
		if (rc)
			return -1;
		i = slot_of(ce, tid, &f);
		ce->key[i] = tid + 1;
		ce->w[i] = 0;
		ce->n++;
	}
	double old = ce->w[i];
	ce->w[i] += w;
	ce->norm2 += (double)ce->w[i] * ce->w[i] - old * old;
	return i;
}

/* ---- events ---- */

static void mark_dirty(struct yq_cluster *c, struct yq_event *e)
{
	if (!e->dirty && push_u32(&c->dirty, &c->ndirty, &c->dirtycap, e->idx) == 0)
		e->dirty = 1;
}

/* find: the surviving event index of idx (union-find with path halving). */
static uint32_t find(struct yq_cluster *c, uint32_t idx)
{
	while (c->link[idx] != idx) {
		c->link[idx] = c->link[c->link[idx]];
		idx = c->link[idx];
	}
	return idx;
}

static struct yq_event *event_at(struct yq_cluster *c, int64_t id)
{
	int64_t idx = id - c->first_id;
	if (idx < 0 || (size_t)idx >= c->nev)
		return NULL;
	return c->ev[find(c, (uint32_t)idx)];
}

int64_t yq_cluster_resolve(struct yq_cluster *c, int64_t id)
{
	int64_t idx = id - c->first_id;
	if (idx < 0 || (size_t)idx >= c->nev)
		return id;
	return c->first_id + find(c, (uint32_t)idx);
}

static struct yq_event *event_new(struct yq_cluster *c, int64_t time, const char *post_id)
{
	struct yq_event *e = calloc(1, sizeof(*e));
	if (!e)
		return NULL;
	struct centroid *ce = calloc(1, sizeof(*ce));
	e->priv = ce;
	e->first_post = strdup(post_id ? post_id : "");
	if (!ce || !e->first_post || cent_rebuild(ce, CENT_MIN, 0))
		goto fail;
	if (c->nev == c->evcap) {
		size_t nc = c->evcap ? c->evcap * 2 : 1024;
		struct yq_event **p = realloc(c->ev, nc * sizeof(*p));
		if (!p)
			goto fail;
		c->ev = p;
		uint8_t *al = realloc(c->alive, nc);
		if (!al)
			goto fail;
		c->alive = al;
		uint32_t *ln = realloc(c->link, nc * sizeof(*ln));
		if (!ln)
			goto fail;
		c->link = ln;
		c->evcap = nc;
	}
	if (push_u32(&c->open, &c->nopen, &c->opencap, (uint32_t)c->nev))
		goto fail;
	e->idx = (uint32_t)c->nev;
	e->id = c->first_id + (int64_t)c->nev;
	e->first_seen = e->last_seen = time;
	e->title_score = -1;
	yq_burst_init(&e->burst);
	c->alive[c->nev] = 1;
	c->link[c->nev] = (uint32_t)c->nev;
	c->ev[c->nev++] = e;
	return e;
fail:
	event_free(e);
	return NULL;
}

static int timeline_add(struct yq_event *e, int64_t bucket)
{
	if (e->ntimeline && e->timeline[e->ntimeline - 1].bucket >= bucket) {
		/* same bucket, or an out-of-order post: count it in the last one */
		e->timeline[e->ntimeline - 1].count++;
		return YQ_OK;
	}
	if (e->ntimeline == YQ_CLUSTER_TIMELINE_MAX) {
		memmove(e->timeline, e->timeline + 1, (e->ntimeline - 1) * sizeof(*e->timeline));
		e->ntimeline--;
	}
	if (e->ntimeline == e->tlcap) {
		size_t nc = e->tlcap ? e->tlcap * 2 : 4;
		struct yq_tl_point *p = realloc(e->timeline, nc * sizeof(*p));
		if (!p)
			return YQ_ENOMEM;
		e->timeline = p;
		e->tlcap = nc;
	}
	e->timeline[e->ntimeline++] = (struct yq_tl_point){bucket, 1, 0};
	return YQ_OK;
}

static int64_t bucket_of(const struct yq_cluster *c, int64_t t)
{
	/* floor division; -(t + 1) cannot overflow, even for INT64_MIN */
	return t >= 0 ? t / c->cfg.bucket : -(-(t + 1) / c->cfg.bucket) - 1;
}

/* ---- assignment ---- */

struct pterm {
	uint32_t tid;
	float w;
};

static int posting_reserve(struct yq_cluster *c, uint32_t tid)
{
	if (tid < c->npost)
		return YQ_OK;
	size_t nc = c->npost ? c->npost : 4096;
	while (nc <= tid)
		nc *= 2;
	struct posting *p = realloc(c->post, nc * sizeof(*p));
	if (!p)
		return YQ_ENOMEM;
	memset(p + c->npost, 0, (nc - c->npost) * sizeof(*p));
	c->post = p;
	c->npost = nc;
	return YQ_OK;
}

static void posting_compact(struct yq_cluster *c, struct posting *p)
{
	uint32_t k = 0;
	for (uint32_t i = 0; i < p->n; i++)
		if (c->alive[p->v[i].ev])
			p->v[k++] = p->v[i];
	c->entries -= p->n - k;
	c->dead -= p->n - k < c->dead ? p->n - k : c->dead;
	p->n = k;
}

/* posting_trim: keeps the newest SCAN_PER_TERM entries of open events, in
 * order: rank() reads no further while they stay open (when some close
 * later, the older events they hid are no longer found under this term). */
static void posting_trim(struct yq_cluster *c, struct posting *p)
{
	uint32_t keep = 0, i = p->n, dead = 0;
	while (i > 0 && keep < SCAN_PER_TERM) {
		if (c->alive[p->v[--i].ev])
			keep++;
		else
			dead++;
	}
	for (uint32_t j = 0; j < i; j++)
		dead += !c->alive[p->v[j].ev];
	uint32_t k = 0;
	for (uint32_t j = i; j < p->n; j++)
		if (c->alive[p->v[j].ev])
			p->v[k++] = p->v[j];
	c->entries -= p->n - k;
	c->dead -= dead < c->dead ? dead : c->dead;
	p->n = k;
}

/* index_dead: the entries of event e, which stopped being open, are dead
 * (counted for the sweep). */
static void index_dead(struct yq_cluster *c, const struct yq_event *e)
{
	const struct centroid *ce = e->priv;
	for (uint32_t i = 0; i < ce->cap; i++)
		if (ce->key[i] & IDX_BIT)
			c->dead++;
}

/* index_sweep: drops the entries of closed events from every posting and
 * gives back the room of postings that shrank to a quarter of their
 * capacity (a realloc that fails keeps the larger block). */
static void index_sweep(struct yq_cluster *c)
{
	for (size_t t = 0; t < c->npost; t++) {
		struct posting *p = &c->post[t];
		if (!p->cap)
			continue;
		posting_compact(c, p);
		if (!p->n) {
			free(p->v);
			*p = (struct posting){0};
		} else if (p->n * 4 <= p->cap && p->cap > 4) {
			uint32_t nc = p->n * 2 > 4 ? p->n * 2 : 4;
			struct pentry *v = realloc(p->v, nc * sizeof(*v));
			if (v) {
				p->v = v;
				p->cap = nc;
			}
		}
	}
	c->dead = 0;
}

/* index_add: indexes event e under the term of its centroid slot s, unless
 * it is already.  0 or YQ_ENOMEM. */
static int index_add(struct yq_cluster *c, struct yq_event *e, uint32_t s)
{
	struct centroid *ce = e->priv;
	if (ce->key[s] & IDX_BIT)
		return YQ_OK;
	uint32_t tid = (ce->key[s] & ~IDX_BIT) - 1;
	if (posting_reserve(c, tid))
		return YQ_ENOMEM;
	struct posting *p = &c->post[tid];
	if (p->n == p->cap && p->cap >= 2 * SCAN_PER_TERM)
		posting_trim(c, p); /* a posting holds at most 2 × SCAN_PER_TERM */
	if (p->n == p->cap) {
		uint32_t nc = p->cap ? p->cap * 2 : 4;
		struct pentry *v = realloc(p->v, nc * sizeof(*v));
		if (!v)
			return YQ_ENOMEM;
		p->v = v;
		p->cap = nc;
	}
	p->v[p->n++] = (struct pentry){e->idx, (float)(ce->w[s] / sqrt(ce->norm2))};
	c->entries++;
	ce->key[s] |= IDX_BIT;
	return YQ_OK;
}

#define MET_MAX (INDEX_TERMS * SCAN_PER_TERM) /* events a scan can meet */
#define MET_SLOTS (2 * MET_MAX)                 /* its hash table, half full at most */
_Static_assert(MET_SLOTS == 1 << 10, "rank() hashes to 10 bits");

/* rank: the open events (other than skip) indexed under the heaviest of
 * pt[0..k) (normalized, heaviest first), ranked by the partial dot product
 * their postings give; writes the best EXACT_CANDIDATES indices to topi and
 * returns how many.  Equal scores rank in the order the scan first met the
 * events (postings in pt's order, newest entry first).  One pass over the
 * postings sums each event's score, in scan order, in a small table on the
 * stack (event index → its place in the list of events met), then the
 * list is ranked. */
static size_t rank(struct yq_cluster *c, const struct pterm *pt, size_t k, uint32_t skip,
		   uint32_t *topi)
{
	uint32_t met[MET_MAX];
	float msc[MET_MAX];
	uint16_t slot[MET_SLOTS]; /* 1 + place in met; 0: empty */
	size_t nmet = 0;
	float tops[EXACT_CANDIDATES];
	size_t ntop = 0;
	memset(slot, 0, sizeof slot);
	/* speed only: the postings' heads, then the ends of their lists (the
	 * entries scanned), are prefetched for all terms first, so that their
	 * cache misses overlap */
	size_t kk = k < INDEX_TERMS ? k : INDEX_TERMS;
	for (size_t i = 0; i < kk; i++)
		__builtin_prefetch(&c->post[pt[i].tid]);
	for (size_t i = 0; i < kk; i++) {
		const struct posting *p = &c->post[pt[i].tid];
		for (uint32_t j = p->n, m = 0; j > 0 && m < SCAN_PER_TERM; j -= j < 8 ? j : 8, m += 8)
			__builtin_prefetch(&p->v[j - 1]);
	}
	for (size_t i = 0; i < kk; i++) {
		struct posting *p = &c->post[pt[i].tid];
		uint32_t dead = 0, seen = 0;
		for (uint32_t j = p->n; j-- > 0 && seen < SCAN_PER_TERM;) {
			uint32_t ev = p->v[j].ev;
			if (!c->alive[ev]) {
				dead++;
				continue;
			}
			seen++;
			uint32_t h = (ev * 2654435761u) >> (32 - 10); /* 10 = log2(MET_SLOTS) */
			while (slot[h] && met[slot[h] - 1] != ev)
				h = (h + 1) & (MET_SLOTS - 1);
			if (!slot[h]) {
				met[nmet] = ev;
				msc[nmet] = 0;
				slot[h] = (uint16_t)++nmet;
			}
			msc[slot[h] - 1] += pt[i].w * p->v[j].w;
		}
		if (dead > SCAN_PER_TERM / 2)
			posting_compact(c, p);
	}
	/* the best partial scores, ties to the event met first */
	for (size_t m = 0; m < nmet; m++) {
		uint32_t ev = met[m];
		if (ev == skip)
			continue;
		float sc = msc[m];
		size_t pos = ntop;
		while (pos > 0 && tops[pos - 1] < sc)
			pos--;
		if (pos >= EXACT_CANDIDATES)
			continue;
		size_t last = ntop < EXACT_CANDIDATES ? ntop : EXACT_CANDIDATES - 1;
		memmove(tops + pos + 1, tops + pos, (last - pos) * sizeof(*tops));
		memmove(topi + pos + 1, topi + pos, (last - pos) * sizeof(*topi));
		tops[pos] = sc;
		topi[pos] = ev;
		if (ntop < EXACT_CANDIDATES)
			ntop++;
	}
	return ntop;
}

/* prefetch_centroids: speed only: the centroids of events ev[0..n), then
 * their slots where the terms pt[0..k) start probing, are prefetched, a
 * step at a time for all of them, so that the cache misses of the exact
 * cosines that follow overlap (inlined: GCC takes a function that only
 * prefetches for a pure one and drops its calls). */
static inline __attribute__((always_inline)) void
prefetch_centroids(const struct yq_cluster *c, const uint32_t *ev, size_t n, const struct pterm *pt,
		   size_t k)
{
	for (size_t j = 0; j < n; j++)
		__builtin_prefetch(&c->ev[ev[j]]->priv);
	for (size_t j = 0; j < n; j++)
		__builtin_prefetch(c->ev[ev[j]]->priv);
	for (size_t j = 0; j < n; j++) {
		const struct centroid *ce = c->ev[ev[j]]->priv;
		uint32_t mask = ce->cap - 1;
		for (size_t i = 0; i < k; i++) {
			uint32_t h = ((pt[i].tid + 1) * 2654435761u) & mask;
			__builtin_prefetch(&ce->key[h]);
			__builtin_prefetch(&ce->w[h]);
		}
	}
}

int yq_cluster_add(struct yq_cluster *c, const struct yq_cterm *terms, size_t n, int64_t time,
		   int64_t join_event, const char *post_id, const char *text, double title_weight,
		   struct yq_cluster_hit *hit)
{
	struct yq_cterm top[YQ_CLUSTER_POST_TERMS];
	struct pterm pt[YQ_CLUSTER_POST_TERMS];
	size_t k = 0;
	memset(hit, 0, sizeof(*hit));

	/* the post's heaviest terms (top-K by insertion), normalized */
	for (size_t i = 0; i < n; i++) {
		if (!(terms[i].w > 0))
			continue;
		size_t pos = k;
		while (pos > 0 && top[pos - 1].w < terms[i].w)
			pos--;
		if (pos >= YQ_CLUSTER_POST_TERMS)
			continue;
		size_t last = k < YQ_CLUSTER_POST_TERMS ? k : YQ_CLUSTER_POST_TERMS - 1;
		memmove(top + pos + 1, top + pos, (last - pos) * sizeof(*top));
		top[pos] = terms[i];
		if (k < YQ_CLUSTER_POST_TERMS)
			k++;
	}
	double norm2 = 0;
	for (size_t i = 0; i < k; i++)
		norm2 += (double)top[i].w * top[i].w;
	double inv = norm2 > 0 ? 1.0 / sqrt(norm2) : 0;
	for (size_t i = 0; i < k; i++) {
		int64_t tid = yq_strmap_intern(c->terms, top[i].s, top[i].len, NULL);
		if (tid < 0)
			return tid == YQ_ETOOBIG ? YQ_ENOMEM : (int)tid;
		if (posting_reserve(c, (uint32_t)tid))
			return YQ_ENOMEM;
		pt[i] = (struct pterm){(uint32_t)tid, (float)(top[i].w * inv)};
	}

	struct yq_event *best = NULL;
	double best_sim = 0;
	if (join_event > 0) {
		struct yq_event *e = event_at(c, join_event);
		if (e && !e->closed) {
			best = e;
			struct centroid *ce = e->priv;
			double dot = 0;
			for (size_t i = 0; i < k; i++)
				dot += pt[i].w * cent_get(ce, pt[i].tid);
			best_sim = ce->norm2 > 0 ? dot / sqrt(ce->norm2) : 0;
		}
	}
	if (!best && k == 0)
		return YQ_OK;
	if (!best) {
		/* candidates: recent events indexed under the post's heaviest
		 * terms, ranked by the partial dot product their postings give;
		 * the exact cosine is computed for the best few only */
		uint32_t topi[EXACT_CANDIDATES];
		size_t ntop = rank(c, pt, k, UINT32_MAX, topi);
		c->candidates += ntop;
		prefetch_centroids(c, topi, ntop, pt, k);
		for (size_t j = 0; j < ntop; j++) {
			struct yq_event *e = c->ev[topi[j]];
			struct centroid *ce = e->priv;
			if (ce->norm2 <= 0)
				continue;
			double dot = 0;
			for (size_t i = 0; i < k; i++)
				dot += pt[i].w * cent_get(ce, pt[i].tid);
			double sim = dot / sqrt(ce->norm2);
			if (sim > best_sim || (sim == best_sim && best && e->id > best->id)) {
				best_sim = sim;
				best = e;
			}
		}
		if (best && best_sim < c->cfg.threshold)
			best = NULL;
	}
	if (!best) {
		best = event_new(c, time, post_id);
		if (!best)
			return YQ_ENOMEM;
		hit->is_new = 1;
		best_sim = 0;
	}

	/* join: centroid, index, title, timeline, burst */
	struct centroid *ce = best->priv;
	for (size_t i = 0; i < k; i++) {
		int64_t s = cent_add(ce, pt[i].tid, pt[i].w);
		if (s < 0)
			return YQ_ENOMEM;
		if (i < INDEX_TERMS && index_add(c, best, (uint32_t)s))
			return YQ_ENOMEM;
	}
	double tscore = title_weight * (hit->is_new ? 1.0 : best_sim);
	if (text && (!best->title || (title_weight > 0 && tscore > best->title_score))) {
		char *t = strdup(text), *pid = strdup(post_id ? post_id : "");
		if (!t || !pid) {
			free(t);
			free(pid);
			return YQ_ENOMEM;
		}
		free(best->title);
		free(best->title_post);
		best->title = t;
		best->title_post = pid;
		best->title_score = tscore;
	}
	best->size++;
	if (time > best->last_seen)
		best->last_seen = time;
	if (time < best->first_seen)
		best->first_seen = time;
	int64_t bucket = bucket_of(c, time);
	if (timeline_add(best, bucket))
		return YQ_ENOMEM;
	yq_burst_add(&best->burst, &c->cfg.burst, bucket);
	hit->level = yq_burst_check(&best->burst, &c->cfg.burst, &hit->z);
	if (hit->level > best->max_level) {
		hit->level_rose = 1;
		best->max_level = hit->level;
	}
	mark_dirty(c, best);
	hit->event = best;
	hit->sim = best_sim;
	return YQ_OK;
}

/* ---- story linking ---- */

/* timeline_merge: dst's timeline becomes the bucket-wise sum of both (the
 * newest YQ_CLUSTER_TIMELINE_MAX buckets kept).  0 or YQ_ENOMEM. */
static int timeline_merge(struct yq_event *dst, const struct yq_event *src)
{
	size_t cap = dst->ntimeline + src->ntimeline, n = 0, i = 0, j = 0;
	struct yq_tl_point *v = malloc((cap ? cap : 1) * sizeof(*v));
	if (!v)
		return YQ_ENOMEM;
	while (i < dst->ntimeline || j < src->ntimeline) {
		const struct yq_tl_point *a = i < dst->ntimeline ? &dst->timeline[i] : NULL;
		const struct yq_tl_point *b = j < src->ntimeline ? &src->timeline[j] : NULL;
		struct yq_tl_point x;
		if (a && (!b || a->bucket < b->bucket)) {
			x = *a;
			i++;
		} else if (!a || b->bucket < a->bucket) {
			x = *b;
			j++;
		} else {
			x = (struct yq_tl_point){a->bucket, a->count + b->count,
						 a->negative + b->negative};
			i++;
			j++;
		}
		v[n++] = x;
	}
	if (n > YQ_CLUSTER_TIMELINE_MAX) {
		memmove(v, v + (n - YQ_CLUSTER_TIMELINE_MAX),
			YQ_CLUSTER_TIMELINE_MAX * sizeof(*v));
		n = YQ_CLUSTER_TIMELINE_MAX;
	}
	free(dst->timeline);
	dst->timeline = v;
	dst->ntimeline = n;
	dst->tlcap = cap ? cap : 1;
	return YQ_OK;
}

static int add_places(struct yq_event *ev, uint32_t place, uint32_t count);

/* merge: src joins dst (its centroid, counts, timeline, title if better,
 * schemes); src is closed with merged_into = dst's id, and its index maps
 * to dst's in the union-find.  0 or YQ_ENOMEM. */
static int merge(struct yq_cluster *c, struct yq_event *dst, struct yq_event *src)
{
	struct centroid *sc = src->priv, *dc = dst->priv;
	for (uint32_t i = 0; i < sc->cap; i++) {
		if (!sc->key[i])
			continue;
		int64_t s = cent_add(dc, (sc->key[i] & ~IDX_BIT) - 1, sc->w[i]);
		if (s < 0 || ((sc->key[i] & IDX_BIT) && index_add(c, dst, (uint32_t)s)))
			return YQ_ENOMEM;
	}
	if (timeline_merge(dst, src))
		return YQ_ENOMEM;
	for (size_t i = 0; i < src->nschemes; i++)
		if (yq_event_add_scheme(dst, src->schemes[i]))
			return YQ_ENOMEM;
	for (size_t i = 0; i < src->nplaces; i++)
		if (add_places(dst, src->places[i].place, src->places[i].count))
			return YQ_ENOMEM;
	if (src->title && (!dst->title || src->title_score > dst->title_score)) {
		char *t = dst->title, *tp = dst->title_post;
		dst->title = src->title;
		dst->title_post = src->title_post;
		dst->title_score = src->title_score;
		src->title = t;
		src->title_post = tp;
	}
	dst->size += src->size;
	dst->rated += src->rated;
	dst->negative += src->negative;
	if (src->first_seen < dst->first_seen)
		dst->first_seen = src->first_seen;
	if (src->last_seen > dst->last_seen)
		dst->last_seen = src->last_seen;
	if (src->max_level > dst->max_level)
		dst->max_level = src->max_level;
	src->closed = 1;
	src->merged_into = dst->id;
	c->alive[src->idx] = 0;
	index_dead(c, src);
	c->link[src->idx] = dst->idx;
	c->merged++;
	mark_dirty(c, dst);
	mark_dirty(c, src);
	return YQ_OK;
}

/* centroid_cosine: cosine of two events' centroids. */
static double centroid_cosine(const struct centroid *a, const struct centroid *b)
{
	if (a->norm2 <= 0 || b->norm2 <= 0)
		return 0;
	if (a->n > b->n) {
		const struct centroid *t = a;
		a = b;
		b = t;
	}
	double dot = 0;
	for (uint32_t i = 0; i < a->cap; i++)
		if (a->key[i])
			dot += (double)a->w[i] * cent_get(b, (a->key[i] & ~IDX_BIT) - 1);
	return dot / sqrt(a->norm2 * b->norm2);
}

/* link: each open event changed since the last flush is compared, through
 * the inverted index, with the open events that share its heaviest terms;
 * the younger of a pair whose centroid cosine, divided by 1 + the smaller
 * one's size / LINK_SIZE, reaches link_threshold merges into the older (Europe Media Monitor's clusters → stories, done in the
 * stream).  0 or YQ_ENOMEM. */
static int link_events(struct yq_cluster *c)
{
	if (!(c->cfg.link_threshold > 0))
		return YQ_OK;
	size_t nd = c->ndirty;
	for (size_t d = 0; d < nd; d++) {
		struct yq_event *e = c->ev[c->dirty[d]];
		if (!e || e->closed)
			continue;
		struct centroid *ce = e->priv;
		struct kw all[CENT_CAP];
		size_t n = 0;
		for (uint32_t i = 0; i < ce->cap; i++)
			if (ce->key[i])
				all[n++] = (struct kw){(ce->key[i] & ~IDX_BIT) - 1, ce->w[i]};
		if (!n || ce->norm2 <= 0)
			continue;
		struct pterm pt[INDEX_TERMS];
		size_t k = top_kw(all, n, INDEX_TERMS);
		for (size_t i = 0; i < k; i++)
			pt[i] = (struct pterm){all[i].key, (float)(all[i].w / sqrt(ce->norm2))};
		uint32_t topi[EXACT_CANDIDATES];
		size_t ntop = rank(c, pt, k, e->idx, topi);
		struct yq_event *best = NULL;
		double best_sim = 0;
		for (size_t j = 0; j < ntop; j++) {
			struct yq_event *o = c->ev[topi[j]];
			/* two large events, each already a story of its own, need
			 * more than a few shared words to become one: without
			 * this, linking chains the day's chatter into one blob
			 * (docs/events.md) */
			uint64_t small = o->size < e->size ? o->size : e->size;
			double sim = centroid_cosine(ce, o->priv) / (1.0 + (double)small / LINK_SIZE);
			if (sim > best_sim) {
				best_sim = sim;
				best = o;
			}
		}
		c->candidates += ntop;
		if (!best || best_sim < c->cfg.link_threshold)
			continue;
		int rc = best->id < e->id ? merge(c, best, e) : merge(c, e, best);
		if (rc)
			return rc;
	}
	return YQ_OK;
}

/* ---- lifecycle ---- */

static const char *const state_name[] = {"new", "rising", "peak", "declining", "closed"};

const char *yq_event_state_name(enum yq_event_state s)
{
	return (unsigned)s < 5 ? state_name[s] : "closed";
}

enum yq_event_state yq_event_state_at(const struct yq_event *ev, int64_t bucket_now)
{
	if (ev->closed)
		return YQ_EV_CLOSED;
	if (!ev->ntimeline)
		return YQ_EV_NEW;
	const struct yq_tl_point *last = &ev->timeline[ev->ntimeline - 1];
	if (ev->ntimeline == 1 && last->bucket >= bucket_now - 1)
		return YQ_EV_NEW;
	uint32_t peak = 0;
	for (size_t i = 0; i < ev->ntimeline; i++)
		if (ev->timeline[i].count > peak)
			peak = ev->timeline[i].count;
	/* the latest bucket counts only while it is current or just past */
	uint32_t l = last->bucket >= bucket_now - 1 ? last->count : 0;
	uint32_t prev = 0;
	if (l && ev->ntimeline > 1 && ev->timeline[ev->ntimeline - 2].bucket == last->bucket - 1)
		prev = ev->timeline[ev->ntimeline - 2].count;
	if (l > prev && l >= peak)
		return YQ_EV_RISING;
	if (l > 0 && 5u * l >= 4u * peak)
		return YQ_EV_PEAK;
	return YQ_EV_DECLINING;
}

int yq_cluster_flush(struct yq_cluster *c, int64_t now,
		     int (*fn)(const struct yq_event *ev, void *ctx), void *ctx)
{
	int rc = link_events(c);
	size_t k = 0;
	if (rc)
		return rc;
	int64_t bnow = bucket_of(c, now);
	for (size_t i = 0; i < c->nopen; i++) {
		struct yq_event *e = c->ev[c->open[i]];
		if (!e->closed && now - e->last_seen > c->cfg.close_after)
			e->closed = 1;
		if (e->closed && c->alive[e->idx]) {
			c->alive[e->idx] = 0;
			index_dead(c, e);
		}
		if (e->closed)
			mark_dirty(c, e);
		else
			c->open[k++] = c->open[i];
	}
	c->nopen = k;
	if (c->dead >= SWEEP_MIN && c->dead * 2 >= c->entries)
		index_sweep(c);
	size_t i;
	for (i = 0; i < c->ndirty; i++) {
		struct yq_event *e = c->ev[c->dirty[i]];
		e->state = yq_event_state_at(e, bnow);
		if (!e->nlifecycle || e->lifecycle[e->nlifecycle - 1].state != e->state) {
			if (e->nlifecycle == YQ_EVENT_LIFECYCLE_MAX)
				e->nlifecycle--;
			e->lifecycle[e->nlifecycle].time = now;
			e->lifecycle[e->nlifecycle++].state = (uint8_t)e->state;
		}
		if ((rc = fn(e, ctx)))
			break;
		e->dirty = 0;
		if (e->closed) {
			c->ev[e->idx] = NULL;
			event_free(e);
		}
	}
	/* keep what was not reported */
	if (i < c->ndirty)
		memmove(c->dirty, c->dirty + i, (c->ndirty - i) * sizeof(*c->dirty));
	c->ndirty -= i;
	return rc;
}

int yq_event_add_scheme(struct yq_event *ev, uint32_t scheme)
{
	for (size_t i = 0; i < ev->nschemes; i++)
		if (ev->schemes[i] == scheme)
			return YQ_OK;
	if (ev->nschemes == ev->schemes_cap) {
		size_t nc = ev->schemes_cap ? ev->schemes_cap * 2 : 4;
		uint32_t *p = realloc(ev->schemes, nc * sizeof(*p));
		if (!p)
			return YQ_ENOMEM;
		ev->schemes = p;
		ev->schemes_cap = nc;
	}
	ev->schemes[ev->nschemes++] = scheme;
	return YQ_OK;
}

static int add_places(struct yq_event *ev, uint32_t place, uint32_t count)
{
	for (size_t i = 0; i < ev->nplaces; i++)
		if (ev->places[i].place == place) {
			ev->places[i].count += count;
			return YQ_OK;
		}
	if (ev->nplaces == YQ_EVENT_PLACES_MAX)
		return YQ_OK;
	if (!ev->places && !(ev->places = malloc(YQ_EVENT_PLACES_MAX * sizeof(*ev->places))))
		return YQ_ENOMEM;
	ev->places[ev->nplaces++] = (struct yq_place_count){place, count};
	return YQ_OK;
}

int yq_event_add_place(struct yq_event *ev, uint32_t place)
{
	return add_places(ev, place, 1);
}

void yq_event_add_sentiment(struct yq_event *ev, int negative)
{
	ev->rated++;
	if (negative) {
		ev->negative++;
		if (ev->ntimeline)
			ev->timeline[ev->ntimeline - 1].negative++;
	}
}

void yq_cluster_close_all(struct yq_cluster *c)
{
	for (size_t i = 0; i < c->nopen; i++) {
		c->ev[c->open[i]]->closed = 1;
		if (c->alive[c->open[i]])
			index_dead(c, c->ev[c->open[i]]);
		c->alive[c->open[i]] = 0;
	}
}

size_t yq_cluster_keywords(const struct yq_cluster *c, const struct yq_event *ev, size_t k,
			   const char **terms, uint32_t *lens)
{
	const struct centroid *ce = ev->priv;
	struct kw all[CENT_CAP];
	size_t n = 0;
	for (size_t i = 0; i < ce->cap; i++)
		if (ce->key[i])
			all[n++] = (struct kw){ce->key[i] & ~IDX_BIT, ce->w[i]};
	n = k ? top_kw(all, n, k) : 0;
	for (size_t i = 0; i < n; i++) {
		size_t len;
		terms[i] = yq_strmap_key(c->terms, all[i].key - 1, &len);
		lens[i] = (uint32_t)len;
	}
	return n;
}

void yq_cluster_stats(const struct yq_cluster *c, struct yq_cluster_stats *s)
{
	s->events = c->nev;
	s->open = c->nopen;
	s->candidates = c->candidates;
	s->merged = c->merged;
}
