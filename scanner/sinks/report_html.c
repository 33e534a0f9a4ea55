/*
 * report_html.c - the HTML report (sinks stage): one self-contained page
 * for the people who act on a scan (management, the DPO, a CNIL file).
 * Inline CSS, inline SVG charts and a few lines of inline JavaScript (sort
 * and filter): nothing is fetched when it is opened. French or English
 * (--lang). Masked samples only, as every sink (raw values only with
 * --show-values, which the scanner applies before any sink).
 *
 * Page: verdict and key figures (persons, with health data exposed,
 * contactable, minors), severity and its reasons, charts (categories by
 * persons, records by file, severity by folder), coverage (what was not
 * examined and why), the files x categories matrix grouped by folder and
 * archive (sortable, filterable, folded with <details>), per-file details
 * with masked samples and locations, run metadata and chain of custody.
 *
 * Memory stays bounded at any number of items: per item only a compact
 * row (path, counts per category) is kept; the per-file details are
 * written to an anonymous temporary file as items come and copied into
 * the page at the end. The page needs the run's totals first, hence this.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "report.h"
#include "rules.h"
#include "severity.h"
#include "util.h"

/* Bars per chart. */
#define MAX_BARS 15
/* Past this many files, the rows of the matrix and the per-file details
 * are embedded as JSON data and built when their folder is opened, so
 * that a page of 100,000 files opens quickly. */
#define LAZY_ROWS 2000

struct cell {
	unsigned char cat; /* catalogue index */
	uint64_t values;
};

struct row {
	char *path;
	size_t group;
	enum bsc_item_status status;
	uint64_t records, persons;
	int severity;
	struct cell *cells;
	size_t n_cells;
	long d_start, d_end; /* its section in the details file */
};

struct group {
	char *key; /* "dir/" or "dump.zip" */
	bool archive;
	uint64_t files, records, persons;
	uint64_t by_sev[6]; /* files per severity */
	uint64_t cat_values[BSC_MAX_CATEGORIES];
};

struct html_sink {
	struct bsc_report_base base;
	FILE *out;
	FILE *details; /* tmpfile: per-file sections */
	const struct bsc_ruleset *rs;
	bool fr;
	bool err;
	struct bsc_vec rows;   /* struct row* */
	struct bsc_vec groups; /* struct group* */
	struct bsc_vec problems; /* char*: escaped "<tr>" rows */
	uint64_t cat_files[BSC_MAX_CATEGORIES];
};

static const char *
tr(const struct html_sink *hs, const char *en, const char *fr)
{
	return hs->fr ? fr : en;
}

static void
put(struct html_sink *hs, FILE *f, const char *fmt, ...) BSC_PRINTF(3, 4);

static void
put(struct html_sink *hs, FILE *f, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	if (vfprintf(f, fmt, ap) < 0)
		hs->err = true;
	va_end(ap);
}

/* Text into HTML, escaped (file names are hostile input too). */
static void
esc(struct html_sink *hs, FILE *f, const char *s)
{
	for (; s && *s; s++) {
		int rc;

		switch (*s) {
		case '&':
			rc = fputs("&amp;", f);
			break;
		case '<':
			rc = fputs("&lt;", f);
			break;
		case '>':
			rc = fputs("&gt;", f);
			break;
		case '"':
			rc = fputs("&quot;", f);
			break;
		case '\'':
			rc = fputs("&#39;", f);
			break;
		default:
			rc = (unsigned char)*s < 0x20 ? fputs("\xEF\xBF\xBD", f)
						      : fputc(*s, f);
		}
		if (rc == EOF)
			hs->err = true;
	}
}

static const char *
cat_label(const struct html_sink *hs, int c)
{
	return hs->fr ? hs->rs->cats[c].label_fr : hs->rs->cats[c].label;
}

static const char *
severity_words(const struct html_sink *hs, int level)
{
	static const char *const en[] = {
		"nothing personal or medical", "indirect identifiers only",
		"contact identity", "strong identity",
		"health data without direct identifiers",
		"health data linked to identified persons"};
	static const char *const fr[] = {
		"rien de personnel ni de médical",
		"identifiants indirects seulement", "identité et coordonnées",
		"identité forte", "données de santé sans identifiant direct",
		"données de santé liées à des personnes identifiées"};

	if (level < 0 || level > 5)
		level = 0;
	return hs->fr ? fr[level] : en[level];
}

static const char *
status_words(const struct html_sink *hs, enum bsc_item_status st)
{
	static const char *const en[] = {"complete", "read in part",
					 "not read", "skipped"};
	static const char *const fr[] = {"complet", "lu en partie", "non lu",
					 "ignoré"};

	return hs->fr ? fr[st & 3] : en[st & 3];
}

static const char *
subject_words(const struct html_sink *hs, enum bsc_subject s)
{
	static const char *const en[] = {"unknown role", "patient",
					 "professional", "relative",
					 "organisation"};
	static const char *const fr[] = {"rôle non précisé", "patient",
					 "professionnel", "proche",
					 "organisation"};

	return hs->fr ? fr[s % 5] : en[s % 5];
}

static void
release(void *data)
{
	struct html_sink *hs = data;

	for (size_t i = 0; i < hs->rows.n; i++) {
		struct row *r = hs->rows.v[i];

		free(r->path);
		free(r->cells);
		free(r);
	}
	bsc_vec_release(&hs->rows);
	for (size_t i = 0; i < hs->groups.n; i++) {
		struct group *g = hs->groups.v[i];

		free(g->key);
		free(g);
	}
	bsc_vec_release(&hs->groups);
	for (size_t i = 0; i < hs->problems.n; i++)
		free(hs->problems.v[i]);
	bsc_vec_release(&hs->problems);
	if (hs->details)
		fclose(hs->details);
	hs->details = NULL;
}

/* ---- items ------------------------------------------------------------ */

