/*
 * nsmake.c - can the kernel make namespaces (and veth pairs) faster from
 * two threads than from one?  Research scratch for issue 15.
 *   scripts/sandbox.sh bench/research/nsmake ns N THREADS
 *       each thread: unshare(CLONE_NEWNET), pin it (bind mount of
 *       /proc/thread-self/ns/net on /run/netns/nI), lo up through a
 *       netlink socket of that namespace, setns back; N in all
 *   scripts/sandbox.sh bench/research/nsmake veth N THREADS
 *       N namespaces made first (one thread, not timed), then THREADS
 *       threads, each with its own netlink socket here, create the N
 *       veth pairs (vI here, eth0 in nI) and set vI up
 * Prints the wall time of the timed part.
 */
#include "rnl.h"
#include <pthread.h>
#include <sys/mount.h>
#include <sys/stat.h>

static int n, nthreads, home;
static int *nsfd;
static const char *what;

static void make_one(int i)
{
	char path[64];
	int f, s;

	snprintf(path, sizeof(path), "/run/netns/n%d", i);
	if (unshare(CLONE_NEWNET) < 0)
		DIE("unshare: %s", strerror(errno));
	f = open(path, O_RDONLY | O_CREAT | O_EXCL, 0);
	if (f < 0)
		DIE("%s: %s", path, strerror(errno));
	close(f);
	if (mount("/proc/thread-self/ns/net", path, "none", MS_BIND, NULL) < 0)
		DIE("mount: %s", strerror(errno));
	nsfd[i] = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	s = nl_open(0);
	if (link_set(s, 1, IFF_UP, IFF_UP, -1))
		DIE("lo up");
	close(s);
}

static void *worker(void *arg)
{
	long t = (long)arg;
	int s = -1;

	if (!strcmp(what, "veth"))
		s = nl_open(0);
	for (int i = t; i < n; i += nthreads) {
		if (!strcmp(what, "ns")) {
			make_one(i);
		} else {
			char name[32];
			int rc;

			snprintf(name, sizeof(name), "v%d", i);
			rc = veth_add(s, name, 0, -1, "eth0", 0, nsfd[i]);
			if (rc)
				DIE("veth %d: %s", i, strerror(-rc));
		}
	}
	if (!strcmp(what, "ns") && setns(home, CLONE_NEWNET) < 0)
		DIE("setns: %s", strerror(errno));
	return NULL;
}

int main(int argc, char **argv)
{
	pthread_t th[16];
	double t0, t1;

	if (argc < 4)
		DIE("usage: nsmake ns|veth N THREADS");
	what = argv[1];
	n = atoi(argv[2]);
	nthreads = atoi(argv[3]);
	nsfd = calloc(n, sizeof(int));
	home = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	mkdir("/run/netns", 0755);
	if (!strcmp(what, "veth")) {
		for (int i = 0; i < n; i++)
			make_one(i);
		setns(home, CLONE_NEWNET);
	}
	t0 = now();
	for (long t = 0; t < nthreads; t++)
		pthread_create(&th[t], NULL, worker, (void *)t);
	for (int t = 0; t < nthreads; t++)
		pthread_join(th[t], NULL);
	t1 = now();
	printf("nsmake %s n=%d threads=%d: %.3f s\n", what, n, nthreads, t1 - t0);
	return 0;
}
