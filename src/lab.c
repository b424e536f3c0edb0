// SPDX-License-Identifier: MIT
/*
 * lab.c - a lab's life: apply (all or nothing), destroy; the checks
 * before anything is made, and the lab's lock.
 */
#include <errno.h>
#include <limits.h>
#include <string.h>
#include <unistd.h>

#include "apply.h"
#include "caps.h"
#include "lab.h"
#include "ledger.h"
#include "marks.h"
#include "nl.h"
#include "opkind.h"
#include "plan.h"
#include "procs.h"
#include "ready.h"
#include "reconcile.h"
#include "relay.h"
#include "schedule.h"
#include "state.h"
#include "status.h"

/* The run is over: the writer thread has finished, every handle closes. */
static void finish(struct run *x)
{
	size_t tag;

	schedule_settle(x, &tag); /* apply_ops() has; now it is sure */
	run_fini(x);
}

struct name_set {
	struct strmap names;
	struct arena arena;
};

static int collect_name(const struct link_info *li, void *arg)
{
	struct name_set *s = arg;

	strmap_put(&s->names, arena_strdup(&s->arena, li->name), li->ifindex);
	return 0;
}

/* Refuse, before anything changes, to take over what is not the lab's. */
static int check_ownership(struct run *x, const struct plan *p,
			   struct strbuf *msg)
{
	struct name_set host = { 0 };
	bool dumped = false;
	int rc = 0;

	/* The namespaces first, the lab's own names, wherever the plan has
	 * them (among the links, compile.c). */
	for (size_t i = 0; i < p->n_ops; i++) {
		const struct op *op = &p->ops[i];

		if (op->kind == OP_NETNS_ADD && netns_exists(op->link.ns)) {
			sb_printf(
				msg,
				"namespace %s already exists (" NETNS_RUN_DIR
				"/%s) and is not part of lab %s: nothing was changed",
				op->link.ns, op->link.ns, x->lab);
			return -EEXIST;
		}
	}
	for (size_t i = 0; i < p->n_ops && !rc; i++) {
		const struct op *op = &p->ops[i];
		const char *name = NULL;

		if (op->kind != OP_LINK_ADD)
			continue;
		if (!op->link.ns)
			name = op->link.name;
		else if (link_kind_pair(op->type) && !op->peer.ns)
			name = op->peer.name;
		if (!name)
			continue;
		if (!dumped) {
			rc = netlink_link_dump(x->host.nl, collect_name, &host);
			dumped = true;
			if (rc) {
				sb_printf(msg,
					  "cannot list host interfaces: %s",
					  strerror(-rc));
				break;
			}
		}
		if (strmap_get(&host.names, name) > 0) {
			sb_printf(
				msg,
				"interface %s already exists in the host namespace and is not part of lab %s: nothing was changed",
				name, x->lab);
			rc = -EEXIST;
		}
	}
	strmap_free(&host.names);
	arena_free(&host.arena);
	return rc;
}

/*
 * Refuse, before anything changes, a host setting another lab holds with
 * another value (the ledger, ledger.h): the two labs could not both work.
 */
static int check_host_settings(const struct run *x, const struct plan *p,
			       struct strbuf *msg)
{
	struct ledger *l = NULL;
	int rc = 0;

	for (size_t i = 0; i < p->n_ops && !rc; i++) {
		const struct op *op = &p->ops[i];
		const char *holders;

		if (op->kind != OP_SYSCTL_SET || op_ns(op) || op->own)
			continue;
		if (!l && (rc = ledger_open(&l))) {
			sb_printf(
				msg,
				"cannot read the host's ledger of shared settings (" STATE_DIR
				"/.host-sysctl): %s",
				strerror(-rc));
			break;
		}
		holders = ledger_conflict(l, x->lab, op->key, op->value);
		if (holders) {
			sb_printf(
				msg,
				"host sysctl %s is held at another value by lab %s; lab %s wants %s: nothing was changed",
				op->key, holders, x->lab, op->value);
			rc = -EBUSY;
		}
	}
	ledger_close(l);
	return rc;
}

static void warn_left(void *arg, const char *msg)
{
	run_warn(arg, "%s", msg);
}

