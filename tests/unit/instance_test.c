// SPDX-License-Identifier: MIT
/*
 * instance_test.c - instances of a lab (--prefix P): the prefix's syntax,
 * the host names derived for it (instance_ifname), instance lab names,
 * and the model an instance loads into (topo_instance): every name the
 * file makes in the host renamed wherever it appears, the host's own
 * interfaces left as they are, and clashes the renaming would cause
 * reported.  Applying instances side by side: t-prefix.sh.
 */
#include <ctype.h>
#include <stdio.h>

#include "helpers.h"
#include "instance.h"

static void test_instance_valid(void **state)
{
	const char *why = NULL;

	(void)state;
	assert_true(instance_valid("p1", &why));
	assert_true(instance_valid("0", &why));
	assert_true(instance_valid("abcdefghijkl", &why)); /* 12 */
	assert_false(instance_valid("", &why));
	assert_string_equal(why, "is empty");
	assert_false(instance_valid("abcdefghijklm", &why)); /* 13 */
	assert_string_equal(why, "is longer than 12 characters");
	assert_false(instance_valid("P1", &why));
	assert_string_equal(why, "may hold only a-z and 0-9");
	assert_false(instance_valid("ci-1", &why));
	assert_string_equal(why, "may hold only a-z and 0-9");
	assert_false(instance_valid("a_b", &why));
	assert_false(instance_valid("a.b", &why));
	assert_false(instance_valid("a/b", &why));
	assert_false(instance_valid("a b", &why));
	assert_false(instance_valid("\xc3\xa9", &why));
}

static void test_lab_names(void **state)
{
	(void)state;
	assert_true(lab_name_valid("lab"));
	assert_true(lab_name_valid("lab@p1"));
	assert_true(lab_name_valid("abcdefghijklmnopqrstuvwx@abcdefghijkl"));
	assert_false(lab_name_valid("abcdefghijklmnopqrstuvwxy@p1"));
	assert_false(lab_name_valid("lab@abcdefghijklm"));
	assert_false(lab_name_valid("lab@"));
	assert_false(lab_name_valid("@p1"));
	assert_false(lab_name_valid("lab@P1"));
	assert_false(lab_name_valid("lab@p-1"));
	assert_false(lab_name_valid("lab@p1@p2"));
	assert_false(lab_name_valid("Lab@p1"));
	assert_false(lab_name_valid("-lab@p1"));
}

static void test_ifname_short(void **state)
{
	char out[IFNAME_MAX + 1];

	(void)state;
	assert_string_equal(instance_ifname("p1", "br0", out), "p1-br0");
	/* 15 bytes still fit */
	assert_string_equal(instance_ifname("p1", "abcdefghijkl", out),
			    "p1-abcdefghijkl");
	assert_string_equal(instance_ifname("abcdefghijkl", "b", out),
			    "abcdefghijkl-b");
}

/* "HEAD-xxxxxx": a head without a trailing '-', '-' and 6 hex digits. */
static void assert_hashed(const char *name, const char *head)
{
	size_t h = strlen(head);

	assert_int_equal(strlen(name), h + 7);
	assert_memory_equal(name, head, h);
	assert_int_equal(name[h], '-');
	assert_int_equal(strlen(name + h + 1), 6);
	for (const char *c = name + h + 1; *c; c++)
		assert_true(isxdigit((unsigned char)*c) &&
			    !isupper((unsigned char)*c));
}

