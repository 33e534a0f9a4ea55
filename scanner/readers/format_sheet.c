/*
 * format_sheet.c - the spreadsheet reader: XLSX/XLSM (OOXML) and ODS
 * (OpenDocument). The file is a zip, but it is not expanded as an archive
 * whose XML parts are scanned as generic XML (cell references such as
 * B20 are not data): it is read as a workbook, each sheet a sub-item
 * ("book.xlsx!/Patients", sheet.c), one record per non-empty row, the
 * header row decided as for CSV.
 *
 * XLSX: a first pass reads the shared strings (bounded by --max-document),
 * the sheet names and the date styles; a second streams each worksheet.
 * Cells are shared strings, inline strings, formula strings and numbers;
 * a number styled as a date (built-in or custom date format) is converted
 * from its serial (1900 or 1904 system) to YYYY-MM-DD, so that birth-date
 * rules see a date. ODS: content.xml is streamed; a date cell gives its
 * office:date-value, repeated rows and columns are expanded (empty ones
 * cost nothing: a million empty rows are skipped, not emitted).
 * package.c does the zip and the hardened XML.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "format.h"
#include "package.h"
#include "sheet.h"

#define ODS_MIME "application/vnd.oasis.opendocument.spreadsheet"
/* Styles (cellXfs) and custom number formats kept. */
#define MAX_XF 65536

static bool
is_zip(const struct bsc_sniff *s)
{
	return s->raw_len >= 4 && !memcmp(s->raw, "PK\003\004", 4);
}

static bool
head_has(const struct bsc_sniff *s, const char *what)
{
	return memmem(s->raw, s->raw_len, what, strlen(what)) != NULL;
}

/*
 * A zip that opens with an OOXML content-types part and names xl/ parts,
 * or an ODF mimetype of a spreadsheet; the extension alone is weaker
 * evidence. 90 outbids everything: the container stage asks first.
 */
static int
sheet_bid(const struct bsc_sniff *s)
{
	bool ext = !strcmp(s->ext, "xlsx") || !strcmp(s->ext, "xlsm") ||
		   !strcmp(s->ext, "ods");

	if (!is_zip(s))
		return -1;
	if (bsc_package_sniff(s->raw, s->raw_len, "mimetype", ODS_MIME))
		return 90;
	if (bsc_package_sniff(s->raw, s->raw_len, "[Content_Types].xml",
			      NULL) &&
	    (head_has(s, "xl/workbook") || head_has(s, "xl/worksheets/") ||
	     ext))
		return 90;
	return ext && !head_has(s, "word/") && !head_has(s, "ppt/") ? 85 : -1;
}

/* ---- text accumulation ------------------------------------------------ */

struct text {
	struct bsc_buf b;
	bool on;
	bool cut;
};

static void
text_add(struct text *t, const char *s, size_t len)
{
	if (!t->on || t->cut)
		return;
	if (!bsc_buf_add(&t->b, s, len)) {
		bsc_buf_add(&t->b, s, t->b.max - t->b.len);
		t->cut = true;
	}
}

/* ---- dates ------------------------------------------------------------ */

/* Civil date from days since 1970-01-01 (H. Hinnant's algorithm). */
static void
civil(long long z, int *y, unsigned *m, unsigned *d)
{
	long long era, yoe, doy, mp;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	yoe = z - era * 146097;
	yoe = (yoe - yoe / 1460 + yoe / 36524 - yoe / 146096) / 365;
	doy = z - era * 146097 - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = (unsigned)(doy - (153 * mp + 2) / 5 + 1);
	*m = (unsigned)(mp < 10 ? mp + 3 : mp - 9);
	*y = (int)(yoe + era * 400 + (*m <= 2));
}

/*
 * An Excel serial as YYYY-MM-DD in out (11 bytes). 1900 system: day 1 is
 * 1900-01-01 and day 60 the 29 February 1900 that never was; 1904
 * system: day 0 is 1904-01-01. False when not a plausible date.
 */
