/*
 * input.h — the post-reading options every stream command shares
 * (--format, --map, --tz, --source, --strict) and the loop that reads
 * posts from FILE… and reports bad records as CLI.md says:
 *   yuqing: CMD: FILE:LINE: reason (skipped)
 */
#ifndef YQ_CLI_INPUT_H
#define YQ_CLI_INPUT_H

#include <stdint.h>

#include "collect/reader.h"

struct yq_input {
	const char *cmd;
	struct yq_reader_config rc;
	const char *tzname;
	struct yq_tz *tz;
	int strict;
	/* counts */
	uint64_t read;        /* posts returned to the callback */
	uint64_t bad;         /* records skipped */
	uint64_t empty;       /* of which: empty text */
	uint64_t bad_utf8;    /* U+FFFD replacements */
	uint64_t time_bad;    /* posts whose time was missing or unreadable */
	int stop;             /* set by the callback or a signal to stop early */
};

/* yq_input_init: defaults (Asia/Shanghai, format from the file name). */
void yq_input_init(struct yq_input *in, const char *cmd);

/*
 * yq_input_option: if argv[*i] is one of the shared options, consumes it
 * (and its value) and returns 1; returns 0 if it is not one; returns -1
 * after printing a usage error (a missing value).
 */
int yq_input_option(struct yq_input *in, int argc, char **argv, int *i);

/* yq_input_open_tz: opens the --tz zone; prints the error and returns
 * YQ_EINVAL for an unknown zone. */
int yq_input_open_tz(struct yq_input *in);

/*
 * yq_input_run: reads every post of files[0..n) ("-" when n is 0) and
 * calls fn(post, ctx) for each; fn returns 0 to go on, or an error that
 * ends the run.  Returns 0, the first error of fn, YQ_EIO for an unreadable
 * file (reported; the other files are still read, the error is returned at
 * the end), or YQ_EFORMAT under --strict after the first bad record.
 */
int yq_input_run(struct yq_input *in, char **files, int n,
		 int (*fn)(const struct yq_post *post, void *ctx), void *ctx);

void yq_input_release(struct yq_input *in);

struct yq_pipeline_config;

/*
 * yq_pipeline_option: the analysis options shared by replay and cluster:
 * --bucket DUR, --close-after DUR, --min-count N, --threshold X,
 * --link-threshold X.  Returns
 * 1 (consumed), 0 (not one of them) or -1 (bad value, reported).
 */
int yq_pipeline_option(struct yq_pipeline_config *cfg, const char *cmd, int argc, char **argv,
		       int *i);

/* yq_parse_duration: "90", "90s", "10m", "1h", "1d" → seconds; -1 if bad. */
int64_t yq_parse_duration(const char *s);

#endif
