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
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "netns.h"
#include "util.h"
#include "writer.h"

struct job {
	const char *ns;
	const char *key, *value;
	size_t tag;
};

struct writer {
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t more; /* a job was queued, or the end was asked for */
	pthread_cond_t caught_up; /* every job queued is done */
	struct job *jobs;
	size_t cap, queued, done;
	bool end;
	bool idle;     /* waiting for @more */
	bool draining; /* the caller waits for @caught_up */
	int dir; /* /run/netns as the caller sees it (its mounts: the pins) */
	int err; /* the first failure, with its tag */
	size_t err_tag;
};

static void *writer_main(void *arg)
{
	struct writer *w = arg;
	struct private_proc pp;
	const char *here = NULL;

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

		/* By name, as the caller keeps only so many fds open; through
		 * the caller's /run/netns, as mounts made there after the
		 * thread's mount namespace was copied (pins) are not in it. */
		if (!here || strcmp(j.ns, here)) {
			int fd = openat(w->dir, j.ns, O_RDONLY | O_CLOEXEC);

			if (fd < 0)
				fd = -errno;
			proc_private_next(&pp);
			rc = fd < 0 ? fd : netns_enter(fd);
			if (fd >= 0)
				close(fd);
			here = rc ? NULL : j.ns;
		}
		if (!rc)
			rc = sysctl_write(j.key, j.value);
		pthread_mutex_lock(&w->lock);
		if (rc && !w->err) {
			w->err = rc;
			w->err_tag = j.tag;
		}
		w->done++;
		if (w->done == w->queued && w->draining)
			pthread_cond_signal(&w->caught_up);
	}
	pthread_mutex_unlock(&w->lock);
	return NULL;
}

static int writer_start(struct writer **out, size_t cap)
{
	struct writer *w = xcalloc(1, sizeof(*w));
	int rc;

	*out = NULL;
	w->dir = open(NETNS_RUN_DIR, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (w->dir < 0) {
		rc = errno ? -errno : -EIO;
		free(w);
		return rc;
	}
	w->jobs = xcalloc(cap ? cap : 1, sizeof(*w->jobs));
	w->cap = cap;
	pthread_mutex_init(&w->lock, NULL);
	pthread_cond_init(&w->more, NULL);
	pthread_cond_init(&w->caught_up, NULL);
	rc = thread_start_quiet(&w->thread, writer_main, w);
	if (rc) {
		pthread_cond_destroy(&w->caught_up);
		pthread_cond_destroy(&w->more);
		pthread_mutex_destroy(&w->lock);
		close(w->dir);
		free(w->jobs);
		free(w);
		return rc;
	}
	*out = w;
	return 0;
}

int writer_queue(struct writer **w, size_t cap, const char *ns, const char *key,
		 const char *value, size_t tag)
{
	struct writer *wr = *w;
	int rc;

	if (!wr) {
		rc = writer_start(&wr, cap);
		if (rc || !wr)
			return rc ? rc : -ENOMEM;
		*w = wr;
	}
	pthread_mutex_lock(&wr->lock);
	if (wr->queued == wr->cap) {
		pthread_mutex_unlock(&wr->lock);
		return -ENOSPC;
	}
	wr->jobs[wr->queued++] = (struct job){ ns, key, value, tag };
	if (wr->idle) /* else it sees the job before it waits again */
		pthread_cond_signal(&wr->more);
	pthread_mutex_unlock(&wr->lock);
	return 0;
}

int writer_drain(struct writer *w, size_t *tag)
{
	int rc;

	if (!w)
		return 0;
	pthread_mutex_lock(&w->lock);
	w->draining = true;
	while (w->done != w->queued)
		pthread_cond_wait(&w->caught_up, &w->lock);
	w->draining = false;
	rc = w->err;
	if (rc)
		*tag = w->err_tag;
	pthread_mutex_unlock(&w->lock);
	return rc;
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
	pthread_cond_destroy(&w->caught_up);
	pthread_cond_destroy(&w->more);
	pthread_mutex_destroy(&w->lock);
	close(w->dir);
	free(w->jobs);
	free(w);
	*wp = NULL;
	return rc;
}
