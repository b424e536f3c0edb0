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

#include "ledger.h"
#include "netns.h"
#include "nl.h"
#include "nspool.h"

/* The pool of the test running: stopped by stop_pool() whatever happens. */
static struct nspool *pool;
static int home = -1;

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
static void assert_socket_inside(int fd, struct nlsock *nl, const char *mark)
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

/* Sysctls each namespace is made with: not the kernel's defaults. */
static const struct plan_sysctl set[] = {
	{ "net.ipv6.conf.default.accept_ra", "0" },
	{ "net.ipv6.conf.all.keep_addr_on_down", "1" },
};

/* @key reads @want inside namespace @fd. */
static void assert_sysctl_in(int fd, const char *key, const char *want)
{
	struct strbuf v = { 0 };

	assert_int_equal(setns(fd, CLONE_NEWNET), 0);
	assert_int_equal(sysctl_read_whole(key, &v), 0);
	assert_int_equal(setns(home, CLONE_NEWNET), 0);
	assert_true(sysctl_same(v.buf, want));
	sb_free(&v);
}

static int open_home(void **state)
{
	(void)state;
	home = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	return home < 0;
}

static int stop_pool(void **state)
{
	(void)state;
	nspool_stop(&pool);
	close(home);
	home = -1;
	return 0;
}

/* net.ipv4.KEY inside namespace @fd (or here, if @fd < 0), as a number. */
static long ipv4_sysctl_in(int fd, const char *key)
{
	struct strbuf v = { 0 };
	char full[96];
	long n;

	snprintf(full, sizeof(full), "net.ipv4.%s", key);
	if (fd >= 0)
		assert_int_equal(setns(fd, CLONE_NEWNET), 0);
	assert_int_equal(sysctl_read_whole(full, &v), 0);
	if (fd >= 0)
		assert_int_equal(setns(home, CLONE_NEWNET), 0);
	n = strtol(v.buf, NULL, 10);
	sb_free(&v);
	return n;
}

static void test_takes_new_namespaces(void **state)
{
	enum { N = 5 };
	int fds[N];
	size_t got = 0, mine = 0;
	long child_ehash;
	int rc;

	KERNEL_ONLY(state);
	/* Made from home, each of them: a namespace's TCP hash size is its
	 * maker's tcp_child_ehash_entries (made from the one before, they
	 * would share the machine's hash: a negative size). */
	child_ehash = ipv4_sysctl_in(-1, "tcp_child_ehash_entries");
	assert_int_equal(
		sysctl_write("net.ipv4.tcp_child_ehash_entries", "1024"), 0);
	assert_int_equal(nspool_start(&pool, N, 8, home, set, ARRAY_SIZE(set)),
			 0);
	assert_non_null(pool);
	while (got + mine < N) {
		struct nlsock *nl;
		bool preset;
		/* The first waited for, the rest as apply takes them. */
		int fd = nspool_take(pool, &nl, &preset, !got);
		char mark[40];

		if (fd == -EAGAIN) { /* none ready: "the caller makes it" */
			assert_null(nl);
			assert_false(preset);
			mine++;
			continue;
		}
		assert_true(fd >= 0);
		fds[got] = fd;
		assert_int_equal(ioctl(fd, NS_GET_NSTYPE), CLONE_NEWNET);
		assert_true(inode_of(fd) != inode_of(home));
		for (size_t k = 0; k < got; k++) /* all open: no reuse */
			assert_true(inode_of(fds[k]) != inode_of(fd));
		assert_non_null(nl);
		snprintf(mark, sizeof(mark), "nspool-test-%zu", got);
		assert_socket_inside(fd, nl, mark);
		nlsock_close(nl);
		assert_true(preset);
		for (size_t k = 0; k < ARRAY_SIZE(set); k++)
			assert_sysctl_in(fd, set[k].key, set[k].value);
		assert_int_equal(ipv4_sysctl_in(fd, "tcp_ehash_entries"), 1024);
		got++;
	}
	assert_true(got >= 1);
	/* All asked for are made or left to the caller: no more. */
	{
		struct nlsock *nl;
		bool preset;

		assert_int_equal(nspool_take(pool, &nl, &preset, false),
				 -ENOENT);
		assert_null(nl);
		assert_int_equal(nspool_take(pool, &nl, &preset, true),
				 -ENOENT);
	}
	/* ...and home's own values are as they were. */
	{
		struct strbuf v = { 0 };

		assert_int_equal(sysctl_read_whole(
					 "net.ipv6.conf.default.accept_ra", &v),
				 0);
		assert_true(sysctl_same(v.buf, "1"));
		sb_free(&v);
	}
	/* Anonymous: nothing is pinned, and the thread is still home. */
	assert_int_equal(entries(NETNS_RUN_DIR), 0);
	rc = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	assert_true(rc >= 0);
	assert_true(inode_of(rc) == inode_of(home));
	close(rc);
	for (size_t k = 0; k < got; k++)
		close(fds[k]);
	{
		char v[24];

		snprintf(v, sizeof(v), "%ld", child_ehash);
		assert_int_equal(
			sysctl_write("net.ipv4.tcp_child_ehash_entries", v), 0);
	}
}

