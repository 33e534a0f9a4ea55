/*
 * rules.h - the rule set loaded from patterns/: categories, value rules
 * (PCRE2 + validator), header vocabularies and subject words. The loader
 * turns YAML into these structs; detect.c and header.c run them.
 */
#ifndef BSC_RULES_H
#define BSC_RULES_H
#ifndef BSC_INTERNAL
#error "scanner-internal header"
#endif

#include "breachscope.h"
#include "util.h"

struct bsc_ctx;

/* Masking styles of categories.yml (mask.c). */
enum bsc_mask_style {
	BSC_MASK_GENERIC = 0,
	BSC_MASK_EMAIL,
	BSC_MASK_PHONE,
	BSC_MASK_DIGITS,
	BSC_MASK_NAME
};

/* At most this many categories: record shapes keep them in a uint64_t. */
#define BSC_MAX_CATEGORIES 64

struct bsc_category {
	char *name;
	enum bsc_class cls;
	bool direct; /* identity: a direct identifier */
	enum bsc_mask_style mask;
	int severity; /* identity: enum bsc_severity level (severity.h) */
	int person_key; /* enum bsc_person_role (persons.h), 0 if none */
	bool care_signal; /* its presence says the data come from care */
	char *label;
	char *label_fr;
	/* its help (SARIF rule help, reports): what it is, why it matters,
	 * what to do; required in categories.yml */
	char *description;
	char *risk;
	char *action;
};

enum bsc_rule_kind {
	BSC_RULE_VALUE,
	BSC_RULE_HEADER,
	BSC_RULE_SUBJECT,
	BSC_RULE_FLAG, /* an aggravating flag raised by values (severity) */
	BSC_RULE_PLACEHOLDER, /* a cell it matches is template text: empty */
	BSC_RULE_PATH /* structural map over location paths (XML, JSON) */
};

enum bsc_evidence_mode {
	BSC_EV_STANDALONE, /* one validated match anywhere is a finding */
	BSC_EV_COLUMN,     /* a share of a column's cells must match */
	BSC_EV_CONFIRM     /* only confirms a header of its category */
};

struct bsc_strlist {
	char **v;
	size_t n;
};

struct bsc_rule {
	char *id;
	char *file; /* where it was defined, for messages */
	unsigned line;
	enum bsc_rule_kind kind;
	/* index into ruleset categories; -1 for subject and placeholder
	 * rules, and for header and path rules of category "none" (a name
	 * that holds codes or structure, not data: value rules are off
	 * there) */
	int category;
	enum bsc_confidence confidence;
	enum bsc_subject subject; /* subject rules; value rules default */
	/* value rules */
	char *pattern;
	bool caseless;
	void *re; /* pcre2_code* */
	bool jit; /* re was JIT-compiled */
	int validator; /* -1 when none */
	struct bsc_strlist keywords; /* ASCII-lower-cased at load */
	int kw_index; /* bit in bsc_cell_info.kw, or -1 (per-rule scan) */
	unsigned min_digits;
	enum bsc_evidence_mode evidence;
	double min_share;
	struct bsc_strlist context; /* normalised header tokens */
	bool context_required;
	/* header and subject rules (normalised forms) */
	struct bsc_strlist headers;
	struct bsc_strlist tokens;
	struct bsc_strlist not_tokens;
	struct bsc_strlist file_tokens;     /* the item path must hold one */
	struct bsc_strlist not_file_tokens; /* the item path must hold none */
	char *note;        /* shown with findings the rule decides */
	/* column value rules of a code shape (CIM-10, CCAM, ATC ...): a
	 * column they match is medical only when something else says so
	 * (scope/corroborate.c): a header naming the system (context), the
	 * item path (corroborate_files), or the table's other columns with
	 * values spread over at least min_spread leading characters */
	bool corroborate;
	struct bsc_strlist corroborate_files;
	unsigned min_spread;
	/* value rules: most values of a column matching it are the wording
	 * of its category's nomenclature (a label column next to codes) */
	bool wording;
	struct bsc_strlist dict; /* value rules: sorted normalised words a
				  * match must be (or be made of) */
	/* path rules: compiled token sequences (bsc_path_pattern) */
	struct bsc_vec paths;
	struct bsc_vec requires;
	struct bsc_vec not_paths;
	int priority;
	/* header rules: the name alone decides (structural positions such as
	 * HL7 PID-5.1): column and confirm value rules of other categories
	 * do not run on a slot it names; standalone rules still do */
	bool exclusive;
	/* self-test */
	struct bsc_strlist examples;
	struct bsc_strlist not_examples;
	unsigned value_index; /* position among value rules */
	/* flag rules */
	char *flag;        /* flag name ("sensitive_diagnosis") */
	char *label;       /* the reason shown in reports */
	char *label_fr;
	uint64_t on_mask;  /* categories whose values are tested */
};