static size_t
group_of(struct html_sink *hs, const struct bsc_item_report *r)
{
	const char *bang = strchr(r->path, '!');
	const char *slash = strrchr(r->path, '/');
	bool archive = r->container && bang;
	char *key = archive ? bsc_asprintf("%.*s", (int)(bang - r->path),
					   r->path)
		    : slash ? bsc_asprintf("%.*s/", (int)(slash - r->path),
					   r->path)
			    : bsc_strdup("./");
	struct group *g;

	/* Items come in path order: the group is most often the last. */
	for (size_t i = hs->groups.n; i > 0; i--) {
		g = hs->groups.v[i - 1];
		if (g->archive == archive && !strcmp(g->key, key)) {
			free(key);
			return i - 1;
		}
		if (hs->groups.n - i >= 8)
			break;
	}
	for (size_t i = 0; i < hs->groups.n; i++) {
		g = hs->groups.v[i];
		if (g->archive == archive && !strcmp(g->key, key)) {
			free(key);
			return i;
		}
	}
	g = bsc_zalloc(sizeof(*g));
	g->key = key;
	g->archive = archive;
	bsc_vec_push(&hs->groups, g);
	return hs->groups.n - 1;
}

/* The per-file section, written to the temporary file. */
static void
detail(struct html_sink *hs, const struct bsc_item_report *r, size_t gi)
{
	FILE *f = hs->details;
	char n[96];

	put(hs, f, "<details class=\"file\" data-g=\"%zu\"><summary>", gi);
	esc(hs, f, r->path);
	put(hs, f, " <span class=\"st st%d\">%s</span></summary>\n",
	    (int)r->status, status_words(hs, r->status));
	put(hs, f, "<p>%s: ", tr(hs, "Format", "Format"));
	esc(hs, f, r->format ? r->format : "-");
	put(hs, f, "; %s %" PRIu64 "; %s ", tr(hs, "records", "enregistrements"),
	    r->records, tr(hs, "persons", "personnes"));
	bsc_persons_figure(&r->persons, r->persons.count, hs->fr, n, sizeof(n));
	esc(hs, f, n);
	put(hs, f, "; %s: ", tr(hs, "severity", "gravité"));
	esc(hs, f, severity_words(hs, bsc_severity_from_name(
					      r->severity ? r->severity : "none")));
	if (r->reason) {
		put(hs, f, "<br>%s: ", tr(hs, "Reason", "Motif"));
		esc(hs, f, r->reason);
	}
	if (r->mtime) {
		put(hs, f, "<br>%s: ", tr(hs, "Modified (UTC)",
					 "Modifié le (UTC)"));
		esc(hs, f, r->mtime);
	}
	if (r->sha256) {
		put(hs, f, "<br>SHA-256: <code>");
		esc(hs, f, r->sha256);
		put(hs, f, "</code>");
	}
	put(hs, f, "</p>\n");
	if (r->n_findings) {
		put(hs, f, "<table class=\"fd\"><thead><tr><th>%s</th><th>%s"
			   "</th><th>%s</th><th>%s</th><th>%s</th><th>%s"
			   "</th></tr></thead><tbody>\n",
		    tr(hs, "Category", "Catégorie"),
		    tr(hs, "Location", "Emplacement"),
		    tr(hs, "Values", "Valeurs"),
		    tr(hs, "Confidence", "Confiance"),
		    tr(hs, "Whose", "De qui"),
		    tr(hs, "Sample (masked)", "Exemple (masqué)"));
		for (size_t i = 0; i < r->n_findings; i++) {
			const struct bsc_finding *x = &r->findings[i];
			int c = bsc_ruleset_category(hs->rs, x->category);

			put(hs, f, "<tr><td>");
			esc(hs, f, c >= 0 ? cat_label(hs, c) : x->category);
			put(hs, f, "</td><td>");
			if (x->loc.column)
				put(hs, f, "%s %u ", tr(hs, "col.", "col."),
				    x->loc.column);
			esc(hs, f, x->loc.header);
			if (x->loc.line)
				put(hs, f, " (%s %lu)", tr(hs, "line", "ligne"),
				    x->loc.line);
			put(hs, f, "</td><td class=\"n\">%" PRIu64
				   "</td><td>%s</td><td>%s</td><td><code>",
			    x->count, bsc_confidence_name(x->confidence),
			    subject_words(hs, x->subject));
			esc(hs, f, x->sample);
			put(hs, f, "</code></td></tr>\n");
		}
		put(hs, f, "</tbody></table>\n");
	}
	put(hs, f, "</details>\n");
}

static bsc_status
html_item(void *data, const struct bsc_item_report *r)
{
	struct html_sink *hs = data;
	struct row *row;
	struct group *g;
	int sev = bsc_severity_from_name(r->severity ? r->severity : "none");

	if (r->status == BSC_ITEM_PARTIAL || r->status == BSC_ITEM_FAILED)
		bsc_vec_push(&hs->problems,
			     bsc_asprintf("%d\t%s\t%s", (int)r->status, r->path,
					  r->reason ? r->reason : ""));
	/* Archives roll up their members, which are rows of their own. */
	if (r->archive)
		return hs->err ? BSC_FATAL : BSC_OK;
	row = bsc_zalloc(sizeof(*row));
	row->path = bsc_strdup(r->path);
	row->group = group_of(hs, r);
	row->status = r->status;
	row->records = r->records;
	row->persons = r->persons.count;
	row->severity = sev < 0 ? 0 : sev;
	g = hs->groups.v[row->group];
	g->files++;
	g->records += r->records;
	g->persons += r->persons.count;
	g->by_sev[row->severity]++;
	for (size_t i = 0; i < r->n_findings; i++) {
		const struct bsc_finding *f = &r->findings[i];
		int c = bsc_ruleset_category(hs->rs, f->category);
		size_t k;

		if (c < 0 || !bsc_finding_counted(f))
			continue;
		for (k = 0; k < row->n_cells; k++)
			if (row->cells[k].cat == c)
				break;
		if (k == row->n_cells) {
			row->cells = bsc_reallocarray(row->cells, k + 1,
						      sizeof(*row->cells));
			row->cells[k].cat = (unsigned char)c;
			row->cells[k].values = 0;
			row->n_cells++;
			hs->cat_files[c]++;
		}
		row->cells[k].values += f->count;
		g->cat_values[c] += f->count;
	}
	bsc_vec_push(&hs->rows, row);
	row->d_start = ftell(hs->details);
	detail(hs, r, row->group);
	row->d_end = ftell(hs->details);
	return hs->err ? BSC_FATAL : BSC_OK;
}

