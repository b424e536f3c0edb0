// SPDX-License-Identifier: MIT
/*
 * opkind_test.c - ops are compared field by field: for every op kind,
 * changing any one field its description compares makes the op
 * different, and changing what a run learns (an old value) does not;
 * values that print alike (a delay of 1234567us and 1234568us, both
 * "1234.57ms") are still different ops and different plans.  Every kind
 * is described completely: a name, a text, a handler, fields.
 */
#include <arpa/inet.h>
#include <stdio.h>

#include "helpers.h"

static char *argv_a[] = { "sh", "-c", "true", NULL };
static char *argv_b[] = { "sh", "-c", "false", NULL };

static void set_prefix(struct prefix *p, const char *s)
{
	const char *why = NULL;

	assert_int_equal(prefix_parse(s, p, true, &why), 0);
}

/* An op of kind @k with every field set (to values a change can leave). */
static void fill(struct op *op, enum op_kind k)
{
	memset(op, 0, sizeof(*op));
	op->kind = k;
	op->node = "n1";
	op->link = (struct op_if){ .ns = "lab-n1",
				   .name = "eth0",
				   .mtu = 1500,
				   .has_mac = true,
				   .mac = { 2, 0, 0, 0, 0, 1 },
				   .master = "br0",
				   .up = true };
	op->type = LK_VETH;
	op->peer = (struct op_if){ .ns = "lab-n2",
				   .name = "eth1",
				   .mtu = 1500,
				   .has_mac = true,
				   .mac = { 2, 0, 0, 0, 0, 2 },
				   .master = "br1",
				   .up = true };
	op->parent = (struct op_if){ .ns = "lab-p", .name = "up0" };
	op->mode = 4;
	op->id = 10;
	op->mark = true;
	set_prefix(&op->addr, "10.0.0.1/24");
	op->dad = true;
	op->adopt = true;
	op->saved = "a 192.0.2.7/24 128 0";
	op->argv = argv_a;
	op->argc = 3;
	/* The union (struct op): the member the kind uses. */
	if (op_uses(k, OF_TO)) {
		set_prefix(&op->route.to, "10.1.0.0/16");
		op->route.has_via = true;
		set_prefix(&op->route.via, "10.0.0.254/32");
		op->route.dev = "eth0";
		op->route.metric = 10;
		op->route.table = 100;
		op->route.type = RT_UNICAST;
		op->route.onlink = true;
	} else if (op_uses(k, OF_KEY)) {
		op->key = "net.ipv4.ip_forward";
		op->value = "1";
		op->old_value = "0";
	} else if (op_uses(k, OF_RATE)) {
		op->qdisc = (struct qdisc_spec){ .netem = true,
						 .delay_us = 1234567,
						 .jitter_us = 1000,
						 .loss_ppm = 1000,
						 .duplicate_ppm = 2000,
						 .reorder_ppm = 3000,
						 .corrupt_ppm = 4000,
						 .rate = 12345678 };
	} else if (op_uses(k, OF_GATE)) {
		op->gate = (struct gate_spec){ .kind = GATE_TCP,
					       .port = 8080,
					       .path = "/run/ready",
					       .timeout_ms = 10000,
					       .item = 1 };
		set_prefix(&op->gate.addr, "10.0.0.1/32");
	} else if (op_uses(k, OF_REMOTE)) {
		set_prefix(&op->tun.remote, "192.0.2.2/32");
		set_prefix(&op->tun.local, "192.0.2.1/32");
		op->tun.dev = "eth0";
		op->tun.port = 4789;
	}
	op->pid = 4242;
	op->pstart = 1ull << 40;
}

