/*
 * messages.h — citizens' messages (留言, issue 7): the message store,
 * routing to a department, the analyst's category decision, replies and
 * their quality scores, and the per-department statistics.  Hot issues are
 * in messages/hot.h.  docs/messages.md describes the scores and the tables.
 *
 * Tables (created by yq_msg_init on the store's database, beside store.h's):
 *   messages(id PRIMARY KEY, time, title, text, sender_hash, likes,
 *            dislikes, label, suggested, suggested_prob, category,
 *            category_by, department, deadline, reply, reply_time,
 *            q_relevance, q_completeness, q_timeliness, created)
 *   message_contacts(id PRIMARY KEY → messages, sender, contact)
 *       the sender's identity and contact details, kept apart so that
 *       every reader of messages sees no personal data; the API shows them
 *       only to admins and the handlers of the message's department.
 * sender_hash is the keyed hash of the sender under the database's author
 * secret (the same HMAC-SHA256 as yq_store_author_hash), so senders are
 * counted like authors elsewhere without being named.
 *
 * Routing: the built-in (or given) `category` classifier suggests a first-
 * level category with its probability; the department is the case
 * workflow's registry (table case_departments, branch `cases`) when the
 * database has it, else the routing table (config/routing.tsv:
 * "category<TAB>department" lines).  A message's department follows its confirmed category, else
 * its imported label (一级分类/一级标签), else the suggestion.  Confirming or
 * correcting a category also stores the message as a post (source
 * "message") and the category as an analyst's label (store.h's labels,
 * task "category"), so `yuqing train --corrections DB` folds it in.
 *
 * Deadline: received time + deadline_days calendar days (default 15; no
 * working-day calendar is available to this module yet).
 *
 * Ownership: strings passed in are borrowed; JSON results are new
 * references the caller json_decref()s.  Threads: a struct yq_msg_env is
 * used by one thread at a time; functions use only the connection given.
 */
#ifndef YQ_MESSAGES_H
#define YQ_MESSAGES_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>
#include <sqlite3.h>

#include "base/buf.h"
#include "collect/ptime.h"
#include "text/segment.h"

/* Caps on what comes from outside. */
#define YQ_MSG_ID_MAX 128            /* bytes of a message id */
#define YQ_MSG_TEXT_MAX (256 << 10)  /* bytes of a title, text or reply */
#define YQ_MSG_FIELD_MAX 512         /* bytes of sender, contact, category */
#define YQ_MSG_ROUTES_MAX 256        /* lines of the routing table */
#define YQ_MSG_DEFAULT_DEADLINE_DAYS 15

/* A message as given to yq_msg_put.  Strings borrowed, NULL for absent. */
struct yq_msg {
	const char *id;          /* NULL: "m" + 16 hex digits of a hash of (time, title, text) */
	int64_t time;            /* Unix seconds received; meaningful when time_ok */
	int time_ok;             /* 0: unknown (then `now` of yq_msg_put is used) */
	const char *title;       /* 留言主题 */
	const char *text;        /* 留言详情 */
	const char *sender;      /* 留言用户: stored hashed, and in message_contacts */
	const char *contact;     /* phone, e-mail, address: message_contacts only */
	int64_t likes, dislikes; /* 点赞数, 反对数; -1 unknown */
	const char *label;       /* a category given with the data (一级分类) */
	const char *reply;       /* 答复意见 */
	int64_t reply_time;      /* 答复时间, Unix seconds; meaningful when reply_time_ok */
	int reply_time_ok;
};

struct yq_msg_env_config {
	const char *routing;      /* routing table path; NULL: <config dir>/routing.tsv */
	const char *model;        /* classifier name or path; NULL: "category"; "": none */
	const struct yq_segmenter *seg; /* analysis segmenter (borrowed); NULL: made here */
	int deadline_days;        /* 1..365; 0: YQ_MSG_DEFAULT_DEADLINE_DAYS */
};

struct yq_msg_env;

/*
 * yq_msg_env_new: loads the routing table, the classifier (a missing
 * built-in model is an error: err says the build did not train it), the
 * normalizer, the segmenter (unless given) and the background IDF table
 * (analyze/tfidf.h) the relevance score uses.  Errors: YQ_EIO, YQ_EFORMAT
 * (a bad routing line: err has path:line), YQ_ENOTFOUND, YQ_ENOMEM.
 */
int yq_msg_env_new(const struct yq_msg_env_config *cfg, struct yq_msg_env **out,
		   struct yq_buf *err);
