/*
 * severity.h - the severity scale of an item or a run (scope stage), from
 * the categories found and their linkage. See README "Severity".
 */
#ifndef BSC_SEVERITY_H
#define BSC_SEVERITY_H
#ifndef BSC_INTERNAL
#error "scanner-internal header"
#endif

#include "breachscope.h"
#include "rules.h"

/* Lowest first; a run's severity is the highest of its items. */
enum bsc_severity {
	BSC_SEV_NONE = 0,      /* nothing personal or medical */
	BSC_SEV_PSEUDONYMOUS,  /* indirect identifiers only (ids, age, sex) */
	BSC_SEV_CONTACT,       /* names, phones, e-mails, addresses */
	BSC_SEV_STRONG,        /* NIR/INS, IBAN, or name + birth date */
	BSC_SEV_HEALTH,        /* medical data, no direct identifier with it */
	BSC_SEV_HEALTH_LINKED  /* health data linked to identified persons */
};

/* Severity of one item from its unions and linked-record count. */
enum bsc_severity bsc_item_severity(const struct bsc_ruleset *rs,
				    const struct bsc_item_report *rep);

/* Names used in reports and by --fail-on-severity. Static strings. */
const char *bsc_severity_name(int level);
/* The level called name, or -1. */
int bsc_severity_from_name(const char *name);

#endif
