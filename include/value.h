/* SPDX-License-Identifier: MIT */
#ifndef NSTOPO_VALUE_H
#define NSTOPO_VALUE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util.h"

/*
 * The small value types every stage shares (addresses, names, sysctl
 * keys, route types, MAC addresses), with their syntax.  They depend on
 * nothing but util: the model, the plan and the netlink module all use
 * them, and none of those is needed to use them.
 */

#define LAB_NAME_MAX 24	 /* [a-z0-9][a-z0-9-]{0,23} */
#define NODE_NAME_MAX 32 /* [A-Za-z0-9][A-Za-z0-9_.-]{0,31} */
#define NS_PREFIX_MAX 32
#define INSTANCE_MAX 12 /* --prefix P: [a-z0-9]{1,12} */
/* A lab's name, or an instance's: "LAB@P" (lab_name_valid()). */
#define LAB_ID_MAX (LAB_NAME_MAX + 1 + INSTANCE_MAX)
#define IFNAME_MAX 15 /* IFNAMSIZ - 1 */
#define RT_TABLE_MAIN_ID 254
#define RT_TABLE_LOCAL_ID 255

/* An IPv4 or IPv6 address with a prefix length. */
struct prefix {
	uint8_t family; /* AF_INET or AF_INET6 */
	uint8_t plen;
	uint8_t bytes[16];
};

/**
 * prefix_parse() - read "ADDRESS[/LEN]"
 * @s:		the text
 * @p:		the result (zeroed first)
 * @need_len:	true: "/LEN" is required; false: it is refused
 * @why:	on failure, why, to follow the text in a message
 *
 * Return: 0, or -1 with @why set.
 */
int prefix_parse(const char *s, struct prefix *p, bool need_len,
		 const char **why);

/**
 * prefix_format() - write @p as "ADDRESS" or "ADDRESS/LEN" into @buf
 * @p:		the prefix
 * @with_len:	append "/LEN"
 * @buf, @len:	the output; INET6_ADDRSTRLEN + 4 bytes always suffice
 */
void prefix_format(const struct prefix *p, bool with_len, char *buf,
		   size_t len);

/**
 * prefix_equal() - same family, length and address bytes?
 * Return: true if @a and @b are the same prefix.
 */
bool prefix_equal(const struct prefix *a, const struct prefix *b);

/**
 * prefix_contains() - is @addr inside the network @net?
 * Return: true if the families match and the first @net->plen bits do.
 */
bool prefix_contains(const struct prefix *net, const struct prefix *addr);

/**
 * prefix_subnet() - @p with its host bits cleared: the subnet it is on
 * Return: the subnet, with @p's family and prefix length.
 */
struct prefix prefix_subnet(const struct prefix *p);

/**
 * prefix_broadcast() - @p with its host bits set: its subnet's broadcast
 * address (for IPv4)
 * Return: that address, with @p's family and prefix length.
 */
struct prefix prefix_broadcast(const struct prefix *p);

/**
 * prefix_has_host_bits() - has @p bits set beyond its prefix length?
 * Return: true if so (10.0.0.1/24), false for a network (10.0.0.0/24).
 */
bool prefix_has_host_bits(const struct prefix *p);

/**
 * prefix_is_link_local() - is @p an IPv6 link-local address (fe80::/10)?
 * Return: true if so.
 */
bool prefix_is_link_local(const struct prefix *p);

/**
 * ifname_valid() - an interface name the kernel takes (dev_valid_name())
 * @s:		the name
 * @why:	on failure, why, to follow the name in a message
 *
 * Also refuses '%' (name templates), control characters, and "all" and
 * "default", which the kernel's sysctl directories use.
 * Return: true if valid.
 */
bool ifname_valid(const char *s, const char **why);

/**
 * node_name_valid() - [A-Za-z0-9][A-Za-z0-9_.-]{0,31}, ASCII only
 * Return: true if @s is a valid node name.
 */
bool node_name_valid(const char *s);

/**
 * lab_name_valid() - a lab's name, [a-z0-9][a-z0-9-]{0,23}, or the name
 * of an instance of one, "LAB@P" (see instance_valid())
 * Return: true if @s is either.
 */
bool lab_name_valid(const char *s);

/**
 * instance_valid() - an instance prefix (--prefix P): 1 to INSTANCE_MAX
 * of a-z and 0-9; no '-', so that "P-" ends where the first '-' is
 * @s:		the prefix
 * @why:	on failure, why, to follow the prefix in a message
 *
 * Return: true if valid.
 */
bool instance_valid(const char *s, const char **why);

/**
 * instance_ifname() - the name interface @name of the host gets in
 * instance @inst of a lab: "P-NAME" when that fits IFNAME_MAX; else its
 * first 8 bytes (without a trailing '-'), '-' and 6 hex digits of a hash
 * of "P-NAME", so the name is the same on every run and machine
 * @inst:	the prefix (valid)
 * @name:	the name the file gives (valid)
 * @out:	the result
 *
 * Return: @out.
 */
char *instance_ifname(const char *inst, const char *name,
		      char out[IFNAME_MAX + 1]);

/**
 * lab_name_from_path() - the default lab name of a file: its stem
 * @a:		where the name is allocated
 * @path:	the file ("-" is standard input: "stdin")
 *
 * Lower-cased, characters a lab name cannot hold turned into '-', cut to
 * LAB_NAME_MAX.
 * Return: the name ("lab" if nothing of the stem is left).
 */
