/*
 * format.h - the reader vtable and registry (libarchive style). Each
 * reader bids on the first bytes of an item; the highest bid reads it and
 * emits fields (fields.h).
 */
#ifndef BSC_FORMAT_H
#define BSC_FORMAT_H
#ifndef BSC_INTERNAL
#error "scanner-internal header"
#endif

#include "ctx.h"
#include "encoding.h"
#include "fields.h"
#include "item.h"

/* What bidders see: the head raw and decoded, and the extension hint. */
struct bsc_sniff {
	const unsigned char *raw;
	size_t raw_len;
	const char *text; /* head decoded to UTF-8; NULL if not text */
	size_t text_len;
	enum bsc_encoding enc;
	const char *ext; /* lower-case extension without the dot, or "" */
	bool at_eof;     /* the head is the whole item */
	/* "Is this a known column name?", answered by the detectors so that
	 * readers need not classify anything. May be NULL. */
	bool (*header_hint)(void *data, const char *s, size_t n);
	void *hint_data;
};

/*
 * Sub-items: a reader whose input holds several tables (the tables of a
 * SQL dump or of a SQLite file) reports each as an item of its own, one
 * level deeper ("dump.sql!/patients"), as an archive reports its members;
 * the input itself is then reported as a container of them. Implemented
 * by scan.c; use it through bsc_reader_sub_begin/_end.
 */
struct bsc_subitems {
	/* A new sub-item called name (copied): the fields to emit its
	 * records into, owned by the scanner until end(). */
	struct bsc_fields *(*begin)(void *data, const char *name);
	/* The sub-item is complete (status BSC_OK), partial (BSC_WARN) or
	 * failed (BSC_FAILED) with reason; records and bytes read. Reports
	 * it and releases f. Returns BSC_FATAL when the run must stop. */
	bsc_status (*end)(void *data, struct bsc_fields *f, const char *format,
			  bsc_status status, const char *reason,
			  unsigned long long records, uint64_t bytes);
	/* A member in bytes (a mail attachment): the item "parent!/name",
	 * read from read(src) until it returns 0, is scanned through the
	 * whole pipeline (containers, readers) before this returns. Returns
	 * BSC_FATAL when the run must stop. */
	bsc_status (*member)(void *data, const char *name, bsc_read_fn read,
			     void *src);
	void *data;
};

/* Per-item reader state handed to read(). */
struct bsc_reader {
	struct bsc_ctx *ctx;
	struct bsc_item *item;
	struct bsc_fields *fields;
	const struct bsc_limits *limits;
	const struct bsc_sniff *sniff;
	char reason[256]; /* why the read was partial or failed */
	unsigned long long records; /* records emitted */
	/* Set by read() when an in-band declaration (HL7 MSH-18) made it
	 * restart decoding in another encoding (bsc_item_text_begin before
	 * the first read); BSC_ENC_EMPTY when the sniffed one stands. */
	enum bsc_encoding encoding;
	/* What the reader found, for the report (optional): a more precise
	 * format name ("cda", "fhir+json"; a static string), and the
	 * encoding the XML document declares ("iso-8859-1"). */
	const char *format;
	char declared_encoding[32];
	/* Sub-items (see above), or NULL where the scanner offers none;
	 * members counts those begun. */
	const struct bsc_subitems *sub;
	unsigned long long members;
};

struct bsc_format {
	const char *name;
	/*
	 * Bits of evidence that this reader can read the item, or -1 when it
	 * cannot. Must be cheap and must not consume the item.
	 */
	int (*bid)(const struct bsc_sniff *s);
	/*
	 * Read the whole item (bsc_item_read_text / bsc_item_read), emitting
	 * fields and records. Returns BSC_OK, BSC_WARN (partial: set
	 * r->reason) or BSC_FAILED (set r->reason).
	 */
	bsc_status (*read)(struct bsc_reader *r);
};

