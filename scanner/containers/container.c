/*
 * container.c - archives and compressed files (container stage, between
 * the item and the readers). It recognises containers by their magic
 * bytes (one table, below), opens them with libarchive in streaming mode,
 * and hands every entry back to the scanner as an item, so that members go
 * through the same sniff/reader/scope pipeline as files and nested archives
 * recurse. The limits of README "Limits" are enforced on the way.
 *
 * It never extracts, never writes to disk, never starts a program (only
 * in-process decompressors are enabled, never
 * archive_read_support_filter_all) and never allocates by a size that the
 * archive declares. rar is recognised but not opened.
 */
#include "container.h"

#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <locale.h>
#include <lzma.h>
#include <zlib.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"

/*
 * Compressed bytes handed to libarchive per read callback. The compressed
 * size of a member is known to within one block (the ratio check counts
 * one block more than it saw, so it never overestimates a ratio).
 */
#define READ_BLOCK 32768
/* Longest entry name kept in a display path, in bytes. */
#define MAX_NAME 1024
/* Unreadable entry headers in a row before giving up on an archive. */
#define MAX_BAD_HEADERS 16
/* Reopenings of one archive to get past damaged members (see resume). */
#define MAX_RESUMES 64

enum {
	C_FILTER = 1u << 0,      /* a compression filter, not a format */
	C_NEEDS_SEEK = 1u << 1,  /* libarchive must seek to read it (7z) */
	C_UNSUPPORTED = 1u << 2  /* recognised, never opened (rar) */
};

struct bsc_container {
	const char *name;
	/* Does head[0..len) start with this container? Magic bytes only. */
	bool (*bid)(const unsigned char *h, size_t n);
	/* Enable the libarchive format or filter; NULL when unsupported. */
	int (*enable)(struct archive *a, bool seekable);
	/* For filters, the version function of the library libarchive must
	 * link for the filter to run in-process; NULL when built in. Without
	 * the library libarchive would start an external program instead,
	 * so the filter stays off. */
	const char *(*lib)(void);
	unsigned flags;
};

/* ---- bidders ----------------------------------------------------------- */

static bool
magic(const unsigned char *h, size_t n, size_t off, const char *m,
      size_t mlen)
{
	return n >= off + mlen && !memcmp(h + off, m, mlen);
}

/*
 * zip: a local file header (PK 3 4), the end record of an empty zip
 * (PK 5 6), or the spanning marker (PK 7 8) before the first header. A zip
 * behind a stub (self-extracting .exe) is not recognised: it is a program.
 */
static bool
bid_zip(const unsigned char *h, size_t n)
{
	return magic(h, n, 0, "PK\003\004", 4) ||
	       magic(h, n, 0, "PK\005\006", 4) ||
	       magic(h, n, 0, "PK\007\010PK\003\004", 8);
}

static bool
bid_7z(const unsigned char *h, size_t n)
{
	return magic(h, n, 0, "7z\274\257\047\034", 6);
}

/* rar 1.5-4.x and rar 5 signatures. */
static bool
bid_rar(const unsigned char *h, size_t n)
{
	return magic(h, n, 0, "Rar!\032\007\000", 7) ||
	       magic(h, n, 0, "Rar!\032\007\001\000", 8);
}

/* gzip: magic and the deflate method byte. */
static bool
bid_gz(const unsigned char *h, size_t n)
{
	return magic(h, n, 0, "\037\213\010", 3);
}

/* bzip2: "BZh", a block size digit, then a block or end-of-stream magic:
 * "BZh9" alone could start a text. */
static bool
bid_bz2(const unsigned char *h, size_t n)
{
	return n >= 10 && magic(h, n, 0, "BZh", 3) && h[3] >= '1' &&
	       h[3] <= '9' &&
	       (magic(h, n, 4, "1AY&SY", 6) ||
		magic(h, n, 4, "\027rE8P\220", 6));
}

static bool
bid_xz(const unsigned char *h, size_t n)
{
	return magic(h, n, 0, "\3757zXZ\000", 6);
}

/*
 * lzma_alone (.lzma) has no magic: properties byte 0x5D (the only one
 * encoders use), a dictionary size of 2^n or 2^n + 2^(n-1) of at least
 * 4 KiB, an unknown size (all 0xFF) or one below 2^48, and the range
 * coder's first byte, always 0. A text cannot start with 0x5D then NULs.
 */
static bool
bid_lzma(const unsigned char *h, size_t n)
{
	uint32_t dict;
	bool unknown = true;

	if (n < 14 || h[0] != 0x5D || h[13] != 0)
		return false;
	dict = (uint32_t)h[1] | (uint32_t)h[2] << 8 | (uint32_t)h[3] << 16 |
	       (uint32_t)h[4] << 24;
	if (dict < 4096)
		return false;
	if ((dict & (dict - 1)) != 0 &&
	    (dict % 3 != 0 || ((dict / 3) & (dict / 3 - 1)) != 0))
		return false;
	for (int i = 5; i < 13; i++)
		unknown = unknown && h[i] == 0xFF;
	return unknown || (h[11] == 0 && h[12] == 0);
}

static bool
bid_zst(const unsigned char *h, size_t n)
{
	return magic(h, n, 0, "\050\265\057\375", 4);
}

/* lz4 frame, or the legacy format. */
static bool
bid_lz4(const unsigned char *h, size_t n)
{
	return magic(h, n, 0, "\004\042\115\030", 4) ||
	       magic(h, n, 0, "\002\041\114\030", 4);
}

static bool
bid_lz(const unsigned char *h, size_t n)
{
	return n >= 5 && magic(h, n, 0, "LZIP", 4) && h[4] <= 1;
}

/* compress (.Z): magic, then a flags byte with 9 to 16 bits per code. */
static bool
bid_z(const unsigned char *h, size_t n)
{
	return n >= 3 && magic(h, n, 0, "\037\235", 2) &&
	       (h[2] & 0x1F) >= 9 && (h[2] & 0x1F) <= 16 &&
	       (h[2] & 0x60) == 0;
}

static bool
bid_ar(const unsigned char *h, size_t n)
{
	return magic(h, n, 0, "!<arch>\n", 8);
}

/*
 * cpio: the ASCII magics (odc 070707, newc 070701, crc 070702), or the
 * old binary header (0x71C7 in either byte order, only 16 bits), which is
 * confirmed by its NUL-terminated name.
 */
static bool
bid_cpio(const unsigned char *h, size_t n)
{
	unsigned namesize;

	if (magic(h, n, 0, "070707", 6) || magic(h, n, 0, "070701", 6) ||
	    magic(h, n, 0, "070702", 6))
		return true;
	if (n < 26)
		return false;
	if (h[0] == 0xC7 && h[1] == 0x71)
		namesize = h[20] | (unsigned)h[21] << 8;
	else if (h[0] == 0x71 && h[1] == 0xC7)
		namesize = (unsigned)h[20] << 8 | h[21];
	else
		return false;
	return namesize > 1 && namesize < 4096 && n >= 26 + namesize &&
	       h[26 + namesize - 1] == 0;
}

/*
 * tar: the first 512-byte header must carry a valid checksum (the octal
 * field at 148, summing the header with that field as spaces, unsigned or
 * signed as old tars did) and a name. This covers ustar, pax, GNU and v7
 * tar (which has no magic), and no text passes it by chance. An archive
 * that starts with an empty block (an empty tar) is not recognised; it is
 * all zeros and reported as binary.
 */
static bool
bid_tar(const unsigned char *h, size_t n)
{
	unsigned long want = 0, usum = 0;
	long ssum = 0;
	int i = 148, digits = 0;

	if (n < 512 || h[0] == 0)
		return false;
	while (i < 156 && h[i] == ' ')
		i++;
	for (; i < 156 && h[i] >= '0' && h[i] <= '7'; i++, digits++)
		want = want * 8 + (unsigned long)(h[i] - '0');
	if (digits == 0 || (i < 156 && h[i] != ' ' && h[i] != 0))
		return false;
	for (i = 0; i < 512; i++) {
		unsigned char c = (i >= 148 && i < 156) ? ' ' : h[i];

		usum += c;
		ssum += (signed char)c;
	}
	return want == usum || (long)want == ssum;
}

