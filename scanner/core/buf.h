/*
 * buf.h - a growable byte buffer with a hard maximum (curl's dynbuf
 * "toobig"). Every buffer filled from input is one of these.
 */
#ifndef BSC_BUF_H
#define BSC_BUF_H
#ifndef BSC_INTERNAL
#error "scanner-internal header"
#endif

#include <stdbool.h>
#include <stddef.h>

struct bsc_buf {
	char *data; /* always NUL-terminated when non-NULL */
	size_t len;
	size_t cap;
	size_t max; /* len never exceeds max */
};

/* Set up an empty buffer that may hold at most max bytes. */
void bsc_buf_init(struct bsc_buf *b, size_t max);
/*
 * Append n bytes. Returns false, appending nothing, when the result would
 * exceed the maximum ("too big"); the caller reports the limit.
 */
bool bsc_buf_add(struct bsc_buf *b, const void *p, size_t n);
bool bsc_buf_addc(struct bsc_buf *b, char c);
/* Empty the buffer, keeping its memory. */
void bsc_buf_reset(struct bsc_buf *b);
/* Release the memory. The buffer can be used again after bsc_buf_init. */
void bsc_buf_free(struct bsc_buf *b);

#endif
