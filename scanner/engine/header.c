/*
 * header.c - the header detector: normalises column headers and field
 * names (accents, camelCase, separators) and matches them against the
 * header vocabularies of the loaded rules. It knows no words itself: every
 * vocabulary comes from patterns/. Readers hand over raw names; scope.c
 * calls this once per column, never per cell.
 */
#include "header.h"

#include <ctype.h>
#include <string.h>

/* ASCII folding of U+00C0..U+00FF; "" means "not a letter". */
static const char *const latin1_fold[64] = {
	"A", "A", "A", "A", "A", "A", "AE", "C", /* C0 */
	"E", "E", "E", "E", "I", "I", "I", "I", /* C8 */
	"D", "N", "O", "O", "O", "O", "O", "",  /* D0 */
	"O", "U", "U", "U", "U", "Y", "TH", "ss", /* D8 */
	"a", "a", "a", "a", "a", "a", "ae", "c", /* E0 */
	"e", "e", "e", "e", "i", "i", "i", "i", /* E8 */
	"d", "n", "o", "o", "o", "o", "o", "",  /* F0 */
	"o", "u", "u", "u", "u", "y", "th", "y", /* F8 */
};

/* Decode one UTF-8 sequence; returns its length (1 on invalid bytes, with
 * *cp = 0xFFFD). */
static size_t
utf8_next(const unsigned char *s, size_t len, unsigned *cp)
{
	unsigned c = s[0];
	size_t n;

	if (c < 0x80) {
		*cp = c;
		return 1;
	}
	if (c >= 0xC2 && c <= 0xDF)
		n = 2;
	else if (c >= 0xE0 && c <= 0xEF)
		n = 3;
	else if (c >= 0xF0 && c <= 0xF4)
		n = 4;
	else
		goto bad;
	if (n > len)
		goto bad;
	*cp = c & (0xFFu >> (n + 1));
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xC0) != 0x80)
			goto bad;
		*cp = (*cp << 6) | (s[i] & 0x3Fu);
	}
	return n;
bad:
	*cp = 0xFFFD;
	return 1;
}

/* The work of bsc_header_normalise in caller memory: fold holds len * 2
 * bytes, out len * 4 + 1. */
static void
normalise_into(const char *s, size_t len, char *fold, char *out)
{
	/* Pass 1: fold to ASCII keeping case; non-letters become ' '. */
	size_t nf = 0;
	size_t no = 0;
	bool sep = true;

	for (size_t i = 0; i < len;) {
		unsigned cp;
		size_t n = utf8_next((const unsigned char *)s + i, len - i,
				     &cp);
		const char *f = NULL;

		i += n;
		if (cp < 0x80) {
			fold[nf++] = isalnum((int)cp) ? (char)cp : ' ';
			continue;
		}
		if (cp >= 0xC0 && cp <= 0xFF)
			f = latin1_fold[cp - 0xC0];
		else if (cp == 0x152)
			f = "OE";
		else if (cp == 0x153)
			f = "oe";
		else if (cp == 0x178)
			f = "Y";
		if (!f || !*f)
			f = " ";
		while (*f && nf < len * 2)
			fold[nf++] = *f++;
	}
	/* Pass 2: camelCase boundaries, lower-case, separators. */
	for (size_t i = 0; i < nf; i++) {
		char c = fold[i];
		bool boundary = false;

		if (c == ' ') {
			if (!sep)
				out[no++] = '_';
			sep = true;
			continue;
		}
		if (i > 0 && isupper((unsigned char)c)) {
			char p = fold[i - 1];

			if (islower((unsigned char)p) ||
			    isdigit((unsigned char)p))
				boundary = true;
			else if (isupper((unsigned char)p) && i + 1 < nf &&
				 islower((unsigned char)fold[i + 1]))
				boundary = true;
		}
		if (boundary && !sep)
			out[no++] = '_';
		out[no++] = (char)tolower((unsigned char)c);
		sep = false;
	}
	while (no > 0 && out[no - 1] == '_')
		no--;
	out[no] = '\0';
}

char *
bsc_header_normalise(const char *s, size_t len)
{
	char *fold = bsc_zalloc(len * 2 + 1);
	char *out = bsc_zalloc(len * 4 + 1);

	normalise_into(s, len, fold, out);
	free(fold);
	return out;
}

char *
bsc_header_normalise_buf(const char *s, size_t len, char *buf, size_t cap)
{
	if (len > (cap - 1) / 6)
		return NULL;
	normalise_into(s, len, buf, buf + len * 2);
	return buf + len * 2;
}

/* Does the '_'-token sequence seq occur in norm on token boundaries? */
static bool
has_seq(const char *norm, const char *seq)
{
	size_t ls = strlen(seq);
	const char *p = norm;

	if (ls == 0)
		return false;
	while ((p = strstr(p, seq))) {
		bool left = p == norm || p[-1] == '_';
		bool right = p[ls] == '\0' || p[ls] == '_';

		if (left && right)
			return true;
		p++;
	}
	return false;
}

bool
bsc_header_has_token(const char *norm, const char *tok)
{
	return strchr(tok, '_') == NULL && has_seq(norm, tok);
}

bool
bsc_header_any_token(const char *norm, const struct bsc_strlist *l)
{
	for (size_t i = 0; i < l->n; i++)
		if (has_seq(norm, l->v[i]))
			return true;
	return false;
}

