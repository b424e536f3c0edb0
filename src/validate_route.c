// SPDX-License-Identifier: MIT
/*
 * validate_route.c - a node's routes: gateways on a subnet the node has,
 * devices that exist, no clash with the routes the kernel makes itself
 * (connected, local, broadcast), no duplicates.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <string.h>

#include "validate_route.h"

struct rctx {
	struct topo *t;
	struct diags *d;
	const struct strmap *lost_ifs; /* interfaces of bad endpoints */
};

static bool if_lost(const struct rctx *v, const char *name)
{
	return strmap_get(v->lost_ifs, name) >= 0;
}

/*
 * A node's subnets and addresses, hashed, so that each of its routes is
 * checked in constant time: a scan of every address for every route made
 * a large file quadratic.  A key is "KFPPPHEX" or "KFPPPHEX|DEV": kind
 * (S: subnet of an address or a device route, O: own address, L: local
 * route, C: connected route, R: a blackhole, unreachable or prohibit route
 * of the file, I: a local route of the file, G: an IPv6 route of the file
 * through a gateway, B, P: see idx_kernel_local()),
 * family (4 or 6), prefix length, and the address masked to that length.
 */
struct net_hit {
	bool up;		    /* S: an up interface or a device route */
	const char *down_if;	    /* S: else an interface that is down */
	const struct iface_cfg *ic; /* L, C: the first address making it */
	const struct addr_cfg *a;
	const struct route *route; /* S, R, I, G: the first route making it */
};

struct node_idx {
	struct arena arena; /* the index's, freed with it: not the topology's */
	struct strmap map;  /* key -> index in hits */
	struct net_hit *hits;
	size_t n_hits, cap_hits;
	uint8_t plens[2][17];	    /* S: prefix lengths in use, per family */
	uint8_t rplens[2][17];	    /* R, I: the same */
	const struct iface_cfg *lo; /* the settings of lo, or NULL */
};

static unsigned full_len(const struct prefix *p)
{
	return p->family == AF_INET ? 32 : 128;
}

static void idx_key(char *buf, size_t len, char kind, const struct prefix *p,
		    unsigned plen, const char *dev)
{
	struct prefix m = *p;
	size_t o;

	for (unsigned b = plen; b < full_len(p); b++)
		m.bytes[b / 8] &= (uint8_t) ~(0x80 >> (b % 8));
	o = (size_t)snprintf(buf, len, "%c%c%03u", kind,
			     p->family == AF_INET ? '4' : '6', plen);
	for (unsigned i = 0; i < full_len(p) / 8 && o < len; i++)
		o += (size_t)snprintf(buf + o, len - o, "%02x", m.bytes[i]);
	if (dev && o < len)
		snprintf(buf + o, len - o, "|%s", dev);
}

static struct net_hit *idx_put(struct node_idx *x, const char *key)
{
	int i = strmap_get(&x->map, key);
	struct net_hit *h;

	if (i >= 0)
		return &x->hits[i];
	h = vec_push(&x->arena, x->hits, x->n_hits, x->cap_hits);
	memset(h, 0, sizeof(*h));
	strmap_put(&x->map, arena_strdup(&x->arena, key), (int)(x->n_hits - 1));
	return h;
}

static const struct net_hit *idx_get(const struct node_idx *x, const char *key)
{
	int i = strmap_get(&x->map, key);

	return i >= 0 ? &x->hits[i] : NULL;
}

static void idx_plen(struct node_idx *x, const struct prefix *p)
{
	x->plens[p->family == AF_INET6][p->plen / 8] |=
		(uint8_t)(0x80 >> (p->plen % 8));
}

/* A subnet, on interface @dev and on "any interface". */
/* A subnet, on interface @dev and on "any interface": of an address
 * (@route NULL), or of a device route, which counts for the routes
 * after it only (the kernel looks a gateway up when its route is added). */
