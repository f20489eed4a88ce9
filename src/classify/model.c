/*
 * model.c — training with liblinear, the model file, loading and the
 * allocation-free prediction path; see model.h for the model and the file
 * format.
 *
 * Design: training keeps every document's raw features (bucket, count) in
 * one array; idf comes from the document frequencies, then each document
 * becomes a liblinear feature_node row (tf × idf, L2-normalized, a bias
 * column of 1); each decision column is trained as its own binary problem
 * on those values times the column's NB log-count ratios (1 without NB),
 * and the ratios — and, with plain_mix, the plain model's weights — are
 * folded into one weight per bucket and column.  Cross-validation runs the
 * same per-column training on each fold's training part.  Prediction does
 * not call liblinear: the model is expanded
 * into a dense row per bucket [idf, w_0 … w_{ncols-1}], so each feature
 * costs one row lookup, and the decision values are accumulated before the
 * L2 norm is known (it only scales them).
 *
 * Invariants: rows has 2^hash_bits × stride floats, stride = ncols + 1; a
 * row whose idf is 0 was never seen in training; col_label[j] is the label
 * id of decision column j (for two labels, column 0 is col_label[0] and its
 * complement col_label[1]).
 */
#include "classify/model.h"
#include "base/error.h"
#include "base/strmap.h"

#include <errno.h>
#include <linear.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

static const char magic[8] = {'Y', 'Q', 'C', 'L', 'F', '\n', 0, 0};

struct yq_classifier {
	struct yq_feat_config feat;
	enum yq_tf_mode tf_mode;
	double nb_alpha; /* > 0: trained with log-count-ratio scaling (folded into w) */
	double plain_mix; /* the plain model's share of the average (model.h) */
	uint32_t polarity_rule;
	int neg_label, pos_label; /* label ids of "negative" / "positive", -1: none */
	char *task;
	char **labels;
	uint32_t nlabels;
	uint32_t ncols;
	uint32_t col_label[YQ_MODEL_MAX_LABELS];
	uint32_t stride;
	float *rows;   /* dense, 2^hash_bits × stride */
	float *bias;   /* ncols */
	double C, cv_acc;
	uint32_t folds, ntrain, solver;
	struct yq_segmenter *seg; /* when loaded and the model uses tokens */
	struct yq_lexicon *lex;   /* owned; feat.lex points here */
};

/* ---- accessors ---- */

const struct yq_feat_config *yq_classifier_features(const struct yq_classifier *c)
{
	return &c->feat;
}

size_t yq_classifier_nlabels(const struct yq_classifier *c)
{
	return c->nlabels;
}

const char *yq_classifier_label(const struct yq_classifier *c, size_t i)
{
	return i < c->nlabels ? c->labels[i] : NULL;
}

const char *yq_classifier_task(const struct yq_classifier *c)
{
	return c->task;
}

void yq_classifier_cv(const struct yq_classifier *c, double *C, double *cv_accuracy, int *folds)
{
	*C = c->C;
	*cv_accuracy = c->cv_acc;
	*folds = (int)c->folds;
}

void yq_classifier_free(struct yq_classifier *c)
{
	if (!c)
		return;
	for (uint32_t i = 0; i < c->nlabels; i++)
		free(c->labels[i]);
	free(c->labels);
	free(c->task);
	free(c->rows);
	free(c->bias);
	yq_segmenter_free(c->seg);
	yq_lexicon_free(c->lex);
	free(c);
}

void yq_clf_work_release(struct yq_clf_work *w)
{
	if (!w)
		return;
	yq_features_release(&w->f);
	yq_seg_work_release(&w->sw);
	yq_tokens_release(&w->tok);
	free(w->dec);
	memset(w, 0, sizeof(*w));
}

static int uses_tokens(const struct yq_feat_config *f)
{
	return (f->flags & ~(uint32_t)YQ_FEAT_CHAR) != 0;
}

/* alloc_rows: the dense table and bias for c->feat.hash_bits, c->ncols.
 * The table (megabytes, one random row per feature) is aligned to 2 MiB and
 * advised for transparent huge pages: with 4 KiB pages nearly every row
 * lookup is also a TLB miss, which profiling showed as the largest single
 * cost of prediction. */
static int alloc_rows(struct yq_classifier *c)
{
	const size_t huge = (size_t)2 << 20;
	size_t bytes = ((size_t)1 << c->feat.hash_bits) * (c->ncols + 1) * sizeof(float);
	size_t rounded = (bytes + huge - 1) / huge * huge;
	void *p = NULL;
	c->stride = c->ncols + 1;
	if (posix_memalign(&p, huge, rounded))
		p = NULL;
	if (p) {
		madvise(p, rounded, MADV_HUGEPAGE); /* advice only: failure is harmless */
		memset(p, 0, bytes);
	}
	c->rows = p;
	c->bias = calloc(c->ncols, sizeof(float));
	return c->rows && c->bias ? YQ_OK : YQ_ENOMEM;
}

/* ---- prediction ---- */

static inline float tf_of(enum yq_tf_mode m, float v)
{
	return m == YQ_TF_SUBLINEAR && v != 1.0f ? 1.0f + logf(v) : v;
}

