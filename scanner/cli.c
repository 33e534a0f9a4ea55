/*
 * cli.c - the command line (curl tool style): one alphasorted option
 * table that both parses and prints --help, then the three commands:
 * "scan", "rules check" and "rules list". It wires context, rules and a
 * sink together and maps the outcome to an exit code; it does no scanning
 * itself.
 */
#include "cli.h"
#include "persons.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "container.h"
#include "ctx.h"
#include "format.h"
#include "ignore.h"
#include "merge.h"
#include "report.h"
#include "policy.h"
#include "render.h"
#include "diff.h"
#include "rules.h"
#include "scheduler.h"
#include "severity.h"
#include "validate.h"

enum opt_id {
	OPT_ALLOW_INCOMPLETE,
	OPT_BASELINE,
	OPT_COLOR,
	OPT_EXCLUDE,
	OPT_IGNORE_FILE,
	OPT_INCLUDE,
	OPT_NO_IGNORE_FILE,
	OPT_FAIL_ON,
	OPT_FAIL_ON_SEVERITY,
	OPT_FOLLOW,
	OPT_FORMAT,
	OPT_HASH,
	OPT_HELP,
	OPT_LOOKUP_BIRTH,
	OPT_LOOKUP_EMAIL,
	OPT_LOOKUP_FIRST,
	OPT_LOOKUP_INDEX,
	OPT_LOOKUP_NAME,
	OPT_LOOKUP_NIR,
	OPT_LOOKUP_PATIENT_ID,
	OPT_LOOKUP_PHONE,
	OPT_PERSON_INDEX,
	OPT_JOBS,
	OPT_LANG,
	OPT_MAX_ARCHIVE_DEPTH,
	OPT_MAX_COLUMNS,
	OPT_MAX_DEPTH,
	OPT_MAX_DOCUMENT,
	OPT_MAX_FIELD,
	OPT_MAX_FILE_SIZE,
	OPT_MAX_GROWTH,
	OPT_MAX_MEMBERS,
	OPT_MAX_PERSONS,
	OPT_MAX_RATIO,
	OPT_MAX_RECORD,
	OPT_MAX_SEEK_BUFFER,
	OPT_MAX_TIME,
	OPT_MAX_TOTAL_SIZE,
	OPT_MIN_CONF,
	OPT_NO_COLOR,
	OPT_NO_POLICY,
	OPT_NO_PROGRESS,
	OPT_OUTPUT,
	OPT_PASSWORD,
	OPT_PERSON_KEY_FILE,
	OPT_POLICY,
	OPT_PROGRESS,
	OPT_QUIET,
	OPT_RATIO_THRESHOLD,
	OPT_READER,
	OPT_RULES,
	OPT_SHARD,
	OPT_SHOW_VALUES,
	OPT_VERSION,
	OPT_WRITE_BASELINE
};

struct opt {
	const char *lname;
	char sname;
	const char *arg; /* NULL: takes no argument */
	enum opt_id id;
	const char *help;
};

/* Options whose value never appears in any output. */
static bool
opt_secret(const struct opt *o)
{
	return o->id == OPT_PASSWORD;
}

/* MUST be alphasorted by long name: it is the --help order too. */
static const struct opt opts[] = {
	{"allow-incomplete", 0, NULL, OPT_ALLOW_INCOMPLETE,
	 "an incomplete scan does not make the exit code 2"},
	{"baseline", 0, "FILE", OPT_BASELINE,
	 "accept the findings of a baseline (--write-baseline) or JSON "
	 "report; new findings, and persons or linked records grown past "
	 "--max-growth, fail"},
	{"birth-date", 0, "DATE", OPT_LOOKUP_BIRTH,
	 "lookup: the birth date that goes with --name"},
	{"color", 0, NULL, OPT_COLOR, "colour the text report (default: "
				      "on a terminal, unless NO_COLOR)"},
	{"email", 0, "ADDR", OPT_LOOKUP_EMAIL, "lookup: an e-mail address"},
	{"exclude", 0, "GLOB", OPT_EXCLUDE,
	 "leave out files and directories that GLOB matches, relative to "
	 "each scanned root, in .gitignore syntax (repeatable; !GLOB "
	 "takes one back; the last match wins); counted, not scanned"},
	{"fail-on", 0, "LIST", OPT_FAIL_ON,
	 "fail only on these: identity, medical, linked, or categories "
	 "(comma-separated, each optionally :SUBJECT)"},
	{"fail-on-severity", 0, "LEVEL", OPT_FAIL_ON_SEVERITY,
	 "fail when an item reaches this severity (pseudonymous, contact, "
	 "strong, health, health_linked)"},
	{"first-name", 0, "NAME", OPT_LOOKUP_FIRST,
	 "lookup: the first name (else --name holds both names)"},
	{"follow-symlinks", 0, NULL, OPT_FOLLOW,
	 "follow symlinks that lead out of a scanned directory"},
	{"format", 'f', "FMT", OPT_FORMAT,
	 "report format: text (default), json, jsonl, sarif, csv, junit, "
	 "summary (notification summary)"},
	{"hash", 0, NULL, OPT_HASH,
	 "chain of custody: SHA-256 of every item, start and end times"},
	{"help", 'h', NULL, OPT_HELP, "show this help and exit"},
	{"ignore-file", 0, "FILE", OPT_IGNORE_FILE,
	 "more --exclude patterns, one per line (.gitignore syntax), after "
	 "each root's .breachscopeignore"},
	{"include", 0, "GLOB", OPT_INCLUDE,
	 "scan only files that GLOB matches, relative to each scanned root "
	 "(repeatable); the others are counted as excluded"},
	{"index", 0, "FILE", OPT_LOOKUP_INDEX,
	 "lookup: the person index a scan wrote (--person-index)"},
	{"jobs", 'j', "N", OPT_JOBS,
	 "worker threads for a tree of files, 1 to 256 (default: one per "
	 "core); the report is the same whatever N is"},
	{"lang", 0, "LANG", OPT_LANG,
	 "language of the text, summary, inventory, html and diff reports "
	 "and of CSV headers: en (default) or fr"},
	{"max-archive-depth", 0, "N", OPT_MAX_ARCHIVE_DEPTH,
	 "archive levels opened inside each other, at most 64 (default 8)"},
	{"max-columns", 0, "N", OPT_MAX_COLUMNS,
	 "columns scanned per table (default 1024)"},
	{"max-depth", 0, "N", OPT_MAX_DEPTH,
	 "deepest XML element or JSON nesting, 1 to 256 (default 128)"},
	{"max-document", 0, "SIZE", OPT_MAX_DOCUMENT,
	 "largest JSON piece (member, entry) or NDJSON line (default 32M)"},
	{"max-field", 0, "SIZE", OPT_MAX_FIELD,
	 "longest field or cell (default 1M)"},
	{"max-file-size", 0, "SIZE", OPT_MAX_FILE_SIZE,
	 "bytes read per item (decompressed, for an archive member); the "
	 "rest is reported as not scanned (default 16G)"},
	{"max-growth", 0, "PCT", OPT_MAX_GROWTH,
	 "with --baseline: growth of persons and linked records allowed per "
	 "item and in total, in percent (default 0)"},
	{"max-members", 0, "N", OPT_MAX_MEMBERS,
	 "entries listed per archive (default 100000)"},
	{"max-persons-exact", 0, "N", OPT_MAX_PERSONS,
	 "persons counted exactly per set before an estimate (HyperLogLog, "
	 "about 1% error) takes over (default 500000)"},
	{"max-ratio", 0, "N", OPT_MAX_RATIO,
	 "compression ratio of an archive member, checked past "
	 "--ratio-threshold (default 100)"},
	{"max-record", 0, "SIZE", OPT_MAX_RECORD,
	 "longest CSV row (default 16M)"},
	{"max-seek-buffer", 0, "SIZE", OPT_MAX_SEEK_BUFFER,
	 "memory for a 7z inside an archive or on a pipe (default 64M)"},
	{"max-time", 0, "TIME", OPT_MAX_TIME,
	 "time budget per top-level input, checked on every read, e.g. 90s, "
	 "10m (default 10m)"},
	{"max-total-size", 0, "SIZE", OPT_MAX_TOTAL_SIZE,
	 "bytes decompressed per top-level input, all levels (default 64G)"},
	{"min-confidence", 0, "LEVEL", OPT_MIN_CONF,
	 "drop findings below low, medium or high (default low)"},
	{"name", 0, "NAME", OPT_LOOKUP_NAME,
	 "lookup: last name, or last and first names, with --birth-date"},
	{"nir", 0, "NIR", OPT_LOOKUP_NIR, "lookup: a NIR/INS (valid key)"},
	{"no-color", 0, NULL, OPT_NO_COLOR, "never colour the text report"},
	{"no-ignore-file", 0, NULL, OPT_NO_IGNORE_FILE,
	 "do not read .breachscopeignore in the scanned directories"},
	{"no-policy", 0, NULL, OPT_NO_POLICY,
	 "ignore ./.breachscope.yml"},
	{"no-progress", 0, NULL, OPT_NO_PROGRESS,
	 "no progress line on stderr"},
	{"output", 'o', "[FMT:]FILE", OPT_OUTPUT,
	 "write a report to FILE, in FMT, else as its extension says (.json, "
	 ".jsonl/.ndjson, .sarif/.sarif.json, .csv, .xml: junit, .html, "
	 ".txt: text), else in --format; repeatable: -o r.json -o r.sarif "
	 "-o summary:notify.txt"},
	{"password", 0, "PASS", OPT_PASSWORD,
	 "try PASS on encrypted archive members and PDFs (repeatable; "
	 "shown as *** in reports)"},
	{"patient-id", 0, "ID", OPT_LOOKUP_PATIENT_ID,
	 "lookup: a patient id (IPP), whatever its issuer"},
	{"person-index", 0, "FILE", OPT_PERSON_INDEX,
	 "scan: write the keyed hashes of the persons of each item to FILE, "
	 "for lookup (needs --person-key-file; no value is written)"},
	{"person-key-file", 0, "FILE", OPT_PERSON_KEY_FILE,
	 "key (64 hex digits) for person hashes, shared by shards so that "
	 "'merge' can deduplicate; the report then carries the hashes"},
	{"phone", 0, "PHONE", OPT_LOOKUP_PHONE, "lookup: a phone number"},
	{"policy", 0, "FILE", OPT_POLICY,
	 "what may be found where (default: ./.breachscope.yml if present)"},
	{"progress", 0, NULL, OPT_PROGRESS,
	 "progress line on stderr (default: when stderr is a terminal)"},
	{"quiet", 'q', NULL, OPT_QUIET,
	 "no warnings on stderr; the text report shows only violations "
	 "and problems"},
	{"ratio-threshold", 0, "SIZE", OPT_RATIO_THRESHOLD,
	 "bytes a member may expand to before --max-ratio applies "
	 "(default 16M)"},
	{"reader", 0, "NAME", OPT_READER,
	 "force a reader (csv, doc, hl7, json, mail, pdf, sheet, sql, sqlite, text, xml) instead of sniffing"},
	{"rules", 0, "FILE", OPT_RULES,
	 "load extra rules from FILE or directory (repeatable)"},
	{"shard", 0, "K/N", OPT_SHARD,
	 "scan only shard K of N (files split by a hash of their path)"},
	{"show-values", 0, NULL, OPT_SHOW_VALUES,
	 "show raw values in samples (off: samples are masked)"},
	{"version", 'V', NULL, OPT_VERSION, "show the version and exit"},
	{"write-baseline", 0, "FILE", OPT_WRITE_BASELINE,
	 "write the findings and figures a later --baseline accepts to "
	 "FILE; exit 0 once written, whatever was found"},
};

