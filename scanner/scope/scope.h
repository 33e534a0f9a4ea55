/*
 * scope.h - per-item aggregation (scope stage): receives the fields a
 * reader emits, runs the detectors on them, and at the end turns the
 * counts into findings, category unions and identity x medical linkage.
 */
#ifndef BSC_SCOPE_H
#define BSC_SCOPE_H
#ifndef BSC_INTERNAL
#error "scanner-internal header"
#endif

#include "ctx.h"
#include "fields.h"

/*
 * A new, empty scope for one item at path (its file and directory names
 * are context for header rules with file_tokens). Free with
 * bsc_scope_free.
 */
struct bsc_fields *bsc_scope_new(struct bsc_ctx *ctx, const char *path);
void bsc_scope_free(struct bsc_fields *f);

/*
 * Compute findings and record counts into rep (findings, identity,
 * medical, records_*; other fields untouched). All strings and arrays are
 * owned by f and live until bsc_scope_free. *cats gets the bit mask of
 * categories in the unions (for run-wide unions).
 */
void bsc_scope_report(struct bsc_fields *f, struct bsc_item_report *rep,
		      uint64_t *cats);

/* The findings of the last bsc_scope_report, mutable for the policy
 * stage. Owned by f. */
struct bsc_finding *bsc_scope_findings(struct bsc_fields *f, size_t *n);

/*
 * The values of the item's pseudonymous key column (a patient_id header
 * whatever its subject), as keyed hashes, for "linkable through key"
 * across items. Returns the set (ownership moves to the caller) and the
 * column's normalised header in *header (owned by f), or NULL.
 */
struct bsc_personset *bsc_scope_take_keyset(struct bsc_fields *f,
					    const char **header);

/*
 * The item's person graph (pgraph.h), after bsc_scope_report: ownership
 * moves to the caller, who merges it into its archives and the run.
 * Empty when the item holds no personal data.
 */
struct bsc_pgraph *bsc_scope_take_persons(struct bsc_fields *f);

/* Parts of the item not examined (bsc_fields_unread): their number in
 * *n and the first one, or NULL. Owned by f. */
const char *bsc_scope_unread(const struct bsc_fields *f, uint64_t *n);

/*
 * Rebuild rep's flags after the policy stage marked findings suppressed
 * (bsc_finding.suppressed): a flag stays only while a counted,
 * unsuppressed finding of one of its categories holds its hits.
 */
void bsc_scope_refresh_flags(struct bsc_fields *f,
			     struct bsc_item_report *rep);

/* A note on the counts (approximate, ...) or NULL. Owned by f. */
const char *bsc_scope_note(const struct bsc_fields *f);

#endif
