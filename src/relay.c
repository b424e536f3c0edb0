// SPDX-License-Identifier: MIT
/*
 * relay.c - the relay's event loop and its TCP connections: forwarded
 * ports between namespaces.
 *
 * Theory of operation.  A socket belongs to the network namespace it was
 * created in, whatever the process does afterwards.  The listening
 * sockets are made by relay_listen() inside their namespaces; for every
 * accepted client, the loop enters the target's namespace just long
 * enough to call socket(), comes back, and connects that socket: from
 * then on the client's and the target's sockets are two fds of one
 * process, and bytes go between them with splice(2) through a pipe per
 * direction, never through user space.
 *
 * One thread, one epoll set, level-triggered.  Each direction reads into
 * its pipe while the pipe has room and writes out of it at once; what
 * the writer cannot take stays in the pipe, the reader stops (its
 * EPOLLIN is dropped) and the sender's TCP window closes: the pipe is
 * the only buffer, so backpressure crosses the relay.  An EOF is passed
 * on as shutdown(SHUT_WR) once the pipe is empty, an error or reset as
 * a reset (SO_LINGER 0) of the other side.
 *
 * UDP is relayed per client address: the first datagram of a client
 * makes a socket in the target's namespace, connected to the target;
 * replies come back through the listening socket, from the address the
 * client sent to (IP_PKTINFO).  A flow with no traffic for udp_idle_ms
 * ends (relay_udp.c).  TCP connections and UDP flows count against one
 * cap.
 */
#include <errno.h>
#include <fcntl.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/signalfd.h>

#include "relay_loop.h"

#define DEF_MAX_CONNS 512
#define DEF_UDP_IDLE_MS 60000
#define DEF_CONNECT_MS 10000
#define FDS_PER_CONN 6 /* two sockets, two pipes */
#define PUMP_ROUNDS 16 /* splices per direction and wakeup */
#define TICK_MS 250
#define PAUSE_MS 1000 /* a listener out of fds rests */

/* One direction of a connection: side d to side !d. */
struct dir {
	int pipe[2];
	size_t queued; /* bytes in the pipe */
	uint64_t bytes;
	bool eof;  /* the reader saw EOF */
	bool full; /* the pipe takes no more until it drains */
	bool shut; /* the EOF was passed on */
};

struct conn {
	struct sock s[2];
	struct dir d[2];
	struct listener *l;
	unsigned long id;
	union relay_sa peer;
	double t0, deadline;
	bool connecting, dead;
	struct conn *prev, *next;
};

/* TCP */

static void conn_unlink(struct relay *r, struct conn *c)
{
	if (c->prev)
		c->prev->next = c->next;
	else
		r->conns = c->next;
	if (c->next)
		c->next->prev = c->prev;
	c->next = r->graveyard;
	r->graveyard = c;
}

static void reset_close(int fd)
{
	struct linger lg = { .l_onoff = 1, .l_linger = 0 };

	setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
	close(fd);
}

/*
 * conn_close() - end @c; @why NULL is a clean end (both directions done),
 * else the reason, and the sides still open are reset.
 */
static void conn_close(struct relay *r, struct conn *c, const char *why)
{
	double dt = now_monotonic() - c->t0;

	if (c->dead)
		return;
	c->dead = true;
	for (int i = 0; i < 2; i++) {
		for (int j = 0; j < 2; j++)
			if (c->d[i].pipe[j] >= 0)
				close(c->d[i].pipe[j]);
		if (c->s[i].fd < 0)
			continue;
		if (why)
			reset_close(c->s[i].fd);
		else
			close(c->s[i].fd);
		c->s[i].fd = -1;
	}
	relay_log(r,
		  "%s #%lu closed%s%s: %llu bytes to target, %llu "
		  "to client, %.3f s",
		  c->l->desc, c->id, why ? ", " : "", why ? why : "",
		  (unsigned long long)c->d[0].bytes,
		  (unsigned long long)c->d[1].bytes, dt);
	r->active--;
	conn_unlink(r, c);
}

static bool wants_in(const struct conn *c, int side)
{
	return !c->connecting && !c->d[side].eof && !c->d[side].full;
}

