/*
 * report_csv.c - the CSV sink (sinks stage), for spreadsheets: one row per
 * item and category (an item without categories still gets one row, so
 * every item and its status appear). Fields are quoted by libcsv's writer.
 * Columns: path, status, reason, format, class, category, confidence,
 * count, subject, violation, records, records_identity, records_medical,
 * records_linked, verdict, severity. Names are escaped (control and bidi
 * characters) and formula prefixes neutralised. With --lang fr the
 * headers are in French, fields are separated by ';' and the file starts
 * with a UTF-8 byte order mark, as French spreadsheets expect; values stay
 * codes.
 */
#include <csv.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "report.h"
#include "util.h"

struct csv_sink {
	struct bsc_report_base base;
	FILE *out;
	bool fr; /* --lang fr: BOM, ';' and French headers (French Excel) */
	bool err;
};

/*
 * One cell. A cell that starts with = + - @ (or a tab or CR) is a formula
 * to spreadsheets (CSV injection): it gets a leading apostrophe, which
 * they show as text.
 */
static void
field(struct csv_sink *cs, const char *s, bool last)
{
	char *safe = NULL;

	if (s && s[0] && strchr("=+-@\t\r", s[0]))
		s = safe = bsc_asprintf("'%s", s);
	if (csv_fwrite(cs->out, s ? s : "", s ? strlen(s) : 0) != 0)
		cs->err = true;
	free(safe);
	if (fputc(last ? '\n' : cs->fr ? ';' : ',', cs->out) == EOF)
		cs->err = true;
}

static void
num(struct csv_sink *cs, uint64_t v, bool last)
{
	char b[32];

	snprintf(b, sizeof(b), "%" PRIu64, v);
	field(cs, b, last);
}

static bsc_status
csv_begin(void *data)
{
	struct csv_sink *cs = data;
	static const char *const cols[] = {
		"path", "status", "reason", "format", "class", "category",
		"confidence", "count", "subject", "violation", "records",
		"records_identity", "records_medical", "records_linked",
		"verdict", "severity"};
	static const char *const fr[] = {
		"chemin", "état", "motif", "format", "classe", "catégorie",
		"confiance", "valeurs", "données de", "infraction",
		"enregistrements", "enregistrements_identité",
		"enregistrements_santé", "enregistrements_liés", "verdict",
		"gravité"};

	if (cs->fr && fputs("\xEF\xBB\xBF", cs->out) == EOF) /* BOM */
		cs->err = true;
	for (size_t i = 0; i < BSC_ARRAY_SIZE(cols); i++)
		field(cs, cs->fr ? fr[i] : cols[i],
		      i + 1 == BSC_ARRAY_SIZE(cols));
	return cs->err ? BSC_FATAL : BSC_OK;
}

/* Best finding of category cat in r: highest confidence, then count. */
static const struct bsc_finding *
best_of(const struct bsc_item_report *r, const char *cat)
{
	const struct bsc_finding *best = NULL;

	for (size_t i = 0; i < r->n_findings; i++) {
		const struct bsc_finding *f = &r->findings[i];

		if (strcmp(f->category, cat))
			continue;
		if (!best || f->confidence > best->confidence ||
		    (f->confidence == best->confidence && f->count > best->count))
			best = f;
	}
	return best;
}

static void
row(struct csv_sink *cs, const struct bsc_item_report *r, const char *cls,
    const char *cat)
{
	const struct bsc_finding *f = cat ? best_of(r, cat) : NULL;
	uint64_t count = 0;
	bool violation = false;

	for (size_t i = 0; cat && i < r->n_findings; i++) {
		if (strcmp(r->findings[i].category, cat))
			continue;
		count += r->findings[i].count;
		violation |= r->findings[i].violation;
	}
	field(cs, r->path, false);
	field(cs, bsc_item_status_name(r->status), false);
	field(cs, r->reason, false);
	field(cs, r->format, false);
	field(cs, cls, false);
	field(cs, cat, false);
	field(cs, f ? bsc_confidence_name(f->confidence) : NULL, false);
	if (cat)
		num(cs, count, false);
	else
		field(cs, NULL, false);
	field(cs, f ? bsc_subject_name(f->subject) : NULL, false);
	field(cs, cat ? (violation ? "yes" : "no") : NULL, false);
	num(cs, r->records, false);
	num(cs, r->records_identity, false);
	num(cs, r->records_medical, false);
	num(cs, r->records_linked, false);
	field(cs, bsc_verdict(r->n_identity, r->n_medical, r->records_linked),
	      false);
	field(cs, r->severity, true);
}

static bsc_status
csv_item_safe(void *data, const struct bsc_item_report *r)
{
	struct csv_sink *cs = data;

	for (size_t i = 0; i < r->n_identity; i++)
		row(cs, r, "identity", r->identity[i]);
	for (size_t i = 0; i < r->n_medical; i++)
		row(cs, r, "medical", r->medical[i]);
	if (r->n_identity + r->n_medical == 0)
		row(cs, r, NULL, NULL);
	return cs->err ? BSC_FATAL : BSC_OK;
}

static bsc_status
csv_end(void *data, const struct bsc_run_summary *s)
{
	struct csv_sink *cs = data;

	(void)s;
	if (fflush(cs->out) == EOF)
		cs->err = true;
	return cs->err ? BSC_FATAL : BSC_OK;
}

/* Names are data: escaped before they reach a terminal or a file. */
static bsc_status
csv_item(void *data, const struct bsc_item_report *r)
{
	struct bsc_safe_report sr;
	bsc_status ret;

	bsc_safe_report_init(&sr, r);
	ret = csv_item_safe(data, &sr.r);
	bsc_safe_report_free(&sr);
	return ret;
}

struct bsc_sink *
bsc_report_csv_new(const struct bsc_report_opts *opts)
{
	struct bsc_sink *s = bsc_zalloc(sizeof(*s));
	struct csv_sink *cs = bsc_zalloc(sizeof(*cs));

	cs->out = opts->out;
	cs->fr = opts->lang && !strcmp(opts->lang, "fr");
	s->run_begin = csv_begin;
	s->item = csv_item;
	s->run_end = csv_end;
	s->data = cs;
	return s;
}
