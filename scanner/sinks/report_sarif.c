/*
 * report_sarif.c - the SARIF 2.1.0 sink (sinks stage), for GitHub code
 * scanning and other SARIF consumers (README "SARIF and JUnit"). One
 * reportingDescriptor per category (the rules of the run), with its help
 * from patterns/categories.yml; one result per finding. Samples are the
 * masked ones.
 *
 * Locations are what GitHub can open: the artifact is the real file on
 * disk (for an archive member or a table, the outermost archive or file,
 * from archive_begin), and a logical location of kind "member" names the
 * member inside it ("dir/m.csv", nested archives joined with "!/"). The
 * region is the reader's line (a CSV column's header cell, with its
 * character; an HL7 segment; an XML element; a JSON piece) when it is a
 * line of the artifact's text; otherwise (a member's line, a PDF page, a
 * sheet row, no line known) it is line 1 and the message says where.
 *
 * Levels: a policy violation is "error"; a finding that does not count
 * (low confidence) is a "note"; a counted finding that the policy allows,
 * ignores or the baseline accepts carries a suppression (kind external,
 * with the reason), so that code scanning does not open an alert. Items
 * not fully scanned become tool execution notifications (the first
 * MAX_NOTES, then one that counts the rest). At most MAX_RESULTS results
 * (GitHub rejects more), then a notification counts the rest. Built with
 * json-c and streamed: each result is written as soon as its item is
 * scanned, so memory does not grow with the number of items.
 */
#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>

#include "format.h"
#include "report.h"
#include "rules.h"
#include "util.h"

/* Notifications kept for the end; more are counted, not listed. */
#define MAX_NOTES 1000
/* Results per run that GitHub code scanning accepts. */
#define MAX_RESULTS 25000
/* Archive nesting followed for artifact locations. */
#define MAX_OPEN 64

struct sarif_sink {
	struct bsc_report_base base;
	FILE *out;
	const struct bsc_ruleset *rs;
	json_object *notes;
	uint64_t more_notes;   /* past MAX_NOTES */
	uint64_t n_results;    /* written so far */
	uint64_t more_results; /* past MAX_RESULTS */
	/* open[d]: path and format of the archive (or file with sub-items)
	 * at depth d whose members are being reported */
	char *open[MAX_OPEN];
	char *open_fmt[MAX_OPEN];
	unsigned n_open;
};

/* Where an item's results point (borrowed strings). */
struct place {
	const char *artifact; /* the real file */
	const char *member;   /* path inside it, or NULL */
	bool lines;           /* its lines are lines of the artifact */
};

static json_object *
text(const char *s)
{
	json_object *o = json_object_new_object();

	json_object_object_add(o, "text", json_object_new_string(s));
	return o;
}

/*
 * Percent-encode a report path into a URI reference: relative paths stay
 * relative ("./" dropped), absolute ones become file:// URIs.
 */