static int conn_update(struct relay *r, struct conn *c)
{
	for (int i = 0; i < 2; i++) {
		uint32_t m = 0;
		int err;

		if (c->connecting) {
			m = i ? EPOLLOUT : 0;
		} else {
			if (wants_in(c, i))
				m |= EPOLLIN;
			if (c->d[!i].queued)
				m |= EPOLLOUT;
		}
		/* Kept, to hear of a reset, while its peer may still write
		 * to it; not before the target is connected. */
		err = sock_update(r, &c->s[i], m,
				  !c->connecting && !c->d[!i].shut);
		if (err)
			return err;
	}
	return 0;
}

/*
 * Move what can be moved from side @d to side !@d.  Return: 0, or -errno
 * with *@at the side that failed.
 */
static int pump(struct relay *r, struct conn *c, int d, int *at)
{
	struct dir *x = &c->d[d];
	int src = c->s[d].fd, dst = c->s[!d].fd;
	unsigned flags = SPLICE_F_MOVE | SPLICE_F_NONBLOCK;
	ssize_t n;

	for (int round = 0; round < PUMP_ROUNDS; round++) {
		bool moved = false, drained = false;

		if (!x->eof && !x->full) {
			size_t room = r->pipe_bytes > x->queued ?
					      r->pipe_bytes - x->queued :
					      0;

			n = room ? splice(src, NULL, x->pipe[1], NULL, room,
					  flags) :
				   -1;
			if (n > 0) {
				x->queued += (size_t)n;
				moved = true;
				/* Less than asked: the socket is empty, most
				 * likely; epoll says when it is not. */
				drained = (size_t)n < room;
			} else if (!n) {
				x->eof = true;
			} else if (!room || errno == EAGAIN) {
				/* No data, or no room: with bytes queued,
				 * the pipe may be what refuses. */
				x->full = x->queued > 0;
			} else {
				*at = d;
				return -errno;
			}
		}
		if (x->queued) {
			n = splice(x->pipe[0], NULL, dst, NULL, x->queued,
				   flags);
			if (n > 0) {
				x->queued -= (size_t)n;
				x->bytes += (uint64_t)n;
				x->full = false;
				moved = true;
			} else if (n < 0 && errno != EAGAIN) {
				*at = !d;
				return -errno;
			}
		}
		if (x->eof && !x->queued && !x->shut) {
			if (shutdown(dst, SHUT_WR) && errno != ENOTCONN) {
				*at = !d;
				return -errno;
			}
			x->shut = true;
		}
		if (!moved || (drained && !x->queued))
			break;
	}
	return 0;
}

static const char *side_name(int side)
{
	return side ? "target" : "client";
}

static void conn_event(struct relay *r, struct conn *c, int side, uint32_t ev)
{
	char why[128];
	int err = 0, serr = 0, at = side;
	socklen_t len = sizeof(serr);

	if (c->dead)
		return;
	if (c->connecting) {
		getsockopt(c->s[1].fd, SOL_SOCKET, SO_ERROR, &serr, &len);
		if (serr || (ev & (EPOLLERR | EPOLLHUP))) {
			char to[RELAY_ENDPOINT_TEXT_MAX];

			relay_log(r, "%s #%lu connect to %s failed: %s",
				  c->l->desc, c->id,
				  relay_endpoint_format(&c->l->fw->to, to,
							sizeof(to)),
				  strerror(serr ? serr : ECONNREFUSED));
			c->connecting = false;
			/* A refused connect is a reset to the client. */
			conn_close(r, c, "target unreachable");
			return;
		}
		c->connecting = false;
		ev = EPOLLOUT;
	}
	if (ev & EPOLLERR) {
		getsockopt(c->s[side].fd, SOL_SOCKET, SO_ERROR, &serr, &len);
		snprintf(why, sizeof(why), "%s: %s", side_name(side),
			 strerror(serr ? serr : EIO));
		conn_close(r, c, why);
		return;
	}
	if (ev & (EPOLLIN | EPOLLHUP))
		err = pump(r, c, side, &at);
	if (!err && (ev & EPOLLOUT))
		err = pump(r, c, !side, &at);
	if (err) {
		snprintf(why, sizeof(why), "%s: %s", side_name(at),
			 strerror(-err));
		conn_close(r, c, why);
		return;
	}
	if (c->d[0].shut && c->d[1].shut) {
		conn_close(r, c, NULL);
		return;
	}
	err = conn_update(r, c);
	if (err) {
		snprintf(why, sizeof(why), "epoll: %s", strerror(-err));
		conn_close(r, c, why);
	}
}

