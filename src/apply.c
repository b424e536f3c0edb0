// SPDX-License-Identifier: MIT
/*
 * apply.c - run a plan against the kernel; roll back; destroy.
 *
 * Theory of operation: ops run in plan order through a table of
 * handlers.  Each namespace the run touches has a handle: an fd, a
 * netlink socket opened inside it, and a cache of ifindexes.  In a
 * namespace this run creates nothing else can exist, so the links made
 * there get ifindexes we choose (lo is 1, the rest follow), and no op
 * ever asks the kernel what an interface is called.  The thread stays in
 * whatever namespace it last entered; only sysctl writes need to be
 * inside (they go through /proc/sys/net, which follows the thread).
 *
 * Every op is journaled before it runs.  When one fails, the ops done so
 * far are inverted (plan_invert) and run in "undo" mode, where "already
 * gone" counts as success; destroy is the same undo run, from the
 * journal.  Host links are deleted only if they carry the lab's group or
 * alias, so an interface that was never ours is never touched.
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <linux/if.h>
#include <linux/if_addr.h>
#include <linux/rtnetlink.h>

#include "apply.h"
#include "caps.h"
#include "exec.h"
#include "netns.h"
#include "nl.h"
#include "state.h"
#include "writer.h"

/* How long run waits for the lab to be usable, when it is not told. */
#define READY_MAX 10.0

struct nsh {
	const char *name; /* NULL: the host */
	int fd;
	struct nlsock *nl;
	struct strmap idx; /* ifname -> ifindex */
	int next_index;	   /* ifindex for our next link here; 0: kernel's */
	bool created;	   /* made by this run */
	unsigned queued; /* == exec.batch: the writer has some of its sysctls */
	struct sysctl_dirs dirs; /* for its sysctls, while the thread is in it */
};

struct exec {
	const char *lab;
	uint32_t group;
	char mark[48];
	struct arena arena;
	struct nsh host;
	struct nsh **ns;
	size_t n_ns, cap_ns;
	struct strmap ns_map;  /* name -> index in ns */
	struct nsh *cur;       /* the namespace the thread is in */
	struct state *st;      /* journal, or NULL */
	struct writer *writer; /* sysctls of new namespaces, being written */
	unsigned batch;	       /* the writer's generation, from 1 */
	size_t ran; /* ops started, when a write failed before them */
	bool undo;
	int fresh_max; /* highest ifindex in a new namespace */
	struct ns_user *users;
	size_t n_users;
	bool users_scanned;
	const struct plan *plan; /* the one running */
	bool kill;		 /* stop processes left in lab namespaces */
	bool group_tried;	 /* destroy: the batch delete was considered */
	const struct apply_opts *o;
	struct apply_result *res;
	char why[320]; /* the reason of the last failure */
};

