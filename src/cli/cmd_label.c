/*
 * cmd_label.c — `yuqing label --db DB POST_ID LABEL`: stores an analyst's
 * correction of a stored post's sentiment or category (store.h, table
 * labels), which `yuqing train --corrections DB` folds into training.
 *
 * Without --source the post is looked up by id alone; an id that two sources
 * share is a usage error naming --source.  Labelling a post again replaces
 * its label for that task.
 */
#include "base/error.h"
#include "cli/cli.h"
#include "store/store.h"
#include "text/segment.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

static const char usage[] = "--db DB [--source S] [--task sentiment|category] POST_ID LABEL";

/* find_source: the one source holding id, copied into src.  0,
 * YQ_ENOTFOUND, YQ_EINVAL (several sources), YQ_EDB, YQ_ENOMEM. */
static int find_source(sqlite3 *db, const char *id, struct yq_buf *src)
{
	sqlite3_stmt *s = NULL;
	int n = 0, rc, ret = YQ_EDB;
	if (sqlite3_prepare_v2(db, "SELECT source FROM posts WHERE id = ?1 LIMIT 2", -1, &s,
			       NULL) != SQLITE_OK)
		goto out;
	sqlite3_bind_text(s, 1, id, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW)
		if (++n == 1) {
			const char *v = (const char *)sqlite3_column_text(s, 0);
			if (!v || yq_buf_adds(src, v)) {
				ret = YQ_ENOMEM;
				goto out;
			}
		}
	if (rc != SQLITE_DONE)
		goto out;
	ret = n == 0 ? YQ_ENOTFOUND : n > 1 ? YQ_EINVAL : YQ_OK;
out:
	sqlite3_finalize(s);
	return ret;
}

int yq_cmd_label(int argc, char **argv)
{
	int status = YQ_EXIT_USAGE, rc;
	const char *db = NULL, *source = NULL, *task = "sentiment", *pos[2];
	int npos = 0;
	struct yq_segmenter *seg = NULL;
	struct yq_store *st = NULL;
	struct yq_buf err = YQ_BUF_INIT, src = YQ_BUF_INIT;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (a[0] == '-' && a[1] && i + 1 < argc &&
		    (strcmp(a, "--db") == 0 || strcmp(a, "--source") == 0 ||
		     strcmp(a, "--task") == 0)) {
			const char *v = argv[++i];
			*(a[2] == 'd' ? &db : a[2] == 's' ? &source : &task) = v;
		} else if (a[0] == '-' && a[1]) {
			yq_cli_err("label", "unknown option or missing value '%s'", a);
			status = yq_cli_usage("label", usage);
			goto out;
		} else if (npos == 2) {
			yq_cli_err("label", "one POST_ID and one LABEL ('%s' is extra)", a);
			status = yq_cli_usage("label", usage);
			goto out;
		} else
			pos[npos++] = a;
	}
	if (!db || npos != 2) {
		status = yq_cli_usage("label", usage);
		goto out;
	}
	if (strcmp(task, "sentiment") != 0 && strcmp(task, "category") != 0) {
		yq_cli_err("label", "unknown --task '%s' (sentiment or category)", task);
		goto out;
	}
	if (!*pos[1] || strlen(pos[1]) > 1024) {
		yq_cli_err("label", "LABEL must have 1 to 1,024 bytes");
		goto out;
	}
	status = YQ_EXIT_RUNTIME;
	if (yq_cli_segmenter("label", &seg))
		goto out;
	if ((rc = yq_store_open(db, seg, &st, &err))) {
		yq_cli_err("label", "opening %s: %s", db, err.s);
		goto out;
	}
	if (!source) {
		rc = find_source(yq_store_db(st), pos[0], &src);
		source = src.s;
		if (rc == YQ_EINVAL) {
			yq_cli_err("label", "post '%s' is stored under several sources: give --source",
				   pos[0]);
			status = YQ_EXIT_USAGE;
			goto out;
		}
		if (rc == YQ_ENOTFOUND) {
			yq_cli_err("label", "no post '%s' in %s", pos[0], db);
			goto out;
		}
		if (rc) {
			yq_cli_err("label", "%s: %s", db, yq_store_errmsg(st));
			goto out;
		}
	}
	rc = yq_store_put_label(st, source, pos[0], task, pos[1], (int64_t)time(NULL));
	if (rc == YQ_ENOTFOUND) {
		yq_cli_err("label", "no post '%s' of source '%s' in %s", pos[0], source, db);
		goto out;
	}
	if (rc) {
		yq_cli_err("label", "%s: %s", db, yq_store_errmsg(st));
		goto out;
	}
	printf("%s %s %s: %s\n", source, pos[0], task, pos[1]);
	status = fflush(stdout) == 0 ? YQ_EXIT_OK : YQ_EXIT_RUNTIME;
out:
	yq_store_close(st);
	yq_segmenter_free(seg);
	yq_buf_release(&err);
	yq_buf_release(&src);
	return status;
}
