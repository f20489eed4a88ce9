/*
 * fetch.c — the HTTP fetcher for feeds (libcurl easy interface) and the
 * per-source state it updates.
 *
 * Where it sits: the first stage of collection.  The daemon (and `yuqing
 * fetch`) calls yq_fetch() for a source when its poll is due; the body goes
 * to the charset decoder and feed parser (collect/decode.h, feed.h), which
 * this file does not know about.
 *
 * Design:
 *  - One easy handle per fetcher, curl_easy_reset() and every option set
 *    again on each call, so no option leaks from one source to the next
 *    while the connection cache survives (keep-alive to the same host).
 *  - The body cap is enforced twice: CURLOPT_MAXFILESIZE_LARGE refuses a
 *    response whose Content-Length is over it before any byte is read, and
 *    the write callback aborts the transfer as soon as the decoded bytes
 *    would pass it (no or lying Content-Length, chunked, a gzip bomb: the
 *    callback sees bytes after Content-Encoding is removed).
 *  - Headers: the header callback keeps ETag and Last-Modified of the
 *    *last* response only (it forgets them at each status line, so the
 *    headers of a redirect or a 100 Continue never leak into the result).
 *    Content-Type and Retry-After come from curl_easy_getinfo, which also
 *    reports them for the last response.
 *  - Only http and https, also for redirects (no file://, no gopher:// from
 *    a hostile Location).
 *  - State update is all-or-nothing: every string the new state needs is
 *    allocated before st is touched, so YQ_ENOMEM leaves st as it was.
 *
 * Invariants: between calls the handle holds no pointer into a caller's
 * memory that is used later (the header list is freed after perform, the
 * callbacks' context lives on the stack of yq_fetch only during perform).
 */
#include "collect/fetch.h"

#include <ctype.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>

#include "base/error.h"
#include "base/utf8.h"

#define DEFAULT_CONNECT_MS 10000L
#define DEFAULT_TIMEOUT_MS 30000L
#define DEFAULT_MAX_BODY ((size_t)16 << 20)
#define DEFAULT_MAX_REDIRECTS 5
#define DEFAULT_MAX_BACKOFF ((int64_t)6 * 3600)
#define DEFAULT_INTERVAL 60
#define DEFAULT_USER_AGENT "yuqing/0.1 (public-opinion monitor; feed fetcher)"
#define CHARSET_MAX 64       /* bytes of a charset label kept */
#define CONTENT_TYPE_MAX 128 /* bytes of a media type kept */
#define ACCEPT_HEADER                                                               \
	"Accept: application/rss+xml, application/atom+xml, application/rdf+xml, " \
	"application/xml;q=0.9, text/xml;q=0.9, */*;q=0.8"

struct yq_fetcher {
	CURL *h;
	long connect_ms, timeout_ms;
	size_t max_body;
	long max_redirects;
	int64_t max_backoff;
	char *user_agent;
	char errbuf[CURL_ERROR_SIZE];
};

/* ---- process-wide curl initialization ---- */

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static CURLcode curl_init_rc = CURLE_FAILED_INIT;

static void curl_init_once(void)
{
	curl_init_rc = curl_global_init(CURL_GLOBAL_DEFAULT);
}

/* ---- source state ---- */

/* dup_message: a copy of s cut to at most cap bytes (not inside a UTF-8
 * sequence) with invalid UTF-8 repaired, so it can go into JSON. */
static char *dup_message(const char *s, size_t cap)
{
	struct yq_buf b = YQ_BUF_INIT;
	size_t len = strlen(s), n = len > cap ? cap : len;
	while (n > 0 && n < len && ((unsigned char)s[n] & 0xC0) == 0x80)
		n--;
	if (yq_utf8_repair(s, n, &b, NULL)) {
		yq_buf_release(&b);
		return NULL;
	}
	return yq_buf_detach(&b, NULL);
}

