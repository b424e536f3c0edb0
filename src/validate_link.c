// SPDX-License-Identifier: MIT
/*
 * validate_link.c - what the kernel refuses, or never finishes, of links
 * as they will be: links on a parent, MACs on one link layer, interfaces
 * without IPv6, duplicate address detection without carrier.
 *
 * A macvlan (or ipvlan) takes its parent's receive handler: its parent
 * can be no bridge port, nor lo, nor the parent of the other kind
 * (EBUSY, EINVAL); its MTU can be no larger than its parent's (EINVAL);
 * a passthru macvlan is its parent's only one (EINVAL) and has its
 * parent's MAC.  Behind one switch (a bridge: its ports' peers; a
 * macvlan's parent: it and its macvlans) two interfaces with one MAC
 * either fail to come up (a macvlan with its parent's or a sibling's
 * MAC: EADDRINUSE) or lose each other's frames (the bridge learns them
 * on one port).  The two ends of a pair may share one, as may a bridge
 * port and its peer (tried: both ping).  The kernel puts a macvlan made on
 * another macvlan on that one's parent: "the parent" below is that real
 * one.
 *
 * Below an MTU of 1280, or with disable_ipv6, an interface has no IPv6;
 * where the file turns DAD on, an address on a link without carrier
 * stays tentative, and one twice on a link fails: status would never
 * find such a lab as planned.
 */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "validate_link.h"

struct lctx {
	struct topo *t;
	struct diags *d;
	int *root;	/* union-find over t->ifaces: link layers */
	int *by_parent; /* per iface: first link with it as real parent */
};

static const char *if_node(const struct topo *t, const struct iface *f)
{
	return t->nodes[f->node].name;
}

static int find(int *root, int i)
{
	while (root[i] != i) {
		root[i] = root[root[i]];
		i = root[i];
	}
	return i;
}

static void join(int *root, int a, int b)
{
	if (a >= 0 && b >= 0)
		root[find(root, a)] = find(root, b);
}

/* The interface a link of @l's kind really sits on, or -1 (the host's). */
static int real_parent(const struct topo *t, const struct link *l)
{
	int p = l->parent_iface;

	for (size_t hops = 0; p >= 0 && hops <= t->n_links; hops++) {
		const struct iface *f = &t->ifaces[p];

		if (f->link < 0 || f->kind != l->kind ||
		    !link_kind(l->kind)->rx_handler)
			break;
		p = t->links[f->link].parent_iface;
	}
	return p;
}

/* Whether @l's end was made: its endpoint resolved, its parent found. */
static bool link_made(const struct topo *t, const struct link *l)
{
	return l->parent.text && l->ep[0].iface >= 0 &&
	       (size_t)l->ep[0].iface < t->n_ifaces &&
	       t->ifaces[l->ep[0].iface].link >= 0 && l->parent.ifname;
}

/*
 * The interface whose MTU (or carrier) @i has: itself, or up its chain of
 * parents while it has no MTU of its own (@mtu) or takes its parent's
 * carrier; -1 for a parent the host has.
 */
static int chain_end(const struct topo *t, int i, bool mtu)
{
	for (size_t hops = 0; i >= 0 && hops <= t->n_ifaces; hops++) {
		const struct iface *f = &t->ifaces[i];

		if ((mtu && f->mtu) || f->link < 0 ||
		    !link_kind(f->kind)->parent)
			return i;
		i = t->links[f->link].parent_iface;
	}
	return i;
}

/* A bridge port's MTU: its own or its chain's, 1500 by default. */
static uint32_t port_mtu(const struct topo *t, int i)
{
	int e = chain_end(t, i, true);

	if (e < 0)
		return 0;
	return t->ifaces[e].mtu ? t->ifaces[e].mtu : 1500;
}

/*
 * The MTU an interface has once the lab is up: its own, or a kind's
 * default (a link on a parent takes the parent's; a bridge the least of
 * its ports'); 0 when it cannot be known (a parent the host has).
 */
