/*
 * encoding.c - sniffs the encoding of an item from its first bytes (BOM,
 * UTF-8 validity, Windows-1252, binary) and converts the stream to UTF-8
 * chunk by chunk (sniff stage, shared by every text reader). It does not
 * guess between Latin-1 and Windows-1252 beyond the bytes that only one of
 * them defines: French exports are overwhelmingly Windows-1252.
 */
#include "encoding.h"

#include <errno.h>
#include <iconv.h>
#include <string.h>
#include <strings.h>

/* Length of a valid UTF-8 sequence at s, 0 if invalid, -1 if cut short. */
static int
utf8_seq(const unsigned char *s, size_t len)
{
	unsigned c = s[0];
	int n;
	unsigned lo = 0x80, hi = 0xBF;

	if (c < 0x80)
		return 1;
	if (c >= 0xC2 && c <= 0xDF)
		n = 2;
	else if (c >= 0xE0 && c <= 0xEF) {
		n = 3;
		if (c == 0xE0)
			lo = 0xA0;
		if (c == 0xED)
			hi = 0x9F;
	} else if (c >= 0xF0 && c <= 0xF4) {
		n = 4;
		if (c == 0xF0)
			lo = 0x90;
		if (c == 0xF4)
			hi = 0x8F;
	} else {
		return 0;
	}
	for (int i = 1; i < n; i++) {
		if ((size_t)i >= len)
			return -1;
		if (s[i] < (i == 1 ? lo : 0x80) || s[i] > (i == 1 ? hi : 0xBF))
			return 0;
	}
	return n;
}

/*
 * UTF-16 without a BOM: text in Latin scripts has a zero high byte in
 * most code units, so one byte position is mostly NUL and the other
 * almost never. Returns the byte order found, or BSC_ENC_EMPTY.
 */
static enum bsc_encoding
utf16_without_bom(const unsigned char *h, size_t len)
{
	size_t pairs = len / 2, even = 0, odd = 0;

	if (pairs < 8)
		return BSC_ENC_EMPTY;
	for (size_t i = 0; i + 1 < len; i += 2) {
		even += h[i] == 0;
		odd += h[i + 1] == 0;
	}
	if (odd * 10 >= pairs * 4 && even * 20 <= pairs)
		return BSC_ENC_UTF16LE;
	if (even * 10 >= pairs * 4 && odd * 20 <= pairs)
		return BSC_ENC_UTF16BE;
	return BSC_ENC_EMPTY;
}

/* Allowed controls: TAB LF VT FF CR, HL7 MLLP FS, ESC, SUB. */
static bool
odd_control(unsigned char c)
{
	return c < 0x20 && c != '\t' && c != '\n' && c != '\v' &&
	       c != '\f' && c != '\r' && c != 0x1C && c != 0x1B && c != 0x1A;
}

/*
 * Binary or text? NUL bytes alone do not make a file binary (database
 * exports and broken editors leave some, or pad with blocks of them): a
 * run of NULs counts as one odd control character, and the content is
 * binary when odd controls are more than 1 in 20 of the other bytes.
 */
static bool
looks_binary(const unsigned char *h, size_t len, bool at_eof)
{
	size_t events = 0, nul = 0;

	for (size_t i = 0; i < len; i++) {
		if (h[i] == 0) {
			nul++;
			if (i == 0 || h[i - 1] != 0)
				events++;
		} else if (odd_control(h[i])) {
			events++;
		}
	}
	/* Only NULs so far: binary if that is all there is, else read on
	 * (data hidden after a block of NULs must be seen). */
	if (nul == len)
		return at_eof;
	return events * 20 > len - nul + 20; /* one allowed in short text */
}

static enum bsc_encoding sniff(const unsigned char *h, size_t len,
			       bool at_eof, bool text_only);

enum bsc_encoding
bsc_encoding_sniff(const unsigned char *h, size_t len, bool at_eof)
{
	return sniff(h, len, at_eof, false);
}

enum bsc_encoding
bsc_encoding_sniff_text(const unsigned char *h, size_t len, bool at_eof)
{
	enum bsc_encoding e = sniff(h, len, at_eof, true);

	return e == BSC_ENC_INVALID ? BSC_ENC_CP1252 : e;
}

struct magic {
	const char *bytes;
	size_t len;
	size_t off;
	const char *name;
};

