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
 *
 * Categories: each key carries a 64-bit set of the categories of data
 * (bit = category index of the rules) its records hold, ORed into the
 * person; a person "has" a category when any record of theirs does. Past
 * the budget the per-category figures are upper bounds: each graph also
 * keeps, per category, a bound that adds up in merges (an item's exact
 * figure, or its records holding the category when the item itself
 * passed the budget).
 *
 * Professionals and relatives: a graph holds two more graphs (made on
 * first use) of their keys, counted apart and never with the persons.
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

/* Per-category figures: one per category bit, then the two groups. */
#define BSC_PG_CATS 64
#define BSC_PG_IDENTITY BSC_PG_CATS       /* any identity category */
#define BSC_PG_MEDICAL (BSC_PG_CATS + 1)  /* any medical category */
#define BSC_PG_NFIG (BSC_PG_CATS + 2)

/* Which category a bit is: names borrowed (rules, or the caller's), and
 * the bits of each class for the two groups. */
struct bsc_pcats {
	size_t n;
	const char *name[BSC_PG_CATS];
	uint64_t identity, medical;
};

/* The other persons a graph counts apart (bsc_pgraph_other). */
enum bsc_pg_other { BSC_PG_PROFESSIONALS = 0, BSC_PG_RELATIVES, BSC_PG_NOTHER };

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
	uint64_t cats[BSC_PG_NFIG]; /* persons per category, then groups */
	bool cats_bound; /* cats are upper bounds (past the budget) */
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

/* OR flags and categories (bits of category indexes) into the person of
 * anchor (from bsc_pgraph_add). */
void bsc_pgraph_flag(struct bsc_pgraph *g, uint32_t anchor, unsigned flags,
                     uint64_t cats);

/*
 * The graph of professionals or relatives held by g (made on first use;
 * owned by g): bsc_pgraph_add their keys there. Its persons never count
 * as g's; it merges, moves and dumps with g.
 */
struct bsc_pgraph *bsc_pgraph_other(struct bsc_pgraph *g,
                                    enum bsc_pg_other which);

/*
 * Close an item's graph once its records are flagged: fix its
 * per-category bounds (the exact figures, or records[] when the graph
 * passed its budget or partial says the flags are incomplete). records
 * has BSC_PG_NFIG entries: the item's records holding each category, and
 * any identity / medical category.
 */
void bsc_pgraph_seal(struct bsc_pgraph *g, const struct bsc_pcats *t,
                     const uint64_t *records, bool partial);

/* The records of anchors a and b are about one person (records of one
 * entity: a FHIR Patient and the resources that refer to it). */
void bsc_pgraph_join(struct bsc_pgraph *g, uint32_t a, uint32_t b);

/* Add every record of src to dst (src unchanged). */
void bsc_pgraph_merge(struct bsc_pgraph *dst, const struct bsc_pgraph *src);

/* Move src into *dst: a swap when *dst is empty, else a merge. *src is
 * emptied either way and stays the caller's. */
void bsc_pgraph_absorb(struct bsc_pgraph **dst, struct bsc_pgraph **src);

/* Forget g's persons (an item without personal data); its professionals
 * and relatives stay. */
void bsc_pgraph_drop_persons(struct bsc_pgraph *g);

/* The figures (categories by t); the graph is not changed. */
void bsc_pgraph_count(const struct bsc_pgraph *g, const struct bsc_pcats *t,
                      struct bsc_pcount *out);

struct bsc_persons;
/*
 * The figures of g into the report's persons (count, precision, health,
 * contactable, minors, shared contacts; keys and set untouched). Past the
 * budget per-person health is unknown: bounded by linked, the records
 * that link identity and medical data.
 */
void bsc_pgraph_figures(const struct bsc_pgraph *g, uint64_t linked,
                        const struct bsc_pcats *t, struct bsc_persons *p);

struct bsc_ruleset;
/* The categories of a rule set (names borrowed from rs). */
void bsc_pcats_from_rules(const struct bsc_ruleset *rs, struct bsc_pcats *t);

/*
 * Every keyed hash of g (strong keys and weak ones), sorted, as 16 hex
 * digits each separated by spaces: what a person index keeps of an item.
 * New string; "" when g is a sketch or empty.
 */
char *bsc_pgraph_keys_text(const struct bsc_pgraph *g);

/* Text form for shard reports ("g2:" + base64), with the names of the
 * categories of t. New string. */
char *bsc_pgraph_dump(const struct bsc_pgraph *g, const struct bsc_pcats *t);
/*
 * Parse a dump; NULL when malformed. Its categories are mapped by name
 * onto t; a name t lacks is added to it (a copy, which the caller frees
 * with bsc_pcats_release_names: t must then hold only such copies).
 */
struct bsc_pgraph *bsc_pgraph_parse(const char *text, size_t budget,
                                    struct bsc_pcats *t);
/* Free the names bsc_pgraph_parse added to t. */
void bsc_pcats_release_names(struct bsc_pcats *t);

#endif
