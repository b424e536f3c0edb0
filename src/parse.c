// SPDX-License-Identifier: MIT
/*
 * parse.c - YAML tree -> struct topo.
 *
 * Each mapping of the format is walked with a table of its keys; an
 * unknown key is reported with the nearest known one.  Everything that
 * can be judged from one value alone (its type, an address's syntax, a
 * name's characters) is judged here, at that value's position; what
 * needs the whole file (references, clashes) is left to validate.c.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <string.h>
#include <strings.h>

#include "parse.h"

struct ctx {
	struct topo *t;
	struct diags *d;
	bool extensions; /* the top level: x-* keys are the user's own */
};

typedef int (*key_fn)(struct ctx *c, void *obj, const struct ynode *key,
		      const struct ynode *val);

struct key {
	const char *name;
	key_fn fn;
};

static int fail(struct ctx *c, const struct ynode *n, const char *fmt, ...)
	PRINTF(3, 4);

static int fail(struct ctx *c, const struct ynode *n, const char *fmt, ...)
{
	struct strbuf sb = { 0 };
	va_list ap;

	va_start(ap, fmt);
	sb_vprintf(&sb, fmt, ap);
	va_end(ap);
	diag_add(c->d, n->pos, "%s", sb.buf);
	sb_free(&sb);
	return -1;
}

static int want(struct ctx *c, const struct ynode *n, enum ynode_kind kind,
		const char *what)
{
	static const char *const names[] = {
		[Y_SCALAR] = "a scalar",
		[Y_SEQ] = "a sequence",
		[Y_MAP] = "a mapping",
	};

	if (n->kind == kind && !(kind == Y_SCALAR && ynode_is_null(n)))
		return 0;
	return fail(c, n, "%s must be %s, not %s", what, names[kind],
		    ynode_kind_name(n));
}

/* Two neighbouring characters swapped: "mut" for "mtu", "vai" for "via". */
static bool is_transposition(const char *a, const char *b)
{
	size_t n = strlen(a), i = 0;

	if (n != strlen(b))
		return false;
	while (i < n && a[i] == b[i])
		i++;
	return i + 1 < n && a[i] == b[i + 1] && a[i + 1] == b[i] &&
	       !strcmp(a + i + 2, b + i + 2);
}

/* The word of @words that @word is plausibly a typo of, or NULL. */
static const char *suggest(const char *word, const char *const *words, size_t n)
{
	const char *near = nearest_word(word, words, n);

	for (size_t i = 0; i < n && !near; i++)
		if (is_transposition(word, words[i]))
			near = words[i];
	return near;
}

static int walk_map(struct ctx *c, const struct ynode *m, const char *what,
		    const struct key *keys, size_t n_keys, void *obj)
{
	const char *names[16];
	bool ext = c->extensions; /* for this mapping only */
	int rc = 0;

	c->extensions = false;
	for (size_t i = 0; i < n_keys && i < ARRAY_SIZE(names); i++)
		names[i] = keys[i].name;
	for (size_t i = 0; i < m->n; i++) {
		const struct ynode *k = m->items[2 * i],
				   *v = m->items[2 * i + 1];
		const struct key *h = NULL;

		/* As in compose files: a place for anchors, ignored. */
		if (ext && !strncmp(k->str, "x-", 2))
			continue;
		for (size_t j = 0; j < n_keys; j++)
			if (!strcmp(k->str, keys[j].name))
				h = &keys[j];
		if (h) {
			if (h->fn(c, obj, k, v))
				rc = -1;
			continue;
		}
		const char *near = suggest(k->str, names, n_keys);
		struct strbuf sb = { 0 };

		if (near) {
			sb_printf(&sb, "did you mean '%s'?", near);
		} else {
			sb_add(&sb, "known keys:");
			for (size_t j = 0; j < n_keys; j++)
				sb_printf(&sb, " %s", keys[j].name);
		}
		fail(c, k, "unknown key '%s' in %s (%s)", k->str, what, sb.buf);
		sb_free(&sb);
		rc = -1;
	}
	return rc;
}

static bool map_has(const struct ynode *m, const char *key)
{
	for (size_t i = 0; i < m->n; i++)
		if (!strcmp(m->items[2 * i]->str, key))
			return true;
	return false;
}

/* Scalars */

static int get_str(struct ctx *c, const struct ynode *n, const char *what,
		   const char **out)
{
	if (want(c, n, Y_SCALAR, what))
		return -1;
	*out = arena_strdup(&c->t->arena, n->str);
	return 0;
}

static int get_u32(struct ctx *c, const struct ynode *n, const char *what,
		   uint32_t min, uint32_t max, uint32_t *out)
{
	if (want(c, n, Y_SCALAR, what))
		return -1;
	if (!parse_u32(n->str, out) || *out < min || *out > max)
		return fail(c, n,
			    "%s must be an integer from %u to %u, not '%s'",
			    what, min, max, n->str);
	return 0;
}

