/*
 * detect.c - the value detector (detectors stage). For one rule and one
 * cell: keyword prefilter (one pass per cell for all rules), digit-count
 * prefilter, then PCRE2 (JIT, PCRE2_MATCH_INVALID_UTF so arbitrary bytes
 * are safe) and the rule's validator on each candidate match. It never
 * prints and never decides categories: scope.c aggregates its answers.
 */
#include "detect.h"

#include <ctype.h>
#include <string.h>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "header.h"
#include "multi.h"
#include "validate.h"

/* Candidate matches tried per cell before giving up (hostile cells). */
#define MAX_TRIES 64
/* PCRE2 backtracking budget per match call. */
#define MATCH_LIMIT 200000

void
bsc_cell_info(const char *s, size_t len, struct bsc_cell_info *info)
{
	unsigned d = 0;

	for (size_t i = 0; i < len; i++)
		d += (unsigned)(s[i] >= '0' && s[i] <= '9');
	info->digits = d;
	info->kw_valid = false;
}

/* The keyword bits from the compiled set (multi.c), any cell length. */
static bool
cell_keywords_multi(struct bsc_ctx *ctx, const struct bsc_ruleset *rs,
		    const char *s, size_t len, struct bsc_cell_info *info)
{
	if (!ctx->kw_scratch)
		ctx->kw_scratch = bsc_zalloc(sizeof(struct bsc_multi_scratch));
	memset(info->kw, 0, sizeof(info->kw));
	return bsc_multi_keywords(rs->kwdb, ctx->kw_scratch, s, len,
				  info->kw);
}

void
bsc_cell_info_rs(struct bsc_ctx *ctx, const struct bsc_ruleset *rs,
		 const char *s, size_t len, struct bsc_cell_info *info)
{
	char low[BSC_CELL_LOWER_MAX];

	bsc_cell_info(s, len, info);
	if (rs->kwdb && cell_keywords_multi(ctx, rs, s, len, info)) {
		info->kw_valid = true;
		return;
	}
	if (len > sizeof(low))
		return; /* too long: each rule scans for its own keywords */
	for (size_t i = 0; i < len; i++)
		low[i] = (s[i] >= 'A' && s[i] <= 'Z') ? (char)(s[i] + 32) : s[i];
	memset(info->kw, 0, sizeof(info->kw));
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)low[i];
		const struct bsc_kwent *e = rs->kw_by_first[c];

		for (size_t k = 0; k < rs->kw_n[c]; k++)
			if (e[k].len <= len - i &&
			    !memcmp(low + i, e[k].kw, e[k].len))
				info->kw[e[k].index >> 6] |= 1ull
							      << (e[k].index & 63);
	}
	info->kw_valid = true;
}

static void
ensure_match(struct bsc_ctx *ctx)
{
	if (ctx->match_data)
		return;
	ctx->match_data = pcre2_match_data_create(32, NULL);
	ctx->match_ctx = pcre2_match_context_create(NULL);
	ctx->jit_stack = pcre2_jit_stack_create(32 * 1024, 1024 * 1024, NULL);
	if (!ctx->match_data || !ctx->match_ctx || !ctx->jit_stack) {
		fprintf(stderr, "breachscope: out of memory (pcre2)\n");
		abort();
	}
	pcre2_jit_stack_assign(ctx->match_ctx, NULL, ctx->jit_stack);
	pcre2_set_match_limit(ctx->match_ctx, MATCH_LIMIT);
	pcre2_set_depth_limit(ctx->match_ctx, 10000);
}

/* Keyword prefilter: the rule's bit from the cell's one keyword pass
 * (bsc_cell_info_rs), else a case-insensitive scan per keyword (a cell
 * too long for that pass, a rule outside the index, a caller without
 * the rule set). */
static bool
keywords_ok(const struct bsc_rule *r, const char *s, size_t len,
	    const struct bsc_cell_info *info)
{
	if (r->keywords.n == 0)
		return true;
	if (info->kw_valid && r->kw_index >= 0)
		return (info->kw[r->kw_index >> 6] >> (r->kw_index & 63)) & 1;
	for (size_t k = 0; k < r->keywords.n; k++)
		if (bsc_ascii_icontains(s, len, r->keywords.v[k]))
			return true;
	return false;
}

static int
cmp_key(const void *key, const void *elem)
{
	return strcmp(key, *(char *const *)elem);
}

/*
 * Is the match a dictionary word, or made only of dictionary words
 * ("Jean-Pierre", "Le Gall" as "le gall" when listed whole)? No
 * allocation unless the match is longer than 255 bytes.
 */
static bool
in_dictionary(const struct bsc_rule *r, const char *s, size_t len)
{
	char buf[1536];
	char *norm = bsc_header_normalise_buf(s, len, buf, sizeof(buf));
	char *heap = norm ? NULL : bsc_header_normalise(s, len);
	char whole[128];
	size_t w = 0;
	bool ok = true, any = false;

	if (heap)
		norm = heap;
	for (const char *p = norm; *p && w + 1 < sizeof(whole); p++)
		if (*p != '_')
			whole[w++] = *p;
	whole[w] = '\0';
	if (w && bsearch(whole, r->dict.v, r->dict.n, sizeof(char *),
			 cmp_key)) {
		free(heap);
		return true;
	}
	for (char *save = NULL, *t = strtok_r(norm, "_", &save); t;
	     t = strtok_r(NULL, "_", &save)) {
		any = true;
		if (!bsearch(t, r->dict.v, r->dict.n, sizeof(char *), cmp_key))
			ok = false;
	}
	free(heap);
	return any && ok;
}

bool
bsc_detect_value(struct bsc_ctx *ctx, const struct bsc_rule *r,
		 const char *s, size_t len, const struct bsc_cell_info *info,
		 size_t *off, size_t *mlen)
{
	struct bsc_cell_info local;
	PCRE2_SIZE start = 0;

	if (!r->re)
		return false;
	if (!info) {
		bsc_cell_info(s, len, &local);
		info = &local;
	}
	if (info->digits < r->min_digits || !keywords_ok(r, s, len, info))
		return false;
	ensure_match(ctx);
	for (int tries = 0; tries < MAX_TRIES && start <= len; tries++) {
		PCRE2_SIZE *ov;
		/* pcre2_jit_match skips pcre2_match's per-call checks; the
		 * pattern was compiled with JIT when r->jit is set. */
		int rc = r->jit ? pcre2_jit_match(r->re, (PCRE2_SPTR)s, len,
						  start, 0, ctx->match_data,
						  ctx->match_ctx)
				: pcre2_match(r->re, (PCRE2_SPTR)s, len, start, 0,
					      ctx->match_data, ctx->match_ctx);

		if (rc < 0)
			return false; /* no match, or a limit was hit */
		ov = pcre2_get_ovector_pointer(ctx->match_data);
		if (ov[1] < ov[0])
			return false; /* \K games: refuse */
		if ((r->validator < 0 ||
		     bsc_validator_run(r->validator, s + ov[0],
				       ov[1] - ov[0])) &&
		    (r->dict.n == 0 ||
		     in_dictionary(r, s + ov[0], ov[1] - ov[0]))) {
			if (off)
				*off = ov[0];
			if (mlen)
				*mlen = ov[1] - ov[0];
			return true;
		}
		/* Try again after the start of this candidate. */
		start = ov[0] + 1;
		while (start < len && ((unsigned char)s[start] & 0xC0) == 0x80)
			start++;
	}
	return false;
}
