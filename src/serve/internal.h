/*
 * internal.h — what the files of serve/ share: the daemon's state and the
 * HTTP request a handler works on.  Not a public API: only the .c files of src/serve
 * include it.
 *
 * Shared state and its guards: cfg, seg, names are read-only after start;
 * q, sse and m are thread-safe objects; stopping, fatal and the scheme
 * generations are atomics; st, p, wschemes and the writer's bookkeeping
 * belong to the writer thread alone.
 */
#ifndef YQ_SERVE_INTERNAL_H
#define YQ_SERVE_INTERNAL_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>

#include <jansson.h>
#include <microhttpd.h>
#include <sqlite3.h>

#include "auth/auth.h"
#include "base/buf.h"
#include "collect/ptime.h"
#include "deliver/deliver.h"
#include "serve/config.h"
#include "serve/metrics.h"
#include "serve/queue.h"
#include "serve/sse.h"
#include "store/store.h"

struct yq_pipeline;
struct yq_pipeline_config;

/* A file's identity on disk: it changed when any field changed. */
struct yq_file_id {
	int64_t mtime_ns, size;
	uint64_t ino;
};
/* yq_file_id_get: path's identity into *out (all zero when it cannot be
 * read).  0, or -1 when stat fails. */
int yq_file_id_get(const char *path, struct yq_file_id *out);
static inline int yq_file_id_same(const struct yq_file_id *a, const struct yq_file_id *b)
{
	return a->mtime_ns == b->mtime_ns && a->size == b->size && a->ino == b->ino;
}

struct yq_daemon {
	const struct yq_serve_config *cfg;
	const struct yq_pipeline_config *pcfg;
	const struct yq_segmenter *seg;
	const char **names;          /* source names, for metrics */
	struct yq_queue *q;
	struct yq_sse *sse;
	struct yq_metrics *m;
	struct MHD_Daemon *mhd;
	int listen_fd;
	int port;
	int64_t started;             /* Unix seconds */
	uint64_t started_ns;
	/* writer thread */
	struct yq_store *st;
	struct yq_pipeline *p;
	struct yq_tz *wtz;
	int64_t last_alert;          /* highest alert id published */
	pthread_t writer, files, feeds, deliver;
	int writer_on, files_on, feeds_on, deliver_on;
	/* users and alert delivery (auth/, deliver/) */
	struct yq_auth_policy policy;
	struct yq_deliver_config *dcfg; /* channels and roster of the config file (owned) */
	struct yq_case_settings *cases; /* the cases: section, calendar (owned, read-only) */
	atomic_int stopping;         /* collectors and HTTP: stop now */
	atomic_int fatal;            /* the writer stopped on an error */
	pthread_mutex_t err_mu;
	struct yq_buf fatal_msg;     /* guarded by err_mu */
	/* scheme test and backtest (api_schemes.c), made on first use */
	pthread_mutex_t scheme_mu;
	struct yq_scheme_env *scheme_env; /* guarded by scheme_mu */
	/* live scheme changes: the API counts each rewrite of the scheme file
	 * in scheme_gen; the writer reloads the file before its next batch
	 * (also when the file changed on disk, e.g. edited by hand) and
	 * stores the generation it applied in scheme_live; scheme_broken: the
	 * file as it is now failed to load, the previous set is in force */
	atomic_uint scheme_gen, scheme_live;
	atomic_int scheme_broken;
	struct yq_scheme_set *wschemes; /* the writer's reloaded set (owned) */
	struct yq_file_id wfile;        /* the scheme file the writer last read */
};

struct yq_case_settings;
struct yq_scheme_env;
/* yq_scheme_env_free: frees d->scheme_env (api_schemes.c). */
void yq_scheme_env_free(struct yq_scheme_env *e);

/* The alert sender thread (api_auth.c): yq_deliver_tick every second. */
void *yq_serve_deliver_main(void *arg);

/* Collector threads (collect_files.c, collect_feeds.c). */
void *yq_serve_files_main(void *arg);
void *yq_serve_feeds_main(void *arg);
/* yq_serve_has_files / _feeds: 1 if a source of that kind is configured. */
int yq_serve_has_files(const struct yq_serve_config *cfg);
int yq_serve_has_feeds(const struct yq_serve_config *cfg);

/* yq_serve_push_item: queues it for the writer, waiting while the queue
 * is full but giving up when the daemon stops (it is then freed).
 * Returns 0 or YQ_EEOF (stopping). */
int yq_serve_push_item(struct yq_daemon *d, struct yq_item *it);

/* yq_serve_sleep_ms: sleeps ms milliseconds, or less when the daemon
 * stops; returns 1 when stopping. */
int yq_serve_sleep_ms(struct yq_daemon *d, int64_t ms);

/* yq_serve_log: one line "yuqing: serve: …" on stderr (thread-safe). */
void yq_serve_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* ---- HTTP ---- */

struct yq_req;
typedef void (*yq_handler)(struct yq_req *r);

struct yq_req {
	struct yq_daemon *d;
	struct MHD_Connection *conn;
	const char *method;
	const char *route;          /* the template, NULL: unmatched */
	yq_handler handler;
	char param[512];            /* the {id} segment, percent-decoded */
	struct yq_buf body;
	int too_big;
	int answered;               /* a response was queued early (413) */
	int denied;                 /* authorize() answered 401/403: the body is dropped */
	size_t dropped;             /* bytes of a denied request's body */
	/* the response */
	int status;
	struct yq_buf out;
	const char *ctype;
	const char *allow;          /* 405: the Allow header */
	const char *disposition;    /* the Content-Disposition header, or NULL */
	int stream;                 /* live stream: out is the first chunk */
	uint64_t cursor;            /* live stream position */
	size_t out_off;             /* live stream: bytes of out already sent */
	/* who asks (auth.h): checked before the body is read */
	int perm;                   /* the route's permission, -1: public */
	struct yq_principal who;
	char sid[YQ_AUTH_SECRET_HEX + 1]; /* the session cookie, "" when none */
	struct yq_buf cookie;       /* a Set-Cookie value to send, or "" */
	int64_t retry_after;        /* 429: seconds */
	/* lazily opened */
	sqlite3 *db;                /* read-only */
	sqlite3 *wdb;               /* read-write (auth, acknowledgements) */
	struct yq_tz *tz;
};

