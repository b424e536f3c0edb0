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
#include "parse_forward.h"
#include "parse_hosts.h"
#include "parse_node.h"
#include "pread.h"
/* Top level */

static int top_version(struct pctx *c, void *obj, const struct ynode *k,
		       const struct ynode *v)
{
	(void)obj;
	(void)k;
	if (pread_want(c, v, Y_SCALAR, "'version'") ||
	    pread_leading_zero(c, v, "'version'"))
		return -1;
	if (pshape_find(c->key->shape, v->str) < 0)
		return pread_fail(
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

static int top_name(struct pctx *c, void *obj, const struct ynode *k,
		    const struct ynode *v)
{
	const char *why;
	char buf[64];
	bool chars;

	(void)obj;
	(void)k;
	if (pread_str(c, v, "'name'", &c->t->name))
		return -1;
	c->t->name_pos = v->pos;
	why = name_problem(v->str, LAB_NAME_MAX, "-", true, buf, sizeof(buf),
			   &chars);
	if (why)
		return pread_fail(c, v, "lab name '%s' %s%s", v->str, why,
				  chars ? ": use a-z, 0-9 and '-'" : "");
	return 0;
}

static int top_prefix(struct pctx *c, void *obj, const struct ynode *k,
		      const struct ynode *v)
{
	const char *p;

	(void)obj;
	(void)k;
	if (v->kind == Y_SCALAR && !v->plain && !v->len) {
		c->t->ns_prefix = "";
		return 0;
	}
	if (pread_str(c, v, "'namespace-prefix'", &p))
		return -1;
	c->t->prefix_pos = v->pos;
	if (strlen(p) > NS_PREFIX_MAX)
		return pread_fail(c, v,
				  "namespace-prefix is longer than %d bytes",
				  NS_PREFIX_MAX);
	for (const char *s = p; *s; s++)
		if (!isalnum((unsigned char)*s) && !strchr("_.-", *s))
			return pread_fail(
				c, v,
				"namespace-prefix '%s' may hold only letters, digits, '_', '.' and '-'",
				v->str);
	c->t->ns_prefix = p;
	return 0;
}

static int top_defaults(struct pctx *c, void *obj, const struct ynode *k,
			const struct ynode *v)
{
	(void)obj;
	(void)k;
	c->t->has_defaults = true;
	c->t->defaults.name = "defaults";
	c->t->defaults.pos = v->pos;
	if (ynode_is_null(v))
		return 0;
	if (pread_want(c, v, Y_MAP, "'defaults'"))
		return -1;
	return parse_node_body(c, &c->t->defaults, v, true);
}

static int top_nodes(struct pctx *c, void *obj, const struct ynode *k,
		     const struct ynode *v)
{
	struct topo *t = c->t;
	int rc = 0;

	(void)obj;
	(void)k;
	if (ynode_is_null(v))
		return 0;
	if (pread_want(c, v, Y_MAP, "'nodes'")) {
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
			pread_fail(c, name, "more than %d nodes",
				   TOPO_MAX_NODES);
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
				pread_fail(c, name, "node name '%s' %s%s",
					   name->str, why,
					   chars ? node_chars : "");
				rc = -1;
			}
		}
		n->declared = true;
		n->pos = name->pos;
		if (ynode_is_null(body))
			continue;
		if (pread_want(c, body, Y_MAP, "a node's settings") ||
		    parse_node_body(c, n, body, false))
			rc = -1;
	}
	return rc;
}

/* The names the rules above allow. */
static const struct pshape node_name_shape = {
	.kind = PS_STRING,
	.desc = "A node name: 1 to 32 ASCII letters, digits, '_', '.' and '-', starting with a letter or digit; host is the namespace nstopo runs in.",
	.pattern = "^[A-Za-z0-9][A-Za-z0-9_.-]*$",
	.max_len = NODE_NAME_MAX,
};

static int bridge_node(struct pctx *c, void *obj, const struct ynode *k,
		       const struct ynode *v)
{
	struct bridge *b = obj;

	(void)k;
	b->node_pos = v->pos;
	return pread_str(c, v, "'node'", &b->node_name);
}

