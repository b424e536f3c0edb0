// SPDX-License-Identifier: MIT
/*
 * validate_test.c - the rules that need the whole file, and what
 * validation resolves for the planner: interfaces, derived port names,
 * namespace names, merged defaults, route tables and metrics.
 */
#include <arpa/inet.h>
#include <stdio.h>

#include "helpers.h"

static const struct node *node_named(const struct topo *t, const char *name)
{
	for (size_t i = 0; i < t->n_nodes; i++)
		if (!strcmp(t->nodes[i].name, name))
			return &t->nodes[i];
	fail_msg("no node '%s'", name);
	return NULL;
}

static const char *sysctl_of(const struct node *n, const char *key)
{
	for (size_t i = 0; i < n->n_sysctls; i++)
		if (!strcmp(n->sysctls[i].key, key))
			return n->sysctls[i].value;
	return NULL;
}

/* The interface @name in node @node, or NULL. */
static const struct iface *iface_in(const struct topo *t, const char *node,
				    const char *name)
{
	for (size_t i = 0; i < t->n_ifaces; i++)
		if (!strcmp(t->nodes[t->ifaces[i].node].name, node) &&
		    !strcmp(t->ifaces[i].name, name))
			return &t->ifaces[i];
	return NULL;
}

/* "node:name" of every interface, in creation order. */
static char *ifaces_text(const struct topo *t)
{
	struct strbuf sb = { 0 };

	for (size_t i = 0; i < t->n_ifaces; i++)
		sb_printf(&sb, "%s%s:%s", i ? " " : "",
			  t->nodes[t->ifaces[i].node].name, t->ifaces[i].name);
	return sb.buf ? sb.buf : xstrdup("");
}

static void route_text(const struct route *r, char *buf, size_t len)
{
	char to[INET6_ADDRSTRLEN + 4];

	prefix_format(&r->to, true, to, sizeof(to));
	snprintf(buf, len, "%s %s dev %s table %u metric %u",
		 route_type_name(r->type), to, r->dev ? r->dev : "-", r->table,
		 r->metric);
}

#define assert_route(r, want)                        \
	do {                                         \
		char buf_[128];                      \
		route_text((r), buf_, sizeof(buf_)); \
		assert_string_equal(buf_, (want));   \
	} while (0)

static void test_interfaces_resolved(void **state)
{
	struct topo *t = load_ok("nodes:\n"
				 "  r:\n"
				 "    interfaces:\n"
				 "      eth1: {mtu: 1400}\n"
				 "  h1: {}\n"
				 "  h2: {}\n"
				 "bridges:\n"
				 "  br-lab: {}\n"
				 "  core: {node: r}\n"
				 "links:\n"
				 "  - [h1:eth0, r:eth0]\n"
				 "  - [h2:eth0, br-lab]\n"
				 "  - {endpoints: [r:eth1, br-lab:rtr], mtu: "
				 "9000}\n"
				 "  - [core, h1:eth1]\n");
	const struct iface *f, *p;
	char *text;

	(void)state;
	/* Bridges, then named ends, then derived port names. */
	text = ifaces_text(t);
	assert_string_equal(text, "host:br-lab r:core h1:eth0 r:eth0 h2:eth0 "
				  "r:eth1 host:rtr h1:eth1 host:h2-eth0 "
				  "r:h1-eth1");
	free(text);
	f = iface_in(t, "host", "h2-eth0");
	assert_non_null(f);
	assert_int_equal(f->kind, LK_VETH);
	assert_int_equal(f->node, HOST_NODE);
	assert_int_equal(f->link, 1);
	p = &t->ifaces[f->peer];
	assert_string_equal(p->name, "eth0");
	assert_string_equal(t->nodes[p->node].name, "h2");
	assert_ptr_equal(&t->ifaces[p->peer], f);
	assert_string_equal(t->ifaces[f->master].name, "br-lab");
	assert_int_equal(p->master, -1);
	f = iface_in(t, "r", "h1-eth1");
	assert_non_null(f);
	assert_string_equal(t->ifaces[f->master].name, "core");
	assert_int_equal(t->ifaces[f->master].kind, LK_BRIDGE);
	assert_int_equal(t->ifaces[f->master].bridge, 1);
	/* The link's mtu on both ends, unless an end says otherwise. */
	assert_int_equal(iface_in(t, "host", "rtr")->mtu, 9000);
	assert_int_equal(iface_in(t, "r", "eth1")->mtu, 1400);
	assert_int_equal(iface_in(t, "h1", "eth0")->mtu, 0);
	assert_non_null(iface_in(t, "r", "eth1")->cfg);
	assert_null(iface_in(t, "h1", "eth0")->cfg);
	assert_int_equal(t->bridges[0].n_ports, 2);
	assert_int_equal(t->links[1].ep[1].iface,
			 (int)(iface_in(t, "host", "h2-eth0") - t->ifaces));
	topo_free(t);
}

