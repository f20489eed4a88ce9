/*
 * test_segment.c — the jieba-compatible segmenter against outputs of Python
 * jieba 0.42.1 (Debian's python3-jieba), computed once with
 * /usr/bin/python3 and written in here: default dictionary with and without
 * HMM, user dictionaries (frequencies given, suggested, zero), a replaced
 * main dictionary with and without frequencies, whitespace, mixed scripts,
 * characters outside the BMP, empty input and the error paths.  The
 * dictionary fixtures are written by the tests themselves.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/error.h"
#include "text/segment.h"

struct case_ {
	const char *text;
	const char *tokens[40]; /* NULL-terminated */
};

/* jieba.cut(text) with the default dictionary */
static const struct case_ default_hmm[] = {
	/* equal route probabilities: the larger word end wins */
	{"快快快快快快快跑", {"快快", "快快", "快", "快快", "跑", NULL}},
	{"哈哈哈哈哈", {"哈哈哈", "哈哈", NULL}},
	{"我来到北京清华大学", {"我", "来到", "北京", "清华大学", NULL}},
	{"他来到了网易杭研大厦", {"他", "来到", "了", "网易", "杭研", "大厦", NULL}},
	{"小明硕士毕业于中国科学院计算所，后在日本京都大学深造", {"小明", "硕士", "毕业", "于", "中国科学院", "计算所", "，", "后", "在", "日本京都大学", "深造", NULL}},
	{"iPhone 12 Pro售价5999元，比去年涨了3.5%！", {"iPhone", " ", "12", " ", "Pro", "售价", "5999", "元", "，", "比", "去年", "涨", "了", "3.5%", "！", NULL}},
	{"C++和c#都是编程语言，AT&T的股价-1.25%", {"C++", "和", "c#", "都", "是", "编程语言", "，", "AT&T", "的", "股价", "-", "1.25%", NULL}},
	{"a\tb  c\r\nd\u3000e\u00a0f", {"a", "\t", "b", " ", " ", "c", "\r\n", "d", "\u3000", "e", "\u00a0", "f", NULL}},
	{"😀我爱你𠀀北京", {"😀", "我爱你", "𠀀", "北京", NULL}},
	{"武汉加油！#新冠肺炎# @人民日报 http://t.cn/A6vXyz", {"武汉", "加油", "！", "#", "新冠", "肺炎", "#", " ", "@", "人民日报", " ", "http", ":", "/", "/", "t", ".", "cn", "/", "A6vXyz", NULL}},
	{"这是一个伸手不见五指的黑夜。我叫孙悟空，我爱北京，我爱Python和C++。", {"这是", "一个", "伸手不见五指", "的", "黑夜", "。", "我", "叫", "孙悟空", "，", "我", "爱", "北京", "，", "我", "爱", "Python", "和", "C++", "。", NULL}},
	{"abc123def 4.5.6 x1.5%y", {"abc123def", " ", "4.5", ".", "6", " ", "x1.5%", "y", NULL}},
	{"", {NULL}},
};

