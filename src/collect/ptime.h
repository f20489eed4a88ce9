/*
 * ptime.h — reading the time of a post, and civil time in a time zone.
 *
 * Forms read (docs/time.md lists them with examples):
 *   ISO 8601 / RFC 3339  2020-02-04T10:00:00+08:00, 2020-02-04 10:00[:00], 2020-02-04, 2020/2/4
 *   epoch                10 digits (seconds) or 13 digits (milliseconds)
 *   RFC 822 (RSS)        Wed, 08 Aug 2012 13:25:02 +0800;  Weibo API: Wed Aug 08 13:25:02 +0800 2012
 *                        zones: ±hhmm, GMT/UTC/Z, US and East Asian abbreviations; "CST"
 *                        (China or US Central) only where the source's zone tells which
 *   Chinese absolute     2023年5月12日 [time], 5月12日 [time], 05-12 time
 *   Chinese clock        HH:MM[:SS] (also ：), 07时05分, 3点, 3点半, 8点整, after an optional
 *                        period: 凌晨 早上 上午 中午 下午 傍晚 晚上 晚 夜里 (晚8：15 = 20:15)
 *   Chinese relative     刚刚, N秒前, N分钟前, N小时前, 半小时前, N天前, N周前 (N in digits
 *                        or 一二两三…十), 今天/昨天/前天 [time]
 * A form without a zone is read in the source's zone; "today" is the
 * source's calendar day in that zone.  A date without a year takes the
 * latest year that does not put it more than YQ_TIME_SKEW in the future
 * (relative to now).  Anything else, or an impossible date, is an error:
 * never "now".
 *
 * Zones come from ICU (ucal), so DST rules and history are right.
 * Threads: a struct yq_tz is used by one thread at a time.
 */
#ifndef YQ_PTIME_H
#define YQ_PTIME_H

#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"

struct yq_tz;

/* yq_tz_open: an IANA zone name ("Asia/Shanghai", "UTC").  Errors:
 * YQ_EINVAL for an unknown zone, YQ_ENOMEM. */
int yq_tz_open(const char *name, struct yq_tz **out);
void yq_tz_free(struct yq_tz *tz);

/* Civil time: year, month 1-12, day 1-31, hour, minute, second, and the
 * zone's offset from UTC in seconds at that instant. */
struct yq_civil {
	int year, month, day, hour, min, sec;
	int offset;
};

/* yq_date_from_ymd: the day number (days since 1970-01-01, negative
 * before) of the proleptic Gregorian date y-m-d; no range check beyond the
 * arithmetic (use yq_date_parse or yq_time_parse for input).  H. Hinnant's
 * days_from_civil. */
int64_t yq_date_from_ymd(int y, int m, int d);
/* yq_date_to_ymd: the inverse (civil_from_days). */
void yq_date_to_ymd(int64_t day, int *y, int *m, int *d);

/* yq_tz_to_utc: Unix seconds of the civil time c (offset ignored) in tz. */
int64_t yq_tz_to_utc(struct yq_tz *tz, const struct yq_civil *c);
/* yq_tz_from_utc: the civil time in tz of Unix seconds t (offset set). */
void yq_tz_from_utc(struct yq_tz *tz, int64_t t, struct yq_civil *c);

/*
 * yq_time_parse: reads s[0..n) (UTF-8, surrounding space ignored) with now
 * (Unix seconds) as the reference for relative and year-less forms.  On
 * success *out is Unix seconds and 0 is returned; YQ_EFORMAT when the value
 * is unreadable, impossible or ambiguous.
 */
int yq_time_parse(const char *s, size_t n, int64_t now, struct yq_tz *tz, int64_t *out);

/* Clock skew tolerated before a year-less date counts as "in the future". */
#define YQ_TIME_SKEW 600

enum {
	YQ_TIME_AMBIGUOUS_ZONE = 1, /* an ambiguous zone name was resolved by the source's zone */
};

/* yq_time_parse_ex: yq_time_parse, also giving YQ_TIME_* flags in *flags. */
int yq_time_parse_ex(const char *s, size_t n, int64_t now, struct yq_tz *tz, int64_t *out,
		     unsigned *flags);

/* yq_time_format: appends t as ISO 8601 with tz's offset
 * ("2020-02-04T10:00:00+08:00") to b.  0 or YQ_ENOMEM. */
int yq_time_format(struct yq_tz *tz, int64_t t, struct yq_buf *b);

#endif
