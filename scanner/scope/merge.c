/*
 * merge.c - merges shard reports (after the sinks, on their JSON). Items
 * are concatenated and sorted by path; counts add up; category unions,
 * severities (highest) and flags (summed per rule) combine; distinct
 * persons merge through the hash sets or sketches the shards carry when
 * they shared a --person-key-file, so that a person seen by two shards
 * counts once. Without those sets, the person count is the sum of the
 * shards' counts and is marked approximate (an upper bound); so are the
 * persons per category, professionals and relatives.
 */
#include "merge.h"

#include <errno.h>
#include <json-c/json.h>
#include <string.h>
#include <sys/stat.h>

#include "persons.h"
#include "pgraph.h"
#include "report.h"
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

	if (set->n) /* qsort(NULL, 0) is undefined (UBSan) */
		qsort(set->v, set->n, sizeof(void *), cmp_strp);
	for (size_t i = 0; i < set->n; i++)
		json_object_array_add(a, json_object_new_string(set->v[i]));
	return a;
}

/* The bit of category name in t, added (a copy) when new; -1 when t is
 * full. */
static int
cat_bit(struct bsc_pcats *t, const char *name, bool medical)
{
	for (size_t c = 0; c < t->n; c++)
		if (!strcmp(t->name[c], name))
			return (int)c;
	if (t->n == BSC_PG_CATS)
		return -1;
	t->name[t->n] = bsc_strdup(name);
	if (medical)
		t->medical |= 1ull << t->n;
	else
		t->identity |= 1ull << t->n;
	return (int)t->n++;
}

/* The sums of a shard's other persons (professionals, relatives). */
static void
sum_other(json_object *o, struct bsc_other_persons *sum)
{
	const char *prec = o ? str_of(o, "precision") : NULL;

	if (!o)
		return;
	sum->count += (uint64_t)int_of(o, "count");
	if (prec && strcmp(prec, "exact"))
		sum->approximate = true;
}

/* Sum a shard's persons per category into cs (by bits of t). */
static void
sum_categories(json_object *ps, struct bsc_pcats *t, uint64_t *cs)
{
	json_object *bc = get(ps, "by_category");

	if (bc && json_object_is_type(bc, json_type_object)) {
		json_object_object_foreach(bc, name, v)
		{
			int b = cat_bit(t, name, false);

			if (b >= 0)
				cs[b] += (uint64_t)json_object_get_int64(v);
		}
	}
	cs[BSC_PG_IDENTITY] += (uint64_t)int_of(ps, "with_identity");
	cs[BSC_PG_MEDICAL] += (uint64_t)int_of(ps, "with_medical");
}

/*
 * Merge a shard's persons: its graph into *g when every shard so far has
 * one, else sums (upper bounds) into *sp and cs. BSC_FAILED on a damaged
 * graph.
 */
static bsc_status
merge_persons(struct bsc_ctx *ctx, json_object *ps, const char *path,
	      struct bsc_pgraph **g, struct bsc_persons *sp, bool *have_sets,
	      bool *any_approx, struct bsc_pcats *t, struct bsc_pcats *st,
	      uint64_t *cs)
{
	const char *set = str_of(ps, "set");
	json_object *ap = get(ps, "approximate");
	struct bsc_pgraph *one;

	if (!*g && *have_sets)
		memset(sp, 0, sizeof(*sp));
	sp->count += (uint64_t)int_of(ps, "count");
	sp->contactable += (uint64_t)int_of(ps, "contactable");
	sp->health += (uint64_t)int_of(ps, "health");
	sp->minors += (uint64_t)int_of(ps, "minors");
	sp->shared_contacts += (uint64_t)int_of(ps, "shared_contacts");
	sum_categories(ps, st, cs);
	sum_other(get(ps, "professionals"), &sp->professionals);
	sum_other(get(ps, "relatives"), &sp->relatives);
	*any_approx |= ap && json_object_get_boolean(ap);
	if (set && strncmp(set, "g2:", 3)) {
		bsc_warnf(ctx, "merge: %s: person set from an older breachscope: "
			       "persons are summed (an upper bound); scan that "
			       "shard again to deduplicate",
			  path);
		set = NULL;
	}
	if (!set || !*have_sets) {
		*have_sets = false;
		return BSC_OK;
	}
	one = bsc_pgraph_parse(set, bsc_person_budget(ctx), t);
	if (!one) {
		bsc_errorf(ctx, "merge: %s: damaged person graph (summary."
				"persons.set); scan that shard again",
			   path);
		return BSC_FAILED;
	}
	if (!*g)
		*g = bsc_pgraph_new(bsc_person_budget(ctx));
	bsc_pgraph_merge(*g, one);
	bsc_pgraph_free(one);
	return BSC_OK;
}

/* The --shard K/N of a report's command line, or NULL. */
static const char *
shard_of(json_object *doc)
{
	json_object *opts = get(get(doc, "run"), "options");

	for (size_t i = 0; opts && i + 1 < json_object_array_length(opts);
	     i++) {
		const char *o = json_object_get_string(
			json_object_array_get_idx(opts, i));

		if (o && !strcmp(o, "--shard"))
			return json_object_get_string(
				json_object_array_get_idx(opts, i + 1));
		if (o && !strncmp(o, "--shard=", 8))
			return o + 8;
	}
	return NULL;
}

