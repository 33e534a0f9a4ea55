/*
 * pgraph.c - distinct persons as connected components of person keys
 * (scope stage; see pgraph.h for the contract, README "Distinct persons"
 * for the rule).
 *
 * Storage: one node per strong key (and one per weak key that anchors a
 * record without a strong key), in an open-addressing table of node
 * indexes; a union-find over nodes joins the strong keys of a record at
 * once. Weak keys are edges (weak hash, anchor node), resolved only when
 * the figures are asked for, in three steps that do not depend on the
 * order records came in (so one scan and a merge of shards agree):
 *  1. each strong component gets its NIR and name+birth-date values
 *     (smallest hash of each kind) and the OR of its records' flags;
 *  2. a weak key that touches components whose NIRs or names+birth dates
 *     differ is shared (a family phone, a switchboard): it links nothing,
 *     and the anonymous components it touches (no NIR, no name + birth
 *     date) are someone of that group, not one more person;
 *  3. every other weak key joins the components it touches.
 * Past the budget the nodes are dropped and the HyperLogLog sketches of
 * each record's strongest key, fed from the first record on, give the
 * estimate.
 *
 * Categories: a 64-bit set per node (8 bytes a key), ORed like the flags
 * and into the final components; bound[] keeps the per-category upper
 * bounds that stand in past the budget. Professionals and relatives are
 * two child graphs of the same kind, made on first use.
 */
#include "pgraph.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "breachscope.h"
#include "persons.h"
#include "rules.h"
#include "util.h"

struct edge {
	uint64_t weak;
	uint32_t anchor;
};

struct bsc_pgraph {
	size_t budget;
	/* nodes */
	uint64_t *hash;
	uint32_t *parent;
	uint8_t *kind;
	uint8_t *flags;
	uint64_t *cats;  /* categories of the key's records (bits) */
	size_t n, cap;
	uint32_t *table; /* node index + 1; 0 = empty */
	size_t tcap;     /* power of two */
	/* weak edges, deduplicated from time to time */
	struct edge *edges;
	size_t n_edges, cap_edges, dedup_at;
	bool sketch;     /* past the budget: only the sketches count */
	bool any;        /* a record was added */
	uint8_t *hll[3]; /* persons, contactable, minors */
	uint64_t bound[BSC_PG_NFIG]; /* per-category upper bounds (seal) */
	bool cats_partial; /* some records' categories were not kept */
	struct bsc_pgraph *other[BSC_PG_NOTHER]; /* or NULL */
};

enum { HLL_PERSONS, HLL_CONTACT, HLL_MINOR };

struct bsc_pgraph *
bsc_pgraph_new(size_t budget)
{
	struct bsc_pgraph *g = bsc_zalloc(sizeof(*g));

	g->budget = budget ? budget : 1;
	for (int i = 0; i < 3; i++)
		g->hll[i] = bsc_zalloc(BSC_HLL_M);
	return g;
}

static void
drop_nodes(struct bsc_pgraph *g)
{
	free(g->hash);
	free(g->parent);
	free(g->kind);
	free(g->flags);
	free(g->cats);
	free(g->table);
	free(g->edges);
	g->hash = NULL;
	g->parent = NULL;
	g->kind = g->flags = NULL;
	g->cats = NULL;
	g->table = NULL;
	g->edges = NULL;
	g->n = g->cap = g->tcap = 0;
	g->n_edges = g->cap_edges = g->dedup_at = 0;
}

void
bsc_pgraph_free(struct bsc_pgraph *g)
{
	if (!g)
		return;
	drop_nodes(g);
	for (int i = 0; i < 3; i++)
		free(g->hll[i]);
	for (int i = 0; i < BSC_PG_NOTHER; i++)
		bsc_pgraph_free(g->other[i]);
	free(g);
}

/* ---- nodes and union-find --------------------------------------------- */

static uint32_t
find(uint32_t *parent, uint32_t i)
{
	while (parent[i] != i) {
		parent[i] = parent[parent[i]];
		i = parent[i];
	}
	return i;
}

/* Join two components; the smaller index is the root, so that the root
 * of a component does not depend on which union came first. */
static void
unite(uint32_t *parent, uint32_t a, uint32_t b)
{
	a = find(parent, a);
	b = find(parent, b);
	if (a == b)
		return;
	if (a < b)
		parent[b] = a;
	else
		parent[a] = b;
}

static size_t
slot_of(uint64_t h, size_t tcap)
{
	return (size_t)((h ^ (h >> 29)) * 0x9E3779B97F4A7C15ull) & (tcap - 1);
}