PRINTF(2, 3) static void warn(struct exec *x, const char *fmt, ...)
{
	va_list ap;

	x->res->warnings++;
	if (x->o->verbose < 0)
		return;
	va_start(ap, fmt);
	fputs("nstopo: warning: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
}

static int fail(struct exec *x, const struct nsh *h, int err)
{
	nlsock_strerror(h ? h->nl : NULL, err, x->why, sizeof(x->why));
	return err;
}

/* Namespaces */

/*
 * The thread is now in @h.  The sysctl handles of the namespace it left
 * are closed: they are only for use inside it, and a lab's namespaces
 * would otherwise hold more fds than preflight() counts.  The host's are
 * kept, as apply comes back to it often.
 */
static void arrive(struct exec *x, struct nsh *h)
{
	if (x->cur && x->cur != &x->host)
		sysctl_dirs_close(&x->cur->dirs);
	x->cur = h;
}

static int enter(struct exec *x, struct nsh *h)
{
	int rc;

	if (x->cur == h)
		return 0;
	rc = netns_enter(h->fd);
	if (!rc)
		arrive(x, h);
	return rc;
}

static struct nsh *nsh_new(struct exec *x, const char *name, int fd)
{
	struct nsh *h = arena_alloc(&x->arena, sizeof(*h));

	h->name = arena_strdup(&x->arena, name);
	h->fd = fd;
	*(struct nsh **)vec_push(&x->arena, x->ns, x->n_ns, x->cap_ns) = h;
	strmap_put(&x->ns_map, h->name, (int)(x->n_ns - 1));
	return h;
}

static void nsh_close(struct nsh *h)
{
	sysctl_dirs_close(&h->dirs);
	nlsock_close(h->nl);
	h->nl = NULL;
	if (h->fd >= 0)
		close(h->fd);
	h->fd = -1;
	strmap_free(&h->idx);
}

/* The handle of a namespace; one that exists already is opened. */
static int nsh_get(struct exec *x, const char *name, struct nsh **out)
{
	struct nsh *h, *back = x->cur;
	int i, fd, rc;

	if (!name) {
		*out = &x->host;
		return 0;
	}
	i = strmap_get(&x->ns_map, name);
	if (i >= 0 && x->ns[i]->fd >= 0) {
		*out = x->ns[i];
		return 0;
	}
	fd = netns_open(name);
	if (fd < 0)
		return fd;
	h = i >= 0 ? x->ns[i] : nsh_new(x, name, fd);
	h->fd = fd;
	rc = enter(x, h);
	if (!rc)
		rc = nlsock_open(&h->nl);
	if (back)
		enter(x, back);
	if (rc) {
		close(h->fd);
		h->fd = -1;
		return rc;
	}
	*out = h;
	return 0;
}

/* An interface's index: remembered, or asked of the kernel once. */
static int ifindex_of(struct exec *x, struct nsh *h, const char *name)
{
	struct link_info li;
	int i = strmap_get(&h->idx, name), rc;

	if (i > 0)
		return i;
	rc = netlink_link_get(h->nl, name, &li);
	if (rc)
		return fail(x, h, rc);
	strmap_put(&h->idx, arena_strdup(&x->arena, name), li.ifindex);
	return li.ifindex;
}

static void remember(struct exec *x, struct nsh *h, const char *name, int idx)
{
	strmap_put(&h->idx, arena_strdup(&x->arena, name), idx);
}

static bool gone(int err)
{
	return err == -ENOENT || err == -ENODEV || err == -ESRCH ||
	       err == -EADDRNOTAVAIL;
}

/* Handlers */

static int max_ifindex(const struct link_info *li, void *arg)
{
	int *max = arg;

	if (li->ifindex > *max)
		*max = li->ifindex;
	return 0;
}

static int do_netns_add(struct exec *x, struct op *op)
{
	struct nsh *h;
	int fd, rc;

	rc = netns_create(op->link.ns, &fd);
	if (rc)
		return fail(x, NULL, rc);
	h = nsh_new(x, op->link.ns, fd);
	h->created = true;
	arrive(x, h);
	rc = nlsock_open(&h->nl);
	/* What a new namespace holds depends on the modules loaded (sit0,
	 * gre0...): learn it once, then choose indexes above it. */
	if (!rc && x->fresh_max < 0)
		rc = netlink_link_dump(h->nl, max_ifindex, &x->fresh_max);
	if (rc) {
		/* Not made after all: nothing of it may stay. */
		enter(x, &x->host);
		nsh_close(h);
		netns_delete(op->link.ns);
		return fail(x, NULL, rc);
	}
	h->next_index = x->fresh_max + 1;
	x->res->namespaces++;
	return 0;
}

/*
 * Processes left in the lab's namespaces would keep them alive, unnamed,
 * after their pins are gone: stop them all at once, then forget them.
 */
static void stop_lab_processes(struct exec *x)
{
	pid_t *pids = xcalloc(x->n_users + 1, sizeof(*pids));
	struct strmap inos = { 0 };
	struct arena a = { 0 };
	size_t n = 0;

	for (size_t i = 0; i < x->plan->n_ops; i++) {
		const struct op *op = &x->plan->ops[i];
		ino_t ino;

		if (op->kind != OP_NETNS_DEL ||
		    !(ino = netns_pin_inode(op->link.ns)))
			continue;
		strmap_put(&inos,
			   arena_printf(&a, "%llu", (unsigned long long)ino),
			   (int)i);
	}
	for (size_t k = 0; k < x->n_users; k++)
		if (strmap_get(&inos,
			       arena_printf(
				       &a, "%llu",
				       (unsigned long long)x->users[k].ino)) >=
		    0)
			pids[n++] = x->users[k].pid;
	if (n) {
		if (x->o->verbose >= 0)
			fprintf(stderr,
				"nstopo: stopping %zu process%s left in lab %s\n",
				n, n == 1 ? "" : "es", x->lab);
		terminate(pids, n, 1000);
		x->n_users = 0;
	}
	free(pids);
	strmap_free(&inos);
	arena_free(&a);
}

static int do_netns_del(struct exec *x, struct op *op)
{
	int i = strmap_get(&x->ns_map, op->link.ns), rc;
	ino_t ino;

	if (i >= 0) {
		if (x->cur == x->ns[i])
			enter(x, &x->host);
		nsh_close(x->ns[i]);
	}
	if (!x->users_scanned) {
		x->n_users = netns_users(&x->users);
		x->users_scanned = true;
		if (x->kill)
			stop_lab_processes(x);
	}
	ino = x->n_users ? netns_pin_inode(op->link.ns) : 0;
	for (size_t k = 0; ino && k < x->n_users; k++)
		if (x->users[k].ino == ino)
			warn(x,
			     "namespace %s: process %d (%s) still runs in it; it lives on, unnamed, until the process exits",
			     op->link.ns, (int)x->users[k].pid,
			     x->users[k].comm);
	rc = netns_delete(op->link.ns);
	if (rc && !(x->undo && rc == -ENOENT))
		return fail(x, NULL, rc);
	x->res->namespaces++;
	return 0;
}

/*
 * One request makes the link: a bridge or dummy where it lives; a veth
 * pair with its peer placed in the peer's namespace; a macvlan, ipvlan or
 * vlan in its parent's namespace, placed in its own.
 */
static int do_link_add(struct exec *x, struct op *op)
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
	};
	struct link_req pr = { .ns_fd = -1 };
	int rc;

	rc = nsh_get(x, op->link.ns, &home);
	h = home;
	if (!rc && op->parent.name)
		rc = nsh_get(x, op->parent.ns, &h);
	if (!rc && pair)
		rc = nsh_get(x, op->peer.ns, &p);
	if (rc)
		return fail(x, NULL, rc);
	if (op->link.master) {
		m.master = ifindex_of(x, home, op->link.master);
		if (m.master < 0)
			return m.master;
	}
	if (op->parent.name) {
		m.link = ifindex_of(x, h, op->parent.name);
		if (m.link < 0)
			return m.link;
		if (h != home)
			m.ns_fd = home->fd;
	}
	if (!home->name && op->mark)
		m.group = x->group;
	if (home->created)
		m.ifindex = home->next_index;
	if (pair) {
		m.peer = &pr;
		pr.name = op->peer.name;
		pr.mtu = op->peer.mtu;
		pr.mac = op->peer.has_mac ? op->peer.mac : NULL;
		pr.ns_fd = p->fd;
		if (!p->name && op->mark)
			pr.group = x->group;
		/* The kernel takes a peer's index only with the main one's. */
		if (m.ifindex && p->created && p->next_index)
			pr.ifindex = p->next_index + (p == home);
	}
	rc = netlink_link_add(h->nl, kind->name, kind->fill, &m);
	if (rc == -EBUSY && (m.ifindex || pr.ifindex)) {
		/* An index we chose is taken after all: let the kernel
		 * choose in these namespaces from now on. */
		home->next_index = 0;
		if (p)
			p->next_index = 0;
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
	if (rc)
		return fail(x, h, rc);
	if (m.ifindex) {
		remember(x, home, m.name, m.ifindex);
		home->next_index++;
	}
	if (pr.ifindex) {
		remember(x, p, pr.name, pr.ifindex);
		p->next_index++;
	}
	x->res->links++;
	return 0;
}

static int do_link_set(struct exec *x, struct op *op)
{
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
		return fail(x, NULL, rc);
	i = strmap_get(&h->idx, op->link.name);
	r.ifindex = i > 0 ? i : 0; /* else by name: no lookup needed */
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
			return fail(x, h, rc);
		r.ifindex = li.ifindex;
	}
	if (op->mark) {
		r.alias = x->mark;
		r.group = x->group;
	}
	rc = netlink_link_set(h->nl, &r);
	return rc ? fail(x, h, rc) : 0;
}

static bool owned(const struct exec *x, const struct link_info *li)
{
	return li->group == x->group || !strcmp(li->alias, x->mark);
}

struct group_check {
	const struct exec *x;
	struct strmap *ours; /* names the plan deletes */
	size_t members;
	bool foreign;
};

static int note_group_member(const struct link_info *li, void *arg)
{
	struct group_check *g = arg;

	if (li->group != g->x->group)
		return 0;
	g->members++;
	if (strmap_get(g->ours, li->name) < 0 || strcmp(li->alias, g->x->mark))
		g->foreign = true;
	return 0;
}

/*
 * Destroy's fast path: every host link of the lab in one request, by its
 * group, so the kernel unregisters them in one batch instead of paying a
 * full teardown each.  Only if every link now in that group is one the
 * plan deletes and carries the lab's mark; otherwise one by one.
 */
static void group_delete(struct exec *x)
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

static int do_link_del(struct exec *x, struct op *op)
{
	struct link_info li;
	struct nsh *h;
	int rc;

	rc = nsh_get(x, op->link.ns, &h);
	if (rc)
		return gone(rc) ? 0 : fail(x, NULL, rc);
	if (!x->group_tried && op->mark && !h->name) {
		x->group_tried = true;
		group_delete(x);
	}
	rc = netlink_link_get(h->nl, op->link.name, &li);
	if (gone(rc)) {
		x->res->links++;
		return 0;
	}
	if (rc)
		return fail(x, h, rc);
	if (op->mark && !owned(x, &li)) {
		warn(x,
		     "interface %s in %s does not carry lab %s's mark: left alone",
		     op->link.name, h->name ? h->name : "the host", x->lab);
		return 0;
	}
	rc = netlink_link_del(h->nl, li.ifindex);
	if (rc && !gone(rc))
		return fail(x, h, rc);
	x->res->links++;
	return 0;
}

