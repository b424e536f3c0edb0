// SPDX-License-Identifier: MIT
/*
 * command.c - the command of `nstopo run`: its process group, the
 * terminal, and the signals nstopo passes on to it (see command.h).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cgroup.h"
#include "command.h"

/* Give the terminal on stdin to @pgrp (from the background: SIGTTOU
 * would stop us). */
static void terminal_to(pid_t pgrp)
{
	sigset_t ttou, old;

	sigemptyset(&ttou);
	sigaddset(&ttou, SIGTTOU);
	sigprocmask(SIG_BLOCK, &ttou, &old);
	tcsetpgrp(STDIN_FILENO, pgrp);
	sigprocmask(SIG_SETMASK, &old, NULL);
}

static int exit_status(int st)
{
	if (WIFEXITED(st))
		return WEXITSTATUS(st);
	if (WIFSIGNALED(st))
		return 128 + WTERMSIG(st);
	return 125;
}

static void child(char **argv, int cg_fd, bool tty, const sigset_t *old)
{
	int rc;

	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	signal(SIGHUP, SIG_DFL);
	signal(SIGQUIT, SIG_DFL);
	setpgid(0, 0);
	if (tty)
		terminal_to(getpid());
	sigprocmask(SIG_SETMASK, old, NULL);
	if (cg_fd >= 0 && (rc = cg_enter(cg_fd))) {
		fprintf(stderr,
			"nstopo run: cannot join the lab's control group: %s\n",
			strerror(-rc));
		_exit(125);
	}
	execvp(argv[0], argv);
	rc = errno;
	fprintf(stderr, "nstopo run: cannot run %s: %s\n", argv[0],
		strerror(rc));
	_exit(rc == ENOENT ? 127 : 126);
}

/* The command stopped (^Z): so do we, and it goes on when we do. */
static void stopped(pid_t pid)
{
	terminal_to(getpgrp());
	raise(SIGTSTP);
	terminal_to(pid);
	kill(-pid, SIGCONT);
}

int command_run(char **argv, int cg_fd, volatile sig_atomic_t *seen)
{
	sigset_t set, old;
	int forwarded = 0, status = 125, st;
	bool tty;
	pid_t pid;

	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGCHLD);
	sigprocmask(SIG_BLOCK, &set, &old);
	/* Inherited as ignored, it would reap the command for us. */
	signal(SIGCHLD, SIG_DFL);
	if (*seen) {
		sigprocmask(SIG_SETMASK, &old, NULL);
		return 125;
	}
	tty = isatty(STDIN_FILENO) && tcgetpgrp(STDIN_FILENO) == getpgrp();
	fflush(NULL);
	pid = fork();
	if (pid == 0)
		child(argv, cg_fd, tty, &old);
	if (pid < 0) {
		fprintf(stderr, "nstopo run: cannot start %s: %s\n", argv[0],
			strerror(errno));
		sigprocmask(SIG_SETMASK, &old, NULL);
		return 125;
	}
	/* As the child does, whoever is first. */
	setpgid(pid, pid);
	if (tty)
		terminal_to(pid);
	for (;;) {
		siginfo_t si;
		int sig = sigwaitinfo(&set, &si);
		pid_t r;

		if (sig == SIGCHLD) {
			r = waitpid(pid, &st, WNOHANG | (tty ? WUNTRACED : 0));
			if (r == pid && WIFSTOPPED(st)) {
				stopped(pid);
				continue;
			}
			if (r == pid || (r < 0 && errno == ECHILD)) {
				status = r == pid ? exit_status(st) : 125;
				break;
			}
			continue;
		}
		if (sig <= 0)
			continue;
		(*seen)++;
		/* The first is passed on; any later one kills. */
		kill(-pid, forwarded++ ? SIGKILL : sig);
	}
	if (tty)
		terminal_to(getpgrp());
	sigprocmask(SIG_SETMASK, &old, NULL);
	return status;
}