static bool
serial_date(const char *v, bool d1904, char out[11])
{
	char *end;
	double x = strtod(v, &end);
	long long days;
	int y;
	unsigned m, d;

	if (end == v || *end || !isfinite(x) || x < 1 || x > 2958465)
		return false;
	days = (long long)floor(x);
	if (d1904)
		days += -24107; /* 1904-01-01 from 1970-01-01 */
	else
		days += days < 60 ? -25568 : -25569; /* 1899-12-31 / -30 */
	civil(days, &y, &m, &d);
	snprintf(out, 11, "%04d-%02u-%02u", y, m, d);
	return true;
}

/* Is a custom number format a date? A d or y outside quotes and [...]. */
static bool
format_is_date(const char *code)
{
	bool q = false, br = false;

	for (const char *p = code; *p; p++) {
		if (*p == '"')
			q = !q;
		else if (!q && *p == '[')
			br = true;
		else if (!q && *p == ']')
			br = false;
		else if (!q && !br && *p == '\\' && p[1])
			p++;
		else if (!q && !br && strchr("dDyY", *p))
			return true;
	}
	return false;
}

static bool
builtin_date(unsigned id)
{
	return (id >= 14 && id <= 22) || (id >= 27 && id <= 36) ||
	       (id >= 45 && id <= 47) || (id >= 50 && id <= 58);
}

/* ---- XLSX ------------------------------------------------------------- */

struct sheet_ref {
	char *name, *rid, *target;
};

struct xlsx {
	struct bsc_reader *r;
	struct bsc_package *pkg;
	/* pass 1 */
	char **sst;
	size_t nsst;
	size_t sst_bytes;
	bool sst_over;
	struct text si;
	bool in_rph;
	struct sheet_ref *sheets;
	size_t nsheets;
	bool d1904;
	unsigned *date_fmts; /* custom numFmtIds that are dates */
	size_t ndate_fmts;
	bool *xf_date;       /* by cellXfs index */
	size_t nxf;
	bool in_xfs;
	enum { P_NONE, P_SST, P_BOOK, P_RELS, P_STYLES, P_SHEET } part;
	/* pass 2 */
	struct bsc_sheet *sh;
	unsigned long row;
	size_t col;
	char ctype[16];
	long style;
	struct text v;
	bool in_is;
	bool fatal;
	unsigned long long sst_missing;
};

