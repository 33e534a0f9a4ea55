/*
 * util.h - allocation that aborts on OOM, small string helpers, a growable
 * pointer vector. No I/O here.
 */
#ifndef BSC_UTIL_H
#define BSC_UTIL_H
#ifndef BSC_INTERNAL
#error "scanner-internal header"
#endif

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#define BSC_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define BSC_PRINTF(f, a) __attribute__((format(printf, f, a)))

/* Allocators: never return NULL; they abort with a message on OOM. */
void *bsc_zalloc(size_t size);
void *bsc_realloc(void *ptr, size_t size);
void *bsc_reallocarray(void *ptr, size_t n, size_t size);
char *bsc_strdup(const char *s);
char *bsc_strndup(const char *s, size_t n);
/* printf into a new string owned by the caller. */
char *bsc_asprintf(const char *fmt, ...) BSC_PRINTF(1, 2);

/* Compare for qsort over arrays of char pointers (strcmp order). */
int bsc_strcmp_ptr(const void *a, const void *b);

/* True if needle occurs in hay[0..len) ignoring ASCII case. */
bool bsc_ascii_icontains(const char *hay, size_t len, const char *needle);

/*
 * Parse a size such as "100", "64K", "16M", "4G" (powers of 1024) into
 * *out. Returns false, leaving *out untouched, on a malformed value.
 */
bool bsc_parse_size(const char *s, uint64_t *out);

/*
 * Parse a duration such as "600", "90s", "10m", "2h" or "500ms" (no
 * suffix: seconds) into milliseconds in *ms. Returns false, leaving *ms
 * untouched, on a malformed value.
 */
bool bsc_parse_duration(const char *s, uint64_t *ms);

/* Format a byte size as "64K", "16M", "4G" or a plain number. Static buf. */
void bsc_format_size(uint64_t v, char *buf, size_t len);

/* 64-bit FNV-1a hash, for hash tables (not for security). */
uint64_t bsc_hash64(const void *data, size_t len, uint64_t seed);

/*
 * A file name is data, not a terminal command: a copy of s (owned by the
 * caller) where control characters (C0, DEL, C1) and bidirectional
 * overrides/isolates/marks are written as \xNN or \uNNNN, as are bytes
 * that are not UTF-8 (\xNN). The result is printable, valid UTF-8. With
 * reversible, a backslash is written \\ too, so the exact bytes can be
 * recovered from the result.
 */
char *bsc_escape_name(const char *s, bool reversible);
/* True if s is valid UTF-8 (no overlong forms, no surrogates). */
bool bsc_utf8_valid(const char *s);

/* A growable array of pointers. Elements are owned by whoever says so. */
struct bsc_vec {
	void **v;
	size_t n;
	size_t cap;
};
void bsc_vec_push(struct bsc_vec *vec, void *p);
/* Free the array (not the elements). */
void bsc_vec_release(struct bsc_vec *vec);

#endif
