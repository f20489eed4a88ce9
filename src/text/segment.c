/*
 * segment.c — jieba 0.42.1's default cut (HMM on or off), token for token.
 *
 * Pipeline of one call (the names are jieba's):
 *   1. decode the text once into code points cps[] with their byte offsets
 *      offs[] (Python str indices = our code-point indices);
 *   2. cut(): maximal runs of re_han_default characters
 *      [\u4E00-\u9FD5a-zA-Z0-9+#&._%-] are blocks; every other code point is
 *      a token of its own ("\r\n" is one token), which is what jieba's
 *      re_skip split followed by per-character iteration yields;
 *   3. a block goes through calc() — the DAG walk and the max-log-probability
 *      route from the right are fused: for each start position (right to
 *      left) the trie is walked forward, every word end x scores
 *      (log(freq) - logtotal) + route[x+1], ties to the larger x, as
 *      max((prob, x)) does; a step the dictionary's edge filter rules out
 *      is not taken (the filter has no false negatives);
 *   4. __cut_DAG (HMM) or __cut_DAG_NO_HMM turns the route into tokens; runs
 *      of single characters that are not a dictionary word go to finalseg:
 *      its re_han [\u4E00-\u9FD5]+ runs are Viterbi-decoded (text/hmm.c),
 *      the rest is split by re_skip ([a-zA-Z0-9]+(?:\.\d+)?%?).  Inside a
 *      block \d can only meet ASCII digits, so ASCII is exact.
 * Floats: log() of the same doubles, the same operations in the same order,
 * so routes and tie-breaks are bit-identical with CPython on the same libm.
 *
 * User dictionaries follow load_userdict/add_word/suggest_freq, including
 * their quirks: a word given again adds to total without removing its old
 * frequency; a word given frequency 0 is removed from the DAG and is split
 * into characters whenever the HMM proposes it (Force_Split_Words).
 *
 * Analysis mode (YQ_SEG_ANALYSIS, not jieba) changes one thing in calc():
 * a word marked YQ_DICT_BONUS (a user word with frequency > 0, or a place
 * name) scores max(lf, log(total / words)).  calc_impl is instantiated for
 * both modes so the jieba loop keeps its single flag test.  Place names are
 * loaded after the user dictionaries and enter the trie as YQ_DICT_AONLY
 * nodes outside jieba's FREQ and total (dict.h), so the jieba modes, and
 * suggest_freq for user words, see exactly what they would without them.
 * User words with a non-Han character are also indexed by first code point
 * for yq_segmenter_special (the tokenizer keeps them whole).
 *
 * Invariants: all scratch lives in struct work (yq_seg_work.priv), grown
 * geometrically and never shrunk, so a steady stream of calls does not
 * allocate; the segmenter itself is read-only after yq_segmenter_new().
 */
#include "text/segment.h"
#include "base/error.h"
#include "base/utf8.h"
#include "text/dict.h"
#include "text/hmm.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CUT_MAX (16u << 20)    /* bytes of one yq_segment_cut input */
#define USER_WORD_MAX 1024     /* code points of a user-dictionary word */
#define PLACE_MAX 64           /* code points of a gazetteer name */

struct yq_segmenter {
	struct yq_dict d;
	struct yq_hmm h;
	/* user words with a character outside the Han range ("special"): a bit
	 * per BMP code point that begins one; NULL when there are none */
	uint64_t *special_first;
};

struct work {
	uint32_t *cps;  /* code points of the text */
	uint32_t *offs; /* byte offset of each, plus the end */
	double *rp;     /* route probability from each position */
	uint32_t *rx;   /* route: end (inclusive) of the word starting here */
	size_t cap;     /* entries of each array above */
	struct yq_hmm_scratch hs;
};

/* ---- spans ---- */

void yq_spans_release(struct yq_spans *s)
{
	if (!s)
		return;
	free(s->v);
	s->v = NULL;
	s->n = s->cap = 0;
}

int yq_spans_push(struct yq_spans *s, uint32_t off, uint32_t len)
{
	if (s->n == s->cap) {
		size_t nc = s->cap ? s->cap * 2 : 64;
		struct yq_span *nv = realloc(s->v, nc * sizeof(*nv));
		if (!nv)
			return YQ_ENOMEM;
		s->v = nv;
		s->cap = nc;
	}
	s->v[s->n++] = (struct yq_span){off, len};
	return YQ_OK;
}

