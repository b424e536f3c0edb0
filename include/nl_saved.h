/* SPDX-License-Identifier: MIT */
#ifndef NSTOPO_NL_SAVED_H
#define NSTOPO_NL_SAVED_H

#include "nl.h"

/*
 * A port's addresses and routes as the kernel reported them: the
 * RTM_NEWADDR and RTM_NEWROUTE messages of its dumps, every attribute,
 * kept as one line of text (an adopted port's "saved" text in the
 * journal) and replayed onto the port, or onto the bridge that stands in
 * for it, with only the port's ifindex changed.
 *
 * The text: "nl1:PORT:TIME:SKEW:DATA:CRC", where PORT is the port's
 * ifindex, TIME the CLOCK_MONOTONIC milliseconds when it was captured and
 * SKEW where, within a second of that clock, the kernel's count of
 * address lifetimes moves on (see nl_saved_encode()), all three decimal;
 * DATA the messages one after the other, base64 without padding
 * (letters, digits, '+', '/': nothing the journal escapes); and CRC the
 * CRC-32 of everything before its ':', 8 lowercase hex digits.
 */

struct nlmsghdr;

/* What nl_saved_decode() makes of a text. */
struct nl_saved;

/* Where replayed objects go. */
struct nl_saved_on {
	int ifindex;	  /* the port's, or the bridge's */
	const char *port; /* the port's name, and the interface's: */
	const char *name; /* IPv4 labels "PORT:x" become "NAME:x" */
	bool exact;	  /* lifetimes end when the saved ones did (an
			     added object with one waits for the moment,
			     under a second); else up to a second sooner */
};

/**
 * nl_saved_is() - is @text in this format (and not an older one)?
 * @text:	a saved text, or NULL
 *
 * Return: true if it starts with "nl1:".
 */
bool nl_saved_is(const char *text);

/**
 * nl_saved_capture() - what the port @port has that is not the kernel's
 * own, as a saved text
 * @s:		a socket of the port's namespace
 * @port:	the port's ifindex
 * @out:	the text, appended
 *
 * Its permanent (and, on kernels that tell them apart, other than
 * router-advertised) addresses other than link-local ones, and every
 * route of every table and both families that leaves through it, a
 * multipath route with one nexthop through it included, except the
 * kernel's own (connected, local, from router advertisements or
 * redirects) and routes through nexthop objects.
 *
 * Return: 0 or -errno.
 */
int nl_saved_capture(struct nlsock *s, int port, struct strbuf *out);

/**
 * nl_saved_keep() - is this message of a dump one nl_saved_capture()
 * keeps?
 * @h:		an RTM_NEWADDR or RTM_NEWROUTE message
 * @port:	the port's ifindex
 * @proto_known: the kernel marks the addresses it makes (IFA_PROTO), so
 *		an IPv6 address with lifetimes and no mark is someone's
 *
 * Return: true if so.
 */
bool nl_saved_keep(const struct nlmsghdr *h, int port, bool proto_known);

/**
 * nl_saved_kernel_marks() - does the running kernel mark the addresses it
 * makes (IFA_PROTO: Linux 6.3 and later), even where none is reported?
 *
 * Return: true if so.
 */
bool nl_saved_kernel_marks(void);

/**
 * nl_saved_encode() - a saved text of messages captured at @t_ms
 * @port:	the port's ifindex
 * @t_ms:	CLOCK_MONOTONIC milliseconds at the capture
 * @skew_ms:	the kernel counts an address's lifetime in whole seconds
 *		from its tstamp (IFA_CACHEINFO, hundredths of a second since
 *		boot by its own clock, which lags CLOCK_MONOTONIC): a second
 *		of an address ends at CLOCK_MONOTONIC milliseconds equal to
 *		tstamp * 10 + @skew_ms, modulo 1000 (0 if no message has a
 *		lifetime)
 * @msgs, @len:	the messages, one after the other (NLMSG_ALIGNed)
 * @out:	the text, appended
 */
void nl_saved_encode(int port, uint64_t t_ms, unsigned skew_ms,
		     const void *msgs, size_t len, struct strbuf *out);

/**
 * nl_saved_decode() - read a saved text, all of it or nothing
 * @text:	the text (or an older build's, see nl_saved_v0(); NULL is
 *		an empty one of those)
 * @out:	what it holds; nl_saved_free() frees it
 *
 * Addresses come in the order they are to be added in (IPv4 as dumped,
 * IPv6 the other way round, as the kernel lists the newest first): to
 * delete them, go backwards.
 *
 * Return: 0, or -EBADMSG if @text starts as one nl_saved_encode() wrote
 * but is not (damaged, cut, a message that is not a whole address or
 * route of IPv4 or IPv6), or is an older build's that cannot be read.
 */
