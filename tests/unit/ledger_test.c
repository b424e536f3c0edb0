// SPDX-License-Identifier: MIT
/*
 * ledger_test.c - the host's ledger of shared sysctls (ledger.h): values
 * compared as the kernel prints them, one key under two names
 * (ip_forward is conf.all.forwarding), and, against the kernel in a
 * network and mount namespace of the test's own (a tmpfs on /run, so
 * neither the machine's sysctls nor its /run/nstopo are touched): the
 * last lab out gives the original back only if the key still has the
 * labs' value, a lab gone gives back all it holds by its name, and an
 * interface's own forwarding survives ip_forward.  Without the right to
 * make namespaces those are skipped, except in CI (CI=true).
 */
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mount.h>
#include <unistd.h>

#include "helpers.h"
#include "kernel.h"

#include "ledger.h"
#include "netns.h"

static void test_same(void **state)
{
	(void)state;
	assert_true(sysctl_same("1", "1"));
	assert_true(sysctl_same("4096\t87380\t6291456", "4096 87380 6291456"));
	assert_true(sysctl_same("1\n", "1"));
	assert_true(sysctl_same("", ""));
	assert_true(sysctl_same("", "\n"));
	assert_false(sysctl_same("1", "10"));
	assert_false(sysctl_same("1 2", "12"));
	assert_false(sysctl_same("", "0"));
	assert_false(sysctl_same("8080", "8080 8081"));
}

static void test_names(void **state)
{
	(void)state;
	assert_string_equal(ledger_key("net.ipv4.ip_forward"),
			    "net.ipv4.conf.all.forwarding");
	assert_string_equal(ledger_key("net.ipv4.conf.all.forwarding"),
			    "net.ipv4.conf.all.forwarding");
	assert_string_equal(ledger_key("net.ipv4.ip_default_ttl"),
			    "net.ipv4.ip_default_ttl");
	assert_true(sysctl_propagates("net.ipv4.ip_forward"));
	assert_true(sysctl_propagates("net.ipv4.conf.all.forwarding"));
	assert_true(sysctl_propagates("net.ipv6.conf.all.forwarding"));
	assert_true(sysctl_propagates("net.ipv6.conf.all.disable_ipv6"));
	assert_true(sysctl_propagates("net.ipv6.conf.all.addr_gen_mode"));
	/* The kernel keeps these per interface, or reads all.* with them. */
	assert_false(sysctl_propagates("net.ipv4.conf.all.rp_filter"));
	assert_false(sysctl_propagates("net.ipv6.conf.all.accept_ra"));
	assert_false(sysctl_propagates("net.ipv4.conf.default.forwarding"));
}

static int own_namespaces(void **state)
{
	return own_namespaces_for(state, "ledger_test");
}

/*
 * Each test a /run of its own: one that fails with the ledger open (an
 * assertion jumps out of it) leaves the lock of its /run held, not the
 * next test's.
 */
static int fresh_run(void **state)
{
	if (*state && mount("ledger-test", "/run", "tmpfs", 0, "mode=0755"))
		return -1;
	return 0;
}

struct warnings {
	struct strbuf text;
	int n;
};

static void collect(void *arg, const char *msg)
{
	struct warnings *w = arg;

	sb_printf(&w->text, "%s\n", msg);
	w->n++;
}

static char *get(const char *key)
{
	struct strbuf sb = { 0 };

	assert_int_equal(sysctl_read_whole(key, &sb), 0);
	return sb.buf;
}

static void expect_sysctl(const char *key, const char *want)
{
	char *v = get(key);

	assert_string_equal(v, want);
	free(v);
}

static void set(const char *key, const char *value)
{
	assert_int_equal(sysctl_write(key, value), 0);
}

/* Lab @lab takes @key at @value and writes it, as apply does. */
static void take(const char *lab, const char *key, const char *value)
{
	struct ledger *l;

	assert_int_equal(ledger_open(&l), 0);
	assert_int_equal(ledger_take(l, lab, key, value), 0);
	assert_int_equal(ledger_close(l), 0);
	set(key, value);
}

/* Release @key of @lab; the warnings in @w. */
static int release(const char *lab, const char *key, struct warnings *w,
		   bool *restored)
{
	struct ledger *l;
	int rc;

	assert_int_equal(ledger_open(&l), 0);
	rc = ledger_release(l, lab, key, collect, w, restored);
	assert_int_equal(ledger_close(l), 0);
	return rc;
}

