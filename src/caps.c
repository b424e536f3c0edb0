// SPDX-License-Identifier: MIT
/*
 * caps.c - capabilities (libcap) and resource limits.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/resource.h>

#include "caps.h"
#include "util.h"

int caps_require_admin(char *missing, size_t len)
{
	static const cap_value_t need[] = { CAP_NET_ADMIN, CAP_SYS_ADMIN };
	cap_t caps = cap_get_proc();
	size_t used = 0;

	missing[0] = '\0';
	if (!caps)
		return -errno;
	for (size_t i = 0; i < ARRAY_SIZE(need); i++) {
		cap_flag_value_t v = CAP_CLEAR;

		cap_get_flag(caps, need[i], CAP_EFFECTIVE, &v);
		if (v == CAP_SET)
			continue;
		char *name = cap_to_name(need[i]);

		used += (size_t)snprintf(
			missing + used, len > used ? len - used : 0, "%s%s",
			used ? " and " : "", name ? name : "?");
		cap_free(name);
	}
	cap_free(caps);
	return missing[0] ? -EPERM : 0;
}

long raise_nofile(long need)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl))
		return -1;
	if (rl.rlim_cur != RLIM_INFINITY && (long)rl.rlim_cur < need) {
		if (rl.rlim_max != RLIM_INFINITY && (long)rl.rlim_max < need)
			rl.rlim_max = (rlim_t)need; /* needs CAP_SYS_RESOURCE */
		rl.rlim_cur = (rlim_t)need;
		if (setrlimit(RLIMIT_NOFILE, &rl)) {
			getrlimit(RLIMIT_NOFILE, &rl);
			rl.rlim_cur = rl.rlim_max;
			setrlimit(RLIMIT_NOFILE, &rl);
		}
		getrlimit(RLIMIT_NOFILE, &rl);
	}
	return rl.rlim_cur == RLIM_INFINITY ? need : (long)rl.rlim_cur;
}
