// SPDX-License-Identifier: MIT
/*
 * validate_hosts.c - the rules of tunnels (vxlan links) and of labs
 * spread over several machines, and where each part of a lab runs.
 *
 * The kernel takes one VXLAN device per VNI, UDP port and address family
 * in the namespace that holds its socket: the machine's (NOTES-vxlan.md
 * in tests/integration).  Two links of one machine with the same three
 * would fail the apply half way; they are refused here.
 */
#include <arpa/inet.h>
#include <string.h>

#include "validate_hosts.h"

static const char *host_label(const struct topo *t, int h)
{
	return t->n_hosts ? t->hosts[h].name : "this machine";
}

static void check_vnis(struct topo *t, struct diags *d)
{
	struct strmap seen = { 0 };
	struct arena a = { 0 };

	for (size_t i = 0; i < t->n_links; i++) {
		const struct link *l = &t->links[i];
		const char *key;
		int prev, h;

		if (!link_kind(l->kind)->underlay || !l->tun.remote.family ||
		    l->ep[0].iface < 0)
			continue;
		h = t->ifaces[l->ep[0].iface].host;
		key = arena_printf(&a, "%d|%u|%u|%d", h, l->id, l->tun.port,
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

/* Every host has an address, all of one family, no two the same. */
static void check_host_list(struct topo *t, struct diags *d)
{
	char buf[INET6_ADDRSTRLEN + 4];
	int first = -1;

	for (size_t i = 0; i < t->n_hosts; i++) {
		const struct host *h = &t->hosts[i];

		if (!h->address.family && !h->lost) {
			diag_add(
				d, h->pos,
				"host '%s' has no 'address' (its address on the underlay, which the lab's tunnels run over)",
				h->name);
			continue;
		}
		if (!h->address.family)
			continue;
		if (first < 0) {
			first = (int)i;
			continue;
		}
		if (h->address.family != t->hosts[first].address.family) {
			diag_add(
				d, h->address_pos,
				"host '%s' has an IPv%d address, host '%s' an IPv%d one: the underlay of a lab is of one family",
				h->name, h->address.family == AF_INET ? 4 : 6,
				t->hosts[first].name,
				h->address.family == AF_INET ? 6 : 4);
			continue;
		}
		for (size_t k = 0; k < i; k++)
			if (prefix_equal(&h->address, &t->hosts[k].address)) {
				prefix_format(&h->address, false, buf,
					      sizeof(buf));
				diag_add(
					d, h->address_pos,
					"host '%s' has the address of host '%s' (%s): each host is a machine of its own",
					h->name, t->hosts[k].name, buf);
				break;
			}
	}
}

/* node->host from `host:`; the first host by default. */
static void resolve_nodes(struct topo *t, struct diags *d)
{
	for (size_t i = 0; i < t->n_nodes; i++) {
		struct node *n = &t->nodes[i];
		const char *names[HOSTS_MAX], *near;

		n->host = 0;
		if (!n->host_name)
			continue;
		if (!t->n_hosts) {
			diag_add(
				d, n->host_pos,
				"node '%s' is on host '%s', but the file has no 'hosts:'",
				n->name, n->host_name);
			continue;
		}
		n->host = strmap_get(&t->host_map, n->host_name);
		if (n->host >= 0)
			continue;
		n->host = 0;
		for (size_t k = 0; k < t->n_hosts; k++)
			names[k] = t->hosts[k].name;
		near = nearest_word(n->host_name, names, t->n_hosts);
		if (near)
			diag_add(
				d, n->host_pos,
				"node '%s': host '%s' is not defined (did you mean '%s'?)",
				n->name, n->host_name, near);
		else
			diag_add(
				d, n->host_pos,
				"node '%s': host '%s' is not defined in 'hosts:'",
				n->name, n->host_name);
	}
}

/*
 * Which machine each interface is on.  A node's are on its machine.  The
 * host namespace is every machine's: an end there that is a port of one
 * of its bridges, facing a node, is on that node's machine (the bridge
 * is made there too); its other interfaces are on the host node's.
 */
static void resolve_ifaces(struct topo *t)
{
	int home = t->nodes[HOST_NODE].host;

	for (size_t i = 0; i < t->n_ifaces; i++) {
		struct iface *f = &t->ifaces[i];
		const struct iface *peer =
			f->peer >= 0 ? &t->ifaces[f->peer] : NULL;

		f->host = t->nodes[f->node].host;
		f->hosts = 0;
		if (f->node == HOST_NODE && f->master >= 0 && peer &&
		    peer->node != HOST_NODE)
			f->host = t->nodes[peer->node].host;
	}
	for (size_t i = 0; i < t->n_ifaces; i++) {
		const struct iface *f = &t->ifaces[i];

		if (f->master >= 0 && t->ifaces[f->master].node == HOST_NODE)
			t->ifaces[f->master].hosts |= 1ull << f->host;
	}
	for (size_t i = 0; i < t->n_bridges; i++) {
		const struct bridge *b = &t->bridges[i];
		struct iface *f;

		if (b->iface < 0 || b->node != HOST_NODE)
			continue;
		f = &t->ifaces[b->iface];
		/* Ports the host has already are the host node's. */
		for (size_t k = 0; k < b->n_given; k++)
			if (b->ports[k].iface < 0)
				f->hosts |= 1ull << home;
		if (!f->hosts)
			f->hosts = 1ull << home;
		f->host = (f->hosts >> home) & 1 ? home :
						   __builtin_ctzll(f->hosts);
	}
}

/* A node's bridge is on its machine alone; so is a parent's child. */
static void check_places(struct topo *t, struct diags *d)
{
	for (size_t i = 0; i < t->n_links; i++) {
		const struct link *l = &t->links[i];

		for (unsigned e = 0; e < link_ends(l); e++) {
			const struct endpoint *ep = &l->ep[e];
			const struct bridge *b;
			const struct iface *far;

			if (ep->bridge < 0 || ep->iface < 0 || e >= 2 ||
			    l->ep[!e].iface < 0)
				continue;
			b = &t->bridges[ep->bridge];
			far = &t->ifaces[l->ep[!e].iface];
			if (b->node == HOST_NODE ||
			    far->host == t->nodes[b->node].host)
				continue;
			diag_add(
				d, l->ep[!e].pos,
				"bridge '%s' is in node '%s' on host '%s': '%s' on host '%s' cannot be its port (a bridge of the host namespace spans machines)",
				b->name, t->nodes[b->node].name,
				host_label(t, t->nodes[b->node].host),
				l->ep[!e].text, host_label(t, far->host));
		}
		if (l->parent.text && l->parent_iface >= 0 &&
		    l->ep[0].iface >= 0 &&
		    t->ifaces[l->parent_iface].host !=
			    t->ifaces[l->ep[0].iface].host)
			diag_add(
				d, l->parent.pos,
				"parent '%s' is on host '%s', the link's endpoint '%s' on host '%s': a %s link stays on one machine",
				l->parent.text,
				host_label(t, t->ifaces[l->parent_iface].host),
				l->ep[0].text,
				host_label(t, t->ifaces[l->ep[0].iface].host),
				link_kind(l->kind)->name);
	}
}

void validate_hosts(struct topo *t, struct diags *d)
{
	check_host_list(t, d);
	resolve_nodes(t, d);
	resolve_ifaces(t);
	if (t->n_hosts > 1)
		check_places(t, d);
	check_vnis(t, d);
}
