/*
 * feed_fetch.c — one poll of a feed source: fetch (collect/fetch.c), then
 * parse (collect/feed.c), and the source state's bookkeeping between them.
 *
 * Design: the fetcher returns raw bytes and the Content-Type charset; the
 * parser decodes them itself (collect/decode.h), so a wrong header label
 * is overruled by the bytes there, not here.  The base URL for relative
 * links is the final URL after redirects.  The kind check (--format) reads
 * the root element name with a small ASCII scanner rather than a second
 * XML parse: the parser already knows every dialect, the check only has to
 * refuse an Atom document where RSS was asked for and vice versa.
 */
#include "collect/feed_fetch.h"

#include <string.h>

#include "base/error.h"

#define SNIFF_MAX ((size_t)64 << 10) /* bytes scanned for the root element */

/* skip_past: index just after the first occurrence of end in s[i..n), or n. */
static size_t skip_past(const char *s, size_t n, size_t i, const char *end)
{
	size_t k = strlen(end);
	for (; i + k <= n; i++)
		if (memcmp(s + i, end, k) == 0)
			return i + k;
	return n;
}

enum yq_feed_kind yq_feed_sniff(const char *in, size_t n)
{
	size_t i = 0;
	if (n > SNIFF_MAX)
		n = SNIFF_MAX;
	if (n >= 3 && memcmp(in, "\xEF\xBB\xBF", 3) == 0)
		i = 3;
	for (;;) {
		while (i < n && (in[i] == ' ' || in[i] == '\t' || in[i] == '\r' || in[i] == '\n'))
			i++;
		if (i + 1 >= n || in[i] != '<')
			return YQ_FEED_ANY;
		if (in[i + 1] == '?') {
			i = skip_past(in, n, i + 2, "?>");
		} else if (n - i >= 4 && memcmp(in + i, "<!--", 4) == 0) {
			i = skip_past(in, n, i + 4, "-->");
		} else if (in[i + 1] == '!') {
			/* DOCTYPE; an internal subset ends with "]>" */
			size_t gt = skip_past(in, n, i + 2, ">");
			size_t br = skip_past(in, gt, i + 2, "[");
			i = br < gt ? skip_past(in, n, br, "]>") : gt;
		} else {
			break;
		}
	}
	/* the root element's name, without its prefix */
	size_t s = ++i;
	while (i < n && in[i] != ' ' && in[i] != '>' && in[i] != '/' && in[i] != '\t' &&
	       in[i] != '\r' && in[i] != '\n')
		i++;
	const char *name = in + s;
	size_t len = i - s;
	const char *colon = memchr(name, ':', len);
	if (colon) {
		len -= (size_t)(colon + 1 - name);
		name = colon + 1;
	}
	if ((len == 3 && memcmp(name, "rss", 3) == 0) || (len == 3 && memcmp(name, "RDF", 3) == 0))
		return YQ_FEED_RSS;
	if (len == 4 && memcmp(name, "feed", 4) == 0)
		return YQ_FEED_ATOM;
	return YQ_FEED_ANY;
}

static const char *kind_name(enum yq_feed_kind k)
{
	return k == YQ_FEED_RSS ? "RSS" : "Atom";
}

int yq_feed_fetch(struct yq_fetcher *f, struct yq_source_state *st, int64_t now,
		  struct yq_tz *tz, enum yq_feed_kind want, struct yq_fetch_result *res,
		  struct yq_feed *feed, struct yq_buf *err)
{
	struct yq_buf why = YQ_BUF_INIT;
	int rc;
	if (!f || !st || !res || !feed || !err)
		return YQ_EINVAL;
	memset(feed, 0, sizeof *feed);
	rc = yq_fetch(f, st, now, res);
	if (rc) {
		if (rc != YQ_ENOMEM && rc != YQ_EINVAL && yq_buf_add(err, res->error.s, res->error.len))
			rc = YQ_ENOMEM;
		goto out;
	}
	if (res->outcome != YQ_FETCH_OK)
		goto out;

	enum yq_feed_kind got = yq_feed_sniff(res->body.s, res->body.len);
	const char *prefix = "not a feed";
	if (want != YQ_FEED_ANY && got != YQ_FEED_ANY && got != want) {
		prefix = "wrong kind of feed";
		rc = YQ_EFORMAT;
		if (yq_buf_printf(&why, "%s, not %s", kind_name(got), kind_name(want)))
			rc = YQ_ENOMEM;
	} else {
		rc = yq_feed_parse(res->body.s, res->body.len, res->charset.len ? res->charset.s : NULL,
				   res->final_url.len ? res->final_url.s : st->url, tz, feed, &why);
	}
	if (rc == YQ_EFORMAT || rc == YQ_ETOOBIG) {
		yq_feed_release(feed);
		memset(feed, 0, sizeof *feed);
		struct yq_buf msg = YQ_BUF_INIT;
		int r2 = yq_buf_printf(&msg, "%s: %s", prefix, why.len ? why.s : yq_strerror(rc));
		if (!r2)
			r2 = yq_fetch_fail(f, st, now, msg.s);
		if (!r2)
			r2 = yq_buf_add(err, msg.s, msg.len);
		yq_buf_release(&msg);
		rc = r2 ? r2 : YQ_EFORMAT;
		goto out;
	}
	if (rc)
		goto out;
	st->items_seen += (int64_t)feed->n;
out:
	yq_buf_release(&why);
	return rc;
}
