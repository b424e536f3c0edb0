// SPDX-License-Identifier: MIT
/*
 * procs.c - the processes of a lab: found by their namespace and by the
 * lab's control group, and stopped when the lab (or a node) goes.
 */
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cgroup.h"
#include "netns.h"
#include "plan.h"
#include "procs.h"
#include "state.h"

#define SAY_MAX 16    /* processes named in one message, at most */
#define KILL_WAIT 2.0 /* seconds for SIGKILLed processes to be gone */

static void pause_ms(long ms)
{
	nanosleep(&(struct timespec){ .tv_nsec = ms * 1000000 }, NULL);
}

/* Is this an isolated run's sandbox, whose PID 1 is nstopo's init? */
static bool in_sandbox(void)
{
	char comm[32];

	if (getpid() == 1)
		return false;
	proc_comm(1, comm, sizeof(comm));
	return !strcmp(comm, "nstopo-init");
}

int procs_cgroup(struct state *st, const char *lab, struct lab_cg *cg,
		 struct strbuf *why)
{
	char where[400];
	int rc;

	if (cg->version || in_sandbox())
		return 0;
	rc = cg_choose(lab, cg);
	if (rc) {
		if (rc == -ENOTSUP)
			sb_add(why,
			       "no cgroup2 hierarchy is mounted where nstopo may write, and nstopo's own v1 hierarchy cannot be mounted");
		else
			sb_printf(why, "cannot choose a control group: %s",
				  strerror(-rc));
		return rc;
	}
	/* Journaled before it exists: a destroy after a kill finds it. */
	if (st && (rc = state_cgroup(st, cg))) {
		sb_printf(why, "cannot write the journal: %s", strerror(-rc));
		cg_remove(cg, NULL);
		memset(cg, 0, sizeof(*cg));
		return rc;
	}
	rc = cg_make(cg);
	if (rc) {
		cg_describe(cg, where, sizeof(where));
		sb_printf(why, "cannot make control group %s: %s", where,
			  strerror(-rc));
		cg_remove(cg, NULL);
		memset(cg, 0, sizeof(*cg));
	}
	return rc;
}

struct victim {
	pid_t pid;
	char comm[16];
};

struct victims {
	struct victim *v;
	size_t n, cap;
};

static void add_victim(struct victims *s, pid_t pid, const char *comm)
{
	for (size_t i = 0; i < s->n; i++)
		if (s->v[i].pid == pid)
			return;
	if (s->n == s->cap) {
		s->cap = s->cap ? 2 * s->cap : 16;
		s->v = xrealloc(s->v, s->cap * sizeof(*s->v));
	}
	s->v[s->n].pid = pid;
	if (comm)
		snprintf(s->v[s->n].comm, sizeof(s->v[s->n].comm), "%s", comm);
	else
		proc_comm(pid, s->v[s->n].comm, sizeof(s->v[s->n].comm));
	s->n++;
}

/* What to stop: processes in namespaces, and groups of the lab's. */
struct target {
	ino_t *inos;
	size_t n_inos;
	char (*subs)[CG_SUB_MAX];
	size_t n_subs;
	bool whole;
};

/*
 * A namespace of that name that is not the lab's (another's, pinned
 * since) is not looked into; its node's group is the lab's whatever.
 * Only a namespace some process is in is asked whose it is (a netlink
 * request in it): most have none.
 */
static void target_init(struct run *x, struct target *t, const char *const *ns,
			size_t n, bool whole)
{
	struct ns_user *u = NULL;
	size_t n_u = n ? netns_users(&u) : 0;

	memset(t, 0, sizeof(*t));
	t->inos = xcalloc(n + 1, sizeof(*t->inos));
	t->subs = xcalloc(n + 1, sizeof(*t->subs));
	t->whole = whole;
	for (size_t i = 0; i < n; i++) {
		ino_t ino = n_u ? netns_pin_inode(ns[i]) : 0;
		bool used = false;

		for (size_t k = 0; ino && k < n_u && !used; k++)
			used = u[k].ino == ino;
		if (used && run_owns_netns(x, ns[i]) == 1)
			t->inos[t->n_inos++] = ino;
		cg_node_name(ns[i], t->subs[t->n_subs++], sizeof(t->subs[0]));
	}
	free(u);
}

static void target_free(struct target *t)
{
	free(t->inos);
	free(t->subs);
}

static bool in_inos(const struct target *t, ino_t ino)
{
	for (size_t i = 0; i < t->n_inos; i++)
		if (t->inos[i] == ino)
			return true;
	return false;
}

