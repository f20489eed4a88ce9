/*
 * cmd_fetch.c — `yuqing fetch [--state FILE] [--format rss|atom] URL…`:
 * fetches feeds over HTTP and parses them (collect/feed_fetch.h: fetch.h
 * then feed.h) and prints their items as CLI.md's post JSON lines
 * {id, source, url, title, text, author, time}: source is the URL's host,
 * url the item's link, time ISO 8601 in --tz; url, author and time are
 * left out when the item has none.
 *
 * State file: JSON Lines, one yq_source_state object a line, keyed by url.
 * It is read at start (states of URLs not on the command line are kept as
 * they are) and rewritten at the end through FILE.tmp + rename, so a crash
 * never leaves half a file.  With it a second run sends a conditional GET,
 * prints nothing for a 304, and respects the backoff of failing sources.
 *
 * Exit status: 0 when every URL was fetched (200 or 304) and parsed, 1 when
 * one failed, was backing off or the state file could not be written, 2
 * for bad usage or an unreadable state file.
 */
#include "base/error.h"
#include "cli/cli.h"
#include "collect/feed_fetch.h"
#include "collect/lines.h"
#include "collect/ptime.h"

#include <curl/curl.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define CMD "fetch"
#define STATE_MAX 100000           /* sources in a state file */
#define MAX_SIZE_CAP ((size_t)1 << 30) /* --max-size ceiling, bytes */

struct states {
	struct yq_source_state *v;
	size_t n, cap;
};

static void states_free(struct states *s)
{
	for (size_t i = 0; i < s->n; i++)
		yq_source_state_release(&s->v[i]);
	free(s->v);
	s->v = NULL;
	s->n = s->cap = 0;
}

/* states_slot: a fresh slot at the end (zeroed); NULL when full or no memory. */
static struct yq_source_state *states_slot(struct states *s)
{
	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 16;
		struct yq_source_state *v = realloc(s->v, cap * sizeof *v);
		if (!v)
			return NULL;
		s->v = v;
		s->cap = cap;
	}
	memset(&s->v[s->n], 0, sizeof s->v[0]);
	return &s->v[s->n];
}

static struct yq_source_state *states_find(struct states *s, const char *url)
{
	for (size_t i = 0; i < s->n; i++)
		if (strcmp(s->v[i].url, url) == 0)
			return &s->v[i];
	return NULL;
}

/* load_states: reads path into s; a missing file is an empty state.
 * Returns 0, or an exit status after reporting. */
static int load_states(const char *path, struct states *s)
{
	struct yq_lines *l = NULL;
	struct yq_buf line = YQ_BUF_INIT, err = YQ_BUF_INIT;
	size_t ln = 0;
	int rc, status = 0;
	FILE *probe = fopen(path, "rb");
	if (!probe) {
		if (errno == ENOENT)
			return 0;
		yq_cli_err(CMD, "cannot open state file %s: %s", path, strerror(errno));
		return YQ_EXIT_USAGE;
	}
	fclose(probe);
	if (yq_lines_open(path, &l)) {
		yq_cli_err(CMD, "cannot open state file %s", path);
		return YQ_EXIT_USAGE;
	}
	while ((rc = yq_lines_next(l, &line, &ln)) != YQ_EEOF) {
		if (rc) {
			yq_cli_err(CMD, "%s (%s:%zu)", yq_strerror(rc), path, ln);
			status = YQ_EXIT_USAGE;
			break;
		}
		if (line.len == 0)
			continue;
		json_error_t je;
		json_t *j = json_loadb(line.s, line.len, 0, &je);
		struct yq_source_state *st = NULL;
		if (!j) {
			yq_cli_err(CMD, "bad JSON in state file: %s (%s:%zu)", je.text, path, ln);
			status = YQ_EXIT_USAGE;
			break;
		}
		if (s->n >= STATE_MAX || !(st = states_slot(s))) {
			yq_cli_err(CMD, "state file has over %d sources or memory ran out (%s:%zu)",
				   STATE_MAX, path, ln);
			json_decref(j);
			status = YQ_EXIT_RUNTIME;
			break;
		}
		yq_buf_reset(&err);
		rc = yq_source_state_from_json(j, st, &err);
		json_decref(j);
		if (rc) {
			yq_cli_err(CMD, "bad source state: %s (%s:%zu)", err.len ? err.s : yq_strerror(rc),
				   path, ln);
			status = rc == YQ_ENOMEM ? YQ_EXIT_RUNTIME : YQ_EXIT_USAGE;
			break;
		}
		if (states_find(s, st->url)) {
			yq_cli_err(CMD, "url %s appears twice (%s:%zu)", st->url, path, ln);
			yq_source_state_release(st);
			status = YQ_EXIT_USAGE;
			break;
		}
		s->n++;
	}
	yq_lines_close(l);
	yq_buf_release(&line);
	yq_buf_release(&err);
	return status;
}

