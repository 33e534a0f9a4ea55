/*
 * package.c - the parts of an office package (reader stage, shared by
 * format_sheet.c and format_doc.c). The package is a zip: libarchive
 * reads it in-process through its central directory, from the item's
 * file descriptor with pread() or from a copy in memory bounded by
 * --max-seek-buffer (archive members, pipes). Nothing is extracted.
 *
 * XML parts are parsed with a libxml2 SAX2 push parser fed from the
 * member's decompressed bytes, hardened like format_xml.c: never
 * XML_PARSE_NOENT, _DTDLOAD, _DTDATTR or _HUGE, always _NONET; an entity
 * declaration stops the part (OOXML and ODF parts never declare any);
 * only the five predefined entities resolve; nothing is ever loaded.
 * Decompressed bytes count against --max-total-size and the time against
 * --max-time, so a zip bomb inside a .xlsx stops with its reason.
 */
#include "package.h"

#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <libxml/parser.h>
#include <libxml/parserInternals.h>

#include "format_xml.h"

#define CHUNK 65536
#define MAX_ATTRS 32

struct bsc_package {
	struct bsc_reader *r;
	int fd;               /* read with pread, or -1 */
	unsigned char *mem;   /* else the package in memory */
	uint64_t len;
	uint64_t pos;
	unsigned char *buf;   /* read buffer for the fd */
	struct archive *a;
	const struct bsc_part_ops *ops;
	xmlParserCtxtPtr ctxt;
	bool stop_part;
	bool failed;
	uint64_t expanded;    /* decompressed bytes, every pass */
	long long deadline_ms;
	const char *part;     /* the member being parsed */
	char error[256];
};

static long long
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void
pkg_fail(struct bsc_package *p, const char *fmt, ...) BSC_PRINTF(2, 3);

static void
pkg_fail(struct bsc_package *p, const char *fmt, ...)
{
	va_list ap;

	if (p->failed)
		return;
	p->failed = true;
	va_start(ap, fmt);
	vsnprintf(p->error, sizeof(p->error), fmt, ap);
	va_end(ap);
}

/* ---- the zip source: pread on the fd, or memory ------------------------ */

static la_ssize_t
src_read(struct archive *a, void *data, const void **out)
{
	struct bsc_package *p = data;
	ssize_t n;

	(void)a;
	if (p->mem) {
		size_t left = p->pos < p->len ? (size_t)(p->len - p->pos) : 0;

		n = (ssize_t)(left < CHUNK ? left : CHUNK);
		*out = p->mem + p->pos;
		p->pos += (uint64_t)n;
		return n;
	}
	do
		n = pread(p->fd, p->buf, CHUNK, (off_t)p->pos);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -1;
	*out = p->buf;
	p->pos += (uint64_t)n;
	return n;
}

static la_int64_t
src_seek(struct archive *a, void *data, la_int64_t off, int whence)
{
	struct bsc_package *p = data;
	int64_t base = whence == SEEK_SET   ? 0
		       : whence == SEEK_CUR ? (int64_t)p->pos
					    : (int64_t)p->len;

	(void)a;
	if (base + off < 0)
		return ARCHIVE_FATAL;
	p->pos = (uint64_t)(base + off);
	return (la_int64_t)p->pos;
}

static bool
load_memory(struct bsc_package *p)
{
	size_t len = 0;

	p->mem = bsc_reader_slurp(p->r, "office file", &len);
	p->len = len;
	return p->mem != NULL;
}

struct bsc_package *
bsc_package_open(struct bsc_reader *r)
{
	struct bsc_package *p = bsc_zalloc(sizeof(*p));
	struct stat st;

	p->r = r;
	p->fd = r->item->fd;
	/* fstat, not lseek: the descriptor's offset is the item's */
	if (p->fd >= 0 && fstat(p->fd, &st) == 0 && S_ISREG(st.st_mode)) {
		p->len = (uint64_t)st.st_size;
		p->buf = bsc_zalloc(CHUNK);
		bsc_reader_read_elsewhere(r);
	} else {
		p->fd = -1;
		if (!load_memory(p)) {
			free(p);
			return NULL;
		}
	}
	if (r->limits->max_time_ms)
		p->deadline_ms = now_ms() + (long long)r->limits->max_time_ms;
	return p;
}

void
bsc_package_free(struct bsc_package *p)
{
	if (!p)
		return;
	free(p->mem);
	free(p->buf);
	free(p);
}

