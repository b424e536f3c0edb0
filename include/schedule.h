/* SPDX-License-Identifier: MIT */
#ifndef NSTOPO_SCHEDULE_H
#define NSTOPO_SCHEDULE_H

#include "run.h"

/**
 * schedule_defer() - give op @i of @p to the writer thread, if it may go
 * @x:		the run (its writer is started at the first write)
 * @p:		the plan being run
 * @i:		the op
 *
 * Only sysctl writes in namespaces the run made go, and only where what
 * follows may overlap them (a new namespace).
 * Return: true if the writer has it (the caller must not run it).
 */
bool schedule_defer(struct run *x, const struct plan *p, size_t i);

/**
 * schedule_passes() - may @op run while the writer has work?
 *
 * Only if it cannot depend on a queued write: a new namespace, another
 * write, or a link change in a new namespace that has no write queued
 * (lo, as the plan has it).
 * Return: true if it may.
 */
bool schedule_passes(const struct run *x, const struct op *op);

/**
 * schedule_drain() - wait until the writer has written all it was given
 * @tag:	on failure, the index of the op whose write failed
 *
 * The writer thread stays for the next writes (writer_drain()), in a
 * new batch; after a failure it ends.
 * Return: 0, or the first failed write's -errno.
 */
int schedule_drain(struct run *x, size_t *tag);

/**
 * schedule_settle() - schedule_drain(), and the writer thread ends
 * @tag:	on failure, the index of the op whose write failed
 *
 * Return: 0, or the first failed write's -errno.
 */
int schedule_settle(struct run *x, size_t *tag);

#endif
