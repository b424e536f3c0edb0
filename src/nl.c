// SPDX-License-Identifier: MIT
/*
 * nl.c - rtnetlink through libnl: sockets and links (nl_route.c has
 * addresses and routes).
 *
 * Theory of operation: each namespace gets one libnl socket, opened while
 * the process is inside that namespace, so every request on it acts there
 * whatever namespace the process is in later.  Requests are built with
 * libnl's message API (nlmsg/nla), which lets one RTM_NEWLINK carry a
 * whole veth pair: both names, the peer's namespace, chosen ifindexes,
 * group, master and up.  Every request asks for an ack; a failure comes
 * back as the kernel's errno plus, with NETLINK_EXT_ACK, its own words,
 * which the error callback keeps for the message the user sees.
 */
#include <errno.h>
#include <string.h>
#include <linux/if.h>
#include <linux/if_link.h>
#include <linux/neighbour.h>
#include <linux/rtnetlink.h>
#include <linux/veth.h>
#include <netlink/attr.h>
#include <netlink/msg.h>
#include <netlink/route/link.h>
#include <netlink/route/link/vxlan.h>
#include <netlink/route/qdisc.h>
#include <netlink/route/qdisc/netem.h>
#include <netlink/route/qdisc/tbf.h>
#include <netlink/route/tc.h>

#include "linkkind.h"
#include "nl.h"
#include "nl_priv.h"

/* libnl's -NLE_* codes, back to the errno the kernel gave. */
int nl_errno_of(int nle)
{
	static const struct {
		int nle, err;
	} map[] = {
		{ NLE_AGAIN, EAGAIN },
		{ NLE_NOMEM, ENOMEM },
		{ NLE_EXIST, EEXIST },
		{ NLE_INVAL, EINVAL },
		{ NLE_RANGE, ERANGE },
		{ NLE_MSGSIZE, EMSGSIZE },
		{ NLE_OPNOTSUPP, EOPNOTSUPP },
		{ NLE_AF_NOSUPPORT, EAFNOSUPPORT },
		{ NLE_OBJ_NOTFOUND, ENOENT },
		{ NLE_NOATTR, ENOENT },
		{ NLE_NOADDR, EADDRNOTAVAIL },
		{ NLE_BUSY, EBUSY },
		{ NLE_PERM, EPERM },
		{ NLE_NOACCESS, EACCES },
		{ NLE_NODEV, ENODEV },
		{ NLE_BAD_SOCK, EBADF },
		{ NLE_PROTO_MISMATCH, EPROTONOSUPPORT },
		{ NLE_INTR, EINTR },
		{ NLE_MSG_TRUNC, EMSGSIZE },
	};

	if (nle < 0)
		nle = -nle;
	for (size_t i = 0; i < ARRAY_SIZE(map); i++)
		if (map[i].nle == nle)
			return map[i].err;
	return EIO;
}

static int on_error(struct sockaddr_nl *nla, struct nlmsgerr *e, void *arg)
{
	struct nlsock *s = arg;
	struct nlmsghdr *h = (struct nlmsghdr *)((char *)e - NLMSG_HDRLEN);
	struct nlattr *tb[NLMSGERR_ATTR_MAX + 1];

	(void)nla;
	s->err = -e->error;
	s->ext[0] = '\0';
	if (h->nlmsg_flags & NLM_F_ACK_TLVS) {
		size_t off = sizeof(*e);
		int len;

		if (!(h->nlmsg_flags & NLM_F_CAPPED))
			off += e->msg.nlmsg_len - NLMSG_HDRLEN;
		len = (int)(h->nlmsg_len - NLMSG_HDRLEN - off);
		if (len > 0 &&
		    !nla_parse(tb, NLMSGERR_ATTR_MAX,
			       (struct nlattr *)((char *)e + off), len, NULL) &&
		    tb[NLMSGERR_ATTR_MSG])
			snprintf(s->ext, sizeof(s->ext), "%s",
				 (const char *)nla_data(tb[NLMSGERR_ATTR_MSG]));
	}
	return NL_STOP;
}

