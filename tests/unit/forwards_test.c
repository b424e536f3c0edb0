// SPDX-License-Identifier: MIT
/*
 * forwards_test.c - `forwards:` in the file: what is read into the model
 * (top level and a node's), every rejection with its message and
 * position; the relay op a plan gets for them, its text, JSON, journal
 * line and inverse; a relay's journal record read back with what its run
 * learnt; and an edit that changes the forwards restarts the relay.
 */
#include <arpa/inet.h>
#include <stdio.h>

#include "helpers.h"
#include "reconcile.h"

/* Two nodes on a link, web with a service address of each family. */
#define LAB                                                          \
	"name: fw\n"                                                 \
	"nodes:\n"                                                   \
	"  web:\n"                                                   \
	"    interfaces:\n"                                          \
	"      eth0: {addresses: [10.0.0.80/24, \"fd00::80/64\"]}\n" \
	"  edge:\n"                                                  \
	"    interfaces:\n"                                          \
	"      eth0: {addresses: [10.0.0.1/24, \"fd00::1/64\"]}\n"   \
	"links:\n"                                                   \
	"  - [web:eth0, edge:eth0]\n"

static char *text_of(const struct relay_endpoint *ep)
{
	static char buf[4][RELAY_ENDPOINT_TEXT_MAX];
	static int next;

	next = (next + 1) % 4;
	return relay_endpoint_format(ep, buf[next], sizeof(buf[next]));
}

static void test_model(void **state)
{
	struct topo *t = load_ok(
		LAB
		"forwards:\n"
		"  - {listen: \"[::1]:8080\", to: \"web:[fd00::80]:80\"}\n"
		"  - {listen: \"edge:0.0.0.0:53\", to: \"web:10.0.0.80:53\", "
		"proto: udp}\n"
		"  - {listen: \"host:127.0.0.1:2222\", to: \"web:127.0.0.1:22\"}\n");

	(void)state;
	assert_int_equal(t->n_forwards, 3);
	assert_int_equal(t->forwards[0].proto, RELAY_TCP);
	assert_string_equal(text_of(&t->forwards[0].listen), "[::1]:8080");
	assert_string_equal(text_of(&t->forwards[0].to), "web:[fd00::80]:80");
	assert_int_equal(t->forwards[0].listen_node, HOST_NODE);
	assert_string_equal(t->nodes[t->forwards[0].to_node].name, "web");
	assert_int_equal(t->forwards[0].listen_pos.line, 12);
	assert_int_equal(t->forwards[0].to_pos.line, 12);
	assert_int_equal(t->forwards[1].proto, RELAY_UDP);
	assert_string_equal(t->nodes[t->forwards[1].listen_node].name, "edge");
	/* "host:" names the host, as no node at all does */
	assert_int_equal(t->forwards[2].listen_node, HOST_NODE);
	topo_free(t);
}

/* A node's forwards go to it: its `to` may leave the node out. */
static void test_node_forwards(void **state)
{
	struct topo *t = load_ok(
		"nodes:\n"
		"  web:\n"
		"    interfaces:\n"
		"      eth0: {addresses: [10.0.0.80/24]}\n"
		"    forwards:\n"
		"      - {listen: \"127.0.0.1:8080\", to: \"10.0.0.80:80\"}\n"
		"      - {listen: \"[::1]:8080\", to: \"web:[::1]:80\"}\n"
		"  edge: {}\n"
		"links:\n"
		"  - [web:eth0, edge:eth0]\n"
		"forwards:\n"
		"  - {listen: \"edge:[::]:80\", to: \"web:10.0.0.80:80\"}\n");

	(void)state;
	assert_int_equal(t->n_forwards, 3);
	assert_string_equal(text_of(&t->forwards[0].to), "web:10.0.0.80:80");
	assert_string_equal(t->forwards[0].to_text, "web:10.0.0.80:80");
	assert_string_equal(text_of(&t->forwards[1].to), "web:[::1]:80");
	assert_string_equal(text_of(&t->forwards[2].listen), "edge:[::]:80");
	topo_free(t);
}

