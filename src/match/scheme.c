/*
 * scheme.c — loads monitoring schemes from YAML (docs/schemes.md).
 *
 * Sits at the start of the "match" stage: the loaded set is what
 * match/matcher.c compiles.  The file is read whole (capped at
 * YQ_SCHEME_FILE_MAX), parsed into a libyaml document (node tree with source
 * marks), and walked; every complaint names the 1-based line of the node it
 * is about.  Unknown keys are errors, not ignored, so a typo such as
 * "exlude:" cannot silently switch a scheme's exclusion off.
 *
 * Invariants of a loaded set: ids are non-empty and unique; every word is
 * non-empty valid UTF-8 of at most YQ_SCHEME_WORD_MAX bytes; each scheme has
 * at least one region, subject or event word; "within" is only set on a
 * non-subject group of a scheme whose subject group has words.
 */
#include "match/scheme.h"

#include "base/error.h"
#include "base/utf8.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

static const char *const group_names[YQ_NGROUPS] = {"region", "subject", "event", "exclude"};
static const char *const scope_names[] = {"any", "title", "body"};

const char *yq_group_name(enum yq_group_kind g)
{
	return (unsigned)g < YQ_NGROUPS ? group_names[g] : "?";
}

const char *yq_scope_name(enum yq_scope s)
{
	return (unsigned)s <= YQ_SCOPE_BODY ? scope_names[s] : "?";
}

/* ---- parse state ---- */

struct ps {
	yaml_document_t *doc;
	const char *name;
	struct yq_buf *err;
	size_t nwords;    /* words so far (cap YQ_SCHEME_WORDS_MAX) */
	size_t nexamples; /* examples so far (cap YQ_SCHEME_EXAMPLES_MAX) */
	size_t bytes;     /* bytes of strings copied (cap YQ_SCHEME_TEXT_MAX):
			   * YAML aliases can repeat one node many times */
};

static size_t line_of(const yaml_node_t *n)
{
	return n->start_mark.line + 1;
}

__attribute__((format(printf, 4, 5)))
static int fail(struct ps *p, const yaml_node_t *n, int code, const char *fmt, ...)
{
	va_list ap;
	yq_buf_reset(p->err);
	yq_buf_printf(p->err, "%s:%zu: ", p->name, n ? line_of(n) : (size_t)1);
	va_start(ap, fmt);
	yq_buf_vprintf(p->err, fmt, ap);
	va_end(ap);
	return code;
}

static yaml_node_t *node(struct ps *p, int i)
{
	return yaml_document_get_node(p->doc, i);
}

static const char *scalar(const yaml_node_t *n)
{
	return n && n->type == YAML_SCALAR_NODE ? (const char *)n->data.scalar.value : NULL;
}

/* A copy of a scalar node's text; YQ_EFORMAT if n is not a scalar. */
static int dup_scalar(struct ps *p, const yaml_node_t *n, const char *what, char **out)
{
	const char *s = scalar(n);
	if (!s)
		return fail(p, n, YQ_EFORMAT, "%s must be a string", what);
	if (!yq_utf8_valid(s, n->data.scalar.length) || strlen(s) != n->data.scalar.length)
		return fail(p, n, YQ_EFORMAT, "%s is not valid UTF-8 text", what);
	p->bytes += n->data.scalar.length + 1;
	if (p->bytes > YQ_SCHEME_TEXT_MAX)
		return fail(p, n, YQ_ETOOBIG, "more than %u bytes of text in the schemes",
			    YQ_SCHEME_TEXT_MAX);
	*out = strdup(s);
	return *out ? YQ_OK : YQ_ENOMEM;
}

static int parse_uint(struct ps *p, const yaml_node_t *n, const char *what, uint64_t max,
		      uint64_t *out)
{
	const char *s = scalar(n);
	char *end;
	if (!s || !*s || *s < '0' || *s > '9')
		return fail(p, n, YQ_EFORMAT, "%s must be a whole number", what);
	errno = 0;
	unsigned long long v = strtoull(s, &end, 10);
	if (*end || errno || v > max)
		return fail(p, n, YQ_EFORMAT, "%s must be a whole number up to %llu", what,
			    (unsigned long long)max);
	*out = v;
	return YQ_OK;
}

