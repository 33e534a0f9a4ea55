/*
 * format_json.c - the JSON reader: FHIR JSON (resources and Bundles),
 * NDJSON such as FHIR bulk exports, and generic JSON. Everything streams:
 * NDJSON line by line, each line one record; a single JSON document piece
 * by piece (each top-level member, each element of an array such as a
 * Bundle's entries), split by a small lexer. json-c's tokener parses one
 * line or piece at a time, with bounded nesting (--max-depth) and size
 * (--max-document), so memory is that of the largest piece, whatever the
 * file size.
 *
 * Fields are string and number values at a location path built from the
 * keys, in the same scheme as FHIR XML (README "Slot names"): arrays add
 * nothing, "resourceType" becomes a component, a "system" (identifier,
 * coding, telecom) or an extension "url" qualifies its object, "_x"
 * primitive extensions go under "x", and narrative XHTML is reduced to
 * its text. Records: a FHIR resource, or each Bundle entry, keyed by the
 * Patient it is about; in generic JSON, the elements of a top-level
 * array, and every object in an array anywhere (an array of objects is a
 * table). It never classifies.
 *
 * Locations: NDJSON values carry their line; in a document, the values
 * of a piece carry the line where the piece starts (a Bundle entry, an
 * element of an array of rows, a top-level member): json-c gives no
 * line numbers inside a piece.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <json-c/json.h>

#include "buf.h"
#include "docpath.h"
#include "embedded.h"
#include "format.h"

#define CHUNK 65536

struct json_state {
	struct bsc_reader *r;
	struct bsc_fields *f;
	struct bsc_docpath dp;
	bool fhir;    /* a resourceType was seen */
	size_t res_level; /* path level of the outermost resource, or 0 */
	bool emitted; /* values since the last record end */
	uint64_t values;
};

static void
end_record(struct json_state *st)
{
	bsc_fields_end_record(st->f);
	st->r->records++;
	st->emitted = false;
}

static void
emit(struct json_state *st, const char *v, size_t len)
{
	if (bsc_docpath_emit(&st->dp, st->f, NULL, v, len,
			     st->r->limits->max_field)) {
		st->emitted = true;
		st->values++;
	}
}

/* Narrative XHTML ("<div xmlns=...><p>..</p></div>") to plain text: tags
 * become spaces, the common entities are decoded. */
static void
emit_xhtml(struct json_state *st, const char *s, size_t len)
{
	char *out = bsc_zalloc(len + 1);
	size_t o = 0;
	bool tag = false;

	for (size_t i = 0; i < len; i++) {
		char c = s[i];

		if (tag) {
			if (c == '>')
				tag = false;
			continue;
		}
		if (c == '<') {
			tag = true;
			if (o && out[o - 1] != ' ')
				out[o++] = ' ';
			continue;
		}
		if (c == '&') {
			static const struct {
				const char *e;
				char c;
			} ents[] = {{"&amp;", '&'},   {"&lt;", '<'},
				    {"&gt;", '>'},    {"&quot;", '"'},
				    {"&apos;", '\''}, {"&nbsp;", ' '},
				    {"&#160;", ' '}};
			size_t k;

			for (k = 0; k < BSC_ARRAY_SIZE(ents); k++) {
				size_t el = strlen(ents[k].e);

				if (i + el <= len &&
				    !memcmp(s + i, ents[k].e, el)) {
					out[o++] = ents[k].c;
					i += el - 1;
					break;
				}
			}
			if (k < BSC_ARRAY_SIZE(ents))
				continue;
		}
		out[o++] = c;
	}
	emit(st, out, o);
	free(out);
}

static const char *
get_string(struct json_object *o, const char *key, size_t *len)
{
	struct json_object *v;

	if (!json_object_is_type(o, json_type_object) ||
	    !json_object_object_get_ex(o, key, &v) ||
	    !json_object_is_type(v, json_type_string))
		return NULL;
	if (len)
		*len = (size_t)json_object_get_string_len(v);
	return json_object_get_string(v);
}

static void
ref_key(struct json_state *st, const char *ref, size_t len)
{
	char key[256];
	size_t n = bsc_fhir_ref_key(ref, len, key, sizeof(key));

	if (n)
		bsc_fields_record_key(st->f, key, n);
}