/*
 * The reader with the highest bid, or NULL if none bids above 0. *bid
 * gets the winning bid. Ties keep the first registered.
 */
const struct bsc_format *bsc_format_select(const struct bsc_sniff *s,
					   int *bid);
/*
 * Readers that bid BSC_BID_PACKAGE or more on a zip's raw head (an office
 * package: .xlsx, .ods) read it themselves: the container stage asks
 * bsc_format_package first and does not expand it as an archive.
 */
#define BSC_BID_PACKAGE 80
bool bsc_format_package(const unsigned char *head, size_t len,
			const char *ext, bool at_eof);

/* The reader called name, or NULL. */
const struct bsc_format *bsc_format_find(const char *name);
/*
 * Whether the lines (bsc_fields_set_line) of an item whose report says
 * format ("csv", "cda", "xlsx"...; NULL allowed) are lines of its text,
 * where an editor can be pointed. When not, *unit names what they count
 * ("page" of a PDF, "row" of a sheet, "message" of a mailbox), or NULL.
 */
bool bsc_format_text_lines(const char *format, const char **unit);
/* Comma-separated reader names, for --help. Static string. */
const char *bsc_format_names(void);

/*
 * The rest of r's item in memory, for readers whose library needs the
 * whole file at once (a zip directory, a PDF's cross-reference, a MIME
 * tree) when the item is not a file on disk: at most --max-seek-buffer
 * bytes. Returns a malloc'd buffer that the caller frees (glib and
 * libarchive take it as it is) with its length in *len, or NULL with
 * r->reason set: "WHAT not on disk and larger than --max-seek-buffer",
 * or a read error.
 */
unsigned char *bsc_reader_slurp(struct bsc_reader *r, const char *what,
				size_t *len);

/* Set r->reason and return status (BSC_WARN or BSC_FAILED). */
bsc_status bsc_reader_fail(struct bsc_reader *r, bsc_status status,
			   const char *fmt, ...) BSC_PRINTF(3, 4);

/*
 * Begin a sub-item called name (see struct bsc_subitems). Returns its
 * fields, or NULL when r->sub is NULL or the run is stopping.
 */
struct bsc_fields *bsc_reader_sub_begin(struct bsc_reader *r,
					const char *name);
/* End a sub-item begun by bsc_reader_sub_begin (f may be NULL: nothing
 * is done). Returns BSC_FATAL when the run must stop, else BSC_OK. */
bsc_status bsc_reader_sub_end(struct bsc_reader *r, struct bsc_fields *f,
			      const char *format, bsc_status status,
			      const char *reason, unsigned long long records,
			      uint64_t bytes);

/* Scan a member in bytes (see struct bsc_subitems.member). BSC_OK when
 * r->sub is NULL (nothing is done: the caller reports it). */
bsc_status bsc_reader_sub_member(struct bsc_reader *r, const char *name,
				 bsc_read_fn read, void *src);

/*
 * For a reader that read the file through a descriptor of its own
 * (SQLite, PDF, mail, office files): when the sniffed head already holds
 * the whole item, replay it so that the item counts as read to its end
 * (scan.c's "changed while read" check). Costs no I/O; a longer item is
 * left alone, never read twice.
 */
void bsc_reader_read_elsewhere(struct bsc_reader *r);

/* The readers (one file each). */
extern const struct bsc_format bsc_format_csv;
extern const struct bsc_format bsc_format_doc;
extern const struct bsc_format bsc_format_hl7;
extern const struct bsc_format bsc_format_json;
extern const struct bsc_format bsc_format_mail;
extern const struct bsc_format bsc_format_pdf;
extern const struct bsc_format bsc_format_sheet;
extern const struct bsc_format bsc_format_sql;
extern const struct bsc_format bsc_format_sqlite;
extern const struct bsc_format bsc_format_text;
extern const struct bsc_format bsc_format_xml;

#endif
