/* SPDX-License-Identifier: MIT */
#ifndef NSTOPO_NL_H
#define NSTOPO_NL_H

#include "value.h"

/*
 * nl.c is the only libnl caller.  One socket per namespace, opened while
 * inside it; requests are built with libnl's message API and answered
 * with the kernel's errno and, where it gives one, its extended-ack text.
 * Functions return 0 or a negative errno.
 */

struct nlsock;
struct nl_msg;

/**
 * nlsock_open() - a netlink (rtnetlink) socket in the thread's namespace
 * @out:	the socket; it acts there wherever the thread goes later
 *
 * Return: 0 or -errno.
 */
int nlsock_open(struct nlsock **out);

/**
 * nlsock_close() - close a socket; NULL is fine
 */
void nlsock_close(struct nlsock *s);

/**
 * nlsock_strerror() - @err in words, with the kernel's own if it gave
 * some for the last request on @s: "Invalid argument (Nexthop has
 * invalid gateway)"
 * @s:		the socket, or NULL
 * @buf, @len:	the output
 *
 * Return: @buf.
 */
const char *nlsock_strerror(const struct nlsock *s, int err, char *buf,
			    size_t len);

struct nlmsghdr;

/**
 * nlsock_send() - send one request built whole by the caller (nl_saved.c)
 * and wait for its ack
 * @s:		the socket
 * @h:		the request: its type, flags and body (the socket sets its
 *		sequence number and port, and asks for an ack)
 *
 * Return: 0 or -errno.
 */
int nlsock_send(struct nlsock *s, const struct nlmsghdr *h);

/**
 * nlsock_dump() - a dump, each message of the answer as the kernel sent it
 * @s:		the socket
 * @type:	the request (RTM_GETADDR, RTM_GETROUTE...)
 * @body, @len:	its body (an ifaddrmsg, an rtmsg...)
 * @fn:		called for each message; once it returns nonzero, it is
 *		called no more (the rest is read) and that is returned
 *
 * Return: 0, what @fn returned, -EAGAIN if the kernel's tables changed
 * during the dump (NLM_F_DUMP_INTR: ask again), or -errno.
 */
int nlsock_dump(struct nlsock *s, int type, const void *body, size_t len,
		int (*fn)(const struct nlmsghdr *h, void *arg), void *arg);

/* One end of a link being created or changed. */
struct link_req {
	const char *name;
	int ifindex;	    /* 0: the kernel picks (create) / by name (set) */
	uint32_t mtu;	    /* 0: leave */
	const uint8_t *mac; /* NULL: leave */
	uint32_t group;	    /* 0: leave */
	const char *alias;  /* NULL: leave */
	int master;	    /* 0: leave; -1: no master (release) */
	bool up;	    /* set it up (false: leave it as it is) */
	bool down;	    /* set it down */
	int ns_fd;	    /* create it (or a veth peer) in this namespace;
		      -1: the socket's own */
	int link;	    /* a kind with a parent: the parent's ifindex */
	uint32_t mode;	    /* its kind's mode, the kernel's value */
	uint32_t id;	    /* its kind's number (a vlan's id, a VNI) */
	uint32_t txqueues;  /* create it with so many tx queues; 0: the
			       kernel's default */
	const struct link_req *peer; /* a veth pair: the other end */

	/* A tunnel (vxlan): its ends, its underlay device's ifindex (0:
	 * none) */
	const struct tunnel_spec *tun;
	int lower;
};

struct link_info {
	int ifindex;
	char name[16];
	char kind[16];
	char alias[64];
	uint32_t group;
	uint32_t mtu;
	bool up;      /* administratively up */
	bool oper_up; /* operationally up: carrier, ready to pass packets */
	bool carrier; /* the lower layer is up (IFF_LOWER_UP): a veth's peer
			 is up, at once, whatever linkwatch has done yet */
	bool no_nd;   /* does no neighbour discovery (loopback, NOARP): its
			 IPv6 addresses join no solicited-node group */
	int master;
	uint8_t mac[6];
	/* A VXLAN: its VNI, ends (remote: its group or default
	 * destination), UDP port and underlay ifindex (in the namespace of
	 * its socket); all 0 for other kinds. */
	uint32_t vni;
	struct tunnel_spec tun;
	int lower;
};

