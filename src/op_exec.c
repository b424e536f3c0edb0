// SPDX-License-Identifier: MIT
/*
 * op_exec.c - exec: a node's start-up command (`exec:`), run once the
 * lab is up, as a process of the node, in a sub-group of its own below
 * the node's in the lab's control group (procs.h, cg_exec_name()), so that
 * destroy finds whatever it leaves running, wherever that goes; and
 * exec.stop, its inverse: an edit that drops or changes the command stops
 * what it started, and nothing else.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "exec.h"
#include "procs.h"
#include "run.h"

/* How long a command has to end after SIGTERM, before SIGKILL. */
#define EXEC_GRACE 3.0

/*
 * Wait for the command.  Asked to stop (a signal to nstopo), its group
 * gets SIGTERM, then SIGKILL after EXEC_GRACE seconds: a command that
 * ignores SIGTERM does not hold the rollback up.
 */
static int wait_command(struct run *x, pid_t pid, int *st, bool *stopped)
{
	double deadline = 0;
	bool killed = false;

	*stopped = false;
	for (;;) {
		pid_t r = waitpid(pid, st, *stopped ? WNOHANG : 0);

		if (r == pid)
			return 0;
		if (r < 0 && errno != EINTR)
			return -errno;
		if (x->o->stop && *x->o->stop && !*stopped) {
			kill(-pid, SIGTERM);
			kill(pid, SIGTERM);
			*stopped = true;
			deadline = now_monotonic() + EXEC_GRACE;
		}
		if (!*stopped)
			continue;
		if (!killed && now_monotonic() > deadline) {
			kill(-pid, SIGKILL);
			kill(pid, SIGKILL);
			killed = true;
		}
		nanosleep(&(struct timespec){ .tv_nsec = 10 * 1000000 }, NULL);
	}
}

/*
 * The cgroup.procs of the command's group (below its node's), for the
 * command to join; the lab's group is made with the first command.  -1:
 * there is none (an isolated run, or a kernel without one: warned once).
 */
static int node_group(struct run *x, const struct op *op, int *fd)
{
	struct strbuf why = { 0 };
	char sub[CG_SUB_MAX];
	int rc = 0;

	*fd = -1;
	if (!x->cg.version && !x->cg_tried) {
		x->cg_tried = true;
		rc = procs_cgroup(x->st, x->lab, &x->cg, &why);
		if (rc == -ENOTSUP)
			run_warn(
				x,
				"lab %s: %s: its processes are found only in its namespaces (one that leaves its node's escapes destroy)",
				x->lab, why.buf);
		else if (rc)
			snprintf(x->why, sizeof(x->why), "lab %s: %s", x->lab,
				 why.buf);
		sb_free(&why);
		if (rc != -ENOTSUP && rc)
			return rc;
	}
	if (!x->cg.version)
		return 0;
	cg_exec_name(op->link.ns, op->argv, sub, sizeof(sub));
	*fd = cg_procs_open(&x->cg, sub);
	if (*fd >= 0)
		return 0;
	snprintf(x->why, sizeof(x->why),
		 "cannot open control group %s of lab %s: %s", sub, x->lab,
		 strerror(-*fd));
	return *fd;
}

bool exec_stopped(const struct run *x, const struct op *op)
{
	char name[CG_SUB_MAX];

	if (!x->exec_stopped.len)
		return false;
	cg_node_name(op->link.ns, name, sizeof(name));
	if (strmap_get(&x->exec_stopped, name) >= 0)
		return true;
	cg_exec_name(op->link.ns, op->argv, name, sizeof(name));
	return strmap_get(&x->exec_stopped, name) >= 0;
}

/* A node's exec: command, in a child that becomes a process of the node. */
static int do_exec(struct run *x, struct op *op)
{
	const char *env[] = { "NSTOPO_LAB", x->lab, "NSTOPO_NODE",
			      op->node ? op->node : "host", NULL };
	bool killed = false;
	int st = 0, null, rc, group;
	pid_t pid;

	/* An edit of a running lab runs only the commands it did not run,
	 * and those whose processes it stopped (do_exec_stop()). */
	if (x->ensure && op->change == OPC_SAME && !exec_stopped(x, op))
		return 0;
	/* A host command runs in the host, not where apply was last. */
	if (!op->link.ns && (rc = run_enter(x, &x->host)))
		return run_fail(x, NULL, rc);
	rc = node_group(x, op, &group);
	if (rc)
		return rc;
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		rc = -errno;
		if (group >= 0)
			close(group);
		return run_fail(x, NULL, rc);
	}
	if (!pid) {
		struct strbuf msg = { 0 };
		struct exec_req r = {
			.ns = op->link.ns,
			.env = env,
			.argv = op->argv,
		};

		signal(SIGINT, SIG_DFL);
		signal(SIGTERM, SIG_DFL);
		/* A group of its own: what it starts is stopped with it. */
		setpgid(0, 0);
		/* The lab's control group, before anything can fork. */
		if (group >= 0 && (rc = cg_enter(group))) {
			fprintf(stderr,
				"nstopo: exec: cannot join the lab's control group: %s\n",
				strerror(-rc));
			_exit(EXEC_FAILED);
		}
		null = open("/dev/null", O_RDONLY);
		if (null >= 0)
			dup2(null, STDIN_FILENO);
		if (r.ns) {
			rc = node_exec(&r, &msg); /* 127, 126 or 125 */
		} else {
			for (size_t i = 0; env[i]; i += 2)
				setenv(env[i], env[i + 1], 1);
			execvp(op->argv[0], op->argv);
			rc = errno == ENOENT ? 127 : 126;
			sb_printf(&msg, "cannot run %s: %s", op->argv[0],
				  strerror(errno));
		}
		fprintf(stderr, "nstopo: exec: %s\n", msg.buf);
		_exit(rc);
	}
	if (group >= 0)
		close(group);
	setpgid(pid, pid); /* as the child does: whoever is first */
	rc = wait_command(x, pid, &st, &killed);
	if (rc)
		return run_fail(x, NULL, rc);
	if (killed) {
		snprintf(x->why, sizeof(x->why), "interrupted by a signal");
		return -EINTR;
	}
	if (WIFEXITED(st) && !WEXITSTATUS(st))
		return 0;
	if (WIFEXITED(st))
		snprintf(x->why, sizeof(x->why),
			 "the command exited with status %d", WEXITSTATUS(st));
	else
		snprintf(x->why, sizeof(x->why),
			 "the command was killed by signal %d",
			 WIFSIGNALED(st) ? WTERMSIG(st) : 0);
	return -ECHILD;
}

