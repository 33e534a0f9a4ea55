/*
 * rules.c - loads patterns/ (YAML, through libyaml) into a rule set:
 * categories, value rules (compiled once with PCRE2 + JIT), header
 * vocabularies and subject words. Every problem is reported as
 * "file:line: message" and stops the load of that file. The loader checks
 * the shape of each rule; whether its examples hold is rules_check.c's job.
 */
#include "rules.h"

#include <dirent.h>
#include <openssl/evp.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "bsc_config.h"
#include "ctx.h"
#include "header.h"
#include "multi.h"
#include "persons.h"
#include "path.h"
#include "plan.h"
#include "validate.h"
#include "yamldoc.h"

struct loader {
	struct bsc_ruleset *rs;
	struct bsc_ctx *ctx;
	const char *file;
	struct bsc_yaml y;
};

static void
strlist_free(struct bsc_strlist *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

static void
patterns_free(struct bsc_vec *v)
{
	for (size_t i = 0; i < v->n; i++)
		bsc_path_pattern_free(v->v[i]);
	bsc_vec_release(v);
}

static void
rule_free(struct bsc_rule *r)
{
	if (!r)
		return;
	patterns_free(&r->paths);
	patterns_free(&r->requires);
	patterns_free(&r->not_paths);
	free(r->id);
	free(r->file);
	free(r->pattern);
	if (r->re)
		pcre2_code_free(r->re);
	strlist_free(&r->keywords);
	strlist_free(&r->context);
	strlist_free(&r->headers);
	strlist_free(&r->tokens);
	strlist_free(&r->not_tokens);
	strlist_free(&r->file_tokens);
	strlist_free(&r->not_file_tokens);
	strlist_free(&r->corroborate_files);
	strlist_free(&r->dict);
	free(r->note);
	strlist_free(&r->examples);
	strlist_free(&r->not_examples);
	free(r->flag);
	free(r->label);
	free(r->label_fr);
	free(r);
}

struct bsc_ruleset *
bsc_ruleset_new(void)
{
	return bsc_zalloc(sizeof(struct bsc_ruleset));
}

void
bsc_ruleset_free(struct bsc_ruleset *rs)
{
	if (!rs)
		return;
	bsc_multi_free(rs->kwdb);
	bsc_plan_free(rs->plan);
	for (size_t i = 0; i < 256; i++)
		free(rs->kw_by_first[i]);
	for (size_t i = 0; i < rs->n_cats; i++) {
		free(rs->cats[i].name);
		free(rs->cats[i].label);
		free(rs->cats[i].label_fr);
		free(rs->cats[i].description);
		free(rs->cats[i].risk);
		free(rs->cats[i].action);
	}
	for (size_t i = 0; i < rs->rules.n; i++)
		rule_free(rs->rules.v[i]);
	for (size_t i = 0; i < rs->files.n; i++)
		free(rs->files.v[i]);
	bsc_vec_release(&rs->rules);
	bsc_vec_release(&rs->value_rules);
	bsc_vec_release(&rs->header_rules);
	bsc_vec_release(&rs->subject_rules);
	bsc_vec_release(&rs->flag_rules);
	bsc_vec_release(&rs->placeholder_rules);
	bsc_vec_release(&rs->path_rules);
	bsc_vec_release(&rs->files);
	if (rs->digest)
		EVP_MD_CTX_free(rs->digest);
	free(rs);
}

int
bsc_ruleset_category(const struct bsc_ruleset *rs, const char *name)
{
	for (size_t i = 0; i < rs->n_cats; i++)
		if (strcmp(rs->cats[i].name, name) == 0)
			return (int)i;
	return -1;
}

/* ---- small YAML accessors (see yamldoc.c) --------------------------- */

#define lerr(L, n, ...) bsc_yaml_error(&(L)->y, (n), __VA_ARGS__)
#define node(L, idx) bsc_yaml_node(&(L)->y, (idx))
#define scalar(n) bsc_yaml_scalar(n)
#define node_line(n) bsc_yaml_line(n)

static bsc_status
get_string(struct loader *L, yaml_node_t *v, const char *key, char **out)
{
	const char *s = scalar(v);

	if (!s)
		return lerr(L, v, "'%s' must be a string", key);
	free(*out);
	*out = bsc_strdup(s);
	return BSC_OK;
}

static bsc_status
get_bool(struct loader *L, yaml_node_t *v, const char *key, bool *out)
{
	const char *s = scalar(v);

	if (s && (!strcmp(s, "true") || !strcmp(s, "yes"))) {
		*out = true;
		return BSC_OK;
	}
	if (s && (!strcmp(s, "false") || !strcmp(s, "no"))) {
		*out = false;
		return BSC_OK;
	}
	return lerr(L, v, "'%s' must be true or false", key);
}

static bsc_status
get_number(struct loader *L, yaml_node_t *v, const char *key, double lo,
	   double hi, double *out)
{
	const char *s = scalar(v);
	char *end = NULL;
	double d;

	if (!s || !*s)
		return lerr(L, v, "'%s' must be a number", key);
	d = strtod(s, &end);
	if (*end || d < lo || d > hi)
		return lerr(L, v, "'%s' must be a number from %g to %g", key,
			    lo, hi);
	*out = d;
	return BSC_OK;
}

static char *
normalise_entry(const char *s)
{
	return bsc_header_normalise(s, strlen(s));
}

/* A string or a list of strings; normalise=true runs header
 * normalisation on each entry. */
static bsc_status
get_list(struct loader *L, yaml_node_t *v, const char *key, bool normalise,
	 struct bsc_strlist *out)
{
	return bsc_yaml_strings(&L->y, v, key,
				normalise ? normalise_entry : NULL, &out->v,
				&out->n);
}

static int
cmp_strp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Fold a word as dictionaries store it: header normalisation without
 * separators ("Jean-Pierre" -> "jeanpierre"). New string. */
static char *
dict_key(const char *s, size_t len)
{
	char *k = bsc_header_normalise(s, len);
	char *w = k;

	for (const char *r = k; *r; r++)
		if (*r != '_')
			*w++ = *r;
	*w = '\0';
	return k;
}

/* A word list next to the rule file: one entry per line, '#' comments. */
static bsc_status
load_dictionary(struct loader *L, yaml_node_t *v, struct bsc_rule *r)
{
	const char *name = scalar(v);
	const char *slash = strrchr(L->file, '/');
	char *path;
	FILE *f;
	char line[256];
	size_t n = 0;

	if (!name || !*name || strchr(name, '/'))
		return lerr(L, v, "'dictionary' must be a file name next to the "
				  "rule file");
	path = slash ? bsc_asprintf("%.*s/%s", (int)(slash - L->file),
				    L->file, name)
		     : bsc_strdup(name);
	f = fopen(path, "r");
	if (!f) {
		bsc_status st = lerr(L, v, "dictionary %s: %s", path,
				     strerror(errno));

		free(path);
		return st;
	}
	while (fgets(line, sizeof(line), f)) {
		size_t len = strcspn(line, "\r\n");

		if (len == 0 || line[0] == '#')
			continue;
		r->dict.v = bsc_reallocarray(r->dict.v, n + 1, sizeof(char *));
		r->dict.v[n++] = dict_key(line, len);
	}
	fclose(f);
	free(path);
	r->dict.n = n;
	qsort(r->dict.v, n, sizeof(char *), cmp_strp);
	if (n == 0)
		return lerr(L, v, "dictionary '%s' is empty", name);
	return BSC_OK;
}

/* Lines of a data file next to the rule file ('#' comments; the first
 * word of each line). */
static bsc_status
load_words(struct loader *L, yaml_node_t *v, const char *key,
	   struct bsc_strlist *out)
{
	const char *name = scalar(v);
	const char *slash = strrchr(L->file, '/');
	char *path;
	FILE *f;
	char line[256];

	if (!name || !*name || strchr(name, '/'))
		return lerr(L, v, "'%s' must be a file name next to the rule "
				  "file", key);
	path = slash ? bsc_asprintf("%.*s/%s", (int)(slash - L->file),
				    L->file, name)
		     : bsc_strdup(name);
	f = fopen(path, "r");
	if (!f) {
		bsc_status st = lerr(L, v, "%s %s: %s", key, path,
				     strerror(errno));

		free(path);
		return st;
	}
	while (fgets(line, sizeof(line), f)) {
		size_t len = strcspn(line, " \t\r\n#");

		if (len == 0)
			continue;
		out->v = bsc_reallocarray(out->v, out->n + 1, sizeof(char *));
		out->v[out->n++] = bsc_strndup(line, len);
	}
	fclose(f);
	free(path);
	if (out->n == 0)
		return lerr(L, v, "%s '%s' is empty", key, name);
	return BSC_OK;
}

/* Each template with "{oid}" replaced by each OID of the table. */
static bsc_status
expand_oids(struct loader *L, yaml_node_t *m, struct bsc_rule *r,
	    const struct bsc_strlist *oids, const struct bsc_strlist *tpl)
{
	for (size_t t = 0; t < tpl->n; t++) {
		const char *mark = strstr(tpl->v[t], "{oid}");

		if (!mark)
			return lerr(L, m, "'oid_templates': '%s' has no {oid}",
				    tpl->v[t]);
		for (size_t i = 0; i < oids->n; i++) {
			char *e = bsc_asprintf("%.*s%s%s",
					       (int)(mark - tpl->v[t]),
					       tpl->v[t], oids->v[i],
					       mark + 5);

			if (r->kind == BSC_RULE_PATH) {
				for (char *c = e; *c; c++)
					if (*c == '.')
						*c = '_';
				bsc_vec_push(&r->paths,
					     bsc_path_pattern_new(e));
				free(e);
			} else {
				r->headers.v = bsc_reallocarray(
					r->headers.v, r->headers.n + 1,
					sizeof(char *));
				r->headers.v[r->headers.n++] =
					normalise_entry(e);
				free(e);
			}
		}
	}
	return BSC_OK;
}

/* A string or a list of strings, compiled as path patterns (path.h). */
static bsc_status
get_patterns(struct loader *L, yaml_node_t *v, const char *key,
	     struct bsc_vec *out)
{
	struct bsc_strlist raw = {0};
	bsc_status st = get_list(L, v, key, false, &raw);

	patterns_free(out);
	for (size_t i = 0; st == BSC_OK && i < raw.n; i++) {
		struct bsc_path_pattern *p = bsc_path_pattern_new(raw.v[i]);

		if (!p)
			st = lerr(L, v, "'%s': '%s' holds no token", key,
				  raw.v[i]);
		else
			bsc_vec_push(out, p);
	}
	strlist_free(&raw);
	return st;
}

static bool
is_name(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') ||
		      *s == '_'))
			return false;
	return true;
}

