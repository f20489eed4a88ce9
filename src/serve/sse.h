/*
 * sse.h — the live stream hub behind GET /api/stream (Server-Sent Events,
 * WHATWG HTML §9.2): new alerts and event changes, each with a numeric,
 * monotonic id.
 *
 * Ids: the writer reserves ids before the commit that makes the messages
 * true (yq_sse_reserve) and stores the last reserved id in that same
 * transaction, so ids keep rising across restarts and kill -9; it publishes
 * after the commit.  A reserved id that is never published leaves a hole,
 * which clients never notice.
 *
 * Resume (field case sse-02): the hub keeps the last `keep` messages.
 *   no Last-Event-ID        live messages only, no history
 *   Last-Event-ID L, held  the kept messages with id > L, once, then live
 *   L older than the kept  one "resync" message (id = the last published
 *   ones, or unknown       id) telling the client to reload a snapshot,
 *                          then live; never a silent replay or gap
 * A connected client so slow that messages it has not read yet left the
 * ring gets the same resync message instead of a silent gap.  Every
 * message frame has an "id:" line; heartbeats are comment lines.
 *
 * Threads: one publisher (the writer) and any number of clients (HTTP
 * connection threads); one mutex guards the ring, a condition variable
 * wakes the clients.
 */
#ifndef YQ_SERVE_SSE_H
#define YQ_SERVE_SSE_H

#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"

struct yq_sse;

/* yq_sse_new: a hub keeping keep messages (>= 1) whose next id is
 * first_id (>= 1).  YQ_ENOMEM. */
int yq_sse_new(size_t keep, uint64_t first_id, struct yq_sse **out);
/* yq_sse_free: NULL is a no-op.  No client may still use the hub. */
void yq_sse_free(struct yq_sse *h);

/* yq_sse_reserve: reserves n consecutive ids and returns the first; the
 * last is the return value + n - 1. */
uint64_t yq_sse_reserve(struct yq_sse *h, size_t n);

/*
 * yq_sse_publish: message id (reserved, greater than every id published
 * before) of type event ("alert", "event") with data (one line of JSON,
 * no newline).  Returns 0, YQ_EINVAL (an id not above the last published
 * one, or data with a newline) or YQ_ENOMEM.
 */
int yq_sse_publish(struct yq_sse *h, uint64_t id, const char *event, const char *data);

/* yq_sse_close: wakes every client; yq_sse_next returns YQ_EEOF from now on. */
void yq_sse_close(struct yq_sse *h);

/*
 * yq_sse_start: where a new client begins.  last_event_id is the request's
 * Last-Event-ID header or NULL.  Sets *cursor (the id after which messages
 * are sent) and appends to out what is due before the kept messages: a
 * "retry:" line, and the resync message when the id cannot be resumed.
 * Returns 0 or YQ_ENOMEM.
 */
int yq_sse_start(struct yq_sse *h, const char *last_event_id, uint64_t *cursor,
		 struct yq_buf *out);

/*
 * yq_sse_next: appends to out the frames of the published messages with
 * id > *cursor (at most max_bytes' worth, whole frames) and advances
 * *cursor; when there are none, waits up to wait_ms for one and, if none
 * comes, appends a heartbeat comment.  Returns 0, YQ_EEOF (the hub is
 * closed) or YQ_ENOMEM.
 */
int yq_sse_next(struct yq_sse *h, uint64_t *cursor, int64_t wait_ms, size_t max_bytes,
		struct yq_buf *out);

/* yq_sse_last: the last published id (0: none yet). */
uint64_t yq_sse_last(struct yq_sse *h);
/* yq_sse_clients: clients connected now (for /metrics); the HTTP layer
 * counts them with yq_sse_client_delta(+1/-1). */
size_t yq_sse_clients(struct yq_sse *h);
void yq_sse_client_delta(struct yq_sse *h, int d);

#endif
