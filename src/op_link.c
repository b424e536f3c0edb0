// SPDX-License-Identifier: MIT
/*
 * op_link.c - link.add, link.set and link.del: interfaces of every kind
 * (linkkind.c), made, changed and (in the host) deleted.
 *
 * Host links are deleted only if they carry the lab's group or alias, so
 * an interface that was never the lab's is never touched.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <string.h>

#include "nl.h"
#include "run.h"

/*
 * One request makes the link: a bridge or dummy where it lives; a veth
 * pair with its peer placed in the peer's namespace; a macvlan, ipvlan or
 * vlan in its parent's namespace, placed in its own.
 */
/* Set what the op says of an end that exists: its MTU, MAC, master, up. */
static int end_in_place(struct run *x, struct nsh *h, const struct op_if *oi,
			int ifindex, int master)
{
	int rc = netlink_link_set(h->nl,
				  &(struct link_req){
					  .ifindex = ifindex,
					  .mtu = oi->mtu,
					  .mac = oi->has_mac ? oi->mac : NULL,
					  .master = master,
					  .up = oi->up,
					  .ns_fd = -1,
				  });

	return rc ? run_fail(x, h, rc) : 0;
}

/* Its kind's settings, to the op's mode (a bridge's querier on or off):
 * setting them again as they are changes nothing. */
static int mode_in_place(struct run *x, struct nsh *h, const struct op *op,
			 int ifindex)
{
	const struct link_kind_desc *kind = link_kind(op->type);
	struct link_req r = { .name = op->link.name,
			      .ifindex = ifindex,
			      .mode = op->mode,
			      .ns_fd = -1 };
	int rc = netlink_link_change(h->nl, kind->name, kind->fill_mode, &r);

	if (!rc && kind->fill_again)
		rc = netlink_link_change(h->nl, kind->name, kind->fill_again,
					 &r);
	return rc ? run_fail(x, h, rc) : 0;
}

/* Whether a later op of the running plan sets @op's link to its mode
 * (the link set after a bridge's ports join, compile.c).  Looked for
 * from the end: it comes after every port, near the plan's end. */
static bool mode_later(const struct run *x, const struct op *op)
{
	const struct plan *p = x->plan;

	if (!p || op < p->ops || op >= p->ops + p->n_ops)
		return false;
	for (const struct op *o = p->ops + p->n_ops; --o > op;)
		if (o->kind == OP_LINK_SET && o->type == op->type &&
		    !strcmp(o->link.name, op->link.name) &&
		    str_same(op_ns(o), op_ns(op)))
			return true;
	return false;
}

/*
 * The name a host link had when the lab marked it ("nstopo:LAB/NAME" in
 * its alias; earlier builds wrote "nstopo:LAB", with the name as it is),
 * or NULL: the link is not the lab's.  The group is only a hint: labs
 * can share one.
 */
static const char *marked_name(const struct run *x, const struct link_info *li)
{
	size_t n = strlen(x->mark);

	if (strncmp(li->alias, x->mark, n))
		return NULL;
	if (li->alias[n] == '/' && li->alias[n + 1])
		return li->alias + n + 1;
	return li->alias[n] ? NULL : li->name;
}

/*
 * One end of a pair is gone (its namespace was removed by hand): the
 * other, @name in @h, is a half the kernel has not deleted yet (it does so
 * with the old namespace: later, or never while a process holds it), and
 * it holds the name the pair is made with.  It is deleted first, if it is
 * the lab's: in a node, a link of the pair's kind; in the host, one that
 * carries the lab's mark for that name.  Returns 1 (make the pair), or
 * -errno.
 */
static int drop_half(struct run *x, const struct op *op, struct nsh *h,
		     const char *name)
{
	const struct link_kind_desc *kind = link_kind(op->type);
	struct link_info li;
	const char *marked;
	int rc = netlink_link_get(h->nl, name, &li);

	if (gone(rc))
		return 1;
	if (rc)
		return run_fail(x, h, rc);
	marked = h->name ? name : marked_name(x, &li);
	if (strcmp(li.kind, kind->name) || !marked || strcmp(marked, name)) {
		snprintf(x->why, sizeof(x->why),
			 "%s is there, and it is not the lab's: left alone",
			 name);
		return -EEXIST;
	}
	rc = netlink_link_del(h->nl, li.ifindex);
	if (rc && !gone(rc))
		return run_fail(x, h, rc);
	return 1;
}

