// SPDX-License-Identifier: MIT
/*
 * reconcile.c - changing a running lab into what an edited file makes.
 *
 * Theory of operation: the lab's journal says what it made; the new plan
 * what it should be.  Ops are matched by the object they make
 * (op_identity()).  The new plan then runs whole, in "ensure" mode: what
 * exists is kept (a namespace keeps its processes), set as the file says
 * now where the kernel can change it in place, and made where it is
 * missing (so drift is repaired on the way); start-up commands run only
 * for what is new.  Before that, what must be made again (a link whose
 * kind or peer changed) is removed, so its name is free; after it, the
 * nodes gone from the file.  Every op is journaled as it runs, so a kill
 * leaves a journal naming everything that may exist; at the end the
 * journal is replaced by the new plan's.  If a step fails, the way back
 * is the same engine: undo what was new, and ensure the old plan.
 */
#include <errno.h>
#include <string.h>

#include "apply.h"
#include "nl.h"
#include "opkind.h"
#include "plan.h"
#include "procs.h"
#include "reconcile.h"
#include "state.h"

/* The identity key of @op (NULL: it has none), in @a. */
static const char *key_of(struct arena *a, const struct op *op)
{
	struct strbuf sb = { 0 };
	const char *k = NULL;

	if (op_identity(op, &sb))
		k = arena_strdup(a, sb.buf);
	sb_free(&sb);
	return k;
}

/* The interfaces an op that is made again takes with it. */
static void note_remade(struct arena *a, struct strmap *ifs, const struct op *o)
{
	if (o->kind != OP_LINK_ADD)
		return;
	strmap_put(ifs, plan_if_key(a, o->link.ns, o->link.name), 0);
	if (link_kind_pair(o->type))
		strmap_put(ifs, plan_if_key(a, o->peer.ns, o->peer.name), 0);
}

void edit_compute(const struct plan *from, struct plan *to, struct edit *e)
{
	struct strmap old = { 0 }, kept = { 0 }, gone_ns = { 0 },
		      remade = { 0 }, dying = { 0 };
	struct arena a = { 0 };
	char name[IFNAME_MAX + 1];

	memset(e, 0, sizeof(*e));
	e->remove = plan_new(from->lab);
	e->nodes = plan_new(from->lab);
	/* The latest op of each object (a journal an edit was cut short
	 * in can name one twice). */
	for (size_t i = from->n_ops; i-- > 0;) {
		const char *k = key_of(&a, &from->ops[i]);

		if (k)
			strmap_put(&old, k, (int)i);
	}
	for (size_t i = 0; i < to->n_ops; i++) {
		struct op *t = &to->ops[i];
		const char *k = key_of(&a, t);
		const struct op *f;
		int idx;

		if (!k) {
			t->change = OPC_CHANGED; /* no object: run again */
			continue;
		}
		idx = strmap_get(&old, k);
		if (idx < 0) {
			t->change = OPC_NEW;
			e->n_new++;
			continue;
		}
		f = &from->ops[idx];
		op_take_learned(&to->arena, t, f);
		if (op_in_place(f, t)) {
			t->change = op_same(f, t) ? OPC_SAME : OPC_CHANGED;
			e->n_same += t->change == OPC_SAME;
			e->n_changed += t->change == OPC_CHANGED;
			strmap_put(&kept, k, 0);
			continue;
		}
		/* Not in place: the old one goes, the new one is made. */
		t->change = OPC_NEW;
		e->n_remade++;
		note_remade(&a, &remade, f);
	}
	for (size_t i = 0; i < from->n_ops; i++) {
		const struct op *o = &from->ops[i];
		const char *k = key_of(&a, o);

		if (o->kind == OP_NETNS_ADD && k && strmap_get(&kept, k) < 0)
			strmap_put(&gone_ns, o->link.ns, 0);
	}
	/* A pair with an end in a node that goes, goes whole. */
	for (size_t i = 0; i < from->n_ops; i++) {
		const struct op *o = &from->ops[i];

		if (o->kind == OP_LINK_ADD &&
		    ((op_ns(o) && strmap_get(&gone_ns, op_ns(o)) >= 0) ||
		     (o->peer.ns && strmap_get(&gone_ns, o->peer.ns) >= 0)))
			note_remade(&a, &dying, o);
	}
	for (size_t i = 0; i < from->n_ops; i++) {
		const struct op *o = &from->ops[i];
		const char *k = key_of(&a, o), *s;

		if (!k || strmap_get(&kept, k) >= 0)
			continue;
		/* What lives in a node that goes goes with it: removed as a
		 * whole, so a pair's end outside (in the host) is deleted
		 * then and there, not later with the namespace, and the
		 * journal says all of it is gone. */
		if (op_ns(o) && strmap_get(&gone_ns, op_ns(o)) >= 0) {
			*plan_push(e->nodes, o->kind, op_ns(o)) = *o;
			continue;
		}
		/* ...and so does what sits on the end of one of its pairs
		 * (nothing to undo: it goes with the end). */
		s = op_desc(o->kind)->subject ?
			    op_desc(o->kind)->subject(o, name) :
			    NULL;
		if (s &&
		    strmap_get(&dying, plan_if_key(&a, op_ns(o), s)) >= 0) {
			*plan_push(e->nodes, o->kind, op_ns(o)) = *o;
			continue;
		}
		*plan_push(e->remove, o->kind, op_ns(o)) = *o;
		e->n_removed++;
	}
	/* What sits on an interface made again is gone with the old one. */
	for (size_t i = 0; i < to->n_ops; i++) {
		struct op *t = &to->ops[i];
		const char *s = op_desc(t->kind)->subject ?
					op_desc(t->kind)->subject(t, name) :
					NULL;

		if (t->change == OPC_SAME && s &&
		    strmap_get(&remade, plan_if_key(&a, op_ns(t), s)) >= 0) {
			t->change = OPC_CHANGED;
			e->n_same--;
			e->n_changed++;
		}
	}
	for (size_t i = 0; i < e->nodes->n_ops; i++)
		e->n_removed += e->nodes->ops[i].kind == OP_NETNS_ADD;
	strmap_free(&old);
	strmap_free(&kept);
	strmap_free(&gone_ns);
	strmap_free(&remade);
	strmap_free(&dying);
	arena_free(&a);
}