static uint32_t mtu_of(const struct topo *t, int i)
{
	int e = chain_end(t, i, true);
	uint32_t least = 0;

	if (e < 0)
		return 0;
	if (t->ifaces[e].mtu || t->ifaces[e].kind != LK_BRIDGE)
		return t->ifaces[e].mtu ? t->ifaces[e].mtu : 1500;
	for (size_t k = 0; k < t->n_ifaces; k++)
		if (t->ifaces[k].master == e) {
			uint32_t m = port_mtu(t, (int)k);

			if (m && (!least || m < least))
				least = m;
		}
	return least ? least : 1500;
}

static struct pos mtu_pos(const struct topo *t, const struct iface *f)
{
	if (f->cfg && f->cfg->mtu)
		return f->cfg->mtu_pos;
	return t->links[f->link].mtu_pos;
}

/* Is host interface @name a port a bridge of the file takes? */
static const struct bridge *host_port_of(const struct topo *t, const char *name)
{
	for (size_t b = 0; b < t->n_bridges; b++) {
		if (t->bridges[b].node != HOST_NODE)
			continue;
		for (size_t k = 0; k < t->bridges[b].n_given; k++)
			if (t->bridges[b].ports[k].iface < 0 &&
			    !strcmp(t->bridges[b].ports[k].name, name))
				return &t->bridges[b];
	}
	return NULL;
}

/* The parent of one link: lo, a bridge port, its MTU. */
static void check_parent_of(struct lctx *c, const struct link *l)
{
	const struct topo *t = c->t;
	const struct link_kind_desc *k = link_kind(l->kind);
	const struct iface *f = &t->ifaces[l->ep[0].iface];
	int p = real_parent(t, l);
	const struct bridge *b = NULL;
	uint32_t pm;

	if (!strcmp(l->parent.ifname, "lo")) {
		diag_add(
			c->d, l->parent.pos,
			"parent '%s': lo cannot be a parent (the kernel puts a %s only on an Ethernet device)",
			l->parent.text, k->name);
		return;
	}
	if (k->rx_handler && p >= 0 && t->ifaces[p].master >= 0)
		b = &t->bridges[t->ifaces[t->ifaces[p].master].bridge];
	else if (k->rx_handler && p < 0 && l->parent.node == HOST_NODE)
		b = host_port_of(t, l->parent.ifname);
	if (b) {
		diag_add(
			c->d, l->parent.pos,
			"parent '%s' is a port of bridge '%s': the kernel lets no %s sit on a bridge port (busy)",
			l->parent.text, b->name, k->name);
		return;
	}
	if (!f->mtu || l->parent_iface < 0)
		return;
	pm = mtu_of(t, l->parent_iface);
	if (pm && f->mtu > pm)
		diag_add(
			c->d, mtu_pos(t, f),
			"mtu %u of %s '%s:%s' is above the mtu %u of its parent '%s': the kernel refuses it",
			f->mtu, k->name, if_node(t, f), f->name, pm,
			l->parent.text);
}

/* "NODE:IFNAME" of interface @i, for messages. */
static const char *if_text(struct lctx *c, int i, char *buf, size_t len)
{
	const struct iface *f = &c->t->ifaces[i];

	snprintf(buf, len, "%s:%s", if_node(c->t, f), f->name);
	return buf;
}

/* What the links on one real parent may share: a passthru macvlan is
 * alone there; macvlans and ipvlans do not mix. */
