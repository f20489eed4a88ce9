/*
 * risk.h — the warning stage: a documented risk score per event and its
 * four levels (IV blue, III yellow, II orange, I red), from five factors in
 * [0, 1]:
 *   heat        volume, velocity (the burst of the event's current bucket,
 *               detect/burst.h) and engagement (reposts, comments, likes)
 *   negativity  share of the rated posts that are negative, and intensity
 *               (how many negative posts)
 *   sensitivity weight of the most sensitive category of a lexicon whose
 *               words occur in the event's title or keywords (public
 *               safety, disaster, health, fraud against tourists …), at
 *               least scheme_sensitivity when a monitoring scheme matched
 *   locality    1 when a place word of the configured jurisdiction occurs
 *               in the title or keywords (0 when none is configured)
 *   spread      distinct sources (platforms / sites) carrying the event
 * score = 100 · Σ weight_f · factor_f; level k when score ≥ threshold_k and
 * the event has at least min_size posts.  Every formula, default weight and
 * threshold is in docs/warning.md, which this file follows.
 *
 * An alert fires when an event enters a level and again only when its level
 * rises (yq_risk_transition): never twice at one level.
 *
 * Threads: a lexicon is read-only after loading and may be shared.
 */
#ifndef YQ_RISK_H
#define YQ_RISK_H

#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"

enum { YQ_RISK_HEAT, YQ_RISK_NEGATIVITY, YQ_RISK_SENSITIVITY, YQ_RISK_LOCALITY, YQ_RISK_SPREAD,
       YQ_RISK_NFACTORS };

struct yq_risk_config {
	double weight[YQ_RISK_NFACTORS]; /* default 0.40, 0.20, 0.20, 0.10, 0.10 */
	double threshold[4];   /* score for IV, III, II, I: default 20, 35, 50, 65 */
	uint32_t min_size;     /* posts an event needs for any level, default 10 */
	double volume_ref;     /* posts: volume = 1 − exp(−size/volume_ref), default 300 */
	double velocity_z;     /* z at which velocity saturates, default 12 */
	double velocity_ref;   /* posts a bucket: × (1 − exp(−count/velocity_ref)), default 50 */
	double engagement_ref; /* engagement = ln(1+E)/ln(1+engagement_ref) capped at 1, default 100000 */
	double heat_mix[3];    /* volume, velocity, engagement in heat: 0.45, 0.35, 0.20 */
	uint32_t min_rated;    /* rated posts before the share counts, default 5 */
	double negative_ref;   /* intensity = 1 − exp(−negative/negative_ref), default 50 */
	double share_mix;      /* share's part of negativity (rest: intensity), 0.6 */
	double scheme_sensitivity; /* sensitivity of an event that matched a scheme, 0.5 */
	double sources_ref;    /* spread = 1 − exp(−(sources − 1)/sources_ref), default 2 */
};

void yq_risk_config_default(struct yq_risk_config *c);

/* What the score is computed from: one event now. */
struct yq_risk_input {
	uint64_t size;          /* posts in the event */
	uint32_t bucket_count;  /* posts in its current bucket */
	double z;               /* burst z of the current bucket (detect/burst.h) */
	uint64_t engagement;    /* reposts + comments + likes over its posts */
	uint64_t rated, negative; /* posts rated for sentiment, and negative */
	uint32_t sources;       /* distinct sources */
	double sensitivity;     /* yq_risk_lexicon_match() on the lexicon, in [0,1] */
	int scheme_matched;     /* a monitoring scheme matched one of its posts */
	double locality;        /* yq_risk_lexicon_match() on the jurisdiction, in [0,1] */
};

struct yq_risk_result {
	double score;                          /* 0..100 */
	int level;                             /* 0 none, 1 IV … 4 I */
	double factor[YQ_RISK_NFACTORS];       /* values in [0,1] */
	double contribution[YQ_RISK_NFACTORS]; /* 100 · weight · value: they sum to score */
	double volume, velocity, engagement;   /* heat's parts */
	double share, intensity;               /* negativity's parts */
};

/* yq_risk_score: the formula of docs/warning.md; pure. */
void yq_risk_score(const struct yq_risk_config *c, const struct yq_risk_input *in,
		   struct yq_risk_result *out);

/* yq_risk_transition: 1 (and *alerted = level) when level > *alerted (an
 * event entering a level or rising), else 0: no repeat while it stays or
 * falls. */
int yq_risk_transition(int *alerted, int level);

/* Level names: code "IV" … "I", color "blue" … "red"; "" for 0. */
const char *yq_risk_level_code(int level);
const char *yq_risk_level_color(int level);
/* yq_risk_factor_name: "heat", "negativity", … */
const char *yq_risk_factor_name(int f);

/* ---- lexicons: sensitive categories, jurisdiction places ---- */

struct yq_risk_lexicon;

#define YQ_RISK_LEX_MAX_BYTES (1u << 20)
#define YQ_RISK_LEX_MAX_CATEGORIES 256
#define YQ_RISK_LEX_MAX_WORDS 20000
#define YQ_RISK_WORD_MAX 64 /* bytes */

/*
 * yq_risk_lexicon_load: a lexicon file (UTF-8 TSV; '#' starts a comment
 * line): "category<TAB>weight<TAB>word word …", weight in [0, 1], words
 * separated by spaces.  Caps above; a word over YQ_RISK_WORD_MAX bytes is
 * an error.  *out owned by the caller (yq_risk_lexicon_free).  Errors:
 * YQ_EIO (cannot read), YQ_EFORMAT (message with the line in err),
 * YQ_ETOOBIG, YQ_ENOMEM.
 */
int yq_risk_lexicon_load(const char *path, struct yq_risk_lexicon **out, struct yq_buf *err);

/* yq_risk_lexicon_from_list: one category `name` of weight 1 from a
 * comma-separated word list (the jurisdiction's place words).  Errors as
 * above (YQ_EFORMAT for an empty list or an over-long word). */
int yq_risk_lexicon_from_list(const char *name, const char *list, struct yq_risk_lexicon **out,
			      struct yq_buf *err);

void yq_risk_lexicon_free(struct yq_risk_lexicon *lx);

/*
 * yq_risk_lexicon_match: the highest weight of a category with a word that
 * occurs (as a substring: words are Chinese) in one of texts[0..n) (lens[i]
 * bytes each); *category and *word (borrowed from the lexicon, may be NULL
 * pointers to skip) get that category's name and the word; 0 and NULLs
 * when nothing occurs.  NULL lx: 0.
 */
double yq_risk_lexicon_match(const struct yq_risk_lexicon *lx, const char *const *texts,
			     const size_t *lens, size_t n, const char **category, const char **word);

#endif
