// SPDX-License-Identifier: MIT
/*
 * nl_saved_test.c - the saved text of an adopted port: messages encoded
 * and decoded are the same bytes, in a text the journal keeps as it is;
 * any damage to a text (a character changed, left out, added; a text cut
 * anywhere; garbage with a right checksum) is refused whole, never read
 * in part; the requests built from a message change only the port's
 * ifindex (and a label, lifetimes that ran down, what a request does not
 * take); what is kept of a dump; and the text of 0.1.0 read as the
 * requests that build made.
 */
#include <errno.h>
#include <string.h>
#include <linux/if_addr.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <sys/socket.h>
#include <unistd.h>

#include "helpers.h"
#include "nl_saved.h"

#define PORT 7
#define OTHER 9
#define BRIDGE 42
#define T0 1000000 /* ms: the capture */

/* Messages, written one after the other as a dump has them. */
struct msgs {
	uint8_t b[4096];
	size_t len;
	struct nlmsghdr *cur;
};

static void *msg_start(struct msgs *m, uint16_t type, size_t body)
{
	m->cur = (struct nlmsghdr *)(m->b + m->len);
	memset(m->cur, 0, NLMSG_SPACE(body));
	m->cur->nlmsg_type = type;
	m->cur->nlmsg_len = NLMSG_SPACE(body);
	return NLMSG_DATA(m->cur);
}

static struct rtattr *msg_put(struct msgs *m, int type, const void *d, size_t n)
{
	struct rtattr *a = (struct rtattr *)((uint8_t *)m->cur +
					     NLMSG_ALIGN(m->cur->nlmsg_len));

	memset(a, 0, RTA_SPACE(n));
	a->rta_type = (unsigned short)type;
	a->rta_len = (unsigned short)RTA_LENGTH(n);
	if (n)
		memcpy(RTA_DATA(a), d, n);
	m->cur->nlmsg_len = NLMSG_ALIGN(m->cur->nlmsg_len) + RTA_SPACE(n);
	return a;
}

static void msg_end(struct msgs *m)
{
	m->len += NLMSG_ALIGN(m->cur->nlmsg_len);
}

static void put_u32(struct msgs *m, int type, uint32_t v)
{
	msg_put(m, type, &v, sizeof(v));
}

static void ip4(uint8_t *b, uint8_t a, uint8_t c, uint8_t d, uint8_t e)
{
	b[0] = a;
	b[1] = c;
	b[2] = d;
	b[3] = e;
}

/* 192.168.50.11/24 "eth0:1" secondary, and an address of another port. */
static void addr4(struct msgs *m, int ifindex, uint8_t last, const char *label,
		  uint32_t valid, uint32_t pref, uint32_t tstamp)
{
	struct ifaddrmsg *ifa = msg_start(m, RTM_NEWADDR, sizeof(*ifa));
	struct ifa_cacheinfo ci = { .ifa_prefered = pref,
				    .ifa_valid = valid,
				    .cstamp = tstamp,
				    .tstamp = tstamp };
	uint8_t a[4];

	ifa->ifa_family = AF_INET;
	ifa->ifa_prefixlen = 24;
	ifa->ifa_flags = IFA_F_SECONDARY;
	ifa->ifa_index = (uint32_t)ifindex;
	ip4(a, 192, 168, 50, last);
	msg_put(m, IFA_ADDRESS, a, 4);
	msg_put(m, IFA_LOCAL, a, 4);
	ip4(a, 192, 168, 50, 255);
	msg_put(m, IFA_BROADCAST, a, 4);
	msg_put(m, IFA_LABEL, label, strlen(label) + 1);
	put_u32(m, IFA_FLAGS,
		IFA_F_SECONDARY | IFA_F_NOPREFIXROUTE |
			(valid == 0xffffffffu ? IFA_F_PERMANENT : 0));
	put_u32(m, IFA_RT_PRIORITY, 77);
	msg_put(m, IFA_CACHEINFO, &ci, sizeof(ci));
	msg_end(m);
}

