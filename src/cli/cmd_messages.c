/*
 * cmd_messages.c — `yuqing messages`: citizens' messages from the command
 * line (messages/messages.h, messages/hot.h):
 *   import      JSON lines keyed by the Chinese column names (the format of
 *               ../shared/data/citizen_messages) or CSV/TSV with the same
 *               header names, with routing and reply scores
 *   list, show  what is stored (contact details shown: the CLI is run by
 *               whoever can read the database file)
 *   categorize  the analyst confirms or corrects the suggested category
 *   reply       stores a reply
 *   hot         the top hot issues
 * Bad records are reported as "FILE:LINE: reason (skipped)" by the input
 * loop (cli/input.h) and counted; a record the store refuses is reported
 * with its id.  A whole import is one audit entry per file
 * ("messages.import"); categorize and reply write their own entries.
 */
#include <errno.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <zlib.h>

#include "auth/audit.h"
#include "base/error.h"
#include "cli/cli.h"
#include "cli/input.h"
#include "messages/hot.h"
#include "messages/messages.h"
#include "store/store.h"

#define BATCH 500 /* messages per transaction of an import */

/* The extra input fields an import reads (reader.h: verbatim names). */
enum { X_LIKES, X_DISLIKES, X_REPLY, X_REPLY_TIME, X_LABEL1, X_LABEL2, X_CONTACT, X_COUNT };
static const char *const EXTRA[X_COUNT] = {"点赞数", "反对数", "答复意见", "答复时间",
					   "一级分类", "一级标签", "联系方式"};

struct opts {
	const char *db, *routing, *model;
	int deadline_days;
};

struct ctx {
	const char *cmd;
	struct yq_segmenter *seg;
	struct yq_msg_env *env;
	struct yq_store *st;
	sqlite3 *db;
	struct yq_tz *tz;
	int64_t now;
	size_t batch;      /* puts in the open transaction */
	uint64_t added, existed, refused, bad_field;
	const int *xmap;   /* EXTRA index → position in the reader's list, -1: absent */
	const char *file;
	struct yq_buf err;
};

static const char *actor(char *buf, size_t cap)
{
	struct passwd *pw = getpwuid(getuid());
	snprintf(buf, cap, "cli:%s", pw && pw->pw_name ? pw->pw_name : "?");
	return buf;
}

static void close_all(struct ctx *c)
{
	yq_msg_env_free(c->env);
	yq_store_close(c->st);
	yq_segmenter_free(c->seg);
	yq_tz_free(c->tz);
	yq_buf_release(&c->err);
}

/* open_all: the store (schema and author secret), the message tables and
 * the audit log on its connection, and the environment (with the
 * classifier when want_model). */
static int open_all(struct ctx *c, const struct opts *o, int want_model)
{
	int rc;
	if ((rc = yq_cli_segmenter(c->cmd, &c->seg)))
		return rc;
	if (!c->tz && yq_tz_open("Asia/Shanghai", &c->tz)) {
		yq_cli_err(c->cmd, "cannot open time zone Asia/Shanghai");
		return YQ_EINVAL;
	}
	if ((rc = yq_store_open(o->db, c->seg, &c->st, &c->err))) {
		yq_cli_err(c->cmd, "opening %s: %s", o->db, c->err.s);
		return rc;
	}
	c->db = yq_store_db(c->st);
	if (yq_msg_init(c->db) || yq_audit_init(c->db)) {
		yq_cli_err(c->cmd, "%s: creating the message tables: %s", o->db,
			   sqlite3_errmsg(c->db));
		return YQ_EDB;
	}
	struct yq_msg_env_config ec = {.routing = o->routing,
				       .model = want_model ? o->model : "",
				       .seg = c->seg,
				       .deadline_days = o->deadline_days};
	if ((rc = yq_msg_env_new(&ec, &c->env, &c->err))) {
		yq_cli_err(c->cmd, "%s", c->err.s);
		return rc;
	}
	return YQ_OK;
}

/* common_option: --db, --routing, --model, --no-model, --deadline-days;
 * 1 consumed, 0 not one, -1 bad (reported). */
