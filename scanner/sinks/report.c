/*
 * report.c - the sink registry (sinks stage) and verdicts shared by all
 * report formats. Adding a format: one report_*.c and one table row.
 */
#include "report.h"

#include <inttypes.h>
#include <stdio.h>
#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

struct sink_entry {
	const char *name;
	struct bsc_sink *(*make)(const struct bsc_report_opts *opts);
};

/* Alphasorted. */
static const struct sink_entry sinks[] = {
	{"baseline", bsc_report_baseline_new},
	{"csv", bsc_report_csv_new},
	{"html", bsc_report_html_new},
	{"inventory", bsc_report_inventory_new},
	{"json", bsc_report_json_new},
	{"jsonl", bsc_report_jsonl_new},
	{"person-index", bsc_report_index_new},
	{"junit", bsc_report_junit_new},
	{"sarif", bsc_report_sarif_new},
	{"summary", bsc_report_summary_new},
	{"text", bsc_report_text_new},
};

struct bsc_sink *
bsc_report_new(const char *format, const struct bsc_report_opts *opts)
{
	for (size_t i = 0; i < BSC_ARRAY_SIZE(sinks); i++)
		if (!strcmp(sinks[i].name, format))
			return sinks[i].make(opts);
	return NULL;
}

void
bsc_report_free(struct bsc_sink *sink)
{
	struct bsc_report_base *base;

	if (!sink)
		return;
	base = sink->data;
	if (base && base->release)
		base->release(base);
	free(base);
	free(sink);
}

const char *
bsc_report_names(void)
{
	return "text, json, jsonl, sarif, csv, junit, summary, inventory, html";
}

bool
bsc_report_known(const char *format)
{
	for (size_t i = 0; i < BSC_ARRAY_SIZE(sinks); i++)
		if (!strcmp(sinks[i].name, format))
			return true;
	return false;
}

const char *
bsc_verdict(size_t n_identity, size_t n_medical, uint64_t records_linked)
{
	if (n_identity && n_medical)
		return records_linked ? "linked" : "identity+medical";
	if (n_identity)
		return "identity";
	if (n_medical)
		return "medical";
	return "none";
}

const char *
bsc_verdict_text(const char *v)
{
	if (!strcmp(v, "linked"))
		return "identity + medical: health data linked to persons";
	if (!strcmp(v, "identity+medical"))
		return "identity + medical, but no record holds both a "
		       "direct identifier and medical data";
	if (!strcmp(v, "identity"))
		return "identity only";
	if (!strcmp(v, "medical"))
		return "medical only, no direct identifier";
	return "no personal or medical data found";
}

const char *
bsc_verdict_text_fr(const char *v)
{
	if (!strcmp(v, "linked"))
		return "identité + médical : données de santé liées à des "
		       "personnes";
	if (!strcmp(v, "identity+medical"))
		return "identité + médical, mais aucun enregistrement ne tient "
		       "à la fois un identifiant direct et des données "
		       "médicales";
	if (!strcmp(v, "identity"))
		return "identité seulement";
	if (!strcmp(v, "medical"))
		return "médical seulement, sans identifiant direct";
	return "aucune donnée personnelle ou médicale trouvée";
}

void
bsc_persons_figure(const struct bsc_persons *p, uint64_t v, bool fr,
		   char *buf, size_t len)
{
	if (!p->approximate) {
		snprintf(buf, len, "%" PRIu64, v);
	} else if (p->error > 0 && v >= 1000000) {
		snprintf(buf, len, fr ? "environ %.1f M (± %.0f %%, estimation "
					"haute)"
				      : "about %.1f M (± %.0f %%, upper estimate)",
			 (double)v / 1e6, p->error * 100 < 1 ? 1.0
							     : p->error * 100);
	} else if (p->error > 0) {
		snprintf(buf, len, fr ? "environ %" PRIu64 " (± %.0f %%, "
					"estimation haute)"
				      : "about %" PRIu64 " (± %.0f %%, upper "
					"estimate)",
			 v, p->error * 100 < 1 ? 1.0 : p->error * 100);
	} else {
		snprintf(buf, len, fr ? "au plus %" PRIu64 : "at most %" PRIu64,
			 v);
	}
}

