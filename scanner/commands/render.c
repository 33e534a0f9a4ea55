/*
 * render.c - re-renders saved JSON reports (after the sinks, on their
 * output). The JSON of a scan or of a merge is read back into struct
 * bsc_item_report and struct bsc_run_summary, which drive the ordinary
 * sinks, so that "breachscope report --format summary scan.json" writes
 * the same bytes a scan with --format summary would have. No data is read
 * again: only the report.
 *
 * Strings of the rebuilt reports point into the json-c document; the
 * arrays (findings, flags, name lists) are allocated per item and released
 * after the sink saw it.
 */
#include "render.h"

#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

/* ---- JSON accessors --------------------------------------------------- */

static json_object *
get(json_object *o, const char *key)
{
	json_object *v = NULL;

	if (!o || !json_object_is_type(o, json_type_object))
		return NULL;
	json_object_object_get_ex(o, key, &v);
	return v;
}

static const char *
str_of(json_object *o, const char *key)
{
	json_object *v = get(o, key);

	return v && json_object_is_type(v, json_type_string)
		       ? json_object_get_string(v)
		       : NULL;
}

static uint64_t
u64_of(json_object *o, const char *key)
{
	json_object *v = get(o, key);
	int64_t x;

	if (!v || !json_object_is_type(v, json_type_int))
		return 0;
	x = json_object_get_int64(v);
	return x < 0 ? 0 : (uint64_t)x;
}

static bool
bool_of(json_object *o, const char *key)
{
	json_object *v = get(o, key);

	return v && json_object_get_boolean(v);
}

static size_t
len_of(json_object *a)
{
	return a && json_object_is_type(a, json_type_array)
		       ? json_object_array_length(a)
		       : 0;
}

/* An array of strings as a new vector of borrowed strings (NULL when
 * empty); non-strings are left out. */
static const char **
names_of(json_object *arr, size_t *n)
{
	size_t len = len_of(arr);
	const char **v;

	*n = 0;
	if (!len)
		return NULL;
	v = bsc_zalloc(len * sizeof(*v));
	for (size_t i = 0; i < len; i++) {
		json_object *s = json_object_array_get_idx(arr, i);

		if (s && json_object_is_type(s, json_type_string))
			v[(*n)++] = json_object_get_string(s);
	}
	return v;
}

/* ---- enums back from their names ----------------------------------- */

static enum bsc_item_status
status_of(const char *s)
{
	for (int i = 0; s && i < 4; i++)
		if (!strcmp(s, bsc_item_status_name((enum bsc_item_status)i)))
			return (enum bsc_item_status)i;
	return BSC_ITEM_FAILED; /* unknown status: never claim complete */
}

static enum bsc_confidence
confidence_of(const char *s)
{
	for (int i = BSC_CONF_LOW; s && i <= BSC_CONF_HIGH; i++)
		if (!strcmp(s, bsc_confidence_name((enum bsc_confidence)i)))
			return (enum bsc_confidence)i;
	return BSC_CONF_LOW;
}

static enum bsc_subject
subject_of(const char *s)
{
	for (int i = 0; s && i <= BSC_SUBJECT_ORGANIZATION; i++)
		if (!strcmp(s, bsc_subject_name((enum bsc_subject)i)))
			return (enum bsc_subject)i;
	return BSC_SUBJECT_UNKNOWN;
}

static void
location_of(json_object *o, struct bsc_location *loc)
{
	json_object *l = get(o, "location");

	loc->column = (unsigned)u64_of(l, "column");
	loc->header = str_of(l, "header");
	loc->line = (unsigned long)u64_of(l, "line");
	loc->start_char = (unsigned long)u64_of(l, "start_char");
}

