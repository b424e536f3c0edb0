/*
 * upready.c - what the kernel still does after "link set up" is acked,
 * and whether an RTM_GETLINK read-back of each end finishes it.
 * Research scratch for issue 15, not nstopo code.  Run in a sandbox:
 *   scripts/sandbox.sh bench/research/upready N MODE TOPO [K]
 *
 * TOPO pair:   N pairs of namespaces A<i>, B<i>, a veth a(A<i>) - b(B<i>),
 *              fd10:<i>::1/64 + 10.x.y.1/24 on a, ::2 / .2 on b.
 * TOPO bridge: bridge br0 here, N namespaces A<i> with eth "a" whose peer
 *              p<i> is a port of br0, up early; fd00::<i>/64, 10.0.x.y/16.
 * Addresses go on while the ends are down (nodad; accept_dad=0 in every
 * namespace, as nstopo does), then, node by node, as nstopo's
 * phase_raise: "link set up" of a (and of b for pair), and with MODE
 * getlink an RTM_GETLINK of the same end(s) right after; then the
 * routes: in each A<i>, "route add ::/0 via <peer>" and 0.0.0.0/0 via
 * the peer (errors counted).  When the last request is acked ("return"),
 * the last K nodes send one ICMPv6 and one ICMP echo each to their peer,
 * 1 s timeout ("first packet").  Meanwhile one socket here, with
 * NETLINK_LISTEN_ALL_NSID and every A<i>/B<i> given an nsid, records
 * when each end's RTM_NEWLINK with operstate UP and its link-local
 * address's non-tentative RTM_NEWADDR arrive, relative to its "up".
 *
 * MODE: ack (today), getlink (read back the end(s) just raised),
 * getlink-own (pair: only a, not b).
 */
#include "rnl.h"
#include <netinet/icmp6.h>
#include <netinet/ip_icmp.h>
#include <poll.h>
#include <sys/mount.h>
#include <sys/stat.h>

#define IDX 2		/* the veth end's ifindex inside its namespace */
static int idx_b = 3;	/* b's; UPREADY_SAME_IDX=1: 2 too, iflink == ifindex */
#define BR_IDX 10
#define PORT_IDX(i) (100 + (i))

static int n, k_ping = 50, bridge;
static int *nsA, *nsB, *sA, *sB;
static double *t_up, *t_operA, *t_operB, *t_ll, *t_llB;
static int lsock;

static void mkns(const char *name, int *fd, int *sock)
{
	char path[64];
	int f;

	snprintf(path, sizeof(path), "/run/netns/%s", name);
	if (unshare(CLONE_NEWNET) < 0)
		DIE("unshare: %s", strerror(errno));
	f = open(path, O_RDONLY | O_CREAT | O_EXCL, 0);
	if (f < 0)
		DIE("%s: %s", path, strerror(errno));
	close(f);
	if (mount("/proc/self/ns/net", path, "none", MS_BIND, NULL) < 0)
		DIE("mount %s: %s", path, strerror(errno));
	*fd = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	*sock = nl_open(0);
	write_file("/proc/sys/net/ipv6/conf/all/accept_dad", "0");
	write_file("/proc/sys/net/ipv6/conf/default/accept_dad", "0");
	if (link_set(*sock, 1, IFF_UP, IFF_UP, -1))
		DIE("lo up");
}

static void addr6(struct in6_addr *a, int i, int host)
{
	memset(a, 0, sizeof(*a));
	if (bridge) {
		a->s6_addr[0] = 0xfd;
		a->s6_addr[14] = i >> 8;
		a->s6_addr[15] = i & 255;
	} else {
		a->s6_addr[0] = 0xfd;
		a->s6_addr[1] = 0x10;
		a->s6_addr[2] = i >> 8;
		a->s6_addr[3] = i & 255;
		a->s6_addr[15] = host;
	}
}

static void addr4(struct in_addr *a, int i, int host)
{
	uint8_t *b = (uint8_t *)&a->s_addr;

	b[0] = 10;
	if (bridge) {
		b[1] = 0;
		b[2] = i >> 8;
		b[3] = i & 255;
	} else {
		b[1] = i >> 8;
		b[2] = i & 255;
		b[3] = host;
	}
}

