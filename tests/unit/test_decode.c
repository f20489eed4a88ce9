/* test_decode.c — charset decoding (collect/decode.h): the field cases of
 * area "encoding" from ../shared/cases/field_cases.jsonl with their expected
 * values, and the decision rules one by one. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/error.h"
#include "collect/decode.h"
#include "collect/reader.h"
#include "text/normalize.h"

/* ---- field cases ---- */

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

/* unhex: the bytes of a hex string (caller frees); *n their count. */
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

static const char *str(json_t *o, const char *a, const char *b)
{
	json_t *v = json_object_get(json_object_get(o, a), b);
	return v ? json_string_value(v) : NULL;
}

struct dec {
	struct yq_buf out;
	struct yq_decode_info info;
};

static void decode(struct dec *d, const char *in, size_t n, const char *http)
{
	yq_buf_init(&d->out);
	assert_int_equal(yq_decode(in, n, http, &d->out, &d->info), 0);
	if (!memchr(in, 0, n))
		assert_int_equal(strlen(d->out.s), d->out.len);
}

static void decode_case(const char *id, struct dec *d, json_t **c)
{
	*c = field_case(id);
	size_t n;
	const char *hex = str(*c, "input", "bytes_hex");
	if (!hex)
		hex = str(*c, "input", "jsonl_bytes_hex");
	char *b = unhex(hex, &n);
	const char *http = str(*c, "input", "declared_charset");
	if (!http)
		http = str(*c, "input", "http_content_type");
	decode(d, b, n, http);
	free(b);
}

static void assert_simplified(const char *in, const char *want)
{
	struct yq_normalizer *nz;
	struct yq_buf err = YQ_BUF_INIT;
	struct yq_norm_result r = {0};
	assert_int_equal(yq_normalizer_new(&nz, &err), 0);
	assert_int_equal(yq_normalize(nz, in, strlen(in), &r), 0);
	assert_string_equal(r.text.s, want);
	yq_norm_result_release(&r);
	yq_normalizer_free(nz);
	yq_buf_release(&err);
}

/* enc-01: a GBK feed declaring gb2312 in its XML declaration. */
static void test_enc01(void **state)
{
	(void)state;
	struct dec d;
	json_t *c;
	decode_case("enc-01", &d, &c);
	char want[64];
	snprintf(want, sizeof want, "<title>%s</title>", str(c, "expected", "title"));
	assert_non_null(strstr(d.out.s, want));
	assert_string_equal(d.info.charset, "gb18030");
	assert_string_equal(d.info.why, "xml-declaration");
	assert_int_equal(d.info.replaced, 0);
	assert_int_equal(d.info.declared_mismatch, 0);
	yq_buf_release(&d.out);
	json_decref(c);
}

/* enc-02: "gb2312" text with the GBK-only pair D5 66. */
static void test_enc02(void **state)
{
	(void)state;
	struct dec d;
	json_t *c;
	decode_case("enc-02", &d, &c);
	assert_string_equal(d.out.s, str(c, "expected", "text"));
	assert_string_equal(d.out.s, "使用說明");
	assert_string_equal(d.info.charset, "gb18030");
	assert_string_equal(d.info.why, "http");
	assert_int_equal(d.info.replaced, 0);
	assert_simplified(d.out.s, str(c, "expected", "simplified"));
	yq_buf_release(&d.out);
	json_decref(c);
}

/* enc-03: gb18030 with a raw '&': the syntax error does not touch the
 * charset decision. */
static void test_enc03(void **state)
{
	(void)state;
	struct dec d;
	json_t *c;
	decode_case("enc-03", &d, &c);
	assert_non_null(strstr(d.out.s, str(c, "expected", "title")));
	assert_string_equal(d.info.charset, str(c, "expected", "decoded_with"));
	assert_string_equal(d.info.why, "xml-declaration");
	assert_int_equal(d.info.replaced, 0);
	yq_buf_release(&d.out);
	json_decref(c);
}

/* enc-04: Big5 declared in XML, charset-less text/xml from HTTP. */
static void test_enc04(void **state)
{
	(void)state;
	struct dec d;
	json_t *c;
	decode_case("enc-04", &d, &c);
	char want[64];
	snprintf(want, sizeof want, "<title>%s</title>", str(c, "expected", "title"));
	assert_non_null(strstr(d.out.s, want));
	assert_string_equal(d.info.charset, "big5");
	assert_string_equal(d.info.why, "xml-declaration");
	assert_int_equal(d.info.replaced, 0);
	assert_simplified(str(c, "expected", "title"), str(c, "expected", "simplified"));
	yq_buf_release(&d.out);
	json_decref(c);
}

/* enc-07: a truncated UTF-8 sequence is replaced and counted, the rest
 * survives; also through the JSON Lines reader. */
