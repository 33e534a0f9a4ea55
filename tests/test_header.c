/*
 * test_header.c - header normalisation and classification against the
 * project's vocabularies (patterns/).
 */
#include <string.h>

#include "ctx.h"
#include "header.h"
#include "path.h"
#include "rules.h"
#include "testlib.h"

START_TEST(test_header_normalise_table)
{
	static const char *const t[][2] = {
		{"Date de naissance", "date_de_naissance"},
		{"DATE_NAISS", "date_naiss"},
		{"dateNaissance", "date_naissance"},
		{"ddn", "ddn"},
		{"  Prénom ", "prenom"},
		{"Pr\xC3\xA9nom", "prenom"},
		{"N° de sécurité sociale", "n_de_securite_sociale"},
		{"adresse-e.mail", "adresse_e_mail"},
		{"IDPatient", "id_patient"},
		{"telephonePortable2", "telephone_portable2"},
		{"C\xC5\x93ur", "coeur"},
		{"___", ""},
		{"\xFF\xFEnom", "nom"},
		{NULL, NULL},
	};

	for (int i = 0; t[i][0]; i++) {
		char *n = bsc_header_normalise(t[i][0], strlen(t[i][0]));

		ck_assert_msg(!strcmp(n, t[i][1]), "'%s' -> '%s', want '%s'",
			      t[i][0], n, t[i][1]);
		free(n);
	}
}
END_TEST

static const char *
classify(struct bsc_ctx *ctx, const char *h)
{
	struct bsc_ruleset *rs = bsc_ctx_rules(ctx);
	char *n = bsc_header_normalise(h, strlen(h));
	const struct bsc_rule *r = bsc_header_classify(rs, n, NULL);

	free(n);
	return r ? rs->cats[r->category].name : "-";
}

START_TEST(test_header_classify_table)
{
	static const char *const t[][2] = {
		{"Date de naissance", "birth_date"},
		{"DATE_NAISS", "birth_date"},
		{"dateNaissance", "birth_date"},
		{"ddn", "birth_date"},
		{"nom", "last_name"},
		{"Nom de famille", "last_name"},
		{"prenom", "first_name"},
		{"adresse_mail", "email"},
		{"Courriel", "email"},
		{"telephone", "phone"},
		{"code_postal", "postal_code"},
		{"nir", "national_id"},
		{"ipp", "patient_id"},
		{"diagnostic", "diagnosis"},
		{"agence", "-"},
		{"hotel", "-"},
		{"quantite", "-"},
		{NULL, NULL},
	};
	struct bsc_ctx *ctx = bsc_test_ctx();

	for (int i = 0; t[i][0]; i++)
		ck_assert_msg(!strcmp(classify(ctx, t[i][0]), t[i][1]),
			      "'%s' -> %s, want %s", t[i][0],
			      classify(ctx, t[i][0]), t[i][1]);
	bsc_ctx_free(ctx);
}
END_TEST

START_TEST(test_header_subject)
{
	struct bsc_ctx *ctx = bsc_test_ctx();
	struct bsc_ruleset *rs = bsc_ctx_rules(ctx);
	char *n = bsc_header_normalise("nom_medecin", 11);

	ck_assert_int_eq(bsc_header_subject(rs, n, NULL),
			 BSC_SUBJECT_PROFESSIONAL);
	free(n);
	n = bsc_header_normalise("tel_contact_urgence", 19);
	ck_assert_int_eq(bsc_header_subject(rs, n, NULL), BSC_SUBJECT_RELATED);
	free(n);
	n = bsc_header_normalise("ville", 5);
	ck_assert_int_eq(bsc_header_subject(rs, n, NULL), BSC_SUBJECT_UNKNOWN);
	free(n);
	bsc_ctx_free(ctx);
}
END_TEST

START_TEST(test_header_tokens)
{
	ck_assert(bsc_header_has_token("date_de_naissance", "naissance"));
	ck_assert(!bsc_header_has_token("agence", "age"));
	ck_assert(!bsc_header_has_token("page_age2", "age"));
	ck_assert(bsc_header_has_token("age", "age"));
}
END_TEST

