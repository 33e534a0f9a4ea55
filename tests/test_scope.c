/*
 * test_scope.c - per-item aggregation: exact identity x medical linkage per
 * record (professionals do not link), value-only and header-only
 * confidence, headers backed only by low rules, placeholders, free-text
 * cells.
 */
#include <string.h>

#include "ctx.h"
#include "payload.h"
#include "scope.h"
#include "testlib.h"

START_TEST(test_scope_linkage_exact)
{
	struct bsc_ctx *ctx = bsc_test_ctx();
	/* rows: both, identity only, medical only, both, nothing */
	struct bsc_collect c = bsc_collect_text(
		ctx, "mix.csv",
		"nom;email;diagnostic;quantite\n"
		"DUPONT;jean@exemple.fr;E11.9;1\n"
		"MARTIN;luc@exemple.fr;;2\n"
		";;I10;3\n"
		"DURAND;ana@exemple.fr;J45.0;4\n"
		";;;5\n");
	const struct bsc_collected_item *it = &c.items[0];

	ck_assert_uint_eq(it->records, 5);
	ck_assert_uint_eq(it->records_identity, 3);
	ck_assert_uint_eq(it->records_medical, 3);
	ck_assert_uint_eq(it->records_linked, 2);
	bsc_collect_free(&c);
	bsc_ctx_free(ctx);
}
END_TEST

START_TEST(test_scope_free_text_cell)
{
	struct bsc_ctx *ctx = bsc_test_ctx();
	struct bsc_collect c = bsc_collect_text(
		ctx, "orders.csv",
		"ref;montant;commentaire\n"
		"A1;10;livraison rapide\n"
		"A2;20;rappeler marie.durand@exemple.fr demain\n"
		"A3;30;ok\n");
	const struct bsc_collected_item *it = &c.items[0];
	const struct bsc_collected_finding *f = bsc_collect_find(it, "email", 3);

	ck_assert_ptr_nonnull(f);
	ck_assert_uint_eq(f->count, 1);
	ck_assert_str_eq(it->identity, "email");
	ck_assert_uint_eq(it->records_identity, 1); /* only the row with it */
	bsc_collect_free(&c);
	bsc_ctx_free(ctx);
}
END_TEST

START_TEST(test_scope_header_contradicted)
{
	struct bsc_ctx *ctx = bsc_test_ctx();
	struct bsc_collect c = bsc_collect_text(
		ctx, "odd.csv",
		"date_naissance;ville\n"
		"pomme;Paris\npoire;Lyon\nkiwi;Caen\n");
	const struct bsc_collected_finding *f =
		bsc_collect_find(&c.items[0], "birth_date", 1);

	ck_assert_ptr_nonnull(f);
	ck_assert_int_lt(f->confidence, BSC_CONF_HIGH);
	ck_assert_uint_eq(f->evidence, BSC_EVIDENCE_HEADER);
	bsc_collect_free(&c);
	bsc_ctx_free(ctx);
}
END_TEST

START_TEST(test_scope_header_confirmed)
{
	struct bsc_ctx *ctx = bsc_test_ctx();
	struct bsc_collect c = bsc_collect_text(
		ctx, "ok.csv",
		"ddn;ville\n01/02/1980;Paris\n03/04/1990;Lyon\n");
	const struct bsc_collected_finding *f =
		bsc_collect_find(&c.items[0], "birth_date", 1);

	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(f->confidence, BSC_CONF_HIGH);
	ck_assert_uint_eq(f->evidence, BSC_EVIDENCE_HEADER | BSC_EVIDENCE_VALUE);
	bsc_collect_free(&c);
	bsc_ctx_free(ctx);
}
END_TEST

START_TEST(test_scope_nir_bad_key_low)
{
	struct bsc_ctx *ctx = bsc_test_ctx();
	struct bsc_collect c = bsc_collect_text(ctx, "n.txt",
					 "numero 185057800608492 a verifier\n");
	const struct bsc_collected_finding *f =
		bsc_collect_find(&c.items[0], "national_id", 0);

	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(f->confidence, BSC_CONF_LOW);
	/* Low confidence: reported, but not in the union. */
	ck_assert_str_eq(c.items[0].identity, "");
	bsc_collect_free(&c);
	bsc_ctx_free(ctx);
}
END_TEST

