// SPDX-License-Identifier: MIT
/*
 * run.c - a run of a plan: its namespace handles, warnings and failures.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "nl.h"
#include "plan.h"
#include "run.h"

/*
 * How many namespace handles may be open at once.  Each holds an fd and a
 * netlink socket, and the one the thread is in up to three sysctl
 * directories; a quarter of the soft open-files limit leaves the rest to
 * the process (its children, the writer, the namespaces made ahead,
 * libraries).  More is no faster:
 * an op reopens a closed one in about 20 us, and plans visit namespaces
 * in order.  NSTOPO_MAX_HANDLES (tests) sets it lower.
 */
static size_t max_open(void)
{
	const char *env = getenv("NSTOPO_MAX_HANDLES");
	struct rlimit rl;
	size_t n = 256;

	if (!getrlimit(RLIMIT_NOFILE, &rl) && rl.rlim_cur != RLIM_INFINITY)
		n = rl.rlim_cur / 4;
	if (n > 1024)
		n = 1024;
	if (env && *env)
		n = strtoul(env, NULL, 10);
	return n < 4 ? 4 : n;
}

int run_init(struct run *x, const char *lab, const struct apply_opts *o,
	     struct apply_result *res)
{
	int rc;

	memset(x, 0, sizeof(*x));
	x->lab = lab;
	x->o = o;
	x->res = res;
	x->group = lab_group(lab);
	lab_mark(lab, x->mark, sizeof(x->mark));
	x->fresh_max = -1;
	x->batch = 1;
	x->max_open = max_open();
	x->host.fd = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	if (x->host.fd < 0) {
		rc = -errno;
		snprintf(x->why, sizeof(x->why),
			 "cannot open this thread's network namespace: %s",
			 strerror(errno));
		return rc;
	}
	x->cur = &x->host;
	rc = nlsock_open(&x->host.nl);
	if (rc)
		snprintf(x->why, sizeof(x->why),
			 "cannot open a netlink socket: %s", strerror(-rc));
	return rc;
}

void run_fini(struct run *x)
{
	run_enter(x, &x->host);
	for (size_t i = 0; i < x->n_ns; i++)
		nsh_close(x, x->ns[i]);
	nsh_close(x, &x->host);
	strmap_free(&x->ns_map);
	strmap_free(&x->exec_stopped);
	strmap_free(&x->addr_first);
	free(x->users);
	arena_free(&x->arena);
}

void run_warn(struct run *x, const char *fmt, ...)
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

int run_fail(struct run *x, const struct nsh *h, int err)
{
	nlsock_strerror(h ? h->nl : NULL, err, x->why, sizeof(x->why));
	return err;
}

/*
 * The thread is now in @h.  The sysctl handles of the namespace it left
 * are closed: they are only for use inside it, and a lab's namespaces
 * would otherwise hold more fds than preflight() counts.  The host's are
 * kept, as apply comes back to it often.
 */
void nsh_arrive(struct run *x, struct nsh *h)
{
	if (x->cur && x->cur != &x->host)
		sysctl_dirs_close(&x->cur->dirs);
	x->cur = h;
}

/* @h is the most recently used open handle. */
static void lru_unlink(struct run *x, struct nsh *h)
{
	if (h->newer)
		h->newer->older = h->older;
	else if (x->newest == h)
		x->newest = h->older;
	else
		return; /* not in the list */
	if (h->older)
		h->older->newer = h->newer;
	else
		x->oldest = h->newer;
	h->newer = h->older = NULL;
	x->n_open--;
}

static void lru_touch(struct run *x, struct nsh *h)
{
	if (h == &x->host || x->newest == h)
		return;
	lru_unlink(x, h);
	h->older = x->newest;
	if (x->newest)
		x->newest->newer = h;
	x->newest = h;
	if (!x->oldest)
		x->oldest = h;
	x->n_open++;
}

int run_enter(struct run *x, struct nsh *h)
{
	int rc;

	if (x->cur == h)
		return 0;
	rc = netns_enter(h->fd);
	if (!rc)
		nsh_arrive(x, h);
	return rc;
}

void nsh_room(struct run *x)
{
	struct nsh *h = x->oldest;

	while (x->n_open >= x->max_open && h) {
		struct nsh *newer = h->newer;

		/* Never the one the thread is in, nor the last three got. */
		if (h != x->cur && h != x->newest && h->newer != x->newest &&
		    (!h->newer || h->newer->newer != x->newest)) {
			sysctl_dirs_close(&h->dirs);
			nlsock_close(h->nl);
			h->nl = NULL;
			close(h->fd);
			h->fd = -1;
			lru_unlink(x, h);
		}
		h = newer;
	}
}