/*
 * Keys of a top FHIR resource: a Patient is keyed by its id (and by the
 * entry's fullUrl), any other resource by the Patient its subject,
 * patient or beneficiary refers to.
 */
static void
resource_keys(struct json_state *st, struct json_object *res,
	      const char *full_url)
{
	const char *type = get_string(res, "resourceType", NULL);
	static const char *const refs[] = {"subject", "patient", "beneficiary"};
	size_t len;
	const char *s;

	if (!type)
		return;
	if (!strcmp(type, "Patient")) {
		if (full_url)
			ref_key(st, full_url, strlen(full_url));
		s = get_string(res, "id", &len);
		if (s && len) {
			char key[160];

			snprintf(key, sizeof(key), "Patient/%.*s", (int)len, s);
			bsc_fields_record_key(st->f, key, strlen(key));
		}
		return;
	}
	for (size_t i = 0; i < BSC_ARRAY_SIZE(refs); i++) {
		struct json_object *r;

		if (json_object_object_get_ex(res, refs[i], &r) &&
		    (s = get_string(r, "reference", &len)))
			ref_key(st, s, len);
	}
}

static void
walk(struct json_state *st, struct json_object *o, const char *key);

static bool
is_attachment_data(const struct json_state *st, const char *key)
{
	const char *parent;

	if (strcmp(key, "data") || st->dp.depth < 1)
		return false;
	parent = st->dp.frames[st->dp.depth].name;
	return strstr(parent, "ttachment") || !strcmp(parent, "Binary");
}

/* Walk the members of object o (whose component is on the path). */
static void
walk_members(struct json_state *st, struct json_object *o)
{
	const char *sys = get_string(o, "system", NULL);
	const char *url = get_string(o, "url", NULL);
	const char *ctype = get_string(o, "contentType", NULL);
	size_t top = st->dp.depth;

	/* A FHIR system or extension url qualifies this object. */
	if (sys && top)
		bsc_docpath_qualify(&st->dp, top, sys, strlen(sys));
	else if (url && top &&
		 (!strcmp(st->dp.frames[top].name, "extension") ||
		  !strcmp(st->dp.frames[top].name, "modifierExtension")))
		bsc_docpath_qualify(&st->dp, top, url, strlen(url));
	else
		url = NULL;
	json_object_object_foreach(o, k, v)
	{
		if (!strcmp(k, "resourceType") ||
		    (sys && !strcmp(k, "system")) || (url && !strcmp(k, "url")))
			continue;
		if (st->fhir && json_object_is_type(v, json_type_string) &&
		    is_attachment_data(st, k)) {
			struct bsc_embedded e;

			if (!bsc_docpath_push(&st->dp, k, strlen(k), NULL, 0,
					      true))
				continue;
			bsc_embedded_begin(&e, st->f,
					   bsc_docpath_slot(&st->dp, NULL),
					   st->r->limits->max_field);
			bsc_embedded_feed(
			    &e, json_object_get_string(v),
			    (size_t)json_object_get_string_len(v));
			bsc_embedded_end(&e, bsc_docpath_slot(&st->dp, NULL),
					 ctype);
			bsc_docpath_pop(&st->dp);
			st->emitted = true;
			continue;
		}
		walk(st, v, k[0] == '_' && k[1] ? k + 1 : k);
	}
}

/*
 * Walk value o found under key (NULL at the top). Arrays repeat their key
 * for each element, so each element gets its own qualifier.
 */
static void
walk(struct json_state *st, struct json_object *o, const char *key)
{
	json_type t = json_object_get_type(o);
	const char *type;
	bool pushed = false;

	if (t == json_type_array) {
		size_t n = json_object_array_length(o);

		for (size_t i = 0; i < n; i++)
			walk(st, json_object_array_get_idx(o, i), key);
		return;
	}
	if (t == json_type_null || t == json_type_boolean)
		return;
	if (key) {
		if (!bsc_docpath_push(&st->dp, key, strlen(key), NULL, 0, true))
			return; /* json-c's depth limit comes first */
		pushed = true;
	}
	if (t == json_type_object) {
		type = get_string(o, "resourceType", NULL);
		if (type) {
			st->fhir = true;
			if (bsc_docpath_push(&st->dp, type, strlen(type), NULL,
					     0, true)) {
				/* A resource inside a wrapper ({"documents":
				 * [...]}, {"data": {...}}): its paths start at
				 * it, as when it stands alone. */
				bool outer = st->res_level == 0;

				if (outer) {
					st->res_level = st->dp.depth;
					bsc_docpath_rebase(&st->dp, st->dp.depth,
							   true);
				}
				walk_members(st, o);
				if (outer) {
					bsc_docpath_rebase(&st->dp, st->dp.depth,
							   false);
					st->res_level = 0;
				}
				bsc_docpath_pop(&st->dp);
			}
		} else {
			walk_members(st, o);
		}
	} else if (t == json_type_string) {
		const char *s = json_object_get_string(o);
		size_t len = (size_t)json_object_get_string_len(o);

		if (st->fhir && key && !strcmp(key, "div"))
			emit_xhtml(st, s, len);
		else
			emit(st, s, len);
	} else {
		const char *s = json_object_get_string(o);

		emit(st, s, strlen(s));
	}
	if (pushed)
		bsc_docpath_pop(&st->dp);
}

