/* SPDX-License-Identifier: MIT */
#ifndef NSTOPO_GRAPH_H
#define NSTOPO_GRAPH_H

#include "topo.h"

/**
 * graph_render() - draw a validated topology
 * @format:	"dot" (Graphviz) or "mermaid"
 * @sb:		the drawing is appended here
 *
 * Return: 0, or -1 for an unknown format (nothing appended).
 */
int graph_render(const struct topo *t, const char *format, struct strbuf *sb);

#endif