/* ---- the page --------------------------------------------------------- */

/* s[0..n) as a JSON string that is safe inside <script>: '<' before '/'
 * or '!' is written \u003c, so "</script>" or "<!--" cannot end or
 * change the element. */
static void
js_string(struct html_sink *hs, const char *s, size_t n)
{
	if (fputc('"', hs->out) == EOF)
		hs->err = true;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		int rc;

		if (c == '"' || c == '\\')
			rc = fprintf(hs->out, "\\%c", c);
		else if (c < 0x20 ||
			 (c == '<' && i + 1 < n &&
			  (s[i + 1] == '/' || s[i + 1] == '!')))
			rc = fprintf(hs->out, "\\u%04x", c);
		else
			rc = fputc(c, hs->out);
		if (rc < 0)
			hs->err = true;
	}
	if (fputc('"', hs->out) == EOF)
		hs->err = true;
}

static const char css[] =
	"body{font:14px/1.45 system-ui,sans-serif;margin:0;color:#1d2330;"
	"background:#f6f7f9}"
	"main{max-width:1200px;margin:auto;padding:16px 24px}"
	"h1{font-size:22px;margin:8px 0}h2{font-size:18px;margin:28px 0 8px;"
	"border-bottom:2px solid #d8dce3}"
	".verdict{padding:12px 16px;border-radius:6px;font-size:17px;"
	"background:#fff;border-left:8px solid #888}"
	".sev5{border-color:#b3001b}.sev4{border-color:#d9480f}"
	".sev3{border-color:#e8890c}.sev2{border-color:#f2c94c}"
	".sev1{border-color:#74a9cf}.sev0{border-color:#2b8a3e}"
	".cards{display:flex;flex-wrap:wrap;gap:12px;margin:12px 0}"
	".card{background:#fff;border-radius:6px;padding:10px 14px;"
	"min-width:160px;box-shadow:0 1px 2px #0002}"
	".card b{display:block;font-size:22px}"
	"table{border-collapse:collapse;background:#fff;margin:6px 0}"
	"th,td{border:1px solid #d8dce3;padding:3px 6px;text-align:left;"
	"vertical-align:top}"
	"th{background:#eef0f4;cursor:pointer}td.n{text-align:right}"
	"td.z{color:#bbb}details{margin:4px 0}summary{cursor:pointer}"
	".st{font-size:12px;padding:1px 6px;border-radius:8px;"
	"background:#e7f5ea}.st1{background:#fff3bf}.st2{background:#ffd8d8}"
	".st3{background:#eee}code{font-size:12px}"
	".charts{display:flex;flex-wrap:wrap;gap:16px}"
	".chart{background:#fff;padding:8px;border-radius:6px}"
	"#filter{padding:4px 8px;width:320px}"
	"@media print{#filter,.noprint{display:none}body{background:#fff}"
	"details>summary{list-style:none}}";

static const char js[] =
	"function srt(th){var t=th.closest('table'),b=t.tBodies[0],"
	"i=[].indexOf.call(th.parentNode.children,th),d=th.dataset.d=="
	"'1'?-1:1;th.dataset.d=d==1?'1':'0';var r=[].slice.call(b.rows);"
	"r.sort(function(x,y){var a=x.cells[i].dataset.v||x.cells[i]."
	"textContent,c=y.cells[i].dataset.v||y.cells[i].textContent,"
	"p=parseFloat(a),q=parseFloat(c);if(!isNaN(p)&&!isNaN(q))return "
	"(p-q)*d;return a.localeCompare(c)*d});r.forEach(function(x){b."
	"appendChild(x)})}"
	"document.querySelectorAll('th').forEach(function(h){h.onclick="
	"function(){srt(h)}});"
	"function flt(q){q=q.toLowerCase();document.querySelectorAll("
	"'tr[data-p]').forEach(function(r){r.style.display=r.dataset.p."
	"toLowerCase().indexOf(q)<0?'none':''});document.querySelectorAll("
	"'details.grp').forEach(function(d){var n=d.querySelectorAll("
	"'tr[data-p]:not([style*=none])').length;if(d.dataset.src&&!d."
	"dataset.done)n=document.getElementById(d.dataset.src)."
	"textContent.toLowerCase().indexOf(q)>=0;d.style.display=n?'':"
	"'none'})}"
	"function fill(d){if(d.dataset.done)return;d.dataset.done='1';"
	"var s=document.getElementById(d.dataset.src);d.querySelector("
	"'.lz').innerHTML=JSON.parse(s.textContent).join('')}"
	"document.querySelectorAll('details.lazy').forEach(function(d){d."
	"addEventListener('toggle',function(){if(d.open)fill(d)})});"
	"function all(){document.querySelectorAll('details').forEach("
	"function(d){if(d.dataset.src)fill(d);d.open=true})}"
	"window.onbeforeprint=all;if(location.hash=='#all')all();"
	"document.body.setAttribute('data-ready','1');";

/* label cut to its last 31 bytes or so, on a character boundary. */
static void
short_label(char *buf, size_t len, const char *label)
{
	size_t n = strlen(label);

	if (n <= 32) {
		snprintf(buf, len, "%s", label);
		return;
	}
	/* keep the end of a path: the file name tells most */
	label += n - 31;
	while (((unsigned char)*label & 0xC0) == 0x80)
		label++;
	snprintf(buf, len, "…%s", label);
}