/* A "growth" object (past --max-growth), or null: all zero. */
static void
growth_of(json_object *o, struct bsc_growth *g)
{
	json_object *p = get(o, "persons"), *l = get(o, "records_linked");
	json_object *m = get(o, "max_growth");

	memset(g, 0, sizeof(*g));
	if (!o || !json_object_is_type(o, json_type_object))
		return;
	g->persons = p && json_object_is_type(p, json_type_object);
	g->persons_before = u64_of(p, "baseline");
	g->persons_now = u64_of(p, "now");
	g->persons_estimated = bool_of(p, "estimated");
	g->linked = l && json_object_is_type(l, json_type_object);
	g->linked_before = u64_of(l, "baseline");
	g->linked_now = u64_of(l, "now");
	g->max_growth = m ? json_object_get_double(m) : 0;
}

static void
other_of(json_object *o, struct bsc_other_persons *x)
{
	json_object *err = get(o, "error");
	const char *prec = str_of(o, "precision");

	x->count = u64_of(o, "count");
	x->approximate = prec && strcmp(prec, "exact");
	x->error = err && !json_object_is_type(err, json_type_null)
			   ? json_object_get_double(err)
			   : 0;
}

/* Persons per category (names borrowed from the document). */
static void
categories_of(json_object *o, struct bsc_persons *p)
{
	json_object *bc = get(o, "by_category");
	const char *cp = str_of(o, "categories_precision");

	if (bc && json_object_is_type(bc, json_type_object)) {
		json_object_object_foreach(bc, name, v)
		{
			if (p->n_by_category == BSC_PERSONS_MAX_CATEGORIES)
				break;
			p->by_category[p->n_by_category].category = name;
			p->by_category[p->n_by_category++].count =
				(uint64_t)json_object_get_int64(v);
		}
	}
	p->with_identity = u64_of(o, "with_identity");
	p->with_medical = u64_of(o, "with_medical");
	p->categories_bound = cp && !strcmp(cp, "upper_bound");
}

static void
persons_of(json_object *o, struct bsc_persons *p)
{
	static const char *const keys[] = {"national_id", "patient_id",
					   "name_birth_date", "contact"};
	json_object *err = get(o, "error");
	const char *hp = str_of(o, "health_precision");

	memset(p, 0, sizeof(*p));
	if (!o)
		return;
	p->count = u64_of(o, "count");
	p->approximate = bool_of(o, "approximate");
	p->error = err && !json_object_is_type(err, json_type_null)
			   ? json_object_get_double(err)
			   : 0;
	p->health = u64_of(o, "health");
	p->health_bound = hp && !strcmp(hp, "upper_bound");
	p->contactable = u64_of(o, "contactable");
	p->minors = u64_of(o, "minors");
	p->shared_contacts = u64_of(o, "shared_contacts");
	for (int i = 0; i < 4; i++)
		p->by_key[i] = u64_of(get(o, "keys"), keys[i]);
	p->without_key = u64_of(o, "records_without_key");
	p->set = str_of(o, "set");
	categories_of(o, p);
	other_of(get(o, "professionals"), &p->professionals);
	other_of(get(o, "relatives"), &p->relatives);
}

static struct bsc_flag *
flags_of(json_object *arr, size_t *n)
{
	size_t len = len_of(arr);
	struct bsc_flag *v = len ? bsc_zalloc(len * sizeof(*v)) : NULL;

	*n = len;
	for (size_t i = 0; i < len; i++) {
		json_object *f = json_object_array_get_idx(arr, i);
		const char *rfr = str_of(f, "reason_fr");

		v[i].flag = str_of(f, "flag") ? str_of(f, "flag") : "";
		v[i].rule = str_of(f, "rule") ? str_of(f, "rule") : "";
		v[i].reason = str_of(f, "reason") ? str_of(f, "reason") : "";
		v[i].reason_fr = rfr ? rfr : v[i].reason;
		v[i].count = u64_of(f, "count");
		location_of(f, &v[i].loc);
		v[i].path = str_of(f, "file");
	}
	return v;
}

/* ---- one item --------------------------------------------------------- */

