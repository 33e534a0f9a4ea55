/*
 * test_e2e.c - runs the built binary ($BSC_BIN) like a user does: golden
 * JSON reports for every fixture that has one in fixtures/expected/, exit
 * codes, standard input, masking of every raw value, determinism.
 * BSC_UPDATE_GOLDEN=1 rewrites the golden files: review the diff like code.
 */
#include <dirent.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "testlib.h"

struct result {
	int code;
	char *out;
	char *err;
};

static char *
slurp_fd(int fd)
{
	size_t cap = 4096, len = 0;
	char *buf = malloc(cap);
	ssize_t n;

	lseek(fd, 0, SEEK_SET);
	while ((n = read(fd, buf + len, cap - len - 1)) > 0) {
		len += (size_t)n;
		if (cap - len < 2) {
			cap *= 2;
			buf = realloc(buf, cap);
		}
	}
	buf[len] = '\0';
	return buf;
}

/* Run $BSC_BIN with args in dir; stdin from in_path (or /dev/null). */
static struct result
run(const char *dir, const char *in_path, const char *const *args)
{
	char outt[] = "/tmp/bsc-e2e-out-XXXXXX";
	char errt[] = "/tmp/bsc-e2e-err-XXXXXX";
	int ofd = mkstemp(outt), efd = mkstemp(errt);
	const char *bin = getenv("BSC_BIN");
	struct result r = {0};
	pid_t pid;
	int st;

	ck_assert_msg(bin != NULL, "BSC_BIN is not set");
	ck_assert(ofd >= 0 && efd >= 0);
	unlink(outt);
	unlink(errt);
	pid = fork();
	ck_assert(pid >= 0);
	if (pid == 0) {
		const char *argv[32];
		int n = 0;
		int in = open(in_path ? in_path : "/dev/null", O_RDONLY);

		argv[n++] = bin;
		for (int i = 0; args[i] && n < 31; i++)
			argv[n++] = args[i];
		argv[n] = NULL;
		if (dir && chdir(dir) != 0)
			_exit(127);
		dup2(in, 0);
		dup2(ofd, 1);
		dup2(efd, 2);
		execv(bin, (char *const *)argv);
		_exit(127);
	}
	waitpid(pid, &st, 0);
	r.code = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
	r.out = slurp_fd(ofd);
	r.err = slurp_fd(efd);
	close(ofd);
	close(efd);
	return r;
}

static void
result_free(struct result *r)
{
	free(r->out);
	free(r->err);
}

static const char *
fixtures(void)
{
	const char *f = getenv("BSC_FIXTURES");

	return f ? f : "fixtures";
}

/* Collect fixtures/expected/<rel>.json paths (rel relative to expected). */
static void
collect(const char *base, const char *rel, char list[][256], int *n, int max)
{
	char path[4096];
	struct dirent **ents;
	int k;

	snprintf(path, sizeof(path), "%s/expected%s%s", base, *rel ? "/" : "",
		 rel);
	k = scandir(path, &ents, NULL, alphasort);
	for (int i = 0; i < k; i++) {
		char sub[256];
		struct stat st;
		char full[4096];

		if (ents[i]->d_name[0] == '.') {
			free(ents[i]);
			continue;
		}
		snprintf(sub, sizeof(sub), "%s%s%s", rel, *rel ? "/" : "",
			 ents[i]->d_name);
		snprintf(full, sizeof(full), "%s/%s", path, ents[i]->d_name);
		if (stat(full, &st) == 0 && S_ISDIR(st.st_mode))
			collect(base, sub, list, n, max);
		else if (*n < max && strlen(sub) > 5 &&
			 !strcmp(sub + strlen(sub) - 5, ".json"))
			snprintf(list[(*n)++], 256, "%s", sub);
		free(ents[i]);
	}
	if (k > 0)
		free(ents);
}

