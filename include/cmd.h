/* SPDX-License-Identifier: MIT */
#ifndef NSTOPO_CMD_H
#define NSTOPO_CMD_H

/*
 * The command line, inside: what main.c and the commands (cmd_*.c) share.
 * Every function here prints its own errors, as only commands do.
 */
#include <signal.h>
#include <stdio.h>

#include "hosts.h"
#include "run.h"
#include "topo.h"

#ifndef NSTOPO_VERSION
#define NSTOPO_VERSION "0.1.0"
#endif

/* What nstopo exits with (nstopo(8), EXIT STATUS). */
enum exit_code {
	EXIT_OK = 0,
	EXIT_FAIL = 1,	  /* an operation failed (and was rolled back) */
	EXIT_INVALID = 2, /* bad usage or an invalid topology */
	EXIT_DRIFT = 3,	  /* status: the kernel differs from the plan */
	EXIT_NOT_UP = 4,  /* status: the lab is not applied */
	EXIT_OWN = 125,	  /* exec, run: nstopo itself failed */
};

#define MAX_ERRORS 200 /* diagnostics printed per file */

/* The options of every command (each takes the ones it allows). */
struct opts {
	int verbose; /* -1 quiet, 0 normal, 1 verbose */
	bool json;
	bool destroy;
	bool keep, kill;
	bool keep_procs;
	bool isolated;
	bool no_wait;
	double wait;
	const char *lab;
	const char *format;
	const char *drop_caps;
	const char *user;
	const char *prefix; /* --prefix, as given */
	bool has_prefix;
	const char *inst;   /* the instance: --prefix, else $NSTOPO_PREFIX */
	const char *host;   /* --host: this share of a lab over machines */
	const char *remote; /* --remote: how to reach the other hosts */
};

/* A subcommand: its row in main.c's table. */
struct cmd {
	const char *name;
	const char *alias;
	int (*fn)(int argc, char **argv, struct opts *o);
	const char *usage;
	const char *help;
};

/* The last SIGINT, SIGTERM or SIGHUP (0: none), and how many came. */
extern volatile sig_atomic_t stop_requested;
extern volatile sig_atomic_t signals_seen;

/**
 * catch_signals() - from now on SIGINT, SIGTERM and SIGHUP only set
 * stop_requested (apply rolls back, destroy finishes)
 */
void catch_signals(void);

/**
 * cmd_find() - the command named @name (or by its alias)
 * Return: its row, or NULL.
 */
const struct cmd *cmd_find(const char *name);

/**
 * cmd_usage() - print "usage: nstopo USAGE" of @c on @f
 */
void cmd_usage(const struct cmd *c, FILE *f);

/**
 * parse_opts() - read the options of command @c into @o
 * @allowed:	the short names (struct option val) of the options @c
 *		takes; others are refused
 *
 * -h prints the usage and exits.  The instance (--prefix, else
 * $NSTOPO_PREFIX) is checked here when @c takes --prefix.
 * Return: the index of the first argument that is no option, or -1
 * (reported).
 */
int parse_opts(const struct cmd *c, int argc, char **argv, struct opts *o,
	       const char *allowed);

/**
 * load_text() - load topology @path (instance @inst of its lab, if not
 * NULL), printing every error
 * @text:	if not NULL, keeps the file's text, to hand on to a lab's
 *		other hosts
 *
 * Return: the topology, or NULL if it is invalid.
 */
struct topo *load_text(const char *path, const char *inst, struct strbuf *text);

/**
 * load() - load_text() without keeping the text
 * Return: the topology, or NULL if it is invalid.
 */
struct topo *load(const char *path, const char *inst);

/**
 * compile() - the plan of @t, or of its share o->host
 * Return: the plan, or NULL (said why).
 */
struct plan *compile(const struct topo *t, const struct opts *o);

/**
 * on_hosts() - run a command on a lab spread over machines on each of
 * them (@run, hosts.c), unless this is one share (--host) or every host
 * is this machine
 * @text:	the file's text, for the other hosts
 * @rc:		the exit status, when it ran there
 *
 * Return: true if it ran there.
 */
bool on_hosts(const struct topo *t, const struct strbuf *text,
	      const struct opts *o, hosts_run_fn run, int *rc);

