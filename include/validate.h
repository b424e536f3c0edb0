/* SPDX-License-Identifier: MIT */
#ifndef NSTOPO_VALIDATE_H
#define NSTOPO_VALIDATE_H

#include "topo.h"

/**
 * topo_validate() - the rules that need the whole file: references,
 * clashes, limits; resolves interfaces (fills t->ifaces) and merges
 * `defaults:` into the nodes
 * @t:		a parsed model
 * @d:		every error found goes here
 *
 * Return: 0, or -1 if anything was wrong (and reported).
 */
int topo_validate(struct topo *t, struct diags *d);

#endif
