/*
 * test_tokenize.c — text/tokenize: exact token lists (text and kind) for
 * hand-written posts, the content rule, reuse without reallocation, and a
 * slice of real Weibo posts through normalize + tokenize.  The Chinese cuts
 * expected here are jieba 0.42.1's (checked with Debian's python3-jieba),
 * except where analysis mode differs on purpose: Chinese-numeral amounts,
 * user words with punctuation, and user and place words preferred (fixture
 * dictionaries written here, and the real gazetteer read from $YQ_DATA).
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
#include "text/tokenize.h"

static struct yq_segmenter *seg;
static const struct yq_segmenter *cur; /* expect() uses this one when set */
static struct yq_seg_work work;
static struct yq_tokens toks;

static int setup(void **state)
{
	struct yq_buf err = YQ_BUF_INIT;
	int rc = yq_segmenter_new(NULL, &seg, &err);
	if (rc)
		fprintf(stderr, "segmenter: %s\n", err.s);
	yq_buf_release(&err);
	return rc;
}

static int teardown(void **state)
{
	yq_segmenter_free(seg);
	yq_seg_work_release(&work);
	yq_tokens_release(&toks);
	return 0;
}

static const char kind_ch[] = "WLNUMETP"; /* enum yq_tok_kind order */

/* Tokenizes s and renders it as "kind:text kind:text …" for comparison. */
static void expect(const char *s, const char *want)
{
	static char got[4096];
	size_t g = 0;
	assert_int_equal(yq_tokenize(cur ? cur : seg, &work, s, strlen(s), &toks), 0);
	got[0] = '\0';
	for (size_t i = 0; i < toks.n; i++) {
		const struct yq_token *t = &toks.v[i];
		assert_true(t->kind <= YQ_TOK_PUNCT);
		assert_true(t->off + t->len <= strlen(s));
		if (i)
			assert_true(t->off >= toks.v[i - 1].off + toks.v[i - 1].len);
		g += (size_t)snprintf(got + g, sizeof(got) - g, "%s%c:%.*s", i ? " " : "",
				      kind_ch[t->kind], (int)t->len, s + t->off);
		assert_true(g < sizeof(got));
	}
	assert_string_equal(got, want);
}

static int n_content(void)
{
	int c = 0;
	for (size_t i = 0; i < toks.n; i++)
		c += yq_tok_is_content(toks.v[i].kind);
	return c;
}

static void test_weibo_post(void **state)
{
	expect("#新冠肺炎#武汉加油[加油]http://t.cn/A6abc //@人民日报:转发",
	       "T:#新冠肺炎# W:武汉 W:加油 E:[加油] U:http://t.cn/A6abc P:/ P:/ M:@人民日报 P:: W:转发");
	assert_int_equal(n_content(), 4);
}

static void test_latin_and_numbers(void **state)
{
	expect("iPhone12降价3.5万元", "L:iPhone12 W:降价 N:3.5万元");
	expect("COVID-19确诊病例增加20%", "L:COVID-19 W:确诊 W:病例 W:增加 N:20%");
	expect("2020年1月 14天 3-5天 1,234.5人 1.好", "N:2020年 N:1月 N:14天 N:3 P:- N:5天 N:1,234.5人 N:1 P:. W:好");
	expect("C++ C# 5G 10kg N95 AT&T don't 1.5GB 'hi'",
	       "L:C++ L:C# L:5G N:10kg L:N95 L:AT&T L:don't L:1.5GB P:' L:hi P:'");
	expect("38.5°C 3千米 1亿人", "N:38.5°C N:3千米 N:1亿人");
	expect("1.2万亿元 5千万 3百万人次", "N:1.2万亿元 N:5千万 N:3百万人 W:次");
	expect("3万多元 100余人 100多 三万多人", "N:3万多元 N:100余人 N:100 W:多 N:三万多人");
}

static void test_no_content(void **state)
{
	expect("[怒][怒][怒]", "E:[怒] E:[怒] E:[怒]");
	assert_int_equal(n_content(), 0);
	expect("http://t.cn/A6abc", "U:http://t.cn/A6abc");
	assert_int_equal(n_content(), 0);
	expect("", "");
	expect("   ", "");
}

