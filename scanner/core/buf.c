/*
 * buf.c - bounded growable buffer. Readers build fields and lines in these,
 * so a hostile file can never make one grow past its limit: the add fails
 * and the reader turns that into a "partial" status with a reason.
 */
#include "buf.h"

#include <stdlib.h>
#include <string.h>

#include "util.h"

void
bsc_buf_init(struct bsc_buf *b, size_t max)
{
	b->data = NULL;
	b->len = b->cap = 0;
	b->max = max;
}

bool
bsc_buf_add(struct bsc_buf *b, const void *p, size_t n)
{
	if (n > b->max - b->len)
		return false;
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 64;

		while (cap < b->len + n + 1)
			cap *= 2;
		if (cap > b->max + 1)
			cap = b->max + 1;
		b->data = bsc_realloc(b->data, cap);
		b->cap = cap;
	}
	if (n)
		memcpy(b->data + b->len, p, n);
	b->len += n;
	b->data[b->len] = '\0';
	return true;
}

bool
bsc_buf_addc(struct bsc_buf *b, char c)
{
	return bsc_buf_add(b, &c, 1);
}

void
bsc_buf_reset(struct bsc_buf *b)
{
	b->len = 0;
	if (b->data)
		b->data[0] = '\0';
}

void
bsc_buf_free(struct bsc_buf *b)
{
	free(b->data);
	b->data = NULL;
	b->len = b->cap = 0;
}
