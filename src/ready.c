// SPDX-License-Identifier: MIT
/*
 * ready.c - waiting until a lab that apply made is usable.
 *
 * Every request of apply is acknowledged when it returns, but the kernel
 * finishes bringing links up in its own workers (see late_up() in
 * compile.c): carrier, then IPv6 start-up on each interface.  This waits
 * until each late link is operational, then until every address the lab
 * added can be used, and, when asked, until autoconf interfaces have an
 * address from a router advertisement; then until each bridge that is
 * its ports' multicast querier has learnt where those addresses listen.
 * Each namespace's addresses (and routes, if needed) are dumped once a
 * round, not once an op (ready_order()).  An IPv6 address given to a late
 * end, which no route's gateway has shown to work, has its prefix route
 * looked for once it is usable, and is given again if the kernel went on
 * without it (prefix_route_at_risk()).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "nl.h"
#include "ready.h"

struct mgroup {
	int ifindex;
	uint8_t group[16];
};

struct ns_addrs {
	const char *ns; /* whose addresses these are; NULL: none yet */
	bool valid;
	struct addr_info *v;
	size_t n, cap;
	struct mgroup *g; /* IPv6 multicast groups joined */
	size_t n_g, cap_g;
	struct arena arena;
	bool have_routes; /* routes read (when an address is at risk) */
	struct prefix_routes routes;
};

static int keep_group(int ifindex, const uint8_t group[16], void *arg)
{
	struct ns_addrs *d = arg;
	struct mgroup *m = vec_push(&d->arena, d->g, d->n_g, d->cap_g);

	m->ifindex = ifindex;
	memcpy(m->group, group, 16);
	return 0;
}

static int keep_addr(const struct addr_info *a, void *arg)
{
	struct ns_addrs *d = arg;

	*(struct addr_info *)vec_push(&d->arena, d->v, d->n, d->cap) = *a;
	return 0;
}

static const char *if_key(struct arena *a, const char *ns, const char *name)
{
	return arena_printf(a, "%s/%s", ns ? ns : "", name);
}

/* The addresses of @ns, dumped once until @d is invalidated. */
static int addrs_of(struct run *x, const char *ns, struct ns_addrs *d,
		    struct nsh **h)
{
	int rc = nsh_get(x, ns, h);

	if (rc)
		return rc;
	if (d->valid && (d->ns == ns || (d->ns && ns && !strcmp(d->ns, ns))))
		return 0;
	arena_free(&d->arena);
	prefix_routes_free(&d->routes);
	memset(d, 0, sizeof(*d));
	rc = netlink_addr_dump((*h)->nl, keep_addr, d);
	if (!rc)
		rc = netlink_mcast6_dump((*h)->nl, keep_group, d);
	d->ns = ns;
	d->valid = !rc;
	return rc;
}

static const char not_joined[] = "has not joined its solicited-node group yet";

/*
 * An IPv6 address answers neighbour solicitations only once the kernel
 * has joined its solicited-node group, which it does in the address's
 * DAD work (run, if skipped, on a shared workqueue: later under load);
 * and the link needs its link-local address past DAD.  Neither shows in
 * the address's own flags.
 */
static bool ipv6_ready(const struct prefix *p, int ifindex,
		       const struct ns_addrs *d, bool need_ll, const char **why)
{
	uint8_t sn[16] = { 0xff, 0x02, [11] = 0x01, [12] = 0xff };
	bool joined = false;

	memcpy(sn + 13, p->bytes + 13, 3);
	for (size_t i = 0; i < d->n && need_ll; i++)
		if (d->v[i].ifindex == ifindex &&
		    prefix_is_link_local(&d->v[i].p) && d->v[i].tentative) {
			*why = "waits for its link's link-local address";
			return false;
		}
	for (size_t i = 0; i < d->n_g && !joined; i++)
		joined = d->g[i].ifindex == ifindex &&
			 !memcmp(d->g[i].group, sn, 16);
	if (!joined)
		*why = not_joined;
	return joined;
}

