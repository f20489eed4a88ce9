/*
 * reader.h — posts from recorded streams: JSON Lines, TSV, CSV, and RSS /
 * Atom feed documents (plain or gzip, a file or stdin), as CLI.md's "Post"
 * describes.
 *
 * Field names: a post field is read from the input field of the same name,
 * else from a field named in --map (post_field=column), else from a common
 * alias (time: date, created_at, created_at_utc, pubdate; text: content,
 * body, 正文, 内容; title: 标题; author: userid, user_id, user, screen_name;
 * id: mid, tweet_id).  TSV and CSV take their column names from the header
 * line; CSV follows RFC 4180 (quoted fields may hold commas, quotes and
 * newlines) and a UTF-8 BOM is skipped.
 *
 * Bad records: a malformed line (JSON syntax, a wrong column count, a post
 * with neither text nor title) is returned as YQ_EFORMAT with the reason and
 * its line number; the caller reports it and goes on.  A record with no text
 * but a parent is a plain repost, not an error: it is returned with text ""
 * (it still counts for its cascade).  Invalid UTF-8 is
 * repaired (U+FFFD) and counted in bad_utf8.  A time that is missing or
 * unreadable leaves time_ok 0.
 *
 * Identity: a missing id becomes "h" + 16 hex digits of a hash of (source,
 * time as written, text), so reading the same input twice, or from two
 * files, yields the same id.
 *
 * Feeds (YQ_FMT_RSS / YQ_FMT_ATOM, one parser for both: collect/feed.h):
 * the whole file (at most YQ_FEED_MAX_BYTES after gunzip) is parsed when it
 * is opened, in any charset (collect/decode.h); its items come out one by
 * one as posts: id = the item's identity (guid / atom:id / link / hash),
 * url = link, title, text, author, time.  source is --source, else the
 * feed's own link, else "unknown".  --map does not apply (feed elements
 * are fixed).  The "line" of a feed record is its item's position (1-based).
 * Charset replacements are counted in the first returned post's bad_utf8.
 */
#ifndef YQ_READER_H
#define YQ_READER_H

#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"
#include "collect/ptime.h"

enum yq_format { YQ_FMT_AUTO = 0, YQ_FMT_JSONL, YQ_FMT_TSV, YQ_FMT_CSV, YQ_FMT_RSS, YQ_FMT_ATOM };

/* One post as read.  Strings are NUL-terminated, owned by the reader and
 * valid until the next yq_reader_next(); NULL when absent. */
struct yq_post {
	const char *id;
	const char *source;
	const char *url;
	const char *author;
	const char *time_raw;
	const char *title;
	const char *text;
	const char *parent;
	const char *location;
	int64_t reposts, comments, likes; /* -1 when absent */
	int64_t time;                     /* Unix seconds when time_ok */
	int time_ok;
	size_t bad_utf8;                  /* U+FFFD replacements in this record */
	const char *const *extra;         /* values of cfg->extra[0..n_extra), each
					   * NULL when absent or empty; NULL when
					   * no extra fields were asked for */
};

struct yq_reader_config {
	enum yq_format format;       /* AUTO: from the file name (.jsonl/.json, .tsv, .csv, .rss/.xml,
				      * .atom, with .gz) */
	const char *map;             /* "post_field=column,…" or NULL */
	const char *source;          /* source when a record names none; NULL: "unknown" */
	struct yq_tz *tz;            /* zone for times without an offset (borrowed) */
	int64_t now;                 /* reference for relative times (Unix seconds) */
	/* Extra input fields (JSON keys or header columns, matched verbatim,
	 * no aliases) returned in post.extra, e.g. a label for `train`.  When
	 * n_extra > 0 a record needs neither text nor title (the caller checks
	 * what it needs), and a TSV/CSV header lacking one of them is
	 * YQ_EINVAL.  At most YQ_READER_MAX_EXTRA; the names are borrowed.
	 * Feed items (RSS/Atom) have no extra fields (all NULL). */
	const char *const *extra;
	size_t n_extra;
};

#define YQ_READER_MAX_EXTRA 16

struct yq_reader;

/*
 * yq_reader_open: opens path ("-" is stdin); path NULL makes a reader with
 * no input whose records are given one at a time to yq_reader_parse_json
 * (the daemon's HTTP push and file tails).  Errors: YQ_EIO (cannot open
 * or read), YQ_EINVAL (bad map or format, a feed file that is no feed or
 * over the cap; message in err), YQ_ENOMEM.
 */
int yq_reader_open(const char *path, const struct yq_reader_config *cfg,
		   struct yq_reader **out, struct yq_buf *err);
void yq_reader_close(struct yq_reader *r);

/*
 * yq_reader_next: the next post.  Returns 0 with *p filled; YQ_EEOF at the
 * end; YQ_EFORMAT for a bad record (err = reason, *line = its line; call
 * again for the next); YQ_EINVAL when the header of a TSV/CSV file is
 * unusable (message in err; the file cannot be read); YQ_EIO for a read
 * error (the stream ends); YQ_ENOMEM.  *line is always the (first) line number of the record.
 */
int yq_reader_next(struct yq_reader *r, struct yq_post *p, size_t *line, struct yq_buf *err);

/*
 * yq_reader_parse_json: one JSON Lines record line[0..n) (no line end) →
 * *p, with r's field mapping, aliases, source, zone and id rules, exactly
 * as yq_reader_next reads a line of a .jsonl file.  Strings of *p are
 * valid until the next call on r.  Returns 0, YQ_EFORMAT (a blank line,
 * bad JSON, no text; reason in err, at most YQ_LINE_MAX bytes), YQ_ENOMEM.
 * Do not mix with yq_reader_next on a file reader's pending record.
 */
int yq_reader_parse_json(struct yq_reader *r, const char *line, size_t n, struct yq_post *p,
			 struct yq_buf *err);

/* yq_reader_set_now: updates the reference time for relative times (the
 * replay sets it to the stream time). */
void yq_reader_set_now(struct yq_reader *r, int64_t now);

#endif
