/*
 * format_xml.c - the XML reader: generic XML, HL7 CDA R2 (and other HL7
 * v3 documents) and FHIR XML. libxml2's SAX2 parser runs in push mode on
 * the item's raw bytes (bsc_item_read), so libxml2 applies the XML
 * declaration's encoding, archive members and stdin work, libxml2 never
 * opens anything itself, and no tree is built: memory stays flat.
 *
 * Fields are element text and attribute values at a location path (slot
 * names, README "Slot names"). The reader copies structure, never
 * classifies: qualifiers come from the document (an id's @root, a code's
 * @codeSystem, a FHIR system, a telecom URI scheme, a CDA section code).
 * Records: a CDA document is one record; a FHIR resource, or each Bundle
 * entry, is one record keyed by the Patient it is about; in generic XML
 * the repeated element (found in the head) is the record.
 *
 * Locations: attribute values carry the line of their element's start
 * tag, text the line where it starts (libxml2's line numbers).
 *
 * Hardening (tests/test_format_xml.c proves each): never XML_PARSE_NOENT,
 * XML_PARSE_DTDLOAD, XML_PARSE_DTDATTR or XML_PARSE_HUGE; always
 * XML_PARSE_NONET. libxml2 2.9.14 predates its newer amplification
 * guards, so the SAX handlers refuse every entity declaration (the read
 * stops there) and resolve no entity but the five predefined ones;
 * external subsets are never loaded, and the process-wide external
 * entity loader refuses everything. Nesting stops at --max-depth.
 */
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <threads.h>

#include <libxml/SAX2.h>
#include <libxml/entities.h>
#include <libxml/parser.h>
#include <libxml/parserInternals.h>

#include "buf.h"
#include "docpath.h"
#include "embedded.h"
#include "format.h"
#include "format_xml.h"

#define CHUNK 65536
/* Elements counted in the head to find the repeated record element. */
#define PRESCAN_DEPTH 6
#define PRESCAN_ENTRIES 512

#define NS_HL7V3 "urn:hl7-org:v3"
#define NS_FHIR "http://hl7.org/fhir"
#define NS_XHTML "http://www.w3.org/1999/xhtml"
#define NS_XSI "http://www.w3.org/2001/XMLSchema-instance"
#define NS_XML "http://www.w3.org/XML/1998/namespace"

/* Never add XML_PARSE_NOENT, _DTDLOAD, _DTDATTR or _HUGE (see top). */
static const int xml_options = XML_PARSE_NONET | XML_PARSE_NOWARNING;

enum mode { MODE_GENERIC = 0, MODE_HL7V3, MODE_FHIR };

/* ---- the process-wide libxml2 state ----------------------------------- */

static atomic_ulong refused_loads;
static once_flag xml_once = ONCE_FLAG_INIT;

/* libxml2's external entity loader: refuse every URL, count refusals. */
static xmlParserInputPtr
refuse_loader(const char *url, const char *id, xmlParserCtxtPtr ctxt)
{
	(void)url;
	(void)id;
	(void)ctxt;
	atomic_fetch_add(&refused_loads, 1);
	return NULL;
}

/*
 * xmlSetExternalEntityLoader() is process-global in libxml2 2.9.14: it is
 * libxml2's global, not ours, and it is set once, the first time an XML
 * item is read. Our SAX handlers already refuse entities before libxml2
 * would call it; the loader is the second lock on the same door.
 */
static void
xml_init_once(void)
{
	xmlInitParser();
	xmlSetExternalEntityLoader(refuse_loader);
}

unsigned long
bsc_xml_refused_loads(void)
{
	return atomic_load(&refused_loads);
}

int
bsc_xml_parse_options(void)
{
	return xml_options;
}

/* ---- state ------------------------------------------------------------ */

struct prescan_entry {
	char *parent;
	char *name;
	unsigned depth;
	unsigned count;
};

struct xml_state {
	struct bsc_reader *r;
	struct bsc_fields *f;
	xmlParserCtxtPtr ctxt;
	bool prescan; /* counting elements in the head, emitting nothing */
	enum mode mode;
	bool mode_known;
	bool root_is_bundle;
	/* a document inside a wrapper (<cdaExport>, a SOAP Body): the depth
	 * of its root element, or 0; the wrapper's mode to go back to; and
	 * the depth above its root (FHIR positions are counted from it) */
	size_t doc_depth;
	enum mode outer_mode;
	size_t base;
	enum mode inner_mode; /* mode of the wrapped documents seen */
	struct bsc_docpath dp;
	size_t depth;	     /* element depth, root = 1 */
	size_t hide_depth;   /* start of a hidden subtree (templateId), or 0 */
	size_t narr_depth;   /* start of a narrative block, or 0 */
	size_t rec_mark;     /* depth of the open record element, or 0 */
	size_t b64_depth;    /* element whose text is base64, or 0 */
	struct bsc_buf text; /* pending text (or narrative) */
	unsigned long text_line; /* line where the pending text starts */
	struct bsc_embedded emb;
	char media_type[64];
	bool emitted; /* values since the last record end */
	uint64_t values;
	/* generic records, from the prescan */
	char *rec_parent;
	char *rec_name;
	size_t rec_depth;
	struct prescan_entry *pre;
	size_t npre;
	/* FHIR */
	size_t res_depth; /* the top resource element, or 0 */
	bool res_patient;
	size_t ref_depth; /* subject/patient element of the resource */
	char fullurl[256];
	char att_type[64]; /* contentType of the current attachment */
	/* attribute guard: a lexer over the bytes before libxml2 sees them */
	int ag_state;   /* AG_* */
	char ag_quote;
	size_t ag_attrs; /* attributes of the open start tag */
	/* outcome */
	bool stopped;
	bool failed_hard; /* an error that ends the read */
	char reason[256];
	char nserr[200]; /* first namespace error (not fatal) */
	char undeclared[128];
	char ext_dtd[160];
};

