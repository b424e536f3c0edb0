// SPDX-License-Identifier: MIT
/*
 * relay_udp.c - UDP forwards: a flow per client address.
 *
 * The first datagram from a client address makes a socket in the
 * target's namespace, connected to the target, so the kernel hands it
 * the target's answers only; each answer goes back to the client
 * through the listening socket, from the local address the client sent
 * to (IP_PKTINFO / IPV6_PKTINFO, for wildcard listeners).  A flow with
 * no datagram either way for udp_idle_ms ends.  Datagrams a socket
 * cannot take at once are dropped and counted, as UDP would.
 */
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "relay.h"
#include "relay_loop.h"
#include "util.h"

struct flow {
	struct sock s;
	struct listener *l;
	unsigned long id;
	union relay_sa client;
	union {
		struct in_pktinfo in;
		struct in6_pktinfo in6;
	} local;
	bool have_local, dead;
	double t0, last;
	uint64_t up, down, up_bytes, down_bytes, dropped;
	struct flow *prev, *next, *hnext;
};

static size_t flow_hash(const struct relay *r, const union relay_sa *a)
{
	uint64_t h;

	if (a->sa.sa_family == AF_INET6)
		h = hash_bytes(&a->in6.sin6_addr, 16) ^ a->in6.sin6_port;
	else
		h = hash_bytes(&a->in.sin_addr, 4) ^ a->in.sin_port;
	return (size_t)(h & (r->fcap - 1));
}

static bool sa_equal(const union relay_sa *a, const union relay_sa *b)
{
	if (a->sa.sa_family != b->sa.sa_family)
		return false;
	if (a->sa.sa_family == AF_INET6)
		return a->in6.sin6_port == b->in6.sin6_port &&
		       !memcmp(&a->in6.sin6_addr, &b->in6.sin6_addr, 16);
	return a->in.sin_port == b->in.sin_port &&
	       a->in.sin_addr.s_addr == b->in.sin_addr.s_addr;
}

static struct flow *flow_find(struct relay *r, struct listener *l,
			      const union relay_sa *a)
{
	for (struct flow *f = r->ftab[flow_hash(r, a)]; f; f = f->hnext)
		if (f->l == l && sa_equal(&f->client, a))
			return f;
	return NULL;
}

static void flow_close(struct relay *r, struct flow *f, const char *why)
{
	struct flow **pp = &r->ftab[flow_hash(r, &f->client)];
	char a[RELAY_ENDPOINT_TEXT_MAX];

	if (f->dead)
		return;
	f->dead = true;
	while (*pp != f)
		pp = &(*pp)->hnext;
	*pp = f->hnext;
	if (f->prev)
		f->prev->next = f->next;
	else
		r->flows = f->next;
	if (f->next)
		f->next->prev = f->prev;
	close(f->s.fd);
	relay_log(r,
		  "%s flow #%lu from %s ended (%s): %llu datagrams (%llu "
		  "bytes) to target, %llu (%llu bytes) to client, %llu "
		  "dropped, %.3f s",
		  f->l->desc, f->id, sa_text(&f->client, a, sizeof(a)), why,
		  (unsigned long long)f->up, (unsigned long long)f->up_bytes,
		  (unsigned long long)f->down,
		  (unsigned long long)f->down_bytes,
		  (unsigned long long)f->dropped, now_monotonic() - f->t0);
	r->active--;
	f->next = r->fgrave;
	r->fgrave = f;
}

static struct flow *flow_new(struct relay *r, struct listener *l,
			     const union relay_sa *client)
{
	const struct relay_forward *fw = l->fw;
	char a[RELAY_ENDPOINT_TEXT_MAX];
	struct flow *f;
	size_t h;
	int fd;

	if (r->active >= r->o.max_conns) {
		if (now_monotonic() - r->refused_logged >= 1.0) {
			relay_log(r,
				  "%s connection cap (%u) reached: dropping "
				  "datagrams of new client %s",
				  l->desc, r->o.max_conns,
				  sa_text(client, a, sizeof(a)));
			r->refused_logged = now_monotonic();
		}
		r->refused++;
		return NULL;
	}
	fd = socket_in(r, fw->to_ns, fw->to.addr.sa.sa_family, SOCK_DGRAM);
	if (fd >= 0 && connect(fd, &fw->to.addr.sa, sa_len(&fw->to.addr))) {
		int e = errno;

		close(fd);
		fd = -e;
	}
	if (fd < 0) {
		char b[RELAY_ENDPOINT_TEXT_MAX];

		relay_log(r, "%s flow from %s: no socket to %s: %s", l->desc,
			  sa_text(client, a, sizeof(a)),
			  relay_endpoint_format(&fw->to, b, sizeof(b)),
			  strerror(-fd));
		return NULL;
	}
	f = xcalloc(1, sizeof(*f));
	f->s = (struct sock){ .fd = fd, .kind = SK_FLOW, .owner = f };
	f->l = l;
	f->id = ++r->next_id;
	f->client = *client;
	f->t0 = f->last = now_monotonic();
	if (sock_update(r, &f->s, EPOLLIN, true)) {
		close(fd);
		free(f);
		return NULL;
	}
	h = flow_hash(r, client);
	f->hnext = r->ftab[h];
	r->ftab[h] = f;
	f->next = r->flows;
	if (r->flows)
		r->flows->prev = f;
	r->flows = f;
	r->active++;
	relay_log(r, "%s flow #%lu from %s", l->desc, f->id,
		  sa_text(client, a, sizeof(a)));
	return f;
}

