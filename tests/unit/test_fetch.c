/*
 * test_fetch.c — the HTTP fetcher (collect/fetch.h) against a real local
 * server that misbehaves on purpose (tests/tools/feedserver.py, started
 * here with fork/exec on 127.0.0.1 and killed in the group teardown).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/error.h"
#include "base/utf8.h"
#include "collect/fetch.h"

#include "feedserver.h"

/* file_bytes: the fixture tests/tools/feeds/name (malloc'd). */
static char *file_bytes(const char *name, size_t *n)
{
	char p[4096];
	snprintf(p, sizeof p, "%s/tests/tools/feeds/%s", getenv("YQ_SRC"), name);
	FILE *f = fopen(p, "rb");
	assert_non_null(f);
	char *b = malloc(1 << 16);
	*n = fread(b, 1, 1 << 16, f);
	fclose(f);
	return b;
}

/* server_stats: how many requests path got, and the value of header h in
 * the last one (copied to hv; "" when absent). */
static long server_stats(const char *path, const char *h, char *hv, size_t hvn)
{
	struct yq_source_state st;
	struct yq_fetch_result res;
	char q[128];
	snprintf(q, sizeof q, "/stats?p=%s", path);
	assert_int_equal(yq_source_state_init(&st, url(q)), 0);
	yq_fetch_result_init(&res);
	assert_int_equal(yq_fetch(fetcher, &st, NOW, &res), 0);
	json_t *j = json_loadb(res.body.s, res.body.len, 0, NULL);
	assert_non_null(j);
	long hits = (long)json_integer_value(json_object_get(j, "hits"));
	const char *v = json_string_value(json_object_get(json_object_get(j, "headers"), h));
	if (hv)
		snprintf(hv, hvn, "%s", v ? v : "");
	json_decref(j);
	yq_fetch_result_release(&res);
	yq_source_state_release(&st);
	return hits;
}

static void test_plain_200(void **state)
{
	(void)state;
	struct yq_source_state st;
	struct yq_fetch_result res;
	size_t n;
	char *want = file_bytes("rss.xml", &n);
	yq_fetch_result_init(&res);
	assert_int_equal(yq_source_state_init(&st, url("/rss")), 0);
	assert_int_equal(yq_fetch(fetcher, &st, NOW, &res), 0);
	assert_int_equal(res.outcome, YQ_FETCH_OK);
	assert_int_equal(res.http_status, 200);
	assert_int_equal(res.body.len, n);
	assert_memory_equal(res.body.s, want, n);
	assert_string_equal(res.charset.s, "utf-8");
	assert_string_equal(res.content_type.s, "application/rss+xml");
	assert_string_equal(res.final_url.s, url("/rss"));
	assert_null(st.etag);
	assert_null(st.last_modified);
	assert_int_equal(st.last_success, NOW);
	assert_int_equal(st.last_attempt, NOW);
	assert_int_equal(st.http_status, 200);
	assert_int_equal(st.failures, 0);

	char ua[256], acc[256];
	server_stats("/rss", "user-agent", ua, sizeof ua);
	assert_string_equal(ua, "yuqing/0.1 (public-opinion monitor; feed fetcher)");
	server_stats("/rss", "accept-encoding", acc, sizeof acc);
	assert_non_null(strstr(acc, "gzip"));
	assert_non_null(strstr(acc, "deflate"));
	free(want);
	yq_fetch_result_release(&res);
	yq_source_state_release(&st);
}

