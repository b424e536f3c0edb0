// SPDX-License-Identifier: MIT
/*
 * relay_proc.c - a relay set up and taken down: its listening sockets,
 * made in their namespaces; its detached process, started, found again
 * by pid and start time, and stopped.
 *
 * A pid alone may name another process once the relay is gone, so a
 * relay is known by its pid and its start time (/proc/PID/stat field
 * 22), and signalled through a pidfd opened before the start time is
 * checked: the pidfd pins the process the check saw.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "relay.h"
#include "util.h"

#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434
#endif
#ifndef SYS_pidfd_send_signal
#define SYS_pidfd_send_signal 424
#endif

#define LISTEN_BACKLOG 1024
#define RELAY_COMM "nstopo-relay" /* its name in ps(1) and relay_find() */

static int fail(char *err, size_t errlen, int e, const char *fmt, ...)
	PRINTF(4, 5);

static int fail(char *err, size_t errlen, int e, const char *fmt, ...)
{
	va_list ap;
	size_t n;

	if (errlen) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
		n = strlen(err);
		snprintf(err + n, errlen - n, ": %s", strerror(e));
	}
	return -e;
}

/* A bound (and, for TCP, listening) socket of @fw, made where we are. */
static int listen_here(const struct relay_forward *fw)
{
	const union relay_sa *a = &fw->listen.addr;
	int type = fw->proto == RELAY_UDP ? SOCK_DGRAM : SOCK_STREAM;
	int fd, one = 1, err;
	socklen_t len;

	fd = socket(a->sa.sa_family, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (a->sa.sa_family == AF_INET6) {
		len = sizeof(a->in6);
		if (setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one,
			       sizeof(one)))
			goto fail;
		if (type == SOCK_DGRAM &&
		    setsockopt(fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, &one,
			       sizeof(one)))
			goto fail;
	} else {
		len = sizeof(a->in);
		if (type == SOCK_DGRAM &&
		    setsockopt(fd, IPPROTO_IP, IP_PKTINFO, &one, sizeof(one)))
			goto fail;
	}
	/* A relay restarted while its old connections are in TIME_WAIT. */
	if (type == SOCK_STREAM &&
	    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)))
		goto fail;
	if (bind(fd, &a->sa, len))
		goto fail;
	if (type == SOCK_STREAM && listen(fd, LISTEN_BACKLOG))
		goto fail;
	return fd;
fail:
	err = -errno;
	close(fd);
	return err;
}

void relay_set_free(struct relay_set *set)
{
	if (!set)
		return;
	for (size_t i = 0; i < set->n; i++) {
		if (set->fd && set->fd[i] >= 0)
			close(set->fd[i]);
		if (set->fw && set->fw[i].listen_ns >= 0)
			close(set->fw[i].listen_ns);
		if (set->fw && set->fw[i].to_ns >= 0)
			close(set->fw[i].to_ns);
	}
	free(set->fw);
	free(set->fd);
	memset(set, 0, sizeof(*set));
}

int relay_listen(const struct relay_forward *fw, size_t n,
		 struct relay_set *set, char *err, size_t errlen)
{
	char a[RELAY_ENDPOINT_TEXT_MAX];
	int home, e = 0;
	size_t i;

