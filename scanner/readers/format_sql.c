/*
 * format_sql.c - the SQL dump reader: mysqldump / MariaDB (multi-row
 * INSERT ... VALUES (...),(...)), pg_dump (COPY ... FROM stdin with its
 * text-format escapes and \N), plain INSERTs (sqlite3 .dump, pg_dump
 * --inserts). Each table is a sub-item of the dump ("dump.sql!/patients",
 * struct bsc_subitems), its columns named from the INSERT or COPY column
 * list, else from CREATE TABLE; one record per row.
 *
 * It streams: a character lexer feeds a statement parser, so memory is
 * one value (--max-field) and the column names, whatever the size of a
 * statement. It never executes anything and understands only what carries
 * rows; other statements are skipped to their ';'. A dump cut inside a
 * statement or a string makes the table partial, never a silent loss.
 * Blobs (_binary '...', X'...', 0x...) are counted, not scanned.
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "format.h"

#define CHUNK 65536
#define NAME_MAX_LEN 128
/* Table definitions (CREATE TABLE) remembered per dump. */
#define MAX_DEFS 4096

enum tok {
	T_WORD,   /* keyword, bare identifier or number */
	T_STRING, /* '...' */
	T_DQUOTE, /* "..." (identifier, or a string in MySQL values) */
	T_QIDENT, /* `...` or [...] */
	T_PUNCT,  /* one character */
};

enum lex {
	L_NONE,
	L_WORD,
	L_STRING,
	L_DQUOTE,
	L_BACKTICK,
	L_BRACKET,
	L_DASH,   /* a '-': comment if another follows */
	L_SLASH,  /* a '/': comment if '*' follows */
	L_LINE_COMMENT,
	L_BLOCK_COMMENT,
	L_COPY,   /* COPY ... FROM stdin data lines */
};

enum parse {
	P_START,
	P_SKIP,        /* to the next ';' */
	P_CREATE,
	P_CREATE_NAME,
	P_CREATE_COLS,
	P_INSERT,      /* before the table name */
	P_INSERT_NAME, /* after (part of) the name */
	P_INSERT_COLS, /* inside the column list */
	P_INSERT_VALUES_KW, /* after the column list */
	P_VALUES,      /* between rows */
	P_ROW,         /* inside a row */
	P_COPY,        /* before the table name */
	P_COPY_NAME,
	P_COPY_COLS,
	P_COPY_TAIL,   /* FROM stdin ... ; */
};

struct table_def {
	char name[NAME_MAX_LEN];
	char **cols;
	unsigned long *col_lines; /* where each column is named */
	size_t ncols;
};

/* The table whose rows are being read: one sub-item at a time. */
struct out {
	char name[NAME_MAX_LEN];
	struct bsc_fields *f;
	unsigned long long records;
	uint64_t start_bytes;
	bsc_status status;
	char reason[256];
	unsigned long long blobs, cut;
};

struct sql {
	struct bsc_reader *r;
	bool backslash; /* MySQL: backslash escapes in every string */
	/* lexer */
	enum lex lex;
	bool esc;             /* after a backslash in a string */
	bool quote_pending;   /* a quote that may be doubled ('') */
	bool e_string;        /* PostgreSQL E'...' */
	bool word_is_e;       /* the last token was the word E, adjacent */
	struct bsc_buf tok;   /* token text, at most max_field */
	bool tok_cut;
	unsigned long line;
	unsigned long tok_line;
	uint64_t bytes;       /* decoded bytes seen */
	/* parser */
	enum parse p;
	int depth;
	bool elem_start;
	char name[NAME_MAX_LEN];
	bool name_dot;        /* a '.' follows the name: more to come */
	char **cols;          /* the statement's column list */
	unsigned long *col_lines; /* the line naming each column */
	size_t ncols;
	bool explicit_cols;
	bool copy_stdin;
	unsigned long stmt_line;
	/* values */
	struct bsc_buf val;
	bool val_null, val_blob, val_str, val_any, val_cut;
	size_t col;
	unsigned *slots;      /* slot of column i in out.f (0 = unset) */
	bool row_open;
	unsigned long row_line;
	/* COPY data */
	int cp_esc;           /* 0 none, 1 after '\', 2 octal, 3 hex */
	int cp_n;
	unsigned cp_v;
	bool cp_line_start, cp_end_mark, cp_null;
	unsigned long copy_line; /* of the COPY statement */
	/* tables */
	struct table_def *defs;
	size_t ndefs;
	struct out out;
	char (*seen)[NAME_MAX_LEN]; /* tables already reported */
	size_t nseen;
	unsigned long long unsupported; /* INSERT ... SELECT / SET */
	bool fatal;
	bool cut_in_data;     /* EOF inside a row-carrying statement */
	char cut_what[160];
};