/* Each rejection, with its message at the value it is about. */
static void test_rejections(void **state)
{
	(void)state;
	assert_load_error(
		LAB "forwards: {listen: a}\n",
		"11:11: 'forwards' must be a sequence, not a mapping");
	assert_load_error(LAB "forwards: [\"[::1]:80 web:[::1]:80\"]\n",
			  "11:12: a forward must be a mapping, not a scalar");
	assert_load_error(
		LAB
		"forwards:\n  - {listen: \"[::1]:80\", to: \"web:[::1]:80\", "
		"port: 80}\n",
		"12:46: unknown key 'port' in a forward (known keys: listen to proto)");
	assert_load_error(LAB "forwards:\n  - {to: \"web:[::1]:80\"}\n",
			  "12:5: a forward needs 'listen' ([NODE:]ADDR:PORT)");
	assert_load_error(LAB "forwards:\n  - {listen: \"[::1]:80\"}\n",
			  "12:5: a forward needs 'to' (NODE:ADDR:PORT)");
	assert_load_error(
		LAB "forwards:\n  - {listen: [1], to: \"web:[::1]:80\"}\n",
		"12:14: a forward's 'listen' must be a scalar, not a sequence");
	assert_load_error(
		LAB "forwards:\n  - {listen: \"[::1]:80\", to: "
		    "\"web:[::1]:80\", proto: quic}\n",
		"12:53: unknown forward proto 'quic' (known: tcp udp)");
	assert_load_error(LAB "forwards:\n  - {listen: \"[::1]:80\", to: "
			      "\"web:[::1]:80\", proto: tpc}\n",
			  "12:53: unknown forward proto 'tpc' (did you mean "
			  "'tcp'?)");
	/* the strings: the relay's parser says what is wrong */
	assert_load_error(
		LAB
		"forwards:\n  - {listen: \"[::1]:8o\", to: \"web:[::1]:80\"}\n",
		"12:14: forward listen '[::1]:8o': port '8o' is not a number");
	assert_load_error(
		LAB
		"forwards:\n  - {listen: \"[::1]:0\", to: \"web:[::1]:80\"}\n",
		"12:14: forward listen '[::1]:0': port 0 is out of range (1-65535)");
	assert_load_error(
		LAB "forwards:\n  - {listen: \"[::1]:80\", to: "
		    "\"web:[::1]:65536\"}\n",
		"12:30: forward to 'web:[::1]:65536': port 65536 is out of range (1-65535)");
	assert_load_error(
		LAB
		"forwards:\n  - {listen: \"::1:80\", to: \"web:[::1]:80\"}\n",
		"12:14: forward listen '::1:80': an IPv6 address goes in brackets: [NODE:][ADDR]:PORT");
	assert_load_error(
		LAB "forwards:\n  - {listen: \"[::1]:80\", to: \"[::1]:80\"}\n",
		"12:30: forward to: '[::1]:80' names no node; expected NODE:ADDR:PORT");
	assert_load_error(
		LAB
		"forwards:\n  - {listen: \"[::1]:80\", to: \"web:[::]:80\"}\n",
		"12:30: forward to: 'web:[::]:80' is not an address to connect to");
	assert_load_error(
		LAB "forwards:\n  - {listen: \"224.0.0.1:80\", to: "
		    "\"web:10.0.0.80:80\"}\n",
		"12:14: forward listen: '224.0.0.1:80' is a multicast or broadcast address");
	assert_load_error(
		LAB "forwards:\n  - {listen: \"web:0.0.0.0:80\", to: "
		    "\"web:10.0.0.80:80\"}\n",
		"12:36: forward to: 'web:10.0.0.80:80' is where it listens: the relay would connect to itself");
}