static void test_mentions(void **state)
{
	expect("@张三 你好", "M:@张三 W:你好");
	expect("回复@李四:谢谢,a@b.com", "W:回复 M:@李四 P:: W:谢谢 P:, L:a P:@ L:b.com");
	expect("@王_五-6,好", "M:@王_五-6 P:, W:好");
}

static void test_spans_that_are_not(void **state)
{
	expect("[] [太长的表情标签名字啊] #", "P:[ P:] P:[ W:太长 W:的 W:表情 W:标签 W:名字 W:啊 P:] P:#");
	expect("#话题# #新型冠状病毒##图个明白#", "T:#话题# T:#新型冠状病毒# T:#图个明白#");
}

static void test_cn_numbers(void **state)
{
	expect("出口额达一点七八万亿美元", "W:出口额 W:达 N:一点七八万亿 W:美元");
	expect("一千二百万人 两亿 七八万 三点五公里 第一万 增长一点五。",
	       "N:一千二百万人 N:两亿 N:七八万 N:三点五公里 W:第 N:一万 W:增长 N:一点五 P:。");
	expect("二〇二三年来了七八个人,编号一〇一", "N:二〇二三年 W:来 W:了 N:七八个 W:人 P:, W:编号 N:一〇一");
	/* words, not amounts: a bit, must, in case, eleven-thirty, bit by bit */
	expect("有一点点,千万不要,万一呢,十一点半,一点一滴,十万火急",
	       "W:有 W:一点点 P:, W:千万 W:不要 P:, W:万一 W:呢 P:, W:十一点半 P:, "
	       "W:一点一滴 P:, W:十万火急");
}

/* Writes text to dir/name. */
/* The per-character answers come from a class table filled once from ICU
 * (tokenize.c): code points above the BMP (emoji, CJK extension B), other
 * scripts' letters and digits, symbols that end a mention, the ideographic
 * space, and the unit and numeral starts.  Expected values recorded from
 * the build before the table (main at c3f339d), which asked ICU each time. */
static void test_char_classes(void **state)
{
	expect("@张三😀你好", "M:@张三 P:😀 W:你好");
	expect("@abc·def 好", "M:@abc P:· L:def W:好");
	expect("@名字_ok-2 说 @x¥y", "M:@名字_ok-2 W:说 M:@x P:¥ L:y");
	expect("3万多元 100余人 5余 二〇二三年 七八个 一点五。三点五公里",
	       "N:3万多元 N:100余人 N:5 W:余 N:二〇二三年 N:七八个 N:一点五 P:。 N:三点五公里");
	expect("𠀀字 ＡＢ 😀😀 ١٢٣ Ⅻ号", "W:𠀀 W:字 W:Ａ W:Ｂ P:😀 P:😀 W:١ W:٢ W:٣ P:Ⅻ W:号");
	expect("甲\u3000乙 丙", "W:甲 W:乙 W:丙");
	expect("[泪😀] #话题😀# 1.5kg 20‰ 30°C", "E:[泪😀] T:#话题😀# N:1.5kg N:20‰ N:30°C");
}

static void write_file(const char *dir, const char *name, const char *text)
{
	char path[512];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	assert_int_equal(fputs(text, f) >= 0, 1);
	assert_int_equal(fclose(f), 0);
}

/* Space-joined cut of s by yq_segment_cut with flags. */
static const char *cut(const struct yq_segmenter *sg, const char *s, int flags)
{
	static char out[1024];
	struct yq_spans sp = {NULL, 0, 0};
	size_t o = 0;
	assert_int_equal(yq_segment_cut(sg, &work, s, strlen(s), flags, &sp), 0);
	for (size_t k = 0; k < sp.n; k++)
		o += (size_t)snprintf(out + o, sizeof(out) - o, "%s%.*s", k ? " " : "",
				      (int)sp.v[k].len, s + sp.v[k].off);
	yq_spans_release(&sp);
	return out;
}

