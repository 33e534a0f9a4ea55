/*
 * test_persons.c - distinct persons: keyed hashes, key priority, name and
 * date normalisation, exact sets, the sketch past the budget (within its
 * stated error), merging and the text form used by shard reports.
 */
#include <string.h>

#include "ctx.h"
#include "persons.h"
#include "pgraph.h"
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

/* Take the record's keys: the kind of the strongest, its hash in *h,
 * and whether the record is contactable in *c. */
static int
take(struct bsc_record_keys *k, uint64_t *h, bool *c)
{
	struct bsc_hmac *mac = bsc_hmac_new(key);
	struct bsc_pkey keys[BSC_RECORD_MAX_KEYS];
	size_t n = 0;
	unsigned flags = 0;
	int kind = bsc_record_keys_take(k, mac, keys, &n, &flags, h);

	*c = (flags & BSC_PF_CONTACT) != 0;
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

	bsc_record_keys_offer(&k, BSC_PK_EMAIL, NULL, "a@exemple.fr", 12);
	bsc_record_keys_offer(&k, BSC_PK_LAST_NAME, NULL, "Dupont", 6);
	bsc_record_keys_offer(&k, BSC_PK_NIR, NULL, "185057800608492", 15); /* bad */
	ck_assert_int_eq(take(&k, &h1, &c), BSC_KEY_CONTACT);
	ck_assert(c);
	bsc_record_keys_offer(&k, BSC_PK_NIR, NULL, "1 85 05 78 006 084 91", 21);
	bsc_record_keys_offer(&k, BSC_PK_LOCAL_ID, "ipp|file", "IPP42", 5);
	ck_assert_int_eq(take(&k, &h1, &c), BSC_KEY_NATIONAL_ID);
	ck_assert(!c);
	/* the same NIR written compact gives the same person */
	bsc_record_keys_offer(&k, BSC_PK_NIR, NULL, "185057800608491", 15);
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

	bsc_record_keys_offer(&k, BSC_PK_LAST_NAME, NULL, "LEFÈVRE", strlen("LEFÈVRE"));
	bsc_record_keys_offer(&k, BSC_PK_FIRST_NAME, NULL, "Jean-Pierre", 11);
	bsc_record_keys_offer(&k, BSC_PK_BIRTH_DATE, NULL, "29/02/1996", 10);
	ck_assert_int_eq(take(&k, &h1, &c), BSC_KEY_NAME_BIRTH_DATE);
	bsc_record_keys_offer(&k, BSC_PK_LAST_NAME, NULL, "Lefevre", 7);
	bsc_record_keys_offer(&k, BSC_PK_FIRST_NAME, NULL, "JEAN PIERRE", 11);
	bsc_record_keys_offer(&k, BSC_PK_BIRTH_DATE, NULL, "1996-02-29", 10);
	take(&k, &h2, &c);
	ck_assert_uint_eq(h1, h2);
	bsc_record_keys_offer(&k, BSC_PK_LAST_NAME, NULL, "Lefevre", 7);
	bsc_record_keys_offer(&k, BSC_PK_FIRST_NAME, NULL, "Jean", 4);
	bsc_record_keys_offer(&k, BSC_PK_BIRTH_DATE, NULL, "19960229", 8);
	take(&k, &h3, &c);
	ck_assert_uint_ne(h1, h3); /* another first name, another person */
	/* an impossible date is no key */
	bsc_record_keys_offer(&k, BSC_PK_LAST_NAME, NULL, "Lefevre", 7);
	bsc_record_keys_offer(&k, BSC_PK_FIRST_NAME, NULL, "Jean", 4);
	bsc_record_keys_offer(&k, BSC_PK_BIRTH_DATE, NULL, "30/02/1996", 10);
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

		struct bsc_pcount pc;

		/* Hélène (NIR in a and c), Luc (a and b), Ana, Zoé */
		bsc_pgraph_count(ctx->run_persons, NULL, &pc);
		ck_assert_uint_eq(pc.persons, 4);
		ck_assert(!pc.approx);
		(void)approx;
		(void)err;
	}
	bsc_collect_free(&col);
	bsc_ctx_free(ctx);
}
END_TEST


/* Persons per category are about the person: a doctor's name and a
 * relative's phone are not theirs. Professionals and relatives are
 * counted apart, never as persons. */
