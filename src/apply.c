// SPDX-License-Identifier: MIT
/*
 * apply.c - run a plan's ops in order against the kernel; roll back.
 *
 * Theory of operation: ops run in plan order, each through its kind's
 * handler (op.h).  Every op is journaled before it runs, and on disk
 * before it touches anything that outlives the lab's namespaces.  When
 * one fails, the ops done so far are inverted (plan_invert) and run in
 * "undo" mode, where "already gone" counts as success; destroy is the
 * same undo run, from the journal.
 */
#include <errno.h>
#include <string.h>

#include "apply.h"
#include "nspool.h"
#include "opkind.h"
#include "plan.h"
#include "schedule.h"
#include "state.h"

/* Fewer new namespaces than this are made by the main thread alone. */
#define POOL_MIN 4

/*
 * Must the journal be on disk before this op runs?  Yes for anything that
 * outlives the namespaces the lab makes: pins, host objects.
 */
static bool write_ahead(const struct run *x, const struct op *op)
{
	int i;

	if (op->kind == OP_NETNS_ADD || !op_ns(op))
		return true;
	if (op->kind == OP_LINK_ADD && link_kind_pair(op->type) && !op->peer.ns)
		return true;
	i = strmap_get(&x->ns_map, op_ns(op));
	return i < 0 || !(x->ns[i]->created || x->ns[i]->kept);
}

static void progress(struct run *x, size_t i, size_t n, const struct op *op)
{
	static const char *const verbs[2] = { "applying", "destroying" };

	if (!x->o->progress || (i % 64 && i + 1 != n))
		return;
	fprintf(stderr, "\r\033[K%s %s: %zu/%zu %s", verbs[x->undo], x->lab,
		i + 1, n, op_ns(op) ? op_ns(op) : "host");
	if (i + 1 == n)
		fputs("\r\033[K", stderr);
}

/*
 * A queued write failed: the run fails at its op.  @ran ops had started
 * by then, and they are what a rollback undoes.
 */
static int write_failed(struct run *x, int rc, size_t tag, size_t ran,
			size_t *failed)
{
	run_fail(x, NULL, rc);
	x->ran = ran;
	*failed = tag;
	if (x->st) {
		state_record_failed(x->st, x->seq_base + tag, rc);
		state_flush(x->st);
	}
	return rc;
}

/* Run ops [0, n); stop at the first failure, at *failed. */
static int run_ops(struct run *x, struct plan *p, size_t *failed)
{
	size_t tag;

	for (size_t i = 0; i < p->n_ops; i++) {
		struct op *op = &p->ops[i];
		const struct op_desc *d = op_desc(op->kind);
		int rc = 0;

		if (x->o->stop && *x->o->stop && !x->undo) {
			snprintf(x->why, sizeof(x->why),
				 "interrupted by a signal");
			*failed = i;
			return -EINTR;
		}
		progress(x, i, p->n_ops, op);
		if (x->writer && !x->drained && !schedule_passes(x, op) &&
		    (rc = schedule_drain(x, &tag)))
			return write_failed(x, rc, tag, i, failed);
		if (!x->undo && !x->going_back && x->o->fault_at == i + 1) {
			snprintf(x->why, sizeof(x->why),
				 "fault injected by NSTOPO_FAULT_AT=%zu",
				 i + 1);
			*failed = i;
			if (x->st) {
				state_record_failed(x->st, x->seq_base + i,
						    EIO);
				state_flush(x->st);
			}
			return -EIO;
		}
		if (x->o->verbose > 0) {
			struct strbuf sb = { 0 };

			op_format(op, &sb);
			fprintf(stderr, "%c %s\n", x->undo ? '-' : '+', sb.buf);
			sb_free(&sb);
		}
		if (d->prepare && x->st)
			rc = d->prepare(x, op);
		if (!rc && x->st) {
			state_record(x->st, x->seq_base + i, op);
			if (write_ahead(x, op))
				rc = state_flush(x->st);
			if (rc)
				snprintf(x->why, sizeof(x->why),
					 "cannot write the journal: %s",
					 strerror(-rc));
		}
		if (!rc && !schedule_defer(x, p, i))
			rc = d->run(x, op);
		if (!rc) {
			x->res->ops_done++;
			continue;
		}
		if (x->undo) {
			struct strbuf sb = { 0 };

			op_format(op, &sb);
			run_warn(x, "could not undo '%s': %s", sb.buf, x->why);
			sb_free(&sb);
			*failed = i;
			continue; /* undo all that can be undone */
		}
		/* A failed adoption stays in the journal: giving a port back
		 * is idempotent, so it is undone again to be sure. */
		if (x->st && op->kind != OP_PORT_ADD) {
			state_record_failed(x->st, x->seq_base + i, rc);
			state_flush(x->st);
		}
		*failed = i;
		return rc;
	}
	/* A signal during the last op: all or nothing, as for any op. */
	if (!x->undo && x->o->stop && *x->o->stop && p->n_ops) {
		snprintf(x->why, sizeof(x->why), "interrupted by a signal");
		*failed = p->n_ops - 1;
		x->ran = p->n_ops;
		return -EINTR;
	}
	return x->undo && *failed != SIZE_MAX ? -EIO : 0;
}