/* ---- tables and sub-items ------------------------------------------- */

static void
free_cols(char **cols, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(cols[i]);
	free(cols);
}

static struct table_def *
find_def(struct sql *s, const char *name)
{
	for (size_t i = 0; i < s->ndefs; i++)
		if (!strcmp(s->defs[i].name, name))
			return &s->defs[i];
	return NULL;
}

/* End the current sub-item and report it. */
static void
out_end(struct sql *s)
{
	struct out *o = &s->out;
	bsc_status st = o->status;
	char reason[512];

	if (!o->f)
		return;
	snprintf(reason, sizeof(reason), "%s", o->reason);
	if (o->cut && st == BSC_OK) {
		st = BSC_WARN;
		snprintf(reason, sizeof(reason),
			 "%llu value(s) longer than --max-field were cut",
			 o->cut);
	}
	if (o->blobs) {
		char note[96];

		snprintf(note, sizeof(note),
			 "%llu binary value(s) (blobs) not scanned", o->blobs);
		bsc_fields_note(o->f, note);
	}
	if (bsc_reader_sub_end(s->r, o->f, "sql", st, reason, o->records,
			       s->bytes - o->start_bytes) == BSC_FATAL)
		s->fatal = true;
	memset(o, 0, sizeof(*o));
}

/*
 * Make table name the current sub-item. A table whose rows come back
 * after another table's gets a second sub-item, "name#2", so that memory
 * holds one table at a time.
 */
static bool
out_switch(struct sql *s, const char *name)
{
	char sub[NAME_MAX_LEN + 16];
	unsigned again = 1;

	if (s->out.f && !strcmp(s->out.name, name))
		return true;
	out_end(s);
	if (s->fatal)
		return false;
	for (size_t i = 0; i < s->nseen; i++)
		if (!strcmp(s->seen[i], name))
			again++;
	if (again > 1)
		snprintf(sub, sizeof(sub), "%s#%u", name, again);
	else
		snprintf(sub, sizeof(sub), "%s", name);
	if (s->nseen < s->r->limits->max_members) {
		s->seen = bsc_reallocarray(s->seen, s->nseen + 1,
					   sizeof(*s->seen));
		snprintf(s->seen[s->nseen++], NAME_MAX_LEN, "%s", name);
	}
	s->out.f = bsc_reader_sub_begin(s->r, sub[0] ? sub : "(unnamed)");
	if (!s->out.f) {
		s->fatal = true;
		return false;
	}
	snprintf(s->out.name, sizeof(s->out.name), "%s", name);
	s->out.start_bytes = s->bytes;
	s->out.status = BSC_OK;
	return true;
}

/* Start the rows of the statement's table: pick its column names. */
static bool
rows_begin(struct sql *s)
{
	size_t max = s->r->limits->max_columns;

	if (!out_switch(s, s->name))
		return false;
	if (s->explicit_cols && !find_def(s, s->name) && s->ndefs < MAX_DEFS) {
		/* No CREATE TABLE: later statements without a column list
		 * name their columns after this one's. */
		struct table_def *d;

		s->defs = bsc_reallocarray(s->defs, s->ndefs + 1,
					   sizeof(*s->defs));
		d = &s->defs[s->ndefs++];
		snprintf(d->name, sizeof(d->name), "%s", s->name);
		d->cols = bsc_zalloc((s->ncols + 1) * sizeof(char *));
		d->col_lines = bsc_zalloc((s->ncols + 1) *
					  sizeof(unsigned long));
		for (size_t i = 0; i < s->ncols; i++) {
			d->cols[i] = bsc_strdup(s->cols[i]);
			d->col_lines[i] = s->col_lines[i];
		}
		d->ncols = s->ncols;
	}
	if (!s->explicit_cols) {
		const struct table_def *d = find_def(s, s->name);

		free_cols(s->cols, s->ncols);
		free(s->col_lines);
		s->cols = NULL;
		s->col_lines = NULL;
		s->ncols = 0;
		if (d) {
			s->cols = bsc_zalloc((d->ncols + 1) * sizeof(char *));
			s->col_lines = bsc_zalloc((d->ncols + 1) *
						  sizeof(unsigned long));
			for (size_t i = 0; i < d->ncols; i++) {
				s->cols[i] = bsc_strdup(d->cols[i]);
				s->col_lines[i] = d->col_lines[i];
			}
			s->ncols = d->ncols;
		}
	}
	free(s->slots);
	s->slots = bsc_zalloc((max + 1) * sizeof(unsigned));
	return true;
}

/* A named column points at the line that names it (CREATE TABLE, or the
 * INSERT / COPY column list), as a CSV column at its header. */
