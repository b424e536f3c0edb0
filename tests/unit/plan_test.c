// SPDX-License-Identifier: MIT
/*
 * plan_test.c - the apply plan of small topologies, op by op; the order
 * of its phases; determinism; JSON output; plan_invert().
 */
#include <ctype.h>
#include <stdio.h>
#include <sys/wait.h>

#include "helpers.h"

/* The spec's complete example. */
static const char example[] =
	"version: 1\n"
	"name: lab1\n"
	"defaults:\n"
	"  sysctl:\n"
	"    net.ipv6.conf.all.accept_dad: 0\n"
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
	"bridges:\n"
	"  br-lab: {}\n"
	"  core: {node: router}\n"
	"links:\n"
	"  - [h1:eth0, router:eth0]\n"
	"  - [h2:eth0, br-lab]\n"
	"  - [proxy:eth0, br-lab]\n"
	"  - {endpoints: [router:eth1, br-lab:rtr], mtu: 9000}\n";

/* Host objects: a bridge with an address, veths with host ends, lo. */
static const char host_yaml[] =
	"nodes:\n"
	"  a: {}\n"
	"  host:\n"
	"    sysctl:\n"
	"      net.ipv4.ip_forward: 1\n"
	"    interfaces:\n"
	"      br0: {addresses: [192.168.50.1/24]}\n"
	"      lo: {addresses: [10.255.0.1/32]}\n"
	"    routes:\n"
	"      - {to: 172.20.0.0/16, via: 192.168.50.2}\n"
	"bridges:\n"
	"  br0: {}\n"
	"links:\n"
	"  - [a:eth0, br0]\n"
	"  - [host:v1, host:v2]\n"
	"  - [host:ha, a:eth1]\n";

#define assert_plan_text(p, want)                  \
	do {                                       \
		char *got_ = plan_text(p);         \
		assert_string_equal(got_, (want)); \
		free(got_);                        \
	} while (0)

static void test_plan_two_nodes(void **state)
{
	char *text = compile_text(
		"nodes:\n"
		"  a:\n"
		"    interfaces:\n"
		"      eth0: {addresses: [10.0.0.1/24, \"fd00::1/64\"]}\n"
		"    routes:\n"
		"      - {to: default, via: 10.0.0.2}\n"
		"  b:\n"
		"    interfaces:\n"
		"      eth0: {addresses: [10.0.0.2/24], mtu: 1400, "
		"mac: \"02:00:00:00:00:0b\"}\n"
		"links:\n"
		"  - [a:eth0, b:eth0]\n");

	(void)state;
	assert_string_equal(
		text, "netns add a\n"
		      "link set lo up @a\n"
		      "sysctl net.ipv6.conf.all.accept_dad=0 @a\n"
		      "sysctl net.ipv6.conf.default.accept_dad=0 @a\n"
		      "sysctl net.ipv6.conf.all.keep_addr_on_down=1 @a\n"
		      "sysctl net.ipv6.conf.default.keep_addr_on_down=1 @a\n"
		      "sysctl net.ipv6.conf.all.accept_ra=0 @a\n"
		      "sysctl net.ipv6.conf.default.accept_ra=0 @a\n"
		      "sysctl net.ipv6.conf.default."
		      "mldv2_unsolicited_report_interval=20 @a\n"
		      "netns add b\n"
		      "link set lo up @b\n"
		      "sysctl net.ipv6.conf.all.accept_dad=0 @b\n"
		      "sysctl net.ipv6.conf.default.accept_dad=0 @b\n"
		      "sysctl net.ipv6.conf.all.keep_addr_on_down=1 @b\n"
		      "sysctl net.ipv6.conf.default.keep_addr_on_down=1 @b\n"
		      "sysctl net.ipv6.conf.all.accept_ra=0 @b\n"
		      "sysctl net.ipv6.conf.default.accept_ra=0 @b\n"
		      "sysctl net.ipv6.conf.default."
		      "mldv2_unsolicited_report_interval=20 @b\n"
		      "link add eth0 type veth peer eth0 mtu 1400 address "
		      "02:00:00:00:00:0b netns b @a\n"
		      /* Addresses go on while the node ends are down; the ends
		 * come up after every address, and the routes after them. */
		      "addr add 10.0.0.1/24 dev eth0 @a\n"
		      "addr add fd00::1/64 dev eth0 nodad @a\n"
		      "addr add 10.0.0.2/24 dev eth0 @b\n"
		      "link set eth0 up @a\n"
		      "link set eth0 up @b\n"
		      "route add default via 10.0.0.2 @a\n");
	free(text);
}

