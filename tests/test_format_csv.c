/*
 * test_format_csv.c - the CSV reader: dialect sniffing, encodings, header
 * detection, limits and malformed input, on fixtures and generated files.
 */
#include <string.h>

#include "ctx.h"
#include "format_csv.h"
#include "testlib.h"

START_TEST(test_format_csv_sniff_table)
{
	static const struct {
		const char *text;
		char delim;
		bool header;
	} t[] = {
		{"nom;prenom;ddn\nDUPONT;Jean;01/02/1980\nMARTIN;Luc;03/04/1990\n",
		 ';', true},
		{"a,b,c\n1,2,3\n4,5,6\n", ',', true},
		{"a\tb\tc\n1\t2\t3\n", '\t', true},
		{"Identifiant PP|Nom|Tel\n10000000009|X|0612345678\n", '|', true},
		{"DUPONT;Jean;jean@exemple.fr\nMARTIN;Luc;luc@exemple.fr\n", ';',
		 false},
		{"\"a;b\",c\n\"x;y\",z\n\"1;2\",3\n", ',', true},
		{"just some prose\nwithout any delimiter\n", 0, false},
		{NULL, 0, false},
	};

	for (int i = 0; t[i].text; i++) {
		struct bsc_csv_dialect d;

		bsc_csv_sniff(t[i].text, strlen(t[i].text), true, NULL, NULL, &d);
		ck_assert_msg(d.delim == t[i].delim, "case %d: delim '%c'", i,
			      d.delim ? d.delim : '0');
		if (d.delim)
			ck_assert_msg(d.header == t[i].header,
				      "case %d: header %d", i, d.header);
	}
}
END_TEST

START_TEST(test_format_csv_semicolon_fixture)
{
	struct bsc_ctx *ctx = bsc_test_ctx();
	struct bsc_collect c =
		bsc_collect_fixture(ctx, "csv/patients-fr-semicolon.csv");
	const struct bsc_collected_item *it = &c.items[0];

	ck_assert_str_eq(it->format, "csv");
	ck_assert_int_eq(it->status, BSC_ITEM_COMPLETE);
	ck_assert_uint_eq(it->records, 8);
	ck_assert_ptr_nonnull(strstr(it->identity, "national_id"));
	ck_assert_ptr_nonnull(strstr(it->identity, "email"));
	ck_assert_ptr_nonnull(strstr(it->medical, "diagnosis"));
	ck_assert_uint_eq(it->records_linked, 8);
	ck_assert_ptr_nonnull(bsc_collect_find(it, "national_id", 5));
	bsc_collect_free(&c);
	bsc_ctx_free(ctx);
}
END_TEST

/* The same people in three encodings give the same categories. */
START_TEST(test_format_csv_encodings_agree)
{
	struct bsc_ctx *ctx = bsc_test_ctx();
	struct bsc_collect a = bsc_collect_one(ctx,
					bsc_fixture_path("csv/patients-fr-cp1252.csv"));
	struct bsc_collect b =
		bsc_collect_fixture(ctx, "csv/patients-utf16.csv");

	ck_assert_int_eq(a.items[0].status, BSC_ITEM_COMPLETE);
	ck_assert_int_eq(b.items[0].status, BSC_ITEM_COMPLETE);
	/* Accented headers were decoded before matching. */
	ck_assert_ptr_nonnull(bsc_collect_find(&a.items[0], "first_name", 2));
	ck_assert_ptr_nonnull(bsc_collect_find(&b.items[0], "first_name", 2));
	ck_assert_str_eq(a.items[0].findings[1].header, "Pr\xC3\xA9nom");
	ck_assert_ptr_nonnull(bsc_collect_find(&a.items[0], "phone", 0));
	bsc_collect_free(&a);
	bsc_collect_free(&b);
	bsc_ctx_free(ctx);
}
END_TEST

