/*
 * test_patterns.c - every example and not_example of every rule in
 * patterns/, one loop iteration each, through the scanner's own detector
 * code. A failing example is named in the failure message (examples are
 * synthetic by policy).
 */
#include <string.h>

#include "ctx.h"
#include "detect.h"
#include "header.h"
#include "rules.h"
#include "testlib.h"

static struct bsc_ctx *ctx;

static void
setup(void)
{
	ctx = bsc_test_ctx();
}

static void
teardown(void)
{
	bsc_ctx_free(ctx);
}

static bool
holds(const struct bsc_rule *r, const char *ex)
{
	return bsc_rule_example_holds(ctx, r, ex);
}

START_TEST(test_patterns_examples)
{
	struct bsc_ruleset *rs = bsc_ctx_rules(ctx);
	const struct bsc_rule *r;

	ck_assert_uint_lt((size_t)_i, rs->rules.n);
	r = rs->rules.v[_i];
	for (size_t k = 0; k < r->examples.n; k++)
		ck_assert_msg(holds(r, r->examples.v[k]),
			      "%s:%u: %s: example '%s' fails", r->file, r->line,
			      r->id, r->examples.v[k]);
	for (size_t k = 0; k < r->not_examples.n; k++)
		ck_assert_msg(!holds(r, r->not_examples.v[k]),
			      "%s:%u: %s: not_example '%s' holds", r->file,
			      r->line, r->id, r->not_examples.v[k]);
}
END_TEST

START_TEST(test_patterns_selftest_agrees)
{
	size_t checked = 0;

	ck_assert_uint_eq(bsc_ruleset_selftest(bsc_ctx_rules(ctx), ctx, &checked),
			  0);
	ck_assert_uint_gt(checked, 100);
}
END_TEST

static Suite *
suite_patterns(void)
{
	Suite *s = suite_create("patterns");
	TCase *tc = tcase_create("examples");
	struct bsc_ctx *probe = bsc_test_ctx();
	int n = (int)bsc_ctx_rules(probe)->rules.n;

	bsc_ctx_free(probe);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_loop_test(tc, test_patterns_examples, 0, n);
	tcase_add_test(tc, test_patterns_selftest_agrees);
	suite_add_tcase(s, tc);
	return s;
}

BSC_TEST_MAIN(suite_patterns)
