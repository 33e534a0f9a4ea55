/*
 * scan.c - runs the pipeline (walk -> item -> [container? expand] ->
 * sniff -> reader -> fields -> detectors -> scope -> sinks) for
 * bsc_scan(). It owns the per-item control flow: fill the head, let the
 * containers bid (an archive is expanded by container.c, whose members
 * come back here one level deeper), sniff the encoding, pick a reader by
 * bids, read, turn reader/limit/encoding problems into an item status
 * with a reason, build the report and hand it to the sink. One bad item
 * never stops the run; only a sink's BSC_FATAL does.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "container.h"
#include "ctx.h"
#include "format.h"
#include "header.h"
#include "magic.h"
#include "rules.h"
#include <openssl/rand.h>

#include "persons.h"
#include "pgraph.h"
#include "policy.h"
#include "rollup.h"
#include "scheduler.h"
#include "scope.h"
#include "severity.h"
#include "walk.h"

struct run {
	struct bsc_ctx *ctx;
	const struct bsc_sink *sink;
	struct bsc_run_summary sum;
	uint64_t id_mask, med_mask;
	int severity; /* highest so far */
	struct bsc_flag *flags; /* one per flag rule seen, copied strings */
	size_t n_flags;
	struct keyed *keyed;    /* items with a pseudonymous key column */
	size_t n_keyed;
	struct bsc_budget budget; /* of the current top-level input */
	struct bsc_vec arcs;    /* struct bsc_rollup*: the open archives,
				 * innermost last */
	char *person_keys;      /* the last item's, for --person-index */
};

struct keyed {
	char *path;
	char *header;
	struct bsc_personset *values;
	bool identity; /* has direct identifiers */
	bool medical;
};

/* Remember an item's key column for "linkable through key X". */
static void
keep_keyset(struct run *run, struct bsc_fields *fields,
	    const struct bsc_item_report *rep)
{
	const char *header = NULL;
	struct bsc_personset *ks = bsc_scope_take_keyset(fields, &header);
	struct keyed *k;

	if (!ks)
		return;
	if (!header || (!rep->records_identity && !rep->records_medical)) {
		bsc_personset_free(ks);
		return;
	}
	run->keyed = bsc_reallocarray(run->keyed, run->n_keyed + 1,
				      sizeof(*run->keyed));
	k = &run->keyed[run->n_keyed++];
	k->path = bsc_strdup(rep->path);
	k->header = bsc_strdup(header);
	k->values = ks;
	k->identity = rep->records_identity > 0;
	k->medical = rep->records_medical > 0;
}

#define MAX_LINKABLE 100

/* Pairs (identity item, medical item) sharing values of a key column. */
static size_t
find_linkable(struct run *run, struct bsc_linkable *out)
{
	size_t n = 0;

	for (size_t i = 0; i < run->n_keyed && n < MAX_LINKABLE; i++) {
		const struct keyed *a = &run->keyed[i];

		if (!a->identity)
			continue;
		for (size_t j = 0; j < run->n_keyed && n < MAX_LINKABLE; j++) {
			const struct keyed *b = &run->keyed[j];
			uint64_t shared;

			if (i == j || !b->medical || b->identity ||
			    strcmp(a->header, b->header))
				continue;
			shared = bsc_personset_overlap(a->values, b->values);
			if (!shared)
				continue;
			out[n].key = a->header;
			out[n].identity = a->path;
			out[n].medical = b->path;
			out[n].shared = shared;
			n++;
		}
	}
	return n;
}

/*
 * The lower-case extension of the last path component, a hint for the
 * bidders. The content of a single compressed file ("a.csv.gz!/a.csv")
 * has its own name, so its own extension ("csv").
 */
static void
lower_ext(const char *path, char *ext, size_t len)
{
	const char *slash = strrchr(path, '/');
	const char *base = slash ? slash + 1 : path;
	size_t blen = strlen(base);
	const char *dot = NULL;
	size_t i = 0;

	ext[0] = '\0';
	for (size_t k = 0; k < blen; k++)
		if (base[k] == '.')
			dot = base + k;
	if (!dot || dot == base)
		return;
	for (dot++; dot < base + blen && i + 1 < len; dot++)
		ext[i++] = (char)((*dot >= 'A' && *dot <= 'Z') ? *dot + 32
							       : *dot);
	ext[i] = '\0';
}