static void test_plan_host_ends(void **state)
{
	char *text = compile_text(host_yaml);

	(void)state;
	/* Host ends: DAD off, then enslaved and up; never up at creation. */
	assert_string_equal(
		/* What needs the host alone first, then each namespace
		 * with the links it completes. */
		text, "link add br0 type bridge @host\n"
		      "sysctl net.ipv6.conf.br0.accept_dad=0 @host\n"
		      "link set br0 up @host\n"
		      "link add v1 type veth peer v2 netns host @host\n"
		      "sysctl net.ipv6.conf.v1.accept_dad=0 @host\n"
		      "link set v1 up @host\n"
		      "sysctl net.ipv6.conf.v2.accept_dad=0 @host\n"
		      "link set v2 up @host\n"
		      "netns add a\n"
		      "link set lo up @a\n"
		      "sysctl net.ipv6.conf.all.accept_dad=0 @a\n"
		      "sysctl net.ipv6.conf.default.accept_dad=0 @a\n"
		      "sysctl net.ipv6.conf.all.keep_addr_on_down=1 @a\n"
		      "sysctl net.ipv6.conf.default.keep_addr_on_down=1 @a\n"
		      "sysctl net.ipv6.conf.all.accept_ra=0 @a\n"
		      "sysctl net.ipv6.conf.default.accept_ra=0 @a\n"
		      "sysctl net.ipv6.conf.default."
		      "mldv2_unsolicited_report_interval=20 @a\n"
		      "link add eth0 type veth peer a-eth0 netns host @a\n"
		      "sysctl net.ipv6.conf.a-eth0.disable_ipv6=1 @host\n"
		      "link set a-eth0 up @host\n"
		      /* Written [host:ha, a:eth1]: the request goes to a. */
		      "link add eth1 type veth peer ha netns host @a\n"
		      "sysctl net.ipv6.conf.ha.accept_dad=0 @host\n"
		      "link set ha up @host\n"
		      "sysctl net.ipv4.ip_forward=1 @host\n"
		      "addr add 192.168.50.1/24 dev br0 @host\n"
		      "addr add 10.255.0.1/32 dev lo @host\n"
		      "link set eth0 up @a\n"
		      "link set eth1 up @a\n"
		      "link set a-eth0 master br0 up @host\n"
		      "link set br0 type bridge mcast_snooping 1 @host\n"
		      "route add 172.20.0.0/16 via 192.168.50.2 @host\n");
	free(text);
}

static void test_plan_node_bridge_and_overrides(void **state)
{
	char *text = compile_text(
		"namespace-prefix: t-\n"
		"nodes:\n"
		"  r:\n"
		"    sysctl:\n"
		"      net.ipv6.conf.all.accept_dad: 1\n"
		"      net.ipv4.conf.eth0.rp_filter: 2\n"
		"    interfaces:\n"
		"      lo: {up: false}\n"
		"      core: {addresses: [10.1.0.1/24]}\n"
		"      eth0: {up: false}\n"
		"    intercept: [203.0.113.0/24]\n"
		"  s:\n"
		"    routes:\n"
		"      - {to: \"fd00:9::/64\", type: unreachable}\n"
		"      - {to: 10.9.0.0/16, type: prohibit, table: 100, "
		"metric: 3}\n"
		"bridges:\n"
		"  core: {node: r}\n"
		"links:\n"
		"  - {endpoints: [s:eth0, core], mtu: 1500}\n"
		"  - [r:eth0, s:eth1]\n");

	(void)state;
	assert_string_equal(
		text,
		"netns add t-r\n"
		/* The node's own accept_dad wins over nstopo's. */
		"sysctl net.ipv6.conf.default.accept_dad=0 @t-r\n"
		"sysctl net.ipv6.conf.all.keep_addr_on_down=1 @t-r\n"
		"sysctl net.ipv6.conf.default.keep_addr_on_down=1 @t-r\n"
		"sysctl net.ipv6.conf.all.accept_ra=0 @t-r\n"
		"sysctl net.ipv6.conf.default.accept_ra=0 @t-r\n"
		"sysctl net.ipv6.conf.default."
		"mldv2_unsolicited_report_interval=20 @t-r\n"
		"sysctl net.ipv6.conf.all.accept_dad=1 @t-r\n"
		/* A bridge right after the namespace it is in. */
		"link add core up type bridge @t-r\n"
		"netns add t-s\n"
		"link set lo up @t-s\n"
		"sysctl net.ipv6.conf.all.accept_dad=0 @t-s\n"
		"sysctl net.ipv6.conf.default.accept_dad=0 @t-s\n"
		"sysctl net.ipv6.conf.all.keep_addr_on_down=1 @t-s\n"
		"sysctl net.ipv6.conf.default.keep_addr_on_down=1 @t-s\n"
		"sysctl net.ipv6.conf.all.accept_ra=0 @t-s\n"
		"sysctl net.ipv6.conf.default.accept_ra=0 @t-s\n"
		"sysctl net.ipv6.conf.default."
		"mldv2_unsolicited_report_interval=20 @t-s\n"
		"link add eth0 mtu 1500 type veth peer t-s-eth0 mtu 1500 "
		"netns t-r @t-s\n"
		/* A bridge port without addresses needs no IPv6 stack. */
		"sysctl net.ipv6.conf.t-s-eth0.disable_ipv6=1 @t-r\n"
		"link set t-s-eth0 up @t-r\n"
		"link add eth0 type veth peer eth1 netns t-s @t-r\n"
		/* An interface's own sysctls come as soon as it exists,
		 * before anything of its link is up. */
		"sysctl net.ipv4.conf.eth0.rp_filter=2 @t-r\n"
		"addr add 10.1.0.1/24 dev core @t-r\n"
		"link set eth0 up @t-s\n"
		"link set eth1 up @t-s\n"
		"link set t-s-eth0 master core up @t-r\n"
		"link set core type bridge mcast_snooping 1 @t-r\n"
		"route add local 203.0.113.0/24 dev lo table local @t-r\n"
		"route add unreachable fd00:9::/64 metric 1024 @t-s\n"
		"route add prohibit 10.9.0.0/16 metric 3 table 100 @t-s\n");
	free(text);
}

