/*
 * test_dedup.c — near-duplicate grouping: the pair test on hand-written
 * examples, roots, the window and its refresh rule (against a reference
 * model), and a quality and speed check on the real COVID Weibo stream
 * ($YQ_DATA/weibo_covid/posts.tsv.gz, read at test time).
 *
 * The real-data check builds content texts with a simple stand-in for
 * text/tokenize.h (content_of below) and SimHashes with
 * yq_simhash_bigrams.  It writes its 200 sampled merged pairs to the file
 * named by $YQ_DEDUP_PAIRS when set, and prints a few.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>
#include <zlib.h>

#include "analyze/dedup.h"
#include "analyze/simhash.h"
#include "base/error.h"
#include "base/hash.h"
#include "base/utf8.h"

/* Adds a post whose SimHash is the bigram default of its content. */
static uint64_t add_text(struct yq_dedup *d, uint64_t key, const char *content)
{
	uint64_t dup = 99;
	size_t n = strlen(content);
	assert_int_equal(yq_dedup_add(d, key, yq_simhash_bigrams(content, n), content, n, &dup), 0);
	return dup;
}

static void test_config(void **state)
{
	(void)state;
	struct yq_dedup_config c;
	struct yq_dedup *d = (struct yq_dedup *)1;
	yq_dedup_config_default(&c);
	assert_int_equal(c.max_hamming, 3);
	assert_int_equal(c.window, 500000);
	assert_int_equal(c.short_chars, 50);
	assert_true(c.short_sim == 0.8);
	c.max_hamming = 4;
	assert_int_equal(yq_dedup_new(&c, &d), YQ_EINVAL);
	assert_null(d);
	yq_dedup_config_default(&c);
	c.window = 0;
	assert_int_equal(yq_dedup_new(&c, &d), YQ_EINVAL);
	yq_dedup_config_default(&c);
	c.short_sim = 0.3;
	assert_int_equal(yq_dedup_new(&c, &d), YQ_EINVAL);
	assert_int_equal(yq_dedup_new(NULL, &d), 0);
	yq_dedup_free(d);
	yq_dedup_free(NULL);
}

static void test_keys_and_empty(void **state)
{
	(void)state;
	struct yq_dedup *d;
	uint64_t dup = 7;
	assert_int_equal(yq_dedup_new(NULL, &d), 0);
	/* no content: never joins, never joined, even with equal SimHash 0 */
	assert_int_equal(yq_dedup_add(d, 1, 0, "", 0, &dup), 0);
	assert_int_equal(dup, 0);
	assert_int_equal(yq_dedup_add(d, 2, 0, "", 0, &dup), 0);
	assert_int_equal(dup, 0);
	assert_int_equal(add_text(d, 3, "武汉加油中国加油"), 0);
	assert_int_equal(add_text(d, 4, "武汉加油中国加油"), 3);
	/* key 0 and non-increasing keys are refused */
	assert_int_equal(yq_dedup_add(d, 0, 0, "a", 1, &dup), YQ_EINVAL);
	assert_int_equal(dup, 0);
	assert_int_equal(yq_dedup_add(d, 4, 0, "a", 1, &dup), YQ_EINVAL);
	assert_int_equal(yq_dedup_add(d, 2, 0, "a", 1, &dup), YQ_EINVAL);
	assert_int_equal(add_text(d, 10, "武汉加油中国加油"), 3);
	struct yq_dedup_stats st;
	yq_dedup_stats(d, &st);
	assert_int_equal(st.posts, 5);
	assert_int_equal(st.empty, 2);
	assert_int_equal(st.exact, 2);
	assert_int_equal(st.stored, 1);
	yq_dedup_free(d);
}

/* Short texts: the brief's examples, with content as tokenize.h gives it
 * (punctuation is not content). */
