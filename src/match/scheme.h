/*
 * scheme.h — monitoring schemes (监测方案): the model and its YAML form.
 *
 * A scheme names what an analyst watches: region words (地域词), subject
 * words (主体词), event words and exclusion words (排除词).  A post matches a
 * scheme when every non-empty positive group has a hit in its field scope
 * (region AND subject AND event; an empty group is true) and no exclusion
 * word occurs in the exclusion group's scope (one exclusion hit vetoes the
 * whole scheme, whichever positive words hit).  A group may ask for
 * proximity: "within: N" means one of its hits must lie within N code points
 * of a subject hit in the same field (gap between the two spans, counted on
 * the normalized text).  The YAML format is in docs/schemes.md.
 *
 * Ownership: a struct yq_scheme_set owns every string it holds; one
 * yq_scheme_set_free() releases it all.  Sets are read-only after loading,
 * so several threads may share one.
 */
#ifndef YQ_SCHEME_H
#define YQ_SCHEME_H

#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"

/* Caps on what a scheme file may hold. */
#define YQ_SCHEME_FILE_MAX (16u << 20)   /* bytes of YAML */
#define YQ_SCHEME_MAX 100000u            /* schemes in one file */
#define YQ_SCHEME_WORDS_MAX 1000000u     /* words in one file, all groups */
#define YQ_SCHEME_WORD_MAX 256u          /* bytes in one word */
#define YQ_SCHEME_ID_MAX 128u            /* bytes in a scheme's id (it is a path
					  * segment of the API: /api/schemes/{id}) */
#define YQ_SCHEME_EXAMPLES_MAX 100000u   /* examples in one file */
#define YQ_SCHEME_TEXT_MAX (64u << 20)   /* bytes of ids, names, words and
					  * examples (aliases repeat nodes) */
#define YQ_SCHEME_WITHIN_MAX 100000u     /* largest proximity, code points */

/* Which field of a post a group looks at. */
enum yq_scope { YQ_SCOPE_ANY = 0, YQ_SCOPE_TITLE, YQ_SCOPE_BODY };

/* The word groups of a scheme, in this order. */
enum yq_group_kind {
	YQ_GROUP_REGION = 0,
	YQ_GROUP_SUBJECT,
	YQ_GROUP_EVENT,
	YQ_GROUP_EXCLUDE,
	YQ_NGROUPS
};

struct yq_word_group {
	char **words;          /* n words as written in the file (UTF-8) */
	size_t n;
	enum yq_scope scope;
	uint32_t within;       /* 0: anywhere in scope; else code points to a
				* subject hit (never set on the subject group) */
};

/* A must_match / must_not_match example: title and/or text (NULL absent). */
struct yq_scheme_example {
	char *title;
	char *text;
	size_t line;           /* 1-based line in the YAML file */
};

struct yq_scheme {
	char *id;              /* unique in its set */
	char *name;            /* defaults to id */
	int64_t version;       /* defaults to 1 */
	int enabled;           /* defaults to 1 */
	struct yq_word_group g[YQ_NGROUPS];
	struct yq_scheme_example *must_match, *must_not_match;
	size_t n_must_match, n_must_not_match;
	size_t line;           /* 1-based line where the scheme starts */
};

struct yq_scheme_set {
	struct yq_scheme *v;
	size_t n;
};

/* yq_group_name: "region", "subject", "event", "exclude". */
const char *yq_group_name(enum yq_group_kind g);
/* yq_scope_name: "any", "title", "body". */
const char *yq_scope_name(enum yq_scope s);

/*
 * yq_scheme_load: parses the YAML file at path (libyaml) into a new set
 * (*out; free with yq_scheme_set_free).  Errors: YQ_EIO (cannot read),
 * YQ_ETOOBIG (a cap above), YQ_EFORMAT (YAML syntax or a bad scheme),
 * YQ_ENOMEM.  On error err holds "PATH:LINE: what is wrong" (LINE 1-based).
 */
int yq_scheme_load(const char *path, struct yq_scheme_set **out, struct yq_buf *err);

/*
 * yq_scheme_parse: as yq_scheme_load on the YAML text s[0..n); name is used
 * in error messages in place of the path.
 */
int yq_scheme_parse(const char *s, size_t n, const char *name, struct yq_scheme_set **out,
		    struct yq_buf *err);

void yq_scheme_set_free(struct yq_scheme_set *set);

#endif
