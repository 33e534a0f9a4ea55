/*
 * report_summary.c - the notification summary (sinks stage): a short
 * structured text a DPO can paste into a breach notification (GDPR art.
 * 33(3)): categories of data and of persons, approximate numbers of
 * persons and records per source and in total, the severity with its
 * reasons, and what could not be scanned. In English or French (--lang).
 * It carries no raw value: only category labels, counts and paths.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "report.h"
#include "rules.h"
#include "util.h"

/* Groups of sources (folders, archives) listed one by one; past this,
 * the rest is counted and the full report named. Without a full report
 * every group is listed. */
#define MAX_SOURCES 40
#define MAX_PROBLEMS 1000

/* The sources of one folder or top-level archive. */
struct group {
	char *key;              /* "dir/" or "dump.zip" */
	bool archive;
	uint64_t sources;       /* files or members with data */
	uint64_t records, linked;
	bool identity, medical;
	uint64_t persons;       /* sum over sources (an upper bound) */
	bool approx;            /* a source's figure is approximate */
	struct bsc_persons rolled; /* the archive's own (distinct) figure */
	bool have_rolled;
};

struct summary_sink {
	struct bsc_report_base base;
	FILE *out;
	const struct bsc_ruleset *rs;
	bool fr;
	bool err;
	bool subjects[4];     /* enum bsc_subject seen */
	uint64_t subj_mask[4][2]; /* categories per subject: identity,
				     medical (bits of the catalogue) */
	const char *full_report; /* where every source is listed, or NULL */
	struct bsc_vec groups;  /* struct group*, in order of appearance */
	size_t last_group;      /* cache: items come in path order */
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
	struct bsc_vec *v[] = {&ss->problems, &ss->care, &ss->skipped};