static void
stop(struct xml_state *st, const char *fmt, ...) BSC_PRINTF(2, 3);

static void
stop(struct xml_state *st, const char *fmt, ...)
{
	va_list ap;

	if (st->stopped)
		return;
	st->stopped = true;
	st->failed_hard = true;
	va_start(ap, fmt);
	vsnprintf(st->reason, sizeof(st->reason), fmt, ap);
	va_end(ap);
	if (st->ctxt)
		xmlStopParser(st->ctxt);
}

static int
line_of(const struct xml_state *st)
{
	return st->ctxt ? xmlSAX2GetLineNumber(st->ctxt) : 0;
}

static bool
eq(const xmlChar *a, const char *b)
{
	return a && !strcmp((const char *)a, b);
}

/* Attribute 5-tuples: localname, prefix, URI, value, end. */
static const xmlChar *
attr_value(const xmlChar **attrs, int n, const char *name, size_t *len)
{
	for (int i = 0; i < n; i++) {
		const xmlChar **a = attrs + 5 * i;

		if (eq(a[0], name) && !a[2]) {
			*len = (size_t)(a[4] - a[3]);
			return a[3];
		}
	}
	return NULL;
}

/* libxml2 keeps "&amp;" in attribute values as "&#38;" when entities are
 * not substituted; give the value its '&' back. Returns the new length. */
static size_t
decode_amp(char *v, size_t len)
{
	size_t o = 0;

	for (size_t i = 0; i < len; i++) {
		if (v[i] == '&' && i + 5 <= len && !memcmp(v + i, "&#38;", 5)) {
			v[o++] = '&';
			i += 4;
			continue;
		}
		v[o++] = v[i];
	}
	return o;
}

/* ---- emission --------------------------------------------------------- */

/* Attribute values carry the line of their element's start tag, text
 * the line where it starts (libxml2's line numbers). */
static void
emit(struct xml_state *st, const char *attr, const char *v, size_t len,
     unsigned long line)
{
	if (st->prescan)
		return;
	bsc_fields_set_line(st->f, line);
	if (bsc_docpath_emit(&st->dp, st->f, attr, v, len,
			     st->r->limits->max_field)) {
		st->emitted = true;
		st->values++;
	}
}

static void
emit_attr(struct xml_state *st, const char *attr, const xmlChar *v,
	  const xmlChar *end)
{
	size_t len = (size_t)(end - v);
	char small[512];
	char *buf = len < sizeof(small) ? small : bsc_zalloc(len + 1);

	memcpy(buf, v, len);
	len = decode_amp(buf, len);
	emit(st, attr, buf, len, (unsigned long)line_of(st));
	if (buf != small)
		free(buf);
}

static void
flush_text(struct xml_state *st)
{
	if (st->text.len)
		emit(st, NULL, st->text.data, st->text.len, st->text_line);
	bsc_buf_reset(&st->text);
}

