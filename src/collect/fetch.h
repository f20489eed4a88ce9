/*
 * fetch.h — the HTTP fetcher for feeds (libcurl): conditional GET, timeouts,
 * caps, gzip, and a per-source state with error backoff and health.
 *
 * The fetcher knows nothing about feeds or charsets: it returns the raw body
 * bytes, the charset parameter of the Content-Type header and the final URL
 * after redirects; decoding and parsing are the caller's (collect/feed.h).
 *
 * Per-source state (struct yq_source_state) is owned by the caller, which
 * persists it between runs (yq_source_state_to_json / _from_json).  One
 * yq_fetch() call updates it:
 *   200..299    etag and last_modified replaced by the response's (or
 *               cleared when absent), failures = 0, next_attempt = 0,
 *               last_success = now
 *   304         failures = 0, next_attempt = 0, last_success = now; a
 *               validator the 304 carries replaces the stored one
 *   error       (no connection, timeout, HTTP >= 400 or any other status,
 *               body over the cap, too many redirects, bad gzip)
 *               failures += 1, next_attempt = now + backoff, last_error and
 *               last_error_time set
 * and http_status (0 when no response came) and last_attempt always.
 * Backoff: interval * 2^(failures-1) seconds, capped at max_backoff
 * (defaults: interval 60 s, cap 6 h, so 60 s, 2 min, 4 min … 6 h); a
 * Retry-After header (429, 503) lengthens it up to the same cap.  No
 * jitter: the daemon spreads its sources itself.  A call with
 * now < next_attempt makes no request and returns YQ_FETCH_BACKOFF.
 * next_attempt is only the backoff: the polling schedule of a healthy
 * source is the daemon's (interval).
 *
 * Threads: a struct yq_fetcher (one curl easy handle, reused so connections
 * are kept alive) is used by one thread at a time: give each thread its
 * own.  yq_fetcher_new() runs curl_global_init() once per process
 * (pthread_once), so fetchers may be created from any thread; curl's
 * global state is never cleaned up (the process exit does).  The handle
 * uses CURLOPT_NOSIGNAL.  A yq_source_state belongs to one caller at a time.
 */
#ifndef YQ_FETCH_H
#define YQ_FETCH_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "base/buf.h"

/* Caps on the strings of a source state (bytes); longer values from a
 * server are not stored (a validator) or are cut (an error message), and a
 * state JSON holding longer ones is refused. */
#define YQ_FETCH_URL_MAX 8192
#define YQ_FETCH_VALIDATOR_MAX 1024
#define YQ_FETCH_ERROR_MAX 512

struct yq_source_state {
	char *url;               /* what is fetched (owned, NUL-terminated) */
	char *etag;              /* ETag of the last 200, verbatim; NULL: none */
	char *last_modified;     /* Last-Modified of the last 200, verbatim; NULL: none */
	int64_t interval;        /* seconds; the base of the backoff; <= 0: 60 */
	int64_t failures;        /* consecutive failed attempts */
	int64_t next_attempt;    /* Unix seconds; no request before it (0: any time) */
	int64_t last_attempt;    /* Unix seconds of the last request, 0: never */
	int64_t last_success;    /* Unix seconds of the last 200/304, 0: never */
	int64_t last_error_time; /* Unix seconds of the last failure, 0: never */
	char *last_error;        /* message of the last failure (owned); NULL: none */
	int64_t items_seen;      /* items read from this source, all fetches (the caller adds) */
	long http_status;        /* status of the last attempt, 0: no response */
};

/* yq_source_state_init: an empty state for url (copied).  Errors:
 * YQ_EINVAL (url NULL, empty, over YQ_FETCH_URL_MAX, not valid UTF-8, or
 * holding a space or control character), YQ_ENOMEM. */
int yq_source_state_init(struct yq_source_state *st, const char *url);
/* yq_source_state_release: frees the strings; st is zeroed.  NULL: no-op. */
void yq_source_state_release(struct yq_source_state *st);

/*
 * yq_source_state_to_json: st as one JSON object {"url", "etag",
 * "last_modified", "interval", "failures", "next_attempt", "last_attempt",
 * "last_success", "last_error_time", "last_error", "items_seen",
 * "http_status"}; absent strings are null, times Unix seconds.  Returns a
 * new reference (json_decref() it), or NULL when out of memory or when a
 * string is not valid UTF-8 (never the case for strings set by this
 * module: validators are printable ASCII, messages are repaired).
 */
json_t *yq_source_state_to_json(const struct yq_source_state *st);

/*
 * yq_source_state_from_json: the inverse.  "url" is required; a missing
 * other field takes its empty value (0 or NULL), unknown fields are
 * ignored.  On success st (uninitialized on entry) is filled and owned by
 * the caller.  Errors: YQ_EFORMAT (not an object, no url, a field of the
 * wrong type, a negative count, a string over its cap; reason in err when
 * not NULL; st left zeroed), YQ_ENOMEM.
 */
