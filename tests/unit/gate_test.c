// SPDX-License-Identifier: MIT
/*
 * gate_test.c - readiness gates (a node's `wait:`): what parse reads and
 * refuses, the address validate gives a tcp gate or refuses, the plan's
 * wait ops (after every exec:, in node order) and their journal lines.
 * Gates opening and failing against the kernel: t-wait.sh.
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

static void test_parsed(void **state)
{
	struct topo *t = load_ok("nodes:\n"
				 "  a:\n"
				 "    wait:\n"
				 "      - {tcp: 8080}\n"
				 "      - {tcp: 53, address: 10.0.0.1, "
				 "timeout: 2.5s}\n"
				 "      - {cmd: [curl, -fs, http://x/]}\n"
				 "      - cmd: test -e /run/x && true\n"
				 "        timeout: 250ms\n"
				 "      - {file: /run/ready, timeout: 3600s}\n"
				 "    interfaces:\n"
				 "      lo: {addresses: [10.0.0.1/32]}\n");
	const struct node *a = node_named(t, "a");
	const struct gate *g = a->gates;

	(void)state;
	assert_int_equal(a->n_gates, 5);
	assert_int_equal(g[0].s.kind, GATE_TCP);
	assert_int_equal(g[0].s.port, 8080);
	assert_int_equal(g[0].s.timeout_ms, GATE_TIMEOUT_MS);
	assert_false(g[0].has_addr);
	assert_int_equal(g[1].s.timeout_ms, 2500);
	assert_true(g[1].has_addr);
	assert_int_equal(g[2].s.kind, GATE_CMD);
	assert_int_equal(g[2].argc, 3);
	assert_string_equal(g[2].argv[2], "http://x/");
	assert_null(g[2].argv[3]);
	assert_int_equal(g[3].argc, 3);
	assert_string_equal(g[3].argv[0], "/bin/sh");
	assert_string_equal(g[3].argv[2], "test -e /run/x && true");
	assert_int_equal(g[3].s.timeout_ms, 250);
	assert_int_equal(g[4].s.kind, GATE_FILE);
	assert_string_equal(g[4].s.path, "/run/ready");
	assert_int_equal(g[4].s.timeout_ms, GATE_TIMEOUT_MAX);
	for (size_t i = 0; i < a->n_gates; i++)
		assert_int_equal(g[i].s.item, i + 1);
	topo_free(t);
}

static void test_parse_errors(void **state)
{
	(void)state;
	assert_load_error("nodes:\n"
			  "  a:\n"
			  "    wait: {tcp: 80}\n",
			  "3:11: 'wait' must be a sequence, not a mapping");
	assert_load_error("nodes:\n"
			  "  a:\n"
			  "    wait: [8080, [tcp, 80]]\n",
			  "3:12: a wait item is a mapping: {tcp: PORT}, {cmd: "
			  "[PROGRAM, ARG...]} or {file: PATH}\n"
			  "3:18: a wait item is a mapping: {tcp: PORT}, {cmd: "
			  "[PROGRAM, ARG...]} or {file: PATH}");
	assert_load_error("nodes:\n"
			  "  a:\n"
			  "    wait:\n"
			  "      - {timeout: 1s}\n"
			  "      - {tcp: 80, file: /x}\n"
			  "      - {tcp: 80, timout: 1s}\n",
			  "4:9: a wait item needs 'tcp', 'cmd' or 'file'\n"
			  "5:19: a wait item is one of tcp, cmd and file, not "
			  "both tcp and file\n"
			  "6:19: unknown key 'timout' in a wait item (did you "
			  "mean 'timeout'?)");
	assert_load_error(
		"nodes:\n"
		"  a:\n"
		"    wait:\n"
		"      - {tcp: 0}\n"
		"      - {tcp: 65536}\n"
		"      - {tcp: http}\n"
		"      - {file: /x, address: 10.0.0.1}\n"
		"      - {tcp: 80, address: 10.0.0.0/8}\n",
		"4:15: 'tcp' (a port) must be an integer from 1 to 65535, "
		"not '0'\n"
		"5:15: 'tcp' (a port) must be an integer from 1 to 65535, "
		"not '65536'\n"
		"6:15: 'tcp' (a port) must be an integer from 1 to 65535, "
		"not 'http'\n"
		"7:29: 'address' goes with 'tcp' only\n"
		"8:28: wait address '10.0.0.0/8' must be an address without "
		"a prefix length");
	assert_load_error(
		"nodes:\n"
		"  a:\n"
		"    wait:\n"
		"      - {cmd: []}\n"
		"      - {cmd: \"\"}\n"
		"      - {cmd: [\"\", x]}\n"
		"      - {cmd: [ls, [x]]}\n"
		"      - {file: run/ready}\n"
		"      - {file: [x]}\n",
		"4:15: 'cmd' needs a command: [PROGRAM, ARG...] or a shell "
		"command line\n"
		"5:15: 'cmd' needs a command: [PROGRAM, ARG...] or a shell "
		"command line\n"
		"6:16: a 'cmd' program may not be empty\n"
		"7:20: a 'cmd' argument must be a scalar, not a sequence\n"
		"8:16: 'file' needs an absolute path, not 'run/ready'\n"
		"9:16: 'file' must be a scalar, not a sequence");
	assert_load_error(
		"nodes:\n"
		"  a:\n"
		"    wait:\n"
		"      - {file: /x, timeout: 10}\n"
		"      - {file: /x, timeout: 0s}\n"
		"      - {file: /x, timeout: 3601s}\n"
		"      - {file: /x, timeout: 2h}\n",
		"4:29: 'timeout' must be a time with its unit, like 10s or "
		"500ms (from 1ms to 3600s), not '10'\n"
		"5:29: 'timeout' must be a time with its unit, like 10s or "
		"500ms (from 1ms to 3600s), not '0s'\n"
		"6:29: 'timeout' must be a time with its unit, like 10s or "
		"500ms (from 1ms to 3600s), not '3601s'\n"
		"7:29: 'timeout' must be a time with its unit, like 10s or "
		"500ms (from 1ms to 3600s), not '2h'");
	/* Gates are a node's own: defaults has none. */
	assert_load_error(
		"defaults:\n"
		"  wait: [{tcp: 80}]\n"
		"nodes:\n"
		"  a: {}\n",
		"2:3: unknown key 'wait' in defaults (known keys: sysctl "
		"routes intercept exec)");
}