static void test_short_texts(void **state)
{
	(void)state;
	struct yq_dedup *d;
	assert_int_equal(yq_dedup_new(NULL, &d), 0);
	/* 武汉加油！中国加油！ / 武汉加油，中国加油 */
	assert_int_equal(add_text(d, 1, "武汉加油中国加油"), 0);
	assert_int_equal(add_text(d, 2, "武汉加油中国加油"), 1);
	/* a different place is a different post, and so is a different number */
	assert_int_equal(add_text(d, 3, "今天武汉确诊了100例"), 0);
	assert_int_equal(add_text(d, 4, "今天上海确诊了100例"), 0);
	assert_int_equal(add_text(d, 5, "今天武汉确诊了200例"), 0);
	/* an appended particle is the same post (Jaccard 13/14) */
	assert_int_equal(add_text(d, 6, "武汉加油中国加油大家一起努力"), 0);
	assert_int_equal(add_text(d, 7, "武汉加油中国加油大家一起努力啊"), 6);
	/* a substitution at the very end breaks two framed bigrams too */
	assert_int_equal(add_text(d, 10, "#本市发布新冠肺炎疫情防控通告#好"), 0);
	assert_int_equal(add_text(d, 11, "#本市发布新冠肺炎疫情防控通告#坏"), 0);
	/* so does a substituted word that occurs elsewhere in the text */
	assert_int_equal(add_text(d, 12, "#北京今日新增确诊病例#上海人民一定要挺住"), 0);
	assert_int_equal(add_text(d, 13, "#北京今日新增确诊病例#北京人民一定要挺住"), 0);
	/* a dropped word in a longer short text */
	assert_int_equal(add_text(d, 20, "疫情期间请大家尽量减少外出出门一定要佩戴口罩勤洗手多通风"), 0);
	assert_int_equal(add_text(d, 21, "疫情期间请大家减少外出出门一定要佩戴口罩勤洗手多通风"), 20);
	/* one character mistyped inside a text is a typo (field case dedup-02),
	 * but not in a text under 8 characters, nor next to a digit */
	assert_int_equal(add_text(d, 30, "感谢各位同学的支持"), 0);
	assert_int_equal(add_text(d, 31, "感谢各位童学的支持"), 30);
	assert_int_equal(add_text(d, 32, "今天新增确诊35例"), 0);
	assert_int_equal(add_text(d, 33, "今天新增确诊36例"), 0);
	assert_int_equal(add_text(d, 34, "今天小区停水"), 0);
	assert_int_equal(add_text(d, 35, "今天小区停电"), 0);
	yq_dedup_free(d);
}

/* A short text is found by its bigrams when its SimHash is far, and a short
 * SimHash match must still pass the bigram test. */
static void test_short_needs_bigrams(void **state)
{
	(void)state;
	struct yq_dedup *d;
	uint64_t dup;
	const char *a = "武汉加油中国加油大家一起努力", *b = "武汉加油中国加油大家一起努力啊";
	const char *c = "明天会更好我们都要坚持下去";
	assert_int_equal(yq_dedup_new(NULL, &d), 0);
	assert_int_equal(yq_dedup_add(d, 1, 0, a, strlen(a), &dup), 0);
	assert_int_equal(dup, 0);
	assert_int_equal(yq_dedup_add(d, 2, ~0ULL, b, strlen(b), &dup), 0);
	assert_int_equal(dup, 1);
	/* same SimHash as a, unrelated bigrams */
	assert_int_equal(yq_dedup_add(d, 3, 0, c, strlen(c), &dup), 0);
	assert_int_equal(dup, 0);
	struct yq_dedup_stats st;
	yq_dedup_stats(d, &st);
	assert_int_equal(st.near_lsh, 1);
	yq_dedup_free(d);
}

/* A long text of 80 distinct code points from seed (U+4E00 + ...). */
static void long_text(char *out, unsigned seed)
{
	size_t k = 0;
	for (unsigned i = 0; i < 80; i++)
		k += (size_t)yq_utf8_encode(0x4E00u + (unsigned)(yq_mix64(seed * 1000u + i) % 20000u),
					    out + k);
	out[k] = 0;
}