/**
 * netlink_link_add() - make an interface (a veth: both ends) in one request
 * @s:		the socket of the namespace the request goes to
 * @kind:	the kernel's name of its kind ("veth", "macvlan"...)
 * @fill:	the kind's IFLA_INFO_DATA (its row in linkkind.c), or NULL
 * @r:		the interface (and r->peer, a veth's other end)
 *
 * Return: 0 or -errno (-EOPNOTSUPP: the kernel has no such kind; -EEXIST:
 * the name is taken; -EMSGSIZE: the request did not fit a message).
 */
int netlink_link_add(struct nlsock *s, const char *kind,
		     int (*fill)(struct nl_msg *msg, const struct link_req *r),
		     const struct link_req *r);

/*
 * The kinds' IFLA_INFO_DATA, for their rows in linkkind.c, each appended
 * to the IFLA_LINKINFO that netlink_link_add() opened in @msg.
 */

/**
 * nl_fill_veth() - a veth's peer (VETH_INFO_PEER): r->peer's ifindex,
 * name, mtu, mac, group, master, alias and namespace
 * @msg:	the request
 * @r:		the main end; nothing is added if r->peer is NULL
 *
 * The peer never comes up in this request (its own peer is not linked
 * yet when the kernel configures it): an op of its own brings it up.
 * Return: 0, or -1 if the message has no room.
 */
int nl_fill_veth(struct nl_msg *msg, const struct link_req *r);

/**
 * nl_fill_bridge() - a bridge's multicast settings at creation: without
 * BRIDGE_QUERIER in r->mode, snooping off until its ports have joined
 * (nl_fill_bridge_mode() switches it on); with it, snooping on and
 * queries of IGMPv3 and MLDv1 that ask for answers at once, three startup
 * queries a second apart
 * @msg:	the request
 * @r:		the bridge
 *
 * Return: 0, or -1 if the message has no room.
 */
int nl_fill_bridge(struct nl_msg *msg, const struct link_req *r);

/**
 * nl_fill_bridge_again() - what a bridge is changed to right after it is
 * made (before its ports join), and right after nl_fill_bridge_mode(): with
 * BRIDGE_QUERIER in r->mode, its ports' multicast querier, at once (the
 * kernel waits one response interval, which the request before made 0);
 * without, nothing
 * @msg:	the request
 * @r:		the bridge
 *
 * Return: 0, or -1 if the message has no room.
 */
int nl_fill_bridge_again(struct nl_msg *msg, const struct link_req *r);

/**
 * nl_fill_bridge_mode() - a bridge changed to r->mode, once its ports
 * have joined or when an edit finds it made: snooping on; with
 * BRIDGE_QUERIER, the queries of nl_fill_bridge() (nl_fill_bridge_again()
 * follows); without, the kernel's defaults, no querier
 * @msg:	the request
 * @r:		the bridge
 *
 * Return: 0, or -1 if the message has no room.
 */
int nl_fill_bridge_mode(struct nl_msg *msg, const struct link_req *r);

/**
 * nl_fill_macvlan() - a macvlan's mode (IFLA_MACVLAN_MODE): r->mode
 * @msg:	the request
 * @r:		the interface
 *
 * Return: 0, or -1 if the message has no room.
 */
int nl_fill_macvlan(struct nl_msg *msg, const struct link_req *r);

/**
 * nl_fill_ipvlan() - an ipvlan's mode (IFLA_IPVLAN_MODE): r->mode
 * @msg:	the request
 * @r:		the interface
 *
 * Return: 0, or -1 if the message has no room.
 */