static void test_plan_example(void **state)
{
	char *text = compile_text(example);

	(void)state;
	assert_string_equal(
		text,
		"link add br-lab type bridge @host\n"
		"sysctl net.ipv6.conf.br-lab.accept_dad=0 @host\n"
		"link set br-lab up @host\n"
		"netns add router\n"
		"link set lo up @router\n"
		"sysctl net.ipv6.conf.default.accept_dad=0 @router\n"
		"sysctl net.ipv6.conf.all.keep_addr_on_down=1 @router\n"
		"sysctl net.ipv6.conf.default.keep_addr_on_down=1 @router\n"
		"sysctl net.ipv6.conf.all.accept_ra=0 @router\n"
		"sysctl net.ipv6.conf.default.accept_ra=0 @router\n"
		"sysctl net.ipv6.conf.default."
		"mldv2_unsolicited_report_interval=20 @router\n"
		"sysctl net.ipv6.conf.all.accept_dad=0 @router\n"
		"sysctl net.ipv4.ip_forward=1 @router\n"
		"sysctl net.ipv6.conf.all.forwarding=1 @router\n"
		"link add core up type bridge @router\n"
		"link add eth1 mtu 9000 address 02:00:00:00:02:01 type veth "
		"peer rtr mtu 9000 netns host @router\n"
		"sysctl net.ipv6.conf.rtr.disable_ipv6=1 @host\n"
		"link set rtr up @host\n"
		"netns add h1\n"
		"link set lo up @h1\n"
		"sysctl net.ipv6.conf.default.accept_dad=0 @h1\n"
		"sysctl net.ipv6.conf.all.keep_addr_on_down=1 @h1\n"
		"sysctl net.ipv6.conf.default.keep_addr_on_down=1 @h1\n"
		"sysctl net.ipv6.conf.all.accept_ra=0 @h1\n"
		"sysctl net.ipv6.conf.default.accept_ra=0 @h1\n"
		"sysctl net.ipv6.conf.default."
		"mldv2_unsolicited_report_interval=20 @h1\n"
		"sysctl net.ipv6.conf.all.accept_dad=0 @h1\n"
		"link add eth0 type veth peer eth0 netns router @h1\n"
		"netns add h2\n"
		"link set lo up @h2\n"
		"sysctl net.ipv6.conf.default.accept_dad=0 @h2\n"
		"sysctl net.ipv6.conf.all.keep_addr_on_down=1 @h2\n"
		"sysctl net.ipv6.conf.default.keep_addr_on_down=1 @h2\n"
		"sysctl net.ipv6.conf.all.accept_ra=0 @h2\n"
		"sysctl net.ipv6.conf.default.accept_ra=0 @h2\n"
		"sysctl net.ipv6.conf.default."
		"mldv2_unsolicited_report_interval=20 @h2\n"
		"sysctl net.ipv6.conf.all.accept_dad=0 @h2\n"
		"link add eth0 type veth peer h2-eth0 netns host @h2\n"
		"sysctl net.ipv6.conf.h2-eth0.disable_ipv6=1 @host\n"
		"link set h2-eth0 up @host\n"
		"netns add proxy\n"
		"link set lo up @proxy\n"
		"sysctl net.ipv6.conf.default.accept_dad=0 @proxy\n"
		"sysctl net.ipv6.conf.all.keep_addr_on_down=1 @proxy\n"
		"sysctl net.ipv6.conf.default.keep_addr_on_down=1 @proxy\n"
		"sysctl net.ipv6.conf.all.accept_ra=0 @proxy\n"
		"sysctl net.ipv6.conf.default.accept_ra=0 @proxy\n"
		"sysctl net.ipv6.conf.default."
		"mldv2_unsolicited_report_interval=20 @proxy\n"
		"sysctl net.ipv6.conf.all.accept_dad=0 @proxy\n"
		"link add eth0 type veth peer proxy-eth0 netns host @proxy\n"
		"sysctl net.ipv6.conf.proxy-eth0.disable_ipv6=1 @host\n"
		"link set proxy-eth0 up @host\n"
		"addr add 10.0.2.254/24 dev br-lab @host\n"
		"addr add 10.0.1.1/24 dev eth0 @router\n"
		"addr add fd00:1::1/64 dev eth0 nodad @router\n"
		"addr add 10.0.2.1/24 dev eth1 @router\n"
		"addr add 10.0.1.2/24 dev eth0 @h1\n"
		"addr add fd00:1::2/64 dev eth0 nodad @h1\n"
		"addr add 10.0.2.2/24 dev eth0 @h2\n"
		"addr add 10.0.2.3/24 dev eth0 @proxy\n"
		"link set eth0 up @h1\n"
		"link set eth0 up @router\n"
		"link set eth0 up @h2\n"
		"link set eth0 up @proxy\n"
		"link set eth1 up @router\n"
		"link set rtr master br-lab up @host\n"
		"link set h2-eth0 master br-lab up @host\n"
		"link set proxy-eth0 master br-lab up @host\n"
		/* Each bridge snoops once its ports are in. */
		"link set br-lab type bridge mcast_snooping 1 @host\n"
		"link set core type bridge mcast_snooping 1 @router\n"
		"route add default via 10.0.1.1 @h1\n"
		"route add ::/0 via fd00:1::1 metric 1024 @h1\n"
		"route add default via 10.0.2.1 @h2\n"
		"route add blackhole 198.51.100.0/24 @h2\n"
		"route add local default dev lo table local @proxy\n"
		"route add local ::/0 dev lo metric 1024 table local @proxy\n");
	free(text);
}

