/*
 * path.c - location paths and path patterns (detectors stage, used by
 * header.c for the path rules of patterns/cda and patterns/fhir). A path
 * is split into components; each component's name and qualifier are
 * header-normalised into tokens, qualifier tokens keeping a mark so that
 * "*" in a pattern can stand for one whole qualifier (an OID, a code
 * system URL) without ever spanning two path components. Nothing here
 * knows a word of any vocabulary.
 */
#include "path.h"

#include <string.h>

#include "header.h"
#include "util.h"

/* Append the '_'-separated tokens of a normalised string to a list. */
static void
add_tokens(char ***tok, size_t *n, const char *norm)
{
	const char *p = norm;

	while (*p) {
		const char *e = strchr(p, '_');
		size_t len = e ? (size_t)(e - p) : strlen(p);

		if (len) {
			*tok = bsc_reallocarray(*tok, *n + 1, sizeof(char *));
			(*tok)[(*n)++] = bsc_strndup(p, len);
		}
		p += len;
		if (*p == '_')
			p++;
	}
}

struct bsc_path_pattern *
bsc_path_pattern_new(const char *text)
{
	struct bsc_path_pattern *pat = bsc_zalloc(sizeof(*pat));
	size_t len = strlen(text);
	const char *p = text;

	pat->text = bsc_strdup(text);
	while (*p == ' ' || *p == '^') {
		if (*p == '^')
			pat->at_start = true;
		p++;
	}
	while (len && (text[len - 1] == ' ' || text[len - 1] == '$')) {
		if (text[len - 1] == '$')
			pat->anchored = true;
		len--;
	}
	while (p < text + len) {
		const char *star = memchr(p, '*', (size_t)(text + len - p));
		size_t plen =
		    star ? (size_t)(star - p) : (size_t)(text + len - p);
		char *norm = bsc_header_normalise(p, plen);

		add_tokens(&pat->tok, &pat->n, norm);
		free(norm);
		if (!star)
			break;
		pat->tok =
		    bsc_reallocarray(pat->tok, pat->n + 1, sizeof(char *));
		pat->tok[pat->n++] = bsc_strdup("*");
		p = star + 1;
	}
	for (size_t i = 0; i < pat->n; i++)
		pat->literals += strcmp(pat->tok[i], "*") != 0;
	if (pat->literals == 0) {
		bsc_path_pattern_free(pat);
		return NULL;
	}
	return pat;
}

void
bsc_path_pattern_free(struct bsc_path_pattern *p)
{
	if (!p)
		return;
	for (size_t i = 0; i < p->n; i++)
		free(p->tok[i]);
	free(p->tok);
	free(p->text);
	free(p);
}

bool
bsc_path_is_path(const char *name)
{
	return name && name[0] == '/';
}

/* Storage for tokens while parsing: offsets into one buffer. */
struct builder {
	char *buf;
	size_t len, cap;
	size_t *off;
	size_t *tlen;
	int *qual;
	size_t n;
};

static void
push_norm(struct builder *b, const char *norm, int qual)
{
	const char *p = norm;

	while (*p) {
		const char *e = strchr(p, '_');
		size_t len = e ? (size_t)(e - p) : strlen(p);

		if (len) {
			if (b->len + len + 1 > b->cap) {
				b->cap = (b->len + len + 1) * 2;
				b->buf = bsc_realloc(b->buf, b->cap);
			}
			b->off =
			    bsc_reallocarray(b->off, b->n + 1, sizeof(size_t));
			b->tlen =
			    bsc_reallocarray(b->tlen, b->n + 1, sizeof(size_t));
			b->qual =
			    bsc_reallocarray(b->qual, b->n + 1, sizeof(int));
			memcpy(b->buf + b->len, p, len);
			b->off[b->n] = b->len;
			b->tlen[b->n] = len;
			b->qual[b->n] = qual;
			b->n++;
			b->len += len;
			b->buf[b->len++] = '\0';
		}
		p += len;
		if (*p == '_')
			p++;
	}
}

/* End of the component starting at s: the next '/' outside brackets. */
static const char *
component_end(const char *s)
{
	bool inq = false;

	for (; *s; s++) {
		if (*s == '[')
			inq = true;
		else if (*s == ']')
			inq = false;
		else if (*s == '/' && !inq)
			break;
	}
	return s;
}