/* A json-c error in words, in buf; the depth error names the limit. */
static const char *
json_error(const struct bsc_reader *r, enum json_tokener_error err,
	   char *buf, size_t len)
{
	if (err == json_tokener_error_depth) {
		snprintf(buf, len, "nested deeper than --max-depth (%zu)",
			 r->limits->max_nesting);
		return buf;
	}
	if (err == json_tokener_continue)
		return "it ends before its value is complete";
	return json_tokener_error_desc(err);
}

/* One NDJSON line: one record, keyed when it is a FHIR resource. */
static void
walk_line(struct json_state *st, struct json_object *doc)
{
	if (get_string(doc, "resourceType", NULL)) {
		st->fhir = true;
		resource_keys(st, doc, NULL);
	}
	walk(st, doc, NULL);
	end_record(st);
}

/* ---- NDJSON ----------------------------------------------------------- */

/* Is the head one complete JSON value per line (two at least)? */
static bool
looks_ndjson(const char *t, size_t len, size_t max_depth)
{
	struct json_tokener *tok = json_tokener_new_ex((int)max_depth);
	const char *nl = memchr(t, '\n', len);
	struct json_object *o;
	bool yes = false;

	if (!tok || !nl) {
		if (tok)
			json_tokener_free(tok);
		return false;
	}
	o = json_tokener_parse_ex(tok, t, (int)(nl - t));
	if (o && json_object_is_type(o, json_type_object)) {
		const char *p = nl + 1;

		while (p < t + len &&
		       (*p == ' ' || *p == '\r' || *p == '\n' || *p == '\t'))
			p++;
		yes = p < t + len && *p == '{';
	}
	json_object_put(o);
	json_tokener_free(tok);
	return yes;
}

struct ndjson {
	struct json_state *st;
	struct json_tokener *tok;
	struct bsc_buf line;
	bool skipping; /* inside a line longer than max_document */
	unsigned long long lineno;
	unsigned long long bad;
	char first_bad[160];
};

static void
ndjson_line(struct ndjson *nd)
{
	struct json_object *o;
	enum json_tokener_error err;
	size_t i = 0;

	nd->lineno++;
	while (i < nd->line.len &&
	       (nd->line.data[i] == ' ' || nd->line.data[i] == '\t' ||
		nd->line.data[i] == '\r'))
		i++;
	if (i == nd->line.len)
		return;
	json_tokener_reset(nd->tok);
	o = json_tokener_parse_ex(nd->tok, nd->line.data + i,
				  (int)(nd->line.len - i));
	err = json_tokener_get_error(nd->tok);
	if (!o || err != json_tokener_success) {
		char msg[96];

		if (!nd->bad++)
			snprintf(nd->first_bad, sizeof(nd->first_bad),
				 "line %llu is not valid JSON (%s)", nd->lineno,
				 json_error(nd->st->r, err, msg, sizeof(msg)));
		json_object_put(o);
		return;
	}
	bsc_fields_set_line(nd->st->f, (unsigned long)nd->lineno);
	walk_line(nd->st, o);
	json_object_put(o);
}

