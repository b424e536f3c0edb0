// SPDX-License-Identifier: MIT
/*
 * compile.c - topology -> ordered operations (the apply plan).
 *
 * Theory of operation: apply is fastest when it enters each namespace
 * few times and never waits on an object it just made, and when the
 * kernel's own follow-up work (carrier, IPv6 start-up, the multicast it
 * floods) starts as late as possible.  So the plan has eight phases:
 *   1. namespaces, each with lo up and its sysctls (the defaults of
 *      plan_ns_sysctls, such as accept_dad=0, before any link exists);
 *   2. links: bridges (with the host ports they adopt) and pairs, each
 *      right after the last namespace it needs (phase_nodes_and_links()),
 *      then single interfaces once their parent exists; each end gets its own
 *      sysctls before it comes up, host ends are marked as the lab's,
 *      node ends of pairs stay down (late_up()), and the bridge ends of
 *      those pairs come up outside their bridges (late_port());
 *   3. host sysctls, impairments (qdiscs) and every address, while the
 *      late ends are still down;
 *   4. the late ends come up, then the late ports join their bridges,
 *      and then the bridges snoop (switched on once their ports are in);
 *   5. routes, once their links are up;
 *   6. the nodes' `exec:` commands;
 *   7. their readiness gates (`wait:`);
 *   8. the relay of the lab's `forwards:`, once the services are ready.
 */
#include <arpa/inet.h>
#include <string.h>

#include "opkind.h"
#include "plan.h"

const char *const plan_dad_sysctls[2] = {
	"net.ipv6.conf.all.accept_dad",
	"net.ipv6.conf.default.accept_dad",
};

/*
 * What every interface made in a node starts with, unless the file sets
 * the key: no duplicate address detection (usable at once), IPv6
 * addresses kept while the link is down (a flap loses nothing), no
 * router advertisements (the file is the whole truth: only interfaces
 * with accept-ra take them; without them a node sends no router
 * solicitations either), and the repeats of its unsolicited MLD reports
 * soon after the first (within 20 ms, not 1 s; 20 ms is a whole number of
 * jiffies at any HZ, so it reads back as written): all of them go out
 * before its bridge port joins the bridge (late_port()), which would
 * flood them to every other node.
 */
const struct plan_sysctl plan_ns_sysctls[PLAN_NS_SYSCTLS] = {
	{ "net.ipv6.conf.all.accept_dad", "0" },
	{ "net.ipv6.conf.default.accept_dad", "0" },
	{ "net.ipv6.conf.all.keep_addr_on_down", "1" },
	{ "net.ipv6.conf.default.keep_addr_on_down", "1" },
	{ "net.ipv6.conf.all.accept_ra", "0" },
	{ "net.ipv6.conf.default.accept_ra", "0" },
	{ "net.ipv6.conf.default.mldv2_unsolicited_report_interval", "20" },
};

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