/*
 * An edit of a running lab, and the link is there: of the kind the op
 * says (else it is someone else's), it keeps its place and gets the
 * attributes the file gives it now.  Not there (it drifted away), it is
 * made.  Returns 1 if it was not there.
 */
static int keep_link(struct run *x, struct op *op, struct nsh *home,
		     struct nsh *p, int master)
{
	const struct link_kind_desc *kind = link_kind(op->type);
	struct link_info li, pi;
	int rc = netlink_link_get(home->nl, op->link.name, &li);

	if (gone(rc))
		return kind->ends == 2 && p ?
			       drop_half(x, op, p, op->peer.name) :
			       1;
	if (rc)
		return run_fail(x, home, rc);
	if (strcmp(li.kind, kind->name)) {
		snprintf(x->why, sizeof(x->why),
			 "%s is a %s, not a %s: it is not the lab's",
			 op->link.name, li.kind[0] ? li.kind : "device",
			 kind->name);
		return -EEXIST;
	}
	if (kind->ends == 2 && p) {
		rc = netlink_link_get(p->nl, op->peer.name, &pi);
		/* Its peer's namespace was removed by hand: this end is a
		 * half (and its index is not remembered: it goes). */
		if (gone(rc))
			return drop_half(x, op, home, op->link.name);
		if (rc)
			return run_fail(x, p, rc);
	}
	nsh_remember(x, home, op->link.name, li.ifindex);
	rc = end_in_place(x, home, &op->link, li.ifindex, master);
	if (!rc && kind->fill_mode)
		rc = mode_in_place(x, home, op, li.ifindex);
	if (!rc && kind->ends == 2 && p) {
		nsh_remember(x, p, op->peer.name, pi.ifindex);
		rc = end_in_place(x, p, &op->peer, pi.ifindex, 0);
	}
	return gone(rc) ? 0 : rc;
}

/* What a VXLAN adds to each frame: outer IP, UDP, its header, the inner
 * Ethernet header. */
static uint32_t tunnel_overhead(const struct tunnel_spec *t)
{
	int family = t->local.family ? t->local.family : t->remote.family;

	return family == AF_INET6 ? 70 : 50;
}

struct find_addr {
	const struct prefix *want;
	int ifindex;
};

static int note_addr(const struct addr_info *a, void *arg)
{
	struct find_addr *f = arg;

	if (a->p.family != f->want->family ||
	    memcmp(a->p.bytes, f->want->bytes, 16))
		return 0;
	f->ifindex = a->ifindex;
	return 1;
}

struct find_link {
	int ifindex;
	struct link_info li;
};

static int note_link(const struct link_info *li, void *arg)
{
	struct find_link *f = arg;

	if (li->ifindex != f->ifindex)
		return 0;
	f->li = *li;
	return 1;
}

/*
 * A tunnel's underlay in the host: the device the op names (its lower
 * device, which the kernel sizes the MTU by and sends through), or else
 * the one that has its local address, only to check the MTU against:
 * binding the tunnel to it would pin every packet to that device.  The
 * local address must be this machine's: a share of a lab run on the
 * wrong machine stops here.
 */
