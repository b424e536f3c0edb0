/* SPDX-License-Identifier: MIT */
#ifndef NSTOPO_RUN_H
#define NSTOPO_RUN_H

#include <signal.h>

#include "cgroup.h"
#include "netns.h"
#include "op.h"

/*
 * A run: what apply and destroy hold while they carry out a plan, and the
 * handles of the namespaces they work in.  The op kinds' handlers
 * (op_*.c, uplink.c) get it, and use the helpers below.
 *
 * Each namespace the run touches has a handle: an fd, a netlink socket
 * opened inside it, and a cache of ifindexes.  Only so many are open at
 * once (from the open-files limit, whatever the lab's size): the least
 * recently used is closed to open another, and opened again from its pin
 * when needed; what it knows (ifindexes, flags) stays.  In a namespace this run
 * creates nothing else can exist, so the links made there get ifindexes
 * the run chooses (one count over all such namespaces, so the two ends of
 * a pair never share one), and no op ever asks the kernel what an
 * interface is called.  The thread stays in whatever
 * namespace it last entered; only sysctl writes need to be inside (they
 * go through /proc/sys/net, which follows the thread).
 */

struct apply_opts {
	bool keep;		     /* apply: leave a failed lab as it is */
	bool kill;		     /* destroy: stop the lab's processes (in
					its namespaces and its control
					group); rollback always does */
	bool owner;		     /* apply: journal this process as the
					lab's owner (run) */
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
	size_t found;	/* destroy: objects found by the lab's marks alone */
	size_t given;	/* destroy: host settings given back by the ledger
			   alone (the journal did not name them) */
	size_t changed; /* apply of a running lab: objects made, changed,
			   made again or removed */
	bool repaired;	/* ...the same, and what drifted was set right */
	bool edit;	/* apply of a running lab (its own messages) */
};

/* A namespace the run works in. */
struct nsh {
	const char *name; /* NULL: the host */
	int fd;
	struct nlsock *nl;
	struct strmap idx; /* ifname -> ifindex */
	bool own_index;	 /* the run chooses ifindexes here (else the kernel) */
	bool created;	 /* made by this run */
	bool kept;	 /* the lab's from before: an edit keeps it */
	bool preset;	 /* made ahead with plan_ns_sysctls written */
	unsigned queued; /* == run.batch: the writer has some of its sysctls */
	struct sysctl_dirs dirs; /* for its sysctls, while the thread is in it */
	struct nsh *newer, *older; /* open handles, most recently used first */
};

struct nspool;
struct prefix_routes;
struct reaper;
struct state;
struct writer;

struct run {
	const char *lab;
	uint32_t group;
	char mark[48];
	struct arena arena;
	struct nsh host;
	struct nsh **ns;
	size_t n_ns, cap_ns;
	struct strmap ns_map;	     /* name -> index in ns */
	struct nsh *cur;	     /* the namespace the thread is in */
	struct nsh *newest, *oldest; /* open handles but the host's (LRU) */
	size_t n_open, max_open;     /* how many; how many at most */
	struct state *st;	     /* journal, or NULL */
	struct writer *writer; /* sysctls of new namespaces, being written */
	struct nspool *pool;   /* new namespaces, being made ahead */
	struct reaper *reaper; /* undo: pins being removed (netns_reap_*) */
	unsigned batch;	       /* the writer's generation, from 1 */
	bool drained;	       /* the writer has had nothing since */
	size_t ran; /* ops started, when a write failed before them */
	bool undo;
	bool going_back;  /* an edit failed: the lab is made as it was */
	bool ensure;	  /* an edit of a running lab: what exists is kept,
			    changed in place or left as it is (op->change) */
	size_t seq_base;  /* journal sequence number of the plan's op 0 */
	bool legacy;	  /* from a journal of an earlier build: fewer marks */
	bool complete;	  /* from a journal of an apply that finished */
	int fresh_max;	  /* highest ifindex in a new namespace */
	int next_ifindex; /* the next one chosen, in any new namespace: no two
			     ends of a pair share one (linkwatch handles an
			     end whose index is its peer's late, by batch) */
	struct ns_user *users;
	size_t n_users;
	bool users_scanned;
	const struct plan *plan; /* the one running */
	bool kill;		 /* stop processes left in lab namespaces */
	struct lab_cg cg;	 /* the lab's control group (procs.h) */
	bool cg_tried;		 /* apply: procs_cgroup() was called */
	/* What an edit stopped of what exec: commands started: a
	 * command's group (cg_exec_name()), or a node's (cg_node_name()):
	 * those commands run again if the plan running has them. */
	struct strmap exec_stopped;
	bool group_tried; /* destroy: the batch delete was considered */
	/* The running plan's ADDR_ADD ops by namespace (readdress() in
	 * op_route.c): each namespace's slot, the first op of each slot,
	 * and each op's next. */
	const struct plan *addrs_plan;
	struct strmap addr_first;
	size_t *addr_heads, cap_heads;
	size_t *addr_next;
	const struct apply_opts *o;
	struct apply_result *res;
	char why[320]; /* the reason of the last failure */
};