static int make_pipe(struct relay *r, int p[2])
{
	if (pipe2(p, O_NONBLOCK | O_CLOEXEC))
		return -errno;
	/* A larger pipe is a larger window; the default is kept if refused. */
	if (r->pipe_bytes != 65536)
		fcntl(p[1], F_SETPIPE_SZ, (int)r->pipe_bytes);
	return 0;
}

static void refuse(struct relay *r, struct listener *l, int fd,
		   const union relay_sa *peer)
{
	char a[RELAY_ENDPOINT_TEXT_MAX];
	double t = now_monotonic();

	reset_close(fd);
	r->refused++;
	if (t - r->refused_logged < 1.0)
		return;
	relay_log(r,
		  "%s connection cap (%u) reached: refused %s (%llu refused "
		  "so far)",
		  l->desc, r->o.max_conns, sa_text(peer, a, sizeof(a)),
		  (unsigned long long)r->refused);
	r->refused_logged = t;
}

static void conn_new(struct relay *r, struct listener *l, int fd,
		     const union relay_sa *peer)
{
	const struct relay_forward *fw = l->fw;
	struct conn *c = xcalloc(1, sizeof(*c));
	char a[RELAY_ENDPOINT_TEXT_MAX];
	int err, t;

	c->l = l;
	c->id = ++r->next_id;
	c->peer = *peer;
	c->t0 = now_monotonic();
	c->deadline = c->t0 + r->o.connect_ms / 1000.0;
	for (int i = 0; i < 2; i++) {
		c->s[i] = (struct sock){
			.fd = -1, .kind = SK_CONN, .side = i, .owner = c
		};
		c->d[i].pipe[0] = c->d[i].pipe[1] = -1;
	}
	c->s[0].fd = fd;
	c->next = r->conns;
	if (r->conns)
		r->conns->prev = c;
	r->conns = c;
	r->active++;
	relay_log(r, "%s #%lu accepted %s", l->desc, c->id,
		  sa_text(peer, a, sizeof(a)));

	c->connecting = true;
	err = make_pipe(r, c->d[0].pipe);
	if (!err)
		err = make_pipe(r, c->d[1].pipe);
	t = err ? err :
		  socket_in(r, fw->to_ns, fw->to.addr.sa.sa_family,
			    SOCK_STREAM);
	if (t < 0) {
		relay_log(r, "%s #%lu no socket for the target: %s", l->desc,
			  c->id, strerror(-t));
		conn_close(r, c, "no target socket");
		return;
	}
	c->s[1].fd = t;
	setsockopt(t, IPPROTO_TCP, TCP_NODELAY, &(int){ 1 }, sizeof(int));
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &(int){ 1 }, sizeof(int));
	if (connect(t, &fw->to.addr.sa, sa_len(&fw->to.addr)) &&
	    errno != EINPROGRESS) {
		err = errno;
		relay_log(r, "%s #%lu connect to %s failed: %s", l->desc, c->id,
			  relay_endpoint_format(&fw->to, a, sizeof(a)),
			  strerror(err));
		conn_close(r, c, "target unreachable");
		return;
	}
	err = conn_update(r, c);
	if (err) {
		snprintf(a, sizeof(a), "epoll: %s", strerror(-err));
		conn_close(r, c, a);
	}
}

static void listener_pause(struct relay *r, struct listener *l, int err)
{
	relay_log(r, "%s cannot accept: %s; pausing %d ms", l->desc,
		  strerror(err), PAUSE_MS);
	l->paused_until = now_monotonic() + PAUSE_MS / 1000.0;
	sock_update(r, &l->s, 0, false);
}

static void on_accept(struct relay *r, struct listener *l)
{
	for (int i = 0; i < BATCH; i++) {
		union relay_sa peer;
		socklen_t len = sizeof(peer);
		int fd = accept4(l->s.fd, &peer.sa, &len,
				 SOCK_NONBLOCK | SOCK_CLOEXEC);

		if (fd < 0) {
			if (errno == EMFILE || errno == ENFILE ||
			    errno == ENOBUFS || errno == ENOMEM)
				listener_pause(r, l, errno);
			/* EAGAIN, or a client gone before its accept */
			if (errno == EAGAIN || errno == EMFILE ||
			    errno == ENFILE || errno == ENOBUFS ||
			    errno == ENOMEM)
				return;
			continue;
		}
		if (r->active >= r->o.max_conns)
			refuse(r, l, fd, &peer);
		else
			conn_new(r, l, fd, &peer);
	}
}