static int tunnel_underlay(struct run *x, struct nsh *h, const struct op *op,
			   int *lower)
{
	const struct tunnel_spec *t = &op->tun;
	uint32_t over = tunnel_overhead(t);
	char buf[INET6_ADDRSTRLEN + 4];
	struct find_addr fa = { .want = &t->local };
	struct find_link fl = { 0 };
	int rc;

	*lower = 0;
	if (t->local.family) {
		rc = netlink_addr_dump(h->nl, note_addr, &fa);
		if (rc < 0)
			return run_fail(x, h, rc);
		if (!fa.ifindex) {
			prefix_format(&t->local, false, buf, sizeof(buf));
			snprintf(
				x->why, sizeof(x->why),
				"local address %s is on no interface of this machine",
				buf);
			return -EADDRNOTAVAIL;
		}
	}
	if (t->dev) {
		rc = netlink_link_get(h->nl, t->dev, &fl.li);
		if (gone(rc)) {
			snprintf(
				x->why, sizeof(x->why),
				"its underlay device %s does not exist in the host",
				t->dev);
			return -ENODEV;
		}
		if (rc)
			return run_fail(x, h, rc);
		*lower = fl.li.ifindex;
	} else if (fa.ifindex) {
		fl.ifindex = fa.ifindex;
		rc = netlink_link_dump(h->nl, note_link, &fl);
		if (rc < 0)
			return run_fail(x, h, rc);
	}
	if (op->link.mtu && fl.li.mtu && op->link.mtu + over > fl.li.mtu) {
		snprintf(
			x->why, sizeof(x->why),
			"mtu %u does not fit its underlay %s (mtu %u): at most %u, with the %u bytes VXLAN adds",
			op->link.mtu, fl.li.name, fl.li.mtu, fl.li.mtu - over,
			over);
		return -EMSGSIZE;
	}
	return 0;
}

static int do_link_add(struct run *x, struct op *op)
{
	const struct link_kind_desc *kind = link_kind(op->type);
	bool pair = kind->ends == 2;
	struct nsh *home, *h, *p = NULL; /* lives in, asked in, peer */
	struct link_req m = {
		.name = op->link.name,
		.mtu = op->link.mtu,
		.mac = op->link.has_mac ? op->link.mac : NULL,
		.up = op->link.up,
		.ns_fd = -1,
		.mode = op->mode,
		.id = op->id,
		.txqueues = kind->txqueues,
	};
	struct link_req pr = { .ns_fd = -1, .txqueues = kind->txqueues };
	uint32_t mtu_later = kind->mtu_again ? m.mtu : 0;
	int rc;

	/* Made with another MTU (within 68..65535), so that setting it is a
	 * change (mtu_again). */
	if (mtu_later)
		m.mtu = mtu_later > 68 ? mtu_later - 1 : mtu_later + 1;
	rc = nsh_get(x, op->link.ns, &home);
	h = home;
	if (!rc && op->parent.name)
		rc = nsh_get(x, op->parent.ns, &h);
	if (!rc && kind->home == HOME_HOST)
		rc = nsh_get(x, NULL, &h);
	if (!rc && pair)
		rc = nsh_get(x, op->peer.ns, &p);
	if (rc)
		return run_fail(x, NULL, rc);
	if (op->link.master) {
		m.master = ifindex_of(x, home, op->link.master);
		if (m.master < 0)
			return m.master;
	}
	if (x->ensure) {
		rc = keep_link(x, op, home, p, m.master);
		if (rc <= 0)
			return rc;
	}
	if (op->parent.name) {
		m.link = ifindex_of(x, h, op->parent.name);
		if (m.link < 0)
			return m.link;
		if (h != home)
			m.ns_fd = home->fd;
	}
	if (kind->home == HOME_HOST && h != home)
		m.ns_fd = home->fd;
	if (kind->underlay) {
		rc = tunnel_underlay(x, h, op, &m.lower);
		if (rc)
			return rc;
		m.tun = &op->tun;
	}
	if (!home->name && op->mark)
		m.group = x->group;
	if (home->created && home->own_index)
		m.ifindex = x->next_ifindex;
	if (pair && p) {
		m.peer = &pr;
		pr.name = op->peer.name;
		pr.mtu = op->peer.mtu;
		pr.mac = op->peer.has_mac ? op->peer.mac : NULL;
		pr.ns_fd = p->fd;
		if (!p->name && op->mark)
			pr.group = x->group;
		/* The kernel takes a peer's index only with the main one's. */
		if (m.ifindex && p->created && p->own_index)
			pr.ifindex = m.ifindex + 1;
	}
	rc = netlink_link_add(h->nl, kind->name, kind->fill, &m);
	if ((rc == -EBUSY || rc == -EEXIST) && (m.ifindex || pr.ifindex)) {
		/* An index we chose is taken after all (the kernel says
		 * EEXIST when a link of its namespace has it, EBUSY when it
		 * is reserved): let the kernel choose in these namespaces
		 * from now on.  A name that is taken fails again. */
		home->own_index = false;
		if (p)
			p->own_index = false;
		m.ifindex = pr.ifindex = 0;
		rc = netlink_link_add(h->nl, kind->name, kind->fill, &m);
	}
	if (rc == -EOPNOTSUPP) {
		snprintf(
			x->why, sizeof(x->why),
			"this kernel has no '%s' link type (module not built or not loaded)",
			kind->name);
		return rc;
	}
	/* Set after, it is the user's: ports joining keep it. */
	if (!rc && mtu_later)
		rc = netlink_link_set(h->nl, &(struct link_req){
						     .name = m.name,
						     .ifindex = m.ifindex,
						     .mtu = mtu_later,
						     .ns_fd = -1,
					     });
	/* A querier bridge is the querier at once, before its ports join:
	 * the kernel lets a new querier wait a response interval, and
	 * floods the reports that answer its first queries meanwhile
	 * (nl_bridge.c). */
	if (!rc && kind->fill_again)
		rc = netlink_link_change(h->nl, kind->name, kind->fill_again,
					 &m);
	/* A plan of an earlier build (a journal's, going back after a
	 * failed edit) has no link set that switches a bridge's snooping
	 * on: it gets its mode at once. */
	if (!rc && kind->fill_mode && !mode_later(x, op))
		rc = mode_in_place(x, h, op, m.ifindex);
	if (rc)
		return run_fail(x, h, rc);
	/* Where the kernel chose an index, it may be one the counter
	 * gives next: the kernel chooses there from now on. */
	if (!m.ifindex && home->created)
		home->own_index = false;
	if (pair && p && !pr.ifindex && p->created)
		p->own_index = false;
	if (m.ifindex) {
		nsh_remember(x, home, m.name, m.ifindex);
		x->next_ifindex = m.ifindex + 1;
	}
	if (pr.ifindex) {
		nsh_remember(x, p, pr.name, pr.ifindex);
		x->next_ifindex = pr.ifindex + 1;
	}
	/*
	 * A new pair's ends are without carrier, an event the kernel's
	 * linkwatch queues for each.  An end that stays down until the
	 * lab's late ends come up stays queued, and every urgent linkwatch
	 * run (each port that comes up meanwhile) walks the whole queue
	 * under RTNL: quadratic in the lab's size (a 10,010-node campus,
	 * ~1 s of its 9).  Reading the end back makes the kernel handle
	 * its event at once (rtnl_getlink() syncs it).  For speed only: the
	 * pair is made, whatever the read-back answers.
	 */
	if (op->link.late)
		netlink_link_sync(home->nl, m.ifindex, m.name);
	if (op->peer.late && p)
		netlink_link_sync(p->nl, pr.ifindex, pr.name);
	x->res->links++;
	return 0;
}

