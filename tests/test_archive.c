/*
 * test_archive.c - archives and compressed files (scanner/containers/container.c and
 * its seams in scan.c and the sinks). Every archive is written at test
 * time with libarchive's write API (bsc_make_archive): the same synthetic
 * export in every container with identical findings, each limit on its
 * own, encrypted, truncated and corrupt members, special entries, paths
 * in the JSON and text reports, standard input, a zip bomb and a 20-level
 * nested zip. The module is container.c (see container.h for why it is
 * not archive.c); the suite is named after the feature.
 */
#include <dirent.h>
#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "container.h"
#include "ctx.h"
#include "report.h"
#include "testlib.h"

#define CSV_FIXTURE "csv/patients-fr-semicolon.csv"

static char *csv;
static size_t csv_len;

static void
load_csv(void)
{
	if (!csv)
		csv = bsc_read_file(bsc_fixture_path(CSV_FIXTURE), &csv_len);
}

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Pseudo-random printable text that does not compress much. */
static char *
noise(size_t n, unsigned seed)
{
	char *s = malloc(n + 1);
	uint32_t x = seed * 2654435761u + 1;

	for (size_t i = 0; i < n; i++) {
		x = x * 1103515245u + 12345u;
		s[i] = (i % 61 == 60) ? '\n' : (char)('a' + (x >> 16) % 26);
	}
	s[n] = '\0';
	return s;
}

static const struct bsc_collected_item *
must_item(const struct bsc_collect *c, const char *path)
{
	const struct bsc_collected_item *it = bsc_collect_item(c, path);

	if (!it) {
		for (size_t i = 0; i < c->n; i++)
			fprintf(stderr, "  have: %s\n", c->items[i].path);
		ck_abort_msg("no item %s", path);
	}
	return it;
}

static void
assert_same_findings(const struct bsc_collected_item *a,
		     const struct bsc_collected_item *b, const char *what)
{
	ck_assert_msg(a->status == b->status, "%s: status", what);
	ck_assert_msg(!strcmp(a->format, b->format), "%s: format", what);
	ck_assert_msg(a->records == b->records, "%s: records", what);
	ck_assert_msg(a->records_identity == b->records_identity &&
			      a->records_medical == b->records_medical &&
			      a->records_linked == b->records_linked,
		      "%s: record counts", what);
	ck_assert_msg(!strcmp(a->identity, b->identity), "%s: identity %s",
		      what, a->identity);
	ck_assert_msg(!strcmp(a->medical, b->medical), "%s: medical", what);
	ck_assert_msg(a->n_findings == b->n_findings, "%s: %zu findings",
		      what, a->n_findings);
	for (size_t i = 0; i < a->n_findings; i++) {
		const struct bsc_collected_finding *x = &a->findings[i];
		const struct bsc_collected_finding *y = &b->findings[i];

		ck_assert_msg(!strcmp(x->category, y->category) &&
				      x->column == y->column &&
				      !strcmp(x->header, y->header) &&
				      x->count == y->count &&
				      x->confidence == y->confidence &&
				      x->evidence == y->evidence &&
				      x->subject == y->subject &&
				      !strcmp(x->sample, y->sample),
			      "%s: finding %zu (%s) differs", what, i,
			      x->category);
	}
}

/* ---- bids ------------------------------------------------------------ */

START_TEST(test_archive_bid_magic)
{
	static const struct {
		const char *head;
		size_t len;
		const char *want; /* container name, NULL: not one */
	} t[] = {
		{"PK\003\004\024\000\000\000", 8, "zip"},
		{"PK\005\006\000\000", 6, "zip"},
		{"7z\274\257\047\034\000\004", 8, "7z"},
		{"Rar!\032\007\001\000", 8, "rar"},
		{"Rar!\032\007\000", 7, "rar"},
		{"\037\213\010\000", 4, "gz"},
		{"BZh91AY&SY\001", 11, "bz2"},
		{"BZh9 is text", 12, NULL},
		{"\3757zXZ\000\000", 7, "xz"},
		{"\050\265\057\375\044", 5, "zst"},
		{"\004\042\115\030\144", 5, "lz4"},
		{"LZIP\001\014", 6, "lz"},
		{"\037\235\220", 3, "Z"},
		{"\037\235\377", 3, NULL},
		{"!<arch>\n", 8, "ar"},
		{"070701000000", 12, "cpio"},
		{"]\000\000\200\000\377\377\377\377\377\377\377\377\000", 14,
		 "lzma"},
		{"]\000\000\201\000\377\377\377\377\377\377\377\377\000", 14,
		 NULL},
		{"nom;prenom;email\nA;B;c@d.fr\n", 28, NULL},
		{"PK", 2, NULL},
		{"", 0, NULL},
		{NULL, 0, NULL},
	};
	unsigned char tar[1024] = {0}, iso[40000] = {0};
	unsigned sum = 0;

	for (int i = 0; t[i].head; i++) {
		const struct bsc_container *c = bsc_container_bid(
			(const unsigned char *)t[i].head, t[i].len);

		if (!t[i].want)
			ck_assert_msg(c == NULL, "case %d: %s", i,
				      c ? bsc_container_name(c) : "");
		else
			ck_assert_msg(c && !strcmp(bsc_container_name(c),
						   t[i].want),
				      "case %d: want %s", i, t[i].want);
	}
	/* A v7 tar header: no magic, only the checksum. */
	memcpy(tar, "notes.csv", 9);
	memcpy(tar + 100, "0000644", 7);
	memcpy(tar + 124, "00000000012", 11);
	memset(tar + 148, ' ', 8);
	for (int i = 0; i < 512; i++)
		sum += tar[i];
	snprintf((char *)tar + 148, 8, "%06o", sum);
	ck_assert_str_eq(bsc_container_name(bsc_container_bid(tar, 1024)),
			 "tar");
	tar[0] ^= 1; /* the checksum no longer holds */
	ck_assert_ptr_null(bsc_container_bid(tar, 1024));
	memcpy(iso + 32769, "CD001\001", 6);
	ck_assert_str_eq(bsc_container_name(bsc_container_bid(iso, 40000)),
			 "iso");
	ck_assert_ptr_null(bsc_container_bid(iso, 32770));
}
END_TEST

/* Content decides, never the name. */
START_TEST(test_archive_detection_by_content)
{
	struct bsc_ctx *ctx = bsc_test_ctx();
	const char *dir = bsc_tmpdir();
	const struct bsc_member m[] = {{.name = "patients.csv"}, {NULL}};
	struct bsc_member mm[2];
	struct bsc_archive_spec zip = {.format = "zip"};
	struct bsc_collect c;
	char path[4096];

	load_csv();
	memcpy(mm, m, sizeof(mm));
	mm[0].data = csv;
	mm[0].len = csv_len;
	snprintf(path, sizeof(path), "%s",
		 bsc_make_archive(dir, "export.dat", &zip, mm));
	bsc_collect_scan(ctx, path, &c);
	ck_assert_int_eq(c.n, 2);
	ck_assert(must_item(&c, path)->archive);
	ck_assert_str_eq(must_item(&c, path)->format, "zip");
	bsc_collect_free(&c);
	snprintf(path, sizeof(path), "%s",
		 bsc_write_file(dir, "really-csv.zip", csv, csv_len));
	bsc_collect_scan(ctx, path, &c);
	ck_assert_int_eq(c.n, 1);
	ck_assert(!c.items[0].archive);
	ck_assert_str_eq(c.items[0].format, "csv");
	bsc_collect_free(&c);
	bsc_ctx_free(ctx);
}
END_TEST

/* Names are shown in UTF-8 whatever the locale of the process, and names
 * that are not UTF-8 are shown with '?' (never raw bytes). */
