/*
 * docpath.c - location paths for the structured readers (reader stage,
 * shared by format_xml.c and format_json.c). It keeps the path of the
 * current element as a stack of bounded components, names slots from it,
 * and emits values in max_field pieces. It never classifies: names and
 * qualifiers are copied from the document, cut to fixed sizes on UTF-8
 * boundaries so that hostile names cannot grow memory or break reports.
 */
#include "docpath.h"

#include <string.h>

#include "util.h"

void
bsc_docpath_init(struct bsc_docpath *dp, size_t max_depth)
{
	memset(dp, 0, sizeof(*dp));
	dp->max_depth = max_depth;
	dp->frames = bsc_zalloc((max_depth + 2) * sizeof(*dp->frames));
	/* Each frame adds at most '/' name '[' qual ']'. */
	bsc_buf_init(
	    &dp->path,
	    (max_depth + 1) * (BSC_DOCPATH_NAME + BSC_DOCPATH_QUAL + 4) + 16);
	bsc_buf_add(&dp->path, "", 0);
}

void
bsc_docpath_free(struct bsc_docpath *dp)
{
	free(dp->frames);
	bsc_buf_free(&dp->path);
	memset(dp, 0, sizeof(*dp));
}

/* Copy at most cap bytes of s, cut on a UTF-8 boundary, dropping the
 * characters that would break the path syntax ('/', '[', ']'). */
static void
copy_part(char *dst, size_t cap, const char *s, size_t len, bool qual)
{
	size_t o = 0;

	if (len > cap) {
		len = cap;
		while (len > 0 && ((unsigned char)s[len] & 0xC0) == 0x80)
			len--;
	}
	for (size_t i = 0; i < len; i++) {
		char c = s[i];

		if (c == '[' || c == ']' || (!qual && c == '/'))
			continue;
		if ((unsigned char)c < 0x20)
			c = ' ';
		dst[o++] = c;
	}
	dst[o] = '\0';
}

static void
append_frame(struct bsc_docpath *dp, struct bsc_docpath_frame *fr)
{
	fr->start = dp->path.len;
	if (!fr->shown)
		return;
	bsc_buf_addc(&dp->path, '/');
	bsc_buf_add(&dp->path, fr->name, strlen(fr->name));
	if (fr->qual[0]) {
		bsc_buf_addc(&dp->path, '[');
		bsc_buf_add(&dp->path, fr->qual, strlen(fr->qual));
		bsc_buf_addc(&dp->path, ']');
	}
}

static void
truncate_path(struct bsc_docpath *dp, size_t len)
{
	dp->path.len = len;
	dp->path.data[len] = '\0';
}

bool
bsc_docpath_push(struct bsc_docpath *dp, const char *name, size_t name_len,
		 const char *qual, size_t qual_len, bool shown)
{
	struct bsc_docpath_frame *fr;

	if (dp->depth >= dp->max_depth)
		return false;
	fr = &dp->frames[++dp->depth];
	copy_part(fr->name, BSC_DOCPATH_NAME, name, name_len, false);
	if (qual)
		copy_part(fr->qual, BSC_DOCPATH_QUAL, qual, qual_len, true);
	else
		fr->qual[0] = '\0';
	fr->shown = shown;
	append_frame(dp, fr);
	return true;
}

void
bsc_docpath_pop(struct bsc_docpath *dp)
{
	if (dp->depth == 0)
		return;
	truncate_path(dp, dp->frames[dp->depth].start);
	dp->depth--;
}

void
bsc_docpath_qualify(struct bsc_docpath *dp, size_t level, const char *qual,
		    size_t qual_len)
{
	struct bsc_docpath_frame *fr;

	if (level == 0 || level > dp->depth)
		return;
	fr = &dp->frames[level];
	if (fr->qual[0] || !fr->shown)
		return;
	copy_part(fr->qual, BSC_DOCPATH_QUAL, qual, qual_len, true);
	truncate_path(dp, fr->start);
	for (size_t d = level; d <= dp->depth; d++)
		append_frame(dp, &dp->frames[d]);
}

