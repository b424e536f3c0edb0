// SPDX-License-Identifier: MIT
/*
 * nl_saved.c - a port's addresses and routes kept as the kernel's own
 * messages, and replayed.
 *
 * Theory of operation: an adopted port's addresses and routes must come
 * back exactly, whatever attributes they had (a label, a metric, flags,
 * lifetimes, route metrics such as a locked MTU, a route preference,
 * several nexthops).  Instead of a summary of the attributes nstopo knows,
 * the RTM_NEWADDR and RTM_NEWROUTE messages of a dump are kept whole, and
 * a request is the same message with the port's ifindex swapped for the
 * interface it goes on (the port, or the bridge standing in for it).
 * What the kernel reports but a request does not take (the state of a
 * route, its cache information) is left out when the request is built,
 * never when the messages are kept; lifetimes that count down are
 * shortened by the time that passed since.  Only the nl_saved files
 * know the messages' layout: the rest of nstopo counts objects and asks
 * for one to be added or deleted.
 *
 * Everything up to nl_saved_build() is plain bytes (unit-tested without a
 * kernel); the requests go through nl.c, the dumps are
 * nl_saved_capture.c's, the text of older builds nl_saved_v0.c's.
 */
#include <errno.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <linux/if_addr.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <sys/socket.h>

#include "nl_saved.h"

#define MAGIC "nl1:"
#define FOREVER 0xffffffffu
/* Address protocols of the kernel's (linux/if_addr.h, Linux 6.3). */
#define PROTO_KERNEL_LO 1
#define PROTO_KERNEL_RA 2
#define PROTO_KERNEL_LL 3
/* A request's room beyond the saved message: a longer label, an expiry. */
#define GROWTH 64

struct nl_saved {
	int port;
	uint64_t t_ms;
	unsigned skew_ms;
	uint8_t *buf;
	size_t len;
	size_t *addrs, *routes; /* offsets of the messages in buf */
	size_t n_addrs, n_routes;
};

/* Bytes */

static uint32_t crc32_of(const void *p, size_t n)
{
	const uint8_t *b = p;
	uint32_t c = 0xffffffffu;

	while (n--) {
		c ^= *b++;
		for (int k = 0; k < 8; k++)
			c = (c >> 1) ^ (0xedb88320u & (0u - (c & 1)));
	}
	return ~c;
}

static const char b64[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static void b64_encode(const uint8_t *p, size_t n, struct strbuf *sb)
{
	char q[4];

	for (size_t i = 0; i < n; i += 3) {
		uint32_t v = (uint32_t)p[i] << 16;
		size_t k = n - i < 3 ? n - i : 3;

		if (k > 1)
			v |= (uint32_t)p[i + 1] << 8;
		if (k > 2)
			v |= p[i + 2];
		for (size_t j = 0; j < 4; j++)
			q[j] = b64[(v >> (18 - 6 * j)) & 63];
		sb_addn(sb, q, k + 1);
	}
}

static int b64_value(char c)
{
	const char *p = c ? strchr(b64, c) : NULL;

	return p ? (int)(p - b64) : -1;
}

/* Canonical base64 without padding only: anything else is damage. */
static int b64_decode(const char *s, size_t n, uint8_t *out, size_t *len)
{
	uint32_t v = 0;
	size_t bits = 0, o = 0;

	if (n % 4 == 1)
		return -EBADMSG;
	for (size_t i = 0; i < n; i++) {
		int d = b64_value(s[i]);

		if (d < 0)
			return -EBADMSG;
		v = (v << 6) | (uint32_t)d;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			out[o++] = (uint8_t)(v >> bits);
			v &= (1u << bits) - 1;
		}
	}
	if (v) /* bits left over that an encoder would have made zero */
		return -EBADMSG;
	*len = o;
	return 0;
}

/* Messages and their attributes */

static size_t hdr_size(uint16_t type)
{
	switch (type) {
	case RTM_NEWADDR:
	case RTM_DELADDR:
		return sizeof(struct ifaddrmsg);
	case RTM_NEWROUTE:
	case RTM_DELROUTE:
		return sizeof(struct rtmsg);
	default:
		return 0;
	}
}

