// SPDX-License-Identifier: MIT
/*
 * status.c - the live kernel state of a lab, compared with its plan.
 *
 * Theory of operation: the lab's journal holds the ops that made it.
 * They are folded into what each namespace should hold (links with their
 * flags, addresses, routes, sysctl values), then each namespace is
 * entered once, dumped through netlink, and compared: every expected
 * object is ok, missing or different; in the namespaces the lab created,
 * whatever else is there (apart from what the kernel adds by itself) is
 * extra.  The host namespace is only checked for what the lab put there.
 *
 * Routes tell whose they are by their protocol: nstopo's are its own
 * (110), the kernel's are checked for each of the lab's addresses (its
 * prefix and local routes), and any other is foreign: a routing daemon's,
 * a router advertisement's, one added by hand.  Foreign routes are listed
 * (with -v), never drift.  Links are checked for carrier on both ends:
 * an end that is up while its peer is down has none.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <unistd.h>

#include "netns.h"
#include "opkind.h"
#include "nl.h"
#include "relay.h"
#include "state.h"
#include "status.h"

struct want_link {
	const char *name;
	enum link_kind type;
	uint32_t mtu;
	bool has_mac;
	uint8_t mac[6];
	const char *master;
	const char *peer_ns, *peer; /* a pair's other end */
	bool up, mark, seen;
	bool tunnel; /* a kind over the underlay: its VNI and ends too */
	uint32_t vni;
	struct tunnel_spec tun;
	bool carrier; /* both ends are wanted up: it must have carrier */
};

struct want_ns {
	const char *ns; /* NULL: host */
	const char *node;
	bool created;
	struct want_link *links;
	size_t n_links, cap_links;
	const struct op **addrs, **routes, **sysctls;
	size_t n_addrs, cap_addrs, n_routes, cap_routes, n_sysctls, cap_sysctls;
	const struct op **fdbs; /* a tunnel's all-zero entries */
	size_t n_fdbs, cap_fdbs;
};

/* An FDB entry of a device, with an underlay destination. */
struct fdb_entry {
	int ifindex;
	uint8_t mac[6];
	struct prefix dst;
};

struct have {
	struct link_info *links;
	size_t n_links, cap_links;
	struct addr_info *addrs;
	size_t n_addrs, cap_addrs;
	struct route_info *routes;
	size_t n_routes, cap_routes;
	struct fdb_entry *fdbs;
	size_t n_fdbs, cap_fdbs;
	bool *addr_used, *route_used;
	struct arena arena;
};

static const char *const state_names[] = {
	[ST_OK] = "ok",
	[ST_MISSING] = "missing",
	[ST_DIFFERENT] = "different",
	[ST_EXTRA] = "extra",
	[ST_FOREIGN] = "foreign",
};

PRINTF(5, 6)
static void row(struct status *s, const struct want_ns *w, enum st_state st,
		const char *object, const char *fmt, ...)
{
	struct status_row *r =
		vec_push(&s->arena, s->rows, s->n_rows, s->cap_rows);
	struct strbuf sb = { 0 };
	va_list ap;

	r->ns = w->ns;
	r->node = w->node;
	r->state = st;
	r->object = arena_strdup(&s->arena, object);
	if (fmt) {
		va_start(ap, fmt);
		sb_vprintf(&sb, fmt, ap);
		va_end(ap);
		r->detail = arena_strdup(&s->arena, sb.buf ? sb.buf : "");
		sb_free(&sb);
	}
	s->counts[st]++;
}

static struct want_ns *want_get(struct status *s, struct want_ns **v, size_t *n,
				size_t *cap, struct strmap *m, const char *ns)
{
	const char *key = ns ? ns : "";
	int i = strmap_get(m, key);
	struct want_ns *w;

	if (i >= 0)
		return &(*v)[i];
	w = vec_push(&s->arena, *v, *n, *cap);
	w->ns = ns;
	w->node = ns ? ns : "host";
	strmap_put(m, key, (int)(*n - 1));
	return w;
}

static struct want_link *want_link(struct status *s, struct want_ns *w,
				   const char *name)
{
	struct want_link *l;

	for (size_t i = 0; i < w->n_links; i++)
		if (!strcmp(w->links[i].name, name))
			return &w->links[i];
	l = vec_push(&s->arena, w->links, w->n_links, w->cap_links);
	l->name = name;
	return l;
}

