// SPDX-License-Identifier: MIT
/*
 * parse_node.c - a node's settings (and `defaults:`): interfaces with
 * their addresses and impairments, sysctls, routes, intercepts and
 * start-up commands.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <string.h>

#include "parse_node.h"

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
	return pread_u32(c, v, "'mtu'", 68, 65535, &ic->mtu);
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
	if (pread_bool(c, v, "'up'", &b))
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
	if (pread_bool(c, v, "'accept-ra'", &b))
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
	if (pread_bool(c, v, "'autoconf'", &b))
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
	{ "delay", nm_delay },	   { "jitter", nm_jitter },
	{ "loss", nm_loss },	   { "duplicate", nm_duplicate },
	{ "reorder", nm_reorder }, { "corrupt", nm_corrupt },
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
	if (pread_want(c, v, Y_SCALAR, "'rate'"))
		return -1;
	d = strtod(v->str, &end);
	for (size_t i = 0; end != v->str && i < ARRAY_SIZE(units); i++)
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

static const struct pread_key iface_keys[] = {
	{ "addresses", if_addresses },
	{ "mtu", if_mtu },
	{ "mac", if_mac },
	{ "up", if_up },
	{ "accept-ra", if_accept_ra },
	{ "autoconf", if_autoconf },
	{ "netem", if_netem },
	{ "rate", if_rate },
};

static int node_interfaces(struct pctx *c, void *obj, const struct ynode *k,
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

/* Sysctls */

/*
 * A sysctl key is a dotted path under /proc/sys/net.  As in sysctl(8), a
 * '/' stands for a '.' inside one component (net.ipv4.conf.eth0/10.rp_filter).
 */
static const char *sysctl_key_problem(const char *key)
{
	if (strncmp(key, "net.", 4))
		return "must start with 'net.' (only per-namespace sysctls are allowed)";
	for (const char *s = key, *comp = key;; s++) {
		unsigned char ch = (unsigned char)*s;

		if (ch == '.' || !ch) {
			size_t len = (size_t)(s - comp);

			if (!len)
				return "has an empty component";
			/* A '/' is read as '.', so "/" and "//" would be
			 * the path components "." and "..". */
			if (len <= 2 && !strncmp(comp, "//", len))
				return "has a component that reads as '.' or '..' ('/' stands for '.')";
			if (!ch)
				return NULL;
			comp = s + 1;
			continue;
		}
		if (!isalnum(ch) && !strchr("_-/@+", ch))
			return "has a character other than letters, digits and _-/@+";
	}
}

static int sysctl_map(struct pctx *c, struct node *n, const struct ynode *v)
{
	int rc = 0;

	if (ynode_is_null(v))
		return 0;
	if (pread_want(c, v, Y_MAP, "'sysctl'"))
		return -1;
	for (size_t i = 0; i < v->n; i++) {
		const struct ynode *k = v->items[2 * i],
				   *val = v->items[2 * i + 1];
		const char *problem = sysctl_key_problem(k->str);
		struct sysctl *s;
		int b;

		if (problem) {
			pread_fail(c, k, "sysctl '%s' %s", k->str, problem);
			rc = -1;
			continue;
		}
		if (val->kind != Y_SCALAR || ynode_is_null(val)) {
			pread_fail(c, val,
				   "sysctl '%s' needs a scalar value, not %s",
				   k->str, ynode_kind_name(val));
			rc = -1;
			continue;
		}
		s = vec_push(&c->t->arena, n->sysctls, n->n_sysctls,
			     n->cap_sysctls);
		s->key = arena_strdup(&c->t->arena, k->str);
		b = val->plain ? pread_bool_value(val->str) : -1;
		s->value = b < 0 ? arena_strndup(&c->t->arena, val->str,
						 strcspn(val->str, "\n")) :
			   b	 ? "1" :
				   "0";
		s->pos = k->pos;
	}
	return rc;
}

static int node_sysctl(struct pctx *c, void *obj, const struct ynode *k,
		       const struct ynode *v)
{
	(void)k;
	return sysctl_map(c, obj, v);
}

/* Routes */

static int rt_to(struct pctx *c, void *obj, const struct ynode *k,
		 const struct ynode *v)
{
	struct route *r = obj;

	(void)k;
	r->to_pos = v->pos;
	if (v->kind == Y_SCALAR && !strcmp(v->str, "default")) {
		r->to_default = true;
		return 0;
	}
	r->to_default = false;
	if (pread_want(c, v, Y_SCALAR, "'to'"))
		return -1;
	/* A destination without a length is a host route, as with ip. */
	if (!strchr(v->str, '/'))
		return pread_prefix(c, v, "route destination", false, &r->to);
	return pread_prefix(c, v, "route destination", true, &r->to);
}