const char *yq_jieba_dir(void)
{
	const char *e = getenv("YQ_JIEBA_DIR");
	return e && *e ? e : YQ_JIEBA_DIR_DEFAULT;
}

/* ---- character classes ---- */

/* re_han_default: [\u4E00-\u9FD5a-zA-Z0-9+#&\._%\-] */
static inline int is_block(uint32_t c)
{
	if (c - 0x4E00u <= 0x9FD5u - 0x4E00u)
		return 1;
	if (c >= 0x80)
		return 0;
	return (c - 'a' < 26u) || (c - 'A' < 26u) || (c - '0' < 10u) || c == '+' || c == '#' ||
	       c == '&' || c == '.' || c == '_' || c == '%' || c == '-';
}

static inline int is_han(uint32_t c)
{
	return c - YQ_HMM_HAN_FIRST <= YQ_HMM_HAN_LAST - YQ_HMM_HAN_FIRST;
}

static inline int is_alnum(uint32_t c)
{
	return (c - 'a' < 26u) || (c - 'A' < 26u) || (c - '0' < 10u);
}

static inline int is_digit(uint32_t c)
{
	return c - '0' < 10u;
}

/* ---- the cut ---- */

struct cut {
	const struct yq_segmenter *s;
	struct work *w;
	const uint32_t *cps;
	const uint32_t *offs;
	struct yq_spans *out;
};

static inline int emit(struct cut *c, size_t a, size_t b)
{
	struct yq_spans *o = c->out;
	if (o->n == o->cap)
		return yq_spans_push(o, c->offs[a], c->offs[b] - c->offs[a]);
	o->v[o->n++] = (struct yq_span){c->offs[a], c->offs[b] - c->offs[a]};
	return YQ_OK;
}

static int emit_chars(struct cut *c, size_t a, size_t b)
{
	for (size_t i = a; i < b; i++)
		if (emit(c, i, i + 1))
			return YQ_ENOMEM;
	return YQ_OK;
}

#define PREFETCH_FAR 8  /* positions ahead whose first node and filter word are prefetched */
#define PREFETCH_NEAR 4 /* positions ahead whose second step is prefetched */

/* calc() over the block [a, b): fills rp[a..b] and rx[a..b).  analysis is
 * a constant at each call site, so the jieba loop keeps its single test. */
static inline void calc_impl(struct cut *c, size_t a, size_t b, const int analysis)
{
	const struct yq_dict *d = &c->s->d;
	const uint32_t *cps = c->cps;
	double *rp = c->w->rp;
	uint32_t *rx = c->w->rx;
	const double logtotal = d->logtotal;
	const uint32_t isword = analysis ? (YQ_DICT_WORD | YQ_DICT_BONUS) : YQ_DICT_WORD;
	rp[b] = 0.0;
	/* The walks of different positions are independent, and what their
	 * first two steps read first (the first node, the filter word of the
	 * second step) depends on the text alone: it is prefetched
	 * PREFETCH_FAR positions ahead, and for the first PREFETCH_FAR
	 * positions before the loop (most blocks are shorter than that); the
	 * second step's child slot, which needs the first node, is prefetched
	 * PREFETCH_NEAR positions ahead.  So the cache misses of several walks
	 * overlap. */
	for (size_t i = b; i-- > a && i + PREFETCH_FAR >= b;)
		yq_dict_prefetch_first(d, cps[i], i + 1 < b ? cps[i + 1] : 0);
	for (size_t i = b; i-- > a;) {
		if (i >= a + PREFETCH_FAR)
			yq_dict_prefetch_first(d, cps[i - PREFETCH_FAR], cps[i - PREFETCH_FAR + 1]);
		if (i >= a + PREFETCH_NEAR) {
			uint32_t ahead = YQ_DICT_BMP_BASE + cps[i - PREFETCH_NEAR];
			if (d->nodes[ahead].cpf != YQ_DICT_EMPTY)
				yq_dict_prefetch_child(d, ahead, cps[i - PREFETCH_NEAR + 1]);
		}
		/* block characters are all in the BMP */
		uint32_t node = YQ_DICT_BMP_BASE + cps[i];
		if (d->nodes[node].cpf == YQ_DICT_EMPTY)
			node = 0;
		double best = 0.0;
		size_t bx = i;
		int found = 0;
		size_t j = i;
		while (node) {
			const struct yq_dict_node *nd = &d->nodes[node];
			if (nd->cpf & isword) {
				double lf = nd->lf;
				if (analysis && (nd->cpf & YQ_DICT_BONUS) && lf < d->bonus_lf)
					lf = d->bonus_lf;
				double p = (lf - logtotal) + rp[j + 1];
				if (!found || p >= best) {
					best = p;
					bx = j;
					found = 1;
				}
			}
			if (++j >= b || !yq_dict_lg(nd) || !yq_dict_maybe_child(d, node, cps[j]))
				break;
			node = yq_dict_child(d, node, cps[j]);
		}
		if (!found) /* log(FREQ.get(w) or 1) = log(1) = 0 */
			best = (0.0 - logtotal) + rp[i + 1];
		rp[i] = best;
		rx[i] = (uint32_t)bx;
	}
}

