/* SPDX-License-Identifier: MIT */
#ifndef NSTOPO_NETNS_H
#define NSTOPO_NETNS_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "util.h"

/* Named network namespaces, pinned as `ip netns add` pins them. */

#define NETNS_RUN_DIR "/run/netns"

/**
 * netns_prepare() - make /run/netns exist and be a shared mount point,
 * so pins made here propagate to other mount namespaces (ip-netns(8))
 *
 * The directory is bound on itself the first time, as ip-netns does.
 * Return: 0 or -errno.
 */
int netns_prepare(void);

/**
 * netns_remove_run_dir() - remove /run/netns if it is empty: every mount
 * on it (netns_prepare()'s, stacked or not), then the directory
 *
 * Return: 0 if it is gone (or was not there), -ENOTEMPTY if a pin is
 * left in it, or -errno.
 */
int netns_remove_run_dir(void);

/**
 * netns_create() - create a namespace, pin it at /run/netns/NAME
 * @name:	namespace name
 * @fd:		an open fd of the new namespace, the caller's to close
 *
 * The calling thread is left inside the new namespace, so the caller can
 * open sockets and write sysctls there before moving on.  The pin is
 * made with O_EXCL: an existing one is never reused.
 * Return: 0 or -errno (-EEXIST if the name is taken); on failure the
 * thread is back where it was.
 */
int netns_create(const char *name, int *fd);

/**
 * netns_pin() - pin namespace @fd (made elsewhere: nspool.h) at
 * /run/netns/NAME
 *
 * The pin is made with O_EXCL, as by netns_create(), which pins the
 * namespaces it makes with it; the thread stays where it is and the fd
 * stays the caller's.
 * Return: 0 or -errno; on failure no pin is left.
 */
int netns_pin(const char *name, int fd);

/**
 * netns_open() - open the pin of namespace @name
 *
 * Return: an fd of the namespace (the caller's to close), or -errno
 * (-ENOENT: no such pin).
 */
int netns_open(const char *name);

/**
 * netns_enter() - move the calling thread into the namespace of @fd
 *
 * Return: 0 or -errno.
 */
int netns_enter(int fd);

/**
 * netns_delete() - unpin a namespace (lazy unmount + unlink)
 *
 * A pin that is not mounted (left half-made) is unlinked all the same.
 * The namespace lives on while a process is in it.
 * Return: 0, -ENOENT if it was not there, or -errno.
 */
int netns_delete(const char *name);

/**
 * netns_exists() - is there a pin /run/netns/@name?
 *
 * Return: true if the file exists (mounted or not).
 */
bool netns_exists(const char *name);

/**
 * netns_path() - the pin's path, /run/netns/@name
 * @buf, @len:	the output (cut short if it does not fit)
 */
void netns_path(const char *name, char *buf, size_t len);

/**
 * netns_inode() - the inode of a namespace fd, to tell namespaces apart
 *
 * Return: the inode, or 0 if @fd cannot be looked at.
 */
ino_t netns_inode(int fd);

/**
 * netns_pin_inode() - the inode of the namespace pinned as @name
 *
 * Comparable with netns_inode() and with the ns/net links of /proc (but
 * a pin left unmounted gives its empty file's inode).
 * Return: the inode, or 0 if there is no such pin.
 */
ino_t netns_pin_inode(const char *name);

/**
 * sysctl_write() - write a sysctl of the namespace the thread is in
 * @key:	dotted, as sysctl(8) writes it: a '/' in the key is a '.'
 *		within a name
 * @value:	the text written
 *
 * Return: 0, -EIO if the kernel took only part of @value, or -errno.
 */
int sysctl_write(const char *key, const char *value);

/**
 * sysctl_read_whole() - a key's value, all of it, as the kernel gives it
 * (only its last newline taken away), in the thread's namespace
 * @out:	the value (emptied first)
 *
 * Return: 0 or -errno.
 */
int sysctl_read_whole(const char *key, struct strbuf *out);

/**
 * sysctl_conf_names() - the directories of /proc/sys/net/FAMILY/conf but
 * "all": "default" and every interface's, as the directories are named
 * (sysctl_if_key() makes a key of one)
 * @family:	"ipv4" or "ipv6"
 * @names:	the names (malloc'd, as is the array)
 *
 * Return: how many.
 */
size_t sysctl_conf_names(const char *family, char ***names);

/*
 * Handles on the directories /proc/sys/net/X (ipv4, ipv6...) of the
 * thread's namespace, for reading many keys of one namespace.
 *
 * Every namespace has its own /proc/sys/net/ipv6, and the kernel keeps
 * all of them on one dcache hash chain, so looking one up costs about a
 * compare per namespace on the machine (0.7 ms with 4000 of them); through
 * a handle, a key skips that part.  Which namespace a handle shows is
 * not a promise of the kernel's to rely on (the one it was opened in, or
 * the reader's), so a set is for use only while the thread stays where
 * it was first used.  Zero-initialise; close with sysctl_dirs_close().
 */
