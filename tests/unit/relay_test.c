// SPDX-License-Identifier: MIT
/*
 * relay_test.c - the strings of a `forwards:` item: every accepted form
 * read to the address and port it names and printed back the same, every
 * refused form refused with its reason; and /proc start times.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "relay.h"

/* @text must parse to @node, @family, @addr, @port and print back as
 * @back (NULL: as @text). */
static void ok_at(const char *text, const char *node, int family,
		  const char *addr, unsigned port, const char *back)
{
	struct relay_endpoint ep;
	char err[160] = "", buf[RELAY_ENDPOINT_TEXT_MAX], a[INET6_ADDRSTRLEN];
	int r = relay_parse_endpoint(text, &ep, err, sizeof(err));

	if (r)
		fail_msg("'%s' refused: %s", text, err);
	assert_string_equal(ep.node, node);
	assert_int_equal(ep.addr.sa.sa_family, family);
	if (family == AF_INET6) {
		inet_ntop(AF_INET6, &ep.addr.in6.sin6_addr, a, sizeof(a));
		assert_int_equal(ntohs(ep.addr.in6.sin6_port), port);
	} else {
		inet_ntop(AF_INET, &ep.addr.in.sin_addr, a, sizeof(a));
		assert_int_equal(ntohs(ep.addr.in.sin_port), port);
	}
	assert_string_equal(a, addr);
	relay_endpoint_format(&ep, buf, sizeof(buf));
	assert_string_equal(buf, back ? back : text);
}

/* @text must be refused with a message containing @why. */
static void bad(const char *text, const char *why)
{
	struct relay_endpoint ep;
	char err[160] = "";

	if (!relay_parse_endpoint(text, &ep, err, sizeof(err)))
		fail_msg("'%s' accepted", text ? text : "(null)");
	if (!strstr(err, why))
		fail_msg("'%s': wanted '%s' in: %s", text ? text : "(null)",
			 why, err);
}

static void test_ipv4(void **state)
{
	(void)state;
	ok_at("0.0.0.0:8080", "", AF_INET, "0.0.0.0", 8080, NULL);
	ok_at("127.0.0.1:1", "", AF_INET, "127.0.0.1", 1, NULL);
	ok_at("10.0.0.80:65535", "", AF_INET, "10.0.0.80", 65535, NULL);
	ok_at("web:10.0.0.80:80", "web", AF_INET, "10.0.0.80", 80, NULL);
}

static void test_ipv6(void **state)
{
	(void)state;
	ok_at("[::1]:8080", "", AF_INET6, "::1", 8080, NULL);
	ok_at("[::]:53", "", AF_INET6, "::", 53, NULL);
	ok_at("web:[fd00::80]:80", "web", AF_INET6, "fd00::80", 80, NULL);
	ok_at("edge:[::1]:8080", "edge", AF_INET6, "::1", 8080, NULL);
	/* Printed in the canonical form. */
	ok_at("[FD00:0:0::0080]:80", "", AF_INET6, "fd00::80", 80,
	      "[fd00::80]:80");
	/* An IPv4-mapped address is IPv6. */
	ok_at("[::ffff:10.0.0.1]:80", "", AF_INET6, "::ffff:10.0.0.1", 80,
	      NULL);
}

static void test_node_names(void **state)
{
	(void)state;
	/* A node may look like an address: the colons decide. */
	ok_at("10.0.0.1:10.0.0.2:80", "10.0.0.1", AF_INET, "10.0.0.2", 80,
	      NULL);
	ok_at("a_b.c-d:[::1]:80", "a_b.c-d", AF_INET6, "::1", 80, NULL);
	ok_at("n2345678901234567890123456789012:[::1]:1",
	      "n2345678901234567890123456789012", AF_INET6, "::1", 1, NULL);
	bad("n23456789012345678901234567890123:[::1]:1",
	    "longer than 32 characters");
	bad(":10.0.0.1:80", "empty node name");
	bad("-web:10.0.0.1:80", "character '-' is not allowed");
	bad("we b:10.0.0.1:80", "character ' ' is not allowed");
	bad("web/x:[::1]:80", "character '/' is not allowed");
}