static int parse_bool(struct ps *p, const yaml_node_t *n, const char *what, int *out)
{
	static const char *const t[] = {"true", "True", "TRUE", "yes", "Yes", "on", NULL};
	static const char *const f[] = {"false", "False", "FALSE", "no", "No", "off", NULL};
	const char *s = scalar(n);
	for (int i = 0; s && t[i]; i++) {
		if (strcmp(s, t[i]) == 0) {
			*out = 1;
			return YQ_OK;
		}
		if (strcmp(s, f[i]) == 0) {
			*out = 0;
			return YQ_OK;
		}
	}
	return fail(p, n, YQ_EFORMAT, "%s must be true or false", what);
}

/* ---- groups ---- */

static int parse_words(struct ps *p, const yaml_node_t *seq, const char *gname,
		       struct yq_word_group *g)
{
	if (seq->type != YAML_SEQUENCE_NODE)
		return fail(p, seq, YQ_EFORMAT, "%s words must be a list", gname);
	size_t n = (size_t)(seq->data.sequence.items.top - seq->data.sequence.items.start);
	if (n > YQ_SCHEME_WORDS_MAX || p->nwords + n > YQ_SCHEME_WORDS_MAX)
		return fail(p, seq, YQ_ETOOBIG, "more than %u words in the file",
			    YQ_SCHEME_WORDS_MAX);
	char **w = realloc(g->words, (g->n + n) * sizeof(char *) + 1);
	if (!w)
		return YQ_ENOMEM;
	g->words = w;
	for (size_t i = 0; i < n; i++) {
		const yaml_node_t *it = node(p, seq->data.sequence.items.start[i]);
		char *s = NULL;
		int rc = dup_scalar(p, it, "a word", &s);
		if (rc)
			return rc;
		g->words[g->n++] = s;
		p->nwords++;
		size_t len = strlen(s);
		if (len == 0)
			return fail(p, it, YQ_EFORMAT, "empty word in %s", gname);
		if (len > YQ_SCHEME_WORD_MAX)
			return fail(p, it, YQ_ETOOBIG, "word longer than %u bytes in %s",
				    YQ_SCHEME_WORD_MAX, gname);
	}
	return YQ_OK;
}

/* A group is either a list of words (scope any) or a mapping
 * {words: [...], scope: title|body|any, within: N}. */
static int parse_group(struct ps *p, const yaml_node_t *n, enum yq_group_kind k,
		       struct yq_word_group *g)
{
	const char *gname = group_names[k];
	if (n->type == YAML_SEQUENCE_NODE)
		return parse_words(p, n, gname, g);
	if (n->type != YAML_MAPPING_NODE)
		return fail(p, n, YQ_EFORMAT, "%s must be a list of words or a mapping", gname);
	int have_words = 0;
	for (yaml_node_pair_t *pr = n->data.mapping.pairs.start; pr < n->data.mapping.pairs.top;
	     pr++) {
		const yaml_node_t *kn = node(p, pr->key), *vn = node(p, pr->value);
		const char *key = scalar(kn);
		int rc;
		if (!key)
			return fail(p, kn, YQ_EFORMAT, "keys of %s must be strings", gname);
		if (strcmp(key, "words") == 0) {
			rc = parse_words(p, vn, gname, g);
			have_words = 1;
		} else if (strcmp(key, "scope") == 0) {
			const char *s = scalar(vn);
			if (s && strcmp(s, "any") == 0)
				g->scope = YQ_SCOPE_ANY;
			else if (s && strcmp(s, "title") == 0)
				g->scope = YQ_SCOPE_TITLE;
			else if (s && (strcmp(s, "body") == 0 || strcmp(s, "text") == 0))
				g->scope = YQ_SCOPE_BODY;
			else
				return fail(p, vn, YQ_EFORMAT,
					    "scope of %s must be title, body or any", gname);
			rc = YQ_OK;
		} else if (strcmp(key, "within") == 0) {
			uint64_t v = 0;
			rc = parse_uint(p, vn, "within", YQ_SCHEME_WITHIN_MAX, &v);
			if (!rc && k == YQ_GROUP_SUBJECT)
				return fail(p, kn, YQ_EFORMAT,
					    "within is measured to the subject words; set it on "
					    "region, event or exclude");
			g->within = (uint32_t)v;
		} else {
			return fail(p, kn, YQ_EFORMAT, "unknown key '%s' in %s (words, scope, within)",
				    key, gname);
		}
		if (rc)
			return rc;
	}
	if (!have_words)
		return fail(p, n, YQ_EFORMAT, "%s has no 'words' list", gname);
	return YQ_OK;
}

