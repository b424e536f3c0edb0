/* SPDX-License-Identifier: MIT */
#ifndef NSTOPO_MARKS_H
#define NSTOPO_MARKS_H

#include "util.h"
#include "value.h"

/* An object that carries a lab's mark. */
struct marked_obj {
	const char *name; /* a namespace's under /run/netns; a link's now */
	const char *lab;  /* whose mark it carries */
};

/* What carries a lab's mark, found in the kernel. */
struct marked {
	struct marked_obj *ns; /* namespaces */
	size_t n_ns, cap_ns;
	struct marked_obj *links; /* host links */
	size_t n_links, cap_links;
	char **labs; /* the labs the marks name, each once */
	size_t n_labs, cap_labs;
	struct strmap lab_map;
	struct arena arena;
};

/**
 * marks_find() - what carries lab @lab's mark (NULL: any lab's)
 * @m:		filled; free it with marked_free()
 *
 * Reads every host link's alias, and the alias of lo in every namespace
 * pinned under /run/netns (entering each, and coming back).
 * Return: 0, or -errno if the host's links cannot be listed.
 */
int marks_find(const char *lab, struct marked *m);

/**
 * marked_count() - how many namespaces (and, in *links, host links) of
 * what @m found carry lab @lab's mark
 * Return: the namespaces.
 */
size_t marked_count(const struct marked *m, const char *lab, size_t *links);

/**
 * marked_free() - free what marks_find() filled
 */
void marked_free(struct marked *m);

#endif
