/* SPDX-License-Identifier: MIT */
#ifndef NSTOPO_PARSE_H
#define NSTOPO_PARSE_H

#include "topo.h"
#include "ydoc.h"

/**
 * topo_parse() - a YAML tree into the model: the shape and syntax of each
 * value, judged at its own position
 * @t:		the model, new (topo_new())
 * @doc:	the file's tree
 * @d:		every error found goes here
 *
 * Return: 0, or -1 if anything was wrong (and reported).
 */
int topo_parse(struct topo *t, const struct ydoc *doc, struct diags *d);

#endif