/* Long texts: SimHash distance decides; groups are named by their root. */
static void test_long_texts_and_roots(void **state)
{
	(void)state;
	struct yq_dedup *d;
	uint64_t dup;
	char t[5][400];
	for (unsigned i = 0; i < 5; i++)
		long_text(t[i], i + 1);
	const uint64_t base = 0x0123456789ABCDEFULL;
	assert_int_equal(yq_dedup_new(NULL, &d), 0);
	assert_int_equal(yq_dedup_add(d, 1, base, t[0], strlen(t[0]), &dup), 0);
	assert_int_equal(dup, 0);
	/* 3 bits off, all in one block: joins 1 */
	uint64_t b3 = base ^ 0x7ULL;
	assert_int_equal(yq_dedup_add(d, 2, b3, t[1], strlen(t[1]), &dup), 0);
	assert_int_equal(dup, 1);
	/* 3 bits off post 2 but 6 off post 1: joins post 2's root, 1 */
	uint64_t c3 = b3 ^ (0x7ULL << 32);
	assert_int_equal(yq_dedup_add(d, 3, c3, t[2], strlen(t[2]), &dup), 0);
	assert_int_equal(dup, 1);
	/* 4 bits off everything: a new group */
	uint64_t far = base ^ 0x1ULL ^ (1ULL << 16) ^ (1ULL << 32) ^ (1ULL << 48);
	far ^= 0xFFULL << 8; /* also away from 2 and 3 */
	assert_int_equal(yq_dedup_add(d, 4, far, t[3], strlen(t[3]), &dup), 0);
	assert_int_equal(dup, 0);
	/* exactly 4 bits from post 1 (one per block): not a duplicate */
	uint64_t four = base ^ 0x1ULL ^ (1ULL << 17) ^ (1ULL << 33) ^ (1ULL << 49);
	assert_int_equal(yq_dedup_add(d, 5, four, t[4], strlen(t[4]), &dup), 0);
	assert_int_equal(yq_hamming(four, base), 4);
	assert_int_equal(dup, 0);
	yq_dedup_free(d);
}

/*
 * Window and refresh against a reference model: distinct long texts with
 * random, far-apart SimHashes, so only exact copies merge.  Model: a text
 * is remembered when its newest stored copy is among the last `window`
 * stored posts; a copy is stored when it is new, or when the stored copy is
 * older than window/2 stored posts.  This drives the exact table through
 * thousands of evictions (backward-shift deletion).
 */
static void test_window_model(void **state)
{
	(void)state;
	enum { TEXTS = 300, POSTS = 20000, WINDOW = 64 };
	struct yq_dedup_config c;
	struct yq_dedup *d;
	static char text[TEXTS][400];
	uint64_t stored_at[TEXTS] = {0}, root[TEXTS] = {0}, nstored = 0;
	yq_dedup_config_default(&c);
	c.window = WINDOW;
	assert_int_equal(yq_dedup_new(&c, &d), 0);
	for (unsigned i = 0; i < TEXTS; i++)
		long_text(text[i], 100 + i);
	uint64_t r = 12345;
	for (uint64_t key = 1; key <= POSTS; key++) {
		r = yq_mix64(r + key);
		/* skewed choice: a few texts recur often */
		unsigned t = (unsigned)(r % 7 < 3 ? r % 10 : r % TEXTS);
		uint64_t dup;
		assert_int_equal(yq_dedup_add(d, key, yq_mix64(t + 77), text[t], strlen(text[t]), &dup), 0);
		uint64_t age = stored_at[t] ? nstored + 1 - stored_at[t] : 0;
		uint64_t want = (stored_at[t] && age <= WINDOW) ? root[t] : 0;
		assert_int_equal(dup, want);
		if (!want) {
			root[t] = key;
			stored_at[t] = ++nstored;
		} else if (age > WINDOW / 2) {
			stored_at[t] = ++nstored;
		}
	}
	struct yq_dedup_stats st;
	yq_dedup_stats(d, &st);
	assert_int_equal(st.stored, nstored);
	assert_int_equal(st.evicted, nstored - WINDOW);
	yq_dedup_free(d);
}