/* A horizontal bar chart: labels and values, the longest bar = max. */
static void
bars(struct html_sink *hs, const char *title, const char *id,
     const char *const *labels, const uint64_t *values, size_t n)
{
	uint64_t max = 1;
	unsigned h = (unsigned)(n * 22 + 30);

	for (size_t i = 0; i < n; i++)
		if (values[i] > max)
			max = values[i];
	put(hs, hs->out, "<div class=\"chart\"><svg id=\"%s\" role=\"img\" "
			 "width=\"560\" height=\"%u\" viewBox=\"0 0 560 %u\">"
			 "<title>",
	    id, h, h);
	esc(hs, hs->out, title);
	put(hs, hs->out, "</title><text x=\"0\" y=\"16\" font-weight=\"bold\" "
			 "font-size=\"14\">");
	esc(hs, hs->out, title);
	put(hs, hs->out, "</text>");
	for (size_t i = 0; i < n; i++) {
		unsigned y = (unsigned)(30 + i * 22);
		unsigned w = (unsigned)(260.0 * (double)values[i] / (double)max);
		char lab[64];

		short_label(lab, sizeof(lab), labels[i]);
		put(hs, hs->out, "<text x=\"0\" y=\"%u\" font-size=\"12\">", y + 12);
		esc(hs, hs->out, lab);
		put(hs, hs->out,
		    "</text><rect x=\"230\" y=\"%u\" width=\"%u\" height=\"15\" "
		    "fill=\"#3b6fb6\"/><text class=\"bv\" x=\"%u\" y=\"%u\" "
		    "font-size=\"12\">%" PRIu64 "</text>",
		    y + 1, w ? w : 1, 236 + w, y + 12, values[i]);
	}
	put(hs, hs->out, "</svg></div>\n");
}

/* Indexes of the n largest values (stable: ties keep their order). */
static size_t
top(const uint64_t *v, size_t n, size_t *idx, size_t max)
{
	size_t k = 0;

	for (size_t i = 0; i < n; i++) {
		size_t j;

		if (!v[i])
			continue;
		for (j = k; j > 0 && v[idx[j - 1]] < v[i]; j--)
			if (j < max)
				idx[j] = idx[j - 1];
		if (j < max) {
			idx[j] = i;
			if (k < max)
				k++;
		}
	}
	return k;
}

/* The label of category name (the name when the rules lack it). */
static const char *
name_label(const struct html_sink *hs, const char *name)
{
	int c = bsc_ruleset_category(hs->rs, name);

	return c < 0 ? name : cat_label(hs, c);
}

static void
charts(struct html_sink *hs, const struct bsc_persons *p)
{
	size_t idx[MAX_BARS], k;
	const char *labels[MAX_BARS];
	uint64_t vals[MAX_BARS];
	uint64_t *rec = bsc_zalloc((hs->rows.n + p->n_by_category + 1) *
				   sizeof(*rec));

	put(hs, hs->out, "<div class=\"charts\">\n");
	for (size_t i = 0; i < p->n_by_category; i++)
		rec[i] = p->by_category[i].count;
	k = top(rec, p->n_by_category, idx, MAX_BARS);
	for (size_t i = 0; i < k; i++) {
		labels[i] = name_label(hs, p->by_category[idx[i]].category);
		vals[i] = rec[idx[i]];
	}
	bars(hs, p->categories_bound
		     ? tr(hs, "Categories by persons (at most)",
			  "Catégories par personnes (au plus)")
		     : tr(hs, "Categories by persons (distinct)",
			  "Catégories par personnes (distinctes)"),
	     "chart-categories", labels, vals, k);
	for (size_t i = 0; i < hs->rows.n; i++)
		rec[i] = ((struct row *)hs->rows.v[i])->records;
	k = top(rec, hs->rows.n, idx, MAX_BARS);
	for (size_t i = 0; i < k; i++) {
		labels[i] = ((struct row *)hs->rows.v[idx[i]])->path;
		vals[i] = rec[idx[i]];
	}
	bars(hs, tr(hs, "Records by file (largest)",
		    "Enregistrements par fichier (les plus gros)"),
	     "chart-records", labels, vals, k);
	free(rec);
	rec = bsc_zalloc((hs->groups.n + 1) * sizeof(*rec));
	for (size_t i = 0; i < hs->groups.n; i++) {
		struct group *g = hs->groups.v[i];

		rec[i] = g->by_sev[BSC_SEV_HEALTH_LINKED] * 1000000 +
			 g->by_sev[BSC_SEV_HEALTH] * 1000 + g->files;
	}
	k = top(rec, hs->groups.n, idx, MAX_BARS);
	{
		static const char *const colour[] = {"#2b8a3e", "#74a9cf",
						     "#f2c94c", "#e8890c",
						     "#d9480f", "#b3001b"};
		unsigned h = (unsigned)(k * 22 + 60);
		uint64_t max = 1;

		for (size_t i = 0; i < k; i++)
			if (((struct group *)hs->groups.v[idx[i]])->files > max)
				max = ((struct group *)hs->groups.v[idx[i]])
					      ->files;
		put(hs, hs->out,
		    "<div class=\"chart\"><svg id=\"chart-severity\" "
		    "role=\"img\" width=\"560\" height=\"%u\" viewBox=\"0 0 "
		    "560 %u\"><text x=\"0\" y=\"16\" font-weight=\"bold\" "
		    "font-size=\"14\">%s</text>",
		    h, h,
		    tr(hs, "Severity by folder (files)",
		       "Gravité par dossier (fichiers)"));
		for (size_t i = 0; i < k; i++) {
			struct group *g = hs->groups.v[idx[i]];
			unsigned y = (unsigned)(30 + i * 22), x = 230;
			char lab[64];

			short_label(lab, sizeof(lab), g->key);
			put(hs, hs->out, "<text x=\"0\" y=\"%u\" "
					 "font-size=\"12\">",
			    y + 12);
			esc(hs, hs->out, lab);
			put(hs, hs->out, "</text>");
			for (int s = 5; s >= 0; s--) {
				unsigned w = (unsigned)(260.0 *
							(double)g->by_sev[s] /
							(double)max);

				if (!g->by_sev[s])
					continue;
				put(hs, hs->out,
				    "<rect x=\"%u\" y=\"%u\" width=\"%u\" "
				    "height=\"15\" fill=\"%s\"><title>%s: %"
				    PRIu64 "</title></rect>",
				    x, y + 1, w ? w : 1, colour[s],
				    severity_words(hs, s), g->by_sev[s]);
				x += w ? w : 1;
			}
		}
		for (int s = 5, x = 0; s >= 0; s--, x += 92) {
			static const char *const en[] = {
				"none", "indirect", "contact", "strong",
				"health", "health + id"};
			static const char *const fr[] = {
				"aucune", "indirecte", "coordonnées", "forte",
				"santé", "santé + id"};

			put(hs, hs->out,
			    "<rect x=\"%d\" y=\"%u\" width=\"10\" height=\"10\" "
			    "fill=\"%s\"/><text x=\"%d\" y=\"%u\" "
			    "font-size=\"10\">%s</text>",
			    x, h - 18, colour[s], x + 13, h - 9,
			    hs->fr ? fr[s] : en[s]);
		}
		put(hs, hs->out, "</svg></div>\n");
	}
	free(rec);
	put(hs, hs->out, "</div>\n");
}

