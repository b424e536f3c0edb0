/* SPDX-License-Identifier: MIT */
#ifndef NSTOPO_NL_PRIV_H
#define NSTOPO_NL_PRIV_H

/*
 * What the files of nl.c's netlink layer share (nl.c, nl_route.c); the
 * rest of nstopo sees only nl.h.
 */
#include <netlink/addr.h>
#include <netlink/msg.h>
#include <netlink/socket.h>

#include "value.h"

struct nlsock {
	struct nl_sock *sk;
	int err;       /* errno of the last failed request, 0 if none */
	char ext[200]; /* the kernel's extended-ack message for it */
};

/**
 * nl_request() - send one request on @s and wait for its ack
 * @s:		the socket (its err/ext keep the kernel's reason)
 * @msg:	the request, freed
 *
 * Return: 0 or -errno.
 */
int nl_request(struct nlsock *s, struct nl_msg *msg);

/**
 * nl_errno_of() - the errno the kernel gave, from libnl's -NLE_* code
 * Return: the errno (positive).
 */
int nl_errno_of(int nle);

/**
 * nl_prefix_from() - a libnl address as a prefix (zeroed if none)
 */
void nl_prefix_from(struct nl_addr *a, struct prefix *p);

#endif