static void
add_text(struct xml_state *st, const char *s, size_t len)
{
	if (!st->text.len && len)
		st->text_line = (unsigned long)line_of(st);
	while (len) {
		size_t room = st->text.max - st->text.len;
		size_t n = len < room ? len : room;

		while (n < len && n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
			n--;
		if (n == 0) {
			/* Full: scan this piece, go on with the rest. */
			flush_text(st);
			n = len < st->text.max ? len : st->text.max;
			while (n < len && n > 1 &&
			       ((unsigned char)s[n] & 0xC0) == 0x80)
				n--;
		}
		bsc_buf_add(&st->text, s, n);
		s += n;
		len -= n;
	}
}

static void
end_record(struct xml_state *st)
{
	if (st->prescan)
		return;
	bsc_fields_end_record(st->f);
	st->r->records++;
	st->emitted = false;
}

static void
record_key(struct xml_state *st, const char *key, size_t len)
{
	if (!st->prescan && len)
		bsc_fields_record_key(st->f, key, len);
}

/* ---- FHIR structure --------------------------------------------------- */

static const char *
frame_name(const struct xml_state *st, size_t d)
{
	return d >= 1 && d <= st->dp.depth ? st->dp.frames[d].name : "";
}

/* Is the element at depth d (named name) a top resource: the root, or
 * Bundle/entry/resource/X? */
static bool
fhir_is_resource(const struct xml_state *st, size_t d)
{
	size_t b = st->base;

	if (d <= b)
		return false;
	if (d - b == 1)
		return !st->root_is_bundle;
	return st->root_is_bundle && d - b == 4 &&
	       !strcmp(frame_name(st, b + 2), "entry") &&
	       !strcmp(frame_name(st, b + 3), "resource");
}

/* Elements of a resource whose reference names the patient it is about. */
static bool
fhir_is_patient_ref(const char *name)
{
	return !strcmp(name, "subject") || !strcmp(name, "patient") ||
	       !strcmp(name, "beneficiary");
}

static void
fhir_key_ref(struct xml_state *st, const char *ref, size_t len)
{
	char key[256];
	size_t n = bsc_fhir_ref_key(ref, len, key, sizeof(key));

	record_key(st, key, n);
}

/* ---- SAX handlers ----------------------------------------------------- */

static void
prescan_count(struct xml_state *st, const char *name)
{
	const char *parent = st->dp.path.data;

	if (st->depth < 2 || st->depth > PRESCAN_DEPTH)
		return;
	for (size_t i = 0; i < st->npre; i++) {
		struct prescan_entry *e = &st->pre[i];

		if (e->depth == st->depth && !strcmp(e->name, name) &&
		    !strcmp(e->parent, parent)) {
			e->count++;
			return;
		}
	}
	if (st->npre == PRESCAN_ENTRIES)
		return;
	st->pre = bsc_reallocarray(st->pre, st->npre + 1, sizeof(*st->pre));
	st->pre[st->npre].parent = bsc_strdup(parent);
	st->pre[st->npre].name = bsc_strdup(name);
	st->pre[st->npre].depth = (unsigned)st->depth;
	st->pre[st->npre].count = 1;
	st->npre++;
}

static void
set_mode(struct xml_state *st, const xmlChar *name, const xmlChar *uri)
{
	st->mode_known = true;
	if (eq(uri, NS_HL7V3) ||
	    (!uri && (eq(name, "ClinicalDocument") || eq(name, "section"))))
		st->mode = MODE_HL7V3;
	else if (eq(uri, NS_FHIR))
		st->mode = MODE_FHIR;
	else
		st->mode = MODE_GENERIC;
	st->root_is_bundle = st->mode == MODE_FHIR && eq(name, "Bundle");
}

/*
 * A CDA document or a FHIR resource (or Bundle) below the root of a
 * generic XML file: the mode it would have as a file of its own, or
 * MODE_GENERIC.
 */
static enum mode
wrapped_mode(const xmlChar *name, const xmlChar *uri)
{
	if (eq(name, "ClinicalDocument") && (!uri || eq(uri, NS_HL7V3)))
		return MODE_HL7V3;
	if (eq(uri, NS_FHIR))
		return MODE_FHIR;
	return MODE_GENERIC;
}

/* Enter a wrapped document at the current depth (before its push). */
static void
enter_document(struct xml_state *st, enum mode m, const char *name)
{
	st->doc_depth = st->depth;
	st->outer_mode = st->mode;
	st->mode = m;
	st->inner_mode = m;
	st->base = st->depth - 1;
	st->root_is_bundle = m == MODE_FHIR && !strcmp(name, "Bundle");
}

/* Leave it (at its end tag, before its pop). */
static void
leave_document(struct xml_state *st)
{
	bsc_docpath_rebase(&st->dp, st->doc_depth, false);
	st->mode = st->outer_mode;
	st->doc_depth = 0;
	st->base = 0;
	st->root_is_bundle = false;
}

/*
 * HL7 v3 attributes that carry no data: the qualifier attributes (copied
 * into the path), nullFlavor (the element has no value), and the RIM
 * structural attributes, which say what kind of act, role or
 * participation an element is (classCode="OBS", moodCode="EVN") and would
 * otherwise read as a column called "procedure class code". Alphasorted.
 */
static const char *const v3_skip[] = {
    "classCode",
    "codeSystem",
    "codeSystemName",
    "codeSystemVersion",
    "contextConductionInd",
    "contextControlCode",
    "determinerCode",
    "independentInd",
    "inversionInd",
    "moodCode",
    "negationInd",
    "nullFlavor",
    "representation",
    "styleCode",
    "typeCode",
};

static int
cmp_name(const void *k, const void *e)
{
	return strcmp(k, *(const char *const *)e);
}

static bool
v3_skip_attr(const char *a)
{
	return bsearch(a, v3_skip, BSC_ARRAY_SIZE(v3_skip), sizeof(v3_skip[0]),
		       cmp_name) != NULL;
}

static void
sax_start(void *ctx, const xmlChar *localname, const xmlChar *prefix,
	  const xmlChar *uri, int nb_namespaces, const xmlChar **namespaces,
	  int nb_attributes, int nb_defaulted, const xmlChar **attrs)
{
	struct xml_state *st = ctx;
	const char *name = (const char *)localname;
	const char *qual = NULL;
	size_t qlen = 0, vlen = 0;
	const xmlChar *v;
	bool shown = true, hide = false, narr = false, record = false;
	char scheme[24];

	(void)prefix;
	(void)nb_namespaces;
	(void)namespaces;
	(void)nb_defaulted;
	if (st->stopped)
		return;
	st->depth++;
	if (st->depth > st->r->limits->max_nesting) {
		stop(st,
		     "elements nested deeper than --max-depth (%zu) at "
		     "line %d: the rest was not read",
		     st->r->limits->max_nesting, line_of(st));
		return;
	}
	if (st->depth == 1 && !st->mode_known)
		set_mode(st, localname, uri);
	if (st->prescan) {
		prescan_count(st, name);
		bsc_docpath_push(&st->dp, name, strlen(name), NULL, 0, true);
		return;
	}
	/* Inside a hidden subtree or a narrative block: no new component. */
	if (st->hide_depth || st->narr_depth) {
		if (st->narr_depth && st->text.len)
			add_text(st, " ", 1);
		bsc_docpath_push(&st->dp, name, strlen(name), NULL, 0, false);
		return;
	}
	flush_text(st); /* mixed content: the parent's text so far */

	if (st->mode == MODE_GENERIC && st->depth > 1 && !st->doc_depth) {
		enum mode m = wrapped_mode(localname, uri);

		if (m != MODE_GENERIC) {
			enter_document(st, m, name);
			/* one document, one record (unless the wrapper's
			 * repeated element already is one) */
			record = st->rec_mark == 0;
		}
	}
	if (st->mode == MODE_HL7V3) {
		size_t rl = 0, el = 0;
		const xmlChar *root =
		    attr_value(attrs, nb_attributes, "root", &rl);
		const xmlChar *ext =
		    attr_value(attrs, nb_attributes, "extension", &el);

		if (!strcmp(name, "templateId") || !strcmp(name, "typeId") ||
		    !strcmp(name, "realmCode")) {
			hide = true;
		} else if (!strcmp(name, "text") &&
			   !strcmp(frame_name(st, st->depth - 1), "section")) {
			narr = true;
		} else if (!strcmp(name, "code") &&
			   !strcmp(frame_name(st, st->depth - 1), "section")) {
			v = attr_value(attrs, nb_attributes, "code", &vlen);
			if (v)
				bsc_docpath_qualify(&st->dp, st->depth - 1,
						    (const char *)v, vlen);
		}
		if (root && ext) {
			qual = (const char *)root;
			qlen = rl;
		} else if ((v = attr_value(attrs, nb_attributes, "codeSystem",
					   &vlen))) {
			qual = (const char *)v;
			qlen = vlen;
		} else if (!strcmp(name, "participant") &&
			   (v = attr_value(attrs, nb_attributes, "typeCode",
					   &vlen))) {
			qual = (const char *)v;
			qlen = vlen;
		} else if (!strcmp(name, "telecom") &&
			   (v = attr_value(attrs, nb_attributes, "value",
					   &vlen))) {
			/* The URI scheme: tel, mailto, fax, http. */
			size_t k = 0;

			while (k < vlen && k < sizeof(scheme) - 1 &&
			       ((v[k] >= 'a' && v[k] <= 'z') ||
				(v[k] >= 'A' && v[k] <= 'Z')))
				k++;
			if (k > 0 && k < vlen && v[k] == ':') {
				memcpy(scheme, v, k);
				scheme[k] = '\0';
				qual = scheme;
				qlen = k;
			}
		}
		v = attr_value(attrs, nb_attributes, "representation", &vlen);
		if (v && vlen == 3 && !memcmp(v, "B64", 3) && !st->b64_depth)
			st->b64_depth = st->depth; /* never nested */
		v = attr_value(attrs, nb_attributes, "mediaType", &vlen);
		if (st->b64_depth == st->depth)
			snprintf(st->media_type, sizeof(st->media_type), "%.*s",
				 v ? (int)vlen : 0, v ? (const char *)v : "");
	} else if (st->mode == MODE_FHIR) {
		if (eq(uri, NS_XHTML)) {
			narr = true;
		} else if (!strcmp(name, "system") && st->depth >= 2 &&
			   (v = attr_value(attrs, nb_attributes, "value",
					   &vlen))) {
			/* Qualifies its parent (identifier, coding, telecom).
			 */
			bsc_docpath_qualify(&st->dp, st->depth - 1,
					    (const char *)v, vlen);
			hide = true;
		} else if ((!strcmp(name, "extension") ||
			    !strcmp(name, "modifierExtension")) &&
			   (v = attr_value(attrs, nb_attributes, "url",
					   &vlen))) {
			qual = (const char *)v;
			qlen = vlen;
		}
		if (st->root_is_bundle && st->depth == st->base + 2 &&
		    !strcmp(name, "entry")) {
			record = true;
			st->fullurl[0] = '\0';
		}
		if (fhir_is_resource(st, st->depth)) {
			st->res_depth = st->depth;
			st->res_patient = !strcmp(name, "Patient");
			if (st->res_patient && st->fullurl[0])
				fhir_key_ref(st, st->fullurl,
					     strlen(st->fullurl));
		} else if (st->res_depth && st->depth == st->res_depth + 1 &&
			   fhir_is_patient_ref(name)) {
			st->ref_depth = st->depth;
		}
		if (!strcmp(name, "contentType") &&
		    (v = attr_value(attrs, nb_attributes, "value", &vlen)))
			snprintf(st->att_type, sizeof(st->att_type), "%.*s",
				 (int)vlen, (const char *)v);
	} else if (st->rec_name && st->depth == st->rec_depth &&
		   !strcmp(name, st->rec_name) &&
		   !strcmp(st->dp.path.data, st->rec_parent)) {
		record = true;
	}

	if (hide) {
		st->hide_depth = st->depth;
		shown = false;
	}
	bsc_docpath_push(&st->dp, name, strlen(name), qual, qlen, shown);
	if (st->doc_depth == st->depth)
		bsc_docpath_rebase(&st->dp, st->depth, true);
	if (record)
		st->rec_mark = st->depth;
	if (narr) {
		st->narr_depth = st->depth;
		return; /* narrative attributes are presentation */
	}
	if (hide)
		return;
	if (st->b64_depth == st->depth) {
		bsc_embedded_begin(&st->emb, st->f,
				   bsc_docpath_slot(&st->dp, NULL),
				   st->r->limits->max_field);
	}

	for (int i = 0; i < nb_attributes; i++) {
		const xmlChar **a = attrs + 5 * i;
		const char *an = (const char *)a[0];

		if (a[2] && (eq(a[2], NS_XSI) || eq(a[2], NS_XML)))
			continue;
		if (eq(a[1], "xsi") || eq(a[1], "xml") || eq(a[1], "xmlns"))
			continue;
		if (st->mode == MODE_HL7V3) {
			if (v3_skip_attr(an))
				continue;
			if (!strcmp(an, "root") && qual &&
			    qual == (const char *)a[3])
				continue;
		} else if (st->mode == MODE_FHIR) {
			if (!strcmp(an, "id"))
				continue;
			if (!strcmp(an, "url") && qual)
				continue;
			if (!strcmp(an, "value")) {
				size_t len = (size_t)(a[4] - a[3]);

				if (!strcmp(name, "fullUrl") &&
				    st->depth == st->base + 3 &&
				    st->root_is_bundle)
					snprintf(st->fullurl,
						 sizeof(st->fullurl), "%.*s",
						 (int)len, (const char *)a[3]);
				if (st->res_patient &&
				    st->depth == st->res_depth + 1 &&
				    !strcmp(name, "id") && len) {
					char key[160];

					snprintf(key, sizeof(key),
						 "Patient/%.*s", (int)len,
						 (const char *)a[3]);
					record_key(st, key, strlen(key));
				}
				if (st->ref_depth &&
				    st->depth == st->ref_depth + 1 &&
				    !strcmp(name, "reference"))
					fhir_key_ref(st, (const char *)a[3],
						     len);
				if (!strcmp(name, "data") &&
				    (strstr(frame_name(st, st->depth - 1),
					    "ttachment") ||
				     !strcmp(frame_name(st, st->depth - 1),
					     "Binary"))) {
					struct bsc_embedded *e = &st->emb;

					bsc_embedded_begin(
					    e, st->f,
					    bsc_docpath_slot(&st->dp, NULL),
					    st->r->limits->max_field);
					bsc_embedded_feed(e, (const char *)a[3],
							  len);
					bsc_embedded_end(
					    e, bsc_docpath_slot(&st->dp, NULL),
					    st->att_type[0] ? st->att_type
							    : NULL);
					st->emitted = true;
					continue;
				}
				emit_attr(st, NULL, a[3], a[4]);
				continue;
			}
		}
		emit_attr(st, an, a[3], a[4]);
	}
}

static void
sax_end(void *ctx, const xmlChar *localname, const xmlChar *prefix,
	const xmlChar *uri)
{
	struct xml_state *st = ctx;

	(void)localname;
	(void)prefix;
	(void)uri;
	if (st->stopped || st->depth == 0)
		return;
	if (st->prescan) {
		bsc_docpath_pop(&st->dp);
		st->depth--;
		return;
	}
	if (st->narr_depth && st->depth > st->narr_depth) {
		if (st->text.len)
			add_text(st, " ", 1);
	} else if (st->hide_depth && st->depth >= st->hide_depth) {
		if (st->depth == st->hide_depth)
			st->hide_depth = 0;
	} else {
		if (st->narr_depth == st->depth)
			st->narr_depth = 0;
		if (st->b64_depth == st->depth) {
			bsc_embedded_end(
			    &st->emb, bsc_docpath_slot(&st->dp, NULL),
			    st->media_type[0] ? st->media_type : NULL);
			st->b64_depth = 0;
			st->emitted = true;
		}
		flush_text(st);
		if (st->ref_depth == st->depth)
			st->ref_depth = 0;
		if (st->res_depth == st->depth) {
			st->res_depth = 0;
			st->res_patient = false;
		}
		if (st->rec_mark == st->depth) {
			end_record(st);
			st->rec_mark = 0;
		}
		if (st->doc_depth == st->depth)
			leave_document(st);
	}
	bsc_docpath_pop(&st->dp);
	st->depth--;
}

static void
sax_chars(void *ctx, const xmlChar *ch, int len)
{
	struct xml_state *st = ctx;

	if (st->stopped || st->prescan || len <= 0 || st->hide_depth)
		return;
	if (st->b64_depth && st->depth == st->b64_depth) {
		bsc_embedded_feed(&st->emb, (const char *)ch, (size_t)len);
		return;
	}
	add_text(st, (const char *)ch, (size_t)len);
}

static void
sax_entity_decl(void *ctx, const xmlChar *name, int type,
		const xmlChar *public_id, const xmlChar *system_id,
		xmlChar *content)
{
	struct xml_state *st = ctx;

	(void)type;
	(void)public_id;
	(void)system_id;
	(void)content;
	stop(st,
	     "the DOCTYPE declares entity '%.40s' (line %d): entity "
	     "declarations are refused (entity expansion, external "
	     "entities); the rest was not read",
	     (const char *)name, line_of(st));
}

static void
sax_unparsed_decl(void *ctx, const xmlChar *name, const xmlChar *public_id,
		  const xmlChar *system_id, const xmlChar *notation)
{
	(void)notation;
	sax_entity_decl(ctx, name, 0, public_id, system_id, NULL);
}

xmlEntityPtr
bsc_xml_predefined_entity(void *ctx, const xmlChar *name)
{
	(void)ctx;
	return xmlGetPredefinedEntity(name);
}

xmlEntityPtr
bsc_xml_no_pentity(void *ctx, const xmlChar *name)
{
	(void)ctx;
	(void)name;
	return NULL;
}

xmlParserInputPtr
bsc_xml_no_resolve(void *ctx, const xmlChar *public_id,
		   const xmlChar *system_id)
{
	(void)ctx;
	(void)public_id;
	(void)system_id;
	return NULL;
}

static xmlParserInputPtr
sax_resolve(void *ctx, const xmlChar *public_id, const xmlChar *system_id)
{
	(void)ctx;
	(void)public_id;
	(void)system_id;
	atomic_fetch_add(&refused_loads, 1);
	return NULL;
}

static void
sax_internal_subset(void *ctx, const xmlChar *name, const xmlChar *ext_id,
		    const xmlChar *system_id)
{
	struct xml_state *st = ctx;

	(void)name;
	(void)ext_id;
	if (system_id && !st->ext_dtd[0])
		snprintf(st->ext_dtd, sizeof(st->ext_dtd), "%s",
			 (const char *)system_id);
}

static void
sax_external_subset(void *ctx, const xmlChar *name, const xmlChar *ext_id,
		    const xmlChar *system_id)
{
	/* Never loaded: that is the point. */
	(void)ctx;
	(void)name;
	(void)ext_id;
	(void)system_id;
}

static void
sax_reference(void *ctx, const xmlChar *name)
{
	struct xml_state *st = ctx;

	if (!st->undeclared[0])
		snprintf(st->undeclared, sizeof(st->undeclared),
			 "'&%.40s;' at line %d", (const char *)name,
			 line_of(st));
}

static void
sax_error(void *ctx, xmlErrorPtr err)
{
	struct xml_state *st = ctx;
	char msg[160];
	size_t n;

	if (!err || err->level < XML_ERR_ERROR || st->stopped)
		return;
	snprintf(msg, sizeof(msg), "%s", err->message ? err->message : "?");
	n = strlen(msg);
	while (n && (msg[n - 1] == '\n' || msg[n - 1] == ' '))
		msg[--n] = '\0';
	if (err->domain == XML_FROM_NAMESPACE && err->level == XML_ERR_ERROR) {
		/* Unbound prefixes and the like: the content is still read. */
		if (!st->nserr[0])
			snprintf(st->nserr, sizeof(st->nserr), "line %d: %s",
				 err->line, msg);
		return;
	}
	if (err->code == XML_ERR_UNDECLARED_ENTITY ||
	    err->code == XML_WAR_UNDECLARED_ENTITY) {
		if (!st->undeclared[0] && err->str1)
			snprintf(st->undeclared, sizeof(st->undeclared),
				 "'&%.40s;' at line %d", err->str1, err->line);
		if (err->level < XML_ERR_FATAL)
			return;
	}
	if (st->prescan) {
		st->stopped = true;
		return;
	}
	st->stopped = true;
	st->failed_hard = true;
	if (err->code == XML_ERR_DOCUMENT_END && st->depth > 0)
		/* libxml2's word, in push mode, for an input cut short. */
		snprintf(st->reason, sizeof(st->reason),
			 "truncated XML: the input ends inside <%s> (line "
			 "%d); what came before was scanned",
			 st->dp.depth ? st->dp.frames[st->dp.depth].name : "?",
			 err->line);
	else
		snprintf(st->reason, sizeof(st->reason),
			 "malformed XML at line %d: %s; what came before "
			 "was scanned",
			 err->line, msg);
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
	sax->ignorableWhitespace = sax_chars;
	sax->entityDecl = sax_entity_decl;
	sax->unparsedEntityDecl = sax_unparsed_decl;
	sax->getEntity = bsc_xml_predefined_entity;
	sax->getParameterEntity = bsc_xml_no_pentity;
	sax->resolveEntity = sax_resolve;
	sax->internalSubset = sax_internal_subset;
	sax->externalSubset = sax_external_subset;
	sax->reference = sax_reference;
	sax->serror = sax_error;
}

/* ---- driving the parser ----------------------------------------------- */

/*
 * Attributes per element. libxml2 checks an element's attributes for
 * duplicates pair by pair (quadratic: 200,000 attributes took 47 s), so
 * start tags are counted before libxml2 sees them and a document with
 * more stops. Real documents (CDA, FHIR) have a handful.
 */
#define MAX_ATTRIBUTES 1000

enum { AG_TEXT = 0, AG_LT, AG_TAG, AG_QUOTED, AG_OTHER };

/*
 * Count attribute values (quoted strings) in start tags across chunks;
 * false, with the parser stopped, when one tag has too many. Comments and
 * declarations end at their first '>' here, which can only overcount.
 */
static bool
attrs_ok(struct xml_state *st, const unsigned char *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char c = p[i];

		switch (st->ag_state) {
		case AG_TEXT:
			if (c == '<')
				st->ag_state = AG_LT;
			break;
		case AG_LT:
			st->ag_attrs = 0;
			st->ag_state = (c == '!' || c == '?' || c == '/')
					       ? AG_OTHER
					       : AG_TAG;
			break;
		case AG_TAG:
			if (c == '>') {
				st->ag_state = AG_TEXT;
			} else if (c == '"' || c == '\'') {
				st->ag_quote = (char)c;
				st->ag_state = AG_QUOTED;
				if (++st->ag_attrs > MAX_ATTRIBUTES) {
					stop(st,
					     "an element has more than %d "
					     "attributes (hostile or broken "
					     "XML): the rest was not scanned",
					     MAX_ATTRIBUTES);
					return false;
				}
			}
			break;
		case AG_QUOTED:
			if (c == (unsigned char)st->ag_quote)
				st->ag_state = AG_TAG;
			break;
		default:
			if (c == '>')
				st->ag_state = AG_TEXT;
			break;
		}
	}
	return true;
}

