/*
 * cluster.h — online clustering of the post stream into events (topic
 * detection and tracking, single pass).
 *
 * Algorithm: single-pass incremental clustering (Allan, Papka and Lavrenko,
 * "On-line new event detection and tracking", SIGIR 1998; Yang, Pierce and
 * Carbonell, SIGIR 1998).  A post is a TF-IDF vector of its content terms
 * (the caller weighs them, analyze/tfidf.h), keeping its top
 * YQ_CLUSTER_POST_TERMS terms, L2-normalized.  Each open event keeps a
 * centroid (sum of its posts' vectors, pruned to its YQ_CLUSTER_EVENT_TERMS
 * heaviest terms).  Candidate events come from an inverted index term →
 * events, scanning the most recent events of the post's heaviest terms and
 * ranking them by the partial dot product the postings give; the exact
 * cosine is computed for the best few, and the post joins the candidate of
 * highest cosine if it reaches the threshold,
 * else it opens a new event.  A post whose duplicate or parent already
 * belongs to an event joins that event directly (the caller says so).
 * At each flush, story linking (as Europe Media Monitor links clusters into
 * stories) compares each changed open event's centroid with the open events
 * found through the index under its heaviest terms: at centroid cosine >=
 * link_threshold × (1 + s / 2000), s the smaller event's size in posts (two
 * large events need more evidence to become one), the younger merges into
 * the older, which keeps its id;
 * yq_cluster_resolve maps a merged id to the survivor (union-find).
 * Events close after close_after seconds without a post; a closed event's
 * memory is freed after the caller has seen it in yq_cluster_flush().
 *
 * Each event also keeps its volume per time bucket (timeline) and the burst
 * state of that volume (detect/burst.h).
 *
 * Memory: nothing is kept per post; per open event about 2 KiB (centroid,
 * index entries, timeline); the inverted index holds at most 128 entries
 * per term (the newest 64 open events are kept when a posting fills) and
 * drops closed events' entries at a flush once they may outnumber the live
 * ones.  Threads: one thread at a time.
 */
#ifndef YQ_CLUSTER_H
#define YQ_CLUSTER_H

#include <stddef.h>
#include <stdint.h>

#include "detect/burst.h"

#define YQ_CLUSTER_POST_TERMS 16
#define YQ_CLUSTER_EVENT_TERMS 64
#define YQ_CLUSTER_TIMELINE_MAX 4096 /* buckets kept per event */

struct yq_cluster_config {
	double threshold;      /* cosine to join an event, default 0.1 */
	double link_threshold; /* centroid cosine that links two events into one
				* story at a flush, default 0.12; 0: no linking */
	int64_t bucket;        /* seconds per timeline bucket, default 3600 */
	int64_t close_after;   /* seconds of silence that close an event, default 72 h */
	struct yq_burst_config burst;
};

void yq_cluster_config_default(struct yq_cluster_config *c);

/* A weighted term of a post: term bytes (borrowed) and TF-IDF weight. */
struct yq_cterm {
	const char *s;
	uint32_t len;
	float w;
};

/* Lifecycle states, from the event's own timeline (yq_event_state_at). */
enum yq_event_state { YQ_EV_NEW, YQ_EV_RISING, YQ_EV_PEAK, YQ_EV_DECLINING, YQ_EV_CLOSED };

#define YQ_EVENT_LIFECYCLE_MAX 8 /* state changes kept per event */
#define YQ_EVENT_PLACES_MAX 32 /* distinct places counted per event */

/* A place (an index into the caller's gazetteer, detect/places.h) and the
 * number of the event's posts that name it. */
struct yq_place_count {
	uint32_t place;
	uint32_t count;
};

struct yq_tl_point {
	int64_t bucket;  /* bucket index: time / bucket seconds */
	uint32_t count;
	uint32_t negative; /* of which rated negative (yq_event_add_sentiment) */
};

#define YQ_EVENT_SOURCES 8    /* source names kept per event for the warning stage */
#define YQ_EVENT_SOURCE_LEN 24 /* bytes of a source name kept, NUL included */

/* The warning stage's state of an event (warn/risk.h), kept by the
 * pipeline; zero when the event opens, not touched by the clusterer. */
struct yq_event_warn {
	uint64_t engagement;           /* reposts + comments + likes of its posts */
	uint32_t nsources;             /* distinct sources (counted up to YQ_EVENT_SOURCES) */
	char sources[YQ_EVENT_SOURCES][YQ_EVENT_SOURCE_LEN]; /* their names, truncated */
	uint64_t text_size;            /* event size when the text factors were computed */
	float sensitivity, locality;   /* text factors (yq_risk_lexicon_match) */
	int level;                     /* highest risk level alerted so far */
};

/* An event; read-only for callers (warn excepted, see above). */
struct yq_event {
	int64_t id;
	int64_t first_seen, last_seen; /* Unix seconds */
	uint64_t size;                 /* posts joined */
	char *title;                   /* the most representative post's text */
	char *title_post;              /* that post's id */
	char *first_post;              /* id of the event's first post */
	double title_score;
	int closed;
	int64_t merged_into;           /* > 0: closed by story linking into this event */
	enum yq_event_state state;     /* as of the last flush that reported it */
	struct {
		int64_t time;          /* stream time of the flush that saw it */
		uint8_t state;         /* enum yq_event_state */
	} lifecycle[YQ_EVENT_LIFECYCLE_MAX]; /* the states it went through, in
					      * order (when full, the last is replaced) */
	size_t nlifecycle;
	int max_level;                 /* highest burst level alerted so far */
	struct yq_burst burst;
	struct yq_tl_point *timeline;
	size_t ntimeline, tlcap;
	uint64_t rated, negative;      /* posts rated for sentiment, and negative */
	uint32_t *schemes;             /* indices of the schemes its posts matched */
	size_t nschemes, schemes_cap;
	struct yq_event_warn warn;
	struct yq_place_count *places; /* places named by its posts, unordered */
	size_t nplaces;
	/* private */
	void *priv;
	uint32_t idx;
	int dirty;
};