struct nsh *nsh_new(struct run *x, const char *name, int fd)
{
	struct nsh *h = nsh_find(x, name);

	/* Known already, from a pin that was no namespace (then closed):
	 * one handle a name, or what is learnt of it goes to another. */
	if (h) {
		nsh_close(x, h);
		h->fd = fd;
		lru_touch(x, h);
		return h;
	}
	h = arena_alloc(&x->arena, sizeof(*h));

	h->name = arena_strdup(&x->arena, name);
	h->fd = fd;
	*(struct nsh **)vec_push(&x->arena, x->ns, x->n_ns, x->cap_ns) = h;
	strmap_put(&x->ns_map, h->name, (int)(x->n_ns - 1));
	lru_touch(x, h);
	return h;
}

bool nsh_preset(const struct nsh *h, const struct op *op)
{
	if (!h->preset || op->kind != OP_SYSCTL_SET || !op->value)
		return false;
	for (size_t i = 0; i < PLAN_NS_SYSCTLS; i++)
		if (!strcmp(op->key, plan_ns_sysctls[i].key) &&
		    !strcmp(op->value, plan_ns_sysctls[i].value))
			return true;
	return false;
}

void nsh_close(struct run *x, struct nsh *h)
{
	lru_unlink(x, h);
	sysctl_dirs_close(&h->dirs);
	nlsock_close(h->nl);
	h->nl = NULL;
	if (h->fd >= 0)
		close(h->fd);
	h->fd = -1;
	strmap_free(&h->idx);
}

struct nsh *nsh_find(const struct run *x, const char *name)
{
	int i;

	if (!name)
		return (struct nsh *)&x->host;
	i = strmap_get(&x->ns_map, name);
	return i >= 0 ? x->ns[i] : NULL;
}

int nsh_get(struct run *x, const char *name, struct nsh **out)
{
	struct nsh *h = nsh_find(x, name), *back = x->cur;
	int fd, rc;

	if (h && h->fd >= 0) {
		lru_touch(x, h);
		*out = h;
		return 0;
	}
	nsh_room(x);
	fd = netns_open(name);
	if (fd < 0)
		return fd;
	if (!h)
		h = nsh_new(x, name, fd);
	h->fd = fd;
	lru_touch(x, h);
	rc = run_enter(x, h);
	if (!rc)
		rc = nlsock_open(&h->nl);
	if (back)
		run_enter(x, back);
	if (rc) {
		lru_unlink(x, h);
		nlsock_close(h->nl);
		h->nl = NULL;
		close(h->fd);
		h->fd = -1;
		return rc;
	}
	*out = h;
	return 0;
}

int ifindex_of(struct run *x, struct nsh *h, const char *name)
{
	struct link_info li;
	int i = strmap_get(&h->idx, name), rc;

	if (i > 0)
		return i;
	rc = netlink_link_get(h->nl, name, &li);
	if (rc)
		return run_fail(x, h, rc);
	strmap_put(&h->idx, arena_strdup(&x->arena, name), li.ifindex);
	return li.ifindex;
}

void nsh_remember(struct run *x, struct nsh *h, const char *name, int idx)
{
	strmap_put(&h->idx, arena_strdup(&x->arena, name), idx);
}

/*
 * Is namespace @ns the lab's?  One this run made is.  Another is if its
 * lo carries the lab's mark; or carries none where the journal explains
 * it (an earlier build marked no namespace; a run killed between making
 * a namespace and marking it); or if the pin is no namespace at all (a
 * run killed before it was mounted left the empty file).  One that
 * carries another mark is not.
 */
int run_owns_netns(struct run *x, const char *ns)
{
	struct nsh *h;
	struct link_info li;
	int rc;

	if (!ns)
		return 0; /* the host's namespace is no lab's */
	h = nsh_find(x, ns);
	if (h && h->created)
		return 1;
	rc = nsh_get(x, ns, &h);
	if (rc == -EINVAL)
		return 1;
	if (!rc)
		rc = netlink_link_get(h->nl, "lo", &li);
	if (rc)
		return rc;
	return netns_marked(li.alias, x->mark, run_accepts_unmarked(x));
}

bool run_accepts_unmarked(const struct run *x)
{
	return x->legacy || !x->complete;
}
