// SPDX-License-Identifier: MIT
/*
 * writer_test.c - sysctl writes on a second thread (writer.h), against
 * the kernel, in namespaces of the test's own (kernel.h): the writes land
 * in the namespace each names, in order; writer_drain() waits for them
 * and leaves the thread for the next ones (a new thread would copy every
 * pin in /run/netns with its mount namespace); a failed write is
 * reported with its tag, and the writes after it still happen;
 * writer_finish() ends the thread.
 */
#include <dirent.h>
#include <fcntl.h>
#include <sched.h>
#include <stdlib.h>
#include <unistd.h>

#include "helpers.h"
#include "kernel.h"

#include "netns.h"
#include "writer.h"

static int home = -1;
static struct writer *writer;

static int own_namespaces(void **state)
{
	int rc = own_namespaces_for(state, "writer_test");

	if (!rc && *state && netns_prepare())
		return -1;
	return rc;
}

static int open_home(void **state)
{
	(void)state;
	home = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	return home < 0;
}

static int stop_writer(void **state)
{
	size_t tag;

	(void)state;
	writer_finish(&writer, &tag);
	netns_delete("w1");
	netns_delete("w2");
	netns_delete("w3");
	close(home);
	home = -1;
	return 0;
}

/* The threads of this process. */
static size_t threads(void)
{
	DIR *d = opendir("/proc/self/task");
	struct dirent *e;
	size_t n = 0;

	assert_non_null(d);
	while ((e = readdir(d)))
		n += e->d_name[0] != '.';
	closedir(d);
	return n;
}

/* A new namespace pinned at /run/netns/@name; the caller stays home. */
static void make_ns(const char *name)
{
	int fd;

	assert_int_equal(netns_create(name, &fd), 0);
	close(fd);
	assert_int_equal(setns(home, CLONE_NEWNET), 0);
}

/* net.ipv4.ip_forward in namespace @name. */
static long forward_in(const char *name)
{
	struct strbuf v = { 0 };
	char path[64];
	long n;
	int fd;

	snprintf(path, sizeof(path), NETNS_RUN_DIR "/%s", name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	assert_true(fd >= 0);
	assert_int_equal(setns(fd, CLONE_NEWNET), 0);
	close(fd);
	assert_int_equal(sysctl_read_whole("net.ipv4.ip_forward", &v), 0);
	assert_int_equal(setns(home, CLONE_NEWNET), 0);
	n = strtol(v.buf, NULL, 10);
	sb_free(&v);
	return n;
}

/* Queue @key=@value in namespace @ns, with @tag. */
static void queue(const char *ns, const char *key, const char *value,
		  size_t tag)
{
	assert_int_equal(writer_queue(&writer, 8, ns, key, value, tag), 0);
}

static void test_drain_keeps_the_thread(void **state)
{
	size_t tag = 99, before = threads();

	KERNEL_ONLY(state);
	make_ns("w1");
	make_ns("w2");
	queue("w1", "net.ipv4.ip_forward", "1", 0);
	assert_non_null(writer);
	queue("w2", "net.ipv4.ip_forward", "1", 1);
	assert_int_equal(writer_drain(writer, &tag), 0);
	assert_int_equal(tag, 99); /* set only on failure */
	assert_int_equal(forward_in("w1"), 1);
	assert_int_equal(forward_in("w2"), 1);
	/* One thread more, the writer, which stays after a drain. */
	assert_int_equal(threads(), before + 1);

	/* The same thread takes the next batch, in a namespace pinned
	 * after it copied our mounts (it finds it through our /run/netns). */
	make_ns("w3");
	queue("w1", "net.ipv4.ip_forward", "0", 2);
	queue("w3", "net.ipv4.ip_forward", "1", 3);
	assert_int_equal(writer_drain(writer, &tag), 0);
	assert_int_equal(forward_in("w1"), 0);
	assert_int_equal(forward_in("w2"), 1);
	assert_int_equal(forward_in("w3"), 1);
	assert_int_equal(threads(), before + 1);

	assert_int_equal(writer_finish(&writer, &tag), 0);
	assert_null(writer);
	/* Joined; its /proc entry goes a moment after it has exited (up to
	 * seconds on a machine busy freeing namespaces). */
	for (int i = 0; i < 1000 && threads() != before; i++)
		usleep(10000);
	assert_int_equal(threads(), before);
}

static void test_drain_reports_a_failure(void **state)
{
	size_t tag = 99;

	KERNEL_ONLY(state);
	make_ns("w1");
	queue("w1", "net.ipv4.ip_forward", "1", 0);
	queue("w1", "net.ipv4.no_such_key", "1", 1);
	queue("w1", "net.ipv4.ip_forward", "0", 2);
	assert_true(writer_drain(writer, &tag) < 0);
	assert_int_equal(tag, 1);
	/* Writes go on after a failure: the caller undoes them all. */
	assert_int_equal(forward_in("w1"), 0);
	tag = 99;
	assert_true(writer_finish(&writer, &tag) < 0);
	assert_int_equal(tag, 1);
}

static void test_nothing_queued(void **state)
{
	size_t tag = 99;

	(void)state;
	assert_int_equal(writer_drain(NULL, &tag), 0);
	assert_int_equal(writer_finish(&writer, &tag), 0);
	assert_int_equal(tag, 99);
}

#define WRITER_TEST(f) \
	cmocka_unit_test_setup_teardown(f, open_home, stop_writer)

int main(void)
{
	const struct CMUnitTest kernel[] = {
		WRITER_TEST(test_drain_keeps_the_thread),
		WRITER_TEST(test_drain_reports_a_failure),
		WRITER_TEST(test_nothing_queued),
	};

	return cmocka_run_group_tests(kernel, own_namespaces, NULL);
}