/* Is op (an ADDR_ADD, or an autoconf sysctl) satisfied?  Sets *why if not. */
static bool op_ready(const struct op *op, int ifindex, const struct ns_addrs *d,
		     bool need_ll, const char **why)
{
	*why = "is missing";
	for (size_t i = 0; i < d->n; i++) {
		const struct addr_info *a = &d->v[i];
		bool tentative = a->tentative || a->dadfailed;
		bool link_local = prefix_is_link_local(&a->p);

		if (a->ifindex != ifindex)
			continue;
		if (op->kind == OP_ADDR_ADD) {
			if (a->p.family != op->addr.family ||
			    a->p.plen != op->addr.plen ||
			    memcmp(a->p.bytes, op->addr.bytes, 16))
				continue;
			*why = a->dadfailed ?
				       "failed duplicate address detection" :
				       "is still tentative";
			if (tentative)
				return false;
			return a->p.family != AF_INET6 ||
			       ipv6_ready(&a->p, ifindex, d, need_ll, why);
		}
		/* autoconf: an address the interface learnt (not permanent) */
		if (a->p.family == AF_INET6 && !a->permanent && !link_local &&
		    !tentative)
			return true;
	}
	return false;
}

/* An IPv6 gateway of a route in table main of namespace ns. */
struct v6gw {
	const char *ns;
	const struct route_spec *r;
};

static int gw_cmp(const void *a, const void *b)
{
	const struct v6gw *x = a, *y = b;

	return strcmp(x->ns, y->ns);
}

struct prefix_check {
	struct strmap raised; /* "ns/dev" -> the op that raises it */
	struct v6gw *gw;      /* the gateways route_add() checks, by ns */
	size_t n_gw, cap_gw;
	struct arena arena;
};

static void prefix_check_init(struct prefix_check *c, const struct plan *p,
			      size_t n_ops)
{
	for (size_t i = 0; i < n_ops; i++) {
		const struct op *op = &p->ops[i];

		if (op->kind == OP_LINK_SET && op->link.up &&
		    !op->link.master && op_ns(op))
			strmap_put(&c->raised,
				   if_key(&c->arena, op_ns(op), op->link.name),
				   (int)i);
		/* (The kernel does not look for an onlink gateway.) */
		if (op->kind == OP_ROUTE_ADD && op->route.has_via &&
		    op->route.via.family == AF_INET6 && !op->route.onlink &&
		    op->route.table == RT_TABLE_MAIN_ID && op_ns(op))
			*(struct v6gw *)vec_push(&c->arena, c->gw, c->n_gw,
						 c->cap_gw) =
				(struct v6gw){ op_ns(op), &op->route };
	}
	if (c->n_gw)
		qsort(c->gw, c->n_gw, sizeof(*c->gw), gw_cmp);
}

/*
 * May address op @i of the plan have lost its prefix route?  An IPv6
 * address of a node given to an interface the plan raises after it (a
 * late end): the kernel makes that route when the link comes up, and may
 * go on without it (netlink_addr_renew()).  Not one on the subnet of a
 * gateway that route_add() found reachable, or restored (readdress() in
 * op_route.c).
 */
static bool prefix_route_at_risk(struct prefix_check *c, const struct op *op,
				 size_t i)
{
	struct v6gw key = { op_ns(op), NULL };
	const struct v6gw *g;

	if (op->addr.family != AF_INET6 || op->addr.plen >= 128 || !op_ns(op))
		return false;
	if (strmap_get(&c->raised,
		       if_key(&c->arena, op_ns(op), op->link.name)) < (int)i)
		return false;
	g = c->n_gw ? bsearch(&key, c->gw, c->n_gw, sizeof(*g), gw_cmp) : NULL;
	while (g && g > c->gw && !strcmp(g[-1].ns, key.ns))
		g--;
	for (; g && g < c->gw + c->n_gw && !strcmp(g->ns, key.ns); g++)
		if (prefix_contains(&op->addr, &g->r->via) &&
		    (!g->r->dev || !strcmp(g->r->dev, op->link.name)))
			return false;
	return true;
}

static const char *ns_name(const char *ns)
{
	return ns ? ns : "the host";
}

