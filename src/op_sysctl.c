// SPDX-License-Identifier: MIT
/*
 * op_sysctl.c - sysctl.set and sysctl.restore: /proc/sys/net keys of a
 * namespace.  In the host, a key's value before is kept (journaled) and
 * put back on destroy.
 */
#include <errno.h>
#include <string.h>

#include "run.h"

/* Before a host sysctl is journaled: keep its value, for the undo. */
static int prepare_sysctl(struct run *x, struct op *op)
{
	char old[256];
	struct nsh *h;
	int rc;

	rc = nsh_get(x, op->link.ns, &h);
	if (!rc)
		rc = run_enter(x, h);
	if (rc)
		return run_fail(x, NULL, rc);
	/* Nothing to keep in a namespace this run made, nor for a key of an
	 * interface the lab makes (it dies with it; plan_invert() restores
	 * neither), nor twice. */
	if (h->created || op->own || op->old_value)
		return 0;
	rc = sysctl_read_in(&h->dirs, op->key, old, sizeof(old));
	if (rc)
		return run_fail(x, NULL, rc);
	op->old_value = arena_strdup(&x->arena, old);
	return 0;
}

static int do_sysctl(struct run *x, struct op *op)
{
	const char *v = op->kind == OP_SYSCTL_SET ? op->value : op->old_value;
	struct nsh *h;
	int rc;

	if (!v)
		return 0; /* a restore with nothing recorded */
	rc = nsh_get(x, op->link.ns, &h);
	if (!rc)
		rc = run_enter(x, h);
	if (rc)
		return x->undo && gone(rc) ? 0 : run_fail(x, NULL, rc);
	rc = sysctl_write_in(&h->dirs, op->key, v);
	if (rc && x->undo && gone(rc))
		return 0;
	return rc ? run_fail(x, NULL, rc) : 0;
}

static void sysctl_set_format(const struct op *op, struct strbuf *sb)
{
	sb_printf(sb, "sysctl %s=%s", op->key, op->value);
}

static void sysctl_restore_format(const struct op *op, struct strbuf *sb)
{
	if (op->old_value)
		sb_printf(sb, "sysctl %s=%s (restore)", op->key, op->old_value);
	else
		sb_printf(sb, "sysctl %s (restore)", op->key);
}

static void sysctl_json(const struct op *op, struct strbuf *sb)
{
	sb_json_kv(sb, "key", op->key);
	sb_json_kv(sb, "value", op->value);
	sb_json_kv(sb, "old_value", op->old_value);
}

static const char *sysctl_subject(const struct op *op, char buf[IFNAME_MAX + 1])
{
	return sysctl_key_ifname(op->key, buf) ? buf : NULL;
}

/* Keys of an interface the lab makes die with it. */
static bool sysctl_set_invert(const struct op *op, const struct op_made *m,
			      struct op *out)
{
	if (m->ns || m->link)
		return false;
	out->kind = OP_SYSCTL_RESTORE;
	out->link.ns = op->link.ns;
	out->key = op->key;
	out->old_value = op->old_value;
	return true;
}

static const enum op_field sysctl_set_fields[] = {
	OF_NS,
	OF_KEY,
	OF_VALUE,
	OF__COUNT,
};

static const enum op_field sysctl_learned[] = { OF_OLD, OF__COUNT };

static const enum op_field sysctl_restore_fields[] = {
	OF_NS,
	OF_KEY,
	OF_OLD,
	OF__COUNT,
};

const struct op_desc sysctl_set_op = {
	.name = "sysctl.set",
	.object = OBJ_SYSCTL,
	.undo_phase = 1,
	.invert = sysctl_set_invert,
	.subject = sysctl_subject,
	.prepare = prepare_sysctl,
	.run = do_sysctl,
	.format = sysctl_set_format,
	.json = sysctl_json,
	.fields = sysctl_set_fields,
	.learned = sysctl_learned,
};

const struct op_desc sysctl_restore_op = {
	.name = "sysctl.restore",
	.undo = true,
	.subject = sysctl_subject,
	.run = do_sysctl,
	.format = sysctl_restore_format,
	.json = sysctl_json,
	.fields = sysctl_restore_fields,
};