/* The host end a LINK_ADD makes, or NULL. */
static const struct op_if *host_end(const struct op *op, int which)
{
	const struct op_if *e = which ? &op->peer : &op->link;

	if (op->kind != OP_LINK_ADD || (which && op->type != LK_VETH))
		return NULL;
	return e->ns ? NULL : e;
}

static bool is_dad_key(const char *key)
{
	return !strcmp(key, plan_dad_sysctls[0]) ||
	       !strcmp(key, plan_dad_sysctls[1]);
}

static size_t first_addr(const struct plan *p)
{
	size_t i = 0;

	while (i < p->n_ops && p->ops[i].kind != OP_ADDR_ADD)
		i++;
	return i;
}

/* Whether namespace @ns is made by an op before op @i. */
static bool added_before(const struct plan *p, const char *ns, size_t i)
{
	for (size_t j = 0; j < i; j++)
		if (p->ops[j].kind == OP_NETNS_ADD &&
		    !strcmp(op_ns(&p->ops[j]), ns))
			return true;
	return false;
}

/* The phase rules every plan keeps; see plan_compile(). */
static void check_phases(const struct plan *p)
{
	size_t last_link = 0, first_config = p->n_ops;

	for (size_t i = 0; i < p->n_ops; i++) {
		const struct op *op = &p->ops[i];

		assert_false(op_is_undo(op->kind));
		if (op->kind == OP_LINK_ADD)
			last_link = i;
		if ((op->kind == OP_ADDR_ADD || op->kind == OP_ROUTE_ADD) &&
		    first_config == p->n_ops)
			first_config = i;
	}
	/* A link after the namespaces it needs (interleaved: each right
	 * after the last of them), every link before any address or route. */
	for (size_t i = 0; i < p->n_ops; i++) {
		const struct op *op = &p->ops[i];
		const char *need[3] = { op_ns(op), op->link.ns, op->peer.ns };

		if (op->kind != OP_LINK_ADD)
			continue;
		for (size_t k = 0; k < 3; k++)
			if (need[k])
				assert_true(added_before(p, need[k], i));
	}
	if (first_config < p->n_ops)
		assert_true(last_link < first_config);
	/* The node ends rise late: after every address, before any route;
	 * no link comes up between the addresses. */
	for (size_t i = first_addr(p); i < p->n_ops; i++) {
		if (p->ops[i].kind != OP_LINK_SET || !p->ops[i].link.up)
			continue;
		for (size_t j = 0; j < p->n_ops; j++) {
			if (p->ops[j].kind == OP_ADDR_ADD)
				assert_true(j < i);
			if (p->ops[j].kind == OP_ROUTE_ADD)
				assert_true(j > i);
		}
	}
	for (size_t i = 0; i < p->n_ops; i++) {
		const struct op *op = &p->ops[i];
		int dad = 0;

		if (op->kind != OP_NETNS_ADD)
			continue;
		/* Each new namespace: both accept_dad keys (0 unless the
		 * topology says otherwise) before its next namespace, and so
		 * before any link. */
		for (size_t j = i + 1;
		     j < p->n_ops && p->ops[j].kind != OP_NETNS_ADD &&
		     p->ops[j].kind != OP_LINK_ADD;
		     j++) {
			const struct op *s = &p->ops[j];

			assert_string_equal(op_ns(s), op_ns(op));
			if (s->kind == OP_SYSCTL_SET && is_dad_key(s->key))
				dad++;
		}
		assert_int_equal(dad, 2);
	}
	for (size_t i = 0; i < p->n_ops; i++) {
		for (int w = 0; w < 2; w++) {
			const struct op_if *e = host_end(&p->ops[i], w);
			char key[64];
			size_t j;

			if (!e)
				continue;
			/* A host end: created down; before it comes up, its
			 * accept_dad=0 or, for a bridge port with no address
			 * of its own, disable_ipv6=1; then
			 * `link set NAME [master BR] up`, owned. */
			char off[64];
			bool has_dad = false, has_off = false;

			assert_false(e->up);
			assert_null(e->master);
			snprintf(key, sizeof(key),
				 "net.ipv6.conf.%s.accept_dad", e->name);
			snprintf(off, sizeof(off),
				 "net.ipv6.conf.%s.disable_ipv6", e->name);
			for (j = i + 1; j < p->n_ops; j++) {
				const struct op *s = &p->ops[j];

				if (s->kind == OP_LINK_SET && !s->link.ns &&
				    !strcmp(s->link.name, e->name))
					break;
				if (s->kind != OP_SYSCTL_SET || s->link.ns)
					continue;
				if (!strcmp(s->key, key)) {
					assert_string_equal(s->value, "0");
					has_dad = true;
				}
				if (!strcmp(s->key, off)) {
					assert_string_equal(s->value, "1");
					has_off = true;
				}
			}
			assert_true(j < p->n_ops);
			/* DAD off, or IPv6 off altogether on a bare port. */
			assert_true(has_dad != has_off);
			assert_true(p->ops[j].mark);
			assert_true(j < first_config);
			/* A bare port comes up on its own, and joins its
			 * bridge after the configuration (the node ends are
			 * up by then: compile.c, late_port()). */
			if (has_off) {
				size_t k = j + 1;

				assert_null(p->ops[j].link.master);
				while (k < p->n_ops &&
				       !(p->ops[k].kind == OP_LINK_SET &&
					 !p->ops[k].link.ns &&
					 !strcmp(p->ops[k].link.name, e->name)))
					k++;
				assert_true(k < p->n_ops);
				assert_non_null(p->ops[k].link.master);
				assert_true(k > first_config);
			}
		}
	}
}

