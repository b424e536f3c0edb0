// SPDX-License-Identifier: MIT
/*
 * parse_test.c - YAML tree -> model: every construct of the format, and
 * the errors that one value alone can show, at their exact positions.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <unistd.h>

#include "helpers.h"

static const struct node *node_named(const struct topo *t, const char *name)
{
	for (size_t i = 0; i < t->n_nodes; i++)
		if (!strcmp(t->nodes[i].name, name))
			return &t->nodes[i];
	fail_msg("no node '%s'", name);
	return NULL;
}

static const struct iface_cfg *ifcfg_named(const struct node *n,
					   const char *name)
{
	for (size_t i = 0; i < n->n_ifcfg; i++)
		if (!strcmp(n->ifcfg[i].name, name))
			return &n->ifcfg[i];
	fail_msg("node '%s' has no settings for '%s'", n->name, name);
	return NULL;
}

static const char *sysctl_of(const struct node *n, const char *key)
{
	for (size_t i = 0; i < n->n_sysctls; i++)
		if (!strcmp(n->sysctls[i].key, key))
			return n->sysctls[i].value;
	return NULL;
}

static void assert_prefix_at(const struct prefix *p, const char *want,
			     const char *file, int line)
{
	char buf[INET6_ADDRSTRLEN + 4];

	prefix_format(p, true, buf, sizeof(buf));
	_assert_string_equal(buf, want, file, line);
}

#define assert_prefix(p, want) assert_prefix_at((p), (want), __FILE__, __LINE__)

#define assert_pos(p, l, c)                      \
	do {                                     \
		assert_int_equal((p).line, (l)); \
		assert_int_equal((p).col, (c));  \
	} while (0)

/* The spec's complete example. */
static const char example[] =
	"version: 1\n"
	"name: lab1\n"
	"\n"
	"defaults:\n"
	"  sysctl:\n"
	"    net.ipv6.conf.all.accept_dad: 0\n"
	"\n"
	"nodes:\n"
	"  router:\n"
	"    sysctl:\n"
	"      net.ipv4.ip_forward: 1\n"
	"      net.ipv6.conf.all.forwarding: 1\n"
	"    interfaces:\n"
	"      eth0: {addresses: [10.0.1.1/24, \"fd00:1::1/64\"]}\n"
	"      eth1: {addresses: [10.0.2.1/24], mtu: 9000, mac: "
	"\"02:00:00:00:02:01\"}\n"
	"  h1:\n"
	"    interfaces:\n"
	"      eth0: {addresses: [10.0.1.2/24, \"fd00:1::2/64\"]}\n"
	"    routes:\n"
	"      - {to: default, via: 10.0.1.1}\n"
	"      - {to: \"::/0\", via: \"fd00:1::1\"}\n"
	"  h2:\n"
	"    interfaces:\n"
	"      eth0: {addresses: [10.0.2.2/24]}\n"
	"    routes:\n"
	"      - {to: default, via: 10.0.2.1}\n"
	"      - {to: 198.51.100.0/24, type: blackhole}\n"
	"  proxy:\n"
	"    intercept: [0.0.0.0/0, \"::/0\"]\n"
	"    interfaces:\n"
	"      eth0: {addresses: [10.0.2.3/24]}\n"
	"  host:\n"
	"    interfaces:\n"
	"      br-lab: {addresses: [10.0.2.254/24]}\n"
	"\n"
	"bridges:\n"
	"  br-lab: {}\n"
	"  core: {node: router}\n"
	"\n"
	"links:\n"
	"  - [h1:eth0, router:eth0]\n"
	"  - [h2:eth0, br-lab]\n"
	"  - [proxy:eth0, br-lab]\n"
	"  - {endpoints: [router:eth1, br-lab:rtr], mtu: 9000}\n";

