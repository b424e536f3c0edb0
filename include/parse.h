/* SPDX-License-Identifier: MIT */
#ifndef NSTOPO_PARSE_H
#define NSTOPO_PARSE_H

#include "pread.h"
#include "topo.h"
#include "ydoc.h"

/* The file format: its top-level keys, and through them every key
 * (`nstopo schema` writes it). */
extern const struct pshape topo_shape;

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