static int do_addr(struct exec *x, struct op *op)
{
	struct nsh *h;
	int rc, idx;

	rc = nsh_get(x, op->link.ns, &h);
	if (rc)
		return x->undo && gone(rc) ? 0 : fail(x, NULL, rc);
	idx = ifindex_of(x, h, op->link.name);
	if (idx < 0)
		return x->undo && gone(idx) ? 0 : idx;
	if (op->kind == OP_ADDR_ADD)
		rc = netlink_addr_add(h->nl, idx, &op->addr, !op->dad);
	else
		rc = netlink_addr_del(h->nl, idx, &op->addr);
	if (rc && x->undo && gone(rc))
		return 0;
	return rc ? fail(x, h, rc) : 0;
}

static int do_route(struct exec *x, struct op *op)
{
	struct nsh *h;
	int rc, oif = 0;

	rc = nsh_get(x, op->link.ns, &h);
	if (rc)
		return x->undo && gone(rc) ? 0 : fail(x, NULL, rc);
	if (op->route.dev) {
		oif = ifindex_of(x, h, op->route.dev);
		if (oif < 0)
			return x->undo && gone(oif) ? 0 : oif;
	}
	if (op->kind == OP_ROUTE_ADD)
		rc = netlink_route_add(h->nl, &op->route, oif);
	else
		rc = netlink_route_del(h->nl, &op->route, oif);
	if (rc && x->undo && gone(rc))
		return 0;
	return rc ? fail(x, h, rc) : 0;
}

/* Before a host sysctl is journaled: keep its value, for the undo. */
static int prepare_sysctl(struct exec *x, struct op *op)
{
	char old[256];
	struct nsh *h;
	int rc;

	rc = nsh_get(x, op->link.ns, &h);
	if (!rc)
		rc = enter(x, h);
	if (rc)
		return fail(x, NULL, rc);
	/* Nothing to keep in a namespace this run made, nor for a key of an
	 * interface the lab makes (it dies with it; plan_invert() restores
	 * neither), nor twice. */
	if (h->created || op->own || op->old_value)
		return 0;
	rc = sysctl_read_in(&h->dirs, op->key, old, sizeof(old));
	if (rc)
		return fail(x, NULL, rc);
	op->old_value = arena_strdup(&x->arena, old);
	return 0;
}

static int do_sysctl(struct exec *x, struct op *op)
{
	const char *v = op->kind == OP_SYSCTL_SET ? op->value : op->old_value;
	struct nsh *h;
	int rc;

	if (!v)
		return 0; /* a restore with nothing recorded */
	rc = nsh_get(x, op->link.ns, &h);
	if (!rc)
		rc = enter(x, h);
	if (rc)
		return x->undo && gone(rc) ? 0 : fail(x, NULL, rc);
	rc = sysctl_write_in(&h->dirs, op->key, v);
	if (rc && x->undo && gone(rc))
		return 0;
	return rc ? fail(x, NULL, rc) : 0;
}

/* A node's exec: command, in a child that becomes a process of the node. */
static int do_exec(struct exec *x, struct op *op)
{
	const char *env[] = { "NSTOPO_LAB", x->lab, "NSTOPO_NODE",
			      op->node ? op->node : "host", NULL };
	bool killed = false;
	int st = 0, null, rc;
	pid_t pid;

	/* A host command runs in the host, not where apply was last. */
	if (!op->link.ns && (rc = enter(x, &x->host)))
		return fail(x, NULL, rc);
	fflush(NULL);
	pid = fork();
	if (pid < 0)
		return fail(x, NULL, -errno);
	if (!pid) {
		struct strbuf msg = { 0 };
		struct exec_req r = {
			.ns = op->link.ns,
			.env = env,
			.argv = op->argv,
		};

		signal(SIGINT, SIG_DFL);
		signal(SIGTERM, SIG_DFL);
		null = open("/dev/null", O_RDONLY);
		if (null >= 0)
			dup2(null, STDIN_FILENO);
		if (r.ns) {
			rc = node_exec(&r, &msg); /* 127, 126 or 125 */
		} else {
			for (size_t i = 0; env[i]; i += 2)
				setenv(env[i], env[i + 1], 1);
			execvp(op->argv[0], op->argv);
			rc = errno == ENOENT ? 127 : 126;
			sb_printf(&msg, "cannot run %s: %s", op->argv[0],
				  strerror(errno));
		}
		fprintf(stderr, "nstopo: exec: %s\n", msg.buf);
		_exit(rc);
	}
	while (waitpid(pid, &st, 0) < 0) {
		if (errno != EINTR)
			return fail(x, NULL, -errno);
		/* Asked to stop: the command is stopped too, then undone. */
		if (x->o->stop && *x->o->stop && !killed) {
			kill(pid, SIGTERM);
			killed = true;
		}
	}
	if (WIFEXITED(st) && !WEXITSTATUS(st))
		return 0;
	if (WIFEXITED(st))
		snprintf(x->why, sizeof(x->why),
			 "the command exited with status %d", WEXITSTATUS(st));
	else
		snprintf(x->why, sizeof(x->why),
			 "the command was killed by signal %d",
			 WIFSIGNALED(st) ? WTERMSIG(st) : 0);
	return -ECHILD;
}

static int do_qdisc(struct exec *x, struct op *op)
{
	struct nsh *h;
	int rc, idx;

	rc = nsh_get(x, op->link.ns, &h);
	if (rc)
		return fail(x, NULL, rc);
	idx = ifindex_of(x, h, op->link.name);
	if (idx < 0)
		return idx;
	rc = netlink_qdisc_add(h->nl, idx, &op->qdisc);
	if (rc == -ENOENT && op->qdisc.netem) {
		snprintf(
			x->why, sizeof(x->why),
			"this kernel has no 'netem' qdisc (sch_netem not built or not loaded)");
		return rc;
	}
	return rc ? fail(x, h, rc) : 0;
}

/*
 * Adopting an uplink.  What the port has is written down first (the
 * "saved" text of the op, journaled before anything changes): its
 * permanent addresses and its routes other than the kernel's.  Then the
 * addresses go onto the bridge, the port joins it, the addresses leave the
 * port and the routes move over.  Giving it back is one idempotent walk
 * (routes and addresses off the bridge, the port out, addresses and routes
 * back on it) where "already so" is fine, so it serves the op's own
 * recovery, rollback, destroy, and destroy after a kill alike: the host
 * keeps, or gets back, what it had.
 *
 * Saved text: entries separated by '|', each
 *   a PREFIX FLAGS SCOPE [BROADCAST]
 *   r TO VIA|- METRIC TABLE TYPE PROTOCOL SCOPE FLAGS
 */
