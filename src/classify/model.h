/*
 * model.h — linear text classifiers: training (liblinear), the model file,
 * loading and prediction.  Sits after classify/features.h in the pipeline;
 * `yuqing train` / `yuqing classify` and the replay use it.
 *
 * Model: hashed features (features.h) → tf (raw or sublinear 1 + ln tf) ×
 * idf (smooth: ln((1 + N) / (1 + df)) + 1, 0 for buckets never seen in
 * training, which therefore count for nothing) → L2 normalization → an
 * optional NB log-count-ratio scaling per decision column (Wang & Manning
 * 2012; struct yq_train_config) → an L2-regularized logistic regression
 * trained by liblinear (Fan et al., JMLR 9, 2008; solver -s 0 primal
 * trust-region Newton, or -s 7 dual), one binary problem per column:
 * one-vs-rest when there are more than two labels.  Probabilities are
 * liblinear's predict_probability: the logistic of each decision value,
 * normalized to sum to 1 over the labels (for two labels, p and 1 - p).
 *
 * File format (native byte order; little-endian machines), version 2:
 *   "YQCLF\n\0\0"  u32 version  u32 YQ_FEAT_VERSION
 *   u32 flags  u32 hash_bits  u32 char_max  f32 contrast_weight  f32 word_weight
 *   u32 tf_mode
 *   u32 polarity_rule
 *   u32 n + task bytes
 *   u32 nlabels, then per label u32 n + bytes (verbatim training labels)
 *   u32 nwords, then per polarity-lexicon word: u8 polarity (1 +, 2 -, 0
 *   both)  u8 n  n bytes (at most YQ_LEXICON_MAX_WORDS words of <= 64 bytes)
 *   u32 ncols (1 for two labels, else nlabels)  u32 col_label[ncols == 1 ? 2 : ncols]
 *   f64 C  f64 cv_accuracy (-1: not measured)  u32 folds  u32 ntrain  u32 solver
 *   f64 nb_alpha (0: no log-count-ratio scaling; the ratios are folded into w)
 *   f64 plain_mix (the unscaled model's share of the average; 0 without NB)
 *   f32 bias[ncols]
 *   u32 nrows, then per row: u32 bucket  f32 idf  f32 w[ncols]
 * Only buckets seen in training are stored; loading expands them into a
 * dense table (2^hash_bits × (ncols + 1) floats; 16 MiB for 3 labels at
 * 2^20), so a prediction is one cache line per feature.  Caps on load:
 * 1,024 labels of at most 1,024 bytes, task name 64 bytes.
 *
 * Threads: a struct yq_classifier is immutable once loaded or trained and
 * may be shared; each thread passes its own struct yq_clf_work.
 */
#ifndef YQ_MODEL_H
#define YQ_MODEL_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "base/buf.h"
#include "classify/features.h"
#include "text/segment.h"
#include "text/tokenize.h"

#define YQ_MODEL_VERSION 2
#define YQ_MODEL_MAX_LABELS 1024
#define YQ_MODEL_MAX_LABEL_LEN 1024

enum yq_tf_mode { YQ_TF_RAW = 0, YQ_TF_SUBLINEAR = 1 };

struct yq_classifier;

/* Per-thread prediction scratch: zero-initialize, reuse, release. */
struct yq_clf_work {
	struct yq_features f;
	struct yq_seg_work sw;
	struct yq_tokens tok;
	double *dec;
	size_t dec_cap;
};
void yq_clf_work_release(struct yq_clf_work *w);

/*
 * yq_classifier_load: name_or_path "sentiment" or "category" is a built-in
 * model, found as <dir>/<name>.model where dir is $YQ_MODELS if set, else
 * <directory of the running executable>/models; any other value is a path.
 * Also loads the jieba segmenter (segment.h, about 0.1 s) when the model
 * uses word features, so predictions without tokens can cut the text.
 * Errors (message in err): YQ_ENOTFOUND (no such file; for a built-in name
 * the message says the build did not train it), YQ_EIO, YQ_EFORMAT (not a
 * model, a newer version, a cap exceeded, truncated), YQ_ENOMEM.
 */
int yq_classifier_load(const char *name_or_path, struct yq_classifier **out,
		       struct yq_buf *err);
void yq_classifier_free(struct yq_classifier *c);

/* yq_classifier_save: writes c to path (via path.tmp and rename).  YQ_EIO
 * with a message in err. */
int yq_classifier_save(const struct yq_classifier *c, const char *path, struct yq_buf *err);

/*
 * yq_classifier_predict: the most probable label of text[0..n) (normalized
 * UTF-8, yq_normalize's output) and its probability in [0, 1].  tokens are
 * yq_tokenize's tokens of the same text, or NULL: the classifier then cuts
 * the text itself (YQ_EINVAL if it has no segmenter, i.e. it was trained in
 * this process and not loaded).  *label points into c (valid until
 * yq_classifier_free).  Steady-state calls do not allocate.  Returns 0,
 * YQ_ENOMEM, YQ_ETOOBIG (text over 16 MiB), YQ_EINVAL.
 */
int yq_classifier_predict(struct yq_classifier *c, struct yq_clf_work *w, const char *text,
			  size_t n, const struct yq_tokens *tokens, const char **label,
			  double *prob);

/* yq_classifier_features: the model's feature settings (e.g. to know
 * whether tokens are needed: flags other than YQ_FEAT_CHAR). */
