/* SPDX-License-Identifier: MIT */
#ifndef NSTOPO_LAB_H
#define NSTOPO_LAB_H

#include "run.h"

/**
 * lab_apply() - make a plan real, or leave the machine as it was
 * @p:		the compiled plan (p->lab names the lab)
 * @o:		options
 * @res:	what was done, for the summary line
 * @msg:	on failure, what failed and why
 *
 * Takes the lab's lock, refuses if a planned namespace or host interface
 * exists that is not the lab's, journals each op before making it, and
 * on any failure undoes what was done (unless o->keep), its processes
 * stopped first.  A lab that is up from this very plan is left as it is
 * (res->nothing_to_do).  When o->wait runs out, the lab stays up
 * (res->kept).  With o->owner (run), the journal records this process
 * as the lab's owner: killed, it leaves the lab orphaned.
 * Return: 0; -EALREADY if applied from another plan, half applied or
 * with a namespace gone; -EBUSY if locked; -EEXIST on an ownership
 * conflict; -EPERM without the capabilities; -ETIMEDOUT if o->wait ran out; -EINTR if a signal stopped
 * it; other -errno for a failed op.
 */
int lab_apply(struct plan *p, const struct apply_opts *o,
	      struct apply_result *res, struct strbuf *msg);

/**
 * lab_destroy() - undo everything the lab's journal says it made
 * @lab:	the lab's name
 * @o:		options (o->kill: stop the lab's processes, those in its
 *		namespaces and its control group, first; else leave them
 *		running, with a warning for each)
 * @res:	what was done, for the summary line
 * @msg:	on failure, what failed and why
 *
 * Works without the topology file.  Objects already gone are fine; host
 * links that do not carry the lab's mark are left alone.  The lab's
 * control group goes with it.
 * Return: 0 (res->nothing_to_do if the lab was not up); -EBUSY if
 * locked; -EIO if some of it could not be removed (warnings say what;
 * the journal is kept, so destroy can run again); or -errno.
 */
int lab_destroy(const char *lab, const struct apply_opts *o,
		struct apply_result *res, struct strbuf *msg);

/**
 * lab_takeover() - destroy lab @lab if it is orphaned: its journal names
 * a run that owned it (apply_opts.owner) and that process is gone
 * @o:		options, as for lab_destroy()
 * @res:	what was done, for the summary line
 * @msg:	on failure, what failed and why
 * @owner:	the run that owned it (0: none recorded)
 *
 * For run: what a killed run left (its command and all it forked, the
 * lab's processes, the lab) is stopped and removed, and the lab is free
 * to be applied again.  A lab that is not orphaned, is busy, or has no
 * journal is left alone: lab_apply() says what that means.
 * Return: 1 if an orphaned lab was destroyed, 0 if there was none, or
 * -errno as lab_destroy().
 */
int lab_takeover(const char *lab, const struct apply_opts *o,
		 struct apply_result *res, struct strbuf *msg, long *owner);

#endif
