/* test_risk.c — the risk formula with its defaults (exact figures from
 * docs/warning.md), levels, transitions (field case alert-01), lexicons
 * (the committed default, a file of our own, errors). */
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
#include "warn/risk.h"

static void test_formula(void **state)
{
	(void)state;
	struct yq_risk_config c;
	struct yq_risk_result r;
	yq_risk_config_default(&c);
	struct yq_risk_input in = {.size = 300, .bucket_count = 50, .z = 12, .engagement = 0,
				   .rated = 100, .negative = 50, .sources = 3,
				   .sensitivity = 1, .locality = 1};
	yq_risk_score(&c, &in, &r);
	double e1 = 1 - exp(-1);
	assert_float_equal(r.volume, e1, 1e-12);
	assert_float_equal(r.velocity, e1, 1e-12);
	assert_float_equal(r.engagement, 0, 1e-12);
	assert_float_equal(r.factor[YQ_RISK_HEAT], 0.8 * e1, 1e-12);
	assert_float_equal(r.share, 0.5, 1e-12);
	assert_float_equal(r.intensity, e1, 1e-12);
	assert_float_equal(r.factor[YQ_RISK_NEGATIVITY], 0.3 + 0.4 * e1, 1e-12);
	assert_float_equal(r.factor[YQ_RISK_SPREAD], e1, 1e-12);
	double want = 40 * 0.8 * e1 + 20 * (0.3 + 0.4 * e1) + 20 + 10 + 10 * e1;
	assert_float_equal(r.score, want, 1e-9); /* 67.606 */
	assert_float_equal(r.score, 67.606, 1e-3);
	double sum = 0;
	for (int f = 0; f < YQ_RISK_NFACTORS; f++)
		sum += r.contribution[f];
	assert_float_equal(sum, r.score, 1e-9);
	assert_int_equal(r.level, 4); /* I red: score ≥ 65 */
	assert_string_equal(yq_risk_level_code(r.level), "I");
	assert_string_equal(yq_risk_level_color(r.level), "red");
	in.sensitivity = 0.6; /* 8 points less: 59.6, II orange (50 ≤ score < 65) */
	yq_risk_score(&c, &in, &r);
	assert_float_equal(r.score, want - 8, 1e-9);
	assert_int_equal(r.level, 3);
	assert_string_equal(yq_risk_level_color(r.level), "orange");
	in.sensitivity = 1;

	/* too small for any level, whatever the score */
	in.size = 9;
	yq_risk_score(&c, &in, &r);
	assert_int_equal(r.level, 0);

	/* engagement saturates at engagement_ref interactions; few rated posts
	 * give no share; a scheme match lifts sensitivity to 0.5 */
	struct yq_risk_input in2 = {.size = 10, .engagement = 100000, .rated = 4, .negative = 4,
				    .sources = 1, .scheme_matched = 1};
	yq_risk_score(&c, &in2, &r);
	assert_float_equal(r.engagement, 1, 1e-12);
	assert_float_equal(r.share, 0, 1e-12);
	assert_float_equal(r.factor[YQ_RISK_SENSITIVITY], 0.5, 1e-12);
	assert_float_equal(r.factor[YQ_RISK_SPREAD], 0, 1e-12);
	double v = 1 - exp(-10.0 / 300);
	double negv = 0.4 * (1 - exp(-4.0 / 50));
	assert_float_equal(r.score, 40 * (0.45 * v + 0.2) + 20 * negv + 10, 1e-9);
	assert_int_equal(r.level, 0); /* 19.2 < 20 */
}

static void test_transition(void **state)
{
	(void)state;
	/* alert-01: the condition persists over three evaluations: one alert */
	int alerted = 0, n = 0;
	int seq1[] = {1, 1, 1};
	for (int i = 0; i < 3; i++)
		n += yq_risk_transition(&alerted, seq1[i]);
	assert_int_equal(n, 1);
	/* rises alert again; staying or falling does not */
	int seq2[] = {2, 2, 1, 0, 2, 4, 3, 4};
	int fired[8];
	for (int i = 0; i < 8; i++)
		fired[i] = yq_risk_transition(&alerted, seq2[i]);
	int want[8] = {1, 0, 0, 0, 0, 1, 0, 0};
	assert_memory_equal(fired, want, sizeof want);
	assert_int_equal(alerted, 4);
}