static struct rtattr *attrs_of(const struct nlmsghdr *h, int *len)
{
	size_t hs = NLMSG_ALIGN(hdr_size(h->nlmsg_type));

	*len = (int)(h->nlmsg_len - NLMSG_HDRLEN - hs);
	return (struct rtattr *)((char *)NLMSG_DATA(h) + hs);
}

static const struct rtattr *attr_find(const struct nlmsghdr *h, int type)
{
	int len;

	for (struct rtattr *a = attrs_of(h, &len); RTA_OK(a, len);
	     a = RTA_NEXT(a, len))
		if (a->rta_type == type)
			return a;
	return NULL;
}

static uint32_t attr_u32(const struct rtattr *a)
{
	uint32_t v;

	memcpy(&v, RTA_DATA(a), sizeof(v));
	return v;
}

/* RTNH_OK() reads rtnh_len before it knows there is one. */
static bool nh_ok(const struct rtnexthop *nh, int len)
{
	return len >= (int)sizeof(*nh) && RTNH_OK(nh, len);
}

/* Does the nexthop list @mp (RTA_MULTIPATH) name @ifindex? */
static bool mp_names(const struct rtattr *mp, int ifindex)
{
	const struct rtnexthop *nh = RTA_DATA(mp);
	int len = (int)RTA_PAYLOAD(mp);

	for (; nh_ok(nh, len);
	     len -= (int)RTNH_ALIGN(nh->rtnh_len), nh = RTNH_NEXT(nh))
		if (nh->rtnh_ifindex == ifindex)
			return true;
	return false;
}

/* Are the attributes from @a on (@len bytes) whole, to the last byte? */
static bool attrs_whole(const struct rtattr *a, int len)
{
	while (RTA_OK(a, len))
		a = RTA_NEXT(a, len);
	return len == 0;
}

static bool mp_whole(const struct rtattr *mp)
{
	const struct rtnexthop *nh = RTA_DATA(mp);
	int len = (int)RTA_PAYLOAD(mp);

	while (nh_ok(nh, len)) {
		int alen = (int)nh->rtnh_len - (int)sizeof(*nh);

		if (!attrs_whole(RTNH_DATA(nh), alen))
			return false;
		len -= (int)RTNH_ALIGN(nh->rtnh_len);
		nh = RTNH_NEXT(nh);
	}
	return len == 0;
}

/* The attributes a kept message must have the size of, if it has them. */
static bool attr_sized(bool route, size_t alen, const struct rtattr *a)
{
	size_t n = RTA_PAYLOAD(a);

	if (route) {
		switch (a->rta_type) {
		case RTA_DST:
		case RTA_SRC:
		case RTA_GATEWAY:
		case RTA_PREFSRC:
			return n == alen;
		case RTA_OIF:
		case RTA_TABLE:
		case RTA_PRIORITY:
			return n == 4;
		case RTA_PREF:
			return n == 1;
		case RTA_CACHEINFO:
			return n >= sizeof(struct rta_cacheinfo);
		case RTA_MULTIPATH:
			return mp_whole(a);
		default:
			return true;
		}
	}
	switch (a->rta_type) {
	case IFA_ADDRESS:
	case IFA_LOCAL:
		return n == alen;
	case IFA_BROADCAST:
	case IFA_FLAGS:
	case IFA_RT_PRIORITY:
		return n == 4;
	case IFA_CACHEINFO:
		return n == sizeof(struct ifa_cacheinfo);
	case IFA_LABEL:
		return n >= 1 && n <= 16 && memchr(RTA_DATA(a), '\0', n);
	default:
		return true;
	}
}