static int do_link_set(struct run *x, struct op *op)
{
	char alias[LINK_MARK_MAX];
	struct link_req r = {
		.name = op->link.name,
		.mtu = op->link.mtu,
		.mac = op->link.has_mac ? op->link.mac : NULL,
		.up = op->link.up,
		.ns_fd = -1,
	};
	struct nsh *h;
	int rc, i;

	rc = nsh_get(x, op->link.ns, &h);
	if (rc)
		return run_fail(x, NULL, rc);
	i = strmap_get(&h->idx, op->link.name);
	r.ifindex = i > 0 ? i : 0; /* else by name: no lookup needed */
	/* Its kind's mode, once the ports have joined (a bridge's
	 * snooping; nl_bridge.c).  (A kind without modes to change, which
	 * only a forged journal names here, changes nothing.) */
	if (op->type != LK_NONE)
		return link_kind(op->type)->fill_mode ?
			       mode_in_place(x, h, op, r.ifindex) :
			       0;
	if (op->link.master) {
		struct link_info li;

		r.master = ifindex_of(x, h, op->link.master);
		if (r.master < 0)
			return r.master;
		/*
		 * Reading the link back makes the kernel apply its pending
		 * carrier change first (rtnl_getlink() syncs linkwatch): a
		 * new veth end whose peer is down is then seen as down, and
		 * the bridge does not enable it as a live port, which walks
		 * every port of the bridge to elect their states again.
		 */
		rc = netlink_link_get(h->nl, op->link.name, &li);
		if (rc)
			return run_fail(x, h, rc);
		r.ifindex = li.ifindex;
	}
	if (op->mark) {
		r.alias = lab_link_mark(x->lab, op->link.name, alias,
					sizeof(alias));
		r.group = x->group;
	}
	rc = netlink_link_set(h->nl, &r);
	return rc ? run_fail(x, h, rc) : 0;
}

