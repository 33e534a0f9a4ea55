/*
 * rollup.c - archive roll-ups (scope stage, used by scan.c). An archive
 * is reported after its members; each member's report is added here as
 * it is emitted, a nested archive with its own roll-up, so the archive's
 * report says what its whole subtree holds: a responder reading
 * "extraction.zip" in any output is never told it is clean when its
 * members are not. Persons are the components of the members' person
 * graphs together (pgraph.h): one patient in two members counts once.
 */
#include "rollup.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pgraph.h"
#include "rules.h"
#include "severity.h"

struct bsc_rollup {
	struct bsc_ctx *ctx;
	struct bsc_pgraph *persons;
	uint64_t smask[4]; /* counted categories per subject */
	uint64_t records, rid, rmed, rlinked;
	uint64_t by_key[4], without_key;
	size_t violations;
	int severity;
	uint64_t incomplete; /* members partial or failed */
	char *first_incomplete;
	struct bsc_flag *flags;
	size_t n_flags;
	/* output */
	const char **identity, **medical;
	const char **subj[4][2];
};

struct bsc_rollup *
bsc_rollup_new(struct bsc_ctx *ctx)
{
	struct bsc_rollup *r = bsc_zalloc(sizeof(*r));

	r->ctx = ctx;
	r->persons = bsc_pgraph_new(bsc_person_budget(ctx));
	return r;
}

void
bsc_rollup_free(struct bsc_rollup *r)
{
	if (!r)
		return;
	bsc_pgraph_free(r->persons);
	free(r->first_incomplete);
	for (size_t i = 0; i < r->n_flags; i++) {
		free((char *)r->flags[i].loc.header);
		free((char *)r->flags[i].path);
	}
	free(r->flags);
	free(r->identity);
	free(r->medical);
	for (int k = 0; k < 4; k++) {
		free(r->subj[k][0]);
		free(r->subj[k][1]);
	}
	free(r);
}

void
bsc_flags_sum(struct bsc_flag **v, size_t *n, const struct bsc_flag *add,
              size_t n_add)
{
	for (size_t i = 0; i < n_add; i++) {
		const struct bsc_flag *f = &add[i];
		size_t k;

		for (k = 0; k < *n; k++)
			if (!strcmp((*v)[k].rule, f->rule))
				break;
		if (k == *n) {
			*v = bsc_reallocarray(*v, k + 1, sizeof(**v));
			(*v)[k] = *f;
			(*v)[k].count = 0;
			(*v)[k].loc.header =
			    f->loc.header ? bsc_strdup(f->loc.header) : NULL;
			(*v)[k].path = f->path ? bsc_strdup(f->path) : NULL;
			(*n)++;
		}
		(*v)[k].count += f->count;
	}
}

static uint64_t
mask_of(const struct bsc_ruleset *rs, const char *const *names, size_t n)
{
	uint64_t m = 0;

	for (size_t i = 0; i < n; i++) {
		int c = bsc_ruleset_category(rs, names[i]);

		if (c >= 0)
			m |= 1ull << c;
	}
	return m;
}

void
bsc_rollup_add(struct bsc_rollup *r, const struct bsc_item_report *rep)
{
	const struct bsc_ruleset *rs = bsc_ctx_rules(r->ctx);

	for (int k = 0; k < 4; k++) {
		const struct bsc_subject_categories *sc = &rep->subjects[k];

		r->smask[k] |= mask_of(rs, sc->identity, sc->n_identity) |
		               mask_of(rs, sc->medical, sc->n_medical);
	}
	r->records += rep->records;
	r->rid += rep->records_identity;
	r->rmed += rep->records_medical;
	r->rlinked += rep->records_linked;
	for (int k = 0; k < 4; k++)
		r->by_key[k] += rep->persons.by_key[k];
	r->without_key += rep->persons.without_key;
	r->violations += rep->violations;
	if (rep->severity &&
	    bsc_severity_from_name(rep->severity) > r->severity)
		r->severity = bsc_severity_from_name(rep->severity);
	if (rep->status == BSC_ITEM_PARTIAL || rep->status == BSC_ITEM_FAILED) {
		if (!r->incomplete++)
			r->first_incomplete =
			    bsc_asprintf("%s (%s)", rep->path,
			                 bsc_item_status_name(rep->status));
	}
	bsc_flags_sum(&r->flags, &r->n_flags, rep->flags, rep->n_flags);
}

void
bsc_rollup_take_persons(struct bsc_rollup *r, struct bsc_pgraph **g)
{
	bsc_pgraph_absorb(&r->persons, g);
}

struct bsc_pgraph **
bsc_rollup_persons(struct bsc_rollup *r)
{
	return &r->persons;
}

static void
fill_persons(struct bsc_rollup *r, struct bsc_item_report *rep)
{
	struct bsc_persons *p = &rep->persons;
	struct bsc_pcats t;

	memset(p, 0, sizeof(*p));
	bsc_pcats_from_rules(bsc_ctx_rules(r->ctx), &t);
	bsc_pgraph_figures(r->persons, r->rlinked, &t, p);
	memcpy(p->by_key, r->by_key, sizeof(r->by_key));
	p->without_key = r->without_key;
}

void
bsc_rollup_fill(struct bsc_rollup *r, struct bsc_item_report *rep,
                char *reason_buf, size_t reason_len)
{
	const struct bsc_ruleset *rs = bsc_ctx_rules(r->ctx);
	uint64_t all = 0;

	for (int k = 0; k < 4; k++) {
		struct bsc_subject_categories *sc = &rep->subjects[k];

		all |= r->smask[k];
		r->subj[k][0] = bsc_ruleset_names(
		    rs, r->smask[k] & rs->identity_mask, &sc->n_identity);
		r->subj[k][1] = bsc_ruleset_names(
		    rs, r->smask[k] & rs->medical_mask, &sc->n_medical);
		sc->identity = r->subj[k][0];
		sc->medical = r->subj[k][1];
	}
	r->identity =
	    bsc_ruleset_names(rs, all & rs->identity_mask, &rep->n_identity);
	r->medical =
	    bsc_ruleset_names(rs, all & rs->medical_mask, &rep->n_medical);
	rep->identity = r->identity;
	rep->medical = r->medical;
	rep->records = r->records;
	rep->records_identity = r->rid;
	rep->records_medical = r->rmed;
	rep->records_linked = r->rlinked;
	rep->violations = r->violations;
	rep->severity = bsc_severity_name(r->severity);
	rep->flags = r->flags;
	rep->n_flags = r->n_flags;
	fill_persons(r, rep);
	if (r->incomplete && rep->status == BSC_ITEM_COMPLETE) {
		snprintf(reason_buf, reason_len,
		         "%llu member(s) not read completely, first %s",
		         (unsigned long long)r->incomplete,
		         r->first_incomplete);
		rep->status = BSC_ITEM_PARTIAL;
		rep->reason = reason_buf;
	}
}
