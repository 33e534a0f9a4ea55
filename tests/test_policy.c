/*
 * test_policy.c - the CI gate: globs (archive paths included), policy file
 * errors as file:line, allow/deny/linked/subject semantics, ignores with
 * reasons, severity thresholds (baselines: test_baseline.c).
 */
#include <string.h>

#include "ctx.h"
#include "policy.h"
#include "testlib.h"

START_TEST(test_policy_glob_table)
{
	static const struct {
		const char *glob, *path;
		bool match;
	} t[] = {
		{"**", "a.csv", true},
		{"**", "dir/sub/a.csv", true},
		{"*.csv", "a.csv", true},
		{"*.csv", "dir/a.csv", false},
		{"**/*.csv", "a.csv", true},
		{"**/*.csv", "dir/sub/a.csv", true},
		{"exports/**", "exports/a.csv", true},
		{"exports/**", "exports/dump.zip!/x/a.csv", true},
		{"exports/**", "other/exports/a.csv", false},
		{"exports/*/a.csv", "exports/dump.zip!/a.csv", true},
		{"exports/annuaire/**", "./exports/annuaire/ps.csv", true},
		{"a?c.csv", "abc.csv", true},
		{"a?c.csv", "a/c.csv", false},
		{"**/contacts-*.csv", "x/contacts-2024.csv", true},
		{"stats.csv", "stats.csv.bak", false},
		{NULL, NULL, false},
	};

	for (int i = 0; t[i].glob; i++)
		ck_assert_msg(bsc_glob_match(t[i].glob, t[i].path) == t[i].match,
			      "glob '%s' on '%s'", t[i].glob, t[i].path);
}
END_TEST

START_TEST(test_policy_invalid_files)
{
	static const struct {
		const char *file, *line, *what;
	} t[] = {
		{"unknown-category.yml", ":4:", "unknown category 'blood_type'"},
		{"ignore-without-reason.yml", ":3:", "needs a 'reason'"},
		{"unknown-key.yml", ":5:", "unknown policy rule key 'severity'"},
		{"no-path.yml", ":3:", "needs a 'path'"},
		{"bad-subject.yml", ":4:", "unknown subject 'doctor'"},
		{NULL, NULL, NULL},
	};

	for (int i = 0; t[i].file; i++) {
		struct bsc_ctx *ctx = bsc_test_ctx();
		struct bsc_policy *p = bsc_policy_new();
		char rel[128];
		const char *err;

		snprintf(rel, sizeof(rel), "policy/invalid/%s", t[i].file);
		ck_assert_int_eq(bsc_policy_load(p, ctx, bsc_fixture_path(rel)),
				 BSC_FAILED);
		err = bsc_ctx_error(ctx);
		ck_assert_msg(strstr(err, t[i].file) && strstr(err, t[i].line) &&
				      strstr(err, t[i].what),
			      "%s: message was '%s'", t[i].file, err);
		bsc_policy_free(p);
		bsc_ctx_free(ctx);
	}
}
END_TEST

/* Scan rel with a policy file (NULL: none) and --fail-on spec (NULL). */
static struct bsc_collect
scan_with(const char *policy_rel, const char *fail_on, const char *rel)
{
	struct bsc_ctx *ctx = bsc_test_ctx();
	struct bsc_policy *p = bsc_policy_new();
	struct bsc_collect c;

	if (policy_rel)
		ck_assert_int_eq(bsc_policy_load(p, ctx,
						 bsc_fixture_path(policy_rel)),
				 BSC_OK);
	if (fail_on)
		ck_assert_int_eq(bsc_policy_fail_on(p, ctx, fail_on), BSC_OK);
	ctx->policy = p;
	bsc_collect_scan(ctx, bsc_fixture_path(rel), &c);
	bsc_policy_free(p);
	bsc_ctx_free(ctx);
	return c;
}

START_TEST(test_policy_default_any_finding)
{
	struct bsc_collect c = scan_with(NULL, NULL,
					 "csv/patients-en-comma.csv");
	size_t counted = 0;

	for (size_t i = 0; i < c.items[0].n_findings; i++)
		counted += c.items[0].findings[i].confidence >= BSC_CONF_MEDIUM;
	ck_assert_uint_gt(counted, 0);
	ck_assert_uint_eq(c.items[0].violations, counted);
	bsc_collect_free(&c);
	c = scan_with(NULL, NULL, "csv/clean-inventory.csv");
	ck_assert_uint_eq(c.items[0].violations, 0);
	bsc_collect_free(&c);
}
END_TEST