/*
 * A host link is made with the lab's group, and gets its alias a few
 * steps later (when it is set up): a run killed or failing in between
 * left it with the group alone.  The group is no proof (labs can share
 * one), but with no alias at all and a journal of a run that did not
 * finish, or an edit taking back what it has just made, the link is that
 * run's.
 */
static bool unmarked_ours(const struct run *x, const struct link_info *li)
{
	return !li->alias[0] && li->group == x->group &&
	       (!x->complete || x->going_back);
}

struct group_check {
	const struct run *x;
	struct strmap *ours; /* names the plan deletes */
	size_t members;
	bool foreign;
};

static int note_group_member(const struct link_info *li, void *arg)
{
	struct group_check *g = arg;
	const char *name;

	if (li->group != g->x->group)
		return 0;
	g->members++;
	name = marked_name(g->x, li);
	if (!name || strmap_get(g->ours, name) < 0)
		g->foreign = true;
	return 0;
}

/*
 * Destroy's fast path: every host link of the lab in one request, by its
 * group, so the kernel unregisters them in one batch instead of paying a
 * full teardown each.  Only if every link now in that group is one the
 * plan deletes and carries the lab's mark; otherwise one by one.
 */
static void group_delete(struct run *x)
{
	struct strmap ours = { 0 };
	struct group_check g = { .x = x, .ours = &ours };
	size_t n = 0;

	for (size_t i = 0; i < x->plan->n_ops; i++) {
		const struct op *op = &x->plan->ops[i];

		if (op->kind == OP_LINK_DEL && op->mark && !op->link.ns) {
			strmap_put(&ours, op->link.name, (int)i);
			n++;
		}
	}
	if (n > 1 && !netlink_link_dump(x->host.nl, note_group_member, &g) &&
	    !g.foreign && g.members)
		netlink_link_del_group(x->host.nl, x->group);
	strmap_free(&ours);
}

struct renamed {
	const struct run *x;
	const char *name; /* the name it had */
	struct link_info found;
	bool seen;
};

static int find_renamed(const struct link_info *li, void *arg)
{
	struct renamed *r = arg;
	const char *name = marked_name(r->x, li);

	if (!r->seen && name && name != li->name && !strcmp(name, r->name)) {
		r->found = *li;
		r->seen = true;
	}
	return 0;
}

static int do_link_del(struct run *x, struct op *op)
{
	struct link_info li;
	struct nsh *h;
	int rc;

	rc = nsh_get(x, op->link.ns, &h);
	if (rc)
		return gone(rc) ? 0 : run_fail(x, NULL, rc);
	if (!x->group_tried && op->mark && !h->name) {
		x->group_tried = true;
		group_delete(x);
	}
	rc = netlink_link_get(h->nl, op->link.name, &li);
	if (gone(rc) && op->mark && !h->name) {
		/* Renamed by hand since: found by its mark. */
		struct renamed r = { .x = x, .name = op->link.name };

		rc = netlink_link_dump(h->nl, find_renamed, &r);
		if (!rc && !r.seen)
			rc = -ENODEV;
		if (!rc)
			li = r.found;
	}
	if (gone(rc)) {
		x->res->links += !h->name; /* "host links removed" */
		return 0;
	}
	if (rc)
		return run_fail(x, h, rc);
	if (op->mark && !marked_name(x, &li) && !unmarked_ours(x, &li)) {
		run_warn(
			x,
			"interface %s in %s does not carry lab %s's mark: left alone",
			op->link.name, h->name ? h->name : "the host", x->lab);
		return 0;
	}
	rc = netlink_link_del(h->nl, li.ifindex);
	if (rc && !gone(rc))
		return run_fail(x, h, rc);
	x->res->links += !h->name;
	return 0;
}

