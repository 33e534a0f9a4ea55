/*
 * render.h - "breachscope report": show saved JSON reports again in any
 * output format, by rebuilding the item reports and the run summary from
 * the JSON and handing them to the ordinary sinks.
 */
#ifndef BSC_RENDER_H
#define BSC_RENDER_H
#ifndef BSC_INTERNAL
#error "scanner-internal header"
#endif

#include "ctx.h"

/*
 * Load the report at path (schema breachscope.report/1) and return it as
 * a json_object* the caller releases with bsc_report_unload, or NULL with a
 * message in ctx.
 */
void *bsc_report_load(struct bsc_ctx *ctx, const char *path);
/* What the policy of the report's run was made of (run.policy; a string
 * inside doc), or NULL when it had none. */
const char *bsc_report_doc_policy(void *doc);

/* Release a document of bsc_report_load or bsc_merge_doc; NULL is fine. */
void bsc_report_unload(void *doc);

/*
 * Hand the items and summary of the report document doc (a json_object*,
 * borrowed) to sink, in the order of a scan: an archive's archive_begin,
 * its members, then the archive's own report. Items nobody contains come
 * in document order. Returns BSC_OK, or BSC_FATAL if the sink stopped.
 * *incomplete is set when an item is partial or failed.
 */
bsc_status bsc_render_doc(void *doc, const struct bsc_sink *sink,
			  bool *incomplete);

#endif
