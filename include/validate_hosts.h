/* SPDX-License-Identifier: MIT */
#ifndef NSTOPO_VALIDATE_HOSTS_H
#define NSTOPO_VALIDATE_HOSTS_H

#include "topo.h"

/**
 * validate_hosts() - the rules of tunnels and of labs over several
 * machines; resolves which machine each node and interface is on
 * (node->host, iface->host, iface->hosts)
 * @t:		a parsed model whose links are resolved (check_links())
 * @d:		every error found goes here
 *
 * Without `hosts:` everything is on machine 0.  A node is on the host
 * its `host:` names, or the first; the host node's interfaces are on
 * its machine, but for a bridge port facing a node (on that node's
 * machine); a bridge of the host namespace is made on every machine one
 * of its ports is on.  Refused: a host without an address, hosts of two
 * address families or one address, `host:` naming no host, a port of a
 * node's bridge on another machine, a parent on another machine, and
 * VNIs that would clash on a machine.
 */
void validate_hosts(struct topo *t, struct diags *d);

#endif
