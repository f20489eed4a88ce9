/*
 * pipeline_env.h — what a command loads before it can run the analysis
 * pipeline (replay, serve): the sensitivity lexicon, the jurisdiction's
 * place words, the monitoring schemes, the sentiment model and the
 * segmenter, set into a struct yq_pipeline_config.  One place, so the
 * daemon analyses posts exactly as replay does.
 */
#ifndef YQ_CLI_PIPELINE_ENV_H
#define YQ_CLI_PIPELINE_ENV_H

#include "classify/model.h"
#include "match/scheme.h"
#include "pipeline/pipeline.h"
#include "text/segment.h"
#include "warn/risk.h"

/* What to load; every string is borrowed, NULL for the default. */
struct yq_pipeline_env_opts {
	const char *sensitivity;  /* lexicon path; "none": no sensitivity factor;
				   * NULL: $YQ_CONFIG_DIR (or the build's
				   * config/)/sensitivity.tsv */
	const char *jurisdiction; /* place words "w1,w2,…", NULL: none */
	const char *schemes;      /* scheme YAML path, NULL: none */
	const char *sentiment;    /* model name or path, NULL: no sentiment stage */
	int sentiment_given;      /* 1: the user named the model, so a missing
				   * model is an error, not a note */
};

/* What was loaded (owned; yq_pipeline_env_release frees it). */
struct yq_pipeline_env {
	struct yq_segmenter *seg;
	struct yq_risk_lexicon *sens, *juris;
	struct yq_scheme_set *schemes;
	struct yq_classifier *clf;
};

/*
 * yq_pipeline_env_load: loads what o names into env (zeroed on entry) and
 * points cfg's sensitivity, jurisdiction, schemes and sentiment at it.
 * Errors are printed as "yuqing: CMD: …" (a missing default sentiment
 * model is a "note:" and the stage is skipped).  Returns 0, YQ_EXIT_USAGE
 * (a bad file or list the user gave) or YQ_EXIT_RUNTIME; on error env may
 * hold part of the load: release it anyway.
 */
int yq_pipeline_env_load(const char *cmd, const struct yq_pipeline_env_opts *o,
			 struct yq_pipeline_config *cfg, struct yq_pipeline_env *env);
/* yq_pipeline_env_release: frees what env holds; env is zeroed. */
void yq_pipeline_env_release(struct yq_pipeline_env *env);

#endif
