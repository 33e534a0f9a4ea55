/*
 * payload.c - short Base64 payloads in a cell (scope stage, used by
 * scope.c's placeholder test). Only cells made wholly of Base64 that
 * decode to a short printable text qualify; a real document (a CDA, a
 * PDF) is longer, or binary, and is left to the readers and containers.
 */
#include "payload.h"

#include <stdbool.h>

static int
b64_value(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

/* Printable text: no control byte but tab, CR and LF. */
static bool
printable(const unsigned char *s, size_t n)
{
	size_t letters = 0;

	for (size_t i = 0; i < n; i++) {
		if (s[i] < 0x20 && s[i] != '\t' && s[i] != '\n' && s[i] != '\r')
			return false;
		if (s[i] == 0x7f)
			return false;
		if ((s[i] | 0x20) >= 'a' && (s[i] | 0x20) <= 'z')
			letters++;
	}
	return letters * 2 >= n; /* mostly words, not bytes */
}

size_t
bsc_payload_small_text(const char *v, size_t len, char *out, size_t cap)
{
	unsigned acc = 0, bits = 0;
	size_t n = 0, pad = 0;

	while (len && v[len - 1] == '=' && pad < 2) {
		len--;
		pad++;
	}
	/* padding is optional (HL7 senders drop it); a lone sextet at the
	 * end of a cut payload is no byte: left out */
	if (!pad && len % 4 == 1)
		len--;
	if (len < 12 || (pad && (len + pad) % 4 != 0) ||
	    (len * 3) / 4 >= cap || cap == 0)
		return 0;
	for (size_t i = 0; i < len; i++) {
		int x = b64_value((unsigned char)v[i]);

		if (x < 0)
			return 0;
		acc = (acc << 6) | (unsigned)x;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			out[n++] = (char)((acc >> bits) & 0xff);
		}
	}
	out[n] = '\0';
	return printable((const unsigned char *)out, n) ? n : 0;
}
