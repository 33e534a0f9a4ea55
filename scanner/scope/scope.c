/*
 * scope.c - the scope stage for one item. Readers hand it fields at slots
 * (fields.h); it runs every enabled value rule on each field, counts hits
 * per slot, and classifies each slot's header once. Record linkage is
 * exact and streaming: each record is reduced to a "shape" (which slots
 * were non-empty, which standalone categories hit), shapes are counted in
 * a hash table, and at the end, once columns are classified, each shape
 * tells whether its records carry identity, medical data or both.
 *
 * Placeholders: a cell that a placeholder rule matches ("LAST NAME" in a
 * template export) is template text, treated as an empty cell.
 * Subjects: each slot has one (subject rules on its name). Identifiers of
 * professionals do not make a record linked: a doctor's name next to a
 * result does not identify the patient. The category unions are also
 * given per subject.
 * Records may carry keys (fields.h): records that share a key are one
 * entity (a FHIR Patient and the resources that refer to it), merged with
 * a union-find over keys, and records_linked counts such entities once.
 * Persons: each record hands its person keys to the item's person graph
 * (pgraph.h), and once the columns are classified each person gets the
 * categories its records hold (pmask: identity of professionals,
 * relatives and organisations left out). Keys of professionals and
 * relatives go to the graph's own graphs for them.
 *
 * Speed: column and confirm rules are tested on every cell of a slot until
 * SAMPLE_CELLS cells; after that only rules that still have a chance to
 * reach their share keep running (shares are computed over tested cells).
 * Standalone rules always run (their keyword/digit prefilters make that
 * cheap), so free text is never skipped.
 */
#include "scope.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "corroborate.h"
#include "detect.h"
#include "header.h"
#include "mask.h"
#include "persons.h"
#include "pgraph.h"
#include "path.h"
#include "payload.h"
#include "plan.h"
#include "rules.h"

#define SAMPLE_CELLS 1000
/* Placeholder rules only look at cells up to this long (a disclaimer or
 * "no data known" sentence included). */
#define PLACEHOLDER_MAX 1024
#define SLOT_BUCKETS 256
#define SIG_BUCKETS 1024
#define KEY_BUCKETS 4096
#define NO_KEY UINT32_MAX
#define MAX_NOTE 2048
/* Matching values a location-path slot needs before a column rule may
 * speak for it: one value in one document is not a column. */
#define PATH_COLUMN_CELLS 3

struct slot {
	char *name; /* raw header or path, or NULL */
	char *norm; /* normalised name, "" when none */
	unsigned column;
	const struct bsc_rule *hrule; /* header match, or NULL */
	int hstrength;      /* 4: a path rule decided (hrule may be NULL) */
	bool is_path;       /* the name is a location path */
	enum bsc_subject subject;
	uint64_t nonempty;
	uint64_t placeholders; /* cells that held only template text */
	uint64_t *tested;   /* per value rule: cells tested */
	uint64_t *hits;     /* per value rule: cells with a validated hit */
	uint64_t *values;   /* per standalone rule: values found (several
			     * e-mails in one line count each) */
	char **samples;     /* per value rule: sample of the first hit */
	unsigned char *mode; /* per value rule: 0 off, 1 on, 2 context */
	uint64_t *live;     /* value rules still tested: mode != 0, not
			     * frozen (bitset, rs->plan->words words) */
	uint64_t cells;     /* cells tested: tested[i] of a live rule */
	char *first;        /* sample of the first non-empty value */
	unsigned long first_line;  /* line of the first non-empty value */
	unsigned long ph_line;     /* line of the first placeholder */
	unsigned long place_line;  /* where the reader says the slot is
				    * defined (a CSV header cell), or 0 */
	unsigned long place_char;
	unsigned long *hit_line;   /* per value rule: line of the first hit */
	uint64_t *lead;     /* per value rule: leading characters of hits
			     * (corroborate rules only; corroborate.c) */
	uint64_t *fhits;    /* per flag rule: hits here, or NULL if none */
	unsigned long *fline; /* per flag rule: line of the first hit */
	uint64_t fmask;     /* categories of its counted, unsuppressed
			     * findings: the flags they may raise */
	uint64_t catmask;   /* categories of the column (set at the end) */
	uint64_t linkmask;  /* the same, minus professionals' identity */
	uint64_t pmask;     /* the same, about the person: minus the
			     * identity of professionals, relatives and
			     * organisations */
	unsigned id;        /* index in slots */
	int role;           /* person-key role of its values (persons.h) */
	int orole;          /* the same for a professional or relative */
	int oidx;           /* whose: BSC_PG_PROFESSIONALS / _RELATIVES, or
			     * -1 */
	char *issuer;       /* who issues its patient ids (see slot_issuer) */
	struct slot *next;  /* hash chain */
};

struct sig {
	uint64_t hash;
	size_t nwords;
	uint64_t *cols;
	uint64_t vmask; /* standalone categories hit in the record */
	uint64_t vlink; /* the same, minus professionals' identity */
	bool keyed;     /* records of an entity: linked through their key */
	uint64_t count;
	uint8_t pflags; /* BSC_PF_IDENT/MEDICAL/LINKED, once classified */
	uint64_t pcats; /* categories of the person, once classified */
	bool pdone;     /* pflags and pcats computed */
	struct sig *next;
};

/*
 * A record key, kept as its 64-bit hash only (no string): keys are many
 * (one per patient), and a collision needs some 2^32 keys to be likely.
 * The root of a union-find set holds the merged shape of its records.
 */
struct key {
	uint64_t hash;
	uint64_t vmask;
	uint64_t vlink;
	uint64_t *cols;  /* union of the slots of its records (roots only) */
	uint32_t nwords;
	uint32_t parent; /* index in keys; itself when a root */
	uint32_t next;   /* hash chain, NO_KEY at the end */
};

/* A record with a person: its anchor in the person graph, its shape and
 * its first record key (NO_KEY if none), to flag the person with what
 * the record holds once the columns are classified. */
struct prec {
	uint32_t anchor;
	uint32_t key;
	struct sig *sig;
};

struct bsc_fields {
	struct bsc_ctx *ctx;
	const struct bsc_ruleset *rs;
	struct bsc_vec slots; /* struct slot*, id order */
	struct slot *slot_hash[SLOT_BUCKETS];
	bool slots_full;
	/* current record */
	uint64_t *cur;
	size_t cur_words;
	uint64_t cur_vmask;
	uint64_t cur_vlink;
	bool cur_any;
	unsigned long cur_line;
	struct bsc_record_keys pkeys; /* person-key values of the record */
	/* the same for its professional and its relative */
	struct bsc_record_keys okeys[BSC_PG_NOTHER];
	struct bsc_pgraph *persons; /* person keys of the item's records */
	struct prec *precs;         /* records with a person, for flags */
	size_t n_precs, cap_precs;
	bool precs_full;            /* past the budget: health is a bound */
	uint32_t cur_anchor;        /* person of the current record */
	bool subject_decided;      /* file-level subject inferred */
	enum bsc_subject subject_default; /* for slots that say nothing */
	uint64_t by_key[BSC_KEY_COUNT];
	uint64_t without_key;
	struct bsc_flag *flags;
	size_t n_flags;
	uint64_t counted; /* categories with a counted finding */
	const char *care[BSC_MAX_CATEGORIES + 1];
	size_t n_care;
	char *file;                /* normalised item path, or NULL */
	char *path;                /* the item path as given */
	struct bsc_personset *keyset; /* values of the key column */
	const struct slot *keyslot;
	uint64_t *cand;       /* per cell: candidate value rules (plan.h) */
	uint64_t *freezable;  /* value rules that are not standalone */
	/* record shapes */
	struct sig *sig_hash[SIG_BUCKETS];
	size_t n_sigs;
	bool sigs_full;
	struct sig overflow; /* merged shapes past max_signatures */
	/* record keys */
	struct key *keys; /* creation order */
	size_t n_keys, cap_keys;
	uint32_t key_hash[KEY_BUCKETS]; /* first key of each chain */
	bool keys_full;
	uint32_t *cur_keys; /* keys of the current record */
	size_t n_cur_keys, cap_cur_keys;
	/* output */
	struct bsc_finding *findings;
	size_t n_findings;
	unsigned *finding_slot; /* per finding: its slot */
	const char **identity;
	const char **medical;
	const char **subj_identity[4]; /* per enum bsc_subject */
	const char **subj_medical[4];
	char *note;
	char *unread;       /* the first part not examined, or NULL */
	uint64_t n_unread;
};