static void addr6(struct msgs *m, uint8_t first, uint8_t last, uint32_t flags,
		  uint8_t proto)
{
	struct ifaddrmsg *ifa = msg_start(m, RTM_NEWADDR, sizeof(*ifa));
	struct ifa_cacheinfo ci = { 0xffffffffu, 0xffffffffu, 0, 0 };
	uint8_t a[16] = { first, first == 0xfe ? 0x80 : 0 };

	ifa->ifa_family = AF_INET6;
	ifa->ifa_prefixlen = 64;
	ifa->ifa_index = PORT;
	a[15] = last;
	msg_put(m, IFA_ADDRESS, a, 16);
	put_u32(m, IFA_FLAGS, flags);
	msg_put(m, IFA_CACHEINFO, &ci, sizeof(ci));
	if (proto)
		msg_put(m, IFA_PROTO, &proto, 1);
	msg_end(m);
}

/* 203.0.113.0/24 via 192.168.50.1 dev PORT mtu lock 1400, linkdown. */
static void route4(struct msgs *m, uint8_t protocol, uint32_t oif)
{
	struct rtmsg *rtm = msg_start(m, RTM_NEWROUTE, sizeof(*rtm));
	struct rta_cacheinfo ci = { .rta_used = 5 };
	uint8_t a[4];
	uint32_t mx[2] = { 1u << RTAX_MTU, 1400 };
	uint8_t metrics[16];
	struct rtattr *x = (struct rtattr *)metrics;

	rtm->rtm_family = AF_INET;
	rtm->rtm_dst_len = 24;
	rtm->rtm_table = RT_TABLE_MAIN;
	rtm->rtm_protocol = protocol;
	rtm->rtm_type = RTN_UNICAST;
	rtm->rtm_flags = RTNH_F_LINKDOWN | RTNH_F_ONLINK;
	put_u32(m, RTA_TABLE, RT_TABLE_MAIN);
	ip4(a, 203, 0, 113, 0);
	msg_put(m, RTA_DST, a, 4);
	ip4(a, 192, 168, 50, 1);
	msg_put(m, RTA_GATEWAY, a, 4);
	put_u32(m, RTA_OIF, oif);
	x->rta_type = RTAX_LOCK;
	x->rta_len = RTA_LENGTH(4);
	memcpy(RTA_DATA(x), &mx[0], 4);
	x = (struct rtattr *)(metrics + 8);
	x->rta_type = RTAX_MTU;
	x->rta_len = RTA_LENGTH(4);
	memcpy(RTA_DATA(x), &mx[1], 4);
	msg_put(m, RTA_METRICS, metrics, sizeof(metrics));
	msg_put(m, RTA_CACHEINFO, &ci, sizeof(ci));
	msg_end(m);
}

/* 2001:db8:2::/48 table 100 pref high expires, nexthops via PORT, OTHER
 * (@expires < 0: without the attributes after the nexthops). */
static void route6_multipath(struct msgs *m, int32_t expires)
{
	struct rtmsg *rtm = msg_start(m, RTM_NEWROUTE, sizeof(*rtm));
	struct rta_cacheinfo ci = { .rta_expires = expires };
	uint8_t dst[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 2 }, pref = 1;
	uint8_t mp[2 * (8 + 20)] = { 0 };

	rtm->rtm_family = AF_INET6;
	rtm->rtm_dst_len = 48;
	rtm->rtm_table = 100;
	rtm->rtm_protocol = RTPROT_BOOT;
	rtm->rtm_type = RTN_UNICAST;
	put_u32(m, RTA_TABLE, 100);
	msg_put(m, RTA_DST, dst, 16);
	put_u32(m, RTA_PRIORITY, 1024);
	for (int k = 0; k < 2; k++) {
		struct rtnexthop *nh = (struct rtnexthop *)(mp + k * 28);
		struct rtattr *gw = RTNH_DATA(nh);
		uint8_t ip[16] = { 0xfd, 0, 0, k ? 0x60 : 0x50 };

		ip[15] = 1;
		nh->rtnh_len = 28;
		nh->rtnh_flags = RTNH_F_DEAD;
		nh->rtnh_hops = (unsigned char)k;
		nh->rtnh_ifindex = k ? OTHER : PORT;
		gw->rta_type = RTA_GATEWAY;
		gw->rta_len = RTA_LENGTH(16);
		memcpy(RTA_DATA(gw), ip, 16);
	}
	msg_put(m, RTA_MULTIPATH, mp, sizeof(mp));
	if (expires >= 0) {
		msg_put(m, RTA_CACHEINFO, &ci, sizeof(ci));
		msg_put(m, RTA_PREF, &pref, 1);
	}
	msg_end(m);
}

