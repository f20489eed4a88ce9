/* test_reader.c — posts from JSON Lines, TSV, CSV and gzip (collect/reader.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "base/error.h"
#include "collect/reader.h"

static struct yq_tz *tz;
static char dir[] = "/tmp/yq_test_reader_XXXXXX";

static int setup(void **state)
{
	(void)state;
	if (!mkdtemp(dir))
		return -1;
	return yq_tz_open("Asia/Shanghai", &tz);
}

static int teardown(void **state)
{
	(void)state;
	yq_tz_free(tz);
	char cmd[128];
	snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
	return system(cmd);
}

static const char *write_file(const char *name, const char *content, size_t n)
{
	static char path[256];
	snprintf(path, sizeof path, "%s/%s", dir, name);
	FILE *f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(content, 1, n, f), n);
	fclose(f);
	return path;
}

struct got {
	char id[64], text[256], author[64], source[32];
	int64_t time, likes;
	int time_ok;
	size_t bad_utf8;
};

/* read_all: reads path; fills up to 8 posts; returns posts read, counts bad
 * records in *bad and remembers their line numbers. */
static int read_all(const char *path, const char *map, struct got *g, int *bad, size_t *bad_lines)
{
	struct yq_reader_config cfg = {.map = map, .tz = tz, .now = 1700000000, .source = "test"};
	struct yq_reader *r;
	struct yq_buf err = YQ_BUF_INIT;
	assert_int_equal(yq_reader_open(path, &cfg, &r, &err), 0);
	int n = 0;
	*bad = 0;
	for (;;) {
		struct yq_post p;
		size_t line;
		int rc = yq_reader_next(r, &p, &line, &err);
		if (rc == YQ_EEOF)
			break;
		if (rc == YQ_EFORMAT) {
			bad_lines[(*bad)++] = line;
			continue;
		}
		assert_int_equal(rc, 0);
		assert_true(n < 8);
		snprintf(g[n].id, sizeof g[n].id, "%s", p.id);
		snprintf(g[n].text, sizeof g[n].text, "%s", p.text ? p.text : "");
		snprintf(g[n].author, sizeof g[n].author, "%s", p.author ? p.author : "");
		snprintf(g[n].source, sizeof g[n].source, "%s", p.source);
		g[n].time = p.time;
		g[n].time_ok = p.time_ok;
		g[n].likes = p.likes;
		g[n].bad_utf8 = p.bad_utf8;
		n++;
	}
	yq_reader_close(r);
	yq_buf_release(&err);
	return n;
}

static void test_jsonl(void **state)
{
	(void)state;
	const char in[] =
		"{\"id\": \"p1\", \"source\": \"weibo\", \"time\": \"2020-02-04T10:00:00+08:00\", \"text\": \"武汉加油\", \"likes\": 10}\n"
		"\n"
		"{\"id\": 42, \"text\": \"数字id\", \"time\": \"昨天 08:15\"}\n"
		"{not json}\n"
		"{\"id\": \"p3\", \"text\": \"   \"}\n"
		"[1,2]\n"
		"{\"id\": \"p4\", \"text\": \"bad \xff\xfe utf8\", \"time\": \"whenever\"}\n";
	const char *path = write_file("a.jsonl", in, sizeof in - 1);
	struct got g[8];
	int bad;
	size_t lines[8];
	int n = read_all(path, NULL, g, &bad, lines);
	assert_int_equal(n, 3);
	assert_int_equal(bad, 3);
	assert_int_equal(lines[0], 4);
	assert_int_equal(lines[1], 5);
	assert_int_equal(lines[2], 6);
	assert_string_equal(g[0].id, "p1");
	assert_string_equal(g[0].source, "weibo");
	assert_int_equal(g[0].time, 1580781600);
	assert_int_equal(g[0].likes, 10);
	assert_string_equal(g[1].id, "42");
	assert_string_equal(g[1].source, "test");
	assert_true(g[1].time_ok);
	assert_int_equal(g[1].likes, -1);
	assert_string_equal(g[2].text, "bad \xEF\xBF\xBD utf8");
	assert_int_equal(g[2].bad_utf8, 1);
	assert_false(g[2].time_ok);
}

static void test_tsv_aliases_and_map(void **state)
{
	(void)state;
	const char in[] = "id\tdate\tuserid\ttext\r\n"
			  "w1\t2020-01-19\t123\t第一条\r\n"
			  "w2\t2020-01-20\t456\n"
			  "w3\t2020-01-21\t789\t第三条\n";
	const char *path = write_file("b.tsv", in, sizeof in - 1);
	struct got g[8];
	int bad;
	size_t lines[8];
	int n = read_all(path, NULL, g, &bad, lines);
	assert_int_equal(n, 2);
	assert_int_equal(bad, 1);
	assert_int_equal(lines[0], 3);
	assert_string_equal(g[0].author, "123");
	assert_string_equal(g[0].text, "第一条");
	assert_int_equal(g[0].time, 1579363200); /* 2020-01-19T00:00+08:00 */
	/* --map overrides: author from id, text from date */
	n = read_all(path, "author=id,text=userid", g, &bad, lines);
	assert_int_equal(n, 2);
	assert_string_equal(g[0].author, "w1");
	assert_string_equal(g[0].text, "123");
}