/* Short groups are stars: a post that joined by bigrams is not a
 * candidate for later posts. */
static void test_short_star(void **state)
{
	(void)state;
	struct yq_dedup *d;
	assert_int_equal(yq_dedup_new(NULL, &d), 0);
	assert_int_equal(add_text(d, 1, "#本市发布新冠肺炎疫情防控通告#"), 0);
	assert_int_equal(add_text(d, 2, "#本市发布新冠肺炎疫情防控通告#加油"), 1);
	assert_int_equal(add_text(d, 3, "#本市发布新冠肺炎疫情防控通告#害怕"), 1);
	/* 4 added characters: too far from 1; 2 is not a candidate */
	assert_int_equal(add_text(d, 4, "#本市发布新冠肺炎疫情防控通告#加油大家"), 0);
	/* an exact copy of a joined post still joins its root */
	assert_int_equal(add_text(d, 5, "#本市发布新冠肺炎疫情防控通告#加油"), 1);
	/* a substituted comment is not an added one, but one character
	 * substituted inside a comment reads as a typo of it */
	assert_int_equal(add_text(d, 6, "#本市发布新冠肺炎疫情防控通告#加班大家"), 4);
	assert_int_equal(add_text(d, 7, "#本市发布新冠肺炎疫情防控通告#大家害怕"), 0);
	yq_dedup_free(d);
}

/*
 * Brute-force reference for short texts: every post gets SimHash 0, so the
 * block index offers every indexed entry (window 32 < the scan depth) and
 * the result must equal the pair test applied to all remembered posts
 * (most similar wins, ties the newest).  Texts over a 16-letter alphabet,
 * many of them edits of recent ones; 20,000 posts through a 32-post window.
 */
enum { MW = 32, MAXT = 40 };
struct mpost {
	char text[MAXT + 1];
	uint64_t key, root;
	int indexed;
};

/* The framed bigram multiset of t ("^a", "ab", ..., "z$") as a set: the
 * r-th repeat of a bigram is the element bigram | r << 16. */
static size_t mset(const char *t, uint32_t *v)
{
	size_t n = strlen(t), k = 0;
	v[k++] = (uint32_t)'^' << 8 | (unsigned char)t[0];
	for (size_t i = 0; i + 1 < n; i++)
		v[k++] = (uint32_t)(unsigned char)t[i] << 8 | (unsigned char)t[i + 1];
	v[k++] = (uint32_t)(unsigned char)t[n - 1] << 8 | '$';
	for (size_t i = 0; i < k; i++) {
		uint32_t r = 0;
		for (size_t j = 0; j < i; j++)
			r += (v[j] & 0xFFFF) == v[i];
		v[i] |= r << 16;
	}
	return k;
}

/* The pair test on two short texts; returns the Jaccard or -1. */
static double mpair(const char *a, const char *b)
{
	uint32_t va[MAXT + 1], vb[MAXT + 1];
	size_t na = mset(a, va), nb = mset(b, vb), common = 0;
	for (size_t i = 0; i < na; i++)
		for (size_t j = 0; j < nb; j++)
			common += va[i] == vb[j];
	size_t lo = na < nb ? na : nb;
	double jac = (double)common / (double)(na + nb - common);
	if (lo - common <= 1 && jac >= 0.8)
		return jac;
	/* a typo: same length (>= 8), two elements apart on each side, none a
	 * frame bigram (the alphabet has no digits) */
	if (strlen(a) != strlen(b) || strlen(a) < 8)
		return -1;
	size_t ma = 0, mb = 0;
	for (int side = 0; side < 2; side++) {
		const uint32_t *x = side ? vb : va, *y = side ? va : vb;
		size_t nx = side ? nb : na, ny = side ? na : nb;
		for (size_t i = 0; i < nx; i++) {
			int found = 0;
			for (size_t j = 0; j < ny && !found; j++)
				found = x[i] == y[j];
			if (found)
				continue;
			if ((x[i] & 0xFF) == '$' || ((x[i] >> 8) & 0xFF) == '^')
				return -1;
			*(side ? &mb : &ma) += 1;
		}
	}
	return ma == 2 && mb == 2 ? jac : -1;
}

