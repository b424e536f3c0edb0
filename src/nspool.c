// SPDX-License-Identifier: MIT
/*
 * nspool.c - namespaces made ahead, on a second thread.
 *
 * Making a network namespace (unshare(CLONE_NEWNET): every subsystem's
 * per-namespace set-up, lo, its sysctl tables) is the largest cost of a
 * new node, and much of it runs outside RTNL: a thread making them while
 * the caller pins, journals and configures the ones before keeps the
 * second core busy; when none is ready, the caller makes the next itself,
 * so both cores make namespaces.  The thread keeps an fd of each and a
 * netlink socket opened inside it (a socket stays in the namespace it was
 * made in), so the caller need not enter it; it stays only a few ahead
 * (the caller says how many its open-files budget allows).  It makes each from the caller's
 * namespace, as `ip netns add` does: some of a new namespace's settings
 * are copied from its maker's (net.core.devconf_inherit_init_net=3,
 * tcp_child_ehash_entries).  It blocks every signal: they are the main
 * thread's business.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <unistd.h>

#include "netns.h"
#include "nl.h"
#include "nspool.h"
#include "util.h"

#define DEPTH 8 /* at most this many ahead */

struct nspool {
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t cond; /* a namespace was made or taken, or the end */
	int fd[DEPTH];	     /* made, not taken yet: a ring */
	struct nlsock *nl[DEPTH]; /* ...with a socket in each, or NULL */
	bool preset[DEPTH];	  /* ...and the preset sysctls written */
	size_t head, count;
	size_t depth; /* how many ahead, <= DEPTH */
	size_t left;  /* still to start making */
	bool making;  /* the thread is making one (counted out of @left) */
	bool end;     /* the caller stops the pool */
	bool done;    /* the thread makes no more */
	int err;      /* why it stopped early */
	int home;     /* the namespace to make them from */
	const struct plan_sysctl *set; /* written in each */
	size_t n_set;
};

/*
 * A new namespace, made from @p->home, with @p->set written in it (if
 * all of it could be: *preset); the thread is left in it.
 */
static int make_one(struct nspool *p, struct private_proc *pp,
		    struct nlsock **nl, bool *preset)
{
	int fd;

	if (setns(p->home, CLONE_NEWNET) || unshare(CLONE_NEWNET))
		return -errno;
	fd = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (nlsock_open(nl))
		*nl = NULL; /* the caller opens it, inside */
	proc_private_next(pp);
	*preset = true;
	for (size_t i = 0; i < p->n_set && *preset; i++)
		*preset = !sysctl_write(p->set[i].key, p->set[i].value);
	return fd;
}

static void *pool_main(void *arg)
{
	struct nspool *p = arg;
	struct private_proc pp;

	proc_private(&pp); /* best effort: without it, only slower */
	pthread_mutex_lock(&p->lock);
	while (p->left && !p->end) {
		if (p->count == p->depth) {
			pthread_cond_wait(&p->cond, &p->lock);
			continue;
		}
		p->left--;
		p->making = true;
		pthread_mutex_unlock(&p->lock);
		struct nlsock *nl = NULL;
		bool preset = false;
		int fd = make_one(p, &pp, &nl, &preset);

		pthread_mutex_lock(&p->lock);
		p->making = false;
		if (fd < 0) {
			p->err = fd;
			break;
		}
		size_t at = (p->head + p->count++) % DEPTH;

		p->fd[at] = fd;
		p->nl[at] = nl;
		p->preset[at] = preset;
		pthread_cond_broadcast(&p->cond);
	}
	p->done = true;
	pthread_cond_broadcast(&p->cond);
	pthread_mutex_unlock(&p->lock);
	return NULL;
}

int nspool_start(struct nspool **out, size_t n, size_t ahead, int home,
		 const struct plan_sysctl *set, size_t n_set)
{
	struct nspool *p = xcalloc(1, sizeof(*p));
	int rc;

	*out = NULL;
	p->left = n;
	p->depth = ahead < 1 ? 1 : ahead > DEPTH ? DEPTH : ahead;
	p->home = home;
	p->set = set;
	p->n_set = n_set;
	pthread_mutex_init(&p->lock, NULL);
	pthread_cond_init(&p->cond, NULL);
	rc = thread_start_quiet(&p->thread, pool_main, p);
	if (rc) {
		pthread_cond_destroy(&p->cond);
		pthread_mutex_destroy(&p->lock);
		free(p);
		return rc;
	}
	*out = p;
	return 0;
}

int nspool_take(struct nspool *p, struct nlsock **nl, bool *preset, bool wait)
{
	int fd;

	*nl = NULL;
	*preset = false;
	pthread_mutex_lock(&p->lock);
	/* The last one on its way is worth waiting for: it is partly made,
	 * and made by the caller too it would be one too many. */
	while (!p->count && !p->done && (wait || !p->left) &&
	       (p->left || p->making))
		pthread_cond_wait(&p->cond, &p->lock);
	if (p->count) {
		fd = p->fd[p->head];
		*nl = p->nl[p->head];
		*preset = p->preset[p->head];
		p->head = (p->head + 1) % DEPTH;
		p->count--;
		pthread_cond_broadcast(&p->cond);
	} else if (p->done || !p->left) {
		fd = p->err ? p->err : -ENOENT;
	} else {
		/* None ready: the caller makes this one itself, and the
		 * thread one fewer. */
		p->left--;
		fd = -EAGAIN;
	}
	pthread_mutex_unlock(&p->lock);
	return fd;
}

void nspool_stop(struct nspool **pp)
{
	struct nspool *p = *pp;

	if (!p)
		return;
	pthread_mutex_lock(&p->lock);
	p->end = true;
	pthread_cond_broadcast(&p->cond);
	pthread_mutex_unlock(&p->lock);
	pthread_join(p->thread, NULL);
	for (; p->count; p->count--, p->head = (p->head + 1) % DEPTH) {
		nlsock_close(p->nl[p->head]);
		close(p->fd[p->head]);
	}
	pthread_cond_destroy(&p->cond);
	pthread_mutex_destroy(&p->lock);
	free(p);
	*pp = NULL;
}
