/*
 * ignore.h - what the walker leaves out: --exclude / --include globs and
 * .breachscopeignore files (gitignore syntax), matched against paths
 * relative to each scanned root.
 */
#ifndef BSC_IGNORE_H
#define BSC_IGNORE_H
#ifndef BSC_INTERNAL
#error "scanner-internal header"
#endif

#include <stdbool.h>
#include <stddef.h>

/* An ordered list of patterns; the last one that matches decides. */
struct bsc_ignore;

struct bsc_ignore *bsc_ignore_new(void);
void bsc_ignore_free(struct bsc_ignore *ig);

/*
 * Add one gitignore line: "#" comments and blank lines are skipped, "!"
 * re-includes, a trailing "/" matches directories only, a "/" at the start
 * or inside anchors the pattern at the root (else it matches a name at
 * any depth), "*" and "?" stay within one name, "**" crosses names, "\"
 * escapes a leading "#" or "!". The line is copied.
 */
void bsc_ignore_add(struct bsc_ignore *ig, const char *line);

/* --include GLOB: when any is given, only files that one matches are
 * scanned (same pattern syntax; directories are always walked). */
void bsc_ignore_add_include(struct bsc_ignore *ig, const char *glob);

/*
 * Add every line of the file at path. Returns false (errno set) when it
 * cannot be read.
 */
bool bsc_ignore_add_file(struct bsc_ignore *ig, const char *path);

/* Append the patterns and includes of src to dst (copied). */
void bsc_ignore_append(struct bsc_ignore *dst, const struct bsc_ignore *src);

/*
 * Is the entry at rel (relative to the root, "/"-separated, no leading
 * "./") left out? is_dir says whether it is a directory. NULL ig: no.
 */
bool bsc_ignore_excluded(const struct bsc_ignore *ig, const char *rel,
                         bool is_dir);

/* True when nothing was added (no pattern, no include). */
bool bsc_ignore_empty(const struct bsc_ignore *ig);

#endif