static void test_derived_port_names(void **state)
{
	struct topo *t = load_ok("nodes:\n"
				 "  a: {}\n"
				 "bridges:\n"
				 "  br1: {}\n"
				 "  br2: {node: a}\n"
				 "links:\n"
				 "  - [br1, br2]\n"
				 "  - [a:eth0, br1:p0]\n"
				 "  - [br2, br1:p1]\n");

	(void)state;
	/* A port facing another bridge is "to-BRIDGE", the same way on
	 * both sides; a second one facing the same bridge in the same
	 * namespace takes the hashed form of that name. */
	assert_string_equal(t->links[0].ep[0].ifname, "to-br2");
	assert_int_equal(t->links[0].ep[0].node, HOST_NODE);
	assert_string_equal(t->links[0].ep[1].ifname, "to-br1");
	assert_string_equal(t->nodes[t->links[0].ep[1].node].name, "a");
	assert_int_equal(strncmp(t->links[2].ep[0].ifname, "to-br1-", 7), 0);
	assert_int_equal(strlen(t->links[2].ep[0].ifname), 15);
	topo_free(t);
}

/* The hashed fallback: "%.6s-%08x" of hash("LABEL#SALT"). */
static void hashed_name(const char *label, unsigned salt, char out[16])
{
	char key[64];

	snprintf(key, sizeof(key), "%s#%u", label, salt);
	snprintf(out, 16, "%.6s-%08x", label,
		 (uint32_t)hash_bytes(key, strlen(key)));
}

static const char taken_yaml[] = "nodes:\n"
				 "  h2: {}\n"
				 "  x: {}\n"
				 "  a-long-node-name: {}\n"
				 "bridges:\n"
				 "  br-lab: {}\n"
				 "links:\n"
				 "  - [h2:eth0, br-lab]\n"
				 "  - [x:eth0, host:h2-eth1]\n"
				 "  - [h2:eth1, br-lab]\n"
				 "  - [a-long-node-name:eth0, br-lab]\n"
				 "  - [x:eth1, host:h2-eth-ac068d2f]\n";

static void test_derived_port_name_fallback(void **state)
{
	struct topo *t1 = load_ok(taken_yaml), *t2 = load_ok(taken_yaml);
	char want[16];

	(void)state;
	assert_string_equal(t1->links[0].ep[1].ifname, "h2-eth0");
	/* "h2-eth1" is taken by an explicit name: hashed instead. */
	hashed_name("h2-eth1", 0, want);
	assert_string_equal(want, "h2-eth-ac068d2f");
	/* ... but that is taken too (by link 4): the next salt. */
	hashed_name("h2-eth1", 1, want);
	assert_string_equal(t1->links[2].ep[1].ifname, want);
	assert_string_equal(want, "h2-eth-ac068b7c");
	/* "a-long-node-name-eth0" does not fit in 15 bytes. */
	hashed_name("a-long-node-name-eth0", 0, want);
	assert_string_equal(t1->links[3].ep[1].ifname, want);
	assert_string_equal(want, "a-long-da3c1cad");
	for (size_t i = 0; i < t1->n_links; i++)
		for (int e = 0; e < 2; e++) {
			const char *why;

			assert_true(
				ifname_valid(t1->links[i].ep[e].ifname, &why));
			/* Stable: the same names from a second load. */
			assert_string_equal(t1->links[i].ep[e].ifname,
					    t2->links[i].ep[e].ifname);
		}
	topo_free(t1);
	topo_free(t2);
}

static void test_defaults_merged(void **state)
{
	struct topo *t = load_ok("defaults:\n"
				 "  sysctl:\n"
				 "    net.ipv4.ip_forward: 1\n"
				 "    net.ipv6.conf.all.forwarding: 1\n"
				 "  routes:\n"
				 "    - {to: 198.18.0.0/15, type: blackhole}\n"
				 "  intercept: [192.0.2.0/24]\n"
				 "nodes:\n"
				 "  a: {}\n"
				 "  b:\n"
				 "    sysctl:\n"
				 "      net.ipv4.ip_forward: 0\n"
				 "      net.core.somaxconn: 64\n"
				 "    routes: []\n"
				 "  c:\n"
				 "    intercept: [\"::/0\"]\n"
				 "    routes:\n"
				 "      - {to: 10.0.0.0/8, type: prohibit}\n"
				 "  host:\n"
				 "    sysctl:\n"
				 "      net.ipv4.conf.all.forwarding: 1\n");
	const struct node *a = node_named(t, "a"), *b = node_named(t, "b");
	const struct node *c = node_named(t, "c"), *host;

	(void)state;
	assert_int_equal(a->n_sysctls, 2);
	assert_string_equal(sysctl_of(a, "net.ipv4.ip_forward"), "1");
	assert_int_equal(a->n_routes, 2);
	assert_route(&a->routes[0],
		     "blackhole 198.18.0.0/15 dev - table 254 metric 0");
	assert_route(&a->routes[1],
		     "local 192.0.2.0/24 dev lo table 255 metric 0");
	assert_true(a->routes[1].intercept);
	/* A node's own sysctl wins key by key; defaults come first. */
	assert_int_equal(b->n_sysctls, 3);
	assert_string_equal(b->sysctls[0].key, "net.ipv6.conf.all.forwarding");
	assert_string_equal(sysctl_of(b, "net.ipv4.ip_forward"), "0");
	assert_string_equal(sysctl_of(b, "net.core.somaxconn"), "64");
	/* routes: and intercept: replace the defaults' whole. */
	assert_int_equal(b->n_routes, 1);
	assert_true(b->routes[0].intercept);
	assert_int_equal(c->n_routes, 2);
	assert_route(&c->routes[0], "local ::/0 dev lo table 255 metric 1024");
	assert_route(&c->routes[1],
		     "prohibit 10.0.0.0/8 dev - table 254 metric 0");
	/* Never into the host. */
	host = &t->nodes[HOST_NODE];
	assert_int_equal(host->n_sysctls, 1);
	assert_null(sysctl_of(host, "net.ipv4.ip_forward"));
	assert_int_equal(host->n_routes, 0);
	topo_free(t);
}