static void want_from_if(struct want_link *l, const struct op_if *oi,
			 enum link_kind type, bool mark)
{
	l->type = type;
	if (oi->mtu)
		l->mtu = oi->mtu;
	if (oi->has_mac) {
		l->has_mac = true;
		memcpy(l->mac, oi->mac, 6);
	}
	if (oi->master)
		l->master = oi->master;
	l->up |= oi->up;
	l->mark |= mark;
}

static void want_tunnel(struct want_link *l, const struct op *op)
{
	l->tunnel = true;
	l->vni = op->id;
	l->tun = op->tun;
}

#define PUSH(s, arr, n, cap, v) \
	(*(const struct op **)vec_push(&(s)->arena, arr, n, cap) = (v))

/* Fold the plan into what each namespace should hold: each op by what
 * its kind says it leaves in the kernel. */
static size_t fold(struct status *s, const struct plan *p, struct want_ns **out)
{
	struct want_ns *v = NULL;
	size_t n = 0, cap = 0;
	struct strmap m = { 0 };

	want_get(s, &v, &n, &cap, &m, NULL);
	for (size_t i = 0; i < p->n_ops; i++) {
		const struct op *op = &p->ops[i];
		struct want_ns *w = want_get(s, &v, &n, &cap, &m, op_ns(op));

		switch (op_desc(op->kind)->object) {
		case OBJ_NETNS:
			w->created = true;
			w->node = op->node ? op->node : op->link.ns;
			break;
		case OBJ_LINK:
			want_from_if(want_link(s, w, op->link.name), &op->link,
				     op->type, op->mark && !op->link.ns);
			if (op->kind == OP_LINK_ADD &&
			    link_kind(op->type)->underlay)
				want_tunnel(want_link(s, w, op->link.name), op);
			if (link_kind_pair(op->type)) {
				struct want_ns *pw = want_get(s, &v, &n, &cap,
							      &m, op->peer.ns);
				struct want_link *pl =
					want_link(s, pw, op->peer.name);

				want_from_if(pl, &op->peer, op->type,
					     op->mark && !op->peer.ns);
				pl->peer_ns = op->link.ns;
				pl->peer = op->link.name;
				/* w may have moved with the vector */
				w = want_get(s, &v, &n, &cap, &m, op_ns(op));
				pl = want_link(s, w, op->link.name);
				pl->peer_ns = op->peer.ns;
				pl->peer = op->peer.name;
			}
			break;
		case OBJ_ADDR:
			PUSH(s, w->addrs, w->n_addrs, w->cap_addrs, op);
			break;
		case OBJ_ROUTE:
			PUSH(s, w->routes, w->n_routes, w->cap_routes, op);
			break;
		case OBJ_SYSCTL:
			PUSH(s, w->sysctls, w->n_sysctls, w->cap_sysctls, op);
			break;
		case OBJ_FDB:
			PUSH(s, w->fdbs, w->n_fdbs, w->cap_fdbs, op);
			break;
		case OBJ_PORT:
			want_link(s, w, op->link.name)->master =
				op->link.master;
			break;
		case OBJ_RELAY: /* a process: check_relay() */
		case OBJ_NONE:
			break;
		}
	}
	/* A pair whose ends are both wanted up has carrier on both. */
	for (size_t i = 0; i < n; i++)
		for (size_t k = 0; k < v[i].n_links; k++) {
			struct want_link *l = &v[i].links[k];
			int j;

			if (!l->peer || !l->up)
				continue;
			j = strmap_get(&m, l->peer_ns ? l->peer_ns : "");
			if (j < 0)
				continue;
			for (size_t q = 0; q < v[j].n_links; q++)
				if (!strcmp(v[j].links[q].name, l->peer))
					l->carrier = v[j].links[q].up;
		}
	strmap_free(&m);
	*out = v;
	return n;
}

static int have_link(const struct link_info *li, void *arg)
{
	struct have *h = arg;

	*(struct link_info *)vec_push(&h->arena, h->links, h->n_links,
				      h->cap_links) = *li;
	return 0;
}

static int have_addr(const struct addr_info *a, void *arg)
{
	struct have *h = arg;

	*(struct addr_info *)vec_push(&h->arena, h->addrs, h->n_addrs,
				      h->cap_addrs) = *a;
	return 0;
}

static int have_route(const struct route_info *r, void *arg)
{
	struct have *h = arg;

	*(struct route_info *)vec_push(&h->arena, h->routes, h->n_routes,
				       h->cap_routes) = *r;
	return 0;
}