/* Path parsing: tokens, qualifier marks, leaves. */
START_TEST(test_header_path_parse)
{
	struct bsc_path p;

	bsc_path_parse(&p, "/ClinicalDocument/recordTarget/patientRole/"
			   "id[1.2.250.1.213.1.4.8]/@extension");
	ck_assert_str_eq(p.norm, "clinical_document_record_target_patient_role_"
				 "id_1_2_250_1_213_1_4_8_extension");
	ck_assert_str_eq(p.leaf, "extension");
	ck_assert_str_eq(p.leaf2, "id_extension");
	ck_assert_int_eq(p.tok[6].qual, -1); /* "id" */
	ck_assert_int_eq(p.tok[7].qual, 0);  /* "1" of the OID */
	ck_assert_int_eq(p.tok[p.n - 1].qual, -1);
	bsc_path_release(&p);
	/* A qualifier may hold '/' (a URL); it never splits the path. */
	bsc_path_parse(&p, "/Patient/telecom[http://x.fr/a/b]/value");
	ck_assert_str_eq(p.leaf, "value");
	ck_assert_ptr_null(p.leaf2);
	ck_assert_str_eq(p.norm, "patient_telecom_http_x_fr_a_b_value");
	bsc_path_release(&p);
	bsc_path_parse(&p, "/dump/patient/@nom");
	ck_assert_str_eq(p.leaf, "nom");
	ck_assert_str_eq(p.leaf2, "patient_nom");
	bsc_path_release(&p);
	ck_assert(bsc_path_is_path("/a"));
	ck_assert(!bsc_path_is_path("nom"));
	ck_assert(!bsc_path_is_path(NULL));
}
END_TEST

/* Pattern semantics: token boundaries, '*' for one qualifier (or the
 * rest of one), '^' and '$' anchors. */
START_TEST(test_header_path_patterns)
{
	static const struct {
		const char *pattern;
		const char *path;
		bool match;
	} t[] = {
		{"name_family$", "/a/patient/name/family", true},
		{"name_family$", "/a/patient/name/family/@qualifier", false},
		{"name_family", "/a/patient/name/family/@qualifier", true},
		{"me_family", "/a/name/family", false}, /* token boundaries */
		{"id_*_extension$", "/r/id[1.2.3]/@extension", true},
		{"id_*_extension$", "/r/id/@extension", true},
		{"id_*_extension$", "/r/id[1.2.3]/x/@extension", false},
		{"id_1_2_250_1_213_1_4_*_extension$",
		 "/r/id[1.2.250.1.213.1.4.10]/@extension", true},
		{"id_1_2_250_1_213_1_4_*_extension$",
		 "/r/id[1.2.250.1.213.1.40]/@extension", false},
		{"section_*_code", "/s/section[114-4]/code[2.16]/@code", true},
		{"section_*_code", "/s/section[114-4]/entry/code/@code", false},
		{"^clinical_document", "/ClinicalDocument/code", true},
		{"^clinical_document", "/x/ClinicalDocument/code", false},
		{"telecom_tel_value$", "/p/telecom[tel]/@value", true},
		{NULL, NULL, false},
	};

	for (int i = 0; t[i].pattern; i++) {
		struct bsc_path_pattern *pat =
			bsc_path_pattern_new(t[i].pattern);
		struct bsc_path p;

		ck_assert_ptr_nonnull(pat);
		bsc_path_parse(&p, t[i].path);
		ck_assert_msg(bsc_path_match(&p, pat) == t[i].match,
			      "'%s' on '%s'", t[i].pattern, t[i].path);
		bsc_path_release(&p);
		bsc_path_pattern_free(pat);
	}
	ck_assert_ptr_null(bsc_path_pattern_new("*"));
	ck_assert_ptr_null(bsc_path_pattern_new(" $"));
}
END_TEST

static const char *
classify_path(struct bsc_ctx *ctx, const char *path)
{
	struct bsc_ruleset *rs = bsc_ctx_rules(ctx);
	struct bsc_path p;
	const struct bsc_rule *r;
	const char *name;

	bsc_path_parse(&p, path);
	r = bsc_header_classify_path(rs, &p, NULL);
	bsc_path_release(&p);
	if (!r)
		return "-";
	name = r->category >= 0 ? rs->cats[r->category].name : "none";
	return name;
}

/* The structural maps of patterns/cda and patterns/fhir, and the leaf
 * fallback of generic XML. */