struct saved {
	struct addr_info *addrs;
	size_t n_addrs, cap_addrs;
	struct route_info *routes;
	size_t n_routes, cap_routes;
	struct arena arena;
	int port;
};

static int save_addr(const struct addr_info *a, void *arg)
{
	struct saved *sv = arg;
	bool link_local = prefix_is_link_local(&a->p);

	/* Addresses with lifetimes belong to whoever configures them
	 * (DHCP, router advertisements); link-local ones to the kernel. */
	if (a->ifindex == sv->port && (a->flags & IFA_F_PERMANENT) &&
	    !link_local)
		*(struct addr_info *)vec_push(&sv->arena, sv->addrs,
					      sv->n_addrs, sv->cap_addrs) = *a;
	return 0;
}

static int save_route(const struct route_info *r, void *arg)
{
	struct saved *sv = arg;

	if (r->oif == sv->port && r->protocol != RTPROT_KERNEL &&
	    r->protocol != RTPROT_RA && r->type == RTN_UNICAST)
		*(struct route_info *)vec_push(&sv->arena, sv->routes,
					       sv->n_routes, sv->cap_routes) =
			*r;
	return 0;
}

static void saved_encode(const struct saved *sv, struct strbuf *sb)
{
	char a[INET6_ADDRSTRLEN + 4], b[INET6_ADDRSTRLEN];

	for (size_t i = 0; i < sv->n_addrs; i++) {
		const struct addr_info *ad = &sv->addrs[i];

		prefix_format(&ad->p, true, a, sizeof(a));
		sb_printf(sb, "%sa %s %u %u", sb->len ? "|" : "", a, ad->flags,
			  ad->scope);
		if (ad->has_brd)
			sb_printf(sb, " %u.%u.%u.%u", ad->brd[0], ad->brd[1],
				  ad->brd[2], ad->brd[3]);
	}
	for (size_t i = 0; i < sv->n_routes; i++) {
		const struct route_info *r = &sv->routes[i];

		prefix_format(&r->to, true, a, sizeof(a));
		if (r->has_via)
			prefix_format(&r->via, false, b, sizeof(b));
		sb_printf(sb, "%sr %s %s %u %u %u %u %u %u", sb->len ? "|" : "",
			  a, r->has_via ? b : "-", r->metric, r->table, r->type,
			  r->protocol, r->scope, r->flags);
		if (r->has_src) {
			prefix_format(&r->src, false, b, sizeof(b));
			sb_printf(sb, " %s", b);
		}
	}
}

static int saved_decode(const char *text, struct saved *sv)
{
	char *copy = arena_strdup(&sv->arena, text ? text : ""), *save = NULL;
	const char *why;

	for (char *e = strtok_r(copy, "|", &save); e;
	     e = strtok_r(NULL, "|", &save)) {
		char p1[64], p2[64], p3[64], p4[64];
		unsigned u[6];
		int n;

		if (e[0] == 'a' && (n = sscanf(e, "a %63s %u %u %63s", p1,
					       &u[0], &u[1], p2)) >= 3) {
			struct addr_info *a =
				vec_push(&sv->arena, sv->addrs, sv->n_addrs,
					 sv->cap_addrs);
			struct prefix brd;

			memset(a, 0, sizeof(*a));
			if (prefix_parse(p1, &a->p, true, &why))
				return -EBADMSG;
			a->flags = u[0];
			a->scope = (uint8_t)u[1];
			if (n == 4 && !prefix_parse(p2, &brd, false, &why)) {
				memcpy(a->brd, brd.bytes, 4);
				a->has_brd = true;
			}
		} else if (e[0] == 'r' &&
			   (n = sscanf(e, "r %63s %63s %u %u %u %u %u %u %63s",
				       p1, p3, &u[0], &u[1], &u[2], &u[3],
				       &u[4], &u[5], p4)) >= 8) {
			struct route_info *r =
				vec_push(&sv->arena, sv->routes, sv->n_routes,
					 sv->cap_routes);

			memset(r, 0, sizeof(*r));
			if (prefix_parse(p1, &r->to, true, &why))
				return -EBADMSG;
			r->has_via = strcmp(p3, "-") != 0;
			if (r->has_via &&
			    prefix_parse(p3, &r->via, false, &why))
				return -EBADMSG;
			r->metric = u[0];
			r->table = u[1];
			r->type = (uint8_t)u[2];
			r->protocol = (uint8_t)u[3];
			r->scope = (uint8_t)u[4];
			r->flags = u[5];
			r->has_src = n == 9;
			if (r->has_src &&
			    prefix_parse(p4, &r->src, false, &why))
				return -EBADMSG;
		} else {
			return -EBADMSG;
		}
	}
	return 0;
}

/* Before a port op is journaled: what the port has now. */
static int prepare_port(struct exec *x, struct op *op)
{
	struct saved sv = { 0 };
	struct strbuf sb = { 0 };
	struct link_info li;
	int rc;

	if (op->saved)
		return 0;
	rc = netlink_link_get(x->host.nl, op->link.name, &li);
	if (rc == -ENODEV) {
		snprintf(x->why, sizeof(x->why), "the host has no interface %s",
			 op->link.name);
		return rc;
	}
	if (!rc && li.master) {
		snprintf(x->why, sizeof(x->why),
			 "%s is a port of another bridge already",
			 op->link.name);
		return -EBUSY;
	}
	if (!rc && !op->adopt)
		return 0; /* only joins: nothing to give back but itself */
	sv.port = li.ifindex;
	if (!rc)
		rc = netlink_addr_dump(x->host.nl, save_addr, &sv);
	if (!rc)
		rc = netlink_route_dump(x->host.nl, save_route, &sv);
	if (!rc) {
		saved_encode(&sv, &sb);
		op->saved = arena_strdup(&x->arena, sb.buf ? sb.buf : "");
	}
	sb_free(&sb);
	arena_free(&sv.arena);
	return rc ? fail(x, &x->host, rc) : 0;
}

static bool tolerable(int rc)
{
	return !rc || rc == -EEXIST || gone(rc);
}

/* One step of a release: what is already so is fine; keep the first
 * failure that is not. */
static void step(struct exec *x, int *first, int rc)
{
	if (!tolerable(rc) && !*first)
		*first = fail(x, &x->host, rc);
}

/*
 * Give the port back what it had: idempotent, so it can run at any point
 * of an adoption, or again.  Returns the first error it could not help.
 */