/* scores: the probability of each label (w->dec[0..nlabels)) for the
 * extracted features in w->f; returns the best label id.  The decision
 * values are accumulated in the scratch half w->dec[nlabels + 2 ..). */
static uint32_t scores(const struct yq_classifier *c, struct yq_clf_work *w)
{
	double *dec = w->dec, *d = w->dec + c->nlabels + 2;
	const uint32_t nc = c->ncols, stride = c->stride;
	for (uint32_t j = 0; j < nc; j++)
		d[j] = 0;
	double norm2 = 0;
	for (size_t i = 0; i < w->f.n; i++) {
		const float *row = c->rows + (size_t)w->f.v[i].idx * stride;
		if (row[0] == 0.0f)
			continue;
		double v = (double)tf_of(c->tf_mode, w->f.v[i].val) * row[0];
		norm2 += v * v;
		for (uint32_t j = 0; j < nc; j++)
			d[j] += v * row[1 + j];
	}
	double inv = norm2 > 0 ? 1.0 / sqrt(norm2) : 0.0;
	for (uint32_t j = 0; j < nc; j++)
		d[j] = d[j] * inv + c->bias[j];
	if (nc == 1) {
		double p = 1.0 / (1.0 + exp(-d[0]));
		dec[c->col_label[0]] = p;
		dec[c->col_label[1]] = 1.0 - p;
		return p >= 0.5 ? c->col_label[0] : c->col_label[1];
	}
	/* one-vs-rest: logistic of each column, normalized (liblinear) */
	double sum = 0;
	for (uint32_t j = 0; j < nc; j++) {
		d[j] = 1.0 / (1.0 + exp(-d[j]));
		sum += d[j];
	}
	uint32_t best = 0;
	double bp = -1;
	for (uint32_t j = 0; j < nc; j++) {
		double p = d[j] / sum;
		dec[c->col_label[j]] = p;
		if (p > bp) {
			bp = p;
			best = c->col_label[j];
		}
	}
	return best;
}

/* polarity_rule: model.h (struct yq_train_config). */
static uint32_t polarity_rule(const struct yq_classifier *c, const struct yq_clf_work *w,
			      uint32_t best)
{
	if (!(w->f.negated_pos > 0 && w->f.polarity_neg == 0 && best == (uint32_t)c->neg_label))
		return best;
	uint32_t b = best;
	double bp = -1;
	for (uint32_t i = 0; i < c->nlabels; i++)
		if (i != (uint32_t)c->neg_label && w->dec[i] > bp) {
			bp = w->dec[i];
			b = i;
		}
	return b;
}

/* find_polar_labels: the ids of the labels "negative" and "positive". */
static void find_polar_labels(struct yq_classifier *c)
{
	c->neg_label = c->pos_label = -1;
	for (uint32_t i = 0; i < c->nlabels; i++) {
		if (strcmp(c->labels[i], "negative") == 0)
			c->neg_label = (int)i;
		if (strcmp(c->labels[i], "positive") == 0)
			c->pos_label = (int)i;
	}
}

int yq_classifier_predict(struct yq_classifier *c, struct yq_clf_work *w, const char *text,
			  size_t n, const struct yq_tokens *tokens, const char **label,
			  double *prob)
{
	int rc;
	size_t need = 2 * ((size_t)c->nlabels + 2);
	if (w->dec_cap < need) {
		double *d = realloc(w->dec, need * sizeof(*d));
		if (!d)
			return YQ_ENOMEM;
		w->dec = d;
		w->dec_cap = need;
	}
	if (!tokens && uses_tokens(&c->feat)) {
		if (!c->seg)
			return YQ_EINVAL;
		if ((rc = yq_tokenize(c->seg, &w->sw, text, n, &w->tok)))
			return rc;
		tokens = &w->tok;
	}
	/* the rows are scattered over megabytes: extraction prefetches each
	 * one as its bucket appears, so the cache misses overlap */
	w->f.prefetch_base = (const char *)c->rows;
	w->f.prefetch_stride = c->stride * sizeof(float);
	if ((rc = yq_features_extract(&c->feat, text, n, tokens, &w->f)))
		return rc;
	uint32_t best = scores(c, w);
	if (c->polarity_rule && c->neg_label >= 0 && c->pos_label >= 0)
		best = polarity_rule(c, w, best);
	*label = c->labels[best];
	*prob = w->dec[best];
	return YQ_OK;
}

/* ---- file format ---- */

static int put(FILE *f, const void *p, size_t n)
{
	return fwrite(p, 1, n, f) == n ? 0 : -1;
}

static int put32(FILE *f, uint32_t v)
{
	return put(f, &v, 4);
}

static int put_str(FILE *f, const char *s)
{
	uint32_t n = (uint32_t)strlen(s);
	return put32(f, n) || put(f, s, n);
}