int nlsock_open(struct nlsock **out)
{
	struct nlsock *s = xcalloc(1, sizeof(*s));
	int one = 1, rc, fd;

	s->sk = nl_socket_alloc();
	if (!s->sk) {
		free(s);
		return -ENOMEM;
	}
	rc = nl_connect(s->sk, NETLINK_ROUTE);
	if (rc < 0) {
		nl_socket_free(s->sk);
		free(s);
		return -nl_errno_of(rc);
	}
	fd = nl_socket_get_fd(s->sk);
	/* Best effort: old kernels lack them and we only lose the text. */
	setsockopt(fd, SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(one));
	setsockopt(fd, SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof(one));
	nl_socket_modify_err_cb(s->sk, NL_CB_CUSTOM, on_error, s);
	*out = s;
	return 0;
}

void nlsock_close(struct nlsock *s)
{
	if (!s)
		return;
	nl_socket_free(s->sk);
	free(s);
}

const char *nlsock_strerror(const struct nlsock *s, int err, char *buf,
			    size_t len)
{
	if (err < 0)
		err = -err;
	if (s && s->err == err && s->ext[0])
		snprintf(buf, len, "%s (%s)", strerror(err), s->ext);
	else
		snprintf(buf, len, "%s", strerror(err));
	return buf;
}

int nl_request(struct nlsock *s, struct nl_msg *msg)
{
	int rc;

	s->err = 0;
	s->ext[0] = '\0';
	rc = nl_send_auto(s->sk, msg);
	nlmsg_free(msg);
	/* An acknowledgement is small (NETLINK_CAP_ACK: without the
	 * request): one recvmsg() reads it, where libnl's default peeks
	 * first to size its buffer, two system calls per request.  Dumps,
	 * whose messages may be large, keep peeking. */
	nl_socket_disable_msg_peek(s->sk);
	if (rc >= 0)
		rc = nl_wait_for_ack(s->sk);
	nl_socket_enable_msg_peek(s->sk);
	if (rc >= 0)
		return 0;
	return s->err ? -s->err : -nl_errno_of(rc);
}

int nlsock_send(struct nlsock *s, const struct nlmsghdr *h)
{
	size_t len = h->nlmsg_len - NLMSG_HDRLEN;
	struct nl_msg *msg = nlmsg_alloc_size(NLMSG_HDRLEN + NLMSG_ALIGN(len));

	if (!msg)
		return -ENOMEM;
	if (!nlmsg_put(msg, NL_AUTO_PORT, NL_AUTO_SEQ, h->nlmsg_type, 0,
		       h->nlmsg_flags) ||
	    nlmsg_append(msg, NLMSG_DATA(h), len, NLMSG_ALIGNTO) < 0) {
		nlmsg_free(msg);
		return -EMSGSIZE;
	}
	return nl_request(s, msg);
}

struct raw_dump {
	int (*fn)(const struct nlmsghdr *h, void *arg);
	void *arg;
	int rc;
};

static int raw_one(struct nl_msg *msg, void *arg)
{
	struct raw_dump *d = arg;

	if (!d->rc)
		d->rc = d->fn(nlmsg_hdr(msg), d->arg);
	return NL_OK;
}

int nlsock_dump(struct nlsock *s, int type, const void *body, size_t len,
		int (*fn)(const struct nlmsghdr *h, void *arg), void *arg)
{
	struct raw_dump d = { .fn = fn, .arg = arg };
	struct nl_cb *own, *cb;
	int rc;

	s->err = 0;
	rc = nl_send_simple(s->sk, type, NLM_F_DUMP, (void *)body, len);
	if (rc < 0)
		return -nl_errno_of(rc);
	own = nl_socket_get_cb(s->sk);
	cb = nl_cb_clone(own);
	nl_cb_put(own);
	if (!cb)
		return -ENOMEM;
	nl_cb_set(cb, NL_CB_VALID, NL_CB_CUSTOM, raw_one, &d);
	rc = nl_recvmsgs(s->sk, cb);
	nl_cb_put(cb);
	if (rc == -NLE_DUMP_INTR)
		return -EAGAIN;
	if (rc < 0)
		return s->err ? -s->err : -nl_errno_of(rc);
	return d.rc;
}

