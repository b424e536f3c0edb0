// SPDX-License-Identifier: MIT
/*
 * parse_hosts.c - `hosts:`, the machines of a lab spread over several:
 * each one's underlay address, how to reach it (ssh), its underlay
 * device and MTU.  Which node is where (`host:`) and whether it can work
 * is validate_hosts.c's.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <string.h>

#include "parse_hosts.h"

static int host_address(struct pctx *c, void *obj, const struct ynode *k,
			const struct ynode *v)
{
	struct host *h = obj;

	(void)k;
	h->address_pos = v->pos;
	if (pread_prefix(c, v, "'address'", false, &h->address))
		return -1;
	h->address.plen = h->address.family == AF_INET ? 32 : 128;
	return 0;
}

/* An ssh destination: [USER@]HOST, no blanks, not an option. */
static int host_ssh(struct pctx *c, void *obj, const struct ynode *k,
		    const struct ynode *v)
{
	struct host *h = obj;

	(void)k;
	h->ssh_pos = v->pos;
	if (pread_str(c, v, "'ssh'", &h->ssh))
		return -1;
	if (!*h->ssh || h->ssh[0] == '-')
		return pread_fail(c, v,
				  "'ssh' '%s' is no destination ([USER@]HOST)",
				  v->str);
	for (const char *s = h->ssh; *s; s++)
		if (isspace((unsigned char)*s) || iscntrl((unsigned char)*s) ||
		    strchr("'\"\\`$;&|<>()*?", *s))
			return pread_fail(
				c, v,
				"'ssh' '%s' may hold no blanks or shell characters",
				v->str);
	return 0;
}

static int host_dev(struct pctx *c, void *obj, const struct ynode *k,
		    const struct ynode *v)
{
	struct host *h = obj;

	(void)k;
	h->dev_pos = v->pos;
	return pread_ifname(c, v, "'dev'", &h->dev);
}

static int host_mtu(struct pctx *c, void *obj, const struct ynode *k,
		    const struct ynode *v)
{
	struct host *h = obj;

	(void)k;
	h->mtu_pos = v->pos;
	return pread_u32(c, v, "'mtu'", 576, 65535, &h->mtu);
}

static const struct pread_key host_keys[] = {
	{ .name = "address",
	  .fn = host_address,
	  .shape = &pshape_address,
	  .desc = "The machine's underlay address: its tunnels' local end, and where the others send (required).",
	  .required = true },
	{ .name = "ssh",
	  .fn = host_ssh,
	  .shape =
		  &(const struct pshape){
			  .kind = PS_STRING,
			  .pattern =
				  "^[^-\\s'\"\\\\`$;&|<>()*?][^\\s'\"\\\\`$;&|<>()*?]*$" },
	  .desc = "How nstopo reaches the machine: [USER@]HOST for ssh (or --remote); default the host's name." },
	{ .name = "dev",
	  .fn = host_dev,
	  .shape = &pshape_ifname,
	  .desc = "The machine's underlay device, which its tunnels are bound to." },
	{ .name = "mtu",
	  .fn = host_mtu,
	  .shape = &(const struct pshape){ .kind = PS_INT,
					   .min = 576,
					   .max = 65535 },
	  .desc = "The underlay's MTU (default 1500); tunnels get it minus 50 (IPv4) or 70 (IPv6)." },
};

static const struct pshape host_shape = {
	.kind = PS_MAP,
	.desc = "A machine of the lab.",
	.nullable = true,
	.keys = host_keys,
	.n_keys = ARRAY_SIZE(host_keys),
};

const struct pshape hosts_shape = {
	.kind = PS_DICT,
	.desc = "The machines a lab spreads over, by name (at most 64); nodes say which with host:, by default the first.",
	.nullable = true,
	.name = &(const struct pshape){ .kind = PS_STRING,
					.pattern =
						"^[A-Za-z0-9][A-Za-z0-9_.-]*$",
					.max_len = NODE_NAME_MAX },
	.item = &host_shape,
};

/* A host name: what a node name may be (it names a machine in messages,
 * in --host, and is the default ssh destination). */
static int host_name_ok(struct pctx *c, const struct ynode *name)
{
	const char *s = name->str;

	if (!*s || strlen(s) > NODE_NAME_MAX || !isalnum((unsigned char)*s))
		return pread_fail(
			c, name,
			"host name '%s' must be 1 to %d characters, starting with a letter or digit",
			s, NODE_NAME_MAX);
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && !strchr("_.-", *s))
			return pread_fail(
				c, name,
				"host name '%s' may hold only letters, digits, '_', '.' and '-'",
				name->str);
	return 0;
}

int parse_hosts(struct pctx *c, void *obj, const struct ynode *k,
		const struct ynode *v)
{
	struct topo *t = c->t;
	int rc = 0;

	(void)obj;
	(void)k;
	if (ynode_is_null(v))
		return 0;
	if (pread_want(c, v, Y_MAP, "'hosts'"))
		return -1;
	for (size_t i = 0; i < v->n; i++) {
		const struct ynode *name = v->items[2 * i];
		const struct ynode *body = v->items[2 * i + 1];
		struct host *h;

		if (t->n_hosts >= HOSTS_MAX) {
			pread_fail(c, name, "more than %d hosts", HOSTS_MAX);
			return -1;
		}
		if (host_name_ok(c, name))
			rc = -1; /* kept: `host:` naming it resolves */
		h = vec_push(&t->arena, t->hosts, t->n_hosts, t->cap_hosts);
		h->name = arena_strdup(&t->arena, name->str);
		h->pos = name->pos;
		h->mtu = HOST_MTU;
		strmap_put(&t->host_map, h->name, (int)(t->n_hosts - 1));
		if (ynode_is_null(body))
			continue;
		if (pread_want(c, body, Y_MAP, "a host's settings") ||
		    pread_walk(c, body, "a host", host_keys,
			       ARRAY_SIZE(host_keys), h))
			h->lost = true;
		rc = h->lost ? -1 : rc;
	}
	return rc;
}
