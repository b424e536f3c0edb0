/* SPDX-License-Identifier: MIT */
#ifndef NSTOPO_REAPER_H
#define NSTOPO_REAPER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * Namespace pins removed by many threads at once, for destroy and
 * rollback: each check that the namespace is the lab's and each unmount
 * of its pin waits on the kernel (RTNL, held by its clean-up of the
 * namespaces already let go; an RCU grace period at each unmount), and
 * waits that overlap are shared.  Each thread works alone: it opens the
 * pin, asks the namespace over a socket of its own, and unmounts and
 * unlinks the pin, or leaves it (not the lab's) and says so.
 */
struct reaper;

/* How a pin given to the reaper ended, for reaper_finish()'s caller. */
enum reap_end {
	REAP_REMOVED,  /* unmounted and unlinked (or gone already) */
	REAP_NOT_OURS, /* its namespace does not carry the lab's mark: left */
	REAP_FAILED,   /* could not be checked or removed: err says why */
};

/**
 * reaper_start() - start the threads
 * @out:	the reaper, or NULL if no thread could start (the caller
 *		removes the pins itself)
 * @threads:	how many threads (at most 64; each holds up to two fds at
 *		once)
 * @mark:	the lab's mark, which a namespace's lo carries as its alias
 *		(kept by the caller while the reaper is)
 * @unmarked:	whether a lo without an alias counts as the lab's (a journal
 *		of a build before marks, or of a run that did not finish)
 * @home:	an fd of the namespace the threads go back to after each
 *		check (the caller's), open while the reaper is
 *
 * Return: 0, or -errno.
 */
int reaper_start(struct reaper **out, int threads, const char *mark,
		 bool unmarked, int home);

/**
 * reaper_give() - have namespace @name's pin removed
 * @r:		the reaper
 * @name:	its name (copied)
 * @checked:	the caller knows it is the lab's (it made it): no check
 * @tag:	the caller's, given back with the pin by reaper_finish()
 */
void reaper_give(struct reaper *r, const char *name, bool checked,
		 uint64_t tag);

/* How reaper_finish() tells of each pin: @err is -errno for REAP_FAILED. */
typedef void reap_fn(const char *name, enum reap_end end, int err, uint64_t tag,
		     void *arg);

/**
 * reaper_finish() - wait until every pin given is done, stop the threads
 * and free the reaper, telling @fn how each ended, in the order they were
 * given
 * @r:		the reaper; NULL is fine
 * @fn:		called for each
 * @arg:	passed to @fn
 */
void reaper_finish(struct reaper *r, reap_fn *fn, void *arg);

#endif
