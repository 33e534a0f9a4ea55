/*
 * baseline.c - baselines for the CI gate (scope stage, used by policy.c
 * and scan.c): stable names of items, fingerprints of findings, reading
 * a baseline (a JSON report or a --write-baseline file) and comparing a
 * new scan's persons and linked records with it (--max-growth). It never
 * prints except one warning when it recomputes old fingerprints, and it
 * never sees a value: only paths, headers, categories, subjects, counts.
 */
#include "baseline.h"

#include <ctype.h>
#include <json-c/json.h>
#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>

#include "header.h"
#include "util.h"

/* Estimates are compared beyond three relative standard errors. */
#define SIGMAS 3.0

/* ---- stable names ----------------------------------------------------- */

static bool
is_sep(char c)
{
	return c == '-' || c == '_' || c == '.' || c == ' ';
}

/* A suffix of an extension: 1 to 5 letters or digits with a letter, and
 * not a version ("v2"). */
static bool
ext_word(const char *s, size_t n)
{
	bool letter = false;

	if (n == 0 || n > 5)
		return false;
	for (size_t i = 0; i < n; i++) {
		if (!isalnum((unsigned char)s[i]))
			return false;
		letter |= isalpha((unsigned char)s[i]) != 0;
	}
	if ((s[0] == 'v' || s[0] == 'V') && n > 1) {
		size_t d = 1;

		while (d < n && isdigit((unsigned char)s[d]))
			d++;
		if (d == n)
			return false;
	}
	return letter;
}

/* Where the extensions of a part start (".csv", ".tar.gz", ".7z"), n if
 * none; a leading dot (".hidden") is not one. */
static size_t
ext_start(const char *s, size_t n)
{
	size_t e = n;

	for (;;) {
		size_t k = e;

		while (k > 0 && s[k - 1] != '.' && e - k <= 5)
			k--;
		if (k < 2 || s[k - 1] != '.' || !ext_word(s + k, e - k))
			return e;
		e = k - 1;
	}
}

/* Does a number token start at s[i]? A digit, or "v"/"V" + digit not
 * glued to a word ("v2", not "rev2": there only "2" goes). */
static bool
token_start(const char *s, size_t i, size_t n)
{
	if (isdigit((unsigned char)s[i]))
		return true;
	return (s[i] == 'v' || s[i] == 'V') && i + 1 < n &&
	       isdigit((unsigned char)s[i + 1]) &&
	       (i == 0 || !isalpha((unsigned char)s[i - 1]));
}

/* End of the token at s[i]: digit runs joined by one of "-_.: tT"
 * (2025-04-01, 2025_04_01T12:30:00), then an optional "Z". */
static size_t
token_end(const char *s, size_t i, size_t n)
{
	size_t j = i + (isdigit((unsigned char)s[i]) ? 0 : 1);

	for (;;) {
		while (j < n && isdigit((unsigned char)s[j]))
			j++;
		if (j + 1 < n && strchr("-_.: tT", s[j]) &&
		    isdigit((unsigned char)s[j + 1])) {
			j++;
			continue;
		}
		break;
	}
	if (j < n && (s[j] == 'Z' || s[j] == 'z') &&
	    (j + 1 == n || !isalnum((unsigned char)s[j + 1])))
		j++;
	return j;
}

/* Normalise one part (s, n) onto out (which has room for n + 2). */
static size_t
part_norm(const char *s, size_t n, char *out)
{
	size_t x = ext_start(s, n), o = 0, i = 0;

	while (i < x) {
		size_t j;

		if (!token_start(s, i, x)) {
			out[o++] = (char)tolower((unsigned char)s[i++]);
			continue;
		}
		j = token_end(s, i, x);
		/* "(3)" of a browser's copy goes with its brackets */
		if (o > 0 && out[o - 1] == '(' && j < x && s[j] == ')') {
			o--;
			j++;
		}
		if (o > 0 && is_sep(out[o - 1]))
			o--;
		else if (o == 0 && j < x && is_sep(s[j]))
			j++;
		i = j;
	}
	if (o == 0)
		out[o++] = '#';
	for (; x < n; x++)
		out[o++] = (char)tolower((unsigned char)s[x]);
	return o;
}