static int have_fdb(int ifindex, const uint8_t mac[6], const struct prefix *dst,
		    void *arg)
{
	struct have *h = arg;
	struct fdb_entry *e =
		vec_push(&h->arena, h->fdbs, h->n_fdbs, h->cap_fdbs);

	e->ifindex = ifindex;
	memcpy(e->mac, mac, 6);
	e->dst = *dst;
	return 0;
}

static const struct link_info *link_by_name(const struct have *h,
					    const char *name)
{
	for (size_t i = 0; i < h->n_links; i++)
		if (!strcmp(h->links[i].name, name))
			return &h->links[i];
	return NULL;
}

static const char *link_name(const struct have *h, int ifindex)
{
	for (size_t i = 0; i < h->n_links; i++)
		if (h->links[i].ifindex == ifindex)
			return h->links[i].name;
	return "?";
}

/* How a tunnel differs from what it should be, or NULL: it does not.
 * (Its underlay device is the host's, and only the host can name it.) */
static const char *tunnel_diff(const struct want_link *l,
			       const struct link_info *li, char *buf,
			       size_t len)
{
	char a[INET6_ADDRSTRLEN + 4], b[INET6_ADDRSTRLEN + 4];
	const struct prefix *want = NULL, *have = NULL;
	const char *what = NULL;

	if (li->vni != l->vni) {
		snprintf(buf, len, "vni %u, want %u", li->vni, l->vni);
		return buf;
	}
	if (li->tun.port != l->tun.port) {
		snprintf(buf, len, "dstport %u, want %u", li->tun.port,
			 l->tun.port);
		return buf;
	}
	if (!prefix_equal(&li->tun.remote, &l->tun.remote)) {
		what = "remote";
		want = &l->tun.remote;
		have = &li->tun.remote;
	} else if (l->tun.local.family &&
		   !prefix_equal(&li->tun.local, &l->tun.local)) {
		what = "local";
		want = &l->tun.local;
		have = &li->tun.local;
	}
	if (!what)
		return NULL;
	if (have->family)
		prefix_format(have, false, a, sizeof(a));
	if (want->family)
		prefix_format(want, false, b, sizeof(b));
	snprintf(buf, len, "%s %s, want %s", what, have->family ? a : "none",
		 want->family ? b : "none");
	return buf;
}

static void check_links(struct status *s, const struct want_ns *w,
			struct have *h, const char *mark)
{
	char tun[128];
	char obj[64], mac[2][MAC_TEXT], want[LINK_MARK_MAX];

	for (size_t i = 0; i < w->n_links; i++) {
		const struct want_link *l = &w->links[i];
		const struct link_info *li = link_by_name(h, l->name);
		const char *master;

		snprintf(obj, sizeof(obj), "link %s", l->name);
		if (!li) {
			row(s, w, ST_MISSING, obj, NULL);
			continue;
		}
		master = li->master ? link_name(h, li->master) : NULL;
		if (l->type != LK_NONE &&
		    strcmp(li->kind, link_kind(l->type)->name))
			row(s, w, ST_DIFFERENT, obj, "kind %s, want %s",
			    li->kind[0] ? li->kind : "none",
			    link_kind(l->type)->name);
		else if (l->tunnel && tunnel_diff(l, li, tun, sizeof(tun)))
			row(s, w, ST_DIFFERENT, obj, "%s", tun);
		else if (l->mtu && li->mtu != l->mtu)
			row(s, w, ST_DIFFERENT, obj, "mtu %u, want %u", li->mtu,
			    l->mtu);
		else if (l->has_mac && memcmp(li->mac, l->mac, 6))
			row(s, w, ST_DIFFERENT, obj, "mac %s, want %s",
			    mac_format(li->mac, mac[0]),
			    mac_format(l->mac, mac[1]));
		else if (l->master && (!master || strcmp(master, l->master)))
			row(s, w, ST_DIFFERENT, obj, "master %s, want %s",
			    master ? master : "none", l->master);
		else if (l->up && !li->up)
			row(s, w, ST_DIFFERENT, obj, "down, want up");
		else if (l->carrier && !li->carrier)
			row(s, w, ST_DIFFERENT, obj, "no carrier");
		else if (l->mark &&
			 strcmp(li->alias, lab_link_mark(s->lab, l->name, want,
							 sizeof(want))) &&
			 (!s->legacy || strcmp(li->alias, mark)))
			row(s, w, ST_DIFFERENT, obj, "alias '%s', want '%s'",
			    li->alias, want);
		else
			row(s, w, ST_OK, obj, NULL);
	}
	if (!w->created)
		return;
	/* The namespace is the lab's: its lo says so. */
	if (!s->legacy) {
		const struct link_info *lo = link_by_name(h, "lo");

		if (lo && strcmp(lo->alias, mark))
			row(s, w, ST_DIFFERENT, "link lo",
			    "alias '%s', want '%s' (the lab's mark)", lo->alias,
			    mark);
	}
	for (size_t i = 0; i < h->n_links; i++) {
		bool known = !strcmp(h->links[i].name, "lo");

		for (size_t k = 0; k < w->n_links && !known; k++)
			known = !strcmp(w->links[k].name, h->links[i].name);
		if (!known) {
			snprintf(obj, sizeof(obj), "link %s", h->links[i].name);
			row(s, w, ST_EXTRA, obj, NULL);
		}
	}
}

