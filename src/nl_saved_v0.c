// SPDX-License-Identifier: MIT
/*
 * nl_saved_v0.c - the saved text of nstopo 0.1.0, read into the messages
 * its requests held.
 *
 * That build kept an adopted port's addresses and routes as a summary
 * (entries separated by '|'):
 *   a PREFIX FLAGS SCOPE [BROADCAST]
 *   r TO VIA|- METRIC TABLE TYPE PROTOCOL SCOPE FLAGS [SRC]
 * A lab it applied may still be up when this build destroys it: the
 * entries become the RTM_NEWADDR and RTM_NEWROUTE messages that build
 * sent, so the one replay of nl_saved.c gives the port back as it would
 * have done.
 */
#include <errno.h>
#include <string.h>
#include <linux/if_addr.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <sys/socket.h>

#include "nl_saved.h"

struct msgbuf {
	union {
		struct nlmsghdr h;
		uint8_t b[256]; /* a header, a body and five attributes */
	} u;
};

static void *mb_start(struct msgbuf *m, uint16_t type, size_t body)
{
	memset(m, 0, sizeof(*m));
	m->u.h.nlmsg_type = type;
	m->u.h.nlmsg_len = (uint32_t)NLMSG_SPACE(body);
	return NLMSG_DATA(&m->u.h);
}

static void mb_put(struct msgbuf *m, int type, const void *data, size_t n)
{
	struct rtattr *a = (struct rtattr *)(m->u.b + m->u.h.nlmsg_len);

	a->rta_type = (unsigned short)type;
	a->rta_len = (unsigned short)RTA_LENGTH(n);
	memcpy(RTA_DATA(a), data, n);
	m->u.h.nlmsg_len += RTA_ALIGN(a->rta_len);
}

static void mb_end(const struct msgbuf *m, struct strbuf *msgs)
{
	sb_addn(msgs, (const char *)m->u.b, NLMSG_ALIGN(m->u.h.nlmsg_len));
}

static size_t alen(const struct prefix *p)
{
	return p->family == AF_INET ? 4 : 16;
}

static int v0_addr(const char *e, int port, struct strbuf *msgs)
{
	char p1[64], p2[64];
	unsigned flags, scope;
	struct prefix p, brd;
	struct ifaddrmsg *ifa;
	const char *why;
	struct msgbuf m;
	int n = sscanf(e, "a %63s %u %u %63s", p1, &flags, &scope, p2);

	if (n < 3 || prefix_parse(p1, &p, true, &why))
		return -EBADMSG;
	ifa = mb_start(&m, RTM_NEWADDR, sizeof(*ifa));
	ifa->ifa_family = p.family;
	ifa->ifa_prefixlen = p.plen;
	ifa->ifa_flags = (uint8_t)flags;
	ifa->ifa_scope = (uint8_t)scope;
	ifa->ifa_index = (uint32_t)port;
	mb_put(&m, IFA_LOCAL, p.bytes, alen(&p));
	mb_put(&m, IFA_ADDRESS, p.bytes, alen(&p));
	if (flags > 0xff)
		mb_put(&m, IFA_FLAGS, &flags, sizeof(flags));
	if (n == 4 && !prefix_parse(p2, &brd, false, &why) &&
	    brd.family == AF_INET)
		mb_put(&m, IFA_BROADCAST, brd.bytes, 4);
	mb_end(&m, msgs);
	return 0;
}

static int v0_route(const char *e, int port, struct strbuf *msgs)
{
	char p1[64], p3[64], p4[64];
	unsigned u[6];
	struct prefix to, via, src;
	struct rtmsg *rtm;
	const char *why;
	struct msgbuf m;
	uint32_t oif = (uint32_t)port;
	int n = sscanf(e, "r %63s %63s %u %u %u %u %u %u %63s", p1, p3, &u[0],
		       &u[1], &u[2], &u[3], &u[4], &u[5], p4);

	if (n < 8 || prefix_parse(p1, &to, true, &why) ||
	    (strcmp(p3, "-") && prefix_parse(p3, &via, false, &why)) ||
	    (n == 9 && prefix_parse(p4, &src, false, &why)))
		return -EBADMSG;
	rtm = mb_start(&m, RTM_NEWROUTE, sizeof(*rtm));
	rtm->rtm_family = to.family;
	rtm->rtm_dst_len = to.plen;
	rtm->rtm_table = u[1] < 256 ? (uint8_t)u[1] : RT_TABLE_UNSPEC;
	rtm->rtm_type = (uint8_t)u[2];
	rtm->rtm_protocol = (uint8_t)u[3];
	rtm->rtm_scope = (uint8_t)u[4];
	rtm->rtm_flags = u[5] & RTNH_F_ONLINK;
	if (to.plen)
		mb_put(&m, RTA_DST, to.bytes, alen(&to));
	if (strcmp(p3, "-"))
		mb_put(&m, RTA_GATEWAY, via.bytes, alen(&to));
	mb_put(&m, RTA_OIF, &oif, sizeof(oif));
	if (n == 9)
		mb_put(&m, RTA_PREFSRC, src.bytes, alen(&to));
	if (u[0] || to.family == AF_INET6)
		mb_put(&m, RTA_PRIORITY, &u[0], sizeof(u[0]));
	mb_put(&m, RTA_TABLE, &u[1], sizeof(u[1]));
	mb_end(&m, msgs);
	return 0;
}

int nl_saved_v0(const char *text, int port, struct strbuf *msgs)
{
	char *copy = xstrdup(text ? text : ""), *save = NULL;
	int rc = 0;

	for (char *e = strtok_r(copy, "|", &save); e && !rc;
	     e = strtok_r(NULL, "|", &save)) {
		if (e[0] == 'a')
			rc = v0_addr(e, port, msgs);
		else if (e[0] == 'r')
			rc = v0_route(e, port, msgs);
		else
			rc = -EBADMSG;
	}
	free(copy);
	return rc;
}