static void calc(struct cut *c, size_t a, size_t b, int flags)
{
	if (flags & YQ_SEG_ANALYSIS)
		calc_impl(c, a, b, 1);
	else
		calc_impl(c, a, b, 0);
}

/* A word proposed by the HMM: split when it is a Force_Split word. */
static int emit_hmm_word(struct cut *c, size_t a, size_t b)
{
	const struct yq_dict *d = &c->s->d;
	if (d->nforce) {
		uint32_t node = yq_dict_find(d, c->cps + a, b - a);
		if (node && (d->nodes[node].cpf & YQ_DICT_FORCE))
			return emit_chars(c, a, b);
	}
	return emit(c, a, b);
}

/* finalseg.cut over [a, b). */
static int finalseg(struct cut *c, size_t a, size_t b)
{
	const uint32_t *cps = c->cps;
	size_t i = a;
	int rc;
	while (i < b) {
		size_t j = i;
		if (is_han(cps[i])) {
			while (j < b && is_han(cps[j]))
				j++;
			size_t n = j - i;
			rc = yq_hmm_decode(&c->s->h, cps + i, n, &c->w->hs);
			if (rc)
				return rc;
			const uint8_t *tag = c->w->hs.tag;
			size_t begin = 0, nexti = 0;
			for (size_t k = 0; k < n; k++) {
				if (tag[k] == YQ_HMM_B) {
					begin = k;
				} else if (tag[k] == YQ_HMM_E) {
					if ((rc = emit_hmm_word(c, i + begin, i + k + 1)))
						return rc;
					nexti = k + 1;
				} else if (tag[k] == YQ_HMM_S) {
					if ((rc = emit_hmm_word(c, i + k, i + k + 1)))
						return rc;
					nexti = k + 1;
				}
			}
			if (nexti < n && (rc = emit_hmm_word(c, i + nexti, j)))
				return rc;
		} else {
			while (j < b && !is_han(cps[j]))
				j++;
			/* re_skip.split over [i, j): matches and the text between */
			size_t p = i, q = i;
			while (q < j) {
				if (!is_alnum(cps[q])) {
					q++;
					continue;
				}
				size_t k = q;
				while (k < j && is_alnum(cps[k]))
					k++;
				if (k + 1 < j && cps[k] == '.' && is_digit(cps[k + 1])) {
					k += 2;
					while (k < j && is_digit(cps[k]))
						k++;
				}
				if (k < j && cps[k] == '%')
					k++;
				if (q > p && (rc = emit(c, p, q)))
					return rc;
				if ((rc = emit(c, q, k)))
					return rc;
				p = q = k;
			}
			if (j > p && (rc = emit(c, p, j)))
				return rc;
		}
		i = j;
	}
	return YQ_OK;
}

/* The buffer of single characters [a, b) in __cut_DAG. */
static int flush_buf(struct cut *c, size_t a, size_t b)
{
	if (b - a == 1)
		return emit(c, a, b);
	const struct yq_dict *d = &c->s->d;
	uint32_t node = yq_dict_find(d, c->cps + a, b - a);
	if (node && d->freq[node])
		return emit_chars(c, a, b);
	return finalseg(c, a, b);
}

static int cut_dag(struct cut *c, size_t a, size_t b)
{
	const uint32_t *rx = c->w->rx;
	size_t x = a, buf = a;
	int rc;
	while (x < b) {
		size_t y = rx[x] + 1;
		if (y - x > 1) {
			if (buf < x && (rc = flush_buf(c, buf, x)))
				return rc;
			if ((rc = emit(c, x, y)))
				return rc;
			buf = y;
		}
		x = y;
	}
	if (buf < b)
		return flush_buf(c, buf, b);
	return YQ_OK;
}

