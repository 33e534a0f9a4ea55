/*
 * scope.c - the scope stage for one item. Readers hand it fields at slots
 * (fields.h); it runs every enabled value rule on each field, counts hits
 * per slot, and classifies each slot's header once. Record linkage is
 * exact and streaming: each record is reduced to a "shape" (which slots
 * were non-empty, which standalone categories hit), shapes are counted in
 * a hash table, and at the end, once columns are classified, each shape
 * tells whether its records carry identity, medical data or both.
 *
 * Records may carry keys (fields.h): records that share a key are one
 * entity (a FHIR Patient and the resources that refer to it), merged with
 * a union-find over keys, and records_linked counts such entities once.
 *
 * Speed: column and confirm rules are tested on every cell of a slot until
 * SAMPLE_CELLS cells; after that only rules that still have a chance to
 * reach their share keep running (shares are computed over tested cells).
 * Standalone rules always run (their keyword/digit prefilters make that
 * cheap), so free text is never skipped.
 */
#include "scope.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "detect.h"
#include "header.h"
#include "mask.h"
#include "path.h"
#include "rules.h"

#define SAMPLE_CELLS 1000
#define SLOT_BUCKETS 256
#define SIG_BUCKETS 1024
#define KEY_BUCKETS 4096
#define NO_KEY UINT32_MAX
#define MAX_NOTE 2048
/* Values a location-path slot needs before a column rule may judge its
 * share: one value in one document is not a column. */
#define PATH_COLUMN_CELLS 3

struct slot {
	char *name; /* raw header or path, or NULL */
	char *norm; /* normalised name, "" when none */
	unsigned column;
	const struct bsc_rule *hrule; /* header match, or NULL */
	int hstrength;      /* 4: a path rule decided (hrule may be NULL) */
	bool is_path;       /* the name is a location path */
	enum bsc_subject subject;
	uint64_t nonempty;
	uint64_t *tested;   /* per value rule: cells tested */
	uint64_t *hits;     /* per value rule: cells with a validated hit */
	char **samples;     /* per value rule: sample of the first hit */
	unsigned char *mode; /* per value rule: 0 off, 1 on, 2 context */
	char *first;        /* sample of the first non-empty value */
	uint64_t catmask;   /* categories of the column (set at the end) */
	unsigned id;        /* index in slots */
	struct slot *next;  /* hash chain */
};

struct sig {
	uint64_t hash;
	size_t nwords;
	uint64_t *cols;
	uint64_t vmask; /* standalone categories hit in the record */
	bool keyed;     /* records of an entity: linked through their key */
	uint64_t count;
	struct sig *next;
};

/*
 * A record key, kept as its 64-bit hash only (no string): keys are many
 * (one per patient), and a collision needs some 2^32 keys to be likely.
 * The root of a union-find set holds the merged shape of its records.
 */
struct key {
	uint64_t hash;
	uint64_t vmask;
	uint64_t *cols;  /* union of the slots of its records (roots only) */
	uint32_t nwords;
	uint32_t parent; /* index in keys; itself when a root */
	uint32_t next;   /* hash chain, NO_KEY at the end */
};

struct bsc_fields {
	struct bsc_ctx *ctx;
	const struct bsc_ruleset *rs;
	struct bsc_vec slots; /* struct slot*, id order */
	struct slot *slot_hash[SLOT_BUCKETS];
	bool slots_full;
	/* current record */
	uint64_t *cur;
	size_t cur_words;
	uint64_t cur_vmask;
	bool cur_any;
	/* record shapes */
	struct sig *sig_hash[SIG_BUCKETS];
	size_t n_sigs;
	bool sigs_full;
	struct sig overflow; /* merged shapes past max_signatures */
	/* record keys */
	struct key *keys; /* creation order */
	size_t n_keys, cap_keys;
	uint32_t key_hash[KEY_BUCKETS]; /* first key of each chain */
	bool keys_full;
	uint32_t *cur_keys; /* keys of the current record */
	size_t n_cur_keys, cap_cur_keys;
	/* output */
	struct bsc_finding *findings;
	size_t n_findings;
	const char **identity;
	const char **medical;
	char *note;
};

