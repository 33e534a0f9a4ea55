/*
 * mask.h - masking of samples: keep the shape of a value, hide its content
 * ("j•••@•••.fr", "06 •• •• •• 78"). Used for every sample that reaches a
 * report unless --show-values is given.
 */
#ifndef BSC_MASK_H
#define BSC_MASK_H
#ifndef BSC_INTERNAL
#error "scanner-internal header"
#endif

#include "rules.h"

/* Longest sample kept, in bytes, before masking or raw copy. */
#define BSC_SAMPLE_MAX 64

/*
 * A masked copy of s[0..len) in the given style. Returns a new string owned
 * by the caller; never contains more than the first character and (for
 * phones) the last two digits of the value.
 */
char *bsc_mask(const char *s, size_t len, enum bsc_mask_style style);

/* A raw copy, cut to BSC_SAMPLE_MAX bytes on a UTF-8 boundary, with
 * control characters replaced by spaces. New string, caller owns it. */
char *bsc_sample_raw(const char *s, size_t len);

#endif
