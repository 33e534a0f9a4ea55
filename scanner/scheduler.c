/*
 * scheduler.c - the scheduler of `scan -j N` (between walk and sinks): the
 * walk's top-level jobs go to N worker threads; each worker scans with
 * its own context (regex scratch, person-key HMAC, a person graph) and
 * a recording sink that deep-copies every report. The calling thread
 * replays the reports in job order through scan.c's callbacks (which
 * count, warn and hand them to the real sinks), so output does not depend
 * on N or on timing. The job being replayed is drained while it runs;
 * workers run at most WINDOW jobs ahead of it, which bounds the reports
 * held in memory to those of the jobs in flight.
 */
#include "scheduler.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ctx.h"
#include "persons.h"
#include "pgraph.h"
#include "util.h"

/* Jobs a worker may run ahead of the one being replayed, per thread. */
#define WINDOW_PER_THREAD 4

/* A recorded sink call. */
struct ev {
	struct ev *next;
	struct bsc_item_report *rep; /* NULL: archive_begin */
	char *path, *format;
	unsigned depth;
};

struct slot {
	struct ev *head, **tail;
	bool done;
	void *result;
	struct bsc_pgraph *persons; /* the job's person graph */
};

struct sched {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct bsc_ctx *ctx;
	const struct bsc_job *jobs;
	size_t n, next, cursor, window;
	struct slot *slots;
	const struct bsc_sched_ops *ops;
	bool stop;
};

struct worker {
	struct sched *s;
	struct bsc_ctx *wctx;
	size_t job;
	pthread_t tid;
};

/* ---- deep copies of reports ------------------------------------------- */

static char *
sdup(const char *s)
{
	return s ? bsc_strdup(s) : NULL;
}

static const char *const *
svdup(const char *const *v, size_t n)
{
	const char **c;

	if (!v)
		return NULL;
	c = bsc_zalloc((n ? n : 1) * sizeof(*c));
	for (size_t i = 0; i < n; i++)
		c[i] = sdup(v[i]);
	return c;
}

static void
svfree(const char *const *v, size_t n)
{
	for (size_t i = 0; v && i < n; i++)
		free((char *)v[i]);
	free((void *)v);
}

static struct bsc_finding *
findings_dup(const struct bsc_finding *f, size_t n)
{
	struct bsc_finding *c;

	if (!f)
		return NULL;
	c = bsc_zalloc((n ? n : 1) * sizeof(*c));
	for (size_t i = 0; i < n; i++) {
		c[i] = f[i];
		c[i].category = sdup(f[i].category);
		c[i].rule = sdup(f[i].rule);
		c[i].loc.header = sdup(f[i].loc.header);
		c[i].sample = sdup(f[i].sample);
		c[i].note = sdup(f[i].note);
		c[i].fingerprint = sdup(f[i].fingerprint);
		c[i].suppressed = sdup(f[i].suppressed);
	}
	return c;
}

static void
findings_free(const struct bsc_finding *f, size_t n)
{
	for (size_t i = 0; f && i < n; i++) {
		free((char *)f[i].category);
		free((char *)f[i].rule);
		free((char *)f[i].loc.header);
		free((char *)f[i].sample);
		free((char *)f[i].note);
		free((char *)f[i].fingerprint);
		free((char *)f[i].suppressed);
	}
	free((void *)f);
}

static struct bsc_flag *
flags_dup(const struct bsc_flag *f, size_t n)
{
	struct bsc_flag *c;

	if (!f)
		return NULL;
	c = bsc_zalloc((n ? n : 1) * sizeof(*c));
	/* flag, rule and reasons belong to the rule set, which outlives the
	 * run (scan.c keeps them past the item too): only the header is the
	 * item's. */
	for (size_t i = 0; i < n; i++) {
		c[i] = f[i];
		c[i].loc.header = sdup(f[i].loc.header);
		c[i].path = sdup(f[i].path);
	}
	return c;
}

static void
flags_free(const struct bsc_flag *f, size_t n)
{
	for (size_t i = 0; f && i < n; i++) {
		free((char *)f[i].loc.header);
		free((char *)f[i].path);
	}
	free((void *)f);
}

