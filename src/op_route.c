// SPDX-License-Identifier: MIT
/*
 * op_route.c - route.add and route.del: routes of every type, in any
 * table (intercepts are local routes in table local).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <string.h>
#include <time.h>

#include "nl.h"
#include "plan.h"
#include "run.h"

/* Read every link of @h back: the kernel handles the carrier changes it
 * still has pending for each (netlink_link_sync()). */
static int sync_link(const struct link_info *li, void *arg)
{
	netlink_link_sync(arg, li->ifindex, li->name);
	return 0;
}

/*
 * A gateway is reachable once the kernel has set its link up as a whole
 * (carrier, then the prefix routes of IPv6 addresses, made by addrconf's
 * one worker for every namespace): on a busy machine that can come
 * seconds after the link's "up" was acknowledged (a 10,000-node lab, or
 * one made while the kernel frees another's namespaces).  So a route that
 * finds no way to its gateway waits for exactly that, as long as the lab
 * may take to settle (plan_settle_max()), and tries again: whether apply
 * succeeds must not depend on the kernel's load.  (validate has made sure
 * that the gateway is on a subnet of the node.)
 */
static bool unreachable(int rc)
{
	return rc == -EHOSTUNREACH || rc == -ENETUNREACH || rc == -ENETDOWN;
}

/*
 * The first ADDR_ADD op of namespace @ns in the running plan, or SIZE_MAX;
 * x->addr_next[i] is the one after op i (SIZE_MAX: none).  Built once a
 * plan, backwards in one pass: x->addr_first maps a namespace to its slot
 * in x->addr_heads, which holds the first op found so far.
 */
static size_t first_addr(struct run *x, const char *ns)
{
	const struct plan *p = x->plan;
	size_t n = 0;
	int slot;

	if (x->addrs_plan != p) {
		strmap_free(&x->addr_first);
		x->addr_heads = NULL;
		x->cap_heads = 0;
		x->addr_next =
			arena_alloc(&x->arena, (p->n_ops + 1) * sizeof(size_t));
		for (size_t k = p->n_ops; k-- > 0;) {
			const struct op *a = &p->ops[k];

			x->addr_next[k] = SIZE_MAX;
			if (a->kind != OP_ADDR_ADD || !op_ns(a))
				continue;
			slot = strmap_put(&x->addr_first, op_ns(a), (int)n);
			if (slot < 0) { /* the namespace's last */
				*(size_t *)vec_push(&x->arena, x->addr_heads, n,
						    x->cap_heads) = k;
				continue;
			}
			x->addr_next[k] = x->addr_heads[slot];
			x->addr_heads[slot] = k;
		}
		x->addrs_plan = p;
	}
	slot = strmap_get(&x->addr_first, ns);
	return slot < 0 ? SIZE_MAX : x->addr_heads[slot];
}

/*
 * An IPv6 address given to a link that is down gets its prefix route
 * when the link comes up, and the kernel may go on without it (see
 * netlink_addr_renew(); a 10,000-node lab: a node in some, its route
 * to its gateway unreachable for good).  So a gateway found unreachable
 * has the lab's addresses in the node on its subnet, made before this
 * route, given again where their prefix route is missing.
 */
static void readdress(struct run *x, struct nsh *h, const struct op *op,
		      int oif)
{
	const struct route_spec *r = &op->route;
	const struct op *ops = x->plan->ops;
	size_t end = x->plan->n_ops;
	struct prefix_routes pr = { 0 };
	bool read = false;

	if (!h->name || !r->has_via || r->via.family != AF_INET6)
		return;
	if (op >= ops && op < ops + end)
		end = (size_t)(op - ops);
	for (size_t k = first_addr(x, h->name); k < end; k = x->addr_next[k]) {
		const struct op *a = &ops[k];
		int idx;

		if (!prefix_contains(&a->addr, &r->via))
			continue;
		idx = ifindex_of(x, h, a->link.name);
		if (idx <= 0 || (oif && idx != oif))
			continue;
		if (!read && netlink_prefix_routes(h->nl, &pr))
			break;
		read = true;
		addr_restore(x, h, a, idx, &pr);
	}
	prefix_routes_free(&pr);
}

