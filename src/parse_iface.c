// SPDX-License-Identifier: MIT
/*
 * parse_iface.c - a node's `interfaces:`: each one's addresses, MTU,
 * MAC, state, router advertisements, shaping and impairments.
 */
#include <string.h>

#include "parse_iface.h"

static int if_addresses(struct pctx *c, void *obj, const struct ynode *k,
			const struct ynode *v)
{
	struct iface_cfg *ic = obj;
	int rc = 0;

	(void)k;
	if (ynode_is_null(v))
		return 0;
	struct ynode *one = (struct ynode *)v;
	struct ynode seq = { .kind = Y_SEQ, .items = &one, .n = 1 };

	if (v->kind == Y_SCALAR) /* one address written without brackets */
		v = &seq;
	if (pread_want(c, v, Y_SEQ, "'addresses'"))
		return -1;
	for (size_t i = 0; i < v->n; i++) {
		struct prefix p;

		if (pread_prefix(c, v->items[i], "address", true, &p)) {
			c->node->lost_addrs = true;
			rc = -1;
			continue;
		}
		struct addr_cfg *a = vec_push(&c->t->arena, ic->addrs,
					      ic->n_addrs, ic->cap_addrs);
		a->p = p;
		a->pos = v->items[i]->pos;
	}
	return rc;
}

static int if_mtu(struct pctx *c, void *obj, const struct ynode *k,
		  const struct ynode *v)
{
	struct iface_cfg *ic = obj;

	(void)k;
	ic->mtu_pos = v->pos;
	return pread_key_u32(c, v, &ic->mtu);
}

static int if_mac(struct pctx *c, void *obj, const struct ynode *k,
		  const struct ynode *v)
{
	struct iface_cfg *ic = obj;
	static const uint8_t zero[6];

	(void)k;
	if (pread_want(c, v, Y_SCALAR, "'mac'"))
		return -1;
	if (mac_parse(v->str, ic->mac))
		return pread_fail(
			c, v, "mac '%s' is not of the form 02:00:00:00:00:01",
			v->str);
	if (ic->mac[0] & 1)
		return pread_fail(c, v, "mac '%s' is a multicast address",
				  v->str);
	if (!memcmp(ic->mac, zero, 6))
		return pread_fail(c, v, "mac '%s' is all zeros", v->str);
	ic->has_mac = true;
	ic->mac_pos = v->pos;
	return 0;
}

static int if_up(struct pctx *c, void *obj, const struct ynode *k,
		 const struct ynode *v)
{
	struct iface_cfg *ic = obj;
	bool b = true;

	(void)k;
	if (pread_key_bool(c, v, &b))
		return -1;
	ic->up = b;
	return 0;
}

static int if_accept_ra(struct pctx *c, void *obj, const struct ynode *k,
			const struct ynode *v)
{
	struct iface_cfg *ic = obj;
	bool b = false;

	(void)k;
	if (pread_key_bool(c, v, &b))
		return -1;
	ic->accept_ra = b;
	return 0;
}

static int if_autoconf(struct pctx *c, void *obj, const struct ynode *k,
		       const struct ynode *v)
{
	struct iface_cfg *ic = obj;
	bool b = false;

	(void)k;
	if (pread_key_bool(c, v, &b))
		return -1;
	ic->autoconf = b;
	return 0;
}

static int nm_delay(struct pctx *c, void *obj, const struct ynode *k,
		    const struct ynode *v)
{
	(void)k;
	return pread_duration(c, v, "'delay'",
			      &((struct shaping *)obj)->delay_us);
}

static int nm_jitter(struct pctx *c, void *obj, const struct ynode *k,
		     const struct ynode *v)
{
	(void)k;
	return pread_duration(c, v, "'jitter'",
			      &((struct shaping *)obj)->jitter_us);
}

static int nm_loss(struct pctx *c, void *obj, const struct ynode *k,
		   const struct ynode *v)
{
	(void)k;
	return pread_percent(c, v, "'loss'", &((struct shaping *)obj)->loss);
}

static int nm_duplicate(struct pctx *c, void *obj, const struct ynode *k,
			const struct ynode *v)
{
	(void)k;
	return pread_percent(c, v, "'duplicate'",
			     &((struct shaping *)obj)->duplicate);
}

