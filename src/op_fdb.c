// SPDX-License-Identifier: MIT
/*
 * op_fdb.c - fdb.add: an all-zero forwarding entry of a tunnel, so it
 * floods what it has no entry for (broadcast, multicast, unknown
 * unicast: ARP, neighbour discovery, router advertisements) to one more
 * machine.  A bridge spread over machines has one such entry per other
 * machine on its VXLAN port: head-end replication, no multicast needed
 * on the underlay.  Entries go with their device: never undone.
 */
#include <arpa/inet.h>
#include <errno.h>

#include "nl.h"
#include "run.h"

static int do_fdb_add(struct run *x, struct op *op)
{
	struct nsh *h;
	int rc, idx;

	rc = nsh_get(x, op->link.ns, &h);
	if (rc)
		return run_fail(x, NULL, rc);
	idx = ifindex_of(x, h, op->link.name);
	if (idx < 0)
		return idx;
	rc = netlink_fdb_append(h->nl, idx, &op->tun.remote);
	return rc ? run_fail(x, h, rc) : 0;
}

static void fdb_format(const struct op *op, struct strbuf *sb)
{
	char buf[INET6_ADDRSTRLEN + 4];

	prefix_format(&op->tun.remote, false, buf, sizeof(buf));
	sb_printf(sb, "fdb append 00:00:00:00:00:00 dst %s dev %s", buf,
		  op->link.name);
}

static void fdb_json(const struct op *op, struct strbuf *sb)
{
	char buf[INET6_ADDRSTRLEN + 4];

	sb_json_kv(sb, "dev", op->link.name);
	prefix_format(&op->tun.remote, false, buf, sizeof(buf));
	sb_json_kv(sb, "dst", buf);
}

static const char *fdb_subject(const struct op *op, char buf[IFNAME_MAX + 1])
{
	(void)buf;
	return op->link.name;
}

static const enum op_field fdb_fields[] = {
	OF_NS,
	OF_NAME,
	OF_REMOTE,
	OF__COUNT,
};

const struct op_desc fdb_add_op = {
	.name = "fdb.add",
	.object = OBJ_FDB,
	.subject = fdb_subject,
	.run = do_fdb_add,
	.format = fdb_format,
	.json = fdb_json,
	.fields = fdb_fields,
};
