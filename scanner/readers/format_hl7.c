/*
 * format_hl7.c - the HL7 v2 reader (ER7 "pipe" encoding): ADT, ORU, MDM
 * ... messages one after the other, in FHS/BHS batches or MLLP frames.
 * Reader stage: it splits segments into values and names the position of
 * each value (its slot). It never decides what a position means:
 * patterns/hl7/ maps slot names to categories and subjects, and the value
 * rules still run on every value.
 *
 * Reading: the decoded UTF-8 stream comes in 64 KiB chunks; a segment
 * ends at CR, LF, CRLF or an MLLP byte (0x0B start, 0x1C end of block).
 * Only the current segment is held, at most --max-record bytes. The
 * separators come from each MSH, FHS and BHS. A message (MSH up to the
 * next MSH, batch segment or end) is one record. Split order: field,
 * repetition, component, subcomponent; escapes are decoded last.
 *
 * Slot names, "SEG-f[.c[.s]][Q]":
 *  - SEG the segment id, f the field number (MSH-1 is the field separator,
 *    so MSH-3 is the sending application), c the component and s the
 *    subcomponent, 1-based. The component is named when the field holds a
 *    component separator or is a composite of the table below (CX, XPN,
 *    XAD, XTN, XCN: a value without separator is then component 1, as HL7
 *    says). The subcomponent is named when the component holds one.
 *  - Repetitions share the slot of their position: "PID-5.1" holds every
 *    family name of PID-5.
 *  - Q, in brackets, is a type code copied from the message where the
 *    meaning of a value depends on it:
 *      CX  (PID-3, MRG-1, ...): component 1 gets the identifier type CX.5,
 *          or the assigning authority's OID CX.4.2 when CX.5 is empty:
 *          "PID-3.1[INS]", "PID-3.1[PI]", "PID-3.1[1.2.250.1.213.1.4.10]";
 *      XTN (PID-13, NK1-5, ...): component 1 gets the equipment type
 *          XTN.3, else the use code XTN.2: "PID-13.1[Internet]";
 *      XCN (PV1-7, OBR-16, ...): component 1 gets the identifier type
 *          XCN.13: "PV1-7.1[RPPS]", "PRT-5.1[INS]" (a patient);
 *      XAD (PID-11, NK1-4, ...): every component gets the address type
 *          XAD.7: "PID-11.3[BDL]" (a birth place), "PID-11.1[H]";
 *      OBX-5: every component gets the value type OBX-2: "OBX-5[NM]",
 *          "OBX-5.5[ED]" (an embedded document);
 *      RXA-5: every component gets its coding system (component 3):
 *          "RXA-5.1[CVX]" (a vaccine).
 *    A qualifier keeps [A-Za-z0-9.-] (other bytes become '-'), at most 48.
 *  Header normalisation turns "PID-3.1[INS]" into pid_3_1_ins, the form
 *  the rules match.
 *
 * Not scanned: MSH-1 and MSH-2, and the batch envelope FHS, BHS, BTS, FTS
 * (routing data and counts). A line inside a message that is no segment
 * (a value broken over two lines) is scanned as free text.
 *
 * Locations: values carry the line where their segment starts (CR, LF and
 * CRLF each end a line; MLLP bytes do not), so reports point at the
 * segment.
 *
 * Malformed input is reported, never fatal: segments before any MSH, a
 * message whose MSH has unusable separators or no message type (MSH-9),
 * a segment longer than --max-record, an MLLP frame left open. Those
 * parts are skipped, reading resumes at the next MSH, and the item is
 * partial with a reason that counts them.
 *
 * MSH-18 (character set): scan.c decoded the item by the sniffed
 * encoding. When the sniffed head is plain ASCII (so "UTF-8" only by
 * default), more bytes follow, and the first MSH-18 declares ISO 8859-1
 * or -15, the stream is decoded as Windows-1252 instead (its superset for
 * printable text, as browsers do for that label) and the report names
 * that encoding. When the bytes contradict MSH-18 (valid non-ASCII UTF-8
 * under 8859/1, invalid UTF-8 under UNICODE UTF-8), the bytes win. The
 * first MSH decides for the whole item.
 */
#include "format_hl7.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "format.h"

#define CHUNK 65536
#define QUAL_MAX 48
#define MLLP_START 0x0B
#define MLLP_END 0x1C

/* ---- HL7 data types ------------------------------------------------- */

enum hl7_type {
	T_NONE = 0,
	T_CX,    /* extended composite id: qualifier CX.5 / CX.4.2 on .1 */
	T_XPN,   /* person name */
	T_XAD,   /* address: qualifier XAD.7 on every component */
	T_XTN,   /* telecom: qualifier XTN.3 / XTN.2 on .1 */
	T_XCN,   /* person id + name: qualifier XCN.13 on .1 */
	T_COMP,  /* other composite named by component (DLN, CNN, ...) */
	T_CODED, /* CE/CWE: qualifier = coding system (.3) on every comp */
	T_OBX5   /* OBX-5: qualifier = value type OBX-2 on every comp */
};

struct field_type {
	char seg[4];
	unsigned short field;
	unsigned char type;
};

