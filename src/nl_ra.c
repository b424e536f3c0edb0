// SPDX-License-Identifier: MIT
/*
 * nl_ra.c - router-given IPv6 configuration of an interface (nl_ra.h):
 * found in the kernel's dumps and removed through rtnetlink, and asked
 * for anew with a router solicitation on a raw ICMPv6 socket.
 *
 * What a router advertisement gave is told apart from what someone
 * configured by the kernel's own marks: an address's protocol (IFA_PROTO,
 * or its lifetimes where the kernel does not mark addresses), a route's
 * protocol ("ra"), and for the route of an on-link prefix (protocol
 * "kernel", like the route an address makes), that no address staying on
 * the interface makes it.
 */
#include <errno.h>
#include <poll.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <linux/if_addr.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <netinet/icmp6.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "nl_ra.h"
#include "nl_saved.h"

#ifndef SO_BINDTOIFINDEX
#define SO_BINDTOIFINDEX 62 /* Linux 5.0 */
#endif

/* How often a solicitation goes out while an advertisement is awaited,
 * and again, sooner, while the interface cannot send one yet. */
#define RS_EVERY_MS 1000
#define RS_RETRY_MS 100

/* Messages */

static const struct rtattr *attr_in(const struct nlmsghdr *h, size_t hs,
				    int type)
{
	int len = (int)h->nlmsg_len - (int)NLMSG_SPACE(hs);
	const struct rtattr *a =
		(const struct rtattr *)((const char *)NLMSG_DATA(h) +
					NLMSG_ALIGN(hs));

	for (; RTA_OK(a, len); a = RTA_NEXT(a, len))
		if (a->rta_type == type)
			return a;
	return NULL;
}

static bool sized(const struct rtattr *a, size_t n)
{
	return a && RTA_PAYLOAD(a) == n;
}

/* An interface's IPv6 addresses and the routes that may be router-given,
 * from one dump each. */
struct given {
	int ifindex;
	struct strbuf addrs, routes;
	bool proto_seen; /* the kernel marks addresses (IFA_PROTO) */
};

static int addr_one(const struct nlmsghdr *h, void *arg)
{
	struct given *g = arg;
	const struct ifaddrmsg *ifa = NLMSG_DATA(h);

	if (h->nlmsg_type != RTM_NEWADDR ||
	    h->nlmsg_len < NLMSG_SPACE(sizeof(*ifa)) ||
	    ifa->ifa_family != AF_INET6)
		return 0;
	g->proto_seen = g->proto_seen || attr_in(h, sizeof(*ifa), IFA_PROTO);
	if ((int)ifa->ifa_index == g->ifindex)
		sb_addn(&g->addrs, (const char *)h, NLMSG_ALIGN(h->nlmsg_len));
	return 0;
}

static int route_one(const struct nlmsghdr *h, void *arg)
{
	struct given *g = arg;
	const struct rtmsg *rtm = NLMSG_DATA(h);
	const struct rtattr *oif;

	if (h->nlmsg_type != RTM_NEWROUTE ||
	    h->nlmsg_len < NLMSG_SPACE(sizeof(*rtm)) ||
	    rtm->rtm_family != AF_INET6 || rtm->rtm_type != RTN_UNICAST ||
	    (rtm->rtm_flags & RTM_F_CLONED) ||
	    (rtm->rtm_protocol != RTPROT_KERNEL &&
	     rtm->rtm_protocol != RTPROT_RA) ||
	    attr_in(h, sizeof(*rtm), RTA_MULTIPATH))
		return 0;
	oif = attr_in(h, sizeof(*rtm), RTA_OIF);
	if (sized(oif, 4) && *(const int *)RTA_DATA(oif) == g->ifindex)
		sb_addn(&g->routes, (const char *)h, NLMSG_ALIGN(h->nlmsg_len));
	return 0;
}

/* The address of message @h (IFA_LOCAL, else IFA_ADDRESS), or NULL. */
static const uint8_t *addr_of(const struct nlmsghdr *h)
{
	const struct rtattr *a =
		attr_in(h, sizeof(struct ifaddrmsg), IFA_LOCAL);

	if (!sized(a, 16))
		a = attr_in(h, sizeof(struct ifaddrmsg), IFA_ADDRESS);
	return sized(a, 16) ? RTA_DATA(a) : NULL;
}

static bool link_local(const uint8_t *ip)
{
	return ip[0] == 0xfe && (ip[1] & 0xc0) == 0x80;
}

/* Is address @h one a router advertisement gave? */
static bool addr_given(const struct nlmsghdr *h, int ifindex, bool known)
{
	const uint8_t *ip = addr_of(h);

	return ip && !link_local(ip) && !nl_saved_keep(h, ifindex, known);
}

/* Do @a and @b agree in their first @plen bits? */
static bool same_prefix(const uint8_t *a, const uint8_t *b, unsigned plen)
{
	unsigned whole = plen / 8, rest = plen % 8;

	if (memcmp(a, b, whole))
		return false;
	return !rest || !((a[whole] ^ b[whole]) & (0xff00u >> rest));
}

