/* test_calendar.c — the working-day calendar against the repository's
 * config/holidays-cn.tsv: field cases workflow-01 (2025 春节 with make-up
 * working days), workflow-03 (2024, 除夕 a working day unless an override
 * row says otherwise; a year with no schedule is an error, not a weekends
 * fallback) and workflow-04 (the Shanghai day window and the time to the
 * next local midnight, the same under TZ=UTC and TZ=America/New_York);
 * also the file parser's errors. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "base/error.h"
#include "cases/calendar.h"

static struct yq_calendar *cal;

static int64_t D(const char *s)
{
	int64_t d = 0;
	assert_int_equal(yq_date_parse(s, &d), 0);
	return d;
}

static void assert_add(const char *from, int n, const char *want)
{
	int64_t out = 0;
	char got[11];
	assert_int_equal(yq_calendar_add_workdays(cal, D(from), n, &out), 0);
	yq_date_format(out, got);
	assert_string_equal(got, want);
}

static int is_work(const char *s)
{
	int is = -1;
	assert_int_equal(yq_calendar_is_workday(cal, D(s), &is), 0);
	return is;
}

static int setup(void **state)
{
	(void)state;
	char path[1024];
	struct yq_buf err = YQ_BUF_INIT;
	const char *src = getenv("YQ_SRC");
	snprintf(path, sizeof path, "%s/config/holidays-cn.tsv", src ? src : ".");
	if (yq_calendar_new(&cal) || yq_calendar_load(cal, path, &err)) {
		fprintf(stderr, "load %s: %s\n", path, err.s);
		return -1;
	}
	yq_buf_release(&err);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	yq_calendar_free(cal);
	return 0;
}

static void test_dates(void **state)
{
	(void)state;
	char s[11];
	int64_t d;
	assert_int_equal(yq_date_from_ymd(1970, 1, 1), 0);
	assert_int_equal(yq_date_weekday(0), 3);            /* Thursday */
	assert_int_equal(yq_date_weekday(D("2025-01-24")), 4); /* Friday */
	assert_int_equal(yq_date_weekday(D("2025-01-26")), 6); /* Sunday */
	yq_date_format(D("2024-02-29"), s);
	assert_string_equal(s, "2024-02-29");
	assert_int_equal(yq_date_parse("2025-02-29", &d), YQ_EINVAL);
	assert_int_equal(yq_date_parse("2025-2-01", &d), YQ_EINVAL);
	assert_int_equal(yq_date_parse("1899-12-31", &d), YQ_EINVAL);
	yq_date_format(-1, s);
	assert_string_equal(s, "1969-12-31");
}

/* workflow-01 */
static void test_workflow01(void **state)
{
	(void)state;
	assert_true(is_work("2025-01-26"));
	assert_true(is_work("2025-02-08"));
	for (int64_t d = D("2025-01-28"); d <= D("2025-02-04"); d++) {
		int is = -1;
		assert_int_equal(yq_calendar_is_workday(cal, d, &is), 0);
		assert_int_equal(is, 0);
	}
	assert_add("2025-01-24", 5, "2025-02-07");
	assert_add("2025-01-24", 6, "2025-02-08");
	assert_add("2025-01-24", 0, "2025-01-24");
	assert_add("2025-01-24", 1, "2025-01-26");
	int64_t n = 0;
	assert_int_equal(yq_calendar_workdays_between(cal, D("2025-01-24"), D("2025-02-07"), &n), 0);
	assert_int_equal(n, 5);
}

/* workflow-03, with 除夕 granted off by an override file */
static void test_workflow03(void **state)
{
	(void)state;
	assert_true(is_work("2024-02-09"));  /* 除夕: the notice only encourages rest */
	assert_true(is_work("2024-02-04"));
	assert_true(is_work("2024-02-18"));
	assert_false(is_work("2024-02-10"));
	assert_add("2024-02-08", 3, "2024-02-19");

	/* a year with no schedule: an error, never weekends-only */
	int is = -1;
	int64_t out = 0;
	assert_int_equal(yq_calendar_is_workday(cal, D("2027-03-01"), &is), YQ_ECALENDAR);
	assert_int_equal(yq_calendar_is_workday(cal, D("2023-12-29"), &is), YQ_ECALENDAR);
	assert_int_equal(yq_calendar_add_workdays(cal, D("2026-12-28"), 5, &out), YQ_ECALENDAR);
	assert_string_equal(yq_calendar_strerror(YQ_ECALENDAR),
			    "no working-day schedule loaded for that year");

	/* the office's override: a row, not code */
	char dir[] = "/tmp/yq_test_calendar_XXXXXX", path[64];
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof path, "%s/office.tsv", dir);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs("# office override\n2024-02-09\toff\t除夕（本单位安排休息）\n", f);
	fclose(f);
	struct yq_buf err = YQ_BUF_INIT;
	assert_int_equal(yq_calendar_load(cal, path, &err), 0);
	assert_false(is_work("2024-02-09"));
	assert_add("2024-02-08", 3, "2024-02-20");
	/* back to the notice, for the other tests */
	assert_int_equal(yq_calendar_set(cal, D("2024-02-09"), 1, 0), 0);
	assert_add("2024-02-08", 3, "2024-02-19");

	/* parser errors carry file and line */
	f = fopen(path, "w");
	fputs("year 2030\n2030-02-30 off x\n", f);
	fclose(f);
	yq_buf_reset(&err);
	assert_int_equal(yq_calendar_load(cal, path, &err), YQ_EFORMAT);
	assert_non_null(strstr(err.s, "office.tsv:2:"));
	f = fopen(path, "w");
	fputs("2030-02-01 maybe\n", f);
	fclose(f);
	assert_int_equal(yq_calendar_load(cal, path, &err), YQ_EFORMAT);
	yq_buf_reset(&err);
	assert_int_equal(yq_calendar_load(cal, "/nonexistent/x.tsv", &err), YQ_EIO);
	yq_buf_release(&err);
	unlink(path);
	rmdir(dir);
}

/* workflow-04: no answer depends on the process time zone */
static void check_window(void)
{
	int64_t now = 1737993540; /* 2025-01-27T15:59:00Z = 23:59:00 +08:00 */
	assert_int_equal(yq_calendar_until_midnight(now), 60);
	int64_t day = D("2025-01-27");
	assert_int_equal(yq_calendar_day_of(now), day);
	assert_int_equal(yq_calendar_day_start(day), 1737907200);     /* 2025-01-26T16:00:00Z */
	assert_int_equal(yq_calendar_day_start(day + 1), 1737993600); /* 2025-01-27T16:00:00Z */
	assert_int_equal(yq_calendar_day_of(1737993600), day + 1);
	assert_int_equal(yq_calendar_until_midnight(1737993600), 86400);
	/* a local time before 1970 still floors */
	assert_int_equal(yq_calendar_day_of(-28801), -1);
}

static void test_workflow04(void **state)
{
	(void)state;
	const char *zones[] = {"UTC", "America/New_York", "Asia/Kolkata"};
	for (size_t i = 0; i < sizeof zones / sizeof zones[0]; i++) {
		setenv("TZ", zones[i], 1);
		tzset();
		check_window();
		assert_add("2025-01-24", 5, "2025-02-07");
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dates),
		cmocka_unit_test(test_workflow01),
		cmocka_unit_test(test_workflow03),
		cmocka_unit_test(test_workflow04),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
