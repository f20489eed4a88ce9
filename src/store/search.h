/*
 * search.h — full-text search over stored posts (posts_fts, tokenizer
 * "yuqing"; see fts_tokenizer.h).
 *
 * Query language: whitespace separates terms, and a post must contain every
 * term (AND); each term is matched as a phrase of its tokens, so a Chinese
 * term matches wherever its characters occur in a row, whatever way the
 * post was segmented.  Double quotes in a term are taken literally.  FTS5
 * operators are not passed through: user input never becomes FTS5 syntax.
 */
#ifndef YQ_SEARCH_H
#define YQ_SEARCH_H

#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"
#include "store/store.h"

/* One hit; strings valid during the callback only. */
struct yq_search_hit {
	const char *source, *id;
	int64_t time;      /* Unix seconds */
	int time_ok;
	const char *norm;  /* normalized text */
	int64_t event;     /* 0 for none */
};

/*
 * yq_search_posts: runs query over st, best matches first (FTS5 bm25),
 * calling fn for at most limit hits (fn returns 0 to go on, non-zero to
 * stop).  *total (if not NULL) receives the number of matching posts.
 * Errors: YQ_EINVAL for a query with no term (message in err), YQ_EDB
 * (SQLite's message in err), YQ_ENOMEM.
 */
int yq_search_posts(struct yq_store *st, const char *query, size_t limit,
		    int (*fn)(const struct yq_search_hit *hit, void *ctx), void *ctx,
		    int64_t *total, struct yq_buf *err);

/* yq_search_match_expr: appends the FTS5 expression of query q (the
 * language above: each term a quoted phrase) to m, for callers that add
 * their own filters (store/query.h).  0, YQ_EINVAL (no term), YQ_ENOMEM. */
int yq_search_match_expr(const char *q, struct yq_buf *m);

#endif
