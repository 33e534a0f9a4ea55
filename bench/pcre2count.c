/*
 * pcre2count.c - the "C + PCRE2-JIT" baseline of bench/run: counts the
 * lines of its inputs (files, or standard input) that match at least one
 * of the patterns in PATTERNS_FILE (one per line), joined as rg joins
 * its -e patterns, (?:P1)|(?:P2)|..., compiled once with UTF and
 * MATCH_INVALID_UTF, JIT-matched line by line. Not part of breachscope.
 *
 * usage: pcre2count PATTERNS_FILE [FILE...]
 */
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CHUNK (1 << 20)

static pcre2_code *
compile(const char *path)
{
	FILE *f = fopen(path, "r");
	char line[65536];
	size_t cap = 1 << 16, n = 0;
	char *re = malloc(cap);
	int err;
	PCRE2_SIZE off;
	pcre2_code *code;

	if (!f || !re) {
		perror(path);
		exit(2);
	}
	while (fgets(line, sizeof(line), f)) {
		size_t l = strcspn(line, "\r\n");

		if (!l)
			continue;
		while (n + l + 8 > cap)
			re = realloc(re, cap *= 2);
		n += (size_t)sprintf(re + n, "%s(?:%.*s)", n ? "|" : "",
				     (int)l, line);
	}
	fclose(f);
	code = pcre2_compile((PCRE2_SPTR)re, n,
			     PCRE2_UTF | PCRE2_MATCH_INVALID_UTF, &err, &off,
			     NULL);
	if (!code) {
		fprintf(stderr, "pcre2count: pattern error %d at %zu\n", err,
			(size_t)off);
		exit(2);
	}
	pcre2_jit_compile(code, PCRE2_JIT_COMPLETE);
	free(re);
	return code;
}

static unsigned long long
count(FILE *in, pcre2_code *code, pcre2_match_data *md)
{
	static char buf[CHUNK * 2];
	size_t have = 0, r;
	unsigned long long lines = 0;

	while ((r = fread(buf + have, 1, sizeof(buf) - have, in)) > 0 ||
	       have) {
		size_t len = have + r, pos = 0, end = len;
		int eof = r == 0;

		if (!eof) {
			while (end > 0 && buf[end - 1] != '\n')
				end--;
			if (end == 0)
				end = len; /* a line longer than the buffer */
		}
		while (pos < end) {
			char *nl = memchr(buf + pos, '\n', end - pos);
			size_t le = nl ? (size_t)(nl - buf) : end;

			if (pcre2_jit_match(code, (PCRE2_SPTR)buf + pos,
					    le - pos, 0, 0, md, NULL) >= 0)
				lines++;
			pos = le + 1;
		}
		have = len - (end < len ? end : len);
		memmove(buf, buf + len - have, have);
		if (eof)
			break;
	}
	return lines;
}

int
main(int argc, char **argv)
{
	pcre2_code *code;
	pcre2_match_data *md;
	unsigned long long n = 0;

	if (argc < 2) {
		fprintf(stderr, "usage: pcre2count PATTERNS_FILE [FILE...]\n");
		return 2;
	}
	code = compile(argv[1]);
	md = pcre2_match_data_create_from_pattern(code, NULL);
	if (argc == 2)
		n = count(stdin, code, md);
	for (int i = 2; i < argc; i++) {
		FILE *f = fopen(argv[i], "rb");

		if (!f) {
			perror(argv[i]);
			return 2;
		}
		n += count(f, code, md);
		fclose(f);
	}
	printf("%llu\n", n);
	return 0;
}
