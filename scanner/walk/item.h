/*
 * item.h - one scannable thing: a file, standard input, or an archive
 * member. It has a display path and a byte stream; the first bytes are
 * kept for sniffing and replayed to the reader, and the stream can be read
 * raw or decoded to UTF-8.
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
	int depth;  /* 0 for top-level inputs, +1 per archive level */
	const char *container; /* path of the enclosing archive, borrowed;
				  NULL at top level */
	bsc_read_fn read;
	void *src;
	/* A file descriptor holding the item from offset 0 that pread() and
	 * fstat() work on (a regular file), or -1. Archive formats that need
	 * seeking (7z, zip's central directory) use it. */
	int fd;
	/* Optional source hooks, set by archive members (NULL otherwise):
	 * drain consumes what the reader left of the source and returns
	 * false when a limit or an error stopped it; error says why the
	 * source failed or stopped (a limit and its value), or NULL. */
	bool (*drain)(void *src);
	const char *(*error)(void *src);
	/* Modification time (seconds since the epoch, UTC) of a file or
	 * archive member, when known (has_mtime). */
	int64_t mtime;
	bool has_mtime;
	unsigned char *head; /* first bytes, owned */
	size_t head_len;
	size_t head_pos;  /* replay position */
	bool src_eof;     /* the source returned 0 */
	int read_errno;   /* first read error, 0 if none */
	uint64_t bytes;   /* raw bytes delivered so far */
	uint64_t max_bytes;
	bool truncated;   /* stopped at max_bytes with more to come */
	/* Time budget: CLOCK_MONOTONIC milliseconds after which reads fail
	 * (ETIMEDOUT, reason in stop_reason); 0 = none. Checked on every
	 * read, so a reader never runs much past it. */
	long long deadline_ms;
	uint64_t budget_ms;    /* the --max-time value, for the reason */
	char stop_reason[160];
	/* Size of a regular file when it was opened, or -1: an item that
	 * shrinks or grows while read is partial (bsc_item_changed). */
	long long size_at_open;
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
/* The item's modification time as "YYYY-MM-DDTHH:MM:SSZ" in buf, or
 * false when it is not known. */
bool bsc_item_mtime_text(const struct bsc_item *it, char *buf, size_t len);

/* Read the first BSC_HEAD_SIZE bytes (or all, if fewer) into it->head.
 * Returns false on a read error before any byte (it->read_errno); an
 * error after some bytes keeps them, with it->read_errno set. */
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
/*
 * Consume the rest of the source after the reader is done (archive
 * members: skip or expand the rest of the member, under the limits).
 * Returns false if a limit or an error stopped it; bsc_item_error says
 * why. Items without a drain hook return true.
 */
bool bsc_item_drain(struct bsc_item *it);

/* Why the source failed or stopped (owned by the source), or NULL when
 * it has nothing better than strerror(it->read_errno). */
const char *bsc_item_error(const struct bsc_item *it);

/* Monotonic clock in milliseconds. */
long long bsc_now_ms(void);

/*
 * Did a regular file change while it was read? Compares the size at open
 * (size_at_open), the bytes read when the item was read to its end, and
 * the size now (fstat on stat_fd). Writes why into buf and returns true
 * if it changed.
 */
bool bsc_item_changed(const struct bsc_item *it, int stat_fd, char *buf,
		      size_t len);

/* Read source for a file descriptor (src is an int* to the fd). */
ssize_t bsc_fd_read(void *src, void *buf, size_t n);

#endif
