/*
 * report_baseline.c - the --write-baseline sink (sinks stage): what a
 * later --baseline needs and nothing more. For every item that is not an
 * archive: its path, stable name, status, distinct persons (count,
 * precision, error) and linked records, and its findings as fingerprint,
 * category, subject and location (column, header); then the run's
 * totals. No sample, no value, no time: the same scan gives the same
 * bytes, so the file diffs well under version control.
 *
 * Wire format "breachscope.baseline/1" (docs/policy.md "Baselines"):
 *   { "schema": "breachscope.baseline/1",
 *     "tool": {"name", "version"}, "fingerprints": "fp2",
 *     "items": [ {"path", "path_escaped", "name", "status",
 *                 "records_linked", "persons": {"count", "precision",
 *                 "error"}, "findings": [ {"fingerprint", "category",
 *                 "subject", "location": {"column", "header"}} ]} ],
 *     "summary": {"items", "complete", "records_linked",
 *                 "persons": {"count", "precision", "error"}} }
 * Items are written as they come, so memory does not grow with them.
 */
#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>

#include "baseline.h"
#include "report.h"
#include "util.h"

struct baseline_sink {
	struct bsc_report_base base;
	FILE *out;
	uint64_t n_items;
	bool incomplete; /* an item was partial or failed */
};

static json_object *
u64(uint64_t v)
{
	return json_object_new_int64((int64_t)v);
}

static json_object *
str_or_null(const char *s)
{
	return s ? json_object_new_string(s) : NULL;
}

/* The persons figure, reduced to what growth compares. */
static json_object *
persons_json(const struct bsc_persons *p)
{
	json_object *o = json_object_new_object();

	json_object_object_add(o, "count", u64(p->count));
	json_object_object_add(
		o, "precision",
		json_object_new_string(bsc_persons_precision(p)));
	json_object_object_add(o, "error",
			       p->approximate && p->error > 0
				       ? json_object_new_double(p->error)
				       : NULL);
	return o;
}

static json_object *
finding_json(const struct bsc_finding *f)
{
	json_object *o = json_object_new_object();
	json_object *loc = json_object_new_object();

	json_object_object_add(o, "fingerprint",
			       str_or_null(f->fingerprint));
	json_object_object_add(o, "category",
			       json_object_new_string(f->category));
	json_object_object_add(
		o, "subject",
		json_object_new_string(bsc_subject_name(f->subject)));
	json_object_object_add(loc, "column",
			       f->loc.column ? u64(f->loc.column) : NULL);
	json_object_object_add(loc, "header", str_or_null(f->loc.header));
	json_object_object_add(o, "location", loc);
	return o;
}

static json_object *
item_json(const struct bsc_item_report *r)
{
	json_object *o = json_object_new_object();
	json_object *fa = json_object_new_array();
	bool plain = bsc_utf8_valid(r->path);
	char *path = plain ? bsc_strdup(r->path)
			   : bsc_escape_name(r->path, true);
	char *name = bsc_stable_name(r->path);
	char *ename = bsc_utf8_valid(name) ? NULL : bsc_escape_name(name, true);

	json_object_object_add(o, "path", json_object_new_string(path));
	json_object_object_add(o, "path_escaped",
			       json_object_new_boolean(!plain));
	json_object_object_add(o, "name",
			       json_object_new_string(ename ? ename : name));
	json_object_object_add(
		o, "status",
		json_object_new_string(bsc_item_status_name(r->status)));
	json_object_object_add(o, "records_linked", u64(r->records_linked));
	json_object_object_add(o, "persons", persons_json(&r->persons));
	for (size_t i = 0; i < r->n_findings; i++)
		json_object_array_add(fa, finding_json(&r->findings[i]));
	json_object_object_add(o, "findings", fa);
	free(path);
	free(name);
	free(ename);
	return o;
}

static bsc_status
base_begin(void *data)
{
	struct baseline_sink *bs = data;

	if (fprintf(bs->out,
		    "{\n  \"schema\": \"%s\",\n  \"tool\": {\"name\": "
		    "\"breachscope\", \"version\": \"%s\"},\n"
		    "  \"fingerprints\": \"%s\",\n  \"items\": [",
		    BSC_BASELINE_SCHEMA, bsc_version(),
		    BSC_FINGERPRINT_VERSION) < 0)
		return BSC_FATAL;
	return BSC_OK;
}

static bsc_status
base_item(void *data, const struct bsc_item_report *r)
{
	struct baseline_sink *bs = data;
	json_object *o;
	bool ok;

	if (r->status == BSC_ITEM_PARTIAL || r->status == BSC_ITEM_FAILED)
		bs->incomplete = true;
	if (r->archive)
		return BSC_OK; /* its members are compared, not it */
	o = item_json(r);
	ok = fputs(bs->n_items ? ",\n    " : "\n    ", bs->out) != EOF &&
	     bsc_json_put_indented(bs->out, o, 4);
	json_object_put(o);
	bs->n_items++;
	return ok ? BSC_OK : BSC_FATAL;
}

static bsc_status
base_end(void *data, const struct bsc_run_summary *s)
{
	struct baseline_sink *bs = data;
	json_object *o = json_object_new_object();
	bool ok;

	json_object_object_add(o, "items", u64(s->items));
	json_object_object_add(o, "complete",
			       json_object_new_boolean(!bs->incomplete));
	json_object_object_add(o, "records_linked", u64(s->records_linked));
	json_object_object_add(o, "persons", persons_json(&s->persons));
	ok = fputs("\n  ],\n  \"summary\": ", bs->out) != EOF &&
	     bsc_json_put_indented(bs->out, o, 2) &&
	     fputs("\n}\n", bs->out) != EOF && fflush(bs->out) != EOF;
	json_object_put(o);
	return ok ? BSC_OK : BSC_FATAL;
}

struct bsc_sink *
bsc_report_baseline_new(const struct bsc_report_opts *opts)
{
	struct bsc_sink *s = bsc_zalloc(sizeof(*s));
	struct baseline_sink *bs = bsc_zalloc(sizeof(*bs));

	bs->out = opts->out;
	s->run_begin = base_begin;
	s->item = base_item;
	s->run_end = base_end;
	s->data = bs;
	return s;
}