static unsigned
slot_of(struct sql *s, size_t col)
{
	if (!s->slots[col]) {
		unsigned id = bsc_fields_slot(
		    s->out.f, col < s->ncols ? s->cols[col] : NULL,
		    (unsigned)col + 1);

		if (col < s->ncols)
			bsc_fields_slot_place(s->out.f, id, s->col_lines[col],
					      0);
		s->slots[col] = id + 1;
	}
	return s->slots[col] - 1;
}

static void
row_begin(struct sql *s)
{
	s->row_open = true;
	s->row_line = s->line;
	s->col = 0;
	if (s->out.f) /* the row's values are at its line */
		bsc_fields_set_line(s->out.f, s->row_line);
}

static void
row_end(struct sql *s)
{
	if (!s->row_open || !s->out.f)
		return;
	bsc_fields_end_record(s->out.f);
	s->out.records++;
	s->row_open = false;
}

static void
value_reset(struct sql *s)
{
	bsc_buf_reset(&s->val);
	s->val_null = s->val_blob = s->val_str = s->val_any = false;
	s->val_cut = false;
}

/* The value of the current column is complete. */
static void
value_end(struct sql *s)
{
	size_t col = s->col++;

	if (!s->out.f)
		return;
	if (s->val_cut)
		s->out.cut++;
	if (s->val_blob) {
		s->out.blobs++;
	} else if (!s->val_null && s->val.len &&
		   col < s->r->limits->max_columns) {
		bsc_fields_value(s->out.f, slot_of(s, col), s->val.data,
				 s->val.len);
	}
	value_reset(s);
}

static void
value_add(struct sql *s, const char *p, size_t n)
{
	if (!s->val_cut && !bsc_buf_add(&s->val, p, n)) {
		size_t room = s->val.max - s->val.len;

		bsc_buf_add(&s->val, p, room);
		s->val_cut = true;
	}
}

/* ---- the parser: tokens in, rows out ---------------------------------- */

static bool
word_is(const struct sql *s, enum tok t, const char *w)
{
	return t == T_WORD && !strcasecmp(s->tok.data, w);
}

static bool
is_name_tok(enum tok t)
{
	return t == T_WORD || t == T_DQUOTE || t == T_QIDENT;
}

static void
name_add(struct sql *s, const char *part)
{
	size_t n = strlen(s->name);

	snprintf(s->name + n, sizeof(s->name) - n, "%s", part);
}

static void
stmt_reset(struct sql *s)
{
	s->p = P_START;
	s->depth = 0;
	s->name[0] = '\0';
	s->name_dot = false;
	free_cols(s->cols, s->ncols);
	free(s->col_lines);
	s->cols = NULL;
	s->col_lines = NULL;
	s->ncols = 0;
	s->explicit_cols = false;
	s->copy_stdin = false;
}

static void
col_add(struct sql *s, const char *name)
{
	if (s->ncols >= s->r->limits->max_columns)
		return;
	s->cols = bsc_reallocarray(s->cols, s->ncols + 2, sizeof(char *));
	s->col_lines = bsc_reallocarray(s->col_lines, s->ncols + 2,
					sizeof(unsigned long));
	s->col_lines[s->ncols] = s->tok_line;
	s->cols[s->ncols++] = bsc_strdup(name);
}

/* CREATE TABLE's column list is complete: remember it. */
static void
def_add(struct sql *s)
{
	struct table_def *d = find_def(s, s->name);

	if (!d) {
		if (s->ndefs >= MAX_DEFS)
			return;
		s->defs = bsc_reallocarray(s->defs, s->ndefs + 1,
					   sizeof(*s->defs));
		d = &s->defs[s->ndefs++];
		snprintf(d->name, sizeof(d->name), "%s", s->name);
	} else {
		free_cols(d->cols, d->ncols);
		free(d->col_lines);
	}
	d->cols = s->cols;
	d->col_lines = s->col_lines;
	d->ncols = s->ncols;
	s->cols = NULL;
	s->col_lines = NULL;
	s->ncols = 0;
}

/* Words that open a table constraint, not a column, in CREATE TABLE. */
static bool
is_constraint(const char *w)
{
	static const char *const kw[] = {
	    "CONSTRAINT", "PRIMARY", "KEY",   "UNIQUE",  "INDEX",
	    "FOREIGN",    "CHECK",   "FULLTEXT", "SPATIAL", "EXCLUDE",
	    "LIKE",       "PERIOD"};

	for (size_t i = 0; i < BSC_ARRAY_SIZE(kw); i++)
		if (!strcasecmp(w, kw[i]))
			return true;
	return false;
}

/*
 * A table name: parts separated by '.', quoted or not. Returns true
 * while the token was part of the name.
 */