/* save_states: writes s to path through path.tmp and rename.  0 or -1
 * after reporting. */
static int save_states(const char *path, const struct states *s)
{
	struct yq_buf tmp = YQ_BUF_INIT;
	FILE *f = NULL;
	int rc = -1;
	if (yq_buf_printf(&tmp, "%s.tmp", path))
		goto out;
	f = fopen(tmp.s, "wb");
	if (!f) {
		yq_cli_err(CMD, "cannot write state file %s: %s", tmp.s, strerror(errno));
		goto out;
	}
	for (size_t i = 0; i < s->n; i++) {
		json_t *j = yq_source_state_to_json(&s->v[i]);
		char *line = j ? json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
		json_decref(j);
		if (!line) {
			yq_cli_err(CMD, "out of memory writing %s", tmp.s);
			goto out;
		}
		int bad = fputs(line, f) == EOF || fputc('\n', f) == EOF;
		free(line);
		if (bad)
			break;
	}
	if (fflush(f) || ferror(f) | fclose(f)) {
		f = NULL;
		yq_cli_err(CMD, "cannot write state file %s: %s", tmp.s, strerror(errno));
		goto out;
	}
	f = NULL;
	if (rename(tmp.s, path)) {
		yq_cli_err(CMD, "cannot rename %s to %s: %s", tmp.s, path, strerror(errno));
		goto out;
	}
	rc = 0;
out:
	if (f)
		fclose(f);
	if (rc && tmp.len)
		remove(tmp.s);
	yq_buf_release(&tmp);
	return rc;
}

/* url_host: the host of url into out ("" when it has none). */
static int url_host(const char *url, struct yq_buf *out)
{
	CURLU *u = curl_url();
	char *host = NULL;
	int rc = 0;
	if (!u)
		return YQ_ENOMEM;
	if (curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK)
		rc = yq_buf_adds(out, host);
	curl_free(host);
	curl_url_cleanup(u);
	return rc;
}

/* post_json: item as one post JSON line (with its newline) into out. */
static int post_json(const struct yq_feed_item *it, const char *source, struct yq_tz *tz,
		     struct yq_buf *out)
{
	int rc = yq_buf_adds(out, "{\"id\":");
	if (!rc)
		rc = yq_buf_add_json_str(out, it->id, strlen(it->id));
	if (!rc)
		rc = yq_buf_adds(out, ",\"source\":");
	if (!rc)
		rc = yq_buf_add_json_str(out, source, strlen(source));
	if (!rc && it->link) {
		rc = yq_buf_adds(out, ",\"url\":");
		if (!rc)
			rc = yq_buf_add_json_str(out, it->link, strlen(it->link));
	}
	if (!rc)
		rc = yq_buf_adds(out, ",\"title\":");
	if (!rc)
		rc = yq_buf_add_json_str(out, it->title, strlen(it->title));
	if (!rc)
		rc = yq_buf_adds(out, ",\"text\":");
	if (!rc)
		rc = yq_buf_add_json_str(out, it->text, strlen(it->text));
	if (!rc && it->author) {
		rc = yq_buf_adds(out, ",\"author\":");
		if (!rc)
			rc = yq_buf_add_json_str(out, it->author, strlen(it->author));
	}
	if (!rc && it->time_ok) {
		rc = yq_buf_adds(out, ",\"time\":\"");
		if (!rc)
			rc = yq_time_format(tz, it->time, out);
		if (!rc)
			rc = yq_buf_addc(out, '"');
	}
	if (!rc)
		rc = yq_buf_adds(out, "}\n");
	return rc;
}

static int parse_seconds(const char *s, long *ms)
{
	char *end;
	errno = 0;
	double v = strtod(s, &end);
	if (errno || end == s || *end || !(v > 0) || v > 3600)
		return -1;
	*ms = (long)(v * 1000 + 0.5);
	return *ms > 0 ? 0 : -1;
}