/* The attributes of one interface, shared by the main end and a peer. */
static int put_link_attrs(struct nl_msg *msg, const struct link_req *r)
{
	if (r->name && nla_put_string(msg, IFLA_IFNAME, r->name) < 0)
		return -1;
	if (r->mtu && nla_put_u32(msg, IFLA_MTU, r->mtu) < 0)
		return -1;
	if (r->mac && nla_put(msg, IFLA_ADDRESS, 6, r->mac) < 0)
		return -1;
	if (r->group && nla_put_u32(msg, IFLA_GROUP, r->group) < 0)
		return -1;
	if (r->master &&
	    nla_put_u32(msg, IFLA_MASTER,
			r->master > 0 ? (uint32_t)r->master : 0) < 0)
		return -1;
	if (r->alias && nla_put_string(msg, IFLA_IFALIAS, r->alias) < 0)
		return -1;
	if (r->ns_fd >= 0 &&
	    nla_put_u32(msg, IFLA_NET_NS_FD, (uint32_t)r->ns_fd) < 0)
		return -1;
	if (r->link && nla_put_u32(msg, IFLA_LINK, (uint32_t)r->link) < 0)
		return -1;
	if (r->txqueues &&
	    nla_put_u32(msg, IFLA_NUM_TX_QUEUES, r->txqueues) < 0)
		return -1;
	return 0;
}

static struct ifinfomsg ifinfo(const struct link_req *r)
{
	return (struct ifinfomsg){
		.ifi_family = AF_UNSPEC,
		.ifi_index = r->ifindex,
		.ifi_flags = r->up ? IFF_UP : 0,
		.ifi_change = r->up || r->down ? IFF_UP : 0,
	};
}

int netlink_link_add(struct nlsock *s, const char *kind,
		     int (*fill)(struct nl_msg *msg, const struct link_req *r),
		     const struct link_req *r)
{
	struct nl_msg *msg =
		nlmsg_alloc_simple(RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL);
	struct ifinfomsg ifi = ifinfo(r);
	struct nlattr *info;

	if (!msg)
		return -ENOMEM;
	if (nlmsg_append(msg, &ifi, sizeof(ifi), NLMSG_ALIGNTO) < 0 ||
	    put_link_attrs(msg, r) < 0 ||
	    !(info = nla_nest_start(msg, IFLA_LINKINFO)) ||
	    nla_put_string(msg, IFLA_INFO_KIND, kind) < 0 ||
	    (fill && fill(msg, r) < 0)) {
		nlmsg_free(msg);
		return -EMSGSIZE;
	}
	nla_nest_end(msg, info);
	return nl_request(s, msg);
}

int netlink_link_change(struct nlsock *s, const char *kind,
			int (*fill)(struct nl_msg *msg,
				    const struct link_req *r),
			const struct link_req *r)
{
	struct nl_msg *msg = nlmsg_alloc_simple(RTM_NEWLINK, 0);
	struct ifinfomsg ifi = { .ifi_family = AF_UNSPEC,
				 .ifi_index = r->ifindex };
	struct nlattr *info;
	size_t empty;

	if (!msg)
		return -ENOMEM;
	if (nlmsg_append(msg, &ifi, sizeof(ifi), NLMSG_ALIGNTO) < 0 ||
	    (!r->ifindex && nla_put_string(msg, IFLA_IFNAME, r->name) < 0) ||
	    !(info = nla_nest_start(msg, IFLA_LINKINFO)) ||
	    nla_put_string(msg, IFLA_INFO_KIND, kind) < 0) {
		nlmsg_free(msg);
		return -EMSGSIZE;
	}
	empty = nlmsg_hdr(msg)->nlmsg_len;
	if (fill(msg, r) < 0) {
		nlmsg_free(msg);
		return -EMSGSIZE;
	}
	if (nlmsg_hdr(msg)->nlmsg_len == empty) {
		nlmsg_free(msg); /* nothing to change */
		return 0;
	}
	nla_nest_end(msg, info);
	return nl_request(s, msg);
}

/* The kinds' IFLA_INFO_DATA (their rows in linkkind.c). */

