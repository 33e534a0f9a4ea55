/*
 * embedded.h - documents carried as base64 inside a structured document
 * (a CDA nonXMLBody, a FHIR Attachment or Binary): streaming decoding,
 * sniffing of what the payload is, and scanning it when it is text.
 */
#ifndef BSC_EMBEDDED_H
#define BSC_EMBEDDED_H
#ifndef BSC_INTERNAL
#error "scanner-internal header"
#endif

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "encoding.h"
#include "fields.h"

struct bsc_embedded {
	struct bsc_fields *f;
	char *slot_name; /* where decoded text lines go */
	unsigned slot;	 /* its id, once a line was emitted */
	bool have_slot;
	size_t max_field;
	unsigned char quad[4]; /* base64 carry */
	size_t nquad;
	unsigned char *buf; /* decoded bytes not yet scanned */
	size_t len, cap;
	uint64_t decoded; /* payload bytes decoded */
	int kind;	  /* enum in embedded.c */
	bool bad;	  /* not valid base64: decoding stopped */
	bool active;
	struct bsc_decoder dec; /* text payloads, set up when sniffed */
	bool dec_ok;
};

/* Start a payload whose text, if any, goes to the slot called slot_name
 * (copied; the slot is only created when text comes). */
void bsc_embedded_begin(struct bsc_embedded *e, struct bsc_fields *f,
			const char *slot_name, size_t max_field);
/* Feed base64 text (whitespace is ignored). */
void bsc_embedded_feed(struct bsc_embedded *e, const char *b64, size_t n);
/*
 * Finish: scans the rest of a text payload, and for a payload that is not
 * text (PDF, images, archives) adds a note naming where (a slot name) and
 * what (a media type, or NULL) was not scanned. Releases the buffers.
 */
void bsc_embedded_end(struct bsc_embedded *e, const char *where,
		      const char *media_type);

#endif
