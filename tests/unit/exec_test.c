// SPDX-License-Identifier: MIT
/*
 * exec_test.c - a node's `exec:` commands: how a string and a sequence
 * become an argv, the errors of each, `defaults: {exec: ...}`, and the
 * OP_EXEC ops the planner makes of them (text and JSON); what an edit
 * of a running lab does with a command it changes or drops (exec.stop,
 * the command's own control group).
 */
#include <stdio.h>

#include "helpers.h"

#include "cgroup.h"
#include "reconcile.h"

static const struct node *node_named(const struct topo *t, const char *name)
{
	for (size_t i = 0; i < t->n_nodes; i++)
		if (!strcmp(t->nodes[i].name, name))
			return &t->nodes[i];
	fail_msg("no node '%s'", name);
	return NULL;
}

/* The argv of a command as "[w1|w2|...]", to compare in one go. */
static char *argv_text(char *const *argv, size_t argc)
{
	struct strbuf sb = { 0 };

	sb_addc(&sb, '[');
	for (size_t i = 0; i < argc; i++)
		sb_printf(&sb, "%s%s", i ? "|" : "", argv[i]);
	sb_addc(&sb, ']');
	assert_null(argv[argc]); /* NULL-terminated, for execvp */
	return sb.buf;
}

static void assert_cmd_at(const struct exec_cmd *e, const char *want,
			  const char *file, int line)
{
	char *got = argv_text(e->argv, e->argc);

	_assert_string_equal(got, want, file, line);
	free(got);
}

#define assert_cmd(e, want) assert_cmd_at((e), (want), __FILE__, __LINE__)

#define assert_pos(p, l, c)                      \
	do {                                     \
		assert_int_equal((p).line, (l)); \
		assert_int_equal((p).col, (c));  \
	} while (0)

static void test_exec_string_and_sequence(void **state)
{
	struct topo *t =
		load_ok("nodes:\n"
			"  a:\n"
			"    exec:\n"
			"      - echo \"$NSTOPO_NODE\" > /tmp/x\n"
			"      - [ip, -br, addr]\n"
			"      - [\"/bin/printf\", \"%s=%d\", \"a b\", "
			"'it''s']\n"
			"      - [7, true, ~x]\n"
			"      - |\n"
			"        echo one\n"
			"        echo two\n"
			"  b: {}\n");
	const struct node *a = node_named(t, "a"), *b = node_named(t, "b");

	(void)state;
	assert_true(a->has_exec);
	assert_int_equal(a->n_exec, 5);
	/* A string is a shell command line. */
	assert_cmd(&a->exec[0], "[/bin/sh|-c|echo \"$NSTOPO_NODE\" > /tmp/x]");
	assert_int_equal(a->exec[0].argc, 3);
	assert_pos(a->exec[0].pos, 4, 9);
	/* A sequence is the argv itself, word for word. */
	assert_cmd(&a->exec[1], "[ip|-br|addr]");
	assert_int_equal(a->exec[1].argc, 3);
	assert_pos(a->exec[1].pos, 5, 9);
	assert_cmd(&a->exec[2], "[/bin/printf|%s=%d|a b|it's]");
	/* Scalars that YAML would type are passed as written. */
	assert_cmd(&a->exec[3], "[7|true|~x]");
	/* A block scalar: a script of several lines. */
	assert_cmd(&a->exec[4], "[/bin/sh|-c|echo one\necho two\n]");
	assert_false(b->has_exec);
	assert_int_equal(b->n_exec, 0);
	topo_free(t);
}

static void test_exec_null_and_empty_list(void **state)
{
	struct topo *t = load_ok("defaults:\n"
				 "  exec: [date]\n"
				 "nodes:\n"
				 "  a:\n"
				 "    exec:\n"
				 "  b:\n"
				 "    exec: []\n"
				 "  c: {}\n");

	(void)state;
	/* Present but empty: no commands, and the defaults stay out. */
	assert_true(node_named(t, "a")->has_exec);
	assert_int_equal(node_named(t, "a")->n_exec, 0);
	assert_true(node_named(t, "b")->has_exec);
	assert_int_equal(node_named(t, "b")->n_exec, 0);
	assert_int_equal(node_named(t, "c")->n_exec, 1);
	assert_cmd(&node_named(t, "c")->exec[0], "[/bin/sh|-c|date]");
	topo_free(t);
}