static void
x_start(void *data, const char *name, const char **attrs)
{
	struct xlsx *x = data;
	const char *a;

	switch (x->part) {
	case P_SST:
		if (!strcmp(name, "si")) {
			bsc_buf_reset(&x->si.b);
			x->si.cut = false;
		} else if (!strcmp(name, "rPh")) {
			x->in_rph = true;
		} else if (!strcmp(name, "t") && !x->in_rph) {
			x->si.on = true;
		}
		return;
	case P_BOOK:
		if (!strcmp(name, "sheet") &&
		    x->nsheets < x->r->limits->max_members) {
			struct sheet_ref *s;

			x->sheets = bsc_reallocarray(x->sheets, x->nsheets + 1,
						     sizeof(*x->sheets));
			s = &x->sheets[x->nsheets++];
			a = bsc_package_attr(attrs, "name");
			s->name = bsc_strdup(a ? a : "sheet");
			a = bsc_package_attr(attrs, "id");
			s->rid = a ? bsc_strdup(a) : NULL;
			s->target = NULL;
		} else if (!strcmp(name, "workbookPr")) {
			a = bsc_package_attr(attrs, "date1904");
			x->d1904 = a && (!strcmp(a, "1") || !strcmp(a, "true"));
		}
		return;
	case P_RELS:
		if (!strcmp(name, "Relationship")) {
			const char *id = bsc_package_attr(attrs, "Id");
			const char *t = bsc_package_attr(attrs, "Target");

			for (size_t i = 0; id && t && i < x->nsheets; i++)
				if (x->sheets[i].rid &&
				    !strcmp(x->sheets[i].rid, id)) {
					free(x->sheets[i].target);
					x->sheets[i].target = bsc_strdup(t);
				}
		}
		return;
	case P_STYLES:
		if (!strcmp(name, "numFmt")) {
			const char *id = bsc_package_attr(attrs, "numFmtId");
			const char *code =
			    bsc_package_attr(attrs, "formatCode");

			if (id && code && format_is_date(code) &&
			    x->ndate_fmts < MAX_XF) {
				x->date_fmts = bsc_reallocarray(
				    x->date_fmts, x->ndate_fmts + 1,
				    sizeof(unsigned));
				x->date_fmts[x->ndate_fmts++] =
				    (unsigned)strtoul(id, NULL, 10);
			}
		} else if (!strcmp(name, "cellXfs")) {
			x->in_xfs = true;
		} else if (!strcmp(name, "xf") && x->in_xfs &&
			   x->nxf < MAX_XF) {
			unsigned id;
			bool date;

			a = bsc_package_attr(attrs, "numFmtId");
			id = a ? (unsigned)strtoul(a, NULL, 10) : 0;
			date = builtin_date(id);
			for (size_t i = 0; !date && i < x->ndate_fmts; i++)
				date = x->date_fmts[i] == id;
			x->xf_date = bsc_reallocarray(x->xf_date, x->nxf + 1,
						      sizeof(bool));
			x->xf_date[x->nxf++] = date;
		}
		return;
	case P_SHEET:
		if (!strcmp(name, "row")) {
			a = bsc_package_attr(attrs, "r");
			x->row = a ? strtoul(a, NULL, 10) : x->row + 1;
			x->col = 0;
			bsc_sheet_row(x->sh, x->row);
		} else if (!strcmp(name, "c")) {
			a = bsc_package_attr(attrs, "r");
			if (a) {
				size_t c = 0;

				for (; *a >= 'A' && *a <= 'Z' && c < 1u << 20;
				     a++)
					c = c * 26 + (size_t)(*a - 'A' + 1);
				x->col = c ? c - 1 : x->col;
			}
			a = bsc_package_attr(attrs, "t");
			snprintf(x->ctype, sizeof(x->ctype), "%s", a ? a : "n");
			a = bsc_package_attr(attrs, "s");
			x->style = a ? strtol(a, NULL, 10) : -1;
			bsc_buf_reset(&x->v.b);
			x->v.cut = false;
		} else if (!strcmp(name, "v")) {
			x->v.on = true;
		} else if (!strcmp(name, "is")) {
			x->in_is = true;
		} else if (!strcmp(name, "rPh")) {
			x->in_rph = true;
		} else if (!strcmp(name, "t") && x->in_is && !x->in_rph) {
			x->v.on = true;
		}
		return;
	case P_NONE:
		return;
	}
}

/* The value of the cell just closed. */
static void
x_cell(struct xlsx *x)
{
	const char *v = x->v.b.data ? x->v.b.data : "";
	size_t len = x->v.b.len;
	char date[11];

	if (!strcmp(x->ctype, "s")) {
		char *end;
		unsigned long i = strtoul(v, &end, 10);

		if (end == v || i >= x->nsst) {
			x->sst_missing++;
			return;
		}
		v = x->sst[i];
		len = strlen(v);
	} else if (!strcmp(x->ctype, "b") || !strcmp(x->ctype, "e")) {
		return;
	} else if (!strcmp(x->ctype, "n") && x->style >= 0 &&
		   (size_t)x->style < x->nxf && x->xf_date[x->style] &&
		   serial_date(v, x->d1904, date)) {
		v = date;
		len = strlen(date);
	}
	if (x->v.cut && v == x->v.b.data) /* said cut: max_field + 1 */
		bsc_sheet_cell(x->sh, x->col, v, x->r->limits->max_field + 1);
	else
		bsc_sheet_cell(x->sh, x->col, v, len);
}