static int
cmp_opt(const void *key, const void *elem)
{
	return strcmp(key, ((const struct opt *)elem)->lname);
}

static const struct opt *
find_long(const char *name)
{
	return bsearch(name, opts, BSC_ARRAY_SIZE(opts), sizeof(opts[0]),
		       cmp_opt);
}

static const struct opt *
find_short(char c)
{
	for (size_t i = 0; i < BSC_ARRAY_SIZE(opts); i++)
		if (opts[i].sname == c)
			return &opts[i];
	return NULL;
}

void
bsc_cli_help(FILE *out)
{
	fprintf(out,
		"Usage: breachscope scan [OPTIONS] PATH...\n"
		"       breachscope merge [--format FMT] [-o [FMT:]FILE] "
		"REPORT.json...\n"
		"       breachscope report [--format FMT] [-o [FMT:]FILE] "
		"REPORT.json...\n"
		"       breachscope diff [--format text|json|html] [-o FILE] "
		"OLD.json NEW.json\n"
		"       breachscope rules check [FILE...]\n"
		"       breachscope rules list\n"
		"\n"
		"Tell which personal (identity) and medical data each file "
		"holds, whether\nthe two are linked in the same records, and "
		"how many records. PATH is a\nfile, a directory (walked "
		"recursively) or - for standard input.\n\nOptions:\n");
	for (size_t i = 0; i < BSC_ARRAY_SIZE(opts); i++) {
		char lhs[64];

		snprintf(lhs, sizeof(lhs), "%s%c%s--%s%s%s",
			 opts[i].sname ? "-" : "", opts[i].sname ? opts[i].sname : ' ',
			 opts[i].sname ? ", " : "  ", opts[i].lname,
			 opts[i].arg ? " " : "", opts[i].arg ? opts[i].arg : "");
		fprintf(out, "  %-30s %s\n", lhs + (opts[i].sname ? 0 : 1),
			opts[i].help);
	}
	fprintf(out,
		"\nSIZE takes K, M, G suffixes (powers of 1024). TIME is in "
		"seconds, or\ntakes ms, s, m, h suffixes.\n"
		"\nArchives and compressed files are recognised by content and "
		"scanned\nmember by member, never extracted:\n  %s.\n"
		"rar is recognised but not opened.\n"
		"\nExit codes (the same for merge, report, diff, lookup and "
		"rules check):\n"
		"  0  everything was scanned and no personal or medical data "
		"was found\n     (with a policy: the policy is satisfied)\n"
		"  1  personal or medical data was found, or the policy is "
		"violated\n     (with --baseline: a new finding, or growth past "
		"--max-growth)\n"
		"  2  some input could not be scanned completely (wins over "
		"1; see\n     --allow-incomplete)\n"
		"  3  could not run: usage error, unreadable or invalid "
		"policy, baseline,\n     rules or report file, output that "
		"cannot be written\n     (earlier versions exited 2 for these too)\n"
		"\nRules come from the patterns directory ($BSC_PATTERNS "
		"overrides it).\nSee breachscope(1) and README.md.\n",
		bsc_container_names());
}

static int
usage_error(FILE *err, const char *fmt, ...) BSC_PRINTF(2, 3);

/* The report formats a user may ask for ("person-index" is internal). */
static const char *const user_formats[] = {
	"baseline", "csv",   "html",	"inventory", "json",
	"jsonl",    "junit", "sarif", "summary",   "text"};

/* File extensions that name a format; ".sarif.json" before ".json". */
static const struct {
	const char *ext;
	const char *format;
} out_exts[] = {
	{".sarif.json", "sarif"}, {".json", "json"},  {".jsonl", "jsonl"},
	{".ndjson", "jsonl"},	  {".sarif", "sarif"}, {".csv", "csv"},
	{".xml", "junit"},	  {".html", "html"},  {".htm", "html"},
	{".txt", "text"},
};

#define OUT_EXTS_HELP                                                     \
	".json, .jsonl/.ndjson, .sarif/.sarif.json, .csv, .xml (JUnit), " \
	".html/.htm, .txt"

