/*
 * calendar.c — the working-day calendar (calendar.h): day numbers,
 * Asia/Shanghai as a fixed +08:00 offset, and the holiday table.
 *
 * Design: the rows live in one array sorted by day number (binary search;
 * a later row for the same day replaces the earlier one, which is how an
 * office's override file wins over the national table); the loaded years
 * are a small sorted array.  A day's answer is: its row if there is one,
 * else Monday..Friday — but only inside a loaded year, else YQ_ECALENDAR.
 *
 * Invariants: rows[] is strictly increasing in day; n <= YQ_CALENDAR_ROWS_MAX.
 * No function reads the process time zone (workflow-04): local dates are
 * floor((t + 8 h) / 86400).
 *
 * Day numbers from civil dates: yq_date_from_ymd / yq_date_to_ymd
 * (collect/ptime.h; Howard Hinnant's days_from_civil / civil_from_days).
 */
#include "cases/calendar.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/error.h"

#define YEARS_MAX 256
#define LINE_MAX_BYTES 1024

struct row {
	int64_t day;
	int work;
};

struct yq_calendar {
	struct row *rows;
	size_t n, cap;
	int years[YEARS_MAX];
	size_t n_years;
};

/* ---- dates ---- */

/* floor_div: a / b rounded towards minus infinity. */
static int64_t floor_div(int64_t a, int64_t b)
{
	int64_t q = a / b;
	return (a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q;
}

int yq_date_parse(const char *s, int64_t *day)
{
	int y, m, d, y2, m2, d2;
	if (!s || strlen(s) != 10 || s[4] != '-' || s[7] != '-')
		return YQ_EINVAL;
	for (int i = 0; i < 10; i++)
		if (i != 4 && i != 7 && (s[i] < '0' || s[i] > '9'))
			return YQ_EINVAL;
	y = atoi(s);
	m = atoi(s + 5);
	d = atoi(s + 8);
	if (y < 1900 || y > 2199 || m < 1 || m > 12 || d < 1 || d > 31)
		return YQ_EINVAL;
	int64_t n = yq_date_from_ymd(y, m, d);
	yq_date_to_ymd(n, &y2, &m2, &d2);
	if (y2 != y || m2 != m || d2 != d) /* 02-30 and the like */
		return YQ_EINVAL;
	*day = n;
	return 0;
}

void yq_date_format(int64_t day, char out[11])
{
	int y, m, d;
	char tmp[48];
	yq_date_to_ymd(day, &y, &m, &d);
	if (y < 0 || y > 9999) /* outside the format: clamp, never overflow */
		y = y < 0 ? 0 : 9999;
	snprintf(tmp, sizeof tmp, "%04d-%02d-%02d", y, m, d);
	memcpy(out, tmp, 11);
}

int yq_date_weekday(int64_t day)
{
	/* 1970-01-01 was a Thursday (3) */
	return (int)((floor_div(day, 7) * -7 + day + 3) % 7);
}

int64_t yq_calendar_day_of(int64_t t)
{
	return floor_div(t + YQ_CALENDAR_OFFSET_S, 86400);
}

int64_t yq_calendar_day_start(int64_t day)
{
	return day * 86400 - YQ_CALENDAR_OFFSET_S;
}

int64_t yq_calendar_until_midnight(int64_t t)
{
	return yq_calendar_day_start(yq_calendar_day_of(t) + 1) - t;
}

/* ---- the table ---- */

int yq_calendar_new(struct yq_calendar **out)
{
	*out = calloc(1, sizeof **out);
	return *out ? 0 : YQ_ENOMEM;
}

void yq_calendar_free(struct yq_calendar *cal)
{
	if (!cal)
		return;
	free(cal->rows);
	free(cal);
}

/* find: index of the first row with day >= day. */
static size_t find(const struct yq_calendar *cal, int64_t day)
{
	size_t lo = 0, hi = cal->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (cal->rows[mid].day < day)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static int year_loaded(const struct yq_calendar *cal, int y)
{
	for (size_t i = 0; i < cal->n_years; i++)
		if (cal->years[i] == y)
			return 1;
	return 0;
}

static int mark(struct yq_calendar *cal, int y)
{
	if (year_loaded(cal, y))
		return 0;
	if (cal->n_years >= YEARS_MAX)
		return YQ_ETOOBIG;
	cal->years[cal->n_years++] = y;
	return 0;
}

int yq_calendar_set(struct yq_calendar *cal, int64_t day, int work, int mark_year)
{
	size_t i = find(cal, day);
	if (mark_year) {
		int y, m, d;
		yq_date_to_ymd(day, &y, &m, &d);
		int rc = mark(cal, y);
		if (rc)
			return rc;
	}
	if (i < cal->n && cal->rows[i].day == day) {
		cal->rows[i].work = !!work;
		return 0;
	}
	if (cal->n >= YQ_CALENDAR_ROWS_MAX)
		return YQ_ETOOBIG;
	if (cal->n == cal->cap) {
		size_t nc = cal->cap ? 2 * cal->cap : 64;
		struct row *r = realloc(cal->rows, nc * sizeof *r);
		if (!r)
			return YQ_ENOMEM;
		cal->rows = r;
		cal->cap = nc;
	}
	memmove(cal->rows + i + 1, cal->rows + i, (cal->n - i) * sizeof *cal->rows);
	cal->rows[i].day = day;
	cal->rows[i].work = !!work;
	cal->n++;
	return 0;
}

/* next_field: the next run of non-blank bytes of *p, NUL-terminated in place. */
static char *next_field(char **p)
{
	char *s = *p;
	while (*s == ' ' || *s == '\t')
		s++;
	if (!*s)
		return NULL;
	char *e = s;
	while (*e && *e != ' ' && *e != '\t')
		e++;
	if (*e)
		*e++ = 0;
	*p = e;
	return s;
}

int yq_calendar_load(struct yq_calendar *cal, const char *path, struct yq_buf *err)
{
	char line[LINE_MAX_BYTES + 2];
	long lineno = 0;
	int rc = 0;
	FILE *f = fopen(path, "r");
	if (!f) {
		if (err)
			yq_buf_printf(err, "%s: %s", path, strerror(errno));
		return YQ_EIO;
	}
	while (fgets(line, sizeof line, f)) {
		size_t len = strlen(line);
		lineno++;
		if (len > LINE_MAX_BYTES) {
			if (err)
				yq_buf_printf(err, "%s:%ld: line longer than %d bytes", path, lineno,
					      LINE_MAX_BYTES);
			rc = YQ_ETOOBIG;
			goto out;
		}
		while (len && (line[len - 1] == '\n' || line[len - 1] == '\r'))
			line[--len] = 0;
		char *hash = strchr(line, '#');
		if (hash)
			*hash = 0;
		char *p = line, *a = next_field(&p), *b;
		if (!a)
			continue;
		b = next_field(&p);
		if (!strcmp(a, "year")) {
			char *end;
			long y = b ? strtol(b, &end, 10) : 0;
			if (!b || *end || y < 1900 || y > 2199) {
				if (err)
					yq_buf_printf(err, "%s:%ld: 'year' needs a year 1900..2199",
						      path, lineno);
				rc = YQ_EFORMAT;
				goto out;
			}
			if ((rc = mark(cal, (int)y)))
				goto out;
			continue;
		}
		int64_t day;
		if (yq_date_parse(a, &day) || !b || (strcmp(b, "off") && strcmp(b, "work"))) {
			if (err)
				yq_buf_printf(err, "%s:%ld: expected 'YYYY-MM-DD off|work [name]'"
					      " or 'year YYYY'", path, lineno);
			rc = YQ_EFORMAT;
			goto out;
		}
		if ((rc = yq_calendar_set(cal, day, !strcmp(b, "work"), 0))) {
			if (err)
				yq_buf_printf(err, "%s:%ld: %s (at most %d rows)", path, lineno,
					      yq_strerror(rc), YQ_CALENDAR_ROWS_MAX);
			goto out;
		}
	}
	if (ferror(f)) {
		if (err)
			yq_buf_printf(err, "%s: read error", path);
		rc = YQ_EIO;
	}
out:
	fclose(f);
	return rc;
}

/* ---- working days ---- */

int yq_calendar_is_workday(const struct yq_calendar *cal, int64_t day, int *is)
{
	int y, m, d;
	yq_date_to_ymd(day, &y, &m, &d);
	if (!year_loaded(cal, y))
		return YQ_ECALENDAR;
	size_t i = find(cal, day);
	if (i < cal->n && cal->rows[i].day == day)
		*is = cal->rows[i].work;
	else
		*is = yq_date_weekday(day) < 5;
	return 0;
}

int yq_calendar_add_workdays(const struct yq_calendar *cal, int64_t day, int n, int64_t *out)
{
	if (n < 0 || n > YQ_CALENDAR_ADD_MAX)
		return YQ_EINVAL;
	/* n working days lie within 3n + 60 calendar days in any real schedule;
	 * the bound only stops a table that marks everything "off" */
	for (int64_t k = 0, left = n; left > 0; k++) {
		int is, rc;
		if (k > 3 * (int64_t)n + 60)
			return YQ_ECALENDAR;
		day++;
		if ((rc = yq_calendar_is_workday(cal, day, &is)))
			return rc;
		left -= is;
	}
	*out = day;
	return 0;
}

int yq_calendar_workdays_between(const struct yq_calendar *cal, int64_t from, int64_t to,
				 int64_t *out)
{
	int64_t c = 0;
	if (to - from > 3 * 366 * 10)
		return YQ_EINVAL;
	for (int64_t day = from + 1; day <= to; day++) {
		int is, rc = yq_calendar_is_workday(cal, day, &is);
		if (rc)
			return rc;
		c += is;
	}
	*out = c;
	return 0;
}
