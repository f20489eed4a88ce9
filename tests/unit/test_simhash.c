/* test_simhash.c — Charikar SimHash: exact fingerprints of hand-built
 * feature sets, the bigram default, and the Hamming distance. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "analyze/simhash.h"
#include "base/hash.h"

/* yq_hash64_2 is two yq_hash64 calls in one pass: every length across
 * the 8-byte blocks and the tail, two pairs of seeds */
static void test_hash64_2(void **state)
{
	(void)state;
	const char text[] = "武汉新增确诊病例，医院门诊排队，口罩告急 masks 2020";
	static const uint64_t seeds[][2] = {{0x5167, 0x7a3d}, {0, UINT64_MAX}};
	for (size_t sd = 0; sd < 2; sd++)
		for (size_t n = 0; n < sizeof text; n++) {
			uint64_t a, b;
			yq_hash64_2(text, n, seeds[sd][0], seeds[sd][1], &a, &b);
			assert_true(a == yq_hash64(text, n, seeds[sd][0]));
			assert_true(b == yq_hash64(text, n, seeds[sd][1]));
		}
}

static void test_empty(void **state)
{
	(void)state;
	assert_int_equal(yq_simhash(NULL, 0), 0);
	assert_int_equal(yq_simhash_bigrams("", 0), 0);
}

static void test_single_and_majority(void **state)
{
	(void)state;
	const uint64_t A = 0xF0F0F0F0F0F0F0F0ULL, B = 0xFF00FF00FF00FF00ULL,
		       C = 0x0123456789ABCDEFULL;
	struct yq_feature one = {A, 1.0f};
	assert_true(yq_simhash(&one, 1) == A);
	/* equal weights: bitwise majority of three */
	struct yq_feature three[] = {{A, 1}, {B, 1}, {C, 1}};
	assert_true(yq_simhash(three, 3) == ((A & B) | (A & C) | (B & C)));
	/* order does not matter */
	struct yq_feature rev[] = {{C, 1}, {B, 1}, {A, 1}};
	assert_true(yq_simhash(rev, 3) == yq_simhash(three, 3));
	/* a heavy feature outvotes two light ones */
	struct yq_feature heavy[] = {{A, 2.5f}, {B, 1}, {C, 1}};
	assert_true(yq_simhash(heavy, 3) == A);
	/* weights <= 0 count for nothing */
	struct yq_feature zero[] = {{A, 1}, {B, 0}, {C, -3}};
	assert_true(yq_simhash(zero, 3) == A);
	/* a tie gives 0 bits: A and ~A cancel everywhere */
	struct yq_feature tie[] = {{A, 1}, {~A, 1}};
	assert_true(yq_simhash(tie, 2) == 0);
}

static void test_hamming(void **state)
{
	(void)state;
	assert_int_equal(yq_hamming(0, 0), 0);
	assert_int_equal(yq_hamming(0, ~0ULL), 64);
	assert_int_equal(yq_hamming(0x5ULL, 0x3ULL), 2);
	assert_int_equal(yq_hamming(1ULL << 63, 0), 1);
}

/* yq_simhash_bigrams equals yq_simhash over hand-built bigram features. */
static void test_bigrams_definition(void **state)
{
	(void)state;
	/* 3-byte CJK and one ASCII; 加油 occurs twice and counts twice */
	const char *t = "武汉加油a中国加油";
	const char *cps[] = {"武", "汉", "加", "油", "a", "中", "国", "加", "油"};
	struct yq_feature f[8];
	char pair[8];
	for (int i = 0; i < 8; i++) {
		size_t la = strlen(cps[i]), lb = strlen(cps[i + 1]);
		memcpy(pair, cps[i], la);
		memcpy(pair + la, cps[i + 1], lb);
		f[i].hash = yq_hash64(pair, la + lb, YQ_SIMHASH_SEED);
		f[i].weight = 1;
	}
	assert_true(yq_simhash_bigrams(t, strlen(t)) == yq_simhash(f, 8));
	/* one code point: its own hash */
	assert_true(yq_simhash_bigrams("武", 3) == yq_hash64("武", 3, YQ_SIMHASH_SEED));
	assert_true(yq_simhash_bigrams("ab", 2) == yq_hash64("ab", 2, YQ_SIMHASH_SEED));
	/* runs of one character or one pair count each bigram once */
	assert_true(yq_simhash_bigrams("哈哈哈哈哈哈", 18) == yq_simhash_bigrams("哈哈", 6));
	assert_true(yq_simhash_bigrams("怕了怕了怕了怕", 21) == yq_simhash_bigrams("怕了怕", 9));
	assert_true(yq_simhash_bigrams("abcabc", 6) != yq_simhash_bigrams("abc", 3));
}

/* 700 bigrams, more than the 255 the byte lanes count before a flush,
 * against yq_simhash over the same features. */
static void test_bigrams_long(void **state)
{
	(void)state;
	static char t[701];
	static struct yq_feature f[700];
	for (size_t i = 0; i < 701; i++)
		t[i] = (char)('A' + (i * 7 + i / 26) % 26);
	size_t nf = 0;
	for (size_t i = 0; i + 1 < 701; i++) {
		uint64_t h = yq_hash64(t + i, 2, YQ_SIMHASH_SEED);
		/* skipped when equal to one of the two bigrams before it */
		if ((i >= 1 && yq_hash64(t + i - 1, 2, YQ_SIMHASH_SEED) == h) ||
		    (i >= 2 && yq_hash64(t + i - 2, 2, YQ_SIMHASH_SEED) == h))
			continue;
		f[nf].hash = h;
		f[nf].weight = 1;
		nf++;
	}
	assert_true(nf > 255);
	assert_true(yq_simhash_bigrams(t, 701) == yq_simhash(f, nf));
}

/* Near-identical long texts land within distance 3; unrelated ones far. */
static void test_bigrams_similarity(void **state)
{
	(void)state;
	const char *a = "国家卫健委专家研判认为当前疫情仍可防可控但新型冠状病毒传染来源尚未找到"
			"疫情传播途径尚未完全掌握病毒变异仍需严密监控请大家做好个人防护勤洗手戴口罩";
	const char *b = "国家卫健委专家研判认为当前疫情仍可防可控但新型冠状病毒传染来源尚未找到"
			"疫情传播途径尚未完全掌握病毒变异仍需严密监控请大家做好个人防护勤洗手戴口罩啊";
	const char *c = "春运开始了人流量更大了大家请带好医用口罩出门在外注意安全祝大家新年快乐"
			"万事如意身体健康阖家幸福平平安安过大年我们一起加油一定能够战胜这次疫情";
	uint64_t ha = yq_simhash_bigrams(a, strlen(a));
	uint64_t hb = yq_simhash_bigrams(b, strlen(b));
	uint64_t hc = yq_simhash_bigrams(c, strlen(c));
	assert_true(yq_hamming(ha, hb) <= 3);
	assert_true(yq_hamming(ha, hc) >= 16);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hash64_2),
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_single_and_majority),
		cmocka_unit_test(test_hamming),
		cmocka_unit_test(test_bigrams_definition),
		cmocka_unit_test(test_bigrams_long),
		cmocka_unit_test(test_bigrams_similarity),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
