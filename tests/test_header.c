/*
 * test_header.c - header normalisation and classification against the
 * project's vocabularies (patterns/).
 */
#include <string.h>

#include "ctx.h"
#include "header.h"
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

	ck_assert_int_eq(bsc_header_subject(rs, n, NULL), BSC_SUBJECT_PROFESSIONAL);
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

static Suite *
suite_header(void)
{
	Suite *s = suite_create("header");
	TCase *tn = tcase_create("normalise");
	TCase *tc = tcase_create("classify");

	tcase_add_test(tn, test_header_normalise_table);
	tcase_add_test(tn, test_header_tokens);
	tcase_add_test(tc, test_header_classify_table);
	tcase_add_test(tc, test_header_subject);
	suite_add_tcase(s, tn);
	suite_add_tcase(s, tc);
	return s;
}

BSC_TEST_MAIN(suite_header)
