/*
 * test_persons.c - distinct persons: keyed hashes, key priority, name and
 * date normalisation, exact sets, the sketch past the budget (within its
 * stated error), merging and the text form used by shard reports.
 */
#include <string.h>

#include "ctx.h"
#include "persons.h"
#include "testlib.h"

static const unsigned char key[32] = {1, 2, 3, 4, 5, 6, 7, 8};

static uint64_t
splitmix(uint64_t *s)
{
	uint64_t z = (*s += 0x9E3779B97F4A7C15ull);

	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
	return z ^ (z >> 31);
}

START_TEST(test_persons_exact_then_sketch)
{
	struct bsc_personset *ps = bsc_personset_new(1000);
	uint64_t seed = 42, n;
	bool approx;
	double err;

	for (int i = 0; i < 500; i++) {
		uint64_t h = splitmix(&seed);

		bsc_personset_add(ps, h);
		bsc_personset_add(ps, h); /* duplicates count once */
	}
	n = bsc_personset_count(ps, &approx, &err);
	ck_assert_uint_eq(n, 500);
	ck_assert(!approx);
	for (int i = 0; i < 199500; i++)
		bsc_personset_add(ps, splitmix(&seed));
	n = bsc_personset_count(ps, &approx, &err);
	ck_assert(approx);
	ck_assert(err > 0.005 && err < 0.01);
	/* within 2% of the truth, as promised in the report */
	ck_assert_msg(n > 196000 && n < 204000, "estimate %llu",
		      (unsigned long long)n);
	bsc_personset_free(ps);
}
END_TEST

START_TEST(test_persons_merge_and_dump)
{
	struct bsc_personset *a = bsc_personset_new(100000);
	struct bsc_personset *b = bsc_personset_new(100000);
	struct bsc_personset *all = bsc_personset_new(100000);
	struct bsc_personset *back;
	uint64_t seed = 7;
	char *text;
	bool approx;
	double err;

	for (int i = 0; i < 3000; i++) {
		uint64_t h = splitmix(&seed);

		bsc_personset_add(i % 3 ? a : b, h);
		if (i % 5 == 0)
			bsc_personset_add(b, h); /* shared between shards */
		bsc_personset_add(all, h);
	}
	text = bsc_personset_dump(a);
	back = bsc_personset_parse(text, 100000);
	ck_assert_ptr_nonnull(back);
	bsc_personset_merge(back, b);
	ck_assert_uint_eq(bsc_personset_count(back, &approx, &err),
			  bsc_personset_count(all, &approx, &err));
	ck_assert(!approx);
	ck_assert_ptr_null(bsc_personset_parse("x:not base64!", 10));
	ck_assert_ptr_null(bsc_personset_parse("h14:AAAA", 10));
	free(text);
	bsc_personset_free(a);
	bsc_personset_free(b);
	bsc_personset_free(all);
	bsc_personset_free(back);
}
END_TEST

/* absorb moves into an empty set (the same object afterwards) and merges
 * into a non-empty one; the source ends empty either way. */
START_TEST(test_persons_absorb)
{
	struct bsc_personset *run = bsc_personset_new(100000);
	struct bsc_personset *item = bsc_personset_new(100000);
	struct bsc_personset *moved;
	uint64_t seed = 11;
	uint64_t first[500];
	bool approx;
	double err;

	for (int i = 0; i < 500; i++) {
		first[i] = splitmix(&seed);
		bsc_personset_add(item, first[i]);
	}
	moved = item;
	bsc_personset_absorb(&run, &item);
	ck_assert_ptr_eq(run, moved); /* swapped, not copied */
	ck_assert_uint_eq(bsc_personset_count(run, &approx, &err), 500);
	ck_assert_uint_eq(bsc_personset_count(item, &approx, &err), 0);
	/* A second item: 250 known persons and 300 new ones. */
	for (int i = 0; i < 250; i++)
		bsc_personset_add(item, first[i]);
	for (int i = 0; i < 300; i++)
		bsc_personset_add(item, splitmix(&seed));
	moved = item;
	bsc_personset_absorb(&run, &item);
	ck_assert_ptr_eq(item, moved); /* merged: each keeps its object */
	ck_assert_uint_eq(bsc_personset_count(run, &approx, &err), 800);
	ck_assert(!approx);
	ck_assert_uint_eq(bsc_personset_count(item, &approx, &err), 0);
	bsc_personset_add(item, first[0]); /* still usable */
	ck_assert_uint_eq(bsc_personset_count(item, &approx, &err), 1);
	bsc_personset_free(run);
	bsc_personset_free(item);
}
END_TEST