static void idx_subnet(struct node_idx *x, const struct prefix *p,
		       const char *dev, int up, const struct route *route)
{
	char key[64];

	idx_plen(x, p);
	for (int any = 0; any < 2; any++) {
		struct net_hit *h;

		idx_key(key, sizeof(key), 'S', p, p->plen, any ? NULL : dev);
		h = idx_put(x, key);
		if (up && !route)
			h->up = true;
		else if (up && !h->route)
			h->route = route;
		else if (!up && !h->down_if)
			h->down_if = dev;
	}
}

/* @p (of address @a of @ic) as @kind at length @plen; the first one kept. */
static void idx_first(struct node_idx *x, char kind, const struct prefix *p,
		      unsigned plen, const struct iface_cfg *ic,
		      const struct addr_cfg *a)
{
	char key[64];
	struct net_hit *h;

	idx_key(key, sizeof(key), kind, p, plen, NULL);
	h = idx_put(x, key);
	if (!h->a) {
		h->a = a;
		h->ic = ic;
	}
}

/*
 * What the kernel adds to table local for an IPv4 address besides the
 * address itself: below /31, the broadcast address (B); on lo, the whole
 * prefix as local (P).  (IPv6's subnet-router anycast address, added on a
 * node that forwards, has metric 0 where a route of the file has 1024:
 * they do not clash.)
 */
static void idx_kernel_local(struct node_idx *x, const struct iface_cfg *ic,
			     const struct addr_cfg *a)
{
	struct prefix p;

	if (a->p.family == AF_INET && a->p.plen < 31) {
		p = prefix_broadcast(&a->p);
		p.plen = 32;
		idx_first(x, 'B', &p, p.plen, ic, a);
	}
	if (a->p.family == AF_INET && a->p.plen < 32 && !strcmp(ic->name, "lo"))
		idx_first(x, 'P', &a->p, a->p.plen, ic, a);
}

/*
 * An IPv6 subnet on lo reaches no gateway: the kernel's next-hop check
 * refuses a gateway found through the loopback device ("No route to
 * host"), where IPv4 takes it.
 */
static bool v6_on_lo(const struct prefix *p, const char *dev)
{
	return p->family == AF_INET6 && !strcmp(dev, "lo");
}

/*
 * An IPv6 subnet on lo (of address @a, or device route @d): the kernel
 * makes such a route a reject route (ip6_route_info_create()), so it
 * reaches no gateway and takes any gateway it holds from the routes of
 * the file ("No route to host"), as a blackhole would (R; r in table
 * local).
 */
static void idx_lo_reject(struct node_idx *x, const struct prefix *p,
			  const struct route *d, const struct addr_cfg *a)
{
	char key[64], kind = 'R';
	struct net_hit *h;

	if (d && d->table == RT_TABLE_LOCAL_ID)
		kind = 'r';
	else if (d && d->table != RT_TABLE_MAIN_ID)
		return; /* (a table the kernel asks only by a rule) */
	if (p->plen >= 128)
		return;
	idx_key(key, sizeof(key), kind, p, p->plen, NULL);
	h = idx_put(x, key);
	if (!h->route && !h->a) {
		h->route = d;
		h->a = a;
	}
	x->rplens[1][p->plen / 8] |= (uint8_t)(0x80 >> (p->plen % 8));
}

