// SPDX-License-Identifier: MIT
/*
 * op_wait.c - wait: a node's readiness gate (`wait:`), checked once the
 * lab's commands have run: a TCP port of the node that accepts, a
 * command that succeeds in the node, a file that exists.
 *
 * A gate is tried, then tried again after a pause that doubles from
 * 5 ms up to 250 ms, until it opens or its time is up; it then fails the
 * apply, which rolls the lab back as for any step.  A gate has no object
 * of its own: it is never undone, and an apply of a running lab checks
 * it again.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "exec.h"
#include "run.h"

#define PAUSE_FIRST 0.005
#define PAUSE_MAX 0.25

static bool asked_to_stop(const struct run *x)
{
	return x->o->stop && *x->o->stop;
}

/* The gate's text: "tcp 10.0.0.1:8080", "cmd curl -fs URL", "file F". */
static void gate_text(const struct op *op, struct strbuf *sb)
{
	char a[INET6_ADDRSTRLEN];

	sb_add(sb, gate_kind_name(op->gate.kind));
	switch (op->gate.kind) {
	case GATE_TCP:
		prefix_format(&op->gate.addr, false, a, sizeof(a));
		sb_printf(sb,
			  op->gate.addr.family == AF_INET6 ? " [%s]:%u" :
							     " %s:%u",
			  a, op->gate.port);
		break;
	case GATE_CMD:
		for (size_t i = 0; i < op->argc; i++) {
			sb_addc(sb, ' ');
			sb_shell_word(sb, op->argv[i]);
		}
		break;
	case GATE_FILE:
		sb_addc(sb, ' ');
		sb_shell_word(sb, op->gate.path);
		break;
	default:
		break;
	}
}

/* Sleep @s seconds, at most until @deadline. */
static void pause_until(double s, double deadline)
{
	double left = deadline - now_monotonic();

	if (left < s)
		s = left;
	if (s <= 0)
		return;
	nanosleep(
		&(struct timespec){ .tv_sec = (time_t)s,
				    .tv_nsec = (long)((s - (time_t)s) * 1e9) },
		NULL);
}

/*
 * A connection to the gate's address and port, from inside the node.
 * Return: 1 if it was accepted, 0 if not (why in @last), -errno if the
 * node cannot be entered.
 */
static int try_tcp(struct run *x, const struct op *op, double deadline,
		   char *last, size_t len)
{
	struct sockaddr_storage ss = { 0 };
	struct pollfd pfd = { .events = POLLOUT };
	socklen_t slen, elen = sizeof(int);
	int err = 0, fd, rc, ms;
	struct nsh *h;

	rc = nsh_get(x, op_ns(op), &h);
	if (!rc)
		rc = run_enter(x, h);
	if (rc)
		return rc;
	if (op->gate.addr.family == AF_INET6) {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;

		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons((uint16_t)op->gate.port);
		memcpy(&s6->sin6_addr, op->gate.addr.bytes, 16);
		slen = sizeof(*s6);
	} else {
		struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;

		s4->sin_family = AF_INET;
		s4->sin_port = htons((uint16_t)op->gate.port);
		memcpy(&s4->sin_addr, op->gate.addr.bytes, 4);
		slen = sizeof(*s4);
	}
	fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
		    0);
	if (fd < 0)
		return -errno;
	rc = connect(fd, (struct sockaddr *)&ss, slen);
	if (rc && errno != EINPROGRESS) {
		err = errno;
	} else if (rc) {
		/* An address of the node answers at once; a second at most. */
		ms = (int)((deadline - now_monotonic()) * 1000);
		pfd.fd = fd;
		if (poll(&pfd, 1, ms < 0 ? 0 : ms > 1000 ? 1000 : ms) <= 0)
			err = ETIMEDOUT;
		else if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &elen))
			err = errno;
	}
	close(fd);
	/* Back to the host: a rollback looks for the lab's processes from
	 * where it is, and passes over those of its own namespace. */
	rc = run_enter(x, &x->host);
	if (rc)
		return rc;
	if (err)
		snprintf(last, len, "%s", strerror(err));
	return !err;
}

/* The gate's command, in the node, its output to /dev/null. */
static pid_t start_cmd(struct run *x, const struct op *op)
{
	const char *env[] = { "NSTOPO_LAB", x->lab, "NSTOPO_NODE",
			      op->node ? op->node : "host", NULL };
	pid_t pid;
	int null;

	fflush(NULL);
	pid = fork();
	if (pid)
		return pid;
	setpgid(0, 0);
	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	null = open("/dev/null", O_RDWR);
	if (null >= 0) {
		dup2(null, STDIN_FILENO);
		dup2(null, STDOUT_FILENO);
		dup2(null, STDERR_FILENO);
	}
	if (op_ns(op)) {
		struct strbuf msg = { 0 };
		struct exec_req r = { .ns = op_ns(op),
				      .env = env,
				      .argv = op->argv };

		_exit(node_exec(&r, &msg));
	}
	for (size_t i = 0; env[i]; i += 2)
		setenv(env[i], env[i + 1], 1);
	execvp(op->argv[0], op->argv);
	_exit(errno == ENOENT ? 127 : 126);
}

/*
 * The gate's command, run once: killed (with what it started) if it has
 * not ended by @deadline.  Return: 1 if it exited 0, 0 if not (why in
 * @last), -errno if it could not be started.
 */