/* Every kind at once: what a port with all of them gives. */
static void sample(struct msgs *m)
{
	memset(m, 0, sizeof(*m));
	addr4(m, PORT, 10, "eth0", 0xffffffffu, 0xffffffffu, 0);
	addr4(m, PORT, 11, "eth0:1", 3000, 0, T0 / 10 - 250);
	addr6(m, 0xfd, 1, IFA_F_PERMANENT, 0);
	addr6(m, 0xfd, 2, IFA_F_PERMANENT | IFA_F_NODAD, 0);
	route4(m, RTPROT_BOOT, PORT);
	route6_multipath(m, 90000); /* 900 s, in clock ticks */
}

static char *encode_skewed(const struct msgs *m, unsigned skew)
{
	struct strbuf sb = { 0 };

	nl_saved_encode(PORT, T0, skew, m->b, m->len, &sb);
	return sb.buf;
}

static char *encode(const struct msgs *m)
{
	return encode_skewed(m, 0);
}

static void test_round_trip(void **state)
{
	struct msgs m;
	struct nl_saved *sv = NULL;
	struct strbuf esc = { 0 };
	const void *back;
	unsigned skew;
	size_t len;
	char *text;

	(void)state;
	sample(&m);
	text = encode_skewed(&m, 321);
	assert_true(nl_saved_is(text));
	assert_null(strpbrk(text, " \t\n|%="));
	/* The journal's percent-encoding leaves it as it is. */
	sb_add_escaped(&esc, text);
	assert_string_equal(esc.buf, text);
	assert_int_equal(nl_saved_decode(text, &sv), 0);
	back = nl_saved_messages(sv, &len);
	assert_int_equal(len, m.len);
	assert_memory_equal(back, m.b, m.len);
	assert_int_equal(nl_saved_time(sv, &skew), T0);
	assert_int_equal(skew, 321);
	assert_int_equal(nl_saved_n_addrs(sv), 4);
	assert_int_equal(nl_saved_n_routes(sv), 2);
	assert_false(nl_saved_multipath(sv, 0));
	assert_true(nl_saved_multipath(sv, 1));
	nl_saved_free(sv);
	sb_free(&esc);
	free(text);

	/* Nothing to keep is a text too. */
	text = encode(&(struct msgs){ .len = 0 });
	assert_int_equal(nl_saved_decode(text, &sv), 0);
	assert_int_equal(nl_saved_n_addrs(sv) + nl_saved_n_routes(sv), 0);
	nl_saved_free(sv);
	free(text);
}

static void refused(const char *text)
{
	struct nl_saved *sv = (struct nl_saved *)&sv;

	if (nl_saved_decode(text, &sv) != -EBADMSG) {
		print_error("decoded, should not be: %s\n", text);
		fail();
	}
	assert_null(sv);
}

static void test_damage_refused(void **state)
{
	static const char subst[] = "A/0:+g%z ";
	struct msgs m;
	char *text, *t;
	size_t n;

	(void)state;
	sample(&m);
	text = encode(&m);
	n = strlen(text);
	t = xmalloc(n + 2);
	for (size_t i = 0; i < n; i++) {
		/* every character changed, several ways */
		for (const char *c = subst; *c; c++) {
			if (*c == text[i])
				continue;
			memcpy(t, text, n + 1);
			t[i] = *c;
			refused(t);
		}
		/* left out */
		memcpy(t, text, i);
		memcpy(t + i, text + i + 1, n - i);
		refused(t);
		/* cut short (to nothing, it is the text of a port that had
		 * nothing, as 0.1.0 wrote it: only the journal's own checks
		 * can tell) */
		memcpy(t, text, i);
		t[i] = '\0';
		if (i)
			refused(t);
		/* one more */
		memcpy(t, text, i);
		t[i] = 'A';
		memcpy(t + i + 1, text + i, n - i + 1);
		refused(t);
	}
	/* one more at the end */
	memcpy(t, text, n);
	memcpy(t + n, "0", 2);
	refused(t);
	free(t);
	free(text);
}

