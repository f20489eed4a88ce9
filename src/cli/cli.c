/* cli.c — error lines and usage messages shared by the subcommands. */
#include "cli/cli.h"

#include <stdarg.h>

void yq_cli_err(const char *cmd, const char *fmt, ...)
{
	va_list ap;
	fprintf(stderr, "yuqing: %s: ", cmd);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

int yq_cli_usage(const char *cmd, const char *usage)
{
	fprintf(stderr, "usage: yuqing %s %s\ntry 'yuqing help %s'\n", cmd, usage, cmd);
	return YQ_EXIT_USAGE;
}