START_TEST(test_format_csv_headerless_values)
{
	struct bsc_ctx *ctx = bsc_test_ctx();
	struct bsc_collect c =
		bsc_collect_fixture(ctx, "csv/patients-headerless.csv");
	const struct bsc_collected_item *it = &c.items[0];
	const struct bsc_collected_finding *f;

	ck_assert_uint_eq(it->records, 6); /* row 1 is data */
	f = bsc_collect_find(it, "email", 0);
	ck_assert_ptr_nonnull(f);
	ck_assert_ptr_null(f->header);
	ck_assert_uint_eq(f->evidence, BSC_EVIDENCE_VALUE);
	ck_assert_ptr_nonnull(bsc_collect_find(it, "national_id", 0));
	bsc_collect_free(&c);
	bsc_ctx_free(ctx);
}
END_TEST

/*
 * Findings of a column point at its header cell: the header's line (after
 * blank lines and a BOM) and the cell's character (quotes followed, UTF-8
 * counted as characters), not at the first person's row.
 */
START_TEST(test_format_csv_header_places)
{
	struct bsc_ctx *ctx = bsc_test_ctx();
	struct bsc_collect c = bsc_collect_text(
		ctx, "places.csv",
		"\xEF\xBB\xBF\n\n\"Pr\xC3\xA9nom; usuel\";\"e;mail\";nir\n"
		"Jean;jean.dupont@exemple.fr;185057510120417\n"
		"Marie;marie.durand@exemple.fr;290116938101512\n");
	const struct bsc_collected_item *it = &c.items[0];
	const struct bsc_collected_finding *f;

	f = bsc_collect_find(it, "email", 2);
	ck_assert_ptr_nonnull(f);
	ck_assert_uint_eq(f->line, 3);
	ck_assert_uint_eq(f->start_char, 17); /* after "Prénom; usuel"; */
	f = bsc_collect_find(it, "national_id", 3);
	ck_assert_ptr_nonnull(f);
	ck_assert_uint_eq(f->line, 3);
	ck_assert_uint_eq(f->start_char, 26);
	bsc_collect_free(&c);
	bsc_ctx_free(ctx);
}
END_TEST

/* Without a header row, a column points at its first value's row. */
START_TEST(test_format_csv_headerless_line)
{
	struct bsc_ctx *ctx = bsc_test_ctx();
	struct bsc_collect c =
		bsc_collect_fixture(ctx, "csv/patients-headerless.csv");
	const struct bsc_collected_finding *f =
		bsc_collect_find(&c.items[0], "email", 0);

	ck_assert_ptr_nonnull(f);
	ck_assert_uint_eq(f->line, 1);
	ck_assert_uint_eq(f->start_char, 0);
	bsc_collect_free(&c);
	bsc_ctx_free(ctx);
}
END_TEST

START_TEST(test_format_csv_unterminated_quote)
{
	struct bsc_ctx *ctx = bsc_test_ctx();
	struct bsc_collect c =
		bsc_collect_fixture(ctx, "csv/bad-unterminated-quote.csv");
	const struct bsc_collected_item *it = &c.items[0];

	ck_assert_int_eq(it->status, BSC_ITEM_PARTIAL);
	ck_assert_ptr_nonnull(strstr(it->reason, "unterminated quoted field"));
	ck_assert_uint_eq(it->records, 2); /* rows before the damage kept */
	ck_assert_ptr_nonnull(bsc_collect_find(it, "email", 3));
	bsc_collect_free(&c);
	bsc_ctx_free(ctx);
}
END_TEST

START_TEST(test_format_csv_field_limit)
{
	struct bsc_ctx *ctx = bsc_test_ctx();
	const char *dir = bsc_tmpdir();
	size_t n = 300000;
	char *data = malloc(n + 64);
	const char *path;
	struct bsc_collect c;

	strcpy(data, "a,b\n1,2\n3,\"");
	memset(data + strlen(data), 'x', n);
	data[n + 11] = '\0';
	path = bsc_write_file(dir, "big.csv", data, strlen(data));
	bsc_ctx_limits(ctx)->max_field = 64 * 1024;
	c = bsc_collect_one(ctx, path);
	ck_assert_int_eq(c.items[0].status, BSC_ITEM_PARTIAL);
	ck_assert_ptr_nonnull(strstr(c.items[0].reason, "--max-field"));
	ck_assert_uint_eq(c.items[0].records, 1); /* "a,b" is the header */
	bsc_collect_free(&c);
	free(data);
	bsc_ctx_free(ctx);
}
END_TEST

