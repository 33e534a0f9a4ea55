/*
 * sheet.c - one spreadsheet table (reader stage): cells in, records out
 * (see sheet.h). It never classifies: the header is decided by the CSV
 * sniffer on the first rows written as TSV, helped by the detectors' "is
 * this a known column name?" hint, exactly as for a CSV file.
 */
#include "sheet.h"

#include <stdio.h>
#include <string.h>

#include "buf.h"
#include "format_csv.h"

/* Rows held before the header is decided. */
#define HEAD_ROWS 12
/* Copies of one repeated row emitted at most (ODS). */
#define MAX_REPEAT 1000

struct cell {
	size_t col;
	size_t off, len; /* in row bytes */
};

struct row {
	unsigned long num;
	struct cell *cells;
	size_t n, cap;
	struct bsc_buf bytes;
};

struct bsc_sheet {
	struct bsc_reader *r;
	struct bsc_fields *f;
	const char *format;
	struct row cur;
	struct row held[HEAD_ROWS];
	size_t nheld;
	bool decided;
	char **names; /* header names by column, or NULL */
	size_t nnames;
	unsigned *slots; /* slot + 1 by column */
	size_t max_cols;
	unsigned long long records, cut, repeats_capped, cols_over;
};

static void
row_init(struct row *w, size_t max)
{
	memset(w, 0, sizeof(*w));
	bsc_buf_init(&w->bytes, max);
}

static void
row_free(struct row *w)
{
	free(w->cells);
	bsc_buf_free(&w->bytes);
}

static void
row_reset(struct row *w)
{
	w->n = 0;
	bsc_buf_reset(&w->bytes);
}

struct bsc_sheet *
bsc_sheet_begin(struct bsc_reader *r, const char *name, const char *format)
{
	struct bsc_sheet *s;
	struct bsc_fields *f = bsc_reader_sub_begin(r, name);

	if (!f)
		return NULL;
	s = bsc_zalloc(sizeof(*s));
	s->r = r;
	s->f = f;
	s->format = format;
	s->max_cols = r->limits->max_columns;
	s->slots = bsc_zalloc((s->max_cols + 1) * sizeof(unsigned));
	row_init(&s->cur, r->limits->max_record);
	return s;
}

void
bsc_sheet_row(struct bsc_sheet *s, unsigned long rownum)
{
	row_reset(&s->cur);
	s->cur.num = rownum;
}

void
bsc_sheet_cell(struct bsc_sheet *s, size_t col, const char *v, size_t len)
{
	struct row *w = &s->cur;
	size_t off = w->bytes.len;

	if (!len)
		return;
	if (col >= s->max_cols) {
		s->cols_over++;
		return;
	}
	if (len > s->r->limits->max_field) {
		len = s->r->limits->max_field;
		s->cut++;
	}
	if (!bsc_buf_add(&w->bytes, v, len)) {
		s->cut++;
		return;
	}
	if (w->n == w->cap) {
		w->cap = w->cap ? 2 * w->cap : 16;
		w->cells = bsc_reallocarray(w->cells, w->cap, sizeof(*w->cells));
	}
	w->cells[w->n++] = (struct cell){col, off, len};
}

static unsigned
slot_of(struct bsc_sheet *s, size_t col)
{
	if (!s->slots[col]) {
		const char *name = col < s->nnames ? s->names[col] : NULL;

		s->slots[col] = bsc_fields_slot(s->f, name && *name ? name
								   : NULL,
						(unsigned)col + 1) +
				1;
	}
	return s->slots[col] - 1;
}

static void
emit(struct bsc_sheet *s, const struct row *w)
{
	bsc_fields_set_line(s->f, w->num);
	for (size_t i = 0; i < w->n; i++)
		bsc_fields_value(s->f, slot_of(s, w->cells[i].col),
				 w->bytes.data + w->cells[i].off,
				 w->cells[i].len);
	bsc_fields_end_record(s->f);
	s->records++;
}

/* The held rows as TSV: columns up to the widest row, values on one
 * line. Bounded by the rows' own bytes. */
static char *
held_tsv(struct bsc_sheet *s, size_t *len)
{
	size_t width = 0, cap = 1;
	char *out;
	size_t o = 0;

	for (size_t i = 0; i < s->nheld; i++) {
		cap += s->held[i].bytes.len + 1;
		for (size_t k = 0; k < s->held[i].n; k++)
			if (s->held[i].cells[k].col + 1 > width)
				width = s->held[i].cells[k].col + 1;
	}
	cap += s->nheld * width;
	out = bsc_zalloc(cap + 1);
	for (size_t i = 0; i < s->nheld; i++) {
		const struct row *w = &s->held[i];
		size_t k = 0;

		for (size_t c = 0; c < width; c++) {
			if (c)
				out[o++] = '\t';
			if (k < w->n && w->cells[k].col == c) {
				const char *v = w->bytes.data + w->cells[k].off;

				for (size_t j = 0; j < w->cells[k].len; j++)
					out[o++] = (v[j] == '\t' || v[j] == '\n' ||
						    v[j] == '\r')
						       ? ' '
						       : v[j];
				k++;
			}
		}
		out[o++] = '\n';
	}
	*len = o;
	return out;
}

