/*
 * why.h — an alert's reason (the JSON object the warning stage stores,
 * docs/warning.md) told in words, for exports and reports.
 */
#ifndef YQ_WHY_H
#define YQ_WHY_H

#include <jansson.h>

#include "base/buf.h"

/*
 * yq_why_text: appends one Chinese sentence to out saying why the alert was
 * raised, from reason (borrowed; a JSON object, NULL or another type gives
 * "无预警原因记录"): the level and its colour, the risk score against the
 * level's threshold, the posts and the burst over the EWMA baseline (posts
 * in the bucket, baseline mean, z), the negative share, the sensitive word
 * and place matched, the number of sources, and the main risk factor.
 * Fields the reason lacks are left out.  0 or YQ_ENOMEM.
 */
int yq_why_text(const json_t *reason, struct yq_buf *out);

/* yq_why_level_name: "I级（红色）" … "IV级（蓝色）" for a level code, or the
 * code itself when unknown. */
const char *yq_why_level_name(const char *level);

#endif
