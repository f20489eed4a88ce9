/*
 * sse.c — the Server-Sent Events hub; see sse.h for the resume rules.
 *
 * Design: a ring of the last `keep` published messages, oldest at
 * ring[(start) % keep]; each holds its id and its frame already formatted
 * ("id: N\nevent: E\ndata: D\n\n"), so a client's send is a copy.
 * Invariants: ids in the ring ascend from start; last_published is the id
 * of the newest message ever published (also when the ring is empty after
 * a restart: it is then first_id - 1, the persisted last id); every
 * published id above `dropped` is still in the ring, so a client whose
 * position is at or above it can be served without a gap.
 */
#include "serve/sse.h"
#include "base/error.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct msg {
	uint64_t id;
	char *frame;
	size_t len;
};

struct yq_sse {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct msg *ring;
	size_t keep, start, n;
	uint64_t next_id;        /* next id to reserve */
	uint64_t last_published;
	uint64_t dropped;        /* highest id that left the ring (or was
				  * published before this process started) */
	size_t clients;
	int closed;
};

int yq_sse_new(size_t keep, uint64_t first_id, struct yq_sse **out)
{
	struct yq_sse *h = calloc(1, sizeof(*h));
	if (!h)
		return YQ_ENOMEM;
	h->keep = keep ? keep : 1;
	if (!(h->ring = calloc(h->keep, sizeof(*h->ring)))) {
		free(h);
		return YQ_ENOMEM;
	}
	h->next_id = first_id ? first_id : 1;
	h->last_published = h->next_id - 1;
	h->dropped = h->next_id - 1;
	pthread_mutex_init(&h->mu, NULL);
	pthread_condattr_t ca;
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&h->cv, &ca);
	pthread_condattr_destroy(&ca);
	*out = h;
	return YQ_OK;
}

void yq_sse_free(struct yq_sse *h)
{
	if (!h)
		return;
	for (size_t i = 0; i < h->keep; i++)
		free(h->ring[i].frame);
	free(h->ring);
	pthread_cond_destroy(&h->cv);
	pthread_mutex_destroy(&h->mu);
	free(h);
}

uint64_t yq_sse_reserve(struct yq_sse *h, size_t n)
{
	pthread_mutex_lock(&h->mu);
	uint64_t first = h->next_id;
	h->next_id += n;
	pthread_mutex_unlock(&h->mu);
	return first;
}

int yq_sse_publish(struct yq_sse *h, uint64_t id, const char *event, const char *data)
{
	struct yq_buf f = YQ_BUF_INIT;
	if (strchr(data, '\n') || strchr(data, '\r') || strchr(event, '\n'))
		return YQ_EINVAL;
	if (yq_buf_printf(&f, "id: %llu\nevent: %s\ndata: %s\n\n", (unsigned long long)id, event,
			  data)) {
		yq_buf_release(&f);
		return YQ_ENOMEM;
	}
	pthread_mutex_lock(&h->mu);
	if (id <= h->last_published || id >= h->next_id) {
		pthread_mutex_unlock(&h->mu);
		yq_buf_release(&f);
		return YQ_EINVAL;
	}
	struct msg *m;
	if (h->n == h->keep) { /* drop the oldest */
		m = &h->ring[h->start];
		h->dropped = m->id;
		free(m->frame);
		h->start = (h->start + 1) % h->keep;
		h->n--;
	}
	m = &h->ring[(h->start + h->n) % h->keep];
	m->id = id;
	m->frame = yq_buf_detach(&f, &m->len);
	h->n++;
	h->last_published = id;
	pthread_cond_broadcast(&h->cv);
	pthread_mutex_unlock(&h->mu);
	return YQ_OK;
}

void yq_sse_close(struct yq_sse *h)
{
	pthread_mutex_lock(&h->mu);
	h->closed = 1;
	pthread_cond_broadcast(&h->cv);
	pthread_mutex_unlock(&h->mu);
}

/* parse_id: a Last-Event-ID value as a decimal id; -1 when unreadable. */
static int parse_id(const char *s, uint64_t *out)
{
	char *end;
	if (!s || *s < '0' || *s > '9')
		return -1;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 10);
	if (errno || *end)
		return -1;
	*out = v;
	return 0;
}