/* Does an address of @g that stays (any but the router-given) make the
 * route of prefix @dst/@plen? */
static bool made_by_staying(const struct given *g, bool known,
			    const uint8_t *dst, unsigned plen)
{
	for (size_t off = 0; off < g->addrs.len;) {
		const struct nlmsghdr *h =
			(const struct nlmsghdr *)(g->addrs.buf + off);
		const struct ifaddrmsg *ifa = NLMSG_DATA(h);
		const uint8_t *ip = addr_of(h);

		off += NLMSG_ALIGN(h->nlmsg_len);
		if (ip && ifa->ifa_prefixlen == plen &&
		    !addr_given(h, g->ifindex, known) &&
		    same_prefix(ip, dst, plen))
			return true;
	}
	return false;
}

/* Is route @h one a router advertisement gave? */
static bool route_given(const struct given *g, bool known,
			const struct nlmsghdr *h)
{
	const struct rtmsg *rtm = NLMSG_DATA(h);
	const struct rtattr *dst = attr_in(h, sizeof(*rtm), RTA_DST);
	static const uint8_t any[16];

	if (rtm->rtm_protocol == RTPROT_RA)
		return true;
	if (rtm->rtm_dst_len > 128 || (dst && !sized(dst, 16)))
		return false;
	return !made_by_staying(g, known, dst ? RTA_DATA(dst) : any,
				rtm->rtm_dst_len);
}

/*
 * The request that deletes object @h: its header (a route's flags
 * cleared) and only the attributes @keep lists, which say which object it
 * is.  Return: the request, malloc()ed.
 */
static struct nlmsghdr *del_request(const struct nlmsghdr *h, uint16_t type,
				    size_t hs, const int *keep, size_t n_keep)
{
	struct nlmsghdr *r = xcalloc(1, NLMSG_ALIGN(h->nlmsg_len));
	int len = (int)h->nlmsg_len - (int)NLMSG_SPACE(hs);
	const struct rtattr *a =
		(const struct rtattr *)((const char *)NLMSG_DATA(h) +
					NLMSG_ALIGN(hs));
	size_t at = NLMSG_SPACE(hs);

	r->nlmsg_type = type;
	r->nlmsg_flags = NLM_F_REQUEST;
	memcpy(NLMSG_DATA(r), NLMSG_DATA(h), hs);
	if (type == RTM_DELROUTE)
		((struct rtmsg *)NLMSG_DATA(r))->rtm_flags = 0;
	for (; RTA_OK(a, len); a = RTA_NEXT(a, len))
		for (size_t i = 0; i < n_keep; i++)
			if (a->rta_type == keep[i]) {
				memcpy((char *)r + at, a, a->rta_len);
				at += RTA_ALIGN(a->rta_len);
				break;
			}
	r->nlmsg_len = (uint32_t)at;
	return r;
}

static const int addr_keys[] = { IFA_ADDRESS, IFA_LOCAL };
static const int route_keys[] = { RTA_DST, RTA_SRC,	 RTA_GATEWAY,
				  RTA_OIF, RTA_PRIORITY, RTA_TABLE };

/* Delete @h; one that is gone already is fine.  Return: 0 or -errno. */
static int del_one(struct nlsock *s, const struct nlmsghdr *h)
{
	bool route = h->nlmsg_type == RTM_NEWROUTE;
	struct nlmsghdr *r =
		route ? del_request(h, RTM_DELROUTE, sizeof(struct rtmsg),
				    route_keys, ARRAY_SIZE(route_keys)) :
			del_request(h, RTM_DELADDR, sizeof(struct ifaddrmsg),
				    addr_keys, ARRAY_SIZE(addr_keys));
	int rc = nlsock_send(s, r);

	free(r);
	/* An address whose temporary ones went with it; a route that an
	 * address took along. */
	if (rc == -EADDRNOTAVAIL || rc == -ESRCH || rc == -ENOENT ||
	    rc == -ENODEV)
		rc = 0;
	return rc;
}

int nl_ra_given(struct nlsock *s, int ifindex, bool remove, size_t *n)
{
	struct given g = { .ifindex = ifindex };
	struct ifaddrmsg ifa = { .ifa_family = AF_INET6 };
	struct rtmsg rtm = { .rtm_family = AF_INET6 };
	size_t count = 0;
	bool known;
	int rc;

	/* Advertisements come in meanwhile: a dump they interrupt is made
	 * again. */
	for (int tries = 0; tries < 10; tries++) {
		sb_free(&g.addrs);
		sb_free(&g.routes);
		g.proto_seen = false;
		rc = nlsock_dump(s, RTM_GETADDR, &ifa, sizeof(ifa), addr_one,
				 &g);
		if (!rc)
			rc = nlsock_dump(s, RTM_GETROUTE, &rtm, sizeof(rtm),
					 route_one, &g);
		if (rc != -EAGAIN)
			break;
	}
	known = g.proto_seen || nl_saved_kernel_marks();
	/* Addresses first: a route of a prefix is told by the addresses. */
	for (size_t off = 0; !rc && off < g.addrs.len;) {
		const struct nlmsghdr *h =
			(const struct nlmsghdr *)(g.addrs.buf + off);

		off += NLMSG_ALIGN(h->nlmsg_len);
		if (addr_given(h, ifindex, known)) {
			count++;
			rc = remove ? del_one(s, h) : 0;
		}
	}
	for (size_t off = 0; !rc && off < g.routes.len;) {
		const struct nlmsghdr *h =
			(const struct nlmsghdr *)(g.routes.buf + off);

		off += NLMSG_ALIGN(h->nlmsg_len);
		if (route_given(&g, known, h)) {
			count++;
			rc = remove ? del_one(s, h) : 0;
		}
	}
	sb_free(&g.addrs);
	sb_free(&g.routes);
	if (n)
		*n = count;
	return rc;
}