static const char *
format_of_name(const char *path)
{
	size_t n = strlen(path);

	for (size_t i = 0; i < BSC_ARRAY_SIZE(out_exts); i++) {
		size_t e = strlen(out_exts[i].ext);

		if (n > e && !strcasecmp(path + n - e, out_exts[i].ext))
			return out_exts[i].format;
	}
	return NULL;
}

/* --format fmt may write a file whose name says by_name: the same
 * format, or a text or CSV format with no extension of its own. */
static bool
format_fits_name(const char *fmt, const char *by_name)
{
	return !strcmp(fmt, by_name) ||
	       (!strcmp(by_name, "text") && !strcmp(fmt, "summary")) ||
	       (!strcmp(by_name, "csv") && !strcmp(fmt, "inventory"));
}

static const char *
user_format(const char *name)
{
	for (size_t i = 0; i < BSC_ARRAY_SIZE(user_formats); i++)
		if (!strcmp(user_formats[i], name))
			return user_formats[i];
	return NULL;
}

int
bsc_cli_output(const struct bsc_cli *cli, const char *v,
	       const char **format, const char **path, FILE *err)
{
	const char *colon = strchr(v, ':');
	const char *by_name;

	for (size_t i = 0; colon && i < BSC_ARRAY_SIZE(user_formats); i++) {
		if (strlen(user_formats[i]) != (size_t)(colon - v) ||
		    strncmp(v, user_formats[i], (size_t)(colon - v)))
			continue;
		if (!colon[1])
			return err ? usage_error(err,
						 "-o %s: no file name after "
						 "'%s:' (use - for standard "
						 "output)",
						 v, user_formats[i])
				   : BSC_EXIT_USAGE;
		*format = user_formats[i];
		*path = strcmp(colon + 1, "-") ? colon + 1 : NULL;
		return 0;
	}
	/* Not a prefix: a file name (with a colon in it, maybe). */
	*format = cli->format;
	*path = strcmp(v, "-") ? v : NULL;
	if (!*path)
		return 0;
	by_name = format_of_name(v);
	if (by_name && cli->format_set &&
	    !format_fits_name(cli->format, by_name))
		return err ? usage_error(err,
					 "-o %s: the name says %s but --format "
					 "says %s; write -o %s:%s to keep both",
					 v, by_name, cli->format, cli->format, v)
			   : BSC_EXIT_USAGE;
	if (by_name && !cli->format_set)
		*format = by_name;
	if (!by_name && !cli->format_set)
		return err ? usage_error(err,
					 "-o %s: cannot tell the report format "
					 "from the name: end it with " OUT_EXTS_HELP
					 ", or write FMT:FILE (e.g. -o summary:%s; "
					 "formats: %s)",
					 v, v, bsc_report_names())
			   : BSC_EXIT_USAGE;
	return 0;
}

static int
usage_error(FILE *err, const char *fmt, ...)
{
	va_list ap;

	fprintf(err, "breachscope: ");
	va_start(ap, fmt);
	vfprintf(err, fmt, ap);
	va_end(ap);
	fprintf(err, "\nTry 'breachscope --help'.\n");
	return BSC_EXIT_USAGE;
}

static int
set_size(FILE *err, const char *opt, const char *v, uint64_t *out)
{
	uint64_t x;

	if (!bsc_parse_size(v, &x) || x == 0) {
		fprintf(err,
			"breachscope: --%s: '%s' is not a size (use e.g. "
			"512K, 16M, 4G)\n",
			opt, v);
		return BSC_EXIT_USAGE;
	}
	*out = x;
	return 0;
}

/*
 * A number within [1, max] (a size suffix is allowed, as for sizes):
 * every numeric option goes through here or set_size, so that a value
 * that would wrap (4294967297) or make no sense is refused, not cast.
 */
static int
set_bounded(FILE *err, const char *opt, const char *v, uint64_t max,
	    uint64_t *out)
{
	uint64_t x;

	if (!bsc_parse_size(v, &x) || x == 0 || x > max) {
		fprintf(err,
			"breachscope: --%s: '%s' is not a whole number from 1 "
			"to %llu\n",
			opt, v, (unsigned long long)max);
		return BSC_EXIT_USAGE;
	}
	*out = x;
	return 0;
}

/* "K/N" with 1 <= K <= N <= BSC_MAX_SHARDS, digits only. */
#define BSC_MAX_SHARDS 1000000u

static bool
parse_shard(const char *v, unsigned *k, unsigned *n)
{
	const char *slash = strchr(v, '/');
	unsigned long long a = 0, b = 0;
	const char *p;

	if (!slash || slash == v || !slash[1])
		return false;
	for (p = v; p < slash; p++) {
		if (*p < '0' || *p > '9' || a > BSC_MAX_SHARDS)
			return false;
		a = a * 10 + (unsigned)(*p - '0');
	}
	for (p = slash + 1; *p; p++) {
		if (*p < '0' || *p > '9' || b > BSC_MAX_SHARDS)
			return false;
		b = b * 10 + (unsigned)(*p - '0');
	}
	if (a == 0 || b == 0 || a > b || b > BSC_MAX_SHARDS)
		return false;
	*k = (unsigned)a;
	*n = (unsigned)b;
	return true;
}

/* "10", "2.5" or "10%": a percentage within [0, 1000000]. */
static bool
parse_percent(const char *v, double *out)
{
	char *end = NULL;
	double x;

	if (!isdigit((unsigned char)v[0]))
		return false;
	errno = 0;
	x = strtod(v, &end);
	if (end && *end == '%')
		end++;
	if (errno || !end || *end || !(x >= 0 && x <= 1000000))
		return false;
	*out = x;
	return true;
}

/* Upper bounds of the numeric limits (README "Limits"). */
#define MAX_COUNT_COLUMNS (1ull << 20)
#define MAX_COUNT_MEMBERS (1ull << 32)
#define MAX_COUNT_PERSONS 100000000ull
#define MAX_COUNT_RATIO 1000000ull
#define MAX_BUFFER_SIZE (1ull << 30) /* field, record, document */
#define MAX_TIME_MS (366ull * 24 * 3600 * 1000)