static void
rehash(struct bsc_pgraph *g)
{
	size_t tcap = g->tcap ? g->tcap * 2 : 1024;

	free(g->table);
	g->table = bsc_zalloc(tcap * sizeof(uint32_t));
	g->tcap = tcap;
	for (size_t i = 0; i < g->n; i++) {
		size_t s = slot_of(g->hash[i], tcap);

		while (g->table[s])
			s = (s + 1) & (tcap - 1);
		g->table[s] = (uint32_t)i + 1;
	}
}

static void
to_sketch(struct bsc_pgraph *g)
{
	drop_nodes(g);
	g->sketch = true;
}

/* The node of key (h, kind), created when new; BSC_PG_NONE past the
 * budget (the graph is then a sketch). */
static uint32_t
node(struct bsc_pgraph *g, uint64_t h, uint8_t kind)
{
	size_t s;

	if (g->sketch)
		return BSC_PG_NONE;
	if ((g->n + 1) * 2 > g->tcap)
		rehash(g);
	for (s = slot_of(h, g->tcap); g->table[s];
	     s = (s + 1) & (g->tcap - 1)) {
		uint32_t i = g->table[s] - 1;

		if (g->hash[i] == h && g->kind[i] == kind)
			return i;
	}
	if (g->n >= g->budget) {
		to_sketch(g);
		return BSC_PG_NONE;
	}
	if (g->n == g->cap) {
		g->cap = g->cap ? g->cap * 2 : 256;
		g->hash = bsc_reallocarray(g->hash, g->cap, sizeof(uint64_t));
		g->parent =
		    bsc_reallocarray(g->parent, g->cap, sizeof(uint32_t));
		g->kind = bsc_reallocarray(g->kind, g->cap, 1);
		g->flags = bsc_reallocarray(g->flags, g->cap, 1);
		g->cats = bsc_reallocarray(g->cats, g->cap, sizeof(uint64_t));
	}
	g->hash[g->n] = h;
	g->parent[g->n] = (uint32_t)g->n;
	g->kind[g->n] = kind;
	g->flags[g->n] = 0;
	g->cats[g->n] = 0;
	g->table[s] = (uint32_t)g->n + 1;
	return (uint32_t)g->n++;
}

/* ---- weak edges ------------------------------------------------------- */

static int
cmp_edge(const void *a, const void *b)
{
	const struct edge *x = a, *y = b;

	if (x->weak != y->weak)
		return x->weak < y->weak ? -1 : 1;
	return x->anchor < y->anchor ? -1 : x->anchor > y->anchor;
}

/* Sort, map anchors to their current roots, drop repeats. */
static void
dedup_edges(struct bsc_pgraph *g)
{
	size_t w = 0;

	for (size_t i = 0; i < g->n_edges; i++)
		g->edges[i].anchor = find(g->parent, g->edges[i].anchor);
	if (g->n_edges)
		qsort(g->edges, g->n_edges, sizeof(*g->edges), cmp_edge);
	for (size_t i = 0; i < g->n_edges; i++)
		if (!w || g->edges[i].weak != g->edges[w - 1].weak ||
		    g->edges[i].anchor != g->edges[w - 1].anchor)
			g->edges[w++] = g->edges[i];
	g->n_edges = w;
	g->dedup_at = w * 2 > 4096 ? w * 2 : 4096;
}

static void
add_edge(struct bsc_pgraph *g, uint64_t weak, uint32_t anchor)
{
	if (g->sketch)
		return;
	if (g->n_edges >= g->dedup_at)
		dedup_edges(g);
	if (g->n_edges >= g->budget) {
		to_sketch(g);
		return;
	}
	if (g->n_edges == g->cap_edges) {
		g->cap_edges = g->cap_edges ? g->cap_edges * 2 : 256;
		g->edges =
		    bsc_reallocarray(g->edges, g->cap_edges, sizeof(*g->edges));
	}
	g->edges[g->n_edges].weak = weak;
	g->edges[g->n_edges].anchor = anchor;
	g->n_edges++;
}

/* ---- records ---------------------------------------------------------- */

static void
sketch_record(struct bsc_pgraph *g, unsigned flags, uint64_t strongest)
{
	bsc_hll_add(g->hll[HLL_PERSONS], strongest);
	if (flags & BSC_PF_CONTACT)
		bsc_hll_add(g->hll[HLL_CONTACT], strongest);
	if (flags & BSC_PF_MINOR)
		bsc_hll_add(g->hll[HLL_MINOR], strongest);
}

