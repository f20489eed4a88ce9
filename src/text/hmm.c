/*
 * hmm.c — jieba finalseg's HMM: a tolerant reader for the Python dict
 * literals that hold its parameters, and the Viterbi decoder.  See hmm.h.
 *
 * The reader accepts what Python would for these files: "P=" followed by a
 * dict of quoted keys ('…' or "…", optional u prefix, escapes \uXXXX,
 * \UXXXXXXXX, \xXX, \\, \', \", \n, \r, \t) and values that are numbers or
 * dicts one level down; blanks, newlines, trailing commas and # comments
 * anywhere between tokens.  Numbers go through strtod, which, like Python's
 * float parser, rounds correctly, so every parameter is the same double.
 *
 * Viterbi (jieba finalseg.viterbi): V[0][y] = start[y] + emit[y](c0);
 * V[t][y] = max over y0 in PrevStatus[y] of (V[t-1][y0] + trans[y0][y]) +
 * emit[y](ct), ties to the larger state letter; the last state is the larger
 * of (V, letter) over E and S; the path follows back-pointers.
 */
#include "text/hmm.h"
#include "base/error.h"
#include "base/utf8.h"
#include "text/dict.h"

#include <stdlib.h>
#include <string.h>

/* jieba's PrevStatus, with its states as indices. */
static const uint8_t prev_status[4][2] = {
	[YQ_HMM_B] = {YQ_HMM_E, YQ_HMM_S},
	[YQ_HMM_M] = {YQ_HMM_M, YQ_HMM_B},
	[YQ_HMM_S] = {YQ_HMM_S, YQ_HMM_E},
	[YQ_HMM_E] = {YQ_HMM_B, YQ_HMM_M},
};

#define NHAN (YQ_HMM_HAN_LAST - YQ_HMM_HAN_FIRST + 1)
#define KEY_MAX 8 /* code points in a key */

/* ---- the Python literal reader ---- */

enum kind { K_START, K_TRANS, K_EMIT };

struct rd {
	const char *s;
	size_t n, i, line;
	const char *path;
	struct yq_buf *err;
	enum kind kind;
	struct yq_hmm *h;
};

static int fail(struct rd *r, const char *what)
{
	yq_buf_printf(r->err, "%s:%zu: %s", r->path, r->line, what);
	return YQ_EFORMAT;
}

static void skip_ws(struct rd *r)
{
	while (r->i < r->n) {
		char c = r->s[r->i];
		if (c == '\n') {
			r->line++;
			r->i++;
		} else if (c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v') {
			r->i++;
		} else if (c == '#') {
			while (r->i < r->n && r->s[r->i] != '\n')
				r->i++;
		} else {
			break;
		}
	}
}

static int read_hex(struct rd *r, int digits, uint32_t *out)
{
	uint32_t v = 0;
	if (r->i + (size_t)digits > r->n)
		return fail(r, "truncated escape");
	for (int k = 0; k < digits; k++) {
		int x = yq_hex_digit(r->s[r->i++]);
		if (x < 0)
			return fail(r, "bad hex escape");
		v = v * 16 + (uint32_t)x;
	}
	*out = v;
	return YQ_OK;
}

/* A quoted key, as code points (at most KEY_MAX). */
static int read_key(struct rd *r, uint32_t *cps, size_t *n)
{
	if (r->i < r->n && (r->s[r->i] == 'u' || r->s[r->i] == 'U'))
		r->i++;
	if (r->i >= r->n || (r->s[r->i] != '\'' && r->s[r->i] != '"'))
		return fail(r, "expected a quoted key");
	char q = r->s[r->i++];
	*n = 0;
	for (;;) {
		if (r->i >= r->n || r->s[r->i] == '\n')
			return fail(r, "unterminated string");
		char c = r->s[r->i];
		uint32_t cp;
		if (c == q) {
			r->i++;
			return YQ_OK;
		}
		if (c == '\\') {
			r->i++;
			if (r->i >= r->n)
				return fail(r, "truncated escape");
			char e = r->s[r->i++];
			int rc = YQ_OK;
			switch (e) {
			case 'u': rc = read_hex(r, 4, &cp); break;
			case 'U': rc = read_hex(r, 8, &cp); break;
			case 'x': rc = read_hex(r, 2, &cp); break;
			case 'n': cp = '\n'; break;
			case 'r': cp = '\r'; break;
			case 't': cp = '\t'; break;
			case '\\': case '\'': case '"': cp = (uint32_t)(unsigned char)e; break;
			default: return fail(r, "unknown escape");
			}
			if (rc)
				return rc;
			if (cp > 0x10FFFF)
				return fail(r, "escape out of range");
		} else {
			int32_t v = yq_utf8_next(r->s, r->n, &r->i);
			if (v < 0)
				return fail(r, "not UTF-8");
			cp = (uint32_t)v;
		}
		if (*n == KEY_MAX)
			return fail(r, "key too long");
		cps[(*n)++] = cp;
	}
}

