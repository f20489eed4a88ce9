/* test_cluster.c — single-pass event clustering (detect/cluster.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "analyze/stopwords.h"
#include "detect/cluster.h"
#include "detect/places.h"
#include "base/buf.h"
#include <stdlib.h>

static size_t terms_of(const char *words, struct yq_cterm *t)
{
	/* "a b c" → terms with weight 1 each (pointers into words) */
	size_t n = 0;
	const char *p = words;
	while (*p) {
		const char *e = strchr(p, ' ');
		size_t len = e ? (size_t)(e - p) : strlen(p);
		t[n++] = (struct yq_cterm){p, (uint32_t)len, 1.0f};
		p += len;
		while (*p == ' ')
			p++;
	}
	return n;
}

static int64_t add(struct yq_cluster *c, const char *words, int64_t t, int64_t join,
		   struct yq_cluster_hit *hit)
{
	struct yq_cterm terms[32];
	size_t n = terms_of(words, terms);
	assert_int_equal(yq_cluster_add(c, terms, n, t, join, "p", words, 1, hit), 0);
	return hit->event ? hit->event->id : 0;
}

struct seen {
	int64_t ids[64];
	int closed[64];
	uint64_t size[64];
	int n;
};

static int record(const struct yq_event *ev, void *ctx)
{
	struct seen *s = ctx;
	s->ids[s->n] = ev->id;
	s->closed[s->n] = ev->closed;
	s->size[s->n] = ev->size;
	s->n++;
	return 0;
}

static void test_two_stories_split(void **state)
{
	(void)state;
	struct yq_cluster_config cfg;
	struct yq_cluster *c;
	struct yq_cluster_hit h;
	yq_cluster_config_default(&cfg);
	assert_int_equal(yq_cluster_new(&cfg, 100, &c), 0);
	int64_t a = add(c, "火灾 小区 消防 起火", 1000, 0, &h);
	assert_int_equal(a, 100);
	assert_true(h.is_new);
	int64_t b = add(c, "地铁 故障 停运 乘客", 1010, 0, &h);
	assert_int_equal(b, 101);
	assert_true(h.is_new);
	assert_int_equal(add(c, "小区 起火 消防 救援", 1020, 0, &h), a);
	assert_false(h.is_new);
	assert_true(h.sim > 0.5);
	assert_int_equal(add(c, "地铁 停运 乘客 滞留", 1030, 0, &h), b);
	/* unrelated: a new event */
	assert_int_equal(add(c, "演唱会 门票 歌手", 1040, 0, &h), 102);
	/* forced join (a duplicate or repost), even with other words */
	assert_int_equal(add(c, "转发", 1050, a, &h), a);
	assert_false(h.is_new);
	/* no terms and no join: no event */
	assert_int_equal(add(c, "", 1060, 0, &h), 0);

	const char *kw[4];
	uint32_t kl[4];
	struct seen s = {0};
	assert_int_equal(yq_cluster_flush(c, 1060, record, &s), 0);
	assert_int_equal(s.n, 3);
	/* keywords of event b: its shared words weigh most */
	struct yq_cluster_hit h2;
	add(c, "地铁 停运", 1070, 0, &h2);
	assert_int_equal(h2.event->id, b);
	size_t nk = yq_cluster_keywords(c, h2.event, 2, kw, kl);
	assert_int_equal(nk, 2);
	int saw_ditie = 0, saw_tingyun = 0;
	for (size_t i = 0; i < nk; i++) {
		saw_ditie |= kl[i] == strlen("地铁") && memcmp(kw[i], "地铁", kl[i]) == 0;
		saw_tingyun |= kl[i] == strlen("停运") && memcmp(kw[i], "停运", kl[i]) == 0;
	}
	assert_true(saw_ditie && saw_tingyun);
	yq_cluster_free(c);
}

