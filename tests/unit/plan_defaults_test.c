// SPDX-License-Identifier: MIT
/*
 * plan_defaults_test.c - what a lab's interfaces start with unless the
 * file says otherwise: the sysctls every new namespace gets before its
 * links exist (no DAD, addresses kept while down, no router
 * advertisements), each one the file can override; and accept-ra, which
 * autoconf implies.
 */
#include <stdio.h>

#include "helpers.h"

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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_node_gets_them),
		cmocka_unit_test(test_the_file_overrides_them),
		cmocka_unit_test(test_autoconf_takes_advertisements),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
