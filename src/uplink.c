// SPDX-License-Identifier: MIT
/*
 * uplink.c - port.add and port.del: an interface the host has already
 * (its NIC) joins a lab's bridge, and leaves it.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <string.h>

#include "nl.h"
#include "run.h"

/*
 * Adopting an uplink.  What the port has is written down first (the
 * "saved" text of the op, journaled before anything changes): its
 * permanent addresses and its routes other than the kernel's.  Then the
 * addresses go onto the bridge, the port joins it, the addresses leave the
 * port and the routes move over.  Giving it back is one idempotent walk
 * (routes and addresses off the bridge, the port out, addresses and routes
 * back on it) where "already so" is fine, so it serves the op's own
 * recovery, rollback, destroy, and destroy after a kill alike: the host
 * keeps, or gets back, what it had.
 *
 * Saved text: entries separated by '|', each
 *   a PREFIX FLAGS SCOPE [BROADCAST]
 *   r TO VIA|- METRIC TABLE TYPE PROTOCOL SCOPE FLAGS
 */
struct saved {
	struct addr_info *addrs;
	size_t n_addrs, cap_addrs;
	struct route_info *routes;
	size_t n_routes, cap_routes;
	struct arena arena;
	int port;
};

static int save_addr(const struct addr_info *a, void *arg)
{
	struct saved *sv = arg;
	bool link_local = prefix_is_link_local(&a->p);

	/* Addresses with lifetimes belong to whoever configures them
	 * (DHCP, router advertisements); link-local ones to the kernel. */
	if (a->ifindex == sv->port && a->permanent && !link_local)
		*(struct addr_info *)vec_push(&sv->arena, sv->addrs,
					      sv->n_addrs, sv->cap_addrs) = *a;
	return 0;
}

static int save_route(const struct route_info *r, void *arg)
{
	struct saved *sv = arg;

	if (r->oif == sv->port && !r->by_kernel && !r->by_ra &&
	    r->rtype == RT_UNICAST)
		*(struct route_info *)vec_push(&sv->arena, sv->routes,
					       sv->n_routes, sv->cap_routes) =
			*r;
	return 0;
}

static void saved_encode(const struct saved *sv, struct strbuf *sb)
{
	char a[INET6_ADDRSTRLEN + 4], b[INET6_ADDRSTRLEN];

	for (size_t i = 0; i < sv->n_addrs; i++) {
		const struct addr_info *ad = &sv->addrs[i];

		prefix_format(&ad->p, true, a, sizeof(a));
		sb_printf(sb, "%sa %s %u %u", sb->len ? "|" : "", a, ad->flags,
			  ad->scope);
		if (ad->has_brd)
			sb_printf(sb, " %u.%u.%u.%u", ad->brd[0], ad->brd[1],
				  ad->brd[2], ad->brd[3]);
	}
	for (size_t i = 0; i < sv->n_routes; i++) {
		const struct route_info *r = &sv->routes[i];

		prefix_format(&r->to, true, a, sizeof(a));
		if (r->has_via)
			prefix_format(&r->via, false, b, sizeof(b));
		sb_printf(sb, "%sr %s %s %u %u %u %u %u %u", sb->len ? "|" : "",
			  a, r->has_via ? b : "-", r->metric, r->table, r->type,
			  r->protocol, r->scope, r->flags);
		if (r->has_src) {
			prefix_format(&r->src, false, b, sizeof(b));
			sb_printf(sb, " %s", b);
		}
	}
}

static int saved_decode(const char *text, struct saved *sv)
{
	char *copy = arena_strdup(&sv->arena, text ? text : ""), *save = NULL;
	const char *why;

	for (char *e = strtok_r(copy, "|", &save); e;
	     e = strtok_r(NULL, "|", &save)) {
		char p1[64], p2[64], p3[64], p4[64];
		unsigned u[6];
		int n;

		if (e[0] == 'a' && (n = sscanf(e, "a %63s %u %u %63s", p1,
					       &u[0], &u[1], p2)) >= 3) {
			struct addr_info *a =
				vec_push(&sv->arena, sv->addrs, sv->n_addrs,
					 sv->cap_addrs);
			struct prefix brd;

			memset(a, 0, sizeof(*a));
			if (prefix_parse(p1, &a->p, true, &why))
				return -EBADMSG;
			a->flags = u[0];
			a->scope = (uint8_t)u[1];
			if (n == 4 && !prefix_parse(p2, &brd, false, &why)) {
				memcpy(a->brd, brd.bytes, 4);
				a->has_brd = true;
			}
		} else if (e[0] == 'r' &&
			   (n = sscanf(e, "r %63s %63s %u %u %u %u %u %u %63s",
				       p1, p3, &u[0], &u[1], &u[2], &u[3],
				       &u[4], &u[5], p4)) >= 8) {
			struct route_info *r =
				vec_push(&sv->arena, sv->routes, sv->n_routes,
					 sv->cap_routes);

			memset(r, 0, sizeof(*r));
			if (prefix_parse(p1, &r->to, true, &why))
				return -EBADMSG;
			r->has_via = strcmp(p3, "-") != 0;
			if (r->has_via &&
			    prefix_parse(p3, &r->via, false, &why))
				return -EBADMSG;
			r->metric = u[0];
			r->table = u[1];
			r->type = (uint8_t)u[2];
			r->protocol = (uint8_t)u[3];
			r->scope = (uint8_t)u[4];
			r->flags = u[5];
			r->has_src = n == 9;
			if (r->has_src &&
			    prefix_parse(p4, &r->src, false, &why))
				return -EBADMSG;
		} else {
			return -EBADMSG;
		}
	}
	return 0;
}