/* The next option of a command line at *i that is not an output (-o
 * FILE, -oFILE, --output FILE, --output=FILE), or NULL at the end. */
static const char *
next_option(json_object *opts, size_t *i)
{
	while (opts && *i < json_object_array_length(opts)) {
		const char *o = json_object_get_string(
			json_object_array_get_idx(opts, (*i)++));

		if (!o)
			continue;
		if (!strcmp(o, "-o") || !strcmp(o, "--output"))
			(*i)++;
		else if (strncmp(o, "-o", 2) && strncmp(o, "--output=", 9))
			return o;
	}
	return NULL;
}

/* Two command lines that are the same but for their outputs. */
static bool
same_options(json_object *a, json_object *b)
{
	size_t i = 0, k = 0;

	for (;;) {
		const char *x = next_option(a, &i), *y = next_option(b, &k);

		if (!x || !y)
			return !x && !y;
		if (strcmp(x, y))
			return false;
	}
}

/* Two non-empty item lists with the same paths and sizes, in order. */
static bool
same_items(json_object *a, json_object *b)
{
	size_t n = a ? json_object_array_length(a) : 0;

	if (!n || !b || json_object_array_length(b) != n)
		return false;
	for (size_t i = 0; i < n; i++) {
		json_object *x = json_object_array_get_idx(a, i);
		json_object *y = json_object_array_get_idx(b, i);
		const char *px = str_of(x, "path"), *py = str_of(y, "path");

		if (!px || !py || strcmp(px, py) ||
		    int_of(x, "bytes") != int_of(y, "bytes"))
			return false;
	}
	return true;
}

/*
 * Why reports a and b (paths pa, pb) are the same shard, or NULL. The
 * report holds no run id (it would break byte-identical reports), so a
 * shard is identified by its file, by its content (reports are
 * deterministic), by a command line with the same --shard K/N and the
 * same options but for -o (the same shard scanned again, maybe after the
 * files changed), and by the same items: every path with the same size.
 */
static const char *
same_shard(const char *pa, json_object *a, const char *pb, json_object *b)
{
	struct stat sa, sb;

	if (stat(pa, &sa) == 0 && stat(pb, &sb) == 0 &&
	    sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino)
		return "the same file";
	if (json_object_equal(a, b))
		return "the same content";
	if (shard_of(a) && same_options(get(get(a, "run"), "options"),
					get(get(b, "run"), "options")))
		return "the same --shard and options";
	if (same_items(get(a, "items"), get(b, "items")))
		return "the same items, path for path and byte for byte";
	return NULL;
}

