/*
 * magic.c - names binary content by its magic bytes (sniff stage, see
 * magic.h). One table, first match wins; an entry is "inert" only when
 * the format cannot carry a document's text: images, executables, fonts.
 * Everything else that no reader reads (PDF, OLE2 Office files, SQLite,
 * audio and video that may record a consultation, unknown or encrypted
 * bytes) is reported "not examined" and makes the scan incomplete.
 */
#include "magic.h"

#include <string.h>

#include "util.h"

struct sig {
	size_t off;
	const char *bytes;
	size_t len;
	struct bsc_magic kind;
};

#define SIG(off, lit, name, inert)                                             \
	{                                                                      \
		off, lit, sizeof(lit) - 1,                                     \
		{                                                              \
			name, inert                                            \
		}                                                              \
	}

static const struct sig sigs[] = {
    SIG(0, "\x89PNG\r\n\x1a\n", "PNG image", true),
    SIG(0, "\xff\xd8\xff", "JPEG image", true),
    SIG(0, "GIF87a", "GIF image", true),
    SIG(0, "GIF89a", "GIF image", true),
    SIG(8, "WEBP", "WebP image", true),
    SIG(0, "\x00\x00\x01\x00", "icon", true),
    SIG(0,
        "\x7f"
        "ELF",
        "ELF executable", true),
    SIG(0, "\xca\xfe\xba\xbe", "Mach-O or Java class file", true),
    SIG(0, "\xcf\xfa\xed\xfe", "Mach-O executable", true),
    SIG(0,
        "\x00"
        "asm",
        "WebAssembly module", true),
    SIG(0, "\x00\x01\x00\x00\x00", "TrueType font", true),
    SIG(0, "OTTO", "OpenType font", true),
    SIG(0, "wOFF", "WOFF font", true),
    SIG(0, "wOF2", "WOFF2 font", true),
    SIG(0, "MZ", "Windows executable", true),
    SIG(0, "%PDF-", "PDF document", false),
    SIG(0, "\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "Office 97-2003 document (OLE2)",
        false),
    SIG(0, "SQLite format 3", "SQLite database", false),
    SIG(0, "{\\rtf", "RTF document", false),
    SIG(0, "ID3", "MP3 audio", false),
    SIG(4, "ftyp", "MP4 or QuickTime media", false),
    SIG(0, "-----BEGIN PGP MESSAGE", "PGP-encrypted data", false),
    SIG(0, "\x85\x01\x0c", "PGP-encrypted data", false),
    SIG(0, "Salted__", "OpenSSL-encrypted data", false),
};

const struct bsc_magic *
bsc_magic_of(const unsigned char *head, size_t len)
{
	static const struct bsc_magic unknown = {
	    "binary data of unknown type (encrypted, or a format no reader "
	    "knows)",
	    false};

	static const struct bsc_magic zeros = {"zero-filled data", true};
	size_t z = 0;

	while (z < len && head[z] == 0)
		z++;
	if (len && z == len)
		return &zeros;
	for (size_t i = 0; i < BSC_ARRAY_SIZE(sigs); i++) {
		const struct sig *s = &sigs[i];

		if (len >= s->off + s->len &&
		    !memcmp(head + s->off, s->bytes, s->len))
			return &s->kind;
	}
	return &unknown;
}
