/*
 * baseline.h - what a baseline remembers of an earlier scan and how a new
 * scan is compared with it: stable names of items (dates and numbers in
 * names normalised), fingerprints of findings built from them, and the
 * growth of distinct persons and linked records (--max-growth).
 * README "Baselines" and docs/policy.md give the exact recipe.
 */
#ifndef BSC_BASELINE_H
#define BSC_BASELINE_H
#ifndef BSC_INTERNAL
#error "scanner-internal header"
#endif

#include "breachscope.h"
#include "ctx.h"

/* Fingerprints are "fp2:" and 32 hex digits. The prefix names the recipe:
 * a baseline whose fingerprints have another one (the unprefixed
 * fingerprints of breachscope before issue 16 are version 1) is read by
 * recomputing them from its paths and locations. */
#define BSC_FINGERPRINT_VERSION "fp2"
#define BSC_FINGERPRINT_SIZE 37 /* "fp2:" + 32 hex digits + NUL */

/* Schema of the file --write-baseline writes. */
#define BSC_BASELINE_SCHEMA "breachscope.baseline/1"

/*
 * The stable name of a display path: every part (directory, file,
 * archive member) lower-cased (ASCII), its dates, times, numbers and
 * versions dropped with one separator next to them ("ps_2025-04.csv" ->
 * "ps.csv", "export v2 (3).CSV" -> "export.csv"), a part left empty
 * written "#", "." and empty parts dropped, "!/" kept. Returns a new
 * string owned by the caller.
 */
char *bsc_stable_name(const char *path);

/*
 * The slot of a finding: "h:" and the normalised column header or field
 * path (bsc_header_normalise without its "_": "E-mail", "e_mail" and
 * "EMAIL" are "h:email"), "c:N" for a column without a header, ""
 * for an item without columns (free text). Writes into out (len bytes).
 */
void bsc_stable_slot(const char *header, unsigned column, char *out,
		     size_t len);

/*
 * The fingerprint of a finding: BSC_FINGERPRINT_VERSION, ":" and the
 * first 32 hex digits of SHA-256 over the stable name of path, the slot,
 * the category and the subject name. Never over a value, a count, a line
 * or a column number when a header exists.
 */
void bsc_fingerprint(const char *path, const struct bsc_finding *f,
		     char out[BSC_FINGERPRINT_SIZE]);
void bsc_fingerprint_of(const char *path, const char *header,
			unsigned column, const char *category,
			const char *subject, char out[BSC_FINGERPRINT_SIZE]);

struct bsc_baseline;

/*
 * Read a baseline: a breachscope JSON report ("breachscope.report/1") or a
 * file written by --write-baseline (BSC_BASELINE_SCHEMA). Fingerprints of
 * another version are recomputed from the paths and locations the file
 * holds, with one warning saying to rewrite it. Returns NULL with the
 * reason in bsc_ctx_error(ctx) when the file cannot be used. The caller
 * frees the result with bsc_baseline_free.
 */
struct bsc_baseline *bsc_baseline_load(struct bsc_ctx *ctx, const char *path);
void bsc_baseline_free(struct bsc_baseline *b);

/* True if the baseline accepts this fingerprint. */
bool bsc_baseline_has(const struct bsc_baseline *b, const char *fingerprint);

/* The allowed growth in percent (--max-growth; 0 by default). */
void bsc_baseline_set_max_growth(struct bsc_baseline *b, double pct);

/*
 * Compare an item with the baseline items of the same stable name; fill
 * rep->growth and return true when its persons or linked records grew
 * past the allowed growth. Items with no such baseline item, or whose
 * baseline item was not read completely, are not compared.
 */
bool bsc_baseline_item_growth(const struct bsc_baseline *b,
			      struct bsc_item_report *rep);

/* The same for the run's totals: fills s->growth. */
bool bsc_baseline_total_growth(const struct bsc_baseline *b,
			       struct bsc_run_summary *s);

/*
 * Did now grow past before by more than pct percent, beyond the error of
 * estimates? precision is 0 exact, 1 estimate (error: relative standard
 * error), 2 upper bound. Exposed for tests.
 */
bool bsc_grew(uint64_t before, int before_precision, double before_error,
	      uint64_t now, int now_precision, double now_error, double pct);

#endif
