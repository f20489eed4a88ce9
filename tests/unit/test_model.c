/*
 * test_model.c — classify/model: training on hand-written reviews, the
 * save → load round trip (same label and probability), labels kept
 * verbatim (spaces, Chinese, punctuation), errors for bad and truncated
 * files, a model of an older format version and an absent built-in
 * model, NB log-count-ratio training over three labels (one-vs-rest) with
 * its cross-validation, and the CLI's --label-map (rename, drop with
 * "-").
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/error.h"
#include "classify/model.h"
#include "cli/clftext.h"
#include "text/tokenize.h"

static struct yq_segmenter *seg;
static struct yq_seg_work work;
static struct yq_tokens toks;
static struct yq_features feats;
static struct yq_classifier *trained;
static char path[256];

static const struct yq_feat_config cfg = {
	.flags = YQ_FEAT_CHAR | YQ_FEAT_WORD | YQ_FEAT_NEG,
	.hash_bits = 16,
	.char_max = 2,
	.contrast_weight = 1.0f,
	.word_weight = 1.0f,
};

#define POS "好评 :) 正面"
#define NEG "差 评/negative"

static const struct {
	const char *text, *label;
} docs[] = {
	{"味道很好，送餐很快", POS},	  {"非常好吃，下次还点", POS},
	{"服务好，环境好，很满意", POS}, {"很喜欢，推荐大家", POS},
	{"好吃不贵，满意", POS},	  {"质量很好，物流快", POS},
	{"太难吃了，再也不点了", NEG},   {"送餐太慢，菜都凉了", NEG},
	{"很差，不满意", NEG},		  {"难吃，服务差", NEG},
	{"等了两个小时，太慢", NEG},	  {"质量差，退货", NEG},
};

static void extract(const char *s)
{
	assert_int_equal(yq_tokenize(seg, &work, s, strlen(s), &toks), 0);
	assert_int_equal(yq_features_extract(&cfg, s, strlen(s), &toks, &feats), 0);
}

static int setup(void **state)
{
	struct yq_buf err = YQ_BUF_INIT;
	int rc = yq_segmenter_new(NULL, &seg, &err);
	if (rc)
		fprintf(stderr, "segmenter: %s\n", err.s);
	yq_buf_release(&err);
	snprintf(path, sizeof path, "/tmp/yq_test_model.%d", (int)getpid());
	return rc;
}

static int teardown(void **state)
{
	yq_classifier_free(trained);
	yq_segmenter_free(seg);
	yq_seg_work_release(&work);
	yq_tokens_release(&toks);
	yq_features_release(&feats);
	unlink(path);
	return 0;
}

static void test_train(void **state)
{
	struct yq_train_data *d;
	struct yq_buf err = YQ_BUF_INIT;
	assert_int_equal(yq_train_data_new(&cfg, 100, &d), 0);
	for (size_t i = 0; i < sizeof(docs) / sizeof(*docs); i++) {
		extract(docs[i].text);
		assert_int_equal(yq_train_data_add(d, docs[i].label, strlen(docs[i].label), &feats), 0);
	}
	assert_int_equal(yq_train_data_count(d), 12);
	assert_int_equal(yq_train_data_nlabels(d), 2);
	size_t cnt, len;
	const char *l = yq_train_data_label(d, 1, &cnt, &len);
	assert_int_equal(cnt, 6);
	assert_int_equal(len, strlen(NEG));
	assert_memory_equal(l, NEG, len);

	struct yq_train_config tc = {.task = "sentiment", .tf_mode = YQ_TF_SUBLINEAR,
				     .solver = 0, .C = 0, .folds = 3, .seed = 1};
	assert_int_equal(yq_model_train(&tc, d, NULL, &trained, &err), 0);
	double C, acc;
	int folds;
	yq_classifier_cv(trained, &C, &acc, &folds);
	assert_int_equal(folds, 3);
	assert_true(acc >= 0 && acc <= 1);
	assert_true(C >= 0.25 && C <= 256);
	assert_int_equal(yq_classifier_nlabels(trained), 2);
	assert_string_equal(yq_classifier_label(trained, 0), POS);
	assert_string_equal(yq_classifier_label(trained, 1), NEG);
	assert_string_equal(yq_classifier_task(trained), "sentiment");

	/* the training texts come back with their labels */
	struct yq_clf_work w = {0};
	for (size_t i = 0; i < sizeof(docs) / sizeof(*docs); i++) {
		const char *label;
		double p;
		extract(docs[i].text);
		assert_int_equal(yq_classifier_predict(trained, &w, docs[i].text,
						       strlen(docs[i].text), &toks, &label, &p), 0);
		assert_string_equal(label, docs[i].label);
		assert_true(p > 0.5 && p <= 1.0);
	}
	/* no tokens and no segmenter (trained here, not loaded) */
	const char *label;
	double p;
	assert_int_equal(yq_classifier_predict(trained, &w, "好", 3, NULL, &label, &p), YQ_EINVAL);
	yq_clf_work_release(&w);

	/* one label is not enough */
	struct yq_train_data *one;
	assert_int_equal(yq_train_data_new(&cfg, 2, &one), 0);
	assert_int_equal(yq_train_data_add(one, "x", 1, &feats), 0);
	assert_int_equal(yq_train_data_add(one, "x", 1, &feats), 0);
	assert_int_equal(yq_train_data_add(one, "y", 1, &feats), YQ_ETOOBIG); /* max_docs */
	struct yq_classifier *none = NULL;
	assert_int_equal(yq_model_train(&tc, one, NULL, &none, &err), YQ_EINVAL);
	assert_null(none);
	yq_train_data_free(one);
	yq_train_data_free(d);
	yq_buf_release(&err);
}