static void test_last_out_restores_unchanged(void **state)
{
	struct warnings w = { 0 };
	bool restored;

	KERNEL_ONLY(state);
	set("net.ipv4.ip_default_ttl", "64");
	take("a", "net.ipv4.ip_default_ttl", "99");
	take("b", "net.ipv4.ip_default_ttl", "99");
	assert_int_equal(release("a", "net.ipv4.ip_default_ttl", &w, &restored),
			 0);
	assert_false(restored);
	expect_sysctl("net.ipv4.ip_default_ttl", "99"); /* b still holds it */
	assert_int_equal(release("b", "net.ipv4.ip_default_ttl", &w, &restored),
			 0);
	assert_true(restored);
	expect_sysctl("net.ipv4.ip_default_ttl", "64");
	assert_int_equal(w.n, 0);
	/* Nothing held: no ledger left. */
	assert_int_equal(access("/run/nstopo/.host-sysctl", F_OK), -1);
	assert_int_equal(release("b", "net.ipv4.ip_default_ttl", &w, &restored),
			 -ENOENT);
	sb_free(&w.text);
}

static void test_changed_by_hand_is_left(void **state)
{
	struct warnings w = { 0 };
	bool restored = true;

	KERNEL_ONLY(state);
	set("net.ipv4.ip_default_ttl", "64");
	take("a", "net.ipv4.ip_default_ttl", "99");
	set("net.ipv4.ip_default_ttl", "77");
	assert_int_equal(release("a", "net.ipv4.ip_default_ttl", &w, &restored),
			 0);
	assert_false(restored);
	expect_sysctl("net.ipv4.ip_default_ttl", "77");
	assert_int_equal(w.n, 1);
	assert_string_equal(
		w.text.buf,
		"sysctl net.ipv4.ip_default_ttl is '77' now, not the '99' lab a set: left as it is\n");
	/* Forgotten all the same: a new lab records 77 as the original. */
	assert_int_equal(access("/run/nstopo/.host-sysctl", F_OK), -1);
	set("net.ipv4.ip_default_ttl", "64");
	sb_free(&w.text);
}

