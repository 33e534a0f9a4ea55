/*
 * package.h - reading the parts of an office package (OOXML .xlsx/.docx,
 * OpenDocument .ods/.odt): a zip read in-process with libarchive, from
 * the item's file descriptor (pread) or from a bounded copy in memory, and
 * its XML parts parsed with a hardened libxml2 SAX2 push parser. Shared by
 * the spreadsheet and document readers; never writes anything.
 */
#ifndef BSC_PACKAGE_H
#define BSC_PACKAGE_H
#ifndef BSC_INTERNAL
#error "scanner-internal header"
#endif

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "format.h"

struct bsc_package;

/*
 * The package the reader's item holds. Members inside archives and pipes
 * are copied into memory, at most --max-seek-buffer bytes. Returns NULL
 * with the reason in r (bsc_reader_fail, BSC_FAILED) when it cannot be
 * opened. Free with bsc_package_free.
 */
struct bsc_package *bsc_package_open(struct bsc_reader *r);
void bsc_package_free(struct bsc_package *p);

/* Callbacks for the elements of one XML part. Names are local names;
 * attrs are (local name, value) pairs, NULL-terminated; text comes in
 * pieces. Any may be NULL. */
struct bsc_part_ops {
	void (*start)(void *data, const char *name, const char **attrs);
	void (*end)(void *data, const char *name);
	void (*text)(void *data, const char *s, size_t len);
	void *data;
};

/*
 * Visit the members in zip order: want(name) says whether to parse one,
 * then its XML goes to ops (want may change ops->data meanwhile through
 * its own data). Returns false when the package could not be read to its
 * end or a part was refused (a DOCTYPE with entities, malformed XML, a
 * limit: the decompressed total --max-total-size, the time --max-time);
 * bsc_package_error says why.
 */
bool bsc_package_each(struct bsc_package *p,
		      bool (*want)(void *data, const char *name),
		      void *want_data, const struct bsc_part_ops *ops);

/* Stop the current part early (from a callback): the rest is skipped. */
void bsc_package_stop_part(struct bsc_package *p);

/* Why the last bsc_package_each failed, or NULL. Owned by p. */
const char *bsc_package_error(const struct bsc_package *p);

/* Does this raw head start a zip whose first member is an office
 * package's ("[Content_Types].xml", or "mimetype" holding prefix)? */
bool bsc_package_sniff(const unsigned char *h, size_t n, const char *part,
		       const char *content);

/* Attribute name's value in attrs (from bsc_part_ops.start), or NULL. */
const char *bsc_package_attr(const char **attrs, const char *name);

#endif
