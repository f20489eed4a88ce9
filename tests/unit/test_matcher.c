/*
 * test_matcher.c — match/matcher: scheme logic (AND of groups, empty group
 * true), the exclusion veto, field scopes, proximity, overlapping hits,
 * offsets through normalization, a repeated word as one hit, ASCII case and
 * word boundaries, disabled schemes; and, on real Weibo posts read at test
 * time ($YQ_DATA/weibo_covid/posts.tsv.gz), every occurrence count equal to
 * a naive search of the normalized text.
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
#include "collect/lines.h"
#include "match/matcher.h"
#include "match/scheme.h"
#include "text/normalize.h"

static struct yq_normalizer *nz;
static struct yq_scheme_set *set;
static struct yq_matcher *m;
static struct yq_match_scratch *scr;
static struct yq_norm_result nt, nx;
static struct yq_match_result res;

static int setup(void **state)
{
	struct yq_buf err = YQ_BUF_INIT;
	int rc = yq_normalizer_new(&nz, &err);
	if (rc)
		fprintf(stderr, "normalizer: %s\n", err.s);
	yq_buf_release(&err);
	return rc;
}

static void drop(void)
{
	yq_match_scratch_free(scr);
	yq_matcher_free(m);
	yq_scheme_set_free(set);
	scr = NULL;
	m = NULL;
	set = NULL;
}

static int teardown(void **state)
{
	drop();
	yq_normalizer_free(nz);
	yq_norm_result_release(&nt);
	yq_norm_result_release(&nx);
	yq_match_result_release(&res);
	return 0;
}

/* Compiles the YAML y (flags for yq_matcher_new) into the globals. */
static void compile(const char *y, unsigned flags)
{
	struct yq_buf err = YQ_BUF_INIT;
	drop();
	int rc = yq_scheme_parse(y, strlen(y), "t.yaml", &set, &err);
	if (!rc)
		rc = yq_matcher_new(set, nz, flags, &m, &err);
	if (rc)
		fprintf(stderr, "%s\n", err.s);
	assert_int_equal(rc, 0);
	assert_int_equal(yq_match_scratch_new(m, &scr), 0);
	yq_buf_release(&err);
}

/* Matches (title, text); returns the number of matched schemes. */
static size_t run(const char *title, const char *text)
{
	if (title)
		assert_int_equal(yq_normalize(nz, title, strlen(title), &nt), 0);
	assert_int_equal(yq_normalize(nz, text, strlen(text), &nx), 0);
	assert_int_equal(yq_matcher_match(m, scr, title ? &nt : NULL, &nx, &res), 0);
	return res.n;
}

/* The hits of matched scheme i as "word:field:start-end:count" joined by
 * spaces (static buffer). */
static const char *hits(size_t i)
{
	static char b[1024];
	size_t k = 0;
	b[0] = 0;
	assert_true(i < res.n);
	for (size_t j = 0; j < res.v[i].nhits; j++) {
		const struct yq_match_hit *h = &res.hits[res.v[i].hit0 + j];
		k += (size_t)snprintf(b + k, sizeof(b) - k, "%s%s:%s:%u-%u:%u", j ? " " : "",
				      h->word, yq_field_name(h->field), (unsigned)h->start,
				      (unsigned)h->end, (unsigned)h->count);
	}
	return b;
}

static void test_logic(void **state)
{
	compile("schemes:\n"
		"  - id: s\n"
		"    region: [杭州]\n"
		"    subject: [停电, 断电]\n"
		"    event: [抢修]\n"
		"  - id: only-subject\n"
		"    subject: [断电]\n",
		0);
	assert_int_equal(run(NULL, "杭州停电"), 0); /* event missing */
	assert_int_equal(run(NULL, "停电抢修"), 0); /* region missing */
	assert_int_equal(run(NULL, "杭州停电，正在抢修"), 1);
	assert_string_equal(res.v[0].s->id, "s");
	assert_int_equal(res.v[0].scheme, 0);
	assert_string_equal(hits(0), "杭州:text:0-2:1 停电:text:2-4:1 抢修:text:7-9:1");
	/* empty groups are true: the second scheme needs only 断电 */
	assert_int_equal(run(NULL, "宁波断电"), 1);
	assert_string_equal(res.v[0].s->id, "only-subject");
	assert_int_equal(run(NULL, "杭州断电抢修中"), 2);
	assert_string_equal(res.v[0].s->id, "s");
	assert_string_equal(res.v[1].s->id, "only-subject");
	assert_string_equal(hits(1), "断电:text:2-4:1");
	assert_int_equal(run(NULL, ""), 0);
}

