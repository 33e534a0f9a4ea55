/*
 * diff.c - compares two saved JSON reports (after the sinks, on their
 * output): which files are new or gone, which gained or lost categories of
 * data, whose persons or severity changed, whose columns moved, and how
 * the persons of each folder changed. Files are matched by path, then by
 * their stable name, as baselines match them ("export_2025-03.csv" and
 * "export_2025-06.csv" are the same export a quarter apart) when that
 * match is unique on both sides. Only paths, category names and counts
 * are compared and written: a report holds no raw value to compare.
 */
#include "diff.h"

#include <inttypes.h>
#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>

#include "baseline.h"
#include "cli.h"
#include "render.h"
#include "severity.h"
#include "util.h"

struct file {
	const char *path;
	char *shape;   /* stable name (bsc_stable_name) */
	json_object *o;
	uint64_t mask; /* categories by position in the name table */
	uint64_t persons, records;
	int severity;
	long match;    /* index in the other report, or -1 */
};

struct side {
	struct file *f;
	size_t n;
};

/* The names of categories met in either report (at most 64 kept). */
struct names {
	const char *v[64];
	size_t n;
};

static json_object *
get(json_object *o, const char *k)
{
	json_object *v = NULL;

	json_object_object_get_ex(o, k, &v);
	return v;
}

static const char *
str_of(json_object *o, const char *k)
{
	json_object *v = get(o, k);

	return v && json_object_is_type(v, json_type_string)
		       ? json_object_get_string(v)
		       : NULL;
}

static uint64_t
u64_of(json_object *o, const char *k)
{
	json_object *v = get(o, k);

	return v && json_object_is_type(v, json_type_int) &&
			       json_object_get_int64(v) > 0
		       ? (uint64_t)json_object_get_int64(v)
		       : 0;
}

static int
name_bit(struct names *nm, const char *s)
{
	for (size_t i = 0; i < nm->n; i++)
		if (!strcmp(nm->v[i], s))
			return (int)i;
	if (nm->n == 64)
		return -1;
	nm->v[nm->n] = s;
	return (int)nm->n++;
}

/* The stable name baselines use (baseline.h): dates, numbers and
 * versions dropped, so a renamed or dated export is the same file. */
static char *
shape_of(const char *path)
{
	return bsc_stable_name(path);
}

static void
load_side(json_object *doc, struct side *sd, struct names *nm)
{
	json_object *items = get(doc, "items");
	size_t n = json_object_array_length(items);

	sd->f = bsc_zalloc((n ? n : 1) * sizeof(*sd->f));
	for (size_t i = 0; i < n; i++) {
		json_object *it = json_object_array_get_idx(items, i);
		struct file *f = &sd->f[sd->n];
		const char *sev = str_of(it, "severity");
		static const char *const lists[] = {"identity", "medical"};

		if (get(it, "members") &&
		    json_object_is_type(get(it, "members"), json_type_int))
			continue; /* archives: their members are compared */
		f->path = str_of(it, "path");
		f->shape = shape_of(f->path);
		f->o = it;
		f->persons = u64_of(get(it, "persons"), "count");
		f->records = u64_of(it, "records");
		f->severity = sev ? bsc_severity_from_name(sev) : 0;
		f->match = -1;
		for (size_t l = 0; l < 2; l++) {
			json_object *a = get(it, lists[l]);

			for (size_t k = 0; a && k < json_object_array_length(a);
			     k++) {
				int b = name_bit(nm, json_object_get_string(
							     json_object_array_get_idx(
								     a, k)));

				if (b >= 0)
					f->mask |= 1ull << b;
			}
		}
		sd->n++;
	}
}

/* Match by path, then by unique shape. */
static void
match(struct side *a, struct side *b)
{
	for (size_t i = 0; i < a->n; i++)
		for (size_t j = 0; j < b->n && a->f[i].match < 0; j++)
			if (b->f[j].match < 0 && !strcmp(a->f[i].path, b->f[j].path)) {
				a->f[i].match = (long)j;
				b->f[j].match = (long)i;
			}
	for (size_t i = 0; i < a->n; i++) {
		long hit = -1;
		size_t same = 0;

		if (a->f[i].match >= 0)
			continue;
		for (size_t k = 0; k < a->n; k++)
			same += a->f[k].match < 0 &&
				!strcmp(a->f[k].shape, a->f[i].shape);
		for (size_t j = 0; j < b->n; j++)
			if (b->f[j].match < 0 &&
			    !strcmp(a->f[i].shape, b->f[j].shape)) {
				if (hit >= 0)
					same = 2;
				hit = (long)j;
			}
		if (hit >= 0 && same == 1) {
			a->f[i].match = hit;
			b->f[hit].match = (long)i;
		}
	}
}

