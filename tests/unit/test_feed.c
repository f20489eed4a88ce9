/* test_feed.c — RSS/Atom parsing (collect/feed.h): the field cases of area
 * "feed" and those of area "encoding" whose expectation is an item title,
 * then the fixtures in tests/cases/feed/ (RSS 2.0 with content:encoded,
 * RSS 1.0, Atom with xml:base, a truncated feed, GBK, Big5, an HTML page). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/error.h"
#include "base/utf8.h"
#include "collect/feed.h"
#include "text/normalize.h"

#include <unicode/ucnv.h>

static struct yq_tz *shanghai, *utc;

static int setup(void **state)
{
	(void)state;
	return yq_tz_open("Asia/Shanghai", &shanghai) || yq_tz_open("UTC", &utc);
}

static int teardown(void **state)
{
	(void)state;
	yq_tz_free(shanghai);
	yq_tz_free(utc);
	return 0;
}

/* ---- helpers ---- */

static json_t *field_case(const char *id)
{
	char path[1024];
	const char *dir = getenv("YQ_CASES");
	if (dir)
		snprintf(path, sizeof path, "%s/field_cases.jsonl", dir);
	else
		snprintf(path, sizeof path, "%s/../shared/cases/field_cases.jsonl",
			 getenv("YQ_SRC") ? getenv("YQ_SRC") : ".");
	FILE *f = fopen(path, "r");
	assert_non_null(f);
	char *line = NULL;
	size_t cap = 0;
	json_t *found = NULL;
	while (!found && getline(&line, &cap, f) > 0) {
		json_t *o = json_loads(line, 0, NULL);
		if (o && strcmp(json_string_value(json_object_get(o, "id")), id) == 0)
			found = o;
		else
			json_decref(o);
	}
	free(line);
	fclose(f);
	assert_non_null(found);
	return found;
}

static const char *str(json_t *o, const char *a, const char *b)
{
	json_t *v = json_object_get(json_object_get(o, a), b);
	return v ? json_string_value(v) : NULL;
}

static char *unhex(const char *h, size_t *n)
{
	size_t l = strlen(h);
	char *b = malloc(l / 2 + 1);
	assert_non_null(b);
	for (size_t i = 0; i < l / 2; i++) {
		unsigned v;
		assert_int_equal(sscanf(h + 2 * i, "%2x", &v), 1);
		b[i] = (char)v;
	}
	*n = l / 2;
	return b;
}

/* parse_case: the case's xml (or bytes_hex) parsed into f. */
static json_t *parse_case(const char *id, struct yq_feed *f)
{
	json_t *c = field_case(id);
	struct yq_buf err = YQ_BUF_INIT;
	const char *xml = str(c, "input", "xml");
	size_t n;
	char *b = xml ? strdup(xml) : unhex(str(c, "input", "bytes_hex"), &n);
	if (xml)
		n = strlen(xml);
	assert_int_equal(yq_feed_parse(b, n, NULL, NULL, shanghai, f, &err), 0);
	free(b);
	yq_buf_release(&err);
	return c;
}

static char *slurp(const char *name, size_t *n)
{
	char path[1024];
	snprintf(path, sizeof path, "%s/tests/cases/feed/%s",
		 getenv("YQ_SRC") ? getenv("YQ_SRC") : ".", name);
	FILE *f = fopen(path, "rb");
	assert_non_null(f);
	char *b = malloc(1 << 16);
	assert_non_null(b);
	*n = fread(b, 1, 1 << 16, f);
	fclose(f);
	return b;
}

static void parse_file(const char *name, const char *base, struct yq_feed *f)
{
	size_t n;
	char *b = slurp(name, &n);
	struct yq_buf err = YQ_BUF_INIT;
	int rc = yq_feed_parse(b, n, NULL, base, shanghai, f, &err);
	if (rc)
		fprintf(stderr, "%s: %s\n", name, err.s);
	assert_int_equal(rc, 0);
	free(b);
	yq_buf_release(&err);
}

static int64_t iso(const char *s)
{
	int64_t t;
	assert_int_equal(yq_time_parse(s, strlen(s), 0, utc, &t), 0);
	return t;
}

/* ---- field cases ---- */

static void test_feed01_escaped_cdata(void **state)
{
	(void)state;
	struct yq_feed f;
	json_t *c = parse_case("feed-01", &f);
	assert_int_equal(f.n, 1);
	assert_string_equal(f.items[0].text, str(c, "expected", "item_text"));
	assert_string_equal(f.items[0].title, "公告");
	assert_string_equal(f.items[0].id, "u1");
	yq_feed_release(&f);
	json_decref(c);
}