int nl_fill_veth(struct nl_msg *msg, const struct link_req *r)
{
	struct ifinfomsg pifi;
	struct nlattr *data, *p;

	if (!r->peer)
		return 0;
	/* The peer cannot come up in this request: its own peer is not
	 * linked yet when the kernel configures it. */
	pifi = ifinfo(r->peer);
	pifi.ifi_flags = pifi.ifi_change = 0;
	if (!(data = nla_nest_start(msg, IFLA_INFO_DATA)) ||
	    !(p = nla_nest_start(msg, VETH_INFO_PEER)) ||
	    nlmsg_append(msg, &pifi, sizeof(pifi), NLMSG_ALIGNTO) < 0 ||
	    put_link_attrs(msg, r->peer) < 0)
		return -1;
	nla_nest_end(msg, p);
	nla_nest_end(msg, data);
	return 0;
}

int nl_fill_macvlan(struct nl_msg *msg, const struct link_req *r)
{
	struct nlattr *data = nla_nest_start(msg, IFLA_INFO_DATA);

	if (!data || nla_put_u32(msg, IFLA_MACVLAN_MODE, r->mode) < 0)
		return -1;
	nla_nest_end(msg, data);
	return 0;
}

int nl_fill_ipvlan(struct nl_msg *msg, const struct link_req *r)
{
	struct nlattr *data = nla_nest_start(msg, IFLA_INFO_DATA);

	if (!data || nla_put_u16(msg, IFLA_IPVLAN_MODE, (uint16_t)r->mode) < 0)
		return -1;
	nla_nest_end(msg, data);
	return 0;
}

int nl_fill_vlan(struct nl_msg *msg, const struct link_req *r)
{
	struct nlattr *data = nla_nest_start(msg, IFLA_INFO_DATA);

	if (!data || nla_put_u16(msg, IFLA_VLAN_ID, (uint16_t)r->id) < 0)
		return -1;
	nla_nest_end(msg, data);
	return 0;
}

/* An address of a tunnel's end, in the attribute of its family. */
static int put_tun_addr(struct nl_msg *msg, int attr4, int attr6,
			const struct prefix *p)
{
	if (!p->family)
		return 0;
	if (p->family == AF_INET)
		return nla_put(msg, attr4, 4, p->bytes);
	return nla_put(msg, attr6, 16, p->bytes);
}

int nl_fill_vxlan(struct nl_msg *msg, const struct link_req *r)
{
	struct nlattr *data = nla_nest_start(msg, IFLA_INFO_DATA);
	const struct tunnel_spec *t = r->tun;

	if (!data || nla_put_u32(msg, IFLA_VXLAN_ID, r->id) < 0)
		return -1;
	if (t && (put_tun_addr(msg, IFLA_VXLAN_GROUP, IFLA_VXLAN_GROUP6,
			       &t->remote) < 0 ||
		  put_tun_addr(msg, IFLA_VXLAN_LOCAL, IFLA_VXLAN_LOCAL6,
			       &t->local) < 0 ||
		  (t->port && nla_put_u16(msg, IFLA_VXLAN_PORT,
					  htons((uint16_t)t->port)) < 0)))
		return -1;
	if (r->lower &&
	    nla_put_u32(msg, IFLA_VXLAN_LINK, (uint32_t)r->lower) < 0)
		return -1;
	nla_nest_end(msg, data);
	return 0;
}

int netlink_link_set(struct nlsock *s, const struct link_req *r)
{
	/* RTM_NEWLINK without NLM_F_CREATE changes an existing link, found
	 * by ifindex, or by name when the ifindex is 0. */
	struct nl_msg *msg = nlmsg_alloc_simple(RTM_NEWLINK, 0);
	struct ifinfomsg ifi = ifinfo(r);

	if (!msg)
		return -ENOMEM;
	if (nlmsg_append(msg, &ifi, sizeof(ifi), NLMSG_ALIGNTO) < 0 ||
	    put_link_attrs(msg, &(struct link_req){
					.name = r->ifindex ? NULL : r->name,
					.mtu = r->mtu,
					.mac = r->mac,
					.group = r->group,
					.alias = r->alias,
					.master = r->master,
					.ns_fd = -1,
				}) < 0) {
		nlmsg_free(msg);
		return -EMSGSIZE;
	}
	return nl_request(s, msg);
}

