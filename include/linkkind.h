/* SPDX-License-Identifier: MIT */
#ifndef NSTOPO_LINKKIND_H
#define NSTOPO_LINKKIND_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * The kinds of interface a lab makes, each described once, in one row of
 * linkkind.c: what a file writes for it, what it needs, where it is made,
 * and how its netlink request is filled.  The parser, the validator, the
 * planner, the printers, the graph and apply read the row; nothing else
 * knows a kind by name.  Adding a kind is its row, its fill function in
 * nl.c, its man page entry and its tests.
 */

/*
 * The numbers are in journals (`type=N`): a kind keeps its number, and
 * a new one takes the next.
 */
enum link_kind {
	LK_NONE,
	LK_VETH,
	LK_BRIDGE,
	LK_DUMMY,
	LK_MACVLAN,
	LK_IPVLAN,
	LK_VLAN,
	LK_VXLAN,
	LK__COUNT
};

/*
 * A bridge's mode (op.mode of its link.add and of the link set that
 * switches its snooping on): the multicast querier of its ports, with
 * startup queries as it becomes the querier (nl_bridge.c); 0: the
 * kernel's defaults.
 */
#define BRIDGE_QUERIER 1u

/* Where the request that makes an interface of a kind goes. */
enum link_home {
	HOME_OWN,    /* its own namespace (a veth pair: the main end's) */
	HOME_PARENT, /* its parent's namespace, placing it in its own */
	HOME_HOST,   /* the host's namespace, placing it in its own: a
			tunnel whose socket stays on the machine's underlay */
};

/* A mode a file may name, and the kernel's value of it. */
struct link_mode {
	const char *name;
	uint32_t value;
	/* The only link on its parent (EINVAL for a second one), and it
	 * has the parent's MAC (a macvlan's passthru). */
	bool alone;
};

struct nl_msg;
struct link_req;

struct link_kind_desc {
	const char *name; /* in files (`kind:`), plans, and the kernel's */
	/* 2: a pair (`endpoints:`); 1: one interface (`endpoint:`); 0:
	 * made by `bridges:`, never written in `links:` */
	unsigned ends;
	enum link_home home;
	bool parent; /* sits on a parent interface (`parent:`) */
	/* Takes its parent's receive handler, as a bridge port does: its
	 * parent can be no bridge port, nor the parent of another kind
	 * that takes it (EBUSY); on a parent of its own kind, the kernel
	 * puts it on that one's parent. */
	bool rx_handler;
	const char *id_key; /* the file's key of its number, or NULL */
	uint32_t id_min, id_max;
	const struct link_mode *modes; /* `mode:`, or NULL: it has none */
	size_t n_modes;
	int default_mode;  /* index in modes when `mode:` is not given */
	bool mode0_unsaid; /* plans name its mode only when it is not 0 */
	/* The kernel keeps an MTU given at creation only until ports join
	 * (a bridge follows its smallest port): it is made with another
	 * MTU and set after creation, a change, which makes it the user's
	 * (br_change_mtu(); setting the MTU a link has changes nothing). */
	bool mtu_again;
	/* A tunnel over the machine's underlay: takes `remote`, `local`,
	 * `dev` and `dstport` (default_port when not given). */
	bool underlay;
	uint16_t default_port;
	/* Deleted on its own before its namespace goes: the kernel frees
	 * what it holds in the host (a VXLAN's VNI) only once its namespace
	 * cleanup has run, which a quick re-apply would race. */
	bool del_first;
	/* Transmit queues each interface is made with (0: the kernel's
	 * default); see its row. */
	uint32_t txqueues;
	/* IFLA_INFO_DATA of its RTM_NEWLINK (nl.c), or NULL: none. */
	int (*fill)(struct nl_msg *msg, const struct link_req *r);
	/* IFLA_INFO_DATA of a change sent right after it is made and right
	 * after fill_mode's, or NULL:
	 * settings whose effect depends on others the kernel applies after
	 * them within one request. */
	int (*fill_again)(struct nl_msg *msg, const struct link_req *r);
	/* IFLA_INFO_DATA that changes an existing interface to the mode
	 * r->mode, whatever it had (then fill_again), or NULL: an edit that
	 * changes its mode makes it again.  A bridge is made by fill with
	 * snooping off (a querier bridge: on), and a plan's link set of it
	 * (op type LK_BRIDGE) runs fill_mode once its ports have joined
	 * (nl_bridge.c). */
	int (*fill_mode)(struct nl_msg *msg, const struct link_req *r);
};

/**
 * link_kind() - the description of a kind
 * Return: its row (for LK_NONE, a row named "").
 */
const struct link_kind_desc *link_kind(enum link_kind k);

/**
 * link_kind_pair() - is a link of kind @k a pair (two interfaces)?
 * Return: true for a pair (veth).
 */
static inline bool link_kind_pair(enum link_kind k)
{
	return link_kind(k)->ends == 2;
}

/**
 * link_kind_find() - the kind a file or the kernel calls @name
 * Return: the kind, or LK_NONE if no kind is called so.
 */
enum link_kind link_kind_find(const char *name);

/**
 * link_kind_names() - the names of the kinds a file may write in `kind:`
 * @names:	filled with up to LK__COUNT names
 *
 * Return: how many.
 */
size_t link_kind_names(const char *names[LK__COUNT]);

/**
 * link_mode_find() - the kernel's value of a mode of kind @k
 * @k:		the kind
 * @name:	the mode as a file writes it
 * @value:	its value
 *
 * Return: 0, or -1 if @k has no such mode.
 */
int link_mode_find(enum link_kind k, const char *name, uint32_t *value);

/**
 * link_mode_of() - a mode of kind @k, from the kernel's value
 * Return: its row, or NULL if @k has no mode of that value.
 */
const struct link_mode *link_mode_of(enum link_kind k, uint32_t value);

/**
 * link_mode_name() - a mode's name, from the kernel's value
 * Return: the name, or "?" if @k has no mode of that value.
 */
const char *link_mode_name(enum link_kind k, uint32_t value);

/**
 * link_modes_text() - the modes of @k, space separated, for messages
 * @buf, @len:	the output
 *
 * Return: @buf.
 */
char *link_modes_text(enum link_kind k, char *buf, size_t len);

#endif