char *
bsc_stable_name(const char *path)
{
	size_t n = strlen(path);
	char *out = bsc_zalloc(n * 2 + 3);
	size_t o = 0;
	const char *p = path;

	if (*p == '/')
		out[o++] = '/';
	while (*p) {
		const char *e = strchr(p, '/');
		size_t len = e ? (size_t)(e - p) : strlen(p);
		bool bang = len > 0 && p[len - 1] == '!' && e;

		if (bang)
			len--;
		if (len > 0 && !(len == 1 && p[0] == '.')) {
			if (o > 0 && out[o - 1] != '/')
				out[o++] = '/';
			o += part_norm(p, len, out + o);
		}
		if (bang)
			out[o++] = '!';
		p += len + (bang ? 1 : 0);
		if (*p == '/')
			p++;
	}
	out[o] = '\0';
	return out;
}

void
bsc_stable_slot(const char *header, unsigned column, char *out, size_t len)
{
	char *norm = header ? bsc_header_normalise(header, strlen(header))
			    : NULL;
	size_t o = 0;

	/* "E-mail", "e_mail" and "eMail" are one slot: no separators. */
	for (size_t i = 0; norm && norm[i]; i++)
		if (norm[i] != '_')
			norm[o++] = norm[i];
	if (norm)
		norm[o] = '\0';
	if (norm && *norm)
		snprintf(out, len, "h:%s", norm);
	else if (column)
		snprintf(out, len, "c:%u", column);
	else
		snprintf(out, len, "%s", "");
	free(norm);
}

/* ---- fingerprints ----------------------------------------------------- */

static void
digest_str(EVP_MD_CTX *c, const char *s)
{
	EVP_DigestUpdate(c, s, strlen(s) + 1);
}

void
bsc_fingerprint_of(const char *path, const char *header, unsigned column,
		   const char *category, const char *subject,
		   char out[BSC_FINGERPRINT_SIZE])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	EVP_MD_CTX *c = EVP_MD_CTX_new();
	char *name = bsc_stable_name(path);
	size_t hlen = header ? strlen(header) : 0;
	char *slot = bsc_zalloc(hlen * 4 + 32);
	int o;

	if (!c)
		abort();
	bsc_stable_slot(header, column, slot, hlen * 4 + 32);
	EVP_DigestInit_ex(c, EVP_sha256(), NULL);
	digest_str(c, "breachscope-fingerprint/2");
	digest_str(c, name);
	digest_str(c, slot);
	digest_str(c, category);
	digest_str(c, subject);
	EVP_DigestFinal_ex(c, md, &mdlen);
	EVP_MD_CTX_free(c);
	free(name);
	free(slot);
	o = snprintf(out, BSC_FINGERPRINT_SIZE, "%s:", BSC_FINGERPRINT_VERSION);
	for (int i = 0; i < 16; i++)
		snprintf(out + o + 2 * i, 3, "%02x", md[i]);
}

void
bsc_fingerprint(const char *path, const struct bsc_finding *f,
		char out[BSC_FINGERPRINT_SIZE])
{
	bsc_fingerprint_of(path, f->loc.header, f->loc.column, f->category,
			   bsc_subject_name(f->subject), out);
}

/* ---- growth ------------------------------------------------------------ */

bool
bsc_grew(uint64_t before, int before_precision, double before_error,
	 uint64_t now, int now_precision, double now_error, double pct)
{
	long double hi = (long double)before, lo = (long double)now;

	/* The largest the baseline can have been, the smallest the new
	 * figure can be: growth is only claimed beyond both errors. An upper
	 * bound proves no growth (its true value may be anything below). */
	if (before_precision == 1)
		hi *= 1.0L + SIGMAS * (long double)before_error;
	if (now_precision == 1)
		lo *= 1.0L - SIGMAS * (long double)now_error;
	if (now_precision == 2)
		return false;
	return lo > hi * (1.0L + (long double)pct / 100.0L);
}

