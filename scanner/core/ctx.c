/*
 * ctx.c - the scanning context: default limits, the error slot, and the
 * message helpers (the only code that writes to stderr). Every other stage
 * of the pipeline receives the context; nothing is global.
 */
#include "ctx.h"

#include <locale.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "bsc_config.h"
#include "multi.h"
#include "persons.h"
#include "pgraph.h"
#include "rules.h"

void
bsc_limits_default(struct bsc_limits *limits)
{
	limits->max_file_size = 16ull * 1024 * 1024 * 1024; /* 16 GiB */
	limits->max_field = 1024 * 1024;                     /* 1 MiB */
	limits->max_record = 16 * 1024 * 1024;               /* 16 MiB */
	limits->max_columns = 1024;
	limits->max_slots = 4096;
	limits->max_signatures = 65536;
	limits->max_persons_exact = 500000;
	limits->max_depth = 8;
	limits->max_members = 100000;
	limits->max_total = 64ull * 1024 * 1024 * 1024;      /* 64 GiB */
	limits->max_ratio = 100;
	limits->ratio_threshold = 16 * 1024 * 1024;          /* 16 MiB */
	limits->max_time_ms = 10 * 60 * 1000;                /* 10 min */
	limits->max_seek_buffer = 64 * 1024 * 1024;          /* 64 MiB */
	limits->max_nesting = 128;
	limits->max_document = 32 * 1024 * 1024;            /* 32 MiB */
	limits->max_keys = 262144;
}

struct bsc_ctx *
bsc_ctx_new(void)
{
	struct bsc_ctx *ctx = bsc_zalloc(sizeof(*ctx));

	bsc_limits_default(&ctx->limits);
	ctx->err = stderr;
	ctx->min_confidence = BSC_CONF_LOW;
	return ctx;
}

struct bsc_ctx *
bsc_ctx_worker(const struct bsc_ctx *parent)
{
	struct bsc_ctx *w = bsc_zalloc(sizeof(*w));

	*w = *parent;
	w->borrowed = true;
	w->quiet = true; /* the parent reports, in order (scheduler.c) */
	w->progress = false;
	w->jobs = 1;
	w->run_persons = NULL;
	w->person_mac = bsc_hmac_new(parent->person_key);
	w->match_data = w->match_ctx = w->jit_stack = NULL;
	w->utf8_locale = NULL;
	w->kw_scratch = NULL;
	w->error[0] = '\0';
	w->seen_items = w->seen_bytes = 0;
	w->last_progress_ms = 0;
	w->progress_shown = false;
	return w;
}

void
bsc_ctx_free(struct bsc_ctx *ctx)
{
	if (!ctx)
		return;
	if (!ctx->borrowed) {
		bsc_ruleset_free(ctx->rules);
		for (size_t i = 0; i < ctx->passwords.n; i++)
			free(ctx->passwords.v[i]);
		bsc_vec_release(&ctx->passwords);
		free(ctx->skip);
	}
	bsc_pgraph_free(ctx->run_persons);
	bsc_hmac_free(ctx->person_mac);
	if (ctx->match_data)
		pcre2_match_data_free(ctx->match_data);
	if (ctx->match_ctx)
		pcre2_match_context_free(ctx->match_ctx);
	if (ctx->jit_stack)
		pcre2_jit_stack_free(ctx->jit_stack);
	if (ctx->utf8_locale)
		freelocale((locale_t)ctx->utf8_locale);
	if (ctx->kw_scratch)
		bsc_multi_scratch_release(ctx->kw_scratch);
	free(ctx->kw_scratch);
	free(ctx);
}

struct bsc_limits *
bsc_ctx_limits(struct bsc_ctx *ctx)
{
	return &ctx->limits;
}

void
bsc_ctx_set_show_values(struct bsc_ctx *ctx, bool show)
{
	ctx->show_values = show;
}

void
bsc_ctx_add_password(struct bsc_ctx *ctx, const char *password)
{
	bsc_vec_push(&ctx->passwords, bsc_strdup(password));
}

struct bsc_ruleset *
bsc_ctx_rules(struct bsc_ctx *ctx)
{
	if (!ctx->rules)
		ctx->rules = bsc_ruleset_new();
	return ctx->rules;
}

bsc_status
bsc_ctx_load_rules(struct bsc_ctx *ctx, const char *path)
{
	return bsc_ruleset_load(bsc_ctx_rules(ctx), ctx, path);
}

const char *
bsc_ctx_error(const struct bsc_ctx *ctx)
{
	return ctx->error;
}

bsc_status
bsc_set_error(struct bsc_ctx *ctx, bsc_status status, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(ctx->error, sizeof(ctx->error), fmt, ap);
	va_end(ap);
	return status;
}

static void
vmsg(struct bsc_ctx *ctx, const char *level, const char *fmt, va_list ap)
{
	FILE *f = ctx->err ? ctx->err : stderr;

	if (ctx->last_progress_ms)
		bsc_progress(ctx, true);
	fprintf(f, "breachscope: %s", level);
	vfprintf(f, fmt, ap);
	fputc('\n', f);
}

void
bsc_errorf(struct bsc_ctx *ctx, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmsg(ctx, "error: ", fmt, ap);
	va_end(ap);
}

void
bsc_warnf(struct bsc_ctx *ctx, const char *fmt, ...)
{
	va_list ap;

	if (ctx->quiet)
		return;
	va_start(ap, fmt);
	vmsg(ctx, "warning: ", fmt, ap);
	va_end(ap);
}

