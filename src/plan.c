// SPDX-License-Identifier: MIT
/*
 * plan.c - the plan as an object: made, grown, copied; its inverse (what
 * undoes it); comparing and printing plans.  What a topology compiles
 * into is compile.c's.
 */
#include <arpa/inet.h>
#include <string.h>

#include "opkind.h"
#include "plan.h"

struct plan *plan_new(const char *lab)
{
	struct plan *p = xcalloc(1, sizeof(*p));

	p->lab = arena_strdup(&p->arena, lab);
	return p;
}

void plan_free(struct plan *p)
{
	if (!p)
		return;
	arena_free(&p->arena);
	free(p);
}

double plan_settle_max(const struct plan *p)
{
	return 30.0 + (double)(p ? p->n_ops : 0) / 1000.0;
}

void plan_reserve(struct plan *p, size_t n)
{
	struct op *ops;

	if (n <= p->cap_ops)
		return;
	ops = arena_alloc(&p->arena, n * sizeof(*ops));
	if (p->n_ops)
		memcpy(ops, p->ops, p->n_ops * sizeof(*ops));
	p->ops = ops;
	p->cap_ops = n;
}

struct op *plan_push(struct plan *p, enum op_kind kind, const char *ns)
{
	struct op *op = vec_push(&p->arena, p->ops, p->n_ops, p->cap_ops);

	op->kind = kind;
	op->link.ns = ns;
	return op;
}

/*
 * A copy of @s in @p's arena, shared with the copies made before it: a
 * plan repeats the same few strings (a node's name in each of its ops,
 * "eth0", the same sysctl keys in every namespace), and a small cache of
 * the last copies, by content, keeps one of each.
 */
static const char *own_str(void *arg, const char *s)
{
	struct plan *p = arg;
	size_t n = strlen(s);
	const char **slot = &p->owned[hash_bytes(s, n) % ARRAY_SIZE(p->owned)];

	if (!*slot || strcmp(*slot, s))
		*slot = arena_strdup(&p->arena, s);
	return *slot;
}

/* Make every string of @op the plan's own, so the plan outlives its source:
 * the strings every op may have, then those of the union (struct op) that
 * its kind uses. */
void plan_own_op(struct plan *p, struct op *op)
{
	const char **strs[] = {
		&op->node,	  &op->link.ns,	  &op->link.name,
		&op->link.master, &op->peer.ns,	  &op->peer.name,
		&op->peer.master, &op->parent.ns, &op->parent.name,
		&op->saved,
	};

	for (size_t i = 0; i < ARRAY_SIZE(strs); i++)
		if (*strs[i])
			*strs[i] = own_str(p, *strs[i]);
	op_own_shared(op, own_str, p);
	if (op->argv) {
		char **argv =
			arena_alloc(&p->arena, (op->argc + 1) * sizeof(*argv));

		for (size_t i = 0; i < op->argc; i++)
			argv[i] = arena_strdup(&p->arena, op->argv[i]);
		op->argv = argv;
	}
}

const char *plan_if_key(struct arena *a, const char *ns, const char *name)
{
	return arena_printf(a, "%s|%s", ns ? ns : "", name);
}

void plan_learn_own(struct plan *p)
{
	struct strmap made = { 0 };
	struct arena a = { 0 };
	char name[IFNAME_MAX + 1];

	for (size_t i = 0; i < p->n_ops; i++) {
		const struct op *o = &p->ops[i];

		if (o->kind != OP_LINK_ADD)
			continue;
		strmap_put(&made, plan_if_key(&a, o->link.ns, o->link.name), 0);
		if (link_kind_pair(o->type))
			strmap_put(&made,
				   plan_if_key(&a, o->peer.ns, o->peer.name),
				   0);
	}
	for (size_t i = 0; i < p->n_ops; i++) {
		struct op *o = &p->ops[i];

		if (o->kind == OP_SYSCTL_SET &&
		    sysctl_key_ifname(o->key, name) &&
		    strmap_get(&made, plan_if_key(&a, op_ns(o), name)) >= 0)
			o->own = true;
	}
	strmap_free(&made);
	arena_free(&a);
}

struct plan *plan_copy(const struct plan *p)
{
	struct plan *c = plan_new(p->lab);

	plan_reserve(c, p->n_ops);
	for (size_t i = 0; i < p->n_ops; i++) {
		struct op *op = plan_push(c, p->ops[i].kind, op_ns(&p->ops[i]));

		*op = p->ops[i];
		plan_own_op(c, op);
	}
	return c;
}

/* Invert */

/* "ns|name": a key for an interface of a namespace (NULL: the host). */
struct made {
	struct strmap ns, links;
	struct arena arena;
};