/* iso9660: a volume descriptor ("CD001", version 1) at 32 KiB. */
static bool
bid_iso(const unsigned char *h, size_t n)
{
	return n > 32774 && magic(h, n, 32769, "CD001", 5) && h[32774] == 1;
}

/* ---- libarchive switches ----------------------------------------------- */

/* A zip in a file is read through its central directory (the seekable
 * reader), which knows every entry's sizes and can skip an entry without
 * expanding it; the streaming reader takes over when there is no central
 * directory (a truncated zip), and reads zips from pipes and members. */
static int
en_zip(struct archive *a, bool seekable)
{
	if (seekable)
		archive_read_support_format_zip_seekable(a);
	return archive_read_support_format_zip_streamable(a);
}

static int
en_7z(struct archive *a, bool seekable)
{
	return archive_read_support_format_7zip(a);
}

static int
en_tar(struct archive *a, bool seekable)
{
	return archive_read_support_format_tar(a);
}

static int
en_cpio(struct archive *a, bool seekable)
{
	return archive_read_support_format_cpio(a);
}

static int
en_ar(struct archive *a, bool seekable)
{
	return archive_read_support_format_ar(a);
}

static int
en_iso(struct archive *a, bool seekable)
{
	return archive_read_support_format_iso9660(a);
}

static int
en_gz(struct archive *a, bool seekable)
{
	return archive_read_support_filter_gzip(a);
}

static int
en_bz2(struct archive *a, bool seekable)
{
	return archive_read_support_filter_bzip2(a);
}

static int
en_xz(struct archive *a, bool seekable)
{
	return archive_read_support_filter_xz(a);
}

static int
en_lzma(struct archive *a, bool seekable)
{
	return archive_read_support_filter_lzma(a);
}

static int
en_zst(struct archive *a, bool seekable)
{
	return archive_read_support_filter_zstd(a);
}

static int
en_lz4(struct archive *a, bool seekable)
{
	return archive_read_support_filter_lz4(a);
}

static int
en_lz(struct archive *a, bool seekable)
{
	return archive_read_support_filter_lzip(a);
}

static int
en_z(struct archive *a, bool seekable)
{
	return archive_read_support_filter_compress(a);
}

/*
 * The containers. Cheap bidders first: fixed magic at offset 0, then tar
 * (a checksum over 512 bytes) and iso9660 (bytes at 32 KiB) last. The
 * magics are disjoint, so the order only decides the cost. Adding a
 * container means one bidder, one switch and one row here.
 */
static const struct bsc_container containers[] = {
	{"zip", bid_zip, en_zip, NULL, 0},
	{"7z", bid_7z, en_7z, NULL, C_NEEDS_SEEK},
	{"rar", bid_rar, NULL, NULL, C_UNSUPPORTED},
	{"gz", bid_gz, en_gz, archive_zlib_version, C_FILTER},
	{"bz2", bid_bz2, en_bz2, archive_bzlib_version, C_FILTER},
	{"xz", bid_xz, en_xz, archive_liblzma_version, C_FILTER},
	{"zst", bid_zst, en_zst, archive_libzstd_version, C_FILTER},
	{"lz4", bid_lz4, en_lz4, archive_liblz4_version, C_FILTER},
	{"lz", bid_lz, en_lz, archive_liblzma_version, C_FILTER},
	{"Z", bid_z, en_z, NULL, C_FILTER},
	{"ar", bid_ar, en_ar, NULL, 0},
	{"cpio", bid_cpio, en_cpio, NULL, 0},
	{"lzma", bid_lzma, en_lzma, archive_liblzma_version, C_FILTER},
	{"tar", bid_tar, en_tar, NULL, 0},
	{"iso", bid_iso, en_iso, NULL, 0},
};

const struct bsc_container *
bsc_container_bid(const unsigned char *head, size_t len)
{
	for (size_t i = 0; i < BSC_ARRAY_SIZE(containers); i++)
		if (containers[i].bid(head, len))
			return &containers[i];
	return NULL;
}

const char *
bsc_container_name(const struct bsc_container *c)
{
	return c->name;
}

const char *
bsc_container_names(void)
{
	return "zip, 7z, tar, cpio, ar, iso9660; gz, bz2, xz, lzma, zst, "
	       "lz4, lz, Z";
}

/*
 * Enable what reading c needs. An archive format is read alone. A filter
 * may hold a tar or cpio (dump.tar.gz), several filters may be chained
 * (.tar.gz.xz), and anything else inside is the single member of the
 * "raw" format (a.csv.gz, shown as "a.csv.gz!/a.csv"), or nothing at all (the
 * "empty" format). Filters whose library is missing are never enabled
 * (see struct bsc_container).
 */
static void
enable(struct archive *a, const struct bsc_container *c, bool seekable)
{
	if (!(c->flags & C_FILTER)) {
		c->enable(a, seekable);
		return;
	}
	for (size_t i = 0; i < BSC_ARRAY_SIZE(containers); i++) {
		const struct bsc_container *f = &containers[i];

		if ((f->flags & C_FILTER) && (!f->lib || f->lib()))
			f->enable(a, seekable);
	}
	archive_read_support_format_tar(a);
	archive_read_support_format_cpio(a);
	archive_read_support_format_raw(a);
	/* An empty compressed file: no member, not an error. */
	archive_read_support_format_empty(a);
}

/* ---- the budget ---------------------------------------------------------- */

static long long
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void
bsc_budget_start(struct bsc_budget *b)
{
	memset(b, 0, sizeof(*b));
	b->start_ms = now_ms();
}

static void
format_ms(uint64_t ms, char *buf, size_t len)
{
	if (ms % 1000 == 0)
		snprintf(buf, len, "%llus", (unsigned long long)(ms / 1000));
	else
		snprintf(buf, len, "%llums", (unsigned long long)ms);
}

/* A byte count for people: "512 bytes", "16.0 MiB". */
static void
format_bytes(uint64_t v, char *buf, size_t len)
{
	static const char *const units[] = {"KiB", "MiB", "GiB", "TiB"};
	double d = (double)v;
	int u = -1;

	if (v < 1024) {
		snprintf(buf, len, "%llu bytes", (unsigned long long)v);
		return;
	}
	while (d >= 1024 && u < 3) {
		d /= 1024;
		u++;
	}
	snprintf(buf, len, "%.1f %s", d, units[u]);
}

/* ---- one open archive ---------------------------------------------------- */

struct arc {
	struct bsc_ctx *ctx;
	const struct bsc_limits *lim;
	struct bsc_budget *budget;
	struct bsc_item *it; /* the archive item: compressed bytes */
	struct archive *a;
	/* The source: the item's stream, pread() on its file, or the whole
	 * item in memory (a 7z that is not in a file). */
	int fd;
	bool in_mem;
	struct bsc_buf mem;
	int64_t pos, size; /* seekable sources */
	unsigned char *blk;
	uint64_t raw;      /* compressed bytes handed to libarchive */
	bool src_failed;
	char src_reason[300];
	bool raw_format;   /* a single compressed file */
	bool dead;         /* libarchive returned ARCHIVE_FATAL ... */
	char dead_reason[320]; /* ... saying this */
	unsigned resumes;
	bool no_seek;      /* open with the streaming readers only */
	/* cpio guard (see cpio_guard): the raw stream's last bytes */
	bool cg_on;
	unsigned char cg_hdr[110];
	size_t cg_have;
	bool stop;
	char stop_reason[512];
	/* The current member. */
	const unsigned char *m_ptr;
	size_t m_left;
	uint64_t m_out, m_raw0;
	bool m_eof, m_failed, m_skip, m_ratio, m_encrypted, m_cheap;
	char m_warn[320];
	char m_reason[640];
};

/*
 * True when the input's budget (time, expanded bytes) is spent; the first
 * limit hit is named in budget->reason, and everything below the input
 * stops.
 */
