// SPDX-License-Identifier: MIT
/*
 * writer.c - sysctl writes in new namespaces, on a second thread.
 *
 * The first /proc/sys path a new namespace looks up costs more than its
 * sysctls themselves: every namespace has its own /proc/sys/net/ipv6
 * dentry, all of them on one dcache hash chain, and a lookup that misses
 * walks the whole chain, comparing each entry under sysctl_lock (about
 * 190 us at 1,000 namespaces, against 13 us for the next key).  None of
 * it takes RTNL, so this thread does it while the caller goes on making
 * namespaces, which RTNL serialises anyway; and it looks through a procfs
 * of its own, renewed as it goes (proc_private()), so its chains stay
 * short and it holds sysctl_lock, which the caller's new namespaces and
 * links need too, for less time.
 *
 * The queue is an array of fixed size, filled by the caller and emptied
 * in order by the thread; the thread enters a namespace with setns(),
 * which moves only itself, and its mount namespace (for the procfs) is
 * its own too, gone when it ends.  It blocks every signal: they are the
 * main thread's business.
 */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>

#include "netns.h"
#include "util.h"
#include "writer.h"

struct job {
	int ns_fd;
	const char *key, *value;
	size_t tag;
};

struct writer {
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t more; /* a job was queued, or the end was asked for */
	struct job *jobs;
	size_t cap, queued, done;
	bool end;
	bool idle; /* waiting for @more */
	int err;   /* the first failure, with its tag */
	size_t err_tag;
};

static void *writer_main(void *arg)
{
	struct writer *w = arg;
	struct private_proc pp;
	int here = -1;

	proc_private(&pp); /* best effort: without it, only slower */
	pthread_mutex_lock(&w->lock);
	for (;;) {
		while (w->done == w->queued && !w->end) {
			w->idle = true;
			pthread_cond_wait(&w->more, &w->lock);
			w->idle = false;
		}
		if (w->done == w->queued)
			break;
		struct job j = w->jobs[w->done];

		pthread_mutex_unlock(&w->lock);
		int rc = 0;

		if (j.ns_fd != here) {
			proc_private_next(&pp);
			rc = netns_enter(j.ns_fd);
		}
		if (!rc) {
			here = j.ns_fd;
			rc = sysctl_write(j.key, j.value);
		}
		pthread_mutex_lock(&w->lock);
		if (rc && !w->err) {
			w->err = rc;
			w->err_tag = j.tag;
		}
		w->done++;
	}
	pthread_mutex_unlock(&w->lock);
	return NULL;
}

static int writer_start(struct writer **out, size_t cap)
{
	struct writer *w = xcalloc(1, sizeof(*w));
	sigset_t all, old;
	int rc;

	w->jobs = xcalloc(cap ? cap : 1, sizeof(*w->jobs));
	w->cap = cap;
	pthread_mutex_init(&w->lock, NULL);
	pthread_cond_init(&w->more, NULL);
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	rc = -pthread_create(&w->thread, NULL, writer_main, w);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc) {
		pthread_cond_destroy(&w->more);
		pthread_mutex_destroy(&w->lock);
		free(w->jobs);
		free(w);
		return rc;
	}
	*out = w;
	return 0;
}

int writer_queue(struct writer **w, size_t cap, int ns_fd, const char *key,
		 const char *value, size_t tag)
{
	int rc;

	if (!*w && (rc = writer_start(w, cap)))
		return rc;
	pthread_mutex_lock(&(*w)->lock);
	if ((*w)->queued == (*w)->cap) {
		pthread_mutex_unlock(&(*w)->lock);
		return -ENOSPC;
	}
	(*w)->jobs[(*w)->queued++] = (struct job){ ns_fd, key, value, tag };
	if ((*w)->idle) /* else it sees the job before it waits again */
		pthread_cond_signal(&(*w)->more);
	pthread_mutex_unlock(&(*w)->lock);
	return 0;
}

int writer_finish(struct writer **wp, size_t *tag)
{
	struct writer *w = *wp;
	int rc;

	if (!w)
		return 0;
	pthread_mutex_lock(&w->lock);
	w->end = true;
	pthread_cond_signal(&w->more);
	pthread_mutex_unlock(&w->lock);
	pthread_join(w->thread, NULL);
	rc = w->err;
	if (rc)
		*tag = w->err_tag;
	pthread_cond_destroy(&w->more);
	pthread_mutex_destroy(&w->lock);
	free(w->jobs);
	free(w);
	*wp = NULL;
	return rc;
}