/* ---- categories ------------------------------------------------------- */

static bsc_status
load_category(struct loader *L, yaml_node_t *m)
{
	struct bsc_ruleset *rs = L->rs;
	struct bsc_category c = {0};
	bool have_class = false;
	yaml_node_pair_t *p;
	bsc_status st = BSC_OK;

	if (m->type != YAML_MAPPING_NODE)
		return lerr(L, m, "a category must be a mapping");
	for (p = m->data.mapping.pairs.start; p < m->data.mapping.pairs.top;
	     p++) {
		yaml_node_t *kn = node(L, p->key);
		yaml_node_t *v = node(L, p->value);
		const char *k = scalar(kn);
		const char *s = scalar(v);

		if (!k) {
			st = lerr(L, kn, "keys must be strings");
		} else if (!strcmp(k, "name")) {
			st = get_string(L, v, k, &c.name);
			if (st == BSC_OK && !is_name(c.name))
				st = lerr(L, v,
					  "category name '%s' must be "
					  "[a-z0-9_]",
					  c.name);
		} else if (!strcmp(k, "class")) {
			have_class = true;
			if (s && !strcmp(s, "identity"))
				c.cls = BSC_CLASS_IDENTITY;
			else if (s && !strcmp(s, "medical"))
				c.cls = BSC_CLASS_MEDICAL;
			else
				st = lerr(L, v,
					  "class must be identity or medical");
		} else if (!strcmp(k, "direct")) {
			st = get_bool(L, v, k, &c.direct);
		} else if (!strcmp(k, "mask")) {
			static const char *const names[] = {
				"generic", "email", "phone", "digits", "name"};
			size_t i;

			for (i = 0; s && i < BSC_ARRAY_SIZE(names); i++)
				if (!strcmp(s, names[i]))
					break;
			if (!s || i == BSC_ARRAY_SIZE(names))
				st = lerr(L, v,
					  "mask must be generic, email, "
					  "phone, digits or name");
			else
				c.mask = (enum bsc_mask_style)i;
		} else if (!strcmp(k, "care_signal")) {
			st = get_bool(L, v, k, &c.care_signal);
		} else if (!strcmp(k, "person_key")) {
			c.person_key = s ? bsc_person_role_from_name(s) : -1;
			if (c.person_key < 0)
				st = lerr(L, v,
					  "person_key must be nir, local_id, "
					  "last_name, first_name, birth_date, "
					  "email, phone, address or "
					  "professional_id");
		} else if (!strcmp(k, "severity")) {
			if (s && !strcmp(s, "pseudonymous"))
				c.severity = 1;
			else if (s && !strcmp(s, "contact"))
				c.severity = 2;
			else if (s && !strcmp(s, "strong"))
				c.severity = 3;
			else
				st = lerr(L, v,
					  "severity must be pseudonymous, "
					  "contact or strong");
		} else if (!strcmp(k, "label")) {
			st = get_string(L, v, k, &c.label);
		} else if (!strcmp(k, "label_fr")) {
			st = get_string(L, v, k, &c.label_fr);
		} else if (!strcmp(k, "description")) {
			st = get_string(L, v, k, &c.description);
		} else if (!strcmp(k, "risk")) {
			st = get_string(L, v, k, &c.risk);
		} else if (!strcmp(k, "action")) {
			st = get_string(L, v, k, &c.action);
		} else {
			st = lerr(L, kn, "unknown category key '%s'", k);
		}
		if (st != BSC_OK)
			goto out;
	}
	if (!c.name || !have_class) {
		st = lerr(L, m, "a category needs 'name' and 'class'");
		goto out;
	}
	if (!c.description || !*c.description || !c.risk || !*c.risk ||
	    !c.action || !*c.action) {
		st = lerr(L, m,
			  "category '%s' needs 'description', 'risk' and "
			  "'action': its help in SARIF and in reports "
			  "(patterns/README.md)",
			  c.name);
		goto out;
	}
	if (bsc_ruleset_category(rs, c.name) >= 0) {
		st = lerr(L, m, "category '%s' is defined twice", c.name);
		goto out;
	}
	if (rs->n_cats == BSC_MAX_CATEGORIES) {
		st = lerr(L, m, "too many categories (at most %d)",
			  BSC_MAX_CATEGORIES);
		goto out;
	}
	if (c.severity == 0)
		c.severity = c.direct ? 2 : 1; /* contact / pseudonymous */
	if (!c.label)
		c.label = bsc_strdup(c.name);
	if (!c.label_fr)
		c.label_fr = bsc_strdup(c.label);
	if (c.cls == BSC_CLASS_IDENTITY) {
		rs->identity_mask |= 1ull << rs->n_cats;
		if (c.direct)
			rs->direct_mask |= 1ull << rs->n_cats;
	} else {
		rs->medical_mask |= 1ull << rs->n_cats;
	}
	rs->cats[rs->n_cats++] = c;
	return BSC_OK;
out:
	free(c.name);
	free(c.label);
	free(c.label_fr);
	free(c.description);
	free(c.risk);
	free(c.action);
	return st;
}

