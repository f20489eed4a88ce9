/*
 * feed_fetch.h — one poll of a feed source: the HTTP fetch (collect/fetch.h)
 * glued to the feed parser (collect/feed.h).  Used by `yuqing fetch` and by
 * the daemon's collectors.
 *
 * The two modules stay independent; this one decides what a poll means for
 * the source's state:
 *   200, parsed          items_seen += the number of items
 *   200, not a feed      a failure like a fetch error (failures += 1,
 *   (or not of the       backoff, last_error "not a feed: …"), and the
 *   kind asked for)      validators are cleared, so the next poll gets the
 *                        whole body again instead of a 304 for the bad one
 *   304, backoff, error  as yq_fetch left them
 * Threads: as collect/fetch.h (one fetcher per thread).
 */
#ifndef YQ_FEED_FETCH_H
#define YQ_FEED_FETCH_H

#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"
#include "collect/feed.h"
#include "collect/fetch.h"
#include "collect/ptime.h"

enum yq_feed_kind { YQ_FEED_ANY = 0, YQ_FEED_RSS, YQ_FEED_ATOM };

/*
 * yq_feed_sniff: the kind of feed document in[0..n) by its root element
 * (rss or rdf:RDF → RSS, feed → Atom), read in an ASCII-compatible
 * encoding after an optional UTF-8 BOM, XML declaration, comments,
 * processing instructions and DOCTYPE, within the first 64 KiB.  Returns
 * YQ_FEED_ANY when it cannot tell (another root, UTF-16, not XML).
 */
enum yq_feed_kind yq_feed_sniff(const char *in, size_t n);

/*
 * yq_feed_fetch: yq_fetch(f, st, now, res); for a 200, yq_feed_parse of
 * the body with the Content-Type charset and the final URL as base (so
 * relative links resolve against where the feed really is), dates without
 * a zone read in tz.  want: YQ_FEED_ANY, or the kind the body must be (a
 * body yq_feed_sniff cannot tell is accepted).
 * *feed is overwritten; release it with yq_feed_release after every call
 * (it holds items only for res->outcome == YQ_FETCH_OK and a 0 return).
 * Returns 0 for a parsed 200, a 304 and a backoff (res->outcome says
 * which); YQ_EIO / YQ_ETOOBIG for a failed fetch (err = res->error);
 * YQ_EFORMAT for a body that is not a feed or not of kind want (err says
 * why); YQ_ENOMEM; YQ_EINVAL for a NULL argument.  st is updated as the
 * file comment says.
 */
int yq_feed_fetch(struct yq_fetcher *f, struct yq_source_state *st, int64_t now,
		  struct yq_tz *tz, enum yq_feed_kind want, struct yq_fetch_result *res,
		  struct yq_feed *feed, struct yq_buf *err);

#endif
