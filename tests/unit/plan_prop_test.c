// SPDX-License-Identifier: MIT
/*
 * plan_prop_test.c - property test of plan_compile() and plan_invert()
 * against a simulated kernel.
 *
 * Theory of operation: a seeded generator writes random valid
 * topologies as YAML (nodes, host and in-node bridges, veths between
 * nodes, to bridges and to the host, addresses, routes of every type,
 * sysctls, defaults, intercepts).  Each is loaded, compiled, and its plan
 * run op by op on a small model of the kernel objects the ops touch:
 * namespaces, links (veth pairs, bridges and their ports), addresses,
 * routes and sysctls, with the kernel's cascades (a namespace takes its
 * links and their veth peers with it; a link takes its peer, addresses,
 * routes and sysctls; a bridge frees its ports).  The model refuses what
 * the kernel would refuse (a name taken, a device missing or down, a
 * route or address that exists), so an op out of order fails.
 *
 * The properties, from a host that already holds objects of its own:
 *   - every op of the plan applies, and afterwards the state holds what
 *     the topology describes;
 *   - no op modifies or deletes a pre-existing object, except the host
 *     sysctls the topology sets;
 *   - for every k, undoing the first k ops (plan_invert() of that
 *     prefix, as after a failure at op k) returns the state exactly to
 *     the initial one; k = all ops is destroy.
 *
 * NSTOPO_PROP_SEEDS (count) and NSTOPO_PROP_SEED (first seed) choose the
 * topologies; NSTOPO_PROP_DOTS=0 keeps '.' out of node and host interface
 * names (they are in by default).
 */
#include <arpa/inet.h>
#include <stdio.h>

#include "helpers.h"

/* Random numbers: splitmix64, so a seed gives the same file anywhere. */

