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

/* Copy the file at path to fd, then exit (a pipe writer process). */
static void
feed(const char *path, int fd)
{
	int in = open(path, O_RDONLY);
	char buf[65536];
	ssize_t n;

	while (in >= 0 && (n = read(in, buf, sizeof(buf))) > 0)
		if (write(fd, buf, (size_t)n) != n)
			break;
	_exit(0);
}

/*
 * Run $BSC_BIN with args in dir; stdin from in_path (or /dev/null), a
 * regular file, or through a pipe when piped (not seekable).
 */
static struct result
run_ex(const char *dir, const char *in_path, const char *const *args,
       bool piped)
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

		if (piped) {
			int p[2];

			if (pipe(p) != 0)
				_exit(127);
			if (fork() == 0) {
				close(p[0]);
				feed(in_path, p[1]);
			}
			close(p[1]);
			close(in);
			in = p[0];
		}

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

static struct result
run(const char *dir, const char *in_path, const char *const *args)
{
	return run_ex(dir, in_path, args, false);
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
	for (int k = 0; k < 2; k++) {
		const char *args[] = {"scan", "--format", fmts[k],
				      "csv/patients-fr-semicolon.csv", NULL};
		struct result r = run(fixtures(), NULL, args);

		for (int i = 0; i < n; i++) {
			ck_assert_msg(!strstr(r.out, vals[i]),
				      "%s report shows a raw value (cell %d)",
				      fmts[k], i);
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

/* dir/dump.tar.gz: exports/nested.zip (the French patients), a clean
 * CSV and a symlink; made at test time. Returns the path. */
static const char *
make_dump(const char *dir)
{
	char p1[4096], p2[4096];
	size_t l1, l2, lz;
	char *patients, *clean, *zip;
	struct bsc_member in[2] = {{0}}, out[4] = {{0}};
	struct bsc_archive_spec zs = {.format = "zip"};
	struct bsc_archive_spec tgz = {.format = "pax", .filter = "gzip"};

	snprintf(p1, sizeof(p1), "%s/csv/patients-fr-semicolon.csv",
		 fixtures());
	snprintf(p2, sizeof(p2), "%s/csv/clean-inventory.csv", fixtures());
	patients = bsc_read_file(p1, &l1);
	clean = bsc_read_file(p2, &l2);
	in[0].name = "patients.csv";
	in[0].data = patients;
	in[0].len = l1;
	zip = bsc_read_file(bsc_make_archive(dir, "nested.zip", &zs, in),
			    &lz);
	out[0].name = "exports/nested.zip";
	out[0].data = zip;
	out[0].len = lz;
	out[1].name = "exports/inventory.csv";
	out[1].data = clean;
	out[1].len = l2;
	out[2].name = "exports/latest";
	out[2].type = 'l';
	out[2].target = "nested.zip";
	bsc_make_archive(dir, "dump.tar.gz", &tgz, out);
	free(patients);
	free(clean);
	free(zip);
	return "dump.tar.gz";
}

/* A new user scans a nested dump: every member with its verdict. */
START_TEST(test_e2e_archive_dump)
{
	const char *dir = bsc_tmpdir();
	const char *name = make_dump(dir);
	const char *text[] = {"scan", "--no-progress", "--no-color", name,
			      NULL};
	const char *json[] = {"scan", "--format", "json", name, NULL};
	struct result r = run(dir, NULL, text);

	ck_assert_int_eq(r.code, 1);
	ck_assert_ptr_nonnull(strstr(r.out, "dump.tar.gz  [tar.gz archive]\n"));
	ck_assert_ptr_nonnull(
		strstr(r.out, "\n  dump.tar.gz!/exports/nested.zip  [zip "
			      "archive]\n"));
	ck_assert_ptr_nonnull(
		strstr(r.out, "\n    dump.tar.gz!/exports/nested.zip!/"
			      "patients.csv  [csv, utf-8, 8 records]"));
	ck_assert_ptr_nonnull(strstr(r.out, "health data linked to persons"));
	ck_assert_ptr_nonnull(
		strstr(r.out, "dump.tar.gz!/exports/latest  [skipped]"));
	ck_assert_ptr_nonnull(
		strstr(r.out, "end of dump.tar.gz: tar.gz archive, 3 members"));
	ck_assert_ptr_null(strstr(r.out, "sophie.leroy@exemple.fr"));
	result_free(&r);
	r = run(dir, NULL, json);
	ck_assert_int_eq(r.code, 1);
	ck_assert_ptr_nonnull(strstr(
		r.out,
		"\"path\": \"dump.tar.gz!/exports/nested.zip!/patients.csv\""));
	ck_assert_ptr_nonnull(strstr(r.out, "\"verdict\": \"linked\""));
	ck_assert_ptr_null(strstr(r.out, "sophie.leroy@exemple.fr"));
	result_free(&r);
}
END_TEST

/* Archives on standard input: a redirected file, and a pipe. */
START_TEST(test_e2e_archive_stdin)
{
	const char *dir = bsc_tmpdir();
	const char *args[] = {"scan", "--format", "json", "-", NULL};
	char path[4096];

	snprintf(path, sizeof(path), "%s/%s", dir, make_dump(dir));
	for (int piped = 0; piped < 2; piped++) {
		struct result r = run_ex(NULL, path, args, piped);

		ck_assert_msg(r.code == 1, "piped %d: exit %d", piped, r.code);
		ck_assert_ptr_nonnull(strstr(
			r.out, "\"path\": \"-!/exports/nested.zip!/"
			       "patients.csv\""));
		ck_assert_ptr_nonnull(strstr(r.out, "\"format\": \"tar.gz\""));
		result_free(&r);
	}
}
END_TEST

/* A zip bomb: exit 2, and stderr says which limit, at once. */
START_TEST(test_e2e_archive_bomb)
{
	static char zeros[1 << 20];
	const char *dir = bsc_tmpdir();
	struct bsc_member m[2] = {{0}};
	struct bsc_archive_spec zs = {.format = "zip"};
	const char *args[] = {"scan", "--no-progress", "bomb.zip", NULL};
	struct result r;

	m[0].name = "zeros.bin";
	m[0].data = zeros;
	m[0].len = sizeof(zeros);
	m[0].repeat = 64;
	bsc_make_archive(dir, "bomb.zip", &zs, m);
	r = run(dir, NULL, args);
	ck_assert_int_eq(r.code, 2);
	ck_assert_ptr_nonnull(strstr(r.err, "bomb.zip!/zeros.bin: partial: "));
	ck_assert_ptr_nonnull(strstr(r.err, "--max-ratio (100)"));
	ck_assert_ptr_nonnull(strstr(r.out, "not fully scanned (1):"));
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
	tcase_add_test(tc, test_e2e_archive_dump);
	tcase_add_test(tc, test_e2e_archive_stdin);
	tcase_add_test(tc, test_e2e_archive_bomb);
	suite_add_tcase(s, tc);
	return s;
}

BSC_TEST_MAIN(suite_e2e)