uint32_t
bsc_pgraph_add(struct bsc_pgraph *g, const struct bsc_pkey *keys, size_t n,
               unsigned flags, uint64_t strongest)
{
	uint32_t anchor = BSC_PG_NONE;

	if (n == 0)
		return BSC_PG_NONE;
	g->any = true;
	sketch_record(g, flags, strongest);
	/* Strong keys join at once; the first one anchors the record. */
	for (size_t i = 0; i < n && !g->sketch; i++) {
		uint32_t x;

		if (keys[i].kind == BSC_PKK_WEAK)
			continue;
		x = node(g, keys[i].hash, (uint8_t)keys[i].kind);
		if (x == BSC_PG_NONE)
			return BSC_PG_NONE;
		if (anchor == BSC_PG_NONE)
			anchor = x;
		else
			unite(g->parent, anchor, x);
	}
	/* A record with weak keys only is anchored by its first. */
	for (size_t i = 0; i < n && anchor == BSC_PG_NONE && !g->sketch; i++)
		if (keys[i].kind == BSC_PKK_WEAK)
			anchor = node(g, keys[i].hash, BSC_PKK_WEAK);
	if (anchor == BSC_PG_NONE)
		return BSC_PG_NONE;
	for (size_t i = 0; i < n && !g->sketch; i++)
		if (keys[i].kind == BSC_PKK_WEAK)
			add_edge(g, keys[i].hash, anchor);
	if (g->sketch)
		return BSC_PG_NONE;
	g->flags[anchor] |= (uint8_t)flags;
	return anchor;
}

void
bsc_pgraph_flag(struct bsc_pgraph *g, uint32_t anchor, unsigned flags,
                uint64_t cats)
{
	if (!g->sketch && anchor < g->n) {
		g->flags[anchor] |= (uint8_t)flags;
		g->cats[anchor] |= cats;
	}
}

struct bsc_pgraph *
bsc_pgraph_other(struct bsc_pgraph *g, enum bsc_pg_other which)
{
	if (!g->other[which])
		g->other[which] = bsc_pgraph_new(g->budget);
	return g->other[which];
}

void
bsc_pgraph_join(struct bsc_pgraph *g, uint32_t a, uint32_t b)
{
	if (!g->sketch && a < g->n && b < g->n)
		unite(g->parent, a, b);
}

static void merge_one(struct bsc_pgraph *dst, const struct bsc_pgraph *src);

void
bsc_pgraph_merge(struct bsc_pgraph *dst, const struct bsc_pgraph *src)
{
	for (int i = 0; i < BSC_PG_NOTHER; i++)
		if (src->other[i] && src->other[i]->any)
			merge_one(bsc_pgraph_other(dst, (enum bsc_pg_other)i),
				  src->other[i]);
	merge_one(dst, src);
}

static void
merge_one(struct bsc_pgraph *dst, const struct bsc_pgraph *src)
{
	uint32_t *map;

	if (!src->any)
		return;
	dst->any = true;
	for (int k = 0; k < 3; k++)
		for (size_t i = 0; i < BSC_HLL_M; i++)
			if (src->hll[k][i] > dst->hll[k][i])
				dst->hll[k][i] = src->hll[k][i];
	for (int k = 0; k < BSC_PG_NFIG; k++)
		dst->bound[k] += src->bound[k];
	dst->cats_partial |= src->cats_partial;
	if (src->sketch)
		to_sketch(dst);
	if (dst->sketch)
		return;
	map = bsc_zalloc((src->n ? src->n : 1) * sizeof(uint32_t));
	for (size_t i = 0; i < src->n && !dst->sketch; i++) {
		map[i] = node(dst, src->hash[i], src->kind[i]);
		if (map[i] != BSC_PG_NONE) {
			dst->flags[map[i]] |= src->flags[i];
			dst->cats[map[i]] |= src->cats[i];
		}
	}
	for (size_t i = 0; i < src->n && !dst->sketch; i++) {
		/* src is const: walk its parents without compressing. */
		uint32_t r = (uint32_t)i;

		while (src->parent[r] != r)
			r = src->parent[r];
		unite(dst->parent, map[i], map[r]);
	}
	for (size_t i = 0; i < src->n_edges && !dst->sketch; i++)
		add_edge(dst, src->edges[i].weak, map[src->edges[i].anchor]);
	free(map);
}

void
bsc_pgraph_absorb(struct bsc_pgraph **dst, struct bsc_pgraph **src)
{
	struct bsc_pgraph *d = *dst, *s = *src;

	if (!d->any && !d->other[0] && !d->other[1] &&
	    d->budget == s->budget) {
		*dst = s;
		*src = d;
		return;
	}
	bsc_pgraph_merge(d, s);
	bsc_pgraph_drop_persons(s);
	for (int i = 0; i < BSC_PG_NOTHER; i++) {
		bsc_pgraph_free(s->other[i]);
		s->other[i] = NULL;
	}
}