int yq_source_state_init(struct yq_source_state *st, const char *url)
{
	memset(st, 0, sizeof *st);
	if (!url || !*url || strlen(url) > YQ_FETCH_URL_MAX || !yq_utf8_valid(url, strlen(url)))
		return YQ_EINVAL;
	for (const char *p = url; *p; p++)
		if ((unsigned char)*p <= ' ' || *p == 0x7f)
			return YQ_EINVAL; /* control characters and spaces */
	st->url = strdup(url);
	return st->url ? 0 : YQ_ENOMEM;
}

void yq_source_state_release(struct yq_source_state *st)
{
	if (!st)
		return;
	free(st->url);
	free(st->etag);
	free(st->last_modified);
	free(st->last_error);
	memset(st, 0, sizeof *st);
}

static int set_str(json_t *o, const char *key, const char *v)
{
	return json_object_set_new(o, key, v ? json_string(v) : json_null());
}

static int set_int(json_t *o, const char *key, int64_t v)
{
	return json_object_set_new(o, key, json_integer((json_int_t)v));
}

json_t *yq_source_state_to_json(const struct yq_source_state *st)
{
	json_t *o = json_object();
	if (!o)
		return NULL;
	if (set_str(o, "url", st->url) || set_str(o, "etag", st->etag) ||
	    set_str(o, "last_modified", st->last_modified) || set_int(o, "interval", st->interval) ||
	    set_int(o, "failures", st->failures) || set_int(o, "next_attempt", st->next_attempt) ||
	    set_int(o, "last_attempt", st->last_attempt) ||
	    set_int(o, "last_success", st->last_success) ||
	    set_int(o, "last_error_time", st->last_error_time) ||
	    set_str(o, "last_error", st->last_error) || set_int(o, "items_seen", st->items_seen) ||
	    set_int(o, "http_status", st->http_status)) {
		json_decref(o);
		return NULL;
	}
	return o;
}

/* get_str: *out = a copy of obj[key] (NULL when absent or null). */
static int get_str(const json_t *obj, const char *key, size_t cap, char **out, struct yq_buf *err)
{
	const json_t *v = json_object_get(obj, key);
	*out = NULL;
	if (!v || json_is_null(v))
		return 0;
	if (!json_is_string(v)) {
		if (err)
			yq_buf_printf(err, "field '%s' is not a string", key);
		return YQ_EFORMAT;
	}
	size_t n = json_string_length(v);
	if (n > cap || memchr(json_string_value(v), '\0', n)) {
		if (err)
			yq_buf_printf(err, "field '%s' is over %zu bytes or holds a NUL", key, cap);
		return YQ_EFORMAT;
	}
	*out = strdup(json_string_value(v));
	return *out ? 0 : YQ_ENOMEM;
}

static int get_int(const json_t *obj, const char *key, int64_t *out, struct yq_buf *err)
{
	const json_t *v = json_object_get(obj, key);
	*out = 0;
	if (!v || json_is_null(v))
		return 0;
	if (!json_is_integer(v) || json_integer_value(v) < 0) {
		if (err)
			yq_buf_printf(err, "field '%s' is not a non-negative integer", key);
		return YQ_EFORMAT;
	}
	*out = (int64_t)json_integer_value(v);
	return 0;
}