/* Is @h, within @room bytes, a whole address or route of IPv4 or IPv6? */
static bool msg_valid(const struct nlmsghdr *h, size_t room)
{
	bool route = h->nlmsg_type == RTM_NEWROUTE;
	size_t hs = hdr_size(h->nlmsg_type), alen;
	unsigned family, plen;
	const struct rtattr *a;
	int len;

	if (room < NLMSG_HDRLEN || h->nlmsg_len > room ||
	    (h->nlmsg_type != RTM_NEWADDR && !route) ||
	    h->nlmsg_len < NLMSG_SPACE(hs))
		return false;
	if (route) {
		const struct rtmsg *rtm = NLMSG_DATA(h);

		family = rtm->rtm_family;
		plen = rtm->rtm_dst_len;
	} else {
		const struct ifaddrmsg *ifa = NLMSG_DATA(h);

		family = ifa->ifa_family;
		plen = ifa->ifa_prefixlen;
	}
	if (family != AF_INET && family != AF_INET6)
		return false;
	alen = family == AF_INET ? 4 : 16;
	if (plen > alen * 8)
		return false;
	a = attrs_of(h, &len);
	if (!attrs_whole(a, len))
		return false;
	for (a = attrs_of(h, &len); RTA_OK(a, len); a = RTA_NEXT(a, len))
		if (!attr_sized(route, alen, a))
			return false;
	return route || attr_find(h, IFA_LOCAL) || attr_find(h, IFA_ADDRESS);
}

/* What is kept */

static bool addr_keep(const struct nlmsghdr *h, int port, bool proto_known)
{
	const struct ifaddrmsg *ifa = NLMSG_DATA(h);
	const struct rtattr *a = attr_find(h, IFA_FLAGS);
	const struct rtattr *proto = attr_find(h, IFA_PROTO);
	uint32_t flags = a ? attr_u32(a) : ifa->ifa_flags;
	const uint8_t *ip;

	if ((int)ifa->ifa_index != port)
		return false;
	a = attr_find(h, IFA_LOCAL);
	if (!a)
		a = attr_find(h, IFA_ADDRESS);
	ip = RTA_DATA(a);
	if (ifa->ifa_family == AF_INET6 && ip[0] == 0xfe &&
	    (ip[1] & 0xc0) == 0x80)
		return false; /* link-local: the kernel's */
	if (proto && RTA_PAYLOAD(proto) >= 1) {
		uint8_t p = *(const uint8_t *)RTA_DATA(proto);

		if (p == PROTO_KERNEL_LO || p == PROTO_KERNEL_RA ||
		    p == PROTO_KERNEL_LL)
			return false;
	}
	if (ifa->ifa_family != AF_INET6 || (flags & IFA_F_PERMANENT))
		return true;
	/* IPv6 with lifetimes: from a router advertisement (SLAAC, a
	 * temporary address), unless the kernel would have said so. */
	return proto_known && !(flags & IFA_F_TEMPORARY);
}

static bool route_keep(const struct nlmsghdr *h, int port)
{
	const struct rtmsg *rtm = NLMSG_DATA(h);
	const struct rtattr *a;

	if (rtm->rtm_protocol == RTPROT_KERNEL ||
	    rtm->rtm_protocol == RTPROT_RA ||
	    rtm->rtm_protocol == RTPROT_REDIRECT ||
	    (rtm->rtm_flags & RTM_F_CLONED) || attr_find(h, RTA_NH_ID))
		return false;
	a = attr_find(h, RTA_OIF);
	if (a && (int)attr_u32(a) == port)
		return true;
	a = attr_find(h, RTA_MULTIPATH);
	return a && mp_names(a, port);
}

bool nl_saved_keep(const struct nlmsghdr *h, int port, bool proto_known)
{
	if (!msg_valid(h, h->nlmsg_len))
		return false;
	if (h->nlmsg_type == RTM_NEWADDR)
		return addr_keep(h, port, proto_known);
	return route_keep(h, port);
}

/*
 * Lifetimes.  The kernel reports an address's as whole seconds left,
 * counted from its tstamp (hundredths of a second since boot, the clock
 * CLOCK_MONOTONIC keeps too) and rounded down, and an IPv6 route's expiry
 * in clock ticks left.  Both become the moment they end, in
 * CLOCK_MONOTONIC milliseconds, from the time of the capture: a request
 * made later gives what is left then.  The kernel counts a new lifetime
 * in whole seconds from when it gets it: rounded down, every round trip
 * would lose a fraction of a second, so a replay that must be exact waits
 * (under a second) for the moment when what is left is whole, less
 * MARGIN_MS for the request to reach the kernel.
 */