static void test_etag_304(void **state)
{
	(void)state;
	struct yq_source_state st;
	struct yq_fetch_result res;
	char inm[64];
	yq_fetch_result_init(&res);
	assert_int_equal(yq_source_state_init(&st, url("/etag")), 0);
	assert_int_equal(yq_fetch(fetcher, &st, NOW, &res), 0);
	assert_int_equal(res.outcome, YQ_FETCH_OK);
	assert_string_equal(st.etag, "\"v1\"");
	assert_null(st.last_modified);
	server_stats("/etag", "if-none-match", inm, sizeof inm);
	assert_string_equal(inm, "");

	assert_int_equal(yq_fetch(fetcher, &st, NOW + 10, &res), 0);
	assert_int_equal(res.outcome, YQ_FETCH_NOT_MODIFIED);
	assert_int_equal(res.http_status, 304);
	assert_int_equal(res.body.len, 0);
	assert_string_equal(st.etag, "\"v1\"");
	assert_int_equal(st.last_success, NOW + 10);
	assert_int_equal(st.http_status, 304);
	assert_int_equal(server_stats("/etag", "if-none-match", inm, sizeof inm), 2);
	assert_string_equal(inm, "\"v1\"");
	yq_fetch_result_release(&res);
	yq_source_state_release(&st);
}

static void test_lastmod_304(void **state)
{
	(void)state;
	struct yq_source_state st;
	struct yq_fetch_result res;
	char ims[64];
	yq_fetch_result_init(&res);
	assert_int_equal(yq_source_state_init(&st, url("/lastmod")), 0);
	assert_int_equal(yq_fetch(fetcher, &st, NOW, &res), 0);
	assert_int_equal(res.outcome, YQ_FETCH_OK);
	assert_string_equal(st.last_modified, "Wed, 08 Aug 2012 14:00:00 GMT");
	assert_null(st.etag);
	assert_int_equal(yq_fetch(fetcher, &st, NOW, &res), 0);
	assert_int_equal(res.outcome, YQ_FETCH_NOT_MODIFIED);
	server_stats("/lastmod", "if-modified-since", ims, sizeof ims);
	assert_string_equal(ims, "Wed, 08 Aug 2012 14:00:00 GMT");
	/* the 304 carried no Last-Modified: the stored one stays */
	assert_string_equal(st.last_modified, "Wed, 08 Aug 2012 14:00:00 GMT");
	yq_fetch_result_release(&res);
	yq_source_state_release(&st);
}

static void test_gzip(void **state)
{
	(void)state;
	struct yq_source_state st;
	struct yq_fetch_result res;
	size_t n;
	char *want = file_bytes("rss.xml", &n);
	yq_fetch_result_init(&res);
	assert_int_equal(yq_source_state_init(&st, url("/gzip")), 0);
	assert_int_equal(yq_fetch(fetcher, &st, NOW, &res), 0);
	assert_int_equal(res.outcome, YQ_FETCH_OK);
	assert_int_equal(res.body.len, n);
	assert_memory_equal(res.body.s, want, n);
	yq_source_state_release(&st);

	assert_int_equal(yq_source_state_init(&st, url("/badgzip")), 0);
	assert_int_equal(yq_fetch(fetcher, &st, NOW, &res), YQ_EIO);
	assert_int_equal(res.outcome, YQ_FETCH_ERR_CONTENT);
	assert_int_equal(res.body.len, 0);
	assert_int_equal(st.failures, 1);
	free(want);
	yq_fetch_result_release(&res);
	yq_source_state_release(&st);
}

static void test_wrong_charset_raw(void **state)
{
	(void)state;
	struct yq_source_state st;
	struct yq_fetch_result res;
	yq_fetch_result_init(&res);
	assert_int_equal(yq_source_state_init(&st, url("/gbk")), 0);
	assert_int_equal(yq_fetch(fetcher, &st, NOW, &res), 0);
	assert_int_equal(res.outcome, YQ_FETCH_OK);
	/* the header's label is reported as sent; the bytes are untouched GBK */
	assert_string_equal(res.charset.s, "utf-8");
	assert_string_equal(res.content_type.s, "text/xml");
	assert_false(yq_utf8_valid(res.body.s, res.body.len));
	assert_non_null(strstr(res.body.s, "encoding=\"gbk\""));
	/* 小 in GBK is D0 A1 */
	assert_non_null(strstr(res.body.s, "<title>\xD0\xA1"));
	yq_fetch_result_release(&res);
	yq_source_state_release(&st);
}