/* Where category cat is in item o: "header (col N)" of its first finding,
 * or NULL. */
static const char *
where(json_object *o, const char *cat, unsigned *col)
{
	json_object *fa = get(o, "findings");

	for (size_t i = 0; fa && i < json_object_array_length(fa); i++) {
		json_object *f = json_object_array_get_idx(fa, i);
		const char *c = str_of(f, "category");

		if (c && !strcmp(c, cat)) {
			*col = (unsigned)u64_of(get(f, "location"), "column");
			return str_of(get(f, "location"), "header");
		}
	}
	return NULL;
}

static json_object *
cats_json(const struct names *nm, uint64_t mask)
{
	json_object *a = json_object_new_array();

	for (size_t i = 0; i < nm->n; i++)
		if (mask & (1ull << i))
			json_object_array_add(a, json_object_new_string(nm->v[i]));
	return a;
}

static void
folder_of(const char *path, char *buf, size_t len)
{
	const char *s = strrchr(path, '/');
	char *shape;

	if (!s) {
		snprintf(buf, len, "./");
		return;
	}
	shape = bsc_asprintf("%.*s/", (int)(s - path), path);
	snprintf(buf, len, "%s", shape);
	free(shape);
}

struct folder {
	char key[512];
	uint64_t before, after;
};

static void
folder_add(struct bsc_vec *v, const char *path, uint64_t persons, bool after)
{
	char key[512];
	struct folder *f = NULL;

	folder_of(path, key, sizeof(key));
	for (size_t i = 0; i < v->n && !f; i++)
		if (!strcmp(((struct folder *)v->v[i])->key, key))
			f = v->v[i];
	if (!f) {
		f = bsc_zalloc(sizeof(*f));
		snprintf(f->key, sizeof(f->key), "%s", key);
		bsc_vec_push(v, f);
	}
	if (after)
		f->after += persons;
	else
		f->before += persons;
}

static json_object *
diff_json(struct side *a, struct side *b, const struct names *nm,
	  struct bsc_vec *folders, bool *grew)
{
	json_object *root = json_object_new_object();
	json_object *added = json_object_new_array();
	json_object *removed = json_object_new_array();
	json_object *changed = json_object_new_array();
	json_object *fold = json_object_new_array();