static bool
name_token(struct sql *s, enum tok t)
{
	if (is_name_tok(t) && (!s->name[0] || s->name_dot)) {
		name_add(s, s->tok.data);
		s->name_dot = false;
		return true;
	}
	if (t == T_PUNCT && s->tok.data[0] == '.' && s->name[0]) {
		name_add(s, ".");
		s->name_dot = true;
		return true;
	}
	return false;
}

static void
parse_start(struct sql *s, enum tok t)
{
	s->stmt_line = s->tok_line;
	if (t == T_PUNCT && s->tok.data[0] == ';')
		return;
	if (word_is(s, t, "CREATE"))
		s->p = P_CREATE;
	else if (word_is(s, t, "INSERT") || word_is(s, t, "REPLACE"))
		s->p = P_INSERT;
	else if (word_is(s, t, "COPY"))
		s->p = P_COPY;
	else
		s->p = P_SKIP;
}

static void
parse_create(struct sql *s, enum tok t)
{
	static const char *const mods[] = {"TEMPORARY", "TEMP",	  "OR",
					   "REPLACE",	"UNLOGGED", "GLOBAL",
					   "LOCAL"};

	if (s->p == P_CREATE) {
		for (size_t i = 0; i < BSC_ARRAY_SIZE(mods); i++)
			if (word_is(s, t, mods[i]))
				return;
		s->p = word_is(s, t, "TABLE") ? P_CREATE_NAME : P_SKIP;
		return;
	}
	if (s->p == P_CREATE_NAME) {
		if (!s->name[0] && (word_is(s, t, "IF") || word_is(s, t, "NOT") ||
				    word_is(s, t, "EXISTS")))
			return;
		if (name_token(s, t))
			return;
		if (t == T_PUNCT && s->tok.data[0] == '(' && s->name[0]) {
			s->p = P_CREATE_COLS;
			s->depth = 1;
			s->elem_start = true;
		} else {
			s->p = P_SKIP;
		}
		return;
	}
	/* P_CREATE_COLS */
	if (t == T_PUNCT && s->tok.data[0] == '(') {
		s->depth++;
	} else if (t == T_PUNCT && s->tok.data[0] == ')') {
		if (--s->depth == 0) {
			def_add(s);
			s->p = P_SKIP;
		}
	} else if (t == T_PUNCT && s->tok.data[0] == ',' && s->depth == 1) {
		s->elem_start = true;
		return;
	} else if (s->elem_start && s->depth == 1 && is_name_tok(t)) {
		if (t != T_WORD || !is_constraint(s->tok.data))
			col_add(s, s->tok.data);
	}
	s->elem_start = false;
}

/* A token inside a row of VALUES. */
static void
parse_row(struct sql *s, enum tok t)
{
	char c = t == T_PUNCT ? s->tok.data[0] : 0;

	if (c == '(') {
		s->depth++;
	} else if (c == ')' || (c == ',' && s->depth == 1)) {
		if (c == ')' && --s->depth > 0)
			goto add;
		value_end(s);
		if (c == ')') {
			row_end(s);
			s->p = P_VALUES;
		}
		return;
	}
	if (t == T_STRING || t == T_DQUOTE) {
		/* X'..' and b'..' are binary; so is _binary '..' (below). */
		if (s->val_any && !s->val_str && s->val.len == 1 &&
		    strchr("xXbB", s->val.data[0]))
			s->val_blob = true;
		if (!s->val_str)
			bsc_buf_reset(&s->val); /* the string is the value */
		else
			value_add(s, " ", 1);
		s->val_str = true;
		s->val_any = true;
		value_add(s, s->tok.data, s->tok.len);
		if (s->tok_cut)
			s->val_cut = true;
		return;
	}
	if (t == T_WORD && !s->val_any && !strcasecmp(s->tok.data, "NULL")) {
		s->val_null = true;
		s->val_any = true;
		return;
	}
	if (t == T_WORD && (!strcasecmp(s->tok.data, "_binary") ||
			    !strncasecmp(s->tok.data, "0x", 2)))
		s->val_blob = true;
add:
	if (!s->val_str) {
		s->val_null = false;
		value_add(s, s->tok.data, s->tok.len);
	}
	s->val_any = true;
}

