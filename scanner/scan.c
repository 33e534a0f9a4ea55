/*
 * scan.c - runs the pipeline (walk -> item -> sniff -> reader -> fields ->
 * detectors -> scope -> sinks) for bsc_scan(). It owns the per-item
 * control flow: fill the head, sniff the encoding, pick a reader by bids,
 * read, turn reader/limit/encoding problems into an item status with a
 * reason, build the report and hand it to the sink. One bad item never
 * stops the run; only a sink's BSC_FATAL does.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ctx.h"
#include "format.h"
#include "header.h"
#include "rules.h"
#include "scope.h"
#include "walk.h"

struct run {
	struct bsc_ctx *ctx;
	const struct bsc_sink *sink;
	struct bsc_run_summary sum;
	uint64_t id_mask, med_mask;
};

static void
lower_ext(const char *path, char *ext, size_t len)
{
	const char *slash = strrchr(path, '/');
	const char *base = slash ? slash + 1 : path;
	const char *dot = strrchr(base, '.');
	size_t i = 0;

	ext[0] = '\0';
	if (!dot || dot == base)
		return;
	for (dot++; *dot && i + 1 < len; dot++)
		ext[i++] = (char)((*dot >= 'A' && *dot <= 'Z') ? *dot + 32
							       : *dot);
	ext[i] = '\0';
}

static bsc_status
emit(struct run *run, struct bsc_item_report *rep, uint64_t cats)
{
	struct bsc_ctx *ctx = run->ctx;
	const struct bsc_ruleset *rs = bsc_ctx_rules(ctx);

	run->sum.items++;
	run->sum.by_status[rep->status]++;
	run->sum.records += rep->records;
	run->sum.records_identity += rep->records_identity;
	run->sum.records_medical += rep->records_medical;
	run->sum.records_linked += rep->records_linked;
	run->id_mask |= cats & rs->identity_mask;
	run->med_mask |= cats & rs->medical_mask;
	ctx->seen_items++;
	ctx->seen_bytes += rep->bytes;
	if (rep->status == BSC_ITEM_PARTIAL)
		bsc_warnf(ctx, "%s: partial: %s", rep->path, rep->reason);
	else if (rep->status == BSC_ITEM_FAILED)
		bsc_warnf(ctx, "%s: failed: %s", rep->path, rep->reason);
	bsc_progress(ctx, false);
	if (run->sink->item)
		return run->sink->item(run->sink->data, rep);
	return BSC_OK;
}

/* Report an item that was not read (skipped or failed before reading). */
static bsc_status
emit_unread(struct run *run, const char *display, enum bsc_item_status st,
	    const char *reason)
{
	struct bsc_item_report rep;

	memset(&rep, 0, sizeof(rep));
	rep.path = display;
	rep.status = st;
	rep.reason = reason;
	rep.identity = rep.medical = NULL;
	return emit(run, &rep, 0);
}

/* Decode the raw head to UTF-8 for the bidders. */
static char *
decode_head(struct bsc_item *it, enum bsc_encoding enc, size_t *len)
{
	struct bsc_decoder d;
	size_t cap = it->head_len * 3 + 16, olen = 0;
	char *out;

	if (!bsc_decoder_init(&d, enc))
		return NULL;
	out = bsc_zalloc(cap + 1);
	bsc_decoder_run(&d, it->head, it->head_len, out, cap, &olen,
			it->src_eof);
	bsc_decoder_free(&d);
	out[olen] = '\0';
	*len = olen;
	return out;
}

/* The header hint readers get: does a header rule know this name? */
static bool
header_hint(void *data, const char *s, size_t n)
{
	struct bsc_ctx *ctx = data;
	char *norm = bsc_header_normalise(s, n);
	const struct bsc_rule *r = bsc_header_classify(bsc_ctx_rules(ctx),
						       norm, NULL);

	free(norm);
	return r != NULL;
}