static int common_option(struct opts *o, const char *cmd, int argc, char **argv, int *i)
{
	const char *a = argv[*i];
	if (!strcmp(a, "--no-model")) {
		o->model = "";
		return 1;
	}
	if (strcmp(a, "--db") && strcmp(a, "--routing") && strcmp(a, "--model") &&
	    strcmp(a, "--deadline-days"))
		return 0;
	if (*i + 1 >= argc) {
		yq_cli_err(cmd, "%s needs a value", a);
		return -1;
	}
	const char *v = argv[++*i];
	if (!strcmp(a, "--db"))
		o->db = v;
	else if (!strcmp(a, "--routing"))
		o->routing = v;
	else if (!strcmp(a, "--model"))
		o->model = v;
	else {
		char *end;
		long d = strtol(v, &end, 10);
		if (*end || d < 1 || d > 365) {
			yq_cli_err(cmd, "--deadline-days: expected 1..365, not '%s'", v);
			return -1;
		}
		o->deadline_days = (int)d;
	}
	return 1;
}

/* parse_count: a non-negative count ("12", " 3 "), else -1. */
static int64_t parse_count(const char *s)
{
	if (!s)
		return -1;
	char *end;
	errno = 0;
	long long v = strtoll(s, &end, 10);
	while (*end == ' ')
		end++;
	return errno || *end || end == s || v < 0 ? -1 : (int64_t)v;
}

static const char *xval(const struct ctx *c, const struct yq_post *p, int x)
{
	return c->xmap[x] >= 0 && p->extra ? p->extra[c->xmap[x]] : NULL;
}

static int end_batch(struct ctx *c, int commit)
{
	if (!c->batch)
		return YQ_OK;
	c->batch = 0;
	if (sqlite3_exec(c->db, commit ? "COMMIT" : "ROLLBACK", NULL, NULL, NULL) != SQLITE_OK) {
		yq_cli_err(c->cmd, "commit: %s", sqlite3_errmsg(c->db));
		return YQ_EDB;
	}
	return YQ_OK;
}

