/*
 * yamldoc.c - libyaml document loading and line-aware accessors for the
 * rule and policy loaders (configuration, not the scan pipeline). Every
 * message names the file and line so that rule and policy authors can fix
 * what they wrote.
 */
#include "yamldoc.h"

#include <errno.h>
#include <stdarg.h>
#include <string.h>

bsc_status
bsc_yaml_open(struct bsc_yaml *y, struct bsc_ctx *ctx, const char *path)
{
	yaml_parser_t parser;
	FILE *f;
	bsc_status st = BSC_OK;

	memset(y, 0, sizeof(*y));
	y->ctx = ctx;
	y->file = path;
	f = fopen(path, "rb");
	if (!f)
		return bsc_set_error(ctx, BSC_FAILED, "%s: %s", path,
				     strerror(errno));
	if (!yaml_parser_initialize(&parser)) {
		fclose(f);
		return bsc_set_error(ctx, BSC_FAILED, "%s: libyaml init failed",
				     path);
	}
	yaml_parser_set_input_file(&parser, f);
	if (!yaml_parser_load(&parser, &y->doc))
		st = bsc_set_error(ctx, BSC_FAILED, "%s:%zu: YAML error: %s",
				   path, parser.problem_mark.line + 1,
				   parser.problem ? parser.problem : "?");
	else
		y->loaded = true;
	yaml_parser_delete(&parser);
	fclose(f);
	return st;
}

void
bsc_yaml_close(struct bsc_yaml *y)
{
	if (y->loaded)
		yaml_document_delete(&y->doc);
	y->loaded = false;
}

yaml_node_t *
bsc_yaml_root(struct bsc_yaml *y)
{
	return y->loaded ? yaml_document_get_root_node(&y->doc) : NULL;
}

yaml_node_t *
bsc_yaml_node(struct bsc_yaml *y, int idx)
{
	return yaml_document_get_node(&y->doc, idx);
}

const char *
bsc_yaml_scalar(const yaml_node_t *n)
{
	if (!n || n->type != YAML_SCALAR_NODE)
		return NULL;
	return (const char *)n->data.scalar.value;
}

unsigned
bsc_yaml_line(const yaml_node_t *n)
{
	return n ? (unsigned)n->start_mark.line + 1 : 0;
}

bsc_status
bsc_yaml_error(struct bsc_yaml *y, const yaml_node_t *n, const char *fmt, ...)
{
	char msg[768];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return bsc_set_error(y->ctx, BSC_FAILED, "%s:%u: %s", y->file,
			     bsc_yaml_line(n), msg);
}

void
bsc_yaml_strings_free(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

static char *
copy_or_normalise(const char *s, char *(*normalise)(const char *))
{
	return normalise ? normalise(s) : bsc_strdup(s);
}

bsc_status
bsc_yaml_strings(struct bsc_yaml *y, yaml_node_t *v, const char *key,
		 char *(*normalise)(const char *), char ***out, size_t *n)
{
	char **list = NULL;
	size_t count = 0;

	if (v->type == YAML_SCALAR_NODE) {
		list = bsc_zalloc(sizeof(char *));
		list[count++] = copy_or_normalise(bsc_yaml_scalar(v), normalise);
	} else if (v->type == YAML_SEQUENCE_NODE) {
		for (yaml_node_item_t *it = v->data.sequence.items.start;
		     it < v->data.sequence.items.top; it++) {
			yaml_node_t *e = bsc_yaml_node(y, *it);
			const char *s = bsc_yaml_scalar(e);

			if (!s) {
				bsc_yaml_strings_free(list, count);
				return bsc_yaml_error(y, e,
						      "'%s' entries must be "
						      "strings",
						      key);
			}
			list = bsc_reallocarray(list, count + 1, sizeof(char *));
			list[count++] = copy_or_normalise(s, normalise);
		}
	} else {
		return bsc_yaml_error(y, v, "'%s' must be a list of strings",
				      key);
	}
	bsc_yaml_strings_free(*out, *n);
	*out = list;
	*n = count;
	return BSC_OK;
}
