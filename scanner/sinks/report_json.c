/*
 * report_json.c - the JSON sink (sinks stage), written through json-c.
 * One document per run, written as the run goes: each item is serialised
 * (bsc_json_item_object, the one place that lists an item's members),
 * written and freed as soon as it is scanned, so memory does not grow
 * with the number of items; the summary closes the document.
 *
 * Wire format "breachscope.report/1" (documented in docs/report-schema.md,
 * checked by docs/report.schema.json):
 *   { "schema": "breachscope.report/1",
 *     "tool": {"name": "breachscope", "version": "X.Y.Z"},
 *     "items": [ {
 *        "path", "path_escaped", "container", "format", "encoding", "status", "reason",
 *        "note", "bytes", "members", "records", "records_identity",
 *        "records_medical", "records_linked", "verdict", "severity",
 *        "violations", "growth", "persons", "flags", "care_context",
 *        "sha256",
 *        "identity": [..], "medical": [..],
 *        "subjects": {"patient"|"professional"|"related"|"unknown":
 *                     {"identity": [..], "medical": [..]}},
 *        "findings": [ {"category", "class", "rule",
 *                       "location": {"column", "header", "line"},
 *                       "count", "confidence", "evidence": [..],
 *                       "subject", "sample", "note", "fingerprint",
 *                       "violation", "suppressed"} ] } ],
 *     "summary": { "items", "by_status": {complete, partial, failed,
 *                  skipped}, "archives", "members", "records",
 *                  "records_identity",
 *                  "records_medical", "records_linked", "verdict",
 *                  "severity", "violations", "growth", "grown",
 *                  "identity": [..],
 *                  "medical": [..] } }
 * Members always appear, with null where a value is absent. No times, no
 * absolute paths: the same input gives the same bytes. An archive comes
 * after its members in "items" (its status and member count are only
 * known then); "container" links a member to it.
 */
#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>

#include "report.h"
#include "util.h"

struct json_sink {
	struct bsc_report_base base;
	FILE *out;
	uint64_t n_items; /* items written so far */
};

static json_object *
str_or_null(const char *s)
{
	return s ? json_object_new_string(s) : NULL;
}

static json_object *
u64(uint64_t v)
{
	return json_object_new_int64((int64_t)v);
}

static json_object *
names(const char *const *v, size_t n)
{
	json_object *a = json_object_new_array();

	for (size_t i = 0; i < n; i++)
		json_object_array_add(a, json_object_new_string(v[i]));
	return a;
}

/* "  \"key\": value" at the top level of the document; o is consumed. */
static bool
put_member(FILE *out, const char *key, json_object *o, bool last)
{
	bool ok = fprintf(out, "  \"%s\": ", key) >= 0 &&
		  bsc_json_put_indented(out, o, 2) &&
		  fputs(last ? "\n" : ",\n", out) != EOF;

	json_object_put(o);
	return ok;
}

static bsc_status
json_begin(void *data)
{
	struct json_sink *js = data;
	json_object *tool = json_object_new_object();

	json_object_object_add(tool, "name",
			       json_object_new_string("breachscope"));
	json_object_object_add(tool, "version",
			       json_object_new_string(bsc_version()));
	if (fputs("{\n", js->out) == EOF ||
	    !put_member(js->out, "schema",
			json_object_new_string("breachscope.report/1"),
			false) ||
	    !put_member(js->out, "tool", tool, false) ||
	    fputs("  \"items\": [", js->out) == EOF)
		return BSC_FATAL;
	return BSC_OK;
}