int nl_fill_ipvlan(struct nl_msg *msg, const struct link_req *r);

/**
 * nl_fill_vlan() - a vlan's id (IFLA_VLAN_ID): r->id (802.1Q, the
 * kernel's default protocol)
 * @msg:	the request
 * @r:		the interface
 *
 * Return: 0, or -1 if the message has no room.
 */
int nl_fill_vlan(struct nl_msg *msg, const struct link_req *r);

/**
 * nl_fill_vxlan() - a VXLAN's VNI (IFLA_VXLAN_ID: r->id), and from r->tun
 * its remote (IFLA_VXLAN_GROUP or GROUP6), local address, UDP port, and
 * r->lower as its underlay device (IFLA_VXLAN_LINK)
 * @msg:	the request
 * @r:		the interface
 *
 * Learning stays the kernel's default (on).
 * Return: 0, or -1 if the message has no room.
 */
int nl_fill_vxlan(struct nl_msg *msg, const struct link_req *r);

/**
 * netlink_fdb_append() - flood a tunnel's unknown, broadcast and
 * multicast frames to one more underlay address too: an all-zero FDB
 * entry (RTM_NEWNEIGH, AF_BRIDGE, NTF_SELF, permanent) appended, as
 * `bridge fdb append 00:00:00:00:00:00 dst DST dev IF`
 * @s:		the socket of the tunnel's namespace
 * @ifindex:	the tunnel (a VXLAN)
 * @dst:	the underlay address, of the tunnel's family
 *
 * Appending an entry that is there already changes nothing.
 * Return: 0 or -errno.
 */
int netlink_fdb_append(struct nlsock *s, int ifindex, const struct prefix *dst);

/**
 * netlink_fdb_dump() - the FDB entries with an underlay destination of
 * every device of @s's namespace (a VXLAN's; `bridge fdb show`)
 * @s:		the socket of the namespace
 * @fn:		called for each: its device, MAC address and destination;
 *		a non-zero return stops the calls
 * @arg:	for @fn
 *
 * Return: 0, what @fn returned if not 0, or -errno if the dump failed.
 */
int netlink_fdb_dump(struct nlsock *s,
		     int (*fn)(int ifindex, const uint8_t mac[6],
			       const struct prefix *dst, void *arg),
		     void *arg);

/**
 * netlink_link_change() - change an existing interface's kind settings
 * (IFLA_INFO_DATA), as @fill writes them; nothing is sent if it writes none
 * @s:		the socket of its namespace
 * @kind:	the kernel's name of its kind
 * @fill:	the settings (a fill_again of linkkind.c)
 * @r:		the interface, by r->ifindex (or by r->name if that is 0)
 *
 * Return: 0 or -errno (-ENODEV: no such interface).
 */
int netlink_link_change(struct nlsock *s, const char *kind,
			int (*fill)(struct nl_msg *msg,
				    const struct link_req *r),
			const struct link_req *r);

/**
 * netlink_link_set() - change an existing interface
 * @s:		the socket of its namespace
 * @r:		the interface, by r->ifindex (or by r->name if that is 0),
 *		and what to change: r->mtu, r->mac, r->group, r->alias,
 *		r->master; r->up brings it up (false leaves it as it is:
 *		this never takes a link down)
 *
 * r->ns_fd, r->link, r->mode, r->id and r->peer are not looked at.
 * Return: 0 or -errno (-ENODEV: no such interface).
 */
int netlink_link_set(struct nlsock *s, const struct link_req *r);

/**
 * netlink_link_del() - delete an interface (a veth: both ends)
 * @s:		the socket of its namespace
 * @ifindex:	the interface
 *
 * Return: 0 or -errno (-ENODEV: no such interface).
 */
int netlink_link_del(struct nlsock *s, int ifindex);