static int port_release(struct exec *x, const struct op *op)
{
	struct nlsock *nl = x->host.nl;
	struct saved sv = { 0 };
	struct link_info port, br;
	int rc, first = 0, have_br;

	rc = saved_decode(op->saved, &sv);
	if (!rc)
		rc = netlink_link_get(nl, op->link.name, &port);
	if (rc) {
		arena_free(&sv.arena);
		return fail(x, &x->host, rc);
	}
	have_br = !netlink_link_get(nl, op->link.master, &br);
	for (size_t i = 0; have_br && i < sv.n_routes; i++) {
		struct route_info r = sv.routes[i];

		r.oif = br.ifindex;
		step(x, &first, netlink_route_del_info(nl, &r));
	}
	for (size_t i = 0; have_br && i < sv.n_addrs; i++) {
		struct addr_info a = sv.addrs[i];

		a.ifindex = br.ifindex;
		step(x, &first, netlink_addr_del_info(nl, &a));
	}
	if (have_br && port.master == br.ifindex)
		step(x, &first,
		     netlink_link_set(nl, &(struct link_req){
						  .ifindex = port.ifindex,
						  .master = -1,
						  .up = true,
						  .ns_fd = -1,
					  }));
	for (size_t i = 0; i < sv.n_addrs; i++) {
		struct addr_info a = sv.addrs[i];

		a.ifindex = port.ifindex;
		step(x, &first, netlink_addr_add_info(nl, &a));
	}
	for (size_t i = 0; i < sv.n_routes; i++) {
		struct route_info r = sv.routes[i];

		r.oif = port.ifindex;
		step(x, &first, netlink_route_add_info(nl, &r));
	}
	arena_free(&sv.arena);
	return first;
}

static int copy_ra_sysctls(struct exec *x, const char *from, const char *to)
{
	static const char *const leaves[] = { "accept_ra", "autoconf" };
	char key[96], val[32];
	int rc = enter(x, &x->host);

	for (size_t i = 0; !rc && i < ARRAY_SIZE(leaves); i++) {
		sysctl_if_key(key, sizeof(key), "ipv6", from, leaves[i]);
		rc = sysctl_read_in(&x->host.dirs, key, val, sizeof(val));
		if (rc == -ENOENT) /* IPv6 off on the port: nothing to copy */
			return 0;
		sysctl_if_key(key, sizeof(key), "ipv6", to, leaves[i]);
		if (!rc)
			rc = sysctl_write_in(&x->host.dirs, key, val);
	}
	return rc;
}

static int do_port_add(struct exec *x, struct op *op)
{
	struct nlsock *nl = x->host.nl;
	struct saved sv = { 0 };
	int rc, port, br;

	port = ifindex_of(x, &x->host, op->link.name);
	if (port < 0) {
		if (port == -ENODEV)
			snprintf(x->why, sizeof(x->why),
				 "the host has no interface %s", op->link.name);
		return port;
	}
	br = ifindex_of(x, &x->host, op->link.master);
	if (br < 0)
		return br;
	rc = saved_decode(op->saved, &sv);
	/* The bridge stands in for the port on the LAN: with the port's MAC
	 * (for good: ports joining later do not change it), what the
	 * neighbours have cached stays right, also once the port is back. */
	if (!rc && op->adopt) {
		struct link_info li;

		rc = netlink_link_get(nl, op->link.name, &li);
		if (!rc)
			rc = netlink_link_set(nl, &(struct link_req){
							  .ifindex = br,
							  .mac = li.mac,
							  .ns_fd = -1,
						  });
		/* ...and takes router advertisements as the port did, so
		 * the host gains no address or route it did not have.
		 * (The bridge is the lab's: these die with it.) */
		if (!rc)
			rc = copy_ra_sysctls(x, op->link.name, op->link.master);
	}
	/* Onto the bridge first, so the host has them all along. */
	for (size_t i = 0; !rc && i < sv.n_addrs; i++) {
		struct addr_info a = sv.addrs[i];

		a.ifindex = br;
		rc = netlink_addr_add_info(nl, &a);
		rc = rc == -EEXIST ? 0 : rc;
	}
	if (!rc)
		rc = netlink_link_set(nl, &(struct link_req){ .ifindex = port,
							      .master = br,
							      .up = true,
							      .ns_fd = -1 });
	for (size_t i = 0; !rc && i < sv.n_addrs; i++) {
		struct addr_info a = sv.addrs[i];

		a.ifindex = port;
		rc = netlink_addr_del_info(nl, &a);
		rc = gone(rc) ? 0 : rc;
	}
	/* An IPv4 port without addresses has lost its routes already;
	 * IPv6 keeps them, and would refuse the same route twice. */
	for (size_t i = 0; !rc && i < sv.n_routes; i++) {
		struct route_info r = sv.routes[i];

		r.oif = port;
		rc = netlink_route_del_info(nl, &r);
		rc = gone(rc) ? 0 : rc;
		r.oif = br;
		if (!rc)
			rc = netlink_route_add_info(nl, &r);
	}
	arena_free(&sv.arena);
	if (!rc)
		return 0;
	fail(x, &x->host, rc);
	port_release(x, op); /* the host keeps what it had */
	return rc;
}

static int do_port_del(struct exec *x, struct op *op)
{
	return port_release(x, op);
}

typedef int (*handler_fn)(struct exec *x, struct op *op);

static const handler_fn handlers[OP__COUNT] = {
	[OP_NETNS_ADD] = do_netns_add,	 [OP_NETNS_DEL] = do_netns_del,
	[OP_LINK_ADD] = do_link_add,	 [OP_LINK_DEL] = do_link_del,
	[OP_LINK_SET] = do_link_set,	 [OP_ADDR_ADD] = do_addr,
	[OP_ADDR_DEL] = do_addr,	 [OP_ROUTE_ADD] = do_route,
	[OP_ROUTE_DEL] = do_route,	 [OP_SYSCTL_SET] = do_sysctl,
	[OP_SYSCTL_RESTORE] = do_sysctl, [OP_EXEC] = do_exec,
	[OP_QDISC_ADD] = do_qdisc,	 [OP_PORT_ADD] = do_port_add,
	[OP_PORT_DEL] = do_port_del,
};

/*
 * Must the journal be on disk before this op runs?  Yes for anything that
 * outlives the namespaces the lab makes: pins, host objects.
 */
static bool write_ahead(const struct exec *x, const struct op *op)
{
	int i;

	if (op->kind == OP_NETNS_ADD || !op_ns(op))
		return true;
	if (op->kind == OP_LINK_ADD && link_kind_pair(op->type) && !op->peer.ns)
		return true;
	i = strmap_get(&x->ns_map, op_ns(op));
	return i < 0 || !x->ns[i]->created;
}

static void progress(struct exec *x, size_t i, size_t n, const struct op *op)
{
	static const char *const verbs[2] = { "applying", "destroying" };

	if (!x->o->progress || (i % 64 && i + 1 != n))
		return;
	fprintf(stderr, "\r\033[K%s %s: %zu/%zu %s", verbs[x->undo], x->lab,
		i + 1, n, op_ns(op) ? op_ns(op) : "host");
	if (i + 1 == n)
		fputs("\r\033[K", stderr);
}

/*
 * Sysctls in a namespace this run made go to the writer thread: they keep
 * no old value, and the ops that depend on them wait for it (passes()).
 */
static struct nsh *deferrable(const struct exec *x, const struct op *op)
{
	int i;

	if (x->undo || op->kind != OP_SYSCTL_SET || !op_ns(op))
		return NULL;
	i = strmap_get(&x->ns_map, op_ns(op));
	return i >= 0 && x->ns[i]->created && x->ns[i]->fd >= 0 ? x->ns[i] :
								  NULL;
}

