// SPDX-License-Identifier: MIT
/*
 * hosts_test.c - labs spread over machines: `hosts:` and `host:` as read
 * and refused; each machine's share of the plan (split.c): what stays
 * whole, what becomes a tunnel, the derived VNIs, MAC addresses, names
 * and MTUs, and that every machine derives the same.
 */
#include <arpa/inet.h>
#include <stdio.h>

#include "helpers.h"
#include "split.h"

/* Two routers on two hosts, a LAN of three hosts, the host's own bits. */
static const char spread[] =
	"name: spread\n"
	"hosts:\n"
	"  m1: {address: 192.0.2.1}\n"
	"  m2: {address: 192.0.2.2, ssh: root@m2.example, dev: eth1}\n"
	"  m3: {address: 192.0.2.3, mtu: 9000}\n"
	"nodes:\n"
	"  r1:\n"
	"    host: m1\n"
	"    interfaces:\n"
	"      eth0: {addresses: [10.1.0.1/24]}\n"
	"  r2:\n"
	"    host: m2\n"
	"    interfaces:\n"
	"      eth0: {addresses: [10.1.0.2/24], mac: \"02:00:00:00:01:02\"}\n"
	"  h1: {interfaces: {eth0: {addresses: [10.2.0.1/24]}}}\n"
	"  h2: {host: m2, interfaces: {eth0: {addresses: [10.2.0.2/24]}}}\n"
	"  h3:\n"
	"    host: m3\n"
	"    interfaces:\n"
	"      eth0: {addresses: [10.2.0.3/24], mtu: 8000}\n"
	"  host:\n"
	"    interfaces:\n"
	"      lan: {addresses: [10.2.0.254/24]}\n"
	"    routes:\n"
	"      - {to: 10.9.0.0/16, via: 10.2.0.1}\n"
	"bridges:\n"
	"  lan: {}\n"
	"links:\n"
	"  - [r1:eth0, r2:eth0]\n"
	"  - [h1:eth0, lan]\n"
	"  - [h2:eth0, lan]\n"
	"  - [h3:eth0, lan]\n";

static char *share_text(const struct topo *t, const char *host)
{
	struct plan *whole = plan_compile(t), *p;
	char *text;

	assert_true(topo_host_find(t, host) >= 0);
	p = plan_split(t, whole, topo_host_find(t, host));
	text = plan_text(p);
	plan_free(p);
	plan_free(whole);
	return text;
}

static void test_hosts_resolved(void **state)
{
	struct topo *t = load_ok(spread);

	(void)state;
	assert_int_equal(t->n_hosts, 3);
	assert_string_equal(t->hosts[1].ssh, "root@m2.example");
	assert_string_equal(t->hosts[1].dev, "eth1");
	assert_int_equal(t->hosts[0].mtu, HOST_MTU);
	assert_int_equal(t->hosts[2].mtu, 9000);
	assert_int_equal(t->hosts[0].address.plen, 32);
	assert_int_equal(topo_host_find(t, "m3"), 2);
	assert_int_equal(topo_host_find(t, "m4"), -1);
	/* h1 says no host: the first */
	assert_int_equal(t->nodes[strmap_get(&t->node_map, "h1")].host, 0);
	assert_int_equal(t->nodes[strmap_get(&t->node_map, "h2")].host, 1);
	for (size_t i = 0; i < t->n_ifaces; i++) {
		const struct iface *f = &t->ifaces[i];

		/* the bridge is on every machine with a port; the port of
		 * h3 (in the host namespace) on h3's machine */
		if (!strcmp(f->name, "lan"))
			assert_int_equal(f->hosts, 7);
		if (!strcmp(f->name, "h3-eth0"))
			assert_int_equal(f->host, 2);
	}
	topo_free(t);
}

