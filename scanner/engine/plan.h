/*
 * plan.h - candidate selection: which value rules can match a cell at all,
 * as a bitset over value-rule indices, from the cell's prefilter facts
 * (digit count, the keyword bits of the one-pass search). Resolved once
 * per rule set; per cell it costs a few word operations instead of a
 * visit to every rule. See engine/README.md.
 */
#ifndef BSC_PLAN_H
#define BSC_PLAN_H
#ifndef BSC_INTERNAL
#error "scanner-internal header"
#endif

#include <stddef.h>
#include <stdint.h>

struct bsc_ruleset;
struct bsc_cell_info;

/* Digit counts past this share one row of the digits table. */
#define BSC_PLAN_MAX_DIGITS 64

struct bsc_plan {
	size_t words;       /* 64-bit words of a value-rule bitset */
	unsigned maxd;      /* rows of digit_ok - 1 */
	uint64_t *digit_ok; /* [d * words]: rules with min_digits <= d */
	uint64_t *kw_gated; /* rules the keyword bits decide */
	int *kw_value;      /* by kw_index: the value rule, or -1 */
	unsigned n_kw;
};

/* Built from the rule set's value rules; free with bsc_plan_free. */
struct bsc_plan *bsc_plan_build(const struct bsc_ruleset *rs);
void bsc_plan_free(struct bsc_plan *p);

/*
 * cand = live minus the rules whose digit or keyword prefilter rules the
 * cell out (exactly the prefilter of bsc_detect_value). live and cand
 * hold p->words words.
 */
void bsc_plan_candidates(const struct bsc_plan *p, const uint64_t *live,
                         const struct bsc_cell_info *info, uint64_t *cand);

#endif