static int route_add(struct run *x, struct nsh *h, struct op *op, int oif,
		     double *waited)
{
	/* In a node of the lab even a new route may be there: an edit
	 * killed after making it may not have written it down.  (In the
	 * host, the journal has each before it is made.) */
	bool replace = x->ensure && (op->change != OPC_NEW || h->kept);
	int rc = netlink_route_add(h->nl, &op->route, oif, replace);
	double start = 0;

	while (unreachable(rc)) {
		if (!start) {
			start = now_monotonic();
			readdress(x, h, op, oif);
		} else if (now_monotonic() > start + plan_settle_max(x->plan) ||
			   (x->o->stop && *x->o->stop && !x->undo))
			break; /* (a signal: the rollback follows) */
		else
			nanosleep(&(struct timespec){ .tv_nsec = 10 * 1000000 },
				  NULL);
		netlink_link_dump(h->nl, sync_link, h->nl);
		rc = netlink_route_add(h->nl, &op->route, oif, replace);
	}
	*waited = start ? now_monotonic() - start : 0;
	return rc;
}

static int do_route(struct run *x, struct op *op)
{
	struct nsh *h;
	double waited = 0;
	int rc, oif = 0;

	rc = nsh_get(x, op->link.ns, &h);
	if (rc)
		return x->undo && gone(rc) ? 0 : run_fail(x, NULL, rc);
	if (op->route.dev) {
		oif = ifindex_of(x, h, op->route.dev);
		if (oif < 0)
			return x->undo && gone(oif) ? 0 : oif;
	}
	/* An edit of a running lab: the route it has by that key is the
	 * lab's, and becomes what the file says now. */
	if (op->kind == OP_ROUTE_ADD)
		rc = route_add(x, h, op, oif, &waited);
	else
		rc = netlink_route_del(h->nl, &op->route, oif, x->legacy);
	if (rc && x->undo && gone(rc))
		return 0;
	if (!rc)
		return 0;
	run_fail(x, h, rc);
	if (unreachable(rc) && waited > 0)
		snprintf(
			x->why + strlen(x->why),
			sizeof(x->why) - strlen(x->why),
			" (still, after waiting %.1f s for the kernel to make the way to the gateway)",
			waited);
	return rc;
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

static void route_format(const struct op *op, struct strbuf *sb)
{
	const struct route_spec *r = &op->route;
	char buf[INET6_ADDRSTRLEN + 4], tbuf[16];
	const char *table = table_name(r->table, tbuf, sizeof(tbuf));

	sb_add(sb, op->kind == OP_ROUTE_ADD ? "route add" : "route del");
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

static void route_json(const struct op *op, struct strbuf *sb)
{
	const struct route_spec *r = &op->route;
	char buf[INET6_ADDRSTRLEN + 4];

	prefix_format(&r->to, true, buf, sizeof(buf));
	sb_json_kv(sb, "to", buf);
	if (r->has_via) {
		prefix_format(&r->via, false, buf, sizeof(buf));
		sb_json_kv(sb, "via", buf);
	}
	sb_json_kv(sb, "dev", r->dev);
	sb_json_kv(sb, "type", route_type_name((enum route_type)r->type));
	sb_printf(sb, ",\"metric\":%u,\"table\":%u", r->metric, r->table);
	if (r->onlink)
		sb_add(sb, ",\"onlink\":true");
}

static bool route_add_invert(const struct op *op, const struct op_made *m,
			     struct op *out)
{
	if (m->ns)
		return false;
	out->kind = OP_ROUTE_DEL;
	out->link.ns = op->link.ns;
	out->route = op->route;
	return true;
}

static const enum op_field route_fields[] = {
	OF_NS,	  OF_TO,    OF_VIA,    OF_DEV,	  OF_METRIC,
	OF_TABLE, OF_RTYPE, OF_ONLINK, OF__COUNT,
};

/* A route is the kernel's key of it; the rest is replaced in place. */
static const enum op_field route_identity[] = {
	OF_NS, OF_TO, OF_TABLE, OF_METRIC, OF__COUNT,
};
static const enum op_field route_in_place[] = {
	OF_VIA, OF_DEV, OF_RTYPE, OF_ONLINK, OF__COUNT,
};

const struct op_desc route_add_op = {
	.name = "route.add",
	.object = OBJ_ROUTE,
	.undo_phase = 1,
	.invert = route_add_invert,
	.run = do_route,
	.format = route_format,
	.json = route_json,
	.fields = route_fields,
	.identity = route_identity,
	.in_place = route_in_place,
};

const struct op_desc route_del_op = {
	.name = "route.del",
	.undo = true,
	.run = do_route,
	.format = route_format,
	.json = route_json,
	.fields = route_fields,
};
