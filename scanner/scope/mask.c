/*
 * mask.c - masks samples before they reach a sink (findings stage).
 * A mask keeps separators and length so a reader can tell a phone from an
 * e-mail, and nothing else: letters and digits become "•", except the
 * first character (and, for phones, the last two digits). Email masks keep
 * only the first character of the local part and the top-level domain.
 */
#include "mask.h"

#include <ctype.h>
#include <string.h>

#include "buf.h"

#define DOT "\xE2\x80\xA2" /* U+2022 BULLET */
#define ELLIPSIS "\xE2\x80\xA6"
/* Visible characters kept at most; more become an ellipsis. */
#define MAX_CHARS 32

static size_t
u8len(unsigned char c)
{
	if (c < 0x80)
		return 1;
	if (c >= 0xF0)
		return 4;
	if (c >= 0xE0)
		return 3;
	if (c >= 0xC0)
		return 2;
	return 1;
}

static void
trim(const char **s, size_t *len)
{
	while (*len && isspace((unsigned char)**s)) {
		(*s)++;
		(*len)--;
	}
	while (*len && isspace((unsigned char)(*s)[*len - 1]))
		(*len)--;
}

static char *
mask_email(const char *s, size_t len)
{
	const char *at = memchr(s, '@', len);
	const char *dot;
	struct bsc_buf b;

	if (!at || at == s)
		return bsc_mask(s, len, BSC_MASK_GENERIC);
	bsc_buf_init(&b, 256);
	if (len >= 7 && !strncasecmp(s, "mailto:", 7)) {
		s += 7;
		len -= 7;
	}
	bsc_buf_add(&b, s, u8len((unsigned char)s[0]));
	bsc_buf_add(&b, DOT DOT DOT "@" DOT DOT DOT, 1 + 6 * 3);
	dot = NULL;
	for (const char *p = at; p < s + len; p++)
		if (*p == '.')
			dot = p;
	if (dot && s + len - dot <= 10)
		bsc_buf_add(&b, dot, (size_t)(s + len - dot));
	return b.data;
}

char *
bsc_mask(const char *s, size_t len, enum bsc_mask_style style)
{
	struct bsc_buf b;
	size_t total_digits = 0, seen_digits = 0, chars = 0;

	trim(&s, &len);
	if (len == 0)
		return bsc_strdup("");
	if (style == BSC_MASK_EMAIL)
		return mask_email(s, len);
	for (size_t i = 0; i < len; i++)
		total_digits += isdigit((unsigned char)s[i]) != 0;
	/* Short codes (sex, age) would be shown whole by keeping their first
	 * character: hide them completely. */
	if (len <= 3 && style != BSC_MASK_PHONE) {
		bsc_buf_init(&b, 16);
		for (size_t i = 0; i < len; i++)
			bsc_buf_add(&b, DOT, 3);
		return b.data;
	}
	bsc_buf_init(&b, MAX_CHARS * 4 + 8);
	for (size_t i = 0; i < len;) {
		unsigned char c = (unsigned char)s[i];
		size_t n = u8len(c);
		bool keep = false;

		if (n > len - i)
			n = len - i;
		if (chars == MAX_CHARS) {
			bsc_buf_add(&b, ELLIPSIS, 3);
			break;
		}
		if (isdigit(c)) {
			seen_digits++;
			if (style == BSC_MASK_PHONE)
				keep = seen_digits <= 2 ||
				       seen_digits + 2 > total_digits;
			else
				keep = i == 0;
		} else if (c < 0x80 && !isalpha(c)) {
			keep = true; /* separators and punctuation */
			if (iscntrl(c))
				c = ' ';
		} else {
			keep = i == 0 && style != BSC_MASK_PHONE;
		}
		if (keep && c < 0x80)
			bsc_buf_addc(&b, (char)c);
		else if (keep)
			bsc_buf_add(&b, s + i, n);
		else
			bsc_buf_add(&b, DOT, 3);
		chars++;
		i += n;
	}
	return b.data ? b.data : bsc_strdup("");
}

char *
bsc_sample_raw(const char *s, size_t len)
{
	char *out;

	trim(&s, &len);
	if (len > BSC_SAMPLE_MAX) {
		len = BSC_SAMPLE_MAX;
		while (len && ((unsigned char)s[len] & 0xC0) == 0x80)
			len--;
	}
	out = bsc_strndup(s, len);
	for (char *p = out; *p; p++)
		if (iscntrl((unsigned char)*p))
			*p = ' ';
	return out;
}
