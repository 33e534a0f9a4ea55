/*
 * report_text.c - the human report (sinks stage): one block per item with
 * its categories, record counts and a verdict line, then a run summary
 * that lists everything not fully scanned. Samples are masked upstream;
 * this file only formats. Items are written as they come, so a long scan
 * shows results early. Archive members are grouped under their archive: a
 * header line when the archive begins, the members indented by depth, and
 * a closing line with the member count and the archive's status (known
 * only at its end). With -q a header is written only when something
 * inside it is.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "report.h"
#include "util.h"

/* Problems listed again at the end (each is also shown in place). */
#define MAX_PROBLEMS 1000

struct text_sink {
	struct bsc_report_base base;
	FILE *out;
	bool color;
	bool quiet;
	bool fr;    /* --lang fr: French words (category names stay) */
	bool err;
	char *policy; /* what the policy was made of, or NULL: none */
	struct bsc_vec problems; /* char*: "path: status: reason" */
	uint64_t more_problems;  /* past MAX_PROBLEMS: counted only */
	struct bsc_vec open;     /* struct open_arc*: innermost last */
};

/* An archive whose members are being reported. */
struct open_arc {
	char *path;
	char *format;
	unsigned depth;
	bool shown; /* its header line is written */
};

#define BOLD(ts) ((ts)->color ? "\033[1m" : "")
#define RED(ts) ((ts)->color ? "\033[1;31m" : "")
#define YELLOW(ts) ((ts)->color ? "\033[33m" : "")
#define RESET(ts) ((ts)->color ? "\033[0m" : "")
/* The severity as a French phrase (--lang fr); the code in English. */
static const char *
severity_word(const struct text_sink *ts, const char *sev)
{
	static const char *const t[][2] = {
		{"none", "aucune"},
		{"pseudonymous", "identifiants indirects"},
		{"contact", "identité et coordonnées"},
		{"strong", "identité forte"},
		{"health", "données de santé sans identifiant direct"},
		{"health_linked", "données de santé liées à des personnes"},
	};

	if (!sev)
		sev = "none";
	for (size_t i = 0; ts->fr && i < BSC_ARRAY_SIZE(t); i++)
		if (!strcmp(sev, t[i][0]))
			return t[i][1];
	return sev;
}

/* The English or the French text (--lang fr). */
#define TR(ts, e, f) ((ts)->fr ? (f) : (e))
#define VERDICT(ts, v) ((ts)->fr ? bsc_verdict_text_fr(v) : bsc_verdict_text(v))

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

/* Start a line indented for an item at depth (two spaces per level). */
static void
ind(struct text_sink *ts, unsigned depth)
{
	out(ts, "%*s", (int)(2 * depth), "");
}

static void
list(struct text_sink *ts, unsigned depth, const char *label,
     const char *const *v, size_t n)
{
	ind(ts, depth);
	out(ts, "  %-9s", label);
	if (n == 0)
		out(ts, " -");
	for (size_t i = 0; i < n; i++)
		out(ts, "%s%s", i ? ", " : " ", v[i]);
	out(ts, "\n");
}

/* "  patient:      identity a, b; medical c", one line per known
 * subject, when the item has findings about professionals or relatives
 * or patients (the unions alone would mix them). */
static void
subjects(struct text_sink *ts, const struct bsc_item_report *r, unsigned d)
{
	static const enum bsc_subject order[] = {BSC_SUBJECT_PATIENT,
						 BSC_SUBJECT_PROFESSIONAL,
						 BSC_SUBJECT_RELATED};

	for (size_t k = 0; k < BSC_ARRAY_SIZE(order); k++) {
		const struct bsc_subject_categories *sc =
			&r->subjects[order[k]];

		if (!sc->n_identity && !sc->n_medical)
			continue;
		ind(ts, d);
		out(ts, "    %-13s", bsc_subject_name(order[k]));
		if (sc->n_identity)
			out(ts, " identity");
		for (size_t i = 0; i < sc->n_identity; i++)
			out(ts, "%s%s", i ? ", " : " ", sc->identity[i]);
		if (sc->n_identity && sc->n_medical)
			out(ts, ";");
		if (sc->n_medical)
			out(ts, " medical");
		for (size_t i = 0; i < sc->n_medical; i++)
			out(ts, "%s%s", i ? ", " : " ", sc->medical[i]);
		out(ts, "\n");
	}
}