/* ---- rules ------------------------------------------------------------ */

static bool
rule_id_taken(const struct bsc_ruleset *rs, const char *id)
{
	for (size_t i = 0; i < rs->rules.n; i++)
		if (!strcmp(((struct bsc_rule *)rs->rules.v[i])->id, id))
			return true;
	return false;
}

static bsc_status
parse_confidence(struct loader *L, yaml_node_t *v, enum bsc_confidence *out)
{
	const char *s = scalar(v);

	if (s && !strcmp(s, "high"))
		*out = BSC_CONF_HIGH;
	else if (s && !strcmp(s, "medium"))
		*out = BSC_CONF_MEDIUM;
	else if (s && !strcmp(s, "low"))
		*out = BSC_CONF_LOW;
	else
		return lerr(L, v, "confidence must be high, medium or low");
	return BSC_OK;
}

static bsc_status
parse_subject(struct loader *L, yaml_node_t *v, enum bsc_subject *out)
{
	const char *s = scalar(v);

	if (s && !strcmp(s, "patient"))
		*out = BSC_SUBJECT_PATIENT;
	else if (s && !strcmp(s, "professional"))
		*out = BSC_SUBJECT_PROFESSIONAL;
	else if (s && !strcmp(s, "related"))
		*out = BSC_SUBJECT_RELATED;
	else if (s && !strcmp(s, "organization"))
		*out = BSC_SUBJECT_ORGANIZATION;
	else if (s && !strcmp(s, "unknown"))
		*out = BSC_SUBJECT_UNKNOWN;
	else
		return lerr(L, v,
			    "subject must be patient, professional, related, "
			    "organization or unknown");
	return BSC_OK;
}

