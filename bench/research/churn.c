/*
 * churn.c - load for the research runs: make M namespaces, each with a
 * veth pair inside, then drop them all at once (the kernel frees them
 * in cleanup_net, taking RTNL in batches), and again, for SECS seconds.
 * Run it in its own sandbox, beside the measured one:
 *   scripts/sandbox.sh bench/research/churn 2000 60 &
 */
#include "rnl.h"

int main(int argc, char **argv)
{
	int m = argc > 1 ? atoi(argv[1]) : 2000;
	double secs = argc > 2 ? atof(argv[2]) : 60, end = now() + secs;
	int home = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	int *fd = calloc(m, sizeof(int)), rounds = 0;

	while (now() < end) {
		double t = now();

		for (int i = 0; i < m; i++)
			fd[i] = -1;

		for (int i = 0; i < m && now() < end; i++) {
			int s;

			if (unshare(CLONE_NEWNET) < 0)
				DIE("unshare: %s", strerror(errno));
			fd[i] = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
			s = nl_open(0);
			veth_add(s, "x0", 0, -1, "x1", 0, -1);
			link_set(s, 1, IFF_UP, IFF_UP, -1);
			close(s);
		}
		setns(home, CLONE_NEWNET);
		for (int i = 0; i < m; i++)
			if (fd[i] >= 0)
				close(fd[i]);
		fprintf(stderr, "churn: round %d: %d namespaces made and dropped in %.2f s\n",
			++rounds, m, now() - t);
		/* let the kernel free them while we wait a little */
		usleep(200000);
	}
	return 0;
}