static int
take(struct bsc_record_keys *k, uint64_t *h, bool *c)
{
	struct bsc_hmac *mac = bsc_hmac_new(key);
	int kind = bsc_record_keys_take(k, mac, h, c);

	bsc_hmac_free(mac);
	return kind;
}

/* The precomputed-pad HMAC gives exactly the one-shot HMAC-SHA-256 (so
 * shard reports hashed either way merge), also reused many times. */
START_TEST(test_persons_hmac_matches_oneshot)
{
	static const char *const values[] = {
		"", "x", "185057800608491", "DUPONT|Jean|1970-01-01",
		"a value longer than one SHA-256 block, so that the inner hash "
		"runs two compressions before the outer one takes its result"};
	struct bsc_hmac *mac = bsc_hmac_new(key);

	for (int round = 0; round < 3; round++)
		for (size_t i = 0; i < sizeof(values) / sizeof(values[0]); i++)
			ck_assert_uint_eq(
				bsc_hmac_person(mac, "national_id", values[i]),
				bsc_person_hash(key, "national_id", values[i]));
	bsc_hmac_free(mac);
}
END_TEST

START_TEST(test_persons_key_priority)
{
	struct bsc_record_keys k = {0};
	uint64_t h1, h2;
	bool c;

	bsc_record_keys_offer(&k, BSC_PK_EMAIL, "a@exemple.fr", 12);
	bsc_record_keys_offer(&k, BSC_PK_LAST_NAME, "Dupont", 6);
	bsc_record_keys_offer(&k, BSC_PK_NIR, "185057800608492", 15); /* bad */
	ck_assert_int_eq(take(&k, &h1, &c), BSC_KEY_CONTACT);
	ck_assert(c);
	bsc_record_keys_offer(&k, BSC_PK_NIR, "1 85 05 78 006 084 91", 21);
	bsc_record_keys_offer(&k, BSC_PK_LOCAL_ID, "IPP42", 5);
	ck_assert_int_eq(take(&k, &h1, &c), BSC_KEY_NATIONAL_ID);
	ck_assert(!c);
	/* the same NIR written compact gives the same person */
	bsc_record_keys_offer(&k, BSC_PK_NIR, "185057800608491", 15);
	take(&k, &h2, &c);
	ck_assert_uint_eq(h1, h2);
	ck_assert_int_eq(take(&k, &h1, &c), -1); /* values were forgotten */
}
END_TEST

