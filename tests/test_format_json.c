/*
 * test_format_json.c - the JSON reader: bidding (JSON, NDJSON), FHIR
 * resources and Bundles with linkage by reference, NDJSON bulk exports
 * line by line, generic JSON records, narrative and attachments, and the
 * limits and bad inputs (size, depth, truncation, bad lines).
 */
#include <string.h>

#include "ctx.h"
#include "format.h"
#include "testlib.h"

static int
bid(const char *text, const char *ext)
{
	struct bsc_sniff s;

	memset(&s, 0, sizeof(s));
	s.raw = (const unsigned char *)text;
	s.raw_len = strlen(text);
	s.text = text;
	s.text_len = strlen(text);
	s.ext = ext;
	s.at_eof = true;
	return bsc_format_json.bid(&s);
}

START_TEST(test_format_json_bid_table)
{
	static const struct {
		const char *text;
		const char *ext;
		bool bids;
	} t[] = {
	    {"{\"resourceType\": \"Patient\"}", "", true},
	    {"  [1, 2, 3]\n", "", true},
	    {"{\"a\":1}\n{\"a\":2}\n", "ndjson", true},
	    {"{\"a\": [1, 2", "json", true}, /* truncated: still ours */
	    {"nom;prenom\nDUPONT;Jean\n", "csv", false},
	    {"{not json at all}", "", false},
	    {"<a/>", "xml", false},
	    {NULL, NULL, false},
	};

	for (int i = 0; t[i].text; i++)
		ck_assert_msg((bid(t[i].text, t[i].ext) > 0) == t[i].bids,
			      "case %d: bid %d", i, bid(t[i].text, t[i].ext));
	/* A complete document outbids the CSV reader (at most 34). */
	ck_assert_int_gt(bid("{\"a\": \"x,y;z\"}", ""), 34);
}
END_TEST

START_TEST(test_format_json_fhir_patient)
{
	struct bsc_ctx *ctx = bsc_test_ctx();
	struct bsc_collect c = bsc_collect_fixture(ctx, "fhir/patient-ins.json");
	const struct bsc_collected_item *it = &c.items[0];
	const struct bsc_collected_finding *f;

	ck_assert_str_eq(it->format, "fhir+json");
	ck_assert_uint_eq(it->records, 1);
	ck_assert_uint_eq(it->records_identity, 1);
	f = bsc_collect_find_at(
	    it, "national_id",
	    "/Patient/identifier[urn:oid:1.2.250.1.213.1.4.8]/value");
	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(f->confidence, BSC_CONF_HIGH);
	ck_assert_int_eq(f->subject, BSC_SUBJECT_PATIENT);
	/* "system" qualifies whatever the key order in the object. */
	ck_assert_ptr_nonnull(
	    bsc_collect_find_at(it, "phone", "/Patient/telecom[phone]/value"));
	ck_assert_ptr_nonnull(
	    bsc_collect_find_at(it, "email", "/Patient/telecom[email]/value"));
	ck_assert_ptr_nonnull(
	    bsc_collect_find_at(it, "patient_id", "[urn:oid:1.2.250.1.999.1]"));
	ck_assert_ptr_null(
	    bsc_collect_find_at(it, "last_name", "managingOrganization"));
	bsc_collect_free(&c);
	bsc_ctx_free(ctx);
}
END_TEST

START_TEST(test_format_json_bundle_linkage)
{
	struct bsc_ctx *ctx = bsc_test_ctx();
	struct bsc_collect c =
	    bsc_collect_fixture(ctx, "fhir/bundle-condition-medication.json");
	const struct bsc_collected_item *it = &c.items[0];

	ck_assert_uint_eq(it->records, 6);
	ck_assert_uint_eq(it->records_medical, 3);
	/* Patient A: Condition by urn:uuid fullUrl, MedicationRequest by
	 * Patient/pat-a; patient B: one Condition. The practitioner is
	 * identity without medical data. */
	ck_assert_uint_eq(it->records_linked, 2);
	ck_assert_str_eq(it->medical, "diagnosis,medication");
	bsc_collect_free(&c);
	bsc_ctx_free(ctx);
}
END_TEST

