// SPDX-License-Identifier: MIT
/*
 * uplink.c - port.add and port.del: an interface the host has already
 * (its NIC) joins a lab's bridge, and leaves it.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "nl.h"
#include "nl_ra.h"
#include "nl_saved.h"
#include "run.h"

/*
 * Adopting an uplink.  What the port has is written down first (the
 * "saved" text of the op, journaled before anything changes): its
 * addresses and routes other than the kernel's, as the kernel's own
 * messages (nl_saved.h), every attribute and every route table, multipath
 * routes with a nexthop through the port included.  Then the addresses go
 * onto the bridge, the port joins it, the addresses leave the port and
 * the routes move over (a multipath route is replaced by one with the
 * bridge in the port's place).  Giving it back is one idempotent walk
 * (routes and addresses off the bridge, the port out, addresses and
 * routes back on it) where "already so" is fine, so it serves the op's
 * own recovery, rollback, destroy, and destroy after a kill alike: the
 * host keeps, or gets back, what it had.  A saved text that cannot be
 * read whole is refused: never a partial restore.
 */

/* Before a port op is journaled: what the port has now. */
static int prepare_port(struct run *x, struct op *op)
{
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
	if (!rc)
		rc = nl_saved_capture(x->host.nl, li.ifindex, &sb);
	if (!rc)
		op->saved = arena_strdup(&x->arena, sb.buf);
	sb_free(&sb);
	return rc ? run_fail(x, &x->host, rc) : 0;
}

/* The saved objects of @op, all or nothing. */
static int saved_of(struct run *x, const struct op *op, struct nl_saved **sv)
{
	int rc = nl_saved_decode(op->saved, sv);

	if (rc)
		snprintf(x->why, sizeof(x->why),
			 "%s: the journal's record of its addresses and "
			 "routes is damaged: none is moved from it",
			 op->link.name);
	return rc;
}

/* Is @err fine for a request that makes an object?  One that removes? */
static bool made(int err)
{
	return !err || err == -EEXIST;
}

static bool removed(int err)
{
	return !err || gone(err);
}

/* One step of a release: what is already so is fine; keep the first
 * failure that is not. */
static void step(struct run *x, int *first, int rc)
{
	if (!tolerable(rc) && !*first)
		*first = run_fail(x, &x->host, rc);
}

/*
 * Every saved route onto @on.  A route through a gateway that another of
 * them reaches needs that one first, and a dump does not list them in
 * that order: what the kernel refuses is tried again while the others
 * get in.  @fine says which answers are.  Return: 0 or the first failure.
 */
static int routes_add(struct run *x, const struct nl_saved *sv,
		      const struct nl_saved_on *on, bool (*fine)(int))
{
	size_t n = nl_saved_n_routes(sv), left = n, before;
	bool *todo = xcalloc(n + 1, sizeof(*todo));
	int rc = 0;

	for (size_t i = 0; i < n; i++)
		todo[i] = true;
	do {
		before = left;
		for (size_t i = 0; i < n; i++)
			if (todo[i] &&
			    fine(nl_saved_route(x->host.nl, sv, i, true, on))) {
				todo[i] = false;
				left--;
			}
	} while (left && left < before);
	/* Once more for the reason of the first that will not. */
	for (size_t i = 0; left && !rc && i < n; i++)
		if (todo[i]) {
			rc = nl_saved_route(x->host.nl, sv, i, true, on);
			rc = fine(rc) ? 0 : run_fail(x, &x->host, rc);
		}
	free(todo);
	return rc;
}

/*
 * Router-given configuration.  What the port learnt from router
 * advertisements (SLAAC addresses, the routes of on-link prefixes, default
 * routes) is the kernel's, bound to the port: a bridge port does no layer 3
 * of its own, so left there it would shadow the bridge (the route of the
 * LAN's prefix through the port, a default route that no longer works).
 * Copied onto the bridge it would be no one's (the kernel neither
 * refreshes nor withdraws what a program added).  So the bridge takes the
 * port's settings for advertisements and asks the LAN's routers (a
 * solicitation), learns what they give, and only then does the port's go;
 * when the port is given back, it is the other way round.  What the
 * routers give may have changed meanwhile: that is what the host gets.
 */