static bsc_status
read_ndjson(struct json_state *st)
{
	struct bsc_reader *r = st->r;
	struct ndjson nd = {.st = st};
	char *chunk = bsc_zalloc(CHUNK);
	bsc_status ret = BSC_OK;

	nd.tok = json_tokener_new_ex((int)r->limits->max_nesting);
	bsc_buf_init(&nd.line, r->limits->max_document);
	for (;;) {
		ssize_t n = bsc_item_read_text(r->item, chunk, CHUNK);

		if (n < 0) {
			ret = bsc_reader_fail(r, BSC_WARN, "read error");
			break;
		}
		if (n == 0)
			break;
		for (ssize_t i = 0; i < n; i++) {
			const char *nl =
			    memchr(chunk + i, '\n', (size_t)(n - i));
			size_t k =
			    nl ? (size_t)(nl - chunk - i) : (size_t)(n - i);

			if (!nd.skipping &&
			    !bsc_buf_add(&nd.line, chunk + i, k)) {
				nd.lineno++;
				if (!nd.bad++)
					snprintf(nd.first_bad,
						 sizeof(nd.first_bad),
						 "line %llu is longer than "
						 "--max-document and was "
						 "skipped",
						 nd.lineno);
				nd.skipping = true;
				bsc_buf_reset(&nd.line);
			}
			i += (ssize_t)k;
			if (nl) {
				if (!nd.skipping)
					ndjson_line(&nd);
				nd.skipping = false;
				bsc_buf_reset(&nd.line);
			}
		}
	}
	if (!nd.skipping)
		ndjson_line(&nd);
	if (ret == BSC_OK && nd.bad)
		ret =
		    bsc_reader_fail(r, BSC_WARN, "%llu bad line(s); first: %s",
				    nd.bad, nd.first_bad);
	json_tokener_free(nd.tok);
	bsc_buf_free(&nd.line);
	free(chunk);
	return ret;
}

/* ---- one document, streamed ------------------------------------------- */

/*
 * A single JSON document is not parsed whole: a json-c tree costs some 25
 * times the text. A small lexer walks the structure instead and json-c
 * parses one piece at a time, so --max-document bounds one piece, memory
 * stays flat whatever the file size, and a truncated file keeps the
 * pieces read before the cut.
 *
 * Generic JSON: the lexer descends into every object and array, and each
 * object it meets as an array element is a piece and a record: an array
 * of objects anywhere (an API response's "data": {"items": [...]}, a
 * NoSQL collection) is a table, one record per object, its fields named
 * by their path. Objects inside such a record stay in it. Values outside
 * any table go with the next record (or make one at the end).
 * FHIR (a top-level resourceType): each top-level member is a piece, and
 * each element of a top-level member's array (a Bundle's entries); a
 * Bundle entry is a record, a single resource is one.
 */
enum split_state {
	SP_VALUE_WAIT, /* before a value (top, member or element) */
	SP_KEY_WAIT,   /* in an object: before a key, or ',' '}' */
	SP_KEY,        /* inside a key */
	SP_COLON,      /* after a key */
	SP_CAPTURE,    /* capturing a piece */
	SP_AFTER,      /* after a value: ',' or the container's end */
	SP_DONE,       /* the top-level value is complete */
	SP_ERROR
};

/* One open object or array the lexer descended into. */
struct split_level {
	bool array;
	bool pushed;   /* its key is on the docpath (objects only) */
	char key[128]; /* an object's current member; an array's own key */
	size_t key_len;
};

struct splitter {
	struct json_state *st;
	struct json_tokener *tok;
	enum split_state state;
	struct split_level *lev; /* lev[0..nlev-1], innermost last */
	size_t nlev, max_lev;
	bool depth_error;  /* nested deeper than --max-depth */
	bool top_array;    /* the top-level value is an array or a scalar */
	bool elem;         /* the piece is an array element */
	bool in_str, esc;  /* inside a string of the piece being captured */
	int nest;          /* nesting inside the piece being captured */
	struct bsc_buf piece;
	bool too_big;      /* the piece outgrew --max-document: skipped */
	uint64_t offset;   /* bytes of text seen */
	unsigned long line;       /* 1-based line being read */
	unsigned long piece_line; /* line where the piece starts */
	uint64_t pieces;   /* pieces scanned */
	uint64_t skipped;  /* pieces skipped (too big, not valid) */
	char first_problem[160];
	bool trailing;     /* data after the top-level value */
	/* what the document is, from its head */
	const char *type;  /* resourceType, or NULL */
	bool bundle;
	char type_buf[64];
};

static void
split_problem(struct splitter *sp, const char *fmt, ...) BSC_PRINTF(2, 3);

