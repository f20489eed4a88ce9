/*
 * test_normalize.c — text/normalize: every step with exact expected output,
 * offset-map spot checks, the repost chain, URLs, and invariants on a slice
 * of real Weibo posts ($YQ_DATA/weibo_covid/posts.tsv.gz, read at test time).
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
#include "base/utf8.h"
#include "collect/lines.h"
#include "text/normalize.h"

static struct yq_normalizer *nz;
static struct yq_norm_result res;

static int setup(void **state)
{
	struct yq_buf err = YQ_BUF_INIT;
	int rc = yq_normalizer_new(&nz, &err);
	if (rc)
		fprintf(stderr, "normalizer: %s\n", err.s);
	yq_buf_release(&err);
	return rc;
}

static int teardown(void **state)
{
	yq_normalizer_free(nz);
	yq_norm_result_release(&res);
	return 0;
}

static const struct yq_norm_result *norm(const char *in)
{
	assert_int_equal(yq_normalize(nz, in, strlen(in), &res), 0);
	return &res;
}

static void expect(const char *in, const char *out)
{
	const struct yq_norm_result *r = norm(in);
	assert_string_equal(r->text.s, out);
	assert_int_equal(r->text.len, strlen(out));
	assert_int_equal(r->map[r->text.len], yq_utf8_count(in, strlen(in)));
}

/* map at the byte offset of needle in the output == code-point offset of
 * orig_needle in the input. */
static void map_at(const char *in, const char *needle, const char *orig_needle)
{
	const char *p = strstr(res.text.s, needle);
	const char *q = strstr(in, orig_needle);
	assert_non_null(p);
	assert_non_null(q);
	size_t bo = (size_t)(p - res.text.s);
	for (size_t k = 1; ((unsigned char)needle[k] & 0xC0) == 0x80; k++)
		assert_int_equal(res.map[bo + k], res.map[bo]); /* whole first char */
	assert_int_equal(res.map[bo], yq_utf8_count(in, (size_t)(q - in)));
}

static void test_html(void **state)
{
	expect("<p>你好</p><b>世界</b>", "你好 世界");
	expect("第一行<br>第二行<br/>第三行", "第一行 第二行 第三行");
	expect("<a href=\"http://x.cn/?a=1>2\">链接</a>文字", "链接文字");
	expect("前<!-- 注释 <b> -->后", "前后");
	expect("x<script>var a = '<b>';</script>y", "x y");
	/* a '<' that starts no tag is text */
	expect("a < b <3 x<y 1<2", "a < b <3 x<y 1<2");
	expect("<unknown>不是标签", "<unknown>不是标签");
	expect("未闭合 <b 标签", "未闭合 <b 标签");
}

static void test_img_alt(void **state)
{
	const char *in = "哈哈<img src=\"face.png\" alt=\"[泪]\" />好";
	expect(in, "哈哈[泪]好");
	map_at(in, "[泪]", "[泪]");
	map_at(in, "泪", "泪");
	map_at(in, "好", "好");
	expect("图<img alt='photo' src=x>片", "图片");
	expect("<IMG ALT=[哈哈] src=y>", "[哈哈]");
	expect("<img alt=\"[这是一个太长的表情标签名]\">", "");
	expect("<img alt=\"[泪\xE2\x80\x8B]\">", "[泪]"); /* step 2 applies to alt text */
}

static void test_entities(void **state)
{
	expect("&lt;3", "<3");
	expect("&amp;lt;", "&lt;"); /* decoded once */
	expect("&#x4e2d;&#25991; &quot;q&quot; &apos;", "中文 \"q\" '");
	expect("a&nbsp;b&nbsp;&nbsp;c", "a b c");
	expect("x&mdash;y&middot;z&ldquo;w&rdquo;", "x\xE2\x80\x94y\xC2\xB7z\xE2\x80\x9Cw\xE2\x80\x9D");
	expect("&#150;&#8203;", "\xE2\x80\x93"); /* cp1252 en dash; ZWSP removed */
	expect("AT&T &unknown; &#钟南山# & &#xZZ;", "AT&T &unknown; &#钟南山# & &#xZZ;");
	expect("a &amp b", "a & b"); /* legacy name without ';' */
	/* NFKC turns the decoded ellipsis into three dots, all mapped to the
	 * entity's start */
	const char *in = "等等&hellip;结束";
	expect(in, "等等...结束");
	assert_int_equal(res.map[6], 2);
	assert_int_equal(res.map[7], 2);
	assert_int_equal(res.map[8], 2);
	map_at(in, "结束", "结束");
}