void edit_free(struct edit *e)
{
	plan_free(e->remove);
	plan_free(e->nodes);
	memset(e, 0, sizeof(*e));
}

bool edit_empty(const struct edit *e)
{
	return !e->n_new && !e->n_changed && !e->n_remade && !e->n_removed;
}

static void print_one(struct strbuf *sb, char mark, const struct op *op,
		      const char *file, bool json, bool *first)
{
	if (json) {
		sb_add(sb,
		       *first ? "\n  {\"change\":\"" : ",\n  {\"change\":\"");
		sb_addc(sb, mark);
		sb_add(sb, "\",\"op\":");
		op_json(op, sb);
		if (op->pos.line && file) {
			sb_add(sb, ",\"at\":");
			sb_json_str(sb, file);
			sb_printf(sb, ",\"line\":%u,\"col\":%u", op->pos.line,
				  op->pos.col);
		}
		sb_addc(sb, '}');
	} else {
		sb_printf(sb, "%c ", mark);
		op_format(op, sb);
		if (op->pos.line && file)
			sb_printf(sb, " (%s:%u:%u)", file, op->pos.line,
				  op->pos.col);
		sb_addc(sb, '\n');
	}
	*first = false;
}

void edit_print(const struct edit *e, const struct plan *to, const char *file,
		FILE *f, bool json)
{
	struct plan *gone = plan_invert(e->remove);
	struct plan *nodes = plan_invert(e->nodes);
	struct strbuf sb = { 0 };
	bool first = true;

	if (json) {
		sb_add(&sb, "{\"lab\":");
		sb_json_str(&sb, to->lab);
		sb_add(&sb, ",\"running\":true,\"changes\":[");
	}
	for (size_t i = 0; i < gone->n_ops; i++)
		print_one(&sb, '-', &gone->ops[i], NULL, json, &first);
	for (size_t i = 0; i < nodes->n_ops; i++)
		print_one(&sb, '-', &nodes->ops[i], NULL, json, &first);
	for (size_t i = 0; i < to->n_ops; i++) {
		const struct op *op = &to->ops[i];

		/* Ops with no object of their own (a link set up) go with
		 * the link they are about. */
		if (!op_desc(op->kind)->identity || op->change == OPC_SAME)
			continue;
		print_one(&sb, op->change == OPC_NEW ? '+' : '~', op, file,
			  json, &first);
	}
	if (json)
		sb_add(&sb, "\n]}\n");
	else if (first)
		sb_printf(&sb, "lab %s is up as %s says: nothing to do\n",
			  to->lab, file ? file : "the file");
	fwrite(sb.buf, 1, sb.len, f);
	sb_free(&sb);
	plan_free(gone);
	plan_free(nodes);
}

/*
 * Undo @p (its inverse, what it names and nothing inside what goes with
 * it), journaling each op as removed once all are.
 */
static int remove_ops(struct run *x, struct state *st, const struct plan *p,
		      bool kill)
{
	int rc;

	if (!p->n_ops)
		return 0;
	rc = apply_undo(x, p, p->n_ops, kill);
	x->undo = false;
	if (rc)
		return rc;
	for (size_t i = 0; i < p->n_ops; i++)
		state_record_removed(st, p->ops[i].seq);
	return state_flush(st);
}

/* Run @p in ensure mode, journaling each op. */
static int ensure(struct run *x, struct state *st, struct plan *p, size_t *seq,
		  size_t *failed)
{
	int rc;

	x->ensure = true;
	x->undo = false;
	x->st = st;
	x->plan = p;
	x->addrs_plan = NULL; /* (readdress()'s chain is of a plan) */
	x->seq_base = *seq;
	*failed = SIZE_MAX;
	rc = apply_ops(x, p, failed);
	x->ensure = false;
	*seq += p->n_ops;
	return rc;
}

