/* SPDX-License-Identifier: MIT */
#ifndef NSTOPO_HOSTS_H
#define NSTOPO_HOSTS_H

#include <signal.h>

#include "plan.h"

/*
 * A lab spread over machines (`hosts:`): each machine's share, and one
 * command that runs every share, in parallel, each where it belongs.
 * The run functions return the exit status of the command (nstopo(8)).
 */

/* How a command runs on every host of a lab. */
struct hosts_opts {
	const char *remote; /* --remote CMD; NULL: $NSTOPO_REMOTE, else ssh */
	int verbose;	    /* -1 quiet, 0 normal, 1 verbose */
	bool json;
	bool keep;	 /* apply: a failed share leaves the others up */
	bool keep_procs; /* destroy: leave the lab's processes running */
	double wait;
	bool no_wait;	  /* apply: return at the last acknowledgement */
	const char *inst; /* --prefix: the instance, on every host too */
	volatile sig_atomic_t *stop; /* set by a signal: stop the shares */
};

/**
 * hosts_load() - read a topology file (standard input for "-") once, and
 * load it
 * @path:	the file
 * @inst:	the instance (--prefix), or NULL: the lab itself
 * @text:	its text, kept to hand on to other machines
 * @d:		every error found goes here
 *
 * Return: the topology, or NULL if it has errors (or cannot be read).
 */
struct topo *hosts_load(const char *path, const char *inst, struct strbuf *text,
			struct diags *d);

/**
 * hosts_plan() - the plan a command works with: the whole lab, or with
 * @host the share of that host (split.h)
 * @t:		the topology
 * @host:	a name of t->hosts, or NULL
 * @out:	the plan; plan_free() it
 * @msg:	why not, on failure
 *
 * Return: 0, or -ENOENT if @t has no such host (or no `hosts:` at all).
 */
int hosts_plan(const struct topo *t, const char *host, struct plan **out,
	       struct strbuf *msg);

/**
 * hosts_fan_out() - does a command on @t run on its hosts, or here?
 * @t:		the topology
 * @host:	--host, or NULL
 * @msg:	why neither works, on failure
 *
 * Here: without `hosts:`, with --host (one share, here), or when every
 * host's address is this machine's (the lab is on one machine, as if it
 * had no hosts).  On its hosts: otherwise, when at most one of them is
 * this machine (that one runs here, the others over ssh).
 * Return: 1 on the hosts, 0 here, -EINVAL if some but not all hosts are
 * this machine.
 */
int hosts_fan_out(const struct topo *t, const char *host, struct strbuf *msg);

/* A command run on every host of a lab: its exit status. */
typedef int (*hosts_run_fn)(const struct topo *t, const struct strbuf *text,
			    const struct hosts_opts *o);

/**
 * hosts_apply() - `apply` of every share, in parallel, all or nothing:
 * if one fails, the others are destroyed
 * @t:		the topology
 * @text:	its file, given to each share on its standard input
 * @o:		options
 *
 * Each share runs `nstopo apply --host NAME -`: here if its host's
 * address is this machine's, else as `CMD DEST nstopo ...` (CMD is
 * o->remote, $NSTOPO_REMOTE or ssh; DEST the host's `ssh:`, or its
 * name).  Every line a share prints is printed with "NAME: " before it.
 * Return: 0 if every share is up, 1 if one failed (and the rest was
 * rolled back, unless o->keep), 2 if a share found the file invalid.
 */
int hosts_apply(const struct topo *t, const struct strbuf *text,
		const struct hosts_opts *o);

/**
 * hosts_destroy() - `destroy --lab LAB` on every host, in parallel
 * @t:		the topology
 * @text:	unused (a hosts_run_fn)
 * @o:		options
 *
 * Return: 0 if the lab is down everywhere, else 1.
 */
int hosts_destroy(const struct topo *t, const struct strbuf *text,
		  const struct hosts_opts *o);

/**
 * hosts_status() - `status --host NAME -` on every host, in parallel,
 * and the answers merged: the lines of each (with its name), a line for
 * the whole lab, or with o->json one object {"lab", "drift", "hosts":
 * [{"host", "exit", "status"}]}
 * @t:		the topology
 * @text:	its file
 * @o:		options
 *
 * Return: 0 if every share is as planned, 4 if none is up, 1 if a host
 * could not tell, else 3 (drift, or up on some hosts only).
 */
int hosts_status(const struct topo *t, const struct strbuf *text,
		 const struct hosts_opts *o);

/**
 * hosts_list() - `list` on every host of @t, in parallel: each line with
 * the host's name, or with o->json [{"host", "exit", "labs"}]
 * @t:		the topology
 * @text:	unused (a hosts_run_fn)
 * @o:		options
 *
 * Return: 0, or 1 if a host did not answer.
 */
int hosts_list(const struct topo *t, const struct strbuf *text,
	       const struct hosts_opts *o);

#endif
