// SPDX-License-Identifier: MIT
/*
 * relay_sock.c - what the relay's loop (relay.c) and its UDP flows
 * (relay_udp.c) both stand on: its log, addresses as text, the epoll set,
 * and sockets made in another namespace.
 */
#include <errno.h>
#include <sched.h>
#include <string.h>
#include <sys/epoll.h>
#include <time.h>
#include <unistd.h>

#include "relay_loop.h"

void relay_log(struct relay *r, const char *fmt, ...)
{
	char line[1024];
	struct timespec ts;
	struct tm tm;
	size_t n;
	va_list ap;

	if (r->log_fd < 0)
		return;
	clock_gettime(CLOCK_REALTIME, &ts);
	localtime_r(&ts.tv_sec, &tm);
	n = strftime(line, sizeof(line), "%Y-%m-%dT%H:%M:%S", &tm);
	n += (size_t)snprintf(line + n, sizeof(line) - n, ".%03ld",
			      ts.tv_nsec / 1000000);
	n += strftime(line + n, sizeof(line) - n, "%z ", &tm);
	va_start(ap, fmt);
	vsnprintf(line + n, sizeof(line) - n - 1, fmt, ap);
	va_end(ap);
	n = strlen(line);
	line[n++] = '\n';
	/* One write per line: lines of several relays do not interleave. */
	if (write(r->log_fd, line, n) < 0)
		return;
}

char *sa_text(const union relay_sa *a, char *buf, size_t len)
{
	struct relay_endpoint ep = { .addr = *a };

	return relay_endpoint_format(&ep, buf, len);
}

socklen_t sa_len(const union relay_sa *a)
{
	return a->sa.sa_family == AF_INET6 ? sizeof(a->in6) : sizeof(a->in);
}

int sock_update(struct relay *r, struct sock *s, uint32_t mask, bool keep)
{
	struct epoll_event ev = { .events = mask, .data.ptr = s };
	int op;

	/*
	 * Out of the set when nothing is asked and nothing is to be
	 * learnt: EPOLLHUP is reported whatever the mask, and would spin.
	 */
	if (!mask && !keep) {
		if (s->in_set && epoll_ctl(r->ep, EPOLL_CTL_DEL, s->fd, NULL))
			return -errno;
		s->in_set = false;
		s->mask = 0;
		return 0;
	}
	if (s->in_set && s->mask == mask)
		return 0;
	op = s->in_set ? EPOLL_CTL_MOD : EPOLL_CTL_ADD;
	if (epoll_ctl(r->ep, op, s->fd, &ev))
		return -errno;
	s->in_set = true;
	s->mask = mask;
	return 0;
}

static int in_namespace(struct relay *r, int ns, int (*fn)(void *), void *arg)
{
	int ret;

	if (ns < 0)
		return fn(arg);
	if (setns(ns, CLONE_NEWNET))
		return -errno;
	ret = fn(arg);
	/* Staying in the target's namespace would make every later
	 * listener-side socket there: nothing is safe after that. */
	if (setns(r->home, CLONE_NEWNET))
		abort();
	return ret;
}

struct new_socket {
	int family, type, fd;
};

static int make_socket(void *arg)
{
	struct new_socket *ns = arg;

	ns->fd = socket(ns->family, ns->type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	return ns->fd < 0 ? -errno : 0;
}

/* A socket made in @nsfd (-1: here). */
int socket_in(struct relay *r, int nsfd, int family, int type)
{
	struct new_socket ns = { family, type, -1 };
	int err = in_namespace(r, nsfd, make_socket, &ns);

	return err ? err : ns.fd;
}
