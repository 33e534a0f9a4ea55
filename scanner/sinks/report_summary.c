/*
 * report_summary.c - the notification summary (sinks stage): a short
 * structured text a DPO can paste into a breach notification (GDPR art.
 * 33(3)): categories of data and of persons, approximate numbers of
 * persons and records per source and in total, the severity with its
 * reasons, and what could not be scanned. In English or French (--lang).
 * It carries no raw value: only category labels, counts and paths.
 */
#include <inttypes.h>
#include <string.h>

#include "report.h"
#include "rules.h"
#include "util.h"

/* Sources listed one by one before "... and N more". */
#define MAX_SOURCES 40
#define MAX_PROBLEMS 1000

struct summary_sink {
	struct bsc_report_base base;
	FILE *out;
	const struct bsc_ruleset *rs;
	bool fr;
	bool err;
	bool subjects[4];     /* enum bsc_subject seen */
	struct bsc_vec sources; /* char*: one line per source with data */
	size_t more_sources;
	struct bsc_vec problems;
	uint64_t more_problems; /* past MAX_PROBLEMS: counted only */
	struct bsc_vec care;    /* char*: distinct care signals */
	struct bsc_vec skipped; /* char*: reasons of items skipped on purpose */
	struct bsc_vec skipped_n; /* uintptr_t counts, same order */
	uint64_t linked_sources;
};

static const char *
tr(const struct summary_sink *ss, const char *en, const char *fr)
{
	return ss->fr ? fr : en;
}

static void
out(struct summary_sink *ss, const char *fmt, ...) BSC_PRINTF(2, 3);

static void
out(struct summary_sink *ss, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	if (vfprintf(ss->out, fmt, ap) < 0)
		ss->err = true;
	va_end(ap);
}

static void
release(void *data)
{
	struct summary_sink *ss = data;
	struct bsc_vec *v[] = {&ss->sources, &ss->problems, &ss->care,
			       &ss->skipped};

	for (size_t k = 0; k < BSC_ARRAY_SIZE(v); k++) {
		for (size_t i = 0; i < v[k]->n; i++)
			free(v[k]->v[i]);
		bsc_vec_release(v[k]);
	}
	bsc_vec_release(&ss->skipped_n);
}

/* Count an item skipped on purpose under its reason (bounded list). */
static void
count_skipped(struct summary_sink *ss, const char *reason)
{
	const char *r = reason ? reason : "";

	for (size_t i = 0; i < ss->skipped.n; i++)
		if (!strcmp(ss->skipped.v[i], r)) {
			ss->skipped_n.v[i] =
				(void *)((uintptr_t)ss->skipped_n.v[i] + 1);
			return;
		}
	if (ss->skipped.n >= MAX_SOURCES)
		r = "other reasons";
	bsc_vec_push(&ss->skipped, bsc_strdup(r));
	bsc_vec_push(&ss->skipped_n, (void *)(uintptr_t)1);
}

static const char *
verdict_label(const struct summary_sink *ss, const char *v)
{
	if (!strcmp(v, "linked"))
		return tr(ss, "health data linked to identified persons",
			  "données de santé liées à des personnes identifiées");
	if (!strcmp(v, "identity+medical"))
		return tr(ss, "identity and health data, not in the same records",
			  "identité et données de santé, jamais dans les "
			  "mêmes enregistrements");
	if (!strcmp(v, "identity"))
		return tr(ss, "identity data only", "données d'identité seules");
	if (!strcmp(v, "medical"))
		return tr(ss, "health data without direct identifiers",
			  "données de santé sans identifiant direct");
	return tr(ss, "no personal data", "aucune donnée personnelle");
}