static uint64_t rnd_next(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static unsigned rnd(uint64_t *s, unsigned n)
{
	return n ? (unsigned)(rnd_next(s) % n) : 0;
}

static bool chance(uint64_t *s, unsigned percent)
{
	return rnd(s, 100) < percent;
}

/* The simulated kernel */

enum sim_kind {
	SK_LO,
	SK_ETHER,
	SK_VETH,
	SK_BRIDGE,
};

static const char *const sim_kind_names[] = { "lo", "ether", "veth", "bridge" };

struct sim_ns {
	char name[80];
	bool alive, pre;
};

struct sim_link {
	int ns;
	char name[IFNAME_MAX + 1];
	enum sim_kind kind;
	int peer, master;
	bool up, has_mac, alive, pre;
	uint32_t mtu;
	uint8_t mac[6];
};

struct sim_addr {
	int link;
	struct prefix p;
	bool alive, pre;
};

struct sim_route {
	int ns, dev;
	struct route_spec r;
	bool alive, pre;
};

struct sim_sysctl {
	int ns;
	char key[96];
	char value[64];
	bool alive, pre;
};

#define SIM_VEC(type, name) \
	type *name;         \
	size_t n_##name, cap_##name

struct sim {
	SIM_VEC(struct sim_ns, ns);
	SIM_VEC(struct sim_link, links);
	SIM_VEC(struct sim_addr, addrs);
	SIM_VEC(struct sim_route, routes);
	SIM_VEC(struct sim_sysctl, sysctls);
	char err[256];
};

/* Append a zeroed item to vector @name of @s. */
#define sim_push(s, name)                                               \
	(sim_grow((void **)&(s)->name, &(s)->cap_##name, (s)->n_##name, \
		  sizeof(*(s)->name)),                                  \
	 &(s)->name[(s)->n_##name++])

static void sim_grow(void **items, size_t *cap, size_t n, size_t size)
{
	if (n == *cap) {
		*cap = *cap * 2 + 16;
		*items = xrealloc(*items, *cap * size);
	}
	memset((char *)*items + n * size, 0, size);
}

#define sim_copy_vec(dst, src, name)                                           \
	do {                                                                   \
		(dst)->n_##name = (dst)->cap_##name = (src)->n_##name;         \
		(dst)->name = xmalloc((src)->n_##name * sizeof(*(src)->name)); \
		if ((src)->n_##name)                                           \
			memcpy((dst)->name, (src)->name,                       \
			       (src)->n_##name * sizeof(*(src)->name));        \
	} while (0)

static void sim_copy(struct sim *dst, const struct sim *src)
{
	memset(dst, 0, sizeof(*dst));
	sim_copy_vec(dst, src, ns);
	sim_copy_vec(dst, src, links);
	sim_copy_vec(dst, src, addrs);
	sim_copy_vec(dst, src, routes);
	sim_copy_vec(dst, src, sysctls);
}

static void sim_free(struct sim *s)
{
	free(s->ns);
	free(s->links);
	free(s->addrs);
	free(s->routes);
	free(s->sysctls);
	memset(s, 0, sizeof(*s));
}

static int sim_fail(struct sim *s, const char *fmt, ...) PRINTF(2, 3);

static int sim_fail(struct sim *s, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(s->err, sizeof(s->err), fmt, ap);
	va_end(ap);
	return -1;
}

/* @name NULL is the host, always index 0. */
static int sim_ns_find(const struct sim *s, const char *name)
{
	if (!name)
		return 0;
	for (size_t i = 1; i < s->n_ns; i++)
		if (s->ns[i].alive && !strcmp(s->ns[i].name, name))
			return (int)i;
	return -1;
}

static int sim_link_find(const struct sim *s, int ns, const char *name)
{
	for (size_t i = 0; i < s->n_links; i++)
		if (s->links[i].alive && s->links[i].ns == ns &&
		    !strcmp(s->links[i].name, name))
			return (int)i;
	return -1;
}

static int sim_link_new(struct sim *s, int ns, const char *name,
			enum sim_kind kind)
{
	struct sim_link *l = sim_push(s, links);

	l->ns = ns;
	snprintf(l->name, sizeof(l->name), "%s", name);
	l->kind = kind;
	l->peer = l->master = -1;
	l->alive = true;
	return (int)(s->n_links - 1);
}

static int sim_ns_new(struct sim *s, const char *name)
{
	struct sim_ns *n = sim_push(s, ns);

	snprintf(n->name, sizeof(n->name), "%s", name);
	n->alive = true;
	sim_link_new(s, (int)(s->n_ns - 1), "lo", SK_LO);
	return (int)(s->n_ns - 1);
}

static int sim_sysctl_find(const struct sim *s, int ns, const char *key)
{
	for (size_t i = 0; i < s->n_sysctls; i++)
		if (s->sysctls[i].alive && s->sysctls[i].ns == ns &&
		    !strcmp(s->sysctls[i].key, key))
			return (int)i;
	return -1;
}

static void sim_sysctl_set(struct sim *s, int ns, const char *key,
			   const char *value)
{
	int i = sim_sysctl_find(s, ns, key);
	struct sim_sysctl *x;

	if (!value) { /* back to the kernel's default: no entry */
		if (i >= 0)
			s->sysctls[i].alive = false;
		return;
	}
	if (i < 0) {
		x = sim_push(s, sysctls);
		x->ns = ns;
		x->alive = true;
		snprintf(x->key, sizeof(x->key), "%s", key);
	} else {
		x = &s->sysctls[i];
	}
	snprintf(x->value, sizeof(x->value), "%s", value);
}

/* A link goes with its addresses, routes, sysctls and veth peer; its
 * ports are freed. */
static void sim_link_kill(struct sim *s, int li)
{
	struct sim_link *l = &s->links[li];
	char ifname[IFNAME_MAX + 1];

	if (!l->alive)
		return;
	l->alive = false;
	for (size_t i = 0; i < s->n_addrs; i++)
		if (s->addrs[i].link == li)
			s->addrs[i].alive = false;
	for (size_t i = 0; i < s->n_routes; i++)
		if (s->routes[i].dev == li)
			s->routes[i].alive = false;
	for (size_t i = 0; i < s->n_sysctls; i++)
		if (s->sysctls[i].alive && s->sysctls[i].ns == l->ns &&
		    sysctl_key_ifname(s->sysctls[i].key, ifname) &&
		    !strcmp(ifname, l->name))
			s->sysctls[i].alive = false;
	for (size_t i = 0; i < s->n_links; i++)
		if (s->links[i].alive && s->links[i].master == li)
			s->links[i].master = -1;
	if (l->peer >= 0)
		sim_link_kill(s, l->peer);
}

static void sim_ns_kill(struct sim *s, int ns)
{
	for (size_t i = 0; i < s->n_links; i++)
		if (s->links[i].alive && s->links[i].ns == ns)
			sim_link_kill(s, (int)i);
	for (size_t i = 0; i < s->n_routes; i++)
		if (s->routes[i].ns == ns)
			s->routes[i].alive = false;
	for (size_t i = 0; i < s->n_sysctls; i++)
		if (s->sysctls[i].ns == ns)
			s->sysctls[i].alive = false;
	s->ns[ns].alive = false;
}

static bool prefix_same(const struct prefix *a, const struct prefix *b)
{
	return a->family == b->family && a->plen == b->plen &&
	       !memcmp(a->bytes, b->bytes, 16);
}

static bool addr_same(const struct prefix *a, const struct prefix *b)
{
	/* IPv4 addresses are told apart by address and length, IPv6 ones
	 * by address alone, as the kernel does. */
	if (a->family != b->family || memcmp(a->bytes, b->bytes, 16))
		return false;
	return a->family == AF_INET6 || a->plen == b->plen;
}

/* An interface for op @oi: its attributes as a LINK_ADD or LINK_SET. */
static int sim_if_attrs(struct sim *s, int li, const struct op_if *oi)
{
	struct sim_link *l = &s->links[li];

	if (oi->mtu)
		l->mtu = oi->mtu;
	if (oi->has_mac) {
		l->has_mac = true;
		memcpy(l->mac, oi->mac, 6);
	}
	if (oi->master) {
		int m = sim_link_find(s, l->ns, oi->master);

		if (m < 0 || s->links[m].kind != SK_BRIDGE)
			return sim_fail(s, "master %s is not a bridge here",
					oi->master);
		l->master = m;
	}
	if (oi->up)
		l->up = true;
	return 0;
}

static int sim_link_add(struct sim *s, int ns, const struct op *op)
{
	int pns, a, b;

	if (sim_link_find(s, ns, op->link.name) >= 0)
		return sim_fail(s, "link %s exists", op->link.name);
	if (op->type == LK_BRIDGE) {
		a = sim_link_new(s, ns, op->link.name, SK_BRIDGE);
		return sim_if_attrs(s, a, &op->link);
	}
	pns = sim_ns_find(s, op->peer.ns);
	if (pns < 0)
		return sim_fail(s, "no namespace %s for the peer", op->peer.ns);
	if (sim_link_find(s, pns, op->peer.name) >= 0 ||
	    (pns == ns && !strcmp(op->link.name, op->peer.name)))
		return sim_fail(s, "peer %s exists", op->peer.name);
	a = sim_link_new(s, ns, op->link.name, SK_VETH);
	b = sim_link_new(s, pns, op->peer.name, SK_VETH);
	s->links[a].peer = b;
	s->links[b].peer = a;
	if (sim_if_attrs(s, a, &op->link) || sim_if_attrs(s, b, &op->peer))
		return -1;
	return 0;
}

/* The device a route without `dev` gets: an up link with an address
 * on the gateway's subnet, or the device of a route that covers it. */
static int sim_route_dev(const struct sim *s, int ns, const struct prefix *via)
{
	for (size_t i = 0; i < s->n_addrs; i++) {
		const struct sim_addr *a = &s->addrs[i];
		const struct sim_link *l = &s->links[a->link];

		if (a->alive && l->ns == ns && l->up &&
		    prefix_contains(&a->p, via))
			return a->link;
	}
	for (size_t i = 0; i < s->n_routes; i++) {
		const struct sim_route *r = &s->routes[i];

		if (r->alive && r->ns == ns && r->dev >= 0 && !r->r.has_via &&
		    r->r.type == RT_UNICAST && prefix_contains(&r->r.to, via))
			return r->dev;
	}
	return -1;
}

static int sim_route_add(struct sim *s, int ns, const struct route_spec *r)
{
	struct sim_route *x;
	int dev = -1;

	if (r->type == RT_BLACKHOLE || r->type == RT_UNREACHABLE ||
	    r->type == RT_PROHIBIT) {
		if (r->dev || r->has_via)
			return sim_fail(s, "a reject route with a nexthop");
	} else if (r->dev) {
		dev = sim_link_find(s, ns, r->dev);
		if (dev < 0)
			return sim_fail(s, "no device %s", r->dev);
	} else if (r->has_via) {
		dev = sim_route_dev(s, ns, &r->via);
		if (dev < 0)
			return sim_fail(s, "gateway unreachable");
	} else {
		return sim_fail(s, "a route with no nexthop");
	}
	if (r->type == RT_UNICAST && !s->links[dev].up)
		return sim_fail(s, "nexthop device %s is down",
				s->links[dev].name);
	for (size_t i = 0; i < s->n_routes; i++) {
		const struct sim_route *o = &s->routes[i];

		if (o->alive && o->ns == ns && o->r.table == r->table &&
		    o->r.metric == r->metric && prefix_same(&o->r.to, &r->to))
			return sim_fail(s, "route exists");
	}
	x = sim_push(s, routes);
	x->ns = ns;
	x->dev = dev;
	x->r = *r;
	x->r.dev = NULL; /* the op's strings are not ours to keep */
	x->alive = true;
	return 0;
}

static int sim_route_del(struct sim *s, int ns, const struct route_spec *r)
{
	for (size_t i = 0; i < s->n_routes; i++) {
		struct sim_route *o = &s->routes[i];

		if (!o->alive || o->ns != ns || o->r.table != r->table ||
		    o->r.metric != r->metric || o->r.type != r->type ||
		    !prefix_same(&o->r.to, &r->to))
			continue;
		if (r->dev &&
		    (o->dev < 0 || strcmp(s->links[o->dev].name, r->dev)))
			continue;
		if (r->has_via &&
		    (!o->r.has_via || !prefix_same(&o->r.via, &r->via)))
			continue;
		o->alive = false;
		return 0;
	}
	return sim_fail(s, "no such route");
}

static int sim_addr_del(struct sim *s, int li, const struct prefix *p)
{
	bool found = false, v4_left = false;

	for (size_t i = 0; i < s->n_addrs; i++) {
		struct sim_addr *a = &s->addrs[i];

		if (!a->alive || a->link != li)
			continue;
		if (!found && addr_same(&a->p, p)) {
			a->alive = false;
			found = true;
		} else if (a->p.family == AF_INET) {
			v4_left = true;
		}
	}
	if (!found)
		return sim_fail(s, "no such address");
	/* With its last IPv4 address, a device loses its IPv4 routes. */
	if (p->family == AF_INET && !v4_left)
		for (size_t i = 0; i < s->n_routes; i++)
			if (s->routes[i].dev == li &&
			    s->routes[i].r.to.family == AF_INET)
				s->routes[i].alive = false;
	return 0;
}

/* A sysctl of an interface needs the interface. */
static int sim_sysctl_check(struct sim *s, int ns, const char *key)
{
	char ifname[IFNAME_MAX + 1];

	if (!sysctl_key_ifname(key, ifname) || !strcmp(ifname, "all") ||
	    !strcmp(ifname, "default") || sim_link_find(s, ns, ifname) >= 0)
		return 0;
	return sim_fail(s, "no interface '%s' for sysctl %s", ifname, key);
}

/*
 * Apply one op.  A SYSCTL_SET in the host records the value it replaces
 * in op->old_value (in @a), as apply does for plan_invert().
 */
static int sim_apply(struct sim *s, struct op *op, struct arena *a)
{
	int ns = sim_ns_find(s, op_ns(op)), li, x;
	struct sim_addr *ad;

	s->err[0] = '\0';
	if (op->kind == OP_NETNS_ADD) {
		if (!op->link.ns || ns >= 0)
			return sim_fail(s, "namespace exists");
		sim_ns_new(s, op->link.ns);
		return 0;
	}
	if (ns < 0)
		return sim_fail(s, "no namespace %s", op_ns(op));
	switch (op->kind) {
	case OP_NETNS_DEL:
		if (!ns)
			return sim_fail(s, "deleting the host namespace");
		sim_ns_kill(s, ns);
		return 0;
	case OP_LINK_ADD:
		return sim_link_add(s, ns, op);
	case OP_LINK_DEL:
		li = sim_link_find(s, ns, op->link.name);
		if (li < 0)
			return sim_fail(s, "no link %s", op->link.name);
		sim_link_kill(s, li);
		return 0;
	case OP_LINK_SET:
		li = sim_link_find(s, ns, op->link.name);
		if (li < 0)
			return sim_fail(s, "no link %s", op->link.name);
		return sim_if_attrs(s, li, &op->link);
	case OP_ADDR_ADD:
		li = sim_link_find(s, ns, op->link.name);
		if (li < 0)
			return sim_fail(s, "no link %s", op->link.name);
		for (size_t i = 0; i < s->n_addrs; i++)
			if (s->addrs[i].alive && s->addrs[i].link == li &&
			    addr_same(&s->addrs[i].p, &op->addr))
				return sim_fail(s, "address exists");
		ad = sim_push(s, addrs);
		ad->link = li;
		ad->p = op->addr;
		ad->alive = true;
		return 0;
	case OP_ADDR_DEL:
		li = sim_link_find(s, ns, op->link.name);
		if (li < 0)
			return sim_fail(s, "no link %s", op->link.name);
		return sim_addr_del(s, li, &op->addr);
	case OP_ROUTE_ADD:
		return sim_route_add(s, ns, &op->route);
	case OP_ROUTE_DEL:
		return sim_route_del(s, ns, &op->route);
	case OP_SYSCTL_SET:
		if (sim_sysctl_check(s, ns, op->key))
			return -1;
		x = sim_sysctl_find(s, ns, op->key);
		if (!ns && a && x >= 0)
			op->old_value = arena_strdup(a, s->sysctls[x].value);
		else if (!ns && a)
			op->old_value = NULL;
		sim_sysctl_set(s, ns, op->key, op->value);
		return 0;
	case OP_SYSCTL_RESTORE:
		if (sim_sysctl_check(s, ns, op->key))
			return -1;
		sim_sysctl_set(s, ns, op->key, op->old_value);
		return 0;
	case OP_EXEC: /* commands change nothing nstopo tracks */
	case OP_EXEC_STOP:
	case OP_WAIT:	   /* nor do readiness gates */
	case OP_QDISC_ADD: /* goes with its link */
		return 0;
	case OP_PORT_ADD: /* the generator makes no host ports */
	case OP_PORT_DEL:
	case OP_FDB_ADD:     /* nor labs over several machines */
	case OP_RELAY_START: /* nor forwards */
	case OP_RELAY_STOP:
	case OP_NETNS_ADD:
	case OP__COUNT:
		break;
	}
	return sim_fail(s, "unknown op kind %d", op->kind);
}

/* The state as sorted lines: equal texts, equal states. */

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static const char *sim_ns_label(const struct sim *s, int ns)
{
	return ns ? s->ns[ns].name : "host";
}

/* @skip: host sysctl keys left out (NULL-terminated), or NULL. */
static char *sim_render(const struct sim *s, bool pre_only,
			const char *const *skip)
{
	struct strbuf sb = { 0 };
	char **lines;
	size_t n = 0, cap = s->n_ns + s->n_links + s->n_addrs + s->n_routes +
			    s->n_sysctls + 1;
	char a[INET6_ADDRSTRLEN + 4], v[INET6_ADDRSTRLEN];

	lines = xcalloc(cap, sizeof(*lines));
	for (size_t i = 0; i < s->n_ns; i++)
		if (s->ns[i].alive && (!pre_only || s->ns[i].pre))
			lines[n++] =
				xasprintf("ns %s", sim_ns_label(s, (int)i));
	for (size_t i = 0; i < s->n_links; i++) {
		const struct sim_link *l = &s->links[i];

		if (!l->alive || (pre_only && !l->pre))
			continue;
		lines[n++] = xasprintf(
			"link %s %s %s peer=%s/%s master=%s up=%d mtu=%u "
			"mac=%02x%02x%02x%02x%02x%02x",
			sim_ns_label(s, l->ns), l->name,
			sim_kind_names[l->kind],
			l->peer >= 0 ? sim_ns_label(s, s->links[l->peer].ns) :
				       "-",
			l->peer >= 0 ? s->links[l->peer].name : "-",
			l->master >= 0 ? s->links[l->master].name : "-", l->up,
			l->mtu, l->mac[0], l->mac[1], l->mac[2], l->mac[3],
			l->mac[4], l->mac[5]);
	}
	for (size_t i = 0; i < s->n_addrs; i++) {
		const struct sim_addr *x = &s->addrs[i];

		if (!x->alive || (pre_only && !x->pre))
			continue;
		prefix_format(&x->p, true, a, sizeof(a));
		lines[n++] = xasprintf("addr %s %s %s",
				       sim_ns_label(s, s->links[x->link].ns),
				       s->links[x->link].name, a);
	}
	for (size_t i = 0; i < s->n_routes; i++) {
		const struct sim_route *x = &s->routes[i];

		if (!x->alive || (pre_only && !x->pre))
			continue;
		prefix_format(&x->r.to, true, a, sizeof(a));
		if (x->r.has_via)
			prefix_format(&x->r.via, false, v, sizeof(v));
		lines[n++] = xasprintf(
			"route %s table=%u %s %s metric=%u via=%s dev=%s%s",
			sim_ns_label(s, x->ns), x->r.table,
			route_type_name((enum route_type)x->r.type), a,
			x->r.metric, x->r.has_via ? v : "-",
			x->dev >= 0 ? s->links[x->dev].name : "-",
			x->r.onlink ? " onlink" : "");
	}
	for (size_t i = 0; i < s->n_sysctls; i++) {
		const struct sim_sysctl *x = &s->sysctls[i];
		bool skipped = false;

		if (!x->alive || (pre_only && !x->pre))
			continue;
		for (size_t k = 0; skip && skip[k] && !x->ns; k++)
			skipped |= !strcmp(skip[k], x->key);
		if (!skipped)
			lines[n++] = xasprintf("sysctl %s %s=%s",
					       sim_ns_label(s, x->ns), x->key,
					       x->value);
	}
	qsort(lines, n, sizeof(*lines), cmp_str);
	for (size_t i = 0; i < n; i++) {
		sb_add(&sb, lines[i]);
		sb_addc(&sb, '\n');
		free(lines[i]);
	}
	free(lines);
	return sb.buf ? sb.buf : xstrdup("");
}

/*
 * The host before nstopo: lo, eth0 and a bridge docker0 with a veth to a
 * namespace nstopo knows nothing of, addresses, routes, sysctls.
 */
static void sim_initial(struct sim *s)
{
	static const char *const addrs[][2] = {
		{ "lo", "127.0.0.1/8" },	{ "lo", "::1/128" },
		{ "eth0", "192.168.1.10/24" },	{ "eth0", "fd99::10/64" },
		{ "docker0", "172.17.0.1/16" },
	};
	static const char *const sysctls[][2] = {
		{ "net.ipv4.ip_forward", "0" },
		{ "net.ipv4.conf.all.forwarding", "0" },
		{ "net.ipv6.conf.all.forwarding", "0" },
		{ "net.ipv6.conf.all.accept_dad", "1" },
		{ "net.ipv6.conf.default.accept_dad", "1" },
		{ "net.ipv4.conf.eth0.forwarding", "0" },
		{ "net.ipv6.conf.eth0.accept_dad", "1" },
	};
	const char *why;
	struct route_spec r = { .table = RT_TABLE_MAIN_ID };
	int eth0, br, v, other;

	memset(s, 0, sizeof(*s));
	sim_ns_new(s, "host");
	s->links[0].up = true;
	eth0 = sim_link_new(s, 0, "eth0", SK_ETHER);
	s->links[eth0].up = true;
	s->links[eth0].mtu = 1500;
	br = sim_link_new(s, 0, "docker0", SK_BRIDGE);
	s->links[br].up = true;
	other = sim_ns_new(s, "preexisting");
	v = sim_link_new(s, 0, "vethpre", SK_VETH);
	s->links[v].master = br;
	s->links[v].up = true;
	s->links[v].peer = sim_link_new(s, other, "eth0", SK_VETH);
	s->links[s->links[v].peer].peer = v;
	for (size_t i = 0; i < ARRAY_SIZE(addrs); i++) {
		struct sim_addr *x = sim_push(s, addrs);

		x->link = sim_link_find(s, 0, addrs[i][0]);
		x->alive = true;
		assert_int_equal(prefix_parse(addrs[i][1], &x->p, true, &why),
				 0);
	}
	prefix_parse("0.0.0.0/0", &r.to, true, &why);
	prefix_parse("192.168.1.1", &r.via, false, &why);
	r.has_via = true;
	assert_int_equal(sim_route_add(s, 0, &r), 0);
	prefix_parse("::/0", &r.to, true, &why);
	prefix_parse("fd99::1", &r.via, false, &why);
	r.metric = 1024;
	assert_int_equal(sim_route_add(s, 0, &r), 0);
	r = (struct route_spec){ .table = RT_TABLE_MAIN_ID,
				 .type = RT_BLACKHOLE };
	prefix_parse("192.0.2.0/24", &r.to, true, &why);
	assert_int_equal(sim_route_add(s, 0, &r), 0);
	for (size_t i = 0; i < ARRAY_SIZE(sysctls); i++)
		sim_sysctl_set(s, 0, sysctls[i][0], sysctls[i][1]);
	sim_sysctl_set(s, other, "net.ipv4.ip_forward", "1");
	for (size_t i = 0; i < s->n_ns; i++)
		s->ns[i].pre = true;
	for (size_t i = 0; i < s->n_links; i++)
		s->links[i].pre = true;
	for (size_t i = 0; i < s->n_addrs; i++)
		s->addrs[i].pre = true;
	for (size_t i = 0; i < s->n_routes; i++)
		s->routes[i].pre = true;
	for (size_t i = 0; i < s->n_sysctls; i++)
		s->sysctls[i].pre = true;
}

/* The generator */

#define G_NODES 8 /* [0] is the host */
#define G_IFS 40
#define G_BRIDGES 6

struct gif {
	char name[IFNAME_MAX + 1];
	bool port; /* enslaved to a bridge: no addresses, no routes */
	bool bridge;
	bool up;
	int subnet; /* -1: none */
	int host;   /* its host number in the subnet */
	bool v4, v6;
	uint32_t mtu;
	int mac;	  /* 0: none */
	struct gif *peer; /* the other end of a pair, if it is generated */
};

struct gnode {
	char name[40];
	struct gif ifs[G_IFS];
	int n_ifs, next_if;
	bool lo_down, lo_addr, routes_key;
	struct strbuf routes, sysctls, intercept;
};

struct gbridge {
	char name[IFNAME_MAX + 1];
	int node, subnet, next_host;
};

struct gen {
	uint64_t rng;
	bool dots;
	struct gnode nodes[G_NODES];
	int n_nodes;
	struct gbridge bridges[G_BRIDGES];
	int n_bridges;
	struct strbuf links;
	int subnets, dests, macs, host_ifs, ports;
};

static void subnet_addr(int subnet, int host, bool v6, char *buf, size_t len)
{
	if (v6)
		snprintf(buf, len, "\"fd00:%x::%x/64\"", subnet + 1, host);
	else
		snprintf(buf, len, "10.%d.%d.%d/24", subnet / 200, subnet % 200,
			 host);
}

static void subnet_gw(int subnet, bool v6, char *buf, size_t len)
{
	if (v6)
		snprintf(buf, len, "\"fd00:%x::fe\"", subnet + 1);
	else
		snprintf(buf, len, "10.%d.%d.254", subnet / 200, subnet % 200);
}

static struct gif *gif_new(struct gen *g, int node, const char *name)
{
	struct gnode *n = &g->nodes[node];
	struct gif *f;

	assert_true(n->n_ifs < G_IFS);
	f = &n->ifs[n->n_ifs++];
	memset(f, 0, sizeof(*f));
	snprintf(f->name, sizeof(f->name), "%s", name);
	f->up = true;
	f->subnet = -1;
	return f;
}

/* A new named end in @node: "NODE:eN", or "host:vN" in the host. */
static struct gif *gen_end(struct gen *g, int node, char *text, size_t len)
{
	struct gnode *n = &g->nodes[node];
	char name[IFNAME_MAX + 1];

	if (node)
		snprintf(name, sizeof(name), "e%d", n->next_if++);
	else if (g->dots && chance(&g->rng, 30))
		snprintf(name, sizeof(name), "v.%d", g->host_ifs++);
	else
		snprintf(name, sizeof(name), "v%d", g->host_ifs++);
	snprintf(text, len, "%s:%s", n->name, name);
	return gif_new(g, node, name);
}

/* Addresses for a named end on @subnet, and sometimes other settings. */
static void gen_if_config(struct gen *g, struct gif *f, int subnet, int host)
{
	uint64_t *r = &g->rng;

	f->subnet = subnet;
	f->host = host;
	f->v4 = chance(r, 70);
	f->v6 = chance(r, 35);
	if (chance(r, 10))
		f->up = false;
	if (chance(r, 15))
		f->mtu = 1280 + rnd(r, 7720);
	if (chance(r, 15))
		f->mac = ++g->macs;
}

static void gen_link(struct gen *g)
{
	uint64_t *r = &g->rng;
	char a[64], b[64];
	unsigned kind = rnd(r, g->n_bridges ? 7 : 3);
	int na = 1 + (int)rnd(r, (unsigned)g->n_nodes - 1);
	int nb = 1 + (int)rnd(r, (unsigned)g->n_nodes - 1);
	struct gbridge *br = &g->bridges[rnd(r, (unsigned)g->n_bridges)];
	struct gif *f;
	int s;

	switch (kind) {
	case 0: /* node to node (maybe the same node) */
	case 1: /* node to host, either way round */
		if (kind == 1)
			nb = 0;
		s = g->subnets++;
		f = gen_end(g, na, a, sizeof(a));
		gen_if_config(g, f, s, 1);
		f->peer = gen_end(g, nb, b, sizeof(b));
		gen_if_config(g, f->peer, s, 2);
		f->peer->peer = f;
		break;
	case 2: /* host to host */
		s = g->subnets++;
		f = gen_end(g, 0, a, sizeof(a));
		gen_if_config(g, f, s, 1);
		f->peer = gen_end(g, 0, b, sizeof(b));
		gen_if_config(g, f->peer, s, 2);
		f->peer->peer = f;
		break;
	case 3: /* a node, or the host, to a bridge; derived port name */
	case 4:
	case 5: /* ... or named port */
		if (kind == 4)
			na = 0;
		gen_if_config(g, gen_end(g, na, a, sizeof(a)), br->subnet,
			      br->next_host++);
		if (kind == 5) {
			snprintf(b, sizeof(b), "%s:p%d", br->name, g->ports);
			f = gif_new(g, br->node, strchr(b, ':') + 1);
			g->ports++;
			f->port = true;
			if (chance(r, 20))
				f->mtu = 1500 + rnd(r, 1000);
		} else {
			snprintf(b, sizeof(b), "%s", br->name);
		}
		break;
	default: { /* bridge to bridge */
		struct gbridge *other =
			&g->bridges[rnd(r, (unsigned)g->n_bridges)];

		if (other == br)
			return;
		snprintf(a, sizeof(a), "%s", br->name);
		snprintf(b, sizeof(b), "%s", other->name);
		break;
	}
	}
	if (chance(r, 50)) { /* the order of endpoints must not matter */
		char tmp[64];

		memcpy(tmp, a, sizeof(tmp));
		memcpy(a, b, sizeof(a));
		memcpy(b, tmp, sizeof(b));
	}
	if (chance(r, 20))
		sb_printf(&g->links, "  - {endpoints: [%s, %s], mtu: %u}\n", a,
			  b, 1280 + rnd(r, 8000));
	else
		sb_printf(&g->links, "  - [%s, %s]\n", a, b);
}

static void gen_route(struct gen *g, int node, const char *fmt, ...)
	PRINTF(3, 4);

static void gen_route(struct gen *g, int node, const char *fmt, ...)
{
	struct gnode *n = &g->nodes[node];
	va_list ap;

	sb_add(&n->routes, "      - {");
	va_start(ap, fmt);
	sb_vprintf(&n->routes, fmt, ap);
	va_end(ap);
	if (chance(&g->rng, 25))
		sb_printf(&n->routes, ", metric: %u", 1 + rnd(&g->rng, 99));
	if (chance(&g->rng, 15))
		sb_printf(&n->routes, ", table: %u", 100 + rnd(&g->rng, 3));
	sb_add(&n->routes, "}\n");
}

/* A destination no other route of the file uses. */
static const char *dest4(struct gen *g, char *buf, size_t len)
{
	int d = g->dests++;

	snprintf(buf, len, "172.%d.%d.0/24", 16 + d / 256, d % 256);
	return buf;
}

static void gen_routes(struct gen *g, int node)
{
	struct gnode *n = &g->nodes[node];
	uint64_t *r = &g->rng;
	bool def4 = false, def6 = false;
	char to[64], gw[64];

	for (int i = 0; i < n->n_ifs; i++) {
		const struct gif *f = &n->ifs[i];

		if (f->port || !f->up)
			continue;
		if (f->v4 && chance(r, 35)) {
			subnet_gw(f->subnet, false, gw, sizeof(gw));
			if (chance(r, 50))
				gen_route(g, node, "to: %s, via: %s, dev: %s",
					  dest4(g, to, sizeof(to)), gw,
					  f->name);
			else
				gen_route(g, node, "to: %s, via: %s",
					  dest4(g, to, sizeof(to)), gw);
		}
		if (f->v4 && node && !def4 && chance(r, 25)) {
			def4 = true;
			subnet_gw(f->subnet, false, gw, sizeof(gw));
			gen_route(g, node, "to: default, via: %s", gw);
		}
		if (f->v6 && chance(r, 25)) {
			subnet_gw(f->subnet, true, gw, sizeof(gw));
			gen_route(g, node, "to: \"fd10:%x::/64\", via: %s",
				  g->dests++, gw);
		}
		if (f->v6 && node && !def6 && chance(r, 20)) {
			def6 = true;
			subnet_gw(f->subnet, true, gw, sizeof(gw));
			gen_route(g, node, "to: default, via: %s", gw);
		}
		if (chance(r, 15))
			gen_route(g, node, "to: %s, dev: %s",
				  dest4(g, to, sizeof(to)), f->name);
		if (chance(r, 10))
			gen_route(g, node,
				  "to: \"fd20:%x::/64\", via: \"fe80::1\", "
				  "dev: %s",
				  g->dests++, f->name);
		if (chance(r, 10))
			gen_route(g, node,
				  "to: %s, via: 10.199.0.1, dev: %s, onlink: "
				  "true",
				  dest4(g, to, sizeof(to)), f->name);
	}
	if (!n->lo_down && chance(r, 10))
		gen_route(g, node, "to: %s, dev: lo", dest4(g, to, sizeof(to)));
	if (chance(r, 25)) {
		static const char *const types[] = { "blackhole", "unreachable",
						     "prohibit" };
		int d = g->dests++;

		if (chance(r, 50))
			gen_route(g, node, "to: 192.0.2.%d/32, type: %s",
				  d % 256, types[rnd(r, 3)]);
		else
			gen_route(g, node, "to: \"2001:db8::%x/128\", type: %s",
				  d, types[rnd(r, 3)]);
	}
	if (chance(r, 15)) {
		int d = g->dests++;

		gen_route(g, node, "to: 100.64.%d.%d/32, type: local", d / 256,
			  d % 256);
	}
}

/*
 * Can duplicate address detection end on every IPv6 address of @n?  Not
 * where a link has no carrier (it, or its peer, is down; a bridge may
 * have no port): such an address stays tentative, which validate
 * refuses.
 */
static bool dad_can_end(const struct gnode *n)
{
	for (int i = 0; i < n->n_ifs; i++) {
		const struct gif *f = &n->ifs[i];

		if (f->v6 && (!f->up || f->bridge || (f->peer && !f->peer->up)))
			return false;
	}
	return true;
}

static void gen_sysctls(struct gen *g, int node)
{
	static const char *const truths[] = { "1", "true", "on", "yes" };
	struct gnode *n = &g->nodes[node];
	uint64_t *r = &g->rng;

	if (chance(r, 30))
		sb_printf(&n->sysctls, "      net.ipv4.ip_forward: %s\n",
			  truths[rnd(r, 4)]);
	if (chance(r, 20))
		sb_add(&n->sysctls, "      net.ipv6.conf.all.forwarding: 1\n");
	if (!node) {
		if (chance(r, 20))
			sb_add(&n->sysctls,
			       "      net.ipv4.conf.eth0.forwarding: 1\n");
		if (chance(r, 10))
			sb_add(&n->sysctls, "      net.core.somaxconn: 512\n");
	} else if (chance(r, 10) && dad_can_end(n)) {
		sb_printf(&n->sysctls, "      net.ipv6.conf.%s.accept_dad: 1\n",
			  chance(r, 50) ? "all" : "default");
	}
	/* One of the node's own interfaces, named with sysctl(8)'s '/'. */
	for (int i = 0; i < n->n_ifs; i++)
		if (chance(r, 12)) {
			char key[IFNAME_MAX + 1];

			snprintf(key, sizeof(key), "%s", n->ifs[i].name);
			for (char *c = key; *c; c++)
				if (*c == '.')
					*c = '/';
			sb_printf(&n->sysctls,
				  "      net.ipv4.conf.%s.rp_filter: %u\n", key,
				  rnd(r, 3));
		}
}

static void gen_intercept(struct gen *g, int node)
{
	static const char *const fixed[] = { "0.0.0.0/0", "\"::/0\"" };
	struct gnode *n = &g->nodes[node];
	uint64_t *r = &g->rng;
	unsigned k = 1 + rnd(r, 2), pick = rnd(r, 4);

	if (!chance(r, 25))
		return;
	for (unsigned i = 0; i < k; i++, pick++) {
		if (i)
			sb_add(&n->intercept, ", ");
		if (pick % 4 < 2)
			sb_add(&n->intercept, fixed[pick % 4]);
		else if (pick % 4 == 2)
			sb_printf(&n->intercept, "100.96.%d.0/24",
				  g->dests++ % 256);
		else
			sb_printf(&n->intercept, "\"2001:db8:%x::/48\"",
				  g->dests++);
	}
}

static void emit_iface(struct strbuf *y, const struct gif *f)
{
	const char *sep = "";
	char a[64];

	if (!f->v4 && !f->v6 && !f->mtu && !f->mac && f->up)
		return;
	sb_printf(y, "      %s: {", f->name);
	if (f->v4 || f->v6) {
		sb_add(y, "addresses: [");
		if (f->v4) {
			subnet_addr(f->subnet, f->host, false, a, sizeof(a));
			sb_add(y, a);
		}
		if (f->v6) {
			subnet_addr(f->subnet, f->host, true, a, sizeof(a));
			sb_printf(y, "%s%s", f->v4 ? ", " : "", a);
		}
		sb_add(y, "]");
		sep = ", ";
	}
	if (f->mtu) {
		sb_printf(y, "%smtu: %u", sep, f->mtu);
		sep = ", ";
	}
	if (f->mac) {
		sb_printf(y, "%smac: \"02:00:00:00:%02x:%02x\"", sep,
			  f->mac >> 8, f->mac & 0xff);
		sep = ", ";
	}
	if (!f->up)
		sb_printf(y, "%sup: false", sep);
	sb_add(y, "}\n");
}

static void emit_node(struct gen *g, struct strbuf *y, int node)
{
	struct gnode *n = &g->nodes[node];
	size_t start = y->len;

	sb_printf(y, "  %s:\n", n->name);
	if (n->sysctls.len)
		sb_printf(y, "    sysctl:\n%s", n->sysctls.buf);
	sb_add(y, "    interfaces:\n");
	size_t ifs = y->len;

	for (int i = 0; i < n->n_ifs; i++)
		emit_iface(y, &n->ifs[i]);
	if (n->lo_addr || n->lo_down) {
		sb_add(y, "      lo: {");
		if (n->lo_addr)
			sb_printf(y, "addresses: [10.250.%d.1/32]", node);
		if (n->lo_down)
			sb_printf(y, "%sup: false", n->lo_addr ? ", " : "");
		sb_add(y, "}\n");
	}
	if (y->len == ifs) { /* nothing to say: drop "interfaces:" */
		y->len = ifs - strlen("    interfaces:\n");
		y->buf[y->len] = '\0';
	}
	if (n->routes.len)
		sb_printf(y, "    routes:\n%s", n->routes.buf);
	else if (n->routes_key)
		sb_add(y, "    routes: []\n");
	if (n->intercept.len)
		sb_printf(y, "    intercept: [%s]\n", n->intercept.buf);
	if (y->len == start + strlen(n->name) + 4) {
		y->len = start;
		y->buf[y->len] = '\0';
		if (node) /* the host needs no mention */
			sb_printf(y, "  %s: {}\n", n->name);
	}
}

/* A random valid topology from @seed, as YAML. */
static char *gen_topology(uint64_t seed, bool dots)
{
	struct gen g = { .rng = seed * 0x2545f4914f6cdd1dULL + 1,
			 .dots = dots };
	struct strbuf y = { 0 };
	uint64_t *r = &g.rng;
	unsigned n_links;
	int nh, nn;

	g.n_nodes = 2 + (int)rnd(r, 6);
	snprintf(g.nodes[0].name, sizeof(g.nodes[0].name), "host");
	for (int i = 1; i < g.n_nodes; i++) {
		char *name = g.nodes[i].name;

		if (chance(r, 15)) /* too long for "NODE-IFNAME": hashed */
			snprintf(name, 40, "a-long-node-name-%d", i);
		else if (dots && chance(r, 30))
			snprintf(name, 40, "n.%d", i);
		else
			snprintf(name, 40, "n%d", i);
		g.nodes[i].lo_down = chance(r, 5);
		g.nodes[i].lo_addr = chance(r, 20);
	}
	g.nodes[0].lo_addr = chance(r, 20);
	nh = (int)rnd(r, 3);
	nn = (int)rnd(r, 3);
	for (int i = 0; i < nh + nn; i++) {
		struct gbridge *b = &g.bridges[g.n_bridges++];
		struct gif *f;

		b->node = i < nh ? 0 : 1 + (int)rnd(r, (unsigned)g.n_nodes - 1);
		snprintf(b->name, sizeof(b->name), "%s%d", i < nh ? "hb" : "nb",
			 i);
		b->subnet = g.subnets++;
		b->next_host = 2;
		f = gif_new(&g, b->node, b->name);
		f->bridge = true;
		f->subnet = b->subnet;
		f->host = 1;
		f->v4 = chance(r, 60);
		f->v6 = chance(r, 25);
	}
	n_links = rnd(r, 11);
	for (unsigned i = 0; i < n_links; i++)
		gen_link(&g);
	for (int i = 0; i < g.n_nodes; i++) {
		gen_sysctls(&g, i);
		gen_routes(&g, i);
		if (i)
			gen_intercept(&g, i);
		g.nodes[i].routes_key = chance(r, 5);
	}

	if (chance(r, 70))
		sb_printf(&y, "name: prop-%llu\n", (unsigned long long)seed);
	if (chance(r, 40))
		sb_printf(&y, "namespace-prefix: \"p%llu-\"\n",
			  (unsigned long long)seed);
	if (chance(r, 25)) {
		sb_add(&y, "defaults:\n");
		if (chance(r, 60))
			sb_add(&y, "  sysctl:\n    net.ipv4.ip_forward: 1\n");
		if (chance(r, 50))
			sb_add(&y, "  routes:\n"
				   "    - {to: 198.18.0.0/24, type: "
				   "blackhole}\n");
		if (chance(r, 40))
			sb_add(&y, "  intercept: [100.127.0.0/16]\n");
	}
	sb_add(&y, "nodes:\n");
	for (int i = 1; i < g.n_nodes; i++)
		emit_node(&g, &y, i);
	emit_node(&g, &y, 0);
	if (g.n_bridges) {
		sb_add(&y, "bridges:\n");
		for (int i = 0; i < g.n_bridges; i++) {
			if (g.bridges[i].node)
				sb_printf(&y, "  %s: {node: %s}\n",
					  g.bridges[i].name,
					  g.nodes[g.bridges[i].node].name);
			else
				sb_printf(&y, "  %s: {}\n", g.bridges[i].name);
		}
	}
	if (g.links.len)
		sb_printf(&y, "links:\n%s", g.links.buf);
	for (int i = 0; i < g.n_nodes; i++) {
		sb_free(&g.nodes[i].routes);
		sb_free(&g.nodes[i].sysctls);
		sb_free(&g.nodes[i].intercept);
	}
	sb_free(&g.links);
	return y.buf;
}

/* The checks */

struct prop_run {
	uint64_t seed;
	const char *yaml;
	const struct plan *p;
};

static void prop_fail(const struct prop_run *run, const char *what,
		      const char *detail)
{
	char *text = plan_text(run->p);

	print_error("seed %llu: %s\n%s\n--- topology:\n%s--- plan:\n%s",
		    (unsigned long long)run->seed, what, detail ? detail : "",
		    run->yaml, text);
	free(text);
	fail();
}

static void prop_apply_op(const struct prop_run *run, struct sim *s,
			  struct op *op, struct arena *a, const char *phase)
{
	struct strbuf sb = { 0 };

	if (!sim_apply(s, op, a))
		return;
	sb_printf(&sb, "%s: op '", phase);
	op_format(op, &sb);
	sb_printf(&sb, "' fails: %s", s->err);
	prop_fail(run, sb.buf, NULL);
}

static void assert_same_state(const struct prop_run *run, const char *what,
			      const char *want, const char *got)
{
	struct strbuf sb = { 0 };

	if (!strcmp(want, got))
		return;
	sb_printf(&sb, "--- want:\n%s--- got:\n%s", want, got);
	prop_fail(run, what, sb.buf);
}

/* After the whole plan: the state holds what the topology describes. */
static void check_applied(const struct prop_run *run, const struct sim *s,
			  const struct topo *t)
{
	struct strbuf sb = { 0 };

	for (size_t i = 0; i < t->n_ifaces && !sb.len; i++) {
		const struct iface *f = &t->ifaces[i];
		int ns = sim_ns_find(s, t->nodes[f->node].ns);
		int li = ns < 0 ? -1 : sim_link_find(s, ns, f->name);
		const struct sim_link *l = li < 0 ? NULL : &s->links[li];
		bool up = !f->cfg || f->cfg->up != 0;
		enum sim_kind kind = f->kind == LK_BRIDGE ? SK_BRIDGE : SK_VETH;

		if (!l)
			sb_printf(&sb, "%s: %s was not made",
				  t->nodes[f->node].name, f->name);
		else if (l->kind != kind || l->up != up ||
			 (f->mtu && l->mtu != f->mtu))
			sb_printf(&sb,
				  "%s: %s has the wrong kind, state or mtu",
				  t->nodes[f->node].name, f->name);
		else if ((f->master >= 0) != (l->master >= 0) ||
			 (f->master >= 0 && strcmp(s->links[l->master].name,
						   t->ifaces[f->master].name)))
			sb_printf(&sb, "%s: %s has the wrong master",
				  t->nodes[f->node].name, f->name);
		else if (f->kind == LK_VETH && strcmp(s->links[l->peer].name,
						      t->ifaces[f->peer].name))
			sb_printf(&sb, "%s: %s has the wrong peer",
				  t->nodes[f->node].name, f->name);
	}
	for (size_t i = 0; i < t->n_nodes && !sb.len; i++) {
		const struct node *n = &t->nodes[i];
		int ns = sim_ns_find(s, n->ns);
		size_t routes = 0, addrs = 0, want_addrs = 0;

		if (ns < 0) {
			sb_printf(&sb, "no namespace for %s", n->name);
			break;
		}
		for (size_t k = 0; k < n->n_ifcfg; k++)
			want_addrs += n->ifcfg[k].n_addrs;
		for (size_t k = 0; k < s->n_addrs; k++)
			addrs += s->addrs[k].alive && !s->addrs[k].pre &&
				 s->links[s->addrs[k].link].ns == ns;
		for (size_t k = 0; k < s->n_routes; k++)
			routes += s->routes[k].alive && !s->routes[k].pre &&
				  s->routes[k].ns == ns;
		if (addrs != want_addrs || routes != n->n_routes)
			sb_printf(&sb,
				  "%s: %zu addresses and %zu routes, not "
				  "%zu and %zu",
				  n->name, addrs, routes, want_addrs,
				  n->n_routes);
		for (size_t k = 0; k < n->n_sysctls && !sb.len; k++) {
			int x = sim_sysctl_find(s, ns, n->sysctls[k].key);

			if (x < 0 ||
			    strcmp(s->sysctls[x].value, n->sysctls[k].value))
				sb_printf(&sb, "%s: sysctl %s not set", n->name,
					  n->sysctls[k].key);
		}
	}
	if (sb.len) {
		prop_fail(run, "the applied state differs from the topology",
			  sb.buf);
		sb_free(&sb);
	}
}

/*
 * One topology: apply its plan op by op; before each op (and after the
 * last), undo what was done so far on a copy and compare.
 */
static size_t prop_check(uint64_t seed, const char *yaml)
{
	struct diags d = { .file = "prop.yaml" };
	struct topo *t = topo_load_buf("prop.yaml", yaml, strlen(yaml), &d);
	struct prop_run run = { .seed = seed, .yaml = yaml };
	const char *skip[64] = { NULL };
	char *init_all, *init_pre;
	struct sim init, cur;
	struct plan *p;
	size_t n_ops;

	if (!t) {
		char *errs = diags_text(&d);

		print_error("seed %llu: the generated topology is invalid:\n"
			    "%s\n--- topology:\n%s",
			    (unsigned long long)seed, errs, yaml);
		free(errs);
		diags_free(&d);
		fail();
	}
	diags_free(&d);
	p = plan_compile(t);
	run.p = p;
	/* The host sysctls the topology sets are its to change. */
	for (size_t i = 0; i < t->nodes[HOST_NODE].n_sysctls && i < 63; i++)
		skip[i] = t->nodes[HOST_NODE].sysctls[i].key;
	sim_initial(&init);
	init_all = sim_render(&init, false, NULL);
	init_pre = sim_render(&init, true, skip);
	sim_copy(&cur, &init);
	for (size_t k = 0;; k++) {
		struct plan *inv = invert_prefix(p, k);
		struct sim undo;
		char *got;

		sim_copy(&undo, &cur);
		for (size_t i = 0; i < inv->n_ops; i++)
			prop_apply_op(&run, &undo, &inv->ops[i], NULL,
				      k == p->n_ops ? "destroy" : "rollback");
		got = sim_render(&undo, false, NULL);
		if (strcmp(got, init_all)) {
			char what[96];

			snprintf(what, sizeof(what),
				 "undoing the first %zu of %zu ops does not "
				 "restore the host",
				 k, p->n_ops);
			assert_same_state(&run, what, init_all, got);
		}
		free(got);
		sim_free(&undo);
		plan_free(inv);
		if (k == p->n_ops)
			break;
		prop_apply_op(&run, &cur, &p->ops[k], &p->arena, "apply");
		got = sim_render(&cur, true, skip);
		assert_same_state(&run, "a pre-existing object was changed",
				  init_pre, got);
		free(got);
	}
	check_applied(&run, &cur, t);
	n_ops = p->n_ops;
	sim_free(&cur);
	sim_free(&init);
	free(init_all);
	free(init_pre);
	plan_free(p);
	topo_free(t);
	return n_ops;
}

static uint64_t env_u64(const char *name, uint64_t dflt)
{
	const char *v = getenv(name);

	return v && *v ? strtoull(v, NULL, 0) : dflt;
}

static void test_prop_random_topologies(void **state)
{
	uint64_t first = env_u64("NSTOPO_PROP_SEED", 1);
	uint64_t count = env_u64("NSTOPO_PROP_SEEDS", 400);
	bool dots = env_u64("NSTOPO_PROP_DOTS", 1);
	size_t ops = 0;

	(void)state;
	for (uint64_t seed = first; seed < first + count; seed++) {
		char *yaml = gen_topology(seed, dots);

		ops += prop_check(seed, yaml);
		free(yaml);
	}
	print_message("%llu topologies, %zu ops, each prefix undone\n",
		      (unsigned long long)count, ops);
	assert_true(ops > count * 10);
}

/* The generator: deterministic, and varied enough to mean something. */
static void test_prop_generator(void **state)
{
	char *a = gen_topology(7, false), *b = gen_topology(7, false);
	char *c = gen_topology(8, false);
	size_t bridges = 0, host_ends = 0, intercepts = 0, ports = 0;

	(void)state;
	assert_string_equal(a, b);
	assert_string_not_equal(a, c);
	for (uint64_t seed = 1; seed <= 100; seed++) {
		char *y = gen_topology(seed, false);

		bridges += strstr(y, "bridges:") != NULL;
		host_ends += strstr(y, "host:v") != NULL;
		intercepts += strstr(y, "intercept:") != NULL;
		ports += strstr(y, ":p") != NULL;
		free(y);
	}
	assert_true(bridges > 30 && host_ends > 30 && intercepts > 10 &&
		    ports > 10);
	free(a);
	free(b);
	free(c);
}

/* The simulator itself must catch what is wrong. */
static void test_prop_simulator(void **state)
{
	struct sim s, copy;
	struct op op = { .kind = OP_LINK_ADD, .type = LK_VETH };
	struct arena a = { 0 };
	char *before, *after;
	int br;

	(void)state;
	sim_initial(&s);
	before = sim_render(&s, false, NULL);
	/* Names are per namespace. */
	op.link.name = "eth0";
	op.peer.name = "x";
	op.peer.ns = "preexisting";
	assert_int_equal(sim_apply(&s, &op, NULL), -1);
	op.link.name = "y";
	op.peer.name = "eth0";
	assert_int_equal(sim_apply(&s, &op, NULL), -1);
	op.peer.name = "y";
	assert_int_equal(sim_apply(&s, &op, NULL), 0);
	/* Deleting a namespace takes the host ends of its veths along. */
	sim_copy(&copy, &s);
	op = (struct op){ .kind = OP_NETNS_DEL, .link.ns = "preexisting" };
	assert_int_equal(sim_apply(&copy, &op, NULL), 0);
	assert_int_equal(sim_link_find(&copy, 0, "vethpre"), -1);
	assert_int_equal(sim_link_find(&copy, 0, "y"), -1);
	assert_true(sim_link_find(&copy, 0, "docker0") >= 0);
	sim_free(&copy);
	/* Deleting a bridge frees its ports. */
	br = sim_link_find(&s, 0, "docker0");
	sim_link_kill(&s, br);
	assert_int_equal(s.links[sim_link_find(&s, 0, "vethpre")].master, -1);
	/* Deleting eth0 takes its routes and sysctls. */
	sim_link_kill(&s, sim_link_find(&s, 0, "eth0"));
	after = sim_render(&s, false, NULL);
	assert_null(strstr(after, "via=192.168.1.1"));
	assert_null(strstr(after, "conf.eth0."));
	assert_non_null(strstr(after, "link host y veth peer=preexisting/y"));
	assert_string_not_equal(before, after);
	/* A sysctl of a missing interface, a route on nothing, a restore. */
	op = (struct op){ .kind = OP_SYSCTL_SET,
			  .key = "net.ipv6.conf.eth0.accept_dad",
			  .value = "0" };
	assert_int_equal(sim_apply(&s, &op, NULL), -1);
	op = (struct op){ .kind = OP_SYSCTL_SET,
			  .key = "net.ipv4.ip_forward",
			  .value = "1" };
	assert_int_equal(sim_apply(&s, &op, &a), 0);
	assert_string_equal(op.old_value, "0");
	op.kind = OP_SYSCTL_RESTORE;
	assert_int_equal(sim_apply(&s, &op, NULL), 0);
	assert_string_equal(s.sysctls[sim_sysctl_find(&s, 0, op.key)].value,
			    "0");
	op = (struct op){ .kind = OP_ROUTE_ADD };
	op.route.has_via = true;
	prefix_parse("10.0.0.0/8", &op.route.to, true, &(const char *){ NULL });
	prefix_parse("10.1.1.1", &op.route.via, false, &(const char *){ NULL });
	assert_int_equal(sim_apply(&s, &op, NULL), -1);
	assert_string_equal(s.err, "gateway unreachable");
	arena_free(&a);
	free(before);
	free(after);
	sim_free(&s);
}

/*
 * The prefix property on one hand-written topology that exercises the
 * host: bridges with addresses, host ends, host routes and sysctls.
 */
static void test_prop_host_topology(void **state)
{
	size_t n;

	(void)state;
	n = prop_check(0,
		       "namespace-prefix: t-\n"
		       "nodes:\n"
		       "  a:\n"
		       "    interfaces:\n"
		       "      eth0: {addresses: [10.0.0.2/24]}\n"
		       "    routes:\n"
		       "      - {to: default, via: 10.0.0.1}\n"
		       "  host:\n"
		       "    sysctl:\n"
		       "      net.ipv4.ip_forward: 1\n"
		       "      net.ipv4.conf.eth0.forwarding: 1\n"
		       "      net.ipv4.conf.br0.forwarding: 1\n"
		       "      net.core.somaxconn: 4096\n"
		       "    interfaces:\n"
		       "      br0: {addresses: [10.0.0.1/24, \"fd00::1/64\"]}\n"
		       "      lo: {addresses: [10.255.0.1/32]}\n"
		       "      v1: {addresses: [10.1.0.1/24]}\n"
		       "    routes:\n"
		       "      - {to: 172.20.0.0/16, via: 10.0.0.2}\n"
		       "      - {to: 172.21.0.0/16, dev: v1}\n"
		       "      - {to: 172.22.0.0/16, via: 10.1.0.2, dev: v1}\n"
		       "      - {to: \"fd01::/64\", via: \"fd00::2\"}\n"
		       "      - {to: 192.0.2.7/32, type: prohibit}\n"
		       "bridges:\n"
		       "  br0: {}\n"
		       "links:\n"
		       "  - [a:eth0, br0]\n"
		       "  - [host:v1, host:v2]\n"
		       "  - [host:v3, a:eth1]\n");
	assert_int_equal(n, 42);
}

/*
 * Names with '.': a sysctl names such an interface with sysctl(8)'s '/'
 * ("eth0/1" for eth0.1); an interface with sysctls of its own comes up
 * only after them.
 */
static void test_prop_dotted_names(void **state)
{
	size_t n;

	(void)state;
	n = prop_check(0, "nodes:\n"
			  "  n.1:\n"
			  "    sysctl:\n"
			  "      net.ipv4.conf.eth0/1.rp_filter: 2\n"
			  "    interfaces:\n"
			  "      eth0.1: {addresses: [10.0.0.1/24]}\n"
			  "    routes:\n"
			  "      - {to: 10.1.0.0/16, via: 10.0.0.2,"
			  " dev: eth0.1}\n"
			  "  n.2: {}\n"
			  "bridges:\n"
			  "  br.0: {node: n.2}\n"
			  "links:\n"
			  "  - [n.1:eth0.1, n.2:eth0.1]\n"
			  "  - [n.1:eth1, br.0]\n");
	assert_int_equal(n, 31);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_prop_simulator),
		cmocka_unit_test(test_prop_generator),
		cmocka_unit_test(test_prop_host_topology),
		cmocka_unit_test(test_prop_dotted_names),
		cmocka_unit_test(test_prop_random_topologies),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