#define MARGIN_MS 20

struct lifetime {
	int64_t valid_ms;  /* when it ends */
	int64_t pref_ms;   /* when it is deprecated (INT64_MIN: it is) */
	bool pref_forever; /* never */
};

static uint64_t now_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)t.tv_sec * 1000 + (uint64_t)t.tv_nsec / 1000000;
}

static int64_t pmod(int64_t a, int64_t m)
{
	int64_t r = a % m;

	return r < 0 ? r + m : r;
}

/* The finite lifetime of message @h of @sv; false if none. */
static bool lifetime_of(const struct nl_saved *sv, const struct nlmsghdr *h,
			struct lifetime *lt)
{
	int64_t t = (int64_t)sv->t_ms;
	bool route = h->nlmsg_type == RTM_NEWROUTE;
	const struct rtattr *a =
		attr_find(h, route ? RTA_CACHEINFO : IFA_CACHEINFO);
	struct ifa_cacheinfo ci;
	struct rta_cacheinfo rci;
	int64_t base;
	long hz;

	memset(lt, 0, sizeof(*lt));
	if (!a)
		return false;
	if (route) {
		memcpy(&rci, RTA_DATA(a), sizeof(rci));
		hz = sysconf(_SC_CLK_TCK);
		if (((const struct rtmsg *)NLMSG_DATA(h))->rtm_family !=
			    AF_INET6 ||
		    rci.rta_expires <= 0 || hz <= 0)
			return false;
		lt->valid_ms = t + (int64_t)rci.rta_expires * 1000 / hz;
		lt->pref_forever = true;
		return true;
	}
	memcpy(&ci, RTA_DATA(a), sizeof(ci));
	if (ci.ifa_valid == FOREVER)
		return false;
	/* The kernel counts whole seconds after its tstamp, on its clock. */
	base = t - pmod(t - (int64_t)ci.tstamp * 10 - sv->skew_ms, 1000);
	lt->valid_ms = base + (int64_t)ci.ifa_valid * 1000;
	lt->pref_forever = ci.ifa_prefered == FOREVER;
	lt->pref_ms = ci.ifa_prefered ? base + (int64_t)ci.ifa_prefered * 1000 :
					INT64_MIN;
	return true;
}

/* The text */

bool nl_saved_is(const char *text)
{
	return text && !strncmp(text, MAGIC, strlen(MAGIC));
}

void nl_saved_encode(int port, uint64_t t_ms, unsigned skew_ms,
		     const void *msgs, size_t len, struct strbuf *out)
{
	size_t start = out->len;

	sb_printf(out, MAGIC "%d:%llu:%u:", port, (unsigned long long)t_ms,
		  skew_ms % 1000);
	b64_encode(msgs, len, out);
	sb_printf(out, ":%08x", crc32_of(out->buf + start, out->len - start));
}

/* A decimal number of at most @max, without sign or leading zero. */
static bool number(const char **p, uint64_t max, uint64_t *out)
{
	const char *s = *p;
	uint64_t v = 0;

	if (*s < '0' || *s > '9' || (*s == '0' && s[1] >= '0' && s[1] <= '9'))
		return false;
	for (; *s >= '0' && *s <= '9'; s++) {
		if (v > (max - (uint64_t)(*s - '0')) / 10)
			return false;
		v = v * 10 + (uint64_t)(*s - '0');
	}
	*p = s;
	*out = v;
	return true;
}

static bool is_inet6(const struct nl_saved *sv, size_t off)
{
	const struct nlmsghdr *h = (const struct nlmsghdr *)(sv->buf + off);

	return ((const struct ifaddrmsg *)NLMSG_DATA(h))->ifa_family ==
	       AF_INET6;
}