/* The arrays a rebuilt item owns. */
struct item_mem {
	struct bsc_finding *findings;
	struct bsc_flag *flags;
	const char **lists[3 + 2 * 4];
};

static void
finding_of(json_object *o, struct bsc_finding *f)
{
	const char *cls = str_of(o, "class");
	const char *sample = str_of(o, "sample");
	json_object *ev = get(o, "evidence");

	f->category = str_of(o, "category") ? str_of(o, "category") : "";
	f->cls = cls && !strcmp(cls, "medical") ? BSC_CLASS_MEDICAL
						: BSC_CLASS_IDENTITY;
	f->rule = str_of(o, "rule") ? str_of(o, "rule") : "";
	location_of(o, &f->loc);
	f->count = u64_of(o, "count");
	f->confidence = confidence_of(str_of(o, "confidence"));
	for (size_t i = 0; i < len_of(ev); i++) {
		const char *e =
			json_object_get_string(json_object_array_get_idx(ev, i));

		if (e && !strcmp(e, "header"))
			f->evidence |= BSC_EVIDENCE_HEADER;
		if (e && !strcmp(e, "value"))
			f->evidence |= BSC_EVIDENCE_VALUE;
	}
	f->subject = subject_of(str_of(o, "subject"));
	f->sample = sample ? sample : "";
	f->note = str_of(o, "note");
	f->fingerprint = str_of(o, "fingerprint");
	f->violation = bool_of(o, "violation");
	f->suppressed = str_of(o, "suppressed");
	f->violates = str_of(o, "violates");
}

static void
item_of(json_object *o, unsigned depth, struct bsc_item_report *r,
	struct item_mem *m)
{
	static const enum bsc_subject order[] = {
		BSC_SUBJECT_UNKNOWN, BSC_SUBJECT_PATIENT,
		BSC_SUBJECT_PROFESSIONAL, BSC_SUBJECT_RELATED};
	json_object *fa = get(o, "findings");
	json_object *subj = get(o, "subjects");
	json_object *members = get(o, "members");

	memset(r, 0, sizeof(*r));
	memset(m, 0, sizeof(*m));
	r->path = str_of(o, "path") ? str_of(o, "path") : "";
	r->container = str_of(o, "container");
	r->format = str_of(o, "format");
	r->encoding = str_of(o, "encoding");
	r->status = status_of(str_of(o, "status"));
	r->reason = str_of(o, "reason");
	r->note = str_of(o, "note");
	r->bytes = u64_of(o, "bytes");
	r->archive = members && json_object_is_type(members, json_type_int);
	r->members = u64_of(o, "members");
	r->records = u64_of(o, "records");
	r->records_identity = u64_of(o, "records_identity");
	r->records_medical = u64_of(o, "records_medical");
	r->records_linked = u64_of(o, "records_linked");
	r->severity = str_of(o, "severity");
	r->violations = (size_t)u64_of(o, "violations");
	growth_of(get(o, "growth"), &r->growth);
	persons_of(get(o, "persons"), &r->persons);
	m->flags = flags_of(get(o, "flags"), &r->n_flags);
	r->flags = m->flags;
	m->lists[0] = names_of(get(o, "care_context"), &r->n_care_context);
	r->care_context = m->lists[0];
	r->sha256 = str_of(o, "sha256");
	r->mtime = str_of(o, "mtime");
	m->lists[1] = names_of(get(o, "identity"), &r->n_identity);
	r->identity = m->lists[1];
	m->lists[2] = names_of(get(o, "medical"), &r->n_medical);
	r->medical = m->lists[2];
	for (size_t i = 0; i < BSC_ARRAY_SIZE(order); i++) {
		json_object *so = get(subj, bsc_subject_name(order[i]));
		struct bsc_subject_categories *sc = &r->subjects[order[i]];

		m->lists[3 + 2 * i] = names_of(get(so, "identity"),
					       &sc->n_identity);
		sc->identity = m->lists[3 + 2 * i];
		m->lists[4 + 2 * i] = names_of(get(so, "medical"),
					       &sc->n_medical);
		sc->medical = m->lists[4 + 2 * i];
	}
	r->n_findings = len_of(fa);
	m->findings = r->n_findings
			      ? bsc_zalloc(r->n_findings * sizeof(*m->findings))
			      : NULL;
	for (size_t i = 0; i < r->n_findings; i++)
		finding_of(json_object_array_get_idx(fa, i), &m->findings[i]);
	r->findings = m->findings;
	r->depth = depth;
}

