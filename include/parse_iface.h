/* SPDX-License-Identifier: MIT */
#ifndef NSTOPO_PARSE_IFACE_H
#define NSTOPO_PARSE_IFACE_H

#include "pread.h"

/* One interface's settings: their keys (schema.c reads them). */
extern const struct pshape iface_shape;

/**
 * parse_interfaces() - a node's `interfaces:`, NAME: {settings} each, into
 * the node's ifcfg (a pread_fn of the node's keys)
 * @c:		the parse (c->node: the node)
 * @obj:	the node
 * @k:		the key
 * @v:		its mapping
 *
 * Return: 0, or -1 if anything was wrong (and reported).
 */
int parse_interfaces(struct pctx *c, void *obj, const struct ynode *k,
		     const struct ynode *v);

#endif
