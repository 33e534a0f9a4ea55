/*
 * format_csv.c - the CSV reader (libcsv). Bids when one of ; , TAB | splits
 * the first lines into a consistent number of fields; sniffs whether the
 * first row is a header; then streams the decoded text through libcsv and
 * emits each cell at its column's slot, one record per row.
 * Bounded: a field longer than max_field or a row longer than max_record
 * stops the read with a "partial" reason (that is how an unterminated
 * quote that would swallow the file shows up), and columns beyond
 * max_columns are dropped with a reason. It does not classify anything.
 * Locations: each row's line, and for a header row the line and the
 * character of every header cell (bsc_fields_slot_place), found in the
 * row's raw text kept while it is read, so that reports point at the
 * header, not at a person's row.
 */
#include "format_csv.h"

#include <csv.h>
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "format.h"

#define SNIFF_LINES 50
#define FEED_CHUNK 16384

static const char delims[] = {';', ',', '\t', '|'};

/* Count delimiter d outside quotes on each line; fills counts[]. */
static unsigned
count_lines(const char *t, size_t len, bool at_eof, char d, unsigned *counts,
	    unsigned max)
{
	unsigned n = 0, c = 0;
	bool inq = false, nonempty = false;
	size_t i;

	for (i = 0; i < len && n < max; i++) {
		char ch = t[i];

		if (ch == '"') {
			inq = !inq;
		} else if (!inq && ch == d) {
			c++;
		} else if (!inq && (ch == '\n' || ch == '\r')) {
			if (nonempty)
				counts[n++] = c;
			c = 0;
			nonempty = false;
			continue;
		}
		if (ch != ' ' && ch != '\t' && ch != '\r' && ch != '\n')
			nonempty = true;
	}
	if (at_eof && nonempty && n < max && i == len)
		counts[n++] = c;
	return n;
}

static bool
datalike(const char *s, size_t len)
{
	size_t digits = 0, alnum = 0;

	if (memchr(s, '@', len))
		return true;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (isdigit(c))
			digits++;
		if (isalnum(c) || c >= 0x80)
			alnum++;
	}
	return digits >= 1 && digits * 2 >= alnum;
}

/* Split one record of t (from *pos) on d; calls back with each field. */
static size_t
split_record(const char *t, size_t len, size_t pos, char d,
	     void (*cb)(const char *s, size_t n, void *data), void *data)
{
	size_t start = pos;
	bool inq = false;

	for (; pos < len; pos++) {
		char ch = t[pos];

		if (ch == '"') {
			inq = !inq;
		} else if (!inq && (ch == d || ch == '\n' || ch == '\r')) {
			size_t a = start, b = pos;

			while (a < b && (t[a] == ' ' || t[a] == '"'))
				a++;
			while (b > a && (t[b - 1] == ' ' || t[b - 1] == '"'))
				b--;
			cb(t + a, b - a, data);
			start = pos + 1;
			if (ch != d) {
				if (ch == '\r' && pos + 1 < len &&
				    t[pos + 1] == '\n')
					pos++;
				return pos + 1;
			}
		}
	}
	if (start <= len) {
		cb(t + start, len - start, data);
	}
	return len;
}

struct rowinfo {
	unsigned n;
	unsigned empty;
	unsigned data;
	unsigned known; /* cells the hint knows as column names */
	bsc_header_hint_fn hint;
	void *hint_data;
};

static void
row_cb(const char *s, size_t n, void *data)
{
	struct rowinfo *ri = data;

	ri->n++;
	if (n == 0)
		ri->empty++;
	else if (datalike(s, n))
		ri->data++;
	else if (ri->hint && ri->hint(ri->hint_data, s, n))
		ri->known++;
}

