/*
 * report_text.c - the human report (sinks stage): one block per item with
 * its categories, record counts and a verdict line, then a run summary
 * that lists everything not fully scanned. Samples are masked upstream;
 * this file only formats. Items are written as they come, so a long scan
 * shows results early.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "report.h"
#include "util.h"

struct text_sink {
	struct bsc_report_base base;
	FILE *out;
	bool color;
	bool quiet;
	bool err;
	struct bsc_vec problems; /* char*: "path: status: reason" */
};

#define BOLD(ts) ((ts)->color ? "\033[1m" : "")
#define RED(ts) ((ts)->color ? "\033[1;31m" : "")
#define YELLOW(ts) ((ts)->color ? "\033[33m" : "")
#define RESET(ts) ((ts)->color ? "\033[0m" : "")

static void
out(struct text_sink *ts, const char *fmt, ...) BSC_PRINTF(2, 3);

static void
out(struct text_sink *ts, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	if (vfprintf(ts->out, fmt, ap) < 0)
		ts->err = true;
	va_end(ap);
}

static void
list(struct text_sink *ts, const char *label, const char *const *v, size_t n)
{
	out(ts, "  %-9s", label);
	if (n == 0)
		out(ts, " -");
	for (size_t i = 0; i < n; i++)
		out(ts, "%s%s", i ? ", " : " ", v[i]);
	out(ts, "\n");
}

static void
release(void *data)
{
	struct text_sink *ts = data;

	for (size_t i = 0; i < ts->problems.n; i++)
		free(ts->problems.v[i]);
	bsc_vec_release(&ts->problems);
}

/* Write s cut or padded to width characters (UTF-8 aware). */
static void
pad(struct text_sink *ts, const char *s, size_t width)
{
	size_t chars = 0, i = 0;

	while (s[i] && chars < width) {
		size_t n = 1;

		while (((unsigned char)s[i + n] & 0xC0) == 0x80)
			n++;
		out(ts, "%.*s", (int)n, s + i);
		i += n;
		chars++;
	}
	for (; chars < width; chars++)
		out(ts, " ");
}

/* A location path keeps its end, the most telling part:
 * "…ient/name/family". */
static void
pad_path(struct text_sink *ts, const char *s, size_t width)
{
	size_t chars = 0, i;

	for (i = 0; s[i]; i++)
		chars += ((unsigned char)s[i] & 0xC0) != 0x80;
	if (chars <= width) {
		pad(ts, s, width);
		return;
	}
	for (i = 0; chars > width - 1; i++)
		chars -= ((unsigned char)s[i] & 0xC0) != 0x80;
	while (((unsigned char)s[i] & 0xC0) == 0x80)
		i++;
	out(ts, "\u2026"); /* "…" */
	pad(ts, s + i, width - 1);
}

static const char *
evidence_name(unsigned ev)
{
	if ((ev & BSC_EVIDENCE_HEADER) && (ev & BSC_EVIDENCE_VALUE))
		return "header+value";
	if (ev & BSC_EVIDENCE_HEADER)
		return "header";
	return "value";
}

