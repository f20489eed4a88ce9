/*
 * static.h — the dashboard's built assets (web/dist) served by the daemon
 * from the same port as the API (docs/dashboard.md).  Internal to serve/:
 * http.c asks it for every GET or HEAD that no API route has.
 */
#ifndef YQ_SERVE_STATIC_H
#define YQ_SERVE_STATIC_H

#include <stddef.h>

#include "serve/internal.h"

/* Caps on what is served. */
#define YQ_STATIC_PATH_MAX 256          /* bytes of a request path */
#define YQ_STATIC_FILE_MAX (64u << 20) /* bytes of one asset */

/*
 * yq_static_root: the directory the assets are served from, into out
 * (cap bytes): the configuration's `web` when given; else the first of
 * <directory of the executable>/../web/dist and <directory of the
 * configuration>/../web/dist that holds an index.html.  Returns 0, or
 * YQ_ENOTFOUND when there is none (`web: none`, or nothing found) or it
 * does not fit in cap.
 */
int yq_static_root(const struct yq_serve_config *cfg, char *out, size_t cap);

/*
 * yq_static_missing: 1 when the dashboard should be served (not `web:
 * none`) but its directory has no index.html (web/dist not built, or the
 * configured `web:` directory missing); hint then holds the line to show
 * ("dashboard: web/dist not found — build it with: (cd web && npm ci &&
 * npm run build)", cut to cap bytes).  0 otherwise, hint untouched.
 */
int yq_static_missing(const struct yq_serve_config *cfg, char *hint, size_t cap);

/*
 * yq_static_answer: answers a GET or HEAD of url (the request path, already
 * percent-decoded by libmicrohttpd) from the asset directory: "/" is
 * index.html, any other path names a file below the root.  A path with an
 * empty, "." or ".." segment, a segment starting with '.', a backslash, or
 * a byte outside printable ASCII is refused (no directory traversal,
 * no hidden files); the file is opened with O_NOFOLLOW and must be a
 * regular file of at most YQ_STATIC_FILE_MAX bytes.
 *
 * Headers: Content-Type by extension (html, js, mjs, css, json, svg, png,
 * ico, woff2, txt, map; else application/octet-stream), an ETag made of
 * the file's size and modification time (If-None-Match equal to it: 304,
 * no body), Cache-Control "no-cache" for index.html (always revalidated,
 * so a new build is seen at once) and "public, max-age=300" for the rest,
 * X-Content-Type-Options nosniff, and for HTML a Content-Security-Policy
 * allowing scripts, styles and connections to this origin only.
 *
 * Returns 1 when it queued the answer (*ok: libmicrohttpd's result; the
 * request is counted in the metrics under the route "static"), 0 when no
 * such asset exists (the caller answers 404, counted as unmatched).
 */
int yq_static_answer(struct yq_req *r, const char *url, int *ok);

#endif
