// SPDX-License-Identifier: MIT
/*
 * split.c - a lab spread over machines: each machine's share of its plan.
 *
 * Theory of operation: the whole lab is compiled once, as if on one
 * machine (plan_compile()); each machine then keeps the ops that are its
 * own.  An op in a node's namespace is that node's machine's; one in the
 * host namespace (every machine has one) is the machine's of the
 * interface it is about: a bridge of the host namespace is made, set up
 * and given its own sysctls on every machine one of its ports is on, its
 * addresses and other settings stay on one (validate_hosts.c decides
 * where each node and interface is).  What crosses machines becomes
 * tunnels: a veth pair whose ends are on two machines is a VXLAN on each,
 * and a bridge made on several machines gets a VXLAN port on each, which
 * floods to all the others (an all-zero FDB entry per machine: head-end
 * replication, no multicast on the underlay).
 *
 * Everything a tunnel needs is derived from the file alone, so each
 * machine computes the same on its own (LAB is the lab's name):
 *
 *   (H(S) is the 64-bit FNV-1a hash of S, its bits mixed by
 *   splitmix64's finaliser: x ^= x >> 30; x *= 0xbf58476d1ce4e5b9;
 *   x ^= x >> 27; x *= 0x94d049bb133111eb; x ^= x >> 31.)
 *
 *   VNI   1 + H("LAB\nKEY\nSALT") mod 16777215, where KEY is
 *         "bridge NAME" for a bridge and "link NODE:IF NODE:IF" for a
 *         pair (its endpoints as written, resolved), SALT 0, 1, 2...:
 *         the first that is neither the VNI of one of the file's own
 *         vxlan links (on port 4789) nor one derived before it (bridges
 *         first, then links, each in file order).
 *   MAC   the six low bytes of H("mac\nLAB\nKEY\nEND") (lowest first), made
 *         unicast and locally administered (02 in the first byte's low
 *         bits), where END is 0 or 1 for a pair's ends (the first end of
 *         its link.add op, or its peer), the host's name for a bridge's
 *         port; unless the file gives the interface a mac.
 *   name  a pair's ends keep theirs; a bridge's port is "vx-BRIDGE" when
 *         that fits 15 characters and the file makes no such interface
 *         in the host namespace, else "vx-" and the low 32 bits of
 *         H("LAB\nbridge NAME\nSALT") in hex (SALT 0, 1...: the
 *         first name not taken).
 *   MTU   the smallest `mtu:` of the hosts it joins (1500 unless given)
 *         minus 50 over an IPv4 underlay, 70 over IPv6, for a tunnel and
 *         for both ends of each veth on a bridge made on several
 *         machines, unless the file sets theirs.
 */
#include <arpa/inet.h>
#include <string.h>

#include "split.h"

#define VXLAN_PORT 4789
#define VNI_MAX 16777215u

struct split {
	const struct topo *t;
	int me;		       /* the machine whose share this is */
	struct plan *out;      /* its ops, with the whole plan's strings */
	struct arena a;	       /* keys and names */
	struct strmap ifs;     /* "ns|name" -> index in t->ifaces */
	struct strmap nss;     /* ns -> index in t->nodes */
	struct strmap tunnels; /* "ns|name" of ends made tunnels here */
	uint32_t *link_vni;    /* per link: its VNI, 0: on one machine */
	const char **link_key; /* per link: its KEY (above) */
	uint32_t *bridge_vni;  /* per bridge: its VNI, 0: on one machine */
	uint32_t overhead;     /* what VXLAN adds over the underlay */
};

int topo_host_find(const struct topo *t, const char *name)
{
	return strmap_get(&t->host_map, name);
}

/* FNV-1a of @s, its bits mixed (splitmix64's finaliser): strings that
 * differ in one character give unrelated numbers. */
static uint64_t fnv(const char *s)
{
	uint64_t h = hash_bytes(s, strlen(s));

	h = (h ^ (h >> 30)) * 0xbf58476d1ce4e5b9ULL;
	h = (h ^ (h >> 27)) * 0x94d049bb133111ebULL;
	return h ^ (h >> 31);
}

static const char *if_key(struct arena *a, const char *ns, const char *name)
{
	return arena_printf(a, "%s|%s", ns ? ns : "", name);
}

static int iface_of(struct split *s, const char *ns, const char *name)
{
	return name ? strmap_get(&s->ifs, if_key(&s->a, ns, name)) : -1;
}