void
bsc_path_parse(struct bsc_path *p, const char *name)
{
	struct builder b = {0};
	const char *s = name ? name : "";
	const char *last_elem = NULL, *last = NULL;
	size_t last_elem_len = 0, last_len = 0;
	bool last_attr = false;
	int nq = 0;
	size_t normlen = 0;

	memset(p, 0, sizeof(*p));
	while (*s) {
		const char *e;
		const char *lb;
		size_t nlen;
		char *norm;

		if (*s == '/') {
			s++;
			continue;
		}
		e = component_end(s);
		lb = memchr(s, '[', (size_t)(e - s));
		nlen = lb ? (size_t)(lb - s) : (size_t)(e - s);
		if (*s == '@') {
			last_attr = true;
			last = s + 1;
			last_len = nlen - 1;
		} else {
			last_attr = false;
			last_elem = last = s;
			last_elem_len = last_len = nlen;
		}
		norm = bsc_header_normalise(s, nlen);
		push_norm(&b, norm, -1);
		free(norm);
		if (lb) {
			const char *rb = memchr(lb, ']', (size_t)(e - lb));
			size_t qlen =
			    rb ? (size_t)(rb - lb - 1) : (size_t)(e - lb - 1);

			norm = bsc_header_normalise(lb + 1, qlen);
			push_norm(&b, norm, nq++);
			free(norm);
		}
		s = e;
	}
	p->buf = b.buf ? b.buf : bsc_zalloc(1);
	p->n = b.n;
	p->tok = bsc_zalloc((b.n ? b.n : 1) * sizeof(*p->tok));
	for (size_t i = 0; i < b.n; i++) {
		p->tok[i].s = p->buf + b.off[i];
		p->tok[i].len = b.tlen[i];
		p->tok[i].qual = b.qual[i];
		normlen += b.tlen[i] + 1;
	}
	p->norm = bsc_zalloc(normlen + 1);
	for (size_t i = 0, o = 0; i < b.n; i++) {
		if (i)
			p->norm[o++] = '_';
		memcpy(p->norm + o, p->tok[i].s, p->tok[i].len);
		o += p->tok[i].len;
	}
	p->leaf = last ? bsc_header_normalise(last, last_len) : bsc_strdup("");
	if (last_attr && last_elem) {
		char *both = bsc_asprintf("%.*s_%.*s", (int)last_elem_len,
					  last_elem, (int)last_len, last);

		p->leaf2 = bsc_header_normalise(both, strlen(both));
		free(both);
	}
	free(b.off);
	free(b.tlen);
	free(b.qual);
}

void
bsc_path_release(struct bsc_path *p)
{
	free(p->buf);
	free(p->tok);
	free(p->norm);
	free(p->leaf);
	free(p->leaf2);
	memset(p, 0, sizeof(*p));
}

static bool
tok_eq(const struct bsc_path_tok *t, const char *s)
{
	return strlen(s) == t->len && !memcmp(t->s, s, t->len);
}

/* Match pat->tok[j..] against p->tok[i..]. No backtracking is needed: a
 * "*" takes the rest of the qualifier at i when there is one (all of it
 * right after an element name, the end of an OID after its first arcs),
 * else nothing. */
static bool
match_at(const struct bsc_path *p, size_t i, const struct bsc_path_pattern *pat,
	 size_t j)
{
	for (; j < pat->n; j++) {
		if (!strcmp(pat->tok[j], "*")) {
			if (i < p->n && p->tok[i].qual >= 0) {
				int q = p->tok[i].qual;

				while (i < p->n && p->tok[i].qual == q)
					i++;
			}
			continue;
		}
		if (i >= p->n || !tok_eq(&p->tok[i], pat->tok[j]))
			return false;
		i++;
	}
	return !pat->anchored || i == p->n;
}

bool
bsc_path_match(const struct bsc_path *p, const struct bsc_path_pattern *pat)
{
	if (!pat || pat->n == 0)
		return false;
	for (size_t i = 0; i < p->n; i++) {
		if (match_at(p, i, pat, 0))
			return true;
		if (pat->at_start)
			break;
	}
	return false;
}
