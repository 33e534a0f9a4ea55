/*
 * format_json.c - the JSON reader: FHIR JSON (resources and Bundles),
 * NDJSON such as FHIR bulk exports, and generic JSON. json-c's tokener
 * parses one document at a time with bounded nesting (--max-depth) and
 * size (--max-document): a single JSON file is one document; NDJSON is
 * streamed line by line, each line one document and one record, so a
 * bulk export of any size runs in the memory of its longest line.
 *
 * Fields are string and number values at a location path built from the
 * keys, in the same scheme as FHIR XML (README "Slot names"): arrays add
 * nothing, "resourceType" becomes a component, a "system" (identifier,
 * coding, telecom) or an extension "url" qualifies its object, "_x"
 * primitive extensions go under "x", and narrative XHTML is reduced to
 * its text. Records: a FHIR resource, or each Bundle entry, keyed by the
 * Patient it is about; the elements of a top-level array, or of a
 * top-level key holding an array of objects, in generic JSON. It never
 * classifies.
 */
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
				walk_members(st, o);
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

static bool
array_of_objects(struct json_object *o)
{
	size_t n;

	if (!json_object_is_type(o, json_type_array))
		return false;
	n = json_object_array_length(o);
	for (size_t i = 0; i < n; i++)
		if (json_object_is_type(json_object_array_get_idx(o, i),
					json_type_object))
			return true;
	return false;
}

/* One document (a whole file or an NDJSON line). as_record: the document
 * is one record whatever its shape (NDJSON). */
static void
walk_document(struct json_state *st, struct json_object *doc, bool as_record)
{
	const char *type = get_string(doc, "resourceType", NULL);

	if (type) {
		st->fhir = true;
		if (!strcmp(type, "Bundle") && !as_record) {
			struct json_object *entries = NULL;

			if (!bsc_docpath_push(&st->dp, type, strlen(type), NULL,
					      0, true))
				return;
			json_object_object_foreach(doc, k, v)
			{
				size_t n;

				if (!strcmp(k, "resourceType"))
					continue;
				if (strcmp(k, "entry") ||
				    !json_object_is_type(v, json_type_array)) {
					walk(st, v, k);
					continue;
				}
				entries = v;
				n = json_object_array_length(v);
				for (size_t i = 0; i < n; i++) {
					struct json_object *e =
					    json_object_array_get_idx(v, i);
					struct json_object *res;

					if (json_object_object_get_ex(
						e, "resource", &res))
						resource_keys(
						    st, res,
						    get_string(e, "fullUrl",
							       NULL));
					walk(st, e, "entry");
					end_record(st);
				}
			}
			(void)entries;
			bsc_docpath_pop(&st->dp);
			if (st->emitted)
				end_record(st);
			return;
		}
		resource_keys(st, doc, NULL);
		walk(st, doc, NULL);
		end_record(st);
		return;
	}
	if (as_record) {
		walk(st, doc, NULL);
		end_record(st);
		return;
	}
	if (json_object_is_type(doc, json_type_array)) {
		size_t n = json_object_array_length(doc);

		for (size_t i = 0; i < n; i++) {
			walk(st, json_object_array_get_idx(doc, i), NULL);
			end_record(st);
		}
		return;
	}
	if (json_object_is_type(doc, json_type_object)) {
		json_object_object_foreach(doc, k, v)
		{
			if (!array_of_objects(v)) {
				walk(st, v, k);
				continue;
			}
			for (size_t i = 0; i < json_object_array_length(v);
			     i++) {
				walk(st, json_object_array_get_idx(v, i), k);
				end_record(st);
			}
		}
		if (st->emitted || st->r->records == 0)
			end_record(st);
		return;
	}
	walk(st, doc, NULL);
	end_record(st);
}

/* A json-c error in words, in buf; the depth error names the limit. */
static const char *
json_error(const struct bsc_reader *r, enum json_tokener_error err, char *buf,
	   size_t len)
{
	if (err == json_tokener_error_depth) {
		snprintf(buf, len, "nested deeper than --max-depth (%zu)",
			 r->limits->max_depth);
		return buf;
	}
	if (err == json_tokener_continue)
		return "it ends before its value is complete";
	return json_tokener_error_desc(err);
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
	walk_document(nd->st, o, true);
	json_object_put(o);
}

