/*
 * breachscope.h - the public interface of the breachscope scanning library.
 *
 * breachscope walks files, directories and streams, reads each item with the
 * reader that bids highest (CSV, text, ...), runs the detection rules loaded
 * from patterns/ over the fields it yields, and hands one report per item to
 * a sink (text, JSON, ...).
 *
 *   walk -> item -> sniff -> reader -> fields -> detectors -> findings
 *        -> scope -> sinks
 *
 * Memory ownership, once for the whole API:
 *  - Arguments are borrowed. Returned const pointers are owned by the object
 *    they came from and live as long as it does, unless stated otherwise.
 *  - Anything that stores a string copies it.
 *  - Only functions named *_new or *_dup hand ownership to the caller, who
 *    releases it with the matching *_free.
 *  - A report handed to a sink callback is valid only during that callback.
 *
 * Errors: functions that can fail return a bsc_status; the message is kept
 * on the context and read with bsc_ctx_error(). Out of memory aborts.
 */
#ifndef BREACHSCOPE_H
#define BREACHSCOPE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Status ladder, after libarchive's OK/WARN/FAILED/FATAL. */
typedef enum bsc_status {
	BSC_OK = 0,
	BSC_EOF,    /* a reader or stream has nothing more */
	BSC_WARN,   /* the item was scanned, but not all of it */
	BSC_FAILED, /* this item cannot be scanned: report it, go on */
	BSC_FATAL   /* the run cannot continue (output write error) */
} bsc_status;

/* What happened to one item, as shown in reports. */
enum bsc_item_status {
	BSC_ITEM_COMPLETE = 0, /* read to the end */
	BSC_ITEM_PARTIAL,      /* read in part: see the reason */
	BSC_ITEM_FAILED,       /* could not be read: see the reason */
	BSC_ITEM_SKIPPED       /* deliberately not read (binary, symlink) */
};

enum bsc_class { BSC_CLASS_IDENTITY = 0, BSC_CLASS_MEDICAL = 1 };

enum bsc_confidence {
	BSC_CONF_LOW = 1,
	BSC_CONF_MEDIUM = 2,
	BSC_CONF_HIGH = 3
};

/* Whose data a finding is about. */
enum bsc_subject {
	BSC_SUBJECT_UNKNOWN = 0,
	BSC_SUBJECT_PATIENT,
	BSC_SUBJECT_PROFESSIONAL,
	BSC_SUBJECT_RELATED,
	BSC_SUBJECT_ORGANIZATION /* not a person: never counted as personal */
};

/* Evidence bits of a finding. */
#define BSC_EVIDENCE_HEADER 0x1u /* the column header or field name */
#define BSC_EVIDENCE_VALUE 0x2u  /* the values (pattern + validator) */

/*
 * Every limit of a scan, in one place. bsc_limits_default() fills the
 * documented defaults (see README "Limits"); 0 never means "unlimited"
 * unless stated.
 */
struct bsc_limits {
	uint64_t max_file_size; /* bytes read per item; more => partial */
	size_t max_field;       /* bytes in one field/cell (1 MiB) */
	size_t max_record;      /* bytes in one CSV row / text line (16 MiB) */
	size_t max_columns;     /* columns tracked per item (1024) */
	size_t max_slots;       /* distinct field locations per item (4096) */
	size_t max_signatures;  /* distinct record shapes per item (65536) */
	size_t max_persons_exact; /* persons counted exactly per set before
				   * a sketch takes over (500000) */
	/* Archives and compressed files (see README "Limits"). */
	unsigned max_depth;       /* nested archive levels opened (8) */
	uint64_t max_members;     /* entries listed per archive (100000) */
	uint64_t max_total;       /* decompressed bytes per top-level input,
				     every nesting level counted (64 GiB) */
	uint64_t max_ratio;       /* decompressed:compressed bytes of one
				     member (100) ... */
	uint64_t ratio_threshold; /* ... checked once it expanded past this
				     many bytes (16 MiB) */
	uint64_t max_time_ms;     /* time budget per top-level input, in
				     milliseconds, checked on every read
				     (10 min) */
	uint64_t max_seek_buffer; /* bytes held in memory for archives that
				     need seeking (7z) inside an archive or on
				     a pipe (64 MiB) */
	size_t max_nesting;     /* XML element / JSON value nesting (128;
				 * at most 256, libxml2's own limit) */
	size_t max_document;    /* bytes of one piece of a JSON document
				 * (member, entry) or NDJSON line (32 MiB) */
	size_t max_keys;        /* distinct record keys per item (262144) */
};

