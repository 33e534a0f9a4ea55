/*
 * policy.c - the CI gate (after scope, before sinks): decides which
 * findings break the policy. A policy is an ordered list of path-glob
 * rules (allow / deny lists of classes, categories and "linked", each
 * optionally narrowed to a subject), ignores with a required reason, an
 * optional severity threshold and a baseline (baseline.c). The
 * first rule whose glob matches an item decides for it; with no matching
 * rule, any counted finding is a violation (the behaviour without a
 * policy). It never prints: sinks show the verdicts it sets.
 */
#include "policy.h"

#include <string.h>

#include "rules.h"
#include "severity.h"
#include "yamldoc.h"

/* One allow/deny entry: "identity", "medical", "linked" or a category,
 * optionally ":patient|professional|related|unknown". */
struct entry {
	char *what;
	int subject; /* -1: any */
};

struct prule {
	char *glob;
	char *name;  /* optional 'name' key */
	char *label; /* what a finding that breaks it names: the name,
		      * "rule N (GLOB)" or "--fail-on LIST" */
	char *file;  /* the policy file it comes from, or NULL */
	bool hit;    /* matched a scanned path (bsc_policy_seen) */
	bool has_allow;
	struct entry *allow;
	size_t n_allow;
	struct entry *deny;
	size_t n_deny;
	char *reason;
};

struct pignore {
	char *glob;
	char *category; /* NULL: the whole item */
	char *reason;
	char *file;     /* the policy file it comes from */
	bool hit;
};

struct bsc_policy {
	struct prule *rules;
	size_t n_rules;
	struct pignore *ignores;
	size_t n_ignores;
	int fail_severity; /* -1: off */
	char *sev_label;   /* "fail_on_severity LEVEL" */
	char *name;        /* the sources: "ci.yml, --fail-on medical";
			    * NULL: no policy */
	size_t n_file_rules; /* rules from files, for "rule N" */
	char **roots;        /* the scanned paths, for relative paths */
	size_t n_roots;
	struct bsc_baseline *baseline; /* --baseline, or NULL */
	double max_growth;             /* --max-growth, percent */
};

struct bsc_policy *
bsc_policy_new(void)
{
	struct bsc_policy *p = bsc_zalloc(sizeof(*p));

	p->fail_severity = -1;
	return p;
}

static void
entries_free(struct entry *e, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(e[i].what);
	free(e);
}

void
bsc_policy_free(struct bsc_policy *p)
{
	if (!p)
		return;
	for (size_t i = 0; i < p->n_rules; i++) {
		free(p->rules[i].glob);
		free(p->rules[i].name);
		free(p->rules[i].label);
		free(p->rules[i].file);
		entries_free(p->rules[i].allow, p->rules[i].n_allow);
		entries_free(p->rules[i].deny, p->rules[i].n_deny);
		free(p->rules[i].reason);
	}
	free(p->rules);
	for (size_t i = 0; i < p->n_ignores; i++) {
		free(p->ignores[i].glob);
		free(p->ignores[i].category);
		free(p->ignores[i].reason);
		free(p->ignores[i].file);
	}
	for (size_t i = 0; i < p->n_roots; i++)
		free(p->roots[i]);
	free(p->roots);
	free(p->ignores);
	free(p->sev_label);
	free(p->name);
	bsc_baseline_free(p->baseline);
	free(p);
}

void
bsc_policy_add_source(struct bsc_policy *p, const char *source)
{
	char *n = p->name ? bsc_asprintf("%s, %s", p->name, source)
			  : bsc_strdup(source);

	free(p->name);
	p->name = n;
}

const char *
bsc_policy_name(const struct bsc_policy *p)
{
	return p ? p->name : NULL;
}

/* ---- globs ------------------------------------------------------------ */

static bool
glob_at(const char *pat, const char *s)
{
	for (;;) {
		if (*pat == '\0')
			return *s == '\0';
		if (pat[0] == '*' && pat[1] == '*') {
			pat += 2;
			if (*pat == '/')
				pat++; /* "**" + "/" also matches no part */
			for (const char *t = s;; t++) {
				if (glob_at(pat, t))
					return true;
				if (*t == '\0')
					return false;
			}
		}
		if (*pat == '*') {
			pat++;
			for (const char *t = s;; t++) {
				if (glob_at(pat, t))
					return true;
				if (*t == '\0' || *t == '/')
					return false;
			}
		}
		if (*s == '\0')
			return false;
		if (*pat == '?') {
			if (*s == '/')
				return false;
		} else if (*pat != *s) {
			return false;
		}
		pat++;
		s++;
	}
}