int yq_classifier_save(const struct yq_classifier *c, const char *path, struct yq_buf *err)
{
	int rc = YQ_EIO;
	struct yq_buf tmp = YQ_BUF_INIT;
	FILE *f = NULL;
	if (yq_buf_printf(&tmp, "%s.tmp", path)) {
		rc = YQ_ENOMEM;
		goto out;
	}
	f = fopen(tmp.s, "wb");
	if (!f) {
		yq_buf_printf(err, "cannot write %s: %s", tmp.s, strerror(errno));
		goto out;
	}
	float cw = c->feat.contrast_weight, ww = c->feat.word_weight;
	double cv[2] = {c->C, c->cv_acc};
	uint32_t ncl = c->ncols == 1 ? 2 : c->ncols;
	int bad = put(f, magic, 8) || put32(f, YQ_MODEL_VERSION) || put32(f, YQ_FEAT_VERSION) ||
		  put32(f, c->feat.flags) || put32(f, c->feat.hash_bits) ||
		  put32(f, c->feat.char_max) || put(f, &cw, 4) || put(f, &ww, 4) || put32(f, (uint32_t)c->tf_mode) || put32(f, c->polarity_rule) ||
		  put_str(f, c->task) || put32(f, c->nlabels);
	for (uint32_t i = 0; !bad && i < c->nlabels; i++)
		bad = put_str(f, c->labels[i]);
	uint32_t nw = c->lex ? (uint32_t)yq_lexicon_count(c->lex) : 0;
	bad = bad || put32(f, nw);
	for (uint32_t i = 0; !bad && i < nw; i++) {
		size_t n;
		int pol;
		const char *w = yq_lexicon_word(c->lex, i, &n, &pol);
		uint8_t hdr[2] = {(uint8_t)(pol > 0 ? 1 : pol < 0 ? 2 : 0), (uint8_t)n};
		bad = put(f, hdr, 2) || put(f, w, n);
	}
	bad = bad || put32(f, c->ncols) || put(f, c->col_label, ncl * 4) || put(f, cv, 16) ||
	      put32(f, c->folds) || put32(f, c->ntrain) || put32(f, c->solver) ||
	      put(f, &c->nb_alpha, 8) || put(f, &c->plain_mix, 8) || put(f, c->bias, c->ncols * sizeof(float));
	size_t nb = (size_t)1 << c->feat.hash_bits;
	uint32_t nrows = 0;
	for (size_t b = 0; b < nb; b++)
		nrows += c->rows[b * c->stride] != 0.0f;
	bad = bad || put32(f, nrows);
	for (size_t b = 0; !bad && b < nb; b++) {
		const float *row = c->rows + b * c->stride;
		if (row[0] != 0.0f)
			bad = put32(f, (uint32_t)b) || put(f, row, c->stride * sizeof(float));
	}
	if (fclose(f) != 0)
		bad = 1;
	f = NULL;
	if (bad) {
		yq_buf_printf(err, "cannot write %s: %s", tmp.s, strerror(errno));
		unlink(tmp.s);
		goto out;
	}
	if (rename(tmp.s, path) != 0) {
		yq_buf_printf(err, "cannot rename %s to %s: %s", tmp.s, path, strerror(errno));
		unlink(tmp.s);
		goto out;
	}
	rc = YQ_OK;
out:
	if (f)
		fclose(f);
	yq_buf_release(&tmp);
	return rc;
}

static int get(FILE *f, void *p, size_t n)
{
	return fread(p, 1, n, f) == n ? 0 : -1;
}

static int get32(FILE *f, uint32_t *v)
{
	return get(f, v, 4);
}

/* get_str: a length-prefixed string of at most cap bytes (malloc'd). */
static int get_str(FILE *f, uint32_t cap, char **out)
{
	uint32_t n;
	if (get32(f, &n) || n > cap)
		return -1;
	char *s = malloc(n + 1);
	if (!s || get(f, s, n)) {
		free(s);
		return -1;
	}
	s[n] = '\0';
	*out = s;
	return 0;
}

/* model_path: the file behind a built-in name, or name itself. */
static int model_path(const char *name, struct yq_buf *path, int *builtin)
{
	*builtin = strcmp(name, "sentiment") == 0 || strcmp(name, "category") == 0;
	if (!*builtin)
		return yq_buf_adds(path, name);
	const char *dir = getenv("YQ_MODELS");
	if (dir && *dir)
		return yq_buf_printf(path, "%s/%s.model", dir, name);
	char exe[4096];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n <= 0)
		return yq_buf_printf(path, "models/%s.model", name);
	exe[n] = '\0';
	char *slash = strrchr(exe, '/');
	if (slash)
		*slash = '\0';
	return yq_buf_printf(path, "%s/models/%s.model", exe, name);
}