/* The address a tcp gate connects to, as plan prints it. */
static char *gate_addrs(const char *yaml)
{
	struct compiled c = compile(yaml);
	struct strbuf sb = { 0 };

	for (size_t i = 0; i < c.p->n_ops; i++) {
		if (c.p->ops[i].kind != OP_WAIT)
			continue;
		op_format(&c.p->ops[i], &sb);
		sb_addc(&sb, '\n');
	}
	compiled_free(&c);
	return sb.buf;
}

static void test_tcp_address(void **state)
{
	char *got;

	(void)state;
	got = gate_addrs("nodes:\n"
			 "  a:\n"
			 "    interfaces:\n"
			 "      eth0: {addresses: [fe80::1/64, fd00::1/64]}\n"
			 "      eth1: {addresses: [10.0.0.1/24, 10.0.1.1/24]}\n"
			 "    wait:\n"
			 "      - {tcp: 80}\n"
			 "      - {tcp: 81, address: \"fd00::1\"}\n"
			 "      - {tcp: 82, address: 10.0.1.1}\n"
			 "      - {tcp: 83, address: 127.0.0.53}\n"
			 "      - {tcp: 84, address: \"::1\"}\n"
			 "  b:\n"
			 "    interfaces:\n"
			 "      eth0: {addresses: [fe80::2/64, fd00::2/64]}\n"
			 "    wait: [{tcp: 80}]\n"
			 "  c:\n"
			 "    wait: [{tcp: 80, timeout: 1500ms}]\n"
			 "links:\n"
			 "  - [a:eth0, b:eth0]\n"
			 "  - [a:eth1, c:eth0]\n");
	assert_string_equal(got, "wait tcp 10.0.0.1:80 timeout 10s @a\n"
				 "wait tcp [fd00::1]:81 timeout 10s @a\n"
				 "wait tcp 10.0.1.1:82 timeout 10s @a\n"
				 "wait tcp 127.0.0.53:83 timeout 10s @a\n"
				 "wait tcp [::1]:84 timeout 10s @a\n"
				 "wait tcp [fd00::2]:80 timeout 10s @b\n"
				 "wait tcp 127.0.0.1:80 timeout 1500ms @c\n");
	free(got);
	assert_load_error(
		"nodes:\n"
		"  a:\n"
		"    interfaces:\n"
		"      eth0: {addresses: [fe80::1/64, 10.0.0.1/24]}\n"
		"    wait:\n"
		"      - {tcp: 80, address: 10.0.0.2}\n"
		"      - {tcp: 80, address: \"fe80::1\"}\n"
		"  b:\n"
		"    interfaces:\n"
		"      eth0: {addresses: [10.0.0.2/24]}\n"
		"links:\n"
		"  - [a:eth0, b:eth0]\n",
		"6:28: wait address 10.0.0.2 is not an address of node 'a' "
		"(a tcp gate connects to a port of the node itself)\n"
		"7:28: wait address fe80::1 is link-local: give one that "
		"needs no interface to reach");
}

