/*
 * test_cli.c - option parsing, usage errors, and that --help and the man
 * page describe every option of the table.
 */
#include <string.h>

#include "cli.h"
#include "testlib.h"

/* argv points into a static buffer: valid until the next parse(). */
static int
parse(struct bsc_cli *cli, const char *line)
{
	static char buf[512];
	char *argv[32];
	int argc = 0;
	FILE *devnull = fopen("/dev/null", "w");
	int rc;

	snprintf(buf, sizeof(buf), "%s", line);
	for (char *t = strtok(buf, " "); t && argc < 31; t = strtok(NULL, " "))
		argv[argc++] = t;
	argv[argc] = NULL;
	rc = bsc_cli_parse(cli, argc, argv, devnull);
	fclose(devnull);
	return rc;
}

START_TEST(test_cli_scan_options)
{
	struct bsc_cli cli;

	ck_assert_int_eq(parse(&cli, "breachscope scan --format=json -o out.json "
				     "--max-file-size 2M --max-field=64K -q "
				     "--max-depth 40 --max-document=1M "
				     "--rules a.yml --rules b.yml --show-values "
				     "x.csv - dir"),
			 0);
	ck_assert_int_eq(cli.cmd, BSC_CMD_SCAN);
	ck_assert_str_eq(cli.format, "json");
	ck_assert_uint_eq(cli.outputs.n, 1);
	ck_assert_str_eq(cli.outputs.v[0], "out.json");
	ck_assert_uint_eq(cli.limits.max_file_size, 2 * 1024 * 1024);
	ck_assert_uint_eq(cli.limits.max_field, 64 * 1024);
	ck_assert_uint_eq(cli.limits.max_nesting, 40);
	ck_assert_uint_eq(cli.limits.max_document, 1024 * 1024);
	ck_assert(cli.quiet);
	ck_assert(cli.show_values);
	ck_assert_uint_eq(cli.rules.n, 2);
	ck_assert_uint_eq(cli.paths.n, 3);
	ck_assert_str_eq(cli.paths.v[1], "-");
	bsc_cli_release(&cli);
}
END_TEST

START_TEST(test_cli_archive_options)
{
	struct bsc_cli cli;

	ck_assert_int_eq(parse(&cli, "breachscope scan --max-archive-depth 3 "
				     "--max-members=10 --max-ratio 50 "
				     "--ratio-threshold 1M --max-total-size 2G "
				     "--max-time 90s --max-seek-buffer 8M "
				     "--password a --password=b x.zip"),
			 0);
	ck_assert_uint_eq(cli.limits.max_depth, 3);
	ck_assert_uint_eq(cli.limits.max_members, 10);
	ck_assert_uint_eq(cli.limits.max_ratio, 50);
	ck_assert_uint_eq(cli.limits.ratio_threshold, 1024 * 1024);
	ck_assert_uint_eq(cli.limits.max_total, 2ull << 30);
	ck_assert_uint_eq(cli.limits.max_time_ms, 90000);
	ck_assert_uint_eq(cli.limits.max_seek_buffer, 8 << 20);
	ck_assert_uint_eq(cli.passwords.n, 2);
	ck_assert_str_eq(cli.passwords.v[1], "b");
	bsc_cli_release(&cli);
	/* The defaults, as documented. */
	ck_assert_int_eq(parse(&cli, "breachscope scan x.zip"), 0);
	ck_assert_uint_eq(cli.limits.max_depth, 8);
	ck_assert_uint_eq(cli.limits.max_members, 100000);
	ck_assert_uint_eq(cli.limits.max_ratio, 100);
	ck_assert_uint_eq(cli.limits.ratio_threshold, 16 << 20);
	ck_assert_uint_eq(cli.limits.max_total, 64ull << 30);
	ck_assert_uint_eq(cli.limits.max_time_ms, 600000);
	ck_assert_uint_eq(cli.limits.max_seek_buffer, 64 << 20);
	bsc_cli_release(&cli);
}
END_TEST

