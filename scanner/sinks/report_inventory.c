/*
 * report_inventory.c - the inventory sink (sinks stage), for the register
 * of processing activities (GDPR art. 30) and the incident file: one CSV
 * row per file (or archive member) and category of data, with the number
 * of values, the fields holding them, whose data they are, the records,
 * the distinct persons of the file and those who have that category. Archives are not rows: their
 * members are. A file with no category still gets one row, so that every
 * file and its status appear.
 *
 * With --lang fr the file opens as is in a French spreadsheet: UTF-8 with
 * a byte order mark, ';' between fields, French headers and labels.
 * Fields are quoted by libcsv's writer. No value is ever written: only
 * paths, category names and counts.
 */
#include <csv.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "report.h"
#include "rules.h"
#include "util.h"

struct inventory_sink {
	struct bsc_report_base base;
	FILE *out;
	const struct bsc_ruleset *rs;
	bool fr;
	bool err;
};

static void
field(struct inventory_sink *is, const char *s, bool last)
{
	if (csv_fwrite(is->out, s ? s : "", s ? strlen(s) : 0) != 0)
		is->err = true;
	if (fputc(last ? '\n' : is->fr ? ';' : ',', is->out) == EOF)
		is->err = true;
}

static void
num(struct inventory_sink *is, uint64_t v, bool last)
{
	char b[32];

	snprintf(b, sizeof(b), "%" PRIu64, v);
	field(is, b, last);
}

static bsc_status
inv_begin(void *data)
{
	struct inventory_sink *is = data;
	static const char *const en[] = {
		"path", "folder or archive", "status", "class", "category",
		"label", "values", "fields", "whose data", "records",
		"persons", "persons precision", "persons with health data",
		"severity", "persons with this category",
		"its precision"};
	static const char *const fr[] = {
		"chemin", "dossier ou archive", "état", "classe", "catégorie",
		"libellé", "valeurs", "champs", "données de", "enregistrements",
		"personnes", "précision (personnes)",
		"personnes avec données de santé", "gravité",
		"personnes ayant cette donnée", "sa précision"};

	if (is->fr && fputs("\xEF\xBB\xBF", is->out) == EOF) /* BOM */
		is->err = true;
	for (size_t i = 0; i < BSC_ARRAY_SIZE(en); i++)
		field(is, is->fr ? fr[i] : en[i], i + 1 == BSC_ARRAY_SIZE(en));
	return is->err ? BSC_FATAL : BSC_OK;
}

static const char *
status_word(const struct inventory_sink *is, enum bsc_item_status st)
{
	static const char *const fr[] = {"complet", "partiel", "non lu",
					 "ignoré"};

	return is->fr ? fr[st & 3] : bsc_item_status_name(st);
}

static const char *
subject_word(const struct inventory_sink *is, int k)
{
	static const char *const en[] = {"unknown role", "patients",
					 "professionals", "relatives",
					 "organisations"};
	static const char *const fr[] = {"rôle non précisé", "patients",
					 "professionnels", "proches",
					 "organisations"};

	return is->fr ? fr[k] : en[k];
}

/* The folder of a file, or the archive holding a member (new string). */
static char *
place(const struct bsc_item_report *r)
{
	const char *slash = strrchr(r->path, '/');

	if (r->container)
		return bsc_strdup(r->container);
	if (slash)
		return bsc_asprintf("%.*s/", (int)(slash - r->path), r->path);
	return bsc_strdup(".");
}

/* The persons of r who have category cat, and the precision; empty
 * fields for a file without category. */
static void
cat_persons(struct inventory_sink *is, const struct bsc_item_report *r,
	    const char *cat)
{
	const struct bsc_persons *p = &r->persons;
	uint64_t n = 0;

	if (!cat) {
		field(is, NULL, false);
		field(is, NULL, true);
		return;
	}
	for (size_t i = 0; i < p->n_by_category; i++)
		if (!strcmp(p->by_category[i].category, cat))
			n = p->by_category[i].count;
	num(is, n, false);
	field(is, p->categories_bound ? "upper_bound" : "exact", true);
}

static void
row(struct inventory_sink *is, const struct bsc_item_report *r,
    const char *cls, const char *cat)
{
	uint64_t values = 0, fields = 0;
	unsigned whose = 0;
	char who[256] = "", *where;
	int c = cat && is->rs ? bsc_ruleset_category(is->rs, cat) : -1;

	for (size_t i = 0; cat && i < r->n_findings; i++) {
		const struct bsc_finding *f = &r->findings[i];

		if (strcmp(f->category, cat) || !bsc_finding_counted(f))
			continue;
		values += f->count;
		fields++;
		whose |= 1u << (f->subject & 7);
	}
	for (int k = 1; k <= 4; k++)
		if (whose & (1u << (k % 4))) {
			size_t n = strlen(who);

			snprintf(who + n, sizeof(who) - n, "%s%s", n ? ", " : "",
				 subject_word(is, k % 4));
		}
	where = place(r);
	field(is, r->path, false);
	field(is, where, false);
	field(is, status_word(is, r->status), false);
	field(is, cls, false);
	field(is, cat, false);
	field(is, c < 0 ? NULL
	      : is->fr ? is->rs->cats[c].label_fr
		       : is->rs->cats[c].label,
	      false);
	if (cat) {
		num(is, values, false);
		num(is, fields, false);
	} else {
		field(is, NULL, false);
		field(is, NULL, false);
	}
	field(is, who, false);
	num(is, r->records, false);
	num(is, r->persons.count, false);
	field(is, bsc_persons_precision(&r->persons), false);
	num(is, r->persons.health, false);
	field(is, r->severity, false);
	cat_persons(is, r, cat);
	free(where);
}

static bsc_status
inv_item(void *data, const struct bsc_item_report *r)
{
	struct inventory_sink *is = data;
	const char *id = is->fr ? "identité" : "identity";
	const char *med = is->fr ? "santé" : "medical";

	if (r->archive)
		return BSC_OK;
	for (size_t i = 0; i < r->n_identity; i++)
		row(is, r, id, r->identity[i]);
	for (size_t i = 0; i < r->n_medical; i++)
		row(is, r, med, r->medical[i]);
	if (r->n_identity + r->n_medical == 0)
		row(is, r, NULL, NULL);
	return is->err ? BSC_FATAL : BSC_OK;
}

static bsc_status
inv_end(void *data, const struct bsc_run_summary *s)
{
	struct inventory_sink *is = data;

	(void)s;
	if (fflush(is->out) == EOF)
		is->err = true;
	return is->err ? BSC_FATAL : BSC_OK;
}

struct bsc_sink *
bsc_report_inventory_new(const struct bsc_report_opts *opts)
{
	struct bsc_sink *s = bsc_zalloc(sizeof(*s));
	struct inventory_sink *is = bsc_zalloc(sizeof(*is));

	is->out = opts->out;
	is->rs = opts->rules;
	is->fr = opts->lang && !strcmp(opts->lang, "fr");
	s->run_begin = inv_begin;
	s->item = inv_item;
	s->run_end = inv_end;
	s->data = is;
	return s;
}