/*
 * The messages of @sv, checked and indexed.  Addresses are put in the
 * order they are to be added in: IPv4 as dumped (primaries, then the
 * secondaries that need them), IPv6 the other way round (the kernel lists
 * the newest first, and puts a new one first).
 */
static int split(struct nl_saved *sv)
{
	for (size_t off = 0; off < sv->len;) {
		const struct nlmsghdr *h =
			(const struct nlmsghdr *)(sv->buf + off);
		size_t **v;
		size_t *n;

		if (sv->len - off < NLMSG_HDRLEN ||
		    !msg_valid(h, sv->len - off) ||
		    NLMSG_ALIGN(h->nlmsg_len) > sv->len - off)
			return -EBADMSG;
		v = h->nlmsg_type == RTM_NEWADDR ? &sv->addrs : &sv->routes;
		n = h->nlmsg_type == RTM_NEWADDR ? &sv->n_addrs : &sv->n_routes;
		*v = xrealloc(*v, (*n + 1) * sizeof(**v));
		(*v)[(*n)++] = off;
		off += NLMSG_ALIGN(h->nlmsg_len);
	}
	if (sv->n_addrs) {
		size_t *order = xmalloc(sv->n_addrs * sizeof(*order)), k = 0;

		for (size_t i = 0; i < sv->n_addrs; i++)
			if (!is_inet6(sv, sv->addrs[i]))
				order[k++] = sv->addrs[i];
		for (size_t i = sv->n_addrs; i-- > 0;)
			if (is_inet6(sv, sv->addrs[i]))
				order[k++] = sv->addrs[i];
		free(sv->addrs);
		sv->addrs = order;
	}
	return 0;
}

/* @sv with its messages in place, checked and indexed; or freed. */
static int finish(struct nl_saved *sv, struct nl_saved **out)
{
	if (split(sv)) {
		nl_saved_free(sv);
		return -EBADMSG;
	}
	*out = sv;
	return 0;
}

/* The port of an older build's text: a placeholder no kernel gives. */
#define V0_PORT 0x7fffffff

int nl_saved_decode(const char *text, struct nl_saved **out)
{
	const char *p = text, *data, *end;
	uint64_t port, t, skew;
	struct nl_saved *sv;
	unsigned crc;
	int n = 0;

	*out = NULL;
	if (!nl_saved_is(text)) {
		struct strbuf raw = { 0 };

		if (nl_saved_v0(text, V0_PORT, &raw)) {
			sb_free(&raw);
			return -EBADMSG;
		}
		sv = xcalloc(1, sizeof(*sv));
		sv->port = V0_PORT;
		sv->buf = (uint8_t *)steal_pointer(&raw.buf);
		sv->len = raw.len;
		return finish(sv, out);
	}
	p += strlen(MAGIC);
	if (!number(&p, 0x7fffffff, &port) || !port || *p++ != ':' ||
	    !number(&p, UINT64_MAX, &t) || *p++ != ':' ||
	    !number(&p, 999, &skew) || *p++ != ':')
		return -EBADMSG;
	data = p;
	end = strrchr(p, ':');
	if (!end || strlen(end) != 9 ||
	    sscanf(end + 1, "%8x%n", &crc, &n) != 1 || n != 8 ||
	    strspn(end + 1, "0123456789abcdef") != 8 ||
	    crc != crc32_of(text, (size_t)(end - text)))
		return -EBADMSG;
	sv = xcalloc(1, sizeof(*sv));
	sv->port = (int)port;
	sv->t_ms = t;
	sv->skew_ms = (unsigned)skew;
	sv->buf = xmalloc((size_t)(end - data) / 4 * 3 + 3);
	if (b64_decode(data, (size_t)(end - data), sv->buf, &sv->len)) {
		nl_saved_free(sv);
		return -EBADMSG;
	}
	return finish(sv, out);
}

void nl_saved_free(struct nl_saved *sv)
{
	if (!sv)
		return;
	free(sv->buf);
	free(sv->addrs);
	free(sv->routes);
	free(sv);
}