/*
 * "severity: strong", and with a policy "; N finding(s) break the policy
 * (ci.yml)": without one, every finding fails the run and there is no
 * policy to speak of.
 */
static void
severity_line(struct text_sink *ts, const char *severity, uint64_t n)
{
	if (!ts->policy) {
		out(ts, TR(ts, "  severity: %s\n", "  gravité :  %s\n"),
		    severity_word(ts, severity));
		return;
	}
	out(ts,
	    TR(ts, "  severity: %s; %" PRIu64 " finding(s) break the policy "
		   "(%s)\n",
	       "  gravité :  %s ; %" PRIu64 " constat(s) enfreignent la "
	       "politique (%s)\n"),
	    severity_word(ts, severity), n, ts->policy);
}

/* The policy's rule label in French: "rule 2 (g) of f" -> "la règle 2
 * (g) de f"; options ("--fail-on medical") stay as they are. Escaped. */
static char *
rule_fr(const char *label)
{
	const char *of = strstr(label, ") of ");
	char *raw, *r;

	if (!strncmp(label, "the default rule", 16))
		return bsc_strdup("la règle par défaut (aucune règle ne "
				  "correspond à ce chemin)");
	if (strncmp(label, "rule ", 5))
		return bsc_escape_name(label, false);
	if (!of)
		of = strstr(label, "' of ");
	raw = of ? bsc_asprintf("la règle %.*s de %s", (int)(of + 1 - label - 5),
				label + 5, of + 5)
		 : bsc_asprintf("la règle %s", label + 5);
	r = bsc_escape_name(raw, false);
	free(raw);
	return r;
}

/* Under a finding that breaks the policy: which rule of which policy
 * ("rule 2 (exports/...) of ci.yml", "--fail-on medical"). */
static void
violates_line(struct text_sink *ts, const struct bsc_finding *f, unsigned d)
{
	char *rule;

	if (!f->violation || !f->violates || !ts->policy)
		return;
	rule = ts->fr ? rule_fr(f->violates) : bsc_escape_name(f->violates, false);
	ind(ts, d);
	out(ts, TR(ts, "        %sviolates %s%s\n", "        %senfreint %s%s\n"),
	    RED(ts), rule, RESET(ts));
	free(rule);
}

static void
release(void *data)
{
	struct text_sink *ts = data;

	free(ts->policy);
	for (size_t i = 0; i < ts->problems.n; i++)
		free(ts->problems.v[i]);
	bsc_vec_release(&ts->problems);
	for (size_t i = 0; i < ts->open.n; i++) {
		struct open_arc *oa = ts->open.v[i];

		free(oa->path);
		free(oa->format);
		free(oa);
	}
	bsc_vec_release(&ts->open);
}

static bsc_status
text_archive_begin(void *data, const char *path, const char *format,
		   unsigned depth)
{
	struct text_sink *ts = data;
	struct open_arc *oa = bsc_zalloc(sizeof(*oa));

	oa->path = bsc_escape_name(path, false); /* as the item's will be */
	oa->format = bsc_strdup(format);
	oa->depth = depth;
	bsc_vec_push(&ts->open, oa);
	return BSC_OK;
}

/* Write the header lines of the open archives not written yet. */
static void
show_open(struct text_sink *ts)
{
	for (size_t i = 0; i < ts->open.n; i++) {
		struct open_arc *oa = ts->open.v[i];

		if (oa->shown)
			continue;
		ind(ts, oa->depth);
		out(ts, "%s%s%s  [%s archive]\n", BOLD(ts), oa->path,
		    RESET(ts), oa->format);
		oa->shown = true;
	}
}

static void archive_rollup(struct text_sink *ts,
			   const struct bsc_item_report *r, unsigned d);

/*
 * The archive's own report: it closes the group its archive_begin opened,
 * if any, with what its members hold together. Returns true when it was
 * written here.
 */
