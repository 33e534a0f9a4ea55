/*
 * container.h - archives and compressed files (container stage, between the
 * item and the readers): recognise them by their magic bytes, then expand
 * them member by member with libarchive, streaming and under the limits.
 * Each member becomes an item that the scanner runs through the same
 * pipeline as a file, nested archives included.
 */
#ifndef BSC_CONTAINER_H
#define BSC_CONTAINER_H
#ifndef BSC_INTERNAL
#error "scanner-internal header"
#endif

#include "ctx.h"
#include "item.h"

/* One row of the container table in container.c (opaque). The module is
 * not called archive.c because its header would then shadow libarchive's
 * <archive.h> on the include path. */
struct bsc_container;

/*
 * The container whose magic bytes open head[0..len), or NULL when the
 * item is not an archive or compressed file. Content only: the file name
 * is never looked at, so a zip named .dat is a zip and a .zip holding CSV
 * text is CSV. Cheap: it compares bytes, decompresses nothing.
 */
const struct bsc_container *bsc_container_bid(const unsigned char *head,
					      size_t len);

/* The container's short name ("zip", "7z", "gz", "rar", ...). Static. */
const char *bsc_container_name(const struct bsc_container *c);

/*
 * What one top-level input may still spend, shared by every archive level
 * below it: decompressed bytes (max_total), time (max_time_ms) and memory
 * held for seeking (max_seek_buffer). When a budget limit is hit, stopped
 * is set and reason names the limit; every open archive of the input then
 * stops and reports it.
 */
struct bsc_budget {
	uint64_t bytes;        /* decompressed bytes so far, every level */
	uint64_t buffered;     /* bytes held in memory for seeking now */
	long long start_ms;    /* CLOCK_MONOTONIC */
	bool stopped;
	char reason[256];
};

/* Start the budget of a new top-level input. */
void bsc_budget_start(struct bsc_budget *b);

/*
 * What bsc_archive_scan needs from the scanner. Each callback returns
 * BSC_OK, or BSC_FATAL to stop the run (a sink failed).
 */
struct bsc_archive_ops {
	/* Before the first member is reported; format as in the result. */
	bsc_status (*begin)(void *data, struct bsc_item *archive,
			    const char *format);
	/* Scan one member (a regular file). The item is set up with the
	 * member's path, depth and source; the callback must not release
	 * it. */
	bsc_status (*member)(void *data, struct bsc_item *member);
	/* Report an entry that is not read: a link, directory or device
	 * (skipped), or an encrypted member without password (failed). */
	bsc_status (*unread)(void *data, const struct bsc_item *archive,
			     const char *path, enum bsc_item_status status,
			     const char *reason);
	void *data;
};

/* What became of the archive itself. */
struct bsc_archive_result {
	char format[32];             /* "zip", "tar.gz", "gz", "7z" ... */
	enum bsc_item_status status; /* complete, partial or failed */
	char reason[512];            /* when not complete */
	char note[256];              /* how it was read, when unusual; or "" */
	uint64_t members;            /* entries listed */
	uint64_t bytes;              /* compressed bytes read */
};

/*
 * Expand the archive item it (head filled, c from bsc_container_bid):
 * every entry is handed to ops, in archive order, under ctx's limits and
 * budget. Nothing is written to disk. Returns BSC_OK with *res filled
 * (problems are in res, never fatal), or BSC_FATAL when a callback
 * returned it.
 */
bsc_status bsc_archive_scan(struct bsc_ctx *ctx, struct bsc_budget *budget,
			    struct bsc_item *it,
			    const struct bsc_container *c,
			    const struct bsc_archive_ops *ops,
			    struct bsc_archive_result *res);

/* The container names, in the table's order, for --help and docs. */
const char *bsc_container_names(void);

#endif
