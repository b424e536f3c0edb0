// SPDX-License-Identifier: MIT
/*
 * topo.c - the topology model: construction and freeing.
 */
#include <string.h>

#include "topo.h"

struct topo *topo_new(const char *file)
{
	struct topo *t = xcalloc(1, sizeof(*t));
	struct node *host;

	t->file = arena_strdup(&t->arena, file);
	host = vec_push(&t->arena, t->nodes, t->n_nodes, t->cap_nodes);
	host->name = "host";
	host->is_host = true;
	strmap_put(&t->node_map, host->name, HOST_NODE);
	return t;
}

void topo_free(struct topo *t)
{
	if (!t)
		return;
	for (size_t i = 0; i < t->n_nodes; i++)
		strmap_free(&t->nodes[i].ifmap);
	strmap_free(&t->node_map);
	strmap_free(&t->bridge_map);
	arena_free(&t->arena);
	free(t);
}

const char *iface_kind_name(enum iface_kind k)
{
	static const char *const names[] = {
		[IFK_VETH] = "veth",	   [IFK_DUMMY] = "dummy",
		[IFK_MACVLAN] = "macvlan", [IFK_IPVLAN] = "ipvlan",
		[IFK_VLAN] = "vlan",	   [IFK_BRIDGE] = "bridge",
	};

	return names[k];
}
