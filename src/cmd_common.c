// SPDX-License-Identifier: MIT
/*
 * cmd_common.c - what the commands share: signals, options, loading a
 * file (of an instance, over hosts), naming a lab.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <string.h>

#include "state.h"
#include "cmd.h"

/* Set by SIGINT/SIGTERM/SIGHUP: apply stops after the current step and
 * rolls back; destroy finishes (leaving half a lab helps nobody). */
volatile sig_atomic_t stop_requested; /* the last signal */
volatile sig_atomic_t signals_seen;

static void on_signal(int sig)
{
	stop_requested = sig;
	signals_seen++;
}

void catch_signals(void)
{
	struct sigaction sa = { .sa_handler = on_signal };

	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
}

/*
 * The instance a command works on: --prefix (an empty one: none), else
 * $NSTOPO_PREFIX.  Return: 0, or -1 if it is no valid prefix (reported).
 */
static int pick_instance(const struct cmd *c, struct opts *o)
{
	const char *p = o->has_prefix ? o->prefix : getenv("NSTOPO_PREFIX");
	const char *why;

	o->inst = p && *p ? p : NULL;
	if (!o->inst || instance_valid(o->inst, &why))
		return 0;
	fprintf(stderr, "nstopo %s: prefix '%s'%s %s\n", c->name, o->inst,
		o->has_prefix ? "" : " (from $NSTOPO_PREFIX)", why);
	return -1;
}

/* Parse the options common to every command; returns optind or -1. */
int parse_opts(const struct cmd *c, int argc, char **argv, struct opts *o,
	       const char *allowed)
{
	static const struct option longopts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "destroy", no_argument, NULL, 'D' },
		{ "keep", no_argument, NULL, 'k' },
		{ "kill", no_argument, NULL, 'K' },
		{ "keep-processes", no_argument, NULL, 'R' },
		{ "wait", optional_argument, NULL, 'w' },
		{ "no-wait", no_argument, NULL, 'W' },
		{ "lab", required_argument, NULL, 'l' },
		{ "format", required_argument, NULL, 'f' },
		{ "drop-caps", required_argument, NULL, 'c' },
		{ "user", required_argument, NULL, 'u' },
		{ "isolated", no_argument, NULL, 'I' },
		{ "prefix", required_argument, NULL, 'P' },
		{ "host", required_argument, NULL, 'H' },
		{ "remote", required_argument, NULL, 'E' },
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
			/* "--lab NAME": the option, not its argument */
			bool apart = optarg && argv[optind - 1] == optarg;

			fprintf(stderr,
				"nstopo %s: option '%s' does not apply\n",
				c->name, argv[optind - 1 - apart]);
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
		case 'K':
			o->kill = true;
			break;
		case 'R':
			o->keep_procs = true;
			break;
		case 'w':
			o->wait = optarg ? strtod(optarg, NULL) : 10;
			if (!(o->wait > 0 && o->wait <= 3600)) {
				fprintf(stderr,
					"nstopo %s: --wait=SECONDS takes more than 0 and at most 3600\n",
					c->name);
				return -1;
			}
			break;
		case 'W':
			o->no_wait = true;
			break;
		case 'l':
			o->lab = optarg;
			break;
		case 'f':
			o->format = optarg;
			break;
		case 'c':
			o->drop_caps = optarg;
			break;
		case 'u':
			o->user = optarg;
			break;
		case 'I':
			o->isolated = true;
			break;
		case 'P':
			o->prefix = optarg;
			o->has_prefix = true;
			break;
		case 'H':
			o->host = optarg;
			break;
		case 'E':
			o->remote = optarg;
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
	if (strchr(allowed, 'P') && pick_instance(c, o))
		return -1;
	return optind;
}

/*
 * Load a topology (instance @inst of its lab, if not NULL), printing
 * every error; NULL if it is invalid.  @text (if not NULL) keeps the
 * file, to hand on to a lab's other hosts.
 */
struct topo *load_text(const char *path, const char *inst, struct strbuf *text)
{
	struct diags d = { .file = path, .max = MAX_ERRORS };
	struct strbuf own = { 0 };
	struct topo *t = hosts_load(path, inst, text ? text : &own, &d);

	diag_sort(&d);
	diag_print(&d, stderr);
	diags_free(&d);
	sb_free(&own);
	return t;
}

struct topo *load(const char *path, const char *inst)
{
	return load_text(path, inst, NULL);
}

/* The plan of @t, or of its share --host; NULL (said why) if none. */
struct plan *compile(const struct topo *t, const struct opts *o)
{
	struct strbuf msg = { 0 };
	struct plan *p;

	if (hosts_plan(t, o->host, &p, &msg))
		fprintf(stderr, "nstopo: %s\n", msg.buf);
	sb_free(&msg);
	return p;
}

/*
 * A command on a lab spread over machines runs on each of them (@run,
 * hosts.c) unless this is one share (--host) or every host is this
 * machine: true if it ran there (its exit status in *rc).
 */