static bsc_status
compile_pattern(struct loader *L, yaml_node_t *v, struct bsc_rule *r)
{
	uint32_t opts = PCRE2_UTF | PCRE2_MATCH_INVALID_UTF;
	int errcode = 0;
	PCRE2_SIZE erroff = 0;
	pcre2_code *re;

	if (r->caseless)
		opts |= PCRE2_CASELESS;
	re = pcre2_compile((PCRE2_SPTR)r->pattern, PCRE2_ZERO_TERMINATED, opts,
			   &errcode, &erroff, NULL);
	if (!re) {
		PCRE2_UCHAR msg[256];

		pcre2_get_error_message(errcode, msg, sizeof(msg));
		return lerr(L, v, "rule '%s': pattern does not compile at "
				  "offset %zu: %s",
			    r->id, (size_t)erroff, (const char *)msg);
	}
	/* JIT is an optimisation: without it matching still works. */
	r->jit = pcre2_jit_compile(re, PCRE2_JIT_COMPLETE) == 0;
	r->re = re;
	return BSC_OK;
}

/* File the rule's keywords under their first byte so that one pass over a
 * cell finds the keywords of every rule (bsc_cell_info_rs). Rules past
 * BSC_KW_RULES_MAX, or with an empty keyword, keep the per-rule scan. */
static void
index_keywords(struct bsc_ruleset *rs, struct bsc_rule *r)
{
	r->kw_index = -1;
	if (r->keywords.n == 0 || rs->n_kw_rules >= BSC_KW_RULES_MAX)
		return;
	for (size_t j = 0; j < r->keywords.n; j++)
		if (!r->keywords.v[j][0])
			return;
	r->kw_index = (int)rs->n_kw_rules++;
	for (size_t j = 0; j < r->keywords.n; j++) {
		unsigned char f = (unsigned char)r->keywords.v[j][0];
		struct bsc_kwent *e;

		rs->kw_by_first[f] = bsc_reallocarray(rs->kw_by_first[f],
						      rs->kw_n[f] + 1,
						      sizeof(*e));
		e = &rs->kw_by_first[f][rs->kw_n[f]++];
		e->kw = r->keywords.v[j];
		e->len = strlen(e->kw);
		e->index = (unsigned)r->kw_index;
	}
}

