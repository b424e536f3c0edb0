// SPDX-License-Identifier: MIT
/*
 * op_relay.c - relay.start and relay.stop: the lab's forwarded ports
 * (`forwards:`), served by one relay process (relay.h) that holds every
 * listening socket and makes each target socket in its node.
 *
 * The op carries the forwards, one word each (relay_spec), with the
 * namespaces they use, so it runs and undoes without the file.  The
 * relay is a detached process: what the journal keeps of it is its pid
 * and its start time (learnt by the run, journaled again once it runs),
 * and it is only ever signalled if both still match.  It logs to
 * STATE_DIR/LAB/relay.log, which names it too: a relay found logging
 * there that no record names (a run killed between starting it and
 * journaling its pid) is the lab's, and is stopped with it.
 */
#include <errno.h>
#include <limits.h>
#include <string.h>

#include "apply.h"
#include "relay.h"
#include "run.h"
#include "state.h"

/* How long a relay has to exit after SIGTERM, before SIGKILL. */
#define RELAY_GRACE_MS 3000

/* Stop every relay that logs to the lab's log. */
static int stop_strays(struct run *x)
{
	struct relay_proc rp[16];
	char log[PATH_MAX];
	int n, rc = 0;

	state_relay_log(x->lab, log, sizeof(log));
	do {
		size_t stopped = 0;

		n = relay_find(log, rp, ARRAY_SIZE(rp));
		if (n < 0)
			return n == -ENOENT ? 0 : n;
		for (int i = 0; i < n && i < (int)ARRAY_SIZE(rp); i++) {
			int r = relay_stop(&rp[i], RELAY_GRACE_MS);

			if (r && r != -ESRCH && !rc)
				rc = r;
			stopped++;
		}
		/* More than fit: look again, while that stops some. */
		if (!stopped)
			break;
	} while (n > (int)ARRAY_SIZE(rp) && !rc);
	return rc;
}

/* The namespace fd a forward's side uses: the host's, or its node's. */
static int side_ns(struct run *x, const char *ns, int *fd)
{
	struct nsh *h;
	int rc;

	if (!ns[0]) {
		*fd = x->host.fd;
		return 0;
	}
	rc = nsh_get(x, ns, &h);
	if (!rc)
		*fd = h->fd;
	else
		snprintf(x->why, sizeof(x->why), "namespace %s: %s", ns,
			 strerror(-rc));
	return rc;
}

/* @op's forwards, with the namespaces of their sockets. */
static int forwards_of(struct run *x, const struct op *op,
		       struct relay_forward *fw)
{
	for (size_t i = 0; i < op->argc; i++) {
		struct relay_spec sp;
		int rc;

		if (relay_spec_parse(op->argv[i], &sp)) {
			snprintf(x->why, sizeof(x->why),
				 "forward %zu is not one: '%s'", i + 1,
				 op->argv[i]);
			return -EINVAL;
		}
		fw[i] = (struct relay_forward){
			.proto = sp.proto,
			.listen = sp.listen,
			.to = sp.to,
		};
		rc = side_ns(x, sp.listen_ns, &fw[i].listen_ns);
		if (!rc)
			rc = side_ns(x, sp.to_ns, &fw[i].to_ns);
		if (rc)
			return rc;
	}
	return 0;
}

static int do_relay_start(struct run *x, struct op *op)
{
	struct relay_proc rp = { .pid = (pid_t)op->pid, .start = op->pstart };
	struct relay_forward *fw;
	char log[PATH_MAX];
	int rc;

	/* An edit of a running lab keeps a relay of the same forwards, if
	 * it still runs; one that died is started again. */
	if (x->ensure && op->change == OPC_SAME && relay_alive(&rp))
		return 0;
	/* Its sockets may be held by one that no journal line names. */
	rc = stop_strays(x);
	if (rc)
		return run_fail(x, NULL, rc);
	fw = xcalloc(op->argc + 1, sizeof(*fw));
	rc = forwards_of(x, op, fw);
	/* The relay is forked from this thread: it is the host's process. */
	if (!rc && (rc = run_enter(x, &x->host)))
		run_fail(x, NULL, rc);
	state_relay_log(x->lab, log, sizeof(log));
	if (!rc)
		rc = relay_spawn(fw, op->argc, NULL, log, &rp, x->why,
				 sizeof(x->why));
	free(fw);
	if (rc)
		return rc;
	op->pid = (uint32_t)rp.pid;
	op->pstart = rp.start;
	rc = run_record_learned(x, op);
	if (rc) {
		snprintf(x->why, sizeof(x->why),
			 "cannot write the journal: %s (the relay is stopped)",
			 strerror(-rc));
		relay_stop(&rp, RELAY_GRACE_MS);
		op->pid = 0;
		op->pstart = 0;
	}
	return rc;
}

