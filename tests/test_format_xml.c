/*
 * test_format_xml.c - the XML reader: bidding, generic XML tables, HL7 CDA
 * (structure, subjects, linkage, embedded documents), FHIR XML, encodings,
 * limits, and every hostile input: entity expansion, external entities
 * and DTDs (no file is ever read), deep nesting, malformed and truncated
 * documents.
 */
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <libxml/parser.h>

#include "format.h"
#include "format_xml.h"
#include "testlib.h"

/* ---- bid ---------------------------------------------------------------- */

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
	return bsc_format_xml.bid(&s);
}

START_TEST(test_format_xml_bid_table)
{
	static const struct {
		const char *text;
		const char *ext;
		bool bids;
	} t[] = {
	    {"<?xml version=\"1.0\"?><a/>", "", true},
	    {"\n  <patients><patient/></patients>", "", true},
	    {"<!-- c --><!DOCTYPE a [<!ENTITY x \"y\">]><a>&x;</a>", "", true},
	    {"<?xml version=\"1.0\"?><html><body/></html>", "xml", true},
	    {"<html><body>hello</body></html>", "html", false},
	    {"<!DOCTYPE html><html></html>", "", false},
	    {"nom;prenom\n<b>;x\n", "csv", false},
	    {"{\"resourceType\": \"Patient\"}", "json", false},
	    {"< not a tag", "", false},
	    {NULL, NULL, false},
	};

	for (int i = 0; t[i].text; i++)
		ck_assert_msg((bid(t[i].text, t[i].ext) > 0) == t[i].bids,
			      "case %d: bid %d", i, bid(t[i].text, t[i].ext));
	/* The reader names must follow the registry. */
	ck_assert_str_eq(bsc_format_names(), "csv, doc, hl7, json, mail, pdf, sheet, sql, sqlite, text, xml");
	ck_assert_ptr_nonnull(bsc_format_find("xml"));
	ck_assert_ptr_nonnull(bsc_format_find("json"));
}
END_TEST

/* ---- generic XML --------------------------------------------------------- */

/* The same people as a CSV and as an XML table give the same categories. */
START_TEST(test_format_xml_table_like_csv)
{
	struct bsc_ctx *ctx = bsc_test_ctx();
	struct bsc_collect x = bsc_collect_fixture(ctx, "xml/patients-table.xml");
	struct bsc_collect c =
	    bsc_collect_fixture(ctx, "csv/patients-fr-semicolon.csv");
	const struct bsc_collected_item *it = &x.items[0];
	const struct bsc_collected_finding *f;

	ck_assert_str_eq(it->format, "xml");
	ck_assert_int_eq(it->status, BSC_ITEM_COMPLETE);
	ck_assert_uint_eq(it->records, 8);
	ck_assert_uint_eq(it->records_linked, 8);
	ck_assert_str_eq(it->identity, c.items[0].identity);
	ck_assert_str_eq(it->medical, c.items[0].medical);
	f = bsc_collect_find_at(it, "last_name",
				"/export/patients/patient/nom");
	ck_assert_ptr_nonnull(f);
	ck_assert_uint_eq(f->count, 8);
	ck_assert_uint_eq(f->line, 5); /* the first <nom> element */
	/* An attribute is a field too: <patient ipp="..."> */
	f = bsc_collect_find_at(it, "patient_id", "/patient/@ipp");
	ck_assert_ptr_nonnull(f);
	ck_assert_uint_eq(f->line, 4); /* its element's start tag */
	/* A nested element keeps its leaf name as header. */
	ck_assert_ptr_nonnull(
	    bsc_collect_find_at(it, "city", "/patient/adresse/ville"));
	bsc_collect_free(&x);
	bsc_collect_free(&c);
	bsc_ctx_free(ctx);
}
END_TEST

START_TEST(test_format_xml_clean_config)
{
	struct bsc_ctx *ctx = bsc_test_ctx();
	struct bsc_collect c = bsc_collect_fixture(ctx, "xml/clean-config.xml");

	ck_assert_int_eq(c.items[0].status, BSC_ITEM_COMPLETE);
	ck_assert_uint_eq(c.items[0].n_findings, 0);
	bsc_collect_free(&c);
	bsc_ctx_free(ctx);
}
END_TEST

