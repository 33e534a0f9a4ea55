/*
 * format_text.c - the catch-all plain-text reader. Bids 1 on anything that
 * decoded as text, so it only wins when no structured reader wants the
 * item; it can be fooled by nothing because it claims nothing. Each line is
 * a free-text field; a record is a paragraph (lines up to a blank line).
 * Lines longer than max_field are scanned in max_field pieces (a match
 * that straddles a cut can be missed; nothing is skipped).
 */
#include <string.h>

#include "buf.h"
#include "format.h"

#define CHUNK 65536

static int
text_bid(const struct bsc_sniff *s)
{
	return s->text ? 1 : -1;
}

struct text_state {
	struct bsc_reader *r;
	unsigned slot;
	struct bsc_buf line;
	bool para; /* current paragraph has content */
	unsigned long lineno; /* 1-based number of the line being built */
};

static void
flush_line(struct text_state *st)
{
	bool blank = true;

	for (size_t i = 0; i < st->line.len; i++)
		if (st->line.data[i] != ' ' && st->line.data[i] != '\t') {
			blank = false;
			break;
		}
	if (blank) {
		if (st->para) {
			bsc_fields_end_record(st->r->fields);
			st->r->records++;
			st->para = false;
		}
	} else {
		if (!st->para)
			bsc_fields_set_line(st->r->fields, st->lineno);
		bsc_fields_value(st->r->fields, st->slot, st->line.data,
				 st->line.len);
		st->para = true;
	}
	bsc_buf_reset(&st->line);
	st->lineno++;
}

static bsc_status
text_read(struct bsc_reader *r)
{
	struct text_state st = {.r = r, .lineno = 1};
	char *chunk = bsc_zalloc(CHUNK);
	bsc_status ret = BSC_OK;
	bool cr = false;

	st.slot = bsc_fields_slot(r->fields, NULL, 0);
	bsc_buf_init(&st.line, r->limits->max_field);
	for (;;) {
		ssize_t n = bsc_item_read_text(r->item, chunk, CHUNK);

		if (n < 0) {
			ret = bsc_reader_fail(r, BSC_WARN, "read error");
			break;
		}
		if (n == 0)
			break;
		for (ssize_t i = 0; i < n; i++) {
			char c = chunk[i];

			if (c == '\n' && cr) {
				cr = false;
				continue;
			}
			cr = c == '\r';
			if (c == '\n' || c == '\r') {
				flush_line(&st);
				continue;
			}
			if (!bsc_buf_addc(&st.line, c)) {
				/* Over max_field: scan what we have, go on. */
				bsc_fields_value(r->fields, st.slot,
						 st.line.data, st.line.len);
				st.para = true;
				bsc_buf_reset(&st.line);
				bsc_buf_addc(&st.line, c);
			}
		}
	}
	flush_line(&st);
	if (st.para) {
		bsc_fields_end_record(r->fields);
		r->records++;
	}
	bsc_buf_free(&st.line);
	free(chunk);
	return ret;
}

const struct bsc_format bsc_format_text = {
	.name = "text",
	.bid = text_bid,
	.read = text_read,
};