/*
 * Fill *limits with the defaults. Never fails.
 */
void bsc_limits_default(struct bsc_limits *limits);

/* Where a finding was made. Strings are owned by the report. */
struct bsc_location {
	unsigned column;    /* 1-based column number; 0 when not a table */
	const char *header; /* column header or field path; may be NULL */
	unsigned long line; /* 1-based line: of the column's header when the
			     * table has a header row (CSV) or of its
			     * definition (SQL), else of the first
			     * occurrence; 0 if the reader does not know
			     * lines (README "Locations") */
	unsigned long start_char; /* 1-based character (code point) of the
				   * header cell in that line; 0 if unknown */
};

/* One finding: a category seen at one location of one item. */
struct bsc_finding {
	const char *category;     /* public category name ("email") */
	enum bsc_class cls;       /* identity or medical */
	const char *rule;         /* id of the deciding rule */
	struct bsc_location loc;
	uint64_t count;           /* values of the category: non-empty
				   * cells of a column, or every match in
				   * free text */
	enum bsc_confidence confidence;
	unsigned evidence;        /* BSC_EVIDENCE_* bits */
	enum bsc_subject subject;
	const char *sample;       /* masked sample (raw with show_values) */
	const char *note;         /* optional explanation; may be NULL */
	const char *fingerprint;  /* stable id: hash of path, location and
				   * category; never of a value */
	bool violation;           /* breaks the policy (default policy: any
				   * counted finding) */
	const char *violates;     /* with a loaded policy, the rule it
				   * breaks ("rule 2 (exports/...) of
				   * ci.yml", "--fail-on medical"); else
				   * NULL */
	const char *suppressed;   /* why it does not count ("baseline",
				   * an ignore's reason), or NULL */
};

/* Persons who have one category of data (README "Distinct persons"). */
struct bsc_category_persons {
	const char *category; /* public category name ("diagnosis") */
	uint64_t count;
};

#define BSC_PERSONS_MAX_CATEGORIES 64

/* Professionals or relatives, counted apart from the persons. */
struct bsc_other_persons {
	uint64_t count;
	bool approximate; /* an estimate (error > 0) or a bound (error 0) */
	double error;
};

/*
 * Distinct persons (patients or persons of unknown role; never
 * professionals, relatives or organisations): the connected components
 * of every person key the records hold (README "Distinct persons").
 * by_key counts records per strongest key kind: national_id, patient_id,
 * name_birth_date, contact (e-mail or phone).
 */
struct bsc_persons {
	uint64_t count;        /* distinct persons */
	bool approximate;      /* an estimate: past the exact budget */
	double error;          /* relative standard error when approximate */
	uint64_t by_key[4];
	uint64_t without_key;  /* records with no usable key */
	uint64_t contactable;  /* persons with an e-mail, phone or address */
	uint64_t health;       /* persons whose health data are exposed: a
				* record of theirs holds medical data, and
				* they are identified */
	bool health_bound;     /* health is an upper bound, not exact */
	uint64_t minors;       /* persons under 18 by their birth date */
	uint64_t shared_contacts; /* e-mails and phones shared by persons of
				   * different names and birth dates: not
				   * used to link (family, switchboard) */
	const char *set;       /* mergeable person graph (summary, with a
				* shared --person-key-file), or NULL */
	/* Persons per category of data they have (a record of theirs holds
	 * it), categories with at least one person, in the rules' order;
	 * names borrowed. with_identity / with_medical: persons with any
	 * identity / medical category. */
	struct bsc_category_persons by_category[BSC_PERSONS_MAX_CATEGORIES];
	size_t n_by_category;
	uint64_t with_identity;
	uint64_t with_medical;
	bool categories_bound; /* those figures are upper bounds */
	/* Professionals (ids, names) and relatives (next of kin, emergency
	 * contacts), never counted in count. */
	struct bsc_other_persons professionals;
	struct bsc_other_persons relatives;
};

/*
 * Growth against a baseline past --max-growth (README "Baselines"): set
 * on an item, or on the run's totals, whose distinct persons or linked
 * records grew more than allowed; all zero otherwise.
 */
struct bsc_growth {
	bool persons;             /* distinct persons grew past the limit */
	bool linked;              /* linked records grew past the limit */
	uint64_t persons_before;  /* the baseline's figure */
	uint64_t persons_now;
	bool persons_estimated;   /* one of the two is an estimate: growth
				   * is claimed beyond three standard errors */
	uint64_t linked_before;
	uint64_t linked_now;
	double max_growth;        /* the allowed growth, percent */
};