static bsc_status
load_rule(struct loader *L, yaml_node_t *m)
{
	struct bsc_ruleset *rs = L->rs;
	struct bsc_rule *r = bsc_zalloc(sizeof(*r));
	yaml_node_t *pattern_node = NULL, *validator_node = NULL;
	yaml_node_t *on_node = NULL;
	char *category = NULL, *kind = NULL, *evidence = NULL;
	char *validator = NULL;
	bool have_conf = false, have_subject = false;
	struct bsc_strlist oids = {0}, oid_tpl = {0};
	yaml_node_pair_t *p;
	bsc_status st = BSC_OK;
	double d;

	r->file = bsc_strdup(L->file);
	r->line = node_line(m);
	r->category = -1;
	r->validator = -1;
	r->min_share = 0.5;
	r->confidence = BSC_CONF_MEDIUM;
	if (m->type != YAML_MAPPING_NODE) {
		st = lerr(L, m, "a rule must be a mapping");
		goto out;
	}
	for (p = m->data.mapping.pairs.start; p < m->data.mapping.pairs.top;
	     p++) {
		yaml_node_t *kn = node(L, p->key);
		yaml_node_t *v = node(L, p->value);
		const char *k = scalar(kn);

		if (!k)
			st = lerr(L, kn, "keys must be strings");
		else if (!strcmp(k, "id"))
			st = get_string(L, v, k, &r->id);
		else if (!strcmp(k, "category"))
			st = get_string(L, v, k, &category);
		else if (!strcmp(k, "kind"))
			st = get_string(L, v, k, &kind);
		else if (!strcmp(k, "pattern")) {
			pattern_node = v;
			st = get_string(L, v, k, &r->pattern);
		} else if (!strcmp(k, "caseless"))
			st = get_bool(L, v, k, &r->caseless);
		else if (!strcmp(k, "validator")) {
			validator_node = v;
			st = get_string(L, v, k, &validator);
		} else if (!strcmp(k, "keywords")) {
			st = get_list(L, v, k, false, &r->keywords);
			/* matched against an ASCII-lower-cased cell */
			for (size_t j = 0; j < r->keywords.n; j++)
				for (char *c = r->keywords.v[j]; *c; c++)
					if (*c >= 'A' && *c <= 'Z')
						*c = (char)(*c + 32);
		}
		else if (!strcmp(k, "min_digits")) {
			st = get_number(L, v, k, 0, 64, &d);
			r->min_digits = (unsigned)d;
		} else if (!strcmp(k, "evidence"))
			st = get_string(L, v, k, &evidence);
		else if (!strcmp(k, "min_share"))
			st = get_number(L, v, k, 0, 1, &r->min_share);
		else if (!strcmp(k, "context"))
			st = get_list(L, v, k, true, &r->context);
		else if (!strcmp(k, "context_required"))
			st = get_bool(L, v, k, &r->context_required);
		else if (!strcmp(k, "confidence")) {
			have_conf = true;
			st = parse_confidence(L, v, &r->confidence);
		} else if (!strcmp(k, "subject")) {
			have_subject = true;
			st = parse_subject(L, v, &r->subject);
		} else if (!strcmp(k, "headers"))
			st = get_list(L, v, k, true, &r->headers);
		else if (!strcmp(k, "tokens"))
			st = get_list(L, v, k, true, &r->tokens);
		else if (!strcmp(k, "not_tokens"))
			st = get_list(L, v, k, true, &r->not_tokens);
		else if (!strcmp(k, "file_tokens"))
			st = get_list(L, v, k, true, &r->file_tokens);
		else if (!strcmp(k, "not_file_tokens"))
			st = get_list(L, v, k, true, &r->not_file_tokens);
		else if (!strcmp(k, "exclusive"))
			st = get_bool(L, v, k, &r->exclusive);
		else if (!strcmp(k, "paths"))
			st = get_patterns(L, v, k, &r->paths);
		else if (!strcmp(k, "requires"))
			st = get_patterns(L, v, k, &r->requires);
		else if (!strcmp(k, "not_paths"))
			st = get_patterns(L, v, k, &r->not_paths);
		else if (!strcmp(k, "priority")) {
			st = get_number(L, v, k, -1000, 1000, &d);
			r->priority = (int)d;
		} else if (!strcmp(k, "examples"))
			st = get_list(L, v, k, false, &r->examples);
		else if (!strcmp(k, "not_examples"))
			st = get_list(L, v, k, false, &r->not_examples);
		else if (!strcmp(k, "flag"))
			st = get_string(L, v, k, &r->flag);
		else if (!strcmp(k, "label"))
			st = get_string(L, v, k, &r->label);
		else if (!strcmp(k, "label_fr"))
			st = get_string(L, v, k, &r->label_fr);
		else if (!strcmp(k, "on")) {
			struct bsc_strlist on = {0};

			on_node = v;
			st = get_list(L, v, k, false, &on);
			for (size_t i = 0; st == BSC_OK && i < on.n; i++) {
				int c = bsc_ruleset_category(rs, on.v[i]);

				if (c < 0)
					st = lerr(L, v, "'on': unknown category "
							"'%s'",
						  on.v[i]);
				else
					r->on_mask |= 1ull << c;
			}
			strlist_free(&on);
		} else if (!strcmp(k, "note"))
			st = get_string(L, v, k, &r->note);
		else if (!strcmp(k, "oid_table"))
			st = load_words(L, v, k, &oids);
		else if (!strcmp(k, "oid_templates"))
			st = get_list(L, v, k, false, &oid_tpl);
		else if (!strcmp(k, "wording"))
			st = get_bool(L, v, k, &r->wording);
		else if (!strcmp(k, "corroborate"))
			st = get_bool(L, v, k, &r->corroborate);
		else if (!strcmp(k, "corroborate_file_tokens"))
			st = get_list(L, v, k, true, &r->corroborate_files);
		else if (!strcmp(k, "min_spread")) {
			st = get_number(L, v, k, 0, 36, &d);
			r->min_spread = (unsigned)d;
		}
		else if (!strcmp(k, "dictionary"))
			st = load_dictionary(L, v, r);
		else if (!strcmp(k, "description"))
			st = BSC_OK; /* documentation only */
		else
			st = lerr(L, kn, "unknown rule key '%s'", k);
		if (st != BSC_OK)
			goto out;
	}
	if (!r->id) {
		st = lerr(L, m, "a rule needs an 'id'");
		goto out;
	}
	if (rule_id_taken(rs, r->id)) {
		st = lerr(L, m, "rule id '%s' is used twice", r->id);
		goto out;
	}
	if (!kind) {
		st = lerr(L, m, "rule '%s' needs a 'kind'", r->id);
		goto out;
	}
	if (!strcmp(kind, "value"))
		r->kind = BSC_RULE_VALUE;
	else if (!strcmp(kind, "header"))
		r->kind = BSC_RULE_HEADER;
	else if (!strcmp(kind, "subject"))
		r->kind = BSC_RULE_SUBJECT;
	else if (!strcmp(kind, "flag"))
		r->kind = BSC_RULE_FLAG;
	else if (!strcmp(kind, "placeholder"))
		r->kind = BSC_RULE_PLACEHOLDER;
	else if (!strcmp(kind, "path"))
		r->kind = BSC_RULE_PATH;
	else {
		st = lerr(L, m, "rule '%s': kind must be value, header, "
				"subject, path, flag or placeholder, not '%s'",
			  r->id, kind);
		goto out;
	}
	if (oids.n || oid_tpl.n) {
		if (!oids.n || !oid_tpl.n ||
		    (r->kind != BSC_RULE_PATH && r->kind != BSC_RULE_HEADER)) {
			st = lerr(L, m, "rule '%s': oid_table and oid_templates "
					"go together, in path or header rules",
				  r->id);
			goto out;
		}
		st = expand_oids(L, m, r, &oids, &oid_tpl);
		if (st != BSC_OK)
			goto out;
	}
	if ((r->requires.n || r->not_paths.n) && r->kind != BSC_RULE_PATH) {
		st = lerr(L, m, "rule '%s': requires and not_paths belong to "
				"path rules",
			  r->id);
		goto out;
	}
	if (r->paths.n && r->kind != BSC_RULE_PATH &&
	    r->kind != BSC_RULE_SUBJECT) {
		st = lerr(L, m, "rule '%s': paths belong to path and subject "
				"rules",
			  r->id);
		goto out;
	}
	if (r->kind == BSC_RULE_FLAG) {
		if (category || !r->flag || !r->label || !r->on_mask ||
		    !r->pattern) {
			st = lerr(L, m, "flag rule '%s' needs 'flag', 'label', "
					"'on' and 'pattern' (and no category)",
				  r->id);
			goto out;
		}
		if (!r->label_fr)
			r->label_fr = bsc_strdup(r->label);
		if (validator) {
			r->validator = bsc_validator_find(validator);
			if (r->validator < 0) {
				st = lerr(L, validator_node,
					  "rule '%s': unknown validator '%s'",
					  r->id, validator);
				goto out;
			}
		}
		st = compile_pattern(L, pattern_node, r);
		if (st != BSC_OK)
			goto out;
		(void)on_node;
	} else if (r->kind == BSC_RULE_SUBJECT) {
		if (category) {
			st = lerr(L, m, "rule '%s': subject rules take no "
					"category",
				  r->id);
			goto out;
		}
		if (!have_subject || r->subject == BSC_SUBJECT_UNKNOWN) {
			st = lerr(L, m, "rule '%s' needs a 'subject'", r->id);
			goto out;
		}
	} else if (r->kind == BSC_RULE_PLACEHOLDER) {
		if (category || have_conf || have_subject || evidence ||
		    validator) {
			st = lerr(L, m,
				  "rule '%s': placeholder rules take only "
				  "a pattern (and caseless)",
				  r->id);
			goto out;
		}
		if (!r->pattern) {
			st = lerr(L, m, "placeholder rule '%s' needs a "
					"'pattern'",
				  r->id);
			goto out;
		}
		st = compile_pattern(L, pattern_node, r);
		if (st != BSC_OK)
			goto out;
	} else if (r->kind == BSC_RULE_HEADER && category &&
		   !strcmp(category, "none")) {
		/* Names that hold codes or structure, not data. */
		r->category = -1;
		if (!have_conf)
			r->confidence = BSC_CONF_LOW;
	} else if (r->kind == BSC_RULE_PATH && category &&
		   !strcmp(category, "none")) {
		/* A known location that holds nothing to report. */
		r->category = -1;
	} else {
		if (!category) {
			st = lerr(L, m, "rule '%s' needs a 'category'", r->id);
			goto out;
		}
		r->category = bsc_ruleset_category(rs, category);
		if (r->category < 0) {
			st = lerr(L, m, "rule '%s': unknown category '%s' "
					"(see categories.yml)",
				  r->id, category);
			goto out;
		}
		if (!have_conf) {
			st = lerr(L, m, "rule '%s' needs a 'confidence'",
				  r->id);
			goto out;
		}
	}
	if (r->exclusive && r->kind != BSC_RULE_HEADER) {
		st = lerr(L, m, "rule '%s': exclusive belongs to header rules",
			  r->id);
		goto out;
	}
	if (r->kind == BSC_RULE_FLAG) {
		/* checked above */
	} else if (r->kind == BSC_RULE_VALUE) {
		if (!r->pattern) {
			st = lerr(L, m, "value rule '%s' needs a 'pattern'",
				  r->id);
			goto out;
		}
		if (evidence && !strcmp(evidence, "standalone"))
			r->evidence = BSC_EV_STANDALONE;
		else if (evidence && !strcmp(evidence, "column"))
			r->evidence = BSC_EV_COLUMN;
		else if (evidence && !strcmp(evidence, "confirm"))
			r->evidence = BSC_EV_CONFIRM;
		else {
			st = lerr(L, m,
				  "value rule '%s': evidence must be "
				  "standalone, column or confirm",
				  r->id);
			goto out;
		}
		if (validator) {
			r->validator = bsc_validator_find(validator);
			if (r->validator < 0) {
				st = lerr(L, validator_node,
					  "rule '%s': unknown validator '%s'",
					  r->id, validator);
				goto out;
			}
		}
		if (r->context_required && r->context.n == 0) {
			st = lerr(L, m, "rule '%s': context_required needs a "
					"'context' list",
				  r->id);
			goto out;
		}
		st = compile_pattern(L, pattern_node, r);
		if (st != BSC_OK)
			goto out;
	} else if (r->kind == BSC_RULE_PLACEHOLDER) {
		/* checked above */
	} else if (r->pattern || validator || evidence) {
		st = lerr(L, m, "rule '%s': pattern, validator and evidence "
				"belong to value rules",
			  r->id);
		goto out;
	} else if (r->kind == BSC_RULE_PATH) {
		if (r->paths.n == 0) {
			st = lerr(L, m, "path rule '%s' needs 'paths'", r->id);
			goto out;
		}
		if (r->headers.n || r->tokens.n || r->not_tokens.n) {
			st = lerr(L, m, "path rule '%s': use paths and "
					"not_paths, not headers or tokens",
				  r->id);
			goto out;
		}
	} else if (r->headers.n == 0 && r->tokens.n == 0 && r->paths.n == 0) {
		st = lerr(L, m, "rule '%s' needs 'headers', 'tokens' or "
				"'paths'",
			  r->id);
		goto out;
	}
	if (r->examples.n == 0 || r->not_examples.n == 0) {
		st = lerr(L, m, "rule '%s' needs 'examples' and "
				"'not_examples' (at least one each)",
			  r->id);
		goto out;
	}
	index_keywords(rs, r);
	bsc_vec_push(&rs->rules, r);
	switch (r->kind) {
	case BSC_RULE_VALUE:
		r->value_index = (unsigned)rs->value_rules.n;
		bsc_vec_push(&rs->value_rules, r);
		break;
	case BSC_RULE_HEADER:
		bsc_vec_push(&rs->header_rules, r);
		break;
	case BSC_RULE_SUBJECT:
		bsc_vec_push(&rs->subject_rules, r);
		break;
	case BSC_RULE_FLAG:
		bsc_vec_push(&rs->flag_rules, r);
		break;
	case BSC_RULE_PLACEHOLDER:
		bsc_vec_push(&rs->placeholder_rules, r);
		break;
	case BSC_RULE_PATH:
		bsc_vec_push(&rs->path_rules, r);
		break;
	}
	r = NULL;
out:
	free(category);
	free(kind);
	free(evidence);
	free(validator);
	strlist_free(&oids);
	strlist_free(&oid_tpl);
	rule_free(r);
	return st;
}

