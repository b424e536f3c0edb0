// SPDX-License-Identifier: MIT
/*
 * relay_parse.c - the strings of a `forwards:` item: "[NODE:]ADDR:PORT"
 * and "tcp"/"udp", to and from addresses.  Pure functions: no name is
 * resolved, no namespace looked at.
 *
 * A colon separates the parts, so an IPv6 address goes in brackets; the
 * number of colons outside brackets tells "ADDR:PORT" (one) from
 * "NODE:ADDR:PORT" (two), which keeps a node named "10.0.0.1" apart from
 * an address.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "relay.h"
#include "util.h"

static int fail(char *err, size_t errlen, const char *fmt, ...) PRINTF(3, 4);

static int fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (errlen) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}

static bool node_char(char c, bool first)
{
	if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9'))
		return true;
	return !first && (c == '_' || c == '.' || c == '-');
}

static int parse_node(const char *s, size_t len, char *node, char *err,
		      size_t errlen)
{
	if (!len)
		return fail(err, errlen, "empty node name before ':'");
	if (len > RELAY_NODE_MAX)
		return fail(err, errlen,
			    "node name '%.*s' is longer than %d characters",
			    (int)len, s, RELAY_NODE_MAX);
	for (size_t i = 0; i < len; i++)
		if (!node_char(s[i], i == 0))
			return fail(err, errlen,
				    "node name '%.*s': character '%c' is not "
				    "allowed (A-Z a-z 0-9, then also _ . -)",
				    (int)len, s, s[i]);
	memcpy(node, s, len);
	node[len] = '\0';
	return 0;
}

static int parse_port(const char *s, uint16_t *port, char *err, size_t errlen)
{
	unsigned long v = 0;
	size_t i;

	if (!*s)
		return fail(err, errlen, "missing port after ':'");
	if (s[0] == '0' && s[1])
		return fail(err, errlen, "port '%s' has a leading zero", s);
	for (i = 0; s[i]; i++) {
		if (s[i] < '0' || s[i] > '9')
			return fail(err, errlen, "port '%s' is not a number",
				    s);
		if (i >= 5)
			break;
		v = v * 10 + (unsigned long)(s[i] - '0');
	}
	if (s[i] || v < 1 || v > 65535)
		return fail(err, errlen, "port %s is out of range (1-65535)",
			    s);
	*port = (uint16_t)v;
	return 0;
}

/* @s (@len bytes) as an address of @family into @sa, port left 0. */
static int parse_addr(const char *s, size_t len, int family, union relay_sa *sa,
		      char *err, size_t errlen)
{
	char buf[INET6_ADDRSTRLEN + 1];

	if (!len)
		return fail(err, errlen, "missing address");
	if (len >= sizeof(buf))
		return fail(err, errlen, "address '%.*s' is too long", (int)len,
			    s);
	memcpy(buf, s, len);
	buf[len] = '\0';
	memset(sa, 0, sizeof(*sa));
	if (family == AF_INET6) {
		if (strchr(buf, '%'))
			return fail(err, errlen,
				    "address '%s': a zone (%%IF) is not "
				    "supported",
				    buf);
		sa->in6.sin6_family = AF_INET6;
		if (inet_pton(AF_INET6, buf, &sa->in6.sin6_addr) != 1)
			return fail(err, errlen, "'%s' is not an IPv6 address",
				    buf);
		return 0;
	}
	sa->in.sin_family = AF_INET;
	if (inet_pton(AF_INET, buf, &sa->in.sin_addr) != 1)
		return fail(err, errlen,
			    "'%s' is not an IPv4 address (expected "
			    "[NODE:]ADDR:PORT, an IPv6 address in "
			    "brackets)",
			    buf);
	return 0;
}

static size_t colons(const char *s)
{
	size_t n = 0;

	for (; *s; s++)
		n += *s == ':';
	return n;
}

