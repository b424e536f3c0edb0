// SPDX-License-Identifier: MIT
/*
 * validate.c - the rules that need the whole file: references between
 * nodes, bridges, links and interfaces; names unique per namespace;
 * address clashes; route gateways; the bridge port limit; the addresses
 * of readiness gates.  It also resolves the model for the planner: every
 * interface the topology creates gets an entry in t->ifaces, `defaults:`
 * is merged into the nodes it applies to, and a tcp gate without an
 * address gets one.  Every error is reported at its YAML node.
 */
#include <arpa/inet.h>
#include <string.h>

#include "validate.h"
#include "validate_link.h"
#include "validate_hosts.h"
#include "validate_forward.h"
#include "validate_route.h"

struct seen_addr {
	struct pos pos;
	const char *ifname;
};

struct vctx {
	struct topo *t;
	struct diags *d;
	struct strmap addrs; /* "node|address" -> index in seen */
	struct seen_addr *seen;
	size_t n_seen, cap_seen;
	/* Interface names of endpoints that did not resolve: settings and
	 * routes naming them are not reported again as dangling. */
	struct strmap lost_ifs;
};

static bool if_lost(const struct vctx *v, const char *name)
{
	return strmap_get(&v->lost_ifs, name) >= 0;
}

static const char *node_label(const struct topo *t, int node)
{
	return t->nodes[node].name;
}

/*
 * Once the diagnostics are full, nothing more is printed: the search for
 * a suggestion (a walk of every name) would only cost time.
 */
static bool diags_full(const struct diags *d)
{
	return d->max && d->n >= d->max;
}

/* Names of a node's interfaces that have no settings, for suggestions. */
static size_t node_if_names(const struct topo *t, int node, const char **out,
			    size_t max)
{
	size_t n = 0;

	for (size_t i = 0; i < t->n_ifaces && n < max; i++)
		if (t->ifaces[i].node == node && !t->ifaces[i].cfg)
			out[n++] = t->ifaces[i].name;
	return n;
}

static int node_lookup(const struct topo *t, const char *name)
{
	return strmap_get(&t->node_map, name);
}

static void unknown_node(struct vctx *v, struct pos pos, const char *name,
			 const char *what)
{
	const char *near = NULL;
	size_t best = 3;

	if (v->t->lost_nodes || diags_full(v->d))
		return;
	for (size_t i = 0; i < v->t->n_nodes; i++) {
		size_t dist = edit_distance(name, v->t->nodes[i].name, 2);

		if (dist < best) {
			best = dist;
			near = v->t->nodes[i].name;
		}
	}
	if (near)
		diag_add(v->d, pos,
			 "%s: node '%s' is not defined (did you mean '%s'?)",
			 what, name, near);
	else
		diag_add(v->d, pos, "%s: node '%s' is not defined", what, name);
}

static int iface_add(struct vctx *v, enum link_kind kind, int node,
		     const char *name, struct pos pos)
{
	struct topo *t = v->t;
	struct node *n = &t->nodes[node];
	int prev = strmap_get(&n->ifmap, name);
	struct iface *i;

	if (prev >= 0 || !strcmp(name, "lo")) {
		if (prev >= 0)
			diag_add(
				v->d, pos,
				"interface '%s' already exists in node '%s' (made at %u:%u)",
				name, n->name, t->ifaces[prev].pos.line,
				t->ifaces[prev].pos.col);
		else
			diag_add(
				v->d, pos,
				"interface name 'lo' is taken by the loopback device");
		return -1;
	}
	i = vec_push(&t->arena, t->ifaces, t->n_ifaces, t->cap_ifaces);
	i->kind = kind;
	i->node = node;
	i->name = name;
	i->link = i->peer = i->master = i->bridge = -1;
	i->pos = pos;
	strmap_put(&n->ifmap, name, (int)(t->n_ifaces - 1));
	return (int)(t->n_ifaces - 1);
}

