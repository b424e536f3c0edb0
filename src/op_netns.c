// SPDX-License-Identifier: MIT
/*
 * op_netns.c - netns.add and netns.del: a node's namespace, pinned at
 * /run/netns/NAME.
 */
#include <errno.h>
#include <limits.h>
#include <string.h>
#include <unistd.h>

#include "nl.h"
#include "nspool.h"
#include "procs.h"
#include "reaper.h"
#include "run.h"

static int max_ifindex(const struct link_info *li, void *arg)
{
	int *max = arg;

	if (li->ifindex > *max)
		*max = li->ifindex;
	return 0;
}

/*
 * An edit keeps a node's namespace: its processes, sockets and
 * connections live on.  Its lo is marked again (a lab of an earlier
 * build had no mark there).
 */
static int keep_netns(struct run *x, struct op *op)
{
	struct link_info li;
	struct nsh *h = NULL;
	int rc = nsh_get(x, op->link.ns, &h);

	/* An empty pin, no namespace: a run of the lab killed between
	 * making the file and mounting on it (the journal has each netns
	 * before it is made).  Made now, as if not there. */
	if (rc == -EINVAL && op->change != OPC_NEW)
		return 1;
	if (!rc)
		rc = netlink_link_get(h->nl, "lo", &li);
	/* There, but with another's mark, or none while the lab's journal
	 * did not know it: not the lab's to keep. */
	if (!rc && strcmp(li.alias, x->mark) &&
	    (li.alias[0] || op->change == OPC_NEW)) {
		snprintf(x->why, sizeof(x->why),
			 "namespace %s exists and is not lab %s's", op->link.ns,
			 x->lab);
		return -EEXIST;
	}
	if (!rc)
		rc = netlink_link_set(h->nl, &(struct link_req){
						     .ifindex = 1,
						     .alias = x->mark,
						     .ns_fd = -1,
					     });
	if (rc)
		return run_fail(x, h, rc);
	h->kept = true;
	return 0;
}

/*
 * A namespace the pool made ahead (nspool.h), pinned as @name, in the
 * journal's order, and not entered (it comes with a socket in it, and its
 * sysctls written).  Return: 0, or -1 if there is none: apply makes it.
 */
static int pin_from_pool(struct run *x, const char *name, int *fd,
			 struct nlsock **nl, bool *preset)
{
	int rc;

	*fd = x->pool ? nspool_take(x->pool, nl, preset, false) : -1;
	if (*fd < 0)
		return -1;
	rc = netns_pin(name, *fd);
	if (!rc)
		return 0;
	nlsock_close(*nl);
	*nl = NULL;
	*preset = false;
	close(*fd);
	/* Not a name taken (the error comes again, made here): pinning
	 * what the pool makes does not work here; no more of it. */
	if (rc != -EEXIST)
		nspool_stop(&x->pool);
	return -1;
}

static int do_netns_add(struct run *x, struct op *op)
{
	struct nlsock *nl = NULL;
	bool made_here, preset = false;
	struct nsh *h;
	int fd, rc;

	if (x->ensure && netns_exists(op->link.ns)) {
		rc = keep_netns(x, op);
		if (rc <= 0)
			return rc;
		netns_delete(op->link.ns);
	}
	nsh_room(x);
	/* Else made here, from the host as the pool makes them (nspool.c
	 * says why), and why not is said if that fails. */
	made_here = pin_from_pool(x, op->link.ns, &fd, &nl, &preset) != 0;
	rc = made_here ? run_enter(x, &x->host) : 0;
	if (made_here && !rc)
		rc = netns_create(op->link.ns, &fd);
	if (rc)
		return run_fail(x, NULL, rc);
	h = nsh_new(x, op->link.ns, fd);
	h->created = true;
	h->preset = preset; /* its plan_ns_sysctls ops: nothing to do */
	if (made_here)
		nsh_arrive(x, h);
	h->nl = nl;
	if (!nl) {
		rc = run_enter(x, h);
		if (!rc)
			rc = nlsock_open(&h->nl);
	}
	/* What a new namespace holds depends on the modules loaded (sit0,
	 * gre0...): learn it once, then choose indexes above it. */
	if (!rc && x->fresh_max < 0)
		rc = netlink_link_dump(h->nl, max_ifindex, &x->fresh_max);
	/* The namespace is the lab's, and the kernel says so: its lo
	 * carries the lab's mark (lo is ifindex 1 in every namespace). */
	if (!rc)
		rc = netlink_link_set(h->nl, &(struct link_req){
						     .ifindex = 1,
						     .alias = x->mark,
						     .ns_fd = -1,
					     });
	if (rc) {
		/* Not made after all: nothing of it may stay. */
		run_enter(x, &x->host);
		nsh_close(x, h);
		netns_delete(op->link.ns);
		return run_fail(x, NULL, rc);
	}
	h->own_index = true;
	if (!x->next_ifindex)
		x->next_ifindex = x->fresh_max + 1;
	x->res->namespaces++;
	return 0;
}

/*
 * Processes left in the namespaces this plan deletes would keep them
 * alive, unnamed, after their pins are gone: stop them all at once, with
 * those the nodes' commands started wherever they went (the nodes'
 * groups), before the first goes.  The rest of the lab's group is not
 * theirs: a plan that removes some nodes leaves the others' alone (the
 * lab's own goes with the lab: procs_cgroup_remove()).
 */
static void stop_lab_processes(struct run *x)
{
	const char **ns = xcalloc(x->plan->n_ops + 1, sizeof(*ns));
	size_t n = 0;

	for (size_t i = 0; i < x->plan->n_ops; i++)
		if (x->plan->ops[i].kind == OP_NETNS_DEL)
			ns[n++] = x->plan->ops[i].link.ns;
	procs_stop(x, ns, n, false);
	free(ns);
}

