/*
 * config.c — the `channels:` and `roster:` sections of yuqing.yaml (format
 * in deliver.h and docs/delivery.md) into a struct yq_deliver_config.
 *
 * Every error names the YAML line.  Caps: 64 channels, 16 roster levels,
 * 256 recipients a level, 4096 bytes a string; unknown keys are errors, so
 * a typo (`secert:`) never silently turns signing off.
 */
#include "deliver/deliver.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/error.h"
#include "base/utf8.h"
#include "deliver/channel.h"
#include "deliver/mail.h"

#define CHANNELS_MAX 64
#define LEVELS_MAX 16
#define RECIPIENTS_MAX 256
#define STRING_MAX 4096

struct ps {
	yaml_document_t *doc;
	struct yq_buf *err;
	struct yq_deliver_config *cfg;
};

__attribute__((format(printf, 3, 4)))
static int fail(struct ps *p, const yaml_node_t *n, const char *fmt, ...)
{
	va_list ap;
	yq_buf_reset(p->err);
	yq_buf_printf(p->err, "line %zu: ", n ? (size_t)n->start_mark.line + 1 : (size_t)1);
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

static int dup_str(struct ps *p, const yaml_node_t *n, const char *what, char **out)
{
	const char *s = scalar(n);
	if (!s)
		return fail(p, n, "%s must be a string", what);
	size_t len = n->data.scalar.length;
	if (len > STRING_MAX || strlen(s) != len || !yq_utf8_valid(s, len))
		return fail(p, n, "%s must be UTF-8 text of at most %d bytes", what, STRING_MAX);
	free(*out);
	*out = strdup(s);
	return *out ? 0 : YQ_ENOMEM;
}

static int parse_int(struct ps *p, const yaml_node_t *n, const char *what, long long max,
		     long long *out)
{
	const char *s = scalar(n);
	char *end;
	if (!s || *s < '0' || *s > '9')
		return fail(p, n, "%s must be a whole number", what);
	errno = 0;
	long long v = strtoll(s, &end, 10);
	if (*end || errno || v > max)
		return fail(p, n, "%s must be a whole number up to %lld", what, max);
	*out = v;
	return 0;
}

static int has_prefix(const char *s, const char *pre)
{
	return s && !strncmp(s, pre, strlen(pre));
}

static int parse_from(struct ps *p, const yaml_node_t *n, struct yq_channel *c)
{
	if (n->type == YAML_SCALAR_NODE)
		return dup_str(p, n, "from", &c->from_addr);
	if (n->type != YAML_MAPPING_NODE)
		return fail(p, n, "from must be an address or {name, address}");
	for (yaml_node_pair_t *pr = n->data.mapping.pairs.start; pr < n->data.mapping.pairs.top;
	     pr++) {
		const char *k = scalar(node(p, pr->key));
		yaml_node_t *v = node(p, pr->value);
		int rc;
		if (k && !strcmp(k, "name"))
			rc = dup_str(p, v, "from.name", &c->from_name);
		else if (k && !strcmp(k, "address"))
			rc = dup_str(p, v, "from.address", &c->from_addr);
		else
			rc = fail(p, v, "unknown key '%s' in from", k ? k : "?");
		if (rc)
			return rc;
	}
	return 0;
}

static int parse_channel(struct ps *p, const yaml_node_t *n, struct yq_channel *c)
{
	const char *kind = NULL;
	char *tls = NULL, *intr = NULL;
	int rc = 0;

	c->timeout_s = 10;
	c->tls = 1;
	if (n->type != YAML_MAPPING_NODE)
		return fail(p, n, "a channel must be a mapping");
	for (yaml_node_pair_t *pr = n->data.mapping.pairs.start;
	     !rc && pr < n->data.mapping.pairs.top; pr++) {
		const char *k = scalar(node(p, pr->key));
		yaml_node_t *v = node(p, pr->value);
		long long t;
		if (!k)
			rc = fail(p, v, "channel keys must be strings");
		else if (!strcmp(k, "name"))
			rc = dup_str(p, v, "name", &c->name);
		else if (!strcmp(k, "kind") || !strcmp(k, "type")) {
			kind = scalar(v);
			int i;
			for (i = 0; i <= YQ_CHANNEL_EMAIL; i++)
				if (kind && !strcmp(kind, yq_channel_kind_name(i)))
					break;
			if (i > YQ_CHANNEL_EMAIL)
				rc = fail(p, v, "kind must be webhook, wecom, dingtalk, feishu or email");
			else
				c->kind = (enum yq_channel_kind)i;
		} else if (!strcmp(k, "url") || !strcmp(k, "smtp"))
			rc = dup_str(p, v, k, &c->url);
		else if (!strcmp(k, "secret"))
			rc = dup_str(p, v, k, &c->secret);
		else if (!strcmp(k, "keyword"))
			rc = dup_str(p, v, k, &c->keyword);
		else if (!strcmp(k, "title"))
			rc = dup_str(p, v, k, &c->title_tmpl);
		else if (!strcmp(k, "body"))
			rc = dup_str(p, v, k, &c->body_tmpl);
		else if (!strcmp(k, "from"))
			rc = parse_from(p, v, c);
		else if (!strcmp(k, "username"))
			rc = dup_str(p, v, k, &c->username);
		else if (!strcmp(k, "password"))
			rc = dup_str(p, v, k, &c->password);
		else if (!strcmp(k, "tls")) {
			if (!(rc = dup_str(p, v, k, &tls))) {
				if (!strcmp(tls, "none"))
					c->tls = 0;
				else if (!strcmp(tls, "try"))
					c->tls = 1;
				else if (!strcmp(tls, "required"))
					c->tls = 2;
				else
					rc = fail(p, v, "tls must be none, try or required");
			}
		} else if (!strcmp(k, "interrupted")) {
			if (!(rc = dup_str(p, v, k, &intr)) && strcmp(intr, "resend") &&
			    strcmp(intr, "hold"))
				rc = fail(p, v, "interrupted must be resend or hold");
		} else if (!strcmp(k, "timeout")) {
			if (!(rc = parse_int(p, v, "timeout", 300, &t))) {
				if (t < 1)
					rc = fail(p, v, "timeout must be at least 1 second");
				c->timeout_s = (int)t;
			}
		} else
			rc = fail(p, v, "unknown channel key '%s'", k);
	}
	free(tls);
	if (!rc)
		c->resend_interrupted = intr ? !strcmp(intr, "resend")
					     : c->kind == YQ_CHANNEL_WEBHOOK ||
						       c->kind == YQ_CHANNEL_EMAIL;
	free(intr);
	if (rc)
		return rc;
	if (!c->name || !*c->name)
		return fail(p, n, "a channel needs a name");
	if (!kind)
		return fail(p, n, "channel %s needs a kind", c->name);
	if (!c->url)
		return fail(p, n, "channel %s needs a url", c->name);
	if (c->kind == YQ_CHANNEL_EMAIL) {
		if (!has_prefix(c->url, "smtp://") && !has_prefix(c->url, "smtps://"))
			return fail(p, n, "channel %s: an e-mail url is smtp:// or smtps://", c->name);
		if (!yq_mail_addr_ok(c->from_addr))
			return fail(p, n, "channel %s needs a from address (ASCII local@domain)",
				    c->name);
	} else if (!has_prefix(c->url, "http://") && !has_prefix(c->url, "https://")) {
		return fail(p, n, "channel %s: the url must be http:// or https://", c->name);
	}
	struct yq_buf e = YQ_BUF_INIT;
	if ((c->title_tmpl && yq_channel_template_check(c->title_tmpl, &e)) ||
	    (c->body_tmpl && yq_channel_template_check(c->body_tmpl, &e))) {
		rc = fail(p, n, "channel %s: %s", c->name, e.s);
		yq_buf_release(&e);
		return rc;
	}
	yq_buf_release(&e);
	return 0;
}

static int parse_recipient(struct ps *p, const yaml_node_t *n, struct yq_recipient *r)
{
	char *channel = NULL;
	int rc = 0;
	if (n->type != YAML_MAPPING_NODE)
		return fail(p, n, "a recipient must be a mapping with a channel");
	for (yaml_node_pair_t *pr = n->data.mapping.pairs.start;
	     !rc && pr < n->data.mapping.pairs.top; pr++) {
		const char *k = scalar(node(p, pr->key));
		yaml_node_t *v = node(p, pr->value);
		if (k && !strcmp(k, "channel"))
			rc = dup_str(p, v, k, &channel);
		else if (k && !strcmp(k, "name"))
			rc = dup_str(p, v, k, &r->name);
		else if (k && !strcmp(k, "address"))
			rc = dup_str(p, v, k, &r->address);
		else if (k && !strcmp(k, "user"))
			rc = dup_str(p, v, k, &r->user);
		else
			rc = fail(p, v, "unknown recipient key '%s'", k ? k : "?");
	}
	if (rc)
		goto out;
	long i = channel ? yq_deliver_channel_find(p->cfg, channel) : -1;
	if (i < 0) {
		rc = fail(p, n, "recipient names no configured channel '%s'", channel ? channel : "");
		goto out;
	}
	r->channel = (size_t)i;
	if (p->cfg->channels[i].kind == YQ_CHANNEL_EMAIL && !yq_mail_addr_ok(r->address))
		rc = fail(p, n, "an e-mail recipient needs an address (ASCII local@domain)");
	else if (p->cfg->channels[i].kind != YQ_CHANNEL_EMAIL && r->address)
		rc = fail(p, n, "only e-mail recipients have an address");
out:
	free(channel);
	return rc;
}

static int parse_level(struct ps *p, const yaml_node_t *n, struct yq_roster_level *l)
{
	const yaml_node_t *to = NULL;
	int rc = 0, have_after = 0;
	if (n->type != YAML_MAPPING_NODE)
		return fail(p, n, "a roster level must be a mapping {after_minutes, notify}");
	for (yaml_node_pair_t *pr = n->data.mapping.pairs.start;
	     !rc && pr < n->data.mapping.pairs.top; pr++) {
		const char *k = scalar(node(p, pr->key));
		yaml_node_t *v = node(p, pr->value);
		long long m;
		if (k && !strcmp(k, "after_minutes")) {
			if (!(rc = parse_int(p, v, k, 7 * 24 * 60, &m)))
				l->after_minutes = m;
			have_after = 1;
		} else if (k && !strcmp(k, "notify"))
			to = v;
		else
			rc = fail(p, v, "unknown roster key '%s'", k ? k : "?");
	}
	if (rc)
		return rc;
	if (!have_after)
		return fail(p, n, "a roster level needs after_minutes");
	if (!to || to->type != YAML_SEQUENCE_NODE)
		return fail(p, n, "a roster level needs a notify list");
	size_t cnt = (size_t)(to->data.sequence.items.top - to->data.sequence.items.start);
	if (cnt > RECIPIENTS_MAX)
		return fail(p, to, "more than %d recipients in a level", RECIPIENTS_MAX);
	if (cnt && !(l->to = calloc(cnt, sizeof *l->to)))
		return YQ_ENOMEM;
	for (size_t i = 0; i < cnt && !rc; i++) {
		rc = parse_recipient(p, node(p, to->data.sequence.items.start[i]), &l->to[i]);
		l->n = i + 1;
	}
	return rc;
}

long yq_deliver_channel_find(const struct yq_deliver_config *cfg, const char *name)
{
	for (size_t i = 0; name && i < cfg->n_channels; i++)
		if (!strcmp(cfg->channels[i].name, name))
			return (long)i;
	return -1;
}

int yq_deliver_config_parse(yaml_document_t *doc, yaml_node_t *channels, yaml_node_t *roster,
			    struct yq_deliver_config **out, struct yq_buf *err)
{
	struct yq_deliver_config *cfg = calloc(1, sizeof *cfg);
	struct ps p = {doc, err, cfg};
	int rc = 0;

	*out = NULL;
	if (!cfg)
		return YQ_ENOMEM;
	cfg->retry_base_s = 30;
	cfg->retry_max_s = 3600;
	cfg->max_attempts = 8;
	if (channels && channels->type != YAML_SEQUENCE_NODE) {
		rc = fail(&p, channels, "channels must be a list");
		goto out;
	}
	size_t nc = channels ? (size_t)(channels->data.sequence.items.top -
					channels->data.sequence.items.start)
			     : 0;
	if (nc > CHANNELS_MAX) {
		rc = fail(&p, channels, "more than %d channels", CHANNELS_MAX);
		goto out;
	}
	if (nc && !(cfg->channels = calloc(nc, sizeof *cfg->channels))) {
		rc = YQ_ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < nc && !rc; i++) {
		yaml_node_t *n = node(&p, channels->data.sequence.items.start[i]);
		cfg->n_channels = i + 1;
		rc = parse_channel(&p, n, &cfg->channels[i]);
		for (size_t j = 0; !rc && j < i; j++)
			if (!strcmp(cfg->channels[j].name, cfg->channels[i].name))
				rc = fail(&p, n, "two channels are called %s", cfg->channels[i].name);
	}
	if (rc)
		goto out;
	if (roster && roster->type != YAML_SEQUENCE_NODE) {
		rc = fail(&p, roster, "roster must be a list of levels");
		goto out;
	}
	size_t nl = roster ? (size_t)(roster->data.sequence.items.top -
				      roster->data.sequence.items.start)
			   : 0;
	if (nl > LEVELS_MAX) {
		rc = fail(&p, roster, "more than %d roster levels", LEVELS_MAX);
		goto out;
	}
	if (nl && !(cfg->levels = calloc(nl, sizeof *cfg->levels))) {
		rc = YQ_ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < nl && !rc; i++) {
		yaml_node_t *n = node(&p, roster->data.sequence.items.start[i]);
		cfg->n_levels = i + 1;
		rc = parse_level(&p, n, &cfg->levels[i]);
		if (!rc && i == 0 && cfg->levels[0].after_minutes != 0)
			rc = fail(&p, n, "the first roster level has after_minutes: 0");
		if (!rc && i > 0 && cfg->levels[i].after_minutes <= cfg->levels[i - 1].after_minutes)
			rc = fail(&p, n, "after_minutes must increase from level to level");
	}
out:
	if (rc) {
		yq_deliver_config_free(cfg);
		return rc;
	}
	*out = cfg;
	return 0;
}

int yq_deliver_config_load(const char *path, struct yq_deliver_config **out, struct yq_buf *err)
{
	yaml_parser_t parser;
	yaml_document_t doc;
	yaml_node_t *root, *ch = NULL, *ro = NULL;
	FILE *f = fopen(path, "rb");
	int rc;

	*out = NULL;
	if (!f) {
		yq_buf_reset(err);
		yq_buf_printf(err, "%s: %s", path, strerror(errno));
		return YQ_EIO;
	}
	if (!yaml_parser_initialize(&parser)) {
		fclose(f);
		return YQ_ENOMEM;
	}
	yaml_parser_set_input_file(&parser, f);
	if (!yaml_parser_load(&parser, &doc)) {
		yq_buf_reset(err);
		yq_buf_printf(err, "line %zu: %s", parser.problem_mark.line + 1,
			      parser.problem ? parser.problem : "YAML error");
		yaml_parser_delete(&parser);
		fclose(f);
		return YQ_EFORMAT;
	}
	root = yaml_document_get_root_node(&doc);
	if (root && root->type == YAML_MAPPING_NODE) {
		for (yaml_node_pair_t *pr = root->data.mapping.pairs.start;
		     pr < root->data.mapping.pairs.top; pr++) {
			const char *k = scalar(yaml_document_get_node(&doc, pr->key));
			if (k && !strcmp(k, "channels"))
				ch = yaml_document_get_node(&doc, pr->value);
			else if (k && !strcmp(k, "roster"))
				ro = yaml_document_get_node(&doc, pr->value);
		}
	}
	rc = yq_deliver_config_parse(&doc, ch, ro, out, err);
	yaml_document_delete(&doc);
	yaml_parser_delete(&parser);
	fclose(f);
	return rc;
}

void yq_deliver_config_free(struct yq_deliver_config *cfg)
{
	if (!cfg)
		return;
	for (size_t i = 0; i < cfg->n_channels; i++) {
		struct yq_channel *c = &cfg->channels[i];
		free(c->name);
		free(c->url);
		free(c->secret);
		free(c->keyword);
		free(c->title_tmpl);
		free(c->body_tmpl);
		free(c->from_name);
		free(c->from_addr);
		free(c->username);
		free(c->password);
	}
	for (size_t i = 0; i < cfg->n_levels; i++) {
		for (size_t j = 0; j < cfg->levels[i].n; j++) {
			free(cfg->levels[i].to[j].name);
			free(cfg->levels[i].to[j].address);
			free(cfg->levels[i].to[j].user);
		}
		free(cfg->levels[i].to);
	}
	free(cfg->channels);
	free(cfg->levels);
	free(cfg);
}
