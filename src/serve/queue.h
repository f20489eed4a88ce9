/*
 * queue.h — the bounded queue between the collectors (file tails, feed
 * pollers, HTTP push) and the one writer thread that owns the pipeline and
 * the store.
 *
 * An item is an owned copy of one post, or a bare checkpoint, with where it
 * came from: a file source's item carries the file and the offset reached
 * after it, so the writer can store that offset in the same transaction as
 * the post (serve/daemon.c).  Backpressure: yq_queue_push blocks while the
 * queue is full, up to a timeout, so a fast collector slows to the
 * pipeline's pace and an HTTP push gets 503 rather than unbounded memory.
 *
 * Threads: any number of producers, one consumer; one mutex guards the
 * list, two condition variables signal "not empty" and "not full".
 */
#ifndef YQ_SERVE_QUEUE_H
#define YQ_SERVE_QUEUE_H

#include <stddef.h>
#include <stdint.h>

#include "collect/reader.h"

struct yq_item {
	struct yq_item *next;
	int has_post;          /* 0: a checkpoint only */
	int rejected;          /* a checkpoint for a bad record (counted per source) */
	struct yq_post post;   /* strings point into storage (owned) */
	char *storage;
	int src;               /* index of the configured source, -1: an unnamed push */
	int update_edits;      /* a feed item: if the post exists, update its title/time */
	char *ckpt_path;       /* file sources: the file (owned), else NULL */
	int64_t ckpt_offset;   /* byte offset (JSONL) or records (other formats) after this item */
	int ckpt_done;         /* the file is read to its end (complete formats) */
	uint64_t enq_ns;       /* CLOCK_MONOTONIC when queued (latency) */
};

/*
 * yq_item_new: an item holding a copy of post (NULL: a checkpoint only)
 * and of ckpt_path (NULL: none).  Returns NULL when out of memory.  Free
 * with yq_item_free (NULL: no-op; frees one item, not the list).
 */
struct yq_item *yq_item_new(const struct yq_post *post, int src, const char *ckpt_path,
			    int64_t ckpt_offset);
void yq_item_free(struct yq_item *it);

struct yq_queue;

/* yq_queue_new: a queue of at most cap items (cap >= 1). */
int yq_queue_new(size_t cap, struct yq_queue **out);
/* yq_queue_free: frees the queue and every item still in it.  NULL: no-op. */
void yq_queue_free(struct yq_queue *q);

/*
 * yq_queue_push: appends it (ownership passes to the queue on success),
 * waiting at most wait_ms for room (-1: as long as it takes).  Returns 0,
 * YQ_ETOOBIG (still full after wait_ms; it is not taken) or YQ_EEOF (the
 * queue is closed; it is not taken).
 */
int yq_queue_push(struct yq_queue *q, struct yq_item *it, int64_t wait_ms);

/*
 * yq_queue_pop: takes up to max items off the front, waiting at most
 * wait_ms for the first one.  Returns the list (linked by next, in queue
 * order; the caller owns it) or NULL when none came in time or the queue
 * is closed and empty (*closed then 1).
 */
struct yq_item *yq_queue_pop(struct yq_queue *q, size_t max, int64_t wait_ms, int *closed);

/* yq_queue_close: no push succeeds after this; pop returns what is left. */
void yq_queue_close(struct yq_queue *q);

/* yq_queue_depth: items waiting now; *oldest_ns (if not NULL) the enq_ns
 * of the first one, 0 when empty. */
size_t yq_queue_depth(struct yq_queue *q, uint64_t *oldest_ns);
size_t yq_queue_cap(const struct yq_queue *q);

/* yq_now_ns: CLOCK_MONOTONIC in nanoseconds. */
uint64_t yq_now_ns(void);

#endif
