// SPDX-License-Identifier: MIT
/*
 * validate_hosts.c - the rules of tunnels (vxlan links) and of labs
 * spread over several machines.
 *
 * The kernel takes one VXLAN device per VNI, UDP port and address family
 * in the namespace that holds its socket: the machine's (NOTES-vxlan.md
 * in tests/integration).  Two links of one machine with the same three
 * would fail the apply half way; they are refused here.
 */
#include <arpa/inet.h>
#include <string.h>

#include "validate_hosts.h"

static void check_vnis(struct topo *t, struct diags *d)
{
	struct strmap seen = { 0 };
	struct arena a = { 0 };

	for (size_t i = 0; i < t->n_links; i++) {
		const struct link *l = &t->links[i];
		const char *key;
		int prev;

		if (!link_kind(l->kind)->underlay || !l->tun.remote.family)
			continue;
		key = arena_printf(&a, "%u|%u|%d", l->id, l->tun.port,
				   l->tun.remote.family);
		prev = strmap_put(&seen, key, (int)i);
		if (prev < 0)
			continue;
		diag_add(
			d, l->id_pos,
			"vni %u on UDP port %u is taken by the %s link at %u:%u: a machine has one VXLAN device per VNI and port",
			l->id, l->tun.port, link_kind(l->kind)->name,
			t->links[prev].pos.line, t->links[prev].pos.col);
	}
	strmap_free(&seen);
	arena_free(&a);
}

void validate_hosts(struct topo *t, struct diags *d)
{
	check_vnis(t, d);
}