/*
 * Composite fields that are named by component and, for some, qualified
 * (HL7 v2.5.1; PID-40 and NK1-40/41 from v2.7). This is parsing
 * knowledge, like the place of MSH-2: which category a position holds is
 * patterns/hl7/'s business. MUST stay sorted by segment id, then field
 * (binary search in field_type; a test checks the order).
 */
static const struct field_type field_types[] = {
	{"DG1", 16, T_XCN},
	{"EVN", 5, T_XCN},
	{"GT1", 2, T_CX},   {"GT1", 3, T_XPN},  {"GT1", 4, T_XPN},
	{"GT1", 5, T_XAD},  {"GT1", 6, T_XTN},  {"GT1", 7, T_XTN},
	{"GT1", 16, T_XPN}, {"GT1", 17, T_XAD}, {"GT1", 18, T_XTN},
	{"GT1", 19, T_CX},
	{"IN1", 5, T_XAD},  {"IN1", 6, T_XPN},  {"IN1", 7, T_XTN},
	{"IN1", 16, T_XPN}, {"IN1", 19, T_XAD}, {"IN1", 49, T_CX},
	{"MRG", 1, T_CX},   {"MRG", 2, T_CX},   {"MRG", 3, T_CX},
	{"MRG", 4, T_CX},   {"MRG", 5, T_CX},   {"MRG", 6, T_CX},
	{"MRG", 7, T_XPN},
	{"NK1", 2, T_XPN},  {"NK1", 4, T_XAD},  {"NK1", 5, T_XTN},
	{"NK1", 6, T_XTN},  {"NK1", 30, T_XPN}, {"NK1", 31, T_XTN},
	{"NK1", 32, T_XAD}, {"NK1", 33, T_CX},  {"NK1", 40, T_XTN},
	{"NK1", 41, T_XTN},
	{"OBR", 10, T_XCN}, {"OBR", 16, T_XCN}, {"OBR", 17, T_XTN},
	{"OBR", 28, T_XCN},
	{"OBX", 5, T_OBX5}, {"OBX", 16, T_XCN},
	{"ORC", 10, T_XCN}, {"ORC", 11, T_XCN}, {"ORC", 12, T_XCN},
	{"ORC", 14, T_XTN}, {"ORC", 19, T_XCN}, {"ORC", 22, T_XAD},
	{"ORC", 23, T_XTN}, {"ORC", 24, T_XAD},
	{"PD1", 4, T_XCN},
	{"PID", 2, T_CX},   {"PID", 3, T_CX},   {"PID", 4, T_CX},
	{"PID", 5, T_XPN},  {"PID", 6, T_XPN},  {"PID", 9, T_XPN},
	{"PID", 11, T_XAD}, {"PID", 13, T_XTN}, {"PID", 14, T_XTN},
	{"PID", 18, T_CX},  {"PID", 20, T_COMP}, {"PID", 21, T_CX},
	{"PID", 40, T_XTN},
	{"PR1", 8, T_XCN},  {"PR1", 11, T_XCN}, {"PR1", 12, T_XCN},
	{"PRT", 5, T_XCN},  {"PRT", 14, T_XAD}, {"PRT", 15, T_XTN},
	{"PV1", 7, T_XCN},  {"PV1", 8, T_XCN},  {"PV1", 9, T_XCN},
	{"PV1", 17, T_XCN}, {"PV1", 19, T_CX},  {"PV1", 50, T_CX},
	{"PV1", 52, T_XCN},
	{"PV2", 13, T_XCN},
	{"ROL", 4, T_XCN},  {"ROL", 11, T_XAD}, {"ROL", 12, T_XTN},
	{"RXA", 5, T_CODED}, {"RXA", 10, T_XCN},
	{"RXE", 13, T_XCN},
	{"RXO", 14, T_XCN},
	{"TXA", 5, T_XCN},  {"TXA", 9, T_XCN},  {"TXA", 10, T_XCN},
	{"TXA", 11, T_XCN}, {"TXA", 22, T_XCN},
};

static int
field_type_cmp(const void *a, const void *b)
{
	const struct field_type *x = a, *y = b;
	int c = memcmp(x->seg, y->seg, 3);

	if (c)
		return c;
	return (int)x->field - (int)y->field;
}

/* A segment id and field as one number, in field_type_cmp's order. */
static inline unsigned long long
type_key(const char *seg, unsigned field)
{
	return (unsigned long long)(unsigned char)seg[0] << 40 |
	       (unsigned long long)(unsigned char)seg[1] << 32 |
	       (unsigned long long)(unsigned char)seg[2] << 24 | field;
}

/* Called for every field: a binary search on integer keys (no bsearch
 * callback, no memcmp), over the table field_type_cmp keeps sorted. */
static enum hl7_type
field_type(const char *seg, unsigned field)
{
	unsigned long long key = type_key(seg, field > 65535 ? 0 : field);
	size_t lo = 0, hi = BSC_ARRAY_SIZE(field_types);

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const struct field_type *t = &field_types[mid];
		unsigned long long k = type_key(t->seg, t->field);

		if (k == key)
			return (enum hl7_type)t->type;
		if (k < key)
			lo = mid + 1;
		else
			hi = mid;
	}
	return T_NONE;
}

