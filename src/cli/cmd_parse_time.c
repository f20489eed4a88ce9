/*
 * cmd_parse_time.c — `yuqing parse-time --now ISO [--tz TZ]`: one time
 * expression a line → ISO 8601 with offset, or "?" when it cannot be
 * resolved (collect/ptime.h).  --flags appends "<TAB>ambiguous-zone" to a
 * time whose zone name (CST) was resolved by the source's zone.
 */
#include "base/error.h"
#include "cli/cli.h"
#include "collect/lines.h"
#include "collect/ptime.h"

#include <string.h>
#include <time.h>

int yq_cmd_parse_time(int argc, char **argv)
{
	const char *usage = "--now ISO [--tz TZ] [--flags] [FILE…]";
	const char *now_s = NULL, *tzname = "Asia/Shanghai";
	int first_file = argc, status = YQ_EXIT_OK, show_flags = 0;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--now") == 0 && i + 1 < argc)
			now_s = argv[++i];
		else if (strcmp(argv[i], "--tz") == 0 && i + 1 < argc)
			tzname = argv[++i];
		else if (strcmp(argv[i], "--flags") == 0)
			show_flags = 1;
		else if (argv[i][0] == '-' && argv[i][1])
			return yq_cli_usage("parse-time", usage);
		else {
			first_file = i;
			break;
		}
	}
	struct yq_tz *tz;
	if (yq_tz_open(tzname, &tz)) {
		yq_cli_err("parse-time", "unknown time zone '%s'", tzname);
		return YQ_EXIT_USAGE;
	}
	int64_t now = (int64_t)time(NULL);
	if (now_s && yq_time_parse(now_s, strlen(now_s), now, tz, &now)) {
		yq_cli_err("parse-time", "cannot read --now '%s'", now_s);
		yq_tz_free(tz);
		return YQ_EXIT_USAGE;
	}
	struct yq_buf line = YQ_BUF_INIT, out = YQ_BUF_INIT;
	char *dash[] = {(char *)"-"};
	char **files = first_file < argc ? argv + first_file : dash;
	int n = first_file < argc ? argc - first_file : 1;
	for (int f = 0; f < n; f++) {
		struct yq_lines *l;
		if (yq_lines_open(files[f], &l)) {
			yq_cli_err("parse-time", "cannot open %s", files[f]);
			status = YQ_EXIT_RUNTIME;
			continue;
		}
		size_t ln;
		int rc;
		while ((rc = yq_lines_next(l, &line, &ln)) != YQ_EEOF) {
			int64_t t;
			unsigned fl = 0;
			yq_buf_reset(&out);
			if (rc == 0 && yq_time_parse_ex(line.s, line.len, now, tz, &t, &fl) == 0)
				yq_time_format(tz, t, &out);
			else
				yq_buf_addc(&out, '?');
			if (show_flags && (fl & YQ_TIME_AMBIGUOUS_ZONE))
				yq_buf_adds(&out, "\tambiguous-zone");
			puts(out.s);
			if (rc && rc != YQ_ETOOBIG) {
				status = YQ_EXIT_RUNTIME;
				break;
			}
		}
		yq_lines_close(l);
	}
	yq_buf_release(&line);
	yq_buf_release(&out);
	yq_tz_free(tz);
	return status;
}
