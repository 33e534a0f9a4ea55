/*
 * pgraph.h - distinct persons as connected components of person keys
 * (scope stage). Every record hands in all the keyed hashes it holds:
 * strong keys (NIR/INS, a patient id qualified by its issuer, last name +
 * first name + birth date) join at once, since they name one person
 * wherever they appear; weak keys (e-mail, phone, a patient id whose
 * issuer is unknown) join only when they do not glue different persons
 * (README "Distinct persons"). Values never enter here, only 64-bit keyed
 * hashes (persons.h).
 *
 * A graph is exact up to a budget of keys, then only its sketches count:
 * HyperLogLog sketches of each record's strongest key, kept from the
 * start, so the estimate covers every record. Graphs merge (an item into
 * its archive and the run, shard reports into one) and the figures of a
 * merge equal those of one graph fed the same records, whatever the order.
 */
#ifndef BSC_PGRAPH_H
#define BSC_PGRAPH_H
#ifndef BSC_INTERNAL
#error "scanner-internal header"
#endif

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Kinds of key a record hands in. */
enum bsc_pk_kind {
	BSC_PKK_NIR = 1,    /* national id (NIR/INS): strong */
	BSC_PKK_NAME_BIRTH, /* last + first name + birth date: strong */
	BSC_PKK_ID,         /* patient id with its issuer: strong */
	BSC_PKK_WEAK        /* e-mail, phone, id without issuer: weak */
};

/* What is known of a record, ORed into its person. */
#define BSC_PF_CONTACT 0x01u /* e-mail, phone or address */
#define BSC_PF_MINOR 0x02u   /* under 18 by birth date */
#define BSC_PF_IDENT 0x04u   /* a direct identifier in the record */
#define BSC_PF_MEDICAL 0x08u /* medical data in the record */
#define BSC_PF_LINKED 0x10u  /* both in one record (or entity) */

#define BSC_PG_NONE UINT32_MAX

struct bsc_pkey {
	uint64_t hash;
	enum bsc_pk_kind kind;
};

/* Figures of a graph. */
struct bsc_pcount {
	uint64_t persons;
	uint64_t contactable;
	uint64_t health; /* persons with medical data and an identifier */
	uint64_t minors;
	uint64_t shared; /* weak keys left unlinked: shared contacts */
	bool approx;     /* from the sketches: the graph passed its budget */
	double error;    /* relative standard error when approx */
};

struct bsc_pgraph;

/* An empty graph exact up to budget keys (0: one). Caller frees. */
struct bsc_pgraph *bsc_pgraph_new(size_t budget);
void bsc_pgraph_free(struct bsc_pgraph *g);

/*
 * Add one record: its n keys, its flags, and the hash of its strongest
 * key (for the sketches). Returns the record's anchor (to flag it later)
 * or BSC_PG_NONE when the record has no key or the graph is a sketch.
 */
uint32_t bsc_pgraph_add(struct bsc_pgraph *g, const struct bsc_pkey *keys,
                        size_t n, unsigned flags, uint64_t strongest);

/* OR flags into the person of anchor (from bsc_pgraph_add). */
void bsc_pgraph_flag(struct bsc_pgraph *g, uint32_t anchor, unsigned flags);

/* The records of anchors a and b are about one person (records of one
 * entity: a FHIR Patient and the resources that refer to it). */
void bsc_pgraph_join(struct bsc_pgraph *g, uint32_t a, uint32_t b);

/* Add every record of src to dst (src unchanged). */
void bsc_pgraph_merge(struct bsc_pgraph *dst, const struct bsc_pgraph *src);

/* Move src into *dst: a swap when *dst is empty, else a merge. *src is
 * emptied either way and stays the caller's. */
void bsc_pgraph_absorb(struct bsc_pgraph **dst, struct bsc_pgraph **src);

/* The figures; the graph is not changed. */
void bsc_pgraph_count(const struct bsc_pgraph *g, struct bsc_pcount *out);

struct bsc_persons;
/*
 * The figures of g into the report's persons (count, precision, health,
 * contactable, minors, shared contacts; keys and set untouched). Past the
 * budget per-person health is unknown: bounded by linked, the records
 * that link identity and medical data.
 */
void bsc_pgraph_figures(const struct bsc_pgraph *g, uint64_t linked,
                        struct bsc_persons *p);

/*
 * Every keyed hash of g (strong keys and weak ones), sorted, as 16 hex
 * digits each separated by spaces: what a person index keeps of an item.
 * New string; "" when g is a sketch or empty.
 */
char *bsc_pgraph_keys_text(const struct bsc_pgraph *g);

/* Text form for shard reports ("g1:" + base64). New string. */
char *bsc_pgraph_dump(const struct bsc_pgraph *g);
/* Parse a dump; NULL when malformed. */
struct bsc_pgraph *bsc_pgraph_parse(const char *text, size_t budget);

#endif