START_TEST(test_policy_subject_allow)
{
	/* The directory of professionals passes, patients do not. */
	struct bsc_collect c = scan_with("policy/annuaire-ok.yml", NULL,
					 "csv/professionals-pipe.csv");

	ck_assert_uint_eq(c.items[0].violations, 0);
	bsc_collect_free(&c);
	c = scan_with("policy/annuaire-ok.yml", NULL,
		      "csv/contacts-identity-only.csv");
	ck_assert_uint_gt(c.items[0].violations, 0);
	bsc_collect_free(&c);
}
END_TEST

START_TEST(test_policy_linked_denied)
{
	struct bsc_collect c = scan_with("policy/no-linked.yml", NULL,
					 "csv/patients-fr-semicolon.csv");
	const struct bsc_collected_item *it = &c.items[0];
	const struct bsc_collected_finding *dia =
		bsc_collect_find(it, "diagnosis", 0);
	const struct bsc_collected_finding *mail =
		bsc_collect_find(it, "email", 0);

	ck_assert_uint_gt(it->records_linked, 0);
	ck_assert(dia->violation); /* carries "linked" */
	ck_assert(!mail->violation); /* identity alone is allowed */
	bsc_collect_free(&c);
	/* Medical data without identity in the same records passes. */
	c = scan_with("policy/no-linked.yml", NULL, "csv/medical-only.csv");
	ck_assert_uint_eq(c.items[0].violations, 0);
	bsc_collect_free(&c);
}
END_TEST

START_TEST(test_policy_ignore_with_reason)
{
	struct bsc_collect c = scan_with("policy/no-linked.yml", "email",
					 "csv/contacts-identity-only.csv");
	const struct bsc_collected_finding *mail =
		bsc_collect_find(&c.items[0], "email", 0);

	ck_assert_ptr_nonnull(mail);
	ck_assert(!mail->violation);
	ck_assert_str_eq(mail->suppressed,
			 "shared mailboxes of the partner sites");
	bsc_collect_free(&c);
}
END_TEST

/* Issue 12: a flag comes only from findings that count; an ignored
 * diagnosis takes its sensitive-diagnosis flag with it, and code-shaped
 * references that nothing corroborates raise none. */
START_TEST(test_policy_ignore_drops_flags)
{
	struct bsc_collect c = scan_with(NULL, NULL,
					 "csv/sejours-codes-voisins.csv");

	ck_assert_uint_gt(c.items[0].n_flags, 0);
	bsc_collect_free(&c);
	c = scan_with("policy/ignore-diagnoses.yml", NULL,
		      "csv/sejours-codes-voisins.csv");
	ck_assert_ptr_nonnull(bsc_collect_find(&c.items[0], "diagnosis", 0));
	ck_assert_str_eq(bsc_collect_find(&c.items[0], "diagnosis", 0)->suppressed,
			 "test extract of the PMSI team, codes only");
	ck_assert_uint_eq(c.items[0].n_flags, 0);
	bsc_collect_free(&c);
	c = scan_with(NULL, NULL, "csv/clean-catalogue-refs.csv");
	ck_assert_uint_eq(c.items[0].n_flags, 0);
	ck_assert_uint_eq(c.items[0].violations, 0);
	bsc_collect_free(&c);
}
END_TEST

START_TEST(test_policy_fail_on)
{
	struct bsc_collect c = scan_with(NULL, "medical",
					 "csv/contacts-identity-only.csv");

	ck_assert_uint_eq(c.items[0].violations, 0);
	bsc_collect_free(&c);
	c = scan_with(NULL, "national_id,linked", "csv/patients-fr-semicolon.csv");
	ck_assert_uint_gt(c.items[0].violations, 1);
	ck_assert(bsc_collect_find(&c.items[0], "national_id", 0)->violation);
	ck_assert(!bsc_collect_find(&c.items[0], "email", 0)->violation);
	bsc_collect_free(&c);
}
END_TEST

START_TEST(test_policy_fail_on_errors)
{
	struct bsc_ctx *ctx = bsc_test_ctx();
	struct bsc_policy *p = bsc_policy_new();

	ck_assert_int_eq(bsc_policy_fail_on(p, ctx, "identity,shoe_size"),
			 BSC_FAILED);
	ck_assert_ptr_nonnull(strstr(bsc_ctx_error(ctx), "shoe_size"));
	ck_assert_int_eq(bsc_policy_fail_on(p, ctx, "email:nobody"), BSC_FAILED);
	bsc_policy_free(p);
	bsc_ctx_free(ctx);
}
END_TEST

