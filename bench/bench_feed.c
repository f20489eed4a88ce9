/*
 * bench_feed.c — throughput of charset decoding and feed parsing on a feed
 * built from real Weibo posts, each against a reference run in the same
 * invocation:
 *   decode utf-8     yq_decode of the UTF-8 document (the fast path)
 *   decode gbk       yq_decode of the same document in GBK (declared gbk)
 *                    vs glibc iconv(3) GBK → UTF-8 on the same bytes
 *   parse utf-8/gbk  yq_feed_parse (decode, repairs, libxml2, items as
 *                    plain text) vs libxml2's xmlReadMemory alone on the
 *                    UTF-8 document (the floor: no items, no text)
 * Usage: bench_feed [N] — N posts (default 20000) from
 * $YQ_DATA/weibo_covid/posts.tsv.gz (column 4), N/1000 feeds of 1000 items.
 * Prints one line per run:
 *   feed op=OP impl=IMPL items=N bytes=B seconds=S mb_per_s=M
 */
#include "base/buf.h"
#include "collect/decode.h"
#include "collect/feed.h"

#include <errno.h>
#include <iconv.h>
#include <libxml/parser.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unicode/ucnv.h>
#include <zlib.h>

#define PER_FEED 1000

static double now_s(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static void report(const char *op, const char *impl, size_t items, size_t bytes, double s)
{
	printf("feed op=%s impl=%s items=%zu bytes=%zu seconds=%.3f mb_per_s=%.1f\n", op, impl,
	       items, bytes, s, (double)bytes / s / 1e6);
}

static void escape(struct yq_buf *b, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '&')
			yq_buf_adds(b, "&amp;amp;");
		else if (s[i] == '<')
			yq_buf_adds(b, "&amp;lt;");
		else
			yq_buf_addc(b, s[i]);
	}
}