static void test_short_model(void **state)
{
	(void)state;
	struct yq_dedup_config c;
	struct yq_dedup *d;
	static struct mpost ring[MW];
	static char recent[64][MAXT + 1];
	size_t nstored = 0;
	uint64_t r = 99, joined = 0, differ = 0;
	yq_dedup_config_default(&c);
	c.window = MW;
	assert_int_equal(yq_dedup_new(&c, &d), 0);
	for (uint64_t key = 1; key <= 20000; key++) {
		char t[MAXT + 1];
		r = yq_mix64(r + key);
		size_t len;
		if (r % 4 == 0 || !recent[(r >> 8) % 64][0]) {
			len = 4 + (size_t)(r >> 8) % 33;
			for (size_t i = 0; i < len; i++)
				t[i] = (char)('a' + (yq_mix64(r + i) >> 20) % 16);
		} else {
			/* edit a recent text: append, cut, replace or copy */
			strcpy(t, recent[(r >> 8) % 64]);
			len = strlen(t);
			size_t at = (size_t)(r >> 16) % len;
			char ch = (char)('a' + (r >> 24) % 16);
			switch ((r >> 4) % 4) {
			case 0:
				if (len < MAXT)
					t[len++] = ch;
				break;
			case 1:
				if (len > 2)
					memmove(t + at, t + at + 1, len-- - at);
				break;
			case 2:
				t[at] = ch;
				break;
			}
		}
		t[len] = 0;
		strcpy(recent[key % 64], t);

		/* the model */
		uint64_t want = 0;
		int store = 0, indexed = 1, copy = 0;
		size_t newest = nstored;
		for (size_t age = 1; age <= nstored && age <= MW; age++) {
			const struct mpost *m = &ring[(newest - age) % MW];
			if (strcmp(m->text, t) == 0) {
				copy = 1;
				want = m->root;
				store = age > MW / 2;
				indexed = m->indexed;
				break;
			}
		}
		if (!want) {
			double best = -1;
			for (size_t age = 1; age <= nstored && age <= MW; age++) {
				const struct mpost *m = &ring[(newest - age) % MW];
				double sim = m->indexed ? mpair(t, m->text) : -1;
				if (sim > best) {
					best = sim;
					want = m->root;
				}
			}
			store = 1;
			indexed = want == 0;
		}
		uint64_t dup;
		assert_int_equal(yq_dedup_add(d, key, 0, t, len, &dup), 0);
		if (dup != want) {
			/* dedup's 14-bit bigram hashes collide where the model's
			 * exact bigrams do not (the 16 letters make 288 bigrams,
			 * a few of which always share a hash): the model then
			 * follows dedup, and the disagreements are counted */
			if (copy)
				fail_msg("post %llu '%s': dup_of %llu, model %llu (exact copy)",
					 (unsigned long long)key, t, (unsigned long long)dup,
					 (unsigned long long)want);
			differ++;
			want = dup;
			indexed = dup == 0;
		}
		joined += want != 0;
		if (store) {
			struct mpost *m = &ring[nstored % MW];
			strcpy(m->text, t);
			m->key = key;
			m->root = want ? want : key;
			m->indexed = indexed;
			nstored++;
		}
	}
	assert_true(joined > 5000);
	printf("# short model: %llu of 20000 posts joined differently from exact bigrams\n",
	       (unsigned long long)differ);
	assert_int_equal(differ, 13);
	/* memory: the multisets of at most MW remembered posts */
	struct yq_dedup *empty;
	struct yq_dedup_stats st, st0;
	assert_int_equal(yq_dedup_new(&c, &empty), 0);
	yq_dedup_stats(empty, &st0);
	yq_dedup_stats(d, &st);
	yq_dedup_free(empty);
	assert_true(st.bytes > st0.bytes);
	assert_true(st.bytes - st0.bytes <= MW * (72 + 4 * (MAXT + 1)));
	yq_dedup_free(d);
}