/* ---- examples ---- */

static int parse_examples(struct ps *p, const yaml_node_t *seq, const char *what,
			  struct yq_scheme_example **out, size_t *nout)
{
	if (seq->type != YAML_SEQUENCE_NODE)
		return fail(p, seq, YQ_EFORMAT, "%s must be a list", what);
	size_t n = (size_t)(seq->data.sequence.items.top - seq->data.sequence.items.start);
	if (n > YQ_SCHEME_EXAMPLES_MAX || p->nexamples + n > YQ_SCHEME_EXAMPLES_MAX)
		return fail(p, seq, YQ_ETOOBIG, "more than %u examples in the file",
			    YQ_SCHEME_EXAMPLES_MAX);
	p->nexamples += n;
	*out = calloc(n ? n : 1, sizeof(**out));
	if (!*out)
		return YQ_ENOMEM;
	for (size_t i = 0; i < n; i++) {
		const yaml_node_t *it = node(p, seq->data.sequence.items.start[i]);
		struct yq_scheme_example *e = &(*out)[i];
		int rc;
		*nout = i + 1;
		e->line = line_of(it);
		if (it->type == YAML_SCALAR_NODE) {
			if ((rc = dup_scalar(p, it, "an example", &e->text)))
				return rc;
			continue;
		}
		if (it->type != YAML_MAPPING_NODE)
			return fail(p, it, YQ_EFORMAT,
				    "an example is a text or a mapping {title, text}");
		for (yaml_node_pair_t *pr = it->data.mapping.pairs.start;
		     pr < it->data.mapping.pairs.top; pr++) {
			const yaml_node_t *kn = node(p, pr->key), *vn = node(p, pr->value);
			const char *key = scalar(kn);
			if (key && strcmp(key, "title") == 0 && !e->title)
				rc = dup_scalar(p, vn, "title", &e->title);
			else if (key && strcmp(key, "text") == 0 && !e->text)
				rc = dup_scalar(p, vn, "text", &e->text);
			else
				return fail(p, kn, YQ_EFORMAT,
					    "an example has the keys title and text, once each");
			if (rc)
				return rc;
		}
		if (!e->title && !e->text)
			return fail(p, it, YQ_EFORMAT, "an example needs a title or a text");
	}
	return YQ_OK;
}

/* ---- schemes ---- */

static int parse_scheme(struct ps *p, const yaml_node_t *n, struct yq_scheme *s)
{
	int rc;
	s->line = line_of(n);
	s->version = 1;
	s->enabled = 1;
	if (n->type != YAML_MAPPING_NODE)
		return fail(p, n, YQ_EFORMAT, "a scheme must be a mapping");
	for (yaml_node_pair_t *pr = n->data.mapping.pairs.start; pr < n->data.mapping.pairs.top;
	     pr++) {
		const yaml_node_t *kn = node(p, pr->key), *vn = node(p, pr->value);
		const char *key = scalar(kn);
		int g = -1;
		if (!key)
			return fail(p, kn, YQ_EFORMAT, "keys of a scheme must be strings");
		for (int i = 0; i < YQ_NGROUPS; i++)
			if (strcmp(key, group_names[i]) == 0)
				g = i;
		if (g >= 0 && s->g[g].words) {
			return fail(p, kn, YQ_EFORMAT, "repeated key '%s'", key);
		} else if (g >= 0) {
			rc = parse_group(p, vn, (enum yq_group_kind)g, &s->g[g]);
		} else if (strcmp(key, "id") == 0) {
			free(s->id);
			s->id = NULL;
			rc = dup_scalar(p, vn, "id", &s->id);
			if (!rc && !*s->id)
				return fail(p, vn, YQ_EFORMAT, "id must not be empty");
			if (!rc && strlen(s->id) > YQ_SCHEME_ID_MAX)
				return fail(p, vn, YQ_EFORMAT, "id longer than %u bytes",
					    YQ_SCHEME_ID_MAX);
		} else if (strcmp(key, "name") == 0) {
			free(s->name);
			s->name = NULL;
			rc = dup_scalar(p, vn, "name", &s->name);
		} else if (strcmp(key, "version") == 0) {
			uint64_t v = 0;
			rc = parse_uint(p, vn, "version", INT64_MAX, &v);
			s->version = (int64_t)v;
		} else if (strcmp(key, "enabled") == 0) {
			rc = parse_bool(p, vn, "enabled", &s->enabled);
		} else if (strcmp(key, "must_match") == 0 && !s->must_match) {
			rc = parse_examples(p, vn, "must_match", &s->must_match, &s->n_must_match);
		} else if (strcmp(key, "must_not_match") == 0 && !s->must_not_match) {
			rc = parse_examples(p, vn, "must_not_match", &s->must_not_match,
					    &s->n_must_not_match);
		} else {
			return fail(p, kn, YQ_EFORMAT,
				    "unknown or repeated key '%s' in a scheme (id, name, version, "
				    "enabled, region, subject, event, exclude, must_match, "
				    "must_not_match)",
				    key);
		}
		if (rc)
			return rc;
	}
	if (!s->id)
		return fail(p, n, YQ_EFORMAT, "a scheme needs an id");
	if (!s->name && !(s->name = strdup(s->id)))
		return YQ_ENOMEM;
	if (!s->g[YQ_GROUP_REGION].n && !s->g[YQ_GROUP_SUBJECT].n && !s->g[YQ_GROUP_EVENT].n)
		return fail(p, n, YQ_EFORMAT,
			    "scheme '%s' has no region, subject or event word (it would match "
			    "every post)",
			    s->id);
	for (int i = 0; i < YQ_NGROUPS; i++)
		if (s->g[i].within && !s->g[YQ_GROUP_SUBJECT].n)
			return fail(p, n, YQ_EFORMAT,
				    "scheme '%s': %s has 'within' but there are no subject words "
				    "to be near",
				    s->id, group_names[i]);
	return YQ_OK;
}

