/* SPDX-License-Identifier: MIT */
#ifndef NSTOPO_PARSE_FORWARD_H
#define NSTOPO_PARSE_FORWARD_H

#include "pread.h"

/* The shapes of `forwards:`, at the top level and in a node (schema). */
extern const struct pshape forwards_shape, node_forwards_shape;

/**
 * parse_forwards() - read a `forwards:` list onto t->forwards
 * @c:		the parse
 * @v:		the list (null: none)
 * @n:		the node it is a key of, or NULL at the top level; a node's
 *		forwards go to it, so their `to` may leave the node out
 *
 * Each item is {listen: "[NODE:]ADDR:PORT", to: "NODE:ADDR:PORT", proto:
 * tcp|udp}; its strings are judged here, one by one, the references
 * between them and the rest of the file by validate.
 * Return: 0, or -1 if anything was wrong (and reported).
 */
int parse_forwards(struct pctx *c, const struct ynode *v, const struct node *n);

#endif
