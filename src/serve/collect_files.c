/*
 * collect_files.c — the file collector: configured files and directories,
 * followed as they grow, their posts queued for the writer.
 *
 * Two ways to read a file, by its name:
 *   *.jsonl, *.json (plain)   tailed: every poll reads what was appended
 *                             after the offset, complete lines only (a line
 *                             still being written waits for its newline);
 *                             the checkpoint is the byte offset after the
 *                             last line queued
 *   anything else (.gz, .tsv, read once, whole, when complete: its size
 *   .csv, .rss/.xml, .atom)   and mtime unchanged for file_settle seconds;
 *                             the checkpoint is the last record's line
 *                             number (records at or before it are skipped
 *                             on a resume), then "done"
 * A bad record becomes a checkpoint-only item, so the offset still moves
 * past it and it is counted as rejected for its source.  Checkpoints are
 * read from serve_offsets when a file is first seen, on this thread's own
 * read-only connection; they are written by the writer with the posts.
 * A plain file that shrinks below its offset was truncated or replaced:
 * it is read again from the start (its posts already stored are skipped by
 * their identity).  Directories are listed at every poll, files in name
 * order; at most MAX_FILES files are followed.
 */
#include "base/error.h"
#include "collect/lines.h"
#include "serve/internal.h"
#include "store/query.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define MAX_FILES 10000
#define CHUNK (1u << 20)

struct tail {
	int src;
	char *path;
	int plain;           /* tailed JSON Lines */
	int64_t offset;      /* bytes (plain) or records */
	int done;            /* complete formats: read */
	off_t last_size;     /* complete formats: size at the last poll */
	time_t last_mtime;
};

struct files {
	struct yq_daemon *d;
	sqlite3 *db;
	struct tail *t;
	size_t n, cap;
	struct yq_buf chunk, err;
	struct yq_tz *tz;
};

int yq_serve_has_files(const struct yq_serve_config *cfg)
{
	for (size_t i = 0; i < cfg->nsources; i++)
		if (cfg->sources[i].kind == YQ_SOURCE_FILE || cfg->sources[i].kind == YQ_SOURCE_DIR)
			return 1;
	return 0;
}

static int ends_with(const char *s, const char *suf)
{
	size_t n = strlen(s), k = strlen(suf);
	return n >= k && strcmp(s + n - k, suf) == 0;
}

static int is_plain_jsonl(const char *path, const char *format)
{
	if (format)
		return !strcmp(format, "jsonl") && !ends_with(path, ".gz");
	return ends_with(path, ".jsonl") || ends_with(path, ".json");
}

/* readable: a directory entry the collector reads. */
static int readable(const char *name)
{
	static const char *const suf[] = {".jsonl", ".json", ".tsv", ".csv", ".rss", ".xml", ".atom"};
	char base[512];
	if (name[0] == '.')
		return 0;
	snprintf(base, sizeof base, "%s", name);
	if (ends_with(base, ".gz"))
		base[strlen(base) - 3] = 0;
	for (size_t i = 0; i < sizeof suf / sizeof suf[0]; i++)
		if (ends_with(base, suf[i]))
			return 1;
	return 0;
}

static struct tail *find_or_add(struct files *f, int src, const char *path)
{
	for (size_t i = 0; i < f->n; i++)
		if (f->t[i].src == src && !strcmp(f->t[i].path, path))
			return &f->t[i];
	if (f->n == MAX_FILES)
		return NULL;
	if (f->n == f->cap) {
		size_t cap = f->cap ? 2 * f->cap : 16;
		struct tail *n = realloc(f->t, cap * sizeof(*n));
		if (!n)
			return NULL;
		f->t = n;
		f->cap = cap;
	}
	struct tail *t = &f->t[f->n];
	memset(t, 0, sizeof(*t));
	t->src = src;
	if (!(t->path = strdup(path)))
		return NULL;
	const struct yq_serve_source *s = &f->d->cfg->sources[src];
	t->plain = is_plain_jsonl(path, s->format);
	if (yq_query_offset_get(f->db, s->name, path, &t->offset, &t->done)) {
		yq_serve_log("%s: reading its checkpoint: %s", path, sqlite3_errmsg(f->db));
		free(t->path);
		return NULL;
	}
	f->n++;
	return t;
}

static struct yq_reader *new_reader(struct files *f, const struct yq_serve_source *s,
				    const char *path)
{
	struct yq_reader *r = NULL;
	struct yq_reader_config rc = {0};
	rc.source = s->name;
	rc.map = s->map;
	rc.tz = f->tz;
	rc.now = (int64_t)time(NULL);
	if (s->format) {
		static const struct {
			const char *n;
			enum yq_format f;
		} fm[] = {{"jsonl", YQ_FMT_JSONL}, {"tsv", YQ_FMT_TSV}, {"csv", YQ_FMT_CSV},
			  {"rss", YQ_FMT_RSS},     {"atom", YQ_FMT_ATOM}};
		for (size_t i = 0; i < sizeof fm / sizeof fm[0]; i++)
			if (!strcmp(fm[i].n, s->format))
				rc.format = fm[i].f;
	}
	yq_buf_reset(&f->err);
	if (yq_reader_open(path, &rc, &r, &f->err)) {
		yq_serve_log("%s: %s", path ? path : s->name, f->err.s);
		yq_metrics_add(f->d->m, YQ_M_ERR_COLLECT, 1);
		return NULL;
	}
	return r;
}

