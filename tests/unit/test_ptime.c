/* test_ptime.c — time expressions → Unix seconds (collect/ptime.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "base/error.h"
#include "collect/ptime.h"

static struct yq_tz *sh, *utc, *ny;
/* 2023-05-12T15:30:00+08:00 */
static const int64_t NOW = 1683876600;

static int setup(void **state)
{
	(void)state;
	return yq_tz_open("Asia/Shanghai", &sh) || yq_tz_open("UTC", &utc) ||
	       yq_tz_open("America/New_York", &ny);
}

static int teardown(void **state)
{
	(void)state;
	yq_tz_free(sh);
	yq_tz_free(utc);
	yq_tz_free(ny);
	return 0;
}

static const char *fmt(struct yq_tz *tz, const char *in, int64_t now)
{
	static char out[64];
	struct yq_buf b = YQ_BUF_INIT;
	int64_t t;
	if (yq_time_parse(in, strlen(in), now, tz, &t) != 0) {
		strcpy(out, "?");
	} else {
		yq_time_format(tz, t, &b);
		strcpy(out, b.s);
	}
	yq_buf_release(&b);
	return out;
}

static void test_absolute(void **state)
{
	(void)state;
	assert_string_equal(fmt(sh, "2020-02-04T10:00:00+08:00", NOW), "2020-02-04T10:00:00+08:00");
	assert_string_equal(fmt(sh, "2020-02-04T02:00:00Z", NOW), "2020-02-04T10:00:00+08:00");
	assert_string_equal(fmt(sh, "2020-02-04", NOW), "2020-02-04T00:00:00+08:00");
	assert_string_equal(fmt(sh, "2020-02-04 10:05", NOW), "2020-02-04T10:05:00+08:00");
	assert_string_equal(fmt(sh, "2020/2/4 10:05:09", NOW), "2020-02-04T10:05:09+08:00");
	assert_string_equal(fmt(sh, "2023年5月12日", NOW), "2023-05-12T00:00:00+08:00");
	assert_string_equal(fmt(sh, "2023年5月12日 13:45", NOW), "2023-05-12T13:45:00+08:00");
	assert_string_equal(fmt(sh, "1347851222", NOW), "2012-09-17T11:07:02+08:00");
	assert_string_equal(fmt(sh, "1347851222123", NOW), "2012-09-17T11:07:02+08:00");
	assert_string_equal(fmt(sh, "Wed, 08 Aug 2012 13:25:02 +0800", NOW), "2012-08-08T13:25:02+08:00");
	assert_string_equal(fmt(sh, "Wed Aug 08 13:25:02 +0800 2012", NOW), "2012-08-08T13:25:02+08:00");
	assert_string_equal(fmt(sh, "Wed, 08 Aug 2012 05:25:02 GMT", NOW), "2012-08-08T13:25:02+08:00");
}

static void test_relative(void **state)
{
	(void)state;
	assert_string_equal(fmt(sh, "刚刚", NOW), "2023-05-12T15:30:00+08:00");
	assert_string_equal(fmt(sh, "3分钟前", NOW), "2023-05-12T15:27:00+08:00");
	assert_string_equal(fmt(sh, "2小时前", NOW), "2023-05-12T13:30:00+08:00");
	assert_string_equal(fmt(sh, "30秒前", NOW), "2023-05-12T15:29:30+08:00");
	assert_string_equal(fmt(sh, "2天前", NOW), "2023-05-10T15:30:00+08:00");
	assert_string_equal(fmt(sh, "今天 08:15", NOW), "2023-05-12T08:15:00+08:00");
	assert_string_equal(fmt(sh, "昨天 08:15", NOW), "2023-05-11T08:15:00+08:00");
	assert_string_equal(fmt(sh, "前天 23:59", NOW), "2023-05-10T23:59:00+08:00");
}

static void test_today_is_the_sources_day(void **state)
{
	(void)state;
	/* 2023-05-12T01:00+08:00 is still 2023-05-11 in UTC: "today" in
	 * Shanghai is the 12th. */
	int64_t now = 1683824400;
	assert_string_equal(fmt(sh, "今天 00:30", now), "2023-05-12T00:30:00+08:00");
	assert_string_equal(fmt(utc, "今天 00:30", now), "2023-05-11T00:30:00+00:00");
}

static void test_no_year_never_future(void **state)
{
	(void)state;
	assert_string_equal(fmt(sh, "05-12 13:45", NOW), "2023-05-12T13:45:00+08:00");
	/* later today or later this year would be the future: last year */
	assert_string_equal(fmt(sh, "05-12 16:45", NOW), "2022-05-12T16:45:00+08:00");
	assert_string_equal(fmt(sh, "12月31日 10:00", NOW), "2022-12-31T10:00:00+08:00");
	assert_string_equal(fmt(sh, "5月1日 10:00", NOW), "2023-05-01T10:00:00+08:00");
	/* 29 February without a year: the latest leap year not in the future */
	assert_string_equal(fmt(sh, "2月29日 10:00", NOW), "2020-02-29T10:00:00+08:00");
}