START_TEST(test_archive_member_names)
{
	static const char *const formats[] = {"zip", "pax", "7zip", NULL};
	struct bsc_ctx *ctx = bsc_test_ctx();
	const char *dir = bsc_tmpdir();

	for (int i = 0; formats[i]; i++) {
		struct bsc_member m[3] = {{0}};
		struct bsc_archive_spec spec = {.format = formats[i]};
		struct bsc_collect c;
		char path[4096], want[4096];

		m[0].name = "donn\xc3\xa9""es/caf\xc3\xa9.csv";
		m[0].data = "nom;email\nA;a@exemple.fr\n";
		m[0].len = 25;
		m[1].name = "./esc\033[31m.txt";
		m[1].data = "x\n";
		m[1].len = 2;
		snprintf(path, sizeof(path), "%s",
			 bsc_make_archive(dir, "names.bin", &spec, m));
		bsc_collect_scan(ctx, path, &c);
		snprintf(want, sizeof(want),
			 "%s!/donn\xc3\xa9""es/caf\xc3\xa9.csv", path);
		ck_assert_str_eq(must_item(&c, want)->identity,
				 "email,last_name");
		snprintf(want, sizeof(want), "%s!/esc?[31m.txt", path);
		must_item(&c, want);
		bsc_collect_free(&c);
	}
	bsc_ctx_free(ctx);
}
END_TEST

/* ---- the same export in every container ------------------------------ */

START_TEST(test_archive_same_findings_every_container)
{
	static const struct {
		const char *file;
		struct bsc_archive_spec spec;
		const char *member; /* name inside; NULL: a raw stream */
		const char *format; /* the container as reported */
	} t[] = {
		{"export.zip", {"zip", NULL, NULL, NULL},
		 "exports/patients.csv", "zip"},
		{"export.tar", {"pax", NULL, NULL, NULL},
		 "exports/patients.csv", "tar"},
		{"export.tar.gz", {"pax", "gzip", NULL, NULL},
		 "exports/patients.csv", "tar.gz"},
		{"export.tar.bz2", {"pax", "bzip2", NULL, NULL},
		 "exports/patients.csv", "tar.bz2"},
		{"export.tar.xz", {"pax", "xz", NULL, NULL},
		 "exports/patients.csv", "tar.xz"},
		{"export.7z", {"7zip", NULL, NULL, NULL},
		 "exports/patients.csv", "7z"},
		{"export.tar.zst", {"gnutar", "zstd", NULL, NULL},
		 "exports/patients.csv", "tar.zst"},
		{"export.tar.lz4", {"ustar", "lz4", NULL, NULL},
		 "exports/patients.csv", "tar.lz4"},
		{"export.tar.lz", {"pax", "lzip", NULL, NULL},
		 "exports/patients.csv", "tar.lz"},
		{"export.tar.lzma", {"pax", "lzma", NULL, NULL},
		 "exports/patients.csv", "tar.lzma"},
		{"export.tar.Z", {"pax", "compress", NULL, NULL},
		 "exports/patients.csv", "tar.Z"},
		{"export.tar.gz.xz", {"pax", "gzip,xz", NULL, NULL},
		 "exports/patients.csv", "tar.gz.xz"},
		{"export.cpio.gz", {"newc", "gzip", NULL, NULL},
		 "exports/patients.csv", "cpio.gz"},
		{"export.a", {"arsvr4", NULL, NULL, NULL}, "patients.csv",
		 "ar"},
		{"export.iso", {"iso9660", NULL, NULL, NULL},
		 "exports/patients.csv", "iso"},
		/* a single compressed file's content is named after it */
		{"patients.csv.gz", {"raw", "gzip", NULL, NULL}, "patients.csv",
		 "gz"},
		{"patients.csv.bz2", {"raw", "bzip2", NULL, NULL},
		 "patients.csv", "bz2"},
		{"patients.csv.xz", {"raw", "xz", NULL, NULL}, "patients.csv",
		 "xz"},
		{"patients.csv.zst", {"raw", "zstd", NULL, NULL}, "patients.csv",
		 "zst"},
		{NULL, {NULL, NULL, NULL, NULL}, NULL, NULL},
	};
	struct bsc_ctx *ctx = bsc_test_ctx();
	const char *dir = bsc_tmpdir();
	struct bsc_collect plain;

	load_csv();
	bsc_collect_scan(ctx, bsc_fixture_path(CSV_FIXTURE), &plain);
	ck_assert_int_eq(plain.n, 1);
	ck_assert_str_eq(plain.items[0].medical, "diagnosis,medication");
	for (int i = 0; t[i].file; i++) {
		struct bsc_member m[2] = {{0}};
		struct bsc_collect c;
		char path[4096], want[4096];
		const char *filter = t[i].spec.filter;
		struct bsc_archive_spec spec = t[i].spec;
		char f1[16];

		m[0].name = t[i].member ? t[i].member : "data";
		m[0].data = csv;
		m[0].len = csv_len;
		/* "gzip,xz": two filters, the first applied first. */
		if (filter && strchr(filter, ',')) {
			snprintf(f1, sizeof(f1), "%.*s",
				 (int)(strchr(filter, ',') - filter), filter);
			spec.filter = f1;
			snprintf(path, sizeof(path), "%s",
				 bsc_make_archive(dir, "tmp.tar.gz", &spec,
						  m));
			{
				size_t len;
				char *inner = bsc_read_file(path, &len);
				struct bsc_member raw[2] = {{0}};
				struct bsc_archive_spec outer = {
					"raw", strchr(filter, ',') + 1, NULL,
					NULL};

				raw[0].name = "data";
				raw[0].data = inner;
				raw[0].len = len;
				snprintf(path, sizeof(path), "%s",
					 bsc_make_archive(dir, t[i].file,
							  &outer, raw));
				free(inner);
			}
		} else {
			snprintf(path, sizeof(path), "%s",
				 bsc_make_archive(dir, t[i].file, &spec, m));
		}
		bsc_collect_scan(ctx, path, &c);
		snprintf(want, sizeof(want), "%s!/%s", path, t[i].member);
		assert_same_findings(must_item(&c, want), &plain.items[0],
				     t[i].file);
		ck_assert_msg(must_item(&c, want)->depth == 1, "%s: depth",
			      t[i].file);
		ck_assert_str_eq(must_item(&c, want)->container, path);
		ck_assert_msg(must_item(&c, path)->archive, "%s", t[i].file);
		ck_assert_msg(must_item(&c, path)->status ==
				      BSC_ITEM_COMPLETE,
			      "%s: %s", t[i].file,
			      must_item(&c, path)->reason);
		ck_assert_msg(!strcmp(must_item(&c, path)->format,
				      t[i].format),
			      "%s: format %s", t[i].file,
			      must_item(&c, path)->format);
		ck_assert_msg(must_item(&c, path)->members == c.n - 1,
			      "%s: members", t[i].file);
		bsc_collect_free(&c);
	}
	bsc_collect_free(&plain);
	bsc_ctx_free(ctx);
}
END_TEST

/* Write dir/name.tar.gz holding exports/nested.zip holding patients.csv. */
static const char *
zip_in_tar_gz(const char *dir, const char *name)
{
	struct bsc_member in[2] = {{0}}, out[3] = {{0}};
	struct bsc_archive_spec zip = {.format = "zip"};
	struct bsc_archive_spec tgz = {.format = "pax", .filter = "gzip"};
	static char path[4096];
	size_t len;
	char *inner;

	load_csv();
	in[0].name = "patients.csv";
	in[0].data = csv;
	in[0].len = csv_len;
	inner = bsc_read_file(bsc_make_archive(dir, "nested.zip", &zip, in),
			      &len);
	out[0].name = "exports/nested.zip";
	out[0].data = inner;
	out[0].len = len;
	out[1].name = "exports/readme.txt";
	out[1].data = "Export of 2025-11-28.\n";
	out[1].len = 22;
	snprintf(path, sizeof(path), "%s",
		 bsc_make_archive(dir, name, &tgz, out));
	free(inner);
	return path;
}