static int
apply(struct bsc_cli *cli, const struct opt *o, const char *v, FILE *err)
{
	uint64_t x;
	int rc;

	switch (o->id) {
	case OPT_COLOR:
		cli->color = 1;
		break;
	case OPT_NO_COLOR:
		cli->color = 0;
		break;
	case OPT_FOLLOW:
		cli->follow_symlinks = true;
		break;
	case OPT_FORMAT:
		if (!user_format(v))
			return usage_error(err,
					   "--format: unknown format '%s' "
					   "(use %s)",
					   v, bsc_report_names());
		cli->format = v;
		cli->format_set = true;
		break;
	case OPT_ALLOW_INCOMPLETE:
		cli->allow_incomplete = true;
		break;
	case OPT_BASELINE:
		cli->baseline = v;
		break;
	case OPT_WRITE_BASELINE:
		cli->write_baseline = v;
		break;
	case OPT_MAX_GROWTH:
		if (!parse_percent(v, &cli->max_growth))
			return usage_error(err,
					   "--max-growth: '%s' is not a "
					   "percentage from 0 to 1000000 (e.g. "
					   "0, 10, 2.5)",
					   v);
		cli->max_growth_set = true;
		break;
	case OPT_FAIL_ON:
		bsc_vec_push(&cli->fail_on, (void *)v);
		break;
	case OPT_FAIL_ON_SEVERITY:
		cli->fail_on_severity = bsc_severity_from_name(v);
		if (cli->fail_on_severity <= 0)
			return usage_error(err,
					   "--fail-on-severity: '%s' is not "
					   "pseudonymous, contact, strong, "
					   "health or health_linked",
					   v);
		break;
	case OPT_POLICY:
		cli->policy = v;
		break;
	case OPT_NO_POLICY:
		cli->no_policy = true;
		break;
	case OPT_HELP:
		cli->cmd = BSC_CMD_HELP;
		break;
	case OPT_HASH:
		cli->hash = true;
		break;
	case OPT_JOBS:
		rc = set_size(err, o->lname, v, &x);
		if (rc)
			return rc;
		if (x < 1 || x > 256)
			return usage_error(err, "--jobs: %s is not between 1 "
						"and 256",
					   v);
		cli->jobs = (unsigned)x;
		break;
	case OPT_PERSON_KEY_FILE:
		cli->person_key_file = v;
		break;
	case OPT_PERSON_INDEX:
		cli->person_index = v;
		break;
	case OPT_LOOKUP_INDEX:
		cli->index = v;
		break;
	case OPT_LOOKUP_NIR:
		cli->query.nir = v;
		break;
	case OPT_LOOKUP_EMAIL:
		cli->query.email = v;
		break;
	case OPT_LOOKUP_PHONE:
		cli->query.phone = v;
		break;
	case OPT_LOOKUP_PATIENT_ID:
		cli->query.patient_id = v;
		break;
	case OPT_LOOKUP_NAME:
		cli->query.name = v;
		break;
	case OPT_LOOKUP_FIRST:
		cli->query.first_name = v;
		break;
	case OPT_LOOKUP_BIRTH:
		cli->query.birth_date = v;
		break;
	case OPT_SHARD: {
		unsigned k = 0, n = 0;

		if (!parse_shard(v, &k, &n))
			return usage_error(err,
					   "--shard: '%s' is not K/N with "
					   "1 <= K <= N <= %u (digits only)",
					   v, BSC_MAX_SHARDS);
		cli->shard_k = k;
		cli->shard_n = n;
		break;
	}
	case OPT_LANG:
		if (strcmp(v, "en") && strcmp(v, "fr"))
			return usage_error(err, "--lang: '%s' is not en or fr",
					   v);
		cli->lang = v;
		break;
	case OPT_MAX_ARCHIVE_DEPTH:
		rc = set_size(err, o->lname, v, &x);
		if (rc)
			return rc;
		if (x > 64)
			return usage_error(err,
					   "--max-archive-depth: at most 64");
		cli->limits.max_depth = (unsigned)x;
		break;
	case OPT_MAX_COLUMNS:
		rc = set_bounded(err, o->lname, v, MAX_COUNT_COLUMNS, &x);
		if (rc)
			return rc;
		cli->limits.max_columns = (size_t)x;
		break;
	case OPT_MAX_DEPTH:
		rc = set_size(err, o->lname, v, &x);
		if (rc)
			return rc;
		if (x > 256)
			return usage_error(err,
					   "--max-depth: %s is more than 256, "
					   "libxml2's own nesting limit",
					   v);
		cli->limits.max_nesting = (size_t)x;
		break;
	case OPT_MAX_DOCUMENT:
		rc = set_bounded(err, o->lname, v, MAX_BUFFER_SIZE, &x);
		if (rc)
			return rc;
		cli->limits.max_document = (size_t)x;
		break;
	case OPT_MAX_FIELD:
		rc = set_bounded(err, o->lname, v, MAX_BUFFER_SIZE, &x);
		if (rc)
			return rc;
		cli->limits.max_field = (size_t)x;
		break;
	case OPT_MAX_FILE_SIZE:
		return set_size(err, o->lname, v, &cli->limits.max_file_size);
	case OPT_MAX_PERSONS:
		rc = set_bounded(err, o->lname, v, MAX_COUNT_PERSONS, &x);
		if (rc)
			return rc;
		cli->limits.max_persons_exact = (size_t)x;
		break;
	case OPT_MAX_MEMBERS:
		return set_bounded(err, o->lname, v, MAX_COUNT_MEMBERS,
				   &cli->limits.max_members);
	case OPT_MAX_RATIO:
		return set_bounded(err, o->lname, v, MAX_COUNT_RATIO,
				   &cli->limits.max_ratio);
	case OPT_MAX_RECORD:
		rc = set_bounded(err, o->lname, v, MAX_BUFFER_SIZE, &x);
		if (rc)
			return rc;
		cli->limits.max_record = (size_t)x;
		break;
	case OPT_MAX_SEEK_BUFFER:
		return set_size(err, o->lname, v,
				&cli->limits.max_seek_buffer);
	case OPT_MAX_TIME:
		if (!bsc_parse_duration(v, &x) || x == 0 || x > MAX_TIME_MS)
			return usage_error(err,
					   "--max-time: '%s' is not a duration "
					   "from 1ms to 366 days (use e.g. 90s, "
					   "10m, 1h)",
					   v);
		cli->limits.max_time_ms = x;
		break;
	case OPT_MAX_TOTAL_SIZE:
		return set_size(err, o->lname, v, &cli->limits.max_total);
	case OPT_MIN_CONF:
		if (!strcmp(v, "low"))
			cli->min_confidence = BSC_CONF_LOW;
		else if (!strcmp(v, "medium"))
			cli->min_confidence = BSC_CONF_MEDIUM;
		else if (!strcmp(v, "high"))
			cli->min_confidence = BSC_CONF_HIGH;
		else
			return usage_error(err,
					   "--min-confidence: '%s' is not "
					   "low, medium or high",
					   v);
		break;
	case OPT_NO_PROGRESS:
		cli->progress = 0;
		break;
	case OPT_PROGRESS:
		cli->progress = 1;
		break;
	case OPT_OUTPUT:
		bsc_vec_push(&cli->outputs, (void *)v);
		break;
	case OPT_EXCLUDE:
		bsc_vec_push(&cli->excludes, (void *)v);
		break;
	case OPT_INCLUDE:
		bsc_vec_push(&cli->includes, (void *)v);
		break;
	case OPT_IGNORE_FILE:
		cli->ignore_file = v;
		break;
	case OPT_NO_IGNORE_FILE:
		cli->no_ignore_file = true;
		break;
	case OPT_PASSWORD:
		bsc_vec_push(&cli->passwords, (void *)v);
		break;
	case OPT_QUIET:
		cli->quiet = true;
		break;
	case OPT_RATIO_THRESHOLD:
		return set_size(err, o->lname, v,
				&cli->limits.ratio_threshold);
	case OPT_READER:
		if (!bsc_format_find(v))
			return usage_error(err,
					   "--reader: unknown reader '%s' "
					   "(use one of: %s)",
					   v, bsc_format_names());
		cli->reader = v;
		break;
	case OPT_RULES:
		bsc_vec_push(&cli->rules, (void *)v);
		break;
	case OPT_SHOW_VALUES:
		cli->show_values = true;
		break;
	case OPT_VERSION:
		cli->cmd = BSC_CMD_VERSION;
		break;
	}
	return 0;
}

/*
 * The last shown argument held the secret v ("--password=v" or "v"):
 * replace the value by "***", so that no report, log or error carries it.
 */
static void
redact_last(struct bsc_vec *shown, const char *v)
{
	char *last = shown->v[shown->n - 1];
	char *eq = strchr(last, '=');
	char *r;

	if (last[0] == '-' && last[1] == '-' && eq)
		r = bsc_asprintf("%.*s=***", (int)(eq - last), last);
	else if (v && !strcmp(last, v))
		r = bsc_strdup("***");
	else
		return;
	memset(last, 0, strlen(last));
	free(last);
	shown->v[shown->n - 1] = r;
}

/* Forget the shown arguments from index n on. */
static void
drop_shown(struct bsc_vec *shown, size_t n)
{
	while (shown->n > n)
		free(shown->v[--shown->n]);
}

static bool
diff_format(const char *f)
{
	return !strcmp(f, "text") || !strcmp(f, "json") || !strcmp(f, "html");
}

/*
 * Every -o value names its format (bsc_cli_output), and the command can
 * write it: diff writes one text, json or html output, lookup none.
 */