/* ---- real data ---- */

/* Appends cp to out (valid UTF-8). */
static size_t put_cp(char *out, size_t k, int32_t cp)
{
	return k + (size_t)yq_utf8_encode((uint32_t)cp, out + k);
}

static int is_cjk(int32_t c)
{
	return (c >= 0x4E00 && c <= 0x9FFF) || (c >= 0x3400 && c <= 0x4DBF);
}

static int is_alnum(int32_t c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= 0xFF10 && c <= 0xFF19) || (c >= 0xFF21 && c <= 0xFF3A) ||
	       (c >= 0xFF41 && c <= 0xFF5A);
}

/*
 * content_of: a stand-in for the content tokens of text/tokenize.h on
 * whitespace-free text s[0..n): drops [emoticon] tags, @mentions (up to a
 * colon or a character that cannot be in a name), URLs, punctuation and
 * symbols (including the '?' that replaced emoji); keeps CJK, letters,
 * digits and the '#' of topics.  out has room for n + 1 bytes.
 */
static size_t content_of(const char *s, size_t n, char *out)
{
	size_t i = 0, k = 0;
	while (i < n) {
		if (s[i] == '[') {
			size_t j = i + 1;
			while (j < n && j - i < 32 && s[j] != ']' && s[j] != '[')
				j++;
			if (j < n && s[j] == ']') {
				i = j + 1;
				continue;
			}
		}
		if (s[i] == '@') {
			i++;
			while (i < n) {
				size_t j = i;
				int32_t c = yq_utf8_next(s, n, &j);
				if (!(is_cjk(c) || is_alnum(c) || c == '_' || c == '-'))
					break;
				i = j;
			}
			continue;
		}
		if (n - i > 7 && (strncmp(s + i, "http://", 7) == 0 || strncmp(s + i, "https://", 8) == 0)) {
			while (i < n && (unsigned char)s[i] < 0x80)
				i++;
			continue;
		}
		int32_t c = yq_utf8_next(s, n, &i);
		if (is_cjk(c) || is_alnum(c) || c == '#')
			k = put_cp(out, k, c);
	}
	out[k] = 0;
	return k;
}

/* Drops ASCII whitespace and U+3000 from s (in place); returns the length. */
static size_t strip_space(char *s)
{
	size_t k = 0;
	for (size_t i = 0; s[i];) {
		if (s[i] == ' ' || s[i] == '\t' || s[i] == '\r' || s[i] == '\n') {
			i++;
			continue;
		}
		if (strncmp(s + i, "\xE3\x80\x80", 3) == 0) {
			i += 3;
			continue;
		}
		s[k++] = s[i++];
	}
	s[k] = 0;
	return k;
}

struct post {
	char *text;    /* whitespace-stripped raw text */
	char *content; /* content_of(text) */
	size_t ncontent;
	uint64_t sh;
	uint64_t dup;
};

/* Reads up to max posts (after the header) from the COVID stream, inserting
 * the two emoticon-only fixture posts "[怒][怒][怒]" and "[赞][赞][赞]"
 * (written here, not data) every 1000 posts. */
