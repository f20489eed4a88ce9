/*
 * test_hugemem.c — base/hugemem: zeroed memory of any size, aligned to a
 * huge page from YQ_HUGE_MIN on, writable to its last byte, freed by size.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "base/hugemem.h"

static void check(size_t n)
{
	unsigned char *p = yq_huge_alloc(n);
	assert_non_null(p);
	if (n >= YQ_HUGE_MIN)
		assert_int_equal((uintptr_t)p % YQ_HUGE_PAGE, 0);
	for (size_t i = 0; i < n; i += 4093)
		assert_int_equal(p[i], 0);
	assert_int_equal(p[n - 1], 0);
	memset(p, 0xA5, n);
	assert_int_equal(p[0], 0xA5);
	assert_int_equal(p[n - 1], 0xA5);
	yq_huge_free(p, n);
}

static void test_sizes(void **state)
{
	(void)state;
	check(1);
	check(4096);
	check(YQ_HUGE_MIN - 1);
	check(YQ_HUGE_MIN);
	check(YQ_HUGE_MIN + 1);
	check(3 * YQ_HUGE_PAGE + 12345);
	yq_huge_free(NULL, 0);
	yq_huge_free(NULL, YQ_HUGE_MIN);
}

static void test_overflow(void **state)
{
	(void)state;
	assert_null(yq_huge_alloc(SIZE_MAX - 5));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sizes),
		cmocka_unit_test(test_overflow),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
