// SPDX-License-Identifier: MIT
/*
 * nl_route.c - addresses and routes through rtnetlink (nl.c has the
 * sockets and the links): requests built from the kernel's own
 * description of an object, and dumps for status.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <linux/rtnetlink.h>
#include <netlink/attr.h>
#include <netlink/msg.h>
#include <netlink/route/addr.h>
#include <netlink/route/route.h>

#include "nl.h"
#include "nl_priv.h"

/* One address request, from the kernel's own description of it. */
static int addr_msg(struct nlsock *s, int type, int flags,
		    const struct addr_info *a)
{
	struct nl_msg *msg = nlmsg_alloc_simple(type, flags);
	size_t alen = a->p.family == AF_INET ? 4 : 16;
	struct ifaddrmsg ifa = {
		.ifa_family = a->p.family,
		.ifa_prefixlen = a->p.plen,
		.ifa_flags = (uint8_t)a->flags,
		.ifa_scope = a->scope,
		.ifa_index = (uint32_t)a->ifindex,
	};

	if (!msg)
		return -ENOMEM;
	if (nlmsg_append(msg, &ifa, sizeof(ifa), NLMSG_ALIGNTO) < 0 ||
	    nla_put(msg, IFA_LOCAL, (int)alen, a->p.bytes) < 0 ||
	    nla_put(msg, IFA_ADDRESS, (int)alen, a->p.bytes) < 0 ||
	    (type == RTM_NEWADDR && a->flags > 0xff &&
	     nla_put_u32(msg, IFA_FLAGS, a->flags) < 0) ||
	    (type == RTM_NEWADDR && a->has_brd &&
	     nla_put(msg, IFA_BROADCAST, 4, a->brd) < 0)) {
		nlmsg_free(msg);
		return -EMSGSIZE;
	}
	return nl_request(s, msg);
}

/* An address as nstopo gives it, in a request of @flags. */
static int addr_give(struct nlsock *s, int flags, int ifindex,
		     const struct prefix *p, bool nodad)
{
	struct addr_info a = {
		.ifindex = ifindex,
		.p = *p,
		/* Usable at once: no duplicate address detection. */
		.flags = p->family == AF_INET6 && nodad ? IFA_F_NODAD : 0,
		/* As ip does: lo takes 127/8 only with host scope (EINVAL). */
		.scope = p->family == AF_INET && p->bytes[0] == 127 ?
				 RT_SCOPE_HOST :
				 RT_SCOPE_UNIVERSE,
	};

	if (p->family == AF_INET && p->plen < 31) {
		/* As `ip addr add ... brd +` does. */
		memcpy(a.brd, prefix_broadcast(p).bytes, 4);
		a.has_brd = true;
	}
	return addr_msg(s, RTM_NEWADDR, flags, &a);
}

int netlink_addr_add(struct nlsock *s, int ifindex, const struct prefix *p,
		     bool nodad)
{
	return addr_give(s, NLM_F_CREATE | NLM_F_EXCL, ifindex, p, nodad);
}

int netlink_addr_del(struct nlsock *s, int ifindex, const struct prefix *p)
{
	struct addr_info a = { .ifindex = ifindex, .p = *p };

	return addr_msg(s, RTM_DELADDR, 0, &a);
}

int netlink_addr_add_info(struct nlsock *s, const struct addr_info *a)
{
	return addr_msg(s, RTM_NEWADDR, NLM_F_CREATE | NLM_F_EXCL, a);
}

int netlink_addr_del_info(struct nlsock *s, const struct addr_info *a)
{
	return addr_msg(s, RTM_DELADDR, 0, a);
}

int netlink_addr_renew(struct nlsock *s, int ifindex, const struct prefix *p,
		       bool nodad)
{
	return addr_give(s, NLM_F_CREATE | NLM_F_REPLACE, ifindex, p, nodad);
}

static int keep_prefix_route(const struct route_info *r, void *arg)
{
	struct prefix_routes *pr = arg;

	if (r->table == RT_TABLE_MAIN_ID && r->oif > 0 && !r->has_via &&
	    r->to.plen < 128)
		*(struct prefix_route *)vec_push(&pr->arena, pr->v, pr->n,
						 pr->cap) =
			(struct prefix_route){ r->oif, r->to };
	return 0;
}

static int route_dump(struct nlsock *s, int family,
		      int (*fn)(const struct route_info *r, void *arg),
		      void *arg);

int netlink_prefix_routes(struct nlsock *s, struct prefix_routes *pr)
{
	prefix_routes_free(pr);
	return route_dump(s, AF_INET6, keep_prefix_route, pr);
}

bool prefix_routes_have(const struct prefix_routes *pr, int ifindex,
			const struct prefix *addr)
{
	struct prefix net = prefix_subnet(addr);

	for (size_t i = 0; i < pr->n; i++)
		if (pr->v[i].oif == ifindex && prefix_equal(&pr->v[i].to, &net))
			return true;
	return false;
}

