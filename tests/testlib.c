/*
 * testlib.c - shared test helpers: fixture paths from the environment that
 * meson sets, a collecting sink that copies reports, temp directories, and
 * archives written at test time with libarchive's write API.
 */
#include "testlib.h"

#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <ftw.h>
#include <locale.h>
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

static char archive_buf[4096];

const char *
bsc_make_archive(const char *dir, const char *name,
		 const struct bsc_archive_spec *spec,
		 const struct bsc_member *members)
{
	/* Names are UTF-8: write under a UTF-8 locale, for this thread only
	 * (some of libarchive's writers need names in the locale). */
	locale_t loc = newlocale(LC_CTYPE_MASK, "C.UTF-8", (locale_t)0);
	locale_t old = loc ? uselocale(loc) : (locale_t)0;
	struct archive *a = archive_write_new();

	snprintf(archive_buf, sizeof(archive_buf), "%s/%s", dir, name);
	ck_assert_msg(archive_write_set_format_by_name(a, spec->format) ==
			      ARCHIVE_OK,
		      "format %s: %s", spec->format, archive_error_string(a));
	if (spec->filter)
		ck_assert_msg(archive_write_add_filter_by_name(
				      a, spec->filter) == ARCHIVE_OK,
			      "filter %s: %s", spec->filter,
			      archive_error_string(a));
	if (spec->password)
		ck_assert(archive_write_set_passphrase(a, spec->password) ==
			  ARCHIVE_OK);
	if (spec->options)
		ck_assert_msg(archive_write_set_options(a, spec->options) ==
				      ARCHIVE_OK,
			      "options %s: %s", spec->options,
			      archive_error_string(a));
	/* Small blocks: no padding to 10 KiB, so cuts land where meant. */
	archive_write_set_bytes_in_last_block(a, 1);
	ck_assert_msg(archive_write_open_filename(a, archive_buf) ==
			      ARCHIVE_OK,
		      "open %s: %s", archive_buf, archive_error_string(a));
	for (const struct bsc_member *m = members; m->name; m++) {
		struct archive_entry *e = archive_entry_new();
		unsigned rep = m->repeat ? m->repeat : 1;
		int64_t size = (int64_t)m->len * rep;

		archive_entry_set_pathname_utf8(e, m->name);
		archive_entry_set_perm(e, 0644);
		archive_entry_set_mtime(e, 1700000000, 0);
		switch (m->type) {
		case 'd':
			archive_entry_set_filetype(e, AE_IFDIR);
			archive_entry_set_perm(e, 0755);
			size = 0;
			break;
		case 'l':
			archive_entry_set_filetype(e, AE_IFLNK);
			archive_entry_set_symlink(e, m->target);
			size = 0;
			break;
		case 'h':
			archive_entry_set_filetype(e, AE_IFREG);
			archive_entry_set_hardlink(e, m->target);
			size = 0;
			break;
		case 'c':
			archive_entry_set_filetype(e, AE_IFCHR);
			archive_entry_set_rdev(e, 0x0103);
			size = 0;
			break;
		case 'p':
			archive_entry_set_filetype(e, AE_IFIFO);
			size = 0;
			break;
		default:
			archive_entry_set_filetype(e, AE_IFREG);
			break;
		}
		archive_entry_set_size(e, size);
		ck_assert_msg(archive_write_header(a, e) == ARCHIVE_OK,
			      "header %s: %s", m->name,
			      archive_error_string(a));
		for (unsigned i = 0; size && i < rep; i++)
			ck_assert(archive_write_data(a, m->data, m->len) ==
				  (la_ssize_t)m->len);
		archive_entry_free(e);
	}
	ck_assert_msg(archive_write_close(a) == ARCHIVE_OK, "close %s: %s",
		      archive_buf, archive_error_string(a));
	archive_write_free(a);
	if (loc) {
		uselocale(old);
		freelocale(loc);
	}
	return archive_buf;
}

char *
bsc_read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	size_t cap = 65536, n = 0, k;
	char *buf = malloc(cap + 1);

	ck_assert_msg(f != NULL, "cannot read %s", path);
	while ((k = fread(buf + n, 1, cap - n, f)) > 0) {
		n += k;
		if (n == cap) {
			cap *= 2;
			buf = realloc(buf, cap + 1);
		}
	}
	fclose(f);
	buf[n] = '\0';
	if (len)
		*len = n;
	return buf;
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
	it->container = dup_or_null(r->container);
	it->depth = r->depth;
	it->archive = r->archive;
	it->members = r->members;
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
		x->violation = f->violation;
		x->suppressed = dup_or_null(f->suppressed);
		x->fingerprint = dup_or_null(f->fingerprint);
		x->note = dup_or_null(f->note);
		x->line = f->loc.line;
		x->start_char = f->loc.start_char;
	}
	it->violations = r->violations;
	it->severity = dup_or_null(r->severity);
	it->n_flags = r->n_flags;
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
			free(it->findings[k].suppressed);
			free(it->findings[k].note);
			free(it->findings[k].fingerprint);
		}
		free(it->findings);
		free(it->path);
		free(it->container);
		free(it->format);
		free(it->encoding);
		free(it->reason);
		free(it->note);
		free(it->identity);
		free(it->medical);
		free(it->severity);
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

struct bsc_collect
bsc_collect_one(struct bsc_ctx *ctx, const char *path)
{
	struct bsc_collect c;

	bsc_collect_scan(ctx, path, &c);
	ck_assert_uint_eq(c.n, 1);
	return c;
}

struct bsc_collect
bsc_collect_fixture(struct bsc_ctx *ctx, const char *rel)
{
	return bsc_collect_one(ctx, bsc_fixture_path(rel));
}

struct bsc_collect
bsc_collect_text(struct bsc_ctx *ctx, const char *name, const char *data)
{
	return bsc_collect_one(ctx, bsc_write_file(bsc_tmpdir(), name, data,
						   strlen(data)));
}

const struct bsc_collected_item *
bsc_collect_item(const struct bsc_collect *c, const char *path)
{
	for (size_t i = 0; i < c->n; i++)
		if (!strcmp(c->items[i].path, path))
			return &c->items[i];
	return NULL;
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