/* The machines an interface is on: where it is made, or (@config) where
 * its settings go. */
static uint64_t machines(struct split *s, const char *ns, const char *name,
			 bool config)
{
	const struct topo *t = s->t;
	int i = iface_of(s, ns, name), node;
	const struct iface *f;

	if (i < 0) {
		node = ns ? strmap_get(&s->nss, ns) : HOST_NODE;
		return 1ull << t->nodes[node >= 0 ? node : HOST_NODE].host;
	}
	f = &t->ifaces[i];
	if (f->hosts && !config)
		return f->hosts;
	return 1ull << f->host;
}

static bool mine(const struct split *s, uint64_t machines)
{
	return (machines >> s->me) & 1;
}

static uint32_t tunnel_mtu(const struct split *s, uint64_t machines)
{
	uint32_t mtu = UINT32_MAX;

	for (size_t i = 0; i < s->t->n_hosts; i++)
		if ((machines >> i) & 1 && s->t->hosts[i].mtu < mtu)
			mtu = s->t->hosts[i].mtu;
	return mtu - s->overhead;
}

static uint32_t derive_vni(struct split *s, struct strmap *used,
			   const char *key)
{
	for (unsigned salt = 0;; salt++) {
		uint32_t vni =
			1 +
			(uint32_t)(fnv(arena_printf(&s->a, "%s\n%s\n%u",
						    s->t->name, key, salt)) %
				   VNI_MAX);

		if (strmap_put(used, arena_printf(&s->a, "%u", vni), 0) < 0)
			return vni;
	}
}

static void derive_mac(struct split *s, const char *key, const char *end,
		       uint8_t mac[6])
{
	uint64_t h = fnv(
		arena_printf(&s->a, "mac\n%s\n%s\n%s", s->t->name, key, end));

	for (int i = 0; i < 6; i++)
		mac[i] = (uint8_t)(h >> (8 * i));
	mac[0] = (uint8_t)((mac[0] & 0xfc) | 0x02);
}

static int host_ns_has(const struct topo *t, const char *name)
{
	return strmap_get(&t->nodes[HOST_NODE].ifmap, name) >= 0;
}

const char *split_port_name(const struct topo *t, const struct bridge *b,
			    struct arena *a)
{
	const char *name = arena_printf(a, "vx-%s", b->name);

	for (unsigned salt = 0;
	     strlen(name) > IFNAME_MAX || host_ns_has(t, name); salt++)
		name = arena_printf(
			a, "vx-%08x",
			(uint32_t)fnv(arena_printf(a, "%s\nbridge %s\n%u",
						   t->name, b->name, salt)));
	return name;
}

static const char *end_text(struct split *s, const struct endpoint *ep)
{
	return arena_printf(&s->a, "%s:%s", s->t->nodes[ep->node].name,
			    ep->ifname);
}

/* What crosses machines, and the VNI of each. */
static void derive_vnis(struct split *s)
{
	const struct topo *t = s->t;
	struct strmap used = { 0 };

	for (size_t i = 0; i < t->n_links; i++) {
		const struct link *l = &t->links[i];

		if (link_kind(l->kind)->underlay && l->tun.port == VXLAN_PORT)
			strmap_put(&used, arena_printf(&s->a, "%u", l->id), 0);
	}
	for (size_t i = 0; i < t->n_bridges; i++) {
		const struct bridge *b = &t->bridges[i];
		uint64_t m = b->iface >= 0 ? t->ifaces[b->iface].hosts : 0;

		if (m & (m - 1))
			s->bridge_vni[i] = derive_vni(
				s, &used,
				arena_printf(&s->a, "bridge %s", b->name));
	}
	for (size_t i = 0; i < t->n_links; i++) {
		const struct link *l = &t->links[i];

		if (link_ends(l) != 2 || l->ep[0].iface < 0 ||
		    l->ep[1].iface < 0)
			continue;
		s->link_key[i] = arena_printf(&s->a, "link %s %s",
					      end_text(s, &l->ep[0]),
					      end_text(s, &l->ep[1]));
		if (t->ifaces[l->ep[0].iface].host !=
		    t->ifaces[l->ep[1].iface].host)
			s->link_vni[i] = derive_vni(s, &used, s->link_key[i]);
	}
	strmap_free(&used);
}

static struct op *push(struct split *s, const struct op *op)
{
	struct op *o = plan_push(s->out, op->kind, op_ns(op));

	*o = *op;
	return o;
}

