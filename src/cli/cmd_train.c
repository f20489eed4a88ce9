/*
 * cmd_train.c — `yuqing train`: labelled posts → a model file (model.h),
 * printing the k-fold cross-validated accuracy.
 *
 * Each FILE is read with the input options given before it (--format,
 * --map, --text-field, --label-field, --label-map), so sources with
 * different columns and label sets train one model in one run; a
 * --text-field after a FILE starts a new list.  Every record goes through
 * the same normalize → tokenize → features path as classify.  A record with
 * no label or no text is reported with its line and skipped; a label mapped
 * to "-" is dropped (counted); a record whose id and text were already seen
 * (the same message in two files) is skipped as a duplicate (counted).
 */
#include "base/error.h"
#include "base/hash.h"
#include "base/strmap.h"
#include "classify/features.h"
#include "classify/model.h"
#include "cli/cli.h"
#include "cli/clftext.h"
#include "collect/reader.h"
#include "store/store.h"
#include "text/normalize.h"
#include "text/segment.h"
#include "text/tokenize.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

static const char usage[] =
	"--task sentiment|category --out MODEL [--folds K] [--C X] [--solver 0|7] [--nb A]\n"
	"       [--plain-mix B] [--class-weight none|balanced]\n"
	"       [--features LIST] [--tf raw|sublinear] [--hash-bits N] [--char-max N]\n"
	"       [--word-weight W]\n"
	"       [--positive-words F]… [--negative-words F]… [--polarity-rule]\n"
	"       [--format F] [--map a=b,…] [--text-field T]… [--label-field L]\n"
	"       [--label-map a=b,…] [--source S] [--strict] [--corrections DB] FILE…";

#define MAX_DOCS 5000000
#define MAX_FIELDS 8

/* The input options in force for one FILE. */
struct file_opts {
	const char *path;
	enum yq_format format;
	const char *map;
	const char *source;
	const char *text_fields[MAX_FIELDS];
	size_t ntext;
	const char *label_field;
	const char *label_map; /* "a=b,c=-" or NULL */
};

struct counts {
	size_t read, bad, dropped, dups, added;
};

struct trainer {
	struct yq_normalizer *norm;
	struct yq_segmenter *seg;
	struct yq_seg_work sw;
	struct yq_norm_result nr;
	struct yq_tokens tok;
	struct yq_features feat;
	struct yq_feat_config fc;
	struct yq_train_data *data;
	struct yq_strmap *seen;
	struct yq_buf text, key, label;
	struct counts n;
	size_t ncorr; /* examples from --corrections */
	int strict;
};

/* add_example: t->text (the record's classifier text) labelled
 * label[0..n) into t->data, unless a record with the same id and text was
 * added before.  Returns 0 (added), 1 (a duplicate, skipped), YQ_ENOMEM,
 * YQ_ETOOBIG, or an error of the text path. */
static int add_example(struct trainer *t, const char *id, const char *label, size_t n)
{
	int rc, added = 0;
	yq_buf_reset(&t->key);
	uint64_t h = yq_hash64(t->text.s, t->text.len, 7);
	if (yq_buf_adds(&t->key, id) || yq_buf_add(&t->key, &h, sizeof h))
		return YQ_ENOMEM;
	int64_t k = yq_strmap_intern(t->seen, t->key.s, t->key.len, &added);
	if (k < 0)
		return (int)k;
	if (!added)
		return 1;
	if ((rc = yq_normalize(t->norm, t->text.s, t->text.len, &t->nr)) ||
	    (rc = yq_tokenize(t->seg, &t->sw, t->nr.text.s, t->nr.text.len, &t->tok)) ||
	    (rc = yq_features_extract(&t->fc, t->nr.text.s, t->nr.text.len, &t->tok, &t->feat)))
		return rc;
	return yq_train_data_add(t->data, label, n, &t->feat);
}

/* one_correction: a post an analyst labelled (yq_store_each_label). */
static int one_correction(void *ctx, const struct yq_label_rec *r)
{
	struct trainer *t = ctx;
	struct yq_post p = {.id = r->id, .source = r->source, .title = r->title, .text = r->text};
	int rc = yq_clf_text(&p, 0, &t->text);
	if (rc)
		return rc;
	if (t->text.len == 0) {
		yq_cli_err("train", "correction %s/%s: the stored post has no text (skipped)",
			   r->source, r->id);
		t->n.bad++;
		return YQ_OK;
	}
	rc = add_example(t, r->id, r->label, strlen(r->label));
	if (rc == 1) { /* the same post corrected under two sources */
		t->n.dups++;
		return YQ_OK;
	}
	if (rc == YQ_OK)
		t->ncorr++;
	return rc;
}

