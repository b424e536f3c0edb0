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

/**
 * raise_nofile() - raise RLIMIT_NOFILE to at least @need if the hard limit
 * allows (or can be raised: CAP_SYS_RESOURCE)
 * @need:	the number of files wanted open at once
 *
 * Where @need cannot be had, the soft limit goes as high as the hard one.
 * Return: the soft limit now in force (@need if it is unlimited), or -1
 * if the limit cannot be read.
 */
long raise_nofile(long need);

#endif