/*
 * The pool stays as far ahead as it is told (two fds each: the namespace
 * and its socket), and what is not taken is closed when it stops.
 */
static void test_ahead_and_stop(void **state)
{
	struct nlsock *nl = NULL;
	bool preset;
	size_t before;
	int fd;

	KERNEL_ONLY(state);
	before = open_fds();
	assert_int_equal(nspool_start(&pool, 6, 2, home, NULL, 0), 0);
	fd = nspool_take(pool, &nl, &preset, true);
	assert_true(fd >= 0);
	assert_non_null(nl);
	/* One taken: it makes two more, and stops there. */
	for (int i = 0; i < 1000 && open_fds() < before + 6; i++)
		usleep(10 * 1000);
	usleep(50 * 1000); /* had it gone on, it would have by now */
	assert_int_equal(open_fds(), before + 6);
	nspool_stop(&pool);
	/* Only the one taken (its fd and its socket) is left. */
	assert_int_equal(open_fds(), before + 2);
	assert_int_equal(ioctl(fd, NS_GET_NSTYPE), CLONE_NEWNET);
	nlsock_close(nl);
	close(fd);
	assert_int_equal(open_fds(), before);
	nspool_stop(&pool); /* twice: nothing */
}

/*
 * Taken at once, the only one asked for: either it is on its way (then
 * waited for) or the caller makes it; never both.
 */
static void test_no_more_than_asked(void **state)
{
	struct nlsock *nl = NULL;
	bool preset;
	size_t before;
	int fd;

	KERNEL_ONLY(state);
	before = open_fds();
	assert_int_equal(nspool_start(&pool, 1, 8, home, NULL, 0), 0);
	fd = nspool_take(pool, &nl, &preset, false);
	assert_true(fd >= 0 || fd == -EAGAIN);
	/* Either way, that was the one: no other comes. */
	{
		struct nlsock *other = NULL;

		assert_int_equal(nspool_take(pool, &other, &preset, true),
				 -ENOENT);
		assert_null(other);
	}
	nspool_stop(&pool);
	assert_int_equal(open_fds(), before + (fd >= 0 ? 1 + (nl != NULL) : 0));
	nlsock_close(nl);
	if (fd >= 0)
		close(fd);
}

/* A sysctl that cannot be written: the namespace comes, not preset. */
static void test_preset_fails(void **state)
{
	static const struct plan_sysctl bad[] = {
		{ "net.ipv6.conf.default.accept_ra", "0" },
		{ "net.ipv4.no_such_key", "1" },
	};
	struct nlsock *nl = NULL;
	bool preset = true;
	int fd;

	KERNEL_ONLY(state);
	assert_int_equal(nspool_start(&pool, 1, 1, home, bad, ARRAY_SIZE(bad)),
			 0);
	fd = nspool_take(pool, &nl, &preset, true);
	assert_true(fd >= 0);
	assert_false(preset);
	assert_int_equal(ioctl(fd, NS_GET_NSTYPE), CLONE_NEWNET);
	nlsock_close(nl);
	close(fd);
}

/* A pool asked for none makes none. */
static void test_none_asked(void **state)
{
	struct nlsock *nl;
	bool preset;

	KERNEL_ONLY(state);
	assert_int_equal(nspool_start(&pool, 0, 8, home, NULL, 0), 0);
	assert_int_equal(nspool_take(pool, &nl, &preset, true), -ENOENT);
}

/* netns_pin() names a namespace made elsewhere; the thread stays. */
static void test_pin(void **state)
{
	struct stat st;
	int fd, here;

	KERNEL_ONLY(state);
	assert_int_equal(netns_prepare(), 0);
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
}

#define POOL_TEST(f) cmocka_unit_test_setup_teardown(f, open_home, stop_pool)

int main(void)
{
	const struct CMUnitTest kernel[] = {
		POOL_TEST(test_takes_new_namespaces),
		POOL_TEST(test_ahead_and_stop),
		POOL_TEST(test_no_more_than_asked),
		POOL_TEST(test_preset_fails),
		POOL_TEST(test_none_asked),
		POOL_TEST(test_pin),
	};

	return cmocka_run_group_tests(kernel, own_namespaces, NULL);
}
