/*
 * test_walk.c - the walker: byte-wise sorted order whatever the creation
 * order, symlink policy, special files reported as skipped.
 */
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ctx.h"
#include "testlib.h"
#include "ignore.h"
#include "item.h"
#include "walk.h"

struct seen {
	char names[32][256];
	int kinds[32];
	int n;
};

static bsc_status
record(void *data, enum bsc_walk_kind kind, const char *fspath,
       const char *display, const char *reason)
{
	struct seen *s = data;

	(void)fspath;
	(void)reason;
	if (s->n < 32) {
		snprintf(s->names[s->n], sizeof(s->names[0]), "%s", display);
		s->kinds[s->n] = kind;
		s->n++;
	}
	return BSC_OK;
}

START_TEST(test_walk_sorted)
{
	struct bsc_ctx *ctx = bsc_ctx_new();
	const char *d = bsc_tmpdir();
	char dir[4096], sub[4096];
	struct seen s = {0};
	static const char *const created[] = {"zeta.csv", "Beta.csv", "alpha.csv",
					      "b.csv", NULL};

	snprintf(dir, sizeof(dir), "%s", d);
	for (int i = 0; created[i]; i++)
		bsc_write_file(dir, created[i], "x", 1);
	snprintf(sub, sizeof(sub), "%s/m", dir);
	mkdir(sub, 0700);
	bsc_write_file(sub, "inner.csv", "x", 1);
	ck_assert_int_eq(bsc_walk(ctx, dir, record, &s), BSC_OK);
	ck_assert_int_eq(s.n, 5);
	/* strcmp order: upper case first, directories in line */
	ck_assert_ptr_nonnull(strstr(s.names[0], "/Beta.csv"));
	ck_assert_ptr_nonnull(strstr(s.names[1], "/alpha.csv"));
	ck_assert_ptr_nonnull(strstr(s.names[2], "/b.csv"));
	ck_assert_ptr_nonnull(strstr(s.names[3], "/m/inner.csv"));
	ck_assert_ptr_nonnull(strstr(s.names[4], "/zeta.csv"));
	bsc_ctx_free(ctx);
}
END_TEST

START_TEST(test_walk_symlinks)
{
	struct bsc_ctx *ctx = bsc_ctx_new();
	const char *outside = bsc_tmpdir();
	char out_dir[4096], root[4096], link[4096], target[4096];
	struct seen s = {0};

	snprintf(out_dir, sizeof(out_dir), "%s", outside);
	bsc_write_file(out_dir, "secret.csv", "x", 1);
	snprintf(root, sizeof(root), "%s", bsc_tmpdir());
	bsc_write_file(root, "a.csv", "x", 1);
	snprintf(link, sizeof(link), "%s/in.csv", root);
	snprintf(target, sizeof(target), "%s/a.csv", root);
	ck_assert_int_eq(symlink(target, link), 0);
	snprintf(link, sizeof(link), "%s/out.csv", root);
	snprintf(target, sizeof(target), "%s/secret.csv", out_dir);
	ck_assert_int_eq(symlink(target, link), 0);
	snprintf(link, sizeof(link), "%s/dir", root);
	ck_assert_int_eq(symlink(out_dir, link), 0);
	snprintf(link, sizeof(link), "%s/fifo", root);
	ck_assert_int_eq(mkfifo(link, 0600), 0);

	ck_assert_int_eq(bsc_walk(ctx, root, record, &s), BSC_OK);
	ck_assert_int_eq(s.n, 5);
	ck_assert_int_eq(s.kinds[0], BSC_WALK_FILE); /* a.csv */
	ck_assert_int_eq(s.kinds[1], BSC_WALK_SKIP); /* dir -> outside */
	ck_assert_int_eq(s.kinds[2], BSC_WALK_SKIP); /* fifo */
	ck_assert_int_eq(s.kinds[3], BSC_WALK_FILE); /* in.csv, inside */
	ck_assert_int_eq(s.kinds[4], BSC_WALK_SKIP); /* out.csv, outside */

	memset(&s, 0, sizeof(s));
	ctx->follow_symlinks = true;
	ck_assert_int_eq(bsc_walk(ctx, root, record, &s), BSC_OK);
	ck_assert_int_eq(s.kinds[4], BSC_WALK_FILE);
	bsc_ctx_free(ctx);
}
END_TEST