static void check_siblings(struct lctx *c, size_t i)
{
	const struct topo *t = c->t;
	const struct link *l = &t->links[i];
	const struct link_mode *m = link_mode_of(l->kind, l->mode);
	const char *kind = link_kind(l->kind)->name;
	int p = real_parent(t, l);
	char pt[80], ot[80];
	const struct link *o;
	int first;

	if (!link_kind(l->kind)->rx_handler || p < 0)
		return;
	first = c->by_parent[p];
	if (first < 0) {
		c->by_parent[p] = (int)i;
		return;
	}
	o = &t->links[first];
	if_text(c, p, pt, sizeof(pt));
	if_text(c, o->ep[0].iface, ot, sizeof(ot));
	if (o->kind != l->kind) {
		diag_add(
			c->d, l->parent.pos,
			"parent '%s' has %s '%s' already (at %u:%u): the kernel lets it carry no %s too (busy)",
			pt, link_kind(o->kind)->name, ot, o->pos.line,
			o->pos.col, kind);
		return;
	}
	if (m && m->alone)
		diag_add(
			c->d, l->mode_pos.line ? l->mode_pos : l->pos,
			"a %s %s must be the only %s of its parent, but '%s' has '%s' already (at %u:%u)",
			m->name, kind, kind, pt, ot, o->pos.line, o->pos.col);
	else if ((m = link_mode_of(o->kind, o->mode)) && m->alone)
		diag_add(
			c->d, l->parent.pos,
			"parent '%s' has the %s %s '%s' (at %u:%u), which must be its only %s",
			pt, m->name, kind, ot, o->pos.line, o->pos.col, kind);
}

/* Does the kernel refuse @a's MAC beside @b's: a macvlan and its parent,
 * or two macvlans of one parent (EADDRINUSE)? */
static bool mac_refused(const struct topo *t, int a, int b)
{
	int pa = -1, pb = -1;

	if (t->ifaces[a].link >= 0 && link_kind(t->ifaces[a].kind)->rx_handler)
		pa = real_parent(t, &t->links[t->ifaces[a].link]);
	if (t->ifaces[b].link >= 0 && link_kind(t->ifaces[b].kind)->rx_handler)
		pb = real_parent(t, &t->links[t->ifaces[b].link]);
	return (pa >= 0 && (pa == b || pa == pb)) || (pb >= 0 && pb == a);
}

/* A passthru macvlan has its parent's MAC: one of its own is not kept. */
static void check_alone_mac(struct lctx *c, const struct link *l)
{
	const struct link_mode *m = link_mode_of(l->kind, l->mode);
	const struct iface *f = &c->t->ifaces[l->ep[0].iface];

	if (m && m->alone && f->cfg && f->cfg->has_mac)
		diag_add(
			c->d, f->cfg->mac_pos,
			"a %s %s has its parent's MAC: set 'mac' on the parent '%s' instead",
			m->name, link_kind(l->kind)->name, l->parent.text);
}

/* Two interfaces of one link layer with one MAC. */
static void check_macs(struct lctx *c)
{
	const struct topo *t = c->t;
	struct strmap seen = { 0 };
	struct arena a = { 0 };

	for (size_t i = 0; i < t->n_ifaces; i++) {
		const struct iface *f = &t->ifaces[i];
		const struct iface *g;
		char mac[MAC_TEXT];
		const char *key;
		int prev;

		/* A bridge and its ports are the switch, not stations: a
		 * bridge has a port's MAC unless told otherwise, and a port
		 * may have its peer's. */
		if (!f->cfg || !f->cfg->has_mac || f->kind == LK_BRIDGE ||
		    f->master >= 0)
			continue;
		key = arena_printf(&a, "%d|%s", find(c->root, (int)i),
				   mac_format(f->cfg->mac, mac));
		prev = strmap_put(&seen, key, (int)i);
		if (prev < 0)
			continue;
		g = &t->ifaces[prev];
		diag_add(
			c->d, f->cfg->mac_pos,
			"mac %s is also that of '%s:%s' (at %u:%u), on the same link layer: %s",
			mac, if_node(t, g), g->name, g->cfg->mac_pos.line,
			g->cfg->mac_pos.col,
			mac_refused(t, (int)i, prev) ?
				"the kernel refuses it (address in use)" :
				"the bridge cannot tell them apart (frames get lost)");
	}
	strmap_free(&seen);
	arena_free(&a);
}

