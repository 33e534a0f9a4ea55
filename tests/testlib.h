/*
 * testlib.h - helpers shared by the Check suites: fixture paths, a
 * collecting sink, a context with the project's rules, temp dirs.
 */
#ifndef BSC_TESTLIB_H
#define BSC_TESTLIB_H

#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "breachscope.h"

/* Path of a fixture ("csv/x.csv") below $BSC_FIXTURES. Static buffer. */
const char *bsc_fixture_path(const char *rel);
/* Path of $BSC_PATTERNS (the project's patterns/). */
const char *bsc_patterns_dir(void);
/* A fresh empty directory for this test (removed at exit). Static buf. */
const char *bsc_tmpdir(void);
/* Write len bytes to dir/name; returns the path (static buffer). */
const char *bsc_write_file(const char *dir, const char *name,
			   const void *data, size_t len);

/* One member of an archive written by bsc_make_archive. */
struct bsc_member {
	const char *name;   /* UTF-8 */
	const void *data; /* content, written repeat times (0 counts as 1) */
	size_t len;
	unsigned repeat;
	char type;          /* 0 or 'f' file, 'd' directory, 'l' symlink,
			       'h' hard link, 'c' character device,
			       'p' FIFO */
	const char *target; /* link target */
};

/* How to write an archive: libarchive's write format and filter names. */
struct bsc_archive_spec {
	const char *format;   /* "zip", "pax", "gnutar", "7zip", "cpio",
				 "ar", "iso9660", "raw" */
	const char *filter;   /* "gzip", "bzip2", "xz", ...; NULL: none */
	const char *options;  /* archive_write_set_options(), or NULL */
	const char *password; /* archive_write_set_passphrase(), or NULL */
};

/*
 * Write dir/name as an archive of members (ended by a NULL name) with
 * libarchive's write API, so that no binary archive is committed.
 * Returns the path (static buffer, valid until the next call). Aborts
 * the test on error.
 */
const char *bsc_make_archive(const char *dir, const char *name,
			     const struct bsc_archive_spec *spec,
			     const struct bsc_member *members);

/* Read a whole file (malloc'd, NUL-terminated; *len gets its size). */
char *bsc_read_file(const char *path, size_t *len);

/* A context with the project's rules loaded; aborts the test if not. */
struct bsc_ctx *bsc_test_ctx(void);

/* Everything a scan reported, copied. */
struct bsc_collected_finding {
	char *category;
	unsigned column;
	char *header;
	unsigned long long count;
	int confidence;
	unsigned evidence;
	int subject;
	char *sample;
	bool violation;
	char *suppressed;
	char *fingerprint;
	char *note;
	unsigned long line;
	unsigned long start_char;
};
struct bsc_collected_item {
	char *path;
	char *container;
	char *format;
	char *encoding;
	int status;
	char *reason;
	unsigned depth;
	bool archive;
	unsigned long long members;
	char *note;
	unsigned long long records, records_identity, records_medical,
		records_linked;
	char *identity; /* names joined with ',' */
	char *medical;
	struct bsc_collected_finding *findings;
	size_t n_findings;
	size_t violations;
	char *severity;
	size_t n_flags; /* flags raised (after the policy) */
};
struct bsc_collect {
	struct bsc_collected_item *items;
	size_t n;
	struct bsc_sink sink;
};

void bsc_collect_init(struct bsc_collect *c);
void bsc_collect_free(struct bsc_collect *c);
/* Scan one path with ctx into a fresh collector (caller frees). */
void bsc_collect_scan(struct bsc_ctx *ctx, const char *path,
		      struct bsc_collect *c);
/* Scan path; exactly one item must come back (caller frees). */
struct bsc_collect bsc_collect_one(struct bsc_ctx *ctx, const char *path);
/* The same for fixtures/<rel>. */
struct bsc_collect bsc_collect_fixture(struct bsc_ctx *ctx, const char *rel);
/* Write data as <name> in the test's temporary directory and scan it as
 * one item. */
struct bsc_collect bsc_collect_text(struct bsc_ctx *ctx, const char *name,
				    const char *data);
/* The item called path, or NULL. */
const struct bsc_collected_item *
bsc_collect_item(const struct bsc_collect *c, const char *path);
/* The finding of category at column (0 = any) in item, or NULL. */
const struct bsc_collected_finding *
bsc_collect_find(const struct bsc_collected_item *it, const char *category,
		 unsigned column);

/* The finding of category whose location contains `where`, or NULL. */
const struct bsc_collected_finding *
bsc_collect_find_at(const struct bsc_collected_item *it, const char *category,
		    const char *where);

/* Run a suite the usual way; the exit status is the failure count. */
#define BSC_TEST_MAIN(suite_fn)                                             \
	int main(void)                                                      \
	{                                                                   \
		SRunner *sr = srunner_create(suite_fn());                   \
		int failed;                                                 \
		srunner_run_all(sr, CK_ENV);                                \
		failed = srunner_ntests_failed(sr);                         \
		srunner_free(sr);                                           \
		return failed ? EXIT_FAILURE : EXIT_SUCCESS;                \
	}

#endif
