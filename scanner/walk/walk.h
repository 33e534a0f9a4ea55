/*
 * walk.h - the directory walker: yields the files below a root in a stable
 * (byte-wise sorted) order, and reports what it does not scan.
 */
#ifndef BSC_WALK_H
#define BSC_WALK_H
#ifndef BSC_INTERNAL
#error "scanner-internal header"
#endif

#include <sys/stat.h>

#include "ctx.h"

enum bsc_walk_kind {
	BSC_WALK_FILE, /* a regular file to scan at fspath */
	BSC_WALK_SKIP, /* not scanned on purpose: reason says why */
	BSC_WALK_FAIL,    /* could not be read: reason says why */
	BSC_WALK_EXCLUDED /* left out by --exclude, --include or an ignore
			   * file: not walked, not scanned, only counted */
};

/*
 * Called for every entry. fspath is the path to open, display the path to
 * report; reason is NULL for BSC_WALK_FILE. Return BSC_OK to go on, or
 * BSC_FATAL to stop the walk.
 */
typedef bsc_status (*bsc_walk_fn)(void *data, enum bsc_walk_kind kind,
				  const char *fspath, const char *display,
				  const char *reason);

/*
 * Walk root (a directory) recursively. Symlinks are not followed out of
 * the tree unless ctx->follow_symlinks; symlinked directories are never
 * followed (no loops). Entries that root/.breachscopeignore (unless
 * ctx->no_ignore_file) or ctx->ignore leave out, matched on their path
 * relative to root, are handed over as BSC_WALK_EXCLUDED and, for a
 * directory, not walked. Returns BSC_OK, the callback's BSC_FATAL, or
 * BSC_FATAL with a message in ctx when the ignore file cannot be read.
 */
bsc_status bsc_walk(struct bsc_ctx *ctx, const char *root, bsc_walk_fn fn,
		    void *data);

#endif