static void idx_build(const struct node *n, struct node_idx *x)
{
	char key[64];

	memset(x, 0, sizeof(*x));
	for (size_t i = 0; i < n->n_ifcfg; i++) {
		const struct iface_cfg *ic = &n->ifcfg[i];

		if (!strcmp(ic->name, "lo"))
			x->lo = ic;
		for (size_t j = 0; j < ic->n_addrs; j++) {
			const struct addr_cfg *a = &ic->addrs[j];

			if (v6_on_lo(&a->p, ic->name))
				idx_lo_reject(x, &a->p, NULL, a);
			else
				idx_subnet(x, &a->p, ic->name, ic->up != 0,
					   NULL);
			idx_key(key, sizeof(key), 'O', &a->p, full_len(&a->p),
				ic->name);
			idx_put(x, key);
			idx_key(key, sizeof(key), 'O', &a->p, full_len(&a->p),
				NULL);
			idx_put(x, key);
			idx_first(x, 'L', &a->p, full_len(&a->p), ic, a);
			idx_first(x, 'C', &a->p, a->p.plen, ic, a);
			idx_kernel_local(x, ic, a);
		}
	}
	/* A device route (no gateway) also makes its prefix reachable; a
	 * reject or local route, or (for IPv6) one through a gateway, takes
	 * what it covers from the gateways of later routes. */
	for (size_t i = 0; i < n->n_routes; i++) {
		const struct route *d = &n->routes[i];
		bool local = d->table == RT_TABLE_LOCAL_ID;
		struct prefix to = d->to;
		char kind = 0;

		if (d->to_default && !d->has_via)
			continue;
		if (d->to_default)
			to = (struct prefix){ .family = d->via.family };
		if (d->type == RT_LOCAL)
			kind = 'I';
		else if (d->type != RT_UNICAST)
			kind = local ? 'r' : 'R';
		else if (d->has_via && to.family == AF_INET6)
			kind = local ? 'g' : 'G';
		if (kind) {
			struct net_hit *h;

			idx_key(key, sizeof(key), kind, &to, to.plen, NULL);
			h = idx_put(x, key);
			if (!h->route)
				h->route = d;
			x->rplens[to.family == AF_INET6][to.plen / 8] |=
				(uint8_t)(0x80 >> (to.plen % 8));
		}
		if (d->type != RT_UNICAST || d->has_via || !d->dev)
			continue;
		if (v6_on_lo(&d->to, d->dev))
			idx_lo_reject(x, &d->to, d, NULL);
		else
			idx_subnet(x, &d->to, d->dev, 1, d);
	}
}

/*
 * The longest prefix of kind @kind (S, R, I, G...; of @dev for S, if given)
 * that holds address @a: its length, and its entry in *@hit; -1 if none.
 */
static int idx_longest(const struct node_idx *x, char kind,
		       const struct prefix *a, const char *dev,
		       const struct net_hit **hit)
{
	const uint8_t *plens =
		(kind == 'S' ? x->plens : x->rplens)[a->family == AF_INET6];
	char key[64];

	for (int plen = (int)full_len(a); plen >= 0; plen--) {
		if (!(plens[plen / 8] & (0x80 >> (plen % 8))))
			continue;
		idx_key(key, sizeof(key), kind, a, (unsigned)plen, dev);
		if ((*hit = idx_get(x, key)))
			return plen;
	}
	return -1;
}

/* Does route @g (through a gateway) go out of @dev: its own, or the one
 * whose subnet holds its gateway? */
static bool g_route_on(const struct node_idx *x, const struct route *g,
		       const char *dev)
{
	const struct net_hit *h;

	if (g->dev)
		return !strcmp(g->dev, dev);
	return idx_longest(x, 'S', &g->via, dev, &h) >= 0 &&
	       idx_longest(x, 'S', &g->via, dev, &h) ==
		       idx_longest(x, 'S', &g->via, NULL, &h);
}

/*
 * What the kernel's lookup of the gateway finds besides its subnet, from
 * the routes the file adds before this one: for IPv6, a reject route or
 * one through a gateway, in table local or more specific than the subnet
 * in main (EHOSTUNREACH); onlink, an IPv4 gateway that a local route of
 * the file takes (EINVAL), an IPv6 one whose subnet is another device's
 * (EINVAL, "device mismatch").  Return: true, with why in @why.
 */
