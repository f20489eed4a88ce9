/*
 * test_features.c — classify/features: negation scopes over real segmenter
 * tokens (不高兴, 无语 not a negator, double negation 不是不好 / 并非不满意,
 * the scope closing at punctuation), degree adverbs, the contrast weight,
 * character n-grams not spanning spaces, and the stability of the feature
 * hash (saved models depend on it).  The token cuts are jieba 0.42.1's.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "base/error.h"
#include "classify/features.h"
#include "text/tokenize.h"

static struct yq_segmenter *seg;
static struct yq_seg_work work;
static struct yq_tokens toks;
static struct yq_features feats;
static const struct yq_feat_config cfg = {
	.flags = YQ_FEAT_CHAR | YQ_FEAT_WORD | YQ_FEAT_NEG | YQ_FEAT_DEGREE | YQ_FEAT_CONTRAST,
	.hash_bits = 20,
	.char_max = 3,
	.contrast_weight = 1.5f,
	.word_weight = 1.0f,
};

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
	yq_features_release(&feats);
	return 0;
}

static void extract(const char *s)
{
	assert_int_equal(yq_tokenize(seg, &work, s, strlen(s), &toks), 0);
	assert_int_equal(yq_features_extract(&cfg, s, strlen(s), &toks, &feats), 0);
}

/* val: the summed value of feature (fam, s) in feats, 0 when absent.  (A
 * hash collision with another feature of the text would show as a wrong
 * value: none occurs in these short texts at 2^20.) */
static float val(enum yq_feat_family fam, const char *s)
{
	uint32_t idx = yq_feat_hash(&cfg, fam, s, strlen(s));
	for (size_t i = 0; i < feats.n; i++)
		if (feats.v[i].idx == idx)
			return feats.v[i].val;
	return 0;
}

static void test_negation_scope(void **state)
{
	extract("今天真不高兴"); /* 今天/真/不/高兴 */
	assert_true(val(YQ_FAM_NEG_WORD, "高兴") == 1);
	assert_true(val(YQ_FAM_WORD, "高兴") == 0);
	assert_true(val(YQ_FAM_WORD, "不") == 1);     /* the negator itself is plain */
	assert_true(val(YQ_FAM_NEG_CHAR, "高兴") == 1);
	assert_true(val(YQ_FAM_CHAR, "高兴") == 0);
	assert_true(val(YQ_FAM_CHAR, "不高兴") == 1); /* n-grams led by the negator stay plain */
	assert_true(val(YQ_FAM_CHAR, "今天") == 1);
	/* the scope closes at punctuation */
	extract("不好，高兴");
	assert_true(val(YQ_FAM_WORD, "高兴") == 1);
	assert_true(val(YQ_FAM_NEG_WORD, "高兴") == 0);
	/* and at whitespace */
	extract("没有 高兴");
	assert_true(val(YQ_FAM_WORD, "高兴") == 1);
	assert_true(val(YQ_FAM_CHAR, "有 高") == 0);
	assert_true(yq_feat_is_negator("没有", 6));
	assert_false(yq_feat_is_negator("无聊", 6));
}

static void test_wuyu_not_negator(void **state)
{
	/* jieba cuts 无语 into 无/语: the pair is a word, not a negation */
	extract("无语，真的很生气");
	assert_true(toks.n >= 2 && toks.v[0].len == 3 && toks.v[1].len == 3);
	assert_true(val(YQ_FAM_WORD, "语") == 1);
	assert_true(val(YQ_FAM_NEG_WORD, "语") == 0);
	assert_true(val(YQ_FAM_WORD, "生气") == 1);
	assert_true(val(YQ_FAM_NEG_WORD, "生气") == 0);
	extract("无聊死了，烦死");
	assert_true(val(YQ_FAM_WORD, "无聊") == 1);
	assert_true(val(YQ_FAM_WORD, "死") == 1);
	assert_true(val(YQ_FAM_NEG_WORD, "死") == 0);
	/* a real 无 still negates */
	extract("没有意义");
	assert_true(val(YQ_FAM_NEG_WORD, "意义") == 1);
}