START_TEST(test_format_xml_encodings)
{
	static const struct {
		const char *rel;
		const char *enc;
	} t[] = {
	    {"xml/patients-latin1.xml", "iso-8859-1"},
	    {"xml/patients-utf16.xml", "utf-16"},
	    {NULL, NULL},
	};
	struct bsc_ctx *ctx = bsc_test_ctx();

	for (int i = 0; t[i].rel; i++) {
		struct bsc_collect c = bsc_collect_fixture(ctx, t[i].rel);
		const struct bsc_collected_item *it = &c.items[0];

		ck_assert_int_eq(it->status, BSC_ITEM_COMPLETE);
		ck_assert_str_eq(it->encoding, t[i].enc);
		ck_assert_uint_eq(it->records, 5);
		/* The accented element name was decoded, then matched. */
		ck_assert_msg(
		    bsc_collect_find_at(it, "first_name",
					"/usagers/usager/pr\xC3\xA9nom"),
		    "%s: no first_name at <pr\xC3\xA9nom>", t[i].rel);
		ck_assert_ptr_nonnull(bsc_collect_find(it, "birth_date", 0));
		bsc_collect_free(&c);
	}
	bsc_ctx_free(ctx);
}
END_TEST

/* ---- CDA ----------------------------------------------------------------- */

START_TEST(test_format_xml_cda_lab)
{
	struct bsc_ctx *ctx = bsc_test_ctx();
	struct bsc_collect c = bsc_collect_fixture(ctx, "xml/cda-ins-rpps-lab.xml");
	const struct bsc_collected_item *it = &c.items[0];
	const struct bsc_collected_finding *f;

	ck_assert_str_eq(it->format, "cda");
	ck_assert_int_eq(it->status, BSC_ITEM_COMPLETE);
	ck_assert_uint_eq(it->records, 1);
	ck_assert_uint_eq(it->records_linked, 1);
	f = bsc_collect_find_at(
	    it, "national_id",
	    "/recordTarget/patientRole/id[1.2.250.1.213.1.4.8]/@extension");
	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(f->subject, BSC_SUBJECT_PATIENT);
	ck_assert_int_eq(f->confidence, BSC_CONF_HIGH);
	f = bsc_collect_find_at(it, "patient_id",
				"/patientRole/id[1.2.250.1.999.1]/@extension");
	ck_assert_ptr_nonnull(f);
	f = bsc_collect_find_at(
	    it, "professional_id",
	    "/author/assignedAuthor/id[1.2.250.1.71.4.2.1]/@extension");
	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(f->subject, BSC_SUBJECT_PROFESSIONAL);
	f = bsc_collect_find_at(
	    it, "last_name",
	    "/author/assignedAuthor/assignedPerson/name/family");
	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(f->subject, BSC_SUBJECT_PROFESSIONAL);
	f = bsc_collect_find_at(it, "last_name",
				"/participant[IND]/associatedEntity");
	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(f->subject, BSC_SUBJECT_RELATED);
	ck_assert_ptr_nonnull(bsc_collect_find_at(
	    it, "phone", "/patientRole/telecom[tel]/@value"));
	ck_assert_ptr_nonnull(bsc_collect_find_at(
	    it, "email", "/patientRole/telecom[mailto]/@value"));
	ck_assert_ptr_nonnull(
	    bsc_collect_find_at(it, "birth_date", "/patient/birthTime/@value"));
	/* Lab results: LOINC codes and their values. */
	f = bsc_collect_find_at(
	    it, "observation",
	    "/observation/code[2.16.840.1.113883.6.1]/@code");
	ck_assert_ptr_nonnull(f);
	ck_assert_uint_eq(f->count, 3);
	ck_assert_ptr_nonnull(
	    bsc_collect_find_at(it, "clinical_note", "/section[18719-5]/text"));
	ck_assert_ptr_nonnull(
	    bsc_collect_find_at(it, "encounter", "/encompassingEncounter/"));
	/* Organisations are not persons; the document code is metadata. */
	ck_assert_ptr_null(
	    bsc_collect_find_at(it, "last_name", "Organization"));
	ck_assert_ptr_null(
	    bsc_collect_find_at(it, "observation", "/ClinicalDocument/code["));
	/* Templates carry no data and make no slots. */
	for (size_t i = 0; i < it->n_findings; i++)
		ck_assert_ptr_null(
		    strstr(it->findings[i].header, "templateId"));
	bsc_collect_free(&c);
	bsc_ctx_free(ctx);
}
END_TEST