static void test_example_model(void **state)
{
	struct topo *t = load_ok(example);
	const struct node *router, *h1, *host;
	const struct iface_cfg *eth1;

	(void)state;
	assert_string_equal(t->name, "lab1");
	assert_pos(t->name_pos, 2, 7);
	assert_string_equal(t->ns_prefix, "");
	assert_true(t->has_defaults);
	/* The host plus four nodes, in file order after it. */
	assert_int_equal(t->n_nodes, 5);
	assert_string_equal(t->nodes[HOST_NODE].name, "host");
	assert_true(t->nodes[HOST_NODE].is_host);
	assert_true(t->nodes[HOST_NODE].declared);
	assert_null(t->nodes[HOST_NODE].ns);
	assert_string_equal(t->nodes[1].name, "router");
	assert_string_equal(t->nodes[4].name, "proxy");
	router = node_named(t, "router");
	assert_pos(router->pos, 9, 3);
	assert_string_equal(router->ns, "router");
	assert_string_equal(sysctl_of(router, "net.ipv4.ip_forward"), "1");
	eth1 = ifcfg_named(router, "eth1");
	assert_pos(eth1->pos, 15, 7);
	assert_int_equal(eth1->n_addrs, 1);
	assert_prefix(&eth1->addrs[0].p, "10.0.2.1/24");
	assert_pos(eth1->addrs[0].pos, 15, 26);
	assert_int_equal(eth1->mtu, 9000);
	assert_true(eth1->has_mac);
	assert_memory_equal(eth1->mac, ((uint8_t[]){ 2, 0, 0, 0, 2, 1 }), 6);
	assert_int_equal(eth1->up, -1);
	assert_int_equal(ifcfg_named(router, "eth0")->n_addrs, 2);
	assert_prefix(&ifcfg_named(router, "eth0")->addrs[1].p, "fd00:1::1/64");
	h1 = node_named(t, "h1");
	assert_int_equal(h1->n_routes, 2);
	assert_true(h1->routes[0].to_default);
	assert_prefix(&h1->routes[0].to, "0.0.0.0/0");
	assert_true(h1->routes[0].has_via);
	assert_int_equal(h1->routes[0].table, RT_TABLE_MAIN_ID);
	assert_int_equal(h1->routes[0].type, RT_UNICAST);
	assert_pos(h1->routes[0].pos, 20, 9);
	assert_pos(h1->routes[0].via_pos, 20, 28);
	assert_prefix(&h1->routes[1].to, "::/0");
	host = &t->nodes[HOST_NODE];
	assert_int_equal(host->n_ifcfg, 1);
	assert_string_equal(host->ifcfg[0].name, "br-lab");
	assert_int_equal(t->n_bridges, 2);
	assert_string_equal(t->bridges[0].name, "br-lab");
	assert_null(t->bridges[0].node_name);
	assert_int_equal(t->bridges[0].node, HOST_NODE);
	assert_string_equal(t->bridges[1].node_name, "router");
	assert_ptr_equal(&t->nodes[t->bridges[1].node], router);
	assert_pos(t->bridges[1].node_pos, 38, 16);
	assert_int_equal(t->n_links, 4);
	assert_string_equal(t->links[0].ep[0].text, "h1:eth0");
	assert_pos(t->links[0].ep[1].pos, 41, 15);
	assert_int_equal(t->links[0].mtu, 0);
	assert_string_equal(t->links[3].ep[1].text, "br-lab:rtr");
	assert_string_equal(t->links[3].ep[1].ifname, "rtr");
	assert_int_equal(t->links[3].mtu, 9000);
	assert_pos(t->links[3].pos, 44, 5);
	assert_pos(t->links[3].mtu_pos, 44, 49);
	topo_free(t);
}

static void test_single_address_and_null_values(void **state)
{
	struct topo *t = load_ok("nodes:\n"
				 "  a:\n"
				 "    interfaces:\n"
				 "      lo: {addresses: 10.1.0.1/32}\n"
				 "      eth0:\n"
				 "    routes:\n"
				 "  b: ~\n"
				 "  c:\n"
				 "links:\n"
				 "  - [a:eth0, b:eth0]\n");
	const struct node *a;

	(void)state;
	a = node_named(t, "a");
	/* One address may be written without brackets. */
	assert_int_equal(ifcfg_named(a, "lo")->n_addrs, 1);
	assert_prefix(&ifcfg_named(a, "lo")->addrs[0].p, "10.1.0.1/32");
	assert_int_equal(ifcfg_named(a, "eth0")->n_addrs, 0);
	/* `routes:` with nothing is present (defaults do not apply). */
	assert_true(a->has_routes);
	assert_int_equal(a->n_routes, 0);
	assert_false(node_named(t, "b")->has_routes);
	/* A node with no links is valid. */
	assert_true(node_named(t, "c")->declared);
	topo_free(t);
}

static void test_interface_settings(void **state)
{
	struct topo *t = load_ok("nodes:\n"
				 "  a:\n"
				 "    interfaces:\n"
				 "      eth0: {up: no, mtu: 1280}\n"
				 "      eth1: {up: True, mac: "
				 "\"0a:BC:de:00:00:01\"}\n"
				 "  b: {}\n"
				 "links:\n"
				 "  - [a:eth0, b:eth0]\n"
				 "  - [a:eth1, b:eth1]\n");
	const struct node *a = node_named(t, "a");

	(void)state;
	assert_int_equal(ifcfg_named(a, "eth0")->up, 0);
	assert_int_equal(ifcfg_named(a, "eth0")->mtu, 1280);
	assert_pos(ifcfg_named(a, "eth0")->mtu_pos, 4, 27);
	assert_int_equal(ifcfg_named(a, "eth1")->up, 1);
	assert_memory_equal(ifcfg_named(a, "eth1")->mac,
			    ((uint8_t[]){ 0x0a, 0xbc, 0xde, 0, 0, 1 }), 6);
	topo_free(t);
}

static void test_sysctl_booleans(void **state)
{
	struct topo *t = load_ok("nodes:\n"
				 "  a:\n"
				 "    sysctl:\n"
				 "      net.ipv4.ip_forward: true\n"
				 "      net.ipv6.conf.all.forwarding: yes\n"
				 "      net.ipv4.conf.all.rp_filter: off\n"
				 "      net.ipv4.conf.default.rp_filter: "
				 "False\n"
				 "      net.ipv4.tcp_congestion_control: "
				 "\"true\"\n"
				 "      net.core.somaxconn: 4096\n"
				 "      net.ipv4.ping_group_range: 0 "
				 "2147483647\n"
				 "      net.ipv4.conf.lo.rp_filter: 2\n");
	const struct node *a = node_named(t, "a");

	(void)state;
	assert_string_equal(sysctl_of(a, "net.ipv4.ip_forward"), "1");
	assert_string_equal(sysctl_of(a, "net.ipv6.conf.all.forwarding"), "1");
	assert_string_equal(sysctl_of(a, "net.ipv4.conf.all.rp_filter"), "0");
	assert_string_equal(sysctl_of(a, "net.ipv4.conf.default.rp_filter"),
			    "0");
	/* A quoted "true" is text, written as it is. */
	assert_string_equal(sysctl_of(a, "net.ipv4.tcp_congestion_control"),
			    "true");
	assert_string_equal(sysctl_of(a, "net.core.somaxconn"), "4096");
	assert_string_equal(sysctl_of(a, "net.ipv4.ping_group_range"),
			    "0 2147483647");
	assert_string_equal(sysctl_of(a, "net.ipv4.conf.lo.rp_filter"), "2");
	assert_pos(a->sysctls[0].pos, 4, 7);
	topo_free(t);
}

