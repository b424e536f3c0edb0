/* SPDX-License-Identifier: MIT */
#ifndef NSTOPO_NSPOOL_H
#define NSTOPO_NSPOOL_H

#include <stdbool.h>
#include <stddef.h>

#include "plan.h"

struct nlsock;

/*
 * New network namespaces, made ahead on a second thread while the caller
 * works in the ones it already has.  They are anonymous: an fd each, no
 * pin, nothing in them but what the kernel puts in every namespace and the
 * sysctls the caller asks for; one the caller never takes is gone when
 * the pool closes its fd.  So what
 * exists under a name is still only what the caller pinned itself, in
 * its own order (its journal's).
 */
struct nspool;

/**
 * nspool_start() - start making @n namespaces, a few ahead of the caller
 * @out:	the pool, or NULL if there is none (no thread)
 * @n:		how many the caller will take at most
 * @ahead:	how many at most may be made and not taken yet (each holds
 *		two fds: the namespace's and its socket's); 1 to 8
 * @home:	an fd of the namespace to make them from (the caller's),
 *		open while the pool is
 * @set:	sysctls to write in each (plan_ns_sysctls), kept by the
 *		caller while the pool is
 * @n_set:	how many
 *
 * Return: 0, or -errno if no thread could be started (*out is NULL).
 */
int nspool_start(struct nspool **out, size_t n, size_t ahead, int home,
		 const struct plan_sysctl *set, size_t n_set);

/**
 * nspool_take() - the next namespace made, if one is ready
 * @p:		the pool
 * @nl:		set to a netlink socket opened inside it (now the caller's),
 *		or NULL if there is none
 * @preset:	set to true if the sysctls nspool_start() was given are all
 *		written in it
 * @wait:	if none is ready, wait for the next (else -EAGAIN, but for
 *		the last one, which it waits for if it is being made)
 *
 * The pool makes no more than nspool_start() was asked for, the
 * caller's own counted.
 * Return: an fd of it, now the caller's; or -errno: -EAGAIN if none is
 * ready yet and @wait is false (the caller makes this one itself, the
 * thread one fewer), or another if the thread makes no more: it was asked
 * for no more, or could not make one (why: the caller, making it itself,
 * learns it again).
 */
int nspool_take(struct nspool *p, struct nlsock **nl, bool *preset, bool wait);

/**
 * nspool_stop() - stop the thread; close the namespaces not taken (the
 * kernel frees them) and free the pool; *p is NULL after it
 */
void nspool_stop(struct nspool **p);

#endif