static bsc_status
emit(struct run *run, struct bsc_item_report *rep, uint64_t cats)
{
	struct bsc_ctx *ctx = run->ctx;
	const struct bsc_ruleset *rs = bsc_ctx_rules(ctx);
	bsc_status st;

	run->sum.items++;
	run->sum.by_status[rep->status]++;
	/* Once per item, on the calling thread: a worker's (borrowed)
	 * context sees its items again through job_item. */
	if (!ctx->borrowed)
		bsc_policy_seen(ctx->policy, rep->path);
	if (rep->archive)
		run->sum.archives++;
	if (rep->depth > 0)
		run->sum.members++;
	/* An archive's report rolls up its members, already counted. */
	if (rep->depth > 0 && run->arcs.n)
		bsc_rollup_add(run->arcs.v[run->arcs.n - 1], rep);
	if (!rep->archive) {
		run->sum.coverage_items[rep->status]++;
		run->sum.coverage_bytes[rep->status] += rep->bytes;
		run->sum.records += rep->records;
		run->sum.records_identity += rep->records_identity;
		run->sum.records_medical += rep->records_medical;
		run->sum.records_linked += rep->records_linked;
		run->sum.violations += rep->violations;
		/* On the replaying thread: the policy is only read. */
		if (bsc_policy_item_growth(ctx->policy, rep))
			run->sum.grown++;
		for (int k = 0; k < 4; k++)
			run->sum.persons.by_key[k] += rep->persons.by_key[k];
		run->sum.persons.without_key += rep->persons.without_key;
		bsc_flags_sum(&run->flags, &run->n_flags, rep->flags,
			      rep->n_flags);
	}
	if (!rep->severity)
		rep->severity = bsc_severity_name(BSC_SEV_NONE);
	else if (bsc_severity_from_name(rep->severity) > run->severity)
		run->severity = bsc_severity_from_name(rep->severity);
	run->id_mask |= cats & rs->identity_mask;
	run->med_mask |= cats & rs->medical_mask;
	ctx->seen_items++;
	ctx->seen_bytes += rep->bytes;
	bsc_progress(ctx, true); /* never glued to a warning or report line */
	if (rep->status == BSC_ITEM_PARTIAL ||
	    rep->status == BSC_ITEM_FAILED) {
		/* Names are data: never raw control bytes on a terminal. */
		char *p = bsc_escape_name(rep->path, false);
		char *why = bsc_escape_name(rep->reason ? rep->reason : "",
					    false);

		bsc_warnf(ctx, "%s: %s: %s", p,
			  bsc_item_status_name(rep->status), why);
		free(p);
		free(why);
	}
	st = run->sink->item ? run->sink->item(run->sink->data, rep) : BSC_OK;
	bsc_progress(ctx, false);
	return st;
}