int relay_parse_endpoint(const char *text, struct relay_endpoint *ep, char *err,
			 size_t errlen)
{
	const char *s = text, *c1, *end, *port;
	struct relay_endpoint e = { 0 };
	uint16_t p = 0;
	int r;

	if (!text || !*text)
		return fail(err, errlen, "empty; expected [NODE:]ADDR:PORT");
	if (!strchr(s, '[') && (strstr(s, "::") || colons(s) > 2))
		return fail(err, errlen,
			    "an IPv6 address goes in brackets: "
			    "[NODE:][ADDR]:PORT");
	c1 = strchr(s, ':');
	if (!c1)
		return fail(err, errlen,
			    "'%s' has no port; expected [NODE:]ADDR:PORT",
			    text);
	/* "NODE:[" or "NODE:A.B.C.D:PORT": a node first. */
	if (*s != '[' && (c1[1] == '[' || strchr(c1 + 1, ':'))) {
		r = parse_node(s, (size_t)(c1 - s), e.node, err, errlen);
		if (r)
			return r;
		s = c1 + 1;
	}
	if (*s == '[') {
		end = strchr(s, ']');
		if (!end)
			return fail(err, errlen, "'[' without ']'");
		if (end[1] != ':')
			return fail(err, errlen,
				    end[1] ? "expected ':' after ']'" :
					     "no port after ']'");
		r = parse_addr(s + 1, (size_t)(end - s - 1), AF_INET6, &e.addr,
			       err, errlen);
		port = end + 2;
	} else {
		end = strchr(s, ':');
		if (!end)
			return fail(err, errlen, "'%s' has no port", text);
		if (strchr(end + 1, ':'))
			return fail(err, errlen,
				    "too many ':' (an IPv6 address goes in "
				    "brackets: [ADDR]:PORT)");
		r = parse_addr(s, (size_t)(end - s), AF_INET, &e.addr, err,
			       errlen);
		port = end + 1;
	}
	if (r)
		return r;
	r = parse_port(port, &p, err, errlen);
	if (r)
		return r;
	if (e.addr.sa.sa_family == AF_INET6)
		e.addr.in6.sin6_port = htons(p);
	else
		e.addr.in.sin_port = htons(p);
	*ep = e;
	return 0;
}

static bool unspecified_or_multicast(const union relay_sa *a)
{
	if (a->sa.sa_family == AF_INET6)
		return IN6_IS_ADDR_UNSPECIFIED(&a->in6.sin6_addr) ||
		       IN6_IS_ADDR_MULTICAST(&a->in6.sin6_addr);
	return a->in.sin_addr.s_addr == htonl(INADDR_ANY) ||
	       IN_MULTICAST(ntohl(a->in.sin_addr.s_addr)) ||
	       a->in.sin_addr.s_addr == htonl(INADDR_BROADCAST);
}

static bool multicast(const union relay_sa *a)
{
	if (a->sa.sa_family == AF_INET6)
		return IN6_IS_ADDR_MULTICAST(&a->in6.sin6_addr);
	return IN_MULTICAST(ntohl(a->in.sin_addr.s_addr)) ||
	       a->in.sin_addr.s_addr == htonl(INADDR_BROADCAST);
}

/* Would the target be the listening socket itself (same node, port and
 * family, and the same address or a wildcard listener)? */
static bool loops(const struct relay_endpoint *l,
		  const struct relay_endpoint *t)
{
	const union relay_sa *a = &l->addr, *b = &t->addr;

	if (strcmp(l->node, t->node) || a->sa.sa_family != b->sa.sa_family)
		return false;
	if (a->sa.sa_family == AF_INET6)
		return a->in6.sin6_port == b->in6.sin6_port &&
		       (IN6_IS_ADDR_UNSPECIFIED(&a->in6.sin6_addr) ||
			IN6_ARE_ADDR_EQUAL(&a->in6.sin6_addr,
					   &b->in6.sin6_addr));
	return a->in.sin_port == b->in.sin_port &&
	       (a->in.sin_addr.s_addr == htonl(INADDR_ANY) ||
		a->in.sin_addr.s_addr == b->in.sin_addr.s_addr);
}

int relay_parse_forward(const char *listen, const char *to, const char *proto,
			struct relay_endpoint *l, struct relay_endpoint *t,
			enum relay_proto *p, char *err, size_t errlen)
{
	char why[160];

