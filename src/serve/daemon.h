/*
 * daemon.h — `yuqing serve`: the collectors, the pipeline and the HTTP API
 * in one process (docs/http-api.md).
 *
 * Threads and what they own:
 *   writer      the pipeline and the store's read-write connection: pops
 *               posts off the queue, analyses and stores them, writes the
 *               collectors' checkpoints and the sources' health in the same
 *               BEGIN IMMEDIATE transaction, commits, then publishes the
 *               new alerts and changed events to the live stream
 *   files       follows the configured files and directories (offsets from
 *               serve_offsets) and queues their posts
 *   feeds       polls the RSS/Atom sources with the fetcher (conditional
 *               GET, backoff), queues their items; its health writes go
 *               on its own connection, never inside a network call
 *   sender      the alert outbox (deliver/deliver.h): escalation up the
 *               duty roster and delivery, every second, on its own
 *               connection; alerts are enqueued by the writer in the
 *               transaction that stores them
 *   HTTP        libmicrohttpd, one thread per connection (so a live-stream
 *               client may block in its callback), each request on its own
 *               read-only connection (WAL); POST /api/posts queues posts
 * The bounded queue (serve/queue.h) between collectors and writer is the
 * backpressure.  Shutdown (yq_daemon_stop, SIGTERM/SIGINT): the HTTP server
 * and the collectors stop, the writer drains the queue and commits, so
 * every post read is stored and checkpointed; after kill -9 the last
 * committed checkpoints resume reading with no post lost or stored twice.
 */
#ifndef YQ_SERVE_DAEMON_H
#define YQ_SERVE_DAEMON_H

#include "base/buf.h"
#include "match/scheme.h"
#include "pipeline/pipeline.h"
#include "serve/config.h"
#include "text/segment.h"

struct yq_daemon;

/*
 * yq_daemon_new: opens the store (creating the daemon's tables), registers
 * the configured sources and binds the listening socket; no thread runs
 * yet.  cfg, pcfg's borrowed members, seg and everything they point to
 * are borrowed and must outlive the daemon.  Errors: YQ_EDB, YQ_EIO (the
 * address cannot be bound), YQ_EINVAL (a bad time zone), YQ_ENOMEM;
 * message in err.
 */
int yq_daemon_new(const struct yq_serve_config *cfg, const struct yq_pipeline_config *pcfg,
		  const struct yq_segmenter *seg, struct yq_daemon **out, struct yq_buf *err);

/* yq_daemon_port: the bound TCP port (the configured one, or the kernel's
 * choice for port 0). */
int yq_daemon_port(const struct yq_daemon *d);

/* yq_daemon_start: starts every thread and the HTTP server.  0, YQ_EIO,
 * YQ_ENOMEM (err says which). */
int yq_daemon_start(struct yq_daemon *d, struct yq_buf *err);

/* yq_daemon_wait_fatal: returns 1 when the writer met an error it cannot
 * go on from (the database failed), else waits up to ms milliseconds and
 * returns 0. */
int yq_daemon_wait_fatal(struct yq_daemon *d, int ms);

/* yq_daemon_stop: stops the HTTP server and the collectors, drains the
 * queue into the store and joins every thread.  Returns 0, or the
 * writer's error (err says it). */
int yq_daemon_stop(struct yq_daemon *d, struct yq_buf *err);

/* yq_daemon_free: stops the daemon if it runs, frees it.  NULL: no-op. */
void yq_daemon_free(struct yq_daemon *d);

#endif
