/*
 * test_e2e.c - runs the built binary ($BSC_BIN) like a user does: golden
 * JSON reports for every fixture that has one in fixtures/expected/, exit
 * codes, standard input, masking of every raw value, determinism.
 * BSC_UPDATE_GOLDEN=1 rewrites the golden files: review the diff like code.
 */
#include <dirent.h>
#include <openssl/evp.h>
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

/*
 * The report format of a golden file from its last suffix, and the length
 * of the fixture path in front of it: "csv/a.csv.sarif" -> sarif, 9.
 */
static const char *
golden_format(const char *name, size_t *stem)
{
	static const char *const map[][2] = {
		{".junit.xml", "junit"}, {".jsonl", "jsonl"},
		{".sarif", "sarif"},     {".json", "json"},
		{".csv", "csv"},
	};
	size_t n = strlen(name);

	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++) {
		size_t l = strlen(map[i][0]);

		if (n > l && !strcmp(name + n - l, map[i][0])) {
			if (stem)
				*stem = n - l;
			return map[i][1];
		}
	}
	return NULL;
}

/* Collect fixtures/expected/<rel>.<fmt> paths (rel relative to expected). */
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
		else if (*n < max && golden_format(sub, NULL))
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
		size_t stem = 0;
		const char *fmt = golden_format(list[i], &stem);
		const char *args[] = {"scan", "--format", fmt, "--no-progress",
				      rel, NULL};
		struct result r;
		FILE *g;

		snprintf(rel, sizeof(rel), "%.*s", (int)stem, list[i]);
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
		{{"scan", "csv/bad-binary.csv", NULL}, 2}, /* not examined */
		{{"scan", "xml/clean-config.xml", "fhir/clean-capability.json",
		  NULL},
		 0},
		{{"scan", "xml/cda-ins-rpps-lab.xml", NULL}, 1},
		{{"scan", "fhir/bulk-export.ndjson", NULL}, 1},
		{{"scan", "xml/bad-billion-laughs.xml", NULL}, 2},
		{{"scan", "--reader", "xml", "csv/clean-inventory.csv", NULL}, 2},
		{{"scan", "--max-depth", "300", "xml/clean-config.xml", NULL}, 3},
		{{"scan", "csv/clean-stats.csv", "csv/patients-en-comma.csv", NULL},
		 1},
		{{"scan", "csv/patients-en-comma.csv", "no-such-file.csv", NULL},
		 2},
		{{"scan", NULL}, 3},
		{{"scan", "--format", "yaml", "csv", NULL}, 3},
		{{"--version", NULL}, 0},
		{{"rules", "check", NULL}, 0},
		{{"rules", "check", "rules/valid/failing-example.yml", NULL}, 1},
		{{"rules", "check", "rules/invalid/bad-regex.yml", NULL}, 3},
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

/*
 * Personal values of an HL7 v2 fixture: the components of the identity
 * fields of PID, NK1, IN1, PV1-7 and ROL (names, identifiers, dates,
 * addresses, phones, e-mails), at least 5 bytes long. OIDs (dotted) and
 * the code "Internet" are left out: type codes may be part of a slot name.
 */
static int
hl7_values(const char *path, char vals[][128], int max)
{
	static const struct {
		const char *seg;
		int fields[5];
	} pick[] = {
		{"PID|", {3, 5, 11, 13, 0}}, {"NK1|", {2, 5, 0}},
		{"IN1|", {16, 18, 19, 0}},    {"PV1|", {7, 0}},
		{"ROL|", {4, 11, 12, 0}},
	};
	FILE *f = fopen(path, "rb");
	static char data[65536];
	size_t n;
	int k = 0;

	ck_assert_ptr_nonnull(f);
	n = fread(data, 1, sizeof(data) - 1, f);
	fclose(f);
	data[n] = '\0';
	for (char *seg = strtok(data, "\r\n"); seg;
	     seg = strtok(NULL, "\r\n")) {
		for (size_t p = 0; p < sizeof(pick) / sizeof(pick[0]); p++) {
			char *fld = seg;
			int no = 0;

			if (strncmp(seg, pick[p].seg, 4))
				continue;
			while (fld && *fld) {
				char *end = strchr(fld, '|');
				size_t len = end ? (size_t)(end - fld)
						 : strlen(fld);
				bool want = false;

				for (int i = 0; pick[p].fields[i]; i++)
					want |= pick[p].fields[i] == no;
				for (size_t a = 0; want && a < len;) {
					size_t b = a;

					while (b < len &&
					       !strchr("^~&", fld[b]))
						b++;
					if (b - a >= 5 && b - a < 128 &&
					    !memchr(fld + a, '.', b - a) &&
					    strncmp(fld + a, "Internet", 8) &&
					    k < max) {
						memcpy(vals[k], fld + a, b - a);
						vals[k++][b - a] = '\0';
					}
					a = b + 1;
				}
				fld = end ? end + 1 : NULL;
				no++;
			}
		}
	}
	return k;
}

