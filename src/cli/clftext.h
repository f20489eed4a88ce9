/*
 * clftext.h — what `train` and `classify` share: the text of a post that a
 * classifier sees, and the built-in feature settings per task.
 */
#ifndef YQ_CLI_CLFTEXT_H
#define YQ_CLI_CLFTEXT_H

#include <stddef.h>

#include "base/buf.h"
#include "classify/model.h"
#include "collect/reader.h"

/*
 * yq_clf_text: the classifier's text of post p into out (cleared first):
 * with n_fields > 0, the values of p->extra[0..n_fields) (the --text-field
 * values) that are present, joined by a newline; else the title and the
 * text joined by a newline (either may be absent).  Returns 0, YQ_ENOMEM.
 */
int yq_clf_text(const struct yq_post *p, size_t n_fields, struct yq_buf *out);

/*
 * yq_clf_map_label: applies a --label-map "a=b,c=-,…" (NULL: none) to the
 * label l (NUL-terminated): out (cleared first) gets the new label, "-" for
 * a label to drop, or l itself when no entry names it.  Matching is exact
 * and the first entry wins.  Returns 0, YQ_ENOMEM.
 */
int yq_clf_map_label(const char *map, const char *l, struct yq_buf *out);

/* yq_clf_check_label_map: 0 if map is a well-formed "a=b,…" list (every
 * entry has a non-empty name and value), else -1. */
int yq_clf_check_label_map(const char *map);

/*
 * yq_clf_task_defaults: the feature settings, tf mode and solver of a task:
 * "sentiment" (short reviews and posts) or "category" (long messages).
 * Returns 0, or YQ_EINVAL for another task name.  docs/classify.md.
 */
int yq_clf_task_defaults(const char *task, struct yq_feat_config *feat,
			 struct yq_train_config *train);

#endif
