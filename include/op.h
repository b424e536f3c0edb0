/* SPDX-License-Identifier: MIT */
#ifndef NSTOPO_OP_H
#define NSTOPO_OP_H

#include "linkkind.h"
#include "util.h"
#include "value.h"

/*
 * Operations, the steps of a plan, and what describes each kind of them.
 *
 * A plan is an ordered array of small operations, each one netlink
 * request, mount or sysctl write.  Ops carry names, not pointers into a
 * topology, so a plan can be written to a journal, read back, and
 * inverted without the file it came from.
 *
 * Each op kind is described once, by a struct op_desc in the file that
 * runs it (op_netns.c, op_link.c, op_addr.c, op_route.c, op_sysctl.c,
 * op_exec.c, op_qdisc.c, op_relay.c, uplink.c): its name, its inverse, how it runs,
 * how it prints, and which fields the journal keeps and a comparison
 * looks at.  opkind.c lists them; everything else reads them there.
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
	OP_PORT_ADD,	/* an interface the host has joins a bridge (adopt) */
	OP_PORT_DEL,	/* ...and leaves it, getting back what it had */
	OP_WAIT,	/* a readiness gate: wait until it opens */
	OP_FDB_ADD,	/* a tunnel's all-zero FDB entry: flood to one more
			machine (head-end replication) */
	OP_RELAY_START, /* the lab's forwarded ports: its relay process */
	OP_RELAY_STOP,
	/* what an exec op started, stopped (an edit drops the command) */
	OP_EXEC_STOP,
	OP__COUNT
};

/* Attributes of one interface as created or changed. */
struct op_if {
	const char *ns; /* namespace name; NULL: the host */
	const char *name;
	const char *master; /* enslave to this bridge (same namespace) */
	uint32_t mtu;	    /* 0: leave */
	uint8_t mac[6];
	bool has_mac;
	bool up;
	/* LINK_ADD of a pair: the end stays down until the lab's late ends
	 * come up (compile.c's late_up()); read back once made, for speed
	 * only (do_link_add()).  Not journaled: a plan read back from the
	 * journal has it false, and makes its pairs without the read-back. */
	bool late;
};

/*
 * One op.  A plan of a 10,000-node lab holds some 160,000 of them (and a
 * run the inverse and the journal's too), so what only one kind uses
 * shares one place: the union below holds a route, a qdisc, a gate, a
 * tunnel's ends or a sysctl, never two (each kind's fields, op_desc,
 * name which).  Code reads a member of it only for the kinds that use
 * it; plan_own_op() copies its strings the same way.
 */
struct op {
	enum op_kind kind;
	enum link_kind type;
	uint32_t mode;	     /* its kind's mode, the kernel's value */
	uint32_t id;	     /* its kind's number (a vlan's id, a VNI) */
	const char *node;    /* NETNS_ADD: the node's name in the file */
	struct op_if link;   /* LINK_*: the interface (ns, name, ...) */
	struct op_if peer;   /* LINK_ADD of a pair: the other end */
	struct op_if parent; /* LINK_ADD of a kind with a parent: the lower
				link; the request runs in its namespace */
	struct prefix addr;  /* ADDR_* */
	bool mark;	     /* host link: owned, carries group + alias */
	bool settle;	     /* LINK_SET up, or a bridge's late mode step:
				its carrier comes from the kernel, later
				(apply's usable wait reads it back) */
	bool dad;	/* ADDR_ADD: leave duplicate address detection on */
	bool adopt;	/* PORT_*: move addresses and routes */
	uint8_t change; /* reconcile: enum op_change (never journaled) */
	union {
		struct route_spec route; /* ROUTE_* */
		struct qdisc_spec qdisc; /* QDISC_ADD on link.name */
		struct gate_spec gate;	 /* WAIT */
		/* LINK_ADD of a kind over the underlay (vxlan): its ends;
		 * FDB_ADD: tun.remote, the machine to flood to */
		struct tunnel_spec tun;
		struct {		       /* SYSCTL_* */
			const char *key;       /* dotted key */
			const char *value;     /* SET: the value */
			const char *old_value; /* value before (host only) */
			bool own; /* SET: of an interface the lab makes,
				     so it has no old value to keep */
		};
	};
	const char *saved; /* PORT_*: what the port had (a run learns) */
	char **argv;	   /* EXEC, WAIT: the command, NULL-terminated;
				    RELAY_*: the forwards (relay_spec) */
	size_t argc;
	uint32_t pid;	 /* RELAY_*: the process (a run learns) */
	uint64_t pstart; /* ...and when it started (/proc/PID/stat) */
	struct pos pos;	 /* where in the file it comes from */
	/* What a run knows of it, never journaled. */
	size_t seq;    /* its record's sequence number, read back */
	size_t origin; /* an inverse op: 1 + the index it undoes */
};

/* An op of a plan that changes a running lab (reconcile.c). */
enum op_change {
	OPC_NEW,     /* to be made (an op of a new lab, every one) */
	OPC_SAME,    /* made already: checked, repaired if it drifted */
	OPC_CHANGED, /* made already, other than it should be: changed */
};

