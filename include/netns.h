/* SPDX-License-Identifier: MIT */
#ifndef NSTOPO_NETNS_H
#define NSTOPO_NETNS_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "util.h"

/* Named network namespaces, pinned as `ip netns add` pins them. */

#define NETNS_RUN_DIR "/run/netns"

/*
 * netns_prepare() - make /run/netns exist and be a shared mount point,
 * so pins made here propagate to other mount namespaces (ip-netns(8)).
 */
int netns_prepare(void);
/* Remove /run/netns (mount and directory) if it is empty; 0 if removed. */
int netns_remove_run_dir(void);

/*
 * netns_create() - create a namespace, pin it at /run/netns/NAME
 * @name:	namespace name
 * @fd:		an open fd of the new namespace
 *
 * The calling thread is left inside the new namespace, so the caller can
 * open sockets and write sysctls there before moving on.  The pin is
 * made with O_EXCL: an existing one is never reused.
 * Return: 0 or -errno (-EEXIST if the name is taken); on failure the
 * thread is back where it was.
 */
int netns_create(const char *name, int *fd);
int netns_open(const char *name);
int netns_enter(int fd);
/* Unpin (lazy unmount + unlink); -ENOENT if it was not there. */
int netns_delete(const char *name);
bool netns_exists(const char *name);
void netns_path(const char *name, char *buf, size_t len);
/* The inode of a namespace fd, to tell namespaces apart. */
ino_t netns_inode(int fd);
ino_t netns_pin_inode(const char *name);

/*
 * Sysctls of the namespace the thread is in, by dotted key (sysctl(8):
 * a '/' in the key is a '.' within a name).  0 or -errno.
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
/* Read or write a key as sysctl_write() does, through @c's handles
 * (opened as needed); @c may be NULL. */
int sysctl_read_in(struct sysctl_dirs *c, const char *key, char *buf,
		   size_t len);
int sysctl_write_in(struct sysctl_dirs *c, const char *key, const char *value);
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

int proc_private(struct private_proc *pp);
/* Say a namespace more is about to be looked at; renew when it is due. */
void proc_private_next(struct private_proc *pp);

/* A process and the network namespace it is in. */
struct ns_user {
	ino_t ino;
	pid_t pid;
	char comm[16];
};

/* Every process outside the caller's network namespace (one /proc scan). */
size_t netns_users(struct ns_user **out);
/* SIGTERM, up to @grace_ms to exit, then SIGKILL. */
void terminate(const pid_t *pids, size_t n, int grace_ms);

#endif