/* A NIR column whose values all fail the key: low, not high. */
START_TEST(test_scope_header_only_low_rules_is_low)
{
	struct bsc_ctx *ctx = bsc_test_ctx();
	struct bsc_collect c = bsc_collect_text(
		ctx, "badkeys.csv",
		"nir;ville\n185057800608492;Paris\n295109912611199;Lyon\n");
	const struct bsc_collected_finding *f =
		bsc_collect_find(&c.items[0], "national_id", 1);

	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(f->confidence, BSC_CONF_LOW);
	ck_assert_uint_eq(f->evidence, BSC_EVIDENCE_HEADER | BSC_EVIDENCE_VALUE);
	ck_assert_ptr_null(strstr(c.items[0].identity, "national_id"));
	bsc_collect_free(&c);
	bsc_ctx_free(ctx);
}
END_TEST

/* Template text counts as empty: it neither makes a column nor a record. */
START_TEST(test_scope_placeholders_are_empty)
{
	struct bsc_ctx *ctx = bsc_test_ctx();
	struct bsc_collect c = bsc_collect_text(ctx, "tpl.csv",
					 "nom;ddn;ville\n"
					 "LAST NAME;DOB;CITY\n"
					 "DUPONT;01/02/1980;Paris\n"
					 "LAST NAME;DOB;CITY\n");
	const struct bsc_collected_item *it = &c.items[0];

	ck_assert_uint_eq(it->records, 3);
	ck_assert_uint_eq(it->records_identity, 1);
	ck_assert_uint_eq(bsc_collect_find(it, "last_name", 1)->count, 1);
	bsc_collect_free(&c);
	c = bsc_collect_text(ctx, "tpl2.csv", "nom;ddn\nLAST NAME;DOB\nNAME;DOB\n");
	it = &c.items[0];
	ck_assert_int_eq(bsc_collect_find(it, "last_name", 1)->confidence,
			 BSC_CONF_LOW);
	ck_assert_str_eq(it->identity, "");
	ck_assert_uint_eq(it->records_identity, 0);
	bsc_collect_free(&c);
	bsc_ctx_free(ctx);
}
END_TEST

/* Issue 12: code shapes need corroboration; the spread tells codes from
 * rooms; a one-chapter column passes with dotted subdivisions. */
START_TEST(test_scope_code_shapes_need_corroboration)
{
	struct bsc_ctx *ctx = bsc_test_ctx();
	struct bsc_collect c = bsc_collect_text(
		ctx, "stock.csv",
		"reference;designation\nB09.1;Toner\nI71;Papier\nD31;Agrafeuse\n"
		"F10.2;Classeur\nB20;Stylo\nO80;Souris\n");
	const struct bsc_collected_finding *f =
		bsc_collect_find(&c.items[0], "diagnosis", 1);

	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(f->confidence, BSC_CONF_LOW);
	ck_assert_ptr_nonnull(strstr(f->note, "nothing else says"));
	ck_assert_str_eq(c.items[0].medical, "");
	ck_assert_uint_eq(c.items[0].n_flags, 0);
	bsc_collect_free(&c);
	/* the same codes in a care table: diagnoses */
	c = bsc_collect_text(ctx, "stock.csv",
			     "ipp;code\n0001;B09.1\n0002;I71\n0003;D31\n"
			     "0004;F10.2\n0005;B20\n0006;O80\n");
	ck_assert_str_eq(c.items[0].medical, "diagnosis");
	ck_assert_uint_gt(c.items[0].n_flags, 0);
	bsc_collect_free(&c);
	/* rooms next to patients: one letter, no subdivision */
	c = bsc_collect_text(ctx, "planning.csv",
			     "ipp;salle\n0001;B20\n0002;B21\n0003;B22\n"
			     "0004;B23\n0005;B24\n0006;B25\n");
	f = bsc_collect_find(&c.items[0], "diagnosis", 2);
	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(f->confidence, BSC_CONF_LOW);
	ck_assert_ptr_nonnull(strstr(f->note, "spread"));
	ck_assert_uint_eq(c.items[0].n_flags, 0);
	bsc_collect_free(&c);
	/* one chapter with subdivisions, by the file name */
	c = bsc_collect_text(ctx, "pmsi-extraction.csv",
			     "n;c\n1;E11.9\n2;E10.1\n3;E66.0\n4;E11.9\n5;E78.0\n"
			     "6;E11.2\n");
	ck_assert_str_eq(c.items[0].medical, "diagnosis");
	bsc_collect_free(&c);
	bsc_ctx_free(ctx);
}
END_TEST

/* A column of NIR-shaped numbers that mostly fail the key is not NIR,
 * even where a few pass it by chance; nor are its records identity. */