int run_record_learned(struct run *x, const struct op *op)
{
	size_t i = (size_t)(op - x->plan->ops);

	if (!x->st)
		return 0;
	state_record(x->st, x->seq_base + i, op);
	return state_flush(x->st);
}

size_t apply_started(const struct plan *p, size_t failed)
{
	const struct op *op = &p->ops[failed];

	return failed + (op->kind == OP_PORT_ADD && op->saved);
}

/*
 * Namespaces to make: a thread makes them ahead (nspool.h) when there are
 * enough to pay for it (else, or if it cannot start, they are made here).
 * In an edit, those that exist are kept.
 */
static void start_pool(struct run *x, const struct plan *p)
{
	size_t n = 0;

	if (x->undo)
		return;
	for (size_t i = 0; i < p->n_ops; i++)
		n += p->ops[i].kind == OP_NETNS_ADD &&
		     !(x->ensure && netns_exists(p->ops[i].link.ns));
	/* Its fds come out of the handles' budget's margin (run.c). */
	if (n >= POOL_MIN)
		nspool_start(&x->pool, n, x->max_open / 8, x->host.fd,
			     plan_ns_sysctls, PLAN_NS_SYSCTLS);
}

int apply_ops(struct run *x, struct plan *p, size_t *failed)
{
	int rc, wrc;
	size_t tag;

	start_pool(x, p);
	rc = run_ops(x, p, failed);
	nspool_stop(&x->pool);
	if (!x->writer)
		return rc;
	/* A write queued before the failed op fails the run first. */
	wrc = schedule_settle(x, &tag);
	if (wrc && (!rc || tag < *failed))
		return write_failed(x, wrc, tag,
				    rc ? apply_started(p, *failed) : p->n_ops,
				    failed);
	return rc;
}

int apply_undo(struct run *x, const struct plan *p, size_t n, bool kill)
{
	struct plan prefix = { .lab = p->lab, .ops = p->ops, .n_ops = n };
	struct plan *inv = plan_invert(&prefix);
	size_t failed = SIZE_MAX, done_before = x->res->ops_done;
	int rc, reaped;

	x->undo = true;
	free(x->users); /* scanned again: what runs may have changed */
	x->users = NULL;
	x->n_users = 0;
	x->users_scanned = false;
	x->group_tried = false;
	x->st = NULL;
	x->plan = inv;
	x->addrs_plan = NULL; /* (readdress()'s chain is of a plan) */
	x->kill = kill;
	netns_reap_start(x, inv);
	rc = apply_ops(x, inv, &failed);
	reaped = netns_reap_finish(x);
	if (!rc)
		rc = reaped;
	x->res->undone = x->res->ops_done - done_before;
	x->res->ops_done = done_before;
	plan_free(inv);
	return rc;
}