/* queue_record: a post read (rc 0) or a bad record (YQ_EFORMAT, err)
 * at where, with the checkpoint after it.  0, YQ_EEOF (stopping), YQ_ENOMEM. */
static int queue_record(struct files *f, struct tail *t, int rc, const struct yq_post *post,
			const char *where_fmt, int64_t where, int64_t after)
{
	struct yq_item *it;
	if (rc == YQ_OK) {
		it = yq_item_new(post, t->src, t->path, after);
	} else {
		char w[64];
		snprintf(w, sizeof w, where_fmt, (long long)where);
		yq_serve_log("%s:%s: %s (skipped)", t->path, w, f->err.s);
		it = yq_item_new(NULL, t->src, t->path, after);
		if (it)
			it->rejected = 1;
	}
	if (!it)
		return YQ_ENOMEM;
	return yq_serve_push_item(f->d, it);
}

/* tail_plain: queues the complete lines appended after t->offset. */
static void tail_plain(struct files *f, struct tail *t)
{
	const struct yq_serve_source *s = &f->d->cfg->sources[t->src];
	struct stat sb;
	struct yq_reader *r = NULL;
	size_t want = CHUNK;
	int fd = -1;
	if (stat(t->path, &sb))
		return; /* not there (yet) */
	if (sb.st_size < t->offset) {
		yq_serve_log("%s: shorter than its checkpoint (%lld < %lld): read again from the start",
			     t->path, (long long)sb.st_size, (long long)t->offset);
		t->offset = 0;
	}
	if (sb.st_size == t->offset)
		return;
	if ((fd = open(t->path, O_RDONLY | O_CLOEXEC)) < 0) {
		yq_serve_log("%s: open: %s", t->path, strerror(errno));
		yq_metrics_add(f->d->m, YQ_M_ERR_COLLECT, 1);
		goto out;
	}
	if (!(r = new_reader(f, s, NULL)))
		goto out;
	while (!atomic_load(&f->d->stopping)) {
		size_t asked = want;
		yq_buf_reset(&f->chunk);
		if (yq_buf_grow(&f->chunk, want))
			goto out;
		ssize_t k = pread(fd, f->chunk.s, want, (off_t)t->offset);
		if (k < 0) {
			yq_serve_log("%s: read: %s", t->path, strerror(errno));
			yq_metrics_add(f->d->m, YQ_M_ERR_COLLECT, 1);
			goto out;
		}
		if (k == 0)
			break;
		const char *c = f->chunk.s;
		size_t start = 0, used = 0;
		for (size_t i = 0; i < (size_t)k; i++) {
			if (c[i] != '\n')
				continue;
			size_t end = i;
			if (end > start && c[end - 1] == '\r')
				end--;
			size_t ls = start;
			start = used = i + 1;
			int blank = 1;
			for (size_t j = ls; j < end && blank; j++)
				blank = c[j] == ' ' || c[j] == '\t';
			int64_t at = t->offset + (int64_t)ls, after = t->offset + (int64_t)used;
			int rc;
			if (blank) {
				struct yq_item *it = yq_item_new(NULL, t->src, t->path, after);
				rc = it ? yq_serve_push_item(f->d, it) : YQ_ENOMEM;
			} else {
				struct yq_post post;
				rc = yq_reader_parse_json(r, c + ls, end - ls, &post, &f->err);
				if (rc == YQ_ENOMEM)
					goto out;
				rc = queue_record(f, t, rc, &post, "byte %lld", at, after);
			}
			if (rc) { /* stopping or out of memory: what was queued is counted */
				t->offset += (int64_t)(rc == YQ_EEOF ? ls : used);
				goto out;
			}
		}
		if (!used) {
			if ((size_t)k < want)
				break; /* a line still being written */
			if (want <= YQ_LINE_MAX) { /* a long line: read more of it */
				want *= 2;
				continue;
			}
			/* a line over the cap: its bytes so far are skipped (rejected);
			 * the rest of it is read as a bad record of its own */
			yq_buf_reset(&f->err);
			yq_buf_printf(&f->err, "line longer than %u bytes", YQ_LINE_MAX);
			if (queue_record(f, t, YQ_EFORMAT, NULL, "byte %lld", t->offset,
					 t->offset + k))
				goto out;
			used = (size_t)k;
		}
		t->offset += (int64_t)used;
		want = CHUNK;
		if ((size_t)k < asked)
			break; /* the end of what is written */
	}
out:
	yq_reader_close(r);
	if (fd >= 0)
		close(fd);
}

