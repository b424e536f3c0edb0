/* SPDX-License-Identifier: MIT */
#ifndef NSTOPO_SPLIT_H
#define NSTOPO_SPLIT_H

#include "plan.h"

/**
 * topo_host_find() - the index of host @name in @t's `hosts:`
 * Return: the index, or -1 if @t has no such host.
 */
int topo_host_find(const struct topo *t, const char *name);

/**
 * plan_split() - the share of one machine of a lab spread over several:
 * what `apply --host NAME` makes there
 * @t:		the topology (validated, with `hosts:`)
 * @whole:	its plan on one machine, plan_compile(@t)
 * @host:	the machine, an index in t->hosts
 *
 * The ops of @whole that are @host's (by the machine of their namespace
 * or interface, validate_hosts.c), with two changes.  A veth pair whose
 * ends are on two machines is a VXLAN on each: the end of this machine,
 * with the pair's VNI, the far machine as its remote and this one's
 * address as local, over UDP port 4789.  A bridge of the host namespace
 * made on several machines gets a VXLAN port on each, with an all-zero
 * FDB entry to every other one (head-end replication).  Unless the file
 * sets them, such tunnels, and the veths of such a bridge, get the
 * smallest underlay MTU of their machines minus what VXLAN adds (50
 * bytes over IPv4, 70 over IPv6), and a VXLAN end its own MAC address.
 * VNIs, MAC addresses and port names are derived from the lab's name and
 * the link (or bridge) alone, so every machine computes the same.
 * Return: the share (its own strings); plan_free() it.
 */
struct plan *plan_split(const struct topo *t, const struct plan *whole,
			int host);

/**
 * split_port_name() - the name of the VXLAN port that joins bridge @b
 * of @t across machines ("vx-BRIDGE", or a hash of it if that does not
 * fit or is taken)
 * @a:		where the name is allocated
 *
 * Return: the name.
 */
const char *split_port_name(const struct topo *t, const struct bridge *b,
			    struct arena *a);

#endif
