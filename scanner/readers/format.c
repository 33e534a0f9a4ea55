/*
 * format.c - the reader registry and the bidding (sniff stage), and the
 * helpers readers share (failing, holding an item in memory). Adding a
 * reader means one new format_*.c file and one line in the table below.
 */
#include "format.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "util.h"

/* First buffer of bsc_reader_slurp; it doubles up to the limit. */
#define SLURP_CHUNK 65536

/*
 * Cheap, specific bidders first; the text reader, which bids 1 on any
 * text, last. Ties keep the first registered, so order also breaks ties.
 * The structured readers (XML 45-70, JSON 50-70, SQL 45-60, mail 60-75)
 * outbid CSV
 * (at most 34): a document with commas in it is still a document. Only
 * SQLite, PDF and the office packages bid on binary content (the sniff's
 * text is then NULL).
 */
static const struct bsc_format *const formats[] = {
	&bsc_format_sqlite,
	&bsc_format_sheet,
	&bsc_format_doc,
	&bsc_format_pdf,
	&bsc_format_hl7,
	&bsc_format_mail,
	&bsc_format_xml,
	&bsc_format_json,
	&bsc_format_sql,
	&bsc_format_csv,
	&bsc_format_text,
};

const struct bsc_format *
bsc_format_select(const struct bsc_sniff *s, int *bid)
{
	const struct bsc_format *best = NULL;
	int best_bid = 0;

	for (size_t i = 0; i < BSC_ARRAY_SIZE(formats); i++) {
		int b = formats[i]->bid(s);

		if (b > best_bid) {
			best = formats[i];
			best_bid = b;
		}
	}
	if (bid)
		*bid = best_bid;
	return best;
}

bool
bsc_format_package(const unsigned char *head, size_t len, const char *ext,
		   bool at_eof)
{
	struct bsc_sniff s = {.raw = head,
			      .raw_len = len,
			      .ext = ext,
			      .at_eof = at_eof};
	int bid = 0;

	bsc_format_select(&s, &bid);
	return bid >= BSC_BID_PACKAGE;
}

const struct bsc_format *
bsc_format_find(const char *name)
{
	for (size_t i = 0; i < BSC_ARRAY_SIZE(formats); i++)
		if (!strcmp(formats[i]->name, name))
			return formats[i];
	return NULL;
}

/* Report formats whose readers number something else than text lines:
 * keep in step with their bsc_fields_set_line calls. */
static const struct {
	const char *format, *unit;
} line_units[] = {
	{"pdf", "page"},     {"xlsx", "row"},    {"ods", "row"},
	{"docx", "row"},     {"odt", "row"},     {"eml", "message"},
	{"mbox", "message"}, {"sqlite", "row"},
};

bool
bsc_format_text_lines(const char *format, const char **unit)
{
	*unit = NULL;
	if (!format)
		return false;
	for (size_t i = 0; i < BSC_ARRAY_SIZE(line_units); i++) {
		if (!strcmp(format, line_units[i].format)) {
			*unit = line_units[i].unit;
			return false;
		}
	}
	return true;
}

const char *
bsc_format_names(void)
{
	/* Keep in step with the table above (tests/test_format_xml.c). */
	return "csv, doc, hl7, json, mail, pdf, sheet, sql, sqlite, text, xml";
}

unsigned char *
bsc_reader_slurp(struct bsc_reader *r, const char *what, size_t *len)
{
	uint64_t max = r->limits->max_seek_buffer;
	size_t cap = max < SLURP_CHUNK ? (size_t)max : SLURP_CHUNK, n = 0;
	unsigned char *buf = bsc_zalloc(cap ? cap : 1), probe;
	ssize_t got;

	for (;;) {
		if (n == cap && cap < max) {
			cap = cap * 2 > max ? (size_t)max : cap * 2;
			buf = bsc_reallocarray(buf, cap, 1);
		}
		/* Full at the limit: one more byte says whether it fits. */
		got = n == cap ? bsc_item_read(r->item, &probe, 1)
			       : bsc_item_read(r->item, buf + n, cap - n);
		if (got <= 0)
			break;
		if (n == cap) {
			char sz[32];

			free(buf);
			bsc_format_size(max, sz, sizeof(sz));
			bsc_reader_fail(r, BSC_FAILED,
					"%s not on disk and larger than "
					"--max-seek-buffer (%s): not read; "
					"extract it or raise the limit",
					what, sz);
			return NULL;
		}
		n += (size_t)got;
	}
	if (got < 0) {
		free(buf);
		bsc_reader_fail(r, BSC_FAILED, "read error");
		return NULL;
	}
	*len = n;
	return buf;
}

bsc_status
bsc_reader_fail(struct bsc_reader *r, bsc_status status, const char *fmt,
		...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(r->reason, sizeof(r->reason), fmt, ap);
	va_end(ap);
	return status;
}

struct bsc_fields *
bsc_reader_sub_begin(struct bsc_reader *r, const char *name)
{
	struct bsc_fields *f;

	if (!r->sub)
		return NULL;
	f = r->sub->begin(r->sub->data, name);
	if (f)
		r->members++;
	return f;
}

bsc_status
bsc_reader_sub_end(struct bsc_reader *r, struct bsc_fields *f,
		   const char *format, bsc_status status, const char *reason,
		   unsigned long long records, uint64_t bytes)
{
	if (!f || !r->sub)
		return BSC_OK;
	return r->sub->end(r->sub->data, f, format, status, reason, records,
			   bytes);
}

bsc_status
bsc_reader_sub_member(struct bsc_reader *r, const char *name,
		      bsc_read_fn read, void *src)
{
	if (!r->sub || !r->sub->member)
		return BSC_OK;
	r->members++;
	return r->sub->member(r->sub->data, name, read, src);
}

void
bsc_reader_read_elsewhere(struct bsc_reader *r)
{
	char buf[4096];

	if (!r->item->src_eof)
		return;
	while (bsc_item_read(r->item, buf, sizeof(buf)) > 0)
		;
}