void prefix_routes_free(struct prefix_routes *pr)
{
	arena_free(&pr->arena);
	memset(pr, 0, sizeof(*pr));
}

/* One route request, from the kernel's own description of it. */
static int route_msg(struct nlsock *s, int type, int flags,
		     const struct route_info *r)
{
	struct nl_msg *msg = nlmsg_alloc_simple(type, flags);
	size_t alen = r->to.family == AF_INET ? 4 : 16;
	struct rtmsg rtm = {
		.rtm_family = r->to.family,
		.rtm_dst_len = r->to.plen,
		.rtm_table =
			r->table < 256 ? (uint8_t)r->table : RT_TABLE_UNSPEC,
		.rtm_protocol = r->protocol,
		.rtm_scope = type == RTM_DELROUTE ? RT_SCOPE_NOWHERE : r->scope,
		.rtm_type = r->type,
		/* Dumps carry linkdown and dead too, which a request
		 * must not: only onlink is the route's own. */
		.rtm_flags = r->flags & RTNH_F_ONLINK,
	};

	if (!msg)
		return -ENOMEM;
	if (nlmsg_append(msg, &rtm, sizeof(rtm), NLMSG_ALIGNTO) < 0 ||
	    (r->to.plen && nla_put(msg, RTA_DST, (int)alen, r->to.bytes) < 0) ||
	    (r->has_via &&
	     nla_put(msg, RTA_GATEWAY, (int)alen, r->via.bytes) < 0) ||
	    (r->oif && nla_put_u32(msg, RTA_OIF, (uint32_t)r->oif) < 0) ||
	    (type == RTM_NEWROUTE && r->has_src &&
	     nla_put(msg, RTA_PREFSRC, (int)alen, r->src.bytes) < 0) ||
	    ((r->metric || r->to.family == AF_INET6) &&
	     nla_put_u32(msg, RTA_PRIORITY, r->metric) < 0) ||
	    nla_put_u32(msg, RTA_TABLE, r->table) < 0) {
		nlmsg_free(msg);
		return -EMSGSIZE;
	}
	return nl_request(s, msg);
}

/* A route of the topology, as the kernel describes one. */
/*
 * The protocol of the routes nstopo makes (rtnetlink's rtm_protocol),
 * unassigned in iproute2's rt_protos: a route is nstopo's if the kernel
 * says so, and a delete takes no route of another protocol.
 */
#define RTPROT_NSTOPO 110

const char *netlink_route_proto_name(uint8_t proto, char *buf, size_t len)
{
	/* iproute2's rt_protos, and nstopo's own. */
	static const struct {
		uint8_t proto;
		const char *name;
	} names[] = {
		{ RTPROT_UNSPEC, "unspec" },
		{ RTPROT_REDIRECT, "redirect" },
		{ RTPROT_KERNEL, "kernel" },
		{ RTPROT_BOOT, "boot" },
		{ RTPROT_STATIC, "static" },
		{ RTPROT_RA, "ra" },
		{ RTPROT_ZEBRA, "zebra" },
		{ RTPROT_BIRD, "bird" },
		{ RTPROT_DHCP, "dhcp" },
		{ RTPROT_KEEPALIVED, "keepalived" },
		{ RTPROT_BABEL, "babel" },
		{ RTPROT_NSTOPO, "nstopo" },
		{ RTPROT_BGP, "bgp" },
		{ RTPROT_ISIS, "isis" },
		{ RTPROT_OSPF, "ospf" },
		{ RTPROT_RIP, "rip" },
	};

	for (size_t i = 0; i < ARRAY_SIZE(names); i++)
		if (names[i].proto == proto)
			return names[i].name;
	snprintf(buf, len, "%u", proto);
	return buf;
}

/* The kernel's route types of nstopo's. */
static const uint8_t rtn_of[RT__COUNT] = {
	[RT_UNICAST] = RTN_UNICAST,
	[RT_BLACKHOLE] = RTN_BLACKHOLE,
	[RT_UNREACHABLE] = RTN_UNREACHABLE,
	[RT_PROHIBIT] = RTN_PROHIBIT,
	[RT_LOCAL] = RTN_LOCAL,
};

static enum route_type route_type_of(uint8_t rtn)
{
	for (int t = 0; t < RT__COUNT; t++)
		if (rtn_of[t] == rtn)
			return (enum route_type)t;
	return RT__COUNT;
}

static struct route_info route_of(const struct route_spec *r, int oif)
{
	struct route_info ri = {
		.to = r->to,
		.has_via = r->has_via,
		.via = r->via,
		.oif = oif,
		.metric = r->metric,
		.table = r->table,
		.type = rtn_of[r->type],
		.protocol = RTPROT_NSTOPO,
		.flags = r->onlink ? RTNH_F_ONLINK : 0,
	};

