/*
 * config.h — the daemon's configuration file (`yuqing serve --config C`),
 * YAML read with libyaml.  The format, every key and its default are in
 * docs/http-api.md ("Configuration"); config/yuqing.example.yaml is a file
 * that runs as it is.
 *
 * Relative paths (database, schemes, sensitivity, file sources) are
 * resolved against the directory of the configuration file, so a config
 * runs the same from any working directory.  Unknown top-level keys are an
 * error (a typo must not silently drop a setting), except the sections
 * other modules read from the same file (channels, roster, users).
 *
 * Ownership: a struct yq_serve_config owns every string it holds;
 * yq_serve_config_free() releases it all.
 */
#ifndef YQ_SERVE_CONFIG_H
#define YQ_SERVE_CONFIG_H

#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"

/* Caps on what a configuration may hold. */
#define YQ_SERVE_CONFIG_MAX (1u << 20) /* bytes of YAML */
#define YQ_SERVE_SOURCES_MAX 1024      /* sources */
#define YQ_SERVE_NAME_MAX 256          /* bytes of a source name, platform, tier, region */

enum yq_source_kind {
	YQ_SOURCE_FILE = 0, /* one file, followed as it grows */
	YQ_SOURCE_DIR,      /* every matching file of a directory */
	YQ_SOURCE_FEED,     /* an RSS/Atom URL, polled */
	YQ_SOURCE_PUSH,     /* posts pushed through POST /api/posts?source=NAME */
};

struct yq_serve_source {
	char *name;        /* unique; the posts' source unless they name one */
	enum yq_source_kind kind;
	char *path;        /* file or directory (resolved), or the feed URL */
	char *format;      /* reader format for files (jsonl, tsv, csv …), NULL: by name */
	char *map;         /* field map "post_field=column,…", NULL: none */
	char *platform;    /* registry (基础数据库): weibo, wechat, news, forum … */
	char *tier;        /* central, provincial, local, government, self-media, individual */
	char *region;      /* the place it covers */
	int64_t interval;  /* feed poll interval, seconds (default 300) */
};

struct yq_serve_config {
	char *path;            /* the configuration file */
	char *dir;             /* its directory */
	char *db;              /* database file (resolved); default yuqing.db */
	char *host;            /* listen address, default 127.0.0.1 */
	int port;              /* default 8080; 0: an ephemeral port */
	char *port_file;       /* write the bound port here once listening, or NULL */
	char *tz;              /* default Asia/Shanghai */
	char *web;             /* the dashboard's built assets (resolved), "none": not
				* served, NULL: found by serve/static.c (web/dist
				* beside the executable's or the config's directory) */
	char *schemes;         /* scheme YAML (resolved) or NULL */
	char *gazetteer;       /* gazetteer directory (resolved), "none", or NULL:
				* the default (yq_gazetteer_dir) */
	char *sensitivity;     /* lexicon path (resolved), "none", or NULL: default */
	char *jurisdiction;    /* place words joined by commas, or NULL */
	char *sentiment;       /* model name or path; NULL: none ("none" in YAML);
				* default "sentiment" */
	int sentiment_given;   /* the file named a model */
	/* pipeline */
	int64_t bucket, close_after;   /* seconds; 0: the pipeline's defaults */
	int64_t min_count;             /* 0: default */
	int no_engagement;
	/* limits */
	size_t queue;          /* posts waiting for the pipeline (default 10 000) */
	size_t max_body;       /* request body bytes (default 8 MiB) */
	size_t max_header;     /* request header bytes (default 16 KiB) */
	unsigned connections;  /* concurrent HTTP connections (default 64) */
	int64_t push_wait_ms;  /* how long a push waits for room in the queue (default 5000) */
	/* collectors */
	int64_t file_poll_ms;  /* how often files are checked for growth (default 500) */
	int64_t file_settle;   /* seconds a non-JSONL file must be unchanged before it is read (default 2) */
	int64_t commit_ms;     /* longest time a post waits for its commit (default 200) */
	/* live stream */
	int64_t sse_heartbeat; /* seconds between heartbeat comments (default 15) */
	size_t sse_replay;     /* messages kept for Last-Event-ID resume (default 1000) */
	struct yq_serve_source *sources;
	size_t nsources;
};

/*
 * yq_serve_config_load: reads the YAML file at path into *out (free with
 * yq_serve_config_free).  Errors: YQ_EIO (cannot read), YQ_ETOOBIG (over a
 * cap), YQ_EFORMAT (YAML syntax, an unknown key, a bad value, a duplicate
 * source name), YQ_ENOMEM; err holds "PATH:LINE: what is wrong".
 */
int yq_serve_config_load(const char *path, struct yq_serve_config **out, struct yq_buf *err);
void yq_serve_config_free(struct yq_serve_config *c);

/* yq_source_kind_name: "file", "dir", "feed", "push". */
const char *yq_source_kind_name(enum yq_source_kind k);

#endif
