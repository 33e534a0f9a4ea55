/*
 * report_junit.c - the JUnit XML sink (sinks stage), for CI systems that
 * only read test reports: one testcase per item. An item with policy
 * violations is a <failure> listing them (masked samples only) with the
 * location the reader gave (CSV column and header, HL7 field, XML path,
 * line or page); an item not fully scanned is an <error>; a skipped item
 * is <skipped>. Valid against the common junit-10.xsd (tests/, whose
 * <testsuites> has no skipped count: only <testsuite> carries it).
 * Written with libxml2's xmlTextWriter at the end of the run, since the
 * suite element carries the totals.
 */
#include <inttypes.h>
#include <libxml/xmlwriter.h>
#include <string.h>

#include "format.h"
#include "report.h"
#include "util.h"

struct tcase {
	char *name;
	int kind; /* 0 pass, 1 failure, 2 error, 3 skipped */
	char *message;
	char *body;
};

struct junit_sink {
	struct bsc_report_base base;
	FILE *out;
	struct tcase *cases;
	size_t n;
};

static void
release(void *data)
{
	struct junit_sink *js = data;

	for (size_t i = 0; i < js->n; i++) {
		free(js->cases[i].name);
		free(js->cases[i].message);
		free(js->cases[i].body);
	}
	free(js->cases);
	js->cases = NULL;
	js->n = 0;
}

/*
 * Text XML 1.0 can hold (owned by the caller; frees s): valid UTF-8, and
 * of the control characters only tab, LF and CR. Headers come from the
 * scanned data.
 */
static char *
xml_text(char *s)
{
	char *out;

	if (!s)
		return NULL;
	if (!bsc_utf8_valid(s)) {
		out = bsc_escape_name(s, false);
		free(s);
		return out;
	}
	for (unsigned char *p = (unsigned char *)s; *p; p++)
		if ((*p < 0x20 && *p != '\t' && *p != '\n' && *p != '\r') ||
		    *p == 0x7F)
			*p = '?';
	return s;
}

/*
 * Where a finding is, as the reader gave it: "column 3 'email', line 1"
 * for a table, "at 'PID-5.1', line 4" for an HL7 field or an XML path,
 * "page 2" where the reader counts pages; "location unknown" otherwise.
 */
static void
put_location(FILE *mem, const struct bsc_item_report *r,
	     const struct bsc_location *loc)
{
	const char *unit;
	bool lines = bsc_format_text_lines(r->format, &unit);
	const char *sep = "";

	if (loc->column) {
		fprintf(mem, "column %u", loc->column);
		if (loc->header)
			fprintf(mem, " '%s'", loc->header);
		sep = ", ";
	} else if (loc->header) {
		fprintf(mem, "at '%s'", loc->header);
		sep = ", ";
	}
	if (loc->line && (lines || unit))
		fprintf(mem, "%s%s %lu", sep, unit ? unit : "line", loc->line);
	else if (!*sep)
		fputs("location unknown", mem);
}

/* Growth past --max-growth (--baseline) fails the item's test case as a
 * violation does; the message says from what to what. */
static void
growth_failure(struct tcase *tc, const struct bsc_growth *g)
{
	char text[256];
	char *msg;

	bsc_growth_text(g, false, text, sizeof(text));
	msg = tc->kind == 1 ? bsc_asprintf("%s; %s", tc->message, text)
			    : bsc_asprintf("%s", text);
	free(tc->message);
	tc->message = msg;
	tc->kind = 1;
}

static bsc_status
junit_item_safe(void *data, const struct bsc_item_report *r)
{
	struct junit_sink *js = data;
	struct tcase tc = {0};

	tc.name = bsc_strdup(r->path);
	if (r->status == BSC_ITEM_PARTIAL || r->status == BSC_ITEM_FAILED) {
		tc.kind = 2;
		tc.message = bsc_asprintf("%s: %s",
					  bsc_item_status_name(r->status),
					  r->reason ? r->reason : "");
	} else if (r->status == BSC_ITEM_SKIPPED) {
		tc.kind = 3;
		tc.message = bsc_strdup(r->reason ? r->reason : "skipped");
	}
	if (r->violations && tc.kind != 2) {
		size_t len = 0;
		char *body = NULL;
		FILE *mem = open_memstream(&body, &len);

		tc.kind = 1;
		free(tc.message);
		tc.message = bsc_asprintf("%zu policy violation(s); verdict %s, "
					  "severity %s",
					  r->violations,
					  bsc_verdict(r->n_identity,
						      r->n_medical,
						      r->records_linked),
					  r->severity ? r->severity : "none");
		for (size_t i = 0; mem && i < r->n_findings; i++) {
			const struct bsc_finding *f = &r->findings[i];

			if (!f->violation)
				continue;
			fprintf(mem, "%s (%s) ", f->category,
				f->cls == BSC_CLASS_MEDICAL ? "medical"
							    : "identity");
			put_location(mem, r, &f->loc);
			fprintf(mem, ": %" PRIu64 " value(s), confidence %s, "
				     "sample %s\n",
				f->count, bsc_confidence_name(f->confidence),
				f->sample);
		}
		if (mem)
			fclose(mem);
		tc.body = xml_text(body);
	}
	if ((r->growth.persons || r->growth.linked) && tc.kind != 2)
		growth_failure(&tc, &r->growth);
	js->cases = bsc_reallocarray(js->cases, js->n + 1, sizeof(tc));
	js->cases[js->n++] = tc;
	return BSC_OK;
}