static void test_routes_parsed(void **state)
{
	struct topo *t = load_ok(
		"nodes:\n"
		"  a:\n"
		"    interfaces:\n"
		"      lo: {addresses: [192.168.9.1/24]}\n"
		"    routes:\n"
		"      - {to: 10.1.0.0/16, type: unreachable, metric: 7}\n"
		"      - {to: 10.2.0.0/16, type: prohibit, table: 100}\n"
		"      - {to: 10.3.0.1, dev: lo, table: main}\n"
		"      - {to: 10.4.0.0/16, via: 192.168.9.2, table: default}\n"
		"      - {to: 10.5.0.0/16, via: 10.6.0.1, dev: lo, onlink: "
		"yes}\n"
		"      - {to: 203.0.113.7/32, type: local, table: local}\n");
	const struct node *a = node_named(t, "a");

	(void)state;
	assert_int_equal(a->n_routes, 6);
	assert_int_equal(a->routes[0].type, RT_UNREACHABLE);
	assert_true(a->routes[0].has_metric);
	assert_int_equal(a->routes[0].metric, 7);
	assert_int_equal(a->routes[1].type, RT_PROHIBIT);
	assert_int_equal(a->routes[1].table, 100);
	/* A destination without a length is a host route, as with ip. */
	assert_prefix(&a->routes[2].to, "10.3.0.1/32");
	assert_string_equal(a->routes[2].dev, "lo");
	assert_int_equal(a->routes[2].table, RT_TABLE_MAIN_ID);
	assert_pos(a->routes[2].dev_pos, 8, 29);
	assert_int_equal(a->routes[3].table, 253);
	assert_true(a->routes[4].onlink);
	assert_int_equal(a->routes[5].type, RT_LOCAL);
	assert_int_equal(a->routes[5].table, RT_TABLE_LOCAL_ID);
	/* IPv4 routes keep the metric given, or none. */
	assert_int_equal(a->routes[1].metric, 0);
	topo_free(t);
}

static void test_intercept_parsed(void **state)
{
	struct topo *t = load_ok("nodes:\n"
				 "  p:\n"
				 "    intercept: [0.0.0.0/0, \"::/0\", "
				 "192.0.2.9]\n"
				 "  q:\n"
				 "    intercept: 198.51.100.0/24\n");
	const struct node *p = node_named(t, "p"), *q = node_named(t, "q");

	(void)state;
	assert_true(p->has_intercept);
	assert_int_equal(p->n_routes, 3);
	for (size_t i = 0; i < p->n_routes; i++) {
		assert_true(p->routes[i].intercept);
		assert_int_equal(p->routes[i].type, RT_LOCAL);
		assert_int_equal(p->routes[i].table, RT_TABLE_LOCAL_ID);
		assert_string_equal(p->routes[i].dev, "lo");
		assert_false(p->routes[i].has_via);
	}
	assert_prefix(&p->routes[0].to, "0.0.0.0/0");
	assert_prefix(&p->routes[1].to, "::/0");
	assert_prefix(&p->routes[2].to, "192.0.2.9/32");
	assert_pos(p->routes[1].pos, 3, 28);
	assert_int_equal(q->n_routes, 1);
	assert_prefix(&q->routes[0].to, "198.51.100.0/24");
	topo_free(t);
}

static void test_namespace_prefix(void **state)
{
	struct topo *t = load_ok("namespace-prefix: \"x-\"\n"
				 "nodes:\n"
				 "  a: {}\n"
				 "  b.c: {}\n");

	(void)state;
	assert_string_equal(t->ns_prefix, "x-");
	assert_pos(t->prefix_pos, 1, 19);
	assert_string_equal(node_named(t, "a")->ns, "x-a");
	assert_string_equal(node_named(t, "b.c")->ns, "x-b.c");
	/* The host is never renamed. */
	assert_null(t->nodes[HOST_NODE].ns);
	topo_free(t);
	t = load_ok("namespace-prefix: \"\"\nnodes:\n  a: {}\n");
	assert_string_equal(node_named(t, "a")->ns, "a");
	topo_free(t);
}

static void test_lab_name_from_file_stem(void **state)
{
	static const char yaml[] = "nodes:\n  a: {}\n";
	static const struct {
		const char *file, *lab;
	} cases[] = {
		{ "lab2.yaml", "lab2" },
		{ "/etc/nstopo/My_Lab.v2.yaml", "my-lab" },
		{ "dir.d/edge", "edge" },
		{ "-", "stdin" },
		{ "___.yaml", "lab" },
		{ "a-very-long-file-name-for-a-lab.yaml",
		  "a-very-long-file-name-fo" },
	};
	char dir[] = "/tmp/nstopo-parse-XXXXXX", path[64];
	struct diags d = { .file = "Lab.Net.yaml" };
	struct topo *t;
	FILE *f;

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		t = load_named(cases[i].file, yaml);
		assert_string_equal(t->name, cases[i].lab);
		assert_true(lab_name_valid(t->name));
		assert_int_equal(t->name_pos.line, 0);
		topo_free(t);
	}
	/* `name:` wins over the file's name. */
	t = load_named("other.yaml", "name: given\nnodes:\n  a: {}\n");
	assert_string_equal(t->name, "given");
	topo_free(t);
	/* And from a real file, through topo_load(). */
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/Lab.Net.yaml", dir);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(yaml, f);
	fclose(f);
	t = topo_load(path, &d);
	unlink(path);
	rmdir(dir);
	assert_non_null(t);
	assert_int_equal(d.n, 0);
	assert_string_equal(t->name, "lab");
	assert_string_equal(t->file, path);
	topo_free(t);
	diags_free(&d);
}

