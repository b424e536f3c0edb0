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
	strmap_free(&t->host_map);
	strmap_free(&t->lost_link_nodes);
	arena_free(&t->arena);
	free(t);
}

bool node_has_iface(const struct node *n, const char *name)
{
	return !strcmp(name, "lo") || strmap_get(&n->ifmap, name) >= 0;
}

bool topo_lost_link_at(const struct topo *t, const struct node *n)
{
	return t->lost_links || strmap_get(&t->lost_link_nodes, n->name) >= 0;
}