static size_t read_posts(struct post *p, size_t max)
{
	const char *dir = getenv("YQ_DATA");
	char path[4096];
	static char line[1 << 17];
	assert_non_null(dir);
	snprintf(path, sizeof(path), "%s/weibo_covid/posts.tsv.gz", dir);
	gzFile f = gzopen(path, "rb");
	assert_non_null(f);
	size_t n = 0;
	assert_non_null(gzgets(f, line, sizeof(line))); /* header */
	while (n < max && gzgets(f, line, sizeof(line))) {
		char *t = line;
		for (int tab = 0; tab < 3 && t; tab++) {
			t = strchr(t, '\t');
			if (t)
				t++;
		}
		if (!t)
			continue;
		const char *src = t;
		if (n % 1000 == 500 && n + 2 < max) {
			for (int e = 0; e < 2; e++) {
				p[n].text = strdup(e ? "[赞][赞][赞]" : "[怒][怒][怒]");
				assert_non_null(p[n].text);
				n++;
			}
		}
		p[n].text = strdup(src);
		assert_non_null(p[n].text);
		n++;
	}
	gzclose(f);
	for (size_t i = 0; i < n; i++) {
		size_t len = strip_space(p[i].text);
		p[i].content = malloc(len + 1);
		assert_non_null(p[i].content);
		p[i].ncontent = content_of(p[i].text, len, p[i].content);
		p[i].sh = yq_simhash_bigrams(p[i].content, p[i].ncontent);
	}
	return n;
}

static void free_posts(struct post *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(p[i].text);
		free(p[i].content);
	}
	free(p);
}

/* CPU seconds of this process: steadier than wall time on a shared machine. */
static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static int cmp_text(const void *a, const void *b)
{
	const struct post *const *x = a, *const *y = b;
	int c = strcmp((*x)->text, (*y)->text);
	if (c)
		return c;
	return (*x > *y) - (*x < *y);
}

/*
 * First 20,000 posts: every pair with identical whitespace-stripped text
 * (and some content) is in one group; emoticon-only posts never merge; 200
 * merged non-identical pairs (post, its group's root) are sampled for
 * reading.
 */
static void test_real_quality(void **state)
{
	(void)state;
	enum { N = 20000 + 40 };
	struct post *p = calloc(N, sizeof(*p));
	assert_non_null(p);
	size_t n = read_posts(p, N);
	assert_int_equal(n, N);
	struct yq_dedup *d;
	assert_int_equal(yq_dedup_new(NULL, &d), 0);
	for (size_t i = 0; i < n; i++)
		assert_int_equal(yq_dedup_add(d, i + 1, p[i].sh, p[i].content, p[i].ncontent,
					      &p[i].dup), 0);

	/* identical texts share a group */
	struct post **by = malloc(n * sizeof(*by));
	assert_non_null(by);
	for (size_t i = 0; i < n; i++)
		by[i] = &p[i];
	qsort(by, n, sizeof(*by), cmp_text);
	size_t pairs = 0, together = 0, emoticon = 0;
	for (size_t i = 0, j; i < n; i = j) {
		for (j = i + 1; j < n && strcmp(by[i]->text, by[j]->text) == 0; j++)
			;
		if (by[i]->ncontent == 0)
			continue;
		uint64_t g0 = by[i]->dup ? by[i]->dup : (uint64_t)(by[i] - p) + 1;
		for (size_t k = i + 1; k < j; k++) {
			uint64_t g = by[k]->dup ? by[k]->dup : (uint64_t)(by[k] - p) + 1;
			pairs += 1;
			together += g == g0;
		}
	}
	/* emoticon-only posts: not merged, and no post merged into them */
	for (size_t i = 0; i < n; i++) {
		if (p[i].ncontent)
			continue;
		emoticon++;
		assert_int_equal(p[i].dup, 0);
	}
	for (size_t i = 0; i < n; i++)
		if (p[i].dup)
			assert_true(p[p[i].dup - 1].ncontent > 0);
	assert_int_equal(emoticon, 40);

	/* merged pairs that are not identical: sample 200 evenly */
	size_t near = 0, groups = 0;
	for (size_t i = 0; i < n; i++) {
		groups += p[i].ncontent && !p[i].dup;
		near += p[i].dup && strcmp(p[i].text, p[p[i].dup - 1].text) != 0;
	}
	const char *out = getenv("YQ_DEDUP_PAIRS");
	FILE *f = out ? fopen(out, "w") : NULL;
	size_t step = near / 200 ? near / 200 : 1, seen = 0, shown = 0;
	for (size_t i = 0; i < n && shown < 200; i++) {
		if (!p[i].dup || strcmp(p[i].text, p[p[i].dup - 1].text) == 0)
			continue;
		if (seen++ % step)
			continue;
		const struct post *r = &p[p[i].dup - 1];
		if (f)
			fprintf(f, "%zu\t%llu\t%d\nA: %s\nB: %s\n\n", i + 1,
				(unsigned long long)p[i].dup, yq_hamming(p[i].sh, r->sh), r->text,
				p[i].text);
		if (shown < 4)
			printf("# pair %zu: %.120s\n#      ~ %.120s\n", shown, r->text, p[i].text);
		shown++;
	}
	if (f)
		fclose(f);
	struct yq_dedup_stats st;
	yq_dedup_stats(d, &st);
	printf("# first %zu posts: %zu groups; identical pairs %zu, together %zu; "
	       "merged non-identical %zu (exact content %llu, simhash %llu, lsh %llu)\n",
	       n, groups, pairs, together, near, (unsigned long long)st.exact,
	       (unsigned long long)st.near_simhash, (unsigned long long)st.near_lsh);
	assert_true(pairs > 1000);
	assert_int_equal(together, pairs);
	free(by);
	yq_dedup_free(d);
	free_posts(p, n);
}