static void test_ports(void **state)
{
	(void)state;
	bad("127.0.0.1:0", "port 0 is out of range (1-65535)");
	/* as the file's schema says: a port is written without leading zeros */
	bad("127.0.0.1:0080", "port '0080' has a leading zero");
	bad("[::1]:00", "port '00' has a leading zero");
	bad("127.0.0.1:65536", "port 65536 is out of range");
	bad("127.0.0.1:99999999999", "out of range");
	bad("127.0.0.1:", "missing port");
	bad("127.0.0.1:http", "port 'http' is not a number");
	bad("127.0.0.1:-1", "not a number");
	bad("127.0.0.1:+80", "not a number");
	bad("127.0.0.1:80 ", "not a number");
	bad("[::1]:", "missing port");
	bad("[::1]", "no port after ']'");
	bad("[::1]80", "expected ':' after ']'");
	bad("127.0.0.1", "has no port");
	bad("web:[::1]", "no port after ']'");
}

static void test_addresses(void **state)
{
	(void)state;
	bad("", "empty");
	bad(NULL, "empty");
	bad("::1:80", "an IPv6 address goes in brackets");
	bad("fd00::80:80", "in brackets");
	bad("web:fd00::80:80", "in brackets");
	bad("web:fd00:1:2:80", "in brackets");
	bad("[fe80::1%eth0]:80", "a zone (%IF) is not supported");
	bad("[10.0.0.1]:80", "'10.0.0.1' is not an IPv6 address");
	bad("[::1:80", "'[' without ']'");
	bad("256.0.0.1:80", "'256.0.0.1' is not an IPv4 address");
	bad("localhost:80", "'localhost' is not an IPv4 address");
	bad("web::80", "in brackets");
	bad("web:[]:80", "missing address");
	bad(":80", "missing address");
	/* Read as ADDR:PORT: the message says what was expected. */
	bad("web:10.0.0.1", "'web' is not an IPv4 address (expected "
			    "[NODE:]ADDR:PORT");
}

static void test_forward(void **state)
{
	struct relay_endpoint l, t;
	enum relay_proto p;
	char err[200];

	(void)state;
	assert_int_equal(relay_parse_forward("[::1]:8080", "web:[fd00::80]:80",
					     NULL, &l, &t, &p, err,
					     sizeof(err)),
			 0);
	assert_int_equal(p, RELAY_TCP);
	assert_string_equal(l.node, "");
	assert_string_equal(t.node, "web");
	assert_int_equal(relay_parse_forward("edge:0.0.0.0:53",
					     "dns:10.0.0.53:53", "udp", &l, &t,
					     &p, err, sizeof(err)),
			 0);
	assert_int_equal(p, RELAY_UDP);
	assert_string_equal(l.node, "edge");
	assert_string_equal(relay_proto_name(p), "udp");

	assert_int_equal(relay_parse_forward("[::1]:1", "web:[::1]:2", "sctp",
					     &l, &t, &p, err, sizeof(err)),
			 -EINVAL);
	assert_string_equal(err, "proto: 'sctp' is not tcp or udp");
	relay_parse_forward("[::1]:1", "[::1]:2", "tcp", &l, &t, &p, err,
			    sizeof(err));
	assert_string_equal(err, "to: '[::1]:2' names no node; expected "
				 "NODE:ADDR:PORT");
	relay_parse_forward("[::1]:1", "web:0.0.0.0:2", "tcp", &l, &t, &p, err,
			    sizeof(err));
	assert_string_equal(err,
			    "to: 'web:0.0.0.0:2' is not an address to connect "
			    "to");
	assert_int_equal(relay_parse_forward("[::1]:1", "web:[::]:2", "tcp", &l,
					     &t, &p, err, sizeof(err)),
			 -EINVAL);
	assert_int_equal(relay_parse_forward("[::1]:1", "web:[ff02::1]:2",
					     "udp", &l, &t, &p, err,
					     sizeof(err)),
			 -EINVAL);
	relay_parse_forward("224.0.0.1:1", "web:10.0.0.1:2", "udp", &l, &t, &p,
			    err, sizeof(err));
	assert_string_equal(err, "listen: '224.0.0.1:1' is a multicast or "
				 "broadcast address");
	relay_parse_forward("[::1]:0", "web:[::1]:2", "tcp", &l, &t, &p, err,
			    sizeof(err));
	assert_string_equal(err, "listen: port 0 is out of range (1-65535)");
	relay_parse_forward("[::1]:1", "web:[::1]", "tcp", &l, &t, &p, err,
			    sizeof(err));
	assert_string_equal(err, "to: no port after ']'");
}