/* Listener: one socket here sees every namespace with an nsid. */
static void on_event(struct nlmsghdr *h, int nsid, double t)
{
	int i = nsid >= 0 ? nsid / 2 : -1, isB = nsid >= 0 && nsid % 2;

	if (h->nlmsg_type == RTM_NEWLINK) {
		struct ifinfomsg *ifi = NLMSG_DATA(h);
		int len = IFLA_PAYLOAD(h), idx = ifi->ifi_index;
		struct rtattr *a;

		if (nsid < 0) {	/* a bridge port here */
			if (!bridge || idx <= PORT_IDX(0) || idx > PORT_IDX(n))
				return;
			i = idx - PORT_IDX(0) - 1;
			isB = 1;
		} else if (idx != (isB ? idx_b : IDX)) {
			return;
		}
		for (a = IFLA_RTA(ifi); RTA_OK(a, len); a = RTA_NEXT(a, len))
			if (a->rta_type == IFLA_OPERSTATE &&
			    *(uint8_t *)RTA_DATA(a) == IF_OPER_UP) {
				double *v = isB ? t_operB : t_operA;

				if (!v[i] && t_up[i])
					v[i] = t;
			}
	} else if (h->nlmsg_type == RTM_NEWADDR && nsid >= 0) {
		struct ifaddrmsg *ifa = NLMSG_DATA(h);
		int len = IFA_PAYLOAD(h);
		unsigned flags = ifa->ifa_flags;
		struct rtattr *a;
		struct in6_addr *addr = NULL;

		if (ifa->ifa_family != AF_INET6)
			return;
		for (a = IFA_RTA(ifa); RTA_OK(a, len); a = RTA_NEXT(a, len)) {
			if (a->rta_type == IFA_FLAGS)
				flags = *(uint32_t *)RTA_DATA(a);
			if (a->rta_type == IFA_ADDRESS)
				addr = RTA_DATA(a);
		}
		if (addr && addr->s6_addr[0] == 0xfe &&
		    !(flags & IFA_F_TENTATIVE)) {
			double *v = isB ? t_llB : t_ll;

			if (!v[i] && t_up[i])
				v[i] = t;
		}
	}
}

static int drain(int block_ms)
{
	char buf[65536], cbuf[CMSG_SPACE(sizeof(int))];
	int got = 0;

	for (;;) {
		struct iovec iov = { buf, sizeof(buf) };
		struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1,
				    .msg_control = cbuf,
				    .msg_controllen = sizeof(cbuf) };
		struct pollfd p = { lsock, POLLIN, 0 };
		struct cmsghdr *c;
		struct nlmsghdr *h;
		int nsid = -1;
		ssize_t len;
		double t;

		if (poll(&p, 1, got ? 0 : block_ms) <= 0)
			return got;
		len = recvmsg(lsock, &m, 0);
		t = now();
		if (len < 0) {
			if (errno == ENOBUFS) {
				fprintf(stderr, "listener: ENOBUFS (events lost)\n");
				continue;
			}
			return got;
		}
		got = 1;
		for (c = CMSG_FIRSTHDR(&m); c; c = CMSG_NXTHDR(&m, c))
			if (c->cmsg_level == SOL_NETLINK &&
			    c->cmsg_type == NETLINK_LISTEN_ALL_NSID)
				nsid = *(int *)CMSG_DATA(c);
		for (h = (struct nlmsghdr *)buf; NLMSG_OK(h, len);
		     h = NLMSG_NEXT(h, len))
			on_event(h, nsid, t);
	}
}

/* First packet: K echo requests per family from the last K nodes. */
static double realnow(void)
{
	struct timespec t;

	clock_gettime(CLOCK_REALTIME, &t);
	return t.tv_sec + t.tv_nsec / 1e9;
}

/* Read one datagram; its kernel receive time (CLOCK_REALTIME) in *t. */
static ssize_t recv_ts(int s, char *buf, size_t size, double *t)
{
	char cbuf[CMSG_SPACE(sizeof(struct timespec))];
	struct iovec iov = { buf, size };
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1,
			    .msg_control = cbuf, .msg_controllen = sizeof(cbuf) };
	ssize_t len = recvmsg(s, &m, 0);
	struct cmsghdr *c;

	*t = realnow();
	for (c = CMSG_FIRSTHDR(&m); len > 0 && c; c = CMSG_NXTHDR(&m, c))
		if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_TIMESTAMPNS) {
			struct timespec *ts = (struct timespec *)CMSG_DATA(c);

			*t = ts->tv_sec + ts->tv_nsec / 1e9;
		}
	return len;
}

