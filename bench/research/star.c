/*
 * star.c - the bench star (bridge br0 here, N namespaces h<i> with eth0
 * whose peer p<i> is a br0 port; 10.100.x.y/16 and fd00::<i>/64 nodad,
 * accept_dad=0; bare ports get disable_ipv6=1 as nstopo does), built the
 * way nstopo does (ports up first, node ends last, each read back with
 * RTM_GETLINK), then the start-up flood after the last request is
 * measured: packets the bridge sends out of its ports (sum of the ports'
 * tx_packets) and the machine's busy CPU (/proc/stat, minus the rate of
 * the second before the run), at 0.5, 1, 2, 3, 5, 10 and WINDOW s.
 * Research scratch for issue 15.  Run in a sandbox:
 *   scripts/sandbox.sh bench/research/star N [WINDOW]
 * Mitigations, from the environment (all off by default):
 *   STAR_QUERIER=1       br0 mcast_querier 1 (snooping is on by default)
 *   STAR_SNOOP=0         br0 mcast_snooping 0
 *   STAR_RS=0            router_solicitations=0 in every node (default+all)
 *   STAR_ACCEPT_RA=0     accept_ra=0 in every node (default+all)
 *   STAR_MLD_INTERVAL=MS mldv2_unsolicited_report_interval in every node
 *   STAR_MLD_VERSION=V   force_mld_version in every node
 *   STAR_PORT_FLOOD=0    mcast_flood off on every port
 *   STAR_BR_V6=0         disable_ipv6 on br0 too
 *   STAR_CMD=...         shell command run right after the last request
 *                        (functional checks), before the window starts
 */
#include "rnl.h"
#include <sys/mount.h>
#include <sys/stat.h>

#define BR_IDX 10
#define PORT_IDX(i) (100 + (i))

static int envint(const char *k, int def)
{
	const char *v = getenv(k);

	return v && *v ? atoi(v) : def;
}

static double busy_s(void)
{
	unsigned long long v[10] = { 0 };
	FILE *f = fopen("/proc/stat", "r");

	if (!f || fscanf(f, "cpu %llu %llu %llu %llu %llu %llu %llu %llu",
			 &v[0], &v[1], &v[2], &v[3], &v[4], &v[5], &v[6], &v[7]) != 8)
		DIE("/proc/stat");
	fclose(f);
	return (double)(v[0] + v[1] + v[2] + v[5] + v[6] + v[7]) /
	       sysconf(_SC_CLK_TCK);
}

/* NET_RX softirqs run so far, all CPUs (machine-wide, like the CPU). */
static unsigned long long softirq_net(void)
{
	char line[4096];
	unsigned long long sum = 0;
	FILE *f = fopen("/proc/softirqs", "r");

	while (f && fgets(line, sizeof(line), f)) {
		char *p = strstr(line, "NET_RX:");

		if (!p)
			continue;
		p += 7;
		for (char *e; ; p = e) {
			unsigned long long v = strtoull(p, &e, 10);

			if (e == p)
				break;
			sum += v;
		}
	}
	if (f)
		fclose(f);
	return sum;
}

static unsigned long long tx_sum;

static void sum_ports(struct nlmsghdr *h, void *arg)
{
	struct ifinfomsg *ifi = NLMSG_DATA(h);
	int len = IFLA_PAYLOAD(h);
	struct rtattr *a;

	(void)arg;
	if (ifi->ifi_index <= PORT_IDX(0))
		return;
	for (a = IFLA_RTA(ifi); RTA_OK(a, len); a = RTA_NEXT(a, len))
		if (a->rta_type == IFLA_STATS64) {
			struct rtnl_link_stats64 st;

			memcpy(&st, RTA_DATA(a), sizeof(st));
			tx_sum += st.tx_packets;
		}
}

static unsigned long long port_tx(int s)
{
	struct ifinfomsg ifi = { .ifi_family = AF_UNSPEC };
	struct req r;

	tx_sum = 0;
	req_init(&r, RTM_GETLINK, 0, &ifi, sizeof(ifi));
	if (nl_dump(s, &r, sum_ports, NULL))
		DIE("dump");
	return tx_sum;
}

static void sysctl_ns(const char *key, int v)
{
	char path[128], val[16];

	snprintf(val, sizeof(val), "%d", v);
	snprintf(path, sizeof(path), "/proc/sys/net/ipv6/conf/all/%s", key);
	write_file(path, val);
	snprintf(path, sizeof(path), "/proc/sys/net/ipv6/conf/default/%s", key);
	write_file(path, val);
}

static int br_opt(int s, int type, uint8_t v)
{
	struct ifinfomsg ifi = { .ifi_family = AF_UNSPEC, .ifi_index = BR_IDX };
	struct rtattr *li, *d;
	struct req r;

	req_init(&r, RTM_NEWLINK, 0, &ifi, sizeof(ifi));
	li = nest_begin(&r, IFLA_LINKINFO);
	rta_str(&r, IFLA_INFO_KIND, "bridge");
	d = nest_begin(&r, IFLA_INFO_DATA);
	rta_add(&r, type, &v, 1);
	nest_end(&r, d);
	nest_end(&r, li);
	return nl_talk(s, &r, NULL, NULL);
}

static int port_opt(int s, int idx, int type, uint8_t v)
{
	struct ifinfomsg ifi = { .ifi_family = AF_BRIDGE, .ifi_index = idx };
	struct rtattr *p;
	struct req r;

	req_init(&r, RTM_SETLINK, 0, &ifi, sizeof(ifi));
	p = nest_begin(&r, IFLA_PROTINFO | NLA_F_NESTED);
	rta_add(&r, type, &v, 1);
	nest_end(&r, p);
	return nl_talk(s, &r, NULL, NULL);
}

