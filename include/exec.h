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

/*
 * node_exec() - become a process of the node and exec r->argv there
 *
 * Returns only on failure, with -errno and the reason in @msg (-ENOENT
 * or -EACCES from exec itself map to the shell's 127 and 126).
 */
int node_exec(const struct exec_req *r, struct strbuf *msg);

#endif
