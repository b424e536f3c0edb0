// SPDX-License-Identifier: MIT
/*
 * format_test.c - the rules the format gained in review, each shown
 * working and, where it refuses something, refusing it with its exact
 * "LINE:COL: message": top-level x-* keys, a quoted default, IPv6 metric
 * 0, the table of local routes, lo's mtu in nodes and the host's lo,
 * the IPv6 MTU floor, onlink without via, the names all and default,
 * derived bridge port names, disable_ipv6 on bare bridge ports, where
 * per-interface sysctls go, and when addresses get nodad.
 */
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

/* Does the plan text of @yaml hold the line @line (without its '\n')? */
static bool plan_has_at(const char *yaml, const char *line, const char *file,
			int l)
{
	char *text = compile_text_at(yaml, file, l);
	char *all = xasprintf("\n%s", text), *want = xasprintf("\n%s\n", line);
	bool found = strstr(all, want) != NULL;

	if (!found)
		print_error("plan has no line '%s':\n%s", line, text);
	free(want);
	free(all);
	free(text);
	return found;
}

#define assert_plan_has(yaml, line) \
	assert_true(plan_has_at((yaml), (line), __FILE__, __LINE__))
#define assert_plan_lacks(yaml, line)            \
	do {                                     \
		char *t_ = compile_text(yaml);   \
		assert_null(strstr(t_, (line))); \
		free(t_);                        \
	} while (0)

/* The index of the first plan line starting with @start, or -1. */
static int line_index(const char *text, const char *start)
{
	int i = 0;

	for (const char *s = text; *s; i++) {
		if (!strncmp(s, start, strlen(start)))
			return i;
		s = strchr(s, '\n');
		if (!s)
			break;
		s++;
	}
	return -1;
}

/* x-* keys */

static void test_x_keys_ignored_at_top_level(void **state)
{
	struct topo *t =
		load_ok("x-node: &n\n"
			"  sysctl: {net.ipv4.ip_forward: 1}\n"
			"x-unused: {nodes: 3, anything: [goes, here]}\n"
			"x-: 1\n"
			"nodes:\n"
			"  a: *n\n"
			"  b:\n"
			"    <<: *n\n"
			"    routes: []\n");

	(void)state;
	/* Ignored, but a place for anchors the nodes use. */
	assert_int_equal(t->n_nodes, 3);
	assert_string_equal(node_named(t, "a")->sysctls[0].key,
			    "net.ipv4.ip_forward");
	assert_int_equal(node_named(t, "b")->n_sysctls, 1);
	topo_free(t);
}

static void test_x_keys_refused_elsewhere(void **state)
{
	(void)state;
	/* Only the top level is the user's own: anywhere else an x- key is
	 * an unknown key like any other. */
	assert_load_error("nodes:\n  a:\n    x-routes: []\n",
			  "3:5: unknown key 'x-routes' in a node (did you mean "
			  "'routes'?)");
	assert_load_error("defaults:\n  x-sysctl: {}\nnodes:\n  a: {}\n",
			  "2:3: unknown key 'x-sysctl' in defaults (did you "
			  "mean 'sysctl'?)");
	assert_load_error("x-a: 1\nnodes:\n  a:\n    interfaces:\n"
			  "      lo: {x-mtu: 1500}\n",
			  "5:12: unknown key 'x-mtu' in an interface (did you "
			  "mean 'mtu'?)");
	assert_load_error("nodes:\n  a: {}\n  b: {}\nlinks:\n"
			  "  - {endpoints: [a:e, b:e], x-mtu: 1500}\n",
			  "5:29: unknown key 'x-mtu' in a link (did you mean "
			  "'mtu'?)");
	/* Case matters, as for every key. */
	assert_load_error("X-nodes: 1\nnodes:\n  a: {}\n",
			  "1:1: unknown key 'X-nodes' in the topology (did you "
			  "mean 'nodes'?)");
	/* A node may still be called x-something. */
	assert_null(load_errors("nodes:\n  x-a: {}\n"));
}

/* Routes */

static const char two_nodes[] =
	"nodes:\n"
	"  a:\n"
	"    interfaces:\n"
	"      eth0: {addresses: [10.0.0.1/24, \"fd00::1/64\"]}\n"
	"      lo: {addresses: [192.0.2.1/32]}\n"
	"    routes:\n";
static const char two_nodes_tail[] = "  b: {}\n"
				     "links:\n"
				     "  - [a:eth0, b:eth0]\n";