/* Scan one item; the item's source is set up by the caller. */
static bsc_status
scan_item(struct run *run, struct bsc_item *it)
{
	struct bsc_ctx *ctx = run->ctx;
	struct bsc_item_report rep;
	struct bsc_sniff sn;
	struct bsc_reader rd;
	const struct bsc_format *fmt;
	struct bsc_fields *fields = NULL;
	char ext[16], reason[512];
	char *text = NULL;
	size_t text_len = 0;
	enum bsc_encoding enc;
	bsc_status rst, ret;
	uint64_t cats = 0;

	memset(&rep, 0, sizeof(rep));
	memset(&rd, 0, sizeof(rd));
	rep.path = it->path;
	reason[0] = '\0';
	if (!bsc_item_fill_head(it)) {
		snprintf(reason, sizeof(reason), "read error: %s",
			 strerror(it->read_errno));
		rep.status = BSC_ITEM_FAILED;
		rep.reason = reason;
		return emit(run, &rep, 0);
	}
	enc = bsc_encoding_sniff(it->head, it->head_len, it->src_eof);
	rep.encoding = bsc_encoding_name(enc);
	if (enc == BSC_ENC_EMPTY) {
		rep.status = BSC_ITEM_COMPLETE;
		return emit(run, &rep, 0);
	}
	if (enc == BSC_ENC_BINARY) {
		rep.status = BSC_ITEM_SKIPPED;
		rep.reason = "binary data: no reader for this content";
		rep.encoding = NULL;
		rep.bytes = it->head_len;
		return emit(run, &rep, 0);
	}
	if (enc == BSC_ENC_INVALID) {
		rep.status = BSC_ITEM_FAILED;
		rep.reason = "invalid encoding: not valid UTF-8, UTF-16 (with "
			     "a BOM) or Windows-1252; convert the file to "
			     "UTF-8 and scan it again";
		rep.encoding = NULL;
		rep.bytes = it->head_len;
		return emit(run, &rep, 0);
	}
	text = decode_head(it, enc, &text_len);
	lower_ext(it->path, ext, sizeof(ext));
	sn = (struct bsc_sniff){.raw = it->head,
				.raw_len = it->head_len,
				.text = text,
				.text_len = text_len,
				.enc = enc,
				.ext = ext,
				.at_eof = it->src_eof,
				.header_hint = header_hint,
				.hint_data = ctx};
	fmt = ctx->force_reader ? bsc_format_find(ctx->force_reader)
				: bsc_format_select(&sn, NULL);
	if (!fmt) {
		rep.status = BSC_ITEM_SKIPPED;
		rep.reason = "no reader bids on this content";
		ret = emit(run, &rep, 0);
		goto out;
	}
	rep.format = fmt->name;
	if (!bsc_item_text_begin(it, enc)) {
		snprintf(reason, sizeof(reason),
			 "cannot convert from %s (iconv)",
			 bsc_encoding_name(enc));
		rep.status = BSC_ITEM_FAILED;
		rep.reason = reason;
		ret = emit(run, &rep, 0);
		goto out;
	}
	fields = bsc_scope_new(ctx);
	rd.ctx = ctx;
	rd.item = it;
	rd.fields = fields;
	rd.limits = &ctx->limits;
	rd.sniff = &sn;
	rst = fmt->read(&rd);
	if (rd.format)
		rep.format = rd.format;
	if (rd.encoding[0])
		rep.encoding = rd.encoding;
	rep.bytes = it->bytes;
	rep.records = rd.records;
	rep.status = BSC_ITEM_COMPLETE;
	if (rst == BSC_FAILED) {
		rep.status = BSC_ITEM_FAILED;
		snprintf(reason, sizeof(reason), "%s", rd.reason);
	} else if (rst == BSC_WARN) {
		rep.status = BSC_ITEM_PARTIAL;
		snprintf(reason, sizeof(reason), "%s", rd.reason);
	} else if (it->read_errno) {
		rep.status = BSC_ITEM_PARTIAL;
		snprintf(reason, sizeof(reason), "read error after %llu "
			 "bytes: %s", (unsigned long long)it->bytes,
			 strerror(it->read_errno));
	} else if (it->truncated) {
		char sz[32];

		bsc_format_size(ctx->limits.max_file_size, sz, sizeof(sz));
		rep.status = BSC_ITEM_PARTIAL;
		snprintf(reason, sizeof(reason),
			 "stopped at --max-file-size (%s); the rest was not "
			 "scanned", sz);
	} else if (it->dec.bad_bytes) {
		rep.status = BSC_ITEM_PARTIAL;
		snprintf(reason, sizeof(reason),
			 "%llu byte(s) not valid %s (first at offset %llu) "
			 "were replaced; values there may be missed",
			 (unsigned long long)it->dec.bad_bytes,
			 bsc_encoding_name(enc),
			 (unsigned long long)it->dec.first_bad);
	}
	rep.reason = rep.status == BSC_ITEM_COMPLETE ? NULL : reason;
	bsc_scope_report(fields, &rep, &cats);
	rep.note = bsc_scope_note(fields);
	ret = emit(run, &rep, cats);
out:
	bsc_scope_free(fields);
	free(text);
	return ret;
}

static bsc_status
scan_fd(struct run *run, int fd, const char *display)
{
	struct bsc_item it;
	bsc_status ret;

	bsc_item_init(&it, display, bsc_fd_read, &fd,
		      run->ctx->limits.max_file_size);
	ret = scan_item(run, &it);
	bsc_item_release(&it);
	return ret;
}