START_TEST(test_persons_by_category_and_others)
{
	struct bsc_ctx *ctx = bsc_test_ctx();
	const char *dir = bsc_tmpdir();
	const char *a =
		"nir;nom;prenom;ddn;diagnostic;nom_medecin;prenom_medecin;"
		"rpps_medecin;nom_personne_a_prevenir;"
		"telephone_contact_urgence\n"
		"185057800608491;Lefèvre;Hélène;29/02/1996;E11.9;Martin;Paul;"
		"10000000005;Lefèvre;0601020304\n"
		";Durand;Ana;03/04/1970;I10;Martin;Paul;10000000005;Durand;"
		"0611223344\n"
		";Petit;Zoé;05/06/2001;J45.0;Bernard;Luc;10000000013;Petit;"
		"0611223344\n";
	struct bsc_collect col;
	const char *paths[1] = {dir};
	struct bsc_sink sink;
	struct bsc_pcats t;
	struct bsc_persons *p = calloc(1, sizeof(*p));
	uint64_t diag = 0, last = 0;
	bool phone = false;

	bsc_write_file(dir, "s.csv", a, strlen(a));
	bsc_collect_init(&col);
	sink = col.sink;
	ck_assert_int_eq(bsc_scan(ctx, paths, 1, &sink), BSC_OK);
	bsc_pcats_from_rules(bsc_ctx_rules(ctx), &t);
	bsc_pgraph_figures(ctx->run_persons, 0, &t, p);
	ck_assert_uint_eq(p->count, 3);
	for (size_t i = 0; i < p->n_by_category; i++) {
		if (!strcmp(p->by_category[i].category, "diagnosis"))
			diag = p->by_category[i].count;
		if (!strcmp(p->by_category[i].category, "last_name"))
			last = p->by_category[i].count;
		phone |= !strcmp(p->by_category[i].category, "phone");
	}
	ck_assert_uint_eq(diag, 3);
	ck_assert_uint_eq(last, 3);
	ck_assert(!phone); /* the relatives' phones */
	ck_assert(!p->categories_bound);
	ck_assert_uint_eq(p->with_medical, 3);
	/* two doctors (Martin twice by his RPPS), two relatives (two of
	 * them known by one phone only) */
	ck_assert_uint_eq(p->professionals.count, 2);
	ck_assert_uint_eq(p->relatives.count, 2);
	free(p);
	bsc_collect_free(&col);
	bsc_ctx_free(ctx);
}
END_TEST

/* ---- the person graph ------------------------------------------------- */

/* Keys of synthetic records: a strong or weak key from a small integer. */
static struct bsc_pkey
pk(enum bsc_pk_kind kind, uint64_t v)
{
	uint64_t x = v * 4 + (uint64_t)kind;
	struct bsc_pkey k = {splitmix(&x), kind};

	return k;
}

static uint64_t
persons_of(const struct bsc_pgraph *g, struct bsc_pcount *pc)
{
	bsc_pgraph_count(g, NULL, pc);
	return pc->persons;
}

/* One patient split over three files by NIR, IPP and name + birth date
 * is one person when some record holds two of the keys. */
START_TEST(test_pgraph_links_every_key)
{
	struct bsc_pgraph *g = bsc_pgraph_new(1000);
	struct bsc_pkey r1[] = {pk(BSC_PKK_NIR, 1), pk(BSC_PKK_NAME_BIRTH, 2)};
	struct bsc_pkey r2[] = {pk(BSC_PKK_ID, 3), pk(BSC_PKK_NAME_BIRTH, 2)};
	struct bsc_pkey r3[] = {pk(BSC_PKK_ID, 3)};
	struct bsc_pkey r4[] = {pk(BSC_PKK_NIR, 1)};
	struct bsc_pcount pc;

	bsc_pgraph_add(g, r4, 1, 0, r4[0].hash);
	bsc_pgraph_add(g, r3, 1, 0, r3[0].hash);
	ck_assert_uint_eq(persons_of(g, &pc), 2);
	bsc_pgraph_add(g, r1, 2, 0, r1[0].hash);
	bsc_pgraph_add(g, r2, 2, 0, r2[0].hash);
	ck_assert_uint_eq(persons_of(g, &pc), 1);
	ck_assert(!pc.approx);
	bsc_pgraph_free(g);
}
END_TEST

/* A family phone does not glue its members; a record with that phone
 * alone is one of them, not one more person; a contact of one person
 * links their records. */
