/* SPDX-License-Identifier: MIT */
#ifndef NSTOPO_INSTANCE_H
#define NSTOPO_INSTANCE_H

#include "topo.h"

/*
 * Instances of a lab (--prefix P): one file applied several times on one
 * machine, each copy with names of its own.  The lab is "LAB@P", every
 * namespace "P-" + namespace-prefix + node, and every interface the file
 * makes in the host is renamed by instance_ifname() (value.h), wherever
 * the file names it, before the file is validated, so validation sees
 * (and checks) the names the kernel will.
 */

/**
 * topo_instance() - make @t the instance @inst of its lab
 * @t:		a parsed topology, not validated yet
 * @inst:	the prefix, valid (instance_valid())
 * @d:		two host names that would become one go here
 *
 * Renames the lab, prefixes the namespaces (t->ns_prefix) and renames the
 * host's bridges, link ends and ports of host bridges, in the links,
 * ports, the host's interfaces, routes and sysctls that name them; the
 * host's own interfaces (a NIC that is a port or a parent) keep their
 * names.  Port names validate derives in the host are renamed there
 * (t->instance).
 * Return: 0, or -1 if two names clash once renamed (reported).
 */
int topo_instance(struct topo *t, const char *inst, struct diags *d);

#endif
