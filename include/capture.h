/* SPDX-License-Identifier: MIT */
#ifndef NSTOPO_CAPTURE_H
#define NSTOPO_CAPTURE_H

#include "op.h"
#include "util.h"
#include "value.h"

/*
 * `nstopo capture`: tcpdump on one interface of a running lab, in the
 * interface's namespace, writing pcap to a file or standard output (so
 * `nstopo capture r1:eth0 | wireshark -k -i -` works).  What a target
 * names is read from the lab's journal: it works whatever became of the
 * file, and names only what the lab made (or the host has).
 */

/* What `nstopo capture` was asked. */
struct capture_req {
	const char *lab;    /* --lab NAME, or NULL */
	const char *target; /* NODE:IF, BRIDGE[:PORT], or a link A--B */
	const char *file;   /* -w FILE; NULL or "-": standard output */
	char **filter;	    /* tcpdump's filter words, NULL-terminated */
	bool help;	    /* -h: print the usage */
	bool quiet;	    /* -q: no note of the end a link names */
};

/* The interface a target names. */
struct capture_end {
	const char *ns; /* its namespace; NULL: the host's */
	char ifname[IFNAME_MAX + 1];
	char where[80]; /* for messages: "node r1", "the host" */
	bool of_link;	/* named as an end of a link */
};

/**
 * capture_args() - read `capture`'s arguments:
 * [--lab NAME] TARGET [-w FILE] [--] [FILTER...]
 * @argc, @argv:	from the command's name on
 * @r:			filled; its strings point into @argv
 * @msg:		on failure, why
 *
 * Options may come before and after TARGET; the first other word after
 * it starts the filter, as does "--".
 * Return: 0, or -EINVAL (@msg says why: the caller prints the usage).
 */
int capture_args(int argc, char **argv, struct capture_req *r,
		 struct strbuf *msg);

/**
 * capture_resolve() - the interface @target names in a lab
 * @p:		the lab's plan, as its journal has it
 * @target:	NODE:IFNAME (any interface of the node, lo too);
 *		BRIDGE (the bridge) or BRIDGE:PORT; or a veth link by its
 *		ends, A--B or [A, B], each end as in a file's links (NODE:IF,
 *		BRIDGE, BRIDGE:PORT): the end A
 * @end:	filled; its ns points into @p
 * @msg:	on failure, why ("lab x has no node or bridge 'r9'")
 *
 * Pure: nothing is looked at but @p.
 * Return: 0, or -ENOENT (@msg says why).
 */
int capture_resolve(const struct plan *p, const char *target,
		    struct capture_end *end, struct strbuf *msg);

/**
 * capture_exec() - run tcpdump on the interface @r names in lab @lab
 * @msg:	on failure, why
 *
 * tcpdump -U --immediate-mode -w - runs in the interface's namespace (as
 * `nstopo exec` runs a command there) with FILE, opened here, as its
 * standard output; to a terminal, with no FILE, it prints packets as
 * text instead.  The process becomes tcpdump.
 * Return: only on failure: 127 if tcpdump is not installed, 125 if the
 * lab is not up or has no such node, bridge, link or interface, or
 * FILE cannot be written.
 */
int capture_exec(const char *lab, const struct capture_req *r,
		 struct strbuf *msg);

#endif