static void test_timeouts(void **state)
{
	(void)state;
	struct yq_source_state st;
	struct yq_fetch_result res;
	yq_fetch_result_init(&res);
	assert_int_equal(yq_source_state_init(&st, url("/slow?s=4")), 0);
	assert_int_equal(yq_fetch(fetcher, &st, NOW, &res), YQ_EIO);
	assert_int_equal(res.outcome, YQ_FETCH_ERR_TIMEOUT);
	assert_int_equal(res.http_status, 0);
	assert_int_equal(st.failures, 1);
	assert_int_equal(st.next_attempt, NOW + 60);
	assert_int_equal(st.last_error_time, NOW);
	assert_non_null(strstr(st.last_error, "timed out"));
	assert_int_equal(st.http_status, 0);
	yq_source_state_release(&st);

	/* headers in time, body too slow: the total timeout */
	assert_int_equal(yq_source_state_init(&st, url("/trickle?s=4")), 0);
	assert_int_equal(yq_fetch(fetcher, &st, NOW, &res), YQ_EIO);
	assert_int_equal(res.outcome, YQ_FETCH_ERR_TIMEOUT);
	assert_int_equal(res.http_status, 200);
	assert_int_equal(res.body.len, 0);
	yq_fetch_result_release(&res);
	yq_source_state_release(&st);
}

static void test_too_large(void **state)
{
	(void)state;
	struct yq_source_state st;
	struct yq_fetch_result res;
	yq_fetch_result_init(&res);
	/* no Content-Length: the write callback stops at the 1 MiB cap */
	assert_int_equal(yq_source_state_init(&st, url("/huge?mb=3")), 0);
	assert_int_equal(yq_fetch(fetcher, &st, NOW, &res), YQ_ETOOBIG);
	assert_int_equal(res.outcome, YQ_FETCH_ERR_TOO_LARGE);
	assert_string_equal(res.error.s, "too large: body over 1048576 bytes");
	assert_int_equal(res.body.len, 0);
	assert_int_equal(st.failures, 1);
	yq_source_state_release(&st);
	/* a declared Content-Length over the cap is refused before the body */
	assert_int_equal(yq_source_state_init(&st, url("/huge-cl?mb=3")), 0);
	assert_int_equal(yq_fetch(fetcher, &st, NOW, &res), YQ_ETOOBIG);
	assert_string_equal(res.error.s, "too large: Content-Length over 1048576 bytes");
	yq_source_state_release(&st);
	/* just under the cap is fine */
	assert_int_equal(yq_source_state_init(&st, url("/huge?mb=0.5")), 0);
	assert_int_equal(yq_fetch(fetcher, &st, NOW, &res), 0);
	assert_int_equal(res.body.len, 1 << 19);
	yq_fetch_result_release(&res);
	yq_source_state_release(&st);
}

