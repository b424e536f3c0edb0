// SPDX-License-Identifier: MIT
/*
 * cmd_node.c - the commands that work inside a node: exec and capture.
 */

#include "capture.h"
#include "exec.h"
#include "cmd.h"

int cmd_exec(int argc, char **argv, struct opts *o)
{
	const struct cmd *c = cmd_find("exec");
	int i = parse_opts(c, argc, argv, o, "lcuP"), j;
	const char *node;
	struct strbuf msg = { 0 };
	struct exec_req r;
	char *lab, *ns;
	int rc;

	if (i < 0 || i >= argc) {
		if (i >= 0)
			cmd_usage(c, stderr);
		return EXIT_INVALID;
	}
	node = argv[i];
	/* Options may follow the node too: NODE [options] -- CMD. */
	j = parse_opts(c, argc - i, argv + i, o, "lcuP");
	if (j < 0)
		return EXIT_INVALID;
	j += i; /* getopt has consumed a "--" */
	if (j >= argc) {
		fprintf(stderr, "nstopo exec: no command given\n");
		return EXIT_INVALID;
	}
	if (o->drop_caps && exec_caps_check(o->drop_caps, &msg)) {
		/* Like an unknown user: 125, before the lab is looked up. */
		fprintf(stderr, "nstopo exec: --drop-caps: %s\n", msg.buf);
		sb_free(&msg);
		return EXIT_OWN;
	}
	lab = pick_lab(o);
	if (!lab)
		return EXIT_OWN;
	ns = node_netns(lab, node);
	if (!ns) {
		free(lab);
		return EXIT_OWN;
	}
	r = (struct exec_req){
		.ns = ns,
		.drop_caps = o->drop_caps,
		.user = o->user,
		.env = (const char *const[]){ "NSTOPO_LAB", lab, "NSTOPO_NODE",
					      node, NULL },
		.argv = argv + j,
	};
	rc = node_exec(&r, &msg); /* 127, 126 or EXEC_FAILED (125) */
	fprintf(stderr, "nstopo exec: %s\n", msg.buf);
	sb_free(&msg);
	free(ns);
	free(lab);
	return rc;
}

int cmd_capture(int argc, char **argv, struct opts *o)
{
	const struct cmd *c = cmd_find("capture");
	struct strbuf msg = { 0 };
	struct capture_req r;
	char *lab;
	int rc;

	if (!c) /* it is in cmds[]; said for the analyzer */
		return EXIT_OWN;
	if (capture_args(argc, argv, &r, &msg)) {
		fprintf(stderr, "nstopo capture: %s\n", msg.buf);
		cmd_usage(c, stderr);
		sb_free(&msg);
		return EXIT_INVALID;
	}
	if (r.help) {
		cmd_usage(c, stdout);
		return EXIT_OK;
	}
	o->lab = r.lab;
	lab = pick_lab(o);
	if (!lab)
		return EXIT_OWN;
	rc = capture_exec(lab, &r, &msg); /* 127 or EXEC_FAILED (125) */
	fprintf(stderr, "nstopo capture: %s\n", msg.buf);
	sb_free(&msg);
	free(lab);
	return rc;
}