struct bsc_fields *
bsc_scope_new(struct bsc_ctx *ctx)
{
	struct bsc_fields *f = bsc_zalloc(sizeof(*f));

	f->ctx = ctx;
	f->rs = bsc_ctx_rules(ctx);
	for (size_t b = 0; b < KEY_BUCKETS; b++)
		f->key_hash[b] = NO_KEY;
	return f;
}

static void
slot_free(struct slot *s, size_t nrules)
{
	free(s->name);
	free(s->norm);
	free(s->tested);
	free(s->hits);
	for (size_t i = 0; s->samples && i < nrules; i++)
		free(s->samples[i]);
	free(s->samples);
	free(s->mode);
	free(s->first);
	free(s);
}

void
bsc_scope_free(struct bsc_fields *f)
{
	if (!f)
		return;
	for (size_t i = 0; i < f->slots.n; i++)
		slot_free(f->slots.v[i], f->rs->value_rules.n);
	bsc_vec_release(&f->slots);
	for (size_t b = 0; b < SIG_BUCKETS; b++) {
		struct sig *s = f->sig_hash[b];

		while (s) {
			struct sig *n = s->next;

			free(s->cols);
			free(s);
			s = n;
		}
	}
	free(f->overflow.cols);
	for (size_t i = 0; i < f->n_keys; i++)
		free(f->keys[i].cols);
	free(f->keys);
	free(f->cur_keys);
	free(f->cur);
	free(f->findings);
	free(f->identity);
	free(f->medical);
	free(f->note);
	free(f);
}

/* Append a remark to the item note, once, within MAX_NOTE bytes. */
static void
add_note(struct bsc_fields *f, const char *text)
{
	size_t have = f->note ? strlen(f->note) : 0;
	char *n;

	if (!text || !*text || (f->note && strstr(f->note, text)))
		return;
	if (have + strlen(text) + 2 > MAX_NOTE)
		return;
	n = f->note ? bsc_asprintf("%s; %s", f->note, text)
		    : bsc_strdup(text);
	free(f->note);
	f->note = n;
}

void
bsc_fields_note(struct bsc_fields *f, const char *note)
{
	add_note(f, note);
}

/* ---- slots ------------------------------------------------------------ */

static struct slot *
slot_create(struct bsc_fields *f, const char *name, unsigned column)
{
	const struct bsc_ruleset *rs = f->rs;
	size_t nr = rs->value_rules.n;
	struct slot *s = bsc_zalloc(sizeof(*s));

	s->name = name ? bsc_strdup(name) : NULL;
	s->column = column;
	if (bsc_path_is_path(name)) {
		struct bsc_path p;

		s->is_path = true;
		bsc_path_parse(&p, name);
		s->norm = bsc_strdup(p.norm);
		s->hrule = bsc_header_classify_path(rs, &p, &s->hstrength);
		s->subject = bsc_header_subject(rs, s->norm, &p);
		bsc_path_release(&p);
		if (s->hrule && s->hrule->category < 0)
			s->hrule = NULL; /* a "none" rule: nothing to say */
	} else {
		s->norm = name ? bsc_header_normalise(name, strlen(name))
			       : bsc_strdup("");
		s->hrule = bsc_header_classify(rs, s->norm, &s->hstrength);
		s->subject = bsc_header_subject(rs, s->norm, NULL);
	}
	s->tested = bsc_zalloc((nr ? nr : 1) * sizeof(uint64_t));
	s->hits = bsc_zalloc((nr ? nr : 1) * sizeof(uint64_t));
	s->samples = bsc_zalloc((nr ? nr : 1) * sizeof(char *));
	s->mode = bsc_zalloc(nr ? nr : 1);
	for (size_t i = 0; i < nr; i++) {
		const struct bsc_rule *r = rs->value_rules.v[i];
		bool ctx_hit = r->context.n &&
			       bsc_header_any_token(s->norm, &r->context);

		if (r->context_required && !ctx_hit)
			s->mode[i] = 0;
		else
			s->mode[i] = ctx_hit ? 2 : 1;
	}
	return s;
}

