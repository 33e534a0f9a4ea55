/*
 * cli.c - the command line (curl tool style): one alphasorted option
 * table that both parses and prints --help, then the three commands:
 * "scan", "rules check" and "rules list". It wires context, rules and a
 * sink together and maps the outcome to an exit code; it does no scanning
 * itself.
 */
#include "cli.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ctx.h"
#include "format.h"
#include "report.h"
#include "rules.h"
#include "validate.h"

enum opt_id {
	OPT_COLOR,
	OPT_FOLLOW,
	OPT_FORMAT,
	OPT_HELP,
	OPT_MAX_COLUMNS,
	OPT_MAX_DEPTH,
	OPT_MAX_DOCUMENT,
	OPT_MAX_FIELD,
	OPT_MAX_FILE_SIZE,
	OPT_MAX_RECORD,
	OPT_MIN_CONF,
	OPT_NO_COLOR,
	OPT_NO_PROGRESS,
	OPT_OUTPUT,
	OPT_PROGRESS,
	OPT_QUIET,
	OPT_READER,
	OPT_RULES,
	OPT_SHOW_VALUES,
	OPT_VERSION
};

struct opt {
	const char *lname;
	char sname;
	const char *arg; /* NULL: takes no argument */
	enum opt_id id;
	const char *help;
};

/* MUST be alphasorted by long name: it is the --help order too. */
static const struct opt opts[] = {
	{"color", 0, NULL, OPT_COLOR, "colour the text report (default: "
				      "on a terminal, unless NO_COLOR)"},
	{"follow-symlinks", 0, NULL, OPT_FOLLOW,
	 "follow symlinks that lead out of a scanned directory"},
	{"format", 'f', "FMT", OPT_FORMAT,
	 "report format: text (default) or json"},
	{"help", 'h', NULL, OPT_HELP, "show this help and exit"},
	{"max-columns", 0, "N", OPT_MAX_COLUMNS,
	 "columns scanned per table (default 1024)"},
	{"max-depth", 0, "N", OPT_MAX_DEPTH,
	 "deepest XML element or JSON nesting, 1 to 256 (default 128)"},
	{"max-document", 0, "SIZE", OPT_MAX_DOCUMENT,
	 "largest JSON piece (member, entry) or NDJSON line (default 32M)"},
	{"max-field", 0, "SIZE", OPT_MAX_FIELD,
	 "longest field or cell (default 1M)"},
	{"max-file-size", 0, "SIZE", OPT_MAX_FILE_SIZE,
	 "bytes read per item; the rest is reported as not scanned "
	 "(default 16G)"},
	{"max-record", 0, "SIZE", OPT_MAX_RECORD,
	 "longest CSV row (default 16M)"},
	{"min-confidence", 0, "LEVEL", OPT_MIN_CONF,
	 "drop findings below low, medium or high (default low)"},
	{"no-color", 0, NULL, OPT_NO_COLOR, "never colour the text report"},
	{"no-progress", 0, NULL, OPT_NO_PROGRESS,
	 "no progress line on stderr"},
	{"output", 'o', "FILE", OPT_OUTPUT,
	 "write the report to FILE instead of stdout"},
	{"progress", 0, NULL, OPT_PROGRESS,
	 "progress line on stderr (default: when stderr is a terminal)"},
	{"quiet", 'q', NULL, OPT_QUIET,
	 "no warnings on stderr; text report lists only items with "
	 "findings or problems"},
	{"reader", 0, "NAME", OPT_READER,
	 "force a reader (csv, json, text, xml) instead of sniffing"},
	{"rules", 0, "FILE", OPT_RULES,
	 "load extra rules from FILE or directory (repeatable)"},
	{"show-values", 0, NULL, OPT_SHOW_VALUES,
	 "show raw values in samples (off: samples are masked)"},
	{"version", 'V', NULL, OPT_VERSION, "show the version and exit"},
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
		"\nSIZE takes K, M, G suffixes (powers of 1024).\n"
		"\nExit codes:\n"
		"  0  everything was scanned and no personal or medical data "
		"was found\n"
		"  1  personal or medical data was found\n"
		"  2  usage error, or some input could not be scanned "
		"completely (wins over 1)\n"
		"\nRules come from the patterns directory ($BSC_PATTERNS "
		"overrides it).\nSee breachscope(1) and README.md.\n");
}

static int
usage_error(FILE *err, const char *fmt, ...) BSC_PRINTF(2, 3);