static void test_plan_phase_order(void **state)
{
	static const char *const yamls[] = { example, host_yaml };

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(yamls); i++) {
		struct compiled c = compile(yamls[i]);

		check_phases(c.p);
		compiled_free(&c);
	}
}

/* Which ends does @p make that stay down until the late ends come up
 * ("NS/NAME " for each, in plan order)? */
static void late_ends(const struct plan *p, char *buf, size_t len)
{
	size_t o = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < p->n_ops; i++) {
		const struct op *op = &p->ops[i];

		if (op->kind != OP_LINK_ADD)
			continue;
		if (op->link.late)
			o += (size_t)snprintf(buf + o, len - o, "%s/%s ",
					      op->link.ns ? op->link.ns :
							    "host",
					      op->link.name);
		if (op->peer.late)
			o += (size_t)snprintf(buf + o, len - o, "%s/%s ",
					      op->peer.ns ? op->peer.ns :
							    "host",
					      op->peer.name);
	}
}

/* A pair's ends that stay down until phase 4 are read back once made
 * (do_link_add()): a node's end, both of a node-to-node pair; never a
 * bridge's port, nor an end in the host. */
static void test_plan_late_ends(void **state)
{
	char buf[256];
	struct compiled c = compile(example);

	(void)state;
	late_ends(c.p, buf, sizeof(buf));
	assert_string_equal(buf, "router/eth1 h1/eth0 router/eth0 h2/eth0 "
				 "proxy/eth0 ");
	compiled_free(&c);
	c = compile(host_yaml);
	late_ends(c.p, buf, sizeof(buf));
	assert_string_equal(buf, "a/eth0 a/eth1 ");
	compiled_free(&c);
}

static void test_plan_deterministic(void **state)
{
	struct compiled c1 = compile(example), c2 = compile(example);
	char *t1 = plan_printed(c1.p, false), *t2 = plan_printed(c2.p, false);
	char *j1 = plan_printed(c1.p, true), *j2 = plan_printed(c2.p, true);

	(void)state;
	assert_int_equal(c1.p->n_ops, c2.p->n_ops);
	assert_string_equal(t1, t2);
	assert_string_equal(j1, j2);
	/* The text form: "+ " for what apply does. */
	assert_int_equal(
		strncmp(t1, "+ link add br-lab type bridge @host\n", 36), 0);
	free(t1);
	free(t2);
	free(j1);
	free(j2);
	compiled_free(&c1);
	compiled_free(&c2);
}

/* A tiny JSON reader, only to say whether a text is well-formed. */
struct json {
	const char *s;
	int depth;
};

static bool json_value(struct json *j);

static void json_ws(struct json *j)
{
	while (*j->s == ' ' || *j->s == '\n' || *j->s == '\t' || *j->s == '\r')
		j->s++;
}

static bool json_string(struct json *j)
{
	if (*j->s++ != '"')
		return false;
	for (;;) {
		unsigned char c = (unsigned char)*j->s++;

		if (c == '"')
			return true;
		if (c < 0x20)
			return false;
		if (c != '\\')
			continue;
		c = (unsigned char)*j->s++;
		if (c == 'u') {
			for (int i = 0; i < 4; i++)
				if (!isxdigit((unsigned char)*j->s++))
					return false;
		} else if (!strchr("\"\\/bfnrt", c) || !c) {
			return false;
		}
	}
}

