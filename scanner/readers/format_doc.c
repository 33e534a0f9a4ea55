/*
 * format_doc.c - the word-processing reader: DOCX/DOCM (OOXML) and ODT
 * (OpenDocument). The file is a zip read as a document (package.c), not
 * an archive of XML parts. Its text is read as the text reader reads a
 * file: paragraphs are lines of free text. A letter is about one person,
 * so the document's paragraphs (body, headers, footers, notes, comments)
 * are one record, as a CDA document is; a data table in it (a header row
 * as CSV would decide it, and at least two data rows) is a table: one
 * record per row, cells named by the header. Other tables (layout, short
 * ones) are text: one line per row, cells separated by tabs.
 * The body is held up to --max-document, then emitted as a record and
 * started again (the note says so).
 */
#include <stdio.h>
#include <string.h>

#include "buf.h"
#include "format.h"
#include "format_csv.h"
#include "package.h"

#define ODT_MIME "application/vnd.oasis.opendocument.text"
/* Rows held before a table is judged data or layout. */
#define HEAD_ROWS 12

struct trow {
	char **cells;
	size_t n;
	unsigned long line;
};

struct doc {
	struct bsc_reader *r;
	struct bsc_package *pkg;
	bool odt;
	unsigned text_slot;
	struct bsc_buf body;      /* paragraphs, '\n'-separated */
	unsigned long long body_splits;
	struct bsc_buf para;      /* the paragraph being read */
	bool in_para, in_t;
	int tbl;                  /* table nesting */
	struct bsc_buf cell;      /* the cell being read (depth 1) */
	bool in_cell;
	struct trow row;          /* the row being read */
	struct trow held[HEAD_ROWS];
	size_t nheld;
	int table_kind;           /* 0 undecided, 1 data, 2 layout */
	char **names;
	size_t nnames;
	unsigned long tables, rows_out;
	unsigned long long cut;
};

static int
doc_bid(const struct bsc_sniff *s)
{
	bool ext = !strcmp(s->ext, "docx") || !strcmp(s->ext, "docm") ||
		   !strcmp(s->ext, "odt");

	if (s->raw_len < 4 || memcmp(s->raw, "PK\003\004", 4))
		return -1;
	if (bsc_package_sniff(s->raw, s->raw_len, "mimetype", ODT_MIME))
		return 90;
	if (bsc_package_sniff(s->raw, s->raw_len, "[Content_Types].xml",
			      NULL) &&
	    (memmem(s->raw, s->raw_len, "word/", 5) || ext))
		return 90;
	return ext ? 85 : -1;
}

static void
add(struct doc *d, struct bsc_buf *b, const char *s, size_t n)
{
	if (!bsc_buf_add(b, s, n)) {
		bsc_buf_add(b, s, b->max - b->len);
		d->cut++;
	}
}

/* ---- the document record ---------------------------------------------- */

static void
body_flush(struct doc *d)
{
	const char *p, *end;

	if (!d->body.len)
		return; /* and data may be NULL: no arithmetic on it */
	p = d->body.data;
	end = p + d->body.len;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);

		if (n)
			bsc_fields_value(d->r->fields, d->text_slot, p, n);
		p += n + 1;
	}
	bsc_fields_end_record(d->r->fields);
	d->r->records++;
	bsc_buf_reset(&d->body);
}

static void
body_line(struct doc *d, const char *s, size_t n)
{
	if (!n)
		return;
	if (n + 1 > d->body.max - d->body.len) {
		body_flush(d);
		d->body_splits++;
	}
	add(d, &d->body, s, n);
	add(d, &d->body, "\n", 1);
}

/* ---- tables ----------------------------------------------------------- */

static void
row_free(struct trow *w)
{
	for (size_t i = 0; i < w->n; i++)
		free(w->cells[i]);
	free(w->cells);
	memset(w, 0, sizeof(*w));
}

/* A row as one text line, cells separated by tabs. */
static void
row_as_line(struct doc *d, const struct trow *w)
{
	struct bsc_buf line;

	bsc_buf_init(&line, d->r->limits->max_record);
	for (size_t i = 0; i < w->n; i++) {
		if (i)
			add(d, &line, "\t", 1);
		add(d, &line, w->cells[i], strlen(w->cells[i]));
	}
	body_line(d, line.data ? line.data : "", line.len);
	bsc_buf_free(&line);
}

