/*
 * format_hl7.h - the HL7 v2 (ER7) segment splitter, escape decoder and
 * separator parser of format_hl7.c, exposed for tests. The reader itself
 * is bsc_format_hl7 (format.h).
 */
#ifndef BSC_FORMAT_HL7_H
#define BSC_FORMAT_HL7_H
#ifndef BSC_INTERNAL
#error "scanner-internal header"
#endif

#include <stdbool.h>
#include <stddef.h>

/* The separators of a message, from MSH-1 and MSH-2 (or FHS / BHS). A
 * separator that MSH-2 does not give is 0 (that level is not split). */
struct bsc_hl7_delims {
	char field; /* MSH-1, usually '|' */
	char comp;  /* '^' */
	char rep;   /* '~' */
	char esc;   /* '\\' */
	char sub;   /* '&' */
};

/* The separators every HL7 v2 message is expected to use. */
#define BSC_HL7_DELIMS_DEFAULT {'|', '^', '~', '\\', '&'}

/*
 * Parse the separators of a header segment (MSH, FHS or BHS): the fourth
 * character is the field separator, then MSH-2 holds one to five encoding
 * characters (component, repetition, escape, subcomponent, truncation).
 * Each must be printable ASCII punctuation, distinct from the others.
 * Returns false, leaving *d untouched, when seg is no such header or its
 * separators are unusable.
 */
bool bsc_hl7_delims_parse(const char *seg, size_t len,
			  struct bsc_hl7_delims *d);

/*
 * Decode the escape sequences of one value in place: \F\ \S\ \T\ \R\ \E\
 * become the separators, \Xhh..\ the bytes it spells (read as UTF-8 when
 * they are valid UTF-8, else as ISO-8859-1; control bytes become spaces),
 * formatting commands (\.br\, \.sp\, ...) a space, highlighting and
 * character-set switches (\H\ \N\ \Zxx\ \Cxxyy\ \Mxxyyzz\) nothing. An
 * unknown or unterminated sequence is kept as written. Returns the new
 * length, never more than len.
 */
size_t bsc_hl7_unescape(char *s, size_t len, const struct bsc_hl7_delims *d);

/* Where one value sits in its message. */
struct bsc_hl7_loc {
	char seg[4];      /* segment id, NUL-terminated */
	unsigned field;   /* 1-based, MSH-1 is the field separator */
	unsigned rep;     /* 1-based repetition */
	unsigned comp;    /* 1-based; 0 when the name has no component */
	unsigned sub;     /* 1-based; 0 when the name has no subcomponent */
	const char *qual; /* structural qualifier ("INS", "BDL"), or "" */
	const char *slot; /* the slot name: "PID-3.1[INS]" */
};

/* Called for each non-empty value; v is decoded, not NUL-terminated. */
typedef void (*bsc_hl7_emit_fn)(void *data, const struct bsc_hl7_loc *loc,
				const char *v, size_t len);

/*
 * Split one segment (no terminator) into its values and call emit for
 * each non-empty one, with its slot name (see format_hl7.c for the naming
 * scheme). MSH-1 and MSH-2 are not values. seg is modified (escapes are
 * decoded in place). Returns false, emitting nothing, when seg does not
 * start with a segment id followed by the field separator.
 */
bool bsc_hl7_split_segment(char *seg, size_t len,
			   const struct bsc_hl7_delims *d, bsc_hl7_emit_fn emit,
			   void *data);

/*
 * MSH-18 (character set) of the first MSH in a decoded head, first
 * repetition, copied into buf. Returns false when there is none.
 */
bool bsc_hl7_head_charset(const char *text, size_t len, char *buf,
			  size_t cap);

/* True when the table of HL7 data types is sorted (checked by a test). */
bool bsc_hl7_types_sorted(void);

#endif
