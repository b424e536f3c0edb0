/* SPDX-License-Identifier: MIT */
#ifndef NSTOPO_READY_H
#define NSTOPO_READY_H

#include "run.h"

/**
 * wait_ready() - wait until the lab made by ops [0, @n_ops) of @p works
 * @x:		the run that made it
 * @timeout:	seconds
 * @autoconf:	also wait for router advertisements where autoconf is on
 * @msg:	on failure, what was not ready and why
 *
 * Return: 0, -ETIMEDOUT, -EINTR (a signal asked to stop), or -errno.
 */
int wait_ready(struct run *x, const struct plan *p, size_t n_ops,
	       double timeout, bool autoconf, struct strbuf *msg);

#endif