START_TEST(test_policy_severity)
{
	struct bsc_ctx *ctx = bsc_test_ctx();
	struct bsc_policy *p = bsc_policy_new();
	struct bsc_collect c;

	bsc_policy_fail_on_severity(p, 5); /* health_linked */
	ctx->policy = p;
	bsc_collect_scan(ctx, bsc_fixture_path("csv/contacts-identity-only.csv"),
			 &c);
	ck_assert_str_eq(c.items[0].severity, "contact");
	ck_assert_uint_eq(c.items[0].violations, 0);
	bsc_collect_free(&c);
	bsc_collect_scan(ctx, bsc_fixture_path("csv/patients-fr-semicolon.csv"),
			 &c);
	ck_assert_str_eq(c.items[0].severity, "health_linked");
	ck_assert_uint_gt(c.items[0].violations, 0);
	bsc_collect_free(&c);
	bsc_policy_free(p);
	bsc_ctx_free(ctx);
}
END_TEST

/* Fuzzing (issue 17): a repeated 'allow' whose second list is not a list
 * freed the first one's entries twice over (NULL with its old count). */
START_TEST(test_policy_repeated_key_then_bad_list)
{
	static const char y[] = "version: 1\nrules:\n  - path: \"**\"\n"
				"    allow: [identity, email]\n"
				"    allow: {not: a list}\n";
	struct bsc_ctx *ctx = bsc_test_ctx();
	struct bsc_policy *p = bsc_policy_new();
	const char *path = bsc_write_file(bsc_tmpdir(), "p.yml", y,
					  sizeof(y) - 1);

	ck_assert_int_eq(bsc_policy_load(p, ctx, path), BSC_FAILED);
	bsc_policy_free(p);
	bsc_ctx_free(ctx);
}
END_TEST

/* Globs match the path under the root it comes from; the globs that
 * matched no path are named once each. */
START_TEST(test_policy_relative_roots)
{
	static const char y[] = "version: 1\nrules:\n"
				"  - path: \"stats/**\"\n    allow: []\n"
				"  - path: \"a.csv\"\n    allow: []\n"
				"  - path: \"f.zip/m.csv\"\n    allow: []\n"
				"  - path: \"nowhere/**\"\n    allow: []\n"
				"ignore:\n  - path: \"tmp/**\"\n    reason: x\n";
	static const char *const roots[] = {"/srv/export", "./", "-",
					    "dir/f.zip", "/srv/export/tmp"};
	struct bsc_ctx *ctx = bsc_test_ctx();
	struct bsc_policy *p = bsc_policy_new();
	const char *path = bsc_write_file(bsc_tmpdir(), "rel.yml", y,
					  sizeof(y) - 1);
	struct bsc_vec w = {0};

	ck_assert_int_eq(bsc_policy_load(p, ctx, path), BSC_OK);
	bsc_policy_set_roots(p, roots, BSC_ARRAY_SIZE(roots));
	bsc_policy_seen(p, "/srv/export/stats/s.csv");
	bsc_policy_seen(p, "./a.csv");
	bsc_policy_seen(p, "dir/f.zip!/m.csv");
	/* under the longest root, "/srv/export/tmp", it is "x.csv" */
	bsc_policy_seen(p, "/srv/export/tmp/x.csv");
	ck_assert_uint_eq(bsc_policy_unmatched(p, &w), 2);
	ck_assert_ptr_nonnull(strstr(w.v[0], "rule 4's path 'nowhere/**'"));
	ck_assert_ptr_nonnull(strstr(w.v[0], path));
	ck_assert_ptr_nonnull(strstr(w.v[1], "ignore 1's path 'tmp/**'"));
	for (size_t i = 0; i < w.n; i++)
		free(w.v[i]);
	bsc_vec_release(&w);
	bsc_policy_free(p);
	bsc_ctx_free(ctx);
}
END_TEST

static Suite *
suite_policy(void)
{
	Suite *s = suite_create("policy");
	TCase *tg = tcase_create("glob");
	TCase *tl = tcase_create("load");
	TCase *ta = tcase_create("apply");

	tcase_add_test(tg, test_policy_glob_table);
	tcase_add_test(tl, test_policy_invalid_files);
	tcase_add_test(tl, test_policy_fail_on_errors);
	tcase_add_test(ta, test_policy_default_any_finding);
	tcase_add_test(ta, test_policy_subject_allow);
	tcase_add_test(ta, test_policy_linked_denied);
	tcase_add_test(ta, test_policy_ignore_with_reason);
	tcase_add_test(ta, test_policy_ignore_drops_flags);
	tcase_add_test(ta, test_policy_fail_on);
	tcase_add_test(ta, test_policy_severity);
	tcase_add_test(ta, test_policy_repeated_key_then_bad_list);
	tcase_add_test(ta, test_policy_relative_roots);
	suite_add_tcase(s, tg);
	suite_add_tcase(s, tl);
	suite_add_tcase(s, ta);
	return s;
}

BSC_TEST_MAIN(suite_policy)