/*
 * Has the kernel its own route for an address of interface @ifindex: @to
 * its subnet (the connected route, in whatever table it puts it), or, with
 * @local, the address itself in table local?
 */
static bool kernel_route(const struct have *h, const struct prefix *to,
			 int ifindex, bool local)
{
	for (size_t k = 0; k < h->n_routes; k++) {
		const struct route_info *ri = &h->routes[k];

		if (!ri->by_kernel || ri->oif != ifindex ||
		    !prefix_equal(&ri->to, to))
			continue;
		if (!local)
			return true;
		if (ri->rtype == RT_LOCAL && ri->table == RT_TABLE_LOCAL_ID)
			return true;
	}
	return false;
}

/*
 * The routes the kernel makes for an address on a link that is up: its
 * subnet's (none for an IPv4 /32, or on the IPv4 "this network"), and the
 * address's own in table local.  Missing ones are drift: the address does
 * not work as it should.
 */
static void check_kernel_routes(struct status *s, const struct want_ns *w,
				const struct have *h, const struct prefix *a,
				const struct link_info *li)
{
	bool v4 = a->family == AF_INET;
	unsigned full = v4 ? 32 : 128;
	struct prefix net = prefix_subnet(a), host = *a;
	char obj[200], buf[INET6_ADDRSTRLEN + 4];
	enum st_state st;

	host.plen = (uint8_t)full;
	if (!v4 || (a->plen < full && a->bytes[0])) {
		st = kernel_route(h, &net, li->ifindex, false) ? ST_OK :
								 ST_MISSING;
		prefix_format(&net, true, buf, sizeof(buf));
		snprintf(obj, sizeof(obj), "route %s dev %s proto kernel", buf,
			 li->name);
		row(s, w, st, obj, NULL);
	}
	st = kernel_route(h, &host, li->ifindex, true) ? ST_OK : ST_MISSING;
	prefix_format(&host, false, buf, sizeof(buf));
	snprintf(obj, sizeof(obj),
		 "route local %s dev %s table local proto kernel", buf,
		 li->name);
	row(s, w, st, obj, NULL);
}

static void check_addrs(struct status *s, const struct want_ns *w,
			struct have *h)
{
	char obj[128], buf[INET6_ADDRSTRLEN + 4];

	for (size_t i = 0; i < w->n_addrs; i++) {
		const struct op *op = w->addrs[i];
		const struct link_info *li = link_by_name(h, op->link.name);
		size_t k;

		prefix_format(&op->addr, true, buf, sizeof(buf));
		snprintf(obj, sizeof(obj), "addr %s dev %s", buf,
			 op->link.name);
		for (k = 0; k < h->n_addrs; k++)
			if (li && h->addrs[k].ifindex == li->ifindex &&
			    prefix_equal(&h->addrs[k].p, &op->addr))
				break;
		if (k == h->n_addrs) {
			row(s, w, ST_MISSING, obj, NULL);
			continue;
		}
		h->addr_used[k] = true;
		if (h->addrs[k].tentative || h->addrs[k].dadfailed) {
			row(s, w, ST_DIFFERENT, obj, "%s",
			    h->addrs[k].dadfailed ?
				    "duplicate address detection failed" :
				    "tentative (DAD running)");
			continue;
		}
		row(s, w, ST_OK, obj, NULL);
		/* A link that is down has no routes: its row says so. */
		if (li->up)
			check_kernel_routes(s, w, h, &op->addr, li);
	}
	if (!w->created)
		return;
	for (size_t k = 0; k < h->n_addrs; k++) {
		const struct prefix *p = &h->addrs[k].p;
		const char *dev = link_name(h, h->addrs[k].ifindex);
		/* Link-local, lo's, and addresses with lifetimes (from router
		 * advertisements) are the kernel's, not drift. */
		bool kernel = prefix_is_link_local(p) || !strcmp(dev, "lo") ||
			      !h->addrs[k].permanent;

		if (h->addr_used[k] || kernel)
			continue;
		prefix_format(p, true, buf, sizeof(buf));
		snprintf(obj, sizeof(obj), "addr %s dev %s", buf, dev);
		row(s, w, ST_EXTRA, obj, NULL);
	}
}