int yq_source_state_from_json(const json_t *obj, struct yq_source_state *st, struct yq_buf *err)
{
	int rc;
	int64_t status = 0;
	memset(st, 0, sizeof *st);
	if (!json_is_object(obj)) {
		if (err)
			yq_buf_adds(err, "source state is not a JSON object");
		return YQ_EFORMAT;
	}
	if ((rc = get_str(obj, "url", YQ_FETCH_URL_MAX, &st->url, err)))
		goto out;
	if (!st->url || !*st->url) {
		if (err)
			yq_buf_adds(err, "source state has no url");
		rc = YQ_EFORMAT;
		goto out;
	}
	if ((rc = get_str(obj, "etag", YQ_FETCH_VALIDATOR_MAX, &st->etag, err)) ||
	    (rc = get_str(obj, "last_modified", YQ_FETCH_VALIDATOR_MAX, &st->last_modified, err)) ||
	    (rc = get_str(obj, "last_error", YQ_FETCH_ERROR_MAX, &st->last_error, err)) ||
	    (rc = get_int(obj, "interval", &st->interval, err)) ||
	    (rc = get_int(obj, "failures", &st->failures, err)) ||
	    (rc = get_int(obj, "next_attempt", &st->next_attempt, err)) ||
	    (rc = get_int(obj, "last_attempt", &st->last_attempt, err)) ||
	    (rc = get_int(obj, "last_success", &st->last_success, err)) ||
	    (rc = get_int(obj, "last_error_time", &st->last_error_time, err)) ||
	    (rc = get_int(obj, "items_seen", &st->items_seen, err)) ||
	    (rc = get_int(obj, "http_status", &status, err)))
		goto out;
	if (status > 999) {
		if (err)
			yq_buf_adds(err, "field 'http_status' is over 999");
		rc = YQ_EFORMAT;
		goto out;
	}
	st->http_status = (long)status;
out:
	if (rc)
		yq_source_state_release(st);
	return rc;
}

/* ---- fetcher ---- */

int yq_fetcher_new(const struct yq_fetch_config *cfg, struct yq_fetcher **out)
{
	*out = NULL;
	pthread_once(&curl_once, curl_init_once);
	if (curl_init_rc != CURLE_OK)
		return YQ_EIO;
	struct yq_fetcher *f = calloc(1, sizeof *f);
	if (!f)
		return YQ_ENOMEM;
	struct yq_fetch_config d = {0};
	if (!cfg)
		cfg = &d;
	f->connect_ms = cfg->connect_timeout_ms > 0 ? cfg->connect_timeout_ms : DEFAULT_CONNECT_MS;
	f->timeout_ms = cfg->timeout_ms > 0 ? cfg->timeout_ms : DEFAULT_TIMEOUT_MS;
	f->max_body = cfg->max_body ? cfg->max_body : DEFAULT_MAX_BODY;
	f->max_redirects = cfg->max_redirects < 0 ? DEFAULT_MAX_REDIRECTS : cfg->max_redirects;
	f->max_backoff = cfg->max_backoff > 0 ? cfg->max_backoff : DEFAULT_MAX_BACKOFF;
	f->user_agent = strdup(cfg->user_agent ? cfg->user_agent : DEFAULT_USER_AGENT);
	f->h = curl_easy_init();
	if (!f->user_agent || !f->h) {
		int rc = f->h ? YQ_ENOMEM : YQ_EIO;
		yq_fetcher_free(f);
		return rc;
	}
	*out = f;
	return 0;
}

void yq_fetcher_free(struct yq_fetcher *f)
{
	if (!f)
		return;
	if (f->h)
		curl_easy_cleanup(f->h);
	free(f->user_agent);
	free(f);
}

void yq_fetch_result_init(struct yq_fetch_result *res)
{
	memset(res, 0, sizeof *res);
	yq_buf_init(&res->body);
	yq_buf_init(&res->charset);
	yq_buf_init(&res->content_type);
	yq_buf_init(&res->final_url);
	yq_buf_init(&res->error);
}

void yq_fetch_result_release(struct yq_fetch_result *res)
{
	if (!res)
		return;
	yq_buf_release(&res->body);
	yq_buf_release(&res->charset);
	yq_buf_release(&res->content_type);
	yq_buf_release(&res->final_url);
	yq_buf_release(&res->error);
}

const char *yq_fetch_outcome_name(enum yq_fetch_outcome o)
{
	switch (o) {
	case YQ_FETCH_OK: return "ok";
	case YQ_FETCH_NOT_MODIFIED: return "not-modified";
	case YQ_FETCH_BACKOFF: return "backoff";
	case YQ_FETCH_ERR_NETWORK: return "network";
	case YQ_FETCH_ERR_TIMEOUT: return "timeout";
	case YQ_FETCH_ERR_HTTP: return "http";
	case YQ_FETCH_ERR_TOO_LARGE: return "too-large";
	case YQ_FETCH_ERR_REDIRECTS: return "redirects";
	case YQ_FETCH_ERR_CONTENT: return "content";
	}
	return "unknown";
}