/* Change field @f of @op, by the smallest step that is still a change. */
static void change(struct op *op, enum op_field f)
{
	switch (f) {
	case OF_NODE:
		op->node = "n2";
		return;
	case OF_NS:
		op->link.ns = "lab-n9";
		return;
	case OF_NAME:
		op->link.name = "eth9";
		return;
	case OF_TYPE:
		op->type = LK_MACVLAN;
		return;
	case OF_MTU:
		op->link.mtu++;
		return;
	case OF_MAC:
		op->link.mac[5]++;
		return;
	case OF_MASTER:
		op->link.master = "br9";
		return;
	case OF_UP:
		op->link.up = false;
		return;
	case OF_PNS:
		op->peer.ns = NULL;
		return;
	case OF_PNAME:
		op->peer.name = "eth8";
		return;
	case OF_PMTU:
		op->peer.mtu++;
		return;
	case OF_PMAC:
		op->peer.has_mac = false;
		return;
	case OF_PMASTER:
		op->peer.master = NULL;
		return;
	case OF_PUP:
		op->peer.up = false;
		return;
	case OF_PARNS:
		op->parent.ns = NULL;
		return;
	case OF_PARENT:
		op->parent.name = "up1";
		return;
	case OF_MODE:
		op->mode = 8;
		return;
	case OF_ID:
		op->id++;
		return;
	case OF_MARK:
		op->mark = false;
		return;
	case OF_ADDR:
		op->addr.bytes[3]++;
		return;
	case OF_DAD:
		op->dad = false;
		return;
	case OF_TO:
		op->route.to.plen++;
		return;
	case OF_VIA:
		op->route.via.bytes[3]++;
		return;
	case OF_DEV:
		op->route.dev = "eth1";
		return;
	case OF_METRIC:
		op->route.metric++;
		return;
	case OF_TABLE:
		op->route.table++;
		return;
	case OF_RTYPE:
		op->route.type = RT_BLACKHOLE;
		return;
	case OF_ONLINK:
		op->route.onlink = false;
		return;
	case OF_KEY:
		op->key = "net.ipv4.conf.all.forwarding";
		return;
	case OF_VALUE:
		op->value = "2";
		return;
	case OF_OLD:
		op->old_value = "1";
		return;
	case OF_ARGV:
		op->argv = argv_b;
		return;
	case OF_NETEM:
		op->qdisc.netem = false;
		return;
	case OF_DELAY:
		op->qdisc.delay_us++; /* 1234568us: "1234.57ms" both */
		return;
	case OF_JITTER:
		op->qdisc.jitter_us++;
		return;
	case OF_LOSS:
		op->qdisc.loss_ppm++;
		return;
	case OF_DUP:
		op->qdisc.duplicate_ppm++;
		return;
	case OF_REORDER:
		op->qdisc.reorder_ppm++;
		return;
	case OF_CORRUPT:
		op->qdisc.corrupt_ppm++;
		return;
	case OF_RATE:
		op->qdisc.rate++; /* 12345679 B/s: "98.7654mbit" both */
		return;
	case OF_ADOPT:
		op->adopt = false;
		return;
	case OF_SAVED:
		op->saved = "";
		return;
	case OF_GATE:
		op->gate.kind = GATE_CMD;
		return;
	case OF_GPORT:
		op->gate.port++;
		return;
	case OF_GADDR:
		op->gate.addr.bytes[3]++;
		return;
	case OF_PATH:
		op->gate.path = "/run/other";
		return;
	case OF_TIMEOUT:
		op->gate.timeout_ms++;
		return;
	case OF_ITEM:
		op->gate.item++;
		return;
	case OF_REMOTE:
		op->tun.remote.bytes[3]++;
		return;
	case OF_LOCAL:
		op->tun.local.family = 0;
		return;
	case OF_UNDERLAY:
		op->tun.dev = "eth1";
		return;
	case OF_DPORT:
		op->tun.port++;
		return;
	case OF_PID:
		op->pid++;
		return;
	case OF_PSTART:
		op->pstart++;
		return;
	case OF__COUNT:
		break;
	}
	fail_msg("no change for field %d", f);
}

static bool listed(const enum op_field *list, enum op_field f)
{
	for (; list && *list != OF__COUNT; list++)
		if (*list == f)
			return true;
	return false;
}