	memset(set, 0, sizeof(*set));
	home = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	if (home < 0)
		return fail(err, errlen, errno, "relay: own namespace");
	set->fw = xcalloc(n ? n : 1, sizeof(*set->fw));
	set->fd = xcalloc(n ? n : 1, sizeof(*set->fd));
	for (i = 0; i < n; i++) {
		set->fw[i] = fw[i];
		set->fw[i].listen_ns = set->fw[i].to_ns = -1;
		set->fd[i] = -1;
	}
	set->n = n;
	for (i = 0; i < n && !e; i++) {
		struct relay_forward *f = &set->fw[i];
		const char *what =
			relay_endpoint_format(&f->listen, a, sizeof(a));

		if (fw[i].listen_ns >= 0) {
			f->listen_ns =
				fcntl(fw[i].listen_ns, F_DUPFD_CLOEXEC, 3);
			if (f->listen_ns < 0) {
				e = fail(err, errlen, errno, "%s", what);
				break;
			}
		}
		if (fw[i].to_ns >= 0) {
			f->to_ns = fcntl(fw[i].to_ns, F_DUPFD_CLOEXEC, 3);
			if (f->to_ns < 0) {
				e = fail(err, errlen, errno, "%s", what);
				break;
			}
		}
		if (f->listen_ns >= 0 && setns(f->listen_ns, CLONE_NEWNET)) {
			e = fail(err, errlen, errno, "%s: cannot enter %s",
				 what,
				 f->listen.node[0] ? f->listen.node :
						     "its namespace");
			break;
		}
		set->fd[i] = listen_here(f);
		if (f->listen_ns >= 0 && setns(home, CLONE_NEWNET))
			abort(); /* the caller would go on in a node */
		if (set->fd[i] < 0)
			e = fail(err, errlen, -set->fd[i], "%s %s",
				 relay_proto_name(f->proto), what);
	}
	close(home);
	if (e)
		relay_set_free(set);
	return e;
}

int relay_proc_start_time(pid_t pid, uint64_t *start)
{
	char path[64], buf[1024], *p;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? -ESRCH : -errno;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return n < 0 ? -errno : -ESRCH;
	buf[n] = '\0';
	/* comm may hold spaces and ')': the fields start after the last
	 * ')', with field 3 (state). */
	p = strrchr(buf, ')');
	if (!p)
		return -EIO;
	p++; /* the space before field 3 */
	for (int field = 3; field < 22; field++) {
		p = strchr(p + 1, ' ');
		if (!p)
			return -EIO;
	}
	*start = strtoull(p + 1, NULL, 10);
	return 0;
}

static char proc_state(pid_t pid)
{
	char path[64], buf[512], *p;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	p = strrchr(buf, ')');
	return p && p[1] == ' ' ? p[2] : 0;
}

/*
 * Does the process @pid have @comm and fd 1 on @log_path (@log: its
 * stat, if it exists)?  The same path in another mount namespace (a
 * sandbox with a /run of its own) is another file: while the log exists,
 * the file fd 1 is must be it, not only its name.
 */
static bool is_relay_of(const char *pid, const char *log_path,
			const struct stat *log)
{
	char path[64], buf[4096 + 16];
	size_t len = strlen(log_path);
	struct stat fd1;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%s/comm", pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0 || (size_t)n != strlen(RELAY_COMM) + 1 ||
	    memcmp(buf, RELAY_COMM "\n", (size_t)n))
		return false;
	snprintf(path, sizeof(path), "/proc/%s/fd/1", pid);
	if (log)
		return !stat(path, &fd1) && fd1.st_dev == log->st_dev &&
		       fd1.st_ino == log->st_ino;
	n = readlink(path, buf, sizeof(buf) - 1);
	if (n < 0)
		return false;
	buf[n] = '\0';
	return !strncmp(buf, log_path, len) &&
	       (!buf[len] || !strcmp(buf + len, " (deleted)"));
}

int relay_find(const char *log_path, struct relay_proc *rp, size_t max)
{
	DIR *d = opendir("/proc");
	struct stat log;
	bool have_log = !stat(log_path, &log);
	struct dirent *e;
	int found = 0;

	if (!d)
		return -errno;
	while ((e = readdir(d))) {
		struct relay_proc p;

		if (e->d_name[0] < '1' || e->d_name[0] > '9' ||
		    !is_relay_of(e->d_name, log_path, have_log ? &log : NULL))
			continue;
		p.pid = (pid_t)atoi(e->d_name);
		if (relay_proc_start_time(p.pid, &p.start) || !relay_alive(&p))
			continue;
		if ((size_t)found < max)
			rp[found] = p;
		found++;
	}
	closedir(d);
	return found;
}

