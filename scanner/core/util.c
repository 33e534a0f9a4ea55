/*
 * util.c - allocation that aborts on OOM, size parsing, hashing, a pointer
 * vector. Used by every stage of the pipeline; holds no state.
 * OOM aborts on purpose: this is a CLI, and half-handled OOM paths are where
 * bugs hide. Malformed input never reaches abort().
 */
#include "util.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void
oom(size_t size)
{
	fprintf(stderr, "breachscope: out of memory (%zu bytes)\n", size);
	abort();
}

void *
bsc_zalloc(size_t size)
{
	void *p = calloc(1, size ? size : 1);

	if (!p)
		oom(size);
	return p;
}

void *
bsc_realloc(void *ptr, size_t size)
{
	void *p = realloc(ptr, size ? size : 1);

	if (!p)
		oom(size);
	return p;
}

void *
bsc_reallocarray(void *ptr, size_t n, size_t size)
{
	if (size && n > SIZE_MAX / size)
		oom(SIZE_MAX);
	return bsc_realloc(ptr, n * size);
}

char *
bsc_strdup(const char *s)
{
	return bsc_strndup(s, strlen(s));
}

char *
bsc_strndup(const char *s, size_t n)
{
	char *p = bsc_zalloc(n + 1);

	memcpy(p, s, n);
	return p;
}

char *
bsc_asprintf(const char *fmt, ...)
{
	va_list ap;
	char *p;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		n = 0;
	p = bsc_zalloc((size_t)n + 1);
	va_start(ap, fmt);
	vsnprintf(p, (size_t)n + 1, fmt, ap);
	va_end(ap);
	return p;
}

int
bsc_strcmp_ptr(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

bool
bsc_ascii_icontains(const char *hay, size_t len, const char *needle)
{
	size_t nl = strlen(needle);

	if (nl == 0)
		return true;
	for (size_t i = 0; i + nl <= len; i++) {
		size_t j = 0;

		while (j < nl && tolower((unsigned char)hay[i + j]) ==
					 tolower((unsigned char)needle[j]))
			j++;
		if (j == nl)
			return true;
	}
	return false;
}

bool
bsc_parse_size(const char *s, uint64_t *out)
{
	char *end = NULL;
	unsigned long long v;
	uint64_t mul = 1;

	if (!s || !isdigit((unsigned char)*s))
		return false;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno)
		return false;
	switch (toupper((unsigned char)*end)) {
	case '\0':
		break;
	case 'K':
		mul = 1024ull;
		end++;
		break;
	case 'M':
		mul = 1024ull * 1024;
		end++;
		break;
	case 'G':
		mul = 1024ull * 1024 * 1024;
		end++;
		break;
	case 'T':
		mul = 1024ull * 1024 * 1024 * 1024;
		end++;
		break;
	default:
		return false;
	}
	if (*end == 'B' || *end == 'b')
		end++;
	if (*end != '\0')
		return false;
	if (v > UINT64_MAX / mul)
		return false;
	*out = (uint64_t)v * mul;
	return true;
}

bool
bsc_parse_duration(const char *s, uint64_t *ms)
{
	static const struct {
		const char *suffix;
		uint64_t mul;
	} units[] = {{"", 1000}, {"s", 1000}, {"ms", 1}, {"m", 60000},
		     {"h", 3600000}};
	char *end = NULL;
	unsigned long long v;

	if (!s || !isdigit((unsigned char)*s))
		return false;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno)
		return false;
	for (size_t i = 0; i < BSC_ARRAY_SIZE(units); i++) {
		if (strcmp(end, units[i].suffix))
			continue;
		if (v > UINT64_MAX / units[i].mul)
			return false;
		*ms = v * units[i].mul;
		return true;
	}
	return false;
}

void
bsc_format_size(uint64_t v, char *buf, size_t len)
{
	static const char units[] = "KMGT";
	int u = -1;

	while (v >= 1024 && v % 1024 == 0 && u < 3) {
		v /= 1024;
		u++;
	}
	if (u < 0)
		snprintf(buf, len, "%" PRIu64, v);
	else
		snprintf(buf, len, "%" PRIu64 "%c", v, units[u]);
}

uint64_t
bsc_hash64(const void *data, size_t len, uint64_t seed)
{
	const unsigned char *p = data;
	uint64_t h = 1469598103934665603ull ^ seed;

	for (size_t i = 0; i < len; i++) {
		h ^= p[i];
		h *= 1099511628211ull;
	}
	return h;
}

void
bsc_vec_push(struct bsc_vec *vec, void *p)
{
	if (vec->n == vec->cap) {
		vec->cap = vec->cap ? vec->cap * 2 : 8;
		vec->v = bsc_reallocarray(vec->v, vec->cap, sizeof(*vec->v));
	}
	vec->v[vec->n++] = p;
}

void
bsc_vec_release(struct bsc_vec *vec)
{
	free(vec->v);
	vec->v = NULL;
	vec->n = vec->cap = 0;
}

/* Code point of the UTF-8 sequence at s (length in *len), or -1 if the
 * bytes there are not valid UTF-8 (*len = 1). */
static long
utf8_cp(const unsigned char *s, size_t *len)
{
	unsigned c = s[0];
	size_t n;
	long cp;

	*len = 1;
	if (c < 0x80)
		return c;
	if (c >= 0xC2 && c <= 0xDF) {
		n = 2;
		cp = c & 0x1F;
	} else if (c >= 0xE0 && c <= 0xEF) {
		n = 3;
		cp = c & 0x0F;
	} else if (c >= 0xF0 && c <= 0xF4) {
		n = 4;
		cp = c & 0x07;
	} else {
		return -1;
	}
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xC0) != 0x80)
			return -1;
		cp = cp << 6 | (s[i] & 0x3F);
	}
	if ((n == 3 && (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF))) ||
	    (n == 4 && (cp < 0x10000 || cp > 0x10FFFF)))
		return -1;
	*len = n;
	return cp;
}

/* Controls and the characters that reorder text on a terminal. */
static bool
unsafe_cp(long cp)
{
	return cp < 0x20 || (cp >= 0x7F && cp <= 0x9F) || cp == 0x061C ||
	       cp == 0x200E || cp == 0x200F ||
	       (cp >= 0x202A && cp <= 0x202E) ||
	       (cp >= 0x2066 && cp <= 0x2069);
}

char *
bsc_escape_name(const char *in, bool reversible)
{
	const unsigned char *s = (const unsigned char *)in;
	size_t cap = strlen(in) * 6 + 1, o = 0;
	char *out = bsc_zalloc(cap);

	while (*s) {
		size_t n;
		long cp = utf8_cp(s, &n);

		if (cp < 0 || (cp < 0x80 && unsafe_cp(cp)))
			o += (size_t)snprintf(out + o, cap - o, "\\x%02X", s[0]);
		else if (unsafe_cp(cp))
			o += (size_t)snprintf(out + o, cap - o, "\\u%04lX", cp);
		else if (cp == '\\' && reversible)
			o += (size_t)snprintf(out + o, cap - o, "\\\\");
		else {
			memcpy(out + o, s, n);
			o += n;
		}
		s += n;
	}
	out[o] = '\0';
	return out;
}

bool
bsc_utf8_valid(const char *in)
{
	const unsigned char *s = (const unsigned char *)in;

	while (*s) {
		size_t n;

		if (utf8_cp(s, &n) < 0)
			return false;
		s += n;
	}
	return true;
}
