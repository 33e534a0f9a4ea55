/*
 * main.c - the breachscope executable: parse the command line, run the
 * command, exit with its code. Everything else lives in the library.
 */
#include <signal.h>
#include <stdio.h>

#include "cli.h"

int
main(int argc, char **argv)
{
	struct bsc_cli cli;
	int rc;

	/* A closed pipe on stdout is not an error worth a signal death. */
	signal(SIGPIPE, SIG_IGN);
	rc = bsc_cli_parse(&cli, argc, argv, stderr);
	if (rc == 0)
		rc = bsc_cli_run(&cli);
	bsc_cli_release(&cli);
	return rc;
}