START_TEST(test_format_csv_column_limit)
{
	struct bsc_ctx *ctx = bsc_test_ctx();
	const char *dir = bsc_tmpdir();
	const char *data = "a;b;c;email\n1;2;3;x@exemple.fr\n"
			   "4;5;6;y@exemple.fr\n";
	const char *path = bsc_write_file(dir, "wide.csv", data, strlen(data));
	struct bsc_collect c;

	bsc_ctx_limits(ctx)->max_columns = 3;
	c = bsc_collect_one(ctx, path);
	ck_assert_int_eq(c.items[0].status, BSC_ITEM_PARTIAL);
	ck_assert_ptr_nonnull(strstr(c.items[0].reason, "--max-columns"));
	ck_assert_ptr_null(bsc_collect_find(&c.items[0], "email", 0));
	bsc_collect_free(&c);
	bsc_ctx_free(ctx);
}
END_TEST

START_TEST(test_format_csv_bad_files)
{
	static const struct {
		const char *path;
		int status;
	} t[] = {
		{"csv/bad-binary.csv", BSC_ITEM_FAILED}, /* not examined */
		{"csv/bad-empty.csv", BSC_ITEM_COMPLETE},
		{"csv/bad-invalid-encoding.csv", BSC_ITEM_FAILED},
		{"csv/bad-ragged-rows.csv", BSC_ITEM_COMPLETE},
		{NULL, 0},
	};
	struct bsc_ctx *ctx = bsc_test_ctx();

	for (int i = 0; t[i].path; i++) {
		struct bsc_collect c = bsc_collect_fixture(ctx, t[i].path);

		ck_assert_msg(c.items[0].status == t[i].status, "%s: status %d",
			      t[i].path, c.items[0].status);
		if (t[i].status != BSC_ITEM_COMPLETE)
			ck_assert_ptr_nonnull(c.items[0].reason);
		bsc_collect_free(&c);
	}
	bsc_ctx_free(ctx);
}
END_TEST

START_TEST(test_format_csv_clean_files)
{
	static const char *const t[] = {"csv/clean-inventory.csv",
					"csv/clean-stats.csv", NULL};
	struct bsc_ctx *ctx = bsc_test_ctx();

	for (int i = 0; t[i]; i++) {
		struct bsc_collect c = bsc_collect_fixture(ctx, t[i]);

		ck_assert_msg(c.items[0].n_findings == 0, "%s: %zu findings",
			      t[i], c.items[0].n_findings);
		ck_assert_str_eq(c.items[0].identity, "");
		ck_assert_str_eq(c.items[0].medical, "");
		bsc_collect_free(&c);
	}
	bsc_ctx_free(ctx);
}
END_TEST

/* Issue 17: one NUL byte, or UTF-16 without a BOM, hid a whole CSV. */
START_TEST(test_format_csv_nul_and_utf16_are_text)
{
	static const char csv[] = "nom;email\nDUPONT;jean.dupont@exemple.fr\n"
				  "MARTIN\0;anne.martin@exemple.fr\n";
	struct bsc_ctx *ctx = bsc_test_ctx();
	const char *dir = bsc_tmpdir();
	char u16[2 * sizeof(csv)];
	struct bsc_collect c;
	const char *path;

	path = bsc_write_file(dir, "nul.csv", csv, sizeof(csv) - 1);
	c = bsc_collect_one(ctx, path);
	ck_assert_int_eq(c.items[0].status, BSC_ITEM_COMPLETE);
	ck_assert_str_eq(c.items[0].format, "csv");
	ck_assert_ptr_nonnull(bsc_collect_find(&c.items[0], "email", 2));
	bsc_collect_free(&c);
	for (size_t i = 0; i + 1 < sizeof(csv); i++) {
		u16[2 * i] = csv[i];
		u16[2 * i + 1] = 0;
	}
	path = bsc_write_file(dir, "u16.csv", u16, 2 * (sizeof(csv) - 1));
	c = bsc_collect_one(ctx, path);
	ck_assert_int_eq(c.items[0].status, BSC_ITEM_COMPLETE);
	ck_assert_str_eq(c.items[0].encoding, "utf-16le");
	ck_assert_ptr_nonnull(bsc_collect_find(&c.items[0], "email", 2));
	bsc_collect_free(&c);
	bsc_ctx_free(ctx);
}
END_TEST