const char *
bsc_package_error(const struct bsc_package *p)
{
	return p->failed ? p->error : NULL;
}

void
bsc_package_stop_part(struct bsc_package *p)
{
	p->stop_part = true;
	if (p->ctxt)
		xmlStopParser(p->ctxt);
}

bool
bsc_package_sniff(const unsigned char *h, size_t n, const char *part,
		  const char *content)
{
	size_t plen = strlen(part), nlen, xlen;

	if (n < 30 || memcmp(h, "PK\003\004", 4))
		return false;
	nlen = (size_t)h[26] | (size_t)h[27] << 8;
	xlen = (size_t)h[28] | (size_t)h[29] << 8;
	if (nlen != plen || n < 30 + nlen || memcmp(h + 30, part, plen))
		return false;
	if (!content)
		return true;
	/* The ODF mimetype member is stored: its bytes follow the header. */
	return n >= 30 + nlen + xlen + strlen(content) &&
	       !memcmp(h + 30 + nlen + xlen, content, strlen(content));
}

const char *
bsc_package_attr(const char **attrs, const char *name)
{
	for (size_t i = 0; attrs && attrs[i]; i += 2)
		if (!strcmp(attrs[i], name))
			return attrs[i + 1];
	return NULL;
}

/* ---- hardened SAX ----------------------------------------------------- */

static void
sax_start(void *ctx, const xmlChar *local, const xmlChar *prefix,
	  const xmlChar *uri, int nns, const xmlChar **ns, int nattrs,
	  int ndefaulted, const xmlChar **attrs)
{
	struct bsc_package *p = ctx;
	const char *av[2 * MAX_ATTRS + 1];
	char *vals[MAX_ATTRS];
	int k = 0;

	(void)prefix;
	(void)uri;
	(void)nns;
	(void)ns;
	(void)ndefaulted;
	if (!p->ops->start || p->stop_part)
		return;
	/* attrs: (localname, prefix, URI, value, end) per attribute */
	for (int i = 0; i < nattrs && k < MAX_ATTRS; i++) {
		const xmlChar **at = attrs + 5 * i;
		size_t vl = (size_t)(at[4] - at[3]);

		vals[k] = bsc_zalloc(vl + 1);
		memcpy(vals[k], at[3], vl);
		av[2 * k] = (const char *)at[0];
		av[2 * k + 1] = vals[k];
		k++;
	}
	av[2 * k] = NULL;
	p->ops->start(p->ops->data, (const char *)local, av);
	for (int i = 0; i < k; i++)
		free(vals[i]);
}

static void
sax_end(void *ctx, const xmlChar *local, const xmlChar *prefix,
	const xmlChar *uri)
{
	struct bsc_package *p = ctx;

	(void)prefix;
	(void)uri;
	if (p->ops->end && !p->stop_part)
		p->ops->end(p->ops->data, (const char *)local);
}

static void
sax_chars(void *ctx, const xmlChar *ch, int len)
{
	struct bsc_package *p = ctx;

	if (p->ops->text && !p->stop_part)
		p->ops->text(p->ops->data, (const char *)ch, (size_t)len);
}

static void
sax_entity_decl(void *ctx, const xmlChar *name, int type,
		const xmlChar *public_id, const xmlChar *system_id,
		xmlChar *content)
{
	struct bsc_package *p = ctx;

	(void)type;
	(void)public_id;
	(void)system_id;
	(void)content;
	pkg_fail(p,
		 "%s declares entity '%.40s': entity declarations are "
		 "refused (an office package never has any)",
		 p->part, (const char *)name);
	xmlStopParser(p->ctxt);
}

static void
sax_unparsed(void *ctx, const xmlChar *name, const xmlChar *public_id,
	     const xmlChar *system_id, const xmlChar *notation)
{
	(void)notation;
	sax_entity_decl(ctx, name, 0, public_id, system_id, NULL);
}


static void
sax_error(void *ctx, xmlErrorPtr e)
{
	(void)ctx;
	(void)e; /* reported from the parser's status below */
}

