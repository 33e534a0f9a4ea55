/*
 * test_rules.c - the rule loader: every defect gives "file:line: message",
 * extra rule files load on top of the catalogue, examples run.
 */
#include <string.h>

#include "ctx.h"
#include "rules.h"
#include "testlib.h"

START_TEST(test_rules_invalid_files)
{
	static const struct {
		const char *file;
		const char *line; /* ":N:" expected in the message */
		const char *what;
	} t[] = {
		{"unknown-category.yml", ":2:", "unknown category"},
		{"bad-regex.yml", ":7:", "does not compile"},
		{"unknown-validator.yml", ":8:", "unknown validator"},
		{"missing-not-examples.yml", ":2:", "not_examples"},
		{"unknown-key.yml", ":8:", "unknown rule key 'severity'"},
		{"duplicate-id.yml", ":9:", "used twice"},
		{"yaml-syntax.yml", ":", "YAML error"},
		{"placeholder-with-category.yml", ":2:",
		 "placeholder rules take only a pattern"},
		{"exclusive-value-rule.yml", ":2:",
		 "exclusive belongs to header rules"},
		{"path-without-paths.yml", ":2:", "needs 'paths'"},
		{"category-without-help.yml", ":2:",
		 "needs 'description', 'risk' and 'action'"},
		{"paths-on-header-rule.yml", ":2:",
		 "paths belong to path and subject rules"},
		{NULL, NULL, NULL},
	};

	for (int i = 0; t[i].file; i++) {
		struct bsc_ctx *ctx = bsc_test_ctx();
		char rel[128];
		const char *err;

		snprintf(rel, sizeof(rel), "rules/invalid/%s", t[i].file);
		ck_assert_int_eq(bsc_ctx_load_rules(ctx, bsc_fixture_path(rel)),
				 BSC_FAILED);
		err = bsc_ctx_error(ctx);
		ck_assert_msg(strstr(err, t[i].file) && strstr(err, t[i].line) &&
				      strstr(err, t[i].what),
			      "%s: message was '%s'", t[i].file, err);
		bsc_ctx_free(ctx);
	}
}
END_TEST

/* Header rules of category none, exclusive ones and placeholders. */
START_TEST(test_rules_none_exclusive_placeholder)
{
	struct bsc_ctx *ctx = bsc_test_ctx();
	struct bsc_ruleset *rs;
	size_t before = bsc_ctx_rules(ctx)->rules.n, checked = 0;
	const struct bsc_rule *none = NULL, *ph = NULL, *ex = NULL;

	ck_assert_int_eq(
		bsc_ctx_load_rules(ctx,
				   bsc_fixture_path("rules/valid/hl7-site-map.yml")),
		BSC_OK);
	rs = bsc_ctx_rules(ctx);
	ck_assert_uint_eq(rs->rules.n, before + 3);
	for (size_t i = before; i < rs->rules.n; i++) {
		const struct bsc_rule *r = rs->rules.v[i];

		if (!strcmp(r->id, "site.zpi.codes"))
			none = r;
		else if (!strcmp(r->id, "site.placeholder.anonyme"))
			ph = r;
		else
			ex = r;
	}
	ck_assert_int_eq(none->category, -1);
	ck_assert_int_eq(none->kind, BSC_RULE_HEADER);
	ck_assert_int_eq(ph->kind, BSC_RULE_PLACEHOLDER);
	ck_assert_int_eq(ph->category, -1);
	ck_assert(ex->exclusive);
	ck_assert_uint_eq(bsc_ruleset_selftest(rs, ctx, &checked), 0);
	ck_assert_uint_ge(checked, 9);
	bsc_ctx_free(ctx);
}
END_TEST

START_TEST(test_rules_extra_file_loads_and_matches)
{
	struct bsc_ctx *ctx = bsc_test_ctx();
	size_t before = bsc_ctx_rules(ctx)->rules.n;
	size_t checked = 0;

	ck_assert_int_eq(bsc_ctx_load_rules(
				 ctx, bsc_fixture_path("rules/valid/extra-rule.yml")),
			 BSC_OK);
	ck_assert_uint_eq(bsc_ctx_rules(ctx)->rules.n, before + 1);
	ck_assert_uint_eq(bsc_ruleset_selftest(bsc_ctx_rules(ctx), ctx, &checked),
			  0);
	ck_assert_uint_gt(checked, 0);
	bsc_ctx_free(ctx);
}
END_TEST

START_TEST(test_rules_failing_example_detected)
{
	struct bsc_ctx *ctx = bsc_test_ctx();
	FILE *devnull = fopen("/dev/null", "w");

	ctx->err = devnull;
	ck_assert_int_eq(
		bsc_ctx_load_rules(
			ctx, bsc_fixture_path("rules/valid/failing-example.yml")),
		BSC_OK);
	/* Its example does not match and its not_example does. */
	ck_assert_uint_eq(bsc_ruleset_selftest(bsc_ctx_rules(ctx), ctx, NULL), 2);
	fclose(devnull);
	bsc_ctx_free(ctx);
}
END_TEST

START_TEST(test_rules_catalogue_shape)
{
	static const char *const identity[] = {
		"last_name", "first_name", "birth_date", "age", "sex",
		"phone", "email", "address", "postal_code", "city",
		"national_id", "patient_id", NULL};
	static const char *const medical[] = {
		"diagnosis", "medication", "procedure", "observation",
		"encounter", "clinical_note", NULL};
	struct bsc_ctx *ctx = bsc_test_ctx();
	struct bsc_ruleset *rs = bsc_ctx_rules(ctx);

	for (int i = 0; identity[i]; i++) {
		int c = bsc_ruleset_category(rs, identity[i]);

		ck_assert_msg(c >= 0, "missing category %s", identity[i]);
		ck_assert_int_eq(rs->cats[c].cls, BSC_CLASS_IDENTITY);
	}
	for (int i = 0; medical[i]; i++) {
		int c = bsc_ruleset_category(rs, medical[i]);

		ck_assert_msg(c >= 0, "missing category %s", medical[i]);
		ck_assert_int_eq(rs->cats[c].cls, BSC_CLASS_MEDICAL);
	}
	bsc_ctx_free(ctx);
}
END_TEST

START_TEST(test_rules_missing_path)
{
	struct bsc_ctx *ctx = bsc_ctx_new();

	ck_assert_int_eq(bsc_ctx_load_rules(ctx, "/nonexistent/rules.yml"),
			 BSC_FAILED);
	ck_assert_ptr_nonnull(strstr(bsc_ctx_error(ctx), "/nonexistent/rules.yml"));
	bsc_ctx_free(ctx);
}
END_TEST

static Suite *
suite_rules(void)
{
	Suite *s = suite_create("rules");
	TCase *tl = tcase_create("loader");
	TCase *tc = tcase_create("catalogue");

	tcase_add_test(tl, test_rules_invalid_files);
	tcase_add_test(tl, test_rules_extra_file_loads_and_matches);
	tcase_add_test(tl, test_rules_none_exclusive_placeholder);
	tcase_add_test(tl, test_rules_failing_example_detected);
	tcase_add_test(tl, test_rules_missing_path);
	tcase_add_test(tc, test_rules_catalogue_shape);
	suite_add_tcase(s, tl);
	suite_add_tcase(s, tc);
	return s;
}

BSC_TEST_MAIN(suite_rules)