void *
bsc_merge_doc(struct bsc_ctx *ctx, const char *const *paths, size_t n,
	      int *exit_code)
{
	json_object **docs = bsc_zalloc((n ? n : 1) * sizeof(*docs));
	struct bsc_vec items = {0}, idn = {0}, med = {0}, flags = {0};
	struct bsc_vec links = {0}; /* json_object*: linkable pairs */
	struct bsc_pgraph *persons = NULL;
	struct bsc_persons sp;
	uint64_t by_status[4] = {0}, rec[4] = {0}, violations = 0, grown = 0;
	uint64_t archives = 0, members = 0, excluded = 0;
	uint64_t cov_items[4] = {0}, cov_bytes[4] = {0};
	uint64_t pkeys[4] = {0}, pwithout = 0;
	bool have_sets = true, any_approx = false;
	/* categories of the graphs, and of the sums (names owned here) */
	struct bsc_pcats cats = {0}, scats = {0};
	uint64_t csum[BSC_PG_NFIG] = {0};
	int severity = 0, rc = BSC_EXIT_USAGE;
	const char *rules_version = NULL;
	bool mixed_rules = false;
	const char *started = NULL, *finished = NULL, *policy = NULL;
	json_object *root = NULL, *summary, *run, *opts, *ps, *keys;
	static const char *const keynames[] = {"national_id", "patient_id",
					       "name_birth_date", "contact"};
	static const char *const recnames[] = {"records", "records_identity",
					       "records_medical",
					       "records_linked"};
	char *set_dump = NULL;

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
		for (size_t k = 0; k < i; k++) {
			const char *why = same_shard(paths[k], docs[k],
						     paths[i], d);

			if (why) {
				bsc_errorf(ctx, "merge: %s and %s are one "
						"shard (%s): its items would "
						"count twice; give each shard "
						"once",
					   paths[k], paths[i], why);
				goto out;
			}
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
		excluded += (uint64_t)int_of(sum, "excluded");
		grown += (uint64_t)int_of(sum, "grown"); /* --baseline */
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
			const char *po = r ? str_of(r, "policy") : NULL;

			if (po && !policy)
				policy = po; /* shards share one policy */

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
		if (ps && merge_persons(ctx, ps, paths[i], &persons, &sp,
					&have_sets, &any_approx, &cats,
					&scats, csum) != BSC_OK)
			goto out;
		if (ps) {
			keys = get(ps, "keys");
			for (int k = 0; keys && k < 4; k++)
				pkeys[k] += (uint64_t)int_of(keys, keynames[k]);
			pwithout += (uint64_t)int_of(ps, "records_without_key");
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
			bool archive = get(it, "members") &&
				       json_object_is_type(get(it, "members"),
							   json_type_int);

			json_object_array_add(arr, json_object_get(it));
			if (archive)
				archives++;
			if (str_of(it, "container"))
				members++;
			for (int s = 0; s < 4; s++)
				if (st && !strcmp(st, bsc_item_status_name(
							      (enum bsc_item_status)s))) {
					by_status[s]++;
					if (!archive) {
						cov_items[s]++;
						cov_bytes[s] += (uint64_t)int_of(
							it, "bytes");
					}
				}
			/* An archive's figures roll up its members', which
			 * are items of their own. */
			if (archive)
				continue;
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
	if (policy)
		json_object_object_add(run, "policy",
				       json_object_new_string(policy));
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
		bs = json_object_new_object();
		for (int s = 0; s < 4; s++) {
			json_object *c = json_object_new_object();

			json_object_object_add(
				c, "items", json_object_new_int64((int64_t)cov_items[s]));
			json_object_object_add(
				c, "bytes", json_object_new_int64((int64_t)cov_bytes[s]));
			json_object_object_add(
				bs, bsc_item_status_name((enum bsc_item_status)s), c);
		}
		json_object_object_add(summary, "coverage", bs);
	}
	json_object_object_add(summary, "archives",
			       json_object_new_int64((int64_t)archives));
	json_object_object_add(summary, "members",
			       json_object_new_int64((int64_t)members));
	if (excluded)
		json_object_object_add(summary, "excluded",
				       json_object_new_int64((int64_t)excluded));
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
	json_object_object_add(summary, "grown",
			       json_object_new_int64((int64_t)grown));
	if (persons && have_sets) {
		memset(&sp, 0, sizeof(sp));
		bsc_pgraph_figures(persons, rec[3], &cats, &sp);
		set_dump = bsc_pgraph_dump(persons, &cats);
		sp.set = set_dump;
	} else {
		/* No person graphs: shards cannot be deduplicated, so the
		 * sums are upper bounds (error 0 says "bound"). */
		sp.approximate = n > 1 || any_approx;
		sp.error = 0;
		sp.health_bound = sp.approximate;
		sp.n_by_category = 0;
		for (size_t c = 0; c < scats.n; c++)
			if (csum[c]) {
				sp.by_category[sp.n_by_category].category =
					scats.name[c];
				sp.by_category[sp.n_by_category++].count =
					csum[c];
			}
		sp.with_identity = csum[BSC_PG_IDENTITY];
		sp.with_medical = csum[BSC_PG_MEDICAL];
		sp.categories_bound = sp.approximate;
		if (n > 1) {
			sp.professionals.approximate = true;
			sp.relatives.approximate = true;
		}
	}
	memcpy(sp.by_key, pkeys, sizeof(pkeys));
	sp.without_key = pwithout;
	ps = bsc_persons_json(&sp);
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
	if (!have_sets && n > 1)
		bsc_warnf(ctx, "merge: the reports carry no person sets (scan "
			       "with a shared --person-key-file): the person "
			       "count is a sum, not deduplicated");
	rc = by_status[BSC_ITEM_PARTIAL] + by_status[BSC_ITEM_FAILED]
		     ? BSC_EXIT_INCOMPLETE
		     : violations || grown ? BSC_EXIT_FOUND : BSC_EXIT_CLEAN;
out:
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
	bsc_pgraph_free(persons);
	bsc_pcats_release_names(&cats);
	bsc_pcats_release_names(&scats);
	free(set_dump);
	*exit_code = rc;
	return root;
}

int
bsc_merge_reports(struct bsc_ctx *ctx, const char *const *paths, size_t n,
		  const char *output)
{
	int rc;
	json_object *root = bsc_merge_doc(ctx, paths, n, &rc);
	FILE *out = stdout;

	if (!root)
		return BSC_EXIT_USAGE;
	if (output && strcmp(output, "-")) {
		out = fopen(output, "w");
		if (!out) {
			bsc_errorf(ctx, "cannot write '%s': %s", output,
				   strerror(errno));
			json_object_put(root);
			return BSC_EXIT_USAGE;
		}
	}
	if (fputs(json_object_to_json_string_ext(
			  root, JSON_C_TO_STRING_PRETTY |
					JSON_C_TO_STRING_SPACED |
					JSON_C_TO_STRING_NOSLASHESCAPE),
		  out) == EOF ||
	    fputc('\n', out) == EOF || fflush(out) == EOF) {
		bsc_errorf(ctx, "cannot write the merged report");
		rc = BSC_EXIT_USAGE;
	}
	if (out != stdout && fclose(out) != 0 && rc != BSC_EXIT_USAGE) {
		bsc_errorf(ctx, "cannot write '%s': %s", output,
			   strerror(errno));
		rc = BSC_EXIT_USAGE;
	}
	json_object_put(root);
	return rc;
}
