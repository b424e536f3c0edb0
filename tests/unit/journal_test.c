// SPDX-License-Identifier: MIT
/*
 * journal_test.c - an op written to a journal line (op_encode) and read
 * back (op_decode) is the same op: for every op kind, with every field
 * set (what its kind keeps comes back, nothing else), with strings that
 * need escaping (spaces,
 * quotes, '%', '=', unicode) and exec argvs; and lines that are not
 * journal lines are refused.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>

#include "helpers.h"

static char *encoded(const struct op *op)
{
	struct strbuf sb = { 0 };

	op_encode(op, &sb);
	return sb.buf;
}

static char *formatted(const struct op *op)
{
	struct strbuf sb = { 0 };

	op_format(op, &sb);
	return sb.buf ? sb.buf : xstrdup("");
}

static char *jsoned(const struct op *op)
{
	struct strbuf sb = { 0 };

	op_json(op, &sb);
	return sb.buf;
}

static void assert_str_or_null(const char *a, const char *b)
{
	if (!a || !b)
		assert_ptr_equal(a, b);
	else
		assert_string_equal(a, b);
}

static void assert_if_equal(const struct op_if *a, const struct op_if *b)
{
	assert_str_or_null(a->ns, b->ns);
	assert_str_or_null(a->name, b->name);
	assert_int_equal(a->mtu, b->mtu);
	assert_int_equal(a->has_mac, b->has_mac);
	if (a->has_mac)
		assert_memory_equal(a->mac, b->mac, 6);
	assert_str_or_null(a->master, b->master);
	assert_int_equal(a->up, b->up);
}

static void assert_prefix_equal(const struct prefix *a, const struct prefix *b)
{
	assert_int_equal(a->family, b->family);
	if (!a->family)
		return;
	assert_int_equal(a->plen, b->plen);
	assert_memory_equal(a->bytes, b->bytes, a->family == AF_INET ? 4 : 16);
}

/* A member of the decoded op: as in @op if its kind keeps it, else
 * as if never set. */
#define KEPT(f, same, unset)                \
	do {                                \
		if (op_uses(op->kind, f)) { \
			same;               \
		} else {                    \
			unset;              \
		}                           \
	} while (0)

/* The same for a field of the union: unset unless the kind keeps a
 * member there. */
#define SHARED(f, same, unset)                          \
	do {                                            \
		if (op_uses(op->kind, f)) {             \
			same;                           \
		} else if (!op_kind_shares(op->kind)) { \
			unset;                          \
		}                                       \
	} while (0)

/*
 * Encode @op, decode the line into @p, and check the op that comes back:
 * every field its kind's description lists is as in @op, every other is
 * unset; the line it writes again is the same; and it is the same op
 * (op_same()).  Returns the decoded op.
 */