/* How long the bridge, or the port given back, waits for an
 * advertisement after soliciting one, if it had router-given state. */
#define RA_WAIT_MS 3000

/* The port's settings for router advertisements that the bridge takes
 * (the bridge is the lab's: they die with it), besides accept_ra.  A key
 * this kernel lacks is skipped. */
static const char *const ra_leaves[] = {
	"autoconf",
	"accept_ra_defrtr",
	"accept_ra_pinfo",
	"accept_ra_rtr_pref",
	"accept_ra_rt_info_min_plen",
	"accept_ra_rt_info_max_plen",
	"accept_ra_min_hop_limit",
	"accept_ra_mtu",
	"accept_ra_min_lft",
	"ra_defrtr_metric",
	"use_tempaddr",
	"temp_valid_lft",
	"temp_prefered_lft",
};

/* An interface's IPv6 sysctl @leaf as a number.  Return: 0 or -errno. */
static int ipv6_conf(struct run *x, const char *ifname, const char *leaf,
		     long *v)
{
	char key[96], val[32], *end;
	int rc;

	sysctl_if_key(key, sizeof(key), "ipv6", ifname, leaf);
	rc = sysctl_read_in(&x->host.dirs, key, val, sizeof(val));
	if (rc)
		return rc;
	*v = strtol(val, &end, 10);
	return end == val ? -EINVAL : 0;
}

/* Does @ifname take router advertisements (its accept_ra, as its
 * forwarding makes it)?  False where IPv6 is off (or disabled).  The
 * thread must be in the host. */
static bool takes_ra(struct run *x, const char *ifname)
{
	long ra, fwd, off;

	if (ipv6_conf(x, ifname, "accept_ra", &ra) ||
	    ipv6_conf(x, ifname, "forwarding", &fwd) ||
	    ipv6_conf(x, ifname, "disable_ipv6", &off) || off)
		return false;
	return ra == 2 || (ra == 1 && !fwd);
}

/*
 * The bridge takes advertisements as the port did: accept_ra so that it
 * takes them exactly when the port did (2 where the bridge forwards and
 * the port did not), and the settings of what it makes of them.  *takes
 * says whether it does.  Return: 0 or -errno.
 */
static int bridge_takes_ra(struct run *x, const char *port, const char *br,
			   bool *takes)
{
	char key[96], val[32];
	long ra, fwd;
	int rc = run_enter(x, &x->host);

	*takes = false;
	if (rc)
		return rc;
	if (ipv6_conf(x, br, "forwarding", &fwd))
		return 0; /* no IPv6 on the bridge */
	if (ipv6_conf(x, port, "accept_ra", &ra))
		ra = 0; /* none on the port: it took no advertisement */
	*takes = takes_ra(x, port);
	snprintf(val, sizeof(val), "%d", !*takes ? 0 : ra == 2 || fwd ? 2 : 1);
	sysctl_if_key(key, sizeof(key), "ipv6", br, "accept_ra");
	rc = sysctl_write_in(&x->host.dirs, key, val);
	for (size_t i = 0; !rc && i < ARRAY_SIZE(ra_leaves); i++) {
		sysctl_if_key(key, sizeof(key), "ipv6", port, ra_leaves[i]);
		if (sysctl_read_in(&x->host.dirs, key, val, sizeof(val)))
			continue;
		sysctl_if_key(key, sizeof(key), "ipv6", br, ra_leaves[i]);
		rc = sysctl_write_in(&x->host.dirs, key, val);
		if (rc == -ENOENT)
			rc = 0;
	}
	return rc;
}