/* Fixture user dictionary and gazetteer (made-up names, not the shared data). */
static void test_user_and_place_words(void **state)
{
	char dir[] = "/tmp/yq_tok_XXXXXX";
	assert_non_null(mkdtemp(dir));
	write_file(dir, "user.txt", "达茂 1\nSK-II\nC罗\nces\n青山 5\n青山 0\n");
	write_file(dir, "provinces.csv", "code,name\n91,\"青禾省\"\n");
	write_file(dir, "cities.csv", "code,name,provinceCode\n9101,\"市辖区\",91\n");
	write_file(dir, "areas.csv",
		   "code,name,cityCode,provinceCode\n910101,\"白石湾区\",9101,91\n"
		   "910102,\"禾县\",9101,91\n910103,\"白鹭土家族苗族自治县\",9101,91\n");
	write_file(dir, "streets.csv",
		   "code,name,areaCode,provinceCode,cityCode\n"
		   "910101001,\"柳溪街道办事处\",910101,91,9101\n"
		   "910101002,\"（工业园区）杏林街道\",910101,91,9101\n");
	char ud[600];
	snprintf(ud, sizeof(ud), "%s/user.txt", dir);
	const char *uds[] = {ud};
	struct yq_seg_config cfg = {NULL, NULL, uds, 1, dir};
	struct yq_segmenter *sg = NULL;
	struct yq_buf err = YQ_BUF_INIT;
	assert_int_equal(yq_segmenter_new(&cfg, &sg, &err), 0);
	/* jieba (user word at frequency 1) vs analysis (at least the average) */
	assert_string_equal(cut(sg, "车队到达茂", YQ_SEG_HMM), "车队 到达 茂");
	assert_string_equal(cut(sg, "车队到达茂", YQ_SEG_HMM | YQ_SEG_ANALYSIS), "车队 到 达茂");
	/* a word given frequency 0 later has no bonus either */
	char jieba_cut[64];
	snprintf(jieba_cut, sizeof(jieba_cut), "%s", cut(sg, "去青山", YQ_SEG_HMM));
	assert_string_equal(cut(sg, "去青山", YQ_SEG_HMM | YQ_SEG_ANALYSIS), jieba_cut);
	/* place names: only in analysis mode; 办事处 and (…) dropped, 2 chars skipped */
	assert_string_equal(cut(sg, "柳溪街道", YQ_SEG_HMM), "柳溪 街道");
	cur = sg;
	expect("白石湾区柳溪街道杏林街道,青禾省禾县",
	       "W:白石湾区 W:柳溪街道 W:杏林街道 P:, W:青禾省 W:禾 W:县");
	expect("到白鹭县去,白鹭土家族苗族自治县", "W:到 W:白鹭县 W:去 P:, W:白鹭土家族苗族自治县");
	/* Latin runs are atomic; a user word with punctuation is one token */
	expect("SK-II不是SK-IIx,C罗进球,ces和license",
	       "L:SK-II W:不是 L:SK-IIx P:, W:C罗 W:进球 P:, L:ces W:和 L:license");
	cur = NULL;
	assert_int_equal(yq_segmenter_special(sg, "xSK-II", 6, 1), 0);
	assert_int_equal(yq_segmenter_special(sg, "SK-II", 5, 0), 5);
	assert_int_equal(yq_segmenter_special(seg, "SK-II", 5, 0), 0);
	yq_segmenter_free(sg);
	yq_buf_release(&err);
	const char *names[] = {"user.txt", "provinces.csv", "cities.csv", "areas.csv",
			       "streets.csv"};
	for (size_t i = 0; i < 5; i++) {
		char p[600];
		snprintf(p, sizeof(p), "%s/%s", dir, names[i]);
		assert_int_equal(remove(p), 0);
	}
	assert_int_equal(remove(dir), 0);
}

/* The real gazetteer (read at test time): a street name whole in analysis
 * mode, a county-level city that would steal a character from a better
 * split (海城市 in 上海城市) not taken, the jieba modes unchanged. */