static int rt_via(struct pctx *c, void *obj, const struct ynode *k,
		  const struct ynode *v)
{
	struct route *r = obj;

	(void)k;
	r->via_pos = v->pos;
	if (pread_prefix(c, v, "gateway", false, &r->via))
		return -1;
	r->has_via = true;
	return 0;
}

static int rt_dev(struct pctx *c, void *obj, const struct ynode *k,
		  const struct ynode *v)
{
	struct route *r = obj;

	(void)k;
	r->dev_pos = v->pos;
	return pread_ifname(c, v, "route device", &r->dev);
}

static int rt_metric(struct pctx *c, void *obj, const struct ynode *k,
		     const struct ynode *v)
{
	struct route *r = obj;

	(void)k;
	r->has_metric = true;
	return pread_u32(c, v, "'metric'", 0, UINT32_MAX, &r->metric);
}

static int rt_type(struct pctx *c, void *obj, const struct ynode *k,
		   const struct ynode *v)
{
	struct route *r = obj;
	const char *near;
	int type;

	(void)k;
	if (pread_want(c, v, Y_SCALAR, "'type'"))
		return -1;
	type = route_type_find(v->str);
	if (type >= 0) {
		r->type = (enum route_type)type;
		return 0;
	}
	near = pread_suggest(v->str, route_type_names, RT__COUNT);
	if (near)
		return pread_fail(
			c, v, "unknown route type '%s' (did you mean '%s'?)",
			v->str, near);
	return pread_fail(
		c, v,
		"unknown route type '%s' (known: unicast blackhole unreachable prohibit local)",
		v->str);
}

static int rt_table(struct pctx *c, void *obj, const struct ynode *k,
		    const struct ynode *v)
{
	struct route *r = obj;

	(void)k;
	r->has_table = true;
	if (v->kind == Y_SCALAR && !strcmp(v->str, "main")) {
		r->table = RT_TABLE_MAIN_ID;
		return 0;
	}
	if (v->kind == Y_SCALAR && !strcmp(v->str, "local")) {
		r->table = RT_TABLE_LOCAL_ID;
		return 0;
	}
	if (v->kind == Y_SCALAR && !strcmp(v->str, "default")) {
		r->table = 253;
		return 0;
	}
	return pread_u32(c, v, "'table'", 1, UINT32_MAX, &r->table);
}

static int rt_onlink(struct pctx *c, void *obj, const struct ynode *k,
		     const struct ynode *v)
{
	struct route *r = obj;

	(void)k;
	return pread_bool(c, v, "'onlink'", &r->onlink);
}

static const struct pread_key route_keys[] = {
	{ "to", rt_to },	 { "via", rt_via },   { "dev", rt_dev },
	{ "metric", rt_metric }, { "type", rt_type }, { "table", rt_table },
	{ "onlink", rt_onlink },
};

static int node_routes(struct pctx *c, void *obj, const struct ynode *k,
		       const struct ynode *v)
{
	struct node *n = obj;
	int rc = 0;

	(void)k;
	n->has_routes = true;
	if (ynode_is_null(v))
		return 0;
	if (pread_want(c, v, Y_SEQ, "'routes'"))
		return -1;
	for (size_t i = 0; i < v->n; i++) {
		const struct ynode *item = v->items[i];
		struct route r = { .table = RT_TABLE_MAIN_ID,
				   .pos = item->pos };

		if (pread_want(c, item, Y_MAP, "a route")) {
			rc = -1;
			continue;
		}
		if (pread_walk(c, item, "a route", route_keys,
			       ARRAY_SIZE(route_keys), &r)) {
			rc = -1;
			continue;
		}
		if (!pread_has(item, "to")) {
			pread_fail(c, item,
				   "a route needs 'to' (a prefix or default)");
			rc = -1;
			continue;
		}
		*(struct route *)vec_push(&c->t->arena, n->routes, n->n_routes,
					  n->cap_routes) = r;
	}
	return rc;
}