void
bsc_csv_sniff(const char *t, size_t len, bool at_eof, bsc_header_hint_fn hint,
	      void *hint_data, struct bsc_csv_dialect *d)
{
	unsigned counts[SNIFF_LINES];
	double best_score = 0;

	memset(d, 0, sizeof(*d));
	for (size_t k = 0; k < sizeof(delims); k++) {
		unsigned n = count_lines(t, len, at_eof, delims[k], counts,
					 SNIFF_LINES);
		unsigned mode = 0, mode_n = 0;
		double cons, score;

		for (unsigned i = 0; i < n; i++) {
			unsigned same = 0;

			if (counts[i] == 0)
				continue;
			for (unsigned j = 0; j < n; j++)
				same += counts[j] == counts[i];
			if (same > mode_n ||
			    (same == mode_n && counts[i] > mode)) {
				mode = counts[i];
				mode_n = same;
			}
		}
		if (mode == 0)
			continue;
		cons = (double)mode_n / n;
		if (cons < 0.6) {
			/* Ragged rows: still a table if nearly every line
			 * has the delimiter and the usual row has several. */
			unsigned with = 0;

			for (unsigned i = 0; i < n; i++)
				with += counts[i] >= 1;
			if (mode < 2 || with * 10 < n * 8)
				continue;
			cons = 0.6;
		}
		score = cons * 100 + (mode > 20 ? 20 : mode);
		if (score > best_score) {
			best_score = score;
			d->delim = delims[k];
			d->lines = n;
			d->columns = mode + 1;
			d->consistency = cons;
		}
	}
	if (!d->delim)
		return;
	/* Header: row 1 has no empty and no data-like cell, and either the
	 * next rows have data-like or empty cells, or row 1 holds a known
	 * column name (or row 1 is all we have). */
	{
		struct rowinfo r1 = {.hint = hint, .hint_data = hint_data};
		struct rowinfo rest = {0};
		size_t pos = 0;

		while (pos < len && (t[pos] == '\n' || t[pos] == '\r'))
			pos++;
		pos = split_record(t, len, pos, d->delim, row_cb, &r1);
		for (int i = 0; i < 5 && pos < len; i++)
			pos = split_record(t, len, pos, d->delim, row_cb,
					   &rest);
		d->header = r1.n > 0 && r1.empty == 0 && r1.data == 0 &&
			    (rest.n == 0 || rest.data > 0 || rest.empty > 0 ||
			     r1.known > 0);
	}
}

/* Prose statistics of the sniffed lines, split on the dialect's
 * delimiter. */
struct prose {
	unsigned cells, wordy;	/* cells; cells of four words or more */
	unsigned lines, sentences; /* lines; lines that end a sentence */
	bool first_sentence;	/* the first line ends one: no header row */
};

static void
prose_cb(const char *s, size_t n, void *data)
{
	struct prose *p = data;
	unsigned spaces = 0;

	p->cells++;
	for (size_t i = 0; i + 1 < n; i++)
		spaces += s[i] == ' ' && s[i + 1] != ' ';
	p->wordy += spaces >= 3;
}

/*
 * Is the sniffed text prose that happens to hold commas: sentences (lines
 * ending with . ! ? or :), wordy cells, and rows whose field counts vary?
 * A table keeps its field count even when a comment column holds
 * sentences.
 */
static bool
prose_like(const char *t, size_t len, const struct bsc_csv_dialect *d)
{
	struct prose p = {0};
	size_t pos = 0;

	while (pos < len && p.lines < SNIFF_LINES) {
		size_t end;

		while (pos < len && (t[pos] == '\n' || t[pos] == '\r'))
			pos++;
		if (pos >= len)
			break;
		end = pos;
		while (end < len && t[end] != '\n' && t[end] != '\r')
			end++;
		{
			size_t e = end;

			while (e > pos && (t[e - 1] == ' ' || t[e - 1] == '\t'))
				e--;
			if (e > pos && strchr(".!?:", t[e - 1])) {
				p.sentences++;
				p.first_sentence |= p.lines == 0;
			}
		}
		p.lines++;
		split_record(t, end, pos, d->delim, prose_cb, &p);
		pos = end;
	}
	if (p.lines < 2 || p.cells == 0)
		return false;
	if (d->consistency >= 0.95 && d->lines >= 3 && d->columns >= 3)
		/* A steady field count is a table (a comment column may hold
		 * sentences), unless nearly every line is a sentence, the
		 * first one too: a header row never ends with a period. */
		return p.first_sentence && p.sentences * 5 >= p.lines * 4 &&
		       p.wordy * 3 >= p.cells;
	return p.wordy * 2 >= p.cells &&
	       (p.sentences * 2 >= p.lines || d->consistency < 0.8);
}

/* Bid: a consistent delimiter over several lines is strong evidence. */
static int
csv_bid(const struct bsc_sniff *s)
{
	struct bsc_csv_dialect d;
	int bid;
	bool ext = !strcmp(s->ext, "csv") || !strcmp(s->ext, "tsv");

	if (!s->text)
		return -1;
	bsc_csv_sniff(s->text, s->text_len, s->at_eof, NULL, NULL, &d);
	if (!d.delim)
		return -1;
	if (d.lines >= 3 && d.consistency >= 0.8)
		bid = 30;
	else if (d.lines >= 2)
		bid = 16;
	else
		bid = ext ? 8 : -1;
	/* Prose has commas too: one comma per line with long lines is text
	 * unless the name says CSV. */
	if (bid > 0 && d.columns == 2 && d.delim == ',' && !ext)
		bid = 2;
	/* Sentences with commas are text: the text reader finds names,
	 * ages and places in them, a CSV reader would take the first
	 * sentence for a header. */
	if (bid > 0 && !ext && prose_like(s->text, s->text_len, &d))
		return -1;
	if (bid > 0 && ext)
		bid += 4;
	return bid;
}