/* jieba.cut(text, HMM=False) */
static const struct case_ default_no_hmm[] = {
	/* equal route probabilities: the larger word end wins */
	{"快快快快快快快跑", {"快快", "快快", "快", "快快", "跑", NULL}},
	{"哈哈哈哈哈", {"哈哈哈", "哈哈", NULL}},
	{"我来到北京清华大学", {"我", "来到", "北京", "清华大学", NULL}},
	{"他来到了网易杭研大厦", {"他", "来到", "了", "网易", "杭", "研", "大厦", NULL}},
	{"小明硕士毕业于中国科学院计算所，后在日本京都大学深造", {"小", "明", "硕士", "毕业", "于", "中国科学院", "计算所", "，", "后", "在", "日本京都大学", "深造", NULL}},
	{"iPhone 12 Pro售价5999元，比去年涨了3.5%！", {"iPhone", " ", "12", " ", "Pro", "售价", "5999", "元", "，", "比", "去年", "涨", "了", "3", ".", "5", "%", "！", NULL}},
	{"C++和c#都是编程语言，AT&T的股价-1.25%", {"C++", "和", "c#", "都", "是", "编程语言", "，", "AT&T", "的", "股价", "-", "1", ".", "25", "%", NULL}},
	{"a\tb  c\r\nd\u3000e\u00a0f", {"a", "\t", "b", " ", " ", "c", "\r\n", "d", "\u3000", "e", "\u00a0", "f", NULL}},
	{"😀我爱你𠀀北京", {"😀", "我爱你", "𠀀", "北京", NULL}},
	{"武汉加油！#新冠肺炎# @人民日报 http://t.cn/A6vXyz", {"武汉", "加油", "！", "#", "新", "冠", "肺炎", "#", " ", "@", "人民日报", " ", "http", ":", "/", "/", "t", ".", "cn", "/", "A6vXyz", NULL}},
	{"这是一个伸手不见五指的黑夜。我叫孙悟空，我爱北京，我爱Python和C++。", {"这", "是", "一个", "伸手不见五指", "的", "黑夜", "。", "我", "叫", "孙悟空", "，", "我", "爱", "北京", "，", "我", "爱", "Python", "和", "C++", "。", NULL}},
	{"abc123def 4.5.6 x1.5%y", {"abc123def", " ", "4", ".", "5", ".", "6", " ", "x1", ".", "5", "%", "y", NULL}},
	{"", {NULL}},
};

/* after jieba.load_userdict(USER_DICT) */
static const char USER_DICT[] = "\xEF\xBB\xBF杭研 10 nz\n网易杭研大厦\n大厦 0\n北京清华 5\n  \n石墨烯\n深度 学习 n\n";
static const struct case_ user_hmm[] = {
	{"他来到了网易杭研大厦", {"他", "来到", "了", "网易杭研大厦", NULL}},
	{"石墨烯是新材料，大厦倒了", {"石墨烯", "是", "新", "材料", "，", "大", "厦", "倒", "了", NULL}},
	{"我来到北京清华大学", {"我", "来到", "北京", "清华大学", NULL}},
	{"深度 学习很难", {"深度", " ", "学习", "很难", NULL}},
};
static const struct case_ user_no_hmm[] = {
	{"他来到了网易杭研大厦", {"他", "来到", "了", "网易杭研大厦", NULL}},
	{"石墨烯是新材料，大厦倒了", {"石墨烯", "是", "新", "材料", "，", "大", "厦", "倒", "了", NULL}},
	{"我来到北京清华大学", {"我", "来到", "北京", "清华大学", NULL}},
	{"深度 学习很难", {"深度", " ", "学习", "很", "难", NULL}},
};

/* jieba.Tokenizer(MAIN_DICT) */
static const char MAIN_DICT[] = "北京 100 ns\n大学 50\n清华 30\n清华大学 20\n来到 40 v\n我 60\n北京大学 1\n大学城 2\n";
static const struct case_ main_hmm[] = {
	{"我来到北京清华大学", {"我", "来到", "北京", "清华大学", NULL}},
	{"来到北京大学城", {"来到", "北京", "大学城", NULL}},
	{"北京大学", {"北京", "大学", NULL}},
};
static const struct case_ main_no_hmm[] = {
	{"我来到北京清华大学", {"我", "来到", "北京", "清华大学", NULL}},
	{"来到北京大学城", {"来到", "北京", "大学城", NULL}},
	{"北京大学", {"北京", "大学", NULL}},
};

/* A plain word list (BOM, CRLF): every word gets frequency 3, so the
 * expected tokens are jieba.Tokenizer() over "北京 3\n清华大学 3\n…". */
static const char WORD_LIST[] =
	"\xEF\xBB\xBF北京\r\n清华大学\r\n来到\r\n大学\r\n学城\r\n１２月\r\n";