int yq_classifier_load(const char *name_or_path, struct yq_classifier **out,
		       struct yq_buf *err)
{
	int rc = YQ_EFORMAT, builtin;
	struct yq_buf path = YQ_BUF_INIT;
	struct yq_classifier *c = NULL;
	FILE *f = NULL;
	if (model_path(name_or_path, &path, &builtin)) {
		rc = YQ_ENOMEM;
		goto out;
	}
	f = fopen(path.s, "rb");
	if (!f) {
		rc = errno == ENOENT ? YQ_ENOTFOUND : YQ_EIO;
		if (builtin && errno == ENOENT)
			yq_buf_printf(err, "the built-in model '%s' is absent (%s): the build "
				      "trains it only when ../shared/data is present",
				      name_or_path, path.s);
		else
			yq_buf_printf(err, "cannot open model %s: %s", path.s, strerror(errno));
		goto out;
	}
	c = calloc(1, sizeof(*c));
	if (!c) {
		rc = YQ_ENOMEM;
		goto out;
	}
	char m[8];
	uint32_t ver, fver, tf, contrast_bits;
	if (get(f, m, 8) || memcmp(m, magic, 8) != 0) {
		yq_buf_printf(err, "%s is not a yuqing model", path.s);
		goto out;
	}
	if (get32(f, &ver) || ver != YQ_MODEL_VERSION || get32(f, &fver) ||
	    fver != YQ_FEAT_VERSION) {
		yq_buf_printf(err, "%s: model version %u / features %u, this program reads %u / %u "
			      "(retrain it)", path.s, ver, fver, YQ_MODEL_VERSION, YQ_FEAT_VERSION);
		goto out;
	}
	if (get32(f, &c->feat.flags) || get32(f, &c->feat.hash_bits) ||
	    get32(f, &c->feat.char_max) || get32(f, &contrast_bits) || get(f, &c->feat.word_weight, 4) || get32(f, &tf) || tf > 1 ||
	    get32(f, &c->polarity_rule) || c->polarity_rule > 1)
		goto bad;
	memcpy(&c->feat.contrast_weight, &contrast_bits, 4);
	c->tf_mode = (enum yq_tf_mode)tf;
	struct yq_feat_config chk = c->feat;
	chk.flags &= ~(uint32_t)YQ_FEAT_LEXICON; /* the words come below */
	if (yq_feat_config_check(&chk) || get_str(f, 64, &c->task) ||
	    get32(f, &c->nlabels) || c->nlabels < 2 || c->nlabels > YQ_MODEL_MAX_LABELS)
		goto bad;
	c->labels = calloc(c->nlabels, sizeof(*c->labels));
	if (!c->labels) {
		rc = YQ_ENOMEM;
		goto out;
	}
	for (uint32_t i = 0; i < c->nlabels; i++)
		if (get_str(f, YQ_MODEL_MAX_LABEL_LEN, &c->labels[i]))
			goto bad;
	uint32_t nw;
	if (get32(f, &nw) || nw > YQ_LEXICON_MAX_WORDS)
		goto bad;
	if (nw || (c->feat.flags & YQ_FEAT_LEXICON)) {
		if (yq_lexicon_new(&c->lex)) {
			rc = YQ_ENOMEM;
			goto out;
		}
		c->feat.lex = c->lex;
	}
	for (uint32_t i = 0; i < nw; i++) {
		uint8_t hdr[2];
		char w[256];
		if (get(f, hdr, 2) || hdr[0] > 2 || hdr[1] == 0 || hdr[1] > YQ_LEXICON_MAX_WORD ||
		    get(f, w, hdr[1]))
			goto bad;
		/* a word stored as "both" is added with each polarity */
		if ((hdr[0] != 2 && yq_lexicon_add(c->lex, w, hdr[1], 1)) ||
		    (hdr[0] != 1 && yq_lexicon_add(c->lex, w, hdr[1], -1))) {
			rc = YQ_ENOMEM;
			goto out;
		}
	}
	if (get32(f, &c->ncols) || !(c->ncols == 1 ? c->nlabels == 2 : c->ncols == c->nlabels))
		goto bad;
	uint32_t ncl = c->ncols == 1 ? 2 : c->ncols;
	double cv[2];
	if (get(f, c->col_label, ncl * 4) || get(f, cv, 16) || get32(f, &c->folds) ||
	    get32(f, &c->ntrain) || get32(f, &c->solver) || get(f, &c->nb_alpha, 8) ||
	    get(f, &c->plain_mix, 8) || !(c->nb_alpha >= 0) ||
	    !(c->plain_mix >= 0 && c->plain_mix <= 1))
		goto bad;
	for (uint32_t j = 0; j < ncl; j++)
		if (c->col_label[j] >= c->nlabels)
			goto bad;
	c->C = cv[0];
	c->cv_acc = cv[1];
	if (alloc_rows(c)) {
		rc = YQ_ENOMEM;
		goto out;
	}
	uint32_t nrows, nb = 1u << c->feat.hash_bits;
	if (get(f, c->bias, c->ncols * sizeof(float)) || get32(f, &nrows) || nrows > nb)
		goto bad;
	for (uint32_t r = 0; r < nrows; r++) {
		uint32_t b;
		if (get32(f, &b) || b >= nb || get(f, c->rows + (size_t)b * c->stride,
						    c->stride * sizeof(float)))
			goto bad;
	}
	if (fgetc(f) != EOF)
		goto bad;
	if (c->polarity_rule && !c->lex)
		goto bad;
	find_polar_labels(c);
	if (uses_tokens(&c->feat) && (rc = yq_segmenter_new(NULL, &c->seg, err)))
		goto out;
	*out = c;
	c = NULL;
	rc = YQ_OK;
	goto out;
bad:
	yq_buf_printf(err, "%s: malformed or truncated model", path.s);
	rc = YQ_EFORMAT;
out:
	if (f)
		fclose(f);
	yq_classifier_free(c);
	yq_buf_release(&path);
	return rc;
}

