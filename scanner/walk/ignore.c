/*
 * ignore.c - the walker's filter (walk stage): --exclude, --include and
 * .breachscopeignore patterns in gitignore syntax, matched against the
 * path of an entry relative to its scanned root. A pattern is split into
 * "/"-separated parts; each part is matched by fnmatch(3) against one
 * name (so "*", "?" and "[a-z]" never cross a "/"), and a "**" part
 * matches any number of names. The last pattern that matches decides, as
 * in git. It only answers questions; the walker does the leaving out.
 */
#include "ignore.h"

#include <errno.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

/* Deeper paths or patterns are not matched (the walker stops at 256). */
#define MAX_PARTS 512

struct pattern {
	char *text;    /* the parts, "/"-separated; "**" first if floating */
	bool negate;   /* "!": re-include */
	bool dir_only; /* trailing "/" */
};

struct bsc_ignore {
	struct pattern *v;
	size_t n;
	struct pattern *inc; /* --include */
	size_t n_inc;
};

struct bsc_ignore *
bsc_ignore_new(void)
{
	return bsc_zalloc(sizeof(struct bsc_ignore));
}

void
bsc_ignore_free(struct bsc_ignore *ig)
{
	if (!ig)
		return;
	for (size_t i = 0; i < ig->n; i++)
		free(ig->v[i].text);
	for (size_t i = 0; i < ig->n_inc; i++)
		free(ig->inc[i].text);
	free(ig->v);
	free(ig->inc);
	free(ig);
}

/* Parse one line into p; false for a comment or a blank line. */
static bool
parse_line(const char *line, struct pattern *p)
{
	size_t n = strlen(line);
	const char *s = line;
	bool anchored;
	char *body;

	memset(p, 0, sizeof(*p));
	while (n && (line[n - 1] == '\n' || line[n - 1] == '\r'))
		n--;
	/* Trailing spaces go, unless escaped with a backslash. */
	while (n && line[n - 1] == ' ' && !(n >= 2 && line[n - 2] == '\\'))
		n--;
	if (!n || line[0] == '#')
		return false;
	if (line[0] == '!') {
		p->negate = true;
		s++;
	} else if (line[0] == '\\' && (line[1] == '#' || line[1] == '!')) {
		s++;
	}
	body = bsc_strndup(s, n - (size_t)(s - line));
	n = strlen(body);
	if (n && body[n - 1] == '/') {
		p->dir_only = true;
		body[--n] = '\0';
	}
	if (!n) {
		free(body);
		return false;
	}
	/* A "/" at the start or in the middle anchors it at the root. */
	anchored = strchr(body, '/') != NULL;
	p->text = anchored ? bsc_strdup(body + (body[0] == '/'))
	                   : bsc_asprintf("**/%s", body);
	free(body);
	return p->text[0] != '\0';
}

void
bsc_ignore_add(struct bsc_ignore *ig, const char *line)
{
	struct pattern p;

	if (!parse_line(line, &p)) {
		free(p.text);
		return;
	}
	ig->v = bsc_reallocarray(ig->v, ig->n + 1, sizeof(p));
	ig->v[ig->n++] = p;
}

void
bsc_ignore_add_include(struct bsc_ignore *ig, const char *glob)
{
	struct pattern p;

	if (!parse_line(glob, &p)) {
		free(p.text);
		return;
	}
	p.negate = false;
	ig->inc = bsc_reallocarray(ig->inc, ig->n_inc + 1, sizeof(p));
	ig->inc[ig->n_inc++] = p;
}

bool
bsc_ignore_add_file(struct bsc_ignore *ig, const char *path)
{
	FILE *f = fopen(path, "r");
	char *line = NULL;
	size_t cap = 0;

	if (!f)
		return false;
	while (getline(&line, &cap, f) > 0)
		bsc_ignore_add(ig, line);
	free(line);
	if (ferror(f)) {
		int e = errno;

		fclose(f);
		errno = e ? e : EIO;
		return false;
	}
	fclose(f);
	return true;
}

static struct pattern
copy_pattern(const struct pattern *p)
{
	struct pattern c = *p;

	c.text = bsc_strdup(p->text);
	return c;
}

void
bsc_ignore_append(struct bsc_ignore *dst, const struct bsc_ignore *src)
{
	if (!src)
		return;
	dst->v = bsc_reallocarray(dst->v, dst->n + src->n + 1, sizeof(*dst->v));
	for (size_t i = 0; i < src->n; i++)
		dst->v[dst->n++] = copy_pattern(&src->v[i]);
	dst->inc = bsc_reallocarray(dst->inc, dst->n_inc + src->n_inc + 1,
	                            sizeof(*dst->inc));
	for (size_t i = 0; i < src->n_inc; i++)
		dst->inc[dst->n_inc++] = copy_pattern(&src->inc[i]);
}

bool
bsc_ignore_empty(const struct bsc_ignore *ig)
{
	return !ig || (!ig->n && !ig->n_inc);
}

/* Split s (modified) at "/" into parts; returns how many, 0 if too many. */
static size_t
split(char *s, char **parts)
{
	size_t n = 0;

	for (char *t = s;; t++) {
		if (n == MAX_PARTS)
			return 0;
		parts[n++] = t;
		t = strchr(t, '/');
		if (!t)
			return n;
		*t = '\0';
	}
}

static bool
match_parts(char **pat, size_t np, char **name, size_t nn)
{
	while (np && strcmp(pat[0], "**")) {
		if (!nn || fnmatch(pat[0], name[0], 0) != 0)
			return false;
		pat++, np--, name++, nn--;
	}
	if (!np)
		return nn == 0;
	while (np > 1 && !strcmp(pat[1], "**"))
		pat++, np--; /* "**" / "**": one is enough */
	for (size_t k = 0; k <= nn; k++)
		if (match_parts(pat + 1, np - 1, name + k, nn - k))
			return true;
	return false;
}

static bool
matches(const struct pattern *p, char **name, size_t nn, bool is_dir)
{
	char *text, *parts[MAX_PARTS];
	size_t np;
	bool ok;

	if (p->dir_only && !is_dir)
		return false;
	text = bsc_strdup(p->text);
	np = split(text, parts);
	ok = np && match_parts(parts, np, name, nn);
	free(text);
	return ok;
}

bool
bsc_ignore_excluded(const struct bsc_ignore *ig, const char *rel, bool is_dir)
{
	char *copy, *name[MAX_PARTS];
	size_t nn;
	bool out = false;

	if (bsc_ignore_empty(ig))
		return false;
	copy = bsc_strdup(rel);
	nn = split(copy, name);
	for (size_t i = ig->n; nn && i-- > 0;) {
		if (matches(&ig->v[i], name, nn, is_dir)) {
			out = !ig->v[i].negate;
			break;
		}
	}
	if (!out && !is_dir && nn && ig->n_inc) {
		out = true;
		for (size_t i = 0; i < ig->n_inc && out; i++)
			out = !matches(&ig->inc[i], name, nn, false);
	}
	free(copy);
	return out;
}
