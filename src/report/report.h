/*
 * report.h — the periodic public-opinion report (舆情周报 / 月报 / 季报)
 * as an A4 PDF (report/pdf.h), from the store.
 *
 * Contents: title and period; 一、总体情况 — posts in the period, daily
 * mean, change against the previous period of the same kind, sentiment
 * counts and shares, sources, the busiest day, and a daily volume chart
 * stacked by sentiment; 二、重点事件 — the top events overlapping the
 * period (merged events left out; highest alert risk first, then size)
 * with their size, first and last seen, state, highest risk, latest
 * alert level, keywords, the places named most (when the pipeline had a
 * gazetteer) and the reason of their latest alert in words
 * (report/why.h); 三、预警情况 — alerts of the period by level,
 * acknowledged or not (when the daemon's acknowledgement table exists),
 * and the highest ones.
 *
 * Periods are whole days in the report's zone (Asia/Shanghai by default):
 * a week runs Monday to Sunday, a month from its 1st, a quarter from
 * January, April, July or October 1st.
 */
#ifndef YQ_REPORT_H
#define YQ_REPORT_H

#include <stddef.h>
#include <stdint.h>

#include <sqlite3.h>

#include "base/buf.h"
#include "collect/ptime.h"

enum yq_report_period { YQ_REPORT_WEEK, YQ_REPORT_MONTH, YQ_REPORT_QUARTER };

#define YQ_REPORT_TOP_EVENTS 10

/* yq_report_parse_period: "week", "month", "quarter" into *out; YQ_EINVAL. */
int yq_report_parse_period(const char *s, enum yq_report_period *out);

/* A civil date. */
struct yq_report_day {
	int year, month, day;
};

/*
 * yq_report_range: the period of kind k that contains the date d: its
 * first day *first and the day after its last *end (exclusive).  YQ_EINVAL
 * for an impossible date or a year outside 1900..9999.
 */
int yq_report_range(enum yq_report_period k, const struct yq_report_day *d,
		    struct yq_report_day *first, struct yq_report_day *end);

/* What a report contained, for the caller's summary and tests. */
struct yq_report_summary {
	int64_t from, to;       /* the period, Unix seconds [from, to) */
	int64_t posts;          /* posts in the period */
	int64_t alerts;         /* alerts in the period */
	int64_t events;         /* events overlapping it (merged left out) */
	int64_t top_event;      /* id of the first event listed, 0: none */
	int pages;
};

/*
 * yq_report_write: writes the report of the period of kind k containing
 * day d to a new PDF at path.  db: a (read-only) connection to the store;
 * tz: the zone of the days and of every time printed, zone its IANA name
 * (named in the report's note).  *sum (if not NULL)
 * is filled.  Errors: YQ_EINVAL (bad date), YQ_EDB, YQ_EIO (the PDF),
 * YQ_ENOMEM; err says why.
 */
int yq_report_write(sqlite3 *db, struct yq_tz *tz, const char *zone, enum yq_report_period k,
		    const struct yq_report_day *d, const char *path,
		    struct yq_report_summary *sum, struct yq_buf *err);

#endif
