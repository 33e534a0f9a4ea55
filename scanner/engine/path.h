/*
 * path.h - location paths, the slot names that the XML and JSON readers
 * give to fields ("/ClinicalDocument/recordTarget/patientRole/
 * id[1.2.250.1.213.1.4.8]/@extension"), and the token patterns that the
 * path rules of patterns/ match against them. See README "Slot names".
 */
#ifndef BSC_PATH_H
#define BSC_PATH_H
#ifndef BSC_INTERNAL
#error "scanner-internal header"
#endif

#include <stdbool.h>
#include <stddef.h>

/*
 * A path pattern, compiled from a rule's text such as
 * "patient_role_id_*_extension$": header-normalised tokens, where "*"
 * stands for the qualifier of the element before it, or for the rest of a
 * qualifier whose first tokens were spelt ("id_1_2_250_1_213_1_4_*": any
 * OID under 1.2.250.1.213.1.4), or for nothing when there is none; a
 * final '$' anchors the pattern at the end of the path. Unanchored
 * patterns match anywhere on token boundaries.
 */
struct bsc_path_pattern {
	char *text; /* as written, for messages */
	char **tok; /* normalised tokens, "*" for a qualifier */
	size_t n;
	bool anchored;	 /* must end where the path ends ('$') */
	bool at_start;	 /* must start where the path starts ('^') */
	size_t literals; /* tokens other than "*": how specific it is */
};

/* Compile text; NULL when it holds no token. Free with _free. */
struct bsc_path_pattern *bsc_path_pattern_new(const char *text);
void bsc_path_pattern_free(struct bsc_path_pattern *p);

struct bsc_path_tok {
	const char *s;
	size_t len;
	int qual; /* qualifier number, -1 for a name token */
};

/* A parsed location path. */
struct bsc_path {
	char *buf;		  /* token storage */
	struct bsc_path_tok *tok; /* every token, in path order */
	size_t n;
	char *norm;  /* all tokens joined with '_' (what subject rules see) */
	char *leaf;  /* the last element or attribute name, normalised */
	char *leaf2; /* for an attribute: element and attribute; or NULL */
};

/* True when a slot name is a location path (it starts with '/'). */
bool bsc_path_is_path(const char *name);

/*
 * Parse a path: components are separated by '/' (outside brackets);
 * "name[qualifier]" is an element, "@name" an attribute. Never fails;
 * release with bsc_path_release.
 */
void bsc_path_parse(struct bsc_path *p, const char *name);
void bsc_path_release(struct bsc_path *p);

/* Does pattern pat occur in path p? */
bool bsc_path_match(const struct bsc_path *p,
		    const struct bsc_path_pattern *pat);

#endif