/*
 * May @op run while the writer has work?  Only if it cannot depend on
 * a queued write: a new namespace, another write, or a link change in a
 * new namespace that has no write queued (lo, as the plan has it).
 */
static bool passes(const struct exec *x, const struct op *op)
{
	int i;

	if (op->kind == OP_NETNS_ADD || deferrable(x, op))
		return true;
	if (op->kind != OP_LINK_SET || !op_ns(op))
		return false;
	i = strmap_get(&x->ns_map, op_ns(op));
	return i >= 0 && x->ns[i]->created && x->ns[i]->queued != x->batch;
}

static bool defer(struct exec *x, struct plan *p, size_t i)
{
	struct op *op = &p->ops[i];
	struct nsh *h = deferrable(x, op);
	size_t j = i + 1;

	if (!h)
		return false;
	/* A thread is worth starting only if what follows the writes may
	 * overlap them (a new namespace): not for interfaces' sysctls, which
	 * their links wait for at once. */
	if (!x->writer) {
		while (j < p->n_ops && j - i < 64 && deferrable(x, &p->ops[j]))
			j++;
		if (j - i < 64 &&
		    (j == p->n_ops || p->ops[j].kind != OP_NETNS_ADD))
			return false;
	}
	if (writer_queue(&x->writer, p->n_ops - i, h->fd, op->key, op->value,
			 i))
		return false; /* no thread: written here, as ever */
	h->queued = x->batch;
	return true;
}

/* Wait for the writer: 0, or its first failure and the op (*tag). */
static int settle(struct exec *x, size_t *tag)
{
	int rc = writer_finish(&x->writer, tag);

	x->batch++;
	return rc;
}

/*
 * A queued write failed: the run fails at its op.  @ran ops had started
 * by then, and they are what a rollback undoes.
 */
static int write_failed(struct exec *x, int rc, size_t tag, size_t ran,
			size_t *failed)
{
	fail(x, NULL, rc);
	x->ran = ran;
	*failed = tag;
	if (x->st) {
		state_record_failed(x->st, tag, rc);
		state_flush(x->st);
	}
	return rc;
}

/* Run ops [0, n); stop at the first failure, at *failed. */
static int run_ops(struct exec *x, struct plan *p, size_t *failed)
{
	size_t tag;

	for (size_t i = 0; i < p->n_ops; i++) {
		struct op *op = &p->ops[i];
		int rc = 0;

		if (x->o->stop && *x->o->stop && !x->undo) {
			snprintf(x->why, sizeof(x->why),
				 "interrupted by a signal");
			*failed = i;
			return -EINTR;
		}
		progress(x, i, p->n_ops, op);
		if (x->writer && !passes(x, op) && (rc = settle(x, &tag)))
			return write_failed(x, rc, tag, i, failed);
		if (!x->undo && x->o->fault_at == i + 1) {
			snprintf(x->why, sizeof(x->why),
				 "fault injected by NSTOPO_FAULT_AT=%zu",
				 i + 1);
			*failed = i;
			if (x->st) {
				state_record_failed(x->st, i, EIO);
				state_flush(x->st);
			}
			return -EIO;
		}
		if (x->o->verbose > 0) {
			struct strbuf sb = { 0 };

			op_format(op, &sb);
			fprintf(stderr, "%c %s\n", x->undo ? '-' : '+', sb.buf);
			sb_free(&sb);
		}
		if (op->kind == OP_SYSCTL_SET && x->st)
			rc = prepare_sysctl(x, op);
		if (op->kind == OP_PORT_ADD && x->st)
			rc = prepare_port(x, op);
		if (!rc && x->st) {
			state_record(x->st, i, op);
			if (write_ahead(x, op))
				rc = state_flush(x->st);
			if (rc)
				snprintf(x->why, sizeof(x->why),
					 "cannot write the journal: %s",
					 strerror(-rc));
		}
		if (!rc && !defer(x, p, i))
			rc = handlers[op->kind](x, op);
		if (!rc) {
			x->res->ops_done++;
			continue;
		}
		if (x->undo) {
			struct strbuf sb = { 0 };

			op_format(op, &sb);
			warn(x, "could not undo '%s': %s", sb.buf, x->why);
			sb_free(&sb);
			*failed = i;
			continue; /* undo all that can be undone */
		}
		/* A failed adoption stays in the journal: giving a port back
		 * is idempotent, so it is undone again to be sure. */
		if (x->st && op->kind != OP_PORT_ADD) {
			state_record_failed(x->st, i, rc);
			state_flush(x->st);
		}
		*failed = i;
		return rc;
	}
	return x->undo && *failed != SIZE_MAX ? -EIO : 0;
}

/* A step that took an adoption half-way is undone with the others. */
static size_t started(const struct plan *p, size_t failed)
{
	const struct op *op = &p->ops[failed];

	return failed + (op->kind == OP_PORT_ADD && op->saved);
}

static int run(struct exec *x, struct plan *p, size_t *failed)
{
	int rc = run_ops(x, p, failed), wrc;
	size_t tag;

	if (!x->writer)
		return rc;
	/* A write queued before the failed op fails the run first. */
	wrc = settle(x, &tag);
	if (wrc && (!rc || tag < *failed))
		return write_failed(x, wrc, tag,
				    rc ? started(p, *failed) : p->n_ops,
				    failed);
	return rc;
}

static int exec_init(struct exec *x, const char *lab,
		     const struct apply_opts *o, struct apply_result *res)
{
	memset(x, 0, sizeof(*x));
	x->lab = lab;
	x->o = o;
	x->res = res;
	x->group = lab_group(lab);
	lab_mark(lab, x->mark, sizeof(x->mark));
	x->fresh_max = -1;
	x->batch = 1;
	x->host.fd = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	if (x->host.fd < 0)
		return -errno;
	x->cur = &x->host;
	return nlsock_open(&x->host.nl);
}