static void test_defaults_not_into_implicit_host(void **state)
{
	struct topo *t = load_ok("defaults:\n"
				 "  sysctl: {net.ipv4.ip_forward: 1}\n"
				 "  intercept: [0.0.0.0/0]\n"
				 "nodes:\n"
				 "  a: {}\n");

	(void)state;
	/* An intercept in defaults would be an error in the host. */
	assert_int_equal(t->nodes[HOST_NODE].n_sysctls, 0);
	assert_int_equal(t->nodes[HOST_NODE].n_routes, 0);
	assert_int_equal(node_named(t, "a")->n_routes, 1);
	topo_free(t);
}

static void test_routes_resolved(void **state)
{
	struct topo *t = load_ok(
		"nodes:\n"
		"  a:\n"
		"    interfaces:\n"
		"      eth0: {addresses: [10.0.0.1/24, \"fd00::1/64\"]}\n"
		"    routes:\n"
		"      - {to: default, via: 10.0.0.2}\n"
		"      - {to: default, via: \"fd00::2\"}\n"
		"      - {to: \"fd01::/64\", via: \"fd00::2\", metric: 5}\n"
		"      - {to: \"fd02::/64\", type: unreachable}\n"
		"      - {to: 203.0.113.9, type: local}\n"
		"      - {to: \"2001:db8::/32\", type: local, table: 7}\n"
		"      - {to: 172.16.0.0/12, dev: eth0}\n"
		"      - {to: 192.168.0.0/16, via: 172.16.0.1}\n"
		"      - {to: \"fd03::/64\", via: \"fe80::1\", dev: eth0}\n"
		"      - {to: 10.9.0.0/16, via: 10.8.0.1, dev: eth0, "
		"onlink: true}\n"
		"    intercept: [0.0.0.0/0, \"::/0\"]\n"
		"  b: {}\n"
		"links:\n"
		"  - [a:eth0, b:eth0]\n");
	const struct node *a = node_named(t, "a");

	(void)state;
	assert_int_equal(a->n_routes, 12);
	/* `default` takes its family from the gateway. */
	assert_route(&a->routes[0],
		     "unicast 0.0.0.0/0 dev - table 254 metric 0");
	/* IPv6 routes get the kernel's metric, 1024, unless given. */
	assert_route(&a->routes[1], "unicast ::/0 dev - table 254 metric 1024");
	assert_route(&a->routes[2],
		     "unicast fd01::/64 dev - table 254 metric 5");
	assert_route(&a->routes[3],
		     "unreachable fd02::/64 dev - table 254 metric 1024");
	/* `type: local` goes to table local, on lo, as with ip route. */
	assert_route(&a->routes[4],
		     "local 203.0.113.9/32 dev lo table 255 metric 0");
	assert_route(&a->routes[5],
		     "local 2001:db8::/32 dev lo table 7 metric 1024");
	assert_route(&a->routes[6],
		     "unicast 172.16.0.0/12 dev eth0 table 254 metric 0");
	/* A gateway reachable through a device route is fine. */
	assert_route(&a->routes[7],
		     "unicast 192.168.0.0/16 dev - table 254 metric 0");
	assert_route(&a->routes[8],
		     "unicast fd03::/64 dev eth0 table 254 metric 1024");
	assert_true(a->routes[9].onlink);
	/* Intercepts: local routes on lo in table local. */
	assert_route(&a->routes[10],
		     "local 0.0.0.0/0 dev lo table 255 metric 0");
	assert_route(&a->routes[11], "local ::/0 dev lo table 255 metric 1024");
	assert_true(a->routes[11].intercept);
	topo_free(t);
}

static void test_namespace_names(void **state)
{
	struct topo *t = load_ok("namespace-prefix: lab1-\n"
				 "nodes:\n"
				 "  r: {}\n"
				 "  h.1: {}\n"
				 "links:\n"
				 "  - [r:eth0, h.1:eth0]\n");

	(void)state;
	assert_string_equal(node_named(t, "r")->ns, "lab1-r");
	assert_string_equal(node_named(t, "h.1")->ns, "lab1-h.1");
	assert_null(t->nodes[HOST_NODE].ns);
	topo_free(t);
}