static void test_feed03_missing_date(void **state)
{
	(void)state;
	struct yq_feed f;
	json_t *c = parse_case("feed-03", &f);
	json_t *exp = json_object_get(c, "expected");
	json_t *pub = json_object_get(exp, "published");
	assert_int_equal(f.n, json_integer_value(json_object_get(exp, "items")));
	for (size_t i = 0; i < f.n; i++) {
		json_t *p = json_array_get(pub, i);
		if (json_is_null(p)) {
			assert_int_equal(f.items[i].time_ok, 0);
		} else {
			assert_int_equal(f.items[i].time_ok, 1);
			assert_int_equal(f.items[i].time, iso(json_string_value(p)));
		}
	}
	assert_string_equal(f.items[1].title, "乙");
	assert_string_equal(f.items[1].id, "b");
	yq_feed_release(&f);
	json_decref(c);
}

static void test_feed05_base_file(void **state)
{
	(void)state;
	struct yq_feed f;
	json_t *c = parse_case("feed-05", &f);
	assert_int_equal(f.n, 1);
	assert_string_equal(f.items[0].link, str(c, "expected", "link"));
	assert_string_equal(f.items[0].id, str(c, "expected", "link")); /* no guid: the link */
	yq_feed_release(&f);
	json_decref(c);
}

static void test_feed06_title_entities(void **state)
{
	(void)state;
	struct yq_feed f;
	json_t *c = parse_case("feed-06", &f);
	assert_int_equal(f.n, 1);
	assert_string_equal(f.items[0].title, str(c, "expected", "title"));
	yq_feed_release(&f);
	json_decref(c);
}

static void test_enc01_gbk_title(void **state)
{
	(void)state;
	struct yq_feed f;
	json_t *c = parse_case("enc-01", &f);
	assert_int_equal(f.n, 1);
	assert_string_equal(f.items[0].title, str(c, "expected", "title"));
	assert_string_equal(f.enc.charset, "gb18030");
	assert_string_equal(f.enc.why, "xml-declaration");
	assert_int_equal(f.malformed, 0);
	yq_feed_release(&f);
	json_decref(c);
}

static void test_enc03_bozo(void **state)
{
	(void)state;
	struct yq_feed f;
	json_t *c = parse_case("enc-03", &f);
	assert_int_equal(f.n, 1);
	assert_string_equal(f.items[0].title, str(c, "expected", "title"));
	assert_string_equal(f.enc.charset, str(c, "expected", "decoded_with"));
	assert_int_equal(f.malformed, json_is_true(json_object_get(json_object_get(c, "expected"),
								    "malformed_flag")));
	yq_feed_release(&f);
	json_decref(c);
}

static void test_enc04_big5_title(void **state)
{
	(void)state;
	struct yq_feed f;
	json_t *c = parse_case("enc-04", &f);
	assert_int_equal(f.n, 1);
	assert_string_equal(f.items[0].title, str(c, "expected", "title"));
	assert_string_equal(f.enc.charset, "big5");
	struct yq_normalizer *nz;
	struct yq_buf err = YQ_BUF_INIT;
	struct yq_norm_result r = {0};
	assert_int_equal(yq_normalizer_new(&nz, &err), 0);
	assert_int_equal(yq_normalize(nz, f.items[0].title, strlen(f.items[0].title), &r), 0);
	assert_string_equal(r.text.s, str(c, "expected", "simplified"));
	yq_norm_result_release(&r);
	yq_normalizer_free(nz);
	yq_buf_release(&err);
	yq_feed_release(&f);
	json_decref(c);
}

/* ---- fixtures ---- */