void
bsc_pgraph_drop_persons(struct bsc_pgraph *g)
{
	drop_nodes(g);
	g->sketch = false;
	g->any = false;
	g->cats_partial = false;
	memset(g->bound, 0, sizeof(g->bound));
	for (int i = 0; i < 3; i++)
		memset(g->hll[i], 0, BSC_HLL_M);
}

/* ---- figures ---------------------------------------------------------- */

struct comp {
	uint64_t nir, nb; /* smallest hash of each kind, 0 when none */
	uint64_t cats;
	uint8_t flags;
	bool absorbed; /* anonymous, touching a shared weak key */
};

static void
min_into(uint64_t *dst, uint64_t v)
{
	if (!*dst || v < *dst)
		*dst = v;
}

/* Do the components of roots r[0..n) name different persons? */
static bool
conflict(const struct comp *c, const uint32_t *r, size_t n)
{
	uint64_t nir = 0, nb = 0;

	for (size_t i = 0; i < n; i++) {
		const struct comp *x = &c[r[i]];

		if (x->nir && nir && x->nir != nir)
			return true;
		if (x->nb && nb && x->nb != nb)
			return true;
		if (x->nir)
			nir = x->nir;
		if (x->nb)
			nb = x->nb;
	}
	return false;
}

/* Step 1: strong components with their values and flags. */
static struct comp *
strong_components(const struct bsc_pgraph *g, uint32_t *par)
{
	struct comp *c = bsc_zalloc((g->n ? g->n : 1) * sizeof(*c));

	for (size_t i = 0; i < g->n; i++) {
		uint32_t r = find(par, (uint32_t)i);

		if (g->kind[i] == BSC_PKK_NIR)
			min_into(&c[r].nir, g->hash[i]);
		else if (g->kind[i] == BSC_PKK_NAME_BIRTH)
			min_into(&c[r].nb, g->hash[i]);
		c[r].flags |= g->flags[i];
		c[r].cats |= g->cats[i];
	}
	return c;
}

/* Steps 2 and 3 over edges sorted by weak key, anchors as roots of par;
 * joins go into fin. Returns the number of shared weak keys. */
static uint64_t
resolve_weak(const struct edge *e, size_t ne, uint32_t *par, uint32_t *fin,
             struct comp *c)
{
	uint32_t *roots = NULL;
	size_t cap = 0;
	uint64_t shared = 0;

	for (size_t i = 0; i < ne;) {
		size_t j = i, n = 0;

		while (j < ne && e[j].weak == e[i].weak)
			j++;
		if (j - i > cap) {
			cap = j - i;
			roots = bsc_reallocarray(roots, cap, sizeof(uint32_t));
		}
		for (size_t k = i; k < j; k++)
			roots[n++] = find(par, e[k].anchor);
		if (conflict(c, roots, n)) {
			shared++;
			for (size_t k = 0; k < n; k++)
				if (!c[roots[k]].nir && !c[roots[k]].nb)
					c[roots[k]].absorbed = true;
		} else {
			for (size_t k = 1; k < n; k++)
				unite(fin, roots[0], roots[k]);
		}
		i = j;
	}
	free(roots);
	return shared;
}

/* A final component's categories into the per-category figures. */
static void
count_cats(uint64_t cats, const struct bsc_pcats *t, uint64_t *fig)
{
	for (uint64_t b = cats; b; b &= b - 1)
		fig[__builtin_ctzll(b)]++;
	if (t && (cats & t->identity))
		fig[BSC_PG_IDENTITY]++;
	if (t && (cats & t->medical))
		fig[BSC_PG_MEDICAL]++;
}

static void
count_exact(const struct bsc_pgraph *g, const struct bsc_pcats *t,
            struct bsc_pcount *out)
{
	size_t n = g->n;
	uint32_t *par = bsc_zalloc((n ? n : 1) * sizeof(uint32_t));
	uint32_t *fin = bsc_zalloc((n ? n : 1) * sizeof(uint32_t));
	struct edge *e = bsc_zalloc((g->n_edges ? g->n_edges : 1) * sizeof(*e));
	struct comp *c, *f;