START_TEST(test_persons_name_variants)
{
	struct bsc_record_keys k = {0};
	uint64_t h1, h2, h3;
	bool c;

	bsc_record_keys_offer(&k, BSC_PK_LAST_NAME, "LEFÈVRE", strlen("LEFÈVRE"));
	bsc_record_keys_offer(&k, BSC_PK_FIRST_NAME, "Jean-Pierre", 11);
	bsc_record_keys_offer(&k, BSC_PK_BIRTH_DATE, "29/02/1996", 10);
	ck_assert_int_eq(take(&k, &h1, &c), BSC_KEY_NAME_BIRTH_DATE);
	bsc_record_keys_offer(&k, BSC_PK_LAST_NAME, "Lefevre", 7);
	bsc_record_keys_offer(&k, BSC_PK_FIRST_NAME, "JEAN PIERRE", 11);
	bsc_record_keys_offer(&k, BSC_PK_BIRTH_DATE, "1996-02-29", 10);
	take(&k, &h2, &c);
	ck_assert_uint_eq(h1, h2);
	bsc_record_keys_offer(&k, BSC_PK_LAST_NAME, "Lefevre", 7);
	bsc_record_keys_offer(&k, BSC_PK_FIRST_NAME, "Jean", 4);
	bsc_record_keys_offer(&k, BSC_PK_BIRTH_DATE, "19960229", 8);
	take(&k, &h3, &c);
	ck_assert_uint_ne(h1, h3); /* another first name, another person */
	/* an impossible date is no key */
	bsc_record_keys_offer(&k, BSC_PK_LAST_NAME, "Lefevre", 7);
	bsc_record_keys_offer(&k, BSC_PK_FIRST_NAME, "Jean", 4);
	bsc_record_keys_offer(&k, BSC_PK_BIRTH_DATE, "30/02/1996", 10);
	ck_assert_int_eq(take(&k, &h3, &c), -1);
}
END_TEST

START_TEST(test_persons_key_matters)
{
	unsigned char other[32] = {9};

	ck_assert_uint_ne(bsc_person_hash(key, "national_id", "185057800608491"),
			  bsc_person_hash(other, "national_id",
					  "185057800608491"));
	ck_assert_uint_ne(bsc_person_hash(key, "contact", "x"),
			  bsc_person_hash(key, "patient_id", "x"));
}
END_TEST

/* The same people in two files count once in the run. */
START_TEST(test_persons_across_files)
{
	struct bsc_ctx *ctx = bsc_test_ctx();
	const char *dir = bsc_tmpdir();
	const char *a = "nom;prenom;ddn;nir\n"
			"Lefèvre;Hélène;29/02/1996;185057800608491\n"
			"Martin;Luc;01/02/1980;\n"
			"Durand;Ana;03/04/1970;\n";
	const char *b = "last_name,first_name,dob,diagnosis\n"
			"MARTIN,LUC,1980-02-01,E11.9\n"
			"Petit,Zoe,2001-05-06,I10\n";
	const char *c = "nir;diagnostic\n185057800608491;J45.0\n";
	struct bsc_collect col;
	const char *paths[1] = {dir};
	struct bsc_sink sink;
	uint64_t total = 0;

	bsc_write_file(dir, "a.csv", a, strlen(a));
	bsc_write_file(dir, "b.csv", b, strlen(b));
	bsc_write_file(dir, "c.csv", c, strlen(c));
	bsc_collect_init(&col);
	sink = col.sink;
	ck_assert_int_eq(bsc_scan(ctx, paths, 1, &sink), BSC_OK);
	ck_assert_uint_eq(col.n, 3);
	for (size_t i = 0; i < col.n; i++)
		total += col.items[i].records;
	ck_assert_uint_eq(total, 6);
	{
		bool approx;
		double err;

		/* Hélène (NIR in a and c), Luc (a and b), Ana, Zoé */
		ck_assert_uint_eq(bsc_personset_count(ctx->run_persons, &approx,
						      &err),
				  4);
	}
	bsc_collect_free(&col);
	bsc_ctx_free(ctx);
}
END_TEST

static Suite *
suite_persons(void)
{
	Suite *s = suite_create("persons");
	TCase *ts = tcase_create("sets");
	TCase *tk = tcase_create("keys");

	tcase_add_test(ts, test_persons_exact_then_sketch);
	tcase_add_test(ts, test_persons_merge_and_dump);
	tcase_add_test(ts, test_persons_absorb);
	tcase_add_test(ts, test_persons_hmac_matches_oneshot);
	tcase_add_test(tk, test_persons_key_priority);
	tcase_add_test(tk, test_persons_name_variants);
	tcase_add_test(tk, test_persons_key_matters);
	tcase_add_test(tk, test_persons_across_files);
	suite_add_tcase(s, ts);
	suite_add_tcase(s, tk);
	return s;
}

BSC_TEST_MAIN(suite_persons)
