/*
 * api_posts.c — POST /api/posts (push), GET /api/posts (search and
 * filters), GET /api/posts/{id}.
 *
 * Push: the body is JSON Lines, each line a post read with exactly the
 * field mapping of `yuqing replay` (collect/reader.h: aliases, id hashing,
 * times in the configured zone).  ?source=NAME names a configured source
 * (its name is the posts' source unless a record names one; its counters
 * and health count them); without it records lacking a source get "push".
 * Each good line is queued for the writer (backpressure: a full queue is
 * waited on for limits.push_wait_ms, then the push answers 503 with what
 * was accepted so far, and the client resends the rest; ids make resending
 * harmless).  The answer counts accepted and rejected lines and lists the
 * first errors with their line numbers; a body with no acceptable line is
 * 400.
 */
#include "base/error.h"
#include "serve/internal.h"
#include "store/query.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MAX_ERRORS 100 /* per-line errors listed in one answer */

void yq_api_posts_push(struct yq_req *r)
{
	struct yq_daemon *d = r->d;
	const char *src_name = yq_req_arg(r, "source");
	int src = -1;
	struct yq_reader *rd = NULL;
	struct yq_reader_config rc = {0};
	struct yq_buf err = YQ_BUF_INIT;
	json_t *errors = json_array();
	int64_t accepted = 0, rejected = 0, line = 0;
	int full = 0;
	if (!errors)
		goto nomem;
	if (!src_name) {
		/* counted under the name the posts get; a configured "push"
		 * source shares it */
		for (size_t i = 0; i < d->cfg->nsources; i++)
			if (!strcmp(d->cfg->sources[i].name, "push"))
				src = (int)i;
	} else {
		for (size_t i = 0; i < d->cfg->nsources; i++)
			if (!strcmp(d->cfg->sources[i].name, src_name))
				src = (int)i;
		if (src < 0 || d->cfg->sources[src].kind != YQ_SOURCE_PUSH) {
			yq_req_error(r, 400, "source '%s' is not a configured push source", src_name);
			goto out;
		}
	}
	if (!r->body.len) {
		yq_req_error(r, 400, "empty body: expected posts as JSON Lines");
		goto out;
	}
	if (!yq_req_tz(r))
		goto out;
	rc.source = src_name ? src_name : "push";
	rc.tz = r->tz;
	rc.now = (int64_t)time(NULL);
	if (src_name)
		rc.map = d->cfg->sources[src].map;
	if (yq_reader_open(NULL, &rc, &rd, &err)) {
		yq_req_error(r, 400, "%s", err.s);
		goto out;
	}
	const char *s = r->body.s, *end = s + r->body.len;
	while (s < end) {
		const char *nl = memchr(s, '\n', (size_t)(end - s));
		const char *e = nl ? nl : end;
		size_t n = (size_t)(e - s);
		line++;
		if (n && s[n - 1] == '\r')
			n--;
		size_t k = 0;
		while (k < n && (s[k] == ' ' || s[k] == '\t'))
			k++;
		if (k < n) {
			struct yq_post post;
			int prc = yq_reader_parse_json(rd, s, n, &post, &err);
			if (prc == YQ_ENOMEM)
				goto nomem;
			if (prc) {
				rejected++;
				yq_metrics_source(d->m, src, YQ_M_REJECTED, 1);
				if (json_array_size(errors) < MAX_ERRORS &&
				    json_array_append_new(errors, json_pack("{s:I,s:s}", "line",
									     (json_int_t)line, "error",
									     err.s)))
					goto nomem;
			} else {
				struct yq_item *it = yq_item_new(&post, src, NULL, 0);
				if (!it)
					goto nomem;
				int q = yq_queue_push(d->q, it, d->cfg->push_wait_ms);
				if (q) {
					yq_item_free(it);
					yq_metrics_add(d->m, YQ_M_PUSH_FULL, 1);
					full = 1;
					break;
				}
				accepted++;
			}
		}
		s = nl ? nl + 1 : end;
	}
	json_t *res = json_pack("{s:I,s:I,s:o}", "accepted", (json_int_t)accepted, "rejected",
				(json_int_t)rejected, "errors", errors);
	errors = NULL;
	if (!res)
		goto nomem;
	if (full) {
		json_object_set_new(res, "error", json_string("the ingest queue is full; resend from "
							      "the line after the accepted ones"));
		json_object_set_new(res, "resend_from_line", json_integer(line));
		yq_req_json(r, 503, res);
	} else if (!accepted && rejected) {
		json_object_set_new(res, "error", json_string("no line is an acceptable post"));
		yq_req_json(r, 400, res);
	} else if (!accepted) {
		json_decref(res);
		yq_req_error(r, 400, "empty body: expected posts as JSON Lines");
	} else {
		yq_req_json(r, 200, res);
	}
	goto out;
nomem:
	yq_req_error(r, 500, "out of memory");
out:
	json_decref(errors);
	yq_reader_close(rd);
	yq_buf_release(&err);
}

/* page: limit and offset arguments. */
static int page(struct yq_req *r, size_t *limit, size_t *offset)
{
	int64_t l = 50, o = 0;
	if (yq_req_int(r, "limit", 1, YQ_QUERY_LIMIT_MAX, &l) ||
	    yq_req_int(r, "offset", 0, YQ_QUERY_OFFSET_MAX, &o))
		return -1;
	*limit = (size_t)l;
	*offset = (size_t)o;
	return 0;
}

void yq_api_posts_list(struct yq_req *r)
{
	struct yq_post_filter f = {0};
	struct yq_buf err = YQ_BUF_INIT;
	json_t *res = NULL;
	sqlite3 *db;
	f.q = yq_req_arg(r, "q");
	f.scheme = yq_req_arg(r, "scheme");
	f.sentiment = yq_req_arg(r, "sentiment");
	if (f.sentiment && strcmp(f.sentiment, "negative") && strcmp(f.sentiment, "neutral") &&
	    strcmp(f.sentiment, "positive")) {
		yq_req_error(r, 400, "sentiment must be negative, neutral or positive");
		goto out;
	}
	f.source = yq_req_arg(r, "source");
	if (yq_req_time(r, "since", &f.since, &f.has_since) ||
	    yq_req_time(r, "until", &f.until, &f.has_until) ||
	    yq_req_int(r, "event", 1, INT64_MAX, &f.event) || page(r, &f.limit, &f.offset))
		goto out;
	if (!(db = yq_req_db(r)) || !yq_req_tz(r))
		goto out;
	int rc = yq_query_posts(db, r->tz, &f, &res, &err);
	yq_req_answer(r, rc, res, &err);
out:
	yq_buf_release(&err);
}

void yq_api_post_get(struct yq_req *r)
{
	struct yq_buf err = YQ_BUF_INIT;
	json_t *res = NULL;
	sqlite3 *db = yq_req_db(r);
	if (db && yq_req_tz(r)) {
		int rc = yq_query_post(db, r->tz, r->param, yq_req_arg(r, "source"), &res, &err);
		if (rc == YQ_EINVAL)
			yq_req_error(r, 409, "%s", err.s);
		else if (rc)
			yq_req_db_error(r, rc, &err);
		else
			yq_req_json(r, 200, res);
	}
	yq_buf_release(&err);
}