static bool
budget_spent(struct arc *ar)
{
	struct bsc_budget *b = ar->budget;
	char lim[32];

	if (b->stopped)
		return true;
	if (b->bytes > ar->lim->max_total) {
		bsc_format_size(ar->lim->max_total, lim, sizeof(lim));
		snprintf(b->reason, sizeof(b->reason),
			 "expanded more than --max-total-size (%s) from this "
			 "input: the rest of it was not scanned",
			 lim);
		b->stopped = true;
	} else if ((uint64_t)(now_ms() - b->start_ms) > ar->lim->max_time_ms) {
		format_ms(ar->lim->max_time_ms, lim, sizeof(lim));
		snprintf(b->reason, sizeof(b->reason),
			 "time budget --max-time (%s) used up on this input: "
			 "the rest of it was not scanned",
			 lim);
		b->stopped = true;
	}
	return b->stopped;
}

/*
 * libarchive's cpio reader reads an entry's name with a read-ahead of the
 * size the header declares, allocating it first (fuzzing found a 2.8 GB
 * malloc from a 788-byte input). For a plain cpio, every header in the
 * raw stream is checked here, and a name longer than MAX_CPIO_NAME is
 * refused before libarchive sees it. Off after a seek; binary cpio has
 * 16-bit sizes (harmless). Returns false to refuse.
 */
#define MAX_CPIO_NAME 65536

static bool
cpio_field(const unsigned char *h, size_t off, size_t len, int base,
	   uint64_t *v)
{
	*v = 0;
	for (size_t i = off; i < off + len; i++) {
		int d = h[i] >= '0' && h[i] <= '9'   ? h[i] - '0'
			: h[i] >= 'a' && h[i] <= 'f' ? h[i] - 'a' + 10
			: h[i] >= 'A' && h[i] <= 'F' ? h[i] - 'A' + 10
						     : 99;

		if (d >= base)
			break; /* as libarchive's atol16/atol8: stop there */
		*v = *v * (uint64_t)base + (uint64_t)d;
	}
	return true;
}

static bool
cpio_guard(struct arc *ar, const unsigned char *p, size_t n)
{
	/* libarchive resynchronises on any "07070x" after junk, so every
	 * occurrence is checked, not only where the last entry ends. The
	 * last 109 bytes are carried over, unchecked, to the next block. */
	size_t total = ar->cg_have + n, i;
	unsigned char *w = bsc_zalloc(total);
	bool ok = true;

	memcpy(w, ar->cg_hdr, ar->cg_have);
	memcpy(w + ar->cg_have, p, n);
	for (i = 0; ok && i + 110 <= total; i++) {
		uint64_t name;
		bool odc;

		if (w[i] != '0' || memcmp(w + i, "07070", 5) ||
		    (w[i + 5] != '1' && w[i + 5] != '2' && w[i + 5] != '7'))
			continue;
		odc = w[i + 5] == '7';
		if (odc)
			cpio_field(w + i, 59, 6, 8, &name);
		else
			cpio_field(w + i, 94, 8, 16, &name);
		ok = name <= MAX_CPIO_NAME;
	}
	ar->cg_have = total < 109 ? total : 109;
	memcpy(ar->cg_hdr, w + total - ar->cg_have, ar->cg_have);
	free(w);
	return ok;
}

static la_ssize_t
arc_read(struct archive *a, void *data, const void **buf)
{
	struct arc *ar = data;
	ssize_t n;

	*buf = ar->blk;
	if (budget_spent(ar)) {
		archive_set_error(a, ECANCELED, "%s", ar->budget->reason);
		return -1;
	}
	if (ar->in_mem) {
		n = ar->pos < ar->size ? (ssize_t)(ar->size - ar->pos) : 0;
		if (n > READ_BLOCK)
			n = READ_BLOCK;
		if (n > 0)
			*buf = ar->mem.data + ar->pos;
		ar->pos += n;
	} else if (ar->fd >= 0) {
		do {
			n = pread(ar->fd, ar->blk, READ_BLOCK, (off_t)ar->pos);
		} while (n < 0 && errno == EINTR);
		if (n < 0)
			snprintf(ar->src_reason, sizeof(ar->src_reason),
				 "read error: %s", strerror(errno));
		else
			ar->pos += n;
	} else {
		n = bsc_item_read(ar->it, ar->blk, READ_BLOCK);
		if (n == 0 && ar->it->truncated && !ar->src_failed) {
			char lim[32];

			/* libarchive sees the end; the reason is ours. */
			bsc_format_size(ar->lim->max_file_size, lim,
					sizeof(lim));
			ar->src_failed = true;
			snprintf(ar->src_reason, sizeof(ar->src_reason),
				 "the archive is bigger than --max-file-size "
				 "(%s): the rest of it was not read",
				 lim);
		}
		if (n < 0) {
			const char *why = bsc_item_error(ar->it);

			if (!why)
				why = strerror(ar->it->read_errno);
			snprintf(ar->src_reason, sizeof(ar->src_reason),
				 "%s", why);
		}
	}
	if (n < 0) {
		ar->src_failed = true;
		archive_set_error(a, EIO, "%s", ar->src_reason);
		return -1;
	}
	if (n > 0 && ar->cg_on && !cpio_guard(ar, *buf, (size_t)n)) {
		archive_set_error(a, EFBIG,
				  "a cpio entry declares a name longer than "
				  "%d bytes: refused (it would be allocated "
				  "before being read)",
				  MAX_CPIO_NAME);
		return -1;
	}
	ar->raw += (uint64_t)n;
	return n;
}

static la_int64_t
arc_seek(struct archive *a, void *data, la_int64_t off, int whence)
{
	struct arc *ar = data;
	int64_t base = whence == SEEK_SET ? 0
		     : whence == SEEK_CUR ? ar->pos
					  : ar->size;

	if (off < -base)
		return ARCHIVE_FATAL;
	ar->cg_on = false;
	ar->pos = base + off;
	return ar->pos;
}

/* Why the archive stopped: our own cause first, then libarchive's. */
static const char *
arc_error(struct arc *ar)
{
	static const char none[] = "damaged or truncated (libarchive gives "
				   "no details)";
	const char *msg;

	if (ar->budget->stopped)
		return ar->budget->reason;
	if (ar->src_failed)
		return ar->src_reason;
	msg = archive_error_string(ar->a);
	return msg ? msg : none;
}

/* Record the first problem of the archive. */
static void
res_set(struct bsc_archive_result *res, enum bsc_item_status st,
	const char *fmt, ...) BSC_PRINTF(3, 4);

static void
res_set(struct bsc_archive_result *res, enum bsc_item_status st,
	const char *fmt, ...)
{
	va_list ap;

	if (res->status != BSC_ITEM_COMPLETE)
		return;
	res->status = st;
	va_start(ap, fmt);
	vsnprintf(res->reason, sizeof(res->reason), fmt, ap);
	va_end(ap);
}

/* ---- the current member as an item stream -------------------------------- */

static const char *
member_error(void *src)
{
	struct arc *ar = src;

	return ar->m_reason[0] ? ar->m_reason : NULL;
}

/* libarchive failed on the member's data (r < ARCHIVE_WARN). */
static void
member_fail(struct arc *ar, int r)
{
	char n[32];

	ar->m_failed = true;
	if (r == ARCHIVE_FATAL) {
		ar->dead = true;
		snprintf(ar->dead_reason, sizeof(ar->dead_reason), "%s",
			 arc_error(ar));
	}
	format_bytes(ar->m_out, n, sizeof(n));
	if (ar->budget->stopped || ar->src_failed)
		snprintf(ar->m_reason, sizeof(ar->m_reason), "%s",
			 arc_error(ar));
	else if (ar->m_encrypted)
		snprintf(ar->m_reason, sizeof(ar->m_reason), "encrypted: %s",
			 arc_error(ar));
	else
		snprintf(ar->m_reason, sizeof(ar->m_reason),
			 "damaged or truncated member, stopped after %s: %s",
			 n, arc_error(ar));
}

/* The member ended; a warning on the way (a bad CRC) makes it fail. */
static bool
member_end(struct arc *ar)
{
	ar->m_eof = true;
	if (!ar->m_warn[0])
		return true;
	ar->m_failed = true;
	snprintf(ar->m_reason, sizeof(ar->m_reason),
		 "damaged member (its content was scanned but may be wrong): "
		 "%s",
		 ar->m_warn);
	return false;
}