/* Key figures: each with its precision, as people read it. */
static void
card(struct html_sink *hs, const char *id, const char *label,
     const char *value)
{
	put(hs, hs->out, "<div class=\"card\"><b id=\"%s\">", id);
	esc(hs, hs->out, value);
	put(hs, hs->out, "</b>%s</div>\n", label);
}

static void
figures(struct html_sink *hs, const struct bsc_run_summary *s)
{
	const struct bsc_persons *p = &s->persons;
	char n[96];

	put(hs, hs->out, "<div class=\"cards\">\n");
	bsc_persons_figure(p, p->count, hs->fr, n, sizeof(n));
	card(hs, "persons", tr(hs, "distinct persons", "personnes distinctes"),
	     n);
	if (p->health_bound)
		snprintf(n, sizeof(n), "%s %" PRIu64,
			 tr(hs, "at most", "au plus"), p->health);
	else
		bsc_persons_figure(p, p->health, hs->fr, n, sizeof(n));
	card(hs, "persons-health",
	     tr(hs, "with health data exposed",
		"avec des données de santé exposées"),
	     n);
	bsc_persons_figure(p, p->contactable, hs->fr, n, sizeof(n));
	card(hs, "persons-contactable",
	     tr(hs, "reachable by e-mail, phone or post",
		"joignables par e-mail, téléphone ou courrier"),
	     n);
	bsc_persons_figure(p, p->minors, hs->fr, n, sizeof(n));
	card(hs, "persons-minors",
	     tr(hs, "minors (by birth date)",
		"mineurs (d'après la date de naissance)"),
	     n);
	bsc_other_figure(&p->professionals, hs->fr, n, sizeof(n));
	card(hs, "persons-professionals",
	     tr(hs, "health professionals (counted apart)",
		"professionnels de santé (comptés à part)"),
	     n);
	bsc_other_figure(&p->relatives, hs->fr, n, sizeof(n));
	card(hs, "persons-relatives",
	     tr(hs, "relatives and contacts (counted apart)",
		"proches et contacts (comptés à part)"),
	     n);
	snprintf(n, sizeof(n), "%" PRIu64, s->records);
	card(hs, "records", tr(hs, "records", "enregistrements"), n);
	snprintf(n, sizeof(n), "%" PRIu64, s->records_linked);
	card(hs, "records-linked",
	     tr(hs, "records with identity and health data",
		"enregistrements avec identité et santé"),
	     n);
	snprintf(n, sizeof(n), "%" PRIu64, s->items);
	card(hs, "items", tr(hs, "files and archive members",
			     "fichiers et membres d'archives"),
	     n);
	put(hs, hs->out, "</div>\n");
}

/* Persons per category of data (art. 33(3)(a)), health data first. */
static void
by_category(struct html_sink *hs, const struct bsc_persons *p)
{
	char n[96];

	put(hs, hs->out, "<table id=\"persons-by-category\"><tr><th>%s</th>"
			 "<th>%s</th></tr>\n",
	    tr(hs, "Data", "Donnée"),
	    tr(hs, "Distinct persons", "Personnes distinctes"));
	for (int pass = 0; pass < 2; pass++)
		for (size_t i = 0; i < p->n_by_category; i++) {
			const char *name = p->by_category[i].category;
			int c = bsc_ruleset_category(hs->rs, name);
			bool med = c >= 0 &&
				   hs->rs->cats[c].cls == BSC_CLASS_MEDICAL;

			if (med != (pass == 0))
				continue;
			bsc_persons_cat_figure(p, p->by_category[i].count,
					       hs->fr, n, sizeof(n));
			put(hs, hs->out, "<tr><td>");
			esc(hs, hs->out, name_label(hs, name));
			put(hs, hs->out, "</td><td id=\"pc-");
			esc(hs, hs->out, name);
			put(hs, hs->out, "\">");
			esc(hs, hs->out, n);
			put(hs, hs->out, "</td></tr>\n");
		}
	bsc_persons_cat_figure(p, p->with_medical, hs->fr, n, sizeof(n));
	put(hs, hs->out, "<tr><td><b>%s</b></td><td id=\"pc-with-medical\">",
	    tr(hs, "any health data", "une donnée de santé au moins"));
	esc(hs, hs->out, n);
	bsc_persons_cat_figure(p, p->with_identity, hs->fr, n, sizeof(n));
	put(hs, hs->out, "</td></tr>\n<tr><td><b>%s</b></td>"
			 "<td id=\"pc-with-identity\">",
	    tr(hs, "any identity data", "une donnée d'identité au moins"));
	esc(hs, hs->out, n);
	put(hs, hs->out, "</td></tr>\n</table>\n");
}