void yq_msg_env_free(struct yq_msg_env *e);

/* yq_msg_route: the department of the routing table that handles
 * category, or NULL (borrowed from e). */
const char *yq_msg_route(const struct yq_msg_env *e, const char *category);

/* yq_msg_route_db: the department that handles category: the first (by
 * name) of the case workflow's registry case_departments(name, categories
 * JSON array) of db whose categories hold it, when db has that table, else
 * yq_msg_route.  NULL for none; the string lives in e until the next call. */
const char *yq_msg_route_db(struct yq_msg_env *e, sqlite3 *db, const char *category);

/* yq_msg_init: creates the tables (IF NOT EXISTS) on db.  0 or YQ_EDB. */
int yq_msg_init(sqlite3 *db);

/*
 * yq_msg_put: stores m (one transaction with its audit entry
 * "message.create", or "message.update" for an id already stored, by
 * actor who; no entry when who is NULL): a new id is inserted with its
 * suggestion, department, deadline and, when it has a reply, its quality
 * scores.  An id already stored is
 * kept, and only what m adds is filled in (likes, a reply, a label), so
 * importing the same file twice changes nothing.  *id_out (may be NULL)
 * gets the id (YQ_MSG_ID_MAX + 1 bytes).  Returns 0 (new), 1 (it existed),
 * YQ_EINVAL (no title and no text, a field over its cap; err says which),
 * YQ_EDB, YQ_ENOMEM.  The database needs store.h's tables (meta's secret).
 */
int yq_msg_put(struct yq_msg_env *e, sqlite3 *db, const struct yq_msg *m, int64_t now,
	       const char *who, const char *addr, char *id_out, struct yq_buf *err);

/*
 * yq_msg_set_category: the analyst's decision on message id: category
 * (NULL or "": the suggestion is confirmed) becomes its category and its
 * department follows the routing table; the message is stored as a post
 * (source "message", title and text) when it is not one yet, and the
 * category as its label for task "category".  One transaction with the
 * audit entry.  db needs the "yuqing" FTS5 tokenizer (yq_query_open with a
 * segmenter, or yq_store_db).  A category that is not one of the
 * classifier's labels (the routing table's categories when there is no
 * classifier) is refused before anything is written, err listing the valid
 * ones.  Returns 0, YQ_ENOTFOUND, YQ_EINVAL (no suggestion to confirm, an
 * unknown category, a category over the cap), YQ_EDB.
 */
int yq_msg_set_category(struct yq_msg_env *e, sqlite3 *db, const char *id, const char *category,
			int64_t now, const char *who, const char *addr, struct yq_buf *err);

/*
 * yq_msg_set_reply: stores the reply text (at most YQ_MSG_TEXT_MAX bytes)
 * and time of message id, with its quality scores, and an audit entry.
 * Returns 0, YQ_ENOTFOUND, YQ_EINVAL (an empty or too long reply, a reply
 * time before the message's), YQ_EDB, YQ_ENOMEM.
 */
int yq_msg_set_reply(struct yq_msg_env *e, sqlite3 *db, const char *id, const char *reply,
		     int64_t reply_time, int64_t now, const char *who, const char *addr,
		     struct yq_buf *err);

/* ---- reply quality (docs/messages.md gives the formulas and lexicons) ---- */

struct yq_msg_quality {
	double relevance;     /* TF-IDF cosine of message and reply, [0,1] */
	double completeness;  /* measures, time frame, contact cues, [0,1] */
	double timeliness;    /* hours to reply against the deadline, [0,1] */
	unsigned cues;        /* bit 0 measures, bit 1 time frame, bit 2 contact */
};

/*
 * yq_msg_quality: the three scores of a reply reply[0..) to the message
 * (title, text; either may be NULL) that took hours to answer, with a
 * deadline of deadline_hours (> 0).  Relevance: cosine of the TF-IDF
 * vectors (content tokens, stop words out, background idf) of the message
 * and the reply with the message's title quoted in the reply removed.
 * Completeness: the share of the three cue families present.  Timeliness:
 * 1 − h/(2D) up to the deadline D, then 0.5·max(0, 1 − (h − D)/D).
 * Returns 0, YQ_ENOMEM, YQ_ETOOBIG.
 */
int yq_msg_quality(struct yq_msg_env *e, const char *title, const char *text, const char *reply,
		   double hours, double deadline_hours, struct yq_msg_quality *q);

/* yq_msg_timeliness: the timeliness formula alone (hours h, deadline d > 0). */
double yq_msg_timeliness(double h, double d);