/*
 * Solicit on @ifname (@ifindex, @mac) and, if @wait, wait for an
 * advertisement; a warning if none came.  Not soliciting is no failure:
 * the kernel solicits too, when the interface's carrier comes.
 */
static void solicit(struct run *x, const char *ifname, int ifindex,
		    const uint8_t *mac, bool wait, const char *what)
{
	int rc = run_enter(x, &x->host);

	if (!rc)
		rc = nl_ra_solicit(ifindex, mac, wait ? RA_WAIT_MS : 0);
	if (rc == -ETIMEDOUT)
		run_warn(x,
			 "%s: no router advertisement within %d s of a "
			 "solicitation: %s until a router sends one",
			 ifname, RA_WAIT_MS / 1000, what);
	else if (rc)
		run_warn(x, "%s: cannot send a router solicitation: %s", ifname,
			 strerror(-rc));
}

/*
 * The bridge takes over router-given configuration from the port: it
 * solicits (and waits for the answer, if the port had some), then the
 * port's goes.  Return: 0 or -errno.
 */
static int take_router_given(struct run *x, const struct op *op, int port,
			     int br, bool takes)
{
	struct nlsock *nl = x->host.nl;
	struct link_info li;
	size_t n = 0;
	int rc = nl_ra_given(nl, port, false, &n);

	if (!rc && takes && !netlink_link_get(nl, op->link.master, &li))
		solicit(x, op->link.master, br, li.mac, n > 0,
			"the host has no router-given address on it");
	if (!rc)
		rc = nl_ra_given(nl, port, true, NULL);
	return rc ? run_fail(x, &x->host, rc) : 0;
}

/*
 * ...and gives it back: the bridge's goes once the port has left it (no
 * more comes) and before the port's own addresses and routes are back;
 * then the port, if it takes advertisements, solicits, and waits for the
 * answer if the bridge had some (@had: how many).  Steps of a release.
 */
static void bridge_drops_ra(struct run *x, int *first,
			    const struct link_info *br, size_t *had)
{
	int rc = nl_ra_given(x->host.nl, br->ifindex, false, had);

	if (!rc && *had)
		rc = nl_ra_given(x->host.nl, br->ifindex, true, NULL);
	step(x, first, rc);
}

static void port_solicits(struct run *x, const struct op *op,
			  const struct link_info *port, size_t had)
{
	if (!run_enter(x, &x->host) && takes_ra(x, op->link.name))
		solicit(x, op->link.name, port->ifindex, port->mac, had > 0,
			"it has no router-given address");
}

/*
 * Give the port back what it had: idempotent, so it can run at any point
 * of an adoption, or again.  Returns the first error it could not help.
 */
static int port_release(struct run *x, const struct op *op)
{
	struct nlsock *nl = x->host.nl;
	struct nl_saved_on on_br, on_port;
	struct nl_saved *sv = NULL;
	struct link_info port, br;
	int rc, first = 0, have_br;
	size_t na, nr, had = 0;

	rc = saved_of(x, op, &sv);
	if (rc)
		return rc;
	rc = netlink_link_get(nl, op->link.name, &port);
	if (rc) {
		nl_saved_free(sv);
		return run_fail(x, &x->host, rc);
	}
	na = nl_saved_n_addrs(sv);
	nr = nl_saved_n_routes(sv);
	on_port = (struct nl_saved_on){ .ifindex = port.ifindex,
					.port = op->link.name,
					.name = op->link.name,
					.exact = true };
	have_br = !netlink_link_get(nl, op->link.master, &br);
	on_br = (struct nl_saved_on){ .ifindex = have_br ? br.ifindex : 0,
				      .port = op->link.name,
				      .name = op->link.master };
	/* A multipath route is replaced below, whatever it is now. */
	for (size_t i = 0; have_br && i < nr; i++)
		if (!nl_saved_multipath(sv, i))
			step(x, &first,
			     nl_saved_route(nl, sv, i, false, &on_br));
	for (size_t i = na; have_br && i-- > 0;)
		step(x, &first, nl_saved_addr(nl, sv, i, false, &on_br));
	if (have_br && port.master == br.ifindex)
		step(x, &first,
		     netlink_link_set(nl, &(struct link_req){
						  .ifindex = port.ifindex,
						  .master = -1,
						  .up = true,
						  .ns_fd = -1,
					  }));
	if (have_br && op->adopt)
		bridge_drops_ra(x, &first, &br, &had);
	for (size_t i = 0; i < na; i++)
		step(x, &first, nl_saved_addr(nl, sv, i, true, &on_port));
	rc = routes_add(x, sv, &on_port, tolerable);
	if (rc && !first)
		first = rc;
	if (op->adopt)
		port_solicits(x, op, &port, had);
	nl_saved_free(sv);
	return first;
}