static void test_garbage_with_checksum_refused(void **state)
{
	struct msgs m;
	char *text;

	(void)state;
	/* Whole messages, then bytes that are none: nothing is read. */
	sample(&m);
	memset(m.b + m.len, 0x5a, 8);
	m.len += 8;
	text = encode(&m);
	refused(text);
	free(text);

	/* A message that claims more than there is. */
	sample(&m);
	((struct nlmsghdr *)m.b)->nlmsg_len += 4;
	text = encode(&m);
	refused(text);
	free(text);

	/* An attribute that runs past its message. */
	sample(&m);
	{
		struct nlmsghdr *h = (struct nlmsghdr *)m.b;
		struct rtattr *a =
			(struct rtattr *)((uint8_t *)NLMSG_DATA(h) +
					  NLMSG_ALIGN(
						  sizeof(struct ifaddrmsg)));

		a->rta_len = 200;
	}
	text = encode(&m);
	refused(text);
	free(text);

	/* A message of another kind (a link). */
	memset(&m, 0, sizeof(m));
	msg_start(&m, RTM_NEWLINK, sizeof(struct ifinfomsg));
	msg_end(&m);
	text = encode(&m);
	refused(text);
	free(text);

	/* Other garbage. */
	refused("nl1:");
	refused("nl1:7:1:0::00000000");
	refused("nl1:0:1:0::00000000");
	refused("nl1:07:1:0::00000000");
	refused("nl1:99999999999:1:0::00000000");
	refused("nl1:-7:1:0::00000000");
	refused("nl2:7:1:0::00000000");
	refused("nl1:7:1::00000000");
	refused("not a text at all");
}

static const struct nl_saved_on on_br = { .ifindex = BRIDGE,
					  .port = "eth0",
					  .name = "br-lan" };
static const struct nl_saved_on on_port = { .ifindex = PORT,
					    .port = "eth0",
					    .name = "eth0" };

static struct nlmsghdr *build(const struct nl_saved *sv, bool route, size_t i,
			      bool add, const struct nl_saved_on *on,
			      uint64_t now)
{
	struct nlmsghdr *h = NULL;

	assert_int_equal(nl_saved_build(sv, route, i, add, on, now, &h), 0);
	assert_non_null(h);
	return h;
}

static const struct rtattr *find(const struct nlmsghdr *h, size_t hdr, int type)
{
	int len = (int)(h->nlmsg_len - NLMSG_SPACE(hdr));
	const struct rtattr *a =
		(const struct rtattr *)((const uint8_t *)NLMSG_DATA(h) +
					NLMSG_ALIGN(hdr));

	for (; RTA_OK(a, len); a = RTA_NEXT(a, len))
		if (a->rta_type == type)
			return a;
	return NULL;
}

static uint32_t u32_of(const struct rtattr *a)
{
	uint32_t v;

	assert_non_null(a);
	memcpy(&v, RTA_DATA(a), 4);
	return v;
}

static struct nl_saved *decoded_sample(void)
{
	struct nl_saved *sv = NULL;
	struct msgs m;
	char *text;

	sample(&m);
	text = encode(&m);
	assert_int_equal(nl_saved_decode(text, &sv), 0);
	free(text);
	return sv;
}

