/*
 * testlib.h - helpers shared by the Check suites: fixture paths, a
 * collecting sink, a context with the project's rules, temp dirs.
 */
#ifndef BSC_TESTLIB_H
#define BSC_TESTLIB_H

#include <check.h>
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
};
struct bsc_collected_item {
	char *path;
	char *format;
	char *encoding;
	int status;
	char *reason;
	char *note;
	unsigned long long records, records_identity, records_medical,
		records_linked;
	char *identity; /* names joined with ',' */
	char *medical;
	struct bsc_collected_finding *findings;
	size_t n_findings;
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
