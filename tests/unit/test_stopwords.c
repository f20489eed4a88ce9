/*
 * test_stopwords.c — analyze/stopwords: words of both lists are found
 * through the hashed table, their prefixes, extensions and other words are
 * not, and lengths outside 1..16 bytes are never stop words.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "analyze/stopwords.h"

static int sw(const char *s)
{
	return yq_stopword(s, strlen(s));
}

static void test_words(void **state)
{
	(void)state;
	/* first, last and inner words of the table, both languages */
	const char *yes[] = {"a", "about", "aren't", "yourselves", "http", "https", "rt", "amp",
			     "they've", "the", "一下", "一个", "的", "了", "非常", "里", "都",
			     "为什么", "我们", "这个", "没有"};
	for (size_t i = 0; i < sizeof yes / sizeof yes[0]; i++)
		assert_int_equal(sw(yes[i]), 1);
	const char *no[] = {"th", "thes", "them2", "abou", "aboutx", "The", "flood", "杭州",
			    "一", "非", "非常好", "我们的", "covid", "b", "z"};
	for (size_t i = 0; i < sizeof no / sizeof no[0]; i++)
		assert_int_equal(sw(no[i]), 0);
}

static void test_lengths(void **state)
{
	(void)state;
	assert_int_equal(yq_stopword("the", 0), 0);
	assert_int_equal(yq_stopword("thereabouts", 5), 1); /* "there" */
	assert_int_equal(yq_stopword("yourselvesyourselves", 10), 1);
	assert_int_equal(sw("yourselvesyourse"), 0);   /* 16 bytes, no word */
	assert_int_equal(sw("yourselvesyourselves"), 0); /* over 16 bytes */
	/* a token with a NUL byte inside is no word */
	assert_int_equal(yq_stopword("a\0b", 3), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_words),
		cmocka_unit_test(test_lengths),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