static int link_del(struct nlsock *s, int ifindex, uint32_t group)
{
	struct nl_msg *msg = nlmsg_alloc_simple(RTM_DELLINK, 0);
	struct ifinfomsg ifi = { .ifi_family = AF_UNSPEC,
				 .ifi_index = ifindex };

	if (!msg)
		return -ENOMEM;
	if (nlmsg_append(msg, &ifi, sizeof(ifi), NLMSG_ALIGNTO) < 0 ||
	    (group && nla_put_u32(msg, IFLA_GROUP, group) < 0)) {
		nlmsg_free(msg);
		return -EMSGSIZE;
	}
	return nl_request(s, msg);
}

int netlink_link_del(struct nlsock *s, int ifindex)
{
	return link_del(s, ifindex, 0);
}

/* Every link of a group in one request: one batch for the kernel. */
int netlink_link_del_group(struct nlsock *s, uint32_t group)
{
	return link_del(s, 0, group);
}

/* What libnl parsed of a VXLAN's IFLA_INFO_DATA. */
static void vxlan_info_from(struct rtnl_link *l, struct link_info *li)
{
	struct nl_addr *a = NULL;
	uint32_t u;

	if (!rtnl_link_vxlan_get_id(l, &u))
		li->vni = u;
	if (!rtnl_link_vxlan_get_group(l, &a)) {
		nl_prefix_from(a, &li->tun.remote);
		nl_addr_put(a);
	}
	a = NULL;
	if (!rtnl_link_vxlan_get_local(l, &a)) {
		nl_prefix_from(a, &li->tun.local);
		nl_addr_put(a);
	}
	if (li->tun.remote.family)
		li->tun.remote.plen =
			li->tun.remote.family == AF_INET ? 32 : 128;
	if (li->tun.local.family)
		li->tun.local.plen = li->tun.local.family == AF_INET ? 32 : 128;
	if (!rtnl_link_vxlan_get_port(l, &u))
		li->tun.port = u;
	if (!rtnl_link_vxlan_get_link(l, &u))
		li->lower = (int)u;
}

static void link_info_from(struct rtnl_link *l, struct link_info *li)
{
	struct nl_addr *a = rtnl_link_get_addr(l);
	const char *kind = rtnl_link_get_type(l);
	const char *alias = rtnl_link_get_ifalias(l);

	memset(li, 0, sizeof(*li));
	li->ifindex = rtnl_link_get_ifindex(l);
	snprintf(li->name, sizeof(li->name), "%s", rtnl_link_get_name(l));
	snprintf(li->kind, sizeof(li->kind), "%s", kind ? kind : "");
	snprintf(li->alias, sizeof(li->alias), "%s", alias ? alias : "");
	li->group = rtnl_link_get_group(l);
	li->mtu = rtnl_link_get_mtu(l);
	li->up = rtnl_link_get_flags(l) & IFF_UP;
	li->master = rtnl_link_get_master(l);
	li->oper_up = rtnl_link_get_operstate(l) == IF_OPER_UP;
	li->carrier = rtnl_link_get_flags(l) & IFF_LOWER_UP;
	li->no_nd = rtnl_link_get_flags(l) & (IFF_LOOPBACK | IFF_NOARP);
	if (a && nl_addr_get_len(a) == 6)
		memcpy(li->mac, nl_addr_get_binary_addr(a), 6);
	if (rtnl_link_is_vxlan(l))
		vxlan_info_from(l, li);
}

int netlink_link_get(struct nlsock *s, const char *name, struct link_info *out)
{
	struct rtnl_link *l = NULL;
	int rc;

	s->err = 0;
	rc = rtnl_link_get_kernel(s->sk, 0, name, &l);
	if (rc < 0)
		return s->err ? -s->err : -nl_errno_of(rc);
	link_info_from(l, out);
	rtnl_link_put(l);
	return 0;
}

