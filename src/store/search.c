/*
 * search.c — posts by full-text query; see search.h.  The user's query is
 * rebuilt as an FTS5 expression of quoted phrases ("a" "b" = a AND b), so
 * no input can inject FTS5 operators or column filters.
 */
#include "store/search.h"
#include "base/error.h"

#include <sqlite3.h>
#include <string.h>

#define MAX_QUERY 4096

int yq_search_match_expr(const char *q, struct yq_buf *m)
{
	size_t terms = 0;
	const char *p = q;
	while (*p) {
		while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
			p++;
		if (!*p)
			break;
		const char *e = p;
		while (*e && *e != ' ' && *e != '\t' && *e != '\n' && *e != '\r')
			e++;
		if (terms++ && yq_buf_addc(m, ' '))
			return YQ_ENOMEM;
		if (yq_buf_addc(m, '"'))
			return YQ_ENOMEM;
		for (; p < e; p++)
			if ((*p == '"' && yq_buf_addc(m, '"')) || yq_buf_addc(m, *p))
				return YQ_ENOMEM;
		if (yq_buf_addc(m, '"'))
			return YQ_ENOMEM;
	}
	return terms ? YQ_OK : YQ_EINVAL;
}

int yq_search_posts(struct yq_store *st, const char *query, size_t limit,
		    int (*fn)(const struct yq_search_hit *hit, void *ctx), void *ctx,
		    int64_t *total, struct yq_buf *err)
{
	int rc;
	struct yq_buf m = YQ_BUF_INIT;
	sqlite3_stmt *s = NULL;
	sqlite3 *db = yq_store_db(st);
	if (strlen(query) > MAX_QUERY) {
		yq_buf_printf(err, "query longer than %d bytes", MAX_QUERY);
		return YQ_EINVAL;
	}
	rc = yq_search_match_expr(query, &m);
	if (rc == YQ_EINVAL) {
		yq_buf_adds(err, "empty query");
		goto out;
	}
	if (rc)
		goto out;
	if (total) {
		if (sqlite3_prepare_v2(db, "SELECT count(*) FROM posts_fts WHERE posts_fts MATCH ?1",
				       -1, &s, NULL) != SQLITE_OK)
			goto dberr;
		sqlite3_bind_text(s, 1, m.s, (int)m.len, SQLITE_STATIC);
		if (sqlite3_step(s) != SQLITE_ROW)
			goto dberr;
		*total = sqlite3_column_int64(s, 0);
		sqlite3_finalize(s);
		s = NULL;
	}
	if (limit && fn) {
		if (sqlite3_prepare_v2(db,
				       "SELECT p.source, p.id, p.time, p.norm, p.event FROM posts_fts f "
				       "JOIN posts p ON p.rowid = f.rowid WHERE posts_fts MATCH ?1 "
				       "ORDER BY f.rank LIMIT ?2",
				       -1, &s, NULL) != SQLITE_OK)
			goto dberr;
		sqlite3_bind_text(s, 1, m.s, (int)m.len, SQLITE_STATIC);
		sqlite3_bind_int64(s, 2, (sqlite3_int64)limit);
		int step;
		while ((step = sqlite3_step(s)) == SQLITE_ROW) {
			struct yq_search_hit h = {
				.source = (const char *)sqlite3_column_text(s, 0),
				.id = (const char *)sqlite3_column_text(s, 1),
				.time = sqlite3_column_int64(s, 2),
				.time_ok = sqlite3_column_type(s, 2) != SQLITE_NULL,
				.norm = (const char *)sqlite3_column_text(s, 3),
				.event = sqlite3_column_int64(s, 4),
			};
			if (fn(&h, ctx))
				break;
		}
		if (step != SQLITE_ROW && step != SQLITE_DONE)
			goto dberr;
	}
	rc = YQ_OK;
	goto out;
dberr:
	yq_buf_adds(err, sqlite3_errmsg(db));
	rc = YQ_EDB;
out:
	sqlite3_finalize(s);
	yq_buf_release(&m);
	return rc;
}
