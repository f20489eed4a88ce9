/*
 * lines.c — line reader over zlib's gzFile (gzip or plain, file or stdin).
 * See lines.h.  The reader keeps one 256 KiB block buffer and scans it with
 * memchr; a line spanning blocks is assembled in the caller's buffer.
 */
#include "collect/lines.h"
#include "base/error.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#define BLOCK (256u << 10)

struct yq_lines {
	gzFile gz;
	char *blk;
	size_t pos, end;
	size_t lineno;
	int eof;
};

int yq_lines_open(const char *path, struct yq_lines **out)
{
	struct yq_lines *l = calloc(1, sizeof(*l));
	if (!l)
		return YQ_ENOMEM;
	l->blk = malloc(BLOCK);
	if (!l->blk) {
		free(l);
		return YQ_ENOMEM;
	}
	if (strcmp(path, "-") == 0) {
		int fd = dup(0);
		l->gz = fd >= 0 ? gzdopen(fd, "rb") : NULL;
	} else {
		l->gz = gzopen(path, "rb");
	}
	if (!l->gz) {
		int e = errno;
		free(l->blk);
		free(l);
		errno = e ? e : EIO;
		return YQ_EIO;
	}
	gzbuffer(l->gz, 128u << 10);
	*out = l;
	return YQ_OK;
}

void yq_lines_close(struct yq_lines *l)
{
	if (!l)
		return;
	gzclose(l->gz);
	free(l->blk);
	free(l);
}

static int refill(struct yq_lines *l)
{
	if (l->eof)
		return 0;
	int n = gzread(l->gz, l->blk, BLOCK);
	if (n < 0) {
		l->eof = 1;
		return YQ_EIO;
	}
	if (n == 0) {
		int err;
		gzerror(l->gz, &err);
		l->eof = 1;
		if (err != Z_OK && err != Z_BUF_ERROR)
			return YQ_EIO;
		return 0;
	}
	l->pos = 0;
	l->end = (size_t)n;
	return n;
}

int yq_lines_next(struct yq_lines *l, struct yq_buf *line, size_t *lineno)
{
	int toobig = 0, got = 0;
	yq_buf_reset(line);
	for (;;) {
		if (l->pos == l->end) {
			int n = refill(l);
			if (n < 0)
				return n;
			if (n == 0)
				break;
		}
		char *start = l->blk + l->pos;
		char *nl = memchr(start, '\n', l->end - l->pos);
		size_t take = nl ? (size_t)(nl - start) : l->end - l->pos;
		got = 1;
		if (!toobig) {
			if (line->len + take > YQ_LINE_MAX) {
				toobig = 1;
				yq_buf_reset(line);
			} else if (yq_buf_add(line, start, take)) {
				return YQ_ENOMEM;
			}
		}
		l->pos += take;
		if (nl) {
			l->pos++;
			l->lineno++;
			goto done;
		}
	}
	if (!got)
		return YQ_EEOF;
	l->lineno++;
done:
	if (lineno)
		*lineno = l->lineno;
	if (toobig)
		return YQ_ETOOBIG;
	if (line->len && line->s[line->len - 1] == '\r')
		line->s[--line->len] = '\0';
	return YQ_OK;
}