static int node_intercept(struct pctx *c, void *obj, const struct ynode *k,
			  const struct ynode *v)
{
	struct node *n = obj;
	int rc = 0;

	(void)k;
	n->has_intercept = true;
	if (ynode_is_null(v))
		return 0;
	struct ynode *one = (struct ynode *)v;
	struct ynode seq = { .kind = Y_SEQ, .items = &one, .n = 1 };

	if (v->kind == Y_SCALAR)
		v = &seq;
	if (pread_want(c, v, Y_SEQ, "'intercept'"))
		return -1;
	for (size_t i = 0; i < v->n; i++) {
		const struct ynode *item = v->items[i];
		struct route r = {
			.type = RT_LOCAL,
			.table = RT_TABLE_LOCAL_ID,
			.dev = "lo",
			.intercept = true,
			.pos = item->pos,
			.to_pos = item->pos,
		};

		if (pread_want(c, item, Y_SCALAR, "an intercept prefix") ||
		    pread_prefix(c, item, "intercept prefix",
				 strchr(item->str, '/') != NULL, &r.to)) {
			rc = -1;
			continue;
		}
		*(struct route *)vec_push(&c->t->arena, n->routes, n->n_routes,
					  n->cap_routes) = r;
	}
	return rc;
}

/*
 * exec: commands run in the node, in order, once the lab is up.  A string
 * is a shell command line (sh -c); a sequence is the argv itself.
 */
static int node_exec(struct pctx *c, void *obj, const struct ynode *k,
		     const struct ynode *v)
{
	struct node *n = obj;
	int rc = 0;

	(void)k;
	n->has_exec = true;
	if (ynode_is_null(v))
		return 0;
	if (pread_want(c, v, Y_SEQ, "'exec'"))
		return -1;
	for (size_t i = 0; i < v->n; i++) {
		const struct ynode *item = v->items[i];
		struct exec_cmd *e;
		size_t argc = item->kind == Y_SEQ ? item->n : 3;

		if (item->kind == Y_SCALAR && !ynode_is_null(item) &&
		    !*item->str) {
			pread_fail(c, item, "an exec command may not be empty");
			rc = -1;
			continue;
		}
		if (item->kind == Y_SEQ && !item->n) {
			pread_fail(c, item,
				   "an exec command needs at least a program");
			rc = -1;
			continue;
		}
		if (item->kind != Y_SEQ &&
		    pread_want(c, item, Y_SCALAR, "an exec command")) {
			rc = -1;
			continue;
		}
		e = vec_push(&c->t->arena, n->exec, n->n_exec, n->cap_exec);
		e->pos = item->pos;
		e->argc = argc;
		e->argv =
			arena_alloc(&c->t->arena, (argc + 1) * sizeof(char *));
		if (item->kind == Y_SCALAR) {
			e->argv[0] = "/bin/sh";
			e->argv[1] = "-c";
			e->argv[2] = arena_strdup(&c->t->arena, item->str);
			continue;
		}
		for (size_t j = 0; j < argc; j++) {
			if (pread_want(c, item->items[j], Y_SCALAR,
				       "an exec argument")) {
				rc = -1;
				e->argv[j] = "";
				continue;
			}
			e->argv[j] =
				arena_strdup(&c->t->arena, item->items[j]->str);
		}
		/* An argument already reported is not an empty program too. */
		if (item->items[0]->kind == Y_SCALAR && !*e->argv[0]) {
			pread_fail(c, item->items[0],
				   "an exec program may not be empty");
			rc = -1;
		}
	}
	return rc;
}

/* The machine it is on, of `hosts:` (validate resolves it). */
static int node_host(struct pctx *c, void *obj, const struct ynode *k,
		     const struct ynode *v)
{
	struct node *n = obj;

	(void)k;
	n->host_pos = v->pos;
	return pread_str(c, v, "'host'", &n->host_name);
}

static const struct pread_key node_keys[] = {
	{ "sysctl", node_sysctl }, { "interfaces", node_interfaces },
	{ "routes", node_routes }, { "intercept", node_intercept },
	{ "exec", node_exec },	   { "host", node_host },
};

/* `defaults:` holds what every created node gets unless it says otherwise. */
static const struct pread_key defaults_keys[] = {
	{ "sysctl", node_sysctl },
	{ "routes", node_routes },
	{ "intercept", node_intercept },
	{ "exec", node_exec },
};

int parse_node_body(struct pctx *c, struct node *n, const struct ynode *v,
		    bool defaults)
{
	c->node = n;
	if (defaults)
		return pread_walk(c, v, "defaults", defaults_keys,
				  ARRAY_SIZE(defaults_keys), n);
	return pread_walk(c, v, "a node", node_keys, ARRAY_SIZE(node_keys), n);
}
