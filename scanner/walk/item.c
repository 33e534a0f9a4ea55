/*
 * item.c - the item stream (item stage): replays the sniffed head, then
 * reads on from the source, enforces --max-file-size, and decodes to UTF-8
 * on request. Readers pull from here; they never open files themselves,
 * which is what lets archive members and stdin go through the same code.
 */
#include "item.h"

#include <errno.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define RAW_CHUNK 65536

void
bsc_item_init(struct bsc_item *it, const char *path, bsc_read_fn read,
	      void *src, uint64_t max_bytes)
{
	memset(it, 0, sizeof(*it));
	it->path = bsc_strdup(path);
	it->read = read;
	it->src = src;
	it->max_bytes = max_bytes;
	it->fd = -1;
	it->size_at_open = -1;
}

long long
bsc_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The item's time budget is spent: fail the read with a reason. */
static bool
out_of_time(struct bsc_item *it)
{
	if (!it->deadline_ms || bsc_now_ms() <= it->deadline_ms)
		return false;
	if (!it->stop_reason[0]) {
		char lim[32];

		if (it->budget_ms % 1000)
			snprintf(lim, sizeof(lim), "%llums",
				 (unsigned long long)it->budget_ms);
		else
			snprintf(lim, sizeof(lim), "%llus",
				 (unsigned long long)(it->budget_ms / 1000));
		snprintf(it->stop_reason, sizeof(it->stop_reason),
			 "time budget --max-time (%s) used up after %llu "
			 "bytes: the rest was not scanned",
			 lim, (unsigned long long)it->bytes);
	}
	it->read_errno = ETIMEDOUT;
	return true;
}

bool
bsc_item_changed(const struct bsc_item *it, int stat_fd, char *buf,
		 size_t len)
{
	struct stat st;
	long long now;

	if (it->size_at_open < 0 || stat_fd < 0 || fstat(stat_fd, &st) != 0 ||
	    !S_ISREG(st.st_mode))
		return false;
	now = (long long)st.st_size;
	if (now == it->size_at_open &&
	    (!it->src_eof || it->truncated ||
	     (long long)it->bytes == it->size_at_open))
		return false;
	snprintf(buf, len,
		 "the file changed while it was read (%lld bytes at open, "
		 "%llu read, %lld now): scan it again when it is stable",
		 it->size_at_open, (unsigned long long)it->bytes, now);
	return true;
}

void
bsc_item_release(struct bsc_item *it)
{
	free(it->path);
	free(it->head);
	free(it->raw);
	if (it->md)
		EVP_MD_CTX_free(it->md);
	bsc_decoder_free(&it->dec);
	memset(it, 0, sizeof(*it));
}

static ssize_t
src_read(struct bsc_item *it, void *buf, size_t n)
{
	ssize_t r;

	if (it->src_eof || it->read_errno)
		return it->read_errno ? -1 : 0;
	if (out_of_time(it))
		return -1;
	do {
		r = it->read(it->src, buf, n);
	} while (r < 0 && errno == EINTR);
	if (r < 0)
		it->read_errno = errno ? errno : EIO;
	else if (r == 0)
		it->src_eof = true;
	return r;
}

bool
bsc_item_fill_head(struct bsc_item *it)
{
	size_t want = BSC_HEAD_SIZE;

	if (it->max_bytes && it->max_bytes < want)
		want = (size_t)it->max_bytes;
	it->head = bsc_zalloc(BSC_HEAD_SIZE);
	while (it->head_len < want) {
		ssize_t r = src_read(it, it->head + it->head_len,
				     want - it->head_len);

		/* An error after some bytes keeps them: the reader scans
		 * what there is, and the item ends partial. */
		if (r < 0)
			return it->head_len > 0;
		if (r == 0)
			break;
		it->head_len += (size_t)r;
	}
	return true;
}