/*
 * Every host setting the host's ledger says the lab holds, released
 * whatever its journal said (after the journal's own restores: what is
 * left, a journal lost, empty, damaged or cut short did not name): the
 * last holder of a key puts its original back.  A ledger that cannot be
 * read is warned about; nothing is acted on then.
 * Return: 0, or -errno of a key that could not be written back (it stays
 * in the ledger, the lab's, for destroy to try again).
 */
static int release_host_settings(struct run *x)
{
	struct ledger *l;
	size_t n = 0;
	int rc = ledger_open(&l);

	if (rc) {
		run_warn(
			x,
			"cannot read the host's ledger of shared settings (" STATE_DIR
			"/.host-sysctl): %s: the host settings lab %s holds are not given back",
			strerror(-rc), x->lab);
		return 0;
	}
	rc = ledger_release_lab(l, x->lab, warn_left, x, &n);
	if (ledger_close(l) && !rc)
		rc = -EIO;
	if (rc)
		run_warn(x,
			 "lab %s: a host setting could not be given back: %s",
			 x->lab, strerror(-rc));
	x->res->given += n;
	return rc;
}

/* Namespace handles are cached within the open-files limit (run.h):
 * a lab of any size needs only the capabilities. */
static int preflight(struct strbuf *msg)
{
	char missing[96];

	if (caps_require_admin(missing, sizeof(missing))) {
		sb_printf(msg, "this needs %s (run it as root)",
			  missing[0] ? missing :
				       "CAP_NET_ADMIN and CAP_SYS_ADMIN");
		return -EPERM;
	}
	return 0;
}

/*
 * When the last lab is gone, take away the /run/netns nstopo made for it
 * (directory and mount), so nothing of nstopo is left; one that was there
 * before, or that holds anyone else's namespaces, stays.
 */
static void tidy_run_dirs(void)
{
	char **labs;
	size_t n = state_list(&labs);

	for (size_t i = 0; i < n; i++)
		free(labs[i]);
	free(labs);
	if (n || !state_made_netns_dir())
		return;
	if (!netns_remove_run_dir())
		state_forget_netns_dir();
}

static int lock_lab(struct state *st, const char *lab, struct strbuf *msg)
{
	long holder = 0;
	int rc = state_lock(st, lab, &holder);

	if (rc == -EWOULDBLOCK) {
		sb_printf(
			msg,
			"lab %s is busy: another nstopo (pid %ld) is changing it",
			lab, holder);
		return -EBUSY;
	}
	if (rc)
		sb_printf(msg, "cannot lock lab %s in " STATE_DIR ": %s", lab,
			  state_strerror(rc));
	return rc;
}

/*
 * Is the running lab as @p makes it: the same plan, and nothing drifted?
 * (The kernel is read without a procfs of its own: pins may follow.)
 */
static bool up_as_planned(const struct plan *p, const struct journal *j)
{
	struct strbuf msg = { 0 };
	struct status s;
	bool same =
		j->complete && plan_equal(p, j->plan) &&
		!lab_status_of(p->lab, NULL, STATUS_KEEP_MOUNTS, &s, &msg) &&
		!s.counts[ST_MISSING] && !s.counts[ST_DIFFERENT] &&
		!s.counts[ST_EXTRA];

	if (j->complete && plan_equal(p, j->plan))
		status_free(&s);
	sb_free(&msg);
	return same;
}

/*
 * Apply of a lab that is up (or was cut short): change it in place into
 * what @p makes (reconcile.c), after the same checks as a new lab's, for
 * what is new.
 */
static int apply_edit(struct run *x, struct state *st, struct journal *j,
		      struct plan *p, const struct apply_opts *o,
		      struct strbuf *msg)
{
	struct plan *fresh = plan_new(p->lab);
	struct edit e;
	int rc;

	edit_compute(j->plan, p, &e);
	for (size_t i = 0; i < p->n_ops; i++)
		if (p->ops[i].change == OPC_NEW)
			*plan_push(fresh, p->ops[i].kind, op_ns(&p->ops[i])) =
				p->ops[i];
	edit_free(&e);
	rc = check_ownership(x, fresh, msg);
	plan_free(fresh);
	if (!rc)
		rc = check_host_settings(x, p, msg);
	if (!rc)
		rc = lab_reconcile(x, st, j, p, o->file ? o->file : "-", msg);
	return rc;
}

int lab_apply(struct plan *p, const struct apply_opts *o,
	      struct apply_result *res, struct strbuf *msg)
{
	double t0 = now_monotonic();
	struct journal j;
	struct state st;
	struct run x;
	size_t failed = SIZE_MAX;
	bool journal;
	int rc;

