/*
 * test_serve.c — the daemon's configuration (serve/config.h), metrics
 * exposition (serve/metrics.h, field cases metrics-01 and metrics-02) and
 * bounded queue (serve/queue.h).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/error.h"
#include "serve/config.h"
#include "serve/metrics.h"
#include "serve/queue.h"

static char dir[256];

static int setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof dir, "/tmp/yq-test-serve-%d", (int)getpid());
	char cmd[300];
	snprintf(cmd, sizeof cmd, "mkdir -p %s", dir);
	return system(cmd);
}

static int teardown(void **state)
{
	(void)state;
	char cmd[300];
	snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
	return system(cmd);
}

static void write_file(const char *name, const char *text, char *path, size_t cap)
{
	snprintf(path, cap, "%s/%s", dir, name);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static void config_ok(void **state)
{
	(void)state;
	char path[512], want[600];
	struct yq_serve_config *c = NULL;
	struct yq_buf err = YQ_BUF_INIT;
	write_file("a.yaml",
		   "database: data/y.db\n"
		   "listen: 0.0.0.0:9090\n"
		   "jurisdiction: [酒泉, 肃州区]\n"
		   "sentiment: none\n"
		   "gazetteer: places/cn\n"
		   "limits: {queue: 5, sse_heartbeat: 2}\n"
		   "pipeline: {bucket: 10m, min_count: 7, engagement: false}\n"
		   "channels: [{name: x}]\n"
		   "sources:\n"
		   "  - {name: inbox, kind: dir, path: in, platform: weibo, tier: local, region: 酒泉}\n"
		   "  - {name: news, kind: feed, url: 'http://example.org/f.xml', interval: 90s}\n"
		   "  - {name: crawler, kind: push}\n",
		   path, sizeof path);
	assert_int_equal(yq_serve_config_load(path, &c, &err), YQ_OK);
	snprintf(want, sizeof want, "%s/data/y.db", dir);
	assert_string_equal(c->db, want);
	assert_string_equal(c->host, "0.0.0.0");
	assert_int_equal(c->port, 9090);
	assert_string_equal(c->jurisdiction, "酒泉,肃州区");
	assert_null(c->sentiment);
	snprintf(want, sizeof want, "%s/places/cn", dir);
	assert_string_equal(c->gazetteer, want);
	assert_int_equal(c->queue, 5);
	assert_int_equal(c->sse_heartbeat, 2);
	assert_int_equal(c->sse_replay, 1000); /* default */
	assert_int_equal(c->bucket, 600);
	assert_int_equal(c->min_count, 7);
	assert_int_equal(c->no_engagement, 1);
	assert_int_equal(c->nsources, 3);
	snprintf(want, sizeof want, "%s/in", dir);
	assert_string_equal(c->sources[0].path, want);
	assert_int_equal(c->sources[0].kind, YQ_SOURCE_DIR);
	assert_string_equal(c->sources[0].region, "酒泉");
	assert_string_equal(c->sources[1].path, "http://example.org/f.xml");
	assert_int_equal(c->sources[1].interval, 90);
	assert_int_equal(c->sources[2].kind, YQ_SOURCE_PUSH);
	yq_serve_config_free(c);

	/* an empty file: every default */
	write_file("b.yaml", "", path, sizeof path);
	assert_int_equal(yq_serve_config_load(path, &c, &err), YQ_OK);
	assert_string_equal(c->host, "127.0.0.1");
	assert_int_equal(c->port, 8080);
	assert_string_equal(c->sentiment, "sentiment");
	assert_null(c->gazetteer);
	snprintf(want, sizeof want, "%s/yuqing.db", dir);
	assert_string_equal(c->db, want);
	yq_serve_config_free(c);
	yq_buf_release(&err);
}

static void config_errors(void **state)
{
	(void)state;
	static const struct {
		const char *yaml, *msg;
	} bad[] = {
		{"databse: x.db\n", "a.yaml:1: unknown key 'databse'"},
		{"listen: localhost:99999\n", "a.yaml:1: bad port"},
		{"sources:\n  - {name: a, kind: ftp, path: x}\n", "a.yaml:2: kind is file"},
		{"sources:\n  - {name: a, kind: file}\n", "a.yaml:2: source 'a' needs a path"},
		{"sources:\n  - {name: a, kind: push}\n  - {name: a, kind: push}\n",
		 "a.yaml:3: duplicate source name 'a'"},
		{"limits: {queue: 0}\n", "a.yaml:1: expected a whole number in [1, 10000000]"},
		{"pipeline: {bucket: soon}\n", "a.yaml:1: expected a duration"},
		{"listen: [\n", "a.yaml:2: YAML"},
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		char path[512];
		struct yq_serve_config *c = NULL;
		struct yq_buf err = YQ_BUF_INIT;
		write_file("a.yaml", bad[i].yaml, path, sizeof path);
		assert_int_equal(yq_serve_config_load(path, &c, &err), YQ_EFORMAT);
		assert_null(c);
		const char *m = strstr(err.s, "a.yaml:");
		assert_non_null(m);
		if (strncmp(m, bad[i].msg, strlen(bad[i].msg)) != 0)
			fail_msg("case %zu: got '%s', want '%s…'", i, m, bad[i].msg);
		yq_buf_release(&err);
	}
}