static const struct op *round_trip(struct plan *p, const struct op *op)
{
	char *line = encoded(op), *line2;
	const struct op *back;
	struct op_if none = { 0 };

	/* One line of space-separated key=value words, nothing else. */
	assert_null(strchr(line, '\n'));
	for (const char *s = line; *s; s++)
		assert_true(((unsigned char)*s > 0x20 &&
			     (unsigned char)*s < 0x7f) ||
			    *s == ' ');
	assert_int_equal(decode_push(p, line), 0);
	back = &p->ops[p->n_ops - 1];
	assert_int_equal(back->kind, op->kind);
	KEPT(OF_NODE, assert_str_or_null(back->node, op->node),
	     assert_null(back->node));
	assert_str_or_null(back->link.ns,
			   op_uses(op->kind, OF_NS) ? op->link.ns : NULL);
	KEPT(OF_NAME, assert_str_or_null(back->link.name, op->link.name),
	     assert_null(back->link.name));
	KEPT(OF_MTU, assert_int_equal(back->link.mtu, op->link.mtu),
	     assert_int_equal(back->link.mtu, 0));
	KEPT(OF_MAC, assert_int_equal(back->link.has_mac, op->link.has_mac);
	     if (op->link.has_mac)
		     assert_memory_equal(back->link.mac, op->link.mac, 6),
	     assert_false(back->link.has_mac));
	KEPT(OF_MASTER, assert_str_or_null(back->link.master, op->link.master),
	     assert_null(back->link.master));
	KEPT(OF_UP, assert_int_equal(back->link.up, op->link.up),
	     assert_false(back->link.up));
	KEPT(OF_TYPE, assert_int_equal(back->type, op->type),
	     assert_int_equal(back->type, LK_NONE));
	KEPT(OF_PNAME, assert_if_equal(&back->peer, &op->peer),
	     assert_if_equal(&back->peer, &none));
	KEPT(OF_PARENT, assert_if_equal(&back->parent, &op->parent),
	     assert_if_equal(&back->parent, &none));
	KEPT(OF_MODE, assert_int_equal(back->mode, op->mode),
	     assert_int_equal(back->mode, 0));
	KEPT(OF_ID, assert_int_equal(back->id, op->id),
	     assert_int_equal(back->id, 0));
	KEPT(OF_MARK, assert_int_equal(back->mark, op->mark),
	     assert_false(back->mark));
	KEPT(OF_ADDR, assert_prefix_equal(&back->addr, &op->addr),
	     assert_int_equal(back->addr.family, 0));
	KEPT(OF_DAD, assert_int_equal(back->dad, op->dad),
	     assert_false(back->dad));
	SHARED(OF_TO, assert_prefix_equal(&back->route.to, &op->route.to);
	       assert_int_equal(back->route.has_via, op->route.has_via);
	       if (op->route.has_via)
		       assert_prefix_equal(&back->route.via, &op->route.via);
	       assert_str_or_null(back->route.dev, op->route.dev);
	       assert_int_equal(back->route.metric, op->route.metric);
	       assert_int_equal(back->route.table, op->route.table);
	       assert_int_equal(back->route.type, op->route.type);
	       assert_int_equal(back->route.onlink, op->route.onlink),
	       assert_int_equal(back->route.to.family, 0);
	       assert_false(back->route.has_via); assert_null(back->route.dev));
	SHARED(OF_KEY, assert_str_or_null(back->key, op->key),
	       assert_null(back->key));
	SHARED(OF_VALUE, assert_str_or_null(back->value, op->value),
	       assert_null(back->value));
	SHARED(OF_OLD, assert_str_or_null(back->old_value, op->old_value),
	       assert_null(back->old_value));
	KEPT(OF_ADOPT, assert_int_equal(back->adopt, op->adopt),
	     assert_false(back->adopt));
	KEPT(OF_SAVED, assert_str_or_null(back->saved, op->saved),
	     assert_null(back->saved));
	SHARED(OF_REMOTE,
	       assert_prefix_equal(&back->tun.remote, &op->tun.remote),
	       assert_int_equal(back->tun.remote.family, 0));
	SHARED(OF_LOCAL, assert_prefix_equal(&back->tun.local, &op->tun.local),
	       assert_int_equal(back->tun.local.family, 0));
	SHARED(OF_UNDERLAY, assert_str_or_null(back->tun.dev, op->tun.dev),
	       assert_null(back->tun.dev));
	SHARED(OF_DPORT, assert_int_equal(back->tun.port, op->tun.port),
	       assert_int_equal(back->tun.port, 0));
	KEPT(OF_PID, assert_int_equal(back->pid, op->pid),
	     assert_int_equal(back->pid, 0));
	KEPT(OF_PSTART, assert_true(back->pstart == op->pstart),
	     assert_true(back->pstart == 0));
	SHARED(OF_RATE,
	       assert_memory_equal(&back->qdisc, &op->qdisc, sizeof(op->qdisc)),
	       assert_false(back->qdisc.netem || back->qdisc.rate));
	KEPT(
		OF_ARGV, assert_int_equal(back->argc, op->argc);
		if (op->argv) {
			assert_non_null(back->argv);
			for (size_t i = 0; i < op->argc; i++)
				assert_string_equal(back->argv[i], op->argv[i]);
			assert_null(back->argv[op->argc]);
		} else { assert_null(back->argv); },
		assert_null(back->argv));
	assert_true(op_same(back, op));
	line2 = encoded(back);
	assert_string_equal(line2, line);
	free(line);
	free(line2);
	return back;
}