static void test_every_field_of_every_kind(void **state)
{
	size_t compared = 0;

	(void)state;
	for (int k = 0; k < OP__COUNT; k++) {
		const struct op_desc *d = op_desc((enum op_kind)k);
		struct op a, b;

		fill(&a, (enum op_kind)k);
		assert_true(op_same(&a, &a));
		for (int f = 0; f < OF__COUNT; f++) {
			fill(&b, (enum op_kind)k);
			change(&b, (enum op_field)f);
			if (listed(d->fields, (enum op_field)f)) {
				if (op_same(&a, &b))
					fail_msg(
						"%s: a change of %s is not seen",
						d->name,
						op_field_name(
							(enum op_field)f));
				compared++;
			} else if (op_field_shared((enum op_field)f) &&
				   op_kind_shares((enum op_kind)k)) {
				/* another member of the union: it is what
				 * the kind keeps there, changed */
			} else if (!op_same(&a, &b)) {
				fail_msg(
					"%s: %s, which it does not use, counts",
					d->name,
					op_field_name((enum op_field)f));
			}
		}
		/* Kinds differ whatever their fields. */
		fill(&b, (enum op_kind)((k + 1) % OP__COUNT));
		assert_false(op_same(&a, &b));
	}
	assert_true(compared > 50);
}

/* What a run learns is journaled and never compared. */
static void test_learned_not_compared(void **state)
{
	(void)state;
	for (int k = 0; k < OP__COUNT; k++) {
		const struct op_desc *d = op_desc((enum op_kind)k);

		for (const enum op_field *f = d->learned; f && *f != OF__COUNT;
		     f++) {
			struct op a, b;

			assert_false(listed(d->fields, *f));
			assert_true(op_uses((enum op_kind)k, *f));
			fill(&a, (enum op_kind)k);
			fill(&b, (enum op_kind)k);
			change(&b, *f);
			assert_true(op_same(&a, &b));
		}
	}
}

/* Every kind is described completely, under a name of its own. */
static void test_descriptions(void **state)
{
	(void)state;
	for (int k = 0; k < OP__COUNT; k++) {
		const struct op_desc *d = op_desc((enum op_kind)k);

		assert_non_null(d->name);
		assert_int_equal(op_kind_find(d->name), k);
		assert_non_null(d->run);
		assert_non_null(d->format);
		assert_non_null(d->fields);
		assert_true(listed(d->fields, OF_NS) || k == OP_PORT_ADD ||
			    k == OP_PORT_DEL);
		/* An op that is undone says how, in a phase. */
		assert_int_equal(!!d->invert, d->undo_phase > 0);
		/* Undo ops are no one's inverse to be undone again. */
		if (d->undo)
			assert_null(d->invert);
	}
	assert_int_equal(op_kind_find("link.frobnicate"), -1);
}

static const char shaped[] = "nodes:\n"
			     "  a:\n"
			     "    interfaces:\n"
			     "      eth0: {netem: {delay: %s}, rate: %s}\n"
			     "  b: {}\n"
			     "links:\n"
			     "  - [a:eth0, b:eth0]\n";

static struct compiled shaped_lab(const char *delay, const char *rate)
{
	char yaml[512];

	snprintf(yaml, sizeof(yaml), shaped, delay, rate);
	return compile(yaml);
}

/* Plans whose texts are alike are not alike for that. */
static void test_rounding(void **state)
{
	struct compiled a = shaped_lab("1234567us", "98765432bit");
	struct compiled b = shaped_lab("1234568us", "98765432bit");
	struct compiled c = shaped_lab("1234567us", "98765440bit");
	struct compiled d = shaped_lab("1234567us", "98765432bit");
	char *ta = plan_text(a.p), *tb = plan_text(b.p), *tc = plan_text(c.p);

	(void)state;
	/* The texts cannot tell them apart... */
	assert_string_equal(ta, tb);
	assert_string_equal(ta, tc);
	/* ...the comparison does. */
	assert_false(plan_equal(a.p, b.p));
	assert_false(plan_equal(a.p, c.p));
	assert_true(plan_equal(a.p, d.p));
	free(ta);
	free(tb);
	free(tc);
	compiled_free(&a);
	compiled_free(&b);
	compiled_free(&c);
	compiled_free(&d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_field_of_every_kind),
		cmocka_unit_test(test_learned_not_compared),
		cmocka_unit_test(test_descriptions),
		cmocka_unit_test(test_rounding),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