/* Field case match-05: an exclusion word vetoes the whole scheme,
 * whichever subject word hit. */
static void test_exclusion_veto(void **state)
{
	compile("schemes:\n"
		"  - id: s\n"
		"    region: [杭州]\n"
		"    subject: [停电, 断电]\n"
		"    exclude: [演练]\n",
		0);
	assert_int_equal(run(NULL, "杭州停电应急演练顺利完成"), 0);
	assert_int_equal(run(NULL, "杭州多区突发断电"), 1);
	assert_int_equal(run(NULL, "杭州断电，停电演练"), 0);
	assert_int_equal(run("演练通知", "杭州断电"), 0); /* scope any: the title counts */
}

static void test_scopes(void **state)
{
	compile("schemes:\n"
		"  - id: s\n"
		"    region:\n"
		"      words: [杭州]\n"
		"      scope: title\n"
		"    subject:\n"
		"      words: [停电]\n"
		"      scope: body\n"
		"    exclude:\n"
		"      words: [演练]\n"
		"      scope: title\n",
		0);
	assert_int_equal(run("杭州", "停电了"), 1);
	assert_string_equal(hits(0), "杭州:title:0-2:1 停电:text:0-2:1");
	assert_int_equal(run("停电", "杭州"), 0);
	assert_int_equal(run(NULL, "杭州停电"), 0);      /* no title */
	assert_int_equal(run("杭州", "停电演练"), 1);    /* exclusion only in title */
	assert_int_equal(run("杭州演练", "停电"), 0);
	/* a region word in the body is not reported (out of scope) */
	assert_int_equal(run("杭州", "杭州停电"), 1);
	assert_string_equal(hits(0), "杭州:title:0-2:1 停电:text:2-4:1");
}

static void test_proximity(void **state)
{
	compile("schemes:\n"
		"  - id: s\n"
		"    region:\n"
		"      words: [杭州]\n"
		"      within: 3\n"
		"    subject: [停电]\n"
		"    exclude:\n"
		"      words: [演练]\n"
		"      within: 0\n",
		0);
	assert_int_equal(run(NULL, "杭州停电"), 1);
	assert_int_equal(run(NULL, "杭州某区停电"), 1);    /* gap 2 */
	assert_int_equal(run(NULL, "杭州某某区停电"), 1);  /* gap 3 */
	assert_int_equal(run(NULL, "杭州某某某区停电"), 0); /* gap 4 */
	assert_int_equal(run(NULL, "停电一二三杭州"), 1);  /* after the subject, gap 3 */
	/* a far first occurrence and a near later one: the near one counts, the
	 * report still gives the first occurrence */
	assert_int_equal(run(NULL, "杭州一二三四五六停电，杭州停电"), 1);
	assert_string_equal(hits(0), "杭州:text:0-2:2 停电:text:8-10:2");
	/* different fields are never near */
	assert_int_equal(run("杭州", "停电"), 0);
	/* within 0 is "anywhere" for exclusion (0 means no proximity) */
	assert_int_equal(run(NULL, "杭州停电。很远的地方在演练"), 0);
	/* proximity counts normalized code points: removed characters do not count */
	assert_int_equal(run(NULL, "杭州\xe2\x80\x8b\xe2\x80\x8b\xe2\x80\x8b\xe2\x80\x8b某区停电"), 1);

	compile("schemes:\n"
		"  - id: s\n"
		"    subject: [停电]\n"
		"    exclude:\n"
		"      words: [演练]\n"
		"      within: 2\n",
		0);
	assert_int_equal(run(NULL, "停电演练"), 0);
	assert_int_equal(run(NULL, "停电了。后来还有一次消防演练"), 1);
}

/* Field cases match-02 and match-04: all overlapping hits, a word that is a
 * part, suffix or prefix of a longer one included. */
static void test_overlapping(void **state)
{
	compile("schemes:\n"
		"  - id: s\n"
		"    subject: [江苏南京, 苏南, 南]\n"
		"  - id: area\n"
		"    region: [南京, 南京市]\n",
		0);
	assert_int_equal(run(NULL, "江苏南京市"), 2);
	assert_string_equal(hits(0), "江苏南京:text:0-4:1 苏南:text:1-3:1 南:text:2-3:1");
	assert_string_equal(hits(1), "南京市:text:2-5:1 南京:text:2-4:1");
	assert_int_equal(run(NULL, "南京市发布暴雨预警"), 2);
	assert_string_equal(hits(1), "南京市:text:0-3:1 南京:text:0-2:1");
	/* field case match-01: the longer pattern begun but not completed */
	compile("schemes:\n  - id: s\n    subject: [暴雨, 特大暴雨预警]\n", 0);
	assert_int_equal(run(NULL, "今晚特大暴雨"), 1);
	assert_string_equal(hits(0), "暴雨:text:4-6:1");
}

