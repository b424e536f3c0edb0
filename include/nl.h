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
	bool up;
	int ns_fd;     /* create it (or a veth peer) in this namespace;
		      -1: the socket's own */
	int link;      /* a kind with a parent: the parent's ifindex */
	uint32_t mode; /* its kind's mode, the kernel's value */
	uint32_t id;   /* its kind's number (a vlan's id) */
	const struct link_req *peer; /* a veth pair: the other end */
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
	int master;
	uint8_t mac[6];
};

/**
 * netlink_link_add() - make an interface (a veth: both ends) in one request
 * @s:		the socket of the namespace the request goes to
 * @kind:	the kernel's name of its kind ("veth", "macvlan"...)
 * @fill:	the kind's IFLA_INFO_DATA (its row in linkkind.c), or NULL
 * @r:		the interface (and r->peer, a veth's other end)
 *
 * Return: 0 or -errno (-EOPNOTSUPP: the kernel has no such kind).
 */
int netlink_link_add(struct nlsock *s, const char *kind,
		     int (*fill)(struct nl_msg *msg, const struct link_req *r),
		     const struct link_req *r);

/*
 * The kinds' IFLA_INFO_DATA, for their rows in linkkind.c: 0, or -1 if
 * the message has no room.
 */
int nl_fill_veth(struct nl_msg *msg, const struct link_req *r);
int nl_fill_macvlan(struct nl_msg *msg, const struct link_req *r);
int nl_fill_ipvlan(struct nl_msg *msg, const struct link_req *r);
int nl_fill_vlan(struct nl_msg *msg, const struct link_req *r);
int netlink_link_set(struct nlsock *s, const struct link_req *r);
int netlink_link_del(struct nlsock *s, int ifindex);
int netlink_link_del_group(struct nlsock *s, uint32_t group);
int netlink_link_get(struct nlsock *s, const char *name, struct link_info *out);
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
	uint8_t type, protocol,
		scope; /* the kernel's, given back as they are */
	unsigned flags;
	bool has_src; /* a preferred source (src) */
	struct prefix src;
};

int netlink_addr_dump(struct nlsock *s,
		      int (*fn)(const struct addr_info *a, void *arg),
		      void *arg);
/* Every route of every table, both families. */
int netlink_route_dump(struct nlsock *s,
		       int (*fn)(const struct route_info *r, void *arg),
		       void *arg);
/* @nodad: usable at once, without duplicate address detection (IPv6). */
/* The IPv6 multicast groups each interface has joined (RTM_GETMULTICAST). */
int netlink_mcast6_dump(struct nlsock *s,
			int (*fn)(int ifindex, const uint8_t group[16],
				  void *arg),
			void *arg);
int netlink_addr_add(struct nlsock *s, int ifindex, const struct prefix *p,
		     bool nodad);
int netlink_addr_del(struct nlsock *s, int ifindex, const struct prefix *p);
int netlink_route_add(struct nlsock *s, const struct route_spec *r, int oif);
int netlink_addr_add_info(struct nlsock *s, const struct addr_info *a);
int netlink_addr_del_info(struct nlsock *s, const struct addr_info *a);
int netlink_route_add_info(struct nlsock *s, const struct route_info *r);
int netlink_route_del_info(struct nlsock *s, const struct route_info *r);
/* A root netem (with a tbf under it for a rate) or a root tbf. */
int netlink_qdisc_add(struct nlsock *s, int ifindex,
		      const struct qdisc_spec *q);
int netlink_route_del(struct nlsock *s, const struct route_spec *r, int oif);

#endif