/* 0 if @err is fine by @fine, else @err with its reason in x->why. */
static int must(struct run *x, int err, bool (*fine)(int))
{
	return fine(err) ? 0 : run_fail(x, &x->host, err);
}

static int do_port_add(struct run *x, struct op *op)
{
	struct nlsock *nl = x->host.nl;
	struct nl_saved *sv = NULL;
	struct nl_saved_on on_br, on_port;
	bool takes = false;
	int rc, port, br;
	size_t na, nr;

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
	rc = saved_of(x, op, &sv);
	if (rc)
		return rc;
	na = nl_saved_n_addrs(sv);
	nr = nl_saved_n_routes(sv);
	on_br = (struct nl_saved_on){ .ifindex = br,
				      .port = op->link.name,
				      .name = op->link.master };
	on_port = (struct nl_saved_on){ .ifindex = port,
					.port = op->link.name,
					.name = op->link.name };
	/* The bridge stands in for the port on the LAN: with the port's MAC
	 * (for good: ports joining later do not change it), what the
	 * neighbours have cached stays right, also once the port is back. */
	if (op->adopt) {
		struct link_info li;

		rc = netlink_link_get(nl, op->link.name, &li);
		if (!rc)
			rc = netlink_link_set(nl, &(struct link_req){
							  .ifindex = br,
							  .mac = li.mac,
							  .ns_fd = -1,
						  });
		rc = must(x, rc, made);
		/* ...and takes router advertisements as the port did, so
		 * the host gains no address or route it did not have; set
		 * before the port joins, the bridge solicits on its own
		 * once it has carrier. */
		if (!rc)
			rc = must(x,
				  bridge_takes_ra(x, op->link.name,
						  op->link.master, &takes),
				  made);
	}
	/* Onto the bridge first, so the host has them all along. */
	for (size_t i = 0; !rc && i < na; i++)
		rc = must(x, nl_saved_addr(nl, sv, i, true, &on_br), made);
	if (!rc)
		rc = must(x,
			  netlink_link_set(nl,
					   &(struct link_req){ .ifindex = port,
							       .master = br,
							       .up = true,
							       .ns_fd = -1 }),
			  made);
	for (size_t i = na; !rc && i-- > 0;)
		rc = must(x, nl_saved_addr(nl, sv, i, false, &on_port),
			  removed);
	/* An IPv4 port without addresses has lost its routes already;
	 * IPv6 keeps them, and would refuse the same route twice.  A
	 * multipath route stays, to be replaced. */
	for (size_t i = 0; !rc && i < nr; i++)
		if (!nl_saved_multipath(sv, i))
			rc = must(x, nl_saved_route(nl, sv, i, false, &on_port),
				  removed);
	if (!rc)
		rc = routes_add(x, sv, &on_br, made);
	if (!rc && op->adopt)
		rc = take_router_given(x, op, port, br, takes);
	nl_saved_free(sv);
	if (!rc)
		return 0;
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
