/*
 * persons.h - person keys without keeping identifiers: the keyed hashes
 * (HMAC-SHA-256 under a per-scan or user key), the normalised keys of a
 * record, sets of hashes (the values of a key column, for "linkable"),
 * and the HyperLogLog and base64 primitives the person graph (pgraph.h)
 * uses.
 */
#ifndef BSC_PERSONS_H
#define BSC_PERSONS_H
#ifndef BSC_INTERNAL
#error "scanner-internal header"
#endif

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* HyperLogLog precision: 2^14 registers, standard error 1.04/128. */
#define BSC_HLL_P 14
#define BSC_HLL_M (1u << BSC_HLL_P)

struct bsc_personset;

/* A new empty set counting exactly up to budget entries. */
struct bsc_personset *bsc_personset_new(size_t budget);
void bsc_personset_free(struct bsc_personset *ps);
void bsc_personset_add(struct bsc_personset *ps, uint64_t h);
/* Members of both sets; 0 unless both are still exact. */
uint64_t bsc_personset_overlap(const struct bsc_personset *a,
			       const struct bsc_personset *b);
/* Members counted exactly so far (0 once a sketch). */
size_t bsc_personset_size(const struct bsc_personset *ps);

/*
 * The count. *approx says whether it comes from the sketch, and *error the
 * relative standard error then (0 when exact).
 */
uint64_t bsc_personset_count(const struct bsc_personset *ps, bool *approx,
			     double *error);
/* HyperLogLog primitives on BSC_HLL_M registers (used by pgraph.c). */
void bsc_hll_add(uint8_t *hll, uint64_t h);
/* The estimate; *error gets the relative standard error. */
uint64_t bsc_hll_estimate(const uint8_t *hll, double *error);
/* base64 of p[0..n) after prefix, new string; and back (NULL when
 * malformed; *n gets the length). */
char *bsc_base64(const unsigned char *p, size_t n, const char *prefix);
unsigned char *bsc_unbase64(const char *s, size_t *n);

/*
 * The 64-bit keyed hash of a person key: HMAC-SHA-256(key, kind "\0"
 * value), first 8 bytes. key is 32 bytes.
 */
uint64_t bsc_person_hash(const unsigned char key[32], const char *kind,
			 const char *value);

/*
 * The same hash, fast: the HMAC's inner and outer SHA-256 states are
 * computed once for the key, so each hash costs two compressions and no
 * algorithm lookup. New object owned by the caller (bsc_hmac_free). Not
 * shared between threads.
 */
struct bsc_hmac;
struct bsc_hmac *bsc_hmac_new(const unsigned char key[32]);
void bsc_hmac_free(struct bsc_hmac *mac);
uint64_t bsc_hmac_person(struct bsc_hmac *mac, const char *kind,
			 const char *value);

/* What a value can contribute to a person key (categories.yml
 * `person_key`). */
enum bsc_person_role {
	BSC_PK_NONE = 0,
	BSC_PK_NIR,
	BSC_PK_LOCAL_ID,
	BSC_PK_LAST_NAME,
	BSC_PK_FIRST_NAME,
	BSC_PK_BIRTH_DATE,
	BSC_PK_EMAIL,
	BSC_PK_PHONE,
	BSC_PK_ADDRESS,
	BSC_PK_PRO_ID, /* RPPS / ADELI: keys a professional, never a person */
	BSC_PK_COUNT
};

/* The kinds of key, strongest first, as counted in reports. */
enum bsc_person_key {
	BSC_KEY_NATIONAL_ID = 0,
	BSC_KEY_PATIENT_ID,
	BSC_KEY_NAME_BIRTH_DATE,
	BSC_KEY_CONTACT,
	BSC_KEY_COUNT
};

/* The role called name ("nir", "local_id", ...), or -1. */
int bsc_person_role_from_name(const char *name);
/* Report name of a key kind ("national_id", ...). Static string. */
const char *bsc_person_key_name(int kind);

/* Normalised values of one record, held only until the record ends. */
#define BSC_RECORD_MAX_CONTACTS 4

struct bsc_record_keys {
	char *v[BSC_PK_COUNT];
	/* further e-mails and phones of the record (a message names its
	 * correspondents and the patient): each is a weak key */
	char *more_email[BSC_RECORD_MAX_CONTACTS - 1];
	char *more_phone[BSC_RECORD_MAX_CONTACTS - 1];
	char *issuer;   /* who issued v[BSC_PK_LOCAL_ID] (see _offer) */
	unsigned prose; /* bit per role: v[role] was read in free text */
	unsigned today; /* YYYYMMDD, for minors; 0: never a minor */
};

/*
 * Offer a value in a role; the first value that normalises (a NIR whose
 * key is valid, a parseable birth date, ...) is kept, and for e-mails and
 * phones up to BSC_RECORD_MAX_CONTACTS distinct ones. issuer qualifies a
 * local patient id (an assigning authority, an OID, or the file and the
 * column when unknown); NULL for other roles.
 */
void bsc_record_keys_offer(struct bsc_record_keys *k, int role,
			   const char *issuer, const char *v, size_t len);

/*
 * The same for a value found in free text (a letter, a message body):
 * names read in prose are often cut or swapped, so a name + birth date
 * key made of them is weak (it links, it never tells persons apart).
 */
void bsc_record_keys_offer_text(struct bsc_record_keys *k, int role,
				const char *issuer, const char *v, size_t len);

/* Most keys one record hands to the person graph. */
#define BSC_RECORD_MAX_KEYS (4 + 2 * BSC_RECORD_MAX_CONTACTS)

struct bsc_pkey;
/*
 * Turn the record's values into keyed hashes for the person graph
 * (pgraph.h) in keys[] (at most BSC_RECORD_MAX_KEYS; *n gets how many),
 * its BSC_PF_CONTACT / BSC_PF_MINOR flags in *flags and the hash of its
 * strongest key in *strongest; then forget the values. Returns the kind
 * of the strongest key (enum bsc_person_key), or -1 when the record has
 * none.
 */
int bsc_record_keys_take(struct bsc_record_keys *k, struct bsc_hmac *mac,
			 struct bsc_pkey *keys, size_t *n, unsigned *flags,
			 uint64_t *strongest);

/*
 * The keys of a professional or a relative (bsc_pgraph_other): a
 * professional id (strong), last + first name with the birth date when
 * known (strong; weak when read in free text), e-mails and phones (weak).
 * A last name alone is no key. *n gets how many; the values are
 * forgotten.
 */
void bsc_record_keys_take_other(struct bsc_record_keys *k,
				struct bsc_hmac *mac, struct bsc_pkey *keys,
				size_t *n);

/* Forget the values without hashing them. */
void bsc_record_keys_clear(struct bsc_record_keys *k);

#endif