/* Push data through a new parser; returns after the end or a stop. */
static void
parse_stream(struct xml_state *st, const unsigned char *first, size_t nfirst,
	     ssize_t (*more)(void *src, unsigned char *buf, size_t cap),
	     void *src, bool *read_error)
{
	xmlSAXHandler sax;
	unsigned char *buf = NULL;

	st->ag_state = AG_TEXT;
	st->ag_attrs = 0;
	if (more)
		buf = bsc_zalloc(CHUNK);
	if (!first && more) {
		/* The parser wants the first bytes to detect the encoding. */
		ssize_t n = more(src, buf, CHUNK);

		if (n < 0)
			*read_error = true;
		if (n <= 0) {
			free(buf);
			return;
		}
		first = buf;
		nfirst = (size_t)n;
	}
	sax_init(&sax);
	st->ctxt =
	    xmlCreatePushParserCtxt(&sax, st, (const char *)first,
				    (int)(nfirst < 4 ? nfirst : 4), NULL);
	if (!st->ctxt) {
		stop(st, "libxml2 could not create a parser");
		free(buf);
		return;
	}
	xmlCtxtUseOptions(st->ctxt, xml_options);
	/* The context starts from libxml2's process-wide defaults
	 * (xmlSubstituteEntitiesDefault, xmlLoadExtDtdDefaultValue), which
	 * other code in the process could have changed: pin them off. */
	st->ctxt->replaceEntities = 0;
	st->ctxt->loadsubset = 0;
	st->ctxt->validate = 0;
	if (attrs_ok(st, first, nfirst) && nfirst > 4)
		xmlParseChunk(st->ctxt, (const char *)first + 4,
			      (int)(nfirst - 4), 0);
	while (!st->stopped && more) {
		ssize_t n = more(src, buf, CHUNK);

		if (n < 0) {
			*read_error = true;
			break;
		}
		if (n == 0)
			break;
		if (attrs_ok(st, buf, (size_t)n))
			xmlParseChunk(st->ctxt, (const char *)buf, (int)n, 0);
	}
	if (!st->stopped)
		xmlParseChunk(st->ctxt, NULL, 0, 1);
	free(buf);
	if (st->ctxt->myDoc)
		xmlFreeDoc(st->ctxt->myDoc);
	st->ctxt->myDoc = NULL;
	if (st->ctxt->encoding && !st->prescan) {
		size_t i;
		char *enc = st->r->declared_encoding;

		for (i = 0;
		     st->ctxt->encoding[i] && i + 1 < sizeof(st->r->declared_encoding);
		     i++) {
			char c = (char)st->ctxt->encoding[i];

			enc[i] = (c >= 'A' && c <= 'Z') ? (char)(c + 32) : c;
		}
		enc[i] = '\0';
	}
	xmlFreeParserCtxt(st->ctxt);
	st->ctxt = NULL;
}