static void route_text(const struct route_spec *r, const struct route_info *ri,
		       const struct have *h, char *buf, size_t len)
{
	char to[INET6_ADDRSTRLEN + 4], via[INET6_ADDRSTRLEN];
	const struct prefix *dst;
	size_t n;

	if (!r && !ri)
		return;
	dst = r ? &r->to : &ri->to;
	prefix_format(dst, true, to, sizeof(to));
	n = (size_t)snprintf(buf, len, "route %s",
			     dst->plen || dst->family != AF_INET ? to :
								   "default");
	if (r && r->has_via) {
		prefix_format(&r->via, false, via, sizeof(via));
		n += (size_t)snprintf(buf + n, len > n ? len - n : 0, " via %s",
				      via);
	} else if (!r && ri->has_via) {
		prefix_format(&ri->via, false, via, sizeof(via));
		n += (size_t)snprintf(buf + n, len > n ? len - n : 0, " via %s",
				      via);
	}
	if (!r && ri->oif)
		n += (size_t)snprintf(buf + n, len > n ? len - n : 0, " dev %s",
				      link_name(h, ri->oif));
	if ((r ? r->table : ri->table) != RT_TABLE_MAIN_ID)
		n += (size_t)snprintf(buf + n, len > n ? len - n : 0,
				      " table %u", r ? r->table : ri->table);
	if (!r && !ri->by_nstopo) {
		char num[8];

		snprintf(buf + n, len > n ? len - n : 0, " proto %s",
			 netlink_route_proto_name(ri->protocol, num,
						  sizeof(num)));
	}
}

/* The route of the kernel's that stands for @r: same table, destination
 * and metric, nstopo's own first; or -1. */
static int find_route(const struct have *h, const struct route_spec *r)
{
	int found = -1;

	for (size_t k = 0; k < h->n_routes; k++) {
		const struct route_info *ri = &h->routes[k];

		if (h->route_used[k] || ri->table != r->table ||
		    ri->metric != r->metric || !prefix_equal(&ri->to, &r->to))
			continue;
		if (ri->by_nstopo)
			return (int)k;
		if (found < 0)
			found = (int)k;
	}
	return found;
}

static void check_routes(struct status *s, const struct want_ns *w,
			 struct have *h)
{
	char obj[200], via[INET6_ADDRSTRLEN], num[8];

	for (size_t i = 0; i < w->n_routes; i++) {
		const struct route_spec *r = &w->routes[i]->route;
		int k = find_route(h, r);
		const struct route_info *ri;

		route_text(r, NULL, h, obj, sizeof(obj));
		if (k < 0) {
			row(s, w, ST_MISSING, obj, NULL);
			continue;
		}
		ri = &h->routes[k];
		h->route_used[k] = true;
		if (ri->rtype != r->type) {
			row(s, w, ST_DIFFERENT, obj, "type %s, want %s",
			    route_type_name(ri->rtype),
			    route_type_name((enum route_type)r->type));
		} else if (r->has_via &&
			   (!ri->has_via ||
			    memcmp(ri->via.bytes, r->via.bytes, 16))) {
			if (ri->has_via)
				prefix_format(&ri->via, false, via,
					      sizeof(via));
			row(s, w, ST_DIFFERENT, obj, "via %s",
			    ri->has_via ? via : "none");
		} else if (r->dev && strcmp(link_name(h, ri->oif), r->dev)) {
			row(s, w, ST_DIFFERENT, obj, "dev %s, want %s",
			    link_name(h, ri->oif), r->dev);
		} else if (!ri->by_nstopo && !s->legacy) {
			/* Someone else's in its place (labs of earlier builds
			 * made theirs "static"). */
			row(s, w, ST_DIFFERENT, obj, "proto %s, want nstopo",
			    netlink_route_proto_name(ri->protocol, num,
						     sizeof(num)));
		} else {
			row(s, w, ST_OK, obj, NULL);
		}
	}
	if (!w->created)
		return;
	for (size_t k = 0; k < h->n_routes; k++) {
		const struct route_info *ri = &h->routes[k];

		/* What the kernel makes by itself (connected, local,
		 * multicast routes) is its own; an unplanned route of
		 * nstopo's is drift; any other is foreign (a routing daemon's,
		 * a router advertisement's, one added by hand). */
		if (h->route_used[k] || ri->by_kernel)
			continue;
		route_text(NULL, ri, h, obj, sizeof(obj));
		row(s, w, ri->by_nstopo || s->legacy ? ST_EXTRA : ST_FOREIGN,
		    obj, NULL);
	}
}