static void test_hosts_errors(void **state)
{
	(void)state;
	assert_load_error(
		"hosts:\n"
		"  m1: {address: 192.0.2.1, port: 22}\n"
		"  m2: {address: 192.0.2.2/24, ssh: \"-oProxy=x\", mtu: 100}\n"
		"  \"bad name\": {address: 192.0.2.3, ssh: \"a b\"}\n"
		"  m4: [1]\n"
		"nodes:\n"
		"  a: {host: m1}\n",
		"2:28: unknown key 'port' in a host (known keys: address ssh "
		"dev mtu)\n"
		"3:17: 'address' '192.0.2.2/24' must be an address without a "
		"prefix length\n"
		"3:36: 'ssh' '-oProxy=x' is no destination ([USER@]HOST)\n"
		"3:54: 'mtu' must be an integer from 576 to 65535, not '100'\n"
		"4:3: host name 'bad name' may hold only letters, digits, '_', "
		"'.' and '-'\n"
		"4:41: 'ssh' 'a b' may hold no blanks or shell characters\n"
		"5:7: a host's settings must be a mapping, not a sequence");
	assert_load_error(
		"hosts:\n"
		"  m1: {address: 192.0.2.1}\n"
		"  m2: {ssh: root@m2}\n"
		"  m3: {address: \"2001:db8::3\"}\n"
		"  m4: {address: 192.0.2.1}\n"
		"nodes:\n"
		"  a: {host: m5}\n"
		"  b: {host: m4}\n"
		"  c: {host: zz}\n",
		"3:3: host 'm2' has no 'address' (its address on the underlay, "
		"which the lab's tunnels run over)\n"
		"4:17: host 'm3' has an IPv6 address, host 'm1' an IPv4 one: "
		"the underlay of a lab is of one family\n"
		"5:17: host 'm4' has the address of host 'm1' (192.0.2.1): "
		"each host is a machine of its own\n"
		"7:13: node 'a': host 'm5' is not defined (did you mean "
		"'m1'?)\n"
		"9:13: node 'c': host 'zz' is not defined in 'hosts:'");
	assert_load_error("nodes:\n  a: {host: m1}\n",
			  "2:13: node 'a' is on host 'm1', but the file has "
			  "no 'hosts:'");
	/* A node's bridge, a parent, a machine's VNIs: one machine each. */
	assert_load_error(
		"hosts:\n"
		"  m1: {address: 192.0.2.1}\n"
		"  m2: {address: 192.0.2.2}\n"
		"nodes:\n"
		"  sw: {host: m1}\n"
		"  a: {host: m2}\n"
		"  b: {host: m1}\n"
		"  p: {host: m1}\n"
		"  q: {host: m2}\n"
		"bridges:\n"
		"  br: {node: sw}\n"
		"links:\n"
		"  - [a:eth0, br]\n"
		"  - [br, b:eth0]\n"
		"  - [p:up0, p:up1]\n"
		"  - {kind: macvlan, endpoint: q:mv0, parent: p:up0}\n"
		"  - {kind: vxlan, endpoint: a:v0, id: 9, remote: 192.0.2.1}\n"
		"  - {kind: vxlan, endpoint: b:v0, id: 9, remote: 192.0.2.2}\n"
		"  - {kind: vxlan, endpoint: a:v1, id: 9, remote: 192.0.2.1}\n",
		"13:6: bridge 'br' is in node 'sw' on host 'm1': 'a:eth0' on "
		"host 'm2' cannot be its port (a bridge of the host namespace "
		"spans machines)\n"
		"16:46: parent 'p:up0' is on host 'm1', the link's endpoint "
		"'q:mv0' on host 'm2': a macvlan link stays on one machine\n"
		"19:39: vni 9 on UDP port 4789 is taken by the vxlan link at "
		"17:5: a machine has one VXLAN device per VNI and port");
}

/* The routed link: a VXLAN at each end, one VNI, each the other's. */
static void test_split_pair(void **state)
{
	struct topo *t = load_ok(spread);
	char *m1 = share_text(t, "m1"), *m2 = share_text(t, "m2");

	(void)state;
	/* The VNI and MAC addresses are what every build must derive: a
	 * change here breaks labs spread over machines of two versions. */
	assert_non_null(
		strstr(m1, "link add eth0 mtu 1450 address c6:a3:a1:e9:00:8f "
			   "type vxlan id 910932 remote 192.0.2.2 local "
			   "192.0.2.1 dstport 4789 @r1\n"));
	/* m2's own underlay device; r2's MAC is the file's */
	assert_non_null(
		strstr(m2, "link add eth0 mtu 1450 address 02:00:00:00:01:02 "
			   "type vxlan id 910932 remote 192.0.2.1 local "
			   "192.0.2.2 dev eth1 dstport 4789 @r2\n"));
	/* no veth for it, on either side */
	assert_null(strstr(m1, "peer eth0"));
	assert_null(strstr(m2, "peer eth0"));
	/* each node is made on its machine only */
	assert_non_null(strstr(m1, "netns add r1\n"));
	assert_null(strstr(m1, "netns add r2\n"));
	assert_non_null(strstr(m2, "netns add r2\n"));
	assert_null(strstr(m2, "netns add r1\n"));
	free(m1);
	free(m2);
	topo_free(t);
}

