/*
 * test_util.c - util.c and buf.c: size parsing, bounded buffers, vectors.
 */
#include <string.h>

#include "buf.h"
#include "testlib.h"
#include "util.h"

START_TEST(test_util_parse_size_table)
{
	static const struct {
		const char *in;
		bool ok;
		uint64_t out;
	} t[] = {
		{"100", true, 100},
		{"64K", true, 65536},
		{"16M", true, 16777216},
		{"4G", true, 4294967296ull},
		{"4gb", true, 4294967296ull},
		{"1T", true, 1099511627776ull},
		{"", false, 0},
		{"K", false, 0},
		{"12Q", false, 0},
		{"-5", false, 0},
		{"99999999999999999999", false, 0},
		{NULL, false, 0},
	};

	for (size_t i = 0; t[i].in; i++) {
		uint64_t v = 7;

		ck_assert_msg(bsc_parse_size(t[i].in, &v) == t[i].ok, "%s",
			      t[i].in);
		ck_assert_uint_eq(v, t[i].ok ? t[i].out : 7); /* untouched */
	}
}
END_TEST

START_TEST(test_util_parse_duration_table)
{
	static const struct {
		const char *in;
		bool ok;
		uint64_t ms;
	} t[] = {
		{"600", true, 600000},
		{"90s", true, 90000},
		{"500ms", true, 500},
		{"10m", true, 600000},
		{"2h", true, 7200000},
		{"", false, 0},
		{"s", false, 0},
		{"10x", false, 0},
		{"10 m", false, 0},
		{"-1", false, 0},
		{"99999999999999999h", false, 0},
		{NULL, false, 0},
	};

	for (size_t i = 0; t[i].in; i++) {
		uint64_t v = 7;

		ck_assert_msg(bsc_parse_duration(t[i].in, &v) == t[i].ok, "%s",
			      t[i].in);
		ck_assert_uint_eq(v, t[i].ok ? t[i].ms : 7); /* untouched */
	}
}
END_TEST

START_TEST(test_util_format_size)
{
	char b[32];

	bsc_format_size(1024 * 1024, b, sizeof(b));
	ck_assert_str_eq(b, "1M");
	bsc_format_size(1000, b, sizeof(b));
	ck_assert_str_eq(b, "1000");
	bsc_format_size(16ull << 30, b, sizeof(b));
	ck_assert_str_eq(b, "16G");
}
END_TEST

START_TEST(test_buf_limit)
{
	struct bsc_buf b;

	bsc_buf_init(&b, 8);
	ck_assert(bsc_buf_add(&b, "abcd", 4));
	ck_assert(bsc_buf_add(&b, "efgh", 4));
	ck_assert(!bsc_buf_add(&b, "i", 1)); /* too big: nothing added */
	ck_assert_uint_eq(b.len, 8);
	ck_assert_str_eq(b.data, "abcdefgh");
	bsc_buf_reset(&b);
	ck_assert_uint_eq(b.len, 0);
	ck_assert(bsc_buf_addc(&b, 'x'));
	ck_assert_str_eq(b.data, "x");
	bsc_buf_free(&b);
}
END_TEST

START_TEST(test_util_icontains)
{
	ck_assert(bsc_ascii_icontains("Jean@Exemple.fr", 15, "@"));
	ck_assert(bsc_ascii_icontains("IBAN FR76", 9, "fr"));
	ck_assert(!bsc_ascii_icontains("abc", 3, "abcd"));
}
END_TEST

START_TEST(test_util_vec)
{
	struct bsc_vec v = {0};

	for (intptr_t i = 0; i < 100; i++)
		bsc_vec_push(&v, (void *)i);
	ck_assert_uint_eq(v.n, 100);
	ck_assert_ptr_eq(v.v[42], (void *)42);
	bsc_vec_release(&v);
	ck_assert_uint_eq(v.n, 0);
}
END_TEST

static Suite *
suite_util(void)
{
	Suite *s = suite_create("util");
	TCase *tc = tcase_create("util");

	tcase_add_test(tc, test_util_parse_size_table);
	tcase_add_test(tc, test_util_parse_duration_table);
	tcase_add_test(tc, test_util_format_size);
	tcase_add_test(tc, test_buf_limit);
	tcase_add_test(tc, test_util_icontains);
	tcase_add_test(tc, test_util_vec);
	suite_add_tcase(s, tc);
	return s;
}

BSC_TEST_MAIN(suite_util)
