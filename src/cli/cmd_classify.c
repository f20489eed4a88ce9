/*
 * cmd_classify.c — `yuqing classify --model MODEL [FILE…]`: posts →
 * {"id","label","prob"} a line, through the same normalize → tokenize →
 * features path that `train` used.  The label is printed verbatim as it was
 * in the training data (after its --label-map).
 */
#include "base/error.h"
#include "classify/model.h"
#include "cli/cli.h"
#include "cli/clftext.h"
#include "cli/input.h"
#include "text/normalize.h"

#include <stdlib.h>
#include <string.h>

#define MAX_FIELDS 8

struct ctx {
	struct yq_classifier *model;
	struct yq_normalizer *norm;
	struct yq_norm_result nr;
	struct yq_clf_work w;
	struct yq_buf text, out;
	size_t ntext;
	uint64_t empty;
};

static int each_post(const struct yq_post *post, void *arg)
{
	struct ctx *c = arg;
	int rc;
	const char *label;
	double prob;
	if ((rc = yq_clf_text(post, c->ntext, &c->text)))
		return rc;
	if (c->text.len == 0) {
		c->empty++;
		yq_cli_err("classify", "post %s: empty text (skipped)", post->id);
		return YQ_OK;
	}
	if ((rc = yq_normalize(c->norm, c->text.s, c->text.len, &c->nr)) ||
	    (rc = yq_classifier_predict(c->model, &c->w, c->nr.text.s, c->nr.text.len, NULL, &label,
					&prob)))
		return rc;
	struct yq_buf *b = &c->out;
	yq_buf_reset(b);
	if (yq_buf_adds(b, "{\"id\":") || yq_buf_add_json_str(b, post->id, strlen(post->id)) ||
	    yq_buf_adds(b, ",\"label\":") || yq_buf_add_json_str(b, label, strlen(label)) ||
	    yq_buf_printf(b, ",\"prob\":%.4f}\n", prob))
		return YQ_ENOMEM;
	if (fwrite(b->s, 1, b->len, stdout) != b->len)
		return YQ_EIO;
	return YQ_OK;
}

int yq_cmd_classify(int argc, char **argv)
{
	static const char usage[] =
		"--model MODEL [--text-field T]… [--format F] [--map a=b,…] [--source S]\n"
		"       [--strict] [FILE…]";
	struct yq_input in;
	struct ctx c = {0};
	struct yq_buf err = YQ_BUF_INIT;
	const char *model = NULL;
	const char *fields[MAX_FIELDS];
	int status = YQ_EXIT_USAGE, rc;
	char **files = calloc((size_t)argc, sizeof(char *));
	int nfiles = 0;
	if (!files)
		return YQ_EXIT_RUNTIME;
	yq_input_init(&in, "classify");
	yq_buf_init(&c.text);
	yq_buf_init(&c.out);
	for (int i = 1; i < argc; i++) {
		int r = yq_input_option(&in, argc, argv, &i);
		if (r < 0)
			goto out;
		if (r > 0)
			continue;
		const char *a = argv[i];
		if (strcmp(a, "--model") == 0 || strcmp(a, "--text-field") == 0) {
			if (i + 1 >= argc) {
				yq_cli_err("classify", "%s needs a value", a);
				goto out;
			}
			if (a[2] == 'm')
				model = argv[++i];
			else if (c.ntext == MAX_FIELDS) {
				yq_cli_err("classify", "at most %d --text-field", MAX_FIELDS);
				goto out;
			} else
				fields[c.ntext++] = argv[++i];
		} else if (a[0] == '-' && a[1]) {
			yq_cli_err("classify", "unknown option '%s'", a);
			status = yq_cli_usage("classify", usage);
			goto out;
		} else {
			files[nfiles++] = argv[i];
		}
	}
	if (!model) {
		status = yq_cli_usage("classify", usage);
		goto out;
	}
	status = YQ_EXIT_RUNTIME;
	in.rc.extra = fields;
	in.rc.n_extra = c.ntext;
	if ((rc = yq_classifier_load(model, &c.model, &err)) ||
	    (rc = yq_normalizer_new(&c.norm, &err))) {
		yq_cli_err("classify", "%s", err.len ? err.s : yq_strerror(rc));
		goto out;
	}
	rc = yq_input_run(&in, files, nfiles, each_post, &c);
	if (rc && rc != YQ_EIO && rc != YQ_EINVAL && rc != YQ_EFORMAT)
		yq_cli_err("classify", "%s", yq_strerror(rc));
	if (fflush(stdout) != 0) {
		yq_cli_err("classify", "cannot write the output");
		goto out;
	}
	if (in.bad || c.empty)
		yq_cli_err("classify", "%llu posts classified, %llu bad records skipped",
			   (unsigned long long)(in.read - c.empty),
			   (unsigned long long)(in.bad + c.empty));
	status = rc ? YQ_EXIT_RUNTIME : YQ_EXIT_OK;
out:
	yq_classifier_free(c.model);
	yq_normalizer_free(c.norm);
	yq_norm_result_release(&c.nr);
	yq_clf_work_release(&c.w);
	yq_buf_release(&c.text);
	yq_buf_release(&c.out);
	yq_buf_release(&err);
	yq_input_release(&in);
	free(files);
	return status;
}
