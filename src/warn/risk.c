/*
 * risk.c — the risk score, its levels and the word lexicons it reads; see
 * risk.h and docs/warning.md (the formula with its defaults).
 *
 * A lexicon is one heap block of words (NUL-terminated, in file order)
 * plus per-category ranges into a word table; matching scans every word
 * over the few short texts it is given (an event's title and keywords),
 * so it is run when the event changes enough (the pipeline: at sizes that
 * are powers of two), not per post.
 */
#include "warn/risk.h"
#include "base/error.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void yq_risk_config_default(struct yq_risk_config *c)
{
	static const double w[YQ_RISK_NFACTORS] = {0.40, 0.20, 0.20, 0.10, 0.10};
	static const double th[4] = {20, 35, 50, 65};
	memcpy(c->weight, w, sizeof w);
	memcpy(c->threshold, th, sizeof th);
	c->min_size = 10;
	c->volume_ref = 300;
	c->velocity_z = 12;
	c->velocity_ref = 50;
	c->engagement_ref = 100000;
	c->heat_mix[0] = 0.45;
	c->heat_mix[1] = 0.35;
	c->heat_mix[2] = 0.20;
	c->min_rated = 5;
	c->negative_ref = 50;
	c->share_mix = 0.6;
	c->scheme_sensitivity = 0.5;
	c->sources_ref = 2;
}

static double clamp01(double x)
{
	return x < 0 ? 0 : x > 1 ? 1 : x;
}

void yq_risk_score(const struct yq_risk_config *c, const struct yq_risk_input *in,
		   struct yq_risk_result *r)
{
	memset(r, 0, sizeof(*r));
	r->volume = 1 - exp(-(double)in->size / c->volume_ref);
	r->velocity = clamp01(in->z / c->velocity_z) *
		      (1 - exp(-(double)in->bucket_count / c->velocity_ref));
	r->engagement = clamp01(log1p((double)in->engagement) / log1p(c->engagement_ref));
	r->factor[YQ_RISK_HEAT] = clamp01(c->heat_mix[0] * r->volume + c->heat_mix[1] * r->velocity +
					  c->heat_mix[2] * r->engagement);
	r->share = in->rated >= c->min_rated && in->rated ? (double)in->negative / (double)in->rated
							  : 0;
	r->intensity = 1 - exp(-(double)in->negative / c->negative_ref);
	r->factor[YQ_RISK_NEGATIVITY] =
		clamp01(c->share_mix * r->share + (1 - c->share_mix) * r->intensity);
	double sens = clamp01(in->sensitivity);
	if (in->scheme_matched && sens < c->scheme_sensitivity)
		sens = clamp01(c->scheme_sensitivity);
	r->factor[YQ_RISK_SENSITIVITY] = sens;
	r->factor[YQ_RISK_LOCALITY] = clamp01(in->locality);
	r->factor[YQ_RISK_SPREAD] =
		in->sources > 1 ? 1 - exp(-(double)(in->sources - 1) / c->sources_ref) : 0;
	for (int f = 0; f < YQ_RISK_NFACTORS; f++) {
		r->contribution[f] = 100 * c->weight[f] * r->factor[f];
		r->score += r->contribution[f];
	}
	if (in->size >= c->min_size)
		for (int k = 4; k >= 1; k--)
			if (r->score >= c->threshold[k - 1]) {
				r->level = k;
				break;
			}
}

int yq_risk_transition(int *alerted, int level)
{
	if (level <= *alerted)
		return 0;
	*alerted = level;
	return 1;
}

const char *yq_risk_level_code(int level)
{
	static const char *const code[] = {"", "IV", "III", "II", "I"};
	return level >= 0 && level <= 4 ? code[level] : "";
}

const char *yq_risk_level_color(int level)
{
	static const char *const color[] = {"", "blue", "yellow", "orange", "red"};
	return level >= 0 && level <= 4 ? color[level] : "";
}

const char *yq_risk_factor_name(int f)
{
	static const char *const name[] = {"heat", "negativity", "sensitivity", "locality",
					   "spread"};
	return f >= 0 && f < YQ_RISK_NFACTORS ? name[f] : "";
}