/* ---- transfer callbacks ---- */

struct xfer {
	struct yq_buf *body;
	size_t max_body;
	int too_large, nomem;
	struct yq_buf etag, last_modified; /* of the last response */
	int etag_set, lastmod_set;         /* the last response carried one */
};

static size_t on_body(char *p, size_t size, size_t nmemb, void *ud)
{
	struct xfer *x = ud;
	size_t n = size * nmemb;
	if (n > x->max_body - x->body->len) {
		x->too_large = 1;
		return 0; /* curl aborts with CURLE_WRITE_ERROR */
	}
	if (yq_buf_add(x->body, p, n)) {
		x->nomem = 1;
		return 0;
	}
	return n;
}

/* header_value: if line (n bytes, with its CRLF) is "name: value", the
 * trimmed value in *v (*vn bytes). */
static int header_value(const char *line, size_t n, const char *name, const char **v, size_t *vn)
{
	size_t k = strlen(name);
	if (n <= k || strncasecmp(line, name, k) != 0 || line[k] != ':')
		return 0;
	size_t i = k + 1, j = n;
	while (i < j && (line[i] == ' ' || line[i] == '\t'))
		i++;
	while (j > i && (line[j - 1] == '\r' || line[j - 1] == '\n' || line[j - 1] == ' ' ||
			 line[j - 1] == '\t'))
		j--;
	*v = line + i;
	*vn = j - i;
	return 1;
}

static void keep_validator(struct xfer *x, struct yq_buf *b, int *set, const char *v, size_t vn)
{
	yq_buf_reset(b);
	*set = 0;
	/* an over-long validator, or one with bytes outside printable ASCII
	 * (RFC 9110 allows none in a date and only obs-text in an ETag), is
	 * not kept: no conditional request rather than a broken one */
	if (vn == 0 || vn > YQ_FETCH_VALIDATOR_MAX)
		return;
	for (size_t i = 0; i < vn; i++)
		if ((unsigned char)v[i] < 0x20 || (unsigned char)v[i] > 0x7e)
			return;
	if (yq_buf_add(b, v, vn)) {
		x->nomem = 1;
		return;
	}
	*set = 1;
}

static size_t on_header(char *p, size_t size, size_t nmemb, void *ud)
{
	struct xfer *x = ud;
	size_t n = size * nmemb;
	const char *v;
	size_t vn;
	if (n >= 5 && memcmp(p, "HTTP/", 5) == 0) {
		/* a new response (after a redirect or 1xx): forget the last one's */
		yq_buf_reset(&x->etag);
		yq_buf_reset(&x->last_modified);
		x->etag_set = x->lastmod_set = 0;
	} else if (header_value(p, n, "etag", &v, &vn)) {
		keep_validator(x, &x->etag, &x->etag_set, v, vn);
	} else if (header_value(p, n, "last-modified", &v, &vn)) {
		keep_validator(x, &x->last_modified, &x->lastmod_set, v, vn);
	}
	return x->nomem ? 0 : n;
}

/* ---- Content-Type ---- */

static int charset_char(int c)
{
	return isalnum(c) || c == '-' || c == '_' || c == '.' || c == ':' || c == '+';
}

/* parse_content_type: "text/xml; charset=\"GBK\"" → type "text/xml",
 * charset "gbk".  A charset label with other characters, or longer than
 * CHARSET_MAX, is dropped (the decoder then sniffs the bytes). */
