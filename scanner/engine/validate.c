/*
 * validate.c - checksum and sanity validators named by rules (detectors
 * stage). Each takes the matched text, drops separators itself, and answers
 * yes or no: no allocation, no state, no knowledge of categories.
 * Test vectors are in tests/test_validate.c and ../shared/domain.md.
 */
#include "validate.h"

#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

/* Copy the alphanumerics of s into out (upper-cased); returns the count,
 * or SIZE_MAX when there are more than max. */
static size_t
alnum(const char *s, size_t len, char *out, size_t max)
{
	size_t n = 0;

	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (!isalnum(c))
			continue;
		if (n == max)
			return SIZE_MAX;
		out[n++] = (char)toupper(c);
	}
	return n;
}

bool
bsc_valid_age(const char *s, size_t len)
{
	unsigned v = 0;
	size_t digits = 0;

	for (size_t i = 0; i < len; i++) {
		if (isspace((unsigned char)s[i]))
			continue;
		if (!isdigit((unsigned char)s[i]))
			return false;
		v = v * 10 + (unsigned)(s[i] - '0');
		if (++digits > 3)
			return false;
	}
	return digits > 0 && v <= 120;
}

static bool
leap(unsigned y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static bool
calendar(unsigned y, unsigned m, unsigned d)
{
	static const unsigned mdays[] = {31, 28, 31, 30, 31, 30,
					 31, 31, 30, 31, 30, 31};

	if (y < 1870 || y > 2100 || m < 1 || m > 12 || d < 1)
		return false;
	if (m == 2 && leap(y))
		return d <= 29;
	return d <= mdays[m - 1];
}

static unsigned
num(const char *s, size_t n)
{
	unsigned v = 0;

	for (size_t i = 0; i < n; i++)
		v = v * 10 + (unsigned)(s[i] - '0');
	return v;
}

/* Accepts DD/MM/YYYY (also - and .), YYYY-MM-DD (also /), YYYYMMDD. */
bool
bsc_valid_date(const char *s, size_t len)
{
	char d[8];
	size_t nd = 0;
	char sep[2] = {0, 0};
	size_t groups[3] = {0, 0, 0};
	size_t g = 0;

	while (len && isspace((unsigned char)*s)) {
		s++;
		len--;
	}
	while (len && isspace((unsigned char)s[len - 1]))
		len--;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (isdigit(c)) {
			if (nd == sizeof(d))
				return false;
			d[nd++] = (char)c;
			groups[g]++;
		} else if (c == '/' || c == '-' || c == '.') {
			if (g == 2)
				return false;
			sep[g++] = (char)c;
		} else {
			return false;
		}
	}
	if (nd != 8)
		return false;
	if (g == 0)
		return calendar(num(d, 4), num(d + 4, 2), num(d + 6, 2));
	if (g != 2 || sep[0] != sep[1])
		return false;
	if (groups[0] == 2 && groups[1] == 2 && groups[2] == 4)
		return calendar(num(d + 4, 4), num(d + 2, 2), num(d, 2));
	if (groups[0] == 4 && groups[1] == 2 && groups[2] == 2)
		return calendar(num(d, 4), num(d + 4, 2), num(d + 6, 2));
	return false;
}

bool
bsc_valid_ean13(const char *s, size_t len)
{
	char d[13];
	unsigned sum = 0;

	if (alnum(s, len, d, sizeof(d)) != 13)
		return false;
	for (int i = 0; i < 13; i++)
		if (!isdigit((unsigned char)d[i]))
			return false;
	for (int i = 0; i < 12; i++)
		sum += (unsigned)(d[i] - '0') * (i % 2 ? 3u : 1u);
	return (10 - sum % 10) % 10 == (unsigned)(d[12] - '0');
}