static bsc_status
sum_item_safe(void *data, const struct bsc_item_report *r)
{
	struct summary_sink *ss = data;
	const char *v = bsc_verdict(r->n_identity, r->n_medical,
				    r->records_linked);

	if ((r->status == BSC_ITEM_PARTIAL || r->status == BSC_ITEM_FAILED) &&
	    ss->problems.n >= MAX_PROBLEMS)
		ss->more_problems++;
	else if (r->status == BSC_ITEM_PARTIAL || r->status == BSC_ITEM_FAILED)
		bsc_vec_push(&ss->problems,
			     bsc_asprintf("%s: %s: %s", r->path,
					  bsc_item_status_name(r->status),
					  r->reason ? r->reason : ""));
	if (r->status == BSC_ITEM_SKIPPED)
		count_skipped(ss, r->reason);
	/* An archive's figures roll up its members, listed on their own. */
	if (r->archive)
		return BSC_OK;
	for (size_t i = 0; i < r->n_findings; i++)
		if (bsc_finding_counted(&r->findings[i]))
			ss->subjects[r->findings[i].subject & 3] = true;
	for (size_t i = 0; i < r->n_care_context; i++) {
		bool have = false;

		for (size_t k = 0; k < ss->care.n; k++)
			have |= !strcmp(ss->care.v[k], r->care_context[i]);
		if (!have)
			bsc_vec_push(&ss->care, bsc_strdup(r->care_context[i]));
	}
	if (r->records_linked)
		ss->linked_sources++;
	if (r->n_identity + r->n_medical == 0)
		return BSC_OK;
	if (ss->sources.n >= MAX_SOURCES) {
		ss->more_sources++;
		return BSC_OK;
	}
	{
		char n[64];

		bsc_persons_figure(&r->persons, r->persons.count, ss->fr, n,
				   sizeof(n));
		bsc_vec_push(&ss->sources,
			     bsc_asprintf("%s: %" PRIu64 " %s, %s %s; %s",
					  r->path, r->records,
					  tr(ss, "records", "enregistrements"),
					  n, tr(ss, "persons", "personnes"),
					  verdict_label(ss, v)));
	}
	return BSC_OK;
}

static void
labels(struct summary_sink *ss, const char *const *names, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		int c = bsc_ruleset_category(ss->rs, names[i]);
		const char *l = c < 0 ? names[i]
				      : ss->fr ? ss->rs->cats[c].label_fr
					       : ss->rs->cats[c].label;

		out(ss, "%s%s", i ? ", " : "", l);
	}
	if (n == 0)
		out(ss, "%s", tr(ss, "none", "aucune"));
	out(ss, "\n");
}

static const char *
severity_text(const struct summary_sink *ss, const char *sev)
{
	static const char *const t[][3] = {
		{"none", "nothing personal or medical",
		 "rien de personnel ni de médical"},
		{"pseudonymous", "indirect identifiers only",
		 "identifiants indirects seulement"},
		{"contact", "contact identity (names, phones, e-mails, "
			    "addresses)",
		 "identité et coordonnées (noms, téléphones, e-mails, "
		 "adresses)"},
		{"strong", "strong identity (NIR/INS, IBAN, or name with birth "
			   "date)",
		 "identité forte (NIR/INS, IBAN, ou nom avec date de "
		 "naissance)"},
		{"health", "health data without direct identifiers",
		 "données de santé sans identifiant direct"},
		{"health_linked", "health data linked to identified persons "
				  "(special category, GDPR art. 9)",
		 "données de santé liées à des personnes identifiées "
		 "(catégorie particulière, RGPD art. 9)"},
	};

	for (size_t i = 0; i < BSC_ARRAY_SIZE(t); i++)
		if (sev && !strcmp(sev, t[i][0]))
			return ss->fr ? t[i][2] : t[i][1];
	return sev ? sev : "";
}

/* Distinct persons, of whom with health data exposed, reachable,
 * minors: each figure exact, estimated or bounded, and said so. */
static void
persons_lines(struct summary_sink *ss, const struct bsc_persons *p)
{
	char n[64];

	bsc_persons_figure(p, p->count, ss->fr, n, sizeof(n));
	out(ss, "   - %s: %s%s\n",
	    tr(ss, "Persons (distinct across all sources)",
	       "Personnes (distinctes, toutes sources confondues)"),
	    n,
	    p->approximate && p->error > 0
		    ? tr(ss, "; past the exact budget (--max-persons-exact) "
			     "records are counted by their strongest key, so "
			     "a person known under several keys may count "
			     "more than once",
			 " ; au-delà du budget exact (--max-persons-exact) "
			 "les enregistrements sont comptés par leur clé la "
			 "plus forte : une personne connue sous plusieurs "
			 "clés peut compter plusieurs fois")
		    : "");
	if (p->health_bound)
		snprintf(n, sizeof(n), "%s %" PRIu64,
			 tr(ss, "at most", "au plus"), p->health);
	else
		bsc_persons_figure(p, p->health, ss->fr, n, sizeof(n));
	out(ss, "   - %s: %s\n",
	    tr(ss, "of whom with health data exposed",
	       "dont avec des données de santé exposées"),
	    n);
	bsc_persons_figure(p, p->contactable, ss->fr, n, sizeof(n));
	out(ss, "   - %s: %s\n",
	    tr(ss, "of whom reachable by e-mail, phone or post",
	       "dont joignables par e-mail, téléphone ou courrier"),
	    n);
	if (p->minors) {
		bsc_persons_figure(p, p->minors, ss->fr, n, sizeof(n));
		out(ss, "   - %s: %s\n",
		    tr(ss, "of whom minors (by birth date)",
		       "dont mineurs (d'après la date de naissance)"),
		    n);
	}
}

