/*
 * fuzz_target.c - the libFuzzer harnesses (fuzz/, outside the pipeline:
 * it drives the whole of it). One source, built once per target with
 * -DFUZZ_TARGET="name" (fuzz/meson.build):
 *   - a text reader name (csv, hl7, json, text, xml, sql, mail): the
 *     input is scanned as one file with that reader forced (--reader);
 *   - a binary reader name (sqlite, pdf, sheet, doc): the input gets the
 *     format's magic bytes and is scanned as one file, the reader chosen
 *     by sniffing as for any file (an office package that no longer
 *     sniffs as one is read as a zip);
 *   - a container name (zip, tar, gz, ...): the input gets the
 *     container's magic bytes (or a valid tar checksum) and is scanned,
 *     members included, through the JSON sink;
 *   - "rules" or "policy": the input is loaded as a rule file or a
 *     policy file.
 * Inputs reach the scanner as a memfd named through /proc/self/fd, so no
 * file is written anywhere. The context is made once (libFuzzer runs
 * many inputs per process); every input is scanned with fresh state.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "breachscope.h"
#include "ctx.h"
#include "policy.h"
#include "report.h"

#ifndef FUZZ_TARGET
#error "build with -DFUZZ_TARGET=\"name\""
#endif

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

struct magic {
	const char *target;
	const char *bytes;
	size_t len;
	size_t off;
};

/* Magic bytes stamped over each input, so mutations stay in the format. */
static const struct magic magics[] = {
	{"zip", "PK\003\004", 4, 0},
	{"7z", "7z\274\257\047\034", 6, 0},
	{"gz", "\037\213\010", 3, 0},
	{"bz2", "BZh91AY&SY", 10, 0},
	{"xz", "\3757zXZ\000", 6, 0},
	{"zst", "\050\265\057\375", 4, 0},
	{"lz4", "\004\042\115\030", 4, 0},
	{"lz", "LZIP\001", 5, 0},
	{"Z", "\037\235\220", 3, 0},
	{"cpio", "070701", 6, 0},
	{"ar", "!<arch>\n", 8, 0},
	{"iso", "\001CD001\001", 7, 32768},
	{"sqlite", "SQLite format 3", 16, 0},
	{"pdf", "%PDF-", 5, 0},
	{"sheet", "PK\003\004", 4, 0},
	{"doc", "PK\003\004", 4, 0},
};

static const char *const readers[] = {"csv", "hl7",  "json", "text",
				       "xml", "sql", "mail"};

static struct bsc_ctx *ctx;
static FILE *devnull;
static bool is_reader;

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *patterns = getenv("BSC_PATTERNS");

	(void)argc;
	(void)argv;
	ctx = bsc_ctx_new();
	if (strcmp(FUZZ_TARGET, "rules") &&
	    bsc_ctx_load_rules(ctx, patterns ? patterns : BSC_FUZZ_PATTERNS) !=
		    BSC_OK) {
		fprintf(stderr, "fuzz: cannot load rules: %s\n",
			bsc_ctx_error(ctx));
		abort();
	}
	for (size_t i = 0; i < sizeof(readers) / sizeof(readers[0]); i++)
		if (!strcmp(readers[i], FUZZ_TARGET))
			is_reader = true;
	if (is_reader)
		ctx->force_reader = FUZZ_TARGET;
	/* Small limits: a fuzz input is small, and a slow one is a bug. */
	bsc_ctx_limits(ctx)->max_time_ms = 1000;
	bsc_ctx_limits(ctx)->max_total = 1u << 20;
	/* --max-time is checked between reads; a text piece (up to
	 * --max-field) is matched in one go, which takes seconds under
	 * ASan and coverage for 1 MiB of one line (0.09 s/MB in a normal
	 * build): smaller pieces keep one input well under -timeout. */
	bsc_ctx_limits(ctx)->max_field = 64u << 10;
	ctx->quiet = true;
	devnull = fopen("/dev/null", "w");
	return 0;
}

/* The fuzz input with the target's magic stamped in (caller frees). */
static uint8_t *
shape(const uint8_t *data, size_t size, size_t *out_len)
{
	uint8_t *buf = malloc(size + 1);

	memcpy(buf, data, size);
	*out_len = size;
	for (size_t i = 0; i < sizeof(magics) / sizeof(magics[0]); i++) {
		const struct magic *m = &magics[i];

		if (!strcmp(m->target, FUZZ_TARGET) &&
		    size >= m->off + m->len &&
		    memcmp(buf + m->off, m->bytes, m->len) &&
		    !(!strcmp(m->target, "cpio") && !memcmp(buf, "07070", 5)))
			memcpy(buf + m->off, m->bytes, m->len);
	}
	if (!strcmp(FUZZ_TARGET, "tar") && size >= 512) {
		/* A valid header checksum, or the tar bidder says no. */
		unsigned sum = 0;

		memset(buf + 148, ' ', 8);
		for (int i = 0; i < 512; i++)
			sum += buf[i];
		snprintf((char *)buf + 148, 8, "%06o", sum & 0777777);
		buf[155] = ' ';
		if (!buf[0])
			buf[0] = 'a';
	}
	return buf;
}

static void
scan_buffer(const uint8_t *buf, size_t len)
{
	struct bsc_report_opts ro = {.out = devnull,
				     .rules = bsc_ctx_rules(ctx),
				     .lang = "en"};
	struct bsc_sink *sink = bsc_report_new("json", &ro);
	int fd = memfd_create("fuzz", 0);
	char path[64];
	const char *paths[1] = {path};

	if (fd < 0 || (len && write(fd, buf, len) != (ssize_t)len))
		abort();
	lseek(fd, 0, SEEK_SET);
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	bsc_scan(ctx, paths, 1, sink);
	bsc_report_free(sink);
	close(fd);
}

static void
load_buffer(const uint8_t *buf, size_t len)
{
	int fd = memfd_create("fuzz.yml", 0);
	char path[64];

	if (fd < 0 || (len && write(fd, buf, len) != (ssize_t)len))
		abort();
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	if (!strcmp(FUZZ_TARGET, "rules")) {
		struct bsc_ctx *c = bsc_ctx_new();

		bsc_ctx_load_rules(c, path);
		bsc_ctx_free(c);
	} else {
		struct bsc_policy *p = bsc_policy_new();

		bsc_policy_load(p, ctx, path);
		bsc_policy_free(p);
	}
	close(fd);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t len;
	uint8_t *buf;

	if (!strcmp(FUZZ_TARGET, "rules") || !strcmp(FUZZ_TARGET, "policy")) {
		load_buffer(data, size);
		return 0;
	}
	buf = shape(data, size, &len);
	scan_buffer(buf, len);
	free(buf);
	return 0;
}