static void exec_format(const struct op *op, struct strbuf *sb)
{
	sb_add(sb, "exec");
	for (size_t i = 0; i < op->argc; i++) {
		sb_addc(sb, ' ');
		sb_shell_word(sb, op->argv[i]);
	}
}

static void exec_json(const struct op *op, struct strbuf *sb)
{
	sb_add(sb, ",\"argv\":[");
	for (size_t i = 0; i < op->argc; i++) {
		if (i)
			sb_addc(sb, ',');
		sb_json_str(sb, op->argv[i]);
	}
	sb_addc(sb, ']');
}

/*
 * exec.stop: what the command of an exec op started is stopped (an edit
 * drops or changes the command).  Its group has it: stopped, the group
 * removed.  Where that group is not known, all of the node's processes
 * are stopped and each of its current commands runs again (the edit's
 * exec ops see x->exec_stopped): on a lab of an earlier build, whose
 * commands joined the node's group itself, and without a control group
 * (then what runs in the node's namespace is the node's).
 */
static int do_exec_stop(struct run *x, struct op *op)
{
	struct strbuf what = { 0 };
	char sub[CG_SUB_MAX], node[CG_SUB_MAX];
	const char *ns = op->link.ns;

	cg_node_name(ns, node, sizeof(node));
	cg_exec_name(ns, op->argv, sub, sizeof(sub));
	if (x->cg.version && !cg_has_own(&x->cg, node)) {
		sb_add(&what, "that '");
		exec_format(op, &what);
		sb_printf(&what, "' started (lab %s)", x->lab);
		procs_stop_group(x, sub, what.buf);
		sb_free(&what);
		strmap_put(&x->exec_stopped, arena_strdup(&x->arena, sub), 0);
		return 0;
	}
	if (!x->cg.version && !ns) {
		run_warn(
			x,
			"lab %s: without a control group, what the host node's command '%s' started cannot be told from the host's processes: left running",
			x->lab, op->argv[0]);
		return 0;
	}
	sb_printf(
		&what,
		"of node %s, whose commands run again (lab %s: which command started which is not known)",
		op->node ? op->node : "host", x->lab);
	if (x->cg.version)
		procs_stop_group(x, node, what.buf);
	else
		procs_stop(x, &ns, 1, false);
	sb_free(&what);
	strmap_put(&x->exec_stopped, arena_strdup(&x->arena, node), 0);
	return 0;
}

static void exec_stop_format(const struct op *op, struct strbuf *sb)
{
	sb_add(sb, "stop ");
	exec_format(op, sb);
}

/*
 * An edit that drops the command stops what it started; a namespace the
 * plan makes takes its processes with it (procs_stop()), and destroy
 * stops all of the lab's first.
 */
static bool exec_invert(const struct op *op, const struct op_made *m,
			struct op *out)
{
	if (m->ns)
		return false;
	out->kind = OP_EXEC_STOP;
	out->node = op->node;
	out->link.ns = op->link.ns;
	out->argv = op->argv;
	out->argc = op->argc;
	return true;
}

static const enum op_field exec_fields[] = {
	OF_NODE,
	OF_NS,
	OF_ARGV,
	OF__COUNT,
};

/* What a command did is its own business: nothing to expect; what it
 * left running is stopped when an edit drops it. */
const struct op_desc exec_op = {
	.name = "exec",
	.undo_phase = 1,
	.invert = exec_invert,
	.run = do_exec,
	.format = exec_format,
	.json = exec_json,
	.fields = exec_fields,
	.identity = exec_fields,
};

const struct op_desc exec_stop_op = {
	.name = "exec.stop",
	.undo = true,
	.run = do_exec_stop,
	.format = exec_stop_format,
	.json = exec_json,
	.fields = exec_fields,
};
