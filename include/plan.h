/* SPDX-License-Identifier: MIT */
#ifndef NSTOPO_PLAN_H
#define NSTOPO_PLAN_H

#include "topo.h"

/*
 * A plan is an ordered array of small operations, each one netlink
 * request, mount or sysctl write.  Ops carry names, not pointers into a
 * topology, so a plan can be written to a journal, read back, and
 * inverted without the file it came from.
 */

enum op_kind {
	OP_NETNS_ADD,
	OP_NETNS_DEL,
	OP_LINK_ADD,
	OP_LINK_DEL,
	OP_LINK_SET,
	OP_ADDR_ADD,
	OP_ADDR_DEL,
	OP_ROUTE_ADD,
	OP_ROUTE_DEL,
	OP_SYSCTL_SET,
	OP_SYSCTL_RESTORE,
	OP_EXEC,
	OP_QDISC_ADD,
	OP_PORT_ADD, /* an interface the host has joins a bridge (adopt) */
	OP_PORT_DEL, /* ...and leaves it, getting back what it had */
	OP__COUNT
};

/* Attributes of one interface as created or changed. */
struct op_if {
	const char *ns; /* namespace name; NULL: the host */
	const char *name;
	uint32_t mtu; /* 0: leave */
	bool has_mac;
	uint8_t mac[6];
	const char *master; /* enslave to this bridge (same namespace) */
	bool up;
};

struct op {
	enum op_kind kind;
	const char *node;  /* NETNS_ADD: the node's name in the file */
	struct op_if link; /* LINK_*: the interface (ns, name, ...) */
	enum link_kind type;
	struct op_if peer;   /* LINK_ADD veth: the other end */
	struct op_if parent; /* LINK_ADD macvlan/ipvlan/vlan: the lower link;
				the request runs in its namespace */
	uint32_t mode;	     /* macvlan/ipvlan mode */
	uint32_t id;
	bool mark;	    /* host link: owned, carries group + alias */
	bool settle;	    /* LINK_SET up: its carrier comes from the
			       kernel, later (apply --wait waits for it) */
	struct prefix addr; /* ADDR_* */
	bool dad;	    /* ADDR_ADD: leave duplicate address detection on */
	struct route_spec route;
	const char *key;	 /* SYSCTL_*: dotted key */
	const char *value;	 /* SYSCTL_SET: the value */
	const char *old_value;	 /* SYSCTL_*: value before (host only) */
	bool own;		 /* SYSCTL_SET: of an interface the lab makes,
				  so it has no old value to keep */
	struct qdisc_spec qdisc; /* QDISC_ADD on link.name */
	bool adopt;		 /* PORT_*: move addresses and routes */
	const char *saved;	 /* PORT_*: what the port had (a run learns) */
	char **argv;		 /* EXEC: the command, NULL-terminated */
	size_t argc;
	struct pos pos; /* where in the file it comes from */
};

/* op.link.ns is the namespace an op runs in for every kind. */
#define op_ns(op) ((op)->link.ns)

struct plan {
	struct arena arena;
	const char *lab;
	struct op *ops;
	size_t n_ops, cap_ops;
};

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

bool op_is_undo(enum op_kind kind);
void op_format(const struct op *op, struct strbuf *sb);
void op_json(const struct op *op, struct strbuf *sb);
void plan_print(const struct plan *p, FILE *f, bool json);

/* The sysctl written in every namespace nstopo creates, before links. */
extern const char *const plan_dad_sysctls[2];

#endif