/* yq_msg_completeness_cues: the cue bits (see cues above) of reply s. */
unsigned yq_msg_completeness_cues(const char *s);

/* ---- reading ---- */

/* Who reads: contact details are shown when all is set (admins) or when
 * department equals the message's department (its handlers). */
struct yq_msg_viewer {
	int all;
	const char *department; /* NULL: none */
};

struct yq_msg_filter {
	const char *department;  /* NULL: all */
	int answered;            /* -1 all, 0 unanswered, 1 answered */
	int64_t from, to;        /* received time range [from, to); has_* says if set */
	int has_from, has_to;
	int64_t limit, offset;   /* limit 1..1000 */
};

/*
 * yq_msg_mask_contacts: overwrites, in place, with '*' the e-mail
 * addresses (an ASCII run [A-Za-z0-9._%+-] around an '@' with a dot after
 * it) and the phone numbers (digits of a run of 7 or more, '-' or ' '
 * allowed between them) of the NUL-terminated UTF-8 string s.  The length
 * does not change.
 */
void yq_msg_mask_contacts(char *s);

/*
 * yq_msg_get: message id as a JSON object (id, time, title, text,
 * sender_hash, likes, dislikes, label, suggestion {category, prob},
 * category, category_by, department, deadline, reply,
 * reply_time, quality {relevance, completeness, timeliness} or null,
 * contact: {sender, contact} when v may see it, else "redacted", and then
 * the title and text with yq_msg_mask_contacts applied).  Times as ISO
 * 8601 in tz.  Returns 0, YQ_ENOTFOUND, YQ_EDB, YQ_ENOMEM.
 */
int yq_msg_get(sqlite3 *db, struct yq_tz *tz, const char *id, const struct yq_msg_viewer *v,
	       json_t **out);

/* yq_msg_list: {"total", "messages": [objects as yq_msg_get, newest
 * first, without the reply text]} for filter f.  0, YQ_EINVAL, YQ_EDB,
 * YQ_ENOMEM. */
int yq_msg_list(sqlite3 *db, struct yq_tz *tz, const struct yq_msg_filter *f,
		const struct yq_msg_viewer *v, json_t **out);

/* ---- statistics ---- */

enum yq_msg_period { YQ_MSG_WEEK, YQ_MSG_MONTH, YQ_MSG_QUARTER, YQ_MSG_ALL };

/* yq_msg_period_parse: "week", "month", "quarter", "all"; 0 or YQ_EINVAL. */
int yq_msg_period_parse(const char *s, enum yq_msg_period *out);

/* One row: a department (or "全部" for all of them) and a period. */
struct yq_msg_stat {
	char period[32];        /* 2019-W07 (ISO week), 2019-02, 2019-Q1, "all" */
	char department[YQ_MSG_FIELD_MAX + 1]; /* "" when unrouted */
	int64_t received;       /* messages received in the period */
	int64_t answered;       /* of those, with a reply */
	int64_t on_time;        /* replied by the deadline */
	int64_t overdue_now;    /* no reply and the deadline before now */
	double completion_rate; /* 办结率 = answered / received */
	double on_time_rate;    /* on_time / received */
	double median_hours;    /* handling time of the answered; NaN when none */
	double p90_hours;       /* 90th percentile (linear interpolation, numpy's default) */
};

/*
 * yq_msg_stats: rows per (period, department) of the messages received in
 * [from, to) (has_from/has_to: whether set), periods as calendar days in
 * tz (Asia/Shanghai normally), ordered by period then department, each
 * period followed by its "全部" row.  *out is malloc'd (free()); NULL when
 * *n is 0.  Returns 0, YQ_EDB, YQ_ENOMEM, YQ_ETOOBIG (over 100,000 rows).
 */
int yq_msg_stats(sqlite3 *db, struct yq_tz *tz, enum yq_msg_period period, int64_t from,
		 int has_from, int64_t to, int has_to, int64_t now, struct yq_msg_stat **out,
		 size_t *n);

/* yq_msg_stats_json: the rows as {"period", "department", …} objects in an
 * array (NaN figures as null).  NULL on allocation failure. */
json_t *yq_msg_stats_json(const struct yq_msg_stat *rows, size_t n);

/* yq_msg_quantile: the q-quantile (0..1) of sorted v[0..n) by linear
 * interpolation between closest ranks (numpy.percentile's default);
 * NaN when n is 0. */
double yq_msg_quantile(const double *v, size_t n, double q);

#endif