static void test_close_after_silence(void **state)
{
	(void)state;
	struct yq_cluster_config cfg;
	struct yq_cluster *c;
	struct yq_cluster_hit h;
	yq_cluster_config_default(&cfg);
	cfg.close_after = 3600;
	assert_int_equal(yq_cluster_new(&cfg, 1, &c), 0);
	int64_t a = add(c, "暴雨 内涝 积水", 0, 0, &h);
	add(c, "暴雨 内涝 道路", 600, 0, &h);
	struct seen s = {0};
	assert_int_equal(yq_cluster_flush(c, 3000, record, &s), 0);
	assert_int_equal(s.n, 1);
	assert_false(s.closed[0]);
	assert_int_equal(s.size[0], 2);
	/* an hour and more of silence closes it; the same words open a new one */
	memset(&s, 0, sizeof s);
	assert_int_equal(yq_cluster_flush(c, 600 + 3601, record, &s), 0);
	assert_int_equal(s.n, 1);
	assert_true(s.closed[0]);
	int64_t b = add(c, "暴雨 内涝 积水", 5000, 0, &h);
	assert_true(h.is_new);
	assert_int_not_equal(a, b);
	/* a join to the closed event is refused: the post is clustered anew */
	assert_int_equal(add(c, "暴雨 内涝", 5001, a, &h), b);
	yq_cluster_free(c);
}

static void test_burst_level_rises_once(void **state)
{
	(void)state;
	struct yq_cluster_config cfg;
	struct yq_cluster *c;
	struct yq_cluster_hit h;
	yq_cluster_config_default(&cfg);
	cfg.bucket = 3600;
	cfg.burst.min_count = 5;
	assert_int_equal(yq_cluster_new(&cfg, 1, &c), 0);
	int rises = 0, max_level = 0;
	for (int i = 0; i < 200; i++) {
		add(c, "爆炸 化工厂 伤亡", 7200 + i, 0, &h);
		rises += h.level_rose;
		if (h.level > max_level)
			max_level = h.level;
	}
	/* one bucket of 200 posts from nothing: levels IV, III, II, I, each once */
	assert_int_equal(max_level, 4);
	assert_int_equal(rises, 4);
	assert_int_equal(h.event->ntimeline, 1);
	assert_int_equal(h.event->timeline[0].count, 200);
	yq_cluster_free(c);
}

static int nop(const struct yq_event *ev, void *ctx)
{
	(void)ev;
	(void)ctx;
	return 0;
}

/* Two events opened apart (the post-level threshold is high) whose
 * centroids then agree are linked at the flush: the younger merges into the
 * older, and both ids resolve to the older. */
static void test_story_linking(void **state)
{
	(void)state;
	struct yq_cluster_config cfg;
	yq_cluster_config_default(&cfg);
	cfg.threshold = 0.9;
	cfg.link_threshold = 0.5;
	struct yq_cluster *c;
	struct yq_cluster_hit h;
	assert_int_equal(yq_cluster_new(&cfg, 1, &c), 0);
	assert_int_equal(add(c, "flood river city", 0, 0, &h), 1);
	assert_int_equal(add(c, "flood river town", 10, 0, &h), 2);
	assert_int_equal(add(c, "concert stadium tickets", 20, 0, &h), 3);
	assert_int_equal(yq_cluster_resolve(c, 2), 2);
	assert_int_equal(yq_cluster_flush(c, 30, nop, NULL), 0);
	assert_int_equal(yq_cluster_resolve(c, 2), 1);
	assert_int_equal(yq_cluster_resolve(c, 1), 1);
	assert_int_equal(yq_cluster_resolve(c, 3), 3);
	/* a post forced into the merged event joins the survivor */
	assert_int_equal(add(c, "flood", 40, 2, &h), 1);
	assert_int_equal(h.event->size, 3);
	struct yq_cluster_stats st;
	yq_cluster_stats(c, &st);
	assert_int_equal(st.merged, 1);
	yq_cluster_free(c);
}

/* Linking weighs the smaller event's size: the same two stories (centroid
 * cosine 2/3) link at 500 posts each (2/3 / 1.25 = 0.53 >= 0.5) but not at
 * 2,000 each (2/3 / 2 = 0.33). */
static void link_sized(uint64_t each, int64_t want)
{
	struct yq_cluster_config cfg;
	yq_cluster_config_default(&cfg);
	cfg.threshold = 0.9;
	cfg.link_threshold = 0.5;
	struct yq_cluster *c;
	struct yq_cluster_hit h;
	assert_int_equal(yq_cluster_new(&cfg, 1, &c), 0);
	for (uint64_t i = 0; i < each; i++) {
		assert_int_equal(add(c, "flood river city", (int64_t)i, 0, &h), 1);
		assert_int_equal(add(c, "flood river town", (int64_t)i, 0, &h), 2);
	}
	assert_int_equal(yq_cluster_flush(c, (int64_t)each, nop, NULL), 0);
	assert_int_equal(yq_cluster_resolve(c, 2), want);
	yq_cluster_free(c);
}

static void test_story_linking_size(void **state)
{
	(void)state;
	link_sized(500, 1);
	link_sized(2000, 2);
}

