/*
 * testlib.c - shared test helpers: fixture paths from the environment that
 * meson sets, a collecting sink that copies reports, temp directories.
 */
#include "testlib.h"

#include <fcntl.h>
#include <ftw.h>
#include <string.h>
#include <unistd.h>

static char path_buf[4096];
static char tmp_buf[4096];
static char write_buf[4096];
static int tmp_seq;

static const char *
env_or(const char *name, const char *fallback)
{
	const char *v = getenv(name);

	return v && *v ? v : fallback;
}

const char *
bsc_fixture_path(const char *rel)
{
	snprintf(path_buf, sizeof(path_buf), "%s/%s",
		 env_or("BSC_FIXTURES", "fixtures"), rel);
	return path_buf;
}

const char *
bsc_patterns_dir(void)
{
	return env_or("BSC_PATTERNS", "patterns");
}

static int
rm_cb(const char *p, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(p);
}

static char tmp_root[4096];

static void
cleanup_tmp(void)
{
	if (tmp_root[0])
		nftw(tmp_root, rm_cb, 16, FTW_DEPTH | FTW_PHYS);
}

const char *
bsc_tmpdir(void)
{
	if (!tmp_root[0]) {
		snprintf(tmp_root, sizeof(tmp_root), "%s/bsc-test-XXXXXX",
			 env_or("TMPDIR", "/tmp"));
		if (!mkdtemp(tmp_root))
			ck_abort_msg("mkdtemp failed");
		atexit(cleanup_tmp);
	}
	snprintf(tmp_buf, sizeof(tmp_buf), "%s/t%d", tmp_root, ++tmp_seq);
	if (mkdir(tmp_buf, 0700) != 0)
		ck_abort_msg("mkdir %s failed", tmp_buf);
	return tmp_buf;
}

const char *
bsc_write_file(const char *dir, const char *name, const void *data,
	       size_t len)
{
	FILE *f;

	snprintf(write_buf, sizeof(write_buf), "%s/%s", dir, name);
	f = fopen(write_buf, "wb");
	ck_assert_ptr_nonnull(f);
	ck_assert_uint_eq(fwrite(data, 1, len, f), len);
	fclose(f);
	return write_buf;
}

struct bsc_ctx *
bsc_test_ctx(void)
{
	struct bsc_ctx *ctx = bsc_ctx_new();

	if (bsc_ctx_load_rules(ctx, bsc_patterns_dir()) != BSC_OK)
		ck_abort_msg("loading rules: %s", bsc_ctx_error(ctx));
	return ctx;
}

static char *
dup_or_null(const char *s)
{
	return s ? strdup(s) : NULL;
}

static char *
join(const char *const *v, size_t n)
{
	size_t len = 1;
	char *out;

	for (size_t i = 0; i < n; i++)
		len += strlen(v[i]) + 1;
	out = calloc(1, len);
	for (size_t i = 0; i < n; i++) {
		if (i)
			strcat(out, ",");
		strcat(out, v[i]);
	}
	return out;
}

static bsc_status
collect_item(void *data, const struct bsc_item_report *r)
{
	struct bsc_collect *c = data;
	struct bsc_collected_item *it;

	c->items = realloc(c->items, (c->n + 1) * sizeof(*c->items));
	it = &c->items[c->n++];
	memset(it, 0, sizeof(*it));
	it->path = strdup(r->path);
	it->format = dup_or_null(r->format);
	it->encoding = dup_or_null(r->encoding);
	it->status = r->status;
	it->reason = dup_or_null(r->reason);
	it->note = dup_or_null(r->note);
	it->records = r->records;
	it->records_identity = r->records_identity;
	it->records_medical = r->records_medical;
	it->records_linked = r->records_linked;
	it->identity = join(r->identity, r->n_identity);
	it->medical = join(r->medical, r->n_medical);
	it->findings = calloc(r->n_findings + 1, sizeof(*it->findings));
	it->n_findings = r->n_findings;
	for (size_t i = 0; i < r->n_findings; i++) {
		const struct bsc_finding *f = &r->findings[i];
		struct bsc_collected_finding *x = &it->findings[i];

		x->category = strdup(f->category);
		x->column = f->loc.column;
		x->header = dup_or_null(f->loc.header);
		x->count = f->count;
		x->confidence = f->confidence;
		x->evidence = f->evidence;
		x->subject = f->subject;
		x->sample = strdup(f->sample);
	}
	return BSC_OK;
}

void
bsc_collect_init(struct bsc_collect *c)
{
	memset(c, 0, sizeof(*c));
	c->sink.item = collect_item;
	c->sink.data = c;
}

void
bsc_collect_free(struct bsc_collect *c)
{
	for (size_t i = 0; i < c->n; i++) {
		struct bsc_collected_item *it = &c->items[i];

		for (size_t k = 0; k < it->n_findings; k++) {
			free(it->findings[k].category);
			free(it->findings[k].header);
			free(it->findings[k].sample);
		}
		free(it->findings);
		free(it->path);
		free(it->format);
		free(it->encoding);
		free(it->reason);
		free(it->note);
		free(it->identity);
		free(it->medical);
	}
	free(c->items);
	memset(c, 0, sizeof(*c));
}

void
bsc_collect_scan(struct bsc_ctx *ctx, const char *path, struct bsc_collect *c)
{
	const char *paths[1] = {path};

	bsc_collect_init(c);
	ck_assert_int_eq(bsc_scan(ctx, paths, 1, &c->sink), BSC_OK);
}

const struct bsc_collected_finding *
bsc_collect_find(const struct bsc_collected_item *it, const char *category,
		 unsigned column)
{
	for (size_t i = 0; i < it->n_findings; i++)
		if (!strcmp(it->findings[i].category, category) &&
		    (column == 0 || it->findings[i].column == column))
			return &it->findings[i];
	return NULL;
}

const struct bsc_collected_finding *
bsc_collect_find_at(const struct bsc_collected_item *it, const char *category,
		    const char *where)
{
	for (size_t i = 0; i < it->n_findings; i++)
		if (!strcmp(it->findings[i].category, category) &&
		    it->findings[i].header &&
		    strstr(it->findings[i].header, where))
			return &it->findings[i];
	return NULL;
}