	if (r->type == RT_LOCAL)
		ri.scope = RT_SCOPE_HOST;
	else if (r->type == RT_UNICAST && !r->has_via && oif)
		ri.scope = RT_SCOPE_LINK;
	else
		ri.scope = RT_SCOPE_UNIVERSE;
	return ri;
}

int netlink_route_add(struct nlsock *s, const struct route_spec *r, int oif,
		      bool replace)
{
	struct route_info ri = route_of(r, oif);

	return route_msg(s, RTM_NEWROUTE,
			 NLM_F_CREATE | (replace ? NLM_F_REPLACE : NLM_F_EXCL),
			 &ri);
}

int netlink_route_del(struct nlsock *s, const struct route_spec *r, int oif,
		      bool any_protocol)
{
	struct route_info ri = route_of(r, oif);

	/* The kernel deletes a route only of the protocol asked, if any. */
	if (any_protocol)
		ri.protocol = 0;
	return route_msg(s, RTM_DELROUTE, 0, &ri);
}

/*
 * Not NLM_F_EXCL: that refuses any route of the same destination and
 * metric (a router's default route, say) with EEXIST, which callers take
 * for "already there".  Without it, EEXIST means this very route.
 */
int netlink_route_add_info(struct nlsock *s, const struct route_info *r)
{
	return route_msg(s, RTM_NEWROUTE, NLM_F_CREATE, r);
}

int netlink_route_del_info(struct nlsock *s, const struct route_info *r)
{
	return route_msg(s, RTM_DELROUTE, 0, r);
}

/* Dumps, for status: libnl's caches parse them. */

struct obj_dump {
	int (*addr_fn)(const struct addr_info *a, void *arg);
	void *arg;
	int rc;
};

static void addr_one(struct nl_object *o, void *arg)
{
	struct rtnl_addr *ra = (struct rtnl_addr *)o;
	struct obj_dump *d = arg;
	struct nl_addr *brd = rtnl_addr_get_broadcast(ra);
	unsigned flags = rtnl_addr_get_flags(ra);
	struct addr_info a = {
		.ifindex = rtnl_addr_get_ifindex(ra),
		.permanent = flags & IFA_F_PERMANENT,
		.tentative = flags & IFA_F_TENTATIVE,
		.dadfailed = flags & IFA_F_DADFAILED,
		.flags = flags,
		.scope = (uint8_t)rtnl_addr_get_scope(ra),
	};

	if (d->rc)
		return;
	nl_prefix_from(rtnl_addr_get_local(ra), &a.p);
	a.p.plen = (uint8_t)rtnl_addr_get_prefixlen(ra);
	if (brd && nl_addr_get_len(brd) == 4) {
		memcpy(a.brd, nl_addr_get_binary_addr(brd), 4);
		a.has_brd = true;
	}
	if (a.p.family)
		d->rc = d->addr_fn(&a, d->arg);
}

int netlink_addr_dump(struct nlsock *s,
		      int (*fn)(const struct addr_info *a, void *arg),
		      void *arg)
{
	struct obj_dump d = { .addr_fn = fn, .arg = arg };
	struct nl_cache *cache;
	int rc;

	s->err = 0;
	rc = rtnl_addr_alloc_cache(s->sk, &cache);
	if (rc < 0)
		return s->err ? -s->err : -nl_errno_of(rc);
	nl_cache_foreach(cache, addr_one, &d);
	nl_cache_free(cache);
	return d.rc;
}

/* The routes of one dump, kept until it has ended unbroken. */
struct route_dump {
	struct route_info *v;
	size_t n, cap;
	int rc;
};

static void route_one(struct nl_object *o, void *arg)
{
	struct rtnl_route *rr = (struct rtnl_route *)o;
	struct rtnl_nexthop *nh = rtnl_route_nexthop_n(rr, 0);
	struct route_dump *d = arg;
	struct route_info r = {
		.metric = rtnl_route_get_priority(rr),
		.table = rtnl_route_get_table(rr),
		.type = rtnl_route_get_type(rr),
		.protocol = rtnl_route_get_protocol(rr),
		.scope = rtnl_route_get_scope(rr),
		.flags = rtnl_route_get_flags(rr),
	};

	if (d->rc)
		return;
	r.rtype = route_type_of(r.type);
	r.by_kernel = r.protocol == RTPROT_KERNEL;
	r.by_nstopo = r.protocol == RTPROT_NSTOPO;
	r.by_ra = r.protocol == RTPROT_RA;
	nl_prefix_from(rtnl_route_get_dst(rr), &r.to);
	nl_prefix_from(rtnl_route_get_pref_src(rr), &r.src);
	r.has_src = r.src.family != 0;
	if (!r.to.family) { /* a default route has no RTA_DST */
		r.to.family = (uint8_t)rtnl_route_get_family(rr);
		r.to.plen = 0;
	}
	if (nh) {
		r.oif = rtnl_route_nh_get_ifindex(nh);
		r.flags |= rtnl_route_nh_get_flags(nh) & RTNH_F_ONLINK;
		nl_prefix_from(rtnl_route_nh_get_gateway(nh), &r.via);
		r.has_via = r.via.family != 0;
	}
	if (d->n == d->cap) {
		size_t cap = d->cap ? 2 * d->cap : 64;
		struct route_info *v = realloc(d->v, cap * sizeof(*v));

		if (!v) {
			d->rc = -ENOMEM;
			return;
		}
		d->v = v;
		d->cap = cap;
	}
	d->v[d->n++] = r;
}