START_TEST(test_archive_zip_in_tar_gz)
{
	struct bsc_ctx *ctx = bsc_test_ctx();
	const char *dir = bsc_tmpdir();
	struct bsc_collect plain, c;
	char path[4096], want[4096], zip[4096];
	const struct bsc_collected_item *it;

	bsc_collect_scan(ctx, bsc_fixture_path(CSV_FIXTURE), &plain);
	snprintf(path, sizeof(path), "%s", zip_in_tar_gz(dir, "dump.tar.gz"));
	bsc_collect_scan(ctx, path, &c);
	ck_assert_int_eq(c.n, 4);
	snprintf(zip, sizeof(zip), "%s!/exports/nested.zip", path);
	snprintf(want, sizeof(want), "%s!/patients.csv", zip);
	it = must_item(&c, want);
	assert_same_findings(it, &plain.items[0], "zip in tar.gz");
	ck_assert_uint_eq(it->depth, 2);
	ck_assert_str_eq(it->container, zip);
	it = must_item(&c, zip);
	ck_assert(it->archive);
	ck_assert_uint_eq(it->members, 1);
	ck_assert_str_eq(it->container, path);
	ck_assert_uint_eq(must_item(&c, path)->members, 2);
	/* Reports come members first: the archive's status is final then. */
	ck_assert_str_eq(c.items[c.n - 1].path, path);
	bsc_collect_free(&c);
	bsc_collect_free(&plain);
	bsc_ctx_free(ctx);
}
END_TEST

/* The JSON report: archive paths, container, members, archives first. */
START_TEST(test_archive_json_paths)
{
	struct bsc_ctx *ctx = bsc_test_ctx();
	const char *dir = bsc_tmpdir();
	struct bsc_report_opts ro = {0};
	struct bsc_sink *sink;
	char *out = NULL;
	size_t len = 0;
	const char *paths[1];
	char here[4096], wd[4096];
	const char *a, *z, *p;

	ck_assert_ptr_nonnull(getcwd(wd, sizeof(wd)));
	snprintf(here, sizeof(here), "%s", dir);
	zip_in_tar_gz(here, "dump.tar.gz");
	ck_assert_int_eq(chdir(here), 0);
	ro.out = open_memstream(&out, &len);
	sink = bsc_report_new("json", &ro);
	paths[0] = "dump.tar.gz";
	ck_assert_int_eq(bsc_scan(ctx, paths, 1, sink), BSC_OK);
	bsc_report_free(sink);
	fclose(ro.out);
	ck_assert_int_eq(chdir(wd), 0);
	a = strstr(out, "\"path\": \"dump.tar.gz\"");
	z = strstr(out, "\"path\": \"dump.tar.gz!/exports/nested.zip\"");
	p = strstr(out, "\"path\": "
			"\"dump.tar.gz!/exports/nested.zip!/patients.csv\"");
	ck_assert_ptr_nonnull(a);
	ck_assert_ptr_nonnull(z);
	ck_assert_ptr_nonnull(p);
	ck_assert(p < z && z < a); /* streamed: an archive after its members */
	ck_assert_ptr_nonnull(strstr(
		p, "\"container\": \"dump.tar.gz!/exports/nested.zip\""));
	ck_assert_ptr_nonnull(strstr(a, "\"format\": \"tar.gz\""));
	ck_assert_ptr_nonnull(strstr(a, "\"members\": 2"));
	ck_assert_ptr_nonnull(strstr(z, "\"members\": 1"));
	ck_assert_ptr_nonnull(strstr(p, "\"members\": null"));
	ck_assert_ptr_nonnull(strstr(out, "\"archives\": 2"));
	ck_assert_ptr_nonnull(strstr(out, "\"members\": 3,"));
	ck_assert_ptr_null(strstr(out, "\n    null")); /* no slot left */
	free(out);
	bsc_ctx_free(ctx);
}
END_TEST

/* The text report groups members under their archive. */
START_TEST(test_archive_text_grouping)
{
	struct bsc_ctx *ctx = bsc_test_ctx();
	const char *dir = bsc_tmpdir();
	struct bsc_report_opts ro = {0};
	struct bsc_sink *sink;
	char *out = NULL;
	size_t len = 0;
	const char *paths[1];
	char path[4096], line[8192];
	const char *h, *m, *e;

	snprintf(path, sizeof(path), "%s", zip_in_tar_gz(dir, "dump.tar.gz"));
	ro.out = open_memstream(&out, &len);
	sink = bsc_report_new("text", &ro);
	paths[0] = path;
	ck_assert_int_eq(bsc_scan(ctx, paths, 1, sink), BSC_OK);
	bsc_report_free(sink);
	fclose(ro.out);
	snprintf(line, sizeof(line), "%s  [tar.gz archive]\n", path);
	h = strstr(out, line);
	snprintf(line, sizeof(line),
		 "\n    %s!/exports/nested.zip!/patients.csv  [csv", path);
	m = strstr(out, line);
	snprintf(line, sizeof(line), "\nend of %s: tar.gz archive, 2 members",
		 path);
	e = strstr(out, line);
	ck_assert_msg(h && m && e && h < m && m < e, "%s", out);
	ck_assert_ptr_nonnull(strstr(out, "(2 archives, 3 members)"));
	free(out);
	bsc_ctx_free(ctx);
}
END_TEST

/* ---- limits, each on its own ----------------------------------------- */

/* Write level zips nested in each other; the innermost holds the CSV. */
static const char *
nested_zips(const char *dir, int levels)
{
	struct bsc_archive_spec zip = {.format = "zip"};
	struct bsc_member m[2] = {{0}};
	char *data;
	size_t len;
	char name[64];
	static char path[4096];

	load_csv();
	data = malloc(csv_len);
	memcpy(data, csv, csv_len);
	len = csv_len;
	snprintf(name, sizeof(name), "patients.csv");
	for (int l = levels; l >= 1; l--) {
		char file[64];

		m[0].name = name;
		m[0].data = data;
		m[0].len = len;
		snprintf(file, sizeof(file), "level%d.zip", l);
		snprintf(path, sizeof(path), "%s",
			 bsc_make_archive(dir, file, &zip, m));
		free(data);
		data = bsc_read_file(path, &len);
		snprintf(name, sizeof(name), "%s", file);
	}
	free(data);
	return path;
}

START_TEST(test_archive_limit_depth)
{
	struct bsc_ctx *ctx = bsc_test_ctx();
	struct bsc_collect c;
	int partial = 0;

	bsc_ctx_limits(ctx)->max_depth = 3;
	bsc_collect_scan(ctx, nested_zips(bsc_tmpdir(), 12), &c);
	ck_assert_int_eq(c.n, 4); /* levels 1-3 opened, level 4 not */
	for (size_t i = 0; i < c.n; i++) {
		ck_assert_uint_le(c.items[i].depth, 3);
		if (c.items[i].status == BSC_ITEM_PARTIAL &&
		    c.items[i].depth < 3) {
			/* an archive rolls up its members' status */
			ck_assert_ptr_nonnull(strstr(
				c.items[i].reason, "not read completely"));
		} else if (c.items[i].status == BSC_ITEM_PARTIAL) {
			partial++;
			ck_assert_uint_eq(c.items[i].depth, 3);
			ck_assert_ptr_nonnull(
				strstr(c.items[i].reason,
				       "--max-archive-depth (3)"));
			ck_assert_ptr_nonnull(
				strstr(c.items[i].path, "!/level4.zip"));
		} else {
			ck_assert_int_eq(c.items[i].status,
					 BSC_ITEM_COMPLETE);
		}
	}
	ck_assert_int_eq(partial, 1);
	bsc_collect_free(&c);
	bsc_ctx_free(ctx);
}
END_TEST