/* A bridge takes 1023 ports, the kernel's limit, and not one more. */
static void test_bridge_port_limit(void **state)
{
	struct strbuf sb = { 0 };
	struct topo *t;
	char *got;

	(void)state;
	sb_add(&sb, "nodes:\n  a: {}\nbridges:\n  br0: {}\nlinks:\n");
	for (int i = 0; i < BRIDGE_MAX_PORTS; i++)
		sb_printf(&sb, "  - [a:e%d, br0]\n", i);
	t = load_ok(sb.buf);
	assert_int_equal(t->bridges[0].n_ports, BRIDGE_MAX_PORTS);
	topo_free(t);
	sb_add(&sb, "  - [a:last, br0]\n");
	got = load_errors(sb.buf);
	assert_non_null(got);
	assert_string_equal(got, "1029:14: bridge 'br0' would have more than "
				 "1023 ports (the kernel's limit)");
	free(got);
	sb_free(&sb);
}

static void test_gateway_rules_valid(void **state)
{
	struct topo *t = load_ok("nodes:\n"
				 "  a:\n"
				 "    interfaces:\n"
				 "      eth0: {addresses: [10.0.0.1/24]}\n"
				 "      eth1: {up: false}\n"
				 "    routes:\n"
				 "      - {to: 10.1.0.0/16, via: 10.0.0.9, "
				 "dev: eth0}\n"
				 "      - {to: 10.2.0.0/16, type: blackhole}\n"
				 "  b: {}\n"
				 "links:\n"
				 "  - [a:eth0, b:eth0]\n"
				 "  - [a:eth1, b:eth1]\n");

	(void)state;
	assert_int_equal(node_named(t, "a")->n_routes, 2);
	topo_free(t);
}

/* Errors: the rules that need the whole file. */

#define NODES_AB "nodes:\n  a: {}\n  b: {}\n"

static void test_error_empty_and_references(void **state)
{
	(void)state;
	assert_load_error("nodes: {}\n",
			  "1:1: the topology has no nodes, bridges or links");
	assert_load_error("bridges:\n  br0: {node: rooter}\n"
			  "nodes:\n  router: {}\n",
			  "2:15: bridge 'br0': node 'rooter' is not defined "
			  "(did you mean 'router'?)");
	assert_load_error(NODES_AB "links:\n  - [a:eth0, c:eth0]\n",
			  "5:14: endpoint 'c:eth0': no node or bridge 'c' (did "
			  "you mean 'a'?)");
	assert_load_error("nodes:\n  alpha: {}\n  b: {}\n"
			  "links:\n  - [alpa:eth0, b:eth0]\n",
			  "5:6: endpoint 'alpa:eth0': no node or bridge 'alpa' "
			  "(did you mean 'alpha'?)");
	assert_load_error(NODES_AB "links:\n  - [a:eth0, zzzzzz:eth0]\n",
			  "5:14: endpoint 'zzzzzz:eth0': no node or bridge "
			  "'zzzzzz'");
	assert_load_error(NODES_AB "links:\n  - [a, b:eth0]\n",
			  "5:6: endpoint 'a' is a node: write a:IFNAME");
	assert_load_error(NODES_AB "bridges:\n  a: {}\n"
				   "links:\n  - [a:eth0, b:eth0]\n",
			  "7:6: endpoint 'a:eth0' is ambiguous: 'a' is both a "
			  "node and a bridge");
	assert_load_error(NODES_AB "links:\n  - [a:eth/0, b:eth0]\n",
			  "5:6: endpoint 'a:eth/0': interface name 'eth/0' may "
			  "not contain '/', ':' or '%'");
	assert_load_error(NODES_AB "links:\n  - [\":eth0\", b:eth0]\n",
			  "5:6: endpoint ':eth0' has no node or bridge name");
	assert_load_error("bridges:\n  br0: {}\nlinks:\n  - [br0, br0:p1]\n",
			  "4:11: link joins bridge 'br0' to itself");
}

static void test_error_interface_names(void **state)
{
	(void)state;
	assert_load_error(NODES_AB "links:\n  - [a:eth0, b:eth0]\n"
				   "  - [a:eth0, b:eth1]\n",
			  "6:6: interface 'eth0' already exists in node 'a' "
			  "(made at 5:6)");
	assert_load_error(NODES_AB "links:\n  - [a:lo, b:eth0]\n",
			  "5:6: interface name 'lo' is taken by the loopback "
			  "device");
	assert_load_error("bridges:\n  br0: {node: a}\n" NODES_AB
			  "links:\n  - [a:br0, b:eth0]\n",
			  "7:6: interface 'br0' already exists in node 'a' "
			  "(made at 2:3)");
	assert_load_error("nodes:\n  a:\n    interfaces:\n      eth1: {}\n"
			  "  b: {}\nlinks:\n  - [a:eth0, b:eth0]\n",
			  "4:7: node 'a' has no interface 'eth1' (did you mean "
			  "'eth0'?)");
	assert_load_error("nodes:\n  a:\n    interfaces:\n      wan: {}\n"
			  "  b: {}\nlinks:\n  - [a:eth0, b:eth0]\n",
			  "4:7: node 'a' has no interface 'wan': no link or "
			  "bridge creates it");
	assert_load_error("nodes:\n  host:\n    interfaces:\n      eth0: {}\n",
			  "4:7: node 'host' has no interface 'eth0': no link "
			  "or "
			  "bridge creates it");
	assert_load_error("nodes:\n  a:\n    interfaces:\n"
			  "      lo: {mac: \"02:00:00:00:00:01\"}\n",
			  "4:17: interface 'lo' has no MAC address to set");
}

