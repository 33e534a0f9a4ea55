/*
 * policy.h - what a scan is allowed to find (CI gate): path-glob rules
 * from a policy file or --fail-on, ignores with reasons, and a baseline
 * of known findings and figures (baseline.h).
 */
#ifndef BSC_POLICY_H
#define BSC_POLICY_H
#ifndef BSC_INTERNAL
#error "scanner-internal header"
#endif

#include "baseline.h"
#include "breachscope.h"
#include "ctx.h"

struct bsc_policy;

/* An empty policy: any counted finding is a violation. */
struct bsc_policy *bsc_policy_new(void);
void bsc_policy_free(struct bsc_policy *p);

/*
 * Load a policy file (YAML, see docs/policy.md). Rules are appended in
 * file order. Errors are "file:line: message" in bsc_ctx_error(ctx).
 */
bsc_status bsc_policy_load(struct bsc_policy *p, struct bsc_ctx *ctx,
			   const char *path);

/*
 * Add a catch-all rule that denies the comma-separated list spec
 * ("identity", "medical", "linked" or category names, each optionally
 * ":SUBJECT"). Returns BSC_FAILED with a message on an unknown name.
 */
bsc_status bsc_policy_fail_on(struct bsc_policy *p, struct bsc_ctx *ctx,
			      const char *spec);

/*
 * What the policy was made of, for reports: the policy files, "--fail-on
 * LIST", ... joined by ", "; NULL when nothing was loaded (the default:
 * any counted finding fails). add_source appends one (copied).
 */
const char *bsc_policy_name(const struct bsc_policy *p);
void bsc_policy_add_source(struct bsc_policy *p, const char *source);

/*
 * The scanned paths (copied; "-" is left out): a glob matches the path of
 * an item relative to the root it comes from, or the path as shown. Call
 * before the scan (it replaces the roots of an earlier one).
 */
void bsc_policy_set_roots(struct bsc_policy *p, const char *const *paths,
			  size_t n);

/* An item was reported at path: remember which globs of the policy files
 * matched it. Call from one thread (the sink side). NULL p: nothing. */
void bsc_policy_seen(struct bsc_policy *p, const char *path);

/*
 * Push onto out (char*, the caller frees each) one warning per glob of a
 * policy file that matched no path bsc_policy_seen was given, naming the
 * glob and the file. Returns how many were pushed.
 */
size_t bsc_policy_unmatched(const struct bsc_policy *p, struct bsc_vec *out);

/* Fail when an item's severity is at least level (0..5). */
void bsc_policy_fail_on_severity(struct bsc_policy *p, int level);

/*
 * Accept every finding of a baseline (a JSON report or a --write-baseline
 * file, matched by fingerprint) and compare growth with its figures
 * (bsc_baseline_load). Errors (unreadable, not a breachscope report or
 * baseline) go to bsc_ctx_error(ctx).
 */
bsc_status bsc_policy_load_baseline(struct bsc_policy *p, struct bsc_ctx *ctx,
				    const char *path);

/* The growth allowed against the baseline, in percent (default 0). */
void bsc_policy_max_growth(struct bsc_policy *p, double pct);

/*
 * With a baseline: set rep->growth (a non-archive item) or s->growth
 * (the run's totals) and return true when persons or linked records grew
 * past the allowed growth. p may be NULL (returns false).
 */
bool bsc_policy_item_growth(const struct bsc_policy *p,
			    struct bsc_item_report *rep);
bool bsc_policy_total_growth(const struct bsc_policy *p,
			     struct bsc_run_summary *s);

/*
 * Decide, for each finding of rep, its violation flag, the rule it breaks
 * (violates, when a policy is loaded) and suppression reason, and set
 * rep->violations. findings is rep's own (mutable) array.
 * Strings stay owned by the policy.
 */
void bsc_policy_apply(const struct bsc_policy *p, struct bsc_ctx *ctx,
		      struct bsc_item_report *rep, struct bsc_finding *findings,
		      int severity);

/*
 * Glob match of a report path: '*' and '?' stay inside one path part,
 * a double star crosses parts, and an archive separator "!/" counts as
 * "/", so "exports/<double star>" matches "exports/dump.zip!/a.csv".
 */
bool bsc_glob_match(const char *pattern, const char *path);

#endif