/* 20 zips in each other: the default depth stops it, quickly. */
START_TEST(test_archive_nested_20_levels)
{
	struct bsc_ctx *ctx = bsc_test_ctx();
	const char *path = nested_zips(bsc_tmpdir(), 20);
	struct bsc_collect c;
	double t0 = now_s(), dt;

	bsc_collect_scan(ctx, path, &c);
	dt = now_s() - t0;
	ck_assert_msg(dt < 10, "took %.1f s", dt);
	ck_assert_int_eq(c.n, 9);
	ck_assert_int_eq(c.items[0].status, BSC_ITEM_PARTIAL);
	ck_assert_uint_eq(c.items[0].depth, 8);
	ck_assert_ptr_nonnull(
		strstr(c.items[0].reason, "--max-archive-depth (8)"));
	bsc_collect_free(&c);
	bsc_ctx_free(ctx);
}
END_TEST

START_TEST(test_archive_limit_ratio)
{
	static char zeros[1 << 20];
	struct bsc_ctx *ctx = bsc_test_ctx();
	const char *dir = bsc_tmpdir();
	char *line = malloc(1 << 20);
	struct bsc_member m[4] = {{0}};
	struct bsc_archive_spec zip = {.format = "zip"};
	struct bsc_collect c;
	char path[4096], want[4096];
	const struct bsc_collected_item *it;

	for (size_t i = 0; i < (1 << 20); i++)
		line[i] = "nom;prenom\n"[i % 11];
	m[0].name = "zeros.bin";   /* NULs: read on (issue 17), limited */
	m[0].data = zeros;
	m[0].len = sizeof(zeros);
	m[0].repeat = 12;
	m[1].name = "repeat.txt";  /* text: read until the ratio stops it */
	m[1].data = line;
	m[1].len = 1 << 20;
	m[1].repeat = 12;
	m[2].name = "small.txt";   /* as compressible, under the threshold */
	m[2].data = line;
	m[2].len = 1 << 20;
	m[2].repeat = 1;
	snprintf(path, sizeof(path), "%s",
		 bsc_make_archive(dir, "ratio.zip", &zip, m));
	bsc_ctx_limits(ctx)->ratio_threshold = 2 << 20;
	bsc_collect_scan(ctx, path, &c);
	snprintf(want, sizeof(want), "%s!/zeros.bin", path);
	it = must_item(&c, want);
	ck_assert_int_eq(it->status, BSC_ITEM_PARTIAL);
	ck_assert_ptr_nonnull(strstr(it->reason, "--max-ratio (100)"));
	snprintf(want, sizeof(want), "%s!/repeat.txt", path);
	it = must_item(&c, want);
	ck_assert_int_eq(it->status, BSC_ITEM_PARTIAL);
	ck_assert_ptr_nonnull(strstr(it->reason, "--max-ratio (100)"));
	snprintf(want, sizeof(want), "%s!/small.txt", path);
	ck_assert_int_eq(must_item(&c, want)->status, BSC_ITEM_COMPLETE);
	/* the archive says that members were not read completely */
	it = must_item(&c, path);
	ck_assert_int_eq(it->status, BSC_ITEM_PARTIAL);
	ck_assert_ptr_nonnull(strstr(it->reason, "2 member(s) not read"));
	bsc_collect_free(&c);
	/* Raise the limit: everything passes. */
	bsc_ctx_limits(ctx)->max_ratio = 100000;
	bsc_collect_scan(ctx, path, &c);
	snprintf(want, sizeof(want), "%s!/repeat.txt", path);
	ck_assert_int_eq(must_item(&c, want)->status, BSC_ITEM_COMPLETE);
	bsc_collect_free(&c);
	free(line);
	bsc_ctx_free(ctx);
}
END_TEST

START_TEST(test_archive_limit_members)
{
	struct bsc_ctx *ctx = bsc_test_ctx();
	struct bsc_member m[31] = {{0}};
	char names[30][16];
	struct bsc_archive_spec zip = {.format = "zip"};
	struct bsc_collect c;
	const char *path;
	const struct bsc_collected_item *a;

	for (int i = 0; i < 30; i++) {
		snprintf(names[i], sizeof(names[i]), "f%02d.txt", i);
		m[i].name = names[i];
		m[i].data = "hello\n";
		m[i].len = 6;
	}
	path = bsc_make_archive(bsc_tmpdir(), "many.zip", &zip, m);
	bsc_ctx_limits(ctx)->max_members = 10;
	bsc_collect_scan(ctx, path, &c);
	ck_assert_int_eq(c.n, 11);
	a = &c.items[10];
	ck_assert(a->archive);
	ck_assert_uint_eq(a->members, 10);
	ck_assert_int_eq(a->status, BSC_ITEM_PARTIAL);
	ck_assert_ptr_nonnull(strstr(a->reason, "--max-members (10)"));
	bsc_collect_free(&c);
	bsc_ctx_free(ctx);
}
END_TEST

START_TEST(test_archive_limit_total)
{
	struct bsc_ctx *ctx = bsc_test_ctx();
	char *text = noise(1 << 20, 7);
	struct bsc_member m[5] = {{0}};
	struct bsc_archive_spec tar = {.format = "pax"};
	struct bsc_collect c;
	char path[4096], want[4096];
	const struct bsc_collected_item *it;

	for (int i = 0; i < 4; i++) {
		static const char *const n[] = {"a.txt", "b.txt", "c.txt",
						"d.txt"};

		m[i].name = n[i];
		m[i].data = text;
		m[i].len = 1 << 20;
	}
	snprintf(path, sizeof(path), "%s",
		 bsc_make_archive(bsc_tmpdir(), "big.tar", &tar, m));
	bsc_ctx_limits(ctx)->max_total = (5 << 20) / 2;
	bsc_collect_scan(ctx, path, &c);
	ck_assert_int_eq(c.n, 4); /* a, b, c (cut) and the archive */
	snprintf(want, sizeof(want), "%s!/b.txt", path);
	ck_assert_int_eq(must_item(&c, want)->status, BSC_ITEM_COMPLETE);
	snprintf(want, sizeof(want), "%s!/c.txt", path);
	it = must_item(&c, want);
	ck_assert_int_eq(it->status, BSC_ITEM_PARTIAL);
	ck_assert_ptr_nonnull(strstr(it->reason, "--max-total-size"));
	it = must_item(&c, path);
	ck_assert_int_eq(it->status, BSC_ITEM_PARTIAL);
	ck_assert_ptr_nonnull(strstr(it->reason, "--max-total-size"));
	bsc_collect_free(&c);
	free(text);
	bsc_ctx_free(ctx);
}
END_TEST

START_TEST(test_archive_limit_time)
{
	struct bsc_ctx *ctx = bsc_test_ctx();
	char *text = noise(4 << 20, 3);
	struct bsc_member m[3] = {{0}};
	struct bsc_archive_spec tgz = {.format = "pax", .filter = "gzip"};
	struct bsc_collect c;
	char path[4096];
	const struct bsc_collected_item *it;

	m[0].name = "a.txt";
	m[0].data = text;
	m[0].len = 4 << 20;
	m[1] = m[0];
	m[1].name = "b.txt";
	snprintf(path, sizeof(path), "%s",
		 bsc_make_archive(bsc_tmpdir(), "slow.tar.gz", &tgz, m));
	bsc_ctx_limits(ctx)->max_time_ms = 1;
	bsc_collect_scan(ctx, path, &c);
	it = must_item(&c, path);
	ck_assert_int_ne(it->status, BSC_ITEM_COMPLETE);
	ck_assert_ptr_nonnull(strstr(it->reason, "--max-time (1ms)"));
	bsc_collect_free(&c);
	free(text);
	bsc_ctx_free(ctx);
}
END_TEST

/* ---- damaged and special members ------------------------------------- */