/* @h, a subnet on lo (idx_lo_reject()), in @why; false if it is not. */
static bool lo_reject(const struct net_hit *h, char *why, size_t len)
{
	const struct prefix *p = h->a	  ? &h->a->p :
				 h->route ? &h->route->to :
					    NULL;
	char buf[INET6_ADDRSTRLEN + 4];

	if (!p ||
	    (h->route && (h->route->type != RT_UNICAST || h->route->has_via ||
			  !h->route->dev || !v6_on_lo(p, h->route->dev))))
		return false;
	prefix_format(p, true, buf, sizeof(buf));
	if (h->a)
		snprintf(
			why, len,
			"address %s of lo takes it: the kernel makes an IPv6 route on lo a reject route, which reaches no gateway",
			buf);
	else
		snprintf(
			why, len,
			"the route to %s on lo (at %u:%u) takes it: the kernel makes an IPv6 route on lo a reject route, which reaches no gateway",
			buf, h->route->to_pos.line, h->route->to_pos.col);
	return true;
}

/* An IPv6 route's metric as the kernel keeps it (1024 unless given). */
static uint32_t metric6(const struct route *r)
{
	return r->metric ? r->metric : 1024;
}

/*
 * Whether route @h of the same length as the subnet @s (which holds the
 * gateway) wins the lookup: the lower metric does, and an address's
 * prefix route has 256.
 */
static bool beats_subnet(const struct net_hit *h, const struct net_hit *s)
{
	return h->route && s &&
	       metric6(h->route) < (s->route ? metric6(s->route) : 256u);
}

static bool gateway_lookup_problem(const struct node_idx *x,
				   const struct route *r, char *why, size_t len)
{
	const struct net_hit *s = NULL, *h = NULL;
	int sub = idx_longest(x, 'S', &r->via, NULL, &s);
	char p[INET6_ADDRSTRLEN + 4];
	int got;

	if (!r->onlink) {
		/* IPv4 looks the gateway up at link scope: routes through a
		 * gateway and reject ones are not seen. */
		if (r->via.family == AF_INET)
			return false;
		/* IPv6 wants it reached directly.  A route of main looks in
		 * main, where the longest match is the answer; one of another
		 * table, when that has none, asks the rules: table local
		 * first, where any match is, then main. */
		for (const char *k = "rgRG"; *k; k++) {
			bool in_local = islower(*k);

			if (in_local && r->table == RT_TABLE_MAIN_ID)
				continue;
			got = idx_longest(x, *k, &r->via, NULL, &h);
			if (got < 0 || (h->route && h->route >= r) ||
			    (!in_local && (got < sub || (got == sub &&
							 !beats_subnet(h, s)))))
				continue;
			if (lo_reject(h, why, len))
				return true;
			if (!h->route)
				continue;
			prefix_format(&h->route->to, true, p, sizeof(p));
			if (h->route->to_default)
				snprintf(p, sizeof(p), "default");
			snprintf(
				why, len,
				"the %s%sroute to %s%s%s (at %u:%u) takes it: the kernel wants an IPv6 gateway it reaches directly",
				h->route->type == RT_UNICAST ?
					"" :
					route_type_name(h->route->type),
				h->route->type == RT_UNICAST ? "" : " ", p,
				h->route->type == RT_UNICAST ?
					" through a gateway" :
					"",
				in_local ? " in table local" : "",
				h->route->to_pos.line, h->route->to_pos.col);
			return true;
		}
		return false;
	}
	if (r->via.family == AF_INET) {
		if (idx_longest(x, 'I', &r->via, NULL, &h) < 0 || h->route >= r)
			return false;
		prefix_format(&h->route->to, true, p, sizeof(p));
		snprintf(
			why, len,
			"it is local to the node (the %s to %s at %u:%u): the kernel refuses such a gateway",
			h->route->intercept ? "intercept" : "local route", p,
			h->route->to_pos.line, h->route->to_pos.col);
		return true;
	}
	/* IPv6 looks the gateway up in main, the default route and reject
	 * routes aside: a route of the file through a gateway, longer than
	 * the gateway's subnet, must go out of @r's device too. */
	got = idx_longest(x, 'G', &r->via, NULL, &h);
	if (got > 0 && got > sub && h->route < r &&
	    !g_route_on(x, h->route, r->dev)) {
		prefix_format(&h->route->to, true, p, sizeof(p));
		snprintf(
			why, len,
			"the route to %s through a gateway (at %u:%u) takes it, and not through '%s': the kernel refuses an onlink gateway another device reaches",
			p, h->route->to_pos.line, h->route->to_pos.col, r->dev);
		return true;
	}
	/* (A match of the default route does not count.) */
	if (sub <= 0 || idx_longest(x, 'S', &r->via, r->dev, &h) == sub)
		return false;
	snprintf(
		why, len,
		"it is on a subnet of another interface (/%d), not of '%s': the kernel refuses an onlink gateway another device reaches",
		sub, r->dev);
	return true;
}