/* Rules whose keywords one pass over a cell finds together. */
#define BSC_KW_RULES_MAX 256

/* One keyword of one rule, filed under its first byte. */
struct bsc_kwent {
	const char *kw; /* owned by the rule */
	size_t len;
	unsigned index; /* the rule's kw_index */
};

struct bsc_ruleset {
	struct bsc_category cats[BSC_MAX_CATEGORIES];
	size_t n_cats;
	struct bsc_vec rules;       /* struct bsc_rule*, load order */
	struct bsc_vec value_rules; /* subset, load order */
	struct bsc_vec header_rules;
	struct bsc_vec subject_rules;
	struct bsc_vec flag_rules;
	struct bsc_vec placeholder_rules;
	/* keyword index: by first byte, every keyword of every rule with a
	 * kw_index (detect.c, bsc_cell_info_rs) */
	struct bsc_kwent *kw_by_first[256];
	size_t kw_n[256];
	unsigned n_kw_rules;
	/* the same keywords compiled for one pass (multi.h), rebuilt after
	 * each bsc_ruleset_load; NULL: detect.c uses kw_by_first */
	struct bsc_multi *kwdb;
	unsigned long kw_gen;
	/* candidate selection over value rules (plan.h), rebuilt with kwdb */
	struct bsc_plan *plan;
	struct bsc_vec path_rules;
	struct bsc_vec files;       /* char*, files loaded */
	uint64_t identity_mask;     /* categories of class identity */
	uint64_t direct_mask;       /* direct identifiers */
	uint64_t medical_mask;
	void *digest;               /* EVP_MD_CTX*: SHA-256 of loaded files */
};

/* A new, empty rule set. Free with bsc_ruleset_free (NULL allowed). */
struct bsc_ruleset *bsc_ruleset_new(void);
void bsc_ruleset_free(struct bsc_ruleset *rs);

/*
 * Load a YAML rule file, or every *.yml below a directory in sorted path
 * order. Errors are "file:line: message" in bsc_ctx_error(ctx) and return
 * BSC_FAILED. Categories must be loaded before rules that use them; a
 * directory loads its categories.yml first.
 */
bsc_status bsc_ruleset_load(struct bsc_ruleset *rs, struct bsc_ctx *ctx,
			    const char *path);

/* The rules version: 16 hex digits of SHA-256 over the bytes of every
 * loaded rule file, in load order. Writes into out (17 bytes). */
void bsc_ruleset_version(const struct bsc_ruleset *rs, char out[17]);

/* Index of the category called name, or -1. */
int bsc_ruleset_category(const struct bsc_ruleset *rs, const char *name);

/*
 * The names of the categories in mask, sorted (bytewise), in a new array
 * the caller frees (the names are rs's); *n gets how many.
 */
const char **bsc_ruleset_names(const struct bsc_ruleset *rs, uint64_t mask,
			       size_t *n);

/*
 * Find the default patterns directory: $BSC_PATTERNS, the patterns
 * installed next to the running binary (<bindir>/../share/breachscope/
 * patterns, wherever the install root is), the source tree the binary was
 * built from, then the configured data directory. Returns a static string,
 * or NULL if none exists.
 */
const char *bsc_default_patterns_dir(void);

/*
 * Does example ex hold for rule r, through the scanner's own detectors?
 * Value and flag examples are cell texts; header and subject examples are
 * header texts, optionally "path::header" to give the item path that
 * rules with file_tokens look at. Each is judged with the whole rule set
 * of ctx as a scan would: a value example must give a validated match; a
 * header example must classify to r's category ("none" included); a
 * subject example to r's subject; a path example (a location path) must
 * classify to r's category. A not_example holds when this returns false.
 */
bool bsc_rule_example_holds(struct bsc_ctx *ctx, const struct bsc_rule *r,
			    const char *ex);

/*
 * Run every rule's examples and not_examples. Each failure is written to
 * ctx messages as "file:line: rule ID: ..." (examples are synthetic, so
 * they may be printed). Returns the number of failures; *checked gets the
 * number of examples run.
 */
size_t bsc_ruleset_selftest(struct bsc_ruleset *rs, struct bsc_ctx *ctx,
			    size_t *checked);

#endif
