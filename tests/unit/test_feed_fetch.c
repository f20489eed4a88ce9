/*
 * test_feed_fetch.c — fetch → feed parse (collect/feed_fetch.h) against the
 * local misbehaving server (tests/tools/feedserver.py), and the root
 * element sniffer behind --format.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "base/error.h"
#include "collect/feed_fetch.h"

#include "feedserver.h"

static void test_sniff(void **state)
{
	(void)state;
	static const struct {
		const char *doc;
		enum yq_feed_kind want;
	} cases[] = {
		{"<rss version=\"2.0\"><channel/></rss>", YQ_FEED_RSS},
		{"\xEF\xBB\xBF<?xml version=\"1.0\"?>\n<rss>", YQ_FEED_RSS},
		{"<?xml version=\"1.0\"?><rdf:RDF xmlns:rdf=\"x\">", YQ_FEED_RSS},
		{"<?xml version=\"1.0\"?>\n<!-- a <feed> comment -->\n<feed xmlns=\"a\">", YQ_FEED_ATOM},
		{"<?xml-stylesheet href=\"s.xsl\"?><atom:feed>", YQ_FEED_ATOM},
		{"<!DOCTYPE rss [<!ENTITY a \"<feed>\">]>\n<rss>", YQ_FEED_RSS},
		{"<!DOCTYPE html><html><body>feed</body></html>", YQ_FEED_ANY},
		{"<feedback/>", YQ_FEED_ANY},
		{"{\"hits\": 1}", YQ_FEED_ANY},
		{"", YQ_FEED_ANY},
		{"<?xml version=\"1.0\"", YQ_FEED_ANY},
		{"<", YQ_FEED_ANY},
	};
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++)
		assert_int_equal(yq_feed_sniff(cases[i].doc, strlen(cases[i].doc)), cases[i].want);
	/* UTF-16: cannot tell, so --format does not refuse it */
	assert_int_equal(yq_feed_sniff("\xFF\xFE<\0r\0s\0s\0>\0", 10), YQ_FEED_ANY);
}

static void test_rss_items(void **state)
{
	(void)state;
	struct yq_source_state st;
	struct yq_fetch_result res;
	struct yq_feed feed;
	struct yq_buf err = YQ_BUF_INIT;
	struct yq_tz *tz;
	assert_int_equal(yq_tz_open("Asia/Shanghai", &tz), 0);
	yq_fetch_result_init(&res);
	/* through a redirect: relative links resolve against the final URL */
	assert_int_equal(yq_source_state_init(&st, url("/redirect")), 0);
	assert_int_equal(yq_feed_fetch(fetcher, &st, NOW, tz, YQ_FEED_RSS, &res, &feed, &err), 0);
	assert_int_equal(res.outcome, YQ_FETCH_OK);
	assert_int_equal(feed.n, 3);
	assert_string_equal(feed.items[0].id, "news-1");
	assert_string_equal(feed.items[0].title, "市区暴雨致道路积水");
	assert_string_equal(feed.items[0].link, url("/news/1.html"));
	assert_true(feed.items[0].time_ok);
	assert_int_equal(feed.items[0].time, 1344403502); /* 2012-08-08T13:25:02+08:00 */
	assert_string_equal(feed.items[1].link, "http://example.test/news/2.html");
	assert_false(feed.items[2].time_ok);
	assert_int_equal(st.items_seen, 3);
	yq_feed_release(&feed);
	/* again: the counter adds up */
	assert_int_equal(yq_feed_fetch(fetcher, &st, NOW, tz, YQ_FEED_ANY, &res, &feed, &err), 0);
	assert_int_equal(st.items_seen, 6);
	yq_feed_release(&feed);
	yq_source_state_release(&st);

	/* the GBK feed with a wrong charset=utf-8 header */
	assert_int_equal(yq_source_state_init(&st, url("/gbk")), 0);
	assert_int_equal(yq_feed_fetch(fetcher, &st, NOW, tz, YQ_FEED_ANY, &res, &feed, &err), 0);
	assert_int_equal(feed.n, 2);
	assert_string_equal(feed.items[0].title, "小区停水通知");
	assert_string_equal(feed.items[1].text, "近期蔬菜价格明显上涨。");
	assert_string_equal(feed.enc.charset, "gb18030");
	yq_feed_release(&feed);
	yq_source_state_release(&st);

	/* a 304: no items, the counter unchanged */
	assert_int_equal(yq_source_state_init(&st, url("/etag")), 0);
	assert_int_equal(yq_feed_fetch(fetcher, &st, NOW, tz, YQ_FEED_ANY, &res, &feed, &err), 0);
	yq_feed_release(&feed);
	assert_int_equal(yq_feed_fetch(fetcher, &st, NOW, tz, YQ_FEED_ANY, &res, &feed, &err), 0);
	assert_int_equal(res.outcome, YQ_FETCH_NOT_MODIFIED);
	assert_int_equal(feed.n, 0);
	assert_int_equal(st.items_seen, 3);
	yq_feed_release(&feed);
	yq_source_state_release(&st);
	yq_fetch_result_release(&res);
	yq_buf_release(&err);
	yq_tz_free(tz);
}

