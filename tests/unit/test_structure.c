/* test_structure.c — own comment, repost chain, mentions (text/structure.h)
 * and link keys (text/links.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "text/links.h"
#include "text/normalize.h"
#include "text/structure.h"

static struct yq_normalizer *nz;
static struct yq_norm_result r;
static struct yq_post_parts pp;

static int setup(void **state)
{
	struct yq_buf err = YQ_BUF_INIT;
	(void)state;
	int rc = yq_normalizer_new(&nz, &err);
	yq_buf_release(&err);
	return rc;
}

static int teardown(void **state)
{
	(void)state;
	yq_norm_result_release(&r);
	yq_post_parts_release(&pp);
	yq_normalizer_free(nz);
	return 0;
}

static void read_post(const char *s)
{
	assert_int_equal(yq_normalize(nz, s, strlen(s), &r), 0);
	assert_int_equal(yq_post_parts_read(&r, &pp), 0);
}

static void span_is(struct yq_span sp, const char *want)
{
	assert_int_equal(sp.len, strlen(want));
	assert_memory_equal(r.text.s + sp.off, want, sp.len);
}

static void test_chain_and_mentions(void **state)
{
	(void)state;
	read_post("求扩散//@小王:已经堵了一小时//@老李：高架多车追尾 @小张 快看 @小赵，");
	span_is(pp.own, "求扩散");
	assert_int_equal(pp.nchain, 2);
	span_is(pp.chain[0].user, "小王");
	span_is(pp.chain[0].text, "已经堵了一小时");
	span_is(pp.chain[1].user, "老李");
	span_is(pp.chain[1].text, "高架多车追尾 @小张 快看 @小赵，");
	assert_int_equal(pp.mentions.n, 2);
	span_is(pp.mentions.v[0], "小张");
	span_is(pp.mentions.v[1], "小赵");
}

static void test_plain_reposts(void **state)
{
	(void)state;
	read_post("转发微博");
	assert_int_equal(pp.own.len, 0);
	read_post("转发微博//@小王:原文");
	assert_int_equal(pp.own.len, 0);
	assert_int_equal(pp.nchain, 1);
	read_post("转发微博，太可怕了");
	span_is(pp.own, "转发微博，太可怕了");
	assert_true(yq_plain_repost_words("  Repost. ", 10));
	assert_false(yq_plain_repost_words("转发抽奖", strlen("转发抽奖")));
}

static void key_is(const char *url, const char *want)
{
	struct yq_buf b = YQ_BUF_INIT;
	assert_int_equal(yq_link_key(url, strlen(url), &b), 0);
	assert_string_equal(b.s, want);
	yq_buf_release(&b);
}

static void test_link_keys(void **state)
{
	(void)state;
	key_is("https://www.example.gov.cn/notice/123?utm_source=weibo",
	       "https://www.example.gov.cn/notice/123");
	key_is("HTTPS://WWW.Example.gov.cn:443/notice/123#comments",
	       "https://www.example.gov.cn/notice/123");
	key_is("http://a.cn:80?spm=1&id=7&utm_medium=x&from=timeline", "http://a.cn/?id=7");
	key_is("http://a.cn:8080/A/B?Q=1", "http://a.cn:8080/A/B?Q=1");
	key_is("http://t.cn/AbC1", "http://t.cn/AbC1");
	key_is("t.cn/AbC1", "t.cn/AbC1");
	key_is("mailto:x@y.cn", "mailto:x@y.cn");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_chain_and_mentions),
		cmocka_unit_test(test_plain_reposts),
		cmocka_unit_test(test_link_keys),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
