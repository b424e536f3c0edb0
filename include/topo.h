/* SPDX-License-Identifier: MIT */
#ifndef NSTOPO_TOPO_H
#define NSTOPO_TOPO_H

#include <netinet/in.h>

#include "linkkind.h"
#include "relay.h"
#include "util.h"
#include "value.h"

/* The topology model: what a file says, with every object's position. */

#define HOST_NODE 0	      /* node 0 is always the host namespace */
#define BRIDGE_MAX_PORTS 1023 /* BR_MAX_PORTS - 1: port 0 is reserved */
#define TOPO_MAX_NODES 100000 /* see LIMITS in nstopo.8 */

struct addr_cfg {
	struct prefix p;
	struct pos pos;
};

struct sysctl {
	const char *key;   /* dotted, as written: net.ipv4.ip_forward */
	const char *value; /* text written to /proc/sys */
	struct pos pos;
};

struct route {
	struct prefix to;
	bool to_default; /* written as `default`: family from `via` */
	bool has_via;
	struct prefix via; /* plen is the full length */
	const char *dev;   /* NULL: the kernel picks it from `via` */
	bool has_metric;
	uint32_t metric;
	uint32_t table; /* RT_TABLE_MAIN_ID unless given */
	bool has_table;
	enum route_type type;
	bool onlink;
	bool intercept; /* made from `intercept:` */
	struct pos pos, to_pos, via_pos, dev_pos;
};

/* Link impairment on an interface's egress (a qdisc). */
struct shaping {
	uint32_t delay_us, jitter_us;
	/* Probabilities, in percent. */
	double loss, duplicate, reorder, corrupt;
	uint64_t rate; /* bytes per second, 0: no limit */
	bool netem;    /* any of the netem settings is given */
	struct pos pos;
};

/* Settings for one interface, from a node's `interfaces:`. */
struct iface_cfg {
	const char *name;
	struct pos pos;
	struct addr_cfg *addrs;
	size_t n_addrs, cap_addrs;
	uint32_t mtu; /* 0: unset */
	struct pos mtu_pos;
	bool has_mac;
	uint8_t mac[6];
	struct pos mac_pos;
	int up;			 /* -1 unset, else 0/1 */
	int accept_ra, autoconf; /* -1 unset, else 0/1 */
	struct shaping shape;
};

/* A command of `exec:`, run in the node once the lab is up. */
struct exec_cmd {
	char **argv; /* NULL-terminated; a string item is sh -c STRING */
	size_t argc;
	struct pos pos;
};

/* A readiness gate (`wait:`), checked once the lab's commands have run. */
struct gate {
	struct gate_spec s;
	bool has_addr; /* tcp: `address:` given (else validate picks one) */
	char **argv;   /* cmd: NULL-terminated; a string is sh -c STRING */
	size_t argc;
	struct pos pos, addr_pos;
};

/* A machine of a lab spread over several (`hosts:`). */
struct host {
	const char *name;
	struct pos pos;
	struct prefix address; /* its underlay address (full length); family
				  0: not given */
	const char *ssh;       /* how to reach it; NULL: its name */
	const char *dev;       /* its underlay device, or NULL */
	uint32_t mtu;	       /* its underlay's MTU */
	bool lost;	       /* its settings had errors (reported) */
	struct pos address_pos, ssh_pos, dev_pos, mtu_pos;
};

#define HOSTS_MAX 64  /* machines a lab may span */
#define HOST_MTU 1500 /* an underlay's MTU unless `mtu:` says */
/*
 * A forwarded port (`forwards:`, at the top level or a node's): a socket
 * listening in the host or a node, relayed to an address in a node.
 */
struct forward {
	enum relay_proto proto;
	struct relay_endpoint listen;	   /* node "": the host */
	struct relay_endpoint to;	   /* node always set */
	const char *listen_text, *to_text; /* as written */
	int listen_node, to_node;	   /* resolved by validate */
	struct pos pos, listen_pos, to_pos;
};

#define TOPO_MAX_FORWARDS 1024 /* a relay's listening sockets, at most */

struct node {
	const char *name;
	const char *ns; /* namespace name (prefix + name); NULL for host */
	struct pos pos;
	bool is_host;
	bool declared; /* written under nodes: (host may be implicit) */
	struct sysctl *sysctls;
	size_t n_sysctls, cap_sysctls;
	struct iface_cfg *ifcfg;
	size_t n_ifcfg, cap_ifcfg;
	struct route *routes;
	size_t n_routes, cap_routes;
	struct exec_cmd *exec;
	size_t n_exec, cap_exec;
	struct gate *gates;
	size_t n_gates, cap_gates;
	bool has_routes, has_intercept, has_exec; /* key present (defaults
						     don't apply then) */
	bool lost_addrs;     /* an interface setting of it was dropped */
	struct strmap ifmap; /* interface name -> index in topo->ifaces */
	/* The machine it is on (`hosts:`): as written, and resolved. */
	const char *host_name; /* `host:`, or NULL: the first host */
	struct pos host_pos;
	int host; /* index in topo->hosts (0 without `hosts:`) */
};

