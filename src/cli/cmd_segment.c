/*
 * cmd_segment.c — `yuqing segment`: lines in, the same lines segmented out,
 * tokens joined by one space (SIGHAN scoring format); by default exactly
 * Python's " ".join(jieba.cut(line)).
 *
 * --analysis prints the pipeline's tokens instead: each line goes through
 * yq_normalize and yq_tokenize (the segmenter with user and place words
 * preferred), every token but whitespace, joined by one space.  Place names
 * come from --gazetteer DIR, else yq_gazetteer_dir() (YQ_GAZETTEER, then
 * $YQ_DATA/gazetteer_cn, then ../shared/data/gazetteer_cn); when that
 * default is missing a note says so and the run goes on without them.
 *
 * Options are parsed into struct opts first and the run is driven from it.  Bad input never stops the stream: a line with invalid
 * UTF-8 is repaired (U+FFFD) and counted, an over-long line is reported and
 * written as an empty line so output line i still answers input line i.
 */
#include "base/buf.h"
#include "base/error.h"
#include "base/utf8.h"
#include "cli/cli.h"
#include "collect/lines.h"
#include "text/normalize.h"
#include "text/segment.h"
#include "text/tokenize.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CMD "segment"
#define USAGE \
	"[--no-hmm] [--dict F] [--user-dict F]... [--analysis [--gazetteer DIR | --no-gazetteer]] [FILE...]"
#define MAX_USER_DICTS 64

struct opts {
	int flags; /* YQ_SEG_* */
	int analysis;
	int no_gazetteer;
	const char *gazetteer;
	const char *dict;
	const char *user_dicts[MAX_USER_DICTS];
	size_t n_user_dicts;
	char **files;
	size_t n_files;
};

struct run {
	const struct yq_segmenter *seg;
	struct yq_seg_work work;
	struct yq_spans spans;
	struct yq_normalizer *nz; /* --analysis only */
	struct yq_norm_result nr;
	struct yq_tokens toks;
	struct yq_buf line, fixed, out;
	size_t nrepaired, ntoolong;
	const char *first_bad_file;
	size_t first_bad_line;
};

/* Value of an option given as "--name V" or "--name=V"; NULL if argv[*i] is
 * not that option, "" (and a usage error) when the value is missing. */
static const char *opt_value(int argc, char **argv, int *i, const char *name, int *bad)
{
	size_t n = strlen(name);
	if (strncmp(argv[*i], name, n) != 0)
		return NULL;
	if (argv[*i][n] == '=')
		return argv[*i] + n + 1;
	if (argv[*i][n] != '\0')
		return NULL;
	if (*i + 1 >= argc) {
		yq_cli_err(CMD, "option %s needs a value", name);
		*bad = 1;
		return "";
	}
	return argv[++*i];
}

static int parse_opts(int argc, char **argv, struct opts *o)
{
	int i, bad = 0;
	memset(o, 0, sizeof(*o));
	o->flags = YQ_SEG_HMM;
	for (i = 1; i < argc; i++) {
		const char *a = argv[i], *v;
		if (strcmp(a, "--") == 0) {
			i++;
			break;
		}
		if (a[0] != '-' || strcmp(a, "-") == 0)
			break;
		if (strcmp(a, "--no-hmm") == 0) {
			o->flags &= ~YQ_SEG_HMM;
		} else if (strcmp(a, "--analysis") == 0) {
			o->analysis = 1;
		} else if (strcmp(a, "--no-gazetteer") == 0) {
			o->no_gazetteer = 1;
		} else if ((v = opt_value(argc, argv, &i, "--gazetteer", &bad))) {
			if (bad)
				return YQ_EXIT_USAGE;
			o->gazetteer = v;
		} else if ((v = opt_value(argc, argv, &i, "--dict", &bad))) {
			if (bad)
				return YQ_EXIT_USAGE;
			o->dict = v;
		} else if ((v = opt_value(argc, argv, &i, "--user-dict", &bad))) {
			if (bad)
				return YQ_EXIT_USAGE;
			if (o->n_user_dicts == MAX_USER_DICTS) {
				yq_cli_err(CMD, "more than %d --user-dict files", MAX_USER_DICTS);
				return YQ_EXIT_USAGE;
			}
			o->user_dicts[o->n_user_dicts++] = v;
		} else {
			yq_cli_err(CMD, "unknown option '%s'", a);
			return yq_cli_usage(CMD, USAGE);
		}
	}
	if ((o->gazetteer || o->no_gazetteer) && !o->analysis) {
		yq_cli_err(CMD, "--gazetteer and --no-gazetteer only go with --analysis");
		return yq_cli_usage(CMD, USAGE);
	}
	if (o->analysis && !(o->flags & YQ_SEG_HMM)) {
		yq_cli_err(CMD, "--analysis always uses the HMM; --no-hmm does not go with it");
		return yq_cli_usage(CMD, USAGE);
	}
	o->files = argv + i;
	o->n_files = (size_t)(argc - i);
	return YQ_EXIT_OK;
}

