/*
 * embedded.c - base64 payloads inside structured documents (reader stage,
 * used by the XML and JSON readers). The payload is decoded as it streams
 * in; its first bytes tell what it is. Text (UTF-8, UTF-16 with a BOM,
 * Windows-1252) is converted and scanned line by line at the payload's
 * slot. Anything else cannot be read here: a PDF or an image is a part
 * of the item not examined (bsc_fields_unread), with where it was. Memory is bounded
 * by max_field whatever the payload size.
 */
#include "embedded.h"

#include <string.h>

#include "buf.h"
#include "encoding.h"
#include "util.h"

enum { KIND_UNKNOWN = 0, KIND_TEXT, KIND_PDF, KIND_BINARY };

/* Bytes looked at before deciding what the payload is. */
#define SNIFF 1024

static int
b64_value(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+' || c == '-')
		return 62;
	if (c == '/' || c == '_')
		return 63;
	return -1;
}

void
bsc_embedded_begin(struct bsc_embedded *e, struct bsc_fields *f,
		   const char *slot_name, size_t max_field)
{
	memset(e, 0, sizeof(*e));
	e->f = f;
	e->slot_name = bsc_strdup(slot_name);
	e->max_field = max_field ? max_field : 65536;
	e->cap = e->max_field < SNIFF ? SNIFF : e->max_field;
	if (e->cap > 1024 * 1024)
		e->cap = 1024 * 1024;
	e->buf = bsc_zalloc(e->cap);
	e->active = true;
}

/* Convert and scan the buffered text: one value per line, lines cut at
 * max_field. A sequence cut by the end of the buffer waits for more. */
static void
scan_text(struct bsc_embedded *e, bool final)
{
	size_t cap = e->len * 3 + 64, olen = 0, start = 0, used;
	char *out;

	if (!e->dec_ok) {
		e->len = 0;
		return;
	}
	out = bsc_zalloc(cap + 1);
	used = bsc_decoder_run(&e->dec, e->buf, e->len, out, cap, &olen, final);
	memmove(e->buf, e->buf + used, e->len - used);
	e->len -= used;
	for (size_t i = 0; i <= olen; i++) {
		bool eol = i < olen && (out[i] == '\n' || out[i] == '\r');

		if (i == olen || eol || i - start >= e->max_field) {
			if (i > start && !e->have_slot) {
				e->slot =
				    bsc_fields_slot(e->f, e->slot_name, 0);
				e->have_slot = true;
			}
			if (i > start)
				bsc_fields_value(e->f, e->slot, out + start,
						 i - start);
			start = eol ? i + 1 : i;
		}
	}
	free(out);
	if (final)
		e->len = 0;
}

static void
sniff(struct bsc_embedded *e, bool final)
{
	enum bsc_encoding enc;

	if (e->len >= 5 && !memcmp(e->buf, "%PDF-", 5)) {
		e->kind = KIND_PDF;
		return;
	}
	enc = bsc_encoding_sniff(e->buf, e->len, final);
	if (enc == BSC_ENC_BINARY || enc == BSC_ENC_INVALID ||
	    enc == BSC_ENC_EMPTY) {
		e->kind = KIND_BINARY;
		return;
	}
	e->kind = KIND_TEXT;
	e->dec_ok = bsc_decoder_init(&e->dec, enc);
}

static void
put_byte(struct bsc_embedded *e, unsigned char c)
{
	e->decoded++;
	if (e->kind == KIND_PDF || e->kind == KIND_BINARY)
		return;
	e->buf[e->len++] = c;
	if (e->kind == KIND_UNKNOWN && (e->len >= SNIFF || e->len == e->cap))
		sniff(e, false);
	if (e->len == e->cap) {
		if (e->kind == KIND_TEXT)
			scan_text(e, false);
		if (e->len == e->cap)
			e->len = 0; /* undecodable: drop, never overflow */
	}
}

void
bsc_embedded_feed(struct bsc_embedded *e, const char *b64, size_t n)
{
	if (!e->active || e->bad)
		return;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)b64[i];
		int v;

		if (c == ' ' || c == '\t' || c == '\n' || c == '\r')
			continue;
		if (c == '=') {
			/* Padding: flush what the quantum holds. */
			if (e->nquad >= 2)
				put_byte(e, (unsigned char)(e->quad[0] << 2 |
							    e->quad[1] >> 4));
			if (e->nquad >= 3)
				put_byte(e, (unsigned char)(e->quad[1] << 4 |
							    e->quad[2] >> 2));
			e->nquad = 0;
			continue;
		}
		v = b64_value(c);
		if (v < 0) {
			e->bad = true;
			return;
		}
		e->quad[e->nquad++] = (unsigned char)v;
		if (e->nquad == 4) {
			put_byte(e, (unsigned char)(e->quad[0] << 2 |
						    e->quad[1] >> 4));
			put_byte(e, (unsigned char)(e->quad[1] << 4 |
						    e->quad[2] >> 2));
			put_byte(e,
				 (unsigned char)(e->quad[2] << 6 | e->quad[3]));
			e->nquad = 0;
		}
	}
}

void
bsc_embedded_end(struct bsc_embedded *e, const char *where,
		 const char *media_type)
{
	char *note = NULL;

	if (!e->active)
		return;
	if (e->nquad >= 2)
		bsc_embedded_feed(e, "=", 1);
	if (e->kind == KIND_UNKNOWN && e->len)
		sniff(e, true);
	if (e->kind == KIND_TEXT)
		scan_text(e, true);
	if (e->kind == KIND_PDF)
		note = bsc_asprintf("embedded PDF document (%llu bytes) at %s "
				    "was not scanned: PDF text is not "
				    "extracted",
				    (unsigned long long)e->decoded, where);
	else if (e->kind == KIND_BINARY)
		note = bsc_asprintf("embedded %s document (%llu bytes) at %s "
				    "was not scanned: not text",
				    media_type ? media_type : "binary",
				    (unsigned long long)e->decoded, where);
	else if (e->bad && e->decoded == 0)
		note = bsc_asprintf("embedded payload at %s is not valid "
				    "base64: not scanned",
				    where);
	/* A document inside the document that was not read is a gap. */
	if (note)
		bsc_fields_unread(e->f, note);
	free(note);
	if (e->dec_ok)
		bsc_decoder_free(&e->dec);
	e->dec_ok = false;
	free(e->buf);
	e->buf = NULL;
	free(e->slot_name);
	e->slot_name = NULL;
	e->active = false;
}