static bool if_is_up(const struct topo *t, const struct node *n,
		     const struct node_idx *x, const char *name)
{
	int idx = strmap_get(&n->ifmap, name);
	const struct iface_cfg *ic = idx >= 0		 ? t->ifaces[idx].cfg :
				     !strcmp(name, "lo") ? x->lo :
							   NULL;

	return !ic || ic->up != 0;
}

/*
 * Does device route @d make gateways on-link for route @r?  The kernel
 * looks a gateway up in @r's own table, then in the tables its rules
 * name (local, main and default, 253).
 */
static bool route_seen_from(const struct route *d, const struct route *r)
{
	return d->table == r->table || d->table == RT_TABLE_MAIN_ID ||
	       d->table == RT_TABLE_LOCAL_ID || d->table == 253;
}

/* Is `gw` on a subnet of `dev` (or of any interface, when dev is NULL)? */
static bool gateway_reachable(const struct node_idx *x, const struct route *r,
			      const char **down_if, bool *is_own,
			      const struct route **later)
{
	unsigned full = full_len(&r->via);
	const uint8_t *plens = x->plens[r->via.family == AF_INET6];
	const struct net_hit *h;
	bool found = false;
	char key[64];

	idx_key(key, sizeof(key), 'O', &r->via, full, NULL);
	*is_own = idx_get(x, key) != NULL;
	for (unsigned plen = 0; plen <= full; plen++) {
		if (!(plens[plen / 8] & (0x80 >> (plen % 8))))
			continue;
		idx_key(key, sizeof(key), 'S', &r->via, plen, r->dev);
		h = idx_get(x, key);
		if (h && (h->up || (h->route && h->route < r &&
				    route_seen_from(h->route, r))))
			found = true;
		else if (h && h->route && h->route >= r)
			*later = h->route;
		else if (h && !*down_if)
			*down_if = h->down_if;
	}
	return found;
}

/*
 * A gateway the kernel refuses ("Nexthop has invalid gateway", "Invalid
 * gateway address", EINVAL), onlink or not: a broadcast, multicast,
 * unspecified or loopback address.  Return: true, with what it is in @why.
 */
static bool gateway_problem(const struct node_idx *x, const struct prefix *gw,
			    char *why, size_t len)
{
	static const uint8_t zero[16];
	char key[64], at[INET6_ADDRSTRLEN + 4];
	const struct net_hit *h;
	const char *what = NULL;

	if (gw->family == AF_INET) {
		if (!memcmp(gw->bytes, zero, 4))
			what = "the unspecified address";
		else if (gw->bytes[0] == 127)
			what = "a loopback address";
		else if (gw->bytes[0] >= 224 && gw->bytes[0] < 240)
			what = "a multicast address";
		else if (!memcmp(gw->bytes, "\xff\xff\xff\xff", 4))
			what = "the broadcast address";
	} else {
		if (!memcmp(gw->bytes, zero, 16))
			what = "the unspecified address";
		else if (!memcmp(gw->bytes, zero, 15) && gw->bytes[15] == 1)
			what = "the loopback address";
		else if (gw->bytes[0] == 0xff)
			what = "a multicast address";
	}
	if (what) {
		snprintf(why, len, "%s", what);
		return true;
	}
	idx_key(key, sizeof(key), 'B', gw, full_len(gw), NULL);
	h = idx_get(x, key);
	if (!h)
		return false;
	prefix_format(&h->a->p, true, at, sizeof(at));
	snprintf(why, len, "the broadcast address of %s on %s", at,
		 h->ic->name);
	return true;
}