static void
reasons(struct html_sink *hs, const struct bsc_run_summary *s)
{
	put(hs, hs->out, "<ul id=\"reasons\">\n");
	for (size_t i = 0; i < s->n_linkable; i++) {
		put(hs, hs->out, "<li>%s ", tr(hs, "identity in",
					       "identité dans"));
		esc(hs, hs->out, s->linkable[i].identity);
		put(hs, hs->out, " %s ",
		    tr(hs, "is linkable to health data in",
		       "reliable aux données de santé de"));
		esc(hs, hs->out, s->linkable[i].medical);
		put(hs, hs->out, " (%s <code>", tr(hs, "key", "clé"));
		esc(hs, hs->out, s->linkable[i].key);
		put(hs, hs->out, "</code>, %" PRIu64 " %s)</li>\n",
		    s->linkable[i].shared,
		    tr(hs, "shared values", "valeurs communes"));
	}
	for (size_t i = 0; i < s->n_flags; i++) {
		const struct bsc_flag *f = &s->flags[i];

		put(hs, hs->out, "<li>");
		esc(hs, hs->out, hs->fr ? f->reason_fr : f->reason);
		put(hs, hs->out, ": %" PRIu64 " %s (%s ", f->count,
		    f->count == 1 ? tr(hs, "value", "valeur")
				  : tr(hs, "values", "valeurs"),
		    tr(hs, "first in", "d'abord dans"));
		esc(hs, hs->out, f->path ? f->path : "?");
		if (f->loc.header) {
			put(hs, hs->out, ", ");
			esc(hs, hs->out, f->loc.header);
		}
		if (f->loc.line)
			put(hs, hs->out, ", %s %lu", tr(hs, "line", "ligne"),
			    f->loc.line);
		put(hs, hs->out, ")</li>\n");
	}
	if (!s->n_linkable && !s->n_flags)
		put(hs, hs->out, "<li>%s</li>\n",
		    tr(hs, "no aggravating factor", "aucun facteur aggravant"));
	put(hs, hs->out, "</ul>\n");
}

static void
coverage(struct html_sink *hs, const struct bsc_run_summary *s)
{
	put(hs, hs->out,
	    "<p id=\"coverage\">%" PRIu64 " %s, %" PRIu64 " %s, %" PRIu64
	    " %s, %" PRIu64 " %s.</p>\n",
	    s->coverage_items[BSC_ITEM_COMPLETE],
	    tr(hs, "files read fully", "fichiers lus entièrement"),
	    s->coverage_items[BSC_ITEM_PARTIAL],
	    tr(hs, "read in part", "lus en partie"),
	    s->coverage_items[BSC_ITEM_FAILED],
	    tr(hs, "not read or not examined", "non lus ou non examinés"),
	    s->coverage_items[BSC_ITEM_SKIPPED],
	    tr(hs, "skipped (no document in them)",
	       "ignorés (aucun document)"));
	if (!hs->problems.n) {
		put(hs, hs->out, "<p>%s</p>\n",
		    tr(hs, "Every file was read completely.",
		       "Chaque fichier a été lu entièrement."));
		return;
	}
	put(hs, hs->out, "<table id=\"not-examined\"><thead><tr><th>%s</th>"
			 "<th>%s</th><th>%s</th></tr></thead><tbody>\n",
	    tr(hs, "File", "Fichier"), tr(hs, "Status", "État"),
	    tr(hs, "Why", "Pourquoi"));
	for (size_t i = 0; i < hs->problems.n; i++) {
		char *p = hs->problems.v[i];
		char *path = strchr(p, '\t') + 1;
		char *why = strchr(path, '\t');

		*why++ = '\0';
		put(hs, hs->out, "<tr data-p=\"");
		esc(hs, hs->out, path);
		put(hs, hs->out, "\"><td>");
		esc(hs, hs->out, path);
		put(hs, hs->out, "</td><td>%s</td><td>",
		    status_words(hs, (enum bsc_item_status)(p[0] - '0')));
		esc(hs, hs->out, why);
		put(hs, hs->out, "</td></tr>\n");
	}
	put(hs, hs->out, "</tbody></table>\n");
}

/*
 * The rows by group, in their order (a counting sort): the rows of group
 * g are rows[order[start[g]]] ... rows[order[start[g + 1] - 1]]. Both
 * arrays are new; the caller frees them.
 */
static void
by_group(struct html_sink *hs, size_t **startp, size_t **orderp)
{
	size_t *start = bsc_zalloc((hs->groups.n + 1) * sizeof(size_t));
	size_t *order = bsc_zalloc((hs->rows.n + 1) * sizeof(size_t));

	/* Rows by group, in their order (a counting sort). */
	for (size_t i = 0; i < hs->rows.n; i++)
		start[((struct row *)hs->rows.v[i])->group + 1]++;
	for (size_t g = 0; g < hs->groups.n; g++)
		start[g + 1] += start[g];
	{
		size_t *fill = bsc_zalloc((hs->groups.n + 1) * sizeof(size_t));

		for (size_t i = 0; i < hs->rows.n; i++) {
			size_t g = ((struct row *)hs->rows.v[i])->group;

			order[start[g] + fill[g]++] = i;
		}
		free(fill);
	}
	*startp = start;
	*orderp = order;
}