void
bsc_notef(struct bsc_ctx *ctx, const char *fmt, ...)
{
	va_list ap;

	if (ctx->quiet)
		return;
	va_start(ap, fmt);
	vmsg(ctx, "", fmt, ap);
	va_end(ap);
}

static long long
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* "12.3 MB", decimal like the benchmark. */
static void
fmt_mb(char *buf, size_t len, unsigned long long b)
{
	snprintf(buf, len, "%.1f MB", (double)b / 1e6);
}

static void
fmt_eta(char *buf, size_t len, double secs)
{
	unsigned long long s = secs > 0 && secs < 1e9 ? (unsigned long long)secs
						     : 0;

	if (s >= 3600)
		snprintf(buf, len, "%lluh%02llum", s / 3600, s / 60 % 60);
	else
		snprintf(buf, len, "%llum%02llus", s / 60, s % 60);
}

static void
draw_progress(struct bsc_ctx *ctx, FILE *f, long long t)
{
	const struct bsc_meter *m = ctx->meter;
	unsigned long long rd = m ? m->read : ctx->seen_bytes;
	double el = m && t > m->start_ms ? (double)(t - m->start_ms) / 1e3 : 0;
	/* A rate from too little is noise (and zip and 7z members are read
	 * with pread, which the meter does not see): at least 1 % of the
	 * known total, or 1 MB. */
	bool enough = m && m->total ? rd * 100 >= m->total : rd >= 1000000;
	double rate = el > 0 && enough ? (double)rd / el : 0;
	char a[32], b[32], e[32];

	fmt_mb(a, sizeof(a), rd);
	fprintf(f, "\r\033[Kscanning: %llu items, %s",
		(unsigned long long)ctx->seen_items, a);
	if (m && m->total) {
		fmt_mb(b, sizeof(b), m->total);
		fprintf(f, " of %s", b);
	}
	if (rate > 0)
		fprintf(f, ", %.1f MB/s", rate / 1e6);
	if (m && m->total && rate > 0 && m->total > rd) {
		fmt_eta(e, sizeof(e), (double)(m->total - rd) / rate);
		fprintf(f, ", ETA %s", e);
	}
	if (m && m->cur_size) {
		unsigned long long cr = m->cur_read, cs = m->cur_size;

		fmt_mb(a, sizeof(a), cr < cs ? cr : cs);
		fmt_mb(b, sizeof(b), cs);
		fprintf(f, " | file %s of %s", a, b);
		if (rate > 0 && cs > cr) {
			fmt_eta(e, sizeof(e), (double)(cs - cr) / rate);
			fprintf(f, ", ETA %s", e);
		}
	}
	fflush(f);
}

void
bsc_progress(struct bsc_ctx *ctx, bool final)
{
	FILE *f = ctx->err ? ctx->err : stderr;
	long long t;

	if (!ctx->progress || ctx->quiet)
		return;
	if (final) {
		if (ctx->progress_shown) {
			fputs("\r\033[K", f);
			fflush(f);
		}
		ctx->progress_shown = false;
		return;
	}
	t = now_ms();
	if (ctx->last_progress_ms && t - ctx->last_progress_ms < 500)
		return;
	draw_progress(ctx, f, t);
	ctx->last_progress_ms = t;
	ctx->progress_shown = true;
}

void
bsc_progress_begin(struct bsc_ctx *ctx, struct bsc_meter *m,
		   unsigned long long total)
{
	memset(m, 0, sizeof(*m));
	m->total = total;
	m->start_ms = now_ms();
	ctx->meter = m;
	ctx->last_progress_ms = m->start_ms; /* first line after 500 ms */
}

void
bsc_progress_bytes(struct bsc_ctx *ctx, uint64_t n)
{
	if (!ctx->meter)
		return;
	ctx->meter->read += n;
	if (ctx->progress)
		ctx->meter->cur_read += n;
	bsc_progress(ctx, false);
}

const char *
bsc_item_status_name(enum bsc_item_status status)
{
	static const char *const names[] = {"complete", "partial", "failed",
					    "skipped"};

	if ((unsigned)status < BSC_ARRAY_SIZE(names))
		return names[status];
	return "unknown";
}

const char *
bsc_confidence_name(enum bsc_confidence confidence)
{
	switch (confidence) {
	case BSC_CONF_LOW:
		return "low";
	case BSC_CONF_MEDIUM:
		return "medium";
	case BSC_CONF_HIGH:
		return "high";
	}
	return "unknown";
}

const char *
bsc_subject_name(enum bsc_subject subject)
{
	static const char *const names[] = {"unknown", "patient",
					    "professional", "related",
					    "organization"};

	if ((unsigned)subject < BSC_ARRAY_SIZE(names))
		return names[subject];
	return "unknown";
}

bool
bsc_finding_counted(const struct bsc_finding *f)
{
	return f->confidence >= BSC_CONF_MEDIUM &&
	       f->subject != BSC_SUBJECT_ORGANIZATION;
}

const char *
bsc_version(void)
{
	return BSC_VERSION;
}

size_t
bsc_person_budget(const struct bsc_ctx *ctx)
{
	size_t n = ctx->limits.max_persons_exact;

	return n > SIZE_MAX / 3 ? SIZE_MAX : n * 3;
}

unsigned
bsc_today(void)
{
	time_t t = time(NULL);
	struct tm tm;

	gmtime_r(&t, &tm);
	return (unsigned)((tm.tm_year + 1900) * 10000 + (tm.tm_mon + 1) * 100 +
			  tm.tm_mday);
}