static int bool_value(const char *s)
{
	static const char *const t[] = { "true", "yes", "on" };
	static const char *const f[] = { "false", "no", "off" };

	for (size_t i = 0; i < ARRAY_SIZE(t); i++) {
		if (!strcasecmp(s, t[i]))
			return 1;
		if (!strcasecmp(s, f[i]))
			return 0;
	}
	return -1;
}

static int get_bool(struct ctx *c, const struct ynode *n, const char *what,
		    bool *out)
{
	int b;

	if (want(c, n, Y_SCALAR, what))
		return -1;
	b = bool_value(n->str);
	if (b < 0)
		return fail(c, n, "%s must be true or false, not '%s'", what,
			    n->str);
	*out = b;
	return 0;
}

static int get_prefix(struct ctx *c, const struct ynode *n, const char *what,
		      bool need_len, struct prefix *p)
{
	const char *why;

	if (want(c, n, Y_SCALAR, what))
		return -1;
	if (prefix_parse(n->str, p, need_len, &why))
		return fail(c, n, "%s '%s' %s", what, n->str, why);
	return 0;
}

static int get_ifname(struct ctx *c, const struct ynode *n, const char *what,
		      const char **out)
{
	const char *why;

	*out = NULL;
	if (want(c, n, Y_SCALAR, what))
		return -1;
	if (!ifname_valid(n->str, &why))
		return fail(c, n, "%s '%s' %s", what, n->str, why);
	*out = arena_strdup(&c->t->arena, n->str);
	return 0;
}

/* Interfaces */

