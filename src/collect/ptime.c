/*
 * ptime.c — time expressions of posts → Unix seconds; see ptime.h.
 *
 * Design: the input is first trimmed, then tried against each form in turn
 * by small hand-written scanners (no regex): each scanner either consumes
 * the whole string and fills a civil time (plus an explicit offset when the
 * form has one), or fails.  Civil times without an offset are resolved in
 * the source's zone through ICU's calendar.  Every field is range-checked,
 * including the day against the month's length, so "2月30日" is an error.
 */
#include "collect/ptime.h"
#include "base/error.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unicode/ucal.h>
#include <unicode/ustring.h>

struct yq_tz {
	UCalendar *cal;
	/* one-entry cache: the last civil time converted */
	struct yq_civil last;
	int64_t last_t;
	int have_last;
};

int yq_tz_open(const char *name, struct yq_tz **out)
{
	UChar zone[64];
	UErrorCode st = U_ZERO_ERROR;
	int32_t zl = 0;
	u_strFromUTF8(zone, 64, &zl, name, -1, &st);
	if (U_FAILURE(st))
		return YQ_EINVAL;
	/* ICU silently falls back to GMT for an unknown zone: check first. */
	UChar canon[64];
	UBool sys = 0;
	st = U_ZERO_ERROR;
	ucal_getCanonicalTimeZoneID(zone, zl, canon, 64, &sys, &st);
	if (U_FAILURE(st) || !sys)
		return YQ_EINVAL;
	struct yq_tz *tz = calloc(1, sizeof(*tz));
	if (!tz)
		return YQ_ENOMEM;
	st = U_ZERO_ERROR;
	tz->cal = ucal_open(zone, zl, "en_US_POSIX", UCAL_GREGORIAN, &st);
	if (U_FAILURE(st)) {
		free(tz);
		return YQ_ENOMEM;
	}
	ucal_setGregorianChange(tz->cal, -1e300, &st); /* proleptic Gregorian */
	*out = tz;
	return YQ_OK;
}

void yq_tz_free(struct yq_tz *tz)
{
	if (!tz)
		return;
	ucal_close(tz->cal);
	free(tz);
}

int64_t yq_tz_to_utc(struct yq_tz *tz, const struct yq_civil *c)
{
	if (tz->have_last && tz->last.year == c->year && tz->last.month == c->month &&
	    tz->last.day == c->day && tz->last.hour == c->hour && tz->last.min == c->min &&
	    tz->last.sec == c->sec)
		return tz->last_t;
	UErrorCode st = U_ZERO_ERROR;
	ucal_clear(tz->cal);
	ucal_setDateTime(tz->cal, c->year, c->month - 1, c->day, c->hour, c->min, c->sec, &st);
	UDate ms = ucal_getMillis(tz->cal, &st);
	int64_t t = (int64_t)(ms / 1000.0);
	if (ms < 0 && (int64_t)ms % 1000)
		t--;
	tz->last = *c;
	tz->last_t = t;
	tz->have_last = 1;
	return t;
}

void yq_tz_from_utc(struct yq_tz *tz, int64_t t, struct yq_civil *c)
{
	UErrorCode st = U_ZERO_ERROR;
	ucal_setMillis(tz->cal, (UDate)t * 1000.0, &st);
	c->year = ucal_get(tz->cal, UCAL_EXTENDED_YEAR, &st);
	c->month = ucal_get(tz->cal, UCAL_MONTH, &st) + 1;
	c->day = ucal_get(tz->cal, UCAL_DATE, &st);
	c->hour = ucal_get(tz->cal, UCAL_HOUR_OF_DAY, &st);
	c->min = ucal_get(tz->cal, UCAL_MINUTE, &st);
	c->sec = ucal_get(tz->cal, UCAL_SECOND, &st);
	c->offset = (ucal_get(tz->cal, UCAL_ZONE_OFFSET, &st) +
		     ucal_get(tz->cal, UCAL_DST_OFFSET, &st)) / 1000;
}