static void
row_as_record(struct doc *d, const struct trow *w)
{
	struct bsc_fields *f = d->r->fields;
	size_t max = d->r->limits->max_columns;

	bsc_fields_set_line(f, w->line);
	for (size_t i = 0; i < w->n && i < max; i++) {
		const char *name = i < d->nnames ? d->names[i] : NULL;

		if (w->cells[i][0])
			bsc_fields_value(f,
					 bsc_fields_slot(f, name && *name
								? name
								: NULL,
							 (unsigned)i + 1),
					 w->cells[i], strlen(w->cells[i]));
	}
	bsc_fields_end_record(f);
	d->r->records++;
	d->rows_out++;
}

/* Data or layout? A header row as CSV decides it, and 2+ data rows. */
static void
judge(struct doc *d)
{
	const struct bsc_sniff *sn = d->r->sniff;
	struct bsc_buf tsv;
	struct bsc_csv_dialect dl;
	size_t i = 0;

	d->table_kind = 2;
	if (d->nheld >= 3) {
		bsc_buf_init(&tsv, (size_t)HEAD_ROWS * d->r->limits->max_record);
		for (i = 0; i < d->nheld; i++) {
			for (size_t k = 0; k < d->held[i].n; k++) {
				if (k)
					bsc_buf_addc(&tsv, '\t');
				for (const char *c = d->held[i].cells[k]; *c;
				     c++)
					bsc_buf_addc(&tsv, *c == '\t' || *c == '\n'
							       ? ' '
							       : *c);
			}
			bsc_buf_addc(&tsv, '\n');
		}
		bsc_csv_sniff(tsv.data ? tsv.data : "", tsv.len, true,
			      sn->header_hint, sn->hint_data, &dl);
		bsc_buf_free(&tsv);
		if (dl.delim == '\t' && dl.header)
			d->table_kind = 1;
	}
	if (d->table_kind == 1) {
		d->names = d->held[0].cells;
		d->nnames = d->held[0].n;
		d->held[0].cells = NULL;
		d->held[0].n = 0;
		for (i = 1; i < d->nheld; i++)
			row_as_record(d, &d->held[i]);
	} else {
		for (i = 0; i < d->nheld; i++)
			row_as_line(d, &d->held[i]);
	}
	for (i = 0; i < d->nheld; i++)
		row_free(&d->held[i]);
	d->nheld = 0;
}

static void
table_row_end(struct doc *d)
{
	struct trow *w = &d->row;

	if (!w->n) {
		row_free(w);
		return;
	}
	if (d->table_kind == 1)
		row_as_record(d, w);
	else if (d->table_kind == 2)
		row_as_line(d, w);
	else {
		d->held[d->nheld++] = *w;
		memset(w, 0, sizeof(*w));
		if (d->nheld == HEAD_ROWS)
			judge(d);
		return;
	}
	row_free(w);
}

static void
table_end(struct doc *d)
{
	if (!d->table_kind)
		judge(d);
	for (size_t i = 0; i < d->nnames; i++)
		free(d->names[i]);
	free(d->names);
	d->names = NULL;
	d->nnames = 0;
	d->table_kind = 0;
	d->tables++;
}

/* ---- XML events ------------------------------------------------------- */

static bool
is_para(const struct doc *d, const char *n)
{
	return !strcmp(n, "p") || (d->odt && !strcmp(n, "h"));
}

static bool
is_cell(const struct doc *d, const char *n)
{
	return d->odt ? !strcmp(n, "table-cell") ||
			    !strcmp(n, "covered-table-cell")
		      : !strcmp(n, "tc");
}

static void
d_text(void *data, const char *s, size_t n)
{
	struct doc *d = data;

	if (d->in_para && (d->odt || d->in_t))
		add(d, &d->para, s, n);
}

static void
d_start(void *data, const char *name, const char **attrs)
{
	struct doc *d = data;

	if (is_para(d, name)) {
		if (!d->in_para)
			bsc_buf_reset(&d->para);
		d->in_para = true;
	} else if (!strcmp(name, d->odt ? "table" : "tbl")) {
		d->tbl++;
	} else if (d->tbl == 1 &&
		   !strcmp(name, d->odt ? "table-row" : "tr")) {
		d->row.line = d->rows_out + 1;
	} else if (d->tbl == 1 && is_cell(d, name)) {
		bsc_buf_reset(&d->cell);
		d->in_cell = true;
	} else if (!d->odt && (!strcmp(name, "t") || !strcmp(name, "delText"))) {
		d->in_t = true;
	} else if (!strcmp(name, "tab")) {
		d_text(d, "\t", 1);
		if (!d->odt && d->in_para)
			add(d, &d->para, "\t", 1);
	} else if (!strcmp(name, d->odt ? "line-break" : "br")) {
		if (d->in_para)
			add(d, &d->para, " ", 1);
	} else if (d->odt && !strcmp(name, "s")) {
		const char *c = bsc_package_attr(attrs, "c");
		unsigned long k = c ? strtoul(c, NULL, 10) : 1;

		for (unsigned long i = 0; i < k && i < 64; i++)
			d_text(d, " ", 1);
	}
}