static void check_bridges(struct vctx *v)
{
	struct topo *t = v->t;

	for (size_t i = 0; i < t->n_bridges; i++) {
		struct bridge *b = &t->bridges[i];

		b->node = HOST_NODE;
		if (b->node_name) {
			b->node = node_lookup(t, b->node_name);
			if (b->node < 0) {
				unknown_node(v, b->node_pos, b->node_name,
					     arena_printf(&t->arena,
							  "bridge '%s'",
							  b->name));
				continue;
			}
		}
		b->iface = iface_add(v, LK_BRIDGE, b->node, b->name, b->pos);
		if (b->iface >= 0)
			t->ifaces[b->iface].bridge = (int)i;
	}
}

/* Split and resolve one endpoint; the port name of `BRIDGE` is derived later. */
static int resolve_endpoint(struct vctx *v, struct endpoint *ep)
{
	struct topo *t = v->t;
	const char *colon = strchr(ep->text, ':');
	size_t left_len = colon ? (size_t)(colon - ep->text) : strlen(ep->text);
	char *left = arena_strndup(&t->arena, ep->text, left_len);
	const char *right = colon ? colon + 1 : NULL;
	int node = node_lookup(t, left);
	int bridge = strmap_get(&t->bridge_map, left);
	const char *why;

	ep->node = ep->bridge = ep->iface = -1;
	if (!left_len) {
		diag_add(v->d, ep->pos,
			 "endpoint '%s' has no node or bridge name", ep->text);
		return -1;
	}
	if (node >= 0 && bridge >= 0 && right) {
		diag_add(
			v->d, ep->pos,
			"endpoint '%s' is ambiguous: '%s' is both a node and a bridge",
			ep->text, left);
		return -1;
	}
	if (bridge >= 0) {
		ep->bridge = bridge;
		ep->node = t->bridges[bridge].node;
		if (ep->node < 0)
			return -1; /* the bridge's own error is reported */
	} else if (node >= 0) {
		if (!right) {
			diag_add(v->d, ep->pos,
				 "endpoint '%s' is a node: write %s:IFNAME",
				 ep->text, ep->text);
			return -1;
		}
		ep->node = node;
	} else {
		const char *near = NULL;
		size_t best = 3;

		/* A bridge whose name has a ':' is reported on its own. */
		if (t->lost_nodes || diags_full(v->d) ||
		    strmap_get(&t->bridge_map, ep->text) >= 0)
			return -1;
		for (size_t i = 0; i < t->n_nodes; i++) {
			size_t dist = edit_distance(left, t->nodes[i].name, 2);

			if (dist < best) {
				best = dist;
				near = t->nodes[i].name;
			}
		}
		for (size_t i = 0; i < t->n_bridges; i++) {
			size_t dist =
				edit_distance(left, t->bridges[i].name, 2);

			if (dist < best) {
				best = dist;
				near = t->bridges[i].name;
			}
		}
		if (near)
			diag_add(
				v->d, ep->pos,
				"endpoint '%s': no node or bridge '%s' (did you mean '%s'?)",
				ep->text, left, near);
		else
			diag_add(v->d, ep->pos,
				 "endpoint '%s': no node or bridge '%s'",
				 ep->text, left);
		return -1;
	}
	if (right) {
		if (!ifname_valid(right, &why)) {
			diag_add(v->d, ep->pos,
				 "endpoint '%s': interface name '%s' %s",
				 ep->text, right, why);
			return -1;
		}
		ep->ifname = arena_strdup(&t->arena, right);
	}
	return 0;
}

/*
 * A bridge port written as plain `BRIDGE` is named after what is on the
 * other end ("h1-eth0"), or, when that does not fit or is taken, after a
 * hash of it ("h1-eth-1b2c3d4e"), so the name is stable across runs.
 */
