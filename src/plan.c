// SPDX-License-Identifier: MIT
/*
 * plan.c - topology -> ordered operations; the inverse plan; printing.
 *
 * Theory of operation: apply is fastest when it enters each namespace
 * few times and never waits on an object it just made, so the plan comes
 * in three phases.  (1) Namespaces: each is created with lo up and its
 * global sysctls (accept_dad=0 before any link exists).  (2) Links:
 * bridges, then veth pairs, each pair created in one request with its
 * peer placed directly in the peer's namespace; an end in a namespace
 * nstopo creates comes up at creation, an end in the host is marked as
 * nstopo's and gets accept_dad=0 before it comes up.  (3) Configuration,
 * namespace by namespace: interface sysctls, addresses, routes.
 */
#include <arpa/inet.h>
#include <string.h>

#include "plan.h"

const char *const plan_dad_sysctls[2] = {
	"net.ipv6.conf.all.accept_dad",
	"net.ipv6.conf.default.accept_dad",
};

struct plan *plan_new(const char *lab)
{
	struct plan *p = xcalloc(1, sizeof(*p));

	p->lab = arena_strdup(&p->arena, lab);
	return p;
}

void plan_free(struct plan *p)
{
	if (!p)
		return;
	arena_free(&p->arena);
	free(p);
}

struct op *plan_push(struct plan *p, enum op_kind kind, const char *ns)
{
	struct op *op = vec_push(&p->arena, p->ops, p->n_ops, p->cap_ops);

	op->kind = kind;
	op->link.ns = ns;
	return op;
}

bool op_is_undo(enum op_kind kind)
{
	switch (kind) {
	case OP_NETNS_DEL:
	case OP_LINK_DEL:
	case OP_ADDR_DEL:
	case OP_ROUTE_DEL:
	case OP_SYSCTL_RESTORE:
	case OP_PORT_DEL:
		return true;
	case OP_NETNS_ADD:
	case OP_LINK_ADD:
	case OP_LINK_SET:
	case OP_ADDR_ADD:
	case OP_ROUTE_ADD:
	case OP_SYSCTL_SET:
	case OP_EXEC:
	case OP_QDISC_ADD:
	case OP_PORT_ADD:
	case OP__COUNT:
		break;
	}
	return false;
}

/* Compile */

struct pctx {
	const struct topo *t;
	struct plan *p;
};

static const char *ns_of(const struct pctx *c, int node)
{
	return c->t->nodes[node].ns;
}

static bool up_wanted(const struct iface *f)
{
	return !f->cfg || f->cfg->up != 0;
}

static void op_if_fill(const struct pctx *c, struct op_if *oi,
		       const struct iface *f)
{
	oi->ns = ns_of(c, f->node);
	oi->name = f->name;
	oi->mtu = f->mtu;
	if (f->cfg && f->cfg->has_mac) {
		oi->has_mac = true;
		memcpy(oi->mac, f->cfg->mac, 6);
	}
}

static bool user_sets(const struct node *n, const char *key)
{
	for (size_t i = 0; i < n->n_sysctls; i++)
		if (!strcmp(n->sysctls[i].key, key))
			return true;
	return false;
}

/* Is this sysctl about one of the node's own (created) interfaces? */
static bool sysctl_per_iface(const struct node *n, const char *key)
{
	char name[IFNAME_MAX + 1];

	return sysctl_key_ifname(key, name) && strmap_get(&n->ifmap, name) >= 0;
}

static void push_sysctl(struct pctx *c, int node, const struct sysctl *s)
{
	struct op *op = plan_push(c->p, OP_SYSCTL_SET, ns_of(c, node));

	op->key = s->key;
	op->value = s->value;
	op->pos = s->pos;
}

static void phase_namespaces(struct pctx *c)
{
	const struct topo *t = c->t;

	for (size_t i = 0; i < t->n_nodes; i++) {
		const struct node *n = &t->nodes[i];
		struct op *op;

		if (n->is_host)
			continue;
		op = plan_push(c->p, OP_NETNS_ADD, n->ns);
		op->node = n->name;
		op->pos = n->pos;
		/* lo first: the sysctls can then be written while apply goes
		 * on to the next namespace (nothing else here waits on them). */
		bool lo_up = true;
		uint32_t lo_mtu = 0;

		for (size_t k = 0; k < n->n_ifcfg; k++)
			if (!strcmp(n->ifcfg[k].name, "lo")) {
				lo_up = n->ifcfg[k].up != 0;
				lo_mtu = n->ifcfg[k].mtu;
			}
		if (lo_up || lo_mtu) {
			op = plan_push(c->p, OP_LINK_SET, n->ns);
			op->link.name = "lo";
			op->link.up = lo_up;
			op->link.mtu = lo_mtu;
			op->pos = n->pos;
		}
		for (size_t k = 0; k < ARRAY_SIZE(plan_dad_sysctls); k++) {
			if (user_sets(n, plan_dad_sysctls[k]))
				continue;
			op = plan_push(c->p, OP_SYSCTL_SET, n->ns);
			op->key = plan_dad_sysctls[k];
			op->value = "0";
			op->pos = n->pos;
		}
		for (size_t k = 0; k < n->n_sysctls; k++)
			if (!sysctl_per_iface(n, n->sysctls[k].key))
				push_sysctl(c, (int)i, &n->sysctls[k]);
	}
}

