/*
 * report.h - the sinks (text, JSON) and what they share: verdicts and the
 * sink registry.
 */
#ifndef BSC_REPORT_H
#define BSC_REPORT_H
#ifndef BSC_INTERNAL
#error "scanner-internal header"
#endif

#include <stdio.h>

#include "breachscope.h"

/*
 * Verdict of an item or a run, from its category unions and linked
 * records: "none", "identity", "medical", "identity+medical" (both, never
 * in the same record) or "linked" (both in the same records).
 */
const char *bsc_verdict(size_t n_identity, size_t n_medical,
			uint64_t records_linked);
/* Human sentence for a verdict name. Static string. */
const char *bsc_verdict_text(const char *verdict);
/* The same in French (--lang fr). Static. */
const char *bsc_verdict_text_fr(const char *verdict);

/*
 * A persons figure v (the count, or a part of it) of p as people read it:
 * "320" when exact, "about 1.2 M (± 1 %)" for an estimate, "at most 330"
 * for an upper bound; French with fr.
 */
/* A figure of persons per category ("at most 212" when they are bounds),
 * or of professionals or relatives ("about 1.2 M (± 1 %, ...)"). */
void bsc_persons_cat_figure(const struct bsc_persons *p, uint64_t v, bool fr,
			    char *buf, size_t len);
void bsc_other_figure(const struct bsc_other_persons *o, bool fr, char *buf,
		      size_t len);
void bsc_persons_figure(const struct bsc_persons *p, uint64_t v, bool fr,
			char *buf, size_t len);

/*
 * Why g fails the run, in one sentence: "persons 300 -> 3000 (+900 %),
 * more than --max-growth 0 %" (French with fr); "" when g holds no
 * growth.
 */
void bsc_growth_text(const struct bsc_growth *g, bool fr, char *buf,
		     size_t len);

struct bsc_ruleset;

struct bsc_report_opts {
	FILE *out;     /* where to write; borrowed */
	const struct bsc_ruleset *rules; /* the catalogue (sarif); borrowed */
	bool color;    /* ANSI colours (text only) */
	bool quiet;    /* text: only items with findings or problems */
	const char *lang; /* summary: "en" (default) or "fr" */
	const char *index_check; /* person-index: the key's check value */
	const char *policy; /* what the policy was made of, or NULL: no
			     * policy, and no policy wording (text) */
	const char *full_report; /* a report of the same run that lists
				  * every item (a JSON file), or NULL:
				  * summaries cut long lists only then */
};

/*
 * A new sink of the named format ("text" or "json") writing to opts->out,
 * or NULL if the name is unknown. Release with bsc_report_free. Write
 * errors make the sink return BSC_FATAL.
 */
struct bsc_sink *bsc_report_new(const char *format,
				const struct bsc_report_opts *opts);
void bsc_report_free(struct bsc_sink *sink);
/* True if format names a report format. */
bool bsc_report_known(const char *format);
/* Names of the report formats, for --help. Static string. */
const char *bsc_report_names(void);

/* Every sink's data starts with this, so bsc_report_free can release
 * what the format owns (release may be NULL). */
struct bsc_report_base {
	void (*release)(void *data);
};

/* The JSON objects of an item and of a run summary (json_object*, owned
 * by the caller), shared by the json and jsonl sinks. */
void *bsc_json_item_object(const struct bsc_item_report *r);
void *bsc_json_summary_object(const struct bsc_run_summary *s);
void *bsc_json_run_object(const struct bsc_run_summary *s);
/* The JSON object (json_object*, caller owns) of a persons figure, shared
 * with merge; and the word for its precision: "exact", "estimate" (a
 * sketch, with its error) or "upper_bound". */
void *bsc_persons_json(const struct bsc_persons *p);
const char *bsc_persons_precision(const struct bsc_persons *p);
/* The JSON object (json_object*, caller owns) of a growth past
 * --max-growth, or NULL (JSON null) when g holds none. */
void *bsc_growth_json(const struct bsc_growth *g);

/*
 * Write the json_object o (json_object*, borrowed) pretty-printed as
 * json-c prints it, with every line after the first indented by indent
 * spaces: how a streaming sink places one value inside a document it
 * writes piece by piece. Returns false on a write error.
 */
bool bsc_json_put_indented(FILE *out, void *o, int indent);

/*
 * A report whose names are safe for terminals, spreadsheets and XML: the
 * path, container and reason of r escaped by bsc_escape_name (control
 * characters, bidi overrides, bytes that are not UTF-8). Everything else
 * is borrowed from r. Release with bsc_safe_report_free.
 */
struct bsc_safe_report {
	struct bsc_item_report r;
	char *path, *container, *reason;
};
void bsc_safe_report_init(struct bsc_safe_report *s,
			  const struct bsc_item_report *r);
void bsc_safe_report_free(struct bsc_safe_report *s);

/* Per-format constructors (report_*.c). */
struct bsc_sink *bsc_report_text_new(const struct bsc_report_opts *opts);
struct bsc_sink *bsc_report_json_new(const struct bsc_report_opts *opts);
struct bsc_sink *bsc_report_jsonl_new(const struct bsc_report_opts *opts);
struct bsc_sink *bsc_report_csv_new(const struct bsc_report_opts *opts);
struct bsc_sink *bsc_report_sarif_new(const struct bsc_report_opts *opts);
struct bsc_sink *bsc_report_junit_new(const struct bsc_report_opts *opts);
struct bsc_sink *bsc_report_summary_new(const struct bsc_report_opts *opts);
struct bsc_sink *bsc_report_index_new(const struct bsc_report_opts *opts);
struct bsc_sink *bsc_report_inventory_new(const struct bsc_report_opts *opts);
struct bsc_sink *bsc_report_html_new(const struct bsc_report_opts *opts);
struct bsc_sink *bsc_report_baseline_new(const struct bsc_report_opts *opts);

#endif