START_TEST(test_archive_encrypted)
{
	static const char *const methods[] = {"zip:encryption=zipcrypt",
					      "zip:encryption=aes256", NULL};
	struct bsc_collect plain;
	struct bsc_ctx *base = bsc_test_ctx();

	load_csv();
	bsc_collect_scan(base, bsc_fixture_path(CSV_FIXTURE), &plain);
	for (int i = 0; methods[i]; i++) {
		struct bsc_member m[3] = {{0}};
		struct bsc_archive_spec zip = {.format = "zip",
					       .options = methods[i],
					       .password = "s3cret"};
		struct bsc_ctx *ctx = bsc_test_ctx();
		struct bsc_collect c;
		char path[4096], want[4096];
		const struct bsc_collected_item *it;

		m[0].name = "patients.csv";
		m[0].data = csv;
		m[0].len = csv_len;
		snprintf(path, sizeof(path), "%s",
			 bsc_make_archive(bsc_tmpdir(), "locked.zip", &zip,
					  m));
		snprintf(want, sizeof(want), "%s!/patients.csv", path);
		/* No password: failed, "encrypted", nothing read. */
		bsc_collect_scan(ctx, path, &c);
		it = must_item(&c, want);
		ck_assert_int_eq(it->status, BSC_ITEM_FAILED);
		ck_assert_msg(!strncmp(it->reason, "encrypted", 9), "%s",
			      it->reason);
		ck_assert_int_eq(must_item(&c, path)->status,
				 BSC_ITEM_PARTIAL);
		bsc_collect_free(&c);
		/* A wrong password: not read, and says so. zipcrypt checks a
		 * password on one byte: 1 time in 256 a wrong one passes and
		 * the member decrypts to damaged data, never to a clean
		 * read. */
		bsc_ctx_add_password(ctx, "wrong");
		bsc_collect_scan(ctx, path, &c);
		it = must_item(&c, want);
		ck_assert(it->status == BSC_ITEM_FAILED ||
			  (i == 0 && it->status == BSC_ITEM_PARTIAL));
		ck_assert_msg(!strncmp(it->reason, "encrypted", 9) ||
				      (i == 0 && strstr(it->reason, "damaged")),
			      "%s", it->reason);
		bsc_collect_free(&c);
		bsc_ctx_free(ctx);
		/* The right one, among others: read as plain text. It comes
		 * first: zipcrypt checks a password on one byte, so a wrong
		 * one tried before passes 1 time in 256 (README "Archives"). */
		ctx = bsc_test_ctx();
		bsc_ctx_add_password(ctx, "s3cret");
		bsc_ctx_add_password(ctx, "wrong");
		bsc_collect_scan(ctx, path, &c);
		assert_same_findings(must_item(&c, want), &plain.items[0],
				     methods[i]);
		bsc_collect_free(&c);
		bsc_ctx_free(ctx);
	}
	bsc_collect_free(&plain);
	bsc_ctx_free(base);
}
END_TEST

/* Three members of noise text, so that cuts land inside the data. */
static const char *
three_members(const char *dir, const char *name,
	      const struct bsc_archive_spec *spec)
{
	static char *text[3];
	struct bsc_member m[4] = {{0}};
	static const char *const names[] = {"a.txt", "b.txt", "c.txt"};

	for (int i = 0; i < 3; i++) {
		if (!text[i])
			text[i] = noise(40000, (unsigned)i + 1);
		m[i].name = names[i];
		m[i].data = text[i];
		m[i].len = 40000;
	}
	return bsc_make_archive(dir, name, spec, m);
}

START_TEST(test_archive_truncated)
{
	static const struct bsc_archive_spec specs[] = {
		{"pax", "gzip", NULL, NULL},
		{"zip", NULL, NULL, NULL},
		{"7zip", NULL, NULL, NULL},
		{NULL, NULL, NULL, NULL},
	};
	struct bsc_ctx *ctx = bsc_test_ctx();

	for (int i = 0; specs[i].format; i++) {
		struct bsc_collect c;
		char path[4096], want[4096];
		struct stat st;
		const struct bsc_collected_item *a;

		snprintf(path, sizeof(path), "%s",
			 three_members(bsc_tmpdir(), "cut.bin", &specs[i]));
		ck_assert_int_eq(stat(path, &st), 0);
		ck_assert_int_eq(truncate(path, st.st_size * 6 / 10), 0);
		bsc_collect_scan(ctx, path, &c);
		a = must_item(&c, path);
		ck_assert_msg(a->status != BSC_ITEM_COMPLETE, "%s",
			      specs[i].format);
		if (strcmp(specs[i].format, "7zip")) {
			/* Streamable formats keep what came before. */
			snprintf(want, sizeof(want), "%s!/a.txt", path);
			ck_assert_int_eq(must_item(&c, want)->status,
					 BSC_ITEM_COMPLETE);
			ck_assert_int_eq(a->status, BSC_ITEM_PARTIAL);
			ck_assert_ptr_nonnull(strstr(a->reason, "truncated"));
		} else {
			/* A 7z keeps its directory at the end. */
			ck_assert_int_eq(a->status, BSC_ITEM_FAILED);
		}
		bsc_collect_free(&c);
	}
	bsc_ctx_free(ctx);
}
END_TEST

/* Flip bytes inside the compressed data of b.txt (zip, deflate). */
START_TEST(test_archive_corrupt_member)
{
	struct bsc_ctx *ctx = bsc_test_ctx();
	struct bsc_archive_spec zip = {.format = "zip"};
	struct bsc_collect c;
	char path[4096], want[4096];
	size_t len;
	char *data, *hdr;
	const struct bsc_collected_item *it;
	FILE *f;

	snprintf(path, sizeof(path), "%s",
		 three_members(bsc_tmpdir(), "bad.zip", &zip));
	data = bsc_read_file(path, &len);
	hdr = memmem(data, len, "PK\003\004", 4);
	hdr = memmem(hdr + 4, len - (size_t)(hdr + 4 - data), "PK\003\004",
		     4);
	ck_assert_ptr_nonnull(hdr);
	{
		unsigned nlen = (unsigned char)hdr[26] |
				(unsigned char)hdr[27] << 8;
		unsigned xlen = (unsigned char)hdr[28] |
				(unsigned char)hdr[29] << 8;
		char *body = hdr + 30 + nlen + xlen;

		ck_assert(!memcmp(hdr + 30, "b.txt", 5));
		for (int k = 100; k < 140; k++)
			body[k] ^= 0x5A;
	}
	f = fopen(path, "wb");
	ck_assert_uint_eq(fwrite(data, 1, len, f), len);
	fclose(f);
	free(data);
	bsc_collect_scan(ctx, path, &c);
	snprintf(want, sizeof(want), "%s!/b.txt", path);
	it = must_item(&c, want);
	ck_assert_msg(it->status == BSC_ITEM_PARTIAL ||
			      it->status == BSC_ITEM_FAILED,
		      "status %d", it->status);
	ck_assert_ptr_nonnull(strstr(it->reason, "damaged"));
	/* The archive goes on to the next member. */
	snprintf(want, sizeof(want), "%s!/c.txt", path);
	ck_assert_int_eq(must_item(&c, want)->status, BSC_ITEM_COMPLETE);
	ck_assert_uint_eq(must_item(&c, path)->members, 3);
	bsc_collect_free(&c);
	bsc_ctx_free(ctx);
}
END_TEST

/* A stored member whose bytes changed: read, but its CRC fails. */
START_TEST(test_archive_bad_crc)
{
	struct bsc_ctx *ctx = bsc_test_ctx();
	struct bsc_archive_spec zip = {.format = "zip",
				       .options = "zip:compression=store"};
	struct bsc_collect c;
	char path[4096], want[4096];
	size_t len;
	char *data, *hit;
	const struct bsc_collected_item *it;
	FILE *f;

	snprintf(path, sizeof(path), "%s",
		 three_members(bsc_tmpdir(), "crc.zip", &zip));
	data = bsc_read_file(path, &len);
	hit = memmem(data, len, "b.txt", 5);
	ck_assert_ptr_nonnull(hit);
	hit[5 + 4000] ^= 0x01; /* inside b.txt's stored data */
	f = fopen(path, "wb");
	ck_assert_uint_eq(fwrite(data, 1, len, f), len);
	fclose(f);
	free(data);
	bsc_collect_scan(ctx, path, &c);
	snprintf(want, sizeof(want), "%s!/b.txt", path);
	it = must_item(&c, want);
	ck_assert_int_eq(it->status, BSC_ITEM_PARTIAL);
	ck_assert_ptr_nonnull(strstr(it->reason, "CRC"));
	snprintf(want, sizeof(want), "%s!/c.txt", path);
	ck_assert_int_eq(must_item(&c, want)->status, BSC_ITEM_COMPLETE);
	bsc_collect_free(&c);
	bsc_ctx_free(ctx);
}
END_TEST