/* An op of kind @k as plans make it, its text and JSON from a journal. */
static void same_views(const struct op *op, const struct op *back)
{
	char *f1 = formatted(op), *f2 = formatted(back);
	char *j1 = jsoned(op), *j2 = jsoned(back);

	assert_string_equal(f2, f1);
	assert_string_equal(j2, j1);
	free(f1);
	free(f2);
	free(j1);
	free(j2);
}

static void set_prefix(struct prefix *p, const char *s)
{
	const char *why = NULL;

	assert_int_equal(prefix_parse(s, p, true, &why), 0);
}

/* Strings that need every kind of escaping the journal does. */
static char *awkward_argv[] = {
	"/bin/sh",
	"-c",
	"printf '%s=%d\\n' \"a b\" 100% && echo k=v 'x y'",
	"",
	"=",
	"%",
	"%1f",
	"%%",
	"a=b c=d",
	"\t tab and spaces ",
	"line one\nline two\n",
	"caf\xc3\xa9 \xe2\x98\x83 \xf0\x9f\x90\xa7 \xe6\x97\xa5\xe6\x9c\xac",
	"\"double\" 'single' `back` $(dollar) \\back\\slash",
	"k=exec argv=x ns=y",
	NULL,
};

/* An op of kind @k with every field the journal knows set. */
static void fill_op(struct op *op, enum op_kind k)
{
	memset(op, 0, sizeof(*op));
	op->kind = k;
	op->node = "node.with-odd_name";
	op->link.ns = "t-ns 1=%";
	op->link.name = "eth0";
	op->link.mtu = 9000;
	op->link.has_mac = true;
	memcpy(op->link.mac, ((uint8_t[]){ 0x02, 0xab, 0, 0xff, 0x10, 1 }), 6);
	op->link.master = "br-lab";
	op->link.up = true;
	op->type = LK_VETH;
	op->peer.ns = NULL; /* the host */
	op->peer.name = "h1-eth0";
	op->peer.mtu = 1280;
	op->peer.has_mac = true;
	memcpy(op->peer.mac, ((uint8_t[]){ 0x0a, 0, 0, 0, 0, 0xfe }), 6);
	op->peer.master = "br0";
	op->peer.up = true;
	op->mark = true;
	set_prefix(&op->addr, "fd00:1::1/64");
	op->dad = true;
	op->argv = awkward_argv;
	op->argc = ARRAY_SIZE(awkward_argv) - 1;
	/* The union: the member the kind uses. */
	if (op_uses(k, OF_TO)) {
		set_prefix(&op->route.to, "10.0.0.0/8");
		op->route.has_via = true;
		set_prefix(&op->route.via, "192.168.1.254/32");
		op->route.dev = "eth0";
		op->route.metric = 4294967295u;
		op->route.table = 100;
		op->route.type = RT_PROHIBIT;
		op->route.onlink = true;
	}
	if (op_uses(k, OF_KEY)) {
		op->key = "net.ipv4.conf.eth0/1.rp_filter";
		op->value = "0 2147483647";
		op->old_value = "1 = 100% \"x\"";
	}
	if (op_uses(k, OF_REMOTE)) {
		set_prefix(&op->tun.remote, "2001:db8::2/128");
		set_prefix(&op->tun.local, "2001:db8::1/128");
		op->tun.dev = "br-uplink.7";
		op->tun.port = 65535;
	}
	if (op_uses(k, OF_RATE))
		op->qdisc = (struct qdisc_spec){ .netem = true,
						 .delay_us = 100000,
						 .jitter_us = 1,
						 .loss_ppm = 1000000,
						 .duplicate_ppm = 2,
						 .reorder_ppm = 3,
						 .corrupt_ppm = 4,
						 .rate = 4294967295u };
	if (op_uses(k, OF_GATE))
		op->gate = (struct gate_spec){ .kind = GATE_TCP,
					       .port = 65535,
					       .timeout_ms = 1,
					       .item = 7 };
	op->pid = 4194304;
	op->pstart = 18446744073709551615ull;
}

static void test_every_kind_every_field(void **state)
{
	struct plan *p = plan_new("journal");

	(void)state;
	for (int k = 0; k < OP__COUNT; k++) {
		struct op op;

		fill_op(&op, (enum op_kind)k);
		round_trip(p, &op);
	}
	assert_int_equal(p->n_ops, OP__COUNT);
	plan_free(p);
}

