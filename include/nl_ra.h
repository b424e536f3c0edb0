/* SPDX-License-Identifier: MIT */
#ifndef NSTOPO_NL_RA_H
#define NSTOPO_NL_RA_H

#include "nl.h"

/*
 * Router-given IPv6 configuration of an interface: what the kernel made
 * of the router advertisements it took there (SLAAC and temporary
 * addresses, routes of protocol "ra", the routes of on-link prefixes),
 * found, removed, and asked for anew with a router solicitation.  The
 * kernel owns that state: it is never copied (an address or route a
 * program adds is not refreshed, nor taken back, by later
 * advertisements), only removed where it is wrong and learnt again where
 * it belongs.
 */

/**
 * nl_ra_given() - count, or remove, the router-given IPv6 addresses and
 * routes of interface @ifindex
 * @s:		a socket of its namespace
 * @ifindex:	the interface
 * @remove:	delete them (else only count them)
 * @n:		how many there are (were), or NULL
 *
 * Router-given: its IPv6 addresses other than link-local ones that
 * nl_saved_keep() leaves to the kernel (from router advertisements:
 * SLAAC, temporary); its IPv6 routes of protocol "ra" (default routes,
 * route information); and its IPv6 unicast routes of protocol "kernel"
 * that no address staying on it makes (the routes of on-link prefixes,
 * and what an address with lifetimes left when it went).  Multipath
 * routes and routes through other interfaces are not.  An object gone
 * meanwhile is fine.
 *
 * Return: 0 or -errno.
 */
int nl_ra_given(struct nlsock *s, int ifindex, bool remove, size_t *n);

/**
 * nl_ra_solicit() - send router solicitations on @ifindex, and wait for
 * a router advertisement to come in there
 * @ifindex:	the interface, in the thread's namespace
 * @mac:	its MAC address (for the solicitation's source link-layer
 *		address option), or NULL
 * @wait_ms:	how long to wait; one solicitation is sent at once and one
 *		more every second until then; 0: send one, do not wait
 *
 * An interface without a usable link-local address yet (its carrier is
 * new) cannot send one: it is tried again, until @wait_ms.
 *
 * Return: 0 once an advertisement came in (or, with no @wait_ms, a
 * solicitation was sent), -ETIMEDOUT if none did within @wait_ms, or
 * -errno (no raw socket: CAP_NET_RAW).
 */
int nl_ra_solicit(int ifindex, const uint8_t *mac, int wait_ms);

#endif