static int
check_outputs(const struct bsc_cli *cli, FILE *err)
{
	const char *fmt, *path;

	if (cli->outputs.n && (cli->cmd == BSC_CMD_LOOKUP ||
			       cli->cmd == BSC_CMD_RULES_CHECK ||
			       cli->cmd == BSC_CMD_RULES_LIST))
		return usage_error(err, "-o: this command writes to standard "
					"output only (redirect it: > FILE)");
	if (cli->cmd == BSC_CMD_DIFF && cli->outputs.n > 1)
		return usage_error(err, "diff writes one output: give -o once");
	for (size_t i = 0; i < cli->outputs.n; i++) {
		if (bsc_cli_output(cli, cli->outputs.v[i], &fmt, &path, err))
			return BSC_EXIT_USAGE;
		if (cli->cmd == BSC_CMD_DIFF && !diff_format(fmt))
			return usage_error(err,
					   "-o %s: diff writes text, json or "
					   "html, not %s",
					   (const char *)cli->outputs.v[i], fmt);
	}
	return 0;
}

int
bsc_cli_parse(struct bsc_cli *cli, int argc, char **argv, FILE *err)
{
	bool only_operands = false;
	int i = 1;

	memset(cli, 0, sizeof(*cli));
	cli->argv = argv;
	cli->argc = argc;
	cli->format = "text";
	cli->fail_on_severity = -1;
	cli->progress = -1;
	cli->color = -1;
	cli->min_confidence = BSC_CONF_LOW;
	bsc_limits_default(&cli->limits);
	if (argc >= 2 && !strcmp(argv[1], "scan")) {
		cli->cmd = BSC_CMD_SCAN;
		i = 2;
	} else if (argc >= 3 && !strcmp(argv[1], "rules") &&
		   !strcmp(argv[2], "check")) {
		cli->cmd = BSC_CMD_RULES_CHECK;
		i = 3;
	} else if (argc >= 3 && !strcmp(argv[1], "rules") &&
		   !strcmp(argv[2], "list")) {
		cli->cmd = BSC_CMD_RULES_LIST;
		i = 3;
	} else if (argc >= 2 && !strcmp(argv[1], "merge")) {
		cli->cmd = BSC_CMD_MERGE;
		cli->format = "json"; /* merge writes JSON unless told */
		i = 2;
	} else if (argc >= 2 && !strcmp(argv[1], "report")) {
		cli->cmd = BSC_CMD_REPORT;
		i = 2;
	} else if (argc >= 2 && !strcmp(argv[1], "diff")) {
		cli->cmd = BSC_CMD_DIFF;
		i = 2;
	} else if (argc >= 2 && !strcmp(argv[1], "lookup")) {
		cli->cmd = BSC_CMD_LOOKUP;
		i = 2;
	} else if (argc >= 2 && (!strcmp(argv[1], "help"))) {
		cli->cmd = BSC_CMD_HELP;
		return 0;
	} else if (argc >= 2 && (!strcmp(argv[1], "version"))) {
		cli->cmd = BSC_CMD_VERSION;
		return 0;
	}
	for (int k = 1; k < i && k < argc; k++)
		bsc_vec_push(&cli->shown, bsc_strdup(argv[k]));
	for (; i < argc; i++) {
		const char *a = argv[i];
		const struct opt *o = NULL;
		const char *v = NULL;
		int rc;
		size_t shown0 = cli->shown.n;

		bsc_vec_push(&cli->shown, bsc_strdup(a));
		if (only_operands || a[0] != '-' || !strcmp(a, "-")) {
			bsc_vec_push(&cli->paths, (void *)a);
			continue;
		}
		if (!strcmp(a, "--")) {
			only_operands = true;
			continue;
		}
		if (a[1] == '-') {
			char name[64];
			const char *eq = strchr(a + 2, '=');
			size_t n = eq ? (size_t)(eq - a - 2) : strlen(a + 2);

			if (n >= sizeof(name))
				n = sizeof(name) - 1;
			memcpy(name, a + 2, n);
			name[n] = '\0';
			o = find_long(name);
			if (!o)
				return usage_error(err, "unknown option '%s'",
						   a);
			if (eq && !o->arg)
				return usage_error(
					err, "option '%s' takes no value", a);
			v = eq ? eq + 1 : NULL;
		} else {
			o = find_short(a[1]);
			if (!o || (a[2] && !o->arg))
				return usage_error(err, "unknown option '%s'",
						   a);
			v = a[2] ? a + 2 : NULL;
		}
		if (o->arg && !v) {
			if (i + 1 >= argc)
				return usage_error(err,
						   "option '%s' needs a value",
						   a);
			v = argv[++i];
			bsc_vec_push(&cli->shown, bsc_strdup(v));
		}
		if (opt_secret(o))
			redact_last(&cli->shown, v);
		rc = apply(cli, o, v, err);
		if (rc)
			return rc;
		/* -j changes nothing in the reports: left out, so that
		 * they are byte-identical whatever it is. */
		if (o->id == OPT_JOBS)
			drop_shown(&cli->shown, shown0);
	}
	if (cli->cmd == BSC_CMD_HELP || cli->cmd == BSC_CMD_VERSION)
		return 0;
	if (check_outputs(cli, err))
		return BSC_EXIT_USAGE;
	if (cli->cmd == BSC_CMD_NONE) {
		if (argc < 2)
			return usage_error(err, "%s",
					   "no command given (use 'scan "
					   "PATH...')");
		return usage_error(err, "unknown command '%s' (use scan or "
					"rules)",
				   argv[1]);
	}
	if (cli->cmd == BSC_CMD_SCAN && cli->paths.n == 0)
		return usage_error(err, "%s",
				   "scan needs at least one PATH (use - for "
				   "standard input)");
	if (cli->cmd == BSC_CMD_MERGE && cli->paths.n == 0)
		return usage_error(err, "%s",
				   "merge needs at least one JSON report");
	if (cli->cmd == BSC_CMD_DIFF &&
	    (cli->paths.n != 2 || !diff_format(cli->format)))
		return usage_error(err, "%s",
				   "diff needs two JSON reports, OLD and NEW, "
				   "and writes text, json or html");
	if (cli->cmd == BSC_CMD_LOOKUP &&
	    (!cli->index || !cli->person_key_file || cli->paths.n))
		return usage_error(err, "%s",
				   "lookup needs --index FILE and the "
				   "--person-key-file of the scan, and no PATH");
	if (cli->cmd == BSC_CMD_SCAN && cli->person_index &&
	    !cli->person_key_file)
		return usage_error(err, "%s",
				   "--person-index needs --person-key-file: "
				   "without the key nobody could look a "
				   "person up later");
	if (cli->cmd == BSC_CMD_REPORT && cli->paths.n == 0)
		return usage_error(err, "%s",
				   "report needs at least one JSON report "
				   "(written by scan --format json -o FILE)");
	if (cli->max_growth_set && !cli->baseline)
		return usage_error(err, "%s",
				   "--max-growth needs --baseline FILE: the "
				   "growth is measured against it");
	return 0;
}

void
bsc_cli_release(struct bsc_cli *cli)
{
	bsc_vec_release(&cli->rules);
	bsc_vec_release(&cli->paths);
	bsc_vec_release(&cli->outputs);
	bsc_vec_release(&cli->fail_on);
	bsc_vec_release(&cli->passwords);
	bsc_vec_release(&cli->excludes);
	bsc_vec_release(&cli->includes);
	for (size_t i = 0; i < cli->shown.n; i++)
		free(cli->shown.v[i]);
	bsc_vec_release(&cli->shown);
}

/* ---- commands --------------------------------------------------------- */