/* The lifecycle rule of cluster.h on hand-made timelines. */
static void test_lifecycle(void **state)
{
	(void)state;
	struct yq_tl_point tl[3] = {{10, 2, 0}, {11, 5, 0}, {12, 3, 0}};
	struct yq_event ev;
	memset(&ev, 0, sizeof(ev));
	ev.timeline = tl;
	ev.ntimeline = 1;
	assert_int_equal(yq_event_state_at(&ev, 10), YQ_EV_NEW);
	assert_int_equal(yq_event_state_at(&ev, 13), YQ_EV_DECLINING); /* silent */
	ev.ntimeline = 2;
	assert_int_equal(yq_event_state_at(&ev, 11), YQ_EV_RISING);
	ev.ntimeline = 3;
	assert_int_equal(yq_event_state_at(&ev, 12), YQ_EV_DECLINING); /* 3 < 0.8 x 5 */
	tl[2].count = 4;
	assert_int_equal(yq_event_state_at(&ev, 12), YQ_EV_PEAK); /* 4 >= 0.8 x 5 */
	ev.closed = 1;
	assert_int_equal(yq_event_state_at(&ev, 12), YQ_EV_CLOSED);
	assert_string_equal(yq_event_state_name(YQ_EV_PEAK), "peak");
}

static void test_stopwords(void **state)
{
	(void)state;
	assert_int_equal(yq_stopword("the", 3), 1);
	assert_int_equal(yq_stopword("rt", 2), 1);
	assert_int_equal(yq_stopword("的", strlen("的")), 1);
	assert_int_equal(yq_stopword("flood", 5), 0);
	assert_int_equal(yq_stopword("杭州", strlen("杭州")), 0);
	assert_int_equal(yq_stopword("", 0), 0);
}

/* Places from the real gazetteer: full and short names with their codes;
 * a county's short form is not a name; every full name is found. */
static void test_places(void **state)
{
	(void)state;
	const char *data = getenv("YQ_DATA");
	if (!data)
		skip();
	struct yq_buf dir = YQ_BUF_INIT, err = YQ_BUF_INIT;
	assert_int_equal(yq_buf_printf(&dir, "%s/gazetteer_cn", data), 0);
	struct yq_places *pl;
	assert_int_equal(yq_places_load(dir.s, &pl, &err), 0);
	int32_t i = yq_places_find(pl, "杭州", strlen("杭州"));
	assert_true(i >= 0);
	assert_string_equal(yq_places_get(pl, (uint32_t)i)->code, "3301");
	assert_string_equal(yq_places_get(pl, (uint32_t)i)->name, "杭州市");
	assert_int_equal(yq_places_get(pl, (uint32_t)i)->level, YQ_PLACE_CITY);
	i = yq_places_find(pl, "广西", strlen("广西"));
	assert_true(i >= 0);
	assert_string_equal(yq_places_get(pl, (uint32_t)i)->code, "45");
	i = yq_places_find(pl, "西湖区", strlen("西湖区"));
	assert_true(i >= 0);
	assert_string_equal(yq_places_get(pl, (uint32_t)i)->code, "330106");
	assert_int_equal(yq_places_find(pl, "平安", strlen("平安")), -1);
	assert_int_equal(yq_places_find(pl, "市辖区", strlen("市辖区")), -1);
	assert_int_equal(yq_places_find(pl, "", 0), -1);
	assert_int_equal(yq_places_find(pl, "a", 1), -1);
	/* the filter before the map turns no name away: every place's full
	 * name finds a place of that name (itself, or one that takes
	 * precedence) */
	assert_true(yq_places_count(pl) > 3000);
	for (size_t k = 0; k < yq_places_count(pl); k++) {
		const char *nm = yq_places_get(pl, (uint32_t)k)->name;
		int32_t j = yq_places_find(pl, nm, strlen(nm));
		assert_true(j >= 0);
		assert_string_equal(yq_places_get(pl, (uint32_t)j)->name, nm);
	}
	yq_places_free(pl);
	yq_places_free(NULL);
	yq_buf_release(&dir);
	yq_buf_release(&err);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_two_stories_split),
		cmocka_unit_test(test_close_after_silence),
		cmocka_unit_test(test_burst_level_rises_once),
		cmocka_unit_test(test_story_linking),
		cmocka_unit_test(test_story_linking_size),
		cmocka_unit_test(test_lifecycle),
		cmocka_unit_test(test_stopwords),
		cmocka_unit_test(test_places),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