/*
 * Count len more expanded bytes of the member against the limits: the
 * input's budget, then the member's compression ratio once it expanded
 * past ratio_threshold. False, with m_reason naming the limit, when one
 * is hit.
 */
static bool
member_account(struct arc *ar, size_t len)
{
	uint64_t in;
	char out[32], cin[32];

	ar->m_out += len;
	ar->budget->bytes += len;
	if (budget_spent(ar)) {
		snprintf(ar->m_reason, sizeof(ar->m_reason), "%s",
			 ar->budget->reason);
		ar->m_failed = true;
		return false;
	}
	if (ar->m_out <= ar->lim->ratio_threshold)
		return true;
	in = ar->raw - ar->m_raw0 + READ_BLOCK;
	if (ar->m_out / in <= ar->lim->max_ratio)
		return true;
	format_bytes(ar->m_out, out, sizeof(out));
	format_bytes(in, cin, sizeof(cin));
	snprintf(ar->m_reason, sizeof(ar->m_reason),
		 "compression ratio over --max-ratio (%llu): %s expanded "
		 "from at most %s; not expanded further (zip bomb?)",
		 (unsigned long long)ar->lim->max_ratio, out, cin);
	ar->m_ratio = true;
	ar->m_failed = true;
	return false;
}

/* Fetch the next data block of the member. 1: got one, 0: end, -1: a
 * failure or limit (m_reason says which). Holes of sparse entries are
 * not materialised: the stream is the data blocks, in order. */
static int
member_block(struct arc *ar)
{
	const void *p;
	size_t len;
	la_int64_t off;
	int r;

	if (ar->m_failed)
		return -1;
	if (ar->m_eof)
		return 0;
	r = archive_read_data_block(ar->a, &p, &len, &off);
	if (r == ARCHIVE_EOF)
		return member_end(ar) ? 0 : -1;
	if (r < ARCHIVE_WARN) {
		member_fail(ar, r);
		return -1;
	}
	if (r == ARCHIVE_WARN && !ar->m_warn[0])
		snprintf(ar->m_warn, sizeof(ar->m_warn), "%s", arc_error(ar));
	if (!member_account(ar, len))
		return -1;
	ar->m_ptr = p;
	ar->m_left = len;
	return 1;
}

static ssize_t
member_read(void *src, void *buf, size_t n)
{
	struct arc *ar = src;

	while (ar->m_left == 0) {
		int r = member_block(ar);

		if (r < 0) {
			errno = EIO;
			return -1;
		}
		if (r == 0)
			return 0;
	}
	if (n > ar->m_left)
		n = ar->m_left;
	memcpy(buf, ar->m_ptr, n);
	ar->m_ptr += n;
	ar->m_left -= n;
	return (ssize_t)n;
}

/*
 * Could the ratio check still fire? The compressed bytes seen may lag the
 * truth by a read block, so a member whose expansion over the bytes seen
 * is above the limit is expanded on until the check decides (at most
 * max_ratio read blocks of output more).
 */
static bool
ratio_unsure(const struct arc *ar)
{
	uint64_t in = ar->raw - ar->m_raw0;

	return ar->m_out / (in ? in : 1) > ar->lim->max_ratio;
}

/*
 * Consume what the reader left of the member. It is expanded up to
 * ratio_threshold even when the reader stopped early (binary data), so
 * that a bomb shows as one; then it is skipped by libarchive when that
 * expands nothing (a zip read from a file, a plain tar), and expanded to
 * its end, under the limits, otherwise (a tar.gz, a 7z, a zip on a pipe).
 */
static bool
member_drain(void *src)
{
	struct arc *ar = src;
	int r;

	ar->m_left = 0;
	if (ar->m_failed || ar->m_skip)
		return true;
	for (;;) {
		if (ar->m_cheap && ar->m_out > ar->lim->ratio_threshold &&
		    !ratio_unsure(ar)) {
			ar->m_skip = true;
			return true;
		}
		r = member_block(ar);
		ar->m_left = 0;
		if (r <= 0)
			return r == 0;
	}
}

/* ---- entries ------------------------------------------------------------- */

/*
 * libarchive converts entry names to the charset of the current locale,
 * which is plain ASCII in a program that never called setlocale(): a zip
 * or pax name "données/café.csv" would come back NULL. So archives are
 * read under a C.UTF-8 locale for this thread only (uselocale), created
 * once per context; nothing global changes. NULL if the system has none
 * (names that do not convert are then shown with '?').
 */
static locale_t
utf8_locale(struct bsc_ctx *ctx)
{
	if (!ctx->utf8_locale)
		ctx->utf8_locale = newlocale(LC_CTYPE_MASK, "C.UTF-8",
					     (locale_t)0);
	return (locale_t)ctx->utf8_locale;
}

/* An entry's name, link target or hard link target in UTF-8 when the
 * archive says which charset it uses, else its raw bytes; may be NULL. */
static const char *
entry_text(const char *utf8, const char *raw)
{
	return utf8 ? utf8 : raw;
}

/* Length of the valid UTF-8 sequence at s (1-4), or 0 if invalid. */
static size_t
utf8_len(const unsigned char *s)
{
	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xC2 && s[0] <= 0xDF)
		return (s[1] & 0xC0) == 0x80 ? 2 : 0;
	if (s[0] >= 0xE0 && s[0] <= 0xEF) {
		if ((s[1] & 0xC0) != 0x80 || (s[2] & 0xC0) != 0x80)
			return 0;
		if ((s[0] == 0xE0 && s[1] < 0xA0) ||
		    (s[0] == 0xED && s[1] >= 0xA0))
			return 0;
		return 3;
	}
	if (s[0] >= 0xF0 && s[0] <= 0xF4) {
		if ((s[1] & 0xC0) != 0x80 || (s[2] & 0xC0) != 0x80 ||
		    (s[3] & 0xC0) != 0x80)
			return 0;
		if ((s[0] == 0xF0 && s[1] < 0x90) ||
		    (s[0] == 0xF4 && s[1] >= 0x90))
			return 0;
		return 4;
	}
	return 0;
}

/*
 * Copy an entry name for display: control characters and bytes that are
 * not UTF-8 become '?', and it is cut at MAX_NAME bytes; with strip, a
 * leading "./" or "/" is dropped (member paths are relative to their
 * archive). Names come from the archive, which may be hostile, and end
 * up in terminals and JSON.
 */
static void
clean_name(const char *in, char *out, size_t cap, bool strip)
{
	const unsigned char *s = (const unsigned char *)in;
	size_t o = 0;

	while (strip) {
		if (s[0] == '/')
			s++;
		else if (s[0] == '.' && s[1] == '/')
			s += 2;
		else
			break;
	}
	while (*s && o + 5 < cap && o < MAX_NAME) {
		size_t k = utf8_len(s);

		if (k == 0 || s[0] < 0x20 || s[0] == 0x7F) {
			out[o++] = '?';
			s++;
			continue;
		}
		memcpy(out + o, s, k);
		o += k;
		s += k;
	}
	if (*s) {
		memcpy(out + o, "...", 3);
		o += 3;
	}
	if (o == 0)
		out[o++] = '.';
	out[o] = '\0';
}

/* What an entry that is not a plain file is, or NULL for a file. */
static const char *
entry_kind(struct archive_entry *e)
{
	if (archive_entry_hardlink(e) && archive_entry_size(e) == 0)
		return "hard link";
	switch (archive_entry_filetype(e)) {
	case AE_IFREG:
		return NULL;
	case AE_IFDIR:
		return "directory";
	case AE_IFLNK:
		return "symbolic link";
	case AE_IFCHR:
		return "character device";
	case AE_IFBLK:
		return "block device";
	case AE_IFIFO:
		return "FIFO";
	case AE_IFSOCK:
		return "socket";
	}
	return "entry of unknown type";
}