/*
 * Does anything of the lab need the link-local addresses (routes via a
 * link-local gateway, router advertisements)?  Only then is waiting for
 * them worth it: under the start-up multicast of a large lab they come
 * seconds after the rest.
 */
static bool needs_link_local(const struct plan *p, size_t n_ops)
{
	for (size_t i = 0; i < n_ops; i++) {
		const struct op *op = &p->ops[i];

		if (op->kind == OP_ROUTE_ADD && op->route.has_via &&
		    prefix_is_link_local(&op->route.via))
			return true;
		if (op->kind == OP_SYSCTL_SET && strcmp(op->value, "0") &&
		    (strstr(op->key, ".accept_ra") ||
		     strstr(op->key, ".autoconf")))
			return true;
	}
	return false;
}

/*
 * A bridge that is its ports' multicast querier forwards a neighbour
 * solicitation only to the ports it has learnt the target's
 * solicited-node group on: a node is reachable through it once it has
 * answered the query its port's start made (a few milliseconds after the
 * port forwards), not before.  What to wait for: each IPv6 address the
 * plan adds on the node end of such a bridge's port (or on the bridge
 * itself), its group learnt on that port (the bridge's own index).
 */
struct learn {
	const char *ns;	  /* the bridge's namespace */
	const char *br;	  /* the bridge */
	const char *port; /* its port, or the bridge itself */
	const char *dev;  /* where the address is, in node_ns */
	const char *node_ns;
	struct prefix addr;
};

struct learnt {
	const char *ns; /* whose bridges these are */
	bool valid;
	struct strmap have; /* "PORT-INDEX:GROUP" of every entry */
	struct arena arena;
};

static void group_key(char *buf, size_t len, int port, const uint8_t g[16])
{
	size_t o = (size_t)snprintf(buf, len, "%d:", port);

	for (int i = 0; i < 16 && o + 2 < len; i++)
		o += (size_t)snprintf(buf + o, len - o, "%02x", g[i]);
}

static int keep_learnt(int port, const uint8_t group[16], void *arg)
{
	struct learnt *l = arg;
	char key[48];

	group_key(key, sizeof(key), port, group);
	strmap_put(&l->have, arena_strdup(&l->arena, key), 1);
	return 0;
}

/* The groups the bridges of @ns have learnt, dumped once until @l is
 * invalidated. */
static int learnt_of(struct run *x, const char *ns, struct learnt *l,
		     struct nsh **h)
{
	int rc = nsh_get(x, ns, h);

	if (rc)
		return rc;
	if (l->valid && (l->ns == ns || (l->ns && ns && !strcmp(l->ns, ns))))
		return 0;
	strmap_free(&l->have);
	arena_free(&l->arena);
	memset(l, 0, sizeof(*l));
	rc = netlink_mdb6_dump((*h)->nl, keep_learnt, l);
	l->ns = ns;
	l->valid = !rc;
	return rc;
}

/* Whether the lab brings interface (ns, name) up: it then has carrier. */
static bool raised(const struct strmap *up, struct arena *a, const char *ns,
		   const char *name)
{
	return strmap_get(up, if_key(a, ns, name)) >= 0;
}

/* What wait_learnt() waits for, in @out, bridge by bridge. */
static size_t learn_list(const struct plan *p, size_t n_ops, struct arena *a,
			 struct learn **out)
{
	struct strmap bridges = { 0 }, ports = { 0 }, ends = { 0 }, up = { 0 };
	const char **port_br = NULL, **end_port = NULL, **end_pns = NULL;
	size_t n_pb = 0, cap_pb = 0, n_e = 0, cap_e = 0, n_pn = 0, cap_pn = 0;
	struct learn *l = NULL;
	size_t n = 0, cap = 0;