/* Solicitation */

static int64_t mono_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (int64_t)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

/* Has a router advertisement come in on @fd (its filter passes no other
 * message)?  Reads what is there. */
static bool advert_in(int fd)
{
	struct nd_router_advert ra;
	struct sockaddr_in6 from;
	socklen_t fl;
	ssize_t n;

	for (;;) {
		memset(&from, 0, sizeof(from));
		fl = sizeof(from);
		n = recvfrom(fd, &ra, sizeof(ra), MSG_TRUNC,
			     (struct sockaddr *)&from, &fl);
		if (n < 0)
			return false;
		/* A router speaks from its link-local address. */
		if ((size_t)n >= sizeof(ra) &&
		    ra.nd_ra_type == ND_ROUTER_ADVERT && ra.nd_ra_code == 0 &&
		    IN6_IS_ADDR_LINKLOCAL(&from.sin6_addr))
			return true;
	}
}

/* A raw ICMPv6 socket on @ifindex that sends solicitations (hop limit
 * 255) and hears only advertisements.  Return: it, or -errno. */
static int rs_socket(int ifindex)
{
	struct icmp6_filter f;
	int hops = 255, loop = 0, rc;
	int fd = socket(AF_INET6, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK,
			IPPROTO_ICMPV6);

	if (fd < 0)
		return -errno;
	ICMP6_FILTER_SETBLOCKALL(&f);
	ICMP6_FILTER_SETPASS(ND_ROUTER_ADVERT, &f);
	if (setsockopt(fd, IPPROTO_ICMPV6, ICMP6_FILTER, &f, sizeof(f)) ||
	    setsockopt(fd, SOL_SOCKET, SO_BINDTOIFINDEX, &ifindex,
		       sizeof(ifindex)) ||
	    setsockopt(fd, IPPROTO_IPV6, IPV6_MULTICAST_IF, &ifindex,
		       sizeof(ifindex)) ||
	    setsockopt(fd, IPPROTO_IPV6, IPV6_MULTICAST_HOPS, &hops,
		       sizeof(hops)) ||
	    setsockopt(fd, IPPROTO_IPV6, IPV6_MULTICAST_LOOP, &loop,
		       sizeof(loop))) {
		rc = -errno;
		close(fd);
		return rc;
	}
	return fd;
}

/* Not sent yet for want of a source address or a link: try again. */
static bool not_yet(int err)
{
	return err == EADDRNOTAVAIL || err == ENETDOWN || err == ENETUNREACH;
}

int nl_ra_solicit(int ifindex, const uint8_t *mac, int wait_ms)
{
	struct {
		struct nd_router_solicit rs;
		uint8_t lladdr[8]; /* source link-layer address option */
	} pkt = { .rs.nd_rs_type = ND_ROUTER_SOLICIT };
	struct sockaddr_in6 to = {
		.sin6_family = AF_INET6,
		.sin6_addr = { { { 0xff, 0x02, [15] = 0x02 } } }, /* routers */
		.sin6_scope_id = (uint32_t)ifindex,
	};
	size_t len = sizeof(pkt.rs);
	int64_t now, end, next;
	int fd = rs_socket(ifindex), rc = -ETIMEDOUT;

	if (fd < 0)
		return fd;
	if (mac) {
		pkt.lladdr[0] = ND_OPT_SOURCE_LINKADDR;
		pkt.lladdr[1] = 1; /* in units of 8 bytes */
		memcpy(pkt.lladdr + 2, mac, 6);
		len += sizeof(pkt.lladdr);
	}
	now = mono_ms();
	end = now + wait_ms;
	next = now;
	for (;;) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		int64_t until;

		if (now >= next) {
			if (sendto(fd, &pkt, len, 0, (struct sockaddr *)&to,
				   sizeof(to)) >= 0) {
				next = now + RS_EVERY_MS;
				if (!wait_ms) {
					rc = 0;
					break;
				}
			} else if (not_yet(errno) && now < end) {
				next = now + RS_RETRY_MS;
			} else {
				rc = -errno;
				break;
			}
		}
		if (now >= end)
			break;
		until = next < end ? next : end;
		if (poll(&p, 1, (int)(until - now)) > 0 && advert_in(fd)) {
			rc = 0;
			break;
		}
		now = mono_ms();
	}
	close(fd);
	return rc;
}
