/* SPDX-License-Identifier: MIT */
#ifndef NSTOPO_CGROUP_H
#define NSTOPO_CGROUP_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/*
 * A lab's control group: every process the lab starts (exec:, the command
 * of run) is put in it before it execs, and stays there whatever it does
 * (forks, double-forks, setsid, unshare -n), so destroy finds them all.
 *
 * Where: a cgroup2 hierarchy when one is mounted and writable (the
 * machine's /sys/fs/cgroup, or /sys/fs/cgroup/unified on a hybrid one),
 * at nstopo/LAB.ID below its root; else a v1 hierarchy of nstopo's own,
 * with no controller (mount -t cgroup -o none,name=nstopo), mounted at
 * CG_V1_DIR, at LAB.ID below its root.  ID is random: labs of one name in
 * two sandboxes that share the machine's cgroupfs (their /run apart) never
 * share a group.  The journal records which (state_cgroup()).  Below it,
 * one group per node (ns-NS, "host" for the host node's commands), and
 * in it one per start-up command (exec-HASH, cg_exec_name()), so that an
 * edit that drops a command stops what that command started and nothing
 * else; and one for run's command ("run").  No controller is enabled anywhere: the
 * groups only hold processes.
 */

#define CG_V1_DIR "/run/nstopo/.cgroup"
#define CG_PATH_MAX 96
#define CG_SUB_MAX 160 /* a sub-group's name: cg_node_name(), cg_exec_name() */

struct lab_cg {
	int version;		/* 2, 1, or 0: none */
	char path[CG_PATH_MAX]; /* below the hierarchy's root */
};

/**
 * cg_choose() - a new group for lab @lab: which hierarchy, which name
 * @lab:	the lab's name
 * @cg:		filled; the group is not made yet (cg_make())
 *
 * $NSTOPO_CGROUP may say "v2", "v1" or "none" (a testing aid); else a
 * cgroup2 hierarchy is taken if there is a writable one, else nstopo's v1
 * hierarchy is mounted at CG_V1_DIR (if it is not).
 * Return: 0; -ENOTSUP if no hierarchy can be had (cg->version is 0), or
 * -errno.
 */
int cg_choose(const char *lab, struct lab_cg *cg);

/**
 * cg_make() - make @cg's directory (and its parents)
 *
 * Return: 0 (also if it exists) or -errno.
 */
int cg_make(const struct lab_cg *cg);

/**
 * cg_procs_open() - open the cgroup.procs file of @cg's sub-group @sub,
 * made if needed, for a child to join it with cg_enter()
 * @sub:	"ns-NS", "host", "run" (see cg_node_name())
 *
 * Through the open file the child joins even if the hierarchy is
 * unmounted meanwhile (another lab's destroy, on v1).
 * Return: the fd (O_CLOEXEC: it goes at exec), or -errno.
 */
int cg_procs_open(const struct lab_cg *cg, const char *sub);

/**
 * cg_enter() - move the calling process into the group of @procs_fd
 * (cg_procs_open()); async-signal-safe, for a child between fork and exec
 *
 * Return: 0 or -errno.
 */
int cg_enter(int procs_fd);

/**
 * cg_node_name() - the sub-group of a node's start-up commands
 * @ns:		the node's namespace, or NULL for the host node
 * @buf, @len:	"ns-NS", or "host"
 */
void cg_node_name(const char *ns, char *buf, size_t len);

/**
 * cg_exec_name() - the sub-group of one start-up command: "NODE/exec-HASH"
 * @ns:		the node's namespace, or NULL for the host node
 * @argv:	the command (NULL-terminated); HASH is a hash of it, so one
 *		command keeps its group across edits of the others
 * @buf, @len:	the name (CG_SUB_MAX bytes)
 */
void cg_exec_name(const char *ns, char *const *argv, char *buf, size_t len);

/**
 * cg_has_own() - are there processes in @cg's sub-group @sub itself (not
 * in groups below it)?  Start-up commands of an earlier build joined
 * their node's group itself.
 * Return: true if so.
 */
bool cg_has_own(const struct lab_cg *cg, const char *sub);

/**
 * cg_pids() - every process in @cg's sub-group @sub (NULL: the whole
 * group), its sub-groups included
 * @out:	the pids (malloc'd, the caller's to free), or NULL if none
 *
 * Return: how many; 0 also if the group is not there.
 */
size_t cg_pids(const struct lab_cg *cg, const char *sub, pid_t **out);

/**
 * cg_kill() - SIGKILL every process of @cg's sub-group @sub (NULL: all),
 * with cgroup.kill where the kernel has it (5.14), which no fork escapes;
 * else each pid its cgroup.procs lists, until none is left (at most 2 s)
 * @spare:	a process not to kill (the caller), or 0; with one, or with
 *		no cgroup.kill, each pid is killed on its own
 *
 * Return: 0, -EBUSY if some process is still there, or -errno.
 */
int cg_kill(const struct lab_cg *cg, const char *sub, pid_t spare);

/**
 * cg_holds() - is process @pid in @cg (any of its sub-groups)?
 * Return: true if /proc/PID/cgroup says so.
 */
bool cg_holds(const struct lab_cg *cg, pid_t pid);

/**
 * cg_release() - move every process of @cg elsewhere: into the group of
 * the calling process (on v1, the hierarchy's root), so that @cg can go
 * while they run on
 *
 * Return: 0, or the first -errno (what could not move stays).
 */
int cg_release(const struct lab_cg *cg);

/**
 * cg_remove() - remove @cg's sub-group @sub (NULL: the whole group, its
 * sub-groups first; then nstopo/ if it is empty; on v1, the hierarchy is
 * unmounted from CG_V1_DIR, for whoever needs it next to mount again)
 *
 * A group of exiting processes may take a moment to empty: up to 2 s.
 * Return: 0 (also if it was not there), -EBUSY if processes are left in
 * it, or -errno.
 */
int cg_remove(const struct lab_cg *cg, const char *sub);

/**
 * cg_describe() - where @cg is, for messages: its absolute path
 * @buf, @len:	the path ("" if the hierarchy cannot be found)
 */
void cg_describe(const struct lab_cg *cg, char *buf, size_t len);

#endif
