/*
 * walk.c - the walker (walk stage): recursive directory traversal in
 * byte-wise sorted order (strcmp, never the locale), so reports do not
 * depend on the file system's directory order. Symlinks to files inside
 * the scan root are scanned; symlinks that leave the root are reported as
 * skipped unless --follow-symlinks; symlinked directories, devices, FIFOs
 * and sockets are reported as skipped. It only opens directories; it never
 * writes anything.
 */
#include "walk.h"

#include "ignore.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

/* Deeper trees are reported, not walked (stack and path safety). */
#define MAX_DEPTH 256

struct walk {
	struct bsc_ctx *ctx;
	bsc_walk_fn fn;
	void *data;
	char *root_real; /* realpath of the root */
	size_t rel_at;   /* display + rel_at: the path relative to root */
	struct bsc_ignore *ignore; /* this root's, or NULL */
};

static int
cmp_dirent(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

static int
keep_entry(const struct dirent *d)
{
	return strcmp(d->d_name, ".") && strcmp(d->d_name, "..");
}

static const char *
type_name(mode_t m)
{
	if (S_ISFIFO(m))
		return "FIFO";
	if (S_ISSOCK(m))
		return "socket";
	if (S_ISCHR(m))
		return "character device";
	if (S_ISBLK(m))
		return "block device";
	return "special file";
}

static bool
inside(const char *root, const char *p)
{
	size_t n = strlen(root);

	if (strncmp(root, p, n) != 0)
		return false;
	return p[n] == '/' || p[n] == '\0' || (n == 1 && root[0] == '/');
}

static bsc_status
visit(struct walk *w, const char *path, const char *display, int depth);

static bsc_status
visit_symlink(struct walk *w, const char *path, const char *display)
{
	char *real = realpath(path, NULL);
	struct stat st;
	bsc_status ret;

	if (!real || stat(real, &st) != 0) {
		free(real);
		return w->fn(w->data, BSC_WALK_SKIP, path, display,
			     "broken symlink");
	}
	if (S_ISDIR(st.st_mode))
		ret = w->fn(w->data, BSC_WALK_SKIP, path, display,
			    "symlink to a directory: not followed");
	else if (!S_ISREG(st.st_mode))
		ret = w->fn(w->data, BSC_WALK_SKIP, path, display,
			    "symlink to a special file: not followed");
	else if (!w->ctx->follow_symlinks && !inside(w->root_real, real))
		ret = w->fn(w->data, BSC_WALK_SKIP, path, display,
			    "symlink leads out of the scan root: not "
			    "followed (use --follow-symlinks)");
	else
		ret = w->fn(w->data, BSC_WALK_FILE, real, display, NULL);
	free(real);
	return ret;
}

static bsc_status
visit_dir(struct walk *w, const char *path, const char *display, int depth)
{
	struct dirent **ents = NULL;
	int n;
	bsc_status ret = BSC_OK;

	if (depth >= MAX_DEPTH)
		return w->fn(w->data, BSC_WALK_FAIL, path, display,
			     "directory nesting deeper than 256 levels: not "
			     "walked");
	n = scandir(path, &ents, keep_entry, cmp_dirent);
	if (n < 0) {
		char reason[256];

		snprintf(reason, sizeof(reason),
			 "cannot read directory: %s", strerror(errno));
		return w->fn(w->data, BSC_WALK_FAIL, path, display, reason);
	}
	for (int i = 0; i < n; i++) {
		bool slash = path[strlen(path) - 1] == '/';
		bool dslash = display[strlen(display) - 1] == '/';
		char *p = bsc_asprintf("%s%s%s", path, slash ? "" : "/",
				       ents[i]->d_name);
		char *d = bsc_asprintf("%s%s%s", display, dslash ? "" : "/",
				       ents[i]->d_name);

		if (ret == BSC_OK)
			ret = visit(w, p, d, depth + 1);
		free(p);
		free(d);
		free(ents[i]);
	}
	free(ents);
	return ret;
}

static bsc_status
visit(struct walk *w, const char *path, const char *display, int depth)
{
	struct stat st;

	if (lstat(path, &st) != 0) {
		char reason[256];

		snprintf(reason, sizeof(reason), "cannot stat: %s",
			 strerror(errno));
		return w->fn(w->data, BSC_WALK_FAIL, path, display, reason);
	}
	if (bsc_ignore_excluded(w->ignore, display + w->rel_at,
				S_ISDIR(st.st_mode)))
		return w->fn(w->data, BSC_WALK_EXCLUDED, path, display, NULL);
	if (S_ISDIR(st.st_mode))
		return visit_dir(w, path, display, depth);
	if (S_ISREG(st.st_mode))
		return w->fn(w->data, BSC_WALK_FILE, path, display, NULL);
	if (S_ISLNK(st.st_mode))
		return visit_symlink(w, path, display);
	{
		char reason[128];

		snprintf(reason, sizeof(reason), "%s: not a regular file",
			 type_name(st.st_mode));
		return w->fn(w->data, BSC_WALK_SKIP, path, display, reason);
	}
}

/* Version-control folders: a repository's own machinery (compressed
 * objects no reader opens), left out like ripgrep does and counted as
 * excluded; "!.git/" in .breachscopeignore or --exclude '!.git/' scans
 * them again. */
static const char *const vcs_dirs[] = {".git/", ".hg/", ".svn/"};

/*
 * The patterns for root: the version-control folders, its
 * .breachscopeignore (unless turned off), then ctx->ignore
 * (--ignore-file, --exclude, --include), so that the command line has
 * the last word. *out is NULL when there are none.
 */
static bsc_status
root_ignore(struct bsc_ctx *ctx, const char *root, struct bsc_ignore **out)
{
	size_t n = strlen(root);
	char *file = bsc_asprintf("%s%s.breachscopeignore", root,
				  n && root[n - 1] == '/' ? "" : "/");
	struct bsc_ignore *ig = bsc_ignore_new();
	bsc_status st = BSC_OK;

	for (size_t i = 0; i < BSC_ARRAY_SIZE(vcs_dirs); i++)
		bsc_ignore_add(ig, vcs_dirs[i]);
	if (!ctx->no_ignore_file && !bsc_ignore_add_file(ig, file) &&
	    errno != ENOENT && errno != ENOTDIR)
		st = bsc_set_error(ctx, BSC_FATAL,
				   "cannot read %s: %s (fix it, or use "
				   "--no-ignore-file)",
				   file, strerror(errno));
	free(file);
	bsc_ignore_append(ig, ctx->ignore);
	if (st != BSC_OK || bsc_ignore_empty(ig)) {
		bsc_ignore_free(ig);
		ig = NULL;
	}
	*out = ig;
	return st;
}

bsc_status
bsc_walk(struct bsc_ctx *ctx, const char *root, bsc_walk_fn fn, void *data)
{
	struct walk w = {.ctx = ctx, .fn = fn, .data = data};
	size_t n = strlen(root);
	bsc_status ret;

	w.rel_at = n && root[n - 1] == '/' ? n : n + 1;
	if (root_ignore(ctx, root, &w.ignore) != BSC_OK)
		return BSC_FATAL;
	w.root_real = realpath(root, NULL);
	if (!w.root_real)
		w.root_real = bsc_strdup(root);
	ret = visit_dir(&w, root, root, 0);
	free(w.root_real);
	bsc_ignore_free(w.ignore);
	return ret;
}