START_TEST(test_e2e_golden_json)
{
	static char list[128][256];
	int n = 0;
	bool update = getenv("BSC_UPDATE_GOLDEN") != NULL;

	collect(fixtures(), "", list, &n, 128);
	ck_assert_msg(n >= 10, "only %d golden files", n);
	for (int i = 0; i < n; i++) {
		char rel[256], gpath[4096];
		const char *args[] = {"scan", "--format", "json", "--no-progress",
				      rel, NULL};
		struct result r;
		FILE *g;

		snprintf(rel, sizeof(rel), "%.*s", (int)strlen(list[i]) - 5,
			 list[i]);
		snprintf(gpath, sizeof(gpath), "%s/expected/%s", fixtures(),
			 list[i]);
		r = run(fixtures(), NULL, args);
		ck_assert_msg(r.code <= 2, "%s: exit %d", rel, r.code);
		if (update) {
			g = fopen(gpath, "w");
			fputs(r.out, g);
			fclose(g);
		} else {
			int fd = open(gpath, O_RDONLY);
			char *want = slurp_fd(fd);

			close(fd);
			ck_assert_msg(!strcmp(want, r.out),
				      "%s: JSON differs from %s (run with "
				      "BSC_UPDATE_GOLDEN=1 and review the "
				      "diff)",
				      rel, gpath);
			free(want);
		}
		result_free(&r);
	}
}
END_TEST

START_TEST(test_e2e_exit_codes)
{
	static const struct {
		const char *args[6];
		int code;
	} t[] = {
		{{"scan", "csv/clean-inventory.csv", NULL}, 0},
		{{"scan", "csv/patients-fr-semicolon.csv", NULL}, 1},
		{{"scan", "csv/bad-unterminated-quote.csv", NULL}, 2},
		{{"scan", "csv/bad-invalid-encoding.csv", NULL}, 2},
		{{"scan", "csv/bad-binary.csv", NULL}, 0},
		{{"scan", "xml/clean-config.xml", "fhir/clean-capability.json",
		  NULL},
		 0},
		{{"scan", "xml/cda-ins-rpps-lab.xml", NULL}, 1},
		{{"scan", "fhir/bulk-export.ndjson", NULL}, 1},
		{{"scan", "xml/bad-billion-laughs.xml", NULL}, 2},
		{{"scan", "--reader", "xml", "csv/clean-inventory.csv", NULL}, 2},
		{{"scan", "--max-depth", "300", "xml/clean-config.xml", NULL}, 2},
		{{"scan", "csv/clean-stats.csv", "csv/patients-en-comma.csv", NULL},
		 1},
		{{"scan", "csv/patients-en-comma.csv", "no-such-file.csv", NULL},
		 2},
		{{"scan", NULL}, 2},
		{{"scan", "--format", "yaml", "csv", NULL}, 2},
		{{"--version", NULL}, 0},
		{{"rules", "check", NULL}, 0},
		{{"rules", "check", "rules/valid/failing-example.yml", NULL}, 1},
		{{"rules", "check", "rules/invalid/bad-regex.yml", NULL}, 2},
		{{NULL}, 0},
	};

	for (int i = 0; t[i].args[0]; i++) {
		struct result r = run(fixtures(), NULL, t[i].args);

		ck_assert_msg(r.code == t[i].code, "case %d (%s %s): exit %d, want %d",
			      i, t[i].args[0], t[i].args[1] ? t[i].args[1] : "",
			      r.code, t[i].code);
		result_free(&r);
	}
}
END_TEST

START_TEST(test_e2e_stdin)
{
	char in[4096];
	const char *args[] = {"scan", "--format", "json", "-", NULL};
	struct result r;

	snprintf(in, sizeof(in), "%s/csv/patients-fr-semicolon.csv", fixtures());
	r = run(NULL, in, args);
	ck_assert_int_eq(r.code, 1);
	ck_assert_ptr_nonnull(strstr(r.out, "\"path\": \"-\""));
	ck_assert_ptr_nonnull(strstr(r.out, "\"national_id\""));
	result_free(&r);
}
END_TEST

/* Split a CSV fixture into its cell values (simple: no quotes there). */
static int
cells(const char *path, char vals[][128], int max)
{
	FILE *f = fopen(path, "r");
	char line[2048];
	int n = 0;
	bool header = true;

	ck_assert_ptr_nonnull(f);
	while (fgets(line, sizeof(line), f)) {
		if (header) {
			header = false;
			continue;
		}
		for (char *t = strtok(line, ";\r\n"); t && n < max;
		     t = strtok(NULL, ";\r\n"))
			if (strlen(t) >= 4)
				snprintf(vals[n++], 128, "%s", t);
	}
	fclose(f);
	return n;
}

