/* SPDX-License-Identifier: MIT */
#ifndef NSTOPO_RELAY_LOOP_H
#define NSTOPO_RELAY_LOOP_H

/*
 * The relay's event loop, shared by relay.c (the loop, TCP) and
 * relay_udp.c (UDP flows); nothing outside the relay includes this.
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

/* relay_log() - a line with a timestamp in the log, if there is one. */
void relay_log(struct relay *r, const char *fmt, ...) PRINTF(2, 3);
/* sa_text() - @a as "ADDR:PORT" ("[ADDR]:PORT" for IPv6). Return: @buf. */
char *sa_text(const union relay_sa *a, char *buf, size_t len);
/* sa_len() - Return: the length of @a's sockaddr. */
socklen_t sa_len(const union relay_sa *a);
/*
 * sock_update() - ask epoll for @mask on @s; with no mask, take @s out of
 * the set unless @keep (to hear of errors).  Return: 0 or -errno.
 */
int sock_update(struct relay *r, struct sock *s, uint32_t mask, bool keep);
/* socket_in() - a non-blocking socket made in @nsfd (-1: the relay's
 * own namespace).  Return: the fd or -errno. */
int socket_in(struct relay *r, int nsfd, int family, int type);

/* udp_on_listen() - datagrams from clients: to their flows (new ones
 * made as needed). */
void udp_on_listen(struct relay *r, struct listener *l);
/* udp_on_flow() - datagrams from the target: back to the flow's client. */
void udp_on_flow(struct relay *r, struct flow *f);
/* udp_expire() - end the flows idle for udp_idle_ms at time @t. */
void udp_expire(struct relay *r, double t);
/* udp_close_all() - end every flow. */
void udp_close_all(struct relay *r);
/* udp_bury() - free the flows ended since the last call. */
void udp_bury(struct relay *r);

#endif