static int
load_rules(struct bsc_ctx *ctx, const struct bsc_cli *cli, bool defaults)
{
	if (defaults) {
		const char *dir = bsc_default_patterns_dir();

		if (!dir) {
			bsc_errorf(ctx, "no patterns directory found: set "
					"BSC_PATTERNS to the patterns/ folder");
			return BSC_EXIT_USAGE;
		}
		if (bsc_ctx_load_rules(ctx, dir) != BSC_OK) {
			bsc_errorf(ctx, "%s", bsc_ctx_error(ctx));
			return BSC_EXIT_USAGE;
		}
	}
	for (size_t i = 0; i < cli->rules.n; i++) {
		if (bsc_ctx_load_rules(ctx, cli->rules.v[i]) != BSC_OK) {
			bsc_errorf(ctx, "%s", bsc_ctx_error(ctx));
			return BSC_EXIT_USAGE;
		}
	}
	return 0;
}

/*
 * The sink bsc_scan sees: fans each callback out to every output, and
 * remembers what decides the exit code.
 */
struct fanout {
	struct bsc_sink **sinks;
	size_t n;
	bool incomplete;
	uint64_t violations;
};

static bsc_status
fan_begin(void *data)
{
	struct fanout *fo = data;
	bsc_status ret = BSC_OK;

	for (size_t i = 0; i < fo->n; i++)
		if (fo->sinks[i]->run_begin &&
		    fo->sinks[i]->run_begin(fo->sinks[i]->data) == BSC_FATAL)
			ret = BSC_FATAL;
	return ret;
}

static bsc_status
fan_archive(void *data, const char *path, const char *format, unsigned depth)
{
	struct fanout *fo = data;
	bsc_status ret = BSC_OK;

	for (size_t i = 0; i < fo->n; i++)
		if (fo->sinks[i]->archive_begin &&
		    fo->sinks[i]->archive_begin(fo->sinks[i]->data, path, format,
						depth) == BSC_FATAL)
			ret = BSC_FATAL;
	return ret;
}

static bsc_status
fan_item(void *data, const struct bsc_item_report *r)
{
	struct fanout *fo = data;
	bsc_status ret = BSC_OK;

	if (r->status == BSC_ITEM_PARTIAL || r->status == BSC_ITEM_FAILED)
		fo->incomplete = true;
	for (size_t i = 0; i < fo->n; i++)
		if (fo->sinks[i]->item &&
		    fo->sinks[i]->item(fo->sinks[i]->data, r) == BSC_FATAL)
			ret = BSC_FATAL;
	return ret;
}

static bsc_status
fan_end(void *data, const struct bsc_run_summary *s)
{
	struct fanout *fo = data;
	bsc_status ret = BSC_OK;

	fo->violations = s->violations + s->grown;
	for (size_t i = 0; i < fo->n; i++)
		if (fo->sinks[i]->run_end &&
		    fo->sinks[i]->run_end(fo->sinks[i]->data, s) == BSC_FATAL)
			ret = BSC_FATAL;
	return ret;
}

struct output {
	const char *format;
	const char *path; /* NULL: stdout */
	FILE *f;
};

/* Split a checked -o value into (format, path). */
static void
parse_output(const struct bsc_cli *cli, const char *v, struct output *o)
{
	if (bsc_cli_output(cli, v, &o->format, &o->path, NULL))
		o->format = cli->format; /* not reached: checked by parse */
}

/* A JSON report written by this run, which lists every item: the
 * summary names it when it shortens a list. */
static const char *
full_report_of(const struct output *outs, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (outs[i].path && (!strcmp(outs[i].format, "json") ||
				     !strcmp(outs[i].format, "jsonl")))
			return outs[i].path;
	return NULL;
}

static int
setup_policy(struct bsc_cli *cli, struct bsc_ctx *ctx, struct bsc_policy *p)
{
	const char *file = cli->policy;

	if (!file && !cli->no_policy && access(".breachscope.yml", R_OK) == 0)
		file = ".breachscope.yml";
	if (file && bsc_policy_load(p, ctx, file) != BSC_OK) {
		bsc_errorf(ctx, "%s", bsc_ctx_error(ctx));
		return BSC_EXIT_USAGE;
	}
	for (size_t i = 0; i < cli->fail_on.n; i++) {
		if (bsc_policy_fail_on(p, ctx, cli->fail_on.v[i]) != BSC_OK) {
			bsc_errorf(ctx, "%s", bsc_ctx_error(ctx));
			return BSC_EXIT_USAGE;
		}
	}
	if (cli->fail_on_severity > 0) {
		char *s = bsc_asprintf("--fail-on-severity %s",
				       bsc_severity_name(cli->fail_on_severity));

		bsc_policy_fail_on_severity(p, cli->fail_on_severity);
		bsc_policy_add_source(p, s);
		free(s);
	}
	bsc_policy_max_growth(p, cli->max_growth);
	if (cli->baseline && bsc_policy_load_baseline(p, ctx, cli->baseline) !=
				     BSC_OK) {
		bsc_errorf(ctx, "%s", bsc_ctx_error(ctx));
		return BSC_EXIT_USAGE;
	}
	if (cli->baseline) {
		char *s = bsc_asprintf("--baseline %s", cli->baseline);

		bsc_policy_add_source(p, s);
		free(s);
	}
	return 0;
}

/* --person-key-file: 64 hex digits (whitespace around is fine). */
static int
read_person_key(struct bsc_ctx *ctx, const char *path)
{
	FILE *f = fopen(path, "r");
	char hex[80] = "";
	size_t n = 0;

	if (!f) {
		bsc_errorf(ctx, "--person-key-file %s: %s", path,
			   strerror(errno));
		return BSC_EXIT_USAGE;
	}
	for (int c; (c = fgetc(f)) != EOF && n < sizeof(hex) - 1;)
		if (!isspace(c))
			hex[n++] = (char)c;
	fclose(f);
	if (n != 64) {
		bsc_errorf(ctx, "--person-key-file %s: expected 64 hex digits "
				"(make one with: openssl rand -hex 32)",
			   path);
		return BSC_EXIT_USAGE;
	}
	for (int i = 0; i < 32; i++) {
		unsigned v;

		if (sscanf(hex + 2 * i, "%2x", &v) != 1 ||
		    !isxdigit((unsigned char)hex[2 * i]) ||
		    !isxdigit((unsigned char)hex[2 * i + 1])) {
			bsc_errorf(ctx, "--person-key-file %s: not hex", path);
			return BSC_EXIT_USAGE;
		}
		ctx->person_key[i] = (unsigned char)v;
	}
	ctx->person_key_set = true;
	return 0;
}

/* --ignore-file, --exclude and --include, in that order (the last
 * match wins, so the command line has the last word). */
static int
setup_ignore(const struct bsc_cli *cli, struct bsc_ctx *ctx,
	     struct bsc_ignore *ig)
{
	if (cli->ignore_file && !bsc_ignore_add_file(ig, cli->ignore_file)) {
		bsc_errorf(ctx, "--ignore-file %s: %s", cli->ignore_file,
			   strerror(errno));
		return BSC_EXIT_USAGE;
	}
	for (size_t i = 0; i < cli->excludes.n; i++)
		bsc_ignore_add(ig, cli->excludes.v[i]);
	for (size_t i = 0; i < cli->includes.n; i++)
		bsc_ignore_add_include(ig, cli->includes.v[i]);
	ctx->ignore = ig;
	ctx->no_ignore_file = cli->no_ignore_file;
	return 0;
}