/* A tunnel floods to each machine its all-zero entries name. */
static void check_fdbs(struct status *s, const struct want_ns *w,
		       const struct have *h)
{
	static const uint8_t zero[6];
	char obj[128], buf[INET6_ADDRSTRLEN + 4];

	for (size_t i = 0; i < w->n_fdbs; i++) {
		const struct op *op = w->fdbs[i];
		const struct link_info *li = link_by_name(h, op->link.name);
		bool found = false;

		prefix_format(&op->tun.remote, false, buf, sizeof(buf));
		snprintf(obj, sizeof(obj),
			 "fdb 00:00:00:00:00:00 dst %s dev %s", buf,
			 op->link.name);
		for (size_t k = 0; li && k < h->n_fdbs && !found; k++)
			found = h->fdbs[k].ifindex == li->ifindex &&
				!memcmp(h->fdbs[k].mac, zero, 6) &&
				prefix_equal(&h->fdbs[k].dst, &op->tun.remote);
		row(s, w, found ? ST_OK : ST_MISSING, obj, NULL);
	}
}

static void check_sysctls(struct status *s, const struct want_ns *w)
{
	char obj[320], val[256];
	struct sysctl_dirs dirs = { 0 };

	for (size_t i = 0; i < w->n_sysctls; i++) {
		const struct op *op = w->sysctls[i];
		int rc = sysctl_read_in(&dirs, op->key, val, sizeof(val));

		snprintf(obj, sizeof(obj), "sysctl %s", op->key);
		if (rc)
			row(s, w, ST_MISSING, obj, "%s", strerror(-rc));
		else if (strcmp(val, op->value))
			row(s, w, ST_DIFFERENT, obj, "%s, want %s", val,
			    op->value);
		else
			row(s, w, ST_OK, obj, NULL);
	}
	sysctl_dirs_close(&dirs);
}

/* Enter one namespace, dump it, compare, and come back. */
static int check_ns(struct status *s, const struct want_ns *w, int home,
		    const char *mark)
{
	struct have h = { 0 };
	struct nlsock *nl = NULL;
	char obj[300];
	int fd = -1, rc = 0;

	if (w->ns) {
		fd = netns_open(w->ns);
		if (fd < 0) {
			snprintf(obj, sizeof(obj), "netns %s", w->ns);
			row(s, w, ST_MISSING, obj, NULL);
			return 0;
		}
		if (w->created) {
			snprintf(obj, sizeof(obj), "netns %s", w->ns);
			row(s, w, ST_OK, obj, NULL);
		}
		rc = netns_enter(fd);
		close(fd);
	}
	if (!rc)
		rc = nlsock_open(&nl);
	if (!rc)
		rc = netlink_link_dump(nl, have_link, &h);
	if (!rc)
		rc = netlink_addr_dump(nl, have_addr, &h);
	if (!rc)
		rc = netlink_route_dump(nl, have_route, &h);
	if (!rc && w->n_fdbs)
		rc = netlink_fdb_dump(nl, have_fdb, &h);
	if (!rc) {
		h.addr_used = arena_alloc(&h.arena, h.n_addrs + 1);
		h.route_used = arena_alloc(&h.arena, h.n_routes + 1);
		check_links(s, w, &h, mark);
		check_addrs(s, w, &h);
		check_routes(s, w, &h);
		check_fdbs(s, w, &h);
		check_sysctls(s, w);
	}
	nlsock_close(nl);
	arena_free(&h.arena);
	if (w->ns && netns_enter(home) && !rc)
		rc = -errno;
	return rc;
}

/* Is the relay listening for forward @sp (in its namespace)? */
static int relay_listens(const struct relay_proc *rp,
			 const struct relay_spec *sp, int home)
{
	int fd = home, rc;

	if (sp->listen_ns[0]) {
		fd = netns_open(sp->listen_ns);
		if (fd < 0)
			return fd;
	}
	rc = relay_listening(rp, fd, sp->proto, &sp->listen.addr);
	if (fd != home)
		close(fd);
	return rc;
}