static int parse_content_type(const char *ct, struct yq_buf *type, struct yq_buf *charset)
{
	const char *semi = strchr(ct, ';');
	size_t tn = semi ? (size_t)(semi - ct) : strlen(ct);
	while (tn > 0 && isspace((unsigned char)ct[tn - 1]))
		tn--;
	while (tn > 0 && isspace((unsigned char)*ct)) {
		ct++;
		tn--;
	}
	if (tn <= CONTENT_TYPE_MAX)
		for (size_t i = 0; i < tn; i++)
			if (yq_buf_addc(type, (char)tolower((unsigned char)ct[i])))
				return YQ_ENOMEM;
	for (const char *p = semi; p && *p; p = strchr(p, ';')) {
		p++;
		while (*p == ' ' || *p == '\t')
			p++;
		if (strncasecmp(p, "charset", 7) != 0)
			continue;
		const char *q = p + 7;
		while (*q == ' ' || *q == '\t')
			q++;
		if (*q != '=')
			continue;
		q++;
		while (*q == ' ' || *q == '\t')
			q++;
		int quoted = *q == '"';
		q += quoted;
		size_t n = 0;
		while (charset_char((unsigned char)q[n]))
			n++;
		int end_ok = quoted ? q[n] == '"' : (q[n] == '\0' || q[n] == ';' || isspace((unsigned char)q[n]));
		if (!end_ok || n == 0 || n > CHARSET_MAX)
			return 0;
		for (size_t i = 0; i < n; i++)
			if (yq_buf_addc(charset, (char)tolower((unsigned char)q[i])))
				return YQ_ENOMEM;
		return 0;
	}
	return 0;
}

/* ---- yq_fetch ---- */

static void replace_str(char **dst, char *s)
{
	free(*dst);
	*dst = s;
}


static int64_t backoff_delay(const struct yq_fetcher *f, int64_t interval, int64_t failures,
			     int64_t retry_after)
{
	int64_t base = interval > 0 ? interval : DEFAULT_INTERVAL;
	int64_t d = base;
	for (int64_t k = 1; k < failures && d < f->max_backoff; k++)
		d = d > f->max_backoff / 2 ? f->max_backoff : d * 2;
	if (retry_after > d)
		d = retry_after;
	return d < f->max_backoff ? d : f->max_backoff;
}

/* record_failure: failures += 1, backoff, last_error = msg (cut, repaired).
 * 0 or YQ_ENOMEM with st unchanged. */
static int record_failure(struct yq_fetcher *f, struct yq_source_state *st, int64_t now,
			  const char *msg, int64_t retry_after)
{
	char *m = dup_message(msg, YQ_FETCH_ERROR_MAX);
	if (!m)
		return YQ_ENOMEM;
	replace_str(&st->last_error, m);
	st->failures++;
	st->next_attempt = now + backoff_delay(f, st->interval, st->failures, retry_after);
	st->last_error_time = now;
	return 0;
}

int yq_fetch_fail(struct yq_fetcher *f, struct yq_source_state *st, int64_t now, const char *msg)
{
	if (!f || !st || !msg)
		return YQ_EINVAL;
	int rc = record_failure(f, st, now, msg, 0);
	if (rc)
		return rc;
	replace_str(&st->etag, NULL);
	replace_str(&st->last_modified, NULL);
	return 0;
}

/* classify: res->outcome and res->error from curl's code and the status.
 * Returns 0 or YQ_ENOMEM (the message could not be written). */