int netlink_link_sync(struct nlsock *s, int ifindex, const char *name)
{
	struct nl_msg *msg = nlmsg_alloc_simple(RTM_GETLINK, 0);
	struct ifinfomsg ifi = { .ifi_family = AF_UNSPEC,
				 .ifi_index = ifindex };
	int rc;

	if (!msg)
		return -ENOMEM;
	/* Only the link's basics in the answer: no statistics, no VFs. */
	if (nlmsg_append(msg, &ifi, sizeof(ifi), NLMSG_ALIGNTO) < 0 ||
	    (!ifindex && nla_put_string(msg, IFLA_IFNAME, name) < 0) ||
	    nla_put_u32(msg, IFLA_EXT_MASK, RTEXT_FILTER_SKIP_STATS) < 0) {
		nlmsg_free(msg);
		return -EMSGSIZE;
	}
	s->err = 0;
	s->ext[0] = '\0';
	rc = nl_send_auto(s->sk, msg);
	nlmsg_free(msg);
	/* The answer is the link, then the acknowledgement (which libnl's
	 * sequence check counts on), or an error alone: two reads. */
	if (rc >= 0)
		rc = nl_recvmsgs_default(s->sk);
	/* The acknowledgement is small: one recvmsg() (see nl_request()). */
	nl_socket_disable_msg_peek(s->sk);
	if (rc >= 0 && !s->err)
		rc = nl_wait_for_ack(s->sk);
	nl_socket_enable_msg_peek(s->sk);
	if (s->err)
		return -s->err;
	return rc < 0 ? -nl_errno_of(rc) : 0;
}

struct dump_ctx {
	int (*fn)(const struct link_info *li, void *arg);
	void *arg;
	int rc;
};

static void dump_one(struct nl_object *o, void *arg)
{
	struct dump_ctx *c = arg;
	struct link_info li;

	if (c->rc)
		return;
	link_info_from((struct rtnl_link *)o, &li);
	c->rc = c->fn(&li, c->arg);
}

int netlink_link_dump(struct nlsock *s,
		      int (*fn)(const struct link_info *li, void *arg),
		      void *arg)
{
	struct dump_ctx c = { .fn = fn, .arg = arg };
	struct nl_cache *cache;
	int rc;

	s->err = 0;
	rc = rtnl_link_alloc_cache(s->sk, AF_UNSPEC, &cache);
	if (rc < 0)
		return s->err ? -s->err : -nl_errno_of(rc);
	nl_cache_foreach(cache, dump_one, &c);
	nl_cache_free(cache);
	return c.rc;
}

/* Probabilities: the kernel's netem scales 100% to UINT32_MAX. */
static int netem_prob(uint32_t ppm)
{
	return (int)(uint32_t)((double)ppm / 1e6 * UINT32_MAX);
}

static int qdisc_add(struct nlsock *s, struct rtnl_qdisc *q)
{
	int rc;

	s->err = 0;
	rc = rtnl_qdisc_add(s->sk, q, NLM_F_CREATE | NLM_F_EXCL);
	rtnl_qdisc_put(q);
	if (rc >= 0)
		return 0;
	return s->err ? -s->err : -nl_errno_of(rc);
}

int netlink_qdisc_del_root(struct nlsock *s, int ifindex)
{
	struct rtnl_qdisc *qd = rtnl_qdisc_alloc();
	int rc;

	if (!qd)
		return -ENOMEM;
	rtnl_tc_set_ifindex(TC_CAST(qd), ifindex);
	rtnl_tc_set_parent(TC_CAST(qd), TC_H_ROOT);
	s->err = 0;
	rc = rtnl_qdisc_delete(s->sk, qd);
	rtnl_qdisc_put(qd);
	if (rc >= 0)
		return 0;
	return s->err ? -s->err : -nl_errno_of(rc);
}