static void test_chinese_clock_and_numerals(void **state)
{
	(void)state;
	assert_string_equal(fmt(sh, "2023年05月12日07时05分", NOW), "2023-05-12T07:05:00+08:00");
	assert_string_equal(fmt(sh, "2023年5月11日晚8：15", NOW), "2023-05-11T20:15:00+08:00");
	assert_string_equal(fmt(sh, "5月11日下午3点", NOW), "2023-05-11T15:00:00+08:00");
	assert_string_equal(fmt(sh, "5月11日中午12点", NOW), "2023-05-11T12:00:00+08:00");
	assert_string_equal(fmt(sh, "5月11日中午1点", NOW), "2023-05-11T13:00:00+08:00");
	assert_string_equal(fmt(sh, "5月11日凌晨2点半", NOW), "2023-05-11T02:30:00+08:00");
	assert_string_equal(fmt(sh, "5月11日上午十点", NOW), "2023-05-11T10:00:00+08:00");
	assert_string_equal(fmt(sh, "昨天晚上十一点", NOW), "2023-05-11T23:00:00+08:00");
	assert_string_equal(fmt(sh, "半小时前", NOW), "2023-05-12T15:00:00+08:00");
	assert_string_equal(fmt(sh, "一天前", NOW), "2023-05-11T15:30:00+08:00");
	assert_string_equal(fmt(sh, "两周前", NOW), "2023-04-28T15:30:00+08:00");
	assert_string_equal(fmt(sh, "十二分钟前", NOW), "2023-05-12T15:18:00+08:00");
	assert_string_equal(fmt(sh, "5月11日下午13点", NOW), "2023-05-11T13:00:00+08:00");
	assert_string_equal(fmt(sh, "5月11日25点", NOW), "?");
	assert_string_equal(fmt(sh, "一二分钟前", NOW), "?");
}

static void test_zone_names(void **state)
{
	(void)state;
	struct yq_tz *berlin;
	int64_t t;
	unsigned fl = 0;
	const char *cst = "Fri, 12 May 2023 13:45:00 CST";
	/* CST is China's for a Chinese source, flagged; US Central for a US one */
	assert_int_equal(yq_time_parse_ex(cst, strlen(cst), NOW, sh, &t, &fl), 0);
	assert_int_equal(t, 1683870300);
	assert_int_equal(fl, YQ_TIME_AMBIGUOUS_ZONE);
	struct yq_tz *chicago;
	assert_int_equal(yq_tz_open("America/Chicago", &chicago), 0);
	assert_int_equal(yq_time_parse_ex(cst, strlen(cst), NOW, chicago, &t, &fl), 0);
	assert_string_equal(fmt(chicago, cst, NOW), "2023-05-12T13:45:00-05:00");
	yq_tz_free(chicago);
	/* elsewhere it cannot be told apart: unreadable */
	assert_int_equal(yq_tz_open("Europe/Berlin", &berlin), 0);
	assert_int_equal(yq_time_parse(cst, strlen(cst), NOW, berlin, &t), YQ_EFORMAT);
	yq_tz_free(berlin);
	assert_string_equal(fmt(sh, "Fri, 12 May 2023 05:45:00 GMT", NOW), "2023-05-12T13:45:00+08:00");
	assert_string_equal(fmt(sh, "Fri, 12 May 2023 01:45:00 EDT", NOW), "2023-05-12T13:45:00+08:00");
	assert_string_equal(fmt(sh, "Fri, 12 May 2023 13:45:00 XYZ", NOW), "?");
}

static void test_skew(void **state)
{
	(void)state;
	/* a year-less time a few minutes ahead is clock skew, not last year */
	assert_string_equal(fmt(sh, "05-12 15:35", NOW), "2023-05-12T15:35:00+08:00");
	assert_string_equal(fmt(sh, "05-12 15:45", NOW), "2022-05-12T15:45:00+08:00");
}

static void test_dst_zone(void **state)
{
	(void)state;
	assert_string_equal(fmt(ny, "2023-07-01 12:00", NOW), "2023-07-01T12:00:00-04:00");
	assert_string_equal(fmt(ny, "2023-01-01 12:00", NOW), "2023-01-01T12:00:00-05:00");
}

static void test_unreadable(void **state)
{
	(void)state;
	const char *bad[] = {"", "   ", "昨天下午", "2023-02-30", "2023-13-01", "25:00",
			     "2023年5月32日", "05-12", "12345", "soon", "3分钟", "Wed Foo 08 13:25:02 +0800 2012",
			     "2023-05-12T10:00:00+25:00"};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		int64_t t;
		assert_int_equal(yq_time_parse(bad[i], strlen(bad[i]), NOW, sh, &t), YQ_EFORMAT);
	}
}

static void test_unknown_zone(void **state)
{
	(void)state;
	struct yq_tz *tz = NULL;
	assert_int_equal(yq_tz_open("Mars/Olympus", &tz), YQ_EINVAL);
	assert_null(tz);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_absolute),
		cmocka_unit_test(test_relative),
		cmocka_unit_test(test_today_is_the_sources_day),
		cmocka_unit_test(test_no_year_never_future),
		cmocka_unit_test(test_chinese_clock_and_numerals),
		cmocka_unit_test(test_zone_names),
		cmocka_unit_test(test_skew),
		cmocka_unit_test(test_dst_zone),
		cmocka_unit_test(test_unreadable),
		cmocka_unit_test(test_unknown_zone),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