static void test_round_trip(void **state)
{
	struct yq_buf err = YQ_BUF_INIT;
	struct yq_classifier *c = NULL;
	assert_non_null(trained);
	assert_int_equal(yq_classifier_save(trained, path, &err), 0);
	assert_int_equal(yq_classifier_load(path, &c, &err), 0);
	assert_string_equal(yq_classifier_label(c, 0), POS);
	assert_string_equal(yq_classifier_label(c, 1), NEG);
	const struct yq_feat_config *f = yq_classifier_features(c);
	assert_int_equal(f->flags, cfg.flags);
	assert_int_equal(f->hash_bits, 16);
	struct yq_clf_work w1 = {0}, w2 = {0};
	const char *texts[] = {"味道很好", "太慢了，不满意", "一般般", "不好吃"};
	for (size_t i = 0; i < 4; i++) {
		const char *l1, *l2;
		double p1, p2;
		size_t n = strlen(texts[i]);
		extract(texts[i]);
		assert_int_equal(yq_classifier_predict(trained, &w1, texts[i], n, &toks, &l1, &p1), 0);
		/* the loaded model cuts the text itself */
		assert_int_equal(yq_classifier_predict(c, &w2, texts[i], n, NULL, &l2, &p2), 0);
		assert_string_equal(l1, l2);
		assert_true(fabs(p1 - p2) < 1e-9);
	}
	yq_clf_work_release(&w1);
	yq_clf_work_release(&w2);
	yq_classifier_free(c);
	yq_buf_release(&err);
}