/* Report an item that was not read (skipped or failed before reading). */
static bsc_status
emit_unread(struct run *run, const char *display, unsigned depth,
	    const char *container, enum bsc_item_status st,
	    const char *reason)
{
	struct bsc_item_report rep;

	memset(&rep, 0, sizeof(rep));
	rep.path = display;
	rep.depth = depth;
	rep.container = container;
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

/* Why the item's source failed: its own words, or strerror. */
static const char *
source_error(const struct bsc_item *it)
{
	const char *why = bsc_item_error(it);

	return why ? why : strerror(it->read_errno ? it->read_errno : EIO);
}

static bsc_status scan_item(struct run *run, struct bsc_item *it);

/* ---- archives: the callbacks of container.c ---------------------------- */

static bsc_status
arc_begin(void *data, struct bsc_item *archive, const char *format)
{
	struct run *run = data;

	if (!run->sink->archive_begin)
		return BSC_OK;
	bsc_progress(run->ctx, true);
	return run->sink->archive_begin(run->sink->data, archive->path,
					format, (unsigned)archive->depth);
}

static bsc_status
arc_member(void *data, struct bsc_item *member)
{
	return scan_item(data, member);
}

static bsc_status
arc_unread(void *data, const struct bsc_item *archive, const char *path,
	   enum bsc_item_status status, const char *reason)
{
	return emit_unread(data, path, (unsigned)archive->depth + 1,
			   archive->path, status, reason);
}

/* Move an item's (or a closed archive's) persons up: into the innermost
 * open archive, or the run's. *g is emptied. */
static void
persons_up(struct run *run, struct bsc_pgraph **g)
{
	if (run->arcs.n)
		bsc_rollup_take_persons(run->arcs.v[run->arcs.n - 1], g);
	else
		bsc_pgraph_absorb(&run->ctx->run_persons, g);
}

/* Expand an archive item: its members first, then its own report, which
 * rolls them up. */
static bsc_status
scan_archive(struct run *run, struct bsc_item *it,
	     const struct bsc_container *c, struct bsc_item_report *rep)
{
	struct bsc_archive_ops ops = {arc_begin, arc_member, arc_unread, run};
	struct bsc_archive_result res;
	struct bsc_rollup *roll = bsc_rollup_new(run->ctx);
	char reason[768], hex[65];
	bsc_status ret;

	bsc_vec_push(&run->arcs, roll);
	ret = bsc_archive_scan(run->ctx, &run->budget, it, c, &ops, &res);
	run->arcs.n--;
	if (ret == BSC_FATAL) {
		bsc_rollup_free(roll);
		return BSC_FATAL;
	}
	rep->archive = true;
	rep->format = res.format;
	rep->status = res.status;
	rep->reason = res.status == BSC_ITEM_COMPLETE ? NULL : res.reason;
	rep->members = res.members;
	rep->bytes = res.bytes;
	bsc_rollup_fill(roll, rep, reason, sizeof(reason));
	if (res.note[0] && !rep->note)
		rep->note = res.note;
	persons_up(run, bsc_rollup_persons(roll));
	if (run->ctx->hash_items && bsc_item_hash_end(it, hex))
		rep->sha256 = hex;
	ret = emit(run, rep, 0);
	bsc_rollup_free(roll);
	return ret;
}

/*
 * The source is drained after the reader (archive members: the rest of
 * the member is skipped or expanded under the limits). A limit hit there
 * turns a complete or skipped item into a partial one.
 */
static void
drain(struct bsc_item *it, struct bsc_item_report *rep, char *buf,
      size_t len)
{
	const char *why;

	/* A source that failed under the head (a damaged member sniffed
	 * as binary) counts as well. */
	if (bsc_item_drain(it) && !it->read_errno)
		return;
	why = source_error(it);
	if (rep->status == BSC_ITEM_SKIPPED) {
		char first[256];

		snprintf(first, sizeof(first), "%s", rep->reason);
		snprintf(buf, len, "%s; %s", first, why);
	} else if (rep->status == BSC_ITEM_COMPLETE) {
		snprintf(buf, len, "%s", why);
	} else {
		return;
	}
	rep->status = BSC_ITEM_PARTIAL;
	rep->reason = buf;
}

/*
 * The scope's verdict on a read item into rep (counts, findings, severity,
 * policy); returns the fingerprints the findings point to, which the
 * caller frees after emitting rep.
 */
static char (*finish_fields(struct run *run, struct bsc_fields *fields,
			    struct bsc_item_report *rep,
			    uint64_t *cats))[BSC_FINGERPRINT_SIZE]
{
	struct bsc_ctx *ctx = run->ctx;
	size_t n = 0;
	struct bsc_finding *fs;
	char (*fps)[BSC_FINGERPRINT_SIZE];
	int sev;

	bsc_scope_report(fields, rep, cats);
	{
		struct bsc_pgraph *g = bsc_scope_take_persons(fields);

		if (ctx->person_index) {
			/* Lives until the next item's report: the caller
			 * emits rep first. */
			free(run->person_keys);
			run->person_keys = bsc_pgraph_keys_text(g);
			rep->person_keys = run->person_keys;
		}
		persons_up(run, &g);
		bsc_pgraph_free(g);
	}
	rep->note = bsc_scope_note(fields);
	keep_keyset(run, fields, rep);
	fs = bsc_scope_findings(fields, &n);
	sev = bsc_item_severity(bsc_ctx_rules(ctx), rep);
	fps = bsc_zalloc((n ? n : 1) * BSC_FINGERPRINT_SIZE);
	for (size_t i = 0; i < n; i++) {
		bsc_fingerprint(rep->path, &fs[i], fps[i]);
		fs[i].fingerprint = fps[i];
	}
	rep->severity = bsc_severity_name(sev);
	bsc_policy_apply(ctx->policy, ctx, rep, fs, sev);
	bsc_scope_refresh_flags(fields, rep);
	return fps;
}

/* ---- sub-items: the tables a reader reports (struct bsc_subitems) ----- */

struct sub_open {
	struct bsc_fields *f;
	char *path; /* "parent!/name", owned */
};

struct sub_run {
	struct run *run;
	struct bsc_item *parent;
	const char *format; /* the parent's reader */
	const struct bsc_reader *rd; /* its more precise name, once read */
	struct sub_open *open; /* sub-items begun and not yet ended */
	size_t n_open;
	bool begun;         /* archive_begin sent, roll pushed */
	struct bsc_rollup *roll; /* the tables' roll-up, on run->arcs
				  * while the reader runs */
	bool fatal;         /* a sink failed: stop */
};

static struct bsc_fields *
sub_begin(void *data, const char *name)
{
	struct sub_run *sub = data;
	size_t n = strlen(sub->parent->path) + strlen(name) + 3;
	struct sub_open *o;

	if (sub->fatal)
		return NULL;
	sub->open = bsc_reallocarray(sub->open, sub->n_open + 1,
				     sizeof(*sub->open));
	o = &sub->open[sub->n_open++];
	o->path = bsc_zalloc(n);
	snprintf(o->path, n, "%s!/%s", sub->parent->path, name);
	o->f = bsc_scope_new(sub->run->ctx, o->path);
	return o->f;
}

/* Send archive_begin for the parent before its first sub-item. */
static void
sub_announce(struct sub_run *sub)
{
	const struct bsc_sink *sink = sub->run->sink;

	if (sub->begun)
		return;
	sub->begun = true;
	sub->roll = bsc_rollup_new(sub->run->ctx);
	bsc_vec_push(&sub->run->arcs, sub->roll);
	if (sink->archive_begin &&
	    sink->archive_begin(sink->data, sub->parent->path,
				sub->rd->format ? sub->rd->format : sub->format,
				(unsigned)sub->parent->depth) == BSC_FATAL)
		sub->fatal = true;
}

static bsc_status
sub_end(void *data, struct bsc_fields *f, const char *format,
	bsc_status status, const char *reason, unsigned long long records,
	uint64_t bytes)
{
	struct sub_run *sub = data;
	struct bsc_item_report rep;
	uint64_t cats = 0;
	char (*fps)[BSC_FINGERPRINT_SIZE];
	size_t k = 0;

	while (k < sub->n_open && sub->open[k].f != f)
		k++;
	if (k == sub->n_open)
		return BSC_OK; /* not ours: a reader bug, nothing to report */
	sub_announce(sub);
	memset(&rep, 0, sizeof(rep));
	rep.path = sub->open[k].path;
	rep.depth = (unsigned)sub->parent->depth + 1;
	rep.container = sub->parent->path;
	rep.format = format;
	rep.status = status == BSC_OK	     ? BSC_ITEM_COMPLETE
		     : status == BSC_WARN ? BSC_ITEM_PARTIAL
					  : BSC_ITEM_FAILED;
	rep.reason = status == BSC_OK ? NULL : reason;
	rep.records = records;
	rep.bytes = bytes;
	fps = finish_fields(sub->run, f, &rep, &cats);
	if (!sub->fatal && emit(sub->run, &rep, cats) == BSC_FATAL)
		sub->fatal = true;
	bsc_scope_free(f);
	free(fps);
	free(sub->open[k].path);
	sub->open[k] = sub->open[--sub->n_open];
	return sub->fatal ? BSC_FATAL : BSC_OK;
}

/* A member in bytes, scanned through the whole pipeline one level down. */
static bsc_status
sub_member(void *data, const char *name, bsc_read_fn read, void *src)
{
	struct sub_run *sub = data;
	size_t n = strlen(sub->parent->path) + strlen(name) + 3;
	char *path = bsc_zalloc(n);
	struct bsc_item m;
	bsc_status ret;

	if (sub->fatal) {
		free(path);
		return BSC_FATAL;
	}
	/* An attachment sits beside its mail, which keeps its own records:
	 * no roll-up, no archive group. */
	snprintf(path, n, "%s!/%s", sub->parent->path, name);
	bsc_item_init(&m, path, read, src,
		      sub->run->ctx->limits.max_file_size);
	m.depth = sub->parent->depth + 1;
	m.container = sub->parent->path;
	ret = scan_item(sub->run, &m);
	bsc_item_release(&m);
	free(path);
	if (ret == BSC_FATAL)
		sub->fatal = true;
	return ret;
}

/*
 * Binary content no reader takes: skipped when its magic says it cannot
 * hold a document (an image, an executable, a font: magic.c), otherwise
 * failed ("not examined"), because it may hold personal data.
 */
static void
binary_status(const struct bsc_item *it, struct bsc_item_report *rep,
	      char *reason, size_t len)
{
	const struct bsc_magic *m = bsc_magic_of(it->head, it->head_len);

	rep->encoding = NULL;
	rep->bytes = it->head_len;
	if (m->inert) {
		snprintf(reason, len, "%s: holds no document", m->name);
		rep->status = BSC_ITEM_SKIPPED;
	} else {
		snprintf(reason, len,
			 "not examined: %s: no reader for it, so personal data "
			 "in it would not be seen; convert it to text (CSV, "
			 "JSON) or force a reader with --reader",
			 m->name);
		rep->status = BSC_ITEM_FAILED;
	}
	rep->reason = reason;
}

/* Does a reader bid on these raw bytes (SQLite, PDF)? */
static bool
raw_reader(const struct bsc_item *it, const char *ext)
{
	struct bsc_sniff raw = {.raw = it->head,
				.raw_len = it->head_len,
				.ext = ext,
				.at_eof = it->src_eof};

	return bsc_format_select(&raw, NULL) != NULL;
}

/*
 * Scan one item; the item's source is set up by the caller. An archive
 * is expanded (its members come back here, one level deeper); anything
 * else is sniffed and read.
 */
static bsc_status
scan_item(struct run *run, struct bsc_item *it)
{
	struct bsc_ctx *ctx = run->ctx;
	struct bsc_item_report rep;
	struct bsc_sniff sn;
	struct bsc_reader rd;
	const struct bsc_format *fmt;
	const struct bsc_container *cont;
	struct bsc_fields *fields = NULL;
	char ext[16], reason[768], mtime[32];
	char *text = NULL;
	char (*fps)[BSC_FINGERPRINT_SIZE] = NULL;
	size_t text_len = 0;
	enum bsc_encoding enc;
	bsc_status rst, ret = BSC_OK;
	uint64_t cats = 0;
	struct sub_run sub = {0};
	bool binary, package;
	char rreason[768];
	const struct bsc_subitems sub_ops = {sub_begin, sub_end, sub_member,
					     &sub};

	memset(&rep, 0, sizeof(rep));
	memset(&rd, 0, sizeof(rd));
	if (ctx->hash_items)
		bsc_item_hash_begin(it);
	rep.path = it->path;
	rep.depth = (unsigned)it->depth;
	rep.container = it->container;
	/* For the incident timeline, with the chain of custody (--hash). */
	if (ctx->hash_items && bsc_item_mtime_text(it, mtime, sizeof(mtime)))
		rep.mtime = mtime;
	reason[0] = '\0';
	if (it->depth == 0)
		bsc_budget_start(&run->budget);
	/* Every item, archive member or not, reads within the time budget
	 * of its top-level input. */
	it->budget_ms = ctx->limits.max_time_ms;
	it->deadline_ms = run->budget.start_ms + (long long)it->budget_ms;
	if (!bsc_item_fill_head(it)) {
		if (bsc_item_error(it))
			snprintf(reason, sizeof(reason), "%s",
				 bsc_item_error(it));
		else
			snprintf(reason, sizeof(reason), "read error: %s",
				 source_error(it));
		rep.status = BSC_ITEM_FAILED;
		rep.reason = reason;
		goto report;
	}
	/* Containers bid first, on the raw bytes: an archive is expanded
	 * whatever its name, and whatever --reader says. */
	lower_ext(it->path, ext, sizeof(ext));
	cont = bsc_container_bid(it->head, it->head_len);
	/* An office package (.xlsx, .ods) is a zip that a reader reads as
	 * a workbook, not an archive of XML files. */
	package = cont && bsc_format_package(it->head, it->head_len, ext,
					     it->src_eof);
	if (cont && !package)
		return scan_archive(run, it, cont, &rep);
	enc = package ? BSC_ENC_BINARY
		      : bsc_encoding_sniff(it->head, it->head_len,
					   it->src_eof);
	rep.encoding = bsc_encoding_name(enc);
	if (enc == BSC_ENC_EMPTY) {
		rep.status = BSC_ITEM_COMPLETE;
		goto report;
	}
	if (enc == BSC_ENC_BINARY && ctx->force_reader && !package &&
	    !raw_reader(it, ext)) {
		/* --reader on content no raw reader takes: read as text */
		enc = bsc_encoding_sniff_text(it->head, it->head_len,
					      it->src_eof);
		rep.encoding = bsc_encoding_name(enc);
	}
	if (enc == BSC_ENC_INVALID) {
		rep.status = BSC_ITEM_FAILED;
		rep.reason = "invalid encoding: not valid UTF-8, UTF-16 (with "
			     "a BOM) or Windows-1252; convert the file to "
			     "UTF-8 and scan it again";
		rep.encoding = NULL;
		rep.bytes = it->head_len;
		goto report;
	}
	/* Binary content goes to the readers that bid on raw bytes
	 * (SQLite, PDF, office files), with no text and whatever --reader
	 * says. */
	binary = enc == BSC_ENC_BINARY;
	if (!binary)
		text = decode_head(it, enc, &text_len);
	sn = (struct bsc_sniff){.raw = it->head,
				.raw_len = it->head_len,
				.text = text,
				.text_len = text_len,
				.enc = enc,
				.ext = ext,
				.at_eof = it->src_eof,
				.header_hint = header_hint,
				.hint_data = ctx};
	fmt = ctx->force_reader && !binary
		  ? bsc_format_find(ctx->force_reader)
		  : bsc_format_select(&sn, NULL);
	if (!fmt && binary) {
		binary_status(it, &rep, reason, sizeof(reason));
		goto report;
	}
	if (!fmt) {
		rep.status = BSC_ITEM_SKIPPED;
		rep.reason = "no reader bids on this content";
		goto report;
	}
	rep.format = fmt->name;
	if (binary)
		rep.encoding = NULL;
	else if (!bsc_item_text_begin(it, enc)) {
		snprintf(reason, sizeof(reason),
			 "cannot convert from %s (iconv)",
			 bsc_encoding_name(enc));
		rep.status = BSC_ITEM_FAILED;
		rep.reason = reason;
		goto report;
	}
	fields = bsc_scope_new(ctx, it->path);
	rd.ctx = ctx;
	rd.item = it;
	rd.fields = fields;
	rd.limits = &ctx->limits;
	rd.sniff = &sn;
	sub.run = run;
	sub.parent = it;
	sub.format = fmt->name;
	sub.rd = &rd;
	rd.sub = &sub_ops;
	rst = fmt->read(&rd);
	while (sub.n_open) /* a reader must end its sub-items: never silent */
		sub_end(&sub, sub.open[0].f, fmt->name, BSC_FAILED,
			"the reader stopped before the end of this table", 0,
			0);
	free(sub.open);
	if (rd.encoding != BSC_ENC_EMPTY) {
		/* The reader decoded by an in-band declaration (MSH-18). */
		enc = rd.encoding;
		rep.encoding = bsc_encoding_name(enc);
	}
	if (rd.format)
		rep.format = rd.format;
	if (rd.declared_encoding[0])
		rep.encoding = rd.declared_encoding;
	rep.bytes = it->bytes;
	rep.records = rd.records;
	rep.status = BSC_ITEM_COMPLETE;
	if (it->read_errno) {
		/* The source failed or hit a limit; the reader only saw a
		 * read error. */
		rep.status = BSC_ITEM_PARTIAL;
		if (bsc_item_error(it))
			snprintf(reason, sizeof(reason), "%s",
				 bsc_item_error(it));
		else
			snprintf(reason, sizeof(reason),
				 "read error after %llu bytes: %s",
				 (unsigned long long)it->bytes,
				 strerror(it->read_errno));
	} else if (rst == BSC_FAILED) {
		rep.status = BSC_ITEM_FAILED;
		snprintf(reason, sizeof(reason), "%s", rd.reason);
	} else if (rst == BSC_WARN) {
		rep.status = BSC_ITEM_PARTIAL;
		snprintf(reason, sizeof(reason), "%s", rd.reason);
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
	{
		uint64_t n_unread = 0;
		const char *first = bsc_scope_unread(fields, &n_unread);

		if (rep.status == BSC_ITEM_COMPLETE && n_unread) {
			rep.status = BSC_ITEM_PARTIAL;
			snprintf(reason, sizeof(reason),
				 "%llu part(s) not examined, first: %s",
				 (unsigned long long)n_unread, first);
		}
	}
	rep.reason = rep.status == BSC_ITEM_COMPLETE ? NULL : reason;
	if (sub.roll) {
		/* The reader reported its tables as sub-items: the item is
		 * their container, and rolls them up as an archive does. */
		run->arcs.n--;
		rep.archive = true;
		rep.members = rd.members;
		rep.encoding = NULL; /* as any archive's (report schema) */
	}
	if (sub.fatal)
		ret = BSC_FATAL;
	fps = finish_fields(run, fields, &rep, &cats);
	if (sub.roll) {
		bsc_rollup_fill(sub.roll, &rep, rreason, sizeof(rreason));
		persons_up(run, bsc_rollup_persons(sub.roll));
	}
report:
	{
		char dreason[1024], hex[65];

		/* The hash reads the rest of the item through the item layer
		 * (so it sees every byte); draining then finds nothing. */
		if (ctx->hash_items && bsc_item_hash_end(it, hex))
			rep.sha256 = hex;
		drain(it, &rep, dreason, sizeof(dreason));
		if (rep.status == BSC_ITEM_COMPLETE &&
		    bsc_item_changed(it, it->fd, dreason, sizeof(dreason))) {
			rep.status = BSC_ITEM_PARTIAL;
			rep.reason = dreason;
		}
		if (ret != BSC_FATAL)
			ret = emit(run, &rep, cats);
	}
	bsc_rollup_free(sub.roll);
	bsc_scope_free(fields);
	free(fps);
	free(text);
	return ret;
}

/* A top-level input's reads, counted for the progress line. */
struct counted_fd {
	int fd; /* first: bsc_fd_read's source */
	struct bsc_ctx *ctx;
};

static ssize_t
counted_read(void *src, void *buf, size_t n)
{
	struct counted_fd *c = src;
	ssize_t r = bsc_fd_read(&c->fd, buf, n);

	if (r > 0)
		bsc_progress_bytes(c->ctx, (uint64_t)r);
	return r;
}

static bsc_status
scan_fd(struct run *run, int fd, const char *display)
{
	struct bsc_item it;
	struct stat st;
	bsc_status ret;
	struct counted_fd cfd = {fd, run->ctx};
	struct bsc_meter *m = run->ctx->meter;

	if (m && run->ctx->progress) {
		m->cur_read = 0;
		m->cur_size = fstat(fd, &st) == 0 && S_ISREG(st.st_mode)
				      ? (unsigned long long)st.st_size
				      : 0;
	}
	bsc_item_init(&it, display, counted_read, &cfd,
		      run->ctx->limits.max_file_size);
	/* A regular file (standard input redirected from one too) can be
	 * read with pread(), which archives that seek need. */
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) &&
	    lseek(fd, 0, SEEK_CUR) == 0) {
		it.fd = fd;
		it.size_at_open = (long long)st.st_size;
	}
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode)) {
		it.mtime = (int64_t)st.st_mtime;
		it.has_mtime = true;
	}
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
		return emit_unread(run, display, 0, NULL, BSC_ITEM_FAILED,
				   reason);
	}
	/* O_NONBLOCK only protected the open against FIFOs. */
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
	ret = scan_fd(run, fd, display);
	close(fd);
	return ret;
}