static void first_packet(int home)
{
	int k = k_ping, ok6 = 0, ok4 = 0;
	int *s6 = calloc(k, sizeof(int)), *s4 = calloc(k, sizeof(int));
	double *t_send = calloc(k, sizeof(double));

	for (int j = 0; j < k; j++) {
		int i = n - 1 - j, peer = bridge ? (i == 0 ? 2 : i) : 0;
		struct sockaddr_in6 d6 = { .sin6_family = AF_INET6 };
		struct sockaddr_in d4 = { .sin_family = AF_INET };
		struct icmp6_hdr e6 = { .icmp6_type = ICMP6_ECHO_REQUEST,
					.icmp6_id = htons(j), .icmp6_seq = 1 };
		struct icmphdr e4 = { .type = ICMP_ECHO };

		if (bridge) {
			addr6(&d6.sin6_addr, peer, 0);
			addr4(&d4.sin_addr, peer, 0);
		} else {
			addr6(&d6.sin6_addr, i + 1, 2);
			addr4(&d4.sin_addr, i + 1, 2);
		}
		setns(nsA[i], CLONE_NEWNET);
		s6[j] = socket(AF_INET6, SOCK_RAW | SOCK_NONBLOCK, IPPROTO_ICMPV6);
		s4[j] = socket(AF_INET, SOCK_RAW | SOCK_NONBLOCK, IPPROTO_ICMP);
		setns(home, CLONE_NEWNET);
		if (s6[j] < 0 || s4[j] < 0)
			DIE("raw socket: %s", strerror(errno));
		{
			int one = 1;

			setsockopt(s6[j], SOL_SOCKET, SO_TIMESTAMPNS, &one, sizeof(one));
			setsockopt(s4[j], SOL_SOCKET, SO_TIMESTAMPNS, &one, sizeof(one));
		}
		t_send[j] = realnow();
		sendto(s6[j], &e6, sizeof(e6), 0, (struct sockaddr *)&d6, sizeof(d6));
		e4.un.echo.id = htons(j);
		e4.un.echo.sequence = htons(1);
		/* checksum */
		{
			uint16_t *w = (uint16_t *)&e4;
			uint32_t sum = 0;

			for (size_t q = 0; q < sizeof(e4) / 2; q++)
				sum += w[q];
			sum = (sum >> 16) + (sum & 0xffff);
			e4.checksum = ~(sum + (sum >> 16));
		}
		if (sendto(s4[j], &e4, sizeof(e4), 0, (struct sockaddr *)&d4, sizeof(d4)) < 0 && getenv("UPREADY_DEBUG"))
			fprintf(stderr, "send4 %d: %s\n", j, strerror(errno));
	}
	int *got6 = calloc(k, sizeof(int)), *got4 = calloc(k, sizeof(int));
	struct pollfd *pf = calloc(2 * k, sizeof(*pf));
	double t_last = now(), t;

	for (int j = 0; j < k; j++) {
		pf[2 * j] = (struct pollfd){ s6[j], POLLIN, 0 };
		pf[2 * j + 1] = (struct pollfd){ s4[j], POLLIN, 0 };
	}
	/* every reply read with its time: answered if within 1 s of its send */
	while (now() < t_last + 1.0 && (ok6 < k || ok4 < k)) {
		char buf[2048];

		if (poll(pf, 2 * k, 10) <= 0)
			continue;

		for (int j = 0; j < k; j++) {
			ssize_t len;

			while ((len = recv_ts(s6[j], buf, sizeof(buf), &t)) > 0)
				if (!got6[j] && ((struct icmp6_hdr *)buf)->icmp6_type == ICMP6_ECHO_REPLY &&
				    t - t_send[j] <= 1.0)
					got6[j] = 1, ok6++;
			while ((len = recv_ts(s4[j], buf, sizeof(buf), &t)) > 0) {
				int hl = (buf[0] & 15) * 4;

				if (!got4[j] && len > hl && ((struct icmphdr *)(buf + hl))->type == ICMP_ECHOREPLY &&
				    t - t_send[j] <= 1.0)
					got4[j] = 1, ok4++;
			}
		}
	}
	printf("first packet from the last %d nodes at return: IPv6 %d/%d, IPv4 %d/%d answered within 1 s\n",
	       k, ok6, k, ok4, k);
	for (int j = 0; j < k; j++)
		close(s6[j]), close(s4[j]);
}

