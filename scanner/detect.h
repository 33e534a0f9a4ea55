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
struct bsc_cell_info {
	unsigned digits; /* ASCII digits in the cell */
};

void bsc_cell_info(const char *s, size_t len, struct bsc_cell_info *info);

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