/* A forward to its own listening socket would loop until the cap. */
static void test_forward_to_itself(void **state)
{
	struct relay_endpoint l, t;
	enum relay_proto p;
	char err[200];

	(void)state;
	relay_parse_forward("web:[fd00::80]:80", "web:[fd00::80]:80", "tcp", &l,
			    &t, &p, err, sizeof(err));
	assert_string_equal(err, "to: 'web:[fd00::80]:80' is where it listens: "
				 "the relay would connect to itself");
	assert_int_equal(relay_parse_forward("web:0.0.0.0:80",
					     "web:10.0.0.80:80", "udp", &l, &t,
					     &p, err, sizeof(err)),
			 -EINVAL);
	assert_int_equal(relay_parse_forward("web:[::]:80", "web:[fd00::80]:80",
					     "tcp", &l, &t, &p, err,
					     sizeof(err)),
			 -EINVAL);
	/* Another port, node, address or family is another socket. */
	assert_int_equal(relay_parse_forward("web:[fd00::80]:81",
					     "web:[fd00::80]:80", "tcp", &l, &t,
					     &p, err, sizeof(err)),
			 0);
	assert_int_equal(relay_parse_forward("edge:[fd00::80]:80",
					     "web:[fd00::80]:80", "tcp", &l, &t,
					     &p, err, sizeof(err)),
			 0);
	assert_int_equal(relay_parse_forward("web:10.0.0.1:80",
					     "web:10.0.0.80:80", "tcp", &l, &t,
					     &p, err, sizeof(err)),
			 0);
	assert_int_equal(relay_parse_forward("web:0.0.0.0:80",
					     "web:[fd00::80]:80", "tcp", &l, &t,
					     &p, err, sizeof(err)),
			 0);
}

/* The error buffer is optional and never overrun. */
static void test_small_error_buffer(void **state)
{
	struct relay_endpoint ep;
	char err[8];

	(void)state;
	assert_int_equal(relay_parse_endpoint("x", &ep, NULL, 0), -EINVAL);
	memset(err, 'x', sizeof(err));
	assert_int_equal(relay_parse_endpoint("::1:80", &ep, err, 4), -EINVAL);
	assert_int_equal(err[3], '\0');
	assert_int_equal(err[4], 'x');
}

static void test_start_time(void **state)
{
	uint64_t a = 0, b = 0, parent = 0;

	(void)state;
	assert_int_equal(relay_proc_start_time(getpid(), &a), 0);
	assert_true(a > 0);
	/* What ps(1) says (field 22, in ticks) for this process. */
	{
		char cmd[64], out[32] = "";
		FILE *f;

		snprintf(cmd, sizeof(cmd), "awk '{print $22}' /proc/%d/stat",
			 (int)getpid());
		f = popen(cmd, "r");
		assert_non_null(f);
		assert_non_null(fgets(out, sizeof(out), f));
		pclose(f);
		assert_int_equal(a, strtoull(out, NULL, 10));
	}
	assert_int_equal(relay_proc_start_time(getpid(), &b), 0);
	assert_true(a == b);
	/* Our parent started no later than we did. */
	assert_int_equal(relay_proc_start_time(getppid(), &parent), 0);
	assert_true(parent <= a);
	assert_int_equal(relay_proc_start_time(0x3fffffff, &a), -ESRCH);
	/* Not this process, at another start time. */
	struct relay_proc rp = { .pid = getpid(), .start = b + 1 };
	assert_false(relay_alive(&rp));
	rp.start = b;
	assert_true(relay_alive(&rp));
	assert_int_equal(relay_stop(&(struct relay_proc){ .pid = getpid(),
							  .start = b + 1 },
				    10),
			 -ESRCH);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ipv4),
		cmocka_unit_test(test_ipv6),
		cmocka_unit_test(test_node_names),
		cmocka_unit_test(test_ports),
		cmocka_unit_test(test_addresses),
		cmocka_unit_test(test_forward),
		cmocka_unit_test(test_forward_to_itself),
		cmocka_unit_test(test_small_error_buffer),
		cmocka_unit_test(test_start_time),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