int nl_saved_decode(const char *text, struct nl_saved **out);

/**
 * nl_saved_v0() - the messages a saved text of nstopo 0.1.0 stands for
 * @text:	its text, or NULL: entries separated by '|', each
 *		"a PREFIX FLAGS SCOPE [BROADCAST]" or
 *		"r TO VIA|- METRIC TABLE TYPE PROTOCOL SCOPE FLAGS [SRC]"
 * @port:	the ifindex they are to name for the port
 * @msgs:	the messages, appended: what that build's requests held
 *
 * nl_saved_decode() reads such a text through this, so a lab applied by
 * that build is given back as it would have done.
 *
 * Return: 0, or -EBADMSG for an entry it cannot read.
 */
int nl_saved_v0(const char *text, int port, struct strbuf *msgs);

/**
 * nl_saved_free() - free what nl_saved_decode() made; NULL is fine
 */
void nl_saved_free(struct nl_saved *sv);

/**
 * nl_saved_messages() - the messages of @sv, one after the other
 * @len:	their length in bytes
 *
 * Return: the first.
 */
const void *nl_saved_messages(const struct nl_saved *sv, size_t *len);

/**
 * nl_saved_time() - when @sv was captured
 * @skew_ms:	if not NULL, its clock skew (nl_saved_encode())
 *
 * Return: CLOCK_MONOTONIC milliseconds.
 */
uint64_t nl_saved_time(const struct nl_saved *sv, unsigned *skew_ms);

/**
 * nl_saved_n_addrs() - how many addresses @sv holds
 * Return: the number.
 */
size_t nl_saved_n_addrs(const struct nl_saved *sv);

/**
 * nl_saved_n_routes() - how many routes @sv holds
 * Return: the number.
 */
size_t nl_saved_n_routes(const struct nl_saved *sv);

/**
 * nl_saved_multipath() - is route @i of @sv one with several nexthops?
 * Return: true if so.
 */
bool nl_saved_multipath(const struct nl_saved *sv, size_t i);

/**
 * nl_saved_build() - the request that adds or deletes one saved object
 * on @on, built from its message
 * @sv:		the saved objects
 * @route:	route @i (else address @i)
 * @add:	RTM_NEWADDR/RTM_NEWROUTE (else RTM_DELADDR/RTM_DELROUTE)
 * @on:		where it goes
 * @now_ms:	CLOCK_MONOTONIC milliseconds now, for lifetimes
 * @out:	the message, malloc()ed
 *
 * The saved message with the port's ifindex changed to @on's wherever it
 * appears (ifa_index, RTA_OIF, each nexthop's rtnh_ifindex), an IPv4
 * label renamed (@on), and what a request does not take left out: a
 * route's RTA_CACHEINFO (an IPv6 route's expiry becomes RTA_EXPIRES),
 * flags the kernel reports of a route's state (dead, linkdown, offload).
 * Finite lifetimes (an address's IFA_CACHEINFO, a route's expiry) are
 * shortened by the time since the capture, rounded up.  An added
 * multipath route replaces the route of its destination and metric; an
 * added IPv4 route goes after others of its destination and metric.
 *
 * Return: 0, -ESTALE if an added object's lifetime has run out since,
 * -EINVAL if @i is out of range.
 */
int nl_saved_build(const struct nl_saved *sv, bool route, size_t i, bool add,
		   const struct nl_saved_on *on, uint64_t now_ms,
		   struct nlmsghdr **out);

/**
 * nl_saved_addr() - add or delete saved address @i on @on
 * @s:		a socket of the port's namespace
 *
 * Return: 0 (also for an address whose lifetime has run out: it is not
 * added), or the kernel's -errno.
 */
int nl_saved_addr(struct nlsock *s, const struct nl_saved *sv, size_t i,
		  bool add, const struct nl_saved_on *on);

/**
 * nl_saved_route() - add or delete saved route @i on @on
 * @s:		a socket of the port's namespace
 *
 * Return: 0 (also for a route that has expired since: it is not added),
 * or the kernel's -errno.
 */
int nl_saved_route(struct nlsock *s, const struct nl_saved *sv, size_t i,
		   bool add, const struct nl_saved_on *on);

#endif