static void test_ifname_hashed(void **state)
{
	char a[IFNAME_MAX + 1], b[IFNAME_MAX + 1], c[IFNAME_MAX + 1];
	const char *why;

	(void)state;
	/* 16 bytes: the head of "p1-abcdefghijklm" and a hash */
	instance_ifname("p1", "abcdefghijklm", a);
	assert_hashed(a, "p1-abcde");
	assert_int_equal(strlen(a), IFNAME_MAX);
	assert_true(ifname_valid(a, &why));
	/* the same on every call (and every machine: FNV-1a) */
	instance_ifname("p1", "abcdefghijklm", b);
	assert_string_equal(a, b);
	/* another name with the same head: another hash */
	instance_ifname("p1", "abcdefghijkln", c);
	assert_hashed(c, "p1-abcde");
	assert_string_not_equal(a, c);
	/* a head that would end in '-' loses it */
	instance_ifname("abc", "def-long-name-x", a);
	assert_hashed(a, "abc-def");
	instance_ifname("abcdefg", "long-name-of-it", a);
	assert_hashed(a, "abcdefg");
	/* a prefix of 8 is whole in the head, so instances differ there */
	instance_ifname("abcdefgh", "eth0-long-name", a);
	instance_ifname("abcdefgi", "eth0-long-name", b);
	assert_hashed(a, "abcdefgh");
	assert_hashed(b, "abcdefgi");
	/* a longer one is cut; the hash (of the whole) tells them apart */
	instance_ifname("abcdefghijk1", "br0", a);
	instance_ifname("abcdefghijk2", "br0", b);
	assert_hashed(a, "abcdefgh");
	assert_hashed(b, "abcdefgh");
	assert_string_not_equal(a, b);
}

/* Two names of @len bytes that the same prefix hashes to one name. */
static void hash_twins(const char *inst, char x[32], char y[32])
{
	struct strmap seen = { 0 };
	struct arena a = { 0 };
	char name[32], real[IFNAME_MAX + 1];

	for (unsigned i = 0; i < 1000000; i++) {
		int prev;

		snprintf(name, sizeof(name), "brtwin%07u", i);
		instance_ifname(inst, name, real);
		prev = strmap_put(&seen, arena_strdup(&a, real), (int)i);
		if (prev >= 0) {
			snprintf(x, 32, "brtwin%07d", prev);
			snprintf(y, 32, "%s", name);
			strmap_free(&seen);
			arena_free(&a);
			return;
		}
	}
	fail_msg("no two names share a hash");
}

static struct topo *load_as_at(const char *inst, const char *yaml,
			       const char *file, int line)
{
	struct diags d = { .file = TEST_FILE };
	struct topo *t =
		topo_load_buf_as(TEST_FILE, inst, yaml, strlen(yaml), &d);

	if (!t || d.n) {
		char *text = diags_text(&d);

		print_error("topology should load, but:\n%s\n", text);
		free(text);
		_fail(file, line);
	}
	diags_free(&d);
	return t;
}

#define load_as(inst, yaml) load_as_at((inst), (yaml), __FILE__, __LINE__)

static char *errors_as(const char *inst, const char *yaml)
{
	struct diags d = { .file = TEST_FILE };
	struct topo *t =
		topo_load_buf_as(TEST_FILE, inst, yaml, strlen(yaml), &d);
	char *text = diags_text(&d);

	assert_null(t);
	diags_free(&d);
	return text;
}

static const char lab[] = "name: lab\n"
			  "namespace-prefix: x-\n"
			  "nodes:\n"
			  "  h1: {}\n"
			  "  h2: {}\n"
			  "  host:\n"
			  "    interfaces:\n"
			  "      br-lab: {addresses: [10.9.0.1/24]}\n"
			  "      veth-h: {mtu: 1400}\n"
			  "    sysctl:\n"
			  "      net.ipv4.conf.br-lab.forwarding: 1\n"
			  "      net.ipv4.conf.eth0.forwarding: 1\n"
			  "      net.ipv4.ip_forward: 1\n"
			  "    routes:\n"
			  "      - {to: 10.99.0.0/24, dev: br-lab}\n"
			  "bridges:\n"
			  "  br-lab: {ports: [eth0]}\n"
			  "  core: {node: h1}\n"
			  "links:\n"
			  "  - [h1:eth0, br-lab]\n"
			  "  - [h2:eth0, br-lab:port2]\n"
			  "  - [host:veth-h, h2:eth1]\n"
			  "  - [h2:eth2, core:c2]\n"
			  "  - {kind: macvlan, endpoint: host:mv0, "
			  "parent: host:eth1}\n";