unsigned
bsc_fields_slot(struct bsc_fields *f, const char *name, unsigned column)
{
	uint64_t h = bsc_hash64(name ? name : "", name ? strlen(name) : 0,
				column);
	struct slot **b = &f->slot_hash[h % SLOT_BUCKETS];
	struct slot *s;

	for (s = *b; s; s = s->next) {
		bool same = s->column == column &&
			    ((!s->name && !name) ||
			     (s->name && name && !strcmp(s->name, name)));

		if (same)
			break;
	}
	if (s)
		return s->id;
	if (f->slots.n >= f->ctx->limits.max_slots) {
		/* Past the limit every new location shares the last slot:
		 * values are still scanned, locations are merged. */
		if (!f->slots_full) {
			char *n = bsc_asprintf("more than %zu distinct field "
					       "locations: the extra ones are "
					       "reported together",
					       f->ctx->limits.max_slots);

			f->slots_full = true;
			add_note(f, n);
			free(n);
		}
		return (unsigned)(f->slots.n - 1);
	}
	s = slot_create(f, name, column);
	s->id = (unsigned)f->slots.n;
	s->next = *b;
	*b = s;
	bsc_vec_push(&f->slots, s);
	return (unsigned)(f->slots.n - 1);
}

/* ---- values ----------------------------------------------------------- */

static char *
make_sample(struct bsc_fields *f, const char *v, size_t len, int cat)
{
	enum bsc_mask_style style = BSC_MASK_GENERIC;

	if (f->ctx->show_values)
		return bsc_sample_raw(v, len);
	if (cat >= 0)
		style = f->rs->cats[cat].mask;
	return bsc_mask(v, len, style);
}

static void
mark_slot(struct bsc_fields *f, unsigned id)
{
	size_t w = id / 64;

	if (w >= f->cur_words) {
		size_t n = w + 1;

		f->cur = bsc_reallocarray(f->cur, n, sizeof(uint64_t));
		memset(f->cur + f->cur_words, 0,
		       (n - f->cur_words) * sizeof(uint64_t));
		f->cur_words = n;
	}
	f->cur[w] |= 1ull << (id % 64);
	f->cur_any = true;
}

void
bsc_fields_value(struct bsc_fields *f, unsigned id, const char *v,
		 size_t len)
{
	const struct bsc_ruleset *rs = f->rs;
	struct slot *s;
	struct bsc_cell_info info;

	if (id >= f->slots.n)
		return;
	s = f->slots.v[id];
	while (len && isspace((unsigned char)*v)) {
		v++;
		len--;
	}
	while (len && isspace((unsigned char)v[len - 1]))
		len--;
	if (len == 0)
		return;
	s->nonempty++;
	mark_slot(f, id);
	if (!s->first)
		s->first = make_sample(f, v, len,
				       s->hrule ? s->hrule->category : -1);
	bsc_cell_info(v, len, &info);
	for (size_t i = 0; i < rs->value_rules.n; i++) {
		const struct bsc_rule *r = rs->value_rules.v[i];
		size_t off = 0, mlen = 0;

		if (!s->mode[i])
			continue;
		if (r->evidence != BSC_EV_STANDALONE &&
		    s->tested[i] >= SAMPLE_CELLS &&
		    (double)s->hits[i] < r->min_share * 0.5 *
						 (double)s->tested[i])
			continue; /* cannot reach its share: frozen */
		s->tested[i]++;
		if (!bsc_detect_value(f->ctx, r, v, len, &info, &off, &mlen))
			continue;
		s->hits[i]++;
		if (!s->samples[i])
			s->samples[i] = make_sample(f, v + off, mlen,
						    r->category);
		if (r->evidence == BSC_EV_STANDALONE &&
		    r->confidence >= BSC_CONF_MEDIUM)
			f->cur_vmask |= 1ull << r->category;
	}
}

