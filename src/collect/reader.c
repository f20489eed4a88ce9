/*
 * reader.c — JSON Lines / TSV / CSV posts; see reader.h for the contract.
 *
 * Design: every format is reduced to "a value per post field" (enum field)
 * held in one yq_buf per field, so the mapping and alias rules, the UTF-8
 * repair, the number parsing and the id hashing are written once.  JSON
 * lines are parsed with jansson; TSV and CSV columns are resolved to fields
 * once, from the header.  Lines are read through collect/lines.h (gzip or
 * plain).  Feed files are the exception: a document, not lines, so the
 * whole file is read with zlib's gzread (capped), parsed once at open by
 * collect/feed.h, and yq_reader_next walks its items.
 */
#include "collect/reader.h"
#include "base/error.h"
#include "base/hash.h"
#include "base/utf8.h"
#include "collect/feed.h"
#include "collect/lines.h"

#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

enum field {
	F_ID, F_SOURCE, F_URL, F_AUTHOR, F_TIME, F_TITLE, F_TEXT, F_PARENT,
	F_LOCATION, F_REPOSTS, F_COMMENTS, F_LIKES, F_COUNT
};

static const char *const field_names[F_COUNT] = {
	"id", "source", "url", "author", "time", "title", "text", "parent",
	"location", "reposts", "comments", "likes",
};

/* Aliases tried, in order, after the field's own name. */
static const char *const aliases[F_COUNT][6] = {
	[F_ID] = {"mid", "tweet_id", "留言编号"},
	[F_AUTHOR] = {"userid", "user_id", "user", "screen_name", "留言用户"},
	[F_TIME] = {"date", "created_at", "created_at_utc", "pubdate", "timestamp", "留言时间"},
	[F_TITLE] = {"标题", "留言主题"},
	[F_TEXT] = {"content", "body", "正文", "内容", "留言详情"},
	[F_REPOSTS] = {"reposts_count"},
	[F_COMMENTS] = {"comments_count"},
	[F_LIKES] = {"attitudes_count", "点赞数"},
};

#define MAX_COLS 256
#define MAX_RECORD_LINES 10000 /* a CSV record spanning more lines is malformed */

struct yq_reader {
	struct yq_lines *lines;
	enum yq_format fmt;
	char *mapped[F_COUNT];     /* --map names (owned), NULL if none */
	int col[F_COUNT];          /* TSV/CSV: column index per field, -1 if none */
	int ncols;
	const char *source;
	struct yq_tz *tz;
	int64_t now;
	struct yq_buf line, rec, tmp;
	struct yq_buf val[F_COUNT];
	int have[F_COUNT];
	size_t cell_off[MAX_COLS], cell_len[MAX_COLS];
	size_t bad_utf8;
	int header_done;
	/* extra fields (cfg->extra): names borrowed, values per record */
	const char *const *xname;
	size_t nx;
	int xcol[YQ_READER_MAX_EXTRA];
	struct yq_buf xval[YQ_READER_MAX_EXTRA];
	const char *xout[YQ_READER_MAX_EXTRA];
	struct yq_feed feed; /* feeds: the parsed document */
	size_t item;         /* feeds: the next item */
	int enc_counted;     /* feeds: enc.replaced went out with a post */
};

static enum yq_format guess_format(const char *path)
{
	size_t n = strlen(path);
	char tmp[64];
	if (n > 3 && strcmp(path + n - 3, ".gz") == 0)
		n -= 3;
	size_t k = n < sizeof(tmp) - 1 ? n : sizeof(tmp) - 1;
	memcpy(tmp, path + n - k, k);
	tmp[k] = '\0';
	const char *dot = strrchr(tmp, '.');
	if (!dot)
		return YQ_FMT_JSONL;
	if (strcmp(dot, ".tsv") == 0 || strcmp(dot, ".tab") == 0)
		return YQ_FMT_TSV;
	if (strcmp(dot, ".csv") == 0)
		return YQ_FMT_CSV;
	if (strcmp(dot, ".rss") == 0 || strcmp(dot, ".xml") == 0)
		return YQ_FMT_RSS;
	if (strcmp(dot, ".atom") == 0)
		return YQ_FMT_ATOM;
	return YQ_FMT_JSONL;
}