void
bsc_docpath_rebase(struct bsc_docpath *dp, size_t level, bool hide)
{
	if (level == 0 || level > dp->depth)
		return;
	for (size_t d = 1; d < level; d++)
		dp->frames[d].shown = !hide;
	truncate_path(dp, 0);
	for (size_t d = 1; d <= dp->depth; d++)
		append_frame(dp, &dp->frames[d]);
}

const char *
bsc_docpath_slot(struct bsc_docpath *dp, const char *attr)
{
	const char *p = dp->path.data;
	size_t len = dp->path.len;
	size_t o = 0;

	if (len <= BSC_DOCPATH_SLOT) {
		memcpy(dp->slot, p, len);
		o = len;
	} else {
		/* Keep the first components and the last ones. */
		size_t head = BSC_DOCPATH_SLOT / 4,
		       tail = len - BSC_DOCPATH_SLOT / 2;

		while (head > 1 && p[head] != '/')
			head--;
		while (tail < len && p[tail] != '/')
			tail++;
		memcpy(dp->slot, p, head);
		o = head;
		memcpy(dp->slot + o, "/...", 4);
		o += 4;
		memcpy(dp->slot + o, p + tail, len - tail);
		o += len - tail;
	}
	if (o == 0)
		dp->slot[o++] = '/';
	if (attr) {
		size_t al = strlen(attr);

		if (al > BSC_DOCPATH_NAME)
			al = BSC_DOCPATH_NAME;
		dp->slot[o++] = '/';
		dp->slot[o++] = '@';
		copy_part(dp->slot + o, BSC_DOCPATH_NAME, attr, al, false);
		o += strlen(dp->slot + o);
	}
	dp->slot[o] = '\0';
	return dp->slot;
}

bool
bsc_docpath_emit(struct bsc_docpath *dp, struct bsc_fields *f, const char *attr,
		 const char *v, size_t len, size_t max_field)
{
	unsigned slot;
	size_t i;

	for (i = 0; i < len; i++)
		if (v[i] != ' ' && v[i] != '\t' && v[i] != '\n' && v[i] != '\r')
			break;
	if (i == len)
		return false;
	slot = bsc_fields_slot(f, bsc_docpath_slot(dp, attr), 0);
	if (max_field == 0)
		max_field = len;
	while (len > 0) {
		size_t n = len > max_field ? max_field : len;

		/* Never cut a UTF-8 sequence in two. */
		while (n < len && n > 1 && ((unsigned char)v[n] & 0xC0) == 0x80)
			n--;
		bsc_fields_value(f, slot, v, n);
		v += n;
		len -= n;
	}
	return true;
}

size_t
bsc_fhir_ref_key(const char *ref, size_t len, char *out, size_t cap)
{
	const char *end = ref + len;
	const char *hist;
	const char *id, *type;
	size_t n;

	while (len && (*ref == ' ' || *ref == '\t')) {
		ref++;
		len--;
	}
	while (len && (ref[len - 1] == ' ' || ref[len - 1] == '\t'))
		len--;
	end = ref + len;
	if (len == 0 || ref[0] == '#' || cap < 2)
		return 0;
	if (len > 4 && !memcmp(ref, "urn:", 4)) {
		n = len < cap - 1 ? len : cap - 1;
		memcpy(out, ref, n);
		out[n] = '\0';
		return n;
	}
	/* Drop a version: ".../Patient/7/_history/2". */
	for (hist = ref; hist + 10 <= end; hist++)
		if (!memcmp(hist, "/_history/", 10)) {
			end = hist;
			break;
		}
	while (end > ref && end[-1] == '/')
		end--;
	/* id = last segment, type = the one before it. */
	id = end;
	while (id > ref && id[-1] != '/')
		id--;
	if (id == ref || id == end) {
		type = NULL;
	} else {
		type = id - 1;
		while (type > ref && type[-1] != '/')
			type--;
	}
	if (!type || !(type[0] >= 'A' && type[0] <= 'Z')) {
		n = (size_t)(end - ref);
		type = ref;
	} else {
		n = (size_t)(end - type);
	}
	if (n >= cap)
		n = cap - 1;
	memcpy(out, type, n);
	out[n] = '\0';
	return n;
}