static void test_model_renamed(void **state)
{
	struct compiled c = { 0 };
	char *text;

	(void)state;
	c.t = load_as("p1", lab);
	c.p = plan_compile(c.t);
	assert_string_equal(c.t->name, "lab@p1");
	assert_string_equal(c.p->lab, "lab@p1");
	assert_string_equal(c.t->nodes[1].ns, "p1-x-h1");
	text = plan_text(c.p);
	/* the host's bridge, its ports, link ends and settings */
	assert_non_null(strstr(text, "link add p1-br-lab type bridge @host\n"));
	assert_non_null(strstr(text, "link set eth0 master p1-br-lab @host\n"));
	assert_non_null(
		strstr(text, "peer p1-x-h1-eth0 netns host @p1-x-h1\n"));
	assert_non_null(strstr(text, "peer p1-port2 netns host @p1-x-h2\n"));
	assert_non_null(
		strstr(text, "link set p1-port2 master p1-br-lab up @host\n"));
	assert_non_null(strstr(text, "peer p1-veth-h mtu 1400 netns host"));
	assert_non_null(
		strstr(text, "addr add 10.9.0.1/24 dev p1-br-lab @host"));
	assert_non_null(strstr(
		text, "sysctl net.ipv4.conf.p1-br-lab.forwarding=1 @host\n"));
	assert_non_null(
		strstr(text, "route add 10.99.0.0/24 dev p1-br-lab @host\n"));
	assert_non_null(strstr(text, "link add p1-mv0 link eth1@host"));
	/* the host's own interface (a port, a parent, its sysctl) and
	 * what is in the nodes keep their names */
	assert_non_null(
		strstr(text, "sysctl net.ipv4.conf.eth0.forwarding=1 @host\n"));
	assert_non_null(strstr(text, "sysctl net.ipv4.ip_forward=1 @host\n"));
	assert_non_null(
		strstr(text, "link add core up type bridge @p1-x-h1\n"));
	assert_non_null(strstr(text, "peer c2 netns p1-x-h1 @p1-x-h2\n"));
	assert_null(strstr(text, " br-lab"));
	assert_null(strstr(text, " veth-h"));
	free(text);
	compiled_free(&c);
}

/* Without a prefix, or with an empty one, the lab is itself. */
static void test_no_instance(void **state)
{
	struct topo *t = load_as(NULL, lab), *u = load_as("", lab);
	struct plan *p = plan_compile(t), *q = plan_compile(u);

	(void)state;
	assert_string_equal(t->name, "lab");
	assert_null(t->instance);
	assert_true(plan_equal(p, q));
	plan_free(p);
	plan_free(q);
	topo_free(t);
	topo_free(u);
}

/* Two instances of one file share no name of the host. */
static void test_instances_apart(void **state)
{
	static const char *const insts[] = { "p1", "p2", "abcdefgh",
					     "abcdefgi" };
	static const char yaml[] =
		"nodes:\n"
		"  a-long-node-name: {}\n"
		"bridges:\n"
		"  br-a-long-name: {}\n"
		"  br0: {}\n"
		"links:\n"
		"  - [a-long-node-name:eth0, br-a-long-name]\n"
		"  - [a-long-node-name:eth1, br0:p]\n"
		"  - [host:hv-long-name0, a-long-node-name:e2]\n"
		"  - [br0, br-a-long-name]\n";
	struct strmap names = { 0 };
	struct arena a = { 0 };
	size_t total = 0;

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(insts); i++) {
		struct topo *t = load_as(insts[i], yaml);

		for (size_t k = 0; k < t->n_ifaces; k++) {
			const char *why;

			if (t->ifaces[k].node != HOST_NODE)
				continue;
			assert_true(ifname_valid(t->ifaces[k].name, &why));
			total++;
			assert_int_equal(
				strmap_put(&names,
					   arena_strdup(&a, t->ifaces[k].name),
					   (int)i),
				-1);
		}
		topo_free(t);
	}
	assert_int_equal(total, 4 * 7); /* 2 bridges, 5 ports and ends */
	strmap_free(&names);
	arena_free(&a);
}