/*
 * The lab's relay (op @op): running, as its pid and start time say; and
 * for each forward, listening on its socket, where the forward says.
 */
static void check_relay(struct status *s, const struct op *op, int home)
{
	struct relay_proc rp = { .pid = (pid_t)op->pid, .start = op->pstart };
	char l[RELAY_ENDPOINT_TEXT_MAX], t[RELAY_ENDPOINT_TEXT_MAX], obj[200];
	struct want_ns w = { .node = "host" };
	char log[PATH_MAX];
	bool alive;

	/* An apply killed before it journaled the pid: found by its log. */
	state_relay_log(s->lab, log, sizeof(log));
	if (!rp.pid && relay_find(log, &rp, 1) != 1)
		rp.pid = 0;
	alive = rp.pid > 0 && relay_alive(&rp);
	snprintf(obj, sizeof(obj), "relay pid %d", (int)rp.pid);
	if (alive)
		row(s, &w, ST_OK, obj, NULL);
	else
		row(s, &w, ST_MISSING, rp.pid ? obj : "relay",
		    "not running (apply starts it again)");
	for (size_t i = 0; i < op->argc; i++) {
		struct relay_spec sp;
		int rc;

		if (relay_spec_parse(op->argv[i], &sp))
			continue;
		w.ns = sp.listen_ns[0] ? arena_strdup(&s->arena, sp.listen_ns) :
					 NULL;
		w.node = sp.listen.node[0] ?
				 arena_strdup(&s->arena, sp.listen.node) :
				 "host";
		snprintf(obj, sizeof(obj), "forward %s %s -> %s",
			 relay_proto_name(sp.proto),
			 relay_endpoint_format(&sp.listen, l, sizeof(l)),
			 relay_endpoint_format(&sp.to, t, sizeof(t)));
		rc = alive ? relay_listens(&rp, &sp, home) : -ESRCH;
		if (rc == 1)
			row(s, &w, ST_OK, obj, NULL);
		else if (rc == 0)
			row(s, &w, ST_MISSING, obj,
			    "the relay does not listen there");
		else if (rc == -ESRCH)
			row(s, &w, ST_MISSING, obj, "the relay is not running");
		else
			row(s, &w, ST_MISSING, obj, "cannot tell: %s",
			    strerror(-rc));
	}
}

/* A file's plan knows no relay's pid: the running lab's journal does. */
static void learn_relay(struct plan *want, const struct plan *made)
{
	for (size_t i = 0; i < want->n_ops; i++) {
		if (want->ops[i].kind != OP_RELAY_START)
			continue; /* (one a lab at most: not N x N) */
		for (size_t k = 0; k < made->n_ops; k++)
			if (made->ops[k].kind == OP_RELAY_START)
				op_take_learned(&want->arena, &want->ops[i],
						&made->ops[k]);
	}
}

int lab_status(const char *lab, struct status *s, struct strbuf *msg)
{
	return lab_status_of(lab, NULL, 0, s, msg);
}

int lab_status_of(const char *lab, struct plan *want_plan, unsigned flags,
		  struct status *s, struct strbuf *msg)
{
	struct want_ns *want = NULL;
	struct private_proc pp;
	struct journal j;
	char mark[48];
	size_t n;
	int home, rc;

	memset(s, 0, sizeof(*s));
	rc = state_read(lab, &j);
	/* Taken, it is freed with the status whatever happens. */
	if (want_plan && (flags & STATUS_TAKE_PLAN))
		s->plan = want_plan;
	if (rc == -ENOENT)
		return rc;
	if (rc) {
		sb_printf(msg, "cannot read the journal of lab %s: %s", lab,
			  strerror(-rc));
		return rc;
	}
	s->lab = arena_strdup(&s->arena, lab);
	s->file = arena_strdup(&s->arena, j.file);
	s->started = j.started;
	s->complete = j.complete && !j.destroying;
	s->legacy = j.version < 2;
	if (want_plan) {
		if (!(flags & STATUS_TAKE_PLAN))
			s->plan = plan_copy(want_plan);
		learn_relay(s->plan, j.plan);
		s->against_file = true;
		s->file_changed = !plan_equal(want_plan, j.plan);
		journal_free(&j);
	} else {
		s->plan = j.plan;
	}
	lab_mark(lab, mark, sizeof(mark));
	home = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	if (home < 0) {
		rc = -errno;
		sb_printf(msg, "cannot open the current namespace: %s",
			  strerror(errno));
		return rc;
	}
	n = fold(s, s->plan, &want);
	/* Its sysctls through a procfs of its own: see proc_private().
	 * This process makes no mounts, so it may leave the host's. */
	if (!(flags & STATUS_KEEP_MOUNTS))
		proc_private(&pp);
	for (size_t i = 0; i < n && !rc; i++) {
		if (!(flags & STATUS_KEEP_MOUNTS))
			proc_private_next(&pp);
		rc = check_ns(s, &want[i], home, mark);
	}
	for (size_t i = 0; i < s->plan->n_ops && !rc; i++)
		if (op_desc(s->plan->ops[i].kind)->object == OBJ_RELAY)
			check_relay(s, &s->plan->ops[i], home);
	close(home);
	if (rc)
		sb_printf(msg, "cannot inspect lab %s: %s", lab, strerror(-rc));
	return rc;
}

