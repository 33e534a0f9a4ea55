/*
 * lookup.h - `breachscope lookup`: which items of a person index
 * (--person-index) hold a given person, without anyone keeping identities.
 */
#ifndef BSC_LOOKUP_H
#define BSC_LOOKUP_H
#ifndef BSC_INTERNAL
#error "scanner-internal header"
#endif

#include <stdio.h>

#include "ctx.h"

/* What is asked for; NULL members are not given. */
struct bsc_lookup_query {
	const char *nir, *email, *phone, *patient_id;
	const char *name, *first_name, *birth_date;
};

/*
 * Hash the query under ctx's person key, read the index file and write the
 * matching items with their categories to out. Returns 0 when the person
 * is found, 1 when not, 3 (BSC_EXIT_USAGE) on an error (message on ctx's stderr): a
 * missing or damaged index, a key that is not the index's, a query with
 * nothing to look for.
 */
int bsc_lookup(struct bsc_ctx *ctx, const char *index,
	       const struct bsc_lookup_query *q, FILE *out);

/* The check value of ctx's person key, as written in an index. New
 * string. */
char *bsc_lookup_key_check(struct bsc_ctx *ctx);

#endif