static void if_attrs_format(struct strbuf *sb, const struct op_if *oi)
{
	char mac[MAC_TEXT];

	if (oi->mtu)
		sb_printf(sb, " mtu %u", oi->mtu);
	if (oi->has_mac)
		sb_printf(sb, " address %s", mac_format(oi->mac, mac));
	if (oi->master)
		sb_printf(sb, " master %s", oi->master);
	if (oi->up)
		sb_add(sb, " up");
}

static void if_json(struct strbuf *sb, const char *key, const struct op_if *oi)
{
	char mac[MAC_TEXT];

	sb_printf(sb, ",\"%s\":{\"name\":", key);
	sb_json_str(sb, oi->name);
	sb_add(sb, ",\"netns\":");
	sb_json_str(sb, ns_label(oi->ns));
	if (oi->mtu)
		sb_printf(sb, ",\"mtu\":%u", oi->mtu);
	if (oi->has_mac)
		sb_printf(sb, ",\"mac\":\"%s\"", mac_format(oi->mac, mac));
	sb_json_kv(sb, "master", oi->master);
	if (oi->up)
		sb_add(sb, ",\"up\":true");
	sb_addc(sb, '}');
}

/* " remote ADDR local ADDR dev DEV dstport PORT", as ip prints them. */
static void tunnel_format(struct strbuf *sb, const struct tunnel_spec *t)
{
	char buf[INET6_ADDRSTRLEN + 4];

	if (t->remote.family) {
		prefix_format(&t->remote, false, buf, sizeof(buf));
		sb_printf(sb, " remote %s", buf);
	}
	if (t->local.family) {
		prefix_format(&t->local, false, buf, sizeof(buf));
		sb_printf(sb, " local %s", buf);
	}
	if (t->dev)
		sb_printf(sb, " dev %s", t->dev);
	sb_printf(sb, " dstport %u", t->port);
}

static void tunnel_json(struct strbuf *sb, const struct tunnel_spec *t)
{
	char buf[INET6_ADDRSTRLEN + 4];

	if (t->remote.family) {
		prefix_format(&t->remote, false, buf, sizeof(buf));
		sb_printf(sb, ",\"remote\":\"%s\"", buf);
	}
	if (t->local.family) {
		prefix_format(&t->local, false, buf, sizeof(buf));
		sb_printf(sb, ",\"local\":\"%s\"", buf);
	}
	sb_json_kv(sb, "dev", t->dev);
	sb_printf(sb, ",\"dstport\":%u", t->port);
}

static void link_add_format(const struct op *op, struct strbuf *sb)
{
	const struct link_kind_desc *k = link_kind(op->type);

	sb_printf(sb, "link add %s", op->link.name);
	if_attrs_format(sb, &op->link);
	if (op->parent.name)
		sb_printf(sb, " link %s@%s", op->parent.name,
			  ns_label(op->parent.ns));
	sb_printf(sb, " type %s", k->name);
	if (k->ends == 2) {
		sb_printf(sb, " peer %s", op->peer.name);
		if_attrs_format(sb, &op->peer);
		sb_printf(sb, " netns %s", ns_label(op->peer.ns));
	}
	if (k->id_key)
		sb_printf(sb, " %s %u", k->id_key, op->id);
	if (k->modes && (op->mode || !k->mode0_unsaid))
		sb_printf(sb, " mode %s", link_mode_name(op->type, op->mode));
	if (k->underlay)
		tunnel_format(sb, &op->tun);
}

static void link_add_json(const struct op *op, struct strbuf *sb)
{
	const struct link_kind_desc *k = link_kind(op->type);

	sb_printf(sb, ",\"type\":\"%s\"", k->name);
	if_json(sb, "link", &op->link);
	if (k->ends == 2)
		if_json(sb, "peer", &op->peer);
	if (op->parent.name)
		if_json(sb, "parent", &op->parent);
	if (k->id_key)
		sb_printf(sb, ",\"%s\":%u", k->id_key, op->id);
	if (k->modes && (op->mode || !k->mode0_unsaid))
		sb_printf(sb, ",\"mode\":\"%s\"",
			  link_mode_name(op->type, op->mode));
	if (k->underlay)
		tunnel_json(sb, &op->tun);
}

