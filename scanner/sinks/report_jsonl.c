/*
 * report_jsonl.c - the JSON Lines sink (sinks stage): one line per item,
 * written as soon as the item is scanned, then one summary line, so very
 * large scans and log pipelines never wait for the end or hold the whole
 * report. Each line is {"type": "item"|"summary", ...} with the same
 * members as the JSON report (docs/report-schema.md).
 */
#include <json-c/json.h>

#include "report.h"
#include "util.h"

struct jsonl_sink {
	struct bsc_report_base base;
	FILE *out;
};

static bsc_status
put(struct jsonl_sink *js, json_object *o, const char *type)
{
	json_object *line = json_object_new_object();
	bsc_status ret = BSC_OK;

	json_object_object_add(line, "type", json_object_new_string(type));
	json_object_object_foreach(o, k, v)
		json_object_object_add(line, k, json_object_get(v));
	if (fputs(json_object_to_json_string_ext(
			  line, JSON_C_TO_STRING_PLAIN |
					JSON_C_TO_STRING_NOSLASHESCAPE),
		  js->out) == EOF ||
	    fputc('\n', js->out) == EOF)
		ret = BSC_FATAL;
	json_object_put(line);
	json_object_put(o);
	return ret;
}

static bsc_status
jsonl_item(void *data, const struct bsc_item_report *r)
{
	return put(data, bsc_json_item_object(r), "item");
}

static bsc_status
jsonl_end(void *data, const struct bsc_run_summary *s)
{
	struct jsonl_sink *js = data;
	json_object *o = bsc_json_summary_object(s);
	bsc_status ret;

	json_object_object_add(o, "run", bsc_json_run_object(s));
	ret = put(js, o, "summary");

	if (fflush(js->out) == EOF)
		ret = BSC_FATAL;
	return ret;
}

struct bsc_sink *
bsc_report_jsonl_new(const struct bsc_report_opts *opts)
{
	struct bsc_sink *s = bsc_zalloc(sizeof(*s));
	struct jsonl_sink *js = bsc_zalloc(sizeof(*js));

	js->out = opts->out;
	s->item = jsonl_item;
	s->run_end = jsonl_end;
	s->data = js;
	return s;
}