/* The local address the datagram in @m was sent to, if it says. */
static void note_local(struct flow *f, struct msghdr *m)
{
	for (struct cmsghdr *c = CMSG_FIRSTHDR(m); c; c = CMSG_NXTHDR(m, c)) {
		if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_PKTINFO) {
			memcpy(&f->local.in, CMSG_DATA(c), sizeof(f->local.in));
			f->local.in.ipi_ifindex = 0;
			f->local.in.ipi_spec_dst = f->local.in.ipi_addr;
			f->have_local = true;
		} else if (c->cmsg_level == IPPROTO_IPV6 &&
			   c->cmsg_type == IPV6_PKTINFO) {
			memcpy(&f->local.in6, CMSG_DATA(c),
			       sizeof(f->local.in6));
			f->local.in6.ipi6_ifindex = 0;
			f->have_local = true;
		}
	}
}

void udp_on_listen(struct relay *r, struct listener *l)
{
	for (int i = 0; i < BATCH; i++) {
		union relay_sa from;
		union {
			char buf[CMSG_SPACE(sizeof(struct in6_pktinfo))];
			struct cmsghdr align;
		} ctl;
		struct iovec iov = { r->buf, DGRAM_MAX };
		struct msghdr m = { .msg_name = &from,
				    .msg_namelen = sizeof(from),
				    .msg_iov = &iov,
				    .msg_iovlen = 1,
				    .msg_control = ctl.buf,
				    .msg_controllen = sizeof(ctl.buf) };
		ssize_t n = recvmsg(l->s.fd, &m, MSG_DONTWAIT);
		struct flow *f;

		if (n < 0) {
			if (errno == EAGAIN || errno == EINTR)
				return;
			continue; /* an ICMP error of an earlier reply */
		}
		f = flow_find(r, l, &from);
		if (!f)
			f = flow_new(r, l, &from);
		if (!f)
			continue;
		note_local(f, &m);
		f->last = now_monotonic();
		if (send(f->s.fd, r->buf, (size_t)n, MSG_DONTWAIT) < 0) {
			f->dropped++;
			continue;
		}
		f->up++;
		f->up_bytes += (uint64_t)n;
	}
}

void udp_on_flow(struct relay *r, struct flow *f)
{
	int lfd = f->l->s.fd;

	if (f->dead)
		return;
	for (int i = 0; i < BATCH; i++) {
		union {
			char buf[CMSG_SPACE(sizeof(struct in6_pktinfo))];
			struct cmsghdr align;
		} ctl;
		struct iovec iov = { r->buf, DGRAM_MAX };
		struct msghdr m = { .msg_name = &f->client,
				    .msg_namelen = sa_len(&f->client),
				    .msg_iov = &iov,
				    .msg_iovlen = 1 };
		ssize_t n = recv(f->s.fd, r->buf, DGRAM_MAX, MSG_DONTWAIT);

		if (n < 0) {
			if (errno == EAGAIN || errno == EINTR)
				return;
			/* ECONNREFUSED: the target's port was closed to a
			 * datagram; the flow lives on until idle. */
			f->dropped++;
			continue;
		}
		iov.iov_len = (size_t)n;
		if (f->have_local) {
			struct cmsghdr *c;

			memset(&ctl, 0, sizeof(ctl));
			m.msg_control = ctl.buf;
			c = (struct cmsghdr *)ctl.buf;
			if (f->client.sa.sa_family == AF_INET6) {
				m.msg_controllen =
					CMSG_SPACE(sizeof(f->local.in6));
				c->cmsg_level = IPPROTO_IPV6;
				c->cmsg_type = IPV6_PKTINFO;
				c->cmsg_len = CMSG_LEN(sizeof(f->local.in6));
				memcpy(CMSG_DATA(c), &f->local.in6,
				       sizeof(f->local.in6));
			} else {
				m.msg_controllen =
					CMSG_SPACE(sizeof(f->local.in));
				c->cmsg_level = IPPROTO_IP;
				c->cmsg_type = IP_PKTINFO;
				c->cmsg_len = CMSG_LEN(sizeof(f->local.in));
				memcpy(CMSG_DATA(c), &f->local.in,
				       sizeof(f->local.in));
			}
		}
		f->last = now_monotonic();
		if (sendmsg(lfd, &m, MSG_DONTWAIT) < 0) {
			f->dropped++;
			continue;
		}
		f->down++;
		f->down_bytes += (uint64_t)n;
	}
}

void udp_expire(struct relay *r, double t)
{
	for (struct flow *f = r->flows, *next; f; f = next) {
		next = f->next;
		if ((t - f->last) * 1000 >= r->o.udp_idle_ms)
			flow_close(r, f, "idle");
	}
}

void udp_close_all(struct relay *r)
{
	while (r->flows)
		flow_close(r, r->flows, "relay stopping");
}

void udp_bury(struct relay *r)
{
	while (r->fgrave) {
		struct flow *f = r->fgrave;

		r->fgrave = f->next;
		free(f);
	}
}