static int try_cmd(struct run *x, const struct op *op, double deadline,
		   char *last, size_t len)
{
	double pause = 0.001;
	pid_t pid, r;
	int st = 0;

	/* A host command runs in the host, not where the run was last. */
	if (!op_ns(op)) {
		int rc = run_enter(x, &x->host);

		if (rc)
			return rc;
	}
	pid = start_cmd(x, op);
	if (pid < 0)
		return -errno;
	setpgid(pid, pid); /* as the child does: whoever is first */
	while ((r = waitpid(pid, &st, WNOHANG)) == 0) {
		if (now_monotonic() >= deadline || asked_to_stop(x)) {
			kill(-pid, SIGKILL);
			kill(pid, SIGKILL);
			while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
				;
			/* What an earlier try ended with says more. */
			if (!*last)
				snprintf(last, len, "still running%s, killed",
					 asked_to_stop(x) ? "" : " at the end");
			return 0;
		}
		pause_until(pause, deadline);
		pause = pause * 2 > 0.05 ? 0.05 : pause * 2;
	}
	if (r < 0 && errno != EINTR)
		return -errno;
	if (WIFEXITED(st) && !WEXITSTATUS(st))
		return 1;
	if (WIFEXITED(st))
		snprintf(last, len, "exited with status %d%s", WEXITSTATUS(st),
			 WEXITSTATUS(st) == 127 ? " (not found)" : "");
	else
		snprintf(last, len, "killed by signal %d",
			 WIFSIGNALED(st) ? WTERMSIG(st) : 0);
	return 0;
}

static int try_file(const struct op *op, char *last, size_t len)
{
	struct stat s;

	if (!stat(op->gate.path, &s))
		return 1;
	snprintf(last, len, "%s", strerror(errno));
	return 0;
}

static int do_wait(struct run *x, struct op *op)
{
	double t0 = now_monotonic(), pause = PAUSE_FIRST;
	double deadline = t0 + op->gate.timeout_ms / 1000.0;
	struct strbuf what = { 0 };
	char last[160] = "";
	int rc;

	/* The way back of a failed edit checks nothing: it only restores. */
	if (x->undo || x->going_back)
		return 0;
	for (;;) {
		switch (op->gate.kind) {
		case GATE_TCP:
			rc = try_tcp(x, op, deadline, last, sizeof(last));
			break;
		case GATE_CMD:
			rc = try_cmd(x, op, deadline, last, sizeof(last));
			break;
		case GATE_FILE:
			rc = try_file(op, last, sizeof(last));
			break;
		default:
			rc = -EINVAL;
			break;
		}
		if (rc > 0)
			return 0;
		if (rc < 0)
			return run_fail(x, NULL, rc);
		if (asked_to_stop(x)) {
			snprintf(x->why, sizeof(x->why),
				 "interrupted by a signal");
			return -EINTR;
		}
		if (now_monotonic() >= deadline)
			break;
		pause_until(pause, deadline);
		pause = pause * 2 > PAUSE_MAX ? PAUSE_MAX : pause * 2;
	}
	gate_text(op, &what);
	snprintf(x->why, sizeof(x->why),
		 "node %s: wait item %u (%s): not open after %.1f s%s%s%s",
		 op->node ? op->node : "host", op->gate.item, what.buf,
		 now_monotonic() - t0, *last ? " (last try: " : "", last,
		 *last ? ")" : "");
	sb_free(&what);
	/* Not -ETIMEDOUT, which says a lab is up, only not ready yet. */
	return -ETIME;
}

static void wait_format(const struct op *op, struct strbuf *sb)
{
	uint32_t ms = op->gate.timeout_ms;

	sb_add(sb, "wait ");
	gate_text(op, sb);
	if (ms % 1000)
		sb_printf(sb, " timeout %ums", ms);
	else
		sb_printf(sb, " timeout %us", ms / 1000);
}

static void wait_json(const struct op *op, struct strbuf *sb)
{
	char a[INET6_ADDRSTRLEN];

	sb_printf(sb, ",\"gate\":\"%s\",\"item\":%u",
		  gate_kind_name(op->gate.kind), op->gate.item);
	if (op->gate.kind == GATE_TCP) {
		prefix_format(&op->gate.addr, false, a, sizeof(a));
		sb_json_kv(sb, "address", a);
		sb_printf(sb, ",\"port\":%u", op->gate.port);
	}
	if (op->gate.kind == GATE_CMD) {
		sb_add(sb, ",\"argv\":[");
		for (size_t i = 0; i < op->argc; i++) {
			if (i)
				sb_addc(sb, ',');
			sb_json_str(sb, op->argv[i]);
		}
		sb_addc(sb, ']');
	}
	if (op->gate.kind == GATE_FILE)
		sb_json_kv(sb, "path", op->gate.path);
	sb_printf(sb, ",\"timeout_ms\":%u", op->gate.timeout_ms);
}

static const enum op_field wait_fields[] = {
	OF_NODE, OF_NS,	  OF_GATE,    OF_GPORT, OF_GADDR,
	OF_ARGV, OF_PATH, OF_TIMEOUT, OF_ITEM,	OF__COUNT,
};

/* Nothing to undo or expect; no identity: checked at every apply. */
const struct op_desc wait_op = {
	.name = "wait",
	.run = do_wait,
	.format = wait_format,
	.json = wait_json,
	.fields = wait_fields,
};