static void test_error_addresses(void **state)
{
	(void)state;
	assert_load_error("nodes:\n  a:\n    interfaces:\n"
			  "      lo: {addresses: [224.0.0.1/4]}\n",
			  "4:24: address 224.0.0.1 is not a unicast address");
	assert_load_error("nodes:\n  a:\n    interfaces:\n"
			  "      lo: {addresses: [\"::/0\"]}\n",
			  "4:24: address :: is not a unicast address");
	assert_load_error("nodes:\n  a:\n    interfaces:\n"
			  "      lo: {addresses: [10.0.0.1/8, 10.0.0.1/24]}\n",
			  "4:36: address 10.0.0.1 is already on lo in node 'a' "
			  "(at 4:24)");
	assert_load_error("nodes:\n  a:\n    interfaces:\n"
			  "      lo: {addresses: [10.0.0.1/8]}\n"
			  "      eth0: {addresses: [10.0.0.1/24]}\n"
			  "  b: {}\nlinks:\n  - [a:eth0, b:eth0]\n",
			  "5:26: address 10.0.0.1 is already on lo in node 'a' "
			  "(at 4:24)");
}

static void test_error_routes(void **state)
{
	(void)state;
	assert_load_error("nodes:\n  host:\n    intercept: [10.0.0.0/8]\n",
			  "3:17: intercept is not allowed in the host "
			  "namespace: "
			  "it would capture the host's own traffic");
	assert_load_error("nodes:\n  a:\n    routes:\n"
			  "      - {to: 10.0.0.0/8, type: blackhole, "
			  "via: 10.0.0.1}\n",
			  "4:48: a blackhole route takes neither 'via' nor "
			  "'dev'");
	assert_load_error("nodes:\n  a:\n    routes:\n"
			  "      - {to: 10.0.0.0/8, type: local, via: "
			  "10.0.0.1}\n",
			  "4:44: a local route takes no 'via'");
	assert_load_error("nodes:\n  a:\n    routes:\n"
			  "      - {to: default, dev: lo}\n",
			  "4:14: 'default' needs 'via' to tell IPv4 from IPv6: "
			  "write 0.0.0.0/0 or ::/0");
	assert_load_error("nodes:\n  a:\n    routes:\n"
			  "      - {to: 10.0.0.1/8, dev: lo}\n",
			  "4:14: route destination 10.0.0.1/8 has host bits "
			  "set "
			  "(did you mean 10.0.0.0/8?)");
	assert_load_error("nodes:\n  a:\n    intercept: [10.0.0.1/8]\n",
			  "3:17: intercept prefix 10.0.0.1/8 has host bits set "
			  "(did you mean 10.0.0.0/8?)");
	assert_load_error("nodes:\n  a:\n    routes:\n"
			  "      - {to: 10.0.0.0/8, dev: eth0}\n",
			  "4:31: route device 'eth0' does not exist in node "
			  "'a'");
	assert_load_error("nodes:\n  a:\n    interfaces:\n"
			  "      eth0: {up: false}\n"
			  "    routes:\n      - {to: 10.0.0.0/8, dev: eth0}\n"
			  "  b: {}\nlinks:\n  - [a:eth0, b:eth0]\n",
			  "6:31: route device 'eth0' is down (up: false) in "
			  "node "
			  "'a'");
	assert_load_error("nodes:\n  a:\n    routes:\n"
			  "      - {to: 10.0.0.0/8}\n",
			  "4:9: a unicast route needs 'via' or 'dev'");
	assert_load_error("nodes:\n  a:\n    routes:\n"
			  "      - {to: 10.0.0.0/8, via: \"fd00::1\"}\n",
			  "4:31: gateway fd00::1 is IPv6 but destination "
			  "10.0.0.0/8 is IPv4");
	assert_load_error("nodes:\n  a:\n    routes:\n"
			  "      - {to: \"fd01::/64\", via: \"fe80::1\"}\n",
			  "4:32: link-local gateway fe80::1 needs 'dev'");
	assert_load_error("nodes:\n  a:\n    routes:\n"
			  "      - {to: 10.0.0.0/8, via: 192.168.0.1, "
			  "onlink: true}\n",
			  "4:9: an onlink route needs 'dev'");
}