static void
parse_insert(struct sql *s, enum tok t)
{
	static const char *const mods[] = {
	    "LOW_PRIORITY", "DELAYED", "HIGH_PRIORITY", "IGNORE", "INTO",
	    "OR",	    "REPLACE", "ROLLBACK",	 "ABORT",  "FAIL"};
	char c = t == T_PUNCT ? s->tok.data[0] : 0;

	switch (s->p) {
	case P_INSERT:
		for (size_t i = 0; i < BSC_ARRAY_SIZE(mods); i++)
			if (word_is(s, t, mods[i]))
				return;
		if (name_token(s, t))
			s->p = P_INSERT_NAME;
		else
			s->p = P_SKIP;
		return;
	case P_INSERT_NAME:
		if (name_token(s, t))
			return;
		if (c == '(') {
			s->p = P_INSERT_COLS;
			s->explicit_cols = true;
			return;
		}
		/* VALUES, or something we do not read */
		__attribute__((fallthrough));
	case P_INSERT_VALUES_KW:
		if (word_is(s, t, "VALUES") || word_is(s, t, "VALUE")) {
			s->p = rows_begin(s) ? P_VALUES : P_SKIP;
		} else {
			s->unsupported++;
			s->p = P_SKIP;
		}
		return;
	case P_INSERT_COLS:
		if (is_name_tok(t))
			col_add(s, s->tok.data);
		else if (c == ')')
			s->p = P_INSERT_VALUES_KW;
		return;
	case P_VALUES:
		if (c == '(') {
			s->depth = 1;
			row_begin(s);
			value_reset(s);
			s->p = P_ROW;
		} else if (c != ',') {
			/* ON DUPLICATE KEY UPDATE, RETURNING ... */
			s->p = P_SKIP;
		}
		return;
	default:
		parse_row(s, t);
		return;
	}
}

static void
parse_copy(struct sql *s, enum tok t)
{
	char c = t == T_PUNCT ? s->tok.data[0] : 0;

	switch (s->p) {
	case P_COPY:
	case P_COPY_NAME:
		if (name_token(s, t)) {
			s->p = P_COPY_NAME;
			return;
		}
		if (c == '(' && s->p == P_COPY_NAME) {
			s->p = P_COPY_COLS;
			s->explicit_cols = true;
			return;
		}
		s->p = P_COPY_TAIL;
		break;
	case P_COPY_COLS:
		if (is_name_tok(t))
			col_add(s, s->tok.data);
		else if (c == ')')
			s->p = P_COPY_TAIL;
		return;
	default:
		break;
	}
	/* P_COPY_TAIL: FROM stdin [options] */
	if (word_is(s, t, "STDIN"))
		s->copy_stdin = true;
	if (word_is(s, t, "CSV") || word_is(s, t, "BINARY"))
		s->copy_stdin = false; /* not the text format: not read */
}

/* A ';' outside strings ends the statement. */
static void
parse_end(struct sql *s)
{
	if (s->p == P_ROW) {
		/* A ';' inside a row: a broken statement. */
		value_end(s);
		row_end(s);
	}
	if ((s->p == P_COPY_TAIL || s->p == P_COPY_NAME) && s->copy_stdin &&
	    s->name[0] && rows_begin(s)) {
		s->lex = L_COPY;
		s->cp_line_start = false; /* the rest of this line first */
		s->cp_esc = 0;
		s->cp_end_mark = s->cp_null = false;
		s->col = 0;
		s->row_open = false;
		value_reset(s);
		s->stmt_line = s->line;
		s->copy_line = s->stmt_line;
		/* keep the columns for the data; reset the rest */
		s->p = P_START;
		return;
	}
	stmt_reset(s);
}

static void
token(struct sql *s, enum tok t)
{
	if (s->fatal)
		return;
	if (t == T_PUNCT && s->tok.data[0] == ';' && s->p != P_ROW) {
		parse_end(s);
		return;
	}
	switch (s->p) {
	case P_START:
		parse_start(s, t);
		return;
	case P_SKIP:
		return;
	case P_CREATE:
	case P_CREATE_NAME:
	case P_CREATE_COLS:
		parse_create(s, t);
		return;
	case P_COPY:
	case P_COPY_NAME:
	case P_COPY_COLS:
	case P_COPY_TAIL:
		parse_copy(s, t);
		return;
	default:
		if (s->p == P_ROW && t == T_PUNCT && s->tok.data[0] == ';' &&
		    s->depth <= 1) {
			parse_end(s);
			return;
		}
		parse_insert(s, t);
		return;
	}
}

/* ---- COPY data: tab-separated lines up to "\." -------------------------- */