static void
split_problem(struct splitter *sp, const char *fmt, ...)
{
	va_list ap;

	sp->skipped++;
	if (sp->first_problem[0])
		return;
	va_start(ap, fmt);
	vsnprintf(sp->first_problem, sizeof(sp->first_problem), fmt, ap);
	va_end(ap);
}

/* Keys of a single resource, member by member. */
static void
member_keys(struct splitter *sp, const char *key, struct json_object *v)
{
	const char *s;
	size_t len;

	if (!sp->type || sp->bundle)
		return;
	if (!strcmp(sp->type, "Patient") && !strcmp(key, "id") &&
	    json_object_is_type(v, json_type_string)) {
		char k[160];

		snprintf(k, sizeof(k), "Patient/%s", json_object_get_string(v));
		bsc_fields_record_key(sp->st->f, k, strlen(k));
	} else if ((!strcmp(key, "subject") || !strcmp(key, "patient") ||
		    !strcmp(key, "beneficiary")) &&
		   (s = get_string(v, "reference", &len))) {
		ref_key(sp->st, s, len);
	}
}

/* The key the piece is walked under: the member's, or for an element
 * the array's own; NULL at the top or in a top-level array. */
static const char *
piece_key(const struct splitter *sp)
{
	const struct split_level *l;

	if (!sp->nlev)
		return NULL;
	l = &sp->lev[sp->nlev - 1];
	return l->key_len ? l->key : NULL;
}

/* Hand a parsed piece to the walker, ending records where it is one. */
static void
split_walk(struct splitter *sp, struct json_object *o)
{
	struct json_state *st = sp->st;
	const char *key = piece_key(sp);

	if (!sp->elem) {
		if (!sp->nlev) {
			walk(st, o, NULL); /* a scalar document */
			end_record(st);
		} else if (!key || strcmp(key, "resourceType")) {
			if (key)
				member_keys(sp, key, o);
			walk(st, o, key);
		}
	} else if (sp->top_array && sp->nlev == 1) {
		/* An element of a top-level array is a record. */
		if (get_string(o, "resourceType", NULL))
			resource_keys(st, o, NULL);
		walk(st, o, key);
		end_record(st);
	} else if (sp->bundle && sp->nlev == 2 && key &&
		   !strcmp(key, "entry")) {
		struct json_object *res;

		if (json_object_object_get_ex(o, "resource", &res))
			resource_keys(st, res, get_string(o, "fullUrl", NULL));
		walk(st, o, "entry");
		end_record(st);
	} else if (!sp->type && json_object_is_type(o, json_type_object)) {
		/* Generic JSON: an object in an array is a row. */
		walk(st, o, key);
		end_record(st);
	} else {
		walk(st, o, key);
	}
}

/* Parse the captured piece and hand it to the walker. */
static void
split_dispatch(struct splitter *sp)
{
	struct json_state *st = sp->st;
	struct json_object *o;
	enum json_tokener_error err;
	char msg[96];

	if (sp->too_big) {
		char sz[32];
		const char *key = piece_key(sp);

		bsc_format_size(st->r->limits->max_document, sz, sizeof(sz));
		split_problem(sp,
			      "%s of '%s' ending at byte %llu is larger than "
			      "--max-document (%s) and was skipped",
			      sp->elem ? "an element" : "the value",
			      key ? key : sp->elem ? "[]" : "",
			      (unsigned long long)sp->offset, sz);
		sp->too_big = false;
		bsc_buf_reset(&sp->piece);
		return;
	}
	json_tokener_reset(sp->tok);
	o = json_tokener_parse_ex(sp->tok, sp->piece.data,
				  (int)sp->piece.len);
	err = json_tokener_get_error(sp->tok);
	if (!o && err == json_tokener_continue) /* a bare number */
		o = json_tokener_parse_ex(sp->tok, "", 1);
	err = json_tokener_get_error(sp->tok);
	bsc_buf_reset(&sp->piece);
	if (!o && err == json_tokener_success) {
		sp->pieces++; /* null */
		return;
	}
	if (!o || err != json_tokener_success) {
		split_problem(sp, "not valid JSON before byte %llu (%s)",
			      (unsigned long long)sp->offset,
			      json_error(st->r, err, msg, sizeof(msg)));
		json_object_put(o);
		return;
	}
	sp->pieces++;
	bsc_fields_set_line(st->f, sp->piece_line);
	split_walk(sp, o);
	json_object_put(o);
}