static ssize_t
item_more(void *src, unsigned char *buf, size_t cap)
{
	return bsc_item_read(src, buf, cap);
}

/* Pick the repeated element of the head as the generic record. */
static void
choose_record(struct xml_state *st, bool head_is_all)
{
	struct prescan_entry *best = NULL;

	for (size_t i = 0; i < st->npre; i++) {
		struct prescan_entry *e = &st->pre[i];

		if (e->count < 2)
			continue;
		if (!best || e->depth < best->depth ||
		    (e->depth == best->depth && e->count > best->count))
			best = e;
	}
	if (!best && !head_is_all) {
		/* One big element in the head: its siblings follow. */
		for (size_t i = 0; i < st->npre; i++)
			if (st->pre[i].depth == 2) {
				best = &st->pre[i];
				break;
			}
	}
	if (best) {
		st->rec_parent = bsc_strdup(best->parent);
		st->rec_name = bsc_strdup(best->name);
		st->rec_depth = best->depth;
	}
}

static void
prescan_release(struct xml_state *st)
{
	for (size_t i = 0; i < st->npre; i++) {
		free(st->pre[i].parent);
		free(st->pre[i].name);
	}
	free(st->pre);
	st->pre = NULL;
	st->npre = 0;
}

static const char *
format_name(enum mode m)
{
	switch (m) {
	case MODE_HL7V3:
		return "cda";
	case MODE_FHIR:
		return "fhir+xml";
	case MODE_GENERIC:
		break;
	}
	return "xml";
}

