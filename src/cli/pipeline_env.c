/*
 * pipeline_env.c — loading the pipeline's resources for replay and serve;
 * see pipeline_env.h.  The order is the cheapest check first (lexicons,
 * schemes, model) so that a typo is reported before the segmenter's
 * dictionaries are read.
 */
#include "cli/pipeline_env.h"
#include "base/error.h"
#include "cli/cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int yq_pipeline_env_load(const char *cmd, const struct yq_pipeline_env_opts *o,
			 struct yq_pipeline_config *cfg, struct yq_pipeline_env *env)
{
	struct yq_buf err = YQ_BUF_INIT;
	int status = YQ_EXIT_USAGE, rc;
	char def[4096];
	const char *dir = getenv("YQ_CONFIG_DIR");
	const char *path = o->sensitivity;

	memset(env, 0, sizeof(*env));
	if (!path) {
		snprintf(def, sizeof def, "%s/sensitivity.tsv", dir ? dir : YQ_CONFIG_DIR_DEFAULT);
		path = def;
	}
	if (strcmp(path, "none") != 0 && yq_risk_lexicon_load(path, &env->sens, &err)) {
		yq_cli_err(cmd, "sensitivity lexicon: %s", err.s);
		goto out;
	}
	yq_buf_reset(&err);
	if (o->jurisdiction && *o->jurisdiction &&
	    yq_risk_lexicon_from_list("jurisdiction", o->jurisdiction, &env->juris, &err)) {
		yq_cli_err(cmd, "jurisdiction: %s", err.s);
		goto out;
	}
	cfg->sensitivity = env->sens;
	cfg->jurisdiction = env->juris;
	yq_buf_reset(&err);
	if (o->schemes) {
		if (yq_scheme_load(o->schemes, &env->schemes, &err)) {
			yq_cli_err(cmd, "%s", err.s);
			goto out;
		}
		cfg->schemes = env->schemes;
	}
	if (o->sentiment) {
		yq_buf_reset(&err);
		rc = yq_classifier_load(o->sentiment, &env->clf, &err);
		if (rc && (o->sentiment_given || rc != YQ_ENOTFOUND)) {
			yq_cli_err(cmd, "sentiment model: %s", err.s);
			status = o->sentiment_given ? YQ_EXIT_USAGE : YQ_EXIT_RUNTIME;
			goto out;
		}
		if (rc)
			fprintf(stderr, "yuqing: %s: note: %s; posts are stored without sentiment\n",
				cmd, err.s);
		cfg->sentiment = env->clf;
	}
	status = YQ_EXIT_RUNTIME;
	if (yq_cli_segmenter(cmd, &env->seg))
		goto out;
	status = YQ_EXIT_OK;
out:
	yq_buf_release(&err);
	return status;
}

void yq_pipeline_env_release(struct yq_pipeline_env *env)
{
	yq_segmenter_free(env->seg);
	yq_scheme_set_free(env->schemes);
	yq_risk_lexicon_free(env->sens);
	yq_risk_lexicon_free(env->juris);
	yq_classifier_free(env->clf);
	memset(env, 0, sizeof(*env));
}
