/*
 * export.h — stored events, alerts and posts as a spreadsheet (CSV or
 * XLSX through report/sheet.h), for `yuqing export` and GET /api/export.
 *
 * Columns (Chinese headers; times are wall-clock times in the export's
 * zone, written as spreadsheet datetimes):
 *   events  编号 标题 状态 首次出现 最近出现 帖子数 风险分 预警级别 负面占比
 *           关键词 地点 监测方案 — merged events left out, highest risk first
 *   alerts  编号 时间 级别 事件编号 事件标题 风险分 预警原因 确认人 确认时间
 *           — newest first; 预警原因 is the reason in words (report/why.h)
 *   posts   来源 编号 时间 标题 正文 作者 转发 评论 点赞 情感 情感概率 事件编号
 *           链接 地点 — newest first
 *   cases   编号 标题 环节 办结结果 来源 分类 承办部门 立案时间 本环节起始
 *           本环节期限 超期 办结时间 立案人 — newest first; cases open at some
 *           time of the period (created before its end, not closed before
 *           its start); 超期: the current step's deadline has passed (now)
 *   messages 编号 留言时间 主题 分类 承办部门 答复期限 答复时间 办理时长（小时）
 *           按时答复 点赞 相关性 完整性 及时性 — newest first; messages received
 *           in the period; the sender and the contact details are never
 *           exported, and phone, e-mail and ID numbers in 主题 are masked
 *           as GET /api/messages masks them
 */
#ifndef YQ_EXPORT_H
#define YQ_EXPORT_H

#include <stddef.h>
#include <stdint.h>

#include <sqlite3.h>

#include "base/buf.h"
#include "collect/ptime.h"
#include "report/sheet.h"

enum yq_export_what {
	YQ_EXPORT_EVENTS,
	YQ_EXPORT_ALERTS,
	YQ_EXPORT_POSTS,
	YQ_EXPORT_CASES,
	YQ_EXPORT_MESSAGES,
};

struct yq_export_opts {
	enum yq_export_what what;
	enum yq_sheet_format format;
	int64_t from, to;      /* Unix seconds, [from, to) */
	int has_from, has_to;  /* 0: open on that side */
	const char *q;         /* posts: full-text query (store/search.h), NULL: all */
	size_t max_rows;       /* more matching rows is an error; 0: YQ_SHEET_ROWS_MAX */
	int64_t now;           /* cases: Unix seconds for 超期 (overdue) */
	const char *department; /* cases, messages: that department's only; NULL: all */
};

/* yq_export_parse_what: "events", "alerts", "posts", "cases", "messages"
 * into *out; YQ_EINVAL. */
int yq_export_parse_what(const char *s, enum yq_export_what *out);

/*
 * yq_export_write: writes the rows of o->what selected by the period to a
 * new file at path.  The period selects events that overlap it (last seen
 * at or after from, first seen before to), alerts and posts whose time is
 * in it.  db is a connection to the store (read-only is enough; with a
 * query the "yuqing" FTS5 tokenizer must be registered on it, as
 * yq_query_open does); tz gives the wall-clock times.  *rows (if not NULL)
 * receives the number of data rows.
 * Errors: YQ_ETOOBIG when more than max_rows rows match (nothing useful is
 * left at path: the caller removes it; err says to narrow the period),
 * YQ_EINVAL (an empty query; cases or messages asked of a database that
 * has none), YQ_EDB, YQ_EIO, YQ_ENOMEM; err says why.
 */
int yq_export_write(sqlite3 *db, struct yq_tz *tz, const struct yq_export_opts *o,
		    const char *path, size_t *rows, struct yq_buf *err);

#endif