static void add_group(struct victims *s, const struct lab_cg *cg,
		      const char *sub, pid_t self)
{
	pid_t *pids;
	size_t n = cg_pids(cg, sub, &pids);

	for (size_t i = 0; i < n; i++)
		if (pids[i] != self)
			add_victim(s, pids[i], NULL);
	free(pids);
}

static int by_pid(const void *a, const void *b)
{
	const struct victim *x = a, *y = b;

	return (x->pid > y->pid) - (x->pid < y->pid);
}

/* Every process of @t that runs, but this one, by pid. */
static void collect(const struct run *x, const struct target *t,
		    struct victims *s)
{
	struct ns_user *u = NULL;
	size_t n = t->n_inos ? netns_users(&u) : 0;
	pid_t self = getpid();

	s->n = 0;
	for (size_t i = 0; i < n; i++)
		if (u[i].pid != self && in_inos(t, u[i].ino) &&
		    proc_running(u[i].pid))
			add_victim(s, u[i].pid, u[i].comm);
	free(u);
	if (x->cg.version && t->whole)
		add_group(s, &x->cg, NULL, self);
	for (size_t i = 0; x->cg.version && !t->whole && i < t->n_subs; i++)
		add_group(s, &x->cg, t->subs[i], self);
	if (s->n > 1)
		qsort(s->v, s->n, sizeof(*s->v), by_pid);
}

static void say(const struct run *x, const struct victims *s, const char *fmt,
		...) PRINTF(3, 4);

/* A line on stderr, then the processes: "1234 (sleep), 1240 (bird)". */
static void say(const struct run *x, const struct victims *s, const char *fmt,
		...)
{
	struct strbuf sb = { 0 };
	va_list ap;

	if (x->o->verbose < 0)
		return;
	va_start(ap, fmt);
	sb_vprintf(&sb, fmt, ap);
	va_end(ap);
	for (size_t i = 0; i < s->n && i < SAY_MAX; i++)
		sb_printf(&sb, "%s%d (%s)", i ? ", " : ": ", (int)s->v[i].pid,
			  s->v[i].comm);
	if (s->n > SAY_MAX)
		sb_printf(&sb, ", and %zu more", s->n - SAY_MAX);
	fprintf(stderr, "nstopo: %s\n", sb.buf);
	sb_free(&sb);
}

static void kill_all(const struct victims *s, int sig)
{
	for (size_t i = 0; i < s->n; i++)
		kill(s->v[i].pid, sig);
}

/* Until @t has no process or @deadline passes; true if none is left. */
static bool wait_gone(const struct run *x, const struct target *t,
		      struct victims *s, double deadline, int sig)
{
	for (;;) {
		collect(x, t, s);
		if (!s->n)
			return true;
		if (now_monotonic() > deadline)
			return false;
		if (sig)
			kill_all(s, sig);
		pause_ms(sig ? 10 : 25);
	}
}

/*
 * Stop what @t names: SIGTERM, PROCS_GRACE_MS, SIGKILL; @what says whose
 * ("left in lab L").  Without t->whole, its sub-groups go too.
 */
static void stop(struct run *x, struct target *t, const char *what)
{
	struct victims s = { 0 };
	pid_t spare;

	collect(x, t, &s);
	if (s.n) {
		say(x, &s, "stopping %zu process%s %s", s.n,
		    s.n == 1 ? "" : "es", what);
		kill_all(&s, SIGTERM);
	}
	if (s.n && !wait_gone(x, t, &s,
			      now_monotonic() + PROCS_GRACE_MS / 1000.0, 0)) {
		say(x, &s,
		    "lab %s: %zu process%s still ran after %d s: SIGKILL",
		    x->lab, s.n, s.n == 1 ? "" : "es", PROCS_GRACE_MS / 1000);
		/* cgroup.kill catches what forks meanwhile, but would take
		 * us too if we were in the group. */
		spare = cg_holds(&x->cg, getpid()) ? getpid() : 0;
		if (x->cg.version && t->whole)
			cg_kill(&x->cg, NULL, spare);
		for (size_t i = 0; x->cg.version && !t->whole && i < t->n_subs;
		     i++)
			cg_kill(&x->cg, t->subs[i], spare);
		kill_all(&s, SIGKILL);
		if (!wait_gone(x, t, &s, now_monotonic() + KILL_WAIT, SIGKILL))
			for (size_t i = 0; i < s.n; i++)
				run_warn(
					x,
					"lab %s: process %d (%s) could not be stopped",
					x->lab, (int)s.v[i].pid, s.v[i].comm);
	}
	for (size_t i = 0; x->cg.version && !t->whole && i < t->n_subs; i++)
		cg_remove(&x->cg, t->subs[i]);
	free(s.v);
}

