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
#include <unistd.h>

#include "exec.h"
#include "run.h"

/* A node's exec: command, in a child that becomes a process of the node. */
static int do_exec(struct run *x, struct op *op)
{
	const char *env[] = { "NSTOPO_LAB", x->lab, "NSTOPO_NODE",
			      op->node ? op->node : "host", NULL };
	bool killed = false;
	int st = 0, null, rc;
	pid_t pid;

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
	while (waitpid(pid, &st, 0) < 0) {
		if (errno != EINTR)
			return run_fail(x, NULL, -errno);
		/* Asked to stop: the command is stopped too, then undone. */
		if (x->o->stop && *x->o->stop && !killed) {
			kill(pid, SIGTERM);
			killed = true;
		}
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
};
