/* SPDX-License-Identifier: MIT */
#ifndef NSTOPO_APPLY_H
#define NSTOPO_APPLY_H

#include <signal.h>

#include "plan.h"

struct apply_opts {
	bool keep;		     /* apply: leave a failed lab as it is */
	bool kill;		     /* destroy: stop processes left in the
					     lab's namespaces (rollback always
					     does) */
	int verbose;		     /* -1 quiet, 0 normal, 1 verbose */
	bool progress;		     /* draw progress on stderr */
	volatile sig_atomic_t *stop; /* set by a signal: stop, roll back */
	const char *file;	     /* the topology file, for the journal */
	size_t fault_at;	     /* testing: fail step N (1-based) */
	double wait;		     /* apply: seconds to wait for links,
					     addresses and router advertisements;
					     0: do not wait */
	bool ready;		     /* without wait: still wait (a while)
					     until links and addresses work */
};

/* What a run did, for the summary line. */
struct apply_result {
	size_t ops_done, ops_total;
	size_t undone; /* ops undone by a rollback */
	size_t namespaces, links;
	double seconds;
	bool nothing_to_do; /* apply: already up; destroy: not applied */
	bool kept;	    /* apply failed and --keep left it */
	size_t warnings;
};

/*
 * lab_apply() - make a plan real, or leave the machine as it was
 * @p:		the compiled plan (p->lab names the lab)
 * @msg:	on failure, what failed and why
 *
 * Takes the lab's lock, refuses if a planned namespace or host interface
 * exists that is not the lab's, journals each op before making it, and
 * on any failure undoes what was done (unless o->keep).
 * Return: 0, -EALREADY if applied from another plan, -EBUSY if locked,
 * -EEXIST on an ownership conflict, other -errno for a failed op.
 */
int lab_apply(struct plan *p, const struct apply_opts *o,
	      struct apply_result *res, struct strbuf *msg);

/*
 * lab_destroy() - undo everything the lab's journal says it made
 * Works without the topology file.  Objects already gone are fine; host
 * links that do not carry the lab's mark are left alone.
 */
int lab_destroy(const char *lab, const struct apply_opts *o,
		struct apply_result *res, struct strbuf *msg);

#endif