/* The last value node @n's sysctls give @key, or NULL. */
static const struct sysctl *sysctl_of(const struct node *n, const char *key)
{
	for (size_t k = n->n_sysctls; k-- > 0;)
		if (!strcmp(n->sysctls[k].key, key))
			return &n->sysctls[k];
	return NULL;
}

/*
 * Why interface @f will have IPv6 disabled, or NULL: a disable_ipv6 of
 * its own, or (unset) the node's `all` or `default` one, written before
 * the interface is made; nstopo's own for a bridge port with no address.
 */
static const char *ipv6_disabled(const struct topo *t, const struct iface *f,
				 char *buf, size_t len)
{
	const struct node *n = &t->nodes[f->node];
	const char *leaves[] = { NULL, "all", "default" };
	char key[96];

	leaves[0] = f->name;
	for (size_t i = 0; i < ARRAY_SIZE(leaves); i++) {
		const struct sysctl *s;

		sysctl_if_key(key, sizeof(key), "ipv6", leaves[i],
			      "disable_ipv6");
		s = sysctl_of(n, key);
		if (i && n->is_host)
			break; /* the host's are not known */
		if (!s)
			continue;
		if (!strcmp(s->value, "0"))
			return NULL;
		snprintf(buf, len, "%s is %s at %u:%u", key, s->value,
			 s->pos.line, s->pos.col);
		return buf;
	}
	sysctl_if_key(key, sizeof(key), "ipv6", f->name, "accept_dad");
	if (f->master >= 0 && (!f->cfg || !f->cfg->n_addrs) &&
	    !sysctl_of(n, key)) {
		snprintf(
			buf, len,
			"nstopo turns it off on a bridge port with no address");
		return buf;
	}
	return NULL;
}

/*
 * Below an MTU of 1280 the kernel gives an interface no IPv6 at all: no
 * addresses, routes, nor net.ipv6.conf.IF keys (ENOENT); with IPv6
 * disabled, no addresses nor routes (EACCES).  An MTU written on the
 * interface itself is judged by validate.c with its addresses.
 */
static void check_no_ipv6(struct lctx *c, int i)
{
	const struct topo *t = c->t;
	struct iface *f = &t->ifaces[i];
	const struct node *n = &t->nodes[f->node];
	uint32_t mtu = mtu_of(t, i);
	char name[IFNAME_MAX + 1], buf[160];
	const char *off = NULL;

	f->no_ipv6 = mtu && mtu < 1280;
	if (f->no_ipv6)
		snprintf(buf, sizeof(buf), "its mtu %u is below 1280", mtu);
	else
		off = ipv6_disabled(t, f, buf, sizeof(buf));
	if (!f->no_ipv6 && !off)
		return;
	for (size_t k = 0; f->cfg && k < f->cfg->n_addrs; k++)
		if (f->cfg->addrs[k].p.family == AF_INET6 && (off || !f->mtu))
			diag_add(c->d, f->cfg->addrs[k].pos,
				 "'%s' has no IPv6 for this address: %s",
				 f->name, buf);
	for (size_t k = 0; k < n->n_routes; k++)
		if (n->routes[k].to.family == AF_INET6 && n->routes[k].dev &&
		    !strcmp(n->routes[k].dev, f->name))
			diag_add(c->d, n->routes[k].dev_pos,
				 "route device '%s' has no IPv6: %s", f->name,
				 buf);
	if (off)
		return;
	if (f->cfg && (f->cfg->accept_ra >= 0 || f->cfg->autoconf >= 0))
		diag_add(
			c->d, f->cfg->pos,
			"'%s' takes no accept-ra or autoconf: %s, and the kernel gives it no IPv6",
			f->name, buf);
	for (size_t k = 0; k < n->n_sysctls; k++)
		if (!strncmp(n->sysctls[k].key, "net.ipv6.", 9) &&
		    sysctl_key_ifname(n->sysctls[k].key, name) &&
		    !strcmp(name, f->name))
			diag_add(
				c->d, n->sysctls[k].pos,
				"sysctl '%s' does not exist: %s, and the kernel gives '%s' no IPv6",
				n->sysctls[k].key, buf, f->name);
}