/* The context's person-hash state; made here for a scope used outside
 * bsc_scan (tests), which otherwise makes it with the scan's key. */
static struct bsc_hmac *
person_mac(struct bsc_ctx *ctx)
{
	if (!ctx->person_mac)
		ctx->person_mac = bsc_hmac_new(ctx->person_key);
	return ctx->person_mac;
}

/* What the per-cell loop needs from the rule set, resolved once. */
static void
resolve_rules(struct bsc_fields *f, struct bsc_ruleset *rs)
{
	if (!rs->plan) /* rules loaded by bsc_ruleset_load have one */
		rs->plan = bsc_plan_build(rs);
	f->cand = bsc_zalloc(rs->plan->words * sizeof(uint64_t));
	f->freezable = bsc_zalloc(rs->plan->words * sizeof(uint64_t));
	for (size_t i = 0; i < rs->value_rules.n; i++) {
		const struct bsc_rule *r = rs->value_rules.v[i];

		if (r->evidence != BSC_EV_STANDALONE)
			f->freezable[i / 64] |= 1ull << (i & 63);
	}
}

struct bsc_fields *
bsc_scope_new(struct bsc_ctx *ctx, const char *path)
{
	struct bsc_fields *f = bsc_zalloc(sizeof(*f));

	f->file = path ? bsc_header_normalise(path, strlen(path)) : NULL;
	f->ctx = ctx;
	f->rs = bsc_ctx_rules(ctx);
	f->persons = bsc_pgraph_new(bsc_person_budget(ctx));
	if (!ctx->today)
		ctx->today = bsc_today();
	f->pkeys.today = ctx->today;
	for (int i = 0; i < BSC_PG_NOTHER; i++)
		f->okeys[i].today = ctx->today;
	f->path = path ? bsc_strdup(path) : bsc_strdup("-");
	for (size_t b = 0; b < KEY_BUCKETS; b++)
		f->key_hash[b] = NO_KEY;
	resolve_rules(f, bsc_ctx_rules(ctx));
	return f;
}

static void
slot_free(struct slot *s, size_t nrules)
{
	free(s->name);
	free(s->norm);
	free(s->tested);
	free(s->hits);
	free(s->values);
	for (size_t i = 0; s->samples && i < nrules; i++)
		free(s->samples[i]);
	free(s->samples);
	free(s->mode);
	free(s->live);
	free(s->first);
	free(s->hit_line);
	free(s->issuer);
	free(s->lead);
	free(s->fhits);
	free(s->fline);
	free(s);
}

void
bsc_scope_free(struct bsc_fields *f)
{
	if (!f)
		return;
	for (size_t i = 0; i < f->slots.n; i++)
		slot_free(f->slots.v[i], f->rs->value_rules.n);
	bsc_vec_release(&f->slots);
	for (size_t b = 0; b < SIG_BUCKETS; b++) {
		struct sig *s = f->sig_hash[b];

		while (s) {
			struct sig *n = s->next;

			free(s->cols);
			free(s);
			s = n;
		}
	}
	free(f->overflow.cols);
	for (size_t i = 0; i < f->n_keys; i++)
		free(f->keys[i].cols);
	free(f->keys);
	free(f->cur_keys);
	free(f->cur);
	free(f->findings);
	bsc_pgraph_free(f->persons);
	free(f->precs);
	free(f->path);
	free(f->finding_slot);
	free(f->cand);
	free(f->freezable);
	free(f->flags);
	free(f->file);
	bsc_personset_free(f->keyset);
	bsc_record_keys_clear(&f->pkeys);
	for (int i = 0; i < BSC_PG_NOTHER; i++)
		bsc_record_keys_clear(&f->okeys[i]);
	free(f->identity);
	free(f->medical);
	for (int i = 0; i < 4; i++) {
		free(f->subj_identity[i]);
		free(f->subj_medical[i]);
	}
	free(f->note);
	free(f->unread);
	free(f);
}

/* Append a remark to the item note, once, within MAX_NOTE bytes. */
static void
add_note(struct bsc_fields *f, const char *text)
{
	size_t have = f->note ? strlen(f->note) : 0;
	char *n;

	if (!text || !*text || (f->note && strstr(f->note, text)))
		return;
	if (have + strlen(text) + 2 > MAX_NOTE)
		return;
	n = f->note ? bsc_asprintf("%s; %s", f->note, text)
		    : bsc_strdup(text);
	free(f->note);
	f->note = n;
}

void
bsc_fields_note(struct bsc_fields *f, const char *note)
{
	add_note(f, note);
}

void
bsc_fields_unread(struct bsc_fields *f, const char *what)
{
	if (!f->n_unread++)
		f->unread = bsc_strdup(what);
}

const char *
bsc_scope_unread(const struct bsc_fields *f, uint64_t *n)
{
	*n = f->n_unread;
	return f->unread;
}

/* ---- slots ------------------------------------------------------------ */

/*
 * Who issues the patient ids of a slot: the qualifier the document gives
 * when it names a system (an OID, a URI: "PID-3.1[1.2.250.1.71.4.2.7]",
 * "identifier[urn:oid:...]"), else the item and the column, so that ids
 * with an unknown issuer are one namespace per file (README "Distinct
 * persons"). New string.
 */
static char *
slot_issuer(const struct bsc_fields *f, const char *name, const char *norm)
{
	const char *open = name ? strrchr(name, '[') : NULL;
	const char *close = open ? strchr(open, ']') : NULL;

	if (open && close && close > open + 1) {
		size_t n = (size_t)(close - open - 1);

		if (memchr(open + 1, '.', n) || memchr(open + 1, ':', n) ||
		    memchr(open + 1, '/', n))
			return bsc_strndup(open + 1, n);
	}
	return bsc_asprintf("%s|%s", f->path, norm);
}

/* The slot's live set: its value rules with mode != 0. */
static void
make_live(struct slot *s, const struct bsc_ruleset *rs)
{
	s->live = bsc_zalloc(rs->plan->words * sizeof(uint64_t));
	for (size_t i = 0; i < rs->value_rules.n; i++)
		if (s->mode[i])
			s->live[i / 64] |= 1ull << (i & 63);
}

/* Whose keys the values of s make, by its header and subject. */
static void
slot_roles(struct slot *s, const struct bsc_ruleset *rs)
{
	int pk = s->hrule && s->hrule->category >= 0
			 ? rs->cats[s->hrule->category].person_key
			 : BSC_PK_NONE;

	s->oidx = -1;
	if (pk == BSC_PK_NONE)
		return;
	if (s->subject == BSC_SUBJECT_PROFESSIONAL || pk == BSC_PK_PRO_ID) {
		s->oidx = BSC_PG_PROFESSIONALS;
		s->orole = pk;
	} else if (s->subject == BSC_SUBJECT_RELATED) {
		s->oidx = BSC_PG_RELATIVES;
		s->orole = pk;
	} else if (s->subject != BSC_SUBJECT_ORGANIZATION) {
		s->role = pk;
	}
}

static struct slot *
slot_create(struct bsc_fields *f, const char *name, unsigned column)
{
	const struct bsc_ruleset *rs = f->rs;
	size_t nr = rs->value_rules.n;
	struct slot *s = bsc_zalloc(sizeof(*s));

	s->name = name ? bsc_strdup(name) : NULL;
	s->column = column;
	if (bsc_path_is_path(name)) {
		struct bsc_path p;

		s->is_path = true;
		bsc_path_parse(&p, name);
		s->norm = bsc_strdup(p.norm);
		s->hrule = bsc_header_classify_path(rs, &p, &s->hstrength);
		s->subject = bsc_header_subject(rs, s->norm, &p);
		bsc_path_release(&p);
		if (s->hrule && s->hrule->category < 0)
			s->hrule = NULL; /* a "none" rule: nothing to say */
	} else {
		s->norm = name ? bsc_header_normalise(name, strlen(name))
			       : bsc_strdup("");
		s->hrule = bsc_header_classify_in(rs, s->norm, f->file,
						  &s->hstrength);
		s->subject = bsc_header_subject_in(rs, s->norm, f->file);
	}
	/* Values of professionals, relatives and organisations never key
	 * a person; those of professionals and relatives key them. */
	slot_roles(s, rs);
	if (s->role == BSC_PK_LOCAL_ID)
		s->issuer = slot_issuer(f, name, s->norm);
	s->tested = bsc_zalloc((nr ? nr : 1) * sizeof(uint64_t));
	s->hits = bsc_zalloc((nr ? nr : 1) * sizeof(uint64_t));
	s->values = bsc_zalloc((nr ? nr : 1) * sizeof(uint64_t));
	s->samples = bsc_zalloc((nr ? nr : 1) * sizeof(char *));
	s->mode = bsc_zalloc(nr ? nr : 1);
	s->hit_line = bsc_zalloc((nr ? nr : 1) * sizeof(unsigned long));
	s->lead = bsc_zalloc((nr ? nr : 1) * sizeof(uint64_t));
	for (size_t i = 0; i < nr; i++) {
		const struct bsc_rule *r = rs->value_rules.v[i];
		bool ctx_hit = r->context.n &&
			       bsc_header_any_token(s->norm, &r->context);

		if ((r->context_required && !ctx_hit) ||
		    !bsc_rule_file_ok(r, f->file))
			s->mode[i] = 0;
		else if (s->hrule && r->evidence != BSC_EV_STANDALONE &&
			 (s->hrule->category < 0 || s->hrule->exclusive) &&
			 r->category != s->hrule->category)
			s->mode[i] = 0; /* the name decides: codes, or a
					 * position of known meaning */
		else
			s->mode[i] = ctx_hit ? 2 : 1;
	}
	make_live(s, rs);
	return s;
}