static void test_double_negation(void **state)
{
	extract("并非不满意"); /* 并非/不/满意: reads as 满意 */
	assert_true(val(YQ_FAM_WORD, "满意") == 1);
	assert_true(val(YQ_FAM_NEG_WORD, "满意") == 0);
	assert_true(val(YQ_FAM_CHAR, "满意") == 1);
	assert_true(val(YQ_FAM_SPECIAL, "DBLNEG") == 2);
	assert_true(val(YQ_FAM_WORD, "不") == 0);
	assert_true(val(YQ_FAM_CHAR, "不") == 0);
	assert_true(val(YQ_FAM_CHAR, "不满") == 0);
	assert_true(val(YQ_FAM_CHAR, "非不") == 0);
	/* 质量/不是/不好: the 不 of 不好 cancels 不是, leaving 好 */
	extract("质量不是不好");
	assert_true(val(YQ_FAM_WORD, "好") == 1);
	assert_true(val(YQ_FAM_WORD, "不好") == 0);
	assert_true(val(YQ_FAM_NEG_WORD, "不好") == 0);
	assert_true(val(YQ_FAM_CHAR, "好") == 1);
	assert_true(val(YQ_FAM_CHAR, "质量") == 1);
	assert_true(val(YQ_FAM_CHAR, "不好") == 0);
	assert_true(val(YQ_FAM_SPECIAL, "DBLNEG") == 2);
	extract("不是不能接受"); /* 不是/不能/接受 */
	assert_true(val(YQ_FAM_WORD, "接受") == 1);
	assert_true(val(YQ_FAM_NEG_WORD, "接受") == 0);
	assert_true(val(YQ_FAM_SPECIAL, "DBLNEG") == 2);
	extract("不能接受");
	assert_true(val(YQ_FAM_NEG_WORD, "接受") == 1);
	assert_true(val(YQ_FAM_SPECIAL, "DBLNEG") == 0);
}

static void test_degree(void **state)
{
	extract("真的很生气"); /* 真的/很/生气 */
	assert_true(val(YQ_FAM_DEG, "生气") == 1);
	extract("非常不满意"); /* 非常/不/满意: the degree word precedes a negator */
	assert_true(val(YQ_FAM_DEG, "不") == 1);
	assert_true(val(YQ_FAM_NEG_WORD, "满意") == 1);
	extract("不太满意"); /* 不太/满意 */
	assert_true(val(YQ_FAM_NEG_WORD, "满意") == 1);
}

static void test_contrast(void **state)
{
	extract("屏幕好看，续航也行，但是信号差到打不通电话");
	assert_true(val(YQ_FAM_WORD, "好看") == 1.0f);
	assert_true(val(YQ_FAM_WORD, "信号") == 1.5f);
	assert_true(val(YQ_FAM_CHAR, "信号") == 1.5f);
	assert_true(val(YQ_FAM_CHAR, "屏幕") == 1.0f);
	/* the weight ends with the sentence */
	extract("好看但是贵。便宜");
	assert_true(val(YQ_FAM_WORD, "贵") == 1.5f);
	assert_true(val(YQ_FAM_WORD, "便宜") == 1.0f);
}

static void test_hash_stability(void **state)
{
	/* Fixed values: a change here invalidates every saved model (bump
	 * YQ_FEAT_VERSION and update these). */
	assert_int_equal(yq_feat_hash(&cfg, YQ_FAM_CHAR, "好", 3), 449442u);
	assert_int_equal(yq_feat_hash(&cfg, YQ_FAM_NEG_WORD, "高兴", 6), 699580u);
	struct yq_feat_config c16 = cfg;
	c16.hash_bits = 16;
	assert_int_equal(yq_feat_hash(&c16, YQ_FAM_CHAR, "好", 3),
			 yq_feat_hash(&cfg, YQ_FAM_CHAR, "好", 3) & 0xFFFF);
	/* the same text gives the same features, and the values add up */
	extract("好好好");
	assert_true(val(YQ_FAM_CHAR, "好") == 3);
	assert_true(val(YQ_FAM_CHAR, "好好") == 2);
	assert_true(val(YQ_FAM_CHAR, "好好好") == 1);
	size_t n = feats.n;
	extract("好好好");
	assert_int_equal(feats.n, n);
	/* characters only, without tokens */
	assert_int_equal(yq_features_extract(&cfg, "ab c", 4, NULL, &feats), 0);
	assert_int_equal(feats.n, 4); /* a, b, ab, c: nothing spans the space */
}

