/*
 * cmd_audit.c — `yuqing audit verify --db DB [--head HEX]` and
 * `yuqing audit list --db DB [--after SEQ] [--limit N]` (issues 6 and 7).
 *
 * verify walks the hash chain (yq_audit_verify, auth/audit.h) on a
 * read-only connection.  Intact: "ok: N entries, head HASH" on stdout and
 * exit 0; keep HASH somewhere else and pass it as --head next time to catch
 * a rewritten tail too.  Broken: "yuqing: audit: entry N: REASON (DB)" on
 * stderr and exit 1.  A --head that is not 64 hex digits is bad usage
 * (exit 2).  list prints the entries after SEQ as one JSON array.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "auth/audit.h"
#include "base/buf.h"
#include "base/error.h"
#include "cli/cli.h"

#define CMD "audit"
#define USAGE "verify --db DB [--head HEX] | list --db DB [--after SEQ] [--limit N]"

static int verify(sqlite3 *db, const char *path, const char *head)
{
	struct yq_audit_report rep;
	if (yq_audit_verify(db, head, &rep)) {
		yq_cli_err(CMD, "cannot read the audit log: %s (%s)", sqlite3_errmsg(db), path);
		return YQ_EXIT_RUNTIME;
	}
	if (rep.first_bad) {
		yq_cli_err(CMD, "entry %lld: %s (%s)", (long long)rep.first_bad, rep.reason, path);
		return YQ_EXIT_RUNTIME;
	}
	printf("ok: %lld entries, head %s\n", (long long)rep.entries,
	       rep.entries ? rep.head : "-");
	return YQ_EXIT_OK;
}

static int list(sqlite3 *db, const char *path, long long after, int limit)
{
	struct yq_buf b = YQ_BUF_INIT;
	int rc = yq_audit_list_json(db, after, limit, &b);
	if (rc)
		yq_cli_err(CMD, "cannot list the audit log: %s (%s)",
			   rc == YQ_EDB ? sqlite3_errmsg(db) : yq_strerror(rc), path);
	else
		printf("%s\n", b.s);
	yq_buf_release(&b);
	return rc ? YQ_EXIT_RUNTIME : YQ_EXIT_OK;
}

int yq_cmd_audit(int argc, char **argv)
{
	static const struct option opts[] = {
		{"db", required_argument, NULL, 'd'},
		{"head", required_argument, NULL, 'h'},
		{"after", required_argument, NULL, 'a'},
		{"limit", required_argument, NULL, 'l'},
		{NULL, 0, NULL, 0},
	};
	const char *path = NULL, *head = NULL;
	long long after = 0, limit = 100;
	sqlite3 *db = NULL;
	char *end;
	int c, ret;

	if (argc < 2 || argv[1][0] == '-')
		return yq_cli_usage(CMD, USAGE);
	int is_verify = !strcmp(argv[1], "verify"), is_list = !strcmp(argv[1], "list");
	optind = 2;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'd': path = optarg; break;
		case 'h': head = optarg; break;
		case 'a':
			after = strtoll(optarg, &end, 10);
			if (*end || after < 0)
				return yq_cli_usage(CMD, USAGE);
			break;
		case 'l':
			limit = strtoll(optarg, &end, 10);
			if (*end || limit < 1 || limit > 1000) {
				yq_cli_err(CMD, "--limit is 1 to 1000");
				return YQ_EXIT_USAGE;
			}
			break;
		default: return yq_cli_usage(CMD, USAGE);
		}
	}
	if (!path || optind != argc || !(is_verify || is_list) || (is_list && head))
		return yq_cli_usage(CMD, USAGE);
	char head_lc[65];
	if (head) { /* a SHA-256 as verify prints it: 64 hex digits */
		size_t n = strlen(head);
		for (size_t i = 0; i < n && i < 64; i++)
			head_lc[i] = (char)(head[i] >= 'A' && head[i] <= 'F' ? head[i] - 'A' + 'a' : head[i]);
		head_lc[n < 64 ? n : 64] = '\0';
		if (n != 64 || strspn(head_lc, "0123456789abcdef") < 64) {
			yq_cli_err(CMD, "--head is the 64 hex digits a verify printed, not '%.80s'", head);
			return YQ_EXIT_USAGE;
		}
		head = head_lc;
	}
	if (yq_cli_auth_db(CMD, path, 1, &db))
		return YQ_EXIT_RUNTIME;
	ret = is_verify ? verify(db, path, head) : list(db, path, after, (int)limit);
	sqlite3_close(db);
	return ret;
}