static void test_addresses(void **state)
{
	struct nl_saved *sv = decoded_sample();
	const size_t hs = sizeof(struct ifaddrmsg);
	struct ifa_cacheinfo ci;
	struct nlmsghdr *h;

	(void)state;
	/* Order: IPv4 as dumped, IPv6 the other way round. */
	h = build(sv, false, 2, true, &on_port, T0);
	assert_int_equal(((uint8_t *)RTA_DATA(find(h, hs, IFA_ADDRESS)))[15],
			 2);
	free(h);

	/* On the bridge: its ifindex, its name in the label. */
	h = build(sv, false, 1, true, &on_br, T0 + 10500);
	assert_int_equal(h->nlmsg_type, RTM_NEWADDR);
	assert_int_equal(h->nlmsg_flags, NLM_F_CREATE | NLM_F_EXCL);
	assert_int_equal(((struct ifaddrmsg *)NLMSG_DATA(h))->ifa_index,
			 BRIDGE);
	assert_string_equal(RTA_DATA(find(h, hs, IFA_LABEL)), "br-lan:1");
	assert_int_equal(u32_of(find(h, hs, IFA_RT_PRIORITY)), 77);
	assert_int_equal(u32_of(find(h, hs, IFA_FLAGS)) & IFA_F_NOPREFIXROUTE,
			 IFA_F_NOPREFIXROUTE);
	/* Lifetimes: 3000 s counted from 2.5 s before the capture (whole
	 * seconds from 0.5 s before it), 10.5 s later: 2989 s left. */
	memcpy(&ci, RTA_DATA(find(h, hs, IFA_CACHEINFO)), sizeof(ci));
	assert_int_equal(ci.ifa_valid, 2989);
	assert_int_equal(ci.ifa_prefered, 0);
	free(h);

	/* 10.7 s later: 2988.8 s left; but 2989.1 s if the kernel's clock
	 * lags by 0.3 s (its seconds end 0.3 s later). */
	h = build(sv, false, 1, true, &on_br, T0 + 10700);
	memcpy(&ci, RTA_DATA(find(h, hs, IFA_CACHEINFO)), sizeof(ci));
	assert_int_equal(ci.ifa_valid, 2988);
	free(h);
	{
		struct nl_saved *skewed = NULL;
		struct msgs m;
		char *text;

		sample(&m);
		text = encode_skewed(&m, 300);
		assert_int_equal(nl_saved_decode(text, &skewed), 0);
		h = build(skewed, false, 1, true, &on_br, T0 + 10700);
		memcpy(&ci, RTA_DATA(find(h, hs, IFA_CACHEINFO)), sizeof(ci));
		assert_int_equal(ci.ifa_valid, 2989);
		free(h);
		nl_saved_free(skewed);
		free(text);
	}

	/* Back on the port: as it was. */
	h = build(sv, false, 1, true, &on_port, T0);
	assert_int_equal(((struct ifaddrmsg *)NLMSG_DATA(h))->ifa_index, PORT);
	assert_string_equal(RTA_DATA(find(h, hs, IFA_LABEL)), "eth0:1");
	free(h);

	/* A permanent address stays so; a label too long is cut. */
	h = build(sv, false, 0, true,
		  &(struct nl_saved_on){ .ifindex = BRIDGE,
					 .port = "eth0",
					 .name = "br-0123456789ab" },
		  T0 + 1000000);
	memcpy(&ci, RTA_DATA(find(h, hs, IFA_CACHEINFO)), sizeof(ci));
	assert_int_equal(ci.ifa_valid, 0xffffffffu);
	assert_string_equal(RTA_DATA(find(h, hs, IFA_LABEL)),
			    "br-0123456789ab");
	free(h);

	/* Deleted: no lifetimes. */
	h = build(sv, false, 1, false, &on_br, T0);
	assert_int_equal(h->nlmsg_type, RTM_DELADDR);
	assert_null(find(h, hs, IFA_CACHEINFO));
	free(h);

	/* Run out (2999.5 s after it): not added. */
	assert_int_equal(
		nl_saved_build(sv, false, 1, true, &on_port, T0 + 2999500, &h),
		-ESTALE);
	assert_null(h);
	assert_int_equal(nl_saved_build(sv, false, 4, true, &on_port, T0, &h),
			 -EINVAL);
	nl_saved_free(sv);
}

