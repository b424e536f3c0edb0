// SPDX-License-Identifier: MIT
/*
 * nspool_test.c - namespaces made ahead on a second thread (nspool.h),
 * against the kernel, in namespaces of the test's own (kernel.h): each
 * one taken is a new network namespace, anonymous, with a netlink socket
 * inside it; the pool makes no more than asked (the caller's own count
 * too) and stays only so far ahead; what is not taken is closed when it
 * stops; and netns_pin() names
 * one at /run/netns without moving the thread.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/nsfs.h>
#include <sched.h>
#include <stdio.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "helpers.h"
#include "kernel.h"

#include "netns.h"
#include "nl.h"
#include "nspool.h"

static int own_namespaces(void **state)
{
	return own_namespaces_for(state, "nspool_test");
}

static ino_t inode_of(int fd)
{
	struct stat st;

	assert_int_equal(fstat(fd, &st), 0);
	return st.st_ino;
}

static size_t open_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	size_t n = 0;

	assert_non_null(d);
	while (readdir(d))
		n++;
	closedir(d);
	return n;
}

static size_t entries(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	size_t n = 0;

	if (!d)
		return 0;
	while ((e = readdir(d)))
		n += e->d_name[0] != '.';
	closedir(d);
	return n;
}

/*
 * @nl works inside @fd's namespace: lo's alias set through it is what a
 * socket opened inside that namespace reads back.
 */
static void assert_socket_inside(int fd, struct nlsock *nl, int home,
				 const char *mark)
{
	struct nlsock *there;
	struct link_info li;

	assert_int_equal(
		netlink_link_set(nl, &(struct link_req){ .ifindex = 1,
							 .alias = mark,
							 .ns_fd = -1 }),
		0);
	assert_int_equal(setns(fd, CLONE_NEWNET), 0);
	assert_int_equal(nlsock_open(&there), 0);
	assert_int_equal(netlink_link_get(there, "lo", &li), 0);
	assert_string_equal(li.alias, mark);
	nlsock_close(there);
	assert_int_equal(setns(home, CLONE_NEWNET), 0);
	/* ...and not in this one. */
	assert_int_equal(nlsock_open(&there), 0);
	assert_int_equal(netlink_link_get(there, "lo", &li), 0);
	assert_string_not_equal(li.alias, mark);
	nlsock_close(there);
}

static void test_takes_new_namespaces(void **state)
{
	enum { N = 5 };
	struct nspool *p;
	ino_t seen[N];
	size_t got = 0, mine = 0;
	int home, rc;

	KERNEL_ONLY(state);
	home = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	assert_true(home >= 0);
	assert_int_equal(nspool_start(&p, N, 8, home), 0);
	assert_non_null(p);
	usleep(100 * 1000); /* time to make them all (it may not) */
	while (got + mine < N) {
		struct nlsock *nl;
		int fd = nspool_take(p, &nl);
		char mark[40];

		if (fd == -EAGAIN) { /* none ready: "the caller makes it" */
			assert_null(nl);
			mine++;
			usleep(10 * 1000);
			continue;
		}
		assert_true(fd >= 0);
		assert_int_equal(ioctl(fd, NS_GET_NSTYPE), CLONE_NEWNET);
		seen[got] = inode_of(fd);
		assert_true(seen[got] != inode_of(home));
		for (size_t k = 0; k < got; k++)
			assert_true(seen[k] != seen[got]);
		assert_non_null(nl);
		snprintf(mark, sizeof(mark), "nspool-test-%zu", got);
		assert_socket_inside(fd, nl, home, mark);
		nlsock_close(nl);
		close(fd);
		got++;
	}
	assert_true(got >= 1);
	/* All asked for are made or left to the caller: no more. */
	{
		struct nlsock *nl;

		assert_int_equal(nspool_take(p, &nl), -ENOENT);
		assert_null(nl);
	}
	/* Anonymous: nothing is pinned, and the thread is still home. */
	assert_int_equal(entries(NETNS_RUN_DIR), 0);
	rc = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	assert_true(rc >= 0);
	assert_true(inode_of(rc) == inode_of(home));
	close(rc);
	nspool_stop(&p);
	assert_null(p);
	close(home);
}