static bool json_number(struct json *j)
{
	const char *start;

	if (*j->s == '-')
		j->s++;
	if (*j->s == '0') {
		j->s++;
	} else {
		start = j->s;
		while (isdigit((unsigned char)*j->s))
			j->s++;
		if (j->s == start)
			return false;
	}
	if (*j->s == '.') {
		start = ++j->s;
		while (isdigit((unsigned char)*j->s))
			j->s++;
		if (j->s == start)
			return false;
	}
	if (*j->s == 'e' || *j->s == 'E') {
		j->s++;
		if (*j->s == '+' || *j->s == '-')
			j->s++;
		start = j->s;
		while (isdigit((unsigned char)*j->s))
			j->s++;
		if (j->s == start)
			return false;
	}
	return true;
}

static bool json_seq(struct json *j, char close, bool pairs)
{
	j->s++;
	json_ws(j);
	if (*j->s == close) {
		j->s++;
		return true;
	}
	for (;;) {
		json_ws(j);
		if (pairs) {
			if (!json_string(j))
				return false;
			json_ws(j);
			if (*j->s++ != ':')
				return false;
		}
		if (!json_value(j))
			return false;
		json_ws(j);
		if (*j->s == close) {
			j->s++;
			return true;
		}
		if (*j->s++ != ',')
			return false;
	}
}

static bool json_value(struct json *j)
{
	bool ok;

	json_ws(j);
	if (++j->depth > 64)
		return false;
	switch (*j->s) {
	case '{':
		ok = json_seq(j, '}', true);
		break;
	case '[':
		ok = json_seq(j, ']', false);
		break;
	case '"':
		ok = json_string(j);
		break;
	case 't':
		ok = !strncmp(j->s, "true", 4) && (j->s += 4);
		break;
	case 'f':
		ok = !strncmp(j->s, "false", 5) && (j->s += 5);
		break;
	case 'n':
		ok = !strncmp(j->s, "null", 4) && (j->s += 4);
		break;
	default:
		ok = json_number(j);
	}
	j->depth--;
	return ok;
}

static bool json_valid(const char *text)
{
	struct json j = { .s = text };

	if (!json_value(&j))
		return false;
	json_ws(&j);
	return !*j.s;
}

static void test_json_checker(void **state)
{
	(void)state;
	/* The checker itself must be able to say no. */
	assert_true(json_valid("{\"a\":[1,-2.5e3,true,null,\"x\\u00e9\"]}"));
	assert_true(json_valid(" [] "));
	assert_false(json_valid("{\"a\":1,}"));
	assert_false(json_valid("{\"a\" 1}"));
	assert_false(json_valid("[\"tab\there\"]"));
	assert_false(json_valid("[01]"));
	assert_false(json_valid("{} {}"));
	assert_false(json_valid("[\"\\x\"]"));
	assert_false(json_valid("{\"a\":[1}"));
}

/* Run python3's json module on @text: 0 if it parses, and the number of
 * ops it saw in *n_ops; -1 if python3 is not there. */
static int python_json_check(const char *text, long *n_ops)
{
	char path[] = "/tmp/nstopo-json-XXXXXX", cmd[256];
	FILE *f, *out;
	int fd, status;

	fd = mkstemp(path);
	assert_true(fd >= 0);
	f = fdopen(fd, "w");
	fputs(text, f);
	fclose(f);
	snprintf(cmd, sizeof(cmd),
		 "python3 -c 'import json,sys; d=json.load(open(sys.argv[1]));"
		 " assert d[\"count\"] == len(d[\"ops\"]); "
		 "print(len(d[\"ops\"]))'"
		 " %s 2>&1",
		 path);
	out = popen(cmd, "r");
	assert_non_null(out);
	if (fscanf(out, "%ld", n_ops) != 1)
		*n_ops = -1;
	status = pclose(out);
	remove(path);
	if (WIFEXITED(status) && WEXITSTATUS(status) == 127)
		return -1;
	return WIFEXITED(status) && !WEXITSTATUS(status) ? 0 : 1;
}

static void test_plan_json(void **state)
{
	struct compiled c = compile(example);
	struct plan *p = c.p, *inv;
	struct op *op;
	char *json, *ijson;
	long n = 0;
	int rc;

	(void)state;
	/* A value that needs escaping, in a host sysctl's old value. */
	op = plan_push(p, OP_SYSCTL_SET, NULL);
	op->key = "net.core.x";
	op->value = "a \"quoted\"\tvalue\\";
	op->old_value = "\x01";
	json = plan_printed(p, true);
	assert_true(json_valid(json));
	assert_non_null(
		strstr(json, "\"value\":\"a \\\"quoted\\\"\\u0009value\\\\\""));
	assert_non_null(strstr(json, "{\"lab\":\"lab1\",\"count\":77,"));
	inv = plan_invert(p);
	ijson = plan_printed(inv, true);
	assert_true(json_valid(ijson));
	assert_non_null(strstr(ijson, "\"old_value\":\"\\u0001\""));
	rc = python_json_check(json, &n);
	if (rc < 0) {
		print_message("python3 not found: only the C checker ran\n");
	} else {
		assert_int_equal(rc, 0);
		assert_int_equal(n, (long)p->n_ops);
		assert_int_equal(python_json_check(ijson, &n), 0);
		assert_int_equal(n, (long)inv->n_ops);
		/* And python3 says no to what is not JSON. */
		assert_int_equal(python_json_check("{\"count\": 1,}", &n), 1);
	}
	free(json);
	free(ijson);
	plan_free(inv);
	compiled_free(&c);
}