/* Decide the header on the held rows, then emit them. */
static void
decide(struct bsc_sheet *s)
{
	const struct bsc_sniff *sn = s->r->sniff;
	struct bsc_csv_dialect d;
	bool header = false;
	size_t len;
	char *tsv;

	s->decided = true;
	if (!s->nheld)
		return;
	tsv = held_tsv(s, &len);
	bsc_csv_sniff(tsv, len, true, sn->header_hint, sn->hint_data, &d);
	free(tsv);
	if (d.delim == '\t' || s->nheld == 1 || d.delim == 0) {
		header = d.header;
		/* One column, or one row: a known column name decides. */
		if (d.delim != '\t' && sn->header_hint) {
			const struct row *w = &s->held[0];

			header = false;
			for (size_t k = 0; k < w->n && !header; k++)
				header = sn->header_hint(
				    sn->hint_data, w->bytes.data + w->cells[k].off,
				    w->cells[k].len);
		}
	}
	if (header) {
		const struct row *w = &s->held[0];

		s->nnames = w->n ? w->cells[w->n - 1].col + 1 : 0;
		s->names = bsc_zalloc((s->nnames + 1) * sizeof(char *));
		for (size_t k = 0; k < w->n; k++) {
			char *nm = bsc_zalloc(w->cells[k].len + 1);

			memcpy(nm, w->bytes.data + w->cells[k].off,
			       w->cells[k].len);
			s->names[w->cells[k].col] = nm;
		}
	}
	for (size_t i = header ? 1 : 0; i < s->nheld; i++)
		emit(s, &s->held[i]);
}

void
bsc_sheet_row_end(struct bsc_sheet *s, unsigned long repeat)
{
	struct row *w = &s->cur;

	if (!w->n)
		return;
	if (repeat > MAX_REPEAT) {
		s->repeats_capped += repeat - MAX_REPEAT;
		repeat = MAX_REPEAT;
	}
	for (unsigned long k = 0; k < (repeat ? repeat : 1); k++) {
		if (s->decided) {
			emit(s, w);
			continue;
		}
		/* hold a copy, cells sorted by column for the TSV */
		row_init(&s->held[s->nheld], s->r->limits->max_record);
		bsc_buf_add(&s->held[s->nheld].bytes, w->bytes.data,
			    w->bytes.len);
		s->held[s->nheld].cells =
		    bsc_reallocarray(NULL, w->n ? w->n : 1, sizeof(*w->cells));
		memcpy(s->held[s->nheld].cells, w->cells,
		       w->n * sizeof(*w->cells));
		s->held[s->nheld].n = s->held[s->nheld].cap = w->n;
		s->held[s->nheld].num = w->num;
		s->nheld++;
		if (s->nheld == HEAD_ROWS)
			decide(s);
	}
	row_reset(w);
}

bsc_status
bsc_sheet_end(struct bsc_sheet *s, const char *reason)
{
	bsc_status st = reason ? BSC_WARN : BSC_OK, ret;
	char buf[300];

	if (!s->decided)
		decide(s);
	if (!reason && s->cut) {
		st = BSC_WARN;
		snprintf(buf, sizeof(buf),
			 "%llu cell(s) over --max-field or rows over "
			 "--max-record were cut",
			 s->cut);
		reason = buf;
	}
	if (s->cols_over) {
		char note[128];

		snprintf(note, sizeof(note),
			 "%llu cell(s) beyond --max-columns (%zu) not read",
			 s->cols_over, s->max_cols);
		bsc_fields_note(s->f, note);
		if (!reason) {
			st = BSC_WARN;
			snprintf(buf, sizeof(buf), "%s", note);
			reason = buf;
		}
	}
	if (s->repeats_capped) {
		char note[128];

		snprintf(note, sizeof(note),
			 "%llu copies of repeated rows counted once each "
			 "beyond %d",
			 s->repeats_capped, MAX_REPEAT);
		bsc_fields_note(s->f, note);
	}
	ret = bsc_reader_sub_end(s->r, s->f, s->format, st, reason,
				 s->records, 0);
	for (size_t i = 0; i < s->nheld; i++)
		row_free(&s->held[i]);
	for (size_t i = 0; i < s->nnames; i++)
		free(s->names[i]);
	free(s->names);
	free(s->slots);
	row_free(&s->cur);
	free(s);
	return ret;
}