/* Before a port op is journaled: what the port has now. */
static int prepare_port(struct run *x, struct op *op)
{
	struct saved sv = { 0 };
	struct strbuf sb = { 0 };
	struct link_info li;
	int rc;

	if (op->saved)
		return 0;
	rc = netlink_link_get(x->host.nl, op->link.name, &li);
	if (rc == -ENODEV) {
		snprintf(x->why, sizeof(x->why), "the host has no interface %s",
			 op->link.name);
		return rc;
	}
	if (!rc && li.master) {
		snprintf(x->why, sizeof(x->why),
			 "%s is a port of another bridge already",
			 op->link.name);
		return -EBUSY;
	}
	if (!rc && !op->adopt)
		return 0; /* only joins: nothing to give back but itself */
	sv.port = li.ifindex;
	if (!rc)
		rc = netlink_addr_dump(x->host.nl, save_addr, &sv);
	if (!rc)
		rc = netlink_route_dump(x->host.nl, save_route, &sv);
	if (!rc) {
		saved_encode(&sv, &sb);
		op->saved = arena_strdup(&x->arena, sb.buf ? sb.buf : "");
	}
	sb_free(&sb);
	arena_free(&sv.arena);
	return rc ? run_fail(x, &x->host, rc) : 0;
}

/* One step of a release: what is already so is fine; keep the first
 * failure that is not. */
static void step(struct run *x, int *first, int rc)
{
	if (!tolerable(rc) && !*first)
		*first = run_fail(x, &x->host, rc);
}

/*
 * Give the port back what it had: idempotent, so it can run at any point
 * of an adoption, or again.  Returns the first error it could not help.
 */
static int port_release(struct run *x, const struct op *op)
{
	struct nlsock *nl = x->host.nl;
	struct saved sv = { 0 };
	struct link_info port, br;
	int rc, first = 0, have_br;

	rc = saved_decode(op->saved, &sv);
	if (!rc)
		rc = netlink_link_get(nl, op->link.name, &port);
	if (rc) {
		arena_free(&sv.arena);
		return run_fail(x, &x->host, rc);
	}
	have_br = !netlink_link_get(nl, op->link.master, &br);
	for (size_t i = 0; have_br && i < sv.n_routes; i++) {
		struct route_info r = sv.routes[i];

		r.oif = br.ifindex;
		step(x, &first, netlink_route_del_info(nl, &r));
	}
	for (size_t i = 0; have_br && i < sv.n_addrs; i++) {
		struct addr_info a = sv.addrs[i];

		a.ifindex = br.ifindex;
		step(x, &first, netlink_addr_del_info(nl, &a));
	}
	if (have_br && port.master == br.ifindex)
		step(x, &first,
		     netlink_link_set(nl, &(struct link_req){
						  .ifindex = port.ifindex,
						  .master = -1,
						  .up = true,
						  .ns_fd = -1,
					  }));
	for (size_t i = 0; i < sv.n_addrs; i++) {
		struct addr_info a = sv.addrs[i];

		a.ifindex = port.ifindex;
		step(x, &first, netlink_addr_add_info(nl, &a));
	}
	for (size_t i = 0; i < sv.n_routes; i++) {
		struct route_info r = sv.routes[i];

		r.oif = port.ifindex;
		step(x, &first, netlink_route_add_info(nl, &r));
	}
	arena_free(&sv.arena);
	return first;
}

static int copy_ra_sysctls(struct run *x, const char *from, const char *to)
{
	static const char *const leaves[] = { "accept_ra", "autoconf" };
	char key[96], val[32];
	int rc = run_enter(x, &x->host);

	for (size_t i = 0; !rc && i < ARRAY_SIZE(leaves); i++) {
		sysctl_if_key(key, sizeof(key), "ipv6", from, leaves[i]);
		rc = sysctl_read_in(&x->host.dirs, key, val, sizeof(val));
		if (rc == -ENOENT) /* IPv6 off on the port: nothing to copy */
			return 0;
		sysctl_if_key(key, sizeof(key), "ipv6", to, leaves[i]);
		if (!rc)
			rc = sysctl_write_in(&x->host.dirs, key, val);
	}
	return rc;
}