static int cut_dag_no_hmm(struct cut *c, size_t a, size_t b)
{
	const uint32_t *rx = c->w->rx;
	const uint32_t *cps = c->cps;
	size_t x = a, buf = a;
	int rc;
	while (x < b) {
		size_t y = rx[x] + 1;
		if (y - x == 1 && is_alnum(cps[x])) {
			x = y;
			continue;
		}
		if (buf < x && (rc = emit(c, buf, x)))
			return rc;
		if ((rc = emit(c, x, y)))
			return rc;
		buf = x = y;
	}
	if (buf < b)
		return emit(c, buf, b);
	return YQ_OK;
}

static int work_reserve(struct yq_seg_work *ws, size_t n)
{
	struct work *w = ws->priv;
	if (!w) {
		w = calloc(1, sizeof(*w));
		if (!w)
			return YQ_ENOMEM;
		ws->priv = w;
	}
	if (n <= w->cap)
		return YQ_OK;
	size_t nc = w->cap ? w->cap : 1024;
	while (nc < n)
		nc *= 2;
	uint32_t *cps = realloc(w->cps, nc * sizeof(*cps));
	if (!cps)
		return YQ_ENOMEM;
	w->cps = cps;
	uint32_t *offs = realloc(w->offs, nc * sizeof(*offs));
	if (!offs)
		return YQ_ENOMEM;
	w->offs = offs;
	double *rp = realloc(w->rp, nc * sizeof(*rp));
	if (!rp)
		return YQ_ENOMEM;
	w->rp = rp;
	uint32_t *rx = realloc(w->rx, nc * sizeof(*rx));
	if (!rx)
		return YQ_ENOMEM;
	w->rx = rx;
	w->cap = nc;
	return YQ_OK;
}

void yq_seg_work_release(struct yq_seg_work *ws)
{
	if (!ws || !ws->priv)
		return;
	struct work *w = ws->priv;
	free(w->cps);
	free(w->offs);
	free(w->rp);
	free(w->rx);
	yq_hmm_scratch_release(&w->hs);
	free(w);
	ws->priv = NULL;
}

int yq_segment_cut(const struct yq_segmenter *s, struct yq_seg_work *ws,
		   const char *text, size_t len, int flags, struct yq_spans *out)
{
	if (len > CUT_MAX)
		return YQ_ETOOBIG;
	int rc = work_reserve(ws, len + 1);
	if (rc)
		return rc;
	struct work *w = ws->priv;
	uint32_t *cps = w->cps, *offs = w->offs;
	size_t n = 0;
	const unsigned char *u = (const unsigned char *)text;
	for (size_t i = 0; i < len;) {
		offs[n] = (uint32_t)i;
		unsigned b0 = u[i];
		if (b0 < 0x80) {
			cps[n++] = b0;
			i++;
			continue;
		}
		/* the common case inline: a well-formed 3-byte sequence (CJK) */
		if (b0 >= 0xE1 && b0 <= 0xEF && b0 != 0xED && i + 2 < len && (u[i + 1] & 0xC0) == 0x80 &&
		    (u[i + 2] & 0xC0) == 0x80) {
			cps[n++] = ((b0 & 0x0Fu) << 12) | ((u[i + 1] & 0x3Fu) << 6) | (u[i + 2] & 0x3Fu);
			i += 3;
			continue;
		}
		int32_t cp = yq_utf8_next(text, len, &i);
		cps[n++] = cp < 0 ? YQ_UTF8_REPLACEMENT : (uint32_t)cp;
	}
	offs[n] = (uint32_t)len;
	struct cut c = {s, w, cps, offs, out};
	for (size_t i = 0; i < n;) {
		if (!is_block(cps[i])) {
			size_t e = i + 1;
			if (cps[i] == '\r' && e < n && cps[e] == '\n')
				e++;
			if ((rc = emit(&c, i, e)))
				return rc;
			i = e;
			continue;
		}
		size_t j = i + 1;
		while (j < n && is_block(cps[j]))
			j++;
		calc(&c, i, j, flags);
		rc = (flags & YQ_SEG_HMM) ? cut_dag(&c, i, j) : cut_dag_no_hmm(&c, i, j);
		if (rc)
			return rc;
		i = j;
	}
	return YQ_OK;
}

/* ---- dictionary look-ups ---- */

