/*
 * magic.h - what a binary item is, by its first bytes (sniff stage, used
 * by scan.c when no reader can read an item): whether it is certainly not
 * a document (an image, an executable, a font: skipped quietly) or may
 * hold personal data that was not examined (a PDF, an old Office file, a
 * database, unknown or encrypted bytes: the scan is then incomplete).
 */
#ifndef BSC_MAGIC_H
#define BSC_MAGIC_H
#ifndef BSC_INTERNAL
#error "scanner-internal header"
#endif

#include <stdbool.h>
#include <stddef.h>

struct bsc_magic {
	const char *name; /* "PNG image", "PDF document", ... */
	bool inert;       /* certainly holds no document: skip quietly */
};

/* The kind of the binary content head[0..len); never NULL (unknown
 * bytes are "binary data of unknown type", not inert). Static. */
const struct bsc_magic *bsc_magic_of(const unsigned char *head, size_t len);

#endif