/* ---- records ---------------------------------------------------------- */

static uint64_t
sig_hash(const uint64_t *cols, size_t n, uint64_t vmask, bool keyed)
{
	return bsc_hash64(cols, n * sizeof(uint64_t),
			  vmask ^ (keyed ? 0x9E3779B97F4A7C15ull : 0));
}

static uint32_t
key_find(struct bsc_fields *f, uint32_t i)
{
	while (f->keys[i].parent != i) {
		struct key *k = &f->keys[i];

		k->parent = f->keys[k->parent].parent; /* path halving */
		i = k->parent;
	}
	return i;
}

/* OR a shape into key root r. */
static void
key_absorb(struct key *r, const uint64_t *cols, size_t n, uint64_t vmask)
{
	if (n > r->nwords) {
		r->cols = bsc_reallocarray(r->cols, n, sizeof(uint64_t));
		memset(r->cols + r->nwords, 0,
		       (n - r->nwords) * sizeof(uint64_t));
		r->nwords = (uint32_t)n;
	}
	for (size_t i = 0; i < n; i++)
		r->cols[i] |= cols[i];
	r->vmask |= vmask;
}

static void
key_union(struct bsc_fields *f, uint32_t a, uint32_t b)
{
	struct key *ra, *rb;

	a = key_find(f, a);
	b = key_find(f, b);
	if (a == b)
		return;
	ra = &f->keys[a];
	rb = &f->keys[b];
	key_absorb(ra, rb->cols, rb->nwords, rb->vmask);
	free(rb->cols);
	rb->cols = NULL;
	rb->nwords = 0;
	rb->vmask = 0;
	rb->parent = a;
}

void
bsc_fields_record_key(struct bsc_fields *f, const char *key, size_t len)
{
	uint64_t h;
	uint32_t *b, idx;

	if (!key || len == 0)
		return;
	h = bsc_hash64(key, len, 0);
	b = &f->key_hash[h % KEY_BUCKETS];
	for (idx = *b; idx != NO_KEY; idx = f->keys[idx].next)
		if (f->keys[idx].hash == h)
			break;
	if (idx == NO_KEY) {
		struct key *k;

		if (f->n_keys >= f->ctx->limits.max_keys ||
		    f->n_keys >= NO_KEY) {
			if (!f->keys_full) {
				char *n = bsc_asprintf(
					"more than %zu record keys: records "
					"with new keys were linked on their "
					"own",
					f->ctx->limits.max_keys);

				f->keys_full = true;
				add_note(f, n);
				free(n);
			}
			return;
		}
		if (f->n_keys == f->cap_keys) {
			f->cap_keys = f->cap_keys ? f->cap_keys * 2 : 64;
			f->keys = bsc_reallocarray(f->keys, f->cap_keys,
						   sizeof(*f->keys));
		}
		idx = (uint32_t)f->n_keys++;
		k = &f->keys[idx];
		memset(k, 0, sizeof(*k));
		k->hash = h;
		k->parent = idx;
		k->next = *b;
		*b = idx;
	}
	for (size_t i = 0; i < f->n_cur_keys; i++)
		if (f->cur_keys[i] == idx)
			return;
	if (f->n_cur_keys == f->cap_cur_keys) {
		f->cap_cur_keys = f->cap_cur_keys ? f->cap_cur_keys * 2 : 4;
		f->cur_keys = bsc_reallocarray(f->cur_keys, f->cap_cur_keys,
					       sizeof(*f->cur_keys));
	}
	f->cur_keys[f->n_cur_keys++] = idx;
}