int main(int argc, char **argv)
{
	size_t want = argc > 1 ? (size_t)atol(argv[1]) : 20000;
	const char *data = getenv("YQ_DATA") ? getenv("YQ_DATA") : "../shared/data";
	char path[1024], line[1 << 16];
	snprintf(path, sizeof path, "%s/weibo_covid/posts.tsv.gz", data);
	gzFile z = gzopen(path, "rb");
	if (!z) {
		fprintf(stderr, "bench_feed: cannot open %s\n", path);
		return 1;
	}
	size_t nfeeds = (want + PER_FEED - 1) / PER_FEED, got = 0;
	struct yq_buf *utf8 = calloc(nfeeds, sizeof(*utf8)), *gbk = calloc(nfeeds, sizeof(*gbk));
	gzgets(z, line, sizeof line); /* header */
	for (size_t f = 0; f < nfeeds; f++) {
		struct yq_buf *b = &utf8[f];
		yq_buf_init(b);
		yq_buf_adds(b, "<?xml version=\"1.0\" encoding=\"gbk\"?>\n<rss version=\"2.0\"><channel>"
			       "<title>bench</title><link>https://bench.example.cn/</link>\n");
		for (size_t i = 0; i < PER_FEED && gzgets(z, line, sizeof line); i++, got++) {
			char *c = line;
			for (int k = 0; k < 3 && c; k++)
				c = strchr(c, '\t') ? strchr(c, '\t') + 1 : NULL;
			if (!c)
				continue;
			size_t l = strcspn(c, "\t\n");
			size_t tl = l < 30 ? l : 30;
			while (tl < l && (c[tl] & 0xC0) == 0x80)
				tl--; /* a whole character */
			yq_buf_printf(b, "<item><guid>p%zu</guid><title>", got);
			escape(b, c, tl);
			yq_buf_adds(b, "</title><description>&lt;p&gt;");
			escape(b, c, l);
			yq_buf_printf(b, "&lt;/p&gt;</description><pubDate>Tue, 04 Feb 2020 %02zu:%02zu:00 "
					 "+0800</pubDate></item>\n",
				      i / 60 % 24, i % 60);
		}
		yq_buf_adds(b, "</channel></rss>\n");
		/* GBK copy (characters outside GBK, e.g. emoji, become ICU's
		 * substitution character) */
		UErrorCode st = U_ZERO_ERROR;
		yq_buf_init(&gbk[f]);
		yq_buf_grow(&gbk[f], b->len * 2);
		int32_t gl = ucnv_convert("GBK", "UTF-8", gbk[f].s, (int32_t)gbk[f].cap, b->s,
					  (int32_t)b->len, &st);
		gbk[f].len = U_SUCCESS(st) ? (size_t)gl : 0;
	}
	gzclose(z);
	size_t ub = 0, gb = 0;
	for (size_t f = 0; f < nfeeds; f++)
		ub += utf8[f].len, gb += gbk[f].len;

	struct yq_decode_info info;
	struct yq_buf out = YQ_BUF_INIT;
	double t0 = now_s();
	for (size_t f = 0; f < nfeeds; f++) {
		yq_buf_reset(&out);
		yq_decode(utf8[f].s, utf8[f].len, "utf-8", &out, &info);
	}
	report("decode-utf8", "yuqing", got, ub, now_s() - t0);

	t0 = now_s();
	for (size_t f = 0; f < nfeeds; f++) {
		yq_buf_reset(&out);
		yq_decode(gbk[f].s, gbk[f].len, NULL, &out, &info);
	}
	report("decode-gbk", "yuqing", got, gb, now_s() - t0);

	iconv_t cd = iconv_open("UTF-8", "GBK");
	size_t skipped = 0;
	t0 = now_s();
	for (size_t f = 0; f < nfeeds; f++) {
		yq_buf_reset(&out);
		yq_buf_grow(&out, gbk[f].len * 2);
		char *in = gbk[f].s, *o = out.s;
		size_t il = gbk[f].len, ol = out.cap - 1;
		while (il > 0 && iconv(cd, &in, &il, &o, &ol) == (size_t)-1 && errno != E2BIG) {
			in++; /* an invalid byte: skip it like a replacement */
			il--;
			skipped++;
		}
	}
	report("decode-gbk", "iconv", got, gb, now_s() - t0);
	if (skipped)
		fprintf(stderr, "bench_feed: iconv skipped %zu invalid bytes\n", skipped);
	iconv_close(cd);

	t0 = now_s();
	for (size_t f = 0; f < nfeeds; f++) {
		xmlDoc *d = xmlReadMemory(utf8[f].s, (int)utf8[f].len, NULL, "UTF-8",
					  XML_PARSE_NONET | XML_PARSE_IGNORE_ENC | XML_PARSE_NOERROR);
		xmlFreeDoc(d);
	}
	report("parse-utf8", "libxml2-only", got, ub, now_s() - t0);

	struct yq_tz *tz;
	yq_tz_open("Asia/Shanghai", &tz);
	struct yq_buf err = YQ_BUF_INIT;
	size_t items = 0;
	t0 = now_s();
	for (size_t f = 0; f < nfeeds; f++) {
		struct yq_feed fd;
		if (yq_feed_parse(utf8[f].s, utf8[f].len, "utf-8", NULL, tz, &fd, &err) == 0)
			items += fd.n;
		yq_feed_release(&fd);
	}
	report("parse-utf8", "yuqing", items, ub, now_s() - t0);

	items = 0;
	t0 = now_s();
	for (size_t f = 0; f < nfeeds; f++) {
		struct yq_feed fd;
		if (yq_feed_parse(gbk[f].s, gbk[f].len, NULL, NULL, tz, &fd, &err) == 0)
			items += fd.n;
		yq_feed_release(&fd);
	}
	report("parse-gbk", "yuqing", items, gb, now_s() - t0);

	yq_tz_free(tz);
	yq_buf_release(&err);
	yq_buf_release(&out);
	for (size_t f = 0; f < nfeeds; f++) {
		yq_buf_release(&utf8[f]);
		yq_buf_release(&gbk[f]);
	}
	free(utf8);
	free(gbk);
	return 0;
}
