/* SPDX-License-Identifier: MIT */
#ifndef NSTOPO_TEST_KERNEL_H
#define NSTOPO_TEST_KERNEL_H

/*
 * For the unit tests that run against the kernel: a network and mount
 * namespace of the test's own, with a tmpfs on /run, so neither the
 * machine's network nor its /run is touched.  Without the right to make
 * them those tests skip, except in CI (CI=true), where that fails.
 */
#include <errno.h>
#include <sched.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>

/*
 * A cmocka group set-up: *state is non-NULL if the group has namespaces
 * of its own (KERNEL_ONLY() skips otherwise); @who names the test.
 */
static inline int own_namespaces_for(void **state, const char *who)
{
	const char *ci = getenv("CI");
	bool in_ci = ci && (!strcmp(ci, "true") || !strcmp(ci, "1") ||
			    !strcmp(ci, "yes"));

	if (unshare(CLONE_NEWNET | CLONE_NEWNS) ||
	    mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) ||
	    mount(who, "/run", "tmpfs", 0, "mode=0755")) {
		if (in_ci) {
			fprintf(stderr,
				"%s: cannot make namespaces in CI: %s\n", who,
				strerror(errno));
			return -1;
		}
		*state = NULL; /* the kernel tests skip */
		return 0;
	}
	*state = (void *)1;
	return 0;
}

#define KERNEL_ONLY(state)                                               \
	do {                                                             \
		if (!*(state))                                           \
			skip(); /* no namespaces of our own: not here */ \
	} while (0)

#endif