int yq_cmd_fetch(int argc, char **argv)
{
	const char *usage = "[--state FILE] [--format rss|atom] [--timeout S] [--connect-timeout S]\n"
			    "       [--max-size BYTES] [--tz TZ] URL…";
	const char *state_path = NULL, *tzname = "Asia/Shanghai";
	enum yq_feed_kind format = YQ_FEED_ANY;
	struct yq_fetch_config cfg = {.max_redirects = -1};
	struct states states = {0};
	struct yq_fetcher *f = NULL;
	struct yq_tz *tz = NULL;
	struct yq_fetch_result res;
	struct yq_feed feed = {0};
	struct yq_buf out = YQ_BUF_INIT, host = YQ_BUF_INIT, err = YQ_BUF_INIT;
	int first = argc, status = YQ_EXIT_OK, rc;

	yq_fetch_result_init(&res);
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		int has = i + 1 < argc;
		if (strcmp(a, "--state") == 0 && has) {
			state_path = argv[++i];
		} else if (strcmp(a, "--format") == 0 && has) {
			const char *v = argv[++i];
			if (strcmp(v, "rss") == 0)
				format = YQ_FEED_RSS;
			else if (strcmp(v, "atom") == 0)
				format = YQ_FEED_ATOM;
			else
				return yq_cli_usage(CMD, usage);
		} else if (strcmp(a, "--timeout") == 0 && has) {
			if (parse_seconds(argv[++i], &cfg.timeout_ms))
				return yq_cli_usage(CMD, usage);
		} else if (strcmp(a, "--connect-timeout") == 0 && has) {
			if (parse_seconds(argv[++i], &cfg.connect_timeout_ms))
				return yq_cli_usage(CMD, usage);
		} else if (strcmp(a, "--max-size") == 0 && has) {
			char *end;
			errno = 0;
			unsigned long long v = strtoull(argv[++i], &end, 10);
			if (errno || *end || v == 0 || v > MAX_SIZE_CAP)
				return yq_cli_usage(CMD, usage);
			cfg.max_body = (size_t)v;
		} else if (strcmp(a, "--tz") == 0 && has) {
			tzname = argv[++i];
		} else if (strcmp(a, "--") == 0) {
			first = i + 1;
			break;
		} else if (a[0] == '-') {
			return yq_cli_usage(CMD, usage);
		} else {
			first = i;
			break;
		}
	}
	if (first >= argc)
		return yq_cli_usage(CMD, usage);
	if (yq_tz_open(tzname, &tz)) {
		yq_cli_err(CMD, "unknown time zone '%s'", tzname);
		status = YQ_EXIT_USAGE;
		goto out;
	}
	if (state_path && (status = load_states(state_path, &states)))
		goto out;
	if ((rc = yq_fetcher_new(&cfg, &f))) {
		yq_cli_err(CMD, "cannot start the fetcher: %s", yq_strerror(rc));
		status = YQ_EXIT_RUNTIME;
		goto out;
	}

	for (int i = first; i < argc; i++) {
		const char *url = argv[i];
		struct yq_source_state *st = states_find(&states, url);
		if (!st) {
			if (states.n >= STATE_MAX || !(st = states_slot(&states))) {
				yq_cli_err(CMD, "too many sources (%s)", url);
				status = YQ_EXIT_RUNTIME;
				continue;
			}
			if ((rc = yq_source_state_init(st, url))) {
				yq_cli_err(CMD, "bad url: %s (%s)", yq_strerror(rc), url);
				status = rc == YQ_EINVAL ? YQ_EXIT_USAGE : YQ_EXIT_RUNTIME;
				yq_source_state_release(st);
				continue;
			}
			states.n++;
		}
		yq_buf_reset(&host);
		yq_buf_reset(&err);
		if (url_host(url, &host)) {
			status = YQ_EXIT_RUNTIME;
			break;
		}
		rc = yq_feed_fetch(f, st, (int64_t)time(NULL), tz, format, &res, &feed, &err);
		if (rc == 0 && res.outcome == YQ_FETCH_BACKOFF) {
			yq_cli_err(CMD, "%s (%s)", res.error.s, url);
			status = YQ_EXIT_RUNTIME;
		} else if (rc) {
			yq_cli_err(CMD, "%s (%s)", err.len ? err.s : yq_strerror(rc), url);
			status = YQ_EXIT_RUNTIME;
		}
		for (size_t k = 0; k < feed.n; k++) {
			yq_buf_reset(&out);
			if ((rc = post_json(&feed.items[k], host.s, tz, &out)) ||
			    fwrite(out.s, 1, out.len, stdout) != out.len) {
				yq_cli_err(CMD, "cannot write a post: %s", yq_strerror(rc ? rc : YQ_EIO));
				status = YQ_EXIT_RUNTIME;
				break;
			}
		}
		yq_feed_release(&feed);
	}
	if (state_path && save_states(state_path, &states))
		status = YQ_EXIT_RUNTIME;
out:
	if (fflush(stdout) && status == YQ_EXIT_OK) {
		yq_cli_err(CMD, "cannot write to stdout");
		status = YQ_EXIT_RUNTIME;
	}
	yq_fetch_result_release(&res);
	yq_feed_release(&feed);
	yq_fetcher_free(f);
	yq_tz_free(tz);
	states_free(&states);
	yq_buf_release(&out);
	yq_buf_release(&host);
	yq_buf_release(&err);
	return status;
}