static int classify(struct yq_fetcher *f, CURLcode cc, const struct xfer *x, long status,
		    struct yq_fetch_result *res)
{
	const char *detail = f->errbuf[0] ? f->errbuf : curl_easy_strerror(cc);
	switch (cc) {
	case CURLE_OK:
		if (status == 304) {
			res->outcome = YQ_FETCH_NOT_MODIFIED;
		} else if (status >= 200 && status <= 299) {
			res->outcome = YQ_FETCH_OK;
		} else {
			res->outcome = YQ_FETCH_ERR_HTTP;
			return yq_buf_printf(&res->error, "HTTP status %ld", status);
		}
		return 0;
	case CURLE_OPERATION_TIMEDOUT:
		res->outcome = YQ_FETCH_ERR_TIMEOUT;
		return yq_buf_printf(&res->error, "timed out (%s)", detail);
	case CURLE_FILESIZE_EXCEEDED:
		res->outcome = YQ_FETCH_ERR_TOO_LARGE;
		return yq_buf_printf(&res->error, "too large: Content-Length over %zu bytes", f->max_body);
	case CURLE_TOO_MANY_REDIRECTS:
		res->outcome = YQ_FETCH_ERR_REDIRECTS;
		return yq_buf_printf(&res->error, "too many redirects (more than %ld)", f->max_redirects);
	case CURLE_BAD_CONTENT_ENCODING:
		res->outcome = YQ_FETCH_ERR_CONTENT;
		return yq_buf_printf(&res->error, "bad Content-Encoding (%s)", detail);
	case CURLE_WRITE_ERROR:
		if (x->too_large) {
			res->outcome = YQ_FETCH_ERR_TOO_LARGE;
			return yq_buf_printf(&res->error, "too large: body over %zu bytes", f->max_body);
		}
		break;
	default:
		break;
	}
	res->outcome = YQ_FETCH_ERR_NETWORK;
	return yq_buf_printf(&res->error, "%s", detail);
}

/* prepare_str: *tmp = a copy of b when set, else NULL. */
static int prepare_str(const struct yq_buf *b, int set, char **tmp)
{
	*tmp = NULL;
	if (!set)
		return 0;
	*tmp = strdup(b->s);
	return *tmp ? 0 : YQ_ENOMEM;
}

int yq_fetch(struct yq_fetcher *f, struct yq_source_state *st, int64_t now,
	     struct yq_fetch_result *res)
{
	int rc = 0;
	struct curl_slist *hdrs = NULL, *t;
	struct yq_buf line = YQ_BUF_INIT;
	struct xfer x = {0};
	char *new_etag = NULL, *new_lastmod = NULL;

	if (!f || !st || !st->url || !res)
		return YQ_EINVAL;
	yq_buf_reset(&res->body);
	yq_buf_reset(&res->charset);
	yq_buf_reset(&res->content_type);
	yq_buf_reset(&res->final_url);
	yq_buf_reset(&res->error);
	res->http_status = 0;

	if (now < st->next_attempt) {
		res->outcome = YQ_FETCH_BACKOFF;
		yq_buf_printf(&res->error, "backing off for %lld s after %lld failure(s)",
			      (long long)(st->next_attempt - now), (long long)st->failures);
		return 0;
	}

	x.body = &res->body;
	x.max_body = f->max_body;
	yq_buf_init(&x.etag);
	yq_buf_init(&x.last_modified);

	hdrs = curl_slist_append(NULL, ACCEPT_HEADER);
	if (!hdrs) {
		rc = YQ_ENOMEM;
		goto out;
	}
	if (st->etag) {
		if (yq_buf_printf(&line, "If-None-Match: %s", st->etag) ||
		    !(t = curl_slist_append(hdrs, line.s))) {
			rc = YQ_ENOMEM;
			goto out;
		}
		hdrs = t;
	}
	if (st->last_modified) {
		yq_buf_reset(&line);
		if (yq_buf_printf(&line, "If-Modified-Since: %s", st->last_modified) ||
		    !(t = curl_slist_append(hdrs, line.s))) {
			rc = YQ_ENOMEM;
			goto out;
		}
		hdrs = t;
	}

