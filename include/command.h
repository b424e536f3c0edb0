/* SPDX-License-Identifier: MIT */
#ifndef NSTOPO_COMMAND_H
#define NSTOPO_COMMAND_H

#include <signal.h>

/*
 * The command of `nstopo run`, and what a signal to nstopo does to it.
 *
 * The command runs in a process group of its own, and, when nstopo has
 * the terminal (its standard input is one and nstopo's group is in its
 * foreground), that group has the terminal while the command runs: the
 * terminal's ^C, ^\ and ^Z go to the command alone, and it may read the
 * terminal.  When ^Z stops it, nstopo stops too (its shell sees the job
 * stop); when continued, it gives the terminal back to the command and
 * continues it.
 *
 * SIGINT, SIGTERM or SIGHUP sent to nstopo while the command runs: the
 * first is passed on, the same signal, to the command's whole process
 * group; any later one sends SIGKILL to that group.  Either way nstopo
 * waits for the command to end.
 */

/**
 * command_run() - run @argv (searched in PATH) and wait for it to end
 * @argv:	the command
 * @cg_fd:	a cgroup.procs to join before exec (cg_procs_open()), or -1
 * @seen:	how many SIGINT, SIGTERM and SIGHUP nstopo's handlers have
 *		counted: if any, the command is not started
 *
 * SIGINT, SIGTERM and SIGHUP are blocked and handled here while the
 * command runs (passed on as said above), not by nstopo's handlers; they
 * are counted in @seen, and those pending when it ends are delivered to
 * the handlers as it returns.
 * Return: how it ended, as a shell says it: its exit status, 128 + N if
 * signal N killed it, 127 if it was not found, 126 if it could not be
 * run, 125 if it was not started (a signal, fork failed, the control
 * group could not be joined).
 */
int command_run(char **argv, int cg_fd, volatile sig_atomic_t *seen);

#endif