static void
copy_char(struct sql *s, char c)
{
	if (s->cp_esc == 1) {
		static const char from[] = "ntrbfv", to[] = "\n\t\r\b\f\v";
		const char *k = strchr(from, c);

		s->cp_esc = 0;
		if (c == '.' && s->cp_line_start && !s->val.len &&
		    !s->col) {
			s->cp_end_mark = true;
		} else if (c == 'N' && !s->val.len) {
			s->cp_null = true;
		} else if (c >= '0' && c <= '7') {
			s->cp_esc = 2;
			s->cp_n = 1;
			s->cp_v = (unsigned)(c - '0');
		} else if (c == 'x') {
			s->cp_esc = 3;
			s->cp_n = 0;
			s->cp_v = 0;
		} else if (k && c) {
			value_add(s, &to[k - from], 1);
		} else {
			value_add(s, &c, 1);
		}
		s->cp_line_start = false;
		return;
	}
	if (s->cp_esc == 2 && s->cp_n < 3 && c >= '0' && c <= '7') {
		s->cp_v = s->cp_v * 8 + (unsigned)(c - '0');
		s->cp_n++;
		return;
	}
	if (s->cp_esc == 3 && s->cp_n < 2 && isxdigit((unsigned char)c)) {
		s->cp_v = s->cp_v * 16 + (unsigned)(isdigit((unsigned char)c)
							? c - '0'
							: (c | 32) - 'a' + 10);
		s->cp_n++;
		return;
	}
	if (s->cp_esc >= 2) {
		char b = (char)(s->cp_v & 0xFF);

		if (b)
			value_add(s, &b, 1);
		s->cp_esc = 0;
	}
	if (c == '\\') {
		s->cp_esc = 1;
		return;
	}
	if (c == '\r' && s->cp_end_mark)
		return;
	if (c == '\t' || c == '\n') {
		if (c == '\n' && s->cp_end_mark) {
			/* "\." ends the data */
			s->lex = L_NONE;
			stmt_reset(s);
			s->cp_end_mark = false;
			value_reset(s);
			return;
		}
		if (!s->cp_line_start || c == '\t' || s->col) {
			if (!s->row_open)
				row_begin(s);
			s->val_null = s->cp_null;
			value_end(s);
		}
		s->cp_null = false;
		if (c == '\n') {
			row_end(s);
			s->col = 0;
			s->cp_line_start = true;
		}
		return;
	}
	if (!s->row_open)
		row_begin(s);
	s->cp_line_start = false;
	value_add(s, &c, 1);
}

/* The first line after "COPY ... FROM stdin;" is the rest of that line:
 * data starts on the next one. */
static void
copy_feed(struct sql *s, char c)
{
	if (!s->cp_line_start && !s->row_open && !s->col && !s->val.len &&
	    s->cp_esc == 0 && !s->cp_end_mark && s->stmt_line) {
		if (c == '\n') {
			s->stmt_line = 0;
			s->cp_line_start = true;
		}
		return;
	}
	copy_char(s, c);
}

/* ---- the lexer: characters in, tokens out ----------------------------- */

static void
tok_add(struct sql *s, char c)
{
	if (!s->tok_cut && !bsc_buf_addc(&s->tok, c))
		s->tok_cut = true;
}

static void
tok_start(struct sql *s, enum lex l)
{
	bsc_buf_reset(&s->tok);
	s->tok_cut = false;
	s->tok_line = s->line;
	s->esc = false;
	s->quote_pending = false;
	s->lex = l;
}

static void
tok_emit(struct sql *s, enum tok t)
{
	bool e = t == T_WORD && s->tok.len == 1 && (s->tok.data[0] | 32) == 'e';

	s->lex = L_NONE;
	token(s, t);
	s->word_is_e = e;
}

static bool
is_word_char(char c)
{
	return isalnum((unsigned char)c) || c == '_' || c == '$' || c == '.' ||
	       (unsigned char)c >= 0x80;
}

static void lex_char(struct sql *s, char c);

/* A quoted token; q is its quote. Doubled quotes and, where they apply,
 * backslash escapes. */
static void
lex_quoted(struct sql *s, char c, char q, enum tok t, bool backslash)
{
	if (s->quote_pending) {
		s->quote_pending = false;
		if (c == q) {
			tok_add(s, q);
			return;
		}
		tok_emit(s, t);
		lex_char(s, c);
		return;
	}
	if (s->esc) {
		static const char from[] = "ntr0bZ", to[] = "\n\t\r\0\b\032";
		const char *k = strchr(from, c);

		s->esc = false;
		if (k && c) {
			if (to[k - from])
				tok_add(s, to[k - from]);
		} else {
			tok_add(s, c);
		}
		return;
	}
	if (backslash && c == '\\') {
		s->esc = true;
		return;
	}
	if (c == q) {
		s->quote_pending = true;
		return;
	}
	tok_add(s, c);
}

