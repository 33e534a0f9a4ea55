/*
 * report_sarif.c - the SARIF 2.1.0 sink (sinks stage), for GitHub code
 * scanning and other SARIF consumers. One reportingDescriptor per
 * category (the rules of the run), one result per finding, located at the
 * item path (archive members included, "a.zip!/b.csv") and, when the
 * reader knows it, the line of the first occurrence. Levels: a policy
 * violation is "error", a counted finding that the policy allows or the
 * baseline accepts is "note" (with a suppression when suppressed), a
 * low-confidence finding is "note". Items not fully scanned become tool
 * execution notifications (the first MAX_NOTES, then one that counts the
 * rest). Samples are the masked ones. Built with json-c, and streamed:
 * each result is written as soon as its item is scanned, so memory does
 * not grow with the number of items.
 */
#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>

#include "report.h"
#include "rules.h"
#include "util.h"

/* Notifications kept for the end; more are counted, not listed. */
#define MAX_NOTES 1000

struct sarif_sink {
	struct bsc_report_base base;
	FILE *out;
	const struct bsc_ruleset *rs;
	json_object *notes;
	uint64_t more_notes; /* past MAX_NOTES */
	uint64_t n_results;  /* written so far */
};

static json_object *
text(const char *s)
{
	json_object *o = json_object_new_object();

	json_object_object_add(o, "text", json_object_new_string(s));
	return o;
}

/* Percent-encode a report path into a relative URI reference. */
static char *
uri_of(const char *path)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t n = strlen(path);
	char *out = bsc_zalloc(n * 3 + 1);
	char *w = out;

	while (path[0] == '.' && path[1] == '/')
		path += 2;
	for (const unsigned char *p = (const unsigned char *)path; *p; p++) {
		if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || strchr("-._~/!$&'()*+,;=@:", *p)) {
			*w++ = (char)*p;
		} else {
			*w++ = '%';
			*w++ = hex[*p >> 4];
			*w++ = hex[*p & 15];
		}
	}
	*w = '\0';
	return out;
}

static json_object *
location(const char *path, unsigned long line)
{
	json_object *loc = json_object_new_object();
	json_object *phys = json_object_new_object();
	json_object *art = json_object_new_object();
	char *uri = uri_of(path);

	json_object_object_add(art, "uri", json_object_new_string(uri));
	free(uri);
	json_object_object_add(phys, "artifactLocation", art);
	if (line) {
		json_object *region = json_object_new_object();

		json_object_object_add(region, "startLine",
				       json_object_new_int64((int64_t)line));
		json_object_object_add(phys, "region", region);
	}
	json_object_object_add(loc, "physicalLocation", phys);
	return loc;
}

static bsc_status
sarif_begin(void *data)
{
	struct sarif_sink *ss = data;
	json_object *tool = json_object_new_object();
	json_object *driver = json_object_new_object();
	json_object *rules = json_object_new_array();
	bool ok;

	json_object_object_add(driver, "name",
			       json_object_new_string("breachscope"));
	json_object_object_add(driver, "version",
			       json_object_new_string(bsc_version()));
	json_object_object_add(driver, "semanticVersion",
			       json_object_new_string(bsc_version()));
	for (size_t i = 0; i < ss->rs->n_cats; i++) {
		const struct bsc_category *c = &ss->rs->cats[i];
		json_object *r = json_object_new_object();
		json_object *props = json_object_new_object();
		json_object *tags = json_object_new_array();
		json_object *conf = json_object_new_object();
		char *full = bsc_asprintf("%s (%s). %s data found by "
					  "breachscope.",
					  c->label, c->label_fr,
					  c->cls == BSC_CLASS_MEDICAL
						  ? "Medical"
						  : "Personal");

		json_object_object_add(r, "id", json_object_new_string(c->name));
		json_object_object_add(r, "name", json_object_new_string(c->name));
		json_object_object_add(r, "shortDescription", text(c->label));
		json_object_object_add(r, "fullDescription", text(full));
		free(full);
		json_object_object_add(conf, "level",
				       json_object_new_string("error"));
		json_object_object_add(r, "defaultConfiguration", conf);
		json_object_array_add(
			tags, json_object_new_string(c->cls == BSC_CLASS_MEDICAL
							     ? "medical"
							     : "identity"));
		json_object_array_add(tags, json_object_new_string("privacy"));
		json_object_object_add(props, "tags", tags);
		json_object_object_add(r, "properties", props);
		json_object_array_add(rules, r);
	}
	json_object_object_add(driver, "rules", rules);
	json_object_object_add(tool, "driver", driver);
	ss->notes = json_object_new_array();
	ok = fputs("{\n  \"$schema\": \"https://json.schemastore.org/"
		   "sarif-2.1.0.json\",\n  \"version\": \"2.1.0\",\n"
		   "  \"runs\": [\n    {\n      \"tool\": ",
		   ss->out) != EOF &&
	     bsc_json_put_indented(ss->out, tool, 6) &&
	     fputs(",\n      \"results\": [", ss->out) != EOF;
	json_object_put(tool);
	return ok ? BSC_OK : BSC_FATAL;
}