static void test_enc07(void **state)
{
	(void)state;
	struct dec d;
	json_t *c;
	decode_case("enc-07", &d, &c);
	char want[128];
	snprintf(want, sizeof want, "{\"t\":\"%s\"}\n{\"t\":\"%s\"}\n",
		 str(c, "expected", "record1_text"), str(c, "expected", "record2_text"));
	assert_string_equal(d.out.s, want);
	assert_string_equal(d.info.charset, "utf-8");
	assert_string_equal(d.info.why, "detected");
	assert_int_equal(d.info.replaced, 1);

	char path[] = "/tmp/yq_test_decode_XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	size_t n;
	char *b = unhex(str(c, "input", "jsonl_bytes_hex"), &n);
	assert_int_equal(write(fd, b, n), (ssize_t)n);
	close(fd);
	free(b);
	struct yq_reader_config cfg = {.format = YQ_FMT_JSONL, .map = "text=t"};
	struct yq_reader *r;
	struct yq_buf err = YQ_BUF_INIT;
	struct yq_post p;
	size_t line;
	assert_int_equal(yq_reader_open(path, &cfg, &r, &err), 0);
	assert_int_equal(yq_reader_next(r, &p, &line, &err), 0);
	assert_string_equal(p.text, str(c, "expected", "record1_text"));
	assert_int_equal(p.bad_utf8, 1);
	assert_int_equal(yq_reader_next(r, &p, &line, &err), 0);
	assert_string_equal(p.text, str(c, "expected", "record2_text"));
	assert_int_equal(p.bad_utf8, 0);
	assert_int_equal(line, 2);
	assert_int_equal(yq_reader_next(r, &p, &line, &err), YQ_EEOF);
	yq_reader_close(r);
	unlink(path);
	yq_buf_release(&err);
	yq_buf_release(&d.out);
	json_decref(c);
}

/* ---- the rules ---- */

#define GBK_BAOYU "\xb1\xa9\xd3\xea" /* 暴雨 */

static void expect(const char *in, size_t n, const char *http, const char *text,
		   const char *charset, const char *why, size_t replaced, int mismatch)
{
	struct dec d;
	decode(&d, in, n, http);
	assert_string_equal(d.out.s, text);
	assert_string_equal(d.info.charset, charset);
	assert_string_equal(d.info.why, why);
	assert_int_equal(d.info.replaced, replaced);
	assert_int_equal(d.info.declared_mismatch, mismatch);
	yq_buf_release(&d.out);
}
#define EXPECT(lit, http, text, cs, why, rep, mis) \
	expect(lit, sizeof(lit) - 1, http, text, cs, why, rep, mis)

static void test_bom(void **state)
{
	(void)state;
	EXPECT("\xEF\xBB\xBF<a>停电</a>", "gbk", "<a>停电</a>", "utf-8", "bom", 0, 0);
	EXPECT("\xFF\xFE<\0a\0>\0\x5c\x50", NULL, "<a>停", "utf-16le", "bom", 0, 0);
	EXPECT("\xFE\xFF\0<\0a\0>\x50\x5c", NULL, "<a>停", "utf-16be", "bom", 0, 0);
	/* a lone surrogate in UTF-16 is replaced, not dropped */
	EXPECT("\xFF\xFE" "a\0\x00\xD8" "b\0", NULL, "a\xEF\xBF\xBD" "b", "utf-16le", "bom", 1, 0);
}

static void test_declared_wrong(void **state)
{
	(void)state;
	/* HTTP says gb2312, the bytes are UTF-8 (invalid in GB18030: E5 before '<'). */
	EXPECT("<p>停电了</p>", "text/html; charset=gb2312", "<p>停电了</p>", "utf-8", "detected",
	       0, 1);
	/* HTTP says utf-8, the XML declaration says gbk and is right. */
	EXPECT("<?xml version=\"1.0\" encoding=\"GBK\"?><t>" GBK_BAOYU "</t>", "UTF-8",
	       "<?xml version=\"1.0\" encoding=\"GBK\"?><t>暴雨</t>", "gb18030", "xml-declaration",
	       0, 1);
	/* us-ascii stays strict, so GBK bytes labelled ascii are detected. */
	EXPECT("<t>" GBK_BAOYU "</t>", "us-ascii", "<t>暴雨</t>", "gb18030", "detected", 0, 1);
	/* latin1 accepts every byte: the declaration stands (WHATWG windows-1252). */
	EXPECT("caf\xe9", "ISO-8859-1", "café", "windows-1252", "http", 0, 0);
}

static void test_html_meta(void **state)
{
	(void)state;
	EXPECT("<html><head><meta charset=\"gbk\"><title>" GBK_BAOYU "</title>", NULL,
	       "<html><head><meta charset=\"gbk\"><title>暴雨</title>", "gb18030", "html-meta", 0,
	       0);
	EXPECT("<html><head><META HTTP-EQUIV=\"Content-Type\" CONTENT=\"text/html; "
	       "charset=big5\"><title>\xbb\xe4\xad\xb7</title>",
	       NULL,
	       "<html><head><META HTTP-EQUIV=\"Content-Type\" CONTENT=\"text/html; "
	       "charset=big5\"><title>颱風</title>",
	       "big5", "html-meta", 0, 0);
	/* utf-16 named inside ASCII-readable bytes means utf-8 */
	EXPECT("<meta charset=utf-16><p>停</p>", NULL, "<meta charset=utf-16><p>停</p>", "utf-8",
	       "html-meta", 0, 0);
}