static void test_exec_errors(void **state)
{
	(void)state;
	assert_load_error("nodes:\n  a:\n    exec: echo hi\n",
			  "3:11: 'exec' must be a sequence, not a scalar");
	assert_load_error("nodes:\n  a:\n    exec: {run: x}\n",
			  "3:11: 'exec' must be a sequence, not a mapping");
	assert_load_error("nodes:\n  a:\n    exec: [\"\"]\n",
			  "3:12: an exec command may not be empty");
	assert_load_error("nodes:\n  a:\n    exec:\n      - ''\n",
			  "4:9: an exec command may not be empty");
	assert_load_error("nodes:\n  a:\n    exec: [[]]\n",
			  "3:12: an exec command needs at least a program");
	assert_load_error("nodes:\n  a:\n    exec: [~]\n",
			  "3:12: an exec command must be a scalar, not nothing "
			  "(null)");
	assert_load_error("nodes:\n  a:\n    exec: [{sh: x}]\n",
			  "3:12: an exec command must be a scalar, not a "
			  "mapping");
	assert_load_error("nodes:\n  a:\n    exec: [[echo, [x]]]\n",
			  "3:19: an exec argument must be a scalar, not a "
			  "sequence");
	assert_load_error("nodes:\n  a:\n    exec: [[echo, {a: b}]]\n",
			  "3:19: an exec argument must be a scalar, not a "
			  "mapping");
	assert_load_error("nodes:\n  a:\n    exec: [[echo, ~]]\n",
			  "3:19: an exec argument must be a scalar, not "
			  "nothing (null)");
	assert_load_error("nodes:\n  a:\n    exec: [[\"\", x]]\n",
			  "3:13: an exec program may not be empty");
	/* An empty argument other than the program is fine. */
	assert_null(load_errors("nodes:\n  a:\n    exec: [[echo, \"\"]]\n"));
	/* Control characters are refused as in every scalar (so a journal
	 * can join words with one); line breaks only in block scalars. */
	assert_load_error("nodes:\n  a:\n    exec: [\"echo \\x1f\"]\n",
			  "3:12: scalar contains the control character U+001F");
	assert_load_error("nodes:\n  a:\n    exec: [[printf, \"a\\n\"]]\n",
			  "3:21: scalar contains the control character U+000A");
	/* Every bad command is reported, in file order. */
	assert_load_error("nodes:\n  a:\n    exec:\n"
			  "      - \"\"\n"
			  "      - [ok]\n"
			  "      - []\n"
			  "  b:\n    exec: [[x, [y]]]\n",
			  "4:9: an exec command may not be empty\n"
			  "6:9: an exec command needs at least a program\n"
			  "8:16: an exec argument must be a scalar, not a "
			  "sequence");
	assert_load_error("defaults:\n  exec: [\"\"]\nnodes:\n  a: {}\n",
			  "2:10: an exec command may not be empty");
}

static void test_exec_defaults(void **state)
{
	struct topo *t = load_ok("defaults:\n"
				 "  exec:\n"
				 "    - echo default\n"
				 "    - [true]\n"
				 "nodes:\n"
				 "  a: {}\n"
				 "  b:\n"
				 "    exec: [echo own]\n"
				 "  host:\n"
				 "    interfaces:\n"
				 "      lo: {addresses: [10.255.0.1/32]}\n"
				 "  c: {}\n");
	const struct node *a = node_named(t, "a"), *b = node_named(t, "b");

	(void)state;
	/* Nodes without their own exec: get the defaults... */
	assert_int_equal(a->n_exec, 2);
	assert_cmd(&a->exec[0], "[/bin/sh|-c|echo default]");
	assert_cmd(&a->exec[1], "[true]");
	assert_int_equal(node_named(t, "c")->n_exec, 2);
	/* ...a node with its own keeps only its own (no merging)... */
	assert_int_equal(b->n_exec, 1);
	assert_cmd(&b->exec[0], "[/bin/sh|-c|echo own]");
	/* ...and the host never gets them. */
	assert_int_equal(t->nodes[HOST_NODE].n_exec, 0);
	topo_free(t);
}