/* The container as it turned out: "zip", "tar.gz", "gz" (raw), ... */
static void
format_name(struct arc *ar, const struct bsc_container *c, char *out,
	    size_t cap)
{
	static const struct {
		int code;
		const char *ext;
	} filters[] = {
		{ARCHIVE_FILTER_GZIP, "gz"},   {ARCHIVE_FILTER_BZIP2, "bz2"},
		{ARCHIVE_FILTER_COMPRESS, "Z"}, {ARCHIVE_FILTER_LZMA, "lzma"},
		{ARCHIVE_FILTER_XZ, "xz"},     {ARCHIVE_FILTER_LZIP, "lz"},
		{ARCHIVE_FILTER_LZ4, "lz4"},   {ARCHIVE_FILTER_ZSTD, "zst"},
	};
	const char *base;
	size_t o;
	int nf = archive_filter_count(ar->a);

	switch (archive_format(ar->a) & ARCHIVE_FORMAT_BASE_MASK) {
	case ARCHIVE_FORMAT_ZIP:
		base = "zip";
		break;
	case ARCHIVE_FORMAT_TAR:
		base = "tar";
		break;
	case ARCHIVE_FORMAT_7ZIP:
		base = "7z";
		break;
	case ARCHIVE_FORMAT_CPIO:
		base = "cpio";
		break;
	case ARCHIVE_FORMAT_AR:
		base = "ar";
		break;
	case ARCHIVE_FORMAT_ISO9660:
		base = "iso";
		break;
	case ARCHIVE_FORMAT_RAW:
		base = "";
		break;
	default:
		base = c->name;
		break;
	}
	snprintf(out, cap, "%s", base);
	/* Filter 0 is the innermost (nearest the format). */
	for (int i = 0; i + 1 < nf; i++) {
		int code = archive_filter_code(ar->a, i);

		for (size_t k = 0; k < BSC_ARRAY_SIZE(filters); k++) {
			if (filters[k].code != code)
				continue;
			o = strlen(out);
			snprintf(out + o, cap - o, "%s%s", o ? "." : "",
				 filters[k].ext);
		}
	}
	if (!out[0])
		snprintf(out, cap, "%s", c->name);
}

/*
 * Can an entry be skipped without expanding it? Not through a filter
 * (the whole stream is compressed) nor in a 7z (solid blocks); a zip
 * streamed from a pipe only when its header declares the sizes. A raw
 * (single compressed file) has nothing after its member.
 */
static bool
cheap_skip(struct arc *ar, struct archive_entry *e)
{
	int fmt = archive_format(ar->a) & ARCHIVE_FORMAT_BASE_MASK;
	bool seekable = ar->fd >= 0 || ar->in_mem;

	if (ar->raw_format)
		return true;
	if (archive_filter_count(ar->a) > 1)
		return false;
	switch (fmt) {
	case ARCHIVE_FORMAT_ZIP:
		return seekable || archive_entry_size_is_set(e);
	case ARCHIVE_FORMAT_TAR:
	case ARCHIVE_FORMAT_CPIO:
	case ARCHIVE_FORMAT_AR:
	case ARCHIVE_FORMAT_ISO9660:
		return true;
	}
	return false;
}

static bsc_status
do_entry(struct arc *ar, struct archive_entry *e, const char *path,
	 const struct bsc_archive_ops *ops)
{
	const char *kind = entry_kind(e);
	char reason[MAX_NAME + 128];
	struct bsc_item m;
	bsc_status st;

	if (kind) {
		const char *target =
			entry_text(archive_entry_symlink_utf8(e),
				   archive_entry_symlink(e));

		if (!target)
			target = entry_text(archive_entry_hardlink_utf8(e),
					    archive_entry_hardlink(e));
		if (target) {
			char t[MAX_NAME + 8];

			clean_name(target, t, sizeof(t), false);
			snprintf(reason, sizeof(reason),
				 "%s to '%s': not followed", kind, t);
		} else {
			snprintf(reason, sizeof(reason),
				 "%s: nothing to scan, nothing created", kind);
		}
		return ops->unread(ops->data, ar->it, path, BSC_ITEM_SKIPPED,
				   reason);
	}
	ar->m_encrypted = archive_entry_is_data_encrypted(e) != 0;
	if (ar->m_encrypted && ar->ctx->passwords.n == 0)
		return ops->unread(ops->data, ar->it, path, BSC_ITEM_FAILED,
				   "encrypted: no --password given, so "
				   "nothing of it was read");
	ar->m_ptr = NULL;
	ar->m_left = 0;
	ar->m_out = 0;
	ar->m_raw0 = ar->raw;
	ar->m_eof = ar->m_failed = ar->m_skip = ar->m_ratio = false;
	ar->m_cheap = cheap_skip(ar, e);
	ar->m_warn[0] = ar->m_reason[0] = '\0';
	bsc_item_init(&m, path, member_read, ar, ar->lim->max_file_size);
	if (archive_entry_mtime_is_set(e)) {
		m.mtime = (int64_t)archive_entry_mtime(e);
		m.has_mtime = true;
	}
	m.depth = ar->it->depth + 1;
	m.container = ar->it->path;
	m.drain = member_drain;
	m.error = member_error;
	st = ops->member(ops->data, &m);
	if (st != BSC_FATAL)
		member_drain(ar);
	bsc_item_release(&m);
	if (ar->m_ratio && !ar->m_cheap && !ar->raw_format) {
		ar->stop = true;
		snprintf(ar->stop_reason, sizeof(ar->stop_reason),
			 "stopped at '%s': its compression ratio is over "
			 "--max-ratio (%llu), and skipping the rest of it "
			 "would mean expanding it; later members were not "
			 "listed",
			 path, (unsigned long long)ar->lim->max_ratio);
	}
	return st;
}

/*
 * Hold a whole item in memory, for formats that must seek (7z) when the
 * item is not a file: a member, or a pipe. Bounded by max_seek_buffer,
 * over the whole input. False with res set when it does not fit.
 */
static bool
slurp(struct arc *ar, const struct bsc_container *c,
      struct bsc_archive_result *res)
{
	uint64_t max = ar->lim->max_seek_buffer;
	uint64_t room = max > ar->budget->buffered
				? max - ar->budget->buffered
				: 0;
	char lim[32];

	bsc_buf_init(&ar->mem, (size_t)room);
	for (;;) {
		ssize_t n = bsc_item_read(ar->it, ar->blk, READ_BLOCK);

		if (n < 0) {
			const char *why = bsc_item_error(ar->it);

			res_set(res, BSC_ITEM_FAILED, "%s",
				why ? why : strerror(ar->it->read_errno));
			return false;
		}
		if (n == 0)
			break;
		if (!bsc_buf_add(&ar->mem, ar->blk, (size_t)n)) {
			bsc_format_size(ar->lim->max_seek_buffer, lim,
					sizeof(lim));
			res_set(res, BSC_ITEM_FAILED,
				"a %s archive must be read with seeks, so when "
				"it is not a file (inside an archive, or on a "
				"pipe) it is held in memory, up to "
				"--max-seek-buffer (%s) for the whole input; "
				"this one is bigger: extract it and scan the "
				"result",
				c->name, lim);
			return false;
		}
	}
	ar->in_mem = true;
	ar->size = (int64_t)ar->mem.len;
	ar->budget->buffered += ar->mem.len;
	return true;
}

/* Little-endian fields of zip records. */
static uint64_t
le(const unsigned char *p, unsigned n)
{
	uint64_t v = 0;

	while (n--)
		v = v << 8 | p[n];
	return v;
}

/*
 * What a zip file's end-of-central-directory record (ZIP64 when its
 * fields are saturated) says of the directory, read with pread() from
 * the end of the file: the entries it announces and the bytes from the
 * directory's offset to the end record, which libarchive's seekable
 * reader walks whatever the count says. False when there is no record.
 * Only a size hint: the entries themselves are read by libarchive.
 */
static bool
zip_cd_size(int fd, int64_t size, uint64_t *entries, uint64_t *span)
{
	unsigned char tail[22 + 65535], z64[56];
	size_t n = size < (int64_t)sizeof(tail) ? (size_t)size : sizeof(tail);
	uint64_t off, at;

	if (n < 22 || pread(fd, tail, n, (off_t)(size - (int64_t)n)) !=
			      (ssize_t)n)
		return false;
	for (size_t i = n - 22 + 1; i-- > 0;) {
		if (memcmp(tail + i, "PK\5\6", 4))
			continue;
		at = (uint64_t)size - n + i;
		*entries = le(tail + i + 10, 2);
		off = le(tail + i + 16, 4);
		if ((*entries == 0xFFFF || off == 0xFFFFFFFF) && i >= 20 &&
		    !memcmp(tail + i - 20, "PK\6\7", 4) &&
		    pread(fd, z64, sizeof(z64),
			  (off_t)le(tail + i - 20 + 8, 8)) ==
			    (ssize_t)sizeof(z64) &&
		    !memcmp(z64, "PK\6\6", 4)) {
			*entries = le(z64 + 32, 8);
			off = le(z64 + 48, 8);
		}
		*span = off < at ? at - off : 0;
		return true;
	}
	return false;
}

