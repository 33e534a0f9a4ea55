/*
 * test_baseline.c - baselines (scanner/scope/baseline.c): stable names of
 * renamed exports, fingerprints that survive an inserted column, growth
 * compared beyond the error of estimates, and reading baselines of every
 * kind (a --write-baseline file, a JSON report, old fingerprints, files
 * that are neither). Issue 16.
 */
#include <stdio.h>
#include <string.h>

#include "baseline.h"
#include "ctx.h"
#include "testlib.h"

/* Every line is a rename a real export goes through; the right column is
 * what both names must become. */
START_TEST(test_baseline_stable_name_table)
{
	static const char *const t[][2] = {
		{"ps.csv", "ps.csv"},
		{"ps_2025-04.csv", "ps.csv"},
		{"ps_20250401.csv", "ps.csv"},
		{"ps_2025_04_01.csv", "ps.csv"},
		{"PS 01-04-2025.CSV", "ps.csv"},
		{"ps-2025-04-01T12:30:00Z.csv", "ps.csv"},
		{"ps_20250401T123000Z.csv", "ps.csv"},
		{"ps.2025.04.csv", "ps.csv"},
		{"export-v2.csv", "export.csv"},
		{"export_v12_003.csv", "export.csv"},
		{"export (3).csv", "export.csv"},
		{"2025-04-01_ps.csv", "ps.csv"},
		{"rev2.csv", "rev.csv"},
		{"2025-04.csv", "#.csv"},
		{"dump_2025.tar.gz", "dump.tar.gz"},
		{"backup.7z", "backup.7z"},
		{"data.v2.bz2", "data.bz2"},
		{".hidden", ".hidden"},
		{"-", "-"},
		{"./exports//ps_2025-04.csv", "exports/ps.csv"},
		{"exports/2025-04/ps.csv", "exports/#/ps.csv"},
		{"exports/run_123/ps.csv", "exports/run/ps.csv"},
		{"/srv/exports/ps_2025-04.csv", "/srv/exports/ps.csv"},
		{"backup_2025-04.zip!/exports/ps_003.csv",
		 "backup.zip!/exports/ps.csv"},
		{"dump.sql!/patients_2024", "dump.sql!/patients"},
		{NULL, NULL},
	};

	for (int i = 0; t[i][0]; i++) {
		char *n = bsc_stable_name(t[i][0]);

		ck_assert_msg(!strcmp(n, t[i][1]), "%s -> %s, want %s",
			      t[i][0], n, t[i][1]);
		free(n);
	}
}
END_TEST

/* Names that differ by more than numbers stay apart. */
START_TEST(test_baseline_stable_name_keeps_words)
{
	static const char *const pairs[][2] = {
		{"patients.csv", "medecins.csv"},
		{"exports/ps.csv", "archive/ps.csv"},
		{"ps.csv", "ps.json"},
		{"a.zip!/ps.csv", "a.zip/ps.csv"},
		{NULL, NULL},
	};

	for (int i = 0; pairs[i][0]; i++) {
		char *a = bsc_stable_name(pairs[i][0]);
		char *b = bsc_stable_name(pairs[i][1]);

		ck_assert_msg(strcmp(a, b), "%s and %s both give %s",
			      pairs[i][0], pairs[i][1], a);
		free(a);
		free(b);
	}
}
END_TEST

START_TEST(test_baseline_fingerprint_recipe)
{
	struct bsc_finding a = {0}, b;
	char f1[BSC_FINGERPRINT_SIZE], f2[BSC_FINGERPRINT_SIZE];

	a.category = "email";
	a.loc.column = 3;
	a.loc.header = "E-mail";
	a.loc.line = 1;
	a.subject = BSC_SUBJECT_PATIENT;
	a.sample = "j•••@•••.fr";
	bsc_fingerprint("x/ps.csv", &a, f1);
	ck_assert_uint_eq(strlen(f1), BSC_FINGERPRINT_SIZE - 1);
	ck_assert(!strncmp(f1, "fp2:", 4));
	/* never a value, a count, a line, nor a column that has a header */
	b = a;
	b.sample = "other";
	b.count = 99;
	b.loc.line = 7;
	b.loc.column = 4;
	bsc_fingerprint("x/ps_2025-04.csv", &b, f2);
	ck_assert_str_eq(f1, f2);
	b.loc.header = "email"; /* the header as normalised */
	bsc_fingerprint("x/ps.csv", &b, f2);
	ck_assert_str_eq(f1, f2);
	/* but the header, the category, the subject and the name count */
	b = a;
	b.loc.header = "courriel_medecin";
	bsc_fingerprint("x/ps.csv", &b, f2);
	ck_assert_str_ne(f1, f2);
	b = a;
	b.category = "phone";
	bsc_fingerprint("x/ps.csv", &b, f2);
	ck_assert_str_ne(f1, f2);
	b = a;
	b.subject = BSC_SUBJECT_PROFESSIONAL;
	bsc_fingerprint("x/ps.csv", &b, f2);
	ck_assert_str_ne(f1, f2);
	bsc_fingerprint("y/ps.csv", &a, f2);
	ck_assert_str_ne(f1, f2);
	/* without a header the column is the slot */
	b = a;
	b.loc.header = NULL;
	bsc_fingerprint("x/ps.csv", &b, f1);
	b.loc.column = 5;
	bsc_fingerprint("x/ps.csv", &b, f2);
	ck_assert_str_ne(f1, f2);
}
END_TEST