static void test_500_backoff(void **state)
{
	(void)state;
	struct yq_source_state st;
	struct yq_fetch_result res;
	yq_fetch_result_init(&res);
	assert_int_equal(yq_source_state_init(&st, url("/500")), 0);
	long before = server_stats("/500", "host", NULL, 0);
	assert_int_equal(yq_fetch(fetcher, &st, NOW, &res), YQ_EIO);
	assert_int_equal(res.outcome, YQ_FETCH_ERR_HTTP);
	assert_int_equal(res.http_status, 500);
	assert_string_equal(st.last_error, "HTTP status 500");
	assert_int_equal(st.failures, 1);
	assert_int_equal(st.next_attempt, NOW + 60);
	/* before next_attempt: no request at all */
	assert_int_equal(yq_fetch(fetcher, &st, NOW + 59, &res), 0);
	assert_int_equal(res.outcome, YQ_FETCH_BACKOFF);
	assert_string_equal(res.error.s, "backing off for 1 s after 1 failure(s)");
	assert_int_equal(server_stats("/500", "host", NULL, 0), before + 1);
	/* 60, 120, 240 … */
	assert_int_equal(yq_fetch(fetcher, &st, NOW + 60, &res), YQ_EIO);
	assert_int_equal(st.failures, 2);
	assert_int_equal(st.next_attempt, NOW + 60 + 120);
	assert_int_equal(yq_fetch(fetcher, &st, NOW + 180, &res), YQ_EIO);
	assert_int_equal(st.next_attempt, NOW + 180 + 240);
	assert_int_equal(server_stats("/500", "host", NULL, 0), before + 3);
	/* capped at 6 h */
	st.failures = 40;
	st.next_attempt = 0;
	assert_int_equal(yq_fetch(fetcher, &st, NOW, &res), YQ_EIO);
	assert_int_equal(st.next_attempt, NOW + 6 * 3600);
	/* the source's own interval is the base */
	st.failures = 2;
	st.interval = 300;
	st.next_attempt = 0;
	assert_int_equal(yq_fetch(fetcher, &st, NOW, &res), YQ_EIO);
	assert_int_equal(st.next_attempt, NOW + 1200); /* third failure: 300 · 2² */
	yq_source_state_release(&st);

	/* a success resets the failures (same state, the URL now healthy) */
	assert_int_equal(yq_source_state_init(&st, url("/rss")), 0);
	st.failures = 5;
	st.next_attempt = NOW - 1;
	assert_int_equal(yq_fetch(fetcher, &st, NOW, &res), 0);
	assert_int_equal(st.failures, 0);
	assert_int_equal(st.next_attempt, 0);
	yq_source_state_release(&st);

	/* Retry-After: 600 lengthens the first backoff */
	assert_int_equal(yq_source_state_init(&st, url("/503")), 0);
	assert_int_equal(yq_fetch(fetcher, &st, NOW, &res), YQ_EIO);
	assert_int_equal(res.http_status, 503);
	assert_int_equal(st.next_attempt, NOW + 600);
	yq_fetch_result_release(&res);
	yq_source_state_release(&st);
}

static void test_redirects(void **state)
{
	(void)state;
	struct yq_source_state st;
	struct yq_fetch_result res;
	yq_fetch_result_init(&res);
	assert_int_equal(yq_source_state_init(&st, url("/redirect")), 0);
	assert_int_equal(yq_fetch(fetcher, &st, NOW, &res), 0);
	assert_int_equal(res.outcome, YQ_FETCH_OK);
	assert_string_equal(res.final_url.s, url("/rss"));
	yq_source_state_release(&st);

	/* the validators are the final response's, not a redirect's */
	assert_int_equal(yq_source_state_init(&st, url("/redirect-etag")), 0);
	assert_int_equal(yq_fetch(fetcher, &st, NOW, &res), 0);
	assert_string_equal(res.final_url.s, url("/rss"));
	assert_null(st.etag);
	yq_source_state_release(&st);

	long before = server_stats("/redirect-loop", "host", NULL, 0);
	assert_int_equal(yq_source_state_init(&st, url("/redirect-loop")), 0);
	assert_int_equal(yq_fetch(fetcher, &st, NOW, &res), YQ_EIO);
	assert_int_equal(res.outcome, YQ_FETCH_ERR_REDIRECTS);
	assert_string_equal(st.last_error, "too many redirects (more than 5)");
	/* the first request and 5 redirects followed */
	assert_int_equal(server_stats("/redirect-loop", "host", NULL, 0), before + 6);
	yq_source_state_release(&st);

	/* a Location to file:// is not followed */
	assert_int_equal(yq_source_state_init(&st, url("/redirect-file")), 0);
	assert_int_equal(yq_fetch(fetcher, &st, NOW, &res), YQ_EIO);
	assert_int_equal(res.outcome, YQ_FETCH_ERR_NETWORK);
	assert_int_equal(res.body.len, 0);
	yq_fetch_result_release(&res);
	yq_source_state_release(&st);
}