	memset(res, 0, sizeof(*res));
	res->ops_total = p->n_ops;
	rc = preflight(msg);
	if (rc)
		return rc;
	rc = lock_lab(&st, p->lab, msg);
	if (rc)
		return rc;
	rc = state_read(p->lab, &j);
	journal = !rc;
	if (journal && j.destroying) {
		sb_printf(
			msg,
			"lab %s is half-destroyed (a destroy was interrupted): run 'nstopo destroy --lab %s' first",
			p->lab, p->lab);
		rc = -EALREADY;
	} else if (journal && up_as_planned(p, &j)) {
		res->nothing_to_do = true;
		rc = 0;
	} else {
		rc = rc == -ENOENT ? 0 : rc;
	}
	if (rc || res->nothing_to_do) {
		if (journal)
			journal_free(&j);
		state_unlock(&st);
		return rc;
	}
	rc = run_init(&x, p->lab, o, res);
	if (rc)
		sb_add(msg, x.why);
	/* Noted before it is made: a run killed in between must not leave
	 * a /run/netns that no destroy takes away.  (If another program
	 * makes it meanwhile, it is still only removed when empty.) */
	if (!rc && access(NETNS_RUN_DIR, F_OK))
		state_note_netns_dir();
	if (!rc && (rc = netns_prepare()))
		sb_printf(msg, "cannot prepare " NETNS_RUN_DIR ": %s",
			  rc == -ENOTDIR ? "it exists and is not a directory" :
					   strerror(-rc));
	if (journal) {
		/* A running lab: changed in place, or as it was. */
		x.legacy = j.version < 2;
		x.complete = j.complete;
		x.cg = j.cg; /* its processes (procs.h) */
		res->edit = true;
		if (!rc)
			rc = apply_edit(&x, &st, &j, p, o, msg);
		journal_free(&j);
		/* The change is made whatever the wait finds: a signal or a
		 * timeout there leaves it made (res->kept), and says so. */
		if (!rc && (o->wait > 0 || o->ready)) {
			rc = wait_ready(&x, p, p->n_ops,
					o->wait > 0 ? o->wait :
						      plan_settle_max(p),
					o->wait > 0, msg);
			res->kept = rc != 0;
			if (rc == -EINTR)
				sb_add(msg,
				       " while waiting for the lab to be usable (the change is made)");
			else if (rc == -ETIMEDOUT && o->wait > 0)
				sb_add(msg, " (the change is made)");
		}
		if (rc == -ETIMEDOUT && o->wait <= 0) {
			run_warn(&x, "%s (the lab is up)", msg->buf);
			msg->len = 0;
			res->kept = false;
			rc = 0;
		}
		finish(&x);
		state_unlock(&st);
		res->seconds = now_monotonic() - t0;
		return rc;
	}
	if (!rc)
		rc = check_ownership(&x, p, msg);
	if (!rc)
		rc = check_host_settings(&x, p, msg);
	if (!rc && (rc = state_begin(&st, o->file ? o->file : "-")))
		sb_printf(msg, "cannot write the journal: %s", strerror(-rc));
	/* run: the lab is this process's until it ends; if it is killed,
	 * the lab is orphaned (journal_orphaned()). */
	if (!rc && o->owner && (rc = state_owner(&st, getpid())))
		sb_printf(msg, "cannot write the journal: %s", strerror(-rc));
	if (rc) {
		finish(&x);
		state_remove(&st);
		state_unlock(&st);
		tidy_run_dirs();
		return rc;
	}
	x.st = &st;
	x.plan = p;
	rc = apply_ops(&x, p, &failed);
	if (!rc) {
		state_mark(&st, "complete");
		/* Every step is acknowledged: the kernel finishes carrier and
		 * IPv6 start-up in its own workers.  --wait waits for that,
		 * and for router advertisements; run for the first. */
		if (o->wait > 0 || o->ready)
			rc = wait_ready(&x, p, p->n_ops,
					o->wait > 0 ? o->wait :
						      plan_settle_max(p),
					o->wait > 0, msg);
		if (rc == -ETIMEDOUT && o->wait <= 0) {
			run_warn(&x, "%s (the lab is up)", msg->buf);
			msg->len = 0;
			rc = 0;
		}
		res->kept = rc == -ETIMEDOUT; /* up, only not ready in time */
		if (res->kept)
			sb_add(msg, " (the lab is up)");
		/* Interrupted while waiting: all or nothing, as for a step. */
		if (rc && !res->kept) {
			procs_stop_lab(&x, p);
			if (apply_undo(&x, p, p->n_ops, true) ||
			    release_host_settings(&x)) {
				res->kept = true;
			} else {
				procs_cgroup_remove(&x);
				state_remove(&st);
			}
		}
	} else {
		struct op *op = &p->ops[failed];

		sb_printf(msg, "step %zu of %zu failed: ", failed + 1,
			  p->n_ops);
		op_format(op, msg);
		if (op->pos.line)
			sb_printf(msg, " (%s:%u:%u)", o->file ? o->file : "-",
				  op->pos.line, op->pos.col);
		sb_printf(msg, ": %s", x.why);
		/* Its processes first, as destroy does: all at once. */
		if (!o->keep)
			procs_stop_lab(&x, p);
		if (o->keep) {
			res->kept = true;
		} else if (apply_undo(&x, p,
				      x.ran ? x.ran : apply_started(p, failed),
				      true) ||
			   release_host_settings(&x)) {
			sb_printf(
				msg,
				"\nrollback was incomplete: see the warnings; 'nstopo destroy --lab %s' retries it",
				p->lab);
			res->kept = true;
		} else {
			procs_cgroup_remove(&x);
			state_remove(&st);
		}
	}
	finish(&x);
	state_unlock(&st);
	if (rc && !res->kept)
		tidy_run_dirs();
	res->seconds = now_monotonic() - t0;
	return rc;
}

