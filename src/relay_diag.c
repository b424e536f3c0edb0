// SPDX-License-Identifier: MIT
/*
 * relay_diag.c - does a relay listen where a forward says?  The sockets
 * bound to the forward's address in its namespace, asked of the kernel
 * (sock_diag, NETLINK_SOCK_DIAG, from a socket made in that namespace),
 * are matched by inode with the sockets the relay's /proc/PID/fd holds.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "relay.h"
#include "util.h"

#define TCP_LISTEN_STATE 10 /* TCP_LISTEN of the kernel's tcp_states.h */

struct inodes {
	unsigned long *v;
	size_t n, cap;
};

/* The inodes of the sockets process @pid holds. */
static int socket_inodes(pid_t pid, struct inodes *in)
{
	char path[64], link[64];
	struct dirent *e;
	DIR *d;

	snprintf(path, sizeof(path), "/proc/%d/fd", (int)pid);
	d = opendir(path);
	if (!d)
		return errno == ENOENT ? -ESRCH : -errno;
	while ((e = readdir(d))) {
		char fd_path[64 + 256];
		unsigned long ino;
		ssize_t n;

		if (e->d_name[0] == '.')
			continue;
		snprintf(fd_path, sizeof(fd_path), "%s/%s", path, e->d_name);
		n = readlink(fd_path, link, sizeof(link) - 1);
		if (n <= 0)
			continue;
		link[n] = '\0';
		if (sscanf(link, "socket:[%lu]", &ino) != 1)
			continue;
		if (in->n == in->cap) {
			in->cap = in->cap ? 2 * in->cap : 64;
			in->v = xrealloc(in->v, in->cap * sizeof(*in->v));
		}
		in->v[in->n++] = ino;
	}
	closedir(d);
	return 0;
}

static bool held(const struct inodes *in, unsigned long ino)
{
	for (size_t i = 0; i < in->n; i++)
		if (in->v[i] == ino)
			return true;
	return false;
}

/* A sock_diag socket made in namespace @ns_fd (-1: where we are). */
static int diag_socket(int ns_fd)
{
	int home = -1, fd, err = 0;

	if (ns_fd >= 0) {
		home = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
		if (home < 0)
			return -errno;
		if (setns(ns_fd, CLONE_NEWNET)) {
			err = -errno;
			close(home);
			return err;
		}
	}
	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);
	if (fd < 0)
		err = -errno;
	if (home >= 0) {
		if (setns(home, CLONE_NEWNET))
			abort(); /* the caller would go on in a node */
		close(home);
	}
	return err ? err : fd;
}

/* Is @m bound to @addr (address and port)? */
static bool bound_to(const struct inet_diag_msg *m, const union relay_sa *addr)
{
	if (addr->sa.sa_family == AF_INET6)
		return m->id.idiag_sport == addr->in6.sin6_port &&
		       !memcmp(m->id.idiag_src, &addr->in6.sin6_addr, 16);
	return m->id.idiag_sport == addr->in.sin_port &&
	       m->id.idiag_src[0] == addr->in.sin_addr.s_addr;
}

/* Dump the sockets of @proto and @addr's family on @fd: is one of them
 * bound to @addr and held by the relay (@in)? */
static int dump_find(int fd, enum relay_proto proto, const union relay_sa *addr,
		     const struct inodes *in)
{
	struct {
		struct nlmsghdr nlh;
		struct inet_diag_req_v2 r;
	} req = {
		.nlh = { .nlmsg_len = sizeof(req),
			 .nlmsg_type = SOCK_DIAG_BY_FAMILY,
			 .nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP },
		.r = { .sdiag_family = (uint8_t)addr->sa.sa_family,
		       .sdiag_protocol =
			       proto == RELAY_UDP ? IPPROTO_UDP : IPPROTO_TCP,
		       .idiag_states = proto == RELAY_UDP ?
					       ~0u :
					       1u << TCP_LISTEN_STATE },
	};
	long buf[8192 / sizeof(long)];
	int found = 0;

	if (send(fd, &req, sizeof(req), 0) < 0)
		return -errno;
	for (;;) {
		ssize_t n = recv(fd, buf, sizeof(buf), 0);
		struct nlmsghdr *h = (struct nlmsghdr *)buf;

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			return found;
		for (; NLMSG_OK(h, (size_t)n); h = NLMSG_NEXT(h, n)) {
			const struct inet_diag_msg *m = NLMSG_DATA(h);

			if (h->nlmsg_type == NLMSG_DONE)
				return found;
			if (h->nlmsg_type == NLMSG_ERROR) {
				const struct nlmsgerr *e = NLMSG_DATA(h);

				return e->error ? e->error : -EIO;
			}
			if (h->nlmsg_len >= NLMSG_LENGTH(sizeof(*m)) &&
			    bound_to(m, addr) && held(in, m->idiag_inode))
				found = 1;
		}
	}
}

int relay_listening(const struct relay_proc *rp, int ns_fd,
		    enum relay_proto proto, const union relay_sa *addr)
{
	struct inodes in = { 0 };
	int fd, rc;

	if (!relay_alive(rp))
		return -ESRCH;
	rc = socket_inodes(rp->pid, &in);
	if (rc) {
		free(in.v);
		return rc;
	}
	fd = diag_socket(ns_fd);
	if (fd < 0) {
		free(in.v);
		return fd;
	}
	rc = dump_find(fd, proto, addr, &in);
	close(fd);
	free(in.v);
	return rc;
}