/*
 * Return: 0 if @r may be checked further (clashes, duplicates), -1 if it
 * is in error.  Not judged by counting diagnostics: a repeated message
 * (a route from defaults, in a second node) is not added twice.
 */
static int check_route(struct rctx *v, struct node *n, const struct node_idx *x,
		       struct route *r)
{
	char to[INET6_ADDRSTRLEN + 4], via[INET6_ADDRSTRLEN], problem[256];
	const char *down_if = NULL;
	const struct route *later = NULL;
	bool is_own = false, reachable;

	if (r->intercept && n->is_host) {
		diag_add(
			v->d, r->pos,
			"intercept is not allowed in the host namespace: it would capture the host's own traffic");
		return -1;
	}
	if (r->type == RT_LOCAL && !r->dev)
		r->dev = "lo";
	if (r->type != RT_UNICAST && r->type != RT_LOCAL &&
	    (r->has_via || r->dev)) {
		diag_add(v->d, r->has_via ? r->via_pos : r->dev_pos,
			 "a %s route takes neither 'via' nor 'dev'",
			 route_type_name(r->type));
		return -1;
	}
	if (r->type == RT_LOCAL && r->has_via) {
		diag_add(v->d, r->via_pos, "a local route takes no 'via'");
		return -1;
	}
	if (r->to_default) {
		if (!r->has_via) {
			diag_add(
				v->d, r->to_pos,
				"'default' needs 'via' to tell IPv4 from IPv6: write 0.0.0.0/0 or ::/0");
			return -1;
		}
		r->to.family = r->via.family;
		r->to.plen = 0;
	}
	prefix_format(&r->to, true, to, sizeof(to));
	if (prefix_has_host_bits(&r->to)) {
		struct prefix net = prefix_subnet(&r->to);

		prefix_format(&net, true, via, sizeof(via));
		diag_add(v->d, r->to_pos,
			 "%s %s has host bits set (did you mean %s?)",
			 r->intercept ? "intercept prefix" :
					"route destination",
			 to, via);
		return -1;
	}
	if (r->dev && !node_has_iface(n, r->dev)) {
		if (topo_lost_link_at(v->t, n) || if_lost(v, r->dev))
			return -1;
		diag_add(v->d, r->dev_pos,
			 "route device '%s' does not exist in node '%s'",
			 r->dev, n->name);
		return -1;
	}
	if (r->dev && !if_is_up(v->t, n, x, r->dev) && r->type == RT_UNICAST) {
		diag_add(v->d, r->dev_pos,
			 "route device '%s' is down (up: false) in node '%s'",
			 r->dev, n->name);
		return -1;
	}
	if (r->type == RT_UNICAST && !r->has_via && !r->dev) {
		diag_add(v->d, r->pos, "a unicast route needs 'via' or 'dev'");
		return -1;
	}
	if (r->onlink && !r->has_via) {
		diag_add(v->d, r->pos, "an onlink route needs 'via'");
		return -1;
	}
	if (!r->has_via)
		return 0;
	prefix_format(&r->via, false, via, sizeof(via));
	if (r->via.family != r->to.family) {
		diag_add(v->d, r->via_pos,
			 "gateway %s is %s but destination %s is %s", via,
			 r->via.family == AF_INET ? "IPv4" : "IPv6", to,
			 r->to.family == AF_INET ? "IPv4" : "IPv6");
		return -1;
	}
	if (gateway_problem(x, &r->via, problem, sizeof(problem))) {
		diag_add(v->d, r->via_pos, "gateway %s is %s", via, problem);
		return -1;
	}
	if (prefix_is_link_local(&r->via) && !r->dev) {
		diag_add(v->d, r->via_pos, "link-local gateway %s needs 'dev'",
			 via);
		return -1;
	}
	if (r->onlink && !r->dev) {
		diag_add(v->d, r->pos, "an onlink route needs 'dev'");
		return -1;
	}
	if (r->dev && v6_on_lo(&r->via, r->dev)) {
		diag_add(
			v->d, r->via_pos,
			"gateway %s: an IPv6 route through a gateway cannot leave by lo",
			via);
		return -1;
	}
	if (prefix_is_link_local(&r->via))
		return 0;
	if (gateway_lookup_problem(x, r, problem, sizeof(problem))) {
		diag_add(v->d, r->via_pos, "gateway %s: %s", via, problem);
		return -1;
	}
	reachable = gateway_reachable(x, r, &down_if, &is_own, &later);
	/* onlink skips the subnet, not the kernel's check that the gateway
	 * is no local address ("Nexthop has invalid gateway"). */
	if (r->onlink && !is_own)
		return 0;
	if (!reachable || is_own) {
		if ((n->lost_addrs || topo_lost_link_at(v->t, n)) && !is_own &&
		    !down_if)
			return 0;
		if (is_own)
			diag_add(v->d, r->via_pos,
				 "gateway %s is an address of node '%s' itself",
				 via, n->name);
		else if (later)
			diag_add(
				v->d, r->via_pos,
				"gateway %s is reached only by the route after this one, at %u:%u: the kernel looks a gateway up when its route is added (put that route first)",
				via, later->to_pos.line, later->to_pos.col);
		else if (down_if)
			diag_add(
				v->d, r->via_pos,
				"gateway %s is on interface '%s', which is down (up: false)",
				via, down_if);
		else if (r->dev)
			diag_add(
				v->d, r->via_pos,
				"gateway %s is not on a subnet of '%s' in node '%s' (add an address there, or onlink: true)",
				via, r->dev, n->name);
		else
			diag_add(
				v->d, r->via_pos,
				"gateway %s is not on a subnet of any interface of node '%s'",
				via, n->name);
		return -1;
	}
	return 0;
}