unsigned
bsc_fields_slot(struct bsc_fields *f, const char *name, unsigned column)
{
	uint64_t h = bsc_hash64(name ? name : "", name ? strlen(name) : 0,
				column);
	struct slot **b = &f->slot_hash[h % SLOT_BUCKETS];
	struct slot *s;

	for (s = *b; s; s = s->next) {
		bool same = s->column == column &&
			    ((!s->name && !name) ||
			     (s->name && name && !strcmp(s->name, name)));

		if (same)
			break;
	}
	if (s)
		return s->id;
	if (f->slots.n >= f->ctx->limits.max_slots) {
		/* Past the limit every new location shares the last slot:
		 * values are still scanned, locations are merged. */
		if (!f->slots_full) {
			char *n = bsc_asprintf("more than %zu distinct field "
					       "locations: the extra ones are "
					       "reported together",
					       f->ctx->limits.max_slots);

			f->slots_full = true;
			add_note(f, n);
			free(n);
		}
		return (unsigned)(f->slots.n - 1);
	}
	s = slot_create(f, name, column);
	s->id = (unsigned)f->slots.n;
	s->next = *b;
	*b = s;
	bsc_vec_push(&f->slots, s);
	return (unsigned)(f->slots.n - 1);
}

/* ---- values ----------------------------------------------------------- */

static char *
make_sample(struct bsc_fields *f, const char *v, size_t len, int cat)
{
	enum bsc_mask_style style = BSC_MASK_GENERIC;

	if (f->ctx->show_values)
		return bsc_sample_raw(v, len);
	if (cat >= 0)
		style = f->rs->cats[cat].mask;
	return bsc_mask(v, len, style);
}

static void
mark_slot(struct bsc_fields *f, unsigned id)
{
	size_t w = id / 64;

	if (w >= f->cur_words) {
		size_t n = w + 1;

		f->cur = bsc_reallocarray(f->cur, n, sizeof(uint64_t));
		memset(f->cur + f->cur_words, 0,
		       (n - f->cur_words) * sizeof(uint64_t));
		f->cur_words = n;
	}
	f->cur[w] |= 1ull << (id % 64);
	f->cur_any = true;
}

/* Keep (hashes of) the first KEYSET_MAX values of the first key column. */
#define KEYSET_MAX 200000

static void
add_key_value(struct bsc_fields *f, const struct slot *s, const char *v,
	      size_t len)
{
	char *copy;

	if (f->keyslot && f->keyslot != s)
		return;
	if (!f->keyset) {
		f->keyset = bsc_personset_new(KEYSET_MAX + 1);
		f->keyslot = s;
	}
	if (bsc_personset_size(f->keyset) >= KEYSET_MAX || len > 128)
		return;
	copy = bsc_strndup(v, len);
	bsc_personset_add(f->keyset, bsc_hmac_person(person_mac(f->ctx),
						     s->norm, copy));
	free(copy);
}

static bool
placeholder_text(struct bsc_fields *f, const char *v, size_t len)
{
	const struct bsc_vec *pr = &f->rs->placeholder_rules;
	struct bsc_cell_info info;

	bsc_cell_info(v, len, &info);
	for (size_t i = 0; i < pr->n; i++)
		if (bsc_detect_value(f->ctx, pr->v[i], v, len, &info, NULL,
				     NULL))
			return true;
	return false;
}

/* Template text, or a short Base64 payload that decodes to it (an HL7
 * ED field carrying "Document médical au format CDA"). */
static bool
is_placeholder(struct bsc_fields *f, const char *v, size_t len)
{
	char text[BSC_PAYLOAD_TEXT_MAX + 1];
	size_t n;

	if (len > PLACEHOLDER_MAX)
		return false;
	if (placeholder_text(f, v, len))
		return true;
	n = bsc_payload_small_text(v, len, text, sizeof(text));
	return n && placeholder_text(f, text, n);
}

/*
 * Whose data a value of rule r (or a header match, r NULL) in s is: the
 * rule's own subject first ("Dr Martin" is a professional even in a
 * patient's result text), then the slot's.
 */
static enum bsc_subject
value_subject(const struct slot *s, const struct bsc_rule *r)
{
	if (r && r->subject != BSC_SUBJECT_UNKNOWN)
		return r->subject;
	return s->subject;
}

/* Values of standalone rule r in a cell whose first match ends at pos:
 * that one, and every further one (counts are of values, not lines). */
#define MAX_VALUES_PER_CELL 100000

static uint64_t
count_values(struct bsc_fields *f, const struct bsc_rule *r, const char *v,
	     size_t len, size_t pos)
{
	uint64_t n = 1;
	size_t off = 0, mlen = 0;

	while (pos < len && n < MAX_VALUES_PER_CELL &&
	       bsc_detect_value(f->ctx, r, v + pos, len - pos, NULL, &off,
				&mlen)) {
		n++;
		pos += off + (mlen ? mlen : 1);
	}
	return n;
}

/*
 * Column and confirm rules that can no longer reach their share stop
 * being tested (frozen): checked before each cell, as tested[i] grows.
 * A live rule's tested count is s->cells.
 */
static void
freeze_rules(struct bsc_fields *f, struct slot *s)
{
	const struct bsc_ruleset *rs = f->rs;

	if (s->cells < SAMPLE_CELLS)
		return;
	for (size_t w = 0; w < rs->plan->words; w++) {
		for (uint64_t b = s->live[w] & f->freezable[w]; b; b &= b - 1) {
			size_t i = w * 64 + (size_t)__builtin_ctzll(b);
			const struct bsc_rule *r = rs->value_rules.v[i];

			if ((double)s->hits[i] <
			    r->min_share * 0.5 * (double)s->cells) {
				s->tested[i] = s->cells;
				s->live[w] &= ~(1ull << (i & 63));
			}
		}
	}
}

/* Value rule i on the cell (a candidate): count, sample, record keys. */
static void
try_rule(struct bsc_fields *f, struct slot *s, size_t i, const char *v,
	 size_t len, const struct bsc_cell_info *info, uint64_t *cell_cats)
{
	const struct bsc_ruleset *rs = f->rs;
	const struct bsc_rule *r = rs->value_rules.v[i];
	size_t off = 0, mlen = 0;
	enum bsc_subject eff;

	if (!bsc_detect_value(f->ctx, r, v, len, info, &off, &mlen))
		return;
	s->hits[i]++;
	if (r->evidence == BSC_EV_STANDALONE)
		s->values[i] += count_values(f, r, v, len, off + mlen);
	if (r->evidence != BSC_EV_CONFIRM)
		*cell_cats |= 1ull << r->category;
	if (r->corroborate)
		s->lead[i] |= bsc_corr_lead_bit(v + off, mlen);
	if (!s->samples[i]) {
		s->samples[i] = make_sample(f, v + off, mlen, r->category);
		s->hit_line[i] = f->cur_line;
	}
	if (r->evidence != BSC_EV_STANDALONE ||
	    r->confidence < BSC_CONF_MEDIUM)
		return;
	eff = value_subject(s, r);
	if (eff == BSC_SUBJECT_UNKNOWN)
		eff = f->subject_default;
	if (eff == BSC_SUBJECT_ORGANIZATION)
		return;
	f->cur_vmask |= 1ull << r->category;
	/* A professional's identity never makes a patient's record
	 * "linked". */
	if (rs->cats[r->category].cls != BSC_CLASS_IDENTITY ||
	    eff != BSC_SUBJECT_PROFESSIONAL)
		f->cur_vlink |= 1ull << r->category;
	if (eff == BSC_SUBJECT_PROFESSIONAL ||
	    rs->cats[r->category].person_key == BSC_PK_PRO_ID)
		bsc_record_keys_offer_text(&f->okeys[BSC_PG_PROFESSIONALS],
					   rs->cats[r->category].person_key,
					   NULL, v + off, mlen);
	else if (eff == BSC_SUBJECT_RELATED)
		bsc_record_keys_offer_text(&f->okeys[BSC_PG_RELATIVES],
					   rs->cats[r->category].person_key,
					   NULL, v + off, mlen);
	else
		bsc_record_keys_offer_text(&f->pkeys,
					   rs->cats[r->category].person_key,
					   f->path, v + off, mlen);
}