static void test_rss2(void **state)
{
	(void)state;
	struct yq_feed f;
	parse_file("rss2_content.xml", "https://news.example.cn/hexi/rss.xml", &f);
	assert_int_equal(f.malformed, 0);
	assert_string_equal(f.enc.charset, "utf-8");
	assert_string_equal(f.enc.why, "xml-declaration");
	assert_string_equal(f.title, "河西区应急管理 & 通知");
	assert_string_equal(f.link, "https://news.example.cn/hexi/");
	assert_int_equal(f.n, 4);

	struct yq_feed_item *it = &f.items[0];
	assert_string_equal(it->id, "hexi-101");
	assert_string_equal(it->title, "暴雨橙色预警 — 第2号");
	assert_string_equal(it->link, "https://news.example.cn/hexi/2023/0512/101.html");
	assert_string_equal(it->text, "今晚到明天有暴雨，局地大暴雨。\n请注意防范[泪] …");
	assert_string_equal(it->author, "应急办");
	assert_int_equal(it->time_ok, 1);
	assert_int_equal(it->time, 1683855000);

	it = &f.items[1];
	assert_string_equal(it->title, "停水通知");
	assert_string_equal(it->text, "5月13日 8:00–18:00 停水\n涉及 a < b 路段");
	assert_string_equal(it->link, "https://news.example.cn/hexi/2023/0512/102.html");
	assert_string_equal(it->id, "https://news.example.cn/hexi/2023/0512/102.html");
	assert_string_equal(it->author, "ops@example.cn (水务)");
	assert_int_equal(it->time_ok, 1); /* CST in an Asia/Shanghai source: +08:00 */
	assert_int_equal(it->time, 1683870300);

	it = &f.items[2];
	assert_string_equal(it->id, "https://news.example.cn/hexi/103.html");
	assert_int_equal(it->time_ok, 0); /* a year-less date is never completed */
	assert_null(it->author);

	it = &f.items[3];
	assert_string_equal(it->title, "只有标题");
	assert_string_equal(it->text, "");
	assert_null(it->link);
	assert_int_equal(strlen(it->id), 17);
	assert_int_equal(it->id[0], 'h');
	char id3[32];
	strcpy(id3, it->id);
	yq_feed_release(&f);

	/* identity is stable across reads; without a base, relative links are
	 * NULL; CST outside a +08:00 zone is unreadable */
	size_t n;
	char *b = slurp("rss2_content.xml", &n);
	struct yq_buf err = YQ_BUF_INIT;
	struct yq_tz *ny;
	assert_int_equal(yq_tz_open("Europe/Berlin", &ny), 0);
	assert_int_equal(yq_feed_parse(b, n, NULL, NULL, ny, &f, &err), 0);
	assert_string_equal(f.items[3].id, id3);
	assert_null(f.items[0].link);
	assert_string_equal(f.items[0].id, "hexi-101");
	assert_int_equal(f.items[0].time, 1683855000);
	assert_int_equal(f.items[1].time_ok, 0);
	yq_feed_release(&f);
	yq_tz_free(ny);
	yq_buf_release(&err);
	free(b);
}

static void test_rss1(void **state)
{
	(void)state;
	struct yq_feed f;
	parse_file("rss1_rdf.xml", NULL, &f);
	assert_int_equal(f.malformed, 0);
	assert_string_equal(f.title, "论坛新帖");
	assert_string_equal(f.link, "https://bbs.example.cn/");
	assert_int_equal(f.n, 2);
	assert_string_equal(f.items[0].id, "https://bbs.example.cn/t/1");
	assert_string_equal(f.items[0].link, "https://bbs.example.cn/t/1");
	assert_string_equal(f.items[0].title, "小区停电了吗");
	assert_string_equal(f.items[0].text, "楼里全黑了，有人知道原因吗？");
	assert_string_equal(f.items[0].author, "居民甲");
	assert_int_equal(f.items[0].time_ok, 1);
	assert_int_equal(f.items[0].time, 1683896700);
	assert_string_equal(f.items[1].id, "urn:bbs:t2");
	assert_null(f.items[1].author);
	assert_int_equal(f.items[1].time_ok, 1); /* a W3CDTF date: midnight in the source's zone */
	assert_int_equal(f.items[1].time, 1683820800);
	yq_feed_release(&f);
}

