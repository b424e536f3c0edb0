// SPDX-License-Identifier: MIT
/*
 * nl_bridge.c - a bridge's IFLA_INFO_DATA (its row in linkkind.c): the
 * kernel's multicast settings of a bridge that is its ports' querier.
 * Like nl.c, built with libnl's message API; only its fill functions
 * speak the bridge's netlink attributes.
 */
#include <linux/if_link.h>
#include <netlink/attr.h>
#include <netlink/msg.h>

#include "linkkind.h"
#include "nl.h"

/*
 * The bridge as its ports' multicast querier (BRIDGE_QUERIER), snooping
 * on.  Once it has queried, the kernel forwards MLDv1 reports to
 * multicast routers only (the querier, the bridge itself) instead of
 * flooding them to every port: so its MLD queries are version 1, which
 * the nodes then answer in kind (it floods MLDv2 reports whatever the
 * querier), and the node ends of its ports speak version 1 from their
 * first report (force_mld_version, compile.c).  Its IGMP queries are version 3, as the nodes speak: a
 * version 2 query answered "at once" (code 0) would read as IGMPv1.
 *
 * Queries ask for answers at once (a response interval of 0): a node
 * whose first report was lost, sent before its port forwarded, is asked
 * again when the port starts forwarding and answers within a jiffy, and
 * not at random within 10 s (until then the bridge forwards the
 * node's groups nowhere).  Three startup queries a second apart after a
 * port comes up, then every 125 s (the kernel's default), catch later
 * losses.
 *
 * The kernel lets a new querier wait one response interval before it acts
 * (flooding meanwhile), and reads that interval after the querier switch
 * within a request: the bridge is made with the interval, and becomes the
 * querier in a change right after (nl_fill_bridge_again()).
 */
#define BR_STARTUP_QUERY_CS 100 /* centiseconds (clock_t), as the kernel */
#define BR_STARTUP_QUERIES 3

int nl_fill_bridge(struct nl_msg *msg, const struct link_req *r)
{
	struct nlattr *data;

	if (!(r->mode & BRIDGE_QUERIER))
		return 0;
	if (!(data = nla_nest_start(msg, IFLA_INFO_DATA)) ||
	    nla_put_u8(msg, IFLA_BR_MCAST_SNOOPING, 1) < 0 ||
	    nla_put_u8(msg, IFLA_BR_MCAST_IGMP_VERSION, 3) < 0 ||
	    nla_put_u8(msg, IFLA_BR_MCAST_MLD_VERSION, 1) < 0 ||
	    nla_put_u64(msg, IFLA_BR_MCAST_QUERY_RESPONSE_INTVL, 0) < 0 ||
	    nla_put_u32(msg, IFLA_BR_MCAST_STARTUP_QUERY_CNT,
			BR_STARTUP_QUERIES) < 0 ||
	    nla_put_u64(msg, IFLA_BR_MCAST_STARTUP_QUERY_INTVL,
			BR_STARTUP_QUERY_CS) < 0)
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