	if (!proto || !strcmp(proto, "tcp"))
		*p = RELAY_TCP;
	else if (!strcmp(proto, "udp"))
		*p = RELAY_UDP;
	else
		return fail(err, errlen, "proto: '%s' is not tcp or udp",
			    proto);
	if (relay_parse_endpoint(listen, l, why, sizeof(why)))
		return fail(err, errlen, "listen: %s", why);
	if (multicast(&l->addr))
		return fail(err, errlen,
			    "listen: '%s' is a multicast or broadcast address",
			    listen);
	if (relay_parse_endpoint(to, t, why, sizeof(why)))
		return fail(err, errlen, "to: %s", why);
	if (!t->node[0])
		return fail(err, errlen,
			    "to: '%s' names no node; expected NODE:ADDR:PORT",
			    to);
	if (unspecified_or_multicast(&t->addr))
		return fail(err, errlen,
			    "to: '%s' is not an address to connect to", to);
	if (loops(l, t))
		return fail(err, errlen,
			    "to: '%s' is where it listens: the relay would "
			    "connect to itself",
			    to);
	return 0;
}

char *relay_endpoint_format(const struct relay_endpoint *ep, char *buf,
			    size_t len)
{
	char a[INET6_ADDRSTRLEN] = "?";
	const char *node = ep->node[0] ? ep->node : "";
	const char *colon = ep->node[0] ? ":" : "";

	if (ep->addr.sa.sa_family == AF_INET6) {
		inet_ntop(AF_INET6, &ep->addr.in6.sin6_addr, a, sizeof(a));
		snprintf(buf, len, "%s%s[%s]:%u", node, colon, a,
			 ntohs(ep->addr.in6.sin6_port));
	} else {
		inet_ntop(AF_INET, &ep->addr.in.sin_addr, a, sizeof(a));
		snprintf(buf, len, "%s%s%s:%u", node, colon, a,
			 ntohs(ep->addr.in.sin_port));
	}
	return buf;
}

const char *relay_proto_name(enum relay_proto p)
{
	switch (p) {
	case RELAY_TCP:
		return "tcp";
	case RELAY_UDP:
		return "udp";
	}
	return "?";
}

char *relay_spec_format(const struct relay_spec *sp, char *buf, size_t len)
{
	char l[RELAY_ENDPOINT_TEXT_MAX], t[RELAY_ENDPOINT_TEXT_MAX];

	snprintf(buf, len, "%s %s %s %s %s", relay_proto_name(sp->proto),
		 relay_endpoint_format(&sp->listen, l, sizeof(l)),
		 relay_endpoint_format(&sp->to, t, sizeof(t)),
		 sp->listen_ns[0] ? sp->listen_ns : "-",
		 sp->to_ns[0] ? sp->to_ns : "-");
	return buf;
}

/* A namespace's name of @len bytes at @s ("-": the host) into @out. */
static int parse_ns(const char *s, size_t len, char out[RELAY_NS_MAX + 1])
{
	if (len == 1 && *s == '-') {
		out[0] = '\0';
		return 0;
	}
	if (!len || len > RELAY_NS_MAX)
		return -EINVAL;
	for (size_t i = 0; i < len; i++)
		if (!node_char(s[i], false))
			return -EINVAL;
	memcpy(out, s, len);
	out[len] = '\0';
	return 0;
}

int relay_spec_parse(const char *word, struct relay_spec *sp)
{
	char part[5][RELAY_SPEC_TEXT_MAX];
	struct relay_spec r = { 0 };
	const char *s = word;
	size_t n = 0;

	while (*s && n < 5) {
		size_t len = strcspn(s, " ");

		if (!len || len >= sizeof(part[0]))
			return -EINVAL;
		memcpy(part[n], s, len);
		part[n++][len] = '\0';
		s += len;
		if (*s == ' ' && *++s == '\0')
			return -EINVAL; /* a trailing space */
	}
	if (n != 5 || *s)
		return -EINVAL;
	if (relay_parse_forward(part[1], part[2], part[0], &r.listen, &r.to,
				&r.proto, NULL, 0) ||
	    parse_ns(part[3], strlen(part[3]), r.listen_ns) ||
	    parse_ns(part[4], strlen(part[4]), r.to_ns))
		return -EINVAL;
	*sp = r;
	return 0;
}