START_TEST(test_pgraph_shared_contact)
{
	struct bsc_pgraph *g = bsc_pgraph_new(1000);
	struct bsc_pcount pc;

	for (uint64_t m = 1; m <= 3; m++) {
		struct bsc_pkey r[] = {pk(BSC_PKK_NAME_BIRTH, 10 + m),
				       pk(BSC_PKK_WEAK, 99)};

		bsc_pgraph_add(g, r, 2, BSC_PF_CONTACT, r[0].hash);
	}
	ck_assert_uint_eq(persons_of(g, &pc), 3);
	ck_assert_uint_eq(pc.shared, 1);
	{
		struct bsc_pkey r[] = {pk(BSC_PKK_WEAK, 99)};

		bsc_pgraph_add(g, r, 1, BSC_PF_CONTACT, r[0].hash);
	}
	ck_assert_uint_eq(persons_of(g, &pc), 3);
	ck_assert_uint_eq(pc.contactable, 3);
	{
		/* NIR + e-mail in one file, name + birth date + the same
		 * e-mail in another: one person */
		struct bsc_pkey a[] = {pk(BSC_PKK_NIR, 50), pk(BSC_PKK_WEAK, 51)};
		struct bsc_pkey b[] = {pk(BSC_PKK_NAME_BIRTH, 52),
				       pk(BSC_PKK_WEAK, 51)};

		bsc_pgraph_add(g, a, 2, 0, a[0].hash);
		bsc_pgraph_add(g, b, 2, 0, b[0].hash);
	}
	ck_assert_uint_eq(persons_of(g, &pc), 4);
	bsc_pgraph_free(g);
}
END_TEST

/* Homonyms: same name, other birth date, other person (the name+birth
 * key differs); the same e-mail does not make them one. */
START_TEST(test_pgraph_homonyms)
{
	struct bsc_pgraph *g = bsc_pgraph_new(1000);
	struct bsc_pkey a[] = {pk(BSC_PKK_NAME_BIRTH, 1), pk(BSC_PKK_WEAK, 7)};
	struct bsc_pkey b[] = {pk(BSC_PKK_NAME_BIRTH, 2), pk(BSC_PKK_WEAK, 7)};
	struct bsc_pcount pc;

	bsc_pgraph_add(g, a, 2, 0, a[0].hash);
	bsc_pgraph_add(g, b, 2, 0, b[0].hash);
	ck_assert_uint_eq(persons_of(g, &pc), 2);
	bsc_pgraph_free(g);
}
END_TEST

/* Flags: health needs medical data and an identifier, in one record or
 * across the records of one person. */
START_TEST(test_pgraph_flags)
{
	struct bsc_pgraph *g = bsc_pgraph_new(1000);
	struct bsc_pkey a[] = {pk(BSC_PKK_NIR, 1), pk(BSC_PKK_ID, 2)};
	struct bsc_pkey b[] = {pk(BSC_PKK_ID, 2)};
	struct bsc_pkey c[] = {pk(BSC_PKK_ID, 3)};
	struct bsc_pkey d[] = {pk(BSC_PKK_NAME_BIRTH, 4)};
	struct bsc_pcount pc;
	uint32_t x;

	x = bsc_pgraph_add(g, a, 2, BSC_PF_CONTACT, a[0].hash);
	bsc_pgraph_flag(g, x, BSC_PF_IDENT, 0);
	x = bsc_pgraph_add(g, b, 1, 0, b[0].hash);
	bsc_pgraph_flag(g, x, BSC_PF_MEDICAL, 0); /* a stay by IPP */
	x = bsc_pgraph_add(g, c, 1, 0, c[0].hash);
	bsc_pgraph_flag(g, x, BSC_PF_MEDICAL, 0); /* pseudonymous only */
	x = bsc_pgraph_add(g, d, 1, BSC_PF_MINOR, d[0].hash);
	bsc_pgraph_flag(g, x, BSC_PF_LINKED, 0);
	ck_assert_uint_eq(persons_of(g, &pc), 3);
	ck_assert_uint_eq(pc.health, 2);
	ck_assert_uint_eq(pc.contactable, 1);
	ck_assert_uint_eq(pc.minors, 1);
	bsc_pgraph_free(g);
}
END_TEST

/* Feed random records whole or split in two graphs, in another order:
 * the merge (and its text form) gives the figures of one graph. */
