/*
 * friso_cut.c — a minimal driver for friso (libfriso-dev, the mmseg
 * segmenter Debian ships) used by bench/segment.sh as a third reference:
 * reads lines from stdin and writes their tokens joined by one space.
 * usage: friso_cut [friso.ini]   (default /etc/friso/friso.ini)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <friso.h>

int main(int argc, char **argv)
{
	const char *ini = argc > 1 ? argv[1] : "/etc/friso/friso.ini";
	friso_t friso = friso_new();
	friso_config_t config = friso_new_config();
	if (!friso || !config || friso_init_from_ifile(friso, config, (fstring)ini) != 1) {
		fprintf(stderr, "friso_cut: cannot initialize friso from %s\n", ini);
		return 1;
	}
	friso_task_t task = friso_new_task();
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	while ((n = getline(&line, &cap, stdin)) >= 0) {
		if (n > 0 && line[n - 1] == '\n')
			line[--n] = '\0';
		friso_set_text(task, line);
		int first = 1;
		while (config->next_token(friso, config, task) != NULL) {
			if (!first)
				fputc(' ', stdout);
			fputs(task->token->word, stdout);
			first = 0;
		}
		fputc('\n', stdout);
	}
	free(line);
	friso_free_task(task);
	friso_free_config(config);
	friso_free(friso);
	return 0;
}
