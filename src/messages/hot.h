/*
 * hot.h — hot issues (热点问题) among citizens' messages: messages about the
 * same problem at the same place within a time window, grouped and ranked
 * by count, likes (点赞数) and recency.  docs/messages.md gives the score.
 *
 * Algorithm (one pass in (time, id) order, so the result does not depend
 * on the order of import):
 *  1. Place anchors of a message: the place phrases of its title (else of
 *     the first 600 bytes of its text): an analysis token ending in a place
 *     word (小区 花园 苑 新城 村 镇 街道 路 学校 医院 …), joined with the
 *     token before it when the token is only the place word or has at most
 *     two characters (丽发 + 新城, 伊 + 景园), without a leading 省/市/区/县
 *     left over from a pseudonymised district (A2 区丽发 → 丽发新城), kept
 *     when it has at least three characters.  The gazetteer (detect/
 *     places.h) is not used: the places of this data are pseudonymised
 *     (A市, A3区) and its provinces and counties are coarser than an issue.
 *  2. Problem: the TF-IDF vector of title + text (messages/internal.h).
 *  3. A message joins the issue with the highest cosine to the sum of its
 *     members' vectors among the issues that share an anchor with it and
 *     whose last message is at most window_days older, if that cosine
 *     reaches threshold; otherwise it starts an issue.
 *  4. score = Σ_members (1 + ln(1 + likes)) · 2^(−age / half_life), age in
 *     days from the member's time to `now` (default: the newest message
 *     considered).  Issues with fewer than min_size messages are dropped;
 *     ties are broken by count, then by the first member's id.
 */
#ifndef YQ_MESSAGES_HOT_H
#define YQ_MESSAGES_HOT_H

#include <stdint.h>

#include <jansson.h>
#include <sqlite3.h>

#include "collect/ptime.h"
#include "messages/messages.h"

#define YQ_MSG_HOT_MAX_MESSAGES 200000 /* messages read for one ranking */

struct yq_msg_hot_config {
	double window_days;     /* default 30 */
	double threshold;       /* cosine, default 0.35 */
	double half_life_days;  /* default 30 */
	int64_t now;            /* Unix seconds; has_now 0: the newest message */
	int has_now;
	int64_t from, to;       /* received time range [from, to) */
	int has_from, has_to;
	int limit;              /* issues to list, 1..100, default 10 */
	int min_size;           /* default 2 */
};

/* yq_msg_hot_defaults: the defaults above. */
void yq_msg_hot_defaults(struct yq_msg_hot_config *cfg);

/*
 * yq_msg_hot: the top issues as {"now", "messages", "issues": [{"rank",
 * "score", "place", "keywords", "count", "likes", "first", "last",
 * "messages": [{"id", "time", "title", "likes"}] (in time order)}]}, times
 * ISO 8601 in tz.  keywords: the five content words found in most of the
 * issue's titles (place anchors out).  Returns 0, YQ_EINVAL (a bad config
 * value), YQ_ETOOBIG (more than YQ_MSG_HOT_MAX_MESSAGES messages in the
 * range), YQ_EDB, YQ_ENOMEM.
 */
int yq_msg_hot(struct yq_msg_env *e, sqlite3 *db, struct yq_tz *tz,
	       const struct yq_msg_hot_config *cfg, json_t **out);

#endif