static void test_sparse_ops(void **state)
{
	struct plan *p = plan_new("journal");
	struct op op;

	(void)state;
	/* What is unset stays unset: NULL strings, no mac, no via, false
	 * booleans, zero numbers, the host namespace. */
	for (int k = 0; k < OP__COUNT; k++) {
		memset(&op, 0, sizeof(op));
		op.kind = (enum op_kind)k;
		op.link.name = "x";
		if (k == OP_LINK_ADD)
			op.type = LK_BRIDGE;
		if (k == OP_ADDR_ADD || k == OP_ADDR_DEL)
			set_prefix(&op.addr, "10.1.2.3/32");
		if (k == OP_ROUTE_ADD || k == OP_ROUTE_DEL)
			set_prefix(&op.route.to, "::/0");
		if (k == OP_SYSCTL_SET || k == OP_SYSCTL_RESTORE)
			op.key = "net.ipv4.ip_forward";
		if (k == OP_EXEC) {
			static char *one[] = { "true", NULL };

			op.argv = one;
			op.argc = 1;
		}
		if (k == OP_NETNS_ADD || k == OP_NETNS_DEL)
			op.link.ns = "n";
		same_views(&op, round_trip(p, &op));
	}
	plan_free(p);
}

static void test_exec_argv(void **state)
{
	static char *empty_last[] = { "echo", "", NULL };
	static char *spaces[] = { " ", "  ", NULL };
	static char *percent[] = { "%", "%25", "%1f", "100%", NULL };
	static char *unicode[] = { "\xe2\x98\x83", "\xc3\xa9=\xc3\xa9", NULL };
	static char *const *const argvs[] = { awkward_argv, empty_last, spaces,
					      percent, unicode };
	struct plan *p = plan_new("journal");

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(argvs); i++) {
		struct op op = { .kind = OP_EXEC, .node = "h1" };
		const struct op *back;
		size_t n = 0;

		while (argvs[i][n])
			n++;
		op.link.ns = "lab-h1";
		op.argv = (char **)argvs[i];
		op.argc = n;
		back = round_trip(p, &op);
		same_views(&op, back);
		assert_int_equal(back->argc, n);
		assert_string_equal(back->node, "h1");
		assert_string_equal(op_ns(back), "lab-h1");
	}
	plan_free(p);
}