/* The node of the UTF-8 string w[0..n), or 0 (absent or invalid UTF-8). */
static uint32_t find_utf8(const struct yq_dict *d, const char *w, size_t n)
{
	uint32_t node = 0;
	if (n == 0)
		return 0;
	for (size_t i = 0; i < n;) {
		int32_t cp = yq_utf8_next(w, n, &i);
		if (cp < 0)
			return 0;
		node = yq_dict_child(d, node, (uint32_t)cp);
		if (!node)
			return 0;
	}
	return node;
}

uint64_t yq_segmenter_freq(const struct yq_segmenter *s, const char *w, size_t n)
{
	uint32_t node = find_utf8(&s->d, w, n);
	return node ? s->d.freq[node] : 0;
}

/* ---- user dictionaries ---- */

/* jieba's suggest_freq(word, tune=False) for the UTF-8 word w[0..n). */
static int suggest_freq(struct yq_segmenter *s, struct yq_seg_work *ws, struct yq_spans *sp,
			const char *w, size_t n, uint64_t *out)
{
	const struct yq_dict *d = &s->d;
	double ftotal = (double)d->total;
	double f = 1.0;
	sp->n = 0;
	int rc = yq_segment_cut(s, ws, w, n, 0, sp);
	if (rc)
		return rc;
	for (size_t k = 0; k < sp->n; k++) {
		uint32_t node = find_utf8(d, w + sp->v[k].off, sp->v[k].len);
		uint64_t g = node ? d->freq[node] : 1; /* FREQ.get(seg, 1) */
		f *= (double)g / ftotal;
	}
	uint64_t r = (uint64_t)(f * (double)d->total) + 1;
	uint32_t node = find_utf8(d, w, n);
	uint64_t wf = node ? d->freq[node] : 1; /* FREQ.get(word, 1) */
	*out = r > wf ? r : wf;
	return YQ_OK;
}

/* Does r[0..n) match "( [0-9]+)?( [a-z]+)?$"?  The digits go to [*fb, *fe). */
static int match_tail(const char *r, size_t n, size_t *fb, size_t *fe)
{
	size_t i = 0;
	*fb = *fe = 0;
	if (i + 1 < n && r[i] == ' ' && is_digit((unsigned char)r[i + 1])) {
		*fb = ++i;
		while (i < n && is_digit((unsigned char)r[i]))
			i++;
		*fe = i;
	}
	if (i + 1 < n && r[i] == ' ' && r[i + 1] >= 'a' && r[i + 1] <= 'z') {
		i++;
		while (i < n && r[i] >= 'a' && r[i] <= 'z')
			i++;
	}
	return i == n;
}

/* A user word with a positive frequency gets the analysis bonus; one with a
 * character outside the Han range is also "special" (yq_segmenter_special). */
static int mark_user_word(struct yq_segmenter *s, const uint32_t *cps, size_t n, uint32_t node)
{
	s->d.nodes[node].cpf |= YQ_DICT_BONUS;
	size_t k = 0;
	while (k < n && is_han(cps[k]))
		k++;
	if (k == n || cps[0] >= 0x10000)
		return YQ_OK;
	if (!s->special_first && !(s->special_first = calloc(0x10000 / 64, sizeof(uint64_t))))
		return YQ_ENOMEM;
	s->special_first[cps[0] >> 6] |= 1ULL << (cps[0] & 63);
	return YQ_OK;
}

