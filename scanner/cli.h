/*
 * cli.h - the command line: one option table (also the source of --help),
 * parsing into struct bsc_cli, and the exit codes.
 */
#ifndef BSC_CLI_H
#define BSC_CLI_H
#ifndef BSC_INTERNAL
#error "scanner-internal header"
#endif

#include <stdio.h>

#include "breachscope.h"
#include "lookup.h"
#include "util.h"

/* Exit codes (documented in README and breachscope(1)). */
enum bsc_exit {
	BSC_EXIT_CLEAN = 0,      /* all scanned, nothing found */
	BSC_EXIT_FOUND = 1,      /* data found, or the policy violated */
	BSC_EXIT_INCOMPLETE = 2, /* an item not read fully (wins over 1) */
	BSC_EXIT_USAGE = 3       /* could not run: usage, policy, rules,
				  * baseline or report file, output */
};

enum bsc_command {
	BSC_CMD_NONE = 0,
	BSC_CMD_SCAN,
	BSC_CMD_RULES_CHECK,
	BSC_CMD_RULES_LIST,
	BSC_CMD_MERGE,
	BSC_CMD_REPORT,
	BSC_CMD_DIFF,
	BSC_CMD_LOOKUP,
	BSC_CMD_HELP,
	BSC_CMD_VERSION
};

struct bsc_cli {
	enum bsc_command cmd;
	const char *format;       /* report format of stdout, and of a plain
				   * -o FILE whose name says nothing */
	bool format_set;          /* --format was given */
	struct bsc_vec outputs;   /* const char*: -o [FMT:]FILE values */
	const char *policy;       /* --policy FILE */
	bool no_policy;           /* --no-policy */
	const char *baseline;     /* --baseline FILE (report or baseline) */
	const char *write_baseline; /* --write-baseline FILE */
	double max_growth;        /* --max-growth PCT (default 0) */
	bool max_growth_set;
	struct bsc_vec fail_on;   /* const char*: --fail-on lists */
	int fail_on_severity;     /* -1: off */
	bool allow_incomplete;
	const char *lang;         /* --lang en|fr */
	bool hash;                /* --hash */
	unsigned shard_k, shard_n;
	const char *person_key_file;
	const char *person_index; /* scan --person-index FILE */
	const char *index;        /* lookup --index FILE */
	struct bsc_lookup_query query; /* lookup: what is looked for */
	char **argv;              /* the command line (borrowed) */
	struct bsc_vec shown;     /* char*, owned: the command line without
				   * argv[0], secrets replaced by "***" */
	int argc;
	unsigned jobs;            /* -j N; 0: one per core */
	const char *reader;       /* forced reader, or NULL */
	struct bsc_vec rules;     /* const char*: --rules FILE */
	struct bsc_vec paths;     /* const char*: operands */
	struct bsc_vec excludes;  /* const char*: --exclude, in order */
	struct bsc_vec includes;  /* const char*: --include */
	const char *ignore_file;  /* --ignore-file FILE */
	bool no_ignore_file;      /* --no-ignore-file */
	struct bsc_vec passwords; /* const char*: --password */
	bool show_values;
	bool quiet;
	bool follow_symlinks;
	int progress;             /* -1 auto, 0 off, 1 on */
	int color;                /* -1 auto, 0 off, 1 on */
	int min_confidence;
	struct bsc_limits limits;
};

/*
 * Parse argv into *cli (argv strings are borrowed). Returns 0 on success;
 * on a usage error writes "breachscope: ..." and a hint to err and
 * returns BSC_EXIT_USAGE. Release with bsc_cli_release.
 */
int bsc_cli_parse(struct bsc_cli *cli, int argc, char **argv, FILE *err);
void bsc_cli_release(struct bsc_cli *cli);

/*
 * The report format and file of one -o value v, in *format (a static
 * string) and *path (inside v; NULL for stdout, "-"): a "FMT:" prefix
 * first, then the file's extension (.json, .jsonl/.ndjson, .sarif and
 * .sarif.json, .csv, .xml for JUnit, .html/.htm, .txt), then --format.
 * Returns 0, or BSC_EXIT_USAGE with a message on err (if not NULL) when
 * the name says nothing and there is no --format, or when the name and
 * --format disagree.
 */
int bsc_cli_output(const struct bsc_cli *cli, const char *v,
		   const char **format, const char **path, FILE *err);

/* Write the --help text, generated from the option table. */
void bsc_cli_help(FILE *out);

/* Run the parsed command; returns the process exit code. */
int bsc_cli_run(struct bsc_cli *cli);

#endif
