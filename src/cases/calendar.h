/*
 * calendar.h — the working-day calendar of the office (issue 7): which
 * local dates are working days in Asia/Shanghai, N working days after a
 * date, and the UTC window of a local day.
 *
 * Time zone: Asia/Shanghai is a fixed +08:00 (no daylight saving since
 * 1991); every function here does its own arithmetic on Unix seconds and
 * never reads the process TZ or calls localtime/mktime (field case
 * workflow-04: a cutoff computed by formatting in one zone and re-parsing
 * in the host's zone was wrong on every host not at UTC+8).
 *
 * Dates are "day numbers": days since 1970-01-01 in the proleptic Gregorian
 * calendar (1970-01-01 = 0), so arithmetic is integer arithmetic.
 *
 * Schedule: a calendar knows only the years for which a table was loaded
 * (config/holidays-cn.tsv, from the State Council's 国务院办公厅关于…部分
 * 节假日安排的通知).  In a loaded year a day is a rest day when a row says
 * "off", a working day when a row says "work" (调休上班, make-up working
 * days on a weekend), and otherwise a working day from Monday to Friday.
 * The office's own exceptions (e.g. 除夕 granted off) are rows in an
 * override file loaded after it; a later row for the same date wins.
 * A date in a year with no loaded schedule is YQ_ECALENDAR, never a
 * silent weekends-only answer (workflow-03): the caller raises it as an
 * alert.
 *
 * File format (UTF-8, one row a line, '#' starts a comment, fields
 * separated by a TAB or spaces):
 *   year   2025                   the year's schedule is complete (needed
 *                                 before any date of 2025 is answered)
 *   2025-01-28  off  春节          a rest day (name optional)
 *   2025-01-26  work 春节调休       a make-up working day
 * At most YQ_CALENDAR_ROWS_MAX rows and lines of 1024 bytes.
 *
 * Threads: a loaded calendar is read-only and may be shared.
 */
#ifndef YQ_CALENDAR_H
#define YQ_CALENDAR_H

#include <stdint.h>

#include "base/buf.h"
#include "collect/ptime.h"

#define YQ_CALENDAR_ROWS_MAX 4096
#define YQ_CALENDAR_OFFSET_S (8 * 3600) /* Asia/Shanghai, fixed */
#define YQ_CALENDAR_ADD_MAX 366         /* working days one call may add */

struct yq_calendar;

/* yq_calendar_new: an empty calendar (no year loaded).  0 or YQ_ENOMEM. */
int yq_calendar_new(struct yq_calendar **out);
void yq_calendar_free(struct yq_calendar *cal);

/*
 * yq_calendar_load: adds the rows of the file at path (format above) to
 * cal; rows of a later file override earlier ones for the same date.
 * Errors: YQ_EIO (cannot open), YQ_EFORMAT ("path:line: ..." in err: a bad
 * date, kind or year line), YQ_ETOOBIG (too many rows or a long line),
 * YQ_ENOMEM.  On error cal keeps the rows read before the bad line.
 */
int yq_calendar_load(struct yq_calendar *cal, const char *path, struct yq_buf *err);

/* yq_calendar_set: one row from code (tests, API): kind 1 = working day,
 * 0 = rest day; marks day's year as loaded when mark_year.  0,
 * YQ_ETOOBIG, YQ_ENOMEM. */
int yq_calendar_set(struct yq_calendar *cal, int64_t day, int work, int mark_year);

/* ---- dates ---- */

/* Day numbers of civil dates: yq_date_from_ymd, yq_date_to_ymd
 * (collect/ptime.h). */
/* yq_date_parse: "YYYY-MM-DD" (exactly, a real date, years 1900..2199) to
 * a day number.  0 or YQ_EINVAL. */
int yq_date_parse(const char *s, int64_t *day);
/* yq_date_format: "YYYY-MM-DD" into out (11 bytes with the NUL). */
void yq_date_format(int64_t day, char out[11]);
/* yq_date_weekday: 0 = Monday … 6 = Sunday. */
int yq_date_weekday(int64_t day);

/* yq_calendar_day_of: the Asia/Shanghai date of the instant t (Unix s). */
int64_t yq_calendar_day_of(int64_t t);
/* yq_calendar_day_start: the Unix time of local midnight starting day;
 * day's window is [day_start(day), day_start(day + 1)). */
int64_t yq_calendar_day_start(int64_t day);
/* yq_calendar_until_midnight: seconds from t to the next local midnight
 * (1..86400). */
int64_t yq_calendar_until_midnight(int64_t t);

/* ---- working days ---- */

/* yq_calendar_is_workday: *is = 1 if day is a working day.  0 or
 * YQ_ECALENDAR (day's year not loaded). */
int yq_calendar_is_workday(const struct yq_calendar *cal, int64_t day, int *is);

/*
 * yq_calendar_add_workdays: the n-th working day after day (counting starts
 * on the next day, the day itself never counts; n = 0 gives day), 0 <= n
 * <= YQ_CALENDAR_ADD_MAX, into *out.  Examples (workflow-01, -03):
 * 2025-01-24 + 5 = 2025-02-07, + 6 = 2025-02-08 (a make-up Saturday);
 * 2024-02-08 + 3 = 2024-02-19.  0, YQ_EINVAL (n out of range),
 * YQ_ECALENDAR (a day passed on the way lies in a year not loaded).
 */
int yq_calendar_add_workdays(const struct yq_calendar *cal, int64_t day, int n, int64_t *out);

/* yq_calendar_workdays_between: working days in (from, to] (0 when to <=
 * from) into *out; at most ten years apart.  0, YQ_EINVAL, YQ_ECALENDAR. */
int yq_calendar_workdays_between(const struct yq_calendar *cal, int64_t from, int64_t to,
				 int64_t *out);

#endif
