/*
 * test_scheme.c — match/scheme: the YAML model (defaults, both group forms,
 * examples) and every kind of error with its exact line number; the
 * project's schemes/example.yaml loads.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/error.h"
#include "match/scheme.h"

static struct yq_scheme_set *parse(const char *y, int want_rc, const char *want_err)
{
	struct yq_scheme_set *set = NULL;
	struct yq_buf err = YQ_BUF_INIT;
	int rc = yq_scheme_parse(y, strlen(y), "t.yaml", &set, &err);
	if (rc != want_rc || (want_err && strcmp(err.s, want_err) != 0))
		fprintf(stderr, "rc %d, err '%s'\n", rc, err.s);
	assert_int_equal(rc, want_rc);
	if (want_err)
		assert_string_equal(err.s, want_err);
	yq_buf_release(&err);
	return set;
}

static void test_model(void **state)
{
	const char *y = "schemes:\n"
			"  - id: a\n"
			"    region: [杭州, 余杭]\n"
			"    subject:\n"
			"      words: [停电]\n"
			"      scope: title\n"
			"    event:\n"
			"      words: [抢修]\n"
			"      scope: body\n"
			"      within: 12\n"
			"    exclude: [演练]\n"
			"    must_match:\n"
			"      - 杭州停电\n"
			"      - {title: 停电, text: 杭州}\n"
			"    must_not_match: [宁波停电]\n"
			"  - id: b\n"
			"    name: 第二\n"
			"    version: 7\n"
			"    enabled: false\n"
			"    subject: [x]\n";
	struct yq_scheme_set *set = parse(y, 0, NULL);
	assert_int_equal(set->n, 2);
	const struct yq_scheme *a = &set->v[0], *b = &set->v[1];
	assert_string_equal(a->id, "a");
	assert_string_equal(a->name, "a");
	assert_int_equal(a->version, 1);
	assert_int_equal(a->enabled, 1);
	assert_int_equal(a->line, 2);
	assert_int_equal(a->g[YQ_GROUP_REGION].n, 2);
	assert_string_equal(a->g[YQ_GROUP_REGION].words[1], "余杭");
	assert_int_equal(a->g[YQ_GROUP_REGION].scope, YQ_SCOPE_ANY);
	assert_int_equal(a->g[YQ_GROUP_SUBJECT].scope, YQ_SCOPE_TITLE);
	assert_int_equal(a->g[YQ_GROUP_EVENT].scope, YQ_SCOPE_BODY);
	assert_int_equal(a->g[YQ_GROUP_EVENT].within, 12);
	assert_int_equal(a->g[YQ_GROUP_REGION].within, 0);
	assert_string_equal(a->g[YQ_GROUP_EXCLUDE].words[0], "演练");
	assert_int_equal(a->n_must_match, 2);
	assert_null(a->must_match[0].title);
	assert_string_equal(a->must_match[0].text, "杭州停电");
	assert_int_equal(a->must_match[0].line, 13);
	assert_string_equal(a->must_match[1].title, "停电");
	assert_string_equal(a->must_match[1].text, "杭州");
	assert_int_equal(a->n_must_not_match, 1);
	assert_string_equal(a->must_not_match[0].text, "宁波停电");
	assert_string_equal(b->name, "第二");
	assert_int_equal(b->version, 7);
	assert_int_equal(b->enabled, 0);
	assert_int_equal(b->g[YQ_GROUP_REGION].n, 0);
	assert_int_equal(b->line, 16);
	yq_scheme_set_free(set);
	yq_scheme_set_free(NULL);
}

static void test_errors(void **state)
{
	parse("schemes:\n  - id: a\n    regoin: [x]\n", YQ_EFORMAT,
	      "t.yaml:3: unknown or repeated key 'regoin' in a scheme (id, name, version, "
	      "enabled, region, subject, event, exclude, must_match, must_not_match)");
	parse("schemes:\n  - id: a\n    subject: [x\n", YQ_EFORMAT,
	      "t.yaml:4: YAML: did not find expected ',' or ']' while parsing a flow sequence "
	      "(begun at line 3)");
	parse("schemes:\n  - id: a\n    subject: [x]\n  - id: a\n    subject: [y]\n", YQ_EFORMAT,
	      "t.yaml:4: duplicate scheme id 'a' (first at line 2)");
	parse("schemes:\n  - name: n\n    subject: [x]\n", YQ_EFORMAT,
	      "t.yaml:2: a scheme needs an id");
	parse("schemes:\n  - id: a\n    exclude: [x]\n", YQ_EFORMAT,
	      "t.yaml:2: scheme 'a' has no region, subject or event word (it would match every "
	      "post)");
	parse("schemes:\n  - id: a\n    subject:\n      words: [x]\n      scope: head\n",
	      YQ_EFORMAT, "t.yaml:5: scope of subject must be title, body or any");
	parse("schemes:\n  - id: a\n    subject: [x]\n    event:\n      words: [y]\n"
	      "      within: -3\n",
	      YQ_EFORMAT, "t.yaml:6: within must be a whole number");
	parse("schemes:\n  - id: a\n    region:\n      words: [y]\n      within: 5\n", YQ_EFORMAT,
	      "t.yaml:2: scheme 'a': region has 'within' but there are no subject words to be "
	      "near");
	parse("schemes:\n  - id: a\n    subject:\n      words: [y]\n      within: 5\n", YQ_EFORMAT,
	      "t.yaml:5: within is measured to the subject words; set it on region, event or "
	      "exclude");
	parse("schemes:\n  - id: a\n    subject: [x, '']\n", YQ_EFORMAT,
	      "t.yaml:3: empty word in subject");
	parse("schemes:\n  - id: a\n    subject: [x]\n    enabled: maybe\n", YQ_EFORMAT,
	      "t.yaml:4: enabled must be true or false");
	parse("schemes:\n  - id: a\n    subject: [[x]]\n", YQ_EFORMAT,
	      "t.yaml:3: a word must be a string");
	parse("schemes:\n  - id: a\n    subject: [x]\n    must_match: [{text: a, body: b}]\n",
	      YQ_EFORMAT, "t.yaml:4: an example has the keys title and text, once each");
	parse("schemes:\n  - id: a\n    subject: [x]\n    subject: [y]\n", YQ_EFORMAT,
	      "t.yaml:4: repeated key 'subject'");
	parse("rules: []\n", YQ_EFORMAT, "t.yaml:1: unknown or repeated key 'rules' (expected 'schemes')");
	parse("", YQ_EFORMAT, "t.yaml:1: empty file (expected 'schemes:')");
	parse("- a\n", YQ_EFORMAT, "t.yaml:1: the file must be a mapping with 'schemes:'");
	parse("schemes:\n  - id: a\n    subject: [x]\n---\nschemes: []\n", YQ_EFORMAT,
	      "t.yaml:5: a second YAML document (one file, one document)");
	/* aliases cannot multiply the text beyond the cap: a list of 64
	 * examples of 16,000 bytes referenced by 80 schemes = 82 MB */
	struct yq_buf b = YQ_BUF_INIT, err = YQ_BUF_INIT;
	struct yq_scheme_set *set = NULL;
	char *big = malloc(16001);
	assert_non_null(big);
	memset(big, 'a', 16000);
	big[16000] = 0;
	yq_buf_adds(&b, "schemes:\n  - {id: s0, subject: [w], must_match: &ex [");
	for (int i = 0; i < 64; i++)
		yq_buf_printf(&b, "%s%s", i ? ", " : "", big);
	yq_buf_adds(&b, "]}\n");
	for (int i = 1; i < 80; i++)
		yq_buf_printf(&b, "  - {id: s%d, subject: [w], must_match: *ex}\n", i);
	assert_int_equal(yq_scheme_parse(b.s, b.len, "t.yaml", &set, &err), YQ_ETOOBIG);
	assert_null(set);
	assert_non_null(strstr(err.s, ": more than 67108864 bytes of text in the schemes"));
	free(big);
	yq_buf_release(&b);
	yq_buf_release(&err);
	/* a word over the cap */
	char y[600];
	snprintf(y, sizeof(y), "schemes:\n  - id: a\n    subject: [%0300d]\n", 1);
	parse(y, YQ_ETOOBIG, "t.yaml:3: word longer than 256 bytes in subject");
}

static void test_load_file(void **state)
{
	struct yq_scheme_set *set = NULL;
	struct yq_buf err = YQ_BUF_INIT, path = YQ_BUF_INIT;
	const char *src = getenv("YQ_SRC");
	assert_non_null(src);
	yq_buf_printf(&path, "%s/schemes/example.yaml", src);
	int rc = yq_scheme_load(path.s, &set, &err);
	if (rc)
		fprintf(stderr, "%s\n", err.s);
	assert_int_equal(rc, 0);
	assert_int_equal(set->n, 4);
	assert_string_equal(set->v[0].id, "hz-power-outage");
	assert_int_equal(set->v[3].enabled, 0);
	yq_scheme_set_free(set);
	rc = yq_scheme_load("/nonexistent/x.yaml", &set, &err);
	assert_int_equal(rc, YQ_EIO);
	assert_null(set);
	assert_string_equal(err.s, "/nonexistent/x.yaml: cannot open: No such file or directory");
	yq_buf_release(&err);
	yq_buf_release(&path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_model),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_load_file),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