/* Timers: target connects that take too long, idle flows, paused
 * listeners.  Return: whether a listener is still paused. */
static bool tick(struct relay *r)
{
	double t = now_monotonic();
	bool paused = false;

	for (struct conn *c = r->conns, *next; c; c = next) {
		next = c->next;
		if (!c->connecting)
			continue;
		if (t < c->deadline)
			continue;
		c->connecting = false;
		relay_log(r, "%s #%lu connect to target timed out after %u ms",
			  c->l->desc, c->id, r->o.connect_ms);
		conn_close(r, c, "target unreachable");
	}
	udp_expire(r, t);
	for (size_t i = 0; i < r->nl; i++) {
		struct listener *l = &r->ls[i];

		if (!l->paused_until)
			continue;
		if (t < l->paused_until) {
			paused = true;
			continue;
		}
		l->paused_until = 0;
		sock_update(r, &l->s, EPOLLIN, false);
	}
	return paused;
}

static void bury(struct relay *r)
{
	while (r->graveyard) {
		struct conn *c = r->graveyard;

		r->graveyard = c->next;
		free(c);
	}
	udp_bury(r);
}

/* Raise the fd limit for the cap, or the cap to fit the limit. */
static void fit_fd_limit(struct relay *r)
{
	struct rlimit rl;
	rlim_t need = (rlim_t)r->o.max_conns * FDS_PER_CONN + 64 + r->nl;

	if (getrlimit(RLIMIT_NOFILE, &rl))
		return;
	if (rl.rlim_cur < need) {
		rl.rlim_cur = need < rl.rlim_max ? need : rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
		getrlimit(RLIMIT_NOFILE, &rl);
	}
	if (rl.rlim_cur < need) {
		unsigned cap = rl.rlim_cur > 64 + r->nl + FDS_PER_CONN ?
				       (unsigned)((rl.rlim_cur - 64 - r->nl) /
						  FDS_PER_CONN) :
				       1;

		relay_log(r,
			  "open files limit %llu: connection cap lowered from "
			  "%u to %u",
			  (unsigned long long)rl.rlim_cur, r->o.max_conns, cap);
		r->o.max_conns = cap;
	}
}

static int relay_init(struct relay *r, const struct relay_set *set,
		      const struct relay_opts *o, int log_fd)
{
	sigset_t sigs;
	size_t cap;

	memset(r, 0, sizeof(*r));
	r->ep = r->home = r->sig.fd = -1;
	r->log_fd = log_fd;
	if (o)
		r->o = *o;
	if (!r->o.max_conns)
		r->o.max_conns = DEF_MAX_CONNS;
	if (!r->o.udp_idle_ms)
		r->o.udp_idle_ms = DEF_UDP_IDLE_MS;
	if (!r->o.connect_ms)
		r->o.connect_ms = DEF_CONNECT_MS;
	r->pipe_bytes = r->o.pipe_bytes ? r->o.pipe_bytes : 65536;
	r->nl = set->n;
	fit_fd_limit(r);
	for (cap = 64; cap < 2 * (size_t)r->o.max_conns; cap *= 2)
		;
	r->fcap = cap;
	r->ftab = xcalloc(cap, sizeof(*r->ftab));
	r->buf = xmalloc(DGRAM_MAX);
	r->ls = xcalloc(set->n ? set->n : 1, sizeof(*r->ls));

	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGHUP);
	if (pthread_sigmask(SIG_BLOCK, &sigs, NULL))
		return -EINVAL;
	r->home = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	if (r->home < 0)
		return -errno;
	r->ep = epoll_create1(EPOLL_CLOEXEC);
	if (r->ep < 0)
		return -errno;
	r->sig = (struct sock){ .kind = SK_SIGNAL };
	r->sig.fd = signalfd(-1, &sigs, SFD_NONBLOCK | SFD_CLOEXEC);
	if (r->sig.fd < 0)
		return -errno;
	if (sock_update(r, &r->sig, EPOLLIN, false))
		return -errno;
	for (size_t i = 0; i < set->n; i++) {
		struct listener *l = &r->ls[i];
		const struct relay_forward *fw = &set->fw[i];
		char a[RELAY_ENDPOINT_TEXT_MAX], b[RELAY_ENDPOINT_TEXT_MAX];
		int err;

		l->fw = fw;
		l->s = (struct sock){ .fd = set->fd[i],
				      .owner = l,
				      .kind = fw->proto == RELAY_UDP ?
						      SK_UDP_LISTEN :
						      SK_LISTEN };
		snprintf(l->desc, sizeof(l->desc), "%s %s -> %s",
			 relay_proto_name(fw->proto),
			 relay_endpoint_format(&fw->listen, a, sizeof(a)),
			 relay_endpoint_format(&fw->to, b, sizeof(b)));
		err = sock_update(r, &l->s, EPOLLIN, false);
		if (err)
			return err;
	}
	return 0;
}