START_TEST(test_scope_nir_chance_keys_low)
{
	struct bsc_ctx *ctx = bsc_test_ctx();
	struct bsc_collect c = bsc_collect_text(
		ctx, "orders.csv",
		"numero;montant\n185057800608491;10\n185057800608492;11\n"
		"295109912611199;12\n185057800608493;13\n185057800608494;14\n");
	const struct bsc_collected_finding *f =
		bsc_collect_find(&c.items[0], "national_id", 1);

	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(f->confidence, BSC_CONF_LOW);
	ck_assert_str_eq(c.items[0].identity, "");
	ck_assert_uint_eq(c.items[0].records_identity, 0);
	bsc_collect_free(&c);
	bsc_ctx_free(ctx);
}
END_TEST

/* Short Base64 payloads decode to text; binary and long ones do not. */
START_TEST(test_scope_payload_small_text)
{
	char out[BSC_PAYLOAD_TEXT_MAX + 1];
	/* "Document médical au format CDA", padding dropped */
	const char *stub = "RG9jdW1lbnQgbcOpZGljYWwgYXUgZm9ybWF0IENEQQ";
	size_t n = bsc_payload_small_text(stub, strlen(stub), out, sizeof(out));

	ck_assert_uint_eq(n, strlen("Document médical au format CDA"));
	ck_assert_str_eq(out, "Document médical au format CDA");
	/* a cut payload: the lone last sextet is left out */
	ck_assert_uint_gt(bsc_payload_small_text("RG9jdW1lbnQgbcOpZGljYWwgY", 25, out,
						 sizeof(out)), 0);
	ck_assert_uint_eq(bsc_payload_small_text("AAECAwQFBgcICQoL", 16, out,
						 sizeof(out)), 0); /* bytes */
	ck_assert_uint_eq(bsc_payload_small_text("not base64 at all!", 18, out,
						 sizeof(out)), 0);
	ck_assert_uint_eq(bsc_payload_small_text("RG9j", 4, out, sizeof(out)),
			  0); /* too short to be a payload */
}
END_TEST

/* A professional's name next to medical data does not link the record. */
START_TEST(test_scope_professionals_do_not_link)
{
	struct bsc_ctx *ctx = bsc_test_ctx();
	struct bsc_collect c = bsc_collect_text(ctx, "pro.csv",
					 "nom_medecin;diagnostic\n"
					 "MARTIN;E11.9\nDURAND;I10\n");
	const struct bsc_collected_item *it = &c.items[0];

	ck_assert_uint_eq(it->records_identity, 2);
	ck_assert_uint_eq(it->records_medical, 2);
	ck_assert_uint_eq(it->records_linked, 0);
	ck_assert_int_eq(bsc_collect_find(it, "last_name", 1)->subject,
			 BSC_SUBJECT_PROFESSIONAL);
	bsc_collect_free(&c);
	c = bsc_collect_text(ctx, "pat.csv",
		      "nom_patient;nom_medecin;diagnostic\n"
		      "DUPONT;MARTIN;E11.9\n;DURAND;I10\n");
	it = &c.items[0];
	ck_assert_uint_eq(it->records_linked, 1);
	bsc_collect_free(&c);
	/* a "Dr" name in free text is a professional's, whatever the column */
	c = bsc_collect_text(ctx, "note.txt",
		      "Vu par le Dr Martin, diabete E11.9 equilibre.\n");
	ck_assert_int_eq(bsc_collect_find(&c.items[0], "last_name", 0)->subject,
			 BSC_SUBJECT_PROFESSIONAL);
	bsc_collect_free(&c);
	bsc_ctx_free(ctx);
}
END_TEST

START_TEST(test_scope_masked_by_default)
{
	struct bsc_ctx *ctx = bsc_test_ctx();
	struct bsc_collect c = bsc_collect_text(ctx, "m.txt",
					 "contact: jean.dupont@exemple.fr\n");
	const struct bsc_collected_finding *f =
		bsc_collect_find(&c.items[0], "email", 0);

	ck_assert_ptr_nonnull(f);
	ck_assert_ptr_null(strstr(f->sample, "dupont"));
	bsc_collect_free(&c);
	bsc_ctx_set_show_values(ctx, true);
	c = bsc_collect_text(ctx, "m2.txt", "contact: jean.dupont@exemple.fr\n");
	f = bsc_collect_find(&c.items[0], "email", 0);
	ck_assert_str_eq(f->sample, "jean.dupont@exemple.fr");
	bsc_collect_free(&c);
	bsc_ctx_free(ctx);
}
END_TEST

/*
 * Record keys, straight through the fields interface: records that share
 * a key, directly or through another record, are one entity, linked once.
 */