/* --max-file-size cuts a nested archive: its reason says so. */
START_TEST(test_archive_nested_cut_by_file_size)
{
	struct bsc_ctx *ctx = bsc_test_ctx();
	const char *dir = bsc_tmpdir();
	struct bsc_archive_spec tar = {.format = "pax"};
	struct bsc_archive_spec zip = {.format = "zip"};
	struct bsc_member m[2] = {{0}};
	struct bsc_collect c;
	char path[4096], want[4096];
	size_t len;
	char *inner;

	inner = bsc_read_file(three_members(dir, "in.tar", &tar), &len);
	m[0].name = "in.tar";
	m[0].data = inner;
	m[0].len = len;
	snprintf(path, sizeof(path), "%s",
		 bsc_make_archive(dir, "out.zip", &zip, m));
	bsc_ctx_limits(ctx)->max_file_size = 65536;
	bsc_collect_scan(ctx, path, &c);
	snprintf(want, sizeof(want), "%s!/in.tar", path);
	ck_assert_int_eq(must_item(&c, want)->status, BSC_ITEM_PARTIAL);
	ck_assert_ptr_nonnull(
		strstr(must_item(&c, want)->reason, "--max-file-size (64K)"));
	snprintf(want, sizeof(want), "%s!/in.tar!/a.txt", path);
	ck_assert_int_eq(must_item(&c, want)->status, BSC_ITEM_COMPLETE);
	bsc_collect_free(&c);
	free(inner);
	bsc_ctx_free(ctx);
}
END_TEST

START_TEST(test_archive_special_entries)
{
	static const struct {
		const char *name;
		char type;
		const char *target;
		const char *reason; /* start of the reason */
	} t[] = {
		{"exports", 'd', NULL, "directory"},
		{"exports/notes.txt", 'f', NULL, NULL},
		{"exports/passwd", 'l', "/etc/passwd", "symbolic link to "
						       "'/etc/passwd'"},
		{"exports/again.txt", 'h', "exports/notes.txt",
		 "hard link to 'exports/notes.txt'"},
		{"exports/tty", 'c', NULL, "character device"},
		{"exports/pipe", 'p', NULL, "FIFO"},
		{NULL, 0, NULL, NULL},
	};
	struct bsc_ctx *ctx = bsc_test_ctx();
	const char *dir = bsc_tmpdir();
	struct bsc_member m[8] = {{0}};
	struct bsc_archive_spec tar = {.format = "pax"};
	struct bsc_collect c;
	char path[4096], want[4096];
	int n = 0;
	DIR *d;
	struct dirent *de;

	for (int i = 0; t[i].name; i++) {
		m[i].name = t[i].name;
		m[i].type = t[i].type;
		m[i].target = t[i].target;
		m[i].data = "hello\n";
		m[i].len = 6;
	}
	snprintf(path, sizeof(path), "%s",
		 bsc_make_archive(dir, "special.tar", &tar, m));
	bsc_collect_scan(ctx, path, &c);
	for (int i = 0; t[i].name; i++) {
		const struct bsc_collected_item *it;

		snprintf(want, sizeof(want), "%s!/%s%s", path, t[i].name,
			 t[i].type == 'd' ? "/" : "");
		it = must_item(&c, want);
		if (!t[i].reason) {
			ck_assert_int_eq(it->status, BSC_ITEM_COMPLETE);
			continue;
		}
		ck_assert_int_eq(it->status, BSC_ITEM_SKIPPED);
		ck_assert_msg(!strncmp(it->reason, t[i].reason,
				       strlen(t[i].reason)),
			      "%s: %s", t[i].name, it->reason);
	}
	ck_assert_uint_eq(must_item(&c, path)->members, 6);
	bsc_collect_free(&c);
	/* Nothing was created on disk. */
	d = opendir(dir);
	while ((de = readdir(d)))
		n += de->d_name[0] != '.';
	closedir(d);
	ck_assert_int_eq(n, 1);
	bsc_ctx_free(ctx);
}
END_TEST

/* A tar header that declares 8 GiB over a few bytes: no big allocation,
 * an honest partial. */
START_TEST(test_archive_huge_declared_size)
{
	struct bsc_ctx *ctx = bsc_test_ctx();
	struct bsc_member m[2] = {{0}};
	struct bsc_archive_spec tar = {.format = "ustar"};
	struct bsc_collect c;
	char path[4096], want[4096];
	size_t len;
	char *data;
	unsigned sum = 0;
	FILE *f;

	m[0].name = "huge.csv";
	m[0].data = "nom;email\nA;a@exemple.fr\n";
	m[0].len = 25;
	snprintf(path, sizeof(path), "%s",
		 bsc_make_archive(bsc_tmpdir(), "huge.tar", &tar, m));
	data = bsc_read_file(path, &len);
	memcpy(data + 124, "77777777777", 11);
	memset(data + 148, ' ', 8);
	for (int i = 0; i < 512; i++)
		sum += (unsigned char)data[i];
	snprintf(data + 148, 8, "%06o", sum);
	f = fopen(path, "wb");
	ck_assert_uint_eq(fwrite(data, 1, len, f), len);
	fclose(f);
	free(data);
	bsc_collect_scan(ctx, path, &c);
	snprintf(want, sizeof(want), "%s!/huge.csv", path);
	/* its text runs into the tar's zero blocks: read in part, or not
	 * examined; never complete */
	ck_assert(must_item(&c, want)->status == BSC_ITEM_PARTIAL ||
		  must_item(&c, want)->status == BSC_ITEM_FAILED);
	ck_assert_int_eq(must_item(&c, path)->status, BSC_ITEM_PARTIAL);
	bsc_collect_free(&c);
	bsc_ctx_free(ctx);
}
END_TEST

/* An empty compressed file holds nothing: complete, no member. A gzip
 * whose data is damaged is not mistaken for one. */
START_TEST(test_archive_empty_and_damaged_gz)
{
	static const unsigned char empty[] = {
		0x1f, 0x8b, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x03,
		0x03, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00};
	static const unsigned char damaged[] = {
		0x1f, 0x8b, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x03,
		0xff, 0xfe, 0xfd, 0xfc, 0x00, 0x00, 0x00, 0x00, 0x05, 0x00,
		0x00, 0x00};
	struct bsc_ctx *ctx = bsc_test_ctx();
	const char *dir = bsc_tmpdir();
	struct bsc_collect c;

	bsc_collect_scan(ctx, bsc_write_file(dir, "empty.csv.gz", empty,
					     sizeof(empty)),
			 &c);
	ck_assert_int_eq(c.n, 1);
	ck_assert_int_eq(c.items[0].status, BSC_ITEM_COMPLETE);
	ck_assert(c.items[0].archive);
	ck_assert_uint_eq(c.items[0].members, 0);
	bsc_collect_free(&c);
	bsc_collect_scan(ctx, bsc_write_file(dir, "damaged.csv.gz", damaged,
					     sizeof(damaged)),
			 &c);
	ck_assert_int_eq(c.items[c.n - 1].status, c.n == 1 ? BSC_ITEM_FAILED
							   : BSC_ITEM_PARTIAL);
	bsc_collect_free(&c);
	bsc_ctx_free(ctx);
}
END_TEST

START_TEST(test_archive_rar_not_opened)
{
	struct bsc_ctx *ctx = bsc_test_ctx();
	struct bsc_collect c;
	const char *path = bsc_write_file(bsc_tmpdir(), "x.rar",
					  "Rar!\032\007\001\000junkjunk", 16);

	bsc_collect_scan(ctx, path, &c);
	ck_assert_int_eq(c.n, 1);
	ck_assert_int_eq(c.items[0].status, BSC_ITEM_FAILED);
	ck_assert_ptr_nonnull(strstr(c.items[0].reason, "not supported"));
	bsc_collect_free(&c);
	bsc_ctx_free(ctx);
}
END_TEST