static void
lex_char(struct sql *s, char c)
{
	switch (s->lex) {
	case L_COPY:
		copy_feed(s, c);
		return;
	case L_WORD:
		if (is_word_char(c)) {
			tok_add(s, c);
			return;
		}
		tok_emit(s, T_WORD);
		break;
	case L_STRING:
		lex_quoted(s, c, '\'', T_STRING, s->backslash || s->e_string);
		return;
	case L_DQUOTE:
		lex_quoted(s, c, '"', T_DQUOTE, s->backslash);
		return;
	case L_BACKTICK:
		lex_quoted(s, c, '`', T_QIDENT, false);
		return;
	case L_BRACKET:
		if (c == ']')
			tok_emit(s, T_QIDENT);
		else
			tok_add(s, c);
		return;
	case L_DASH:
		if (c == '-') {
			s->lex = L_LINE_COMMENT;
			return;
		}
		tok_start(s, L_NONE);
		tok_add(s, '-');
		tok_emit(s, T_PUNCT);
		break;
	case L_SLASH:
		if (c == '*') {
			s->lex = L_BLOCK_COMMENT;
			s->esc = false;
			return;
		}
		tok_start(s, L_NONE);
		tok_add(s, '/');
		tok_emit(s, T_PUNCT);
		break;
	case L_LINE_COMMENT:
		if (c == '\n')
			s->lex = L_NONE;
		return;
	case L_BLOCK_COMMENT:
		/* esc: the last character was '*' */
		if (s->esc && c == '/')
			s->lex = L_NONE;
		s->esc = c == '*';
		return;
	case L_NONE:
		break;
	}
	/* L_NONE */
	if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
		s->word_is_e = false;
		return;
	}
	if (c == '\'') {
		bool e = s->word_is_e;

		tok_start(s, L_STRING);
		s->e_string = e;
	} else if (c == '"') {
		tok_start(s, L_DQUOTE);
	} else if (c == '`') {
		tok_start(s, L_BACKTICK);
	} else if (c == '[' && s->p != P_ROW) {
		tok_start(s, L_BRACKET);
	} else if (c == '-') {
		s->lex = L_DASH;
	} else if (c == '/') {
		s->lex = L_SLASH;
	} else if (c == '#' && s->backslash) {
		s->lex = L_LINE_COMMENT;
	} else if (is_word_char(c)) {
		tok_start(s, L_WORD);
		tok_add(s, c);
	} else {
		tok_start(s, L_NONE);
		tok_add(s, c);
		tok_emit(s, T_PUNCT);
	}
}

/* ---- the reader ------------------------------------------------------- */

/* The statement keywords a dump starts with. */
static bool
sql_keyword_at(const char *p, const char *end)
{
	static const char *const kw[] = {
	    "CREATE ", "INSERT ", "REPLACE ", "COPY ",	"SET ",	  "DROP ",
	    "LOCK ",   "USE ",	  "BEGIN",    "START ", "PRAGMA ", "ALTER ",
	    "SELECT "};

	for (size_t i = 0; i < BSC_ARRAY_SIZE(kw); i++) {
		size_t n = strlen(kw[i]);

		if ((size_t)(end - p) >= n && !strncasecmp(p, kw[i], n))
			return true;
	}
	return false;
}

/*
 * Does the text hold a statement that carries rows, at the start of a
 * line or after a ';'? COPY counts with "FROM stdin" on its line.
 */
static bool
has_data_statement(const char *t, size_t len)
{
	static const char *const kw[] = {"INSERT INTO", "CREATE TABLE",
					 "REPLACE INTO", "INSERT IGNORE"};

	for (size_t i = 0; i < len; i++) {
		const char *nl;

		if (i && t[i - 1] != '\n' && t[i - 1] != ';')
			continue;
		for (size_t k = 0; k < BSC_ARRAY_SIZE(kw); k++) {
			size_t n = strlen(kw[k]);

			if (len - i >= n && !strncasecmp(t + i, kw[k], n))
				return true;
		}
		nl = memchr(t + i, '\n', len - i);
		if (len - i >= 5 && !strncasecmp(t + i, "COPY ", 5) && nl &&
		    memmem(t + i, (size_t)(nl - t - i), "FROM stdin", 10))
			return true;
	}
	return false;
}

/*
 * A dump starts, after blank lines and comments, with a statement
 * keyword, and its head holds a statement that carries rows. 50 + 10 for
 * the .sql extension: above CSV (at most 34), which would otherwise read
 * an INSERT as one long row.
 */
static int
sql_bid(const struct bsc_sniff *sn)
{
	const char *p, *end;

	if (!sn->text)
		return -1;
	p = sn->text;
	end = p + sn->text_len;
	for (;;) {
		while (p < end && (isspace((unsigned char)*p) || *p == ';'))
			p++;
		if (end - p >= 2 && p[0] == '-' && p[1] == '-') {
			const char *nl = memchr(p, '\n', (size_t)(end - p));

			if (!nl)
				return -1;
			p = nl + 1;
		} else if (end - p >= 2 && p[0] == '/' && p[1] == '*') {
			const char *q = p + 2;

			while (q + 1 < end && !(q[0] == '*' && q[1] == '/'))
				q++;
			if (q + 1 >= end)
				return -1;
			p = q + 2;
		} else {
			break;
		}
	}
	if (p >= end || !sql_keyword_at(p, end))
		return -1;
	if (!has_data_statement(sn->text, sn->text_len))
		return !strcmp(sn->ext, "sql") ? 45 : -1;
	return !strcmp(sn->ext, "sql") ? 60 : 50;
}

