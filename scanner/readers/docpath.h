/*
 * docpath.h - the location-path builder shared by the XML and JSON
 * readers: a stack of components ("name[qualifier]") that names slots
 * ("/Patient/identifier[urn:oid:1.2.250.1.213.1.4.8]/value"), bounded in
 * depth and length, plus value emission in max_field pieces and the FHIR
 * reference keys used for linkage. The naming scheme is documented in
 * README "Slot names".
 */
#ifndef BSC_DOCPATH_H
#define BSC_DOCPATH_H
#ifndef BSC_INTERNAL
#error "scanner-internal header"
#endif

#include <stdbool.h>
#include <stddef.h>

#include "buf.h"
#include "fields.h"

/* Longest component name and qualifier kept (longer ones are cut). */
#define BSC_DOCPATH_NAME 64
#define BSC_DOCPATH_QUAL 96
/* Slot names longer than this keep their start and end around "/...". */
#define BSC_DOCPATH_SLOT 1024

struct bsc_docpath_frame {
	char name[BSC_DOCPATH_NAME + 1];
	char qual[BSC_DOCPATH_QUAL + 1];
	size_t start; /* offset of this component in the path */
	bool shown;   /* the component is part of the path */
};

struct bsc_docpath {
	struct bsc_docpath_frame *frames; /* frames[1..depth] */
	size_t depth;
	size_t max_depth;
	struct bsc_buf path;		   /* "/a/b[q]", NUL-terminated */
	char slot[BSC_DOCPATH_SLOT + 160]; /* scratch for slot names */
};

/* Set up for at most max_depth nested components. */
void bsc_docpath_init(struct bsc_docpath *dp, size_t max_depth);
void bsc_docpath_free(struct bsc_docpath *dp);

/*
 * Push a component. shown=false pushes a frame that adds nothing to the
 * path (inside narrative text, for example). qual may be NULL. Returns
 * false, pushing nothing, when max_depth is reached.
 */
bool bsc_docpath_push(struct bsc_docpath *dp, const char *name, size_t name_len,
		      const char *qual, size_t qual_len, bool shown);
void bsc_docpath_pop(struct bsc_docpath *dp);

/*
 * Give frame level (1..depth) a qualifier learnt late, from a child (the
 * FHIR "system" of an identifier or coding, the code of a CDA section).
 * Keeps an existing qualifier. The path below is rebuilt.
 */
void bsc_docpath_qualify(struct bsc_docpath *dp, size_t level, const char *qual,
			 size_t qual_len);

/*
 * A document inside a wrapper (a CDA under <cdaExport>, a FHIR Bundle in a
 * SOAP body) starts at frame `level`: hide=true takes the frames above it
 * out of the path, so that its paths are relative to it as when it stands
 * alone; hide=false puts them back (call it before popping that frame).
 * Frames pushed hidden (shown=false) come back shown: only call it for
 * wrapper frames, which are all shown.
 */
void bsc_docpath_rebase(struct bsc_docpath *dp, size_t level, bool hide);

/*
 * The slot name of the current path, or of its attribute attr ("@attr"
 * appended) when attr is not NULL. Points into dp: valid until the next
 * call.
 */
const char *bsc_docpath_slot(struct bsc_docpath *dp, const char *attr);

/*
 * Emit value v at the current path (attr as above): blank values are
 * dropped, longer ones than max_field go in pieces. Returns true when
 * something was emitted.
 */
bool bsc_docpath_emit(struct bsc_docpath *dp, struct bsc_fields *f,
		      const char *attr, const char *v, size_t len,
		      size_t max_field);

/*
 * The linkage key of a FHIR reference, into out (cap bytes): "Type/id"
 * for relative and absolute literal references ("http://h/fhir/Patient/
 * 7/_history/2" gives "Patient/7"), the reference itself for "urn:uuid:"
 * and "urn:oid:" ones. Returns its length, or 0 when the reference names
 * nothing linkable (empty, or "#contained").
 */
size_t bsc_fhir_ref_key(const char *ref, size_t len, char *out, size_t cap);

#endif
