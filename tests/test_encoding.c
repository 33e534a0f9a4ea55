/*
 * test_encoding.c - encoding sniffing and streaming conversion to UTF-8.
 */
#include <string.h>

#include "encoding.h"
#include "testlib.h"

#define B(lit) lit, sizeof(lit) - 1

START_TEST(test_encoding_sniff_table)
{
	static const struct {
		const char *bytes;
		size_t len;
		enum bsc_encoding want;
	} t[] = {
		{"", 0, BSC_ENC_EMPTY},
		{B("nom;prenom\n"), BSC_ENC_UTF8},
		{B("\xEF\xBB\xBFnom"), BSC_ENC_UTF8_BOM},
		{B("\xFF\xFEn\0o\0"), BSC_ENC_UTF16LE},
		{B("\xFE\xFF\0n\0o"), BSC_ENC_UTF16BE},
		{B("Pr\xE9nom;H\xE9l\xE8ne\n"), BSC_ENC_CP1252},
		{B("Sacr\xE9-C\x9Cur"), BSC_ENC_CP1252},
		{B("DUPONT\x81\x8D;Jean\x90"), BSC_ENC_INVALID},
		/* Issue 17: a stray NUL is text; UTF-16 needs no BOM. */
		{B("ab\0cd"), BSC_ENC_UTF8},
		{B("nom;email\n\0\0\0\0\0\0\0\0\0\0\0\0\0\0a;b\n"), BSC_ENC_UTF8},
		{B("n\0o\0m\0;\0e\0m\0a\0i\0l\0\r\0\n\0"), BSC_ENC_UTF16LE},
		{B("\0n\0o\0m\0;\0e\0m\0a\0i\0l\0\r\0\n"), BSC_ENC_UTF16BE},
		{B("\x01\0\x02\0\x03\x04\x05\x06\0\x07\x08"), BSC_ENC_BINARY},
		{B("\0\0\0\0"), BSC_ENC_BINARY}, /* at the end */
		{B("\x01\x02\x03\x04\x05\x06\x07\x08 text"), BSC_ENC_BINARY},
		{B("\x0BMSH|^~\\&|\x1C\r"), BSC_ENC_UTF8},
		{B("Pr\xC3\xA9nom"), BSC_ENC_UTF8},
	};

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		ck_assert_msg(bsc_encoding_sniff((const unsigned char *)t[i].bytes,
						 t[i].len, true) == t[i].want,
			      "case %zu", i);
}
END_TEST

START_TEST(test_encoding_sniff_cut_sequence)
{
	/* A UTF-8 sequence cut by the end of the head is not an error unless
	 * the head is the whole input. */
	const unsigned char h[] = "abc\xC3";

	ck_assert_int_eq(bsc_encoding_sniff(h, 4, false), BSC_ENC_UTF8);
	ck_assert_int_eq(bsc_encoding_sniff(h, 4, true), BSC_ENC_CP1252);
}
END_TEST

static char *
decode_all(enum bsc_encoding enc, const char *in, size_t len, size_t chunk,
	   uint64_t *bad)
{
	struct bsc_decoder d;
	char *out = calloc(1, len * 3 + 64);
	size_t olen = 0, pos = 0;

	ck_assert(bsc_decoder_init(&d, enc));
	while (pos < len) {
		size_t n = len - pos < chunk ? len - pos : chunk;
		size_t used = bsc_decoder_run(&d, (const unsigned char *)in + pos,
					      n, out, len * 3 + 64, &olen,
					      pos + n == len);

		if (used == 0 && pos + n < len) {
			/* needs more input: feed a bigger slice */
			used = bsc_decoder_run(&d,
					       (const unsigned char *)in + pos,
					       len - pos, out, len * 3 + 64,
					       &olen, true);
		}
		pos += used;
		if (used == 0)
			break;
	}
	*bad = d.bad_bytes;
	bsc_decoder_free(&d);
	return out;
}

START_TEST(test_encoding_decode_cp1252)
{
	uint64_t bad;
	char *s = decode_all(BSC_ENC_CP1252, "Pr\xE9nom C\x9Cur", 11, 3, &bad);

	ck_assert_str_eq(s, "Pr\xC3\xA9nom C\xC5\x93ur");
	ck_assert_uint_eq(bad, 0);
	free(s);
}
END_TEST

START_TEST(test_encoding_decode_utf16_bom)
{
	uint64_t bad;
	char *s = decode_all(BSC_ENC_UTF16LE, "\xFF\xFEN\0o\0m\0\xE9\0", 10, 10,
			     &bad);

	ck_assert_str_eq(s, "Nom\xC3\xA9");
	free(s);
}
END_TEST

START_TEST(test_encoding_decode_utf8_bom_and_bad_bytes)
{
	uint64_t bad;
	char *s = decode_all(BSC_ENC_UTF8_BOM, "\xEF\xBB\xBFok\xFFok", 8, 8, &bad);

	ck_assert_str_eq(s, "ok\xEF\xBF\xBDok");
	ck_assert_uint_eq(bad, 1);
	free(s);
}
END_TEST

START_TEST(test_encoding_nul_reads_as_space)
{
	uint64_t bad;
	char *s = decode_all(BSC_ENC_UTF8, "ab\0cd", 5, 5, &bad);

	ck_assert_str_eq(s, "ab cd");
	ck_assert_uint_eq(bad, 0);
	free(s);
}
END_TEST

START_TEST(test_encoding_binary_kinds)
{
	ck_assert_str_eq(bsc_binary_kind((const unsigned char *)"\x89PNG\r\n\x1A\n", 8),
			 "PNG image");
	ck_assert_ptr_null(bsc_binary_kind((const unsigned char *)"SQLite format 3", 15));
	ck_assert_int_eq(bsc_encoding_sniff_text((const unsigned char *)"\x01\x02\x81", 3, true),
			 BSC_ENC_CP1252);
}
END_TEST

START_TEST(test_encoding_names)
{
	ck_assert_int_eq(bsc_encoding_from_name("8859/1"), BSC_ENC_LATIN1);
	ck_assert_int_eq(bsc_encoding_from_name("UNICODE UTF-8"), BSC_ENC_UTF8);
	ck_assert_int_eq(bsc_encoding_from_name("EBCDIC"), -1);
	ck_assert_str_eq(bsc_encoding_name(BSC_ENC_CP1252), "windows-1252");
}
END_TEST

static Suite *
suite_encoding(void)
{
	Suite *s = suite_create("encoding");
	TCase *tc = tcase_create("sniff");
	TCase *td = tcase_create("decode");

	tcase_add_test(tc, test_encoding_sniff_table);
	tcase_add_test(tc, test_encoding_sniff_cut_sequence);
	tcase_add_test(tc, test_encoding_names);
	tcase_add_test(td, test_encoding_decode_cp1252);
	tcase_add_test(td, test_encoding_nul_reads_as_space);
	tcase_add_test(tc, test_encoding_binary_kinds);
	tcase_add_test(td, test_encoding_decode_utf16_bom);
	tcase_add_test(td, test_encoding_decode_utf8_bom_and_bad_bytes);
	suite_add_tcase(s, tc);
	suite_add_tcase(s, td);
	return s;
}

BSC_TEST_MAIN(suite_encoding)