	if (n)
		memcpy(par, g->parent, n * sizeof(uint32_t));
	for (size_t i = 0; i < n; i++)
		fin[i] = (uint32_t)i;
	c = strong_components(g, par);
	for (size_t i = 0; i < g->n_edges; i++) {
		e[i].weak = g->edges[i].weak;
		e[i].anchor = find(par, g->edges[i].anchor);
	}
	if (g->n_edges)
		qsort(e, g->n_edges, sizeof(*e), cmp_edge);
	out->shared = resolve_weak(e, g->n_edges, par, fin, c);
	/* The final components: what their strong parts add up to. */
	f = bsc_zalloc((n ? n : 1) * sizeof(*f));
	for (size_t i = 0; i < n; i++) {
		uint32_t r, fr;

		if (par[i] != i)
			continue; /* not a strong root */
		r = (uint32_t)i;
		fr = find(fin, r);
		f[fr].nir |= c[r].nir;
		f[fr].nb |= c[r].nb;
		f[fr].flags |= c[r].flags;
		f[fr].cats |= c[r].cats;
		f[fr].absorbed |= c[r].absorbed;
	}
	for (size_t i = 0; i < n; i++) {
		const struct comp *x = &f[i];

		if (par[i] != i || fin[i] != i)
			continue;
		if (x->absorbed && !x->nir && !x->nb)
			continue; /* someone of a group sharing a contact */
		out->persons++;
		if (x->flags & BSC_PF_CONTACT)
			out->contactable++;
		if (x->flags & BSC_PF_MINOR)
			out->minors++;
		if ((x->flags & BSC_PF_LINKED) ||
		    ((x->flags & BSC_PF_MEDICAL) && (x->flags & BSC_PF_IDENT)))
			out->health++;
		count_cats(x->cats, t, out->cats);
	}
	free(f);
	free(c);
	free(e);
	free(fin);
	free(par);
}

void
bsc_pgraph_count(const struct bsc_pgraph *g, const struct bsc_pcats *t,
                 struct bsc_pcount *out)
{
	memset(out, 0, sizeof(*out));
	if (!g->any)
		return;
	if (!g->sketch) {
		count_exact(g, t, out);
		if (g->cats_partial) {
			memcpy(out->cats, g->bound, sizeof(out->cats));
			out->cats_bound = true;
		}
		return;
	}
	out->approx = true;
	memcpy(out->cats, g->bound, sizeof(out->cats));
	out->cats_bound = true;
	out->persons = bsc_hll_estimate(g->hll[HLL_PERSONS], &out->error);
	out->contactable = bsc_hll_estimate(g->hll[HLL_CONTACT], &out->error);
	out->minors = bsc_hll_estimate(g->hll[HLL_MINOR], &out->error);
	/* Health exposure is known per record only after the item ends:
	 * the sketch cannot say; the caller bounds it. */
	out->health = 0;
}

static void
other_figures(const struct bsc_pgraph *g, struct bsc_other_persons *o)
{
	struct bsc_pcount pc;

	memset(o, 0, sizeof(*o));
	if (!g)
		return;
	bsc_pgraph_count(g, NULL, &pc);
	o->count = pc.persons;
	o->approximate = pc.approx;
	o->error = pc.error;
}

void
bsc_pgraph_figures(const struct bsc_pgraph *g, uint64_t linked,
                   const struct bsc_pcats *t, struct bsc_persons *p)
{
	struct bsc_pcount pc;

	bsc_pgraph_count(g, t, &pc);
	p->count = pc.persons;
	p->approximate = pc.approx;
	p->error = pc.error;
	p->contactable = pc.contactable;
	p->minors = pc.minors;
	p->shared_contacts = pc.shared;
	p->health = pc.health;
	p->health_bound = false;
	if (pc.approx) {
		p->health = linked < p->count ? linked : p->count;
		p->health_bound = true;
	}
	p->n_by_category = 0;
	for (size_t c = 0; t && c < t->n; c++)
		if (pc.cats[c]) {
			p->by_category[p->n_by_category].category = t->name[c];
			p->by_category[p->n_by_category++].count = pc.cats[c];
		}
	p->with_identity = pc.cats[BSC_PG_IDENTITY];
	p->with_medical = pc.cats[BSC_PG_MEDICAL];
	p->categories_bound = pc.cats_bound;
	other_figures(g->other[BSC_PG_PROFESSIONALS], &p->professionals);
	other_figures(g->other[BSC_PG_RELATIVES], &p->relatives);
}

void
bsc_pgraph_seal(struct bsc_pgraph *g, const struct bsc_pcats *t,
                const uint64_t *records, bool partial)
{
	struct bsc_pcount pc;

	if (!g->any)
		return;
	g->cats_partial |= partial;
	if (g->sketch || g->cats_partial) {
		memcpy(g->bound, records, sizeof(g->bound));
		return;
	}
	memset(&pc, 0, sizeof(pc));
	count_exact(g, t, &pc);
	memcpy(g->bound, pc.cats, sizeof(g->bound));
}