static void exec_fini(struct exec *x)
{
	size_t tag;

	settle(x, &tag); /* run() has; its namespaces' fds close below */
	enter(x, &x->host);
	for (size_t i = 0; i < x->n_ns; i++)
		nsh_close(x->ns[i]);
	nsh_close(&x->host);
	strmap_free(&x->ns_map);
	free(x->users);
	arena_free(&x->arena);
}

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
static int addrs_of(struct exec *x, const char *ns, struct ns_addrs *d,
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

/*
 * An IPv6 address answers neighbour solicitations only once the kernel
 * has joined its solicited-node group, which it does in the address's
 * DAD work (run, if skipped, on a shared workqueue: later under load);
 * and the link needs its link-local address past DAD.  Neither shows in
 * the address's own flags.
 */
static bool ipv6_ready(const struct prefix *p, int ifindex,
		       const struct ns_addrs *d, const char **why)
{
	uint8_t sn[16] = { 0xff, 0x02, [11] = 0x01, [12] = 0xff };
	bool joined = false;

	memcpy(sn + 13, p->bytes + 13, 3);
	for (size_t i = 0; i < d->n; i++)
		if (d->v[i].ifindex == ifindex &&
		    prefix_is_link_local(&d->v[i].p) &&
		    (d->v[i].flags & IFA_F_TENTATIVE)) {
			*why = "waits for its link's link-local address";
			return false;
		}
	for (size_t i = 0; i < d->n_g && !joined; i++)
		joined = d->g[i].ifindex == ifindex &&
			 !memcmp(d->g[i].group, sn, 16);
	if (!joined)
		*why = "has not joined its solicited-node group yet";
	return joined;
}

/* Is op (an ADDR_ADD, or an autoconf sysctl) satisfied?  Sets *why if not. */
static bool op_ready(const struct op *op, int ifindex, const struct ns_addrs *d,
		     const char **why)
{
	*why = "is missing";
	for (size_t i = 0; i < d->n; i++) {
		const struct addr_info *a = &d->v[i];
		bool tentative = a->flags & (IFA_F_TENTATIVE | IFA_F_DADFAILED);
		bool link_local = prefix_is_link_local(&a->p);

		if (a->ifindex != ifindex)
			continue;
		if (op->kind == OP_ADDR_ADD) {
			if (a->p.family != op->addr.family ||
			    a->p.plen != op->addr.plen ||
			    memcmp(a->p.bytes, op->addr.bytes, 16))
				continue;
			*why = a->flags & IFA_F_DADFAILED ?
				       "failed duplicate address detection" :
				       "is still tentative";
			if (tentative)
				return false;
			return a->p.family != AF_INET6 ||
			       ipv6_ready(&a->p, ifindex, d, why);
		}
		/* autoconf: an address the interface learnt (not permanent) */
		if (a->p.family == AF_INET6 && !(a->flags & IFA_F_PERMANENT) &&
		    !link_local && !tentative)
			return true;
	}
	return false;
}

static const char *ns_name(const char *ns)
{
	return ns ? ns : "the host";
}

/*
 * Ready: the kernel finishes bringing links up in its own workers (see
 * late_up() in plan.c).  Wait until each late link is operational, then
 * until every address the lab added can be used -- and, with @autoconf,
 * until autoconf interfaces have an address from a router advertisement.
 * Each namespace's addresses are dumped once a round, not once an op.
 */
static int wait_ready(struct exec *x, const struct plan *p, size_t n_ops,
		      double timeout, bool autoconf, struct strbuf *msg)
{
	double deadline = now_monotonic() + timeout;
	char name[IFNAME_MAX + 1], buf[INET6_ADDRSTRLEN + 4];
	struct ns_addrs d = { 0 };
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
			if (!rc && li.operstate == IF_OPER_UP) {
				i++;
				continue;
			}
			why = "has no carrier yet";
		} else if (op->kind == OP_ADDR_ADD || is_auto) {
			rc = addrs_of(x, op_ns(op), &d, &h);
			idx = rc ? rc : ifindex_of(x, h, dev);
			rc = idx < 0 ? idx : 0;
			if (!rc && op_ready(op, idx, &d, &why)) {
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

/* Undo ops [0, n) of @p; 0 if everything was undone. */
static int undo(struct exec *x, const struct plan *p, size_t n, bool kill)
{
	struct plan prefix = { .lab = p->lab, .ops = p->ops, .n_ops = n };
	struct plan *inv = plan_invert(&prefix);
	size_t failed = SIZE_MAX, done_before = x->res->ops_done;
	int rc;

	x->undo = true;
	x->users_scanned = false;
	x->group_tried = false;
	x->st = NULL;
	x->plan = inv;
	x->kill = kill;
	rc = run(x, inv, &failed);
	x->res->undone = x->res->ops_done - done_before;
	x->res->ops_done = done_before;
	plan_free(inv);
	return rc;
}

struct name_set {
	struct strmap names;
	struct arena arena;
};

static int collect_name(const struct link_info *li, void *arg)
{
	struct name_set *s = arg;

	strmap_put(&s->names, arena_strdup(&s->arena, li->name), li->ifindex);
	return 0;
}

/* Refuse, before anything changes, to take over what is not the lab's. */
static int check_ownership(struct exec *x, const struct plan *p,
			   struct strbuf *msg)
{
	struct name_set host = { 0 };
	bool dumped = false;
	int rc = 0;

	for (size_t i = 0; i < p->n_ops && !rc; i++) {
		const struct op *op = &p->ops[i];
		const char *name = NULL;

		if (op->kind == OP_NETNS_ADD && netns_exists(op->link.ns)) {
			sb_printf(
				msg,
				"namespace %s already exists (" NETNS_RUN_DIR
				"/%s) and is not part of lab %s: nothing was changed",
				op->link.ns, op->link.ns, x->lab);
			rc = -EEXIST;
			break;
		}
		if (op->kind != OP_LINK_ADD)
			continue;
		if (!op->link.ns)
			name = op->link.name;
		else if (link_kind_pair(op->type) && !op->peer.ns)
			name = op->peer.name;
		if (!name)
			continue;
		if (!dumped) {
			rc = netlink_link_dump(x->host.nl, collect_name, &host);
			dumped = true;
			if (rc) {
				sb_printf(msg,
					  "cannot list host interfaces: %s",
					  strerror(-rc));
				break;
			}
		}
		if (strmap_get(&host.names, name) > 0) {
			sb_printf(
				msg,
				"interface %s already exists in the host namespace and is not part of lab %s: nothing was changed",
				name, x->lab);
			rc = -EEXIST;
		}
	}
	strmap_free(&host.names);
	arena_free(&host.arena);
	return rc;
}

static int preflight(const struct plan *p, struct strbuf *msg)
{
	char missing[96];
	size_t n_ns = 0;
	long need, have;

	if (caps_require_admin(missing, sizeof(missing))) {
		sb_printf(msg, "this needs %s (run it as root)",
			  missing[0] ? missing :
				       "CAP_NET_ADMIN and CAP_SYS_ADMIN");
		return -EPERM;
	}
	for (size_t i = 0; i < p->n_ops; i++)
		n_ns += p->ops[i].kind == OP_NETNS_ADD ||
			p->ops[i].kind == OP_NETNS_DEL;
	/* One fd and one socket a namespace, and room to spare. */
	need = (long)(2 * n_ns + 64);
	have = raise_nofile(need);
	if (have < need) {
		sb_printf(
			msg,
			"%zu namespaces need %ld open files, but RLIMIT_NOFILE allows %ld",
			n_ns, need, have);
		return -EMFILE;
	}
	return 0;
}

/*
 * When the last lab is gone, take away the /run/netns nstopo made for it
 * (directory and mount), so nothing of nstopo is left; one that was there
 * before, or that holds anyone else's namespaces, stays.
 */
static void tidy_run_dirs(void)
{
	char **labs;
	size_t n = state_list(&labs);

	for (size_t i = 0; i < n; i++)
		free(labs[i]);
	free(labs);
	if (n || !state_made_netns_dir())
		return;
	if (!netns_remove_run_dir())
		state_forget_netns_dir();
}

static int lock_lab(struct state *st, const char *lab, struct strbuf *msg)
{
	long holder = 0;
	int rc = state_lock(st, lab, &holder);

	if (rc == -EWOULDBLOCK) {
		sb_printf(
			msg,
			"lab %s is busy: another nstopo (pid %ld) is changing it",
			lab, holder);
		return -EBUSY;
	}
	if (rc)
		sb_printf(msg, "cannot lock lab %s in " STATE_DIR ": %s", lab,
			  strerror(-rc));
	return rc;
}

/* Applied already: is it this plan, and is it all still there? */
static int check_applied(const struct plan *p, struct journal *j,
			 struct strbuf *msg)
{
	if (j->destroying || !j->complete) {
		sb_printf(
			msg,
			"lab %s is half-%s (a run was interrupted): run 'nstopo destroy --lab %s' first",
			p->lab, j->destroying ? "destroyed" : "applied",
			p->lab);
		return -EALREADY;
	}
	if (!plan_equal(p, j->plan)) {
		sb_printf(
			msg,
			"lab %s is up from a different topology (%s): destroy it first ('nstopo destroy --lab %s')",
			p->lab, j->file, p->lab);
		return -EALREADY;
	}
	for (size_t i = 0; i < p->n_ops; i++)
		if (p->ops[i].kind == OP_NETNS_ADD &&
		    !netns_exists(p->ops[i].link.ns)) {
			sb_printf(
				msg,
				"lab %s is up but its namespace %s is gone: destroy and apply it again",
				p->lab, p->ops[i].link.ns);
			return -EALREADY;
		}
	return 0;
}

int lab_apply(struct plan *p, const struct apply_opts *o,
	      struct apply_result *res, struct strbuf *msg)
{
	double t0 = now_monotonic();
	struct journal j;
	struct state st;
	struct exec x;
	size_t failed = SIZE_MAX;
	bool made_dir = false;
	int rc;

	memset(res, 0, sizeof(*res));
	res->ops_total = p->n_ops;
	rc = preflight(p, msg);
	if (rc)
		return rc;
	rc = lock_lab(&st, p->lab, msg);
	if (rc)
		return rc;
	if (!state_read(p->lab, &j)) {
		rc = check_applied(p, &j, msg);
		journal_free(&j);
		res->nothing_to_do = !rc;
		state_unlock(&st);
		return rc;
	}
	rc = exec_init(&x, p->lab, o, res);
	/* Noted before it is made: a run killed in between must not leave
	 * a /run/netns that no destroy takes away.  (If another program
	 * makes it meanwhile, it is still only removed when empty.) */
	if (!rc && access(NETNS_RUN_DIR, F_OK))
		state_note_netns_dir();
	if (!rc && (rc = netns_prepare(&made_dir)))
		sb_printf(msg, "cannot prepare " NETNS_RUN_DIR ": %s",
			  strerror(-rc));
	else if (rc)
		sb_printf(msg, "cannot open a netlink socket: %s",
			  strerror(-rc));
	if (!rc)
		rc = check_ownership(&x, p, msg);
	if (!rc && (rc = state_begin(&st, o->file ? o->file : "-")))
		sb_printf(msg, "cannot write the journal: %s", strerror(-rc));
	if (rc) {
		exec_fini(&x);
		state_remove(&st);
		state_unlock(&st);
		tidy_run_dirs();
		return rc;
	}
	x.st = &st;
	x.plan = p;
	rc = run(&x, p, &failed);
	if (!rc) {
		state_mark(&st, "complete");
		/* Every step is acknowledged: the kernel finishes carrier and
		 * IPv6 start-up in its own workers.  --wait waits for that,
		 * and for router advertisements; run for the first. */
		if (o->wait > 0 || o->ready)
			rc = wait_ready(&x, p, p->n_ops,
					o->wait > 0 ? o->wait : READY_MAX,
					o->wait > 0, msg);
		if (rc == -ETIMEDOUT && o->wait <= 0) {
			warn(&x, "%s (the lab is up)", msg->buf);
			msg->len = 0;
			rc = 0;
		}
		res->kept = rc == -ETIMEDOUT; /* up, only not ready in time */
		if (res->kept)
			sb_add(msg, " (the lab is up)");
		/* Interrupted while waiting: all or nothing, as for a step. */
		if (rc && !res->kept) {
			if (undo(&x, p, p->n_ops, true))
				res->kept = true;
			else
				state_remove(&st);
		}
	} else {
		struct op *op = &p->ops[failed];

		sb_printf(msg, "step %zu of %zu failed: ", failed + 1,
			  p->n_ops);
		op_format(op, msg);
		if (op->pos.line)
			sb_printf(msg, " (%s:%u:%u)", o->file ? o->file : "-",
				  op->pos.line, op->pos.col);
		sb_printf(msg, ": %s", x.why);
		if (o->keep) {
			res->kept = true;
		} else if (undo(&x, p, x.ran ? x.ran : started(p, failed),
				true)) {
			sb_printf(
				msg,
				"\nrollback was incomplete: see the warnings; 'nstopo destroy --lab %s' retries it",
				p->lab);
			res->kept = true;
		} else {
			state_remove(&st);
		}
	}
	exec_fini(&x);
	state_unlock(&st);
	if (rc && !res->kept)
		tidy_run_dirs();
	res->seconds = now_monotonic() - t0;
	return rc;
}

int lab_destroy(const char *lab, const struct apply_opts *o,
		struct apply_result *res, struct strbuf *msg)
{
	double t0 = now_monotonic();
	struct journal j;
	struct state st;
	struct exec x;
	int rc;

	memset(res, 0, sizeof(*res));
	rc = lock_lab(&st, lab, msg);
	if (rc)
		return rc;
	rc = state_read(lab, &j);
	if (rc == -ENOENT) {
		res->nothing_to_do = true;
		state_remove(&st);
		state_unlock(&st);
		tidy_run_dirs();
		return 0;
	}
	if (rc) {
		sb_printf(msg, "cannot read the journal of lab %s: %s", lab,
			  strerror(-rc));
		state_unlock(&st);
		return rc;
	}
	rc = preflight(j.plan, msg);
	if (!rc)
		rc = exec_init(&x, lab, o, res);
	if (rc) {
		if (!msg->len)
			sb_printf(msg, "cannot open a netlink socket: %s",
				  strerror(-rc));
		journal_free(&j);
		state_unlock(&st);
		return rc;
	}
	state_mark(&st, "destroying");
	res->ops_total = j.plan->n_ops;
	rc = undo(&x, j.plan, j.plan->n_ops, o->kill);
	res->ops_done = res->undone;
	if (rc)
		sb_printf(
			msg,
			"some of lab %s could not be removed (see the warnings); its journal is kept, so destroy can be run again",
			lab);
	else
		state_remove(&st);
	exec_fini(&x);
	journal_free(&j);
	state_unlock(&st);
	if (!rc)
		tidy_run_dirs();
	res->seconds = now_monotonic() - t0;
	return rc;
}