void
bsc_fields_end_record(struct bsc_fields *f)
{
	size_t n = f->cur_words;
	bool keyed = f->n_cur_keys > 0;
	uint64_t h;
	struct sig **b, *s;

	while (n && f->cur[n - 1] == 0)
		n--;
	if (keyed) {
		uint32_t root = f->cur_keys[0];

		for (size_t i = 1; i < f->n_cur_keys; i++)
			key_union(f, root, f->cur_keys[i]);
		root = key_find(f, root);
		key_absorb(&f->keys[root], f->cur, n, f->cur_vmask);
		f->n_cur_keys = 0;
	}
	h = sig_hash(f->cur, n, f->cur_vmask, keyed);
	b = &f->sig_hash[h % SIG_BUCKETS];
	for (s = *b; s; s = s->next)
		if (s->hash == h && s->nwords == n &&
		    s->vmask == f->cur_vmask && s->keyed == keyed &&
		    (n == 0 ||
		     !memcmp(s->cols, f->cur, n * sizeof(uint64_t))))
			break;
	if (!s && f->n_sigs >= f->ctx->limits.max_signatures) {
		/* Merge into one shape: counts become upper bounds. */
		s = &f->overflow;
		if (n > s->nwords) {
			s->cols = bsc_reallocarray(s->cols, n,
						   sizeof(uint64_t));
			memset(s->cols + s->nwords, 0,
			       (n - s->nwords) * sizeof(uint64_t));
			s->nwords = n;
		}
		for (size_t i = 0; i < n; i++)
			s->cols[i] |= f->cur[i];
		s->vmask |= f->cur_vmask;
		f->sigs_full = true;
	} else if (!s) {
		s = bsc_zalloc(sizeof(*s));
		s->hash = h;
		s->nwords = n;
		s->cols = bsc_zalloc((n ? n : 1) * sizeof(uint64_t));
		if (n) /* f->cur is NULL before the first value */
			memcpy(s->cols, f->cur, n * sizeof(uint64_t));
		s->vmask = f->cur_vmask;
		s->keyed = keyed;
		s->next = *b;
		*b = s;
		f->n_sigs++;
	}
	s->count++;
	if (f->cur_words)
		memset(f->cur, 0, f->cur_words * sizeof(uint64_t));
	f->cur_vmask = 0;
	f->cur_any = false;
}

/* ---- findings --------------------------------------------------------- */

struct agg {
	bool used;
	enum bsc_confidence conf;
	unsigned evidence;
	uint64_t count;
	const struct bsc_rule *rule;
	const char *sample;
	const char *note;
};

static enum bsc_confidence
raise(enum bsc_confidence c)
{
	return c < BSC_CONF_HIGH ? c + 1 : c;
}

static enum bsc_confidence
lower(enum bsc_confidence c)
{
	return c > BSC_CONF_LOW ? c - 1 : c;
}

static void
agg_value(struct agg *a, const struct bsc_rule *r, enum bsc_confidence c,
	  uint64_t count, const char *sample)
{
	if (!a->used || c > a->conf) {
		a->conf = c;
		a->rule = r;
		a->sample = sample;
	}
	a->used = true;
	a->evidence |= BSC_EVIDENCE_VALUE;
	if (count > a->count)
		a->count = count;
}

/* Best share among the enabled value rules of category cat on s;
 * *have_rules says whether a confirm rule exists, i.e. whether values
 * that match nothing contradict the header. */
static double
best_share(const struct bsc_fields *f, const struct slot *s, int cat,
	   bool *have_rules)
{
	double best = 0;

	*have_rules = false;
	for (size_t i = 0; i < f->rs->value_rules.n; i++) {
		const struct bsc_rule *r = f->rs->value_rules.v[i];

		if (r->category != cat || !s->mode[i])
			continue;
		if (r->evidence == BSC_EV_CONFIRM)
			*have_rules = true;
		if (s->tested[i]) {
			double sh = (double)s->hits[i] / (double)s->tested[i];

			if (sh > best)
				best = sh;
		}
	}
	return best;
}

