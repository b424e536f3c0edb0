// SPDX-License-Identifier: MIT
/*
 * plan_defaults_test.c - what a lab's interfaces start with unless the
 * file says otherwise: the sysctls every new namespace gets before its
 * links exist (no DAD, addresses kept while down, no router
 * advertisements), each one the file can override; accept-ra, which
 * autoconf implies; and a bridge's multicast querier, which only the file
 * turns on, and what its requests carry.
 */
#include <stdio.h>
#include <linux/if_link.h>
#include <netlink/attr.h>
#include <netlink/msg.h>

#include "helpers.h"
#include "nl.h"

/* Is "sysctl KEY=VALUE @NS" a line of @text? */
static bool has_line(const char *text, const char *key, const char *value,
		     const char *ns)
{
	char line[200];
	size_t n = (size_t)snprintf(line, sizeof(line), "sysctl %s=%s @%s\n",
				    key, value, ns);
	const char *at = text;

	while ((at = strstr(at, line))) {
		if (at == text || at[-1] == '\n')
			return true;
		at += n;
	}
	return false;
}

/* How many ops of @text set @key in @ns, whatever the value. */
static size_t key_count(const char *text, const char *key, const char *ns)
{
	char head[160], tail[64];
	size_t count = 0;

	snprintf(head, sizeof(head), "sysctl %s=", key);
	snprintf(tail, sizeof(tail), " @%s\n", ns);
	for (const char *at = strstr(text, head); at;
	     at = strstr(at + 1, head)) {
		const char *eol = strchr(at, '\n');
		size_t len = strlen(tail);

		if ((at == text || at[-1] == '\n') && eol &&
		    (size_t)(eol + 1 - at) > len &&
		    !strncmp(eol + 1 - len, tail, len))
			count++;
	}
	return count;
}

static void test_every_node_gets_them(void **state)
{
	char *text = compile_text("nodes:\n"
				  "  a: {}\n"
				  "  b:\n"
				  "    interfaces:\n"
				  "      eth0: {addresses: [\"fd00::2/64\"]}\n"
				  "links:\n"
				  "  - [a:eth0, b:eth0]\n");

	(void)state;
	for (size_t i = 0; i < PLAN_NS_SYSCTLS; i++) {
		assert_true(has_line(text, plan_ns_sysctls[i].key,
				     plan_ns_sysctls[i].value, "a"));
		assert_true(has_line(text, plan_ns_sysctls[i].key,
				     plan_ns_sysctls[i].value, "b"));
	}
	assert_true(
		has_line(text, "net.ipv6.conf.default.accept_ra", "0", "a"));
	assert_true(has_line(text, "net.ipv6.conf.all.keep_addr_on_down", "1",
			     "b"));
	/* The node-wide value is enough: nothing per interface. */
	assert_null(strstr(text, "conf.eth0."));
	/* Before the namespace's first link. */
	assert_true(
		strstr(text, "sysctl net.ipv6.conf.default.accept_ra=0 @b") <
		strstr(text, "link add"));
	free(text);
}

/* A node's own key (or defaults:) replaces nstopo's, once, in its place. */
static void test_the_file_overrides_them(void **state)
{
	char *text = compile_text(
		"defaults:\n"
		"  sysctl: {net.ipv6.conf.default.accept_ra: 1}\n"
		"nodes:\n"
		"  a:\n"
		"    sysctl:\n"
		"      net.ipv6.conf.all.keep_addr_on_down: 0\n"
		"      net.ipv6.conf.default.keep_addr_on_down: -1\n"
		"  b: {}\n");

	(void)state;
	assert_true(has_line(text, "net.ipv6.conf.all.keep_addr_on_down", "0",
			     "a"));
	assert_true(has_line(text, "net.ipv6.conf.default.keep_addr_on_down",
			     "-1", "a"));
	assert_int_equal(
		key_count(text, "net.ipv6.conf.all.keep_addr_on_down", "a"), 1);
	assert_int_equal(
		key_count(text, "net.ipv6.conf.default.accept_ra", "a"), 1);
	assert_true(
		has_line(text, "net.ipv6.conf.default.accept_ra", "1", "b"));
	assert_false(
		has_line(text, "net.ipv6.conf.default.accept_ra", "0", "b"));
	/* The keys the file does not set are still written. */
	assert_true(has_line(text, "net.ipv6.conf.all.accept_ra", "0", "b"));
	assert_true(has_line(text, "net.ipv6.conf.all.keep_addr_on_down", "1",
			     "b"));
	free(text);
}

/* accept-ra as today; autoconf: true takes advertisements unless
 * accept-ra says no; 2 in a node that forwards. */