static void test_prefix_parse(void **state)
{
	struct prefix p;
	const char *why;

	(void)state;
	assert_int_equal(prefix_parse("10.0.0.0/8", &p, true, &why), 0);
	assert_int_equal(p.family, AF_INET);
	assert_int_equal(p.plen, 8);
	assert_int_equal(prefix_parse("fd00::1/128", &p, true, &why), 0);
	assert_int_equal(p.family, AF_INET6);
	assert_int_equal(prefix_parse("10.0.0.1", &p, false, &why), 0);
	assert_int_equal(p.plen, 32);
	assert_int_equal(prefix_parse("10.0.0.0/08", &p, true, &why), -1);
	assert_string_equal(why, "has a prefix length with a leading zero");
	assert_int_equal(prefix_parse("10.0.0.0/33", &p, true, &why), -1);
	assert_string_equal(why, "has an invalid prefix length (0..32)");
	assert_int_equal(prefix_parse("::/129", &p, true, &why), -1);
	assert_string_equal(why, "has an invalid prefix length (0..128)");
	assert_int_equal(prefix_parse("/8", &p, true, &why), -1);
	assert_string_equal(why, "is not an IPv4 or IPv6 address");
	assert_int_equal(prefix_parse("10.0.0.0/", &p, true, &why), -1);
	assert_true(prefix_has_host_bits(&(struct prefix){
		.family = AF_INET, .plen = 23, .bytes = { 10, 0, 1, 0 } }));
	assert_false(prefix_has_host_bits(&(struct prefix){
		.family = AF_INET, .plen = 24, .bytes = { 10, 0, 1, 0 } }));
}

static void test_names(void **state)
{
	const char *why = NULL;

	(void)state;
	assert_true(node_name_valid("a"));
	assert_true(node_name_valid("A1_b.c-d"));
	assert_true(node_name_valid("x2345678901234567890123456789012"));
	assert_false(node_name_valid("x23456789012345678901234567890123"));
	assert_false(node_name_valid("."));
	assert_false(node_name_valid(".."));
	assert_false(node_name_valid("_a"));
	assert_false(node_name_valid("a b"));
	assert_false(node_name_valid("caf\xc3\xa9"));
	assert_true(ifname_valid("eth0.100", &why));
	assert_true(ifname_valid("x23456789012345", &why));
	assert_false(ifname_valid("x234567890123456", &why));
	assert_string_equal(why, "is longer than 15 bytes");
	assert_false(ifname_valid("..", &why));
	assert_string_equal(why, "may not be '.' or '..'");
	assert_false(ifname_valid("a%d", &why));
	assert_false(ifname_valid("", &why));
	assert_string_equal(why, "is empty");
	assert_true(lab_name_valid("lab-1"));
	assert_false(lab_name_valid("Lab"));
	assert_false(lab_name_valid("-lab"));
	assert_false(lab_name_valid("x234567890123456789012345"));
}

/* Errors: each is reported at the YAML node it is about. */

static void test_error_top_level(void **state)
{
	(void)state;
	assert_load_error("nodse:\n  a: {}\nbridges:\n  br0: {}\n",
			  "1:1: unknown key 'nodse' in the topology (did you "
			  "mean 'nodes'?)");
	assert_load_error("foo: 1\nnodes:\n  a: {}\n",
			  "1:1: unknown key 'foo' in the topology (known keys: "
			  "version name namespace-prefix defaults nodes "
			  "bridges links hosts forwards)");
	assert_load_error("version: 2\nnodes:\n  a: {}\n",
			  "1:10: unsupported version '2' (this nstopo reads "
			  "version 1)");
	assert_load_error("name: Lab_1\nnodes:\n  a: {}\n",
			  "1:7: lab name 'Lab_1' may not contain upper-case "
			  "letters: use a-z, 0-9 and '-'");
	assert_load_error("namespace-prefix: \"a b\"\nnodes:\n  a: {}\n",
			  "1:19: namespace-prefix 'a b' may hold only letters, "
			  "digits, '_', '.' and '-'");
	assert_load_error("namespace-prefix: "
			  "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\n"
			  "nodes:\n  a: {}\n",
			  "1:19: namespace-prefix is longer than 32 bytes");
	assert_load_error("\n",
			  "1:1: the file is empty: a topology needs at least "
			  "'nodes'");
	assert_load_error("- a\n", "1:1: a topology must be a mapping (nodes:, "
				   "bridges:, "
				   "links:), not a sequence");
	assert_load_error("defaults:\n  interfaces: {}\nnodes:\n  a: {}\n",
			  "2:3: unknown key 'interfaces' in defaults (known "
			  "keys: sysctl routes intercept exec)");
}