static char *
uri_of(const char *path)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t n = strlen(path);
	char *out = bsc_zalloc(n * 3 + 8);
	char *w = out;

	while (path[0] == '.' && path[1] == '/')
		path += 2;
	if (path[0] == '/') {
		memcpy(w, "file://", 7);
		w += 7;
	}
	for (const unsigned char *p = (const unsigned char *)path; *p; p++) {
		if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || strchr("-._~/$&'()*+,;=@", *p)) {
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

/* A location: the artifact, a region (line > 0; chr may be 0) and the
 * member as a logical location. */
static json_object *
location(const struct place *pl, unsigned long line, unsigned long chr)
{
	json_object *loc = json_object_new_object();
	json_object *phys = json_object_new_object();
	json_object *art = json_object_new_object();
	char *uri = uri_of(pl->artifact);

	json_object_object_add(art, "uri", json_object_new_string(uri));
	free(uri);
	json_object_object_add(phys, "artifactLocation", art);
	if (line) {
		json_object *region = json_object_new_object();

		json_object_object_add(region, "startLine",
				       json_object_new_int64((int64_t)line));
		if (chr)
			json_object_object_add(
				region, "startColumn",
				json_object_new_int64((int64_t)chr));
		json_object_object_add(phys, "region", region);
	}
	json_object_object_add(loc, "physicalLocation", phys);
	if (pl->member) {
		json_object *logs = json_object_new_array();
		json_object *lg = json_object_new_object();
		const char *base = strrchr(pl->member, '/');

		json_object_object_add(
			lg, "name",
			json_object_new_string(base && base[1] ? base + 1
							       : pl->member));
		json_object_object_add(lg, "fullyQualifiedName",
				       json_object_new_string(pl->member));
		json_object_object_add(lg, "kind",
				       json_object_new_string("member"));
		json_object_array_add(logs, lg);
		json_object_object_add(loc, "logicalLocations", logs);
	}
	return loc;
}

/* ---- rules: one per category, with its help ---------------------------- */

static json_object *
help_of(const struct bsc_category *c)
{
	json_object *h = json_object_new_object();
	const char *kind = c->cls == BSC_CLASS_MEDICAL ? "medical data"
			   : c->direct ? "personal data (direct identifier)"
				       : "personal data";
	char *t = bsc_asprintf("%s (%s): %s\n\nWhat was found: %s\n\nWhy it "
			       "matters: %s\n\nWhat to do: %s\n\nSamples in "
			       "the results are masked.",
			       c->label, c->name, kind, c->description,
			       c->risk, c->action);
	char *md = bsc_asprintf("**%s** (`%s`): %s.\n\n## What was found\n\n%s"
				"\n\n## Why it matters\n\n%s\n\n## What to "
				"do\n\n%s\n\nSamples in the results are "
				"masked; the JSON report has every count "
				"(README \"SARIF and JUnit\").",
				c->label, c->name, kind, c->description,
				c->risk, c->action);

	json_object_object_add(h, "text", json_object_new_string(t));
	json_object_object_add(h, "markdown", json_object_new_string(md));
	free(t);
	free(md);
	return h;
}

static json_object *
rule_of(const struct bsc_category *c)
{
	json_object *r = json_object_new_object();
	json_object *props = json_object_new_object();
	json_object *tags = json_object_new_array();
	json_object *conf = json_object_new_object();

	json_object_object_add(r, "id", json_object_new_string(c->name));
	json_object_object_add(r, "name", json_object_new_string(c->name));
	json_object_object_add(r, "shortDescription", text(c->label));
	json_object_object_add(r, "fullDescription", text(c->description));
	json_object_object_add(r, "help", help_of(c));
	json_object_object_add(conf, "level", json_object_new_string("error"));
	json_object_object_add(r, "defaultConfiguration", conf);
	json_object_array_add(tags, json_object_new_string(
					    c->cls == BSC_CLASS_MEDICAL
						    ? "medical"
						    : "identity"));
	json_object_array_add(tags, json_object_new_string("privacy"));
	json_object_object_add(props, "tags", tags);
	json_object_object_add(r, "properties", props);
	return r;
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
	for (size_t i = 0; i < ss->rs->n_cats; i++)
		json_object_array_add(rules, rule_of(&ss->rs->cats[i]));
	json_object_object_add(driver, "rules", rules);
	json_object_object_add(tool, "driver", driver);
	ss->notes = json_object_new_array();
	ok = fputs("{\n  \"$schema\": \"https://json.schemastore.org/"
		   "sarif-2.1.0.json\",\n  \"version\": \"2.1.0\",\n"
		   "  \"runs\": [\n    {\n      \"tool\": ",
		   ss->out) != EOF &&
	     bsc_json_put_indented(ss->out, tool, 6) &&
	     fputs(",\n      \"columnKind\": \"unicodeCodePoints\",\n"
		   "      \"newlineSequences\": [\"\\r\\n\", \"\\n\", "
		   "\"\\r\"],\n      \"results\": [",
		   ss->out) != EOF;
	json_object_put(tool);
	return ok ? BSC_OK : BSC_FATAL;
}

/* ---- where an item is ------------------------------------------------ */

static void
close_from(struct sarif_sink *ss, unsigned depth)
{
	while (ss->n_open > depth) {
		ss->n_open--;
		free(ss->open[ss->n_open]);
		free(ss->open_fmt[ss->n_open]);
		ss->open[ss->n_open] = ss->open_fmt[ss->n_open] = NULL;
	}
}

static bsc_status
sarif_archive_begin(void *data, const char *path, const char *format,
		    unsigned depth)
{
	struct sarif_sink *ss = data;

	if (depth >= MAX_OPEN)
		return BSC_OK;
	close_from(ss, depth);
	while (ss->n_open < depth) { /* a level never announced */
		ss->open[ss->n_open] = bsc_strdup(path);
		ss->open_fmt[ss->n_open++] = bsc_strdup("");
	}
	ss->open[depth] = bsc_strdup(path);
	ss->open_fmt[depth] = bsc_strdup(format ? format : "");
	ss->n_open = depth + 1;
	return BSC_OK;
}

/*
 * The place of r: a top-level item is its own artifact; a member's
 * artifact is the outermost open archive, and its member path what
 * follows that archive's path ("dir/m.csv", "in.tar!/m.csv"). Its lines
 * are the artifact's only when every level below the artifact was read
 * by the same reader as its parent (a table of a SQL dump), not unpacked.
 */
static void
place_of(struct sarif_sink *ss, const struct bsc_item_report *r,
	 struct place *pl)
{
	const char *art = ss->n_open ? ss->open[0] : NULL;
	size_t n;

	pl->artifact = r->path;
	pl->member = NULL;
	pl->lines = true;
	if (r->depth == 0 || !art || ss->n_open < r->depth)
		return;
	n = strlen(art);
	pl->artifact = art;
	pl->member = r->path;
	if (!strncmp(r->path, art, n) && r->path[n] == '!' &&
	    r->path[n + 1] == '/' && r->path[n + 2])
		pl->member = r->path + n + 2;
	else if (strrchr(r->path, '/'))
		pl->member = strrchr(r->path, '/') + 1; /* "p.csv.gz!" */
	for (unsigned d = 1; d <= r->depth; d++) {
		const char *fmt = d < r->depth ? ss->open_fmt[d] : r->format;

		if (!fmt || strcmp(fmt, ss->open_fmt[d - 1]))
			pl->lines = false;
	}
}

/* ---- items and results ----------------------------------------------- */

static void
add_note(struct sarif_sink *ss, const struct bsc_item_report *r,
	 const struct place *pl)
{
	json_object *n = json_object_new_object();
	json_object *locs = json_object_new_array();
	char *msg = bsc_asprintf("%s: %s: %s", r->path,
				 bsc_item_status_name(r->status),
				 r->reason ? r->reason : "");

	json_object_object_add(n, "level",
			       json_object_new_string(r->status ==
							      BSC_ITEM_FAILED
						      ? "error"
						      : "warning"));
	json_object_object_add(n, "message", text(msg));
	json_object_array_add(locs, location(pl, 0, 0));
	json_object_object_add(n, "locations", locs);
	if (json_object_array_length(ss->notes) < MAX_NOTES) {
		json_object_array_add(ss->notes, n);
	} else {
		json_object_put(n);
		ss->more_notes++;
	}
	free(msg);
}

/*
 * The region of f, and what the message must add when the region cannot
 * hold the reader's line: "line 12 of dir/m.csv", "page 3", or that no
 * line is known (owned by the caller; NULL when the region says it all).
 */
static char *
region_of(const struct bsc_item_report *r, const struct bsc_finding *f,
	  const struct place *pl, unsigned long *line, unsigned long *chr)
{
	const char *unit;
	bool text_lines = bsc_format_text_lines(r->format, &unit);

	*line = 1;
	*chr = 0;
	if (text_lines && pl->lines && f->loc.line) {
		*line = f->loc.line;
		*chr = f->loc.start_char;
		return NULL;
	}
	if (f->loc.line && (text_lines || unit))
		return bsc_asprintf("%s %lu%s%s", unit ? unit : "line",
				    f->loc.line, pl->member ? " of " : "",
				    pl->member ? pl->member : "");
	if (pl->member)
		return bsc_asprintf("in %s; no line known", pl->member);
	return bsc_strdup("no line known");
}

static char *
message_of(const struct bsc_item_report *r, const struct bsc_finding *f,
	   const struct bsc_category *c, const char *where)
{
	char col[64] = "";

	if (f->loc.column)
		snprintf(col, sizeof(col), " in column %u", f->loc.column);
	return bsc_asprintf(
		"%s (%s, %s)%s%s%s%s%s%s%s: %llu value(s), confidence %s, "
		"sample %s%s",
		c ? c->label : f->category, f->category,
		f->cls == BSC_CLASS_MEDICAL ? "medical" : "identity", col,
		f->loc.header ? " '" : "", f->loc.header ? f->loc.header : "",
		f->loc.header ? "'" : "", where ? " (" : "", where ? where : "",
		where ? ")" : "", (unsigned long long)f->count,
		bsc_confidence_name(f->confidence), f->sample,
		f->violation && r->records_linked && f->cls == BSC_CLASS_MEDICAL
			? "; health data linked to persons"
			: "");
}

/* Why f is no alert, or NULL when it is one (a violation) or only a
 * note (it does not count). */
static char *
suppression_of(const struct bsc_finding *f)
{
	if (f->suppressed && !strcmp(f->suppressed, "baseline"))
		return bsc_strdup("accepted by the baseline (--baseline)");
	if (f->suppressed)
		return bsc_asprintf("ignored by the policy: %s", f->suppressed);
	if (!f->violation && bsc_finding_counted(f))
		return bsc_strdup("allowed: the policy (or --min-confidence) "
				  "does not fail on it");
	return NULL;
}

static json_object *
result_of(struct sarif_sink *ss, const struct bsc_item_report *r,
	  const struct bsc_finding *f, const struct place *pl)
{
	json_object *res = json_object_new_object();
	json_object *locs = json_object_new_array();
	json_object *fp = json_object_new_object();
	json_object *props = json_object_new_object();
	int ci = bsc_ruleset_category(ss->rs, f->category);
	const struct bsc_category *c = ci >= 0 ? &ss->rs->cats[ci] : NULL;
	unsigned long line, chr;
	char *where = region_of(r, f, pl, &line, &chr);
	char *msg = message_of(r, f, c, where);
	char *why = suppression_of(f);

	json_object_object_add(res, "ruleId",
			       json_object_new_string(f->category));
	if (ci >= 0)
		json_object_object_add(res, "ruleIndex",
				       json_object_new_int(ci));
	json_object_object_add(res, "level",
			       json_object_new_string(f->violation ? "error"
								   : "note"));
	json_object_object_add(res, "message", text(msg));
	json_object_array_add(locs, location(pl, line, chr));
	json_object_object_add(res, "locations", locs);
	json_object_object_add(fp, "breachscope/v2",
			       json_object_new_string(f->fingerprint
							      ? f->fingerprint
							      : ""));
	json_object_object_add(res, "partialFingerprints", fp);
	if (why) {
		json_object *sup = json_object_new_array();
		json_object *s = json_object_new_object();

		json_object_object_add(s, "kind",
				       json_object_new_string("external"));
		json_object_object_add(s, "justification",
				       json_object_new_string(why));
		json_object_array_add(sup, s);
		json_object_object_add(res, "suppressions", sup);
	}
	json_object_object_add(props, "confidence",
			       json_object_new_string(
				       bsc_confidence_name(f->confidence)));
	json_object_object_add(props, "subject",
			       json_object_new_string(
				       bsc_subject_name(f->subject)));
	json_object_object_add(props, "count",
			       json_object_new_int64((int64_t)f->count));
	json_object_object_add(props, "rule", json_object_new_string(f->rule));
	if (f->loc.column)
		json_object_object_add(props, "column",
				       json_object_new_int64(f->loc.column));
	if (f->loc.line)
		json_object_object_add(props, "line",
				       json_object_new_int64(
					       (int64_t)f->loc.line));
	json_object_object_add(res, "properties", props);
	free(where);
	free(msg);
	free(why);
	return res;
}

static bsc_status
sarif_item(void *data, const struct bsc_item_report *r)
{
	struct sarif_sink *ss = data;
	struct place pl;

	close_from(ss, r->depth);
	place_of(ss, r, &pl);
	if (r->status == BSC_ITEM_PARTIAL || r->status == BSC_ITEM_FAILED)
		add_note(ss, r, &pl);
	for (size_t i = 0; i < r->n_findings; i++) {
		json_object *res;

		if (ss->n_results >= MAX_RESULTS) {
			ss->more_results++;
			continue;
		}
		res = result_of(ss, r, &r->findings[i], &pl);
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

static void
count_note(struct sarif_sink *ss, const char *level, char *msg)
{
	json_object *n = json_object_new_object();

	json_object_object_add(n, "level", json_object_new_string(level));
	json_object_object_add(n, "message", text(msg));
	json_object_array_add(ss->notes, n);
	free(msg);
}

static bsc_status
sarif_end(void *data, const struct bsc_run_summary *s)
{
	struct sarif_sink *ss = data;
	json_object *invs = json_object_new_array();
	json_object *inv = json_object_new_object();
	bool ok;

	(void)s;
	if (ss->more_notes)
		count_note(ss, "warning",
			   bsc_asprintf("%llu more item(s) not fully scanned "
					"are not listed here; the json, jsonl "
					"and csv reports list them all",
					(unsigned long long)ss->more_notes));
	if (ss->more_results)
		count_note(ss, "warning",
			   bsc_asprintf("%llu more finding(s) are not listed: "
					"GitHub code scanning takes at most "
					"%d results per run; the json, jsonl "
					"and csv reports list them all",
					(unsigned long long)ss->more_results,
					MAX_RESULTS));
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
	close_from(ss, 0);
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
	s->archive_begin = sarif_archive_begin;
	s->item = sarif_item;
	s->run_end = sarif_end;
	s->data = ss;
	return s;
}
