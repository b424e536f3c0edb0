/* SPDX-License-Identifier: MIT */
#ifndef NSTOPO_PARSE_HOSTS_H
#define NSTOPO_PARSE_HOSTS_H

#include "pread.h"

/**
 * parse_hosts() - the top-level `hosts:`: the machines a lab spreads
 * over, each NAME: {address, ssh, dev, mtu}
 * @c:		the parse
 * @obj:	unused (a top-level key's reader)
 * @k:		the key
 * @v:		its mapping
 *
 * Return: 0, or -1 if anything was wrong (and reported).
 */
int parse_hosts(struct pctx *c, void *obj, const struct ynode *k,
		const struct ynode *v);

/* What `hosts:` is, for the schema (pread.h). */
extern const struct pshape hosts_shape;

#endif