static const char *derive_port_name(struct vctx *v, const struct endpoint *ep,
				    const struct endpoint *other)
{
	struct topo *t = v->t;
	const struct node *n = &t->nodes[ep->node];
	const char *label, *why;
	char buf[IFNAME_MAX + 1];

	/* Named after the namespace (prefix included), so labs that differ
	 * by namespace-prefix do not clash on host port names; a port facing
	 * another bridge is "to-BRIDGE" on both sides. */
	if (other->bridge >= 0)
		label = arena_printf(&t->arena, "to-%s",
				     t->bridges[other->bridge].name);
	else
		label = arena_printf(&t->arena, "%s-%s",
				     t->nodes[other->node].ns ?
					     t->nodes[other->node].ns :
					     "host",
				     other->ifname);
	/* In the host, an instance's names are its own (instance.h): named
	 * as the lab's would be, then as the instance's host names are. */
	if (t->instance && ep->node == HOST_NODE) {
		size_t head = strlen(t->instance) + 1;

		if (!strncmp(label, t->ns_prefix, head))
			label += head;
		label = arena_strdup(&t->arena,
				     instance_ifname(t->instance, label, buf));
	}
	if (ifname_valid(label, &why) && strmap_get(&n->ifmap, label) < 0 &&
	    strcmp(label, "lo"))
		return label;
	for (uint32_t salt = 0;; salt++) {
		struct strbuf sb = { 0 };
		uint32_t h;

		sb_printf(&sb, "%s#%u", label, salt);
		h = (uint32_t)hash_bytes(sb.buf, sb.len);
		sb_free(&sb);
		snprintf(buf, sizeof(buf), "%.6s-%08x", label, h);
		for (char *c = buf; *c; c++)
			if (*c == ':' || *c == '/' || *c == '%' || *c == ' ')
				*c = '_';
		if (strmap_get(&n->ifmap, buf) < 0)
			return arena_strdup(&t->arena, buf);
	}
}

/*
 * The parent of a macvlan, ipvlan or vlan link: an interface the file
 * makes, or, in the host, one that is there already (the machine's NIC;
 * apply finds out).  A chain of parents must end somewhere.
 */
static void check_parent(struct vctx *v, struct link *l)
{
	struct topo *t = v->t;
	struct endpoint *p = &l->parent;
	const char *colon = strchr(p->text, ':'), *why;
	char *node_name;
	int node, hops = 0;

	if (!colon || !colon[1]) {
		diag_add(v->d, p->pos, "parent '%s' must be NODE:IFNAME",
			 p->text);
		return;
	}
	node_name =
		arena_strndup(&t->arena, p->text, (size_t)(colon - p->text));
	node = node_lookup(t, node_name);
	if (node < 0) {
		unknown_node(v, p->pos, node_name, "node");
		return;
	}
	if (!ifname_valid(colon + 1, &why)) {
		diag_add(v->d, p->pos, "parent '%s': interface name '%s' %s",
			 p->text, colon + 1, why);
		return;
	}
	p->node = node;
	p->ifname = arena_strdup(&t->arena, colon + 1);
	p->iface = strmap_get(&t->nodes[node].ifmap, p->ifname);
	l->parent_iface = p->iface;
	if (p->iface < 0 && node != HOST_NODE && strcmp(p->ifname, "lo")) {
		diag_add(
			v->d, p->pos,
			"parent '%s' does not exist: nothing in the file makes '%s' in node '%s'",
			p->text, p->ifname, t->nodes[node].name);
		return;
	}
	for (int f = p->iface; f >= 0 && t->ifaces[f].link >= 0;
	     f = t->links[t->ifaces[f].link].parent_iface)
		if (++hops > (int)t->n_links) {
			diag_add(v->d, p->pos,
				 "parent '%s' is part of a loop of parents",
				 p->text);
			l->parent_iface = -1;
			return;
		}
}

/*
 * ports: an interface the file makes in the bridge's namespace, or one
 * the host has already (its NIC, say; only apply can tell it exists).
 */