ssize_t
bsc_item_read(struct bsc_item *it, void *buf, size_t n)
{
	ssize_t r;

	if (it->head_pos < it->head_len) {
		size_t k = it->head_len - it->head_pos;

		if (k > n)
			k = n;
		memcpy(buf, it->head + it->head_pos, k);
		it->head_pos += k;
		it->bytes += k;
		if (it->md)
			EVP_DigestUpdate(it->md, buf, k);
		return (ssize_t)k;
	}
	if (it->max_bytes && it->bytes >= it->max_bytes) {
		char probe;

		if (!it->truncated && !it->src_eof &&
		    src_read(it, &probe, 1) > 0)
			it->truncated = true;
		return 0;
	}
	if (it->max_bytes && n > it->max_bytes - it->bytes)
		n = (size_t)(it->max_bytes - it->bytes);
	r = src_read(it, buf, n);
	if (r > 0) {
		it->bytes += (uint64_t)r;
		if (it->md)
			EVP_DigestUpdate(it->md, buf, (size_t)r);
	}
	return r;
}

bool
bsc_item_text_begin(struct bsc_item *it, enum bsc_encoding enc)
{
	it->text = true;
	if (!it->raw)
		it->raw = bsc_zalloc(RAW_CHUNK);
	it->raw_len = it->raw_pos = 0;
	bsc_decoder_free(&it->dec);
	return bsc_decoder_init(&it->dec, enc);
}

ssize_t
bsc_item_read_text(struct bsc_item *it, char *out, size_t cap)
{
	bool eof = false;

	for (;;) {
		size_t olen = 0;
		size_t used;

		if (it->raw_pos < it->raw_len || eof) {
			used = bsc_decoder_run(&it->dec, it->raw + it->raw_pos,
					       it->raw_len - it->raw_pos, out,
					       cap, &olen, eof);
			it->raw_pos += used;
			if (olen > 0)
				return (ssize_t)olen;
			if (eof)
				return 0;
		}
		/* Need more raw input: keep the unconsumed tail. */
		memmove(it->raw, it->raw + it->raw_pos,
			it->raw_len - it->raw_pos);
		it->raw_len -= it->raw_pos;
		it->raw_pos = 0;
		{
			ssize_t r = bsc_item_read(it, it->raw + it->raw_len,
						  RAW_CHUNK - it->raw_len);

			if (r < 0)
				return -1;
			if (r == 0)
				eof = true;
			else
				it->raw_len += (size_t)r;
		}
	}
}

void
bsc_item_hash_begin(struct bsc_item *it)
{
	it->md = EVP_MD_CTX_new();
	if (!it->md || !EVP_DigestInit_ex(it->md, EVP_sha256(), NULL))
		abort();
}

bool
bsc_item_hash_end(struct bsc_item *it, char out[65])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int n = 0;
	char buf[65536];

	out[0] = '\0';
	if (!it->md)
		return false;
	while (bsc_item_read(it, buf, sizeof(buf)) > 0)
		;
	EVP_DigestFinal_ex(it->md, md, &n);
	EVP_MD_CTX_free(it->md);
	it->md = NULL;
	if (it->truncated || it->read_errno)
		return false;
	for (unsigned i = 0; i < n && i < 32; i++)
		snprintf(out + 2 * i, 3, "%02x", md[i]);
	return true;
}

bool
bsc_item_drain(struct bsc_item *it)
{
	return it->drain ? it->drain(it->src) : true;
}

const char *
bsc_item_error(const struct bsc_item *it)
{
	if (it->stop_reason[0])
		return it->stop_reason;
	return it->error ? it->error(it->src) : NULL;
}

ssize_t
bsc_fd_read(void *src, void *buf, size_t n)
{
	return read(*(int *)src, buf, n);
}

bool
bsc_item_mtime_text(const struct bsc_item *it, char *buf, size_t len)
{
	time_t t = (time_t)it->mtime;
	struct tm tm;

	if (!it->has_mtime || !gmtime_r(&t, &tm) ||
	    !strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm))
		return false;
	return true;
}