int netlink_qdisc_add(struct nlsock *s, int ifindex, const struct qdisc_spec *q)
{
	struct rtnl_qdisc *qd;
	uint32_t parent = TC_H_ROOT;
	int rc;

	if (q->netem) {
		qd = rtnl_qdisc_alloc();
		if (!qd)
			return -ENOMEM;
		rtnl_tc_set_ifindex(TC_CAST(qd), ifindex);
		rtnl_tc_set_parent(TC_CAST(qd), TC_H_ROOT);
		rtnl_tc_set_handle(TC_CAST(qd), TC_HANDLE(1, 0));
		rc = rtnl_tc_set_kind(TC_CAST(qd), "netem");
		if (rc < 0) {
			rtnl_qdisc_put(qd);
			return -nl_errno_of(rc);
		}
		rtnl_netem_set_limit(qd, 1000); /* 0 would drop everything */
		if (q->delay_us)
			rtnl_netem_set_delay(qd, (int)q->delay_us);
		if (q->jitter_us)
			rtnl_netem_set_jitter(qd, (int)q->jitter_us);
		if (q->loss_ppm)
			rtnl_netem_set_loss(qd, netem_prob(q->loss_ppm));
		if (q->duplicate_ppm)
			rtnl_netem_set_duplicate(qd,
						 netem_prob(q->duplicate_ppm));
		if (q->reorder_ppm)
			rtnl_netem_set_reorder_probability(
				qd, netem_prob(q->reorder_ppm));
		if (q->corrupt_ppm)
			rtnl_netem_set_corruption_probability(
				qd, netem_prob(q->corrupt_ppm));
		rc = qdisc_add(s, qd);
		if (rc)
			return rc;
		parent = TC_HANDLE(1, 1); /* netem's one class */
	}
	if (!q->rate)
		return 0;
	qd = rtnl_qdisc_alloc();
	if (!qd)
		return -ENOMEM;
	rtnl_tc_set_ifindex(TC_CAST(qd), ifindex);
	rtnl_tc_set_parent(TC_CAST(qd), parent);
	rtnl_tc_set_handle(TC_CAST(qd), TC_HANDLE(10, 0));
	rc = rtnl_tc_set_kind(TC_CAST(qd), "tbf");
	if (rc < 0) {
		rtnl_qdisc_put(qd);
		return -nl_errno_of(rc);
	}
	/* A bucket of 10 ms of traffic (at least two full frames), and a
	 * queue of 50 ms: what tc users usually pick. */
	rtnl_qdisc_tbf_set_rate(
		qd, (int)q->rate,
		(int)(q->rate / 100 > 3028 ? q->rate / 100 : 3028), 8);
	rc = rtnl_qdisc_tbf_set_limit_by_latency(qd, 50000);
	if (rc < 0) {
		rtnl_qdisc_put(qd);
		return -nl_errno_of(rc);
	}
	return qdisc_add(s, qd);
}

/* Dumps, for status: libnl's caches parse them. */

void nl_prefix_from(struct nl_addr *a, struct prefix *p)
{
	unsigned len = a ? nl_addr_get_len(a) : 0;

	memset(p, 0, sizeof(*p));
	if (!a || (len != 4 && len != 16))
		return;
	p->family = (uint8_t)nl_addr_get_family(a);
	p->plen = (uint8_t)nl_addr_get_prefixlen(a);
	memcpy(p->bytes, nl_addr_get_binary_addr(a), len);
}

struct mcast_ctx {
	int (*fn)(int ifindex, const uint8_t group[16], void *arg);
	void *arg;
	int rc;
};

static int mcast_one(struct nl_msg *msg, void *arg)
{
	struct mcast_ctx *c = arg;
	struct nlmsghdr *h = nlmsg_hdr(msg);
	struct ifaddrmsg *ifa = nlmsg_data(h);
	struct nlattr *tb[IFA_MAX + 1];

	if (c->rc || nlmsg_parse(h, sizeof(*ifa), tb, IFA_MAX, NULL) < 0 ||
	    !tb[IFA_MULTICAST] || nla_len(tb[IFA_MULTICAST]) != 16)
		return NL_OK;
	c->rc = c->fn((int)ifa->ifa_index, nla_data(tb[IFA_MULTICAST]), c->arg);
	return NL_OK;
}