static void test_network_errors(void **state)
{
	(void)state;
	struct yq_source_state st;
	struct yq_fetch_result res;
	yq_fetch_result_init(&res);
	/* a port nobody listens on: bind one, note it, close it */
	int s = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t al = sizeof a;
	assert_int_equal(bind(s, (struct sockaddr *)&a, sizeof a), 0);
	assert_int_equal(getsockname(s, (struct sockaddr *)&a, &al), 0);
	close(s);
	char u[64];
	snprintf(u, sizeof u, "http://127.0.0.1:%d/rss", ntohs(a.sin_port));
	assert_int_equal(yq_source_state_init(&st, u), 0);
	assert_int_equal(yq_fetch(fetcher, &st, NOW, &res), YQ_EIO);
	assert_int_equal(res.outcome, YQ_FETCH_ERR_NETWORK);
	assert_int_equal(st.http_status, 0);
	assert_int_equal(st.failures, 1);
	yq_source_state_release(&st);

	assert_int_equal(yq_source_state_init(&st, "file:///etc/passwd"), 0);
	assert_int_equal(yq_fetch(fetcher, &st, NOW, &res), YQ_EIO);
	assert_int_equal(res.outcome, YQ_FETCH_ERR_NETWORK);
	assert_int_equal(res.body.len, 0);
	yq_source_state_release(&st);

	assert_int_equal(yq_source_state_init(&st, ""), YQ_EINVAL);
	assert_int_equal(yq_source_state_init(&st, "http://a b/"), YQ_EINVAL);
	assert_int_equal(yq_source_state_init(&st, "http://a/\xff"), YQ_EINVAL);
	assert_int_equal(yq_source_state_init(&st, "http://a/\n"), YQ_EINVAL);
	assert_int_equal(yq_fetch(fetcher, NULL, NOW, &res), YQ_EINVAL);
	yq_fetch_result_release(&res);
}

static void test_fail_by_caller(void **state)
{
	(void)state;
	struct yq_source_state st;
	assert_int_equal(yq_source_state_init(&st, "http://example.test/feed"), 0);
	st.etag = strdup("\"v1\"");
	st.last_modified = strdup("Wed, 08 Aug 2012 14:00:00 GMT");
	assert_int_equal(yq_fetch_fail(fetcher, &st, NOW, "not a feed: \xff html"), 0);
	assert_int_equal(st.failures, 1);
	assert_int_equal(st.next_attempt, NOW + 60);
	assert_int_equal(st.last_error_time, NOW);
	assert_string_equal(st.last_error, "not a feed: \xef\xbf\xbd html");
	assert_null(st.etag);
	assert_null(st.last_modified);
	/* a long message is cut, never inside a UTF-8 sequence */
	char msg[YQ_FETCH_ERROR_MAX + 16];
	memset(msg, 'a', sizeof msg);
	memcpy(msg + YQ_FETCH_ERROR_MAX - 1, "\xe4\xb8\xad", 3);
	msg[sizeof msg - 1] = '\0';
	assert_int_equal(yq_fetch_fail(fetcher, &st, NOW, msg), 0);
	assert_int_equal(strlen(st.last_error), YQ_FETCH_ERROR_MAX - 1);
	assert_int_equal(st.next_attempt, NOW + 120);
	assert_int_equal(yq_fetch_fail(NULL, &st, NOW, "x"), YQ_EINVAL);
	yq_source_state_release(&st);
}