/* The LAN: the bridge and a VXLAN port flooding to the others on each
 * machine; the host's address and route on the first only. */
static void test_split_bridge(void **state)
{
	struct topo *t = load_ok(spread);
	char *m1 = share_text(t, "m1"), *m3 = share_text(t, "m3");

	(void)state;
	assert_non_null(strstr(
		m1, "link add lan type bridge @host\n"
		    "link add vx-lan mtu 1450 address b6:84:6c:f3:98:49 type "
		    "vxlan id 2796997 local 192.0.2.1 dstport 4789 @host\n"
		    "sysctl net.ipv6.conf.vx-lan.disable_ipv6=1 @host\n"
		    "fdb append 00:00:00:00:00:00 dst 192.0.2.2 dev vx-lan "
		    "@host\n"
		    "fdb append 00:00:00:00:00:00 dst 192.0.2.3 dev vx-lan "
		    "@host\n"
		    "link set vx-lan master lan up @host\n"));
	assert_non_null(strstr(
		m3, "link add vx-lan mtu 1450 address 66:36:8c:fc:2a:0f type "
		    "vxlan id 2796997 local 192.0.2.3 dstport 4789 @host\n"));
	assert_non_null(strstr(m3, "fdb append 00:00:00:00:00:00 dst "
				   "192.0.2.1 dev vx-lan @host\n"));
	assert_null(strstr(m3, "dst 192.0.2.3"));
	/* the veth of a port gets the LAN's MTU (the smallest machine's:
	 * m1's 1500 - 50), unless the file gives it one */
	assert_non_null(strstr(m1, "link add eth0 mtu 1450 type veth peer "
				   "h1-eth0 mtu 1450 netns host @h1\n"));
	assert_non_null(strstr(m3, "link add eth0 mtu 8000 type veth peer "
				   "h3-eth0 mtu 1450 netns host @h3\n"));
	/* the bridge's address and the host's route: the host node's
	 * machine alone */
	assert_non_null(strstr(m1, "addr add 10.2.0.254/24 dev lan @host\n"));
	assert_non_null(strstr(m1, "route add 10.9.0.0/16 via 10.2.0.1"));
	assert_null(strstr(m3, "dev lan @host"));
	assert_null(strstr(m3, "route add"));
	/* but it is up on every machine */
	assert_non_null(strstr(m3, "link set lan up @host\n"));
	free(m1);
	free(m3);
	topo_free(t);
}

/* Every op of the whole plan is in some share; a node's in one. */
static void test_split_covers(void **state)
{
	struct topo *t = load_ok(spread);
	struct plan *whole = plan_compile(t);
	char *shares[3];

	(void)state;
	for (int h = 0; h < 3; h++) {
		struct plan *p = plan_split(t, whole, h);

		shares[h] = plan_text(p);
		plan_free(p);
	}
	for (size_t i = 0; i < whole->n_ops; i++) {
		struct strbuf line = { 0 };
		int found = 0;

		op_format(&whole->ops[i], &line);
		sb_addc(&line, '\n');
		for (int h = 0; h < 3; h++)
			found += strstr(shares[h], line.buf) != NULL;
		/* the routed pair and the LAN's veths (their MTU) are made
		 * otherwise; everything else is there as it is */
		if (whole->ops[i].kind != OP_LINK_ADD)
			assert_true(found >= 1);
		if (whole->ops[i].kind == OP_NETNS_ADD)
			assert_int_equal(found, 1);
		sb_free(&line);
	}
	for (int h = 0; h < 3; h++)
		free(shares[h]);
	plan_free(whole);
	topo_free(t);
}

