/*
 * format_xml.h - what the XML reader exposes to tests, and its hardened
 * SAX handlers, shared with the office-package reader (package.c).
 */
#ifndef BSC_FORMAT_XML_H
#define BSC_FORMAT_XML_H
#ifndef BSC_INTERNAL
#error "scanner-internal header"
#endif

#include <libxml/parser.h>

/*
 * How many times libxml2 asked for an external resource (DTD, external
 * entity) and was refused, over the whole process. A hostile document
 * handled before libxml2 even asks leaves it unchanged.
 */
unsigned long bsc_xml_refused_loads(void);

/* The libxml2 XML_PARSE_* options every XML item is parsed with. */
int bsc_xml_parse_options(void);

/*
 * SAX handlers shared by every XML parser of the scanner (this reader and
 * the office packages, package.c): entities are the five predefined ones,
 * parameter entities and external resources never resolve.
 */
xmlEntityPtr bsc_xml_predefined_entity(void *ctx, const xmlChar *name);
xmlEntityPtr bsc_xml_no_pentity(void *ctx, const xmlChar *name);
xmlParserInputPtr bsc_xml_no_resolve(void *ctx, const xmlChar *public_id,
				     const xmlChar *system_id);

#endif