int yq_time_format(struct yq_tz *tz, int64_t t, struct yq_buf *b)
{
	struct yq_civil c;
	yq_tz_from_utc(tz, t, &c);
	int off = c.offset < 0 ? -c.offset : c.offset;
	return yq_buf_printf(b, "%04d-%02d-%02dT%02d:%02d:%02d%c%02d:%02d", c.year, c.month,
			     c.day, c.hour, c.min, c.sec, c.offset < 0 ? '-' : '+', off / 3600,
			     (off / 60) % 60);
}

/* ---- scanning helpers ---- */

struct scan {
	const char *p, *end;
};

static int at_end(struct scan *s)
{
	return s->p >= s->end;
}

static int lit(struct scan *s, const char *w)
{
	size_t n = strlen(w);
	if ((size_t)(s->end - s->p) >= n && memcmp(s->p, w, n) == 0) {
		s->p += n;
		return 1;
	}
	return 0;
}

/* num: 1..maxd ASCII digits → *v. */
static int num(struct scan *s, int mind, int maxd, long long *v)
{
	const char *q = s->p;
	long long x = 0;
	int d = 0;
	while (q < s->end && *q >= '0' && *q <= '9' && d < maxd) {
		x = x * 10 + (*q - '0');
		q++;
		d++;
	}
	if (d < mind || (q < s->end && *q >= '0' && *q <= '9'))
		return 0;
	s->p = q;
	*v = x;
	return 1;
}

static void spaces(struct scan *s)
{
	while (s->p < s->end && (*s->p == ' ' || *s->p == '\t'))
		s->p++;
}