static void test_bad_files(void **state)
{
	struct yq_buf err = YQ_BUF_INIT;
	struct yq_classifier *c = NULL;
	char bad[300];
	snprintf(bad, sizeof bad, "%s.bad", path);
	/* not a model */
	FILE *f = fopen(bad, "wb");
	fputs("label\ttext\n", f);
	fclose(f);
	assert_int_equal(yq_classifier_load(bad, &c, &err), YQ_EFORMAT);
	assert_non_null(strstr(err.s, "not a yuqing model"));
	/* truncated: the saved model cut in half */
	f = fopen(path, "rb");
	assert_non_null(f);
	fseek(f, 0, SEEK_END);
	long n = ftell(f);
	fseek(f, 0, SEEK_SET);
	char *b = malloc((size_t)n);
	assert_int_equal(fread(b, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	f = fopen(bad, "wb");
	fwrite(b, 1, (size_t)n / 2, f);
	fclose(f);
	yq_buf_reset(&err);
	assert_int_equal(yq_classifier_load(bad, &c, &err), YQ_EFORMAT);
	assert_non_null(strstr(err.s, "truncated"));
	/* a trailing byte */
	f = fopen(bad, "wb");
	fwrite(b, 1, (size_t)n, f);
	fputc(0, f);
	fclose(f);
	yq_buf_reset(&err);
	assert_int_equal(yq_classifier_load(bad, &c, &err), YQ_EFORMAT);
	free(b);
	unlink(bad);
	assert_null(c);
	/* missing file; absent built-in model */
	yq_buf_reset(&err);
	assert_int_equal(yq_classifier_load("/nonexistent/x.model", &c, &err), YQ_ENOTFOUND);
	setenv("YQ_MODELS", "/nonexistent", 1);
	yq_buf_reset(&err);
	assert_int_equal(yq_classifier_load("sentiment", &c, &err), YQ_ENOTFOUND);
	assert_non_null(strstr(err.s, "built-in model 'sentiment' is absent"));
	assert_non_null(strstr(err.s, "/nonexistent/sentiment.model"));
	unsetenv("YQ_MODELS");
	yq_buf_release(&err);
}

/* The polarity rule: a text whose only polarity evidence is a negated
 * negative word is not negative, whatever the model; the words and the
 * rule survive save/load. */
static void test_polarity_rule(void **state)
{
	static const char *const neg[] = {"不好吃", "不满意", "不新鲜", "不喜欢", "不推荐", "不干净"};
	struct yq_lexicon *lex;
	struct yq_buf err = YQ_BUF_INIT;
	assert_int_equal(yq_lexicon_new(&lex), 0);
	assert_int_equal(yq_lexicon_add(lex, "难过", 6, -1), 0);
	struct yq_feat_config fc = cfg;
	fc.flags |= YQ_FEAT_LEXICON;
	fc.lex = lex;
	struct yq_classifier *m[2] = {NULL, NULL};
	for (int rule = 0; rule < 2; rule++) {
		struct yq_train_data *d;
		assert_int_equal(yq_train_data_new(&fc, 100, &d), 0);
		for (int i = 0; i < 6; i++) {
			const char *t[2] = {neg[i], neg[i] + 3}; /* 不好吃 / 好吃 */
			for (int k = 0; k < 2; k++) {
				assert_int_equal(yq_tokenize(seg, &work, t[k], strlen(t[k]), &toks), 0);
				assert_int_equal(yq_features_extract(&fc, t[k], strlen(t[k]), &toks, &feats), 0);
				const char *l = k ? "positive" : "negative";
				assert_int_equal(yq_train_data_add(d, l, strlen(l), &feats), 0);
			}
		}
		struct yq_train_config tc = {.task = "sentiment", .solver = 7, .C = 4, .folds = 0,
					     .polarity_rule = rule};
		assert_int_equal(yq_model_train(&tc, d, NULL, &m[rule], &err), 0);
		yq_train_data_free(d);
	}
	yq_lexicon_free(lex); /* the models keep their own copy */
	const char *t = "不难过";
	assert_int_equal(yq_tokenize(seg, &work, t, strlen(t), &toks), 0);
	struct yq_clf_work w = {0};
	const char *label;
	double p;
	assert_int_equal(yq_classifier_predict(m[0], &w, t, strlen(t), &toks, &label, &p), 0);
	assert_string_equal(label, "negative"); /* 不 is all the model knows */
	assert_true(p > 0.5);
	assert_int_equal(yq_classifier_predict(m[1], &w, t, strlen(t), &toks, &label, &p), 0);
	assert_string_equal(label, "positive");
	assert_true(p < 0.5); /* the model's own probability of the label */
	/* a plain negative word keeps the model's label */
	const char *t2 = "难过";
	assert_int_equal(yq_tokenize(seg, &work, t2, strlen(t2), &toks), 0);
	const char *l0, *l1;
	double p0, p1;
	assert_int_equal(yq_classifier_predict(m[0], &w, t2, 6, &toks, &l0, &p0), 0);
	assert_int_equal(yq_classifier_predict(m[1], &w, t2, 6, &toks, &l1, &p1), 0);
	assert_string_equal(l0, l1);
	/* save/load keeps the words and the rule */
	struct yq_classifier *c = NULL;
	assert_int_equal(yq_classifier_save(m[1], path, &err), 0);
	assert_int_equal(yq_classifier_load(path, &c, &err), 0);
	assert_int_equal(yq_classifier_predict(c, &w, t, strlen(t), NULL, &label, &p), 0);
	assert_string_equal(label, "positive");
	yq_classifier_free(c);
	yq_classifier_free(m[0]);
	yq_classifier_free(m[1]);
	yq_clf_work_release(&w);
	yq_buf_release(&err);
}

/* NB scaling with three labels: one binary column per label, each with its
 * own log-count ratios; the seeded CV is deterministic; nb_alpha and the
 * folded weights survive save/load; a version-1 file is refused with a
 * message that says to retrain. */
static void test_nb(void **state)
{
	static const struct {
		const char *text, *label;
	} three[] = {
		{"味道很好，送餐很快", "pos"}, {"非常好吃，下次还点", "pos"},
		{"很喜欢，推荐大家", "pos"},   {"好吃不贵，满意", "pos"},
		{"太难吃了，再也不点了", "neg"}, {"送餐太慢，菜都凉了", "neg"},
		{"很差，不满意", "neg"},       {"难吃，服务差", "neg"},
		{"今天下单了", "mid"},         {"一份米饭一份汤", "mid"},
		{"中午点的外卖", "mid"},       {"下单的是米饭", "mid"},
	};
	struct yq_train_data *d;
	struct yq_buf err = YQ_BUF_INIT;
	assert_int_equal(yq_train_data_new(&cfg, 100, &d), 0);
	for (size_t i = 0; i < 12; i++) {
		extract(three[i].text);
		assert_int_equal(yq_train_data_add(d, three[i].label, 3, &feats), 0);
	}
	struct yq_train_config tc = {.task = "sentiment", .tf_mode = YQ_TF_SUBLINEAR,
				     .solver = 7, .C = 16, .folds = 4, .seed = 7, .nb_alpha = 1};
	struct yq_classifier *m = NULL, *m2 = NULL, *c = NULL;
	assert_int_equal(yq_model_train(&tc, d, NULL, &m, &err), 0);
	assert_int_equal(yq_model_train(&tc, d, NULL, &m2, &err), 0);
	double C, acc, C2, acc2;
	int folds;
	yq_classifier_cv(m, &C, &acc, &folds);
	yq_classifier_cv(m2, &C2, &acc2, &folds);
	assert_true(C == 16 && folds == 4);
	assert_true(acc == acc2); /* same seed, same folds */
	assert_true(acc >= 0 && acc <= 1);
	assert_int_equal(yq_classifier_nlabels(m), 3);
	struct yq_clf_work w = {0};
	for (size_t i = 0; i < 12; i++) {
		const char *label;
		double p;
		extract(three[i].text);
		assert_int_equal(yq_classifier_predict(m, &w, three[i].text, strlen(three[i].text),
						       &toks, &label, &p), 0);
		assert_string_equal(label, three[i].label);
		assert_true(p > 1.0 / 3 && p <= 1.0);
	}
	assert_int_equal(yq_classifier_save(m, path, &err), 0);
	assert_int_equal(yq_classifier_load(path, &c, &err), 0);
	const char *t = "菜很好吃，很满意";
	const char *l1, *l2;
	double p1, p2;
	extract(t);
	assert_int_equal(yq_classifier_predict(m, &w, t, strlen(t), &toks, &l1, &p1), 0);
	assert_int_equal(yq_classifier_predict(c, &w, t, strlen(t), NULL, &l2, &p2), 0);
	assert_string_equal(l1, "pos");
	assert_string_equal(l2, "pos");
	assert_true(fabs(p1 - p2) < 1e-9);
	/* negative alpha is refused */
	struct yq_classifier *none = NULL;
	tc.nb_alpha = -1;
	assert_int_equal(yq_model_train(&tc, d, NULL, &none, &err), YQ_EINVAL);
	assert_null(none);
	/* an older format version: the same file with version 1 */
	FILE *f = fopen(path, "r+b");
	assert_non_null(f);
	uint32_t v1 = 1;
	assert_int_equal(fseek(f, 8, SEEK_SET), 0);
	assert_int_equal(fwrite(&v1, 4, 1, f), 1);
	fclose(f);
	yq_classifier_free(c);
	c = NULL;
	yq_buf_reset(&err);
	assert_int_equal(yq_classifier_load(path, &c, &err), YQ_EFORMAT);
	assert_non_null(strstr(err.s, "model version 1"));
	assert_non_null(strstr(err.s, "retrain"));
	assert_null(c);
	yq_clf_work_release(&w);
	yq_classifier_free(m);
	yq_classifier_free(m2);
	yq_train_data_free(d);
	yq_buf_release(&err);
}

/* balanced class weights: on a set with one positive text in four, a text
 * of unseen words (decision = the bias alone) is called negative with a
 * clear margin without weights and comes near even odds with them */
static void test_class_weight(void **state)
{
	static const char *const texts[] = {
		"很好吃", "很满意", "太难吃了", "送餐太慢", "很差", "不满意", "难吃", "服务差",
	};
	struct yq_train_data *d;
	struct yq_buf err = YQ_BUF_INIT;
	assert_int_equal(yq_train_data_new(&cfg, 100, &d), 0);
	for (size_t i = 0; i < 8; i++) {
		extract(texts[i]);
		assert_int_equal(yq_train_data_add(d, i < 2 ? "pos" : "neg", 3, &feats), 0);
	}
	struct yq_train_config tc = {.task = "sentiment", .tf_mode = YQ_TF_SUBLINEAR,
				     .solver = 0, .C = 1, .folds = 0, .seed = 1, .nb_alpha = 1,
				     .plain_mix = 0.5};
	struct yq_classifier *plain = NULL, *bal = NULL;
	assert_int_equal(yq_model_train(&tc, d, NULL, &plain, &err), 0);
	tc.balanced = 1;
	assert_int_equal(yq_model_train(&tc, d, NULL, &bal, &err), 0);
	struct yq_clf_work w = {0};
	const char *t = "米饭汤", *l1, *l2;
	double p1, p2;
	extract(t);
	assert_int_equal(yq_classifier_predict(plain, &w, t, strlen(t), &toks, &l1, &p1), 0);
	assert_int_equal(yq_classifier_predict(bal, &w, t, strlen(t), &toks, &l2, &p2), 0);
	assert_string_equal(l1, "neg");
	assert_true(p1 > 0.6);
	assert_true(fabs(p2 - 0.5) < 0.5 * (p1 - 0.5));
	/* the training texts keep their labels */
	for (size_t i = 0; i < 8; i++) {
		extract(texts[i]);
		assert_int_equal(yq_classifier_predict(bal, &w, texts[i], strlen(texts[i]), &toks,
						       &l2, &p2), 0);
		assert_string_equal(l2, i < 2 ? "pos" : "neg");
	}
	yq_clf_work_release(&w);
	yq_classifier_free(plain);
	yq_classifier_free(bal);
	yq_train_data_free(d);
	yq_buf_release(&err);
}

static void test_label_map(void **state)
{
	struct yq_buf out = YQ_BUF_INIT;
	const char *map = "0=negative,1=positive,surprise=-,neutral=neutral";
	assert_int_equal(yq_clf_check_label_map(map), 0);
	assert_int_equal(yq_clf_map_label(map, "0", &out), 0);
	assert_string_equal(out.s, "negative");
	assert_int_equal(yq_clf_map_label(map, "1", &out), 0);
	assert_string_equal(out.s, "positive");
	assert_int_equal(yq_clf_map_label(map, "surprise", &out), 0);
	assert_string_equal(out.s, "-"); /* dropped */
	assert_int_equal(yq_clf_map_label(map, "10", &out), 0);
	assert_string_equal(out.s, "10"); /* unnamed: kept verbatim */
	assert_int_equal(yq_clf_map_label(NULL, "城乡建设", &out), 0);
	assert_string_equal(out.s, "城乡建设");
	assert_int_equal(yq_clf_check_label_map("a=b,c"), -1);
	assert_int_equal(yq_clf_check_label_map("=b"), -1);
	assert_int_equal(yq_clf_check_label_map("a="), -1);
	yq_buf_release(&out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_train),
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_bad_files),
		cmocka_unit_test(test_polarity_rule),
		cmocka_unit_test(test_nb),
		cmocka_unit_test(test_class_weight),
		cmocka_unit_test(test_label_map),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