static const struct case_ list_hmm[] = {
	{"12月来到北京", {"12月", "来到", "北京", NULL}}, /* １２月's NFKC form */
	{"我来到北京清华大学", {"我", "来到", "北京", "清华大学", NULL}},
	{"来到北京大学城", {"来到", "北京", "大学", "城", NULL}},
	{"北京大学", {"北京", "大学", NULL}},
};
static const struct case_ list_no_hmm[] = {
	{"12月来到北京", {"12月", "来到", "北京", NULL}},
	{"我来到北京清华大学", {"我", "来到", "北京", "清华大学", NULL}},
	{"来到北京大学城", {"来到", "北京", "大学", "城", NULL}},
	{"北京大学", {"北京", "大学", NULL}},
};

static char tmpdir[64];
static struct yq_segmenter *dflt;

static void write_file(const char *name, const char *data, char *path, size_t cap)
{
	snprintf(path, cap, "%s/%s", tmpdir, name);
	FILE *f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(data, 1, strlen(data), f), strlen(data));
	assert_int_equal(fclose(f), 0);
}

static void check_cases(const struct yq_segmenter *s, const struct case_ *cs, size_t n,
			int flags)
{
	struct yq_seg_work w = {NULL};
	struct yq_spans sp = {NULL, 0, 0};
	for (size_t i = 0; i < n; i++) {
		const char *t = cs[i].text;
		size_t len = strlen(t), k = 0, at = 0;
		sp.n = 0;
		assert_int_equal(yq_segment_cut(s, &w, t, len, flags, &sp), 0);
		for (; cs[i].tokens[k]; k++) {
			assert_true(k < sp.n);
			/* tokens are contiguous and cover the input */
			assert_int_equal(sp.v[k].off, at);
			char got[256];
			assert_true(sp.v[k].len < sizeof(got));
			memcpy(got, t + sp.v[k].off, sp.v[k].len);
			got[sp.v[k].len] = '\0';
			assert_string_equal(got, cs[i].tokens[k]);
			at += sp.v[k].len;
		}
		assert_int_equal(sp.n, k);
		assert_int_equal(at, len);
	}
	yq_spans_release(&sp);
	yq_seg_work_release(&w);
}

#define CHECK(s, arr, flags) check_cases(s, arr, sizeof(arr) / sizeof(arr[0]), flags)

static int setup(void **state)
{
	struct yq_buf err = YQ_BUF_INIT;
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/yq_test_segment.XXXXXX");
	if (!mkdtemp(tmpdir))
		return -1;
	int rc = yq_segmenter_new(NULL, &dflt, &err);
	if (rc)
		fprintf(stderr, "cannot load jieba: %s\n", err.s);
	yq_buf_release(&err);
	return rc ? -1 : 0;
}

static int teardown(void **state)
{
	char cmd[128];
	yq_segmenter_free(dflt);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	return system(cmd) == 0 ? 0 : -1;
}

static void test_default_hmm(void **state)
{
	CHECK(dflt, default_hmm, YQ_SEG_HMM);
}

static void test_default_no_hmm(void **state)
{
	CHECK(dflt, default_no_hmm, 0);
}

static void test_freq(void **state)
{
	/* values of jieba.dt.FREQ */
	assert_int_equal(yq_segmenter_freq(dflt, "北京", strlen("北京")), 34488);
	assert_int_equal(yq_segmenter_freq(dflt, "的", strlen("的")), 318825);
	assert_int_equal(yq_segmenter_freq(dflt, "清华大学", strlen("清华大学")), 922);
	assert_int_equal(yq_segmenter_freq(dflt, "中华人民共和国", strlen("中华人民共和国")), 9989);
	assert_int_equal(yq_segmenter_freq(dflt, "中华人民共", strlen("中华人民共")), 0); /* prefix */
	assert_int_equal(yq_segmenter_freq(dflt, "𠀀", strlen("𠀀")), 0);
	assert_int_equal(yq_segmenter_freq(dflt, "", 0), 0);
	assert_int_equal(yq_segmenter_freq(dflt, "\xE5\x8C", 2), 0); /* invalid UTF-8 */
}