static int field_by_name(const char *s, size_t n)
{
	for (int f = 0; f < F_COUNT; f++)
		if (strlen(field_names[f]) == n && memcmp(field_names[f], s, n) == 0)
			return f;
	return -1;
}

static int parse_map(struct yq_reader *r, const char *map, struct yq_buf *err)
{
	const char *p = map;
	while (p && *p) {
		const char *comma = strchr(p, ',');
		const char *end = comma ? comma : p + strlen(p);
		const char *eq = memchr(p, '=', (size_t)(end - p));
		if (!eq || eq == p || eq + 1 == end) {
			yq_buf_printf(err, "bad --map entry '%.*s' (want post_field=column)",
				      (int)(end - p), p);
			return YQ_EINVAL;
		}
		int f = field_by_name(p, (size_t)(eq - p));
		if (f < 0) {
			yq_buf_printf(err, "unknown post field '%.*s' in --map", (int)(eq - p), p);
			return YQ_EINVAL;
		}
		free(r->mapped[f]);
		r->mapped[f] = strndup(eq + 1, (size_t)(end - eq - 1));
		if (!r->mapped[f])
			return YQ_ENOMEM;
		p = comma ? comma + 1 : NULL;
	}
	return YQ_OK;
}

/* ---- feeds ---- */

/* open_feed: reads the whole of path (gzip or plain, "-" stdin) and parses
 * it as a feed. */
static int open_feed(struct yq_reader *r, const char *path, const struct yq_reader_config *cfg,
		     struct yq_buf *err)
{
	const char *name = strcmp(path, "-") == 0 ? "<stdin>" : path;
	struct yq_buf doc = YQ_BUF_INIT, why = YQ_BUF_INIT;
	int rc = YQ_OK, fd = -1;
	gzFile gz = NULL;
	if (strcmp(path, "-") == 0) {
		if ((fd = dup(STDIN_FILENO)) < 0 || !(gz = gzdopen(fd, "rb"))) {
			if (fd >= 0)
				close(fd);
			yq_buf_printf(err, "cannot read <stdin>: %s", strerror(errno));
			return YQ_EIO;
		}
	} else if (!(gz = gzopen(path, "rb"))) {
		yq_buf_printf(err, "cannot open %s: %s", path, strerror(errno));
		return YQ_EIO;
	}
	for (;;) {
		if ((rc = yq_buf_grow(&doc, 1 << 16)))
			goto out;
		int got = gzread(gz, doc.s + doc.len, 1 << 16);
		if (got < 0) {
			int zerr;
			const char *msg = gzerror(gz, &zerr);
			yq_buf_printf(err, "cannot read %s: %s", name,
				      zerr == Z_ERRNO ? strerror(errno) : msg);
			rc = YQ_EIO;
			goto out;
		}
		if (got == 0)
			break;
		doc.len += (size_t)got;
		if (doc.len > YQ_FEED_MAX_BYTES) {
			yq_buf_printf(err, "%s: a feed over %u MiB", name, YQ_FEED_MAX_BYTES >> 20);
			rc = YQ_EINVAL;
			goto out;
		}
	}
	rc = yq_feed_parse(doc.s, doc.len, NULL, NULL, cfg->tz, &r->feed, &why);
	if (rc == YQ_EFORMAT || rc == YQ_ETOOBIG) {
		yq_buf_printf(err, "%s: %s", name, why.s);
		rc = YQ_EINVAL;
	}
	if (rc == YQ_OK && !cfg->source && r->feed.link)
		r->source = r->feed.link;
out:
	gzclose(gz);
	yq_buf_release(&why);
	yq_buf_release(&doc);
	return rc;
}