static void relay_fini(struct relay *r)
{
	while (r->conns)
		conn_close(r, r->conns, "relay stopping");
	udp_close_all(r);
	bury(r);
	for (size_t i = 0; r->ls && i < r->nl; i++)
		if (r->ls[i].s.in_set)
			epoll_ctl(r->ep, EPOLL_CTL_DEL, r->ls[i].s.fd, NULL);
	free(r->ls);
	free(r->ftab);
	free(r->buf);
	if (r->sig.fd >= 0)
		close(r->sig.fd);
	if (r->ep >= 0)
		close(r->ep);
	if (r->home >= 0)
		close(r->home);
}

static void on_signal(struct relay *r)
{
	struct signalfd_siginfo si;

	while (read(r->sig.fd, &si, sizeof(si)) == sizeof(si)) {
		relay_log(r, "signal %u (%s): stopping with %u open",
			  si.ssi_signo, strsignal((int)si.ssi_signo),
			  r->active);
		r->stop = true;
	}
}

static void dispatch(struct relay *r, struct sock *s, uint32_t ev)
{
	switch (s->kind) {
	case SK_SIGNAL:
		on_signal(r);
		break;
	case SK_LISTEN:
		on_accept(r, s->owner);
		break;
	case SK_CONN:
		conn_event(r, s->owner, s->side, ev);
		break;
	case SK_UDP_LISTEN:
		udp_on_listen(r, s->owner);
		break;
	case SK_FLOW:
		udp_on_flow(r, s->owner);
		break;
	}
}

int relay_serve(const struct relay_set *set, const struct relay_opts *o,
		int log_fd, int ready_fd)
{
	struct epoll_event evs[BATCH];
	struct relay r;
	bool paused = false;
	double next_tick = 0;
	int err;

	err = relay_init(&r, set, o, log_fd);
	if (err) {
		relay_log(&r, "relay cannot start: %s", strerror(-err));
		relay_fini(&r);
		if (ready_fd >= 0) {
			if (write(ready_fd, &err, sizeof(err)) < 0)
				err = -errno;
			close(ready_fd);
		}
		return err;
	}
	for (size_t i = 0; i < r.nl; i++)
		relay_log(&r, "%s listening (pid %d)", r.ls[i].desc,
			  (int)getpid());
	if (ready_fd >= 0) {
		int zero = 0;

		if (write(ready_fd, &zero, sizeof(zero)) < 0)
			err = -errno;
		close(ready_fd);
	}
	while (!r.stop && !err) {
		bool timed = r.active || paused;
		int n = epoll_wait(r.ep, evs, BATCH, timed ? TICK_MS : -1);

		if (n < 0 && errno != EINTR) {
			err = -errno;
			relay_log(&r, "epoll_wait: %s", strerror(errno));
			break;
		}
		for (int i = 0; i < n; i++)
			dispatch(&r, evs[i].data.ptr, evs[i].events);
		bury(&r);
		if (now_monotonic() >= next_tick) {
			paused = tick(&r);
			next_tick = now_monotonic() + TICK_MS / 1000.0;
			bury(&r);
		}
	}
	relay_fini(&r);
	relay_log(&r,
		  "stopped: %lu connections and flows served, %llu "
		  "refused at the cap",
		  r.next_id, (unsigned long long)r.refused);
	return err;
}