/* Category names of one subject (sorted; counted findings only). */
struct bsc_subject_categories {
	const char *const *identity;
	size_t n_identity;
	const char *const *medical;
	size_t n_medical;
};

/* An aggravating flag of an item (severity), with its reason and the
 * first place it was seen. */
struct bsc_flag {
	const char *flag;      /* "minors", "sensitive_diagnosis", ... */
	const char *rule;      /* id of the flag rule */
	const char *reason;    /* English reason */
	const char *reason_fr; /* French reason */
	uint64_t count;        /* values that raised it */
	struct bsc_location loc;
	const char *path;      /* the item where loc is: the item itself,
				* or for an archive's or a run's flags the
				* first item that raised it */
};

/*
 * The report of one item, handed to sinks. All memory is the scanner's.
 * An archive is an item too: its members are items with paths such as
 * "dump.tar.gz!/exports/a.csv" ("a.csv.gz!" for the content of a single
 * compressed file). An archive's own report comes after the reports of
 * its members, because only then are its status and member count known;
 * sinks that want it first use bsc_sink.archive_begin.
 */
struct bsc_item_report {
	const char *path;     /* display path: "dir/a.csv", "-" for stdin */
	const char *format;   /* reader name ("csv", "text"), the container
				 ("zip", "tar.gz", "gz") for an archive, or
				 NULL */
	const char *encoding; /* source encoding ("utf-8"), or NULL */
	enum bsc_item_status status;
	const char *reason;   /* why partial/failed/skipped; NULL if complete */
	const char *note;     /* remark on the counts (approximate...), or NULL */
	uint64_t bytes;       /* bytes read from the item */
	uint64_t records;
	uint64_t records_identity; /* records with a direct identifier */
	uint64_t records_medical;  /* records with medical data */
	uint64_t records_linked;   /* records with both */
	const struct bsc_finding *findings;
	size_t n_findings;
	const char *const *identity; /* sorted category names, union */
	size_t n_identity;
	const char *const *medical;  /* sorted category names, union */
	size_t n_medical;
	/* The unions split by whose data they are, indexed by enum
	 * bsc_subject (findings of unknown subject under [0]). Only
	 * filled for items that were read; zeroed otherwise. */
	struct bsc_subject_categories subjects[4];
	unsigned depth;        /* 0 for a top-level input, 1 for a member of
				  it, 2 for a member of a member ... */
	const char *container; /* path of the archive holding this item, or
				  NULL at top level */
	bool archive;          /* the item is an archive or compressed file */
	uint64_t members;      /* archive: entries listed (files, links,
				  directories); 0 otherwise */
	size_t violations;    /* findings that break the policy */
	struct bsc_growth growth; /* past --max-growth against --baseline */
	const char *severity; /* "none" ... "health_linked" (README) */
	struct bsc_persons persons;
	const struct bsc_flag *flags;
	size_t n_flags;
	/* care signals ("patient subjects", "encounter", ...) that make the
	 * identity data possibly health data (GDPR recital 35) */
	const char *const *care_context;
	size_t n_care_context;
	const char *sha256;   /* of the item's bytes, with --hash; NULL if
			       * not asked or not read to the end */
	const char *mtime;    /* modification time of the file or archive
			       * member ("2025-03-01T08:00:00Z", UTC), with
			       * --hash; NULL if not asked or not known */
	const char *person_keys; /* with --person-index: the keyed hashes of
				  * the person keys seen (16 hex digits each,
				  * sorted, space-separated), else NULL */
};

/*
 * Two items of a run whose identity and medical data sit in separate
 * records but share values of a pseudonymous key column (same header).
 */
struct bsc_linkable {
	const char *key;      /* normalised header of the shared column */
	const char *identity; /* path of the item with direct identifiers */
	const char *medical;  /* path of the item with medical data */
	uint64_t shared;      /* distinct key values found in both */
};