/* A per-interface IPv6 sysctl key: sysctl(8) writes a '.' in a name as '/'. */
static const char *if6_key(struct arena *a, const char *ifname,
			   const char *leaf)
{
	char key[96];

	return arena_strdup(
		a, sysctl_if_key(key, sizeof(key), "ipv6", ifname, leaf));
}

/*
 * A bridge port with no address of its own has no use for an IPv6 stack:
 * without it the port has no link-local address, sends no MLD reports or
 * router solicitations (which a bridge floods to every other port), and
 * adds no routes.  Bridged IPv6 traffic crosses it all the same.
 */
static bool bare_port(const struct iface *f)
{
	return f->master >= 0 && (!f->cfg || !f->cfg->n_addrs);
}

static int sysctl_int(const struct node *n, const char *key, int dflt);

/*
 * accept-ra and autoconf are the sysctls they name.  A node that forwards
 * ignores router advertisements unless accept_ra is 2.
 */
static size_t ra_sysctls(struct pctx *c, const struct iface *f, bool push)
{
	const struct node *n = &c->t->nodes[f->node];
	const struct iface_cfg *ic = f->cfg;
	bool fwd = sysctl_int(n, "net.ipv6.conf.all.forwarding", 0) > 0 ||
		   sysctl_int(n, if6_key(&c->p->arena, f->name, "forwarding"),
			      0) > 0;
	const char *keys[2] = { "accept_ra", "autoconf" };
	int vals[2] = { ic ? ic->accept_ra : -1, ic ? ic->autoconf : -1 };
	size_t count = 0;

	if (vals[0] > 0 && fwd)
		vals[0] = 2;
	for (int k = 0; k < 2; k++) {
		struct op *op;

		if (vals[k] < 0)
			continue;
		count++;
		if (!push)
			continue;
		op = plan_push(c->p, OP_SYSCTL_SET, ns_of(c, f->node));
		op->key = if6_key(&c->p->arena, f->name, keys[k]);
		op->value = vals[k] == 2 ? "2" : vals[k] ? "1" : "0";
		op->pos = ic->pos;
	}
	return count;
}

/* The node's own sysctls about interface @f: they go before it comes up. */
static size_t iface_sysctls(struct pctx *c, const struct iface *f, bool push)
{
	const struct node *n = &c->t->nodes[f->node];
	char name[IFNAME_MAX + 1];
	size_t count = ra_sysctls(c, f, push);

	for (size_t k = 0; k < n->n_sysctls; k++) {
		if (!sysctl_key_ifname(n->sysctls[k].key, name) ||
		    strcmp(name, f->name))
			continue;
		count++;
		if (push)
			push_sysctl(c, f->node, &n->sysctls[k]);
	}
	return count;
}

/*
 * A veth end in a namespace nstopo creates, not a bridge port, comes up
 * only after every link exists and every address is on: until then the
 * pair has no carrier, so making links, enslaving ports and adding
 * addresses stays cheap.  Carrier starts the kernel's own work (ports
 * forward, IPv6 starts, its multicast reports flood the bridges), which
 * its workers do after the requests that cause it: the later it starts,
 * the less of it runs while apply is still making the lab.
 */
static bool late_up(const struct iface *f)
{
	return link_kind_pair(f->kind) && f->node != HOST_NODE &&
	       f->master < 0 && up_wanted(f);
}

/*
 * Finish an end after its link exists, before it comes up: its sysctls
 * (in the host first accept_dad=0, as the host's defaults are not ours to
 * change, unless the file sets it), then enslave, mark and raise it.
 */
static void end_finish(struct pctx *c, const struct iface *f)
{
	const struct topo *t = c->t;
	const struct node *n = &t->nodes[f->node];
	bool host = f->node == HOST_NODE;
	const char *dad = if6_key(&c->p->arena, f->name, "accept_dad");
	const char *off = if6_key(&c->p->arena, f->name, "disable_ipv6");
	bool v6_off = bare_port(f) && !user_sets(n, off) && !user_sets(n, dad);
	size_t first = c->p->n_ops;
	struct op *op;

	/* The spec's promise for ends in namespaces nstopo did not make;
	 * a bare port has no IPv6 at all, so no DAD to turn off. */
	if (host && !user_sets(n, dad) && !v6_off) {
		op = plan_push(c->p, OP_SYSCTL_SET, NULL);
		op->key = dad;
		op->value = "0";
		op->pos = f->pos;
	}
	if (v6_off) {
		op = plan_push(c->p, OP_SYSCTL_SET, ns_of(c, f->node));
		op->key = off;
		op->value = "1";
		op->pos = f->pos;
	}
	iface_sysctls(c, f, true);
	/* Keys of an interface the lab makes die with it: no old value. */
	for (size_t i = first; i < c->p->n_ops; i++)
		c->p->ops[i].own = true;
	if (!host && (!up_wanted(f) || late_up(f)) && f->master < 0)
		return;
	op = plan_push(c->p, OP_LINK_SET, ns_of(c, f->node));
	op->link.name = f->name;
	op->link.master = f->master >= 0 ? t->ifaces[f->master].name : NULL;
	op->link.up = up_wanted(f) && !late_up(f);
	/* Its carrier comes when a late peer comes up: wait for it too. */
	op->settle =
		op->link.up && f->peer >= 0 && late_up(&t->ifaces[f->peer]);
	op->mark = host;
	op->pos = f->pos;
}

