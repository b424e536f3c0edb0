// SPDX-License-Identifier: MIT
/*
 * nl_bridge.c - a bridge's IFLA_INFO_DATA (its row in linkkind.c): the
 * kernel's multicast settings of a bridge that is its ports' querier;
 * and what such a bridge has learnt (its multicast database).
 * Like nl.c, built with libnl's message API; only its fill functions
 * speak the bridge's netlink attributes.
 */
#include <arpa/inet.h>
#include <linux/if_bridge.h>
#include <linux/if_ether.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <netlink/attr.h>
#include <netlink/msg.h>
#include <stdbool.h>

#include "linkkind.h"
#include "nl.h"

/*
 * A plain bridge is made with multicast snooping off, and switched on
 * (nl_fill_bridge_mode()) once its ports have joined: a plan's link set
 * of the bridge (compile.c).  While snooping is on, each port that
 * starts forwarding makes the kernel restart the multicast timers of
 * every port of the bridge (br_port_state_selection() ->
 * br_multicast_enable_port()), which is quadratic in the ports joining
 * one by one; switched on once they are all in, it does that once.
 * Until then the bridge floods multicast, as it does with snooping on
 * and no querier.
 *
 * The bridge as its ports' multicast querier (BRIDGE_QUERIER): once it
 * has queried, the kernel forwards MLDv1 reports to multicast routers
 * only (the querier, the bridge itself) instead of flooding them to every
 * port: so its MLD queries are version 1, which the nodes then answer in
 * kind (it floods MLDv2 reports whatever the querier), and the node ends
 * of its ports speak version 1 from their first report
 * (force_mld_version, compile.c).  Its IGMP queries are version 3, as the
 * nodes speak: a version 2 query answered "at once" (code 0) would read
 * as IGMPv1.  Such a bridge snoops from the start: with snooping off
 * while its ports joined, the reports the nodes sent meanwhile (their
 * repeats, and those of addresses done with DAD) were flooded to every
 * port, hundreds of packets on 30 ports in t-querier, the flood the
 * querier is there to end.  Its ports joining one by one then cost the
 * kernel the quadratic restarts above, and each restart queries every
 * port again: the price of asking for a querier.
 *
 * Queries ask for answers at once (a response interval of 0): a node
 * whose first report was lost, sent before its port forwarded, is asked
 * again when its port starts forwarding and answers within a jiffy, and
 * not at random within 10 s (until then the bridge forwards the node's
 * groups nowhere).  Three startup queries a second apart, then every
 * 125 s (the kernel's default), catch later losses.
 *
 * The kernel lets a new querier wait one response interval before it acts
 * (until a timer at least a jiffy away has run, it floods what it would
 * forward to the querier alone), and reads that interval after the
 * querier switch within a request: the interval is set at creation, and
 * the bridge becomes the querier in a change right after
 * (nl_fill_bridge_again()), before any port has joined.  A mode change
 * sets the interval, then the querier, the same way.
 */
#define BR_STARTUP_QUERY_CS 100 /* centiseconds (clock_t), as the kernel */
#define BR_STARTUP_QUERIES 3

/* The kernel's defaults (br_multicast_ctx_init()), in its units. */
#define BR_DEFAULT_IGMP_VERSION 2
#define BR_DEFAULT_RESPONSE_CS 1000
#define BR_DEFAULT_STARTUP_QUERIES 2
#define BR_DEFAULT_STARTUP_QUERY_CS 3125

/* The settings of @mode's queries (the querier switch aside). */
static int put_queries(struct nl_msg *msg, uint32_t mode)
{
	bool q = mode & BRIDGE_QUERIER;

	if (nla_put_u8(msg, IFLA_BR_MCAST_IGMP_VERSION,
		       q ? 3 : BR_DEFAULT_IGMP_VERSION) < 0 ||
	    nla_put_u8(msg, IFLA_BR_MCAST_MLD_VERSION, 1) < 0 ||
	    nla_put_u64(msg, IFLA_BR_MCAST_QUERY_RESPONSE_INTVL,
			q ? 0 : BR_DEFAULT_RESPONSE_CS) < 0 ||
	    nla_put_u32(msg, IFLA_BR_MCAST_STARTUP_QUERY_CNT,
			q ? BR_STARTUP_QUERIES : BR_DEFAULT_STARTUP_QUERIES) <
		    0 ||
	    nla_put_u64(msg, IFLA_BR_MCAST_STARTUP_QUERY_INTVL,
			q ? BR_STARTUP_QUERY_CS : BR_DEFAULT_STARTUP_QUERY_CS) <
		    0)
		return -1;
	return 0;
}