/* PostgreSQL and SQLite strings take no backslash escapes; MySQL's do. */
static bool
mysql_dialect(const struct bsc_sniff *sn)
{
	static const char *const std[] = {
	    "PostgreSQL database dump", "standard_conforming_strings",
	    "pg_catalog", "PRAGMA ", "FROM stdin;"};

	for (size_t i = 0; i < BSC_ARRAY_SIZE(std); i++)
		if (memmem(sn->text, sn->text_len, std[i], strlen(std[i])))
			return false;
	return true;
}

/* Where the end of the file left the statement being read. */
static void
at_eof(struct sql *s)
{
	const char *what = NULL;
	unsigned long from = s->stmt_line;
	bool in_str = s->lex == L_STRING || s->lex == L_DQUOTE ||
		      s->lex == L_BACKTICK;

	if (s->lex == L_COPY) {
		if (s->row_open || s->val.len) {
			value_end(s);
			row_end(s);
		}
		what = "COPY data without its end line \"\\.\"";
		from = s->copy_line;
	} else {
		if (s->lex == L_WORD || (in_str && s->quote_pending)) {
			lex_char(s, ' '); /* flush the last token */
			in_str = false;
		}
		if (in_str) {
			from = s->tok_line;
			what = "a string that is never closed";
		} else if (s->lex == L_BLOCK_COMMENT) {
			what = "a comment that is never closed";
		}
		if (s->p == P_ROW && s->row_open) {
			if (in_str && s->lex == L_STRING) {
				token(s, T_STRING);
				s->lex = L_NONE;
			}
			value_end(s);
			row_end(s);
		}
		if (!what && (s->p == P_ROW || s->p == P_VALUES))
			what = "an INSERT statement";
	}
	if (!what)
		return;
	s->cut_in_data = true;
	snprintf(s->cut_what, sizeof(s->cut_what), "%s (from line %lu)", what,
		 from);
	if (!s->out.f)
		return;
	s->out.status = BSC_WARN;
	snprintf(s->out.reason, sizeof(s->out.reason),
		 "the dump ends inside %s: truncated; the rows before were "
		 "scanned",
		 s->cut_what);
}

static bsc_status
sql_read(struct bsc_reader *r)
{
	struct sql s = {.r = r, .line = 1};
	char *chunk = bsc_zalloc(CHUNK);
	bsc_status ret = BSC_OK;

	s.backslash = mysql_dialect(r->sniff);
	bsc_buf_init(&s.tok, r->limits->max_field);
	bsc_buf_init(&s.val, r->limits->max_field);
	r->format = "sql";
	for (;;) {
		ssize_t n = bsc_item_read_text(r->item, chunk, CHUNK);

		if (n < 0) {
			ret = bsc_reader_fail(r, BSC_WARN, "read error");
			break;
		}
		if (n == 0 || s.fatal)
			break;
		for (ssize_t i = 0; i < n && !s.fatal; i++) {
			s.bytes++;
			lex_char(&s, chunk[i]);
			if (chunk[i] == '\n')
				s.line++;
		}
	}
	at_eof(&s);
	out_end(&s);
	if (ret == BSC_OK && s.cut_in_data)
		ret = bsc_reader_fail(r, BSC_WARN,
				      "the dump ends inside %s: what follows "
				      "was not read as SQL",
				      s.cut_what);
	if (s.unsupported) {
		char note[128];

		snprintf(note, sizeof(note),
			 "%llu INSERT statement(s) without VALUES (INSERT ... "
			 "SELECT or SET) not read",
			 s.unsupported);
		bsc_fields_note(r->fields, note);
		if (ret == BSC_OK)
			ret = bsc_reader_fail(r, BSC_WARN, "%s", note);
	}
	for (size_t i = 0; i < s.ndefs; i++) {
		free_cols(s.defs[i].cols, s.defs[i].ncols);
		free(s.defs[i].col_lines);
	}
	free(s.defs);
	free(s.seen);
	free(s.slots);
	free_cols(s.cols, s.ncols);
	free(s.col_lines);
	bsc_buf_free(&s.tok);
	bsc_buf_free(&s.val);
	free(chunk);
	return ret;
}

const struct bsc_format bsc_format_sql = {
    .name = "sql",
    .bid = sql_bid,
    .read = sql_read,
};