/* A report file of this run may sit inside a scanned directory: never
 * read it. */
static bool
is_report_file(const struct bsc_ctx *ctx, const char *path)
{
	struct stat st;

	if (!ctx->n_skip || stat(path, &st) != 0)
		return false;
	for (size_t i = 0; i < ctx->n_skip; i++)
		if ((unsigned long long)st.st_dev == ctx->skip[i][0] &&
		    (unsigned long long)st.st_ino == ctx->skip[i][1])
			return true;
	return false;
}

/* --shard K/N: does this top-level file belong to our shard? The split
 * hashes the display path, so it does not depend on the machine. */
static bool
in_shard(const struct bsc_ctx *ctx, const char *display)
{
	if (!ctx->shard_n)
		return true;
	return bsc_hash64(display, strlen(display), 0) % ctx->shard_n ==
	       ctx->shard_k - 1;
}

static bsc_status
walk_cb(void *data, enum bsc_walk_kind kind, const char *fspath,
	const char *display, const char *reason)
{
	struct run *run = data;

	if (!in_shard(run->ctx, display))
		return BSC_OK;
	switch (kind) {
	case BSC_WALK_EXCLUDED:
		run->ctx->excluded++; /* the walk runs on the calling thread */
		return BSC_OK;
	case BSC_WALK_FILE:
		if (is_report_file(run->ctx, fspath))
			return emit_unread(run, display, 0, NULL,
					   BSC_ITEM_SKIPPED,
					   "the report being written (-o)");
		return scan_file(run, fspath, display);
	case BSC_WALK_SKIP:
		return emit_unread(run, display, 0, NULL, BSC_ITEM_SKIPPED,
				   reason);
	case BSC_WALK_FAIL:
		return emit_unread(run, display, 0, NULL, BSC_ITEM_FAILED,
				   reason);
	}
	return BSC_OK;
}

