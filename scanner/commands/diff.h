/*
 * diff.h - "breachscope diff OLD.json NEW.json": what changed in exposure
 * between two saved reports (the DPO's quarterly audit).
 */
#ifndef BSC_DIFF_H
#define BSC_DIFF_H
#ifndef BSC_INTERNAL
#error "scanner-internal header"
#endif

#include <stdio.h>

#include "ctx.h"

/*
 * Compare the reports at old_path and new_path and write the differences
 * to out as "text", "json" or "html" (French with lang "fr"). Returns 1 when exposure grew (a new file
 * with data, a category gained, more persons, a higher severity), 0 when
 * it did not, 3 (BSC_EXIT_USAGE) with a message in ctx when a report cannot be read or out
 * cannot be written.
 */
int bsc_diff_reports(struct bsc_ctx *ctx, const char *old_path,
		     const char *new_path, const char *format,
		     const char *lang, FILE *out);

#endif