/*
 * What still carries the lab's mark after its journal's ops were undone
 * (a journal lost, empty or damaged, or an object renamed): removed too,
 * through the same handlers, as a plan of what made them.  Destroy never
 * says "down" while something marked remains.
 */
static int sweep(struct run *x, const char *lab, bool kill,
		 struct apply_result *res, struct strbuf *msg)
{
	struct plan *p = plan_new(lab);
	char log[PATH_MAX];
	struct marked m;
	int rc = marks_find(lab, &m);

	/* A relay that logs to the lab's log is the lab's, recorded or not. */
	state_relay_log(lab, log, sizeof(log));
	if (!rc && relay_find(log, NULL, 0) > 0)
		plan_push(p, OP_RELAY_START, NULL);

	for (size_t i = 0; !rc && i < m.n_links; i++) {
		struct op *op = plan_push(p, OP_LINK_ADD, NULL);

		op->link.name = m.links[i].name;
		op->mark = true;
	}
	for (size_t i = 0; !rc && i < m.n_ns; i++)
		plan_push(p, OP_NETNS_ADD, m.ns[i].name);
	if (!rc && p->n_ops) {
		size_t done = res->undone;

		res->found = p->n_ops;
		/* These are proven by their marks alone. */
		x->legacy = false;
		x->complete = true;
		rc = apply_undo(x, p, p->n_ops, kill);
		res->undone += done;
		marked_free(&m);
		if (!rc)
			rc = marks_find(lab, &m);
		if (!rc && (m.n_ns || m.n_links)) {
			sb_printf(
				msg,
				"%zu namespace%s and %zu host link%s still carry lab %s's mark",
				m.n_ns, m.n_ns == 1 ? "" : "s", m.n_links,
				m.n_links == 1 ? "" : "s", lab);
			rc = -EBUSY;
		}
	}
	if (rc && !msg->len)
		sb_printf(msg, "cannot look for what carries lab %s's mark: %s",
			  lab, strerror(-rc));
	marked_free(&m);
	plan_free(p);
	return rc;
}

/* Records of the journal that do not check: reported, not acted on. */
static void report_damage(struct run *x, const struct journal *j)
{
	struct strbuf lines = { 0 };

	if (!j->n_damaged && !j->no_header)
		return;
	for (size_t i = 0; i < j->n_damaged && i < ARRAY_SIZE(j->damaged_at);
	     i++)
		sb_printf(&lines, "%s%zu", i ? ", " : "", j->damaged_at[i]);
	if (j->n_damaged)
		run_warn(
			x,
			"the journal of lab %s has %zu record%s that do%s not check (line %s%s): not acted on; what the lab made is found by its marks",
			x->lab, j->n_damaged, j->n_damaged == 1 ? "" : "s",
			j->n_damaged == 1 ? "es" : "", lines.buf,
			j->n_damaged > ARRAY_SIZE(j->damaged_at) ? "..." : "");
	else
		run_warn(
			x,
			"the journal of lab %s is empty or has no header: what the lab made is found by its marks",
			x->lab);
	sb_free(&lines);
}

