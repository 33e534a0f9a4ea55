/*
 * plan.c - candidate selection (detectors stage): the value rules a cell
 * can match, from its digit count and the keyword bits of the one-pass
 * search (multi.c), as a bitset. scope.c then runs the regex and the
 * validator of the candidates only, in rule order. Built once when the
 * rules are loaded; read-only afterwards (threads share it).
 */
#include "plan.h"

#include <stdlib.h>

#include "detect.h"
#include "rules.h"
#include "util.h"

struct bsc_plan *
bsc_plan_build(const struct bsc_ruleset *rs)
{
	struct bsc_plan *p = bsc_zalloc(sizeof(*p));
	size_t nr = rs->value_rules.n;

	p->words = (nr + 63) / 64;
	if (p->words == 0)
		p->words = 1;
	p->maxd = 0;
	for (size_t i = 0; i < nr; i++) {
		const struct bsc_rule *r = rs->value_rules.v[i];

		if (r->min_digits > p->maxd)
			p->maxd = r->min_digits;
	}
	if (p->maxd > BSC_PLAN_MAX_DIGITS)
		p->maxd = BSC_PLAN_MAX_DIGITS;
	p->digit_ok = bsc_zalloc((p->maxd + 1) * p->words * sizeof(uint64_t));
	p->kw_gated = bsc_zalloc(p->words * sizeof(uint64_t));
	p->n_kw = rs->n_kw_rules;
	p->kw_value = bsc_zalloc((p->n_kw ? p->n_kw : 1) * sizeof(int));
	for (unsigned k = 0; k < p->n_kw; k++)
		p->kw_value[k] = -1;
	for (size_t i = 0; i < nr; i++) {
		const struct bsc_rule *r = rs->value_rules.v[i];
		uint64_t bit = 1ull << (i & 63);

		/* A rule asking for more digits than the table knows is
		 * left to bsc_detect_value: candidate from maxd on. */
		for (unsigned d = 0; d <= p->maxd; d++)
			if (r->min_digits <= d || d == p->maxd)
				p->digit_ok[d * p->words + i / 64] |= bit;
		if (r->keywords.n && r->kw_index >= 0) {
			p->kw_gated[i / 64] |= bit;
			p->kw_value[r->kw_index] = (int)i;
		}
	}
	return p;
}

void
bsc_plan_free(struct bsc_plan *p)
{
	if (!p)
		return;
	free(p->digit_ok);
	free(p->kw_gated);
	free(p->kw_value);
	free(p);
}

void
bsc_plan_candidates(const struct bsc_plan *p, const uint64_t *live,
                    const struct bsc_cell_info *info, uint64_t *cand)
{
	unsigned d = info->digits < p->maxd ? info->digits : p->maxd;
	const uint64_t *dok = p->digit_ok + (size_t)d * p->words;

	for (size_t w = 0; w < p->words; w++)
		cand[w] = live[w] & dok[w];
	if (!info->kw_valid)
		return; /* bsc_detect_value scans for the keywords itself */
	for (size_t w = 0; w < p->words; w++) {
		uint64_t gated = p->kw_gated[w];

		cand[w] &=
		    ~gated; /* gated rules come back if their bit is on */
	}
	for (size_t w = 0; w < BSC_KW_RULES_MAX / 64; w++) {
		uint64_t b = info->kw[w];

		while (b) {
			unsigned k =
			    (unsigned)(w * 64) + (unsigned)__builtin_ctzll(b);
			int v;

			b &= b - 1;
			if (k >= p->n_kw || (v = p->kw_value[k]) < 0)
				continue;
			cand[v / 64] |=
			    live[v / 64] & dok[v / 64] & (1ull << (v & 63));
		}
	}
}
