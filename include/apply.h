/* SPDX-License-Identifier: MIT */
#ifndef NSTOPO_APPLY_H
#define NSTOPO_APPLY_H

#include "run.h"

/**
 * apply_ops() - run the ops of @p in order, journaling each (x->st)
 * @x:		the run
 * @p:		the plan; ops learn what they must keep (old values)
 * @failed:	the index of the op that failed (undoing: the last one);
 *		left as it is if none did, so set it to SIZE_MAX first
 *
 * Stops at the first failure, unless undoing (x->undo), when it goes on
 * and undoes all it can.  Waits for the writer thread at the end: a
 * write queued before the failed op fails the run first.
 * Return: 0, or the failure's -errno (and why in x->why); undoing,
 * -EIO if any op failed.
 */
int apply_ops(struct run *x, struct plan *p, size_t *failed);

/**
 * apply_undo() - undo ops [0, @n) of @p: run their inverse (plan_invert())
 * @kill:	stop processes left in the lab's namespaces first
 *
 * The undoing ops are not journaled (x->st is dropped); "already gone"
 * counts as done.  res->undone counts the ops undone.
 * Return: 0 if everything was undone, else -EIO (with warnings).
 */
int apply_undo(struct run *x, const struct plan *p, size_t n, bool kill);

/**
 * run_record_learned() - journal @op again, now that it is made, with what
 * its run learnt (a relay's pid): the record replaces the one written
 * before it ran (state_read())
 * @x:		the run; @op is one of x->plan's ops
 * @op:		the op
 *
 * Written at once (state_flush()); nothing without a journal (x->st).
 * Return: 0 or -errno.
 */
int run_record_learned(struct run *x, const struct op *op);

/**
 * apply_started() - how many ops of @p a rollback must undo when op
 * @failed failed (an adoption that started counts: it gives back)
 * Return: the count.
 */
size_t apply_started(const struct plan *p, size_t failed);

#endif