/**
 * netlink_link_del_group() - delete every interface of group @group in
 * @s's namespace, in one request (one batch for the kernel)
 * @s:		the socket of the namespace
 * @group:	the group; not 0 (that would name no group but ifindex 0)
 *
 * Return: 0 or -errno.
 */
int netlink_link_del_group(struct nlsock *s, uint32_t group);

/**
 * netlink_link_get() - ask the kernel about interface @name
 * @s:		the socket of its namespace
 * @out:	what the kernel says of it
 *
 * Reading a link also makes the kernel apply its pending carrier changes
 * first (op_link.c relies on that).
 * Return: 0 or -errno (-ENODEV: no such interface).
 */
int netlink_link_get(struct nlsock *s, const char *name, struct link_info *out);

/**
 * netlink_link_sync() - read interface @ifindex (or, when 0, @name) back
 * @s:		the socket of its namespace
 * @ifindex:	its index, or 0
 * @name:	its name, when @ifindex is 0
 *
 * The answer is dropped: what counts is that a single-link RTM_GETLINK
 * makes the kernel handle the link's pending carrier event at once
 * (rtnl_getlink() calls linkwatch_sync_dev()), where linkwatch would
 * otherwise keep it queued.
 *
 * Return: 0, or -errno (-ENODEV: no such interface).
 */
int netlink_link_sync(struct nlsock *s, int ifindex, const char *name);

/**
 * netlink_link_dump() - every interface of @s's namespace
 * @s:		the socket of the namespace
 * @fn:		called for each, with @arg; a non-zero return stops the dump
 * @arg:	for @fn
 *
 * Return: 0, what @fn returned if not 0, or -errno if the dump failed.
 */
int netlink_link_dump(struct nlsock *s,
		      int (*fn)(const struct link_info *li, void *arg),
		      void *arg);
/* An address or a route as the kernel describes it (dumps, and adds
 * that must recreate one exactly). */
struct addr_info {
	int ifindex;
	struct prefix p;
	bool permanent; /* no lifetime (not from SLAAC or DHCP) */
	bool tentative; /* IPv6: duplicate address detection runs */
	bool dadfailed; /* IPv6: ...and found the address in use */
	unsigned flags; /* the kernel's, given back as they are */
	uint8_t scope;
	bool has_brd;
	uint8_t brd[4];
};

struct route_info {
	struct prefix to;
	bool has_via;
	struct prefix via;
	int oif;
	uint32_t metric, table;
	enum route_type rtype; /* RT__COUNT: a type files do not name */
	bool by_kernel;	       /* the kernel's own (connected, local) */
	bool by_ra;	       /* from a router advertisement */
	bool by_nstopo;	       /* made by nstopo (its own protocol) */
	uint8_t type, protocol,
		scope; /* the kernel's, given back as they are */
	unsigned flags;
	bool has_src; /* a preferred source (src) */
	struct prefix src;
};

/**
 * netlink_route_proto_name() - the name iproute2 gives a route's protocol
 * (rtm_protocol): "kernel", "boot", "ra", "bird", "nstopo" (nstopo's own)...
 * @proto:	the protocol, as route_info.protocol has it
 * @buf, @len:	where a number is written when it has no name
 *
 * Return: the name, or @buf.
 */
const char *netlink_route_proto_name(uint8_t proto, char *buf, size_t len);

/**
 * netlink_addr_dump() - every address of @s's namespace, both families
 * @s:		the socket of the namespace
 * @fn:		called for each, with @arg; a non-zero return stops the dump
 * @arg:	for @fn
 *
 * Return: 0, what @fn returned if not 0, or -errno if the dump failed.
 */
int netlink_addr_dump(struct nlsock *s,
		      int (*fn)(const struct addr_info *a, void *arg),
		      void *arg);

/**
 * netlink_route_dump() - every route of every table of @s's namespace,
 * both families
 * @s:		the socket of the namespace
 * @fn:		called for each, with @arg; a non-zero return stops the dump
 * @arg:	for @fn
 *
 * A route with several next hops is given with its first one.
 * Return: 0, what @fn returned if not 0, or -errno if the dump failed.
 */