static void test_error_gateways(void **state)
{
	(void)state;
	assert_load_error("nodes:\n  a:\n    interfaces:\n"
			  "      lo: {addresses: [192.168.0.1/24]}\n"
			  "    routes:\n"
			  "      - {to: 10.0.0.0/8, via: 192.168.0.1}\n",
			  "6:31: gateway 192.168.0.1 is an address of node 'a' "
			  "itself");
	assert_load_error("nodes:\n  a:\n    interfaces:\n"
			  "      eth0: {up: false, addresses: "
			  "[192.168.0.1/24]}\n"
			  "    routes:\n"
			  "      - {to: 10.0.0.0/8, via: 192.168.0.2}\n"
			  "  b: {}\nlinks:\n  - [a:eth0, b:eth0]\n",
			  "6:31: gateway 192.168.0.2 is on interface 'eth0', "
			  "which is down (up: false)");
	assert_load_error("nodes:\n  a:\n    interfaces:\n"
			  "      eth0: {addresses: [192.168.0.1/24]}\n"
			  "    routes:\n"
			  "      - {to: 10.0.0.0/8, via: 192.168.1.2, dev: "
			  "eth0}\n"
			  "  b: {}\nlinks:\n  - [a:eth0, b:eth0]\n",
			  "6:31: gateway 192.168.1.2 is not on a subnet of "
			  "'eth0' in node 'a' (add an address there, or "
			  "onlink: "
			  "true)");
	assert_load_error("nodes:\n  a:\n    routes:\n"
			  "      - {to: 10.0.0.0/8, via: 192.168.1.2}\n",
			  "4:31: gateway 192.168.1.2 is not on a subnet of any "
			  "interface of node 'a'");
	/* A gateway on another interface than `dev` is not reachable. */
	assert_load_error("nodes:\n  a:\n    interfaces:\n"
			  "      lo: {addresses: [192.168.0.1/24]}\n"
			  "      eth0: {}\n"
			  "    routes:\n"
			  "      - {to: 10.0.0.0/8, via: 192.168.0.2, dev: "
			  "eth0}\n"
			  "  b: {}\nlinks:\n  - [a:eth0, b:eth0]\n",
			  "7:31: gateway 192.168.0.2 is not on a subnet of "
			  "'eth0' in node 'a' (add an address there, or "
			  "onlink: "
			  "true)");
}

static void test_error_kernel_routes_and_duplicates(void **state)
{
	(void)state;
	assert_load_error("nodes:\n  a:\n    interfaces:\n"
			  "      lo: {addresses: [192.168.0.1/24]}\n"
			  "    intercept: [192.168.0.1/32]\n",
			  "5:17: intercept 192.168.0.1/32 clashes with a route "
			  "of the kernel: it is the local address "
			  "192.168.0.1/24 of lo");
	assert_load_error("nodes:\n  a:\n    interfaces:\n"
			  "      lo: {addresses: [192.168.0.1/24]}\n"
			  "    routes:\n"
			  "      - {to: 192.168.0.0/24, dev: lo}\n",
			  "6:14: route to 192.168.0.0/24 clashes with a route "
			  "of "
			  "the kernel: the kernel adds that route for address "
			  "192.168.0.1/24 of lo (give it a metric)");
	assert_load_error("nodes:\n  a:\n    intercept: [127.0.0.0/8]\n",
			  "3:17: intercept 127.0.0.0/8 clashes with a route of "
			  "the kernel: the kernel adds it for lo");
	assert_load_error("nodes:\n  a:\n    routes:\n"
			  "      - {to: 10.0.0.0/8, type: blackhole}\n"
			  "      - {to: 10.0.0.0/8, type: unreachable}\n",
			  "5:14: duplicate route to 10.0.0.0/8 in table 254 "
			  "(first at 4:14)");
	/* The implicit IPv6 metric is the kernel's 1024. */
	assert_load_error("nodes:\n  a:\n    routes:\n"
			  "      - {to: \"::/0\", type: blackhole}\n"
			  "      - {to: \"::/0\", type: blackhole, metric: "
			  "1024}\n",
			  "5:14: duplicate route to ::/0 in table 254 (first "
			  "at 4:14)");
	/* An intercept and a local route to the same prefix clash. */
	assert_load_error("nodes:\n  a:\n    intercept: [10.0.0.0/8]\n"
			  "    routes:\n"
			  "      - {to: 10.0.0.0/8, type: local}\n",
			  "5:14: duplicate route to 10.0.0.0/8 in table 255 "
			  "(first at 3:17)");
}

static void test_error_sysctl_interface(void **state)
{
	(void)state;
	assert_load_error("nodes:\n  a:\n    sysctl:\n"
			  "      net.ipv4.conf.eth9.forwarding: 1\n",
			  "4:7: sysctl 'net.ipv4.conf.eth9.forwarding' names "
			  "interface 'eth9', which node 'a' does not have");
	/* A '/' stands for a '.' in the interface's name. */
	assert_load_error("nodes:\n  a:\n    sysctl:\n"
			  "      net.ipv4.conf.eth0/1.forwarding: 1\n"
			  "  b: {}\nlinks:\n  - [a:eth0, b:eth0]\n",
			  "4:7: sysctl 'net.ipv4.conf.eth0/1.forwarding' names "
			  "interface 'eth0.1', which node 'a' does not have");
}

static void test_error_defaults_reported_once_per_node(void **state)
{
	(void)state;
	/* A default that breaks in two nodes: each is named. */
	assert_load_error("defaults:\n  sysctl:\n"
			  "    net.ipv4.conf.eth0.forwarding: 1\n"
			  "nodes:\n  a: {}\n  b: {}\n  c: {}\n"
			  "links:\n  - [c:eth0, c:eth1]\n",
			  "3:5: sysctl 'net.ipv4.conf.eth0.forwarding' names "
			  "interface 'eth0', which node 'a' does not have\n"
			  "3:5: sysctl 'net.ipv4.conf.eth0.forwarding' names "
			  "interface 'eth0', which node 'b' does not have");
}