const void *nl_saved_messages(const struct nl_saved *sv, size_t *len)
{
	*len = sv->len;
	return sv->buf;
}

uint64_t nl_saved_time(const struct nl_saved *sv, unsigned *skew_ms)
{
	if (skew_ms)
		*skew_ms = sv->skew_ms;
	return sv->t_ms;
}

size_t nl_saved_n_addrs(const struct nl_saved *sv)
{
	return sv->n_addrs;
}

size_t nl_saved_n_routes(const struct nl_saved *sv)
{
	return sv->n_routes;
}

static const struct nlmsghdr *msg_at(const struct nl_saved *sv, bool route,
				     size_t i)
{
	if (i >= (route ? sv->n_routes : sv->n_addrs))
		return NULL;
	return (const struct nlmsghdr *)(sv->buf + (route ? sv->routes[i] :
							    sv->addrs[i]));
}

bool nl_saved_multipath(const struct nl_saved *sv, size_t i)
{
	const struct nlmsghdr *h = msg_at(sv, true, i);

	return h && attr_find(h, RTA_MULTIPATH);
}

/* Requests */

struct out {
	struct nlmsghdr *h;
	size_t cap;
};

static void put(struct out *o, int type, const void *data, size_t n)
{
	struct rtattr *a =
		(struct rtattr *)((char *)o->h + NLMSG_ALIGN(o->h->nlmsg_len));

	a->rta_type = (unsigned short)type;
	a->rta_len = (unsigned short)RTA_LENGTH(n);
	memcpy(RTA_DATA(a), data, n);
	o->h->nlmsg_len = NLMSG_ALIGN(o->h->nlmsg_len) + RTA_ALIGN(a->rta_len);
}

static void put_attr(struct out *o, const struct rtattr *a)
{
	put(o, a->rta_type, RTA_DATA(a), RTA_PAYLOAD(a));
}

/*
 * What is left at @now of lifetime @lt, in whole seconds, into *valid and
 * *pref (FOREVER for one that has no end).  Return: 0, or -ESTALE if
 * less than a second is left (the kernel takes no valid lifetime of 0).
 */
static int left_at(const struct lifetime *lt, uint64_t now, uint32_t *valid,
		   uint32_t *pref)
{
	int64_t v = lt->valid_ms - (int64_t)now, p;

	if (v < 1000)
		return -ESTALE;
	*valid = v / 1000 >= FOREVER ? FOREVER - 1 : (uint32_t)(v / 1000);
	if (lt->pref_forever)
		p = INT64_MAX;
	else if (lt->pref_ms == INT64_MIN)
		p = 0;
	else
		p = lt->pref_ms - (int64_t)now;
	/* Never beyond the valid one: the kernel refuses that. */
	*pref = p <= 0 ? 0 : p / 1000 < *valid ? (uint32_t)(p / 1000) : *valid;
	return 0;
}

static void put_label(struct out *o, const struct rtattr *a,
		      const struct nl_saved_on *on)
{
	const char *label = RTA_DATA(a);
	size_t n = on->port ? strlen(on->port) : 0;
	char name[16];

	if (!n || !on->name || strcmp(on->port, on->name) == 0 ||
	    strncmp(label, on->port, n) != 0 ||
	    (label[n] != '\0' && label[n] != ':')) {
		put_attr(o, a);
		return;
	}
	snprintf(name, sizeof(name), "%s%s", on->name, label + n);
	put(o, IFA_LABEL, name, strlen(name) + 1);
}

static int build_addr(const struct nl_saved *sv, const struct nlmsghdr *h,
		      bool add, const struct nl_saved_on *on, uint64_t now,
		      struct out *o)
{
	struct ifaddrmsg *ifa = NLMSG_DATA(o->h);
	struct lifetime lt;
	int len, rc;