/* "300 -> 3000 (+900 %)" into buf. */
static void
growth_step(uint64_t before, uint64_t now, bool estimated, bool fr,
	    char *buf, size_t len)
{
	char pct[48];

	if (before)
		snprintf(pct, sizeof(pct), "+%.0f %%",
			 ((double)now - (double)before) * 100.0 /
				 (double)before);
	else
		snprintf(pct, sizeof(pct), "%s", fr ? "nouveau" : "new");
	snprintf(buf, len, "%" PRIu64 " -> %" PRIu64 " (%s%s)", before, now,
		 pct,
		 !estimated ? ""
		 : fr	    ? ", estimation, au-delà de son erreur"
			    : ", estimated, beyond its error");
}

void
bsc_growth_text(const struct bsc_growth *g, bool fr, char *buf, size_t len)
{
	char p[160] = "", l[160] = "";

	if (!g->persons && !g->linked) {
		snprintf(buf, len, "%s", "");
		return;
	}
	if (g->persons)
		growth_step(g->persons_before, g->persons_now,
			    g->persons_estimated, fr, p, sizeof(p));
	if (g->linked)
		growth_step(g->linked_before, g->linked_now, false, fr, l,
			    sizeof(l));
	snprintf(buf, len,
		 fr ? "%s%s%s%s%s, au-delà de --max-growth %g %%"
		    : "%s%s%s%s%s, more than --max-growth %g %%",
		 g->persons ? (fr ? "personnes " : "persons ") : "", p,
		 g->persons && g->linked ? "; " : "",
		 g->linked ? (fr ? "enregistrements liés " : "linked records ")
			   : "",
		 l, g->max_growth);
}

/* The figure of v under a precision alone (approximate, error). */
static void
figure_as(bool approximate, double error, uint64_t v, bool fr, char *buf,
	  size_t len)
{
	struct bsc_persons *q = bsc_zalloc(sizeof(*q));

	q->approximate = approximate;
	q->error = error;
	bsc_persons_figure(q, v, fr, buf, len);
	free(q);
}

void
bsc_persons_cat_figure(const struct bsc_persons *p, uint64_t v, bool fr,
		       char *buf, size_t len)
{
	figure_as(p->categories_bound, 0, v, fr, buf, len);
}

void
bsc_other_figure(const struct bsc_other_persons *o, bool fr, char *buf,
		 size_t len)
{
	figure_as(o->approximate, o->error, o->count, fr, buf, len);
}

bool
bsc_json_put_indented(FILE *out, void *o, int indent)
{
	const char *s = json_object_to_json_string_ext(
		o, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED |
			   JSON_C_TO_STRING_NOSLASHESCAPE);

	/* Strings never hold a raw newline: every '\n' is a line break. */
	for (const char *nl; (nl = strchr(s, '\n')); s = nl + 1) {
		if (fwrite(s, 1, (size_t)(nl - s) + 1, out) !=
			    (size_t)(nl - s) + 1 ||
		    fprintf(out, "%*s", indent, "") < 0)
			return false;
	}
	return fputs(s, out) != EOF;
}

void
bsc_safe_report_init(struct bsc_safe_report *s,
		     const struct bsc_item_report *r)
{
	s->r = *r;
	s->path = bsc_escape_name(r->path, false);
	s->container = r->container ? bsc_escape_name(r->container, false)
				    : NULL;
	s->reason = r->reason ? bsc_escape_name(r->reason, false) : NULL;
	s->r.path = s->path;
	s->r.container = s->container;
	s->r.reason = s->reason;
}

void
bsc_safe_report_free(struct bsc_safe_report *s)
{
	free(s->path);
	free(s->container);
	free(s->reason);
}