static void test_release_lab_by_name(void **state)
{
	struct warnings w = { 0 };
	struct ledger *l;
	size_t n = 0;

	KERNEL_ONLY(state);
	set("net.ipv4.ip_default_ttl", "64");
	set("net.ipv4.tcp_syn_retries", "6");
	set("net.ipv4.ip_no_pmtu_disc", "0");
	take("gone", "net.ipv4.ip_default_ttl", "99");
	take("gone", "net.ipv4.tcp_syn_retries", "3");
	take("gone", "net.ipv4.ip_no_pmtu_disc", "1");
	take("stays", "net.ipv4.tcp_syn_retries", "3");
	assert_int_equal(ledger_open(&l), 0);
	assert_string_equal(
		ledger_conflict(l, "new", "net.ipv4.ip_default_ttl", "70"),
		"gone");
	assert_int_equal(ledger_release_lab(l, "gone", collect, &w, &n), 0);
	assert_int_equal(n, 3);
	/* Its own keys are back; the shared one is the other lab's now. */
	assert_null(ledger_conflict(l, "new", "net.ipv4.ip_default_ttl", "70"));
	assert_string_equal(
		ledger_conflict(l, "new", "net.ipv4.tcp_syn_retries", "5"),
		"stays");
	assert_int_equal(ledger_release_lab(l, "gone", collect, &w, &n), 0);
	assert_int_equal(n, 0);
	assert_int_equal(ledger_close(l), 0);
	expect_sysctl("net.ipv4.ip_default_ttl", "64");
	expect_sysctl("net.ipv4.ip_no_pmtu_disc", "0");
	expect_sysctl("net.ipv4.tcp_syn_retries", "3");
	assert_int_equal(w.n, 0);
	assert_int_equal(ledger_open(&l), 0);
	assert_int_equal(ledger_release_lab(l, "stays", collect, &w, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(ledger_close(l), 0);
	expect_sysctl("net.ipv4.tcp_syn_retries", "6");
	assert_int_equal(access("/run/nstopo/.host-sysctl", F_OK), -1);
	sb_free(&w.text);
}

static void test_ip_forward_spreads(void **state)
{
	struct warnings w = { 0 };
	struct ledger *l;
	bool restored;

	KERNEL_ONLY(state);
	set("net.ipv4.ip_forward", "0");
	set("net.ipv4.conf.all.accept_redirects", "0");
	set("net.ipv4.conf.lo.forwarding", "1"); /* the host's own */
	take("a", "net.ipv4.ip_forward", "1");
	/* What the kernel did with the write. */
	expect_sysctl("net.ipv4.conf.default.forwarding", "1");
	expect_sysctl("net.ipv4.conf.all.accept_redirects", "0");
	set("net.ipv4.conf.lo.forwarding", "0"); /* by hand, meanwhile */
	/* One key under both names: another value is a conflict, the same
	 * value joins. */
	assert_int_equal(ledger_open(&l), 0);
	assert_string_equal(
		ledger_conflict(l, "b", "net.ipv4.conf.all.forwarding", "0"),
		"a");
	assert_int_equal(
		ledger_take(l, "b", "net.ipv4.conf.all.forwarding", "0"),
		-EBUSY);
	assert_null(
		ledger_conflict(l, "b", "net.ipv4.conf.all.forwarding", "1"));
	assert_int_equal(ledger_close(l), 0);
	assert_int_equal(
		release("a", "net.ipv4.conf.all.forwarding", &w, &restored), 0);
	assert_true(restored);
	expect_sysctl("net.ipv4.ip_forward", "0");
	expect_sysctl("net.ipv4.conf.default.forwarding", "0");
	expect_sysctl("net.ipv4.conf.all.accept_redirects", "0");
	/* Changed by hand since the lab's write: kept, and said. */
	expect_sysctl("net.ipv4.conf.lo.forwarding", "0");
	assert_int_equal(w.n, 1);
	assert_non_null(strstr(
		w.text.buf,
		"sysctl net.ipv4.conf.lo.forwarding is '0' now, not the '1' lab a set (through net.ipv4.conf.all.forwarding)"));
	/* Unchanged since: the host's own value back. */
	w.n = 0;
	w.text.len = 0;
	set("net.ipv4.conf.lo.forwarding", "1");
	take("a", "net.ipv4.ip_forward", "1");
	assert_int_equal(release("a", "net.ipv4.ip_forward", &w, &restored), 0);
	expect_sysctl("net.ipv4.conf.lo.forwarding", "1");
	expect_sysctl("net.ipv4.ip_forward", "0");
	assert_int_equal(w.n, 0);
	set("net.ipv4.conf.lo.forwarding", "0");
	set("net.ipv4.conf.all.accept_redirects", "1");
	sb_free(&w.text);
}

static void test_ipv6_always_spreads(void **state)
{
	struct warnings w = { 0 };
	bool restored;

	KERNEL_ONLY(state);
	/* IPv6 copies all.forwarding on every write, even of the value it
	 * has: lo's own 1 must survive a lab that sets 0 over 0. */
	set("net.ipv6.conf.all.forwarding", "0");
	set("net.ipv6.conf.lo.forwarding", "1");
	take("a", "net.ipv6.conf.all.forwarding", "0");
	expect_sysctl("net.ipv6.conf.lo.forwarding", "0");
	assert_int_equal(
		release("a", "net.ipv6.conf.all.forwarding", &w, &restored), 0);
	expect_sysctl("net.ipv6.conf.lo.forwarding", "1");
	expect_sysctl("net.ipv6.conf.all.forwarding", "0");
	assert_int_equal(w.n, 0);
	set("net.ipv6.conf.lo.forwarding", "0");
	sb_free(&w.text);
}

int main(void)
{
	const struct CMUnitTest pure[] = {
		cmocka_unit_test(test_same),
		cmocka_unit_test(test_names),
	};
	const struct CMUnitTest kernel[] = {
		cmocka_unit_test_setup(test_last_out_restores_unchanged,
				       fresh_run),
		cmocka_unit_test_setup(test_changed_by_hand_is_left, fresh_run),
		cmocka_unit_test_setup(test_release_lab_by_name, fresh_run),
		cmocka_unit_test_setup(test_ip_forward_spreads, fresh_run),
		cmocka_unit_test_setup(test_ipv6_always_spreads, fresh_run),
	};
	int rc = cmocka_run_group_tests(pure, NULL, NULL);

	return rc | cmocka_run_group_tests(kernel, own_namespaces, NULL);
}
