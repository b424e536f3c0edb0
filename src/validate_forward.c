// SPDX-License-Identifier: MIT
/*
 * validate_forward.c - the rules of `forwards:` that need the whole file:
 * the nodes they name exist; a listening address is one a socket can be
 * bound to in its node, a target one the target node has or reaches; no
 * two forwards listen on one socket.  A lab over several machines
 * (hosts:) has none yet: one relay reaches the namespaces of one.
 *
 * What the host has is not the file's to know: a forward listening in
 * the host, or going to it, is judged when the relay binds (apply says
 * why it cannot).  Addresses a node learns by itself (SLAAC) are not
 * known either: with autoconf or accept-ra on, any IPv6 address passes.
 */
#include <arpa/inet.h>
#include <string.h>

#include "validate_forward.h"

/* The address of @a as a host prefix. */
static struct prefix host_prefix(const union relay_sa *a)
{
	struct prefix p = { 0 };

	if (a->sa.sa_family == AF_INET6) {
		p.family = AF_INET6;
		p.plen = 128;
		memcpy(p.bytes, &a->in6.sin6_addr, 16);
	} else {
		p.family = AF_INET;
		p.plen = 32;
		memcpy(p.bytes, &a->in.sin_addr, 4);
	}
	return p;
}

static uint16_t port_of(const union relay_sa *a)
{
	return ntohs(a->sa.sa_family == AF_INET6 ? a->in6.sin6_port :
						   a->in.sin_port);
}

static bool wildcard(const struct prefix *p)
{
	static const uint8_t zero[16];

	return !memcmp(p->bytes, zero, p->family == AF_INET ? 4 : 16);
}

static bool loopback(const struct prefix *p)
{
	static const uint8_t one6[16] = { [15] = 1 };

	if (p->family == AF_INET)
		return p->bytes[0] == 127;
	return !memcmp(p->bytes, one6, 16);
}

/* Is @p (a host prefix) one of @n's addresses? */
static bool has_addr(const struct node *n, const struct prefix *p)
{
	for (size_t i = 0; i < n->n_ifcfg; i++)
		for (size_t k = 0; k < n->ifcfg[i].n_addrs; k++) {
			const struct prefix *a = &n->ifcfg[i].addrs[k].p;

			if (a->family == p->family &&
			    !memcmp(a->bytes, p->bytes,
				    p->family == AF_INET ? 4 : 16))
				return true;
		}
	return false;
}

/* Does one of @n's local routes (an intercept) take @p as its own? */
static bool intercepted(const struct node *n, const struct prefix *p)
{
	for (size_t i = 0; i < n->n_routes; i++)
		if (n->routes[i].type == RT_LOCAL &&
		    prefix_contains(&n->routes[i].to, p))
			return true;
	return false;
}

/* Can a socket of @n reach @p: on a subnet of its own, or by a route? */
static bool reaches(const struct node *n, const struct prefix *p)
{
	for (size_t i = 0; i < n->n_ifcfg; i++)
		for (size_t k = 0; k < n->ifcfg[i].n_addrs; k++)
			if (prefix_contains(&n->ifcfg[i].addrs[k].p, p))
				return true;
	for (size_t i = 0; i < n->n_routes; i++) {
		const struct route *r = &n->routes[i];

		if ((r->type == RT_UNICAST || r->type == RT_LOCAL) &&
		    prefix_contains(&r->to, p))
			return true;
	}
	return false;
}

/* May @n have IPv6 addresses the file does not list (SLAAC)? */
static bool learns_v6(const struct node *n)
{
	for (size_t i = 0; i < n->n_ifcfg; i++)
		if (n->ifcfg[i].autoconf > 0 || n->ifcfg[i].accept_ra > 0)
			return true;
	return false;
}

/* Are @n's addresses all known (nothing of it was dropped by the parser)? */
static bool addrs_known(const struct topo *t, const struct node *n)
{
	return !n->lost_addrs && !topo_lost_link_at(t, n) && !t->lost_links;
}

/* Node @name of a forward's @what side, or -1 (reported). */
static int node_of(const struct topo *t, struct diags *d, const char *name,
		   struct pos pos, const char *what)
{
	const char *near = NULL;
	size_t best = 3;
	int i = strmap_get(&t->node_map, name);

	if (i >= 0 || t->lost_nodes)
		return i;
	for (size_t k = 0; k < t->n_nodes; k++) {
		size_t dist = edit_distance(name, t->nodes[k].name, 2);

		if (dist < best) {
			best = dist;
			near = t->nodes[k].name;
		}
	}
	if (near)
		diag_add(
			d, pos,
			"forward %s: node '%s' is not defined (did you mean '%s'?)",
			what, name, near);
	else
		diag_add(d, pos, "forward %s: node '%s' is not defined", what,
			 name);
	return -1;
}