/* ---- lexicons ---- */

struct category {
	char *name;       /* in text */
	double weight;
	size_t w0, nw;    /* words[w0 .. w0+nw) */
};

struct yq_risk_lexicon {
	char *text;              /* names and words, NUL-terminated, owned */
	struct category *cat;
	size_t ncat;
	char **words;
	size_t nwords;
};

void yq_risk_lexicon_free(struct yq_risk_lexicon *lx)
{
	if (!lx)
		return;
	free(lx->text);
	free(lx->cat);
	free(lx->words);
	free(lx);
}

/* add_words: splits s (modified in place) at sep characters into the
 * lexicon's word table for the last category. */
static int add_words(struct yq_risk_lexicon *lx, char *s, const char *sep, size_t line,
		     struct yq_buf *err)
{
	char *save = NULL;
	for (char *w = strtok_r(s, sep, &save); w; w = strtok_r(NULL, sep, &save)) {
		if (strlen(w) > YQ_RISK_WORD_MAX) {
			yq_buf_printf(err, "line %zu: word over %d bytes", line, YQ_RISK_WORD_MAX);
			return YQ_EFORMAT;
		}
		if (lx->nwords >= YQ_RISK_LEX_MAX_WORDS) {
			yq_buf_printf(err, "line %zu: over %d words", line, YQ_RISK_LEX_MAX_WORDS);
			return YQ_ETOOBIG;
		}
		lx->words[lx->nwords++] = w;
		lx->cat[lx->ncat - 1].nw++;
	}
	return YQ_OK;
}

/* lexicon_alloc: a lexicon owning text (freed here if the lexicon itself
 * cannot be allocated); *out is set whenever it exists, even on error. */
static int lexicon_alloc(struct yq_risk_lexicon **out, char *text)
{
	struct yq_risk_lexicon *lx = calloc(1, sizeof(*lx));
	if (!lx) {
		free(text);
		return YQ_ENOMEM;
	}
	lx->text = text;
	lx->cat = calloc(YQ_RISK_LEX_MAX_CATEGORIES, sizeof(*lx->cat));
	lx->words = calloc(YQ_RISK_LEX_MAX_WORDS, sizeof(*lx->words));
	*out = lx;
	if (!lx->cat || !lx->words)
		return YQ_ENOMEM;
	return YQ_OK;
}

int yq_risk_lexicon_load(const char *path, struct yq_risk_lexicon **out, struct yq_buf *err)
{
	int rc = YQ_OK;
	struct yq_risk_lexicon *lx = NULL;
	char *text = NULL;
	size_t len = 0;
	*out = NULL;
	FILE *f = fopen(path, "rb");
	if (!f) {
		yq_buf_printf(err, "cannot read %s: %s", path, strerror(errno));
		return YQ_EIO;
	}
	text = malloc(YQ_RISK_LEX_MAX_BYTES + 1);
	if (!text) {
		rc = YQ_ENOMEM;
		goto out;
	}
	len = fread(text, 1, YQ_RISK_LEX_MAX_BYTES + 1, f);
	if (ferror(f)) {
		yq_buf_printf(err, "cannot read %s", path);
		rc = YQ_EIO;
		goto out;
	}
	if (len > YQ_RISK_LEX_MAX_BYTES) {
		yq_buf_printf(err, "%s: over %u bytes", path, YQ_RISK_LEX_MAX_BYTES);
		rc = YQ_ETOOBIG;
		goto out;
	}
	text[len] = 0;
	rc = lexicon_alloc(&lx, text);
	text = NULL;
	if (rc)
		goto out;
	size_t line = 0;
	char *save = NULL;
	/* lines are cut first (strtok_r), then each line's fields */
	for (char *s = strtok_r(lx->text, "\n", &save); s; s = strtok_r(NULL, "\n", &save)) {
		line++;
		size_t n = strlen(s);
		if (n && s[n - 1] == '\r')
			s[--n] = 0;
		if (!n || s[0] == '#')
			continue;
		char *t1 = strchr(s, '\t'), *t2 = t1 ? strchr(t1 + 1, '\t') : NULL;
		if (!t2) {
			yq_buf_printf(err, "%s: line %zu: want category<TAB>weight<TAB>words", path, line);
			rc = YQ_EFORMAT;
			goto out;
		}
		*t1 = *t2 = 0;
		char *end;
		double w = strtod(t1 + 1, &end);
		if (end == t1 + 1 || *end || !(w >= 0 && w <= 1)) {
			yq_buf_printf(err, "%s: line %zu: weight must be a number in [0, 1]", path, line);
			rc = YQ_EFORMAT;
			goto out;
		}
		if (lx->ncat >= YQ_RISK_LEX_MAX_CATEGORIES) {
			yq_buf_printf(err, "%s: line %zu: over %d categories", path, line,
				      YQ_RISK_LEX_MAX_CATEGORIES);
			rc = YQ_ETOOBIG;
			goto out;
		}
		lx->cat[lx->ncat++] = (struct category){s, w, lx->nwords, 0};
		if ((rc = add_words(lx, t2 + 1, " ", line, err))) {
			yq_buf_printf(err, " (%s)", path);
			goto out;
		}
	}
	*out = lx;
	lx = NULL;
out:
	fclose(f);
	free(text);
	yq_risk_lexicon_free(lx);
	return rc;
}