bool
bsc_glob_match(const char *pattern, const char *path)
{
	char *norm = bsc_strdup(path);
	char *w = norm;
	bool ok;

	/* "a.zip!/b.csv" matches like "a.zip/b.csv"; "./x" like "x". */
	for (const char *r = path; *r; r++) {
		if (r[0] == '!' && r[1] == '/')
			continue;
		*w++ = *r;
	}
	*w = '\0';
	w = norm;
	while (w[0] == '.' && w[1] == '/')
		w += 2;
	ok = glob_at(pattern, w);
	free(norm);
	return ok;
}

/* ---- loading ---------------------------------------------------------- */

static int
subject_from(const char *s)
{
	static const char *const n[] = {"unknown", "patient", "professional",
					"related", "organization"};

	for (int i = 0; i < 5; i++)
		if (!strcmp(s, n[i]))
			return i;
	return -2;
}

/* Parse "what[:subject]" and check the name against the catalogue. */
static bool
parse_entry(struct bsc_ctx *ctx, const char *text, struct entry *e,
	    char *why, size_t whylen)
{
	const char *colon = strchr(text, ':');
	size_t n = colon ? (size_t)(colon - text) : strlen(text);

	e->what = bsc_strndup(text, n);
	e->subject = -1;
	if (colon) {
		e->subject = subject_from(colon + 1);
		if (e->subject < -1) {
			snprintf(why, whylen,
				 "unknown subject '%s' (use patient, "
				 "professional, related, organization or "
				 "unknown)",
				 colon + 1);
			return false;
		}
	}
	if (strcmp(e->what, "identity") && strcmp(e->what, "medical") &&
	    strcmp(e->what, "linked") &&
	    bsc_ruleset_category(bsc_ctx_rules(ctx), e->what) < 0) {
		snprintf(why, whylen,
			 "unknown category '%s' (use identity, medical, "
			 "linked or a name from 'breachscope rules list')",
			 e->what);
		return false;
	}
	return true;
}

static bsc_status
load_entries(struct bsc_yaml *y, yaml_node_t *v, const char *key,
	     struct entry **out, size_t *n)
{
	char **list = NULL;
	size_t count = 0;
	bsc_status st = bsc_yaml_strings(y, v, key, NULL, &list, &count);

	if (st != BSC_OK)
		return st;
	*out = bsc_zalloc((count ? count : 1) * sizeof(struct entry));
	*n = 0;
	for (size_t i = 0; i < count && st == BSC_OK; i++) {
		char why[256];

		if (!parse_entry(y->ctx, list[i], &(*out)[*n], why,
				 sizeof(why))) {
			free((*out)[*n].what);
			st = bsc_yaml_error(y, v, "%s: %s", key, why);
		} else {
			(*n)++;
		}
	}
	bsc_yaml_strings_free(list, count);
	return st;
}

