/*
 * rollup.h - what an archive holds, rolled up from its members (scope
 * stage, used by scan.c): category unions per subject, record counts,
 * distinct persons within it, the worst severity, flags, and whether a
 * member was not read completely. The run's totals use the same sums.
 */
#ifndef BSC_ROLLUP_H
#define BSC_ROLLUP_H
#ifndef BSC_INTERNAL
#error "scanner-internal header"
#endif

#include "breachscope.h"
#include "ctx.h"

struct bsc_pgraph;
struct bsc_rollup;

/* A new, empty roll-up. Caller frees. */
struct bsc_rollup *bsc_rollup_new(struct bsc_ctx *ctx);
void bsc_rollup_free(struct bsc_rollup *r);

/*
 * Add the report of a direct member (a file, an unread entry, or a nested
 * archive whose own roll-up is in its report). Nothing of rep is kept.
 */
void bsc_rollup_add(struct bsc_rollup *r, const struct bsc_item_report *rep);

/* Move the persons of a member (graph *g, emptied) into the roll-up. */
void bsc_rollup_take_persons(struct bsc_rollup *r, struct bsc_pgraph **g);

/* The roll-up's person graph, to move on to the parent when done. */
struct bsc_pgraph **bsc_rollup_persons(struct bsc_rollup *r);

/*
 * Fill an archive's report with the roll-up: unions (all and per
 * subject), records, persons, severity, flags, violations; a complete
 * archive with an incomplete member becomes partial, with a reason in
 * reason_buf. Strings and arrays are owned by r and live until it is
 * freed.
 */
void bsc_rollup_fill(struct bsc_rollup *r, struct bsc_item_report *rep,
                     char *reason_buf, size_t reason_len);

/*
 * Sum flags into *v (one entry per flag rule, headers copied). The
 * caller frees the headers (loc.header) and the array.
 */
void bsc_flags_sum(struct bsc_flag **v, size_t *n, const struct bsc_flag *add,
                   size_t n_add);

#endif
