// SPDX-License-Identifier: MIT
/*
 * nl_saved_capture.c - what a port has, from the kernel's dumps, as a
 * saved text (nl_saved.h).
 *
 * Two dumps, addresses then routes of every table and both families; what
 * nl_saved_keep() keeps of them is the port's.  The time of the capture
 * goes with the messages, for the lifetimes in them: a capture whose
 * lifetimes are not sure (a second of an address's count ended during
 * its dump) or that a change in the tables interrupted is made again.
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>
#include <linux/if_addr.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <sys/socket.h>

#include "nl_saved.h"

struct capture {
	int port;
	struct strbuf addrs, routes;
	bool proto_seen; /* the kernel marks addresses (IFA_PROTO) */
	unsigned skew;	 /* see nl_saved_encode() */
};

static uint64_t now_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)t.tv_sec * 1000 + (uint64_t)t.tv_nsec / 1000000;
}

static const struct rtattr *addr_attr(const struct nlmsghdr *h, int type)
{
	int len = (int)(h->nlmsg_len - NLMSG_SPACE(sizeof(struct ifaddrmsg)));
	const struct rtattr *a =
		(const struct rtattr *)((const char *)NLMSG_DATA(h) +
					NLMSG_ALIGN(sizeof(struct ifaddrmsg)));

	for (; RTA_OK(a, len); a = RTA_NEXT(a, len))
		if (a->rta_type == type)
			return a;
	return NULL;
}

bool nl_saved_kernel_marks(void)
{
	struct utsname u;
	unsigned major = 0, minor = 0;

	if (uname(&u) || sscanf(u.release, "%u.%u", &major, &minor) != 2)
		return false;
	return major > 6 || (major == 6 && minor >= 3);
}

/* An address's tstamp and valid lifetime as reported, if it has some. */
static bool lifetime_reported(const struct nlmsghdr *h, uint32_t *tstamp,
			      uint32_t *valid)
{
	const struct rtattr *a = addr_attr(h, IFA_CACHEINFO);
	struct ifa_cacheinfo ci;

	if (!a || RTA_PAYLOAD(a) < sizeof(ci))
		return false;
	memcpy(&ci, RTA_DATA(a), sizeof(ci));
	*tstamp = ci.tstamp;
	*valid = ci.ifa_valid;
	return ci.ifa_valid != 0xffffffffu;
}

static int64_t pmod(int64_t a, int64_t m)
{
	int64_t r = a % m;

	return r < 0 ? r + m : r;
}

/*
 * Did a dump between @t0 and @t1 report address @h with the seconds the
 * kernel counted at @t0?  Not if one more second of its count ended in
 * between, or about then (its tstamp is rounded down to 10 ms).
 */
static bool lifetime_sure(const struct nlmsghdr *h, uint64_t t0, uint64_t t1,
			  unsigned skew)
{
	uint32_t ts, valid;
	int64_t r;

	if (!lifetime_reported(h, &ts, &valid))
		return true;
	r = pmod((int64_t)t0 - (int64_t)ts * 10 - skew, 1000);
	return r >= 15 && r + (int64_t)(t1 - t0) + 15 < 1000;
}

/* An address, as watched from dump to dump. */
struct watch {
	const struct nlmsghdr *h;
	bool found;
	uint32_t tstamp, valid;
};

static bool same_addr(const struct nlmsghdr *a, const struct nlmsghdr *b)
{
	const struct ifaddrmsg *x = NLMSG_DATA(a), *y = NLMSG_DATA(b);
	const struct rtattr *p = addr_attr(a, IFA_LOCAL);
	const struct rtattr *q = addr_attr(b, IFA_LOCAL);

	if (!p || !q) {
		p = addr_attr(a, IFA_ADDRESS);
		q = addr_attr(b, IFA_ADDRESS);
	}
	return x->ifa_index == y->ifa_index && x->ifa_family == y->ifa_family &&
	       x->ifa_prefixlen == y->ifa_prefixlen && p && q &&
	       RTA_PAYLOAD(p) == RTA_PAYLOAD(q) &&
	       !memcmp(RTA_DATA(p), RTA_DATA(q), RTA_PAYLOAD(p));
}

static int watch_one(const struct nlmsghdr *h, void *arg)
{
	struct watch *w = arg;

	if (h->nlmsg_type == RTM_NEWADDR &&
	    h->nlmsg_len >= NLMSG_SPACE(sizeof(struct ifaddrmsg)) &&
	    same_addr(h, w->h))
		w->found = lifetime_reported(h, &w->tstamp, &w->valid);
	return 0;
}

/*
 * Where, within a second of CLOCK_MONOTONIC, the kernel's seconds of
 * address lifetimes end (its clock, jiffies since boot, lags that one by
 * a constant): watched on address @h, which has a lifetime, as its count
 * moves on, in a dump every 5 ms for up to a second and a half.
 * Return: 0, -EAGAIN if the address changed meanwhile, or -errno.
 */