static bsc_status
load_rule(struct bsc_policy *p, struct bsc_yaml *y, yaml_node_t *m)
{
	struct prule r = {0};
	bsc_status st = BSC_OK;

	if (m->type != YAML_MAPPING_NODE)
		return bsc_yaml_error(y, m, "a policy rule must be a mapping");
	for (yaml_node_pair_t *q = m->data.mapping.pairs.start;
	     q < m->data.mapping.pairs.top && st == BSC_OK; q++) {
		yaml_node_t *kn = bsc_yaml_node(y, q->key);
		yaml_node_t *v = bsc_yaml_node(y, q->value);
		const char *k = bsc_yaml_scalar(kn);
		const char *s = bsc_yaml_scalar(v);

		if (k && !strcmp(k, "path") && s) {
			free(r.glob);
			r.glob = bsc_strdup(s);
		} else if (k && !strcmp(k, "allow")) {
			r.has_allow = true;
			entries_free(r.allow, r.n_allow);
			r.allow = NULL;
			r.n_allow = 0; /* a repeated key (found by fuzzing) */
			st = load_entries(y, v, k, &r.allow, &r.n_allow);
		} else if (k && !strcmp(k, "deny")) {
			entries_free(r.deny, r.n_deny);
			r.deny = NULL;
			r.n_deny = 0;
			st = load_entries(y, v, k, &r.deny, &r.n_deny);
		} else if (k && !strcmp(k, "reason") && s) {
			free(r.reason);
			r.reason = bsc_strdup(s);
		} else if (k && !strcmp(k, "name") && s) {
			free(r.name);
			r.name = bsc_strdup(s);
		} else {
			st = bsc_yaml_error(y, kn,
					    "unknown policy rule key '%s' "
					    "(expected path, allow, deny, "
					    "reason, name)",
					    k ? k : "?");
		}
	}
	if (st == BSC_OK && !r.glob)
		st = bsc_yaml_error(y, m, "a policy rule needs a 'path' glob");
	if (st == BSC_OK && !r.has_allow && r.n_deny == 0)
		st = bsc_yaml_error(y, m,
				    "a policy rule needs 'allow' or 'deny'");
	if (st != BSC_OK) {
		free(r.glob);
		free(r.name);
		entries_free(r.allow, r.n_allow);
		entries_free(r.deny, r.n_deny);
		free(r.reason);
		return st;
	}
	p->rules = bsc_reallocarray(p->rules, p->n_rules + 1, sizeof(r));
	p->rules[p->n_rules++] = r;
	return BSC_OK;
}

static bsc_status
load_ignore(struct bsc_policy *p, struct bsc_yaml *y, yaml_node_t *m)
{
	struct pignore g = {0};
	bsc_status st = BSC_OK;

	if (m->type != YAML_MAPPING_NODE)
		return bsc_yaml_error(y, m, "an ignore must be a mapping");
	for (yaml_node_pair_t *q = m->data.mapping.pairs.start;
	     q < m->data.mapping.pairs.top && st == BSC_OK; q++) {
		yaml_node_t *kn = bsc_yaml_node(y, q->key);
		const char *k = bsc_yaml_scalar(kn);
		const char *s = bsc_yaml_scalar(bsc_yaml_node(y, q->value));
		char **slot = NULL;

		if (k && !strcmp(k, "path"))
			slot = &g.glob;
		else if (k && !strcmp(k, "category"))
			slot = &g.category;
		else if (k && !strcmp(k, "reason"))
			slot = &g.reason;
		if (!slot || !s) {
			st = bsc_yaml_error(y, kn,
					    "unknown ignore key '%s' (expected "
					    "path, category, reason)",
					    k ? k : "?");
			break;
		}
		free(*slot);
		*slot = bsc_strdup(s);
	}
	if (st == BSC_OK && !g.glob)
		st = bsc_yaml_error(y, m, "an ignore needs a 'path' glob");
	if (st == BSC_OK && (!g.reason || !*g.reason))
		st = bsc_yaml_error(y, m, "an ignore needs a 'reason': say "
					  "why this data may stay");
	if (st == BSC_OK && g.category &&
	    bsc_ruleset_category(bsc_ctx_rules(y->ctx), g.category) < 0)
		st = bsc_yaml_error(y, m, "ignore: unknown category '%s'",
				    g.category);
	if (st != BSC_OK) {
		free(g.glob);
		free(g.category);
		free(g.reason);
		return st;
	}
	p->ignores = bsc_reallocarray(p->ignores, p->n_ignores + 1, sizeof(g));
	p->ignores[p->n_ignores++] = g;
	return BSC_OK;
}

static bsc_status
load_list(struct bsc_policy *p, struct bsc_yaml *y, yaml_node_t *v,
	  const char *key,
	  bsc_status (*fn)(struct bsc_policy *, struct bsc_yaml *,
			   yaml_node_t *))
{
	if (v->type != YAML_SEQUENCE_NODE)
		return bsc_yaml_error(y, v, "'%s' must be a list", key);
	for (yaml_node_item_t *it = v->data.sequence.items.start;
	     it < v->data.sequence.items.top; it++) {
		bsc_status st = fn(p, y, bsc_yaml_node(y, *it));

		if (st != BSC_OK)
			return st;
	}
	return BSC_OK;
}

/* Name what the file at path added (rules from first on): "rule 2
 * (exports/stats/...) of ci.yml", or "rule 'stats' of ci.yml". */