/* ---- training data ---- */

struct yq_train_data {
	struct yq_feat_config feat;
	size_t max_docs;
	struct yq_strmap *labels;
	size_t *label_count;       /* per label id */
	uint32_t *y;               /* label id per doc */
	size_t *start;             /* doc i's features: feats[start[i] .. start[i+1]) */
	size_t ndocs, cap_docs;
	struct yq_feat *feats;
	size_t nfeats, cap_feats;
};

int yq_train_data_new(const struct yq_feat_config *cfg, size_t max_docs,
		      struct yq_train_data **out)
{
	if (yq_feat_config_check(cfg))
		return YQ_EINVAL;
	struct yq_train_data *d = calloc(1, sizeof(*d));
	if (!d)
		return YQ_ENOMEM;
	d->feat = *cfg;
	d->max_docs = max_docs;
	d->label_count = calloc(YQ_MODEL_MAX_LABELS, sizeof(*d->label_count));
	d->start = malloc(sizeof(*d->start));
	if (!d->label_count || !d->start || yq_strmap_new(YQ_MODEL_MAX_LABELS, &d->labels)) {
		yq_train_data_free(d);
		return YQ_ENOMEM;
	}
	d->start[0] = 0;
	*out = d;
	return YQ_OK;
}

void yq_train_data_free(struct yq_train_data *d)
{
	if (!d)
		return;
	yq_strmap_free(d->labels);
	free(d->label_count);
	free(d->y);
	free(d->start);
	free(d->feats);
	free(d);
}

size_t yq_train_data_count(const struct yq_train_data *d)
{
	return d->ndocs;
}

size_t yq_train_data_nlabels(const struct yq_train_data *d)
{
	return yq_strmap_count(d->labels);
}

const char *yq_train_data_label(const struct yq_train_data *d, size_t i, size_t *count,
				size_t *len)
{
	if (count)
		*count = d->label_count[i];
	return yq_strmap_key(d->labels, (uint32_t)i, len);
}

int yq_train_data_add(struct yq_train_data *d, const char *label, size_t ln,
		      const struct yq_features *f)
{
	if (d->ndocs >= d->max_docs || ln > YQ_MODEL_MAX_LABEL_LEN)
		return YQ_ETOOBIG;
	if (d->ndocs == d->cap_docs) {
		size_t cap = d->cap_docs ? 2 * d->cap_docs : 1024;
		uint32_t *y = realloc(d->y, cap * sizeof(*y));
		if (!y)
			return YQ_ENOMEM;
		d->y = y;
		size_t *st = realloc(d->start, (cap + 1) * sizeof(*st));
		if (!st)
			return YQ_ENOMEM;
		d->start = st;
		d->cap_docs = cap;
	}
	if (d->nfeats + f->n > d->cap_feats) {
		size_t cap = d->cap_feats ? d->cap_feats : 65536;
		while (cap < d->nfeats + f->n)
			cap *= 2;
		struct yq_feat *v = realloc(d->feats, cap * sizeof(*v));
		if (!v)
			return YQ_ENOMEM;
		d->feats = v;
		d->cap_feats = cap;
	}
	int added;
	int64_t id = yq_strmap_intern(d->labels, label, ln, &added);
	if (id < 0)
		return (int)id;
	memcpy(d->feats + d->nfeats, f->v, f->n * sizeof(*f->v));
	d->nfeats += f->n;
	d->y[d->ndocs] = (uint32_t)id;
	d->label_count[id]++;
	d->ndocs++;
	d->start[d->ndocs] = d->nfeats;
	return YQ_OK;
}

/* ---- training ---- */

static void quiet(const char *s)
{
	(void)s;
}

static int cmp_node(const void *a, const void *b)
{
	const struct feature_node *x = a, *y = b;
	return (x->index > y->index) - (x->index < y->index);
}

/* splitmix64 (Steele, Lea & Flood 2014): the fold shuffle's generator. */
static uint64_t splitmix(uint64_t *s)
{
	uint64_t z = (*s += 0x9E3779B97F4A7C15ULL);
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
	return z ^ (z >> 31);
}

/* The training matrix: doc i is nodes rows[i] .. (sorted buckets, the bias
 * node, the -1 end); base[k] is node k's L2-normalized tf-idf value, which
 * nb_scale multiplies by the column's log-count ratio into nodes[k].value. */
struct tmat {
	size_t ndocs, nb, nnodes;
	struct feature_node *nodes, **rows;
	float *base;
	const uint32_t *y; /* label id per doc */
};

/*
 * nb_ratio: the log-count ratio of column label `lab` (Wang & Manning,
 * "Baselines and Bigrams", ACL 2012, section 2.1) from the documents with
 * in[i] != 0:  r_b = ln((α + p_b) / ‖α + p‖₁) − ln((α + q_b) / ‖α + q‖₁),
 * p_b (q_b) = how many documents of (not of) label lab have bucket b.
 * With alpha == 0 every r_b is 1 (plain logistic regression).  cnt is
 * scratch of 2 nb doubles.
 */
