/*
 * lines.h — reading input line by line from files, gzip files or stdin.
 *
 * zlib's gzread reads gzip and plain files alike, so "x.jsonl.gz", "x.tsv"
 * and "-" (stdin) all go through one reader.  Line ends: LF, with a CR
 * before it removed (CRLF files).  A line longer than the cap (8 MiB) is
 * reported as YQ_ETOOBIG and skipped, and reading goes on with the next.
 */
#ifndef YQ_LINES_H
#define YQ_LINES_H

#include <stddef.h>

#include "base/buf.h"

struct yq_lines;

#define YQ_LINE_MAX (8u << 20)

/* yq_lines_open: path "-" is stdin.  Errors: YQ_EIO (errno kept), YQ_ENOMEM. */
int yq_lines_open(const char *path, struct yq_lines **out);
void yq_lines_close(struct yq_lines *l);

/*
 * yq_lines_next: reads the next line into line (reset first, no line end).
 * Returns 0, YQ_EEOF at the end, YQ_ETOOBIG for an over-long line (the line
 * is skipped; call again), YQ_EIO on a read error (also for a corrupt gzip
 * stream), YQ_ENOMEM.  *lineno (1-based) is the number of the line returned.
 */
int yq_lines_next(struct yq_lines *l, struct yq_buf *line, size_t *lineno);

#endif
