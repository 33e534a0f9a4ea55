/*
 * item.h - one scannable thing: a file, standard input, or (later) an
 * archive member. It has a display path and a byte stream; the first bytes
 * are kept for sniffing and replayed to the reader, and the stream can be
 * read raw or decoded to UTF-8.
 */
#ifndef BSC_ITEM_H
#define BSC_ITEM_H
#ifndef BSC_INTERNAL
#error "scanner-internal header"
#endif

#include <sys/types.h>

#include "encoding.h"
#include "util.h"

/* Bytes kept for sniffing. */
#define BSC_HEAD_SIZE 65536

/* Raw source: >0 bytes read, 0 at end, -1 on error (errno set). */
typedef ssize_t (*bsc_read_fn)(void *src, void *buf, size_t n);

struct bsc_item {
	char *path; /* display path, owned */
	int depth;  /* 0 for top-level inputs */
	bsc_read_fn read;
	void *src;
	unsigned char *head; /* first bytes, owned */
	size_t head_len;
	size_t head_pos;  /* replay position */
	bool src_eof;     /* the source returned 0 */
	int read_errno;   /* first read error, 0 if none */
	uint64_t bytes;   /* raw bytes delivered so far */
	uint64_t max_bytes;
	bool truncated;   /* stopped at max_bytes with more to come */
	void *md;         /* EVP_MD_CTX* while hashing (--hash), or NULL */
	/* text layer */
	struct bsc_decoder dec;
	bool text;
	unsigned char *raw; /* staging for the decoder */
	size_t raw_len, raw_pos;
};

/*
 * Set up an item reading from read(src). path is copied. max_bytes caps
 * the raw bytes delivered (0 = no cap). Release with bsc_item_release.
 */
void bsc_item_init(struct bsc_item *it, const char *path, bsc_read_fn read,
		   void *src, uint64_t max_bytes);
void bsc_item_release(struct bsc_item *it);

/* Read the first BSC_HEAD_SIZE bytes (or all, if fewer) into it->head.
 * Returns false on a read error (it->read_errno). */
bool bsc_item_fill_head(struct bsc_item *it);

/* Raw read: head first, then the source. Same contract as bsc_read_fn. */
ssize_t bsc_item_read(struct bsc_item *it, void *buf, size_t n);

/*
 * Start decoding the stream (from its first byte) as enc. Returns false
 * if the encoding cannot be converted.
 */
bool bsc_item_text_begin(struct bsc_item *it, enum bsc_encoding enc);
/*
 * Decoded read: up to cap bytes of UTF-8 (cap >= 64). Returns the count,
 * 0 at the end, -1 on a read error. Sequences are never cut.
 */
ssize_t bsc_item_read_text(struct bsc_item *it, char *out, size_t cap);

/* Hash every byte delivered from now on (SHA-256). Call before any read. */
void bsc_item_hash_begin(struct bsc_item *it);
/*
 * Read the rest of the item (for the hash only) and write the SHA-256 in
 * hex into out (65 bytes). Returns false if the item was not read to its
 * end (truncated or a read error): out is then empty.
 */
bool bsc_item_hash_end(struct bsc_item *it, char out[65]);

/* Read source for a file descriptor (src is an int* to the fd). */
ssize_t bsc_fd_read(void *src, void *buf, size_t n);

#endif
