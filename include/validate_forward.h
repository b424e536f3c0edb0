/* SPDX-License-Identifier: MIT */
#ifndef NSTOPO_VALIDATE_FORWARD_H
#define NSTOPO_VALIDATE_FORWARD_H

#include "topo.h"

/**
 * validate_forwards() - check t->forwards against the rest of the file,
 * and resolve the nodes they name (listen_node, to_node; -1 if unknown)
 * @t:		the topology, its nodes' routes validated
 * @d:		every error found goes here
 *
 * The nodes exist; an address a node listens on is one of its own (or a
 * wildcard, loopback, or intercepted one); an address a forward goes to
 * is one its node has or reaches (a subnet, a route); no two forwards
 * listen on one socket.
 */
void validate_forwards(struct topo *t, struct diags *d);

#endif