int yq_source_state_from_json(const json_t *obj, struct yq_source_state *st, struct yq_buf *err);

struct yq_fetch_config {
	long connect_timeout_ms; /* TCP + TLS connect; <= 0: 10 000 */
	long timeout_ms;         /* whole transfer; <= 0: 30 000 */
	size_t max_body;         /* decoded body bytes; 0: 16 MiB */
	int max_redirects;       /* < 0: 5; 0 follows none */
	int64_t max_backoff;     /* seconds; <= 0: 6 h */
	const char *user_agent;  /* NULL: "yuqing/0.1 (public-opinion monitor; feed fetcher)"; copied */
};

struct yq_fetcher;

/* yq_fetcher_new: a fetcher with cfg (NULL: every default).  Errors:
 * YQ_ENOMEM, YQ_EIO (curl could not be initialized). */
int yq_fetcher_new(const struct yq_fetch_config *cfg, struct yq_fetcher **out);
/* yq_fetcher_free: NULL is a no-op. */
void yq_fetcher_free(struct yq_fetcher *f);

enum yq_fetch_outcome {
	YQ_FETCH_OK = 0,            /* 2xx: body holds the new content */
	YQ_FETCH_NOT_MODIFIED,      /* 304: nothing new, body empty */
	YQ_FETCH_BACKOFF,           /* now < next_attempt: no request made */
	YQ_FETCH_ERR_NETWORK,       /* no connection, DNS, TLS, reset */
	YQ_FETCH_ERR_TIMEOUT,       /* connect or total timeout */
	YQ_FETCH_ERR_HTTP,          /* a status other than 2xx and 304 */
	YQ_FETCH_ERR_TOO_LARGE,     /* body over max_body (transfer aborted) */
	YQ_FETCH_ERR_REDIRECTS,     /* more than max_redirects */
	YQ_FETCH_ERR_CONTENT,       /* undecodable Content-Encoding */
};

/* The outcome of one yq_fetch(); init with yq_fetch_result_init, reuse
 * across calls (each call resets it), release when done. */
struct yq_fetch_result {
	enum yq_fetch_outcome outcome;
	long http_status;            /* 0 when no response came */
	struct yq_buf body;          /* raw (Content-Encoding removed) bytes */
	struct yq_buf charset;       /* Content-Type's charset parameter, lowercased; "" when none */
	struct yq_buf content_type;  /* media type without parameters, lowercased; "" when none */
	struct yq_buf final_url;     /* URL after redirects; "" when no request */
	struct yq_buf error;         /* English message for an error or backoff outcome */
};

void yq_fetch_result_init(struct yq_fetch_result *res);
void yq_fetch_result_release(struct yq_fetch_result *res);

/*
 * yq_fetch: one conditional GET of st->url at time now (Unix seconds),
 * sending If-None-Match: st->etag and If-Modified-Since: st->last_modified
 * when set, Accept-Encoding with every encoding curl decodes (gzip,
 * deflate …), following at most max_redirects redirects (http and https
 * only), within the timeouts; then updates st as the file comment says.
 * res receives the outcome and, for YQ_FETCH_OK, the body, charset,
 * content type and final URL.
 * Returns 0 for OK, NOT_MODIFIED and BACKOFF; for a failed attempt YQ_ETOOBIG
 * (body over the cap) or YQ_EIO (every other error outcome), with st
 * updated and res->error set; YQ_EINVAL (f, st, st->url or res NULL, or
 * this libcurl refuses an option such as the protocol restriction; then
 * res->error says so) and YQ_ENOMEM, leaving st unchanged.
 */
int yq_fetch(struct yq_fetcher *f, struct yq_source_state *st, int64_t now,
	     struct yq_fetch_result *res);

/*
 * yq_fetch_fail: records a failure the caller found in a fetched body (not
 * a feed, say): failures += 1, next_attempt = now + backoff (as for a fetch
 * error, with f's cap), last_error = msg (cut to YQ_FETCH_ERROR_MAX, invalid
 * UTF-8 repaired), last_error_time = now, and etag and last_modified
 * cleared so that the next attempt is not answered by a 304 for the same
 * bad body.  Returns 0, YQ_EINVAL (a NULL argument) or YQ_ENOMEM (st
 * unchanged).
 */
int yq_fetch_fail(struct yq_fetcher *f, struct yq_source_state *st, int64_t now, const char *msg);

/* yq_fetch_outcome_name: "ok", "not-modified", "backoff", "network",
 * "timeout", "http", "too-large", "redirects", "content". */
const char *yq_fetch_outcome_name(enum yq_fetch_outcome o);

#endif