static void test_plan_json_empty(void **state)
{
	struct plan *p = plan_new("empty");
	char *json = plan_printed(p, true), *text = plan_printed(p, false);

	(void)state;
	assert_string_equal(json,
			    "{\"lab\":\"empty\",\"count\":0,\"ops\":[\n]}\n");
	assert_true(json_valid(json));
	assert_string_equal(text, "");
	free(json);
	free(text);
	plan_free(p);
}

/* plan_invert() */

static void test_invert_example(void **state)
{
	struct compiled c = compile(example);
	struct plan *inv = plan_invert(c.p);
	char *text = plan_printed(inv, false);

	(void)state;
	/* Objects in created namespaces die with them; host links are
	 * deleted one by one, newest first, then the namespaces. */
	assert_string_equal(text, "- link del proxy-eth0 @host\n"
				  "- link del h2-eth0 @host\n"
				  "- link del rtr @host\n"
				  "- link del br-lab @host\n"
				  "- netns del proxy\n"
				  "- netns del h2\n"
				  "- netns del h1\n"
				  "- netns del router\n");
	assert_string_equal(inv->lab, "lab1");
	for (size_t i = 0; i < inv->n_ops; i++)
		assert_true(op_is_undo(inv->ops[i].kind));
	free(text);
	plan_free(inv);
	compiled_free(&c);
}

static void test_invert_host_objects(void **state)
{
	struct compiled c = compile(host_yaml);
	struct plan *p = c.p, *inv;

	(void)state;
	/* What apply records: the value a host sysctl had before. */
	for (size_t i = 0; i < p->n_ops; i++)
		if (p->ops[i].kind == OP_SYSCTL_SET && !p->ops[i].link.ns)
			p->ops[i].old_value = "0";
	inv = plan_invert(p);
	/* Host routes, addresses and sysctls first, while their devices
	 * exist; the sysctls of links nstopo made die with them. */
	assert_plan_text(inv, "route del 172.20.0.0/16 via 192.168.50.2 @host\n"
			      "addr del 10.255.0.1/32 dev lo @host\n"
			      "sysctl net.ipv4.ip_forward=0 (restore) @host\n"
			      "link del ha @host\n"
			      "link del a-eth0 @host\n"
			      "link del v1 @host\n"
			      "link del br0 @host\n"
			      "netns del a\n");
	assert_true(inv->ops[3].mark);
	assert_int_equal(inv->ops[6].type, LK_BRIDGE);
	plan_free(inv);
	compiled_free(&c);
}

static void test_invert_prefix(void **state)
{
	struct compiled c = compile(host_yaml);
	struct plan *p = c.p, *inv;

	(void)state;
	inv = invert_prefix(p, 0);
	assert_int_equal(inv->n_ops, 0);
	plan_free(inv);
	/* Stopped after the host's bridge was made, before it was up. */
	inv = invert_prefix(p, 1);
	assert_plan_text(inv, "link del br0 @host\n");
	plan_free(inv);
	/* After the namespace, before its links. */
	inv = invert_prefix(p, 9);
	assert_plan_text(inv, "link del v1 @host\n"
			      "link del br0 @host\n"
			      "netns del a\n");
	plan_free(inv);
	/* After the host end's link, before its sysctl. */
	inv = invert_prefix(p, 18);
	assert_plan_text(inv, "link del a-eth0 @host\n"
			      "link del v1 @host\n"
			      "link del br0 @host\n"
			      "netns del a\n");
	plan_free(inv);
	/* After the host's own sysctl, before its addresses. */
	inv = invert_prefix(p, 24);
	assert_plan_text(inv, "sysctl net.ipv4.ip_forward (restore) @host\n"
			      "link del ha @host\n"
			      "link del a-eth0 @host\n"
			      "link del v1 @host\n"
			      "link del br0 @host\n"
			      "netns del a\n");
	plan_free(inv);
	compiled_free(&c);
}

/*
 * A VXLAN end is asked of the host (its socket on the machine's
 * underlay) and placed in its node; its inverse deletes it there before
 * the node goes, which frees its VNI at once.
 */