static int read_number(struct rd *r, double *out)
{
	char tmp[64];
	size_t k = 0;
	while (r->i < r->n && k < sizeof(tmp) - 1 &&
	       strchr("+-0123456789.eE", r->s[r->i]) && r->s[r->i] != '\0')
		tmp[k++] = r->s[r->i++];
	tmp[k] = '\0';
	char *end;
	if (k == 0)
		return fail(r, "expected a number or a dict");
	*out = strtod(tmp, &end);
	if (*end != '\0')
		return fail(r, "bad number");
	return YQ_OK;
}

static int state_of(const uint32_t *cps, size_t n)
{
	if (n != 1)
		return -1;
	switch (cps[0]) {
	case 'B': return YQ_HMM_B;
	case 'E': return YQ_HMM_E;
	case 'M': return YQ_HMM_M;
	case 'S': return YQ_HMM_S;
	}
	return -1;
}

/* Stores one parameter: outer is a state; inner (n>0) a state or a char. */
static int store(struct rd *r, int outer, const uint32_t *inner, size_t n, double v)
{
	if (r->kind == K_START) {
		r->h->start[outer] = v;
		return YQ_OK;
	}
	if (r->kind == K_TRANS) {
		int to = state_of(inner, n);
		if (to < 0)
			return fail(r, "transition to an unknown state");
		r->h->trans[outer][to] = v;
		return YQ_OK;
	}
	if (n != 1)
		return fail(r, "emission key is not one character");
	if (inner[0] >= YQ_HMM_HAN_FIRST && inner[0] <= YQ_HMM_HAN_LAST)
		r->h->emit[(inner[0] - YQ_HMM_HAN_FIRST) * 4 + (unsigned)outer] = v;
	return YQ_OK;
}

/* A dict at depth 1 (keys are states) or 2 (keys under state outer). */
static int read_dict(struct rd *r, int depth, int outer)
{
	skip_ws(r);
	if (r->i >= r->n || r->s[r->i] != '{')
		return fail(r, "expected '{'");
	r->i++;
	for (;;) {
		uint32_t key[KEY_MAX];
		size_t nk;
		skip_ws(r);
		if (r->i < r->n && r->s[r->i] == '}') {
			r->i++;
			return YQ_OK;
		}
		int rc = read_key(r, key, &nk);
		if (rc)
			return rc;
		skip_ws(r);
		if (r->i >= r->n || r->s[r->i] != ':')
			return fail(r, "expected ':'");
		r->i++;
		skip_ws(r);
		if (depth == 1) {
			int st = state_of(key, nk);
			if (st < 0)
				return fail(r, "unknown state");
			if (r->i < r->n && r->s[r->i] == '{') {
				if (r->kind == K_START)
					return fail(r, "nested dict in start probabilities");
				rc = read_dict(r, 2, st);
			} else {
				double v;
				if (r->kind != K_START)
					return fail(r, "expected a dict");
				rc = read_number(r, &v);
				if (!rc)
					rc = store(r, st, NULL, 0, v);
			}
		} else {
			double v;
			rc = read_number(r, &v);
			if (!rc)
				rc = store(r, outer, key, nk, v);
		}
		if (rc)
			return rc;
		skip_ws(r);
		if (r->i < r->n && r->s[r->i] == ',') {
			r->i++;
			continue;
		}
		if (r->i < r->n && r->s[r->i] == '}') {
			r->i++;
			return YQ_OK;
		}
		return fail(r, "expected ',' or '}'");
	}
}