static void check_listen(const struct topo *t, struct diags *d,
			 const struct forward *f)
{
	const struct node *n = &t->nodes[f->listen_node];
	struct prefix p = host_prefix(&f->listen.addr);
	char a[INET6_ADDRSTRLEN + 4];

	if (n->is_host || !addrs_known(t, n) || wildcard(&p) || loopback(&p) ||
	    has_addr(n, &p) || intercepted(n, &p) ||
	    (p.family == AF_INET6 && learns_v6(n)))
		return;
	prefix_format(&p, false, a, sizeof(a));
	diag_add(
		d, f->listen_pos,
		"forward listen '%s': %s is not an address of node '%s' (give it one under 'interfaces', listen on %s, or on loopback)",
		f->listen_text, a, n->name,
		p.family == AF_INET ? "0.0.0.0" : "[::]");
}

static void check_to(const struct topo *t, struct diags *d,
		     const struct forward *f)
{
	const struct node *n = &t->nodes[f->to_node];
	struct prefix p = host_prefix(&f->to.addr);
	char a[INET6_ADDRSTRLEN + 4];

	if (n->is_host || !addrs_known(t, n) || loopback(&p) ||
	    has_addr(n, &p) || reaches(n, &p) ||
	    (p.family == AF_INET6 && learns_v6(n)))
		return;
	prefix_format(&p, false, a, sizeof(a));
	diag_add(
		d, f->to_pos,
		"forward to '%s': %s is not an address of node '%s', nor on a subnet or route of it: the relay could not connect there",
		f->to_text, a, n->name);
}

/*
 * No two forwards listen on one socket: the same node, protocol, family
 * and port, and the same address or a wildcard one (0.0.0.0:80 takes
 * port 80 of every IPv4 address; [::]:80 is IPv6 only).
 */
static void check_sockets(const struct topo *t, struct diags *d)
{
	struct strmap any = { 0 }, wild = { 0 }, exact = { 0 };
	struct arena a = { 0 };

	for (size_t i = 0; i < t->n_forwards; i++) {
		const struct forward *f = &t->forwards[i];
		struct prefix p = host_prefix(&f->listen.addr);
		char addr[INET6_ADDRSTRLEN + 4];
		const char *port_key, *addr_key;
		int prev;

		if (f->listen_node < 0)
			continue;
		prefix_format(&p, false, addr, sizeof(addr));
		port_key = arena_printf(&a, "%d|%d|%d|%u", f->listen_node,
					(int)f->proto, p.family,
					port_of(&f->listen.addr));
		addr_key = arena_printf(&a, "%s|%s", port_key, addr);
		prev = wildcard(&p) ? strmap_get(&any, port_key) :
				      strmap_get(&wild, port_key);
		if (prev < 0)
			prev = strmap_get(&exact, addr_key);
		if (prev >= 0) {
			const struct forward *o = &t->forwards[prev];

			diag_add(
				d, f->listen_pos,
				"forward listen '%s': %s port %u is taken there by the forward at %u:%u (listen '%s')",
				f->listen_text, relay_proto_name(f->proto),
				port_of(&f->listen.addr), o->pos.line,
				o->pos.col, o->listen_text);
			continue;
		}
		if (strmap_get(&any, port_key) < 0)
			strmap_put(&any, port_key, (int)i);
		if (wildcard(&p) && strmap_get(&wild, port_key) < 0)
			strmap_put(&wild, port_key, (int)i);
		strmap_put(&exact, addr_key, (int)i);
	}
	strmap_free(&any);
	strmap_free(&wild);
	strmap_free(&exact);
	arena_free(&a);
}

void validate_forwards(struct topo *t, struct diags *d)
{
	/* One relay holds both ends of a forward: both on one machine. */
	if (t->n_hosts && t->n_forwards) {
		diag_add(
			d, t->forwards[0].pos,
			"forwards are not supported in a lab over several machines (hosts:): the relay must reach both ends on one");
		return;
	}
	for (size_t i = 0; i < t->n_forwards; i++) {
		struct forward *f = &t->forwards[i];

		f->listen_node = f->listen.node[0] ?
					 node_of(t, d, f->listen.node,
						 f->listen_pos, "listen") :
					 HOST_NODE;
		f->to_node = node_of(t, d, f->to.node, f->to_pos, "to");
		if (f->listen_node >= 0)
			check_listen(t, d, f);
		if (f->to_node >= 0)
			check_to(t, d, f);
	}
	check_sockets(t, d);
}