void status_free(struct status *s)
{
	plan_free(s->plan);
	arena_free(&s->arena);
}

bool status_drift(const struct status *s)
{
	return s->counts[ST_MISSING] || s->counts[ST_DIFFERENT] ||
	       s->counts[ST_EXTRA] || !s->complete;
}

void status_print(const struct status *s, FILE *f, bool json, bool all)
{
	struct strbuf sb = { 0 };

	if (json) {
		sb_add(&sb, "{\"lab\":");
		sb_json_str(&sb, s->lab);
		sb_add(&sb, ",\"file\":");
		sb_json_str(&sb, s->file);
		sb_printf(&sb, ",\"applied\":%lld,\"complete\":%s,\"drift\":%s",
			  s->started, s->complete ? "true" : "false",
			  status_drift(s) ? "true" : "false");
		if (s->file_changed)
			sb_add(&sb, ",\"file_changed\":true");
		sb_add(&sb, ",\"counts\":{");
		for (int i = 0; i < ST__COUNT; i++)
			sb_printf(&sb, "%s\"%s\":%zu", i ? "," : "",
				  state_names[i], s->counts[i]);
		sb_add(&sb, "},\"objects\":[");
		for (size_t i = 0; i < s->n_rows; i++) {
			const struct status_row *r = &s->rows[i];

			sb_add(&sb, i ? ",\n {\"node\":" : "\n {\"node\":");
			sb_json_str(&sb, r->node);
			sb_add(&sb, ",\"netns\":");
			sb_json_str(&sb, r->ns ? r->ns : "host");
			sb_add(&sb, ",\"object\":");
			sb_json_str(&sb, r->object);
			sb_printf(&sb, ",\"state\":\"%s\"",
				  state_names[r->state]);
			if (r->detail) {
				sb_add(&sb, ",\"detail\":");
				sb_json_str(&sb, r->detail);
			}
			sb_addc(&sb, '}');
		}
		sb_add(&sb, "\n]}\n");
	} else {
		bool header = false;

		for (size_t i = 0; i < s->n_rows; i++) {
			const struct status_row *r = &s->rows[i];

			if ((r->state == ST_OK || r->state == ST_FOREIGN) &&
			    !all)
				continue;
			if (!header)
				sb_printf(&sb, "%-16s %-48s %-9s %s\n", "NODE",
					  "OBJECT", "STATE", "DETAIL");
			header = true;
			sb_printf(&sb, "%-16s %-48s %-9s %s\n", r->node,
				  r->object, state_names[r->state],
				  r->detail ? r->detail : "");
		}
		if (!s->complete)
			sb_printf(
				&sb,
				"lab %s is only partly applied (an interrupted run): apply it again to finish, or destroy it\n",
				s->lab);
		if (s->file_changed)
			sb_printf(
				&sb,
				"note: the lab was applied from %s, and the file given differs: compared with the file; 'nstopo plan FILE' shows what applying it changes\n",
				s->file);
		sb_printf(
			&sb,
			"lab %s: %s: %zu ok, %zu missing, %zu different, %zu extra",
			s->lab, status_drift(s) ? "DRIFT" : "as planned",
			s->counts[ST_OK], s->counts[ST_MISSING],
			s->counts[ST_DIFFERENT], s->counts[ST_EXTRA]);
		/* Not drift: said only when there are some. */
		if (s->counts[ST_FOREIGN])
			sb_printf(&sb, ", %zu foreign route%s",
				  s->counts[ST_FOREIGN],
				  s->counts[ST_FOREIGN] == 1 ? "" : "s");
		sb_addc(&sb, '\n');
	}
	fwrite(sb.buf, 1, sb.len, f);
	sb_free(&sb);
}