static void metrics(void **state)
{
	(void)state;
	const char *names[] = {"某区\"融媒体\"中心\\分站\n", "weibo"};
	struct yq_metrics *m;
	struct yq_buf out = YQ_BUF_INIT;
	struct yq_metrics_gauges g = {0};
	assert_int_equal(yq_metrics_new(names, 2, &m), YQ_OK);
	/* metrics-02: only \, " and LF are escaped */
	yq_metrics_source(m, 0, YQ_M_FEED_ERRORS, 1);
	/* metrics-01: the router passes templates; the same template is one series */
	static const char *route = "/api/cases/{id}";
	for (int i = 0; i < 4; i++)
		yq_metrics_http(m, "GET", route, 200);
	yq_metrics_http(m, "GET", NULL, 404);
	yq_metrics_http(m, "BREW", NULL, 405);
	assert_int_equal(yq_metrics_render(m, &g, &out), YQ_OK);
	assert_non_null(strstr(out.s, "\nfeed_fetch_errors_total{source=\"某区\\\"融媒体\\\"中心\\\\分站\\n\"} 1\n"));
	assert_non_null(strstr(out.s, "\nfeed_fetch_errors_total{source=\"weibo\"} 0\n"));
	assert_non_null(strstr(out.s, "\nhttp_requests_total{method=\"GET\",route=\"/api/cases/{id}\",status=\"200\"} 4\n"));
	assert_non_null(strstr(out.s, "\nhttp_requests_total{method=\"GET\",route=\"unmatched\",status=\"404\"} 1\n"));
	assert_non_null(strstr(out.s, "\nhttp_requests_total{method=\"other\",route=\"unmatched\",status=\"405\"} 1\n"));
	yq_buf_reset(&out);
	assert_int_equal(yq_metrics_label(&out, "a\tb\rc中"), YQ_OK);
	assert_string_equal(out.s, "a\tb\rc中"); /* nothing else is escaped */
	yq_metrics_latency(m, 0.02);
	yq_metrics_latency(m, 3);
	yq_buf_reset(&out);
	assert_int_equal(yq_metrics_render(m, &g, &out), YQ_OK);
	assert_non_null(strstr(out.s, "yuqing_ingest_latency_seconds_bucket{le=\"0.025\"} 1\n"));
	assert_non_null(strstr(out.s, "yuqing_ingest_latency_seconds_bucket{le=\"5\"} 2\n"));
	assert_non_null(strstr(out.s, "yuqing_ingest_latency_seconds_count 2\n"));
	yq_metrics_free(m);
	yq_buf_release(&out);
}

static void queue(void **state)
{
	(void)state;
	struct yq_queue *q;
	struct yq_post p = {.id = "p1", .source = "s", .text = "文本", .reposts = -1};
	int closed = 0;
	assert_int_equal(yq_queue_new(2, &q), YQ_OK);
	struct yq_item *a = yq_item_new(&p, 0, "/f", 10), *b = yq_item_new(NULL, 0, "/f", 20),
		       *c = yq_item_new(&p, 1, NULL, 0);
	assert_int_equal(yq_queue_push(q, a, 0), YQ_OK);
	assert_int_equal(yq_queue_push(q, b, 0), YQ_OK);
	assert_int_equal(yq_queue_push(q, c, 10), YQ_ETOOBIG); /* full: backpressure */
	assert_int_equal(yq_queue_depth(q, NULL), 2);
	struct yq_item *l = yq_queue_pop(q, 10, 10, &closed);
	assert_non_null(l);
	assert_ptr_equal(l, a);
	assert_string_equal(l->post.text, "文本");
	assert_true(l->post.text != p.text); /* a copy */
	assert_int_equal(l->next->ckpt_offset, 20);
	assert_int_equal(l->next->has_post, 0);
	yq_item_free(l->next);
	yq_item_free(l);
	yq_queue_close(q);
	assert_int_equal(yq_queue_push(q, c, 10), YQ_EEOF);
	assert_null(yq_queue_pop(q, 10, 10, &closed));
	assert_int_equal(closed, 1);
	yq_item_free(c);
	yq_queue_free(q);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(config_ok),
		cmocka_unit_test(config_errors),
		cmocka_unit_test(metrics),
		cmocka_unit_test(queue),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
