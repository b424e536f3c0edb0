// SPDX-License-Identifier: MIT
/*
 * schedule.c - which ops may run while the writer thread writes.
 *
 * The sysctls of a namespace this run made go to the writer thread
 * (writer.c), so apply can make the next namespaces meanwhile: the first
 * /proc/sys lookup in a new namespace is slow (a dcache chain with every
 * namespace's entry).  An op that could depend on a queued write waits
 * for the writer first.
 */
#include "schedule.h"
#include "writer.h"

/*
 * Sysctls in a namespace this run made go to the writer thread: they keep
 * no old value, and the ops that depend on them wait for it (passes()).
 */
/* The handle of the namespace this run made that sysctl @op is for. */
static struct nsh *made_for(const struct run *x, const struct op *op)
{
	int i;

	if (op->kind != OP_SYSCTL_SET || !op_ns(op))
		return NULL;
	i = strmap_get(&x->ns_map, op_ns(op));
	return i >= 0 && x->ns[i]->created ? x->ns[i] : NULL;
}

static struct nsh *deferrable(const struct run *x, const struct op *op)
{
	struct nsh *h = x->undo ? NULL : made_for(x, op);

	return h && !nsh_preset(h, op) ? h : NULL;
}

/* A sysctl written when its namespace was made: nothing to wait for. */
static bool preset(const struct run *x, const struct op *op)
{
	const struct nsh *h = made_for(x, op);

	return h && nsh_preset(h, op);
}

bool schedule_passes(const struct run *x, const struct op *op)
{
	int i;

	if (op->kind == OP_NETNS_ADD || deferrable(x, op) || preset(x, op))
		return true;
	if (op->kind != OP_LINK_SET || !op_ns(op))
		return false;
	i = strmap_get(&x->ns_map, op_ns(op));
	return i >= 0 && x->ns[i]->created && x->ns[i]->queued != x->batch;
}

bool schedule_defer(struct run *x, const struct plan *p, size_t i)
{
	const struct op *op = &p->ops[i];
	struct nsh *h = deferrable(x, op);
	size_t j = i + 1;

	if (!h)
		return false;
	/* A node's own keys always go: through the thread's procfs, its
	 * first lookup in a namespace is short (see writer.c); a new
	 * namespace's links wait for them all the same.  The keys of an
	 * interface (op->own) are written here unless what follows may
	 * overlap them (a new namespace): their links wait for them at once,
	 * and the lookups their namespace needed are done. */
	if (op->own && (!x->writer || x->drained)) {
		while (j < p->n_ops && j - i < 64 &&
		       (deferrable(x, &p->ops[j]) || preset(x, &p->ops[j])))
			j++;
		if (j - i < 64 &&
		    (j == p->n_ops || p->ops[j].kind != OP_NETNS_ADD))
			return false;
	}
	if (writer_queue(&x->writer, p->n_ops - i, op_ns(op), op->key,
			 op->value, i))
		return false; /* no thread: written here, as ever */
	h->queued = x->batch;
	x->drained = false;
	return true;
}

int schedule_drain(struct run *x, size_t *tag)
{
	int rc = writer_drain(x->writer, tag);

	if (rc) /* the run fails here: nothing more to write */
		writer_finish(&x->writer, tag);
	x->drained = true;
	x->batch++;
	return rc;
}

int schedule_settle(struct run *x, size_t *tag)
{
	int rc = writer_finish(&x->writer, tag);

	x->batch++;
	return rc;
}
