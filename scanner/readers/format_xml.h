/*
 * format_xml.h - what the XML reader exposes to tests.
 */
#ifndef BSC_FORMAT_XML_H
#define BSC_FORMAT_XML_H
#ifndef BSC_INTERNAL
#error "scanner-internal header"
#endif

/*
 * How many times libxml2 asked for an external resource (DTD, external
 * entity) and was refused, over the whole process. A hostile document
 * handled before libxml2 even asks leaves it unchanged.
 */
unsigned long bsc_xml_refused_loads(void);

/* The libxml2 XML_PARSE_* options every XML item is parsed with. */
int bsc_xml_parse_options(void);

#endif
