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
 */
#include "pgraph.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "breachscope.h"
#include "persons.h"
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
	size_t n, cap;
	uint32_t *table; /* node index + 1; 0 = empty */
	size_t tcap;     /* power of two */
	/* weak edges, deduplicated from time to time */
	struct edge *edges;
	size_t n_edges, cap_edges, dedup_at;
	bool sketch;     /* past the budget: only the sketches count */
	bool any;        /* a record was added */
	uint8_t *hll[3]; /* persons, contactable, minors */
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
	free(g->table);
	free(g->edges);
	g->hash = NULL;
	g->parent = NULL;
	g->kind = g->flags = NULL;
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
	}
	g->hash[g->n] = h;
	g->parent[g->n] = (uint32_t)g->n;
	g->kind[g->n] = kind;
	g->flags[g->n] = 0;
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
bsc_pgraph_flag(struct bsc_pgraph *g, uint32_t anchor, unsigned flags)
{
	if (!g->sketch && anchor < g->n)
		g->flags[anchor] |= (uint8_t)flags;
}

void
bsc_pgraph_join(struct bsc_pgraph *g, uint32_t a, uint32_t b)
{
	if (!g->sketch && a < g->n && b < g->n)
		unite(g->parent, a, b);
}

void
bsc_pgraph_merge(struct bsc_pgraph *dst, const struct bsc_pgraph *src)
{
	uint32_t *map;

	if (!src->any)
		return;
	dst->any = true;
	for (int k = 0; k < 3; k++)
		for (size_t i = 0; i < BSC_HLL_M; i++)
			if (src->hll[k][i] > dst->hll[k][i])
				dst->hll[k][i] = src->hll[k][i];
	if (src->sketch)
		to_sketch(dst);
	if (dst->sketch)
		return;
	map = bsc_zalloc((src->n ? src->n : 1) * sizeof(uint32_t));
	for (size_t i = 0; i < src->n && !dst->sketch; i++) {
		map[i] = node(dst, src->hash[i], src->kind[i]);
		if (map[i] != BSC_PG_NONE)
			dst->flags[map[i]] |= src->flags[i];
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

	if (!d->any && d->budget == s->budget) {
		*dst = s;
		*src = d;
		return;
	}
	bsc_pgraph_merge(d, s);
	drop_nodes(s);
	s->sketch = false;
	s->any = false;
	for (int i = 0; i < 3; i++)
		memset(s->hll[i], 0, BSC_HLL_M);
}

/* ---- figures ---------------------------------------------------------- */

struct comp {
	uint64_t nir, nb; /* smallest hash of each kind, 0 when none */
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

static void
count_exact(const struct bsc_pgraph *g, struct bsc_pcount *out)
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
	}
	free(f);
	free(c);
	free(e);
	free(fin);
	free(par);
}

void
bsc_pgraph_count(const struct bsc_pgraph *g, struct bsc_pcount *out)
{
	memset(out, 0, sizeof(*out));
	if (!g->any)
		return;
	if (!g->sketch) {
		count_exact(g, out);
		return;
	}
	out->approx = true;
	out->persons = bsc_hll_estimate(g->hll[HLL_PERSONS], &out->error);
	out->contactable = bsc_hll_estimate(g->hll[HLL_CONTACT], &out->error);
	out->minors = bsc_hll_estimate(g->hll[HLL_MINOR], &out->error);
	/* Health exposure is known per record only after the item ends:
	 * the sketch cannot say; the caller bounds it. */
	out->health = 0;
}

void
bsc_pgraph_figures(const struct bsc_pgraph *g, uint64_t linked,
                   struct bsc_persons *p)
{
	struct bsc_pcount pc;