/*
 * libarchive's seekable zip reader keeps the whole central directory in
 * memory (about 160 bytes an entry, plus our name set for the hidden
 * entry check). A zip file whose directory announces more than
 * ZIP_CD_STREAM entries, or spans more than ZIP_CD_STREAM_BYTES (a
 * directory can lie about its count), is read by its local headers
 * instead, like a zip on a pipe: every entry the file holds is still
 * read (none can hide from this walk), in bounded memory. Noted on the
 * archive's report.
 */
#define ZIP_CD_STREAM 65536u
#define ZIP_CD_STREAM_BYTES (4u << 20)

static void
zip_stream_if_huge(struct arc *ar, const struct bsc_container *c,
		   struct bsc_archive_result *res)
{
	uint64_t n = 0, span = 0;

	if (ar->fd < 0 || strcmp(c->name, "zip") ||
	    !zip_cd_size(ar->fd, ar->size, &n, &span) ||
	    (n <= ZIP_CD_STREAM && span <= ZIP_CD_STREAM_BYTES))
		return;
	ar->no_seek = true;
	snprintf(res->note, sizeof(res->note),
		 "read by its local headers: its central directory announces "
		 "%llu entries in %llu KiB (more than %u entries or %u MiB), "
		 "an index too large to hold in memory",
		 (unsigned long long)n, (unsigned long long)(span >> 10),
		 ZIP_CD_STREAM, ZIP_CD_STREAM_BYTES >> 20);
}

/*
 * Pick the source: pread() on the item's file when it has one, the whole
 * item in memory when the format must seek, else the item's stream.
 * False with res set when the item does not fit in memory.
 */
static bool
arc_source(struct arc *ar, const struct bsc_container *c,
	   struct bsc_archive_result *res)
{
	struct stat st;

	ar->fd = ar->it->fd;
	if (ar->fd >= 0 && fstat(ar->fd, &st) == 0 && S_ISREG(st.st_mode)) {
		ar->size = (int64_t)st.st_size;
		return true;
	}
	ar->fd = -1;
	return !(c->flags & C_NEEDS_SEEK) || slurp(ar, c, res);
}

/* Open ar->a on the source, from its start. False on failure, with the
 * reason in arc_error(). */
static bool
arc_open(struct arc *ar, const struct bsc_container *c)
{
	bool seekable = !ar->no_seek && (ar->fd >= 0 || ar->in_mem);

	ar->pos = 0;
	ar->a = archive_read_new();
	enable(ar->a, c, seekable);
	for (size_t i = 0; i < ar->ctx->passwords.n; i++)
		archive_read_add_passphrase(ar->a, ar->ctx->passwords.v[i]);
	archive_read_set_callback_data(ar->a, ar);
	archive_read_set_read_callback(ar->a, arc_read);
	if (seekable)
		archive_read_set_seek_callback(ar->a, arc_seek);
	return archive_read_open1(ar->a) == ARCHIVE_OK;
}

/*
 * libarchive gave up (ARCHIVE_FATAL) inside the data of member n, which
 * is reported damaged. For a zip in a file, whose central directory lists
 * every entry with its offset, reopen the archive and skip the first n
 * entries (without expanding them), so that the members after the
 * damaged one are still read. Other formats find their next entry only
 * after the damaged data, so they stop there. A bounded number of times
 * per archive. False when not possible.
 */
static bool
resume(struct arc *ar, const struct bsc_container *c, uint64_t n)
{
	struct archive_entry *e;

	if (ar->fd < 0 || ar->no_seek ||
	    (archive_format(ar->a) & ARCHIVE_FORMAT_BASE_MASK) !=
				  ARCHIVE_FORMAT_ZIP ||
	    ar->src_failed || ar->budget->stopped ||
	    ++ar->resumes > MAX_RESUMES)
		return false;
	archive_read_free(ar->a);
	ar->dead = false;
	if (!arc_open(ar, c))
		return false;
	for (uint64_t i = 0; i < n; i++)
		if (archive_read_next_header(ar->a, &e) < ARCHIVE_WARN)
			return false;
	return true;
}

/*
 * The name of the content of a single compressed file: its file name
 * without the compression suffix ("patients.csv.gz" gives
 * "patients.csv"), or "data" when it has none. libarchive's raw format
 * does not give the name gzip may store.
 */
static char *
raw_member_name(const char *path)
{
	static const char *const suffixes[] = {
		".gz", ".gzip", ".bz2", ".xz", ".lzma", ".zst", ".lz4",
		".lz", ".Z", ".z"};
	const char *base = strrchr(path, '/');
	size_t len;

	base = base ? base + 1 : path;
	len = strlen(base);
	for (size_t i = 0; i < sizeof(suffixes) / sizeof(*suffixes); i++) {
		size_t sl = strlen(suffixes[i]);

		if (len > sl && !strcmp(base + len - sl, suffixes[i]))
			return bsc_strndup(base, len - sl);
	}
	return bsc_strdup("data");
}

/*
 * The display path of an entry (owned by the caller): "<archive>!/<name>";
 * for the content of a single compressed file, its name without the
 * suffix ("a.csv.gz!/a.csv").
 */
static char *
member_path(const struct arc *ar, struct archive_entry *e)
{
	char name[MAX_NAME + 8];
	const char *n;

	if (ar->raw_format) {
		char *raw = raw_member_name(ar->it->path);
		char *p;

		clean_name(raw, name, sizeof(name), true);
		free(raw);
		p = bsc_asprintf("%s!/%s", ar->it->path, name);
		return p;
	}
	n = entry_text(archive_entry_pathname_utf8(e),
		       archive_entry_pathname(e));
	clean_name(n ? n : "", name, sizeof(name), true);
	return bsc_asprintf("%s!/%s", ar->it->path, name);
}

static void
first_header_failed(struct arc *ar, const struct bsc_container *c,
		    struct bsc_archive_result *res)
{
	if (archive_read_has_encrypted_entries(ar->a) > 0 &&
	    !ar->budget->stopped)
		res_set(res, BSC_ITEM_FAILED, "encrypted: %s%s",
			arc_error(ar),
			ar->ctx->passwords.n ? "" : " (no --password given)");
	else
		res_set(res, BSC_ITEM_FAILED, "cannot read it as %s: %s",
			c->name, arc_error(ar));
}

/* ---- zip: entries the central directory does not list --------------- */

/*
 * A multiset of entry names, as 64-bit hashes with counts (about 24 bytes
 * an entry): the names the central directory lists.
 */
struct nameset {
	uint64_t *k;
	uint32_t *c;
	size_t cap, n;
};

static uint64_t
name_key(struct archive_entry *e)
{
	const char *n = archive_entry_pathname(e);
	uint64_t h;

	if (!n)
		n = "";
	h = bsc_hash64(n, strlen(n), 0x7a1b);
	return h ? h : 1;
}

static size_t
nameset_slot(const struct nameset *s, uint64_t k)
{
	size_t i = (size_t)k & (s->cap - 1);

	while (s->k[i] && s->k[i] != k)
		i = (i + 1) & (s->cap - 1);
	return i;
}

static void
nameset_add(struct nameset *s, uint64_t k)
{
	size_t i;

	if (2 * (s->n + 1) > s->cap) {
		struct nameset big = {NULL, NULL, s->cap ? 2 * s->cap : 256, 0};

		big.k = bsc_zalloc(big.cap * sizeof(*big.k));
		big.c = bsc_zalloc(big.cap * sizeof(*big.c));
		for (size_t j = 0; j < s->cap; j++) {
			if (!s->k[j])
				continue;
			i = nameset_slot(&big, s->k[j]);
			big.k[i] = s->k[j];
			big.c[i] = s->c[j];
			big.n++;
		}
		free(s->k);
		free(s->c);
		*s = big;
	}
	i = nameset_slot(s, k);
	if (!s->k[i]) {
		s->k[i] = k;
		s->n++;
	}
	s->c[i]++;
}