static bool
is_ws(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* Add c to the piece, tracking strings and nesting. Returns true when c
 * ends the piece (a ',' '}' or ']' outside it), which is not added. */
static bool
capture(struct splitter *sp, char c)
{
	if (sp->in_str) {
		if (sp->esc)
			sp->esc = false;
		else if (c == '\\')
			sp->esc = true;
		else if (c == '"')
			sp->in_str = false;
	} else if (c == '"') {
		sp->in_str = true;
	} else if (c == '{' || c == '[') {
		sp->nest++;
	} else if (c == '}' || c == ']' || c == ',') {
		if (sp->nest == 0)
			return true;
		if (c != ',')
			sp->nest--;
	}
	if (!sp->too_big && !bsc_buf_addc(&sp->piece, c))
		sp->too_big = true;
	return false;
}

/*
 * Open an object or array in the lexer. An object member's key goes on
 * the docpath (generic JSON only: FHIR pieces push their own); an array
 * keeps the key of its member, or of the array it is in.
 */
static bool
open_level(struct splitter *sp, bool array)
{
	struct split_level *l, *up = sp->nlev ? &sp->lev[sp->nlev - 1] : NULL;

	if (sp->nlev >= sp->max_lev) {
		sp->depth_error = true;
		sp->state = SP_ERROR;
		return false;
	}
	l = &sp->lev[sp->nlev];
	memset(l, 0, sizeof(*l));
	l->array = array;
	if (array && up) {
		memcpy(l->key, up->key, up->key_len + 1);
		l->key_len = up->key_len;
	} else if (!array && up && !up->array && up->key_len) {
		l->pushed = bsc_docpath_push(&sp->st->dp, up->key, up->key_len,
					     NULL, 0, true);
	}
	sp->nlev++;
	sp->state = array ? SP_VALUE_WAIT : SP_KEY_WAIT;
	return true;
}

static void
close_level(struct splitter *sp)
{
	struct split_level *l = &sp->lev[--sp->nlev];

	if (l->pushed)
		bsc_docpath_pop(&sp->st->dp);
	sp->state = sp->nlev ? SP_AFTER : SP_DONE;
}

/*
 * Should the value starting with c be descended into rather than
 * captured? FHIR: the top-level object, and the arrays of its members.
 * Generic JSON: every object and array, except objects in arrays (rows).
 */
static bool
descend(const struct splitter *sp, char c)
{
	bool in_array = sp->nlev && sp->lev[sp->nlev - 1].array;

	if (c != '{' && c != '[')
		return false;
	if (sp->type)
		return sp->nlev == 0 || (c == '[' && sp->nlev == 1);
	if (c == '[')
		return true;
	return !in_array && !(sp->top_array && sp->nlev == 1);
}

static void
value_start(struct splitter *sp, char c)
{
	if (sp->nlev == 0 && c != '{')
		sp->top_array = true;
	if (descend(sp, c)) {
		open_level(sp, c == '[');
		return;
	}
	sp->elem = sp->nlev && sp->lev[sp->nlev - 1].array;
	sp->in_str = sp->esc = false;
	sp->nest = 0;
	sp->too_big = false;
	sp->piece_line = sp->line;
	bsc_buf_reset(&sp->piece);
	capture(sp, c);
	sp->state = SP_CAPTURE;
}

/* c after a value: ',' or the end of the container. */
static void
after_value(struct splitter *sp, char c)
{
	struct split_level *l;

	if (is_ws(c))
		return;
	if (!sp->nlev) {
		sp->state = SP_ERROR;
		return;
	}
	l = &sp->lev[sp->nlev - 1];
	if (c == ',')
		sp->state = l->array ? SP_VALUE_WAIT : SP_KEY_WAIT;
	else if (c == (l->array ? ']' : '}'))
		close_level(sp);
	else
		sp->state = SP_ERROR;
}

static void
split_char(struct splitter *sp, char c)
{
	struct split_level *l = sp->nlev ? &sp->lev[sp->nlev - 1] : NULL;

	switch (sp->state) {
	case SP_VALUE_WAIT:
		if (is_ws(c))
			return;
		if (l && l->array && c == ']') {
			close_level(sp); /* an empty array */
			return;
		}
		value_start(sp, c);
		return;
	case SP_KEY_WAIT:
		if (is_ws(c))
			return;
		if (c == '}') {
			close_level(sp);
		} else if (c == '"') {
			l->key_len = 0;
			l->key[0] = '\0';
			sp->esc = false;
			sp->state = SP_KEY;
		} else {
			sp->state = SP_ERROR;
		}
		return;
	case SP_KEY:
		if (sp->esc) {
			sp->esc = false;
		} else if (c == '\\') {
			sp->esc = true;
			return;
		} else if (c == '"') {
			sp->state = SP_COLON;
			return;
		}
		if (l->key_len + 1 < sizeof(l->key)) {
			l->key[l->key_len++] = c;
			l->key[l->key_len] = '\0';
		}
		return;
	case SP_COLON:
		if (is_ws(c))
			return;
		sp->state = c == ':' ? SP_VALUE_WAIT : SP_ERROR;
		return;
	case SP_CAPTURE:
		if (!capture(sp, c))
			return;
		split_dispatch(sp);
		after_value(sp, c);
		return;
	case SP_AFTER:
		after_value(sp, c);
		return;
	case SP_DONE:
		if (!is_ws(c))
			sp->trailing = true;
		return;
	case SP_ERROR:
		return;
	}
}

/* What the document is: its top-level resourceType, from the head. */
static void
probe_type(struct splitter *sp, const char *head, size_t len)
{
	struct json_object *o = NULL;
	struct json_tokener *tok = json_tokener_new_ex(4);
	const char *p = head, *end = head + len;
	int depth = 0;
	bool in_str = false, esc = false;

	/* The first "resourceType" string at depth 1, without a parse. */
	for (; p < end && tok; p++) {
		char c = *p;

		if (in_str) {
			if (esc)
				esc = false;
			else if (c == '\\')
				esc = true;
			else if (c == '"')
				in_str = false;
			continue;
		}
		if (c == '{' || c == '[') {
			depth++;
		} else if (c == '}' || c == ']') {
			depth--;
		} else if (c == '"') {
			if (depth == 1 && end - p > 15 &&
			    !memcmp(p, "\"resourceType\"", 14)) {
				const char *q = p + 14;

				while (q < end && (is_ws(*q) || *q == ':'))
					q++;
				o = json_tokener_parse_ex(tok, q,
							  (int)(end - q));
				break;
			}
			in_str = true;
		}
	}
	if (o && json_object_is_type(o, json_type_string)) {
		snprintf(sp->type_buf, sizeof(sp->type_buf), "%s",
			 json_object_get_string(o));
		sp->type = sp->type_buf;
		sp->bundle = !strcmp(sp->type, "Bundle");
	}
	json_object_put(o);
	if (tok)
		json_tokener_free(tok);
}

static bsc_status
read_document(struct json_state *st)
{
	struct bsc_reader *r = st->r;
	struct splitter sp = {.st = st, .line = 1};
	char *chunk = bsc_zalloc(CHUNK);
	bsc_status ret = BSC_OK;
	bool pushed = false;

	sp.tok = json_tokener_new_ex((int)r->limits->max_nesting);
	sp.max_lev = r->limits->max_nesting;
	sp.lev = bsc_zalloc((sp.max_lev + 1) * sizeof(*sp.lev));
	bsc_buf_init(&sp.piece, r->limits->max_document);
	probe_type(&sp, r->sniff->text, r->sniff->text_len);
	if (sp.type) {
		st->fhir = true;
		pushed = bsc_docpath_push(&st->dp, sp.type, strlen(sp.type),
					  NULL, 0, true);
		st->res_level = st->dp.depth; /* the document is the resource */
	}
	for (;;) {
		ssize_t n = bsc_item_read_text(r->item, chunk, CHUNK);

		if (n < 0) {
			ret = bsc_reader_fail(r, BSC_WARN, "read error");
			break;
		}
		if (n == 0)
			break;
		for (ssize_t i = 0; i < n && sp.state != SP_ERROR; i++) {
			sp.offset++;
			split_char(&sp, chunk[i]);
			if (chunk[i] == '\n')
				sp.line++;
		}
		if (sp.state == SP_ERROR)
			break;
	}
	if (sp.state == SP_CAPTURE && sp.nlev == 0 && sp.nest == 0 &&
	    !sp.in_str && sp.piece.len) {
		/* A scalar document ends with the file. */
		split_dispatch(&sp);
		sp.state = SP_DONE;
	}
	while (sp.nlev)
		if (sp.lev[--sp.nlev].pushed)
			bsc_docpath_pop(&st->dp);
	if (pushed)
		bsc_docpath_pop(&st->dp);
	/* A single resource is one record; so is what is left over. */
	if (st->emitted || (r->records == 0 && st->values))
		end_record(st);
	if (ret != BSC_OK) {
		/* read error: already set */
	} else if (sp.depth_error) {
		ret = bsc_reader_fail(r, sp.pieces ? BSC_WARN : BSC_FAILED,
				      "nested deeper than --max-depth (%zu) at "
				      "byte %llu%s",
				      r->limits->max_nesting,
				      (unsigned long long)sp.offset,
				      sp.pieces ? "; what came before was "
						  "scanned"
						: "");
	} else if (sp.state == SP_ERROR) {
		ret = bsc_reader_fail(r, sp.pieces ? BSC_WARN : BSC_FAILED,
				      "not valid JSON at byte %llu%s",
				      (unsigned long long)sp.offset,
				      sp.pieces ? "; what came before was "
						  "scanned"
						: "");
	} else if (sp.state != SP_DONE) {
		ret = bsc_reader_fail(r, sp.pieces ? BSC_WARN : BSC_FAILED,
				      "JSON ends before its value is complete "
				      "(truncated at byte %llu)%s",
				      (unsigned long long)sp.offset,
				      sp.pieces ? "; what came before was "
						  "scanned"
						: "");
	} else if (sp.skipped) {
		ret = bsc_reader_fail(r, sp.pieces ? BSC_WARN : BSC_FAILED,
				      "%llu part(s) not scanned; first: %s",
				      (unsigned long long)sp.skipped,
				      sp.first_problem);
	} else if (sp.trailing) {
		ret = bsc_reader_fail(r, BSC_WARN,
				      "data after the JSON value was not "
				      "scanned (NDJSON needs one value per "
				      "line)");
	}
	json_tokener_free(sp.tok);
	bsc_buf_free(&sp.piece);
	free(sp.lev);
	free(chunk);
	return ret;
}

static bsc_status
json_read(struct bsc_reader *r)
{
	struct json_state st = {.r = r, .f = r->fields};
	bool nd = looks_ndjson(r->sniff->text, r->sniff->text_len,
			       r->limits->max_nesting) ||
		  !strcmp(r->sniff->ext, "ndjson") ||
		  !strcmp(r->sniff->ext, "jsonl");
	bsc_status ret;

	/* Arrays add no component, a resource adds two (key and type); the
	 * lexer's levels come on top of those of a piece. */
	bsc_docpath_init(&st.dp, 3 * r->limits->max_nesting + 2);
	ret = nd ? read_ndjson(&st) : read_document(&st);
	if (st.fhir)
		r->format = nd ? "fhir+ndjson" : "fhir+json";
	else
		r->format = nd ? "ndjson" : "json";
	bsc_docpath_free(&st.dp);
	return ret;
}

static int
json_bid(const struct bsc_sniff *s)
{
	const char *p, *end;
	struct json_tokener *tok;
	struct json_object *o;
	enum json_tokener_error err;
	int bid = -1;

	if (!s->text)
		return -1;
	p = s->text;
	end = s->text + s->text_len;
	while (p < end && (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n'))
		p++;
	if (p >= end || (*p != '{' && *p != '['))
		return -1;
	if (looks_ndjson(p, (size_t)(end - p), 64))
		return 60;
	tok = json_tokener_new_ex(64);
	if (!tok)
		return -1;
	o = json_tokener_parse_ex(tok, p, (int)(end - p));
	err = json_tokener_get_error(tok);
	if (o)
		bid = 55;
	else if (err == json_tokener_continue)
		bid = s->at_eof ? 30 : 50; /* valid so far */
	else if (err == json_tokener_error_depth)
		bid = 40; /* too deep: the reader will say so */
	json_object_put(o);
	json_tokener_free(tok);
	if (bid > 0 && (!strcmp(s->ext, "json") || !strcmp(s->ext, "ndjson") ||
			!strcmp(s->ext, "jsonl")))
		bid += 10;
	return bid;
}

const struct bsc_format bsc_format_json = {
    .name = "json",
    .bid = json_bid,
    .read = json_read,
};