/* Formats that carry pixels, sound, machine code or glyphs, not records. */
static const struct magic no_records[] = {
	{"\x89PNG\r\n\x1A\n", 8, 0, "PNG image"},
	{"\xFF\xD8\xFF", 3, 0, "JPEG image"},
	{"GIF8", 4, 0, "GIF image"},
	{"II*\0", 4, 0, "TIFF image"},
	{"MM\0*", 4, 0, "TIFF image"},
	{"WEBP", 4, 8, "WebP image"},
	{"WAVE", 4, 8, "WAV audio"},
	{"AVI ", 4, 8, "AVI video"},
	{"ID3", 3, 0, "MP3 audio"},
	{"OggS", 4, 0, "Ogg media"},
	{"fLaC", 4, 0, "FLAC audio"},
	{"ftyp", 4, 4, "MP4/QuickTime media"},
	{"\x1A\x45\xDF\xA3", 4, 0, "Matroska/WebM video"},
	{"\x7F" "ELF", 4, 0, "ELF executable"},
	{"\xCF\xFA\xED\xFE", 4, 0, "Mach-O executable"},
	{"\xCA\xFE\xBA\xBE", 4, 0, "Java class or Mach-O binary"},
	{"wOFF", 4, 0, "WOFF font"},
	{"wOF2", 4, 0, "WOFF2 font"},
	{"\0\x01\0\0", 4, 0, "TrueType font"},
	{"OTTO", 4, 0, "OpenType font"},
};

const char *
bsc_binary_kind(const unsigned char *h, size_t len)
{
	size_t z = 0;

	while (z < len && h[z] == 0)
		z++;
	if (len && z == len)
		return "NUL bytes only";
	for (size_t i = 0; i < sizeof(no_records) / sizeof(no_records[0]);
	     i++) {
		const struct magic *m = &no_records[i];

		if (len >= m->off + m->len &&
		    !memcmp(h + m->off, m->bytes, m->len))
			return m->name;
	}
	/* "MZ" with a PE header: a Windows executable. */
	if (len >= 64 && h[0] == 'M' && h[1] == 'Z') {
		size_t pe = (size_t)h[60] | (size_t)h[61] << 8;

		if (pe + 4 <= len && !memcmp(h + pe, "PE\0\0", 4))
			return "Windows executable";
	}
	return NULL;
}

static enum bsc_encoding
sniff(const unsigned char *h, size_t len, bool at_eof, bool text_only)
{
	bool utf8 = true;
	enum bsc_encoding u16;

	if (len == 0)
		return BSC_ENC_EMPTY;
	if (len >= 3 && h[0] == 0xEF && h[1] == 0xBB && h[2] == 0xBF)
		return BSC_ENC_UTF8_BOM;
	if (len >= 2 && h[0] == 0xFF && h[1] == 0xFE)
		return BSC_ENC_UTF16LE;
	if (len >= 2 && h[0] == 0xFE && h[1] == 0xFF)
		return BSC_ENC_UTF16BE;
	u16 = utf16_without_bom(h, len);
	if (u16 != BSC_ENC_EMPTY)
		return u16;
	if (!text_only && looks_binary(h, len, at_eof))
		return BSC_ENC_BINARY;
	for (size_t i = 0; i < len;) {
		int n = utf8_seq(h + i, len - i);

		if (n > 0) {
			i += (size_t)n;
			continue;
		}
		if (n < 0 && !at_eof)
			break; /* cut by the end of the head */
		utf8 = false;
		break;
	}
	if (utf8)
		return BSC_ENC_UTF8;
	/* Bytes that Windows-1252 leaves undefined. */
	for (size_t i = 0; i < len; i++) {
		unsigned char c = h[i];

		if (c == 0x81 || c == 0x8D || c == 0x8F || c == 0x90 ||
		    c == 0x9D)
			return BSC_ENC_INVALID;
	}
	return BSC_ENC_CP1252;
}

const char *
bsc_encoding_name(enum bsc_encoding enc)
{
	switch (enc) {
	case BSC_ENC_EMPTY:
		return "empty";
	case BSC_ENC_UTF8:
		return "utf-8";
	case BSC_ENC_UTF8_BOM:
		return "utf-8-bom";
	case BSC_ENC_UTF16LE:
		return "utf-16le";
	case BSC_ENC_UTF16BE:
		return "utf-16be";
	case BSC_ENC_CP1252:
		return "windows-1252";
	case BSC_ENC_LATIN1:
		return "iso-8859-1";
	case BSC_ENC_BINARY:
		return "binary";
	case BSC_ENC_INVALID:
		return "invalid";
	}
	return "unknown";
}

int
bsc_encoding_from_name(const char *name)
{
	if (!name)
		return -1;
	if (!strcasecmp(name, "UTF-8") || !strcasecmp(name, "UTF8") ||
	    !strcasecmp(name, "UNICODE UTF-8"))
		return BSC_ENC_UTF8;
	if (!strcasecmp(name, "8859/1") || !strcasecmp(name, "ISO-8859-1") ||
	    !strcasecmp(name, "ISO8859-1") || !strcasecmp(name, "LATIN1") ||
	    !strcasecmp(name, "8859/15") || !strcasecmp(name, "ISO-8859-15"))
		return BSC_ENC_LATIN1;
	if (!strcasecmp(name, "WINDOWS-1252") || !strcasecmp(name, "CP1252"))
		return BSC_ENC_CP1252;
	if (!strcasecmp(name, "UTF-16LE"))
		return BSC_ENC_UTF16LE;
	if (!strcasecmp(name, "UTF-16BE") || !strcasecmp(name, "UTF-16"))
		return BSC_ENC_UTF16BE;
	return -1;
}