int netlink_mcast6_dump(struct nlsock *s,
			int (*fn)(int ifindex, const uint8_t group[16],
				  void *arg),
			void *arg)
{
	struct ifaddrmsg ifa = { .ifa_family = AF_INET6 };
	struct mcast_ctx c = { .fn = fn, .arg = arg };
	struct nl_cb *own, *cb;
	int rc;

	s->err = 0;
	rc = nl_send_simple(s->sk, RTM_GETMULTICAST, NLM_F_DUMP, &ifa,
			    sizeof(ifa));
	if (rc < 0)
		return -nl_errno_of(rc);
	/* nl_socket_get_cb() takes a reference: drop it once cloned. */
	own = nl_socket_get_cb(s->sk);
	cb = nl_cb_clone(own);
	nl_cb_put(own);
	if (!cb)
		return -ENOMEM;
	nl_cb_set(cb, NL_CB_VALID, NL_CB_CUSTOM, mcast_one, &c);
	rc = nl_recvmsgs(s->sk, cb);
	nl_cb_put(cb);
	if (rc < 0)
		return s->err ? -s->err : -nl_errno_of(rc);
	return c.rc;
}

/* Forwarding entries of tunnels (head-end replication). */

int netlink_fdb_append(struct nlsock *s, int ifindex, const struct prefix *dst)
{
	struct nl_msg *msg =
		nlmsg_alloc_simple(RTM_NEWNEIGH, NLM_F_CREATE | NLM_F_APPEND);
	struct ndmsg nd = {
		.ndm_family = AF_BRIDGE,
		.ndm_ifindex = ifindex,
		.ndm_state = NUD_NOARP | NUD_PERMANENT,
		.ndm_flags = NTF_SELF,
	};
	static const uint8_t zero[6];

	if (!msg)
		return -ENOMEM;
	if (nlmsg_append(msg, &nd, sizeof(nd), NLMSG_ALIGNTO) < 0 ||
	    nla_put(msg, NDA_LLADDR, 6, zero) < 0 ||
	    nla_put(msg, NDA_DST, dst->family == AF_INET ? 4 : 16, dst->bytes) <
		    0) {
		nlmsg_free(msg);
		return -EMSGSIZE;
	}
	return nl_request(s, msg);
}

struct fdb_ctx {
	int (*fn)(int ifindex, const uint8_t mac[6], const struct prefix *dst,
		  void *arg);
	void *arg;
	int rc;
};

static int fdb_one(struct nl_msg *msg, void *arg)
{
	struct fdb_ctx *c = arg;
	struct nlmsghdr *h = nlmsg_hdr(msg);
	struct ndmsg *nd = nlmsg_data(h);
	struct nlattr *tb[NDA_MAX + 1];
	struct prefix dst = { 0 };
	int len;

	if (c->rc || h->nlmsg_type != RTM_NEWNEIGH ||
	    nlmsg_parse(h, sizeof(*nd), tb, NDA_MAX, NULL) < 0 ||
	    !tb[NDA_LLADDR] || nla_len(tb[NDA_LLADDR]) != 6 || !tb[NDA_DST])
		return NL_OK;
	len = nla_len(tb[NDA_DST]);
	if (len != 4 && len != 16)
		return NL_OK;
	dst.family = len == 4 ? AF_INET : AF_INET6;
	dst.plen = (uint8_t)(len * 8);
	memcpy(dst.bytes, nla_data(tb[NDA_DST]), (size_t)len);
	c->rc = c->fn(nd->ndm_ifindex, nla_data(tb[NDA_LLADDR]), &dst, c->arg);
	return NL_OK;
}

int netlink_fdb_dump(struct nlsock *s,
		     int (*fn)(int ifindex, const uint8_t mac[6],
			       const struct prefix *dst, void *arg),
		     void *arg)
{
	struct ndmsg nd = { .ndm_family = AF_BRIDGE };
	struct fdb_ctx c = { .fn = fn, .arg = arg };
	struct nl_cb *own, *cb;
	int rc;

	s->err = 0;
	rc = nl_send_simple(s->sk, RTM_GETNEIGH, NLM_F_DUMP, &nd, sizeof(nd));
	if (rc < 0)
		return -nl_errno_of(rc);
	own = nl_socket_get_cb(s->sk);
	cb = nl_cb_clone(own);
	nl_cb_put(own);
	if (!cb)
		return -ENOMEM;
	nl_cb_set(cb, NL_CB_VALID, NL_CB_CUSTOM, fdb_one, &c);
	rc = nl_recvmsgs(s->sk, cb);
	nl_cb_put(cb);
	if (rc < 0)
		return s->err ? -s->err : -nl_errno_of(rc);
	return c.rc;
}