/* ---- standard input ---------------------------------------------------- */

/* Scan "-" with the file at path fed through a pipe (not seekable). */
static void
scan_stdin_pipe(struct bsc_ctx *ctx, const char *path, struct bsc_collect *c)
{
	int fds[2], saved = dup(0), st;
	pid_t pid;

	ck_assert_int_eq(pipe(fds), 0);
	pid = fork();
	ck_assert(pid >= 0);
	if (pid == 0) {
		size_t len;
		char *data = bsc_read_file(path, &len);
		size_t off = 0;

		close(fds[0]);
		while (off < len) {
			ssize_t w = write(fds[1], data + off, len - off);

			if (w <= 0)
				break;
			off += (size_t)w;
		}
		_exit(0);
	}
	close(fds[1]);
	dup2(fds[0], 0);
	close(fds[0]);
	bsc_collect_scan(ctx, "-", c);
	dup2(saved, 0);
	close(saved);
	waitpid(pid, &st, 0);
}

START_TEST(test_archive_stdin)
{
	struct bsc_ctx *ctx = bsc_test_ctx();
	const char *dir = bsc_tmpdir();
	struct bsc_collect plain, c;
	struct bsc_archive_spec sz = {.format = "7zip"};
	struct bsc_member m[2] = {{0}};
	char path[4096];

	load_csv();
	bsc_collect_scan(ctx, bsc_fixture_path(CSV_FIXTURE), &plain);
	scan_stdin_pipe(ctx, zip_in_tar_gz(dir, "dump.tar.gz"), &c);
	assert_same_findings(
		must_item(&c, "-!/exports/nested.zip!/patients.csv"),
		&plain.items[0], "tar.gz on stdin");
	ck_assert_str_eq(must_item(&c, "-")->format, "tar.gz");
	bsc_collect_free(&c);
	/* A 7z must seek: from a pipe it is held in memory, bounded. */
	m[0].name = "patients.csv";
	m[0].data = csv;
	m[0].len = csv_len;
	snprintf(path, sizeof(path), "%s",
		 bsc_make_archive(dir, "export.7z", &sz, m));
	scan_stdin_pipe(ctx, path, &c);
	assert_same_findings(must_item(&c, "-!/patients.csv"),
			     &plain.items[0], "7z on stdin");
	bsc_collect_free(&c);
	bsc_ctx_limits(ctx)->max_seek_buffer = 100;
	scan_stdin_pipe(ctx, path, &c);
	ck_assert_int_eq(c.n, 1);
	ck_assert_int_eq(c.items[0].status, BSC_ITEM_FAILED);
	ck_assert_ptr_nonnull(
		strstr(c.items[0].reason, "--max-seek-buffer (100)"));
	bsc_collect_free(&c);
	bsc_collect_free(&plain);
	bsc_ctx_free(ctx);
}
END_TEST

/* A 7z inside a zip: read from memory, like a 7z on a pipe. */
START_TEST(test_archive_7z_in_zip)
{
	struct bsc_ctx *ctx = bsc_test_ctx();
	const char *dir = bsc_tmpdir();
	struct bsc_collect plain, c;
	struct bsc_archive_spec sz = {.format = "7zip"};
	struct bsc_archive_spec zip = {.format = "zip"};
	struct bsc_member m[2] = {{0}};
	char path[4096], want[4096];
	size_t len;
	char *inner;

	load_csv();
	bsc_collect_scan(ctx, bsc_fixture_path(CSV_FIXTURE), &plain);
	m[0].name = "patients.csv";
	m[0].data = csv;
	m[0].len = csv_len;
	inner = bsc_read_file(bsc_make_archive(dir, "in.7z", &sz, m), &len);
	m[0].name = "in.7z";
	m[0].data = inner;
	m[0].len = len;
	snprintf(path, sizeof(path), "%s",
		 bsc_make_archive(dir, "out.zip", &zip, m));
	bsc_collect_scan(ctx, path, &c);
	snprintf(want, sizeof(want), "%s!/in.7z!/patients.csv", path);
	assert_same_findings(must_item(&c, want), &plain.items[0],
			     "7z in zip");
	bsc_collect_free(&c);
	bsc_collect_free(&plain);
	free(inner);
	bsc_ctx_free(ctx);
}
END_TEST

/* ---- hostile archives, with default limits ----------------------------- */

/*
 * A zip bomb: 256 MiB of zeros (about 256 KiB compressed), then a CSV.
 * It must end quickly, say why, and still scan the CSV after it; and the
 * same through a tar.gz, where skipping the bomb would mean expanding it.
 */
START_TEST(test_archive_zip_bomb)
{
	static char zeros[1 << 20];
	static const struct {
		const char *file;
		struct bsc_archive_spec spec;
		bool after; /* the member after the bomb is reached */
	} t[] = {
		{"bomb.zip", {"zip", NULL, NULL, NULL}, true},
		{"bomb.tar.gz", {"pax", "gzip", NULL, NULL}, false},
		{NULL, {NULL, NULL, NULL, NULL}, false},
	};
	struct bsc_ctx *ctx = bsc_test_ctx();
	const char *dir = bsc_tmpdir();

	load_csv();
	for (int i = 0; t[i].file; i++) {
		struct bsc_member m[3] = {{0}};
		struct bsc_collect c;
		char path[4096], want[4096];
		double t0, dt;
		const struct bsc_collected_item *it;

		m[0].name = "zeros.bin";
		m[0].data = zeros;
		m[0].len = sizeof(zeros);
		m[0].repeat = 256;
		m[1].name = "after.csv";
		m[1].data = csv;
		m[1].len = csv_len;
		snprintf(path, sizeof(path), "%s",
			 bsc_make_archive(dir, t[i].file, &t[i].spec, m));
		t0 = now_s();
		bsc_collect_scan(ctx, path, &c);
		dt = now_s() - t0;
		ck_assert_msg(dt < 10, "%s took %.1f s", t[i].file, dt);
		snprintf(want, sizeof(want), "%s!/zeros.bin", path);
		it = must_item(&c, want);
		ck_assert_int_eq(it->status, BSC_ITEM_PARTIAL);
		ck_assert_ptr_nonnull(strstr(it->reason, "--max-ratio"));
		snprintf(want, sizeof(want), "%s!/after.csv", path);
		if (t[i].after) {
			ck_assert_int_eq(must_item(&c, want)->status,
					 BSC_ITEM_COMPLETE);
			ck_assert_int_eq(must_item(&c, path)->status,
					 BSC_ITEM_PARTIAL);
		} else {
			ck_assert_ptr_null(bsc_collect_item(&c, want));
			it = must_item(&c, path);
			ck_assert_int_eq(it->status, BSC_ITEM_PARTIAL);
			ck_assert_ptr_nonnull(
				strstr(it->reason, "--max-ratio"));
		}
		bsc_collect_free(&c);
	}
	bsc_ctx_free(ctx);
}
END_TEST

/* Drop the first record of a zip's central directory (a hidden entry). */
static void
unlist_first(const char *path)
{
	size_t len, eocd, cd, rec;
	unsigned char *z = (unsigned char *)bsc_read_file(path, &len);
	FILE *f;

	for (eocd = len - 22; eocd > 0 && memcmp(z + eocd, "PK\005\006", 4);
	     eocd--)
		;
	ck_assert(eocd > 0);
	cd = (size_t)z[eocd + 16] | (size_t)z[eocd + 17] << 8 |
	     (size_t)z[eocd + 18] << 16 | (size_t)z[eocd + 19] << 24;
	ck_assert(!memcmp(z + cd, "PK\001\002", 4));
	rec = 46 + ((size_t)z[cd + 28] | (size_t)z[cd + 29] << 8) +
	      ((size_t)z[cd + 30] | (size_t)z[cd + 31] << 8) +
	      ((size_t)z[cd + 32] | (size_t)z[cd + 33] << 8);
	memmove(z + cd, z + cd + rec, len - cd - rec);
	len -= rec;
	eocd -= rec;
	z[eocd + 8]--;  /* entries on this disk, then in total */
	z[eocd + 10]--;
	{
		size_t sz = (size_t)z[eocd + 12] | (size_t)z[eocd + 13] << 8;

		sz -= rec;
		z[eocd + 12] = (unsigned char)sz;
		z[eocd + 13] = (unsigned char)(sz >> 8);
	}
	f = fopen(path, "wb");
	ck_assert(f && fwrite(z, 1, len, f) == len);
	fclose(f);
	free(z);
}