static void test_plan_vxlan(void **state)
{
	struct compiled c = compile(
		"name: vx\n"
		"nodes:\n"
		"  a:\n"
		"    interfaces:\n"
		"      vx0: {addresses: [10.0.0.1/24]}\n"
		"  host: {interfaces: {vxh: {mtu: 1400}}}\n"
		"links:\n"
		"  - {kind: vxlan, endpoint: a:vx0, id: 100, remote: 192.0.2.2,"
		" local: 192.0.2.1, dev: eth0}\n"
		"  - {kind: vxlan, endpoint: host:vxh, id: 16777215, remote: "
		"\"2001:db8::2\", dstport: 8472}\n");
	struct plan *inv;
	const struct op *op;

	(void)state;
	assert_plan_text(
		c.p,
		"netns add a\n"
		"link set lo up @a\n"
		"sysctl net.ipv6.conf.all.accept_dad=0 @a\n"
		"sysctl net.ipv6.conf.default.accept_dad=0 @a\n"
		"sysctl net.ipv6.conf.all.keep_addr_on_down=1 @a\n"
		"sysctl net.ipv6.conf.default.keep_addr_on_down=1 @a\n"
		"sysctl net.ipv6.conf.all.accept_ra=0 @a\n"
		"sysctl net.ipv6.conf.default.accept_ra=0 @a\n"
		"sysctl net.ipv6.conf.default."
		"mldv2_unsolicited_report_interval=20 @a\n"
		"link add vx0 up type vxlan id 100 remote 192.0.2.2 local "
		"192.0.2.1 dev eth0 dstport 4789 @a\n"
		"link add vxh mtu 1400 type vxlan id 16777215 remote 2001:db8::2 "
		"dstport 8472 @host\n"
		"sysctl net.ipv6.conf.vxh.accept_dad=0 @host\n"
		"link set vxh up @host\n"
		"addr add 10.0.0.1/24 dev vx0 @a\n");
	op = &c.p->ops[9];
	assert_int_equal(op->type, LK_VXLAN);
	assert_int_equal(op->id, 100);
	assert_int_equal(op->tun.port, 4789);
	assert_int_equal(op->tun.remote.plen, 32);
	assert_false(op->mark);
	assert_true(c.p->ops[10].mark);
	inv = plan_invert(c.p);
	assert_plan_text(inv, "link del vxh @host\n"
			      "link del vx0 @a\n"
			      "netns del a\n");
	plan_free(inv);
	compiled_free(&c);
}

static void test_invert_host_only(void **state)
{
	struct plan *p = plan_new("x"), *inv;
	struct op *op;

	(void)state;
	/* Ops on objects nstopo did not create are undone one by one. */
	op = plan_push(p, OP_ADDR_ADD, NULL);
	op->link.name = "eth0";
	prefix_parse("10.9.0.1/24", &op->addr, true, &(const char *){ NULL });
	op = plan_push(p, OP_ROUTE_ADD, NULL);
	prefix_parse("10.10.0.0/16", &op->route.to, true,
		     &(const char *){ NULL });
	op->route.dev = "eth0";
	op->route.table = RT_TABLE_MAIN_ID;
	op = plan_push(p, OP_SYSCTL_SET, NULL);
	op->key = "net.ipv4.conf.eth0.forwarding";
	op->value = "1";
	op->old_value = "0";
	inv = plan_invert(p);
	assert_plan_text(inv, "sysctl net.ipv4.conf.eth0.forwarding=0 "
			      "(restore) @host\n"
			      "route del 10.10.0.0/16 dev eth0 @host\n"
			      "addr del 10.9.0.1/24 dev eth0 @host\n");
	plan_free(inv);
	plan_free(p);
}

static void test_op_is_undo(void **state)
{
	static const enum op_kind undo[] = { OP_NETNS_DEL,	OP_LINK_DEL,
					     OP_ADDR_DEL,	OP_ROUTE_DEL,
					     OP_SYSCTL_RESTORE, OP_PORT_DEL,
					     OP_RELAY_STOP,	OP_EXEC_STOP };
	int n = 0;

	(void)state;
	for (int k = 0; k < OP__COUNT; k++)
		n += op_is_undo((enum op_kind)k);
	assert_int_equal(n, (int)ARRAY_SIZE(undo));
	for (size_t i = 0; i < ARRAY_SIZE(undo); i++)
		assert_true(op_is_undo(undo[i]));
	assert_false(op_is_undo(OP_LINK_SET));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plan_two_nodes),
		cmocka_unit_test(test_plan_host_ends),
		cmocka_unit_test(test_plan_node_bridge_and_overrides),
		cmocka_unit_test(test_plan_example),
		cmocka_unit_test(test_plan_phase_order),
		cmocka_unit_test(test_plan_late_ends),
		cmocka_unit_test(test_plan_deterministic),
		cmocka_unit_test(test_json_checker),
		cmocka_unit_test(test_plan_json),
		cmocka_unit_test(test_plan_json_empty),
		cmocka_unit_test(test_invert_example),
		cmocka_unit_test(test_invert_host_objects),
		cmocka_unit_test(test_invert_prefix),
		cmocka_unit_test(test_invert_host_only),
		cmocka_unit_test(test_plan_vxlan),
		cmocka_unit_test(test_op_is_undo),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
