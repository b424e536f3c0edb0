/* SPDX-License-Identifier: MIT */
#ifndef NSTOPO_CAPS_H
#define NSTOPO_CAPS_H

#include <stddef.h>

/*
 * caps_require_admin() - check CAP_NET_ADMIN and CAP_SYS_ADMIN are in the
 * effective set (libcap); on failure @missing names what is missing.
 * Return: 0 or -EPERM.
 */
int caps_require_admin(char *missing, size_t len);

/* Raise RLIMIT_NOFILE to at least @need if the hard limit allows (or can
 * be raised); return the soft limit now in force. */
long raise_nofile(long need);

#endif