int main(int argc, char **argv)
{
	const char *mode;
	int home, hs, getlink, getlink_peer, err6[256] = { 0 }, err4[256] = { 0 };
	double t0, t1, t_ret;
	char name[32];

	if (argc < 4)
		DIE("usage: upready N ack|getlink|getlink-own pair|bridge [K]");
	n = atoi(argv[1]);
	mode = argv[2];
	bridge = !strcmp(argv[3], "bridge");
	if (argc > 4)
		k_ping = atoi(argv[4]);
	if (getenv("UPREADY_SAME_IDX") && *getenv("UPREADY_SAME_IDX"))
		idx_b = IDX;
	if (k_ping > n || k_ping <= 0)
		k_ping = n;
	getlink = strncmp(mode, "getlink", 7) == 0;
	getlink_peer = !strcmp(mode, "getlink");
	nsA = calloc(n, sizeof(int));
	nsB = calloc(n, sizeof(int));
	sA = calloc(n, sizeof(int));
	sB = calloc(n, sizeof(int));
	t_up = calloc(n, sizeof(double));
	t_operA = calloc(n, sizeof(double));
	t_operB = calloc(n, sizeof(double));
	t_ll = calloc(n, sizeof(double));
	t_llB = calloc(n, sizeof(double));
	home = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	mkdir("/run/netns", 0755);
	hs = nl_open(0);

	t0 = now();
	for (int i = 0; i < n; i++) {
		snprintf(name, sizeof(name), "A%d", i + 1);
		mkns(name, &nsA[i], &sA[i]);
		if (!bridge) {
			snprintf(name, sizeof(name), "B%d", i + 1);
			mkns(name, &nsB[i], &sB[i]);
		}
	}
	setns(home, CLONE_NEWNET);
	for (int i = 0; i < n; i++) {
		if (nsid_set(hs, nsA[i], 2 * i) ||
		    (!bridge && nsid_set(hs, nsB[i], 2 * i + 1)))
			DIE("nsid");
	}
	{
		struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
		int one = 1, sz = 64 << 20;
		unsigned g[] = { RTNLGRP_LINK, RTNLGRP_IPV6_IFADDR };

		lsock = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
		bind(lsock, (struct sockaddr *)&sa, sizeof(sa));
		setsockopt(lsock, SOL_SOCKET, SO_RCVBUFFORCE, &sz, sizeof(sz));
		if (setsockopt(lsock, SOL_NETLINK, NETLINK_LISTEN_ALL_NSID, &one, sizeof(one)))
			DIE("LISTEN_ALL_NSID: %s", strerror(errno));
		for (size_t q = 0; q < sizeof(g) / sizeof(g[0]); q++)
			setsockopt(lsock, SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, &g[q], sizeof(g[q]));
	}
	if (bridge) {
		struct in6_addr a;

		if (bridge_add(hs, "br0", BR_IDX) || link_set(hs, BR_IDX, IFF_UP, IFF_UP, -1))
			DIE("br0");
		(void)a;
	}
	for (int i = 0; i < n; i++) {
		struct in6_addr a6;
		struct in_addr a4;
		char peer[32];
		int rc;

		snprintf(peer, sizeof(peer), "p%d", i + 1);
		rc = bridge ? veth_add(hs, "a", IDX, nsA[i], peer, PORT_IDX(i + 1), -1)
			    : veth_add(hs, "a", IDX, nsA[i], "b", idx_b, nsB[i]);
		if (rc)
			DIE("veth %d: %s", i, strerror(-rc));
		if (bridge && link_set(hs, PORT_IDX(i + 1), IFF_UP, IFF_UP, BR_IDX))
			DIE("port up");
		addr6(&a6, i + 1, 1);
		addr4(&a4, i + 1, 1);
		if (addr_add(sA[i], IDX, AF_INET6, &a6, 64, IFA_F_NODAD) ||
		    addr_add(sA[i], IDX, AF_INET, &a4, bridge ? 16 : 24, 0))
			DIE("addr A");
		if (!bridge) {
			addr6(&a6, i + 1, 2);
			addr4(&a4, i + 1, 2);
			if (addr_add(sB[i], idx_b, AF_INET6, &a6, 64, IFA_F_NODAD) ||
			    addr_add(sB[i], idx_b, AF_INET, &a4, 24, 0))
				DIE("addr B");
		}
		drain(0);
	}
	t1 = now();
	/* raise, node by node, as phase_raise */
	for (int i = 0; i < n; i++) {
		t_up[i] = now();
		if (link_set(sA[i], IDX, IFF_UP, IFF_UP, -1))
			DIE("up a");
		if (!bridge && link_set(sB[i], idx_b, IFF_UP, IFF_UP, -1))
			DIE("up b");
		if (getlink && link_get(sA[i], IDX, NULL, NULL))
			DIE("get a");
		if (getlink_peer && !bridge && link_get(sB[i], idx_b, NULL, NULL))
			DIE("get b");
		if (getlink_peer && bridge && link_get(hs, PORT_IDX(i + 1), NULL, NULL))
			DIE("get port");
		drain(0);
	}
	/* routes, as phase_routes */
	for (int i = 0; i < n && !getenv("UPREADY_NOROUTES"); i++) {
		struct in6_addr g6;
		struct in_addr g4;
		int rc;

		if (bridge && i == 0)
			continue;
		addr6(&g6, bridge ? 1 : i + 1, bridge ? 0 : 2);
		addr4(&g4, bridge ? 1 : i + 1, bridge ? 0 : 2);
		rc = route_default_add(sA[i], AF_INET6, &g6);
		err6[-rc & 255]++;
		rc = route_default_add(sA[i], AF_INET, &g4);
		err4[-rc & 255]++;
		drain(0);
	}
	t_ret = now();
	if (getenv("UPREADY_DELAY"))
		usleep(atof(getenv("UPREADY_DELAY")) * 1e6);
	first_packet(home);
	/* wait for the rest of the events, at most 20 s */
	{
		double until = now() + 20;
		int done = 0;

		while (!done && now() < until) {
			drain(50);
			done = 1;
			for (int i = 0; i < n && done; i++)
				done = t_operA[i] && t_operB[i] && t_ll[i] &&
				       (bridge || t_llB[i]);
		}
	}
	printf("upready n=%d mode=%s topo=%s%s: setup %.3f s, raise+routes %.3f s\n",
	       n, mode, argv[3], idx_b == IDX ? " (equal ifindexes)" : "",
	       t1 - t0, t_ret - t1);
	for (int e = 0; e < 256; e++)
		if (err6[e] || err4[e])
			printf("route add at once: %-28s IPv6 %d, IPv4 %d\n",
			       e ? strerror(e) : "ok", err6[e], err4[e]);
	{
		double *v = calloc(n, sizeof(double));
		int m, late;
		struct { const char *what; double *t; } w[] = {
			{ "a operstate UP event - up", t_operA },
			{ bridge ? "port operstate UP event - up" : "b operstate UP event - up", t_operB },
			{ "a link-local usable - up", t_ll },
			{ "b link-local usable - up", t_llB },
		};

		for (size_t q = 0; q < 4; q++) {
			if (bridge && q == 3)
				continue;
			m = late = 0;
			for (int i = 0; i < n; i++)
				if (w[q].t[i]) {
					v[m++] = w[q].t[i] - t_up[i];
					late += w[q].t[i] > t_ret;
				}
			stats(w[q].what, v, m);
			printf("%-34s %d of %d after return, %d never (20 s)\n", "",
			       late, n, n - m);
		}
	}
	if (getenv("UPREADY_CMD")) {
		fflush(stdout);
		if (system(getenv("UPREADY_CMD")))
			fprintf(stderr, "UPREADY_CMD failed\n");
	}
	return 0;
}