static int bridge_ports(struct pctx *c, void *obj, const struct ynode *k,
			const struct ynode *v)
{
	struct bridge *b = obj;
	int rc = 0;

	(void)k;
	if (ynode_is_null(v))
		return 0;
	if (pread_want(c, v, Y_SEQ, "'ports'"))
		return -1;
	for (size_t i = 0; i < v->n; i++) {
		struct bridge_port *p;
		const char *name;

		if (pread_ifname(c, v->items[i], "port", &name)) {
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

static int bridge_adopt(struct pctx *c, void *obj, const struct ynode *k,
			const struct ynode *v)
{
	struct bridge *b = obj;

	(void)k;
	b->adopt_pos = v->pos;
	return pread_bool(c, v, "'adopt'", &b->adopt);
}

static int bridge_querier(struct pctx *c, void *obj, const struct ynode *k,
			  const struct ynode *v)
{
	struct bridge *b = obj;

	(void)k;
	b->querier_pos = v->pos;
	b->has_querier = true;
	return pread_bool(c, v, "'querier'", &b->querier);
}

static const struct pread_key bridge_keys[] = {
	{ .name = "ports",
	  .fn = bridge_ports,
	  .shape = &(const struct pshape){ .kind = PS_SEQ,
					   .nullable = true,
					   .item = &pshape_ifname },
	  .desc = "Interfaces the host already has that join the bridge (its NIC), by name." },
	{ .name = "adopt",
	  .fn = bridge_adopt,
	  .shape = &pshape_bool,
	  .desc = "Whether the bridge takes over the addresses and routes of its ports (and gives them back on destroy); default false." },
	{ .name = "querier",
	  .fn = bridge_querier,
	  .shape = &pshape_bool,
	  .desc = "Whether the bridge is the multicast querier of its ports (no flood of listener reports); default false." },
	{ .name = "node",
	  .fn = bridge_node,
	  .shape = &node_name_shape,
	  .desc = "The node the bridge is made in; default: the host." },
};

static const struct pshape bridge_shape = {
	.kind = PS_MAP,
	.desc = "A Linux bridge, brought up; links to it make its ports.",
	.nullable = true,
	.keys = bridge_keys,
	.n_keys = ARRAY_SIZE(bridge_keys),
};

static int top_bridges(struct pctx *c, void *obj, const struct ynode *k,
		       const struct ynode *v)
{
	struct topo *t = c->t;
	int rc = 0;

	(void)obj;
	(void)k;
	if (ynode_is_null(v))
		return 0;
	if (pread_want(c, v, Y_MAP, "'bridges'")) {
		c->t->lost_nodes = c->t->lost_links = true;
		return -1;
	}
	for (size_t i = 0; i < v->n; i++) {
		const struct ynode *name = v->items[2 * i];
		const struct ynode *body = v->items[2 * i + 1];
		struct bridge *b;
		const char *ifname;

		if (pread_ifname(c, name, "bridge name", &ifname))
			rc = -1; /* kept, so links to it resolve */
		b = vec_push(&t->arena, t->bridges, t->n_bridges,
			     t->cap_bridges);
		b->name = arena_strdup(&t->arena, name->str);
		b->pos = name->pos;
		b->iface = -1;
		strmap_put(&t->bridge_map, b->name, (int)(t->n_bridges - 1));
		if (ynode_is_null(body))
			continue;
		if (pread_want(c, body, Y_MAP, "a bridge's settings") ||
		    pread_walk(c, body, "a bridge", bridge_keys,
			       ARRAY_SIZE(bridge_keys), b))
			rc = -1;
	}
	return rc;
}

static int endpoints(struct pctx *c, struct link *l, const struct ynode *v)
{
	if (pread_want(c, v, Y_SEQ, "a link's endpoints"))
		return -1;
	if (v->n > 2)
		return pread_fail(
			c, v->items[2],
			"a link joins exactly two endpoints, not %zu (join more with a bridge)",
			v->n);
	if (v->n < 2)
		return pread_fail(c, v,
				  "a link joins exactly two endpoints, not %zu",
				  v->n);
	for (int i = 0; i < 2; i++) {
		if (pread_want(c, v->items[i], Y_SCALAR, "an endpoint"))
			return -1;
		l->ep[i].text = arena_strdup(&c->t->arena, v->items[i]->str);
		l->ep[i].pos = v->items[i]->pos;
	}
	return 0;
}

static int link_endpoints(struct pctx *c, void *obj, const struct ynode *k,
			  const struct ynode *v)
{
	(void)k;
	return endpoints(c, obj, v);
}

static int link_mtu(struct pctx *c, void *obj, const struct ynode *k,
		    const struct ynode *v)
{
	struct link *l = obj;

	(void)k;
	l->mtu_pos = v->pos;
	return pread_u32(c, v, "'mtu'", 68, 65535, &l->mtu);
}

static int one_endpoint(struct pctx *c, struct endpoint *ep,
			const struct ynode *v, const char *what)
{
	if (pread_want(c, v, Y_SCALAR, what))
		return -1;
	ep->text = arena_strdup(&c->t->arena, v->str);
	ep->pos = v->pos;
	return 0;
}

static int link_endpoint(struct pctx *c, void *obj, const struct ynode *k,
			 const struct ynode *v)
{
	(void)k;
	return one_endpoint(c, &((struct link *)obj)->ep[0], v, "'endpoint'");
}

static int link_parent(struct pctx *c, void *obj, const struct ynode *k,
		       const struct ynode *v)
{
	(void)k;
	return one_endpoint(c, &((struct link *)obj)->parent, v, "'parent'");
}

static int link_kind_key(struct pctx *c, void *obj, const struct ynode *k,
			 const struct ynode *v)
{
	struct link *l = obj;

	(void)k;
	l->kind_pos = v->pos;
	/* An unknown kind is dropped: nothing more is checked of it. */
	l->kind = LK_NONE;
	if (pread_key_enum(c, v, "link kind") < 0)
		return -1;
	l->kind = link_kind_find(v->str);
	return 0;
}

static int link_mode(struct pctx *c, void *obj, const struct ynode *k,
		     const struct ynode *v)
{
	struct link *l = obj;

	(void)k;
	l->mode_pos = v->pos;
	return pread_str(c, v, "'mode'", &l->mode_name);
}

/* Its range is the kind's: link_shape() reads it. */
static int link_id(struct pctx *c, void *obj, const struct ynode *k,
		   const struct ynode *v)
{
	struct link *l = obj;

	(void)c;
	(void)k;
	l->id_pos = v->pos;
	return 0;
}

/* Every kind's modes, for the key; each kind takes only its own
 * (link_variants()).  A bridge's is its `querier:`, not a link's. */
static size_t link_modes(const char **out)
{
	size_t n = 0;

	for (int k = LK_NONE + 1; k < LK__COUNT; k++)
		for (size_t i = 0; i < link_kind(k)->n_modes; i++) {
			const char *m = link_kind(k)->modes[i].name;
			size_t j = 0;

			if (!link_kind(k)->ends)
				break;

			while (j < n && strcmp(out[j], m))
				j++;
			if (j == n && n < PSHAPE_NAMES_MAX)
				out[n++] = m;
		}
	return n;
}

static const struct pshape endpoint_shape = {
	.kind = PS_STRING,
	.desc = "NODE:IFNAME, BRIDGE or BRIDGE:PORTNAME.",
	.pattern = "^[^:]+(:[^/:%\\s\\x00-\\x1f\\x7f]{1,15})?$",
	.not_pattern = ":(\\.|\\.\\.|all|default)$",
};

static const struct pshape mtu_shape = {
	.kind = PS_INT,
	.min = 68,
	.max = 65535,
};

/* An end of a tunnel: one address, kept at its full length. */
static int tunnel_addr(struct pctx *c, const struct ynode *v, const char *what,
		       struct prefix *p, struct pos *pos)
{
	*pos = v->pos;
	if (pread_prefix(c, v, what, false, p))
		return -1;
	p->plen = p->family == AF_INET ? 32 : 128;
	return 0;
}

static int link_remote(struct pctx *c, void *obj, const struct ynode *k,
		       const struct ynode *v)
{
	struct link *l = obj;

	(void)k;
	return tunnel_addr(c, v, "'remote'", &l->tun.remote, &l->remote_pos);
}

static int link_local(struct pctx *c, void *obj, const struct ynode *k,
		      const struct ynode *v)
{
	struct link *l = obj;

	(void)k;
	return tunnel_addr(c, v, "'local'", &l->tun.local, &l->local_pos);
}

static int link_dev(struct pctx *c, void *obj, const struct ynode *k,
		    const struct ynode *v)
{
	struct link *l = obj;

	(void)k;
	l->dev_pos = v->pos;
	return pread_ifname(c, v, "'dev'", &l->tun.dev);
}

static int link_dstport(struct pctx *c, void *obj, const struct ynode *k,
			const struct ynode *v)
{
	struct link *l = obj;

	(void)k;
	l->port_pos = v->pos;
	return pread_u32(c, v, "'dstport'", 1, 65535, &l->tun.port);
}

/* The keys of kinds over the underlay (linkkind.h: underlay). */
static const char *const tunnel_keys[] = { "remote", "local", "dev",
					   "dstport" };

static size_t link_variants(struct pvariant *out, size_t max);

static const struct pread_key link_keys[] = {
	{ .name = "kind",
	  .fn = link_kind_key,
	  .shape = &(const struct pshape){ .kind = PS_ENUM,
					   .names = link_kind_names },
	  .desc = "The kind of interface the link makes; default veth (a pair)." },
	{ .name = "endpoints",
	  .fn = link_endpoints,
	  .shape = &(const struct pshape){ .kind = PS_SEQ,
					   .item = &endpoint_shape,
					   .min_items = 2,
					   .max_items = 2 },
	  .desc = "The two ends of a veth pair." },
	{ .name = "endpoint",
	  .fn = link_endpoint,
	  .shape = &endpoint_shape,
	  .desc = "The interface a link of one end makes, NODE:IFNAME." },
	{ .name = "parent",
	  .fn = link_parent,
	  .shape = &endpoint_shape,
	  .desc = "The interface a macvlan, ipvlan or vlan sits on, NODE:IFNAME (host:IFNAME: the host's own NIC)." },
	{ .name = "mode",
	  .fn = link_mode,
	  .shape = &(const struct pshape){ .kind = PS_ENUM,
					   .names = link_modes },
	  .desc = "The mode of a macvlan (default bridge) or ipvlan (default l2)." },
	{ .name = "id",
	  .fn = link_id,
	  .shape = &(const struct pshape){ .kind = PS_INT,
					   .min = 1,
					   .max = 16777215 },
	  .desc = "The VLAN id of a vlan (1 to 4094), the VNI of a vxlan (1 to 16777215)." },
	{ .name = "mtu",
	  .fn = link_mtu,
	  .shape = &mtu_shape,
	  .desc = "The MTU of the link's interfaces (an interface's own mtu wins)." },
	{ .name = "remote",
	  .fn = link_remote,
	  .shape = &pshape_address,
	  .desc = "A vxlan's far end: the underlay address of the other machine (or a multicast group, with dev)." },
	{ .name = "local",
	  .fn = link_local,
	  .shape = &pshape_address,
	  .desc = "A vxlan's source address on the underlay: an address of this machine, of the family of remote." },
	{ .name = "dev",
	  .fn = link_dev,
	  .shape = &pshape_ifname,
	  .desc = "A vxlan's underlay device, in the host namespace." },
	{ .name = "dstport",
	  .fn = link_dstport,
	  .shape = &(const struct pshape){ .kind = PS_INT,
					   .min = 1,
					   .max = 65535 },
	  .desc = "A vxlan's UDP destination port; default 4789." },
};

static const struct pshape link_shape_desc = {
	.kind = PS_MAP,
	.desc = "A link with its settings: a veth pair (endpoints), or a dummy, macvlan, ipvlan, vlan or vxlan interface (kind, endpoint).",
	.keys = link_keys,
	.n_keys = ARRAY_SIZE(link_keys),
	.switch_key = "kind",
	.variants = link_variants,
	/* [A, B]: a veth pair */
	.or
	=
		&(const struct pshape){
			.kind = PS_SEQ,
			.desc = "A veth pair: [NODE:IFNAME, NODE:IFNAME], an end may be BRIDGE or BRIDGE:PORTNAME.",
			.item = &endpoint_shape,
			.min_items = 2,
			.max_items = 2 },
};

/*
 * What each kind's row in linkkind.c needs and allows, as rules of a
 * link's mapping; link_shape() checks the same rows.
 */
static size_t link_variants(struct pvariant *out, size_t max)
{
	size_t n = 0;

	for (int i = LK_NONE + 1; i < LK__COUNT && n + 1 < max; i++) {
		const struct link_kind_desc *k = link_kind(i);
		struct pvariant *v = &out[n];
		size_t r = 0, f = 0;

		if (!k->ends)
			continue;
		*v = (struct pvariant){ .value = k->name };
		if (k->ends == 2) {
			/* Without `kind:`, a link is a pair. */
			out[n + 1] = (struct pvariant){
				.required = { "endpoints" },
				.forbidden = { "endpoint", "parent", "mode",
					       "id", "remote", "local", "dev",
					       "dstport" },
			};
			v->required[0] = "endpoints";
			memcpy(v->forbidden, out[n + 1].forbidden,
			       sizeof(v->forbidden));
			n += 2;
			continue;
		}
		v->required[r++] = "endpoint";
		v->forbidden[f++] = "endpoints";
		if (k->parent)
			v->required[r++] = "parent";
		else
			v->forbidden[f++] = "parent";
		if (k->id_key) {
			v->required[r++] = k->id_key;
			v->range_key = k->id_key;
			v->min = k->id_min;
			v->max = k->id_max;
		} else {
			v->forbidden[f++] = "id";
		}
		if (k->modes) {
			v->enum_key = "mode";
			for (size_t m = 0; m < k->n_modes; m++)
				v->enums[m] = k->modes[m].name;
		} else {
			v->forbidden[f++] = "mode";
		}
		for (size_t t = 0; t < ARRAY_SIZE(tunnel_keys); t++)
			if (!k->underlay)
				v->forbidden[f++] = tunnel_keys[t];
		if (k->underlay)
			v->required[r++] = "remote";
		n++;
	}
	return n;
}

/* "a" or "an", before a kind's name. */
static const char *a_(const char *word)
{
	return strchr("aeiou", word[0]) ? "an" : "a";
}

/* A tunnel needs its far end; its two ends are of one family. */
static int tunnel_shape(struct pctx *c, struct link *l,
			const struct ynode *item)
{
	const struct link_kind_desc *k = link_kind(l->kind);
	const struct tunnel_spec *t = &l->tun;
	static const uint8_t mcast4 = 0xe0;

	if (!l->tun.port)
		l->tun.port = k->default_port;
	if (!t->remote.family) {
		if (!pread_has(item, "remote"))
			pread_fail(
				c, item,
				"%s %s link needs 'remote' (the underlay address of its far end)",
				a_(k->name), k->name);
		return -1;
	}
	if (t->local.family && t->local.family != t->remote.family)
		return pread_fail(
			c, &(struct ynode){ .pos = l->local_pos },
			"'local' and 'remote' of %s %s link must be of one family (IPv4 or IPv6)",
			a_(k->name), k->name);
	/* A group: the kernel joins it on the underlay it is told of. */
	if (!t->dev &&
	    ((t->remote.family == AF_INET &&
	      (t->remote.bytes[0] & 0xf0) == mcast4) ||
	     (t->remote.family == AF_INET6 && t->remote.bytes[0] == 0xff)))
		return pread_fail(
			c, &(struct ynode){ .pos = l->remote_pos },
			"a multicast 'remote' needs 'dev' (the underlay device to join its group on)");
	return 0;
}

/* What a link's kind needs and allows (its row in linkkind.c), once the
 * link's keys are read. */
static int link_shape(struct pctx *c, struct link *l, const struct ynode *item)
{
	const struct link_kind_desc *k = link_kind(l->kind);
	const struct ynode *id = pread_get(item, "id");
	struct pos mode_pos = l->mode_pos;
	char modes[96];
	int rc = 0;

	if (l->kind == LK_NONE)
		return -1; /* an unknown kind, reported */
	for (size_t i = 0; i < ARRAY_SIZE(tunnel_keys) && !k->underlay; i++)
		if (pread_has(item, tunnel_keys[i]))
			return pread_fail(c, pread_get(item, tunnel_keys[i]),
					  "%s %s link has no '%s'", a_(k->name),
					  k->name, tunnel_keys[i]);
	if (k->underlay && tunnel_shape(c, l, item))
		rc = -1;
	if (k->ends == 2) {
		if (pread_has(item, "endpoint") || pread_has(item, "parent") ||
		    pread_has(item, "mode") || id)
			return pread_fail(
				c, item,
				"%s %s link takes 'endpoints' (two), not 'endpoint', 'parent', 'mode' or 'id'",
				a_(k->name), k->name);
		if (!l->ep[0].text || !l->ep[1].text) {
			if (!pread_has(item, "endpoints"))
				pread_fail(c, item, "a link needs 'endpoints'");
			return -1;
		}
		return 0;
	}
	if (pread_has(item, "endpoints"))
		return pread_fail(
			c, item,
			"%s %s link has one 'endpoint', not 'endpoints'",
			a_(k->name), k->name);
	if (!l->ep[0].text)
		return pread_fail(c, item,
				  "%s %s link needs 'endpoint' (NODE:IFNAME)",
				  a_(k->name), k->name);
	if (k->parent && !l->parent.text)
		rc = pread_fail(c, item,
				"%s %s link needs 'parent' (NODE:IFNAME)",
				a_(k->name), k->name);
	if (!k->parent && l->parent.text)
		rc = pread_fail(c, item, "%s %s link has no 'parent'",
				a_(k->name), k->name);
	if (k->id_key && !id)
		rc = pread_fail(c, item, "%s %s link needs '%s' (%u to %u)",
				a_(k->name), k->name, k->id_key, k->id_min,
				k->id_max);
	else if (!k->id_key && id)
		rc = pread_fail(c, id, "%s %s link has no 'id'", a_(k->name),
				k->name);
	else if (id && pread_u32(c, id, "'id'", k->id_min, k->id_max, &l->id))
		rc = -1;
	if (!l->mode_name) {
		if (k->modes)
			l->mode = k->modes[k->default_mode].value;
	} else if (!k->modes) {
		rc = pread_fail(c, &(struct ynode){ .pos = mode_pos },
				"%s %s link has no 'mode'", a_(k->name),
				k->name);
	} else if (link_mode_find(l->kind, l->mode_name, &l->mode)) {
		rc = pread_fail(c, &(struct ynode){ .pos = mode_pos },
				"unknown %s mode '%s' (known: %s)", k->name,
				l->mode_name,
				link_modes_text(l->kind, modes, sizeof(modes)));
	}
	return rc;
}

/* Note the node of "NODE:IFNAME" if @v is such a scalar: 1, else 0. */
static int lost_endpoint(struct topo *t, const struct ynode *v)
{
	const char *colon;

	if (!v || v->kind != Y_SCALAR || !(colon = strchr(v->str, ':')))
		return 0;
	strmap_put(&t->lost_link_nodes,
		   arena_strndup(&t->arena, v->str, (size_t)(colon - v->str)),
		   0);
	return 1;
}

/*
 * A link is dropped: the nodes its endpoints name may lack an interface
 * because of it.  If none can be read, any node may.
 */
static void lost_link(struct topo *t, const struct ynode *item)
{
	const struct ynode *eps = item;
	int found = 0;

	if (item->kind == Y_MAP) {
		eps = pread_get(item, "endpoints");
		found += lost_endpoint(t, pread_get(item, "endpoint"));
		found += lost_endpoint(t, pread_get(item, "parent"));
	}
	for (size_t i = 0; eps && eps->kind == Y_SEQ && i < eps->n; i++)
		found += lost_endpoint(t, eps->items[i]);
	if (!found)
		t->lost_links = true;
}

static int top_links(struct pctx *c, void *obj, const struct ynode *k,
		     const struct ynode *v)
{
	struct topo *t = c->t;
	int rc = 0;

	(void)obj;
	(void)k;
	if (ynode_is_null(v))
		return 0;
	if (pread_want(c, v, Y_SEQ, "'links'")) {
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
				lost_link(c->t, item);
				rc = -1;
				continue;
			}
		} else if (item->kind == Y_MAP) {
			/* A link with a bad key is kept if its endpoints are
			 * good: the interfaces it makes are still referred to. */
			if (pread_walk(c, item, "a link", link_keys,
				       ARRAY_SIZE(link_keys), &l))
				rc = -1;
			if (link_shape(c, &l, item)) {
				lost_link(c->t, item);
				rc = -1;
				continue;
			}
		} else {
			pread_fail(
				c, item,
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

static int top_forwards(struct pctx *c, void *obj, const struct ynode *k,
			const struct ynode *v)
{
	(void)obj;
	(void)k;
	return parse_forwards(c, v, NULL);
}

static size_t version_words(const char **out)
{
	out[0] = "1";
	return 1;
}

static const struct pread_key top_keys[] = {
	{ .name = "version",
	  .fn = top_version,
	  .shape = &(const struct pshape){ .kind = PS_ENUM,
					   .names = version_words },
	  .desc = "The version of the format: 1 (optional)." },
	{ .name = "name",
	  .fn = top_name,
	  .shape = &(const struct pshape){ .kind = PS_STRING,
					   .pattern = "^[a-z0-9][a-z0-9-]*$",
					   .max_len = LAB_NAME_MAX },
	  .desc = "The lab's name: 1 to 24 of a-z, 0-9 and '-', starting with a letter or digit; default: from the file name." },
	{ .name = "namespace-prefix",
	  .fn = top_prefix,
	  .shape = &(const struct pshape){ .kind = PS_STRING,
					   .pattern = "^[A-Za-z0-9_.-]*$",
					   .max_len = NS_PREFIX_MAX },
	  .desc = "A prefix of every node's namespace name (\"lab1-\": node h1 is the namespace lab1-h1); default empty." },
	{ .name = "defaults", .fn = top_defaults, .shape = &defaults_shape },
	{ .name = "nodes",
	  .fn = top_nodes,
	  .shape = &(const struct pshape){ .kind = PS_DICT,
					   .nullable = true,
					   .name = &node_name_shape,
					   .item = &node_shape },
	  .desc = "The nodes, by name: each a network namespace." },
	{ .name = "bridges",
	  .fn = top_bridges,
	  .shape = &(const struct pshape){ .kind = PS_DICT,
					   .nullable = true,
					   .name = &pshape_ifname,
					   .item = &bridge_shape },
	  .desc = "Linux bridges, by name: in the host, or in the node their node names." },
	{ .name = "links",
	  .fn = top_links,
	  .shape = &(const struct pshape){ .kind = PS_SEQ,
					   .nullable = true,
					   .item = &link_shape_desc },
	  .desc = "The links: veth pairs ([A, B] or {endpoints: [A, B]}), and dummy, macvlan, ipvlan, vlan and vxlan interfaces." },
	{ .name = "hosts", .fn = parse_hosts, .shape = &hosts_shape },
	{ .name = "forwards",
	  .fn = top_forwards,
	  .shape = &forwards_shape,
	  .desc = "Forwarded ports: a socket listening in the host (or a node) relayed to an address in a node, with no NAT, by one relay process of the lab." },
};

const struct pshape topo_shape = {
	.kind = PS_MAP,
	.desc = "A topology of nstopo(8): network namespaces, links, bridges, addresses, routes; see nstopo.yaml(5).",
	.keys = top_keys,
	.n_keys = ARRAY_SIZE(top_keys),
	.extensions = true,
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
		const char *near = pread_suggest(key, lists, ARRAY_SIZE(lists));

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
	struct pctx c = { .t = t, .d = d };
	int rc;

	if (!doc->root)
		return pread_fail(
			&c, &(struct ynode){ .pos = { 1, 1 } },
			"the file is empty: a topology needs at least 'nodes'");
	if (doc->root->kind != Y_MAP)
		return pread_fail(
			&c, doc->root,
			"a topology must be a mapping (nodes:, bridges:, links:), not %s",
			ynode_kind_name(doc->root));
	c.extensions = true;
	rc = pread_walk(&c, doc->root, "the topology", topo_shape.keys,
			topo_shape.n_keys, NULL);
	lost_sections(t, doc->root);
	if (!t->name)
		t->name = lab_name_from_path(&t->arena, t->file);
	if (!t->ns_prefix)
		t->ns_prefix = "";
	return rc;
}
