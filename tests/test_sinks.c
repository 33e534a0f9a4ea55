/*
 * test_sinks.c - report sinks: streaming (an item is written when it is
 * handed over, not kept until the end), bounded per-run state, and file
 * names that are data, not terminal commands or markup.
 */
#include <string.h>

#include "report.h"
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

static Suite *
suite_sinks(void)
{
	Suite *s = suite_create("sinks");
	TCase *tc = tcase_create("stream");

	tcase_add_test(tc, test_sinks_json_streams_items);
	suite_add_tcase(s, tc);
	return s;
}

BSC_TEST_MAIN(suite_sinks)
