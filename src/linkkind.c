// SPDX-License-Identifier: MIT
/*
 * linkkind.c - the kinds of interface a lab makes, one row each.
 */
#include <stdio.h>
#include <string.h>

#include "linkkind.h"
#include "nl.h"
#include "util.h"

/* The kernel's values (linux/if_link.h: MACVLAN_MODE_*, IPVLAN_MODE_*). */
static const struct link_mode macvlan_modes[] = {
	{ .name = "private", .value = 1 },
	{ .name = "vepa", .value = 2 },
	{ .name = "bridge", .value = 4 },
	{ .name = "passthru", .value = 8, .alone = true },
	{ .name = "source", .value = 16 },
};

static const struct link_mode ipvlan_modes[] = {
	{ .name = "l2", .value = 0 },
	{ .name = "l3", .value = 1 },
	{ .name = "l3s", .value = 2 },
};

/*
 * A bridge's multicast mode (linkkind.h): plain is the kernel's default
 * (snooping, no querier: every report is flooded until some querier
 * appears), querier makes the bridge its ports' querier.
 */
static const struct link_mode bridge_modes[] = {
	{ .name = "plain", .value = 0 },
	{ .name = "querier", .value = BRIDGE_QUERIER },
};

static const struct link_kind_desc kinds[LK__COUNT] = {
	[LK_NONE] = { .name = "" },
	/* A pair: one request makes both ends, the peer placed in its own
	 * namespace.  One transmit queue each, which is what a veth uses
	 * anyway: made with the kernel's default (one per possible CPU),
	 * its ends are cut down to one at once, and each cut waits for an
	 * RCU grace period with RTNL held (synchronize_net() in
	 * netif_set_real_num_tx_queues()), 0.1-0.7 ms a pair during which
	 * no other link can be made. */
	[LK_VETH] = { .name = "veth",
		      .ends = 2,
		      .txqueues = 1,
		      .fill = nl_fill_veth },
	/* Ends 0: made by `bridges:`, whose `querier:` is its mode. */
	[LK_BRIDGE] = { .name = "bridge",
			.mtu_again = true,
			.modes = bridge_modes,
			.n_modes = ARRAY_SIZE(bridge_modes),
			.mode0_unsaid = true,
			.fill = nl_fill_bridge,
			.fill_again = nl_fill_bridge_again,
			.fill_mode = nl_fill_bridge_mode },
	[LK_DUMMY] = { .name = "dummy", .ends = 1 },
	/* Bridge mode by default: services on one parent reach each other. */
	[LK_MACVLAN] = { .name = "macvlan",
			 .ends = 1,
			 .home = HOME_PARENT,
			 .parent = true,
			 .rx_handler = true,
			 .modes = macvlan_modes,
			 .n_modes = ARRAY_SIZE(macvlan_modes),
			 .default_mode = 2,
			 .fill = nl_fill_macvlan },
	[LK_IPVLAN] = { .name = "ipvlan",
			.ends = 1,
			.home = HOME_PARENT,
			.parent = true,
			.rx_handler = true,
			.modes = ipvlan_modes,
			.n_modes = ARRAY_SIZE(ipvlan_modes),
			.default_mode = 0,
			.fill = nl_fill_ipvlan },
	[LK_VLAN] = { .name = "vlan",
		      .ends = 1,
		      .home = HOME_PARENT,
		      .parent = true,
		      .id_key = "id",
		      .id_min = 1,
		      .id_max = 4094,
		      .fill = nl_fill_vlan },
	/* Made in the host, so its UDP socket is on the machine's underlay,
	 * and placed in its node; `id` is its VNI. */
	[LK_VXLAN] = { .name = "vxlan",
		       .ends = 1,
		       .home = HOME_HOST,
		       .id_key = "id",
		       .id_min = 1,
		       .id_max = 16777215,
		       .underlay = true,
		       .default_port = 4789,
		       .del_first = true,
		       .fill = nl_fill_vxlan },
};

const struct link_kind_desc *link_kind(enum link_kind k)
{
	return &kinds[k < LK__COUNT ? k : LK_NONE];
}

enum link_kind link_kind_find(const char *name)
{
	for (int k = LK_NONE + 1; k < LK__COUNT; k++)
		if (!strcmp(kinds[k].name, name))
			return (enum link_kind)k;
	return LK_NONE;
}

size_t link_kind_names(const char *names[LK__COUNT])
{
	size_t n = 0;

	for (int k = LK_NONE + 1; k < LK__COUNT; k++)
		if (kinds[k].ends)
			names[n++] = kinds[k].name;
	return n;
}

int link_mode_find(enum link_kind k, const char *name, uint32_t *value)
{
	const struct link_kind_desc *d = link_kind(k);

	for (size_t i = 0; i < d->n_modes; i++)
		if (!strcmp(d->modes[i].name, name)) {
			*value = d->modes[i].value;
			return 0;
		}
	return -1;
}

const struct link_mode *link_mode_of(enum link_kind k, uint32_t value)
{
	const struct link_kind_desc *d = link_kind(k);

	for (size_t i = 0; i < d->n_modes; i++)
		if (d->modes[i].value == value)
			return &d->modes[i];
	return NULL;
}

const char *link_mode_name(enum link_kind k, uint32_t value)
{
	const struct link_kind_desc *d = link_kind(k);

	for (size_t i = 0; i < d->n_modes; i++)
		if (d->modes[i].value == value)
			return d->modes[i].name;
	return "?";
}

char *link_modes_text(enum link_kind k, char *buf, size_t len)
{
	const struct link_kind_desc *d = link_kind(k);
	size_t n = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < d->n_modes && n < len; i++)
		n += (size_t)snprintf(buf + n, len - n, "%s%s", i ? " " : "",
				      d->modes[i].name);
	return buf;
}