	for (size_t i = 0; i < n_ops; i++) {
		const struct op *op = &p->ops[i];

		if (op->kind == OP_LINK_ADD && op->type == LK_BRIDGE &&
		    (op->mode & BRIDGE_QUERIER))
			strmap_put(&bridges,
				   if_key(a, op_ns(op), op->link.name), 1);
	}
	/* Links that come up: only where there is a querier to wait for. */
	for (size_t i = 0; i < n_ops && bridges.len; i++) {
		const struct op *op = &p->ops[i];

		if ((op->kind == OP_LINK_ADD || op->kind == OP_LINK_SET) &&
		    op->link.up)
			strmap_put(&up, if_key(a, op_ns(op), op->link.name), 1);
		if (op->kind == OP_LINK_ADD && op->peer.name && op->peer.up)
			strmap_put(&up, if_key(a, op->peer.ns, op->peer.name),
				   1);
	}
	/* Ports: enslaved at creation or by a link set. */
	for (size_t i = 0; i < n_ops && bridges.len; i++) {
		const struct op *op = &p->ops[i];
		const struct op_if *sides[2] = { &op->link, &op->peer };

		if (op->kind != OP_LINK_ADD && op->kind != OP_LINK_SET)
			continue;
		for (int s = 0; s < 2; s++) {
			const struct op_if *oi = sides[s];
			const char *ns = s ? oi->ns : op_ns(op);

			if (!oi->name || !oi->master ||
			    strmap_get(&bridges, if_key(a, ns, oi->master)) < 0)
				continue;
			*(const char **)vec_push(a, port_br, n_pb, cap_pb) =
				oi->master;
			strmap_put(&ports, if_key(a, ns, oi->name),
				   (int)(n_pb - 1));
		}
	}
	/* Node ends: the other end of a pair with a port. */
	for (size_t i = 0; i < n_ops && ports.len; i++) {
		const struct op *op = &p->ops[i];
		const char *ans = op_ns(op), *bns = op->peer.ns;
		int pa, pb;

		if (op->kind != OP_LINK_ADD || !link_kind_pair(op->type))
			continue;
		pa = strmap_get(&ports, if_key(a, ans, op->link.name));
		pb = strmap_get(&ports, if_key(a, bns, op->peer.name));
		if ((pa >= 0) == (pb >= 0))
			continue;
		*(const char **)vec_push(a, end_port, n_e, cap_e) =
			pa >= 0 ? op->link.name : op->peer.name;
		*(const char **)vec_push(a, end_pns, n_pn, cap_pn) =
			pa >= 0 ? ans : bns;
		strmap_put(&ends,
			   pa >= 0 ? if_key(a, bns, op->peer.name) :
				     if_key(a, ans, op->link.name),
			   (int)(n_e - 1));
	}
	for (size_t i = 0; i < n_ops && bridges.len; i++) {
		const struct op *op = &p->ops[i];
		const char *key, *port;
		struct learn *e;
		int k, b;

		if (op->kind != OP_ADDR_ADD || op->addr.family != AF_INET6)
			continue;
		key = if_key(a, op_ns(op), op->link.name);
		k = end_port && end_pns ? strmap_get(&ends, key) : -1;
		b = strmap_get(&bridges, key);
		if (k < 0 && b < 0)
			continue;
		port = k >= 0 ? end_port[k] : op->link.name;
		/* A node end the lab leaves down has no carrier: its port
		 * does not forward, and learns nothing. */
		if (k >= 0 && (!raised(&up, a, op_ns(op), op->link.name) ||
			       !raised(&up, a, end_pns[k], port)))
			continue;
		e = vec_push(a, l, n, cap);
		e->ns = k >= 0 ? end_pns[k] : op_ns(op);
		e->port = port;
		e->br = k >= 0 ? port_br[strmap_get(&ports,
						    if_key(a, e->ns, port))] :
				 op->link.name;
		e->dev = op->link.name;
		e->node_ns = op_ns(op);
		e->addr = op->addr;
	}
	strmap_free(&bridges);
	strmap_free(&ports);
	strmap_free(&ends);
	strmap_free(&up);
	*out = l;
	return n;
}

/* Does the bridge have IPv6 of its own to query from?  Without, it is no
 * IPv6 querier, and floods as any bridge. */
static int bridge_has_ipv6(struct run *x, const struct learn *e,
			   struct ns_addrs *d)
{
	struct nsh *h;
	int rc = addrs_of(x, e->ns, d, &h), idx;