static int
cmd_scan(struct bsc_cli *cli, struct bsc_ctx *ctx)
{
	struct bsc_policy *policy = bsc_policy_new();
	struct bsc_ignore *ignore = bsc_ignore_new();
	struct output *outs = NULL;
	size_t n_outs = cli->outputs.n ? cli->outputs.n : 1;
	size_t n_reports = n_outs;
	struct fanout fo = {0};
	char *check = NULL;
	struct bsc_sink fan = {.run_begin = fan_begin,
			       .archive_begin = fan_archive,
			       .item = fan_item,
			       .run_end = fan_end,
			       .data = &fo};
	int rc;
	bsc_status st = BSC_OK;

	rc = load_rules(ctx, cli, true);
	if (!rc)
		rc = setup_policy(cli, ctx, policy);
	if (!rc)
		rc = setup_ignore(cli, ctx, ignore);
	if (!rc && cli->person_key_file)
		rc = read_person_key(ctx, cli->person_key_file);
	if (rc)
		goto out;
	ctx->policy = policy;
	if (cli->person_index) {
		/* One more output: the person index, for lookup. */
		ctx->person_index = true;
		if (!ctx->person_mac)
			ctx->person_mac = bsc_hmac_new(ctx->person_key);
		check = bsc_lookup_key_check(ctx);
		n_outs++;
	}
	if (cli->write_baseline)
		n_outs++; /* and the baseline, last */
	outs = bsc_zalloc(n_outs * sizeof(*outs));
	fo.sinks = bsc_zalloc(n_outs * sizeof(*fo.sinks));
	if (cli->outputs.n == 0)
		outs[0].format = cli->format;
	for (size_t i = 0; i < cli->outputs.n; i++)
		parse_output(cli, cli->outputs.v[i], &outs[i]);
	if (cli->person_index) {
		outs[n_reports].format = "person-index";
		outs[n_reports].path = cli->person_index;
	}
	if (cli->write_baseline) {
		outs[n_outs - 1].format = "baseline";
		outs[n_outs - 1].path = cli->write_baseline;
	}
	for (size_t i = 0; i < n_outs; i++) {
		struct bsc_report_opts ro = {0};
		struct stat sb;

		outs[i].f = stdout;
		if (outs[i].path) {
			outs[i].f = fopen(outs[i].path, "w");
			if (!outs[i].f) {
				bsc_errorf(ctx, "cannot write '%s': %s",
					   outs[i].path, strerror(errno));
				rc = BSC_EXIT_USAGE;
				goto out;
			}
			/* Never read a report back if it sits in the tree (any of
			 * them: -o, --write-baseline, --person-index). */
			if (fstat(fileno(outs[i].f), &sb) == 0) {
				ctx->skip = bsc_reallocarray(
					ctx->skip, ctx->n_skip + 1,
					sizeof(*ctx->skip));
				ctx->skip[ctx->n_skip][0] =
					(unsigned long long)sb.st_dev;
				ctx->skip[ctx->n_skip++][1] =
					(unsigned long long)sb.st_ino;
			}
		}
		ro.out = outs[i].f;
		ro.rules = bsc_ctx_rules(ctx);
		ro.quiet = cli->quiet;
		ro.lang = cli->lang;
		ro.full_report = full_report_of(outs, n_reports);
		ro.index_check = check;
		ro.policy = bsc_policy_name(policy);
		ro.color = cli->color == 1 ||
			   (cli->color == -1 && outs[i].f == stdout &&
			    isatty(1) && !getenv("NO_COLOR"));
		fo.sinks[fo.n++] = bsc_report_new(outs[i].format, &ro);
	}
	st = bsc_scan(ctx, (const char *const *)cli->paths.v, cli->paths.n,
		      &fan);
	if (st == BSC_FATAL && errno == EPIPE) {
		rc = BSC_EXIT_USAGE; /* reader went away: say nothing */
		goto out;
	}
	if (st == BSC_FATAL) {
		bsc_errorf(ctx, "%s", bsc_ctx_error(ctx));
		rc = BSC_EXIT_USAGE;
		goto out;
	}
	if (fo.incomplete && !cli->allow_incomplete)
		rc = BSC_EXIT_INCOMPLETE;
	else if (cli->write_baseline)
		rc = BSC_EXIT_CLEAN; /* once written (checked below) */
	else
		rc = fo.violations ? BSC_EXIT_FOUND : BSC_EXIT_CLEAN;
out:
	free(check);
	for (size_t i = 0; outs && i < n_outs; i++) {
		if (outs[i].f && outs[i].f != stdout &&
		    fclose(outs[i].f) != 0 && rc != BSC_EXIT_USAGE) {
			bsc_errorf(ctx, "cannot write '%s': %s", outs[i].path,
				   strerror(errno));
			rc = BSC_EXIT_USAGE;
		}
	}
	if (cli->write_baseline && rc == BSC_EXIT_CLEAN)
		bsc_notef(ctx,
			  "baseline written to %s: scan with --baseline %s "
			  "to fail only on what is new",
			  cli->write_baseline, cli->write_baseline);
	for (size_t i = 0; i < fo.n; i++)
		bsc_report_free(fo.sinks[i]);
	free(fo.sinks);
	free(outs);
	ctx->policy = NULL;
	bsc_policy_free(policy);
	ctx->ignore = NULL;
	bsc_ignore_free(ignore);
	return rc;
}

static const char *
kind_name(const struct bsc_rule *r)
{
	switch (r->kind) {
	case BSC_RULE_VALUE:
		return "value";
	case BSC_RULE_HEADER:
		return "header";
	case BSC_RULE_SUBJECT:
		return "subject";
	case BSC_RULE_FLAG:
		return "flag";
	case BSC_RULE_PLACEHOLDER:
		return "placeholder";
	case BSC_RULE_PATH:
		return "path";
	}
	return "?";
}

static const char *
evidence_mode(const struct bsc_rule *r)
{
	if (r->kind != BSC_RULE_VALUE)
		return "-";
	switch (r->evidence) {
	case BSC_EV_STANDALONE:
		return "standalone";
	case BSC_EV_COLUMN:
		return "column";
	case BSC_EV_CONFIRM:
		return "confirm";
	}
	return "?";
}

static int
cmd_rules_list(struct bsc_cli *cli, struct bsc_ctx *ctx)
{
	struct bsc_ruleset *rs;
	int rc = load_rules(ctx, cli, true);

	if (rc)
		return rc;
	rs = bsc_ctx_rules(ctx);
	printf("Categories (%zu):\n", rs->n_cats);
	for (size_t i = 0; i < rs->n_cats; i++)
		printf("  %-16s %-8s %-6s %s / %s\n", rs->cats[i].name,
		       rs->cats[i].cls == BSC_CLASS_MEDICAL ? "medical"
							    : "identity",
		       rs->cats[i].direct ? "direct" : "",
		       rs->cats[i].label, rs->cats[i].label_fr);
	printf("\nRules (%zu):\n", rs->rules.n);
	printf("  %-36s %-7s %-16s %-10s %-6s %s\n", "ID", "KIND", "CATEGORY",
	       "EVIDENCE", "CONF", "VALIDATOR");
	for (size_t i = 0; i < rs->rules.n; i++) {
		const struct bsc_rule *r = rs->rules.v[i];
		const char *cat = r->category >= 0 ? rs->cats[r->category].name
				  : r->kind == BSC_RULE_HEADER ? "none"
				  : r->kind == BSC_RULE_PATH ? "none"
				  : r->kind == BSC_RULE_PLACEHOLDER ? "-"
				  : r->kind == BSC_RULE_FLAG
					  ? r->flag
					  : bsc_subject_name(r->subject);
		bool noconf = r->kind == BSC_RULE_SUBJECT ||
			      r->kind == BSC_RULE_PLACEHOLDER ||
			      r->kind == BSC_RULE_FLAG || r->category < 0;

		printf("  %-36s %-7s %-16s %-10s %-6s %s\n", r->id, kind_name(r),
		       cat, evidence_mode(r),
		       noconf ? "-" : bsc_confidence_name(r->confidence),
		       r->validator >= 0 ? bsc_validator_name(r->validator)
					 : "-");
	}
	return 0;
}

static int
cmd_rules_check(struct bsc_cli *cli, struct bsc_ctx *ctx)
{
	size_t checked = 0, failures;
	int rc;

	for (size_t i = 0; i < cli->paths.n; i++)
		bsc_vec_push(&cli->rules, cli->paths.v[i]);
	rc = load_rules(ctx, cli, true);
	if (rc)
		return rc;
	failures = bsc_ruleset_selftest(bsc_ctx_rules(ctx), ctx, &checked);
	printf("%zu rules, %zu examples checked, %zu failed\n",
	       bsc_ctx_rules(ctx)->rules.n, checked, failures);
	return failures ? BSC_EXIT_FOUND : BSC_EXIT_CLEAN;
}