	memcpy(ifa, NLMSG_DATA(h), sizeof(*ifa));
	ifa->ifa_index = (uint32_t)on->ifindex;
	o->h->nlmsg_len = NLMSG_SPACE(sizeof(*ifa));
	o->h->nlmsg_type = add ? RTM_NEWADDR : RTM_DELADDR;
	o->h->nlmsg_flags = add ? NLM_F_CREATE | NLM_F_EXCL : 0;
	for (const struct rtattr *a = attrs_of(h, &len); RTA_OK(a, len);
	     a = RTA_NEXT(a, len)) {
		struct ifa_cacheinfo ci;

		switch (a->rta_type) {
		case IFA_ADDRESS:
		case IFA_LOCAL:
		case IFA_BROADCAST:
		case IFA_FLAGS:
		case IFA_RT_PRIORITY:
		case IFA_PROTO:
			put_attr(o, a);
			break;
		case IFA_LABEL:
			put_label(o, a, on);
			break;
		case IFA_CACHEINFO:
			memcpy(&ci, RTA_DATA(a), sizeof(ci));
			if (!add)
				break;
			if (lifetime_of(sv, h, &lt)) {
				rc = left_at(&lt, now, &ci.ifa_valid,
					     &ci.ifa_prefered);
				if (rc)
					return rc;
			}
			ci.cstamp = ci.tstamp = 0;
			put(o, IFA_CACHEINFO, &ci, sizeof(ci));
			break;
		default: /* IFA_ANYCAST, IFA_MULTICAST, IFA_TARGET_NETNSID */
			break;
		}
	}
	return 0;
}

/* RTA_MULTIPATH with @sv's port replaced by @ifindex and the nexthops'
 * reported state left out. */
static void put_multipath(struct out *o, const struct rtattr *mp, int port,
			  int ifindex)
{
	struct rtattr *a =
		(struct rtattr *)((char *)o->h + NLMSG_ALIGN(o->h->nlmsg_len));
	const struct rtnexthop *nh = RTA_DATA(mp);
	int len = (int)RTA_PAYLOAD(mp);
	char *w = RTA_DATA(a);

	for (; nh_ok(nh, len);
	     len -= (int)RTNH_ALIGN(nh->rtnh_len), nh = RTNH_NEXT(nh)) {
		struct rtnexthop *n = (struct rtnexthop *)w;

		memcpy(n, nh, nh->rtnh_len);
		if (n->rtnh_ifindex == port)
			n->rtnh_ifindex = ifindex;
		n->rtnh_flags &= RTNH_F_ONLINK;
		w += RTNH_ALIGN(nh->rtnh_len);
	}
	a->rta_type = RTA_MULTIPATH;
	a->rta_len = (unsigned short)(w - (char *)a);
	o->h->nlmsg_len = NLMSG_ALIGN(o->h->nlmsg_len) + RTA_ALIGN(a->rta_len);
}

static int build_route(const struct nl_saved *sv, const struct nlmsghdr *h,
		       bool add, const struct nl_saved_on *on, uint64_t now,
		       struct out *o)
{
	struct rtmsg *rtm = NLMSG_DATA(o->h);
	bool multipath = attr_find(h, RTA_MULTIPATH);
	struct lifetime lt;
	uint32_t v, p;
	int len, rc;

