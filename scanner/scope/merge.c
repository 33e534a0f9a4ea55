/*
 * merge.c - merges shard reports (after the sinks, on their JSON). Items
 * are concatenated and sorted by path; counts add up; category unions,
 * severities (highest) and flags (summed per rule) combine; distinct
 * persons merge through the hash sets or sketches the shards carry when
 * they shared a --person-key-file, so that a person seen by two shards
 * counts once. Without those sets, the person count is the sum of the
 * shards' counts and is marked approximate (an upper bound).
 */
#include "merge.h"

#include <errno.h>
#include <json-c/json.h>
#include <string.h>

#include "persons.h"
#include "cli.h"
#include "report.h"
#include "severity.h"

static const char *
str_of(json_object *o, const char *key)
{
	json_object *v;

	if (!json_object_object_get_ex(o, key, &v) ||
	    !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

static int64_t
int_of(json_object *o, const char *key)
{
	json_object *v;

	if (!json_object_object_get_ex(o, key, &v))
		return 0;
	return json_object_get_int64(v);
}

static json_object *
get(json_object *o, const char *key)
{
	json_object *v = NULL;

	json_object_object_get_ex(o, key, &v);
	return v;
}

static int
cmp_items(const void *a, const void *b)
{
	const char *x = str_of(*(json_object *const *)a, "path");
	const char *y = str_of(*(json_object *const *)b, "path");

	return strcmp(x ? x : "", y ? y : "");
}

static int
cmp_strp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Add the strings of array arr to the set (vector of borrowed strings). */
static void
union_into(struct bsc_vec *set, json_object *arr)
{
	for (size_t i = 0; arr && i < json_object_array_length(arr); i++) {
		const char *s =
			json_object_get_string(json_object_array_get_idx(arr, i));
		bool have = false;

		for (size_t k = 0; k < set->n && !have; k++)
			have = !strcmp(set->v[k], s);
		if (!have)
			bsc_vec_push(set, (void *)s);
	}
}

static json_object *
sorted_array(struct bsc_vec *set)
{
	json_object *a = json_object_new_array();

	qsort(set->v, set->n, sizeof(void *), cmp_strp);
	for (size_t i = 0; i < set->n; i++)
		json_object_array_add(a, json_object_new_string(set->v[i]));
	return a;
}

int
bsc_merge_reports(struct bsc_ctx *ctx, const char *const *paths, size_t n,
		  const char *output)
{
	json_object **docs = bsc_zalloc((n ? n : 1) * sizeof(*docs));
	struct bsc_vec items = {0}, idn = {0}, med = {0}, flags = {0};
	struct bsc_vec links = {0}; /* json_object*: linkable pairs */
	struct bsc_personset *persons = NULL, *contactable = NULL;
	uint64_t by_status[4] = {0}, rec[4] = {0}, violations = 0;
	uint64_t archives = 0, members = 0;
	uint64_t pcount = 0, pcontact = 0, pkeys[4] = {0}, pwithout = 0;
	bool have_sets = true, any_approx = false;
	int severity = 0, rc = BSC_EXIT_ERROR;
	const char *rules_version = NULL;
	bool mixed_rules = false;
	const char *started = NULL, *finished = NULL;
	json_object *root = NULL, *summary, *run, *opts, *ps, *keys;
	static const char *const keynames[] = {"national_id", "patient_id",
					       "name_birth_date", "contact"};
	static const char *const recnames[] = {"records", "records_identity",
					       "records_medical",
					       "records_linked"};
	FILE *out = stdout;

	for (size_t i = 0; i < n; i++) {
		json_object *d = json_object_from_file(paths[i]);
		const char *schema = d ? str_of(d, "schema") : NULL;
		json_object *its = d ? get(d, "items") : NULL;
		json_object *sum = d ? get(d, "summary") : NULL;

		docs[i] = d;
		if (!schema || strcmp(schema, "breachscope.report/1") || !its ||
		    !sum) {
			bsc_errorf(ctx, "merge: %s is not a breachscope JSON "
					"report (schema breachscope.report/1)",
				   paths[i]);
			goto out;
		}
		for (size_t k = 0; k < json_object_array_length(its); k++)
			bsc_vec_push(&items, json_object_array_get_idx(its, k));
		{
			json_object *lk = get(sum, "linkable");

			for (size_t k = 0; lk && k < json_object_array_length(lk);
			     k++)
				bsc_vec_push(&links,
					     json_object_array_get_idx(lk, k));
		}
		union_into(&idn, get(sum, "identity"));
		union_into(&med, get(sum, "medical"));
		violations += (uint64_t)int_of(sum, "violations");
		{
			const char *sev = str_of(sum, "severity");
			int l = sev ? bsc_severity_from_name(sev) : 0;

			if (l > severity)
				severity = l;
		}
		{
			json_object *r = get(d, "run");
			const char *rv = r ? str_of(r, "rules_version") : NULL;
			const char *st = r ? str_of(r, "started") : NULL;
			const char *fi = r ? str_of(r, "finished") : NULL;

			if (rv && rules_version && strcmp(rv, rules_version))
				mixed_rules = true;
			if (rv && !rules_version)
				rules_version = rv;
			if (st && (!started || strcmp(st, started) < 0))
				started = st;
			if (fi && (!finished || strcmp(fi, finished) > 0))
				finished = fi;
		}
		ps = get(sum, "persons");
		if (ps) {
			const char *set = str_of(ps, "set");
			const char *cset = str_of(ps, "contactable_set");
			json_object *ap = get(ps, "approximate");

			pcount += (uint64_t)int_of(ps, "count");
			pcontact += (uint64_t)int_of(ps, "contactable");
			pwithout += (uint64_t)int_of(ps, "records_without_key");
			any_approx |= ap && json_object_get_boolean(ap);
			keys = get(ps, "keys");
			for (int k = 0; keys && k < 4; k++)
				pkeys[k] += (uint64_t)int_of(keys, keynames[k]);
			if (set && cset && have_sets) {
				struct bsc_personset *a = bsc_personset_parse(
					set, ctx->limits.max_persons_exact);
				struct bsc_personset *b = bsc_personset_parse(
					cset, ctx->limits.max_persons_exact);

				if (!a || !b) {
					bsc_errorf(ctx, "merge: %s: damaged "
							"person set",
						   paths[i]);
					bsc_personset_free(a);
					bsc_personset_free(b);
					goto out;
				}
				if (!persons) {
					persons = bsc_personset_new(
						ctx->limits.max_persons_exact);
					contactable = bsc_personset_new(
						ctx->limits.max_persons_exact);
				}
				bsc_personset_merge(persons, a);
				bsc_personset_merge(contactable, b);
				bsc_personset_free(a);
				bsc_personset_free(b);
			} else {
				have_sets = false;
			}
		}
	}
	qsort(items.v, items.n, sizeof(void *), cmp_items);
	if (links.n) /* as in a single scan: a shared key links the data */
		severity = BSC_SEV_HEALTH_LINKED;
	root = json_object_new_object();
	json_object_object_add(root, "schema",
			       json_object_new_string("breachscope.report/1"));
	{
		json_object *tool = json_object_new_object();

		json_object_object_add(tool, "name",
				       json_object_new_string("breachscope"));
		json_object_object_add(tool, "version",
				       json_object_new_string(bsc_version()));
		json_object_object_add(root, "tool", tool);
	}
	{
		json_object *arr = json_object_new_array();

		for (size_t i = 0; i < items.n; i++) {
			json_object *it = items.v[i];
			const char *st = str_of(it, "status");
			json_object *fl = get(it, "flags");

			json_object_array_add(arr, json_object_get(it));
			if (get(it, "members") &&
			    json_object_is_type(get(it, "members"), json_type_int))
				archives++;
			if (str_of(it, "container"))
				members++;
			for (int s = 0; s < 4; s++)
				if (st && !strcmp(st, bsc_item_status_name(
							      (enum bsc_item_status)s)))
					by_status[s]++;
			for (int k = 0; k < 4; k++)
				rec[k] += (uint64_t)int_of(it, recnames[k]);
			for (size_t k = 0; fl && k < json_object_array_length(fl);
			     k++) {
				json_object *f = json_object_array_get_idx(fl, k);
				size_t j;

				for (j = 0; j < flags.n; j++)
					if (!strcmp(str_of(flags.v[j], "rule"),
						    str_of(f, "rule")))
						break;
				if (j == flags.n) {
					json_object *c = NULL;

					json_object_deep_copy(f, &c, NULL);
					bsc_vec_push(&flags, c);
				} else {
					json_object_object_add(
						flags.v[j], "count",
						json_object_new_int64(
							int_of(flags.v[j],
							       "count") +
							int_of(f, "count")));
				}
			}
		}
		json_object_object_add(root, "items", arr);
	}
	run = json_object_new_object();
	json_object_object_add(run, "rules_version",
			       rules_version && !mixed_rules
				       ? json_object_new_string(rules_version)
				       : NULL);
	opts = json_object_new_array();
	json_object_array_add(opts, json_object_new_string("merge"));
	for (size_t i = 0; i < n; i++)
		json_object_array_add(opts, json_object_new_string(paths[i]));
	json_object_object_add(run, "options", opts);
	json_object_object_add(run, "started",
			       started ? json_object_new_string(started) : NULL);
	json_object_object_add(run, "finished",
			       finished ? json_object_new_string(finished)
					: NULL);
	json_object_object_add(root, "run", run);
	summary = json_object_new_object();
	json_object_object_add(summary, "items",
			       json_object_new_int64((int64_t)items.n));
	{
		json_object *bs = json_object_new_object();

		for (int s = 0; s < 4; s++)
			json_object_object_add(
				bs, bsc_item_status_name((enum bsc_item_status)s),
				json_object_new_int64((int64_t)by_status[s]));
		json_object_object_add(summary, "by_status", bs);
	}
	json_object_object_add(summary, "archives",
			       json_object_new_int64((int64_t)archives));
	json_object_object_add(summary, "members",
			       json_object_new_int64((int64_t)members));
	for (int k = 0; k < 4; k++)
		json_object_object_add(summary, recnames[k],
				       json_object_new_int64((int64_t)rec[k]));
	json_object_object_add(summary, "verdict",
			       json_object_new_string(
				       bsc_verdict(idn.n, med.n, rec[3])));
	json_object_object_add(summary, "severity",
			       json_object_new_string(
				       bsc_severity_name(severity)));
	json_object_object_add(summary, "violations",
			       json_object_new_int64((int64_t)violations));
	ps = json_object_new_object();
	if (persons && have_sets) {
		bool approx, capprox;
		double err, cerr;
		char *d1 = bsc_personset_dump(persons);
		char *d2 = bsc_personset_dump(contactable);

		pcount = bsc_personset_count(persons, &approx, &err);
		pcontact = bsc_personset_count(contactable, &capprox, &cerr);
		json_object_object_add(ps, "count",
				       json_object_new_int64((int64_t)pcount));
		json_object_object_add(ps, "approximate",
				       json_object_new_boolean(approx));
		json_object_object_add(
			ps, "error",
			approx ? json_object_new_double(
					 (double)(int)(err * 10000 + 0.5) / 10000)
			       : NULL);
		keys = json_object_new_object();
		for (int k = 0; k < 4; k++)
			json_object_object_add(keys, keynames[k],
					       json_object_new_int64(
						       (int64_t)pkeys[k]));
		json_object_object_add(ps, "keys", keys);
		json_object_object_add(ps, "records_without_key",
				       json_object_new_int64((int64_t)pwithout));
		json_object_object_add(ps, "contactable",
				       json_object_new_int64((int64_t)pcontact));
		json_object_object_add(ps, "set", json_object_new_string(d1));
		json_object_object_add(ps, "contactable_set",
				       json_object_new_string(d2));
		free(d1);
		free(d2);
	} else {
		/* No sets: shards cannot be deduplicated; an upper bound. */
		json_object_object_add(ps, "count",
				       json_object_new_int64((int64_t)pcount));
		json_object_object_add(ps, "approximate",
				       json_object_new_boolean(n > 1 ||
							       any_approx));
		json_object_object_add(ps, "error", NULL);
		keys = json_object_new_object();
		for (int k = 0; k < 4; k++)
			json_object_object_add(keys, keynames[k],
					       json_object_new_int64(
						       (int64_t)pkeys[k]));
		json_object_object_add(ps, "keys", keys);
		json_object_object_add(ps, "records_without_key",
				       json_object_new_int64((int64_t)pwithout));
		json_object_object_add(ps, "contactable",
				       json_object_new_int64((int64_t)pcontact));
	}
	json_object_object_add(summary, "persons", ps);
	{
		json_object *fa = json_object_new_array();

		for (size_t i = 0; i < flags.n; i++)
			json_object_array_add(fa, flags.v[i]);
		json_object_object_add(summary, "flags", fa);
	}
	{
		/* Pairs found inside each shard; a pair split across shards
		 * cannot be seen here (the key values stay in the shards). */
		json_object *la = json_object_new_array();

		for (size_t i = 0; i < links.n; i++)
			json_object_array_add(la, json_object_get(links.v[i]));
		json_object_object_add(summary, "linkable", la);
	}
	json_object_object_add(summary, "identity", sorted_array(&idn));
	json_object_object_add(summary, "medical", sorted_array(&med));
	json_object_object_add(root, "summary", summary);
	if (output && strcmp(output, "-")) {
		out = fopen(output, "w");
		if (!out) {
			bsc_errorf(ctx, "cannot write '%s': %s", output,
				   strerror(errno));
			goto out;
		}
	}
	if (fputs(json_object_to_json_string_ext(
			  root, JSON_C_TO_STRING_PRETTY |
					JSON_C_TO_STRING_SPACED |
					JSON_C_TO_STRING_NOSLASHESCAPE),
		  out) == EOF ||
	    fputc('\n', out) == EOF || fflush(out) == EOF) {
		bsc_errorf(ctx, "cannot write the merged report");
		goto out;
	}
	if (!have_sets && n > 1)
		bsc_warnf(ctx, "merge: the reports carry no person sets (scan "
			       "with a shared --person-key-file): the person "
			       "count is a sum, not deduplicated");
	rc = by_status[BSC_ITEM_PARTIAL] + by_status[BSC_ITEM_FAILED]
		     ? BSC_EXIT_ERROR
		     : violations ? BSC_EXIT_FOUND : BSC_EXIT_CLEAN;
out:
	if (out != stdout && out)
		fclose(out);
	if (root)
		json_object_put(root);
	for (size_t i = 0; i < n; i++)
		if (docs[i])
			json_object_put(docs[i]);
	free(docs);
	bsc_vec_release(&items);
	bsc_vec_release(&links);
	bsc_vec_release(&idn);
	bsc_vec_release(&med);
	if (!root)
		for (size_t i = 0; i < flags.n; i++)
			json_object_put(flags.v[i]);
	bsc_vec_release(&flags);
	bsc_personset_free(persons);
	bsc_personset_free(contactable);
	return rc;
}