static void nb_ratio(const struct tmat *t, const uint8_t *in, uint32_t lab, double alpha,
		     double *cnt, float *r)
{
	if (alpha <= 0) {
		for (size_t b = 0; b < t->nb; b++)
			r[b] = 1.0f;
		return;
	}
	double *p = cnt, *q = cnt + t->nb, sp = 0, sq = 0;
	memset(cnt, 0, 2 * t->nb * sizeof(*cnt));
	for (size_t i = 0; i < t->ndocs; i++) {
		if (!in[i])
			continue;
		double *c = t->y[i] == lab ? p : q;
		for (const struct feature_node *x = t->rows[i]; (size_t)x->index <= t->nb; x++)
			c[x->index - 1] += 1;
	}
	for (size_t b = 0; b < t->nb; b++) {
		sp += alpha + p[b];
		sq += alpha + q[b];
	}
	for (size_t b = 0; b < t->nb; b++)
		r[b] = (float)(log((alpha + p[b]) / sp) - log((alpha + q[b]) / sq));
}

/* nb_scale: nodes[k].value = base[k] × r[bucket]; the bias stays 1. */
static void nb_scale(struct tmat *t, const float *r)
{
	for (size_t k = 0; k < t->nnodes; k++) {
		struct feature_node *x = &t->nodes[k];
		if (x->index > 0 && (size_t)x->index <= t->nb)
			x->value = (double)t->base[k] * r[x->index - 1];
	}
}

/*
 * train_column: one binary L2-regularized logistic regression (liblinear)
 * of label `lab` against the rest on the documents with in[i] != 0; w gets
 * nb + 1 weights (the last is the bias) oriented so that a positive
 * decision value means `lab`; balanced weighs each side n / (2 n_side)
 * (model.h).  Returns 0, YQ_ENOMEM, YQ_EINVAL (liblinear's
 * message in err).
 */
static int train_column(struct tmat *t, const uint8_t *in, uint32_t lab, int solver, double C,
			int balanced, double eps, struct feature_node **sub, double *ysub,
			double *w, struct yq_buf *err)
{
	int l = 0, npos = 0;
	for (size_t i = 0; i < t->ndocs; i++)
		if (in[i]) {
			sub[l] = t->rows[i];
			npos += t->y[i] == lab;
			ysub[l++] = t->y[i] == lab ? 1 : -1;
		}
	struct problem prob = {.l = l, .n = (int)t->nb + 1, .y = ysub, .x = sub, .bias = -1};
	struct parameter par = {.solver_type = solver, .C = C, .eps = eps};
	int wl[2] = {1, -1};
	double wv[2];
	if (balanced && npos > 0 && npos < l) {
		wv[0] = (double)l / (2.0 * npos);
		wv[1] = (double)l / (2.0 * (l - npos));
		par.nr_weight = 2;
		par.weight_label = wl;
		par.weight = wv;
	}
	const char *bad = check_parameter(&prob, &par);
	if (bad) {
		yq_buf_printf(err, "liblinear: %s", bad);
		return YQ_EINVAL;
	}
	struct model *m = train(&prob, &par);
	if (!m)
		return YQ_ENOMEM;
	/* one label only (a fold without it) gives nr_class 1: w is then 0 */
	double sign = m->nr_class == 2 && m->label[0] == 1 ? 1.0 : -1.0;
	for (size_t b = 0; b <= t->nb; b++)
		w[b] = m->nr_class == 2 ? sign * m->w[b] : 0.0;
	free_and_destroy_model(&m);
	return YQ_OK;
}

/* decision: w · x for document i (the bias node included). */
static double decision(const struct tmat *t, size_t i, const double *w)
{
	double d = 0;
	for (const struct feature_node *x = t->rows[i]; x->index > 0; x++)
		d += x->value * w[x->index - 1];
	return d;
}

int yq_model_train(const struct yq_train_config *cfg, struct yq_train_data *d, FILE *logf,
		   struct yq_classifier **out, struct yq_buf *err)
{
	static const double grid[] = {0.25, 1, 4, 16, 64, 256};
	int rc = YQ_ENOMEM;
	struct yq_classifier *c = NULL;
	struct tmat t = {0};
	float *idf = NULL, *r = NULL;
	uint32_t *df = NULL, *fold = NULL;
	uint8_t *in = NULL;
	struct feature_node **sub = NULL;
	double *ysub = NULL, *w = NULL, *cnt = NULL, *dec = NULL;
	size_t *ok = NULL;
	size_t nl = yq_train_data_nlabels(d), nb = (size_t)1 << d->feat.hash_bits;
	size_t ncols = nl == 2 ? 1 : nl;
	size_t ng = cfg->C > 0 ? 1 : sizeof(grid) / sizeof(*grid);
	double eps = cfg->eps > 0 ? cfg->eps : (cfg->solver == L2R_LR ? 0.01 : 0.1);
	/* the two views of a column and their weights in the average: NB-scaled
	 * and plain (model.h, plain_mix) */
	const double vw[2] = {cfg->nb_alpha > 0 ? 1 - cfg->plain_mix : 0,
			      cfg->nb_alpha > 0 ? cfg->plain_mix : 1};