static bsc_status
xml_read(struct bsc_reader *r)
{
	struct xml_state st;
	bool read_error = false;
	bsc_status ret = BSC_OK;

	call_once(&xml_once, xml_init_once);
	memset(&st, 0, sizeof(st));
	st.r = r;
	st.f = r->fields;

	/* Pass 1, on the head only: the root, the repeated element. */
	st.prescan = true;
	bsc_docpath_init(&st.dp, r->limits->max_nesting + 1);
	parse_stream(&st, r->sniff->raw, r->sniff->raw_len, NULL, NULL,
		     &read_error);
	bsc_docpath_free(&st.dp);
	if (st.mode == MODE_GENERIC)
		choose_record(&st, r->sniff->at_eof);
	prescan_release(&st);
	st.prescan = false;
	st.stopped = false;
	st.failed_hard = false;
	st.reason[0] = st.nserr[0] = st.undeclared[0] = st.ext_dtd[0] = '\0';
	st.depth = 0;
	r->format = format_name(st.mode);

	/* Pass 2: the whole item, streamed. */
	bsc_docpath_init(&st.dp, r->limits->max_nesting + 1);
	bsc_buf_init(&st.text, r->limits->max_field);
	parse_stream(&st, NULL, 0, item_more, r->item, &read_error);
	if (st.emb.active)
		bsc_embedded_end(&st.emb, bsc_docpath_slot(&st.dp, NULL), NULL);
	flush_text(&st);
	if (st.emitted || (r->records == 0 && st.values))
		end_record(&st);
	if (st.inner_mode != MODE_GENERIC && st.outer_mode == MODE_GENERIC)
		r->format = format_name(st.inner_mode); /* wrapped documents */
	if (st.ext_dtd[0]) {
		char *n = bsc_asprintf("external DTD '%s' was not loaded",
				       st.ext_dtd);

		bsc_fields_note(r->fields, n);
		free(n);
	}
	if (st.nserr[0]) {
		char *n = bsc_asprintf("namespace errors, read in full "
				       "(first at %s)",
				       st.nserr);

		bsc_fields_note(r->fields, n);
		free(n);
	}
	if (read_error)
		ret = bsc_reader_fail(r, BSC_WARN,
				      "read error after %llu "
				      "bytes",
				      (unsigned long long)r->item->bytes);
	else if (st.failed_hard)
		ret = bsc_reader_fail(r, st.values ? BSC_WARN : BSC_FAILED,
				      "%s", st.reason);
	else if (st.undeclared[0])
		ret = bsc_reader_fail(r, BSC_WARN,
				      "reference to an undeclared entity %s: "
				      "DTDs are never loaded, so its content "
				      "was not read",
				      st.undeclared);
	bsc_buf_free(&st.text);
	bsc_docpath_free(&st.dp);
	free(st.rec_parent);
	free(st.rec_name);
	return ret;
}