/* One row of the matrix: HTML, or with lazy a JSON string of it. */
static void
matrix_row(struct html_sink *hs, bool lazy, const struct row *r,
	   const int *cols, size_t nc, bool first)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = lazy ? open_memstream(&buf, &len) : hs->out;

	if (!f) {
		hs->err = true;
		return;
	}
	put(hs, f, "<tr class=\"sv%d\" data-p=\"", r->severity);
	esc(hs, f, r->path);
	put(hs, f, "\"><td>");
	esc(hs, f, r->path);
	put(hs, f, "</td><td>%s</td><td class=\"n\">%"
			 PRIu64 "</td><td class=\"n\">%" PRIu64
			 "</td>",
	    status_words(hs, r->status), r->records,
	    r->persons);
	for (size_t k = 0; k < nc; k++) {
		uint64_t v = 0;

		for (size_t j = 0; j < r->n_cells; j++)
			if (r->cells[j].cat == cols[k])
				v = r->cells[j].values;
		if (v)
			put(hs, f,
			    "<td class=\"n\">%" PRIu64 "</td>",
			    v);
		else
			put(hs, f,
			    "<td class=\"n z\" data-v=\"0\">"
			    "·</td>");
	}
	put(hs, f, "</tr>\n");
	if (!lazy)
		return;
	if (fclose(f) != 0)
		hs->err = true;
	if (!first && fputc(',', hs->out) == EOF)
		hs->err = true;
	js_string(hs, buf, len);
	free(buf);
}

/* Files x categories, one folded table per folder or archive. */
static void
matrix(struct html_sink *hs, const struct bsc_run_summary *s)
{
	int cols[BSC_MAX_CATEGORIES];
	size_t nc = 0;
	bool lazy = hs->rows.n > LAZY_ROWS;
	size_t *start, *order;

	(void)s;
	by_group(hs, &start, &order);
	for (size_t c = 0; c < hs->rs->n_cats; c++)
		if (hs->cat_files[c])
			cols[nc++] = (int)c;
	put(hs, hs->out,
	    "<p class=\"noprint\"><input id=\"filter\" type=\"search\" "
	    "placeholder=\"%s\" oninput=\"flt(this.value)\"> %s</p>\n",
	    tr(hs, "filter by path", "filtrer par chemin"),
	    tr(hs, "Click a column header to sort.",
	       "Cliquer sur un en-tête de colonne pour trier."));
	for (size_t gi = 0; gi < hs->groups.n; gi++) {
		struct group *g = hs->groups.v[gi];

		if (lazy)
			put(hs, hs->out, "<details class=\"grp lazy\" "
					 "data-src=\"m%zu\"><summary><b>",
			    gi);
		else
			put(hs, hs->out, "<details class=\"grp\"%s><summary>"
					 "<b>",
			    hs->groups.n <= 5 ? " open" : "");
		esc(hs, hs->out, g->key);
		put(hs, hs->out, "</b> — %" PRIu64 " %s, %" PRIu64 " %s, %s %s"
				 "</summary>\n",
		    g->files, g->files == 1 ? tr(hs, "file", "fichier")
					    : tr(hs, "files", "fichiers"),
		    g->records, tr(hs, "records", "enregistrements"),
		    severity_words(hs, g->by_sev[5]   ? 5
				       : g->by_sev[4] ? 4
				       : g->by_sev[3] ? 3
				       : g->by_sev[2] ? 2
				       : g->by_sev[1] ? 1
						      : 0),
		    tr(hs, "(worst)", "(au pire)"));
		put(hs, hs->out, "<table class=\"m\"><thead><tr><th>%s</th>"
				 "<th>%s</th><th>%s</th><th>%s</th>",
		    tr(hs, "File", "Fichier"), tr(hs, "Status", "État"),
		    tr(hs, "Records", "Enreg."), tr(hs, "Persons", "Pers."));
		for (size_t k = 0; k < nc; k++) {
			put(hs, hs->out, "<th title=\"");
			esc(hs, hs->out, cat_label(hs, cols[k]));
			put(hs, hs->out, "\">");
			esc(hs, hs->out, hs->rs->cats[cols[k]].name);
			put(hs, hs->out, "</th>");
		}
		put(hs, hs->out, "</tr></thead><tbody class=\"lz\">\n");
		if (lazy)
			put(hs, hs->out, "</tbody></table><script type=\""
					 "application/json\" id=\"m%zu\">[",
			    gi);
		for (size_t oi = start[gi]; oi < start[gi + 1]; oi++) {
			struct row *r = hs->rows.v[order[oi]];

			matrix_row(hs, lazy, r, cols, nc, oi == start[gi]);
		}
		put(hs, hs->out, lazy ? "]</script>" : "</tbody></table>");
		put(hs, hs->out, "</details>\n");
	}
	free(start);
	free(order);
}

/* The per-file sections as JSON data, one folded block per folder,
 * built when it is opened. */
static void
lazy_details(struct html_sink *hs)
{
	size_t *start, *order;

	by_group(hs, &start, &order);
	for (size_t gi = 0; gi < hs->groups.n; gi++) {
		struct group *g = hs->groups.v[gi];

		put(hs, hs->out, "<details class=\"grp lazy\" data-src=\"d%zu\">"
				 "<summary><b>",
		    gi);
		esc(hs, hs->out, g->key);
		put(hs, hs->out, "</b> — %" PRIu64 " %s</summary><div class=\"lz\">"
				 "</div><script type=\"application/json\" "
				 "id=\"d%zu\">[",
		    g->files, g->files == 1 ? tr(hs, "file", "fichier")
					    : tr(hs, "files", "fichiers"),
		    gi);
		for (size_t oi = start[gi]; oi < start[gi + 1]; oi++) {
			const struct row *r = hs->rows.v[order[oi]];
			size_t len = r->d_end > r->d_start
					     ? (size_t)(r->d_end - r->d_start)
					     : 0;
			char *buf = bsc_zalloc(len + 1);

			if (fseek(hs->details, r->d_start, SEEK_SET) ||
			    fread(buf, 1, len, hs->details) != len)
				hs->err = true;
			if (oi > start[gi] && fputc(',', hs->out) == EOF)
				hs->err = true;
			js_string(hs, buf, len);
			free(buf);
		}
		put(hs, hs->out, "]</script></details>\n");
	}
	free(start);
	free(order);
}

/* Copy the per-file sections, folded by folder. */
static void
details(struct html_sink *hs)
{
	char buf[65536];
	size_t n;

	if (fflush(hs->details) == EOF || fseek(hs->details, 0, SEEK_SET)) {
		hs->err = true;
		return;
	}
	if (hs->rows.n > LAZY_ROWS) {
		lazy_details(hs);
		return;
	}
	while ((n = fread(buf, 1, sizeof(buf), hs->details)) > 0)
		if (fwrite(buf, 1, n, hs->out) != n)
			hs->err = true;
	if (ferror(hs->details))
		hs->err = true;
}

