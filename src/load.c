// SPDX-License-Identifier: MIT
/*
 * load.c - a topology file in, a validated model out: the stages that
 * read one (ydoc, parse, validate), driven in order.
 */
#include "instance.h"
#include "load.h"
#include "parse.h"
#include "validate.h"
#include "ydoc.h"

static struct topo *topo_from_doc(const char *name, const char *inst,
				  struct ydoc *doc, struct diags *d)
{
	struct topo *t = topo_new(name);
	bool doc_is_map = doc->root && doc->root->kind == Y_MAP;
	int rc;

	rc = topo_parse(t, doc, d);
	ydoc_free(doc);
	if (doc_is_map && inst && *inst)
		rc |= topo_instance(t, inst, d);
	if (doc_is_map)
		rc |= topo_validate(t, d);
	if (rc || d->n) {
		topo_free(t);
		return NULL;
	}
	return t;
}

struct topo *topo_load_as(const char *path, const char *inst, struct diags *d)
{
	struct ydoc doc;

	if (yaml_load(path, &doc, d)) {
		ydoc_free(&doc);
		return NULL;
	}
	return topo_from_doc(path, inst, &doc, d);
}

struct topo *topo_load(const char *path, struct diags *d)
{
	return topo_load_as(path, NULL, d);
}

struct topo *topo_load_buf_as(const char *name, const char *inst,
			      const char *buf, size_t len, struct diags *d)
{
	struct ydoc doc;

	if (yaml_load_buf(buf, len, &doc, d)) {
		ydoc_free(&doc);
		return NULL;
	}
	return topo_from_doc(name, inst, &doc, d);
}

struct topo *topo_load_buf(const char *name, const char *buf, size_t len,
			   struct diags *d)
{
	return topo_load_buf_as(name, NULL, buf, len, d);
}