/* ---- bidding ---------------------------------------------------------- */

/* Skip "<?...?>", "<!--...-->" and "<!DOCTYPE ...>" at p; NULL if cut. */
static const char *
skip_prolog(const char *p, const char *end, bool *decl)
{
	for (;;) {
		while (p < end &&
		       (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n'))
			p++;
		if (p + 1 >= end || *p != '<')
			return p;
		if (p[1] == '?') {
			const char *q = memmem(p, (size_t)(end - p), "?>", 2);

			if (p + 5 <= end && !memcmp(p, "<?xml", 5))
				*decl = true;
			if (!q)
				return NULL;
			p = q + 2;
		} else if (p + 4 <= end && !memcmp(p, "<!--", 4)) {
			const char *q = memmem(p, (size_t)(end - p), "-->", 3);

			if (!q)
				return NULL;
			p = q + 3;
		} else if (p + 9 <= end && !memcmp(p, "<!DOCTYPE", 9)) {
			const char *q = memchr(p, '[', (size_t)(end - p));
			const char *gt = memchr(p, '>', (size_t)(end - p));

			if (q && (!gt || q < gt)) /* internal subset */
				gt = memmem(q, (size_t)(end - q), "]", 1);
			if (gt)
				gt = memchr(gt, '>', (size_t)(end - gt));
			if (!gt)
				return NULL;
			p = gt + 1;
		} else {
			return p;
		}
	}
}

static int
xml_bid(const struct bsc_sniff *s)
{
	const char *p, *end, *n;
	bool decl = false;
	int bid;

	if (!s->text)
		return -1;
	p = s->text;
	end = s->text + s->text_len;
	p = skip_prolog(p, end, &decl);
	if (!p)
		return decl ? 40 : -1; /* a prolog longer than the head */
	if (p >= end || *p != '<')
		return -1;
	n = p + 1;
	if (!((*n >= 'A' && *n <= 'Z') || (*n >= 'a' && *n <= 'z') ||
	      *n == '_' || *n == ':'))
		return -1;
	/* HTML is text to us, unless it says it is XML. */
	if (!decl && end - n >= 4 && !strncasecmp(n, "html", 4))
		return -1;
	bid = decl ? 60 : 45;
	if (!strcmp(s->ext, "xml") || !strcmp(s->ext, "cda"))
		bid += 10;
	return bid;
}

const struct bsc_format bsc_format_xml = {
    .name = "xml",
    .bid = xml_bid,
    .read = xml_read,
};