static json_object *
finding_json(const struct bsc_finding *f)
{
	json_object *o = json_object_new_object();
	json_object *loc = json_object_new_object();
	json_object *ev = json_object_new_array();

	json_object_object_add(o, "category",
			       json_object_new_string(f->category));
	json_object_object_add(o, "class",
			       json_object_new_string(f->cls ==
							      BSC_CLASS_MEDICAL
						      ? "medical"
						      : "identity"));
	json_object_object_add(o, "rule", json_object_new_string(f->rule));
	json_object_object_add(loc, "column",
			       f->loc.column ? u64(f->loc.column) : NULL);
	json_object_object_add(loc, "header", str_or_null(f->loc.header));
	json_object_object_add(loc, "line",
			       f->loc.line ? u64(f->loc.line) : NULL);
	if (f->loc.start_char)
		json_object_object_add(loc, "start_char",
				       u64(f->loc.start_char));
	json_object_object_add(o, "location", loc);
	json_object_object_add(o, "count", u64(f->count));
	json_object_object_add(
		o, "confidence",
		json_object_new_string(bsc_confidence_name(f->confidence)));
	if (f->evidence & BSC_EVIDENCE_HEADER)
		json_object_array_add(ev, json_object_new_string("header"));
	if (f->evidence & BSC_EVIDENCE_VALUE)
		json_object_array_add(ev, json_object_new_string("value"));
	json_object_object_add(o, "evidence", ev);
	json_object_object_add(
		o, "subject",
		json_object_new_string(bsc_subject_name(f->subject)));
	json_object_object_add(o, "sample", json_object_new_string(f->sample));
	json_object_object_add(o, "note", str_or_null(f->note));
	json_object_object_add(o, "fingerprint",
			       str_or_null(f->fingerprint));
	json_object_object_add(o, "violation",
			       json_object_new_boolean(f->violation));
	json_object_object_add(o, "suppressed", str_or_null(f->suppressed));
	if (f->violates)
		json_object_object_add(o, "violates",
				       json_object_new_string(f->violates));
	return o;
}

/* The unions per subject; subjects without categories are left out. */
static json_object *
subjects_json(const struct bsc_item_report *r)
{
	static const enum bsc_subject order[] = {
		BSC_SUBJECT_PATIENT, BSC_SUBJECT_PROFESSIONAL,
		BSC_SUBJECT_RELATED, BSC_SUBJECT_UNKNOWN};
	json_object *o = json_object_new_object();

	for (size_t i = 0; i < BSC_ARRAY_SIZE(order); i++) {
		const struct bsc_subject_categories *sc =
			&r->subjects[order[i]];
		json_object *so;

		if (!sc->n_identity && !sc->n_medical)
			continue;
		so = json_object_new_object();
		json_object_object_add(so, "identity",
				       names(sc->identity, sc->n_identity));
		json_object_object_add(so, "medical",
				       names(sc->medical, sc->n_medical));
		json_object_object_add(o, bsc_subject_name(order[i]), so);
	}
	return o;
}

/* The precision of a persons figure (README "Distinct persons"). */
const char *
bsc_persons_precision(const struct bsc_persons *p)
{
	if (!p->approximate)
		return "exact";
	return p->error > 0 ? "estimate" : "upper_bound";
}

/* The relative standard error of an estimate, rounded; else null. */
static json_object *
error_json(bool approximate, double error)
{
	return approximate && error > 0
		       ? json_object_new_double(
				 (double)(int)(error * 10000 + 0.5) / 10000)
		       : NULL;
}

/* Professionals or relatives: count, precision, error. */
static json_object *
other_json(const struct bsc_other_persons *x)
{
	json_object *o = json_object_new_object();

	json_object_object_add(o, "count", u64(x->count));
	json_object_object_add(
		o, "precision",
		json_object_new_string(!x->approximate ? "exact"
				       : x->error > 0  ? "estimate"
						       : "upper_bound"));
	json_object_object_add(o, "error",
			       error_json(x->approximate, x->error));
	return o;
}

/* Persons per category of data, and per group. */
static void
categories_json(json_object *o, const struct bsc_persons *p)
{
	json_object *c = json_object_new_object();

	for (size_t i = 0; i < p->n_by_category; i++)
		json_object_object_add(c, p->by_category[i].category,
				       u64(p->by_category[i].count));
	json_object_object_add(o, "by_category", c);
	json_object_object_add(o, "with_identity", u64(p->with_identity));
	json_object_object_add(o, "with_medical", u64(p->with_medical));
	json_object_object_add(o, "categories_precision",
			       json_object_new_string(p->categories_bound
							      ? "upper_bound"
							      : "exact"));
}