/* Whole plans: what apply journals, and what destroy reads back. */
static void test_compiled_plans(void **state)
{
	struct compiled c = compile(
		"name: jr\n"
		"namespace-prefix: j-\n"
		"defaults:\n"
		"  exec: [\"echo \\\"$NSTOPO_NODE\\\" 100% k=v\"]\n"
		"nodes:\n"
		"  r.1:\n"
		"    sysctl:\n"
		"      net.ipv4.ip_forward: 1\n"
		"      net.ipv4.conf.eth0.rp_filter: 2\n"
		"      net.ipv4.ping_group_range: 0 2147483647\n"
		"    interfaces:\n"
		"      eth0: {addresses: [10.0.1.1/24, \"fd00:1::1/64\"], "
		"mtu: 9000, mac: \"02:00:00:00:00:01\"}\n"
		"      lo: {addresses: [10.255.0.1/32], mtu: 1500}\n"
		"    intercept: [203.0.113.0/24]\n"
		"    exec:\n"
		"      - [printf, \"%s\\t\", \"caf\xc3\xa9 \xe2\x98\x83\", "
		"\"a=b\", \"\"]\n"
		"  h_2:\n"
		"    interfaces:\n"
		"      eth0: {addresses: [10.0.1.2/24, \"fd00:1::2/64\"]}\n"
		"    routes:\n"
		"      - {to: default, via: 10.0.1.1, metric: 10}\n"
		"      - {to: \"::/0\", via: \"fd00:1::1\"}\n"
		"      - {to: 10.9.0.0/16, via: 10.0.1.1, dev: eth0, onlink: "
		"true, table: 7}\n"
		"      - {to: 198.51.100.0/24, type: blackhole}\n"
		"  host:\n"
		"    sysctl:\n"
		"      net.ipv4.ip_forward: 1\n"
		"    interfaces:\n"
		"      br0: {addresses: [192.168.50.1/24]}\n"
		"      lo: {addresses: [10.254.0.1/32]}\n"
		"    routes:\n"
		"      - {to: 172.20.0.0/16, via: 192.168.50.2, metric: 5}\n"
		"bridges:\n"
		"  br0: {}\n"
		"  core: {node: r.1}\n"
		"links:\n"
		"  - [r.1:eth0, h_2:eth0]\n"
		"  - [h_2:eth1, br0]\n"
		"  - {endpoints: [host:v1, core:p1], mtu: 1400}\n");
	struct plan *inv, *back = plan_new("jr"), *iback = plan_new("jr");
	bool seen[OP__COUNT] = { false };

	(void)state;
	/* Host sysctls learn their old value during a run. */
	for (size_t i = 0; i < c.p->n_ops; i++)
		if (c.p->ops[i].kind == OP_SYSCTL_SET && !op_ns(&c.p->ops[i]))
			c.p->ops[i].old_value = "0 % =";
	inv = plan_invert(c.p);
	for (size_t i = 0; i < c.p->n_ops; i++) {
		same_views(&c.p->ops[i], round_trip(back, &c.p->ops[i]));
		seen[c.p->ops[i].kind] = true;
	}
	for (size_t i = 0; i < inv->n_ops; i++) {
		same_views(&inv->ops[i], round_trip(iback, &inv->ops[i]));
		seen[inv->ops[i].kind] = true;
	}
	assert_true(plan_equal(back, c.p));
	assert_true(plan_equal(iback, inv));
	/* The kinds a lab of veths and bridges uses, both ways. */
	assert_true(seen[OP_NETNS_ADD] && seen[OP_NETNS_DEL]);
	assert_true(seen[OP_LINK_ADD] && seen[OP_LINK_DEL] &&
		    seen[OP_LINK_SET]);
	assert_true(seen[OP_ADDR_ADD] && seen[OP_ADDR_DEL]);
	assert_true(seen[OP_ROUTE_ADD] && seen[OP_ROUTE_DEL]);
	assert_true(seen[OP_SYSCTL_SET] && seen[OP_SYSCTL_RESTORE]);
	assert_true(seen[OP_EXEC]);
	/* The inverse of the decoded plan is the inverse of the plan:
	 * destroy works from the journal alone. */
	{
		struct plan *inv2 = plan_invert(back);

		assert_true(plan_equal(inv2, inv));
		plan_free(inv2);
	}
	plan_free(iback);
	plan_free(back);
	plan_free(inv);
	compiled_free(&c);
}

static void test_bad_lines(void **state)
{
	static const char *const bad[] = {
		"",			   /* no kind */
		"ns=a",			   /* no kind */
		"k=netns.nope ns=a",	   /* unknown kind */
		"k=netns.add ns",	   /* a word without '=' */
		"k=netns.add ns=a%2",	   /* a cut escape */
		"k=netns.add ns=a%zz",	   /* not hex */
		"k=netns.add bogus=1",	   /* unknown key */
		"k=link.add name=x mtu=x", /* not a number */
		"k=link.add name=x mtu=-1",
		"k=link.add name=x type=99", /* no such link type */
		"k=route.add to=10.0.0.0/33",
		"k=route.add to=10.0.0.0/8 rtype=256",
		"k=link.add name=x mac=02:00:00",
	};
	struct plan *p = plan_new("journal");

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		if (decode_push(p, bad[i]) != -EINVAL)
			fail_msg("accepted: '%s'", bad[i]);
	}
	assert_int_equal(p->n_ops, 0);
	/* Spaces between words are only separators. */
	assert_int_equal(decode_push(p, "k=netns.add  ns=a%20b  node=a"), 0);
	assert_string_equal(p->ops[0].link.ns, "a b");
	assert_string_equal(p->ops[0].node, "a");
	plan_free(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_kind_every_field),
		cmocka_unit_test(test_sparse_ops),
		cmocka_unit_test(test_exec_argv),
		cmocka_unit_test(test_compiled_plans),
		cmocka_unit_test(test_bad_lines),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
