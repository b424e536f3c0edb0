// SPDX-License-Identifier: MIT
/*
 * instance.c - one lab file, several copies on one machine (--prefix P).
 *
 * Namespaces and the lab's state are told apart by their names alone
 * (LAB@P, P-NODE).  The host is shared: every interface a copy makes
 * there needs a name of its own, and the file names those interfaces in
 * many places (links, ports, the host's settings, routes and sysctls).
 * So the names are rewritten in the model, once, between parse and
 * validate: every later stage, validate's checks included, sees the
 * names the kernel will.
 */
#include <string.h>

#include "instance.h"

/* A name the file makes in the host, and where it first appears. */
struct host_name {
	const char *name, *real;
	struct pos pos;
};

struct ictx {
	struct topo *t;
	const char *inst;
	struct strmap map; /* name -> index in names */
	struct host_name *names;
	size_t n, cap;
};

static bool host_bridge(const struct bridge *b)
{
	return !b->node_name || !strcmp(b->node_name, "host");
}

static void note(struct ictx *c, const char *name, struct pos pos)
{
	char real[IFNAME_MAX + 1];
	const char *why;
	struct host_name *h;

	if (!ifname_valid(name, &why) || strmap_get(&c->map, name) >= 0)
		return; /* an invalid name is reported by validate */
	h = vec_push(&c->t->arena, c->names, c->n, c->cap);
	h->name = name;
	h->real = arena_strdup(&c->t->arena,
			       instance_ifname(c->inst, name, real));
	h->pos = pos;
	strmap_put(&c->map, name, (int)(c->n - 1));
}

/* The name noted @i-th, or NULL. */
static struct host_name *nth(const struct ictx *c, int i)
{
	return i >= 0 && c->names && (size_t)i < c->n ? &c->names[i] : NULL;
}

/* The name @name gets, if it is one the file makes in the host. */
static const char *real_of(const struct ictx *c, const char *name)
{
	const struct host_name *h =
		name ? nth(c, strmap_get(&c->map, name)) : NULL;

	return h ? h->real : name;
}

/* Split "LEFT:RIGHT" (RIGHT NULL without a colon), LEFT in the arena. */
static const char *split(struct topo *t, const char *text, const char **right)
{
	const char *colon = strchr(text, ':');

	*right = colon ? colon + 1 : NULL;
	return colon ? arena_strndup(&t->arena, text, (size_t)(colon - text)) :
		       text;
}

/* Is LEFT of an endpoint the host, or a bridge in the host? */
static bool host_side(const struct topo *t, const char *left)
{
	int b = strmap_get(&t->bridge_map, left);

	return !strcmp(left, "host") || (b >= 0 && host_bridge(&t->bridges[b]));
}

/* The names the file makes in the host. */
static void collect(struct ictx *c)
{
	struct topo *t = c->t;

	for (size_t i = 0; i < t->n_bridges; i++)
		if (host_bridge(&t->bridges[i]))
			note(c, t->bridges[i].name, t->bridges[i].pos);
	for (size_t i = 0; i < t->n_links; i++) {
		struct link *l = &t->links[i];

		for (unsigned e = 0; e < 2; e++) {
			const char *right, *left;

			if (!l->ep[e].text)
				continue;
			left = split(t, l->ep[e].text, &right);
			if (right && *right && host_side(t, left))
				note(c, right, l->ep[e].pos);
		}
	}
}

static void rename_endpoint(struct ictx *c, struct endpoint *ep)
{
	struct topo *t = c->t;
	const char *right, *left;

	if (!ep->text)
		return;
	left = split(t, ep->text, &right);
	if (!host_side(t, left))
		return;
	if (strcmp(left, "host"))
		left = real_of(c, left);
	ep->text = right ? arena_printf(&t->arena, "%s:%s", left,
					real_of(c, right)) :
			   left;
}

/* net.ipvX.conf.IF.LEAF with IF renamed ('.' in a name is '/' in a key). */
static const char *rename_key(struct ictx *c, const char *key)
{
	char ifname[IFNAME_MAX + 1];
	const char *real, *leaf, *at;
	struct strbuf sb = { 0 };

	if (!sysctl_key_ifname(key, ifname))
		return key;
	real = real_of(c, ifname);
	if (real == ifname)
		return key;
	at = key;
	for (int dots = 0; dots < 3; at++)
		dots += *at == '.';
	leaf = strchr(at, '.');
	sb_addn(&sb, key, (size_t)(at - key));
	for (const char *s = real; *s; s++)
		sb_addc(&sb, *s == '.' ? '/' : *s);
	sb_add(&sb, leaf);
	key = arena_strdup(&c->t->arena, sb.buf);
	sb_free(&sb);
	return key;
}