static void tunnel_ends(struct split *s, struct op *o, int far)
{
	const struct host *me = &s->t->hosts[s->me];

	o->type = LK_VXLAN;
	o->tun.remote =
		far >= 0 ? s->t->hosts[far].address : (struct prefix){ 0 };
	o->tun.local = me->address;
	o->tun.dev = me->dev;
	o->tun.port = VXLAN_PORT;
}

/* This machine's end of a veth pair between two: a VXLAN to the other. */
static void push_pair_end(struct split *s, const struct op *op, bool peer,
			  int far, int link)
{
	const struct op_if *end = peer ? &op->peer : &op->link;
	struct op *o = plan_push(s->out, OP_LINK_ADD, end->ns);

	o->link = *end;
	o->mark = !end->ns;
	o->id = s->link_vni[link];
	o->pos = op->pos;
	tunnel_ends(s, o, far);
	if (!o->link.mtu)
		o->link.mtu = tunnel_mtu(s, (1ull << s->me) | (1ull << far));
	if (!o->link.has_mac) {
		derive_mac(s, s->link_key[link], peer ? "1" : "0", o->link.mac);
		o->link.has_mac = true;
	}
	strmap_put(&s->tunnels, if_key(&s->a, end->ns, end->name), 0);
}

/*
 * A bridge made on several machines: its VXLAN port here, without IPv6
 * (a bare port, as compile.c makes them), flooding to every other machine
 * of the bridge, enslaved and up.
 */
static void push_bridge_port(struct split *s, const struct op *br, int b)
{
	const struct topo *t = s->t;
	const struct bridge *bridge = &t->bridges[b];
	uint64_t m = t->ifaces[bridge->iface].hosts;
	const char *name = split_port_name(t, bridge, &s->a);
	char key[96];
	struct op *o = plan_push(s->out, OP_LINK_ADD, NULL);

	o->link.name = name;
	o->link.mtu = tunnel_mtu(s, m);
	o->link.has_mac = true;
	derive_mac(s, arena_printf(&s->a, "bridge %s", bridge->name),
		   t->hosts[s->me].name, o->link.mac);
	o->mark = true;
	o->id = s->bridge_vni[b];
	o->pos = br->pos;
	tunnel_ends(s, o, -1);
	o = plan_push(s->out, OP_SYSCTL_SET, NULL);
	o->key = arena_strdup(&s->a, sysctl_if_key(key, sizeof(key), "ipv6",
						   name, "disable_ipv6"));
	o->value = "1";
	o->own = true;
	o->pos = br->pos;
	for (size_t i = 0; i < t->n_hosts; i++) {
		if ((int)i == s->me || !((m >> i) & 1))
			continue;
		o = plan_push(s->out, OP_FDB_ADD, NULL);
		o->link.name = name;
		o->tun.remote = t->hosts[i].address;
		o->pos = br->pos;
	}
	o = plan_push(s->out, OP_LINK_SET, NULL);
	o->link.name = name;
	o->link.master = bridge->name;
	o->link.up = true;
	o->mark = true;
	o->pos = br->pos;
}

/* The MTU of a bridge made on several machines, if @f is its port. */
static uint32_t port_mtu(struct split *s, int f)
{
	const struct iface *m;

	if (f < 0 || s->t->ifaces[f].master < 0)
		return 0;
	m = &s->t->ifaces[s->t->ifaces[f].master];
	return m->hosts & (m->hosts - 1) ? tunnel_mtu(s, m->hosts) : 0;
}

/* A link made here: the veths of a bridge on several machines get its
 * MTU, unless the file gives them one. */
static void keep_link(struct split *s, const struct op *op)
{
	struct op *o = push(s, op);
	bool pair = link_kind_pair(op->type);
	uint32_t mtu = port_mtu(s, iface_of(s, op->link.ns, op->link.name));

	if (!mtu && pair)
		mtu = port_mtu(s, iface_of(s, op->peer.ns, op->peer.name));
	if (mtu && !o->link.mtu)
		o->link.mtu = mtu;
	if (mtu && pair && !o->peer.mtu)
		o->peer.mtu = mtu;
}

static int first_machine(uint64_t m)
{
	return __builtin_ctzll(m);
}