bool
bsc_hl7_types_sorted(void)
{
	for (size_t i = 1; i < BSC_ARRAY_SIZE(field_types); i++)
		if (field_type_cmp(&field_types[i - 1], &field_types[i]) >= 0)
			return false;
	return true;
}

/* ---- separators and escapes ------------------------------------------ */

static bool
is_seg_id(const char *s)
{
	for (int i = 0; i < 3; i++) {
		char c = s[i];
		bool up = c >= 'A' && c <= 'Z';
		bool dig = c >= '0' && c <= '9';

		if (!up && !(i > 0 && dig))
			return false;
	}
	return true;
}

static bool
is_header_id(const char *s)
{
	return !memcmp(s, "MSH", 3) || !memcmp(s, "FHS", 3) ||
	       !memcmp(s, "BHS", 3);
}

/* Printable ASCII punctuation: what HL7 allows as a separator. */
static bool
valid_sep(char c)
{
	bool alnum = (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') ||
		     (c >= 'a' && c <= 'z');

	return c > ' ' && c < 0x7F && !alnum;
}

bool
bsc_hl7_delims_parse(const char *seg, size_t len, struct bsc_hl7_delims *d)
{
	struct bsc_hl7_delims n = {0};
	char enc[5];
	size_t k = 0, i;

	if (len < 5 || !is_header_id(seg) || !valid_sep(seg[3]))
		return false;
	n.field = seg[3];
	for (i = 4; i < len && seg[i] != n.field; i++) {
		if (k == sizeof(enc) || !valid_sep(seg[i]))
			return false;
		for (size_t j = 0; j < k; j++)
			if (enc[j] == seg[i])
				return false;
		enc[k++] = seg[i];
	}
	if (k == 0)
		return false;
	n.comp = enc[0];
	n.rep = k > 1 ? enc[1] : 0;
	n.esc = k > 2 ? enc[2] : 0;
	n.sub = k > 3 ? enc[3] : 0;
	*d = n;
	return true;
}

static int
hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static bool
valid_utf8(const unsigned char *s, size_t n)
{
	size_t i = 0;

	while (i < n) {
		unsigned c = s[i];
		size_t k;

		if (c < 0x80) {
			i++;
			continue;
		}
		if (c >= 0xC2 && c <= 0xDF)
			k = 2;
		else if (c >= 0xE0 && c <= 0xEF)
			k = 3;
		else if (c >= 0xF0 && c <= 0xF4)
			k = 4;
		else
			return false;
		if (i + k > n)
			return false;
		for (size_t j = 1; j < k; j++)
			if ((s[i + j] & 0xC0) != 0x80)
				return false;
		i += k;
	}
	return true;
}

/*
 * Decode the hex digits of \Xhh..\ (hex[0..n)) to out, which may be the
 * same memory as the escape sequence: out <= hex - 2 and the decoded text
 * (at most 2 bytes per hex pair) fits before the closing escape. Returns
 * the bytes written, or -1 when the digits are not hex pairs.
 */
static long
decode_hex(char *out, const char *hex, size_t n)
{
	size_t nb = n / 2;
	unsigned char *o = (unsigned char *)out;

	if (n == 0 || n % 2)
		return -1;
	for (size_t i = 0; i < n; i++)
		if (hexval(hex[i]) < 0)
			return -1;
	for (size_t i = 0; i < nb; i++)
		o[i] = (unsigned char)(hexval(hex[2 * i]) * 16 +
				       hexval(hex[2 * i + 1]));
	for (size_t i = 0; i < nb; i++)
		if (o[i] < 0x20 || o[i] == 0x7F)
			o[i] = ' ';
	if (valid_utf8(o, nb))
		return (long)nb;
	/* ISO-8859-1: expand from the end, 2 bytes per byte >= 0x80. */
	{
		size_t wide = nb;

		for (size_t i = 0; i < nb; i++)
			wide += o[i] >= 0x80;
		for (size_t i = nb, w = wide; i-- > 0;) {
			unsigned char c = o[i];

			if (c < 0x80) {
				o[--w] = c;
			} else {
				o[--w] = (unsigned char)(0x80 | (c & 0x3F));
				o[--w] = (unsigned char)(0xC0 | (c >> 6));
			}
		}
		return (long)wide;
	}
}

size_t
bsc_hl7_unescape(char *s, size_t len, const struct bsc_hl7_delims *d)
{
	size_t o = 0, i = 0;
	char esc = d->esc;

	if (!esc || !memchr(s, esc, len))
		return len;
	while (i < len) {
		char *end;
		size_t j, sl;
		const char *q;

		if (s[i] != esc) {
			s[o++] = s[i++];
			continue;
		}
		end = memchr(s + i + 1, esc, len - i - 1);
		if (!end) {
			memmove(s + o, s + i, len - i);
			o += len - i;
			break;
		}
		j = (size_t)(end - s);
		q = s + i + 1;
		sl = j - i - 1;
		if (sl == 1 && strchr("FSTRE", q[0])) {
			char c = q[0] == 'F'   ? d->field
				 : q[0] == 'S' ? d->comp
				 : q[0] == 'T' ? d->sub
				 : q[0] == 'R' ? d->rep
					       : esc;

			if (c)
				s[o++] = c;
		} else if (sl == 1 && (q[0] == 'H' || q[0] == 'N')) {
			/* highlighting on / off: nothing */
		} else if (sl >= 1 && q[0] == 'X') {
			long n = decode_hex(s + o, q + 1, sl - 1);

			if (n < 0) {
				memmove(s + o, s + i, j + 1 - i);
				o += j + 1 - i;
			} else {
				o += (size_t)n;
			}
		} else if (sl >= 2 && q[0] == '.') {
			s[o++] = ' '; /* \.br\ \.sp\ ... formatting */
		} else if (sl >= 1 && strchr("ZCM", q[0])) {
			/* local escape, character-set switches: nothing */
		} else {
			memmove(s + o, s + i, j + 1 - i);
			o += j + 1 - i;
		}
		i = j + 1;
	}
	return o;
}

/* ---- splitting ------------------------------------------------------- */

/* Span of the k-th (1-based) part of s split on sep (0: s is part 1). */
static bool
nth_part(const char *s, size_t len, char sep, unsigned k, const char **out,
	 size_t *olen)
{
	const char *end = s + len;

	for (unsigned i = 1;; i++) {
		const char *p = sep ? memchr(s, sep, (size_t)(end - s)) : NULL;
		const char *e = p ? p : end;

		if (i == k) {
			*out = s;
			*olen = (size_t)(e - s);
			return true;
		}
		if (!p)
			return false;
		s = p + 1;
	}
}

/* Copy a raw code, decode its escapes, trim it and keep [A-Za-z0-9.-]. */
static void
make_qual(const char *raw, size_t n, const struct bsc_hl7_delims *d,
	  char *q)
{
	char tmp[QUAL_MAX * 4];
	size_t a = 0, b, k = 0;

	if (n > sizeof(tmp))
		n = sizeof(tmp);
	memcpy(tmp, raw, n);
	b = bsc_hl7_unescape(tmp, n, d);
	while (a < b && (tmp[a] == ' ' || tmp[a] == '\t'))
		a++;
	while (b > a && (tmp[b - 1] == ' ' || tmp[b - 1] == '\t'))
		b--;
	for (size_t i = a; i < b && k < QUAL_MAX; i++) {
		char c = tmp[i];
		bool ok = (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') ||
			  (c >= 'a' && c <= 'z') || c == '.' || c == '-';

		q[k++] = ok ? c : '-';
	}
	q[k] = '\0';
}

/* The qualifier of one repetition rep[0..len) of a field of type t. */
static void
rep_qualifier(enum hl7_type t, const char *rep, size_t len,
	      const struct bsc_hl7_delims *d, const char *vtype, char *q)
{
	const char *p;
	size_t n;

	q[0] = '\0';
	switch (t) {
	case T_CX:
		if (nth_part(rep, len, d->comp, 5, &p, &n) && n) {
			nth_part(p, n, d->sub, 1, &p, &n);
			make_qual(p, n, d, q);
		}
		if (!q[0] && nth_part(rep, len, d->comp, 4, &p, &n) &&
		    nth_part(p, n, d->sub, 2, &p, &n))
			make_qual(p, n, d, q);
		break;
	case T_XTN:
		if (nth_part(rep, len, d->comp, 3, &p, &n))
			make_qual(p, n, d, q);
		if (!q[0] && nth_part(rep, len, d->comp, 2, &p, &n))
			make_qual(p, n, d, q);
		break;
	case T_XAD:
		if (nth_part(rep, len, d->comp, 7, &p, &n))
			make_qual(p, n, d, q);
		break;
	case T_XCN:
		if (nth_part(rep, len, d->comp, 13, &p, &n))
			make_qual(p, n, d, q);
		break;
	case T_CODED:
		if (nth_part(rep, len, d->comp, 3, &p, &n))
			make_qual(p, n, d, q);
		break;
	case T_OBX5:
		strcpy(q, vtype);
		break;
	case T_NONE:
	case T_XPN:
	case T_COMP:
		break;
	}
}

/* Does the qualifier of type t apply to component comp? */
static bool
qual_applies(enum hl7_type t, unsigned comp)
{
	switch (t) {
	case T_CX:
	case T_XTN:
	case T_XCN:
		return comp == 1;
	case T_XAD:
	case T_CODED:
	case T_OBX5:
		return true;
	default:
		return false;
	}
}

struct split {
	const struct bsc_hl7_delims *d;
	bsc_hl7_emit_fn emit;
	void *data;
	struct bsc_hl7_loc loc;
	char vtype[QUAL_MAX + 1]; /* this segment's field 2, for OBX-5 */
	char qual[QUAL_MAX + 1];
	char name[128];
};

/* Append ".<v>" (or "-<v>") to a slot name; returns the new length. The
 * name buffer (128) holds "SEG-" + 3 numbers + "[" 48 "]" with room. */
static size_t
put_num(char *p, size_t k, char sep, unsigned v)
{
	char tmp[12];
	size_t n = 0;

	p[k++] = sep;
	do {
		tmp[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	while (n)
		p[k++] = tmp[--n];
	return k;
}

static void
emit_value(struct split *sp, char *v, size_t n, bool named_comp,
	   bool named_sub, bool qualified)
{
	size_t a = 0, k, ql;

	if (n == 2 && v[0] == '"' && v[1] == '"')
		return; /* HL7 explicit null */
	n = bsc_hl7_unescape(v, n, sp->d);
	while (a < n && (v[a] == ' ' || v[a] == '\t'))
		a++;
	while (n > a && (v[n - 1] == ' ' || v[n - 1] == '\t'))
		n--;
	if (n == a)
		return;
	/* snprintf here cost a quarter of the scan time of big files. */
	memcpy(sp->name, sp->loc.seg, 3);
	k = put_num(sp->name, 3, '-', sp->loc.field);
	if (named_comp)
		k = put_num(sp->name, k, '.', sp->loc.comp);
	if (named_sub)
		k = put_num(sp->name, k, '.', sp->loc.sub);
	ql = qualified ? strlen(sp->qual) : 0;
	if (ql) {
		sp->name[k++] = '[';
		memcpy(sp->name + k, sp->qual, ql);
		k += ql;
		sp->name[k++] = ']';
	}
	sp->name[k] = '\0';
	sp->loc.qual = qualified ? sp->qual : "";
	sp->loc.slot = sp->name;
	if (!named_comp)
		sp->loc.comp = 0;
	if (!named_sub)
		sp->loc.sub = 0;
	sp->emit(sp->data, &sp->loc, v + a, n - a);
}

static void
split_rep(struct split *sp, enum hl7_type t, char *rep, size_t len)
{
	const struct bsc_hl7_delims *d = sp->d;
	char *end = rep + len, *c = rep;
	bool named_comp = t != T_NONE && t != T_OBX5;

	if (len == 0)
		return;
	rep_qualifier(t, rep, len, d, sp->vtype, sp->qual);
	if (d->comp && memchr(rep, d->comp, len))
		named_comp = true;
	for (unsigned comp = 1;; comp++) {
		char *ce = d->comp ? memchr(c, d->comp, (size_t)(end - c))
				   : NULL;
		char *cend = ce ? ce : end;
		bool named_sub = d->sub && memchr(c, d->sub,
						  (size_t)(cend - c));
		char *s = c;

		for (unsigned sub = 1;; sub++) {
			char *se = named_sub ? memchr(s, d->sub,
						      (size_t)(cend - s))
					     : NULL;
			char *send = se ? se : cend;

			sp->loc.comp = comp;
			sp->loc.sub = sub;
			/* A named subcomponent needs its component's number:
			 * OBR-32 "L07&LABBIO" is OBR-32.1.1, OBR-32.1.2. */
			emit_value(sp, s, (size_t)(send - s),
				   named_comp || named_sub, named_sub,
				   qual_applies(t, comp));
			if (!se)
				break;
			s = se + 1;
		}
		if (!ce)
			break;
		c = ce + 1;
	}
}

static void
split_field(struct split *sp, char *f, size_t len)
{
	const struct bsc_hl7_delims *d = sp->d;
	enum hl7_type t = field_type(sp->loc.seg, sp->loc.field);
	char *end = f + len, *r = f;

	if (len == 0)
		return;
	if (sp->loc.field == 2) {
		const char *p;
		size_t n;

		nth_part(f, len, d->rep, 1, &p, &n);
		nth_part(p, n, d->comp, 1, &p, &n);
		make_qual(p, n, d, sp->vtype);
	}
	for (unsigned rep = 1;; rep++) {
		char *re = d->rep ? memchr(r, d->rep, (size_t)(end - r)) : NULL;
		char *rend = re ? re : end;

		sp->loc.rep = rep;
		split_rep(sp, t, r, (size_t)(rend - r));
		if (!re)
			break;
		r = re + 1;
	}
}

bool
bsc_hl7_split_segment(char *seg, size_t len, const struct bsc_hl7_delims *d,
		      bsc_hl7_emit_fn emit, void *data)
{
	struct split sp = {.d = d, .emit = emit, .data = data};
	size_t pos = 3;
	unsigned field = 0;

	if (len < 3 || !is_seg_id(seg) || (len > 3 && seg[3] != d->field))
		return false;
	memcpy(sp.loc.seg, seg, 3);
	if (is_header_id(seg) && len > 4) {
		/* MSH-1 is seg[3], MSH-2 runs to the next separator. */
		char *p = memchr(seg + 4, d->field, len - 4);

		if (!p)
			return true;
		pos = (size_t)(p - seg);
		field = 2;
	}
	while (pos < len) {
		size_t a = pos + 1;
		char *p = memchr(seg + a, d->field, len - a);
		size_t b = p ? (size_t)(p - seg) : len;

		sp.loc.field = ++field;
		split_field(&sp, seg + a, b - a);
		pos = b;
	}
	return true;
}

/* The raw field n of a header segment (MSH numbering). */
static bool
header_field(const char *seg, size_t len, char fs, unsigned n,
	     const char **out, size_t *olen)
{
	/* Part 1 is "MSH", part 2 is MSH-2: field n is part n. */
	if (n < 2)
		return false;
	return nth_part(seg, len, fs, n, out, olen);
}

bool
bsc_hl7_head_charset(const char *t, size_t len, char *buf, size_t cap)
{
	size_t i = 0, e = 0;
	struct bsc_hl7_delims d;
	const char *p;
	size_t n;

	while (i < len) {
		e = i;
		while (e < len && t[e] != '\r' && t[e] != '\n' &&
		       t[e] != MLLP_START && t[e] != MLLP_END)
			e++;
		if (e - i >= 3 && !memcmp(t + i, "MSH", 3))
			break;
		i = e + 1;
	}
	if (i >= len || !bsc_hl7_delims_parse(t + i, e - i, &d))
		return false;
	if (!header_field(t + i, e - i, d.field, 18, &p, &n))
		return false;
	nth_part(p, n, d.rep, 1, &p, &n);
	nth_part(p, n, d.comp, 1, &p, &n);
	while (n && *p == ' ') {
		p++;
		n--;
	}
	while (n && p[n - 1] == ' ')
		n--;
	if (n == 0 || n >= cap)
		return false;
	memcpy(buf, p, n);
	buf[n] = '\0';
	return true;
}

/* ---- bid ------------------------------------------------------------- */

/*
 * Bid: after an optional BOM, MLLP start byte (0x0B) and blank lines, the
 * text must start with MSH, FHS or BHS, a field separator and one to five
 * encoding characters (printable punctuation, all distinct) followed by
 * the field separator again: "MSH|^~\&|". That alone is 40 bits with the
 * usual four encoding characters (20 with fewer), above any CSV bid (at
 * most 34), because a pipe-separated CSV would otherwise claim HL7 files.
 * A second line that starts like a segment ("PID|") adds 10; an .hl7,
 * .er7 or .hl7v2 extension adds 4. A head that starts with other segments
 * (a message whose MSH was lost) bids 36 when its first line is a segment
 * and a valid MSH starts a later line with the same field separator: the
 * reader then reports the orphan segments instead of a CSV reader
 * reading them as rows.
 * Fooled by: a text file that starts with a literal "MSH|^~\&|" line (an
 * HL7 tutorial). It is then read as HL7: its segment-like lines are
 * split, prose lines inside a "message" are still scanned as free text,
 * so nothing is lost. Not recognised: XML-encoded HL7 v2 (the XML reader's
 * business) and segments before the first MSH without a batch header.
 */
static bool
hl7_ext(const char *ext)
{
	return !strcmp(ext, "hl7") || !strcmp(ext, "er7") ||
	       !strcmp(ext, "hl7v2");
}

/* The head starts with segment line t[i..e) that is no header: bid if an
 * MSH with the same field separator starts a later line. */
static int
later_msh_bid(const char *t, size_t n, size_t i, size_t e, const char *ext)
{
	char fs = t[i + 3];

	for (size_t p = e; p + 4 < n; p++) {
		struct bsc_hl7_delims d;
		size_t q = p + 1;

		if (t[p] != '\r' && t[p] != '\n' && t[p] != MLLP_START)
			continue;
		if (memcmp(t + q, "MSH", 3))
			continue;
		e = q;
		while (e < n && t[e] != '\r' && t[e] != '\n' &&
		       t[e] != MLLP_END)
			e++;
		if (bsc_hl7_delims_parse(t + q, e - q, &d) && d.field == fs)
			return 36 + (hl7_ext(ext) ? 4 : 0);
		return -1;
	}
	return -1;
}

static int
hl7_bid(const struct bsc_sniff *s)
{
	const char *t = s->text;
	size_t n = s->text_len, i = 0, e, k = 0;
	struct bsc_hl7_delims d;
	int bid;

	if (!t)
		return -1;
	while (i < n && i < 4096) {
		if (n - i >= 3 && !memcmp(t + i, "\xEF\xBB\xBF", 3))
			i += 3;
		else if (t[i] == MLLP_START || t[i] == '\r' || t[i] == '\n' ||
			 t[i] == ' ' || t[i] == '\t')
			i++;
		else
			break;
	}
	e = i;
	while (e < n && t[e] != '\r' && t[e] != '\n' && t[e] != MLLP_END)
		e++;
	if (e - i >= 4 && is_seg_id(t + i) && !is_header_id(t + i))
		return later_msh_bid(t, n, i, e, s->ext);
	if (e - i < 5 || !bsc_hl7_delims_parse(t + i, e - i, &d))
		return -1;
	/* Count the encoding characters (delims_parse checked them). */
	while (i + 4 + k < e && t[i + 4 + k] != d.field)
		k++;
	bid = k >= 4 ? 40 : 20;
	while (e < n && (t[e] == '\r' || t[e] == '\n' || t[e] == MLLP_END ||
			 t[e] == MLLP_START))
		e++;
	if (n - e >= 4 && is_seg_id(t + e) && t[e + 3] == d.field)
		bid += 10;
	if (hl7_ext(s->ext))
		bid += 4;
	return bid;
}

/* ---- reading -------------------------------------------------------- */

enum problem {
	P_ORPHAN,   /* segments outside any message */
	P_BAD_MSH,  /* MSH with unusable separators or no MSH-9 */
	P_LONG_SEG, /* segment longer than max_record */
	P_CUT_FRAME, /* MLLP frame not closed */
	P_COUNT
};

struct hl7_state {
	struct bsc_reader *r;
	struct bsc_hl7_delims d;
	struct bsc_buf seg;
	bool overflow;   /* the current segment is past max_record */
	bool in_msg;     /* a message is open */
	bool orphan_run; /* skipping segments that belong to no message */
	bool in_frame;   /* inside an MLLP frame */
	unsigned long long segno;
	unsigned long line;     /* 1-based line being read: CR, LF and CRLF
				 * each end one */
	unsigned long seg_line; /* line where the current segment starts */
	bool after_cr;          /* the last byte was a CR (CRLF is one) */
	unsigned long long problems[P_COUNT];
	unsigned long long first_problem; /* segment number, 0 = none */
};

static void
problem(struct hl7_state *st, enum problem p)
{
	st->problems[p]++;
	if (!st->first_problem)
		st->first_problem = st->segno ? st->segno : 1;
}

static void
end_message(struct hl7_state *st)
{
	bsc_fields_end_record(st->r->fields);
	st->r->records++;
	st->in_msg = false;
}

/* Hand one value to the scope, in max_field pieces (nothing skipped; a
 * match across a cut can be missed, as in the text reader). */
static void
reader_emit(void *data, const struct bsc_hl7_loc *loc, const char *v,
	    size_t len)
{
	struct hl7_state *st = data;
	unsigned slot = bsc_fields_slot(st->r->fields, loc->slot, 0);
	size_t max = st->r->limits->max_field;

	while (len > max && max >= 4) {
		size_t cut = max;

		while (cut > 1 && ((unsigned char)v[cut] & 0xC0) == 0x80)
			cut--;
		bsc_fields_value(st->r->fields, slot, v, cut);
		v += cut;
		len -= cut;
	}
	bsc_fields_value(st->r->fields, slot, v, len);
}

static bool
msh_has_type(const char *s, size_t len, const struct bsc_hl7_delims *d)
{
	const char *p;
	size_t n;

	if (!header_field(s, len, d->field, 9, &p, &n))
		return false;
	while (n && *p == ' ') {
		p++;
		n--;
	}
	return n > 0;
}

static void
text_line(struct hl7_state *st, const char *s, size_t len)
{
	struct bsc_hl7_loc loc = {.slot = NULL};

	reader_emit(st, &loc, s, len);
}

static void
handle_segment(struct hl7_state *st, char *s, size_t len)
{
	bool seg = len >= 3 && is_seg_id(s);

	if (seg && is_header_id(s)) {
		struct bsc_hl7_delims nd;
		bool ok = bsc_hl7_delims_parse(s, len, &nd);

		if (st->in_msg)
			end_message(st);
		st->orphan_run = false;
		if (memcmp(s, "MSH", 3)) {
			if (ok)
				st->d = nd; /* FHS / BHS: for what follows */
			return;
		}
		if (!ok || !msh_has_type(s, len, &nd)) {
			problem(st, P_BAD_MSH);
			st->orphan_run = true; /* its segments go with it */
			return;
		}
		st->d = nd;
		st->in_msg = true;
		bsc_hl7_split_segment(s, len, &st->d, reader_emit, st);
		return;
	}
	seg = seg && (len == 3 || s[3] == st->d.field);
	if (seg && (!memcmp(s, "BTS", 3) || !memcmp(s, "FTS", 3))) {
		if (st->in_msg)
			end_message(st);
		st->orphan_run = false;
		return;
	}
	if (!st->in_msg) {
		if (!st->orphan_run) {
			problem(st, P_ORPHAN);
			st->orphan_run = true;
		}
		return;
	}
	if (seg)
		bsc_hl7_split_segment(s, len, &st->d, reader_emit, st);
	else
		text_line(st, s, len);
}

static void
end_segment(struct hl7_state *st)
{
	char *s = st->seg.data;
	size_t len = st->seg.len;

	if (st->overflow) {
		st->overflow = false;
		st->segno++;
		problem(st, P_LONG_SEG);
		bsc_buf_reset(&st->seg);
		return;
	}
	while (len >= 3 && !memcmp(s, "\xEF\xBB\xBF", 3)) {
		s += 3;
		len -= 3;
	}
	while (len && (*s == ' ' || *s == '\t')) {
		s++;
		len--;
	}
	while (len && (s[len - 1] == ' ' || s[len - 1] == '\t'))
		len--;
	if (len) {
		st->segno++;
		bsc_fields_set_line(st->r->fields, st->seg_line);
		handle_segment(st, s, len);
	}
	bsc_buf_reset(&st->seg);
}

static void
feed(struct hl7_state *st, const char *c, size_t n)
{
	size_t i = 0;

	while (i < n) {
		size_t j = i;

		while (j < n && c[j] != '\r' && c[j] != '\n' &&
		       c[j] != MLLP_START && c[j] != MLLP_END)
			j++;
		if (j > i) {
			if (st->seg.len == 0 && !st->overflow)
				st->seg_line = st->line;
			st->after_cr = false;
		}
		if (j > i && !st->overflow &&
		    !bsc_buf_add(&st->seg, c + i, j - i))
			st->overflow = true;
		if (j == n)
			break;
		end_segment(st);
		if (c[j] == '\r' || (c[j] == '\n' && !st->after_cr))
			st->line++;
		st->after_cr = c[j] == '\r';
		if (c[j] == MLLP_START) {
			if (st->in_frame)
				problem(st, P_CUT_FRAME);
			st->in_frame = true;
		} else if (c[j] == MLLP_END) {
			st->in_frame = false;
		}
		i = j + 1;
	}
}

/* Append ", <what>" to the reason when n > 0. */
static void
reason_part(char *buf, size_t cap, size_t *k, unsigned long long n,
	    const char *one, const char *many)
{
	int w;

	if (!n || *k >= cap)
		return;
	w = snprintf(buf + *k, cap - *k, "%s%llu %s", *k ? ", " : "", n,
		     n == 1 ? one : many);
	if (w > 0)
		*k += (size_t)w;
}

static bsc_status
report_problems(struct hl7_state *st)
{
	char parts[200], lim[32];
	size_t k = 0;
	unsigned long long *p = st->problems;

	if (!p[P_ORPHAN] && !p[P_BAD_MSH] && !p[P_LONG_SEG] &&
	    !p[P_CUT_FRAME])
		return BSC_OK;
	parts[0] = '\0';
	bsc_format_size(st->r->limits->max_record, lim, sizeof(lim));
	reason_part(parts, sizeof(parts), &k, p[P_ORPHAN],
		    "group of segments outside any message (no MSH)",
		    "groups of segments outside any message (no MSH)");
	reason_part(parts, sizeof(parts), &k, p[P_BAD_MSH],
		    "message with an unusable MSH (separators, MSH-9)",
		    "messages with an unusable MSH (separators, MSH-9)");
	reason_part(parts, sizeof(parts), &k, p[P_LONG_SEG],
		    "segment over --max-record", "segments over --max-record");
	reason_part(parts, sizeof(parts), &k, p[P_CUT_FRAME],
		    "MLLP frame not closed (cut message?)",
		    "MLLP frames not closed (cut messages?)");
	return bsc_reader_fail(st->r, BSC_WARN,
			       "malformed HL7: %s; first at segment %llu; "
			       "skipped, reading resumed at the next MSH%s%s%s",
			       parts, st->first_problem,
			       p[P_LONG_SEG] ? " (--max-record is " : "",
			       p[P_LONG_SEG] ? lim : "",
			       p[P_LONG_SEG] ? ")" : "");
}

/* MSH-18 may switch an all-ASCII "UTF-8" head to Windows-1252. */
static void
apply_charset(struct bsc_reader *r)
{
	const struct bsc_sniff *sn = r->sniff;
	char cs[40];
	int e;

	if (!sn || !sn->text || sn->enc != BSC_ENC_UTF8 || sn->at_eof)
		return;
	for (size_t i = 0; i < sn->raw_len; i++)
		if (sn->raw[i] >= 0x80)
			return; /* real UTF-8 evidence: the bytes win */
	if (!bsc_hl7_head_charset(sn->text, sn->text_len, cs, sizeof(cs)))
		return;
	e = bsc_encoding_from_name(cs);
	if (e != BSC_ENC_LATIN1 && e != BSC_ENC_CP1252)
		return;
	if (bsc_item_text_begin(r->item, BSC_ENC_CP1252))
		r->encoding = BSC_ENC_CP1252;
	else
		bsc_item_text_begin(r->item, BSC_ENC_UTF8);
}

static bsc_status
hl7_read(struct bsc_reader *r)
{
	struct hl7_state st = {.r = r, .d = BSC_HL7_DELIMS_DEFAULT, .line = 1};
	char *chunk;
	bsc_status ret = BSC_OK;

	apply_charset(r);
	bsc_buf_init(&st.seg, r->limits->max_record);
	chunk = bsc_zalloc(CHUNK);
	for (;;) {
		ssize_t n = bsc_item_read_text(r->item, chunk, CHUNK);

		if (n < 0) {
			ret = bsc_reader_fail(r, BSC_WARN,
					      "read error after segment %llu",
					      st.segno);
			break;
		}
		if (n == 0)
			break;
		feed(&st, chunk, (size_t)n);
	}
	end_segment(&st);
	if (st.in_msg)
		end_message(&st);
	if (st.in_frame)
		problem(&st, P_CUT_FRAME);
	if (ret == BSC_OK)
		ret = report_problems(&st);
	bsc_buf_free(&st.seg);
	free(chunk);
	return ret;
}

const struct bsc_format bsc_format_hl7 = {
	.name = "hl7",
	.bid = hl7_bid,
	.read = hl7_read,
};