void
bsc_fields_value(struct bsc_fields *f, unsigned id, const char *v,
		 size_t len)
{
	const struct bsc_ruleset *rs = f->rs;
	struct slot *s;
	struct bsc_cell_info info;
	uint64_t cell_cats;

	if (id >= f->slots.n)
		return;
	s = f->slots.v[id];
	while (len && isspace((unsigned char)*v)) {
		v++;
		len--;
	}
	while (len && isspace((unsigned char)v[len - 1]))
		len--;
	if (len == 0)
		return;
	if (is_placeholder(f, v, len)) {
		if (!s->placeholders++)
			s->ph_line = f->cur_line;
		return;
	}
	s->nonempty++;
	mark_slot(f, id);
	if (!s->first) {
		s->first = make_sample(f, v, len,
				       s->hrule ? s->hrule->category : -1);
		s->first_line = f->cur_line;
	}
	if (s->role)
		bsc_record_keys_offer(&f->pkeys, s->role, s->issuer, v, len);
	else if (s->oidx >= 0)
		bsc_record_keys_offer(&f->okeys[s->oidx], s->orole, NULL, v,
				      len);
	if (s->hrule && s->hrule->category >= 0 &&
	    rs->cats[s->hrule->category].person_key == BSC_PK_LOCAL_ID)
		add_key_value(f, s, v, len);
	bsc_cell_info_rs(f->ctx, rs, v, len, &info);
	cell_cats = s->hrule && s->hrule->category >= 0
			    ? 1ull << s->hrule->category
			    : 0;
	freeze_rules(f, s);
	s->cells++; /* tested[i]++ for every live rule */
	/* Only the rules whose prefilter passes, in rule order. */
	bsc_plan_candidates(rs->plan, s->live, &info, f->cand);
	for (size_t w = 0; w < rs->plan->words; w++)
		for (uint64_t b = f->cand[w]; b; b &= b - 1)
			try_rule(f, s, w * 64 + (size_t)__builtin_ctzll(b), v,
				 len, &info, &cell_cats);
	for (size_t i = 0; cell_cats && i < rs->flag_rules.n; i++) {
		const struct bsc_rule *r = rs->flag_rules.v[i];

		if (!(r->on_mask & cell_cats) ||
		    !bsc_detect_value(f->ctx, r, v, len, &info, NULL, NULL))
			continue;
		if (!s->fhits) {
			s->fhits = bsc_zalloc(rs->flag_rules.n *
					      sizeof(uint64_t));
			s->fline = bsc_zalloc(rs->flag_rules.n *
					      sizeof(unsigned long));
		}
		if (s->fhits[i]++ == 0)
			s->fline[i] = f->cur_line;
	}
}

/* Move the values of src into dst where dst has none. */
static void
move_keys(struct bsc_record_keys *dst, struct bsc_record_keys *src)
{
	for (int i = 0; i < BSC_PK_COUNT; i++)
		if (!dst->v[i] && src->v[i]) {
			dst->v[i] = src->v[i];
			src->v[i] = NULL;
			if (src->prose & (1u << i))
				dst->prose |= 1u << i;
		}
}

/*
 * File-level subject, decided once the first record has created the
 * columns: a table of professionals (a professional id, nothing about
 * patients) describes professionals in its unlabelled columns too; a
 * table of organisations (mostly organisation columns, no first names,
 * birth dates or patient data) holds no personal data in them.
 */
static void
decide_subject(struct bsc_fields *f)
{
	const struct bsc_ruleset *rs = f->rs;
	bool patient = false, person = false;
	unsigned pro = 0, org = 0, care = 0;

	f->subject_decided = true;
	for (size_t i = 0; i < f->slots.n; i++) {
		const struct slot *s = f->slots.v[i];
		int cat = s->hrule ? s->hrule->category : -1;
		int pk = cat >= 0 ? rs->cats[cat].person_key : BSC_PK_NONE;

		if (s->subject == BSC_SUBJECT_PROFESSIONAL ||
		    (s->hrule && s->hrule->subject == BSC_SUBJECT_PROFESSIONAL))
			pro++;
		if (s->subject == BSC_SUBJECT_ORGANIZATION)
			org++;
		if (pk == BSC_PK_NIR || pk == BSC_PK_LOCAL_ID)
			patient = true;
		if (s->subject == BSC_SUBJECT_PATIENT ||
		    (cat >= 0 && rs->cats[cat].cls == BSC_CLASS_MEDICAL))
			care++;
		/* What organisations do not have. */
		if (s->subject != BSC_SUBJECT_ORGANIZATION &&
		    (pk == BSC_PK_FIRST_NAME || pk == BSC_PK_BIRTH_DATE))
			person = true;
	}
	if (org > pro && org > care && !patient && !person) {
		/* A table of organisations: addresses and phones there are
		 * not personal data. */
		f->subject_default = BSC_SUBJECT_ORGANIZATION;
		f->cur_vmask = 0;
	} else if (pro > org && !patient && !care) {
		f->subject_default = BSC_SUBJECT_PROFESSIONAL;
	} else {
		return;
	}
	for (size_t i = 0; i < f->slots.n; i++) {
		struct slot *s = f->slots.v[i];

		if (s->subject != BSC_SUBJECT_UNKNOWN || !s->role)
			continue;
		if (f->subject_default == BSC_SUBJECT_PROFESSIONAL) {
			s->oidx = BSC_PG_PROFESSIONALS;
			s->orole = s->role;
		}
		s->role = BSC_PK_NONE;
	}
	/* The first record's values were offered before we knew: a
	 * professional's, in a table of professionals. */
	if (f->subject_default == BSC_SUBJECT_PROFESSIONAL)
		move_keys(&f->okeys[BSC_PG_PROFESSIONALS], &f->pkeys);
	bsc_record_keys_clear(&f->pkeys);
}

/* Hand the record's person keys to the item's person graph; its anchor
 * goes to f->cur_anchor (BSC_PG_NONE without a person). */
static void
count_person(struct bsc_fields *f)
{
	struct bsc_pkey keys[BSC_RECORD_MAX_KEYS];
	size_t n = 0;
	unsigned flags = 0;
	uint64_t strongest = 0;
	int kind = bsc_record_keys_take(&f->pkeys, person_mac(f->ctx), keys,
					&n, &flags, &strongest);

	f->cur_anchor = BSC_PG_NONE;
	for (int i = 0; i < BSC_PG_NOTHER; i++) {
		struct bsc_pkey ok[BSC_RECORD_MAX_KEYS];
		size_t on = 0;

		bsc_record_keys_take_other(&f->okeys[i], person_mac(f->ctx), ok,
					   &on);
		if (on)
			bsc_pgraph_add(bsc_pgraph_other(f->persons,
							(enum bsc_pg_other)i),
				       ok, on, 0, ok[0].hash);
	}
	if (kind < 0) {
		f->without_key++;
		return;
	}
	f->by_key[kind]++;
	f->cur_anchor = bsc_pgraph_add(f->persons, keys, n, flags, strongest);
}

/* Remember which shape the record of a person had (deduplicating runs of
 * the same person and shape, as in a patient's many result lines). */
static void
keep_prec(struct bsc_fields *f, struct sig *s, uint32_t key)
{
	struct prec *last = f->n_precs ? &f->precs[f->n_precs - 1] : NULL;

	if (f->cur_anchor == BSC_PG_NONE)
		return;
	if (last && last->anchor == f->cur_anchor && last->sig == s &&
	    last->key == key)
		return;
	if (f->n_precs >= bsc_person_budget(f->ctx)) {
		f->precs_full = true;
		return;
	}
	if (f->n_precs == f->cap_precs) {
		f->cap_precs = f->cap_precs ? f->cap_precs * 2 : 64;
		f->precs = bsc_reallocarray(f->precs, f->cap_precs,
					    sizeof(*f->precs));
	}
	f->precs[f->n_precs].anchor = f->cur_anchor;
	f->precs[f->n_precs].key = key;
	f->precs[f->n_precs].sig = s;
	f->n_precs++;
}

