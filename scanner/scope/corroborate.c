/*
 * corroborate.c - evidence for code-shaped columns (scope stage, called by
 * scope.c when it classifies a column). A value that merely has the shape
 * of a code (B20, I71, DEQP003, A10BA02) is also a room, a catalogue
 * reference, a spreadsheet cell or an appointment id. A column rule marked
 * `corroborate` in patterns/ therefore speaks only when, besides its
 * header (checked by the caller):
 *   - the item path names the code system or the data (`pmsi`, `rss`,
 *     `diagnostics`: the rule's corroborate_file_tokens), or
 *   - the table says so: another column named for medical data, a patient
 *     identifier, a national id, a birth date or a stay, or a label column
 *     whose values
 *     read like the nomenclature of the rule's category;
 * and, in both cases, the values spread over several leading characters
 * as codes of a real column do (CIM-10 chapters, CCAM systems, ATC
 * groups), where rooms (B20, B21 ...) and appointment ids (R1234 ...) all
 * start alike, or carry subdivisions after a dot (E11.9), which rooms,
 * cells and ids never do. Otherwise the finding is low: listed, never
 * counted.
 */
#include "corroborate.h"

#include "header.h"
#include "persons.h"

/* Set in a lead mask when a code carries a subdivision after a dot
 * (E11.9, K80.20): rooms, cells and appointment ids never do. */
#define SUBCODE_BIT (1ull << 62)
#define LEAD_MASK ((1ull << 36) - 1)

/* A dot between digits in the match: a CIM-10 subdivision. */
static uint64_t
subcode_bit(const char *m, size_t len)
{
	for (size_t i = 1; i + 1 < len; i++)
		if (m[i] == '.' && m[i - 1] >= '0' && m[i - 1] <= '9' &&
		    m[i + 1] >= '0' && m[i + 1] <= '9')
			return SUBCODE_BIT;
	return 0;
}

uint64_t
bsc_corr_lead_bit(const char *match, size_t len)
{
	uint64_t sub = subcode_bit(match, len);
	unsigned char c;

	while (len && (*match == ' ' || *match == '\t')) {
		match++;
		len--;
	}
	if (!len)
		return 0;
	c = (unsigned char)*match;
	if (c >= 'A' && c <= 'Z')
		return sub | 1ull << (c - 'A');
	if (c >= 'a' && c <= 'z')
		return sub | 1ull << (c - 'a');
	if (c >= '0' && c <= '9')
		return sub | 1ull << (26 + c - '0');
	return sub;
}

/* Categories whose column, next to codes, makes the table a care one:
 * medical data, a stay or a patient identifier, a national id, a birth
 * date (persons, not products). */
static uint64_t
context_mask(const struct bsc_ruleset *rs)
{
	uint64_t m = rs->medical_mask;

	for (size_t c = 0; c < rs->n_cats; c++)
		if (rs->cats[c].care_signal ||
		    rs->cats[c].person_key == BSC_PK_NIR ||
		    rs->cats[c].person_key == BSC_PK_BIRTH_DATE)
			m |= 1ull << c;
	return m;
}

/* Does a column other than self say the table is about care? */
static bool
table_says(const struct bsc_ruleset *rs, const struct bsc_rule *r,
	   const struct bsc_corr_slot *slots, size_t n, size_t self)
{
	uint64_t ctx = context_mask(rs);
	uint64_t own = 1ull << r->category;

	for (size_t i = 0; i < n; i++) {
		if (i == self)
			continue;
		if ((slots[i].header_cats & ctx) || (slots[i].label_cats & own))
			return true;
	}
	return false;
}

/* Leading characters a column of `hits` codes should spread over: the
 * rule's min_spread, less for a short column (2 codes cannot span 3
 * chapters). */
static unsigned
spread_needed(const struct bsc_rule *r, uint64_t hits)
{
	uint64_t cap = hits / 3 + 1;

	return r->min_spread < cap ? r->min_spread : (unsigned)cap;
}

enum bsc_corr_verdict
bsc_corroborate(const struct bsc_ruleset *rs, const struct bsc_rule *r,
		const char *file, const struct bsc_corr_slot *slots, size_t n,
		size_t self, uint64_t lead, uint64_t hits)
{
	bool by_file = file && r->corroborate_files.n &&
		       bsc_header_any_token(file, &r->corroborate_files);

	if (!r->corroborate)
		return BSC_CORR_OK;
	if (!by_file && !table_says(rs, r, slots, n, self))
		return BSC_CORR_NONE;
	/* Codes of one chapter (a diabetes clinic's E10, E11.9, E66.0) are
	 * still codes when they carry subdivisions. */
	if ((unsigned)__builtin_popcountll(lead & LEAD_MASK) <
		    spread_needed(r, hits) &&
	    !(lead & SUBCODE_BIT))
		return BSC_CORR_NARROW;
	return BSC_CORR_OK;
}

const char *
bsc_corr_note(enum bsc_corr_verdict v)
{
	switch (v) {
	case BSC_CORR_NONE:
		return "code-shaped values, nothing else says they are "
		       "medical (no code-system header, no medical or "
		       "patient column, no telling file name)";
	case BSC_CORR_NARROW:
		return "code-shaped values that do not spread like codes "
		       "(rooms, references or ids that all start alike)";
	case BSC_CORR_OK:
		break;
	}
	return NULL;
}
