/* SPDX-License-Identifier: MIT */
#ifndef NSTOPO_PLAN_H
#define NSTOPO_PLAN_H

#include "op.h"
#include "topo.h"

/*
 * plan_compile() - compile a validated topology into its apply plan
 *
 * Phases: every namespace (with its sysctls and lo), then every link
 * (each end with its own sysctls before it comes up), then each
 * namespace's addresses, then the node ends of veth pairs come up, then
 * the routes, then the nodes' exec: commands.
 */
struct plan *plan_compile(const struct topo *t);

/*
 * plan_invert() - the plan that undoes @p (all of it, or a prefix of it)
 *
 * Objects inside a namespace that @p creates are not deleted one by one:
 * deleting the namespace removes them.  Links in the host are deleted
 * explicitly (a veth dies with its pair), host addresses, routes and
 * sysctls on objects nstopo did not create are undone one by one.
 */
struct plan *plan_invert(const struct plan *p);

/* Do two plans do the same thing (old values learnt by a run aside)? */
bool plan_equal(const struct plan *a, const struct plan *b);

struct plan *plan_new(const char *lab);
struct op *plan_push(struct plan *p, enum op_kind kind, const char *ns);
void plan_free(struct plan *p);

void plan_print(const struct plan *p, FILE *f, bool json);

/* The sysctl written in every namespace nstopo creates, before links. */
extern const char *const plan_dad_sysctls[2];

#endif
