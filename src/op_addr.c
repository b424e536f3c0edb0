// SPDX-License-Identifier: MIT
/*
 * op_addr.c - addr.add and addr.del: addresses on interfaces.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "nl.h"
#include "run.h"

static int do_addr(struct run *x, struct op *op)
{
	struct nsh *h;
	int rc, idx;

	rc = nsh_get(x, op->link.ns, &h);
	if (rc)
		return x->undo && gone(rc) ? 0 : run_fail(x, NULL, rc);
	idx = ifindex_of(x, h, op->link.name);
	if (idx < 0)
		return x->undo && gone(idx) ? 0 : idx;
	if (op->kind == OP_ADDR_ADD)
		rc = netlink_addr_add(h->nl, idx, &op->addr, !op->dad);
	else
		rc = netlink_addr_del(h->nl, idx, &op->addr);
	if (rc && x->undo && gone(rc))
		return 0;
	/* An edit of a running lab: an address it has is as it should be
	 * (even a new one: an edit killed after making it may not have
	 * written it down). */
	if (rc == -EEXIST && x->ensure)
		return 0;
	return rc ? run_fail(x, h, rc) : 0;
}

int addr_restore(struct run *x, struct nsh *h, const struct op *op, int ifindex,
		 const struct prefix_routes *pr)
{
	char buf[INET6_ADDRSTRLEN + 4];
	int rc;

	if (prefix_routes_have(pr, ifindex, &op->addr))
		return 0;
	rc = netlink_addr_renew(h->nl, ifindex, &op->addr, !op->dad);
	if (!rc && x->o->verbose > 0) {
		prefix_format(&op->addr, true, buf, sizeof(buf));
		fprintf(stderr,
			"~ addr %s dev %s @%s: no prefix route, given again\n",
			buf, op->link.name, h->name ? h->name : "host");
	}
	return rc ? rc : 1;
}

static void addr_format(const struct op *op, struct strbuf *sb)
{
	char buf[INET6_ADDRSTRLEN + 4];
	bool nodad = op->kind == OP_ADDR_ADD && op->addr.family == AF_INET6 &&
		     !op->dad;

	prefix_format(&op->addr, true, buf, sizeof(buf));
	sb_printf(sb, "addr %s %s dev %s%s",
		  op->kind == OP_ADDR_ADD ? "add" : "del", buf, op->link.name,
		  nodad ? " nodad" : "");
}

static void addr_json(const struct op *op, struct strbuf *sb)
{
	char buf[INET6_ADDRSTRLEN + 4];

	sb_json_kv(sb, "dev", op->link.name);
	prefix_format(&op->addr, true, buf, sizeof(buf));
	sb_json_kv(sb, "address", buf);
}

static const char *addr_subject(const struct op *op, char buf[IFNAME_MAX + 1])
{
	(void)buf;
	return op->link.name;
}

/* An address on an interface the lab makes goes with it. */
static bool addr_add_invert(const struct op *op, const struct op_made *m,
			    struct op *out)
{
	if (m->ns || m->link)
		return false;
	out->kind = OP_ADDR_DEL;
	out->link.ns = op->link.ns;
	out->link.name = op->link.name;
	out->addr = op->addr;
	return true;
}

static const enum op_field addr_add_fields[] = {
	OF_NS, OF_NAME, OF_ADDR, OF_DAD, OF__COUNT,
};

static const enum op_field addr_del_fields[] = {
	OF_NS,
	OF_NAME,
	OF_ADDR,
	OF__COUNT,
};

static const enum op_field addr_identity[] = {
	OF_NS,
	OF_NAME,
	OF_ADDR,
	OF__COUNT,
};
static const enum op_field addr_in_place[] = { OF_DAD, OF__COUNT };

const struct op_desc addr_add_op = {
	.name = "addr.add",
	.object = OBJ_ADDR,
	.undo_phase = 1,
	.invert = addr_add_invert,
	.subject = addr_subject,
	.run = do_addr,
	.format = addr_format,
	.json = addr_json,
	.fields = addr_add_fields,
	.identity = addr_identity,
	.in_place = addr_in_place,
};

const struct op_desc addr_del_op = {
	.name = "addr.del",
	.undo = true,
	.subject = addr_subject,
	.run = do_addr,
	.format = addr_format,
	.json = addr_json,
	.fields = addr_del_fields,
};
