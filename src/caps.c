// SPDX-License-Identifier: MIT
/*
 * caps.c - capabilities (libcap) and resource limits.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/capability.h>

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