/* A paragraph is complete: to its cell, or to the document. */
static void
para_end(struct doc *d)
{
	d->in_para = false;
	if (d->tbl >= 1 && d->in_cell) {
		if (d->cell.len)
			add(d, &d->cell, " ", 1);
		add(d, &d->cell, d->para.data ? d->para.data : "",
		    d->para.len);
	} else {
		body_line(d, d->para.data ? d->para.data : "", d->para.len);
	}
	bsc_buf_reset(&d->para);
}

static void
d_end(void *data, const char *name)
{
	struct doc *d = data;

	if (is_para(d, name)) {
		para_end(d);
	} else if (!d->odt && (!strcmp(name, "t") || !strcmp(name, "delText"))) {
		d->in_t = false;
	} else if (d->tbl == 1 && is_cell(d, name)) {
		struct trow *w = &d->row;
		char *v = bsc_zalloc(d->cell.len + 1);

		if (d->cell.len)
			memcpy(v, d->cell.data, d->cell.len);
		w->cells = bsc_reallocarray(w->cells, w->n + 1, sizeof(char *));
		w->cells[w->n++] = v;
		d->in_cell = false;
	} else if (d->tbl == 1 && !strcmp(name, d->odt ? "table-row" : "tr")) {
		table_row_end(d);
	} else if (!strcmp(name, d->odt ? "table" : "tbl")) {
		if (d->tbl-- == 1)
			table_end(d);
	}
}

static bool
d_want(void *data, const char *name)
{
	struct doc *d = data;
	static const char *const word[] = {"word/document.xml",
					   "word/footnotes.xml",
					   "word/endnotes.xml",
					   "word/comments.xml"};

	if (d->odt)
		return !strcmp(name, "content.xml") ||
		       !strcmp(name, "styles.xml");
	for (size_t i = 0; i < BSC_ARRAY_SIZE(word); i++)
		if (!strcmp(name, word[i]))
			return true;
	/* headers and footers: word/header1.xml, word/footer2.xml */
	return (!strncmp(name, "word/header", 11) ||
		!strncmp(name, "word/footer", 11)) &&
	       !strchr(name + 5, '/');
}

static bsc_status
doc_read(struct bsc_reader *r)
{
	struct doc d = {.r = r};
	struct bsc_part_ops ops = {d_start, d_end, d_text, &d};
	bsc_status ret = BSC_OK;
	bool ok;

	d.odt = bsc_package_sniff(r->sniff->raw, r->sniff->raw_len,
				  "mimetype", ODT_MIME) ||
		!strcmp(r->sniff->ext, "odt");
	r->format = d.odt ? "odt" : "docx";
	d.pkg = bsc_package_open(r);
	if (!d.pkg)
		return BSC_FAILED;
	d.text_slot = bsc_fields_slot(r->fields, BSC_SLOT_TEXT_NAME, 0);
	bsc_buf_init(&d.body, r->limits->max_document);
	bsc_buf_init(&d.para, r->limits->max_field);
	bsc_buf_init(&d.cell, r->limits->max_field);
	ok = bsc_package_each(d.pkg, d_want, &d, &ops);
	if (d.tbl)
		table_end(&d);
	row_free(&d.row);
	body_flush(&d);
	if (!ok)
		ret = bsc_reader_fail(r, r->records ? BSC_WARN : BSC_FAILED,
				      "%s", bsc_package_error(d.pkg));
	else if (d.cut)
		ret = bsc_reader_fail(r, BSC_WARN,
				      "%llu paragraph(s) or cell(s) over "
				      "--max-field were cut",
				      d.cut);
	if (d.body_splits) {
		char note[128];

		snprintf(note, sizeof(note),
			 "text over --max-document: the document was read as "
			 "%llu records",
			 d.body_splits + 1);
		bsc_fields_note(r->fields, note);
	}
	for (size_t i = 0; i < d.nheld; i++)
		row_free(&d.held[i]);
	bsc_buf_free(&d.body);
	bsc_buf_free(&d.para);
	bsc_buf_free(&d.cell);
	bsc_package_free(d.pkg);
	return ret;
}

const struct bsc_format bsc_format_doc = {
    .name = "doc",
    .bid = doc_bid,
    .read = doc_read,
};