/* The defaults stay out of an implicit host too. */
static void test_exec_defaults_not_into_implicit_host(void **state)
{
	struct compiled c = compile("defaults:\n  exec: [hostname]\n"
				    "nodes:\n  a: {}\n"
				    "bridges:\n  br0: {}\n"
				    "links:\n  - [a:eth0, br0]\n");
	size_t n = 0;

	(void)state;
	for (size_t i = 0; i < c.p->n_ops; i++) {
		if (c.p->ops[i].kind != OP_EXEC)
			continue;
		n++;
		assert_string_equal(op_ns(&c.p->ops[i]), "a");
	}
	assert_int_equal(n, 1);
	compiled_free(&c);
}

/* Plans */

static const char exec_yaml[] =
	"namespace-prefix: t-\n"
	"defaults:\n"
	"  exec: [\"echo $NSTOPO_NODE\"]\n"
	"nodes:\n"
	"  h1:\n"
	"    interfaces:\n"
	"      eth0: {addresses: [10.0.0.1/24]}\n"
	"    exec:\n"
	"      - ping -c1 10.0.0.2\n"
	"      - [printf, \"%s 'q' \\\"d\\\"\\t\", \"a b\"]\n"
	"  h2:\n"
	"    interfaces:\n"
	"      eth0: {addresses: [10.0.0.2/24]}\n"
	"    routes:\n"
	"      - {to: 10.9.0.0/16, via: 10.0.0.1}\n"
	"links:\n"
	"  - [h1:eth0, h2:eth0]\n";

static void test_plan_exec_last_in_node_order(void **state)
{
	char *text = compile_text(exec_yaml);

	(void)state;
	/* After every address and route of every node, in node order, each
	 * node's commands in file order; words quoted as sh would need. */
	assert_string_equal(
		text, "netns add t-h1\n"
		      "link set lo up @t-h1\n"
		      "sysctl net.ipv6.conf.all.accept_dad=0 @t-h1\n"
		      "sysctl net.ipv6.conf.default.accept_dad=0 @t-h1\n"
		      "sysctl net.ipv6.conf.all.keep_addr_on_down=1 @t-h1\n"
		      "sysctl net.ipv6.conf.default.keep_addr_on_down=1 @t-h1\n"
		      "sysctl net.ipv6.conf.all.accept_ra=0 @t-h1\n"
		      "sysctl net.ipv6.conf.default.accept_ra=0 @t-h1\n"
		      "sysctl net.ipv6.conf.default."
		      "mldv2_unsolicited_report_interval=20 @t-h1\n"
		      "netns add t-h2\n"
		      "link set lo up @t-h2\n"
		      "sysctl net.ipv6.conf.all.accept_dad=0 @t-h2\n"
		      "sysctl net.ipv6.conf.default.accept_dad=0 @t-h2\n"
		      "sysctl net.ipv6.conf.all.keep_addr_on_down=1 @t-h2\n"
		      "sysctl net.ipv6.conf.default.keep_addr_on_down=1 @t-h2\n"
		      "sysctl net.ipv6.conf.all.accept_ra=0 @t-h2\n"
		      "sysctl net.ipv6.conf.default.accept_ra=0 @t-h2\n"
		      "sysctl net.ipv6.conf.default."
		      "mldv2_unsolicited_report_interval=20 @t-h2\n"
		      "link add eth0 type veth peer eth0 netns t-h2 @t-h1\n"
		      "addr add 10.0.0.1/24 dev eth0 @t-h1\n"
		      "addr add 10.0.0.2/24 dev eth0 @t-h2\n"
		      "link set eth0 up @t-h1\n"
		      "link set eth0 up @t-h2\n"
		      "route add 10.9.0.0/16 via 10.0.0.1 @t-h2\n"
		      "exec /bin/sh -c 'ping -c1 10.0.0.2' @t-h1\n"
		      "exec printf '%s '\\''q'\\'' \"d\"\t' 'a b' @t-h1\n"
		      "exec /bin/sh -c 'echo $NSTOPO_NODE' @t-h2\n");
	free(text);
}

