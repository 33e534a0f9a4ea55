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

/*
 * Split a header example "path::header" (file context for rules with
 * file_tokens) into its normalised parts. *file is NULL without "::".
 */
static void
split_example(const char *ex, char **file, char **norm)
{
	const char *sep = strstr(ex, "::");

	*file = sep ? bsc_header_normalise(ex, (size_t)(sep - ex)) : NULL;
	if (sep)
		ex = sep + 2;
	*norm = bsc_header_normalise(ex, strlen(ex));
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

/* Header examples: a column name, "path::name", or a location path. */
static bool
header_holds(const struct bsc_ruleset *rs, const struct bsc_rule *r,
	     const char *ex)
{
	char *file, *norm;
	bool ok;

	if (bsc_path_is_path(ex)) {
		struct bsc_path p;

		if (r->kind == BSC_RULE_HEADER)
			return path_cat(rs, ex) == r->category;
		bsc_path_parse(&p, ex);
		ok = bsc_header_subject(rs, p.norm, &p) == r->subject;
		bsc_path_release(&p);
		return ok;
	}
	split_example(ex, &file, &norm);
	if (r->kind == BSC_RULE_HEADER) {
		const struct bsc_rule *h =
			bsc_header_classify_in(rs, norm, file, NULL);

		/* A "none" rule (category -1) must win, not just nothing. */
		ok = h && h->category == r->category;
	} else {
		ok = bsc_header_subject_in(rs, norm, file) == r->subject;
	}
	free(file);
	free(norm);
	return ok;
}

bool
bsc_rule_example_holds(struct bsc_ctx *ctx, const struct bsc_rule *r,
		       const char *ex)
{
	const struct bsc_ruleset *rs = bsc_ctx_rules(ctx);

	switch (r->kind) {
	case BSC_RULE_VALUE:
	case BSC_RULE_FLAG:
	case BSC_RULE_PLACEHOLDER:
		return bsc_detect_value(ctx, r, ex, strlen(ex), NULL, NULL,
					NULL);
	case BSC_RULE_HEADER:
	case BSC_RULE_SUBJECT:
		return header_holds(rs, r, ex);
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
				     r->kind == BSC_RULE_VALUE ||
						     r->kind == BSC_RULE_FLAG ||
						     r->kind == BSC_RULE_PLACEHOLDER
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
				     r->kind == BSC_RULE_VALUE ||
						     r->kind == BSC_RULE_FLAG ||
						     r->kind == BSC_RULE_PLACEHOLDER
					     ? "matches"
					     : "classifies to this rule");
			}
		}
	}
	if (checked)
		*checked = n;
	return failures;
}