START_TEST(test_e2e_no_raw_value_leaks_hl7)
{
	static char vals[512][128];
	char path[4096];
	const char *fmts[] = {"text", "json"};
	const char *rel = "hl7/adt-a28-a01-a08-a04.hl7";
	int n;

	snprintf(path, sizeof(path), "%s/%s", fixtures(), rel);
	n = hl7_values(path, vals, 512);
	ck_assert_int_gt(n, 30);
	for (int k = 0; k < 2; k++) {
		const char *args[] = {"scan", "--format", fmts[k], rel, NULL};
		struct result r = run(fixtures(), NULL, args);

		for (int i = 0; i < n; i++) {
			ck_assert_msg(!strstr(r.out, vals[i]),
				      "%s report shows a raw value (%d)",
				      fmts[k], i);
			ck_assert_msg(!strstr(r.err, vals[i]),
				      "stderr shows a raw value (%d)", i);
		}
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
	ck_assert_ptr_nonnull(strstr(r.out, "not examined: binary data"));
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

START_TEST(test_e2e_gate_exit_codes)
{
	static const struct {
		const char *args[8];
		int code;
	} t[] = {
		/* a policy that allows professional identity */
		{{"scan", "--policy", "policy/annuaire-ok.yml",
		  "csv/professionals-pipe.csv", NULL}, 0},
		{{"scan", "--policy", "policy/annuaire-ok.yml",
		  "csv/contacts-identity-only.csv", NULL}, 1},
		/* never linked */
		{{"scan", "--policy", "policy/no-linked.yml",
		  "csv/medical-only.csv", "csv/contacts-identity-only.csv", NULL},
		 0},
		{{"scan", "--policy", "policy/no-linked.yml",
		  "csv/patients-en-comma.csv", NULL}, 1},
		/* flags without a file */
		{{"scan", "--fail-on", "medical", "csv/contacts-identity-only.csv",
		  NULL}, 0},
		{{"scan", "--fail-on", "linked", "csv/patients-en-comma.csv", NULL},
		 1},
		{{"scan", "--fail-on-severity", "health",
		  "csv/contacts-identity-only.csv", NULL}, 0},
		{{"scan", "--fail-on-severity", "contact",
		  "csv/contacts-identity-only.csv", NULL}, 1},
		/* incomplete coverage */
		{{"scan", "--fail-on", "medical", "csv/bad-unterminated-quote.csv",
		  NULL}, 2},
		{{"scan", "--fail-on", "medical", "--allow-incomplete",
		  "csv/bad-unterminated-quote.csv", NULL}, 0},
		/* errors in the policy itself: could not run */
		{{"scan", "--policy", "policy/invalid/no-path.yml", "csv", NULL}, 3},
		{{"scan", "--fail-on", "shoe_size", "csv", NULL}, 3},
		{{"scan", "--baseline", "no-such-report.json", "csv", NULL}, 3},
		{{NULL}, 0},
	};

	for (int i = 0; t[i].args[0]; i++) {
		struct result r = run(fixtures(), NULL, t[i].args);

		ck_assert_msg(r.code == t[i].code, "case %d: exit %d, want %d (%s)",
			      i, r.code, t[i].code, r.err);
		result_free(&r);
	}
}
END_TEST

/* Scan, take the report as a baseline, add a file: only it fails. */
START_TEST(test_e2e_baseline_round_trip)
{
	char dir[4096], base[4096], data[4096];
	const char *mail = "email\nana@exemple.fr\nluc@exemple.fr\n";
	const char *nir = "nir\n185057800608491\n";
	struct result r;
	int fd;
	char *text;

	snprintf(dir, sizeof(dir), "%s", bsc_tmpdir());
	snprintf(data, sizeof(data), "%s/data", dir);
	mkdir(data, 0700);
	snprintf(base, sizeof(base), "%s/baseline.json", dir);
	bsc_write_file(data, "a.csv", mail, strlen(mail));
	{
		const char *a1[] = {"scan", "--format", "json", "-o", base, data,
				    NULL};
		const char *a2[] = {"scan", "--baseline", base, data, NULL};

		r = run(NULL, NULL, a1);
		ck_assert_int_eq(r.code, 1);
		result_free(&r);
		r = run(NULL, NULL, a2);
		ck_assert_int_eq(r.code, 0); /* everything known */
		result_free(&r);
		bsc_write_file(data, "b.csv", nir, strlen(nir));
		r = run(NULL, NULL, a2);
		ck_assert_int_eq(r.code, 1); /* b.csv is new */
		result_free(&r);
	}
	{
		const char *a3[] = {"scan", "--baseline", base, "--format", "json",
				    data, NULL};

		r = run(NULL, NULL, a3);
		ck_assert_ptr_nonnull(strstr(r.out, "\"suppressed\": \"baseline\""));
		ck_assert_ptr_nonnull(strstr(r.out, "\"violations\": 1"));
		result_free(&r);
	}
	/* The baseline holds fingerprints and masked samples only. */
	fd = open(base, O_RDONLY);
	text = slurp_fd(fd);
	close(fd);
	ck_assert_ptr_null(strstr(text, "ana@exemple.fr"));
	free(text);
}
END_TEST

START_TEST(test_e2e_several_outputs)
{
	char dir[4096], j[4096], s[4096], c[4096];
	const char *args[] = {"scan", "-o", j, "-o", s, "-o", c,
			      "csv/patients-en-comma.csv", NULL};
	struct result r;
	const char *paths[3] = {j, s, c};
	const char *marks[3] = {"breachscope.report/1", "\"2.1.0\"",
				"\"path\",\"status\""};

	snprintf(dir, sizeof(dir), "%s", bsc_tmpdir());
	snprintf(j, sizeof(j), "json:%s/r.json", dir);
	snprintf(s, sizeof(s), "sarif:%s/r.sarif", dir);
	snprintf(c, sizeof(c), "csv:%s/r.csv", dir);
	r = run(fixtures(), NULL, args);
	ck_assert_int_eq(r.code, 1);
	ck_assert_str_eq(r.out, ""); /* all went to files */
	result_free(&r);
	for (int i = 0; i < 3; i++) {
		int fd = open(strchr(paths[i], ':') + 1, O_RDONLY);
		char *text;

		ck_assert_int_ge(fd, 0);
		text = slurp_fd(fd);
		close(fd);
		ck_assert_msg(strstr(text, marks[i]), "%s lacks %s", paths[i],
			      marks[i]);
		free(text);
	}
}
END_TEST

/* --hash: the SHA-256 of the item's bytes, and times; none without. */
START_TEST(test_e2e_hash_custody)
{
	const char *with[] = {"scan", "--hash", "--format", "json",
			      "csv/patients-fr-semicolon.csv", NULL};
	const char *without[] = {"scan", "--format", "json",
				 "csv/patients-fr-semicolon.csv", NULL};
	char path[4096], want[80], *data;
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int n = 0;
	struct result r;
	int fd;
	size_t len;

	snprintf(path, sizeof(path), "%s/csv/patients-fr-semicolon.csv",
		 fixtures());
	fd = open(path, O_RDONLY);
	data = slurp_fd(fd);
	close(fd);
	len = strlen(data);
	EVP_Digest(data, len, md, &n, EVP_sha256(), NULL);
	free(data);
	strcpy(want, "\"sha256\": \"");
	for (unsigned i = 0; i < 32; i++)
		snprintf(want + strlen(want), 3, "%02x", md[i]);
	r = run(fixtures(), NULL, with);
	ck_assert_msg(strstr(r.out, want), "sha256 missing or wrong");
	ck_assert_ptr_null(strstr(r.out, "\"started\": null"));
	ck_assert_ptr_nonnull(strstr(r.out, "\"rules_version\": \""));
	result_free(&r);
	r = run(fixtures(), NULL, without);
	ck_assert_ptr_nonnull(strstr(r.out, "\"sha256\": null"));
	ck_assert_ptr_nonnull(strstr(r.out, "\"started\": null"));
	result_free(&r);
}
END_TEST

/* Two tables, identity and medical, joined by a pseudonymous key. */
START_TEST(test_e2e_linkable_through_key)
{
	const char *dir = bsc_tmpdir();
	const char *ids = "id_patient;nom;prenom;email\n"
			  "P001;Dupont;Jean;jean@exemple.fr\n"
			  "P002;Martin;Luc;luc@exemple.fr\n";
	const char *dia = "id_patient;diagnostic\nP001;E11.9\nP003;I10\n";
	const char *other = "id_patient;diagnostic\nQ900;E11.9\n";
	const char *args[] = {"scan", "--format", "json", dir, NULL};
	struct result r;
	char d2[4096];

	bsc_write_file(dir, "identites.csv", ids, strlen(ids));
	bsc_write_file(dir, "diagnostics.csv", dia, strlen(dia));
	r = run(NULL, NULL, args);
	ck_assert_ptr_nonnull(strstr(r.out, "\"key\": \"id_patient\""));
	ck_assert_ptr_nonnull(strstr(r.out, "\"shared\": 1"));
	ck_assert_ptr_nonnull(strstr(r.out, "\"severity\": \"health_linked\""));
	result_free(&r);
	/* P001 in a key column is not a diagnosis code (P00.1) */
	{
		char one[4096];
		const char *a1[] = {"scan", "--format", "json", one, NULL};

		snprintf(one, sizeof(one), "%s/identites.csv", dir);
		r = run(NULL, NULL, a1);
		ck_assert_ptr_nonnull(strstr(r.out, "\"medical\": [\n      ]"));
		ck_assert_ptr_nonnull(strstr(r.out, "\"verdict\": \"identity\""));
		result_free(&r);
	}
	/* no shared value: not linkable */
	snprintf(d2, sizeof(d2), "%s", bsc_tmpdir());
	bsc_write_file(d2, "identites.csv", ids, strlen(ids));
	bsc_write_file(d2, "diagnostics.csv", other, strlen(other));
	args[3] = d2;
	r = run(NULL, NULL, args);
	ck_assert_ptr_nonnull(strstr(r.out, "\"linkable\": [\n    ]"));
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
	ck_assert_ptr_nonnull(strstr(r.out, "not fully scanned (2):"));
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
	tcase_add_test(tc, test_e2e_no_raw_value_leaks_hl7);
	tcase_add_test(tc, test_e2e_deterministic);
	tcase_add_test(tc, test_e2e_bad_files_do_not_stop_the_run);
	tcase_add_test(tc, test_e2e_report_file_not_scanned);
	tcase_add_test(tc, test_e2e_gate_exit_codes);
	tcase_add_test(tc, test_e2e_baseline_round_trip);
	tcase_add_test(tc, test_e2e_several_outputs);
	tcase_add_test(tc, test_e2e_hash_custody);
	tcase_add_test(tc, test_e2e_linkable_through_key);
	tcase_add_test(tc, test_e2e_archive_dump);
	tcase_add_test(tc, test_e2e_archive_stdin);
	tcase_add_test(tc, test_e2e_archive_bomb);
	suite_add_tcase(s, tc);
	return s;
}

BSC_TEST_MAIN(suite_e2e)