static int parse_doc(struct ps *p, struct yq_scheme_set *set)
{
	yaml_node_t *root = yaml_document_get_root_node(p->doc);
	const yaml_node_t *list = NULL;
	if (!root)
		return fail(p, NULL, YQ_EFORMAT, "empty file (expected 'schemes:')");
	if (root->type != YAML_MAPPING_NODE)
		return fail(p, root, YQ_EFORMAT, "the file must be a mapping with 'schemes:'");
	for (yaml_node_pair_t *pr = root->data.mapping.pairs.start;
	     pr < root->data.mapping.pairs.top; pr++) {
		const yaml_node_t *kn = node(p, pr->key);
		const char *key = scalar(kn);
		if (key && strcmp(key, "schemes") == 0 && !list)
			list = node(p, pr->value);
		else
			return fail(p, kn, YQ_EFORMAT, "unknown or repeated key '%s' (expected 'schemes')",
				    key ? key : "?");
	}
	if (!list)
		return fail(p, root, YQ_EFORMAT, "no 'schemes:' list");
	if (list->type != YAML_SEQUENCE_NODE)
		return fail(p, list, YQ_EFORMAT, "'schemes' must be a list");
	size_t n = (size_t)(list->data.sequence.items.top - list->data.sequence.items.start);
	if (n > YQ_SCHEME_MAX)
		return fail(p, list, YQ_ETOOBIG, "more than %u schemes", YQ_SCHEME_MAX);
	set->v = calloc(n ? n : 1, sizeof(*set->v));
	if (!set->v)
		return YQ_ENOMEM;
	for (size_t i = 0; i < n; i++) {
		const yaml_node_t *sn = node(p, list->data.sequence.items.start[i]);
		set->n = i + 1;
		int rc = parse_scheme(p, sn, &set->v[i]);
		if (rc)
			return rc;
		for (size_t j = 0; j < i; j++)
			if (strcmp(set->v[j].id, set->v[i].id) == 0)
				return fail(p, sn, YQ_EFORMAT,
					    "duplicate scheme id '%s' (first at line %zu)",
					    set->v[i].id, set->v[j].line);
	}
	return YQ_OK;
}