	bsc_pgraph_count(g, &pc);
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

/*
 * Binary layout before base64: "G1", flags byte (1 = sketch), node count
 * and edge count (8 bytes each), then per node hash (8), root (8), kind
 * (1), flags (1); per edge weak hash (8) and anchor (8); then the three
 * sketches of BSC_HLL_M bytes.
 */
char *
bsc_pgraph_dump(const struct bsc_pgraph *g)
{
	size_t n = g->sketch ? 0 : g->n, ne = g->sketch ? 0 : g->n_edges;
	size_t len = 3 + 16 + n * 18 + ne * 16 + 3 * (size_t)BSC_HLL_M;
	unsigned char *b = bsc_zalloc(len), *p = b;
	uint32_t *par = bsc_zalloc((n ? n : 1) * sizeof(uint32_t));
	char *out;

	if (n)
		memcpy(par, g->parent, n * sizeof(uint32_t));
	*p++ = 'G';
	*p++ = '1';
	*p++ = (unsigned char)((g->sketch ? 1 : 0) | (g->any ? 2 : 0));
	put_u64(p, n);
	put_u64(p + 8, ne);
	p += 16;
	for (size_t i = 0; i < n; i++, p += 18) {
		put_u64(p, g->hash[i]);
		put_u64(p + 8, find(par, (uint32_t)i));
		p[16] = g->kind[i];
		p[17] = g->flags[i];
	}
	for (size_t i = 0; i < ne; i++, p += 16) {
		put_u64(p, g->edges[i].weak);
		put_u64(p + 8, g->edges[i].anchor);
	}
	for (int k = 0; k < 3; k++, p += BSC_HLL_M)
		memcpy(p, g->hll[k], BSC_HLL_M);
	out = bsc_base64(b, len, "g1:");
	free(par);
	free(b);
	return out;
}

struct bsc_pgraph *
bsc_pgraph_parse(const char *text, size_t budget)
{
	struct bsc_pgraph *src, *g;
	unsigned char *b, *p;
	size_t len = 0;
	uint64_t n, ne;

	if (strncmp(text, "g1:", 3))
		return NULL;
	b = bsc_unbase64(text + 3, &len);
	if (!b || len < 19 || b[0] != 'G' || b[1] != '1')
		goto bad;
	n = get_u64(b + 3);
	ne = get_u64(b + 11);
	if (n > UINT32_MAX || ne > SIZE_MAX / 32 ||
	    len != 19 + n * 18 + ne * 16 + 3 * (uint64_t)BSC_HLL_M)
		goto bad;
	/* Read into an unbounded graph, then merge under the budget. */
	src = bsc_pgraph_new(SIZE_MAX);
	src->sketch = b[2] & 1;
	src->any = (b[2] & 2) != 0;
	p = b + 19;
	for (uint64_t i = 0; i < n; i++) {
		uint8_t kind = p[i * 18 + 16];

		if (kind < BSC_PKK_NIR || kind > BSC_PKK_WEAK)
			break;
		node(src, get_u64(p + i * 18), kind);
	}
	if (src->n != n) {
		bsc_pgraph_free(src);
		goto bad; /* a key listed twice */
	}
	for (uint64_t i = 0; i < n; i++, p += 18) {
		uint64_t r = get_u64(p + 8);

		if (r >= n) {
			bsc_pgraph_free(src);
			goto bad;
		}
		src->flags[i] = p[17];
		unite(src->parent, (uint32_t)i, (uint32_t)r);
	}
	for (uint64_t i = 0; i < ne; i++, p += 16) {
		uint64_t a = get_u64(p + 8);

		if (a >= n) {
			bsc_pgraph_free(src);
			goto bad;
		}
		add_edge(src, get_u64(p), (uint32_t)a);
	}
	for (int k = 0; k < 3; k++, p += BSC_HLL_M)
		memcpy(src->hll[k], p, BSC_HLL_M);
	free(b);
	g = bsc_pgraph_new(budget);
	bsc_pgraph_merge(g, src);
	if (src->any && !g->any)
		g->any = true;
	bsc_pgraph_free(src);
	return g;
bad:
	free(b);
	return NULL;
}