static void test_removed(void **state)
{
	const char *in = "a\xE2\x80\x8B" "b\xE2\x80\xAE" "c\x01" "d\te\xEF\xBB\xBF" "f\xC2\x85g\xE2\x81\xA0h";
	expect(in, "abcd ef gh");
	assert_int_equal(res.map[0], 0);
	assert_int_equal(res.map[1], 2); /* b after the removed ZWSP */
	assert_int_equal(res.map[2], 4); /* c after U+202E */
	assert_int_equal(res.map[3], 6); /* d after U+0001 */
	assert_int_equal(res.map[4], 7); /* the tab */
	assert_int_equal(res.map[6], 10); /* f after U+FEFF */
	assert_int_equal(res.map[9], 14); /* h after U+2060 */
}

static void test_nfkc(void **state)
{
	const char *in = "ＡＢＣ１２３，　你好！ｉＰｈｏｎｅ";
	expect(in, "ABC123， 你好！iPhone"); /* Chinese punctuation stays (cjk_punct) */
	map_at(in, "123", "１２３");
	map_at(in, "你好", "你好");
	map_at(in, "！", "！");
	map_at(in, "iPhone", "ｉＰｈｏｎｅ");
	/* composition across characters, a ligature, a circled number */
	const char *in2 = "cafe\xCC\x81 \xEF\xAC\x81x \xE2\x91\xA0";
	expect(in2, "caf\xC3\xA9 fix 1");
	assert_int_equal(res.map[3], 3); /* é ← e + U+0301 */
	assert_int_equal(res.map[4], 3);
	assert_int_equal(res.map[6], 6); /* f of the ligature */
	assert_int_equal(res.map[7], 6); /* i of the ligature */
	assert_int_equal(res.map[8], 7);
	/* emoji and CJK are untouched */
	expect("\xF0\x9F\x98\x82中文。、“”", "\xF0\x9F\x98\x82中文。、“”");
}

static void test_t2s(void **state)
{
	const char *in = "這個問題";
	expect(in, "这个问题");
	assert_int_equal(res.traditional, 1);
	for (size_t i = 0; i < res.text.len; i++)
		assert_int_equal(res.map[i], i / 3);
	expect("这个问题", "这个问题");
	assert_int_equal(res.traditional, 0);
	expect("Hello, world! 1+1=2", "Hello, world! 1+1=2");
	assert_int_equal(res.traditional, 0);
	/* t2s after entity decoding and full-width mapping, map still exact */
	const char *in2 = "&lt;武漢&gt;　疫情越來越嚴重";
	expect(in2, "<武汉> 疫情越来越严重");
	assert_int_equal(res.traditional, 1);
	map_at(in2, "汉", "漢");
	map_at(in2, ">", "&gt;");
	map_at(in2, "严重", "嚴重");
	/* phrase rules apply: 頭髮 → 头发 */
	expect("頭髮", "头发");
}

static void test_spaces(void **state)
{
	const char *in = "  a \t\n b\xE3\x80\x80\xE3\x80\x80" "c  ";
	expect(in, "a b c");
	assert_int_equal(res.map[1], 3);
	assert_int_equal(res.map[3], 8); /* first ideographic space */
	expect("", "");
	expect(" \t ", "");
	assert_int_equal(res.map[0], 3);
}

static void test_chain(void **state)
{
	const struct yq_norm_result *r = norm("转发理由//@张三:原文//@李四：更早");
	assert_string_equal(r->text.s, "转发理由//@张三:原文//@李四：更早");
	assert_int_equal(r->own_len, strlen("转发理由"));
	assert_int_equal(r->chain_names.n, 2);
	assert_int_equal(r->chain_names.v[0].off, strlen("转发理由//@"));
	assert_int_equal(r->chain_names.v[0].len, strlen("张三"));
	assert_int_equal(r->chain_names.v[1].off, strlen("转发理由//@张三:原文//@"));
	assert_int_equal(r->chain_names.v[1].len, strlen("李四"));

	r = norm("//@人民日报:转发");
	assert_int_equal(r->own_len, 0);
	assert_int_equal(r->chain_names.n, 1);

	r = norm("回复@王五:谢谢");
	assert_int_equal(r->own_len, r->text.len);
	assert_int_equal(r->chain_names.n, 0);

	r = norm("看 http://t.cn/A6abc//@张三:转发"); /* a URL ends at "//@" */
	assert_int_equal(r->urls.n, 1);
	assert_int_equal(r->urls.v[0].len, strlen("http://t.cn/A6abc"));
	assert_int_equal(r->own_len, strlen("看 http://t.cn/A6abc"));
	assert_int_equal(r->chain_names.n, 1);

	r = norm("没有冒号//@张三 转发");
	assert_int_equal(r->own_len, r->text.len);
}

