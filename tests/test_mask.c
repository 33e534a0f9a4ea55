/*
 * test_mask.c - masking keeps the shape and hides the content.
 */
#include <string.h>

#include "mask.h"
#include "testlib.h"

static void
expect(const char *in, enum bsc_mask_style st, const char *want)
{
	char *got = bsc_mask(in, strlen(in), st);

	ck_assert_msg(!strcmp(got, want), "mask('%s') = '%s', want '%s'", in,
		      got, want);
	free(got);
}

START_TEST(test_mask_examples)
{
	expect("jean.dupont@exemple.fr", BSC_MASK_EMAIL,
	       "j\u2022\u2022\u2022@\u2022\u2022\u2022.fr");
	expect("mailto:jean@exemple.org", BSC_MASK_EMAIL,
	       "j\u2022\u2022\u2022@\u2022\u2022\u2022.org");
	expect("06 12 34 56 78", BSC_MASK_PHONE,
	       "06 \u2022\u2022 \u2022\u2022 \u2022\u2022 78");
	expect("1 85 05 78 006 084 91", BSC_MASK_DIGITS,
	       "1 \u2022\u2022 \u2022\u2022 \u2022\u2022 \u2022\u2022\u2022 "
	       "\u2022\u2022\u2022 \u2022\u2022");
	expect("Dupont", BSC_MASK_NAME,
	       "D\u2022\u2022\u2022\u2022\u2022");
	expect("F", BSC_MASK_GENERIC, "\u2022");
	expect("42", BSC_MASK_DIGITS, "\u2022\u2022");
	expect("  ", BSC_MASK_GENERIC, "");
}
END_TEST

START_TEST(test_mask_never_leaks_digits)
{
	static const char *const in[] = {
		"185057800608491", "FR7630006000011234567890189",
		"12 rue des Lilas 75015 Paris", "Hélène Lefèvre", NULL};

	for (int i = 0; in[i]; i++) {
		for (int st = BSC_MASK_GENERIC; st <= BSC_MASK_NAME; st++) {
			char *m = bsc_mask(in[i], strlen(in[i]), st);
			size_t kept = 0;

			for (const char *p = m; *p; p++)
				kept += (*p >= '0' && *p <= '9') ||
					(*p >= 'a' && *p <= 'z') ||
					(*p >= 'A' && *p <= 'Z');
			/* At most the first character and two last digits. */
			ck_assert_msg(kept <= 4, "'%s' style %d kept %zu: %s",
				      in[i], st, kept, m);
			free(m);
		}
	}
}
END_TEST

START_TEST(test_mask_long_value_cut)
{
	char big[300];
	char *m;

	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	m = bsc_mask(big, strlen(big), BSC_MASK_GENERIC);
	ck_assert_uint_lt(strlen(m), 32 * 3 + 8);
	ck_assert_ptr_nonnull(strstr(m, "\u2026"));
	free(m);
}
END_TEST

START_TEST(test_mask_raw_sample)
{
	char *r = bsc_sample_raw("  a\tb\x01 ", 7);

	ck_assert_str_eq(r, "a b ");
	free(r);
}
END_TEST

static Suite *
suite_mask(void)
{
	Suite *s = suite_create("mask");
	TCase *tc = tcase_create("mask");

	tcase_add_test(tc, test_mask_examples);
	tcase_add_test(tc, test_mask_never_leaks_digits);
	tcase_add_test(tc, test_mask_long_value_cut);
	tcase_add_test(tc, test_mask_raw_sample);
	suite_add_tcase(s, tc);
	return s;
}

BSC_TEST_MAIN(suite_mask)