static void test_autoconf_takes_advertisements(void **state)
{
	char *text =
		compile_text("nodes:\n"
			     "  s:\n"
			     "    interfaces:\n"
			     "      eth0: {autoconf: true}\n"
			     "      eth1: {accept-ra: false, autoconf: true}\n"
			     "      eth2: {accept-ra: true}\n"
			     "      eth3: {autoconf: false}\n"
			     "  r:\n"
			     "    sysctl: {net.ipv6.conf.all.forwarding: 1}\n"
			     "    interfaces:\n"
			     "      eth0: {autoconf: true}\n"
			     "links:\n"
			     "  - [s:eth0, r:eth0]\n"
			     "  - [s:eth1, s:eth2]\n"
			     "  - [s:eth3, r:eth1]\n");

	(void)state;
	assert_true(has_line(text, "net.ipv6.conf.eth0.accept_ra", "1", "s"));
	assert_true(has_line(text, "net.ipv6.conf.eth0.autoconf", "1", "s"));
	assert_true(has_line(text, "net.ipv6.conf.eth1.accept_ra", "0", "s"));
	assert_true(has_line(text, "net.ipv6.conf.eth1.autoconf", "1", "s"));
	assert_true(has_line(text, "net.ipv6.conf.eth2.accept_ra", "1", "s"));
	assert_int_equal(key_count(text, "net.ipv6.conf.eth2.autoconf", "s"),
			 0);
	assert_int_equal(key_count(text, "net.ipv6.conf.eth3.accept_ra", "s"),
			 0);
	assert_true(has_line(text, "net.ipv6.conf.eth3.autoconf", "0", "s"));
	assert_true(has_line(text, "net.ipv6.conf.eth0.accept_ra", "2", "r"));
	/* ...before the interface comes up. */
	assert_true(strstr(text, "sysctl net.ipv6.conf.eth0.accept_ra=1 @s") <
		    strstr(text, "link set eth0 up @s"));
	free(text);
}

/* The mode of bridge @name's link.add in @c's plan. */
static uint32_t bridge_mode(const struct compiled *c, const char *name)
{
	for (size_t i = 0; i < c->p->n_ops; i++) {
		const struct op *op = &c->p->ops[i];

		if (op->kind == OP_LINK_ADD && op->type == LK_BRIDGE &&
		    !strcmp(op->link.name, name))
			return op->mode;
	}
	fail_msg("no bridge %s in the plan", name);
	return 0;
}

static void test_querier_only_when_asked(void **state)
{
	struct compiled c = compile(
		"nodes:\n"
		"  a: {}\n"
		"  v: {sysctl: {net.ipv6.conf.default.force_mld_version: 2}}\n"
		"bridges:\n"
		"  b0: {}\n"
		"  b1: {querier: true}\n"
		"  b2: {querier: false, node: a}\n"
		"  b3: {ports: [eth7]}\n"
		"links:\n"
		"  - [a:eth0, b0]\n"
		"  - [a:eth1, b1]\n"
		"  - [v:eth0, b1]\n"
		"  - [host:h0, b1]\n");
	char *text = plan_text(c.p);

	(void)state;
	assert_int_equal(bridge_mode(&c, "b0"), 0);
	assert_int_equal(bridge_mode(&c, "b1"), BRIDGE_QUERIER);
	assert_int_equal(bridge_mode(&c, "b2"), 0);
	assert_int_equal(bridge_mode(&c, "b3"), 0);
	/* Plans say which. */
	assert_non_null(
		strstr(text, "link add b1 type bridge mode querier @host\n"));
	assert_non_null(strstr(text, "link add b0 type bridge @host\n"));
	/* The nodes on a querier bridge speak MLDv1 from the start, unless
	 * their file says which version; the others as the kernel does. */
	assert_true(has_line(text, "net.ipv6.conf.eth1.force_mld_version", "1",
			     "a"));
	assert_true(has_line(text, "net.ipv6.conf.h0.force_mld_version", "1",
			     "host"));
	assert_int_equal(
		key_count(text, "net.ipv6.conf.eth0.force_mld_version", "a"),
		0);
	assert_int_equal(
		key_count(text, "net.ipv6.conf.eth0.force_mld_version", "v"),
		0);
	/* ...before the end comes up. */
	assert_true(strstr(text,
			   "sysctl net.ipv6.conf.eth1.force_mld_version=1 "
			   "@a") < strstr(text, "link set eth1 up @a"));
	free(text);
	compiled_free(&c);
	assert_load_error(
		"bridges:\n"
		"  b: {ports: [eth0], querier: true}\n",
		"2:31: bridge 'b' has a port the host had already: it "
		"cannot be the multicast querier of the host's LAN");
	assert_load_error("bridges:\n"
			  "  b: {querier: 1x}\n",
			  "2:16: 'querier' must be true or false, not '1x'");
}