bool relay_alive(const struct relay_proc *rp)
{
	uint64_t st;
	char s;

	if (rp->pid <= 0 || relay_proc_start_time(rp->pid, &st) ||
	    st != rp->start)
		return false;
	s = proc_state(rp->pid);
	return s && s != 'Z' && s != 'X';
}

/* Wait up to @ms for the process of @pidfd to exit; true if it did. */
static bool wait_exit(int pidfd, int ms)
{
	struct pollfd p = { .fd = pidfd, .events = POLLIN };
	int n;

	do
		n = poll(&p, 1, ms);
	while (n < 0 && errno == EINTR);
	return n > 0;
}

/* Until @rp is gone, at most @ms; true if it is. */
static bool gone_within(const struct relay_proc *rp, int ms)
{
	for (int waited = 0;; waited += 10) {
		if (!relay_alive(rp))
			return true;
		if (waited >= ms)
			return false;
		nanosleep(&(struct timespec){ .tv_nsec = 10 * 1000000 }, NULL);
	}
}

/*
 * Without pidfds (Linux before 5.3; valgrind 3.19 does not know them
 * either): the start time is checked right before each signal, so only
 * a pid reused in that instant could be hit.
 */
static int stop_by_pid(const struct relay_proc *rp, int grace_ms)
{
	if (!relay_alive(rp))
		return -ESRCH;
	if (kill(rp->pid, SIGTERM))
		return errno == ESRCH ? 0 : -errno;
	if (gone_within(rp, grace_ms))
		return 0;
	if (kill(rp->pid, SIGKILL))
		return errno == ESRCH ? 0 : -errno;
	return gone_within(rp, 5000) ? 0 : -ETIMEDOUT;
}

int relay_stop(const struct relay_proc *rp, int grace_ms)
{
	int pidfd, err = 0;

	if (rp->pid <= 0)
		return -ESRCH;
	pidfd = (int)syscall(SYS_pidfd_open, rp->pid, 0);
	if (pidfd < 0 && errno == ENOSYS)
		return stop_by_pid(rp, grace_ms);
	if (pidfd < 0)
		return -errno;
	/* Checked after the pidfd is open: it names this very process. */
	if (!relay_alive(rp)) {
		close(pidfd);
		return -ESRCH;
	}
	if (syscall(SYS_pidfd_send_signal, pidfd, SIGTERM, NULL, 0))
		err = -errno;
	if (!err && !wait_exit(pidfd, grace_ms)) {
		if (syscall(SYS_pidfd_send_signal, pidfd, SIGKILL, NULL, 0))
			err = -errno;
		else if (!wait_exit(pidfd, 5000))
			err = -ETIMEDOUT;
	}
	close(pidfd);
	return err == -ESRCH ? 0 : err; /* it exited on its own meanwhile */
}

static int cmp_int(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;

	return (x > y) - (x < y);
}

/* Close every fd but 0-2 and the @n in @keep. */
static void close_all_but(int *keep, size_t n)
{
	int from = 3;

	qsort(keep, n, sizeof(*keep), cmp_int);
	for (size_t i = 0; i < n; i++) {
		if (keep[i] < from)
			continue;
		if (keep[i] > from)
			syscall(SYS_close_range, from, keep[i] - 1, 0);
		from = keep[i] + 1;
	}
	syscall(SYS_close_range, from, ~0U, 0);
}

static void write_int(int fd, int v)
{
	if (write(fd, &v, sizeof(v)) != sizeof(v))
		_exit(1);
}