/* Every string and array of r copied: the original dies with the call. */
static struct bsc_item_report *
rep_dup(const struct bsc_item_report *r)
{
	struct bsc_item_report *c = bsc_zalloc(sizeof(*c));

	*c = *r;
	c->path = sdup(r->path);
	c->format = sdup(r->format);
	c->encoding = sdup(r->encoding);
	c->reason = sdup(r->reason);
	c->note = sdup(r->note);
	c->findings = findings_dup(r->findings, r->n_findings);
	c->identity = svdup(r->identity, r->n_identity);
	c->medical = svdup(r->medical, r->n_medical);
	for (int k = 0; k < 4; k++) {
		const struct bsc_subject_categories *s = &r->subjects[k];

		c->subjects[k].identity = svdup(s->identity, s->n_identity);
		c->subjects[k].medical = svdup(s->medical, s->n_medical);
	}
	c->container = sdup(r->container);
	c->severity = sdup(r->severity);
	c->persons.set = sdup(r->persons.set);
	c->flags = flags_dup(r->flags, r->n_flags);
	c->care_context = svdup(r->care_context, r->n_care_context);
	c->sha256 = sdup(r->sha256);
	c->mtime = sdup(r->mtime);
	c->person_keys = sdup(r->person_keys);
	return c;
}

static void
rep_free(struct bsc_item_report *c)
{
	free((char *)c->path);
	free((char *)c->format);
	free((char *)c->encoding);
	free((char *)c->reason);
	free((char *)c->note);
	findings_free(c->findings, c->n_findings);
	svfree(c->identity, c->n_identity);
	svfree(c->medical, c->n_medical);
	for (int k = 0; k < 4; k++) {
		svfree(c->subjects[k].identity, c->subjects[k].n_identity);
		svfree(c->subjects[k].medical, c->subjects[k].n_medical);
	}
	free((char *)c->container);
	free((char *)c->severity);
	free((char *)c->persons.set);
	flags_free(c->flags, c->n_flags);
	svfree(c->care_context, c->n_care_context);
	free((char *)c->sha256);
	free((char *)c->mtime);
	free((char *)c->person_keys);
	free(c);
}

static void
ev_free(struct ev *e)
{
	if (e->rep)
		rep_free(e->rep);
	free(e->path);
	free(e->format);
	free(e);
}

/* ---- the recording sink (worker threads) -------------------------------- */

static void
push_ev(struct worker *w, struct ev *e)
{
	struct sched *s = w->s;
	struct slot *sl = &s->slots[w->job];

	pthread_mutex_lock(&s->mu);
	*sl->tail = e;
	sl->tail = &e->next;
	if (w->job == s->cursor)
		pthread_cond_broadcast(&s->cv);
	pthread_mutex_unlock(&s->mu);
}

static bsc_status
rec_item(void *data, const struct bsc_item_report *rep)
{
	struct ev *e = bsc_zalloc(sizeof(*e));

	e->rep = rep_dup(rep);
	push_ev(data, e);
	return BSC_OK;
}

static bsc_status
rec_begin(void *data, const char *path, const char *format, unsigned depth)
{
	struct ev *e = bsc_zalloc(sizeof(*e));

	e->path = sdup(path);
	e->format = sdup(format);
	e->depth = depth;
	push_ev(data, e);
	return BSC_OK;
}

/* Scan job j on this worker; its run person sets go to the slot. */
static void
run_one(struct worker *w, size_t j)
{
	struct sched *s = w->s;
	struct bsc_ctx *c = w->wctx;
	struct bsc_sink rec = {
	    .archive_begin = rec_begin, .item = rec_item, .data = w};
	void *result;

	w->job = j;
	c->run_persons = bsc_pgraph_new(bsc_person_budget(c));
	result = s->ops->run_job(s->ops->data, c, &rec, &s->jobs[j]);
	pthread_mutex_lock(&s->mu);
	s->slots[j].result = result;
	s->slots[j].persons = c->run_persons;
	s->slots[j].done = true;
	pthread_cond_broadcast(&s->cv);
	pthread_mutex_unlock(&s->mu);
	c->run_persons = NULL;
}

static void *
worker_main(void *arg)
{
	struct worker *w = arg;
	struct sched *s = w->s;

	pthread_mutex_lock(&s->mu);
	for (;;) {
		size_t j;

		while (!s->stop && s->next < s->n &&
		       s->next >= s->cursor + s->window)
			pthread_cond_wait(&s->cv, &s->mu);
		if (s->stop || s->next >= s->n)
			break;
		j = s->next++;
		pthread_mutex_unlock(&s->mu);
		run_one(w, j);
		pthread_mutex_lock(&s->mu);
	}
	pthread_mutex_unlock(&s->mu);
	return NULL;
}

/* ---- replay (calling thread) -------------------------------------------- */

static bsc_status
replay_list(struct sched *s, struct ev *e)
{
	bsc_status st = BSC_OK;

	while (e) {
		struct ev *next = e->next;

		if (st != BSC_FATAL) {
			if (e->rep)
				st = s->ops->replay_item(s->ops->data, e->rep);
			else
				st = s->ops->replay_begin(s->ops->data, e->path,
				                          e->format, e->depth);
		}
		ev_free(e);
		e = next;
	}
	return st;
}