static bsc_status
load_seq(struct loader *L, yaml_node_t *v, const char *key,
	 bsc_status (*fn)(struct loader *, yaml_node_t *))
{
	yaml_node_item_t *it;

	if (v->type != YAML_SEQUENCE_NODE)
		return lerr(L, v, "'%s' must be a list", key);
	for (it = v->data.sequence.items.start; it < v->data.sequence.items.top;
	     it++) {
		bsc_status st = fn(L, node(L, *it));

		if (st != BSC_OK)
			return st;
	}
	return BSC_OK;
}

/* Feed a loaded rule file's bytes to the rules version. */
static void
digest_file(struct bsc_ruleset *rs, const char *path)
{
	FILE *f = fopen(path, "rb");
	char buf[8192];
	size_t n;

	if (!rs->digest) {
		rs->digest = EVP_MD_CTX_new();
		if (!rs->digest ||
		    !EVP_DigestInit_ex(rs->digest, EVP_sha256(), NULL))
			abort();
	}
	if (!f)
		return;
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
		EVP_DigestUpdate(rs->digest, buf, n);
	fclose(f);
}

void
bsc_ruleset_version(const struct bsc_ruleset *rs, char out[17])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int n = 0;
	EVP_MD_CTX *c;

	out[0] = '\0';
	if (!rs->digest)
		return;
	c = EVP_MD_CTX_new();
	if (!c || !EVP_MD_CTX_copy_ex(c, rs->digest))
		abort();
	EVP_DigestFinal_ex(c, md, &n);
	EVP_MD_CTX_free(c);
	for (int i = 0; i < 8; i++)
		snprintf(out + 2 * i, 3, "%02x", md[i]);
}