static char *with_routes(const char *routes)
{
	return xasprintf("%s%s%s", two_nodes, routes, two_nodes_tail);
}

static void test_quoted_default(void **state)
{
	char *y = with_routes("      - {to: \"default\", via: 10.0.0.2}\n"
			      "      - {to: 'default', via: \"fd00::2\"}\n");
	struct topo *t = load_ok(y);
	const struct node *a = node_named(t, "a");

	(void)state;
	/* Quoted or not, `default` is the default route of via's family. */
	assert_true(a->routes[0].to_default);
	assert_true(a->routes[1].to_default);
	assert_int_equal(a->routes[1].to.family, AF_INET6);
	assert_int_equal(a->routes[1].to.plen, 0);
	topo_free(t);
	assert_plan_has(y, "route add default via 10.0.0.2 @a");
	assert_plan_has(y, "route add ::/0 via fd00::2 metric 1024 @a");
	free(y);
	/* Only the word itself, and quoted it still needs via's family. */
	assert_load_error("nodes:\n  a:\n    routes:\n"
			  "      - {to: \"Default\", type: blackhole}\n"
			  "      - {to: \"default\", type: blackhole}\n",
			  "4:14: route destination 'Default' is not an IPv4 or "
			  "IPv6 address\n"
			  "5:14: 'default' needs 'via' to tell IPv4 from IPv6: "
			  "write 0.0.0.0/0 or ::/0");
}

static void test_ipv6_metric_zero(void **state)
{
	char *y = with_routes(
		"      - {to: \"fd01::/64\", via: \"fd00::2\", metric: 0}\n"
		"      - {to: \"fd02::/64\", via: \"fd00::2\"}\n"
		"      - {to: \"fd03::/64\", via: \"fd00::2\", metric: 5}\n"
		"      - {to: 10.7.0.0/16, via: 10.0.0.2, metric: 0}\n");
	struct topo *t = load_ok(y);
	const struct node *a = node_named(t, "a");

	(void)state;
	/* The kernel gives an IPv6 route of metric 0 the metric 1024: so
	 * does nstopo, so status and the clash checks agree with it. */
	assert_int_equal(a->routes[0].metric, 1024);
	assert_int_equal(a->routes[1].metric, 1024);
	assert_int_equal(a->routes[2].metric, 5);
	assert_int_equal(a->routes[3].metric, 0);
	topo_free(t);
	assert_plan_has(y, "route add fd01::/64 via fd00::2 metric 1024 @a");
	assert_plan_has(y, "route add 10.7.0.0/16 via 10.0.0.2 @a");
	free(y);
	/* So 0 and 1024 are the same route: a duplicate. */
	y = with_routes("      - {to: \"fd01::/64\", via: \"fd00::2\", "
			"metric: 0}\n"
			"      - {to: \"fd01::/64\", via: \"fd00::3\", "
			"metric: 1024}\n");
	assert_load_error(y, "8:14: duplicate route to fd01::/64 in table 254 "
			     "(first at 7:14)");
	free(y);
}

static void test_local_route_table(void **state)
{
	char *y = with_routes(
		"      - {to: 203.0.113.1/32, type: local, dev: lo}\n"
		"      - {to: 203.0.113.2/32, type: local, dev: lo, table: "
		"main}\n"
		"      - {to: 203.0.113.3/32, type: local, dev: lo, table: 100}\n"
		"      - {to: 203.0.113.4/32, type: local, dev: lo, table: "
		"local}\n");
	struct topo *t = load_ok(y);
	const struct node *a = node_named(t, "a");

	(void)state;
	/* As `ip route add local` does: table local unless one is given,
	 * and a given one, main included, is kept. */
	assert_int_equal(a->routes[0].table, RT_TABLE_LOCAL_ID);
	assert_int_equal(a->routes[1].table, RT_TABLE_MAIN_ID);
	assert_true(a->routes[1].has_table);
	assert_int_equal(a->routes[2].table, 100);
	assert_int_equal(a->routes[3].table, RT_TABLE_LOCAL_ID);
	topo_free(t);
	assert_plan_has(y,
			"route add local 203.0.113.1/32 dev lo table local @a");
	assert_plan_has(y, "route add local 203.0.113.2/32 dev lo @a");
	assert_plan_has(y,
			"route add local 203.0.113.3/32 dev lo table 100 @a");
	free(y);
}

