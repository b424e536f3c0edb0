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

/* Linux 6.3 and later mark the addresses they make (IFA_PROTO). */
static bool kernel_marks_addresses(void)
{
	struct utsname u;
	unsigned major = 0, minor = 0;

	if (uname(&u) || sscanf(u.release, "%u.%u", &major, &minor) != 2)
		return false;
	return major > 6 || (major == 6 && minor >= 3);
}

/*
 * Did a dump between @t0 and @t1 report address @h with the seconds the
 * kernel counted at @t0?  Not if one more second of its count (from its
 * tstamp, in hundredths of a second since boot, rounded down) ended in
 * between.
 */
static bool lifetime_sure(const struct nlmsghdr *h, uint64_t t0, uint64_t t1)
{
	const struct rtattr *a = addr_attr(h, IFA_CACHEINFO);
	struct ifa_cacheinfo ci;
	int64_t r;

	if (!a || RTA_PAYLOAD(a) < sizeof(ci))
		return true;
	memcpy(&ci, RTA_DATA(a), sizeof(ci));
	if (ci.ifa_valid == 0xffffffffu)
		return true;
	r = ((int64_t)t0 - (int64_t)ci.tstamp * 10) % 1000;
	if (r < 0)
		r += 1000;
	return r >= 15 && r + (int64_t)(t1 - t0) + 5 < 1000;
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
 * The port's addresses (kept) and routes, captured at *t.  Return: 0,
 * -EAGAIN if it must be made again, or -errno.
 */
static int capture_once(struct nlsock *s, struct capture *c,
			struct strbuf *kept, uint64_t *t)
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
	*t = now_ms();
	rc = nlsock_dump(s, RTM_GETADDR, &ifa, sizeof(ifa), capture_one, c);
	t1 = now_ms();
	if (!rc)
		rc = nlsock_dump(s, RTM_GETROUTE, &rtm, sizeof(rtm),
				 capture_one, c);
	known = c->proto_seen || kernel_marks_addresses();
	for (size_t off = 0; !rc && off < c->addrs.len;) {
		const struct nlmsghdr *h =
			(const struct nlmsghdr *)(c->addrs.buf + off);

		if (nl_saved_keep(h, c->port, known)) {
			if (!lifetime_sure(h, *t, t1))
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
	uint64_t t = 0;
	int rc = -EAGAIN;

	for (int tries = 0; rc == -EAGAIN && tries < 10; tries++) {
		if (tries)
			usleep(30000);
		rc = capture_once(s, &c, &kept, &t);
	}
	if (!rc)
		nl_saved_encode(port, t, kept.buf, kept.len, out);
	sb_free(&kept);
	sb_free(&c.addrs);
	sb_free(&c.routes);
	return rc;
}