static void rename_all(struct ictx *c)
{
	struct topo *t = c->t;
	struct node *host = &t->nodes[HOST_NODE];

	for (size_t i = 0; i < t->n_links; i++) {
		struct link *l = &t->links[i];

		rename_endpoint(c, &l->ep[0]);
		rename_endpoint(c, &l->ep[1]);
		rename_endpoint(c, &l->parent);
	}
	strmap_free(&t->bridge_map);
	for (size_t i = 0; i < t->n_bridges; i++) {
		struct bridge *b = &t->bridges[i];

		if (host_bridge(b)) {
			b->name = real_of(c, b->name);
			for (size_t k = 0; k < b->n_given; k++)
				b->ports[k].name = real_of(c, b->ports[k].name);
		}
		strmap_put(&t->bridge_map, b->name, (int)i);
	}
	for (size_t i = 0; i < host->n_ifcfg; i++)
		host->ifcfg[i].name = real_of(c, host->ifcfg[i].name);
	for (size_t i = 0; i < host->n_routes; i++)
		host->routes[i].dev = real_of(c, host->routes[i].dev);
	for (size_t i = 0; i < host->n_sysctls; i++)
		host->sysctls[i].key = rename_key(c, host->sysctls[i].key);
}

/*
 * Two names the file makes that would become one (a hash shared by two
 * long names), or one that would become the name of an interface the
 * host has (a NIC the file makes a port or a parent).
 */
static int check_clashes(struct ictx *c, struct diags *d)
{
	struct topo *t = c->t;
	struct strmap reals = { 0 };
	size_t before = d->n;

	for (size_t i = 0; c->names && i < c->n; i++) {
		struct host_name *h = &c->names[i], *prev;
		int first = strmap_put(&reals, h->real, (int)i);

		if (!(prev = nth(c, first)))
			continue;
		diag_add(
			d, h->pos,
			"with prefix '%s', host interfaces '%s' (at %u:%u) and '%s' would both be '%s': rename one of them",
			c->inst, prev->name, prev->pos.line, prev->pos.col,
			h->name, h->real);
		/* Not renamed: validate would only say it again. */
		strmap_put(&reals, h->real, first);
		h->real = h->name;
	}
	for (size_t i = 0; i < t->n_bridges; i++) {
		const struct bridge *b = &t->bridges[i];

		for (size_t k = 0; host_bridge(b) && k < b->n_given; k++) {
			const struct bridge_port *p = &b->ports[k];
			const struct host_name *h =
				nth(c, strmap_get(&reals, p->name));

			if (h && strmap_get(&c->map, p->name) < 0)
				diag_add(
					d, p->pos,
					"with prefix '%s', host interface '%s' (at %u:%u) would be '%s', the name of this port the host has",
					c->inst, h->name, h->pos.line,
					h->pos.col, p->name);
		}
	}
	for (size_t i = 0; i < t->n_links; i++) {
		const struct endpoint *p = &t->links[i].parent;
		const struct host_name *h;
		const char *right, *left;

		if (!p->text)
			continue;
		left = split(t, p->text, &right);
		h = right ? nth(c, strmap_get(&reals, right)) : NULL;
		if (h && !strcmp(left, "host") &&
		    strmap_get(&c->map, right) < 0)
			diag_add(
				d, p->pos,
				"with prefix '%s', host interface '%s' (at %u:%u) would be '%s', the name of this parent the host has",
				c->inst, h->name, h->pos.line, h->pos.col,
				right);
	}
	strmap_free(&reals);
	return d->n > before ? -1 : 0;
}

int topo_instance(struct topo *t, const char *inst, struct diags *d)
{
	struct ictx c = { .t = t, .inst = inst };
	int rc;

	t->instance = arena_strdup(&t->arena, inst);
	t->name = arena_printf(&t->arena, "%s@%s", t->name, inst);
	t->ns_prefix = arena_printf(&t->arena, "%s-%s", inst, t->ns_prefix);
	collect(&c);
	rc = check_clashes(&c, d);
	rename_all(&c);
	strmap_free(&c.map);
	return rc;
}