struct csv_state {
	struct bsc_reader *r;
	struct bsc_csv_dialect dialect;
	unsigned col;       /* current column, 0-based */
	unsigned long long row; /* rows completed, header included */
	unsigned *slots;    /* slot per column */
	bool *have_slot;
	unsigned n_slots;   /* allocated entries */
	char **names;       /* header names */
	unsigned n_names;
	bool dropped_cols;
	size_t row_bytes;   /* bytes fed since the last row end */
	unsigned long line; /* 1-based line being fed to libcsv */
	struct bsc_buf head; /* raw text of the header row (bounded) */
	unsigned long head_line; /* line where the header row starts */
	bool head_cut;           /* the header row outgrew head */
	unsigned long *head_char; /* per header cell: 1-based character */
	unsigned n_head_char;
};

/*
 * The line and character of each cell of the header row, from its raw
 * text: blank lines and a BOM skipped, quotes followed, characters
 * counted as UTF-8 code points.
 */
static void
head_places(struct csv_state *st)
{
	const unsigned char *p = (const unsigned char *)st->head.data;
	const unsigned char *end = p + st->head.len;
	unsigned long chr = 1;
	bool inq = false, start = true;
	unsigned cap = 0;

	if (!p)
		return;
	while (p < end && (*p == '\r' || *p == '\n')) {
		if (*p == '\n')
			st->head_line++;
		p++;
	}
	if (end - p >= 3 && !memcmp(p, "\xEF\xBB\xBF", 3))
		p += 3;
	for (; p < end; p++) {
		if (start) {
			if (st->n_head_char == cap) {
				cap = cap ? cap * 2 : 16;
				st->head_char = bsc_reallocarray(
					st->head_char, cap, sizeof(*st->head_char));
			}
			st->head_char[st->n_head_char++] = chr;
			start = false;
		}
		if (*p == '"')
			inq = !inq;
		else if (!inq && (*p == '\n' || *p == '\r'))
			break;
		else if (!inq && *p == (unsigned char)st->dialect.delim)
			start = true;
		if ((*p & 0xC0) != 0x80)
			chr++;
	}
}

static unsigned
slot_for(struct csv_state *st, unsigned col)
{
	if (col >= st->n_slots) {
		unsigned n = col + 16;

		st->slots = bsc_reallocarray(st->slots, n, sizeof(unsigned));
		st->have_slot = bsc_reallocarray(st->have_slot, n, sizeof(bool));
		memset(st->have_slot + st->n_slots, 0,
		       (n - st->n_slots) * sizeof(bool));
		st->n_slots = n;
	}
	if (!st->have_slot[col]) {
		const char *name = col < st->n_names ? st->names[col] : NULL;

		if (name && !*name)
			name = NULL;
		st->slots[col] = bsc_fields_slot(st->r->fields, name, col + 1);
		st->have_slot[col] = true;
		if (name && col < st->n_head_char)
			bsc_fields_slot_place(st->r->fields, st->slots[col],
					      st->head_line,
					      st->head_char[col]);
	}
	return st->slots[col];
}

static void
on_field(void *s, size_t len, void *data)
{
	struct csv_state *st = data;
	unsigned col = st->col++;

	if (st->row == 0 && st->dialect.header) {
		if (col >= st->r->limits->max_columns)
			return;
		st->names = bsc_reallocarray(st->names, col + 1,
					     sizeof(char *));
		for (unsigned i = st->n_names; i < col; i++)
			st->names[i] = bsc_strdup("");
		st->names[col] = bsc_strndup(s ? s : "", len);
		st->n_names = col + 1;
		return;
	}
	if (col >= st->r->limits->max_columns) {
		st->dropped_cols = true;
		return;
	}
	if (col == 0)
		bsc_fields_set_line(st->r->fields, st->line);
	bsc_fields_value(st->r->fields, slot_for(st, col), s ? s : "", len);
}

static void
on_row(int c, void *data)
{
	struct csv_state *st = data;

	(void)c;
	if (!(st->row == 0 && st->dialect.header)) {
		bsc_fields_end_record(st->r->fields);
		st->r->records++;
	} else {
		head_places(st);
		bsc_buf_free(&st->head);
	}
	st->row++;
	st->col = 0;
	st->row_bytes = 0;
}

