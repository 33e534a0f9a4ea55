/*
 * header.h - column-header and field-name normalisation, and matching of
 * normalised names against the header vocabularies and subject words of a
 * rule set (the "header" detector).
 */
#ifndef BSC_HEADER_H
#define BSC_HEADER_H
#ifndef BSC_INTERNAL
#error "scanner-internal header"
#endif

#include "path.h"
#include "rules.h"

/*
 * Normalise a UTF-8 header: strip accents, split camelCase, lower-case,
 * runs of non-[a-z0-9] become '_', trim '_'. "Date de naissance" ->
 * "date_de_naissance", "dateNaissance" -> "date_naissance". Invalid UTF-8
 * bytes count as separators. Returns a new string owned by the caller.
 */
char *bsc_header_normalise(const char *s, size_t len);
/* The same into buf (cap bytes, no allocation): the result points into
 * buf, or NULL when s is too long for it (len > (cap - 1) / 6). */
char *bsc_header_normalise_buf(const char *s, size_t len, char *buf,
			       size_t cap);

/* True if the normalised name has token tok ("_"-separated part). */
bool bsc_header_has_token(const char *norm, const char *tok);

/*
 * Best header rule for a normalised name, or NULL. *strength gets 3 for a
 * whole-name match, 2 for a token sequence inside the name, 1 for a single
 * token (may be NULL). Ties: higher priority, then load order.
 */
const struct bsc_rule *bsc_header_classify(const struct bsc_ruleset *rs,
					   const char *norm, int *strength);
/*
 * The same, for a column of the item whose normalised path is file:
 * rules with file_tokens need one of them in it, rules with
 * not_file_tokens are vetoed by any of them. file may be NULL.
 */
const struct bsc_rule *bsc_header_classify_in(const struct bsc_ruleset *rs,
					      const char *norm,
					      const char *file, int *strength);
/* Does the item path (normalised, may be NULL) allow rule r? */
bool bsc_rule_file_ok(const struct bsc_rule *r, const char *file);

/* Whose data, as bsc_header_subject, knowing the item path. */
enum bsc_subject bsc_header_subject_in(const struct bsc_ruleset *rs,
				       const char *norm, const char *file);

/*
 * Classify a location path (XML and JSON slots). Path rules see the whole
 * path: the one that matches with the highest priority wins, then the most
 * specific (most literal tokens), then load order; it may be a
 * "category: none" rule (category -1), which says the location is known
 * and holds nothing to report. When no path rule matches, header rules
 * see only the leaf (the last element or attribute name; for an attribute
 * also "element_attribute"), exactly as they see a CSV header.
 * *strength gets 4 for a path rule, else the header strength (may be
 * NULL). Returns NULL when nothing matches.
 */
const struct bsc_rule *bsc_header_classify_path(const struct bsc_ruleset *rs,
						const struct bsc_path *p,
						int *strength);

/* Does path rule r match p (paths, requires and not_paths)? *spec gets
 * the literal tokens of its most specific matching pattern. */
bool bsc_header_path_rule_matches(const struct bsc_rule *r,
				  const struct bsc_path *p, size_t *spec);

/*
 * Whose data a column with this normalised name holds (subject rules).
 * For a location path, give it parsed as p (else NULL): subject rules
 * then also match by their paths.
 */
enum bsc_subject bsc_header_subject(const struct bsc_ruleset *rs,
				    const char *norm,
				    const struct bsc_path *p);

/* True if any token of norm is in the list (normalised entries). */
bool bsc_header_any_token(const char *norm, const struct bsc_strlist *l);

#endif