/* Warn of the processes still in namespace @ns, whose pin was @ino. */
static void warn_users(struct run *x, const char *ns, ino_t ino)
{
	for (size_t k = 0; ino && k < x->n_users; k++)
		if (x->users[k].ino == ino)
			run_warn(
				x,
				"namespace %s: process %d (%s) still runs in it; it lives on, unnamed, until the process exits",
				ns, (int)x->users[k].pid, x->users[k].comm);
}

static void warn_not_ours(struct run *x, const char *ns)
{
	run_warn(x, "namespace %s does not carry lab %s's mark: left alone", ns,
		 x->lab);
}

/*
 * With a reaper (an undo that deletes many), the pin goes to its threads,
 * which check that the namespace is the lab's and remove the pin; what
 * became of it is told by netns_reap_finish().
 */
static int do_netns_del(struct run *x, struct op *op)
{
	struct nsh *h = nsh_find(x, op->link.ns);
	bool made = h && h->created;
	int i, rc = x->reaper ? 1 : run_owns_netns(x, op->link.ns);
	ino_t ino;

	if (rc == 0) {
		warn_not_ours(x, op->link.ns);
		return 0;
	}
	if (rc < 0 && !gone(rc) && rc != -ENOENT)
		return run_fail(x, NULL, rc);
	if (!x->users_scanned) {
		if (x->kill)
			stop_lab_processes(x);
		free(x->users);
		x->n_users = netns_users(&x->users);
		x->users_scanned = true;
	}
	i = strmap_get(&x->ns_map, op->link.ns);
	if (i >= 0) {
		if (x->cur == x->ns[i])
			run_enter(x, &x->host);
		nsh_close(x, x->ns[i]);
	}
	ino = x->n_users ? netns_pin_inode(op->link.ns) : 0;
	if (x->reaper) {
		reaper_give(x->reaper, op->link.ns, made, ino);
		return 0;
	}
	warn_users(x, op->link.ns, ino);
	rc = netns_delete(op->link.ns);
	if (rc && !(x->undo && rc == -ENOENT))
		return run_fail(x, NULL, rc);
	x->res->namespaces++;
	return 0;
}

/* Enough namespaces to delete for threads to pay for themselves. */
#define REAP_MIN 8

/*
 * Eight threads, or one for every 8 namespaces (reaper_start() takes at
 * most its own most); each may hold two fds at once, which come out of
 * the handles' budget's margin (run.c: a quarter of the open-files limit
 * is the handles', and at least 4).
 */
void netns_reap_start(struct run *x, const struct plan *p)
{
	size_t n = 0, threads;

	for (size_t i = 0; i < p->n_ops; i++)
		n += p->ops[i].kind == OP_NETNS_DEL;
	threads = n / REAP_MIN < REAP_MIN ? REAP_MIN : n / REAP_MIN;
	if (threads > x->max_open / 4)
		threads = x->max_open / 4;
	if (n >= REAP_MIN &&
	    reaper_start(&x->reaper,
			 (int)(threads < INT_MAX ? threads : INT_MAX), x->mark,
			 run_accepts_unmarked(x), x->host.fd))
		x->reaper = NULL;
}

struct reaped {
	struct run *x;
	size_t failed;
};

static void reaped(const char *name, enum reap_end end, int err, uint64_t tag,
		   void *arg)
{
	struct reaped *r = arg;

	switch (end) {
	case REAP_REMOVED:
		r->x->res->namespaces++;
		warn_users(r->x, name, (ino_t)tag);
		break;
	case REAP_NOT_OURS:
		warn_not_ours(r->x, name);
		break;
	case REAP_FAILED:
		run_warn(r->x, "could not undo 'netns del %s': %s", name,
			 strerror(-err));
		r->x->res->ops_done--; /* counted when it was given */
		r->failed++;
		break;
	}
}

int netns_reap_finish(struct run *x)
{
	struct reaped r = { .x = x };
	struct reaper *rp = x->reaper;

	x->reaper = NULL;
	reaper_finish(rp, reaped, &r);
	return r.failed ? -EIO : 0;
}

static void netns_add_format(const struct op *op, struct strbuf *sb)
{
	sb_printf(sb, "netns add %s", op->link.ns);
}

static void netns_del_format(const struct op *op, struct strbuf *sb)
{
	sb_printf(sb, "netns del %s", op->link.ns);
}

/* Deleting a namespace takes everything in it: links, addresses... */
static bool netns_add_invert(const struct op *op, const struct op_made *m,
			     struct op *out)
{
	(void)m;
	out->kind = OP_NETNS_DEL;
	out->link.ns = op->link.ns;
	out->node = op->node;
	return true;
}

static const enum op_field netns_fields[] = { OF_NODE, OF_NS, OF__COUNT };

static const enum op_field netns_identity[] = { OF_NS, OF__COUNT };
static const enum op_field netns_in_place[] = { OF_NODE, OF__COUNT };

const struct op_desc netns_add_op = {
	.name = "netns.add",
	.object = OBJ_NETNS,
	.undo_phase = 3,
	.invert = netns_add_invert,
	.run = do_netns_add,
	.names_ns = true,
	.format = netns_add_format,
	.fields = netns_fields,
	.identity = netns_identity,
	.in_place = netns_in_place,
};

const struct op_desc netns_del_op = {
	.name = "netns.del",
	.undo = true,
	.run = do_netns_del,
	.names_ns = true,
	.format = netns_del_format,
	.fields = netns_fields,
};
