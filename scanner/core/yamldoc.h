/*
 * yamldoc.h - a loaded YAML document with line-aware accessors, shared by
 * the rule loader and the policy loader so both report "file:line:".
 */
#ifndef BSC_YAMLDOC_H
#define BSC_YAMLDOC_H
#ifndef BSC_INTERNAL
#error "scanner-internal header"
#endif

#include <yaml.h>

#include "ctx.h"

struct bsc_yaml {
	struct bsc_ctx *ctx;
	const char *file; /* borrowed; for messages */
	yaml_document_t doc;
	bool loaded;
};

/*
 * Parse the file at path into y. Returns BSC_OK, or BSC_FAILED with
 * "file:line: YAML error: ..." (or the open error) in bsc_ctx_error.
 * Release with bsc_yaml_close, whatever the result.
 */
bsc_status bsc_yaml_open(struct bsc_yaml *y, struct bsc_ctx *ctx,
			 const char *path);
void bsc_yaml_close(struct bsc_yaml *y);

/* The root node (NULL for an empty document) and node by index. */
yaml_node_t *bsc_yaml_root(struct bsc_yaml *y);
yaml_node_t *bsc_yaml_node(struct bsc_yaml *y, int idx);
/* The text of a scalar node, or NULL if n is not a scalar. */
const char *bsc_yaml_scalar(const yaml_node_t *n);
/* 1-based line of a node. */
unsigned bsc_yaml_line(const yaml_node_t *n);
/* Record "file:line: message" on the context; returns BSC_FAILED. */
bsc_status bsc_yaml_error(struct bsc_yaml *y, const yaml_node_t *n,
			  const char *fmt, ...) BSC_PRINTF(3, 4);
/*
 * A scalar or a sequence of scalars as a new string array (each string
 * copied; normalise, when given, transforms each). *out and *n are
 * replaced; free with bsc_yaml_strings_free.
 */
bsc_status bsc_yaml_strings(struct bsc_yaml *y, yaml_node_t *v,
			    const char *key, char *(*normalise)(const char *),
			    char ***out, size_t *n);
void bsc_yaml_strings_free(char **v, size_t n);

#endif