/* jieba's load_userdict over one file. */
static int load_userdict(struct yq_segmenter *s, const char *path, struct yq_buf *err)
{
	struct yq_seg_work ws = {NULL};
	struct yq_spans sp = {NULL, 0, 0};
	char *data = NULL;
	size_t len = 0, lineno = 0;
	uint32_t *cps = malloc(USER_WORD_MAX * sizeof(*cps));
	int rc = cps ? yq_dict_read_file(path, &data, &len, err) : YQ_ENOMEM;
	if (rc)
		goto out;
	size_t pos = 0, b, e;
	while (yq_dict_next_line(data, len, &pos, &b, &e)) {
		lineno++;
		if (!yq_utf8_valid(data + b, e - b)) {
			yq_buf_printf(err, "%s:%zu: dictionary file must be UTF-8", path, lineno);
			rc = YQ_EFORMAT;
			goto out;
		}
		while (e - b >= 3 && memcmp(data + b, "\xEF\xBB\xBF", 3) == 0)
			b += 3; /* lstrip('\ufeff') */
		if (b == e)
			continue;
		/* re_userdict "^(.+?)( [0-9]+)?( [a-z]+)?$": the shortest word that fits */
		const char *l = data + b;
		size_t n = e - b, we = n, fb = 0, fe = 0;
		for (size_t p = 1; p < n; p++) {
			if (l[p] == ' ' && match_tail(l + p, n - p, &fb, &fe)) {
				we = p;
				break;
			}
		}
		if (we == n)
			fb = fe = 0;
		uint64_t freq = 0;
		if (fe > fb) {
			for (size_t i = fb; i < fe; i++) {
				freq = freq * 10 + (uint64_t)(l[we + i] - '0');
				if (freq > YQ_DICT_FREQ_MAX) {
					yq_buf_printf(err, "%s:%zu: frequency too large", path, lineno);
					rc = YQ_EFORMAT;
					goto out;
				}
			}
		} else if ((rc = suggest_freq(s, &ws, &sp, l, we, &freq))) {
			goto out;
		}
		size_t nc = 0;
		for (size_t i = 0; i < we;) {
			if (nc == USER_WORD_MAX) {
				yq_buf_printf(err, "%s:%zu: word longer than %d characters", path,
					      lineno, USER_WORD_MAX);
				rc = YQ_EFORMAT;
				goto out;
			}
			cps[nc++] = (uint32_t)yq_utf8_next(l, we, &i);
		}
		uint32_t node;
		rc = yq_dict_add(&s->d, cps, nc, freq, &node);
		if (rc == YQ_OK && freq)
			rc = mark_user_word(s, cps, nc, node);
		else if (rc == YQ_OK)
			s->d.nodes[node].cpf &= ~YQ_DICT_BONUS; /* force-split: no bonus */
		if (rc) {
			yq_buf_printf(err, "%s:%zu: %s", path, lineno, yq_strerror(rc));
			goto out;
		}
	}
out:
	free(data);
	free(cps);
	yq_spans_release(&sp);
	yq_seg_work_release(&ws);
	return rc;
}

/* ---- place names ---- */

/* Ethnic group names as they appear in autonomous-area names, longest
 * first where one ends another (土家 before 土 is not needed: matching is on
 * the end of the name, so 家 vs 土 never compete). */
static const char *const ethnic[] = {
	"乌孜别克", "柯尔克孜", "维吾尔", "哈萨克", "达斡尔", "塔吉克", "鄂温克", "鄂伦春",
	"塔塔尔", "蒙古", "布依", "朝鲜", "土家", "哈尼", "傈僳", "拉祜", "东乡", "纳西",
	"景颇", "仫佬", "布朗", "撒拉", "毛南", "仡佬", "锡伯", "阿昌", "普米", "俄罗斯",
	"德昂", "保安", "裕固", "独龙", "赫哲", "门巴", "珞巴", "基诺", "高山", "各",
	"回", "藏", "苗", "彝", "壮", "满", "侗", "瑶", "白", "傣", "黎", "佤", "畲", "水",
	"土", "羌", "怒", "京",
};

/* If cps[0..n) ends in a run of ethnic names and 自治 before *tail (县, 旗 or
 * 州: 长阳土家族自治县), the common short form (长阳县) goes to out (at
 * most PLACE_MAX code points); returns its length, or 0 (no such name, or
 * a stem under 2 characters). */
static size_t autonomous_short(const uint32_t *cps, size_t n, uint32_t *out)
{
	if (n < 5 || cps[n - 3] != 0x81EA || cps[n - 2] != 0x6CBB) /* 自治 */
		return 0;
	uint32_t tail = cps[n - 1];
	if (tail != 0x53BF && tail != 0x65D7 && tail != 0x5DDE) /* 县 旗 州 */
		return 0;
	size_t e = n - 3;
	for (int stripped = 1; stripped;) {
		stripped = 0;
		size_t z = e > 0 && cps[e - 1] == 0x65CF ? 1 : 0; /* 族 */
		for (size_t k = 0; k < sizeof(ethnic) / sizeof(*ethnic) && !stripped; k++) {
			uint32_t w[4];
			size_t wn = 0;
			for (size_t i = 0; ethnic[k][i];)
				w[wn++] = (uint32_t)yq_utf8_next(ethnic[k], strlen(ethnic[k]), &i);
			if ((!z && wn < 2) || e < z + wn + 2)
				continue; /* one-character names only with 族; stem >= 2 */
			size_t b = e - z - wn;
			if (memcmp(cps + b, w, wn * sizeof(*w)) == 0) {
				e = b;
				stripped = 1;
			}
		}
	}
	if (e == n - 3)
		return 0;
	memcpy(out, cps, e * sizeof(*cps));
	out[e] = tail;
	return e + 1;
}