static void test_atom(void **state)
{
	(void)state;
	struct yq_feed f;
	parse_file("atom_base.xml", "https://elsewhere.example.com/feed", &f);
	assert_int_equal(f.malformed, 0);
	assert_string_equal(f.title, "政务公开");
	assert_string_equal(f.link, "https://gov.example.cn/news/");
	assert_int_equal(f.n, 3);

	struct yq_feed_item *it = &f.items[0];
	assert_string_equal(it->id, "tag:gov.example.cn,2023:a1");
	assert_string_equal(it->title, "关于 <暴雨> 的通告");
	assert_string_equal(it->link, "https://gov.example.cn/news/2023/05/12/a1.html");
	assert_string_equal(it->text, "全市启动IV级应急响应。");
	assert_string_equal(it->author, "新闻办"); /* the feed's author */
	assert_int_equal(it->time, 1683849600);    /* published wins over updated */

	it = &f.items[1];
	assert_string_equal(it->title, "防汛 通知 a<b");
	assert_string_equal(it->link, "https://gov.example.cn/archive/b2.html");
	assert_string_equal(it->text, "第一段\n第二段 & 结尾");
	assert_string_equal(it->author, "防汛办");
	assert_int_equal(it->time_ok, 1);
	assert_int_equal(it->time, 1683856800);

	it = &f.items[2];
	assert_string_equal(it->title, "纯文本 <标题>"); /* type="text": taken as it is */
	assert_null(it->link);                         /* javascript: is no link */
	assert_string_equal(it->text, "第一行\n第二行");
	assert_int_equal(it->time_ok, 0);
	assert_int_equal(it->id[0], 'h');
	yq_feed_release(&f);
}

static void test_truncated(void **state)
{
	(void)state;
	struct yq_feed f;
	parse_file("truncated.xml", NULL, &f);
	assert_int_equal(f.malformed, 1);
	assert_string_equal(f.title, "截断");
	assert_int_equal(f.n, 2);
	assert_string_equal(f.items[0].id, "t1");
	assert_string_equal(f.items[0].text, "完整");
	assert_string_equal(f.items[1].id, "t2");
	assert_string_equal(f.items[1].title, "第二条");
	yq_feed_release(&f);
}

static void test_gbk_big5(void **state)
{
	(void)state;
	struct yq_feed f;
	parse_file("gbk.xml", NULL, &f);
	assert_string_equal(f.enc.charset, "gb18030");
	assert_int_equal(f.enc.replaced, 0);
	assert_string_equal(f.title, "本地论坛");
	assert_int_equal(f.n, 1);
	assert_string_equal(f.items[0].title, "暴雨预警：堃镕");
	assert_string_equal(f.items[0].text, "市气象台发布暴雨橙色预警");
	assert_int_equal(f.items[0].time, 1683853200);
	yq_feed_release(&f);

	parse_file("big5.xml", NULL, &f);
	assert_string_equal(f.enc.charset, "big5");
	assert_int_equal(f.enc.replaced, 0);
	assert_string_equal(f.title, "臺灣新聞");
	assert_string_equal(f.items[0].title, "颱風警報");
	assert_string_equal(f.items[0].text, "中央氣象局發布海上颱風警報");
	yq_feed_release(&f);

	/* UTF-16 with a BOM, its declaration naming UTF-16 */
	const char *u8 = "<?xml version=\"1.0\" encoding=\"UTF-16\"?><rss><channel><item>"
			 "<title>停电</title><guid>u</guid></item></channel></rss>";
	char u16[512];
	UErrorCode st = U_ZERO_ERROR;
	int32_t ul = ucnv_convert("UTF-16LE", "UTF-8", u16 + 2, sizeof u16 - 2, u8,
				  (int32_t)strlen(u8), &st);
	assert_true(U_SUCCESS(st));
	u16[0] = '\xFF';
	u16[1] = '\xFE';
	struct yq_buf e16 = YQ_BUF_INIT;
	assert_int_equal(yq_feed_parse(u16, (size_t)ul + 2, NULL, NULL, shanghai, &f, &e16), 0);
	assert_string_equal(f.enc.charset, "utf-16le");
	assert_string_equal(f.enc.why, "bom");
	assert_int_equal(f.n, 1);
	assert_string_equal(f.items[0].title, "停电");
	yq_feed_release(&f);
	yq_buf_release(&e16);

	/* the HTTP charset is wrong (utf-8) for GBK bytes: overruled */
	size_t n;
	char *b = slurp("gbk.xml", &n);
	struct yq_buf err = YQ_BUF_INIT;
	assert_int_equal(yq_feed_parse(b, n, "utf-8", NULL, shanghai, &f, &err), 0);
	assert_string_equal(f.enc.charset, "gb18030");
	assert_int_equal(f.enc.declared_mismatch, 1);
	assert_string_equal(f.items[0].title, "暴雨预警：堃镕");
	yq_feed_release(&f);
	yq_buf_release(&err);
	free(b);
}

static void expect_not_feed(const char *doc, size_t n, const char *why)
{
	struct yq_feed f;
	struct yq_buf err = YQ_BUF_INIT;
	assert_int_equal(yq_feed_parse(doc, n, NULL, NULL, shanghai, &f, &err), YQ_EFORMAT);
	assert_non_null(strstr(err.s, why));
	assert_int_equal(f.n, 0);
	assert_null(f.items);
	yq_feed_release(&f);
	yq_buf_release(&err);
}