static void test_error_nodes(void **state)
{
	(void)state;
	assert_load_error("nodes:\n  -bad: {}\n",
			  "2:3: node name '-bad' must start with a letter or "
			  "digit");
	assert_load_error("nodes:\n  a: 1\n",
			  "2:6: a node's settings must be a mapping, not a "
			  "scalar");
	assert_load_error("nodes:\n  a:\n    interface: {}\n",
			  "3:5: unknown key 'interface' in a node (did you "
			  "mean 'interfaces'?)");
	assert_load_error("nodes:\n  a:\n    interfaces: [eth0]\n",
			  "3:17: 'interfaces' must be a mapping, not a "
			  "sequence");
}

/* Numbers read alike everywhere: no leading zero (YAML 1.1's octal). */
static void test_numbers_leading_zero(void **state)
{
	struct topo *t;

	(void)state;
	assert_load_error("version: 01\nnodes: {a: {}}\n",
			  "1:10: 'version' must be written without a leading "
			  "zero, not '01' (YAML 1.1 reads a leading 0 as "
			  "octal)");
	assert_load_error("nodes:\n  a:\n    interfaces:\n"
			  "      lo: {mtu: 01500}\n",
			  "4:17: 'mtu' must be written without a leading zero, "
			  "not '01500' (YAML 1.1 reads a leading 0 as octal)");
	assert_load_error("nodes:\n  a:\n    routes:\n"
			  "      - {to: 10.1.0.0/16, type: blackhole, "
			  "metric: 010, table: 0100}\n",
			  "4:52: 'metric' must be written without a leading "
			  "zero, not '010' (YAML 1.1 reads a leading 0 as "
			  "octal)\n"
			  "4:64: 'table' must be written without a leading "
			  "zero, not '0100' (YAML 1.1 reads a leading 0 as "
			  "octal)");
	assert_load_error("nodes:\n  a:\n    interfaces:\n"
			  "      eth0: {netem: {delay: 05ms, loss: 01}, "
			  "rate: 010mbit}\n"
			  "  b: {}\nlinks: [[a:eth0, b:eth0]]\n",
			  "4:29: 'delay' must be written without a leading "
			  "zero, not '05ms' (YAML 1.1 reads a leading 0 as "
			  "octal)\n"
			  "4:41: 'loss' must be written without a leading "
			  "zero, not '01' (YAML 1.1 reads a leading 0 as "
			  "octal)\n"
			  "4:52: 'rate' must be written without a leading "
			  "zero, not '010mbit' (YAML 1.1 reads a leading 0 as "
			  "octal)");
	/* A link's mtu and a vlan id too. */
	assert_load_error("nodes: {a: {}, b: {}}\n"
			  "links:\n"
			  "  - {endpoints: [a:e, b:e], mtu: 09000}\n",
			  "3:34: 'mtu' must be written without a leading zero, "
			  "not '09000' (YAML 1.1 reads a leading 0 as octal)");
	/* The kernel reads a sysctl's number with C's base 0 and shows it
	 * in decimal: 010 would come back as 8. */
	assert_load_error("nodes:\n  a:\n    sysctl:\n"
			  "      net.core.somaxconn: 010\n"
			  "      net.ipv4.ip_forward: \"0x1\"\n"
			  "      net.ipv4.conf.all.forwarding: +1\n",
			  "4:27: sysctl 'net.core.somaxconn' value '010' is "
			  "the number 8 to the kernel, which shows it so: "
			  "write 8\n"
			  "5:28: sysctl 'net.ipv4.ip_forward' value '0x1' is "
			  "the number 1 to the kernel, which shows it so: "
			  "write 1\n"
			  "6:37: sysctl 'net.ipv4.conf.all.forwarding' value "
			  "'+1' is the number 1 to the kernel, which shows it "
			  "so: write 1");
	/* Zero itself, decimals below 1 and words are fine. */
	t = load_ok(
		"nodes:\n  a:\n    sysctl:\n"
		"      net.ipv4.ip_forward: 0\n"
		"      net.ipv4.tcp_congestion_control: cubic\n"
		"      net.ipv4.ip_local_port_range: \"1024 65000\"\n"
		"    interfaces:\n"
		"      eth0: {netem: {delay: 0.5ms, loss: 0.1%}, mtu: 1500}\n"
		"    routes: [{to: 10.1.0.0/16, type: blackhole, "
		"metric: 0}]\n"
		"  b: {}\nlinks: [[a:eth0, b:eth0]]\n");
	topo_free(t);
}

/* A tag that says the value is of another type is an error. */
static void test_tags_contradict(void **state)
{
	struct topo *t;

	(void)state;
	assert_load_error("nodes:\n  a:\n    interfaces:\n"
			  "      lo: {mtu: !!str 1500, up: !!str true}\n",
			  "4:17: 'mtu' must be an integer, not a value tagged "
			  "!!str\n"
			  "4:33: 'up' must be true or false, not a value "
			  "tagged !!str");
	assert_load_error("nodes:\n  a:\n    interfaces:\n"
			  "      lo: {mtu: !!float 1500}\n",
			  "4:17: 'mtu' must be an integer, not a value tagged "
			  "!!float");
	/* Contradicted by the value itself: found while reading YAML. */
	assert_load_error("nodes:\n  a:\n    interfaces:\n"
			  "      lo: {up: !!int true, "
			  "addresses: !!map [10.0.0.1/8]}\n",
			  "4:16: tag !!int does not fit 'true': a value that "
			  "is no integer\n"
			  "4:39: tag !!map does not fit a sequence");
	/* Tags that agree are fine. */
	t = load_ok("nodes:\n  a:\n    interfaces:\n"
		    "      lo: !!map {mtu: !!int 1500, up: !!bool true, "
		    "addresses: !!seq [!!str 10.0.0.1/8]}\n");
	topo_free(t);
}