static int next_item(struct yq_reader *r, struct yq_post *p, size_t *line, struct yq_buf *err)
{
	if (r->item >= r->feed.n)
		return YQ_EEOF;
	const struct yq_feed_item *it = &r->feed.items[r->item++];
	*line = r->item;
	memset(p, 0, sizeof(*p));
	if (!*it->title && !*it->text) {
		yq_buf_adds(err, "empty text");
		return YQ_EFORMAT;
	}
	p->id = it->id;
	p->source = r->source;
	p->url = it->link;
	p->author = it->author;
	p->title = *it->title ? it->title : NULL;
	p->text = *it->text ? it->text : NULL;
	p->reposts = p->comments = p->likes = -1;
	p->time = it->time;
	p->time_ok = it->time_ok;
	if (!r->enc_counted) {
		p->bad_utf8 = r->feed.enc.replaced;
		r->enc_counted = 1;
	}
	return YQ_OK;
}

int yq_reader_open(const char *path, const struct yq_reader_config *cfg,
		   struct yq_reader **out, struct yq_buf *err)
{
	int rc;
	struct yq_reader *r = calloc(1, sizeof(*r));
	if (!r)
		return YQ_ENOMEM;
	yq_buf_init(&r->line);
	yq_buf_init(&r->rec);
	yq_buf_init(&r->tmp);
	for (int f = 0; f < F_COUNT; f++) {
		yq_buf_init(&r->val[f]);
		r->col[f] = -1;
	}
	if (cfg->n_extra > YQ_READER_MAX_EXTRA) {
		yq_buf_printf(err, "more than %d extra fields", YQ_READER_MAX_EXTRA);
		rc = YQ_EINVAL;
		goto fail;
	}
	r->xname = cfg->extra;
	r->nx = cfg->n_extra;
	for (size_t k = 0; k < YQ_READER_MAX_EXTRA; k++) {
		yq_buf_init(&r->xval[k]);
		r->xcol[k] = -1;
	}
	r->fmt = !path ? YQ_FMT_JSONL : cfg->format == YQ_FMT_AUTO ? guess_format(path) : cfg->format;
	r->source = cfg->source ? cfg->source : "unknown";
	r->tz = cfg->tz;
	r->now = cfg->now;
	if (r->fmt == YQ_FMT_RSS || r->fmt == YQ_FMT_ATOM) {
		if ((rc = open_feed(r, path, cfg, err)))
			goto fail;
		*out = r;
		return YQ_OK;
	}
	if (cfg->map && (rc = parse_map(r, cfg->map, err)))
		goto fail;
	if (!path) { /* records come through yq_reader_parse_json */
		r->fmt = YQ_FMT_JSONL;
		*out = r;
		return YQ_OK;
	}
	if ((rc = yq_lines_open(path, &r->lines))) {
		yq_buf_printf(err, "cannot open %s: %s", path, strerror(errno));
		goto fail;
	}
	*out = r;
	return YQ_OK;
fail:
	yq_reader_close(r);
	return rc;
}

void yq_reader_close(struct yq_reader *r)
{
	if (!r)
		return;
	yq_lines_close(r->lines);
	yq_feed_release(&r->feed);
	yq_buf_release(&r->line);
	yq_buf_release(&r->rec);
	yq_buf_release(&r->tmp);
	for (int f = 0; f < F_COUNT; f++) {
		yq_buf_release(&r->val[f]);
		free(r->mapped[f]);
	}
	for (size_t k = 0; k < YQ_READER_MAX_EXTRA; k++)
		yq_buf_release(&r->xval[k]);
	free(r);
}

void yq_reader_set_now(struct yq_reader *r, int64_t now)
{
	r->now = now;
}

