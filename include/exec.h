/* SPDX-License-Identifier: MIT */
#ifndef NSTOPO_EXEC_H
#define NSTOPO_EXEC_H

#include "util.h"

struct exec_req {
	const char *ns;		/* namespace name */
	const char *drop_caps;	/* "net_raw,net_admin", "all", or NULL */
	const char *user;	/* USER[:GROUP] or UID[:GID], or NULL */
	const char *const *env; /* NAME, VALUE pairs, NULL-terminated */
	char **argv;
};

/* node_exec(): nstopo failed before the command could be tried. */
#define EXEC_FAILED 125

/**
 * exec_caps_check() - is @list a --drop-caps argument node_exec() takes:
 * "all", or capability names separated by commas, none empty
 * @msg:	why not
 *
 * Return: 0, or -EINVAL with the reason in @msg.
 */
int exec_caps_check(const char *list, struct strbuf *msg);

/**
 * node_exec() - become a process of the node and exec r->argv there
 * @r:		the node's namespace, the command, and what to drop
 * @msg:	on failure, the reason
 *
 * Enters r->ns and a mount namespace of its own (/sys of the node,
 * /etc/netns/NS over /etc), becomes r->user, drops r->drop_caps from
 * every set, sets r->env, then execs.  The process is changed for good
 * on the way, even when it fails: call it in a process that exits next.
 * Return: only on failure, the exit status a shell would give it: 127 if
 * the command was not found, 126 if it was found but could not be run,
 * EXEC_FAILED if nstopo failed before that (the namespace, the user, a
 * capability name).
 */
int node_exec(const struct exec_req *r, struct strbuf *msg);

#endif