static void test_routes(void **state)
{
	struct nl_saved *sv = decoded_sample();
	const size_t hs = sizeof(struct rtmsg);
	const struct rtnexthop *nh;
	const struct rtattr *a;
	struct nlmsghdr *h;
	long hz = sysconf(_SC_CLK_TCK);

	(void)state;
	h = build(sv, true, 0, true, &on_br, T0);
	assert_int_equal(h->nlmsg_type, RTM_NEWROUTE);
	assert_int_equal(h->nlmsg_flags, NLM_F_CREATE | NLM_F_APPEND);
	assert_int_equal(u32_of(find(h, hs, RTA_OIF)), BRIDGE);
	/* onlink is the route's; linkdown is the link's state. */
	assert_int_equal(((struct rtmsg *)NLMSG_DATA(h))->rtm_flags,
			 RTNH_F_ONLINK);
	assert_null(find(h, hs, RTA_CACHEINFO));
	a = find(h, hs, RTA_METRICS);
	assert_non_null(a);
	assert_int_equal(RTA_PAYLOAD(a), 16);
	free(h);

	/* Multipath: the bridge for the port, the other nexthop as it was;
	 * it replaces the route. */
	h = build(sv, true, 1, true, &on_br, T0 + 100500);
	assert_int_equal(h->nlmsg_flags, NLM_F_CREATE | NLM_F_REPLACE);
	assert_null(find(h, hs, RTA_OIF));
	a = find(h, hs, RTA_MULTIPATH);
	assert_non_null(a);
	nh = RTA_DATA(a);
	assert_int_equal(nh->rtnh_ifindex, BRIDGE);
	assert_int_equal(nh->rtnh_flags, 0);
	nh = RTNH_NEXT(nh);
	assert_int_equal(nh->rtnh_ifindex, OTHER);
	assert_int_equal(nh->rtnh_hops, 1);
	assert_int_equal(*(uint8_t *)RTA_DATA(find(h, hs, RTA_PREF)), 1);
	assert_int_equal(u32_of(find(h, hs, RTA_TABLE)), 100);
	/* Its expiry, 900 s at the capture, 100.5 s later. */
	if (hz == 100)
		assert_int_equal(u32_of(find(h, hs, RTA_EXPIRES)), 799);
	assert_null(find(h, hs, RTA_CACHEINFO));
	free(h);

	h = build(sv, true, 1, false, &on_port, T0);
	assert_int_equal(h->nlmsg_type, RTM_DELROUTE);
	assert_int_equal(h->nlmsg_flags, 0);
	assert_null(find(h, hs, RTA_EXPIRES));
	free(h);
	nl_saved_free(sv);
}

static void test_keep(void **state)
{
	struct msgs m = { .len = 0 };
	const struct nlmsghdr *h;

	(void)state;
	route4(&m, RTPROT_BOOT, PORT);
	route4(&m, RTPROT_KERNEL, PORT);
	route4(&m, RTPROT_RA, PORT);
	route4(&m, RTPROT_STATIC, OTHER);
	route6_multipath(&m, 0);
	addr4(&m, PORT, 10, "eth0", 3000, 0, 0);
	addr4(&m, OTHER, 10, "eth1", 0xffffffffu, 0xffffffffu, 0);
	addr6(&m, 0xfe, 1, IFA_F_PERMANENT, 0);
	addr6(&m, 0xfd, 1, 0, 2);
	addr6(&m, 0xfd, 1, 0, 0);
	addr6(&m, 0xfd, 1, IFA_F_TEMPORARY, 0);
	{
		static const bool want[][2] = {
			{ true, true },	  { false, false }, { false, false },
			{ false, false }, { true, true },   { true, true },
			{ false, false }, { false, false }, { false, false },
			{ false, true },  { false, false },
		};
		size_t k = 0;

		for (size_t off = 0; off < m.len; k++) {
			h = (const struct nlmsghdr *)(m.b + off);
			assert_int_equal(nl_saved_keep(h, PORT, false),
					 want[k][0]);
			assert_int_equal(nl_saved_keep(h, PORT, true),
					 want[k][1]);
			off += NLMSG_ALIGN(h->nlmsg_len);
		}
		assert_int_equal(k, ARRAY_SIZE(want));
	}
}

/* The nexthops last in a message at the end of its buffer: nothing is
 * read past it (run under ASan). */