/* The kernel's own routes of every namespace, whatever its addresses. */
static const struct {
	const char *to;
	uint32_t table, metric; /* metric UINT32_MAX: any */
	const char *why;
} fixed_routes[] = {
	{ "127.0.0.0/8", RT_TABLE_LOCAL_ID, UINT32_MAX,
	  "the kernel adds it for lo" },
	{ "127.0.0.1/32", RT_TABLE_LOCAL_ID, 0, "the kernel adds it for lo" },
	{ "127.255.255.255/32", RT_TABLE_LOCAL_ID, 0,
	  "the kernel adds it for lo (its broadcast address)" },
	{ "::1/128", RT_TABLE_LOCAL_ID, UINT32_MAX,
	  "the kernel adds it for lo" },
	{ "fe80::/64", RT_TABLE_MAIN_ID, 256,
	  "the kernel adds fe80::/64 metric 256 for every interface with "
	  "IPv6 (give it another metric)" },
	{ "ff00::/8", RT_TABLE_LOCAL_ID, 256,
	  "the kernel adds ff00::/8 metric 256 to table local for every "
	  "interface with IPv6 (give it another metric)" },
};

/* The entry @kind of the index at @r's destination, its address in @at. */
static const struct net_hit *local_hit(const struct node_idx *x,
				       const struct route *r, char kind,
				       char at[INET6_ADDRSTRLEN + 4])
{
	const struct net_hit *h;
	char key[64];

	idx_key(key, sizeof(key), kind, &r->to, r->to.plen, NULL);
	h = idx_get(x, key);
	if (h)
		prefix_format(&h->a->p, true, at, INET6_ADDRSTRLEN + 4);
	return h;
}