START_TEST(test_e2e_no_raw_value_leaks)
{
	static char vals[512][128];
	char path[4096];
	const char *fmts[] = {"text", "json"};
	int n;

	snprintf(path, sizeof(path), "%s/csv/patients-fr-semicolon.csv",
		 fixtures());
	n = cells(path, vals, 512);
	ck_assert_int_gt(n, 50);
	/* The same people as CSV and as an XML table: no value may leak. */
	for (int k = 0; k < 4; k++) {
		const char *args[] = {"scan", "--format", fmts[k % 2],
				      k < 2 ? "csv/patients-fr-semicolon.csv"
					    : "xml/patients-table.xml",
				      NULL};
		struct result r = run(fixtures(), NULL, args);

		for (int i = 0; i < n; i++) {
			ck_assert_msg(!strstr(r.out, vals[i]),
				      "%s report of %s shows a raw value "
				      "(cell %d)",
				      fmts[k % 2], args[3], i);
			ck_assert_msg(!strstr(r.err, vals[i]),
				      "stderr shows a raw value (cell %d)", i);
		}
		result_free(&r);
	}
	{
		const char *args[] = {"scan", "--show-values",
				      "csv/patients-fr-semicolon.csv", NULL};
		struct result r = run(fixtures(), NULL, args);
		int shown = 0;

		for (int i = 0; i < n; i++)
			shown += strstr(r.out, vals[i]) != NULL;
		ck_assert_int_gt(shown, 5);
		result_free(&r);
	}
}
END_TEST

START_TEST(test_e2e_deterministic)
{
	const char *args[] = {"scan", "--format", "json", ".", NULL};
	struct result a = run(fixtures(), NULL, args);
	struct result b = run(fixtures(), NULL, args);

	ck_assert_int_eq(a.code, 2); /* the bad-* fixtures are in there */
	ck_assert_str_eq(a.out, b.out);
	ck_assert_ptr_nonnull(strstr(a.out, "\"summary\""));
	result_free(&a);
	result_free(&b);
}
END_TEST

START_TEST(test_e2e_bad_files_do_not_stop_the_run)
{
	const char *args[] = {"scan", "--format", "json",
			      "csv/bad-invalid-encoding.csv", "csv/bad-binary.csv",
			      "csv/patients-en-comma.csv", NULL};
	struct result r = run(fixtures(), NULL, args);

	ck_assert_int_eq(r.code, 2);
	ck_assert_ptr_nonnull(strstr(r.out, "\"status\": \"failed\""));
	ck_assert_ptr_nonnull(strstr(r.out, "\"status\": \"skipped\""));
	ck_assert_ptr_nonnull(strstr(r.out, "patients-en-comma.csv"));
	ck_assert_ptr_nonnull(strstr(r.err, "bad-invalid-encoding.csv: failed"));
	result_free(&r);
}
END_TEST

/* -o inside a scanned directory: the report is never read back. */
START_TEST(test_e2e_report_file_not_scanned)
{
	const char *dir = bsc_tmpdir();
	char out[4096];
	const char *args[] = {"scan", "--format", "json", "-o", out, dir, NULL};
	struct result r;
	char *text;
	int fd;

	snprintf(out, sizeof(out), "%s/report.json", dir);
	bsc_write_file(dir, "a.csv", "email\nx@exemple.fr\n", 19);
	r = run(NULL, NULL, args);
	ck_assert_int_eq(r.code, 1);
	fd = open(out, O_RDONLY);
	text = slurp_fd(fd);
	close(fd);
	ck_assert_ptr_nonnull(strstr(text, "the report being written"));
	free(text);
	result_free(&r);
}
END_TEST

static Suite *
suite_e2e(void)
{
	Suite *s = suite_create("e2e");
	TCase *tc = tcase_create("binary");

	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_e2e_golden_json);
	tcase_add_test(tc, test_e2e_exit_codes);
	tcase_add_test(tc, test_e2e_stdin);
	tcase_add_test(tc, test_e2e_no_raw_value_leaks);
	tcase_add_test(tc, test_e2e_deterministic);
	tcase_add_test(tc, test_e2e_bad_files_do_not_stop_the_run);
	tcase_add_test(tc, test_e2e_report_file_not_scanned);
	suite_add_tcase(s, tc);
	return s;
}

BSC_TEST_MAIN(suite_e2e)