/* set_val: stores s[0..n) as field f, repairing invalid UTF-8. */
static int set_val(struct yq_reader *r, int f, const char *s, size_t n)
{
	size_t bad = 0;
	yq_buf_reset(&r->val[f]);
	if (yq_utf8_repair(s, n, &r->val[f], &bad))
		return YQ_ENOMEM;
	r->bad_utf8 += bad;
	r->have[f] = 1;
	return YQ_OK;
}

/* set_extra: stores s[0..n) as extra field k (empty: absent). */
static int set_extra(struct yq_reader *r, size_t k, const char *s, size_t n)
{
	size_t bad = 0;
	yq_buf_reset(&r->xval[k]);
	if (yq_utf8_repair(s, n, &r->xval[k], &bad))
		return YQ_ENOMEM;
	r->bad_utf8 += bad;
	r->xout[k] = r->xval[k].len ? r->xval[k].s : NULL;
	return YQ_OK;
}

/* ---- delimited formats ---- */

/* split_tsv: cells of r->rec split on tabs. */
static int split_tsv(struct yq_reader *r)
{
	int n = 0;
	size_t start = 0;
	for (size_t i = 0; i <= r->rec.len; i++) {
		if (i == r->rec.len || r->rec.s[i] == '\t') {
			if (n == MAX_COLS)
				return -1;
			r->cell_off[n] = start;
			r->cell_len[n] = i - start;
			n++;
			start = i + 1;
		}
	}
	return n;
}

/* split_csv: RFC 4180 cells of r->rec, unquoted in place into r->tmp. */
static int split_csv(struct yq_reader *r)
{
	const char *s = r->rec.s;
	size_t n = r->rec.len, i = 0;
	int cells = 0;
	yq_buf_reset(&r->tmp);
	if (yq_buf_grow(&r->tmp, n))
		return -2;
	for (;;) {
		if (cells == MAX_COLS)
			return -1;
		size_t start = r->tmp.len;
		if (i < n && s[i] == '"') {
			i++;
			for (;;) {
				if (i >= n)
					return -1; /* unterminated quote */
				if (s[i] == '"') {
					if (i + 1 < n && s[i + 1] == '"') {
						r->tmp.s[r->tmp.len++] = '"';
						i += 2;
						continue;
					}
					i++;
					break;
				}
				r->tmp.s[r->tmp.len++] = s[i++];
			}
			if (i < n && s[i] != ',')
				return -1;
		} else {
			while (i < n && s[i] != ',')
				r->tmp.s[r->tmp.len++] = s[i++];
		}
		r->cell_off[cells] = start;
		r->cell_len[cells] = r->tmp.len - start;
		cells++;
		if (i >= n)
			break;
		i++; /* the comma */
	}
	r->tmp.s[r->tmp.len] = '\0';
	return cells;
}

/* csv_complete: 1 if r->rec has balanced quotes (the record is whole). */
static int csv_complete(const struct yq_buf *b)
{
	size_t q = 0;
	for (size_t i = 0; i < b->len; i++)
		q += b->s[i] == '"';
	return q % 2 == 0;
}

static const char *cell(struct yq_reader *r, int c)
{
	return (r->fmt == YQ_FMT_CSV ? r->tmp.s : r->rec.s) + r->cell_off[c];
}

static int names_match(const char *a, size_t an, const char *b)
{
	return strlen(b) == an && memcmp(a, b, an) == 0;
}