static int import_one(const struct yq_post *p, void *arg)
{
	struct ctx *c = arg;
	const char *reply_time = xval(c, p, X_REPLY_TIME);
	const char *label = xval(c, p, X_LABEL1);
	struct yq_msg m = {
		.id = p->id, .time = p->time, .time_ok = p->time_ok, .title = p->title,
		.text = p->text, .sender = p->author, .contact = xval(c, p, X_CONTACT),
		.likes = parse_count(xval(c, p, X_LIKES)),
		.dislikes = parse_count(xval(c, p, X_DISLIKES)),
		.label = label ? label : xval(c, p, X_LABEL2), .reply = xval(c, p, X_REPLY),
	};
	if (!p->time_ok) {
		yq_cli_err(c->cmd, "%s: message %s: no readable 留言时间 (skipped)", c->file, p->id);
		c->refused++;
		return YQ_OK;
	}
	if (reply_time) {
		if (yq_time_parse(reply_time, strlen(reply_time), c->now, c->tz, &m.reply_time)) {
			yq_cli_err(c->cmd, "%s: message %s: unreadable 答复时间 '%s' (reply time left empty)",
				   c->file, p->id, reply_time);
			c->bad_field++;
		} else {
			m.reply_time_ok = 1;
		}
	}
	if ((xval(c, p, X_LIKES) && m.likes < 0) || (xval(c, p, X_DISLIKES) && m.dislikes < 0)) {
		yq_cli_err(c->cmd, "%s: message %s: 点赞数/反对数 is not a count (left empty)", c->file,
			   p->id);
		c->bad_field++;
	}
	if (!c->batch) {
		if (sqlite3_exec(c->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK) {
			yq_cli_err(c->cmd, "begin: %s", sqlite3_errmsg(c->db));
			return YQ_EDB;
		}
	}
	c->batch++;
	yq_buf_reset(&c->err);
	int rc = yq_msg_put(c->env, c->db, &m, c->now, NULL, NULL, NULL, &c->err);
	if (rc == YQ_EINVAL) {
		yq_cli_err(c->cmd, "%s: message %s: %s (skipped)", c->file, p->id, c->err.s);
		c->refused++;
	} else if (rc < 0) {
		yq_cli_err(c->cmd, "%s: message %s: %s", c->file, p->id,
			   c->err.len ? c->err.s : yq_strerror(rc));
		end_batch(c, 0);
		return rc;
	} else {
		*(rc ? &c->existed : &c->added) += 1;
	}
	return c->batch >= BATCH ? end_batch(c, 1) : YQ_OK;
}

/* header_fields: which EXTRA names the header line of a CSV/TSV file has
 * (a header that lacks an extra field makes the reader refuse the file).
 * Marks present[x].  A file that cannot be read leaves all absent (the
 * reader reports it). */
static void header_fields(const char *path, int present[X_COUNT])
{
	char line[8192];
	gzFile f = gzopen(path, "rb"); /* plain files pass through */
	if (!f)
		return;
	if (gzgets(f, line, sizeof line))
		for (int x = 0; x < X_COUNT; x++) {
			const char *h = strstr(line, EXTRA[x]);
			size_t n = strlen(EXTRA[x]);
			/* a whole column name: delimited, possibly quoted */
			present[x] = h && (h == line || strchr(",\t\"\xef\xbb\xbf", h[-1])) &&
				     strchr(",\t\"\r\n", h[n]) && h[n];
		}
	gzclose(f);
}

static int is_table(const char *path, enum yq_format fmt)
{
	if (fmt == YQ_FMT_CSV || fmt == YQ_FMT_TSV)
		return 1;
	if (fmt != YQ_FMT_AUTO)
		return 0;
	size_t n = strlen(path);
	if (n > 3 && !strcmp(path + n - 3, ".gz"))
		n -= 3;
	return n > 4 && (!strncmp(path + n - 4, ".csv", 4) || !strncmp(path + n - 4, ".tsv", 4));
}

static int cmd_import(int argc, char **argv)
{
	static const char usage[] =
		"import --db DB [--routing F] [--model M | --no-model] [--deadline-days N]\n"
		"       [--format F] [--map a=b,...] [--tz TZ] [--strict] FILE...";
	struct opts o = {0};
	struct ctx c = {.cmd = "messages"};
	struct yq_input in;
	int status = YQ_EXIT_USAGE, nfiles = 0;
	char who[96];
	char **files = calloc((size_t)argc, sizeof *files);
	yq_input_init(&in, "messages");
	yq_buf_init(&c.err);
	if (!files) {
		status = YQ_EXIT_RUNTIME;
		goto out;
	}
	for (int i = 1; i < argc; i++) {
		int k = common_option(&o, "messages", argc, argv, &i);
		if (!k)
			k = yq_input_option(&in, argc, argv, &i);
		if (k < 0)
			goto usage;
		if (k)
			continue;
		if (argv[i][0] == '-' && argv[i][1]) {
			yq_cli_err("messages", "import: unknown option '%s'", argv[i]);
			goto usage;
		}
		files[nfiles++] = argv[i];
	}
	if (!o.db || !nfiles)
		goto usage;
	status = YQ_EXIT_RUNTIME;
	c.now = (int64_t)time(NULL);
	if (yq_input_open_tz(&in) || open_all(&c, &o, 1))
		goto out;
	in.rc.source = "message";
	int failed = 0;
	for (int f = 0; f < nfiles && !failed; f++) {
		int present[X_COUNT], xmap[X_COUNT];
		const char *names[X_COUNT];
		size_t nx = 0;
		int table = is_table(files[f], in.rc.format);
		for (int x = 0; x < X_COUNT; x++)
			present[x] = !table;
		if (table)
			header_fields(files[f], present);
		for (int x = 0; x < X_COUNT; x++) {
			xmap[x] = present[x] ? (int)nx : -1;
			if (present[x])
				names[nx++] = EXTRA[x];
		}
		in.rc.extra = names;
		in.rc.n_extra = nx;
		c.xmap = xmap;
		c.file = files[f];
		uint64_t before_add = c.added, before_ex = c.existed, bad0 = in.bad;
		int rc = yq_input_run(&in, &files[f], 1, import_one, &c);
		if (end_batch(&c, rc == 0) || (rc && rc != YQ_EIO)) {
			failed = 1;
			break;
		}
		if (rc == YQ_EIO) {
			failed = 1;
			continue;
		}
		json_t *a = json_pack("{s:s,s:I,s:I,s:I}", "file", files[f], "added",
				      (json_int_t)(c.added - before_add), "existed",
				      (json_int_t)(c.existed - before_ex), "bad",
				      (json_int_t)(in.bad - bad0));
		char *as = a ? json_dumps(a, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
		struct yq_audit_entry e = {.time = c.now, .actor = actor(who, sizeof who),
					   .action = "messages.import", .object_type = "message",
					   .after = as};
		if (!as || yq_audit_append(c.db, &e, NULL)) {
			yq_cli_err("messages", "audit: %s", sqlite3_errmsg(c.db));
			failed = 1;
		}
		free(as);
		json_decref(a);
	}
	fprintf(stderr,
		"messages: %llu read, %llu added, %llu already stored, %llu bad records,"
		" %llu refused, %llu bad fields\n",
		(unsigned long long)in.read, (unsigned long long)c.added,
		(unsigned long long)c.existed, (unsigned long long)in.bad,
		(unsigned long long)c.refused, (unsigned long long)c.bad_field);
	status = failed ? YQ_EXIT_RUNTIME : YQ_EXIT_OK;
	goto out;
usage:
	status = yq_cli_usage("messages", usage);
out:
	close_all(&c);
	yq_input_release(&in);
	free(files);
	return status;
}

static int print_json(json_t *v, size_t flags)
{
	char *s = json_dumps(v, flags | JSON_REAL_PRECISION(10));
	int rc = s && printf("%s\n", s) >= 0 ? YQ_OK : YQ_EIO;
	free(s);
	return rc;
}

/* parse_time_opt: --from/--to/--now values. */
static int parse_time_opt(struct ctx *c, const char *opt, const char *v, int64_t *out)
{
	if (yq_time_parse(v, strlen(v), (int64_t)time(NULL), c->tz, out)) {
		yq_cli_err(c->cmd, "%s: unreadable time '%s'", opt, v);
		return -1;
	}
	return 0;
}

static int cmd_hot(int argc, char **argv)
{
	static const char usage[] =
		"hot --db DB [--limit N] [--window DAYS] [--threshold X] [--half-life DAYS]\n"
		"       [--min-size N] [--now TIME] [--from TIME] [--to TIME] [--pretty]";
	struct opts o = {0};
	struct ctx c = {.cmd = "messages"};
	struct yq_msg_hot_config h;
	json_t *res = NULL;
	int status = YQ_EXIT_USAGE, pretty = 0;
	yq_msg_hot_defaults(&h);
	yq_buf_init(&c.err);
	if (yq_tz_open("Asia/Shanghai", &c.tz))
		return YQ_EXIT_RUNTIME;
	for (int i = 1; i < argc; i++) {
		int k = common_option(&o, "messages", argc, argv, &i);
		if (k < 0)
			goto usage;
		if (k)
			continue;
		const char *a = argv[i];
		if (!strcmp(a, "--pretty")) {
			pretty = 1;
			continue;
		}
		if (i + 1 >= argc) {
			yq_cli_err("messages", "hot: unknown option or missing value '%s'", a);
			goto usage;
		}
		const char *v = argv[++i];
		char *end = NULL;
		if (!strcmp(a, "--limit"))
			h.limit = (int)strtol(v, &end, 10);
		else if (!strcmp(a, "--min-size"))
			h.min_size = (int)strtol(v, &end, 10);
		else if (!strcmp(a, "--window"))
			h.window_days = strtod(v, &end);
		else if (!strcmp(a, "--threshold"))
			h.threshold = strtod(v, &end);
		else if (!strcmp(a, "--half-life"))
			h.half_life_days = strtod(v, &end);
		else if (!strcmp(a, "--now")) {
			if (parse_time_opt(&c, a, v, &h.now))
				goto usage;
			h.has_now = 1;
		} else if (!strcmp(a, "--from")) {
			if (parse_time_opt(&c, a, v, &h.from))
				goto usage;
			h.has_from = 1;
		} else if (!strcmp(a, "--to")) {
			if (parse_time_opt(&c, a, v, &h.to))
				goto usage;
			h.has_to = 1;
		} else {
			yq_cli_err("messages", "hot: unknown option '%s'", a);
			goto usage;
		}
		if (end && (*end || end == v)) {
			yq_cli_err("messages", "hot: %s: not a number '%s'", a, v);
			goto usage;
		}
	}
	if (!o.db)
		goto usage;
	status = YQ_EXIT_RUNTIME;
	if (open_all(&c, &o, 0))
		goto out;
	int rc = yq_msg_hot(c.env, c.db, c.tz, &h, &res);
	if (rc == YQ_EINVAL) {
		yq_cli_err("messages", "hot: a bad option value (limit 1..100, window and half-life"
				       " > 0, threshold 0..1, min-size >= 1)");
		status = YQ_EXIT_USAGE;
		goto out;
	}
	if (rc) {
		yq_cli_err("messages", "hot: %s (%s)", yq_strerror(rc), sqlite3_errmsg(c.db));
		goto out;
	}
	status = print_json(res, pretty ? JSON_INDENT(2) : JSON_COMPACT) ? YQ_EXIT_RUNTIME
									 : YQ_EXIT_OK;
	goto out;
usage:
	status = yq_cli_usage("messages", usage);
out:
	json_decref(res);
	close_all(&c);
	return status;
}

static int cmd_list(int argc, char **argv, int show)
{
	static const char usage_list[] =
		"list --db DB [--department D] [--answered | --unanswered] [--limit N] [--offset N]";
	static const char usage_show[] = "show --db DB ID";
	const char *usage = show ? usage_show : usage_list;
	struct opts o = {0};
	struct ctx c = {.cmd = "messages"};
	struct yq_msg_filter f = {.answered = -1, .limit = 50};
	struct yq_msg_viewer v = {.all = 1};
	const char *id = NULL;
	json_t *res = NULL;
	int status = YQ_EXIT_USAGE;
	yq_buf_init(&c.err);
	for (int i = 1; i < argc; i++) {
		int k = common_option(&o, "messages", argc, argv, &i);
		if (k < 0)
			goto usage;
		if (k)
			continue;
		const char *a = argv[i];
		if (!show && !strcmp(a, "--answered"))
			f.answered = 1;
		else if (!show && !strcmp(a, "--unanswered"))
			f.answered = 0;
		else if (!show && i + 1 < argc && !strcmp(a, "--department"))
			f.department = argv[++i];
		else if (!show && i + 1 < argc && (!strcmp(a, "--limit") || !strcmp(a, "--offset"))) {
			char *end;
			long long n = strtoll(argv[++i], &end, 10);
			if (*end || n < 0 || n > 1000000) {
				yq_cli_err("messages", "%s: expected a count", a);
				goto usage;
			}
			*(a[2] == 'l' ? &f.limit : &f.offset) = n;
		} else if (show && a[0] != '-' && !id)
			id = a;
		else {
			yq_cli_err("messages", "%s: unknown option or argument '%s'", argv[0], a);
			goto usage;
		}
	}
	if (!o.db || (show && !id))
		goto usage;
	status = YQ_EXIT_RUNTIME;
	if (yq_tz_open("Asia/Shanghai", &c.tz) || open_all(&c, &o, 0))
		goto out;
	int rc = show ? yq_msg_get(c.db, c.tz, id, &v, &res) : yq_msg_list(c.db, c.tz, &f, &v, &res);
	if (rc == YQ_ENOTFOUND) {
		yq_cli_err("messages", "show: no message '%s'", id);
		goto out;
	}
	if (rc == YQ_EINVAL) {
		yq_cli_err("messages", "list: --limit must be 1..1000");
		status = YQ_EXIT_USAGE;
		goto out;
	}
	if (rc) {
		yq_cli_err("messages", "%s: %s (%s)", argv[0], yq_strerror(rc), sqlite3_errmsg(c.db));
		goto out;
	}
	status = print_json(res, JSON_COMPACT) ? YQ_EXIT_RUNTIME : YQ_EXIT_OK;
	goto out;
usage:
	status = yq_cli_usage("messages", usage);
out:
	json_decref(res);
	close_all(&c);
	return status;
}

/* categorize ID [CATEGORY] / reply ID --text T [--time TIME] */
static int cmd_decide(int argc, char **argv, int reply)
{
	static const char usage_cat[] = "categorize --db DB [--routing F] ID [CATEGORY]";
	static const char usage_reply[] = "reply --db DB ID --text TEXT [--time TIME]";
	const char *usage = reply ? usage_reply : usage_cat;
	struct opts o = {0};
	struct ctx c = {.cmd = "messages"};
	const char *pos[2] = {NULL, NULL}, *text = NULL, *when = NULL;
	int npos = 0, status = YQ_EXIT_USAGE;
	char who[96];
	yq_buf_init(&c.err);
	for (int i = 1; i < argc; i++) {
		int k = common_option(&o, "messages", argc, argv, &i);
		if (k < 0)
			goto usage;
		if (k)
			continue;
		const char *a = argv[i];
		if (reply && i + 1 < argc && !strcmp(a, "--text"))
			text = argv[++i];
		else if (reply && i + 1 < argc && !strcmp(a, "--time"))
			when = argv[++i];
		else if (a[0] != '-' && npos < (reply ? 1 : 2))
			pos[npos++] = a;
		else {
			yq_cli_err("messages", "%s: unknown option or extra argument '%s'", argv[0], a);
			goto usage;
		}
	}
	if (!o.db || !npos || (reply && !text))
		goto usage;
	status = YQ_EXIT_RUNTIME;
	if (yq_tz_open("Asia/Shanghai", &c.tz) || open_all(&c, &o, 0))
		goto out;
	int64_t now = (int64_t)time(NULL), t = now;
	if (when && parse_time_opt(&c, "--time", when, &t)) {
		status = YQ_EXIT_USAGE;
		goto out;
	}
	yq_buf_reset(&c.err);
	int rc = reply ? yq_msg_set_reply(c.env, c.db, pos[0], text, t, now, actor(who, sizeof who),
					  NULL, &c.err)
		       : yq_msg_set_category(c.env, c.db, pos[0], pos[1], now,
					     actor(who, sizeof who), NULL, &c.err);
	if (rc) {
		yq_cli_err("messages", "%s: %s", argv[0], c.err.len ? c.err.s : yq_strerror(rc));
		if (rc == YQ_EINVAL && !reply && pos[1] && *pos[1])
			status = YQ_EXIT_USAGE; /* an unknown category, or one over the cap */
		goto out;
	}
	json_t *res = NULL;
	struct yq_msg_viewer v = {.all = 1};
	if (yq_msg_get(c.db, c.tz, pos[0], &v, &res) == 0) {
		json_t *q = json_object_get(res, "quality");
		json_t *sm = reply ? json_pack("{s:s,s:O}", "id", pos[0], "quality", q)
				   : json_pack("{s:s,s:O,s:O}", "id", pos[0], "category",
					       json_object_get(res, "category"), "department",
					       json_object_get(res, "department"));
		if (sm)
			print_json(sm, JSON_COMPACT);
		json_decref(sm);
	}
	json_decref(res);
	status = YQ_EXIT_OK;
	goto out;
usage:
	status = yq_cli_usage("messages", usage);
out:
	close_all(&c);
	return status;
}

int yq_cmd_messages(int argc, char **argv)
{
	static const char usage[] = "import|list|show|categorize|reply|hot --db DB ...";
	if (argc < 2)
		return yq_cli_usage("messages", usage);
	const char *sub = argv[1];
	if (!strcmp(sub, "import"))
		return cmd_import(argc - 1, argv + 1);
	if (!strcmp(sub, "hot"))
		return cmd_hot(argc - 1, argv + 1);
	if (!strcmp(sub, "list"))
		return cmd_list(argc - 1, argv + 1, 0);
	if (!strcmp(sub, "show"))
		return cmd_list(argc - 1, argv + 1, 1);
	if (!strcmp(sub, "categorize"))
		return cmd_decide(argc - 1, argv + 1, 0);
	if (!strcmp(sub, "reply"))
		return cmd_decide(argc - 1, argv + 1, 1);
	yq_cli_err("messages", "unknown subcommand '%s'", sub);
	return yq_cli_usage("messages", usage);
}