/* The relay process: never returns. */
static void relay_child(const struct relay_set *set, const struct relay_opts *o,
			int log_fd, int sync_fd)
{
	size_t nkeep = 0;
	int *keep = xcalloc(3 * set->n + 2, sizeof(int));
	sigset_t none;
	int fd, err;

	write_int(sync_fd, (int)getpid());
	sigemptyset(&none);
	signal(SIGTERM, SIG_DFL);
	signal(SIGINT, SIG_DFL);
	signal(SIGHUP, SIG_DFL);
	sigprocmask(SIG_SETMASK, &none, NULL);
	prctl(PR_SET_NAME, RELAY_COMM);
	fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (fd < 0 || dup2(fd, 0) < 0 || dup2(log_fd, 1) < 0 ||
	    dup2(log_fd, 2) < 0) {
		write_int(sync_fd, -errno);
		_exit(1);
	}
	if (fd > 2)
		close(fd);
	if (chdir("/"))
		_exit(1);
	keep[nkeep++] = log_fd;
	keep[nkeep++] = sync_fd;
	for (size_t i = 0; i < set->n; i++) {
		keep[nkeep++] = set->fd[i];
		if (set->fw[i].listen_ns >= 0)
			keep[nkeep++] = set->fw[i].listen_ns;
		if (set->fw[i].to_ns >= 0)
			keep[nkeep++] = set->fw[i].to_ns;
	}
	/* Nothing of the caller's but what it serves: a lab lock held here
	 * would outlive the caller. */
	close_all_but(keep, nkeep);
	free(keep);
	/* It writes 0 to sync_fd once it serves, or why it cannot. */
	err = relay_serve(set, o, log_fd, sync_fd);
	_exit(err ? 1 : 0);
}

/* Read an int from @fd; -EPIPE if the writer went first. */
static int read_int(int fd, int *v)
{
	ssize_t n;

	do
		n = read(fd, v, sizeof(*v));
	while (n < 0 && errno == EINTR);
	if (n == sizeof(*v))
		return 0;
	return n < 0 ? -errno : -EPIPE;
}

int relay_start(const struct relay_set *set, const struct relay_opts *o,
		const char *log_path, struct relay_proc *rp)
{
	int sync[2], log_fd, err, pid = 0, status = 0, st;
	pid_t first;

	memset(rp, 0, sizeof(*rp));
	log_fd =
		open(log_path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
	if (log_fd < 0)
		return -errno;
	if (pipe2(sync, O_CLOEXEC)) {
		err = -errno;
		close(log_fd);
		return err;
	}
	first = fork();
	if (first < 0) {
		err = -errno;
		goto out;
	}
	if (!first) {
		/* A session of its own, and a grandchild of the caller: no
		 * terminal's hangup, no zombie for the caller to reap. */
		close(sync[0]);
		setsid();
		first = fork();
		if (first < 0)
			write_int(sync[1], -errno);
		if (first)
			_exit(first < 0);
		relay_child(set, o, log_fd, sync[1]);
	}
	close(sync[1]);
	sync[1] = -1;
	while (waitpid(first, &status, 0) < 0 && errno == EINTR)
		;
	err = read_int(sync[0], &pid);
	if (!err && pid < 0)
		err = pid; /* the second fork failed */
	if (!err)
		err = read_int(sync[0], &st);
	if (!err && st)
		err = st;
	if (err == -EPIPE)
		err = -ECHILD; /* it died before it was ready */
	if (!err) {
		rp->pid = pid;
		err = relay_proc_start_time(pid, &rp->start);
	}
out:
	close(sync[0]);
	if (sync[1] >= 0)
		close(sync[1]);
	close(log_fd);
	return err;
}

int relay_spawn(const struct relay_forward *fw, size_t n,
		const struct relay_opts *o, const char *log_path,
		struct relay_proc *rp, char *err, size_t errlen)
{
	struct relay_set set;
	int r;

	r = relay_listen(fw, n, &set, err, errlen);
	if (r)
		return r;
	r = relay_start(&set, o, log_path, rp);
	relay_set_free(&set);
	if (r)
		fail(err, errlen, -r, "relay: cannot start (log %s)", log_path);
	return r;
}