static int nm_reorder(struct pctx *c, void *obj, const struct ynode *k,
		      const struct ynode *v)
{
	(void)k;
	return pread_percent(c, v, "'reorder'",
			     &((struct shaping *)obj)->reorder);
}

static int nm_corrupt(struct pctx *c, void *obj, const struct ynode *k,
		      const struct ynode *v)
{
	(void)k;
	return pread_percent(c, v, "'corrupt'",
			     &((struct shaping *)obj)->corrupt);
}

static const struct pread_key netem_keys[] = {
	{ .name = "delay",
	  .fn = nm_delay,
	  .shape = &pshape_duration,
	  .desc = "How long each packet is held back." },
	{ .name = "jitter",
	  .fn = nm_jitter,
	  .shape = &pshape_duration,
	  .desc = "How much the delay varies either way; needs a delay." },
	{ .name = "loss",
	  .fn = nm_loss,
	  .shape = &pshape_percent,
	  .desc = "The share of packets dropped." },
	{ .name = "duplicate",
	  .fn = nm_duplicate,
	  .shape = &pshape_percent,
	  .desc = "The share of packets sent twice." },
	{ .name = "reorder",
	  .fn = nm_reorder,
	  .shape = &pshape_percent,
	  .desc = "The share of packets sent at once, ahead of the delayed others; needs a delay." },
	{ .name = "corrupt",
	  .fn = nm_corrupt,
	  .shape = &pshape_percent,
	  .desc = "The share of packets with a bit flipped." },
};

static const struct pshape netem_shape = {
	.kind = PS_MAP,
	.keys = netem_keys,
	.n_keys = ARRAY_SIZE(netem_keys),
};

static int if_netem(struct pctx *c, void *obj, const struct ynode *k,
		    const struct ynode *v)
{
	struct iface_cfg *ic = obj;

	(void)k;
	ic->shape.pos = v->pos;
	if (pread_want(c, v, Y_MAP, "'netem'") ||
	    pread_walk(c, v, "netem", netem_keys, ARRAY_SIZE(netem_keys),
		       &ic->shape))
		return -1;
	ic->shape.netem = true;
	if (ic->shape.reorder > 0 && !ic->shape.delay_us)
		return pread_fail(
			c, v,
			"netem 'reorder' needs a 'delay' (packets not delayed are the reordered ones)");
	if (ic->shape.jitter_us && !ic->shape.delay_us)
		return pread_fail(c, v, "netem 'jitter' needs a 'delay'");
	return 0;
}

/* "10mbit", "1gbit", "500kbit", "2mbps" (bytes); a bare number is bit/s. */
static const struct pshape rate_shape = {
	.kind = PS_NUMBER,
	.min = 8,
	.max = 15999999999.0,
	.pattern =
		"^([0-9]+(\\.[0-9]*)?|\\.[0-9]+)([eE][-+]?[0-9]+)?([KkMmGg]?([Bb][Ii][Tt]|[Bb][Pp][Ss]))?$",
};

static int if_rate(struct pctx *c, void *obj, const struct ynode *k,
		   const struct ynode *v)
{
	static const struct {
		const char *unit;
		double bits;
	} units[] = {
		{ "bit", 1 },	 { "kbit", 1e3 }, { "mbit", 1e6 },
		{ "gbit", 1e9 }, { "bps", 8 },	  { "kbps", 8e3 },
		{ "mbps", 8e6 }, { "gbps", 8e9 }, { "", 1 },
	};
	struct iface_cfg *ic = obj;
	char *end;
	double d;

	(void)k;
	if (!ic->shape.pos.line)
		ic->shape.pos = v->pos;
	if (pread_want(c, v, Y_SCALAR, "'rate'") ||
	    pread_leading_zero(c, v, "'rate'"))
		return -1;
	d = strtod(v->str, &end);
	for (size_t i = 0; pread_pattern(&rate_shape, v) && end != v->str &&
			   i < ARRAY_SIZE(units);
	     i++)
		if (!strcasecmp(end, units[i].unit) && d > 0 &&
		    d * units[i].bits / 8 >= 1 && d * units[i].bits / 8 < 2e9) {
			ic->shape.rate = (uint64_t)(d * units[i].bits / 8);
			return 0;
		}
	return pread_fail(
		c, v,
		"'rate' must be like 10mbit, 500kbit or 1gbit (up to 16gbit), not '%s'",
		v->str);
}