static void test_detect(void **state)
{
	(void)state;
	EXPECT("<rss>plain</rss>", NULL, "<rss>plain</rss>", "utf-8", "default", 0, 0);
	EXPECT("", NULL, "", "utf-8", "default", 0, 0);
	EXPECT("<t>" GBK_BAOYU "</t>", NULL, "<t>暴雨</t>", "gb18030", "detected", 0, 0);
	EXPECT("<t>停电</t>", NULL, "<t>停电</t>", "utf-8", "detected", 0, 0);
	/* unknown and refused labels are no candidates */
	EXPECT("<t>停电</t>", "x-no-such-charset", "<t>停电</t>", "utf-8", "detected", 0, 0);
	EXPECT("+ZeVnLA-", "utf-7", "+ZeVnLA-", "utf-8", "default", 0, 0);
}

static void test_fewest(void **state)
{
	(void)state;
	/* declared gbk, a stray lead byte at the end: gb18030 has 1 invalid
	 * sequence, utf-8 has 3, big5 1 (a tie goes to the earlier). */
	EXPECT("\xb1\xa9\xd3", "gbk", "暴\xEF\xBF\xBD", "gb18030", "http", 1, 0);
	/* a truncated UTF-8 character in an otherwise UTF-8 text */
	EXPECT("<p>停电通\xe7\x9f</p><p>恢复</p>", NULL, "<p>停电通\xEF\xBF\xBD</p><p>恢复</p>",
	       "utf-8", "detected", 1, 0);
	/* 0x80 in gbk is the euro sign (cp936, WHATWG), not an invalid byte */
	EXPECT("\x80" GBK_BAOYU, "gbk", "€暴雨", "gb18030", "http", 0, 0);
	/* NUL bytes are kept */
	struct dec d;
	decode(&d, "a\0b", 3, NULL);
	assert_int_equal(d.out.len, 3);
	assert_memory_equal(d.out.s, "a\0b", 3);
	yq_buf_release(&d.out);
}

static void test_big(void **state)
{
	(void)state;
	size_t n = YQ_DECODE_MAX + 1;
	char *b = malloc(n);
	assert_non_null(b);
	memset(b, 'a', n);
	struct yq_buf out = YQ_BUF_INIT;
	struct yq_decode_info info;
	assert_int_equal(yq_decode(b, n, NULL, &out, &info), YQ_ETOOBIG);
	assert_int_equal(out.len, 0);
	/* a large GBK document decodes whole */
	size_t m = 4u << 20;
	for (size_t i = 0; i + 4 <= m; i += 4)
		memcpy(b + i, GBK_BAOYU, 4);
	assert_int_equal(yq_decode(b, m, "gb2312", &out, &info), 0);
	assert_int_equal(out.len, m / 4 * 6);
	assert_int_equal(info.replaced, 0);
	assert_memory_equal(out.s + out.len - 6, "暴雨", 6);
	yq_buf_release(&out);
	free(b);
}

static void test_labels(void **state)
{
	(void)state;
	char c[32];
	assert_int_equal(yq_decode_label("GB2312", 0, c), 0);
	assert_string_equal(c, "gb18030");
	assert_int_equal(yq_decode_label(" \"x-gbk\" ", 0, c), 0);
	assert_string_equal(c, "gb18030");
	assert_int_equal(yq_decode_label("Big5-HKSCS", 0, c), 0);
	assert_string_equal(c, "big5");
	assert_int_equal(yq_decode_label("Shift_JIS", 0, c), 0);
	assert_string_equal(c, "shift_jis");
	assert_int_equal(yq_decode_label("utf-16", 0, c), 0);
	assert_string_equal(c, "utf-16le");
	assert_int_equal(yq_decode_label("utf-16", 1, c), 0);
	assert_string_equal(c, "utf-8");
	assert_int_equal(yq_decode_label("UTF-7", 0, c), YQ_ENOTFOUND);
	assert_int_equal(yq_decode_label("hz-gb-2312", 0, c), YQ_ENOTFOUND);
	assert_int_equal(yq_decode_label("", 0, c), YQ_ENOTFOUND);
	assert_int_equal(yq_decode_label("no-such", 0, c), YQ_ENOTFOUND);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_enc01),  cmocka_unit_test(test_enc02),
		cmocka_unit_test(test_enc03),  cmocka_unit_test(test_enc04),
		cmocka_unit_test(test_enc07),  cmocka_unit_test(test_bom),
		cmocka_unit_test(test_declared_wrong), cmocka_unit_test(test_html_meta),
		cmocka_unit_test(test_detect), cmocka_unit_test(test_fewest),
		cmocka_unit_test(test_big),    cmocka_unit_test(test_labels),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