/* one_file: reads fo->path into t->data.  Returns 0, YQ_EIO/YQ_EINVAL (the
 * file cannot be read; reported), YQ_EFORMAT (--strict), YQ_ENOMEM,
 * YQ_ETOOBIG. */
static int one_file(struct trainer *t, const struct file_opts *fo)
{
	int rc;
	struct yq_reader *r = NULL;
	struct yq_buf err = YQ_BUF_INIT;
	const char *extra[MAX_FIELDS + 1];
	size_t nx = 0;
	extra[nx++] = fo->label_field;
	for (size_t k = 0; k < fo->ntext; k++)
		extra[nx++] = fo->text_fields[k];
	struct yq_reader_config rc_ = {.format = fo->format, .map = fo->map,
				       .source = fo->source, .extra = extra, .n_extra = nx};
	const char *name = strcmp(fo->path, "-") == 0 ? "<stdin>" : fo->path;
	if ((rc = yq_reader_open(fo->path, &rc_, &r, &err))) {
		yq_cli_err("train", "%s", err.s);
		goto out;
	}
	for (;;) {
		struct yq_post p;
		size_t line;
		rc = yq_reader_next(r, &p, &line, &err);
		if (rc == YQ_EEOF) {
			rc = YQ_OK;
			break;
		}
		if (rc == YQ_EINVAL) {
			yq_cli_err("train", "%s: %s", name, err.s);
			break;
		}
		if (rc == YQ_OK) {
			t->n.read++;
			/* the text: --text-field values (extra[1..]) or title + text */
			struct yq_post q = p;
			q.extra = p.extra + 1;
			if ((rc = yq_clf_text(&q, fo->ntext, &t->text)))
				break;
			if (!p.extra[0]) {
				rc = YQ_EFORMAT;
				yq_buf_printf(&err, "no label (field '%s')", fo->label_field);
			} else if (t->text.len == 0) {
				rc = YQ_EFORMAT;
				yq_buf_adds(&err, "empty text");
			}
		}
		if (rc == YQ_EFORMAT) {
			t->n.bad++;
			yq_cli_err("train", "%s:%zu: %s (skipped)", name, line, err.s);
			if (t->strict)
				break;
			continue;
		}
		if (rc)
			break;
		if ((rc = yq_clf_map_label(fo->label_map, p.extra[0], &t->label)))
			break;
		if (strcmp(t->label.s, "-") == 0) {
			t->n.dropped++;
			continue;
		}
		if ((rc = add_example(t, p.id, t->label.s, t->label.len)) == 1) {
			t->n.dups++;
			rc = YQ_OK;
			continue;
		}
		if (rc)
			break;
		t->n.added++;
	}
	if (rc && rc != YQ_EINVAL && rc != YQ_EFORMAT)
		yq_cli_err("train", "%s: %s", name, rc == YQ_ETOOBIG
			   ? "too many documents or labels (caps: 5,000,000 documents, 1,024 "
			     "labels of at most 1,024 bytes)" : yq_strerror(rc));
out:
	yq_reader_close(r);
	yq_buf_release(&err);
	return rc;
}

/* parse_features: "char,word,…" → YQ_FEAT_* flags. */
static int parse_features(const char *list, uint32_t *flags)
{
	static const struct {
		const char *name;
		uint32_t flag;
	} names[] = {{"lexicon", YQ_FEAT_LEXICON}, {"char", YQ_FEAT_CHAR},	 {"word", YQ_FEAT_WORD},     {"word2", YQ_FEAT_WORD2},
		     {"neg", YQ_FEAT_NEG},	 {"degree", YQ_FEAT_DEGREE}, {"contrast", YQ_FEAT_CONTRAST}};
	uint32_t f = 0;
	for (const char *p = list; *p;) {
		const char *comma = strchr(p, ',');
		size_t n = comma ? (size_t)(comma - p) : strlen(p);
		size_t k = 0;
		while (k < sizeof(names) / sizeof(*names) &&
		       !(strlen(names[k].name) == n && memcmp(names[k].name, p, n) == 0))
			k++;
		if (k == sizeof(names) / sizeof(*names))
			return -1;
		f |= names[k].flag;
		p = comma ? comma + 1 : p + n;
	}
	if (!f)
		return -1;
	*flags = f;
	return 0;
}