	if (nl < 2) {
		yq_buf_printf(err, "training needs at least two labels (found %zu)", nl);
		return YQ_EINVAL;
	}
	if ((cfg->solver != L2R_LR && cfg->solver != L2R_LR_DUAL) || cfg->C < 0 ||
	    (cfg->folds == 0 && cfg->C == 0) || cfg->folds < 0 || cfg->folds > 20 ||
	    cfg->folds == 1 || (size_t)cfg->folds > d->ndocs || !(cfg->nb_alpha >= 0) ||
	    cfg->nb_alpha > 1e6 || !(cfg->plain_mix >= 0 && cfg->plain_mix <= 1)) {
		yq_buf_printf(err, "bad training settings (solver 0 or 7; folds 2..20 and at most "
			      "the number of documents, or 0 with a fixed C; NB alpha in [0, 1e6], "
			      "plain mix in [0, 1])");
		return YQ_EINVAL;
	}
	set_print_string_function(quiet);

	/* idf from document frequencies (each doc's buckets are distinct) */
	df = calloc(nb, sizeof(*df));
	idf = calloc(nb, sizeof(*idf));
	r = malloc(nb * sizeof(*r));
	w = malloc((nb + 1) * sizeof(*w));
	cnt = malloc(2 * nb * sizeof(*cnt));
	if (!df || !idf || !r || !w || !cnt)
		goto out;
	for (size_t i = 0; i < d->nfeats; i++)
		df[d->feats[i].idx]++;
	for (size_t b = 0; b < nb; b++)
		if (df[b])
			idf[b] = (float)(log((1.0 + (double)d->ndocs) / (1.0 + df[b])) + 1.0);

	/* the matrix: tf-idf, L2-normalized, then the bias node, then -1 */
	t.ndocs = d->ndocs;
	t.nb = nb;
	t.y = d->y;
	t.nnodes = d->nfeats + 2 * d->ndocs;
	t.nodes = malloc(t.nnodes * sizeof(*t.nodes));
	t.base = malloc(t.nnodes * sizeof(*t.base));
	t.rows = malloc(d->ndocs * sizeof(*t.rows));
	sub = malloc(d->ndocs * sizeof(*sub));
	ysub = malloc(d->ndocs * sizeof(*ysub));
	in = malloc(d->ndocs);
	fold = malloc(d->ndocs * sizeof(*fold));
	dec = malloc(ng * d->ndocs * ncols * sizeof(*dec));
	ok = calloc(ng, sizeof(*ok));
	if (dec)
		memset(dec, 0, ng * d->ndocs * ncols * sizeof(*dec));
	if (!t.nodes || !t.base || !t.rows || !sub || !ysub || !in || !fold || !dec || !ok)
		goto out;
	struct feature_node *p = t.nodes;
	for (size_t i = 0; i < d->ndocs; i++) {
		t.rows[i] = p;
		double norm2 = 0;
		struct feature_node *first = p;
		for (size_t k = d->start[i]; k < d->start[i + 1]; k++) {
			const struct yq_feat *fe = &d->feats[k];
			double v = (double)tf_of(cfg->tf_mode, fe->val) * idf[fe->idx];
			p->index = (int)fe->idx + 1;
			p->value = v;
			norm2 += v * v;
			p++;
		}
		double inv = norm2 > 0 ? 1.0 / sqrt(norm2) : 0.0;
		for (struct feature_node *q = first; q < p; q++)
			q->value *= inv;
		qsort(first, (size_t)(p - first), sizeof(*first), cmp_node);
		p->index = (int)nb + 1; /* bias */
		p->value = 1.0;
		p++;
		p->index = -1;
		p->value = 0;
		p++;
	}
	for (size_t k = 0; k < t.nnodes; k++)
		t.base[k] = (float)t.nodes[k].value;