START_TEST(test_pgraph_merge_equals_one)
{
	struct bsc_pgraph *one = bsc_pgraph_new(100000);
	struct bsc_pgraph *a = bsc_pgraph_new(100000);
	struct bsc_pgraph *b = bsc_pgraph_new(100000);
	struct bsc_pgraph *m = bsc_pgraph_new(100000), *back;
	struct bsc_pcount p1, p2, p3;
	struct bsc_pcats t = {.n = 6,
			      .name = {"a", "b", "c", "d", "e", "f"},
			      .identity = 0x7,
			      .medical = 0x38};
	struct bsc_pcats t2 = {0};
	uint64_t seed = 42;
	char *text;

	for (int i = 0; i < 3000; i++) {
		uint64_t r = splitmix(&seed), person = r % 700;
		struct bsc_pkey k[3];
		size_t n = 0;

		if (r & 0x100)
			k[n++] = pk(BSC_PKK_NIR, person);
		if (r & 0x200)
			k[n++] = pk(BSC_PKK_NAME_BIRTH, person);
		if (r & 0x400)
			k[n++] = pk(BSC_PKK_WEAK, 5000 + person / 3);
		if (!n)
			k[n++] = pk(BSC_PKK_ID, person);
		uint32_t x1, x2;
		struct bsc_pgraph *half = i % 2 ? a : b;
		/* categories 0..5 from the record; professionals keyed by
		 * a small id in some records */
		uint64_t cats = (r >> 24) & 0x3f;
		struct bsc_pkey pro[] = {pk(BSC_PKK_ID, 9000 + (r >> 40) % 50)};

		x1 = bsc_pgraph_add(one, k, n, (unsigned)(r >> 20) & 3,
				    k[0].hash);
		x2 = bsc_pgraph_add(half, k, n, (unsigned)(r >> 20) & 3,
				    k[0].hash);
		bsc_pgraph_flag(one, x1, 0, cats);
		bsc_pgraph_flag(half, x2, 0, cats);
		if (r & 0x800) {
			bsc_pgraph_add(bsc_pgraph_other(one,
							BSC_PG_PROFESSIONALS),
				       pro, 1, 0, pro[0].hash);
			bsc_pgraph_add(bsc_pgraph_other(half,
							BSC_PG_PROFESSIONALS),
				       pro, 1, 0, pro[0].hash);
		}
	}
	bsc_pgraph_merge(m, b);
	bsc_pgraph_merge(m, a);
	bsc_pgraph_count(one, &t, &p1);
	bsc_pgraph_count(m, &t, &p2);
	ck_assert_uint_eq(p1.persons, p2.persons);
	ck_assert_uint_eq(p1.contactable, p2.contactable);
	ck_assert_uint_eq(p1.minors, p2.minors);
	ck_assert_uint_eq(p1.shared, p2.shared);
	ck_assert_uint_ge(p1.persons, 500);
	ck_assert_mem_eq(p1.cats, p2.cats, sizeof(p1.cats));
	ck_assert_uint_gt(p1.cats[5], 100);
	ck_assert_uint_le(p1.cats[5], p1.persons);
	ck_assert_uint_ge(p1.cats[BSC_PG_MEDICAL], p1.cats[5]);
	ck_assert(!p1.cats_bound);
	text = bsc_pgraph_dump(m, &t);
	back = bsc_pgraph_parse(text, 100000, &t2);
	ck_assert_ptr_nonnull(back);
	bsc_pgraph_count(back, &t2, &p3);
	ck_assert_uint_eq(p3.persons, p1.persons);
	/* the names of the dump's categories, in its order */
	ck_assert_uint_eq(t2.n, 6);
	ck_assert_str_eq(t2.name[5], "f");
	ck_assert_mem_eq(p3.cats, p1.cats, sizeof(p1.cats));
	{
		struct bsc_persons f1, f3;

		memset(&f1, 0, sizeof(f1));
		memset(&f3, 0, sizeof(f3));
		bsc_pgraph_figures(one, 0, &t, &f1);
		bsc_pgraph_figures(back, 0, &t2, &f3);
		ck_assert_uint_eq(f1.professionals.count, 50);
		ck_assert_uint_eq(f3.professionals.count, 50);
		ck_assert_uint_eq(f1.n_by_category, 6);
		ck_assert_str_eq(f3.by_category[2].category, "c");
		ck_assert_uint_eq(f3.by_category[2].count, p1.cats[2]);
	}
	/* a damaged dump: cut or with a byte changed, never a crash */
	{
		size_t len = strlen(text);
		char *bad = strdup(text);
		uint64_t r = 7;

		for (int k = 0; k < 200; k++) {
			struct bsc_pgraph *x;
			size_t at = 3 + (size_t)(splitmix(&r) % (len - 3));

			strcpy(bad, text);
			if (k % 2)
				bad[at] = "AZaz09+/"[splitmix(&r) % 8];
			else
				bad[at] = '\0';
			x = bsc_pgraph_parse(bad, 100000, &t2);
			bsc_pgraph_free(x);
		}
		free(bad);
	}
	ck_assert_ptr_null(bsc_pgraph_parse("g1:AAAA", 10, &t2));
	ck_assert_ptr_null(bsc_pgraph_parse("g2:AAAA", 10, &t2));
	ck_assert_ptr_null(bsc_pgraph_parse("x:", 10, &t2));
	bsc_pcats_release_names(&t2);
	free(text);
	bsc_pgraph_free(one);
	bsc_pgraph_free(a);
	bsc_pgraph_free(b);
	bsc_pgraph_free(m);
	bsc_pgraph_free(back);
}
END_TEST

