// SPDX-License-Identifier: MIT
/*
 * op_exec.c - exec: a node's start-up command (`exec:`), run once the
 * lab is up, as a process of the node.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "exec.h"
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

/* A node's exec: command, in a child that becomes a process of the node. */
static int do_exec(struct run *x, struct op *op)
{
	const char *env[] = { "NSTOPO_LAB", x->lab, "NSTOPO_NODE",
			      op->node ? op->node : "host", NULL };
	bool killed = false;
	int st = 0, null, rc;
	pid_t pid;

	/* An edit of a running lab runs only the commands it did not run. */
	if (x->ensure && op->change == OPC_SAME)
		return 0;
	/* A host command runs in the host, not where apply was last. */
	if (!op->link.ns && (rc = run_enter(x, &x->host)))
		return run_fail(x, NULL, rc);
	fflush(NULL);
	pid = fork();
	if (pid < 0)
		return run_fail(x, NULL, -errno);
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

static const enum op_field exec_fields[] = {
	OF_NODE,
	OF_NS,
	OF_ARGV,
	OF__COUNT,
};

/* What a command did is its own business: nothing to undo or expect. */
const struct op_desc exec_op = {
	.name = "exec",
	.run = do_exec,
	.format = exec_format,
	.json = exec_json,
	.fields = exec_fields,
	.identity = exec_fields,
};
