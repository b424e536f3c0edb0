// SPDX-License-Identifier: MIT
/*
 * nl_test.c - netlink_link_sync() against the kernel, in namespaces of the
 * test's own (kernel.h): a pair's end read back by index and by name,
 * down as made; a name that is not there is -ENODEV; and after each the
 * socket is still in step (the reply and the acknowledgement are both
 * read, or the next request would get a stale answer).
 */
#include <errno.h>

#include "helpers.h"
#include "kernel.h"

#include "linkkind.h"
#include "nl.h"

static int own_namespaces(void **state)
{
	return own_namespaces_for(state, "nl_test");
}

static void make_pair(struct nlsock *nl, const char *a, const char *b)
{
	struct link_req peer = { .name = b, .ns_fd = -1 };
	struct link_req req = { .name = a, .ns_fd = -1, .peer = &peer };

	assert_int_equal(
		netlink_link_add(nl, "veth", link_kind(LK_VETH)->fill, &req),
		0);
}

static void test_sync_keeps_the_socket_in_step(void **state)
{
	struct nlsock *nl;
	struct link_info a, b;

	KERNEL_ONLY(state);
	assert_int_equal(nlsock_open(&nl), 0);
	make_pair(nl, "sync-a", "sync-b");
	assert_int_equal(netlink_link_get(nl, "sync-a", &a), 0);

	assert_int_equal(netlink_link_sync(nl, a.ifindex, NULL), 0);
	assert_int_equal(netlink_link_sync(nl, 0, "sync-b"), 0);
	assert_int_equal(netlink_link_sync(nl, 0, "no-such-link"), -ENODEV);
	assert_int_equal(netlink_link_sync(nl, 99999, NULL), -ENODEV);

	/* The next requests get their own answers. */
	assert_int_equal(netlink_link_get(nl, "sync-b", &b), 0);
	assert_string_equal(b.name, "sync-b");
	assert_false(b.up);
	assert_false(b.carrier);
	assert_int_equal(netlink_link_set(nl,
					  &(struct link_req){
						  .ifindex = a.ifindex,
						  .up = true,
						  .ns_fd = -1,
					  }),
			 0);
	assert_int_equal(netlink_link_get(nl, "sync-a", &a), 0);
	assert_true(a.up);
	assert_false(a.carrier); /* its peer is still down */
	for (int i = 0; i < 100; i++)
		assert_int_equal(netlink_link_sync(nl, a.ifindex, NULL), 0);
	assert_int_equal(netlink_link_get(nl, "lo", &a), 0);
	assert_string_equal(a.name, "lo");
	nlsock_close(nl);
}

int main(void)
{
	const struct CMUnitTest kernel[] = {
		cmocka_unit_test(test_sync_keeps_the_socket_in_step),
	};

	return cmocka_run_group_tests(kernel, own_namespaces, NULL);
}
