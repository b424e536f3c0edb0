/*
 * rnl.h - a tiny raw rtnetlink layer for the research programs (scratch,
 * not nstopo code): build a request, send it, read the ACK and return
 * the kernel's errno exactly (libnl folds several into NLE_FAILURE).
 */
#ifndef RNL_H
#define RNL_H
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_addr.h>
#include <linux/if_link.h>
#include <linux/neighbour.h>
#include <linux/net_namespace.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/veth.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#ifndef SOL_NETLINK
#define SOL_NETLINK 270
#endif

static inline double now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec + t.tv_nsec / 1e9;
}

#define DIE(...) do { fprintf(stderr, __VA_ARGS__); fputc('\n', stderr); exit(1); } while (0)

struct req {
	struct nlmsghdr *n;
	char buf[4096];
};

static inline struct nlmsghdr *req_init(struct req *r, int type, int flags,
					const void *hdr, size_t hlen)
{
	memset(r->buf, 0, sizeof(r->buf));
	r->n = (struct nlmsghdr *)r->buf;
	r->n->nlmsg_len = NLMSG_LENGTH(hlen);
	r->n->nlmsg_type = type;
	r->n->nlmsg_flags = NLM_F_REQUEST | flags;
	memcpy(NLMSG_DATA(r->n), hdr, hlen);
	return r->n;
}

static inline struct rtattr *rta_add(struct req *r, int type, const void *d,
				     size_t len)
{
	struct rtattr *a = (struct rtattr *)(r->buf + NLMSG_ALIGN(r->n->nlmsg_len));

	a->rta_type = type;
	a->rta_len = RTA_LENGTH(len);
	if (len)
		memcpy(RTA_DATA(a), d, len);
	r->n->nlmsg_len = NLMSG_ALIGN(r->n->nlmsg_len) + RTA_ALIGN(a->rta_len);
	return a;
}

static inline void rta_u32(struct req *r, int type, uint32_t v)
{
	rta_add(r, type, &v, 4);
}

static inline void rta_str(struct req *r, int type, const char *s)
{
	rta_add(r, type, s, strlen(s) + 1);
}

static inline struct rtattr *nest_begin(struct req *r, int type)
{
	return rta_add(r, type, NULL, 0);
}

static inline void nest_end(struct req *r, struct rtattr *a)
{
	a->rta_len = (char *)r->buf + r->n->nlmsg_len - (char *)a;
}