struct sysctl_dirs {
	struct {
		char name[16];
		int fd;
	} d[4];
	size_t n;
};

/**
 * sysctl_read_in() - read a key as sysctl_write() writes it, through @c's
 * handles (opened as needed)
 * @c:		the handles, or NULL: none
 * @key:	dotted, as for sysctl_write()
 * @buf, @len:	the value: its first line, tabs turned into spaces (as
 *		keys are written), cut to @len - 1 bytes; "" on failure
 *
 * Return: 0 or -errno (-ENOENT: no such key).
 */
int sysctl_read_in(struct sysctl_dirs *c, const char *key, char *buf,
		   size_t len);

/**
 * sysctl_write_in() - sysctl_write() through @c's handles (opened as
 * needed)
 * @c:		the handles, or NULL: none
 *
 * Return: 0, -EIO if the kernel took only part of @value, or -errno.
 */
int sysctl_write_in(struct sysctl_dirs *c, const char *key, const char *value);

/**
 * sysctl_dirs_close() - close every handle of @c (not NULL); it may be
 * used again
 */
void sysctl_dirs_close(struct sysctl_dirs *c);

/*
 * A procfs of the calling thread's own, for /proc/sys lookups across many
 * namespaces.
 *
 * A procfs instance keeps every namespace's /proc/sys/net/ipv6 (and ipv4,
 * core...) on one dcache hash chain, and a lookup walks it comparing each
 * entry under a spinlock: 0.2 ms for a new namespace among 1000, 0.5 ms
 * among 2000.  An instance of the thread's own, replaced after every
 * PROC_RENEW namespaces, keeps the chains short.  proc_private() gives the
 * thread a mount namespace of its own (CLONE_FS | CLONE_NEWNS, every
 * mount private) and mounts a fresh procfs on its /proc, so nothing is
 * mounted where another process sees it; the thread must not make
 * mounts meant for others (pins) afterwards.  On failure the thread's
 * /proc is what it was, and only slower.
 */
#define PROC_RENEW 256

struct private_proc {
	bool on;       /* our procfs is on /proc */
	unsigned uses; /* namespaces looked at through it */
};

/**
 * proc_private() - a mount namespace and a procfs of the thread's own
 * @pp:		its state, set up here (pp->on once the procfs is mounted)
 *
 * Unshares CLONE_FS | CLONE_NEWNS (for good: the thread never goes back
 * to the mounts it shared) and mounts a fresh procfs on /proc.
 * Return: 0, or -errno; then pp->on is false and /proc is what it was
 * (the thread may already have a mount namespace of its own).
 */
int proc_private(struct private_proc *pp);

/**
 * proc_private_next() - say a namespace more is about to be looked at;
 * renew the procfs when it is due (every PROC_RENEW)
 * @pp:		as proc_private() left it; nothing happens if pp->on is
 *		false
 *
 * If the renewal fails, /proc is the one under ours, and it is not
 * renewed again.
 */
void proc_private_next(struct private_proc *pp);

/* A process and the network namespace it is in. */
struct ns_user {
	ino_t ino;
	pid_t pid;
	char comm[16];
};

/**
 * netns_users() - every process in another network namespace than the
 * caller's (one /proc scan)
 * @out:	the processes (malloc'd, the caller's to free), or NULL if
 *		none
 *
 * "The caller's" is the namespace of /proc/self: the process's main
 * thread's, whichever namespace the calling thread is in.
 * Return: how many.
 */
size_t netns_users(struct ns_user **out);

/**
 * proc_running() - does process @pid run (exist, and not as a zombie)?
 * Return: true if so.
 */
bool proc_running(pid_t pid);

/**
 * proc_start_time() - when process @pid started: field 22 of
 * /proc/PID/stat, in clock ticks after boot; with the pid, it names one
 * process, whatever pid reuse does
 * @start:	the time (0 on failure)
 *
 * Return: 0, or -errno (-ENOENT: no such process).
 */
int proc_start_time(pid_t pid, unsigned long long *start);

/**
 * proc_alive() - does the process @pid that started at @start still run?
 * Return: false if it is gone, a zombie, or another process has its pid.
 */
bool proc_alive(pid_t pid, unsigned long long start);

/**
 * proc_comm() - the command name of process @pid (/proc/PID/comm)
 * @buf, @len:	the name ("" if the process is gone)
 */
void proc_comm(pid_t pid, char *buf, size_t len);

/**
 * netns_marked() - whether a namespace whose lo has alias @alias is the
 * lab's, by its mark
 * @alias:	lo's alias ("" if none)
 * @mark:	the lab's mark
 * @unmarked:	whether no alias counts as the lab's (a journal of a build before
 *		marks, or of a run that did not finish)
 *
 * Return: true if it is.
 */
bool netns_marked(const char *alias, const char *mark, bool unmarked);

#endif