/* merge writing one JSON document: the merged JSON as merge builds it. */
static bool
plain_json(const struct bsc_cli *cli)
{
	struct output o;

	if (cli->outputs.n > 1)
		return false;
	if (!cli->outputs.n)
		return !strcmp(cli->format, "json");
	parse_output(cli, cli->outputs.v[0], &o);
	return !strcmp(o.format, "json");
}

/* merge to one JSON file, or stdout. */
static int
cmd_merge_json(struct bsc_cli *cli, struct bsc_ctx *ctx)
{
	struct output o = {.format = cli->format};

	if (cli->outputs.n)
		parse_output(cli, cli->outputs.v[0], &o);
	return bsc_merge_reports(ctx, (const char *const *)cli->paths.v,
				 cli->paths.n, o.path);
}

/*
 * "report" (and "merge" to another format): the saved reports, merged
 * when there are several, shown again through every -o output.
 */
static int
cmd_report(struct bsc_cli *cli, struct bsc_ctx *ctx)
{
	size_t n_outs = cli->outputs.n ? cli->outputs.n : 1;
	struct output *outs = bsc_zalloc(n_outs * sizeof(*outs));
	struct fanout fo = {0};
	struct bsc_sink fan = {.run_begin = fan_begin,
			       .archive_begin = fan_archive,
			       .item = fan_item,
			       .run_end = fan_end,
			       .data = &fo};
	int rc = 0;
	bool incomplete = false;
	void *doc;

	doc = cli->paths.n == 1
		      ? bsc_report_load(ctx, cli->paths.v[0])
		      : bsc_merge_doc(ctx, (const char *const *)cli->paths.v,
				      cli->paths.n, &rc);
	rc = doc ? 0 : BSC_EXIT_USAGE;
	/* SARIF describes the rules: the catalogue is loaded, no data. */
	if (!rc)
		rc = load_rules(ctx, cli, true);
	fo.sinks = bsc_zalloc(n_outs * sizeof(*fo.sinks));
	if (cli->outputs.n == 0)
		outs[0].format = cli->format;
	for (size_t i = 0; i < cli->outputs.n; i++)
		parse_output(cli, cli->outputs.v[i], &outs[i]);
	for (size_t i = 0; !rc && i < n_outs; i++) {
		struct bsc_report_opts ro = {0};

		outs[i].f = outs[i].path ? fopen(outs[i].path, "w") : stdout;
		if (!outs[i].f) {
			bsc_errorf(ctx, "cannot write '%s': %s", outs[i].path,
				   strerror(errno));
			rc = BSC_EXIT_USAGE;
			break;
		}
		ro.out = outs[i].f;
		ro.rules = bsc_ctx_rules(ctx);
		ro.quiet = cli->quiet;
		ro.lang = cli->lang;
		ro.full_report = full_report_of(outs, n_outs);
		ro.policy = bsc_report_doc_policy(doc);
		if (!ro.full_report && cli->paths.n == 1)
			ro.full_report = cli->paths.v[0];
		ro.color = cli->color == 1 ||
			   (cli->color == -1 && outs[i].f == stdout &&
			    isatty(1) && !getenv("NO_COLOR"));
		fo.sinks[fo.n++] = bsc_report_new(outs[i].format, &ro);
	}
	if (!rc && bsc_render_doc(doc, &fan, &incomplete) == BSC_FATAL) {
		if (errno != EPIPE)
			bsc_errorf(ctx, "cannot write the report: %s",
				   strerror(errno));
		rc = BSC_EXIT_USAGE;
	}
	if (!rc)
		rc = incomplete && !cli->allow_incomplete ? BSC_EXIT_INCOMPLETE
		     : fo.violations			  ? BSC_EXIT_FOUND
							  : BSC_EXIT_CLEAN;
	for (size_t i = 0; i < n_outs; i++)
		if (outs[i].f && outs[i].f != stdout &&
		    fclose(outs[i].f) != 0 && rc != BSC_EXIT_USAGE) {
			bsc_errorf(ctx, "cannot write '%s': %s", outs[i].path,
				   strerror(errno));
			rc = BSC_EXIT_USAGE;
		}
	for (size_t i = 0; i < fo.n; i++)
		bsc_report_free(fo.sinks[i]);
	free(fo.sinks);
	free(outs);
	bsc_report_unload(doc);
	return rc;
}

/* "diff OLD.json NEW.json": exposure changes, to stdout or -o FILE. */
static int
cmd_diff(struct bsc_cli *cli, struct bsc_ctx *ctx)
{
	struct output o = {.format = cli->format};
	FILE *out;
	int rc;

	if (cli->outputs.n)
		parse_output(cli, cli->outputs.v[0], &o);
	out = o.path ? fopen(o.path, "w") : stdout;

	if (!out) {
		bsc_errorf(ctx, "cannot write '%s': %s", o.path,
			   strerror(errno));
		return BSC_EXIT_USAGE;
	}
	rc = bsc_diff_reports(ctx, cli->paths.v[0], cli->paths.v[1],
			      o.format, cli->lang, out);
	if (out != stdout && fclose(out) != 0) {
		bsc_errorf(ctx, "cannot write '%s': %s", o.path,
			   strerror(errno));
		rc = BSC_EXIT_USAGE;
	}
	return rc;
}

int
bsc_cli_run(struct bsc_cli *cli)
{
	struct bsc_ctx *ctx;
	int rc = 0;

	if (cli->cmd == BSC_CMD_HELP) {
		bsc_cli_help(stdout);
		return 0;
	}
	if (cli->cmd == BSC_CMD_VERSION) {
		printf("breachscope %s\n", bsc_version());
		return 0;
	}
	ctx = bsc_ctx_new();
	ctx->limits = cli->limits;
	ctx->show_values = cli->show_values;
	ctx->quiet = cli->quiet;
	ctx->follow_symlinks = cli->follow_symlinks;
	ctx->min_confidence = cli->min_confidence;
	ctx->force_reader = cli->reader;
	ctx->hash_items = cli->hash;
	ctx->shard_k = cli->shard_k;
	ctx->shard_n = cli->shard_n;
	/* The command line as reports show it: secrets replaced by "***". */
	ctx->argv = (const char *const *)cli->shown.v;
	ctx->argc = cli->shown.n;
	ctx->jobs = cli->jobs ? cli->jobs : bsc_sched_default_jobs();
	for (size_t i = 0; i < cli->passwords.n; i++)
		bsc_ctx_add_password(ctx, cli->passwords.v[i]);
	ctx->progress = cli->progress == 1 ||
			(cli->progress == -1 && isatty(2) && !cli->quiet);
	switch (cli->cmd) {
	case BSC_CMD_SCAN:
		rc = cmd_scan(cli, ctx);
		break;
	case BSC_CMD_RULES_LIST:
		rc = cmd_rules_list(cli, ctx);
		break;
	case BSC_CMD_RULES_CHECK:
		rc = cmd_rules_check(cli, ctx);
		break;
	case BSC_CMD_MERGE:
		rc = plain_json(cli) ? cmd_merge_json(cli, ctx)
				     : cmd_report(cli, ctx);
		break;
	case BSC_CMD_REPORT:
		rc = cmd_report(cli, ctx);
		break;
	case BSC_CMD_DIFF:
		rc = cmd_diff(cli, ctx);
		break;
	case BSC_CMD_LOOKUP:
		rc = read_person_key(ctx, cli->person_key_file);
		if (!rc)
			rc = bsc_lookup(ctx, cli->index, &cli->query, stdout);
		break;
	default:
		rc = BSC_EXIT_USAGE;
		break;
	}
	bsc_ctx_free(ctx);
	return rc;
}