static void
item_mem_release(struct item_mem *m)
{
	free(m->findings);
	free(m->flags);
	for (size_t i = 0; i < BSC_ARRAY_SIZE(m->lists); i++)
		free(m->lists[i]);
}

/* ---- the order of a scan ---------------------------------------------- */

/* Which item contains which: parent index per item (SIZE_MAX at top
 * level), through a hash table of paths. */
static size_t *
parents_of(json_object *items, size_t n)
{
	size_t cap = 16, *table, *parent = bsc_zalloc((n ? n : 1) *
						      sizeof(*parent));

	while (cap < 2 * n)
		cap *= 2;
	table = bsc_zalloc(cap * sizeof(*table)); /* index + 1; 0 = empty */
	for (size_t i = 0; i < n; i++) {
		const char *p = str_of(json_object_array_get_idx(items, i),
				       "path");
		size_t h;

		if (!p)
			continue;
		h = (size_t)bsc_hash64(p, strlen(p), 0) & (cap - 1);
		while (table[h])
			h = (h + 1) & (cap - 1);
		table[h] = i + 1;
	}
	for (size_t i = 0; i < n; i++) {
		const char *c = str_of(json_object_array_get_idx(items, i),
				       "container");
		size_t h;

		parent[i] = SIZE_MAX;
		if (!c)
			continue;
		h = (size_t)bsc_hash64(c, strlen(c), 0) & (cap - 1);
		for (; table[h]; h = (h + 1) & (cap - 1)) {
			const char *p = str_of(
				json_object_array_get_idx(items, table[h] - 1),
				"path");

			if (p && !strcmp(p, c) && table[h] - 1 != i) {
				parent[i] = table[h] - 1;
				break;
			}
		}
	}
	free(table);
	return parent;
}

struct walker {
	json_object *items;
	const struct bsc_sink *sink;
	size_t n;
	size_t *first, *next; /* children lists: first child, next sibling */
	unsigned *depth;      /* nesting level of each item */
	bool *done;
	bool *incomplete;
};

static bsc_status
emit_item(struct walker *w, size_t i, unsigned depth)
{
	json_object *o = json_object_array_get_idx(w->items, i);
	struct bsc_item_report r;
	struct item_mem m;
	bsc_status st = BSC_OK;

	item_of(o, depth, &r, &m);
	if (r.status == BSC_ITEM_PARTIAL || r.status == BSC_ITEM_FAILED)
		*w->incomplete = true;
	if (w->sink->item)
		st = w->sink->item(w->sink->data, &r);
	item_mem_release(&m);
	return st;
}

/*
 * Emit item root and everything it contains, depth first, with an
 * explicit stack (a hostile report could nest deeply).
 */