static void test_not_feed(void **state)
{
	(void)state;
	size_t n;
	char *b = slurp("page.html", &n);
	expect_not_feed(b, n, "an HTML page, not a feed");
	free(b);
	expect_not_feed("", 0, "not XML");
	expect_not_feed("just words", 10, "not XML");
	expect_not_feed("<opml><body/></opml>", 20, "the root element is <opml>");
	struct yq_feed f;
	struct yq_buf err = YQ_BUF_INIT;
	assert_int_equal(yq_feed_parse("x", (size_t)YQ_FEED_MAX_BYTES + 1, NULL, NULL, shanghai,
				       &f, &err),
			 YQ_ETOOBIG);
	assert_non_null(strstr(err.s, "64 MiB"));
	yq_feed_release(&f);
	yq_feed_release(NULL);
	yq_buf_release(&err);
}

static void test_repairs(void **state)
{
	(void)state;
	struct yq_feed f;
	struct yq_buf err = YQ_BUF_INIT;
	/* undeclared entities and a bare '<' keep their text; a control
	 * character is dropped; no external entity is ever loaded */
	const char *doc = "<!DOCTYPE rss [<!ENTITY x SYSTEM \"file:///etc/passwd\">]>"
			  "<rss><channel><item><title>a&nbsp;b &mdash; c\x01 &x; 1 < 2</title>"
			  "<description>AT&T &#x4e2d;&#25991;</description></item></channel></rss>";
	assert_int_equal(yq_feed_parse(doc, strlen(doc), NULL, NULL, NULL, &f, &err), 0);
	assert_int_equal(f.n, 1);
	assert_string_equal(f.items[0].title, "a b — c 1 < 2");
	assert_string_equal(f.items[0].text, "AT&T 中文");
	assert_int_equal(f.malformed, 1);
	yq_feed_release(&f);
	doc = "<rss><channel><item><title>气温<零度，路面结冰</title></item></channel></rss>";
	assert_int_equal(yq_feed_parse(doc, strlen(doc), NULL, NULL, NULL, &f, &err), 0);
	assert_string_equal(f.items[0].title, "气温<零度，路面结冰");
	assert_int_equal(f.malformed, 1);
	yq_feed_release(&f);

	/* an internal entity is copied once, not expanded recursively */
	doc = "<!DOCTYPE rss [<!ENTITY a \"停电\"><!ENTITY b \"&a;&a;\">]>"
	      "<rss><channel><item><title>&a;</title><description>&b;</description>"
	      "</item></channel></rss>";
	assert_int_equal(yq_feed_parse(doc, strlen(doc), NULL, NULL, NULL, &f, &err), 0);
	assert_string_equal(f.items[0].title, "停电");
	assert_int_equal(f.malformed, 0);
	yq_feed_release(&f);

	/* the item cap */
	struct yq_buf big = YQ_BUF_INIT;
	yq_buf_adds(&big, "<rss><channel>");
	for (int i = 0; i < YQ_FEED_MAX_ITEMS + 5; i++)
		yq_buf_printf(&big, "<item><guid>%d</guid><title>t</title></item>", i);
	yq_buf_adds(&big, "</channel></rss>");
	assert_int_equal(yq_feed_parse(big.s, big.len, NULL, NULL, NULL, &f, &err), 0);
	assert_int_equal(f.n, YQ_FEED_MAX_ITEMS);
	assert_string_equal(f.items[YQ_FEED_MAX_ITEMS - 1].id, "9999");
	yq_feed_release(&f);
	yq_buf_release(&big);
	yq_buf_release(&err);
}

