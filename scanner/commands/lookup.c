/*
 * lookup.c - `breachscope lookup` (after the sinks, on a person index):
 * "is this patient in the leak?". The query is normalised and hashed
 * exactly as a scan hashes a record's person keys (persons.c), under the
 * same --person-key-file, and compared with the hashes each item of the
 * index holds. A name is tried at every split into last and first names,
 * in both orders, since the name + birth date key does not depend on it.
 */
#include "lookup.h"

#include <errno.h>
#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>

#include "persons.h"
#include "pgraph.h"
#include "cli.h"
#include "util.h"

#define MAX_WANTED 64

struct wanted {
	char hex[MAX_WANTED][17];
	size_t n;
};

static void
want(struct wanted *w, uint64_t h)
{
	if (w->n < MAX_WANTED)
		snprintf(w->hex[w->n++], 17, "%016llx", (unsigned long long)h);
}

/* The keys of one record made of the offered values; the first key of
 * the given kind goes to w. */
static void
hash_record(struct bsc_ctx *ctx, struct bsc_record_keys *k,
	    enum bsc_pk_kind kind, struct wanted *w)
{
	struct bsc_pkey keys[BSC_RECORD_MAX_KEYS];
	size_t n = 0;
	unsigned flags;
	uint64_t strongest;

	bsc_record_keys_take(k, ctx->person_mac, keys, &n, &flags, &strongest);
	for (size_t i = 0; i < n; i++)
		if (keys[i].kind == kind) {
			want(w, keys[i].hash);
			return;
		}
}

static void
one(struct bsc_ctx *ctx, int role, const char *issuer, const char *v,
    enum bsc_pk_kind kind, struct wanted *w)
{
	struct bsc_record_keys k = {0};

	bsc_record_keys_offer(&k, role, issuer, v, strlen(v));
	hash_record(ctx, &k, kind, w);
}

/* Name + birth date, the name cut at each space ("LE GALL Marie"). */
static void
names(struct bsc_ctx *ctx, const struct bsc_lookup_query *q, struct wanted *w)
{
	const char *name = q->name;
	size_t len = strlen(name);

	for (size_t cut = 0; cut <= len; cut++) {
		struct bsc_record_keys k = {0};
		const char *first = q->first_name;
		size_t llen = len;

		if (!first) {
			if (cut == len || name[cut] != ' ')
				continue;
			llen = cut;
			first = name + cut + 1;
		} else if (cut) {
			break;
		}
		bsc_record_keys_offer(&k, BSC_PK_LAST_NAME, NULL, name, llen);
		bsc_record_keys_offer(&k, BSC_PK_FIRST_NAME, NULL, first,
				      strlen(first));
		bsc_record_keys_offer(&k, BSC_PK_BIRTH_DATE, NULL,
				      q->birth_date, strlen(q->birth_date));
		hash_record(ctx, &k, BSC_PKK_NAME_BIRTH, w);
	}
}

static void
query_keys(struct bsc_ctx *ctx, const struct bsc_lookup_query *q,
	   struct wanted *w)
{
	if (q->nir)
		one(ctx, BSC_PK_NIR, NULL, q->nir, BSC_PKK_NIR, w);
	if (q->email)
		one(ctx, BSC_PK_EMAIL, NULL, q->email, BSC_PKK_WEAK, w);
	if (q->phone)
		one(ctx, BSC_PK_PHONE, NULL, q->phone, BSC_PKK_WEAK, w);
	if (q->patient_id) /* the bare id: the index keeps it for any issuer */
		one(ctx, BSC_PK_LOCAL_ID, "", q->patient_id, BSC_PKK_WEAK, w);
	if (q->name && q->birth_date)
		names(ctx, q, w);
}

char *
bsc_lookup_key_check(struct bsc_ctx *ctx)
{
	return bsc_asprintf("%016llx",
			    (unsigned long long)bsc_hmac_person(
				    ctx->person_mac, "breachscope",
				    "person-index key check"));
}

static bool
holds(const char *keys, const struct wanted *w)
{
	for (size_t i = 0; i < w->n; i++) {
		const char *p = keys;

		while ((p = strstr(p, w->hex[i])) != NULL) {
			if ((p == keys || p[-1] == ' ') &&
			    (p[16] == ' ' || p[16] == '\0'))
				return true;
			p++;
		}
	}
	return false;
}

static void
print_names(FILE *out, json_object *a)
{
	size_t n = a ? json_object_array_length(a) : 0;

	for (size_t i = 0; i < n; i++)
		fprintf(out, "%s%s", i ? ", " : "",
			json_object_get_string(json_object_array_get_idx(a, i)));
	if (!n)
		fputs("-", out);
}

/* Read the index line by line; 0 found, 1 not, 3 error. */
static int
search(struct bsc_ctx *ctx, FILE *f, const char *index, const char *check,
       const struct wanted *w, FILE *out)
{
	char *line = NULL;
	size_t cap = 0, hits = 0, lineno = 0;
	ssize_t len;
	int rc = 1;

	while ((len = getline(&line, &cap, f)) > 0) {
		json_object *o = json_tokener_parse(line), *v;

		lineno++;
		if (!o) {
			bsc_errorf(ctx, "%s:%zu: not a person index line", index,
				   lineno);
			rc = BSC_EXIT_USAGE;
			break;
		}
		if (lineno == 1) {
			const char *c = json_object_object_get_ex(o, "key_check", &v)
						? json_object_get_string(v)
						: "";

			if (strcmp(c, check)) {
				bsc_errorf(ctx, "%s was written under another "
						"--person-key-file: give the "
						"key the scan used",
					   index);
				rc = BSC_EXIT_USAGE;
			}
		} else if (json_object_object_get_ex(o, "keys", &v) &&
			   holds(json_object_get_string(v), w)) {
			json_object *p, *id, *med;

			json_object_object_get_ex(o, "path", &p);
			json_object_object_get_ex(o, "identity", &id);
			json_object_object_get_ex(o, "medical", &med);
			fprintf(out, "%s\n  identity: ", json_object_get_string(p));
			print_names(out, id);
			fputs("\n  medical:  ", out);
			print_names(out, med);
			fputs("\n", out);
			hits++;
		}
		json_object_put(o);
		if (rc == BSC_EXIT_USAGE)
			break;
	}
	free(line);
	if (rc != BSC_EXIT_USAGE) {
		fprintf(out, "%zu item(s) hold this person\n", hits);
		rc = hits ? 0 : 1;
	}
	return rc;
}

int
bsc_lookup(struct bsc_ctx *ctx, const char *index,
	   const struct bsc_lookup_query *q, FILE *out)
{
	struct wanted w = {.n = 0};
	char *check;
	FILE *f;
	int rc;

	if (!ctx->person_mac)
		ctx->person_mac = bsc_hmac_new(ctx->person_key);
	query_keys(ctx, q, &w);
	if (!w.n) {
		bsc_errorf(ctx, "lookup: nothing to look for: give --nir, "
				"--email, --phone, --patient-id, or --name with "
				"--birth-date (values that normalise)");
		return BSC_EXIT_USAGE;
	}
	f = fopen(index, "r");
	if (!f) {
		bsc_errorf(ctx, "lookup: cannot read the index %s: %s", index,
			   strerror(errno));
		return BSC_EXIT_USAGE;
	}
	check = bsc_lookup_key_check(ctx);
	rc = search(ctx, f, index, check, &w, out);
	free(check);
	fclose(f);
	return rc;
}