static void test_lexicon(void **state)
{
	struct yq_lexicon *lex;
	assert_int_equal(yq_lexicon_new(&lex), 0);
	assert_int_equal(yq_lexicon_add(lex, "难过", 6, -1), 0);
	assert_int_equal(yq_lexicon_add(lex, "不好", 6, -1), 0);
	assert_int_equal(yq_lexicon_add(lex, "高兴", 6, 1), 0);
	assert_int_equal(yq_lexicon_add(lex, "接受", 6, 1), 0);
	assert_int_equal(yq_lexicon_add(lex, "生气", 6, 1), 0);
	assert_int_equal(yq_lexicon_add(lex, "生气", 6, -1), 0); /* both: dropped */
	assert_int_equal(yq_lexicon_get(lex, "难过", 6), -1);
	assert_int_equal(yq_lexicon_get(lex, "高兴", 6), 1);
	assert_int_equal(yq_lexicon_get(lex, "生气", 6), 0);
	assert_int_equal(yq_lexicon_get(lex, "质量", 6), 0);
	assert_int_equal(yq_lexicon_count(lex), 5);
	struct yq_feat_config c = cfg;
	c.flags |= YQ_FEAT_LEXICON;
	assert_int_equal(yq_feat_config_check(&c), YQ_EINVAL); /* no words */
	c.lex = lex;
	assert_int_equal(yq_feat_config_check(&c), 0);
	const char *t = "我一点都不难过"; /* a negated negative word */
	assert_int_equal(yq_tokenize(seg, &work, t, strlen(t), &toks), 0);
	assert_int_equal(yq_features_extract(&c, t, strlen(t), &toks, &feats), 0);
	assert_true(val(YQ_FAM_SPECIAL, "NEG_LEX-") == 1);
	assert_true(val(YQ_FAM_SPECIAL, "LEX-") == 0);
	assert_true(feats.polarity_pos == 1 && feats.negated_pos == 1 && feats.polarity_neg == 0);
	t = "今天真不高兴"; /* a negated positive one */
	assert_int_equal(yq_tokenize(seg, &work, t, strlen(t), &toks), 0);
	assert_int_equal(yq_features_extract(&c, t, strlen(t), &toks, &feats), 0);
	assert_true(val(YQ_FAM_SPECIAL, "NEG_LEX+") == 1);
	assert_true(feats.polarity_pos == 0 && feats.polarity_neg == 1);
	t = "质量不是不好"; /* 不是 [不好]: the lexicon word 不好, negated */
	assert_int_equal(yq_tokenize(seg, &work, t, strlen(t), &toks), 0);
	assert_int_equal(yq_features_extract(&c, t, strlen(t), &toks, &feats), 0);
	assert_true(val(YQ_FAM_SPECIAL, "NEG_LEX-") == 1);
	assert_true(feats.negated_pos == 1 && feats.polarity_neg == 0);
	t = "不是不能接受"; /* a positive word after a double negation */
	assert_int_equal(yq_tokenize(seg, &work, t, strlen(t), &toks), 0);
	assert_int_equal(yq_features_extract(&c, t, strlen(t), &toks, &feats), 0);
	assert_true(val(YQ_FAM_SPECIAL, "LEX+") == 1);
	assert_true(feats.polarity_pos == 1 && feats.negated_pos == 1);
	t = "很高兴"; /* plain */
	assert_int_equal(yq_tokenize(seg, &work, t, strlen(t), &toks), 0);
	assert_int_equal(yq_features_extract(&c, t, strlen(t), &toks, &feats), 0);
	assert_true(feats.polarity_pos == 1 && feats.negated_pos == 0);
	yq_lexicon_free(lex);
}

static void test_config_check(void **state)
{
	assert_int_equal(yq_feat_config_check(&cfg), 0);
	struct yq_feat_config c = cfg;
	c.hash_bits = 30;
	assert_int_equal(yq_feat_config_check(&c), YQ_EINVAL);
	c = cfg;
	c.char_max = 0;
	assert_int_equal(yq_feat_config_check(&c), YQ_EINVAL);
	c = cfg;
	c.contrast_weight = 0.5f;
	assert_int_equal(yq_feat_config_check(&c), YQ_EINVAL);
	c = cfg;
	c.word_weight = 0;
	assert_int_equal(yq_feat_config_check(&c), YQ_EINVAL);
	/* the word weight scales token features, not character n-grams */
	c = cfg;
	c.word_weight = 2.0f;
	const char *s = "今天真不高兴"; /* 今天/真/不/高兴 */
	assert_int_equal(yq_tokenize(seg, &work, s, strlen(s), &toks), 0);
	assert_int_equal(yq_features_extract(&c, s, strlen(s), &toks, &feats), 0);
	assert_true(val(YQ_FAM_WORD, "今天") == 2.0f);
	assert_true(val(YQ_FAM_NEG_WORD, "高兴") == 2.0f);
	assert_true(val(YQ_FAM_CHAR, "今天") == 1.0f);
	assert_true(val(YQ_FAM_NEG_CHAR, "高兴") == 1.0f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_negation_scope),	cmocka_unit_test(test_wuyu_not_negator),
		cmocka_unit_test(test_double_negation), cmocka_unit_test(test_degree),
		cmocka_unit_test(test_contrast),	cmocka_unit_test(test_hash_stability),
		cmocka_unit_test(test_lexicon),		cmocka_unit_test(test_config_check),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