static int read_header(struct yq_reader *r, struct yq_buf *err)
{
	const char *s = cell(r, 0);
	if (r->cell_len[0] >= 3 && memcmp(s, "\xEF\xBB\xBF", 3) == 0) {
		r->cell_off[0] += 3;
		r->cell_len[0] -= 3;
	}
	for (int f = 0; f < F_COUNT; f++) {
		const char *want[8] = {0};
		int k = 0;
		if (r->mapped[f])
			want[k++] = r->mapped[f];
		else {
			want[k++] = field_names[f];
			for (int a = 0; a < 6 && aliases[f][a]; a++)
				want[k++] = aliases[f][a];
		}
		for (int w = 0; w < k && r->col[f] < 0; w++)
			for (int c = 0; c < r->ncols; c++)
				if (names_match(cell(r, c), r->cell_len[c], want[w])) {
					r->col[f] = c;
					break;
				}
		if (r->mapped[f] && r->col[f] < 0) {
			yq_buf_printf(err, "--map names column '%s', which the header lacks",
				      r->mapped[f]);
			return YQ_EINVAL;
		}
	}
	for (size_t k = 0; k < r->nx; k++) {
		for (int c = 0; c < r->ncols && r->xcol[k] < 0; c++)
			if (names_match(cell(r, c), r->cell_len[c], r->xname[k]))
				r->xcol[k] = c;
		if (r->xcol[k] < 0) {
			yq_buf_printf(err, "the header has no column '%s'", r->xname[k]);
			return YQ_EINVAL;
		}
	}
	if (r->nx == 0 && r->col[F_TEXT] < 0 && r->col[F_TITLE] < 0) {
		yq_buf_printf(err, "the header has no text or title column (use --map text=COLUMN)");
		return YQ_EINVAL;
	}
	return YQ_OK;
}

/* ---- JSON ---- */

/* json_store: stores JSON value v as text through set(r, f, …): a post
 * field (set_val) or an extra field (set_extra). */