/*
 * The end a request creates can be enslaved and raised by that request,
 * unless it is in the host or has sysctls to take first.
 */
static bool done_at_creation(struct pctx *c, const struct iface *f)
{
	return f->node != HOST_NODE && !bare_port(f) &&
	       !iface_sysctls(c, f, false);
}

/*
 * Dummies, then macvlan, ipvlan and vlan links, each once its parent
 * exists: made by the file earlier (a pair, a bridge, another of these)
 * or already in the host.  The request goes to the parent's namespace and
 * places the new link in its node's.
 */
static void phase_single_links(struct pctx *c)
{
	const struct topo *t = c->t;
	bool *done = xcalloc(t->n_links + 1, sizeof(*done));
	bool progress = true;

	while (progress) {
		progress = false;
		for (size_t i = 0; i < t->n_links; i++) {
			const struct link *l = &t->links[i];
			const struct iface *f = &t->ifaces[l->ep[0].iface];
			const struct iface *p =
				l->parent_iface >= 0 ?
					&t->ifaces[l->parent_iface] :
					NULL;
			struct op *op;

			if (link_ends(l) == 2 || done[i])
				continue;
			if (p && p->link >= 0 &&
			    link_ends(&t->links[p->link]) != 2 &&
			    !done[p->link])
				continue;
			done[i] = progress = true;
			/* f points into t->ifaces: the "p &&" above does not
			 * make it NULL, whatever clang's analyzer infers. */
			/* NOLINTNEXTLINE(clang-analyzer-core.NullDereference) */
			op = plan_push(c->p, OP_LINK_ADD, ns_of(c, f->node));
			op->type = l->kind;
			op_if_fill(c, &op->link, f);
			if (l->parent.text) {
				op->parent.ns = ns_of(c, l->parent.node);
				op->parent.name = l->parent.ifname;
			}
			op->mode = l->mode;
			op->id = l->id;
			op->mark = f->node == HOST_NODE;
			op->pos = l->pos;
			if (done_at_creation(c, f))
				op->link.up = up_wanted(f);
			else
				end_finish(c, f);
		}
	}
	free(done);
}

/* Ports the host has already (its NIC), once their bridge is up. */
static void push_host_ports(struct pctx *c, const struct bridge *b)
{
	for (size_t k = 0; k < b->n_given; k++) {
		struct op *op;

		if (b->ports[k].iface >= 0)
			continue; /* made by the file: its link enslaves it */
		op = plan_push(c->p, OP_PORT_ADD, NULL);
		op->link.name = b->ports[k].name;
		op->link.master = b->name;
		op->adopt = b->adopt;
		op->pos = b->ports[k].pos;
	}
}

static void phase_links(struct pctx *c)
{
	const struct topo *t = c->t;

	for (size_t i = 0; i < t->n_bridges; i++) {
		const struct iface *f = &t->ifaces[t->bridges[i].iface];
		struct op *op = plan_push(c->p, OP_LINK_ADD, ns_of(c, f->node));

		op->type = LK_BRIDGE;
		op_if_fill(c, &op->link, f);
		op->mark = f->node == HOST_NODE;
		op->pos = f->pos;
		if (done_at_creation(c, f))
			op->link.up = up_wanted(f);
		else
			end_finish(c, f);
		push_host_ports(c, &t->bridges[i]);
	}
	for (size_t i = 0; i < t->n_links; i++) {
		const struct link *l = &t->links[i];
		const struct iface *a = &t->ifaces[l->ep[0].iface];
		const struct iface *b;
		struct op *op;

		if (link_ends(l) != 2)
			continue; /* after the pairs they may sit on */
		b = &t->ifaces[l->ep[1].iface];

		/* The request goes to the namespace of the main end, which
		 * is not the host's when either end is elsewhere. */
		if (a->node == HOST_NODE && b->node != HOST_NODE) {
			const struct iface *tmp = a;

			a = b;
			b = tmp;
		}
		op = plan_push(c->p, OP_LINK_ADD, ns_of(c, a->node));
		op->type = l->kind;
		op_if_fill(c, &op->link, a);
		op_if_fill(c, &op->peer, b);
		op->mark = a->node == HOST_NODE || b->node == HOST_NODE;
		op->pos = l->pos;
		if (done_at_creation(c, a)) {
			op->link.up = up_wanted(a) && !late_up(a);
			op->link.master = a->master >= 0 ?
						  t->ifaces[a->master].name :
						  NULL;
		} else {
			end_finish(c, a);
		}
		/* A peer can never come up in the request that makes it. */
		end_finish(c, b);
	}
	phase_single_links(c);
}

static int sysctl_int(const struct node *n, const char *key, int dflt)
{
	for (size_t i = n->n_sysctls; i-- > 0;)
		if (!strcmp(n->sysctls[i].key, key))
			return atoi(n->sysctls[i].value);
	return dflt;
}

/*
 * Does the file want duplicate address detection on this interface?  The
 * kernel runs it when `all` or the interface's accept_dad is above 0;
 * nstopo writes 0 to both unless the file says otherwise, and then adds
 * addresses with nodad, which skips it whatever the sysctls say.
 */