static bsc_status
load_file(struct bsc_ruleset *rs, struct bsc_ctx *ctx, const char *path)
{
	struct loader L = {.rs = rs, .ctx = ctx, .file = path};
	yaml_node_t *root;
	bsc_status st;

	st = bsc_yaml_open(&L.y, ctx, path);
	if (st != BSC_OK)
		goto out;
	root = bsc_yaml_root(&L.y);
	if (!root)
		goto out; /* empty file: nothing to load */
	if (root->type != YAML_MAPPING_NODE) {
		st = lerr(&L, root, "the top level must be a mapping with "
				    "'categories' and/or 'rules'");
		goto out;
	}
	for (yaml_node_pair_t *p = root->data.mapping.pairs.start;
	     p < root->data.mapping.pairs.top; p++) {
		yaml_node_t *kn = node(&L, p->key);
		yaml_node_t *v = node(&L, p->value);
		const char *k = scalar(kn);

		if (k && !strcmp(k, "categories"))
			st = load_seq(&L, v, k, load_category);
		else if (k && !strcmp(k, "rules"))
			st = load_seq(&L, v, k, load_rule);
		else
			st = lerr(&L, kn, "unknown top-level key '%s' "
					  "(expected categories or rules)",
				  k ? k : "?");
		if (st != BSC_OK)
			goto out;
	}
	bsc_vec_push(&rs->files, bsc_strdup(path));
	digest_file(rs, path);
out:
	bsc_yaml_close(&L.y);
	return st;
}