static void
label_file_rules(struct bsc_policy *p, const char *path, size_t first,
		 bool severity)
{
	for (size_t i = first; i < p->n_rules; i++) {
		struct prule *r = &p->rules[i];

		p->n_file_rules++;
		r->file = bsc_strdup(path);
		r->label = r->name ? bsc_asprintf("rule '%s' of %s", r->name,
						  path)
				   : bsc_asprintf("rule %zu (%s) of %s",
						  p->n_file_rules, r->glob,
						  path);
	}
	for (size_t i = 0; i < p->n_ignores; i++)
		if (!p->ignores[i].file)
			p->ignores[i].file = bsc_strdup(path);
	if (severity) {
		free(p->sev_label);
		p->sev_label = bsc_asprintf(
			"fail_on_severity %s of %s",
			bsc_severity_name(p->fail_severity), path);
	}
	bsc_policy_add_source(p, path);
}

bsc_status
bsc_policy_load(struct bsc_policy *p, struct bsc_ctx *ctx, const char *path)
{
	struct bsc_yaml y;
	yaml_node_t *root;
	size_t first = p->n_rules;
	int sev = p->fail_severity;
	bsc_status st = bsc_yaml_open(&y, ctx, path);

	if (st != BSC_OK)
		goto out;
	root = bsc_yaml_root(&y);
	if (!root || root->type != YAML_MAPPING_NODE) {
		st = bsc_yaml_error(&y, root, "a policy is a mapping with "
					      "'rules' and/or 'ignore'");
		goto out;
	}
	for (yaml_node_pair_t *q = root->data.mapping.pairs.start;
	     q < root->data.mapping.pairs.top && st == BSC_OK; q++) {
		yaml_node_t *kn = bsc_yaml_node(&y, q->key);
		yaml_node_t *v = bsc_yaml_node(&y, q->value);
		const char *k = bsc_yaml_scalar(kn);

		if (k && !strcmp(k, "rules")) {
			st = load_list(p, &y, v, k, load_rule);
		} else if (k && !strcmp(k, "ignore")) {
			st = load_list(p, &y, v, k, load_ignore);
		} else if (k && !strcmp(k, "fail_on_severity")) {
			const char *s = bsc_yaml_scalar(v);
			int lvl = s ? bsc_severity_from_name(s) : -1;

			if (lvl < 0)
				st = bsc_yaml_error(
					&y, v,
					"fail_on_severity: unknown level "
					"(use none, pseudonymous, contact, "
					"strong, health, health_linked)");
			else
				bsc_policy_fail_on_severity(p, lvl);
		} else if (k && !strcmp(k, "version")) {
			const char *s = bsc_yaml_scalar(v);

			if (!s || strcmp(s, "1"))
				st = bsc_yaml_error(&y, v,
						    "unsupported policy "
						    "version (this is 1)");
		} else {
			st = bsc_yaml_error(&y, kn,
					    "unknown policy key '%s' "
					    "(expected version, rules, "
					    "ignore, fail_on_severity)",
					    k ? k : "?");
		}
	}
out:
	bsc_yaml_close(&y);
	if (st == BSC_OK)
		label_file_rules(p, path, first, sev != p->fail_severity);
	return st;
}

bsc_status
bsc_policy_fail_on(struct bsc_policy *p, struct bsc_ctx *ctx,
		   const char *spec)
{
	struct prule r = {0};
	char *copy = bsc_strdup(spec);
	char *save = NULL;

	r.glob = bsc_strdup("**");
	r.deny = bsc_zalloc(sizeof(struct entry) * (strlen(spec) + 1));
	for (char *t = strtok_r(copy, ",", &save); t;
	     t = strtok_r(NULL, ",", &save)) {
		char why[256];

		if (!parse_entry(ctx, t, &r.deny[r.n_deny], why, sizeof(why))) {
			free(r.deny[r.n_deny].what);
			entries_free(r.deny, r.n_deny);
			free(r.glob);
			free(copy);
			return bsc_set_error(ctx, BSC_FAILED, "--fail-on: %s",
					     why);
		}
		r.n_deny++;
	}
	free(copy);
	if (r.n_deny == 0) {
		entries_free(r.deny, 0);
		free(r.glob);
		return bsc_set_error(ctx, BSC_FAILED, "--fail-on: empty list");
	}
	r.reason = bsc_strdup("--fail-on");
	r.label = bsc_asprintf("--fail-on %s", spec);
	p->rules = bsc_reallocarray(p->rules, p->n_rules + 1, sizeof(r));
	p->rules[p->n_rules++] = r;
	bsc_policy_add_source(p, r.label);
	return BSC_OK;
}