START_TEST(test_format_xml_cda_no_body)
{
	struct bsc_ctx *ctx = bsc_test_ctx();
	struct bsc_collect c = bsc_collect_fixture(ctx, "xml/cda-no-body.xml");
	const struct bsc_collected_item *it = &c.items[0];

	ck_assert_str_eq(it->format, "cda");
	ck_assert_uint_eq(it->records, 1);
	ck_assert_uint_eq(it->records_identity, 1);
	ck_assert_uint_eq(it->records_medical, 0);
	ck_assert_uint_eq(it->records_linked, 0);
	ck_assert_str_eq(it->medical, "");
	ck_assert_ptr_nonnull(strstr(it->identity, "national_id"));
	bsc_collect_free(&c);
	bsc_ctx_free(ctx);
}
END_TEST

START_TEST(test_format_xml_cda_embedded_pdf)
{
	struct bsc_ctx *ctx = bsc_test_ctx();
	struct bsc_collect c = bsc_collect_fixture(ctx, "xml/cda-nonxmlbody-pdf.xml");
	const struct bsc_collected_item *it = &c.items[0];

	/* the PDF inside was not read: a gap, said in the reason */
	ck_assert_int_eq(it->status, BSC_ITEM_PARTIAL);
	ck_assert_str_eq(it->medical, "clinical_note");
	ck_assert_ptr_nonnull(bsc_collect_find_at(
	    it, "clinical_note", "/nonXMLBody/text/@mediaType"));
	ck_assert_ptr_nonnull(it->reason);
	ck_assert_ptr_nonnull(strstr(it->reason, "embedded PDF document"));
	ck_assert_ptr_nonnull(strstr(it->reason, "not scanned"));
	ck_assert_uint_eq(it->records_linked, 1);
	bsc_collect_free(&c);
	bsc_ctx_free(ctx);
}
END_TEST

/* A base64 payload that is text is decoded and scanned. */
START_TEST(test_format_xml_cda_embedded_text)
{
	/* "Compte rendu\nContact : jeanne.morel@exemple.fr\n" */
	static const char doc[] =
	    "<?xml version=\"1.0\"?>\n"
	    "<ClinicalDocument xmlns=\"urn:hl7-org:v3\"><component>"
	    "<nonXMLBody><text mediaType=\"text/plain\" "
	    "representation=\"B64\">\n"
	    "Q29tcHRlIHJlbmR1CkNvbnRhY3QgOiBqZWFubmUubW9yZWxA\n"
	    "ZXhlbXBsZS5mcgo=\n"
	    "</text></nonXMLBody></component></ClinicalDocument>\n";
	struct bsc_ctx *ctx = bsc_test_ctx();
	struct bsc_collect c = bsc_collect_text(ctx, "embedded.xml", doc);
	const struct bsc_collected_item *it = &c.items[0];

	ck_assert_int_eq(it->status, BSC_ITEM_COMPLETE);
	ck_assert_ptr_nonnull(
	    bsc_collect_find_at(it, "email", "/nonXMLBody/text"));
	ck_assert_ptr_nonnull(
	    bsc_collect_find_at(it, "clinical_note", "/nonXMLBody/text"));
	ck_assert_ptr_null(it->note);
	bsc_collect_free(&c);
	bsc_ctx_free(ctx);
}
END_TEST

/* A payload that is not base64 is noted; the record holds no value at
 * all (a path the sanitizer build keeps honest). */
START_TEST(test_format_xml_cda_embedded_not_base64)
{
	static const char doc[] =
		"<ClinicalDocument xmlns=\"urn:hl7-org:v3\"><component>"
		"<nonXMLBody><text representation=\"B64\">!!!!@@@@</text>"
		"</nonXMLBody></component></ClinicalDocument>";
	struct bsc_ctx *ctx = bsc_test_ctx();
	struct bsc_collect c = bsc_collect_text(ctx, "notb64.xml", doc);

	ck_assert_int_eq(c.items[0].status, BSC_ITEM_PARTIAL);
	ck_assert_ptr_nonnull(c.items[0].reason);
	ck_assert_ptr_nonnull(strstr(c.items[0].reason, "not valid base64"));
	ck_assert_uint_eq(c.items[0].n_findings, 0);
	bsc_collect_free(&c);
	bsc_ctx_free(ctx);
}
END_TEST