/* The figures of an item or a run. */
struct figures {
	bool known;       /* a persons figure was given */
	bool complete;    /* read completely: the figures are not lower
			   * bounds */
	uint64_t persons;
	int precision;    /* 0 exact, 1 estimate, 2 upper bound */
	double error;
	uint64_t linked;
};

struct bitem {
	char *name; /* stable name */
	struct figures fig;
};

struct bsc_baseline {
	char **fps; /* sorted */
	size_t n_fps;
	struct bitem *items; /* sorted by name, one per name */
	size_t n_items;
	struct figures total;
	double max_growth;
	size_t recomputed; /* fingerprints of another version */
};

static int
precision_of(const struct bsc_persons *p)
{
	if (!p->approximate)
		return 0;
	return p->error > 0 ? 1 : 2;
}

static bool
compare(const struct figures *base, const struct bsc_persons *p,
	uint64_t linked, double pct, struct bsc_growth *g)
{
	int prec = precision_of(p);

	memset(g, 0, sizeof(*g));
	g->max_growth = pct;
	g->persons_before = base->persons;
	g->persons_now = p->count;
	g->persons_estimated = base->precision == 1 || prec == 1;
	g->linked_before = base->linked;
	g->linked_now = linked;
	if (!base->known || !base->complete)
		return false;
	g->persons = bsc_grew(base->persons, base->precision, base->error,
			      p->count, prec, p->error, pct);
	g->linked = bsc_grew(base->linked, 0, 0, linked, 0, 0, pct);
	if (!g->persons && !g->linked)
		memset(g, 0, sizeof(*g));
	return g->persons || g->linked;
}

static int
cmp_item(const void *a, const void *b)
{
	return strcmp(((const struct bitem *)a)->name,
		      ((const struct bitem *)b)->name);
}

bool
bsc_baseline_item_growth(const struct bsc_baseline *b,
			 struct bsc_item_report *rep)
{
	struct bitem key, *hit;
	bool grew;

	memset(&rep->growth, 0, sizeof(rep->growth));
	if (!b || rep->archive || !b->n_items)
		return false;
	key.name = bsc_stable_name(rep->path);
	hit = bsearch(&key, b->items, b->n_items, sizeof(key), cmp_item);
	free(key.name);
	if (!hit)
		return false;
	grew = compare(&hit->fig, &rep->persons, rep->records_linked,
		       b->max_growth, &rep->growth);
	return grew;
}

bool
bsc_baseline_total_growth(const struct bsc_baseline *b,
			  struct bsc_run_summary *s)
{
	memset(&s->growth, 0, sizeof(s->growth));
	if (!b)
		return false;
	return compare(&b->total, &s->persons, s->records_linked,
		       b->max_growth, &s->growth);
}

void
bsc_baseline_set_max_growth(struct bsc_baseline *b, double pct)
{
	b->max_growth = pct;
}

/* ---- loading ----------------------------------------------------------- */

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

bool
bsc_baseline_has(const struct bsc_baseline *b, const char *fingerprint)
{
	if (!b || !b->n_fps || !fingerprint)
		return false;
	return bsearch(&fingerprint, b->fps, b->n_fps, sizeof(char *),
		       cmp_str) != NULL;
}

void
bsc_baseline_free(struct bsc_baseline *b)
{
	if (!b)
		return;
	for (size_t i = 0; i < b->n_fps; i++)
		free(b->fps[i]);
	free(b->fps);
	for (size_t i = 0; i < b->n_items; i++)
		free(b->items[i].name);
	free(b->items);
	free(b);
}

static json_object *
member(json_object *o, const char *key)
{
	json_object *v = NULL;

	if (!o || !json_object_is_type(o, json_type_object) ||
	    !json_object_object_get_ex(o, key, &v))
		return NULL;
	return v;
}

static const char *
str_member(json_object *o, const char *key)
{
	json_object *v = member(o, key);

	return v && json_object_is_type(v, json_type_string)
		       ? json_object_get_string(v)
		       : NULL;
}