static bsc_status
scan_path(struct run *run, const char *path)
{
	struct stat st;
	char reason[300];

	if (!strcmp(path, "-"))
		return in_shard(run->ctx, "-") ? scan_fd(run, STDIN_FILENO, "-")
					       : BSC_OK;
	/* A path named on the command line is followed even if a symlink. */
	if (stat(path, &st) != 0) {
		snprintf(reason, sizeof(reason), "cannot stat: %s",
			 strerror(errno));
		return emit_unread(run, path, 0, NULL, BSC_ITEM_FAILED,
				   reason);
	}
	if (S_ISDIR(st.st_mode))
		return bsc_walk(run->ctx, path, walk_cb, run);
	if (!in_shard(run->ctx, path))
		return BSC_OK;
	if (S_ISREG(st.st_mode))
		return scan_file(run, path, path);
	snprintf(reason, sizeof(reason), "not a regular file or directory");
	return emit_unread(run, path, 0, NULL, BSC_ITEM_SKIPPED, reason);
}

/* ---- -j N: jobs for the scheduler (scheduler.c) ---------------------------- */

struct joblist {
	struct bsc_job *v;
	size_t n;
	const struct bsc_ctx *ctx;
	unsigned long long total; /* bytes of the files, for progress */
	uint64_t excluded;        /* entries the walk left out */
};

