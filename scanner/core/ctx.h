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

/*
 * Progress counters of a run, shared by its threads (workers borrow the
 * run's): raw bytes read from top-level inputs, the file being read by a
 * one-thread scan, and the run's total when known (0 otherwise).
 */
struct bsc_meter {
	_Atomic unsigned long long read;
	_Atomic unsigned long long cur_read, cur_size;
	unsigned long long total;
	long long start_ms;
};

struct bsc_ctx {
	struct bsc_limits limits;
	bool show_values;
	bool quiet;           /* no warnings/notes on stderr */
	bool progress;        /* progress line on stderr */
	bool follow_symlinks; /* follow symlinks out of the scan root */
	int min_confidence;   /* findings below are dropped (enum) */
	const char *force_reader; /* reader name, or NULL to sniff */
	struct bsc_policy *policy; /* borrowed; NULL: any finding fails */
	const struct bsc_ignore *ignore; /* --exclude, --include,
					  * --ignore-file (borrowed), or NULL */
	bool no_ignore_file;  /* --no-ignore-file: no .breachscopeignore */
	uint64_t excluded;    /* entries the walker left out (main ctx) */
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
	bool person_index;    /* --person-index: reports carry person_keys */
	struct bsc_vec passwords; /* char*, owned: tried on encrypted members */
	/* the report files this run writes (st_dev, st_ino each), never
	 * read back when they sit in a scanned tree; owned */
	unsigned long long (*skip)[2];
	size_t n_skip;
	FILE *err;            /* where messages go (stderr) */
	struct bsc_ruleset *rules;
	void *match_data;     /* pcre2_match_data*, lazily created */
	void *match_ctx;      /* pcre2_match_context* with JIT stack */
	void *jit_stack;      /* pcre2_jit_stack* */
	void *kw_scratch;     /* struct bsc_multi_scratch*, lazily created */
	void *utf8_locale;    /* locale_t for archive names, lazily created */
	char error[1024];
	bool borrowed;        /* a worker's: rules and passwords are the
			       * parent's (bsc_ctx_worker) */
	unsigned jobs;        /* -j: worker threads (0 or 1: none) */
	/* progress counters */
	struct bsc_meter *meter; /* the run's (bsc_scan), or NULL */
	uint64_t seen_items;
	uint64_t seen_bytes;
	long long last_progress_ms; /* last drawn */
	bool progress_shown;        /* the line is on the terminal */
};

/*
 * A context for a worker thread of a scan (scheduler.c): the parent's options,
 * limits, rules, policy and passwords (borrowed: the parent must outlive
 * it and not change them meanwhile), its own scratch and person-key HMAC,
 * no run person sets, quiet and without progress. bsc_ctx_free releases
 * only what is its own.
 */
struct bsc_ctx *bsc_ctx_worker(const struct bsc_ctx *parent);

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

/*
 * Update the progress line (at most every 500 ms): items, bytes of the
 * run (of its total when known), rate, ETA, and the current file of a
 * one-thread scan. final=true clears it; call that before any output
 * that may share the terminal (sinks), the next call draws it again.
 */
void bsc_progress(struct bsc_ctx *ctx, bool final);
/* Start counting a run into m (owned by the caller, who sets ctx->meter
 * back to NULL before m goes); total: bytes of the inputs, 0 unknown. */
void bsc_progress_begin(struct bsc_ctx *ctx, struct bsc_meter *m,
			unsigned long long total);
/* n more raw bytes read from a top-level input (any thread). */
void bsc_progress_bytes(struct bsc_ctx *ctx, uint64_t n);

#endif