static bsc_status
read_ndjson(struct json_state *st)
{
	struct bsc_reader *r = st->r;
	struct ndjson nd = {.st = st};
	char *chunk = bsc_zalloc(CHUNK);
	bsc_status ret = BSC_OK;

	nd.tok = json_tokener_new_ex((int)r->limits->max_depth);
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

/* ---- one document ----------------------------------------------------- */

static bsc_status
read_document(struct json_state *st)
{
	struct bsc_reader *r = st->r;
	struct json_tokener *tok =
	    json_tokener_new_ex((int)r->limits->max_depth);
	char *chunk = bsc_zalloc(CHUNK);
	struct json_object *doc = NULL;
	enum json_tokener_error err = json_tokener_continue;
	uint64_t total = 0;
	bsc_status ret = BSC_OK;
	char sz[32], msg[96];
	bool trailing = false;

	for (;;) {
		ssize_t n = bsc_item_read_text(r->item, chunk, CHUNK);

		if (n < 0) {
			ret = bsc_reader_fail(r, BSC_FAILED, "read error");
			goto out;
		}
		if (n == 0)
			break;
		if (doc) {
			/* After the value: only whitespace may follow. */
			for (ssize_t i = 0; i < n; i++)
				if (chunk[i] != ' ' && chunk[i] != '\n' &&
				    chunk[i] != '\r' && chunk[i] != '\t')
					trailing = true;
			continue;
		}
		total += (uint64_t)n;
		if (total > r->limits->max_document) {
			bsc_format_size(r->limits->max_document, sz,
					sizeof(sz));
			ret = bsc_reader_fail(r, BSC_FAILED,
					      "JSON document larger than "
					      "--max-document (%s): not "
					      "scanned (NDJSON is read line by "
					      "line)",
					      sz);
			goto out;
		}
		doc = json_tokener_parse_ex(tok, chunk, (int)n);
		err = json_tokener_get_error(tok);
		if (err != json_tokener_continue &&
		    err != json_tokener_success) {
			ret = bsc_reader_fail(
			    r, BSC_FAILED, "not valid JSON at byte %llu: %s",
			    (unsigned long long)(total - (uint64_t)n +
						 (uint64_t)
						     json_tokener_get_parse_end(
							 tok)),
			    json_error(r, err, msg, sizeof(msg)));
			goto out;
		}
		if (doc) {
			size_t end = json_tokener_get_parse_end(tok);

			for (size_t i = end; i < (size_t)n; i++)
				if (chunk[i] != ' ' && chunk[i] != '\n' &&
				    chunk[i] != '\r' && chunk[i] != '\t')
					trailing = true;
		}
	}
	if (!doc) {
		/* A bare number at EOF completes only now. */
		doc = json_tokener_parse_ex(tok, "", 1);
		if (!doc) {
			ret = bsc_reader_fail(r, BSC_FAILED,
					      "JSON ends before its value is "
					      "complete (truncated at byte "
					      "%llu)",
					      (unsigned long long)total);
			goto out;
		}
	}
	walk_document(st, doc, false);
	if (trailing)
		ret = bsc_reader_fail(r, BSC_WARN,
				      "data after the JSON value was not "
				      "scanned (NDJSON needs one value per "
				      "line)");
out:
	json_object_put(doc);
	json_tokener_free(tok);
	free(chunk);
	return ret;
}

static bsc_status
json_read(struct bsc_reader *r)
{
	struct json_state st = {.r = r, .f = r->fields};
	bool nd = looks_ndjson(r->sniff->text, r->sniff->text_len,
			       r->limits->max_depth) ||
		  !strcmp(r->sniff->ext, "ndjson") ||
		  !strcmp(r->sniff->ext, "jsonl");
	bsc_status ret;

	/* Arrays add no component, a resource adds two (key and type). */
	bsc_docpath_init(&st.dp, 2 * r->limits->max_depth + 2);
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
