/*
 * multi.c - the multi-pattern pass (detectors stage): every rule keyword
 * of the rule set compiled once, after the rules are loaded, into one
 * Hyperscan literal database; each cell is then scanned once for all of
 * them, in one pass over its bytes and with no allocation. detect.c uses
 * the resulting bits as the keyword prefilter of every rule. The database
 * is shared read-only; each thread has its own scratch (ctx).
 */
#include "multi.h"

#include <stdlib.h>

#include <hs.h>

#include "rules.h"
#include "util.h"

struct bsc_multi {
	hs_database_t *db;
	unsigned *kw_index; /* by literal id: the rule's kw_index */
	unsigned long gen;
};

struct bsc_multi *
bsc_multi_build(const struct bsc_ruleset *rs, unsigned long gen)
{
	size_t n = 0, k = 0;
	const char **lits;
	size_t *lens;
	unsigned *flags, *ids;
	struct bsc_multi *m;
	hs_compile_error_t *err = NULL;

	for (size_t c = 0; c < 256; c++)
		n += rs->kw_n[c];
	if (n == 0 || n > 1000000)
		return NULL;
	m = bsc_zalloc(sizeof(*m));
	m->gen = gen;
	m->kw_index = bsc_zalloc(n * sizeof(unsigned));
	lits = bsc_zalloc(n * sizeof(*lits));
	lens = bsc_zalloc(n * sizeof(*lens));
	flags = bsc_zalloc(n * sizeof(*flags));
	ids = bsc_zalloc(n * sizeof(*ids));
	for (size_t c = 0; c < 256; c++)
		for (size_t j = 0; j < rs->kw_n[c]; j++, k++) {
			lits[k] = rs->kw_by_first[c][j].kw;
			lens[k] = rs->kw_by_first[c][j].len;
			/* Without HS_FLAG_UTF8, caseless folds ASCII letters
			 * only: the semantics of bsc_ascii_icontains. */
			flags[k] = HS_FLAG_CASELESS | HS_FLAG_SINGLEMATCH;
			ids[k] = (unsigned)k;
			m->kw_index[k] = rs->kw_by_first[c][j].index;
		}
	if (hs_compile_lit_multi(lits, flags, ids, lens, (unsigned)n,
	                         HS_MODE_BLOCK, NULL, &m->db,
	                         &err) != HS_SUCCESS) {
		hs_free_compile_error(err);
		free(m->kw_index);
		free(m);
		m = NULL;
	}
	free(lits);
	free(lens);
	free(flags);
	free(ids);
	return m;
}

void
bsc_multi_free(struct bsc_multi *m)
{
	if (!m)
		return;
	hs_free_database(m->db);
	free(m->kw_index);
	free(m);
}

struct hit_ctx {
	const struct bsc_multi *m;
	uint64_t *bits;
};

static int
on_hit(unsigned id, unsigned long long from, unsigned long long to, unsigned fl,
       void *data)
{
	struct hit_ctx *h = data;
	unsigned ix = h->m->kw_index[id];

	(void)from;
	(void)to;
	(void)fl;
	h->bits[ix >> 6] |= 1ull << (ix & 63);
	return 0;
}

bool
bsc_multi_keywords(const struct bsc_multi *m, struct bsc_multi_scratch *sc,
                   const char *s, size_t len, uint64_t *bits)
{
	struct hit_ctx h = {m, bits};

	if (sc->m != m || sc->gen != m->gen || !sc->hs) {
		hs_scratch_t *hs = sc->hs;

		/* Grows an existing scratch, or makes one. */
		if (hs_alloc_scratch(m->db, &hs) != HS_SUCCESS)
			return false;
		sc->hs = hs;
		sc->m = m;
		sc->gen = m->gen;
	}
	if (len > 0xffffffffu)
		return false;
	return hs_scan(m->db, len ? s : "", (unsigned)len, 0, sc->hs, on_hit,
	               &h) == HS_SUCCESS;
}

void
bsc_multi_scratch_release(struct bsc_multi_scratch *sc)
{
	if (sc->hs)
		hs_free_scratch(sc->hs);
	sc->hs = NULL;
	sc->m = NULL;
}
