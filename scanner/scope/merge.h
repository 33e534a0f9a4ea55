/*
 * merge.h - "breachscope merge": combine the JSON reports of shards into
 * one report, as if one scan had covered everything.
 */
#ifndef BSC_MERGE_H
#define BSC_MERGE_H
#ifndef BSC_INTERNAL
#error "scanner-internal header"
#endif

#include "ctx.h"

/*
 * Read the JSON reports at paths, write the merged JSON report to output
 * ("-" or NULL: stdout). Returns the exit code a scan of everything would
 * give (0 / 1 / 2), or 2 with a message when a report cannot be read.
 */
/*
 * The merged report of the JSON reports at paths, as a json_object* the
 * caller releases with json_object_put, and in *exit_code the exit code a
 * scan of everything would give; NULL (exit code 2) with a message when a
 * report cannot be read.
 */
void *bsc_merge_doc(struct bsc_ctx *ctx, const char *const *paths, size_t n,
		    int *exit_code);

int bsc_merge_reports(struct bsc_ctx *ctx, const char *const *paths,
		      size_t n, const char *output);

#endif