static void
add_job(struct joblist *l, bool is_path, enum bsc_walk_kind kind,
	const char *fspath, const char *display, const char *reason)
{
	struct bsc_job *j;

	l->v = bsc_reallocarray(l->v, l->n + 1, sizeof(*l->v));
	j = &l->v[l->n++];
	j->is_path = is_path;
	j->kind = kind;
	j->fspath = fspath ? bsc_strdup(fspath) : NULL;
	j->display = bsc_strdup(display);
	j->reason = reason ? bsc_strdup(reason) : NULL;
}

static bsc_status
collect_cb(void *data, enum bsc_walk_kind kind, const char *fspath,
	   const char *display, const char *reason)
{
	struct joblist *l = data;
	struct stat st;

	if (!in_shard(l->ctx, display))
		return BSC_OK;
	if (kind == BSC_WALK_EXCLUDED) {
		l->excluded++;
		return BSC_OK;
	}
	add_job(l, false, kind, fspath, display, reason);
	if (kind == BSC_WALK_FILE && l->ctx->progress &&
	    stat(fspath, &st) == 0)
		l->total += (unsigned long long)st.st_size;
	return BSC_OK;
}

/* The top-level jobs of the paths, in the order of the one-thread scan;
 * BSC_FATAL (message in ctx) when a root's ignore file cannot be read. */