/* Linkage follows references, not record order or shapes. */
START_TEST(test_format_json_linkage_by_reference)
{
	static const char bundle[] =
	    "{\"resourceType\":\"Bundle\",\"entry\":["
	    "{\"resource\":{\"resourceType\":\"Condition\",\"code\":{\"text\":"
	    "\"asthme\"},\"subject\":{\"reference\":\"Patient/1\"}}},"
	    "{\"resource\":{\"resourceType\":\"Condition\",\"code\":{\"text\":"
	    "\"asthme\"},\"subject\":{\"reference\":\"Patient/2\"}}},"
	    "{\"resource\":{\"resourceType\":\"Condition\",\"code\":{\"text\":"
	    "\"asthme\"},\"subject\":{\"reference\":"
	    "\"https://h.exemple.fr/fhir/Patient/3/_history/2\"}}},"
	    "{\"fullUrl\":\"https://h.exemple.fr/fhir/Patient/1\",\"resource\":"
	    "{\"resourceType\":\"Patient\",\"name\":[{\"family\":\"DUPONT\"}]}}"
	    ","
	    "{\"resource\":{\"resourceType\":\"Patient\",\"id\":\"3\",\"name\":"
	    "[{\"family\":\"MARTIN\"}]}},"
	    "{\"resource\":{\"resourceType\":\"Patient\",\"id\":\"4\",\"name\":"
	    "[{\"family\":\"DURAND\"}]}}]}";
	struct bsc_ctx *ctx = bsc_test_ctx();
	struct bsc_collect c = bsc_collect_text(ctx, "bundle.json", bundle);
	const struct bsc_collected_item *it = &c.items[0];

	ck_assert_uint_eq(it->records, 6);
	ck_assert_uint_eq(it->records_identity, 3);
	ck_assert_uint_eq(it->records_medical, 3);
	ck_assert_uint_eq(it->records_linked, 2); /* patients 1 and 3 */
	bsc_collect_free(&c);
	bsc_ctx_free(ctx);
}
END_TEST

START_TEST(test_format_json_ndjson_bulk)
{
	struct bsc_ctx *ctx = bsc_test_ctx();
	struct bsc_collect c = bsc_collect_fixture(ctx, "fhir/bulk-export.ndjson");
	const struct bsc_collected_item *it = &c.items[0];

	ck_assert_str_eq(it->format, "fhir+ndjson");
	ck_assert_int_eq(it->status, BSC_ITEM_COMPLETE);
	ck_assert_uint_eq(it->records, 7); /* one per line */
	ck_assert_uint_eq(it->records_identity, 3);
	ck_assert_uint_eq(it->records_medical, 4);
	ck_assert_uint_eq(it->records_linked, 2);
	ck_assert_ptr_nonnull(bsc_collect_find_at(
	    it, "observation", "/Observation/valueQuantity"));
	/* A value points at its line: the first Observation is line 5. */
	ck_assert_uint_eq(bsc_collect_find_at(it, "observation",
					      "/Observation/valueQuantity")
				  ->line,
			  5);
	bsc_collect_free(&c);
	bsc_ctx_free(ctx);
}
END_TEST

/* In a JSON document, a value points at the line where its piece (here
 * an element of the array of rows) starts. */
START_TEST(test_format_json_piece_lines)
{
	struct bsc_ctx *ctx = bsc_test_ctx();
	struct bsc_collect a = bsc_collect_text(
	    ctx, "rows.json",
	    "[\n  {\"id\": 1},\n  {\"nom\": \"DUPONT\",\n   \"email\": "
	    "\"jean@exemple.fr\"},\n  {\"nom\": \"MARTIN\"}\n]\n");

	ck_assert_uint_eq(
	    bsc_collect_find_at(&a.items[0], "last_name", "/nom")->line, 3);
	ck_assert_uint_eq(
	    bsc_collect_find_at(&a.items[0], "email", "/email")->line, 3);
	bsc_collect_free(&a);
	bsc_ctx_free(ctx);
}
END_TEST