START_TEST(test_baseline_grew_table)
{
	static const struct {
		uint64_t before;
		int bp;
		double be;
		uint64_t now;
		int np;
		double ne;
		double pct;
		bool grew;
	} t[] = {
		{300, 0, 0, 3000, 0, 0, 0, true},
		{300, 0, 0, 3000, 0, 0, 1000, false}, /* 300 x 11 = 3300 */
		{300, 0, 0, 3000, 0, 0, 899, true},
		{300, 0, 0, 300, 0, 0, 0, false},
		{300, 0, 0, 301, 0, 0, 0, true},
		{300, 0, 0, 200, 0, 0, 0, false},
		{0, 0, 0, 1, 0, 0, 1000, true}, /* from nobody */
		{300, 0, 0, 330, 0, 0, 10, false},
		{300, 0, 0, 331, 0, 0, 10, true},
		/* estimates: beyond three standard errors only */
		{100000, 1, 0.008, 102000, 0, 0, 0, false},
		{100000, 1, 0.008, 103000, 0, 0, 0, true},
		{100000, 0, 0, 102000, 1, 0.008, 0, false},
		{100000, 1, 0.008, 110000, 1, 0.008, 0, true},
		{100000, 1, 0.008, 104000, 1, 0.008, 0, false},
		/* an upper bound proves no growth; as a baseline it is the
		 * largest the figure was */
		{300, 0, 0, 3000, 2, 0, 0, false},
		{300, 2, 0, 301, 0, 0, 0, true},
	};

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		ck_assert_msg(bsc_grew(t[i].before, t[i].bp, t[i].be, t[i].now,
				       t[i].np, t[i].ne, t[i].pct) == t[i].grew,
			      "case %zu", i);
}
END_TEST

/* A --write-baseline file: fingerprints taken as they are, figures per
 * stable name (the larger of two), totals. */
START_TEST(test_baseline_load_own_file)
{
	static const char doc[] =
		"{\"schema\": \"breachscope.baseline/1\", \"items\": ["
		"{\"path\": \"x/ps_2025-03.csv\", \"status\": \"complete\","
		" \"records_linked\": 10, \"persons\": {\"count\": 300,"
		" \"precision\": \"exact\", \"error\": null}, \"findings\": ["
		"{\"fingerprint\": \"fp2:0123456789abcdef0123456789abcdef\","
		" \"category\": \"email\", \"subject\": \"patient\","
		" \"location\": {\"column\": 2, \"header\": \"email\"}}]},"
		"{\"path\": \"x/ps_2025-02.csv\", \"status\": \"complete\","
		" \"records_linked\": 20, \"persons\": {\"count\": 100,"
		" \"precision\": \"exact\"}, \"findings\": []},"
		"{\"path\": \"x/big.csv\", \"status\": \"partial\","
		" \"records_linked\": 0, \"persons\": {\"count\": 1},"
		" \"findings\": []}],"
		" \"summary\": {\"complete\": true, \"records_linked\": 30,"
		" \"persons\": {\"count\": 400, \"precision\": \"exact\"}}}";
	struct bsc_ctx *ctx = bsc_test_ctx();
	const char *path = bsc_write_file(bsc_tmpdir(), "b.json", doc,
					  sizeof(doc) - 1);
	struct bsc_baseline *b = bsc_baseline_load(ctx, path);
	struct bsc_item_report rep = {0};
	struct bsc_run_summary s = {0};

	ck_assert_ptr_nonnull(b);
	ck_assert(bsc_baseline_has(b, "fp2:0123456789abcdef0123456789abcdef"));
	ck_assert(!bsc_baseline_has(b, "fp2:ffff456789abcdef0123456789abcdef"));
	rep.path = "x/ps_2025-04.csv";
	rep.persons.count = 300;
	rep.records_linked = 20;
	ck_assert(!bsc_baseline_item_growth(b, &rep)); /* max of the two */
	rep.persons.count = 301;
	ck_assert(bsc_baseline_item_growth(b, &rep));
	ck_assert(rep.growth.persons && !rep.growth.linked);
	ck_assert_uint_eq(rep.growth.persons_before, 300);
	ck_assert_uint_eq(rep.growth.persons_now, 301);
	bsc_baseline_set_max_growth(b, 1);
	ck_assert(!bsc_baseline_item_growth(b, &rep));
	ck_assert(!rep.growth.persons);
	bsc_baseline_set_max_growth(b, 0);
	/* a baseline item not read completely is not compared */
	rep.path = "x/big.csv";
	rep.persons.count = 5000;
	ck_assert(!bsc_baseline_item_growth(b, &rep));
	/* an item the baseline does not know is not compared either (its
	 * findings are new) */
	rep.path = "x/new.csv";
	ck_assert(!bsc_baseline_item_growth(b, &rep));
	s.persons.count = 400;
	s.records_linked = 31;
	ck_assert(bsc_baseline_total_growth(b, &s));
	ck_assert(s.growth.linked && !s.growth.persons);
	bsc_baseline_free(b);
	bsc_ctx_free(ctx);
}
END_TEST