static bool dad_wanted(struct pctx *c, const struct node *n, const char *ifname)
{
	int all = sysctl_int(n, "net.ipv6.conf.all.accept_dad", 0);
	int dflt = sysctl_int(n, "net.ipv6.conf.default.accept_dad", 0);
	int own = sysctl_int(n, if6_key(&c->p->arena, ifname, "accept_dad"),
			     dflt);

	return (!n->is_host && all > 0) || own > 0;
}

static void route_fill(struct route_spec *rs, const struct route *r)
{
	rs->to = r->to;
	rs->has_via = r->has_via;
	rs->via = r->via;
	rs->dev = r->dev;
	rs->metric = r->metric;
	rs->table = r->table;
	rs->type = (uint8_t)r->type;
	rs->onlink = r->onlink;
}

static uint32_t ppm(double pct)
{
	return (uint32_t)(pct * 1e4 + 0.5);
}

static void push_qdisc(struct pctx *c, const char *ns,
		       const struct iface_cfg *ic)
{
	const struct shaping *s = &ic->shape;
	struct op *op;

	if (!s->netem && !s->rate)
		return;
	op = plan_push(c->p, OP_QDISC_ADD, ns);
	op->link.name = ic->name;
	op->qdisc = (struct qdisc_spec){
		.netem = s->netem,
		.delay_us = s->delay_us,
		.jitter_us = s->jitter_us,
		.loss_ppm = ppm(s->loss),
		.duplicate_ppm = ppm(s->duplicate),
		.reorder_ppm = ppm(s->reorder),
		.corrupt_ppm = ppm(s->corrupt),
		.rate = (uint32_t)s->rate,
	};
	op->pos = s->pos;
}

/*
 * The late ends (see late_up()) come up, node by node, once the
 * addresses are on: an address on a link that is down is kept, and goes
 * to work (prefix routes, multicast groups) when the link comes up.
 */
static void phase_raise(struct pctx *c)
{
	const struct topo *t = c->t;

	for (size_t k = 0; k < t->n_ifaces; k++) {
		const struct iface *f = &t->ifaces[k];
		struct op *op;

		if (!late_up(f))
			continue;
		op = plan_push(c->p, OP_LINK_SET, ns_of(c, f->node));
		op->link.name = f->name;
		op->link.up = true;
		op->settle = up_wanted(&t->ifaces[f->peer]);
		op->pos = f->pos;
	}
}

/* Host sysctls, impairments and addresses: all before the late ends rise. */
static void phase_config(struct pctx *c)
{
	const struct topo *t = c->t;

	for (size_t i = 0; i < t->n_nodes; i++) {
		const struct node *n = &t->nodes[i];
		const char *ns = ns_of(c, (int)i);

		/* Node sysctls went with the namespace, interface ones with
		 * their interface; the host's others come here. */
		for (size_t k = 0; k < n->n_sysctls && n->is_host; k++)
			if (!sysctl_per_iface(n, n->sysctls[k].key))
				push_sysctl(c, (int)i, &n->sysctls[k]);
		for (size_t k = 0; k < n->n_ifcfg; k++)
			push_qdisc(c, ns, &n->ifcfg[k]);
		for (size_t k = 0; k < n->n_ifcfg; k++) {
			const struct iface_cfg *ic = &n->ifcfg[k];

			for (size_t j = 0; j < ic->n_addrs; j++) {
				struct op *op =
					plan_push(c->p, OP_ADDR_ADD, ns);

				op->link.name = ic->name;
				op->addr = ic->addrs[j].p;
				op->dad = op->addr.family == AF_INET6 &&
					  dad_wanted(c, n, ic->name);
				op->pos = ic->addrs[j].pos;
			}
		}
	}
}

/* Routes need their links up: a gateway on a link that is down is not
 * reachable (ENETDOWN). */
static void phase_routes(struct pctx *c)
{
	const struct topo *t = c->t;

	for (size_t i = 0; i < t->n_nodes; i++) {
		const struct node *n = &t->nodes[i];

		for (size_t k = 0; k < n->n_routes; k++) {
			struct op *op =
				plan_push(c->p, OP_ROUTE_ADD, ns_of(c, (int)i));

			route_fill(&op->route, &n->routes[k]);
			op->pos = n->routes[k].pos;
		}
	}
}

/* Make every string of @op the plan's own, so the plan outlives its source. */
static void op_own(struct plan *p, struct op *op)
{
	const char **strs[] = {
		&op->node,	  &op->link.ns,	  &op->link.name,
		&op->link.master, &op->peer.ns,	  &op->peer.name,
		&op->peer.master, &op->route.dev, &op->key,
		&op->value,	  &op->old_value, &op->parent.ns,
		&op->parent.name, &op->saved,
	};

	for (size_t i = 0; i < ARRAY_SIZE(strs); i++)
		if (*strs[i])
			*strs[i] = arena_strdup(&p->arena, *strs[i]);
	if (op->argv) {
		char **argv =
			arena_alloc(&p->arena, (op->argc + 1) * sizeof(*argv));

		for (size_t i = 0; i < op->argc; i++)
			argv[i] = arena_strdup(&p->arena, op->argv[i]);
		op->argv = argv;
	}
}

/* Last, once everything is in place: the nodes' own commands. */
static void phase_exec(struct pctx *c)
{
	const struct topo *t = c->t;

	for (size_t i = 0; i < t->n_nodes; i++) {
		const struct node *n = &t->nodes[i];

		for (size_t k = 0; k < n->n_exec; k++) {
			struct op *op = plan_push(c->p, OP_EXEC, n->ns);

			op->node = n->name;
			op->argv = n->exec[k].argv;
			op->argc = n->exec[k].argc;
			op->pos = n->exec[k].pos;
		}
	}
}