struct bsc_personset *
bsc_scope_take_keyset(struct bsc_fields *f, const char **header)
{
	struct bsc_personset *ks = f->keyset;

	*header = f->keyslot ? f->keyslot->norm : NULL;
	f->keyset = NULL;
	return ks;
}

/* ---- records ---------------------------------------------------------- */

void
bsc_fields_set_line(struct bsc_fields *f, unsigned long line)
{
	f->cur_line = line;
}

void
bsc_fields_slot_place(struct bsc_fields *f, unsigned id, unsigned long line,
		      unsigned long chr)
{
	struct slot *s;

	if (id >= f->slots.n || !line)
		return;
	s = f->slots.v[id];
	if (!s->place_line) {
		s->place_line = line;
		s->place_char = chr;
	}
}

static uint64_t
sig_hash(const uint64_t *cols, size_t n, uint64_t vmask, uint64_t vlink,
	 bool keyed)
{
	return bsc_hash64(cols, n * sizeof(uint64_t),
			  vmask ^ (vlink * 0x9E3779B97F4A7C15ull) ^
				  (keyed ? 0xC2B2AE3D27D4EB4Full : 0));
}

static uint32_t
key_find(struct bsc_fields *f, uint32_t i)
{
	while (f->keys[i].parent != i) {
		struct key *k = &f->keys[i];

		k->parent = f->keys[k->parent].parent; /* path halving */
		i = k->parent;
	}
	return i;
}

/* OR a shape into key root r. */
static void
key_absorb(struct key *r, const uint64_t *cols, size_t n, uint64_t vmask,
	   uint64_t vlink)
{
	if (n > r->nwords) {
		r->cols = bsc_reallocarray(r->cols, n, sizeof(uint64_t));
		memset(r->cols + r->nwords, 0,
		       (n - r->nwords) * sizeof(uint64_t));
		r->nwords = (uint32_t)n;
	}
	for (size_t i = 0; i < n; i++)
		r->cols[i] |= cols[i];
	r->vmask |= vmask;
	r->vlink |= vlink;
}

static void
key_union(struct bsc_fields *f, uint32_t a, uint32_t b)
{
	struct key *ra, *rb;

	a = key_find(f, a);
	b = key_find(f, b);
	if (a == b)
		return;
	ra = &f->keys[a];
	rb = &f->keys[b];
	key_absorb(ra, rb->cols, rb->nwords, rb->vmask, rb->vlink);
	free(rb->cols);
	rb->cols = NULL;
	rb->nwords = 0;
	rb->vmask = 0;
	rb->vlink = 0;
	rb->parent = a;
}

void
bsc_fields_record_key(struct bsc_fields *f, const char *key, size_t len)
{
	uint64_t h;
	uint32_t *b, idx;

	if (!key || len == 0)
		return;
	h = bsc_hash64(key, len, 0);
	b = &f->key_hash[h % KEY_BUCKETS];
	for (idx = *b; idx != NO_KEY; idx = f->keys[idx].next)
		if (f->keys[idx].hash == h)
			break;
	if (idx == NO_KEY) {
		struct key *k;

		if (f->n_keys >= f->ctx->limits.max_keys ||
		    f->n_keys >= NO_KEY) {
			if (!f->keys_full) {
				char *n = bsc_asprintf(
					"more than %zu record keys: records "
					"with new keys were linked on their "
					"own",
					f->ctx->limits.max_keys);

				f->keys_full = true;
				add_note(f, n);
				free(n);
			}
			return;
		}
		if (f->n_keys == f->cap_keys) {
			f->cap_keys = f->cap_keys ? f->cap_keys * 2 : 64;
			f->keys = bsc_reallocarray(f->keys, f->cap_keys,
						   sizeof(*f->keys));
		}
		idx = (uint32_t)f->n_keys++;
		k = &f->keys[idx];
		memset(k, 0, sizeof(*k));
		k->hash = h;
		k->parent = idx;
		k->next = *b;
		*b = idx;
	}
	for (size_t i = 0; i < f->n_cur_keys; i++)
		if (f->cur_keys[i] == idx)
			return;
	if (f->n_cur_keys == f->cap_cur_keys) {
		f->cap_cur_keys = f->cap_cur_keys ? f->cap_cur_keys * 2 : 4;
		f->cur_keys = bsc_reallocarray(f->cur_keys, f->cap_cur_keys,
					       sizeof(*f->cur_keys));
	}
	f->cur_keys[f->n_cur_keys++] = idx;
}

void
bsc_fields_end_record(struct bsc_fields *f)
{
	size_t n = f->cur_words;
	bool keyed = f->n_cur_keys > 0;
	uint64_t h;
	struct sig **b, *s;
	uint32_t first_key = keyed ? f->cur_keys[0] : NO_KEY;

	if (!f->subject_decided)
		decide_subject(f);
	count_person(f);
	while (n && f->cur[n - 1] == 0)
		n--;
	if (keyed) {
		uint32_t root = f->cur_keys[0];

		for (size_t i = 1; i < f->n_cur_keys; i++)
			key_union(f, root, f->cur_keys[i]);
		root = key_find(f, root);
		key_absorb(&f->keys[root], f->cur, n, f->cur_vmask,
			   f->cur_vlink);
		f->n_cur_keys = 0;
	}
	h = sig_hash(f->cur, n, f->cur_vmask, f->cur_vlink, keyed);
	b = &f->sig_hash[h % SIG_BUCKETS];
	for (s = *b; s; s = s->next)
		if (s->hash == h && s->nwords == n &&
		    s->vmask == f->cur_vmask && s->vlink == f->cur_vlink &&
		    s->keyed == keyed &&
		    (n == 0 ||
		     !memcmp(s->cols, f->cur, n * sizeof(uint64_t))))
			break;
	if (!s && f->n_sigs >= f->ctx->limits.max_signatures) {
		/* Merge into one shape: counts become upper bounds. */
		s = &f->overflow;
		if (n > s->nwords) {
			s->cols = bsc_reallocarray(s->cols, n,
						   sizeof(uint64_t));
			memset(s->cols + s->nwords, 0,
			       (n - s->nwords) * sizeof(uint64_t));
			s->nwords = n;
		}
		for (size_t i = 0; i < n; i++)
			s->cols[i] |= f->cur[i];
		s->vmask |= f->cur_vmask;
		s->vlink |= f->cur_vlink;
		f->sigs_full = true;
	} else if (!s) {
		s = bsc_zalloc(sizeof(*s));
		s->hash = h;
		s->nwords = n;
		s->cols = bsc_zalloc((n ? n : 1) * sizeof(uint64_t));
		if (n) /* f->cur is NULL before the first value */
			memcpy(s->cols, f->cur, n * sizeof(uint64_t));
		s->vmask = f->cur_vmask;
		s->vlink = f->cur_vlink;
		s->keyed = keyed;
		s->next = *b;
		*b = s;
		f->n_sigs++;
	}
	s->count++;
	keep_prec(f, s, first_key);
	if (f->cur_words)
		memset(f->cur, 0, f->cur_words * sizeof(uint64_t));
	f->cur_vmask = 0;
	f->cur_vlink = 0;
	f->cur_any = false;
}

/* ---- findings --------------------------------------------------------- */

struct agg {
	bool used;
	bool strong; /* a value rule of medium or high confidence hit */
	enum bsc_confidence conf;
	unsigned evidence;
	uint64_t count;
	const struct bsc_rule *rule;
	const char *sample;
	const char *note;
	unsigned long line;
};

static enum bsc_confidence
raise(enum bsc_confidence c)
{
	return c < BSC_CONF_HIGH ? c + 1 : c;
}

static enum bsc_confidence
lower(enum bsc_confidence c)
{
	return c > BSC_CONF_LOW ? c - 1 : c;
}

static void
agg_value(struct agg *a, const struct bsc_rule *r, enum bsc_confidence c,
	  uint64_t count, const char *sample, unsigned long line,
	  const char *note)
{
	if (!a->used || c > a->conf) {
		a->conf = c;
		a->rule = r;
		a->sample = sample;
		a->line = line;
		a->note = note;
	}
	a->used = true;
	if (r->confidence >= BSC_CONF_MEDIUM)
		a->strong = true;
	a->evidence |= BSC_EVIDENCE_VALUE;
	if (count > a->count)
		a->count = count;
}