static bsc_status
emit_tree(struct walker *w, size_t root)
{
	struct bsc_vec stack = {0}; /* (uintptr_t)index + 1 */
	bsc_status st = BSC_OK;

	bsc_vec_push(&stack, (void *)(uintptr_t)(root + 1));
	while (stack.n && st != BSC_FATAL) {
		size_t i = (size_t)(uintptr_t)stack.v[stack.n - 1] - 1;
		unsigned depth = w->depth[i];
		json_object *o = json_object_array_get_idx(w->items, i);

		if (!w->done[i] && w->first[i] != SIZE_MAX) {
			/* An archive with members: begin it, then its
			 * members, then (below, when popped) itself. */
			w->done[i] = true;
			if (w->sink->archive_begin)
				st = w->sink->archive_begin(
					w->sink->data, str_of(o, "path"),
					str_of(o, "format"), depth);
			{
				struct bsc_vec kids = {0};

				for (size_t c = w->first[i]; c != SIZE_MAX;
				     c = w->next[c]) {
					w->depth[c] = depth + 1;
					bsc_vec_push(&kids,
						     (void *)(uintptr_t)(c + 1));
				}
				for (size_t k = kids.n; k > 0; k--)
					bsc_vec_push(&stack, kids.v[k - 1]);
				bsc_vec_release(&kids);
			}
			continue;
		}
		stack.n--;
		w->done[i] = true;
		if (emit_item(w, i, depth) == BSC_FATAL)
			st = BSC_FATAL;
	}
	bsc_vec_release(&stack);
	return st;
}

static void
summary_of(json_object *doc, struct bsc_run_summary *s, struct item_mem *m,
	   struct bsc_linkable **links)
{
	json_object *sum = get(doc, "summary"), *run = get(doc, "run");
	json_object *bs = get(sum, "by_status"), *cov = get(sum, "coverage");
	json_object *lk = get(sum, "linkable");

	memset(s, 0, sizeof(*s));
	memset(m, 0, sizeof(*m));
	s->items = u64_of(sum, "items");
	for (int i = 0; i < 4; i++) {
		const char *name = bsc_item_status_name((enum bsc_item_status)i);

		s->by_status[i] = u64_of(bs, name);
		s->coverage_items[i] = u64_of(get(cov, name), "items");
		s->coverage_bytes[i] = u64_of(get(cov, name), "bytes");
	}
	s->archives = u64_of(sum, "archives");
	s->excluded = u64_of(sum, "excluded");
	s->members = u64_of(sum, "members");
	s->records = u64_of(sum, "records");
	s->records_identity = u64_of(sum, "records_identity");
	s->records_medical = u64_of(sum, "records_medical");
	s->records_linked = u64_of(sum, "records_linked");
	m->lists[0] = names_of(get(sum, "identity"), &s->n_identity);
	s->identity = m->lists[0];
	m->lists[1] = names_of(get(sum, "medical"), &s->n_medical);
	s->medical = m->lists[1];
	s->violations = u64_of(sum, "violations");
	growth_of(get(sum, "growth"), &s->growth);
	s->grown = u64_of(sum, "grown");
	s->severity = str_of(sum, "severity");
	persons_of(get(sum, "persons"), &s->persons);
	m->flags = flags_of(get(sum, "flags"), &s->n_flags);
	s->flags = m->flags;
	*links = len_of(lk) ? bsc_zalloc(len_of(lk) * sizeof(**links)) : NULL;
	for (size_t i = 0; i < len_of(lk); i++) {
		json_object *l = json_object_array_get_idx(lk, i);
		struct bsc_linkable *x = &(*links)[s->n_linkable];

		x->key = str_of(l, "key");
		x->identity = str_of(l, "identity");
		x->medical = str_of(l, "medical");
		x->shared = u64_of(l, "shared");
		if (x->key && x->identity && x->medical)
			s->n_linkable++;
	}
	s->linkable = *links;
	s->rules_version = str_of(run, "rules_version");
	m->lists[2] = names_of(get(run, "options"), &s->n_options);
	s->options = m->lists[2];
	s->started = str_of(run, "started");
	s->finished = str_of(run, "finished");
	s->policy = str_of(run, "policy");
	m->lists[3] = names_of(get(run, "warnings"), &s->n_warnings);
	s->warnings = m->lists[3];
}

const char *
bsc_report_doc_policy(void *doc)
{
	json_object *run = get(doc, "run");

	return run ? str_of(run, "policy") : NULL;
}