static void test_error_no_cascade(void **state)
{
	char *got;

	(void)state;
	/* A link that is dropped does not make its interface's settings
	 * or routes dangling: only the real error is reported. */
	assert_load_error("nodes:\n  a:\n    interfaces:\n"
			  "      eth0: {addresses: [10.0.0.1/24]}\n"
			  "    routes:\n"
			  "      - {to: 10.1.0.0/16, via: 10.0.0.2, dev: "
			  "eth0}\n"
			  "links:\n  - [a:eth0]\n",
			  "8:5: a link joins exactly two endpoints, not 1");
	/* A misspelt section is one error, not also "no nodes". */
	assert_load_error("nodse:\n  a: {}\n",
			  "1:1: unknown key 'nodse' in the topology (did you "
			  "mean 'nodes'?)");
	/* A bad address leaves the gateway check quiet. */
	assert_load_error("nodes:\n  a:\n    interfaces:\n"
			  "      lo: {addresses: [10.0.0.1]}\n"
			  "    routes:\n"
			  "      - {to: 10.1.0.0/16, via: 10.0.0.2}\n",
			  "4:24: address '10.0.0.1' needs a prefix length "
			  "(e.g. "
			  "/24 or /64)");
	/* A node with an invalid name still resolves references: one
	 * error, about the name. */
	got = load_errors("nodes:\n  -a: {}\n  b: {}\n"
			  "links:\n  - [-a:eth0, b:eth0]\n");
	assert_non_null(got);
	assert_non_null(strstr(got, "2:3: node name '-a' "));
	assert_null(strchr(got, '\n'));
	free(got);
}

/*
 * What the parser dropped silences only the nodes it touched: a gateway
 * off every subnet of its node is reported with a bad address of another
 * node and a bad link of two others, all at once.
 */
/* One VXLAN device per VNI, UDP port and family on a machine. */
static void test_error_vni_clash(void **state)
{
	(void)state;
	assert_load_error(
		"nodes:\n"
		"  a: {}\n"
		"  b: {}\n"
		"links:\n"
		"  - {kind: vxlan, endpoint: a:v0, id: 7, remote: 192.0.2.1}\n"
		"  - {kind: vxlan, endpoint: b:v0, id: 7, remote: 192.0.2.2}\n"
		"  - {kind: vxlan, endpoint: b:v1, id: 7, remote: \"2001:db8::1\"}\n"
		"  - {kind: vxlan, endpoint: b:v2, id: 7, remote: 192.0.2.2, "
		"dstport: 4790}\n"
		"  - {kind: vxlan, endpoint: host:v3, id: 7, remote: 192.0.2.3, "
		"local: 192.0.2.9}\n",
		"6:39: vni 7 on UDP port 4789 is taken by the vxlan link at 5:5: "
		"a machine has one VXLAN device per VNI and port\n"
		"9:42: vni 7 on UDP port 4789 is taken by the vxlan link at 5:5: "
		"a machine has one VXLAN device per VNI and port");
}

static void test_error_gateway_with_others(void **state)
{
	(void)state;
	assert_load_error(
		"nodes:\n"
		"  a:\n"
		"    interfaces:\n"
		"      eth0: {addresses: [10.0.0.1/24]}\n"
		"    routes:\n"
		"      - {to: default, via: 10.9.9.9}\n"
		"  b:\n"
		"    interfaces:\n"
		"      eth0: {addresses: [10.0.0.300/24]}\n"
		"  c: {}\n"
		"  d: {}\n"
		"links:\n"
		"  - [a:eth0, b:eth0]\n"
		"  - [c:eth0, d:eth0, d:eth1]\n",
		"6:28: gateway 10.9.9.9 is not on a subnet of any "
		"interface of node 'a'\n"
		"9:26: address '10.0.0.300/24' is not an IPv4 or IPv6 "
		"address\n"
		"14:22: a link joins exactly two endpoints, not 3 (join "
		"more with a bridge)");
	/* ...but not when the node's own address was dropped: its subnet
	 * might have held the gateway. */
	assert_load_error(
		"nodes:\n"
		"  a:\n"
		"    interfaces:\n"
		"      eth0: {addresses: [10.0.0.300/24]}\n"
		"    routes:\n"
		"      - {to: default, via: 10.0.0.254}\n"
		"  b: {}\n"
		"links:\n"
		"  - [a:eth0, b:eth0]\n",
		"4:26: address '10.0.0.300/24' is not an IPv4 or IPv6 "
		"address");
}

/*
 * What the kernel takes, tried against it: the rules that refuse what it
 * does not must let these through.
 */
