// SPDX-License-Identifier: MIT
/*
 * op_sysctl.c - sysctl.set and sysctl.restore: /proc/sys/net keys of a
 * namespace.  In the host, a key's value before is kept (journaled) and
 * put back on destroy.
 */
#include <errno.h>
#include <string.h>

#include "ledger.h"
#include "run.h"

/*
 * Before a host sysctl is journaled: its value now (for a journal read by
 * an earlier build), and its place in the host's ledger (ledger.h), which
 * keeps the value before any lab and says when the last lab is gone.
 */
static int prepare_sysctl(struct run *x, struct op *op)
{
	struct strbuf old = { 0 };
	struct ledger *l;
	struct nsh *h;
	int rc;

	rc = nsh_get(x, op->link.ns, &h);
	if (rc)
		return run_fail(x, NULL, rc);
	/* Nothing to keep in a namespace of the lab, nor for a key of an
	 * interface the lab makes (it dies with it; plan_invert() restores
	 * neither).  An edit of a running lab keeps what was kept before,
	 * and tells the ledger the value it wants now. */
	if (h->created || h->kept || op->own)
		return 0;
	rc = run_enter(x, h);
	if (rc)
		return run_fail(x, NULL, rc);
	rc = op->old_value ? 0 : sysctl_read_whole(op->key, &old);
	if (!rc && !(rc = ledger_open(&l))) {
		rc = ledger_take(l, x->lab, op->key, op->value);
		if (rc == -EBUSY)
			snprintf(
				x->why, sizeof(x->why),
				"lab %s sets it to another value",
				ledger_conflict(l, x->lab, op->key, op->value));
		if (!rc)
			rc = ledger_close(l);
		else
			ledger_close(l);
	}
	if (!rc && !op->old_value)
		op->old_value = arena_strdup(&x->arena, old.buf);
	sb_free(&old);
	return rc && rc != -EBUSY ? run_fail(x, NULL, rc) : rc;
}

/*
 * A host key the ledger does not know (a lab of an earlier build, or a
 * ledger lost): its old value goes back only if the key still has the
 * value the lab set, so a change made since is kept.
 */
static int restore_unknown(struct run *x, struct nsh *h, struct op *op)
{
	struct strbuf now = { 0 };
	int rc = sysctl_read_whole(op->key, &now);

	if (!rc && op->value && !sysctl_same(now.buf, op->value)) {
		run_warn(
			x,
			"sysctl %s is '%s' now, not the '%s' lab %s set: left as it is",
			op->key, now.buf, op->value, x->lab);
		sb_free(&now);
		return 0;
	}
	sb_free(&now);
	return rc ? rc : sysctl_write_in(&h->dirs, op->key, op->old_value);
}

static void warn_left(void *arg, const char *msg)
{
	run_warn(arg, "%s", msg);
}

static int do_sysctl(struct run *x, struct op *op)
{
	const char *v = op->kind == OP_SYSCTL_SET ? op->value : op->old_value;
	bool restored;
	struct ledger *l;
	struct nsh *h;
	int rc;

	if (!v)
		return 0; /* a restore with nothing recorded */
	rc = nsh_get(x, op->link.ns, &h);
	if (!rc && nsh_preset(h, op))
		return 0; /* written when the namespace was made */
	if (!rc)
		rc = run_enter(x, h);
	if (rc)
		return x->undo && gone(rc) ? 0 : run_fail(x, NULL, rc);
	if (op->kind == OP_SYSCTL_RESTORE && !op_ns(op)) {
		rc = ledger_open(&l);
		if (!rc) {
			rc = ledger_release(l, x->lab, op->key, warn_left, x,
					    &restored);
			if (rc == -ENOENT)
				rc = restore_unknown(x, h, op);
			if (ledger_close(l) && !rc)
				rc = -EIO;
		}
	} else {
		rc = sysctl_write_in(&h->dirs, op->key, v);
	}
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
	out->value = op->value;
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
	OF_NS, OF_KEY, OF_VALUE, OF_OLD, OF__COUNT,
};

static const enum op_field sysctl_identity[] = { OF_NS, OF_KEY, OF__COUNT };
static const enum op_field sysctl_in_place[] = { OF_VALUE, OF__COUNT };

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
	.identity = sysctl_identity,
	.in_place = sysctl_in_place,
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