int yq_risk_lexicon_from_list(const char *name, const char *list, struct yq_risk_lexicon **out,
			      struct yq_buf *err)
{
	struct yq_risk_lexicon *lx = NULL;
	size_t nl = strlen(name), ll = strlen(list);
	int rc;
	*out = NULL;
	if (ll > YQ_RISK_LEX_MAX_BYTES)
		return YQ_ETOOBIG;
	char *text = malloc(nl + ll + 2);
	if (!text)
		return YQ_ENOMEM;
	memcpy(text, name, nl + 1);
	memcpy(text + nl + 1, list, ll + 1);
	if ((rc = lexicon_alloc(&lx, text)))
		goto out;
	lx->cat[lx->ncat++] = (struct category){lx->text, 1.0, 0, 0};
	if ((rc = add_words(lx, lx->text + nl + 1, ", ", 1, err)))
		goto out;
	if (!lx->nwords) {
		yq_buf_printf(err, "empty word list for %s", name);
		rc = YQ_EFORMAT;
		goto out;
	}
	*out = lx;
	lx = NULL;
out:
	yq_risk_lexicon_free(lx);
	return rc;
}

#define WINDOW_BITS 4096

static unsigned window_hash(const unsigned char *b)
{
	uint32_t x = (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16;
	return (x * 0x9E3779B1u) >> (32 - 12); /* 12 = log2(WINDOW_BITS) */
}

double yq_risk_lexicon_match(const struct yq_risk_lexicon *lx, const char *const *texts,
			     const size_t *lens, size_t n, const char **category, const char **word)
{
	double best = 0;
	const char *bc = NULL, *bw = NULL;
	/* Speed only: a filter of the texts' 3-byte windows (hashed to
	 * WINDOW_BITS bits); a word whose first 3 bytes are no window of any
	 * text occurs in none, and skips the memmem calls. */
	uint64_t win[WINDOW_BITS / 64] = {0};
	for (size_t j = 0; lx && j < n; j++)
		for (size_t b = 0; b + 3 <= lens[j]; b++) {
			unsigned h = window_hash((const unsigned char *)texts[j] + b);
			win[h / 64] |= 1ULL << (h % 64);
		}
	for (size_t c = 0; lx && c < lx->ncat; c++) {
		const struct category *k = &lx->cat[c];
		if (bc && k->weight <= best)
			continue;
		for (size_t i = 0; i < k->nw; i++) {
			const char *w = lx->words[k->w0 + i];
			size_t wl = strlen(w);
			if (wl >= 3) {
				unsigned h = window_hash((const unsigned char *)w);
				if (!((win[h / 64] >> (h % 64)) & 1))
					continue;
			}
			size_t j = 0;
			while (j < n && !memmem(texts[j], lens[j], w, wl))
				j++;
			if (j < n) {
				best = k->weight;
				bc = k->name;
				bw = w;
				break;
			}
		}
	}
	if (category)
		*category = bc;
	if (word)
		*word = bw;
	return best;
}