/* Best share among the enabled value rules of category cat on s;
 * *have_rules says whether a confirm rule exists, i.e. whether values
 * that match nothing contradict the header. */
static double
best_share(const struct bsc_fields *f, const struct slot *s, int cat,
	   bool *have_rules)
{
	double best = 0;

	*have_rules = false;
	for (size_t i = 0; i < f->rs->value_rules.n; i++) {
		const struct bsc_rule *r = f->rs->value_rules.v[i];

		if (r->category != cat || !s->mode[i])
			continue;
		if (r->evidence == BSC_EV_CONFIRM)
			*have_rules = true;
		if (s->tested[i]) {
			double sh = (double)s->hits[i] / (double)s->tested[i];

			if (sh > best)
				best = sh;
		}
	}
	return best;
}

static enum bsc_subject
push_finding(struct bsc_fields *f, const struct slot *s, int cat,
	     const struct agg *a)
{
	const struct bsc_category *c = &f->rs->cats[cat];
	struct bsc_finding *x;
	enum bsc_subject subj = value_subject(s, a->rule);

	if (subj == BSC_SUBJECT_UNKNOWN)
		subj = f->subject_default;
	f->findings = bsc_reallocarray(f->findings, f->n_findings + 1,
				       sizeof(*f->findings));
	f->finding_slot = bsc_reallocarray(f->finding_slot, f->n_findings + 1,
					   sizeof(unsigned));
	f->finding_slot[f->n_findings] = s->id;
	x = &f->findings[f->n_findings++];
	memset(x, 0, sizeof(*x));
	x->category = c->name;
	x->cls = c->cls;
	x->rule = a->rule ? a->rule->id : "";
	x->loc.column = s->column;
	x->loc.header = s->name;
	x->loc.line = s->place_line ? s->place_line : a->line;
	x->loc.start_char = s->place_line ? s->place_char : 0;
	x->count = a->count;
	x->confidence = a->conf;
	x->evidence = a->evidence;
	x->subject = subj;
	x->sample = a->sample ? a->sample : "";
	x->note = a->note ? a->note : a->rule ? a->rule->note : NULL;
	return subj;
}

/* tested[i] of the rules still live is the slot's cell count. */
static void
settle_tested(const struct bsc_fields *f, struct slot *s)
{
	for (size_t i = 0; i < f->rs->value_rules.n; i++)
		if ((s->live[i / 64] >> (i & 63)) & 1)
			s->tested[i] = s->cells;
}

/*
 * A column of numbers that mostly fail a check is not of that category:
 * when a low rule (a NIR shape with a wrong key) matched more cells of s
 * than the validated rules of its category, the few that pass did so by
 * chance (1 in 97 for a NIR key). Unless the name says so, low.
 */
static void
demote_chance_hits(const struct bsc_fields *f, const struct slot *s,
		   struct agg *agg, int hcat)
{
	const struct bsc_ruleset *rs = f->rs;
	uint64_t good[BSC_MAX_CATEGORIES] = {0}, bad[BSC_MAX_CATEGORIES] = {0};

	for (size_t i = 0; i < rs->value_rules.n; i++) {
		const struct bsc_rule *r = rs->value_rules.v[i];

		if (!s->mode[i] || r->evidence != BSC_EV_STANDALONE)
			continue;
		if (r->confidence == BSC_CONF_LOW) {
			if (s->hits[i] > bad[r->category])
				bad[r->category] = s->hits[i];
		} else if (s->hits[i] > good[r->category]) {
			good[r->category] = s->hits[i];
		}
	}
	for (int c = 0; c < (int)rs->n_cats; c++) {
		if (c == hcat || !agg[c].used || !good[c] ||
		    bad[c] < 3 || bad[c] <= good[c])
			continue;
		agg[c].conf = BSC_CONF_LOW;
		agg[c].note = "most values of this shape fail its check: "
			      "the few that pass do so by chance";
	}
}

static void
classify_slot(struct bsc_fields *f, struct slot *s,
	      const struct bsc_corr_slot *corr)
{
	const struct bsc_ruleset *rs = f->rs;
	struct agg agg[BSC_MAX_CATEGORIES];
	int hcat = s->hrule ? s->hrule->category : -1;

	memset(agg, 0, sizeof(agg));
	for (size_t i = 0; i < rs->value_rules.n; i++) {
		const struct bsc_rule *r = rs->value_rules.v[i];
		enum bsc_confidence c = r->confidence;
		const char *note = NULL;
		double share;

		if (!s->mode[i] || !s->hits[i] ||
		    r->evidence == BSC_EV_CONFIRM)
			continue;
		/* Shape alone never overrides a header that says something
		 * else: "P001" in an id_patient column is not a diagnosis. */
		if (r->evidence == BSC_EV_COLUMN && hcat >= 0 &&
		    hcat != r->category)
			continue;
		share = (double)s->hits[i] / (double)s->tested[i];
		if (r->evidence == BSC_EV_COLUMN && share < r->min_share)
			continue;
		/* On a location path the structure says what the values are:
		 * a shape-only column rule may not contradict a path rule, and
		 * needs a real column (several matching values) to speak
		 * alone: two error codes "E11", "C50" are not diagnoses. A
		 * leaf name of its own category ("prenom") is not alone. */
		if (s->is_path && r->evidence == BSC_EV_COLUMN &&
		    hcat != r->category &&
		    (s->hstrength == 4 || s->hits[i] < PATH_COLUMN_CELLS))
			continue;
		if (hcat == r->category || s->mode[i] == 2) {
			c = raise(c);
		} else if (r->evidence == BSC_EV_COLUMN) {
			/* A code shape alone: is anything else saying so? */
			enum bsc_corr_verdict v = bsc_corroborate(
				rs, r, f->file, corr, f->slots.n, s->id,
				s->lead[i], s->hits[i]);

			if (v != BSC_CORR_OK) {
				c = BSC_CONF_LOW;
				note = bsc_corr_note(v);
			}
		}
		agg_value(&agg[r->category], r, c,
			  r->evidence == BSC_EV_STANDALONE ? s->values[i]
							   : s->hits[i],
			  s->samples[i], s->hit_line[i], note);
	}
	demote_chance_hits(f, s, agg, hcat);
	if (hcat >= 0) {
		struct agg *a = &agg[hcat];
		bool have_rules;
		double sh = best_share(f, s, hcat, &have_rules);

		if (a->used) {
			a->evidence |= BSC_EVIDENCE_HEADER;
			if (s->nonempty > a->count)
				a->count = s->nonempty;
			if (a->strong) {
				a->conf = BSC_CONF_HIGH;
			} else if (s->hrule->exclusive ||
				   s->hstrength == 4) {
				/* Structure beats checksum: a NIR with a
				 * wrong key in an INS position is still a
				 * social-security number (test data, typo). */
				a->conf = BSC_CONF_HIGH;
				a->note = a->rule && a->rule->note
						  ? a->rule->note
						  : "values fail the check of "
						    "this category; the "
						    "position says what they "
						    "are";
			} else {
				/* Only low rules hit (a NIR shape with a
				 * wrong key): the values fail the check
				 * the header calls for. */
				a->conf = BSC_CONF_LOW;
				a->note = "values have the shape of this "
					  "category but fail its check";
			}
		} else {
			a->used = true;
			a->rule = s->hrule;
			a->evidence = BSC_EVIDENCE_HEADER;
			a->count = s->nonempty;
			a->sample = s->first;
			a->line = s->first_line ? s->first_line : s->ph_line;
			if (s->nonempty == 0) {
				a->conf = BSC_CONF_LOW;
				a->note = s->placeholders
						  ? "only placeholder values "
						    "(template text)"
						  : "column is empty";
			} else if (have_rules && sh >= 0.5) {
				a->conf = BSC_CONF_HIGH;
				a->evidence |= BSC_EVIDENCE_VALUE;
			} else if (have_rules && sh < 0.1 &&
				   s->hstrength != 4) {
				/* A path rule is the document's structure:
				 * shapes made for CSV columns (a CIM-10
				 * code, a French phone) do not contradict
				 * it. */
				a->conf = lower(s->hrule->confidence);
				a->note = "values do not look like this "
					  "category";
			} else {
				a->conf = s->hrule->confidence;
			}
		}
	}
	for (int c = 0; c < (int)rs->n_cats; c++) {
		struct agg *a = &agg[c];

		enum bsc_subject subj;

		if (!a->used || (int)a->conf < f->ctx->min_confidence)
			continue;
		subj = push_finding(f, s, c, a);
		if (bsc_finding_counted(&f->findings[f->n_findings - 1]))
			s->fmask |= 1ull << c;
		/* Whole-column categories count for every non-empty cell;
		 * standalone hits are counted per record already. */
		if (bsc_finding_counted(&f->findings[f->n_findings - 1]) &&
		    ((a->evidence & BSC_EVIDENCE_HEADER) ||
		     (a->rule && a->rule->evidence == BSC_EV_COLUMN))) {
			s->catmask |= 1ull << c;
			if (rs->cats[c].cls != BSC_CLASS_IDENTITY ||
			    subj != BSC_SUBJECT_PROFESSIONAL)
				s->linkmask |= 1ull << c;
			if (rs->cats[c].cls != BSC_CLASS_IDENTITY ||
			    (subj != BSC_SUBJECT_PROFESSIONAL &&
			     subj != BSC_SUBJECT_RELATED &&
			     subj != BSC_SUBJECT_ORGANIZATION))
				s->pmask |= 1ull << c;
		}
	}
}

