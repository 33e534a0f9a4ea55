/*
 * detect.h - the value detector: runs one value rule (keyword and digit
 * prefilters, PCRE2 JIT match, named validator) over one cell of text.
 */
#ifndef BSC_DETECT_H
#define BSC_DETECT_H
#ifndef BSC_INTERNAL
#error "scanner-internal header"
#endif

#include "ctx.h"
#include "rules.h"

/* Cheap facts about a cell, computed once and shared by all rules. */
/* Without the compiled keyword set (multi.h), cells up to this many bytes
 * get the one-pass keyword search on an ASCII-lower-cased copy; longer
 * ones are scanned rule by rule. With it, every cell gets one pass. */
#define BSC_CELL_LOWER_MAX 4096

/* What every rule's prefilter needs from a cell, computed once per cell. */
struct bsc_cell_info {
	unsigned digits; /* ASCII digits in the cell */
	bool kw_valid;   /* kw was computed (bsc_cell_info_rs) */
	uint64_t kw[BSC_KW_RULES_MAX / 64]; /* by kw_index: keywords occur */
};

void bsc_cell_info(const char *s, size_t len, struct bsc_cell_info *info);
/* The same, and which rules of rs have a keyword in the cell: one pass
 * for all rules instead of one per rule (ctx holds the thread's scratch). */
void bsc_cell_info_rs(struct bsc_ctx *ctx, const struct bsc_ruleset *rs,
		      const char *s, size_t len, struct bsc_cell_info *info);

/*
 * Does value rule r find a validated match in s[0..len)? On success the
 * match is s[*off .. *off + *mlen) (either pointer may be NULL). Never
 * fails on bad input: invalid UTF-8 is matched as bytes, and a match that
 * hits the PCRE2 match limit counts as no match.
 */
bool bsc_detect_value(struct bsc_ctx *ctx, const struct bsc_rule *r,
		      const char *s, size_t len,
		      const struct bsc_cell_info *info, size_t *off,
		      size_t *mlen);

#endif