static void test_onlink_needs_via(void **state)
{
	char *y = with_routes("      - {to: 10.5.0.0/16, dev: eth0, onlink: "
			      "true}\n");

	(void)state;
	assert_load_error(y, "7:9: an onlink route needs 'via'");
	free(y);
	y = with_routes(
		"      - {to: 10.5.0.0/16, via: 10.9.9.9, dev: eth0, "
		"onlink: true}\n"
		"      - {to: 10.6.0.0/16, dev: eth0, onlink: false}\n");
	assert_plan_has(y, "route add 10.5.0.0/16 via 10.9.9.9 dev eth0 "
			   "onlink @a");
	assert_plan_has(y, "route add 10.6.0.0/16 dev eth0 @a");
	free(y);
}

/* lo */

static void test_lo_mtu_in_nodes(void **state)
{
	static const char y[] = "nodes:\n"
				"  a:\n"
				"    interfaces:\n"
				"      lo: {mtu: 9000}\n"
				"  b:\n"
				"    interfaces:\n"
				"      lo: {mtu: 1500, up: false}\n"
				"  c:\n"
				"    interfaces:\n"
				"      lo: {up: false}\n";
	char *text = compile_text(y);

	(void)state;
	assert_non_null(strstr(text, "link set lo mtu 9000 up @a\n"));
	/* Down, with its mtu set all the same. */
	assert_non_null(strstr(text, "link set lo mtu 1500 @b\n"));
	/* Down and nothing else: nothing to do. */
	assert_null(strstr(text, "@c\nlink set lo"));
	assert_null(strstr(text, "link set lo up @c"));
	free(text);
}

static void test_host_lo_only_addresses(void **state)
{
	(void)state;
	assert_load_error("nodes:\n  a: {}\n  host:\n    interfaces:\n"
			  "      lo: {mtu: 9000}\n",
			  "5:17: the host's lo is not nstopo's to change: only "
			  "addresses may be added to it");
	assert_load_error("nodes:\n  a: {}\n  host:\n    interfaces:\n"
			  "      lo: {up: false}\n",
			  "5:7: the host's lo is not nstopo's to change: only "
			  "addresses may be added to it");
	assert_load_error("nodes:\n  a: {}\n  host:\n    interfaces:\n"
			  "      lo: {addresses: [10.9.0.1/32], up: true}\n",
			  "5:7: the host's lo is not nstopo's to change: only "
			  "addresses may be added to it");
	assert_plan_has("nodes:\n  a: {}\n  host:\n    interfaces:\n"
			"      lo: {addresses: [10.9.0.1/32]}\n",
			"addr add 10.9.0.1/32 dev lo @host");
	assert_plan_lacks("nodes:\n  a: {}\n  host:\n    interfaces:\n"
			  "      lo: {addresses: [10.9.0.1/32]}\n",
			  "link set lo up @host");
}

/* The IPv6 MTU floor */

static void test_ipv6_mtu_floor(void **state)
{
	static const char tail[] = "  b: {}\nlinks:\n  - [a:eth0, b:eth0]\n";
	char *y;

	(void)state;
	y = xasprintf(
		"nodes:\n  a:\n    interfaces:\n"
		"      eth0: {addresses: [\"fd00::1/64\"], mtu: 1200}\n%s",
		tail);
	assert_load_error(y, "4:46: mtu 1200 is below 1280, the least IPv6 "
			     "works with, but 'eth0' has IPv6 addresses");
	free(y);
	/* The link's mtu counts for an end that sets none itself. */
	assert_load_error(
		"nodes:\n  a:\n    interfaces:\n"
		"      eth0: {addresses: [10.0.0.1/24, \"fd00::1/64\"]}\n"
		"  b: {}\nlinks:\n"
		"  - {endpoints: [a:eth0, b:eth0], mtu: 1000}\n",
		"7:40: mtu 1000 is below 1280, the least IPv6 works "
		"with, but 'eth0' has IPv6 addresses");
	assert_load_error(
		"nodes:\n  a:\n    interfaces:\n"
		"      lo: {addresses: [\"fd00::1/128\"], mtu: 1279}\n",
		"4:45: mtu 1279 is below 1280, the least IPv6 works "
		"with, but 'lo' has IPv6 addresses");
	/* 1280 itself is fine; so is a small mtu with IPv4 only, and an
	 * end's own mtu over a small one of its link. */
	y = xasprintf(
		"nodes:\n  a:\n    interfaces:\n"
		"      eth0: {addresses: [\"fd00::1/64\"], mtu: 1280}\n%s",
		tail);
	assert_null(load_errors(y));
	free(y);
	y = xasprintf("nodes:\n  a:\n    interfaces:\n"
		      "      eth0: {addresses: [10.0.0.1/24], mtu: 576}\n%s",
		      tail);
	assert_null(load_errors(y));
	free(y);
	assert_null(
		load_errors("nodes:\n  a:\n    interfaces:\n"
			    "      eth0: {addresses: [\"fd00::1/64\"], "
			    "mtu: 1400}\n"
			    "  b: {}\nlinks:\n"
			    "  - {endpoints: [a:eth0, b:eth0], mtu: 1000}\n"));
}

