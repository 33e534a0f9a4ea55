/*
 * encoding.h - character-encoding sniffing and streaming conversion to
 * UTF-8 (iconv). Readers only ever see UTF-8.
 */
#ifndef BSC_ENCODING_H
#define BSC_ENCODING_H
#ifndef BSC_INTERNAL
#error "scanner-internal header"
#endif

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum bsc_encoding {
	BSC_ENC_EMPTY = 0, /* no bytes at all */
	BSC_ENC_UTF8,
	BSC_ENC_UTF8_BOM,
	BSC_ENC_UTF16LE,
	BSC_ENC_UTF16BE,
	BSC_ENC_CP1252,
	BSC_ENC_LATIN1,
	BSC_ENC_BINARY,  /* many control characters (NUL runs count once) */
	BSC_ENC_INVALID  /* text, but not valid in any supported encoding */
};

/*
 * Guess the encoding of a text from its first bytes. at_eof says the head
 * is the whole input (a cut UTF-8 sequence at the end is then an error).
 */
enum bsc_encoding bsc_encoding_sniff(const unsigned char *head, size_t len,
				     bool at_eof);

/*
 * The text encoding of a head sniffed as binary, for a forced reader
 * (--reader): UTF-16 or UTF-8 if valid, else Windows-1252 (which maps
 * almost every byte). Never BSC_ENC_BINARY.
 */
enum bsc_encoding bsc_encoding_sniff_text(const unsigned char *head,
					  size_t len, bool at_eof);

/*
 * A name for binary content that holds no records by its nature (images,
 * audio, video, executables, fonts), from its magic bytes: "PNG image".
 * NULL for anything else, which may hold personal data. Static string.
 */
const char *bsc_binary_kind(const unsigned char *head, size_t len);

/* Report name ("utf-8", "windows-1252", ...). Static string. */
const char *bsc_encoding_name(enum bsc_encoding enc);

/* Parse a name such as "8859/1", "ISO-8859-1", "UTF-8"; -1 if unknown. */
int bsc_encoding_from_name(const char *name);

/*
 * A streaming decoder: raw bytes in, UTF-8 out. Incomplete sequences at
 * chunk ends are carried over. Invalid sequences become U+FFFD and are
 * counted in bad_bytes, with the offset of the first in first_bad.
 */
struct bsc_decoder {
	enum bsc_encoding enc;
	void *cd;            /* iconv_t, or NULL for UTF-8 */
	unsigned char carry[8];
	size_t carry_len;
	bool bom_checked;
	uint64_t in_off;     /* raw bytes consumed so far */
	uint64_t bad_bytes;
	uint64_t first_bad;
};

/* Returns false if iconv cannot convert this encoding. */
bool bsc_decoder_init(struct bsc_decoder *d, enum bsc_encoding enc);
void bsc_decoder_free(struct bsc_decoder *d);
/*
 * Convert in[0..len) and append UTF-8 to out (capacity cap, *out_len
 * used). Converts at most what fits; returns the number of input bytes
 * consumed. final=true flushes carried bytes (they count as bad).
 * out must have room for at least 16 bytes.
 */
size_t bsc_decoder_run(struct bsc_decoder *d, const unsigned char *in,
		       size_t len, char *out, size_t cap, size_t *out_len,
		       bool final);

#endif