static bsc_status
collect_jobs(struct bsc_ctx *ctx, const char *const *paths, size_t n,
	     struct joblist *l)
{
	l->ctx = ctx;
	for (size_t i = 0; i < n; i++) {
		struct stat st;

		bool ok = strcmp(paths[i], "-") && stat(paths[i], &st) == 0;

		if (ok && S_ISDIR(st.st_mode)) {
			if (bsc_walk(ctx, paths[i], collect_cb, l) != BSC_OK)
				return BSC_FATAL;
			continue;
		}
		add_job(l, true, BSC_WALK_FILE, NULL, paths[i], NULL);
		if (ok && S_ISREG(st.st_mode))
			l->total += (unsigned long long)st.st_size;
	}
	return BSC_OK;
}

/* Worker thread: one job, with its own run (counts merged by job_end). */
static void *
job_run(void *data, struct bsc_ctx *wctx, const struct bsc_sink *sink,
	const struct bsc_job *j)
{
	struct run *w = bsc_zalloc(sizeof(*w));

	(void)data;
	w->ctx = wctx;
	w->sink = sink;
	if (j->is_path)
		scan_path(w, j->display);
	else
		walk_cb(w, j->kind, j->fspath, j->display, j->reason);
	return w;
}

/* Calling thread, in job order: what emit() does for a one-thread scan
 * (the categories come with the job's end). */
static bsc_status
job_item(void *data, struct bsc_item_report *rep)
{
	return emit(data, rep, 0);
}

static bsc_status
job_begin(void *data, const char *path, const char *format, unsigned depth)
{
	struct run *run = data;

	if (!run->sink->archive_begin)
		return BSC_OK;
	bsc_progress(run->ctx, true);
	return run->sink->archive_begin(run->sink->data, path, format, depth);
}

static void
job_end(void *data, void *result)
{
	struct run *run = data, *w = result;

	run->id_mask |= w->id_mask;
	run->med_mask |= w->med_mask;
	run->keyed = bsc_reallocarray(run->keyed, run->n_keyed + w->n_keyed + 1,
				      sizeof(*run->keyed));
	for (size_t i = 0; i < w->n_keyed; i++)
		run->keyed[run->n_keyed++] = w->keyed[i];
	for (size_t i = 0; i < w->n_flags; i++) {
		free((char *)w->flags[i].loc.header);
		free((char *)w->flags[i].path);
	}
	free(w->flags);
	free(w->keyed);
	bsc_vec_release(&w->arcs); /* empty: every archive closed */
	free(w->person_keys);
	free(w);
}

/* Scan the paths with ctx->jobs workers; false if one thread will do. */
static bool
scan_parallel(struct run *run, const char *const *paths, size_t n,
	      bsc_status *ret)
{
	struct bsc_sched_ops ops = {job_run, job_item, job_begin, job_end,
				    run};
	struct joblist l = {0};

	if (run->ctx->jobs < 2)
		return false;
	if (collect_jobs(run->ctx, paths, n, &l) != BSC_OK) {
		*ret = BSC_FATAL; /* an ignore file that cannot be read */
	} else if (l.n >= 2) {
		if (run->ctx->meter)
			run->ctx->meter->total = l.total;
		run->ctx->excluded += l.excluded;
		*ret = bsc_sched_run(run->ctx, l.v, l.n, run->ctx->jobs, &ops);
	} else {
		/* One job: the one-thread scan walks (and counts) again. */
		if (run->ctx->meter)
			run->ctx->meter->total = l.total;
		for (size_t i = 0; i < n && *ret != BSC_FATAL; i++)
			*ret = scan_path(run, paths[i]);
	}
	for (size_t i = 0; i < l.n; i++) {
		free(l.v[i].fspath);
		free(l.v[i].display);
		free(l.v[i].reason);
	}
	free(l.v);
	return true;
}

/* Bytes of the regular files named on the command line (directories are
 * counted by the -j walk), for the progress line's ETA. */
static unsigned long long
inputs_size(const char *const *paths, size_t n)
{
	unsigned long long t = 0;
	struct stat st;

	for (size_t i = 0; i < n; i++)
		if (strcmp(paths[i], "-") && stat(paths[i], &st) == 0 &&
		    S_ISREG(st.st_mode))
			t += (unsigned long long)st.st_size;
	return t;
}

