/*
 * payload.h - short Base64 payloads in a cell (scope stage): an HL7 ED
 * field or an attachment may carry a whole document, or only a
 * placeholder sentence ("Document médical au format CDA"). scope.c
 * decodes the short ones to test them against the placeholder rules.
 */
#ifndef BSC_PAYLOAD_H
#define BSC_PAYLOAD_H
#ifndef BSC_INTERNAL
#error "scanner-internal header"
#endif

#include <stddef.h>

/* Longest cell decoded (Base64 of PAYLOAD_TEXT_MAX bytes). */
#define BSC_PAYLOAD_TEXT_MAX 192

/*
 * When v (len bytes) is nothing but Base64 (padding optional, at least 12
 * characters) of printable text without control characters, decode it
 * into out (cap bytes, NUL-terminated) and return its length; otherwise
 * return 0. Never reads past v + len.
 */
size_t bsc_payload_small_text(const char *v, size_t len, char *out,
			      size_t cap);

#endif