static void test_html_text(void **state)
{
	(void)state;
	static const char *const cases[][3] = {
		/* input, multi-line text, one-line text */
		{"<p>一</p><p>二</p>", "一\n二", "一 二"},
		{"&lt;![CDATA[<b>x</b>]]&gt;", "<![CDATA[x]]>", "<![CDATA[x]]>"},
		{"<![CDATA[<b>x</b> y]]>", "x y", "x y"},
		{"&amp;quot;", "&quot;", "&quot;"},
		{"&#150;&#x20AC;&#0;&#xD800;", "–€\xEF\xBF\xBD\xEF\xBF\xBD", "–€\xEF\xBF\xBD\xEF\xBF\xBD"},
		{"x<y", "x<y", "x<y"},
		{"a <!-- c --> b", "a b", "a b"},
		{"<style>p{}</style>t<br>u", "t\nu", "t u"},
		{"<img src=a.png alt=\"photo\">无", "无", "无"},
		{"<td>a</td><td>b</td>", "a b", "a b"},
		{"  \t\n ", "", ""},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		for (int one = 0; one < 2; one++) {
			struct yq_buf b = YQ_BUF_INIT;
			assert_int_equal(yq_feed_html_text(cases[i][0], strlen(cases[i][0]), one, &b), 0);
			if (strcmp(b.s, cases[i][1 + one]) != 0)
				fail_msg("html_text(\"%s\", %d) = \"%s\", want \"%s\"", cases[i][0], one,
					 b.s, cases[i][1 + one]);
			yq_buf_release(&b);
		}
	}
}

/* Deterministic mutations of the fixtures (bytes flipped, markup inserted,
 * truncation): the parser returns 0 or YQ_EFORMAT, and every item keeps the
 * invariants — id, title, text non-NULL, all strings valid UTF-8. */
static void check_str(const char *s, int nullable)
{
	if (!s) {
		assert_true(nullable);
		return;
	}
	assert_true(yq_utf8_valid(s, strlen(s)));
}

static void test_mutations(void **state)
{
	(void)state;
	static const char *const files[] = {"rss2_content.xml", "rss1_rdf.xml", "atom_base.xml",
					    "gbk.xml", "big5.xml"};
	static const char *const tok[] = {"<", "&", "]]>", "<![CDATA[", "&#x", ";", ">", "\"",
					  "\x81", "\xe7", "<!--", "</", "&amp;", "<p>",
					  "xml:base=\"", "<?xml ", "&nbsp;", "<!ENTITY a \"&a;\">"};
	unsigned seed = 12345;
	for (size_t fi = 0; fi < sizeof(files) / sizeof(files[0]); fi++) {
		size_t n;
		char *b = slurp(files[fi], &n);
		for (int it = 0; it < 300; it++) {
			char *m = malloc(n + 256);
			assert_non_null(m);
			memcpy(m, b, n);
			size_t mn = n;
			for (int k = 1 + rand_r(&seed) % 6; k > 0; k--) {
				size_t pos = mn ? (size_t)rand_r(&seed) % mn : 0;
				int op = rand_r(&seed) % 4;
				if (op == 0 && mn)
					m[pos] = (char)rand_r(&seed);
				else if (op == 1)
					mn = pos;
				else {
					const char *t = tok[rand_r(&seed) % (sizeof(tok) / sizeof(tok[0]))];
					size_t tl = strlen(t);
					if (mn + tl <= n + 256) {
						memmove(m + pos + tl, m + pos, mn - pos);
						memcpy(m + pos, t, tl);
						mn += tl;
					}
				}
			}
			struct yq_feed f;
			struct yq_buf err = YQ_BUF_INIT;
			int rc = yq_feed_parse(m, mn, it & 1 ? "gbk" : NULL, "https://a.cn/x/f.xml",
					       shanghai, &f, &err);
			assert_true(rc == 0 || rc == YQ_EFORMAT);
			if (rc == YQ_EFORMAT)
				assert_true(err.len > 0);
			for (size_t i = 0; i < f.n; i++) {
				check_str(f.items[i].id, 0);
				check_str(f.items[i].title, 0);
				check_str(f.items[i].text, 0);
				check_str(f.items[i].link, 1);
				check_str(f.items[i].author, 1);
			}
			yq_feed_release(&f);
			yq_buf_release(&err);
			free(m);
		}
		free(b);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_feed01_escaped_cdata),
		cmocka_unit_test(test_feed03_missing_date),
		cmocka_unit_test(test_feed05_base_file),
		cmocka_unit_test(test_feed06_title_entities),
		cmocka_unit_test(test_enc01_gbk_title),
		cmocka_unit_test(test_enc03_bozo),
		cmocka_unit_test(test_enc04_big5_title),
		cmocka_unit_test(test_rss2),
		cmocka_unit_test(test_rss1),
		cmocka_unit_test(test_atom),
		cmocka_unit_test(test_truncated),
		cmocka_unit_test(test_gbk_big5),
		cmocka_unit_test(test_not_feed),
		cmocka_unit_test(test_repairs),
		cmocka_unit_test(test_html_text),
		cmocka_unit_test(test_mutations),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