static bool up_wanted(const struct iface *f)
{
	return !f->cfg || f->cfg->up != 0;
}

/*
 * Will interface @i have carrier, leaving bridges aside?  Up, its peer up,
 * and the same of its parents up the chain.  Its bridge, if it meets one,
 * in *@bridge (-1 if none).  Why not, in @why.
 */
static bool link_carrier(const struct topo *t, int i, int *bridge, char *why,
			 size_t len)
{
	*bridge = -1;
	for (size_t hops = 0; i >= 0 && hops <= t->n_ifaces; hops++) {
		const struct iface *f = &t->ifaces[i];

		if (!up_wanted(f)) {
			snprintf(why, len, "'%s' is down (up: false)", f->name);
			return false;
		}
		if (f->peer >= 0 && !up_wanted(&t->ifaces[f->peer])) {
			snprintf(why, len,
				 "its peer '%s:%s' is down (up: false)",
				 if_node(t, &t->ifaces[f->peer]),
				 t->ifaces[f->peer].name);
			return false;
		}
		if (f->kind == LK_BRIDGE) {
			*bridge = i;
			return true;
		}
		if (f->link < 0 || !link_kind(f->kind)->parent)
			return true;
		i = t->links[f->link].parent_iface;
	}
	return true; /* a parent the host has: it may have carrier */
}

/*
 * Will interface @i have carrier once the lab is up?  A pair needs both
 * ends up, a bridge a port with carrier, a link on a parent its parent's
 * carrier; what the host has is assumed to have it.  Why not, in @why.
 */
static bool carrier(const struct topo *t, int i, char *why, size_t len)
{
	const struct bridge *b;
	int br, sub;

	if (!link_carrier(t, i, &br, why, len))
		return false;
	if (br < 0)
		return true;
	b = &t->bridges[t->ifaces[br].bridge];
	for (size_t k = 0; k < b->n_given; k++)
		if (b->ports[k].iface < 0)
			return true; /* the host's: may have it */
	for (size_t k = 0; k < t->n_ifaces; k++)
		if (t->ifaces[k].master == br &&
		    link_carrier(t, (int)k, &sub, why, len))
			return true;
	snprintf(why, len, "bridge '%s' has no port with carrier", b->name);
	return false;
}

/*
 * Duplicate address detection on @f (as compile.c's dad_wanted(): nstopo
 * turns it off unless the file turns it on): the key that turns it on,
 * or NULL.
 */
static const struct sysctl *dad_on(const struct topo *t, const struct iface *f)
{
	const struct node *n = &t->nodes[f->node];
	const struct sysctl *all, *own;
	char key[96];

	all = sysctl_of(n, "net.ipv6.conf.all.accept_dad");
	sysctl_if_key(key, sizeof(key), "ipv6", f->name, "accept_dad");
	own = sysctl_of(n, key);
	if (!own)
		own = sysctl_of(n, "net.ipv6.conf.default.accept_dad");
	if (own && atoi(own->value) > 0)
		return own;
	if (all && !n->is_host && atoi(all->value) > 0)
		return all;
	return NULL;
}

/* An IPv6 address under DAD stays tentative where its link has no
 * carrier: the lab would never be as planned. */
