/*
 * queue.c — the bounded collector → writer queue; see queue.h.
 *
 * Invariants: n == the number of items on the list head..tail; n <= cap;
 * after close, push fails and pop drains.
 */
#include "serve/queue.h"
#include "base/error.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct yq_queue {
	pthread_mutex_t mu;
	pthread_cond_t not_empty, not_full;
	struct yq_item *head, *tail;
	size_t n, cap;
	int closed;
};

uint64_t yq_now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* ---- items ---- */

struct yq_item *yq_item_new(const struct yq_post *post, int src, const char *ckpt_path,
			    int64_t ckpt_offset)
{
	struct yq_item *it = calloc(1, sizeof(*it));
	if (!it)
		return NULL;
	it->src = src;
	it->ckpt_offset = ckpt_offset;
	it->enq_ns = yq_now_ns();
	if (ckpt_path && !(it->ckpt_path = strdup(ckpt_path)))
		goto fail;
	if (!post)
		return it;
	const char *f[9] = {post->id, post->source, post->url, post->author, post->time_raw,
			    post->title, post->text, post->parent, post->location};
	size_t need = 0;
	for (int i = 0; i < 9; i++)
		need += f[i] ? strlen(f[i]) + 1 : 0;
	if (!(it->storage = malloc(need ? need : 1)))
		goto fail;
	const char *copy[9];
	char *w = it->storage;
	for (int i = 0; i < 9; i++) {
		if (!f[i]) {
			copy[i] = NULL;
			continue;
		}
		size_t n = strlen(f[i]) + 1;
		memcpy(w, f[i], n);
		copy[i] = w;
		w += n;
	}
	it->has_post = 1;
	it->post = *post;
	it->post.id = copy[0];
	it->post.source = copy[1];
	it->post.url = copy[2];
	it->post.author = copy[3];
	it->post.time_raw = copy[4];
	it->post.title = copy[5];
	it->post.text = copy[6];
	it->post.parent = copy[7];
	it->post.location = copy[8];
	it->post.extra = NULL;
	return it;
fail:
	yq_item_free(it);
	return NULL;
}

void yq_item_free(struct yq_item *it)
{
	if (!it)
		return;
	free(it->storage);
	free(it->ckpt_path);
	free(it);
}

/* ---- the queue ---- */

int yq_queue_new(size_t cap, struct yq_queue **out)
{
	struct yq_queue *q = calloc(1, sizeof(*q));
	if (!q)
		return YQ_ENOMEM;
	q->cap = cap ? cap : 1;
	pthread_mutex_init(&q->mu, NULL);
	pthread_condattr_t ca;
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&q->not_empty, &ca);
	pthread_cond_init(&q->not_full, &ca);
	pthread_condattr_destroy(&ca);
	*out = q;
	return YQ_OK;
}

void yq_queue_free(struct yq_queue *q)
{
	if (!q)
		return;
	while (q->head) {
		struct yq_item *it = q->head;
		q->head = it->next;
		yq_item_free(it);
	}
	pthread_cond_destroy(&q->not_empty);
	pthread_cond_destroy(&q->not_full);
	pthread_mutex_destroy(&q->mu);
	free(q);
}

static void deadline(struct timespec *ts, int64_t ms)
{
	clock_gettime(CLOCK_MONOTONIC, ts);
	ts->tv_sec += ms / 1000;
	ts->tv_nsec += (ms % 1000) * 1000000;
	if (ts->tv_nsec >= 1000000000) {
		ts->tv_sec++;
		ts->tv_nsec -= 1000000000;
	}
}

int yq_queue_push(struct yq_queue *q, struct yq_item *it, int64_t wait_ms)
{
	struct timespec ts;
	int rc = YQ_OK;
	if (wait_ms >= 0)
		deadline(&ts, wait_ms);
	pthread_mutex_lock(&q->mu);
	while (!q->closed && q->n >= q->cap) {
		if (wait_ms < 0)
			pthread_cond_wait(&q->not_full, &q->mu);
		else if (pthread_cond_timedwait(&q->not_full, &q->mu, &ts) == ETIMEDOUT)
			break;
	}
	if (q->closed)
		rc = YQ_EEOF;
	else if (q->n >= q->cap)
		rc = YQ_ETOOBIG;
	else {
		it->next = NULL;
		if (q->tail)
			q->tail->next = it;
		else
			q->head = it;
		q->tail = it;
		q->n++;
		pthread_cond_signal(&q->not_empty);
	}
	pthread_mutex_unlock(&q->mu);
	return rc;
}

struct yq_item *yq_queue_pop(struct yq_queue *q, size_t max, int64_t wait_ms, int *closed)
{
	struct timespec ts;
	struct yq_item *first = NULL, *last = NULL;
	deadline(&ts, wait_ms);
	pthread_mutex_lock(&q->mu);
	while (!q->n && !q->closed)
		if (pthread_cond_timedwait(&q->not_empty, &q->mu, &ts) == ETIMEDOUT)
			break;
	for (size_t k = 0; k < max && q->head; k++) {
		struct yq_item *it = q->head;
		q->head = it->next;
		if (!q->head)
			q->tail = NULL;
		q->n--;
		it->next = NULL;
		if (last)
			last->next = it;
		else
			first = it;
		last = it;
	}
	*closed = q->closed && !q->n;
	if (first)
		pthread_cond_broadcast(&q->not_full);
	pthread_mutex_unlock(&q->mu);
	return first;
}

void yq_queue_close(struct yq_queue *q)
{
	pthread_mutex_lock(&q->mu);
	q->closed = 1;
	pthread_cond_broadcast(&q->not_empty);
	pthread_cond_broadcast(&q->not_full);
	pthread_mutex_unlock(&q->mu);
}

size_t yq_queue_depth(struct yq_queue *q, uint64_t *oldest_ns)
{
	pthread_mutex_lock(&q->mu);
	size_t n = q->n;
	if (oldest_ns)
		*oldest_ns = q->head ? q->head->enq_ns : 0;
	pthread_mutex_unlock(&q->mu);
	return n;
}

size_t yq_queue_cap(const struct yq_queue *q)
{
	return q->cap;
}