static int read_params(struct yq_hmm *h, const char *dir, const char *name, enum kind kind,
		       struct yq_buf *err)
{
	struct yq_buf path = YQ_BUF_INIT;
	char *data = NULL;
	size_t len = 0;
	int rc = yq_buf_printf(&path, "%s/%s", dir, name);
	if (rc)
		goto out;
	rc = yq_dict_read_file(path.s, &data, &len, err);
	if (rc)
		goto out;
	struct rd r = {data, len, 0, 1, path.s, err, kind, h};
	/* the assignment "P =" at the start of a line */
	for (;;) {
		skip_ws(&r);
		if (r.i >= r.n) {
			rc = fail(&r, "no 'P =' assignment");
			goto out;
		}
		if (r.s[r.i] == 'P' && (r.i == 0 || r.s[r.i - 1] == '\n')) {
			r.i++;
			skip_ws(&r);
			if (r.i < r.n && r.s[r.i] == '=') {
				r.i++;
				break;
			}
		}
		while (r.i < r.n && r.s[r.i] != '\n')
			r.i++;
	}
	rc = read_dict(&r, 1, 0);
out:
	free(data);
	yq_buf_release(&path);
	return rc;
}

int yq_hmm_load(struct yq_hmm *h, const char *dir, struct yq_buf *err)
{
	int rc;
	memset(h, 0, sizeof(*h));
	h->emit = malloc((size_t)NHAN * 4 * sizeof(*h->emit));
	if (!h->emit)
		return YQ_ENOMEM;
	for (size_t i = 0; i < (size_t)NHAN * 4; i++)
		h->emit[i] = YQ_HMM_MIN_FLOAT;
	for (int a = 0; a < 4; a++) {
		h->start[a] = YQ_HMM_MIN_FLOAT;
		for (int b = 0; b < 4; b++)
			h->trans[a][b] = YQ_HMM_MIN_FLOAT;
	}
	rc = read_params(h, dir, "prob_start.py", K_START, err);
	if (!rc)
		rc = read_params(h, dir, "prob_trans.py", K_TRANS, err);
	if (!rc)
		rc = read_params(h, dir, "prob_emit.py", K_EMIT, err);
	if (rc)
		yq_hmm_release(h);
	return rc;
}

void yq_hmm_release(struct yq_hmm *h)
{
	if (!h)
		return;
	free(h->emit);
	memset(h, 0, sizeof(*h));
}

void yq_hmm_scratch_release(struct yq_hmm_scratch *w)
{
	if (!w)
		return;
	free(w->bp);
	free(w->tag);
	memset(w, 0, sizeof(*w));
}

/* ---- Viterbi ---- */

static inline const double *emit_row(const struct yq_hmm *h, uint32_t cp)
{
	static const double none[4] = {YQ_HMM_MIN_FLOAT, YQ_HMM_MIN_FLOAT, YQ_HMM_MIN_FLOAT,
				       YQ_HMM_MIN_FLOAT};
	if (cp < YQ_HMM_HAN_FIRST || cp > YQ_HMM_HAN_LAST)
		return none;
	return h->emit + (size_t)(cp - YQ_HMM_HAN_FIRST) * 4;
}

int yq_hmm_decode(const struct yq_hmm *h, const uint32_t *cps, size_t n,
		  struct yq_hmm_scratch *w)
{
	if (n > w->cap) {
		size_t nc = w->cap ? w->cap : 256;
		while (nc < n)
			nc *= 2;
		uint8_t *bp = realloc(w->bp, nc * 4);
		if (!bp)
			return YQ_ENOMEM;
		w->bp = bp;
		uint8_t *tag = realloc(w->tag, nc);
		if (!tag)
			return YQ_ENOMEM;
		w->tag = tag;
		w->cap = nc;
	}
	double v[4], nv[4];
	const double *em = emit_row(h, cps[0]);
	for (int y = 0; y < 4; y++)
		v[y] = h->start[y] + em[y];
	for (size_t t = 1; t < n; t++) {
		em = emit_row(h, cps[t]);
		for (int y = 0; y < 4; y++) {
			uint8_t a = prev_status[y][0], b = prev_status[y][1];
			double pa = v[a] + h->trans[a][y] + em[y];
			double pb = v[b] + h->trans[b][y] + em[y];
			/* tuple max: the larger probability, then the larger letter */
			if (pb > pa || (pb == pa && b > a)) {
				nv[y] = pb;
				w->bp[t * 4 + (size_t)y] = b;
			} else {
				nv[y] = pa;
				w->bp[t * 4 + (size_t)y] = a;
			}
		}
		memcpy(v, nv, sizeof(v));
	}
	uint8_t st = v[YQ_HMM_S] >= v[YQ_HMM_E] ? YQ_HMM_S : YQ_HMM_E;
	for (size_t t = n; t-- > 0;) {
		w->tag[t] = st;
		if (t)
			st = w->bp[t * 4 + st];
	}
	return YQ_OK;
}
