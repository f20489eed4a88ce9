/* test_burst.c — EWMA baseline and burst levels (detect/burst.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "detect/burst.h"

static void add_n(struct yq_burst *b, const struct yq_burst_config *c, int64_t bucket, int n)
{
	for (int i = 0; i < n; i++)
		yq_burst_add(b, c, bucket);
}

static void test_steady_series_does_not_burst(void **state)
{
	(void)state;
	struct yq_burst_config c;
	struct yq_burst b;
	double z;
	yq_burst_config_default(&c);
	yq_burst_init(&b);
	for (int64_t k = 0; k < 50; k++) {
		add_n(&b, &c, k, 40);
		if (k > 5)
			assert_int_equal(yq_burst_check(&b, &c, &z), 0);
	}
	assert_true(b.mean > 39.9 && b.mean < 40.1);
}

static void test_jump_bursts_and_levels_grow(void **state)
{
	(void)state;
	struct yq_burst_config c;
	struct yq_burst b;
	double z;
	yq_burst_config_default(&c);
	yq_burst_init(&b);
	for (int64_t k = 0; k < 20; k++)
		add_n(&b, &c, k, 2);
	add_n(&b, &c, 20, 19);
	assert_int_equal(yq_burst_check(&b, &c, &z), 0); /* below min_count */
	add_n(&b, &c, 20, 1);
	assert_int_equal(yq_burst_check(&b, &c, &z), 1); /* 20 posts, z ≈ 12.7 */
	assert_true(z > 12 && z < 13);
	add_n(&b, &c, 20, 20);
	assert_int_equal(yq_burst_check(&b, &c, &z), 2);
	add_n(&b, &c, 20, 40);
	assert_int_equal(yq_burst_check(&b, &c, &z), 3);
	add_n(&b, &c, 20, 80);
	assert_int_equal(yq_burst_check(&b, &c, &z), 4);
}

static void test_gap_decays_baseline(void **state)
{
	(void)state;
	struct yq_burst_config c;
	struct yq_burst b;
	double z;
	yq_burst_config_default(&c);
	yq_burst_init(&b);
	for (int64_t k = 0; k < 10; k++)
		add_n(&b, &c, k, 100);
	add_n(&b, &c, 10, 100);
	assert_int_equal(yq_burst_check(&b, &c, &z), 0);
	/* a long silence, then the same volume: a burst against a quiet baseline */
	add_n(&b, &c, 200, 100);
	assert_true(b.mean < 1e-6);
	assert_int_equal(yq_burst_check(&b, &c, &z), 3);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_steady_series_does_not_burst),
		cmocka_unit_test(test_jump_bursts_and_levels_grow),
		cmocka_unit_test(test_gap_decays_baseline),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
