// SPDX-License-Identifier: MIT
/*
 * ready.c - waiting until a lab that apply made is usable.
 *
 * Every request of apply is acknowledged when it returns, but the kernel
 * finishes bringing links up in its own workers (see late_up() in
 * compile.c): carrier, then IPv6 start-up on each interface.  This waits
 * until each late link is operational, then until every address the lab
 * added can be used, and, when asked, until autoconf interfaces have an
 * address from a router advertisement.  Each namespace's addresses are
 * dumped once a round, not once an op.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <string.h>
#include <time.h>

#include "nl.h"
#include "ready.h"

struct mgroup {
	int ifindex;
	uint8_t group[16];
};

struct ns_addrs {
	const char *ns; /* whose addresses these are; NULL: none yet */
	bool valid;
	struct addr_info *v;
	size_t n, cap;
	struct mgroup *g; /* IPv6 multicast groups joined */
	size_t n_g, cap_g;
	struct arena arena;
};

static int keep_group(int ifindex, const uint8_t group[16], void *arg)
{
	struct ns_addrs *d = arg;
	struct mgroup *m = vec_push(&d->arena, d->g, d->n_g, d->cap_g);

	m->ifindex = ifindex;
	memcpy(m->group, group, 16);
	return 0;
}

static int keep_addr(const struct addr_info *a, void *arg)
{
	struct ns_addrs *d = arg;

	*(struct addr_info *)vec_push(&d->arena, d->v, d->n, d->cap) = *a;
	return 0;
}

/* The addresses of @ns, dumped once until @d is invalidated. */
static int addrs_of(struct run *x, const char *ns, struct ns_addrs *d,
		    struct nsh **h)
{
	int rc = nsh_get(x, ns, h);

	if (rc)
		return rc;
	if (d->valid && (d->ns == ns || (d->ns && ns && !strcmp(d->ns, ns))))
		return 0;
	arena_free(&d->arena);
	memset(d, 0, sizeof(*d));
	rc = netlink_addr_dump((*h)->nl, keep_addr, d);
	if (!rc)
		rc = netlink_mcast6_dump((*h)->nl, keep_group, d);
	d->ns = ns;
	d->valid = !rc;
	return rc;
}

static const char not_joined[] = "has not joined its solicited-node group yet";

/*
 * An IPv6 address answers neighbour solicitations only once the kernel
 * has joined its solicited-node group, which it does in the address's
 * DAD work (run, if skipped, on a shared workqueue: later under load);
 * and the link needs its link-local address past DAD.  Neither shows in
 * the address's own flags.
 */
static bool ipv6_ready(const struct prefix *p, int ifindex,
		       const struct ns_addrs *d, bool need_ll, const char **why)
{
	uint8_t sn[16] = { 0xff, 0x02, [11] = 0x01, [12] = 0xff };
	bool joined = false;

	memcpy(sn + 13, p->bytes + 13, 3);
	for (size_t i = 0; i < d->n && need_ll; i++)
		if (d->v[i].ifindex == ifindex &&
		    prefix_is_link_local(&d->v[i].p) && d->v[i].tentative) {
			*why = "waits for its link's link-local address";
			return false;
		}
	for (size_t i = 0; i < d->n_g && !joined; i++)
		joined = d->g[i].ifindex == ifindex &&
			 !memcmp(d->g[i].group, sn, 16);
	if (!joined)
		*why = not_joined;
	return joined;
}

/* Is op (an ADDR_ADD, or an autoconf sysctl) satisfied?  Sets *why if not. */
static bool op_ready(const struct op *op, int ifindex, const struct ns_addrs *d,
		     bool need_ll, const char **why)
{
	*why = "is missing";
	for (size_t i = 0; i < d->n; i++) {
		const struct addr_info *a = &d->v[i];
		bool tentative = a->tentative || a->dadfailed;
		bool link_local = prefix_is_link_local(&a->p);

		if (a->ifindex != ifindex)
			continue;
		if (op->kind == OP_ADDR_ADD) {
			if (a->p.family != op->addr.family ||
			    a->p.plen != op->addr.plen ||
			    memcmp(a->p.bytes, op->addr.bytes, 16))
				continue;
			*why = a->dadfailed ?
				       "failed duplicate address detection" :
				       "is still tentative";
			if (tentative)
				return false;
			return a->p.family != AF_INET6 ||
			       ipv6_ready(&a->p, ifindex, d, need_ll, why);
		}
		/* autoconf: an address the interface learnt (not permanent) */
		if (a->p.family == AF_INET6 && !a->permanent && !link_local &&
		    !tentative)
			return true;
	}
	return false;
}