/* An error in a value reached through an alias or a merge is reported
 * where the alias brings it in, and says where the value is written. */
static void test_alias_error_position(void **state)
{
	(void)state;
	assert_load_error("x-if: &if\n"
			  "  mtu: 99999\n"
			  "nodes:\n"
			  "  a:\n"
			  "    interfaces:\n"
			  "      eth0:\n"
			  "        <<: *if\n"
			  "        up: true\n"
			  "      eth1: *if\n"
			  "  b: {}\n"
			  "links: [[a:eth0, b:eth0], [a:eth1, b:eth1]]\n",
			  "7:13: 'mtu' must be an integer from 68 to 65535, "
			  "not '99999' (from the anchor at 2:8)\n"
			  "9:13: 'mtu' must be an integer from 68 to 65535, "
			  "not '99999' (from the anchor at 2:8)");
	/* Found by validate too, at the same place. */
	assert_load_error("x-r: &r [{to: 10.9.0.0/16, via: 10.0.0.9}]\n"
			  "nodes:\n"
			  "  a:\n"
			  "    routes: *r\n",
			  "4:13: gateway 10.0.0.9 is not on a subnet of any "
			  "interface of node 'a' (from the anchor at 1:33)");
}

static void test_error_interfaces(void **state)
{
	(void)state;
	assert_load_error("nodes:\n  a:\n    interfaces:\n"
			  "      eth0123456789abc: {}\n",
			  "4:7: interface name 'eth0123456789abc' is longer "
			  "than 15 bytes");
	assert_load_error("nodes:\n  a:\n    interfaces:\n"
			  "      lo: {addresses: [10.0.0.1]}\n",
			  "4:24: address '10.0.0.1' needs a prefix length "
			  "(e.g. /24 or /64)");
	assert_load_error("nodes:\n  a:\n    interfaces:\n"
			  "      lo: {addresses: [10.0.0.300/8]}\n",
			  "4:24: address '10.0.0.300/8' is not an IPv4 or IPv6 "
			  "address");
	assert_load_error("nodes:\n  a:\n    interfaces:\n"
			  "      lo: {addresses: [\"fd00::1/129\"]}\n",
			  "4:24: address 'fd00::1/129' has an invalid prefix "
			  "length (0..128)");
	assert_load_error("nodes:\n  a:\n    interfaces:\n"
			  "      lo: {mtu: 67}\n",
			  "4:17: 'mtu' must be an integer from 68 to 65535, "
			  "not '67'");
	assert_load_error("nodes:\n  a:\n    interfaces:\n"
			  "      lo: {mac: \"02:00:00:00:00\"}\n",
			  "4:17: mac '02:00:00:00:00' is not of the form "
			  "02:00:00:00:00:01");
	assert_load_error("nodes:\n  a:\n    interfaces:\n"
			  "      lo: {mac: \"01:00:00:00:00:01\"}\n",
			  "4:17: mac '01:00:00:00:00:01' is a multicast "
			  "address");
	assert_load_error("nodes:\n  a:\n    interfaces:\n"
			  "      lo: {mac: \"00:00:00:00:00:00\"}\n",
			  "4:17: mac '00:00:00:00:00:00' is all zeros");
	assert_load_error("nodes:\n  a:\n    interfaces:\n"
			  "      lo: {up: maybe}\n",
			  "4:16: 'up' must be true or false, not 'maybe'");
	assert_load_error("nodes:\n  a:\n    interfaces:\n"
			  "      lo: {adresses: [10.0.0.1/8]}\n",
			  "4:12: unknown key 'adresses' in an interface (did "
			  "you mean 'addresses'?)");
}

static void test_error_sysctl(void **state)
{
	(void)state;
	assert_load_error("nodes:\n  a:\n    sysctl:\n"
			  "      kernel.hostname: x\n",
			  "4:7: sysctl 'kernel.hostname' must start with "
			  "'net.' (only per-namespace sysctls are allowed)");
	assert_load_error("nodes:\n  a:\n    sysctl:\n"
			  "      net..x: 1\n",
			  "4:7: sysctl 'net..x' has an empty component");
	assert_load_error("nodes:\n  a:\n    sysctl:\n"
			  "      net.ipv4.conf.../x: 1\n",
			  "4:7: sysctl 'net.ipv4.conf.../x' has an empty "
			  "component");
	assert_load_error("nodes:\n  a:\n    sysctl:\n"
			  "      net.ipv4.a*b: 1\n",
			  "4:7: sysctl 'net.ipv4.a*b' has a character other "
			  "than letters, digits and _-/@+");
	assert_load_error("nodes:\n  a:\n    sysctl:\n"
			  "      net.ipv4.ip_forward: [1]\n",
			  "4:28: sysctl 'net.ipv4.ip_forward' needs a scalar "
			  "value, not a sequence");
	assert_load_error("nodes:\n  a:\n    sysctl:\n"
			  "      net.ipv4.ip_forward:\n",
			  "4:27: sysctl 'net.ipv4.ip_forward' needs a scalar "
			  "value, not nothing (null)");
}

