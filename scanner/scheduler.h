/*
 * scheduler.h - the scheduler of `scan -j N`: top-level jobs (files found by
 * the walk, paths named on the command line) scanned by N worker threads,
 * their reports handed to the sinks in job order, so that every output
 * is the same whatever N is. scan.c owns what a job does; this file owns
 * the threads, the order and the memory in between.
 */
#ifndef BSC_SCHED_H
#define BSC_SCHED_H
#ifndef BSC_INTERNAL
#error "scanner-internal header"
#endif

#include "breachscope.h"
#include "walk.h"

struct bsc_ctx;

/* One top-level job, in walk order. Strings owned by the job list. */
struct bsc_job {
	bool is_path;            /* a command-line path (file, "-", error) */
	enum bsc_walk_kind kind; /* else: an entry of a walked directory */
	char *fspath;
	char *display;
	char *reason;
};

struct bsc_sched_ops {
	/*
	 * On a worker thread: scan job j with the worker's context wctx,
	 * handing its reports to sink (which records them). Returns the
	 * job's private result, given back to finish_job.
	 */
	void *(*run_job)(void *data, struct bsc_ctx *wctx,
	                 const struct bsc_sink *sink, const struct bsc_job *j);
	/* On the calling thread, in job order: a recorded report. */
	bsc_status (*replay_item)(void *data, struct bsc_item_report *rep);
	bsc_status (*replay_begin)(void *data, const char *path,
	                           const char *format, unsigned depth);
	/* On the calling thread, after the job's last report. */
	void (*finish_job)(void *data, void *result);
	void *data;
};

/*
 * Run jobs[0..n) on `threads` workers. Each worker has its own context
 * (bsc_ctx_worker); the run's person sets of ctx absorb each job's, in
 * job order. Returns BSC_OK, or BSC_FATAL if a replay callback returned
 * it (the remaining jobs are then dropped, the workers joined).
 */
bsc_status bsc_sched_run(struct bsc_ctx *ctx, const struct bsc_job *jobs,
                         size_t n, unsigned threads,
                         const struct bsc_sched_ops *ops);

/* The number of online processors (at least 1): the default of -j. */
unsigned bsc_sched_default_jobs(void);

#endif