static int if_addresses(struct ctx *c, void *obj, const struct ynode *k,
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
	if (want(c, v, Y_SEQ, "'addresses'"))
		return -1;
	for (size_t i = 0; i < v->n; i++) {
		struct prefix p;

		if (get_prefix(c, v->items[i], "address", true, &p)) {
			c->t->lost_addrs = true;
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

static int if_mtu(struct ctx *c, void *obj, const struct ynode *k,
		  const struct ynode *v)
{
	struct iface_cfg *ic = obj;

	(void)k;
	ic->mtu_pos = v->pos;
	return get_u32(c, v, "'mtu'", 68, 65535, &ic->mtu);
}

static int if_mac(struct ctx *c, void *obj, const struct ynode *k,
		  const struct ynode *v)
{
	struct iface_cfg *ic = obj;
	static const uint8_t zero[6];

	(void)k;
	if (want(c, v, Y_SCALAR, "'mac'"))
		return -1;
	if (mac_parse(v->str, ic->mac))
		return fail(c, v,
			    "mac '%s' is not of the form 02:00:00:00:00:01",
			    v->str);
	if (ic->mac[0] & 1)
		return fail(c, v, "mac '%s' is a multicast address", v->str);
	if (!memcmp(ic->mac, zero, 6))
		return fail(c, v, "mac '%s' is all zeros", v->str);
	ic->has_mac = true;
	ic->mac_pos = v->pos;
	return 0;
}

static int if_up(struct ctx *c, void *obj, const struct ynode *k,
		 const struct ynode *v)
{
	struct iface_cfg *ic = obj;
	bool b = true;

	(void)k;
	if (get_bool(c, v, "'up'", &b))
		return -1;
	ic->up = b;
	return 0;
}

static int if_accept_ra(struct ctx *c, void *obj, const struct ynode *k,
			const struct ynode *v)
{
	struct iface_cfg *ic = obj;
	bool b = false;

	(void)k;
	if (get_bool(c, v, "'accept-ra'", &b))
		return -1;
	ic->accept_ra = b;
	return 0;
}

static int if_autoconf(struct ctx *c, void *obj, const struct ynode *k,
		       const struct ynode *v)
{
	struct iface_cfg *ic = obj;
	bool b = false;

	(void)k;
	if (get_bool(c, v, "'autoconf'", &b))
		return -1;
	ic->autoconf = b;
	return 0;
}

/* "10ms", "1.5ms", "250us", "2s"; a bare number is milliseconds. */
static int get_duration(struct ctx *c, const struct ynode *v, const char *what,
			uint32_t *us)
{
	static const struct {
		const char *unit;
		double scale;
	} units[] = { { "us", 1 }, { "ms", 1e3 }, { "s", 1e6 }, { "", 1e3 } };
	char *end;
	double d;

	if (want(c, v, Y_SCALAR, what))
		return -1;
	d = strtod(v->str, &end);
	for (size_t i = 0; end != v->str && i < ARRAY_SIZE(units); i++)
		if (!strcmp(end, units[i].unit) && d >= 0 &&
		    d * units[i].scale <= 60e6) {
			*us = (uint32_t)(d * units[i].scale + 0.5);
			return 0;
		}
	return fail(
		c, v,
		"%s must be a time like 10ms, 250us or 1s (at most 60s), not '%s'",
		what, v->str);
}

/* "1%", "0.5%", or a bare number of percent. */
static int get_percent(struct ctx *c, const struct ynode *v, const char *what,
		       double *pct)
{
	char *end;

	if (want(c, v, Y_SCALAR, what))
		return -1;
	*pct = strtod(v->str, &end);
	if (end == v->str || (strcmp(end, "%") && *end) || *pct < 0 ||
	    *pct > 100)
		return fail(
			c, v,
			"%s must be a percentage from 0 to 100, like 1%% or 0.5%%, not '%s'",
			what, v->str);
	return 0;
}

static int nm_delay(struct ctx *c, void *obj, const struct ynode *k,
		    const struct ynode *v)
{
	(void)k;
	return get_duration(c, v, "'delay'",
			    &((struct shaping *)obj)->delay_us);
}

static int nm_jitter(struct ctx *c, void *obj, const struct ynode *k,
		     const struct ynode *v)
{
	(void)k;
	return get_duration(c, v, "'jitter'",
			    &((struct shaping *)obj)->jitter_us);
}

static int nm_loss(struct ctx *c, void *obj, const struct ynode *k,
		   const struct ynode *v)
{
	(void)k;
	return get_percent(c, v, "'loss'", &((struct shaping *)obj)->loss);
}

static int nm_duplicate(struct ctx *c, void *obj, const struct ynode *k,
			const struct ynode *v)
{
	(void)k;
	return get_percent(c, v, "'duplicate'",
			   &((struct shaping *)obj)->duplicate);
}

static int nm_reorder(struct ctx *c, void *obj, const struct ynode *k,
		      const struct ynode *v)
{
	(void)k;
	return get_percent(c, v, "'reorder'",
			   &((struct shaping *)obj)->reorder);
}

static int nm_corrupt(struct ctx *c, void *obj, const struct ynode *k,
		      const struct ynode *v)
{
	(void)k;
	return get_percent(c, v, "'corrupt'",
			   &((struct shaping *)obj)->corrupt);
}

static const struct key netem_keys[] = {
	{ "delay", nm_delay },	   { "jitter", nm_jitter },
	{ "loss", nm_loss },	   { "duplicate", nm_duplicate },
	{ "reorder", nm_reorder }, { "corrupt", nm_corrupt },
};

static int if_netem(struct ctx *c, void *obj, const struct ynode *k,
		    const struct ynode *v)
{
	struct iface_cfg *ic = obj;

	(void)k;
	ic->shape.pos = v->pos;
	if (want(c, v, Y_MAP, "'netem'") ||
	    walk_map(c, v, "netem", netem_keys, ARRAY_SIZE(netem_keys),
		     &ic->shape))
		return -1;
	ic->shape.netem = true;
	if (ic->shape.reorder > 0 && !ic->shape.delay_us)
		return fail(
			c, v,
			"netem 'reorder' needs a 'delay' (packets not delayed are the reordered ones)");
	if (ic->shape.jitter_us && !ic->shape.delay_us)
		return fail(c, v, "netem 'jitter' needs a 'delay'");
	return 0;
}

/* "10mbit", "1gbit", "500kbit", "2mbps" (bytes); a bare number is bit/s. */
static int if_rate(struct ctx *c, void *obj, const struct ynode *k,
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
	if (want(c, v, Y_SCALAR, "'rate'"))
		return -1;
	d = strtod(v->str, &end);
	for (size_t i = 0; end != v->str && i < ARRAY_SIZE(units); i++)
		if (!strcasecmp(end, units[i].unit) && d > 0 &&
		    d * units[i].bits / 8 >= 1 && d * units[i].bits / 8 < 2e9) {
			ic->shape.rate = (uint64_t)(d * units[i].bits / 8);
			return 0;
		}
	return fail(
		c, v,
		"'rate' must be like 10mbit, 500kbit or 1gbit (up to 16gbit), not '%s'",
		v->str);
}

static const struct key iface_keys[] = {
	{ "addresses", if_addresses },
	{ "mtu", if_mtu },
	{ "mac", if_mac },
	{ "up", if_up },
	{ "accept-ra", if_accept_ra },
	{ "autoconf", if_autoconf },
	{ "netem", if_netem },
	{ "rate", if_rate },
};

static int node_interfaces(struct ctx *c, void *obj, const struct ynode *k,
			   const struct ynode *v)
{
	struct node *n = obj;
	int rc = 0;

	(void)k;
	if (ynode_is_null(v))
		return 0;
	if (want(c, v, Y_MAP, "'interfaces'")) {
		c->t->lost_addrs = true;
		return -1;
	}
	for (size_t i = 0; i < v->n; i++) {
		const struct ynode *name = v->items[2 * i];
		const struct ynode *cfg = v->items[2 * i + 1];
		struct iface_cfg *ic;
		const char *ifname;

		if (get_ifname(c, name, "interface name", &ifname)) {
			c->t->lost_addrs = true;
			rc = -1;
			continue;
		}
		ic = vec_push(&c->t->arena, n->ifcfg, n->n_ifcfg, n->cap_ifcfg);
		ic->name = ifname;
		ic->pos = name->pos;
		ic->up = ic->accept_ra = ic->autoconf = -1;
		if (ynode_is_null(cfg))
			continue;
		if (want(c, cfg, Y_MAP, "an interface's settings") ||
		    walk_map(c, cfg, "an interface", iface_keys,
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

static int sysctl_map(struct ctx *c, struct node *n, const struct ynode *v)
{
	int rc = 0;

	if (ynode_is_null(v))
		return 0;
	if (want(c, v, Y_MAP, "'sysctl'"))
		return -1;
	for (size_t i = 0; i < v->n; i++) {
		const struct ynode *k = v->items[2 * i],
				   *val = v->items[2 * i + 1];
		const char *problem = sysctl_key_problem(k->str);
		struct sysctl *s;
		int b;

		if (problem) {
			fail(c, k, "sysctl '%s' %s", k->str, problem);
			rc = -1;
			continue;
		}
		if (val->kind != Y_SCALAR || ynode_is_null(val)) {
			fail(c, val, "sysctl '%s' needs a scalar value, not %s",
			     k->str, ynode_kind_name(val));
			rc = -1;
			continue;
		}
		s = vec_push(&c->t->arena, n->sysctls, n->n_sysctls,
			     n->cap_sysctls);
		s->key = arena_strdup(&c->t->arena, k->str);
		b = val->plain ? bool_value(val->str) : -1;
		s->value = b < 0 ? arena_strndup(&c->t->arena, val->str,
						 strcspn(val->str, "\n")) :
			   b	 ? "1" :
				   "0";
		s->pos = k->pos;
	}
	return rc;
}

static int node_sysctl(struct ctx *c, void *obj, const struct ynode *k,
		       const struct ynode *v)
{
	(void)k;
	return sysctl_map(c, obj, v);
}

/* Routes */

static int rt_to(struct ctx *c, void *obj, const struct ynode *k,
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
	if (want(c, v, Y_SCALAR, "'to'"))
		return -1;
	/* A destination without a length is a host route, as with ip. */
	if (!strchr(v->str, '/'))
		return get_prefix(c, v, "route destination", false, &r->to);
	return get_prefix(c, v, "route destination", true, &r->to);
}

static int rt_via(struct ctx *c, void *obj, const struct ynode *k,
		  const struct ynode *v)
{
	struct route *r = obj;

	(void)k;
	r->via_pos = v->pos;
	if (get_prefix(c, v, "gateway", false, &r->via))
		return -1;
	r->has_via = true;
	return 0;
}

static int rt_dev(struct ctx *c, void *obj, const struct ynode *k,
		  const struct ynode *v)
{
	struct route *r = obj;

	(void)k;
	r->dev_pos = v->pos;
	return get_ifname(c, v, "route device", &r->dev);
}

static int rt_metric(struct ctx *c, void *obj, const struct ynode *k,
		     const struct ynode *v)
{
	struct route *r = obj;

	(void)k;
	r->has_metric = true;
	return get_u32(c, v, "'metric'", 0, UINT32_MAX, &r->metric);
}

static int rt_type(struct ctx *c, void *obj, const struct ynode *k,
		   const struct ynode *v)
{
	struct route *r = obj;
	const char *near;
	int type;

	(void)k;
	if (want(c, v, Y_SCALAR, "'type'"))
		return -1;
	type = route_type_find(v->str);
	if (type >= 0) {
		r->type = (enum route_type)type;
		return 0;
	}
	near = suggest(v->str, route_type_names, RT__COUNT);
	if (near)
		return fail(c, v,
			    "unknown route type '%s' (did you mean '%s'?)",
			    v->str, near);
	return fail(
		c, v,
		"unknown route type '%s' (known: unicast blackhole unreachable prohibit local)",
		v->str);
}

static int rt_table(struct ctx *c, void *obj, const struct ynode *k,
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
	return get_u32(c, v, "'table'", 1, UINT32_MAX, &r->table);
}

static int rt_onlink(struct ctx *c, void *obj, const struct ynode *k,
		     const struct ynode *v)
{
	struct route *r = obj;

	(void)k;
	return get_bool(c, v, "'onlink'", &r->onlink);
}

static const struct key route_keys[] = {
	{ "to", rt_to },	 { "via", rt_via },   { "dev", rt_dev },
	{ "metric", rt_metric }, { "type", rt_type }, { "table", rt_table },
	{ "onlink", rt_onlink },
};

static int node_routes(struct ctx *c, void *obj, const struct ynode *k,
		       const struct ynode *v)
{
	struct node *n = obj;
	int rc = 0;

	(void)k;
	n->has_routes = true;
	if (ynode_is_null(v))
		return 0;
	if (want(c, v, Y_SEQ, "'routes'"))
		return -1;
	for (size_t i = 0; i < v->n; i++) {
		const struct ynode *item = v->items[i];
		struct route r = { .table = RT_TABLE_MAIN_ID,
				   .pos = item->pos };

		if (want(c, item, Y_MAP, "a route")) {
			rc = -1;
			continue;
		}
		if (walk_map(c, item, "a route", route_keys,
			     ARRAY_SIZE(route_keys), &r)) {
			rc = -1;
			continue;
		}
		if (!map_has(item, "to")) {
			fail(c, item,
			     "a route needs 'to' (a prefix or default)");
			rc = -1;
			continue;
		}
		*(struct route *)vec_push(&c->t->arena, n->routes, n->n_routes,
					  n->cap_routes) = r;
	}
	return rc;
}

static int node_intercept(struct ctx *c, void *obj, const struct ynode *k,
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
	if (want(c, v, Y_SEQ, "'intercept'"))
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

		if (want(c, item, Y_SCALAR, "an intercept prefix") ||
		    get_prefix(c, item, "intercept prefix",
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
static int node_exec(struct ctx *c, void *obj, const struct ynode *k,
		     const struct ynode *v)
{
	struct node *n = obj;
	int rc = 0;

	(void)k;
	n->has_exec = true;
	if (ynode_is_null(v))
		return 0;
	if (want(c, v, Y_SEQ, "'exec'"))
		return -1;
	for (size_t i = 0; i < v->n; i++) {
		const struct ynode *item = v->items[i];
		struct exec_cmd *e;
		size_t argc = item->kind == Y_SEQ ? item->n : 3;

		if (item->kind == Y_SCALAR && !ynode_is_null(item) &&
		    !*item->str) {
			fail(c, item, "an exec command may not be empty");
			rc = -1;
			continue;
		}
		if (item->kind == Y_SEQ && !item->n) {
			fail(c, item,
			     "an exec command needs at least a program");
			rc = -1;
			continue;
		}
		if (item->kind != Y_SEQ &&
		    want(c, item, Y_SCALAR, "an exec command")) {
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
			if (want(c, item->items[j], Y_SCALAR,
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
			fail(c, item->items[0],
			     "an exec program may not be empty");
			rc = -1;
		}
	}
	return rc;
}

static const struct key node_keys[] = {
	{ "sysctl", node_sysctl }, { "interfaces", node_interfaces },
	{ "routes", node_routes }, { "intercept", node_intercept },
	{ "exec", node_exec },
};

/* `defaults:` holds what every created node gets unless it says otherwise. */
static const struct key defaults_keys[] = {
	{ "sysctl", node_sysctl },
	{ "routes", node_routes },
	{ "intercept", node_intercept },
	{ "exec", node_exec },
};

/* Top level */

static int top_version(struct ctx *c, void *obj, const struct ynode *k,
		       const struct ynode *v)
{
	(void)obj;
	(void)k;
	if (want(c, v, Y_SCALAR, "'version'"))
		return -1;
	if (strcmp(v->str, "1"))
		return fail(
			c, v,
			"unsupported version '%s' (this nstopo reads version 1)",
			v->str);
	return 0;
}

/*
 * Why @s is not a name of 1 to @max characters from [A-Za-z0-9] and
 * @extra starting with a letter or digit (lower-case only if @lower), or
 * NULL if it is one.  The same rules as node_name_valid() and
 * lab_name_valid(), with the reason.  *@chars: the reason is a character.
 */
static const char *name_problem(const char *s, size_t max, const char *extra,
				bool lower, char *buf, size_t len, bool *chars)
{
	*chars = false;
	if (!*s)
		return "is empty";
	if (!strcmp(s, ".") || !strcmp(s, ".."))
		return "may not be '.' or '..'";
	*chars = true;
	for (const char *p = s; *p; p++) {
		unsigned char ch = (unsigned char)*p;

		if (ch >= 0x80)
			return "may not contain non-ASCII characters";
		if (lower && isupper(ch))
			return "may not contain upper-case letters";
		if (isalnum(ch) || strchr(extra, ch))
			continue;
		if (isspace(ch) || iscntrl(ch))
			return "may not contain whitespace or control characters";
		snprintf(buf, len, "may not contain '%c'", ch);
		return buf;
	}
	*chars = false;
	if (!isalnum((unsigned char)s[0]))
		return "must start with a letter or digit";
	if (strlen(s) > max) {
		snprintf(buf, len, "is longer than %zu characters", max);
		return buf;
	}
	return NULL;
}

static const char node_chars[] = ": use letters, digits, '_', '.' and '-'";

static int top_name(struct ctx *c, void *obj, const struct ynode *k,
		    const struct ynode *v)
{
	const char *why;
	char buf[64];
	bool chars;

	(void)obj;
	(void)k;
	if (get_str(c, v, "'name'", &c->t->name))
		return -1;
	c->t->name_pos = v->pos;
	why = name_problem(v->str, LAB_NAME_MAX, "-", true, buf, sizeof(buf),
			   &chars);
	if (why)
		return fail(c, v, "lab name '%s' %s%s", v->str, why,
			    chars ? ": use a-z, 0-9 and '-'" : "");
	return 0;
}

static int top_prefix(struct ctx *c, void *obj, const struct ynode *k,
		      const struct ynode *v)
{
	const char *p;

	(void)obj;
	(void)k;
	if (v->kind == Y_SCALAR && !v->plain && !v->len) {
		c->t->ns_prefix = "";
		return 0;
	}
	if (get_str(c, v, "'namespace-prefix'", &p))
		return -1;
	c->t->prefix_pos = v->pos;
	if (strlen(p) > NS_PREFIX_MAX)
		return fail(c, v, "namespace-prefix is longer than %d bytes",
			    NS_PREFIX_MAX);
	for (const char *s = p; *s; s++)
		if (!isalnum((unsigned char)*s) && !strchr("_.-", *s))
			return fail(
				c, v,
				"namespace-prefix '%s' may hold only letters, digits, '_', '.' and '-'",
				v->str);
	c->t->ns_prefix = p;
	return 0;
}

static int top_defaults(struct ctx *c, void *obj, const struct ynode *k,
			const struct ynode *v)
{
	(void)obj;
	(void)k;
	c->t->has_defaults = true;
	c->t->defaults.name = "defaults";
	c->t->defaults.pos = v->pos;
	if (ynode_is_null(v))
		return 0;
	if (want(c, v, Y_MAP, "'defaults'"))
		return -1;
	return walk_map(c, v, "defaults", defaults_keys,
			ARRAY_SIZE(defaults_keys), &c->t->defaults);
}

static int top_nodes(struct ctx *c, void *obj, const struct ynode *k,
		     const struct ynode *v)
{
	struct topo *t = c->t;
	int rc = 0;

	(void)obj;
	(void)k;
	if (ynode_is_null(v))
		return 0;
	if (want(c, v, Y_MAP, "'nodes'")) {
		c->t->lost_nodes = true;
		return -1;
	}
	for (size_t i = 0; i < v->n; i++) {
		const struct ynode *name = v->items[2 * i];
		const struct ynode *body = v->items[2 * i + 1];
		const char *why;
		struct node *n;
		char buf[64];
		bool chars;

		if (!strcmp(name->str, "host")) {
			n = &t->nodes[HOST_NODE];
		} else if (t->n_nodes > TOPO_MAX_NODES) {
			fail(c, name, "more than %d nodes", TOPO_MAX_NODES);
			return -1;
		} else {
			n = vec_push(&t->arena, t->nodes, t->n_nodes,
				     t->cap_nodes);
			n->name = arena_strdup(&t->arena, name->str);
			strmap_put(&t->node_map, n->name,
				   (int)(t->n_nodes - 1));
			/* Kept even when invalid, so references to it resolve
			 * and only the name itself is reported. */
			why = name_problem(name->str, NODE_NAME_MAX, "_.-",
					   false, buf, sizeof(buf), &chars);
			if (why) {
				fail(c, name, "node name '%s' %s%s", name->str,
				     why, chars ? node_chars : "");
				rc = -1;
			}
		}
		n->declared = true;
		n->pos = name->pos;
		if (ynode_is_null(body))
			continue;
		if (want(c, body, Y_MAP, "a node's settings") ||
		    walk_map(c, body, "a node", node_keys,
			     ARRAY_SIZE(node_keys), n))
			rc = -1;
	}
	return rc;
}

static int bridge_node(struct ctx *c, void *obj, const struct ynode *k,
		       const struct ynode *v)
{
	struct bridge *b = obj;

	(void)k;
	b->node_pos = v->pos;
	return get_str(c, v, "'node'", &b->node_name);
}

static int bridge_ports(struct ctx *c, void *obj, const struct ynode *k,
			const struct ynode *v)
{
	struct bridge *b = obj;
	int rc = 0;

	(void)k;
	if (ynode_is_null(v))
		return 0;
	if (want(c, v, Y_SEQ, "'ports'"))
		return -1;
	for (size_t i = 0; i < v->n; i++) {
		struct bridge_port *p;
		const char *name;

		if (get_ifname(c, v->items[i], "port", &name)) {
			rc = -1;
			continue;
		}
		p = vec_push(&c->t->arena, b->ports, b->n_given, b->cap_given);
		p->name = name;
		p->pos = v->items[i]->pos;
		p->iface = -1;
	}
	return rc;
}

static int bridge_adopt(struct ctx *c, void *obj, const struct ynode *k,
			const struct ynode *v)
{
	struct bridge *b = obj;

	(void)k;
	b->adopt_pos = v->pos;
	return get_bool(c, v, "'adopt'", &b->adopt);
}

static const struct key bridge_keys[] = {
	{ "ports", bridge_ports },
	{ "adopt", bridge_adopt },
	{ "node", bridge_node },
};

static int top_bridges(struct ctx *c, void *obj, const struct ynode *k,
		       const struct ynode *v)
{
	struct topo *t = c->t;
	int rc = 0;

	(void)obj;
	(void)k;
	if (ynode_is_null(v))
		return 0;
	if (want(c, v, Y_MAP, "'bridges'")) {
		c->t->lost_nodes = c->t->lost_links = true;
		return -1;
	}
	for (size_t i = 0; i < v->n; i++) {
		const struct ynode *name = v->items[2 * i];
		const struct ynode *body = v->items[2 * i + 1];
		struct bridge *b;
		const char *ifname;

		if (get_ifname(c, name, "bridge name", &ifname))
			rc = -1; /* kept, so links to it resolve */
		b = vec_push(&t->arena, t->bridges, t->n_bridges,
			     t->cap_bridges);
		b->name = arena_strdup(&t->arena, name->str);
		b->pos = name->pos;
		b->iface = -1;
		strmap_put(&t->bridge_map, b->name, (int)(t->n_bridges - 1));
		if (ynode_is_null(body))
			continue;
		if (want(c, body, Y_MAP, "a bridge's settings") ||
		    walk_map(c, body, "a bridge", bridge_keys,
			     ARRAY_SIZE(bridge_keys), b))
			rc = -1;
	}
	return rc;
}

static int endpoints(struct ctx *c, struct link *l, const struct ynode *v)
{
	if (want(c, v, Y_SEQ, "a link's endpoints"))
		return -1;
	if (v->n > 2)
		return fail(
			c, v->items[2],
			"a link joins exactly two endpoints, not %zu (join more with a bridge)",
			v->n);
	if (v->n < 2)
		return fail(c, v, "a link joins exactly two endpoints, not %zu",
			    v->n);
	for (int i = 0; i < 2; i++) {
		if (want(c, v->items[i], Y_SCALAR, "an endpoint"))
			return -1;
		l->ep[i].text = arena_strdup(&c->t->arena, v->items[i]->str);
		l->ep[i].pos = v->items[i]->pos;
	}
	return 0;
}

static int link_endpoints(struct ctx *c, void *obj, const struct ynode *k,
			  const struct ynode *v)
{
	(void)k;
	return endpoints(c, obj, v);
}

static int link_mtu(struct ctx *c, void *obj, const struct ynode *k,
		    const struct ynode *v)
{
	struct link *l = obj;

	(void)k;
	l->mtu_pos = v->pos;
	return get_u32(c, v, "'mtu'", 68, 65535, &l->mtu);
}

static int one_endpoint(struct ctx *c, struct endpoint *ep,
			const struct ynode *v, const char *what)
{
	if (want(c, v, Y_SCALAR, what))
		return -1;
	ep->text = arena_strdup(&c->t->arena, v->str);
	ep->pos = v->pos;
	return 0;
}

static int link_endpoint(struct ctx *c, void *obj, const struct ynode *k,
			 const struct ynode *v)
{
	(void)k;
	return one_endpoint(c, &((struct link *)obj)->ep[0], v, "'endpoint'");
}

static int link_parent(struct ctx *c, void *obj, const struct ynode *k,
		       const struct ynode *v)
{
	(void)k;
	return one_endpoint(c, &((struct link *)obj)->parent, v, "'parent'");
}

static int link_kind_key(struct ctx *c, void *obj, const struct ynode *k,
			 const struct ynode *v)
{
	const char *names[LK__COUNT], *near;
	size_t n = link_kind_names(names);
	struct link *l = obj;
	struct strbuf known = { 0 };

	(void)k;
	l->kind_pos = v->pos;
	if (want(c, v, Y_SCALAR, "'kind'"))
		return -1;
	l->kind = link_kind_find(v->str);
	if (l->kind != LK_NONE && link_kind(l->kind)->ends)
		return 0;
	l->kind = LK_VETH; /* what the rest of the link is checked as */
	near = suggest(v->str, names, n);
	if (near)
		return fail(c, v, "unknown link kind '%s' (did you mean '%s'?)",
			    v->str, near);
	for (size_t i = 0; i < n; i++)
		sb_printf(&known, " %s", names[i]);
	fail(c, v, "unknown link kind '%s' (known:%s)", v->str, known.buf);
	sb_free(&known);
	return -1;
}

static int link_mode(struct ctx *c, void *obj, const struct ynode *k,
		     const struct ynode *v)
{
	struct link *l = obj;

	(void)k;
	l->mode_pos = v->pos;
	return get_str(c, v, "'mode'", &l->mode_name);
}

/* Its range is the kind's: link_shape() reads it. */
static int link_id(struct ctx *c, void *obj, const struct ynode *k,
		   const struct ynode *v)
{
	struct link *l = obj;

	(void)c;
	(void)k;
	l->id_pos = v->pos;
	return 0;
}

static const struct key link_keys[] = {
	{ "kind", link_kind_key },     { "endpoints", link_endpoints },
	{ "endpoint", link_endpoint }, { "parent", link_parent },
	{ "mode", link_mode },	       { "id", link_id },
	{ "mtu", link_mtu },
};

static const struct ynode *map_get(const struct ynode *m, const char *key)
{
	for (size_t i = 0; i < m->n; i++)
		if (!strcmp(m->items[2 * i]->str, key))
			return m->items[2 * i + 1];
	return NULL;
}

/* What a link's kind needs and allows (its row in linkkind.c), once the
 * link's keys are read. */
static int link_shape(struct ctx *c, struct link *l, const struct ynode *item)
{
	const struct link_kind_desc *k = link_kind(l->kind);
	const struct ynode *id = map_get(item, "id");
	struct pos mode_pos = l->mode_pos;
	char modes[96];
	int rc = 0;

	if (k->ends == 2) {
		if (map_has(item, "endpoint") || map_has(item, "parent") ||
		    map_has(item, "mode") || id)
			return fail(
				c, item,
				"a %s link takes 'endpoints' (two), not 'endpoint', 'parent', 'mode' or 'id'",
				k->name);
		if (!l->ep[0].text || !l->ep[1].text) {
			if (!map_has(item, "endpoints"))
				fail(c, item, "a link needs 'endpoints'");
			return -1;
		}
		return 0;
	}
	if (map_has(item, "endpoints"))
		return fail(c, item,
			    "a %s link has one 'endpoint', not 'endpoints'",
			    k->name);
	if (!l->ep[0].text)
		return fail(c, item, "a %s link needs 'endpoint' (NODE:IFNAME)",
			    k->name);
	if (k->parent && !l->parent.text)
		rc = fail(c, item, "a %s link needs 'parent' (NODE:IFNAME)",
			  k->name);
	if (!k->parent && l->parent.text)
		rc = fail(c, item, "a %s link has no 'parent'", k->name);
	if (k->id_key && !id)
		rc = fail(c, item, "a %s link needs '%s' (%u to %u)", k->name,
			  k->id_key, k->id_min, k->id_max);
	else if (!k->id_key && id)
		rc = fail(c, id, "a %s link has no 'id'", k->name);
	else if (id && get_u32(c, id, "'id'", k->id_min, k->id_max, &l->id))
		rc = -1;
	if (!l->mode_name) {
		if (k->modes)
			l->mode = k->modes[k->default_mode].value;
	} else if (!k->modes) {
		rc = fail(c, &(struct ynode){ .pos = mode_pos },
			  "a %s link has no 'mode'", k->name);
	} else if (link_mode_find(l->kind, l->mode_name, &l->mode)) {
		rc = fail(c, &(struct ynode){ .pos = mode_pos },
			  "unknown %s mode '%s' (known: %s)", k->name,
			  l->mode_name,
			  link_modes_text(l->kind, modes, sizeof(modes)));
	}
	return rc;
}

static int top_links(struct ctx *c, void *obj, const struct ynode *k,
		     const struct ynode *v)
{
	struct topo *t = c->t;
	int rc = 0;

	(void)obj;
	(void)k;
	if (ynode_is_null(v))
		return 0;
	if (want(c, v, Y_SEQ, "'links'")) {
		c->t->lost_links = true;
		return -1;
	}
	for (size_t i = 0; i < v->n; i++) {
		const struct ynode *item = v->items[i];
		struct link l = { .kind = LK_VETH,
				  .pos = item->pos,
				  .parent_iface = -1 };

		if (item->kind == Y_SEQ) {
			if (endpoints(c, &l, item)) {
				c->t->lost_links = true;
				rc = -1;
				continue;
			}
		} else if (item->kind == Y_MAP) {
			/* A link with a bad key is kept if its endpoints are
			 * good: the interfaces it makes are still referred to. */
			if (walk_map(c, item, "a link", link_keys,
				     ARRAY_SIZE(link_keys), &l))
				rc = -1;
			if (link_shape(c, &l, item)) {
				c->t->lost_links = true;
				rc = -1;
				continue;
			}
		} else {
			fail(c, item,
			     "a link must be a pair [A, B] or a mapping with 'endpoints', not %s",
			     ynode_kind_name(item));
			c->t->lost_links = true;
			rc = -1;
			continue;
		}
		*(struct link *)vec_push(&t->arena, t->links, t->n_links,
					 t->cap_links) = l;
	}
	return rc;
}

static const struct key top_keys[] = {
	{ "version", top_version },
	{ "name", top_name },
	{ "namespace-prefix", top_prefix },
	{ "defaults", top_defaults },
	{ "nodes", top_nodes },
	{ "bridges", top_bridges },
	{ "links", top_links },
};

/*
 * A misspelt 'nodes', 'bridges' or 'links' is reported as an unknown key;
 * what it held is missing, so the references to it must stay quiet.
 */
static void lost_sections(struct topo *t, const struct ynode *root)
{
	static const char *const lists[] = { "nodes", "bridges", "links" };

	for (size_t i = 0; i < root->n; i++) {
		const char *key = root->items[2 * i]->str;
		const char *near = suggest(key, lists, ARRAY_SIZE(lists));

		/* x-nodes is no misspelling but the user's own: it was not
		 * reported, so nothing may stay quiet because of it. */
		if (!near || !strcmp(key, near) || !strncmp(key, "x-", 2))
			continue;
		/* Bridges make interfaces too. */
		if (strcmp(near, "nodes"))
			t->lost_links = true;
		if (strcmp(near, "links"))
			t->lost_nodes = true;
	}
}

int topo_parse(struct topo *t, const struct ydoc *doc, struct diags *d)
{
	struct ctx c = { .t = t, .d = d };
	int rc;

	if (!doc->root)
		return fail(
			&c, &(struct ynode){ .pos = { 1, 1 } },
			"the file is empty: a topology needs at least 'nodes'");
	if (doc->root->kind != Y_MAP)
		return fail(
			&c, doc->root,
			"a topology must be a mapping (nodes:, bridges:, links:), not %s",
			ynode_kind_name(doc->root));
	c.extensions = true;
	rc = walk_map(&c, doc->root, "the topology", top_keys,
		      ARRAY_SIZE(top_keys), NULL);
	lost_sections(t, doc->root);
	if (!t->name)
		t->name = lab_name_from_path(&t->arena, t->file);
	if (!t->ns_prefix)
		t->ns_prefix = "";
	return rc;
}
