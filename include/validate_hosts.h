/* SPDX-License-Identifier: MIT */
#ifndef NSTOPO_VALIDATE_HOSTS_H
#define NSTOPO_VALIDATE_HOSTS_H

#include "topo.h"

/**
 * validate_hosts() - the rules of tunnels and of labs over several
 * machines: VNIs that would clash on one machine
 * @t:		a parsed model whose links are resolved (check_links())
 * @d:		every error found goes here
 */
void validate_hosts(struct topo *t, struct diags *d);

#endif