/* What needs the whole file. */
static void test_references(void **state)
{
	(void)state;
	assert_load_error(
		LAB "forwards:\n  - {listen: \"[::1]:80\", to: "
		    "\"wbe:[fd00::80]:80\"}\n",
		"12:30: forward to: node 'wbe' is not defined (did you mean 'web'?)");
	assert_load_error(
		LAB "forwards:\n  - {listen: \"nowhere:[::1]:80\", to: "
		    "\"web:[fd00::80]:80\"}\n",
		"12:14: forward listen: node 'nowhere' is not defined");
	/* an address to listen on: the node's own, or none it has */
	assert_load_error(
		LAB "forwards:\n  - {listen: \"edge:10.0.0.2:80\", to: "
		    "\"web:10.0.0.80:80\"}\n",
		"12:14: forward listen 'edge:10.0.0.2:80': 10.0.0.2 is not an address of node 'edge' (give it one under 'interfaces', listen on 0.0.0.0, or on loopback)");
	assert_load_error(
		LAB "forwards:\n  - {listen: \"edge:[fd00::2]:80\", to: "
		    "\"web:10.0.0.80:80\"}\n",
		"12:14: forward listen 'edge:[fd00::2]:80': fd00::2 is not an address of node 'edge' (give it one under 'interfaces', listen on [::], or on loopback)");
	/* an address to connect to: one the node has or reaches */
	assert_load_error(
		LAB "forwards:\n  - {listen: \"[::1]:80\", to: "
		    "\"web:192.0.2.1:80\"}\n",
		"12:30: forward to 'web:192.0.2.1:80': 192.0.2.1 is not an address of node 'web', nor on a subnet or route of it: the relay could not connect there");
	/* no socket twice, a wildcard one taking the port of every address */
	assert_load_error(
		LAB
		"forwards:\n"
		"  - {listen: \"127.0.0.1:80\", to: \"web:10.0.0.80:80\"}\n"
		"  - {listen: \"127.0.0.1:80\", to: \"web:10.0.0.80:81\"}\n"
		"  - {listen: \"0.0.0.0:80\", to: \"web:10.0.0.80:82\"}\n"
		"  - {listen: \"edge:0.0.0.0:81\", to: \"web:10.0.0.80:81\"}\n"
		"  - {listen: \"edge:10.0.0.1:81\", to: \"web:10.0.0.80:81\"}\n",
		"13:14: forward listen '127.0.0.1:80': tcp port 80 is taken there by the forward at 12:5 (listen '127.0.0.1:80')\n"
		"14:14: forward listen '0.0.0.0:80': tcp port 80 is taken there by the forward at 12:5 (listen '127.0.0.1:80')\n"
		"16:14: forward listen 'edge:10.0.0.1:81': tcp port 81 is taken there by the forward at 15:5 (listen 'edge:0.0.0.0:81')");
	/* a node's forward goes to that node */
	assert_load_error(
		"nodes:\n"
		"  web:\n"
		"    forwards: [{listen: \"[::1]:80\", to: \"edge:[::1]:80\"}]\n"
		"  edge: {}\n",
		"3:41: forward to 'edge:[::1]:80': a forward of node 'web' goes to 'web' (a forward to another node goes in the top level's 'forwards')");
	/* one relay holds both ends: not in a lab over several machines */
	assert_load_error(
		"hosts:\n"
		"  a: {address: 192.0.2.1}\n"
		"nodes:\n"
		"  web: {}\n"
		"forwards:\n"
		"  - {listen: \"[::1]:80\", to: \"web:[::1]:80\"}\n",
		"6:5: forwards are not supported in a lab over several machines (hosts:): the relay must reach both ends on one");
	assert_load_error(
		"defaults:\n"
		"  forwards: [{listen: \"[::1]:80\", to: \"[::1]:80\"}]\n"
		"nodes: {web: {}}\n",
		"2:3: unknown key 'forwards' in defaults (known keys: sysctl "
		"routes intercept exec)");
}

/* What is allowed: the same port in another node, family or protocol,
 * or on another address; loopback, wildcards, routes, intercepts. */
static void test_allowed(void **state)
{
	struct topo *t = load_ok(
		"nodes:\n"
		"  web:\n"
		"    interfaces:\n"
		"      eth0: {addresses: [10.0.0.80/24]}\n"
		"    routes: [{to: 198.51.100.0/24, via: 10.0.0.1}]\n"
		"    intercept: [203.0.113.0/24]\n"
		"  edge:\n"
		"    interfaces:\n"
		"      eth0: {addresses: [10.0.0.1/24], autoconf: true}\n"
		"links:\n"
		"  - [web:eth0, edge:eth0]\n"
		"forwards:\n"
		"  - {listen: \"127.0.0.1:80\", to: \"web:10.0.0.80:80\"}\n"
		"  - {listen: \"127.0.0.2:80\", to: \"web:10.0.0.80:80\"}\n"
		"  - {listen: \"[::]:80\", to: \"web:10.0.0.80:80\"}\n"
		"  - {listen: \"0.0.0.0:80\", to: \"web:10.0.0.80:80\", proto: "
		"udp}\n"
		"  - {listen: \"edge:0.0.0.0:80\", to: \"web:198.51.100.7:80\"}\n"
		"  - {listen: \"web:203.0.113.9:80\", to: \"edge:10.0.0.9:80\"}\n"
		"  - {listen: \"edge:[2001:db8::7]:80\", to: \"web:127.0.0.1:80\"}\n"
		"  - {listen: \"[::1]:81\", to: \"host:[::1]:80\"}\n");

	(void)state;
	assert_int_equal(t->n_forwards, 8);
	topo_free(t);
}

/* The last op of @p, which must be the relay's. */
static struct op *relay_op(const struct plan *p)
{
	assert_true(p->n_ops > 0);
	assert_int_equal(p->ops[p->n_ops - 1].kind, OP_RELAY_START);
	return &p->ops[p->n_ops - 1];
}

