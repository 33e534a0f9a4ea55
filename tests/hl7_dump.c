/*
 * hl7_dump.c - a test helper, not a test: prints every value the HL7 v2
 * splitter (format_hl7.c) finds in a file, one per line, as
 * "message<TAB>segment<TAB>field<TAB>repetition<TAB>component<TAB>
 * subcomponent<TAB>slot<TAB>value". Segments end at CR, LF or MLLP bytes,
 * separators come from each MSH / FHS / BHS, as in the reader; batch
 * envelope segments are not printed. check_hl7_oracle.py compares this
 * with python3-hl7's parse of the same file.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "format_hl7.h"

struct state {
	unsigned msg;
};

static void
emit(void *data, const struct bsc_hl7_loc *loc, const char *v, size_t len)
{
	struct state *st = data;

	printf("%u\t%s\t%u\t%u\t%u\t%u\t%s\t", st->msg, loc->seg, loc->field,
	       loc->rep, loc->comp ? loc->comp : 1, loc->sub ? loc->sub : 1,
	       loc->slot);
	for (size_t i = 0; i < len; i++)
		putchar(v[i] == '\t' || v[i] == '\n' || v[i] == '\r' ? ' '
								     : v[i]);
	putchar('\n');
}

int
main(int argc, char **argv)
{
	struct bsc_hl7_delims d = BSC_HL7_DELIMS_DEFAULT;
	struct state st = {0};
	FILE *f;
	char *buf;
	long n;

	if (argc != 2) {
		fprintf(stderr, "usage: hl7_dump FILE\n");
		return 2;
	}
	f = fopen(argv[1], "rb");
	if (!f || fseek(f, 0, SEEK_END) || (n = ftell(f)) < 0 ||
	    fseek(f, 0, SEEK_SET)) {
		perror(argv[1]);
		return 2;
	}
	buf = malloc((size_t)n + 1);
	if (!buf || fread(buf, 1, (size_t)n, f) != (size_t)n) {
		perror(argv[1]);
		return 2;
	}
	fclose(f);
	for (long i = 0; i < n;) {
		long e = i;
		char *s = buf + i;

		while (e < n && !strchr("\r\n\x0b\x1c", buf[e]))
			e++;
		if (e > i) {
			size_t len = (size_t)(e - i);

			if (len >= 3 && (!memcmp(s, "MSH", 3) ||
					 !memcmp(s, "FHS", 3) ||
					 !memcmp(s, "BHS", 3)))
				bsc_hl7_delims_parse(s, len, &d);
			if (len >= 3 && !memcmp(s, "MSH", 3))
				st.msg++;
			if (len < 3 || !(!memcmp(s, "FHS", 3) ||
					 !memcmp(s, "BHS", 3) ||
					 !memcmp(s, "BTS", 3) ||
					 !memcmp(s, "FTS", 3)))
				bsc_hl7_split_segment(s, len, &d, emit, &st);
		}
		i = e + 1;
	}
	free(buf);
	return 0;
}