START_TEST(test_cli_usage_errors)
{
	static const char *const bad[] = {
		"breachscope",
		"breachscope frobnicate",
		"breachscope scan",
		"breachscope scan --format xml a",
		"breachscope scan --max-file-size lots a",
		"breachscope scan --nope a",
		"breachscope scan -o",
		"breachscope scan --min-confidence extreme a",
		"breachscope scan --show-values=yes a",
		"breachscope scan --fail-on-severity extreme a",
		"breachscope scan --format pdf a",
		"breachscope report",
		"breachscope scan --shard 4/3 a",
		"breachscope scan --shard 0/3 a",
		"breachscope scan --lang de a",
		"breachscope merge",
		"breachscope scan --max-archive-depth 65 a",
		"breachscope scan --max-archive-depth 0 a",
		"breachscope scan --max-time soon a",
		"breachscope scan --max-time 0 a",
		"breachscope scan --max-ratio 0 a",
		"breachscope scan --password",
		"breachscope scan --max-depth 300 a",
		"breachscope scan --max-depth 0 a",
		"breachscope scan --reader pptx a", /* no such reader */
		/* Issue 17: numbers that wrapped or made no sense. */
		"breachscope scan --shard 4294967297/4294967298 a",
		"breachscope scan --shard -1/3 a",
		"breachscope scan --shard 1/3x a",
		"breachscope scan --shard +1/3 a",
		"breachscope scan --shard 1/+3 a",
		"breachscope scan --shard 1/ a",
		"breachscope scan --max-members 99999999999999 a",
		"breachscope scan --max-columns 2T a",
		"breachscope scan --max-field 18446744073709551615 a",
		"breachscope scan --max-record 2G a",
		"breachscope scan --max-persons-exact 1T a",
		"breachscope scan --max-ratio 1G a",
		"breachscope scan --max-time 18446744073709551s a",
		"breachscope scan --max-time 400d a",
		"breachscope scan --max-file-size 99999999999999999999 a",
		"breachscope scan --max-file-size -1 a",
		NULL};

	for (int i = 0; bad[i]; i++) {
		struct bsc_cli cli;

		ck_assert_msg(parse(&cli, bad[i]) == BSC_EXIT_USAGE, "'%s'",
			      bad[i]);
		bsc_cli_release(&cli);
	}
}
END_TEST

/* -o: the format from "FMT:", then the extension, then --format. */
START_TEST(test_cli_output_format)
{
	static const struct {
		const char *line, *value, *format, *path; /* NULL: stdout */
	} t[] = {
		{"scan -o r.json a", "r.json", "json", "r.json"},
		{"scan -o r.JSON a", "r.JSON", "json", "r.JSON"},
		{"scan -o r.jsonl a", "r.jsonl", "jsonl", "r.jsonl"},
		{"scan -o r.ndjson a", "r.ndjson", "jsonl", "r.ndjson"},
		{"scan -o scan.sarif a", "scan.sarif", "sarif", "scan.sarif"},
		{"scan -o s.sarif.json a", "s.sarif.json", "sarif", "s.sarif.json"},
		{"scan -o f.csv a", "f.csv", "csv", "f.csv"},
		{"scan -o junit.xml a", "junit.xml", "junit", "junit.xml"},
		{"scan -o r.html a", "r.html", "html", "r.html"},
		{"scan -o r.htm a", "r.htm", "html", "r.htm"},
		{"scan -o r.txt a", "r.txt", "text", "r.txt"},
		/* the prefix wins over the extension */
		{"scan -o summary:x.txt a", "summary:x.txt", "summary", "x.txt"},
		{"scan -o json:x.sarif a", "json:x.sarif", "json", "x.sarif"},
		{"scan -o inventory:x a", "inventory:x", "inventory", "x"},
		{"scan -o sarif:- a", "sarif:-", "sarif", NULL},
		/* --format for a name that says nothing, and for stdout */
		{"scan -f json -o report a", "report", "json", "report"},
		{"scan -o - a", "-", "text", NULL},
		{"scan -f summary -o s.txt a", "s.txt", "summary", "s.txt"},
		{"scan -f inventory -o i.csv a", "i.csv", "inventory", "i.csv"},
		{"scan -f sarif -o r.sarif a", "r.sarif", "sarif", "r.sarif"},
		/* a colon that is no format prefix belongs to the name */
		{"scan -o a:b.json a", "a:b.json", "json", "a:b.json"},
		{"merge -o m.json a.json", "m.json", "json", "m.json"},
		{"merge -o json:m.json a.json", "json:m.json", "json", "m.json"},
		{"merge -o summary:x.txt a.json", "summary:x.txt", "summary", "x.txt"},
		{"report -o r.html a.json", "r.html", "html", "r.html"},
		{"diff -o d.html a.json b.json", "d.html", "html", "d.html"},
		{NULL, NULL, NULL, NULL},
	};

	for (int i = 0; t[i].line; i++) {
		struct bsc_cli cli;
		const char *fmt, *path;
		char line[256];

		snprintf(line, sizeof(line), "breachscope %s", t[i].line);
		ck_assert_msg(parse(&cli, line) == 0, "%s", line);
		ck_assert_int_eq(bsc_cli_output(&cli, t[i].value, &fmt, &path,
						NULL),
				 0);
		ck_assert_msg(!strcmp(fmt, t[i].format), "%s: %s", line, fmt);
		if (t[i].path)
			ck_assert_msg(path && !strcmp(path, t[i].path), "%s: %s",
				      line, path ? path : "(stdout)");
		else
			ck_assert_msg(!path, "%s: %s", line, path);
		bsc_cli_release(&cli);
	}
}
END_TEST

/* Names that say nothing, or disagree with --format: usage errors that
 * name the known extensions and the prefix form. */
