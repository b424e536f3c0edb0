/* SPDX-License-Identifier: MIT */
#ifndef NSTOPO_RELAY_LOOP_H
#define NSTOPO_RELAY_LOOP_H

/*
 * The relay's event loop, shared by relay.c (the loop, TCP), relay_udp.c
 * (UDP flows) and relay_sock.c (what both stand on); nothing outside the
 * relay includes this.
 */
#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

#include "relay.h"
#include "util.h"

#define BATCH 64 /* accepts or datagrams per wakeup */
#define DGRAM_MAX 65536

enum sock_kind {
	SK_SIGNAL,
	SK_LISTEN,
	SK_CONN,
	SK_UDP_LISTEN,
	SK_FLOW,
};

/* An fd in the epoll set; epoll's data points here. */
struct sock {
	int fd;
	enum sock_kind kind;
	int side;      /* of a connection: 0 the client, 1 the target */
	uint32_t mask; /* events asked for */
	bool in_set;
	void *owner;
};

struct listener {
	struct sock s;
	const struct relay_forward *fw;
	char desc[2 * RELAY_ENDPOINT_TEXT_MAX + 16];
	double paused_until;
};

struct conn;
struct flow;

/* The loop's state: everything, no globals. */
struct relay {
	int ep, home, log_fd;
	struct sock sig;
	struct relay_opts o;
	size_t pipe_bytes;
	struct listener *ls;
	size_t nl;
	struct conn *conns, *graveyard;
	struct flow *flows, **ftab, *fgrave;
	size_t fcap;
	unsigned active;
	unsigned long next_id;
	uint64_t refused;
	double refused_logged;
	char *buf;
	bool stop;
};

/**
 * relay_log() - a line with a timestamp in the log, if there is one
 * @r:		the loop
 * @fmt:	printf format of the line, without its newline
 */
void relay_log(struct relay *r, const char *fmt, ...) PRINTF(2, 3);

/**
 * sa_text() - @a as "ADDR:PORT" ("[ADDR]:PORT" for IPv6)
 * @a:		the address
 * @buf:	where the text goes
 * @len:	size of @buf
 *
 * Return: @buf.
 */
char *sa_text(const union relay_sa *a, char *buf, size_t len);

/**
 * sa_len() - the length of @a's sockaddr, by its family
 * @a:		the address
 *
 * Return: sizeof(struct sockaddr_in) or sizeof(struct sockaddr_in6).
 */
socklen_t sa_len(const union relay_sa *a);

/**
 * sock_update() - ask epoll for @mask on @s
 * @r:		the loop
 * @s:		the socket
 * @mask:	the events; none takes @s out of the set, unless @keep
 * @keep:	with no @mask, leave @s in the set (to hear of errors)
 *
 * Return: 0 or -errno.
 */
int sock_update(struct relay *r, struct sock *s, uint32_t mask, bool keep);

/**
 * socket_in() - a non-blocking socket made in namespace @nsfd
 * @r:		the loop (its home namespace is where the thread returns)
 * @nsfd:	the namespace; -1: the relay's own
 * @family:	AF_INET or AF_INET6
 * @type:	SOCK_STREAM or SOCK_DGRAM
 *
 * Return: the fd, or -errno.
 */
int socket_in(struct relay *r, int nsfd, int family, int type);

/**
 * udp_on_listen() - datagrams from clients: to their flows (new ones made
 * as needed)
 * @r:		the loop
 * @l:		the listener that is readable
 */
void udp_on_listen(struct relay *r, struct listener *l);

/**
 * udp_on_flow() - datagrams from the target: back to the flow's client
 * @r:		the loop
 * @f:		the flow whose target socket is readable
 */
void udp_on_flow(struct relay *r, struct flow *f);

/**
 * udp_expire() - end the flows idle for udp_idle_ms at time @t
 * @r:		the loop
 * @t:		now, now_monotonic()
 */
void udp_expire(struct relay *r, double t);

/**
 * udp_close_all() - end every flow
 * @r:		the loop
 */
void udp_close_all(struct relay *r);

/**
 * udp_bury() - free the flows ended since the last call
 * @r:		the loop
 */
void udp_bury(struct relay *r);

#endif