	CURL *h = f->h;
	CURLcode oc = CURLE_OK;
	curl_easy_reset(h);
	f->errbuf[0] = '\0';
#define SET(opt, val) \
	do { \
		if (oc == CURLE_OK) \
			oc = curl_easy_setopt(h, opt, val); \
	} while (0)
	SET(CURLOPT_URL, st->url);
	SET(CURLOPT_PROTOCOLS_STR, "http,https");
	SET(CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
	SET(CURLOPT_FOLLOWLOCATION, 1L);
	SET(CURLOPT_MAXREDIRS, f->max_redirects);
	SET(CURLOPT_CONNECTTIMEOUT_MS, f->connect_ms);
	SET(CURLOPT_TIMEOUT_MS, f->timeout_ms);
	SET(CURLOPT_NOSIGNAL, 1L);
	SET(CURLOPT_ACCEPT_ENCODING, "");
	SET(CURLOPT_USERAGENT, f->user_agent);
	SET(CURLOPT_HTTPHEADER, hdrs);
	SET(CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)f->max_body);
	SET(CURLOPT_WRITEFUNCTION, on_body);
	SET(CURLOPT_WRITEDATA, &x);
	SET(CURLOPT_HEADERFUNCTION, on_header);
	SET(CURLOPT_HEADERDATA, &x);
	SET(CURLOPT_ERRORBUFFER, f->errbuf);
#undef SET
	if (oc != CURLE_OK) {
		/* out of memory, or a libcurl without a feature relied on
		 * (protocol restriction, decompression): never fetch without */
		rc = oc == CURLE_OUT_OF_MEMORY ? YQ_ENOMEM : YQ_EINVAL;
		yq_buf_printf(&res->error, "libcurl refused an option: %s", curl_easy_strerror(oc));
		goto out;
	}

	CURLcode cc = curl_easy_perform(h);
	if (x.nomem) {
		rc = YQ_ENOMEM;
		goto out;
	}
	long status = 0;
	char *eff = NULL, *ct = NULL;
	curl_off_t retry_after = 0;
	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
	curl_easy_getinfo(h, CURLINFO_EFFECTIVE_URL, &eff);
	curl_easy_getinfo(h, CURLINFO_CONTENT_TYPE, &ct);
	curl_easy_getinfo(h, CURLINFO_RETRY_AFTER, &retry_after);
	res->http_status = status;
	if ((eff && yq_buf_adds(&res->final_url, eff)) ||
	    (ct && parse_content_type(ct, &res->content_type, &res->charset))) {
		rc = YQ_ENOMEM;
		goto out;
	}
	if (classify(f, cc, &x, status, res)) {
		rc = YQ_ENOMEM;
		goto out;
	}

	if (res->outcome == YQ_FETCH_OK || res->outcome == YQ_FETCH_NOT_MODIFIED) {
		int ok = res->outcome == YQ_FETCH_OK;
		if (prepare_str(&x.etag, x.etag_set, &new_etag) ||
		    prepare_str(&x.last_modified, x.lastmod_set, &new_lastmod)) {
			rc = YQ_ENOMEM;
			goto out;
		}
		/* a 200 replaces both validators (a missing one is cleared); a
		 * 304 only refreshes the ones it carries */
		if (ok || x.etag_set) {
			replace_str(&st->etag, new_etag);
			new_etag = NULL;
		}
		if (ok || x.lastmod_set) {
			replace_str(&st->last_modified, new_lastmod);
			new_lastmod = NULL;
		}
		if (!ok)
			yq_buf_reset(&res->body);
		st->failures = 0;
		st->next_attempt = 0;
		st->last_success = now;
	} else {
		if (record_failure(f, st, now, res->error.s,
				   retry_after > 0 ? (int64_t)retry_after : 0)) {
			rc = YQ_ENOMEM;
			goto out;
		}
		yq_buf_reset(&res->body); /* an error page is not content */
		rc = res->outcome == YQ_FETCH_ERR_TOO_LARGE ? YQ_ETOOBIG : YQ_EIO;
	}
	st->last_attempt = now;
	st->http_status = status;
out:
	if (rc == YQ_ENOMEM)
		yq_buf_reset(&res->body);
	curl_slist_free_all(hdrs);
	yq_buf_release(&line);
	yq_buf_release(&x.etag);
	yq_buf_release(&x.last_modified);
	free(new_etag);
	free(new_lastmod);
	return rc;
}