/* read_complete: a whole file of another format, once it has settled. */
static void read_complete(struct files *f, struct tail *t)
{
	const struct yq_serve_source *s = &f->d->cfg->sources[t->src];
	struct stat sb;
	if (t->done || stat(t->path, &sb))
		return;
	time_t now = time(NULL);
	int settled = sb.st_size == t->last_size && sb.st_mtime == t->last_mtime &&
		      now - sb.st_mtime >= f->d->cfg->file_settle;
	t->last_size = sb.st_size;
	t->last_mtime = sb.st_mtime;
	if (!settled)
		return;
	struct yq_reader *r = new_reader(f, s, t->path);
	if (!r) {
		t->done = 1; /* reported; not retried until a restart */
		return;
	}
	size_t line = 0;
	int64_t last = t->offset;
	for (;;) {
		struct yq_post post;
		int rc = yq_reader_next(r, &post, &line, &f->err);
		if (rc == YQ_EEOF)
			break;
		if (rc == YQ_ENOMEM || rc == YQ_EINVAL || rc == YQ_EIO) {
			yq_serve_log("%s:%zu: %s", t->path, line,
				     f->err.len ? f->err.s : yq_strerror(rc));
			yq_metrics_add(f->d->m, YQ_M_ERR_COLLECT, 1);
			break;
		}
		if ((int64_t)line <= t->offset)
			continue; /* stored before the checkpoint */
		if (queue_record(f, t, rc, &post, "%lld", (long long)line, (int64_t)line))
			goto out; /* stopping: resumes from the last commit */
		last = (int64_t)line;
	}
	struct yq_item *it = yq_item_new(NULL, t->src, t->path, last);
	if (it) {
		it->ckpt_done = 1;
		if (yq_serve_push_item(f->d, it) == YQ_OK)
			t->done = 1;
	}
out:
	yq_reader_close(r);
}

static void poll_source(struct files *f, int src)
{
	const struct yq_serve_source *s = &f->d->cfg->sources[src];
	if (s->kind == YQ_SOURCE_FILE) {
		struct tail *t = find_or_add(f, src, s->path);
		if (t && t->plain)
			tail_plain(f, t);
		else if (t)
			read_complete(f, t);
		return;
	}
	DIR *dir = opendir(s->path);
	if (!dir)
		return; /* not there (yet) */
	struct dirent *e;
	char **names = NULL;
	size_t n = 0, cap = 0;
	while ((e = readdir(dir)) && n < MAX_FILES) {
		if (!readable(e->d_name))
			continue;
		if (n == cap) {
			cap = cap ? 2 * cap : 64;
			char **nn = realloc(names, cap * sizeof(*nn));
			if (!nn)
				break;
			names = nn;
		}
		if (!(names[n] = malloc(strlen(s->path) + strlen(e->d_name) + 2)))
			break;
		sprintf(names[n], "%s/%s", s->path, e->d_name);
		n++;
	}
	closedir(dir);
	for (size_t i = 1; i < n; i++) /* name order */
		for (size_t j = i; j > 0 && strcmp(names[j - 1], names[j]) > 0; j--) {
			char *x = names[j];
			names[j] = names[j - 1];
			names[j - 1] = x;
		}
	for (size_t i = 0; i < n && !atomic_load(&f->d->stopping); i++) {
		struct tail *t = find_or_add(f, src, names[i]);
		if (t && t->plain)
			tail_plain(f, t);
		else if (t)
			read_complete(f, t);
	}
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
}

void *yq_serve_files_main(void *arg)
{
	struct yq_daemon *d = arg;
	struct files f = {0};
	struct yq_buf err = YQ_BUF_INIT;
	f.d = d;
	yq_buf_init(&f.chunk);
	yq_buf_init(&f.err);
	if (yq_query_open(d->cfg->db, 1, NULL, &f.db, &err) || yq_tz_open(d->cfg->tz, &f.tz)) {
		yq_serve_log("file collector: %s", err.len ? err.s : "cannot open the time zone");
		yq_metrics_add(d->m, YQ_M_ERR_COLLECT, 1);
		goto out;
	}
	do {
		for (size_t i = 0; i < d->cfg->nsources && !atomic_load(&d->stopping); i++)
			if (d->cfg->sources[i].kind == YQ_SOURCE_FILE ||
			    d->cfg->sources[i].kind == YQ_SOURCE_DIR)
				poll_source(&f, (int)i);
	} while (!yq_serve_sleep_ms(d, d->cfg->file_poll_ms));
out:
	for (size_t i = 0; i < f.n; i++)
		free(f.t[i].path);
	free(f.t);
	sqlite3_close(f.db);
	yq_tz_free(f.tz);
	yq_buf_release(&f.chunk);
	yq_buf_release(&f.err);
	yq_buf_release(&err);
	return NULL;
}