static bsc_status
scan_file(struct run *run, const char *fspath, const char *display)
{
	char reason[300];
	bsc_status ret;
	int fd;

	fd = open(fspath, O_RDONLY | O_NOCTTY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0) {
		snprintf(reason, sizeof(reason), "cannot open: %s",
			 strerror(errno));
		return emit_unread(run, display, BSC_ITEM_FAILED, reason);
	}
	/* O_NONBLOCK only protected the open against FIFOs. */
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
	ret = scan_fd(run, fd, display);
	close(fd);
	return ret;
}

/* The report file may sit inside a scanned directory: never read it. */
static bool
is_report_file(const struct bsc_ctx *ctx, const char *path)
{
	struct stat st;

	return ctx->skip_set && stat(path, &st) == 0 &&
	       (unsigned long long)st.st_dev == ctx->skip_dev &&
	       (unsigned long long)st.st_ino == ctx->skip_ino;
}

static bsc_status
walk_cb(void *data, enum bsc_walk_kind kind, const char *fspath,
	const char *display, const char *reason)
{
	struct run *run = data;

	switch (kind) {
	case BSC_WALK_FILE:
		if (is_report_file(run->ctx, fspath))
			return emit_unread(run, display, BSC_ITEM_SKIPPED,
					   "the report being written (-o)");
		return scan_file(run, fspath, display);
	case BSC_WALK_SKIP:
		return emit_unread(run, display, BSC_ITEM_SKIPPED, reason);
	case BSC_WALK_FAIL:
		return emit_unread(run, display, BSC_ITEM_FAILED, reason);
	}
	return BSC_OK;
}

static bsc_status
scan_path(struct run *run, const char *path)
{
	struct stat st;
	char reason[300];

	if (!strcmp(path, "-"))
		return scan_fd(run, STDIN_FILENO, "-");
	/* A path named on the command line is followed even if a symlink. */
	if (stat(path, &st) != 0) {
		snprintf(reason, sizeof(reason), "cannot stat: %s",
			 strerror(errno));
		return emit_unread(run, path, BSC_ITEM_FAILED, reason);
	}
	if (S_ISDIR(st.st_mode))
		return bsc_walk(run->ctx, path, walk_cb, run);
	if (S_ISREG(st.st_mode))
		return scan_file(run, path, path);
	snprintf(reason, sizeof(reason), "not a regular file or directory");
	return emit_unread(run, path, BSC_ITEM_SKIPPED, reason);
}

static const char **
mask_names(const struct bsc_ruleset *rs, uint64_t mask, size_t *n)
{
	const char **v = bsc_zalloc((rs->n_cats + 1) * sizeof(char *));

	*n = 0;
	for (size_t c = 0; c < rs->n_cats; c++)
		if (mask & (1ull << c))
			v[(*n)++] = rs->cats[c].name;
	qsort(v, *n, sizeof(char *), bsc_strcmp_ptr);
	return v;
}

bsc_status
bsc_scan(struct bsc_ctx *ctx, const char *const *paths, size_t n_paths,
	 const struct bsc_sink *sink)
{
	struct run run = {.ctx = ctx, .sink = sink};
	struct bsc_ruleset *rs = bsc_ctx_rules(ctx);
	const char **idn = NULL, **medn = NULL;
	bsc_status ret = BSC_OK;

	if (rs->rules.n == 0) {
		const char *dir = bsc_default_patterns_dir();

		if (!dir)
			return bsc_set_error(ctx, BSC_FATAL,
					     "no rules loaded and no patterns "
					     "directory found (set "
					     "BSC_PATTERNS or use --rules)");
		if (bsc_ctx_load_rules(ctx, dir) != BSC_OK)
			return BSC_FATAL;
	}
	if (sink->run_begin)
		ret = sink->run_begin(sink->data);
	for (size_t i = 0; i < n_paths && ret != BSC_FATAL; i++)
		ret = scan_path(&run, paths[i]);
	bsc_progress(ctx, true);
	if (ret == BSC_FATAL) {
		if (!ctx->error[0])
			bsc_set_error(ctx, BSC_FATAL, "output error");
		return BSC_FATAL;
	}
	idn = mask_names(rs, run.id_mask, &run.sum.n_identity);
	medn = mask_names(rs, run.med_mask, &run.sum.n_medical);
	run.sum.identity = idn;
	run.sum.medical = medn;
	ret = BSC_OK;
	if (sink->run_end)
		ret = sink->run_end(sink->data, &run.sum);
	free(idn);
	free(medn);
	return ret == BSC_FATAL ? BSC_FATAL : BSC_OK;
}
