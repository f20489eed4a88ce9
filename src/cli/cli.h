/*
 * cli.h — what the subcommands share: the error-line format of CLI.md
 * ("yuqing: CMD: what went wrong (where)"), exit codes, and option helpers.
 *
 * Each subcommand lives in cli/cmd_<name>.c as
 *   int yq_cmd_<name>(int argc, char **argv)
 * where argv[0] is the subcommand's name; it returns the exit status:
 * 0 success, 1 runtime error, 2 bad usage.
 */
#ifndef YQ_CLI_H
#define YQ_CLI_H

#include <stdio.h>

enum { YQ_EXIT_OK = 0, YQ_EXIT_RUNTIME = 1, YQ_EXIT_USAGE = 2 };

/* yq_cli_err: prints "yuqing: CMD: <message>\n" to stderr. */
void yq_cli_err(const char *cmd, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* yq_cli_usage: prints the usage line and "try 'yuqing help CMD'" to
 * stderr and returns YQ_EXIT_USAGE. */
int yq_cli_usage(const char *cmd, const char *usage);

struct yq_segmenter;
/* yq_cli_segmenter: the pipeline's segmenter (yq_segmenter_new_analysis:
 * jieba's dictionary plus the gazetteer's place names) for command cmd; a
 * missing default gazetteer is a "note:" line on stderr, a load failure an
 * error line.  0 or a YQ_E* code; *out is freed with yq_segmenter_free.
 * Implemented in cmd_segment.c. */
int yq_cli_segmenter(const char *cmd, struct yq_segmenter **out);

/* Subcommands (cli/cmd_*.c). */
int yq_cmd_segment(int argc, char **argv);
int yq_cmd_normalize(int argc, char **argv);
int yq_cmd_parse_time(int argc, char **argv);
int yq_cmd_dedup(int argc, char **argv);
int yq_cmd_cluster(int argc, char **argv);
int yq_cmd_replay(int argc, char **argv);
int yq_cmd_search(int argc, char **argv);
int yq_cmd_train(int argc, char **argv);
int yq_cmd_classify(int argc, char **argv);
int yq_cmd_label(int argc, char **argv);
int yq_cmd_fetch(int argc, char **argv);
int yq_cmd_match(int argc, char **argv);
int yq_cmd_scheme(int argc, char **argv);
int yq_cmd_alerts(int argc, char **argv);
int yq_cmd_serve(int argc, char **argv);
int yq_cmd_user(int argc, char **argv);
int yq_cmd_audit(int argc, char **argv);
int yq_cmd_cases(int argc, char **argv);
int yq_cmd_messages(int argc, char **argv);
int yq_cmd_stats(int argc, char **argv);

struct sqlite3;
/* yq_cli_auth_db: opens the database at path for the user and audit
 * commands (busy timeout 5 s, foreign keys; read-write: WAL, and the auth
 * and audit tables created if missing; readonly: nothing created).  Errors
 * are reported as lines for cmd; 0 or YQ_EDB.  Implemented in cmd_user.c. */
int yq_cli_auth_db(const char *cmd, const char *path, int readonly, struct sqlite3 **out);

#endif