static void
custody(struct html_sink *hs, const struct bsc_run_summary *s)
{
	put(hs, hs->out, "<table id=\"run\"><tbody><tr><th>%s</th><td>"
			 "breachscope %s</td></tr>\n",
	    tr(hs, "Tool", "Outil"), bsc_version());
	put(hs, hs->out, "<tr><th>%s</th><td><code>",
	    tr(hs, "Rules version", "Version des règles"));
	esc(hs, hs->out, s->rules_version ? s->rules_version : "-");
	put(hs, hs->out, "</code></td></tr>\n<tr><th>%s</th><td><code>",
	    tr(hs, "Command line", "Ligne de commande"));
	for (size_t i = 0; i < s->n_options; i++) {
		esc(hs, hs->out, i ? " " : "");
		esc(hs, hs->out, s->options[i]);
	}
	put(hs, hs->out, "</code></td></tr>\n<tr><th>%s</th><td>",
	    tr(hs, "Started, finished (UTC)", "Début, fin (UTC)"));
	esc(hs, hs->out, s->started ? s->started : "-");
	put(hs, hs->out, " — ");
	esc(hs, hs->out, s->finished ? s->finished : "-");
	put(hs, hs->out, "%s</td></tr></tbody></table>\n",
	    s->started ? ""
		       : tr(hs, " (times and SHA-256 of every file with --hash)",
			    " (heures et SHA-256 de chaque fichier avec "
			    "--hash)"));
}

static bsc_status
html_end(void *data, const struct bsc_run_summary *s)
{
	struct html_sink *hs = data;
	const char *v = bsc_verdict(s->n_identity, s->n_medical,
				    s->records_linked);
	int sev = bsc_severity_from_name(s->severity ? s->severity : "none");

	if (sev < 0)
		sev = 0;
	put(hs, hs->out,
	    "<!DOCTYPE html>\n<html lang=\"%s\"><head><meta charset=\"utf-8\">"
	    "<meta name=\"viewport\" content=\"width=device-width\">"
	    "<title>%s</title><style>%s</style></head><body><main>\n",
	    hs->fr ? "fr" : "en",
	    tr(hs, "Breach scope report", "Rapport d'étendue de la violation"),
	    css);
	put(hs, hs->out, "<h1>%s</h1>\n",
	    tr(hs, "Breach scope report", "Rapport d'étendue de la violation"));
	put(hs, hs->out, "<div id=\"verdict\" class=\"verdict sev%d\" "
			 "data-severity=\"",
	    sev);
	esc(hs, hs->out, s->severity ? s->severity : "none");
	put(hs, hs->out, "\" data-verdict=\"%s\"><b>%s</b><br>%s</div>\n", v,
	    severity_words(hs, sev),
	    s->by_status[BSC_ITEM_PARTIAL] + s->by_status[BSC_ITEM_FAILED]
		    ? tr(hs, "Some files could not be read completely: see "
			     "Coverage.",
			 "Certains fichiers n'ont pas pu être lus entièrement : "
			 "voir Couverture.")
		    : tr(hs, "Every file was read completely.",
			 "Chaque fichier a été lu entièrement."));
	figures(hs, s);
	put(hs, hs->out, "<h2>%s</h2>\n",
	    tr(hs, "Persons by category of data",
	       "Personnes par catégorie de données"));
	by_category(hs, &s->persons);
	put(hs, hs->out, "<h2>%s</h2>\n",
	    tr(hs, "Severity and its reasons", "Gravité et ses raisons"));
	reasons(hs, s);
	put(hs, hs->out, "<h2>%s</h2>\n", tr(hs, "Charts", "Graphiques"));
	charts(hs, &s->persons);
	put(hs, hs->out, "<h2>%s</h2>\n",
	    tr(hs, "Coverage: what was not examined",
	       "Couverture : ce qui n'a pas été examiné"));
	coverage(hs, s);
	put(hs, hs->out, "<h2>%s</h2>\n",
	    tr(hs, "Files and categories (values per category)",
	       "Fichiers et catégories (valeurs par catégorie)"));
	matrix(hs, s);
	put(hs, hs->out, "<h2>%s</h2>\n",
	    tr(hs, "Details per file (masked samples)",
	       "Détail par fichier (exemples masqués)"));
	details(hs);
	put(hs, hs->out, "<h2>%s</h2>\n",
	    tr(hs, "Run and chain of custody",
	       "Exécution et chaîne de traçabilité"));
	custody(hs, s);
	put(hs, hs->out, "<p>%s</p>\n</main><script>%s</script></body>"
			 "</html>\n",
	    tr(hs, "This report contains no raw personal data unless "
		   "--show-values was given: samples are masked.",
	       "Ce rapport ne contient aucune donnée personnelle brute sauf "
	       "avec --show-values : les exemples sont masqués."),
	    js);
	if (fflush(hs->out) == EOF)
		hs->err = true;
	release(hs);
	return hs->err ? BSC_FATAL : BSC_OK;
}

static bsc_status
html_begin(void *data)
{
	struct html_sink *hs = data;

	hs->details = tmpfile();
	return hs->details ? BSC_OK : BSC_FATAL;
}

struct bsc_sink *
bsc_report_html_new(const struct bsc_report_opts *opts)
{
	struct bsc_sink *s = bsc_zalloc(sizeof(*s));
	struct html_sink *hs = bsc_zalloc(sizeof(*hs));

	hs->base.release = release;
	hs->out = opts->out;
	hs->rs = opts->rules;
	hs->fr = opts->lang && !strcmp(opts->lang, "fr");
	s->run_begin = html_begin;
	s->item = html_item;
	s->run_end = html_end;
	s->data = hs;
	return s;
}
