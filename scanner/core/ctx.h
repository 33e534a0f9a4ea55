/*
 * ctx.h - the scanning context: options, limits, loaded rules, the error
 * slot and per-run scratch (regex match data). One per run or per thread;
 * there is no global mutable state anywhere in the scanner.
 */
#ifndef BSC_CTX_H
#define BSC_CTX_H
#ifndef BSC_INTERNAL
#error "scanner-internal header"
#endif

#include <stdio.h>

#include "breachscope.h"
#include "util.h"

struct bsc_ruleset;
struct bsc_policy;
struct bsc_pgraph;

struct bsc_hmac;

struct bsc_ctx {
	struct bsc_limits limits;
	bool show_values;
	bool quiet;           /* no warnings/notes on stderr */
	bool progress;        /* progress line on stderr */
	bool follow_symlinks; /* follow symlinks out of the scan root */
	int min_confidence;   /* findings below are dropped (enum) */
	const char *force_reader; /* reader name, or NULL to sniff */
	struct bsc_policy *policy; /* borrowed; NULL: any finding fails */
	unsigned char person_key[32]; /* HMAC key of person hashes */
	bool person_key_set;  /* given by the user (shards can merge) */
	struct bsc_hmac *person_mac; /* person_key's HMAC state (persons.h),
				      * made by bsc_scan or on first use */
	bool hash_items;      /* --hash: SHA-256 of every item */
	const char *const *argv; /* the command line, for reports */
	size_t argc;
	unsigned shard_k, shard_n; /* --shard K/N (1-based); n = 0: off */
	struct bsc_pgraph *run_persons; /* person graph of the run */
	unsigned today;       /* YYYYMMDD (UTC) at the start, for minors */
	struct bsc_vec passwords; /* char*, owned: tried on encrypted members */
	bool skip_set;        /* skip_dev/skip_ino name the report file */
	unsigned long long skip_dev, skip_ino;
	FILE *err;            /* where messages go (stderr) */
	struct bsc_ruleset *rules;
	void *match_data;     /* pcre2_match_data*, lazily created */
	void *match_ctx;      /* pcre2_match_context* with JIT stack */
	void *jit_stack;      /* pcre2_jit_stack* */
	void *utf8_locale;    /* locale_t for archive names, lazily created */
	char error[1024];
	/* progress counters */
	uint64_t seen_items;
	uint64_t seen_bytes;
	long long last_progress_ms;
};

/* Record an error message on ctx; returns status for tail calls. */
bsc_status bsc_set_error(struct bsc_ctx *ctx, bsc_status status,
			 const char *fmt, ...) BSC_PRINTF(3, 4);

/* The rule set of ctx, created on first use. Owned by ctx. */
struct bsc_ruleset *bsc_ctx_rules(struct bsc_ctx *ctx);

/*
 * User messages, printf-checked; the only code that writes to stderr.
 * bsc_errorf always prints; warnf and notef are silenced by ctx->quiet.
 * Never pass a raw scanned value: positions and rule ids only.
 */
void bsc_errorf(struct bsc_ctx *ctx, const char *fmt, ...) BSC_PRINTF(2, 3);
void bsc_warnf(struct bsc_ctx *ctx, const char *fmt, ...) BSC_PRINTF(2, 3);
void bsc_notef(struct bsc_ctx *ctx, const char *fmt, ...) BSC_PRINTF(2, 3);
/* Keys a person graph holds before it becomes an estimate: three per
 * person of --max-persons-exact (README "Distinct persons"). */
size_t bsc_person_budget(const struct bsc_ctx *ctx);

/* Today's date (UTC) as YYYYMMDD. */
unsigned bsc_today(void);

/* Update the progress line (at most every 500 ms); final=true clears it. */
void bsc_progress(struct bsc_ctx *ctx, bool final);

#endif
