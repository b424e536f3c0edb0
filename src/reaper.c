// SPDX-License-Identifier: MIT
/*
 * reaper.c - namespace pins removed by many threads at once (reaper.h).
 *
 * A destroy of 10,000 namespaces spends its time waiting on the kernel:
 * each pin unmounted waits for an RCU grace period (namespace_unlock()),
 * and each check that a namespace is the lab's (its lo's alias) waits for
 * RTNL, which the kernel's clean-up of the namespaces let go before holds
 * most of the time.  One after another, those waits add up (campus of
 * 10,010: 1 ms an unmount, 0.6 ms a check); overlapped, a grace period or
 * a turn at RTNL serves many.  The more wait at once, the more one grace
 * period serves: a ring of 10,000 namespaces (12,000 veth pairs between
 * them) was unpinned in 9 s by 8 threads, in 4 to 6.4 s by 64, while a
 * star of 1,000 took 0.66 s either way.  The threads sleep in the kernel
 * nearly all the time, so their number is bounded by the fds they may
 * hold at once (two each), not by the cores.
 *
 * The jobs are kept in the order given; the threads take them in that
 * order, each with its own socket, and write back how each ended, which
 * reaper_finish() reports in that order too.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "netns.h"
#include "nl.h"
#include "reaper.h"
#include "util.h"

#define REAPERS_MAX 64

struct reap_job {
	char *name;
	bool checked;
	uint64_t tag;
	enum reap_end end;
	int err;
};

struct reaper {
	pthread_t thread[REAPERS_MAX];
	int n_threads;
	pthread_mutex_t lock;
	pthread_cond_t cond; /* a job was given, or the end */
	struct reap_job *jobs;
	size_t n, cap, next; /* given; room; the next to take */
	bool closing;
	const char *mark;
	bool unmarked;
	int home;
};

/*
 * Whether namespace @fd is the lab's: 1, 0, or -errno.  Asked from inside
 * it, over a socket of this thread's, which then goes back home.
 */
static int owned(const struct reaper *r, int fd)
{
	struct link_info li;
	struct nlsock *s;
	int rc = netns_enter(fd);

	/* Not a namespace: a pin left half-made, which is the lab's file. */
	if (rc == -EINVAL)
		return 1;
	if (!rc && !(rc = nlsock_open(&s))) {
		rc = netlink_link_get(s, "lo", &li);
		nlsock_close(s);
	}
	netns_enter(r->home);
	if (rc)
		return gone(rc) ? 1 : rc;
	return netns_marked(li.alias, r->mark, r->unmarked);
}

static enum reap_end reap_one(const struct reaper *r, const char *name,
			      bool checked, int *err)
{
	int rc = 0;

	if (!checked) {
		int fd = netns_open(name);

		if (fd == -ENOENT)
			return REAP_REMOVED; /* gone already */
		rc = fd < 0 ? fd : owned(r, fd);
		if (fd >= 0)
			close(fd);
		if (rc == 0)
			return REAP_NOT_OURS;
		if (rc < 0) {
			*err = rc;
			return REAP_FAILED;
		}
	}
	rc = netns_delete(name);
	if (rc && rc != -ENOENT) {
		*err = rc;
		return REAP_FAILED;
	}
	return REAP_REMOVED;
}

static void *reaper_main(void *arg)
{
	struct reaper *r = arg;

	/* Made from wherever the caller was: it holds no namespace. */
	netns_enter(r->home);
	pthread_mutex_lock(&r->lock);
	for (;;) {
		const char *name;
		bool checked;
		enum reap_end end;
		size_t i;
		int err = 0;

		while (r->next == r->n && !r->closing)
			pthread_cond_wait(&r->cond, &r->lock);
		if (r->next == r->n)
			break;
		i = r->next++;
		name = r->jobs[i].name;
		checked = r->jobs[i].checked;
		pthread_mutex_unlock(&r->lock);
		end = reap_one(r, name, checked, &err);
		pthread_mutex_lock(&r->lock);
		r->jobs[i].end = end;
		r->jobs[i].err = err;
	}
	pthread_mutex_unlock(&r->lock);
	return NULL;
}

int reaper_start(struct reaper **out, int threads, const char *mark,
		 bool unmarked, int home)
{
	struct reaper *r = xcalloc(1, sizeof(*r));
	int rc = 0;

	*out = NULL;
	r->mark = mark;
	r->unmarked = unmarked;
	r->home = home;
	pthread_mutex_init(&r->lock, NULL);
	pthread_cond_init(&r->cond, NULL);
	if (threads > REAPERS_MAX)
		threads = REAPERS_MAX;
	while (r->n_threads < threads &&
	       !(rc = thread_start_quiet(&r->thread[r->n_threads], reaper_main,
					 r)))
		r->n_threads++;
	if (!r->n_threads) {
		pthread_cond_destroy(&r->cond);
		pthread_mutex_destroy(&r->lock);
		free(r);
		return rc;
	}
	*out = r;
	return 0;
}

void reaper_give(struct reaper *r, const char *name, bool checked, uint64_t tag)
{
	pthread_mutex_lock(&r->lock);
	if (r->n == r->cap) {
		r->cap = r->cap ? 2 * r->cap : 64;
		r->jobs = xrealloc(r->jobs, r->cap * sizeof(*r->jobs));
	}
	r->jobs[r->n++] = (struct reap_job){ .name = xstrdup(name),
					     .checked = checked,
					     .tag = tag };
	pthread_cond_signal(&r->cond);
	pthread_mutex_unlock(&r->lock);
}

void reaper_finish(struct reaper *r, reap_fn *fn, void *arg)
{
	if (!r)
		return;
	pthread_mutex_lock(&r->lock);
	r->closing = true;
	pthread_cond_broadcast(&r->cond);
	pthread_mutex_unlock(&r->lock);
	for (int t = 0; t < r->n_threads; t++)
		pthread_join(r->thread[t], NULL);
	for (size_t i = 0; i < r->n; i++) {
		const struct reap_job *j = &r->jobs[i];

		fn(j->name, j->end, j->err, j->tag, arg);
		free(j->name);
	}
	pthread_cond_destroy(&r->cond);
	pthread_mutex_destroy(&r->lock);
	free(r->jobs);
	free(r);
}
