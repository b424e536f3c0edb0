/* SPDX-License-Identifier: MIT */
#ifndef NSTOPO_PLAN_H
#define NSTOPO_PLAN_H

#include "op.h"
#include "topo.h"

/**
 * plan_compile() - compile a validated topology into its apply plan
 * @t:		the topology (topo_validate() passed)
 *
 * Eight phases: every namespace (with lo and its sysctls), then every link
 * (each end with its own sysctls before it comes up; node ends of veth
 * pairs stay down), then host sysctls, impairments (qdiscs) and every
 * address, then those node ends come up, then the routes, then the
 * nodes' exec: commands, their wait: gates, then the relay of the
 * forwards.
 * Return: the plan, named t->name, with copies of every string it needs
 * (it outlives @t); free it with plan_free().
 */
struct plan *plan_compile(const struct topo *t);

/**
 * plan_invert() - the plan that undoes @p (all of it, or a prefix of it)
 * @p:		the plan, as applied or as a journal read it back
 *
 * Objects inside a namespace that @p creates are not deleted one by one:
 * deleting the namespace removes them.  Links in the host are deleted
 * explicitly (a veth dies with its pair), host addresses, routes and
 * sysctls on objects nstopo did not create are undone one by one.  The
 * undoing ops come in the order of their kind's undo_phase (op.h), each
 * phase from @p's last op to its first.
 * Return: the new plan (its own strings); free it with plan_free().
 */
struct plan *plan_invert(const struct plan *p);

/**
 * plan_equal() - do two plans do the same thing?
 *
 * Op by op with op_same() (old values learnt by a run aside), in any
 * order: builds order a plan differently (a journal of an earlier one
 * has every namespace before the links).
 * Return: true if @a and @b make the same lab.
 */
bool plan_equal(const struct plan *a, const struct plan *b);

/**
 * plan_new() - an empty plan of lab @lab (copied)
 *
 * Return: the plan; free it with plan_free().
 */
struct plan *plan_new(const char *lab);

/**
 * plan_push() - append an op to @p
 * @kind:	its kind
 * @ns:		its namespace (op.link.ns), NULL: the host; not copied
 *
 * Return: the op, zeroed but for its kind and namespace; valid until the
 * next push.
 */
struct op *plan_push(struct plan *p, enum op_kind kind, const char *ns);

/**
 * plan_settle_max() - how long the kernel may take to finish what @p's
 * requests started, on a busy machine: carrier, then the IPv6 set-up of
 * each address (a 10,000-node lab settles in tens of seconds).  apply
 * waits that long for the lab to be usable (running out is a warning),
 * and a route for its gateway's prefix route (see op_route.c).
 *
 * Return: seconds: 30, and a millisecond an op.
 */
double plan_settle_max(const struct plan *p);

/**
 * plan_reserve() - make room in @p for @n ops in all, at once
 *
 * Ops pushed one by one grow the array by doubling (in place once it is
 * large: arena_resize()); where the count is known first (a copy, an
 * inverse, a journal), or a bound of it (a compile), it is reserved at
 * once.
 */
void plan_reserve(struct plan *p, size_t n);

/**
 * plan_fit() - give back the room reserved in @p beyond its ops
 * @p:		the plan, whole (no pointer into its ops is kept)
 */
void plan_fit(struct plan *p);

/**
 * plan_if_key() - the key of interface @name of namespace @ns (NULL: the
 * host) in a map of interfaces, allocated in @a
 * Return: "NS|NAME".
 */
const char *plan_if_key(struct arena *a, const char *ns, const char *name);

/**
 * plan_own_op() - copy every string of @op into @p's arena, so that the
 * plan outlives the topology or plan the op came from
 * @p:		the plan @op is in (or goes into)
 * @op:		the op
 */
void plan_own_op(struct plan *p, struct op *op);

/**
 * plan_free() - free a plan and everything in its arena; NULL is fine
 */
void plan_free(struct plan *p);

/**
 * plan_learn_own() - mark the sysctls of interfaces @p makes as its own
 * (op->own, which a journal does not keep: they die with their interface
 * and keep no old value)
 */
void plan_learn_own(struct plan *p);

/**
 * plan_copy() - a copy of @p that owns all its strings
 * Return: the copy; plan_free() it.
 */
struct plan *plan_copy(const struct plan *p);

/**
 * plan_print() - write @p to @f, one "+ OP" or "- OP" line per op, or as
 * a JSON object {"lab", "count", "ops": [...]}
 * @json:	JSON rather than text
 */
void plan_print(const struct plan *p, FILE *f, bool json);

/* The DAD sysctls written in every namespace nstopo creates, before links. */
extern const char *const plan_dad_sysctls[2];

/* A sysctl and its value. */
struct plan_sysctl {
	const char *key, *value;
};

#define PLAN_NS_SYSCTLS 7

/* Every sysctl written in a namespace nstopo creates, before its links,
 * unless its file sets the key: accept_dad=0, keep_addr_on_down=1 and
 * accept_ra=0 in `all` and `default` (the DAD ones are plan_dad_sysctls),
 * and mldv2_unsolicited_report_interval=20 in `default`. */
extern const struct plan_sysctl plan_ns_sysctls[PLAN_NS_SYSCTLS];

#endif