/**
 * run_init() - a run of lab @lab, in the namespace the thread is in
 * @x:		the run, filled
 * @lab:	the lab's name
 * @o:		its options
 * @res:	what it does is counted here
 *
 * Return: 0, or -errno if the thread's namespace or a netlink socket in
 * it cannot be opened (and why in x->why).
 */
int run_init(struct run *x, const char *lab, const struct apply_opts *o,
	     struct apply_result *res);

/**
 * run_fini() - go back to the run's namespace (where run_init() found the
 * thread) and close every handle; free what the run holds
 *
 * Fine after a failed run_init().
 */
void run_fini(struct run *x);

/**
 * run_warn() - a warning, counted, on stderr unless quiet
 */
void run_warn(struct run *x, const char *fmt, ...) PRINTF(2, 3);

/**
 * run_fail() - note why @err happened (with the kernel's extended ack of
 * @h's socket, if it gave one) in x->why
 * Return: @err.
 */
int run_fail(struct run *x, const struct nsh *h, int err);

/**
 * run_enter() - move the thread into namespace @h (if it is elsewhere)
 * Return: 0 or -errno.
 */
int run_enter(struct run *x, struct nsh *h);

/**
 * nsh_new() - the handle of a namespace the run has just made (or
 * opened: nsh_get())
 * @x:		the run
 * @name:	its name (copied)
 * @fd:		an fd of it, now the handle's
 *
 * Return: the handle.
 */
struct nsh *nsh_new(struct run *x, const char *name, int fd);

/**
 * nsh_arrive() - the thread is now in @h (it entered it itself)
 *
 * The sysctl handles of the namespace it left are closed (they are only
 * for use inside it), unless that is the host.
 */
void nsh_arrive(struct run *x, struct nsh *h);

/**
 * nsh_preset() - is @op a sysctl already written in its namespace when it
 * was made (nspool.h: one of plan_ns_sysctls, the same value), so that
 * running it is nothing to do?
 * @h:		the handle of @op's namespace
 * @op:		the op
 *
 * Return: true if so.
 */
bool nsh_preset(const struct nsh *h, const struct op *op);

/**
 * nsh_close() - close a handle's fd, socket and sysctl handles, and
 * forget the ifindexes it remembered
 */
void nsh_close(struct run *x, struct nsh *h);

/**
 * nsh_room() - make room for one more open handle: close the least
 * recently used (never the one the thread is in) if the run has
 * x->max_open of them
 */
void nsh_room(struct run *x);

/**
 * nsh_get() - the handle of namespace @name (NULL: the host), opened
 * from its pin if the run has none yet, or its own was closed to keep
 * within x->max_open
 *
 * The three handles got last stay open (an op may use that many at
 * once: where a link is made, its namespace and its peer's).
 * Opening one enters the namespace for its socket, and comes back.
 * Return: 0 (and *out), or -errno (-ENOENT: no such pin).
 */
int nsh_get(struct run *x, const char *name, struct nsh **out);

/**
 * nsh_find() - the handle the run has of namespace @name, if any
 * Return: the handle (the host's for a NULL @name), or NULL.
 */
struct nsh *nsh_find(const struct run *x, const char *name);

/**
 * run_owns_netns() - is namespace @ns the lab's: made by this run, or its
 * lo carries the lab's mark (or no mark, where the journal explains why),
 * or its pin is an empty file a killed run left?
 *
 * Opens a handle of it (nsh_get()) if the run has none.
 * Return: 1 if so, 0 if it is another's (carries another mark, or none
 * unexplained), or -errno (-ENOENT: no such pin).
 */
int run_owns_netns(struct run *x, const char *ns);

/**
 * run_accepts_unmarked() - whether a namespace whose lo carries no mark
 * is the lab's (see run_owns_netns())
 * @x:		the run
 *
 * Return: true if it is.
 */
bool run_accepts_unmarked(const struct run *x);

/**
 * netns_reap_start() - in an undo of @p, have threads remove the
 * pins of the namespaces it deletes (reaper.h), if it deletes enough of
 * them to pay for it; else, or if no thread starts, they are removed one
 * by one as ever
 * @x:		the run
 * @p:		the plan about to run (an inverse)
 */
void netns_reap_start(struct run *x, const struct plan *p);

/**
 * netns_reap_finish() - wait for the pins given to the threads, and tell
 * of each as the op would have: counted, warned about (a process still
 * in it; not the lab's: left alone; could not be removed)
 * @x:		the run
 *
 * Return: 0, or -EIO if a pin could not be removed.
 */
int netns_reap_finish(struct run *x);

/**
 * addr_restore() - give the lab's IPv6 address @op (an ADDR_ADD, on
 * @ifindex in @h) again if its prefix route is missing from @pr, the
 * node's prefix routes (netlink_prefix_routes()); -v prints a line for
 * each
 * Return: 0 if the route is there, 1 if the address was given again, or
 * -errno.
 */
int addr_restore(struct run *x, struct nsh *h, const struct op *op, int ifindex,
		 const struct prefix_routes *pr);

/**
 * ifindex_of() - an interface's index: remembered, or asked once
 * Return: the index, or -errno (with x->why).
 */
int ifindex_of(struct run *x, struct nsh *h, const char *name);

/**
 * nsh_remember() - note the index of an interface the run made
 */
void nsh_remember(struct run *x, struct nsh *h, const char *name, int idx);

#endif
