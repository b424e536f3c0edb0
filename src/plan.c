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
	if (n <= p->cap_ops)
		return;
	p->ops = arena_resize(&p->arena, p->ops, p->cap_ops * sizeof(*p->ops),
			      n * sizeof(*p->ops));
	p->cap_ops = n;
}

void plan_fit(struct plan *p)
{
	if (p->n_ops == p->cap_ops || !p->n_ops)
		return;
	p->ops = arena_resize(&p->arena, p->ops, p->cap_ops * sizeof(*p->ops),
			      p->n_ops * sizeof(*p->ops));
	p->cap_ops = p->n_ops;
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
	plan_fit(inv);
	return inv;
}

/*
 * The same ops, in any order: each op of @a is matched with one of @b's
 * that op_same() finds equal, found by op_same_key().  The order of a
 * plan's ops is the build's (compile.c): a lab an earlier build applied,
 * its namespaces all before its links, is the same lab.
 */
bool plan_equal(const struct plan *a, const struct plan *b)
{
	size_t n = a->n_ops, *next, *head;
	struct strmap keys = { 0 };
	struct strbuf sb = { 0 };
	struct arena ar = { 0 };
	bool eq = true, *used;
	int buckets = 0;

	if (a->n_ops != b->n_ops)
		return false;
	next = xcalloc(n + 1, sizeof(*next));
	head = xcalloc(n + 1, sizeof(*head));
	used = xcalloc(n + 1, sizeof(*used));
	/* @b's ops, one chain a key, each in @b's order. */
	for (size_t i = n; i-- > 0;) {
		int k;

		sb.len = 0;
		op_same_key(&b->ops[i], &sb);
		k = strmap_put(&keys, arena_strdup(&ar, sb.buf), buckets);
		if (k < 0) {
			k = buckets++;
			head[k] = SIZE_MAX;
		}
		next[i] = head[k];
		head[k] = i;
	}
	for (size_t i = 0; i < n && eq; i++) {
		size_t j;
		int k;

		sb.len = 0;
		op_same_key(&a->ops[i], &sb);
		k = strmap_get(&keys, sb.buf);
		j = k < 0 ? SIZE_MAX : head[k];
		while (j != SIZE_MAX &&
		       (used[j] || !op_same(&a->ops[i], &b->ops[j])))
			j = next[j];
		eq = j != SIZE_MAX;
		if (eq)
			used[j] = true;
	}
	sb_free(&sb);
	strmap_free(&keys);
	arena_free(&ar);
	free(used);
	free(head);
	free(next);
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
