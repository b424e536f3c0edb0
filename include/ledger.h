/* SPDX-License-Identifier: MIT */
#ifndef NSTOPO_LEDGER_H
#define NSTOPO_LEDGER_H

#include "util.h"

/*
 * Host settings shared by labs.  Several labs may set one host sysctl
 * (net.ipv4.ip_forward, say).  The ledger, one file for the host under
 * /run/nstopo, records each such key's value before any lab set it, the
 * value the labs set, and which labs hold it: a lab that wants the same
 * value joins, one that wants another is refused before anything is
 * made, and only the last lab out puts the original back, byte for byte.
 * A key whose write the kernel copies to every interface (ip_forward,
 * conf.all.forwarding...) also records what each interface had, and
 * gets it back.  The original goes back only if the key still has the
 * value the labs set: one changed by hand since is left as it is, with a
 * warning.  The ledger names the labs, so a lab whose journal is lost
 * still gives back what it holds (ledger_release_lab()).
 */

struct ledger;

/**
 * ledger_open() - take the host's ledger (an exclusive lock) and read it
 * @out:	the ledger; ledger_close() it as soon as possible
 *
 * Return: 0, or -errno (-EBADMSG: the file is damaged; nothing is acted
 * on then).
 */
int ledger_open(struct ledger **out);

/**
 * ledger_close() - write the ledger back if it changed, and release it
 * Return: 0, or -errno if it could not be written.
 */
int ledger_close(struct ledger *l);

/**
 * ledger_conflict() - is @key held by other labs with a value other than
 * @value?
 * @lab:	the lab asking (its own hold is no conflict)
 *
 * Return: the labs holding it, comma-separated (the ledger's), or NULL.
 */
const char *ledger_conflict(const struct ledger *l, const char *lab,
			    const char *key, const char *value);

/**
 * ledger_take() - lab @lab sets @key to @value in the host: record it
 *
 * The first holder records the key's value now (read from the thread's
 * /proc/sys, whole) and, for a key the kernel copies to every interface,
 * each interface's value too.  The caller writes @value afterwards.
 * Return: 0, -EBUSY if another lab holds @key with another value, or
 * -errno if the value now cannot be read.
 */
int ledger_take(struct ledger *l, const char *lab, const char *key,
		const char *value);

/*
 * What a release says about a key it leaves as it is (someone changed it
 * since the labs set it): "sysctl KEY is 'NOW' now, not the 'VALUE' lab
 * LAB set: left as it is".
 */
typedef void ledger_warn_fn(void *arg, const char *msg);

/**
 * ledger_release() - lab @lab no longer needs @key
 * @warn, @arg:	called with each key left as it is
 * @restored:	set if this was the last holder and the original values
 *		were written back
 *
 * The last holder out writes the original back if the key still has the
 * value the labs set, else leaves it (and says so); then each key the
 * write reached (ledger.h) gets what it had, unless it was changed since.
 * Return: 0; -ENOENT if @lab holds no such key (an older lab's: the
 * caller falls back to what its journal says), or -errno of a write (the
 * key stays held if it could not be written back).
 */
int ledger_release(struct ledger *l, const char *lab, const char *key,
		   ledger_warn_fn *warn, void *arg, bool *restored);

/**
 * ledger_release_lab() - lab @lab is gone: release every key it holds,
 * whatever its journal says (one lost, empty or damaged names none)
 * @warn, @arg:	as for ledger_release()
 * @released:	how many keys it held and no longer does
 *
 * Return: 0, or the first -errno of a release (the others are done).
 */
int ledger_release_lab(struct ledger *l, const char *lab, ledger_warn_fn *warn,
		       void *arg, size_t *released);

/**
 * ledger_key() - the name the ledger keeps @key under: net.ipv4.ip_forward
 * is net.ipv4.conf.all.forwarding (one variable of the kernel); any other
 * key is itself
 * Return: @key, or a static string.
 */
const char *ledger_key(const char *key);

/**
 * sysctl_same() - do two values of a sysctl say the same?  White space
 * apart: the kernel separates a multi-value key's fields with tabs, and
 * ends a value with a newline.
 * Return: true if so.
 */
bool sysctl_same(const char *a, const char *b);

/**
 * sysctl_propagates() - does the kernel copy a write of @key to every
 * interface (net.ipv4.ip_forward, net.ipv4.conf.all.forwarding,
 * net.ipv6.conf.all.forwarding, net.ipv6.conf.all.disable_ipv6...)?
 * Return: true if so.
 */
bool sysctl_propagates(const char *key);

#endif