static void check_dad_carrier(struct lctx *c, int i)
{
	const struct topo *t = c->t;
	const struct iface *f = &t->ifaces[i];
	const struct sysctl *dad;
	char why[160], text[INET6_ADDRSTRLEN + 4];

	if (!f->cfg || f->no_ipv6 || !(dad = dad_on(t, f)))
		return;
	for (size_t k = 0; k < f->cfg->n_addrs; k++) {
		const struct addr_cfg *a = &f->cfg->addrs[k];

		if (a->p.family != AF_INET6 || prefix_is_link_local(&a->p) ||
		    carrier(t, i, why, sizeof(why)))
			continue;
		prefix_format(&a->p, true, text, sizeof(text));
		diag_add(
			c->d, a->pos,
			"address %s would stay tentative: %s turns duplicate address detection on (at %u:%u), and '%s' has no carrier: %s",
			text, dad->key, dad->pos.line, dad->pos.col, f->name,
			why);
	}
}

/*
 * One IPv6 address on two interfaces of one link, where DAD is on for
 * either: it fails ("dadfailed"), for good.  @seg: link layers as the
 * frames go (a pair's ends too).
 */
static void check_dad_duplicates(struct lctx *c, int *seg)
{
	const struct topo *t = c->t;
	struct strmap seen = { 0 };
	struct arena a = { 0 };
	char text[INET6_ADDRSTRLEN + 4];

	for (size_t i = 0; i < t->n_ifaces; i++) {
		const struct iface *f = &t->ifaces[i];

		for (size_t k = 0; f->cfg && k < f->cfg->n_addrs; k++) {
			const struct addr_cfg *ad = &f->cfg->addrs[k];
			const struct sysctl *dad;
			const struct iface *g;
			const char *key;
			int prev;

			if (ad->p.family != AF_INET6)
				continue;
			prefix_format(&ad->p, false, text, sizeof(text));
			key = arena_printf(&a, "%d|%s", find(seg, (int)i),
					   text);
			prev = strmap_put(&seen, key, (int)i);
			if (prev < 0 || prev == (int)i)
				continue;
			g = &t->ifaces[prev];
			dad = dad_on(t, f);
			if (!dad)
				dad = dad_on(t, g);
			if (dad)
				diag_add(
					c->d, ad->pos,
					"address %s is also on '%s:%s', on the same link: duplicate address detection (%s at %u:%u) fails for it",
					text, if_node(t, g), g->name, dad->key,
					dad->pos.line, dad->pos.col);
		}
	}
	strmap_free(&seen);
	arena_free(&a);
}

void validate_links_kernel(struct topo *t, struct diags *d)
{
	struct lctx c = { .t = t, .d = d };

	if (!t->n_ifaces)
		return;
	c.root = xcalloc(t->n_ifaces, sizeof(*c.root));
	c.by_parent = xcalloc(t->n_ifaces, sizeof(*c.by_parent));
	for (size_t i = 0; i < t->n_ifaces; i++) {
		c.root[i] = (int)i;
		c.by_parent[i] = -1;
	}
	for (size_t i = 0; i < t->n_ifaces; i++) {
		const struct iface *f = &t->ifaces[i];

		/* A bridge port's peer is a station of the bridge; a pair
		 * alone is no switch, its ends may share a MAC. */
		if (f->master >= 0)
			join(c.root, f->peer, f->master);
	}
	for (size_t i = 0; i < t->n_links; i++) {
		const struct link *l = &t->links[i];

		if (!link_made(t, l))
			continue;
		if (link_kind(l->kind)->rx_handler)
			join(c.root, l->ep[0].iface, l->parent_iface);
		check_parent_of(&c, l);
		check_siblings(&c, i);
		check_alone_mac(&c, l);
	}
	check_macs(&c);
	for (size_t i = 0; i < t->n_ifaces; i++) {
		check_no_ipv6(&c, (int)i);
		check_dad_carrier(&c, (int)i);
	}
	/* Links as frames go: a pair's ends share one too. */
	for (size_t i = 0; i < t->n_ifaces; i++)
		join(c.root, (int)i, t->ifaces[i].peer);
	check_dad_duplicates(&c, c.root);
	free(c.root);
	free(c.by_parent);
}