static void split_link_add(struct split *s, const struct op *op)
{
	const struct topo *t = s->t;
	uint64_t a, b;
	int i, link;

	if (!link_kind_pair(op->type)) {
		if (mine(s, machines(s, op->link.ns, op->link.name, false)))
			keep_link(s, op);
		if (op->type == LK_BRIDGE && !op->link.ns) {
			i = iface_of(s, NULL, op->link.name);
			if (i >= 0 && t->ifaces[i].bridge >= 0 &&
			    s->bridge_vni[t->ifaces[i].bridge] &&
			    mine(s, t->ifaces[i].hosts))
				push_bridge_port(s, op, t->ifaces[i].bridge);
		}
		return;
	}
	a = machines(s, op->link.ns, op->link.name, false);
	b = machines(s, op->peer.ns, op->peer.name, false);
	if (a == b) {
		if (mine(s, a))
			keep_link(s, op);
		return;
	}
	i = iface_of(s, op->link.ns, op->link.name);
	link = i >= 0 ? t->ifaces[i].link : -1;
	if (link < 0 || !s->link_vni[link])
		return; /* validate_hosts.c resolved every end */
	if (mine(s, a))
		push_pair_end(s, op, false, first_machine(b), link);
	else if (mine(s, b))
		push_pair_end(s, op, true, first_machine(a), link);
}

/* Which machines an op of the whole plan is for. */
static uint64_t op_machines(struct split *s, const struct op *op)
{
	char name[IFNAME_MAX + 1];
	bool config;

	switch (op->kind) {
	case OP_LINK_SET:
	case OP_LINK_DEL:
	case OP_FDB_ADD:
		return machines(s, op_ns(op), op->link.name, false);
	case OP_ADDR_ADD:
	case OP_ADDR_DEL:
	case OP_QDISC_ADD:
		return machines(s, op_ns(op), op->link.name, true);
	case OP_SYSCTL_SET:
	case OP_SYSCTL_RESTORE:
		/* An interface's own keys go where it is made; others where
		 * its settings go. */
		config = !op->own;
		if (sysctl_key_ifname(op->key, name))
			return machines(s, op_ns(op), name, config);
		return machines(s, op_ns(op), NULL, true);
	case OP_NETNS_ADD:
	case OP_NETNS_DEL:
	case OP_ROUTE_ADD:
	case OP_ROUTE_DEL:
	case OP_EXEC:
	case OP_EXEC_STOP:
	case OP_WAIT:
	case OP_PORT_ADD:
	case OP_PORT_DEL:
	case OP_LINK_ADD:
	case OP_RELAY_START: /* validate refuses forwards with hosts: */
	case OP_RELAY_STOP:
	case OP__COUNT:
		break;
	}
	return machines(s, op_ns(op), NULL, true);
}

struct plan *plan_split(const struct topo *t, const struct plan *whole,
			int host)
{
	struct split s = {
		.t = t,
		.me = host,
		.out = plan_new(whole->lab),
		.link_vni = xcalloc(t->n_links + 1, sizeof(uint32_t)),
		.link_key = xcalloc(t->n_links + 1, sizeof(char *)),
		.bridge_vni = xcalloc(t->n_bridges + 1, sizeof(uint32_t)),
		.overhead =
			t->n_hosts && t->hosts[0].address.family == AF_INET6 ?
				70 :
				50,
	};
	struct plan *share;

	for (size_t i = 0; i < t->n_ifaces; i++)
		strmap_put(&s.ifs,
			   if_key(&s.a, t->nodes[t->ifaces[i].node].ns,
				  t->ifaces[i].name),
			   (int)i);
	for (size_t i = 0; i < t->n_nodes; i++)
		if (t->nodes[i].ns)
			strmap_put(&s.nss, t->nodes[i].ns, (int)i);
	derive_vnis(&s);
	for (size_t i = 0; i < whole->n_ops; i++) {
		const struct op *op = &whole->ops[i];
		struct op *o;

		if (op->kind == OP_LINK_ADD) {
			split_link_add(&s, op);
			continue;
		}
		if (!mine(&s, op_machines(&s, op)))
			continue;
		o = push(&s, op);
		/* A tunnel has no carrier to wait for. */
		if (o->settle &&
		    strmap_get(&s.tunnels,
			       if_key(&s.a, op_ns(o), o->link.name)) >= 0)
			o->settle = false;
	}
	share = plan_copy(s.out);
	plan_free(s.out);
	strmap_free(&s.ifs);
	strmap_free(&s.nss);
	strmap_free(&s.tunnels);
	free(s.link_vni);
	free(s.link_key);
	free(s.bridge_vni);
	arena_free(&s.a);
	return share;
}