void *
bsc_persons_json(const struct bsc_persons *p)
{
	static const char *const keys[] = {"national_id", "patient_id",
					   "name_birth_date", "contact"};
	json_object *o = json_object_new_object();
	json_object *k = json_object_new_object();

	json_object_object_add(o, "count", u64(p->count));
	json_object_object_add(
		o, "precision",
		json_object_new_string(bsc_persons_precision(p)));
	json_object_object_add(o, "approximate",
			       json_object_new_boolean(p->approximate));
	json_object_object_add(o, "error",
			       p->approximate && p->error > 0
				       ? json_object_new_double(
						 (double)(int)(p->error * 10000 +
							       0.5) /
						 10000)
				       : NULL);
	json_object_object_add(o, "health", u64(p->health));
	json_object_object_add(o, "health_precision",
			       json_object_new_string(p->health_bound
							      ? "upper_bound"
							      : "exact"));
	json_object_object_add(o, "contactable", u64(p->contactable));
	json_object_object_add(o, "minors", u64(p->minors));
	json_object_object_add(o, "shared_contacts", u64(p->shared_contacts));
	for (int i = 0; i < 4; i++)
		json_object_object_add(k, keys[i], u64(p->by_key[i]));
	json_object_object_add(o, "keys", k);
	json_object_object_add(o, "records_without_key", u64(p->without_key));
	categories_json(o, p);
	json_object_object_add(o, "professionals",
			       other_json(&p->professionals));
	json_object_object_add(o, "relatives", other_json(&p->relatives));
	if (p->set)
		json_object_object_add(o, "set", json_object_new_string(p->set));
	return o;
}

void *
bsc_growth_json(const struct bsc_growth *g)
{
	json_object *o, *x;
	char why[400];

	if (!g->persons && !g->linked)
		return NULL;
	o = json_object_new_object();
	bsc_growth_text(g, false, why, sizeof(why));
	json_object_object_add(o, "reason", json_object_new_string(why));
	json_object_object_add(o, "max_growth",
			       json_object_new_double(g->max_growth));
	x = NULL;
	if (g->persons) {
		x = json_object_new_object();
		json_object_object_add(x, "baseline", u64(g->persons_before));
		json_object_object_add(x, "now", u64(g->persons_now));
		json_object_object_add(
			x, "estimated",
			json_object_new_boolean(g->persons_estimated));
	}
	json_object_object_add(o, "persons", x);
	x = NULL;
	if (g->linked) {
		x = json_object_new_object();
		json_object_object_add(x, "baseline", u64(g->linked_before));
		json_object_object_add(x, "now", u64(g->linked_now));
	}
	json_object_object_add(o, "records_linked", x);
	return o;
}

static json_object *
flags_json(const struct bsc_flag *flags, size_t n)
{
	json_object *a = json_object_new_array();

	for (size_t i = 0; i < n; i++) {
		const struct bsc_flag *f = &flags[i];
		json_object *o = json_object_new_object();
		json_object *loc = json_object_new_object();

		json_object_object_add(o, "flag", json_object_new_string(f->flag));
		json_object_object_add(o, "rule", json_object_new_string(f->rule));
		json_object_object_add(o, "reason",
				       json_object_new_string(f->reason));
		json_object_object_add(o, "reason_fr",
				       json_object_new_string(f->reason_fr));
		json_object_object_add(o, "count", u64(f->count));
		json_object_object_add(loc, "column",
				       f->loc.column ? u64(f->loc.column) : NULL);
		json_object_object_add(loc, "header",
				       str_or_null(f->loc.header));
		json_object_object_add(loc, "line",
				       f->loc.line ? u64(f->loc.line) : NULL);
		json_object_object_add(o, "location", loc);
		json_object_object_add(o, "file", str_or_null(f->path));
		json_object_array_add(a, o);
	}
	return a;
}