/* Adds the place name in the CSV field f[0..n) (quotes already removed):
 * see yq_segmenter_new for what is kept. */
static int add_place(struct yq_segmenter *s, const char *f, size_t n)
{
	uint32_t cps[PLACE_MAX];
	size_t nc = 0;
	int depth = 0;
	for (size_t i = 0; i < n;) {
		int32_t cp = yq_utf8_next(f, n, &i);
		if (cp == 0xFF08 || cp == '(') { /* （ */
			depth++;
			continue;
		}
		if (cp == 0xFF09 || cp == ')') {
			depth -= depth > 0;
			continue;
		}
		if (depth)
			continue;
		if (cp < 0 || !is_han((uint32_t)cp) || nc == PLACE_MAX)
			return YQ_OK;
		cps[nc++] = (uint32_t)cp;
	}
	static const uint32_t office[] = {0x529E, 0x4E8B, 0x5904}; /* 办事处 */
	if (nc > 3 && memcmp(cps + nc - 3, office, sizeof(office)) == 0)
		nc -= 3;
	static const uint32_t city_districts[] = {0x5E02, 0x8F96, 0x533A}; /* 市辖区 */
	if (nc < 3 || (nc == 3 && memcmp(cps, city_districts, sizeof(city_districts)) == 0))
		return YQ_OK;
	for (size_t k = 0; k + 1 < nc; k++)
		if (cps[k] == 0x76F4 && cps[k + 1] == 0x8F96) /* 直辖 */
			return YQ_OK;
	uint32_t abbr[PLACE_MAX];
	size_t na = autonomous_short(cps, nc, abbr);
	int rc = yq_dict_add_place(&s->d, cps, nc);
	if (rc == YQ_OK && na >= 3)
		rc = yq_dict_add_place(&s->d, abbr, na);
	return rc;
}

/* One gazetteer CSV: a header line, then code,"name",...; the name is the
 * second field. */
static int load_places(struct yq_segmenter *s, const char *dir, const char *file,
		       struct yq_buf *err)
{
	struct yq_buf path = YQ_BUF_INIT;
	char *data = NULL;
	size_t len = 0, lineno = 0;
	int rc = yq_buf_printf(&path, "%s/%s", dir, file);
	if (rc || (rc = yq_dict_read_file(path.s, &data, &len, err)))
		goto out;
	for (size_t pos = 0; pos < len;) {
		const char *nl = memchr(data + pos, '\n', len - pos);
		size_t b = pos, e = nl ? (size_t)(nl - data) : len;
		pos = e + 1;
		if (++lineno == 1)
			continue;
		const char *c1 = memchr(data + b, ',', e - b);
		if (!c1)
			continue;
		size_t fb = (size_t)(c1 - data) + 1, fe = fb;
		while (fe < e && data[fe] != ',' && data[fe] != '\r')
			fe++;
		if (fe - fb >= 2 && data[fb] == '"' && data[fe - 1] == '"') {
			fb++;
			fe--;
		}
		if (!yq_utf8_valid(data + fb, fe - fb)) {
			yq_buf_printf(err, "%s:%zu: not UTF-8", path.s, lineno);
			rc = YQ_EFORMAT;
			goto out;
		}
		if ((rc = add_place(s, data + fb, fe - fb))) {
			yq_buf_printf(err, "%s:%zu: %s", path.s, lineno, yq_strerror(rc));
			goto out;
		}
	}
out:
	free(data);
	yq_buf_release(&path);
	return rc;
}

const char *yq_gazetteer_dir(struct yq_buf *path, struct yq_buf *note)
{
	const char *g = getenv("YQ_GAZETTEER"), *data = getenv("YQ_DATA");
	yq_buf_reset(path);
	if (g && !*g)
		return NULL;
	int rc;
	if (g)
		rc = yq_buf_adds(path, g);
	else if (data && *data)
		rc = yq_buf_printf(path, "%s/gazetteer_cn", data);
	else
		rc = yq_buf_adds(path, "../shared/data/gazetteer_cn");
	if (rc)
		return NULL;
	struct yq_buf probe = YQ_BUF_INIT;
	FILE *f = NULL;
	if (yq_buf_printf(&probe, "%s/areas.csv", path->s) == YQ_OK)
		f = fopen(probe.s, "rb");
	yq_buf_release(&probe);
	if (f) {
		fclose(f);
		return path->s;
	}
	yq_buf_printf(note, "no gazetteer at %s (set YQ_GAZETTEER or YQ_DATA): place names are not added",
		      path->s);
	return NULL;
}