static void
x_end(void *data, const char *name)
{
	struct xlsx *x = data;

	if (x->part == P_SST) {
		if (!strcmp(name, "t"))
			x->si.on = false;
		else if (!strcmp(name, "rPh"))
			x->in_rph = false;
		else if (!strcmp(name, "si")) {
			size_t n = x->si.b.len;

			if (x->sst_bytes + n > x->r->limits->max_document) {
				x->sst_over = true;
				bsc_package_stop_part(x->pkg);
				return;
			}
			x->sst = bsc_reallocarray(x->sst, x->nsst + 1,
						  sizeof(char *));
			x->sst[x->nsst] = bsc_zalloc(n + 1);
			if (n)
				memcpy(x->sst[x->nsst], x->si.b.data, n);
			x->nsst++;
			x->sst_bytes += n + sizeof(char *);
		}
	} else if (x->part == P_STYLES && !strcmp(name, "cellXfs")) {
		x->in_xfs = false;
	} else if (x->part == P_SHEET) {
		if (!strcmp(name, "v") || !strcmp(name, "t"))
			x->v.on = false;
		else if (!strcmp(name, "is"))
			x->in_is = false;
		else if (!strcmp(name, "rPh"))
			x->in_rph = false;
		else if (!strcmp(name, "c")) {
			x_cell(x);
			x->col++;
		} else if (!strcmp(name, "row"))
			bsc_sheet_row_end(x->sh, 1);
	}
}

static void
x_text(void *data, const char *s, size_t len)
{
	struct xlsx *x = data;

	if (x->part == P_SST)
		text_add(&x->si, s, len);
	else if (x->part == P_SHEET)
		text_add(&x->v, s, len);
}

static bool
x_want1(void *data, const char *name)
{
	struct xlsx *x = data;

	if (!strcmp(name, "xl/sharedStrings.xml"))
		x->part = P_SST;
	else if (!strcmp(name, "xl/workbook.xml"))
		x->part = P_BOOK;
	else if (!strcmp(name, "xl/_rels/workbook.xml.rels"))
		x->part = P_RELS;
	else if (!strcmp(name, "xl/styles.xml"))
		x->part = P_STYLES;
	else
		return false;
	return true;
}

/* End the sheet being read, with the package's reason if it failed. */
static void
x_sheet_end(struct xlsx *x, const char *reason)
{
	char buf[300];

	if (!x->sh)
		return;
	if (!reason && x->sst_missing) {
		snprintf(buf, sizeof(buf),
			 "%llu cell(s) refer to shared strings that were not "
			 "read%s",
			 x->sst_missing,
			 x->sst_over ? " (over --max-document)" : "");
		reason = buf;
	}
	if (bsc_sheet_end(x->sh, reason) == BSC_FATAL)
		x->fatal = true;
	x->sh = NULL;
	x->sst_missing = 0;
}

/* The sheet name of worksheet part path ("xl/worksheets/sheet1.xml"). */
static const char *
sheet_name(const struct xlsx *x, const char *path)
{
	const char *base = strrchr(path, '/');

	for (size_t i = 0; i < x->nsheets; i++) {
		const char *t = x->sheets[i].target;
		size_t tl, pl = strlen(path);

		if (!t)
			continue;
		if (t[0] == '/')
			t++;
		tl = strlen(t);
		/* relative to xl/, or absolute */
		if (!strcmp(t, path) ||
		    (pl == tl + 3 && !strncmp(path, "xl/", 3) &&
		     !strcmp(path + 3, t)))
			return x->sheets[i].name;
	}
	return base ? base + 1 : path;
}

static bool
x_want2(void *data, const char *name)
{
	struct xlsx *x = data;
	size_t n = strlen(name);

	x_sheet_end(x, NULL);
	if (x->fatal || strncmp(name, "xl/worksheets/", 14) || n < 5 ||
	    strcmp(name + n - 4, ".xml") || strchr(name + 14, '/'))
		return false;
	x->part = P_SHEET;
	x->row = 0;
	x->sh = bsc_sheet_begin(x->r, sheet_name(x, name), "xlsx");
	if (!x->sh)
		x->fatal = true;
	return x->sh != NULL;
}