static void test_error_routes(void **state)
{
	(void)state;
	assert_load_error("nodes:\n  a:\n    routes:\n"
			  "      - {via: 10.0.0.1}\n",
			  "4:9: a route needs 'to' (a prefix or default)");
	assert_load_error("nodes:\n  a:\n    routes:\n"
			  "      - {to: 10.1.0.0/16, type: blackhol}\n",
			  "4:33: unknown route type 'blackhol' (did you mean "
			  "'blackhole'?)");
	assert_load_error("nodes:\n  a:\n    routes:\n"
			  "      - {to: 10.1.0.0/16, type: bogus}\n",
			  "4:33: unknown route type 'bogus' (known: unicast "
			  "blackhole unreachable prohibit local)");
	assert_load_error("nodes:\n  a:\n    routes:\n"
			  "      - {to: 10.1.0.0/16, type: blackhole, "
			  "table: 0}\n",
			  "4:51: 'table' must be an integer from 1 to "
			  "4294967295, not '0'");
	assert_load_error("nodes:\n  a:\n    routes:\n"
			  "      - {to: 10.1.0.0/16, type: blackhole, "
			  "metric: -1}\n",
			  "4:52: 'metric' must be an integer from 0 to "
			  "4294967295, not '-1'");
	assert_load_error("nodes:\n  a:\n    routes:\n"
			  "      - {to: 10.1.0.0/16, via: 10.0.0.1/24}\n",
			  "4:32: gateway '10.0.0.1/24' must be an address "
			  "without a prefix length");
	assert_load_error("nodes:\n  a:\n    routes:\n"
			  "      - {to: 10.1.0.0/16, dev: \"a b\"}\n",
			  "4:32: route device 'a b' may not contain whitespace "
			  "or control characters");
	assert_load_error("nodes:\n  a:\n    routes:\n"
			  "      - 10.1.0.0/16\n",
			  "4:9: a route must be a mapping, not a scalar");
	assert_load_error("nodes:\n  a:\n    routes:\n"
			  "      - {to: 10.1.0.0/16, gw: 10.0.0.1}\n",
			  "4:27: unknown key 'gw' in a route (known keys: to "
			  "via dev metric type table onlink)");
	assert_load_error("nodes:\n  a:\n    routes:\n"
			  "      - {to: nope, type: blackhole}\n",
			  "4:14: route destination 'nope' is not an IPv4 or "
			  "IPv6 address");
	assert_load_error("nodes:\n  a:\n    routes:\n"
			  "      - {to: 10.1.0.0/16, type: blackhole, "
			  "onlink: 2}\n",
			  "4:52: 'onlink' must be true or false, not '2'");
	assert_load_error("nodes:\n  a:\n    intercept: [10.0.0.0/x]\n",
			  "3:17: intercept prefix '10.0.0.0/x' has an invalid "
			  "prefix length (0..32)");
	assert_load_error("nodes:\n  a:\n    intercept: {to: 10.0.0.0/8}\n",
			  "3:16: 'intercept' must be a sequence, not a "
			  "mapping");
}

static void test_error_bridges_links(void **state)
{
	(void)state;
	assert_load_error("bridges:\n  br/0: {}\n",
			  "2:3: bridge name 'br/0' may not contain '/', ':' or "
			  "'%'");
	assert_load_error("bridges:\n  br0: {nod: a}\n",
			  "2:9: unknown key 'nod' in a bridge (did you mean "
			  "'node'?)");
	assert_load_error("nodes:\n  a: {}\nlinks:\n  - [a:eth0]\n",
			  "4:5: a link joins exactly two endpoints, not 1");
	assert_load_error("nodes:\n  a: {}\nlinks:\n  - a:eth0\n",
			  "4:5: a link must be a pair [A, B] or a mapping with "
			  "'endpoints', not a scalar");
	assert_load_error("nodes:\n  a: {}\nlinks:\n  - {mtu: 1500}\n",
			  "4:5: a link needs 'endpoints'");
	assert_load_error("nodes:\n  a: {}\nlinks:\n"
			  "  - {endpoints: [a:eth0, a:eth1], mtu: 65536}\n",
			  "4:40: 'mtu' must be an integer from 68 to 65535, "
			  "not "
			  "'65536'");
	assert_load_error("nodes:\n  a: {}\nlinks:\n"
			  "  - [a:eth0, [a:eth1]]\n",
			  "4:14: an endpoint must be a scalar, not a sequence");
	assert_load_error("nodes:\n  a: {}\nlinks: {a: b}\n",
			  "3:8: 'links' must be a sequence, not a mapping");
}

static void test_error_every_one_reported(void **state)
{
	char *got;

	(void)state;
	/* Errors in different places are all reported, in file order. */
	got = load_errors("nodes:\n"
			  "  a:\n"
			  "    interfaces:\n"
			  "      lo: {mtu: 1, up: 3}\n"
			  "    sysctl:\n"
			  "      vm.swappiness: 1\n");
	assert_string_equal(got,
			    "4:17: 'mtu' must be an integer from 68 to 65535, "
			    "not '1'\n"
			    "4:24: 'up' must be true or false, not '3'\n"
			    "6:7: sysctl 'vm.swappiness' must start with "
			    "'net.' "
			    "(only per-namespace sysctls are allowed)");
	free(got);
	/* A valid file reports nothing. */
	assert_null(load_errors(example));
}