/* Field cases match-06 and match-07, and offsets in the original through
 * HTML, traditional script and entities. */
static void test_offsets_through_normalization(void **state)
{
	compile("schemes:\n"
		"  - id: s\n"
		"    subject: [爆炸, 5G, 停驶, 台北, 'A&B']\n",
		0);
	assert_int_equal(run(NULL, "化工厂爆\xe2\x80\x8d炸了，浓烟很大"), 1);
	/* Chinese punctuation stays as written (docs/normalize.md step 3) */
	assert_string_equal(nx.text.s, "化工厂爆炸了，浓烟很大");
	assert_string_equal(hits(0), "爆炸:text:3-6:1");
	assert_int_equal(run(NULL, "５Ｇ基站辐射谣言又来了"), 1);
	assert_string_equal(nx.text.s, "5G基站辐射谣言又来了");
	assert_string_equal(hits(0), "5G:text:0-2:1");
	assert_int_equal(run(NULL, "臺北捷運停駛"), 1);
	assert_string_equal(hits(0), "台北:text:0-2:1 停驶:text:4-6:1");
	assert_int_equal(run(NULL, "<p>x A&amp;B y</p>"), 1);
	assert_string_equal(hits(0), "A&B:text:5-12:1");
	assert_int_equal(run("<b>爆炸</b>", "无"), 1);
	assert_string_equal(hits(0), "爆炸:title:3-9:1");
}

static void test_repeated_word(void **state)
{
	compile("schemes:\n  - id: s\n    subject: [停电, 停电了]\n", 0);
	assert_int_equal(run("又停电", "停电了停电了，第三次停电"), 1);
	assert_string_equal(hits(0), "停电:title:1-3:1 停电了:text:0-3:2 停电:text:0-2:3");
	/* the same word in two groups of one scheme: one hit */
	compile("schemes:\n  - id: s\n    region: [停电]\n    subject: [停电]\n", 0);
	assert_int_equal(run(NULL, "停电停电"), 1);
	assert_string_equal(hits(0), "停电:text:0-2:2");
	assert_int_equal(res.hits[0].group, YQ_GROUP_REGION);
}

static void test_case_and_boundaries(void **state)
{
	compile("schemes:\n  - id: s\n    subject: [AI, 5G, iPhone, 10]\n", 0);
	assert_int_equal(run(NULL, "PAID 5GB 2010"), 0);
	assert_int_equal(run(NULL, "ai换脸 5G基站 IPHONE15 第10次"), 1);
	assert_string_equal(hits(0),
			    "AI:text:0-2:1 5G:text:5-7:1 iPhone:text:10-16:1 10:text:20-22:1");
}

static void test_disabled_and_empty(void **state)
{
	const char *y = "schemes:\n"
			"  - id: off\n"
			"    enabled: false\n"
			"    subject: [停电]\n"
			"  - id: on\n"
			"    subject: [断电]\n";
	compile(y, 0);
	assert_int_equal(yq_matcher_words(m), 1);
	assert_int_equal(run(NULL, "停电断电"), 1);
	assert_string_equal(res.v[0].s->id, "on");
	assert_int_equal(res.v[0].scheme, 1);
	compile(y, YQ_MATCHER_ALL);
	assert_int_equal(yq_matcher_words(m), 2);
	assert_int_equal(run(NULL, "停电断电"), 2);
	/* every scheme disabled: no database, nothing matches */
	compile("schemes:\n  - id: off\n    enabled: no\n    subject: [停电]\n", 0);
	assert_int_equal(yq_matcher_words(m), 0);
	assert_int_equal(run(NULL, "停电"), 0);
	/* a word that normalizes to nothing is refused */
	struct yq_scheme_set *s2 = NULL;
	struct yq_matcher *m2 = NULL;
	struct yq_buf err = YQ_BUF_INIT;
	const char *bad = "schemes:\n  - id: z\n    subject: [\"\\u200b\"]\n";
	assert_int_equal(yq_scheme_parse(bad, strlen(bad), "t.yaml", &s2, &err), 0);
	assert_int_equal(yq_matcher_new(s2, nz, 0, &m2, &err), YQ_EFORMAT);
	assert_string_equal(err.s, "scheme 'z' (line 2): subject word '\xe2\x80\x8b' is empty "
				   "after normalization");
	assert_null(m2);
	yq_scheme_set_free(s2);
	yq_buf_release(&err);
	yq_matcher_free(NULL);
	yq_match_scratch_free(NULL);
}