static void check_ports(struct vctx *v, struct bridge *b)
{
	struct topo *t = v->t;
	struct node *n;
	bool host_ports = false;

	if (b->node < 0 || b->iface < 0)
		return;
	n = &t->nodes[b->node];
	for (size_t i = 0; i < b->n_given; i++) {
		struct bridge_port *p = &b->ports[i];
		int idx = strmap_get(&n->ifmap, p->name);

		for (size_t j = 0; j < i; j++)
			if (!strcmp(b->ports[j].name, p->name)) {
				diag_add(v->d, p->pos,
					 "port '%s' is listed twice", p->name);
				idx = -2;
			}
		if (idx == -2)
			continue;
		if (++b->n_ports > BRIDGE_MAX_PORTS) {
			diag_add(
				v->d, p->pos,
				"bridge '%s' would have more than %d ports (the kernel's limit)",
				b->name, BRIDGE_MAX_PORTS);
			return;
		}
		if (!strcmp(p->name, "lo") || idx == b->iface) {
			diag_add(v->d, p->pos,
				 "'%s' cannot be a port of bridge '%s'",
				 p->name, b->name);
			continue;
		}
		if (idx >= 0 && t->ifaces[idx].kind == LK_BRIDGE) {
			diag_add(v->d, p->pos,
				 "'%s' is a bridge: join bridges with a link",
				 p->name);
			continue;
		}
		if (idx >= 0 && t->ifaces[idx].master >= 0) {
			diag_add(v->d, p->pos,
				 "'%s' is already a port of bridge '%s'",
				 p->name,
				 t->ifaces[t->ifaces[idx].master].name);
			continue;
		}
		if (idx >= 0) {
			p->iface = idx;
			t->ifaces[idx].master = b->iface;
			continue;
		}
		if (b->node != HOST_NODE) {
			diag_add(
				v->d, p->pos,
				"node '%s' has no interface '%s' to make a port of bridge '%s'",
				n->name, p->name, b->name);
			continue;
		}
		host_ports = true;
	}
	if (b->adopt && !host_ports)
		diag_add(
			v->d, b->adopt_pos,
			"adopt takes over the addresses of ports the host already has; bridge '%s' has none",
			b->name);
	/* Its queries would reach the host's LAN and its hosts. */
	if (b->has_querier && b->querier && host_ports)
		diag_add(
			v->d, b->querier_pos,
			"bridge '%s' has a port the host had already: it cannot be the multicast querier of the host's LAN",
			b->name);
}

