/*
 * feed.h — RSS 2.0 (and 0.9x), RSS 1.0 (RDF) and Atom 1.0 (and 0.3) feeds
 * → items, with libxml2 (collect stage: the fetcher and `replay --format
 * rss|atom` hand it the raw bytes of a feed document).
 *
 * The document goes through four steps (docs/collect.md has examples):
 *  1. yq_decode (collect/decode.h) → UTF-8; the XML declaration's
 *     encoding= is rewritten to UTF-8 and libxml2 is told to ignore it.
 *  2. Repairs before parsing, the common faults libxml2's recover mode
 *     would lose text on: a bare '&' (enc-03: "停水&停电通知"), an undeclared
 *     entity such as &nbsp; (kept as text, decoded in step 4), a '<' that
 *     starts no tag (not followed by an ASCII name: "1 < 2", "温度<零度"),
 *     and control characters XML forbids (dropped).  Each repair counts as
 *     malformed.
 *  3. libxml2 in recover mode, XML_PARSE_NONET, no entity substitution and
 *     no DTD loading (XXE-safe), CDATA merged into text.  A truncated or
 *     broken document gives the items parsed so far and malformed = 1.
 *  4. Items.  Text fields of HTML type (RSS title and description,
 *     content:encoded, Atom type="html") are turned into plain text once:
 *     a literal "<![CDATA[" … "]]>" left by double escaping is unwrapped,
 *     tags are stripped (script/style bodies dropped, block elements and
 *     <br> become line breaks, an <img alt="[泪]"> emoticon keeps its alt),
 *     entities are decoded exactly once (HTML 4 names, &apos;, numeric
 *     references with the windows-1252 reading of &#128;–&#159;).  Atom
 *     type="text" is taken as it is; type="xhtml" is the text of its div.
 *     Spaces are collapsed; titles are one line.
 *
 * Identity: id is the guid / atom:id / rdf:about, else the link, else
 * "h" + 16 hex digits of a hash of title and text, so re-reading a feed
 * creates no new items.  Links are absolute http(s) URLs: resolved with
 * xmlBuildURI against xml:base (inherited, itself resolved against the
 * feed URL) or else the feed URL; a link that cannot be made absolute
 * http(s) is NULL.  Dates: RSS pubDate then dc:date, Atom published then
 * updated (0.3: issued, modified, created); the first readable one wins.
 * A value is read with yq_time_parse in tz and must name its year (4
 * digits): a missing, relative or year-less date gives time_ok = 0, never
 * the fetch time.  "CST" is +08:00 where tz is a +08:00 zone (case
 * time-12), else unreadable.
 *
 * Threads: libxml2 is initialized once (pthread_once) on first use; parses
 * share no state, so threads may parse different documents at once.
 */
#ifndef YQ_FEED_H
#define YQ_FEED_H

#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"
#include "collect/decode.h"
#include "collect/ptime.h"

#define YQ_FEED_MAX_BYTES YQ_DECODE_MAX /* 64 MiB */
#define YQ_FEED_MAX_ITEMS 10000          /* items past this are not read */

struct yq_feed_item {
	char *id;        /* guid / atom:id, else the link, else a hash of title+text: identity, so re-reading creates no new items; never NULL */
	char *link;      /* absolute (resolved against xml:base / the feed URL) or NULL */
	char *title;     /* plain text: entities decoded once, tags stripped; "" when none */
	char *text;      /* description / content:encoded / atom content or summary as plain text (HTML stripped, CDATA unwrapped, an XML-escaped literal CDATA marker unwrapped too: case feed-01); "" when none */
	char *author;    /* or NULL */
	int64_t time; int time_ok;  /* pubDate / dc:date / published / updated; a missing or partial date gives time_ok = 0, NEVER the fetch time */
};

struct yq_feed {
	struct yq_feed_item *items; /* n items in document order */
	size_t n;
	char *title;                /* the channel's / feed's title, "" when none */
	char *link;                 /* its (absolute) link, or NULL */
	int malformed;              /* libxml2 had to recover, or step 2 repaired something */
	struct yq_decode_info enc;  /* how the bytes were decoded */
};

/*
 * yq_feed_parse: parses a feed document in[0..n) (raw bytes, any charset),
 * http_charset as for yq_decode (or NULL), base_url (the feed's URL, or
 * NULL) for relative links, tz for dates without a zone (NULL: UTC).
 * *out is overwritten (no need to initialize it); the caller frees it with
 * yq_feed_release, also after an error (then it holds no items; enc is set
 * when decoding ran).  Every string in *out is valid UTF-8 without NUL,
 * owned by *out.  Caps: n <= YQ_FEED_MAX_BYTES, the first
 * YQ_FEED_MAX_ITEMS items.
 * Errors: YQ_EFORMAT (not a feed: not XML, an HTML page, another root
 * element; err says why), YQ_ETOOBIG (n over the cap; err says so),
 * YQ_ENOMEM.
 */
int yq_feed_parse(const char *in, size_t n, const char *http_charset, const char *base_url,
		  struct yq_tz *tz, struct yq_feed *out, struct yq_buf *err);

/* yq_feed_release: frees what *f holds and empties it; NULL or an empty
 * feed is a no-op. */
void yq_feed_release(struct yq_feed *f);

/*
 * yq_feed_html_text: appends the plain text of the HTML fragment s[0..n)
 * (UTF-8) to out by the rules of step 4; one_line: line breaks become
 * spaces (titles).  Returns 0 or YQ_ENOMEM.
 */
int yq_feed_html_text(const char *s, size_t n, int one_line, struct yq_buf *out);

#endif
