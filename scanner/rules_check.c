/*
 * rules_check.c - runs every rule's examples and not_examples against the
 * same detector code a scan uses (rules stage, used by "breachscope rules
 * check" and the patterns test). Examples are synthetic by policy, so
 * failure messages may quote them.
 */
#include <stdlib.h>
#include <string.h>

#include "ctx.h"
#include "detect.h"
#include "header.h"
#include "path.h"
#include "rules.h"

static void
fail(struct bsc_ctx *ctx, const struct bsc_rule *r, const char *what,
     const char *ex, const char *detail)
{
	bsc_errorf(ctx, "%s:%u: rule %s: %s '%s' %s", r->file, r->line, r->id,
		   what, ex, detail);
}

static int
header_cat(const struct bsc_ruleset *rs, const char *ex)
{
	char *norm = bsc_header_normalise(ex, strlen(ex));
	const struct bsc_rule *h = bsc_header_classify(rs, norm, NULL);

	free(norm);
	return h ? h->category : -2;
}

/* Category of a location path with the whole catalogue: -1 for a
 * "none" rule, -2 when nothing matches. */
static int
path_cat(const struct bsc_ruleset *rs, const char *ex)
{
	struct bsc_path p;
	const struct bsc_rule *h;
	int cat;

	bsc_path_parse(&p, ex);
	h = bsc_header_classify_path(rs, &p, NULL);
	cat = h ? h->category : -2;
	bsc_path_release(&p);
	return cat;
}

static enum bsc_subject
header_subject(const struct bsc_ruleset *rs, const char *ex)
{
	char *norm;
	enum bsc_subject s;

	if (bsc_path_is_path(ex)) {
		struct bsc_path p;

		bsc_path_parse(&p, ex);
		s = bsc_header_subject(rs, p.norm, &p);
		bsc_path_release(&p);
		return s;
	}
	norm = bsc_header_normalise(ex, strlen(ex));
	s = bsc_header_subject(rs, norm, NULL);
	free(norm);
	return s;
}

bool
bsc_rule_example_holds(struct bsc_ctx *ctx, const struct bsc_rule *r,
		       const char *ex)
{
	const struct bsc_ruleset *rs = bsc_ctx_rules(ctx);

	switch (r->kind) {
	case BSC_RULE_VALUE:
		return bsc_detect_value(ctx, r, ex, strlen(ex), NULL, NULL,
					NULL);
	case BSC_RULE_HEADER:
		return header_cat(rs, ex) == r->category;
	case BSC_RULE_SUBJECT:
		return header_subject(rs, ex) == r->subject;
	case BSC_RULE_PATH:
		return path_cat(rs, ex) == r->category;
	}
	return false;
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
			ok = bsc_rule_example_holds(ctx, r, ex);
			if (!ok) {
				failures++;
				fail(ctx, r, "example", ex,
				     r->kind == BSC_RULE_VALUE
					     ? "does not match"
					     : "does not classify to this rule");
			}
		}
		for (size_t k = 0; k < r->not_examples.n; k++) {
			const char *ex = r->not_examples.v[k];
			bool bad;

			n++;
			bad = bsc_rule_example_holds(ctx, r, ex);
			if (bad) {
				failures++;
				fail(ctx, r, "not_example", ex,
				     r->kind == BSC_RULE_VALUE
					     ? "matches"
					     : "classifies to this rule");
			}
		}
	}
	if (checked)
		*checked = n;
	return failures;
}
