// SPDX-License-Identifier: MIT
/*
 * parse_forward.c - `forwards:`, at the top level or a node's: each item
 * {listen, to, proto} read into the model, its strings judged by the
 * relay's own parser (relay_parse_forward()), so the file and the relay
 * agree on what an endpoint is.  What needs the whole file (the nodes
 * exist, the addresses are theirs, no socket twice) is validate's.
 */
#include <string.h>

#include "parse_forward.h"

/* An item's keys, as written. */
struct fw_item {
	const struct ynode *listen, *to, *proto;
};

static int fw_listen(struct pctx *c, void *obj, const struct ynode *k,
		     const struct ynode *v)
{
	(void)k;
	((struct fw_item *)obj)->listen = v;
	return pread_want(c, v, Y_SCALAR, "a forward's 'listen'");
}

static int fw_to(struct pctx *c, void *obj, const struct ynode *k,
		 const struct ynode *v)
{
	(void)k;
	((struct fw_item *)obj)->to = v;
	return pread_want(c, v, Y_SCALAR, "a forward's 'to'");
}

static size_t proto_names(const char **out)
{
	out[0] = "tcp";
	out[1] = "udp";
	return 2;
}

static int fw_proto(struct pctx *c, void *obj, const struct ynode *k,
		    const struct ynode *v)
{
	(void)k;
	((struct fw_item *)obj)->proto = v;
	return pread_key_enum(c, v, "forward proto") < 0 ? -1 : 0;
}

static const struct pshape proto_shape = {
	.kind = PS_ENUM,
	.names = proto_names,
};

static const char listen_desc[] =
	"Where the relay listens: ADDR:PORT in the host, or NODE:ADDR:PORT in a node; an IPv6 address in brackets ([::1]:8080); 0.0.0.0 or [::] for every address of its family.";
static const char proto_desc[] =
	"tcp (the default) or udp: a UDP forward relays each client's datagrams as a flow of its own.";

/* At the top level, `to` names its node. */
static const struct pread_key forward_keys[] = {
	{ .name = "listen",
	  .fn = fw_listen,
	  .shape = &pshape_socket,
	  .desc = listen_desc,
	  .required = true },
	{ .name = "to",
	  .fn = fw_to,
	  .shape = &pshape_node_socket,
	  .desc = "Where each connection goes: NODE:ADDR:PORT, connected from a socket made in that node's namespace.",
	  .required = true },
	{ .name = "proto",
	  .fn = fw_proto,
	  .shape = &proto_shape,
	  .desc = proto_desc },
};

/* A node's forwards go to it: `to` may leave the node out. */
static const struct pread_key node_forward_keys[] = {
	{ .name = "listen",
	  .fn = fw_listen,
	  .shape = &pshape_socket,
	  .desc = listen_desc,
	  .required = true },
	{ .name = "to",
	  .fn = fw_to,
	  .shape = &pshape_socket,
	  .desc = "Where each connection goes: ADDR:PORT in this node (NODE:ADDR:PORT may name it), connected from a socket made in its namespace.",
	  .required = true },
	{ .name = "proto",
	  .fn = fw_proto,
	  .shape = &proto_shape,
	  .desc = proto_desc },
};

const struct pshape forwards_shape = {
	.kind = PS_SEQ,
	.nullable = true,
	.item = &(const struct pshape){ .kind = PS_MAP,
					.desc = "A forwarded port.",
					.keys = forward_keys,
					.n_keys = ARRAY_SIZE(forward_keys) },
};

const struct pshape node_forwards_shape = {
	.kind = PS_SEQ,
	.nullable = true,
	.item = &(const struct pshape){ .kind = PS_MAP,
					.desc = "A port forwarded to the node.",
					.keys = node_forward_keys,
					.n_keys =
						ARRAY_SIZE(node_forward_keys) },
};

/*
 * What relay_parse_forward() said ("listen: WHY", "to: WHY"), at the
 * value it is about, naming it unless the reason quotes it already.
 */
static int fw_fail(struct pctx *c, const struct fw_item *it, const char *err)
{
	const struct ynode *v = it->to;
	const char *what = "to", *why = err;

	if (!strncmp(err, "listen: ", 8)) {
		v = it->listen;
		what = "listen";
		why = err + 8;
	} else if (!strncmp(err, "to: ", 4)) {
		why = err + 4;
	}
	if (strstr(why, v->str))
		return pread_fail(c, v, "forward %s: %s", what, why);
	return pread_fail(c, v, "forward %s '%s': %s", what, v->str, why);
}

/*
 * A node's forward goes to that node: its `to` may leave the node out
 * ("[fd00::80]:80"), or name that node, and no other.
 */
static int node_target(struct pctx *c, const struct node *n,
		       const struct fw_item *it, const char **to)
{
	struct relay_endpoint ep;
	char err[160];

	if (relay_parse_endpoint(it->to->str, &ep, err, sizeof(err)))
		return 0; /* relay_parse_forward() says why */
	if (!ep.node[0]) {
		*to = arena_printf(&c->t->arena, "%s:%s", n->name, it->to->str);
		return 0;
	}
	if (!strcmp(ep.node, n->name))
		return 0;
	return pread_fail(
		c, it->to,
		"forward to '%s': a forward of node '%s' goes to '%s' (a forward to another node goes in the top level's 'forwards')",
		it->to->str, n->name, n->name);
}

static int one_forward(struct pctx *c, const struct ynode *item,
		       const struct node *n)
{
	struct fw_item it = { 0 };
	struct forward f = { .pos = item->pos,
			     .listen_node = -1,
			     .to_node = -1 };
	const char *to;
	char err[200];

	if (pread_want(c, item, Y_MAP, "a forward") ||
	    pread_walk(c, item, "a forward",
		       n ? node_forward_keys : forward_keys,
		       ARRAY_SIZE(forward_keys), &it))
		return -1;
	if (!it.listen)
		return pread_fail(
			c, item, "a forward needs 'listen' ([NODE:]ADDR:PORT)");
	if (!it.to)
		return pread_fail(c, item,
				  n ? "a forward needs 'to' (ADDR:PORT)" :
				      "a forward needs 'to' (NODE:ADDR:PORT)");
	to = it.to->str;
	if (n && node_target(c, n, &it, &to))
		return -1;
	if (relay_parse_forward(it.listen->str, to,
				it.proto ? it.proto->str : NULL, &f.listen,
				&f.to, &f.proto, err, sizeof(err)))
		return fw_fail(c, &it, err);
	f.listen_text = arena_strdup(&c->t->arena, it.listen->str);
	f.to_text = arena_strdup(&c->t->arena, to);
	f.listen_pos = it.listen->pos;
	f.to_pos = it.to->pos;
	*(struct forward *)vec_push(&c->t->arena, c->t->forwards,
				    c->t->n_forwards, c->t->cap_forwards) = f;
	return 0;
}

int parse_forwards(struct pctx *c, const struct ynode *v, const struct node *n)
{
	int rc = 0;

	if (ynode_is_null(v))
		return 0;
	if (pread_want(c, v, Y_SEQ, "'forwards'"))
		return -1;
	for (size_t i = 0; i < v->n; i++) {
		if (c->t->n_forwards >= TOPO_MAX_FORWARDS)
			return pread_fail(c, v->items[i],
					  "more than %d forwards in a lab",
					  TOPO_MAX_FORWARDS);
		if (one_forward(c, v->items[i], n))
			rc = -1;
	}
	return rc;
}