static bsc_status
junit_end(void *data, const struct bsc_run_summary *s)
{
	struct junit_sink *js = data;
	xmlBufferPtr buf = xmlBufferCreate();
	xmlTextWriterPtr w = xmlNewTextWriterMemory(buf, 0);
	size_t count[4] = {0, 0, 0, 0};
	char num[4][32];
	bsc_status ret = BSC_OK;

	if (!buf || !w) {
		fprintf(stderr, "breachscope: out of memory (libxml2)\n");
		abort();
	}
	if (s->growth.persons || s->growth.linked) {
		/* The run's totals grew past --max-growth, maybe with no
		 * single item that did: a case of its own. */
		struct tcase tc = {.name = bsc_strdup("(run totals)")};

		growth_failure(&tc, &s->growth);
		js->cases = bsc_reallocarray(js->cases, js->n + 1, sizeof(tc));
		js->cases[js->n++] = tc;
	}
	for (size_t i = 0; i < js->n; i++)
		count[js->cases[i].kind]++;
	snprintf(num[0], sizeof(num[0]), "%zu", js->n);
	snprintf(num[1], sizeof(num[1]), "%zu", count[1]);
	snprintf(num[2], sizeof(num[2]), "%zu", count[2]);
	snprintf(num[3], sizeof(num[3]), "%zu", count[3]);
	xmlTextWriterSetIndent(w, 1);
	xmlTextWriterStartDocument(w, NULL, "UTF-8", NULL);
	xmlTextWriterStartElement(w, BAD_CAST "testsuites");
	for (int pass = 0; pass < 2; pass++) {
		if (pass == 1)
			xmlTextWriterStartElement(w, BAD_CAST "testsuite");
		xmlTextWriterWriteAttribute(w, BAD_CAST "name",
					    BAD_CAST "breachscope");
		xmlTextWriterWriteAttribute(w, BAD_CAST "tests", BAD_CAST num[0]);
		xmlTextWriterWriteAttribute(w, BAD_CAST "failures",
					    BAD_CAST num[1]);
		xmlTextWriterWriteAttribute(w, BAD_CAST "errors", BAD_CAST num[2]);
		if (pass == 1) /* junit-10.xsd: testsuites has no skipped */
			xmlTextWriterWriteAttribute(w, BAD_CAST "skipped",
						    BAD_CAST num[3]);
	}
	for (size_t i = 0; i < js->n; i++) {
		static const char *const tags[] = {NULL, "failure", "error",
						   "skipped"};
		const struct tcase *tc = &js->cases[i];

		xmlTextWriterStartElement(w, BAD_CAST "testcase");
		xmlTextWriterWriteAttribute(w, BAD_CAST "classname",
					    BAD_CAST "breachscope.scan");
		xmlTextWriterWriteAttribute(w, BAD_CAST "name",
					    BAD_CAST tc->name);
		if (tc->kind) {
			static const char *const types[] = {
				NULL, "policy_violation", "incomplete_scan",
				"skipped"};

			xmlTextWriterStartElement(w, BAD_CAST tags[tc->kind]);
			xmlTextWriterWriteAttribute(w, BAD_CAST "type",
						    BAD_CAST types[tc->kind]);
			xmlTextWriterWriteAttribute(w, BAD_CAST "message",
						    BAD_CAST tc->message);
			if (tc->body)
				xmlTextWriterWriteString(w, BAD_CAST tc->body);
			xmlTextWriterEndElement(w);
		}
		xmlTextWriterEndElement(w);
	}
	xmlTextWriterEndDocument(w);
	xmlFreeTextWriter(w);
	if (fwrite(xmlBufferContent(buf), 1, (size_t)xmlBufferLength(buf),
		   js->out) != (size_t)xmlBufferLength(buf) ||
	    fflush(js->out) == EOF)
		ret = BSC_FATAL;
	xmlBufferFree(buf);
	release(js);
	return ret;
}

/* Names are data: escaped before they reach a terminal or a file. */
static bsc_status
junit_item(void *data, const struct bsc_item_report *r)
{
	struct bsc_safe_report sr;
	bsc_status ret;

	bsc_safe_report_init(&sr, r);
	ret = junit_item_safe(data, &sr.r);
	bsc_safe_report_free(&sr);
	return ret;
}

struct bsc_sink *
bsc_report_junit_new(const struct bsc_report_opts *opts)
{
	struct bsc_sink *s = bsc_zalloc(sizeof(*s));
	struct junit_sink *js = bsc_zalloc(sizeof(*js));

	js->base.release = release;
	js->out = opts->out;
	s->item = junit_item;
	s->run_end = junit_end;
	s->data = js;
	return s;
}
