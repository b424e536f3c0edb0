/* SPDX-License-Identifier: MIT */
#ifndef NSTOPO_PROCS_H
#define NSTOPO_PROCS_H

#include "cgroup.h"
#include "run.h"

struct op;
struct plan;
struct state;

/*
 * The processes of a lab: those in its namespaces (found in /proc by
 * their network namespace) and those in its control group (cgroup.h:
 * everything its exec: commands and run's command started, wherever it
 * went since).  Destroy, a rollback, and a reconcile that removes a node
 * stop them: SIGTERM, PROCS_GRACE_MS to exit, then SIGKILL, saying which
 * on stderr (unless quiet).
 *
 * The run's x->cg is the lab's group: set from the journal (j.cg) by
 * destroy, made by the first exec: command of an apply (procs_cgroup()).
 */

/* How long processes have to exit after SIGTERM, before SIGKILL. */
#define PROCS_GRACE_MS 3000

/**
 * procs_cgroup() - give the lab a control group if it has none (@cg is
 * unset): chosen (cg_choose()), journaled in @st (if not NULL), then made
 * @st:		the lab's journal, locked, or NULL
 * @lab:	the lab's name
 * @cg:		the lab's group; filled if made
 * @why:	why there is none, on failure
 *
 * Inside an isolated run's sandbox (its PID 1 is nstopo's init) no group
 * is made: its PID namespace holds every process of the lab, and the
 * kernel ends them all with it.
 * Return: 0 (cg->version is 0 if none was needed); -ENOTSUP if the
 * kernel offers no hierarchy nstopo may use; or -errno (the journal could
 * not be written, the group not made).
 */
int procs_cgroup(struct state *st, const char *lab, struct lab_cg *cg,
		 struct strbuf *why);

/**
 * procs_stop() - stop processes of the lab: those in namespaces @ns
 * (their pins' names) and those of its group (x->cg) that belong to
 * them (their nodes' sub-groups), or, with @whole, all of its group
 * @x:		the run (x->lab, x->cg, x->o->verbose)
 * @ns, @n_ns:	namespaces, by name; may be none
 * @whole:	the whole group: destroy, a rollback
 *
 * For a reconcile that removes a node: procs_stop(x, &ns, 1, false)
 * before the node's namespace goes.  SIGTERM goes to every process
 * found; those still there after PROCS_GRACE_MS (and any forked
 * meanwhile) get SIGKILL (cgroup.kill where it can).  Which (pid,
 * command) is said on stderr unless quiet; what cannot be stopped is a
 * warning.  Without @whole, the nodes' sub-groups are removed.  The
 * calling process is never one of them.
 */
void procs_stop(struct run *x, const char *const *ns, size_t n_ns, bool whole);

/**
 * procs_stop_group() - stop the processes of sub-group @sub of the lab's
 * group (one start-up command's: cg_exec_name(); a node's), as
 * procs_stop() does, and remove the sub-group
 * @what:	whose they are, for the message ("stopping N processes
 *		WHAT: PID (COMM), ...")
 *
 * Nothing is done if the lab has no group, or @sub is not there.
 */
void procs_stop_group(struct run *x, const char *sub, const char *what);

/**
 * exec_stopped() - did this run (an edit) stop what exec op @op's command
 * started: its own group's processes, or all of its node's (op_exec.c,
 * exec.stop)?  Such a command runs again if the plan running has it.
 * Return: true if so.
 */
bool exec_stopped(const struct run *x, const struct op *op);

/**
 * procs_stop_lab() - procs_stop() of every namespace @p makes (or
 * deletes), and of the whole group
 */
void procs_stop_lab(struct run *x, const struct plan *p);

/**
 * procs_keep() - destroy --keep-processes: the processes of the lab's
 * group are moved out of it (cg_release()), and each one that is not in
 * a namespace of @p is named in a warning (those that are are named as
 * their namespace goes)
 */
void procs_keep(struct run *x, const struct plan *p);

/**
 * procs_cgroup_remove() - remove the lab's group, once the lab is gone;
 * what still runs in it is stopped first (x->kill) or moved out of it
 *
 * Return: 0, or -errno (warned about: the group could not go).
 */
int procs_cgroup_remove(struct run *x);

/**
 * procs_run_group() - for run: the group its command joins (sub-group
 * "run" of the lab's), the lab's group made first if it has none
 * @st:		the lab's journal, locked
 * @lab:	the lab's name
 * @verbose:	-1: quiet; else a lab without a group is warned about
 *
 * Return: an fd for cg_enter(), or -1 if there is no group to join.
 */
int procs_run_group(struct state *st, const char *lab, int verbose);

#endif