/* After every exec:, node by node; never undone. */
static void test_planned(void **state)
{
	struct compiled c =
		compile("nodes:\n"
			"  a:\n"
			"    exec: [\"srv &\"]\n"
			"    wait:\n"
			"      - {cmd: [ping, -c1, \"b c\"]}\n"
			"  b:\n"
			"    exec: [\"true\"]\n"
			"    wait: [{file: /run/b ready}]\n"
			"  host:\n"
			"    wait: [{file: /run/h, timeout: 1s}]\n");
	char *text = plan_text(c.p);
	struct plan *inv = plan_invert(c.p);
	const char *tail = strstr(text, "exec /bin/sh -c 'srv &' @a\n");

	(void)state;
	assert_non_null(tail);
	assert_string_equal(tail, "exec /bin/sh -c 'srv &' @a\n"
				  "exec /bin/sh -c true @b\n"
				  "wait file /run/h timeout 1s @host\n"
				  "wait cmd ping -c1 'b c' timeout 10s @a\n"
				  "wait file '/run/b ready' timeout 10s @b\n");
	for (size_t i = 0; i < inv->n_ops; i++)
		assert_int_not_equal(inv->ops[i].kind, OP_WAIT);
	plan_free(inv);
	free(text);
	compiled_free(&c);
}

/* A wait op is journaled whole, and read back as the same op. */
static void test_journaled(void **state)
{
	struct compiled c = compile(
		"nodes:\n"
		"  a:\n"
		"    interfaces:\n"
		"      lo: {addresses: [\"fd00::9/128\"]}\n"
		"    wait:\n"
		"      - {tcp: 443, address: \"fd00::9\", timeout: 3s}\n"
		"      - {cmd: [sh, -c, \"a b%c\"]}\n"
		"      - {file: \"/run/x y\"}\n");
	struct plan *back = plan_new(c.p->lab);
	size_t n = 0;

	(void)state;
	for (size_t i = 0; i < c.p->n_ops; i++) {
		struct strbuf sb = { 0 };

		if (c.p->ops[i].kind != OP_WAIT)
			continue;
		op_encode(&c.p->ops[i], &sb);
		if (!n)
			assert_string_equal(
				sb.buf,
				"k=wait node=a ns=a gate=1 port=443 "
				"gaddr=fd00::9/128 timeout=3000 item=1");
		assert_int_equal(decode_push(back, sb.buf), 0);
		assert_true(op_same(&c.p->ops[i], &back->ops[n]));
		n++;
		sb_free(&sb);
	}
	assert_int_equal(n, 3);
	plan_free(back);
	compiled_free(&c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parsed),
		cmocka_unit_test(test_parse_errors),
		cmocka_unit_test(test_tcp_address),
		cmocka_unit_test(test_planned),
		cmocka_unit_test(test_journaled),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
