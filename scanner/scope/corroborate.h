/*
 * corroborate.h - evidence for code-shaped columns (scope stage). A column
 * of values shaped like CIM-10, CCAM or ATC codes is medical only when
 * something besides the shape says so; see corroborate.c.
 */
#ifndef BSC_CORROBORATE_H
#define BSC_CORROBORATE_H
#ifndef BSC_INTERNAL
#error "scanner-internal header"
#endif

#include <stddef.h>
#include <stdint.h>

#include "rules.h"

/* What one column (slot) of the table says about the table, filled by
 * scope.c before its columns are classified. */
struct bsc_corr_slot {
	uint64_t header_cats; /* categories its name gives (header rule) */
	uint64_t label_cats;  /* medical categories most of its values name
			       * (wording rules: "Diabète sucré de type 2") */
};

/* How a code-shaped column was judged. */
enum bsc_corr_verdict {
	BSC_CORR_OK,     /* corroborated: the finding stands */
	BSC_CORR_NONE,   /* nothing but the shape: low, not counted */
	BSC_CORR_NARROW  /* corroborated by the table, but the values do not
			  * spread like codes (room B20, B21 ...): low */
};

/* The bit of the leading character of a matched code (A-Z, 0-9), for
 * the spread of a column; 0 for anything else. */
uint64_t bsc_corr_lead_bit(const char *match, size_t len);

/*
 * Judge the column `self` of `slots` (n of them), in which the code-shaped
 * column rule r matched `hits` values whose leading characters are in
 * `lead`, in the item whose normalised path is `file` (may be NULL). The
 * caller has already ruled out a header of r's category or a context word
 * of r. The table corroborates when another column's name gives a medical
 * category, a patient identifier, a national id, a birth date or a stay, or
 * when another
 * column's values are labels of r's category.
 */
enum bsc_corr_verdict bsc_corroborate(const struct bsc_ruleset *rs,
				      const struct bsc_rule *r,
				      const char *file,
				      const struct bsc_corr_slot *slots,
				      size_t n, size_t self, uint64_t lead,
				      uint64_t hits);

/* The note shown with a finding of that verdict (NULL for BSC_CORR_OK). */
const char *bsc_corr_note(enum bsc_corr_verdict v);

#endif