static void
sax_init(xmlSAXHandler *sax)
{
	memset(sax, 0, sizeof(*sax));
	sax->initialized = XML_SAX2_MAGIC;
	sax->startElementNs = sax_start;
	sax->endElementNs = sax_end;
	sax->characters = sax_chars;
	sax->cdataBlock = sax_chars;
	sax->entityDecl = sax_entity_decl;
	sax->unparsedEntityDecl = sax_unparsed;
	sax->getEntity = bsc_xml_predefined_entity;
	sax->getParameterEntity = bsc_xml_no_pentity;
	sax->resolveEntity = bsc_xml_no_resolve;
	sax->serror = sax_error;
}

/* Never add XML_PARSE_NOENT, _DTDLOAD, _DTDATTR or _HUGE. */
static const int xml_options =
    XML_PARSE_NONET | XML_PARSE_NOWARNING | XML_PARSE_NOERROR;

/* Parse the current member's XML, streaming it from libarchive. */
static void
parse_member(struct bsc_package *p, const char *name)
{
	xmlSAXHandler sax;
	char *buf = bsc_zalloc(CHUNK);
	bool started = false;

	sax_init(&sax);
	p->stop_part = false;
	p->part = name;
	for (;;) {
		la_ssize_t n = archive_read_data(p->a, buf, CHUNK);

		if (n < 0) {
			pkg_fail(p, "%s: %s", name, archive_error_string(p->a));
			break;
		}
		if (n == 0)
			break;
		p->expanded += (uint64_t)n;
		if (p->expanded > p->r->limits->max_total) {
			char sz[32];

			bsc_format_size(p->r->limits->max_total, sz,
					sizeof(sz));
			pkg_fail(p,
				 "%s: more than --max-total-size (%s) "
				 "decompressed: stopped",
				 name, sz);
			break;
		}
		if (p->deadline_ms && now_ms() > p->deadline_ms) {
			pkg_fail(p, "%s: stopped at --max-time", name);
			break;
		}
		if (p->stop_part || p->failed)
			continue; /* drain: the zip's CRC is still checked */
		if (!started) {
			p->ctxt = xmlCreatePushParserCtxt(&sax, p, buf, (int)n,
							  name);
			if (!p->ctxt) {
				pkg_fail(p, "libxml2 could not start");
				break;
			}
			xmlCtxtUseOptions(p->ctxt, xml_options);
			p->ctxt->replaceEntities = 0;
			p->ctxt->loadsubset = 0;
			p->ctxt->validate = 0;
			started = true;
		} else {
			xmlParseChunk(p->ctxt, buf, (int)n, 0);
		}
	}
	if (started) {
		if (!p->stop_part && !p->failed)
			xmlParseChunk(p->ctxt, NULL, 0, 1);
		if (!p->stop_part && !p->failed && !p->ctxt->wellFormed)
			pkg_fail(p, "%s: malformed XML (line %d)", name,
				 xmlSAX2GetLineNumber(p->ctxt));
		if (p->ctxt->myDoc)
			xmlFreeDoc(p->ctxt->myDoc);
		xmlFreeParserCtxt(p->ctxt);
		p->ctxt = NULL;
	}
	free(buf);
}

bool
bsc_package_each(struct bsc_package *p,
		 bool (*want)(void *data, const char *name), void *want_data,
		 const struct bsc_part_ops *ops)
{
	struct archive_entry *e;
	int rc = ARCHIVE_EOF;

	p->ops = ops;
	p->pos = 0;
	p->a = archive_read_new();
	archive_read_support_format_zip_seekable(p->a);
	archive_read_set_callback_data(p->a, p);
	archive_read_set_read_callback(p->a, src_read);
	archive_read_set_seek_callback(p->a, src_seek);
	if (archive_read_open1(p->a) != ARCHIVE_OK) {
		pkg_fail(p, "not a readable zip: %s",
			 archive_error_string(p->a));
		archive_read_free(p->a);
		return false;
	}
	while (!p->failed &&
	       (rc = archive_read_next_header(p->a, &e)) == ARCHIVE_OK) {
		const char *name = archive_entry_pathname(e);

		if (!name || archive_entry_filetype(e) != AE_IFREG)
			continue;
		if (archive_entry_is_encrypted(e)) {
			pkg_fail(p, "%s is encrypted", name);
			break;
		}
		if (want(want_data, name))
			parse_member(p, name);
	}
	if (!p->failed && rc != ARCHIVE_EOF)
		pkg_fail(p, "the zip is damaged: %s",
			 archive_error_string(p->a));
	archive_read_free(p->a);
	p->a = NULL;
	return !p->failed;
}