/**
 * one_file() - is argument @i the last one (the command's FILE)?
 * Return: 0, or -1 after printing the usage.
 */
int one_file(const struct cmd *c, int argc, int i);

/**
 * apply_opts() - what apply, destroy and run are told, from the options
 * @file:	the topology file, for the journal (or NULL)
 *
 * Return: the options.
 */
struct apply_opts apply_opts(const struct opts *o, const char *file);

/**
 * absolute() - @path made absolute (the journal records where a lab came
 * from); "-" as it is
 * Return: a malloc'd string.
 */
char *absolute(const char *path);

/**
 * lab_of_file() - which lab (instance @inst, if not NULL) file @path was
 * applied as: by its recorded path (not for standard input), else by its
 * name
 * @t:		the file's topology if it loaded, else NULL
 * @d:		its errors, printed if they matter
 *
 * Return: the lab's name (malloc'd), or NULL (reported).
 */
char *lab_of_file(const char *path, const char *inst, const struct topo *t,
		  struct diags *d);

/**
 * lab_named() - a lab named on the command line (or in $NSTOPO_LAB,
 * @from says which), as instance @inst if there is one: LAB becomes
 * LAB@P; LAB@P must be of that P
 * Return: the name (malloc'd), or NULL if it is none (reported).
 */
char *lab_named(const char *name, const char *inst, const char *from);

/**
 * pick_lab() - the lab a command without FILE works on: --lab, else
 * $NSTOPO_LAB, else the only lab up
 * Return: its name (malloc'd), or NULL (reported).
 */
char *pick_lab(const struct opts *o);

/**
 * node_netns() - the namespace of node @node of lab @lab, from its journal
 * Return: the name (malloc'd), or NULL (reported).
 */
char *node_netns(const char *lab, const char *node);

/* The commands, in main.c's table (nstopo(8) has the details). */

/**
 * cmd_validate() - nstopo validate: check a topology file; print every error as FILE:LINE:COL
 * Return: the exit status (enum exit_code, or the command's).
 */
int cmd_validate(int argc, char **argv, struct opts *o);

/**
 * cmd_plan() - nstopo plan: print the operations apply (or destroy) would perform; of a running lab, what applying the file changes
 * Return: the exit status (enum exit_code, or the command's).
 */
int cmd_plan(int argc, char **argv, struct opts *o);

/**
 * cmd_apply() - nstopo apply: make the lab (or change a running one to what the file says), all or nothing
 * Return: the exit status (enum exit_code, or the command's).
 */
int cmd_apply(int argc, char **argv, struct opts *o);

/**
 * cmd_destroy() - nstopo destroy: stop the lab's processes and remove everything it made, from its journal
 * Return: the exit status (enum exit_code, or the command's).
 */
int cmd_destroy(int argc, char **argv, struct opts *o);

/**
 * cmd_status() - nstopo status: compare the kernel with the lab (or with FILE)
 * Return: the exit status (enum exit_code, or the command's).
 */
int cmd_status(int argc, char **argv, struct opts *o);

/**
 * cmd_list() - nstopo list: the labs up on this machine (partial, orphaned, lost too)
 * Return: the exit status (enum exit_code, or the command's).
 */
int cmd_list(int argc, char **argv, struct opts *o);

/**
 * cmd_exec() - nstopo exec: run a command inside a node
 * Return: the exit status (enum exit_code, or the command's).
 */
int cmd_exec(int argc, char **argv, struct opts *o);

/**
 * cmd_run() - nstopo run: apply, run a command, always destroy (run, shell)
 * Return: the exit status (enum exit_code, or the command's).
 */
int cmd_run(int argc, char **argv, struct opts *o);

/**
 * cmd_graph() - nstopo graph: draw the topology for Graphviz or Mermaid
 * Return: the exit status (enum exit_code, or the command's).
 */
int cmd_graph(int argc, char **argv, struct opts *o);

/**
 * cmd_schema() - nstopo schema: print the file format as a JSON Schema
 * Return: the exit status (enum exit_code, or the command's).
 */
int cmd_schema(int argc, char **argv, struct opts *o);

/**
 * cmd_capture() - nstopo capture: tcpdump on an interface of a running lab, in its node
 * Return: the exit status (enum exit_code, or the command's).
 */
int cmd_capture(int argc, char **argv, struct opts *o);

#endif
