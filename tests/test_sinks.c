/*
 * test_sinks.c - report sinks: streaming (an item is written when it is
 * handed over, not kept until the end), bounded per-run state, and file
 * names that are data, not terminal commands or markup.
 */
#include <libxml/parser.h>
#include <string.h>

#include "report.h"
#include "util.h"
#include "testlib.h"

struct mem {
	char *buf;
	size_t len;
	FILE *f;
	struct bsc_sink *sink;
};

static void
mem_open(struct mem *m, const char *format)
{
	struct bsc_report_opts ro = {0};

	memset(m, 0, sizeof(*m));
	m->f = open_memstream(&m->buf, &m->len);
	ck_assert_ptr_nonnull(m->f);
	ro.out = m->f;
	ro.lang = "en";
	m->sink = bsc_report_new(format, &ro);
	ck_assert_ptr_nonnull(m->sink);
}

static void
mem_close(struct mem *m)
{
	bsc_report_free(m->sink);
	fclose(m->f);
	free(m->buf);
}

static void
fake_item(struct bsc_item_report *r, const char *path)
{
	memset(r, 0, sizeof(*r));
	r->path = path;
	r->status = BSC_ITEM_COMPLETE;
	r->severity = "none";
}

/* Issue 17: the JSON sink kept every item (about 40 KB each) until the end
 * of the run; it now writes each one as it comes. */
START_TEST(test_sinks_json_streams_items)
{
	struct mem m;
	struct bsc_item_report r;
	struct bsc_run_summary sum = {0};

	mem_open(&m, "json");
	ck_assert_int_eq(m.sink->run_begin(m.sink->data), BSC_OK);
	fake_item(&r, "first.csv");
	ck_assert_int_eq(m.sink->item(m.sink->data, &r), BSC_OK);
	fflush(m.f);
	ck_assert_ptr_nonnull(strstr(m.buf, "\"path\": \"first.csv\""));
	fake_item(&r, "second.csv");
	ck_assert_int_eq(m.sink->item(m.sink->data, &r), BSC_OK);
	sum.severity = "none";
	ck_assert_int_eq(m.sink->run_end(m.sink->data, &sum), BSC_OK);
	fflush(m.f);
	ck_assert_ptr_nonnull(strstr(m.buf, "    {\n      \"path\": \"first.csv\""));
	ck_assert_ptr_nonnull(strstr(m.buf, "},\n    {\n      \"path\": \"second.csv\""));
	ck_assert_ptr_nonnull(strstr(m.buf, "\n  ],\n  \"run\": {"));
	mem_close(&m);
}
END_TEST

/* One item through a sink, the whole output returned (caller frees). */
static char *
render(const char *format, const struct bsc_item_report *r)
{
	struct mem m;
	struct bsc_run_summary sum = {0};
	char *out;

	mem_open(&m, format);
	sum.severity = "none";
	sum.items = 1;
	if (m.sink->run_begin)
		ck_assert_int_eq(m.sink->run_begin(m.sink->data), BSC_OK);
	ck_assert_int_eq(m.sink->item(m.sink->data, r), BSC_OK);
	ck_assert_int_eq(m.sink->run_end(m.sink->data, &sum), BSC_OK);
	fflush(m.f);
	out = strdup(m.buf);
	mem_close(&m);
	return out;
}

/* Issue 17: names reached terminals with raw ESC/BEL/backspace and bidi
 * overrides, JUnit became malformed, JSON invalid UTF-8, CSV formulas. */
START_TEST(test_sinks_names_are_data)
{
	static const char evil[] = "d/\x1b]0;pwn\x07x\b\xe2\x80\xae" "cod.exe\xe9" ".csv";
	static const char *const terminal[] = {"text", "summary", "csv", "junit"};
	struct bsc_item_report r;
	char *o;

	fake_item(&r, evil);
	r.status = BSC_ITEM_PARTIAL;
	r.reason = "stopped at \x1b[2J";
	for (size_t i = 0; i < 4; i++) {
		o = render(terminal[i], &r);
		ck_assert_msg(!strchr(o, 0x1b) && !strchr(o, 0x07) &&
				      !strchr(o, '\b'),
			      "%s: raw control character", terminal[i]);
		ck_assert_msg(!strstr(o, "\xe2\x80\xae"), "%s: bidi override",
			      terminal[i]);
		ck_assert_msg(strstr(o, "\\x1B]0;pwn\\x07x\\x08\\u202Ecod"),
			      "%s: escaped name missing", terminal[i]);
		if (!strcmp(terminal[i], "junit")) {
			xmlDocPtr doc = xmlReadMemory(o, (int)strlen(o), "j.xml",
						      NULL, XML_PARSE_NONET);

			ck_assert_msg(doc != NULL, "JUnit is not well-formed");
			xmlFreeDoc(doc);
		}
		free(o);
	}
	o = render("json", &r);
	ck_assert_ptr_nonnull(strstr(o, "\"path_escaped\": true"));
	ck_assert_ptr_nonnull(strstr(o, "cod.exe\\\\xE9.csv"));
	ck_assert(bsc_utf8_valid(o));
	free(o);
	fake_item(&r, "=HYPERLINK(\"http://x\").csv");
	o = render("csv", &r);
	ck_assert_ptr_nonnull(strstr(o, "\n\"'=HYPERLINK("));
	free(o);
	fake_item(&r, "ok\\name.csv");
	o = render("json", &r);
	ck_assert_ptr_nonnull(strstr(o, "\"path_escaped\": false"));
	free(o);
}
END_TEST

START_TEST(test_sinks_escape_name)
{
	char *e = bsc_escape_name("a\\b\xff\xc2\x85", true);

	ck_assert_str_eq(e, "a\\\\b\\xFF\\u0085");
	free(e);
	e = bsc_escape_name("H\xc3\xa9l\xc3\xa8ne \xe2\x81\xa6x", false);
	ck_assert_str_eq(e, "H\xc3\xa9l\xc3\xa8ne \\u2066x");
	free(e);
}
END_TEST

static Suite *
suite_sinks(void)
{
	Suite *s = suite_create("sinks");
	TCase *tc = tcase_create("stream");

	tcase_add_test(tc, test_sinks_json_streams_items);
	tcase_add_test(tc, test_sinks_names_are_data);
	tcase_add_test(tc, test_sinks_escape_name);
	suite_add_tcase(s, tc);
	return s;
}

BSC_TEST_MAIN(suite_sinks)