static void push_namespace(struct pctx *c, size_t i)
{
	const struct node *n = &c->t->nodes[i];
	struct op *op = plan_push(c->p, OP_NETNS_ADD, n->ns);
	bool lo_up = true;
	uint32_t lo_mtu = 0;

	op->node = n->name;
	op->pos = n->pos;
	/* lo first: the sysctls can then be written while apply goes on
	 * (nothing else here waits on them). */
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
	for (size_t k = 0; k < ARRAY_SIZE(plan_ns_sysctls); k++) {
		if (user_sets(n, plan_ns_sysctls[k].key))
			continue;
		op = plan_push(c->p, OP_SYSCTL_SET, n->ns);
		op->key = plan_ns_sysctls[k].key;
		op->value = plan_ns_sysctls[k].value;
		op->pos = n->pos;
	}
	for (size_t k = 0; k < n->n_sysctls; k++)
		if (!sysctl_per_iface(n, n->sysctls[k].key))
			push_sysctl(c, (int)i, &n->sysctls[k]);
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
 * ignores router advertisements unless accept_ra is 2.  autoconf: true
 * needs advertisements: without accept-ra it takes them too (in a node
 * they are off by default, see plan_ns_sysctls).
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

	if (vals[0] < 0 && vals[1] > 0)
		vals[0] = 1;
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

static bool querier_wanted(const struct bridge *b);

/*
 * An end whose peer is a port of a querier bridge speaks MLDv1 from its
 * first report: the bridge forwards MLDv1 reports to the querier only,
 * and floods MLDv2 ones (its MLDv1 queries would switch the node to
 * version 1 anyway, but only after its first reports had been flooded).
 * Unless the file says which version the node speaks.
 */
static size_t mld_sysctls(struct pctx *c, const struct iface *f, bool push)
{
	const struct topo *t = c->t;
	const struct node *n = &t->nodes[f->node];
	const struct iface *p = f->peer >= 0 ? &t->ifaces[f->peer] : NULL;
	const char *key = if6_key(&c->p->arena, f->name, "force_mld_version");
	struct op *op;

	if (!p || f->master >= 0 || p->master < 0 ||
	    !querier_wanted(&t->bridges[t->ifaces[p->master].bridge]) ||
	    user_sets(n, key) ||
	    user_sets(n, "net.ipv6.conf.all.force_mld_version") ||
	    user_sets(n, "net.ipv6.conf.default.force_mld_version"))
		return 0;
	if (push) {
		op = plan_push(c->p, OP_SYSCTL_SET, ns_of(c, f->node));
		op->key = key;
		op->value = "1";
		op->pos = f->pos;
	}
	return 1;
}

/* The node's own sysctls about interface @f: they go before it comes up. */
static size_t iface_sysctls(struct pctx *c, const struct iface *f, bool push)
{
	const struct node *n = &c->t->nodes[f->node];
	char name[IFNAME_MAX + 1];
	size_t count = ra_sysctls(c, f, push) + mld_sysctls(c, f, push);

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
 * A bridge port whose peer is a late end (a node's, late_up()) comes up
 * with it but joins its bridge only after every late end is up (see
 * phase_raise()).  At carrier a node's IPv6 starts, and its first
 * multicast listener reports go out within a second or so: a port that
 * is not yet the bridge's takes them alone (it has no IPv6, see
 * bare_port()), where the bridge would flood each to every other port,
 * N^2 packets for N nodes, which the kernel still processes long after
 * apply (10,010-node campus: IPv6 across it failed for seconds after
 * apply returned).
 */
static bool late_port(const struct topo *t, const struct iface *f)
{
	return bare_port(f) && link_kind_pair(f->kind) && f->peer >= 0 &&
	       up_wanted(f) && late_up(&t->ifaces[f->peer]);
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
	bool v6_off = bare_port(f) && !user_sets(n, off) &&
		      !user_sets(n, dad) && !f->no_ipv6;
	size_t first = c->p->n_ops;
	struct op *op;

	/* The spec's promise for ends in namespaces nstopo did not make;
	 * a bare port has no IPv6 at all, so no DAD to turn off. */
	/* Below an MTU of 1280 it has no IPv6, nor its keys. */
	if (host && !user_sets(n, dad) && !v6_off && !f->no_ipv6) {
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
	op->link.master = f->master >= 0 && !late_port(t, f) ?
				  t->ifaces[f->master].name :
				  NULL;
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

/* Interface @f, made by @op alone: up in that request, or finished after. */
static void up_or_finish(struct pctx *c, struct op *op, const struct iface *f)
{
	if (done_at_creation(c, f))
		op->link.up = up_wanted(f);
	else
		end_finish(c, f);
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
			op->tun = l->tun;
			op->mark = f->node == HOST_NODE;
			op->pos = l->pos;
			up_or_finish(c, op, f);
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

/*
 * A bridge is its ports' multicast querier only if the file says so (see
 * nl_bridge.c): it ends the flood of multicast listener reports, and
 * apply waits until it has learnt where the lab's addresses listen; but
 * the nodes on it speak MLDv1, and the kernel re-arms the query timer of
 * every port each time a port starts forwarding (a port that comes up
 * again queries them all, and a querier bridge snoops while its ports
 * join): a campus of ten querier LANs of 1000 nodes applies in 42.5 s
 * against 7.9 s without (bench/research/NOTES-ready.md, section 14).
 */
static bool querier_wanted(const struct bridge *b)
{
	return b->has_querier && b->querier;
}

static uint32_t bridge_mode(const struct bridge *b)
{
	return querier_wanted(b) ? BRIDGE_QUERIER : 0;
}

static void push_bridge(struct pctx *c, size_t i)
{
	const struct topo *t = c->t;
	const struct iface *f = &t->ifaces[t->bridges[i].iface];
	struct op *op = plan_push(c->p, OP_LINK_ADD, ns_of(c, f->node));

	op->type = LK_BRIDGE;
	op->mode = bridge_mode(&t->bridges[i]);
	op_if_fill(c, &op->link, f);
	op->mark = f->node == HOST_NODE;
	op->pos = f->pos;
	up_or_finish(c, op, f);
	push_host_ports(c, &t->bridges[i]);
}

static void push_pair(struct pctx *c, const struct link *l)
{
	const struct topo *t = c->t;
	const struct iface *a = &t->ifaces[l->ep[0].iface];
	const struct iface *b = &t->ifaces[l->ep[1].iface];
	struct op *op;

	/* The request goes to the namespace of the main end, which is not
	 * the host's when either end is elsewhere. */
	if (a->node == HOST_NODE && b->node != HOST_NODE) {
		const struct iface *tmp = a;

		a = b;
		b = tmp;
	}
	op = plan_push(c->p, OP_LINK_ADD, ns_of(c, a->node));
	op->type = l->kind;
	op_if_fill(c, &op->link, a);
	op_if_fill(c, &op->peer, b);
	op->link.late = late_up(a);
	op->peer.late = late_up(b);
	op->mark = a->node == HOST_NODE || b->node == HOST_NODE;
	op->pos = l->pos;
	if (done_at_creation(c, a)) {
		op->link.up = up_wanted(a) && !late_up(a);
		op->link.master =
			a->master >= 0 ? t->ifaces[a->master].name : NULL;
	} else {
		end_finish(c, a);
	}
	/* A peer can never come up in the request that makes it. */
	end_finish(c, b);
}

/* 0 for an interface in the host's namespace, there from the start,
 * else its node's index + 1: after whose namespace it can be made. */
static size_t ns_ready(const struct iface *f)
{
	return f->node == HOST_NODE ? 0 : (size_t)f->node + 1;
}

/* When @f can be made: its namespace and its bridge's (a bridge is
 * nobody's port) are there. */
static size_t ready_at(const struct topo *t, const struct iface *f)
{
	size_t r = ns_ready(f);

	if (f->master >= 0) {
		size_t m = ns_ready(&t->ifaces[f->master]);

		r = m > r ? m : r;
	}
	return r;
}

/*
 * Phases 1 and 2, interleaved: each bridge and pair is made right after
 * the last namespace it needs, so that apply makes links while the
 * namespace pool (nspool.c) makes the next namespaces on the other core.
 * A pair made early is still down at its node's end (late_up()), so the
 * kernel's follow-up work waits for phase 4 all the same.  Bridges come
 * before the pairs that may join them, single interfaces after every pair.
 */
static void phase_nodes_and_links(struct pctx *c)
{
	const struct topo *t = c->t;
	size_t nb = t->n_nodes + 1, n = t->n_bridges + t->n_links;
	size_t *start = xcalloc(nb + 1, sizeof(*start));
	size_t *order = xcalloc(n + 1, sizeof(*order));
	size_t *at = xcalloc(n + 1, sizeof(*at));

	/* A stable counting sort of bridges (0..) and pairs (n_bridges..)
	 * by the namespace they wait for, each kind in the file's order. */
	for (size_t i = 0; i < n; i++) {
		if (i < t->n_bridges) {
			at[i] = ready_at(t, &t->ifaces[t->bridges[i].iface]);
		} else {
			const struct link *l = &t->links[i - t->n_bridges];
			size_t ra, rb;

			if (link_ends(l) != 2) {
				at[i] = nb; /* not here: phase_single_links() */
				continue;
			}
			ra = ready_at(t, &t->ifaces[l->ep[0].iface]);
			rb = ready_at(t, &t->ifaces[l->ep[1].iface]);
			at[i] = ra > rb ? ra : rb;
		}
		start[at[i]]++;
	}
	for (size_t k = 0, sum = 0; k <= nb; k++) {
		size_t cnt = start[k];

		start[k] = sum;
		sum += cnt;
	}
	for (size_t i = 0; i < n; i++)
		order[start[at[i]]++] = i;
	for (size_t k = 0, j = 0; k < nb; k++) {
		if (k > 0 && !t->nodes[k - 1].is_host)
			push_namespace(c, k - 1);
		for (; j < n && at[order[j]] == k; j++) {
			size_t i = order[j];

			if (i < t->n_bridges)
				push_bridge(c, i);
			else
				push_pair(c, &t->links[i - t->n_bridges]);
		}
	}
	free(at);
	free(order);
	free(start);
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
 * Does interface @f carry its bridge: a port of the lab's veth pair, up
 * and its peer up?  (Ports the host has, and tunnels, are left aside:
 * their carrier is not the lab's to wait for.)
 */
static bool carries_bridge(const struct topo *t, const struct iface *f)
{
	return f->master >= 0 && f->peer >= 0 && up_wanted(f) &&
	       up_wanted(&t->ifaces[f->peer]);
}

/*
 * The late ends (see late_up()) come up, node by node, once the
 * addresses are on: an address on a link that is down is kept, and goes
 * to work (prefix routes, multicast groups) when the link comes up.
 * Then the late ports (late_port()) join their bridges; before the
 * routes, which may go through a bridge's own address.  Then each bridge,
 * made with multicast snooping off, snoops: switched on once its ports
 * are in, the kernel restarts their multicast timers once, not each time
 * a port joins (nl_bridge.c).  A querier bridge snoops from the start,
 * and the step changes nothing of it.  The step is also where apply's
 * usable wait reads the bridge back (settle): a bridge's own carrier is
 * a non-urgent linkwatch event, which the kernel may hold for a second,
 * its queue dropping every packet the bridge sends meanwhile (a gateway
 * on the bridge answers nobody); reading it back makes the kernel act
 * on it at once.
 */
static void phase_raise(struct pctx *c)
{
	const struct topo *t = c->t;
	size_t first;

	for (int ports = 0; ports < 2; ports++)
		for (size_t k = 0; k < t->n_ifaces; k++) {
			const struct iface *f = &t->ifaces[k];
			struct op *op;

			if (ports ? !late_port(t, f) : !late_up(f))
				continue;
			op = plan_push(c->p, OP_LINK_SET, ns_of(c, f->node));
			op->link.name = f->name;
			op->link.up = true;
			if (ports)
				op->link.master = t->ifaces[f->master].name;
			else
				op->settle = up_wanted(&t->ifaces[f->peer]);
			op->pos = f->pos;
		}
	first = c->p->n_ops;
	for (size_t i = 0; i < t->n_bridges; i++) {
		const struct iface *f = &t->ifaces[t->bridges[i].iface];
		struct op *op = plan_push(c->p, OP_LINK_SET, ns_of(c, f->node));

		op->type = LK_BRIDGE;
		op->mode = bridge_mode(&t->bridges[i]);
		op->link.name = f->name;
		op->pos = f->pos;
	}
	/* Bridge i's step is op first + i. */
	for (size_t k = 0; k < t->n_ifaces; k++) {
		const struct iface *f = &t->ifaces[k];

		if (carries_bridge(t, f) &&
		    t->ifaces[f->master].kind == LK_BRIDGE &&
		    up_wanted(&t->ifaces[f->master]))
			c->p->ops[first + (size_t)t->ifaces[f->master].bridge]
				.settle = true;
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

/* Then the readiness gates, every node's: one may wait on another's
 * commands. */
static void phase_wait(struct pctx *c)
{
	const struct topo *t = c->t;

	for (size_t i = 0; i < t->n_nodes; i++) {
		const struct node *n = &t->nodes[i];

		for (size_t k = 0; k < n->n_gates; k++) {
			struct op *op = plan_push(c->p, OP_WAIT, n->ns);

			op->node = n->name;
			op->gate = n->gates[k].s;
			op->argv = n->gates[k].argv;
			op->argc = n->gates[k].argc;
			op->pos = n->gates[k].pos;
		}
	}
}

/*
 * Last, once the nodes' services run and their gates are open: one relay
 * for every forward, each a word (relay_spec) with its namespaces.
 */
static void phase_forwards(struct pctx *c)
{
	const struct topo *t = c->t;
	char word[RELAY_SPEC_TEXT_MAX];
	struct op *op;

	if (!t->n_forwards)
		return;
	op = plan_push(c->p, OP_RELAY_START, NULL);
	op->argc = t->n_forwards;
	op->argv = arena_alloc(&c->p->arena, (op->argc + 1) * sizeof(char *));
	op->pos = t->forwards[0].pos;
	for (size_t i = 0; i < t->n_forwards; i++) {
		const struct forward *f = &t->forwards[i];
		const char *lns = ns_of(c, f->listen_node);
		const char *tns = ns_of(c, f->to_node);
		struct relay_spec sp = {
			.proto = f->proto,
			.listen = f->listen,
			.to = f->to,
		};

		/* "host:ADDR:PORT" listens where "ADDR:PORT" does. */
		if (f->listen_node == HOST_NODE)
			sp.listen.node[0] = '\0';
		snprintf(sp.listen_ns, sizeof(sp.listen_ns), "%s",
			 lns ? lns : "");
		snprintf(sp.to_ns, sizeof(sp.to_ns), "%s", tns ? tns : "");
		op->argv[i] = arena_strdup(
			&c->p->arena,
			relay_spec_format(&sp, word, sizeof(word)));
	}
}

/*
 * About how many ops @t makes: a node's namespace, lo and set-up sysctls,
 * its own sysctls, addresses, routes, commands and gates; a link's
 * making, its ends set up and a host port's sysctl; a bridge's.  Not a
 * bound (a pair's ends may each take sysctls of their own): a quarter more
 * is reserved, which costs nothing until used (arena_alloc() gets a big
 * array zeroed from calloc()), and plan_fit() gives back what is left.
 */
static size_t ops_expected(const struct topo *t)
{
	size_t n = 16 + 4 * t->n_links + 4 * t->n_bridges;

	for (size_t i = 0; i < t->n_nodes; i++) {
		const struct node *nd = &t->nodes[i];

		n += 8 + nd->n_sysctls + nd->n_routes + nd->n_exec +
		     nd->n_gates;
		for (size_t k = 0; k < nd->n_ifcfg; k++)
			n += nd->ifcfg[k].n_addrs;
	}
	return n + n / 4;
}

struct plan *plan_compile(const struct topo *t)
{
	struct pctx c = { .t = t, .p = plan_new(t->name) };

	plan_reserve(c.p, ops_expected(t));
	phase_nodes_and_links(&c);
	phase_config(&c);
	phase_raise(&c);
	phase_routes(&c);
	phase_exec(&c);
	phase_wait(&c);
	phase_forwards(&c);
	for (size_t i = 0; i < c.p->n_ops; i++)
		plan_own_op(c.p, &c.p->ops[i]);
	plan_fit(c.p);
	return c.p;
}