void procs_stop(struct run *x, const char *const *ns, size_t n_ns, bool whole)
{
	struct strbuf what = { 0 };
	struct target t;

	target_init(x, &t, ns, n_ns, whole);
	sb_printf(&what, "left in lab %s", x->lab);
	stop(x, &t, what.buf);
	sb_free(&what);
	target_free(&t);
}

void procs_stop_group(struct run *x, const char *sub, const char *what)
{
	struct target t;

	target_init(x, &t, NULL, 0, false);
	snprintf(t.subs[0], sizeof(t.subs[0]), "%s", sub);
	t.n_subs = 1;
	stop(x, &t, what);
	target_free(&t);
}

/* The namespaces @p makes or deletes (pointers into @p). */
static size_t plan_namespaces(const struct plan *p, const char ***out)
{
	size_t n = 0;

	*out = xcalloc(p->n_ops + 1, sizeof(**out));
	for (size_t i = 0; i < p->n_ops; i++)
		if (p->ops[i].kind == OP_NETNS_ADD ||
		    p->ops[i].kind == OP_NETNS_DEL)
			(*out)[n++] = p->ops[i].link.ns;
	return n;
}

void procs_stop_lab(struct run *x, const struct plan *p)
{
	const char **ns;
	size_t n = plan_namespaces(p, &ns);

	procs_stop(x, ns, n, true);
	free(ns);
}

void procs_keep(struct run *x, const struct plan *p)
{
	struct victims s = { 0 };
	struct target t;
	const char **ns;
	char where[400];
	size_t n = plan_namespaces(p, &ns);
	int rc;

	if (!x->cg.version) {
		free(ns);
		return;
	}
	target_init(x, &t, ns, n, false);
	add_group(&s, &x->cg, NULL, getpid());
	for (size_t i = 0; i < s.n; i++) {
		char path[64], link[64];
		ssize_t len;

		snprintf(path, sizeof(path), "/proc/%d/ns/net",
			 (int)s.v[i].pid);
		len = readlink(path, link, sizeof(link) - 1);
		link[len > 0 ? len : 0] = '\0';
		if (len > 0 &&
		    in_inos(&t, (ino_t)strtoull(link + strcspn(link, "[") + 1,
						NULL, 10)))
			continue; /* named as its namespace goes */
		run_warn(
			x,
			"lab %s: process %d (%s) is left running (--keep-processes)",
			x->lab, (int)s.v[i].pid, s.v[i].comm);
	}
	rc = cg_release(&x->cg);
	if (rc) {
		cg_describe(&x->cg, where, sizeof(where));
		run_warn(
			x,
			"lab %s: cannot move its processes out of control group %s: %s",
			x->lab, where, strerror(-rc));
	}
	free(s.v);
	free(ns);
	target_free(&t);
}

int procs_cgroup_remove(struct run *x)
{
	char where[400];
	int rc;

	if (!x->cg.version)
		return 0;
	/* Left since it was stopped (a command started meanwhile, or a
	 * lab of host commands only, which has no namespace to go). */
	if (x->kill)
		procs_stop(x, NULL, 0, true);
	else
		cg_release(&x->cg);
	cg_describe(&x->cg, where, sizeof(where));
	rc = cg_remove(&x->cg, NULL);
	if (rc)
		run_warn(x, "lab %s: cannot remove control group %s: %s",
			 x->lab, where, strerror(-rc));
	return rc;
}

int procs_run_group(struct state *st, const char *lab, int verbose)
{
	struct strbuf why = { 0 };
	struct journal j;
	struct lab_cg cg = { 0 };
	int rc, fd = -1;

	if (!state_read(lab, &j)) {
		cg = j.cg;
		journal_free(&j);
	}
	rc = procs_cgroup(st, lab, &cg, &why);
	if (!rc && cg.version && (fd = cg_procs_open(&cg, "run")) < 0) {
		rc = fd;
		sb_printf(&why, "cannot open its control group: %s",
			  strerror(-rc));
	}
	if (rc && verbose >= 0)
		fprintf(stderr,
			"nstopo: warning: lab %s: %s: the command's processes are found only in the lab's namespaces\n",
			lab, why.buf);
	sb_free(&why);
	return fd < 0 ? -1 : fd;
}
