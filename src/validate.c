// SPDX-License-Identifier: MIT
/*
 * validate.c - the rules that need the whole file: references between
 * nodes, bridges, links and interfaces; names unique per namespace;
 * address clashes; route gateways; the bridge port limit.  It also
 * resolves the model for the planner: every interface the topology
 * creates gets an entry in t->ifaces, and `defaults:` is merged into the
 * nodes it applies to.  Every error is reported at its YAML node.
 */
#include <arpa/inet.h>
#include <string.h>

#include "validate.h"

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
	if (p->iface < 0 && node != HOST_NODE) {
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
}

static void check_links(struct vctx *v)
{
	struct topo *t = v->t;
	bool *ok = xcalloc(t->n_links + 1, sizeof(*ok));

	/* Explicit names first, so a derived name can avoid all of them. */
	for (size_t i = 0; i < t->n_links; i++) {
		struct link *l = &t->links[i];

		unsigned ends = link_ends(l);
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

static bool prefix_eq(const struct prefix *a, const struct prefix *b)
{
	return a->family == b->family && a->plen == b->plen &&
	       !memcmp(a->bytes, b->bytes, a->family == AF_INET ? 4 : 16);
}

static bool addr_unicast(const struct prefix *p)
{
	static const uint8_t zero[16];

	if (p->family == AF_INET)
		return p->bytes[0] < 224 && memcmp(p->bytes, zero, 4);
	return p->bytes[0] != 0xff && memcmp(p->bytes, zero, 16);
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
		/* The kernel keeps ::1 for lo (EADDRNOTAVAIL elsewhere). */
		if (a->p.family == AF_INET6 && !memcmp(a->p.bytes, lo6, 16) &&
		    strcmp(ifname, "lo")) {
			diag_add(
				v->d, a->pos,
				"address ::1 is the loopback address: only lo may have it");
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

			if (t->lost_links || diags_full(v->d) ||
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

static bool if_exists(const struct node *n, const char *name)
{
	return !strcmp(name, "lo") || strmap_get(&n->ifmap, name) >= 0;
}

/*
 * A node's subnets and addresses, hashed, so that each of its routes is
 * checked in constant time: a scan of every address for every route made
 * a large file quadratic.  A key is "KFPPPHEX" or "KFPPPHEX|DEV": kind
 * (S: subnet of an address or a device route, O: own address, L: local
 * route, C: connected route), family (4 or 6), prefix length, and the
 * address masked to that length.
 */
struct net_hit {
	bool up;		    /* S: an up interface or a device route */
	const char *down_if;	    /* S: else an interface that is down */
	const struct iface_cfg *ic; /* L, C: the first address making it */
	const struct addr_cfg *a;
};

struct node_idx {
	struct strmap map; /* key -> index in hits */
	struct net_hit *hits;
	size_t n_hits, cap_hits;
	uint8_t plens[2][17];	    /* S: prefix lengths in use, per family */
	const struct iface_cfg *lo; /* the settings of lo, or NULL */
};

static unsigned full_len(const struct prefix *p)
{
	return p->family == AF_INET ? 32 : 128;
}

static void idx_key(char *buf, size_t len, char kind, const struct prefix *p,
		    unsigned plen, const char *dev)
{
	struct prefix m = *p;
	size_t o;

	for (unsigned b = plen; b < full_len(p); b++)
		m.bytes[b / 8] &= (uint8_t) ~(0x80 >> (b % 8));
	o = (size_t)snprintf(buf, len, "%c%c%03u", kind,
			     p->family == AF_INET ? '4' : '6', plen);
	for (unsigned i = 0; i < full_len(p) / 8 && o < len; i++)
		o += (size_t)snprintf(buf + o, len - o, "%02x", m.bytes[i]);
	if (dev && o < len)
		snprintf(buf + o, len - o, "|%s", dev);
}

static struct net_hit *idx_put(struct topo *t, struct node_idx *x,
			       const char *key)
{
	int i = strmap_get(&x->map, key);
	struct net_hit *h;

	if (i >= 0)
		return &x->hits[i];
	h = vec_push(&t->arena, x->hits, x->n_hits, x->cap_hits);
	memset(h, 0, sizeof(*h));
	strmap_put(&x->map, arena_strdup(&t->arena, key), (int)(x->n_hits - 1));
	return h;
}

static const struct net_hit *idx_get(const struct node_idx *x, const char *key)
{
	int i = strmap_get(&x->map, key);

	return i >= 0 ? &x->hits[i] : NULL;
}

static void idx_plen(struct node_idx *x, const struct prefix *p)
{
	x->plens[p->family == AF_INET6][p->plen / 8] |=
		(uint8_t)(0x80 >> (p->plen % 8));
}

/* A subnet, on interface @dev and on "any interface". */
static void idx_subnet(struct topo *t, struct node_idx *x,
		       const struct prefix *p, const char *dev, int up)
{
	char key[64];

	idx_plen(x, p);
	for (int any = 0; any < 2; any++) {
		struct net_hit *h;

		idx_key(key, sizeof(key), 'S', p, p->plen, any ? NULL : dev);
		h = idx_put(t, x, key);
		if (up)
			h->up = true;
		else if (!h->down_if)
			h->down_if = dev;
	}
}

static void idx_first(struct topo *t, struct node_idx *x, char kind,
		      unsigned plen, const struct iface_cfg *ic,
		      const struct addr_cfg *a)
{
	char key[64];
	struct net_hit *h;

	idx_key(key, sizeof(key), kind, &a->p, plen, NULL);
	h = idx_put(t, x, key);
	if (!h->a) {
		h->a = a;
		h->ic = ic;
	}
}

static void idx_build(struct topo *t, const struct node *n, struct node_idx *x)
{
	char key[64];

	memset(x, 0, sizeof(*x));
	for (size_t i = 0; i < n->n_ifcfg; i++) {
		const struct iface_cfg *ic = &n->ifcfg[i];

		if (!strcmp(ic->name, "lo"))
			x->lo = ic;
		for (size_t j = 0; j < ic->n_addrs; j++) {
			const struct addr_cfg *a = &ic->addrs[j];

			idx_subnet(t, x, &a->p, ic->name, ic->up != 0);
			idx_key(key, sizeof(key), 'O', &a->p, full_len(&a->p),
				ic->name);
			idx_put(t, x, key);
			idx_key(key, sizeof(key), 'O', &a->p, full_len(&a->p),
				NULL);
			idx_put(t, x, key);
			idx_first(t, x, 'L', full_len(&a->p), ic, a);
			idx_first(t, x, 'C', a->p.plen, ic, a);
		}
	}
	/* A device route (no gateway) also makes its prefix reachable. */
	for (size_t i = 0; i < n->n_routes; i++) {
		const struct route *d = &n->routes[i];

		if (d->type != RT_UNICAST || d->has_via || !d->dev ||
		    d->to_default)
			continue;
		idx_subnet(t, x, &d->to, d->dev, 1);
	}
}

static bool if_is_up(const struct topo *t, const struct node *n,
		     const struct node_idx *x, const char *name)
{
	int idx = strmap_get(&n->ifmap, name);
	const struct iface_cfg *ic = idx >= 0		 ? t->ifaces[idx].cfg :
				     !strcmp(name, "lo") ? x->lo :
							   NULL;

	return !ic || ic->up != 0;
}

/* Is `gw` on a subnet of `dev` (or of any interface, when dev is NULL)? */
static bool gateway_reachable(const struct node_idx *x, const struct route *r,
			      const char **down_if, bool *is_own)
{
	unsigned full = full_len(&r->via);
	const uint8_t *plens = x->plens[r->via.family == AF_INET6];
	const struct net_hit *h;
	bool found = false;
	char key[64];

	idx_key(key, sizeof(key), 'O', &r->via, full, NULL);
	*is_own = idx_get(x, key) != NULL;
	for (unsigned plen = 0; plen <= full; plen++) {
		if (!(plens[plen / 8] & (0x80 >> (plen % 8))))
			continue;
		idx_key(key, sizeof(key), 'S', &r->via, plen, r->dev);
		h = idx_get(x, key);
		if (h && h->up)
			found = true;
		else if (h && !*down_if)
			*down_if = h->down_if;
	}
	return found;
}

/*
 * Return: 0 if @r may be checked further (clashes, duplicates), -1 if it
 * is in error.  Not judged by counting diagnostics: a repeated message
 * (a route from defaults, in a second node) is not added twice.
 */
static int check_route(struct vctx *v, struct node *n, const struct node_idx *x,
		       struct route *r)
{
	char to[INET6_ADDRSTRLEN + 4], via[INET6_ADDRSTRLEN];
	const char *down_if = NULL;
	bool is_own = false;

	if (r->intercept && n->is_host) {
		diag_add(
			v->d, r->pos,
			"intercept is not allowed in the host namespace: it would capture the host's own traffic");
		return -1;
	}
	if (r->type == RT_LOCAL && !r->dev)
		r->dev = "lo";
	if (r->type != RT_UNICAST && r->type != RT_LOCAL &&
	    (r->has_via || r->dev)) {
		diag_add(v->d, r->has_via ? r->via_pos : r->dev_pos,
			 "a %s route takes neither 'via' nor 'dev'",
			 route_type_name(r->type));
		return -1;
	}
	if (r->type == RT_LOCAL && r->has_via) {
		diag_add(v->d, r->via_pos, "a local route takes no 'via'");
		return -1;
	}
	if (r->to_default) {
		if (!r->has_via) {
			diag_add(
				v->d, r->to_pos,
				"'default' needs 'via' to tell IPv4 from IPv6: write 0.0.0.0/0 or ::/0");
			return -1;
		}
		r->to.family = r->via.family;
		r->to.plen = 0;
	}
	prefix_format(&r->to, true, to, sizeof(to));
	if (prefix_has_host_bits(&r->to)) {
		struct prefix net = r->to;

		for (unsigned b = net.plen;
		     b < (net.family == AF_INET ? 32u : 128u); b++)
			net.bytes[b / 8] &= (uint8_t) ~(0x80 >> (b % 8));
		prefix_format(&net, true, via, sizeof(via));
		diag_add(v->d, r->to_pos,
			 "%s %s has host bits set (did you mean %s?)",
			 r->intercept ? "intercept prefix" :
					"route destination",
			 to, via);
		return -1;
	}
	if (r->dev && !if_exists(n, r->dev)) {
		if (v->t->lost_links || if_lost(v, r->dev))
			return -1;
		diag_add(v->d, r->dev_pos,
			 "route device '%s' does not exist in node '%s'",
			 r->dev, n->name);
		return -1;
	}
	if (r->dev && !if_is_up(v->t, n, x, r->dev) && r->type == RT_UNICAST) {
		diag_add(v->d, r->dev_pos,
			 "route device '%s' is down (up: false) in node '%s'",
			 r->dev, n->name);
		return -1;
	}
	if (r->type == RT_UNICAST && !r->has_via && !r->dev) {
		diag_add(v->d, r->pos, "a unicast route needs 'via' or 'dev'");
		return -1;
	}
	if (r->onlink && !r->has_via) {
		diag_add(v->d, r->pos, "an onlink route needs 'via'");
		return -1;
	}
	if (!r->has_via)
		return 0;
	prefix_format(&r->via, false, via, sizeof(via));
	if (r->via.family != r->to.family) {
		diag_add(v->d, r->via_pos,
			 "gateway %s is %s but destination %s is %s", via,
			 r->via.family == AF_INET ? "IPv4" : "IPv6", to,
			 r->to.family == AF_INET ? "IPv4" : "IPv6");
		return -1;
	}
	if (prefix_is_link_local(&r->via) && !r->dev) {
		diag_add(v->d, r->via_pos, "link-local gateway %s needs 'dev'",
			 via);
		return -1;
	}
	if (r->onlink && !r->dev) {
		diag_add(v->d, r->pos, "an onlink route needs 'dev'");
		return -1;
	}
	if (prefix_is_link_local(&r->via) || r->onlink)
		return 0;
	if (!gateway_reachable(x, r, &down_if, &is_own) || is_own) {
		if ((v->t->lost_addrs || v->t->lost_links) && !is_own &&
		    !down_if)
			return 0;
		if (is_own)
			diag_add(v->d, r->via_pos,
				 "gateway %s is an address of node '%s' itself",
				 via, n->name);
		else if (down_if)
			diag_add(
				v->d, r->via_pos,
				"gateway %s is on interface '%s', which is down (up: false)",
				via, down_if);
		else if (r->dev)
			diag_add(
				v->d, r->via_pos,
				"gateway %s is not on a subnet of '%s' in node '%s' (add an address there, or onlink: true)",
				via, r->dev, n->name);
		else
			diag_add(
				v->d, r->via_pos,
				"gateway %s is not on a subnet of any interface of node '%s'",
				via, n->name);
		return -1;
	}
	return 0;
}

/* The kernel's own routes that a topology's route would collide with. */
static bool clashes_kernel_route(const struct node_idx *x,
				 const struct route *r, char *why, size_t len)
{
	unsigned full = full_len(&r->to);
	const struct net_hit *h = NULL;
	char key[64], at[INET6_ADDRSTRLEN + 4];

	if (r->table == RT_TABLE_LOCAL_ID && r->to.plen == full) {
		idx_key(key, sizeof(key), 'L', &r->to, full, NULL);
		h = idx_get(x, key);
		if (h) {
			prefix_format(&h->a->p, true, at, sizeof(at));
			snprintf(why, len, "it is the local address %s of %s",
				 at, h->ic->name);
			return true;
		}
	}
	/* Connected routes: IPv4 metric 0, IPv6 metric 256; none for an
	 * address of full length (/32, /128). */
	if (r->table == RT_TABLE_MAIN_ID && r->to.plen < full &&
	    r->metric == (r->to.family == AF_INET ? 0u : 256u)) {
		idx_key(key, sizeof(key), 'C', &r->to, r->to.plen, NULL);
		h = idx_get(x, key);
		if (h) {
			prefix_format(&h->a->p, true, at, sizeof(at));
			snprintf(
				why, len,
				"the kernel adds that route for address %s of %s (give it a metric)",
				at, h->ic->name);
			return true;
		}
	}
	if (r->table == RT_TABLE_LOCAL_ID) {
		struct prefix lo4, lo6;
		const char *w;

		prefix_parse("127.0.0.0/8", &lo4, true, &w);
		prefix_parse("::1/128", &lo6, true, &w);
		if (prefix_eq(&r->to, &lo4) || prefix_eq(&r->to, &lo6)) {
			snprintf(why, len, "the kernel adds it for lo");
			return true;
		}
	}
	return false;
}

static void check_routes(struct vctx *v, struct node *n)
{
	struct topo *t = v->t;
	struct strmap seen = { 0 };
	struct node_idx x;

	if (!n->n_routes)
		return;
	idx_build(t, n, &x);

	for (size_t i = 0; i < n->n_routes; i++) {
		struct route *r = &n->routes[i];
		char to[INET6_ADDRSTRLEN + 4], why[160];
		const char *key;
		int prev;

		if (r->type == RT_LOCAL && !r->intercept && !r->has_table)
			r->table = RT_TABLE_LOCAL_ID; /* as ip route does */
		if (check_route(v, n, &x, r))
			continue;
		/* The kernel's default for IPv6, which it also gives to 0. */
		if (r->to.family == AF_INET6 && !r->metric)
			r->metric = 1024;
		prefix_format(&r->to, true, to, sizeof(to));
		if (clashes_kernel_route(&x, r, why, sizeof(why))) {
			diag_add(v->d, r->to_pos,
				 "%s %s clashes with a route of the kernel: %s",
				 r->intercept ? "intercept" : "route to", to,
				 why);
			continue;
		}
		key = arena_printf(&t->arena, "%u|%s|%u", r->table, to,
				   r->metric);
		prev = strmap_put(&seen, key, (int)i);
		if (prev >= 0)
			diag_add(
				v->d, r->to_pos,
				"duplicate route to %s in table %u (first at %u:%u)",
				to, r->table, n->routes[prev].to_pos.line,
				n->routes[prev].to_pos.col);
	}
	strmap_free(&seen);
	strmap_free(&x.map);
}

static void check_sysctls(struct vctx *v, struct node *n)
{
	for (size_t i = 0; i < n->n_sysctls; i++) {
		const struct sysctl *s = &n->sysctls[i];
		char ifname[IFNAME_MAX + 1];

		if (!sysctl_key_ifname(s->key, ifname) || n->is_host ||
		    !strcmp(ifname, "all") || !strcmp(ifname, "default") ||
		    if_exists(n, ifname) || if_lost(v, ifname) ||
		    v->t->lost_links)
			continue;
		diag_add(
			v->d, s->pos,
			"sysctl '%s' names interface '%s', which node '%s' does not have",
			s->key, ifname, n->name);
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
		diag_add(d, (struct pos){ 1, 1 },
			 "the topology has no nodes, bridges or links");
	check_bridges(&v);
	check_links(&v);
	for (size_t i = 0; i < t->n_nodes; i++)
		check_ifcfg(&v, (int)i);
	for (size_t i = 0; i < t->n_nodes; i++) {
		check_sysctls(&v, &t->nodes[i]);
		check_routes(&v, &t->nodes[i]);
	}
	strmap_free(&v.addrs);
	strmap_free(&v.lost_ifs);
	return d->n > before ? -1 : 0;
}