static void check_links(struct vctx *v)
{
	struct topo *t = v->t;
	bool *ok = xcalloc(t->n_links + 1, sizeof(*ok));

	/* Explicit names first, so a derived name can avoid all of them. */
	for (size_t i = 0; i < t->n_links; i++) {
		struct link *l = &t->links[i];

		unsigned ends = link_ends(l) > 1 ? 2 : 1;
		bool good[2] = { !resolve_endpoint(v, &l->ep[0]),
				 ends < 2 || !resolve_endpoint(v, &l->ep[1]) };

		if (ends == 1 && good[0] &&
		    (l->ep[0].bridge >= 0 || !l->ep[0].ifname)) {
			diag_add(
				v->d, l->ep[0].pos,
				"the endpoint of a %s link is NODE:IFNAME, not a bridge",
				link_kind(l->kind)->name);
			good[0] = false;
		}
		ok[i] = good[0] && good[1];
		for (unsigned e = 0; e < ends; e++) {
			const char *colon = strchr(l->ep[e].text, ':');

			if (!good[e] && colon && colon[1])
				strmap_put(&v->lost_ifs, colon + 1, 0);
		}
		if (ok[i] && l->ep[0].bridge >= 0 &&
		    l->ep[0].bridge == l->ep[1].bridge) {
			diag_add(v->d, l->ep[1].pos,
				 "link joins bridge '%s' to itself",
				 t->bridges[l->ep[0].bridge].name);
			ok[i] = false;
			continue;
		}
		/* A good end is registered even when the other is bad, so its
		 * interface's settings are not reported as dangling. */
		for (unsigned e = 0; e < ends; e++) {
			struct endpoint *ep = &l->ep[e];

			if (!good[e])
				continue;
			if (ep->bridge >= 0 &&
			    ++t->bridges[ep->bridge].n_ports >
				    BRIDGE_MAX_PORTS) {
				diag_add(
					v->d, ep->pos,
					"bridge '%s' would have more than %d ports (the kernel's limit)",
					t->bridges[ep->bridge].name,
					BRIDGE_MAX_PORTS);
				ok[i] = false;
			}
			if (ep->ifname) {
				ep->iface = iface_add(v, l->kind, ep->node,
						      ep->ifname, ep->pos);
				if (ep->iface < 0)
					ok[i] = false;
			}
		}
	}
	for (size_t i = 0; i < t->n_links; i++) {
		struct link *l = &t->links[i];

		if (!ok[i])
			continue;
		for (unsigned e = 0; e < link_ends(l); e++) {
			struct endpoint *ep = &l->ep[e];

			if (ep->ifname)
				continue;
			ep->ifname = derive_port_name(v, ep, &l->ep[!e]);
			ep->iface = iface_add(v, l->kind, ep->node, ep->ifname,
					      ep->pos);
		}
		for (unsigned e = 0; e < link_ends(l); e++) {
			struct iface *f = &t->ifaces[l->ep[e].iface];

			f->link = (int)i;
			f->peer = link_ends(l) == 2 ? l->ep[!e].iface : -1;
			f->mtu = l->mtu;
			if (l->ep[e].bridge >= 0)
				f->master = t->bridges[l->ep[e].bridge].iface;
		}
	}
	/* Parents and ports, once every interface the file makes is known. */
	for (size_t i = 0; i < t->n_links; i++)
		if (ok[i] && t->links[i].parent.text)
			check_parent(v, &t->links[i]);
	for (size_t i = 0; i < t->n_bridges; i++)
		check_ports(v, &t->bridges[i]);
	free(ok);
}

static bool addr_unicast(const struct prefix *p)
{
	static const uint8_t zero[16];

	if (p->family == AF_INET)
		return p->bytes[0] < 224 && memcmp(p->bytes, zero, 4);
	return p->bytes[0] != 0xff && memcmp(p->bytes, zero, 16);
}

/*
 * An IPv4 address below /31 with every host bit set is its subnet's
 * broadcast address, not a host's: the kernel adds it, but treats it as
 * a broadcast wherever the subnet is known, and where another interface
 * of the node has that subnet too it makes no route for it (its broadcast
 * route there comes first: the address is no valid source).
 */
static bool addr_is_broadcast(const struct prefix *p)
{
	struct prefix b = prefix_broadcast(p);

	return p->family == AF_INET && p->plen < 31 &&
	       !memcmp(b.bytes, p->bytes, 4);
}

/* An address the kernel puts on lo itself (or, for ::1, any length). */
static bool kernel_lo_address(const struct prefix *p)
{
	static const uint8_t lo6[16] = { [15] = 1 };
	static const uint8_t lo4[4] = { 127, 0, 0, 1 };

	if (p->family == AF_INET6)
		return !memcmp(p->bytes, lo6, 16);
	return p->plen == 8 && !memcmp(p->bytes, lo4, 4);
}