int main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 100;
	double window = argc > 2 ? atof(argv[2]) : 10;
	int home = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	int *nsfd = calloc(n, sizeof(int)), *sock = calloc(n, sizeof(int));
	int hs = nl_open(0), rs = envint("STAR_RS", -2),
	    ra = envint("STAR_ACCEPT_RA", -2),
	    mldi = envint("STAR_MLD_INTERVAL", -2),
	    mldv = envint("STAR_MLD_VERSION", -2);
	double t0, t1, b0, bb, marks[] = { 0.5, 1, 2, 3, 5, 10, 20, 30, 60 };
	char path[128];

	mkdir("/run/netns", 0755);
	t0 = now();
	for (int i = 0; i < n; i++) {
		int f;

		snprintf(path, sizeof(path), "/run/netns/h%d", i + 1);
		if (unshare(CLONE_NEWNET) < 0)
			DIE("unshare: %s", strerror(errno));
		f = open(path, O_RDONLY | O_CREAT | O_EXCL, 0);
		close(f);
		if (mount("/proc/self/ns/net", path, "none", MS_BIND, NULL) < 0)
			DIE("mount: %s", strerror(errno));
		nsfd[i] = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
		sock[i] = nl_open(0);
		sysctl_ns("accept_dad", 0);
		if (rs != -2)
			sysctl_ns("router_solicitations", rs);
		if (ra != -2)
			sysctl_ns("accept_ra", ra);
		if (mldi != -2)
			sysctl_ns("mldv2_unsolicited_report_interval", mldi);
		if (mldv != -2)
			sysctl_ns("force_mld_version", mldv);
		link_set(sock[i], 1, IFF_UP, IFF_UP, -1);
	}
	setns(home, CLONE_NEWNET);
	if (bridge_add(hs, "br0", BR_IDX))
		DIE("br0");
	if (envint("STAR_SNOOP", -1) == 0 && br_opt(hs, IFLA_BR_MCAST_SNOOPING, 0))
		DIE("snooping");
	if (envint("STAR_QUERIER", 0) && br_opt(hs, IFLA_BR_MCAST_QUERIER, 1))
		DIE("querier");
	if (envint("STAR_BR_V6", 1) == 0)
		write_file("/proc/sys/net/ipv6/conf/br0/disable_ipv6", "1");
	link_set(hs, BR_IDX, IFF_UP, IFF_UP, -1);
	for (int i = 0; i < n; i++) {
		char port[32];
		struct in6_addr a6 = { .s6_addr = { 0xfd } };
		uint8_t a4[4] = { 10, 100 + (i + 1) / 65536, (i + 1) / 256 % 256,
				  (i + 1) % 256 };
		int rc;

		snprintf(port, sizeof(port), "p%d", i + 1);
		rc = veth_add(hs, port, PORT_IDX(i + 1), -1, "eth0", 2, nsfd[i]);
		if (rc)
			DIE("veth: %s", strerror(-rc));
		snprintf(path, sizeof(path), "/proc/sys/net/ipv6/conf/%s/disable_ipv6", port);
		write_file(path, "1");
		if (link_set(hs, PORT_IDX(i + 1), IFF_UP, IFF_UP, BR_IDX))
			DIE("port up");
		if (envint("STAR_PORT_FLOOD", 1) == 0 &&
		    (rc = port_opt(hs, PORT_IDX(i + 1), IFLA_BRPORT_MCAST_FLOOD, 0)))
			DIE("port flood: %s", strerror(-rc));
		a6.s6_addr[14] = (i + 1) >> 8;
		a6.s6_addr[15] = (i + 1) & 255;
		if (addr_add(sock[i], 2, AF_INET, a4, 16, 0) ||
		    addr_add(sock[i], 2, AF_INET6, &a6, 64, IFA_F_NODAD))
			DIE("addr");
	}
	unsigned long long p0 = port_tx(hs);
	unsigned long long si0 = softirq_net();

	/* the late ends, each read back with its port */
	for (int i = 0; i < n; i++) {
		if (link_set(sock[i], 2, IFF_UP, IFF_UP, -1) ||
		    link_get(sock[i], 2, NULL, NULL) ||
		    link_get(hs, PORT_IDX(i + 1), NULL, NULL))
			DIE("raise");
	}
	t1 = now();
	printf("star n=%d: apply %.3f s\n", n, t1 - t0);
	fflush(stdout);
	if (getenv("STAR_CMD") && system(getenv("STAR_CMD")))
		printf("STAR_CMD failed\n");
	/* the window */
	{
		double tb = t1, t, base_rate;
		unsigned long long p;
		size_t m = 0;

		/* rate of the rest of the machine: measured after the window
		 * would include our flood's tail, so take the load average
		 * of the last second before: not available here; use the
		 * sandbox-free estimate from the first 0 s, i.e. none. */
		b0 = busy_s();
		bb = b0;
		(void)bb;
		base_rate = 0;
		for (;;) {
			usleep(20000);
			t = now() - tb;
			if (m < sizeof(marks) / sizeof(marks[0]) && t >= marks[m]) {
				p = port_tx(hs);
				printf("  +%5.1f s: %10llu packets out of ports, NET_RX softirqs %9llu, machine CPU busy %6.2f s\n",
				       marks[m], p - p0, softirq_net() - si0,
				       busy_s() - b0 - base_rate * t);
				fflush(stdout);
				m++;
			}
			if (t >= window)
				break;
		}
	}
	return 0;
}