/* Wait for a worker (mutex held); the progress line moves meanwhile. */
static void
wait_drawing(struct sched *s)
{
	struct timespec ts;

	if (!s->ctx->progress) {
		pthread_cond_wait(&s->cv, &s->mu);
		return;
	}
	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_nsec += 250 * 1000000L;
	if (ts.tv_nsec >= 1000000000L) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000L;
	}
	if (pthread_cond_timedwait(&s->cv, &s->mu, &ts) != 0) {
		pthread_mutex_unlock(&s->mu);
		bsc_progress(s->ctx, false);
		pthread_mutex_lock(&s->mu);
	}
}

/* Replay job c's reports as they come, then merge its result. */
static bsc_status
replay_job(struct sched *s, size_t c)
{
	struct slot *sl = &s->slots[c];
	bsc_status st = BSC_OK;
	bool done;

	do {
		struct ev *list;

		pthread_mutex_lock(&s->mu);
		while (!sl->head && !sl->done)
			wait_drawing(s);
		list = sl->head;
		sl->head = NULL;
		sl->tail = &sl->head;
		done = sl->done && !list;
		pthread_mutex_unlock(&s->mu);
		if (replay_list(s, list) == BSC_FATAL)
			st = BSC_FATAL;
		bsc_progress(s->ctx, false);
	} while (!done);
	bsc_pgraph_absorb(&s->ctx->run_persons, &sl->persons);
	bsc_pgraph_free(sl->persons);
	s->ops->finish_job(s->ops->data, sl->result);
	return st;
}

static void
drop_job(struct sched *s, size_t c)
{
	struct slot *sl = &s->slots[c];

	if (!sl->done)
		return; /* never started */
	for (struct ev *e = sl->head, *n; e; e = n) {
		n = e->next;
		ev_free(e);
	}
	bsc_pgraph_free(sl->persons);
	s->ops->finish_job(s->ops->data, sl->result);
}

bsc_status
bsc_sched_run(struct bsc_ctx *ctx, const struct bsc_job *jobs, size_t n,
              unsigned threads, const struct bsc_sched_ops *ops)
{
	struct sched s = {.ctx = ctx, .jobs = jobs, .n = n, .ops = ops};
	struct worker *w;
	bsc_status st = BSC_OK;
	size_t started = 0;

	if (threads < 1)
		threads = 1;
	if (threads > n)
		threads = (unsigned)(n ? n : 1);
	s.window = (size_t)threads * WINDOW_PER_THREAD;
	s.slots = bsc_zalloc((n ? n : 1) * sizeof(*s.slots));
	for (size_t i = 0; i < n; i++)
		s.slots[i].tail = &s.slots[i].head;
	pthread_mutex_init(&s.mu, NULL);
	pthread_cond_init(&s.cv, NULL);
	w = bsc_zalloc(threads * sizeof(*w));
	for (unsigned t = 0; t < threads; t++) {
		w[t].s = &s;
		w[t].wctx = bsc_ctx_worker(ctx);
		if (pthread_create(&w[t].tid, NULL, worker_main, &w[t]) != 0) {
			bsc_ctx_free(w[t].wctx);
			break;
		}
		started++;
	}
	if (started == 0) {
		/* No thread at all: run the jobs here, one by one (a job
		 * left after a fatal replay was never started). */
		w[0].wctx = bsc_ctx_worker(ctx);
		for (size_t j = 0; j < n; j++) {
			run_one(&w[0], j);
			s.cursor = j;
			if (replay_job(&s, j) == BSC_FATAL) {
				st = BSC_FATAL;
				break;
			}
		}
		bsc_ctx_free(w[0].wctx);
	} else {
		for (size_t c = 0; c < n; c++) {
			if (replay_job(&s, c) == BSC_FATAL) {
				st = BSC_FATAL;
				break;
			}
			pthread_mutex_lock(&s.mu);
			s.cursor = c + 1;
			pthread_cond_broadcast(&s.cv);
			pthread_mutex_unlock(&s.mu);
		}
		pthread_mutex_lock(&s.mu);
		s.stop = true;
		pthread_cond_broadcast(&s.cv);
		pthread_mutex_unlock(&s.mu);
		for (size_t t = 0; t < started; t++) {
			pthread_join(w[t].tid, NULL);
			bsc_ctx_free(w[t].wctx);
		}
		for (size_t c = s.cursor + (st == BSC_FATAL); c < n; c++)
			drop_job(&s, c);
	}
	pthread_mutex_destroy(&s.mu);
	pthread_cond_destroy(&s.cv);
	free(s.slots);
	free(w);
	return st;
}

unsigned
bsc_sched_default_jobs(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	return n < 1 ? 1 : n > 256 ? 256 : (unsigned)n;
}
