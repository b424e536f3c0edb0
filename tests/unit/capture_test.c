// SPDX-License-Identifier: MIT
/*
 * capture_test.c - what `nstopo capture` targets name in a lab's plan:
 * NODE:IF, BRIDGE, BRIDGE:PORT, and veth links by their ends (A--B,
 * [A, B], A,B), the end on A, through a namespace-prefix, with derived
 * port names, an interface name that holds "--"; the messages for what
 * is not there; and the command's arguments.
 */
#include <errno.h>

#include "helpers.h"

#include "capture.h"

static const char lab_yaml[] = "name: cap\n"
			       "namespace-prefix: \"x-\"\n"
			       "nodes:\n"
			       "  r1: {}\n"
			       "  h1: {}\n"
			       "  h2: {}\n"
			       "  sw: {}\n"
			       "bridges:\n"
			       "  br-lan: {}\n"
			       "  core: {node: sw}\n"
			       "links:\n"
			       "  - [h1:eth0, r1:eth0]\n"
			       "  - [h2:eth0, br-lan]\n"
			       "  - [r1:eth1, br-lan:up1]\n"
			       "  - [r1:a--b, core]\n"
			       "  - [br-lan, core]\n"
			       "  - {kind: dummy, endpoint: h1:d0}\n";

/* @target resolves to @ifname in namespace @ns (NULL: the host). */
static void expect(struct plan *p, const char *target, const char *ns,
		   const char *ifname, bool of_link)
{
	struct strbuf msg = { 0 };
	struct capture_end e;

	if (capture_resolve(p, target, &e, &msg))
		fail_msg("%s: %s", target, msg.buf);
	if (ns)
		assert_non_null(e.ns);
	if (ns && strcmp(e.ns, ns))
		fail_msg("%s: namespace %s, not %s", target, e.ns, ns);
	if (!ns && e.ns)
		fail_msg("%s: namespace %s, not the host", target, e.ns);
	if (strcmp(e.ifname, ifname))
		fail_msg("%s: interface %s, not %s", target, e.ifname, ifname);
	assert_int_equal(e.of_link, of_link);
	sb_free(&msg);
}

static void expect_error(struct plan *p, const char *target, const char *want)
{
	struct strbuf msg = { 0 };
	struct capture_end e;

	assert_int_equal(capture_resolve(p, target, &e, &msg), -ENOENT);
	assert_string_equal(msg.buf, want);
	sb_free(&msg);
}

static void test_interfaces(void **state)
{
	struct compiled c = compile(lab_yaml);

	(void)state;
	expect(c.p, "r1:eth0", "x-r1", "eth0", false);
	expect(c.p, "x-r1:eth0", "x-r1", "eth0", false); /* its namespace */
	expect(c.p, "h1:d0", "x-h1", "d0", false);
	expect(c.p, "h1:lo", "x-h1", "lo", false); /* checked when run */
	expect(c.p, "host:eth0", NULL, "eth0", false);
	expect(c.p, "br-lan", NULL, "br-lan", false);
	expect(c.p, "br-lan:up1", NULL, "up1", false);
	expect(c.p, "core", "x-sw", "core", false);
	expect(c.p, "r1:a--b", "x-r1", "a--b", false);
	compiled_free(&c);
}

static void test_links(void **state)
{
	struct compiled c = compile(lab_yaml);

	(void)state;
	expect(c.p, "r1:eth0--h1:eth0", "x-r1", "eth0", true);
	expect(c.p, "h1:eth0--r1:eth0", "x-h1", "eth0", true);
	expect(c.p, "[h1:eth0, r1:eth0]", "x-h1", "eth0", true);
	expect(c.p, "h1:eth0,r1:eth0", "x-h1", "eth0", true);
	/* A bare bridge: the port nstopo named for the other end. */
	expect(c.p, "br-lan--h2:eth0", NULL, "x-h2-eth0", true);
	expect(c.p, "h2:eth0--br-lan", "x-h2", "eth0", true);
	expect(c.p, "br-lan:up1--r1:eth1", NULL, "up1", true);
	expect(c.p, "[br-lan, r1:eth1]", NULL, "up1", true);
	expect(c.p, "core--br-lan", "x-sw", "to-br-lan", true);
	/* "--" inside an interface name: the split that makes a link. */
	expect(c.p, "r1:a--b--core", "x-r1", "a--b", true);
	expect(c.p, "core--r1:a--b", "x-sw", "x-r1-a--b", true);
	compiled_free(&c);
}

static void test_errors(void **state)
{
	struct compiled c = compile(lab_yaml);

	(void)state;
	expect_error(c.p, "r9:eth0", "lab cap has no node or bridge 'r9'");
	expect_error(c.p, "r1", "'r1' is a node: write r1:IFNAME");
	expect_error(c.p, "h1:eth0--h2:eth0",
		     "lab cap has no veth link 'h1:eth0--h2:eth0'");
	expect_error(c.p, "[h1:eth0, br-lan]",
		     "lab cap has no veth link '[h1:eth0, br-lan]'");
	compiled_free(&c);
}

static void test_args(void **state)
{
	char *a1[] = { "capture", "--lab", "x",	 "r1:eth0", "-w",
		       "f.pcap",  "icmp",  "or", "-v",	    NULL };
	char *a2[] = { "capture", "r1:eth0", "--", "-w", NULL };
	char *a3[] = { "capture", "-w", NULL };
	char *a4[] = { "capture", "--lab=y", "--write=-", "-q", "h1:d0", NULL };
	struct strbuf msg = { 0 };
	struct capture_req r;

	(void)state;
	assert_int_equal(capture_args(9, a1, &r, &msg), 0);
	assert_string_equal(r.lab, "x");
	assert_string_equal(r.target, "r1:eth0");
	assert_string_equal(r.file, "f.pcap");
	/* The filter starts at its first word: -v is tcpdump's. */
	assert_string_equal(r.filter[0], "icmp");
	assert_string_equal(r.filter[2], "-v");
	assert_null(r.filter[3]);
	assert_int_equal(capture_args(4, a2, &r, &msg), 0);
	assert_null(r.file);
	assert_string_equal(r.filter[0], "-w");
	assert_int_equal(capture_args(2, a3, &r, &msg), -EINVAL);
	assert_string_equal(msg.buf, "-w needs an argument");
	assert_int_equal(capture_args(5, a4, &r, &msg), 0);
	assert_string_equal(r.lab, "y");
	assert_string_equal(r.file, "-");
	assert_true(r.quiet);
	assert_null(r.filter[0]);
	sb_free(&msg);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_interfaces),
		cmocka_unit_test(test_links),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_args),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
