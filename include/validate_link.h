/* SPDX-License-Identifier: MIT */
#ifndef NSTOPO_VALIDATE_LINK_H
#define NSTOPO_VALIDATE_LINK_H

#include "topo.h"

/**
 * validate_links_kernel() - what the kernel refuses of links on a parent
 * (lo or a bridge port as parent, an MTU above the parent's, a second
 * link beside a passthru macvlan, macvlans and ipvlans on one parent) and
 * of MACs (two interfaces of one link layer with one MAC)
 * @t:		the topology, its interfaces, ports, parents and settings
 *		resolved (what topo_validate() does first)
 * @d:		every error found goes here
 */
void validate_links_kernel(struct topo *t, struct diags *d);

#endif
