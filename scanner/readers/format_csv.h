/*
 * format_csv.h - CSV dialect sniffing, exposed for tests.
 */
#ifndef BSC_FORMAT_CSV_H
#define BSC_FORMAT_CSV_H
#ifndef BSC_INTERNAL
#error "scanner-internal header"
#endif

#include <stdbool.h>
#include <stddef.h>

struct bsc_csv_dialect {
	char delim;       /* ';' ',' '\t' '|', or 0 when not CSV-like */
	bool header;      /* the first record is a header row */
	unsigned lines;   /* lines looked at */
	unsigned columns; /* most common field count */
	double consistency; /* share of lines with that count */
};

/* Answers "is this a known column name?" (may be NULL). */
typedef bool (*bsc_header_hint_fn)(void *data, const char *s, size_t n);

/*
 * Sniff the dialect of a UTF-8 head. at_eof says the head is the whole
 * text (so its last line is complete). hint, when given, tells known
 * column names: a first row holding one is a header even when every
 * other row is plain text too. Never fails; delim is 0 when no candidate
 * delimiter is consistent.
 */
void bsc_csv_sniff(const char *text, size_t len, bool at_eof,
		   bsc_header_hint_fn hint, void *hint_data,
		   struct bsc_csv_dialect *d);

#endif
