// SPDX-License-Identifier: MIT
/*
 * main.c - the command line: the table of subcommands, help, and the
 * dispatch.  The commands are in cmd_*.c; only they print fatal errors.
 */
#include <string.h>

#include "cmd.h"

static int cmd_help(int argc, char **argv, struct opts *o);

static const struct cmd cmds[] = {
	{ "validate", NULL, cmd_validate, "validate [--prefix P] FILE",
	  "check a topology file; print every error as FILE:LINE:COL" },
	{ "plan", NULL, cmd_plan,
	  "plan [--destroy] [--json] [--prefix P] [--host NAME] FILE",
	  "print the operations apply (or destroy) would perform; of a running lab, what applying FILE changes" },
	{ "apply", "up", cmd_apply,
	  "apply [--keep] [--wait[=SECONDS] | --no-wait] [--prefix P] [--host NAME | --remote CMD] FILE",
	  "create the lab (or change a running one to what FILE says), usable when it returns; all or nothing" },
	{ "destroy", "down", cmd_destroy,
	  "destroy [--keep-processes | --kill] [--prefix P] [--host NAME | --remote CMD] FILE | destroy [--keep-processes | --kill] [--prefix P] --lab NAME",
	  "stop the lab's processes, remove everything it made (works from its journal)" },
	{ "status", NULL, cmd_status,
	  "status [--json] [--prefix P] [[--host NAME | --remote CMD] FILE | --lab NAME]",
	  "compare the live kernel state with the lab's plan (exit 3 on drift)" },
	{ "list", "ls", cmd_list, "list [--json] [[--remote CMD] FILE]",
	  "the labs that are up on this machine (or on every host of FILE)" },
	{ "exec", NULL, cmd_exec,
	  "exec [--lab NAME] [--prefix P] NODE [--drop-caps CAPS] [--user USER[:GROUP]] -- CMD [ARGS...]",
	  "run a command inside a node (like ip netns exec)" },
	{ "run", NULL, cmd_run,
	  "run [--isolated] [--wait[=SECONDS]] [--prefix P] FILE [-- CMD [ARGS...]]",
	  "apply, run CMD with NSTOPO_LAB set, always destroy; exit with CMD's status" },
	{ "shell", NULL, cmd_run, "shell [--wait[=SECONDS]] FILE",
	  "an interactive shell with the lab, in a sandbox that goes when it exits" },
	{ "capture", NULL, cmd_capture,
	  "capture [--lab NAME] NODE:IFNAME|BRIDGE[:PORT]|A--B [-w FILE] [FILTER...]",
	  "tcpdump on an interface of the lab, in its node: pcap to FILE or stdout" },
	{ "graph", NULL, cmd_graph, "graph [--format dot|mermaid] FILE",
	  "draw the topology for Graphviz or Mermaid" },
	{ "schema", NULL, cmd_schema, "schema",
	  "print the file format as a JSON Schema, for editors" },
	{ "help", NULL, cmd_help, "help [COMMAND]", "show help for a command" },
};

const struct cmd *cmd_find(const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(cmds); i++)
		if (!strcmp(cmds[i].name, name) ||
		    (cmds[i].alias && !strcmp(cmds[i].alias, name)))
			return &cmds[i];
	return NULL;
}

void cmd_usage(const struct cmd *c, FILE *f)
{
	fprintf(f, "usage: nstopo %s\n  %s\n", c->usage, c->help);
	if (c->alias)
		fprintf(f, "  alias: %s\n", c->alias);
	fprintf(f, "  common options: -q/--quiet, -v/--verbose, -h/--help\n");
}

static void usage(FILE *f)
{
	fprintf(f, "usage: nstopo [-q|-v] COMMAND [OPTIONS] [ARGS]\n"
		   "       nstopo --version\n\n"
		   "Build network namespace labs from a YAML topology.\n\n"
		   "commands:\n");
	for (size_t i = 0; i < ARRAY_SIZE(cmds); i++)
		fprintf(f, "  %-10s %s\n", cmds[i].name, cmds[i].help);
	fprintf(f,
		"\nexit status: 0 success, 1 failure, 2 invalid input or usage,\n"
		"3 status: drift, 4 status: not up, 125 exec/run: nstopo failed,\n"
		"126/127 exec/run: command not runnable/not found, else the command's status.\n"
		"See nstopo(8) and nstopo.yaml(5).\n");
}

static int cmd_help(int argc, char **argv, struct opts *o)
{
	const struct cmd *c;

	(void)o;
	if (argc < 2) {
		usage(stdout);
		return EXIT_OK;
	}
	c = cmd_find(argv[1]);
	if (!c) {
		fprintf(stderr, "nstopo: no command '%s'\n", argv[1]);
		return EXIT_INVALID;
	}
	cmd_usage(c, stdout);
	return EXIT_OK;
}

int main(int argc, char **argv)
{
	struct opts o = { 0 };
	const struct cmd *c;
	int i = 1;

	for (; i < argc && argv[i][0] == '-'; i++) {
		if (!strcmp(argv[i], "--version")) {
			printf("nstopo %s\n", NSTOPO_VERSION);
			return EXIT_OK;
		} else if (!strcmp(argv[i], "-h") ||
			   !strcmp(argv[i], "--help")) {
			usage(stdout);
			return EXIT_OK;
		} else if (!strcmp(argv[i], "-q") ||
			   !strcmp(argv[i], "--quiet")) {
			o.verbose = -1;
		} else if (!strcmp(argv[i], "-v") ||
			   !strcmp(argv[i], "--verbose")) {
			o.verbose = 1;
		} else {
			fprintf(stderr, "nstopo: unknown option '%s'\n",
				argv[i]);
			usage(stderr);
			return EXIT_INVALID;
		}
	}
	if (i >= argc) {
		usage(stderr);
		return EXIT_INVALID;
	}
	c = cmd_find(argv[i]);
	if (!c) {
		fprintf(stderr, "nstopo: unknown command '%s'\n", argv[i]);
		usage(stderr);
		return EXIT_INVALID;
	}
	return c->fn(argc - i, argv + i, &o);
}