static uint64_t
u64_member(json_object *o, const char *key)
{
	json_object *v = member(o, key);
	int64_t x = v && json_object_is_type(v, json_type_int)
			    ? json_object_get_int64(v)
			    : 0;

	return x > 0 ? (uint64_t)x : 0;
}

/* {"count", "precision", "error"} (bsc_persons_json) and the linked
 * records next to it. */
static struct figures
figures_of(json_object *persons, json_object *holder, bool complete)
{
	struct figures f = {0};
	const char *prec = str_member(persons, "precision");
	json_object *err = member(persons, "error");

	if (!member(persons, "count"))
		return f;
	f.known = true;
	f.complete = complete;
	f.persons = u64_member(persons, "count");
	f.precision = prec && !strcmp(prec, "estimate")	 ? 1
		      : prec && !strcmp(prec, "upper_bound") ? 2
							     : 0;
	f.error = err ? json_object_get_double(err) : 0;
	if (f.error < 0 || f.error > 1)
		f.error = 1;
	f.linked = u64_member(holder, "records_linked");
	return f;
}

/* The largest value a figure may stand for. */
static long double
upper(const struct figures *f)
{
	long double v = (long double)f->persons;

	return f->precision == 1 ? v * (1.0L + SIGMAS * (long double)f->error)
				 : v;
}

/* The larger of two baseline figures of one stable name. */
static void
figures_max(struct figures *a, const struct figures *b)
{
	bool complete = a->complete && b->complete;
	uint64_t linked = a->linked > b->linked ? a->linked : b->linked;

	if (!b->known)
		return;
	if (!a->known) {
		*a = *b;
		return;
	}
	if (upper(b) > upper(a))
		*a = *b;
	a->complete = complete;
	a->linked = linked;
}

struct loader {
	struct bsc_ctx *ctx;
	const char *file;
	struct bsc_baseline *b;
	struct bsc_vec items; /* struct bitem *, unsorted */
	size_t missing;       /* findings that could not be recomputed */
};

static void
add_fp(struct bsc_baseline *b, const char *fp)
{
	b->fps = bsc_reallocarray(b->fps, b->n_fps + 1, sizeof(char *));
	b->fps[b->n_fps++] = bsc_strdup(fp);
}

static bool
current_version(const char *fp)
{
	size_t n = strlen(BSC_FINGERPRINT_VERSION);

	return fp && !strncmp(fp, BSC_FINGERPRINT_VERSION, n) &&
	       fp[n] == ':' && strlen(fp) == BSC_FINGERPRINT_SIZE - 1;
}

static void
load_finding(struct loader *l, const char *path, json_object *f)
{
	const char *fp = str_member(f, "fingerprint");
	const char *cat = str_member(f, "category");
	const char *subj = str_member(f, "subject");
	json_object *loc = member(f, "location");
	char re[BSC_FINGERPRINT_SIZE];

	if (current_version(fp)) {
		add_fp(l->b, fp);
		return;
	}
	if (!path || !cat || !subj || !loc) {
		l->missing++;
		return;
	}
	bsc_fingerprint_of(path, str_member(loc, "header"),
			   (unsigned)u64_member(loc, "column"), cat, subj, re);
	add_fp(l->b, re);
	l->b->recomputed++;
}

static void
load_item(struct loader *l, json_object *it)
{
	const char *path = str_member(it, "path");
	const char *status = str_member(it, "status");
	json_object *fs = member(it, "findings");
	json_object *escaped = member(it, "path_escaped");
	json_object *members = member(it, "members");
	struct bitem *bi;

	if (escaped && json_object_get_boolean(escaped))
		path = NULL; /* not the bytes the scan will see */
	for (size_t k = 0; fs && json_object_is_type(fs, json_type_array) &&
			   k < json_object_array_length(fs);
	     k++)
		load_finding(l, path, json_object_array_get_idx(fs, k));
	if (!path || (members && !json_object_is_type(members, json_type_null)))
		return; /* archives are not compared, their members are */
	bi = bsc_zalloc(sizeof(*bi));
	bi->name = bsc_stable_name(path);
	bi->fig = figures_of(member(it, "persons"), it,
			     status && !strcmp(status, "complete"));
	bsc_vec_push(&l->items, bi);
}