static int
only_space(unsigned char c)
{
	return c == ' ';
}

static bsc_status
csv_read(struct bsc_reader *r)
{
	struct csv_state st = {.r = r, .line = 1};
	struct csv_parser p;
	char *chunk = bsc_zalloc(FEED_CHUNK);
	bsc_status ret = BSC_OK;
	char maxbuf[32];

	bsc_csv_sniff(r->sniff->text, r->sniff->text_len, r->sniff->at_eof,
		      r->sniff->header_hint, r->sniff->hint_data, &st.dialect);
	if (!st.dialect.delim)
		st.dialect.delim = ',';
	bsc_buf_init(&st.head, r->limits->max_record);
	if (csv_init(&p, CSV_STRICT_FINI) != 0) {
		free(chunk);
		return bsc_reader_fail(r, BSC_FAILED, "libcsv init failed");
	}
	csv_set_delim(&p, (unsigned char)st.dialect.delim);
	csv_set_space_func(&p, only_space);
	for (;;) {
		ssize_t n = bsc_item_read_text(r->item, chunk, FEED_CHUNK);
		size_t done;

		if (n < 0) {
			ret = bsc_reader_fail(r, BSC_WARN,
					      "read error after row %llu",
					      st.row);
			/* The cut row's values were scanned: it counts. */
			csv_fini(&p, on_field, on_row, &st);
			goto out;
		}
		if (n == 0)
			break;
		/* Feed line by line so that records know their line. */
		for (size_t pos = 0; pos < (size_t)n;) {
			const char *nl = memchr(chunk + pos, '\n', (size_t)n - pos);
			size_t seg = nl ? (size_t)(nl - chunk) + 1 - pos
					: (size_t)n - pos;

			if (st.row == 0 && st.dialect.header && !st.head_cut) {
				if (!st.head_line)
					st.head_line = st.line;
				/* past --max-record: cells after the cut get
				 * no character, never a wrong one */
				st.head_cut = !bsc_buf_add(&st.head, chunk + pos,
							   seg);
			}

			done = csv_parse(&p, chunk + pos, seg, on_field, on_row,
					 &st);
			if (done != seg) {
				ret = bsc_reader_fail(
					r, BSC_WARN,
					"CSV parse error at line %lu: %s",
					st.line, csv_strerror(csv_error(&p)));
				goto out;
			}
			pos += seg;
			if (nl)
				st.line++;
		}
		st.row_bytes += (size_t)n;
		if (p.entry_pos > r->limits->max_field) {
			bsc_format_size(r->limits->max_field, maxbuf,
					sizeof(maxbuf));
			ret = bsc_reader_fail(
				r, BSC_WARN,
				"field in row %llu is longer than "
				"--max-field (%s): unterminated quote? "
				"stopped there",
				st.row + 1, maxbuf);
			goto out;
		}
		if (st.row_bytes > r->limits->max_record) {
			bsc_format_size(r->limits->max_record, maxbuf,
					sizeof(maxbuf));
			ret = bsc_reader_fail(
				r, BSC_WARN,
				"row %llu is longer than --max-record (%s): "
				"unterminated quote? stopped there",
				st.row + 1, maxbuf);
			goto out;
		}
	}
	/* libcsv's CSV_STRICT_FINI only works with CSV_STRICT, which would
	 * also reject the stray quotes real exports have; so look at the
	 * parser state (public in csv.h; 2 is libcsv's FIELD_BEGUN). The
	 * swallowed text is not emitted. */
	if ((p.pstate == 2 && p.quoted) ||
	    csv_fini(&p, on_field, on_row, &st) != 0) {
		ret = bsc_reader_fail(r, BSC_WARN,
				      "unterminated quoted field starting in "
				      "row %llu: the rest of the file is "
				      "inside the quote and was not scanned",
				      st.row + 1);
		goto out;
	}
	if (st.dropped_cols) {
		ret = bsc_reader_fail(r, BSC_WARN,
				      "rows with more than %zu columns: the "
				      "extra columns were not scanned "
				      "(--max-columns)",
				      r->limits->max_columns);
	}
out:
	csv_free(&p);
	bsc_buf_free(&st.head);
	free(st.head_char);
	for (unsigned i = 0; i < st.n_names; i++)
		free(st.names[i]);
	free(st.names);
	free(st.slots);
	free(st.have_slot);
	free(chunk);
	return ret;
}

const struct bsc_format bsc_format_csv = {
	.name = "csv",
	.bid = csv_bid,
	.read = csv_read,
};