static bsc_status
sum_end(void *data, const struct bsc_run_summary *s)
{
	struct summary_sink *ss = data;
	static const char *const subj_en[4] = {
		"persons of unknown role", "patients", "health professionals",
		"relatives and contacts"};
	static const char *const subj_fr[4] = {
		"personnes au rôle non précisé", "patients",
		"professionnels de santé", "proches et contacts"};
	bool any_subject = false;

	out(ss, "%s (breachscope %s)\n\n",
	    tr(ss, "Breach scope summary", "Synthèse de la violation"),
	    bsc_version());
	out(ss, "%s: %" PRIu64 " %s (%" PRIu64 " %s, %" PRIu64 " %s, %" PRIu64
		" %s, %" PRIu64 " %s)\n\n",
	    tr(ss, "Sources examined", "Sources examinées"), s->items,
	    tr(ss, "files or archive members", "fichiers ou membres "
						 "d'archives"),
	    s->by_status[BSC_ITEM_COMPLETE], tr(ss, "complete", "complets"),
	    s->by_status[BSC_ITEM_PARTIAL], tr(ss, "partial", "partiels"),
	    s->by_status[BSC_ITEM_FAILED], tr(ss, "failed", "en échec"),
	    s->by_status[BSC_ITEM_SKIPPED], tr(ss, "skipped", "ignorés"));
	out(ss, "%s\n", tr(ss, "1. Categories of data concerned",
			   "1. Catégories de données concernées"));
	out(ss, "   - %s: ", tr(ss, "Identity and contact data",
				   "Identité et coordonnées"));
	labels(ss, s->identity, s->n_identity);
	out(ss, "   - %s: ", tr(ss, "Health data (GDPR art. 9)",
				   "Données de santé (RGPD art. 9)"));
	labels(ss, s->medical, s->n_medical);
	out(ss, "\n%s\n   ", tr(ss, "2. Categories of persons concerned",
			       "2. Catégories de personnes concernées"));
	for (int i = 1; i <= 4; i++) {
		int k = i % 4; /* patients, professionals, relatives, unknown */

		if (!ss->subjects[k])
			continue;
		out(ss, "%s%s", any_subject ? ", " : "",
		    ss->fr ? subj_fr[k] : subj_en[k]);
		any_subject = true;
	}
	out(ss, "%s\n\n", any_subject ? "" : tr(ss, "none", "aucune"));
	out(ss, "%s\n", tr(ss, "3. Approximate numbers",
			   "3. Nombres approximatifs"));
	persons_lines(ss, &s->persons);
	out(ss, "   - %s: %" PRIu64 " (%" PRIu64 " %s, %" PRIu64 " %s, %" PRIu64
		" %s)\n",
	    tr(ss, "Records", "Enregistrements"), s->records,
	    s->records_identity,
	    tr(ss, "with direct identifiers", "avec identifiants directs"),
	    s->records_medical, tr(ss, "with health data", "avec données "
							"de santé"),
	    s->records_linked, tr(ss, "linking both", "liant les deux"));
	if (s->persons.without_key)
		out(ss, "   - %s: %" PRIu64 "\n",
		    tr(ss, "Records with no key to count a person",
		       "Enregistrements sans clé pour compter une personne"),
		    s->persons.without_key);
	out(ss, "   %s\n", tr(ss, "Per source:", "Par source :"));
	for (size_t i = 0; i < ss->sources.n; i++)
		out(ss, "   - %s\n", (const char *)ss->sources.v[i]);
	if (ss->more_sources)
		out(ss, "   - %s %zu %s\n", tr(ss, "... and", "... et"),
		    ss->more_sources,
		    tr(ss, "more sources (see the JSON report)",
		       "autres sources (voir le rapport JSON)"));
	if (ss->sources.n == 0)
		out(ss, "   - %s\n", tr(ss, "none", "aucune"));
	out(ss, "\n%s: %s\n", tr(ss, "4. Severity", "4. Gravité"),
	    s->severity ? s->severity : "none");
	out(ss, "   - %s\n", severity_text(ss, s->severity));
	if (ss->linked_sources)
		out(ss, "   - %s: %" PRIu64 " %s, %" PRIu64 " %s\n",
		    tr(ss, "health data with direct identifiers in",
		       "données de santé avec identifiants directs dans"),
		    ss->linked_sources, tr(ss, "sources", "sources"),
		    s->records_linked,
		    tr(ss, "records", "enregistrements"));
	for (size_t i = 0; i < s->n_linkable; i++)
		out(ss, "   - %s %s %s %s (%s '%s', %" PRIu64 " %s)\n",
		    tr(ss, "identity in", "identité dans"),
		    s->linkable[i].identity,
		    tr(ss, "is linkable to health data in",
		       "reliable aux données de santé de"),
		    s->linkable[i].medical, tr(ss, "key", "clé"),
		    s->linkable[i].key, s->linkable[i].shared,
		    tr(ss, "shared values", "valeurs communes"));
	for (size_t i = 0; i < s->n_flags; i++)
		out(ss, "   - %s: %" PRIu64 " %s\n",
		    ss->fr ? s->flags[i].reason_fr : s->flags[i].reason,
		    s->flags[i].count, tr(ss, "values", "valeurs"));
	if (ss->care.n) {
		out(ss, "   - %s (",
		    tr(ss, "identity data from a care context",
		       "données d'identité issues d'un contexte de soins"));
		for (size_t i = 0; i < ss->care.n; i++) {
			const char *c = ss->care.v[i];
			int k = bsc_ruleset_category(ss->rs, c);

			if (k >= 0)
				c = ss->fr ? ss->rs->cats[k].label_fr
					   : ss->rs->cats[k].label;
			else if (ss->fr)
				c = "patients concernés";
			out(ss, "%s%s", i ? ", " : "", c);
		}
		out(ss, "): %s\n",
		    tr(ss, "may qualify as health data, to be assessed by "
			   "the DPO",
		       "peuvent constituer des données de santé, à "
		       "qualifier par le DPO"));
	}
	out(ss, "\n%s\n", tr(ss, "5. Not fully examined",
			     "5. Non examiné entièrement"));
	for (size_t i = 0; i < ss->problems.n; i++)
		out(ss, "   - %s\n", (const char *)ss->problems.v[i]);
	if (ss->more_problems)
		out(ss, "   - %s %" PRIu64 " %s\n", tr(ss, "and", "et"),
		    ss->more_problems,
		    tr(ss, "more (see the json or csv report)",
		       "de plus (voir le rapport json ou csv)"));
	if (ss->problems.n == 0)
		out(ss, "   - %s\n", tr(ss, "nothing: every source was read "
					    "completely",
					"rien : chaque source a été lue "
					"entièrement"));
	for (size_t i = 0; i < ss->skipped.n; i++)
		out(ss, "   - %s: %" PRIu64 " (%s)\n",
		    tr(ss, "skipped on purpose", "ignorés à dessein"),
		    (uint64_t)(uintptr_t)ss->skipped_n.v[i],
		    (const char *)ss->skipped.v[i]);
	out(ss, "\n%s\n",
	    tr(ss, "This summary contains no personal data: only categories, "
		   "counts and file paths.",
	       "Cette synthèse ne contient aucune donnée personnelle : "
	       "seulement des catégories, des nombres et des chemins de "
	       "fichiers."));
	if (fflush(ss->out) == EOF)
		ss->err = true;
	release(ss);
	return ss->err ? BSC_FATAL : BSC_OK;
}

/* Names are data: escaped before they reach a terminal or a file. */
static bsc_status
sum_item(void *data, const struct bsc_item_report *r)
{
	struct bsc_safe_report sr;
	bsc_status ret;

	bsc_safe_report_init(&sr, r);
	ret = sum_item_safe(data, &sr.r);
	bsc_safe_report_free(&sr);
	return ret;
}

struct bsc_sink *
bsc_report_summary_new(const struct bsc_report_opts *opts)
{
	struct bsc_sink *s = bsc_zalloc(sizeof(*s));
	struct summary_sink *ss = bsc_zalloc(sizeof(*ss));

	ss->base.release = release;
	ss->out = opts->out;
	ss->rs = opts->rules;
	ss->fr = opts->lang && !strcmp(opts->lang, "fr");
	s->item = sum_item;
	s->run_end = sum_end;
	s->data = ss;
	return s;
}