/* Issue 17: an entry the central directory does not list was never read,
 * and the zip was "complete". */
START_TEST(test_archive_zip_unlisted_entry)
{
	struct bsc_ctx *ctx = bsc_test_ctx();
	const char *dir = bsc_tmpdir();
	struct bsc_member m[3] = {{.name = "hidden.csv"},
				  {.name = "visible.txt", .data = "rien\n",
				   .len = 5},
				  {NULL}};
	struct bsc_archive_spec zip = {.format = "zip"};
	struct bsc_collect c;
	const struct bsc_collected_item *it;
	char path[4096], want[4200];

	load_csv();
	m[0].data = csv;
	m[0].len = csv_len;
	snprintf(path, sizeof(path), "%s",
		 bsc_make_archive(dir, "lying.zip", &zip, m));
	unlist_first(path);
	bsc_collect_scan(ctx, path, &c);
	it = must_item(&c, path);
	ck_assert_int_eq(it->status, BSC_ITEM_PARTIAL);
	ck_assert_ptr_nonnull(strstr(it->reason, "central directory"));
	ck_assert_uint_eq(it->members, 2);
	snprintf(want, sizeof(want), "%s!/hidden.csv", path);
	it = must_item(&c, want);
	ck_assert_ptr_nonnull(strstr(it->identity, "last_name"));
	bsc_collect_free(&c);
	bsc_ctx_free(ctx);
}
END_TEST

/* Issue 17: a small truncated .gz or .xz gave nothing (libarchive drops
 * the block it was filling); what came before the damage is now read. */
START_TEST(test_archive_small_truncated_compressed)
{
	static const struct {
		const char *name, *filter;
	} t[] = {{"cut.csv.gz", "gzip"}, {"cut.csv.xz", "xz"}};
	struct bsc_ctx *ctx = bsc_test_ctx();
	const char *dir = bsc_tmpdir();

	load_csv();
	for (size_t i = 0; i < 2; i++) {
		struct bsc_member m[2] = {{.name = "x"}, {NULL}};
		struct bsc_archive_spec spec = {"raw", t[i].filter, NULL, NULL};
		struct bsc_collect c;
		const struct bsc_collected_item *it;
		char path[4096], want[4200];
		size_t len;
		char *z;

		m[0].data = csv;
		m[0].len = csv_len;
		snprintf(path, sizeof(path), "%s",
			 bsc_make_archive(dir, t[i].name, &spec, m));
		z = bsc_read_file(path, &len);
		ck_assert_int_eq(truncate(path, (off_t)(len - 24)), 0);
		free(z);
		bsc_collect_scan(ctx, path, &c);
		it = must_item(&c, path);
		ck_assert_int_eq(it->status, BSC_ITEM_PARTIAL);
		ck_assert_ptr_nonnull(strstr(it->reason, "decompressed before"));
		/* the content keeps its name: cut.csv.gz!/cut.csv */
		snprintf(want, sizeof(want), "%s!/cut.csv", path);
		it = must_item(&c, want);
		ck_assert_int_eq(it->status, BSC_ITEM_PARTIAL);
		ck_assert_uint_gt(it->records, 0);
		ck_assert_ptr_nonnull(strstr(it->identity, "last_name"));
		bsc_collect_free(&c);
	}
	bsc_ctx_free(ctx);
}
END_TEST

/* Issue 17: memory followed an xz header's dictionary size (416 MB for a
 * 768 MiB dictionary): such a header is refused before decompressing. */
START_TEST(test_archive_xz_dictionary_refused)
{
	static const unsigned char xz[] = {
		0xFD, '7', 'z', 'X', 'Z', 0, 0, 4, 0xE6, 0xD6, 0xB4, 0x46,
		/* block header: 12 bytes, one filter, LZMA2, dict 768 MiB */
		0x02, 0x00, 0x21, 0x01, 35, 0, 0, 0, 0, 0, 0, 0,
		1, 2, 3, 4, 5, 6, 7, 8};
	struct bsc_ctx *ctx = bsc_test_ctx();
	const char *path = bsc_write_file(bsc_tmpdir(), "big-dict.xz", xz,
					  sizeof(xz));
	struct bsc_collect c;

	bsc_collect_scan(ctx, path, &c);
	ck_assert_int_eq(c.n, 1);
	ck_assert_int_eq(c.items[0].status, BSC_ITEM_FAILED);
	ck_assert_ptr_nonnull(strstr(c.items[0].reason,
				     "dictionary of 768 MiB"));
	bsc_collect_free(&c);
	bsc_ctx_free(ctx);
}
END_TEST

static Suite *
suite_archive(void)
{
	Suite *s = suite_create("archive");
	TCase *bid = tcase_create("bid");
	TCase *cont = tcase_create("containers");
	TCase *rep = tcase_create("report");
	TCase *lim = tcase_create("limits");
	TCase *dmg = tcase_create("damaged");
	TCase *in = tcase_create("stdin");
	TCase *hos = tcase_create("hostile");

	tcase_add_test(bid, test_archive_bid_magic);
	tcase_add_test(bid, test_archive_detection_by_content);
	tcase_add_test(bid, test_archive_member_names);
	tcase_add_test(cont, test_archive_same_findings_every_container);
	tcase_add_test(cont, test_archive_zip_in_tar_gz);
	tcase_add_test(cont, test_archive_7z_in_zip);
	tcase_add_test(rep, test_archive_json_paths);
	tcase_add_test(rep, test_archive_text_grouping);
	tcase_add_test(lim, test_archive_limit_depth);
	tcase_add_test(lim, test_archive_limit_ratio);
	tcase_add_test(lim, test_archive_limit_members);
	tcase_add_test(lim, test_archive_limit_total);
	tcase_add_test(lim, test_archive_limit_time);
	tcase_add_test(dmg, test_archive_encrypted);
	tcase_add_test(dmg, test_archive_truncated);
	tcase_add_test(dmg, test_archive_corrupt_member);
	tcase_add_test(dmg, test_archive_bad_crc);
	tcase_add_test(lim, test_archive_nested_cut_by_file_size);
	tcase_add_test(dmg, test_archive_special_entries);
	tcase_add_test(dmg, test_archive_huge_declared_size);
	tcase_add_test(dmg, test_archive_rar_not_opened);
	tcase_add_test(dmg, test_archive_empty_and_damaged_gz);
	tcase_add_test(in, test_archive_stdin);
	tcase_add_test(hos, test_archive_nested_20_levels);
	tcase_add_test(hos, test_archive_zip_bomb);
	tcase_add_test(hos, test_archive_zip_unlisted_entry);
	tcase_add_test(hos, test_archive_small_truncated_compressed);
	tcase_add_test(hos, test_archive_xz_dictionary_refused);
	tcase_set_timeout(cont, 60);
	tcase_set_timeout(lim, 60);
	tcase_set_timeout(hos, 120);
	suite_add_tcase(s, bid);
	suite_add_tcase(s, cont);
	suite_add_tcase(s, rep);
	suite_add_tcase(s, lim);
	suite_add_tcase(s, dmg);
	suite_add_tcase(s, in);
	suite_add_tcase(s, hos);
	return s;
}

BSC_TEST_MAIN(suite_archive)