	for (size_t j = 0; j < b->n; j++) {
		struct file *f = &b->f[j];
		json_object *o;

		folder_add(folders, f->path, f->persons, true);
		if (f->match >= 0 || !f->mask)
			continue;
		o = json_object_new_object();
		json_object_object_add(o, "path", json_object_new_string(f->path));
		json_object_object_add(o, "categories", cats_json(nm, f->mask));
		json_object_object_add(o, "persons",
				       json_object_new_int64((int64_t)f->persons));
		json_object_array_add(added, o);
		*grew = true;
	}
	for (size_t i = 0; i < a->n; i++) {
		struct file *f = &a->f[i], *g;
		json_object *o, *moved;
		uint64_t gained, lost;

		folder_add(folders, f->path, f->persons, false);
		if (f->match < 0) {
			if (!f->mask)
				continue;
			o = json_object_new_object();
			json_object_object_add(o, "path",
					       json_object_new_string(f->path));
			json_object_object_add(o, "categories",
					       cats_json(nm, f->mask));
			json_object_array_add(removed, o);
			continue;
		}
		g = &b->f[f->match];
		gained = g->mask & ~f->mask;
		lost = f->mask & ~g->mask;
		moved = json_object_new_array();
		for (size_t c = 0; c < nm->n; c++) {
			unsigned c1 = 0, c2 = 0;
			const char *h1, *h2;

			if (!(f->mask & g->mask & (1ull << c)))
				continue;
			h1 = where(f->o, nm->v[c], &c1);
			h2 = where(g->o, nm->v[c], &c2);
			if (c1 != c2 || (h1 && h2 && strcmp(h1, h2))) {
				json_object *m = json_object_new_object();

				json_object_object_add(
					m, "category",
					json_object_new_string(nm->v[c]));
				json_object_object_add(
					m, "from",
					json_object_new_string(h1 ? h1 : ""));
				json_object_object_add(
					m, "to", json_object_new_string(h2 ? h2 : ""));
				json_object_array_add(moved, m);
			}
		}
		if (!gained && !lost && f->persons == g->persons &&
		    f->severity == g->severity &&
		    !json_object_array_length(moved)) {
			json_object_put(moved);
			continue;
		}
		if (gained || g->persons > f->persons || g->severity > f->severity)
			*grew = true;
		o = json_object_new_object();
		json_object_object_add(o, "old_path",
				       json_object_new_string(f->path));
		json_object_object_add(o, "path", json_object_new_string(g->path));
		json_object_object_add(o, "gained", cats_json(nm, gained));
		json_object_object_add(o, "lost", cats_json(nm, lost));
		json_object_object_add(o, "persons_before",
				       json_object_new_int64((int64_t)f->persons));
		json_object_object_add(o, "persons_after",
				       json_object_new_int64((int64_t)g->persons));
		json_object_object_add(
			o, "severity_before",
			json_object_new_string(bsc_severity_name(f->severity)));
		json_object_object_add(
			o, "severity_after",
			json_object_new_string(bsc_severity_name(g->severity)));
		json_object_object_add(o, "moved", moved);
		json_object_array_add(changed, o);
	}
	for (size_t i = 0; i < folders->n; i++) {
		struct folder *f = folders->v[i];
		json_object *o;

		if (f->before == f->after)
			continue;
		o = json_object_new_object();
		json_object_object_add(o, "folder", json_object_new_string(f->key));
		json_object_object_add(o, "persons_before",
				       json_object_new_int64((int64_t)f->before));
		json_object_object_add(o, "persons_after",
				       json_object_new_int64((int64_t)f->after));
		json_object_array_add(fold, o);
		if (f->after > f->before)
			*grew = true;
	}
	json_object_object_add(root, "schema",
			       json_object_new_string("breachscope.diff/1"));
	json_object_object_add(root, "grew", json_object_new_boolean(*grew));
	json_object_object_add(root, "new", added);
	json_object_object_add(root, "removed", removed);
	json_object_object_add(root, "changed", changed);
	json_object_object_add(root, "folders", fold);
	return root;
}

static void
text_list(FILE *out, json_object *a)
{
	for (size_t i = 0; i < json_object_array_length(a); i++)
		fprintf(out, "%s%s", i ? ", " : "",
			json_object_get_string(json_object_array_get_idx(a, i)));
}

static void
write_text(FILE *out, json_object *d)
{
	json_object *a;

	fprintf(out, "Exposure %s\n",
		json_object_get_boolean(get(d, "grew")) ? "GREW" : "did not grow");
	a = get(d, "new");
	fprintf(out, "\nNew files with data (%zu):\n", json_object_array_length(a));
	for (size_t i = 0; i < json_object_array_length(a); i++) {
		json_object *o = json_object_array_get_idx(a, i);

		fprintf(out, "  + %s: ", str_of(o, "path"));
		text_list(out, get(o, "categories"));
		fprintf(out, "; %" PRIu64 " persons\n", u64_of(o, "persons"));
	}
	a = get(d, "removed");
	fprintf(out, "\nFiles with data gone (%zu):\n",
		json_object_array_length(a));
	for (size_t i = 0; i < json_object_array_length(a); i++) {
		json_object *o = json_object_array_get_idx(a, i);

		fprintf(out, "  - %s: ", str_of(o, "path"));
		text_list(out, get(o, "categories"));
		fprintf(out, "\n");
	}
	a = get(d, "changed");
	fprintf(out, "\nChanged (%zu):\n", json_object_array_length(a));
	for (size_t i = 0; i < json_object_array_length(a); i++) {
		json_object *o = json_object_array_get_idx(a, i);
		json_object *mv = get(o, "moved");

		fprintf(out, "  ~ %s", str_of(o, "path"));
		if (strcmp(str_of(o, "path"), str_of(o, "old_path")))
			fprintf(out, " (was %s)", str_of(o, "old_path"));
		fprintf(out, ": persons %" PRIu64 " -> %" PRIu64
			     ", severity %s -> %s",
			u64_of(o, "persons_before"), u64_of(o, "persons_after"),
			str_of(o, "severity_before"), str_of(o, "severity_after"));
		if (json_object_array_length(get(o, "gained"))) {
			fprintf(out, "; gained ");
			text_list(out, get(o, "gained"));
		}
		if (json_object_array_length(get(o, "lost"))) {
			fprintf(out, "; lost ");
			text_list(out, get(o, "lost"));
		}
		for (size_t k = 0; k < json_object_array_length(mv); k++) {
			json_object *m = json_object_array_get_idx(mv, k);

			fprintf(out, "; %s moved from '%s' to '%s'",
				str_of(m, "category"), str_of(m, "from"),
				str_of(m, "to"));
		}
		fprintf(out, "\n");
	}
	a = get(d, "folders");
	fprintf(out, "\nPersons by folder (%zu changed):\n",
		json_object_array_length(a));
	for (size_t i = 0; i < json_object_array_length(a); i++) {
		json_object *o = json_object_array_get_idx(a, i);

		fprintf(out, "  %s: %" PRIu64 " -> %" PRIu64 "\n",
			str_of(o, "folder"), u64_of(o, "persons_before"),
			u64_of(o, "persons_after"));
	}
}