/* C-CDA sections are exchanged as fragments, without namespace. */
START_TEST(test_format_xml_cda_fragment)
{
	static const char doc[] =
	    "<section><templateId root=\"2.16.840.1.113883.10.20.22.2.5.1\"/>"
	    "<code code=\"11450-4\" codeSystem=\"2.16.840.1.113883.6.1\"/>"
	    "<title>Problems</title><text>Pneumonia</text>"
	    "<entry><act><entryRelationship><observation>"
	    "<value xsi:type=\"CD\" code=\"J18.9\" "
	    "codeSystem=\"2.16.840.1.113883.6.3\"/>"
	    "</observation></entryRelationship></act></entry></section>\n";
	struct bsc_ctx *ctx = bsc_test_ctx();
	struct bsc_collect c = bsc_collect_text(ctx, "fragment.xml", doc);
	const struct bsc_collected_item *it = &c.items[0];

	ck_assert_str_eq(it->format, "cda");
	/* The unbound xsi: prefix is noted; everything was read. */
	ck_assert_int_eq(it->status, BSC_ITEM_COMPLETE);
	ck_assert_ptr_nonnull(it->note);
	ck_assert_ptr_nonnull(strstr(it->note, "namespace"));
	ck_assert_ptr_nonnull(
	    bsc_collect_find_at(it, "diagnosis", "/section[11450-4]/entry/"));
	bsc_collect_free(&c);
	bsc_ctx_free(ctx);
}
END_TEST

/* ---- FHIR XML ------------------------------------------------------------ */

/* The same Patient and Bundle in XML and JSON: same slots, same findings. */
START_TEST(test_format_xml_fhir_same_as_json)
{
	static const char *const pairs[][2] = {
	    {"fhir/patient-ins.xml", "fhir/patient-ins.json"},
	    {"fhir/bundle-condition-medication.xml",
	     "fhir/bundle-condition-medication.json"},
	    {NULL, NULL},
	};
	struct bsc_ctx *ctx = bsc_test_ctx();

	for (int i = 0; pairs[i][0]; i++) {
		struct bsc_collect x = bsc_collect_fixture(ctx, pairs[i][0]);
		struct bsc_collect j = bsc_collect_fixture(ctx, pairs[i][1]);
		const struct bsc_collected_item *a = &x.items[0],
						*b = &j.items[0];

		ck_assert_str_eq(a->format, "fhir+xml");
		ck_assert_str_eq(b->format, "fhir+json");
		ck_assert_str_eq(a->identity, b->identity);
		ck_assert_str_eq(a->medical, b->medical);
		ck_assert_uint_eq(a->records, b->records);
		ck_assert_uint_eq(a->records_linked, b->records_linked);
		ck_assert_uint_eq(a->n_findings, b->n_findings);
		for (size_t k = 0; k < a->n_findings; k++)
			ck_assert_ptr_nonnull(bsc_collect_find_at(
			    b, a->findings[k].category, a->findings[k].header));
		bsc_collect_free(&x);
		bsc_collect_free(&j);
	}
	bsc_ctx_free(ctx);
}
END_TEST

START_TEST(test_format_xml_fhir_bundle_linkage)
{
	struct bsc_ctx *ctx = bsc_test_ctx();
	struct bsc_collect c =
	    bsc_collect_fixture(ctx, "fhir/bundle-condition-medication.xml");
	const struct bsc_collected_item *it = &c.items[0];
	const struct bsc_collected_finding *f;

	ck_assert_uint_eq(it->records, 6); /* one per entry */
	ck_assert_uint_eq(it->records_medical, 3);
	ck_assert_uint_eq(it->records_linked, 2); /* patients A and B */
	f = bsc_collect_find_at(
	    it, "national_id",
	    "/Bundle/entry/resource/Patient/"
	    "identifier[urn:oid:1.2.250.1.213.1.4.8]/value");
	ck_assert_ptr_nonnull(f);
	ck_assert_uint_eq(f->count, 2);
	/* subject.display in a clinical resource is the patient's name. */
	f = bsc_collect_find_at(it, "last_name", "/Condition/subject/display");
	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(f->subject, BSC_SUBJECT_PATIENT);
	f = bsc_collect_find_at(it, "professional_id",
				"/Practitioner/identifier");
	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(f->subject, BSC_SUBJECT_PROFESSIONAL);
	ck_assert_ptr_nonnull(
	    bsc_collect_find_at(it, "diagnosis", "/Condition/code/"));
	ck_assert_ptr_nonnull(bsc_collect_find_at(
	    it, "medication", "/MedicationRequest/medicationCodeableConcept/"));
	/* The managing organisation is not a person. */
	ck_assert_ptr_null(
	    bsc_collect_find_at(it, "last_name", "Organization"));
	bsc_collect_free(&c);
	bsc_ctx_free(ctx);
}
END_TEST