static void check_addresses(struct vctx *v, int node, const char *ifname,
			    const struct iface_cfg *ic)
{
	static const uint8_t lo6[16] = { [15] = 1 };
	struct topo *t = v->t;

	for (size_t i = 0; i < ic->n_addrs; i++) {
		const struct addr_cfg *a = &ic->addrs[i];
		char text[INET6_ADDRSTRLEN + 4];
		const char *key;
		int prev;

		prefix_format(&a->p, false, text, sizeof(text));
		if (!addr_unicast(&a->p)) {
			diag_add(v->d, a->pos,
				 "address %s is not a unicast address", text);
			continue;
		}
		if (addr_is_broadcast(&a->p)) {
			diag_add(
				v->d, a->pos,
				"address %s/%u is the broadcast address of its subnet, not a host's",
				text, a->p.plen);
			continue;
		}
		/* The kernel keeps ::1 for lo (EADDRNOTAVAIL elsewhere), and
		 * gives lo ::1/128 and 127.0.0.1/8 itself when it comes up:
		 * adding either again is EEXIST (::1 with any length). */
		if (a->p.family == AF_INET6 && !memcmp(a->p.bytes, lo6, 16) &&
		    strcmp(ifname, "lo")) {
			diag_add(
				v->d, a->pos,
				"address ::1 is the loopback address: only lo may have it");
			continue;
		}
		if (!strcmp(ifname, "lo") && kernel_lo_address(&a->p)) {
			diag_add(
				v->d, a->pos,
				"lo has address %s already: the kernel gives it to lo itself",
				a->p.family == AF_INET6 ? "::1/128" :
							  "127.0.0.1/8");
			continue;
		}
		key = arena_printf(&t->arena, "%d|%s", node, text);
		prev = strmap_put(&v->addrs, key, (int)v->n_seen);
		if (prev >= 0) {
			const struct seen_addr *first = &v->seen[prev];

			diag_add(
				v->d, a->pos,
				"address %s is already on %s in node '%s' (at %u:%u)",
				text, first->ifname, node_label(t, node),
				first->pos.line, first->pos.col);
			continue;
		}
		*(struct seen_addr *)vec_push(&t->arena, v->seen, v->n_seen,
					      v->cap_seen) =
			(struct seen_addr){ a->pos, ifname };
	}
}

/* The kernel turns IPv6 off on a link whose MTU is below 1280. */
static void check_ipv6_mtu(struct vctx *v, const struct iface_cfg *ic,
			   const struct iface *f)
{
	uint32_t mtu = ic->mtu ? ic->mtu : f ? f->mtu : 0;
	struct pos pos = ic->mtu	   ? ic->mtu_pos :
			 f && f->link >= 0 ? v->t->links[f->link].mtu_pos :
					     ic->pos;

	if (!mtu || mtu >= 1280)
		return;
	for (size_t i = 0; i < ic->n_addrs; i++)
		if (ic->addrs[i].p.family == AF_INET6) {
			diag_add(
				v->d, pos,
				"mtu %u is below 1280, the least IPv6 works with, but '%s' has IPv6 addresses",
				mtu, ic->name);
			return;
		}
}

static void check_ifcfg(struct vctx *v, int node)
{
	struct topo *t = v->t;
	struct node *n = &t->nodes[node];
	const char *names[64];
	size_t n_names = SIZE_MAX;

	/* Settings first, so suggestions are of interfaces without any. */
	for (size_t i = 0; i < n->n_ifcfg; i++) {
		struct iface_cfg *ic = &n->ifcfg[i];
		int idx = strmap_get(&n->ifmap, ic->name);

		if (idx >= 0) {
			t->ifaces[idx].cfg = ic;
			if (ic->mtu)
				t->ifaces[idx].mtu = ic->mtu;
		}
	}
	for (size_t i = 0; i < n->n_ifcfg; i++) {
		struct iface_cfg *ic = &n->ifcfg[i];
		int idx = strmap_get(&n->ifmap, ic->name);

		if (idx < 0 && strcmp(ic->name, "lo")) {
			const char *near;

			if (topo_lost_link_at(t, n) || diags_full(v->d) ||
			    if_lost(v, ic->name))
				continue;
			if (n_names == SIZE_MAX)
				n_names = node_if_names(t, node, names,
							ARRAY_SIZE(names));
			near = nearest_word(ic->name, names, n_names);
			if (near)
				diag_add(
					v->d, ic->pos,
					"node '%s' has no interface '%s' (did you mean '%s'?)",
					n->name, ic->name, near);
			else
				diag_add(
					v->d, ic->pos,
					"node '%s' has no interface '%s': no link or bridge creates it",
					n->name, ic->name);
			continue;
		}
		if (idx < 0 && ic->has_mac)
			diag_add(v->d, ic->mac_pos,
				 "interface 'lo' has no MAC address to set");
		else if (idx < 0 && n->is_host &&
			 (ic->mtu || ic->up >= 0 || ic->accept_ra >= 0 ||
			  ic->autoconf >= 0 || ic->shape.netem ||
			  ic->shape.rate))
			diag_add(
				v->d, ic->mtu ? ic->mtu_pos : ic->pos,
				"the host's lo is not nstopo's to change: only addresses may be added to it");
		else if (idx < 0 && (ic->accept_ra >= 0 || ic->autoconf >= 0 ||
				     ic->shape.netem || ic->shape.rate))
			diag_add(
				v->d, ic->pos,
				"lo takes addresses, mtu and up; router advertisements and shaping do not apply to it");
		check_addresses(v, node, ic->name, ic);
		check_ipv6_mtu(v, ic, idx >= 0 ? &t->ifaces[idx] : NULL);
	}
}