/*
 * An interface in a namespace the lab makes dies with it; one in the host
 * is deleted (a pair: its end in the host, which takes the other), and
 * so is one whose kind holds something in the host (a VXLAN's VNI), or
 * whose parent is the host's (a macvlan holds its NIC's address filter,
 * and with it maybe its promiscuity), before its namespace goes: the
 * kernel frees a namespace's devices after destroy has returned.
 */
static bool link_add_invert(const struct op *op, const struct op_made *m,
			    struct op *out)
{
	const struct op_if *end;

	if (!m->ns || link_kind(op->type)->del_first ||
	    (op->parent.name && !op->parent.ns))
		end = &op->link;
	else if (link_kind_pair(op->type) && !m->peer)
		end = &op->peer;
	else
		return false;
	out->kind = OP_LINK_DEL;
	out->link.ns = end->ns;
	out->link.name = end->name;
	out->type = op->type;
	out->mark = op->mark;
	return true;
}

/* A bridge's snooping and querier, as `ip link set ... type bridge`
 * takes them. */
static void link_set_format(const struct op *op, struct strbuf *sb)
{
	sb_printf(sb, "link set %s", op->link.name);
	if_attrs_format(sb, &op->link);
	if (op->type == LK_BRIDGE)
		sb_printf(sb, " type bridge mcast_snooping 1%s",
			  op->mode & BRIDGE_QUERIER ? " mcast_querier 1" : "");
}

static void link_set_json(const struct op *op, struct strbuf *sb)
{
	const struct link_kind_desc *k = link_kind(op->type);

	if (op->type != LK_NONE)
		sb_printf(sb, ",\"type\":\"%s\"", k->name);
	if_json(sb, "link", &op->link);
	if (k->modes)
		sb_printf(sb, ",\"mode\":\"%s\"",
			  link_mode_name(op->type, op->mode));
}

static void link_del_format(const struct op *op, struct strbuf *sb)
{
	sb_printf(sb, "link del %s", op->link.name);
}

static void link_del_json(const struct op *op, struct strbuf *sb)
{
	sb_json_kv(sb, "name", op->link.name);
}

static const enum op_field link_add_fields[] = {
	OF_NS,	   OF_NAME,  OF_TYPE,	  OF_MTU,   OF_MAC,    OF_MASTER,
	OF_UP,	   OF_PNS,   OF_PNAME,	  OF_PMTU,  OF_PMAC,   OF_PMASTER,
	OF_PUP,	   OF_PARNS, OF_PARENT,	  OF_MODE,  OF_ID,     OF_MARK,
	OF_REMOTE, OF_LOCAL, OF_UNDERLAY, OF_DPORT, OF__COUNT,
};

static const enum op_field link_set_fields[] = {
	OF_NS, OF_NAME, OF_MTU,	 OF_MAC,  OF_MASTER,
	OF_UP, OF_MARK, OF_TYPE, OF_MODE, OF__COUNT,
};

static const enum op_field link_del_fields[] = {
	OF_NS, OF_NAME, OF_TYPE, OF_MARK, OF__COUNT,
};

static const enum op_field link_identity[] = { OF_NS, OF_NAME, OF__COUNT };

/* What a link keeps when changed: the rest is the link itself (its kind,
 * its peer, its parent and mode). */
static const enum op_field link_in_place[] = {
	OF_MTU,	 OF_MAC, OF_MASTER,  OF_UP,   OF_PMTU,
	OF_PMAC, OF_PUP, OF_PMASTER, OF_MARK, OF__COUNT,
};

const struct op_desc link_add_op = {
	.name = "link.add",
	.object = OBJ_LINK,
	.undo_phase = 2,
	.invert = link_add_invert,
	.run = do_link_add,
	.format = link_add_format,
	.json = link_add_json,
	.fields = link_add_fields,
	.identity = link_identity,
	.in_place = link_in_place,
};

const struct op_desc link_set_op = {
	.name = "link.set",
	.object = OBJ_LINK,
	.run = do_link_set,
	.format = link_set_format,
	.json = link_set_json,
	.fields = link_set_fields,
};

const struct op_desc link_del_op = {
	.name = "link.del",
	.undo = true,
	.run = do_link_del,
	.format = link_del_format,
	.json = link_del_json,
	.fields = link_del_fields,
};