static void test_multipath_last(void **state)
{
	struct msgs m = { .len = 0 };
	struct nl_saved *sv = NULL;
	struct nlmsghdr *h;
	char *text;
	void *tight;

	(void)state;
	route6_multipath(&m, -1);
	tight = xmalloc(m.len);
	memcpy(tight, m.b, m.len);
	assert_true(nl_saved_keep(tight, PORT, true));
	assert_false(nl_saved_keep(tight, BRIDGE, true));
	free(tight);
	text = encode(&m);
	assert_int_equal(nl_saved_decode(text, &sv), 0);
	h = build(sv, true, 0, true, &on_br, T0);
	assert_non_null(find(h, sizeof(struct rtmsg), RTA_MULTIPATH));
	free(h);
	nl_saved_free(sv);
	free(text);
}

static void test_v0(void **state)
{
	struct nl_saved *sv = NULL;
	const size_t ha = sizeof(struct ifaddrmsg), hr = sizeof(struct rtmsg);
	struct nlmsghdr *h;
	uint8_t *p;

	(void)state;
	assert_false(nl_saved_is("a 192.0.2.7/24 128 0"));
	assert_int_equal(
		nl_saved_decode("a 192.0.2.7/24 128 0 192.0.2.255|"
				"a fd00::7/64 640 0|"
				"r 0.0.0.0/0 192.0.2.1 0 254 1 3 0 0|"
				"r 198.51.100.0/24 192.0.2.254 50 254 1 3 0 0 "
				"192.0.2.7|"
				"r 203.0.113.0/24 - 0 1000 1 3 253 4",
				&sv),
		0);
	assert_int_equal(nl_saved_n_addrs(sv), 2);
	assert_int_equal(nl_saved_n_routes(sv), 3);
	h = build(sv, false, 0, true, &on_br, T0);
	assert_int_equal(((struct ifaddrmsg *)NLMSG_DATA(h))->ifa_index,
			 BRIDGE);
	assert_int_equal(((struct ifaddrmsg *)NLMSG_DATA(h))->ifa_prefixlen,
			 24);
	p = RTA_DATA(find(h, ha, IFA_BROADCAST));
	assert_int_equal(p[3], 255);
	assert_non_null(find(h, ha, IFA_LOCAL));
	assert_null(find(h, ha, IFA_FLAGS));
	free(h);
	h = build(sv, false, 1, true, &on_port, T0);
	assert_int_equal(u32_of(find(h, ha, IFA_FLAGS)), 640);
	free(h);
	h = build(sv, true, 1, true, &on_port, T0);
	assert_int_equal(u32_of(find(h, hr, RTA_OIF)), PORT);
	assert_int_equal(u32_of(find(h, hr, RTA_PRIORITY)), 50);
	assert_non_null(find(h, hr, RTA_PREFSRC));
	free(h);
	h = build(sv, true, 2, true, &on_br, T0);
	assert_int_equal(u32_of(find(h, hr, RTA_TABLE)), 1000);
	assert_int_equal(((struct rtmsg *)NLMSG_DATA(h))->rtm_table,
			 RT_TABLE_UNSPEC);
	assert_int_equal(((struct rtmsg *)NLMSG_DATA(h))->rtm_flags,
			 RTNH_F_ONLINK);
	assert_null(find(h, hr, RTA_GATEWAY));
	free(h);
	nl_saved_free(sv);

	assert_int_equal(nl_saved_decode(NULL, &sv), 0);
	assert_int_equal(nl_saved_n_addrs(sv) + nl_saved_n_routes(sv), 0);
	nl_saved_free(sv);
	assert_int_equal(nl_saved_decode("", &sv), 0);
	nl_saved_free(sv);
	refused("a nonsense");
	refused("a 192.0.2.7/24 128 0|x");
	refused("r 0.0.0.0/0 192.0.2.1 0 254");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_damage_refused),
		cmocka_unit_test(test_garbage_with_checksum_refused),
		cmocka_unit_test(test_addresses),
		cmocka_unit_test(test_routes),
		cmocka_unit_test(test_keep),
		cmocka_unit_test(test_multipath_last),
		cmocka_unit_test(test_v0),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
