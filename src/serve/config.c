/*
 * config.c — the daemon's YAML configuration; see config.h.
 *
 * Design: the whole file (capped) is loaded into a libyaml document and the
 * node tree is walked with a table of known keys, so every key is checked
 * for its type and every unknown key reported with its line.  Paths are
 * resolved once, here, against the file's directory.
 */
#include "serve/config.h"
#include "base/error.h"
#include "cli/input.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <yaml.h>

struct ps {
	const char *path;
	yaml_document_t *doc;
	struct yq_serve_config *c;
	struct yq_buf *err;
};

static int fail(struct ps *p, const yaml_node_t *n, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int fail(struct ps *p, const yaml_node_t *n, const char *fmt, ...)
{
	va_list ap;
	yq_buf_printf(p->err, "%s:%zu: ", p->path, n ? (size_t)n->start_mark.line + 1 : (size_t)1);
	va_start(ap, fmt);
	yq_buf_vprintf(p->err, fmt, ap);
	va_end(ap);
	return YQ_EFORMAT;
}

static yaml_node_t *node(struct ps *p, int i)
{
	return yaml_document_get_node(p->doc, i);
}

static const char *scalar(const yaml_node_t *n)
{
	return n && n->type == YAML_SCALAR_NODE ? (const char *)n->data.scalar.value : NULL;
}

/* str: a copy of scalar n (capped at max bytes), or an error. */
static int str(struct ps *p, const yaml_node_t *n, size_t max, char **out)
{
	const char *s = scalar(n);
	if (!s)
		return fail(p, n, "expected a string");
	if (strlen(s) > max)
		return fail(p, n, "value longer than %zu bytes", max);
	free(*out);
	if (!(*out = strdup(s)))
		return YQ_ENOMEM;
	return YQ_OK;
}

/* resolve: path s made absolute against the config's directory. */
static int resolve(struct ps *p, const yaml_node_t *n, char **out)
{
	const char *s = scalar(n);
	if (!s || !*s)
		return fail(p, n, "expected a path");
	if (strlen(s) > PATH_MAX)
		return fail(p, n, "path longer than %d bytes", PATH_MAX);
	struct yq_buf b = YQ_BUF_INIT;
	int rc = s[0] == '/' ? yq_buf_adds(&b, s) : yq_buf_printf(&b, "%s/%s", p->c->dir, s);
	if (rc) {
		yq_buf_release(&b);
		return YQ_ENOMEM;
	}
	free(*out);
	*out = yq_buf_detach(&b, NULL);
	return *out ? YQ_OK : YQ_ENOMEM;
}

static int integer(struct ps *p, const yaml_node_t *n, int64_t min, int64_t max, int64_t *out)
{
	const char *s = scalar(n);
	char *end;
	if (!s)
		return fail(p, n, "expected a number");
	errno = 0;
	long long v = strtoll(s, &end, 10);
	if (errno || end == s || *end || v < min || v > max)
		return fail(p, n, "expected a whole number in [%lld, %lld]", (long long)min,
			    (long long)max);
	*out = v;
	return YQ_OK;
}

/* duration: "90", "90s", "10m", "1h", "1d" (cli/input.h). */
static int duration(struct ps *p, const yaml_node_t *n, int64_t *out)
{
	const char *s = scalar(n);
	int64_t v = s ? yq_parse_duration(s) : -1;
	if (v <= 0)
		return fail(p, n, "expected a duration (90s, 10m, 1h, 1d)");
	*out = v;
	return YQ_OK;
}

static int boolean(struct ps *p, const yaml_node_t *n, int *out)
{
	const char *s = scalar(n);
	if (s && (!strcmp(s, "true") || !strcmp(s, "yes") || !strcmp(s, "on")))
		*out = 1;
	else if (s && (!strcmp(s, "false") || !strcmp(s, "no") || !strcmp(s, "off")))
		*out = 0;
	else
		return fail(p, n, "expected true or false");
	return YQ_OK;
}

/* listen: "HOST:PORT" or ":PORT" or "PORT". */
static int listen_addr(struct ps *p, const yaml_node_t *n)
{
	const char *s = scalar(n);
	if (!s || strlen(s) > 255)
		return fail(p, n, "expected HOST:PORT");
	const char *colon = strrchr(s, ':');
	const char *ps = colon ? colon + 1 : s;
	char *end;
	errno = 0;
	long port = strtol(ps, &end, 10);
	if (errno || end == ps || *end || port < 0 || port > 65535)
		return fail(p, n, "bad port in '%s'", s);
	p->c->port = (int)port;
	if (colon && colon > s) {
		free(p->c->host);
		if (!(p->c->host = strndup(s, (size_t)(colon - s))))
			return YQ_ENOMEM;
	}
	return YQ_OK;
}

/* words: a sequence of scalars (or one "a,b" scalar) joined by commas. */
static int word_list(struct ps *p, const yaml_node_t *n, char **out)
{
	struct yq_buf b = YQ_BUF_INIT;
	int rc = YQ_OK;
	if (n->type == YAML_SCALAR_NODE) {
		rc = yq_buf_adds(&b, scalar(n));
	} else if (n->type == YAML_SEQUENCE_NODE) {
		for (yaml_node_item_t *it = n->data.sequence.items.start;
		     it < n->data.sequence.items.top && !rc; it++) {
			const char *w = scalar(node(p, *it));
			if (!w || strchr(w, ',')) {
				rc = fail(p, node(p, *it), "expected a word without commas");
				break;
			}
			if (b.len)
				rc = yq_buf_addc(&b, ',');
			if (!rc)
				rc = yq_buf_adds(&b, w);
		}
	} else {
		rc = fail(p, n, "expected a list of words");
	}
	if (!rc && b.len) {
		free(*out);
		*out = yq_buf_detach(&b, NULL);
		if (!*out)
			rc = YQ_ENOMEM;
	}
	yq_buf_release(&b);
	return rc;
}

static int source(struct ps *p, const yaml_node_t *n, struct yq_serve_source *s)
{
	int rc = YQ_OK;
	const yaml_node_t *where = NULL;
	s->interval = 300;
	s->kind = -1;
	if (n->type != YAML_MAPPING_NODE)
		return fail(p, n, "a source is a mapping (name, kind, path or url …)");
	for (yaml_node_pair_t *pr = n->data.mapping.pairs.start;
	     pr < n->data.mapping.pairs.top && !rc; pr++) {
		const char *k = scalar(node(p, pr->key));
		yaml_node_t *v = node(p, pr->value);
		if (!k)
			return fail(p, node(p, pr->key), "expected a key");
		if (!strcmp(k, "name"))
			rc = str(p, v, YQ_SERVE_NAME_MAX, &s->name);
		else if (!strcmp(k, "kind")) {
			const char *x = scalar(v);
			if (x && !strcmp(x, "file"))
				s->kind = YQ_SOURCE_FILE;
			else if (x && !strcmp(x, "dir"))
				s->kind = YQ_SOURCE_DIR;
			else if (x && !strcmp(x, "feed"))
				s->kind = YQ_SOURCE_FEED;
			else if (x && !strcmp(x, "push"))
				s->kind = YQ_SOURCE_PUSH;
			else
				rc = fail(p, v, "kind is file, dir, feed or push");
		} else if (!strcmp(k, "path")) {
			rc = resolve(p, v, &s->path);
			where = v;
		} else if (!strcmp(k, "url")) {
			rc = str(p, v, 8192, &s->path);
			where = v;
		} else if (!strcmp(k, "format"))
			rc = str(p, v, 16, &s->format);
		else if (!strcmp(k, "map"))
			rc = str(p, v, 4096, &s->map);
		else if (!strcmp(k, "platform"))
			rc = str(p, v, YQ_SERVE_NAME_MAX, &s->platform);
		else if (!strcmp(k, "tier"))
			rc = str(p, v, YQ_SERVE_NAME_MAX, &s->tier);
		else if (!strcmp(k, "region"))
			rc = str(p, v, YQ_SERVE_NAME_MAX, &s->region);
		else if (!strcmp(k, "interval"))
			rc = duration(p, v, &s->interval);
		else
			rc = fail(p, node(p, pr->key), "unknown source key '%s'", k);
	}
	if (rc)
		return rc;
	if (!s->name || !*s->name)
		return fail(p, n, "a source needs a name");
	if ((int)s->kind < 0)
		return fail(p, n, "source '%s' needs a kind (file, dir, feed, push)", s->name);
	if (s->kind == YQ_SOURCE_PUSH && s->path)
		return fail(p, where, "a push source has no path or url");
	if (s->kind != YQ_SOURCE_PUSH && !s->path)
		return fail(p, n, "source '%s' needs a %s", s->name,
			    s->kind == YQ_SOURCE_FEED ? "url" : "path");
	return YQ_OK;
}

static int sources(struct ps *p, const yaml_node_t *n)
{
	struct yq_serve_config *c = p->c;
	if (n->type != YAML_SEQUENCE_NODE)
		return fail(p, n, "sources is a list");
	size_t k = (size_t)(n->data.sequence.items.top - n->data.sequence.items.start);
	if (k > YQ_SERVE_SOURCES_MAX)
		return fail(p, n, "more than %d sources", YQ_SERVE_SOURCES_MAX);
	if (!k)
		return YQ_OK;
	if (!(c->sources = calloc(k, sizeof(*c->sources))))
		return YQ_ENOMEM;
	for (yaml_node_item_t *it = n->data.sequence.items.start; it < n->data.sequence.items.top;
	     it++) {
		struct yq_serve_source *s = &c->sources[c->nsources++];
		int rc = source(p, node(p, *it), s);
		if (rc)
			return rc;
		for (size_t j = 0; j + 1 < c->nsources; j++)
			if (!strcmp(c->sources[j].name, s->name))
				return fail(p, node(p, *it), "duplicate source name '%s'", s->name);
	}
	return YQ_OK;
}

/* limits: a mapping of known numeric keys (table below). */
static int limits(struct ps *p, const yaml_node_t *n)
{
	struct yq_serve_config *c = p->c;
	int64_t queue = -1, body = -1, header = -1, conns = -1, replay = -1;
	const struct {
		const char *key;
		int64_t min, max;
		int64_t *dst;
	} keys[] = {
		{"queue", 1, 10000000, &queue},
		{"body_bytes", 1024, 1 << 30, &body},
		{"header_bytes", 1024, 1 << 20, &header},
		{"connections", 1, 10000, &conns},
		{"push_wait_ms", 0, 600000, &c->push_wait_ms},
		{"file_poll_ms", 10, 600000, &c->file_poll_ms},
		{"file_settle", 0, 86400, &c->file_settle},
		{"commit_ms", 1, 60000, &c->commit_ms},
		{"sse_heartbeat", 1, 3600, &c->sse_heartbeat},
		{"sse_replay", 1, 1000000, &replay},
	};
	if (n->type != YAML_MAPPING_NODE)
		return fail(p, n, "expected a mapping");
	for (yaml_node_pair_t *pr = n->data.mapping.pairs.start; pr < n->data.mapping.pairs.top;
	     pr++) {
		const char *k = scalar(node(p, pr->key));
		size_t i = 0;
		while (k && i < sizeof keys / sizeof keys[0] && strcmp(k, keys[i].key))
			i++;
		if (!k || i == sizeof keys / sizeof keys[0])
			return fail(p, node(p, pr->key), "unknown limits key '%s'", k ? k : "?");
		int rc = integer(p, node(p, pr->value), keys[i].min, keys[i].max, keys[i].dst);
		if (rc)
			return rc;
	}
	if (queue > 0)
		c->queue = (size_t)queue;
	if (body > 0)
		c->max_body = (size_t)body;
	if (header > 0)
		c->max_header = (size_t)header;
	if (conns > 0)
		c->connections = (unsigned)conns;
	if (replay > 0)
		c->sse_replay = (size_t)replay;
	return YQ_OK;
}

static int pipeline(struct ps *p, const yaml_node_t *n)
{
	struct yq_serve_config *c = p->c;
	int rc = YQ_OK;
	if (n->type != YAML_MAPPING_NODE)
		return fail(p, n, "expected a mapping");
	for (yaml_node_pair_t *pr = n->data.mapping.pairs.start;
	     pr < n->data.mapping.pairs.top && !rc; pr++) {
		const char *k = scalar(node(p, pr->key));
		yaml_node_t *v = node(p, pr->value);
		if (!k)
			return fail(p, node(p, pr->key), "expected a key");
		if (!strcmp(k, "bucket"))
			rc = duration(p, v, &c->bucket);
		else if (!strcmp(k, "close_after"))
			rc = duration(p, v, &c->close_after);
		else if (!strcmp(k, "min_count"))
			rc = integer(p, v, 1, 1000000, &c->min_count);
		else if (!strcmp(k, "engagement")) {
			int on = 1;
			rc = boolean(p, v, &on);
			c->no_engagement = !on;
		} else
			rc = fail(p, node(p, pr->key), "unknown pipeline key '%s'", k);
	}
	return rc;
}

static int root(struct ps *p, const yaml_node_t *n)
{
	struct yq_serve_config *c = p->c;
	int rc = YQ_OK;
	if (!n)
		return YQ_OK; /* an empty file: every default */
	if (n->type != YAML_MAPPING_NODE)
		return fail(p, n, "the configuration is a mapping of keys");
	for (yaml_node_pair_t *pr = n->data.mapping.pairs.start;
	     pr < n->data.mapping.pairs.top && !rc; pr++) {
		const char *k = scalar(node(p, pr->key));
		yaml_node_t *v = node(p, pr->value);
		if (!k)
			return fail(p, node(p, pr->key), "expected a key");
		if (!strcmp(k, "database"))
			rc = resolve(p, v, &c->db);
		else if (!strcmp(k, "listen"))
			rc = listen_addr(p, v);
		else if (!strcmp(k, "port_file"))
			rc = resolve(p, v, &c->port_file);
		else if (!strcmp(k, "timezone"))
			rc = str(p, v, 64, &c->tz);
		else if (!strcmp(k, "web")) {
			const char *x = scalar(v);
			rc = x && !strcmp(x, "none") ? str(p, v, 8, &c->web) : resolve(p, v, &c->web);
		}
		else if (!strcmp(k, "schemes"))
			rc = resolve(p, v, &c->schemes);
		else if (!strcmp(k, "gazetteer")) {
			const char *x = scalar(v);
			rc = x && !strcmp(x, "none") ? str(p, v, 8, &c->gazetteer)
						     : resolve(p, v, &c->gazetteer);
		}
		else if (!strcmp(k, "sensitivity")) {
			const char *x = scalar(v);
			rc = x && !strcmp(x, "none") ? str(p, v, 8, &c->sensitivity)
						     : resolve(p, v, &c->sensitivity);
		} else if (!strcmp(k, "jurisdiction"))
			rc = word_list(p, v, &c->jurisdiction);
		else if (!strcmp(k, "sentiment")) {
			const char *x = scalar(v);
			if (x && !strcmp(x, "none")) {
				free(c->sentiment);
				c->sentiment = NULL;
			} else if (x && (!strcmp(x, "sentiment") || x[0] == '/')) {
				rc = str(p, v, PATH_MAX, &c->sentiment);
			} else {
				rc = resolve(p, v, &c->sentiment);
			}
			c->sentiment_given = 1;
		} else if (!strcmp(k, "pipeline"))
			rc = pipeline(p, v);
		else if (!strcmp(k, "limits"))
			rc = limits(p, v);
		else if (!strcmp(k, "sources"))
			rc = sources(p, v);
		else if (!strcmp(k, "channels") || !strcmp(k, "roster") || !strcmp(k, "users") ||
			 !strcmp(k, "auth") || !strcmp(k, "cases"))
			continue; /* read by the delivery, auth and cases modules */
		else
			rc = fail(p, node(p, pr->key), "unknown key '%s'", k);
	}
	return rc;
}

static void defaults(struct yq_serve_config *c)
{
	c->port = 8080;
	c->queue = 10000;
	c->max_body = 8u << 20;
	c->max_header = 16u << 10;
	c->connections = 64;
	c->push_wait_ms = 5000;
	c->file_poll_ms = 500;
	c->file_settle = 2;
	c->commit_ms = 200;
	c->sse_heartbeat = 15;
	c->sse_replay = 1000;
}

int yq_serve_config_load(const char *path, struct yq_serve_config **out, struct yq_buf *err)
{
	int rc = YQ_ENOMEM;
	yaml_parser_t parser;
	yaml_document_t doc;
	int have_parser = 0, have_doc = 0;
	struct yq_buf text = YQ_BUF_INIT;
	char buf[65536];
	size_t n;
	struct yq_serve_config *c = calloc(1, sizeof(*c));
	FILE *f = NULL;
	if (!c)
		return YQ_ENOMEM;
	defaults(c);
	if (!(c->path = strdup(path)))
		goto out;
	{
		const char *slash = strrchr(path, '/');
		char *d = slash ? strndup(path, (size_t)(slash - path)) : strdup(".");
		if (!d)
			goto out;
		if (!*d) { /* "/yuqing.yaml" */
			free(d);
			if (!(d = strdup("/")))
				goto out;
		}
		c->dir = d;
	}
	if (!(f = fopen(path, "rb"))) {
		yq_buf_printf(err, "%s: cannot open: %s", path, strerror(errno));
		rc = YQ_EIO;
		goto out;
	}
	while ((n = fread(buf, 1, sizeof buf, f)) > 0) {
		if (text.len + n > YQ_SERVE_CONFIG_MAX) {
			yq_buf_printf(err, "%s: larger than %u bytes", path, YQ_SERVE_CONFIG_MAX);
			rc = YQ_ETOOBIG;
			goto out;
		}
		if (yq_buf_add(&text, buf, n))
			goto out;
	}
	if (ferror(f)) {
		yq_buf_printf(err, "%s: read error: %s", path, strerror(errno));
		rc = YQ_EIO;
		goto out;
	}
	if (!yaml_parser_initialize(&parser))
		goto out;
	have_parser = 1;
	yaml_parser_set_input_string(&parser, (const unsigned char *)text.s, text.len);
	if (!yaml_parser_load(&parser, &doc)) {
		yq_buf_printf(err, "%s:%zu: YAML: %s", path, (size_t)parser.problem_mark.line + 1,
			      parser.problem ? parser.problem : "syntax error");
		rc = YQ_EFORMAT;
		goto out;
	}
	have_doc = 1;
	{
		struct ps p = {path, &doc, c, err};
		if ((rc = root(&p, yaml_document_get_root_node(&doc)))) {
			if (rc == YQ_ENOMEM && !err->len)
				yq_buf_adds(err, "out of memory");
			goto out;
		}
	}
	rc = YQ_ENOMEM;
	if (!c->db) {
		if (!(c->db = malloc(strlen(c->dir) + 16)))
			goto out;
		sprintf(c->db, "%s/yuqing.db", c->dir);
	}
	if (!c->host && !(c->host = strdup("127.0.0.1")))
		goto out;
	if (!c->tz && !(c->tz = strdup("Asia/Shanghai")))
		goto out;
	if (!c->sentiment_given && !(c->sentiment = strdup("sentiment")))
		goto out;
	rc = YQ_OK;
	*out = c;
	c = NULL;
out:
	if (have_doc)
		yaml_document_delete(&doc);
	if (have_parser)
		yaml_parser_delete(&parser);
	if (f)
		fclose(f);
	yq_buf_release(&text);
	yq_serve_config_free(c);
	return rc;
}

void yq_serve_config_free(struct yq_serve_config *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < c->nsources; i++) {
		struct yq_serve_source *s = &c->sources[i];
		free(s->name);
		free(s->path);
		free(s->format);
		free(s->map);
		free(s->platform);
		free(s->tier);
		free(s->region);
	}
	free(c->sources);
	free(c->path);
	free(c->dir);
	free(c->db);
	free(c->host);
	free(c->port_file);
	free(c->web);
	free(c->tz);
	free(c->schemes);
	free(c->gazetteer);
	free(c->sensitivity);
	free(c->jurisdiction);
	free(c->sentiment);
	free(c);
}

const char *yq_source_kind_name(enum yq_source_kind k)
{
	switch (k) {
	case YQ_SOURCE_FILE: return "file";
	case YQ_SOURCE_DIR: return "dir";
	case YQ_SOURCE_FEED: return "feed";
	case YQ_SOURCE_PUSH: return "push";
	}
	return "?";
}