	memcpy(rtm, NLMSG_DATA(h), sizeof(*rtm));
	/* Dumps say dead, linkdown, offload...: only onlink is the route's. */
	rtm->rtm_flags &= RTNH_F_ONLINK;
	o->h->nlmsg_len = NLMSG_SPACE(sizeof(*rtm));
	o->h->nlmsg_type = add ? RTM_NEWROUTE : RTM_DELROUTE;
	/* A multipath route replaces what the port's stand-in had; an IPv4
	 * route goes after the others of its key, as it came. */
	if (!add)
		o->h->nlmsg_flags = 0;
	else if (multipath)
		o->h->nlmsg_flags = NLM_F_CREATE | NLM_F_REPLACE;
	else if (rtm->rtm_family == AF_INET)
		o->h->nlmsg_flags = NLM_F_CREATE | NLM_F_APPEND;
	else
		o->h->nlmsg_flags = NLM_F_CREATE;
	for (const struct rtattr *a = attrs_of(h, &len); RTA_OK(a, len);
	     a = RTA_NEXT(a, len)) {
		switch (a->rta_type) {
		case RTA_DST:
		case RTA_SRC:
		case RTA_GATEWAY:
		case RTA_PRIORITY:
		case RTA_PREFSRC:
		case RTA_METRICS:
		case RTA_FLOW:
		case RTA_TABLE:
		case RTA_VIA:
		case RTA_PREF:
		case RTA_ENCAP_TYPE:
		case RTA_ENCAP:
			put_attr(o, a);
			break;
		case RTA_OIF:
			v = attr_u32(a);
			if ((int)v == sv->port)
				v = (uint32_t)on->ifindex;
			put(o, RTA_OIF, &v, sizeof(v));
			break;
		case RTA_MULTIPATH:
			put_multipath(o, a, sv->port, on->ifindex);
			break;
		case RTA_CACHEINFO:
			/* An IPv6 route's expiry becomes RTA_EXPIRES. */
			if (!add || !lifetime_of(sv, h, &lt))
				break;
			rc = left_at(&lt, now, &v, &p);
			if (rc)
				return rc;
			put(o, RTA_EXPIRES, &v, sizeof(v));
			break;
		default: /* RTA_IIF, RTA_UID, RTA_EXPIRES, ... */
			break;
		}
	}
	return 0;
}

int nl_saved_build(const struct nl_saved *sv, bool route, size_t i, bool add,
		   const struct nl_saved_on *on, uint64_t now_ms,
		   struct nlmsghdr **out)
{
	const struct nlmsghdr *h = msg_at(sv, route, i);
	struct out o;
	int rc;

	*out = NULL;
	if (!h)
		return -EINVAL;
	o.cap = NLMSG_ALIGN(h->nlmsg_len) + GROWTH;
	o.h = xcalloc(1, o.cap);
	rc = route ? build_route(sv, h, add, on, now_ms, &o) :
		     build_addr(sv, h, add, on, now_ms, &o);
	if (rc) {
		free(o.h);
		return rc;
	}
	*out = o.h;
	return 0;
}

/* Sleep until @t (CLOCK_MONOTONIC milliseconds). */
static void sleep_until(uint64_t t)
{
	struct timespec ts = { .tv_sec = (time_t)(t / 1000),
			       .tv_nsec = (long)(t % 1000) * 1000000 };

	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) ==
	       EINTR)
		;
}

static int replay(struct nlsock *s, const struct nl_saved *sv, bool route,
		  size_t i, bool add, const struct nl_saved_on *on)
{
	const struct nlmsghdr *m = msg_at(sv, route, i);
	uint64_t now = now_ms(), then;
	struct lifetime lt;
	struct nlmsghdr *h;
	int rc;

	/* Exact: at the moment what is left is whole seconds (and
	 * MARGIN_MS), so the kernel's count ends when the saved one did. */
	if (m && add && on->exact && lifetime_of(sv, m, &lt) &&
	    lt.valid_ms - (int64_t)now > 1000 + MARGIN_MS) {
		then = now +
		       (uint64_t)pmod(lt.valid_ms - (int64_t)now - MARGIN_MS,
				      1000);
		sleep_until(then);
		now = now_ms();
		/* Late (a busy machine): shorter, never longer. */
		if (now < then + MARGIN_MS / 2)
			now = then;
	}
	rc = nl_saved_build(sv, route, i, add, on, now, &h);
	if (rc == -ESTALE)
		return 0; /* its lifetime ran out: the kernel has none */
	if (!rc)
		rc = nlsock_send(s, h);
	free(h);
	return rc;
}

int nl_saved_addr(struct nlsock *s, const struct nl_saved *sv, size_t i,
		  bool add, const struct nl_saved_on *on)
{
	return replay(s, sv, false, i, add, on);
}

int nl_saved_route(struct nlsock *s, const struct nl_saved *sv, size_t i,
		   bool add, const struct nl_saved_on *on)
{
	return replay(s, sv, true, i, add, on);
}