static void test_failures(void **state)
{
	(void)state;
	struct yq_source_state st;
	struct yq_fetch_result res;
	struct yq_feed feed;
	struct yq_buf err = YQ_BUF_INIT;
	yq_fetch_result_init(&res);

	/* the wrong kind: a failure, and the validators are dropped */
	assert_int_equal(yq_source_state_init(&st, url("/etag")), 0);
	assert_int_equal(yq_feed_fetch(fetcher, &st, NOW, NULL, YQ_FEED_ATOM, &res, &feed, &err),
			 YQ_EFORMAT);
	assert_string_equal(err.s, "wrong kind of feed: RSS, not Atom");
	assert_int_equal(feed.n, 0);
	assert_int_equal(st.failures, 1);
	assert_int_equal(st.next_attempt, NOW + 60);
	assert_string_equal(st.last_error, "wrong kind of feed: RSS, not Atom");
	assert_null(st.etag);
	assert_int_equal(st.items_seen, 0);
	yq_feed_release(&feed);
	yq_source_state_release(&st);

	/* 200 but not a feed (JSON) */
	yq_buf_reset(&err);
	assert_int_equal(yq_source_state_init(&st, url("/stats?p=/rss")), 0);
	assert_int_equal(yq_feed_fetch(fetcher, &st, NOW, NULL, YQ_FEED_ANY, &res, &feed, &err),
			 YQ_EFORMAT);
	assert_memory_equal(err.s, "not a feed: ", 12);
	assert_int_equal(st.failures, 1);
	yq_feed_release(&feed);
	yq_source_state_release(&st);

	/* a fetch error passes through with its message */
	yq_buf_reset(&err);
	assert_int_equal(yq_source_state_init(&st, url("/500")), 0);
	assert_int_equal(yq_feed_fetch(fetcher, &st, NOW, NULL, YQ_FEED_ANY, &res, &feed, &err),
			 YQ_EIO);
	assert_string_equal(err.s, "HTTP status 500");
	yq_feed_release(&feed);
	/* then backing off: 0, no items */
	yq_buf_reset(&err);
	assert_int_equal(yq_feed_fetch(fetcher, &st, NOW + 1, NULL, YQ_FEED_ANY, &res, &feed, &err), 0);
	assert_int_equal(res.outcome, YQ_FETCH_BACKOFF);
	assert_int_equal(feed.n, 0);
	yq_feed_release(&feed);
	yq_source_state_release(&st);
	assert_int_equal(yq_feed_fetch(fetcher, NULL, NOW, NULL, YQ_FEED_ANY, &res, &feed, &err),
			 YQ_EINVAL);
	yq_fetch_result_release(&res);
	yq_buf_release(&err);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sniff),
		cmocka_unit_test(test_rss_items),
		cmocka_unit_test(test_failures),
	};
	return cmocka_run_group_tests(tests, start_server, stop_server);
}