static int need(int argc, char **argv, int i)
{
	if (i + 1 >= argc) {
		yq_cli_err("train", "%s needs a value", argv[i]);
		return -1;
	}
	return 0;
}

int yq_cmd_train(int argc, char **argv)
{
	int status = YQ_EXIT_USAGE, rc;
	const char *task = NULL, *out = NULL, *corr = NULL;
	struct yq_store *st = NULL;
	struct file_opts cur = {.label_field = "label"};
	struct file_opts *files = calloc((size_t)argc, sizeof(*files));
	int nfiles = 0, text_fresh = 0, strict = 0, rule = 0;
	double C = 0, nb = -1, ww = 0, mix = -1;
	int folds = -1, solver = -1, tf = -1, balanced = -1;
	long bits = 0, cmax = 0;
	const char *feats = NULL;
	const char *lexf[2 * MAX_FIELDS];
	int lexpol[2 * MAX_FIELDS], nlex = 0;
	struct yq_lexicon *lex = NULL;
	struct trainer t = {0};
	struct yq_classifier *model = NULL;
	struct yq_buf err = YQ_BUF_INIT;
	struct yq_train_config tc;
	if (!files)
		return YQ_EXIT_RUNTIME;
	yq_buf_init(&t.text);
	yq_buf_init(&t.key);
	yq_buf_init(&t.label);

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		char *end;
		if (strcmp(a, "--strict") == 0) {
			strict = 1;
			continue;
		}
		if (strcmp(a, "--polarity-rule") == 0) {
			rule = 1;
			continue;
		}
		if (a[0] != '-' || strcmp(a, "-") == 0) {
			cur.path = a;
			files[nfiles++] = cur;
			text_fresh = 1;
			continue;
		}
		if (need(argc, argv, i))
			goto out;
		const char *v = argv[++i];
		if (strcmp(a, "--task") == 0)
			task = v;
		else if (strcmp(a, "--out") == 0)
			out = v;
		else if (strcmp(a, "--map") == 0)
			cur.map = v;
		else if (strcmp(a, "--corrections") == 0)
			corr = v;
		else if (strcmp(a, "--source") == 0)
			cur.source = v;
		else if (strcmp(a, "--label-field") == 0)
			cur.label_field = v;
		else if (strcmp(a, "--label-map") == 0) {
			if (yq_clf_check_label_map(v)) {
				yq_cli_err("train", "bad --label-map '%s' (want a=b,c=-)", v);
				goto out;
			}
			cur.label_map = v;
		} else if (strcmp(a, "--text-field") == 0) {
			if (text_fresh)
				cur.ntext = 0;
			text_fresh = 0;
			if (cur.ntext == MAX_FIELDS) {
				yq_cli_err("train", "at most %d --text-field", MAX_FIELDS);
				goto out;
			}
			cur.text_fields[cur.ntext++] = v;
		} else if (strcmp(a, "--format") == 0) {
			if (strcmp(v, "jsonl") == 0 || strcmp(v, "json") == 0)
				cur.format = YQ_FMT_JSONL;
			else if (strcmp(v, "tsv") == 0)
				cur.format = YQ_FMT_TSV;
			else if (strcmp(v, "csv") == 0)
				cur.format = YQ_FMT_CSV;
			else {
				yq_cli_err("train", "unknown --format '%s' (jsonl, tsv or csv)", v);
				goto out;
			}
		} else if (strcmp(a, "--folds") == 0) {
			long k = strtol(v, &end, 10);
			if (*end || k < 0 || k == 1 || k > 20) {
				yq_cli_err("train", "--folds must be 0 (no cross-validation) or 2..20");
				goto out;
			}
			folds = (int)k;
		} else if (strcmp(a, "--C") == 0) {
			C = strtod(v, &end);
			if (*end || !(C > 0 && C <= 1e6)) {
				yq_cli_err("train", "--C must be a number in (0, 1e6]");
				goto out;
			}
		} else if (strcmp(a, "--word-weight") == 0) {
			ww = strtod(v, &end);
			if (*end || !(ww >= 0.1 && ww <= 10)) {
				yq_cli_err("train", "--word-weight must be a number in [0.1, 10]");
				goto out;
			}
		} else if (strcmp(a, "--plain-mix") == 0) {
			mix = strtod(v, &end);
			if (*end || !(mix >= 0 && mix <= 1)) {
				yq_cli_err("train", "--plain-mix must be a number in [0, 1]");
				goto out;
			}
		} else if (strcmp(a, "--class-weight") == 0) {
			if (strcmp(v, "none") != 0 && strcmp(v, "balanced") != 0) {
				yq_cli_err("train", "--class-weight must be none or balanced");
				goto out;
			}
			balanced = v[0] == 'b';
		} else if (strcmp(a, "--nb") == 0) {
			nb = strtod(v, &end);
			if (*end || !(nb >= 0 && nb <= 1e6)) {
				yq_cli_err("train", "--nb must be a number in [0, 1e6] (0: off)");
				goto out;
			}
		} else if (strcmp(a, "--positive-words") == 0 || strcmp(a, "--negative-words") == 0) {
			if (nlex == 2 * MAX_FIELDS) {
				yq_cli_err("train", "at most %d word lists", 2 * MAX_FIELDS);
				goto out;
			}
			lexpol[nlex] = a[2] == 'p' ? 1 : -1;
			lexf[nlex++] = v;
		} else if (strcmp(a, "--features") == 0) {
			feats = v;
		} else if (strcmp(a, "--tf") == 0) {
			if (strcmp(v, "raw") != 0 && strcmp(v, "sublinear") != 0) {
				yq_cli_err("train", "--tf must be raw or sublinear");
				goto out;
			}
			tf = v[0] == 'r' ? YQ_TF_RAW : YQ_TF_SUBLINEAR;
		} else if (strcmp(a, "--hash-bits") == 0 || strcmp(a, "--char-max") == 0) {
			long x = strtol(v, &end, 10);
			int hb = a[2] == 'h';
			if (*end || (hb ? x < YQ_FEAT_MIN_BITS || x > YQ_FEAT_MAX_BITS : x < 1 || x > 4)) {
				yq_cli_err("train", "%s must be in %s", a, hb ? "10..24" : "1..4");
				goto out;
			}
			*(hb ? &bits : &cmax) = x;
		} else if (strcmp(a, "--solver") == 0) {
			if (strcmp(v, "0") != 0 && strcmp(v, "7") != 0) {
				yq_cli_err("train", "--solver must be 0 (primal LR) or 7 (dual LR)");
				goto out;
			}
			solver = atoi(v);
		} else {
			yq_cli_err("train", "unknown option '%s'", a);
			status = yq_cli_usage("train", usage);
			goto out;
		}
	}
	if (!task || !out || nfiles == 0) {
		status = yq_cli_usage("train", usage);
		goto out;
	}
	if (yq_clf_task_defaults(task, &t.fc, &tc)) {
		yq_cli_err("train", "unknown --task '%s' (sentiment or category)", task);
		goto out;
	}
	if (feats && parse_features(feats, &t.fc.flags)) {
		yq_cli_err("train", "bad --features '%s' (a comma list of char, word, word2, neg, "
			   "degree, contrast, lexicon)", feats);
		goto out;
	}
	if (tf >= 0)
		tc.tf_mode = (enum yq_tf_mode)tf;
	if (ww > 0)
		t.fc.word_weight = (float)ww;
	if (bits)
		t.fc.hash_bits = (uint32_t)bits;
	if (cmax)
		t.fc.char_max = (uint32_t)cmax;
	if (folds >= 0)
		tc.folds = folds;
	tc.polarity_rule = rule;
	if (nb >= 0)
		tc.nb_alpha = nb;
	if (mix >= 0)
		tc.plain_mix = mix;
	if (solver >= 0)
		tc.solver = solver;
	if (balanced >= 0)
		tc.balanced = balanced;
	tc.C = C;
	if (tc.folds == 0 && C == 0) {
		yq_cli_err("train", "--folds 0 needs a fixed --C (C is chosen by cross-validation)");
		goto out;
	}

	status = YQ_EXIT_RUNTIME;
	t.strict = strict;
	if (nlex) {
		if (yq_lexicon_new(&lex)) {
			yq_cli_err("train", "%s", yq_strerror(YQ_ENOMEM));
			goto out;
		}
		for (int k = 0; k < nlex; k++)
			if ((rc = yq_lexicon_load(lex, lexf[k], lexpol[k], &err))) {
				yq_cli_err("train", "%s", err.len ? err.s : yq_strerror(rc));
				goto out;
			}
		t.fc.flags |= YQ_FEAT_LEXICON;
		t.fc.lex = lex;
		printf("polarity words: %zu%s\n", yq_lexicon_count(lex),
		       rule ? " (polarity rule on)" : "");
	} else if ((t.fc.flags & YQ_FEAT_LEXICON) || rule) {
		yq_cli_err("train", "--features lexicon and --polarity-rule need --positive-words "
			   "or --negative-words");
		status = YQ_EXIT_USAGE;
		goto out;
	}
	if ((rc = yq_normalizer_new(&t.norm, &err)) || (rc = yq_segmenter_new(NULL, &t.seg, &err))) {
		yq_cli_err("train", "%s", err.len ? err.s : yq_strerror(rc));
		goto out;
	}
	if (yq_train_data_new(&t.fc, MAX_DOCS, &t.data) || yq_strmap_new(MAX_DOCS, &t.seen)) {
		yq_cli_err("train", "%s", yq_strerror(YQ_ENOMEM));
		goto out;
	}
	clock_t t0 = clock();
	/* corrections first: a file record with the same id and text is then a
	 * duplicate, so the analyst's label replaces the file's */
	if (corr) {
		if ((rc = yq_store_open(corr, t.seg, &st, &err))) {
			yq_cli_err("train", "opening %s: %s", corr, err.s);
			goto out;
		}
		rc = yq_store_each_label(st, task, one_correction, &t);
		if (rc) {
			yq_cli_err("train", "%s: %s", corr,
				   rc == YQ_EDB ? yq_store_errmsg(st) : yq_strerror(rc));
			goto out;
		}
		printf("corrections: %zu from %s\n", t.ncorr, corr);
	}
	for (int f = 0; f < nfiles; f++) {
		rc = one_file(&t, &files[f]);
		if (rc == YQ_EINVAL || rc == YQ_EIO)
			continue; /* reported; the other files are still read */
		if (rc == YQ_EFORMAT) /* --strict */
			goto out;
		if (rc)
			goto out;
	}
	printf("read %zu records: %zu used, %zu bad (skipped), %zu dropped by --label-map, "
	       "%zu duplicates\n", t.n.read + t.n.bad + t.ncorr, t.n.added + t.ncorr, t.n.bad, t.n.dropped, t.n.dups);
	size_t nl = yq_train_data_nlabels(t.data);
	printf("labels:");
	for (size_t i = 0; i < nl; i++) {
		size_t cnt, len;
		const char *l = yq_train_data_label(t.data, i, &cnt, &len);
		printf(" %.*s %zu%s", (int)len, l, cnt, i + 1 < nl ? "," : "\n");
	}
	if (nl == 0)
		printf(" none\n");
	printf("features: %.2f s\n", (double)(clock() - t0) / CLOCKS_PER_SEC);
	fflush(stdout);
	t0 = clock();
	if ((rc = yq_model_train(&tc, t.data, stdout, &model, &err))) {
		yq_cli_err("train", "%s", err.len ? err.s : yq_strerror(rc));
		goto out;
	}
	double bc, acc;
	int k;
	yq_classifier_cv(model, &bc, &acc, &k);
	if (acc >= 0)
		printf("cross-validated accuracy: %.4f (%d-fold, C=%g)\n", acc, k, bc);
	else
		printf("cross-validated accuracy: not measured (--folds 0, C=%g)\n", bc);
	printf("training: %.2f s\n", (double)(clock() - t0) / CLOCKS_PER_SEC);
	if ((rc = yq_classifier_save(model, out, &err))) {
		yq_cli_err("train", "%s", err.s);
		goto out;
	}
	printf("wrote %s\n", out);
	status = YQ_EXIT_OK;
out:
	yq_classifier_free(model);
	yq_store_close(st);
	yq_train_data_free(t.data);
	yq_lexicon_free(lex);
	yq_strmap_free(t.seen);
	yq_normalizer_free(t.norm);
	yq_segmenter_free(t.seg);
	yq_seg_work_release(&t.sw);
	yq_norm_result_release(&t.nr);
	yq_tokens_release(&t.tok);
	yq_features_release(&t.feat);
	yq_buf_release(&t.text);
	yq_buf_release(&t.key);
	yq_buf_release(&t.label);
	yq_buf_release(&err);
	free(files);
	return status;
}