static const struct pshape addresses_shape = {
	.kind = PS_SEQ,
	.nullable = true,
	.item = &pshape_prefix,
	.or = &pshape_prefix, /* one, without brackets */
};

static const struct pshape mac_shape = {
	.kind = PS_STRING,
	/* Six groups; the first byte's lowest bit clear (no multicast). */
	.pattern = "^[0-9A-Fa-f][02468ACEace](:[0-9A-Fa-f]{2}){5}$",
	.not_pattern = "^(00:){5}00$",
};

static const struct pread_key iface_keys[] = {
	{ .name = "addresses",
	  .fn = if_addresses,
	  .shape = &addresses_shape,
	  .desc = "The interface's IPv4 and IPv6 addresses, each with its prefix length (a list, or one address)." },
	{ .name = "mtu",
	  .fn = if_mtu,
	  .shape = &(const struct pshape){ .kind = PS_INT,
					   .min = 68,
					   .max = 65535 },
	  .desc = "The interface's MTU; default: the link's mtu, else the kernel's (1500)." },
	{ .name = "mac",
	  .fn = if_mac,
	  .shape = &mac_shape,
	  .desc = "The interface's MAC address, e.g. \"02:00:00:00:00:01\" (quote it); not multicast, not all zeros." },
	{ .name = "up",
	  .fn = if_up,
	  .shape = &pshape_bool,
	  .desc = "Whether the interface is brought up; default true." },
	{ .name = "accept-ra",
	  .fn = if_accept_ra,
	  .shape = &pshape_bool,
	  .desc = "Whether the interface takes IPv6 router advertisements (sysctl accept_ra); default: the kernel's." },
	{ .name = "autoconf",
	  .fn = if_autoconf,
	  .shape = &pshape_bool,
	  .desc = "Whether the interface makes addresses from advertised prefixes (SLAAC, sysctl autoconf); default: the kernel's." },
	{ .name = "netem",
	  .fn = if_netem,
	  .shape = &netem_shape,
	  .desc = "Impairments of the packets the interface sends (tc-netem)." },
	{ .name = "rate",
	  .fn = if_rate,
	  .shape = &rate_shape,
	  .desc = "The most the interface sends (tc-tbf): 10mbit, 500kbit, 1gbit, 2mbps (bytes), or a bare number of bits per second; 8 bit/s to below 16 Gbit/s." },
};

const struct pshape iface_shape = {
	.kind = PS_MAP,
	.desc = "The settings of one interface the topology creates in this node, or of lo.",
	.nullable = true,
	.keys = iface_keys,
	.n_keys = ARRAY_SIZE(iface_keys),
};

int parse_interfaces(struct pctx *c, void *obj, const struct ynode *k,
		     const struct ynode *v)
{
	struct node *n = obj;
	int rc = 0;

	(void)k;
	if (ynode_is_null(v))
		return 0;
	if (pread_want(c, v, Y_MAP, "'interfaces'")) {
		c->node->lost_addrs = true;
		return -1;
	}
	for (size_t i = 0; i < v->n; i++) {
		const struct ynode *name = v->items[2 * i];
		const struct ynode *cfg = v->items[2 * i + 1];
		struct iface_cfg *ic;
		const char *ifname;

		if (pread_ifname(c, name, "interface name", &ifname)) {
			c->node->lost_addrs = true;
			rc = -1;
			continue;
		}
		ic = vec_push(&c->t->arena, n->ifcfg, n->n_ifcfg, n->cap_ifcfg);
		ic->name = ifname;
		ic->pos = name->pos;
		ic->up = ic->accept_ra = ic->autoconf = -1;
		if (ynode_is_null(cfg))
			continue;
		if (pread_want(c, cfg, Y_MAP, "an interface's settings") ||
		    pread_walk(c, cfg, "an interface", iface_keys,
			       ARRAY_SIZE(iface_keys), ic))
			rc = -1;
	}
	return rc;
}