static int days_in_month(int y, int m)
{
	static const int d[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
		return 29;
	return d[m - 1];
}

static int civil_ok(const struct yq_civil *c)
{
	return c->year >= 1970 && c->year <= 2100 && c->month >= 1 && c->month <= 12 &&
	       c->day >= 1 && c->day <= days_in_month(c->year, c->month) && c->hour >= 0 &&
	       c->hour <= 23 && c->min >= 0 && c->min <= 59 && c->sec >= 0 && c->sec <= 60;
}

/* floor_div: a / b rounded towards minus infinity. */
static int64_t floor_div(int64_t a, int64_t b)
{
	int64_t q = a / b;
	return (a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q;
}

int64_t yq_date_from_ymd(int y, int m, int d)
{
	int64_t yy = (int64_t)y - (m <= 2);
	int64_t era = floor_div(yy, 400);
	int64_t yoe = yy - era * 400;
	int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

void yq_date_to_ymd(int64_t day, int *y, int *m, int *d)
{
	int64_t z = day + 719468;
	int64_t era = floor_div(z, 146097);
	int64_t doe = z - era * 146097;
	int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	int64_t mp = (5 * doy + 2) / 153;
	int64_t dd = doy - (153 * mp + 2) / 5 + 1;
	int64_t mm = mp < 10 ? mp + 3 : mp - 9;
	*y = (int)(yoe + era * 400 + (mm <= 2));
	*m = (int)mm;
	*d = (int)dd;
}


static int64_t utc_of(const struct yq_civil *c, int offset)
{
	return yq_date_from_ymd(c->year, c->month, c->day) * 86400 + c->hour * 3600 +
	       c->min * 60 + c->sec - offset;
}

/* cn_num: a small number in digits or Chinese numerals (零一二两三四五六七八九十,
 * up to 99) → *v. */
static int cn_num(struct scan *s, long long *v)
{
	static const char *const digit[] = {"零", "一", "二", "三", "四", "五", "六", "七", "八", "九"};
	if (num(s, 1, 6, v))
		return 1;
	const char *q = s->p;
	long long tens = -1, units = -1;
	for (;;) {
		int d = -1;
		for (int k = 0; k < 10 && d < 0; k++)
			if (lit(s, digit[k]))
				d = k;
		if (d < 0 && lit(s, "两"))
			d = 2;
		if (d >= 0) {
			if (units >= 0)
				goto bad; /* two digits in a row: not a count */
			units = d;
			continue;
		}
		if (lit(s, "十")) {
			if (tens >= 0)
				goto bad;
			tens = units >= 0 ? units : 1;
			units = -1;
			continue;
		}
		break;
	}
	if (tens < 0 && units < 0)
		goto bad;
	*v = (tens > 0 ? tens * 10 : 0) + (units > 0 ? units : 0);
	return 1;
bad:
	s->p = q;
	return 0;
}

/* Period markers of the Chinese 12-hour clock and how they shift the hour. */
enum period { P_NONE, P_AM, P_NOON, P_PM, P_NIGHT };

static enum period period_marker(struct scan *s)
{
	static const struct {
		const char *w;
		enum period p;
	} m[] = {
		{"凌晨", P_AM}, {"早上", P_AM}, {"早晨", P_AM}, {"上午", P_AM}, {"清晨", P_AM},
		{"中午", P_NOON}, {"下午", P_PM}, {"傍晚", P_PM}, {"晚上", P_PM}, {"夜里", P_NIGHT},
		{"深夜", P_NIGHT}, {"半夜", P_NIGHT}, {"夜间", P_NIGHT}, {"晚间", P_PM}, {"早", P_AM},
		{"晚", P_PM},
	};
	for (size_t i = 0; i < sizeof m / sizeof m[0]; i++)
		if (lit(s, m[i].w))
			return m[i].p;
	return P_NONE;
}

/*
 * opt_clock: a time of day after optional spaces: HH:MM[:SS] (also with a
 * full-width colon), or the Chinese forms H时[M分][S秒], H点[M分|半|整],
 * each optionally after a period marker (晚8:15, 下午3点, 中午12点,
 * 凌晨2点半).  Returns 1 if a time was read, 0 if there is none, -1 if
 * malformed.
 */
static int opt_clock(struct scan *s, struct yq_civil *c)
{
	spaces(s);
	if (at_end(s))
		return 0;
	enum period per = period_marker(s);
	spaces(s);
	long long h, mi = 0, se = 0;
	if (!cn_num(s, &h))
		return -1;
	if (lit(s, ":") || lit(s, "："))  {
		if (!num(s, 2, 2, &mi))
			return -1;
		if ((lit(s, ":") || lit(s, "：")) && !num(s, 2, 2, &se))
			return -1;
	} else if (lit(s, "时") || lit(s, "点")) {
		if (lit(s, "半"))
			mi = 30;
		else if (lit(s, "整"))
			mi = 0;
		else if (cn_num(s, &mi)) {
			lit(s, "分");
			if (cn_num(s, &se) && !lit(s, "秒"))
				return -1;
		}
	} else {
		return -1;
	}
	if (h > 24 || mi > 59 || se > 60)
		return -1;
	switch (per) {
	case P_PM:
		if (h < 12)
			h += 12;
		break;
	case P_NOON:
		if (h < 11)
			h += 12;
		break;
	case P_NIGHT:
		if (h >= 6 && h < 12)
			h += 12;
		else if (h == 12)
			h = 0;
		break;
	case P_AM:
		if (h == 12)
			h = 0;
		break;
	case P_NONE:
		break;
	}
	if (h == 24 && mi == 0 && se == 0)
		return -1; /* 24:00 would be the next day: ambiguous here */
	c->hour = (int)h;
	c->min = (int)mi;
	c->sec = (int)se;
	return 1;
}

#define OFF_CST INT32_MIN /* "CST": China (+08:00) or US Central: resolved by the zone */

/* zone designator: Z, +08:00, +0800, +08, UTC/GMT, and the abbreviations
 * in zone_names[]; returns 1 and *off, 0 if none, -1 if malformed. */
static int opt_zone(struct scan *s, int *off)
{
	static const struct {
		const char *name;
		int off;
	} zone_names[] = {
		{"UTC", 0}, {"GMT", 0}, {"UT", 0}, {"Z", 0}, {"CST", OFF_CST},
		{"HKT", 8 * 3600}, {"SGT", 8 * 3600}, {"JST", 9 * 3600}, {"KST", 9 * 3600},
		{"EST", -5 * 3600}, {"EDT", -4 * 3600}, {"CDT", -5 * 3600}, {"MST", -7 * 3600},
		{"MDT", -6 * 3600}, {"PST", -8 * 3600}, {"PDT", -7 * 3600},
	};
	spaces(s);
	if (at_end(s))
		return 0;
	for (size_t i = 0; i < sizeof zone_names / sizeof zone_names[0]; i++) {
		const char *q = s->p;
		if (lit(s, zone_names[i].name)) {
			if (at_end(s) || *s->p == '+' || *s->p == '-') {
				*off = zone_names[i].off;
				if (at_end(s))
					return 1;
				if (*off != 0)
					return -1; /* "EST+0100": nonsense */
				break;     /* "GMT+08:00" */
			}
			s->p = q;
		}
	}
	int sign = 0;
	if (lit(s, "+"))
		sign = 1;
	else if (lit(s, "-"))
		sign = -1;
	else
		return -1;
	long long hh, mm = 0;
	const char *q = s->p;
	if (num(s, 4, 4, &hh)) {
		mm = hh % 100;
		hh /= 100;
	} else {
		s->p = q;
		if (!num(s, 1, 2, &hh))
			return -1;
		if (lit(s, ":") && !num(s, 2, 2, &mm))
			return -1;
	}
	if (hh > 14 || mm > 59)
		return -1;
	*off = sign * (int)(hh * 3600 + mm * 60);
	return 1;
}

static int month_name(struct scan *s)
{
	static const char *m[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
				  "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
	for (int i = 0; i < 12; i++)
		if (lit(s, m[i]))
			return i + 1;
	return 0;
}

static int day_name(struct scan *s)
{
	static const char *d[] = {"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"};
	for (int i = 0; i < 7; i++)
		if (lit(s, d[i]))
			return 1;
	return 0;
}

/* ---- the forms ---- */

/* Result of a form: a civil time with or without explicit offset. */
struct parsed {
	struct yq_civil c;
	int has_off;
	int off;
	int no_year; /* year to be chosen so that the time is not in the future */
};

static int form_iso(struct scan *s, struct parsed *r)
{
	long long y, mo, d;
	if (!num(s, 4, 4, &y))
		return 0;
	char sep = *s->p;
	if (!(sep == '-' || sep == '/' || sep == '.'))
		return 0;
	s->p++;
	if (!num(s, 1, 2, &mo) || at_end(s) || *s->p != sep)
		return 0;
	s->p++;
	if (!num(s, 1, 2, &d))
		return 0;
	r->c = (struct yq_civil){(int)y, (int)mo, (int)d, 0, 0, 0, 0};
	if (!at_end(s) && *s->p == 'T')
		s->p++;
	if (opt_clock(s, &r->c) < 0)
		return 0;
	/* fractional seconds */
	if (!at_end(s) && *s->p == '.') {
		long long frac;
		s->p++;
		if (!num(s, 1, 9, &frac))
			return 0;
	}
	int z = opt_zone(s, &r->off);
	if (z < 0)
		return 0;
	r->has_off = z;
	return at_end(s);
}

static int form_epoch(struct scan *s, struct parsed *r, int64_t *out)
{
	long long v;
	const char *q = s->p;
	if (num(s, 13, 13, &v) && at_end(s)) {
		*out = v / 1000;
		return 1;
	}
	s->p = q;
	if (num(s, 9, 10, &v) && at_end(s)) {
		*out = v;
		return 1;
	}
	(void)r;
	return 0;
}

/* RFC 822: [Day,] DD Mon YYYY HH:MM[:SS] zone;  Weibo: Day Mon DD HH:MM:SS zone YYYY */
static int form_rfc822(struct scan *s, struct parsed *r)
{
	long long d, y;
	int wday = day_name(s);
	if (wday) {
		lit(s, ",");
		spaces(s);
	}
	const char *q = s->p;
	int mo;
	if (num(s, 1, 2, &d)) { /* RFC 822 */
		spaces(s);
		if (!(mo = month_name(s)))
			return 0;
		spaces(s);
		if (!num(s, 4, 4, &y))
			return 0;
		r->c = (struct yq_civil){(int)y, mo, (int)d, 0, 0, 0, 0};
		if (opt_clock(s, &r->c) != 1)
			return 0;
		int z = opt_zone(s, &r->off);
		if (z < 0)
			return 0;
		r->has_off = z;
		return at_end(s);
	}
	s->p = q;
	if (!wday || !(mo = month_name(s)))
		return 0;
	spaces(s);
	if (!num(s, 1, 2, &d))
		return 0;
	r->c = (struct yq_civil){0, mo, (int)d, 0, 0, 0, 0};
	if (opt_clock(s, &r->c) != 1)
		return 0;
	spaces(s);
	int z = 0;
	if (!at_end(s) && (*s->p == '+' || *s->p == '-')) {
		long long hhmm;
		int sign = *s->p == '-' ? -1 : 1;
		s->p++;
		if (!num(s, 4, 4, &hhmm))
			return 0;
		r->off = sign * (int)((hhmm / 100) * 3600 + (hhmm % 100) * 60);
		z = 1;
	}
	spaces(s);
	if (!num(s, 4, 4, &y))
		return 0;
	r->c.year = (int)y;
	r->has_off = z;
	return at_end(s);
}

/* 2023年5月12日 [HH:MM[:SS]] | 5月12日 [HH:MM] | 05-12 HH:MM */
static int form_cn_date(struct scan *s, struct parsed *r)
{
	long long a, b, c;
	const char *q = s->p;
	if (num(s, 4, 4, &a) && lit(s, "年")) {
		if (!num(s, 1, 2, &b) || !lit(s, "月") || !num(s, 1, 2, &c) ||
		    !(lit(s, "日") || lit(s, "号")))
			return 0;
		r->c = (struct yq_civil){(int)a, (int)b, (int)c, 0, 0, 0, 0};
		return opt_clock(s, &r->c) >= 0 && at_end(s);
	}
	s->p = q;
	if (num(s, 1, 2, &b) && lit(s, "月")) {
		if (!num(s, 1, 2, &c) || !(lit(s, "日") || lit(s, "号")))
			return 0;
		r->c = (struct yq_civil){0, (int)b, (int)c, 0, 0, 0, 0};
		r->no_year = 1;
		return opt_clock(s, &r->c) >= 0 && at_end(s);
	}
	s->p = q;
	if (num(s, 2, 2, &b) && lit(s, "-") && num(s, 2, 2, &c)) {
		r->c = (struct yq_civil){0, (int)b, (int)c, 0, 0, 0, 0};
		r->no_year = 1;
		return opt_clock(s, &r->c) == 1 && at_end(s);
	}
	return 0;
}

/* 刚刚 | N秒前 | N分钟前 | N小时前 | N天前 | 今天/昨天/前天 [HH:MM] */
static int form_cn_relative(struct scan *s, int64_t now, struct yq_tz *tz, int64_t *out)
{
	if (lit(s, "刚刚"))
		return at_end(s) ? (*out = now, 1) : 0;
	const char *q = s->p;
	long long n;
	int half = 0;
	if (lit(s, "半"))
		half = 1, n = 0;
	if (half || cn_num(s, &n)) {
		int64_t unit = 0;
		spaces(s);
		if (lit(s, "秒钟") || lit(s, "秒"))
			unit = 1;
		else if (lit(s, "分钟") || lit(s, "分"))
			unit = 60;
		else if (lit(s, "个小时") || lit(s, "小时") || lit(s, "个钟头") || lit(s, "钟头"))
			unit = 3600;
		else if (lit(s, "天"))
			unit = 86400;
		else if (lit(s, "个星期") || lit(s, "星期") || lit(s, "周"))
			unit = 7 * 86400;
		if (unit && lit(s, "前") && at_end(s)) {
			*out = now - (half ? unit / 2 : n * unit);
			return 1;
		}
		return 0;
	}
	s->p = q;
	int back = -1;
	if (lit(s, "今天"))
		back = 0;
	else if (lit(s, "昨天"))
		back = 1;
	else if (lit(s, "前天"))
		back = 2;
	if (back < 0)
		return 0;
	struct yq_civil c;
	yq_tz_from_utc(tz, now, &c);
	/* step back whole calendar days in the source's zone */
	struct yq_civil d = {0};
	yq_date_to_ymd(yq_date_from_ymd(c.year, c.month, c.day) - back, &d.year, &d.month,
		       &d.day);
	int k = opt_clock(s, &d);
	if (k < 0 || !at_end(s) || !civil_ok(&d))
		return 0;
	*out = yq_tz_to_utc(tz, &d);
	return 1;
}

int yq_time_parse_ex(const char *str, size_t n, int64_t now, struct yq_tz *tz, int64_t *out,
		     unsigned *flags)
{
	unsigned fl = 0;
	const char *b = str, *e = str + n;
	while (b < e && (*b == ' ' || *b == '\t'))
		b++;
	while (e > b && (e[-1] == ' ' || e[-1] == '\t'))
		e--;
	if (b == e || e - b > 64)
		return YQ_EFORMAT;

	struct scan s = {b, e};
	struct parsed r;
	int64_t t;

	if (form_epoch(&s, &r, &t))
		goto have_t;
	s.p = b;
	memset(&r, 0, sizeof(r));
	if (form_iso(&s, &r))
		goto have_civil;
	s.p = b;
	memset(&r, 0, sizeof(r));
	if (form_rfc822(&s, &r))
		goto have_civil;
	s.p = b;
	memset(&r, 0, sizeof(r));
	if (form_cn_date(&s, &r))
		goto have_civil;
	s.p = b;
	if (form_cn_relative(&s, now, tz, &t))
		goto have_t;
	return YQ_EFORMAT;

have_civil:
	if (r.no_year) {
		struct yq_civil nc;
		yq_tz_from_utc(tz, now, &nc);
		r.c.year = nc.year;
		if (r.c.month == 2 && r.c.day == 29 && !civil_ok(&r.c)) {
			/* the latest leap year not in the future */
			do
				r.c.year--;
			while (!civil_ok(&r.c) && r.c.year > nc.year - 8);
		}
		if (!civil_ok(&r.c))
			return YQ_EFORMAT;
		t = yq_tz_to_utc(tz, &r.c);
		if (t > now + YQ_TIME_SKEW) {
			r.c.year--;
			while (!civil_ok(&r.c) && r.c.year > nc.year - 8)
				r.c.year--;
			if (!civil_ok(&r.c))
				return YQ_EFORMAT;
			t = yq_tz_to_utc(tz, &r.c);
		}
		goto have_t;
	}
	if (!civil_ok(&r.c))
		return YQ_EFORMAT;
	if (r.has_off && r.off == OFF_CST) {
		/* China Standard Time or US Central: the source's zone decides;
		 * any other zone cannot tell them apart */
		struct yq_civil z;
		t = yq_tz_to_utc(tz, &r.c);
		yq_tz_from_utc(tz, t, &z);
		if (z.offset != 8 * 3600 && z.offset != -6 * 3600 && z.offset != -5 * 3600)
			return YQ_EFORMAT;
		fl |= YQ_TIME_AMBIGUOUS_ZONE;
		goto have_t;
	}
	t = r.has_off ? utc_of(&r.c, r.off) : yq_tz_to_utc(tz, &r.c);
have_t:
	*out = t;
	if (flags)
		*flags = fl;
	return YQ_OK;
}

int yq_time_parse(const char *s, size_t n, int64_t now, struct yq_tz *tz, int64_t *out)
{
	return yq_time_parse_ex(s, n, now, tz, out, NULL);
}
