/*
 * test_public_header.c - include/breachscope.h must compile on its own
 * with -std=c11 -pedantic -Werror (built, not run: a build-time check).
 */
#include "breachscope.h"

int
main(void)
{
	struct bsc_limits l;

	bsc_limits_default(&l);
	return l.max_field > 0 ? 0 : 1;
}
