/*
 * links.h — the identity of a link: a canonical form of a URL, so that the
 * same article reached through different addresses counts once (field case
 * dedup-04: two short links that expand to the same page, one of them with
 * a utm_source tag).
 *
 * Canonical form: scheme and host lower-cased, the default port (:80 for
 * http, :443 for https) and the fragment (#…) dropped, tracking parameters
 * dropped from the query (utm_*, spm, from, isappinstalled, share_*, …, see
 * links.c), a query left empty dropped with its '?', and an empty path
 * written "/".  Path and the remaining parameters are kept as they are
 * (case included): servers differ on what they mean.
 *
 * Expanding a short link (t.cn/…) needs the network; the caller passes the
 * expanded URL when it has one and the short one otherwise, so a failed
 * expansion still gives a usable key.
 */
#ifndef YQ_LINKS_H
#define YQ_LINKS_H

#include <stddef.h>

#include "base/buf.h"

/*
 * yq_link_key: appends the canonical form of url[0..n) to out.  A value
 * that is not an http(s) URL (no "scheme://host") is appended unchanged.
 * Returns 0 or YQ_ENOMEM.
 */
int yq_link_key(const char *url, size_t n, struct yq_buf *out);

#endif