/* An interface listed in a bridge's `ports:`. */
struct bridge_port {
	const char *name;
	struct pos pos;
	int iface; /* made by the file, or -1: the host has it already */
};

struct bridge {
	const char *name;
	struct pos pos;
	const char *node_name; /* NULL: host */
	struct pos node_pos;
	int node;
	int iface;	/* its entry in topo->ifaces */
	size_t n_ports; /* every port, for the kernel's limit */
	struct bridge_port *ports;
	size_t n_given, cap_given;
	bool adopt; /* take over the addresses and routes of host ports */
	struct pos adopt_pos;
	bool has_querier; /* `querier:` given; else the default (see compile.c) */
	bool querier;	  /* the multicast querier of its ports */
	struct pos querier_pos;
};

/* `NODE:IFNAME`, `BRIDGE` or `BRIDGE:PORTNAME`, resolved by validate. */
struct endpoint {
	const char *text;
	struct pos pos;
	int node;	    /* namespace this end lives in */
	int bridge;	    /* -1, or the bridge it is enslaved to */
	const char *ifname; /* given or derived */
	int iface;	    /* its entry in topo->ifaces */
};

struct link {
	enum link_kind kind;
	struct endpoint ep[2];
	struct endpoint parent; /* kinds with a parent: NODE:IFNAME */
	int parent_iface;	/* or -1: an existing interface of the host */
	uint32_t mode;		/* the kernel's value of its mode, if any */
	uint32_t id;		/* its number (a vlan's id), if any */
	uint32_t mtu;
	const char *mode_name;
	struct tunnel_spec tun; /* kinds over the underlay (vxlan) */
	struct pos pos, mtu_pos, kind_pos, mode_pos, id_pos;
	struct pos remote_pos, local_pos, dev_pos, port_pos;
};

/* 2 for a pair, 1 for a link with one end. */
static inline unsigned link_ends(const struct link *l)
{
	return link_kind(l->kind)->ends;
}

/* Every interface the topology creates, in creation order. */
struct iface {
	enum link_kind kind;
	int node;
	const char *name;
	int link;   /* LK_VETH: the link that makes it */
	int peer;   /* LK_VETH: the other end */
	int master; /* -1, or the bridge interface it is a port of */
	int bridge; /* LK_BRIDGE: index in topo->bridges */
	const struct iface_cfg *cfg; /* NULL when unconfigured */
	uint32_t mtu;		     /* 0: kernel default */
	bool no_ipv6; /* its MTU is below 1280: the kernel gives it no IPv6 */
	struct pos pos;
	int host;	/* the machine it is on (index in topo->hosts) */
	uint64_t hosts; /* a bridge of the host namespace: every machine it
			   is made on (bit i: topo->hosts[i]) */
};

struct topo {
	struct arena arena;
	const char *file;
	const char *name;
	struct pos name_pos;
	const char *ns_prefix;
	struct pos prefix_pos;
	const char *instance; /* --prefix P: an instance (instance.h), or NULL */
	struct node defaults; /* `defaults:`: sysctl, routes, intercept */
	bool has_defaults;
	struct node *nodes; /* [HOST_NODE] is the host */
	size_t n_nodes, cap_nodes;
	struct bridge *bridges;
	size_t n_bridges, cap_bridges;
	struct link *links;
	size_t n_links, cap_links;
	struct iface *ifaces;
	size_t n_ifaces, cap_ifaces;
	struct forward *forwards; /* top level and nodes, in file order */
	size_t n_forwards, cap_forwards;
	struct strmap node_map, bridge_map;
	struct host *hosts; /* `hosts:`, in file order */
	size_t n_hosts, cap_hosts;
	struct strmap host_map;
	/* What parsing had to drop: the checks that would only repeat such
	 * an error (a name not found because its definition was dropped)
	 * stay quiet, for the nodes it touches (each node's lost_addrs,
	 * lost_link_nodes) or, where that cannot be known, for all. */
	bool lost_nodes, lost_links;
	struct strmap lost_link_nodes; /* nodes named by dropped links */
};

/**
 * topo_new() - an empty topology, with only the host node
 * @file:	the file it is read from, for messages
 *
 * Return: the topology; free it with topo_free().
 */
struct topo *topo_new(const char *file);

/**
 * topo_free() - free a topology and everything in it; NULL is fine
 */
void topo_free(struct topo *t);

/**
 * topo_lost_link_at() - may a link of node @n have been dropped by the
 * parser (so what it made is unknown)?
 * Return: true if a dropped link named @n, or one whose nodes are
 * unknown was dropped.
 */
bool topo_lost_link_at(const struct topo *t, const struct node *n);

/**
 * node_has_iface() - has node @n an interface @name (lo, or one the
 * topology makes there)?
 * Return: true if so.
 */
bool node_has_iface(const struct node *n, const char *name);

#endif