static void test_plan_exec_ops(void **state)
{
	struct compiled c = compile(exec_yaml);
	const struct op *op = NULL;
	size_t n = 0;

	(void)state;
	for (size_t i = 0; i < c.p->n_ops; i++) {
		if (c.p->ops[i].kind != OP_EXEC)
			continue;
		if (!n++)
			op = &c.p->ops[i];
	}
	assert_int_equal(n, 3);
	/* The op names the node (for NSTOPO_NODE) and its namespace, and
	 * owns its argv. */
	assert_string_equal(op->node, "h1");
	assert_string_equal(op_ns(op), "t-h1");
	assert_int_equal(op->argc, 3);
	assert_string_equal(op->argv[2], "ping -c1 10.0.0.2");
	assert_null(op->argv[3]);
	assert_pos(op->pos, 9, 9);
	/* A whole lab's inverse stops no command on its own: its
	 * namespaces take their processes with them. */
	{
		struct plan *inv = plan_invert(c.p);

		for (size_t i = 0; i < inv->n_ops; i++) {
			assert_int_not_equal(inv->ops[i].kind, OP_EXEC);
			assert_int_not_equal(inv->ops[i].kind, OP_EXEC_STOP);
		}
		assert_false(op_is_undo(OP_EXEC));
		assert_true(op_is_undo(OP_EXEC_STOP));
		plan_free(inv);
	}
	compiled_free(&c);
}

static void test_plan_exec_json(void **state)
{
	struct compiled c = compile(exec_yaml);
	char *json = plan_printed(c.p, true);

	(void)state;
	assert_non_null(strstr(
		json,
		"\n  {\"op\":\"exec\",\"netns\":\"t-h1\",\"node\":\"h1\","
		"\"argv\":[\"/bin/sh\",\"-c\",\"ping -c1 10.0.0.2\"],"
		"\"text\":\"exec /bin/sh -c 'ping -c1 10.0.0.2' @t-h1\"}"));
	/* The argv in JSON: each word a string, escaped, not re-quoted. */
	assert_non_null(strstr(json, "\"argv\":[\"printf\",\"%s 'q' "
				     "\\\"d\\\"\\u0009\",\"a b\"]"));
	assert_non_null(strstr(json, "\"node\":\"h2\",\"argv\":[\"/bin/sh\","
				     "\"-c\",\"echo $NSTOPO_NODE\"]"));
	free(json);
	compiled_free(&c);
}

/* A plan that differs only in a command is a different plan (status
 * tells a changed file by this). */
static void test_plan_exec_equal(void **state)
{
	struct compiled a = compile("nodes:\n  a:\n    exec: [[echo, a b]]\n");
	struct compiled b = compile("nodes:\n  a:\n    exec: [[echo, a, b]]\n");
	struct compiled c = compile("nodes:\n  a:\n    exec: [\"echo a b\"]\n");
	struct compiled d = compile("nodes:\n  a:\n    exec: [[echo, a b]]\n");

	(void)state;
	assert_false(plan_equal(a.p, b.p));
	assert_false(plan_equal(a.p, c.p));
	assert_false(plan_equal(b.p, c.p));
	assert_true(plan_equal(a.p, d.p));
	compiled_free(&a);
	compiled_free(&b);
	compiled_free(&c);
	compiled_free(&d);
}

/* A lab applied when a namespace's sysctls came before lo, or by a build
 * that made every namespace before any link, is the same lab: the order
 * of its ops does not count, each op does, once. */
static void test_plan_equal_setup_order(void **state)
{
	struct compiled a = compile(exec_yaml);
	struct compiled b = compile(exec_yaml);
	struct op *o = b.p->ops, t;
	size_t lo = 1;

	(void)state;
	assert_int_equal(o[0].kind, OP_NETNS_ADD);
	assert_int_equal(o[lo].kind, OP_LINK_SET);
	assert_string_equal(o[lo].link.name, "lo");
	assert_int_equal(o[lo + 1].kind, OP_SYSCTL_SET);
	assert_int_equal(o[lo + 2].kind, OP_SYSCTL_SET);
	/* lo after the sysctls, as 0.1.0 journaled it */
	t = o[lo];
	o[lo] = o[lo + 1];
	o[lo + 1] = o[lo + 2];
	o[lo + 2] = t;
	assert_true(plan_equal(a.p, b.p));
	assert_true(plan_equal(b.p, a.p));
	/* any order */
	for (size_t i = 0, j = b.p->n_ops - 1; i < j; i++, j--) {
		t = o[i];
		o[i] = o[j];
		o[j] = t;
	}
	assert_true(plan_equal(a.p, b.p));
	assert_true(plan_equal(b.p, a.p));
	/* an op twice, in place of another: another plan, both ways */
	o[0] = o[1];
	assert_false(plan_equal(a.p, b.p));
	assert_false(plan_equal(b.p, a.p));
	compiled_free(&a);
	compiled_free(&b);
}