int yq_segmenter_new_analysis(struct yq_segmenter **out, struct yq_buf *err,
			      struct yq_buf *note)
{
	struct yq_buf dir = YQ_BUF_INIT;
	struct yq_seg_config cfg = {NULL, NULL, NULL, 0, yq_gazetteer_dir(&dir, note)};
	int rc = yq_segmenter_new(&cfg, out, err);
	yq_buf_release(&dir);
	return rc;
}

/* ---- special user words ---- */

const uint64_t *yq_segmenter_special_starts(const struct yq_segmenter *s)
{
	return s->special_first;
}

size_t yq_segmenter_special(const struct yq_segmenter *s, const char *text, size_t len,
			    size_t i)
{
	if (!s->special_first || i >= len)
		return 0;
	size_t k = i;
	int32_t cp = yq_utf8_next(text, len, &k);
	if (cp < 0 || cp >= 0x10000 || !((s->special_first[cp >> 6] >> (cp & 63)) & 1))
		return 0;
	if (i > 0 && is_alnum((uint32_t)cp) && is_alnum((unsigned char)text[i - 1]))
		return 0;
	const struct yq_dict *d = &s->d;
	uint32_t node = yq_dict_child(d, 0, (uint32_t)cp);
	int other = !is_han((uint32_t)cp);
	int32_t last = cp;
	size_t best = 0;
	while (node) {
		uint32_t f = d->nodes[node].cpf;
		if (other && (f & YQ_DICT_BONUS) && (f & YQ_DICT_WORD) &&
		    !(is_alnum((uint32_t)last) && k < len && is_alnum((unsigned char)text[k])))
			best = k - i;
		if (k >= len)
			break;
		size_t q = k;
		int32_t c = yq_utf8_next(text, len, &q);
		if (c < 0)
			break;
		node = yq_dict_child(d, node, (uint32_t)c);
		other |= !is_han((uint32_t)c);
		last = c;
		k = q;
	}
	return best;
}

/* ---- construction ---- */

int yq_segmenter_new(const struct yq_seg_config *cfg, struct yq_segmenter **out,
		     struct yq_buf *err)
{
	static const struct yq_seg_config none = {NULL, NULL, NULL, 0, NULL};
	struct yq_buf path = YQ_BUF_INIT;
	int rc = YQ_ENOMEM;
	if (!cfg)
		cfg = &none;
	struct yq_segmenter *s = calloc(1, sizeof(*s));
	if (!s)
		goto out;
	if ((rc = yq_dict_init(&s->d)))
		goto out;
	const char *dict = cfg->dict_path;
	if (!dict) {
		if ((rc = yq_buf_printf(&path, "%s/dict.txt", yq_jieba_dir())))
			goto out;
		dict = path.s;
	}
	if ((rc = yq_dict_load(&s->d, dict, err)))
		goto out;
	if (s->d.total == 0) {
		yq_buf_printf(err, "%s: no word with a frequency above 0", dict);
		rc = YQ_EFORMAT;
		goto out;
	}
	const char *hmm = cfg->hmm_dir;
	if (!hmm) {
		yq_buf_reset(&path);
		if ((rc = yq_buf_printf(&path, "%s/finalseg", yq_jieba_dir())))
			goto out;
		hmm = path.s;
	}
	if ((rc = yq_hmm_load(&s->h, hmm, err)))
		goto out;
	for (size_t i = 0; i < cfg->n_user_dicts; i++)
		if ((rc = load_userdict(s, cfg->user_dicts[i], err)))
			goto out;
	/* after the user words: suggest_freq must not see place-only nodes */
	static const char *const place_files[] = {"provinces.csv", "cities.csv", "areas.csv",
						  "streets.csv"};
	for (size_t i = 0; cfg->gazetteer && i < sizeof(place_files) / sizeof(*place_files); i++)
		if ((rc = load_places(s, cfg->gazetteer, place_files[i], err)))
			goto out;
	rc = yq_dict_finish(&s->d);
out:
	yq_buf_release(&path);
	if (rc) {
		yq_segmenter_free(s);
		return rc;
	}
	*out = s;
	return YQ_OK;
}

void yq_segmenter_free(struct yq_segmenter *s)
{
	if (!s)
		return;
	yq_dict_release(&s->d);
	yq_hmm_release(&s->h);
	free(s->special_first);
	free(s);
}