void
bsc_pcats_from_rules(const struct bsc_ruleset *rs, struct bsc_pcats *t)
{
	memset(t, 0, sizeof(*t));
	for (size_t c = 0; c < rs->n_cats && c < BSC_PG_CATS; c++) {
		t->name[c] = rs->cats[c].name;
		if (rs->cats[c].cls == BSC_CLASS_MEDICAL)
			t->medical |= 1ull << c;
		else
			t->identity |= 1ull << c;
	}
	t->n = rs->n_cats < BSC_PG_CATS ? rs->n_cats : BSC_PG_CATS;
}

void
bsc_pcats_release_names(struct bsc_pcats *t)
{
	for (size_t c = 0; c < t->n; c++)
		free((char *)t->name[c]);
	memset(t, 0, sizeof(*t));
}

static int
cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

char *
bsc_pgraph_keys_text(const struct bsc_pgraph *g)
{
	size_t n = g->sketch ? 0 : g->n + g->n_edges, k = 0, w = 0;
	uint64_t *v = bsc_zalloc((n ? n : 1) * sizeof(uint64_t));
	char *out, *p;

	for (size_t i = 0; i < g->n && !g->sketch; i++)
		v[k++] = g->hash[i];
	for (size_t i = 0; i < g->n_edges && !g->sketch; i++)
		v[k++] = g->edges[i].weak;
	if (k)
		qsort(v, k, sizeof(uint64_t), cmp_u64);
	out = p = bsc_zalloc(k * 17 + 1);
	for (size_t i = 0; i < k; i++) {
		if (w && v[i] == v[i - 1])
			continue;
		p += sprintf(p, "%s%016llx", w++ ? " " : "",
			     (unsigned long long)v[i]);
	}
	free(v);
	return out;
}

/* ---- text form -------------------------------------------------------- */

static void
put_u64(unsigned char *p, uint64_t v)
{
	for (int b = 0; b < 8; b++)
		p[b] = (unsigned char)(v >> (56 - 8 * b));
}

static uint64_t
get_u64(const unsigned char *p)
{
	uint64_t v = 0;

	for (int b = 0; b < 8; b++)
		v = (v << 8) | p[b];
	return v;
}

/* A growing byte buffer for the dump. */
struct buf {
	unsigned char *p;
	size_t n, cap;
};

static unsigned char *
buf_room(struct buf *b, size_t n)
{
	unsigned char *at;

	if (b->n + n > b->cap) {
		b->cap = (b->n + n) * 2;
		b->p = bsc_reallocarray(b->p, b->cap, 1);
	}
	at = b->p + b->n;
	b->n += n;
	return at;
}

static void
buf_u64(struct buf *b, uint64_t v)
{
	put_u64(buf_room(b, 8), v);
}

/* Node order of the dump: by hash, then kind. */
struct nk {
	uint64_t hash;
	uint32_t idx;
	uint8_t kind;
};

static int
cmp_node(const void *a, const void *b)
{
	const struct nk *x = a, *y = b;

	if (x->hash != y->hash)
		return x->hash < y->hash ? -1 : 1;
	return x->kind < y->kind ? -1 : x->kind > y->kind;
}

/*
 * One graph, in a canonical form (the same bytes whatever order its
 * records came in, or how it was merged): flags byte (1 = sketch, 2 = any
 * record, 4 = categories partial), node count and edge count (8 bytes
 * each), per node by (hash, kind): hash (8), the position of the first
 * node of its component (8), kind (1), flags (1), categories (8); per edge
 * by (weak hash, anchor), without repeats: weak hash (8) and the position
 * of its component's first node (8); the BSC_PG_NFIG bounds (8 each); the
 * three sketches of BSC_HLL_M bytes.
 */