/* Text into HTML, escaped. */
static void
esc(FILE *out, const char *s)
{
	for (; s && *s; s++)
		switch (*s) {
		case '&':
			fputs("&amp;", out);
			break;
		case '<':
			fputs("&lt;", out);
			break;
		case '>':
			fputs("&gt;", out);
			break;
		case '"':
			fputs("&quot;", out);
			break;
		default:
			fputc(*s, out);
		}
}

static void
esc_list(FILE *out, json_object *a)
{
	for (size_t i = 0; i < json_object_array_length(a); i++) {
		fputs(i ? ", " : "", out);
		esc(out, json_object_get_string(json_object_array_get_idx(a, i)));
	}
}

/* One self-contained page (inline CSS, no script, nothing fetched). */
static void
write_html(FILE *out, json_object *d, bool fr)
{
	json_object *a;
	bool grew = json_object_get_boolean(get(d, "grew"));

	fprintf(out, "<!DOCTYPE html>\n<html lang=\"%s\"><head><meta "
		     "charset=\"utf-8\"><title>%s</title><style>body{font:14px "
		     "system-ui,sans-serif;max-width:1100px;margin:auto;padding:"
		     "16px}table{border-collapse:collapse}td,th{border:1px solid "
		     "#ccd;padding:3px 6px;text-align:left}.g{color:#b3001b}"
		     "</style></head><body>\n",
		fr ? "fr" : "en",
		fr ? "Comparaison d'audits" : "Audit comparison");
	fprintf(out, "<h1 id=\"verdict\" data-grew=\"%d\"%s>%s</h1>\n", grew,
		grew ? " class=\"g\"" : "",
		grew ? (fr ? "L'exposition a augmenté" : "Exposure grew")
		     : (fr ? "L'exposition n'a pas augmenté"
			   : "Exposure did not grow"));
	a = get(d, "new");
	fprintf(out, "<h2>%s (%zu)</h2><table id=\"new\">\n",
		fr ? "Nouveaux fichiers avec des données" : "New files with data",
		json_object_array_length(a));
	for (size_t i = 0; i < json_object_array_length(a); i++) {
		json_object *o = json_object_array_get_idx(a, i);

		fputs("<tr><td>", out);
		esc(out, str_of(o, "path"));
		fputs("</td><td>", out);
		esc_list(out, get(o, "categories"));
		fprintf(out, "</td><td>%" PRIu64 "</td></tr>\n",
			u64_of(o, "persons"));
	}
	a = get(d, "removed");
	fprintf(out, "</table><h2>%s (%zu)</h2><table id=\"removed\">\n",
		fr ? "Fichiers avec des données disparus" : "Files with data gone",
		json_object_array_length(a));
	for (size_t i = 0; i < json_object_array_length(a); i++) {
		json_object *o = json_object_array_get_idx(a, i);

		fputs("<tr><td>", out);
		esc(out, str_of(o, "path"));
		fputs("</td><td>", out);
		esc_list(out, get(o, "categories"));
		fputs("</td></tr>\n", out);
	}
	a = get(d, "changed");
	fprintf(out, "</table><h2>%s (%zu)</h2><table id=\"changed\"><tr><th>%s"
		     "</th><th>%s</th><th>%s</th><th>%s</th><th>%s</th><th>%s"
		     "</th></tr>\n",
		fr ? "Modifiés" : "Changed", json_object_array_length(a),
		fr ? "Fichier (avant)" : "File (before)",
		fr ? "Personnes" : "Persons", fr ? "Gravité" : "Severity",
		fr ? "Catégories gagnées" : "Gained",
		fr ? "Catégories perdues" : "Lost",
		fr ? "Colonnes déplacées" : "Moved columns");
	for (size_t i = 0; i < json_object_array_length(a); i++) {
		json_object *o = json_object_array_get_idx(a, i);
		json_object *mv = get(o, "moved");

		fputs("<tr><td>", out);
		esc(out, str_of(o, "path"));
		if (strcmp(str_of(o, "path"), str_of(o, "old_path"))) {
			fputs(" (", out);
			esc(out, str_of(o, "old_path"));
			fputs(")", out);
		}
		fprintf(out, "</td><td>%" PRIu64 " → %" PRIu64 "</td><td>%s → %s"
			     "</td><td class=\"g\">",
			u64_of(o, "persons_before"), u64_of(o, "persons_after"),
			str_of(o, "severity_before"), str_of(o, "severity_after"));
		esc_list(out, get(o, "gained"));
		fputs("</td><td>", out);
		esc_list(out, get(o, "lost"));
		fputs("</td><td>", out);
		for (size_t k = 0; k < json_object_array_length(mv); k++) {
			json_object *m = json_object_array_get_idx(mv, k);

			fputs(k ? "; " : "", out);
			esc(out, str_of(m, "category"));
			fputs(": ", out);
			esc(out, str_of(m, "from"));
			fputs(" → ", out);
			esc(out, str_of(m, "to"));
		}
		fputs("</td></tr>\n", out);
	}
	a = get(d, "folders");
	fprintf(out, "</table><h2>%s</h2><table id=\"folders\">\n",
		fr ? "Personnes par dossier" : "Persons by folder");
	for (size_t i = 0; i < json_object_array_length(a); i++) {
		json_object *o = json_object_array_get_idx(a, i);

		fputs("<tr><td>", out);
		esc(out, str_of(o, "folder"));
		fprintf(out, "</td><td>%" PRIu64 " → %" PRIu64 "</td></tr>\n",
			u64_of(o, "persons_before"), u64_of(o, "persons_after"));
	}
	fputs("</table></body></html>\n", out);
}

