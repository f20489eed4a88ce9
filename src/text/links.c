/* links.c — canonical URLs as link identities; see links.h. */
#include "text/links.h"
#include "base/error.h"

#include <string.h>
#include <strings.h>

/* Query parameters that track the reader, not name the page. */
static int tracking(const char *k, size_t n)
{
	static const char *const exact[] = {"spm", "from", "isappinstalled", "scene", "clicktime",
					    "fbclid", "gclid", "mkt_tok", "wfr", "sharer_shareid"};
	if (n > 4 && strncasecmp(k, "utm_", 4) == 0)
		return 1;
	if (n > 6 && strncasecmp(k, "share_", 6) == 0)
		return 1;
	for (size_t i = 0; i < sizeof exact / sizeof exact[0]; i++)
		if (strlen(exact[i]) == n && strncasecmp(k, exact[i], n) == 0)
			return 1;
	return 0;
}

int yq_link_key(const char *u, size_t n, struct yq_buf *out)
{
	const char *sep = memmem(u, n, "://", 3);
	size_t sl = sep ? (size_t)(sep - u) : 0;
	int http = sep && ((sl == 4 && strncasecmp(u, "http", 4) == 0) ||
			   (sl == 5 && strncasecmp(u, "https", 5) == 0));
	if (!http)
		return yq_buf_add(out, u, n);
	size_t h = sl + 3, he = h;
	while (he < n && u[he] != '/' && u[he] != '?' && u[he] != '#')
		he++;
	if (he == h)
		return yq_buf_add(out, u, n);
	/* scheme and host, lower-case; the default port dropped */
	for (size_t i = 0; i < he; i++) {
		char c = u[i];
		if (c >= 'A' && c <= 'Z')
			c = (char)(c - 'A' + 'a');
		if (yq_buf_addc(out, c))
			return YQ_ENOMEM;
	}
	const char *port = NULL;
	for (size_t i = out->len; i > 0 && out->s[i - 1] != '/'; i--)
		if (out->s[i - 1] == ':') {
			port = out->s + i;
			break;
		}
	if (port && ((sl == 4 && strcmp(port, "80") == 0) || (sl == 5 && strcmp(port, "443") == 0))) {
		out->len = (size_t)(port - out->s) - 1;
		out->s[out->len] = '\0';
	}
	/* path */
	size_t pe = he;
	while (pe < n && u[pe] != '?' && u[pe] != '#')
		pe++;
	if (pe == he ? yq_buf_addc(out, '/') : yq_buf_add(out, u + he, pe - he))
		return YQ_ENOMEM;
	/* query without tracking parameters; the fragment dropped */
	if (pe < n && u[pe] == '?') {
		size_t qe = pe + 1, kept = 0;
		while (qe < n && u[qe] != '#')
			qe++;
		for (size_t a = pe + 1; a < qe;) {
			size_t b = a;
			while (b < qe && u[b] != '&')
				b++;
			size_t k = a;
			while (k < b && u[k] != '=')
				k++;
			if (b > a && !tracking(u + a, k - a)) {
				if (yq_buf_addc(out, kept++ ? '&' : '?') || yq_buf_add(out, u + a, b - a))
					return YQ_ENOMEM;
			}
			a = b + 1;
		}
	}
	return YQ_OK;
}