static bool
close_archive(struct text_sink *ts, const struct bsc_item_report *r,
	      bool problem)
{
	struct open_arc *oa;
	bool shown;

	if (!ts->open.n)
		return false;
	oa = ts->open.v[ts->open.n - 1];
	if (strcmp(oa->path, r->path))
		return false;
	ts->open.n--;
	shown = oa->shown;
	free(oa->path);
	free(oa->format);
	free(oa);
	if (!shown && ts->quiet && !problem)
		return true;
	if (!shown)
		return false; /* nothing inside was written: a plain block */
	ind(ts, r->depth);
	out(ts, TR(ts, "end of %s: %s archive, %" PRIu64 " member%s%s%s%s\n",
		   "fin de %s : archive %s, %" PRIu64 " membre%s%s%s%s\n"),
	    r->path, r->format, r->members, r->members == 1 ? "" : "s",
	    problem ? ", " : "", problem ? YELLOW(ts) : "",
	    problem ? (r->status == BSC_ITEM_FAILED ? TR(ts, "FAILED", "ÉCHEC")
						    : TR(ts, "PARTIAL", "PARTIEL"))
		    : "");
	if (problem) {
		out(ts, "%s", RESET(ts));
		ind(ts, r->depth);
		out(ts, TR(ts, "  %snot fully scanned: %s%s\n",
			   "  %spas entièrement examiné : %s%s\n"),
		    YELLOW(ts),
		    r->reason ? r->reason : "", RESET(ts));
	}
	archive_rollup(ts, r, r->depth);
	out(ts, "\n");
	return true;
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

/* Persons per category of data, then professionals and relatives
 * (counted apart); nothing when there are none. */
static void
categories_line(struct text_sink *ts, const struct bsc_persons *p,
		unsigned d)
{
	char n[64];

	if (!p->n_by_category && !p->professionals.count &&
	    !p->relatives.count)
		return;
	ind(ts, d);
	out(ts, "%s", TR(ts, "  persons by data:", "  personnes par donnée :"));
	for (size_t i = 0; i < p->n_by_category; i++) {
		bsc_persons_cat_figure(p, p->by_category[i].count, ts->fr, n,
				       sizeof(n));
		out(ts, "%s %s %s", i ? "," : "", p->by_category[i].category,
		    n);
	}
	if (!p->n_by_category)
		out(ts, " %s", TR(ts, "none", "aucune"));
	bsc_other_figure(&p->professionals, ts->fr, n, sizeof(n));
	out(ts, TR(ts, "; apart: %s professional(s)",
		   "; à part : %s professionnel(s)"),
	    n);
	bsc_other_figure(&p->relatives, ts->fr, n, sizeof(n));
	out(ts, TR(ts, ", %s relative(s) or contact(s)\n",
		   ", %s proche(s) ou contact(s)\n"),
	    n);
}

static void
persons_line(struct text_sink *ts, const struct bsc_persons *p, unsigned d)
{
	static const char *const keys[] = {"NIR/INS", "patient id",
					   "name+birth date", "contact"};
	static const char *const keys_fr[] = {"NIR/INS", "id patient",
					      "nom+date de naissance",
					      "contact"};
	bool first = true;

	char n[64], h[64], c[64];

	bsc_persons_figure(p, p->count, ts->fr, n, sizeof(n));
	bsc_persons_figure(p, p->contactable, ts->fr, c, sizeof(c));
	if (p->health_bound)
		snprintf(h, sizeof(h), TR(ts, "at most %" PRIu64, "au plus %" PRIu64), p->health);
	else
		bsc_persons_figure(p, p->health, ts->fr, h, sizeof(h));
	ind(ts, d);
	out(ts, TR(ts, "  persons:  %s distinct, %s with health data exposed, %s "
		       "contactable",
		   "  personnes: %s distinctes, %s avec données de santé "
		   "exposées, %s joignables"),
	    n, h, c);
	if (p->minors)
		out(ts, TR(ts, ", %" PRIu64 " minor(s)", ", %" PRIu64 " mineur(s)"),
		    p->minors);
	for (int k = 0; k < 4; k++) {
		if (!p->by_key[k])
			continue;
		out(ts, "%s%s %" PRIu64, first ? TR(ts, " (records keyed by ",
			       " (enregistrements par clé : ")
			  : ", ",
		    ts->fr ? keys_fr[k] : keys[k], p->by_key[k]);
		first = false;
	}
	out(ts, "%s", first ? "" : ")");
	if (p->without_key)
		out(ts, TR(ts, "; %" PRIu64 " record(s) without a key",
			   "; %" PRIu64 " enregistrement(s) sans clé"),
		    p->without_key);
	if (p->shared_contacts)
		out(ts, TR(ts, "; %" PRIu64 " shared e-mail(s) or phone(s) not "
			       "used to link persons",
			   "; %" PRIu64 " e-mail(s) ou téléphone(s) partagés, non "
			   "utilisés pour relier les personnes"),
		    p->shared_contacts);
	out(ts, "\n");
	categories_line(ts, p, d);
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

/* What an archive's members hold together (its roll-up). */
static void
archive_rollup(struct text_sink *ts, const struct bsc_item_report *r,
	       unsigned d)
{
	const char *v = bsc_verdict(r->n_identity, r->n_medical,
				    r->records_linked);

	ind(ts, d);
	out(ts, TR(ts, "  all members together:\n",
		   "  tous les membres ensemble :\n"));
	list(ts, d + 1, TR(ts, "identity:", "identité:"), r->identity, r->n_identity);
	list(ts, d + 1, TR(ts, "medical:", "médical:"), r->medical, r->n_medical);
	if (r->n_identity || r->n_medical) {
		ind(ts, d + 1);
		out(ts,
		    TR(ts,
		       "  records:  %" PRIu64 " in all, %" PRIu64
		       " with identity, %" PRIu64 " with medical data, %" PRIu64
		       " linked\n",
		       "  enregistrements : %" PRIu64 " en tout, %" PRIu64
		       " avec identité, %" PRIu64 " avec données médicales, %" PRIu64
		       " liés\n"),
		    r->records, r->records_identity, r->records_medical,
		    r->records_linked);
	}
	ind(ts, d + 1);
	out(ts, TR(ts, "  verdict:  %s%s%s\n", "  verdict :  %s%s%s\n"), !strcmp(v, "linked") ? RED(ts) : "",
	    VERDICT(ts, v), RESET(ts));
	ind(ts, d + 1);
	severity_line(ts, r->severity, r->violations);
	if (r->persons.count)
		persons_line(ts, &r->persons, d + 1);
}

/* The growth past --max-growth of an item or of the totals, if any. */
static void
growth_line(struct text_sink *ts, const struct bsc_growth *g, unsigned d,
	    bool total)
{
	char why[400];

	if (!g->persons && !g->linked)
		return;
	bsc_growth_text(g, ts->fr, why, sizeof(why));
	ind(ts, d);
	out(ts, TR(ts, "  %sgrowth:%s   %s%s\n", "  %scroissance :%s %s%s\n"),
	    RED(ts), RESET(ts),
	    d == 0 && total ? TR(ts, "in total, ", "au total, ") : "", why);
}

static bsc_status
text_item_safe(void *data, const struct bsc_item_report *r)
{
	struct text_sink *ts = data;
	const char *v = bsc_verdict(r->n_identity, r->n_medical,
				    r->records_linked);
	bool problem = r->status == BSC_ITEM_PARTIAL ||
		       r->status == BSC_ITEM_FAILED;
	unsigned d = r->depth;

	if (problem && ts->problems.n >= MAX_PROBLEMS)
		ts->more_problems++;
	else if (problem)
		bsc_vec_push(&ts->problems,
			     bsc_asprintf("%s: %s: %s", r->path,
					  bsc_item_status_name(r->status),
					  r->reason ? r->reason : ""));
	if (r->archive && close_archive(ts, r, problem))
		return ts->err ? BSC_FATAL : BSC_OK;
	if (ts->quiet && !problem && r->violations == 0 &&
	    !r->growth.persons && !r->growth.linked)
		return BSC_OK;
	show_open(ts);
	ind(ts, d);
	out(ts, "%s%s%s", BOLD(ts), r->path, RESET(ts));
	if (r->status == BSC_ITEM_SKIPPED || r->status == BSC_ITEM_FAILED) {
		out(ts, "  [%s%s%s]\n", r->archive ? r->format : "",
		    r->archive ? " archive, " : "",
		    bsc_item_status_name(r->status));
		ind(ts, d);
		out(ts, "  %s%s%s\n\n",
		    r->status == BSC_ITEM_FAILED ? RED(ts) : "",
		    r->reason ? r->reason : "", RESET(ts));
		return ts->err ? BSC_FATAL : BSC_OK;
	}
	if (r->archive) {
		out(ts, TR(ts, "  [%s archive, %" PRIu64 " member%s%s]\n",
			   "  [archive %s, %" PRIu64 " membre%s%s]\n"),
		    r->format, r->members, r->members == 1 ? "" : "s",
		    problem ? TR(ts, ", PARTIAL", ", PARTIEL") : "");
		if (problem) {
			ind(ts, d);
			out(ts, TR(ts, "  %snot fully scanned: %s%s\n",
			   "  %spas entièrement examiné : %s%s\n"),
		    YELLOW(ts),
			    r->reason ? r->reason : "", RESET(ts));
		}
		archive_rollup(ts, r, d);
		out(ts, "\n");
		return ts->err ? BSC_FATAL : BSC_OK;
	}
	if (!r->format) {
		out(ts, TR(ts, "  [empty file]\n\n", "  [fichier vide]\n\n"));
		return ts->err ? BSC_FATAL : BSC_OK;
	}
	out(ts, TR(ts, "  [%s, %s, %" PRIu64 " records%s%s]\n",
		   "  [%s, %s, %" PRIu64 " enregistrements%s%s]\n"),
	    r->format, r->encoding ? r->encoding : "-", r->records,
	    r->status == BSC_ITEM_PARTIAL ? ", " : "",
	    r->status == BSC_ITEM_PARTIAL ? TR(ts, "PARTIAL", "PARTIEL") : "");
	list(ts, d, TR(ts, "identity:", "identité:"), r->identity, r->n_identity);
	list(ts, d, TR(ts, "medical:", "médical:"), r->medical, r->n_medical);
	subjects(ts, r, d);
	if (r->n_identity || r->n_medical) {
		ind(ts, d);
		out(ts,
		    TR(ts,
		       "  records:  %" PRIu64 " with identity, %" PRIu64
		       " with medical data, %" PRIu64 " linked\n",
		       "  enregistrements : %" PRIu64 " avec identité, %" PRIu64
		       " avec données médicales, %" PRIu64 " liés\n"),
		    r->records_identity, r->records_medical,
		    r->records_linked);
	}
	for (size_t i = 0; i < r->n_findings; i++) {
		const struct bsc_finding *f = &r->findings[i];
		char col[16] = "";

		if (ts->quiet && !f->violation)
			continue;
		if (f->loc.column)
			snprintf(col, sizeof(col), "col %u", f->loc.column);
		ind(ts, d);
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
		if (f->suppressed)
			out(ts, "        accepted: %s\n", f->suppressed);
		violates_line(ts, f, d);
	}
	ind(ts, d);
	out(ts, TR(ts, "  verdict:  %s%s%s\n", "  verdict :  %s%s%s\n"), !strcmp(v, "linked") ? RED(ts) : "",
	    VERDICT(ts, v), RESET(ts));
	ind(ts, d);
	severity_line(ts, r->severity, r->violations);
	growth_line(ts, &r->growth, d, false);
	if (r->persons.count || r->persons.without_key < r->records)
		persons_line(ts, &r->persons, d);
	for (size_t i = 0; i < r->n_flags; i++) {
		const struct bsc_flag *f = &r->flags[i];

		ind(ts, d);
		out(ts, TR(ts, "  flag:     %s: %s (%" PRIu64 " value(s)",
			   "  signal :   %s : %s (%" PRIu64 " valeur(s)"),
		    f->flag, ts->fr && f->reason_fr ? f->reason_fr : f->reason,
		    f->count);
		if (f->loc.column)
			out(ts, ", col %u", f->loc.column);
		if (f->loc.header)
			out(ts, " '%s'", f->loc.header);
		if (f->loc.line)
			out(ts, TR(ts, ", line %lu", ", ligne %lu"),
			    f->loc.line);
		if (f->path && strcmp(f->path, r->path))
			out(ts, TR(ts, " in %s", " dans %s"), f->path);
		out(ts, ")\n");
	}
	if (r->n_care_context && r->n_identity) {
		ind(ts, d);
		out(ts, TR(ts, "  context:  identity data from a care context (",
			   "  contexte : données d'identité issues d'un contexte "
			   "de soins ("));
		for (size_t i = 0; i < r->n_care_context; i++)
			out(ts, "%s%s", i ? ", " : "", r->care_context[i]);
		out(ts, TR(ts, "): may qualify as health data, to be assessed by "
			       "the DPO\n",
			   ") : peuvent constituer des données de santé, à "
			   "qualifier par le DPO\n"));
	}
	if (r->status == BSC_ITEM_PARTIAL) {
		ind(ts, d);
		out(ts, TR(ts, "  %snot fully scanned: %s%s\n",
			   "  %spas entièrement examiné : %s%s\n"),
		    YELLOW(ts),
		    r->reason ? r->reason : "", RESET(ts));
	}
	if (r->note) {
		ind(ts, d);
		out(ts, TR(ts, "  note:     %s\n", "  note :    %s\n"), r->note);
	}
	out(ts, "\n");
	return ts->err ? BSC_FATAL : BSC_OK;
}

/* A byte count for people: "812 B", "8.8 KiB", "1.2 GiB". */
static void
human_bytes(uint64_t v, char *buf, size_t len)
{
	static const char *const units[] = {"KiB", "MiB", "GiB", "TiB"};
	double x = (double)v;
	int u = -1;

	while (x >= 1024 && u < 3) {
		x /= 1024;
		u++;
	}
	if (u < 0)
		snprintf(buf, len, "%" PRIu64 " B", v);
	else
		snprintf(buf, len, "%.1f %s", x, units[u]);
}

/* How much of the input was read: files and members, not archives. */
static void
coverage_line(struct text_sink *ts, const struct bsc_run_summary *s)
{
	char b[2][32];

	human_bytes(s->coverage_bytes[BSC_ITEM_COMPLETE], b[0], sizeof(b[0]));
	human_bytes(s->coverage_bytes[BSC_ITEM_PARTIAL], b[1], sizeof(b[1]));
	out(ts,
	    TR(ts,
	       "  coverage: %" PRIu64 " file(s) read fully (%s), %" PRIu64
	       " partly (%s read), %" PRIu64 " not read or not examined, %" PRIu64
	       " skipped (no document in them)\n",
	       "  couverture : %" PRIu64 " fichier(s) lus entièrement (%s), %" PRIu64
	       " en partie (%s lus), %" PRIu64 " non lus ou non examinés, %" PRIu64
	       " ignorés (sans document)\n"),
	    s->coverage_items[BSC_ITEM_COMPLETE], b[0],
	    s->coverage_items[BSC_ITEM_PARTIAL], b[1],
	    s->coverage_items[BSC_ITEM_FAILED],
	    s->coverage_items[BSC_ITEM_SKIPPED]);
}

static bsc_status
text_end(void *data, const struct bsc_run_summary *s)
{
	struct text_sink *ts = data;
	const char *v = bsc_verdict(s->n_identity, s->n_medical,
				    s->records_linked);

	out(ts, TR(ts, "%sSummary%s: %" PRIu64 " items",
		   "%sSynthèse%s : %" PRIu64 " éléments"),
	    BOLD(ts), RESET(ts), s->items);
	if (s->archives)
		out(ts, TR(ts, " (%" PRIu64 " archive%s, %" PRIu64 " member%s)",
			   " (%" PRIu64 " archive%s, %" PRIu64 " membre%s)"),
		    s->archives, s->archives == 1 ? "" : "s", s->members,
		    s->members == 1 ? "" : "s");
	out(ts, TR(ts, ": %" PRIu64 " complete, %" PRIu64
		       " partial, %" PRIu64 " failed, %" PRIu64 " skipped\n",
		   " : %" PRIu64 " complets, %" PRIu64
		   " partiels, %" PRIu64 " en échec, %" PRIu64 " ignorés\n"),
	    s->by_status[BSC_ITEM_COMPLETE],
	    s->by_status[BSC_ITEM_PARTIAL], s->by_status[BSC_ITEM_FAILED],
	    s->by_status[BSC_ITEM_SKIPPED]);
	list(ts, 0, TR(ts, "identity:", "identité:"), s->identity, s->n_identity);
	list(ts, 0, TR(ts, "medical:", "médical:"), s->medical, s->n_medical);
	out(ts,
	    TR(ts,
	       "  records:  %" PRIu64 " in all, %" PRIu64 " with identity, %" PRIu64
	       " with medical data, %" PRIu64 " linked\n",
	       "  enregistrements : %" PRIu64 " en tout, %" PRIu64
	       " avec identité, %" PRIu64 " avec données médicales, %" PRIu64
	       " liés\n"),
	    s->records, s->records_identity, s->records_medical,
	    s->records_linked);
	out(ts, TR(ts, "  verdict:  %s%s\n", "  verdict :  %s%s\n"), VERDICT(ts, v),
	    ts->problems.n ? TR(ts, " (in what could be read)",
				" (dans ce qui a pu être lu)")
			   : "");
	coverage_line(ts, s);
	if (s->excluded)
		out(ts,
		    TR(ts, "  excluded: %" PRIu64 " file(s) or folder(s) left "
			   "out by --exclude, --include or .breachscopeignore "
			   "(not scanned)\n",
		       "  exclus :   %" PRIu64 " fichier(s) ou dossier(s) "
		       "écartés par --exclude, --include ou "
		       ".breachscopeignore (non examinés)\n"),
		    s->excluded);
	persons_line(ts, &s->persons, 0);
	severity_line(ts, s->severity, s->violations);
	for (size_t i = 0; i < s->n_warnings; i++) {
		char *w = bsc_escape_name(s->warnings[i], false);

		out(ts, TR(ts, "  %swarning:%s  %s\n", "  %savertissement :%s %s\n"),
		    YELLOW(ts), RESET(ts), w);
		free(w);
	}
	if (s->grown) {
		bool total = s->growth.persons || s->growth.linked;

		out(ts, TR(ts, "  %sgrowth:%s   %" PRIu64 " item(s)%s grew "
			       "past --max-growth against the baseline\n",
			   "  %scroissance :%s %" PRIu64 " élément(s)%s dépassent "
			   "--max-growth par rapport à la référence\n"),
		    RED(ts), RESET(ts), s->grown - (total ? 1 : 0),
		    total ? TR(ts, " and the totals", " et les totaux") : "");
		growth_line(ts, &s->growth, 0, true);
	}
	for (size_t i = 0; i < s->n_linkable; i++)
		out(ts,
		    TR(ts,
		       "  %slinkable%s: %s (identity) and %s (medical) share %" PRIu64
		       " values of key '%s'\n",
		       "  %sreliables%s : %s (identité) et %s (médical) partagent "
		       "%" PRIu64 " valeurs de la clé '%s'\n"),
		    RED(ts), RESET(ts), s->linkable[i].identity,
		    s->linkable[i].medical, s->linkable[i].shared,
		    s->linkable[i].key);
	for (size_t i = 0; i < s->n_flags; i++) {
		const struct bsc_flag *f = &s->flags[i];

		out(ts, TR(ts, "  flag:     %s: %s (%" PRIu64 " value(s); first in %s",
			   "  signal :   %s : %s (%" PRIu64
			   " valeur(s) ; d'abord dans %s"),
		    f->flag, ts->fr && f->reason_fr ? f->reason_fr : f->reason,
		    f->count, f->path ? f->path : "?");
		if (f->loc.header)
			out(ts, " '%s'", f->loc.header);
		if (f->loc.line)
			out(ts, TR(ts, ", line %lu", ", ligne %lu"),
			    f->loc.line);
		out(ts, ")\n");
	}
	if (ts->problems.n) {
		out(ts, TR(ts, "  %snot fully scanned (%" PRIu64 "):%s\n",
			   "  %spas entièrement examiné (%" PRIu64 ") :%s\n"),
		    YELLOW(ts),
		    (uint64_t)ts->problems.n + ts->more_problems, RESET(ts));
		for (size_t i = 0; i < ts->problems.n; i++)
			out(ts, "    %s\n", (const char *)ts->problems.v[i]);
		if (ts->more_problems)
			out(ts, TR(ts, "    ... and %" PRIu64 " more, listed above "
				       "and in the json, jsonl and csv reports\n",
				   "    ... et %" PRIu64 " autres, listés plus "
				   "haut et dans les rapports json, jsonl et "
				   "csv\n"),
			    ts->more_problems);
	}
	if (fflush(ts->out) == EOF)
		ts->err = true;
	return ts->err ? BSC_FATAL : BSC_OK;
}

/* Names are data: escaped before they reach a terminal or a file. */
static bsc_status
text_item(void *data, const struct bsc_item_report *r)
{
	struct bsc_safe_report sr;
	bsc_status ret;

	bsc_safe_report_init(&sr, r);
	ret = text_item_safe(data, &sr.r);
	bsc_safe_report_free(&sr);
	return ret;
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
	ts->fr = opts->lang && !strcmp(opts->lang, "fr");
	ts->policy = opts->policy ? bsc_escape_name(opts->policy, false) : NULL;
	s->archive_begin = text_archive_begin;
	s->item = text_item;
	s->run_end = text_end;
	s->data = ts;
	return s;
}