/*
 * Destroy, with the lab's lock held: its processes first (stopped, or
 * with --keep-processes moved out of its control group), then what the
 * journal names, then what still carries its mark, then the host
 * settings the ledger says it holds, then its group.
 */
static int destroy_locked(struct state *st, const char *lab,
			  const struct apply_opts *o, struct apply_result *res,
			  struct strbuf *msg)
{
	double t0 = now_monotonic();
	struct journal j;
	struct run x;
	bool journal;
	int rc;

	memset(res, 0, sizeof(*res));
	rc = state_read(lab, &j);
	journal = !rc;
	if (rc && rc != -ENOENT) {
		sb_printf(msg, "cannot read the journal of lab %s: %s", lab,
			  state_strerror(rc));
		return rc;
	}
	if (!journal) {
		memset(&j, 0, sizeof(j));
		j.plan = plan_new(lab);
		j.version = JOURNAL_VERSION_NOW;
	}
	rc = preflight(msg);
	if (!rc && (rc = run_init(&x, lab, o, res))) {
		sb_add(msg, x.why);
		run_fini(&x);
	}
	if (rc) {
		journal_free(&j);
		return rc;
	}
	x.legacy = j.version < 2;
	x.complete = j.complete;
	x.cg = j.cg;
	x.kill = o->kill;
	if (journal) {
		report_damage(&x, &j);
		state_mark(st, "destroying");
	}
	if (journal && journal_orphaned(&j) && o->verbose >= 0)
		fprintf(stderr,
			"nstopo: lab %s was left by a run that is gone (pid %ld): stopping what it left\n",
			lab, j.owner_pid);
	if (o->kill)
		procs_stop_lab(&x, j.plan);
	else
		procs_keep(&x, j.plan);
	res->ops_total = j.plan->n_ops;
	rc = apply_undo(&x, j.plan, j.plan->n_ops, o->kill);
	if (rc)
		sb_printf(
			msg,
			"some of lab %s could not be removed (see the warnings); its journal is kept, so destroy can be run again",
			lab);
	else
		rc = sweep(&x, lab, o->kill, res, msg);
	if (!rc && (rc = release_host_settings(&x)))
		sb_printf(
			msg,
			"a host setting of lab %s could not be given back (see the warnings); its journal is kept, so destroy can be run again",
			lab);
	res->ops_done = res->undone;
	res->nothing_to_do = !rc && !journal && !res->found && !res->given;
	if (!rc) {
		procs_cgroup_remove(&x);
		state_remove(st);
	}
	finish(&x);
	journal_free(&j);
	res->seconds = now_monotonic() - t0;
	return rc;
}

int lab_destroy(const char *lab, const struct apply_opts *o,
		struct apply_result *res, struct strbuf *msg)
{
	struct state st;
	int rc;

	memset(res, 0, sizeof(*res));
	rc = lock_lab(&st, lab, msg);
	if (rc)
		return rc;
	rc = destroy_locked(&st, lab, o, res, msg);
	state_unlock(&st);
	if (!rc)
		tidy_run_dirs();
	return rc;
}

int lab_takeover(const char *lab, const struct apply_opts *o,
		 struct apply_result *res, struct strbuf *msg, long *owner)
{
	struct journal j;
	struct state st;
	bool orphaned;
	int rc;

	memset(res, 0, sizeof(*res));
	*owner = 0;
	/* Busy, or no journal to read: apply says what that means. */
	if (state_lock(&st, lab, owner)) {
		*owner = 0;
		return 0;
	}
	if (state_read(lab, &j)) {
		state_unlock(&st);
		return 0;
	}
	orphaned = journal_orphaned(&j);
	*owner = j.owner_pid;
	journal_free(&j);
	if (!orphaned) {
		state_unlock(&st);
		return 0;
	}
	rc = destroy_locked(&st, lab, o, res, msg);
	state_unlock(&st);
	if (!rc)
		tidy_run_dirs();
	return rc ? rc : 1;
}