static void test_state_json(void **state)
{
	(void)state;
	struct yq_source_state st, back;
	struct yq_buf err = YQ_BUF_INIT;
	assert_int_equal(yq_source_state_init(&st, "http://example.test/feed"), 0);
	st.etag = strdup("W/\"abc\"");
	st.last_error = strdup("HTTP status 500");
	st.interval = 300;
	st.failures = 2;
	st.next_attempt = NOW + 600;
	st.last_attempt = NOW;
	st.last_success = NOW - 86400;
	st.last_error_time = NOW;
	st.items_seen = 42;
	st.http_status = 500;
	json_t *j = yq_source_state_to_json(&st);
	assert_non_null(j);
	char *s = json_dumps(j, JSON_SORT_KEYS | JSON_COMPACT);
	assert_string_equal(s,
			    "{\"etag\":\"W/\\\"abc\\\"\",\"failures\":2,\"http_status\":500,"
			    "\"interval\":300,\"items_seen\":42,\"last_attempt\":1700000000,"
			    "\"last_error\":\"HTTP status 500\",\"last_error_time\":1700000000,"
			    "\"last_modified\":null,\"last_success\":1699913600,"
			    "\"next_attempt\":1700000600,\"url\":\"http://example.test/feed\"}");
	assert_int_equal(yq_source_state_from_json(j, &back, &err), 0);
	assert_string_equal(back.url, st.url);
	assert_string_equal(back.etag, st.etag);
	assert_null(back.last_modified);
	assert_string_equal(back.last_error, st.last_error);
	assert_int_equal(back.interval, 300);
	assert_int_equal(back.failures, 2);
	assert_int_equal(back.next_attempt, NOW + 600);
	assert_int_equal(back.last_success, NOW - 86400);
	assert_int_equal(back.items_seen, 42);
	assert_int_equal(back.http_status, 500);
	yq_source_state_release(&back);
	free(s);
	json_decref(j);

	/* bad inputs are refused with a reason, st left zeroed */
	static const char *bad[] = {
		"[1]", "{}", "{\"url\":\"\"}", "{\"url\":5}",
		"{\"url\":\"http://x\",\"failures\":-1}",
		"{\"url\":\"http://x\",\"etag\":[]}",
		"{\"url\":\"http://x\",\"http_status\":1000}",
		"{\"url\":\"http://x\",\"next_attempt\":\"soon\"}",
	};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		json_t *b = json_loads(bad[i], 0, NULL);
		assert_non_null(b);
		yq_buf_reset(&err);
		assert_int_equal(yq_source_state_from_json(b, &back, &err), YQ_EFORMAT);
		assert_true(err.len > 0);
		assert_null(back.url);
		json_decref(b);
	}
	/* an over-long validator */
	char *big = malloc(YQ_FETCH_VALIDATOR_MAX + 2);
	memset(big, 'e', YQ_FETCH_VALIDATOR_MAX + 1);
	big[YQ_FETCH_VALIDATOR_MAX + 1] = '\0';
	json_t *b = json_pack("{s:s,s:s}", "url", "http://x", "etag", big);
	assert_int_equal(yq_source_state_from_json(b, &back, NULL), YQ_EFORMAT);
	json_decref(b);
	free(big);
	/* missing fields are empty; unknown ones ignored */
	b = json_loads("{\"url\":\"http://x\",\"future_field\":1}", 0, NULL);
	assert_int_equal(yq_source_state_from_json(b, &back, NULL), 0);
	assert_int_equal(back.failures, 0);
	assert_null(back.etag);
	json_decref(b);
	yq_source_state_release(&back);
	yq_source_state_release(&st);
	yq_source_state_release(NULL);
	yq_fetcher_free(NULL);
	yq_buf_release(&err);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plain_200),
		cmocka_unit_test(test_etag_304),
		cmocka_unit_test(test_lastmod_304),
		cmocka_unit_test(test_gzip),
		cmocka_unit_test(test_wrong_charset_raw),
		cmocka_unit_test(test_timeouts),
		cmocka_unit_test(test_too_large),
		cmocka_unit_test(test_500_backoff),
		cmocka_unit_test(test_redirects),
		cmocka_unit_test(test_network_errors),
		cmocka_unit_test(test_fail_by_caller),
		cmocka_unit_test(test_state_json),
	};
	return cmocka_run_group_tests(tests, start_server, stop_server);
}