/* Binary that may hold data is incomplete coverage, and --reader reads
 * it anyway; an image is skipped. */
START_TEST(test_format_csv_binary_forced_and_images)
{
	static const char png[] = "\x89PNG\r\n\x1A\n\0\0\0\rIHDR\x01\x02";
	struct bsc_ctx *ctx = bsc_test_ctx();
	const char *dir = bsc_tmpdir();
	char data[4096];
	size_t n = 0;
	struct bsc_collect c;
	const char *path;

	for (int i = 0; n < 2048; i++)
		data[n++] = (char)(i * 7 % 31); /* control characters */
	n += (size_t)sprintf(data + n, "\nnom;email\nDUPONT;jean.dupont@"
				       "exemple.fr\n");
	path = bsc_write_file(dir, "dump.dat", data, n);
	c = bsc_collect_one(ctx, path);
	ck_assert_int_eq(c.items[0].status, BSC_ITEM_FAILED);
	ck_assert_ptr_nonnull(strstr(c.items[0].reason, "--reader"));
	bsc_collect_free(&c);
	bsc_ctx_free(ctx);
	ctx = bsc_test_ctx();
	ctx->force_reader = "csv";
	c = bsc_collect_one(ctx, path);
	ck_assert_str_eq(c.items[0].format, "csv");
	ck_assert_ptr_nonnull(bsc_collect_find(&c.items[0], "email", 0));
	bsc_collect_free(&c);
	bsc_ctx_free(ctx);
	ctx = bsc_test_ctx();
	path = bsc_write_file(dir, "a.png", png, sizeof(png) - 1);
	c = bsc_collect_one(ctx, path);
	ck_assert_int_eq(c.items[0].status, BSC_ITEM_SKIPPED);
	ck_assert_ptr_nonnull(strstr(c.items[0].reason, "PNG"));
	bsc_collect_free(&c);
	bsc_ctx_free(ctx);
}
END_TEST

static Suite *
suite_format_csv(void)
{
	Suite *s = suite_create("format_csv");
	TCase *tb = tcase_create("sniff");
	TCase *tr = tcase_create("read");
	TCase *tl = tcase_create("limits");

	tcase_add_test(tb, test_format_csv_sniff_table);
	tcase_add_test(tr, test_format_csv_semicolon_fixture);
	tcase_add_test(tr, test_format_csv_encodings_agree);
	tcase_add_test(tr, test_format_csv_headerless_values);
	tcase_add_test(tr, test_format_csv_header_places);
	tcase_add_test(tr, test_format_csv_headerless_line);
	tcase_add_test(tr, test_format_csv_clean_files);
	tcase_add_test(tl, test_format_csv_unterminated_quote);
	tcase_add_test(tl, test_format_csv_field_limit);
	tcase_add_test(tl, test_format_csv_column_limit);
	tcase_add_test(tl, test_format_csv_bad_files);
	tcase_add_test(tl, test_format_csv_nul_and_utf16_are_text);
	tcase_add_test(tl, test_format_csv_binary_forced_and_images);
	suite_add_tcase(s, tb);
	suite_add_tcase(s, tr);
	suite_add_tcase(s, tl);
	return s;
}

BSC_TEST_MAIN(suite_format_csv)
