/*
 * test_sse.c — the live-stream hub (serve/sse.h): field case sse-02
 * (resume by Last-Event-ID inside the buffer, resync for an id older than
 * it, live only without one), a slow client whose messages left the ring,
 * heartbeats, and ids that go on across a restart.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/error.h"
#include "serve/sse.h"

/* publish_range: ids a..b published as "alert" messages. */
static void publish_range(struct yq_sse *h, uint64_t a, uint64_t b)
{
	for (uint64_t id = a; id <= b; id++) {
		char data[64];
		uint64_t r = yq_sse_reserve(h, 1);
		assert_int_equal(r, id);
		snprintf(data, sizeof data, "{\"n\":%llu}", (unsigned long long)id);
		assert_int_equal(yq_sse_publish(h, id, "alert", data), YQ_OK);
	}
}

/* ids_of: the "id: N" lines of out, space-separated. */
static void ids_of(const char *out, char *ids, size_t cap)
{
	ids[0] = 0;
	for (const char *p = out; (p = strstr(p, "id: ")); p += 4) {
		if (p != out && p[-1] != '\n')
			continue;
		size_t n = strlen(ids);
		snprintf(ids + n, cap - n, "%s%llu", n ? " " : "",
			 (unsigned long long)strtoull(p + 4, NULL, 10));
	}
}

static void case_sse02(void **state)
{
	(void)state;
	struct yq_sse *h;
	struct yq_buf out = YQ_BUF_INIT;
	char ids[512];
	uint64_t cur;
	/* ids 101..110 emitted, a buffer of 1000 */
	assert_int_equal(yq_sse_new(1000, 101, &h), YQ_OK);
	publish_range(h, 101, 110);

	/* A: Last-Event-ID 105 → exactly 106..110, then nothing (a heartbeat) */
	assert_int_equal(yq_sse_start(h, "105", &cur, &out), YQ_OK);
	assert_null(strstr(out.s, "resync"));
	assert_int_equal(yq_sse_next(h, &cur, 10, 1 << 20, &out), YQ_OK);
	ids_of(out.s, ids, sizeof ids);
	assert_string_equal(ids, "106 107 108 109 110");
	yq_buf_reset(&out);
	assert_int_equal(yq_sse_next(h, &cur, 10, 1 << 20, &out), YQ_OK);
	assert_string_equal(out.s, ": heartbeat\n\n");
	/* then live: 111 arrives once */
	publish_range(h, 111, 111);
	yq_buf_reset(&out);
	assert_int_equal(yq_sse_next(h, &cur, 10, 1 << 20, &out), YQ_OK);
	ids_of(out.s, ids, sizeof ids);
	assert_string_equal(ids, "111");

	/* B: Last-Event-ID 3 (before the buffer) → one resync, no replay */
	yq_buf_reset(&out);
	assert_int_equal(yq_sse_start(h, "3", &cur, &out), YQ_OK);
	assert_non_null(strstr(out.s, "event: resync"));
	ids_of(out.s, ids, sizeof ids);
	assert_string_equal(ids, "111");
	yq_buf_reset(&out);
	assert_int_equal(yq_sse_next(h, &cur, 10, 1 << 20, &out), YQ_OK);
	assert_string_equal(out.s, ": heartbeat\n\n");

	/* C: no header → live only */
	yq_buf_reset(&out);
	assert_int_equal(yq_sse_start(h, NULL, &cur, &out), YQ_OK);
	assert_null(strstr(out.s, "id: "));
	publish_range(h, 112, 112);
	yq_buf_reset(&out);
	assert_int_equal(yq_sse_next(h, &cur, 10, 1 << 20, &out), YQ_OK);
	ids_of(out.s, ids, sizeof ids);
	assert_string_equal(ids, "112");

	/* a garbage or future id is a resync too */
	yq_buf_reset(&out);
	assert_int_equal(yq_sse_start(h, "12abc", &cur, &out), YQ_OK);
	assert_non_null(strstr(out.s, "event: resync"));
	yq_buf_reset(&out);
	assert_int_equal(yq_sse_start(h, "999", &cur, &out), YQ_OK);
	assert_non_null(strstr(out.s, "event: resync"));
	yq_sse_free(h);
	yq_buf_release(&out);
}

static void slow_client(void **state)
{
	(void)state;
	struct yq_sse *h;
	struct yq_buf out = YQ_BUF_INIT;
	char ids[512];
	uint64_t cur;
	assert_int_equal(yq_sse_new(3, 1, &h), YQ_OK);
	publish_range(h, 1, 2);
	assert_int_equal(yq_sse_start(h, "1", &cur, &out), YQ_OK); /* resumable: 2 is kept */
	publish_range(h, 3, 6); /* 2 leaves the ring before the client reads it */
	yq_buf_reset(&out);
	assert_int_equal(yq_sse_next(h, &cur, 10, 1 << 20, &out), YQ_OK);
	assert_non_null(strstr(out.s, "event: resync"));
	ids_of(out.s, ids, sizeof ids);
	assert_string_equal(ids, "6");
	/* a frame-size cap: whole frames only, the rest on the next call */
	publish_range(h, 7, 9);
	yq_buf_reset(&out);
	assert_int_equal(yq_sse_next(h, &cur, 10, 40, &out), YQ_OK);
	ids_of(out.s, ids, sizeof ids);
	assert_string_equal(ids, "7");
	yq_buf_reset(&out);
	assert_int_equal(yq_sse_next(h, &cur, 10, 1 << 20, &out), YQ_OK);
	ids_of(out.s, ids, sizeof ids);
	assert_string_equal(ids, "8 9");
	/* ids only ascend; a newline in data is refused */
	assert_int_equal(yq_sse_publish(h, 9, "alert", "{}"), YQ_EINVAL);
	uint64_t r = yq_sse_reserve(h, 1);
	assert_int_equal(yq_sse_publish(h, r, "alert", "{\n}"), YQ_EINVAL);
	yq_sse_close(h);
	assert_int_equal(yq_sse_next(h, &cur, 10, 1 << 20, &out), YQ_EEOF);
	yq_sse_free(h);
	yq_buf_release(&out);
}

static void restart(void **state)
{
	(void)state;
	struct yq_sse *h;
	struct yq_buf out = YQ_BUF_INIT;
	uint64_t cur;
	/* a restart after id 500: the client that saw 500 resumes with no resync,
	 * one that saw 400 gets a resync (the messages are gone), ids go on at 501 */
	assert_int_equal(yq_sse_new(1000, 501, &h), YQ_OK);
	assert_int_equal(yq_sse_last(h), 500);
	assert_int_equal(yq_sse_start(h, "500", &cur, &out), YQ_OK);
	assert_null(strstr(out.s, "resync"));
	assert_int_equal(cur, 500);
	yq_buf_reset(&out);
	assert_int_equal(yq_sse_start(h, "400", &cur, &out), YQ_OK);
	assert_non_null(strstr(out.s, "event: resync"));
	assert_int_equal(yq_sse_reserve(h, 2), 501);
	yq_sse_free(h);
	yq_buf_release(&out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(case_sse02),
		cmocka_unit_test(slow_client),
		cmocka_unit_test(restart),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