START_TEST(test_format_json_generic_records)
{
	struct bsc_ctx *ctx = bsc_test_ctx();
	struct bsc_collect a = bsc_collect_text(
	    ctx, "rows.json",
	    "[{\"nom\":\"DUPONT\",\"email\":\"jean@exemple.fr\","
	    "\"diagnostic\":\"E11.9\"},{\"nom\":\"MARTIN\",\"email\":"
	    "\"luc@exemple.fr\"},{\"nom\":\"DURAND\",\"diagnostic\":\"I10\"}]");
	struct bsc_collect b =
	    bsc_collect_text(ctx, "wrapped.json",
		      "{\"export\":\"2024\",\"patients\":[{\"nom\":\"DUPONT\","
		      "\"date_naissance\":\"01/02/1980\"},{\"nom\":\"MARTIN\","
		      "\"date_naissance\":\"03/04/1990\"}]}");

	ck_assert_str_eq(a.items[0].format, "json");
	ck_assert_uint_eq(a.items[0].records, 3);
	ck_assert_uint_eq(a.items[0].records_linked, 2);
	ck_assert_ptr_nonnull(
	    bsc_collect_find_at(&a.items[0], "last_name", "/nom"));
	ck_assert_uint_eq(b.items[0].records, 2);
	ck_assert_ptr_nonnull(bsc_collect_find_at(&b.items[0], "birth_date",
						  "/patients/date_naissance"));
	bsc_collect_free(&a);
	bsc_collect_free(&b);
	bsc_ctx_free(ctx);
}
END_TEST

/* An array of objects anywhere is a table (issue 13): an API response
 * nests its rows below "data"; objects inside a row stay in it. */
START_TEST(test_format_json_nested_table)
{
	struct bsc_ctx *ctx = bsc_test_ctx();
	struct bsc_collect c = bsc_collect_text(
	    ctx, "api.json",
	    "{\"status\":\"ok\",\"data\":{\"page\":1,\"items\":["
	    "{\"nom\":\"DUPONT\",\"email\":\"jean@exemple.fr\","
	    "\"sejours\":[{\"diagnostic\":\"E11.9\"},{\"diagnostic\":"
	    "\"I10\"}]},"
	    "{\"nom\":\"MARTIN\",\"email\":\"luc@exemple.fr\"},"
	    "{\"nom\":\"DURAND\",\"email\":\"paul@exemple.fr\","
	    "\"sejours\":[{\"diagnostic\":\"J45\"}]}]},"
	    "\"meta\":{\"total\":3}}");
	const struct bsc_collected_item *it = &c.items[0];

	ck_assert_int_eq(it->status, BSC_ITEM_COMPLETE);
	/* Three rows; "status" and "page" go with the first, "meta" after
	 * the table makes a fourth record. */
	ck_assert_uint_eq(it->records, 4);
	ck_assert_uint_eq(it->records_identity, 3);
	ck_assert_uint_eq(it->records_linked, 2);
	ck_assert_ptr_nonnull(
	    bsc_collect_find_at(it, "email", "/data/items/email"));
	ck_assert_ptr_nonnull(bsc_collect_find_at(
	    it, "diagnosis", "/data/items/sejours/diagnostic"));
	bsc_collect_free(&c);
	/* Arrays of arrays: the objects in the inner ones are the rows. */
	c = bsc_collect_text(ctx, "pages.json",
			     "{\"pages\":[[{\"email\":\"a@exemple.fr\"},"
			     "{\"email\":\"b@exemple.fr\"}],[{\"email\":"
			     "\"c@exemple.fr\"}]]}");
	ck_assert_uint_eq(c.items[0].records, 3);
	ck_assert_ptr_nonnull(
	    bsc_collect_find_at(&c.items[0], "email", "/pages/email"));
	bsc_collect_free(&c);
	bsc_ctx_free(ctx);
}
END_TEST

