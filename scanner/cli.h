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
	BSC_EXIT_CLEAN = 0,   /* all scanned, nothing found */
	BSC_EXIT_FOUND = 1,   /* personal or medical data found */
	BSC_EXIT_ERROR = 2    /* usage error or incomplete scan (wins) */
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
	const char *format;       /* report format of plain -o / stdout */
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
 * returns BSC_EXIT_ERROR. Release with bsc_cli_release.
 */
int bsc_cli_parse(struct bsc_cli *cli, int argc, char **argv, FILE *err);
void bsc_cli_release(struct bsc_cli *cli);

/* Write the --help text, generated from the option table. */
void bsc_cli_help(FILE *out);

/* Run the parsed command; returns the process exit code. */
int bsc_cli_run(struct bsc_cli *cli);

#endif