struct plan *plan_compile(const struct topo *t)
{
	struct pctx c = { .t = t, .p = plan_new(t->name) };

	phase_namespaces(&c);
	phase_links(&c);
	phase_config(&c);
	phase_raise(&c);
	phase_routes(&c);
	phase_exec(&c);
	for (size_t i = 0; i < c.p->n_ops; i++)
		op_own(c.p, &c.p->ops[i]);
	return c.p;
}

/* Invert */

/* Is (ns, name) an interface that an op of @p creates? */
static bool created_link(const struct strmap *links, struct arena *a,
			 const char *ns, const char *name)
{
	return name && strmap_get(links, arena_printf(a, "%s|%s", ns ? ns : "",
						      name)) >= 0;
}

struct plan *plan_invert(const struct plan *p)
{
	struct plan *inv = plan_new(p->lab);
	struct strmap made_ns = { 0 }, made_links = { 0 };
	struct arena scratch = { 0 };
	struct op *op;

	for (size_t i = 0; i < p->n_ops; i++) {
		const struct op *o = &p->ops[i];

		if (o->kind == OP_NETNS_ADD)
			strmap_put(&made_ns, o->link.ns, (int)i);
		if (o->kind != OP_LINK_ADD)
			continue;
		strmap_put(&made_links,
			   arena_printf(&scratch, "%s|%s",
					o->link.ns ? o->link.ns : "",
					o->link.name),
			   (int)i);
		if (link_kind_pair(o->type))
			strmap_put(&made_links,
				   arena_printf(&scratch, "%s|%s",
						o->peer.ns ? o->peer.ns : "",
						o->peer.name),
				   (int)i);
	}
#define IN_MADE_NS(ns) ((ns) && strmap_get(&made_ns, (ns)) >= 0)
	/* Host routes, addresses and sysctls first, while their devices
	 * still exist; then host links; then the namespaces. */
	for (size_t i = p->n_ops; i-- > 0;) {
		const struct op *o = &p->ops[i];

		if (IN_MADE_NS(op_ns(o)))
			continue;
		switch (o->kind) {
		case OP_ROUTE_ADD:
			op = plan_push(inv, OP_ROUTE_DEL, op_ns(o));
			op->route = o->route;
			op->pos = o->pos;
			break;
		case OP_ADDR_ADD:
			if (created_link(&made_links, &scratch, op_ns(o),
					 o->link.name))
				break;
			op = plan_push(inv, OP_ADDR_DEL, op_ns(o));
			op->link.name = o->link.name;
			op->addr = o->addr;
			op->pos = o->pos;
			break;
		case OP_SYSCTL_SET: {
			/* Per-interface keys of our own links die with them. */
			char name[IFNAME_MAX + 1];

			if (sysctl_key_ifname(o->key, name) &&
			    created_link(&made_links, &scratch, op_ns(o), name))
				break;
			op = plan_push(inv, OP_SYSCTL_RESTORE, op_ns(o));
			op->key = o->key;
			op->old_value = o->old_value;
			op->pos = o->pos;
			break;
		}
		case OP_NETNS_ADD:
		case OP_NETNS_DEL:
		case OP_LINK_ADD:
		case OP_LINK_DEL:
		case OP_LINK_SET:
		case OP_ADDR_DEL:
		case OP_ROUTE_DEL:
		case OP_SYSCTL_RESTORE:
			break;
		case OP_PORT_ADD:
			op = plan_push(inv, OP_PORT_DEL, NULL);
			op->link = o->link;
			op->adopt = o->adopt;
			op->saved = o->saved;
			op->pos = o->pos;
			break;
		case OP_EXEC:
		case OP_QDISC_ADD: /* goes with its link */
		case OP_PORT_DEL:
		case OP__COUNT:
			break;
		}
	}
	for (size_t i = p->n_ops; i-- > 0;) {
		const struct op *o = &p->ops[i];
		const struct op_if *host_end = NULL;

		if (o->kind != OP_LINK_ADD)
			continue;
		if (!IN_MADE_NS(o->link.ns))
			host_end = &o->link;
		else if (link_kind_pair(o->type) && !IN_MADE_NS(o->peer.ns))
			host_end = &o->peer;
		if (!host_end)
			continue; /* dies with its namespace */
		op = plan_push(inv, OP_LINK_DEL, host_end->ns);
		op->link.name = host_end->name;
		op->type = o->type;
		op->mark = o->mark;
		op->pos = o->pos;
	}
	for (size_t i = p->n_ops; i-- > 0;) {
		const struct op *o = &p->ops[i];

		if (o->kind != OP_NETNS_ADD)
			continue;
		op = plan_push(inv, OP_NETNS_DEL, o->link.ns);
		op->node = o->node;
		op->pos = o->pos;
	}
#undef IN_MADE_NS
	for (size_t i = 0; i < inv->n_ops; i++)
		op_own(inv, &inv->ops[i]);
	strmap_free(&made_ns);
	strmap_free(&made_links);
	arena_free(&scratch);
	return inv;
}