START_TEST(test_scope_record_keys)
{
	struct bsc_ctx *ctx = bsc_test_ctx();
	struct bsc_fields *f = bsc_scope_new(ctx, NULL);
	struct bsc_item_report rep;
	unsigned nom = bsc_fields_slot(f, "/r/nom", 0);
	unsigned dgn = bsc_fields_slot(f, "/r/diagnostic", 0);

	memset(&rep, 0, sizeof(rep));
	/* Entity 1: identity record keyed "P/1" + "urn:1", medical records
	 * keyed "urn:1" and "P/1". */
	bsc_fields_value(f, nom, "DUPONT", 6);
	bsc_fields_record_key(f, "P/1", 3);
	bsc_fields_record_key(f, "urn:1", 5);
	bsc_fields_end_record(f);
	bsc_fields_value(f, dgn, "E11.9", 5);
	bsc_fields_record_key(f, "urn:1", 5);
	bsc_fields_end_record(f);
	bsc_fields_value(f, dgn, "I10", 3);
	bsc_fields_record_key(f, "P/1", 3);
	bsc_fields_end_record(f);
	/* Entity 2: identity only. Entity 3: medical only. */
	bsc_fields_value(f, nom, "MARTIN", 6);
	bsc_fields_record_key(f, "P/2", 3);
	bsc_fields_end_record(f);
	bsc_fields_value(f, dgn, "J45.0", 5);
	bsc_fields_record_key(f, "P/3", 3);
	bsc_fields_end_record(f);
	/* An unkeyed record with both counts on its own. */
	bsc_fields_value(f, nom, "DURAND", 6);
	bsc_fields_value(f, dgn, "K35.8", 5);
	bsc_fields_end_record(f);
	bsc_scope_report(f, &rep, NULL);
	ck_assert_uint_eq(rep.records_identity, 3);
	ck_assert_uint_eq(rep.records_medical, 4);
	ck_assert_uint_eq(rep.records_linked, 2);
	bsc_scope_free(f);
	bsc_ctx_free(ctx);
}
END_TEST

START_TEST(test_scope_key_limit_and_notes)
{
	struct bsc_ctx *ctx = bsc_test_ctx();
	struct bsc_fields *f;
	struct bsc_item_report rep;
	unsigned nom, dgn;

	bsc_ctx_limits(ctx)->max_keys = 1;
	f = bsc_scope_new(ctx, NULL);
	nom = bsc_fields_slot(f, "/r/nom", 0);
	dgn = bsc_fields_slot(f, "/r/diagnostic", 0);
	memset(&rep, 0, sizeof(rep));
	bsc_fields_value(f, nom, "DUPONT", 6);
	bsc_fields_record_key(f, "P/1", 3);
	bsc_fields_end_record(f);
	/* Past the limit the key is dropped: this record stands alone. */
	bsc_fields_value(f, nom, "MARTIN", 6);
	bsc_fields_value(f, dgn, "I10", 3);
	bsc_fields_record_key(f, "P/2", 3);
	bsc_fields_end_record(f);
	bsc_fields_note(f, "embedded PDF at /x was not scanned");
	bsc_fields_note(f, "embedded PDF at /x was not scanned");
	bsc_scope_report(f, &rep, NULL);
	ck_assert_uint_eq(rep.records_linked, 1);
	ck_assert_ptr_nonnull(
		strstr(bsc_scope_note(f), "more than 1 record key"));
	ck_assert_ptr_nonnull(strstr(bsc_scope_note(f), "embedded PDF"));
	/* Each remark once. */
	ck_assert_ptr_null(strstr(strstr(bsc_scope_note(f), "embedded PDF") + 1,
				  "embedded PDF"));
	bsc_scope_free(f);
	bsc_ctx_free(ctx);
}
END_TEST

static Suite *
suite_scope(void)
{
	Suite *s = suite_create("scope");
	TCase *tl = tcase_create("linkage");
	TCase *tc = tcase_create("confidence");

	tcase_add_test(tl, test_scope_linkage_exact);
	tcase_add_test(tl, test_scope_free_text_cell);
	tcase_add_test(tl, test_scope_record_keys);
	tcase_add_test(tl, test_scope_key_limit_and_notes);
	tcase_add_test(tc, test_scope_header_contradicted);
	tcase_add_test(tc, test_scope_header_confirmed);
	tcase_add_test(tc, test_scope_nir_bad_key_low);
	tcase_add_test(tc, test_scope_header_only_low_rules_is_low);
	tcase_add_test(tc, test_scope_placeholders_are_empty);
	tcase_add_test(tc, test_scope_code_shapes_need_corroboration);
	tcase_add_test(tc, test_scope_nir_chance_keys_low);
	tcase_add_test(tc, test_scope_payload_small_text);
	tcase_add_test(tl, test_scope_professionals_do_not_link);
	tcase_add_test(tc, test_scope_masked_by_default);
	suite_add_tcase(s, tl);
	suite_add_tcase(s, tc);
	return s;
}

BSC_TEST_MAIN(suite_scope)