static bsc_status
sarif_item(void *data, const struct bsc_item_report *r)
{
	struct sarif_sink *ss = data;

	if (r->status == BSC_ITEM_PARTIAL || r->status == BSC_ITEM_FAILED) {
		json_object *n = json_object_new_object();
		json_object *locs = json_object_new_array();
		char *msg = bsc_asprintf("%s: %s: %s", r->path,
					 bsc_item_status_name(r->status),
					 r->reason ? r->reason : "");

		json_object_object_add(n, "level",
				       json_object_new_string(
					       r->status == BSC_ITEM_FAILED
						       ? "error"
						       : "warning"));
		json_object_object_add(n, "message", text(msg));
		json_object_array_add(locs, location(r->path, 0));
		json_object_object_add(n, "locations", locs);
		if (json_object_array_length(ss->notes) < MAX_NOTES) {
			json_object_array_add(ss->notes, n);
		} else {
			json_object_put(n);
			ss->more_notes++;
		}
		free(msg);
	}
	for (size_t i = 0; i < r->n_findings; i++) {
		const struct bsc_finding *f = &r->findings[i];
		json_object *res = json_object_new_object();
		json_object *locs = json_object_new_array();
		json_object *fp = json_object_new_object();
		json_object *props = json_object_new_object();
		char col[64] = "";
		char *msg;

		if (f->loc.column)
			snprintf(col, sizeof(col), " in column %u",
				 f->loc.column);
		msg = bsc_asprintf(
			"%s (%s)%s%s%s%s: %llu value(s), confidence %s, "
			"sample %s%s",
			f->category,
			f->cls == BSC_CLASS_MEDICAL ? "medical" : "identity",
			col, f->loc.header ? " '" : "",
			f->loc.header ? f->loc.header : "",
			f->loc.header ? "'" : "", (unsigned long long)f->count,
			bsc_confidence_name(f->confidence), f->sample,
			f->violation && r->records_linked &&
					f->cls == BSC_CLASS_MEDICAL
				? "; health data linked to persons"
				: "");
		json_object_object_add(res, "ruleId",
				       json_object_new_string(f->category));
		json_object_object_add(
			res, "ruleIndex",
			json_object_new_int(
				bsc_ruleset_category(ss->rs, f->category)));
		json_object_object_add(res, "level",
				       json_object_new_string(
					       f->violation ? "error" : "note"));
		json_object_object_add(res, "message", text(msg));
		free(msg);
		json_object_array_add(locs, location(r->path, f->loc.line));
		json_object_object_add(res, "locations", locs);
		json_object_object_add(fp, "breachscope/v1",
				       json_object_new_string(
					       f->fingerprint ? f->fingerprint
							      : ""));
		json_object_object_add(res, "partialFingerprints", fp);
		if (f->suppressed) {
			json_object *sup = json_object_new_array();
			json_object *s = json_object_new_object();

			json_object_object_add(s, "kind",
					       json_object_new_string(
						       "external"));
			json_object_object_add(s, "justification",
					       json_object_new_string(
						       f->suppressed));
			json_object_array_add(sup, s);
			json_object_object_add(res, "suppressions", sup);
		}
		json_object_object_add(props, "confidence",
				       json_object_new_string(bsc_confidence_name(
					       f->confidence)));
		json_object_object_add(props, "subject",
				       json_object_new_string(
					       bsc_subject_name(f->subject)));
		json_object_object_add(props, "count",
				       json_object_new_int64((int64_t)f->count));
		json_object_object_add(props, "rule",
				       json_object_new_string(f->rule));
		if (f->loc.column)
			json_object_object_add(props, "column",
					       json_object_new_int64(
						       f->loc.column));
		json_object_object_add(res, "properties", props);
		if (fputs(ss->n_results++ ? ",\n        " : "\n        ",
			  ss->out) == EOF ||
		    !bsc_json_put_indented(ss->out, res, 8)) {
			json_object_put(res);
			return BSC_FATAL;
		}
		json_object_put(res);
	}
	return BSC_OK;
}

static bsc_status
sarif_end(void *data, const struct bsc_run_summary *s)
{
	struct sarif_sink *ss = data;
	json_object *invs = json_object_new_array();
	json_object *inv = json_object_new_object();
	bool ok;

	(void)s;
	if (ss->more_notes) {
		char *msg = bsc_asprintf("%llu more item(s) not fully scanned "
					 "are not listed here; the json, "
					 "jsonl and csv reports list them all",
					 (unsigned long long)ss->more_notes);
		json_object *n = json_object_new_object();

		json_object_object_add(n, "level",
				       json_object_new_string("warning"));
		json_object_object_add(n, "message", text(msg));
		json_object_array_add(ss->notes, n);
		free(msg);
	}
	json_object_object_add(inv, "executionSuccessful",
			       json_object_new_boolean(1));
	json_object_object_add(inv, "toolExecutionNotifications", ss->notes);
	ss->notes = NULL;
	json_object_array_add(invs, inv);
	ok = fputs("\n      ],\n      \"invocations\": ", ss->out) != EOF &&
	     bsc_json_put_indented(ss->out, invs, 6) &&
	     fputs("\n    }\n  ]\n}\n", ss->out) != EOF &&
	     fflush(ss->out) != EOF;
	json_object_put(invs);
	return ok ? BSC_OK : BSC_FATAL;
}

static void
release_all(void *data)
{
	struct sarif_sink *ss = data;

	if (ss->notes)
		json_object_put(ss->notes);
	ss->notes = NULL;
}

struct bsc_sink *
bsc_report_sarif_new(const struct bsc_report_opts *opts)
{
	struct bsc_sink *s = bsc_zalloc(sizeof(*s));
	struct sarif_sink *ss = bsc_zalloc(sizeof(*ss));

	ss->base.release = release_all;
	ss->out = opts->out;
	ss->rs = opts->rules;
	s->run_begin = sarif_begin;
	s->item = sarif_item;
	s->run_end = sarif_end;
	s->data = ss;
	return s;
}