	for (size_t i = 0; i < ss->groups.n; i++) {
		struct group *g = ss->groups.v[i];

		free(g->key);
		free(g);
	}
	bsc_vec_release(&ss->groups);

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

/* A count with its noun, singular or plural: "1 record", "2 records". */
static void
counted(const struct summary_sink *ss, char *buf, size_t len, uint64_t n,
	const char *one, const char *many)
{
	/* French takes the singular for 0 and 1. */
	snprintf(buf, len, "%" PRIu64 " %s", n,
		 n == 1 || (ss->fr && n == 0) ? one : many);
}

static int
cmp_group(const void *a, const void *b)
{
	return strcmp((*(struct group *const *)a)->key,
		      (*(struct group *const *)b)->key);
}

/* The group of an item: its top-level archive, or its folder. */
static char *
group_key(const struct bsc_item_report *r, bool *archive)
{
	const char *bang = strchr(r->path, '!');
	const char *slash = strrchr(r->path, '/');

	*archive = r->container != NULL && bang;
	if (*archive)
		return bsc_asprintf("%.*s", (int)(bang - r->path), r->path);
	if (!slash)
		return bsc_strdup("./");
	return bsc_asprintf("%.*s/", (int)(slash - r->path), r->path);
}

static struct group *
group_of(struct summary_sink *ss, const char *key, bool archive)
{
	struct group *g;

	if (ss->last_group < ss->groups.n) {
		g = ss->groups.v[ss->last_group];
		if (g->archive == archive && !strcmp(g->key, key))
			return g;
	}
	for (size_t i = 0; i < ss->groups.n; i++) {
		g = ss->groups.v[i];
		if (g->archive == archive && !strcmp(g->key, key)) {
			ss->last_group = i;
			return g;
		}
	}
	g = bsc_zalloc(sizeof(*g));
	g->key = bsc_strdup(key);
	g->archive = archive;
	ss->last_group = ss->groups.n;
	bsc_vec_push(&ss->groups, g);
	return g;
}

/* Categories per subject, as catalogue bits. */
static void
note_subjects(struct summary_sink *ss, const struct bsc_item_report *r)
{
	for (int k = 0; k < 4; k++) {
		const struct bsc_subject_categories *sc = &r->subjects[k];

		for (size_t i = 0; i < sc->n_identity; i++) {
			int c = bsc_ruleset_category(ss->rs, sc->identity[i]);

			if (c >= 0)
				ss->subj_mask[k][0] |= 1ull << c;
		}
		for (size_t i = 0; i < sc->n_medical; i++) {
			int c = bsc_ruleset_category(ss->rs, sc->medical[i]);

			if (c >= 0)
				ss->subj_mask[k][1] |= 1ull << c;
		}
	}
}

static bsc_status
sum_item_safe(void *data, const struct bsc_item_report *r)
{
	struct summary_sink *ss = data;
	struct group *g;
	bool archive;
	char *key;

	if ((r->status == BSC_ITEM_PARTIAL || r->status == BSC_ITEM_FAILED) &&
	    ss->problems.n >= MAX_PROBLEMS)
		ss->more_problems++;
	else if (r->status == BSC_ITEM_PARTIAL || r->status == BSC_ITEM_FAILED)
		bsc_vec_push(&ss->problems,
			     bsc_asprintf("%s: %s: %s", r->path,
					  r->status == BSC_ITEM_PARTIAL
						  ? tr(ss, "read in part",
						       "lu en partie")
						  : tr(ss, "not read",
						       "non lu"),
					  r->reason ? r->reason : ""));
	if (r->status == BSC_ITEM_SKIPPED)
		count_skipped(ss, r->reason);
	/* A top-level archive's own figures are its members' together:
	 * distinct persons across them, which sums cannot give. */
	if (r->archive) {
		if (!r->container) {
			g = group_of(ss, r->path, true);
			g->rolled = r->persons;
			g->rolled.set = NULL;
			g->have_rolled = true;
		}
		return BSC_OK;
	}
	for (size_t i = 0; i < r->n_findings; i++)
		if (bsc_finding_counted(&r->findings[i]))
			ss->subjects[r->findings[i].subject & 3] = true;
	note_subjects(ss, r);
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
	key = group_key(r, &archive);
	g = group_of(ss, key, archive);
	free(key);
	g->sources++;
	g->records += r->records;
	g->linked += r->records_linked;
	g->identity |= r->n_identity > 0;
	g->medical |= r->n_medical > 0;
	g->persons += r->persons.count;
	g->approx |= r->persons.approximate;
	return BSC_OK;
}

/* One line per folder or archive with data. */
static void
group_line(struct summary_sink *ss, const struct group *g)
{
	char src[64], rec[64], n[96];
	struct bsc_persons bound = {.approximate = true};

	counted(ss, src, sizeof(src), g->sources, tr(ss, "source", "source"),
		tr(ss, "sources", "sources"));
	counted(ss, rec, sizeof(rec), g->records,
		tr(ss, "record", "enregistrement"),
		tr(ss, "records", "enregistrements"));
	if (g->have_rolled)
		bsc_persons_figure(&g->rolled, g->rolled.count, ss->fr, n,
				   sizeof(n));
	else if (g->sources > 1 || g->approx)
		bsc_persons_figure(&bound, g->persons, ss->fr, n, sizeof(n));
	else
		snprintf(n, sizeof(n), "%" PRIu64, g->persons);
	out(ss, "   - %s (%s%s): %s, %s %s; %s\n", g->key,
	    g->archive ? "archive, " : "", src, rec, n,
	    (g->have_rolled ? g->rolled.count : g->persons) == 1 ||
			    (ss->fr && (g->have_rolled ? g->rolled.count
						       : g->persons) == 0)
		    ? tr(ss, "person", "personne")
		    : tr(ss, "persons", "personnes"),
	    verdict_label(ss, bsc_verdict(g->identity, g->medical,
					  g->linked)));
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

/* The label of category name (its name when the rules lack it). */
static const char *
cat_label(const struct summary_sink *ss, const char *name)
{
	int c = ss->rs ? bsc_ruleset_category(ss->rs, name) : -1;

	if (c < 0)
		return name;
	return ss->fr ? ss->rs->cats[c].label_fr : ss->rs->cats[c].label;
}

/* Is category name medical? */
static bool
cat_medical(const struct summary_sink *ss, const char *name)
{
	int c = ss->rs ? bsc_ruleset_category(ss->rs, name) : -1;

	return c >= 0 && ss->rs->cats[c].cls == BSC_CLASS_MEDICAL;
}

/* Persons by category of data (art. 33(3)(a)): health data, then
 * identity data, each "label: figure"; "at most" when bounds. */
static void
category_lines(struct summary_sink *ss, const struct bsc_persons *p)
{
	static const char *const head[2][2] = {
		{"Persons by kind of health data",
		 "Personnes par nature de donnée de santé"},
		{"Persons by identity data exposed",
		 "Personnes par donnée d'identité exposée"}};
	char n[64];

	for (int pass = 0; pass < 2; pass++) {
		bool first = true;

		for (size_t i = 0; i < p->n_by_category; i++) {
			const char *name = p->by_category[i].category;

			if (cat_medical(ss, name) != (pass == 0))
				continue;
			bsc_persons_cat_figure(p, p->by_category[i].count,
					       ss->fr, n, sizeof(n));
			if (first)
				out(ss, "   - %s: ",
				    ss->fr ? head[pass][1] : head[pass][0]);
			out(ss, "%s%s %s", first ? "" : ", ",
			    cat_label(ss, name), n);
			first = false;
		}
		if (!first)
			out(ss, "\n");
	}
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
	    tr(ss, "of whom with health data exposed (patients and persons "
		   "of unknown role; the data of professionals and relatives "
		   "are listed under 2, they are not counted here)",
	       "dont avec des données de santé exposées (patients et "
	       "personnes au rôle non précisé ; les données des "
	       "professionnels et des proches sont listées au point 2, elles "
	       "ne sont pas comptées ici)"),
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
	category_lines(ss, p);
	bsc_other_figure(&p->professionals, ss->fr, n, sizeof(n));
	out(ss, "   - %s: %s\n",
	    tr(ss, "Health professionals (counted apart, never as persons "
		   "above)",
	       "Professionnels de santé (comptés à part, jamais parmi les "
	       "personnes ci-dessus)"),
	    n);
	bsc_other_figure(&p->relatives, ss->fr, n, sizeof(n));
	out(ss, "   - %s: %s\n",
	    tr(ss, "Relatives and contacts (next of kin, persons to notify; "
		   "counted apart)",
	       "Proches et contacts (personnes à prévenir, de confiance ; "
	       "comptés à part)"),
	    n);
}

/* Category labels of a bit mask, joined, lower case after the first. */
static void
mask_labels(struct summary_sink *ss, uint64_t mask)
{
	bool first = true;

	for (size_t c = 0; c < ss->rs->n_cats; c++) {
		if (!(mask & (1ull << c)))
			continue;
		out(ss, "%s%s", first ? "" : ", ",
		    ss->fr ? ss->rs->cats[c].label_fr : ss->rs->cats[c].label);
		first = false;
	}
}

/* Which data of whom (art. 33(3)(a)): per category of person, the
 * categories of identity and of health data. */
static void
subject_lines(struct summary_sink *ss)
{
	static const char *const en[4] = {
		"Persons of unknown role", "Patients", "Health professionals",
		"Relatives and contacts"};
	static const char *const fr[4] = {
		"Personnes au rôle non précisé", "Patients",
		"Professionnels de santé", "Proches et contacts"};

	if (!ss->rs)
		return;
	for (int i = 1; i <= 4; i++) {
		int k = i % 4;

		if (!ss->subj_mask[k][0] && !ss->subj_mask[k][1])
			continue;
		out(ss, "   - %s: ", ss->fr ? fr[k] : en[k]);
		if (ss->subj_mask[k][1]) {
			out(ss, "%s ", tr(ss, "health data", "données de santé"));
			out(ss, "(");
			mask_labels(ss, ss->subj_mask[k][1]);
			out(ss, ")%s", ss->subj_mask[k][0] ? "; " : "");
		}
		if (ss->subj_mask[k][0]) {
			out(ss, "%s (", tr(ss, "identity", "identité"));
			mask_labels(ss, ss->subj_mask[k][0]);
			out(ss, ")");
		}
		out(ss, "\n");
	}
}

/* Sources by folder and archive; cut only when the full list is written
 * somewhere, and then say where. */
static void
group_lines(struct summary_sink *ss)
{
	size_t shown = 0, more = 0;

	out(ss, "   %s\n", tr(ss, "By folder or archive:",
			      "Par dossier ou archive :"));
	if (ss->groups.n)
		qsort(ss->groups.v, ss->groups.n, sizeof(void *), cmp_group);
	for (size_t i = 0; i < ss->groups.n; i++) {
		const struct group *g = ss->groups.v[i];

		if (!g->sources)
			continue;
		if (ss->full_report && shown >= MAX_SOURCES) {
			more++;
			continue;
		}
		group_line(ss, g);
		shown++;
	}
	if (more)
		out(ss, "   - %s %zu %s %s\n", tr(ss, "... and", "... et"), more,
		    tr(ss, "more folders or archives, every source listed in",
		       "autres dossiers ou archives, chaque source est "
		       "listée dans"),
		    ss->full_report);
	if (!shown)
		out(ss, "   - %s\n", tr(ss, "none", "aucune"));
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
	{
		char c[4][64];
		static const char *const en[4][2] = {
			{"complete", "complete"}, {"partial", "partial"},
			{"failed", "failed"}, {"skipped", "skipped"}};
		static const char *const fr[4][2] = {
			{"complet", "complets"}, {"partiel", "partiels"},
			{"en échec", "en échec"}, {"ignoré", "ignorés"}};

		for (int k = 0; k < 4; k++)
			counted(ss, c[k], sizeof(c[k]), s->by_status[k],
				ss->fr ? fr[k][0] : en[k][0],
				ss->fr ? fr[k][1] : en[k][1]);
		out(ss, "%s: %" PRIu64 " %s (%s, %s, %s, %s)\n\n",
		    tr(ss, "Sources examined", "Sources examinées"), s->items,
		    s->items == 1 || (ss->fr && !s->items)
			    ? tr(ss, "file or archive member",
				 "fichier ou membre d'archive")
			    : tr(ss, "files or archive members",
				 "fichiers ou membres d'archives"),
		    c[0], c[1], c[2], c[3]);
	}
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
	out(ss, "%s\n", any_subject ? "" : tr(ss, "none", "aucune"));
	subject_lines(ss);
	out(ss, "\n%s\n", tr(ss, "3. Approximate numbers",
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
	group_lines(ss);
	out(ss, "\n%s %s\n", tr(ss, "4. Severity:", "4. Gravité :"),
	    severity_text(ss, s->severity));
	if (ss->linked_sources) {
		char a[64], b[64];

		counted(ss, a, sizeof(a), ss->linked_sources,
			tr(ss, "source", "source"),
			tr(ss, "sources", "sources"));
		counted(ss, b, sizeof(b), s->records_linked,
			tr(ss, "record", "enregistrement"),
			tr(ss, "records", "enregistrements"));
		out(ss, "   - %s %s, %s\n",
		    tr(ss, "health data with direct identifiers in",
		       "données de santé avec identifiants directs dans"),
		    a, b);
	}
	for (size_t i = 0; i < s->n_linkable; i++)
		out(ss, "   - %s %s %s %s (%s '%s', %" PRIu64 " %s)\n",
		    tr(ss, "identity in", "identité dans"),
		    s->linkable[i].identity,
		    tr(ss, "is linkable to health data in",
		       "reliable aux données de santé de"),
		    s->linkable[i].medical, tr(ss, "key", "clé"),
		    s->linkable[i].key, s->linkable[i].shared,
		    tr(ss, "shared values", "valeurs communes"));
	for (size_t i = 0; i < s->n_flags; i++) {
		const struct bsc_flag *f = &s->flags[i];
		char v[64];

		counted(ss, v, sizeof(v), f->count, tr(ss, "value", "valeur"),
			tr(ss, "values", "valeurs"));
		out(ss, "   - %s: %s (%s %s", ss->fr ? f->reason_fr : f->reason,
		    v, tr(ss, "first in", "d'abord dans"),
		    f->path ? f->path : "?");
		if (f->loc.header)
			out(ss, ", %s '%s'", tr(ss, "field", "champ"),
			    f->loc.header);
		if (f->loc.line)
			out(ss, ", %s %lu", tr(ss, "line", "ligne"),
			    f->loc.line);
		out(ss, ")\n");
	}
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
	ss->full_report = opts->full_report;
	s->item = sum_item;
	s->run_end = sum_end;
	s->data = ss;
	return s;
}