static int do_port_add(struct run *x, struct op *op)
{
	struct nlsock *nl = x->host.nl;
	struct saved sv = { 0 };
	int rc, port, br;

	/* An edit of a running lab: a port that has joined stays. */
	if (x->ensure && op->change == OPC_SAME)
		return 0;
	port = ifindex_of(x, &x->host, op->link.name);
	if (port < 0) {
		if (port == -ENODEV)
			snprintf(x->why, sizeof(x->why),
				 "the host has no interface %s", op->link.name);
		return port;
	}
	br = ifindex_of(x, &x->host, op->link.master);
	if (br < 0)
		return br;
	rc = saved_decode(op->saved, &sv);
	/* The bridge stands in for the port on the LAN: with the port's MAC
	 * (for good: ports joining later do not change it), what the
	 * neighbours have cached stays right, also once the port is back. */
	if (!rc && op->adopt) {
		struct link_info li;

		rc = netlink_link_get(nl, op->link.name, &li);
		if (!rc)
			rc = netlink_link_set(nl, &(struct link_req){
							  .ifindex = br,
							  .mac = li.mac,
							  .ns_fd = -1,
						  });
		/* ...and takes router advertisements as the port did, so
		 * the host gains no address or route it did not have.
		 * (The bridge is the lab's: these die with it.) */
		if (!rc)
			rc = copy_ra_sysctls(x, op->link.name, op->link.master);
	}
	/* Onto the bridge first, so the host has them all along. */
	for (size_t i = 0; !rc && i < sv.n_addrs; i++) {
		struct addr_info a = sv.addrs[i];

		a.ifindex = br;
		rc = netlink_addr_add_info(nl, &a);
		rc = rc == -EEXIST ? 0 : rc;
	}
	if (!rc)
		rc = netlink_link_set(nl, &(struct link_req){ .ifindex = port,
							      .master = br,
							      .up = true,
							      .ns_fd = -1 });
	for (size_t i = 0; !rc && i < sv.n_addrs; i++) {
		struct addr_info a = sv.addrs[i];

		a.ifindex = port;
		rc = netlink_addr_del_info(nl, &a);
		rc = gone(rc) ? 0 : rc;
	}
	/* An IPv4 port without addresses has lost its routes already;
	 * IPv6 keeps them, and would refuse the same route twice. */
	for (size_t i = 0; !rc && i < sv.n_routes; i++) {
		struct route_info r = sv.routes[i];

		r.oif = port;
		rc = netlink_route_del_info(nl, &r);
		rc = gone(rc) ? 0 : rc;
		r.oif = br;
		if (!rc)
			rc = netlink_route_add_info(nl, &r);
	}
	arena_free(&sv.arena);
	if (!rc)
		return 0;
	run_fail(x, &x->host, rc);
	port_release(x, op); /* the host keeps what it had */
	return rc;
}

static int do_port_del(struct run *x, struct op *op)
{
	return port_release(x, op);
}

static void port_add_format(const struct op *op, struct strbuf *sb)
{
	sb_printf(sb, "link set %s master %s%s", op->link.name, op->link.master,
		  op->adopt ? " (adopting its addresses and routes)" : "");
}

static void port_del_format(const struct op *op, struct strbuf *sb)
{
	sb_printf(sb, "link set %s nomaster%s", op->link.name,
		  op->adopt ? " (giving back its addresses and routes)" : "");
}

static void port_json(const struct op *op, struct strbuf *sb)
{
	sb_json_kv(sb, "port", op->link.name);
	sb_json_kv(sb, "bridge", op->link.master);
	sb_printf(sb, ",\"adopt\":%s", op->adopt ? "true" : "false");
}

static bool port_add_invert(const struct op *op, const struct op_made *m,
			    struct op *out)
{
	(void)m;
	out->kind = OP_PORT_DEL;
	out->link = op->link;
	out->adopt = op->adopt;
	out->saved = op->saved;
	return true;
}

static const enum op_field port_fields[] = {
	OF_NS, OF_NAME, OF_MASTER, OF_ADOPT, OF__COUNT,
};

static const enum op_field port_learned[] = { OF_SAVED, OF__COUNT };

static const enum op_field port_identity[] = {
	OF_NAME,
	OF_MASTER,
	OF__COUNT,
};

const struct op_desc port_add_op = {
	.name = "port.add",
	.object = OBJ_PORT,
	.undo_phase = 1,
	.invert = port_add_invert,
	.prepare = prepare_port,
	.run = do_port_add,
	.format = port_add_format,
	.json = port_json,
	.fields = port_fields,
	.learned = port_learned,
	.identity = port_identity,
};

const struct op_desc port_del_op = {
	.name = "port.del",
	.undo = true,
	.run = do_port_del,
	.format = port_del_format,
	.json = port_json,
	.fields = port_fields,
	.learned = port_learned,
};