/* A JSON report with fingerprints of another version (here version 1:
 * 32 hex digits, no prefix): they are recomputed from the report's path,
 * header, category and subject. */
START_TEST(test_baseline_load_old_report)
{
	static const char doc[] =
		"{\"schema\": \"breachscope.report/1\", \"items\": ["
		"{\"path\": \"x/ps.csv\", \"status\": \"complete\","
		" \"members\": null, \"records_linked\": 0,"
		" \"persons\": {\"count\": 2, \"precision\": \"exact\"},"
		" \"findings\": [{\"category\": \"email\","
		" \"subject\": \"patient\", \"location\": {\"column\": 2,"
		" \"header\": \"Email\", \"line\": 1}, \"fingerprint\":"
		" \"0123456789abcdef0123456789abcdef\"}]}],"
		" \"summary\": {\"by_status\": {\"complete\": 1, \"partial\": 0,"
		" \"failed\": 0, \"skipped\": 0}, \"records_linked\": 0,"
		" \"persons\": {\"count\": 2, \"precision\": \"exact\"}}}";
	struct bsc_ctx *ctx = bsc_test_ctx();
	const char *path = bsc_write_file(bsc_tmpdir(), "r.json", doc,
					  sizeof(doc) - 1);
	struct bsc_baseline *b = bsc_baseline_load(ctx, path);
	char fp[BSC_FINGERPRINT_SIZE];

	ck_assert_ptr_nonnull(b);
	bsc_fingerprint_of("x/ps_2025-04.csv", "email", 3, "email", "patient",
			   fp);
	ck_assert(bsc_baseline_has(b, fp));
	ck_assert(!bsc_baseline_has(b, "0123456789abcdef0123456789abcdef"));
	bsc_baseline_free(b);
	bsc_ctx_free(ctx);
}
END_TEST

START_TEST(test_baseline_load_errors)
{
	static const char *const bad[] = {
		"not json at all",
		"{\"schema\": \"breachscope.report/2\", \"items\": []}",
		"{\"schema\": \"breachscope.baseline/1\"}",
		"[1, 2, 3]",
		NULL,
	};
	struct bsc_ctx *ctx = bsc_test_ctx();

	for (int i = 0; bad[i]; i++) {
		const char *path = bsc_write_file(bsc_tmpdir(), "bad.json",
						  bad[i], strlen(bad[i]));

		ck_assert_msg(bsc_baseline_load(ctx, path) == NULL, "case %d",
			      i);
		ck_assert_ptr_nonnull(strstr(bsc_ctx_error(ctx), "--baseline"));
	}
	ck_assert(bsc_baseline_load(ctx, "/nonexistent/b.json") == NULL);
	bsc_ctx_free(ctx);
}
END_TEST

static Suite *
suite_baseline(void)
{
	Suite *s = suite_create("baseline");
	TCase *tn = tcase_create("names");
	TCase *tg = tcase_create("growth");
	TCase *tl = tcase_create("load");

	tcase_add_test(tn, test_baseline_stable_name_table);
	tcase_add_test(tn, test_baseline_stable_name_keeps_words);
	tcase_add_test(tn, test_baseline_fingerprint_recipe);
	tcase_add_test(tg, test_baseline_grew_table);
	tcase_add_test(tl, test_baseline_load_own_file);
	tcase_add_test(tl, test_baseline_load_old_report);
	tcase_add_test(tl, test_baseline_load_errors);
	suite_add_tcase(s, tn);
	suite_add_tcase(s, tg);
	suite_add_tcase(s, tl);
	return s;
}

BSC_TEST_MAIN(suite_baseline)
