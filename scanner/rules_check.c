/*
 * rules_check.c - runs every rule's examples and not_examples against the
 * same detector code a scan uses (rules stage, used by "breachscope rules
 * check" and the patterns test). Examples are synthetic by policy, so
 * failure messages may quote them.
 */
#include <string.h>

#include "ctx.h"
#include "detect.h"
#include "header.h"
#include "rules.h"

static void
fail(struct bsc_ctx *ctx, const struct bsc_rule *r, const char *what,
     const char *ex, const char *detail)
{
	bsc_errorf(ctx, "%s:%u: rule %s: %s '%s' %s", r->file, r->line, r->id,
		   what, ex, detail);
}

/* Value and placeholder rules are tested by matching their pattern. */
static bool
by_value(const struct bsc_rule *r)
{
	return r->kind == BSC_RULE_VALUE || r->kind == BSC_RULE_PLACEHOLDER;
}

static bool
value_hit(struct bsc_ctx *ctx, const struct bsc_rule *r, const char *ex)
{
	return bsc_detect_value(ctx, r, ex, strlen(ex), NULL, NULL, NULL);
}

static int
header_cat(const struct bsc_ruleset *rs, const char *ex)
{
	char *norm = bsc_header_normalise(ex, strlen(ex));
	const struct bsc_rule *h = bsc_header_classify(rs, norm, NULL);

	free(norm);
	return h ? h->category : -1;
}

/* Does name ex classify to rule r's category? For a "none" header rule
 * (category -1), it must classify to a "none" rule, not to nothing. */
static bool
header_is(const struct bsc_ruleset *rs, const struct bsc_rule *r,
	  const char *ex)
{
	char *norm;
	const struct bsc_rule *h;

	if (r->category >= 0)
		return header_cat(rs, ex) == r->category;
	norm = bsc_header_normalise(ex, strlen(ex));
	h = bsc_header_classify(rs, norm, NULL);
	free(norm);
	return h && h->category < 0;
}

static enum bsc_subject
header_subject(const struct bsc_ruleset *rs, const char *ex)
{
	char *norm = bsc_header_normalise(ex, strlen(ex));
	enum bsc_subject s = bsc_header_subject(rs, norm);

	free(norm);
	return s;
}

size_t
bsc_ruleset_selftest(struct bsc_ruleset *rs, struct bsc_ctx *ctx,
		     size_t *checked)
{
	size_t failures = 0, n = 0;

	for (size_t i = 0; i < rs->rules.n; i++) {
		const struct bsc_rule *r = rs->rules.v[i];

		for (size_t k = 0; k < r->examples.n; k++) {
			const char *ex = r->examples.v[k];
			bool ok;

			n++;
			if (by_value(r))
				ok = value_hit(ctx, r, ex);
			else if (r->kind == BSC_RULE_HEADER)
				ok = header_is(rs, r, ex);
			else
				ok = header_subject(rs, ex) == r->subject;
			if (!ok) {
				failures++;
				fail(ctx, r, "example", ex,
				     by_value(r)
					     ? "does not match"
					     : "does not classify to this rule");
			}
		}
		for (size_t k = 0; k < r->not_examples.n; k++) {
			const char *ex = r->not_examples.v[k];
			bool bad;

			n++;
			if (by_value(r))
				bad = value_hit(ctx, r, ex);
			else if (r->kind == BSC_RULE_HEADER)
				bad = header_is(rs, r, ex);
			else
				bad = header_subject(rs, ex) == r->subject;
			if (bad) {
				failures++;
				fail(ctx, r, "not_example", ex,
				     by_value(r) ? "matches"
						 : "classifies to this rule");
			}
		}
	}
	if (checked)
		*checked = n;
	return failures;
}