int nl_fill_bridge(struct nl_msg *msg, const struct link_req *r)
{
	struct nlattr *data = nla_nest_start(msg, IFLA_INFO_DATA);
	bool q = r->mode & BRIDGE_QUERIER;

	if (!data || nla_put_u8(msg, IFLA_BR_MCAST_SNOOPING, q) < 0 ||
	    (q && put_queries(msg, r->mode) < 0))
		return -1;
	nla_nest_end(msg, data);
	return 0;
}

int nl_fill_bridge_again(struct nl_msg *msg, const struct link_req *r)
{
	struct nlattr *data;

	if (!(r->mode & BRIDGE_QUERIER))
		return 0;
	if (!(data = nla_nest_start(msg, IFLA_INFO_DATA)) ||
	    nla_put_u8(msg, IFLA_BR_MCAST_QUERIER, 1) < 0)
		return -1;
	nla_nest_end(msg, data);
	return 0;
}

int nl_fill_bridge_mode(struct nl_msg *msg, const struct link_req *r)
{
	struct nlattr *data = nla_nest_start(msg, IFLA_INFO_DATA);

	if (!data || nla_put_u8(msg, IFLA_BR_MCAST_SNOOPING, 1) < 0 ||
	    (!(r->mode & BRIDGE_QUERIER) &&
	     nla_put_u8(msg, IFLA_BR_MCAST_QUERIER, 0) < 0) ||
	    put_queries(msg, r->mode) < 0)
		return -1;
	nla_nest_end(msg, data);
	return 0;
}

/* A bridge's multicast database (RTM_GETMDB), for the usable wait. */

struct mdb_ctx {
	int (*fn)(int port, const uint8_t group[16], void *arg);
	void *arg;
};

static int mdb_one(const struct nlmsghdr *h, void *arg)
{
	struct mdb_ctx *c = arg;
	struct nlattr *tb[MDBA_MAX + 1], *db, *ent;
	int r1, r2, rc;

	/* (A dump's messages have the request's type.) */
	if ((h->nlmsg_type != RTM_GETMDB && h->nlmsg_type != RTM_NEWMDB) ||
	    nlmsg_parse((struct nlmsghdr *)h, sizeof(struct br_port_msg), tb,
			MDBA_MAX, NULL) < 0 ||
	    !tb[MDBA_MDB])
		return 0;
	/* MDBA_MDB > MDBA_MDB_ENTRY > MDBA_MDB_ENTRY_INFO: a br_mdb_entry
	 * (and, nested after it, attributes this does not read). */
	nla_for_each_nested(db, tb[MDBA_MDB], r1)
	{
		if (nla_type(db) != MDBA_MDB_ENTRY)
			continue;
		nla_for_each_nested(ent, db, r2)
		{
			const struct br_mdb_entry *e = nla_data(ent);

			if (nla_type(ent) != MDBA_MDB_ENTRY_INFO ||
			    nla_len(ent) < (int)sizeof(*e) ||
			    e->addr.proto != htons(ETH_P_IPV6))
				continue;
			rc = c->fn((int)e->ifindex, e->addr.u.ip6.s6_addr,
				   c->arg);
			if (rc)
				return rc;
		}
	}
	return 0;
}

int netlink_mdb6_dump(struct nlsock *s,
		      int (*fn)(int port, const uint8_t group[16], void *arg),
		      void *arg)
{
	struct br_port_msg bpm = { .family = AF_BRIDGE };
	struct mdb_ctx c = { .fn = fn, .arg = arg };

	return nlsock_dump(s, RTM_GETMDB, &bpm, sizeof(bpm), mdb_one, &c);
}