	/* k-fold cross-validation over the C grid: the log-count ratios of a
	 * fold come from its training part only */
	double bestC = cfg->C, best_acc = -1;
	if (cfg->folds > 0) {
		uint64_t s = cfg->seed;
		for (size_t i = 0; i < t.ndocs; i++)
			fold[i] = (uint32_t)i;
		for (size_t i = t.ndocs; i > 1; i--) { /* Fisher–Yates */
			size_t j = (size_t)(splitmix(&s) % i);
			uint32_t x = fold[i - 1];
			fold[i - 1] = fold[j];
			fold[j] = x;
		}
		for (size_t i = 0; i < t.ndocs; i++) /* shuffled position → fold id */
			in[fold[i]] = (uint8_t)(i % (size_t)cfg->folds);
		for (size_t i = 0; i < t.ndocs; i++)
			fold[i] = in[i];
	}
	for (int k = 0; k < cfg->folds; k++) {
		for (size_t i = 0; i < t.ndocs; i++)
			in[i] = fold[i] != (uint32_t)k;
		for (size_t j = 0; j < ncols; j++) {
			for (int v = 0; v < 2; v++) {
				if (vw[v] == 0)
					continue;
				nb_ratio(&t, in, (uint32_t)j, v == 0 ? cfg->nb_alpha : 0, cnt, r);
				nb_scale(&t, r);
				for (size_t g = 0; g < ng; g++) {
					double C = cfg->C > 0 ? cfg->C : grid[g];
					if ((rc = train_column(&t, in, (uint32_t)j, cfg->solver, C,
							       cfg->balanced, eps,
							       sub, ysub, w, err)))
						goto out;
					for (size_t i = 0; i < t.ndocs; i++)
						if (!in[i])
							dec[(g * t.ndocs + i) * ncols + j] +=
								vw[v] * decision(&t, i, w);
				}
			}
		}
	}
	rc = YQ_ENOMEM;
	for (size_t g = 0; cfg->folds > 0 && g < ng; g++) {
		for (size_t i = 0; i < t.ndocs; i++) {
			const double *dv = dec + (g * t.ndocs + i) * ncols;
			uint32_t pred = 0;
			if (ncols == 1) {
				pred = dv[0] > 0 ? 0 : 1;
			} else {
				for (uint32_t j = 1; j < ncols; j++)
					if (dv[j] > dv[pred])
						pred = j;
			}
			ok[g] += pred == t.y[i];
		}
		double acc = (double)ok[g] / (double)t.ndocs;
		double C = cfg->C > 0 ? cfg->C : grid[g];
		if (logf)
			fprintf(logf, "C=%g: %d-fold cross-validated accuracy %.4f\n", C, cfg->folds,
				acc);
		if (acc > best_acc) {
			best_acc = acc;
			bestC = C;
		}
	}

	/* the classifier: labels, columns, dense rows with idf */
	c = calloc(1, sizeof(*c));
	if (!c)
		goto out;
	c->feat = d->feat;
	c->feat.lex = NULL;
	if (d->feat.lex) {
		if (yq_lexicon_new(&c->lex))
			goto out;
		for (size_t i = 0; i < yq_lexicon_count(d->feat.lex); i++) {
			size_t n;
			int pol;
			const char *wd = yq_lexicon_word(d->feat.lex, i, &n, &pol);
			if ((pol >= 0 && yq_lexicon_add(c->lex, wd, n, 1)) ||
			    (pol <= 0 && yq_lexicon_add(c->lex, wd, n, -1)))
				goto out;
		}
		c->feat.lex = c->lex;
	}
	c->tf_mode = cfg->tf_mode;
	c->nb_alpha = cfg->nb_alpha;
	c->plain_mix = cfg->nb_alpha > 0 ? cfg->plain_mix : 0;
	c->task = strdup(cfg->task ? cfg->task : "");
	c->labels = calloc(nl, sizeof(*c->labels));
	if (!c->task || !c->labels)
		goto out;
	c->nlabels = (uint32_t)nl;
	for (size_t i = 0; i < nl; i++) {
		size_t n;
		const char *k = yq_strmap_key(d->labels, (uint32_t)i, &n);
		if (!(c->labels[i] = strndup(k, n)))
			goto out;
	}
	c->polarity_rule = cfg->polarity_rule && c->lex;
	find_polar_labels(c);
	c->ncols = (uint32_t)ncols;
	for (uint32_t j = 0; j < nl; j++)
		c->col_label[j] = j; /* column j decides label j; for two labels,
				      * column 0 is label 0 and its complement 1 */
	c->C = bestC;
	c->cv_acc = best_acc;
	c->folds = (uint32_t)cfg->folds;
	c->ntrain = (uint32_t)d->ndocs;
	c->solver = (uint32_t)cfg->solver;
	if (alloc_rows(c))
		goto out;
	for (size_t b = 0; b < nb; b++)
		if (idf[b])
			c->rows[b * c->stride] = idf[b];
	/* each column on all documents; the ratios fold into the weights
	 * (prediction scales the normalized tf-idf by w·r in one product) */
	memset(in, 1, t.ndocs);
	for (uint32_t j = 0; j < ncols; j++) {
		double bias = 0;
		for (int v = 0; v < 2; v++) {
			if (vw[v] == 0)
				continue;
			nb_ratio(&t, in, j, v == 0 ? cfg->nb_alpha : 0, cnt, r);
			nb_scale(&t, r);
			if ((rc = train_column(&t, in, j, cfg->solver, bestC, cfg->balanced, eps,
					       sub, ysub, w, err)))
				goto out;
			for (size_t b = 0; b < nb; b++)
				if (idf[b])
					c->rows[b * c->stride + 1 + j] += (float)(vw[v] * w[b] * r[b]);
			bias += vw[v] * w[nb];
		}
		rc = YQ_ENOMEM;
		c->bias[j] = (float)bias;
	}
	*out = c;
	c = NULL;
	rc = YQ_OK;
out:
	yq_classifier_free(c);
	free(df);
	free(idf);
	free(r);
	free(w);
	free(cnt);
	free(t.nodes);
	free(t.base);
	free(t.rows);
	free(sub);
	free(ysub);
	free(in);
	free(fold);
	free(dec);
	free(ok);
	return rc;
}