static int clock_skew(struct nlsock *s, const struct nlmsghdr *h,
		      unsigned *skew)
{
	struct ifaddrmsg ifa = { .ifa_family = AF_UNSPEC };
	struct watch w = { .h = h };
	uint32_t ts = 0, valid = 0;
	uint64_t last = 0, start, end;
	int rc;

	*skew = 0;
	if (!lifetime_reported(h, &ts, &valid) || valid < 3)
		return 0;
	for (int i = 0; i < 300; i++) {
		w.found = false;
		start = now_ms();
		rc = nlsock_dump(s, RTM_GETADDR, &ifa, sizeof(ifa), watch_one,
				 &w);
		end = now_ms();
		if (rc)
			return rc;
		if (!w.found || w.tstamp != ts || w.valid > valid ||
		    w.valid + 1 < valid)
			return -EAGAIN;
		if (w.valid + 1 == valid) {
			/* It ended after the last dump that still had it
			 * began, and before this one was over. */
			*skew = (unsigned)pmod((int64_t)(last + end) / 2 -
						       (int64_t)ts * 10,
					       1000);
			return 0;
		}
		last = start;
		usleep(5000);
	}
	return 0; /* never moved on: a lifetime that does not count down */
}

static int capture_one(const struct nlmsghdr *h, void *arg)
{
	struct capture *c = arg;

	if (h->nlmsg_type == RTM_NEWADDR &&
	    h->nlmsg_len >= NLMSG_SPACE(sizeof(struct ifaddrmsg))) {
		const struct ifaddrmsg *ifa = NLMSG_DATA(h);

		c->proto_seen = c->proto_seen || addr_attr(h, IFA_PROTO);
		if ((int)ifa->ifa_index == c->port)
			sb_addn(&c->addrs, (const char *)h,
				NLMSG_ALIGN(h->nlmsg_len));
	} else if (h->nlmsg_type == RTM_NEWROUTE &&
		   nl_saved_keep(h, c->port, true)) {
		sb_addn(&c->routes, (const char *)h, NLMSG_ALIGN(h->nlmsg_len));
	}
	return 0;
}

/*
 * The port's addresses (kept) and routes, captured at *t.  The first kept
 * address with a lifetime, if any, at *timed (an offset in @kept).
 * Return: 0, -EAGAIN if it must be made again, or -errno.
 */
static int capture_once(struct nlsock *s, struct capture *c,
			struct strbuf *kept, uint64_t *t, size_t *timed)
{
	struct ifaddrmsg ifa = { .ifa_family = AF_UNSPEC };
	struct rtmsg rtm = { .rtm_family = AF_UNSPEC };
	uint64_t t1;
	bool known;
	int rc;

	sb_free(&c->addrs);
	sb_free(&c->routes);
	sb_free(kept);
	c->proto_seen = false;
	*timed = SIZE_MAX;
	*t = now_ms();
	rc = nlsock_dump(s, RTM_GETADDR, &ifa, sizeof(ifa), capture_one, c);
	t1 = now_ms();
	if (!rc)
		rc = nlsock_dump(s, RTM_GETROUTE, &rtm, sizeof(rtm),
				 capture_one, c);
	known = c->proto_seen || nl_saved_kernel_marks();
	for (size_t off = 0; !rc && off < c->addrs.len;) {
		const struct nlmsghdr *h =
			(const struct nlmsghdr *)(c->addrs.buf + off);
		uint32_t ts, valid;

		if (nl_saved_keep(h, c->port, known)) {
			if (*timed == SIZE_MAX &&
			    lifetime_reported(h, &ts, &valid))
				*timed = kept->len;
			if (!lifetime_sure(h, *t, t1, c->skew))
				rc = -EAGAIN;
			sb_addn(kept, (const char *)h,
				NLMSG_ALIGN(h->nlmsg_len));
		}
		off += NLMSG_ALIGN(h->nlmsg_len);
	}
	if (!rc && c->routes.len)
		sb_addn(kept, c->routes.buf, c->routes.len);
	return rc;
}

int nl_saved_capture(struct nlsock *s, int port, struct strbuf *out)
{
	struct capture c = { .port = port };
	struct strbuf kept = { 0 };
	bool skewed = false;
	size_t timed;
	uint64_t t = 0;
	int rc = -EAGAIN;

	for (int tries = 0; tries < 10; tries++) {
		if (tries)
			usleep(30000);
		rc = capture_once(s, &c, &kept, &t, &timed);
		if (rc != -EAGAIN && (rc || skewed || timed == SIZE_MAX))
			break;
		/* Lifetimes: how the kernel's clock runs, once; then the
		 * capture again, knowing it. */
		if (!skewed && timed != SIZE_MAX) {
			rc = clock_skew(
				s, (const struct nlmsghdr *)(kept.buf + timed),
				&c.skew);
			if (rc && rc != -EAGAIN)
				break;
			skewed = !rc;
			rc = -EAGAIN;
		}
	}
	if (!rc)
		nl_saved_encode(port, t, c.skew, kept.buf, kept.len, out);
	sb_free(&kept);
	sb_free(&c.addrs);
	sb_free(&c.routes);
	return rc;
}