/* What each link kind needs and allows: its row in linkkind.c. */
static void test_error_link_kinds(void **state)
{
	static const char head[] = "nodes:\n  a: {}\n  p: {}\nlinks:\n";
	static const struct {
		const char *link, *want;
	} cases[] = {
		{ "  - {kind: macvlna, endpoint: a:m0, parent: p:e0}\n",
		  "5:12: unknown link kind 'macvlna' (did you mean "
		  "'macvlan'?)" },
		{ "  - {kind: tunnel, endpoint: a:m0}\n",
		  "5:12: unknown link kind 'tunnel' (known: veth dummy macvlan "
		  "ipvlan vlan vxlan)" },
		{ "  - {kind: vxlan, endpoint: a:x0, id: 5}\n",
		  "5:5: a vxlan link needs 'remote' (the underlay address of its "
		  "far end)" },
		{ "  - {kind: vxlan, endpoint: a:x0, remote: 192.0.2.1}\n",
		  "5:5: a vxlan link needs 'id' (1 to 16777215)" },
		{ "  - {kind: vxlan, endpoint: a:x0, id: 16777216, remote: "
		  "192.0.2.1}\n",
		  "5:39: 'id' must be an integer from 1 to 16777215, not "
		  "'16777216'" },
		{ "  - {kind: vxlan, endpoint: a:x0, id: 5, remote: 192.0.2.1, "
		  "local: \"2001:db8::1\"}\n",
		  "5:68: 'local' and 'remote' of a vxlan link must be of one "
		  "family (IPv4 or IPv6)" },
		{ "  - {kind: vxlan, endpoint: a:x0, id: 5, remote: "
		  "192.0.2.1/24}\n",
		  "5:50: 'remote' '192.0.2.1/24' must be an address without a "
		  "prefix length" },
		{ "  - {kind: vxlan, endpoint: a:x0, id: 5, remote: 239.1.1.1}\n",
		  "5:50: a multicast 'remote' needs 'dev' (the underlay device "
		  "to join its group on)" },
		{ "  - {kind: vxlan, endpoint: a:x0, id: 5, remote: 192.0.2.1, "
		  "dstport: 0, dev: \"a b\"}\n",
		  "5:70: 'dstport' must be an integer from 1 to 65535, not '0'\n"
		  "5:78: 'dev' 'a b' may not contain whitespace or control "
		  "characters" },
		{ "  - {kind: vxlan, endpoint: a:x0, id: 5, remote: 192.0.2.1, "
		  "parent: p:e0}\n",
		  "5:5: a vxlan link has no 'parent'" },
		{ "  - {endpoints: [a:x, p:y], remote: 192.0.2.1}\n",
		  "5:37: a veth link has no 'remote'" },
		{ "  - {kind: vlan, endpoint: a:v0, parent: p:e0, id: 2, "
		  "dstport: 4789}\n",
		  "5:64: a vlan link has no 'dstport'" },
		{ "  - {kind: vlan, endpoint: a:v0, parent: p:e0}\n",
		  "5:5: a vlan link needs 'id' (1 to 4094)" },
		{ "  - {kind: vlan, endpoint: a:v0, parent: p:e0, id: 4095}\n",
		  "5:52: 'id' must be an integer from 1 to 4094, not '4095'" },
		{ "  - {kind: dummy, endpoint: a:d0, id: 3}\n",
		  "5:39: a dummy link has no 'id'" },
		{ "  - {kind: dummy, endpoint: a:d0, parent: p:e0}\n",
		  "5:5: a dummy link has no 'parent'" },
		{ "  - {kind: ipvlan, endpoint: a:i0}\n",
		  "5:5: an ipvlan link needs 'parent' (NODE:IFNAME)" },
		{ "  - {kind: macvlan, endpoint: a:m0, parent: p:e0, mode: "
		  "bridged}\n",
		  "5:57: unknown macvlan mode 'bridged' (known: private vepa "
		  "bridge passthru source)" },
		{ "  - {kind: vlan, endpoint: a:v0, parent: p:e0, id: 2, mode: "
		  "l2}\n",
		  "5:61: a vlan link has no 'mode'" },
		{ "  - {kind: veth, endpoints: [a:x, p:y], mode: l2}\n",
		  "5:5: a veth link takes 'endpoints' (two), not 'endpoint', "
		  "'parent', 'mode' or 'id'" },
		{ "  - {kind: dummy, endpoints: [a:x, p:y]}\n",
		  "5:5: a dummy link has one 'endpoint', not 'endpoints'" },
	};

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		char yaml[512];

		snprintf(yaml, sizeof(yaml), "%s%s", head, cases[i].link);
		assert_load_error(yaml, cases[i].want);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_example_model),
		cmocka_unit_test(test_single_address_and_null_values),
		cmocka_unit_test(test_interface_settings),
		cmocka_unit_test(test_sysctl_booleans),
		cmocka_unit_test(test_routes_parsed),
		cmocka_unit_test(test_intercept_parsed),
		cmocka_unit_test(test_namespace_prefix),
		cmocka_unit_test(test_lab_name_from_file_stem),
		cmocka_unit_test(test_prefix_parse),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_error_top_level),
		cmocka_unit_test(test_error_nodes),
		cmocka_unit_test(test_numbers_leading_zero),
		cmocka_unit_test(test_tags_contradict),
		cmocka_unit_test(test_alias_error_position),
		cmocka_unit_test(test_error_interfaces),
		cmocka_unit_test(test_error_sysctl),
		cmocka_unit_test(test_error_routes),
		cmocka_unit_test(test_error_bridges_links),
		cmocka_unit_test(test_error_every_one_reported),
		cmocka_unit_test(test_error_link_kinds),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