/* Derived names in the host: as the lab's, then as the instance's. */
static void test_derived_in_host(void **state)
{
	struct topo *t = load_as("p1", "nodes:\n"
				       "  h1: {}\n"
				       "bridges:\n"
				       "  b1: {}\n"
				       "  b2: {node: h1}\n"
				       "links:\n"
				       "  - [h1:eth0, b1]\n"
				       "  - [b2, b1]\n");
	char *names = NULL;
	struct strbuf sb = { 0 };

	(void)state;
	for (size_t k = 0; k < t->n_ifaces; k++)
		sb_printf(&sb, "%s%s:%s", k ? " " : "",
			  t->nodes[t->ifaces[k].node].name, t->ifaces[k].name);
	names = sb.buf;
	assert_string_equal(names, "host:p1-b1 h1:b2 h1:eth0 host:p1-h1-eth0 "
				   "h1:to-p1-b1 host:p1-to-b2");
	free(names);
	topo_free(t);
}

/* Renamed, two names of the file would be one: reported, with both. */
static void test_clash_of_hashes(void **state)
{
	char x[32], y[32], want[256], real[IFNAME_MAX + 1];
	char yaml[256], *got;

	(void)state;
	hash_twins("p1", x, y);
	instance_ifname("p1", x, real);
	snprintf(yaml, sizeof(yaml),
		 "bridges:\n"
		 "  %s: {}\n"
		 "  %s: {}\n",
		 x, y);
	/* fine as the lab itself */
	topo_free(load_as(NULL, yaml));
	got = errors_as("p1", yaml);
	snprintf(want, sizeof(want),
		 "3:3: with prefix 'p1', host interfaces '%s' (at 2:3) and "
		 "'%s' would both be '%s': rename one of them",
		 x, y, real);
	assert_string_equal(got, want);
	free(got);
	/* another prefix hashes them apart */
	topo_free(load_as("p2", yaml));
}

/* Renamed, a name of the file would be one the host has already. */
static void test_clash_with_host(void **state)
{
	char *got;

	(void)state;
	got = errors_as("p1", "nodes:\n"
			      "  h1: {}\n"
			      "bridges:\n"
			      "  br0: {ports: [p1-veth0]}\n"
			      "links:\n"
			      "  - [host:veth0, h1:eth0]\n");
	assert_string_equal(
		got, "4:17: with prefix 'p1', host interface 'veth0' (at 6:6) "
		     "would be 'p1-veth0', the name of this port the host has");
	free(got);
	got = errors_as("p1", "nodes:\n"
			      "  h1: {}\n"
			      "links:\n"
			      "  - [host:mv, h1:eth0]\n"
			      "  - {kind: macvlan, endpoint: h1:m0, "
			      "parent: host:p1-mv}\n");
	assert_string_equal(
		got,
		"5:46: with prefix 'p1', host interface 'mv' (at 4:6) would "
		"be 'p1-mv', the name of this parent the host has");
	free(got);
}

/* What validate finds is still found, in the names of the instance. */
static void test_errors_still_found(void **state)
{
	char *got;

	(void)state;
	got = errors_as("p1", "nodes:\n"
			      "  h1: {}\n"
			      "  host:\n"
			      "    interfaces:\n"
			      "      br9: {addresses: [10.0.0.1/24]}\n"
			      "bridges:\n"
			      "  br0: {}\n"
			      "links:\n"
			      "  - [host:br0, h1:eth0]\n");
	assert_string_equal(
		got,
		"5:7: node 'host' has no interface 'br9': no link or bridge "
		"creates it\n"
		"9:6: interface 'p1-br0' already exists in node 'host' (made "
		"at 7:3)");
	free(got);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_instance_valid),
		cmocka_unit_test(test_lab_names),
		cmocka_unit_test(test_ifname_short),
		cmocka_unit_test(test_ifname_hashed),
		cmocka_unit_test(test_model_renamed),
		cmocka_unit_test(test_no_instance),
		cmocka_unit_test(test_instances_apart),
		cmocka_unit_test(test_derived_in_host),
		cmocka_unit_test(test_clash_of_hashes),
		cmocka_unit_test(test_clash_with_host),
		cmocka_unit_test(test_errors_still_found),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