/* Strength of rule r on norm: 0 (no match) to 3. */
static int
rule_strength(const struct bsc_rule *r, const char *norm)
{
	int best = 0;

	for (size_t i = 0; i < r->headers.n; i++) {
		const char *h = r->headers.v[i];

		if (strcmp(h, norm) == 0)
			return 3;
		if (best < 2 && strchr(h, '_') && has_seq(norm, h))
			best = 2;
	}
	if (best == 0 && bsc_header_any_token(norm, &r->tokens))
		best = 1;
	if (best && bsc_header_any_token(norm, &r->not_tokens))
		return 0;
	return best;
}

/* Does the item path allow rule r? */
static bool
file_ok(const struct bsc_rule *r, const char *file)
{
	if (r->file_tokens.n &&
	    (!file || !bsc_header_any_token(file, &r->file_tokens)))
		return false;
	if (r->not_file_tokens.n && file &&
	    bsc_header_any_token(file, &r->not_file_tokens))
		return false;
	return true;
}

bool
bsc_rule_file_ok(const struct bsc_rule *r, const char *file)
{
	return file_ok(r, file);
}

const struct bsc_rule *
bsc_header_classify(const struct bsc_ruleset *rs, const char *norm,
		    int *strength)
{
	return bsc_header_classify_in(rs, norm, NULL, strength);
}

const struct bsc_rule *
bsc_header_classify_in(const struct bsc_ruleset *rs, const char *norm,
		       const char *file, int *strength)
{
	const struct bsc_rule *best = NULL;
	int best_s = 0;

	if (strength)
		*strength = 0;
	if (!norm || !*norm)
		return NULL;
	for (size_t i = 0; i < rs->header_rules.n; i++) {
		const struct bsc_rule *r = rs->header_rules.v[i];
		int s = rule_strength(r, norm);

		if (s == 0 || !file_ok(r, file))
			continue;
		if (!best || s > best_s ||
		    (s == best_s && r->priority > best->priority)) {
			best = r;
			best_s = s;
		}
	}
	if (strength)
		*strength = best_s;
	return best;
}

bool
bsc_header_path_rule_matches(const struct bsc_rule *r,
			     const struct bsc_path *p, size_t *spec)
{
	size_t best = 0;
	bool any = false;

	for (size_t i = 0; i < r->paths.n; i++) {
		const struct bsc_path_pattern *pat = r->paths.v[i];

		if (bsc_path_match(p, pat)) {
			any = true;
			if (pat->literals > best)
				best = pat->literals;
		}
	}
	if (!any)
		return false;
	if (r->requires.n) {
		bool req = false;

		for (size_t i = 0; i < r->requires.n && !req; i++)
			req = bsc_path_match(p, r->requires.v[i]);
		if (!req)
			return false;
	}
	for (size_t i = 0; i < r->not_paths.n; i++)
		if (bsc_path_match(p, r->not_paths.v[i]))
			return false;
	if (spec)
		*spec = best;
	return true;
}

const struct bsc_rule *
bsc_header_classify_path(const struct bsc_ruleset *rs,
			 const struct bsc_path *p, int *strength)
{
	const struct bsc_rule *best = NULL;
	size_t best_spec = 0;
	int s1 = 0, s2 = 0;
	const struct bsc_rule *h1, *h2;

	for (size_t i = 0; i < rs->path_rules.n; i++) {
		const struct bsc_rule *r = rs->path_rules.v[i];
		size_t spec = 0;

		if (!bsc_header_path_rule_matches(r, p, &spec))
			continue;
		if (!best || r->priority > best->priority ||
		    (r->priority == best->priority && spec > best_spec)) {
			best = r;
			best_spec = spec;
		}
	}
	if (best) {
		if (strength)
			*strength = 4;
		return best;
	}
	h1 = bsc_header_classify(rs, p->leaf, &s1);
	h2 = p->leaf2 ? bsc_header_classify(rs, p->leaf2, &s2) : NULL;
	if (h2 && (!h1 || s2 > s1)) {
		h1 = h2;
		s1 = s2;
	}
	if (strength)
		*strength = s1;
	return h1;
}

static bool
subject_paths(const struct bsc_rule *r, const struct bsc_path *p)
{
	for (size_t i = 0; p && i < r->paths.n; i++)
		if (bsc_path_match(p, r->paths.v[i]))
			return true;
	return false;
}

static enum bsc_subject
subject_of(const struct bsc_ruleset *rs, const char *norm, const char *file,
	   const struct bsc_path *p)
{
	/* Professionals and relatives first: "medecin_patient" is about a
	 * doctor. */
	static const enum bsc_subject order[] = {
		BSC_SUBJECT_PROFESSIONAL, BSC_SUBJECT_RELATED,
		BSC_SUBJECT_PATIENT, BSC_SUBJECT_ORGANIZATION};

	if (!norm || !*norm)
		return BSC_SUBJECT_UNKNOWN;
	for (size_t k = 0; k < BSC_ARRAY_SIZE(order); k++) {
		for (size_t i = 0; i < rs->subject_rules.n; i++) {
			const struct bsc_rule *r = rs->subject_rules.v[i];

			if (r->subject != order[k] || !file_ok(r, file))
				continue;
			if (rule_strength(r, norm) > 0 || subject_paths(r, p))
				return r->subject;
		}
	}
	return BSC_SUBJECT_UNKNOWN;
}

enum bsc_subject
bsc_header_subject(const struct bsc_ruleset *rs, const char *norm,
		   const struct bsc_path *p)
{
	return subject_of(rs, norm, NULL, p);
}

enum bsc_subject
bsc_header_subject_in(const struct bsc_ruleset *rs, const char *norm,
		      const char *file)
{
	return subject_of(rs, norm, file, NULL);
}