/* Is @op part of the set-up of the namespace it runs in: lo, a sysctl? */
static bool setup_op(const struct op *op, const char *ns)
{
	return op_ns(op) && !strcmp(op_ns(op), ns) &&
	       (op->kind == OP_SYSCTL_SET ||
		(op->kind == OP_LINK_SET && !strcmp(op->link.name, "lo")));
}

static bool op_same(const struct op *a, const struct op *b, struct strbuf *x,
		    struct strbuf *y)
{
	/* The text of an op holds every field that changes what it does,
	 * and not what a run learns (a sysctl's old value). */
	x->len = y->len = 0;
	op_format(a, x);
	op_format(b, y);
	return x->len == y->len && !memcmp(x->buf, y->buf, x->len);
}

/*
 * Ops [i, e) of @a and of @b, in any order.  The order of a new
 * namespace's set-up does not change what it makes, and journals of labs
 * applied before lo came first have it otherwise.
 */
static bool same_set(const struct plan *a, const struct plan *b, size_t i,
		     size_t e, struct strbuf *x, struct strbuf *y)
{
	bool *used = xcalloc(e - i + 1, sizeof(*used));
	bool eq = true;

	for (size_t k = i; k < e && eq; k++) {
		eq = false;
		for (size_t m = i; m < e && !eq; m++)
			if (!used[m - i] &&
			    op_same(&a->ops[k], &b->ops[m], x, y))
				eq = used[m - i] = true;
	}
	free(used);
	return eq;
}

bool plan_equal(const struct plan *a, const struct plan *b)
{
	struct strbuf x = { 0 }, y = { 0 };
	bool eq = a->n_ops == b->n_ops;

	for (size_t i = 0; i < a->n_ops && eq;) {
		const struct op *op = &a->ops[i];
		size_t ea = i + 1, eb = i + 1;

		eq = op_same(op, &b->ops[i], &x, &y);
		if (!eq || op->kind != OP_NETNS_ADD) {
			i++;
			continue;
		}
		while (ea < a->n_ops && setup_op(&a->ops[ea], op_ns(op)))
			ea++;
		while (eb < b->n_ops && setup_op(&b->ops[eb], op_ns(op)))
			eb++;
		eq = ea == eb && same_set(a, b, i + 1, ea, &x, &y);
		i = ea;
	}
	sb_free(&x);
	sb_free(&y);
	return eq;
}

/* Printing */

static const char *ns_label(const char *ns)
{
	return ns ? ns : "host";
}

static void fmt_if_attrs(struct strbuf *sb, const struct op_if *oi)
{
	if (oi->mtu)
		sb_printf(sb, " mtu %u", oi->mtu);
	if (oi->has_mac)
		sb_printf(sb, " address %02x:%02x:%02x:%02x:%02x:%02x",
			  oi->mac[0], oi->mac[1], oi->mac[2], oi->mac[3],
			  oi->mac[4], oi->mac[5]);
	if (oi->master)
		sb_printf(sb, " master %s", oi->master);
	if (oi->up)
		sb_add(sb, " up");
}

static const char *table_name(uint32_t table, char *buf, size_t len)
{
	if (table == RT_TABLE_MAIN_ID)
		return NULL;
	if (table == RT_TABLE_LOCAL_ID)
		return "local";
	snprintf(buf, len, "%u", table);
	return buf;
}

static void fmt_route(struct strbuf *sb, const struct route_spec *r)
{
	char buf[INET6_ADDRSTRLEN + 4], tbuf[16];
	const char *table = table_name(r->table, tbuf, sizeof(tbuf));

	if (r->type != RT_UNICAST)
		sb_printf(sb, " %s", route_type_name((enum route_type)r->type));
	if (!r->to.plen && r->to.family == AF_INET) {
		sb_add(sb, " default");
	} else {
		prefix_format(&r->to, true, buf, sizeof(buf));
		sb_printf(sb, " %s", buf);
	}
	if (r->has_via) {
		prefix_format(&r->via, false, buf, sizeof(buf));
		sb_printf(sb, " via %s", buf);
	}
	if (r->dev)
		sb_printf(sb, " dev %s", r->dev);
	if (r->metric)
		sb_printf(sb, " metric %u", r->metric);
	if (table)
		sb_printf(sb, " table %s", table);
	if (r->onlink)
		sb_add(sb, " onlink");
}

static void fmt_pct(struct strbuf *sb, const char *what, uint32_t ppm)
{
	if (ppm)
		sb_printf(sb, " %s %g%%", what, ppm / 1e4);
}

static void fmt_qdisc(struct strbuf *sb, const struct qdisc_spec *q)
{
	double bits = (double)q->rate * 8;

	if (q->netem) {
		sb_add(sb, " netem");
		if (q->delay_us)
			sb_printf(sb, " delay %gms", q->delay_us / 1e3);
		if (q->jitter_us)
			sb_printf(sb, " jitter %gms", q->jitter_us / 1e3);
		fmt_pct(sb, "loss", q->loss_ppm);
		fmt_pct(sb, "duplicate", q->duplicate_ppm);
		fmt_pct(sb, "reorder", q->reorder_ppm);
		fmt_pct(sb, "corrupt", q->corrupt_ppm);
	}
	if (!q->rate)
		return;
	if (bits >= 1e9)
		sb_printf(sb, " rate %ggbit", bits / 1e9);
	else if (bits >= 1e6)
		sb_printf(sb, " rate %gmbit", bits / 1e6);
	else if (bits >= 1e3)
		sb_printf(sb, " rate %gkbit", bits / 1e3);
	else
		sb_printf(sb, " rate %gbit", bits);
}