void *
bsc_json_item_object(const struct bsc_item_report *r)
{
	json_object *o = json_object_new_object();
	json_object *fa = json_object_new_array();

	/* Names are bytes: when they are not UTF-8, the JSON holds them
	 * escaped (\xNN, and \\ for a backslash) and says so, so that the
	 * document stays valid and the exact name can be recovered. */
	if (bsc_utf8_valid(r->path) &&
	    (!r->container || bsc_utf8_valid(r->container))) {
		json_object_object_add(o, "path",
				       json_object_new_string(r->path));
		json_object_object_add(o, "path_escaped",
				       json_object_new_boolean(0));
		json_object_object_add(o, "container",
				       str_or_null(r->container));
	} else {
		char *p = bsc_escape_name(r->path, true);
		char *c = r->container ? bsc_escape_name(r->container, true)
				       : NULL;

		json_object_object_add(o, "path", json_object_new_string(p));
		json_object_object_add(o, "path_escaped",
				       json_object_new_boolean(1));
		json_object_object_add(o, "container", str_or_null(c));
		free(p);
		free(c);
	}
	json_object_object_add(o, "format", str_or_null(r->format));
	json_object_object_add(o, "encoding", str_or_null(r->encoding));
	json_object_object_add(
		o, "status",
		json_object_new_string(bsc_item_status_name(r->status)));
	json_object_object_add(o, "reason", str_or_null(r->reason));
	json_object_object_add(o, "note", str_or_null(r->note));
	json_object_object_add(o, "bytes", u64(r->bytes));
	json_object_object_add(o, "members",
			       r->archive ? u64(r->members) : NULL);
	json_object_object_add(o, "records", u64(r->records));
	json_object_object_add(o, "records_identity",
			       u64(r->records_identity));
	json_object_object_add(o, "records_medical", u64(r->records_medical));
	json_object_object_add(o, "records_linked", u64(r->records_linked));
	json_object_object_add(
		o, "verdict",
		json_object_new_string(bsc_verdict(
			r->n_identity, r->n_medical, r->records_linked)));
	json_object_object_add(o, "severity", str_or_null(r->severity));
	json_object_object_add(o, "violations", u64(r->violations));
	json_object_object_add(o, "growth", bsc_growth_json(&r->growth));
	json_object_object_add(o, "persons", bsc_persons_json(&r->persons));
	json_object_object_add(o, "flags", flags_json(r->flags, r->n_flags));
	json_object_object_add(o, "care_context",
			       names(r->care_context, r->n_care_context));
	json_object_object_add(o, "sha256", str_or_null(r->sha256));
	json_object_object_add(o, "mtime", str_or_null(r->mtime));
	json_object_object_add(o, "identity",
			       names(r->identity, r->n_identity));
	json_object_object_add(o, "medical", names(r->medical, r->n_medical));
	json_object_object_add(o, "subjects", subjects_json(r));
	for (size_t i = 0; i < r->n_findings; i++)
		json_object_array_add(fa, finding_json(&r->findings[i]));
	json_object_object_add(o, "findings", fa);
	return o;
}

static bsc_status
json_item(void *data, const struct bsc_item_report *r)
{
	struct json_sink *js = data;
	json_object *o = bsc_json_item_object(r);
	bool ok = fputs(js->n_items ? ",\n    " : "\n    ", js->out) != EOF &&
		  bsc_json_put_indented(js->out, o, 4);

	json_object_put(o);
	js->n_items++;
	return ok ? BSC_OK : BSC_FATAL;
}

void *
bsc_json_run_object(const struct bsc_run_summary *s)
{
	json_object *o = json_object_new_object();

	json_object_object_add(o, "rules_version",
			       str_or_null(s->rules_version));
	json_object_object_add(o, "options", names(s->options, s->n_options));
	json_object_object_add(o, "started", str_or_null(s->started));
	json_object_object_add(o, "finished", str_or_null(s->finished));
	if (s->policy)
		json_object_object_add(o, "policy",
				       json_object_new_string(s->policy));
	if (s->n_warnings)
		json_object_object_add(o, "warnings",
				       names(s->warnings, s->n_warnings));
	return o;
}