/*
 * Signals that the data come from care (GDPR art. 4(15), recital 35):
 * patients as subjects, and categories marked `care_signal` in
 * categories.yml (care encounters, patient identifiers of a provider).
 * Identity data from a care context may themselves be health data.
 */
static void
care_context(struct bsc_fields *f, struct bsc_item_report *rep)
{
	uint64_t seen = 0;
	bool patient = false;

	for (size_t i = 0; i < f->n_findings; i++) {
		const struct bsc_finding *x = &f->findings[i];
		int c = bsc_ruleset_category(f->rs, x->category);

		if (!bsc_finding_counted(x) ||
		    x->subject == BSC_SUBJECT_PROFESSIONAL)
			continue;
		if (x->subject == BSC_SUBJECT_PATIENT)
			patient = true;
		if (c >= 0 && f->rs->cats[c].care_signal)
			seen |= 1ull << c;
	}
	f->n_care = 0;
	if (patient)
		f->care[f->n_care++] = "patients as subjects";
	for (size_t c = 0; c < f->rs->n_cats; c++)
		if (seen & (1ull << c))
			f->care[f->n_care++] = f->rs->cats[c].name;
	rep->care_context = f->care;
	rep->n_care_context = f->n_care;
}

/* Categories of a record shape; *link gets those that count for
 * linkage (professionals' identity left out). */
static uint64_t
shape_mask(const struct bsc_fields *f, const uint64_t *cols, size_t nwords,
	   uint64_t vmask, uint64_t vlink, uint64_t *link)
{
	/* a standalone hit counts only where its category has a counted
	 * finding (a NIR that passed its key by chance in a column of
	 * numbers does not) */
	uint64_t m = vmask & f->counted;

	*link = vlink & f->counted;
	for (size_t w = 0; w < nwords; w++) {
		uint64_t bits = cols[w];

		while (bits) {
			unsigned b = (unsigned)__builtin_ctzll(bits);
			size_t id = w * 64 + b;

			bits &= bits - 1;
			if (id < f->slots.n) {
				const struct slot *sl = f->slots.v[id];

				m |= sl->catmask;
				*link |= sl->linkmask;
			}
		}
	}
	return m;
}

/* What a shape of records holds, as person flags (pgraph.h). */
static unsigned
shape_pflags(const struct bsc_fields *f, const uint64_t *cols, size_t nw,
	     uint64_t vmask, uint64_t vlink, bool keyed)
{
	const struct bsc_ruleset *rs = f->rs;
	uint64_t lm, m = shape_mask(f, cols, nw, vmask, vlink, &lm);
	unsigned fl = 0;

	if (m & rs->direct_mask)
		fl |= BSC_PF_IDENT;
	if (m & rs->medical_mask)
		fl |= BSC_PF_MEDICAL;
	if (!keyed && (lm & rs->direct_mask) && (m & rs->medical_mask))
		fl |= BSC_PF_LINKED;
	return fl;
}

/* The categories a shape of records holds about its person: the columns'
 * (pmask) and the standalone hits' that count for linkage. */
static uint64_t
shape_pcats(const struct bsc_fields *f, const uint64_t *cols, size_t nwords,
	    uint64_t vlink)
{
	uint64_t m = vlink & f->counted;

	for (size_t w = 0; w < nwords; w++)
		for (uint64_t bits = cols[w]; bits; bits &= bits - 1) {
			size_t id = w * 64 + (size_t)__builtin_ctzll(bits);

			if (id < f->slots.n)
				m |= ((const struct slot *)f->slots.v[id])
					     ->pmask;
		}
	return m;
}

/* Flag each person with what their records hold, now that the columns
 * are classified; the records of one entity (a FHIR Patient and what
 * refers to it) are one person. */
static void
flag_persons(struct bsc_fields *f)
{
	uint32_t *first = NULL;

	if (f->n_keys) {
		first = bsc_zalloc(f->n_keys * sizeof(uint32_t));
		for (size_t i = 0; i < f->n_keys; i++)
			first[i] = BSC_PG_NONE;
	}
	for (size_t i = 0; i < f->n_precs; i++) {
		const struct prec *p = &f->precs[i];
		uint32_t r;

		if (p->key == NO_KEY)
			continue;
		r = key_find(f, p->key);
		if (first[r] == BSC_PG_NONE)
			first[r] = p->anchor;
		else
			bsc_pgraph_join(f->persons, first[r], p->anchor);
	}
	free(first);
	for (size_t i = 0; i < f->n_precs; i++) {
		const struct prec *p = &f->precs[i];
		struct sig *s = p->sig;
		unsigned fl;

		uint64_t cats;

		if (!s->pdone) {
			s->pflags = (uint8_t)shape_pflags(f, s->cols, s->nwords,
							  s->vmask, s->vlink,
							  s->keyed);
			s->pcats = shape_pcats(f, s->cols, s->nwords, s->vlink);
			s->pdone = true;
		}
		fl = s->pflags;
		cats = s->pcats;
		if (p->key != NO_KEY) {
			const struct key *k = &f->keys[key_find(f, p->key)];
			unsigned ef = shape_pflags(f, k->cols, k->nwords,
						   k->vmask, k->vlink, false);

			fl |= ef & (BSC_PF_IDENT | BSC_PF_MEDICAL);
			if (ef & BSC_PF_LINKED)
				fl |= BSC_PF_LINKED;
			cats |= shape_pcats(f, k->cols, k->nwords, k->vlink);
		}
		bsc_pgraph_flag(f->persons, p->anchor, fl, cats);
	}
}

/* Records holding each category about their person, and any identity /
 * medical one: the bounds past the budget (pgraph.h). */
static void
records_by_category(struct bsc_fields *f, const struct bsc_pcats *t,
		    uint64_t *recs)
{
	memset(recs, 0, BSC_PG_NFIG * sizeof(uint64_t));
	for (size_t b = 0; b <= SIG_BUCKETS; b++) {
		for (struct sig *s = b < SIG_BUCKETS ? f->sig_hash[b]
						     : &f->overflow;
		     s; s = b < SIG_BUCKETS ? s->next : NULL) {
			uint64_t m = shape_pcats(f, s->cols, s->nwords, s->vlink);

			if (!s->count)
				continue;
			for (uint64_t x = m; x; x &= x - 1)
				recs[__builtin_ctzll(x)] += s->count;
			if (m & t->identity)
				recs[BSC_PG_IDENTITY] += s->count;
			if (m & t->medical)
				recs[BSC_PG_MEDICAL] += s->count;
		}
	}
}

/* Does the item hold identity data about persons (not professionals or
 * organisations)? Without, it has no persons. */
static bool
person_identity(const struct bsc_fields *f)
{
	for (size_t i = 0; i < f->n_findings; i++) {
		const struct bsc_finding *x = &f->findings[i];

		if (x->cls == BSC_CLASS_IDENTITY && bsc_finding_counted(x) &&
		    x->subject != BSC_SUBJECT_PROFESSIONAL &&
		    x->subject != BSC_SUBJECT_RELATED)
			return true;
	}
	return false;
}