/* Totals over a run, handed to sinks at the end. */
struct bsc_run_summary {
	uint64_t items;
	uint64_t by_status[4]; /* indexed by enum bsc_item_status */
	uint64_t archives;     /* items that are archives */
	uint64_t members;      /* items found inside archives */
	uint64_t excluded;     /* files and directories left out by
				* --exclude, --include or an ignore file:
				* not scanned, not items, not a gap */
	/* Coverage, over the items that are not archives (an archive's
	 * bytes are its members'): how many were read fully, partly, not
	 * at all (failed, not examined) or skipped on purpose, indexed by
	 * enum bsc_item_status, and the bytes read from them. */
	uint64_t coverage_items[4];
	uint64_t coverage_bytes[4];
	uint64_t records;
	uint64_t records_identity;
	uint64_t records_medical;
	uint64_t records_linked;
	const char *const *identity; /* sorted union over all items */
	size_t n_identity;
	const char *const *medical;
	size_t n_medical;
	uint64_t violations;  /* over all items */
	const char *policy;   /* what the policy was made of ("ci.yml,
			       * --fail-on medical"), or NULL: none */
	const char *const *warnings; /* about the run (a policy glob that
				      * matched nothing), or NULL */
	size_t n_warnings;
	struct bsc_growth growth; /* the totals, past --max-growth */
	uint64_t grown;       /* items and totals past --max-growth: they
			       * fail the run as violations do */
	const char *severity; /* the highest item severity */
	struct bsc_persons persons; /* deduplicated across all items */
	const struct bsc_flag *flags; /* one per flag rule raised */
	size_t n_flags;
	const struct bsc_linkable *linkable; /* at most 100 pairs */
	size_t n_linkable;
	/* chain of custody */
	const char *rules_version; /* SHA-256 prefix of the rule files */
	const char *const *options; /* the command line, or NULL */
	size_t n_options;
	const char *started;        /* UTC times, only with --hash */
	const char *finished;
};

/*
 * A sink renders reports. Any callback may be NULL. A callback returns
 * BSC_OK, or BSC_FATAL to stop the run (for example on a write error).
 *
 * archive_begin is called just before the first member of an archive is
 * reported, with the archive's path, container name and depth; the
 * archive's own report then follows its last member. An archive with no
 * member reported gets no archive_begin, only its report. Calls nest:
 * archive_begin/report pairs of nested archives come in between.
 */
struct bsc_sink {
	bsc_status (*run_begin)(void *data);
	bsc_status (*archive_begin)(void *data, const char *path,
				    const char *format, unsigned depth);
	bsc_status (*item)(void *data, const struct bsc_item_report *report);
	bsc_status (*run_end)(void *data, const struct bsc_run_summary *sum);
	void *data;
};

struct bsc_ctx;

/*
 * Create a scanning context with default limits and no rules.
 * Returns the new context; release it with bsc_ctx_free(). Aborts on OOM.
 */
struct bsc_ctx *bsc_ctx_new(void);

/* Release ctx and everything it owns. NULL is allowed. */
void bsc_ctx_free(struct bsc_ctx *ctx);

/*
 * The limits of ctx, to read or change before bsc_scan(). The pointer is
 * owned by ctx.
 */
struct bsc_limits *bsc_ctx_limits(struct bsc_ctx *ctx);

/* Show raw (unmasked) samples in reports. Off by default. */
void bsc_ctx_set_show_values(struct bsc_ctx *ctx, bool show);

/*
 * Add a password to try on encrypted archive members (copied; may be
 * called several times). Without one, encrypted members are reported
 * failed with reason "encrypted"; nobody is ever prompted.
 */
void bsc_ctx_add_password(struct bsc_ctx *ctx, const char *password);

/*
 * Load one rule file, or every *.yml under a directory (sorted), into ctx.
 * Returns BSC_OK, or BSC_FAILED with "file:line: message" in
 * bsc_ctx_error(). Rules loaded before a failure stay loaded.
 */
bsc_status bsc_ctx_load_rules(struct bsc_ctx *ctx, const char *path);

/*
 * Scan the given paths ("-" is standard input) and hand one report per item
 * to sink, in a stable order. Per-item problems never stop the run: they are
 * reported with the item. Returns BSC_OK, or BSC_FATAL if a sink stopped the
 * run (message in bsc_ctx_error()).
 */
bsc_status bsc_scan(struct bsc_ctx *ctx, const char *const *paths,
		    size_t n_paths, const struct bsc_sink *sink);

/*
 * The last error message of ctx, or "" if none. Borrowed; valid until the
 * next call on ctx.
 */
const char *bsc_ctx_error(const struct bsc_ctx *ctx);

/*
 * Does a finding count (in the identity/medical lists, verdicts, record
 * linkage, exit codes and policies)? Medium or high confidence, and about
 * a person, not an organisation.
 */
bool bsc_finding_counted(const struct bsc_finding *f);

/* Names for enums, as used in reports ("partial", "high", ...). Static. */
const char *bsc_item_status_name(enum bsc_item_status status);
const char *bsc_confidence_name(enum bsc_confidence confidence);
const char *bsc_subject_name(enum bsc_subject subject);

/* The library version, "MAJOR.MINOR.PATCH". Static. */
const char *bsc_version(void);

#ifdef __cplusplus
}
#endif

#endif /* BREACHSCOPE_H */
