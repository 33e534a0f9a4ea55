/*
 * test_docpath.c - location paths of the structured readers: components
 * and qualifiers, late qualifiers, bounds on hostile names, slot names of
 * long paths, and FHIR reference keys.
 */
#include <string.h>

#include "docpath.h"
#include "testlib.h"

static void
push(struct bsc_docpath *dp, const char *name, const char *qual)
{
	ck_assert(bsc_docpath_push(dp, name, strlen(name), qual,
				   qual ? strlen(qual) : 0, true));
}

START_TEST(test_docpath_components)
{
	struct bsc_docpath dp;

	bsc_docpath_init(&dp, 8);
	push(&dp, "ClinicalDocument", NULL);
	push(&dp, "recordTarget", NULL);
	push(&dp, "id", "1.2.250.1.213.1.4.8");
	ck_assert_str_eq(bsc_docpath_slot(&dp, "extension"),
			 "/ClinicalDocument/recordTarget/id[1.2.250.1.213.1.4.8]"
			 "/@extension");
	bsc_docpath_pop(&dp);
	/* A qualifier learnt from a child rebuilds the path below it. */
	push(&dp, "section", NULL);
	push(&dp, "code", NULL);
	bsc_docpath_qualify(&dp, 3, "11450-4", 7);
	ck_assert_str_eq(bsc_docpath_slot(&dp, NULL),
			 "/ClinicalDocument/recordTarget/section[11450-4]/code");
	/* An existing qualifier is kept. */
	bsc_docpath_qualify(&dp, 3, "99999-9", 7);
	ck_assert_ptr_nonnull(strstr(bsc_docpath_slot(&dp, NULL), "[11450-4]"));
	/* Hidden frames add nothing. */
	ck_assert(bsc_docpath_push(&dp, "td", 2, NULL, 0, false));
	ck_assert_str_eq(bsc_docpath_slot(&dp, NULL),
			 "/ClinicalDocument/recordTarget/section[11450-4]/code");
	bsc_docpath_free(&dp);
}
END_TEST

START_TEST(test_docpath_bounds)
{
	struct bsc_docpath dp;
	char name[300];
	const char *slot;

	bsc_docpath_init(&dp, 2);
	/* 100 x "é" (2 bytes): cut at 64 bytes, never inside a character. */
	for (int i = 0; i < 100; i++)
		memcpy(name + 2 * i, "\xC3\xA9", 2);
	push(&dp, "r", NULL);
	ck_assert(bsc_docpath_push(&dp, name, 200, "a]b/c[d", 7, true));
	slot = bsc_docpath_slot(&dp, NULL);
	ck_assert_uint_eq(strlen(slot), 3 + 64 + strlen("[ab/cd]"));
	ck_assert_ptr_nonnull(strstr(slot, "[ab/cd]")); /* brackets dropped */
	/* The depth bound holds. */
	ck_assert(!bsc_docpath_push(&dp, "x", 1, NULL, 0, true));
	bsc_docpath_free(&dp);
}
END_TEST

START_TEST(test_docpath_long_slot_names)
{
	struct bsc_docpath dp;
	const char *slot;

	bsc_docpath_init(&dp, 64);
	push(&dp, "root", NULL);
	for (int i = 0; i < 40; i++)
		push(&dp, "component-with-a-rather-long-name", NULL);
	push(&dp, "leaf", NULL);
	slot = bsc_docpath_slot(&dp, "attr");
	ck_assert_uint_le(strlen(slot), BSC_DOCPATH_SLOT + 80);
	ck_assert(!strncmp(slot, "/root/", 6));
	ck_assert_ptr_nonnull(strstr(slot, "/..."));
	ck_assert_ptr_nonnull(strstr(slot, "/leaf/@attr"));
	bsc_docpath_free(&dp);
}
END_TEST

START_TEST(test_docpath_fhir_ref_keys)
{
	static const char *const t[][2] = {
		{"Patient/123", "Patient/123"},
		{"https://h.exemple.fr/fhir/Patient/123", "Patient/123"},
		{"https://h.exemple.fr/fhir/Patient/123/_history/4", "Patient/123"},
		{"urn:uuid:9a4e1c52-3f1d-4c8e-9b3a-1e2f3a4b5c61",
		 "urn:uuid:9a4e1c52-3f1d-4c8e-9b3a-1e2f3a4b5c61"},
		{"  Patient/7 ", "Patient/7"},
		{"123", "123"},
		{"#contained-1", ""},
		{"", ""},
		{NULL, NULL},
	};

	for (int i = 0; t[i][0]; i++) {
		char key[64];
		size_t n = bsc_fhir_ref_key(t[i][0], strlen(t[i][0]), key,
					    sizeof(key));

		ck_assert_msg(!strcmp(n ? key : "", t[i][1]),
			      "'%s' -> '%s', want '%s'", t[i][0], n ? key : "",
			      t[i][1]);
	}
}
END_TEST

static Suite *
suite_docpath(void)
{
	Suite *s = suite_create("docpath");
	TCase *tc = tcase_create("paths");
	TCase *tk = tcase_create("keys");

	tcase_add_test(tc, test_docpath_components);
	tcase_add_test(tc, test_docpath_bounds);
	tcase_add_test(tc, test_docpath_long_slot_names);
	tcase_add_test(tk, test_docpath_fhir_ref_keys);
	suite_add_tcase(s, tc);
	suite_add_tcase(s, tk);
	return s;
}

BSC_TEST_MAIN(suite_docpath)