/* Sort the items by name and keep one per name (the larger figures). */
static void
index_items(struct loader *l)
{
	struct bsc_baseline *b = l->b;

	b->items = bsc_zalloc((l->items.n ? l->items.n : 1) *
			      sizeof(*b->items));
	for (size_t i = 0; i < l->items.n; i++) {
		b->items[i] = *(struct bitem *)l->items.v[i];
		free(l->items.v[i]);
	}
	qsort(b->items, l->items.n, sizeof(*b->items), cmp_item);
	for (size_t i = 0; i < l->items.n; i++) {
		if (b->n_items &&
		    !strcmp(b->items[b->n_items - 1].name, b->items[i].name)) {
			figures_max(&b->items[b->n_items - 1].fig,
				    &b->items[i].fig);
			free(b->items[i].name);
			continue;
		}
		b->items[b->n_items++] = b->items[i];
	}
	bsc_vec_release(&l->items);
}

/* A report's run is complete when no item was partial or failed. */
static bool
report_complete(json_object *summary)
{
	json_object *bs = member(summary, "by_status");

	return u64_member(bs, "partial") == 0 && u64_member(bs, "failed") == 0;
}

static bsc_status
load_doc(struct loader *l, json_object *root)
{
	const char *schema = str_member(root, "schema");
	json_object *items = member(root, "items");
	json_object *summary = member(root, "summary");
	bool own = schema && !strcmp(schema, BSC_BASELINE_SCHEMA);

	if (!schema ||
	    (!own && strcmp(schema, "breachscope.report/1")) || !items ||
	    !json_object_is_type(items, json_type_array))
		return bsc_set_error(l->ctx, BSC_FAILED,
				     "--baseline %s: neither a baseline "
				     "(%s, written by --write-baseline) nor "
				     "a breachscope JSON report "
				     "(breachscope.report/1)",
				     l->file, BSC_BASELINE_SCHEMA);
	for (size_t i = 0; i < json_object_array_length(items); i++)
		load_item(l, json_object_array_get_idx(items, i));
	l->b->total = figures_of(member(summary, "persons"), summary,
				 own ? json_object_get_boolean(
					       member(summary, "complete"))
				     : report_complete(summary));
	index_items(l);
	return BSC_OK;
}

struct bsc_baseline *
bsc_baseline_load(struct bsc_ctx *ctx, const char *path)
{
	struct loader l = {.ctx = ctx, .file = path};
	json_object *root = json_object_from_file(path);
	bsc_status st;

	if (!root) {
		bsc_set_error(ctx, BSC_FAILED,
			      "--baseline %s: cannot read it as JSON (%s)",
			      path,
			      json_util_get_last_err()
				      ? json_util_get_last_err()
				      : "?");
		return NULL;
	}
	l.b = bsc_zalloc(sizeof(*l.b));
	st = load_doc(&l, root);
	json_object_put(root);
	if (st != BSC_OK) {
		for (size_t i = 0; i < l.items.n; i++) {
			free(((struct bitem *)l.items.v[i])->name);
			free(l.items.v[i]);
		}
		bsc_vec_release(&l.items);
		bsc_baseline_free(l.b);
		return NULL;
	}
	if (l.b->n_fps) /* qsort(NULL, 0) is undefined */
		qsort(l.b->fps, l.b->n_fps, sizeof(char *), cmp_str);
	if (l.b->recomputed)
		bsc_warnf(ctx,
			  "--baseline %s: %zu fingerprint(s) of an older "
			  "breachscope were recomputed as %s fingerprints "
			  "from the file's paths and column headers; "
			  "rewrite it with --write-baseline %s",
			  path, l.b->recomputed, BSC_FINGERPRINT_VERSION, path);
	if (l.missing)
		bsc_warnf(ctx,
			  "--baseline %s: %zu finding(s) have neither a %s "
			  "fingerprint nor the path, location, category and "
			  "subject to recompute one: they count as new; "
			  "rewrite it with --write-baseline %s",
			  path, l.missing, BSC_FINGERPRINT_VERSION, path);
	return l.b;
}