static void
push_finding(struct bsc_fields *f, const struct slot *s, int cat,
	     const struct agg *a)
{
	const struct bsc_category *c = &f->rs->cats[cat];
	struct bsc_finding *x;
	enum bsc_subject subj = s->subject;

	if (subj == BSC_SUBJECT_UNKNOWN && a->rule)
		subj = a->rule->subject;
	f->findings = bsc_reallocarray(f->findings, f->n_findings + 1,
				       sizeof(*f->findings));
	x = &f->findings[f->n_findings++];
	memset(x, 0, sizeof(*x));
	x->category = c->name;
	x->cls = c->cls;
	x->rule = a->rule ? a->rule->id : "";
	x->loc.column = s->column;
	x->loc.header = s->name;
	x->count = a->count;
	x->confidence = a->conf;
	x->evidence = a->evidence;
	x->subject = subj;
	x->sample = a->sample ? a->sample : "";
	x->note = a->note;
}

static void
classify_slot(struct bsc_fields *f, struct slot *s)
{
	const struct bsc_ruleset *rs = f->rs;
	struct agg agg[BSC_MAX_CATEGORIES];
	int hcat = s->hrule ? s->hrule->category : -1;

	memset(agg, 0, sizeof(agg));
	for (size_t i = 0; i < rs->value_rules.n; i++) {
		const struct bsc_rule *r = rs->value_rules.v[i];
		enum bsc_confidence c = r->confidence;
		double share;

		if (!s->mode[i] || !s->hits[i] ||
		    r->evidence == BSC_EV_CONFIRM)
			continue;
		share = (double)s->hits[i] / (double)s->tested[i];
		if (r->evidence == BSC_EV_COLUMN && share < r->min_share)
			continue;
		/* On a location path the structure says what the values are:
		 * a shape-only column rule may not contradict a path rule, and
		 * needs a real column (several values) to speak alone. */
		if (s->is_path && r->evidence == BSC_EV_COLUMN &&
		    (s->hstrength == 4 ? hcat != r->category
				       : s->nonempty < PATH_COLUMN_CELLS))
			continue;
		if (hcat == r->category || s->mode[i] == 2)
			c = raise(c);
		agg_value(&agg[r->category], r, c, s->hits[i], s->samples[i]);
	}
	if (hcat >= 0) {
		struct agg *a = &agg[hcat];
		bool have_rules;
		double sh = best_share(f, s, hcat, &have_rules);

		if (a->used) {
			a->evidence |= BSC_EVIDENCE_HEADER;
			a->conf = BSC_CONF_HIGH;
			if (s->nonempty > a->count)
				a->count = s->nonempty;
		} else {
			a->used = true;
			a->rule = s->hrule;
			a->evidence = BSC_EVIDENCE_HEADER;
			a->count = s->nonempty;
			a->sample = s->first;
			if (s->nonempty == 0) {
				a->conf = BSC_CONF_LOW;
				a->note = "column is empty";
			} else if (have_rules && sh >= 0.5) {
				a->conf = BSC_CONF_HIGH;
				a->evidence |= BSC_EVIDENCE_VALUE;
			} else if (have_rules && sh < 0.1 &&
				   s->hstrength != 4) {
				/* A path rule is the document's structure:
				 * shapes made for CSV columns (a CIM-10
				 * code, a French phone) do not contradict
				 * it. */
				a->conf = lower(s->hrule->confidence);
				a->note = "values do not look like this "
					  "category";
			} else {
				a->conf = s->hrule->confidence;
			}
		}
	}
	for (int c = 0; c < (int)rs->n_cats; c++) {
		struct agg *a = &agg[c];

		if (!a->used || (int)a->conf < f->ctx->min_confidence)
			continue;
		push_finding(f, s, c, a);
		/* Whole-column categories count for every non-empty cell;
		 * standalone hits are counted per record already. */
		if (a->conf >= BSC_CONF_MEDIUM &&
		    ((a->evidence & BSC_EVIDENCE_HEADER) ||
		     (a->rule && a->rule->evidence == BSC_EV_COLUMN)))
			s->catmask |= 1ull << c;
	}
}

