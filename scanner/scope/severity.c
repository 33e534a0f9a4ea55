/*
 * severity.c - turns an item's categories into a level on the severity
 * scale (scope stage, used by reports and the CI gate). Which identity
 * category is "pseudonymous", "contact" or "strong" is data
 * (categories.yml `severity`); the one combination rule lives here: a
 * birth date together with a name is strong identity.
 */
#include "severity.h"

#include <string.h>

static const char *const names[] = {
	"none", "pseudonymous", "contact", "strong", "health", "health_linked",
};

const char *
bsc_severity_name(int level)
{
	if (level < 0 || (size_t)level >= BSC_ARRAY_SIZE(names))
		return "none";
	return names[level];
}

int
bsc_severity_from_name(const char *name)
{
	for (size_t i = 0; i < BSC_ARRAY_SIZE(names); i++)
		if (!strcmp(names[i], name))
			return (int)i;
	return -1;
}

static bool
has(const char *const *v, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(v[i], name))
			return true;
	return false;
}

enum bsc_severity
bsc_item_severity(const struct bsc_ruleset *rs,
		  const struct bsc_item_report *rep)
{
	int level = BSC_SEV_NONE;

	if (rep->records_linked > 0)
		return BSC_SEV_HEALTH_LINKED;
	if (rep->n_medical > 0)
		return BSC_SEV_HEALTH;
	for (size_t i = 0; i < rep->n_identity; i++) {
		int c = bsc_ruleset_category(rs, rep->identity[i]);
		int l = c >= 0 ? rs->cats[c].severity : BSC_SEV_PSEUDONYMOUS;

		if (l > level)
			level = l;
	}
	if (level < BSC_SEV_STRONG &&
	    has(rep->identity, rep->n_identity, "birth_date") &&
	    (has(rep->identity, rep->n_identity, "last_name") ||
	     has(rep->identity, rep->n_identity, "first_name")))
		level = BSC_SEV_STRONG;
	return (enum bsc_severity)level;
}