/* More occurrences than YQ_MATCH_OCC_MAX: matched on the first ones and
 * flagged.  349,000 x 南 (1 MiB less a little) with four overlapping words
 * gives about 1.4 million occurrences. */
static void test_occurrence_cap(void **state)
{
	const size_t n = 349000;
	char *t = malloc(3 * n + 1);
	assert_non_null(t);
	for (size_t i = 0; i < n; i++)
		memcpy(t + 3 * i, "南", 3);
	t[3 * n] = 0;
	compile("schemes:\n  - id: s\n    subject: [南, 南南, 南南南, 南南南南]\n", 0);
	assert_int_equal(run(NULL, t), 1);
	assert_int_equal(res.truncated, 1);
	uint64_t total = 0;
	for (size_t i = 0; i < res.nhits; i++)
		total += res.hits[i].count;
	assert_int_equal(total, YQ_MATCH_OCC_MAX);
	assert_int_equal(run(NULL, "南"), 1);
	assert_int_equal(res.truncated, 0);
	free(t);
}

/* Real posts: every word's occurrence count equals a naive overlapping
 * search of the normalized text. */
static size_t naive_count(const char *s, size_t n, const char *w)
{
	size_t c = 0, wl = strlen(w);
	for (const char *p = s; (p = memmem(p, n - (size_t)(p - s), w, wl)); p++)
		c++;
	return c;
}

static void test_real_posts(void **state)
{
	static const char *const words[] = {"武汉", "肺炎", "口罩", "医院", "冠状病毒",
					     "新型冠状病毒", "病毒", "加油", "中国", "疫情"};
	const char *data = getenv("YQ_DATA");
	assert_non_null(data);
	char path[4096], y[1024];
	snprintf(path, sizeof(path), "%s/weibo_covid/posts.tsv.gz", data);
	size_t k = (size_t)snprintf(y, sizeof(y), "schemes:\n  - id: s\n    subject: [");
	for (size_t i = 0; i < sizeof(words) / sizeof(*words); i++)
		k += (size_t)snprintf(y + k, sizeof(y) - k, "%s%s", i ? ", " : "", words[i]);
	snprintf(y + k, sizeof(y) - k, "]\n");
	compile(y, 0);
	struct yq_lines *l = NULL;
	struct yq_buf line = YQ_BUF_INIT;
	size_t lineno = 0, posts = 0, matched = 0, total_hits = 0;
	assert_int_equal(yq_lines_open(path, &l), 0);
	while (posts < 2000 && yq_lines_next(l, &line, &lineno) == 0) {
		if (lineno == 1)
			continue; /* header */
		const char *text = line.s;
		for (int tab = 0; tab < 3 && text; tab++)
			if ((text = strchr(text, '\t')))
				text++;
		if (!text)
			continue;
		posts++;
		size_t nm = run(NULL, text);
		size_t want_any = 0;
		for (size_t i = 0; i < sizeof(words) / sizeof(*words); i++) {
			size_t want = naive_count(nx.text.s, nx.text.len, words[i]), got = 0;
			for (size_t j = 0; nm && j < res.v[0].nhits; j++)
				if (strcmp(res.hits[j].word, words[i]) == 0)
					got = res.hits[j].count;
			assert_int_equal(got, want);
			want_any += want > 0;
			total_hits += want > 0;
		}
		assert_int_equal(nm, want_any > 0);
		matched += nm;
	}
	fprintf(stderr, "real posts: %zu read, %zu matched, %zu (post, word) hits\n", posts,
		matched, total_hits);
	assert_int_equal(posts, 2000);
	assert_true(matched > 500);
	yq_lines_close(l);
	yq_buf_release(&line);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_logic),
		cmocka_unit_test(test_exclusion_veto),
		cmocka_unit_test(test_scopes),
		cmocka_unit_test(test_proximity),
		cmocka_unit_test(test_overlapping),
		cmocka_unit_test(test_offsets_through_normalization),
		cmocka_unit_test(test_repeated_word),
		cmocka_unit_test(test_case_and_boundaries),
		cmocka_unit_test(test_disabled_and_empty),
		cmocka_unit_test(test_occurrence_cap),
		cmocka_unit_test(test_real_posts),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
