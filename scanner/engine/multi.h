/*
 * multi.h - the multi-pattern pass of the detection engine: one Hyperscan
 * (or Vectorscan) scan over a cell's bytes finds the keywords of every
 * rule at once, whatever the cell's length. See engine/README.md.
 */
#ifndef BSC_MULTI_H
#define BSC_MULTI_H
#ifndef BSC_INTERNAL
#error "scanner-internal header"
#endif

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct bsc_ruleset;

/* A compiled keyword set (read-only once built: threads share it). */
struct bsc_multi;

/* Per-thread scan scratch; zero-initialise, release with
 * bsc_multi_scratch_release. */
struct bsc_multi_scratch {
	void *hs;                  /* hs_scratch_t* */
	const struct bsc_multi *m; /* the set it was last sized for */
	unsigned long gen;
};

/*
 * Compile every keyword of the rule set's keyword index (rs->kw_by_first)
 * into one caseless literal set; gen tells sets apart. Returns NULL when
 * there is no keyword or the library refuses (the caller then keeps the
 * per-byte index). Owned by the caller: bsc_multi_free.
 */
struct bsc_multi *bsc_multi_build(const struct bsc_ruleset *rs,
                                  unsigned long gen);
void bsc_multi_free(struct bsc_multi *m);

/*
 * Set bit kw_index in bits (BSC_KW_RULES_MAX bits, cleared by the caller)
 * for every rule with a keyword in s[0..len): ASCII case-insensitive
 * substring, exactly as bsc_ascii_icontains. Returns false if the scan
 * could not run (no memory for scratch): bits are then meaningless.
 */
bool bsc_multi_keywords(const struct bsc_multi *m, struct bsc_multi_scratch *sc,
                        const char *s, size_t len, uint64_t *bits);

void bsc_multi_scratch_release(struct bsc_multi_scratch *sc);

#endif
