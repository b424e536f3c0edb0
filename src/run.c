// SPDX-License-Identifier: MIT
/*
 * run.c - a run of a plan: its namespace handles, warnings and failures.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <string.h>
#include <unistd.h>

#include "nl.h"
#include "run.h"

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
		nsh_close(x->ns[i]);
	nsh_close(&x->host);
	strmap_free(&x->ns_map);
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

struct nsh *nsh_new(struct run *x, const char *name, int fd)
{
	struct nsh *h = arena_alloc(&x->arena, sizeof(*h));

	h->name = arena_strdup(&x->arena, name);
	h->fd = fd;
	*(struct nsh **)vec_push(&x->arena, x->ns, x->n_ns, x->cap_ns) = h;
	strmap_put(&x->ns_map, h->name, (int)(x->n_ns - 1));
	return h;
}

void nsh_close(struct nsh *h)
{
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
		*out = h;
		return 0;
	}
	fd = netns_open(name);
	if (fd < 0)
		return fd;
	if (!h)
		h = nsh_new(x, name, fd);
	h->fd = fd;
	rc = run_enter(x, h);
	if (!rc)
		rc = nlsock_open(&h->nl);
	if (back)
		run_enter(x, back);
	if (rc) {
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

bool gone(int err)
{
	return err == -ENOENT || err == -ENODEV || err == -ESRCH ||
	       err == -EADDRNOTAVAIL;
}

bool tolerable(int err)
{
	return !err || err == -EEXIST || gone(err);
}
