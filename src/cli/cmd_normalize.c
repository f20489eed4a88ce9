/*
 * cmd_normalize.c — `yuqing normalize [--map] [FILE…]`: each input line
 * (files, gzip files, or "-" / no argument for stdin) becomes one normalized
 * line on stdout, so line N of the output always belongs to line N of the
 * input.  Invalid UTF-8 is repaired (U+FFFD) first and counted; the count
 * goes to stderr at the end.  An over-long line is reported with its number
 * and printed as an empty line, keeping the line correspondence.
 *
 * --map appends, after a tab, the offset map of the line: for every code
 * point of the normalized line, its code-point offset in the original line
 * (space-separated), then the original length — a debugging aid and what the
 * integration tests check.
 *
 * --json prints instead one JSON object a line with the post's parts
 * (text/structure.h, text/links.h): {"text", "own", "chain": [{"user",
 * "text"}], "mentions", "urls", "links"} (links: the URLs' canonical keys).
 */
#include "base/buf.h"
#include "base/error.h"
#include "base/utf8.h"
#include "cli/cli.h"
#include "collect/lines.h"
#include "text/links.h"
#include "text/normalize.h"
#include "text/structure.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#define CMD "normalize"
#define USAGE "[--map | --json] [FILE...]"

static int print_map(const struct yq_norm_result *r, struct yq_buf *o)
{
	for (size_t i = 0; i < r->text.len; i++) {
		if (((unsigned char)r->text.s[i] & 0xC0) == 0x80)
			continue;
		if (yq_buf_printf(o, "%s%u", i ? " " : "\t", (unsigned)r->map[i]))
			return YQ_ENOMEM;
	}
	return yq_buf_printf(o, "%s%u", r->text.len ? " " : "\t",
			     (unsigned)r->map[r->text.len]);
}

static int add_span(struct yq_buf *o, const char *s, struct yq_span sp)
{
	return yq_buf_add_json_str(o, s + sp.off, sp.len);
}

/* print_json: the parts of a normalized post as one JSON object. */
static int print_json(const struct yq_norm_result *r, struct yq_post_parts *pp,
		      struct yq_buf *tmp, struct yq_buf *o)
{
	const char *s = r->text.s;
	if (yq_post_parts_read(r, pp))
		return YQ_ENOMEM;
	int rc = yq_buf_adds(o, "{\"text\":");
	rc = rc ? rc : yq_buf_add_json_str(o, s, r->text.len);
	rc = rc ? rc : yq_buf_adds(o, ",\"own\":");
	rc = rc ? rc : add_span(o, s, pp->own);
	rc = rc ? rc : yq_buf_adds(o, ",\"chain\":[");
	for (size_t i = 0; i < pp->nchain && !rc; i++) {
		rc = yq_buf_adds(o, i ? ",{\"user\":" : "{\"user\":");
		rc = rc ? rc : add_span(o, s, pp->chain[i].user);
		rc = rc ? rc : yq_buf_adds(o, ",\"text\":");
		rc = rc ? rc : add_span(o, s, pp->chain[i].text);
		rc = rc ? rc : yq_buf_addc(o, '}');
	}
	rc = rc ? rc : yq_buf_adds(o, "],\"mentions\":[");
	for (size_t i = 0; i < pp->mentions.n && !rc; i++) {
		rc = i ? yq_buf_addc(o, ',') : 0;
		rc = rc ? rc : add_span(o, s, pp->mentions.v[i]);
	}
	rc = rc ? rc : yq_buf_adds(o, "],\"urls\":[");
	for (size_t i = 0; i < r->urls.n && !rc; i++) {
		rc = i ? yq_buf_addc(o, ',') : 0;
		rc = rc ? rc : add_span(o, s, r->urls.v[i]);
	}
	rc = rc ? rc : yq_buf_adds(o, "],\"links\":[");
	for (size_t i = 0; i < r->urls.n && !rc; i++) {
		yq_buf_reset(tmp);
		rc = i ? yq_buf_addc(o, ',') : 0;
		rc = rc ? rc : yq_link_key(s + r->urls.v[i].off, r->urls.v[i].len, tmp);
		rc = rc ? rc : yq_buf_add_json_str(o, tmp->s, tmp->len);
	}
	return rc ? rc : yq_buf_adds(o, "]}");
}