/* The lexer's own nesting is bounded by --max-depth, and a table is
 * streamed: a row over --max-document is lost, not the table. */
START_TEST(test_format_json_nested_limits)
{
	struct bsc_ctx *ctx = bsc_test_ctx();
	struct bsc_collect c;
	char *deep = bsc_zalloc(4096);
	size_t o = 0;

	for (int i = 0; i < 200; i++)
		o += (size_t)snprintf(deep + o, 4096 - o, "{\"a\":");
	o += (size_t)snprintf(deep + o, 4096 - o, "1");
	for (int i = 0; i < 200; i++)
		deep[o++] = '}';
	c = bsc_collect_text(ctx, "deep.json", deep);
	ck_assert_int_eq(c.items[0].status, BSC_ITEM_FAILED);
	ck_assert_ptr_nonnull(
	    strstr(c.items[0].reason, "deeper than --max-depth (128)"));
	bsc_collect_free(&c);
	free(deep);
	bsc_ctx_limits(ctx)->max_document = 64;
	c = bsc_collect_text(
	    ctx, "rows.json",
	    "{\"r\":{\"rows\":[{\"email\":\"a@exemple.fr\"},"
	    "{\"note\":\"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
	    "xxxxxxxxxxxxxxxxxxxxxxxxxxx\"},{\"email\":\"b@exemple.fr\"}]}}");
	ck_assert_int_eq(c.items[0].status, BSC_ITEM_PARTIAL);
	ck_assert_ptr_nonnull(strstr(c.items[0].reason, "element of 'rows'"));
	ck_assert_uint_eq(c.items[0].records, 2);
	bsc_collect_free(&c);
	bsc_ctx_free(ctx);
}
END_TEST

START_TEST(test_format_json_narrative_and_attachments)
{
	static const char doc[] =
	    "{\"resourceType\":\"DocumentReference\",\"subject\":{"
	    "\"reference\":"
	    "\"Patient/1\"},\"text\":{\"div\":\"<div "
	    "xmlns=\\\"http://www.w3.org/"
	    "1999/xhtml\\\"><p>Appeler <b>paul.roy@exemple.fr</b></p></div>\"},"
	    "\"content\":[{\"attachment\":{\"contentType\":\"text/plain\","
	    /* "Compte rendu\nContact : jeanne.morel@exemple.fr\n" */
	    "\"data\":"
	    "\"Q29tcHRlIHJlbmR1CkNvbnRhY3QgOiBqZWFubmUubW9yZWxAZXhlbXBsZS5mcgo="
	    "\"}},"
	    "{\"attachment\":{\"contentType\":\"application/pdf\","
	    "\"data\":\"JVBERi0xLjQKJSBzeW50aGV0aWMK\"}}]}";
	struct bsc_ctx *ctx = bsc_test_ctx();
	struct bsc_collect c = bsc_collect_text(ctx, "docref.json", doc);
	const struct bsc_collected_item *it = &c.items[0];

	ck_assert_ptr_nonnull(
	    bsc_collect_find_at(it, "email", "/DocumentReference/text/div"));
	ck_assert_ptr_nonnull(bsc_collect_find_at(
	    it, "email", "/DocumentReference/content/attachment/data"));
	ck_assert_ptr_nonnull(bsc_collect_find_at(
	    it, "clinical_note", "/DocumentReference/content/attachment/data"));
	ck_assert_int_eq(it->status, BSC_ITEM_PARTIAL);
	ck_assert_ptr_nonnull(it->reason);
	ck_assert_ptr_nonnull(strstr(it->reason, "embedded PDF document"));
	bsc_collect_free(&c);
	bsc_ctx_free(ctx);
}
END_TEST