static bsc_status
emit_items(json_object *items, const struct bsc_sink *sink, bool *incomplete)
{
	struct walker w = {.items = items, .sink = sink,
			   .incomplete = incomplete};
	size_t *parent, *last;
	bsc_status st = BSC_OK;

	w.n = len_of(items);
	parent = parents_of(items, w.n);
	w.first = bsc_zalloc((w.n ? w.n : 1) * sizeof(size_t));
	w.next = bsc_zalloc((w.n ? w.n : 1) * sizeof(size_t));
	last = bsc_zalloc((w.n ? w.n : 1) * sizeof(size_t));
	w.done = bsc_zalloc((w.n ? w.n : 1) * sizeof(bool));
	w.depth = bsc_zalloc((w.n ? w.n : 1) * sizeof(unsigned));
	for (size_t i = 0; i < w.n; i++)
		w.first[i] = w.next[i] = last[i] = SIZE_MAX;
	for (size_t i = 0; i < w.n; i++) {
		size_t p = parent[i];

		if (p == SIZE_MAX)
			continue;
		if (w.first[p] == SIZE_MAX)
			w.first[p] = i;
		else
			w.next[last[p]] = i;
		last[p] = i;
	}
	for (size_t i = 0; i < w.n && st != BSC_FATAL; i++)
		if (parent[i] == SIZE_MAX)
			st = emit_tree(&w, i);
	/* Items on a cycle of containers (a damaged report) are not below
	 * any top-level item: show them anyway, never drop one. */
	for (size_t i = 0; i < w.n && st != BSC_FATAL; i++)
		if (!w.done[i]) {
			w.done[i] = true;
			st = emit_item(&w, i, w.depth[i]);
		}
	free(parent);
	free(last);
	free(w.first);
	free(w.next);
	free(w.done);
	free(w.depth);
	return st;
}

bsc_status
bsc_render_doc(void *doc, const struct bsc_sink *sink, bool *incomplete)
{
	json_object *items = get(doc, "items");
	struct bsc_run_summary s;
	struct item_mem m;
	struct bsc_linkable *links = NULL;
	bsc_status st = BSC_OK;

	*incomplete = false;
	if (sink->run_begin && sink->run_begin(sink->data) == BSC_FATAL)
		return BSC_FATAL;
	if (emit_items(items, sink, incomplete) == BSC_FATAL)
		st = BSC_FATAL;
	summary_of(doc, &s, &m, &links);
	if (st != BSC_FATAL && sink->run_end &&
	    sink->run_end(sink->data, &s) == BSC_FATAL)
		st = BSC_FATAL;
	item_mem_release(&m);
	free(links);
	return st;
}

void *
bsc_report_load(struct bsc_ctx *ctx, const char *path)
{
	json_object *d = json_object_from_file(path);
	const char *schema = d ? str_of(d, "schema") : NULL;
	json_object *items = d ? get(d, "items") : NULL;

	if (!schema || strcmp(schema, "breachscope.report/1") ||
	    !json_object_is_type(items, json_type_array) ||
	    !json_object_is_type(get(d, "summary"), json_type_object)) {
		bsc_errorf(ctx, "%s is not a breachscope JSON report (schema "
				"breachscope.report/1): write one with "
				"'breachscope scan --format json -o FILE'",
			   path);
		if (d)
			json_object_put(d);
		return NULL;
	}
	for (size_t i = 0; i < json_object_array_length(items); i++) {
		json_object *it = json_object_array_get_idx(items, i);

		if (!json_object_is_type(it, json_type_object) ||
		    !str_of(it, "path")) {
			bsc_errorf(ctx, "%s: item %zu has no path: the report "
					"is damaged",
				   path, i);
			json_object_put(d);
			return NULL;
		}
	}
	return d;
}

void
bsc_report_unload(void *doc)
{
	if (doc)
		json_object_put(doc);
}