void
bsc_policy_fail_on_severity(struct bsc_policy *p, int level)
{
	p->fail_severity = level;
	free(p->sev_label);
	p->sev_label = bsc_asprintf("--fail-on-severity %s",
				    bsc_severity_name(level));
}

bsc_status
bsc_policy_load_baseline(struct bsc_policy *p, struct bsc_ctx *ctx,
			 const char *path)
{
	struct bsc_baseline *b = bsc_baseline_load(ctx, path);

	if (!b)
		return BSC_FAILED;
	bsc_baseline_free(p->baseline);
	p->baseline = b;
	bsc_baseline_set_max_growth(b, p->max_growth);
	return BSC_OK;
}

void
bsc_policy_max_growth(struct bsc_policy *p, double pct)
{
	p->max_growth = pct;
	if (p->baseline)
		bsc_baseline_set_max_growth(p->baseline, pct);
}

bool
bsc_policy_item_growth(const struct bsc_policy *p,
		       struct bsc_item_report *rep)
{
	if (!p) {
		memset(&rep->growth, 0, sizeof(rep->growth));
		return false;
	}
	return bsc_baseline_item_growth(p->baseline, rep);
}

bool
bsc_policy_total_growth(const struct bsc_policy *p, struct bsc_run_summary *s)
{
	if (!p) {
		memset(&s->growth, 0, sizeof(s->growth));
		return false;
	}
	return bsc_baseline_total_growth(p->baseline, s);
}

/* ---- deciding --------------------------------------------------------- */

static bool
entry_hits(const struct entry *e, size_t n, const struct bsc_finding *f)
{
	const char *cls = f->cls == BSC_CLASS_MEDICAL ? "medical" : "identity";

	for (size_t i = 0; i < n; i++) {
		if (e[i].subject >= 0 && e[i].subject != (int)f->subject)
			continue;
		if (!strcmp(e[i].what, f->category) || !strcmp(e[i].what, cls))
			return true;
	}
	return false;
}

static bool
has_linked(const struct entry *e, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(e[i].what, "linked"))
			return true;
	return false;
}

void
bsc_policy_set_roots(struct bsc_policy *p, const char *const *paths,
		     size_t n)
{
	for (size_t i = 0; p && i < p->n_roots; i++)
		free(p->roots[i]);
	if (p)
		p->n_roots = 0; /* a new scan: its own roots and hits */
	for (size_t i = 0; p && i < p->n_rules; i++)
		p->rules[i].hit = false;
	for (size_t i = 0; p && i < p->n_ignores; i++)
		p->ignores[i].hit = false;
	for (size_t i = 0; p && i < n; i++) {
		if (!strcmp(paths[i], "-") || !paths[i][0])
			continue;
		p->roots = bsc_reallocarray(p->roots, p->n_roots + 1,
					    sizeof(char *));
		p->roots[p->n_roots++] = bsc_strdup(paths[i]);
	}
}

/*
 * The part of a report path under the scanned root it comes from (the
 * longest that prefixes it): "/srv/export/stats/a.csv" under
 * "/srv/export" is "stats/a.csv", "./stats/a.csv" under "." too. A file
 * named on the command line is its own name ("a.zip!/m.csv" for a member
 * of "dir/a.zip"). Returns a pointer into path or into *owned (freed by
 * the caller), or NULL when no root prefixes path.
 */
static const char *
rel_path(const struct bsc_policy *p, const char *path, char **owned)
{
	const char *best = NULL;
	size_t best_len = 0;

	*owned = NULL;
	for (size_t i = 0; i < p->n_roots; i++) {
		const char *r = p->roots[i];
		size_t n = strlen(r);

		if (n <= best_len || strncmp(path, r, n) ||
		    (r[n - 1] != '/' && path[n] != '/' && path[n] != '!' &&
		     path[n] != '\0'))
			continue;
		best = r;
		best_len = n;
	}
	if (!best)
		return NULL;
	if (best[best_len - 1] == '/')
		return path + best_len;
	if (path[best_len] == '/')
		return path + best_len + 1;
	/* A file operand, or a member of one: from its own name on. */
	{
		const char *slash = strrchr(best, '/');

		*owned = bsc_strdup(slash ? path + (slash - best) + 1 : path);
		return *owned;
	}
}