static void test_user_dict(void **state)
{
	char path[128];
	struct yq_buf err = YQ_BUF_INIT;
	struct yq_segmenter *s = NULL;
	write_file("user.txt", USER_DICT, path, sizeof(path));
	const char *ud[] = {path};
	struct yq_seg_config cfg = {NULL, NULL, ud, 1, NULL};
	assert_int_equal(yq_segmenter_new(&cfg, &s, &err), 0);
	/* jieba.dt.FREQ after load_userdict: given, suggested (1), zero */
	assert_int_equal(yq_segmenter_freq(s, "杭研", strlen("杭研")), 10);
	assert_int_equal(yq_segmenter_freq(s, "网易杭研大厦", strlen("网易杭研大厦")), 1);
	assert_int_equal(yq_segmenter_freq(s, "大厦", strlen("大厦")), 0);
	assert_int_equal(yq_segmenter_freq(s, "北京清华", strlen("北京清华")), 5);
	assert_int_equal(yq_segmenter_freq(s, "石墨烯", strlen("石墨烯")), 1);
	assert_int_equal(yq_segmenter_freq(s, "深度 学习", strlen("深度 学习")), 1);
	CHECK(s, user_hmm, YQ_SEG_HMM);
	CHECK(s, user_no_hmm, 0);
	yq_segmenter_free(s);
	yq_buf_release(&err);
}

static void test_main_dict(void **state)
{
	char path[128];
	struct yq_buf err = YQ_BUF_INIT;
	struct yq_segmenter *s = NULL;
	write_file("main.txt", MAIN_DICT, path, sizeof(path));
	struct yq_seg_config cfg = {path, NULL, NULL, 0, NULL};
	assert_int_equal(yq_segmenter_new(&cfg, &s, &err), 0);
	assert_int_equal(yq_segmenter_freq(s, "北京", strlen("北京")), 100);
	assert_int_equal(yq_segmenter_freq(s, "的", strlen("的")), 0);
	CHECK(s, main_hmm, YQ_SEG_HMM);
	CHECK(s, main_no_hmm, 0);
	yq_segmenter_free(s);
	yq_buf_release(&err);
}

static void test_word_list(void **state)
{
	char path[128];
	struct yq_buf err = YQ_BUF_INIT;
	struct yq_segmenter *s = NULL;
	write_file("list.txt", WORD_LIST, path, sizeof(path));
	struct yq_seg_config cfg = {path, NULL, NULL, 0, NULL};
	assert_int_equal(yq_segmenter_new(&cfg, &s, &err), 0);
	assert_int_equal(yq_segmenter_freq(s, "北京", strlen("北京")), 3);
	assert_int_equal(yq_segmenter_freq(s, "学城", strlen("学城")), 3);
	assert_int_equal(yq_segmenter_freq(s, "１２月", strlen("１２月")), 3);
	assert_int_equal(yq_segmenter_freq(s, "12月", strlen("12月")), 3);
	CHECK(s, list_hmm, YQ_SEG_HMM);
	CHECK(s, list_no_hmm, 0);
	yq_segmenter_free(s);
	yq_buf_release(&err);
}

static void expect_error(const char *dict, const char *user, const char *hmm, int code,
			 const char *where)
{
	struct yq_buf err = YQ_BUF_INIT;
	struct yq_segmenter *s = (struct yq_segmenter *)&err; /* must stay untouched */
	const char *ud[] = {user};
	struct yq_seg_config cfg = {dict, hmm, ud, user ? 1 : 0, NULL};
	assert_int_equal(yq_segmenter_new(&cfg, &s, &err), code);
	assert_ptr_equal(s, (struct yq_segmenter *)&err);
	assert_non_null(strstr(err.s, where));
	yq_buf_release(&err);
}