static inline int nl_open(int groups)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK, .nl_groups = groups };
	int s = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	int one = 1;

	if (s < 0 || bind(s, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		DIE("netlink socket: %s", strerror(errno));
	setsockopt(s, SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(one));
	return s;
}

static unsigned rnl_seq = 1;

/* Send r, read until the ACK of its sequence; return 0 or -errno.  Other
 * messages (a GETLINK's answer) are passed to cb if given. */
static inline int nl_talk(int s, struct req *r,
			  void (*cb)(struct nlmsghdr *, void *), void *arg)
{
	char buf[16384];
	unsigned seq = rnl_seq++;

	r->n->nlmsg_seq = seq;
	r->n->nlmsg_flags |= NLM_F_ACK;
	if (send(s, r->n, r->n->nlmsg_len, 0) < 0)
		return -errno;
	for (;;) {
		ssize_t len = recv(s, buf, sizeof(buf), 0);
		struct nlmsghdr *h;

		if (len < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		for (h = (struct nlmsghdr *)buf; NLMSG_OK(h, len);
		     h = NLMSG_NEXT(h, len)) {
			if (h->nlmsg_seq != seq)
				continue;
			if (h->nlmsg_type == NLMSG_ERROR)
				return ((struct nlmsgerr *)NLMSG_DATA(h))->error;
			if (h->nlmsg_type == NLMSG_DONE)
				return 0;
			if (cb)
				cb(h, arg);
		}
	}
}

/* Dump: send r with NLM_F_DUMP, pass every message to cb. */
static inline int nl_dump(int s, struct req *r,
			  void (*cb)(struct nlmsghdr *, void *), void *arg)
{
	char buf[65536];
	unsigned seq = rnl_seq++;

	r->n->nlmsg_seq = seq;
	r->n->nlmsg_flags |= NLM_F_DUMP;
	if (send(s, r->n, r->n->nlmsg_len, 0) < 0)
		return -errno;
	for (;;) {
		ssize_t len = recv(s, buf, sizeof(buf), 0);
		struct nlmsghdr *h;

		if (len < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		for (h = (struct nlmsghdr *)buf; NLMSG_OK(h, len);
		     h = NLMSG_NEXT(h, len)) {
			if (h->nlmsg_seq != seq)
				continue;
			if (h->nlmsg_type == NLMSG_DONE)
				return 0;
			if (h->nlmsg_type == NLMSG_ERROR)
				return ((struct nlmsgerr *)NLMSG_DATA(h))->error;
			cb(h, arg);
		}
	}
}

static inline int link_set(int s, int ifindex, unsigned flags, unsigned change,
			   int master)
{
	struct ifinfomsg ifi = { .ifi_family = AF_UNSPEC, .ifi_index = ifindex,
				 .ifi_flags = flags, .ifi_change = change };
	struct req r;

	req_init(&r, RTM_NEWLINK, 0, &ifi, sizeof(ifi));
	if (master >= 0)
		rta_u32(&r, IFLA_MASTER, master);
	return nl_talk(s, &r, NULL, NULL);
}

static inline int link_get(int s, int ifindex,
			   void (*cb)(struct nlmsghdr *, void *), void *arg)
{
	struct ifinfomsg ifi = { .ifi_family = AF_UNSPEC, .ifi_index = ifindex };
	struct req r;

	req_init(&r, RTM_GETLINK, 0, &ifi, sizeof(ifi));
	rta_u32(&r, IFLA_EXT_MASK, RTEXT_FILTER_SKIP_STATS);
	return nl_talk(s, &r, cb, arg);
}

/* A veth pair: NAME (index IDX) in the namespace of fd NS (or here if
 * NS < 0), its PEER (index PIDX) in PNS (or here). */
static inline int veth_add(int s, const char *name, int idx, int ns,
			   const char *peer, int pidx, int pns)
{
	struct ifinfomsg ifi = { .ifi_family = AF_UNSPEC, .ifi_index = idx };
	struct ifinfomsg pifi = { .ifi_family = AF_UNSPEC, .ifi_index = pidx };
	struct rtattr *li, *data, *pe;
	struct req r;

	req_init(&r, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL, &ifi, sizeof(ifi));
	rta_str(&r, IFLA_IFNAME, name);
	if (ns >= 0)
		rta_u32(&r, IFLA_NET_NS_FD, ns);
	li = nest_begin(&r, IFLA_LINKINFO);
	rta_str(&r, IFLA_INFO_KIND, "veth");
	data = nest_begin(&r, IFLA_INFO_DATA);
	pe = nest_begin(&r, VETH_INFO_PEER);
	memcpy(r.buf + NLMSG_ALIGN(r.n->nlmsg_len), &pifi, sizeof(pifi));
	r.n->nlmsg_len = NLMSG_ALIGN(r.n->nlmsg_len) + NLMSG_ALIGN(sizeof(pifi));
	rta_str(&r, IFLA_IFNAME, peer);
	if (pns >= 0)
		rta_u32(&r, IFLA_NET_NS_FD, pns);
	nest_end(&r, pe);
	nest_end(&r, data);
	nest_end(&r, li);
	return nl_talk(s, &r, NULL, NULL);
}

static inline int bridge_add(int s, const char *name, int idx)
{
	struct ifinfomsg ifi = { .ifi_family = AF_UNSPEC, .ifi_index = idx };
	struct rtattr *li;
	struct req r;

	req_init(&r, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL, &ifi, sizeof(ifi));
	rta_str(&r, IFLA_IFNAME, name);
	li = nest_begin(&r, IFLA_LINKINFO);
	rta_str(&r, IFLA_INFO_KIND, "bridge");
	nest_end(&r, li);
	return nl_talk(s, &r, NULL, NULL);
}

static inline int addr_add(int s, int ifindex, int family, const void *a,
			   int plen, unsigned flags)
{
	struct ifaddrmsg ifa = { .ifa_family = family, .ifa_prefixlen = plen,
				 .ifa_index = ifindex };
	int alen = family == AF_INET ? 4 : 16;
	struct req r;

	req_init(&r, RTM_NEWADDR, NLM_F_CREATE | NLM_F_EXCL, &ifa, sizeof(ifa));
	rta_add(&r, IFA_LOCAL, a, alen);
	rta_add(&r, IFA_ADDRESS, a, alen);
	if (flags)
		rta_u32(&r, IFA_FLAGS, flags);
	return nl_talk(s, &r, NULL, NULL);
}

/* A default route via GW (no device given, as "ip route add ::/0 via"). */
static inline int route_default_add(int s, int family, const void *gw)
{
	struct rtmsg rt = { .rtm_family = family, .rtm_table = RT_TABLE_MAIN,
			    .rtm_protocol = RTPROT_BOOT,
			    .rtm_scope = RT_SCOPE_UNIVERSE,
			    .rtm_type = RTN_UNICAST };
	struct req r;

	req_init(&r, RTM_NEWROUTE, NLM_F_CREATE | NLM_F_EXCL, &rt, sizeof(rt));
	rta_add(&r, RTA_GATEWAY, gw, family == AF_INET ? 4 : 16);
	return nl_talk(s, &r, NULL, NULL);
}

/* Give the namespace of fd NS the id NSID in the caller's namespace. */
static inline int nsid_set(int s, int ns, int nsid)
{
	struct rtgenmsg g = { .rtgen_family = AF_UNSPEC };
	struct req r;

	req_init(&r, RTM_NEWNSID, 0, &g, sizeof(g));
	rta_u32(&r, NETNSA_FD, ns);
	rta_u32(&r, NETNSA_NSID, nsid);
	return nl_talk(s, &r, NULL, NULL);
}

static inline void write_file(const char *path, const char *v)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);

	if (fd < 0 || write(fd, v, strlen(v)) < 0)
		DIE("%s: %s", path, strerror(errno));
	close(fd);
}

static inline int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* Print median/p90/max of v[0..n) (sorted in place) in ms. */
static inline void stats(const char *what, double *v, int n)
{
	if (!n) {
		printf("%-34s n=0\n", what);
		return;
	}
	qsort(v, n, sizeof(*v), cmp_double);
	printf("%-34s n=%-5d median %8.3f ms  p90 %8.3f ms  max %8.3f ms\n",
	       what, n, v[n / 2] * 1e3, v[n * 9 / 10] * 1e3, v[n - 1] * 1e3);
}
#endif