static void test_kernel_takes(void **state)
{
	static const char *const ok[] = {
		/* The ends of a pair, and a bridge port and its peer, may
		 * share a MAC (both ping). */
		"nodes:\n"
		"  a: {interfaces: {eth0: {mac: \"02:00:00:00:00:07\"}}}\n"
		"  b: {interfaces: {eth0: {mac: \"02:00:00:00:00:07\"}}}\n"
		"links: [[a:eth0, b:eth0]]\n",
		"nodes:\n"
		"  a: {interfaces: {eth0: {mac: \"02:00:00:00:00:0a\"}}}\n"
		"  b: {interfaces: {p0: {mac: \"02:00:00:00:00:0a\"}}}\n"
		"bridges: {br0: {node: b}}\n"
		"links: [[a:eth0, br0:p0]]\n",
		/* Only 127.0.0.1/8 is lo's own. */
		"nodes: {a: {interfaces: {lo: {addresses: [127.0.0.1/32, "
		"127.0.0.2/8]}}}}\n",
		/* A metric keeps an IPv4 route of table local clear of the
		 * kernel's (metric 0); fe80::/64 but for metric 256. */
		"nodes:\n"
		"  a:\n"
		"    interfaces: {eth0: {addresses: [10.0.0.1/24, "
		"\"fd00::1/64\"]}}\n"
		"    routes:\n"
		"      - {to: 10.0.0.255/32, type: local, metric: 5}\n"
		"      - {to: \"fe80::/64\", dev: eth0}\n"
		"      - {to: 10.0.0.0/32, type: local}\n"
		"  b: {}\n"
		"links: [[a:eth0, b:eth0]]\n",
		/* A subnet's network address is a gateway; IPv4 looks a
		 * gateway up at link scope, past a blackhole. */
		"nodes:\n"
		"  a:\n"
		"    interfaces: {eth0: {addresses: [10.0.0.1/24]}}\n"
		"    routes:\n"
		"      - {to: 10.0.0.128/25, type: blackhole}\n"
		"      - {to: 10.8.0.0/16, via: 10.0.0.0}\n"
		"      - {to: 10.9.0.0/16, via: 10.0.0.200}\n"
		"      - {to: 10.7.0.0/16, via: 240.0.0.1, dev: eth0, "
		"onlink: true}\n"
		"  b: {}\n"
		"links: [[a:eth0, b:eth0]]\n",
		/* A route of main through a gateway is not taken by a
		 * reject route of table local; a later blackhole takes
		 * nothing from an earlier route. */
		"nodes:\n"
		"  a:\n"
		"    interfaces: {eth0: {addresses: [\"fd00::1/64\"]}}\n"
		"    routes:\n"
		"      - {to: \"fd00::7\", type: prohibit, table: local}\n"
		"      - {to: \"fd09::/64\", via: \"fd00::7\"}\n"
		"      - {to: \"fd0a::/64\", via: \"fd00::8\"}\n"
		"      - {to: \"fd00::8\", type: blackhole}\n"
		"  b: {}\n"
		"links: [[a:eth0, b:eth0]]\n",
		/* A macvlan's MTU up to its parent's, passthru ones on two
		 * parents, EM SPACE nowhere. */
		"nodes:\n"
		"  a: {interfaces: {eth0: {mtu: 9000}, eth1: {}}}\n"
		"  b: {interfaces: {eth0: {mtu: 9000}}}\n"
		"  c: {interfaces: {mv0: {mtu: 9000}}}\n"
		"links:\n"
		"  - [a:eth0, b:eth0]\n"
		"  - [a:eth1, b:eth1]\n"
		"  - {kind: macvlan, endpoint: c:mv0, parent: a:eth0, mode: "
		"passthru}\n"
		"  - {kind: macvlan, endpoint: c:mv1, parent: a:eth1, mode: "
		"passthru}\n",
		/* DAD on, on links with carrier. */
		"nodes:\n"
		"  a:\n"
		"    sysctl: {net.ipv6.conf.all.accept_dad: 1}\n"
		"    interfaces: {eth0: {addresses: [\"fd00::1/64\"]}}\n"
		"  b: {interfaces: {eth0: {addresses: [\"fd00::2/64\"]}}}\n"
		"links: [[a:eth0, b:eth0]]\n",
	};

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(ok); i++) {
		char *errs = load_errors(ok[i]);

		if (errs)
			fail_msg("case %zu should load, but:\n%s", i, errs);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_interfaces_resolved),
		cmocka_unit_test(test_derived_port_names),
		cmocka_unit_test(test_derived_port_name_fallback),
		cmocka_unit_test(test_defaults_merged),
		cmocka_unit_test(test_defaults_not_into_implicit_host),
		cmocka_unit_test(test_routes_resolved),
		cmocka_unit_test(test_namespace_names),
		cmocka_unit_test(test_bridge_port_limit),
		cmocka_unit_test(test_gateway_rules_valid),
		cmocka_unit_test(test_error_empty_and_references),
		cmocka_unit_test(test_error_interface_names),
		cmocka_unit_test(test_error_addresses),
		cmocka_unit_test(test_error_routes),
		cmocka_unit_test(test_error_gateways),
		cmocka_unit_test(test_error_kernel_routes_and_duplicates),
		cmocka_unit_test(test_error_sysctl_interface),
		cmocka_unit_test(test_error_defaults_reported_once_per_node),
		cmocka_unit_test(test_error_no_cascade),
		cmocka_unit_test(test_error_gateway_with_others),
		cmocka_unit_test(test_kernel_takes),
		cmocka_unit_test(test_error_vni_clash),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