/* Past the budget the figure is an estimate, and says so. */
START_TEST(test_pgraph_budget_estimate)
{
	struct bsc_pgraph *g = bsc_pgraph_new(1000);
	struct bsc_pcount pc;
	uint64_t recs[BSC_PG_NFIG] = {0};

	for (uint64_t i = 0; i < 20000; i++) {
		struct bsc_pkey k[] = {pk(BSC_PKK_NIR, i)};

		bsc_pgraph_add(g, k, 1, 0, k[0].hash);
	}
	/* per category: the records holding it stand in, as a bound */
	recs[3] = 20000;
	recs[BSC_PG_MEDICAL] = 20000;
	bsc_pgraph_seal(g, NULL, recs, false);
	bsc_pgraph_count(g, NULL, &pc);
	ck_assert(pc.approx);
	ck_assert(pc.error > 0);
	ck_assert_uint_ge(pc.persons, 19600);
	ck_assert_uint_le(pc.persons, 20400);
	ck_assert(pc.cats_bound);
	ck_assert_uint_eq(pc.cats[3], 20000);
	ck_assert_uint_eq(pc.cats[BSC_PG_MEDICAL], 20000);
	/* an exact graph merged in adds its exact figure to the bounds */
	{
		struct bsc_pgraph *e = bsc_pgraph_new(1000);
		struct bsc_pkey k[] = {pk(BSC_PKK_NIR, 999999)};
		uint32_t x = bsc_pgraph_add(e, k, 1, 0, k[0].hash);

		bsc_pgraph_flag(e, x, 0, 1ull << 3);
		bsc_pgraph_seal(e, NULL, recs, false);
		bsc_pgraph_count(e, NULL, &pc);
		ck_assert(!pc.cats_bound);
		ck_assert_uint_eq(pc.cats[3], 1);
		bsc_pgraph_merge(g, e);
		bsc_pgraph_count(g, NULL, &pc);
		ck_assert(pc.cats_bound);
		ck_assert_uint_eq(pc.cats[3], 20001);
		bsc_pgraph_free(e);
	}
	bsc_pgraph_free(g);
}
END_TEST

/* Record keys: all of them, the local id with its issuer and bare. */
START_TEST(test_persons_all_keys)
{
	struct bsc_record_keys k = {0};
	struct bsc_hmac *mac = bsc_hmac_new(key);
	struct bsc_pkey keys[BSC_RECORD_MAX_KEYS], other[BSC_RECORD_MAX_KEYS];
	size_t n = 0, n2 = 0;
	unsigned flags = 0;
	uint64_t strongest;

	k.today = 20261202;
	bsc_record_keys_offer(&k, BSC_PK_NIR, NULL, "185057800608491", 15);
	bsc_record_keys_offer(&k, BSC_PK_LOCAL_ID, "hosp-a", "IPP42", 5);
	bsc_record_keys_offer(&k, BSC_PK_LAST_NAME, NULL, "Dupont", 6);
	bsc_record_keys_offer(&k, BSC_PK_FIRST_NAME, NULL, "Léa", 4);
	bsc_record_keys_offer(&k, BSC_PK_BIRTH_DATE, NULL, "03/04/2012", 10);
	bsc_record_keys_offer(&k, BSC_PK_EMAIL, NULL, "Lea@Exemple.fr", 14);
	bsc_record_keys_offer(&k, BSC_PK_PHONE, NULL, "06 12 34 56 78", 14);
	ck_assert_int_eq(bsc_record_keys_take(&k, mac, keys, &n, &flags,
					      &strongest),
			 BSC_KEY_NATIONAL_ID);
	ck_assert_uint_eq(n, 6);
	ck_assert(flags & BSC_PF_CONTACT);
	ck_assert(flags & BSC_PF_MINOR);
	/* another issuer: another strong id, the same bare one; the phone
	 * in international form is the same key */
	bsc_record_keys_offer(&k, BSC_PK_LOCAL_ID, "hosp-b", "IPP42", 5);
	bsc_record_keys_offer(&k, BSC_PK_PHONE, NULL, "+33 6 12 34 56 78", 17);
	bsc_record_keys_take(&k, mac, other, &n2, &flags, &strongest);
	ck_assert_uint_eq(n2, 3);
	ck_assert_uint_ne(other[0].hash, keys[1].hash);
	ck_assert_uint_eq(other[1].hash, keys[2].hash);
	ck_assert_uint_eq(other[2].hash, keys[5].hash);
	ck_assert(!(flags & BSC_PF_MINOR));
	bsc_hmac_free(mac);
}
END_TEST