static bsc_status
text_item(void *data, const struct bsc_item_report *r)
{
	struct text_sink *ts = data;
	const char *v = bsc_verdict(r->n_identity, r->n_medical,
				    r->records_linked);
	bool problem = r->status == BSC_ITEM_PARTIAL ||
		       r->status == BSC_ITEM_FAILED;

	if (problem)
		bsc_vec_push(&ts->problems,
			     bsc_asprintf("%s: %s: %s", r->path,
					  bsc_item_status_name(r->status),
					  r->reason ? r->reason : ""));
	if (ts->quiet && !problem && r->n_findings == 0)
		return BSC_OK;
	out(ts, "%s%s%s", BOLD(ts), r->path, RESET(ts));
	if (r->status == BSC_ITEM_SKIPPED || r->status == BSC_ITEM_FAILED) {
		out(ts, "  [%s]\n  %s%s%s\n\n", bsc_item_status_name(r->status),
		    r->status == BSC_ITEM_FAILED ? RED(ts) : "",
		    r->reason ? r->reason : "", RESET(ts));
		return ts->err ? BSC_FATAL : BSC_OK;
	}
	if (!r->format) {
		out(ts, "  [empty file]\n\n");
		return ts->err ? BSC_FATAL : BSC_OK;
	}
	out(ts, "  [%s, %s, %" PRIu64 " records%s%s]\n", r->format,
	    r->encoding ? r->encoding : "-", r->records,
	    r->status == BSC_ITEM_PARTIAL ? ", " : "",
	    r->status == BSC_ITEM_PARTIAL ? "PARTIAL" : "");
	list(ts, "identity:", r->identity, r->n_identity);
	list(ts, "medical:", r->medical, r->n_medical);
	if (r->n_identity || r->n_medical)
		out(ts,
		    "  records:  %" PRIu64 " with identity, %" PRIu64
		    " with medical data, %" PRIu64 " linked\n",
		    r->records_identity, r->records_medical,
		    r->records_linked);
	for (size_t i = 0; i < r->n_findings; i++) {
		const struct bsc_finding *f = &r->findings[i];
		char col[16] = "";

		if (f->loc.column)
			snprintf(col, sizeof(col), "col %u", f->loc.column);
		out(ts, "    - %-15s %-7s ", f->category, col);
		if (f->loc.header && f->loc.header[0] == '/')
			pad_path(ts, f->loc.header, 22);
		else
			pad(ts, f->loc.header ? f->loc.header : "", 22);
		out(ts, " %-6s %-12s %6" PRIu64 " x  %s%s%s%s\n",
		    bsc_confidence_name(f->confidence),
		    evidence_name(f->evidence), f->count, f->sample,
		    f->subject ? "  (" : "",
		    f->subject ? bsc_subject_name(f->subject) : "",
		    f->subject ? ")" : "");
	}
	out(ts, "  verdict:  %s%s%s\n", !strcmp(v, "linked") ? RED(ts) : "",
	    bsc_verdict_text(v), RESET(ts));
	if (r->status == BSC_ITEM_PARTIAL)
		out(ts, "  %snot fully scanned: %s%s\n", YELLOW(ts),
		    r->reason ? r->reason : "", RESET(ts));
	if (r->note)
		out(ts, "  note:     %s\n", r->note);
	out(ts, "\n");
	return ts->err ? BSC_FATAL : BSC_OK;
}

static bsc_status
text_end(void *data, const struct bsc_run_summary *s)
{
	struct text_sink *ts = data;
	const char *v = bsc_verdict(s->n_identity, s->n_medical,
				    s->records_linked);

	out(ts, "%sSummary%s: %" PRIu64 " items: %" PRIu64 " complete, %" PRIu64
		" partial, %" PRIu64 " failed, %" PRIu64 " skipped\n",
	    BOLD(ts), RESET(ts), s->items, s->by_status[BSC_ITEM_COMPLETE],
	    s->by_status[BSC_ITEM_PARTIAL], s->by_status[BSC_ITEM_FAILED],
	    s->by_status[BSC_ITEM_SKIPPED]);
	list(ts, "identity:", s->identity, s->n_identity);
	list(ts, "medical:", s->medical, s->n_medical);
	out(ts,
	    "  records:  %" PRIu64 " in all, %" PRIu64 " with identity, %" PRIu64
	    " with medical data, %" PRIu64 " linked\n",
	    s->records, s->records_identity, s->records_medical,
	    s->records_linked);
	out(ts, "  verdict:  %s\n", bsc_verdict_text(v));
	if (ts->problems.n) {
		out(ts, "  %snot fully scanned (%zu):%s\n", YELLOW(ts),
		    ts->problems.n, RESET(ts));
		for (size_t i = 0; i < ts->problems.n; i++)
			out(ts, "    %s\n", (const char *)ts->problems.v[i]);
	}
	if (fflush(ts->out) == EOF)
		ts->err = true;
	return ts->err ? BSC_FATAL : BSC_OK;
}

struct bsc_sink *
bsc_report_text_new(const struct bsc_report_opts *opts)
{
	struct bsc_sink *s = bsc_zalloc(sizeof(*s));
	struct text_sink *ts = bsc_zalloc(sizeof(*ts));

	ts->base.release = release;
	ts->out = opts->out;
	ts->color = opts->color;
	ts->quiet = opts->quiet;
	s->item = text_item;
	s->run_end = text_end;
	s->data = ts;
	return s;
}