struct yq_cluster;

/* yq_cluster_new: event ids start at first_id (> 0).  0 or YQ_ENOMEM. */
int yq_cluster_new(const struct yq_cluster_config *cfg, int64_t first_id, struct yq_cluster **out);
void yq_cluster_free(struct yq_cluster *c);

/* What yq_cluster_add did. */
struct yq_cluster_hit {
	struct yq_event *event; /* valid until the next yq_cluster_flush */
	int is_new;             /* the post opened the event */
	double sim;             /* cosine with the event's centroid (0 for new) */
	int level;              /* burst level of the event's current bucket (0-4) */
	int level_rose;         /* level > every level alerted before for this event */
	double z;               /* burst z score */
};

/*
 * yq_cluster_add: assigns one post.  terms[0..n) are the post's weighted
 * content terms (any order, any weights ≥ 0; the top ones are kept and
 * normalized here); time is its stream time; join_event > 0 forces the post
 * into that event if it is still open (a duplicate's or a repost's);
 * post_id and text (NUL-terminated, borrowed) are kept if the post becomes
 * the event's title: the post of highest title_weight × cosine with the
 * centroid (1 for the post that opens the event).  Callers give informative
 * posts more weight (pipeline.c: ln(1 + length of the post's own text)) and
 * 0 to posts too short to be a title, such as "转发微博"; a post of weight 0
 * is the title only of an event that has none.  A post with n == 0 and no
 * join_event opens no event:
 * hit->event is NULL.  Returns 0 or YQ_ENOMEM.
 */
int yq_cluster_add(struct yq_cluster *c, const struct yq_cterm *terms, size_t n, int64_t time,
		   int64_t join_event, const char *post_id, const char *text, double title_weight,
		   struct yq_cluster_hit *hit);

/*
 * yq_cluster_flush: closes the events idle for close_after before now, then
 * calls fn(event, ctx) for every event changed since the last flush
 * (closed ones included, with event->closed set), then frees the closed
 * ones.  fn returns 0 or an error that stops the flush and is returned.
 */
int yq_cluster_flush(struct yq_cluster *c, int64_t now,
		     int (*fn)(const struct yq_event *ev, void *ctx), void *ctx);

/* yq_cluster_close_all: marks every open event closed (end of a replay);
 * the next flush reports and frees them. */
void yq_cluster_close_all(struct yq_cluster *c);

/* yq_event_add_scheme: notes that a post of ev matched scheme (an index
 * into the caller's scheme set); each scheme is kept once.  0 or YQ_ENOMEM. */
int yq_event_add_scheme(struct yq_event *ev, uint32_t scheme);

/* yq_event_add_place: counts one post of ev that names place; the first
 * YQ_EVENT_PLACES_MAX distinct places are counted, later new ones are not.
 * 0 or YQ_ENOMEM. */
int yq_event_add_place(struct yq_event *ev, uint32_t place);

/* yq_event_add_sentiment: counts the sentiment of the post just added to ev
 * (after yq_cluster_add): rated, and negative if negative != 0; the
 * negative count goes to the event's latest timeline bucket. */
void yq_event_add_sentiment(struct yq_event *ev, int negative);

/* yq_cluster_keywords: the event's k heaviest centroid terms, written as
 * terms[i] (borrowed, valid until the next add/flush) and lens[i]; returns
 * how many were written. */
size_t yq_cluster_keywords(const struct yq_cluster *c, const struct yq_event *ev, size_t k,
			   const char **terms, uint32_t *lens);

/*
 * yq_event_state_at: the lifecycle state of ev when the current bucket is
 * bucket_now (stream time / bucket seconds).  With L the count of the
 * latest bucket if it is the current or the previous one (else 0: the
 * event is silent), P the count of the bucket just before it and M the
 * largest bucket count so far:
 *   closed     the event is closed (or merged into another);
 *   new        one bucket of posts only, and that bucket is current or just past;
 *   rising     L > P and L >= M (growing, at its highest);
 *   peak       L > 0 and L >= 0.8 M (near its highest, no longer growing);
 *   declining  otherwise (below 0.8 of its peak, or silent).
 */
enum yq_event_state yq_event_state_at(const struct yq_event *ev, int64_t bucket_now);

/* yq_event_state_name: "new", "rising", "peak", "declining", "closed". */
const char *yq_event_state_name(enum yq_event_state s);

/* yq_cluster_resolve: the surviving event of event id (itself unless story
 * linking merged it into another, transitively); ids this clusterer did
 * not open are returned unchanged.  Kept for every event ever opened (4
 * bytes each), so posts reported before a merge can be mapped afterwards. */
int64_t yq_cluster_resolve(struct yq_cluster *c, int64_t id);

/* Counts for the summary. */
struct yq_cluster_stats {
	uint64_t events;       /* opened */
	uint64_t open;         /* open now */
	uint64_t candidates;   /* exact centroid comparisons made */
	uint64_t merged;       /* events merged into others by story linking */
};
void yq_cluster_stats(const struct yq_cluster *c, struct yq_cluster_stats *s);

#endif