int yq_scheme_parse(const char *s, size_t n, const char *name, struct yq_scheme_set **out,
		    struct yq_buf *err)
{
	yaml_parser_t parser;
	yaml_document_t doc;
	int have_parser = 0, have_doc = 0, rc;
	struct yq_scheme_set *set = NULL;
	struct ps p = {.doc = &doc, .name = name, .err = err};
	*out = NULL;
	if (n > YQ_SCHEME_FILE_MAX) {
		rc = fail(&p, NULL, YQ_ETOOBIG, "file larger than %u bytes", YQ_SCHEME_FILE_MAX);
		goto out;
	}
	if (!yaml_parser_initialize(&parser)) {
		rc = YQ_ENOMEM;
		goto out;
	}
	have_parser = 1;
	yaml_parser_set_input_string(&parser, (const unsigned char *)s, n);
	if (!yaml_parser_load(&parser, &doc)) {
		yq_buf_reset(err);
		yq_buf_printf(err, "%s:%zu: YAML: %s", name, parser.problem_mark.line + 1,
			      parser.problem ? parser.problem : "syntax error");
		if (parser.context)
			yq_buf_printf(err, " %s (begun at line %zu)", parser.context,
				      parser.context_mark.line + 1);
		rc = parser.error == YAML_MEMORY_ERROR ? YQ_ENOMEM : YQ_EFORMAT;
		goto out;
	}
	have_doc = 1;
	if (!(set = calloc(1, sizeof(*set)))) {
		rc = YQ_ENOMEM;
		goto out;
	}
	if ((rc = parse_doc(&p, set)))
		goto out;
	/* one document only: a second one would be silently ignored */
	yaml_document_delete(&doc);
	have_doc = 0;
	if (!yaml_parser_load(&parser, &doc)) {
		yq_buf_reset(err);
		yq_buf_printf(err, "%s:%zu: YAML: %s", name, parser.problem_mark.line + 1,
			      parser.problem ? parser.problem : "syntax error");
		rc = parser.error == YAML_MEMORY_ERROR ? YQ_ENOMEM : YQ_EFORMAT;
		goto out;
	}
	have_doc = 1;
	yaml_node_t *extra = yaml_document_get_root_node(&doc);
	if (extra)
		rc = fail(&p, extra, YQ_EFORMAT, "a second YAML document (one file, one document)");
out:
	if (have_doc)
		yaml_document_delete(&doc);
	if (have_parser)
		yaml_parser_delete(&parser);
	if (rc) {
		if (rc == YQ_ENOMEM && err) {
			yq_buf_reset(err);
			yq_buf_printf(err, "%s: out of memory", name);
		}
		yq_scheme_set_free(set);
	} else {
		*out = set;
	}
	return rc;
}

int yq_scheme_load(const char *path, struct yq_scheme_set **out, struct yq_buf *err)
{
	struct yq_buf text = YQ_BUF_INIT;
	char chunk[65536];
	int rc = YQ_OK;
	size_t k;
	*out = NULL;
	FILE *f = fopen(path, "rb");
	if (!f) {
		yq_buf_reset(err);
		yq_buf_printf(err, "%s: cannot open: %s", path, strerror(errno));
		return YQ_EIO;
	}
	while ((k = fread(chunk, 1, sizeof(chunk), f)) > 0) {
		if (text.len + k > YQ_SCHEME_FILE_MAX) {
			yq_buf_reset(err);
			yq_buf_printf(err, "%s: file larger than %u bytes", path,
				      YQ_SCHEME_FILE_MAX);
			rc = YQ_ETOOBIG;
			goto out;
		}
		if ((rc = yq_buf_add(&text, chunk, k)))
			goto out;
	}
	if (ferror(f)) {
		yq_buf_reset(err);
		yq_buf_printf(err, "%s: read error", path);
		rc = YQ_EIO;
		goto out;
	}
	rc = yq_scheme_parse(text.s, text.len, path, out, err);
out:
	fclose(f);
	yq_buf_release(&text);
	return rc;
}

static void free_examples(struct yq_scheme_example *e, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(e[i].title);
		free(e[i].text);
	}
	free(e);
}

void yq_scheme_set_free(struct yq_scheme_set *set)
{
	if (!set)
		return;
	for (size_t i = 0; i < set->n; i++) {
		struct yq_scheme *s = &set->v[i];
		free(s->id);
		free(s->name);
		for (int g = 0; g < YQ_NGROUPS; g++) {
			for (size_t j = 0; j < s->g[g].n; j++)
				free(s->g[g].words[j]);
			free(s->g[g].words);
		}
		free_examples(s->must_match, s->n_must_match);
		free_examples(s->must_not_match, s->n_must_not_match);
	}
	free(set->v);
	free(set);
}