/* Take one k out of the set; false if it is not (or no longer) there. */
static bool
nameset_take(struct nameset *s, uint64_t k)
{
	size_t i;

	if (!s->cap)
		return false;
	i = nameset_slot(s, k);
	if (!s->k[i] || !s->c[i])
		return false;
	s->c[i]--;
	return true;
}

/*
 * A zip in a file is read by its central directory, which can leave out
 * entries that are still in the file (a classic way to hide data: zip
 * tools do not show them, a streaming reader does). Walk the local
 * headers with the streaming reader, match each against the names the
 * directory listed (cd), and scan every entry it did not list. The
 * archive is then partial, whatever the outcome: its directory lies.
 */
static bsc_status
zip_unlisted(struct arc *ar, const struct bsc_container *c,
	     struct nameset *cd, const struct bsc_archive_ops *ops,
	     struct bsc_archive_result *res)
{
	struct archive_entry *e;
	uint64_t extra = 0, raw = ar->raw;
	bsc_status ret = BSC_OK;
	char *path;
	int r;

	archive_read_free(ar->a);
	ar->dead = false;
	ar->no_seek = true;
	if (!arc_open(ar, c))
		return BSC_OK;
	while (!budget_spent(ar) && !ar->stop && !ar->dead) {
		r = archive_read_next_header(ar->a, &e);
		if (r == ARCHIVE_EOF || r < ARCHIVE_WARN)
			break;
		if (nameset_take(cd, name_key(e)))
			continue; /* listed: read already */
		if (res->members >= ar->lim->max_members)
			break;
		extra++;
		res->members++;
		path = member_path(ar, e);
		ret = do_entry(ar, e, path, ops);
		free(path);
		if (ret == BSC_FATAL)
			break;
	}
	ar->raw = raw; /* the bytes of the archive, not of two passes */
	if (extra)
		res_set(res, BSC_ITEM_PARTIAL,
			"%llu entr%s found by its local headers %s not listed "
			"in its central directory (hidden from zip tools): "
			"scanned from the local headers",
			(unsigned long long)extra, extra > 1 ? "ies" : "y",
			extra > 1 ? "are" : "is");
	return ret;
}

/* ---- compression headers that would cost memory -------------------------- */

/*
 * Largest LZMA dictionary accepted: xz -9 and lzma -9 use 64 MiB, and
 * the decoder allocates what the header says (a 768 MiB dictionary cost
 * 416 MB). libarchive has no option to cap it, so the header is read here
 * first. For xz, the first block's header (the one every encoder writes
 * right after the stream header) is checked.
 */
#define MAX_LZMA_DICT (64u << 20)

/* A multibyte integer of xz; false if cut or longer than 9 bytes. */
static bool
xz_varint(const unsigned char *h, size_t n, size_t *pos, uint64_t *v)
{
	*v = 0;
	for (int i = 0; i < 9 && *pos < n; i++) {
		unsigned char b = h[(*pos)++];

		*v |= (uint64_t)(b & 0x7F) << (7 * i);
		if (!(b & 0x80))
			return true;
	}
	return false;
}

/* The LZMA2 dictionary size of an xz stream's first block, or 0. */
static uint64_t
xz_dict(const unsigned char *h, size_t n)
{
	size_t pos = 12, end;
	unsigned flags, filters;
	uint64_t v, id, psize;

	if (n < 14 || h[12] == 0)
		return 0; /* no block (an empty stream) */
	end = 12 + ((size_t)h[12] + 1) * 4;
	if (end > n)
		return 0;
	flags = h[13];
	pos = 14;
	filters = (flags & 3) + 1;
	if ((flags & 0x40) && !xz_varint(h, end, &pos, &v))
		return 0;
	if ((flags & 0x80) && !xz_varint(h, end, &pos, &v))
		return 0;
	for (unsigned f = 0; f < filters; f++) {
		if (!xz_varint(h, end, &pos, &id) ||
		    !xz_varint(h, end, &pos, &psize) || psize > end - pos)
			return 0;
		if (id == 0x21 && psize == 1) {
			unsigned bits = h[pos] & 0x3F;

			if (bits > 40)
				return 0;
			if (bits == 40)
				return 0xFFFFFFFFu;
			return (uint64_t)(2 | (bits & 1)) << (bits / 2 + 11);
		}
		pos += (size_t)psize;
	}
	return 0;
}

/* The dictionary an xz or lzma header asks for, or 0 if unknown. */
static uint64_t
lzma_dict(const struct bsc_container *c, const unsigned char *h, size_t n)
{
	if (!strcmp(c->name, "xz"))
		return xz_dict(h, n);
	if (!strcmp(c->name, "lzma") && n >= 5)
		return (uint64_t)h[1] | (uint64_t)h[2] << 8 |
		       (uint64_t)h[3] << 16 | (uint64_t)h[4] << 24;
	return 0;
}

/* ---- small truncated compressed files ------------------------------------ */

/*
 * libarchive hands out decompressed data by blocks, and a filter that
 * meets the end of its input mid-stream drops the block it was filling:
 * a small truncated .gz gave nothing where gzip -dc recovers every row.
 * When the whole compressed input is in the item's head, decompress it
 * here with zlib or liblzma, keep what came out before the damage, and
 * scan that as the member. Output is bounded by --max-ratio.
 */
static unsigned char *
salvage_gz(const unsigned char *in, size_t n, size_t cap, size_t *len)
{
	z_stream z;
	unsigned char *out = bsc_zalloc(cap);

	memset(&z, 0, sizeof(z));
	if (inflateInit2(&z, 16 + MAX_WBITS) != Z_OK) {
		free(out);
		return NULL;
	}
	z.next_in = (unsigned char *)in;
	z.avail_in = (uInt)n;
	z.next_out = out;
	z.avail_out = (uInt)cap;
	while (z.avail_out > 0 && inflate(&z, Z_NO_FLUSH) == Z_OK)
		;
	*len = cap - z.avail_out;
	inflateEnd(&z);
	return out;
}

static unsigned char *
salvage_xz(const unsigned char *in, size_t n, size_t cap, size_t *len)
{
	lzma_stream z = LZMA_STREAM_INIT;
	unsigned char *out = bsc_zalloc(cap);

	if (lzma_stream_decoder(&z, 2 * (uint64_t)MAX_LZMA_DICT, 0) !=
	    LZMA_OK) {
		free(out);
		return NULL;
	}
	z.next_in = in;
	z.avail_in = n;
	z.next_out = out;
	z.avail_out = cap;
	while (z.avail_out > 0 && lzma_code(&z, LZMA_FINISH) == LZMA_OK)
		;
	*len = cap - z.avail_out;
	lzma_end(&z);
	return out;
}

struct memsrc {
	const unsigned char *p;
	size_t len, pos;
};

static ssize_t
mem_read(void *src, void *buf, size_t n)
{
	struct memsrc *m = src;

	if (m->pos == m->len) {
		errno = EIO; /* salvaged: the stream ends in damage */
		return -1;
	}
	if (n > m->len - m->pos)
		n = m->len - m->pos;
	memcpy(buf, m->p + m->pos, n);
	m->pos += n;
	return (ssize_t)n;
}