static void check_sysctls(struct vctx *v, struct node *n)
{
	for (size_t i = 0; i < n->n_sysctls; i++) {
		const struct sysctl *s = &n->sysctls[i];
		char ifname[IFNAME_MAX + 1];

		if (!sysctl_key_ifname(s->key, ifname) || n->is_host ||
		    !strcmp(ifname, "all") || !strcmp(ifname, "default") ||
		    node_has_iface(n, ifname) || if_lost(v, ifname) ||
		    topo_lost_link_at(v->t, n))
			continue;
		diag_add(
			v->d, s->pos,
			"sysctl '%s' names interface '%s', which node '%s' does not have",
			s->key, ifname, n->name);
	}
}

/* Is @a one of node @n's addresses (the file's, or loopback's)? */
static bool node_owns(const struct node *n, const struct prefix *a)
{
	static const uint8_t lo6[16] = { [15] = 1 };

	if ((a->family == AF_INET && a->bytes[0] == 127) ||
	    (a->family == AF_INET6 && !memcmp(a->bytes, lo6, 16)))
		return true;
	for (size_t i = 0; i < n->n_ifcfg; i++)
		for (size_t k = 0; k < n->ifcfg[i].n_addrs; k++) {
			const struct prefix *p = &n->ifcfg[i].addrs[k].p;

			if (p->family == a->family &&
			    !memcmp(p->bytes, a->bytes,
				    a->family == AF_INET ? 4 : 16))
				return true;
		}
	return false;
}

/* The address a tcp gate without one connects to: the node's first IPv4
 * address, else its first IPv6 one that is not link-local, else
 * 127.0.0.1. */
static struct prefix gate_default_addr(const struct node *n)
{
	struct prefix lo = { .family = AF_INET,
			     .plen = 32,
			     .bytes = { 127, 0, 0, 1 } };
	const struct prefix *v6 = NULL;

	for (size_t i = 0; i < n->n_ifcfg; i++)
		for (size_t k = 0; k < n->ifcfg[i].n_addrs; k++) {
			const struct prefix *p = &n->ifcfg[i].addrs[k].p;

			if (p->family == AF_INET) {
				lo = *p;
				lo.plen = 32;
				return lo;
			}
			if (!v6 && !prefix_is_link_local(p))
				v6 = p;
		}
	if (v6) {
		lo = *v6;
		lo.plen = 128;
	}
	return lo;
}

/* A tcp gate connects from inside the node to the node itself. */
static void check_gates(struct vctx *v, struct node *n)
{
	for (size_t i = 0; i < n->n_gates; i++) {
		struct gate *g = &n->gates[i];
		char a[INET6_ADDRSTRLEN];

		if (g->s.kind != GATE_TCP)
			continue;
		if (!g->has_addr) {
			g->s.addr = gate_default_addr(n);
			continue;
		}
		prefix_format(&g->s.addr, false, a, sizeof(a));
		if (prefix_is_link_local(&g->s.addr))
			diag_add(
				v->d, g->addr_pos,
				"wait address %s is link-local: give one that needs no interface to reach",
				a);
		else if (!node_owns(n, &g->s.addr) && !n->lost_addrs)
			diag_add(
				v->d, g->addr_pos,
				"wait address %s is not an address of node '%s' (a tcp gate connects to a port of the node itself)",
				a, n->name);
	}
}