static void test_csv_quotes_bom_and_multiline(void **state)
{
	(void)state;
	const char in[] = "\xEF\xBB\xBFlabel,review\n"
			  "1,\"好吃, 送得快\"\n"
			  "0,\"他说\"\"难吃\"\"\n第二行\"\n"
			  "1,plain\n";
	const char *path = write_file("c.csv", in, sizeof in - 1);
	struct got g[8];
	int bad;
	size_t lines[8];
	int n = read_all(path, "text=review", g, &bad, lines);
	assert_int_equal(bad, 0);
	assert_int_equal(n, 3);
	assert_string_equal(g[0].text, "好吃, 送得快");
	assert_string_equal(g[1].text, "他说\"难吃\"\n第二行");
	assert_string_equal(g[2].text, "plain");
}

static void test_gzip_and_stable_ids(void **state)
{
	(void)state;
	const char in[] = "{\"text\": \"没有id的帖子\", \"time\": \"2020-02-04\"}\n";
	char path[256];
	snprintf(path, sizeof path, "%s/d.jsonl.gz", dir);
	gzFile z = gzopen(path, "wb");
	assert_non_null(z);
	gzwrite(z, in, sizeof in - 1);
	gzclose(z);
	const char *plain = write_file("e.jsonl", in, sizeof in - 1);
	struct got g1[8], g2[8];
	int bad;
	size_t lines[8];
	assert_int_equal(read_all(path, NULL, g1, &bad, lines), 1);
	assert_int_equal(read_all(plain, NULL, g2, &bad, lines), 1);
	assert_string_equal(g1[0].text, "没有id的帖子");
	assert_int_equal(g1[0].id[0], 'h');
	assert_int_equal(strlen(g1[0].id), 17);
	assert_string_equal(g1[0].id, g2[0].id);
}

static void test_bad_map(void **state)
{
	(void)state;
	struct yq_reader_config cfg = {.map = "nosuchfield=x", .tz = tz};
	struct yq_reader *r = NULL;
	struct yq_buf err = YQ_BUF_INIT;
	assert_int_equal(yq_reader_open("/dev/null", &cfg, &r, &err), YQ_EINVAL);
	assert_non_null(strstr(err.s, "nosuchfield"));
	yq_buf_release(&err);
	cfg.map = NULL;
	assert_int_equal(yq_reader_open("/nonexistent/file.jsonl", &cfg, &r, &err), YQ_EIO);
	yq_buf_release(&err);
}

static void test_feed_files(void **state)
{
	(void)state;
	const char in[] = "<rss><channel><title>t</title><link>https://f.example.cn/</link>"
			  "<item><guid>g1</guid><title>标题</title><description>&lt;p&gt;正文&lt;/p&gt;"
			  "</description><pubDate>Tue, 04 Feb 2020 02:00:00 GMT</pubDate></item>"
			  "<item><guid>g2</guid></item>"
			  "<item><link>https://f.example.cn/3</link><description>无日期</description></item>"
			  "</channel></rss>";
	char path[256];
	snprintf(path, sizeof path, "%s/f.xml.gz", dir);
	gzFile z = gzopen(path, "wb");
	assert_non_null(z);
	gzwrite(z, in, sizeof in - 1);
	gzclose(z);
	struct got g[8];
	int bad;
	size_t lines[8];
	assert_int_equal(read_all(path, NULL, g, &bad, lines), 2); /* format from .xml.gz */
	assert_int_equal(bad, 1);
	assert_int_equal(lines[0], 2); /* the empty item: its position */
	assert_string_equal(g[0].id, "g1");
	assert_string_equal(g[0].text, "正文");
	assert_string_equal(g[0].source, "test");
	assert_int_equal(g[0].time_ok, 1);
	assert_int_equal(g[0].time, 1580781600);
	assert_int_equal(g[0].likes, -1);
	assert_string_equal(g[1].id, "https://f.example.cn/3");
	assert_int_equal(g[1].time_ok, 0);

	/* no --source: the feed's link; title and url come through */
	struct yq_reader_config cfg = {.format = YQ_FMT_ATOM, .tz = tz};
	struct yq_reader *r;
	struct yq_buf err = YQ_BUF_INIT;
	struct yq_post p;
	size_t line;
	assert_int_equal(yq_reader_open(path, &cfg, &r, &err), 0);
	assert_int_equal(yq_reader_next(r, &p, &line, &err), 0);
	assert_string_equal(p.source, "https://f.example.cn/");
	assert_string_equal(p.title, "标题");
	assert_null(p.url);
	assert_int_equal(line, 1);
	yq_reader_close(r);

	/* not a feed: the file cannot be read as one */
	const char *html = write_file("page.atom", "<html><body>x</body></html>", 27);
	cfg.format = YQ_FMT_AUTO;
	assert_int_equal(yq_reader_open(html, &cfg, &r, &err), YQ_EINVAL);
	assert_non_null(strstr(err.s, "page.atom: an HTML page, not a feed"));
	yq_buf_release(&err);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_jsonl),
		cmocka_unit_test(test_tsv_aliases_and_map),
		cmocka_unit_test(test_csv_quotes_bom_and_multiline),
		cmocka_unit_test(test_gzip_and_stable_ids),
		cmocka_unit_test(test_bad_map),
		cmocka_unit_test(test_feed_files),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