void op_format(const struct op *op, struct strbuf *sb)
{
	char buf[INET6_ADDRSTRLEN + 4];

	switch (op->kind) {
	case OP_NETNS_ADD:
		sb_printf(sb, "netns add %s", op->link.ns);
		return;
	case OP_NETNS_DEL:
		sb_printf(sb, "netns del %s", op->link.ns);
		return;
	case OP_LINK_ADD:
		sb_printf(sb, "link add %s", op->link.name);
		fmt_if_attrs(sb, &op->link);
		if (op->parent.name)
			sb_printf(sb, " link %s@%s", op->parent.name,
				  ns_label(op->parent.ns));
		sb_printf(sb, " type %s", link_kind(op->type)->name);
		if (op->type == LK_VETH) {
			sb_printf(sb, " peer %s", op->peer.name);
			fmt_if_attrs(sb, &op->peer);
			sb_printf(sb, " netns %s", ns_label(op->peer.ns));
		} else if (op->type == LK_VLAN) {
			sb_printf(sb, " id %u", op->id);
		} else if (op->type == LK_MACVLAN || op->type == LK_IPVLAN) {
			sb_printf(sb, " mode %s",
				  link_mode_name(op->type, op->mode));
		}
		break;
	case OP_LINK_DEL:
		sb_printf(sb, "link del %s", op->link.name);
		break;
	case OP_LINK_SET:
		sb_printf(sb, "link set %s", op->link.name);
		fmt_if_attrs(sb, &op->link);
		break;
	case OP_ADDR_ADD:
	case OP_ADDR_DEL:
		prefix_format(&op->addr, true, buf, sizeof(buf));
		sb_printf(sb, "addr %s %s dev %s%s",
			  op->kind == OP_ADDR_ADD ? "add" : "del", buf,
			  op->link.name,
			  op->kind == OP_ADDR_ADD &&
					  op->addr.family == AF_INET6 &&
					  !op->dad ?
				  " nodad" :
				  "");
		break;
	case OP_ROUTE_ADD:
	case OP_ROUTE_DEL:
		sb_add(sb,
		       op->kind == OP_ROUTE_ADD ? "route add" : "route del");
		fmt_route(sb, &op->route);
		break;
	case OP_SYSCTL_SET:
		sb_printf(sb, "sysctl %s=%s", op->key, op->value);
		break;
	case OP_SYSCTL_RESTORE:
		if (op->old_value)
			sb_printf(sb, "sysctl %s=%s (restore)", op->key,
				  op->old_value);
		else
			sb_printf(sb, "sysctl %s (restore)", op->key);
		break;
	case OP_QDISC_ADD:
		sb_printf(sb, "qdisc add dev %s root", op->link.name);
		fmt_qdisc(sb, &op->qdisc);
		break;
	case OP_PORT_ADD:
		sb_printf(sb, "link set %s master %s%s", op->link.name,
			  op->link.master,
			  op->adopt ? " (adopting its addresses and routes)" :
				      "");
		break;
	case OP_PORT_DEL:
		sb_printf(sb, "link set %s nomaster%s", op->link.name,
			  op->adopt ?
				  " (giving back its addresses and routes)" :
				  "");
		break;
	case OP_EXEC:
		sb_add(sb, "exec");
		for (size_t i = 0; i < op->argc; i++) {
			sb_addc(sb, ' ');
			sb_shell_word(sb, op->argv[i]);
		}
		break;
	case OP__COUNT:
		break;
	}
	sb_printf(sb, " @%s", ns_label(op_ns(op)));
}

static const char *const op_names[OP__COUNT] = {
	[OP_NETNS_ADD] = "netns.add",
	[OP_NETNS_DEL] = "netns.del",
	[OP_LINK_ADD] = "link.add",
	[OP_LINK_DEL] = "link.del",
	[OP_LINK_SET] = "link.set",
	[OP_ADDR_ADD] = "addr.add",
	[OP_ADDR_DEL] = "addr.del",
	[OP_ROUTE_ADD] = "route.add",
	[OP_ROUTE_DEL] = "route.del",
	[OP_SYSCTL_SET] = "sysctl.set",
	[OP_SYSCTL_RESTORE] = "sysctl.restore",
	[OP_EXEC] = "exec",
	[OP_QDISC_ADD] = "qdisc.add",
	[OP_PORT_ADD] = "port.add",
	[OP_PORT_DEL] = "port.del",
};

static void json_kv(struct strbuf *sb, const char *k, const char *v)
{
	if (!v)
		return;
	sb_printf(sb, ",\"%s\":", k);
	sb_json_str(sb, v);
}

static void json_if(struct strbuf *sb, const char *key, const struct op_if *oi)
{
	sb_printf(sb, ",\"%s\":{\"name\":", key);
	sb_json_str(sb, oi->name);
	sb_add(sb, ",\"netns\":");
	sb_json_str(sb, ns_label(oi->ns));
	if (oi->mtu)
		sb_printf(sb, ",\"mtu\":%u", oi->mtu);
	if (oi->has_mac)
		sb_printf(sb, ",\"mac\":\"%02x:%02x:%02x:%02x:%02x:%02x\"",
			  oi->mac[0], oi->mac[1], oi->mac[2], oi->mac[3],
			  oi->mac[4], oi->mac[5]);
	json_kv(sb, "master", oi->master);
	if (oi->up)
		sb_add(sb, ",\"up\":true");
	sb_addc(sb, '}');
}