/*
 * The pool stays as far ahead as it is told (two fds each: the namespace
 * and its socket), and what is not taken is closed when it stops.
 */
static void test_ahead_and_stop(void **state)
{
	struct nspool *p;
	struct nlsock *nl = NULL;
	size_t before;
	int home, fd = -1;

	KERNEL_ONLY(state);
	home = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	assert_true(home >= 0);
	before = open_fds();
	assert_int_equal(nspool_start(&p, 6, 2, home), 0);
	for (int i = 0; i < 500 && open_fds() < before + 4; i++)
		usleep(10 * 1000);
	usleep(50 * 1000); /* had it gone on, it would have by now */
	assert_int_equal(open_fds(), before + 4);
	for (int i = 0; i < 100 && (fd = nspool_take(p, &nl)) == -EAGAIN; i++)
		usleep(10 * 1000);
	assert_true(fd >= 0);
	assert_non_null(nl);
	/* One taken: it makes another to stay two ahead. */
	for (int i = 0; i < 500 && open_fds() < before + 6; i++)
		usleep(10 * 1000);
	assert_int_equal(open_fds(), before + 6);
	nspool_stop(&p);
	/* Only the one taken (its fd and its socket) is left. */
	assert_int_equal(open_fds(), before + 2);
	assert_int_equal(ioctl(fd, NS_GET_NSTYPE), CLONE_NEWNET);
	nlsock_close(nl);
	close(fd);
	assert_int_equal(open_fds(), before);
	nspool_stop(&p); /* twice: nothing */
	close(home);
}

/* A pool asked for none makes none. */
static void test_none_asked(void **state)
{
	struct nspool *p;
	struct nlsock *nl;
	int home;

	KERNEL_ONLY(state);
	home = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	assert_true(home >= 0);
	assert_int_equal(nspool_start(&p, 0, 8, home), 0);
	assert_int_equal(nspool_take(p, &nl), -ENOENT);
	nspool_stop(&p);
	close(home);
}

/* netns_pin() names a namespace made elsewhere; the thread stays. */
static void test_pin(void **state)
{
	struct stat st;
	int home, fd, here;

	KERNEL_ONLY(state);
	assert_int_equal(netns_prepare(), 0);
	home = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	assert_true(home >= 0);
	/* A namespace of another thread's making: here, one made and left. */
	assert_int_equal(unshare(CLONE_NEWNET), 0);
	fd = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	assert_true(fd >= 0);
	assert_int_equal(setns(home, CLONE_NEWNET), 0);

	assert_int_equal(netns_pin("pinned", fd), 0);
	assert_int_equal(stat(NETNS_RUN_DIR "/pinned", &st), 0);
	assert_true(st.st_ino == inode_of(fd));
	here = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	assert_true(here >= 0);
	assert_true(inode_of(here) == inode_of(home));
	close(here);
	/* A name taken is not taken over, and nothing is left of the try. */
	assert_int_equal(netns_pin("pinned", home), -EEXIST);
	assert_int_equal(stat(NETNS_RUN_DIR "/pinned", &st), 0);
	assert_true(st.st_ino == inode_of(fd));
	/* Not a namespace: refused, no pin left. */
	here = open("/", O_RDONLY | O_CLOEXEC);
	assert_true(netns_pin("not-one", here) < 0);
	close(here);
	assert_int_equal(access(NETNS_RUN_DIR "/not-one", F_OK), -1);
	assert_int_equal(netns_delete("pinned"), 0);
	assert_int_equal(entries(NETNS_RUN_DIR), 0);
	close(fd);
	close(home);
}

int main(void)
{
	const struct CMUnitTest kernel[] = {
		cmocka_unit_test(test_takes_new_namespaces),
		cmocka_unit_test(test_ahead_and_stop),
		cmocka_unit_test(test_none_asked),
		cmocka_unit_test(test_pin),
	};

	return cmocka_run_group_tests(kernel, own_namespaces, NULL);
}