/* The kernel's own routes that a topology's route would collide with. */
static bool clashes_kernel_route(const struct node_idx *x,
				 const struct route *r, char *why, size_t len)
{
	unsigned full = full_len(&r->to);
	const struct net_hit *h = NULL;
	char key[64], at[INET6_ADDRSTRLEN + 4];
	bool local = r->table == RT_TABLE_LOCAL_ID, local4;

	if (local && r->to.plen == full && (h = local_hit(x, r, 'L', at))) {
		snprintf(why, len, "it is the local address %s of %s", at,
			 h->ic->name);
		return true;
	}
	/* IPv4 routes of a table are one per prefix and metric (the
	 * kernel's have metric 0); IPv6 ones get 1024 unless told. */
	local4 = local && r->to.family == AF_INET && !r->metric;
	if (local4 && r->to.plen == full && (h = local_hit(x, r, 'B', at))) {
		snprintf(why, len,
			 "it is the broadcast address of %s on %s, which the "
			 "kernel adds",
			 at, h->ic->name);
		return true;
	}
	if (local4 && r->to.plen < full && (h = local_hit(x, r, 'P', at))) {
		snprintf(why, len,
			 "the kernel adds it for address %s of %s (all of a "
			 "prefix on lo is local)",
			 at, h->ic->name);
		return true;
	}
	/* Connected routes: IPv4 metric 0, IPv6 metric 256; none for an
	 * address of full length (/32, /128). */
	if (r->table == RT_TABLE_MAIN_ID && r->to.plen < full &&
	    r->metric == (r->to.family == AF_INET ? 0u : 256u)) {
		idx_key(key, sizeof(key), 'C', &r->to, r->to.plen, NULL);
		h = idx_get(x, key);
		if (h) {
			prefix_format(&h->a->p, true, at, sizeof(at));
			snprintf(
				why, len,
				"the kernel adds that route for address %s of %s (give it a metric)",
				at, h->ic->name);
			return true;
		}
	}
	for (size_t i = 0; i < ARRAY_SIZE(fixed_routes); i++) {
		struct prefix p;
		const char *w;

		prefix_parse(fixed_routes[i].to, &p, true, &w);
		if (r->table == fixed_routes[i].table &&
		    prefix_equal(&r->to, &p) &&
		    (fixed_routes[i].metric == UINT32_MAX ||
		     fixed_routes[i].metric == r->metric)) {
			snprintf(why, len, "%s", fixed_routes[i].why);
			return true;
		}
	}
	return false;
}

static void check_routes(struct rctx *v, struct node *n)
{
	struct strmap seen = { 0 };
	struct node_idx x;

	if (!n->n_routes)
		return;
	idx_build(n, &x);

	for (size_t i = 0; i < n->n_routes; i++) {
		struct route *r = &n->routes[i];
		char to[INET6_ADDRSTRLEN + 4], why[160];
		const char *key;
		int prev;

		if (r->type == RT_LOCAL && !r->intercept && !r->has_table)
			r->table = RT_TABLE_LOCAL_ID; /* as ip route does */
		if (check_route(v, n, &x, r))
			continue;
		/* The kernel's default for IPv6, which it also gives to 0. */
		if (r->to.family == AF_INET6)
			r->metric = metric6(r);
		prefix_format(&r->to, true, to, sizeof(to));
		if (clashes_kernel_route(&x, r, why, sizeof(why))) {
			diag_add(v->d, r->to_pos,
				 "%s %s clashes with a route of the kernel: %s",
				 r->intercept ? "intercept" : "route to", to,
				 why);
			continue;
		}
		key = arena_printf(&x.arena, "%u|%s|%u", r->table, to,
				   r->metric);
		prev = strmap_put(&seen, key, (int)i);
		if (prev >= 0)
			diag_add(
				v->d, r->to_pos,
				"duplicate route to %s in table %u (first at %u:%u)",
				to, r->table, n->routes[prev].to_pos.line,
				n->routes[prev].to_pos.col);
	}
	strmap_free(&seen);
	strmap_free(&x.map);
	arena_free(&x.arena);
}

void validate_routes(struct topo *t, struct node *n,
		     const struct strmap *lost_ifs, struct diags *d)
{
	struct rctx v = { .t = t, .d = d, .lost_ifs = lost_ifs };

	check_routes(&v, n);
}