/* yq_utf8_valid with the common cases (ASCII, well-formed 3-byte CJK)
 * inline; anything else is left to the strict base check. */
static int valid_utf8(const char *text, size_t len)
{
	const unsigned char *u = (const unsigned char *)text;
	size_t i = 0;
	while (i < len) {
		unsigned b0 = u[i];
		if (b0 < 0x80) {
			i++;
		} else if (b0 >= 0xE1 && b0 <= 0xEF && b0 != 0xED && i + 2 < len &&
			   (u[i + 1] & 0xC0) == 0x80 && (u[i + 2] & 0xC0) == 0x80) {
			i += 3;
		} else {
			return yq_utf8_valid(text + i, len - i);
		}
	}
	return 1;
}

/* Segments r->line (valid UTF-8) into r->out, tokens joined by spaces. */
static int segment_line(struct run *r, const char *text, size_t len, int flags)
{
	r->spans.n = 0;
	int rc = yq_segment_cut(r->seg, &r->work, text, len, flags, &r->spans);
	if (rc)
		return rc;
	if ((rc = yq_buf_grow(&r->out, len + r->spans.n + 1)))
		return rc;
	char *p = r->out.s + r->out.len;
	for (size_t k = 0; k < r->spans.n; k++) {
		if (k)
			*p++ = ' ';
		memcpy(p, text + r->spans.v[k].off, r->spans.v[k].len);
		p += r->spans.v[k].len;
	}
	*p++ = '\n';
	*p = '\0';
	r->out.len = (size_t)(p - r->out.s);
	return YQ_OK;
}

/* --analysis: normalized, tokenized, whitespace dropped (yq_tokenize never
 * returns it), tokens joined by one space. */
static int analyze_line(struct run *r, const char *text, size_t len)
{
	int rc = yq_normalize(r->nz, text, len, &r->nr);
	if (rc)
		return rc;
	const char *t = r->nr.text.s;
	if ((rc = yq_tokenize(r->seg, &r->work, t, r->nr.text.len, &r->toks)))
		return rc;
	for (size_t k = 0; k < r->toks.n; k++) {
		if ((k && (rc = yq_buf_addc(&r->out, ' '))) ||
		    (rc = yq_buf_add(&r->out, t + r->toks.v[k].off, r->toks.v[k].len)))
			return rc;
	}
	return yq_buf_addc(&r->out, '\n');
}

static int flush_out(struct run *r)
{
	if (r->out.len && fwrite(r->out.s, 1, r->out.len, stdout) != r->out.len) {
		yq_cli_err(CMD, "write error (stdout): %s", strerror(errno));
		return YQ_EXIT_RUNTIME;
	}
	yq_buf_reset(&r->out);
	return YQ_EXIT_OK;
}

static int run_file(struct run *r, const char *path, int flags)
{
	struct yq_lines *in = NULL;
	size_t lineno = 0;
	int status = YQ_EXIT_OK, rc = yq_lines_open(path, &in);
	if (rc) {
		yq_cli_err(CMD, "cannot open: %s (%s)",
			   rc == YQ_EIO ? strerror(errno) : yq_strerror(rc), path);
		return YQ_EXIT_RUNTIME;
	}
	for (;;) {
		rc = yq_lines_next(in, &r->line, &lineno);
		if (rc == YQ_EEOF)
			break;
		if (rc == YQ_ETOOBIG) {
			yq_cli_err(CMD, "line longer than %u bytes, written empty (%s:%zu)",
				   YQ_LINE_MAX, path, lineno);
			r->ntoolong++;
			rc = yq_buf_addc(&r->out, '\n');
		} else if (rc == YQ_OK) {
			const char *text = r->line.s;
			size_t len = r->line.len;
			if (!valid_utf8(text, len)) {
				yq_buf_reset(&r->fixed);
				rc = yq_utf8_repair(text, len, &r->fixed, NULL);
				text = r->fixed.s;
				len = r->fixed.len;
				if (!r->nrepaired++) {
					r->first_bad_file = path;
					r->first_bad_line = lineno;
				}
			}
			if (rc == YQ_OK && r->nz) {
				rc = analyze_line(r, text, len);
				if (rc == YQ_ETOOBIG) {
					yq_cli_err(CMD, "line too long to normalize, written empty (%s:%zu)",
						   path, lineno);
					r->ntoolong++;
					rc = yq_buf_addc(&r->out, '\n');
				}
			} else if (rc == YQ_OK) {
				rc = segment_line(r, text, len, flags);
			}
		}
		if (rc) {
			yq_cli_err(CMD, "%s (%s:%zu)", yq_strerror(rc), path, lineno);
			status = YQ_EXIT_RUNTIME;
			break;
		}
		if (r->out.len >= (1u << 16) && (status = flush_out(r)))
			break;
	}
	yq_lines_close(in);
	if (status == YQ_EXIT_OK)
		status = flush_out(r);
	return status;
}