static int
usage_error(FILE *err, const char *fmt, ...)
{
	va_list ap;

	fprintf(err, "breachscope: ");
	va_start(ap, fmt);
	vfprintf(err, fmt, ap);
	va_end(ap);
	fprintf(err, "\nTry 'breachscope --help'.\n");
	return BSC_EXIT_ERROR;
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
		return BSC_EXIT_ERROR;
	}
	*out = x;
	return 0;
}

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
		if (strcmp(v, "text") && strcmp(v, "json"))
			return usage_error(err,
					   "--format: unknown format '%s' "
					   "(use text or json)",
					   v);
		cli->format = v;
		break;
	case OPT_HELP:
		cli->cmd = BSC_CMD_HELP;
		break;
	case OPT_MAX_COLUMNS:
		rc = set_size(err, o->lname, v, &x);
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
		cli->limits.max_depth = (size_t)x;
		break;
	case OPT_MAX_DOCUMENT:
		rc = set_size(err, o->lname, v, &x);
		if (rc)
			return rc;
		cli->limits.max_document = (size_t)x;
		break;
	case OPT_MAX_FIELD:
		rc = set_size(err, o->lname, v, &x);
		if (rc)
			return rc;
		cli->limits.max_field = (size_t)x;
		break;
	case OPT_MAX_FILE_SIZE:
		return set_size(err, o->lname, v, &cli->limits.max_file_size);
	case OPT_MAX_RECORD:
		rc = set_size(err, o->lname, v, &x);
		if (rc)
			return rc;
		cli->limits.max_record = (size_t)x;
		break;
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
		cli->output = v;
		break;
	case OPT_QUIET:
		cli->quiet = true;
		break;
	case OPT_READER:
		if (!bsc_format_find(v))
			return usage_error(err,
					   "--reader: unknown reader '%s' "
					   "(use %s)",
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

int
bsc_cli_parse(struct bsc_cli *cli, int argc, char **argv, FILE *err)
{
	bool only_operands = false;
	int i = 1;

	memset(cli, 0, sizeof(*cli));
	cli->format = "text";
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
	} else if (argc >= 2 && (!strcmp(argv[1], "help"))) {
		cli->cmd = BSC_CMD_HELP;
		return 0;
	} else if (argc >= 2 && (!strcmp(argv[1], "version"))) {
		cli->cmd = BSC_CMD_VERSION;
		return 0;
	}
	for (; i < argc; i++) {
		const char *a = argv[i];
		const struct opt *o = NULL;
		const char *v = NULL;
		int rc;

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
		}
		rc = apply(cli, o, v, err);
		if (rc)
			return rc;
	}
	if (cli->cmd == BSC_CMD_HELP || cli->cmd == BSC_CMD_VERSION)
		return 0;
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
	return 0;
}

void
bsc_cli_release(struct bsc_cli *cli)
{
	bsc_vec_release(&cli->rules);
	bsc_vec_release(&cli->paths);
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
			return BSC_EXIT_ERROR;
		}
		if (bsc_ctx_load_rules(ctx, dir) != BSC_OK) {
			bsc_errorf(ctx, "%s", bsc_ctx_error(ctx));
			return BSC_EXIT_ERROR;
		}
	}
	for (size_t i = 0; i < cli->rules.n; i++) {
		if (bsc_ctx_load_rules(ctx, cli->rules.v[i]) != BSC_OK) {
			bsc_errorf(ctx, "%s", bsc_ctx_error(ctx));
			return BSC_EXIT_ERROR;
		}
	}
	return 0;
}

/* Wraps the report sink to remember what decides the exit code. */
struct exit_watch {
	const struct bsc_sink *inner;
	bool incomplete;
	bool found;
};

static bsc_status
watch_begin(void *data)
{
	struct exit_watch *w = data;

	return w->inner->run_begin ? w->inner->run_begin(w->inner->data)
				   : BSC_OK;
}

static bsc_status
watch_item(void *data, const struct bsc_item_report *r)
{
	struct exit_watch *w = data;

	if (r->status == BSC_ITEM_PARTIAL || r->status == BSC_ITEM_FAILED)
		w->incomplete = true;
	return w->inner->item ? w->inner->item(w->inner->data, r) : BSC_OK;
}

static bsc_status
watch_end(void *data, const struct bsc_run_summary *s)
{
	struct exit_watch *w = data;

	w->found = s->n_identity > 0 || s->n_medical > 0;
	return w->inner->run_end ? w->inner->run_end(w->inner->data, s)
				 : BSC_OK;
}

static int
cmd_scan(struct bsc_cli *cli, struct bsc_ctx *ctx)
{
	struct bsc_report_opts ro = {0};
	struct bsc_sink *sink = NULL;
	struct exit_watch w = {0};
	struct bsc_sink watch = {watch_begin, watch_item, watch_end, &w};
	FILE *out = stdout;
	int rc;
	bsc_status st;

	rc = load_rules(ctx, cli, true);
	if (rc)
		return rc;
	if (cli->output && strcmp(cli->output, "-")) {
		struct stat sb;

		out = fopen(cli->output, "w");
		if (!out) {
			bsc_errorf(ctx, "cannot write '%s': %s", cli->output,
				   strerror(errno));
			return BSC_EXIT_ERROR;
		}
		if (fstat(fileno(out), &sb) == 0) {
			ctx->skip_set = true;
			ctx->skip_dev = (unsigned long long)sb.st_dev;
			ctx->skip_ino = (unsigned long long)sb.st_ino;
		}
	}
	ro.out = out;
	ro.quiet = cli->quiet;
	ro.color = cli->color == 1 ||
		   (cli->color == -1 && out == stdout && isatty(1) &&
		    !getenv("NO_COLOR"));
	sink = bsc_report_new(cli->format, &ro);
	w.inner = sink;
	st = bsc_scan(ctx, (const char *const *)cli->paths.v, cli->paths.n,
		      &watch);
	if (out != stdout && fclose(out) != 0 && st != BSC_FATAL) {
		bsc_set_error(ctx, BSC_FATAL, "cannot write '%s': %s",
			      cli->output, strerror(errno));
		st = BSC_FATAL;
	}
	bsc_report_free(sink);
	if (st == BSC_FATAL) {
		bsc_errorf(ctx, "%s", bsc_ctx_error(ctx));
		return BSC_EXIT_ERROR;
	}
	if (w.incomplete)
		return BSC_EXIT_ERROR;
	return w.found ? BSC_EXIT_FOUND : BSC_EXIT_CLEAN;
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
				  : r->kind == BSC_RULE_PATH
					  ? "none"
					  : bsc_subject_name(r->subject);

		printf("  %-36s %-7s %-16s %-10s %-6s %s\n", r->id, kind_name(r),
		       cat, evidence_mode(r),
		       r->kind == BSC_RULE_SUBJECT
			       ? "-"
			       : bsc_confidence_name(r->confidence),
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
	default:
		rc = BSC_EXIT_ERROR;
		break;
	}
	bsc_ctx_free(ctx);
	return rc;
}
