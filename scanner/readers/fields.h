/*
 * fields.h - what readers emit: fields (a value at a slot), record
 * boundaries, record keys and notes. A slot is a location that repeats
 * across records: a CSV column, an XML or JSON path, an HL7 field
 * position. Readers name slots; they never classify. scope.c implements
 * this interface.
 */
#ifndef BSC_FIELDS_H
#define BSC_FIELDS_H
#ifndef BSC_INTERNAL
#error "scanner-internal header"
/*
 * Part of the item could not be examined (what: copied, e.g. "embedded
 * PDF document at /ClinicalDocument/...": the item is then partial, with
 * the first such part and their number as its reason.
 */
void bsc_fields_unread(struct bsc_fields *f, const char *what);

#endif

#include <stddef.h>

struct bsc_fields;

/* Slot for free text that is not a table cell. */
#define BSC_SLOT_TEXT_NAME NULL

/*
 * The slot id for a location. name is the header or field path (copied;
 * may be NULL for a headerless column), column the 1-based column number
 * (0 when not a table). The same (name, column) always gives the same id.
 * A name starting with '/' is a location path (path.h, README "Slot
 * names"): it is classified by the path rules, and failing those by its
 * leaf name.
 */
unsigned bsc_fields_slot(struct bsc_fields *f, const char *name,
			 unsigned column);

/* One field value (UTF-8, not necessarily NUL-terminated) at slot. */
void bsc_fields_value(struct bsc_fields *f, unsigned slot, const char *v,
		      size_t len);

/*
 * The line (1-based) of the item's text where the values that follow
 * are, when the reader knows it: reports point at the first occurrence.
 * Readers of text formats give text lines (a CSV row, an HL7 segment, an
 * XML element, a JSON piece); the others number something else (format.h:
 * a PDF page, a sheet row: bsc_format_text_lines).
 * Optional.
 */
void bsc_fields_set_line(struct bsc_fields *f, unsigned long line);

/*
 * Where slot is defined in the item's text: line (1-based) and character
 * (1-based code point in that line; 0 if unknown) of a CSV header cell,
 * the line of a SQL column definition.
 * Findings of the slot then point there rather than at its first value.
 * Optional; the first call for a slot wins.
 */
void bsc_fields_slot_place(struct bsc_fields *f, unsigned slot,
			   unsigned long line, unsigned long chr);

/* The current record is complete. */
void bsc_fields_end_record(struct bsc_fields *f);

/*
 * The current record is about the entity named key (len bytes; only its
 * 64-bit hash is kept), for example the FHIR Patient a resource refers to. A record may name
 * several keys: they then name one entity. Records that share a key,
 * directly or through other records, form one entity for linkage:
 * records_linked counts each such entity once, when its records together
 * hold a direct identifier and medical data, while records without a key
 * count on their own. records_identity and records_medical still count
 * records. Call before bsc_fields_end_record.
 */
void bsc_fields_record_key(struct bsc_fields *f, const char *key,
			   size_t len);

/*
 * A remark for the item's report note (copied), e.g. content that was seen
 * but could not be scanned. Remarks are joined with "; " (bounded).
 */
void bsc_fields_note(struct bsc_fields *f, const char *note);

/*
 * Part of the item could not be examined (what: copied, e.g. "embedded
 * PDF document at /ClinicalDocument/...": the item is then partial, with
 * the first such part and their number as its reason.
 */
void bsc_fields_unread(struct bsc_fields *f, const char *what);

#endif