START_TEST(test_format_json_bad_files)
{
	static const struct {
		const char *rel;
		int status;
		const char *reason;
	} t[] = {
	    {"fhir/bad-truncated.json", BSC_ITEM_PARTIAL,
	     "ends before its value is complete"},
	    {"fhir/bad-deep-nesting.json", BSC_ITEM_FAILED,
	     "deeper than --max-depth (128)"},
	    {"fhir/bad-line.ndjson", BSC_ITEM_PARTIAL, "line 2"},
	    {NULL, 0, NULL},
	};
	struct bsc_ctx *ctx = bsc_test_ctx();

	for (int i = 0; t[i].rel; i++) {
		struct bsc_collect c = bsc_collect_fixture(ctx, t[i].rel);
		const struct bsc_collected_item *it = &c.items[0];

		ck_assert_msg(it->status == t[i].status, "%s: status %d",
			      t[i].rel, it->status);
		ck_assert_msg(it->reason && strstr(it->reason, t[i].reason),
			      "%s: reason '%s'", t[i].rel,
			      it->reason ? it->reason : "(null)");
		bsc_collect_free(&c);
	}
	bsc_ctx_free(ctx);
}
END_TEST

START_TEST(test_format_json_bad_line_skipped)
{
	struct bsc_ctx *ctx = bsc_test_ctx();
	struct bsc_collect c = bsc_collect_fixture(ctx, "fhir/bad-line.ndjson");
	const struct bsc_collected_item *it = &c.items[0];

	/* Lines 1 and 3 are read and linked; line 2 is skipped. */
	ck_assert_uint_eq(it->records, 2);
	ck_assert_uint_eq(it->records_linked, 1);
	bsc_collect_free(&c);
	bsc_ctx_free(ctx);
}
END_TEST

START_TEST(test_format_json_document_limit)
{
	struct bsc_ctx *ctx = bsc_test_ctx();
	struct bsc_collect c;

	/* A document is read piece by piece: only the Bundle entry over the
	 * limit is lost (Patient A, 1.3K), the other five are scanned. */
	bsc_ctx_limits(ctx)->max_document = 1024;
	c = bsc_collect_fixture(ctx, "fhir/bundle-condition-medication.json");
	ck_assert_int_eq(c.items[0].status, BSC_ITEM_PARTIAL);
	ck_assert_ptr_nonnull(strstr(c.items[0].reason, "--max-document (1K)"));
	ck_assert_ptr_nonnull(strstr(c.items[0].reason, "element of 'entry'"));
	ck_assert_uint_eq(c.items[0].records, 5);
	bsc_collect_free(&c);
	/* NDJSON: only the line over the limit is lost. */
	bsc_ctx_limits(ctx)->max_document = 100;
	c = bsc_collect_text(
	    ctx, "long.ndjson",
	    "{\"resourceType\":\"Patient\",\"name\":[{\"family\":"
	    "\"DUPONT\"}]}\n"
	    "{\"resourceType\":\"Patient\",\"note\":\""
	    "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
	    "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
	    "\"}\n"
	    "{\"resourceType\":\"Patient\",\"name\":[{\"family\":"
	    "\"MARTIN\"}]}\n");
	ck_assert_int_eq(c.items[0].status, BSC_ITEM_PARTIAL);
	ck_assert_ptr_nonnull(strstr(c.items[0].reason, "line 2 is longer"));
	ck_assert_uint_eq(c.items[0].records, 2);
	ck_assert_uint_eq(bsc_collect_find(&c.items[0], "last_name", 0)->count,
			  2);
	bsc_collect_free(&c);
	bsc_ctx_free(ctx);
}
END_TEST

START_TEST(test_format_json_clean)
{
	struct bsc_ctx *ctx = bsc_test_ctx();
	struct bsc_collect c = bsc_collect_fixture(ctx, "fhir/clean-capability.json");

	ck_assert_int_eq(c.items[0].status, BSC_ITEM_COMPLETE);
	ck_assert_uint_eq(c.items[0].n_findings, 0);
	bsc_collect_free(&c);
	bsc_ctx_free(ctx);
}
END_TEST

