/* SPDX-License-Identifier: MIT */
#ifndef NSTOPO_CAPS_H
#define NSTOPO_CAPS_H

#include <stddef.h>

/**
 * caps_require_admin() - check CAP_NET_ADMIN and CAP_SYS_ADMIN are in the
 * effective set (libcap)
 * @missing, @len:	on failure, what is missing ("cap_sys_admin", or
 *			"cap_net_admin and cap_sys_admin"); "" otherwise
 *
 * Return: 0, -EPERM if either is missing, or -errno if the process's
 * capabilities cannot be read.
 */
int caps_require_admin(char *missing, size_t len);

#endif