/* One message of the dump, parsed by libnl's route parser. */
static int route_dumped(const struct nlmsghdr *h, void *arg)
{
	struct route_dump *d = arg;
	struct nl_msg *msg = nlmsg_convert((struct nlmsghdr *)h);
	int rc;

	if (!msg)
		return -ENOMEM;
	nlmsg_set_proto(msg, NETLINK_ROUTE);
	rc = nl_msg_parse(msg, route_one, d);
	nlmsg_free(msg);
	if (rc < 0)
		return -nl_errno_of(rc);
	return d->rc;
}

/* Order of routes by what makes one: where, whose, to what, through. */
static int route_cmp(const void *pa, const void *pb)
{
	const struct route_info *a = *(const struct route_info *const *)pa;
	const struct route_info *b = *(const struct route_info *const *)pb;
	int c;

#define ROUTE_CMP(f)                                 \
	do {                                         \
		if (a->f != b->f)                    \
			return a->f < b->f ? -1 : 1; \
	} while (0)
	ROUTE_CMP(table);
	ROUTE_CMP(metric);
	ROUTE_CMP(oif);
	ROUTE_CMP(type);
	ROUTE_CMP(protocol);
#undef ROUTE_CMP
	c = memcmp(&a->to, &b->to, sizeof(a->to));
	return c ? c : memcmp(&a->via, &b->via, sizeof(a->via));
}

/* ...and of equal ones, the first sent first. */
static int route_cmp_first(const void *pa, const void *pb)
{
	const struct route_info *a = *(const struct route_info *const *)pa;
	const struct route_info *b = *(const struct route_info *const *)pb;
	int c = route_cmp(pa, pb);

	return c ? c : (a > b) - (a < b);
}

/*
 * A route the kernel sent twice: a dump of several messages can, when the
 * table changes between two of them (IPv6 goes on where it was by count).
 * Each one after the first is dropped (dup[k]), the order kept.
 */
static int route_dups(const struct route_dump *d, bool *dup)
{
	const struct route_info **v = calloc(d->n, sizeof(*v));

	if (!v)
		return -ENOMEM;
	for (size_t k = 0; k < d->n; k++)
		v[k] = &d->v[k];
	qsort(v, d->n, sizeof(*v), route_cmp_first);
	for (size_t k = 1; k < d->n; k++)
		if (!route_cmp(&v[k - 1], &v[k]))
			dup[v[k] - d->v] = true;
	free(v);
	return 0;
}

/*
 * Not libnl's route cache: it keys a route by family, table, destination,
 * TOS and priority, and keeps one of those that differ only in their
 * device (two interfaces with addresses on one subnet each have their
 * connected route).  A dump the kernel says was interrupted
 * (NLM_F_DUMP_INTR) is made again; one the kernel went on with after a
 * change may name a route twice: it is given once.
 */
int netlink_route_dump(struct nlsock *s,
		       int (*fn)(const struct route_info *r, void *arg),
		       void *arg)
{
	return route_dump(s, AF_UNSPEC, fn, arg);
}

static int route_dump(struct nlsock *s, int family,
		      int (*fn)(const struct route_info *r, void *arg),
		      void *arg)
{
	struct rtmsg rtm = { .rtm_family = (uint8_t)family };
	struct route_dump d = { 0 };
	bool *dup = NULL;
	int rc, tries = 0;

	do {
		d.n = 0;
		d.rc = 0;
		rc = nlsock_dump(s, RTM_GETROUTE, &rtm, sizeof(rtm),
				 route_dumped, &d);
	} while (rc == -EAGAIN && ++tries < 5);
	if (!rc && d.n) {
		dup = calloc(d.n, sizeof(*dup));
		rc = dup ? route_dups(&d, dup) : -ENOMEM;
	}
	for (size_t k = 0; !rc && k < d.n; k++)
		if (!dup[k])
			rc = fn(&d.v[k], arg);
	free(dup);
	free(d.v);
	return rc;
}