void op_json(const struct op *op, struct strbuf *sb)
{
	char buf[INET6_ADDRSTRLEN + 4];
	struct strbuf text = { 0 };

	sb_printf(sb, "{\"op\":\"%s\",\"netns\":", op_names[op->kind]);
	sb_json_str(sb, ns_label(op_ns(op)));
	json_kv(sb, "node", op->node);
	switch (op->kind) {
	case OP_LINK_ADD:
		sb_printf(sb, ",\"type\":\"%s\"", link_kind(op->type)->name);
		json_if(sb, "link", &op->link);
		if (op->type == LK_VETH)
			json_if(sb, "peer", &op->peer);
		if (op->parent.name)
			json_if(sb, "parent", &op->parent);
		if (op->type == LK_VLAN)
			sb_printf(sb, ",\"id\":%u", op->id);
		if (op->type == LK_MACVLAN || op->type == LK_IPVLAN)
			sb_printf(sb, ",\"mode\":\"%s\"",
				  link_mode_name(op->type, op->mode));
		break;
	case OP_LINK_SET:
		json_if(sb, "link", &op->link);
		break;
	case OP_LINK_DEL:
		json_kv(sb, "name", op->link.name);
		break;
	case OP_ADDR_ADD:
	case OP_ADDR_DEL:
		json_kv(sb, "dev", op->link.name);
		prefix_format(&op->addr, true, buf, sizeof(buf));
		json_kv(sb, "address", buf);
		break;
	case OP_ROUTE_ADD:
	case OP_ROUTE_DEL:
		prefix_format(&op->route.to, true, buf, sizeof(buf));
		json_kv(sb, "to", buf);
		if (op->route.has_via) {
			prefix_format(&op->route.via, false, buf, sizeof(buf));
			json_kv(sb, "via", buf);
		}
		json_kv(sb, "dev", op->route.dev);
		json_kv(sb, "type",
			route_type_name((enum route_type)op->route.type));
		sb_printf(sb, ",\"metric\":%u,\"table\":%u", op->route.metric,
			  op->route.table);
		if (op->route.onlink)
			sb_add(sb, ",\"onlink\":true");
		break;
	case OP_SYSCTL_SET:
	case OP_SYSCTL_RESTORE:
		json_kv(sb, "key", op->key);
		json_kv(sb, "value", op->value);
		json_kv(sb, "old_value", op->old_value);
		break;
	case OP_QDISC_ADD:
		json_kv(sb, "dev", op->link.name);
		if (op->qdisc.netem)
			sb_printf(
				sb,
				",\"netem\":{\"delay_us\":%u,\"jitter_us\":%u,\"loss_pct\":%g,\"duplicate_pct\":%g,\"reorder_pct\":%g,\"corrupt_pct\":%g}",
				op->qdisc.delay_us, op->qdisc.jitter_us,
				op->qdisc.loss_ppm / 1e4,
				op->qdisc.duplicate_ppm / 1e4,
				op->qdisc.reorder_ppm / 1e4,
				op->qdisc.corrupt_ppm / 1e4);
		if (op->qdisc.rate)
			sb_printf(sb, ",\"rate_bytes\":%u", op->qdisc.rate);
		break;
	case OP_PORT_ADD:
	case OP_PORT_DEL:
		json_kv(sb, "port", op->link.name);
		json_kv(sb, "bridge", op->link.master);
		sb_printf(sb, ",\"adopt\":%s", op->adopt ? "true" : "false");
		break;
	case OP_EXEC:
		sb_add(sb, ",\"argv\":[");
		for (size_t i = 0; i < op->argc; i++) {
			if (i)
				sb_addc(sb, ',');
			sb_json_str(sb, op->argv[i]);
		}
		sb_addc(sb, ']');
		break;
	case OP_NETNS_ADD:
	case OP_NETNS_DEL:
	case OP__COUNT:
		break;
	}
	op_format(op, &text);
	json_kv(sb, "text", text.buf);
	sb_free(&text);
	sb_addc(sb, '}');
}

void plan_print(const struct plan *p, FILE *f, bool json)
{
	struct strbuf sb = { 0 };

	if (json) {
		sb_add(&sb, "{\"lab\":");
		sb_json_str(&sb, p->lab);
		sb_printf(&sb, ",\"count\":%zu,\"ops\":[", p->n_ops);
	}
	for (size_t i = 0; i < p->n_ops; i++) {
		if (json) {
			if (i)
				sb_addc(&sb, ',');
			sb_add(&sb, "\n  ");
			op_json(&p->ops[i], &sb);
		} else {
			sb_add(&sb, op_is_undo(p->ops[i].kind) ? "- " : "+ ");
			op_format(&p->ops[i], &sb);
			sb_addc(&sb, '\n');
		}
		if (sb.len > 1 << 16) {
			fwrite(sb.buf, 1, sb.len, f);
			sb.len = 0;
		}
	}
	if (json)
		sb_add(&sb, "\n]}\n");
	fwrite(sb.buf ? sb.buf : "", 1, sb.len, f);
	sb_free(&sb);
}
