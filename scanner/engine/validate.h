/*
 * validate.h - named checksum and sanity validators. Rules in patterns/
 * refer to them by name; they are pure functions over a match.
 */
#ifndef BSC_VALIDATE_H
#define BSC_VALIDATE_H
#ifndef BSC_INTERNAL
#error "scanner-internal header"
#endif

#include <stdbool.h>
#include <stddef.h>

/* A validator: true if s[0..len) passes. Pure, no allocation. */
typedef bool (*bsc_validator_fn)(const char *s, size_t len);

/* Index of the validator called name, or -1. */
int bsc_validator_find(const char *name);
/* Run validator idx (from bsc_validator_find) on s[0..len). */
bool bsc_validator_run(int idx, const char *s, size_t len);
/* Name of validator idx. Static string. */
const char *bsc_validator_name(int idx);
/* Number of validators (tests walk the table to check its order). */
size_t bsc_validator_count(void);

bool bsc_valid_age(const char *s, size_t len);
bool bsc_valid_date(const char *s, size_t len);
bool bsc_valid_ean13(const char *s, size_t len);
bool bsc_valid_iban(const char *s, size_t len);
bool bsc_valid_luhn(const char *s, size_t len);
bool bsc_valid_nir(const char *s, size_t len);
bool bsc_valid_nir_badkey(const char *s, size_t len);

#endif