/* Issue 17: a file that shrank while read was reported complete. */
START_TEST(test_walk_item_changed_while_read)
{
	const char *dir = bsc_tmpdir();
	char data[100], buf[256], why[256];
	const char *path;
	struct bsc_item it;
	int fd;

	memset(data, 'a', sizeof(data));
	path = bsc_write_file(dir, "shrinks.csv", data, sizeof(data));
	fd = open(path, O_RDONLY);
	ck_assert_int_ge(fd, 0);
	bsc_item_init(&it, path, bsc_fd_read, &fd, 0);
	it.size_at_open = 100;
	ck_assert_int_eq(bsc_item_read(&it, buf, 60), 60);
	ck_assert_int_eq(truncate(path, 70), 0); /* cut behind our back */
	while (bsc_item_read(&it, buf, sizeof(buf)) > 0)
		;
	ck_assert(bsc_item_changed(&it, fd, why, sizeof(why)));
	ck_assert_ptr_nonnull(strstr(why, "100 bytes at open, 70 read, 70 now"));
	bsc_item_release(&it);
	close(fd);
	/* Unchanged: not flagged. */
	path = bsc_write_file(dir, "stable.csv", data, sizeof(data));
	fd = open(path, O_RDONLY);
	bsc_item_init(&it, path, bsc_fd_read, &fd, 0);
	it.size_at_open = 100;
	while (bsc_item_read(&it, buf, sizeof(buf)) > 0)
		;
	ck_assert(!bsc_item_changed(&it, fd, why, sizeof(why)));
	bsc_item_release(&it);
	close(fd);
}
END_TEST

/* Issue 17: --max-time was not enforced on plain files: every read now
 * checks the item's deadline. */
START_TEST(test_walk_item_time_budget)
{
	const char *dir = bsc_tmpdir();
	const char *path = bsc_write_file(dir, "slow.csv", "a;b\n", 4);
	struct bsc_item it;
	char buf[16];
	int fd = open(path, O_RDONLY);

	bsc_item_init(&it, path, bsc_fd_read, &fd, 0);
	it.deadline_ms = 1; /* long past */
	it.budget_ms = 600000;
	ck_assert_int_eq(bsc_item_read(&it, buf, sizeof(buf)), -1);
	ck_assert_ptr_nonnull(strstr(bsc_item_error(&it), "--max-time (600s)"));
	bsc_item_release(&it);
	bsc_item_init(&it, path, bsc_fd_read, &fd, 0);
	lseek(fd, 0, SEEK_SET);
	it.deadline_ms = bsc_now_ms() + 3600 * 1000;
	ck_assert_int_eq(bsc_item_read(&it, buf, sizeof(buf)), 4);
	bsc_item_release(&it);
	close(fd);
}
END_TEST

/* gitignore syntax: each line against paths, last match wins. */
START_TEST(test_walk_ignore_patterns)
{
	static const struct {
		const char *lines[4];
		const char *rel;
		bool dir, out;
	} t[] = {
		{{"*.log"}, "x.log", false, true},
		{{"*.log"}, "a/b/x.log", false, true},	/* floating: any depth */
		{{"*.log"}, "x.logs", false, false},
		{{"/*.log"}, "a/x.log", false, false},	/* anchored */
		{{"/*.log"}, "x.log", false, true},
		{{"tmp/"}, "tmp", true, true},		/* directories only */
		{{"tmp/"}, "tmp", false, false},
		{{"tmp/"}, "a/tmp", true, true},
		{{"docs/*.csv"}, "docs/a.csv", false, true},
		{{"docs/*.csv"}, "docs/sub/a.csv", false, false}, /* * in one name */
		{{"docs/*.csv"}, "x/docs/a.csv", false, false}, /* a / anchors */
		{{"docs/**/*.csv"}, "docs/a.csv", false, true},	/* ** = 0 names */
		{{"docs/**/*.csv"}, "docs/s/t/a.csv", false, true},
		{{"**/cache"}, "a/b/cache", true, true},
		{{"a/**"}, "a/b/c", false, true},
		{{"p?.csv"}, "p1.csv", false, true},
		{{"p[0-9].csv"}, "p7.csv", false, true},
		{{"p[0-9].csv"}, "px.csv", false, false},
		/* negation: the last match decides, order matters */
		{{"*.csv", "!keep.csv"}, "keep.csv", false, false},
		{{"!keep.csv", "*.csv"}, "keep.csv", false, true},
		{{"*.csv", "!keep.csv"}, "other.csv", false, true},
		/* comments, blank lines, escapes, trailing spaces */
		{{"# a comment", "", "   "}, "# a comment", false, false},
		{{"\\#hash"}, "#hash", false, true},
		{{"\\!bang"}, "!bang", false, true},
		{{"\\#hash"}, "\\#hash", false, false},
		{{"x.csv   "}, "x.csv", false, true},
		{{NULL}, "x.csv", false, false},
	};

	for (size_t i = 0; i < BSC_ARRAY_SIZE(t); i++) {
		struct bsc_ignore *ig = bsc_ignore_new();

		for (int k = 0; k < 4 && t[i].lines[k]; k++)
			bsc_ignore_add(ig, t[i].lines[k]);
		ck_assert_msg(bsc_ignore_excluded(ig, t[i].rel, t[i].dir) ==
				      t[i].out,
			      "case %zu: '%s' (%s)", i, t[i].rel,
			      t[i].lines[0] ? t[i].lines[0] : "-");
		bsc_ignore_free(ig);
	}
}
END_TEST