START_TEST(test_cli_output_errors)
{
	static const char *const bad[] = {
		"scan -o scan.out a",
		"scan -o report a",
		"scan -o summary: a",
		"scan -o person-index:x a", /* internal, not a report */
		"scan -f sarif -o r.json a",
		"scan -f text -o scan.sarif a",
		"merge -o merged a.json",
		"merge -o out.dat a.json",
		"report -o x.md a.json",
		"diff -o d.sarif a.json b.json",
		"diff -o a.json -o b.json a.json b.json",
		"lookup --index i --person-key-file k --nir 1 -o x.json",
		NULL};

	for (int i = 0; bad[i]; i++) {
		struct bsc_cli cli;
		char line[256], *msg = NULL;
		size_t len = 0;
		FILE *mem = open_memstream(&msg, &len);
		char *argv[16];
		int argc = 0;

		snprintf(line, sizeof(line), "breachscope %s", bad[i]);
		for (char *p = strtok(line, " "); p && argc < 15;
		     p = strtok(NULL, " "))
			argv[argc++] = p;
		argv[argc] = NULL;
		ck_assert_msg(bsc_cli_parse(&cli, argc, argv, mem) ==
				      BSC_EXIT_USAGE,
			      "'%s'", bad[i]);
		fclose(mem);
		if (strstr(bad[i], "scan.out"))
			ck_assert_msg(strstr(msg, ".sarif") &&
					      strstr(msg, "FMT:FILE") &&
					      strstr(msg, "summary:scan.out"),
				      "%s", msg);
		if (strstr(bad[i], "-f sarif"))
			ck_assert_msg(strstr(msg, "sarif:r.json"), "%s", msg);
		free(msg);
		bsc_cli_release(&cli);
	}
}
END_TEST

START_TEST(test_cli_rules_commands)
{
	struct bsc_cli cli;

	ck_assert_int_eq(parse(&cli, "breachscope rules check a.yml"), 0);
	ck_assert_int_eq(cli.cmd, BSC_CMD_RULES_CHECK);
	ck_assert_uint_eq(cli.paths.n, 1);
	bsc_cli_release(&cli);
	ck_assert_int_eq(parse(&cli, "breachscope rules list"), 0);
	ck_assert_int_eq(cli.cmd, BSC_CMD_RULES_LIST);
	bsc_cli_release(&cli);
	ck_assert_int_eq(parse(&cli, "breachscope --version"), 0);
	ck_assert_int_eq(cli.cmd, BSC_CMD_VERSION);
	bsc_cli_release(&cli);
}
END_TEST

static char *
slurp(const char *path)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	long n;

	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	buf = calloc(1, (size_t)n + 1);
	if (fread(buf, 1, (size_t)n, f) != (size_t)n)
		n = 0;
	fclose(f);
	return buf;
}

START_TEST(test_cli_help_and_man_cover_options)
{
	static const char *const longs[] = {
		"allow-incomplete", "baseline", "color", "fail-on",
		"fail-on-severity", "follow-symlinks", "format", "help",
		"max-columns", "no-policy", "policy", "hash", "lang",
		"person-key-file", "shard", "max-persons-exact",
		"max-archive-depth", "max-members", "max-ratio",
		"max-seek-buffer", "max-time", "max-total-size", "password",
		"ratio-threshold", "max-depth", "max-document",
		"max-field", "max-file-size", "max-record", "min-confidence",
		"jobs", "exclude", "include", "ignore-file", "no-ignore-file",
		"max-growth", "write-baseline",
		"no-color", "no-progress", "output", "progress", "quiet",
		"reader", "rules", "show-values", "version", NULL};
	char path[4096];
	char *help = NULL, *man;
	size_t len = 0;
	FILE *mem = open_memstream(&help, &len);

	bsc_cli_help(mem);
	fclose(mem);
	snprintf(path, sizeof(path), "%s/docs/breachscope.1",
		 getenv("BSC_SOURCE") ? getenv("BSC_SOURCE") : ".");
	man = slurp(path);
	ck_assert_msg(man != NULL, "cannot read %s", path);
	for (int i = 0; longs[i]; i++) {
		char opt[64], manopt[128];
		size_t m = 0;

		snprintf(opt, sizeof(opt), "--%s", longs[i]);
		/* roff escapes every dash: \-\-max\-field */
		for (const char *p = opt; *p && m + 3 < sizeof(manopt); p++) {
			if (*p == '-')
				manopt[m++] = '\\';
			manopt[m++] = *p;
		}
		manopt[m] = '\0';
		ck_assert_msg(strstr(help, opt), "--help lacks %s", opt);
		ck_assert_msg(strstr(man, manopt), "man page lacks %s", opt);
	}
	ck_assert_ptr_nonnull(strstr(help, "Exit codes"));
	free(help);
	free(man);
}
END_TEST

static Suite *
suite_cli(void)
{
	Suite *s = suite_create("cli");
	TCase *tc = tcase_create("parse");
	TCase *td = tcase_create("docs");

	tcase_add_test(tc, test_cli_scan_options);
	tcase_add_test(tc, test_cli_archive_options);
	tcase_add_test(tc, test_cli_usage_errors);
	tcase_add_test(tc, test_cli_rules_commands);
	tcase_add_test(tc, test_cli_output_format);
	tcase_add_test(tc, test_cli_output_errors);
	tcase_add_test(td, test_cli_help_and_man_cover_options);
	suite_add_tcase(s, tc);
	suite_add_tcase(s, td);
	return s;
}

BSC_TEST_MAIN(suite_cli)