/* ---- hostile input ------------------------------------------------------- */

START_TEST(test_format_xml_bad_files)
{
	static const struct {
		const char *rel;
		int status;
		const char *reason;
	} t[] = {
	    {"xml/bad-billion-laughs.xml", BSC_ITEM_FAILED,
	     "entity declarations are refused"},
	    {"xml/bad-xxe-file.xml", BSC_ITEM_FAILED, "declares entity 'xxe'"},
	    {"xml/bad-xxe-external-dtd.xml", BSC_ITEM_PARTIAL,
	     "undeclared entity '&nom;'"},
	    {"xml/bad-deep-nesting.xml", BSC_ITEM_FAILED,
	     "deeper than --max-depth (128)"},
	    {"xml/bad-malformed.xml", BSC_ITEM_PARTIAL, "at line 5"},
	    {"xml/bad-truncated.xml", BSC_ITEM_PARTIAL,
	     "the input ends inside <email>"},
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

START_TEST(test_format_xml_malformed_keeps_what_was_read)
{
	struct bsc_ctx *ctx = bsc_test_ctx();
	struct bsc_collect m = bsc_collect_fixture(ctx, "xml/bad-malformed.xml");
	struct bsc_collect t = bsc_collect_fixture(ctx, "xml/bad-truncated.xml");
	const struct bsc_collected_finding *f;

	f = bsc_collect_find(&m.items[0], "email", 0);
	ck_assert_ptr_nonnull(f);
	ck_assert_uint_eq(f->count, 2); /* the records before line 5 */
	f = bsc_collect_find(&t.items[0], "last_name", 0);
	ck_assert_ptr_nonnull(f);
	ck_assert_uint_eq(f->count, 3);
	ck_assert_uint_eq(t.items[0].records, 3);
	bsc_collect_free(&m);
	bsc_collect_free(&t);
	bsc_ctx_free(ctx);
}
END_TEST

/* Set a file's access and modification times to a fixed past moment. */
static time_t
age_file(const char *path)
{
	struct timespec ts[2];

	ts[0].tv_sec = ts[1].tv_sec = time(NULL) - 3 * 24 * 3600;
	ts[0].tv_nsec = ts[1].tv_nsec = 0;
	ck_assert_int_eq(utimensat(AT_FDCWD, path, ts, 0), 0);
	return ts[0].tv_sec;
}

static time_t
atime_of(const char *path)
{
	struct stat st;

	ck_assert_int_eq(stat(path, &st), 0);
	return st.st_atim.tv_sec;
}

/*
 * External entities, parameter entities and external DTDs that point at
 * a file of ours: the scan must not read it. Three proofs: the canary
 * e-mail in it is never found, libxml2 never even asks its (refusing)
 * entity loader, and the file's access time does not move (checked
 * against a control read, on file systems that keep access times).
 */
START_TEST(test_format_xml_no_external_file_is_read)
{
	const char *dir = bsc_tmpdir();
	char secret[4096], docs[5][8192];
	const char *canary = "canary.leak@exemple.fr";
	struct bsc_ctx *ctx = bsc_test_ctx();
	unsigned long loads = bsc_xml_refused_loads();
	time_t aged;
	char buf[64];
	int fd;

	bsc_ctx_set_show_values(ctx, true);
	snprintf(secret, sizeof(secret), "%s",
		 bsc_write_file(dir, "secret.txt",
				"SECRET canary.leak@exemple.fr\n", 30));
	aged = age_file(secret);
	snprintf(docs[0], sizeof(docs[0]),
		 "<?xml version=\"1.0\"?>\n<!DOCTYPE a [<!ENTITY x SYSTEM "
		 "\"file://%s\">]>\n<a><email>&x;</email></a>\n",
		 secret);
	snprintf(docs[1], sizeof(docs[1]),
		 "<?xml version=\"1.0\"?>\n<!DOCTYPE a [<!ENTITY %% p SYSTEM "
		 "\"%s\"> %%p;]>\n<a/>\n",
		 secret);
	snprintf(docs[2], sizeof(docs[2]),
		 "<?xml version=\"1.0\"?>\n<!DOCTYPE a SYSTEM \"%s\">\n"
		 "<a><email>&x;</email></a>\n",
		 secret);
	snprintf(docs[3], sizeof(docs[3]),
		 "<?xml version=\"1.0\"?>\n<!DOCTYPE a [<!ENTITY x SYSTEM "
		 "\"%s\">]>\n<a mail=\"&x;\"/>\n",
		 secret);
	snprintf(
	    docs[4], sizeof(docs[4]),
	    "<?xml version=\"1.0\"?>\n<a xmlns:xi=\"http://www.w3.org/"
	    "2001/XInclude\"><xi:include href=\"%s\" parse=\"text\"/></a>\n",
	    secret);
	for (int i = 0; i < 5; i++) {
		char name[32];
		struct bsc_collect c;

		snprintf(name, sizeof(name), "xxe%d.xml", i);
		c = bsc_collect_text(ctx, name, docs[i]);
		for (size_t k = 0; k < c.items[0].n_findings; k++)
			ck_assert_msg(
			    !strstr(c.items[0].findings[k].sample, canary),
			    "doc %d: the secret file was read", i);
		if (i < 4)
			ck_assert_msg(c.items[0].status != BSC_ITEM_COMPLETE,
				      "doc %d: status %d", i,
				      c.items[0].status);
		bsc_collect_free(&c);
	}
	ck_assert_uint_eq(bsc_xml_refused_loads(), loads);
	ck_assert_msg(atime_of(secret) == aged,
		      "the secret file was opened and read");
	/* Control: does this file system record reads at all? */
	fd = open(secret, O_RDONLY);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_gt(read(fd, buf, sizeof(buf)), 0);
	close(fd);
	if (atime_of(secret) == aged)
		fprintf(stderr, "note: no access times here (noatime); the "
				"canary and loader checks stand alone\n");
	bsc_ctx_free(ctx);
}
END_TEST

/* The options libxml2 gets: network off, and none of the options that
 * substitute entities, load DTDs or lift the built-in limits. */
START_TEST(test_format_xml_parser_options)
{
	int o = bsc_xml_parse_options();

	ck_assert(o & XML_PARSE_NONET);
	ck_assert(!(o & XML_PARSE_NOENT));
	ck_assert(!(o & XML_PARSE_DTDLOAD));
	ck_assert(!(o & XML_PARSE_DTDATTR));
	ck_assert(!(o & XML_PARSE_DTDVALID));
	ck_assert(!(o & XML_PARSE_HUGE));
	ck_assert(!(o & XML_PARSE_XINCLUDE));
}
END_TEST

/* ---- limits -------------------------------------------------------------- */

START_TEST(test_format_xml_depth_limit)
{
	struct bsc_ctx *ctx = bsc_test_ctx();
	static const char doc[] =
	    "<r><p><email>a.b@exemple.fr</email></p>"
	    "<p><q><s><t><u><email>c.d@exemple.fr</email></u></t></s></q></p>"
	    "</r>\n";
	struct bsc_collect c;

	bsc_ctx_limits(ctx)->max_nesting = 5;
	c = bsc_collect_text(ctx, "deep.xml", doc);
	ck_assert_int_eq(c.items[0].status, BSC_ITEM_PARTIAL);
	ck_assert_ptr_nonnull(strstr(c.items[0].reason, "--max-depth (5)"));
	ck_assert_uint_eq(bsc_collect_find(&c.items[0], "email", 0)->count, 1);
	bsc_collect_free(&c);
	bsc_ctx_limits(ctx)->max_nesting = 7;
	c = bsc_collect_text(ctx, "deep.xml", doc);
	ck_assert_int_eq(c.items[0].status, BSC_ITEM_COMPLETE);
	bsc_collect_free(&c);
	bsc_ctx_free(ctx);
}
END_TEST

/* Text longer than --max-field is scanned in pieces, never dropped. */
START_TEST(test_format_xml_long_text_in_pieces)
{
	struct bsc_ctx *ctx = bsc_test_ctx();
	size_t n = 200000;
	char *doc = malloc(n + 200);
	struct bsc_collect c;
	size_t o;

	o = (size_t)sprintf(doc, "<r><note>");
	memset(doc + o, 'x', n);
	o += n;
	o += (size_t)sprintf(doc + o, " marc.petit@exemple.fr</note></r>\n");
	doc[o] = '\0';
	bsc_ctx_limits(ctx)->max_field = 16 * 1024;
	c = bsc_collect_text(ctx, "long.xml", doc);
	ck_assert_int_eq(c.items[0].status, BSC_ITEM_COMPLETE);
	ck_assert_ptr_nonnull(bsc_collect_find(&c.items[0], "email", 0));
	bsc_collect_free(&c);
	free(doc);
	bsc_ctx_free(ctx);
}
END_TEST

/* Issue 17: 200,000 attributes on one element took 47 s in libxml2's
 * duplicate check; more than 1000 now stop the read, before libxml2. */
START_TEST(test_format_xml_attribute_limit)
{
	struct bsc_ctx *ctx = bsc_test_ctx();
	const char *dir = bsc_tmpdir();
	size_t cap = 64 * 1024, n;
	char *x = malloc(cap);
	struct bsc_collect c;
	const char *path;

	for (int pass = 0; pass < 2; pass++) {
		int count = pass ? 1001 : 1000;

		n = (size_t)sprintf(x, "<r><e");
		for (int i = 0; i < count; i++)
			n += (size_t)sprintf(x + n, " a%d='%d'", i, i);
		n += (size_t)sprintf(x + n, "/><email>jean.dupont@exemple.fr"
					    "</email></r>\n");
		path = bsc_write_file(dir, pass ? "many.xml" : "ok.xml", x, n);
		c = bsc_collect_one(ctx, path);
		if (pass) {
			ck_assert_int_ne(c.items[0].status, BSC_ITEM_COMPLETE);
			ck_assert_ptr_nonnull(strstr(c.items[0].reason,
						     "more than 1000 attributes"));
		} else {
			ck_assert_int_eq(c.items[0].status, BSC_ITEM_COMPLETE);
		}
		bsc_collect_free(&c);
	}
	free(x);
	bsc_ctx_free(ctx);
}
END_TEST

static Suite *
suite_format_xml(void)
{
	Suite *s = suite_create("format_xml");
	TCase *tb = tcase_create("bid");
	TCase *tg = tcase_create("generic");
	TCase *tc = tcase_create("cda");
	TCase *tf = tcase_create("fhir");
	TCase *th = tcase_create("hostile");
	TCase *tl = tcase_create("limits");

	tcase_add_test(tb, test_format_xml_bid_table);
	tcase_add_test(tg, test_format_xml_table_like_csv);
	tcase_add_test(tg, test_format_xml_clean_config);
	tcase_add_test(tg, test_format_xml_encodings);
	tcase_add_test(tc, test_format_xml_cda_lab);
	tcase_add_test(tc, test_format_xml_cda_no_body);
	tcase_add_test(tc, test_format_xml_cda_embedded_pdf);
	tcase_add_test(tc, test_format_xml_cda_embedded_text);
	tcase_add_test(tc, test_format_xml_cda_embedded_not_base64);
	tcase_add_test(tc, test_format_xml_cda_fragment);
	tcase_add_test(tf, test_format_xml_fhir_same_as_json);
	tcase_add_test(tf, test_format_xml_fhir_bundle_linkage);
	tcase_add_test(th, test_format_xml_parser_options);
	tcase_add_test(th, test_format_xml_bad_files);
	tcase_add_test(th, test_format_xml_malformed_keeps_what_was_read);
	tcase_add_test(th, test_format_xml_no_external_file_is_read);
	tcase_add_test(tl, test_format_xml_depth_limit);
	tcase_add_test(tl, test_format_xml_attribute_limit);
	tcase_add_test(tl, test_format_xml_long_text_in_pieces);
	suite_add_tcase(s, tb);
	suite_add_tcase(s, tg);
	suite_add_tcase(s, tc);
	suite_add_tcase(s, tf);
	suite_add_tcase(s, th);
	suite_add_tcase(s, tl);
	return s;
}

BSC_TEST_MAIN(suite_format_xml)