static const char *ns_name(const char *ns)
{
	return ns ? ns : "the host";
}

/*
 * Does anything of the lab need the link-local addresses (routes via a
 * link-local gateway, router advertisements)?  Only then is waiting for
 * them worth it: under the start-up multicast of a large lab they come
 * seconds after the rest.
 */
static bool needs_link_local(const struct plan *p, size_t n_ops)
{
	for (size_t i = 0; i < n_ops; i++) {
		const struct op *op = &p->ops[i];

		if (op->kind == OP_ROUTE_ADD && op->route.has_via &&
		    prefix_is_link_local(&op->route.via))
			return true;
		if (op->kind == OP_SYSCTL_SET && strcmp(op->value, "0") &&
		    (strstr(op->key, ".accept_ra") ||
		     strstr(op->key, ".autoconf")))
			return true;
	}
	return false;
}

int wait_ready(struct run *x, const struct plan *p, size_t n_ops,
	       double timeout, bool autoconf, struct strbuf *msg)
{
	double deadline = now_monotonic() + timeout;
	char name[IFNAME_MAX + 1], buf[INET6_ADDRSTRLEN + 4];
	struct ns_addrs d = { 0 };
	bool need_ll = needs_link_local(p, n_ops);
	int rc = 0;

	for (size_t i = 0; i < n_ops && !rc;) {
		const struct op *op = &p->ops[i];
		bool is_auto = autoconf && op->kind == OP_SYSCTL_SET &&
			       strstr(op->key, ".autoconf") &&
			       !strcmp(op->value, "1") &&
			       sysctl_key_ifname(op->key, name);
		const char *dev = is_auto ? name : op->link.name, *why = NULL;
		struct link_info li;
		struct nsh *h;
		int idx;

		if (op->kind == OP_LINK_SET && op->settle) {
			rc = nsh_get(x, op_ns(op), &h);
			if (!rc)
				rc = netlink_link_get(h->nl, op->link.name,
						      &li);
			if (!rc && li.oper_up) {
				i++;
				continue;
			}
			why = "has no carrier yet";
		} else if (op->kind == OP_ADDR_ADD || is_auto) {
			rc = addrs_of(x, op_ns(op), &d, &h);
			idx = rc ? rc : ifindex_of(x, h, dev);
			rc = idx < 0 ? idx : 0;
			if (!rc && op_ready(op, idx, &d, need_ll, &why)) {
				i++;
				continue;
			}
			/* An interface that does no neighbour discovery
			 * (lo, a NOARP device) joins no such group. */
			if (!rc && why == not_joined &&
			    !(rc = netlink_link_get(h->nl, dev, &li)) &&
			    li.no_nd) {
				i++;
				continue;
			}
		} else {
			i++;
			continue;
		}
		if (rc)
			break;
		if (x->o->stop && *x->o->stop && !x->undo) {
			sb_printf(msg, "interrupted by a signal");
			rc = -EINTR;
			break;
		}
		if (now_monotonic() > deadline) {
			if (op->kind == OP_LINK_SET)
				sb_printf(msg, "after %g s, %s in %s %s",
					  timeout, dev, ns_name(op_ns(op)),
					  why);
			else if (is_auto)
				sb_printf(
					msg,
					"after %g s, %s in %s has no address from a router advertisement yet",
					timeout, dev, ns_name(op_ns(op)));
			else {
				prefix_format(&op->addr, true, buf,
					      sizeof(buf));
				sb_printf(
					msg,
					"after %g s, address %s of %s in %s %s",
					timeout, buf, dev, ns_name(op_ns(op)),
					why);
			}
			rc = -ETIMEDOUT;
			break;
		}
		d.valid = false; /* look again, a moment later */
		nanosleep(&(struct timespec){ .tv_nsec = 2 * 1000000 }, NULL);
	}
	if (rc && rc != -ETIMEDOUT && !msg->len)
		sb_printf(msg, "cannot check the lab's links and addresses: %s",
			  strerror(-rc));
	arena_free(&d.arena);
	return rc;
}
