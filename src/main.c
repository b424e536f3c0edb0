// SPDX-License-Identifier: MIT
/*
 * main.c - the command line: a table of subcommands, their options, exit
 * codes.  The only place that prints fatal errors.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "apply.h"
#include "plan.h"
#include "state.h"
#include "topo.h"

#ifndef NSTOPO_VERSION
#define NSTOPO_VERSION "0.1.0"
#endif

enum exit_code {
	EXIT_OK = 0,
	EXIT_FAIL = 1,	  /* an operation failed (and was rolled back) */
	EXIT_INVALID = 2, /* bad usage or an invalid topology */
};

#define MAX_ERRORS 200

struct opts {
	int verbose; /* -1 quiet, 0 normal, 1 verbose */
	bool json;
	bool destroy;
	bool keep;
	const char *lab;
};

/* Set by SIGINT/SIGTERM: apply stops after the current step and rolls
 * back; destroy finishes (leaving half a lab helps nobody). */
static volatile sig_atomic_t stop_requested;

static void on_signal(int sig)
{
	(void)sig;
	stop_requested = 1;
}

static void catch_signals(void)
{
	struct sigaction sa = { .sa_handler = on_signal };

	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
}

struct cmd {
	const char *name;
	const char *alias;
	int (*fn)(int argc, char **argv, struct opts *o);
	const char *usage;
	const char *help;
};

static const struct cmd *cmd_find(const char *name);
static void cmd_usage(const struct cmd *c, FILE *f);

/* Parse the options common to every command; returns optind or -1. */
static int parse_opts(const struct cmd *c, int argc, char **argv,
		      struct opts *o, const char *allowed)
{
	static const struct option longopts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "destroy", no_argument, NULL, 'D' },
		{ "keep", no_argument, NULL, 'k' },
		{ "lab", required_argument, NULL, 'l' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int ch;

	optind = 1;
	while ((ch = getopt_long(argc, argv, "+qvh", longopts, NULL)) != -1) {
		if (ch != '?' && ch != 'h' && ch != 'q' && ch != 'v' &&
		    !strchr(allowed, ch)) {
			fprintf(stderr, "nstopo %s: option '%s' does not apply\n",
				c->name, argv[optind - 1]);
			return -1;
		}
		switch (ch) {
		case 'j':
			o->json = true;
			break;
		case 'D':
			o->destroy = true;
			break;
		case 'k':
			o->keep = true;
			break;
		case 'l':
			o->lab = optarg;
			break;
		case 'q':
			o->verbose = -1;
			break;
		case 'v':
			o->verbose = 1;
			break;
		case 'h':
			cmd_usage(c, stdout);
			exit(EXIT_OK);
		default:
			cmd_usage(c, stderr);
			return -1;
		}
	}
	return optind;
}

/* Load a topology, printing every error; NULL if it is invalid. */
static struct topo *load(const char *path)
{
	struct diags d = { .file = path, .max = MAX_ERRORS };
	struct topo *t = topo_load(path, &d);

	diag_sort(&d);
	diag_print(&d, stderr);
	diags_free(&d);
	return t;
}

static int one_file(const struct cmd *c, int argc, int i)
{
	if (i != argc - 1) {
		cmd_usage(c, stderr);
		return -1;
	}
	return 0;
}

static int cmd_validate(int argc, char **argv, struct opts *o)
{
	const struct cmd *c = cmd_find("validate");
	int i = parse_opts(c, argc, argv, o, "");
	struct topo *t;

	if (i < 0 || one_file(c, argc, i))
		return EXIT_INVALID;
	t = load(argv[i]);
	if (!t)
		return EXIT_INVALID;
	if (o->verbose >= 0)
		printf("%s: valid: lab %s, %zu nodes, %zu bridges, %zu links\n",
		       argv[i], t->name, t->n_nodes - 1, t->n_bridges,
		       t->n_links);
	topo_free(t);
	return EXIT_OK;
}

static int cmd_plan(int argc, char **argv, struct opts *o)
{
	const struct cmd *c = cmd_find("plan");
	int i = parse_opts(c, argc, argv, o, "jD");
	struct plan *p, *inv;
	struct topo *t;

	if (i < 0 || one_file(c, argc, i))
		return EXIT_INVALID;
	t = load(argv[i]);
	if (!t)
		return EXIT_INVALID;
	p = plan_compile(t);
	if (o->destroy) {
		inv = plan_invert(p);
		plan_free(p);
		p = inv;
	}
	plan_print(p, stdout, o->json);
	plan_free(p);
	topo_free(t);
	return EXIT_OK;
}

static struct apply_opts apply_opts(const struct opts *o, const char *file)
{
	return (struct apply_opts){
		.keep = o->keep,
		.verbose = o->verbose,
		.progress = o->verbose >= 0 && isatty(STDERR_FILENO),
		.stop = &stop_requested,
		.file = file,
		/* A testing aid (see nstopo(8), ENVIRONMENT). */
		.fault_at = getenv("NSTOPO_FAULT_AT") ?
				    strtoul(getenv("NSTOPO_FAULT_AT"), NULL, 10) :
				    0,
	};
}

/* The journal records the absolute path of the file a lab came from. */
static char *absolute(const char *path)
{
	char cwd[PATH_MAX];

	if (path[0] == '/' || !strcmp(path, "-") || !getcwd(cwd, sizeof(cwd)))
		return xstrdup(path);
	return xasprintf("%s/%s", cwd, path);
}

