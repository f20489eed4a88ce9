/*
 * static.c — serves the dashboard (web/dist, built by `npm run build` in
 * web/) from the daemon's port, beside the API.
 *
 * Where it sits: http.c's router hands every GET or HEAD that matches no
 * API route here; the dashboard is a single page (index.html) with hash
 * routes (#/events/12), so the server only ever sees real file names.
 *
 * Design and invariants:
 *   - The request path is checked segment by segment before anything is
 *     opened: printable ASCII only, no backslash, no empty, "." or ".."
 *     segment, nothing starting with '.'; together with O_NOFOLLOW on the
 *     final name and the regular-file check, no request reaches a file
 *     outside the root, a hidden file, or a symbolic link planted in it.
 *   - The file is handed to libmicrohttpd by descriptor (sendfile where
 *     possible); nothing is read into memory.  Files over
 *     YQ_STATIC_FILE_MAX are not served.
 *   - Caching: the ETag is "size-mtime_ns"; index.html is always
 *     revalidated (no-cache), other assets are fresh for five minutes.  A
 *     matching If-None-Match gets 304 without a body.
 *   - The root is found per request (a few stat calls): no state is kept,
 *     so a rebuilt web/dist is served at once and several daemons in one
 *     process (the unit tests) do not share anything.
 */
#include "serve/static.h"
#include "base/error.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const struct {
	const char *ext;
	const char *type;
} types[] = {
	{".html", "text/html; charset=utf-8"},
	{".js", "text/javascript; charset=utf-8"},
	{".mjs", "text/javascript; charset=utf-8"},
	{".css", "text/css; charset=utf-8"},
	{".json", "application/json; charset=utf-8"},
	{".map", "application/json; charset=utf-8"},
	{".svg", "image/svg+xml"},
	{".png", "image/png"},
	{".ico", "image/x-icon"},
	{".woff2", "font/woff2"},
	{".txt", "text/plain; charset=utf-8"},
};

static const char *content_type(const char *path)
{
	const char *dot = strrchr(path, '.');
	if (dot && !strchr(dot, '/'))
		for (size_t i = 0; i < sizeof types / sizeof types[0]; i++)
			if (!strcmp(dot, types[i].ext))
				return types[i].type;
	return "application/octet-stream";
}

/* has_index: 1 if dir/index.html is a regular file. */
static int has_index(const char *dir)
{
	char p[PATH_MAX];
	struct stat st;
	if ((size_t)snprintf(p, sizeof p, "%s/index.html", dir) >= sizeof p)
		return 0;
	return !stat(p, &st) && S_ISREG(st.st_mode);
}

/* parent_web: <parent of dir>/web/dist into out when it has an index. */
static int parent_web(const char *dir, char *out, size_t cap)
{
	if ((size_t)snprintf(out, cap, "%s/../web/dist", dir) >= cap)
		return 0;
	return has_index(out);
}

int yq_static_root(const struct yq_serve_config *cfg, char *out, size_t cap)
{
	char exe[PATH_MAX];
	ssize_t n;
	if (cfg->web) {
		if (!strcmp(cfg->web, "none") || (size_t)snprintf(out, cap, "%s", cfg->web) >= cap)
			return YQ_ENOTFOUND;
		return YQ_OK;
	}
	n = readlink("/proc/self/exe", exe, sizeof exe - 1);
	if (n > 0) {
		exe[n] = 0;
		char *slash = strrchr(exe, '/');
		if (slash) {
			*slash = 0;
			if (parent_web(exe, out, cap))
				return YQ_OK;
		}
	}
	if (cfg->dir && parent_web(cfg->dir, out, cap))
		return YQ_OK;
	return YQ_ENOTFOUND;
}

int yq_static_missing(const struct yq_serve_config *cfg, char *hint, size_t cap)
{
	char root[PATH_MAX];
	if (cfg->web && !strcmp(cfg->web, "none"))
		return 0;
	if (!yq_static_root(cfg, root, sizeof root) && has_index(root))
		return 0;
	snprintf(hint, cap, "dashboard: %s not found — build it with: (cd web && npm ci && npm run build)",
		 cfg->web ? cfg->web : "web/dist");
	return 1;
}

/* safe_path: 1 if url is a path the dashboard may serve (see the header). */
static int safe_path(const char *url)
{
	size_t len = strlen(url);
	if (len == 0 || len > YQ_STATIC_PATH_MAX || url[0] != '/')
		return 0;
	for (const char *s = url; *s; s++)
		if ((unsigned char)*s <= 0x20 || (unsigned char)*s >= 0x7f || *s == '\\')
			return 0;
	for (const char *seg = url + 1;;) {
		const char *end = strchr(seg, '/');
		size_t n = end ? (size_t)(end - seg) : strlen(seg);
		if (n == 0 || seg[0] == '.')
			return 0; /* empty, ".", "..", hidden */
		if (!end)
			return 1;
		seg = end + 1;
	}
}

int yq_static_answer(struct yq_req *r, const char *url, int *ok)
{
	char root[PATH_MAX], path[PATH_MAX], etag[64];
	struct MHD_Response *resp;
	struct stat st;
	const char *rel = !strcmp(url, "/") ? "/index.html" : url;
	int fd, status = 200;
	if (!safe_path(rel) || yq_static_root(r->d->cfg, root, sizeof root))
		return 0;
	if ((size_t)snprintf(path, sizeof path, "%s%s", root, rel) >= sizeof path)
		return 0;
	if ((fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) < 0)
		return 0;
	if (fstat(fd, &st) || !S_ISREG(st.st_mode) || (uint64_t)st.st_size > YQ_STATIC_FILE_MAX) {
		close(fd);
		return 0;
	}
	snprintf(etag, sizeof etag, "\"%jx-%jx\"", (uintmax_t)st.st_size,
		 (uintmax_t)st.st_mtim.tv_sec * 1000000000u + (uintmax_t)st.st_mtim.tv_nsec);
	const char *inm = yq_req_header(r, "If-None-Match");
	if (inm && !strcmp(inm, etag)) {
		close(fd);
		status = 304;
		resp = MHD_create_response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT);
	} else {
		resp = MHD_create_response_from_fd((uint64_t)st.st_size, fd); /* owns fd */
		if (!resp)
			close(fd);
	}
	if (!resp) {
		*ok = MHD_NO;
		return 1;
	}
	const char *type = content_type(rel);
	MHD_add_response_header(resp, "Content-Type", type);
	MHD_add_response_header(resp, "ETag", etag);
	MHD_add_response_header(resp, "Cache-Control", !strcmp(rel, "/index.html")
							       ? "no-cache"
							       : "public, max-age=300");
	MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
	if (!strncmp(type, "text/html", 9)) {
		MHD_add_response_header(resp, "Content-Security-Policy",
					"default-src 'self'; style-src 'self' 'unsafe-inline'; "
					"img-src 'self' data:; frame-ancestors 'none'");
		MHD_add_response_header(resp, "Referrer-Policy", "no-referrer");
	}
	r->answered = 1;
	r->route = "static";
	*ok = MHD_queue_response(r->conn, (unsigned)status, resp);
	MHD_destroy_response(resp);
	yq_metrics_http(r->d->m, r->method, r->route, status);
	return 1;
}