int yq_cli_segmenter(const char *cmd, struct yq_segmenter **out)
{
	struct yq_buf err = YQ_BUF_INIT, note = YQ_BUF_INIT;
	int rc = yq_segmenter_new_analysis(out, &err, &note);
	if (note.len)
		yq_cli_err(cmd, "note: %s", note.s);
	if (rc)
		yq_cli_err(cmd, "cannot load the dictionary: %s (%s)", yq_strerror(rc),
			   err.len ? err.s : yq_jieba_dir());
	yq_buf_release(&err);
	yq_buf_release(&note);
	return rc;
}

int yq_cmd_segment(int argc, char **argv)
{
	struct opts o;
	struct run r;
	struct yq_segmenter *seg = NULL;
	struct yq_buf err = YQ_BUF_INIT;
	int status = parse_opts(argc, argv, &o);
	if (status)
		return status;
	memset(&r, 0, sizeof(r));
	yq_buf_init(&r.line);
	yq_buf_init(&r.fixed);
	yq_buf_init(&r.out);
	struct yq_buf gdir = YQ_BUF_INIT, note = YQ_BUF_INIT;
	struct yq_seg_config cfg = {o.dict, NULL, o.user_dicts, o.n_user_dicts, NULL};
	int rc;
	if (o.analysis) {
		cfg.gazetteer = o.gazetteer;
		if (!o.gazetteer && !o.no_gazetteer)
			cfg.gazetteer = yq_gazetteer_dir(&gdir, &note);
		if (note.len)
			yq_cli_err(CMD, "note: %s", note.s);
		if ((rc = yq_normalizer_new(&r.nz, &err))) {
			yq_cli_err(CMD, "cannot start the normalizer: %s (%s)", yq_strerror(rc),
				   err.len ? err.s : "normalize");
			status = YQ_EXIT_RUNTIME;
			goto out;
		}
	}
	rc = yq_segmenter_new(&cfg, &seg, &err);
	if (rc) {
		yq_cli_err(CMD, "cannot load the dictionary: %s (%s)", yq_strerror(rc),
			   err.len ? err.s : yq_jieba_dir());
		status = YQ_EXIT_RUNTIME;
		goto out;
	}
	r.seg = seg;
	static char stdin_name[] = "-";
	static char *stdin_only[] = {stdin_name};
	char **files = o.n_files ? o.files : stdin_only;
	size_t n_files = o.n_files ? o.n_files : 1;
	for (size_t i = 0; i < n_files && status == YQ_EXIT_OK; i++)
		status = run_file(&r, files[i], o.flags);
	if (fflush(stdout) != 0 && status == YQ_EXIT_OK) {
		yq_cli_err(CMD, "write error (stdout): %s", strerror(errno));
		status = YQ_EXIT_RUNTIME;
	}
	if (r.nrepaired)
		yq_cli_err(CMD, "repaired invalid UTF-8 in %zu line(s) (first at %s:%zu)",
			   r.nrepaired, r.first_bad_file, r.first_bad_line);
	if (r.ntoolong)
		yq_cli_err(CMD, "%zu over-long line(s) written empty", r.ntoolong);
out:
	yq_segmenter_free(seg);
	yq_normalizer_free(r.nz);
	yq_norm_result_release(&r.nr);
	yq_tokens_release(&r.toks);
	yq_buf_release(&gdir);
	yq_buf_release(&note);
	yq_seg_work_release(&r.work);
	yq_spans_release(&r.spans);
	yq_buf_release(&r.line);
	yq_buf_release(&r.fixed);
	yq_buf_release(&r.out);
	yq_buf_release(&err);
	return status;
}