/* Every machine derives the same, whatever the order of hosts asked;
 * another lab, other VNIs. */
static void test_split_deterministic(void **state)
{
	struct topo *t = load_ok(spread), *u;
	char *a = share_text(t, "m2"), *b, *c;
	char *other = xstrdup(spread);

	(void)state;
	free(share_text(t, "m1"));
	b = share_text(t, "m2");
	assert_string_equal(a, b);
	memcpy(strstr(other, "spread"), "spraed", 6);
	u = load_ok(other);
	free(other);
	c = share_text(u, "m2");
	assert_null(strstr(c, "id 910932"));
	free(a);
	free(b);
	free(c);
	topo_free(u);
	topo_free(t);
}

/* A derived VNI makes way for one the file gives a vxlan link. */
static void test_split_vni_avoids_files(void **state)
{
	struct strbuf sb = { 0 };
	struct topo *t;
	char *m1;

	(void)state;
	sb_printf(&sb,
		  "%s  - {kind: vxlan, endpoint: r1:x0, id: 910932, "
		  "remote: 192.0.2.9}\n",
		  spread);
	t = load_ok(sb.buf);
	m1 = share_text(t, "m1");
	assert_non_null(strstr(m1, "link add x0 up type vxlan id 910932 "
				   "remote 192.0.2.9 dstport 4789 @r1\n"));
	assert_null(strstr(m1, "eth0 mtu 1450 address c6:a3:a1:e9:00:8f "
			       "type vxlan id 910932"));
	free(m1);
	topo_free(t);
	sb_free(&sb);
}

/* Over IPv6, 70 bytes; a host's smaller MTU is the tunnel's. */
static void test_split_ipv6_mtu(void **state)
{
	struct topo *t =
		load_ok("name: six\n"
			"hosts:\n"
			"  a: {address: \"2001:db8::1\", mtu: 1400}\n"
			"  b: {address: \"2001:db8::2\"}\n"
			"nodes:\n"
			"  x: {host: a}\n"
			"  y: {host: b}\n"
			"links:\n"
			"  - [x:eth0, y:eth0]\n"
			"  - {endpoints: [x:eth1, y:eth1], mtu: 1280}\n");
	char *b = share_text(t, "b");

	(void)state;
	assert_non_null(strstr(b, "link add eth0 mtu 1330 "));
	assert_non_null(strstr(b, "remote 2001:db8::1 local 2001:db8::2 "));
	assert_non_null(strstr(b, "link add eth1 mtu 1280 "));
	free(b);
	topo_free(t);
}

/* A bridge's port is named after the bridge, unless that cannot be. */
static void test_port_names(void **state)
{
	struct topo *t = load_ok("name: n\n"
				 "hosts:\n"
				 "  a: {address: 192.0.2.1}\n"
				 "  b: {address: 192.0.2.2}\n"
				 "nodes:\n"
				 "  x: {host: a}\n"
				 "  y: {host: b}\n"
				 "bridges:\n"
				 "  br: {}\n"
				 "  long-bridge-1: {}\n"
				 "links:\n"
				 "  - [x:eth0, br]\n"
				 "  - [y:eth0, br]\n"
				 "  - [host:vx-br, host:other]\n");
	struct arena a = { 0 };
	const char *n;

	(void)state;
	/* vx-br is the file's own: a hash instead */
	n = split_port_name(t, &t->bridges[0], &a);
	assert_int_equal(strlen(n), 11);
	assert_memory_equal(n, "vx-", 3);
	assert_string_not_equal(n, "vx-br");
	n = split_port_name(t, &t->bridges[1], &a);
	assert_int_equal(strlen(n), 11);
	arena_free(&a);
	topo_free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hosts_resolved),
		cmocka_unit_test(test_hosts_errors),
		cmocka_unit_test(test_split_pair),
		cmocka_unit_test(test_split_bridge),
		cmocka_unit_test(test_split_covers),
		cmocka_unit_test(test_split_deterministic),
		cmocka_unit_test(test_split_vni_avoids_files),
		cmocka_unit_test(test_split_ipv6_mtu),
		cmocka_unit_test(test_port_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
