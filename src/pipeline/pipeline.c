/*
 * pipeline.c — the per-post analysis chain; see pipeline.h.
 *
 * Per-post scratch (normalized text, tokens, terms) lives in the pipeline
 * and is reused, so the steady state allocates only what outlives the post
 * (its id in the window ring, event titles).
 *
 * The window ring holds, for the last `window` posts (the dedup window), the
 * post's serial key (its low 32 bits), event and id, indexed by the key
 * modulo the window: a duplicate's group root is found there.  A slot is 24
 * bytes: an id of up to RING_ID_INLINE - 1 bytes (Weibo's are about 7) is
 * kept in the slot itself, a longer one in its own allocation; an event id
 * of 2^32 or more is not kept (the duplicate is then clustered by its
 * content).  Repost parents are found through a direct-mapped cache of
 * 2^19 (hash of source and id → event, root) entries of 16 bytes: a bounded
 * memory that may forget a parent, in which case the repost is clustered by
 * its content like any post (a post's entry survives the next n posts with
 * probability exp(-n / 2^19): 0.61 after 262,144).  An entry keeps 32 bits
 * of the 64-bit hash beyond the 19 that place it (a stranger passes for the
 * parent with probability 2^-32 per look-up) and the event as 32 bits: a
 * post whose event id is 2^32 or more is not cached (so it is forgotten).
 * The cache (8 MiB, written at random by every post) is on huge pages
 * (base/hugemem.h).
 */
#include "pipeline/pipeline.h"
#include "analyze/simhash.h"
#include "analyze/stopwords.h"
#include "analyze/tfidf.h"
#include "base/error.h"
#include "base/hash.h"
#include "base/hugemem.h"
#include "base/utf8.h"
#include "detect/places.h"
#include "match/matcher.h"
#include "text/normalize.h"
#include "text/structure.h"
#include "text/tokenize.h"

#include <unicode/uchar.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#define PARENT_BITS 19
#define TITLE_MAX 280   /* bytes of a post's text kept as an event title */
#define TITLE_MIN 12    /* code points of its own text a post needs to be a title */
#define MAX_TERMS 512   /* distinct terms considered per post */
#define TREND_MIN_IDF 4.0 /* blended idf a term needs to feed the term-burst detector:
			   * in fewer than ~2 % of the posts */
#define BURST_BOOST_MAX 10.0 /* a bursting term's clustering weight is multiplied by
			      * 1 + its SigniTrend significance, capped here */

#define RING_ID_INLINE 16 /* bytes of a ring slot's id, its NUL included */

struct parent_slot {
	uint32_t tag;   /* low 32 bits of the hash (odd: 0 = empty) */
	uint32_t event; /* the post's event, 0 if none */
	uint64_t root;  /* the post's duplicate-group root key (its own if none) */
};

/* A post in the window ring, at slot key % window.  id.inl holds the id
 * when it is shorter than RING_ID_INLINE bytes (inl[RING_ID_INLINE - 1] ==
 * 0); otherwise inl[RING_ID_INLINE - 1] == 1 and id.heap points to a
 * malloc'd copy. */
struct ring_slot {
	uint32_t key;   /* low 32 bits of the post's serial key (0: empty) */
	uint32_t event; /* its event, 0 if none (or if the id needs over 32 bits) */
	union {
		char inl[RING_ID_INLINE];
		char *heap;
	} id;
};

struct term_acc {
	uint64_t hash;
	uint32_t off, len; /* in termbuf */
	uint32_t tf;
	uint8_t kind;
};

struct yq_pipeline {
	struct yq_pipeline_config cfg;
	const struct yq_segmenter *seg;
	struct yq_seg_work work;
	struct yq_store *st;
	struct yq_normalizer *norm;
	struct yq_tfidf *tfidf;
	struct yq_dedup *dedup;
	struct yq_cluster *cluster;
	struct yq_signitrend *trend;
	const char **tterms;    /* the post's terms for the trend detector */
	uint32_t *tlens;
	struct yq_matcher *matcher;     /* NULL without schemes */
	/* scheme ids seen since the start (append-only; events keep indices
	 * into it, so a live change of the set keeps their schemes), and the
	 * current set's index -> that index */
	char **scheme_ids;
	size_t nscheme_ids;
	uint32_t *scheme_map;
	struct yq_places *places;       /* NULL without a gazetteer */
	struct yq_match_scratch *mscratch;
	struct yq_match_result mres;
	struct yq_norm_result nr_title, nr_text; /* separate fields, for matching */
	struct yq_clf_work clf;
	struct yq_pipeline_stats stats;
	int64_t now;            /* stream time */
	uint64_t key;           /* serial of the last post */
	size_t in_batch;
	int in_txn;
	/* window ring */
	size_t window;
	struct ring_slot *ring;
	struct parent_slot *parents;
	/* scratch */
	struct yq_norm_result nr;
	struct yq_tokens toks;
	struct yq_buf termbuf, tokstr, json, chain, title, reason, schemes_buf, hits;
	struct term_acc *acc;
	struct yq_cterm *cterms;
	struct yq_feature *feats;
	struct yq_tfidf_term *tstat;
};

/* ---- the window ring's ids ---- */

static const char *ring_id(const struct ring_slot *r)
{
	return r->id.inl[RING_ID_INLINE - 1] ? r->id.heap : r->id.inl;
}

static void ring_id_clear(struct ring_slot *r)
{
	if (r->id.inl[RING_ID_INLINE - 1])
		free(r->id.heap);
	memset(&r->id, 0, sizeof(r->id));
}

/* ring_id_set: r's id becomes a copy of id.  0 or YQ_ENOMEM (r's id is then
 * empty). */
static int ring_id_set(struct ring_slot *r, const char *id)
{
	size_t n = strlen(id);
	ring_id_clear(r);
	if (n < RING_ID_INLINE) {
		memcpy(r->id.inl, id, n + 1);
		return YQ_OK;
	}
	char *h = strdup(id);
	if (!h)
		return YQ_ENOMEM;
	r->id.heap = h;
	r->id.inl[RING_ID_INLINE - 1] = 1;
	return YQ_OK;
}

/* The ring slot of the post with serial key (at most p->key), or NULL once
 * it left the window.  Inside the window, slot key % window holds key or an
 * older post whose serial differs by a multiple of the window: comparing the
 * low 32 bits tells them apart unless they are lcm(window, 2^32) apart,
 * which at the default window is 6.7e13 posts. */
static struct ring_slot *ring_find(struct yq_pipeline *p, uint64_t key)
{
	if (p->key - key >= p->window)
		return NULL;
	struct ring_slot *r = &p->ring[key % p->window];
	return r->key == (uint32_t)key ? r : NULL;
}

void yq_pipeline_config_default(struct yq_pipeline_config *c)
{
	memset(c, 0, sizeof(*c));
	yq_cluster_config_default(&c->cluster);
	yq_dedup_config_default(&c->dedup);
	yq_risk_config_default(&c->risk);
	yq_signitrend_config_default(&c->signitrend);
	c->signitrend.bucket = 0;
	c->batch = 2000;
}

