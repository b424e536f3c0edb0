/* SPDX-License-Identifier: MIT */
#ifndef NSTOPO_WRITER_H
#define NSTOPO_WRITER_H

#include <stddef.h>

/*
 * A second thread that writes sysctls in other namespaces, in the order
 * they are queued, while the caller goes on.  For namespaces the caller
 * has just made: nothing there waits on those values until the caller
 * says so with writer_drain() or writer_finish().
 */
struct writer;

/**
 * writer_queue() - write @key=@value in namespace @ns, later
 * @w:		the writer; started (*w set) at the first call
 * @cap:	the most writes the writer will ever hold (its queue size;
 *		read at the first call only)
 * @ns:		the namespace's name (its pin in /run/netns; the thread opens
 *		it itself); must outlive the writer
 * @key, @value: as for sysctl_write(); they must outlive the writer
 * @tag:	the caller's name for this write, given back if it fails
 *
 * Return: 0, or -errno if the thread cannot start (nothing was queued:
 * the caller writes it itself) or -ENOSPC past @cap.
 */
int writer_queue(struct writer **w, size_t cap, const char *ns, const char *key,
		 const char *value, size_t tag);

/**
 * writer_drain() - wait until every queued write is done; the thread stays
 * @w:		the writer, or NULL (nothing queued)
 * @tag:	the failed write's tag (set only on failure)
 *
 * The thread keeps its mount namespace and procfs for the next writes:
 * a new thread would copy the caller's mounts, a pin in /run/netns for
 * every namespace made so far.
 * Return: 0, or the first failure's -errno (and *tag).
 */
int writer_drain(struct writer *w, size_t *tag);

/**
 * writer_finish() - wait until every queued write is done, stop the thread
 * @w:		the writer; NULL (nothing queued) is fine; *w is NULL after
 * @tag:	the failed write's tag (set only on failure)
 *
 * Writes go on after a failure: the caller undoes them all anyway.
 * Return: 0, or the first failure's -errno (and *tag).
 */
int writer_finish(struct writer **w, size_t *tag);

#endif