/* The streaming splitter: structure errors, trailing data, scalars. */
START_TEST(test_format_json_structure)
{
	static const struct {
		const char *text;
		int status;
		const char *reason; /* NULL: none */
		unsigned long long records;
	} t[] = {
	    {"{\"email\": \"a.b@exemple.fr\"}\n", BSC_ITEM_COMPLETE, NULL, 1},
	    {"{\"email\": \"a.b@exemple.fr\"} {\"x\": 1}", BSC_ITEM_PARTIAL,
	     "data after the JSON value", 1},
	    {"{\"email\" \"a.b@exemple.fr\"}", BSC_ITEM_FAILED,
	     "not valid JSON at byte", 0},
	    {"[{\"email\": \"a.b@exemple.fr\"}, {\"email\": tru}]",
	     BSC_ITEM_PARTIAL, "not valid JSON before byte", 1},
	    {"\"a.b@exemple.fr\"", BSC_ITEM_COMPLETE, NULL, 1},
	    {"[\"x\", {\"k\": \"}]\\\"\"}, 3]", BSC_ITEM_COMPLETE, NULL, 3},
	    /* null members and elements are values, not errors */
	    {"{\"a\": null, \"b\": {\"c\": null}, \"email\": "
	     "\"a.b@exemple.fr\"}",
	     BSC_ITEM_COMPLETE, NULL, 1},
	    {NULL, 0, NULL, 0},
	};
	struct bsc_ctx *ctx = bsc_test_ctx();

	ctx->force_reader = "json"; /* broken JSON would go to text */
	for (int i = 0; t[i].text; i++) {
		struct bsc_collect c = bsc_collect_text(ctx, "s.json", t[i].text);
		const struct bsc_collected_item *it = &c.items[0];

		ck_assert_msg(it->status == t[i].status, "case %d: status %d",
			      i, it->status);
		if (t[i].reason)
			ck_assert_msg(it->reason &&
					  strstr(it->reason, t[i].reason),
				      "case %d: reason '%s'", i,
				      it->reason ? it->reason : "(null)");
		ck_assert_msg(it->records == t[i].records,
			      "case %d: %llu records", i, it->records);
		bsc_collect_free(&c);
	}
	bsc_ctx_free(ctx);
}
END_TEST

static Suite *
suite_format_json(void)
{
	Suite *s = suite_create("format_json");
	TCase *tb = tcase_create("bid");
	TCase *tf = tcase_create("fhir");
	TCase *tg = tcase_create("generic");
	TCase *tl = tcase_create("limits");

	tcase_add_test(tb, test_format_json_bid_table);
	tcase_add_test(tf, test_format_json_fhir_patient);
	tcase_add_test(tf, test_format_json_bundle_linkage);
	tcase_add_test(tf, test_format_json_linkage_by_reference);
	tcase_add_test(tf, test_format_json_ndjson_bulk);
	tcase_add_test(tf, test_format_json_piece_lines);
	tcase_add_test(tf, test_format_json_narrative_and_attachments);
	tcase_add_test(tg, test_format_json_generic_records);
	tcase_add_test(tg, test_format_json_clean);
	tcase_add_test(tg, test_format_json_nested_table);
	tcase_add_test(tl, test_format_json_nested_limits);
	tcase_add_test(tl, test_format_json_structure);
	tcase_add_test(tl, test_format_json_bad_files);
	tcase_add_test(tl, test_format_json_bad_line_skipped);
	tcase_add_test(tl, test_format_json_document_limit);
	suite_add_tcase(s, tb);
	suite_add_tcase(s, tf);
	suite_add_tcase(s, tg);
	suite_add_tcase(s, tl);
	return s;
}

BSC_TEST_MAIN(suite_format_json)
