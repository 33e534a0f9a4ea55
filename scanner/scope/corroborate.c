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
 * start alike. Otherwise the finding is low: listed, never counted.
 */
#include "corroborate.h"

#include "header.h"
#include "persons.h"

uint64_t
bsc_corr_lead_bit(const char *match, size_t len)
{
	unsigned char c;

	while (len && (*match == ' ' || *match == '\t')) {
		match++;
		len--;
	}
	if (!len)
		return 0;
	c = (unsigned char)*match;
	if (c >= 'A' && c <= 'Z')
		return 1ull << (c - 'A');
	if (c >= 'a' && c <= 'z')
		return 1ull << (c - 'a');
	if (c >= '0' && c <= '9')
		return 1ull << (26 + c - '0');
	return 0;
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
	if ((unsigned)__builtin_popcountll(lead) < spread_needed(r, hits))
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