static int json_store(struct yq_reader *r, json_t *v, size_t f,
		      int (*set)(struct yq_reader *, size_t, const char *, size_t))
{
	if (!v || json_is_null(v))
		return YQ_OK;
	char num[64];
	if (json_is_string(v))
		return set(r, f, json_string_value(v), json_string_length(v));
	if (json_is_integer(v)) {
		snprintf(num, sizeof num, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
		return set(r, f, num, strlen(num));
	}
	if (json_is_real(v)) {
		snprintf(num, sizeof num, "%.17g", json_real_value(v));
		return set(r, f, num, strlen(num));
	}
	if (json_is_array(v) || json_is_object(v)) {
		char *d = json_dumps(v, JSON_COMPACT);
		if (!d)
			return YQ_ENOMEM;
		int rc = set(r, f, d, strlen(d));
		free(d);
		return rc;
	}
	if (json_is_boolean(v))
		return set(r, f, json_is_true(v) ? "true" : "false", json_is_true(v) ? 4 : 5);
	return YQ_OK;
}

static int set_val_k(struct yq_reader *r, size_t f, const char *s, size_t n)
{
	return set_val(r, (int)f, s, n);
}

static int json_field(struct yq_reader *r, json_t *obj, int f)
{
	json_t *v = NULL;
	if (r->mapped[f])
		v = json_object_get(obj, r->mapped[f]);
	else {
		v = json_object_get(obj, field_names[f]);
		for (int a = 0; !v && a < 6 && aliases[f][a]; a++)
			v = json_object_get(obj, aliases[f][a]);
	}
	return json_store(r, v, (size_t)f, set_val_k);
}

/* ---- the record → struct yq_post ---- */

static int64_t count_of(struct yq_reader *r, int f)
{
	if (!r->have[f] || !r->val[f].len)
		return -1;
	char *end;
	errno = 0;
	long long v = strtoll(r->val[f].s, &end, 10);
	if (errno || end == r->val[f].s || v < 0)
		return -1;
	return v;
}

static const char *str_of(struct yq_reader *r, int f)
{
	return r->have[f] && r->val[f].len ? r->val[f].s : NULL;
}

static int fill_post(struct yq_reader *r, struct yq_post *p, struct yq_buf *err)
{
	memset(p, 0, sizeof(*p));
	p->text = str_of(r, F_TEXT);
	p->title = str_of(r, F_TITLE);
	int blank_text = 1, blank_title = 1;
	for (const char *c = p->text; c && *c; c++)
		if (*c != ' ' && *c != '\t' && *c != '\r' && *c != '\n') {
			blank_text = 0;
			break;
		}
	for (const char *c = p->title; c && *c; c++)
		if (*c != ' ' && *c != '\t') {
			blank_title = 0;
			break;
		}
	if (blank_text && blank_title && !str_of(r, F_PARENT) && r->nx == 0) {
		yq_buf_adds(err, "empty text");
		return YQ_EFORMAT;
	}
	if (blank_text)
		p->text = blank_title ? "" : NULL; /* "": a plain repost (it has a parent) */
	p->source = str_of(r, F_SOURCE) ? str_of(r, F_SOURCE) : r->source;
	p->url = str_of(r, F_URL);
	p->author = str_of(r, F_AUTHOR);
	p->time_raw = str_of(r, F_TIME);
	p->parent = str_of(r, F_PARENT);
	p->location = str_of(r, F_LOCATION);
	p->reposts = count_of(r, F_REPOSTS);
	p->comments = count_of(r, F_COMMENTS);
	p->likes = count_of(r, F_LIKES);
	if (p->time_raw && r->tz &&
	    yq_time_parse(p->time_raw, strlen(p->time_raw), r->now, r->tz, &p->time) == 0)
		p->time_ok = 1;
	p->id = str_of(r, F_ID);
	if (!p->id) {
		struct yq_buf *b = &r->tmp;
		yq_buf_reset(b);
		const char *parts[3] = {p->source, p->time_raw ? p->time_raw : "",
					p->text ? p->text : p->title ? p->title : ""};
		for (int i = 0; i < 3; i++)
			if (yq_buf_adds(b, parts[i]) || yq_buf_addc(b, '\x1f'))
				return YQ_ENOMEM;
		for (size_t k = 0; k < r->nx; k++) /* extras identify a text-less record */
			if ((r->xout[k] && yq_buf_adds(b, r->xout[k])) || yq_buf_addc(b, '\x1f'))
				return YQ_ENOMEM;
		uint64_t h = yq_hash64(b->s, b->len, 0x79757169ULL);
		char id[24];
		snprintf(id, sizeof id, "h%016llx", (unsigned long long)h);
		if (set_val(r, F_ID, id, strlen(id)))
			return YQ_ENOMEM;
		p->id = r->val[F_ID].s;
	}
	p->bad_utf8 = r->bad_utf8;
	p->extra = r->nx ? r->xout : NULL;
	return YQ_OK;
}

/* parse_json: the JSON Lines record in r->line (not blank) → *p. */
static int parse_json(struct yq_reader *r, struct yq_post *p, struct yq_buf *err)
{
	int rc = YQ_OK;
	yq_buf_reset(&r->rec);
	size_t bad = 0;
	if (yq_utf8_repair(r->line.s, r->line.len, &r->rec, &bad))
		return YQ_ENOMEM;
	json_error_t je;
	json_t *obj = json_loadb(r->rec.s, r->rec.len, JSON_DECODE_ANY, &je);
	if (!obj || !json_is_object(obj)) {
		if (obj)
			yq_buf_adds(err, "not a JSON object");
		else
			yq_buf_printf(err, "bad JSON at column %d: %s", je.column, je.text);
		json_decref(obj);
		return YQ_EFORMAT;
	}
	for (int f = 0; f < F_COUNT && rc == 0; f++)
		rc = json_field(r, obj, f);
	for (size_t k = 0; k < r->nx && rc == 0; k++)
		rc = json_store(r, json_object_get(obj, r->xname[k]), k, set_extra);
	json_decref(obj);
	if (rc)
		return rc;
	r->bad_utf8 += bad;
	return fill_post(r, p, err);
}

/* clear_record: forgets the fields of the previous record. */
static void clear_record(struct yq_reader *r)
{
	for (int f = 0; f < F_COUNT; f++)
		r->have[f] = 0;
	for (size_t k = 0; k < r->nx; k++)
		r->xout[k] = NULL;
	r->bad_utf8 = 0;
}

int yq_reader_parse_json(struct yq_reader *r, const char *line, size_t n, struct yq_post *p,
			 struct yq_buf *err)
{
	yq_buf_reset(err);
	if (n > YQ_LINE_MAX) {
		yq_buf_printf(err, "line longer than %u bytes", YQ_LINE_MAX);
		return YQ_EFORMAT;
	}
	yq_buf_reset(&r->line);
	if (yq_buf_add(&r->line, line, n))
		return YQ_ENOMEM;
	clear_record(r);
	size_t i = 0;
	while (i < n && (line[i] == ' ' || line[i] == '\t' || line[i] == '\r'))
		i++;
	if (i == n) {
		yq_buf_adds(err, "blank line");
		return YQ_EFORMAT;
	}
	return parse_json(r, p, err);
}

int yq_reader_next(struct yq_reader *r, struct yq_post *p, size_t *line, struct yq_buf *err)
{
	int rc;
	size_t ln = 0;
	if (r->fmt == YQ_FMT_RSS || r->fmt == YQ_FMT_ATOM) {
		yq_buf_reset(err);
		return next_item(r, p, line, err);
	}
again:
	yq_buf_reset(err);
	rc = yq_lines_next(r->lines, &r->line, &ln);
	*line = ln;
	if (rc == YQ_ETOOBIG) {
		yq_buf_printf(err, "line longer than %u bytes", YQ_LINE_MAX);
		return YQ_EFORMAT;
	}
	if (rc)
		return rc;
	clear_record(r);

	if (r->fmt == YQ_FMT_JSONL) {
		size_t i = 0;
		while (i < r->line.len && (r->line.s[i] == ' ' || r->line.s[i] == '\t'))
			i++;
		if (i == r->line.len)
			goto again; /* blank line */
		return parse_json(r, p, err);
	}

	/* TSV / CSV: assemble a whole record (CSV quotes may span lines). */
	yq_buf_reset(&r->rec);
	if (yq_buf_add(&r->rec, r->line.s, r->line.len))
		return YQ_ENOMEM;
	if (r->fmt == YQ_FMT_CSV) {
		int extra = 0;
		while (!csv_complete(&r->rec)) {
			size_t ln2;
			rc = yq_lines_next(r->lines, &r->line, &ln2);
			if (rc == YQ_EEOF || ++extra > MAX_RECORD_LINES) {
				yq_buf_adds(err, "unterminated quoted field");
				return YQ_EFORMAT;
			}
			if (rc)
				return rc;
			if (yq_buf_addc(&r->rec, '\n') || yq_buf_add(&r->rec, r->line.s, r->line.len))
				return YQ_ENOMEM;
		}
	}
	if (!r->header_done && r->rec.len == 0)
		goto again;
	if (r->header_done && r->rec.len == 0)
		goto again;
	int n = r->fmt == YQ_FMT_CSV ? split_csv(r) : split_tsv(r);
	if (n == -2)
		return YQ_ENOMEM;
	if (!r->header_done) {
		if (n < 0) {
			yq_buf_adds(err, "malformed header line");
			return YQ_EINVAL;
		}
		r->ncols = n;
		r->header_done = 1;
		if ((rc = read_header(r, err)))
			return rc;
		goto again;
	}
	if (n < 0) {
		yq_buf_adds(err, "malformed record (quotes or too many columns)");
		return YQ_EFORMAT;
	}
	if (n != r->ncols) {
		yq_buf_printf(err, "%d columns where the header has %d", n, r->ncols);
		return YQ_EFORMAT;
	}
	for (int f = 0; f < F_COUNT; f++)
		if (r->col[f] >= 0 && (rc = set_val(r, f, cell(r, r->col[f]), r->cell_len[r->col[f]])))
			return rc;
	for (size_t k = 0; k < r->nx; k++)
		if ((rc = set_extra(r, k, cell(r, r->xcol[k]), r->cell_len[r->xcol[k]])))
			return rc;
	return fill_post(r, p, err);
}