	if (rc)
		return rc;
	idx = ifindex_of(x, h, e->br);
	if (idx < 0)
		return idx;
	for (size_t i = 0; i < d->n; i++)
		if (d->v[i].ifindex == idx && d->v[i].p.family == AF_INET6)
			return 1;
	return 0;
}

static int wait_learnt(struct run *x, const struct plan *p, size_t n_ops,
		       double deadline, double timeout, struct strbuf *msg)
{
	struct arena a = { 0 };
	struct learn *l;
	size_t n = learn_list(p, n_ops, &a, &l);
	struct learnt have = { 0 };
	struct ns_addrs d = { 0 };
	const char *skip_br = NULL, *skip_ns = NULL;
	char key[48], buf[INET6_ADDRSTRLEN + 4];
	int rc = 0;

	for (size_t i = 0; i < n && !rc;) {
		const struct learn *e = &l[i];
		uint8_t sn[16] = { 0xff, 0x02, [11] = 0x01, [12] = 0xff };
		struct nsh *h;
		int idx;

		if (skip_br && e->br == skip_br && e->ns == skip_ns) {
			i++;
			continue;
		}
		if ((rc = bridge_has_ipv6(x, e, &d)) <= 0) {
			if (!rc) {
				skip_br = e->br;
				skip_ns = e->ns;
			}
			continue;
		}
		rc = learnt_of(x, e->ns, &have, &h);
		idx = rc ? rc : ifindex_of(x, h, e->port);
		rc = idx < 0 ? idx : 0;
		if (rc)
			break;
		memcpy(sn + 13, e->addr.bytes + 13, 3);
		group_key(key, sizeof(key), idx, sn);
		if (strmap_get(&have.have, key) >= 0) {
			i++;
			continue;
		}
		if (x->o->stop && *x->o->stop && !x->undo) {
			sb_printf(msg, "interrupted by a signal");
			rc = -EINTR;
			break;
		}
		if (now_monotonic() > deadline) {
			prefix_format(&e->addr, true, buf, sizeof(buf));
			sb_printf(
				msg,
				"after %g s, bridge %s in %s has not learnt that %s in %s listens on its port %s for address %s (a multicast querier forwards neighbour solicitations only to the ports it learnt)",
				timeout, e->br, ns_name(e->ns), e->dev,
				ns_name(e->node_ns), e->port, buf);
			rc = -ETIMEDOUT;
			break;
		}
		have.valid = d.valid = false;
		nanosleep(&(struct timespec){ .tv_nsec = 2 * 1000000 }, NULL);
	}
	strmap_free(&have.have);
	arena_free(&have.arena);
	arena_free(&d.arena);
	arena_free(&a);
	return rc;
}

static int by_ns(const void *a, const void *b, void *arg)
{
	const struct op *ops = arg;
	size_t i = *(const size_t *)a, j = *(const size_t *)b;
	const char *m = op_ns(&ops[i]), *n = op_ns(&ops[j]);
	int c = m && n ? strcmp(m, n) : (m != NULL) - (n != NULL);

	return c ? c : (i > j) - (i < j);
}

/*
 * The ops wait_ready() looks at, namespace by namespace (in plan order
 * within one): each namespace's addresses, groups and routes are then
 * read once a round, however the plan interleaves them (a router with a
 * thousand links to a thousand hosts).  Return: how many, or -ENOMEM.
 */
static ssize_t ready_order(const struct plan *p, size_t n_ops, size_t **out)
{
	size_t n = 0, *v = malloc((n_ops ? n_ops : 1) * sizeof(*v));

	if (!v)
		return -ENOMEM;
	for (size_t i = 0; i < n_ops; i++) {
		const struct op *op = &p->ops[i];

		if ((op->kind == OP_LINK_SET && op->settle) ||
		    op->kind == OP_ADDR_ADD || op->kind == OP_SYSCTL_SET)
			v[n++] = i;
	}
	qsort_r(v, n, sizeof(*v), by_ns, p->ops);
	*out = v;
	return (ssize_t)n;
}