bool on_hosts(const struct topo *t, const struct strbuf *text,
	      const struct opts *o, hosts_run_fn run, int *rc)
{
	struct hosts_opts ho = {
		.remote = o->remote,
		.verbose = o->verbose,
		.json = o->json,
		.keep = o->keep,
		.keep_procs = o->keep_procs,
		.no_wait = o->no_wait,
		.inst = o->inst,
		.wait = o->wait,
		.stop = &stop_requested,
	};
	struct strbuf msg = { 0 };
	int fan = t ? hosts_fan_out(t, o->host, &msg) : 0;

	if (fan < 0)
		fprintf(stderr, "nstopo: %s\n", msg.buf);
	sb_free(&msg);
	if (fan > 0)
		catch_signals();
	*rc = fan < 0 ? EXIT_INVALID : fan > 0 ? run(t, text, &ho) : EXIT_OK;
	return fan != 0;
}

int one_file(const struct cmd *c, int argc, int i)
{
	if (i != argc - 1) {
		cmd_usage(c, stderr);
		return -1;
	}
	return 0;
}

struct apply_opts apply_opts(const struct opts *o, const char *file)
{
	const char *fault_at = getenv("NSTOPO_FAULT_AT");

	return (struct apply_opts){
		.keep = o->keep,
		/* --kill is the default: what a lab started goes with it. */
		.kill = !o->keep_procs,
		.wait = o->wait,
		/* Usable on return, unless told to return at the last ack. */
		.ready = !o->no_wait,
		.verbose = o->verbose,
		.progress = o->verbose >= 0 && isatty(STDERR_FILENO),
		.stop = &stop_requested,
		.file = file,
		/* A testing aid (see nstopo(8), ENVIRONMENT). */
		.fault_at = fault_at ? strtoul(fault_at, NULL, 10) : 0,
	};
}

/* The journal records the absolute path of the file a lab came from. */
char *absolute(const char *path)
{
	char cwd[PATH_MAX];

	if (path[0] == '/' || !strcmp(path, "-") || !getcwd(cwd, sizeof(cwd)))
		return xstrdup(path);
	return xasprintf("%s/%s", cwd, path);
}

/*
 * Which lab (instance @inst of a lab, if not NULL) a file was applied as:
 * by its recorded path (not for standard input: every share of a lab over
 * machines was applied from one), else by its name.  @t is the file's
 * topology if it loaded, else @d holds its errors, which are printed if
 * they matter.
 */
char *lab_of_file(const char *path, const char *inst, const struct topo *t,
		  struct diags *d)
{
	char *abs = absolute(path), *found = NULL;

	if (strcmp(path, "-"))
		found = state_lab_of_file(abs, inst);
	free(abs);
	if (found)
		return found;
	if (t)
		return xstrdup(t->name);
	diag_sort(d);
	diag_print(d, stderr);
	return NULL;
}

/*
 * A lab named on the command line (or in $NSTOPO_LAB, @from), as instance
 * @inst if there is one: LAB becomes LAB@P; LAB@P must be of that P.
 * Return: the name (malloc'd), or NULL if it is none (reported).
 */
char *lab_named(const char *name, const char *inst, const char *from)
{
	const char *at = strchr(name, '@');
	char *lab;

	if (inst && at && strcmp(at + 1, inst)) {
		fprintf(stderr,
			"nstopo: lab '%s'%s is not an instance of prefix '%s'\n",
			name, from, inst);
		return NULL;
	}
	lab = inst && !at ? xasprintf("%s@%s", name, inst) : xstrdup(name);
	if (!lab_name_valid(lab)) {
		fprintf(stderr, "nstopo: '%s'%s is not a lab name\n", lab,
			from);
		free(lab);
		return NULL;
	}
	return lab;
}

/*
 * The lab a command means: --lab, else $NSTOPO_LAB, else the only one
 * (of the instance's, with a prefix).
 */
char *pick_lab(const struct opts *o)
{
	const char *env = getenv("NSTOPO_LAB");
	char **labs, *found = NULL;
	size_t n, mine = 0;

	if (o->lab || (env && *env))
		return lab_named(o->lab ? o->lab : env, o->inst,
				 o->lab ? "" : " (from $NSTOPO_LAB)");
	n = state_list(&labs);
	for (size_t k = 0; k < n; k++) {
		const char *at = strchr(labs[k], '@');

		if (o->inst && (!at || strcmp(at + 1, o->inst)))
			continue;
		if (!mine++)
			found = xstrdup(labs[k]);
	}
	if (mine > 1) {
		free(found);
		found = NULL;
		fprintf(stderr,
			"nstopo: %zu labs are up%s%s: say which with --lab\n",
			mine, o->inst ? " with prefix " : "",
			o->inst ? o->inst : "");
	} else if (!mine) {
		fprintf(stderr, "nstopo: no lab is up%s%s\n",
			o->inst ? " with prefix " : "", o->inst ? o->inst : "");
	}
	for (size_t k = 0; k < n; k++)
		free(labs[k]);
	free(labs);
	return found;
}

/* A node's namespace, from the lab's journal; NULL if it has no such node. */
char *node_netns(const char *lab, const char *node)
{
	char *ns = NULL;
	int rc = state_node_netns(lab, node, &ns);

	if (rc == -ESRCH)
		fprintf(stderr, "nstopo: lab %s has no node %s\n", lab, node);
	else if (rc)
		fprintf(stderr, "nstopo: lab %s is not up\n", lab);
	return ns;
}