bool
bsc_decoder_init(struct bsc_decoder *d, enum bsc_encoding enc)
{
	const char *from = NULL;

	memset(d, 0, sizeof(*d));
	d->enc = enc;
	switch (enc) {
	case BSC_ENC_UTF16LE:
		from = "UTF-16LE";
		break;
	case BSC_ENC_UTF16BE:
		from = "UTF-16BE";
		break;
	case BSC_ENC_CP1252:
		from = "WINDOWS-1252";
		break;
	case BSC_ENC_LATIN1:
		from = "ISO-8859-1";
		break;
	default:
		return true;
	}
	d->cd = iconv_open("UTF-8", from);
	if (d->cd == (iconv_t)-1) {
		d->cd = NULL;
		return false;
	}
	return true;
}

void
bsc_decoder_free(struct bsc_decoder *d)
{
	if (d->cd)
		iconv_close((iconv_t)d->cd);
	d->cd = NULL;
}

static void
mark_bad(struct bsc_decoder *d, uint64_t at)
{
	if (d->bad_bytes == 0)
		d->first_bad = at;
	d->bad_bytes++;
}

#define REPL "\xEF\xBF\xBD"

/* UTF-8 pass-through with validation. */
static size_t
run_utf8(struct bsc_decoder *d, const unsigned char *in, size_t len,
	 char *out, size_t cap, size_t *olen, bool final)
{
	size_t i = 0;

	while (i < len && *olen + 4 <= cap) {
		int n = utf8_seq(in + i, len - i);

		if (n == -1 && !final)
			break; /* keep the cut sequence for the next chunk */
		if (n <= 0) {
			mark_bad(d, d->in_off + i);
			memcpy(out + *olen, REPL, 3);
			*olen += 3;
			i++;
			continue;
		}
		memcpy(out + *olen, in + i, (size_t)n);
		*olen += (size_t)n;
		i += (size_t)n;
	}
	return i;
}

static size_t
run_iconv(struct bsc_decoder *d, const unsigned char *in, size_t len,
	  char *out, size_t cap, size_t *olen, bool final)
{
	char *ip = (char *)in;
	size_t il = len;

	while (il > 0 && *olen + 8 <= cap) {
		char *op = out + *olen;
		size_t ol = cap - *olen;
		size_t r = iconv((iconv_t)d->cd, &ip, &il, &op, &ol);

		*olen = (size_t)(op - out);
		if (r != (size_t)-1)
			break;
		if (errno == E2BIG)
			break;
		if (errno == EINVAL && !final)
			break; /* incomplete sequence: wait for more */
		/* EILSEQ, or EINVAL at the end: replace one unit. */
		mark_bad(d, d->in_off + (uint64_t)(ip - (char *)in));
		if (*olen + 3 > cap)
			break;
		memcpy(out + *olen, REPL, 3);
		*olen += 3;
		{
			size_t unit = (d->enc == BSC_ENC_UTF16LE ||
				       d->enc == BSC_ENC_UTF16BE)
					      ? 2
					      : 1;

			if (unit > il)
				unit = il;
			ip += unit;
			il -= unit;
		}
	}
	return len - il;
}

size_t
bsc_decoder_run(struct bsc_decoder *d, const unsigned char *in, size_t len,
		char *out, size_t cap, size_t *out_len, bool final)
{
	size_t used = 0, n, start;

	/* Drop a BOM once. */
	if (!d->bom_checked) {
		size_t bom = 0;

		if (len < 3 && !final && d->enc == BSC_ENC_UTF8_BOM)
			return 0;
		d->bom_checked = true;
		if (d->enc == BSC_ENC_UTF8_BOM && len >= 3 &&
		    !memcmp(in, "\xEF\xBB\xBF", 3))
			bom = 3;
		else if (len >= 2 && ((d->enc == BSC_ENC_UTF16LE &&
					       in[0] == 0xFF && in[1] == 0xFE) ||
					      (d->enc == BSC_ENC_UTF16BE &&
					       in[0] == 0xFE && in[1] == 0xFF)))
			bom = 2;
		in += bom;
		len -= bom;
		used = bom;
		d->in_off += bom;
	}
	start = *out_len;
	if (d->cd)
		n = run_iconv(d, in, len, out, cap, out_len, final);
	else
		n = run_utf8(d, in, len, out, cap, out_len, final);
	d->in_off += n;
	/* U+0000 in text (a stray NUL) reads as a space: readers work on
	 * C strings, and a NUL must not cut a value short. */
	for (size_t i = start; i < *out_len; i++)
		if (out[i] == '\0')
			out[i] = ' ';
	return used + n;
}