static int run_file(struct yq_normalizer *nz, const char *path, int map /* 1 --map, 2 --json */,
		    size_t *nbad_total, size_t *nlong)
{
	struct yq_post_parts pp = {0};
	struct yq_buf tmp = YQ_BUF_INIT;
	struct yq_lines *l = NULL;
	struct yq_buf line = YQ_BUF_INIT, fixed = YQ_BUF_INIT, o = YQ_BUF_INIT;
	struct yq_norm_result r = {0};
	size_t lineno = 0;
	int rc = yq_lines_open(path, &l);
	if (rc) {
		yq_cli_err(CMD, "cannot open: %s (%s)", strerror(errno), path);
		goto out;
	}
	for (;;) {
		rc = yq_lines_next(l, &line, &lineno);
		if (rc == YQ_EEOF) {
			rc = YQ_OK;
			break;
		}
		if (rc == YQ_ETOOBIG) {
			yq_cli_err(CMD, "line longer than %u bytes, printed empty (%s:%zu)",
				   YQ_LINE_MAX, path, lineno);
			(*nlong)++;
			fputc('\n', stdout);
			continue;
		}
		if (rc) {
			yq_cli_err(CMD, "read error: %s (%s:%zu)", yq_strerror(rc), path, lineno);
			goto out;
		}
		const char *s = line.s;
		size_t n = line.len, nbad = 0;
		if (!yq_utf8_valid(s, n)) {
			yq_buf_reset(&fixed);
			rc = yq_utf8_repair(s, n, &fixed, &nbad);
			if (rc)
				goto nomem;
			*nbad_total += nbad;
			s = fixed.s;
			n = fixed.len;
		}
		rc = yq_normalize(nz, s, n, &r);
		if (rc == YQ_ETOOBIG) {
			yq_cli_err(CMD, "line over the 1 MiB normalization cap, printed empty (%s:%zu)",
				   path, lineno);
			(*nlong)++;
			fputc('\n', stdout);
			continue;
		}
		if (rc)
			goto nomem;
		yq_buf_reset(&o);
		if ((map == 2 ? print_json(&r, &pp, &tmp, &o)
			      : (yq_buf_add(&o, r.text.s, r.text.len) || (map && print_map(&r, &o)))) ||
		    yq_buf_addc(&o, '\n')) {
			rc = YQ_ENOMEM;
			goto nomem;
		}
		fwrite(o.s, 1, o.len, stdout);
	}
	goto out;
nomem:
	yq_cli_err(CMD, "%s (%s:%zu)", yq_strerror(rc), path, lineno);
out:
	yq_lines_close(l);
	yq_buf_release(&line);
	yq_buf_release(&fixed);
	yq_buf_release(&o);
	yq_norm_result_release(&r);
	yq_post_parts_release(&pp);
	yq_buf_release(&tmp);
	return rc;
}

int yq_cmd_normalize(int argc, char **argv)
{
	struct yq_normalizer *nz = NULL;
	struct yq_buf err = YQ_BUF_INIT;
	int map = 0, first = 1, status = YQ_EXIT_OK;
	size_t nbad = 0, nlong = 0;
	for (; first < argc; first++) {
		if (strcmp(argv[first], "--map") == 0) {
			map = 1;
		} else if (strcmp(argv[first], "--json") == 0) {
			map = 2;
		} else if (strcmp(argv[first], "--") == 0) {
			first++;
			break;
		} else if (argv[first][0] == '-' && argv[first][1] != '\0') {
			yq_cli_err(CMD, "unknown option '%s'", argv[first]);
			return yq_cli_usage(CMD, USAGE);
		} else {
			break;
		}
	}
	if (yq_normalizer_new(&nz, &err)) {
		yq_cli_err(CMD, "cannot initialize: %s", err.s);
		status = YQ_EXIT_RUNTIME;
		goto out;
	}
	if (first == argc) {
		if (run_file(nz, "-", map, &nbad, &nlong))
			status = YQ_EXIT_RUNTIME;
	}
	for (int i = first; i < argc; i++)
		if (run_file(nz, argv[i], map, &nbad, &nlong))
			status = YQ_EXIT_RUNTIME;
	if (fflush(stdout) != 0) {
		yq_cli_err(CMD, "write error: %s (stdout)", strerror(errno));
		status = YQ_EXIT_RUNTIME;
	}
	if (nbad)
		yq_cli_err(CMD, "%zu invalid UTF-8 sequences replaced by U+FFFD", nbad);
	if (nlong)
		yq_cli_err(CMD, "%zu over-long lines printed empty", nlong);
out:
	yq_normalizer_free(nz);
	yq_buf_release(&err);
	return status;
}