/* Speed of yq_dedup_add on 100,000 real posts (SimHash precomputed), in
 * CPU time, printed with a reference measured in the same run. */
static void test_real_speed(void **state)
{
	(void)state;
	enum { N = 100000 };
	struct post *p = calloc(N, sizeof(*p));
	assert_non_null(p);
	size_t n = read_posts(p, N);
	assert_int_equal(n, N);
	struct yq_dedup *d;
	assert_int_equal(yq_dedup_new(NULL, &d), 0);
	double t0 = now_s();
	for (size_t i = 0; i < n; i++)
		assert_int_equal(yq_dedup_add(d, i + 1, p[i].sh, p[i].content, p[i].ncontent,
					      &p[i].dup), 0);
	double t1 = now_s();
	/* reference in the same run: computing the bigram SimHashes */
	uint64_t x = 0;
	for (size_t i = 0; i < n; i++)
		x ^= yq_simhash_bigrams(p[i].content, p[i].ncontent);
	double t2 = now_s();
	struct yq_dedup_stats st;
	yq_dedup_stats(d, &st);
	struct yq_dedup *empty;
	struct yq_dedup_stats st0;
	assert_int_equal(yq_dedup_new(NULL, &empty), 0);
	yq_dedup_stats(empty, &st0);
	yq_dedup_free(empty);
	printf("# dedup_add: %zu posts in %.3f s CPU = %.0f posts/s, %.2f us/post; "
	       "candidates/post %.2f; stored %llu (reference: simhash_bigrams %.2f us/post, %llx)\n",
	       n, t1 - t0, n / (t1 - t0), (t1 - t0) * 1e6 / n, (double)st.candidates / n,
	       (unsigned long long)st.stored, (t2 - t1) * 1e6 / n, (unsigned long long)(x & 0xF));
	printf("# memory: %.1f MiB for an empty window of 500000 (%.1f bytes/slot); "
	       "bigram sets %.1f bytes per stored post\n",
	       st0.bytes / 1048576.0, (double)st0.bytes / 500000,
	       (double)(st.bytes - st0.bytes) / (double)st.stored);
	assert_int_equal(st.posts, n);
	yq_dedup_free(d);
	free_posts(p, n);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_config),
		cmocka_unit_test(test_keys_and_empty),
		cmocka_unit_test(test_short_texts),
		cmocka_unit_test(test_short_needs_bigrams),
		cmocka_unit_test(test_long_texts_and_roots),
		cmocka_unit_test(test_window_model),
		cmocka_unit_test(test_short_star),
		cmocka_unit_test(test_short_model),
		cmocka_unit_test(test_real_quality),
		cmocka_unit_test(test_real_speed),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