/* A policy glob matches the path relative to its root, or (as policies
 * written for the command line's paths expect) the path as shown. */
static bool
policy_match(const struct bsc_policy *p, const char *glob, const char *path)
{
	char *owned;
	const char *rel = rel_path(p, path, &owned);
	bool ok = (rel && bsc_glob_match(glob, rel)) ||
		  bsc_glob_match(glob, path);

	free(owned);
	return ok;
}

void
bsc_policy_seen(struct bsc_policy *p, const char *path)
{
	for (size_t i = 0; p && i < p->n_rules; i++)
		if (p->rules[i].file && !p->rules[i].hit)
			p->rules[i].hit = policy_match(p, p->rules[i].glob, path);
	for (size_t i = 0; p && i < p->n_ignores; i++)
		if (!p->ignores[i].hit)
			p->ignores[i].hit =
				policy_match(p, p->ignores[i].glob, path);
}

size_t
bsc_policy_unmatched(const struct bsc_policy *p, struct bsc_vec *out)
{
	size_t n0 = out->n, k = 0;

	for (size_t i = 0; p && i < p->n_rules; i++) {
		const struct prule *r = &p->rules[i];

		if (!r->file)
			continue;
		k++;
		if (!r->hit)
			bsc_vec_push(out, bsc_asprintf(
				"policy %s: rule %zu's path '%s' matches no "
				"scanned path (globs match paths relative to "
				"each scanned root)",
				r->file, k, r->glob));
	}
	for (size_t i = 0; p && i < p->n_ignores; i++)
		if (!p->ignores[i].hit)
			bsc_vec_push(out, bsc_asprintf(
				"policy %s: ignore %zu's path '%s' matches "
				"no scanned path (globs match paths relative "
				"to each scanned root)",
				p->ignores[i].file ? p->ignores[i].file : "?",
				i + 1, p->ignores[i].glob));
	return out->n - n0;
}

void
bsc_policy_apply(const struct bsc_policy *p, struct bsc_ctx *ctx,
		 struct bsc_item_report *rep, struct bsc_finding *findings,
		 int severity)
{
	const struct prule *r = NULL;
	bool linked_bad = false, severity_bad;
	size_t violations = 0;

	for (size_t i = 0; p && i < p->n_rules; i++) {
		if (policy_match(p, p->rules[i].glob, rep->path)) {
			r = &p->rules[i];
			break;
		}
	}
	if (r && rep->records_linked > 0)
		linked_bad = has_linked(r->deny, r->n_deny) ||
			     (r->has_allow && !has_linked(r->allow, r->n_allow));
	severity_bad = p && p->fail_severity > 0 &&
		       severity >= p->fail_severity;
	for (size_t i = 0; i < rep->n_findings; i++) {
		struct bsc_finding *f = &findings[i];
		bool bad;

		f->violation = false;
		f->suppressed = NULL;
		if (!bsc_finding_counted(f) ||
		    (int)f->confidence < ctx->min_confidence)
			continue; /* listed, never counted */
		for (size_t k = 0; p && k < p->n_ignores; k++) {
			const struct pignore *g = &p->ignores[k];

			if (policy_match(p, g->glob, rep->path) &&
			    (!g->category || !strcmp(g->category, f->category))) {
				f->suppressed = g->reason;
				break;
			}
		}
		if (!f->suppressed && p &&
		    bsc_baseline_has(p->baseline, f->fingerprint))
			f->suppressed = "baseline";
		if (f->suppressed)
			continue;
		f->violates = NULL;
		if (!r)
			bad = !(p && p->fail_severity > 0) ||
			      (severity_bad);
		else
			bad = entry_hits(r->deny, r->n_deny, f) ||
			      (r->has_allow &&
			       !entry_hits(r->allow, r->n_allow, f)) ||
			      (linked_bad && f->cls == BSC_CLASS_MEDICAL);
		if (bad && p && p->name)
			f->violates = r ? r->label
				      : severity_bad
					      ? p->sev_label
					      : "the default rule (no rule "
						"matches this path)";
		if (!bad && severity_bad) {
			bad = true;
			f->violates = p->name ? p->sev_label : NULL;
		}
		f->violation = bad;
		violations += bad;
	}
	rep->violations = violations;
}