/* Items that are not archives, and the bytes read from them, by how
 * they were read. */
static json_object *
coverage_json(const struct bsc_run_summary *s)
{
	json_object *o = json_object_new_object();

	for (int i = 0; i < 4; i++) {
		json_object *c = json_object_new_object();

		json_object_object_add(c, "items", u64(s->coverage_items[i]));
		json_object_object_add(c, "bytes", u64(s->coverage_bytes[i]));
		json_object_object_add(
			o, bsc_item_status_name((enum bsc_item_status)i), c);
	}
	return o;
}

void *
bsc_json_summary_object(const struct bsc_run_summary *s)
{
	json_object *o = json_object_new_object();
	json_object *bs = json_object_new_object();

	json_object_object_add(o, "items", u64(s->items));
	for (int i = 0; i < 4; i++)
		json_object_object_add(
			bs, bsc_item_status_name((enum bsc_item_status)i),
			u64(s->by_status[i]));
	json_object_object_add(o, "by_status", bs);
	json_object_object_add(o, "coverage", coverage_json(s));
	if (s->excluded)
		json_object_object_add(o, "excluded", u64(s->excluded));
	json_object_object_add(o, "archives", u64(s->archives));
	json_object_object_add(o, "members", u64(s->members));
	json_object_object_add(o, "records", u64(s->records));
	json_object_object_add(o, "records_identity",
			       u64(s->records_identity));
	json_object_object_add(o, "records_medical", u64(s->records_medical));
	json_object_object_add(o, "records_linked", u64(s->records_linked));
	json_object_object_add(
		o, "verdict",
		json_object_new_string(bsc_verdict(
			s->n_identity, s->n_medical, s->records_linked)));
	json_object_object_add(o, "severity", str_or_null(s->severity));
	json_object_object_add(o, "violations", u64(s->violations));
	json_object_object_add(o, "growth", bsc_growth_json(&s->growth));
	json_object_object_add(o, "grown", u64(s->grown));
	json_object_object_add(o, "persons", bsc_persons_json(&s->persons));
	json_object_object_add(o, "flags", flags_json(s->flags, s->n_flags));
	{
		json_object *a = json_object_new_array();

		for (size_t i = 0; i < s->n_linkable; i++) {
			json_object *l = json_object_new_object();

			json_object_object_add(
				l, "key",
				json_object_new_string(s->linkable[i].key));
			json_object_object_add(
				l, "identity",
				json_object_new_string(s->linkable[i].identity));
			json_object_object_add(
				l, "medical",
				json_object_new_string(s->linkable[i].medical));
			json_object_object_add(l, "shared",
					       u64(s->linkable[i].shared));
			json_object_array_add(a, l);
		}
		json_object_object_add(o, "linkable", a);
	}
	json_object_object_add(o, "identity",
			       names(s->identity, s->n_identity));
	json_object_object_add(o, "medical", names(s->medical, s->n_medical));
	return o;
}

static bsc_status
json_end(void *data, const struct bsc_run_summary *s)
{
	struct json_sink *js = data;

	if (fputs("\n  ],\n", js->out) == EOF ||
	    !put_member(js->out, "run", bsc_json_run_object(s), false) ||
	    !put_member(js->out, "summary", bsc_json_summary_object(s),
			true) ||
	    fputs("}\n", js->out) == EOF || fflush(js->out) == EOF)
		return BSC_FATAL;
	return BSC_OK;
}

struct bsc_sink *
bsc_report_json_new(const struct bsc_report_opts *opts)
{
	struct bsc_sink *s = bsc_zalloc(sizeof(*s));
	struct json_sink *js = bsc_zalloc(sizeof(*js));

	js->out = opts->out;
	s->run_begin = json_begin;
	s->item = json_item;
	s->run_end = json_end;
	s->data = js;
	return s;
}