static int cmd_apply(int argc, char **argv, struct opts *o)
{
	const struct cmd *c = cmd_find("apply");
	int i = parse_opts(c, argc, argv, o, "k");
	struct apply_result res;
	struct strbuf msg = { 0 };
	struct apply_opts ao;
	struct plan *p;
	struct topo *t;
	char *file;
	int rc;

	if (i < 0 || one_file(c, argc, i))
		return EXIT_INVALID;
	t = load(argv[i]);
	if (!t)
		return EXIT_INVALID;
	p = plan_compile(t);
	file = absolute(argv[i]);
	ao = apply_opts(o, file);
	catch_signals();
	rc = lab_apply(p, &ao, &res, &msg);
	if (!rc && o->verbose >= 0) {
		if (res.nothing_to_do)
			printf("lab %s is already up: nothing to do\n", p->lab);
		else
			printf("lab %s is up: %zu namespaces, %zu links, %zu steps in %.3f s\n",
			       p->lab, res.namespaces, res.links, res.ops_done,
			       res.seconds);
	} else if (rc) {
		fprintf(stderr, "nstopo: apply %s: %s\n", p->lab, msg.buf);
		if (res.kept && o->keep)
			fprintf(stderr, "nstopo: --keep: the partial lab is left as it is; remove it with 'nstopo destroy --lab %s'\n",
				p->lab);
		else if (res.ops_done && !res.kept)
			fprintf(stderr, "nstopo: rolled back (%zu step%s undone): the machine is as it was\n",
				res.undone, res.undone == 1 ? "" : "s");
	}
	sb_free(&msg);
	free(file);
	plan_free(p);
	topo_free(t);
	return rc ? EXIT_FAIL : EXIT_OK;
}

/* Which lab a file was applied as: by its recorded path, else its name. */
static char *lab_of_file(const char *path)
{
	char **labs, *abs = absolute(path), *found = NULL;
	size_t n = state_list(&labs);
	struct topo *t;

	for (size_t i = 0; i < n; i++) {
		struct journal j;

		if (!found && !state_read(labs[i], &j)) {
			if (!strcmp(j.file, abs))
				found = xstrdup(labs[i]);
			journal_free(&j);
		}
		free(labs[i]);
	}
	free(labs);
	free(abs);
	if (found)
		return found;
	t = load(path);
	if (t)
		found = xstrdup(t->name);
	topo_free(t);
	return found;
}

static int cmd_destroy(int argc, char **argv, struct opts *o)
{
	const struct cmd *c = cmd_find("destroy");
	int i = parse_opts(c, argc, argv, o, "l");
	struct apply_result res;
	struct strbuf msg = { 0 };
	struct apply_opts ao;
	char *lab;
	int rc;

	if (i < 0 || (o->lab ? i != argc : one_file(c, argc, i)))
		return EXIT_INVALID;
	if (o->lab && !lab_name_valid(o->lab)) {
		fprintf(stderr, "nstopo: '%s' is not a lab name\n", o->lab);
		return EXIT_INVALID;
	}
	lab = o->lab ? xstrdup(o->lab) : lab_of_file(argv[i]);
	if (!lab)
		return EXIT_INVALID;
	ao = apply_opts(o, NULL);
	catch_signals();
	rc = lab_destroy(lab, &ao, &res, &msg);
	if (!rc && o->verbose >= 0) {
		if (res.nothing_to_do)
			printf("lab %s is not up: nothing to do\n", lab);
		else
			printf("lab %s is down: %zu namespaces, %zu host links removed in %.3f s\n",
			       lab, res.namespaces, res.links, res.seconds);
	} else if (rc) {
		fprintf(stderr, "nstopo: destroy %s: %s\n", lab, msg.buf);
	}
	sb_free(&msg);
	free(lab);
	return rc ? EXIT_FAIL : EXIT_OK;
}

static int cmd_help(int argc, char **argv, struct opts *o);

static const struct cmd cmds[] = {
	{ "validate", NULL, cmd_validate, "validate FILE",
	  "check a topology file; print every error as FILE:LINE:COL" },
	{ "plan", NULL, cmd_plan, "plan [--destroy] [--json] FILE",
	  "print the operations apply (or destroy) would perform" },
	{ "apply", "up", cmd_apply, "apply [--keep] FILE",
	  "create the lab: namespaces, links, addresses, routes; all or nothing" },
	{ "destroy", "down", cmd_destroy, "destroy FILE | destroy --lab NAME",
	  "remove everything the lab made (works from its journal)" },
	{ "help", NULL, cmd_help, "help [COMMAND]", "show help for a command" },
};

static const struct cmd *cmd_find(const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(cmds); i++)
		if (!strcmp(cmds[i].name, name) ||
		    (cmds[i].alias && !strcmp(cmds[i].alias, name)))
			return &cmds[i];
	return NULL;
}

static void cmd_usage(const struct cmd *c, FILE *f)
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
	fprintf(f, "\nexit status: 0 success, 1 failure, 2 invalid input or usage\n"
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
		} else if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			usage(stdout);
			return EXIT_OK;
		} else if (!strcmp(argv[i], "-q") || !strcmp(argv[i], "--quiet")) {
			o.verbose = -1;
		} else if (!strcmp(argv[i], "-v") ||
			   !strcmp(argv[i], "--verbose")) {
			o.verbose = 1;
		} else {
			fprintf(stderr, "nstopo: unknown option '%s'\n", argv[i]);
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