static void
dump_one(struct buf *b, const struct bsc_pgraph *g)
{
	size_t n = g->sketch ? 0 : g->n, ne = g->sketch ? 0 : g->n_edges;
	size_t w = 0;
	uint32_t *par = bsc_zalloc((n ? n : 1) * sizeof(uint32_t));
	struct nk *order = bsc_zalloc((n ? n : 1) * sizeof(*order));
	uint32_t *rep = bsc_zalloc((n ? n : 1) * sizeof(uint32_t));
	struct edge *e = bsc_zalloc((ne ? ne : 1) * sizeof(*e));

	if (n)
		memcpy(par, g->parent, n * sizeof(uint32_t));
	for (size_t i = 0; i < n; i++) {
		order[i].hash = g->hash[i];
		order[i].idx = (uint32_t)i;
		order[i].kind = g->kind[i];
		rep[i] = UINT32_MAX;
	}
	if (n)
		qsort(order, n, sizeof(*order), cmp_node);
	/* rep[root] = position of the component's first node */
	for (size_t k = 0; k < n; k++) {
		uint32_t r = find(par, order[k].idx);

		if (rep[r] == UINT32_MAX)
			rep[r] = (uint32_t)k;
	}
	for (size_t i = 0; i < ne; i++) {
		e[i].weak = g->edges[i].weak;
		e[i].anchor = rep[find(par, g->edges[i].anchor)];
	}
	if (ne)
		qsort(e, ne, sizeof(*e), cmp_edge);
	for (size_t i = 0; i < ne; i++)
		if (!w || e[i].weak != e[w - 1].weak ||
		    e[i].anchor != e[w - 1].anchor)
			e[w++] = e[i];
	*buf_room(b, 1) = (unsigned char)((g->sketch ? 1 : 0) |
					  (g->any ? 2 : 0) |
					  (g->cats_partial ? 4 : 0));
	buf_u64(b, n);
	buf_u64(b, w);
	for (size_t k = 0; k < n; k++) {
		unsigned char *p = buf_room(b, 26);
		uint32_t i = order[k].idx;

		put_u64(p, g->hash[i]);
		put_u64(p + 8, rep[find(par, i)]);
		p[16] = g->kind[i];
		p[17] = g->flags[i];
		put_u64(p + 18, g->cats[i]);
	}
	for (size_t i = 0; i < w; i++) {
		buf_u64(b, e[i].weak);
		buf_u64(b, e[i].anchor);
	}
	for (int k = 0; k < BSC_PG_NFIG; k++)
		buf_u64(b, g->bound[k]);
	for (int k = 0; k < 3; k++)
		memcpy(buf_room(b, BSC_HLL_M), g->hll[k], BSC_HLL_M);
	free(e);
	free(rep);
	free(order);
	free(par);
}

/*
 * Layout before base64: "G2"; the category count (1 byte), then per
 * category its class (1 byte: 1 medical), name length (1) and name; the
 * graph (dump_one); a byte with bit i set when other graph i follows, and
 * those graphs.
 */
char *
bsc_pgraph_dump(const struct bsc_pgraph *g, const struct bsc_pcats *t)
{
	struct buf b = {0};
	unsigned char *p, present = 0;
	size_t nc = t ? t->n : 0;
	char *out;

	p = buf_room(&b, 3);
	p[0] = 'G';
	p[1] = '2';
	p[2] = (unsigned char)nc;
	for (size_t c = 0; c < nc; c++) {
		size_t len = strlen(t->name[c]);

		if (len > 255)
			len = 255;
		p = buf_room(&b, 2 + len);
		p[0] = (t->medical >> c) & 1 ? 1 : 0;
		p[1] = (unsigned char)len;
		memcpy(p + 2, t->name[c], len);
	}
	dump_one(&b, g);
	for (int i = 0; i < BSC_PG_NOTHER; i++)
		if (g->other[i] && g->other[i]->any)
			present |= (unsigned char)(1u << i);
	*buf_room(&b, 1) = present;
	for (int i = 0; i < BSC_PG_NOTHER; i++)
		if (present & (1u << i))
			dump_one(&b, g->other[i]);
	out = bsc_base64(b.p, b.n, "g2:");
	free(b.p);
	return out;
}

/* A reader over the decoded bytes; every take checks the length. */
struct rd {
	const unsigned char *p;
	size_t left;
	bool bad;
};

static const unsigned char *
take(struct rd *r, size_t n)
{
	const unsigned char *at = r->p;

	if (r->bad || n > r->left) {
		r->bad = true;
		return NULL;
	}
	r->p += n;
	r->left -= n;
	return at;
}

static uint64_t
take_u64(struct rd *r)
{
	const unsigned char *p = take(r, 8);

	return p ? get_u64(p) : 0;
}

/* The categories of a bit mask of the dump, as bits of t. */
static uint64_t
remap(uint64_t m, const int *map)
{
	uint64_t out = 0;

	for (uint64_t b = m; b; b &= b - 1) {
		int c = map[__builtin_ctzll(b)];

		if (c >= 0)
			out |= 1ull << c;
	}
	return out;
}