/* One relay.start, last, after the exec commands: its text, JSON,
 * journal line and inverse, relay.stop, first of a destroy. */
static void test_plan(void **state)
{
	struct compiled c = compile(
		"namespace-prefix: x-\n" LAB "forwards:\n"
		"  - {listen: \"[::1]:8080\", to: \"web:[fd00::80]:80\"}\n"
		"  - {listen: \"edge:0.0.0.0:53\", to: \"web:10.0.0.80:53\", "
		"proto: udp}\n"
		"  - {listen: \"host:127.0.0.1:22\", to: \"web:127.0.0.1:22\"}\n");
	struct op *op = relay_op(c.p);
	struct plan *back = plan_new("fw"), *inv;
	struct strbuf sb = { 0 };
	char *json;

	(void)state;
	assert_int_equal(op->argc, 3);
	assert_string_equal(op->argv[0],
			    "tcp [::1]:8080 web:[fd00::80]:80 - x-web");
	assert_string_equal(
		op->argv[1],
		"udp edge:0.0.0.0:53 web:10.0.0.80:53 x-edge x-web");
	/* "host:" is the host: no node on the listening side */
	assert_string_equal(op->argv[2],
			    "tcp 127.0.0.1:22 web:127.0.0.1:22 - x-web");
	assert_null(op_ns(op));
	assert_int_equal(op->pos.line, 13);
	op_format(op, &sb);
	assert_string_equal(
		sb.buf,
		"relay start tcp [::1]:8080 -> web:[fd00::80]:80, udp edge:0.0.0.0:53 -> web:10.0.0.80:53, tcp 127.0.0.1:22 -> web:127.0.0.1:22 @host");
	sb.len = 0;
	op_json(op, &sb);
	assert_non_null(strstr(
		sb.buf,
		"\"forwards\":[{\"proto\":\"tcp\",\"listen\":\"[::1]:8080\",\"to\":\"web:[fd00::80]:80\",\"listen_netns\":\"host\",\"to_netns\":\"x-web\"},"
		"{\"proto\":\"udp\",\"listen\":\"edge:0.0.0.0:53\",\"to\":\"web:10.0.0.80:53\",\"listen_netns\":\"x-edge\",\"to_netns\":\"x-web\"},"));
	assert_null(strstr(sb.buf, "\"pid\""));
	json = plan_printed(c.p, true);
	assert_non_null(
		strstr(json, "{\"op\":\"relay.start\",\"netns\":\"host\","));
	free(json);
	/* the journal line, before and after the run learnt its process */
	sb.len = 0;
	op_encode(op, &sb);
	assert_null(strstr(sb.buf, "pid="));
	op->pid = 31337;
	op->pstart = 987654321012ull;
	sb.len = 0;
	op_encode(op, &sb);
	assert_non_null(strstr(sb.buf, " pid=31337 pstart=987654321012"));
	assert_int_equal(decode_push(back, sb.buf), 0);
	assert_true(op_same(op, &back->ops[0]));
	assert_int_equal(back->ops[0].pid, 31337);
	assert_true(back->ops[0].pstart == 987654321012ull);
	/* undone first of all, with what it learnt */
	inv = plan_invert(c.p);
	assert_int_equal(inv->ops[0].kind, OP_RELAY_STOP);
	assert_int_equal(inv->ops[0].pid, 31337);
	assert_true(inv->ops[0].pstart == 987654321012ull);
	assert_int_equal(inv->ops[0].argc, 3);
	assert_true(op_is_undo(OP_RELAY_STOP));
	sb.len = 0;
	op_format(&inv->ops[0], &sb);
	assert_string_equal(
		sb.buf,
		"relay stop pid 31337 tcp [::1]:8080 -> web:[fd00::80]:80, udp edge:0.0.0.0:53 -> web:10.0.0.80:53, tcp 127.0.0.1:22 -> web:127.0.0.1:22 @host");
	sb_free(&sb);
	plan_free(inv);
	plan_free(back);
	compiled_free(&c);
}

/* A lab without forwards has no relay; the relay comes after exec. */
static void test_plan_order(void **state)
{
	struct compiled a = compile(LAB);
	struct compiled b = compile(
		"nodes:\n"
		"  web:\n"
		"    exec: [\"true\"]\n"
		"    forwards: [{listen: \"[::1]:80\", to: \"[::1]:80\"}]\n");

	(void)state;
	for (size_t i = 0; i < a.p->n_ops; i++)
		assert_int_not_equal(a.p->ops[i].kind, OP_RELAY_START);
	assert_int_equal(b.p->ops[b.p->n_ops - 2].kind, OP_EXEC);
	relay_op(b.p);
	compiled_free(&a);
	compiled_free(&b);
}