/* Names swapped between exports are one key; names read in prose make a
 * weak key; a message's further e-mails are weak keys too. */
START_TEST(test_persons_swapped_and_prose_names)
{
	struct bsc_record_keys k = {0};
	struct bsc_hmac *mac = bsc_hmac_new(key);
	struct bsc_pkey a[BSC_RECORD_MAX_KEYS], b[BSC_RECORD_MAX_KEYS];
	size_t na = 0, nb = 0;
	unsigned flags;
	uint64_t strongest;

	bsc_record_keys_offer(&k, BSC_PK_LAST_NAME, NULL, "DUPONT", 6);
	bsc_record_keys_offer(&k, BSC_PK_FIRST_NAME, NULL, "Jean", 4);
	bsc_record_keys_offer(&k, BSC_PK_BIRTH_DATE, NULL, "01/01/1940", 10);
	bsc_record_keys_take(&k, mac, a, &na, &flags, &strongest);
	ck_assert_uint_eq(na, 1);
	ck_assert_int_eq(a[0].kind, BSC_PKK_NAME_BIRTH);
	bsc_record_keys_offer_text(&k, BSC_PK_LAST_NAME, NULL, "Jean", 4);
	bsc_record_keys_offer_text(&k, BSC_PK_FIRST_NAME, NULL, "Dupont", 6);
	bsc_record_keys_offer_text(&k, BSC_PK_BIRTH_DATE, NULL, "1940-01-01",
				   10);
	bsc_record_keys_offer_text(&k, BSC_PK_EMAIL, NULL, "dr@exemple.fr", 13);
	bsc_record_keys_offer_text(&k, BSC_PK_EMAIL, NULL, "jean@exemple.fr",
				   15);
	bsc_record_keys_take(&k, mac, b, &nb, &flags, &strongest);
	ck_assert_uint_eq(nb, 3);
	ck_assert_uint_eq(b[0].hash, a[0].hash); /* same person key... */
	ck_assert_int_eq(b[0].kind, BSC_PKK_WEAK); /* ...but from prose */
	ck_assert_int_eq(b[2].kind, BSC_PKK_WEAK);
	ck_assert_uint_ne(b[1].hash, b[2].hash);
	bsc_hmac_free(mac);
}
END_TEST

static Suite *
suite_persons(void)
{
	Suite *s = suite_create("persons");
	TCase *ts = tcase_create("sets");
	TCase *tk = tcase_create("keys");
	TCase *tg = tcase_create("graph");

	tcase_add_test(ts, test_persons_exact_then_sketch);
	tcase_add_test(ts, test_persons_hmac_matches_oneshot);
	tcase_add_test(tk, test_persons_key_priority);
	tcase_add_test(tk, test_persons_name_variants);
	tcase_add_test(tk, test_persons_key_matters);
	tcase_add_test(tk, test_persons_across_files);
	tcase_add_test(tk, test_persons_by_category_and_others);
	tcase_add_test(tk, test_persons_all_keys);
	tcase_add_test(tk, test_persons_swapped_and_prose_names);
	tcase_add_test(tg, test_pgraph_links_every_key);
	tcase_add_test(tg, test_pgraph_shared_contact);
	tcase_add_test(tg, test_pgraph_homonyms);
	tcase_add_test(tg, test_pgraph_flags);
	tcase_add_test(tg, test_pgraph_merge_equals_one);
	tcase_add_test(tg, test_pgraph_budget_estimate);
	suite_add_tcase(s, tg);
	suite_add_tcase(s, ts);
	suite_add_tcase(s, tk);
	return s;
}

BSC_TEST_MAIN(suite_persons)
