/*
 * report_index.c - the person index (sinks stage, --person-index FILE): for
 * each item, the keyed hashes of the person keys it holds and its
 * categories, one JSON line per item, so that `breachscope lookup` can
 * later answer "is this patient in the leak?" without anyone keeping an
 * identity. Hashes only (HMAC-SHA-256 under --person-key-file, 64 bits),
 * never a value; the first line carries a check of the key, so that a
 * lookup with another key says so instead of finding nothing.
 */
#include <json-c/json.h>
#include <stdio.h>
#include <string.h>

#include "report.h"
#include "util.h"

struct index_sink {
	struct bsc_report_base base;
	FILE *out;
	const char *check;
	bool err;
};

static bsc_status
put(struct index_sink *s, json_object *o)
{
	if (fputs(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
						     JSON_C_TO_STRING_NOSLASHESCAPE),
		  s->out) == EOF ||
	    fputc('\n', s->out) == EOF)
		s->err = true;
	json_object_put(o);
	return s->err ? BSC_FATAL : BSC_OK;
}

static json_object *
names(const char *const *v, size_t n)
{
	json_object *a = json_object_new_array();

	for (size_t i = 0; i < n; i++)
		json_object_array_add(a, json_object_new_string(v[i]));
	return a;
}

static bsc_status
index_begin(void *data)
{
	struct index_sink *s = data;
	json_object *o = json_object_new_object();

	json_object_object_add(o, "index",
			       json_object_new_string("breachscope.person-index/1"));
	json_object_object_add(o, "key_check",
			       json_object_new_string(s->check ? s->check : ""));
	return put(s, o);
}

static bsc_status
index_item(void *data, const struct bsc_item_report *r)
{
	struct index_sink *s = data;
	json_object *o;

	if (!r->person_keys || !*r->person_keys)
		return BSC_OK;
	o = json_object_new_object();
	json_object_object_add(o, "path", json_object_new_string(r->path));
	json_object_object_add(o, "identity", names(r->identity, r->n_identity));
	json_object_object_add(o, "medical", names(r->medical, r->n_medical));
	json_object_object_add(o, "keys", json_object_new_string(r->person_keys));
	return put(s, o);
}

static bsc_status
index_end(void *data, const struct bsc_run_summary *sum)
{
	struct index_sink *s = data;

	(void)sum;
	if (fflush(s->out) == EOF)
		s->err = true;
	return s->err ? BSC_FATAL : BSC_OK;
}

struct bsc_sink *
bsc_report_index_new(const struct bsc_report_opts *opts)
{
	struct bsc_sink *k = bsc_zalloc(sizeof(*k));
	struct index_sink *s = bsc_zalloc(sizeof(*s));

	s->out = opts->out;
	s->check = opts->index_check;
	k->run_begin = index_begin;
	k->item = index_item;
	k->run_end = index_end;
	k->data = s;
	return k;
}
