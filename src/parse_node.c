// SPDX-License-Identifier: MIT
/*
 * parse_node.c - a node's settings (and `defaults:`): sysctls, routes,
 * intercepts, start-up commands, readiness gates, forwards, its host;
 * its interfaces are parse_iface.c's.
 */
#include <ctype.h>
#include <errno.h>
#include <string.h>

#include "parse_forward.h"
#include "parse_iface.h"
#include "parse_node.h"

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

/*
 * The kernel reads a sysctl's number as C's strtol() with base 0 does
 * (010 is octal 8, 0x10 is 16, +1 is 1) and shows it in decimal: such a
 * value never reads back as written.  Return: true, with the decimal
 * text in @dec, for a value written so.
 */
static bool sysctl_odd_number(const char *s, char *dec, size_t len)
{
	const char *t = s + (*s == '-' || *s == '+');
	long long v;
	char *end;

	if (!isdigit((unsigned char)*t) ||
	    (*s != '+' && (t[0] != '0' || !isalnum((unsigned char)t[1]))))
		return false;
	errno = 0;
	v = strtoll(s, &end, 0);
	if (*end || errno)
		return false;
	snprintf(dec, len, "%lld", v);
	return true;
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
		char dec[32];
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
		if (sysctl_odd_number(val->str, dec, sizeof(dec))) {
			pread_fail(
				c, val,
				"sysctl '%s' value '%s' is the number %s to the kernel, which shows it so: write %s",
				k->str, val->str, dec, dec);
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

/* What sysctl_key_problem() allows: components of [A-Za-z0-9_@+/-],
 * none empty, none "/" or "//". */
#define SYSCTL_COMPONENT \
	"([A-Za-z0-9_@+-][A-Za-z0-9_@+/-]*|/[A-Za-z0-9_@+-][A-Za-z0-9_@+/-]*|//[A-Za-z0-9_@+/-]+)"

static const struct pshape sysctl_shape = {
	.kind = PS_DICT,
	.desc = "Sysctls written in the node's namespace: dotted keys under /proc/sys/net (a '/' stands for a '.' inside one component, as in sysctl(8)), scalar values written as text (true and false as 1 and 0).",
	.nullable = true,
	.name = &(const struct pshape){ .kind = PS_STRING,
					.pattern = "^net(\\." SYSCTL_COMPONENT
						   ")+$" },
	.item = &(const struct pshape){ .kind = PS_SCALAR },
};

/* Routes */

static int rt_to(struct pctx *c, void *obj, const struct ynode *k,
		 const struct ynode *v)
{
	struct route *r = obj;

	(void)k;
	r->to_pos = v->pos;
	if (v->kind == Y_SCALAR && pshape_find(c->key->shape, v->str) >= 0) {
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
	return pread_key_u32(c, v, &r->metric);
}

static int rt_type(struct pctx *c, void *obj, const struct ynode *k,
		   const struct ynode *v)
{
	struct route *r = obj;
	int type;

	(void)k;
	type = pread_key_enum(c, v, "route type");
	if (type < 0)
		return -1;
	r->type = (enum route_type)type;
	return 0;
}

static size_t route_types(const char **out)
{
	memcpy(out, route_type_names, sizeof(route_type_names));
	return RT__COUNT;
}

/* The tables a file names, as ip-route(8) does; else a number. */
static const struct {
	const char *name;
	uint32_t id;
} tables[] = {
	{ "main", RT_TABLE_MAIN_ID },
	{ "local", RT_TABLE_LOCAL_ID },
	{ "default", 253 },
};

static size_t table_names(const char **out)
{
	for (size_t i = 0; i < ARRAY_SIZE(tables); i++)
		out[i] = tables[i].name;
	return ARRAY_SIZE(tables);
}

static const struct pshape table_shape = {
	.kind = PS_ENUM,
	.names = table_names,
	.or
	= &(const struct pshape){ .kind = PS_INT, .min = 1, .max = UINT32_MAX },
};

static int rt_table(struct pctx *c, void *obj, const struct ynode *k,
		    const struct ynode *v)
{
	struct route *r = obj;
	int i = v->kind == Y_SCALAR ? pshape_find(&table_shape, v->str) : -1;

	(void)k;
	r->has_table = true;
	if (i >= 0) {
		r->table = tables[i].id;
		return 0;
	}
	return pread_u32(c, v, "'table'", (uint32_t)table_shape.or->min,
			 (uint32_t)table_shape.or->max, &r->table);
}

static int rt_onlink(struct pctx *c, void *obj, const struct ynode *k,
		     const struct ynode *v)
{
	struct route *r = obj;

	(void)k;
	return pread_key_bool(c, v, &r->onlink);
}

static size_t default_word(const char **out)
{
	out[0] = "default";
	return 1;
}

static const struct pread_key route_keys[] = {
	{ .name = "to",
	  .fn = rt_to,
	  .shape = &(const struct pshape){ .kind = PS_ENUM,
					   .names = default_word,
					   .or = &pshape_dest },
	  .desc = "The destination: a prefix, an address (one host), or default (0.0.0.0/0 or ::/0, by the family of via).",
	  .required = true },
	{ .name = "via",
	  .fn = rt_via,
	  .shape = &pshape_address,
	  .desc = "The gateway." },
	{ .name = "dev",
	  .fn = rt_dev,
	  .shape = &pshape_ifname,
	  .desc = "The interface the route goes out of; needed with a link-local gateway." },
	{ .name = "metric",
	  .fn = rt_metric,
	  .shape = &(const struct pshape){ .kind = PS_INT,
					   .min = 0,
					   .max = UINT32_MAX },
	  .desc = "The route's metric (priority); lower wins." },
	{ .name = "type",
	  .fn = rt_type,
	  .shape = &(const struct pshape){ .kind = PS_ENUM,
					   .names = route_types },
	  .desc = "The route's type; default unicast." },
	{ .name = "table",
	  .fn = rt_table,
	  .shape = &table_shape,
	  .desc = "The routing table: main (the default), local, default, or a number." },
	{ .name = "onlink",
	  .fn = rt_onlink,
	  .shape = &pshape_bool,
	  .desc = "Whether the gateway is taken as on the link even if no subnet of the interface holds it; needs via." },
};

static const struct pshape routes_shape = {
	.kind = PS_SEQ,
	.desc = "Static routes of the node.",
	.nullable = true,
	.item = &(const struct pshape){ .kind = PS_MAP,
					.keys = route_keys,
					.n_keys = ARRAY_SIZE(route_keys) },
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
		if (pread_missing(item, route_keys, ARRAY_SIZE(route_keys))) {
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

static const struct pshape intercept_shape = {
	.kind = PS_SEQ,
	.desc = "Prefixes the node captures: each a local route on lo in its local table, so a socket on the wildcard address takes connections to any address in them.",
	.nullable = true,
	.item = &pshape_dest,
	.or = &pshape_dest, /* one, without brackets */
};

static const struct pshape exec_shape = {
	.kind = PS_SEQ,
	.desc = "Commands run in the node, in order, once the lab is up: a string is a shell command line (sh -c), a list is the program and its arguments.",
	.nullable = true,
	.item =
		&(const struct pshape){
			.kind = PS_STRING,
			.min_len = 1,
			.or
			=
				&(const struct pshape){
					.kind = PS_SEQ,
					.min_items = 1,
					.item =
						&(const struct pshape){
							.kind = PS_SCALAR } } },
};

/* Readiness gates: wait: [{tcp: PORT}, {cmd: [...]}, {file: PATH}] */

/* The kind of gate an item is; -1 (reported) if a second one is given. */
static int gate_kind(struct pctx *c, struct gate *g, const struct ynode *k,
		     enum gate_kind kind)
{
	if (g->s.kind && g->s.kind != kind)
		return pread_fail(
			c, k,
			"a wait item is one of tcp, cmd and file, not both %s and %s",
			gate_kind_name(g->s.kind), k->str);
	g->s.kind = (uint8_t)kind;
	return 0;
}

static int gate_tcp(struct pctx *c, void *obj, const struct ynode *k,
		    const struct ynode *v)
{
	struct gate *g = obj;

	if (gate_kind(c, g, k, GATE_TCP))
		return -1;
	return pread_u32(c, v, "'tcp' (a port)", 1, 65535, &g->s.port);
}

static int gate_address(struct pctx *c, void *obj, const struct ynode *k,
			const struct ynode *v)
{
	struct gate *g = obj;

	(void)k;
	g->addr_pos = v->pos;
	if (pread_prefix(c, v, "wait address", false, &g->s.addr))
		return -1;
	g->has_addr = true;
	return 0;
}

/* A command, as exec: takes one: a string (sh -c) or the argv. */
static int gate_cmd(struct pctx *c, void *obj, const struct ynode *k,
		    const struct ynode *v)
{
	struct gate *g = obj;
	struct arena *a = &c->t->arena;

	if (gate_kind(c, g, k, GATE_CMD))
		return -1;
	if (v->kind == Y_SCALAR && !ynode_is_null(v) && *v->str) {
		g->argc = 3;
		g->argv = arena_alloc(a, 4 * sizeof(char *));
		g->argv[0] = "/bin/sh";
		g->argv[1] = "-c";
		g->argv[2] = arena_strdup(a, v->str);
		return 0;
	}
	if (v->kind != Y_SEQ || !v->n)
		return pread_fail(
			c, v,
			"'cmd' needs a command: [PROGRAM, ARG...] or a shell command line");
	g->argc = v->n;
	g->argv = arena_alloc(a, (v->n + 1) * sizeof(char *));
	for (size_t i = 0; i < v->n; i++) {
		if (pread_want(c, v->items[i], Y_SCALAR, "a 'cmd' argument"))
			return -1;
		g->argv[i] = arena_strdup(a, v->items[i]->str);
	}
	if (!*g->argv[0])
		return pread_fail(c, v->items[0],
				  "a 'cmd' program may not be empty");
	return 0;
}

static int gate_file(struct pctx *c, void *obj, const struct ynode *k,
		     const struct ynode *v)
{
	struct gate *g = obj;

	if (gate_kind(c, g, k, GATE_FILE) ||
	    pread_str(c, v, "'file'", &g->s.path))
		return -1;
	if (g->s.path[0] != '/')
		return pread_fail(c, v,
				  "'file' needs an absolute path, not '%s'",
				  v->str);
	return 0;
}

static int gate_timeout(struct pctx *c, void *obj, const struct ynode *k,
			const struct ynode *v)
{
	(void)k;
	return pread_timeout(c, v, "'timeout'",
			     &((struct gate *)obj)->s.timeout_ms);
}

static const struct pread_key gate_keys[] = {
	{ .name = "tcp",
	  .fn = gate_tcp,
	  .shape = &(const struct pshape){ .kind = PS_INT,
					   .min = 1,
					   .max = 65535 },
	  .desc = "Open once a TCP connection to this port, on an address of the node, succeeds." },
	{ .name = "cmd",
	  .fn = gate_cmd,
	  .shape =
		  &(const struct pshape){
			  .kind = PS_STRING,
			  .min_len = 1,
			  .or
			  =
				  &(const struct pshape){
					  .kind = PS_SEQ,
					  .min_items = 1,
					  .item =
						  &(const struct pshape){
							  .kind = PS_SCALAR } } },
	  .desc = "Open once this command, run in the node, exits 0: a string is a shell command line (sh -c), a list the program and its arguments." },
	{ .name = "file",
	  .fn = gate_file,
	  .shape = &(const struct pshape){ .kind = PS_STRING, .pattern = "^/" },
	  .desc = "Open once this file (an absolute path) exists." },
	{ .name = "address",
	  .fn = gate_address,
	  .shape = &pshape_address,
	  .desc = "For tcp: the node's address to connect to (default: its first IPv4 address, else its first IPv6 one that is not link-local, else 127.0.0.1)." },
	{ .name = "timeout",
	  .fn = gate_timeout,
	  .shape = &pshape_timeout,
	  .desc = "How long the gate may take to open (default 10s)." },
};

static const struct pshape gate_shape = {
	.kind = PS_MAP,
	.desc = "A readiness gate: exactly one of tcp, cmd and file, optionally with a timeout.",
	.keys = gate_keys,
	.n_keys = ARRAY_SIZE(gate_keys),
};

static const struct pshape wait_shape = {
	.kind = PS_SEQ,
	.desc = "Readiness gates, checked after every node's exec: commands; apply (and run, before its command) fails and rolls back if one does not open in its time.",
	.nullable = true,
	.item = &gate_shape,
};

static int node_wait(struct pctx *c, void *obj, const struct ynode *k,
		     const struct ynode *v)
{
	struct node *n = obj;
	int rc = 0;

	(void)k;
	if (ynode_is_null(v))
		return 0;
	if (pread_want(c, v, Y_SEQ, "'wait'"))
		return -1;
	for (size_t i = 0; i < v->n; i++) {
		const struct ynode *item = v->items[i];
		struct gate g = { .s = { .timeout_ms = GATE_TIMEOUT_MS,
					 .item = (uint32_t)i + 1 },
				  .pos = item->pos };

		if (item->kind != Y_MAP) {
			pread_fail(
				c, item,
				"a wait item is a mapping: {tcp: PORT}, {cmd: [PROGRAM, ARG...]} or {file: PATH}");
			rc = -1;
			continue;
		}
		if (pread_walk(c, item, "a wait item", gate_keys,
			       ARRAY_SIZE(gate_keys), &g)) {
			rc = -1;
			continue;
		}
		if (!g.s.kind) {
			pread_fail(c, item,
				   "a wait item needs 'tcp', 'cmd' or 'file'");
			rc = -1;
			continue;
		}
		if (g.has_addr && g.s.kind != GATE_TCP) {
			pread_fail(c, &(struct ynode){ .pos = g.addr_pos },
				   "'address' goes with 'tcp' only");
			rc = -1;
			continue;
		}
		*(struct gate *)vec_push(&c->t->arena, n->gates, n->n_gates,
					 n->cap_gates) = g;
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

/* forwards: ports relayed into the node (parse_forward.c). */
static int node_forwards(struct pctx *c, void *obj, const struct ynode *k,
			 const struct ynode *v)
{
	(void)k;
	return parse_forwards(c, v, obj);
}

static const struct pread_key node_keys[] = {
	{ .name = "sysctl", .fn = node_sysctl, .shape = &sysctl_shape },
	{ .name = "interfaces",
	  .fn = parse_interfaces,
	  .shape = &(const struct pshape){ .kind = PS_DICT,
					   .nullable = true,
					   .name = &pshape_ifname,
					   .item = &iface_shape },
	  .desc = "Settings of the interfaces the topology creates in the node (by links and bridges), by name, and of lo." },
	{ .name = "routes", .fn = node_routes, .shape = &routes_shape },
	{ .name = "intercept", .fn = node_intercept, .shape = &intercept_shape },
	{ .name = "exec", .fn = node_exec, .shape = &exec_shape },
	{ .name = "wait", .fn = node_wait, .shape = &wait_shape },
	{ .name = "forwards",
	  .fn = node_forwards,
	  .shape = &node_forwards_shape,
	  .desc = "Ports forwarded to the node: a socket listening in the host (or another node) relayed to an address of this node, with no NAT." },
	{ .name = "host",
	  .fn = node_host,
	  .shape =
		  &(const struct pshape){
			  .kind = PS_STRING,
			  .pattern = "^[A-Za-z0-9][A-Za-z0-9_.-]*$",
			  .max_len = NODE_NAME_MAX },
	  .desc = "With hosts: the machine the node is on (default: the first host)." },
};

const struct pshape node_shape = {
	.kind = PS_MAP,
	.desc = "A node: a network namespace, pinned at /run/netns/NAME (host: the namespace nstopo runs in).",
	.nullable = true,
	.keys = node_keys,
	.n_keys = ARRAY_SIZE(node_keys),
};

/* `defaults:` holds what every created node gets unless it says otherwise. */
static const struct pread_key defaults_keys[] = {
	{ .name = "sysctl", .fn = node_sysctl, .shape = &sysctl_shape },
	{ .name = "routes", .fn = node_routes, .shape = &routes_shape },
	{ .name = "intercept", .fn = node_intercept, .shape = &intercept_shape },
	{ .name = "exec", .fn = node_exec, .shape = &exec_shape },
};

const struct pshape defaults_shape = {
	.kind = PS_MAP,
	.desc = "Settings every node but host gets: sysctls key by key (a node's own win), routes, intercept and exec whole unless the node has its own.",
	.nullable = true,
	.keys = defaults_keys,
	.n_keys = ARRAY_SIZE(defaults_keys),
};

int parse_node_body(struct pctx *c, struct node *n, const struct ynode *v,
		    bool defaults)
{
	c->node = n;
	if (defaults)
		return pread_walk(c, v, "defaults", defaults_shape.keys,
				  defaults_shape.n_keys, n);
	return pread_walk(c, v, "a node", node_shape.keys, node_shape.n_keys,
			  n);
}