/* Whether @op puts a port into bridge @br (in namespace @ns). */
static bool joins(const struct op *op, const char *ns, const char *br)
{
	const struct op_if *sides[2] = { &op->link, &op->peer };

	if (op->kind == OP_PORT_ADD)
		return !op_ns(op) && !ns && !strcmp(op->link.master, br);
	if (op->kind != OP_LINK_ADD && op->kind != OP_LINK_SET)
		return false;
	for (int s = 0; s < 2; s++)
		if (sides[s]->name && sides[s]->master &&
		    !strcmp(sides[s]->master, br) &&
		    ((!sides[s]->ns && !ns) ||
		     (sides[s]->ns && ns && !strcmp(sides[s]->ns, ns))))
			return true;
	return false;
}

/*
 * Each bridge snoops once its ports are in: one link set of the bridge,
 * with its mode, after every op that puts a port into it and before the
 * routes (nl_bridge.c).
 */
static void test_bridges_snoop_once_ports_are_in(void **state)
{
	struct compiled c =
		compile("nodes:\n"
			"  a:\n"
			"    interfaces: {eth1: {addresses: [10.0.0.1/24]}}\n"
			"  v:\n"
			"    interfaces: {eth0: {addresses: [10.0.0.2/24]}}\n"
			"    routes: [{to: default, via: 10.0.0.1}]\n"
			"bridges:\n"
			"  b0: {}\n"
			"  b1: {querier: true}\n"
			"  b2: {node: a}\n"
			"  b3: {ports: [eth7]}\n"
			"links:\n"
			"  - [a:eth0, b0]\n"
			"  - [a:eth1, b1]\n"
			"  - [v:eth0, b1]\n"
			"  - [host:h0, b1]\n"
			"  - [v:eth1, b2]\n");
	const char *names[] = { "b0", "b1", "b2", "b3" };
	char *text = plan_text(c.p);

	(void)state;
	for (size_t b = 0; b < ARRAY_SIZE(names); b++) {
		size_t set = 0, n = 0, last_join = 0, first_route = SIZE_MAX;
		const char *ns = NULL;

		for (size_t i = 0; i < c.p->n_ops; i++) {
			const struct op *op = &c.p->ops[i];

			if (op->kind == OP_LINK_ADD && op->type == LK_BRIDGE &&
			    !strcmp(op->link.name, names[b]))
				ns = op_ns(op);
		}
		for (size_t i = 0; i < c.p->n_ops; i++) {
			const struct op *op = &c.p->ops[i];

			if (op->kind == OP_ROUTE_ADD && first_route == SIZE_MAX)
				first_route = i;
			if (joins(op, ns, names[b]))
				last_join = i;
			if (op->kind == OP_LINK_SET && op->type == LK_BRIDGE &&
			    !strcmp(op->link.name, names[b])) {
				assert_true((!ns && !op_ns(op)) ||
					    (ns && op_ns(op) &&
					     !strcmp(ns, op_ns(op))));
				assert_int_equal(op->mode,
						 bridge_mode(&c, names[b]));
				assert_null(op->link.master);
				assert_false(op->link.up);
				/* read back by the usable wait if a pair of
				 * the lab carries it: not b3 (a host port) */
				assert_int_equal(op->settle, b != 3);
				set = i;
				n++;
			}
		}
		assert_int_equal(n, 1);
		assert_true(set > last_join);
		assert_true(set < first_route);
	}
	assert_non_null(strstr(
		text,
		"link set b1 type bridge mcast_snooping 1 mcast_querier 1 @host\n"));
	assert_non_null(
		strstr(text, "link set b2 type bridge mcast_snooping 1 @a\n"));
	free(text);
	compiled_free(&c);
}

/* The IFLA_INFO_DATA a fill function writes, parsed; false if none. */
static bool fill_data(int (*fill)(struct nl_msg *, const struct link_req *),
		      uint32_t mode, struct nlattr *tb[IFLA_BR_MAX + 1],
		      struct nl_msg **keep)
{
	struct link_req r = { .name = "br0", .mode = mode, .ns_fd = -1 };
	struct nl_msg *msg = nlmsg_alloc();
	struct nlattr *data;

	assert_non_null(msg);
	*keep = msg;
	assert_int_equal(fill(msg, &r), 0);
	if (nlmsg_datalen(nlmsg_hdr(msg)) == 0)
		return false;
	data = nlmsg_data(nlmsg_hdr(msg));
	assert_int_equal(nla_type(data), IFLA_INFO_DATA);
	assert_int_equal(nla_parse_nested(tb, IFLA_BR_MAX, data, NULL), 0);
	return true;
}

