/*
 * main.c — the yuqing binary: subcommand dispatch only.
 *
 * Each subcommand parses its own options (cli/cmd_*.c).  This file maps the
 * name to the function and answers `yuqing help CMD` and `yuqing CMD --help`.
 */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"

struct command {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *summary;
	const char *help;
};

static const struct command commands[] = {
	{"segment", yq_cmd_segment, "segment Chinese text into words (jieba 0.42.1)",
	 "usage: yuqing segment [--no-hmm] [--dict F] [--user-dict F]... [FILE...]\n"
	 "\n"
	 "Reads UTF-8 lines from the FILEs (gzip or plain; '-' or none: stdin) and\n"
	 "writes each line's words joined by one space, one output line per input\n"
	 "line.  The default output is Python jieba 0.42.1's jieba.cut(line)\n"
	 "token for token, whitespace tokens included.\n"
	 "\n"
	 "  --no-hmm         no HMM for unknown words (jieba.cut(line, HMM=False))\n"
	 "  --dict F         replace the main dictionary: lines 'word [freq] [pos]';\n"
	 "                   a word without a frequency gets 3 (dict.txt's median)\n"
	 "  --user-dict F    add words like jieba.load_userdict (repeatable);\n"
	 "                   a missing frequency is jieba's suggest_freq(word)\n"
	 "\n"
	 "Invalid UTF-8 is replaced by U+FFFD and counted on stderr; a line over\n"
	 "8 MiB is reported and written as an empty line.  The dictionary and HMM\n"
	 "come from $YQ_JIEBA_DIR (default: Debian's python3-jieba directory).\n"},
	{"normalize", yq_cmd_normalize, "lines -> normalized lines (HTML, NFKC, t2s, spaces)",
	 "usage: yuqing normalize [--map] [FILE...]\n"
	 "\n"
	 "Reads lines (plain or gzip files; '-' or no FILE: stdin) and prints each\n"
	 "one normalized: HTML tags removed and entities decoded, zero-width, bidi\n"
	 "and control characters removed, Unicode NFKC (full-width to half-width),\n"
	 "traditional to simplified Chinese (OpenCC t2s), whitespace collapsed.\n"
	 "One output line per input line; invalid UTF-8 is replaced by U+FFFD and\n"
	 "counted on stderr.\n"
	 "\n"
	 "  --map   append a tab and, for each code point of the normalized line,\n"
	 "          its code-point offset in the input line, then the input length\n"},
	/* {"parse-time", ...}, {"dedup", ...}, {"cluster", ...}, {"replay", ...} */
	{NULL, NULL, NULL, NULL},
};

static void list_commands(FILE *f)
{
	fprintf(f, "usage: yuqing COMMAND [OPTIONS] [FILE...]\n\ncommands:\n");
	for (const struct command *c = commands; c->name; c++)
		fprintf(f, "  %-12s %s\n", c->name, c->summary);
	fprintf(f, "\n'yuqing help COMMAND' or 'yuqing COMMAND --help' describes one.\n");
}

static const struct command *find(const char *name)
{
	for (const struct command *c = commands; c->name; c++)
		if (strcmp(c->name, name) == 0)
			return c;
	return NULL;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		list_commands(stderr);
		return YQ_EXIT_USAGE;
	}
	const char *name = argv[1];
	if (strcmp(name, "help") == 0 || strcmp(name, "--help") == 0 || strcmp(name, "-h") == 0) {
		if (argc < 3) {
			list_commands(stdout);
			return YQ_EXIT_OK;
		}
		const struct command *c = find(argv[2]);
		if (!c) {
			fprintf(stderr, "yuqing: help: no such command '%s'\n", argv[2]);
			return YQ_EXIT_USAGE;
		}
		fputs(c->help, stdout);
		return YQ_EXIT_OK;
	}
	const struct command *c = find(name);
	if (!c) {
		fprintf(stderr, "yuqing: no such command '%s'\n", name);
		list_commands(stderr);
		return YQ_EXIT_USAGE;
	}
	for (int i = 2; i < argc; i++) {
		if (strcmp(argv[i], "--") == 0)
			break;
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			fputs(c->help, stdout);
			return YQ_EXIT_OK;
		}
	}
	return c->run(argc - 1, argv + 1);
}