int
bsc_diff_reports(struct bsc_ctx *ctx, const char *old_path,
		 const char *new_path, const char *format, const char *lang,
		 FILE *out)
{
	json_object *d1 = bsc_report_load(ctx, old_path);
	json_object *d2 = d1 ? bsc_report_load(ctx, new_path) : NULL;
	struct side a = {0}, b = {0};
	struct names nm = {0};
	struct bsc_vec folders = {0};
	json_object *d;
	bool grew = false;
	int rc;

	if (!d2) {
		bsc_report_unload(d1);
		return BSC_EXIT_USAGE;
	}
	load_side(d1, &a, &nm);
	load_side(d2, &b, &nm);
	match(&a, &b);
	d = diff_json(&a, &b, &nm, &folders, &grew);
	if (!strcmp(format, "json"))
		fprintf(out, "%s\n",
			json_object_to_json_string_ext(
				d, JSON_C_TO_STRING_PRETTY |
					   JSON_C_TO_STRING_SPACED |
					   JSON_C_TO_STRING_NOSLASHESCAPE));
	else if (!strcmp(format, "html"))
		write_html(out, d, lang && !strcmp(lang, "fr"));
	else
		write_text(out, d);
	rc = grew ? 1 : 0;
	if (fflush(out) == EOF || ferror(out)) {
		bsc_errorf(ctx, "diff: cannot write the output");
		rc = BSC_EXIT_USAGE;
	}
	json_object_put(d);
	for (size_t i = 0; i < a.n; i++)
		free(a.f[i].shape);
	for (size_t i = 0; i < b.n; i++)
		free(b.f[i].shape);
	free(a.f);
	free(b.f);
	for (size_t i = 0; i < folders.n; i++)
		free(folders.v[i]);
	bsc_vec_release(&folders);
	bsc_report_unload(d1);
	bsc_report_unload(d2);
	return rc;
}