/* yq_req_arg: a query-string argument or NULL. */
const char *yq_req_arg(struct yq_req *r, const char *key);
/* yq_req_header: a request header or NULL. */
const char *yq_req_header(struct yq_req *r, const char *key);
/* yq_req_json: answers status with v (stolen) as JSON. */
void yq_req_json(struct yq_req *r, int status, json_t *v);
/* yq_req_error: answers status with {"error": message}. */
void yq_req_error(struct yq_req *r, int status, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* yq_req_db: the request's read-only connection (opened on first use),
 * or NULL after answering 503. */
sqlite3 *yq_req_db(struct yq_req *r);
/* yq_req_wdb: the request's read-write connection (busy timeout 5 s),
 * or NULL after answering 503. */
sqlite3 *yq_req_wdb(struct yq_req *r);
/* yq_req_addr: the client's address as text (for rate limits and audit). */
const char *yq_req_addr(struct yq_req *r, char *buf, size_t cap);
/* yq_req_actor: the principal's name for the audit log. */
const char *yq_req_actor(const struct yq_req *r);
/* yq_req_tz: the request's time zone object, or NULL after answering 500. */
struct yq_tz *yq_req_tz(struct yq_req *r);
/* yq_req_db_error: answers a query function's failure: 400 for YQ_EINVAL,
 * 404 for YQ_ENOTFOUND, 500 otherwise (counted as a db error). */
void yq_req_db_error(struct yq_req *r, int rc, const struct yq_buf *err);
/* yq_req_answer: the tail of a query handler: 200 with res (stolen) when rc
 * is 0, else yq_req_db_error (res, if any, is freed). */
void yq_req_answer(struct yq_req *r, int rc, json_t *res, const struct yq_buf *err);
/* yq_req_int: query argument key as an integer in [min, max] into *out
 * (unchanged when absent); returns -1 after answering 400. */
int yq_req_int(struct yq_req *r, const char *key, int64_t min, int64_t max, int64_t *out);
/* yq_req_time: query argument key as a time (ISO 8601, epoch …) into
 * *out, *has = 1; returns -1 after answering 400. */
int yq_req_time(struct yq_req *r, const char *key, int64_t *out, int *has);

/* Handlers (api_*.c). */
void yq_api_healthz(struct yq_req *r);
void yq_api_metrics(struct yq_req *r);
void yq_api_posts_push(struct yq_req *r);
void yq_api_posts_list(struct yq_req *r);
void yq_api_post_get(struct yq_req *r);
void yq_api_events_list(struct yq_req *r);
void yq_api_event_get(struct yq_req *r);
void yq_api_alerts_list(struct yq_req *r);
void yq_api_alert_get(struct yq_req *r);
void yq_api_alert_ack(struct yq_req *r);
void yq_api_stream(struct yq_req *r);
void yq_api_sources_list(struct yq_req *r);
void yq_api_login(struct yq_req *r);
void yq_api_logout(struct yq_req *r);
void yq_api_csrf(struct yq_req *r);
void yq_api_me(struct yq_req *r);
void yq_api_deliveries(struct yq_req *r);
void yq_api_schemes_list(struct yq_req *r);
void yq_api_scheme_get(struct yq_req *r);
void yq_api_scheme_create(struct yq_req *r);
void yq_api_scheme_update(struct yq_req *r);
void yq_api_scheme_delete(struct yq_req *r);
void yq_api_schemes_test(struct yq_req *r);
void yq_api_scheme_backtest(struct yq_req *r);
void yq_api_cases_list(struct yq_req *r);
void yq_api_case_create(struct yq_req *r);
void yq_api_case_get(struct yq_req *r);
void yq_api_case_transition(struct yq_req *r);
void yq_api_case_note(struct yq_req *r);
void yq_api_case_respond(struct yq_req *r);
void yq_api_departments_list(struct yq_req *r);
void yq_api_department_set(struct yq_req *r);

/* Dashboard (api_dash.c).  yq_dash_init: creates, fills and keeps current
 * (triggers on posts) the per-hour counts the overview reads, and the index
 * events(state); run once by the daemon at start on its read-write
 * connection.  Returns 0 or YQ_EDB with err set. */
int yq_dash_init(sqlite3 *db, struct yq_buf *err);
void yq_api_overview(struct yq_req *r);
void yq_api_users(struct yq_req *r);
void yq_api_messages_push(struct yq_req *r);
void yq_api_messages_list(struct yq_req *r);
void yq_api_messages_hot(struct yq_req *r);
void yq_api_message_get(struct yq_req *r);
void yq_api_message_category(struct yq_req *r);
void yq_api_message_reply(struct yq_req *r);
void yq_api_stats(struct yq_req *r);
void yq_api_export(struct yq_req *r);

/* yq_http_start: starts libmicrohttpd on d->listen_fd.  yq_http_stop. */
int yq_http_start(struct yq_daemon *d, struct yq_buf *err);
void yq_http_stop(struct yq_daemon *d);

#endif