/* A word is read back as it was written, and what is no word is not. */
static void test_spec_words(void **state)
{
	static const char *const good[] = {
		"tcp [::1]:8080 web:[fd00::80]:80 - web",
		"udp edge:0.0.0.0:53 web:10.0.0.80:53 x-edge x-web",
		"tcp 127.0.0.1:22 host:127.0.0.1:22 - -",
	};
	static const char *const bad_words[] = {
		"",
		"tcp [::1]:8080 web:[fd00::80]:80 - web ",
		"tcp [::1]:8080 web:[fd00::80]:80 -",
		"tcp [::1]:8080 web:[fd00::80]:80 - web extra",
		"sctp [::1]:8080 web:[fd00::80]:80 - web",
		"tcp [::1]:8080 [fd00::80]:80 - web",
		"tcp [::1]:8080 web:[fd00::80]:80 - we/b",
		"tcp  [::1]:8080 web:[fd00::80]:80 - web",
		"sh -c true",
	};
	char buf[RELAY_SPEC_TEXT_MAX];

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(good); i++) {
		struct relay_spec sp;

		assert_int_equal(relay_spec_parse(good[i], &sp), 0);
		assert_string_equal(relay_spec_format(&sp, buf, sizeof(buf)),
				    good[i]);
	}
	for (size_t i = 0; i < ARRAY_SIZE(bad_words); i++) {
		struct relay_spec sp;

		if (!relay_spec_parse(bad_words[i], &sp))
			fail_msg("'%s' read as a forward", bad_words[i]);
	}
}

/* The forwards of @yaml, compiled, as an edit of @from sees them. */
static struct plan *edited(const char *yaml, const struct plan *from,
			   struct edit *e, struct compiled *c)
{
	*c = compile(yaml);
	edit_compute(from, c->p, e);
	return c->p;
}

/* An edit keeps a relay of the same forwards (and its pid), and makes
 * one of other forwards again: the old one stopped, a new one started. */
static void test_edit(void **state)
{
	const char *one =
		LAB "forwards:\n"
		    "  - {listen: \"[::1]:80\", to: \"web:[::1]:80\"}\n";
	const char *two =
		LAB "forwards:\n"
		    "  - {listen: \"[::1]:80\", to: \"web:[::1]:80\"}\n"
		    "  - {listen: \"[::1]:81\", to: \"web:[::1]:81\"}\n";
	struct compiled running = compile(one), c;
	struct plan *to;
	struct edit e;

	(void)state;
	relay_op(running.p)->pid = 777;
	relay_op(running.p)->pstart = 5;
	/* the same: kept, its process known */
	to = edited(one, running.p, &e, &c);
	assert_int_equal(relay_op(to)->change, OPC_SAME);
	assert_int_equal(relay_op(to)->pid, 777);
	assert_true(relay_op(to)->pstart == 5);
	assert_true(edit_empty(&e));
	edit_free(&e);
	compiled_free(&c);
	/* another forward: the relay goes and comes again */
	to = edited(two, running.p, &e, &c);
	assert_int_equal(relay_op(to)->change, OPC_NEW);
	assert_int_equal(e.remove->n_ops, 1);
	assert_int_equal(e.remove->ops[0].kind, OP_RELAY_START);
	assert_int_equal(e.remove->ops[0].pid, 777);
	assert_int_equal(e.n_remade, 1);
	edit_free(&e);
	compiled_free(&c);
	/* none: the relay goes */
	to = edited(LAB, running.p, &e, &c);
	(void)to;
	assert_int_equal(e.remove->n_ops, 1);
	assert_int_equal(e.remove->ops[0].kind, OP_RELAY_START);
	assert_int_equal(e.n_removed, 1);
	edit_free(&e);
	compiled_free(&c);
	/* a namespace prefix changes the namespaces it uses: made again */
	to = edited("namespace-prefix: y-\n" LAB "forwards:\n"
		    "  - {listen: \"[::1]:80\", to: \"web:[::1]:80\"}\n",
		    running.p, &e, &c);
	assert_int_equal(relay_op(to)->change, OPC_NEW);
	edit_free(&e);
	compiled_free(&c);
	compiled_free(&running);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_model),
		cmocka_unit_test(test_node_forwards),
		cmocka_unit_test(test_rejections),
		cmocka_unit_test(test_references),
		cmocka_unit_test(test_allowed),
		cmocka_unit_test(test_plan),
		cmocka_unit_test(test_plan_order),
		cmocka_unit_test(test_spec_words),
		cmocka_unit_test(test_edit),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