int netlink_route_dump(struct nlsock *s,
		       int (*fn)(const struct route_info *r, void *arg),
		       void *arg);

/**
 * netlink_mcast6_dump() - the IPv6 multicast groups each interface of
 * @s's namespace has joined (RTM_GETMULTICAST)
 * @s:		the socket of the namespace
 * @fn:		called for each group of each interface, with @arg; a
 *		non-zero return stops the calls
 * @arg:	for @fn
 *
 * Return: 0, what @fn returned if not 0, or -errno if the dump failed.
 */
int netlink_mcast6_dump(struct nlsock *s,
			int (*fn)(int ifindex, const uint8_t group[16],
				  void *arg),
			void *arg);

/**
 * netlink_mdb6_dump() - the IPv6 groups the bridges of @s's namespace have
 * learnt, each with the port it was learnt on (RTM_GETMDB; a group the
 * bridge itself joined comes with the bridge's own index)
 * @s:		the socket of the namespace
 * @fn:		called for each entry, with @arg; a non-zero return stops
 *		the calls
 * @arg:	for @fn
 *
 * Return: 0, what @fn returned if not 0, or -errno if the dump failed.
 */
int netlink_mdb6_dump(struct nlsock *s,
		      int (*fn)(int port, const uint8_t group[16], void *arg),
		      void *arg);

/**
 * netlink_addr_add() - add address @p to an interface
 * @s:		the socket of its namespace
 * @ifindex:	the interface
 * @p:		the address and its prefix length; an IPv4 one shorter than
 *		/31 gets its broadcast address, as `ip addr add ... brd +`
 * @nodad:	usable at once, without duplicate address detection (IPv6)
 *
 * Return: 0 or -errno (-EEXIST: the interface has it already).
 */
int netlink_addr_add(struct nlsock *s, int ifindex, const struct prefix *p,
		     bool nodad);

/**
 * netlink_addr_renew() - give IPv6 address @p to an interface again
 * @s:		the socket of its namespace
 * @ifindex:	the interface, which has @p
 * @p:		the address and its prefix length (shorter than /128)
 * @nodad:	as for netlink_addr_add()
 *
 * The kernel makes the prefix route of an address given to a link that is
 * down when the link comes up, with an atomic allocation, and goes on
 * without it if that fails.  Given again (NLM_F_REPLACE), the address
 * keeps its flags, lifetimes and state, and the kernel makes a missing
 * prefix route anew (inet6_addr_modify()).
 * Return: 0 or -errno.
 */
int netlink_addr_renew(struct nlsock *s, int ifindex, const struct prefix *p,
		       bool nodad);

/* The IPv6 prefix routes of a namespace: table main, no gateway. */
struct prefix_route {
	int oif;
	struct prefix to;
};

struct prefix_routes {
	struct prefix_route *v;
	size_t n, cap;
	struct arena arena;
};

/**
 * netlink_prefix_routes() - read the IPv6 prefix routes of @s's namespace
 * into @pr (emptied first), one dump for any number of addresses
 * Return: 0 or -errno.
 */
int netlink_prefix_routes(struct nlsock *s, struct prefix_routes *pr);

/**
 * prefix_routes_have() - has interface @ifindex the prefix route of IPv6
 * address @addr (its subnet, @addr with its host bits cleared)?
 * Return: true if @pr holds it.
 */
bool prefix_routes_have(const struct prefix_routes *pr, int ifindex,
			const struct prefix *addr);

/**
 * prefix_routes_free() - free what @pr holds, leaving it empty
 * @pr:		what netlink_prefix_routes() filled, or a zeroed one
 */
void prefix_routes_free(struct prefix_routes *pr);

