/* SPDX-License-Identifier: MIT */
#ifndef NSTOPO_PARSE_NODE_H
#define NSTOPO_PARSE_NODE_H

#include "pread.h"

/* A node's settings, and `defaults:`: their keys (schema.c reads them). */
extern const struct pshape node_shape;
extern const struct pshape defaults_shape;

/**
 * parse_node_body() - read a node's settings, or `defaults:`
 * @n:		the node (or t->defaults)
 * @v:		its mapping
 * @defaults:	@v is `defaults:`, which takes only some of the keys
 *
 * Return: 0, or -1 if anything was wrong (and reported).
 */
int parse_node_body(struct pctx *c, struct node *n, const struct ynode *v,
		    bool defaults);

#endif
