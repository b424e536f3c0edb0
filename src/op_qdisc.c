// SPDX-License-Identifier: MIT
/*
 * op_qdisc.c - qdisc.add: impairment on an interface's egress (netem,
 * with a tbf under it for a rate, or a tbf alone).
 */
#include <errno.h>
#include <string.h>

#include "nl.h"
#include "run.h"

static int do_qdisc(struct run *x, struct op *op)
{
	struct nsh *h;
	int rc, idx;

	/* An edit of a running lab leaves a qdisc as it is, or makes it
	 * anew: the kernel cannot turn a netem into a tbf in place. */
	if (x->ensure && op->change == OPC_SAME)
		return 0;
	rc = nsh_get(x, op->link.ns, &h);
	if (rc)
		return run_fail(x, NULL, rc);
	idx = ifindex_of(x, h, op->link.name);
	if (idx < 0)
		return idx;
	if (x->ensure && op->change != OPC_NEW) {
		rc = netlink_qdisc_del_root(h->nl, idx);
		if (rc && rc != -ENOENT && rc != -EINVAL)
			return run_fail(x, h, rc);
	}
	rc = netlink_qdisc_add(h->nl, idx, &op->qdisc);
	if (rc == -ENOENT && op->qdisc.netem) {
		snprintf(
			x->why, sizeof(x->why),
			"this kernel has no 'netem' qdisc (sch_netem not built or not loaded)");
		return rc;
	}
	return rc ? run_fail(x, h, rc) : 0;
}

static void pct_format(struct strbuf *sb, const char *what, uint32_t ppm)
{
	if (ppm)
		sb_printf(sb, " %s %g%%", what, ppm / 1e4);
}

static void qdisc_format(const struct op *op, struct strbuf *sb)
{
	const struct qdisc_spec *q = &op->qdisc;
	double bits = (double)q->rate * 8;

	sb_printf(sb, "qdisc add dev %s root", op->link.name);
	if (q->netem) {
		sb_add(sb, " netem");
		if (q->delay_us)
			sb_printf(sb, " delay %gms", q->delay_us / 1e3);
		if (q->jitter_us)
			sb_printf(sb, " jitter %gms", q->jitter_us / 1e3);
		pct_format(sb, "loss", q->loss_ppm);
		pct_format(sb, "duplicate", q->duplicate_ppm);
		pct_format(sb, "reorder", q->reorder_ppm);
		pct_format(sb, "corrupt", q->corrupt_ppm);
	}
	if (!q->rate)
		return;
	if (bits >= 1e9)
		sb_printf(sb, " rate %ggbit", bits / 1e9);
	else if (bits >= 1e6)
		sb_printf(sb, " rate %gmbit", bits / 1e6);
	else if (bits >= 1e3)
		sb_printf(sb, " rate %gkbit", bits / 1e3);
	else
		sb_printf(sb, " rate %gbit", bits);
}

static void qdisc_json(const struct op *op, struct strbuf *sb)
{
	const struct qdisc_spec *q = &op->qdisc;

	sb_json_kv(sb, "dev", op->link.name);
	if (q->netem)
		sb_printf(
			sb,
			",\"netem\":{\"delay_us\":%u,\"jitter_us\":%u,\"loss_pct\":%g,\"duplicate_pct\":%g,\"reorder_pct\":%g,\"corrupt_pct\":%g}",
			q->delay_us, q->jitter_us, q->loss_ppm / 1e4,
			q->duplicate_ppm / 1e4, q->reorder_ppm / 1e4,
			q->corrupt_ppm / 1e4);
	if (q->rate)
		sb_printf(sb, ",\"rate_bytes\":%u", q->rate);
}

static const enum op_field qdisc_fields[] = {
	OF_NS,	OF_NAME,    OF_NETEM,	OF_DELAY, OF_JITTER, OF_LOSS,
	OF_DUP, OF_REORDER, OF_CORRUPT, OF_RATE,  OF__COUNT,
};

static const enum op_field qdisc_identity[] = { OF_NS, OF_NAME, OF__COUNT };
static const enum op_field qdisc_in_place[] = {
	OF_NETEM,   OF_DELAY,	OF_JITTER, OF_LOSS,   OF_DUP,
	OF_REORDER, OF_CORRUPT, OF_RATE,   OF__COUNT,
};

/* A qdisc goes with its interface, which the lab makes. */
const struct op_desc qdisc_add_op = {
	.name = "qdisc.add",
	.run = do_qdisc,
	.format = qdisc_format,
	.json = qdisc_json,
	.fields = qdisc_fields,
	.identity = qdisc_identity,
	.in_place = qdisc_in_place,
};