bool
bsc_valid_iban(const char *s, size_t len)
{
	char d[34];
	size_t n = alnum(s, len, d, sizeof(d));
	unsigned rem = 0;

	if (n == SIZE_MAX || n < 15)
		return false;
	if (!isalpha((unsigned char)d[0]) || !isalpha((unsigned char)d[1]) ||
	    !isdigit((unsigned char)d[2]) || !isdigit((unsigned char)d[3]))
		return false;
	for (size_t k = 0; k < n; k++) {
		char c = d[(k + 4) % n];

		if (isdigit((unsigned char)c)) {
			rem = (rem * 10 + (unsigned)(c - '0')) % 97;
		} else {
			unsigned v = (unsigned)(c - 'A') + 10;

			rem = (rem * 100 + v) % 97;
		}
	}
	return rem == 1;
}

bool
bsc_valid_luhn(const char *s, size_t len)
{
	unsigned sum = 0;
	size_t n = 0;

	for (size_t i = len; i-- > 0;) {
		unsigned char c = (unsigned char)s[i];
		unsigned v;

		if (!isdigit(c))
			continue;
		v = (unsigned)(c - '0');
		if (n % 2 == 1) {
			v *= 2;
			if (v > 9)
				v -= 9;
		}
		sum += v;
		n++;
	}
	return n >= 2 && sum % 10 == 0;
}

/*
 * NIR: 13 characters + 2-digit key; the department at offset 5 may be 2A
 * (-> 19) or 2B (-> 18). Returns -1 if not NIR-shaped, 1 if the key is
 * valid, 0 if the key is wrong.
 */
static int
nir_check(const char *s, size_t len)
{
	char d[15];
	uint64_t body = 0;
	unsigned key;

	if (alnum(s, len, d, sizeof(d)) != 15)
		return -1;
	for (int i = 0; i < 15; i++) {
		if (i == 6 && d[5] == '2' && (d[6] == 'A' || d[6] == 'B'))
			continue;
		if (!isdigit((unsigned char)d[i]))
			return -1;
	}
	if (d[0] == '0' || d[0] == '9')
		return -1;
	for (int i = 0; i < 13; i++) {
		unsigned v;

		if (i == 5 && d[6] == 'A') {
			body = body * 100 + 19;
			i++;
			continue;
		}
		if (i == 5 && d[6] == 'B') {
			body = body * 100 + 18;
			i++;
			continue;
		}
		v = (unsigned)(d[i] - '0');
		body = body * 10 + v;
	}
	key = (unsigned)(d[13] - '0') * 10 + (unsigned)(d[14] - '0');
	return 97 - body % 97 == key ? 1 : 0;
}

bool
bsc_valid_nir(const char *s, size_t len)
{
	return nir_check(s, len) == 1;
}

bool
bsc_valid_nir_badkey(const char *s, size_t len)
{
	return nir_check(s, len) == 0;
}

/* MUST be alphasorted: looked up with bsearch (tests check the order). */
static const struct {
	const char *name;
	bsc_validator_fn fn;
} validators[] = {
	{"age", bsc_valid_age},
	{"date", bsc_valid_date},
	{"ean13", bsc_valid_ean13},
	{"iban", bsc_valid_iban},
	{"luhn", bsc_valid_luhn},
	{"nir", bsc_valid_nir},
	{"nir_badkey", bsc_valid_nir_badkey},
};

static int
cmp_name(const void *key, const void *elem)
{
	return strcmp(key, *(const char *const *)elem);
}

int
bsc_validator_find(const char *name)
{
	const void *p = bsearch(name, validators, BSC_ARRAY_SIZE(validators),
				sizeof(validators[0]), cmp_name);

	if (!p)
		return -1;
	return (int)(((const char *)p - (const char *)validators) /
		     (ptrdiff_t)sizeof(validators[0]));
}

bool
bsc_validator_run(int idx, const char *s, size_t len)
{
	if (idx < 0 || (size_t)idx >= BSC_ARRAY_SIZE(validators))
		return true;
	return validators[idx].fn(s, len);
}

const char *
bsc_validator_name(int idx)
{
	if (idx < 0 || (size_t)idx >= BSC_ARRAY_SIZE(validators))
		return NULL;
	return validators[idx].name;
}

size_t
bsc_validator_count(void)
{
	return BSC_ARRAY_SIZE(validators);
}