/* op.link.ns is the namespace an op runs in for every kind. */
#define op_ns(op) ((op)->link.ns)

struct plan {
	struct arena arena;
	const char *lab;
	struct op *ops;
	size_t n_ops, cap_ops;
	const char *owned[256]; /* plan_own_op()'s last copies */
};

/*
 * The fields of an op that the journal keeps and a comparison looks at,
 * one for each member of struct op that says what an op does (opkind.c
 * maps each to its journal key, type and place).
 */
enum op_field {
	OF_NODE,
	OF_NS,
	OF_NAME,
	OF_TYPE,
	OF_MTU,
	OF_MAC,
	OF_MASTER,
	OF_UP,
	OF_PNS,
	OF_PNAME,
	OF_PMTU,
	OF_PMAC,
	OF_PMASTER,
	OF_PUP,
	OF_PARNS,
	OF_PARENT,
	OF_MODE,
	OF_ID,
	OF_MARK,
	OF_ADDR,
	OF_DAD,
	OF_TO,
	OF_VIA,
	OF_DEV,
	OF_METRIC,
	OF_TABLE,
	OF_RTYPE,
	OF_ONLINK,
	OF_KEY,
	OF_VALUE,
	OF_OLD,
	OF_ARGV,
	OF_NETEM,
	OF_DELAY,
	OF_JITTER,
	OF_LOSS,
	OF_DUP,
	OF_REORDER,
	OF_CORRUPT,
	OF_RATE,
	OF_ADOPT,
	OF_SAVED,
	OF_GATE,
	OF_GPORT,
	OF_GADDR,
	OF_PATH,
	OF_TIMEOUT,
	OF_ITEM,
	OF_REMOTE,
	OF_LOCAL,
	OF_UNDERLAY,
	OF_DPORT,
	OF_PID,
	OF_PSTART,
	OF__COUNT /* ends a list of fields */
};

/* What an op leaves in the kernel, for status to expect. */
enum op_object {
	OBJ_NONE,
	OBJ_NETNS,
	OBJ_LINK,
	OBJ_ADDR,
	OBJ_ROUTE,
	OBJ_SYSCTL,
	OBJ_PORT,
	OBJ_FDB,
	OBJ_RELAY,
};

/* What plan_invert() knows about an op as it inverts it. */
struct op_made {
	bool ns;   /* the namespace the op runs in is made by the plan */
	bool link; /* the interface the op is about (subject) is too */
	bool peer; /* a pair's other end is in a namespace the plan makes */
};

struct run; /* a plan being run (run.h) */

struct op_desc {
	const char *name; /* "link.add": journal and JSON */
	bool undo;	  /* it takes something away ('-' in a plan) */
	enum op_object object;
	/*
	 * plan_invert(): the op that undoes @op, in @out (zeroed), or false
	 * if nothing needs undoing; ops are undone in the order of their
	 * undo_phase (1: what sits on links, 2: host links, 3: namespaces),
	 * each phase from the last op to the first.  NULL: never undone.
	 */
	int undo_phase;
	bool (*invert)(const struct op *op, const struct op_made *m,
		       struct op *out);
	/* The interface the op is about, if any (for op_made.link). */
	const char *(*subject)(const struct op *op, char buf[IFNAME_MAX + 1]);
	/* Before it is journaled, what a run must learn (an old value). */
	int (*prepare)(struct run *x, struct op *op);
	int (*run)(struct run *x, struct op *op);
	/* "link add eth0 type veth ..." (op_format() adds " @NS" unless
	 * the text names the namespace itself), and its JSON members after
	 * "op", "netns" and "node". */
	bool names_ns;
	void (*format)(const struct op *op, struct strbuf *sb);
	void (*json)(const struct op *op, struct strbuf *sb);
	const enum op_field *fields;  /* what it does, OF__COUNT-ended */
	const enum op_field *learned; /* journaled, not compared; or NULL */
	/*
	 * Reconcile: the fields that name the object the op makes, so an
	 * op of the running lab and one of the edited file are about the
	 * same object (NULL: the op has no object of its own: it is run
	 * again, and never removed); and the fields that may differ while
	 * the object is changed in place (else it is made again).
	 */
	const enum op_field *identity;
	const enum op_field *in_place;
};

/* The descriptions, each in the file of its kind. */
extern const struct op_desc netns_add_op, netns_del_op;
extern const struct op_desc link_add_op, link_del_op, link_set_op;
extern const struct op_desc addr_add_op, addr_del_op;
extern const struct op_desc route_add_op, route_del_op;
extern const struct op_desc sysctl_set_op, sysctl_restore_op;
extern const struct op_desc exec_op, exec_stop_op, qdisc_add_op;
extern const struct op_desc port_add_op, port_del_op;
extern const struct op_desc wait_op;
extern const struct op_desc fdb_add_op;
extern const struct op_desc relay_start_op, relay_stop_op;

/* " @NS": the namespace label every op's text ends with. */
static inline const char *ns_label(const char *ns)
{
	return ns ? ns : "host";
}

#endif
