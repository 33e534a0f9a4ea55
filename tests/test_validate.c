/*
 * test_validate.c - the named validators, table-driven, with the vectors
 * of ../shared/domain.md (python-stdnum, CNAM, ISO 13616) and our own.
 */
#include <string.h>

#include "testlib.h"
#include "validate.h"

struct vec {
	const char *value;
	bool valid;
};

static void
run_table(bool (*fn)(const char *, size_t), const struct vec *t,
	  const char *name)
{
	for (; t->value; t++)
		ck_assert_msg(fn(t->value, strlen(t->value)) == t->valid,
			      "%s('%s') should be %s", name, t->value,
			      t->valid ? "valid" : "invalid");
}

START_TEST(test_validate_nir_table)
{
	static const struct vec t[] = {
		{"2 95 10 99 126 111 93", true},
		{"295109912611199", false},
		{"253072B07300470", true},
		{"253072A07300443", true},
		{"253072C07300443", false},
		{"255081416802538", true},
		{"2 84 05 88 321 025 32", true},
		{"2 84 05 2A 321 025 52", true},
		{"2 84 05 2B 321 025 79", true},
		{"2 55 08 14 168 025 00", false},
		{"185057800608491", true},
		{"290122A00432163", true},
		{"290122B03304578", true},
		{"170039761101746", true},
		{"199079935012354", true},
		{"145207505601271", true},
		{"185057800608492", false},
		{"290122A00432164", false},
		{"123456789012244", false},
		{"18505780060849", false},   /* 14 characters */
		{"1850578006084911", false}, /* 16 characters */
		{"", false},
		{NULL, false},
	};

	run_table(bsc_valid_nir, t, "nir");
}
END_TEST

START_TEST(test_validate_nir_badkey_table)
{
	static const struct vec t[] = {
		{"185057800608492", true},
		{"295109912611199", true},
		{"185057800608491", false}, /* key valid */
		{"ABCDEFGHIJKLMNO", false}, /* not NIR-shaped */
		{"12345", false},
		{NULL, false},
	};

	run_table(bsc_valid_nir_badkey, t, "nir_badkey");
}
END_TEST

START_TEST(test_validate_luhn_table)
{
	static const struct vec t[] = {
		{"10000000009", true},  /* RPPS, synthetic */
		{"10000000000", false},
		{"10001234565", true},
		{"10001234566", false},
		{"10101234567", false},
		{"759100126", true},    /* ADELI */
		{"759100127", false},
		{"750000002", true},    /* FINESS */
		{"750000003", false},
		{"2345-7", true},       /* LOINC with its dash */
		{"718-7", true},
		{"2345-8", false},
		{"4111111111111111", true},
		{"7", false},           /* too short */
		{NULL, false},
	};

	run_table(bsc_valid_luhn, t, "luhn");
}
END_TEST

START_TEST(test_validate_iban_table)
{
	static const struct vec t[] = {
		{"FR14 2004 1010 0505 0001 3M02 606", true},
		{"FR15 2004 1010 0505 0001 3M02 606", false},
		{"FR76 3000 6000 0112 3456 7890 189", true},
		{"FR7630006000011234567890189", true},
		{"GB82 WEST 1234 5698 7654 32", true},
		{"FR76", false},
		{"7630006000011234567890189FR", false},
		{NULL, false},
	};

	run_table(bsc_valid_iban, t, "iban");
}
END_TEST

START_TEST(test_validate_ean13_table)
{
	static const struct vec t[] = {
		{"3400930000014", true},
		{"3400936403116", true},
		{"3400890000000", true},
		{"3400930000015", false},
		{"340093000001", false},
		{NULL, false},
	};

	run_table(bsc_valid_ean13, t, "ean13");
}
END_TEST

START_TEST(test_validate_date_table)
{
	static const struct vec t[] = {
		{"29/02/1996", true},  {"29/02/1997", false},
		{"31/04/2000", false}, {"01/01/1900", true},
		{"1985-05-15", true},  {"1985-13-15", false},
		{"19850515", true},    {"19851515", false},
		{"15.05.1985", true},  {"15-05-1985", true},
		{"15/05-1985", false}, {"1985/05/15", true},
		{"2024-06-30T10:00", false}, {"1/5/1985", false},
		{"", false},           {NULL, false},
	};

	run_table(bsc_valid_date, t, "date");
}
END_TEST

START_TEST(test_validate_age_table)
{
	static const struct vec t[] = {
		{"0", true},   {"42", true}, {"120", true}, {" 7 ", true},
		{"121", false}, {"-1", false}, {"4a", false}, {"", false},
		{"1000", false}, {NULL, false},
	};

	run_table(bsc_valid_age, t, "age");
}
END_TEST

START_TEST(test_validate_table_sorted)
{
	size_t n = bsc_validator_count();

	ck_assert_uint_gt(n, 0);
	for (size_t i = 1; i < n; i++)
		ck_assert_msg(strcmp(bsc_validator_name((int)i - 1),
				     bsc_validator_name((int)i)) < 0,
			      "validators table not alphasorted at %zu", i);
	ck_assert_int_ge(bsc_validator_find("nir"), 0);
	ck_assert_int_ge(bsc_validator_find("age"), 0);
	ck_assert_int_ge(bsc_validator_find("nir_badkey"), 0);
	ck_assert_int_eq(bsc_validator_find("nope"), -1);
	ck_assert(bsc_validator_run(bsc_validator_find("luhn"), "10000000009",
				    11));
}
END_TEST

static Suite *
suite_validate(void)
{
	Suite *s = suite_create("validate");
	TCase *tc = tcase_create("tables");

	tcase_add_test(tc, test_validate_nir_table);
	tcase_add_test(tc, test_validate_nir_badkey_table);
	tcase_add_test(tc, test_validate_luhn_table);
	tcase_add_test(tc, test_validate_iban_table);
	tcase_add_test(tc, test_validate_ean13_table);
	tcase_add_test(tc, test_validate_date_table);
	tcase_add_test(tc, test_validate_age_table);
	tcase_add_test(tc, test_validate_table_sorted);
	suite_add_tcase(s, tc);
	return s;
}

BSC_TEST_MAIN(suite_validate)