static void test_default_lexicon(void **state)
{
	(void)state;
	const char *src = getenv("YQ_SRC");
	char path[4096];
	struct yq_buf err;
	struct yq_risk_lexicon *lx;
	yq_buf_init(&err);
	snprintf(path, sizeof path, "%s/config/sensitivity.tsv", src ? src : ".");
	assert_int_equal(yq_risk_lexicon_load(path, &lx, &err), 0);
	const char *texts[2] = {"杭州多区停电，居民生活受影响", "地震"};
	size_t lens[2] = {strlen(texts[0]), strlen(texts[1])};
	const char *cat, *word;
	/* 停电 (labor_livelihood 0.6) and 地震 (disaster 1.0): the heavier wins */
	assert_float_equal(yq_risk_lexicon_match(lx, texts, lens, 2, &cat, &word), 1.0, 0);
	assert_string_equal(cat, "disaster");
	assert_string_equal(word, "地震");
	assert_float_equal(yq_risk_lexicon_match(lx, texts, lens, 1, &cat, &word), 0.6, 0);
	assert_string_equal(cat, "labor_livelihood");
	assert_string_equal(word, "停电");
	const char *plain[1] = {"今天天气不错"};
	size_t pl[1] = {strlen(plain[0])};
	assert_float_equal(yq_risk_lexicon_match(lx, plain, pl, 1, &cat, &word), 0, 0);
	assert_null(cat);
	assert_null(word);
	assert_float_equal(yq_risk_lexicon_match(NULL, plain, pl, 1, NULL, NULL), 0, 0);
	yq_risk_lexicon_free(lx);
	yq_buf_release(&err);
}

static char *write_tmp(const char *text)
{
	static char path[64];
	strcpy(path, "/tmp/yq_risk_XXXXXX");
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	return path;
}

static void test_lexicon_file_and_list(void **state)
{
	(void)state;
	struct yq_buf err;
	struct yq_risk_lexicon *lx;
	const char *cat, *word;
	yq_buf_init(&err);
	char *p = write_tmp("# comment\r\na\t0.3\t甲 乙\r\n\nb\t0.9\t丙\n");
	assert_int_equal(yq_risk_lexicon_load(p, &lx, &err), 0);
	const char *t[1] = {"一乙二丙"};
	size_t l[1] = {strlen(t[0])};
	assert_float_equal(yq_risk_lexicon_match(lx, t, l, 1, &cat, &word), 0.9, 0);
	assert_string_equal(cat, "b");
	assert_string_equal(word, "丙");
	yq_risk_lexicon_free(lx);
	unlink(p);

	p = write_tmp("a\t1.5\t甲\n");
	assert_int_equal(yq_risk_lexicon_load(p, &lx, &err), YQ_EFORMAT);
	assert_null(lx);
	assert_non_null(strstr(err.s, "line 1"));
	unlink(p);
	p = write_tmp("a\t0.5 甲\n");
	assert_int_equal(yq_risk_lexicon_load(p, &lx, &err), YQ_EFORMAT);
	unlink(p);
	assert_int_equal(yq_risk_lexicon_load("/nonexistent/x.tsv", &lx, &err), YQ_EIO);

	assert_int_equal(yq_risk_lexicon_from_list("jurisdiction", "杭州, 西湖区,余杭", &lx, &err), 0);
	const char *t2[2] = {"北京", "余杭区停水"};
	size_t l2[2] = {strlen(t2[0]), strlen(t2[1])};
	assert_float_equal(yq_risk_lexicon_match(lx, t2, l2, 2, &cat, &word), 1, 0);
	assert_string_equal(cat, "jurisdiction");
	assert_string_equal(word, "余杭");
	yq_risk_lexicon_free(lx);
	assert_int_equal(yq_risk_lexicon_from_list("j", " , ", &lx, &err), YQ_EFORMAT);
	yq_risk_lexicon_free(NULL);
	yq_buf_release(&err);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_formula),
		cmocka_unit_test(test_transition),
		cmocka_unit_test(test_default_lexicon),
		cmocka_unit_test(test_lexicon_file_and_list),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