/* One graph of the dump into a new unbounded graph; NULL when bad. */
static struct bsc_pgraph *
parse_one(struct rd *r, const int *map)
{
	struct bsc_pgraph *src = bsc_pgraph_new(SIZE_MAX);
	const unsigned char *fl = take(r, 1), *p;
	uint64_t n = take_u64(r), ne = take_u64(r);

	if (r->bad || n > UINT32_MAX || n > r->left / 26 ||
	    ne > r->left / 16)
		goto bad;
	src->sketch = fl[0] & 1;
	src->any = (fl[0] & 2) != 0;
	src->cats_partial = (fl[0] & 4) != 0;
	p = take(r, n * 26);
	for (uint64_t i = 0; i < n; i++) {
		uint8_t kind = p[i * 26 + 16];

		if (kind < BSC_PKK_NIR || kind > BSC_PKK_WEAK)
			break;
		node(src, get_u64(p + i * 26), kind);
	}
	if (src->n != n)
		goto bad; /* a key listed twice, or a bad kind */
	for (uint64_t i = 0; i < n; i++, p += 26) {
		uint64_t root = get_u64(p + 8);

		if (root >= n)
			goto bad;
		src->flags[i] = p[17];
		src->cats[i] = remap(get_u64(p + 18), map);
		unite(src->parent, (uint32_t)i, (uint32_t)root);
	}
	for (uint64_t i = 0; i < ne; i++) {
		uint64_t w = take_u64(r), a = take_u64(r);

		if (a >= n)
			goto bad;
		add_edge(src, w, (uint32_t)a);
	}
	for (int k = 0; k < BSC_PG_CATS; k++) {
		uint64_t v = take_u64(r);

		if (map[k] >= 0)
			src->bound[map[k]] = v;
	}
	src->bound[BSC_PG_IDENTITY] = take_u64(r);
	src->bound[BSC_PG_MEDICAL] = take_u64(r);
	for (int k = 0; k < 3; k++) {
		p = take(r, BSC_HLL_M);
		if (p)
			memcpy(src->hll[k], p, BSC_HLL_M);
	}
	if (r->bad)
		goto bad;
	return src;
bad:
	r->bad = true;
	bsc_pgraph_free(src);
	return NULL;
}

/* The dump's categories onto t: map[bit of the dump] = bit of t. */
static bool
parse_cats(struct rd *r, struct bsc_pcats *t, int *map)
{
	const unsigned char *h = take(r, 1);

	for (int c = 0; c < BSC_PG_CATS; c++)
		map[c] = -1;
	if (!h || h[0] > BSC_PG_CATS)
		return false;
	for (unsigned c = 0; c < h[0]; c++) {
		const unsigned char *cls = take(r, 2), *name;
		size_t k;

		if (!cls || !(name = take(r, cls[1])))
			return false;
		for (k = 0; k < t->n; k++)
			if (strlen(t->name[k]) == cls[1] &&
			    !memcmp(t->name[k], name, cls[1]))
				break;
		if (k == t->n) {
			if (t->n == BSC_PG_CATS)
				continue; /* no room: dropped */
			t->name[t->n++] = bsc_strndup((const char *)name,
						      cls[1]);
			if (cls[0] == 1)
				t->medical |= 1ull << k;
			else
				t->identity |= 1ull << k;
		}
		map[c] = (int)k;
	}
	return true;
}

struct bsc_pgraph *
bsc_pgraph_parse(const char *text, size_t budget, struct bsc_pcats *t)
{
	struct bsc_pgraph *src = NULL, *g = NULL;
	struct rd r;
	unsigned char *b;
	const unsigned char *m;
	size_t len = 0;
	int map[BSC_PG_CATS];

	if (strncmp(text, "g2:", 3))
		return NULL;
	b = bsc_unbase64(text + 3, &len);
	if (!b)
		return NULL;
	r.p = b;
	r.left = len;
	r.bad = false;
	m = take(&r, 2);
	if (!m || m[0] != 'G' || m[1] != '2' || !parse_cats(&r, t, map) ||
	    !(src = parse_one(&r, map)))
		goto out;
	m = take(&r, 1);
	for (int i = 0; m && i < BSC_PG_NOTHER && !r.bad; i++)
		if (m[0] & (1u << i))
			src->other[i] = parse_one(&r, map);
	if (!m || r.bad || r.left)
		goto out;
	/* Read unbounded, then merge under the budget. */
	g = bsc_pgraph_new(budget);
	bsc_pgraph_merge(g, src);
	if (src->any && !g->any)
		g->any = true;
out:
	bsc_pgraph_free(src);
	free(b);
	return g;
}