/*
 * Links the file wants down: an edit sets them down (a new lab makes
 * every link down, and raises those that should be up).
 */
static void set_down(struct run *x, const struct plan *p)
{
	struct strmap up = { 0 };
	struct arena a = { 0 };

	for (size_t i = 0; i < p->n_ops; i++) {
		const struct op *o = &p->ops[i];

		if ((o->kind == OP_LINK_ADD || o->kind == OP_LINK_SET) &&
		    o->link.up)
			strmap_put(&up,
				   plan_if_key(&a, o->link.ns, o->link.name),
				   0);
	}
	for (size_t i = 0; i < p->n_ops; i++) {
		const struct op *o = &p->ops[i];
		struct nsh *h;

		if (o->kind != OP_LINK_ADD ||
		    strmap_get(&up, plan_if_key(&a, o->link.ns,
						o->link.name)) >= 0 ||
		    nsh_get(x, o->link.ns, &h))
			continue;
		netlink_link_set(h->nl, &(struct link_req){
						.name = o->link.name,
						.down = true,
						.ns_fd = -1,
					});
	}
	strmap_free(&up);
	arena_free(&a);
}

/*
 * The change failed at op @failed of @to: undo what was new, and make
 * the old plan true again (what was removed, made again; what changed,
 * changed back).  Start-up commands run again only where the edit
 * stopped what they started (exec_stopped()): those it dropped or
 * changed, and all of a node's whose commands it ran again.
 */
static int go_back(struct run *x, struct state *st, struct journal *j,
		   struct plan *to, size_t failed, size_t *seq)
{
	struct plan *made = plan_new(to->lab), *back = plan_copy(j->plan);
	size_t upto =
		failed == SIZE_MAX ? to->n_ops : apply_started(to, failed);
	struct edit e;
	size_t bfailed;
	int rc;

	for (size_t i = 0; i < upto && i < to->n_ops; i++)
		if (to->ops[i].change == OPC_NEW ||
		    (to->ops[i].kind == OP_EXEC &&
		     exec_stopped(x, &to->ops[i])))
			*plan_push(made, to->ops[i].kind, op_ns(&to->ops[i])) =
				to->ops[i];
	rc = made->n_ops ? apply_undo(x, made, made->n_ops, true) : 0;
	edit_compute(to, back, &e);
	for (size_t i = 0; i < back->n_ops; i++)
		if (back->ops[i].kind == OP_EXEC)
			back->ops[i].change = OPC_SAME;
	if (!rc)
		rc = ensure(x, st, back, seq, &bfailed);
	if (!rc)
		set_down(x, back);
	if (!rc)
		rc = state_rewrite(st, j->file, back);
	edit_free(&e);
	plan_free(made);
	plan_free(back);
	return rc;
}

int lab_reconcile(struct run *x, struct state *st, struct journal *j,
		  struct plan *to, const char *file, struct strbuf *msg)
{
	size_t failed = SIZE_MAX, seq = j->next_seq;
	struct edit e;
	int rc;

	edit_compute(j->plan, to, &e);
	state_continue(st, j);
	rc = state_mark(st, "reconcile");
	if (rc)
		sb_printf(msg, "cannot write the journal: %s", strerror(-rc));
	/* Links made again first, so their names are free; and what goes
	 * (but nodes, below), so an address moved is not twice there. */
	if (!rc && (rc = remove_ops(x, st, e.remove, false)))
		sb_printf(msg,
			  "removing what the file no longer has failed: %s",
			  x->why);
	if (!rc && (rc = ensure(x, st, to, &seq, &failed))) {
		const struct op *op = &to->ops[failed < to->n_ops ? failed : 0];

		sb_printf(msg, "step %zu of %zu failed: ", failed + 1,
			  to->n_ops);
		op_format(op, msg);
		if (op->pos.line)
			sb_printf(msg, " (%s:%u:%u)", file, op->pos.line,
				  op->pos.col);
		sb_printf(msg, ": %s", x->why);
	}
	if (rc) {
		x->going_back = true;
		if (go_back(x, st, j, to, failed, &seq)) {
			sb_printf(
				msg,
				"\ngoing back to the lab as it was was incomplete: see the warnings; 'nstopo destroy --lab %s' removes it",
				x->lab);
			x->res->kept = true;
		} else {
			sb_printf(msg, "\nthe lab is as it was");
		}
		edit_free(&e);
		return rc;
	}
	set_down(x, to);
	/* The nodes gone from the file, last: what runs in them stops. */
	rc = remove_ops(x, st, e.nodes, true);
	if (rc) {
		sb_printf(
			msg,
			"some of what the file no longer has could not be removed (see the warnings); apply again, or destroy");
		x->res->kept = true;
	} else if ((rc = state_rewrite(st, file, to))) {
		sb_printf(msg, "cannot write the journal: %s", strerror(-rc));
		x->res->kept = true;
	}
	x->res->changed = e.n_new + e.n_changed + e.n_remade + e.n_removed;
	x->res->repaired = !x->res->changed;
	edit_free(&e);
	return rc;
}