const char *lab_name_from_path(struct arena *a, const char *path);

/**
 * sysctl_key_ifname() - the interface a per-interface key is about
 * @key:	net.ipv{4,6}.{conf,neigh}.IF.LEAF, dotted
 * @name:	IF, with sysctl(8)'s '/' turned back into '.'
 *
 * "all" and "default" are names like any other here.
 * Return: true if @key is such a key (and @name is set).
 */
bool sysctl_key_ifname(const char *key, char name[IFNAME_MAX + 1]);

/**
 * sysctl_if_key() - the dotted key net.FAMILY.conf.IF.LEAF
 * @buf, @len:	the output (96 bytes suffice for every key nstopo writes)
 * @family:	"ipv4" or "ipv6"
 * @ifname:	the interface; a '.' in it is written '/', as sysctl(8) does
 * @leaf:	"accept_dad", "forwarding"...
 *
 * Return: @buf.
 */
char *sysctl_if_key(char *buf, size_t len, const char *family,
		    const char *ifname, const char *leaf);

/* Route types of the file format (`type:`). */
enum route_type {
	RT_UNICAST,
	RT_BLACKHOLE,
	RT_UNREACHABLE,
	RT_PROHIBIT,
	RT_LOCAL,
	RT__COUNT
};

/**
 * route_type_name() - "unicast", "blackhole"... as files write it
 * Return: the name of @t.
 */
const char *route_type_name(enum route_type t);

/**
 * route_type_find() - the type a file's `type:` names
 * Return: the type, or -1 if @name is none.
 */
int route_type_find(const char *name);

/* The names of every route type, in enum order, for suggestions. */
extern const char *const route_type_names[RT__COUNT];

/* A route as nstopo makes one (the plan's view of a file's route). */
struct route_spec {
	struct prefix to;
	bool has_via;
	struct prefix via; /* plen is the full length */
	const char *dev;   /* NULL: from the gateway */
	uint32_t metric;
	uint32_t table;
	uint8_t type; /* enum route_type */
	bool onlink;
};

/* Impairment on an interface's egress: netem (with a rate under it) or
 * a rate alone (tbf).  Probabilities in millionths. */
struct qdisc_spec {
	bool netem;
	uint32_t delay_us, jitter_us;
	uint32_t loss_ppm, duplicate_ppm, reorder_ppm, corrupt_ppm;
	uint32_t rate; /* bytes per second, 0: none */
};

/* A readiness gate of a node (`wait:`): what must hold before the lab
 * is used. */
enum gate_kind {
	GATE_NONE,
	GATE_TCP,  /* a port on an address of the node accepts */
	GATE_CMD,  /* a command run in the node exits 0 */
	GATE_FILE, /* a file exists */
	GATE__COUNT
};

#define GATE_TIMEOUT_MS 10000u	  /* when the file gives none */
#define GATE_TIMEOUT_MAX 3600000u /* ms */

struct gate_spec {
	uint8_t kind;	     /* enum gate_kind */
	uint32_t port;	     /* TCP */
	struct prefix addr;  /* TCP: where to connect (plen: full) */
	const char *path;    /* FILE */
	uint32_t timeout_ms; /* how long it may take to open */
	uint32_t item;	     /* its place in the node's wait:, from 1 */
};

/**
 * gate_kind_name() - "tcp", "cmd" or "file", as files write it
 * Return: the name of @k ("?" if none).
 */
const char *gate_kind_name(unsigned k);

/* A tunnel over the machine's underlay (a VXLAN): where it goes, from
 * where.  Addresses have their full length; family 0: not given. */
struct tunnel_spec {
	struct prefix remote; /* its default destination (a VXLAN's group) */
	struct prefix local;  /* its source address on the underlay */
	const char *dev;      /* the underlay device; NULL: not bound */
	uint32_t port;	      /* UDP destination port */
};

/**
 * lab_group() - the interface group of the host links of lab @lab
 * Return: a number with a fixed tag in its high byte.
 */
uint32_t lab_group(const char *lab);

/**
 * lab_mark() - the alias of the host links of lab @lab: "nstopo:LAB"
 * @buf, @len:	the output
 */
void lab_mark(const char *lab, char *buf, size_t len);

#define LINK_MARK_MAX 64 /* "nstopo:" LAB "/" IFNAME and a NUL, with room */

/**
 * lab_link_mark() - the alias of host link @ifname of lab @lab:
 * "nstopo:LAB/IFNAME", so it is known for the lab's even when renamed
 * @buf, @len:	the output (LINK_MARK_MAX bytes)
 *
 * Return: @buf.
 */
char *lab_link_mark(const char *lab, const char *ifname, char *buf, size_t len);

#define MAC_TEXT 18 /* "02:00:00:00:00:01" and its NUL */

/**
 * mac_parse() - read "xx:xx:xx:xx:xx:xx" (hex digits, any case)
 * Return: 0, or -1 if @s is not exactly that.
 */
int mac_parse(const char *s, uint8_t mac[6]);

/**
 * mac_format() - write @mac as "xx:xx:xx:xx:xx:xx"
 * Return: @buf.
 */
char *mac_format(const uint8_t mac[6], char buf[MAC_TEXT]);

#endif