/*
 * A plain bridge is made with snooping off, a querier bridge snooping
 * with the querier's queries (IGMPv3 and MLDv1 that ask for answers at
 * once, startup queries a second apart); its mode change turns snooping
 * on, and the querier on only in the change after it (the response
 * interval must be in place first).
 */
static void test_querier_requests(void **state)
{
	struct nlattr *tb[IFLA_BR_MAX + 1];
	struct nl_msg *msg;

	(void)state;
	assert_true(fill_data(nl_fill_bridge, BRIDGE_QUERIER, tb, &msg));
	assert_int_equal(nla_get_u8(tb[IFLA_BR_MCAST_SNOOPING]), 1);
	assert_int_equal(nla_get_u8(tb[IFLA_BR_MCAST_IGMP_VERSION]), 3);
	assert_int_equal(nla_get_u8(tb[IFLA_BR_MCAST_MLD_VERSION]), 1);
	assert_int_equal(nla_get_u64(tb[IFLA_BR_MCAST_QUERY_RESPONSE_INTVL]),
			 0);
	assert_int_equal(nla_get_u32(tb[IFLA_BR_MCAST_STARTUP_QUERY_CNT]), 3);
	assert_int_equal(nla_get_u64(tb[IFLA_BR_MCAST_STARTUP_QUERY_INTVL]),
			 100);
	assert_null(tb[IFLA_BR_MCAST_QUERIER]);
	nlmsg_free(msg);
	assert_true(fill_data(nl_fill_bridge_again, BRIDGE_QUERIER, tb, &msg));
	assert_int_equal(nla_get_u8(tb[IFLA_BR_MCAST_QUERIER]), 1);
	assert_null(tb[IFLA_BR_MCAST_SNOOPING]);
	nlmsg_free(msg);
	/* A plain bridge: snooping off, the kernel's defaults otherwise. */
	assert_true(fill_data(nl_fill_bridge, 0, tb, &msg));
	assert_int_equal(nla_get_u8(tb[IFLA_BR_MCAST_SNOOPING]), 0);
	assert_null(tb[IFLA_BR_MCAST_IGMP_VERSION]);
	assert_null(tb[IFLA_BR_MCAST_QUERIER]);
	nlmsg_free(msg);
	assert_false(fill_data(nl_fill_bridge_again, 0, tb, &msg));
	nlmsg_free(msg);
	/* Its ports in (or an edit that finds it made): snooping on, with
	 * the querier's settings, or the kernel's defaults, querier off. */
	assert_true(fill_data(nl_fill_bridge_mode, BRIDGE_QUERIER, tb, &msg));
	assert_int_equal(nla_get_u8(tb[IFLA_BR_MCAST_SNOOPING]), 1);
	assert_int_equal(nla_get_u8(tb[IFLA_BR_MCAST_IGMP_VERSION]), 3);
	assert_int_equal(nla_get_u64(tb[IFLA_BR_MCAST_QUERY_RESPONSE_INTVL]),
			 0);
	assert_null(tb[IFLA_BR_MCAST_QUERIER]);
	nlmsg_free(msg);
	assert_true(fill_data(nl_fill_bridge_mode, 0, tb, &msg));
	assert_int_equal(nla_get_u8(tb[IFLA_BR_MCAST_SNOOPING]), 1);
	assert_int_equal(nla_get_u8(tb[IFLA_BR_MCAST_QUERIER]), 0);
	assert_int_equal(nla_get_u8(tb[IFLA_BR_MCAST_IGMP_VERSION]), 2);
	assert_int_equal(nla_get_u8(tb[IFLA_BR_MCAST_MLD_VERSION]), 1);
	assert_int_equal(nla_get_u64(tb[IFLA_BR_MCAST_QUERY_RESPONSE_INTVL]),
			 1000);
	assert_int_equal(nla_get_u32(tb[IFLA_BR_MCAST_STARTUP_QUERY_CNT]), 2);
	assert_int_equal(nla_get_u64(tb[IFLA_BR_MCAST_STARTUP_QUERY_INTVL]),
			 3125);
	nlmsg_free(msg);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_node_gets_them),
		cmocka_unit_test(test_the_file_overrides_them),
		cmocka_unit_test(test_autoconf_takes_advertisements),
		cmocka_unit_test(test_querier_only_when_asked),
		cmocka_unit_test(test_querier_requests),
		cmocka_unit_test(test_bridges_snoop_once_ports_are_in),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