static void test_gazetteer(void **state)
{
	const char *data = getenv("YQ_DATA");
	assert_non_null(data);
	char dir[512];
	snprintf(dir, sizeof(dir), "%s/gazetteer_cn", data);
	struct yq_seg_config cfg = {NULL, NULL, NULL, 0, dir};
	struct yq_segmenter *sg = NULL;
	struct yq_buf err = YQ_BUF_INIT;
	assert_int_equal(yq_segmenter_new(&cfg, &sg, &err), 0);
	cur = sg;
	expect("他在望京街道上班", "W:他 W:在 W:望京街道 W:上班");
	expect("上海城市建设", "W:上海 W:城市 W:建设");
	cur = NULL;
	expect("他在望京街道上班", "W:他 W:在 W:望京 W:街道 W:上班");
	assert_string_equal(cut(sg, "他在望京街道上班", YQ_SEG_HMM), "他 在 望京 街道 上班");
	assert_int_equal(yq_segmenter_freq(sg, "望京街道", strlen("望京街道")), 0);
	assert_int_equal(yq_segmenter_freq(sg, "望京", strlen("望京")),
			 yq_segmenter_freq(seg, "望京", strlen("望京")));
	yq_segmenter_free(sg);
	yq_buf_release(&err);
}

/* Steady state: a second pass over the same texts allocates nothing (the
 * arrays keep their address and capacity). */
static void test_reuse(void **state)
{
	const char *texts[] = {"一二三 a b c 1 2 3 [哈哈] #话题# @某人 http://t.cn/x ,.!?",
			       "短", ""};
	for (size_t k = 0; k < 3; k++)
		assert_int_equal(yq_tokenize(seg, &work, texts[k], strlen(texts[k]), &toks), 0);
	const struct yq_token *v = toks.v;
	const struct yq_span *sv = toks.seg.v;
	size_t cap = toks.cap, scap = toks.seg.cap;
	for (size_t k = 0; k < 3; k++)
		assert_int_equal(yq_tokenize(seg, &work, texts[k], strlen(texts[k]), &toks), 0);
	assert_ptr_equal(toks.v, v);
	assert_ptr_equal(toks.seg.v, sv);
	assert_int_equal(toks.cap, cap);
	assert_int_equal(toks.seg.cap, scap);
	yq_tokens_release(NULL);
}

/* 2,000 real posts through normalize + tokenize: tokens are ordered, do not
 * overlap, and cover every non-space byte exactly once; every #…# pair the
 * text starts with is one TOPIC token. */
static void test_real_posts(void **state)
{
	const char *data = getenv("YQ_DATA");
	char path[4096];
	struct yq_lines *l = NULL;
	struct yq_buf line = YQ_BUF_INIT;
	struct yq_normalizer *nz = NULL;
	struct yq_norm_result r = {0};
	size_t lineno, n = 0, topics = 0;
	if (!data)
		skip();
	struct yq_buf err = YQ_BUF_INIT;
	assert_int_equal(yq_normalizer_new(&nz, &err), 0);
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
		if (!yq_utf8_valid(t, strlen(t)))
			continue;
		assert_int_equal(yq_normalize(nz, t, strlen(t), &r), 0);
		assert_int_equal(yq_tokenize(seg, &work, r.text.s, r.text.len, &toks), 0);
		size_t pos = 0;
		for (size_t i = 0; i < toks.n; i++) {
			const struct yq_token *k = &toks.v[i];
			assert_true(k->len > 0);
			while (pos < k->off) /* the gap holds only spaces */
				assert_int_equal(r.text.s[pos++], ' ');
			assert_int_equal(k->off, pos);
			pos = k->off + k->len;
			if (k->kind == YQ_TOK_TOPIC) {
				assert_int_equal(r.text.s[k->off], '#');
				assert_int_equal(r.text.s[pos - 1], '#');
				topics++;
			}
		}
		while (pos < r.text.len)
			assert_int_equal(r.text.s[pos++], ' ');
		n++;
	}
	assert_int_equal(n, 2000);
	assert_true(topics > 1000); /* the collection is built on hashtags */
	yq_lines_close(l);
	yq_buf_release(&line);
	yq_buf_release(&err);
	yq_norm_result_release(&r);
	yq_normalizer_free(nz);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_weibo_post),
		cmocka_unit_test(test_latin_and_numbers),
		cmocka_unit_test(test_no_content),
		cmocka_unit_test(test_mentions),
		cmocka_unit_test(test_spans_that_are_not),
		cmocka_unit_test(test_cn_numbers),
		cmocka_unit_test(test_char_classes),
		cmocka_unit_test(test_user_and_place_words),
		cmocka_unit_test(test_gazetteer),
		cmocka_unit_test(test_reuse),
		cmocka_unit_test(test_real_posts),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