static void
utc_now(char *buf, size_t len)
{
	time_t t = time(NULL);
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* The run's distinct persons; *dump gets the mergeable graph with a
 * shared --person-key-file (caller frees). */
static void
run_persons(struct run *run, char **dump)
{
	struct bsc_ctx *ctx = run->ctx;
	struct bsc_persons *p = &run->sum.persons;

	struct bsc_pcats t;

	bsc_pcats_from_rules(bsc_ctx_rules(ctx), &t);
	bsc_pgraph_figures(ctx->run_persons, run->sum.records_linked, &t, p);
	if (ctx->person_key_set) {
		*dump = bsc_pgraph_dump(ctx->run_persons, &t);
		p->set = *dump;
	}
}

bsc_status
bsc_scan(struct bsc_ctx *ctx, const char *const *paths, size_t n_paths,
	 const struct bsc_sink *sink)
{
	struct run run = {.ctx = ctx, .sink = sink};
	struct bsc_ruleset *rs = bsc_ctx_rules(ctx);
	const char **idn = NULL, **medn = NULL;
	char *set_dump = NULL;
	char rules_version[17], started[32] = "", finished[32] = "";
	struct bsc_linkable *linkable = NULL;
	struct bsc_vec warnings = {0}; /* char*, owned */
	bsc_status ret = BSC_OK;
	struct bsc_meter meter;

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
	/* A fresh random key per scan, unless the user gave one so that
	 * shard reports can be merged. It never leaves memory. */
	if (!ctx->person_key_set && RAND_bytes(ctx->person_key, 32) != 1)
		return bsc_set_error(ctx, BSC_FATAL,
				     "no randomness for the person key");
	bsc_hmac_free(ctx->person_mac);
	ctx->person_mac = bsc_hmac_new(ctx->person_key);
	bsc_pgraph_free(ctx->run_persons);
	ctx->run_persons = bsc_pgraph_new(bsc_person_budget(ctx));
	ctx->today = bsc_today();
	if (ctx->hash_items)
		utc_now(started, sizeof(started));
	ctx->excluded = 0;
	bsc_policy_set_roots(ctx->policy, paths, n_paths);
	bsc_progress_begin(ctx, &meter, inputs_size(paths, n_paths));
	if (sink->run_begin)
		ret = sink->run_begin(sink->data);
	if (ret != BSC_FATAL && !scan_parallel(&run, paths, n_paths, &ret))
		for (size_t i = 0; i < n_paths && ret != BSC_FATAL; i++)
			ret = scan_path(&run, paths[i]);
	bsc_progress(ctx, true);
	for (size_t i = 0; i < run.arcs.n; i++)
		bsc_rollup_free(run.arcs.v[i]);
	bsc_vec_release(&run.arcs);
	free(run.person_keys);
	ctx->meter = NULL;
	if (ret == BSC_FATAL) {
		if (!ctx->error[0])
			bsc_set_error(ctx, BSC_FATAL, "output error");
		return BSC_FATAL;
	}
	idn = bsc_ruleset_names(rs, run.id_mask, &run.sum.n_identity);
	medn = bsc_ruleset_names(rs, run.med_mask, &run.sum.n_medical);
	run.sum.identity = idn;
	run.sum.medical = medn;
	run.sum.severity = bsc_severity_name(run.severity);
	run.sum.policy = bsc_policy_name(ctx->policy);
	run.sum.excluded = ctx->excluded;
	/* A shard sees part of the tree: a glob may match only elsewhere. */
	if (!ctx->shard_n && bsc_policy_unmatched(ctx->policy, &warnings)) {
		for (size_t i = 0; i < warnings.n; i++)
			bsc_warnf(ctx, "%s", (const char *)warnings.v[i]);
		run.sum.warnings = (const char *const *)warnings.v;
		run.sum.n_warnings = warnings.n;
	}
	run.sum.flags = run.flags;
	run.sum.n_flags = run.n_flags;
	linkable = bsc_zalloc(MAX_LINKABLE * sizeof(*linkable));
	run.sum.linkable = linkable;
	run.sum.n_linkable = find_linkable(&run, linkable);
	/* Identity and medical tables joined by a shared key are health
	 * data linked to persons, even if no single record holds both. */
	if (run.sum.n_linkable)
		run.sum.severity = bsc_severity_name(BSC_SEV_HEALTH_LINKED);
	bsc_ruleset_version(rs, rules_version);
	run.sum.rules_version = rules_version;
	run.sum.options = ctx->argv;
	run.sum.n_options = ctx->argc;
	if (ctx->hash_items) {
		utc_now(finished, sizeof(finished));
		run.sum.started = started;
		run.sum.finished = finished;
	}
	run_persons(&run, &set_dump);
	if (bsc_policy_total_growth(ctx->policy, &run.sum))
		run.sum.grown++;
	ret = BSC_OK;
	if (sink->run_end)
		ret = sink->run_end(sink->data, &run.sum);
	free(idn);
	free(medn);
	free(set_dump);
	for (size_t i = 0; i < warnings.n; i++)
		free(warnings.v[i]);
	bsc_vec_release(&warnings);
	for (size_t i = 0; i < run.n_flags; i++) {
		free((char *)run.flags[i].loc.header);
		free((char *)run.flags[i].path);
	}
	free(run.flags);
	for (size_t i = 0; i < run.n_keyed; i++) {
		free(run.keyed[i].path);
		free(run.keyed[i].header);
		bsc_personset_free(run.keyed[i].values);
	}
	free(run.keyed);
	free(linkable);
	return ret == BSC_FATAL ? BSC_FATAL : BSC_OK;
}