const struct yq_feat_config *yq_classifier_features(const struct yq_classifier *c);
size_t yq_classifier_nlabels(const struct yq_classifier *c);
/* yq_classifier_label: label i (0 <= i < nlabels), in first-seen order. */
const char *yq_classifier_label(const struct yq_classifier *c, size_t i);
const char *yq_classifier_task(const struct yq_classifier *c);
/* yq_classifier_cv: the C the model was trained with, and its k-fold
 * cross-validated accuracy (-1 when not measured). */
void yq_classifier_cv(const struct yq_classifier *c, double *C, double *cv_accuracy, int *folds);

/* ---- training ---- */

struct yq_train_data;

/* yq_train_data_new: an empty training set for features cfg (copied).
 * Caps: max_docs documents, at most YQ_MODEL_MAX_LABELS labels. */
int yq_train_data_new(const struct yq_feat_config *cfg, size_t max_docs,
		      struct yq_train_data **out);
void yq_train_data_free(struct yq_train_data *d);

/*
 * yq_train_data_add: one document: its label (label[0..ln), copied,
 * verbatim) and its features (yq_features_extract output, copied).
 * Returns 0, YQ_ENOMEM, YQ_ETOOBIG (max_docs or the label cap reached;
 * a label longer than YQ_MODEL_MAX_LABEL_LEN).
 */
int yq_train_data_add(struct yq_train_data *d, const char *label, size_t ln,
		      const struct yq_features *f);

/* yq_train_data_count: documents so far.  yq_train_data_label: label i
 * (i < nlabels, first-seen order; *len bytes, not NUL-terminated) and its
 * document count. */
size_t yq_train_data_count(const struct yq_train_data *d);
size_t yq_train_data_nlabels(const struct yq_train_data *d);
const char *yq_train_data_label(const struct yq_train_data *d, size_t i, size_t *count,
				size_t *len);

struct yq_train_config {
	const char *task;          /* stored in the model ("sentiment", "category") */
	enum yq_tf_mode tf_mode;
	int solver;                /* liblinear solver: 0 (L2R_LR) or 7 (L2R_LR_DUAL) */
	double C;                  /* > 0: fixed; 0: chosen by k-fold CV from a grid */
	int folds;                 /* k for CV (2..20); 0: no CV (needs C > 0) */
	double eps;                /* stopping tolerance; 0: liblinear's default */
	uint64_t seed;             /* fold assignment (splitmix64 shuffle) */
	/* NB log-count-ratio scaling (Wang & Manning, "Baselines and Bigrams:
	 * Simple, Good Sentiment and Topic Classification", ACL 2012; NBSVM
	 * with a logistic loss): > 0 multiplies each column's normalized
	 * tf-idf features by r_b = ln((α + p_b)/‖α + p‖₁) − ln((α + q_b)/‖α +
	 * q‖₁), where p_b / q_b count the training documents of / not of the
	 * column's label that have bucket b, α = nb_alpha; the ratios are
	 * folded into the saved weights, so prediction is unchanged.  0: off. */
	double nb_alpha;
	/* With nb_alpha > 0: 0..1, the share of a plain (unscaled) model in the
	 * average of the two decision functions; both are linear in the same
	 * normalized vector, so the average is one weight vector and costs
	 * nothing at prediction (the interpolation of NBSVM, section 2.3 of
	 * the paper, here between two trained models).  0: NB only. */
	double plain_mix;
	/* Polarity rule (needs a lexicon and labels named "negative" and
	 * "positive"): when the lexicon evidence of a text is one-sided after
	 * negation (features.h: polarity_pos > 0 and polarity_neg == 0, or the
	 * reverse) and the model's label is the opposite one, the text gets
	 * the most probable label on the evidence's side (non-negative, or
	 * negative), with that label's probability.  It is how 我一点都不难过
	 * and 质量不是不好 come out non-negative when the training data ties
	 * 一点都不 and 质量 to complaints.  docs/classify.md has its effect on
	 * the held-out sets. */
	int polarity_rule;
	/* Class weights of each binary column (liblinear's per-class C): 0
	 * none; 1 "balanced" — the column's two sides weigh n / (2 n_side) on
	 * the documents it is trained on (each fold's training part under CV),
	 * as scikit-learn's class_weight='balanced', so the minority side of an
	 * unbalanced set (waimai_10k: a third positive) is not pushed under
	 * the threshold.  Training only: the model file does not change. */
	int balanced;
};

/*
 * yq_model_train: trains on d (at least two labels).  When cfg->C is 0 the
 * grid C ∈ {0.25, 1, 4, 16, 64, 256} is scored by cfg->folds-fold CV and
 * the best C (ties: the smaller) is used; with a fixed C and folds > 0 only
 * that C is scored.  Progress lines (one per C scored) go to log when not
 * NULL.  Every decision column is its own binary problem (label j against
 * the rest; one column for two labels) solved by liblinear; the folds are
 * a seeded shuffle (cfg->seed), and the log-count ratios of a fold come
 * from its training part only, so CV never sees the held-out fold's
 * labels.  On success *out is the trained classifier (no segmenter; save
 * it, or predict with tokens).  Errors: YQ_EINVAL (fewer than two labels, bad
 * config; message in err), YQ_ENOMEM.
 */
int yq_model_train(const struct yq_train_config *cfg, struct yq_train_data *d, FILE *log,
		   struct yq_classifier **out, struct yq_buf *err);

#endif