int wait_ready(struct run *x, const struct plan *p, size_t n_ops,
	       double timeout, bool autoconf, struct strbuf *msg)
{
	double deadline = now_monotonic() + timeout;
	char name[IFNAME_MAX + 1], buf[INET6_ADDRSTRLEN + 4];
	struct ns_addrs d = { 0 };
	struct prefix_check pc = { 0 };
	bool need_ll = needs_link_local(p, n_ops);
	size_t *order = NULL;
	ssize_t n_order = ready_order(p, n_ops, &order);
	int rc = n_order < 0 ? (int)n_order : 0;

	prefix_check_init(&pc, p, n_ops);

	for (size_t k = 0; k < (size_t)n_order && !rc;) {
		size_t i = order[k];
		const struct op *op = &p->ops[i];
		bool is_auto = autoconf && op->kind == OP_SYSCTL_SET &&
			       strstr(op->key, ".autoconf") &&
			       !strcmp(op->value, "1") &&
			       sysctl_key_ifname(op->key, name);
		const char *dev = is_auto ? name : op->link.name, *why = NULL;
		struct link_info li;
		struct nsh *h;
		int idx;

		if (op->kind == OP_LINK_SET && op->settle) {
			rc = nsh_get(x, op_ns(op), &h);
			if (!rc)
				rc = netlink_link_get(h->nl, op->link.name,
						      &li);
			if (!rc && li.oper_up) {
				k++;
				continue;
			}
			why = "has no carrier yet";
		} else if (op->kind == OP_ADDR_ADD || is_auto) {
			rc = addrs_of(x, op_ns(op), &d, &h);
			idx = rc ? rc : ifindex_of(x, h, dev);
			rc = idx < 0 ? idx : 0;
			if (!rc && op_ready(op, idx, &d, need_ll, &why)) {
				int lost = 0;

				if (!is_auto &&
				    prefix_route_at_risk(&pc, op, i)) {
					if (!d.have_routes)
						lost = netlink_prefix_routes(
							h->nl, &d.routes);
					d.have_routes = !lost;
					if (!lost)
						lost = addr_restore(x, h, op,
								    idx,
								    &d.routes);
				}
				if (!lost) {
					k++;
					continue;
				}
				rc = lost < 0 ? lost : 0;
				why = "had no prefix route (given again)";
			}
			/* An interface that does no neighbour discovery
			 * (lo, a NOARP device) joins no such group. */
			if (!rc && why == not_joined &&
			    !(rc = netlink_link_get(h->nl, dev, &li)) &&
			    li.no_nd) {
				k++;
				continue;
			}
		} else {
			k++;
			continue;
		}
		if (rc)
			break;
		if (x->o->stop && *x->o->stop && !x->undo) {
			sb_printf(msg, "interrupted by a signal");
			rc = -EINTR;
			break;
		}
		if (now_monotonic() > deadline) {
			if (op->kind == OP_LINK_SET)
				sb_printf(msg, "after %g s, %s in %s %s",
					  timeout, dev, ns_name(op_ns(op)),
					  why);
			else if (is_auto)
				sb_printf(
					msg,
					"after %g s, %s in %s has no address from a router advertisement yet",
					timeout, dev, ns_name(op_ns(op)));
			else {
				prefix_format(&op->addr, true, buf,
					      sizeof(buf));
				sb_printf(
					msg,
					"after %g s, address %s of %s in %s %s",
					timeout, buf, dev, ns_name(op_ns(op)),
					why);
			}
			rc = -ETIMEDOUT;
			break;
		}
		d.valid = false; /* look again, a moment later */
		nanosleep(&(struct timespec){ .tv_nsec = 2 * 1000000 }, NULL);
	}
	if (!rc)
		rc = wait_learnt(x, p, n_ops, deadline, timeout, msg);
	if (rc && rc != -ETIMEDOUT && !msg->len)
		sb_printf(msg, "cannot check the lab's links and addresses: %s",
			  strerror(-rc));
	arena_free(&d.arena);
	prefix_routes_free(&d.routes);
	free(order);
	strmap_free(&pc.raised);
	arena_free(&pc.arena);
	return rc;
}
