/* SPDX-License-Identifier: MIT */
#ifndef NSTOPO_RECONCILE_H
#define NSTOPO_RECONCILE_H

#include <stdio.h>

#include "run.h"

struct state;
struct journal;

/*
 * An edit of a running lab: what a plan (an edited file's) changes in
 * the lab its journal says is up.  Ops are matched by the object they
 * make (op_identity()): the same object made alike is kept, one that
 * changed is changed in place where the kernel allows it (op_in_place()),
 * one that changed otherwise is made again, one gone from the file is
 * removed.  A node that stays keeps its namespace, and so its processes.
 */
struct edit {
	struct plan *remove; /* ops of the lab whose objects go (copies) */
	struct plan *nodes;  /* of those, the removed nodes' netns.add */
	size_t n_new, n_changed, n_same, n_remade, n_removed;
};

/**
 * edit_compute() - what changing the lab made by @from into @to takes
 * @from:	what the lab's journal says it made
 * @to:		the new plan; each op's change (enum op_change) is set,
 *		and what a run learnt for the same object is taken over
 * @e:		what goes; edit_free() it
 */
void edit_compute(const struct plan *from, struct plan *to, struct edit *e);

/**
 * edit_free() - free what edit_compute() filled
 */
void edit_free(struct edit *e);

/**
 * edit_empty() - does @e change nothing?
 * Return: true if every op of the new plan is made already, alike, and
 * nothing goes.
 */
bool edit_empty(const struct edit *e);

/**
 * edit_print() - the edit as `plan` shows it on a running lab: "- " for
 * what goes, "~ " for what changes, "+ " for what is made, each with the
 * new file's position (FILE:LINE:COL); or one JSON object
 * @e:		the edit
 * @to:		the new plan (edit_compute() marked its ops)
 * @file:	the new file, for positions
 * @f:		where
 * @json:	JSON rather than text
 */
void edit_print(const struct edit *e, const struct plan *to, const char *file,
		FILE *f, bool json);

/**
 * lab_reconcile() - change the running lab into what @to makes, all or
 * nothing
 * @x:		the run (x->lab is the lab's)
 * @st:		the lab's state, locked; its journal is appended to, and
 *		replaced by one of @to once the change is done
 * @j:		what the lab's journal says
 * @to:		the new plan (ops learn what they must keep)
 * @file:	the file @to comes from, for the journal
 * @msg:	on failure, what failed and why
 *
 * New and changed objects first (links made again go before them, to
 * free their names), then the nodes gone from the file, with their
 * processes.  If a step fails, what was done is undone and what was
 * removed made again: the lab is as it was.  A kill at any point leaves
 * a journal of everything that may exist, so destroy removes it all and
 * another apply finishes the change.
 * Return: 0, or the failure's -errno (x->res->kept if even going back
 * failed: the journal is kept, destroy --lab removes the lab).
 */
int lab_reconcile(struct run *x, struct state *st, struct journal *j,
		  struct plan *to, const char *file, struct strbuf *msg);

#endif
