/* SPDX-License-Identifier: MIT */
#ifndef NSTOPO_VALIDATE_ROUTE_H
#define NSTOPO_VALIDATE_ROUTE_H

#include "topo.h"

/**
 * validate_routes() - check node @n's routes (and intercepts); give the
 * local ones table local and IPv6 ones the kernel's default metric
 * @t:		the topology, its interfaces resolved
 * @lost_ifs:	names of interfaces whose endpoints did not resolve: a
 *		route naming one is not reported again
 * @d:		every error found goes here
 */
void validate_routes(struct topo *t, struct node *n,
		     const struct strmap *lost_ifs, struct diags *d);

#endif