static int resync(struct yq_sse *h, uint64_t *cursor, struct yq_buf *out)
{
	*cursor = h->last_published;
	return yq_buf_printf(out,
			     "id: %llu\nevent: resync\ndata: {\"last_id\":%llu,"
			     "\"reason\":\"messages after your last id are no longer kept;"
			     " reload a snapshot\"}\n\n",
			     (unsigned long long)h->last_published,
			     (unsigned long long)h->last_published);
}

int yq_sse_start(struct yq_sse *h, const char *last_event_id, uint64_t *cursor,
		 struct yq_buf *out)
{
	uint64_t want = 0;
	int rc = yq_buf_adds(out, "retry: 3000\n\n");
	pthread_mutex_lock(&h->mu);
	uint64_t last = h->last_published;
	*cursor = last; /* live only, unless a resumable id was given */
	if (last_event_id) {
		/* resumable when every message after the client's id is still
		 * in the ring */
		if (parse_id(last_event_id, &want) == 0 && want >= h->dropped && want <= last)
			*cursor = want;
		else if (!rc)
			rc = resync(h, cursor, out);
	}
	pthread_mutex_unlock(&h->mu);
	return rc ? YQ_ENOMEM : YQ_OK;
}

/* collect: appends frames after *cursor; returns how many.  A client so
 * slow that messages it has not seen left the ring gets a resync, never
 * a silent gap.  h->mu held. */
static size_t collect(struct yq_sse *h, uint64_t *cursor, size_t max_bytes, struct yq_buf *out,
		      int *nomem)
{
	size_t k = 0;
	if (*cursor < h->dropped) {
		*nomem = resync(h, cursor, out) != 0;
		return 1;
	}
	for (size_t i = 0; i < h->n; i++) {
		struct msg *m = &h->ring[(h->start + i) % h->keep];
		if (m->id <= *cursor)
			continue;
		if (k && out->len + m->len > max_bytes)
			break;
		if (yq_buf_add(out, m->frame, m->len)) {
			*nomem = 1;
			break;
		}
		*cursor = m->id;
		k++;
	}
	return k;
}

int yq_sse_next(struct yq_sse *h, uint64_t *cursor, int64_t wait_ms, size_t max_bytes,
		struct yq_buf *out)
{
	struct timespec ts;
	int nomem = 0;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	ts.tv_sec += wait_ms / 1000;
	ts.tv_nsec += (wait_ms % 1000) * 1000000;
	if (ts.tv_nsec >= 1000000000) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000;
	}
	pthread_mutex_lock(&h->mu);
	for (;;) {
		if (h->closed) {
			pthread_mutex_unlock(&h->mu);
			return YQ_EEOF;
		}
		if (collect(h, cursor, max_bytes, out, &nomem) || nomem)
			break;
		if (pthread_cond_timedwait(&h->cv, &h->mu, &ts) == ETIMEDOUT) {
			if (!collect(h, cursor, max_bytes, out, &nomem) && !nomem)
				nomem = yq_buf_adds(out, ": heartbeat\n\n") != 0;
			break;
		}
	}
	pthread_mutex_unlock(&h->mu);
	return nomem ? YQ_ENOMEM : YQ_OK;
}

uint64_t yq_sse_last(struct yq_sse *h)
{
	pthread_mutex_lock(&h->mu);
	uint64_t v = h->last_published;
	pthread_mutex_unlock(&h->mu);
	return v;
}

size_t yq_sse_clients(struct yq_sse *h)
{
	pthread_mutex_lock(&h->mu);
	size_t v = h->clients;
	pthread_mutex_unlock(&h->mu);
	return v;
}

void yq_sse_client_delta(struct yq_sse *h, int d)
{
	pthread_mutex_lock(&h->mu);
	if (d > 0)
		h->clients++;
	else if (h->clients)
		h->clients--;
	pthread_cond_broadcast(&h->cv);
	pthread_mutex_unlock(&h->mu);
}