static void test_urls(void **state)
{
	const char *in = "看http://t.cn/A6abc，和 www.example.com/x. 以及t.cn/Rx9z和HTTPS://a.b/c?d=1&e=2)";
	const struct yq_norm_result *r = norm(in);
	assert_string_equal(r->text.s,
			    "看http://t.cn/A6abc，和 www.example.com/x. 以及t.cn/Rx9z和HTTPS://a.b/c?d=1&e=2)");
	assert_int_equal(r->urls.n, 4);
	const char *want[] = {"http://t.cn/A6abc", "www.example.com/x", "t.cn/Rx9z",
			      "HTTPS://a.b/c?d=1&e=2"};
	for (size_t k = 0; k < 4; k++) {
		assert_int_equal(r->urls.v[k].len, strlen(want[k]));
		assert_memory_equal(r->text.s + r->urls.v[k].off, want[k], strlen(want[k]));
	}
	r = norm("mailto:a@www.x.com http:// xhttp://a.b");
	assert_int_equal(r->urls.n, 0);
}

static void test_emoticons(void **state)
{
	expect("[怒][怒][怒]", "[怒][怒][怒]");
	expect("好开心[哈哈]#话题#@张三", "好开心[哈哈]#话题#@张三");
}

static void test_reuse_and_cap(void **state)
{
	struct yq_norm_result r = {0};
	char *big = malloc((1u << 20) + 1);
	assert_non_null(big);
	memset(big, 'a', (1u << 20) + 1);
	assert_int_equal(yq_normalize(nz, big, (1u << 20) + 1, &r), YQ_ETOOBIG);
	assert_int_equal(yq_normalize(nz, big, 1u << 20, &r), 0);
	assert_int_equal(r.text.len, 1u << 20);
	assert_int_equal(r.map[1u << 20], 1u << 20);
	assert_int_equal(yq_normalize(nz, "短", 3, &r), 0);
	assert_string_equal(r.text.s, "短");
	assert_int_equal(r.map[3], 1);
	/* invalid UTF-8 breaks the contract, but the output stays valid */
	const char bad[] = "a\xff\xed\xa0\x80\xf7\xbf\xbf\xbf\xc3";
	assert_int_equal(yq_normalize(nz, bad, sizeof(bad) - 1, &r), 0);
	assert_true(yq_utf8_valid(r.text.s, r.text.len));
	free(big);
	yq_norm_result_release(&r);
	yq_norm_result_release(NULL);
	yq_normalizer_free(NULL);
}

/* Invariants on 2,000 real posts: valid UTF-8, map non-decreasing and
 * within the input, map[len] = input length, no double spaces, and
 * idempotence (normalizing the output again changes nothing). */
static void test_real_posts(void **state)
{
	const char *data = getenv("YQ_DATA");
	char path[4096];
	struct yq_lines *l = NULL;
	struct yq_buf line = YQ_BUF_INIT, fixed = YQ_BUF_INIT, once = YQ_BUF_INIT;
	size_t lineno, n = 0, trad = 0;
	if (!data)
		skip();
	snprintf(path, sizeof(path), "%s/weibo_covid/posts.tsv.gz", data);
	assert_int_equal(yq_lines_open(path, &l), 0);
	while (n < 2000 && yq_lines_next(l, &line, &lineno) == 0) {
		if (lineno == 1)
			continue;
		const char *t = strchr(line.s, '\t');
		t = t ? strchr(t + 1, '\t') : NULL;
		t = t ? strchr(t + 1, '\t') : NULL;
		assert_non_null(t);
		t++;
		yq_buf_reset(&fixed);
		assert_int_equal(yq_utf8_repair(t, strlen(t), &fixed, NULL), 0);
		assert_int_equal(yq_normalize(nz, fixed.s, fixed.len, &res), 0);
		assert_true(yq_utf8_valid(res.text.s, res.text.len));
		assert_int_equal(res.map[res.text.len], yq_utf8_count(fixed.s, fixed.len));
		for (size_t i = 0; i < res.text.len; i++)
			assert_true(res.map[i] <= res.map[i + 1]);
		assert_null(strstr(res.text.s, "  "));
		assert_true(res.own_len <= res.text.len);
		trad += res.traditional;
		yq_buf_reset(&once);
		assert_int_equal(yq_buf_add(&once, res.text.s, res.text.len), 0);
		assert_int_equal(yq_normalize(nz, once.s, once.len, &res), 0);
		assert_string_equal(res.text.s, once.s);
		n++;
	}
	assert_int_equal(n, 2000);
	assert_true(trad > 0 && trad < 200); /* some, but few, need OpenCC */
	yq_lines_close(l);
	yq_buf_release(&line);
	yq_buf_release(&fixed);
	yq_buf_release(&once);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_html),
		cmocka_unit_test(test_img_alt),
		cmocka_unit_test(test_entities),
		cmocka_unit_test(test_removed),
		cmocka_unit_test(test_nfkc),
		cmocka_unit_test(test_t2s),
		cmocka_unit_test(test_spaces),
		cmocka_unit_test(test_chain),
		cmocka_unit_test(test_urls),
		cmocka_unit_test(test_emoticons),
		cmocka_unit_test(test_reuse_and_cap),
		cmocka_unit_test(test_real_posts),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