/* What @p makes: namespaces, and interfaces (both ends of a pair). */
static void made_by(const struct plan *p, struct made *m)
{
	for (size_t i = 0; i < p->n_ops; i++) {
		const struct op *o = &p->ops[i];

		if (o->kind == OP_NETNS_ADD)
			strmap_put(&m->ns, o->link.ns, (int)i);
		if (o->kind != OP_LINK_ADD)
			continue;
		strmap_put(&m->links,
			   plan_if_key(&m->arena, o->link.ns, o->link.name),
			   (int)i);
		if (link_kind_pair(o->type))
			strmap_put(&m->links,
				   plan_if_key(&m->arena, o->peer.ns,
					       o->peer.name),
				   (int)i);
	}
}

static bool ns_made(const struct made *m, const char *ns)
{
	return ns && strmap_get(&m->ns, ns) >= 0;
}

struct plan *plan_invert(const struct plan *p)
{
	struct plan *inv = plan_new(p->lab);
	struct made m = { 0 };
	char name[IFNAME_MAX + 1];

	made_by(p, &m);
	plan_reserve(inv, p->n_ops); /* at most one inverse an op */
	/* What sits on links (host routes, addresses, sysctls, ports)
	 * first, while the links still exist; then host links; then the
	 * namespaces. */
	for (int phase = 1; phase <= 3; phase++)
		for (size_t i = p->n_ops; i-- > 0;) {
			const struct op *o = &p->ops[i];
			const struct op_desc *d = op_desc(o->kind);
			const char *subject =
				d->subject ? d->subject(o, name) : NULL;
			struct op_made om = {
				.ns = ns_made(&m, op_ns(o)),
				.link = subject &&
					strmap_get(&m.links,
						   plan_if_key(&m.arena,
							       op_ns(o),
							       subject)) >= 0,
				.peer = ns_made(&m, o->peer.ns),
			};
			struct op out = { 0 };

			if (d->undo_phase != phase || !d->invert ||
			    !d->invert(o, &om, &out))
				continue;
			out.pos = o->pos;
			out.origin = i + 1;
			*plan_push(inv, out.kind, op_ns(&out)) = out;
			plan_own_op(inv, &inv->ops[inv->n_ops - 1]);
		}
	strmap_free(&m.ns);
	strmap_free(&m.links);
	arena_free(&m.arena);
	return inv;
}

/* Is @op part of the set-up of the namespace it runs in: lo, a sysctl? */
static bool setup_op(const struct op *op, const char *ns)
{
	return op_ns(op) && !strcmp(op_ns(op), ns) &&
	       (op->kind == OP_SYSCTL_SET ||
		(op->kind == OP_LINK_SET && !strcmp(op->link.name, "lo")));
}

/*
 * Ops [i, e) of @a and of @b, in any order.  The order of a new
 * namespace's set-up does not change what it makes, and journals of labs
 * applied before lo came first have it otherwise.
 */
static bool same_set(const struct plan *a, const struct plan *b, size_t i,
		     size_t e)
{
	bool *used = xcalloc(e - i + 1, sizeof(*used));
	bool eq = true;

	for (size_t k = i; k < e && eq; k++) {
		eq = false;
		for (size_t m = i; m < e && !eq; m++)
			if (!used[m - i] && op_same(&a->ops[k], &b->ops[m]))
				eq = used[m - i] = true;
	}
	free(used);
	return eq;
}

bool plan_equal(const struct plan *a, const struct plan *b)
{
	bool eq = a->n_ops == b->n_ops;

	for (size_t i = 0; i < a->n_ops && eq;) {
		const struct op *op = &a->ops[i];
		size_t ea = i + 1, eb = i + 1;

		eq = op_same(op, &b->ops[i]);
		if (!eq || op->kind != OP_NETNS_ADD) {
			i++;
			continue;
		}
		while (ea < a->n_ops && setup_op(&a->ops[ea], op_ns(op)))
			ea++;
		while (eb < b->n_ops && setup_op(&b->ops[eb], op_ns(op)))
			eb++;
		eq = ea == eb && same_set(a, b, i + 1, ea);
		i = ea;
	}
	return eq;
}

/* Printing */

void plan_print(const struct plan *p, FILE *f, bool json)
{
	struct strbuf sb = { 0 };

	if (json) {
		sb_add(&sb, "{\"lab\":");
		sb_json_str(&sb, p->lab);
		sb_printf(&sb, ",\"count\":%zu,\"ops\":[", p->n_ops);
	}
	for (size_t i = 0; i < p->n_ops; i++) {
		if (json) {
			if (i)
				sb_addc(&sb, ',');
			sb_add(&sb, "\n  ");
			op_json(&p->ops[i], &sb);
		} else {
			sb_add(&sb, op_is_undo(p->ops[i].kind) ? "- " : "+ ");
			op_format(&p->ops[i], &sb);
			sb_addc(&sb, '\n');
		}
		if (sb.len > 1 << 16) {
			fwrite(sb.buf, 1, sb.len, f);
			sb.len = 0;
		}
	}
	if (json)
		sb_add(&sb, "\n]}\n");
	fwrite(sb.buf ? sb.buf : "", 1, sb.len, f);
	sb_free(&sb);
}