/* Stop the relay the op names, and any other of the lab's (strays). */
static int do_relay_stop(struct run *x, struct op *op)
{
	struct relay_proc rp = { .pid = (pid_t)op->pid, .start = op->pstart };
	int rc = 0;

	if (rp.pid > 0)
		rc = relay_stop(&rp, RELAY_GRACE_MS);
	if (!rc || rc == -ESRCH)
		rc = stop_strays(x);
	return rc ? run_fail(x, NULL, rc) : 0;
}

/* " tcp [::1]:8080 -> web:[fd00::80]:80, udp ..." */
static void forwards_format(const struct op *op, struct strbuf *sb)
{
	char l[RELAY_ENDPOINT_TEXT_MAX], t[RELAY_ENDPOINT_TEXT_MAX];

	for (size_t i = 0; i < op->argc; i++) {
		struct relay_spec sp;

		sb_add(sb, i ? ", " : " ");
		if (relay_spec_parse(op->argv[i], &sp)) {
			sb_shell_word(sb, op->argv[i]);
			continue;
		}
		sb_printf(sb, "%s %s -> %s", relay_proto_name(sp.proto),
			  relay_endpoint_format(&sp.listen, l, sizeof(l)),
			  relay_endpoint_format(&sp.to, t, sizeof(t)));
	}
}

static void relay_start_format(const struct op *op, struct strbuf *sb)
{
	sb_add(sb, "relay start");
	forwards_format(op, sb);
}

static void relay_stop_format(const struct op *op, struct strbuf *sb)
{
	sb_add(sb, "relay stop");
	if (op->pid)
		sb_printf(sb, " pid %u", op->pid);
	forwards_format(op, sb);
}

static void relay_json(const struct op *op, struct strbuf *sb)
{
	char l[RELAY_ENDPOINT_TEXT_MAX], t[RELAY_ENDPOINT_TEXT_MAX];

	sb_add(sb, ",\"forwards\":[");
	for (size_t i = 0; i < op->argc; i++) {
		struct relay_spec sp;

		if (i)
			sb_addc(sb, ',');
		if (relay_spec_parse(op->argv[i], &sp)) {
			sb_add(sb, "{\"spec\":");
			sb_json_str(sb, op->argv[i]);
			sb_addc(sb, '}');
			continue;
		}
		sb_printf(sb, "{\"proto\":\"%s\"", relay_proto_name(sp.proto));
		sb_json_kv(sb, "listen",
			   relay_endpoint_format(&sp.listen, l, sizeof(l)));
		sb_json_kv(sb, "to",
			   relay_endpoint_format(&sp.to, t, sizeof(t)));
		sb_json_kv(sb, "listen_netns",
			   sp.listen_ns[0] ? sp.listen_ns : "host");
		sb_json_kv(sb, "to_netns", sp.to_ns[0] ? sp.to_ns : "host");
		sb_addc(sb, '}');
	}
	sb_addc(sb, ']');
	if (op->pid)
		sb_printf(sb, ",\"pid\":%u,\"pstart\":%llu", op->pid,
			  (unsigned long long)op->pstart);
}

/* Stopped first of all, while the namespaces it holds still exist. */
static bool relay_start_invert(const struct op *op, const struct op_made *m,
			       struct op *out)
{
	(void)m;
	out->kind = OP_RELAY_STOP;
	out->argv = op->argv;
	out->argc = op->argc;
	out->pid = op->pid;
	out->pstart = op->pstart;
	return true;
}

static const enum op_field relay_start_fields[] = {
	OF_NS,
	OF_ARGV,
	OF__COUNT,
};

static const enum op_field relay_learned[] = { OF_PID, OF_PSTART, OF__COUNT };

static const enum op_field relay_stop_fields[] = {
	OF_NS, OF_ARGV, OF_PID, OF_PSTART, OF__COUNT,
};

/* One relay a lab: it is the same object whatever its forwards, and
 * other forwards make it again (stop, then start). */
static const enum op_field relay_identity[] = { OF__COUNT };

const struct op_desc relay_start_op = {
	.name = "relay.start",
	.object = OBJ_RELAY,
	.undo_phase = 1,
	.invert = relay_start_invert,
	.run = do_relay_start,
	.format = relay_start_format,
	.json = relay_json,
	.fields = relay_start_fields,
	.learned = relay_learned,
	.identity = relay_identity,
};

const struct op_desc relay_stop_op = {
	.name = "relay.stop",
	.undo = true,
	.run = do_relay_stop,
	.format = relay_stop_format,
	.json = relay_json,
	.fields = relay_stop_fields,
};