/* Names */

static void test_names_all_and_default(void **state)
{
	const char *why = NULL;

	(void)state;
	assert_false(ifname_valid("all", &why));
	assert_string_equal(why, "is reserved by the kernel (its sysctl "
				 "directories)");
	assert_false(ifname_valid("default", &why));
	assert_true(ifname_valid("all0", &why));
	assert_true(ifname_valid("defaults", &why));
	assert_true(ifname_valid("ALL", &why));
	assert_load_error("nodes:\n  a: {}\n  b: {}\nlinks:\n"
			  "  - [a:all, b:eth0]\n",
			  "5:6: endpoint 'a:all': interface name 'all' is "
			  "reserved by the kernel (its sysctl directories)");
	assert_load_error(
		"nodes:\n  a: {}\n  b: {}\nlinks:\n"
		"  - [a:eth0, b:default]\n",
		"5:14: endpoint 'b:default': interface name 'default' "
		"is reserved by the kernel (its sysctl directories)");
	assert_load_error("bridges:\n  all: {}\nnodes:\n  a: {}\n",
			  "2:3: bridge name 'all' is reserved by the kernel "
			  "(its sysctl directories)");
	assert_load_error("nodes:\n  a:\n    interfaces:\n      default: {}\n",
			  "4:7: interface name 'default' is reserved by the "
			  "kernel (its sysctl directories)");
	assert_load_error("nodes:\n  a: {}\nbridges:\n  br0: {}\nlinks:\n"
			  "  - [a:eth0, br0:all]\n",
			  "6:14: endpoint 'br0:all': interface name 'all' is "
			  "reserved by the kernel (its sysctl directories)");
}

static void test_derived_port_names(void **state)
{
	struct topo *t = load_ok("namespace-prefix: t-\n"
				 "nodes:\n"
				 "  h1: {}\n"
				 "  r: {}\n"
				 "bridges:\n"
				 "  br0: {}\n"
				 "  br1: {node: r}\n"
				 "links:\n"
				 "  - [h1:eth0, br0]\n"
				 "  - [br0, br1]\n"
				 "  - [host:v0, br1]\n"
				 "  - [r:eth0, br0]\n");

	(void)state;
	/* The namespace's name, prefix included, then the interface. */
	assert_string_equal(t->links[0].ep[1].ifname, "t-h1-eth0");
	/* Bridge to bridge: "to-BRIDGE" on both sides. */
	assert_string_equal(t->links[1].ep[0].ifname, "to-br1");
	assert_string_equal(t->links[1].ep[1].ifname, "to-br0");
	/* The host's own name is "host". */
	assert_string_equal(t->links[2].ep[1].ifname, "host-v0");
	assert_string_equal(t->links[3].ep[1].ifname, "t-r-eth0");
	topo_free(t);
}

/* Sysctls and DAD around link creation */

static void test_bare_bridge_port_disable_ipv6(void **state)
{
	char *text = compile_text("nodes:\n"
				  "  a: {}\n"
				  "  host:\n"
				  "    interfaces:\n"
				  "      p2: {addresses: [10.1.0.1/24]}\n"
				  "bridges:\n"
				  "  br0: {}\n"
				  "links:\n"
				  "  - [a:eth0, br0:p1]\n"
				  "  - [a:eth1, br0:p2]\n");
	int off = line_index(text, "sysctl net.ipv6.conf.p1.disable_ipv6=1 "
				   "@host"),
	    up = line_index(text, "link set p1 up @host"),
	    raise = line_index(text, "link set eth0 up @a"),
	    join = line_index(text, "link set p1 master br0 up @host");

	(void)state;
	/* A port with no address of its own: no IPv6 stack on it, from
	 * before it comes up. */
	assert_true(off >= 0);
	assert_int_equal(up, off + 1);
	/* It joins its bridge once its peer, the node's end, is up (and
	 * sent its first multicast reports): compile.c, late_port(). */
	assert_true(raise > up);
	assert_true(join > raise);
	/* A port with an address keeps IPv6 (with DAD off instead). */
	assert_int_equal(
		line_index(text, "sysctl net.ipv6.conf.p2.disable_ipv6"), -1);
	assert_int_equal(line_index(text, "link set p2 master br0 up @host"),
			 line_index(text,
				    "sysctl net.ipv6.conf.p2.accept_dad=0 "
				    "@host") +
				 1);
	free(text);
}