static bsc_status
read_xlsx(struct bsc_reader *r, struct bsc_package *pkg)
{
	struct xlsx x = {.r = r, .pkg = pkg};
	struct bsc_part_ops ops = {x_start, x_end, x_text, &x};
	bsc_status ret = BSC_OK;
	bool ok;

	bsc_buf_init(&x.si.b, r->limits->max_field);
	bsc_buf_init(&x.v.b, r->limits->max_field);
	ok = bsc_package_each(pkg, x_want1, &x, &ops);
	if (ok)
		ok = bsc_package_each(pkg, x_want2, &x, &ops);
	x_sheet_end(&x, ok ? NULL : bsc_package_error(pkg));
	if (!ok)
		ret = bsc_reader_fail(r, r->members ? BSC_WARN : BSC_FAILED,
				      "%s", bsc_package_error(pkg));
	else if (x.sst_over)
		ret = bsc_reader_fail(r, BSC_WARN,
				      "shared strings over --max-document: "
				      "the cells using the rest were not read");
	for (size_t i = 0; i < x.nsst; i++)
		free(x.sst[i]);
	free(x.sst);
	for (size_t i = 0; i < x.nsheets; i++) {
		free(x.sheets[i].name);
		free(x.sheets[i].rid);
		free(x.sheets[i].target);
	}
	free(x.sheets);
	free(x.date_fmts);
	free(x.xf_date);
	bsc_buf_free(&x.si.b);
	bsc_buf_free(&x.v.b);
	return ret;
}

/* ---- ODS -------------------------------------------------------------- */

struct ods {
	struct bsc_reader *r;
	struct bsc_sheet *sh;
	unsigned long row, row_repeat;
	size_t col, col_repeat;
	bool in_cell, in_p, cell_cut;
	int sheet_depth; /* nested tables are read as part of theirs */
	char vtype[16];
	char value[64];
	struct text t;
	bool fatal;
};

static unsigned long
attr_ul(const char **attrs, const char *name, unsigned long dflt)
{
	const char *a = bsc_package_attr(attrs, name);
	unsigned long v = a ? strtoul(a, NULL, 10) : dflt;

	return v ? v : dflt;
}

static void
o_start(void *data, const char *name, const char **attrs)
{
	struct ods *o = data;
	const char *a;

	if (!strcmp(name, "table")) {
		if (o->sheet_depth++ || o->fatal)
			return;
		a = bsc_package_attr(attrs, "name");
		o->sh = bsc_sheet_begin(o->r, a ? a : "sheet", "ods");
		o->row = 0;
		if (!o->sh)
			o->fatal = true;
	} else if (!o->sh) {
		return;
	} else if (!strcmp(name, "table-row")) {
		o->row_repeat = attr_ul(attrs, "number-rows-repeated", 1);
		o->col = 0;
		bsc_sheet_row(o->sh, o->row + 1);
	} else if (!strcmp(name, "table-cell") ||
		   !strcmp(name, "covered-table-cell")) {
		o->col_repeat = attr_ul(attrs, "number-columns-repeated", 1);
		a = bsc_package_attr(attrs, "value-type");
		snprintf(o->vtype, sizeof(o->vtype), "%s", a ? a : "");
		a = bsc_package_attr(attrs, "date-value");
		if (!a)
			a = bsc_package_attr(attrs, "value");
		snprintf(o->value, sizeof(o->value), "%s", a ? a : "");
		bsc_buf_reset(&o->t.b);
		o->t.cut = false;
		o->in_cell = true;
	} else if (o->in_cell && !strcmp(name, "p")) {
		if (o->t.b.len)
			text_add(&o->t, "\n", 1);
		o->t.on = true;
	} else if (o->in_cell && !strcmp(name, "s")) {
		unsigned long n = attr_ul(attrs, "c", 1);

		while (n-- && n < 64)
			text_add(&o->t, " ", 1);
	} else if (o->in_cell && !strcmp(name, "tab")) {
		text_add(&o->t, "\t", 1);
	} else if (o->in_cell && !strcmp(name, "line-break")) {
		text_add(&o->t, "\n", 1);
	}
}

