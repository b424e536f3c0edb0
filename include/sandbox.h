/* SPDX-License-Identifier: MIT */
#ifndef NSTOPO_SANDBOX_H
#define NSTOPO_SANDBOX_H

#include <stdbool.h>
#include <stddef.h>

#include "topo.h"
#include "util.h"

/*
 * A sandbox for a whole run (run --isolated, shell): new mount, network,
 * PID, UTS and IPC namespaces, and, for a caller without CAP_NET_ADMIN and
 * CAP_SYS_ADMIN, a user namespace that maps the caller to root.  Its
 * network namespace plays the lab's host; /run is a tmpfs of its own;
 * nstopo's init is PID 1 of its PID namespace.  Everything made inside
 * goes when the sandbox ends, however the run ends.
 */

struct sandbox_opts {
	bool userns; /* a user namespace even when the caller is privileged */
};

/**
 * sandbox_enter() - go on inside a sandbox of our own
 * @o:		options (NULL: the defaults)
 * @msg:	why it failed
 *
 * The caller forks the sandbox's init and stays outside, waiting for it;
 * init forks the worker and reaps every process of the sandbox.  The
 * caller passes SIGINT, SIGTERM, SIGHUP and SIGQUIT on to init, and init
 * to the worker (not those a terminal sent: its whole process group has
 * them already).  When the worker ends, init exits with its status and
 * the kernel kills every other process of the sandbox; when the caller
 * dies, by any signal, init is killed (PR_SET_PDEATHSIG) and so is the
 * rest.  Call it before any other thread exists.
 *
 * Return: 0 in the worker, inside the sandbox; -errno in the caller if
 * the sandbox could not be made (nothing was: the caller may be in a new
 * user namespace, with nothing in it).  Once the sandbox runs, the
 * caller and init do not return: they _exit() with the worker's exit
 * status, or 128 + N if it was killed by signal N.
 */
int sandbox_enter(const struct sandbox_opts *o, struct strbuf *msg);

/**
 * sandbox_check() - what in @t needs the real host, which a sandbox has not
 * @t:		a valid topology
 * @d:		one error per such key, at its position
 *
 * The machine's own interfaces are not in the sandbox's network
 * namespace: a host bridge's port that the file does not make (ports:,
 * adopt:), a macvlan, ipvlan or vlan whose parent is such an interface,
 * and a host sysctl of such an interface cannot work there.
 * Return: how many errors were added.
 */
size_t sandbox_check(const struct topo *t, struct diags *d);

/**
 * sandbox_userns_hint() - say which setting forbids user namespaces
 * @proc_sys:	where the sysctls are ("/proc/sys"; another root for tests)
 * @msg:	gets ": " and the reason, the setting and how to allow it
 *
 * Reads user.max_user_namespaces, Debian's
 * kernel.unprivileged_userns_clone and Ubuntu's
 * kernel.apparmor_restrict_unprivileged_userns, those that exist, and
 * names each one that forbids an unprivileged user namespace; if none
 * does, what else may.
 */
void sandbox_userns_hint(const char *proc_sys, struct strbuf *msg);

#endif