static void
persons_report(struct bsc_fields *f, struct bsc_item_report *rep,
	       bool any)
{
	struct bsc_persons *p = &rep->persons;

	struct bsc_pcats t;
	uint64_t recs[BSC_PG_NFIG];

	memset(p, 0, sizeof(*p));
	bsc_pcats_from_rules(f->rs, &t);
	if (!any) {
		/* No personal data: no persons, and nothing for the run;
		 * professionals and relatives stay. */
		bsc_pgraph_drop_persons(f->persons);
		bsc_pgraph_figures(f->persons, 0, &t, p);
		return;
	}
	flag_persons(f);
	records_by_category(f, &t, recs);
	bsc_pgraph_seal(f->persons, &t, recs, f->precs_full);
	bsc_pgraph_figures(f->persons, rep->records_linked, &t, p);
	if (f->precs_full && !p->health_bound) {
		/* Per-person flags were not all kept: bound by the linked
		 * records. */
		p->health = rep->records_linked < p->count
				    ? rep->records_linked
				    : p->count;
		p->health_bound = true;
	}
	memcpy(p->by_key, f->by_key, sizeof(f->by_key));
	p->without_key = f->without_key;
}

struct bsc_pgraph *
bsc_scope_take_persons(struct bsc_fields *f)
{
	struct bsc_pgraph *g = f->persons;

	f->persons = bsc_pgraph_new(bsc_person_budget(f->ctx));
	return g;
}

/*
 * What each column says about the table, for code-shaped columns
 * (corroborate.c): the category its name gives, and the medical
 * categories whose wording most of its values hold (a label column).
 */
static struct bsc_corr_slot *
corr_table(const struct bsc_fields *f)
{
	const struct bsc_ruleset *rs = f->rs;
	struct bsc_corr_slot *v =
		bsc_zalloc((f->slots.n + 1) * sizeof(*v));

	for (size_t k = 0; k < f->slots.n; k++) {
		const struct slot *s = f->slots.v[k];

		if (!s->nonempty)
			continue;
		if (s->hrule && s->hrule->category >= 0 &&
		    s->hrule->confidence >= BSC_CONF_MEDIUM)
			v[k].header_cats = 1ull << s->hrule->category;
		for (size_t i = 0; i < rs->value_rules.n; i++) {
			const struct bsc_rule *r = rs->value_rules.v[i];

			if (r->wording && s->mode[i] && s->tested[i] &&
			    2 * s->hits[i] >= s->tested[i])
				v[k].label_cats |= 1ull << r->category;
		}
	}
	return v;
}

/*
 * The item's flags: only hits in columns whose finding of a category the
 * flag looks at counts and is not suppressed by the policy. A flag never
 * comes from a finding that does not count (a low code-shaped column).
 */
static void
build_flags(struct bsc_fields *f, struct bsc_item_report *rep)
{
	const struct bsc_ruleset *rs = f->rs;

	free(f->flags);
	f->flags = bsc_zalloc((rs->flag_rules.n + 1) * sizeof(*f->flags));
	f->n_flags = 0;
	for (size_t i = 0; i < rs->flag_rules.n; i++) {
		const struct bsc_rule *r = rs->flag_rules.v[i];
		const struct slot *first = NULL;
		unsigned long line = 0;
		uint64_t count = 0;
		struct bsc_flag *x;

		for (size_t k = 0; k < f->slots.n; k++) {
			const struct slot *s = f->slots.v[k];

			if (!s->fhits || !s->fhits[i] ||
			    !(s->fmask & r->on_mask))
				continue;
			count += s->fhits[i];
			if (!first || s->fline[i] < line) {
				first = s;
				line = s->fline[i];
			}
		}
		if (!count)
			continue;
		x = &f->flags[f->n_flags++];
		x->flag = r->flag;
		x->rule = r->id;
		x->reason = r->label;
		x->reason_fr = r->label_fr;
		x->count = count;
		x->loc.column = first->column;
		x->loc.header = first->name;
		x->loc.line = line;
		x->path = f->path;
	}
	rep->flags = f->flags;
	rep->n_flags = f->n_flags;
}

void
bsc_scope_refresh_flags(struct bsc_fields *f, struct bsc_item_report *rep)
{
	for (size_t k = 0; k < f->slots.n; k++)
		((struct slot *)f->slots.v[k])->fmask = 0;
	for (size_t i = 0; i < f->n_findings; i++) {
		const struct bsc_finding *x = &f->findings[i];
		struct slot *s = f->slots.v[f->finding_slot[i]];
		int c = bsc_ruleset_category(f->rs, x->category);

		if (c >= 0 && bsc_finding_counted(x) && !x->suppressed)
			s->fmask |= 1ull << c;
	}
	build_flags(f, rep);
}

void
bsc_scope_report(struct bsc_fields *f, struct bsc_item_report *rep,
		 uint64_t *cats)
{
	const struct bsc_ruleset *rs = f->rs;
	uint64_t mask = 0, smask[4] = {0};
	size_t ni = 0, nm = 0;

	if (f->cur_any)
		bsc_fields_end_record(f);
	for (size_t i = 0; i < f->slots.n; i++)
		settle_tested(f, f->slots.v[i]);
	{
		struct bsc_corr_slot *corr = corr_table(f);

		for (size_t i = 0; i < f->slots.n; i++)
			classify_slot(f, f->slots.v[i], corr);
		free(corr);
	}
	for (size_t i = 0; i < f->n_findings; i++) {
		const struct bsc_finding *x = &f->findings[i];

		uint64_t bit;

		if (!bsc_finding_counted(x))
			continue;
		bit = 1ull << bsc_ruleset_category(rs, x->category);
		mask |= bit;
		if ((unsigned)x->subject < 4)
			smask[x->subject] |= bit;
	}
	f->counted = mask;
	rep->records_identity = rep->records_medical = 0;
	rep->records_linked = 0;
	for (size_t b = 0; b <= SIG_BUCKETS; b++) {
		const struct sig *s =
			b < SIG_BUCKETS ? f->sig_hash[b] : &f->overflow;

		for (; s; s = b < SIG_BUCKETS ? s->next : NULL) {
			uint64_t lm;
			uint64_t m = shape_mask(f, s->cols, s->nwords,
						s->vmask, s->vlink, &lm);
			bool id = (m & rs->direct_mask) != 0;
			bool med = (m & rs->medical_mask) != 0;

			if (id)
				rep->records_identity += s->count;
			if (med)
				rep->records_medical += s->count;
			/* Keyed records are linked per entity, below. */
			if ((lm & rs->direct_mask) && med && !s->keyed)
				rep->records_linked += s->count;
		}
	}
	for (size_t i = 0; i < f->n_keys; i++) {
		const struct key *k = &f->keys[i];
		uint64_t m, lm;

		if (k->parent != i)
			continue; /* not a root: merged into one */
		m = shape_mask(f, k->cols, k->nwords, k->vmask, k->vlink, &lm);
		if ((lm & rs->direct_mask) && (m & rs->medical_mask))
			rep->records_linked++;
	}
	/* Past max_signatures keyed and unkeyed shapes share the overflow
	 * shape; keep the upper bound consistent. */
	if (rep->records_linked > rep->records_identity)
		rep->records_linked = rep->records_identity;
	if (rep->records_linked > rep->records_medical)
		rep->records_linked = rep->records_medical;
	if (f->sigs_full) {
		char *n = bsc_asprintf("more than %zu distinct record shapes: "
				       "record counts are upper bounds",
				       f->ctx->limits.max_signatures);

		add_note(f, n);
		free(n);
	}
	f->identity = bsc_ruleset_names(rs, mask & rs->identity_mask, &ni);
	f->medical = bsc_ruleset_names(rs, mask & rs->medical_mask, &nm);
	rep->findings = f->findings;
	rep->n_findings = f->n_findings;
	rep->identity = f->identity;
	rep->n_identity = ni;
	rep->medical = f->medical;
	rep->n_medical = nm;
	persons_report(f, rep, person_identity(f));
	build_flags(f, rep);
	care_context(f, rep);
	for (int k = 0; k < 4; k++) {
		struct bsc_subject_categories *sc = &rep->subjects[k];

		f->subj_identity[k] = bsc_ruleset_names(
			rs, smask[k] & rs->identity_mask, &sc->n_identity);
		f->subj_medical[k] = bsc_ruleset_names(
			rs, smask[k] & rs->medical_mask, &sc->n_medical);
		sc->identity = f->subj_identity[k];
		sc->medical = f->subj_medical[k];
	}
	if (cats)
		*cats = mask;
}

struct bsc_finding *
bsc_scope_findings(struct bsc_fields *f, size_t *n)
{
	*n = f->n_findings;
	return f->findings;
}

const char *
bsc_scope_note(const struct bsc_fields *f)
{
	return f->note;
}