/* defaults: sysctls merge key by key; routes and intercept apply whole. */
static void merge_defaults(struct topo *t, struct node *n)
{
	const struct node *dft = &t->defaults;
	struct sysctl *merged = NULL;
	size_t n_merged = 0, cap = 0;
	struct strmap own = { 0 };

	for (size_t j = 0; j < n->n_sysctls && dft->n_sysctls; j++)
		strmap_put(&own, n->sysctls[j].key, (int)j);
	for (size_t i = 0; i < dft->n_sysctls; i++)
		if (strmap_get(&own, dft->sysctls[i].key) < 0)
			*(struct sysctl *)vec_push(&t->arena, merged, n_merged,
						   cap) = dft->sysctls[i];
	strmap_free(&own);
	for (size_t j = 0; j < n->n_sysctls; j++)
		*(struct sysctl *)vec_push(&t->arena, merged, n_merged, cap) =
			n->sysctls[j];
	n->sysctls = merged;
	n->n_sysctls = n_merged;
	n->cap_sysctls = cap;
	for (size_t i = 0; i < dft->n_routes; i++) {
		const struct route *r = &dft->routes[i];

		if (r->intercept ? n->has_intercept : n->has_routes)
			continue;
		*(struct route *)vec_push(&t->arena, n->routes, n->n_routes,
					  n->cap_routes) = *r;
	}
	if (!n->has_exec) {
		n->exec = dft->exec;
		n->n_exec = dft->n_exec;
	}
}

/*
 * Like aliases, `defaults:` copies settings, into every node: a short
 * file must not expand into an unbounded model.
 */
#define DEFAULTS_MAX_COPIES 1000000u

static bool defaults_fit(struct topo *t, struct diags *d)
{
	size_t each = t->defaults.n_sysctls + t->defaults.n_routes;
	size_t nodes = t->n_nodes - 1;

	if (!each || nodes <= DEFAULTS_MAX_COPIES / each)
		return true;
	diag_add(
		d, t->defaults.pos,
		"defaults would copy %zu settings into each of %zu nodes, more than %u in all",
		each, nodes, DEFAULTS_MAX_COPIES);
	return false;
}

int topo_validate(struct topo *t, struct diags *d)
{
	struct vctx v = { .t = t, .d = d };
	size_t before = d->n;
	bool merge = t->has_defaults && defaults_fit(t, d);

	for (size_t i = 0; i < t->n_nodes; i++) {
		struct node *n = &t->nodes[i];

		if (!n->is_host)
			n->ns = arena_printf(&t->arena, "%s%s", t->ns_prefix,
					     n->name);
		if (!n->is_host && merge)
			merge_defaults(t, n);
	}
	if (t->n_nodes == 1 && !t->nodes[HOST_NODE].declared && !t->n_bridges &&
	    !t->n_links && !t->lost_nodes && !t->lost_links)
		diag_add(d, (struct pos){ .line = 1, .col = 1 },
			 "the topology has no nodes, bridges or links");
	check_bridges(&v);
	check_links(&v);
	validate_hosts(t, d);
	for (size_t i = 0; i < t->n_nodes; i++)
		check_ifcfg(&v, (int)i);
	for (size_t i = 0; i < t->n_nodes; i++) {
		check_sysctls(&v, &t->nodes[i]);
		validate_routes(t, &t->nodes[i], &v.lost_ifs, d);
		check_gates(&v, &t->nodes[i]);
	}
	validate_links_kernel(t, d);
	validate_forwards(t, d);
	strmap_free(&v.addrs);
	strmap_free(&v.lost_ifs);
	return d->n > before ? -1 : 0;
}