static const char **
names_of(const struct bsc_ruleset *rs, uint64_t mask, size_t *n)
{
	const char **v = bsc_zalloc((rs->n_cats + 1) * sizeof(char *));

	*n = 0;
	for (size_t c = 0; c < rs->n_cats; c++)
		if (mask & (1ull << c))
			v[(*n)++] = rs->cats[c].name;
	qsort(v, *n, sizeof(char *), bsc_strcmp_ptr);
	return v;
}

static uint64_t
shape_mask(const struct bsc_fields *f, const uint64_t *cols, size_t nwords,
	   uint64_t vmask)
{
	uint64_t m = vmask;

	for (size_t w = 0; w < nwords; w++) {
		uint64_t bits = cols[w];

		while (bits) {
			unsigned b = (unsigned)__builtin_ctzll(bits);
			size_t id = w * 64 + b;

			bits &= bits - 1;
			if (id < f->slots.n)
				m |= ((struct slot *)f->slots.v[id])->catmask;
		}
	}
	return m;
}

void
bsc_scope_report(struct bsc_fields *f, struct bsc_item_report *rep,
		 uint64_t *cats)
{
	const struct bsc_ruleset *rs = f->rs;
	uint64_t mask = 0;
	size_t ni = 0, nm = 0;

	if (f->cur_any)
		bsc_fields_end_record(f);
	for (size_t i = 0; i < f->slots.n; i++)
		classify_slot(f, f->slots.v[i]);
	for (size_t i = 0; i < f->n_findings; i++) {
		const struct bsc_finding *x = &f->findings[i];

		if (x->confidence >= BSC_CONF_MEDIUM)
			mask |= 1ull << bsc_ruleset_category(rs, x->category);
	}
	rep->records_identity = rep->records_medical = 0;
	rep->records_linked = 0;
	for (size_t b = 0; b <= SIG_BUCKETS; b++) {
		const struct sig *s =
			b < SIG_BUCKETS ? f->sig_hash[b] : &f->overflow;

		for (; s; s = b < SIG_BUCKETS ? s->next : NULL) {
			uint64_t m = shape_mask(f, s->cols, s->nwords,
						s->vmask);
			bool id = (m & rs->direct_mask) != 0;
			bool med = (m & rs->medical_mask) != 0;

			if (id)
				rep->records_identity += s->count;
			if (med)
				rep->records_medical += s->count;
			/* Keyed records are linked per entity, below. */
			if (id && med && !s->keyed)
				rep->records_linked += s->count;
		}
	}
	for (size_t i = 0; i < f->n_keys; i++) {
		const struct key *k = &f->keys[i];
		uint64_t m;

		if (k->parent != i)
			continue; /* not a root: merged into one */
		m = shape_mask(f, k->cols, k->nwords, k->vmask);
		if ((m & rs->direct_mask) && (m & rs->medical_mask))
			rep->records_linked++;
	}
	/* Past max_signatures keyed and unkeyed shapes share the overflow
	 * shape; keep the upper bound consistent. */
	if (rep->records_linked > rep->records_identity)
		rep->records_linked = rep->records_identity;
	if (rep->records_linked > rep->records_medical)
		rep->records_linked = rep->records_medical;
	if (f->sigs_full) {
		char *n = bsc_asprintf("more than %zu distinct record shapes: "
				       "record counts are upper bounds",
				       f->ctx->limits.max_signatures);

		add_note(f, n);
		free(n);
	}
	f->identity = names_of(rs, mask & rs->identity_mask, &ni);
	f->medical = names_of(rs, mask & rs->medical_mask, &nm);
	rep->findings = f->findings;
	rep->n_findings = f->n_findings;
	rep->identity = f->identity;
	rep->n_identity = ni;
	rep->medical = f->medical;
	rep->n_medical = nm;
	if (cats)
		*cats = mask;
}

const char *
bsc_scope_note(const struct bsc_fields *f)
{
	return f->note;
}