/* --include: only matching files; directories are still walked. */
START_TEST(test_walk_ignore_include)
{
	struct bsc_ignore *ig = bsc_ignore_new();

	bsc_ignore_add_include(ig, "*.csv");
	bsc_ignore_add(ig, "secret/");
	ck_assert(!bsc_ignore_excluded(ig, "a/b.csv", false));
	ck_assert(bsc_ignore_excluded(ig, "a/b.txt", false));
	ck_assert(!bsc_ignore_excluded(ig, "a", true));
	ck_assert(bsc_ignore_excluded(ig, "secret", true));
	ck_assert(!bsc_ignore_empty(ig));
	bsc_ignore_free(ig);
	ck_assert(!bsc_ignore_excluded(NULL, "a.csv", false));
}
END_TEST

/* The walker leaves out what the root's .breachscopeignore names, reports
 * it as excluded, and does not walk an excluded directory. */
START_TEST(test_walk_ignore_file)
{
	struct bsc_ctx *ctx = bsc_ctx_new();
	char root[4096];
	struct seen s = {.n = 0};
	int excluded = 0, files = 0;

	char tmp[4200];

	snprintf(root, sizeof(root), "%s/ig", bsc_tmpdir());
	mkdir(root, 0700);
	bsc_write_file(root, "a.csv", "x\n", 2);
	bsc_write_file(root, "b.log", "x\n", 2);
	snprintf(tmp, sizeof(tmp), "%s/tmp", root);
	mkdir(tmp, 0700);
	bsc_write_file(tmp, "c.csv", "x\n", 2);
	bsc_write_file(root, ".breachscopeignore", "*.log\ntmp/\n", 11);
	ck_assert_int_eq(bsc_walk(ctx, root, record, &s), BSC_OK);
	for (int i = 0; i < s.n; i++) {
		excluded += s.kinds[i] == BSC_WALK_EXCLUDED;
		files += s.kinds[i] == BSC_WALK_FILE;
		ck_assert_msg(!strstr(s.names[i], "c.csv"), "%s walked",
			      s.names[i]);
	}
	ck_assert_int_eq(excluded, 2); /* b.log and tmp */
	ck_assert_int_eq(files, 2);    /* .breachscopeignore and a.csv */
	/* --no-ignore-file: all of it. */
	s.n = 0;
	ctx->no_ignore_file = true;
	ck_assert_int_eq(bsc_walk(ctx, root, record, &s), BSC_OK);
	ck_assert_int_eq(s.n, 4);
	bsc_ctx_free(ctx);
}
END_TEST

static Suite *
suite_walk(void)
{
	Suite *s = suite_create("walk");
	TCase *tc = tcase_create("walk");

	tcase_add_test(tc, test_walk_sorted);
	tcase_add_test(tc, test_walk_item_changed_while_read);
	tcase_add_test(tc, test_walk_item_time_budget);
	tcase_add_test(tc, test_walk_symlinks);
	tcase_add_test(tc, test_walk_ignore_patterns);
	tcase_add_test(tc, test_walk_ignore_include);
	tcase_add_test(tc, test_walk_ignore_file);
	suite_add_tcase(s, tc);
	return s;
}

BSC_TEST_MAIN(suite_walk)