/* An edit: h1's first command changed, its second kept, h2's dropped. */
static void test_edit_stops_what_it_drops(void **state)
{
	static const char edited[] =
		"namespace-prefix: t-\n"
		"nodes:\n"
		"  h1:\n"
		"    interfaces:\n"
		"      eth0: {addresses: [10.0.0.1/24]}\n"
		"    exec:\n"
		"      - ping -c2 10.0.0.2\n"
		"      - [printf, \"%s 'q' \\\"d\\\"\\t\", \"a b\"]\n"
		"  h2:\n"
		"    interfaces:\n"
		"      eth0: {addresses: [10.0.0.2/24]}\n"
		"    routes:\n"
		"      - {to: 10.9.0.0/16, via: 10.0.0.1}\n"
		"links:\n"
		"  - [h1:eth0, h2:eth0]\n";
	struct compiled a = compile(exec_yaml), b = compile(edited);
	struct plan *stop;
	struct edit e;
	char *text;
	size_t n_new = 0, n_same = 0;

	(void)state;
	edit_compute(a.p, b.p, &e);
	/* The two commands that go are in what the edit removes; their
	 * inverse stops what each started, and only that. */
	stop = plan_invert(e.remove);
	text = plan_text(stop);
	assert_string_equal(text,
			    "stop exec /bin/sh -c 'echo $NSTOPO_NODE' @t-h2\n"
			    "stop exec /bin/sh -c 'ping -c1 10.0.0.2' @t-h1\n");
	free(text);
	for (size_t i = 0; i < stop->n_ops; i++)
		assert_int_equal(stop->ops[i].kind, OP_EXEC_STOP);
	plan_free(stop);
	for (size_t i = 0; i < b.p->n_ops; i++) {
		if (b.p->ops[i].kind != OP_EXEC)
			continue;
		n_new += b.p->ops[i].change == OPC_NEW;
		n_same += b.p->ops[i].change == OPC_SAME;
	}
	assert_int_equal(n_new, 1);  /* ping -c2: runs */
	assert_int_equal(n_same, 1); /* printf: runs on, not again */
	edit_free(&e);
	compiled_free(&a);
	compiled_free(&b);
}

/* Each command has a group of its own below its node's, by its argv. */
static void test_exec_group_names(void **state)
{
	char *ab[] = { "a b", NULL }, *a_b[] = { "a", "b", NULL };
	char *ab2[] = { "a b", NULL };
	char x[CG_SUB_MAX], y[CG_SUB_MAX], z[CG_SUB_MAX];

	(void)state;
	cg_exec_name("lab-h1", ab, x, sizeof(x));
	cg_exec_name("lab-h1", a_b, y, sizeof(y));
	cg_exec_name("lab-h1", ab2, z, sizeof(z));
	assert_int_equal(strncmp(x, "ns-lab-h1/exec-", 15), 0);
	assert_int_equal(strlen(x), 15 + 16);
	assert_string_not_equal(x, y); /* words are words */
	assert_string_equal(x, z);     /* the same command, the same group */
	cg_exec_name(NULL, ab, y, sizeof(y));
	assert_int_equal(strncmp(y, "host/exec-", 10), 0);
	assert_string_equal(y + 10, x + 15);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_exec_string_and_sequence),
		cmocka_unit_test(test_exec_null_and_empty_list),
		cmocka_unit_test(test_exec_errors),
		cmocka_unit_test(test_exec_defaults),
		cmocka_unit_test(test_exec_defaults_not_into_implicit_host),
		cmocka_unit_test(test_plan_exec_last_in_node_order),
		cmocka_unit_test(test_plan_exec_ops),
		cmocka_unit_test(test_plan_exec_json),
		cmocka_unit_test(test_plan_exec_equal),
		cmocka_unit_test(test_plan_equal_setup_order),
		cmocka_unit_test(test_edit_stops_what_it_drops),
		cmocka_unit_test(test_exec_group_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