/* The stage clock: wall time, or the thread's CPU time (cfg.cpu_timers). */
static uint64_t now_ns(const struct yq_pipeline *p)
{
	struct timespec ts;
	clock_gettime(p->cfg.cpu_timers ? CLOCK_THREAD_CPUTIME_ID : CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

int yq_pipeline_new(const struct yq_pipeline_config *cfg, const struct yq_segmenter *seg,
		    struct yq_store *st, struct yq_pipeline **out, struct yq_buf *err)
{
	int rc = YQ_ENOMEM;
	struct yq_pipeline *p = calloc(1, sizeof(*p));
	if (!p)
		return YQ_ENOMEM;
	p->cfg = *cfg;
	if (!p->cfg.batch)
		p->cfg.batch = 2000;
	p->seg = seg;
	p->st = st;
	p->now = INT64_MIN;
	yq_buf_init(&p->termbuf);
	yq_buf_init(&p->tokstr);
	yq_buf_init(&p->json);
	yq_buf_init(&p->chain);
	yq_buf_init(&p->title);
	yq_buf_init(&p->reason);
	yq_buf_init(&p->schemes_buf);
	yq_buf_init(&p->hits);
	p->window = cfg->dedup.window ? cfg->dedup.window : 500000;
	p->ring = calloc(p->window, sizeof(*p->ring));
	p->parents = yq_huge_alloc(((size_t)1 << PARENT_BITS) * sizeof(*p->parents));
	p->acc = malloc(MAX_TERMS * sizeof(*p->acc));
	p->cterms = malloc(MAX_TERMS * sizeof(*p->cterms));
	p->feats = malloc(MAX_TERMS * sizeof(*p->feats));
	p->tstat = malloc(MAX_TERMS * sizeof(*p->tstat));
	p->tterms = malloc(MAX_TERMS * sizeof(*p->tterms));
	p->tlens = malloc(MAX_TERMS * sizeof(*p->tlens));
	if (!p->ring || !p->parents || !p->acc ||
	    !p->cterms || !p->feats || !p->tstat || !p->tterms || !p->tlens)
		goto fail;
	if (!p->cfg.signitrend.bucket)
		p->cfg.signitrend.bucket = p->cfg.cluster.bucket;
	if ((rc = yq_signitrend_new(&p->cfg.signitrend, &p->trend))) {
		yq_buf_printf(err, "term-burst detector: bad parameters");
		goto fail;
	}
	if ((rc = yq_normalizer_new(&p->norm, err)))
		goto fail;
	if ((rc = yq_tfidf_new(NULL, &p->tfidf, err)))
		goto fail;
	if ((rc = yq_dedup_new(&p->cfg.dedup, &p->dedup)))
		goto fail;
	if (cfg->gazetteer) {
		if ((rc = yq_places_load(cfg->gazetteer, &p->places, err)))
			goto fail;
	} else {
		/* the default gazetteer (text/segment.h) when there is one; events
		 * simply have no places without it */
		struct yq_buf dir = YQ_BUF_INIT, note = YQ_BUF_INIT, ignored = YQ_BUF_INIT;
		const char *d = yq_gazetteer_dir(&dir, &note);
		rc = d ? yq_places_load(d, &p->places, &ignored) : YQ_OK;
		yq_buf_release(&dir);
		yq_buf_release(&note);
		yq_buf_release(&ignored);
		if (rc == YQ_ENOMEM)
			goto fail;
		rc = YQ_ENOMEM;
	}
	if ((rc = yq_pipeline_set_schemes(p, cfg->schemes, err)))
		goto fail;
	int64_t first = st ? yq_store_max_event_id(st) + 1 : 1;
	if (first < 1) {
		rc = YQ_EDB;
		yq_buf_printf(err, "reading events: %s", yq_store_errmsg(st));
		goto fail;
	}
	if ((rc = yq_cluster_new(&p->cfg.cluster, first, &p->cluster)))
		goto fail;
	*out = p;
	return YQ_OK;
fail:
	yq_pipeline_free(p);
	return rc;
}

int yq_pipeline_set_schemes(struct yq_pipeline *p, const struct yq_scheme_set *set,
			    struct yq_buf *err)
{
	struct yq_matcher *m = NULL;
	struct yq_match_scratch *sc = NULL;
	uint32_t *map = NULL;
	int rc = YQ_OK;
	size_t n = set ? set->n : 0;
	if (n) {
		if ((rc = yq_matcher_new(set, p->norm, 0, &m, err)) ||
		    (rc = yq_match_scratch_new(m, &sc)))
			goto fail;
		rc = YQ_ENOMEM;
		if (!(map = malloc(n * sizeof(*map))))
			goto fail;
		char **ids = realloc(p->scheme_ids, (p->nscheme_ids + n) * sizeof(*ids));
		if (!ids)
			goto fail;
		p->scheme_ids = ids;
		for (size_t i = 0; i < n; i++) {
			size_t j = 0;
			while (j < p->nscheme_ids && strcmp(p->scheme_ids[j], set->v[i].id))
				j++;
			if (j == p->nscheme_ids) { /* a new id: appended (the array has room) */
				if (!(p->scheme_ids[j] = strdup(set->v[i].id)))
					goto fail;
				p->nscheme_ids++;
			}
			map[i] = (uint32_t)j;
		}
	}
	yq_match_scratch_free(p->mscratch);
	yq_matcher_free(p->matcher);
	free(p->scheme_map);
	p->matcher = m;
	p->mscratch = sc;
	p->scheme_map = map;
	p->cfg.schemes = set;
	return YQ_OK;
fail:
	yq_match_scratch_free(sc);
	yq_matcher_free(m);
	free(map);
	return rc;
}

void yq_pipeline_free(struct yq_pipeline *p)
{
	if (!p)
		return;
	if (p->in_txn && p->st)
		yq_store_commit(p->st);
	yq_seg_work_release(&p->work);
	yq_normalizer_free(p->norm);
	yq_tfidf_free(p->tfidf);
	yq_dedup_free(p->dedup);
	yq_cluster_free(p->cluster);
	yq_signitrend_free(p->trend);
	free(p->tterms);
	free(p->tlens);
	yq_places_free(p->places);
	yq_match_scratch_free(p->mscratch);
	yq_matcher_free(p->matcher);
	for (size_t i = 0; i < p->nscheme_ids; i++)
		free(p->scheme_ids[i]);
	free(p->scheme_ids);
	free(p->scheme_map);
	yq_match_result_release(&p->mres);
	yq_norm_result_release(&p->nr_title);
	yq_norm_result_release(&p->nr_text);
	yq_clf_work_release(&p->clf);
	if (p->ring)
		for (size_t i = 0; i < p->window; i++)
			ring_id_clear(&p->ring[i]);
	free(p->ring);
	yq_huge_free(p->parents, ((size_t)1 << PARENT_BITS) * sizeof(*p->parents));
	yq_norm_result_release(&p->nr);
	yq_tokens_release(&p->toks);
	yq_buf_release(&p->termbuf);
	yq_buf_release(&p->tokstr);
	yq_buf_release(&p->json);
	yq_buf_release(&p->chain);
	yq_buf_release(&p->title);
	yq_buf_release(&p->reason);
	yq_buf_release(&p->schemes_buf);
	yq_buf_release(&p->hits);
	free(p->acc);
	free(p->cterms);
	free(p->feats);
	free(p->tstat);
	free(p);
}

void yq_pipeline_stats(const struct yq_pipeline *p, struct yq_pipeline_stats *s)
{
	*s = p->stats;
	struct yq_cluster_stats cs;
	yq_cluster_stats(p->cluster, &cs);
	s->events = cs.events;
}

int64_t yq_pipeline_event(struct yq_pipeline *p, int64_t id)
{
	return id > 0 ? yq_cluster_resolve(p->cluster, id) : id;
}

/* ---- JSON for events and alerts ---- */


static int add_time(struct yq_pipeline *p, struct yq_buf *b, int64_t t)
{
	if (p->cfg.tz) {
		int rc = yq_buf_addc(b, '"');
		if (!rc)
			rc = yq_time_format(p->cfg.tz, t, b);
		return rc ? rc : yq_buf_addc(b, '"');
	}
	return yq_buf_printf(b, "%lld", (long long)t);
}

static int keywords_json(struct yq_pipeline *p, const struct yq_event *ev, struct yq_buf *b)
{
	const char *kw[8];
	uint32_t kl[8];
	size_t n = yq_cluster_keywords(p->cluster, ev, 8, kw, kl);
	int rc = yq_buf_addc(b, '[');
	for (size_t i = 0; i < n && !rc; i++) {
		if (i)
			rc = yq_buf_addc(b, ',');
		if (!rc)
			rc = yq_buf_add_json_str(b, kw[i], kl[i]);
	}
	return rc ? rc : yq_buf_addc(b, ']');
}

/* timeline_json: [[bucket start, count, negative], …]; times as Unix
 * seconds when unix, else as ISO strings. */
static int timeline_json(struct yq_pipeline *p, const struct yq_event *ev, struct yq_buf *b,
			 int unix_times)
{
	int rc = yq_buf_addc(b, '[');
	for (size_t i = 0; i < ev->ntimeline && !rc; i++) {
		int64_t start = ev->timeline[i].bucket * p->cfg.cluster.bucket;
		rc = yq_buf_adds(b, i ? ",[" : "[");
		if (!rc)
			rc = unix_times ? yq_buf_printf(b, "%lld", (long long)start) : add_time(p, b, start);
		if (!rc)
			rc = yq_buf_printf(b, ",%u,%u]", ev->timeline[i].count,
					   ev->timeline[i].negative);
	}
	return rc ? rc : yq_buf_addc(b, ']');
}

/* schemes_json: the ids of the schemes the event's posts matched. */
static int schemes_json(struct yq_pipeline *p, const struct yq_event *ev, struct yq_buf *b)
{
	int rc = yq_buf_addc(b, '[');
	for (size_t i = 0; i < ev->nschemes && !rc; i++) {
		const char *id = p->scheme_ids[ev->schemes[i]];
		if (i)
			rc = yq_buf_addc(b, ',');
		if (!rc)
			rc = yq_buf_add_json_str(b, id, strlen(id));
	}
	return rc ? rc : yq_buf_addc(b, ']');
}

/* places_json: the event's YQ_TOP_PLACES most named places,
 * [{"code","name","level","posts"}, …], most named first. */
#define YQ_TOP_PLACES 5
static int places_json(struct yq_pipeline *p, const struct yq_event *ev, struct yq_buf *b)
{
	struct yq_place_count top[YQ_TOP_PLACES];
	size_t n = 0;
	for (size_t i = 0; p->places && i < ev->nplaces; i++) {
		struct yq_place_count x = ev->places[i];
		size_t pos = n;
		while (pos > 0 && (top[pos - 1].count < x.count ||
				   (top[pos - 1].count == x.count && top[pos - 1].place > x.place)))
			pos--;
		if (pos >= YQ_TOP_PLACES)
			continue;
		size_t last = n < YQ_TOP_PLACES ? n : YQ_TOP_PLACES - 1;
		memmove(top + pos + 1, top + pos, (last - pos) * sizeof(*top));
		top[pos] = x;
		if (n < YQ_TOP_PLACES)
			n++;
	}
	int rc = yq_buf_addc(b, '[');
	for (size_t i = 0; i < n && !rc; i++) {
		const struct yq_place *pl = yq_places_get(p->places, top[i].place);
		rc = yq_buf_printf(b, "%s{\"code\":\"%s\",\"name\":", i ? "," : "", pl->code);
		if (!rc)
			rc = yq_buf_add_json_str(b, pl->name, strlen(pl->name));
		if (!rc)
			rc = yq_buf_printf(b, ",\"level\":\"%s\",\"posts\":%u}",
					   yq_place_level_name(pl->level), top[i].count);
	}
	return rc ? rc : yq_buf_addc(b, ']');
}

static int put_event(const struct yq_event *ev, void *ctx)
{
	struct yq_pipeline *p = ctx;
	struct yq_buf *kw = &p->json, *tl = &p->tokstr;
	if (!p->st && !(p->cfg.events_out && ev->closed))
		return YQ_OK; /* nobody to tell */
	yq_buf_reset(kw);
	yq_buf_reset(tl);
	struct yq_buf *sc = &p->schemes_buf;
	yq_buf_reset(sc);
	struct yq_buf *pb = &p->hits;
	yq_buf_reset(pb);
	if (keywords_json(p, ev, kw) || timeline_json(p, ev, tl, 1) || places_json(p, ev, pb) ||
	    (ev->nschemes && schemes_json(p, ev, sc)))
		return YQ_ENOMEM;
	if (p->st) {
		struct yq_event_rec rec = {
			.id = ev->id, .title = ev->title, .keywords = kw->s,
			.first_seen = ev->first_seen, .last_seen = ev->last_seen,
			.size = (int64_t)ev->size, .timeline = tl->s,
			.state = ev->merged_into ? "merged" : yq_event_state_name(ev->state),
			.merged_into = ev->merged_into,
			.places = pb->s,
			.schemes = ev->nschemes ? sc->s : NULL,
			.negative_share = ev->rated ? (double)ev->negative / (double)ev->rated : -1,
		};
		int rc = yq_store_put_event(p->st, &rec);
		if (rc)
			return rc;
	}
	if (p->cfg.events_out && ev->closed) {
		struct yq_buf *b = &p->chain;
		yq_buf_reset(b);
		int rc = yq_buf_printf(b, "{\"event\":%lld,\"state\":\"%s\",", (long long)ev->id,
				       ev->merged_into ? "merged" : yq_event_state_name(ev->state));
		if (!rc && ev->merged_into)
			rc = yq_buf_printf(b, "\"merged_into\":%lld,", (long long)ev->merged_into);
		if (!rc)
			rc = yq_buf_adds(b, "\"title\":");
		if (!rc)
			rc = yq_buf_add_json_str(b, ev->title ? ev->title : "",
						 ev->title ? strlen(ev->title) : 0);
		if (!rc)
			rc = yq_buf_printf(b, ",\"size\":%llu,\"keywords\":%s,\"schemes\":%s,"
					   "\"first_seen\":",
					   (unsigned long long)ev->size, kw->s,
					   ev->nschemes ? sc->s : "[]");
		if (!rc)
			rc = add_time(p, b, ev->first_seen);
		if (!rc)
			rc = yq_buf_printf(b, ",\"places\":%s,\"lifecycle\":[", pb->s);
		for (size_t i = 0; i < ev->nlifecycle && !rc; i++) {
			rc = yq_buf_printf(b, "%s[\"%s\",", i ? "," : "",
					   yq_event_state_name(ev->lifecycle[i].state));
			if (!rc)
				rc = add_time(p, b, ev->lifecycle[i].time);
			if (!rc)
				rc = yq_buf_addc(b, ']');
		}
		if (!rc)
			rc = yq_buf_adds(b, "],\"last_seen\":");
		if (!rc)
			rc = add_time(p, b, ev->last_seen);
		if (!rc)
			rc = yq_buf_adds(b, ",\"timeline\":");
		if (!rc)
			rc = timeline_json(p, ev, b, 0);
		if (!rc)
			rc = yq_buf_adds(b, "}\n");
		if (rc)
			return rc;
		if (fwrite(b->s, 1, b->len, p->cfg.events_out) != b->len)
			return YQ_EIO;
	}
	return YQ_OK;
}

/* ---- warning: risk score and alerts ---- */

/* warn_observe: the post's engagement and source go to its event's
 * warning state. */
static void warn_observe(struct yq_event *ev, const struct yq_post *post)
{
	struct yq_event_warn *w = &ev->warn;
	int64_t e = (post->reposts > 0 ? post->reposts : 0) +
		    (post->comments > 0 ? post->comments : 0) + (post->likes > 0 ? post->likes : 0);
	w->engagement += (uint64_t)e;
	const char *src = post->source ? post->source : "unknown";
	size_t n = strlen(src);
	if (n >= YQ_EVENT_SOURCE_LEN)
		n = YQ_EVENT_SOURCE_LEN - 1;
	for (uint32_t i = 0; i < w->nsources; i++)
		if (strncmp(w->sources[i], src, n) == 0 && w->sources[i][n] == 0)
			return;
	if (w->nsources < YQ_EVENT_SOURCES) {
		memcpy(w->sources[w->nsources], src, n);
		w->sources[w->nsources][n] = 0;
		w->nsources++;
	}
}

/* warn_texts: the event's title and keywords as texts to match lexicons
 * on; returns how many (at most 9). */
static size_t warn_texts(struct yq_pipeline *p, const struct yq_event *ev, const char **texts,
			 size_t *lens)
{
	uint32_t kl[8];
	size_t n = yq_cluster_keywords(p->cluster, ev, 8, texts + 1, kl);
	for (size_t i = 0; i < n; i++)
		lens[i + 1] = kl[i];
	texts[0] = ev->title ? ev->title : "";
	lens[0] = strlen(texts[0]);
	return n + 1;
}

/* warn_input: the risk input of ev now; the text factors are recomputed
 * when the event has doubled in size since they were last computed. */
static void warn_input(struct yq_pipeline *p, struct yq_event *ev, double z,
		       struct yq_risk_input *in)
{
	struct yq_event_warn *w = &ev->warn;
	if (!w->text_size || ev->size >= 2 * w->text_size) {
		const char *texts[9];
		size_t lens[9];
		size_t n = warn_texts(p, ev, texts, lens);
		w->sensitivity = (float)yq_risk_lexicon_match(p->cfg.sensitivity, texts, lens, n,
							      NULL, NULL);
		w->locality = (float)yq_risk_lexicon_match(p->cfg.jurisdiction, texts, lens, n, NULL,
							   NULL);
		w->text_size = ev->size;
	}
	*in = (struct yq_risk_input){
		.size = ev->size, .bucket_count = ev->burst.count, .z = z,
		.engagement = w->engagement, .rated = ev->rated, .negative = ev->negative,
		.sources = w->nsources, .sensitivity = w->sensitivity,
		.scheme_matched = ev->nschemes > 0, .locality = w->locality};
}

/* add_match: ,"key":{"category":…,"word":…} of a lexicon's best match. */
static int add_match(struct yq_buf *b, const char *key, const char *cat, const char *word)
{
	int rc = yq_buf_printf(b, ",\"%s\":", key);
	if (!rc && !word)
		return yq_buf_adds(b, "null");
	if (!rc)
		rc = yq_buf_adds(b, "{\"category\":");
	if (!rc)
		rc = yq_buf_add_json_str(b, cat, strlen(cat));
	if (!rc)
		rc = yq_buf_adds(b, ",\"word\":");
	if (!rc)
		rc = yq_buf_add_json_str(b, word, strlen(word));
	return rc ? rc : yq_buf_addc(b, '}');
}

/* reason_json: the alert's "why" (docs/warning.md lists its fields). */
static int reason_json(struct yq_pipeline *p, const struct yq_event *ev,
		       const struct yq_risk_input *in, const struct yq_risk_result *r,
		       const struct yq_post *post, struct yq_buf *b)
{
	const struct yq_burst *bu = &ev->burst;
	const struct yq_burst_config *bc = &p->cfg.cluster.burst;
	const struct yq_risk_config *rc_ = &p->cfg.risk;
	double floor = bu->mean > 1 ? bu->mean : 1;
	double sd = sqrt(bu->var > floor ? bu->var : floor);
	int rc = yq_buf_printf(b,
			       "{\"kind\":\"risk\",\"event\":%lld,\"level\":\"%s\",\"color\":\"%s\","
			       "\"score\":%.2f,\"factors\":{",
			       (long long)ev->id, yq_risk_level_code(r->level),
			       yq_risk_level_color(r->level), r->score);
	for (int f = 0; f < YQ_RISK_NFACTORS && !rc; f++)
		rc = yq_buf_printf(b, "%s\"%s\":{\"value\":%.4f,\"weight\":%.2f,\"contribution\":%.2f}",
				   f ? "," : "", yq_risk_factor_name(f), r->factor[f],
				   rc_->weight[f], r->contribution[f]);
	if (!rc)
		rc = yq_buf_printf(b,
				   "},\"heat\":{\"volume\":%.4f,\"velocity\":%.4f,\"engagement\":%.4f,"
				   "\"posts\":%llu,\"bucket_count\":%u,\"z\":%.3f,\"interactions\":%llu},"
				   "\"negativity\":{\"share\":%.4f,\"intensity\":%.4f,\"rated\":%llu,"
				   "\"negative\":%llu},\"spread\":{\"sources\":%u}",
				   r->volume, r->velocity, r->engagement, (unsigned long long)in->size,
				   in->bucket_count, in->z, (unsigned long long)in->engagement,
				   r->share, r->intensity, (unsigned long long)in->rated,
				   (unsigned long long)in->negative, in->sources);
	if (!rc) {
		const char *texts[9], *cat = NULL, *word = NULL;
		size_t lens[9];
		size_t n = warn_texts(p, ev, texts, lens);
		yq_risk_lexicon_match(p->cfg.sensitivity, texts, lens, n, &cat, &word);
		rc = add_match(b, "sensitive", cat, word);
		yq_risk_lexicon_match(p->cfg.jurisdiction, texts, lens, n, &cat, &word);
		if (!rc)
			rc = add_match(b, "place", cat, word);
	}
	if (!rc)
		rc = yq_buf_printf(b,
				   ",\"baseline\":{\"method\":\"EWMA\",\"alpha\":%.2f,\"buckets\":%u,"
				   "\"window_buckets\":%.1f,\"bucket_seconds\":%lld,\"mean\":%.3f,"
				   "\"sd\":%.3f,\"bucket_start\":",
				   bc->alpha, bu->nbuckets, 2 / bc->alpha - 1,
				   (long long)p->cfg.cluster.bucket, bu->mean, sd);
	if (!rc)
		rc = add_time(p, b, bu->bucket * p->cfg.cluster.bucket);
	if (!rc)
		rc = yq_buf_printf(b,
				   "},\"thresholds\":{\"IV\":%.1f,\"III\":%.1f,\"II\":%.1f,\"I\":%.1f,"
				   "\"min_size\":%u},\"event_size\":%llu,\"keywords\":",
				   rc_->threshold[0], rc_->threshold[1], rc_->threshold[2],
				   rc_->threshold[3], rc_->min_size, (unsigned long long)ev->size);
	if (!rc)
		rc = keywords_json(p, ev, b);
	if (!rc)
		rc = yq_buf_adds(b, ",\"title\":");
	if (!rc)
		rc = yq_buf_add_json_str(b, ev->title ? ev->title : "", ev->title ? strlen(ev->title) : 0);
	if (!rc)
		rc = yq_buf_adds(b, ",\"top_posts\":[");
	const char *tops[3] = {ev->title_post, ev->first_post, post->id};
	int ntop = 0;
	for (int i = 0; i < 3 && !rc; i++) {
		if (!tops[i] || !*tops[i])
			continue;
		int dup = 0;
		for (int j = 0; j < i; j++)
			dup |= tops[j] && strcmp(tops[j], tops[i]) == 0;
		if (dup)
			continue;
		if (ntop++)
			rc = yq_buf_addc(b, ',');
		if (!rc)
			rc = yq_buf_add_json_str(b, tops[i], strlen(tops[i]));
	}
	if (!rc)
		rc = yq_buf_adds(b, "],\"top_sources\":[");
	for (uint32_t i = 0; i < ev->warn.nsources && !rc; i++) {
		if (i)
			rc = yq_buf_addc(b, ',');
		if (!rc)
			rc = yq_buf_add_json_str(b, ev->warn.sources[i], strlen(ev->warn.sources[i]));
	}
	if (!rc)
		rc = yq_buf_adds(b, "],\"schemes\":");
	if (!rc)
		rc = ev->nschemes ? schemes_json(p, ev, b) : yq_buf_adds(b, "[]");
	return rc ? rc : yq_buf_addc(b, '}');
}

/*
 * raise_alert: scores the risk of the post's event and raises an alert
 * when the event enters a level or its level rises (yq_risk_transition):
 * one alert per event and level, carrying every scheme the event matched
 * (one notification per recipient, field case alert-04).  *level gets the
 * alert's level, 0 when none was raised.
 */
static int raise_alert(struct yq_pipeline *p, const struct yq_cluster_hit *hit,
		       const struct yq_post *post, int64_t t, int *level, struct yq_buf *err)
{
	struct yq_event *ev = hit->event;
	struct yq_risk_input in;
	struct yq_risk_result r;
	struct yq_buf *b = &p->reason;
	int rc;
	*level = 0;
	warn_observe(ev, post);
	warn_input(p, ev, hit->z, &in);
	yq_risk_score(&p->cfg.risk, &in, &r);
	if (!yq_risk_transition(&ev->warn.level, r.level))
		return YQ_OK;
	yq_buf_reset(b);
	if ((rc = reason_json(p, ev, &in, &r, post, b)))
		return rc;
	if (p->st) {
		/* the alert refers to the event: store its current state first */
		if ((rc = put_event(ev, p)))
			goto db;
		if ((rc = yq_store_put_alert(p->st, ev->id, t, yq_risk_level_code(r.level), b->s,
					     NULL)))
			goto db;
	}
	if (p->cfg.alerts_out) {
		fprintf(p->cfg.alerts_out, "{\"event\":%lld,\"time\":", (long long)ev->id);
		yq_buf_reset(&p->chain);
		add_time(p, &p->chain, t);
		fprintf(p->cfg.alerts_out, "%s,\"level\":\"%s\",\"reason\":%s}\n", p->chain.s,
			yq_risk_level_code(r.level), b->s);
		if (ferror(p->cfg.alerts_out))
			return YQ_EIO;
	}
	p->stats.alerts++;
	*level = r.level;
	return YQ_OK;
db:
	if (rc == YQ_EDB)
		yq_buf_printf(err, "storing an alert: %s", yq_store_errmsg(p->st));
	return rc;
}

/* ---- term bursts ---- */

static int put_signals(const struct yq_signal *sig, size_t n, void *ctx)
{
	struct yq_pipeline *p = ctx;
	p->stats.signals += n;
	if (!p->cfg.signals_out)
		return YQ_OK;
	struct yq_buf *b = &p->hits;
	for (size_t i = 0; i < n; i++) {
		yq_buf_reset(b);
		int rc = yq_buf_adds(b, "{\"bucket_start\":");
		if (!rc)
			rc = add_time(p, b, sig[i].bucket_start);
		if (!rc)
			rc = yq_buf_printf(b, ",\"bucket_seconds\":%lld,\"rank\":%zu,\"term\":",
					   (long long)p->cfg.signitrend.bucket, i + 1);
		if (!rc)
			rc = yq_buf_add_json_str(b, sig[i].term, sig[i].len);
		if (!rc)
			rc = yq_buf_printf(b,
					   ",\"count\":%u,\"z\":%.3f,\"baseline\":{\"mean\":%.3f,"
					   "\"sd\":%.3f,\"alpha\":%.3f,\"beta\":%.2f}}\n",
					   sig[i].count, sig[i].z, sig[i].mean, sig[i].sd,
					   p->cfg.signitrend.alpha, p->cfg.signitrend.beta);
		if (rc)
			return rc;
		if (fwrite(b->s, 1, b->len, p->cfg.signals_out) != b->len)
			return YQ_EIO;
	}
	return YQ_OK;
}

/* ---- terms and features ---- */

/* build_terms: content tokens → distinct terms with tf (p->acc), content
 * text (p->termbuf), SimHash features; returns the number of terms. */
static size_t build_terms(struct yq_pipeline *p, const char *text, size_t *nfeat)
{
	struct yq_buf *tb = &p->termbuf;
	size_t n = 0;
	yq_buf_reset(tb);
	for (size_t i = 0; i < p->toks.n && n < MAX_TERMS; i++) {
		const struct yq_token *t = &p->toks.v[i];
		if (!yq_tok_is_content(t->kind))
			continue;
		uint32_t off = (uint32_t)tb->len;
		if (yq_buf_add(tb, text + t->off, t->len))
			break;
		if (t->kind == YQ_TOK_LATIN)
			for (uint32_t j = off; j < tb->len; j++)
				if (tb->s[j] >= 'A' && tb->s[j] <= 'Z')
					tb->s[j] = (char)(tb->s[j] - 'A' + 'a');
		/* stop words and one-letter Latin words carry no event content */
		if ((t->kind == YQ_TOK_LATIN && t->len < 2) ||
		    (t->kind != YQ_TOK_NUMBER && yq_stopword(tb->s + off, t->len))) {
			tb->len = off;
			continue;
		}
		p->acc[n++] = (struct term_acc){yq_tfidf_hash(tb->s + off, t->len), off, t->len, 1,
						t->kind};
	}
	/* aggregate equal terms: insertion sort by hash (n is small) */
	for (size_t i = 1; i < n; i++) {
		struct term_acc x = p->acc[i];
		size_t j = i;
		while (j > 0 && p->acc[j - 1].hash > x.hash) {
			p->acc[j] = p->acc[j - 1];
			j--;
		}
		p->acc[j] = x;
	}
	size_t k = 0;
	for (size_t i = 0; i < n; i++) {
		if (k && p->acc[k - 1].hash == p->acc[i].hash)
			p->acc[k - 1].tf++;
		else
			p->acc[k++] = p->acc[i];
	}
	for (size_t i = 0; i < k; i++) { /* the look-ups' cache misses overlap */
		yq_tfidf_prefetch(p->tfidf, p->acc[i].hash);
		p->tterms[i] = tb->s + p->acc[i].off;
		p->tlens[i] = p->acc[i].len;
	}
	/* each term's burst now, all at once (their cells prefetched together) */
	double tz[MAX_TERMS];
	uint32_t tcnt[MAX_TERMS];
	yq_signitrend_score_n(p->trend, p->tterms, p->tlens, k, tz, tcnt);
	for (size_t i = 0; i < k; i++) {
		struct term_acc *a = &p->acc[i];
		struct yq_tfidf_term *st = &p->tstat[i];
		yq_tfidf_lookup(p->tfidf, a->hash, st);
		double idf = yq_tfidf_idf(p->tfidf, st);
		if (idf < 0)
			idf = 0;
		/* clustering weight (docs/events.md, "Terms"): the square root
		 * of the idf lets a story's recurring words count next to the
		 * post's rare ones; a term bursting in the current bucket (the
		 * topic words of an incident: 西藏, 双黄连) weighs more */
		double z = tz[i];
		double boost = z > 0 ? 1.0 + (z < BURST_BOOST_MAX ? z : BURST_BOOST_MAX) : 1.0;
		p->cterms[i] = (struct yq_cterm){tb->s + a->off, a->len,
						 (float)((1.0 + log(a->tf)) * sqrt(idf) * boost)};
		p->feats[i] = (struct yq_feature){a->hash, st->bg * (float)a->tf};
	}
	yq_tfidf_observe(p->tfidf, p->tstat, k);
	*nfeat = k;
	return k;
}

/* count_places: each distinct place the post's tokens name counts once for
 * ev. */
static int count_places(struct yq_pipeline *p, struct yq_event *ev, const char *text)
{
	int32_t seen[16];
	size_t ns = 0;
	for (size_t i = 0; i < p->toks.n && ns < 16; i++) {
		const struct yq_token *t = &p->toks.v[i];
		if (t->kind != YQ_TOK_WORD)
			continue;
		int32_t pl = yq_places_find(p->places, text + t->off, t->len);
		if (pl < 0)
			continue;
		size_t j = 0;
		while (j < ns && seen[j] != pl)
			j++;
		if (j < ns)
			continue;
		seen[ns++] = pl;
		if (yq_event_add_place(ev, (uint32_t)pl))
			return YQ_ENOMEM;
	}
	return YQ_OK;
}

/* ---- the post ---- */

static int ensure_txn(struct yq_pipeline *p, struct yq_buf *err)
{
	if (!p->st || p->in_txn)
		return YQ_OK;
	if (yq_store_begin(p->st)) {
		yq_buf_printf(err, "begin: %s", yq_store_errmsg(p->st));
		return YQ_EDB;
	}
	p->in_txn = 1;
	return YQ_OK;
}

static int end_batch(struct yq_pipeline *p, struct yq_buf *err)
{
	uint64_t t0 = now_ns(p);
	int rc = yq_cluster_flush(p->cluster, p->now, put_event, p);
	if (rc) {
		if (rc == YQ_EDB)
			yq_buf_printf(err, "storing events: %s", yq_store_errmsg(p->st));
		goto out;
	}
	if (p->st && p->in_txn) {
		if (yq_store_commit(p->st)) {
			yq_buf_printf(err, "commit: %s", yq_store_errmsg(p->st));
			rc = YQ_EDB;
			goto out;
		}
		p->in_txn = 0;
	}
	p->in_batch = 0;
out:
	p->stats.ns_flush += now_ns(p) - t0;
	return rc;
}

/* hits_json: [{"word","group","field","start","end","count"}, …] of one
 * matched scheme (offsets: code points of the original field). */
static int hits_json(const struct yq_match_result *r, const struct yq_scheme_match *sm,
		     struct yq_buf *b)
{
	int rc = 0;
	yq_buf_reset(b);
	rc = yq_buf_addc(b, '[');
	for (size_t j = 0; j < sm->nhits && !rc; j++) {
		const struct yq_match_hit *h = &r->hits[sm->hit0 + j];
		rc = yq_buf_adds(b, j ? ",{\"word\":" : "{\"word\":");
		if (!rc)
			rc = yq_buf_add_json_str(b, h->word, strlen(h->word));
		if (!rc)
			rc = yq_buf_printf(b,
					   ",\"group\":\"%s\",\"field\":\"%s\",\"start\":%u,"
					   "\"end\":%u,\"count\":%u}",
					   yq_group_name(h->group), yq_field_name(h->field), h->start,
					   h->end, h->count);
	}
	return rc ? rc : yq_buf_addc(b, ']');
}

/* opinion_free: 1 when the post has nothing of its own to rate: no token
 * but punctuation (an emoji is not: 😡 and 👍 are opinions), mentions,
 * links and the repost boilerplate (转发微博, 转发, 微博, [转发], repost,
 * rt, after the normalizer's traditional → simplified).  On the CED stream
 * 46 % of the posts are such reposts (docs/classify.md); a model rates
 * them by its bias alone. */
static int opinion_free(const char *text, const struct yq_tokens *tk)
{
	static const char *const boiler[] = {"转发微博", "转发", "微博", "[转发]", "repost", "rt"};
	for (size_t i = 0; i < tk->n; i++) {
		const struct yq_token *t = &tk->v[i];
		if (t->kind == YQ_TOK_PUNCT) {
			size_t at = 0;
			int32_t cp = yq_utf8_next(text + t->off, t->len, &at);
			if (cp > 0 && u_hasBinaryProperty((UChar32)cp, UCHAR_EXTENDED_PICTOGRAPHIC))
				return 0;
			continue;
		}
		if (t->kind == YQ_TOK_MENTION || t->kind == YQ_TOK_URL)
			continue;
		size_t j = 0;
		while (j < sizeof boiler / sizeof *boiler &&
		       (strlen(boiler[j]) != t->len || strncasecmp(text + t->off, boiler[j], t->len)))
			j++;
		if (j == sizeof boiler / sizeof *boiler)
			return 0;
	}
	return 1;
}

static uint64_t parent_hash(const char *source, const char *id)
{
	uint64_t h = yq_hash64(source, strlen(source), 17);
	return yq_hash64(id, strlen(id), h) | 1;
}

int yq_pipeline_process(struct yq_pipeline *p, const struct yq_post *post,
			struct yq_post_result *res, struct yq_buf *err)
{
	int rc;
	uint64_t t0 = now_ns(p), t1;
	memset(res, 0, sizeof(*res));

	/* the transaction and the look-up count as store time */
	if ((rc = ensure_txn(p, err)))
		return rc;
	if (p->st) {
		rc = yq_store_post_exists(p->st, post->source, post->id);
		if (rc < 0) {
			yq_buf_printf(err, "lookup: %s", yq_store_errmsg(p->st));
			return YQ_EDB;
		}
		if (rc == 1) {
			res->existed = 1;
			p->stats.existed++;
			p->stats.ns_store += now_ns(p) - t0;
			return YQ_OK;
		}
	}
	t1 = now_ns(p);
	p->stats.ns_store += t1 - t0;
	t0 = t1;

	/* stream time */
	int64_t t;
	if (post->time_ok) {
		t = post->time;
		if (t > p->now)
			p->now = t;
	} else {
		t = p->now == INT64_MIN ? 0 : p->now;
		p->stats.time_missing++;
	}
	if (p->now == INT64_MIN)
		p->now = t;

	/* normalize: title and text analysed together */
	const char *in = post->text ? post->text : post->title;
	if (post->title && post->text) {
		yq_buf_reset(&p->title);
		if (yq_buf_adds(&p->title, post->title) || yq_buf_addc(&p->title, '\n') ||
		    yq_buf_adds(&p->title, post->text))
			return YQ_ENOMEM;
		in = p->title.s;
	}
	size_t inlen = strlen(in);
	if (inlen > (1u << 20))
		inlen = 1u << 20; /* the normalizer's cap; the rest is not analysed */
	while (inlen && ((unsigned char)in[inlen] & 0xC0) == 0x80)
		inlen--;
	if ((rc = yq_normalize(p->norm, in, inlen, &p->nr)))
		return rc;
	t1 = now_ns(p);
	p->stats.ns_normalize += t1 - t0;
	const char *text = p->nr.text.s;

	/* tokenize */
	if ((rc = yq_tokenize(p->seg, &p->work, text, p->nr.text.len, &p->toks)))
		return rc;
	t0 = now_ns(p);
	p->stats.ns_tokenize += t0 - t1;

	/* sentiment */
	if (p->cfg.sentiment) {
		if (opinion_free(text, &p->toks)) {
			res->sentiment = "neutral"; /* by rule, not by the model */
			res->sentiment_prob = 1.0;
		} else if ((rc = yq_classifier_predict(p->cfg.sentiment, &p->clf, text,
						       p->nr.text.len, &p->toks, &res->sentiment,
						       &res->sentiment_prob))) {
			return rc;
		}
		if (strcmp(res->sentiment, "negative") == 0)
			p->stats.negative++;
		t1 = now_ns(p);
		p->stats.ns_sentiment += t1 - t0;
		t0 = t1;
	}

	/* terms, SimHash */
	size_t nfeat;
	size_t nterms = build_terms(p, text, &nfeat);
	uint64_t sh = yq_simhash(p->feats, nfeat);
	res->simhash = sh;
	if (!nterms)
		p->stats.no_content++;
	t1 = now_ns(p);
	p->stats.ns_features += t1 - t0;

	/* near-duplicates */
	uint64_t key = ++p->key, root = 0;
	if ((rc = yq_dedup_add(p->dedup, key, sh, p->termbuf.s, p->termbuf.len, &root)))
		return rc;
	int64_t join = 0;
	struct parent_slot *parent = NULL;
	if (post->parent) {
		uint64_t h = parent_hash(post->source, post->parent);
		parent = &p->parents[h >> (64 - PARENT_BITS)];
		if (parent->tag != (uint32_t)h)
			parent = NULL;
	}
	const char *plain_of = NULL; /* a plain repost copies its parent */
	if (post->parent && yq_plain_repost_words(text, p->nr.own_len)) {
		if (parent && ring_find(p, parent->root))
			root = parent->root;
		else
			plain_of = post->parent; /* the original, even if never seen */
	}
	struct ring_slot *rs;
	if (root && (rs = ring_find(p, root))) {
		res->dup_of = ring_id(rs);
		join = rs->event;
		p->stats.duplicates++;
	} else if (plain_of) {
		root = 0;
		res->dup_of = plain_of;
		p->stats.duplicates++;
	}
	t0 = now_ns(p);
	p->stats.ns_dedup += t0 - t1;

	/* monitoring schemes: title and text are matched as separate fields */
	if (p->matcher) {
		const struct yq_norm_result *tn = NULL, *xn = &p->nr;
		if (post->title && post->text) {
			if ((rc = yq_normalize(p->norm, post->title, strlen(post->title), &p->nr_title)) ||
			    (rc = yq_normalize(p->norm, post->text, strlen(post->text), &p->nr_text)))
				return rc;
			tn = &p->nr_title;
			xn = &p->nr_text;
		} else if (post->title) {
			tn = &p->nr; /* the title alone was normalized above */
			xn = NULL;
		}
		if ((rc = yq_matcher_match(p->matcher, p->mscratch, tn, xn, &p->mres)))
			return rc;
		res->schemes = p->mres.n;
		if (p->mres.n)
			p->stats.matched++;
	}
	t1 = now_ns(p);
	p->stats.ns_match += t1 - t0;
	t0 = t1;

	/* events: a repost belongs to its parent's event before all else (a
	 * "转发微博" repost duplicates thousands of others in other cascades) */
	if (parent && parent->event)
		join = parent->event;
	size_t tlen = p->nr.own_len ? p->nr.own_len : p->nr.text.len;
	if (tlen > TITLE_MAX) {
		tlen = TITLE_MAX;
		while (tlen && ((unsigned char)text[tlen] & 0xC0) == 0x80)
			tlen--;
	}
	yq_buf_reset(&p->chain);
	if (yq_buf_add(&p->chain, text, tlen))
		return YQ_ENOMEM;
	struct yq_cluster_hit hit;
	size_t own_chars = yq_utf8_count(text, p->nr.own_len ? p->nr.own_len : p->nr.text.len);
	double title_weight = own_chars >= TITLE_MIN ? log1p((double)own_chars) : 0;
	if ((rc = yq_cluster_add(p->cluster, p->cterms, nterms, t, join, post->id, p->chain.s,
				 title_weight, &hit)))
		return rc;
	res->event = hit.event ? hit.event->id : 0;
	if (hit.event && p->places && (rc = count_places(p, hit.event, text)))
		return rc;
	if (hit.event && res->sentiment)
		yq_event_add_sentiment(hit.event, strcmp(res->sentiment, "negative") == 0);
	for (size_t i = 0; hit.event && i < res->schemes; i++)
		if (yq_event_add_scheme(hit.event, p->scheme_map[p->mres.v[i].scheme]))
			return YQ_ENOMEM;
	t1 = now_ns(p);
	p->stats.ns_cluster += t1 - t0;

	/* warning: the event's risk and alerts; term bursts */
	if (hit.event && (rc = raise_alert(p, &hit, post, t, &res->alert_level, err)))
		return rc;
	size_t ntrend = 0; /* terms common in the stream (function words) are left out */
	for (size_t i = 0; i < nterms; i++)
		if (yq_tfidf_idf(p->tfidf, &p->tstat[i]) >= TREND_MIN_IDF) {
			p->tterms[ntrend] = p->cterms[i].s;
			p->tlens[ntrend++] = p->cterms[i].len;
		}
	if ((rc = yq_signitrend_add(p->trend, t, p->tterms, p->tlens, ntrend, put_signals, p)))
		return rc;
	t0 = now_ns(p);
	p->stats.ns_warn += t0 - t1;
	t1 = t0;

	/* the window ring and the parent cache */
	rs = &p->ring[key % p->window];
	rs->key = 0;
	if (ring_id_set(rs, post->id))
		return YQ_ENOMEM;
	rs->key = (uint32_t)key;
	rs->event = res->event > 0 && res->event <= (int64_t)UINT32_MAX ? (uint32_t)res->event : 0;
	if (res->dup_of && root) /* the ring slot of the root may just have been reused */
		res->dup_of = (rs = ring_find(p, root)) ? ring_id(rs) : NULL;
	{
		uint64_t h = parent_hash(post->source, post->id);
		struct parent_slot *ps = &p->parents[h >> (64 - PARENT_BITS)];
		/* an event id past 32 bits is not cached: the slot is emptied */
		int fits = res->event >= 0 && res->event <= (int64_t)UINT32_MAX;
		ps->tag = fits ? (uint32_t)h : 0;
		ps->event = fits ? (uint32_t)res->event : 0;
		ps->root = root ? root : key;
	}

	/* store */
	if (p->st) {
		char author[33];
		struct yq_buf *ts = &p->tokstr;
		yq_buf_reset(ts);
		for (size_t i = 0; i < p->toks.n; i++) {
			const struct yq_token *tk = &p->toks.v[i];
			if ((i && yq_buf_addc(ts, ' ')) || yq_buf_add(ts, text + tk->off, tk->len))
				return YQ_ENOMEM;
		}
		struct yq_buf *ca = &p->json;
		yq_buf_reset(ca);
		for (size_t i = 0; i < p->nr.chain_names.n; i++) {
			char h[33];
			const struct yq_span *s = &p->nr.chain_names.v[i];
			yq_store_author_hash(p->st, text + s->off, s->len, h);
			if ((i && yq_buf_addc(ca, ' ')) || yq_buf_adds(ca, h))
				return YQ_ENOMEM;
		}
		if (post->author)
			yq_store_author_hash(p->st, post->author, strlen(post->author), author);
		struct yq_post_rec rec = {
			.source = post->source, .id = post->id, .time = t, .time_ok = post->time_ok,
			.title = post->title, .text = post->text ? post->text : "", .norm = text,
			.tokens = ts->s, .simhash = sh, .dup_of = res->dup_of, .event = res->event,
			.author = post->author ? author : NULL,
			.chain_authors = ca->len ? ca->s : NULL, .reposts = post->reposts,
			.comments = post->comments, .likes = post->likes, .parent = post->parent,
			.url = post->url, .location = post->location,
			.norm_tokens = &p->toks, /* the FTS tokenizer reuses them */
			.sentiment = res->sentiment, .sentiment_prob = res->sentiment_prob,
		};
		rc = yq_store_put_post(p->st, &rec);
		if (rc < 0) {
			yq_buf_printf(err, "storing post %s: %s", post->id, yq_store_errmsg(p->st));
			return YQ_EDB;
		}
		for (size_t i = 0; rc == 0 && i < res->schemes; i++) {
			const struct yq_scheme_match *sm = &p->mres.v[i];
			if (hits_json(&p->mres, sm, &p->hits))
				return YQ_ENOMEM;
			if (yq_store_put_post_scheme(p->st, sm->s->id, p->hits.s)) {
				yq_buf_printf(err, "storing the schemes of post %s: %s", post->id,
					      yq_store_errmsg(p->st));
				return YQ_EDB;
			}
		}
	}
	p->stats.posts++;
	t0 = now_ns(p);
	p->stats.ns_store += t0 - t1;
	if (++p->in_batch >= p->cfg.batch)
		return end_batch(p, err);
	return YQ_OK;
}

int yq_pipeline_finish(struct yq_pipeline *p, struct yq_buf *err)
{
	int rc = ensure_txn(p, err);
	if (rc)
		return rc;
	if ((rc = yq_signitrend_finish(p->trend, put_signals, p)))
		return rc;
	yq_cluster_close_all(p->cluster);
	return end_batch(p, err);
}

/* ---- caller-driven transactions (the daemon, serve/daemon.c) ---- */

int yq_pipeline_begin(struct yq_pipeline *p, struct yq_buf *err)
{
	return ensure_txn(p, err);
}

int yq_pipeline_commit(struct yq_pipeline *p, struct yq_buf *err)
{
	return end_batch(p, err);
}