static void test_errors(void **state)
{
	char bad[128], badu[128], empty[128], hmm[128], p[160];
	write_file("bad.txt", "北京 100\n大学 5x\n", bad, sizeof(bad));
	write_file("badu.txt", "ok 3\n\xFF\xFE 3\n", badu, sizeof(badu));
	write_file("empty.txt", "\n\n", empty, sizeof(empty));
	expect_error("/nonexistent/dict.txt", NULL, NULL, YQ_EIO, "/nonexistent/dict.txt");
	expect_error(bad, NULL, NULL, YQ_EFORMAT, "bad.txt:2:");
	expect_error(empty, NULL, NULL, YQ_EFORMAT, "empty.txt");
	expect_error(NULL, badu, NULL, YQ_EFORMAT, "badu.txt:2:");
	snprintf(hmm, sizeof(hmm), "%s/nohmm", tmpdir);
	expect_error(NULL, NULL, hmm, YQ_EIO, "nohmm/prob_start.py");
	/* a malformed HMM parameter file */
	assert_int_equal(mkdir(hmm, 0700), 0);
	write_file("nohmm/prob_start.py", "P={'B': -0.5, 'E': -3.14e+100, 'M': -3.14e+100, 'S': -1.0}\n",
		   p, sizeof(p));
	write_file("nohmm/prob_trans.py", "P={'B': {'E': -0.5,\n 'M' -0.9}}\n", p, sizeof(p));
	expect_error(NULL, NULL, hmm, YQ_EFORMAT, "prob_trans.py:2:");
}

/* A hand-made HMM that can only say S (single character words), written
 * with the literal forms jieba's files use (u'', \u escapes, comments). */
static void test_custom_hmm(void **state)
{
	char dir[128], p[160];
	struct yq_buf err = YQ_BUF_INIT;
	struct yq_segmenter *s = NULL;
	static const struct case_ only_s[] = {
		{"他来到了网易杭研大厦", {"他", "来到", "了", "网易", "杭", "研", "大厦", NULL}},
	};
	snprintf(dir, sizeof(dir), "%s/shmm", tmpdir);
	assert_int_equal(mkdir(dir, 0700), 0);
	write_file("shmm/prob_start.py",
		   "from __future__ import unicode_literals\n# start\nP = {'B': -3.14e+100,\n"
		   " u'E': -3.14e100, \"M\": -3.14e+100, 'S': 0.0,}\n", p, sizeof(p));
	write_file("shmm/prob_trans.py", "P={'S': {'S': 0}, 'B': {}, 'E': {}, 'M': {}}\n", p,
		   sizeof(p));
	write_file("shmm/prob_emit.py", "P={'S': {'\\u676d': -1.5, '\\u7814': -2.5, 'x': -1},\n"
		   "  'B': {'\\u676d': -1.0}}  # end\n", p, sizeof(p));
	struct yq_seg_config cfg = {NULL, dir, NULL, 0, NULL};
	assert_int_equal(yq_segmenter_new(&cfg, &s, &err), 0);
	CHECK(s, only_s, YQ_SEG_HMM);
	yq_segmenter_free(s);
	yq_buf_release(&err);
}

static void test_too_big(void **state)
{
	static const char small[] = "x";
	struct yq_seg_work w = {NULL};
	struct yq_spans sp = {NULL, 0, 0};
	/* the cap is checked before the text is read */
	assert_int_equal(yq_segment_cut(dflt, &w, small, (16u << 20) + 1, YQ_SEG_HMM, &sp),
			 YQ_ETOOBIG);
	assert_int_equal(sp.n, 0);
	yq_seg_work_release(&w);
	yq_spans_release(&sp);
	yq_seg_work_release(NULL);
	yq_spans_release(NULL);
	yq_segmenter_free(NULL);
}

static void test_jieba_dir(void **state)
{
	setenv("YQ_JIEBA_DIR", "/some/where", 1);
	assert_string_equal(yq_jieba_dir(), "/some/where");
	unsetenv("YQ_JIEBA_DIR");
	assert_string_equal(yq_jieba_dir(), YQ_JIEBA_DIR_DEFAULT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_default_hmm),
		cmocka_unit_test(test_default_no_hmm),
		cmocka_unit_test(test_freq),
		cmocka_unit_test(test_user_dict),
		cmocka_unit_test(test_main_dict),
		cmocka_unit_test(test_word_list),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_custom_hmm),
		cmocka_unit_test(test_too_big),
		cmocka_unit_test(test_jieba_dir),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