static bool
has_suffix(const char *s, const char *suf)
{
	size_t ls = strlen(s), lf = strlen(suf);

	return ls >= lf && !strcmp(s + ls - lf, suf);
}

/* Collect *.yml below dir, recursively. */
static void
collect(const char *dir, struct bsc_vec *out, int depth)
{
	struct dirent **ents = NULL;
	int n;

	if (depth > 16)
		return;
	n = scandir(dir, &ents, NULL, NULL);
	for (int i = 0; i < n; i++) {
		const char *name = ents[i]->d_name;
		char *path;
		struct stat stt;

		if (name[0] == '.') {
			free(ents[i]);
			continue;
		}
		path = bsc_asprintf("%s/%s", dir, name);
		if (stat(path, &stt) == 0 && S_ISDIR(stt.st_mode)) {
			collect(path, out, depth + 1);
			free(path);
		} else if (has_suffix(name, ".yml") ||
			   has_suffix(name, ".yaml")) {
			bsc_vec_push(out, path);
		} else {
			free(path);
		}
		free(ents[i]);
	}
	free(ents);
}

static int
cmp_catfirst(const void *a, const void *b)
{
	const char *x = *(const char *const *)a;
	const char *y = *(const char *const *)b;
	bool cx = has_suffix(x, "/categories.yml");
	bool cy = has_suffix(y, "/categories.yml");

	if (cx != cy)
		return cx ? -1 : 1;
	return strcmp(x, y);
}

/* The keyword index compiled again for the one-pass search (multi.c),
 * and the candidate selection over the value rules (plan.c). */
static void
build_multi(struct bsc_ruleset *rs)
{
	bsc_multi_free(rs->kwdb);
	rs->kwdb = bsc_multi_build(rs, ++rs->kw_gen);
	bsc_plan_free(rs->plan);
	rs->plan = bsc_plan_build(rs);
}

bsc_status
bsc_ruleset_load(struct bsc_ruleset *rs, struct bsc_ctx *ctx,
		 const char *path)
{
	struct stat stt;
	struct bsc_vec files = {0};
	bsc_status st = BSC_OK;

	if (stat(path, &stt) != 0)
		return bsc_set_error(ctx, BSC_FAILED, "%s: %s", path,
				     strerror(errno));
	if (!S_ISDIR(stt.st_mode)) {
		st = load_file(rs, ctx, path);
		build_multi(rs);
		return st;
	}
	collect(path, &files, 0);
	qsort(files.v, files.n, sizeof(char *), cmp_catfirst);
	if (files.n == 0)
		st = bsc_set_error(ctx, BSC_FAILED, "%s: no *.yml rule files",
				   path);
	for (size_t i = 0; i < files.n && st == BSC_OK; i++)
		st = load_file(rs, ctx, files.v[i]);
	for (size_t i = 0; i < files.n; i++)
		free(files.v[i]);
	bsc_vec_release(&files);
	build_multi(rs);
	return st;
}

static bool
is_dir(const char *p)
{
	struct stat stt;

	return p && stat(p, &stt) == 0 && S_ISDIR(stt.st_mode);
}

/*
 * The patterns installed next to the running binary, found from
 * /proc/self/exe and the configured bindir-to-datadir path: a package
 * unpacked anywhere (dpkg -x into a scratch root, an image, another
 * --prefix) uses its own rules, never those of a source tree that happens
 * to exist on the machine. Computed once; read-only afterwards.
 */
static char beside_exe[4096];
static pthread_once_t beside_once = PTHREAD_ONCE_INIT;

static void
find_beside_exe(void)
{
	char exe[4096];
	ssize_t n;
	char *slash;

	if (!*BSC_PATTERNS_FROM_BINDIR)
		return;
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n <= 0)
		return;
	exe[n] = '\0';
	slash = strrchr(exe, '/');
	if (!slash)
		return;
	*slash = '\0';
	if ((size_t)snprintf(beside_exe, sizeof(beside_exe), "%s/%s", exe,
			     BSC_PATTERNS_FROM_BINDIR) >= sizeof(beside_exe) ||
	    !is_dir(beside_exe)) {
		beside_exe[0] = '\0';
		return;
	}
	/* Shown in messages: /usr/share/..., not /usr/bin/../share/... */
	if (realpath(beside_exe, exe) && strlen(exe) < sizeof(beside_exe))
		memcpy(beside_exe, exe, strlen(exe) + 1);
}

const char *
bsc_default_patterns_dir(void)
{
	const char *env = getenv("BSC_PATTERNS");

	if (env && *env)
		return env;
	pthread_once(&beside_once, find_beside_exe);
	if (beside_exe[0])
		return beside_exe;
	if (is_dir(BSC_PATTERNS_SOURCE))
		return BSC_PATTERNS_SOURCE;
	if (is_dir(BSC_PATTERNS_INSTALLED))
		return BSC_PATTERNS_INSTALLED;
	return NULL;
}

const char **
bsc_ruleset_names(const struct bsc_ruleset *rs, uint64_t mask, size_t *n)
{
	const char **v = bsc_zalloc((rs->n_cats + 1) * sizeof(char *));

	*n = 0;
	for (size_t c = 0; c < rs->n_cats; c++)
		if (mask & (1ull << c))
			v[(*n)++] = rs->cats[c].name;
	qsort(v, *n, sizeof(char *), bsc_strcmp_ptr);
	return v;
}