/* The value of the cell just closed, repeated as ODS says. */
static void
o_cell(struct ods *o)
{
	const char *v = o->t.b.data ? o->t.b.data : "";
	size_t len = o->t.b.len;
	size_t max = o->r->limits->max_columns;

	if (!strcmp(o->vtype, "date") && o->value[0]) {
		v = o->value;
		len = strlen(v) > 10 && v[10] == 'T' ? 10 : strlen(v);
	} else if ((!strcmp(o->vtype, "float") ||
		    !strcmp(o->vtype, "percentage") ||
		    !strcmp(o->vtype, "currency")) &&
		   o->value[0]) {
		v = o->value;
		len = strlen(v);
	}
	if (o->t.cut && v == o->t.b.data) /* said cut: max_field + 1 */
		len = o->r->limits->max_field + 1;
	for (size_t k = 0; len && k < o->col_repeat && o->col + k < max; k++)
		bsc_sheet_cell(o->sh, o->col + k, v, len);
	if (len && o->col + o->col_repeat > max)
		bsc_sheet_cell(o->sh, max, v, len); /* counted as over */
	o->col = o->col + o->col_repeat < o->col ? max
						 : o->col + o->col_repeat;
}

static void
o_end(void *data, const char *name)
{
	struct ods *o = data;

	if (!strcmp(name, "table")) {
		if (--o->sheet_depth || !o->sh)
			return;
		if (bsc_sheet_end(o->sh, NULL) == BSC_FATAL)
			o->fatal = true;
		o->sh = NULL;
	} else if (!o->sh || o->sheet_depth != 1) {
		return;
	} else if (!strcmp(name, "table-row")) {
		bsc_sheet_row_end(o->sh, o->row_repeat);
		o->row += o->row_repeat;
	} else if (!strcmp(name, "table-cell") ||
		   !strcmp(name, "covered-table-cell")) {
		o_cell(o);
		o->in_cell = false;
		o->t.on = false;
	} else if (!strcmp(name, "p")) {
		o->t.on = false;
	}
}

static void
o_text(void *data, const char *s, size_t len)
{
	struct ods *o = data;

	if (o->in_cell)
		text_add(&o->t, s, len);
}

static bool
o_want(void *data, const char *name)
{
	(void)data;
	return !strcmp(name, "content.xml");
}

static bsc_status
read_ods(struct bsc_reader *r, struct bsc_package *pkg)
{
	struct ods o = {.r = r};
	struct bsc_part_ops ops = {o_start, o_end, o_text, &o};
	bsc_status ret = BSC_OK;
	bool ok;

	bsc_buf_init(&o.t.b, r->limits->max_field);
	ok = bsc_package_each(pkg, o_want, &o, &ops);
	if (o.sh && bsc_sheet_end(o.sh, ok ? "the sheet ends early"
					   : bsc_package_error(pkg)) ==
			BSC_FATAL)
		o.fatal = true;
	if (!ok)
		ret = bsc_reader_fail(r, r->members ? BSC_WARN : BSC_FAILED,
				      "%s", bsc_package_error(pkg));
	bsc_buf_free(&o.t.b);
	return ret;
}

static bsc_status
sheet_read(struct bsc_reader *r)
{
	struct bsc_package *pkg = bsc_package_open(r);
	bool ods = bsc_package_sniff(r->sniff->raw, r->sniff->raw_len,
				     "mimetype", ODS_MIME) ||
		   !strcmp(r->sniff->ext, "ods");
	bsc_status ret;

	r->format = ods ? "ods" : "xlsx";
	if (!pkg)
		return BSC_FAILED;
	ret = ods ? read_ods(r, pkg) : read_xlsx(r, pkg);
	bsc_package_free(pkg);
	return ret;
}

const struct bsc_format bsc_format_sheet = {
    .name = "sheet",
    .bid = sheet_bid,
    .read = sheet_read,
};