static void test_iface_sysctls_before_up(void **state)
{
	char *text = compile_text("nodes:\n"
				  "  a:\n"
				  "    sysctl:\n"
				  "      net.ipv4.conf.eth0.rp_filter: 2\n"
				  "      net.ipv6.conf.eth0.autoconf: 0\n"
				  "  b: {}\n"
				  "  host:\n"
				  "    sysctl:\n"
				  "      net.ipv4.conf.h0.forwarding: 1\n"
				  "links:\n"
				  "  - [a:eth0, b:eth0]\n"
				  "  - [b:eth1, host:h0]\n");
	int add = line_index(text,
			     "link add eth0 type veth peer eth0 netns b @a"),
	    rp = line_index(text, "sysctl net.ipv4.conf.eth0.rp_filter=2 @a"),
	    ac = line_index(text, "sysctl net.ipv6.conf.eth0.autoconf=0 @a"),
	    up = line_index(text, "link set eth0 up @a"),
	    fw = line_index(text, "sysctl net.ipv4.conf.h0.forwarding=1 @host"),
	    hup = line_index(text, "link set h0 up @host");

	(void)state;
	/* Created down; its own sysctls written at once; up only after
	 * them (with the other node ends, once every link exists). */
	assert_true(add >= 0);
	assert_int_equal(rp, add + 1);
	assert_int_equal(ac, add + 2);
	assert_true(up > ac);
	/* Likewise for a host end. */
	assert_true(fw >= 0);
	assert_int_equal(hup, fw + 1);
	free(text);
}

static void test_nodad_unless_dad_on(void **state)
{
	static const char y[] =
		"nodes:\n"
		"  a:\n"
		"    sysctl:\n"
		"      net.ipv6.conf.eth0.accept_dad: 1\n"
		"    interfaces:\n"
		"      eth0: {addresses: [\"fd00::1/64\"]}\n"
		"      eth1: {addresses: [\"fd01::1/64\"]}\n"
		"  b:\n"
		"    sysctl:\n"
		"      net.ipv6.conf.all.accept_dad: 2\n"
		"      net.ipv6.conf.eth0.accept_dad: 0\n"
		"    interfaces:\n"
		"      eth0: {addresses: [\"fd00::2/64\"]}\n"
		"  c:\n"
		"    sysctl:\n"
		"      net.ipv6.conf.eth1.accept_dad: 0\n"
		"    interfaces:\n"
		"      eth1: {addresses: [\"fd01::2/64\", 10.0.1.2/24]}\n"
		"links:\n"
		"  - [a:eth0, b:eth0]\n"
		"  - [a:eth1, c:eth1]\n";
	char *text = compile_text(y);

	(void)state;
	/* DAD on for the interface (or for all, which the kernel takes as
	 * a floor): the address goes through DAD, as asked. */
	assert_non_null(strstr(text, "addr add fd00::1/64 dev eth0 @a\n"));
	assert_non_null(strstr(text, "addr add fd00::2/64 dev eth0 @b\n"));
	/* Otherwise nodad, and never for IPv4. */
	assert_non_null(
		strstr(text, "addr add fd01::1/64 dev eth1 nodad @a\n"));
	assert_non_null(
		strstr(text, "addr add fd01::2/64 dev eth1 nodad @c\n"));
	assert_non_null(strstr(text, "addr add 10.0.1.2/24 dev eth1 @c\n"));
	free(text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_x_keys_ignored_at_top_level),
		cmocka_unit_test(test_x_keys_refused_elsewhere),
		cmocka_unit_test(test_quoted_default),
		cmocka_unit_test(test_ipv6_metric_zero),
		cmocka_unit_test(test_local_route_table),
		cmocka_unit_test(test_onlink_needs_via),
		cmocka_unit_test(test_lo_mtu_in_nodes),
		cmocka_unit_test(test_host_lo_only_addresses),
		cmocka_unit_test(test_ipv6_mtu_floor),
		cmocka_unit_test(test_names_all_and_default),
		cmocka_unit_test(test_derived_port_names),
		cmocka_unit_test(test_bare_bridge_port_disable_ipv6),
		cmocka_unit_test(test_iface_sysctls_before_up),
		cmocka_unit_test(test_nodad_unless_dad_on),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