/* True if the small input was salvaged (its member scanned, res set). */
static bool
salvage(struct arc *ar, const struct bsc_container *c,
	const struct bsc_archive_ops *ops, struct bsc_archive_result *res,
	bsc_status *ret)
{
	const struct bsc_item *it = ar->it;
	size_t cap, len = 0;
	unsigned char *data = NULL;
	struct memsrc ms;
	struct bsc_item m;
	char *path, why[320];

	if (!it->src_eof || it->head_len == 0 || ar->budget->stopped)
		return false;
	cap = it->head_len * (size_t)(ar->lim->max_ratio < 4096
					      ? ar->lim->max_ratio
					      : 4096);
	if (ar->lim->max_file_size && cap > ar->lim->max_file_size)
		cap = (size_t)ar->lim->max_file_size;
	if (!strcmp(c->name, "gz"))
		data = salvage_gz(it->head, it->head_len, cap, &len);
	else if (!strcmp(c->name, "xz"))
		data = salvage_xz(it->head, it->head_len, cap, &len);
	if (!data || len == 0) {
		free(data);
		return false;
	}
	snprintf(why, sizeof(why), "%s", arc_error(ar));
	res->members = 1;
	{
		char *raw = raw_member_name(it->path);
		char name[MAX_NAME + 8];

		clean_name(raw, name, sizeof(name), true);
		free(raw);
		path = bsc_asprintf("%s!/%s", it->path, name);
	}
	*ret = ops->begin(ops->data, ar->it, res->format);
	if (*ret != BSC_FATAL) {
		ms = (struct memsrc){data, len, 0};
		bsc_item_init(&m, path, mem_read, &ms, ar->lim->max_file_size);
		m.depth = it->depth + 1;
		m.container = it->path;
		snprintf(m.stop_reason, sizeof(m.stop_reason),
			 "the compressed stream is damaged after %zu bytes "
			 "of content; those were scanned", len);
		*ret = ops->member(ops->data, &m);
		bsc_item_release(&m);
	}
	res_set(res, BSC_ITEM_PARTIAL,
		"truncated or damaged %s stream (%s): the %zu bytes "
		"decompressed before the damage were scanned",
		c->name, why, len);
	free(path);
	free(data);
	return true;
}

bsc_status
bsc_archive_scan(struct bsc_ctx *ctx, struct bsc_budget *budget,
		 struct bsc_item *it, const struct bsc_container *c,
		 const struct bsc_archive_ops *ops,
		 struct bsc_archive_result *res)
{
	struct arc ar;
	struct archive_entry *e;
	struct nameset cd = {0};
	char *path = NULL;
	bsc_status ret = BSC_OK;
	bool begun = false, listed_all = false, zip_cd = false;
	int bad = 0;
	locale_t loc = utf8_locale(ctx), old = (locale_t)0;

	memset(res, 0, sizeof(*res));
	memset(&ar, 0, sizeof(ar));
	snprintf(res->format, sizeof(res->format), "%s", c->name);
	res->status = BSC_ITEM_COMPLETE;
	res->bytes = it->head_len;
	ar.ctx = ctx;
	ar.lim = &ctx->limits;
	ar.budget = budget;
	ar.it = it;
	ar.fd = -1;
	ar.cg_on = !strcmp(c->name, "cpio");
	if (c->flags & C_UNSUPPORTED) {
		res_set(res, BSC_ITEM_FAILED,
			"%s archive: not supported (libarchive's %s readers "
			"are not enabled, for safety); extract it with a "
			"dedicated tool and scan the result",
			c->name, c->name);
		return BSC_OK;
	}
	if ((unsigned)it->depth >= ar.lim->max_depth) {
		res_set(res, BSC_ITEM_PARTIAL,
			"archive nested deeper than --max-archive-depth (%u): "
			"not opened",
			ar.lim->max_depth);
		return BSC_OK;
	}
	if (c->lib && !c->lib()) {
		res_set(res, BSC_ITEM_FAILED,
			"%s: this libarchive lacks the library to decompress "
			"it in-process, and external programs are never "
			"started",
			c->name);
		return BSC_OK;
	}
	if (lzma_dict(c, it->head, it->head_len) > MAX_LZMA_DICT) {
		res_set(res, BSC_ITEM_FAILED,
			"%s dictionary of %llu MiB, more than the %u MiB of "
			"the strongest presets: refused, as decompressing it "
			"would take that much memory; decompress it with "
			"'xz --memlimit' and scan the result",
			c->name,
			(unsigned long long)(lzma_dict(c, it->head,
						       it->head_len) >> 20),
			MAX_LZMA_DICT >> 20);
		return BSC_OK;
	}
	if (loc)
		old = uselocale(loc);
	ar.blk = bsc_zalloc(READ_BLOCK);
	if (!arc_source(&ar, c, res))
		goto out;
	zip_stream_if_huge(&ar, c, res);
	if (!arc_open(&ar, c)) {
		if (!salvage(&ar, c, ops, res, &ret))
			res_set(res, BSC_ITEM_FAILED,
				"cannot read it as %s: %s", c->name,
				arc_error(&ar));
		goto out;
	}
	for (;;) {
		int r;

		if (budget_spent(&ar)) {
			res_set(res, BSC_ITEM_PARTIAL, "%s", budget->reason);
			break;
		}
		if (ar.stop) {
			res_set(res, BSC_ITEM_PARTIAL, "%s", ar.stop_reason);
			break;
		}
		if (ar.dead && !resume(&ar, c, res->members)) {
			res_set(res, BSC_ITEM_PARTIAL,
				"damaged or truncated in member %llu: %s",
				(unsigned long long)res->members,
				ar.dead_reason);
			break;
		}
		if (ar.raw_format && res->members == 1)
			break; /* nothing after the single member */
		r = archive_read_next_header(ar.a, &e);
		if (r == ARCHIVE_EOF) {
			listed_all = true;
			break;
		}
		if (r == ARCHIVE_FATAL) {
			if (budget->stopped)
				res_set(res, BSC_ITEM_PARTIAL, "%s",
					budget->reason);
			else if (res->members == 0 &&
				 salvage(&ar, c, ops, res, &ret))
				begun = true;
			else if (res->members == 0)
				first_header_failed(&ar, c, res);
			else
				res_set(res, BSC_ITEM_PARTIAL,
					"%s after %llu member(s): %s",
					ar.src_failed ? "stopped"
						      : "damaged or truncated",
					(unsigned long long)res->members,
					arc_error(&ar));
			break;
		}
		if (r < ARCHIVE_WARN) {
			res_set(res, BSC_ITEM_PARTIAL,
				"a damaged entry header was skipped: %s",
				arc_error(&ar));
			if (++bad > MAX_BAD_HEADERS)
				break;
			continue;
		}
		bad = 0;
		if (res->members == 0) {
			ar.raw_format = (archive_format(ar.a) &
					 ARCHIVE_FORMAT_BASE_MASK) ==
					ARCHIVE_FORMAT_RAW;
			if (ar.raw_format && archive_filter_count(ar.a) < 2) {
				/* Our magic matched, libarchive's filter did
				 * not: do not scan the compressed bytes. */
				res_set(res, BSC_ITEM_FAILED,
					"not a valid %s stream", c->name);
				break;
			}
			format_name(&ar, c, res->format,
				    sizeof(res->format));
			zip_cd = ar.fd >= 0 && !ar.no_seek &&
				 (archive_format(ar.a) &
						ARCHIVE_FORMAT_BASE_MASK) ==
						       ARCHIVE_FORMAT_ZIP;
		}
		if (zip_cd)
			nameset_add(&cd, name_key(e));
		if (res->members >= ar.lim->max_members) {
			res_set(res, BSC_ITEM_PARTIAL,
				"more than --max-members (%llu) entries: the "
				"rest were not listed",
				(unsigned long long)ar.lim->max_members);
			break;
		}
		res->members++;
		free(path);
		path = member_path(&ar, e);
		if (!begun) {
			begun = true;
			ret = ops->begin(ops->data, it, res->format);
			if (ret == BSC_FATAL)
				goto out;
		}
		ret = do_entry(&ar, e, path, ops);
		if (ret == BSC_FATAL)
			goto out;
	}
	if (zip_cd && listed_all && !ar.resumes) {
		ret = zip_unlisted(&ar, c, &cd, ops, res);
		if (ret == BSC_FATAL)
			goto out;
	}
	/* Cut by --max-file-size where libarchive saw a clean end. */
	if (ar.src_failed)
		res_set(res, BSC_ITEM_PARTIAL, "%s", ar.src_reason);
out:
	if (ar.raw > res->bytes)
		res->bytes = ar.raw;
	if (ar.a)
		archive_read_free(ar.a);
	if (ar.in_mem)
		budget->buffered -= ar.mem.len;
	bsc_buf_free(&ar.mem);
	free(ar.blk);
	free(path);
	free(cd.k);
	free(cd.c);
	if (loc)
		uselocale(old);
	return ret;
}