START_TEST(test_header_classify_paths)
{
	static const char *const t[][2] = {
		{"/dump/patient/nom", "last_name"},
		{"/export/row/date_naissance", "birth_date"},
		{"/export/row/@email", "email"},
		{"/ClinicalDocument/recordTarget/patientRole"
		 "/id[1.2.250.1.213.1.4.9]/@extension",
		 "national_id"},
		{"/ClinicalDocument/author/assignedAuthor"
		 "/id[1.2.250.1.71.4.2.1]/@extension",
		 "professional_id"},
		{"/ClinicalDocument/recordTarget/patientRole/patient"
		 "/birthTime/@value",
		 "birth_date"},
		{"/ClinicalDocument/component/structuredBody/component"
		 "/section[48765-2]/entry/act/entryRelationship"
		 "/observation/value[2.16.840.1.113883.6.96]/@code",
		 "allergy"},
		{"/ClinicalDocument/component/structuredBody/component"
		 "/section[30954-2]/entry/organizer/component/observation"
		 "/value[2.16.840.1.113883.6.96]/@code",
		 "observation"},
		{"/ClinicalDocument/component/structuredBody/component"
		 "/section[11450-4]/code[2.16.840.1.113883.6.1]/@code",
		 "none"},
		{"/ClinicalDocument/custodian/assignedCustodian"
		 "/representedCustodianOrganization/addr/city",
		 "none"},
		{"/Bundle/entry/resource/Condition/code/coding[http:/"
		 "/snomed.info/sct]/code",
		 "diagnosis"},
		{"/Observation/valueQuantity[http://unitsofmeasure.org]/value",
		 "observation"},
		{"/Patient/identifier[urn:oid:1.2.250.1.213.1.4.8]/value",
		 "national_id"},
		{"/Patient/identifier[urn:oid:1.2.3]/value", "patient_id"},
		{"/Condition/subject/display", "last_name"},
		{"/Organization/telecom[phone]/value", "none"},
		/* FHIR words inside a CDA document do not make FHIR meaning. */
		{"/ClinicalDocument/component/structuredBody/component"
		 "/section/entry/procedure/code[1.2.250.1.213.2.63]/@code",
		 "-"},
		{NULL, NULL},
	};
	struct bsc_ctx *ctx = bsc_test_ctx();

	for (int i = 0; t[i][0]; i++)
		ck_assert_msg(!strcmp(classify_path(ctx, t[i][0]), t[i][1]),
			      "'%s' -> %s, want %s", t[i][0],
			      classify_path(ctx, t[i][0]), t[i][1]);
	bsc_ctx_free(ctx);
}
END_TEST

START_TEST(test_header_subject_paths)
{
	static const struct {
		const char *path;
		enum bsc_subject subject;
	} t[] = {
		{"/ClinicalDocument/recordTarget/patientRole/patient/name"
		 "/family",
		 BSC_SUBJECT_PATIENT},
		{"/ClinicalDocument/recordTarget/patientRole/patient"
		 "/guardian/guardianPerson/name/family",
		 BSC_SUBJECT_RELATED},
		{"/ClinicalDocument/legalAuthenticator/assignedEntity"
		 "/assignedPerson/name/family",
		 BSC_SUBJECT_PROFESSIONAL},
		{"/ClinicalDocument/participant[IND]/associatedEntity"
		 "/associatedPerson/name/family",
		 BSC_SUBJECT_RELATED},
		{"/ClinicalDocument/participant[REF]/associatedEntity"
		 "/associatedPerson/name/family",
		 BSC_SUBJECT_PROFESSIONAL},
		{"/Bundle/entry/resource/Practitioner/name/family",
		 BSC_SUBJECT_PROFESSIONAL},
		{"/Patient/contact/name/family", BSC_SUBJECT_RELATED},
		{"/RelatedPerson/name/family", BSC_SUBJECT_RELATED},
		{NULL, 0},
	};
	struct bsc_ctx *ctx = bsc_test_ctx();
	struct bsc_ruleset *rs = bsc_ctx_rules(ctx);

	for (int i = 0; t[i].path; i++) {
		struct bsc_path p;

		bsc_path_parse(&p, t[i].path);
		ck_assert_msg(bsc_header_subject(rs, p.norm, &p) ==
				      t[i].subject,
			      "'%s'", t[i].path);
		bsc_path_release(&p);
	}
	/* Path-only subject rules never match a CSV header. */
	ck_assert_int_eq(bsc_header_subject(rs, "legal_authenticator", NULL),
			 BSC_SUBJECT_UNKNOWN);
	bsc_ctx_free(ctx);
}
END_TEST

static Suite *
suite_header(void)
{
	Suite *s = suite_create("header");
	TCase *tn = tcase_create("normalise");
	TCase *tc = tcase_create("classify");
	TCase *tp = tcase_create("paths");

	tcase_add_test(tn, test_header_normalise_table);
	tcase_add_test(tn, test_header_tokens);
	tcase_add_test(tc, test_header_classify_table);
	tcase_add_test(tc, test_header_subject);
	tcase_add_test(tp, test_header_path_parse);
	tcase_add_test(tp, test_header_path_patterns);
	tcase_add_test(tp, test_header_classify_paths);
	tcase_add_test(tp, test_header_subject_paths);
	suite_add_tcase(s, tn);
	suite_add_tcase(s, tp);
	suite_add_tcase(s, tc);
	return s;
}

BSC_TEST_MAIN(suite_header)