/**
 * netlink_addr_del() - remove address @p from an interface
 * @s:		the socket of its namespace
 * @ifindex:	the interface
 *
 * Return: 0 or -errno (-EADDRNOTAVAIL: the interface has no such
 * address).
 */
int netlink_addr_del(struct nlsock *s, int ifindex, const struct prefix *p);

/**
 * netlink_route_add() - add a route of the topology (nstopo's protocol)
 * @s:		the socket of its namespace
 * @r:		the route
 * @oif:	its interface's index, or 0: the kernel picks it from the
 *		gateway
 *
 * @replace:	a route with the same key (table, destination, metric) is
 *		replaced, whoever made it; else it makes the add fail
 *
 * Return: 0 or -errno (-EEXIST: a route to the same destination with
 * the same metric is there already, whatever its gateway).
 */
int netlink_route_add(struct nlsock *s, const struct route_spec *r, int oif,
		      bool replace);

/**
 * netlink_addr_add_info() - add an address exactly as a dump described
 * it: flags, scope and broadcast address as the kernel gave them
 * @s:		the socket of its namespace
 * @a:		the address, on interface a->ifindex
 *
 * Return: 0 or -errno (-EEXIST: the interface has it already).
 */
int netlink_addr_add_info(struct nlsock *s, const struct addr_info *a);

/**
 * netlink_addr_del_info() - remove an address a dump described
 * @s:		the socket of its namespace
 * @a:		the address, on interface a->ifindex
 *
 * Return: 0 or -errno (-EADDRNOTAVAIL: the interface has no such
 * address).
 */
int netlink_addr_del_info(struct nlsock *s, const struct addr_info *a);

/**
 * netlink_route_add_info() - add a route exactly as a dump described it
 * (type, protocol, scope, source and onlink as the kernel gave them)
 * @s:		the socket of its namespace
 * @r:		the route
 *
 * Not exclusive: -EEXIST means this very route is there, not merely one
 * to the same destination with the same metric.
 * Return: 0 or -errno.
 */
int netlink_route_add_info(struct nlsock *s, const struct route_info *r);

/**
 * netlink_route_del_info() - remove a route a dump described
 * @s:		the socket of its namespace
 * @r:		the route
 *
 * Return: 0 or -errno (-ESRCH: no such route).
 */
int netlink_route_del_info(struct nlsock *s, const struct route_info *r);

/**
 * netlink_qdisc_del_root() - remove an interface's root qdisc (and what
 * hangs under it)
 * @s:		the socket of its namespace
 * @ifindex:	the interface
 *
 * Return: 0 or -errno (-ENOENT or -EINVAL: it has none of its own).
 */
int netlink_qdisc_del_root(struct nlsock *s, int ifindex);

/**
 * netlink_qdisc_add() - impair an interface's egress: a root netem
 * (handle 1:, with a tbf under it for a rate) or a root tbf (10:)
 * @s:		the socket of its namespace
 * @ifindex:	the interface
 * @q:		what to add; neither netem nor a rate: nothing is added
 *
 * The tbf's bucket holds 10 ms of traffic (at least two full frames),
 * its queue 50 ms.  If the tbf under a netem fails, the netem stays.
 * Return: 0 or -errno (-ENOENT: the kernel has no netem, or no tbf).
 */
int netlink_qdisc_add(struct nlsock *s, int ifindex,
		      const struct qdisc_spec *q);

/**
 * netlink_route_del() - remove a route of the topology
 * @s:		the socket of its namespace
 * @r:		the route, as netlink_route_add() was given it
 * @oif:	as netlink_route_add() was given it
 * @any_protocol: also a route of another protocol than nstopo's (labs of
 *		earlier builds made theirs "static"); else the kernel takes
 *		no route of another protocol
 *
 * Return: 0 or -errno (-ESRCH: no such route).
 */
int netlink_route_del(struct nlsock *s, const struct route_spec *r, int oif,
		      bool any_protocol);

#endif
