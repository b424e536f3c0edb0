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

#include <sys/wait.h>
#include <time.h>

#include "lab.h"
#include "capture.h"
#include "caps.h"
#include "command.h"
#include "exec.h"
#include "graph.h"
#include "hosts.h"
#include "load.h"
#include "marks.h"
#include "opkind.h"
#include "plan.h"
#include "parse.h"
#include "procs.h"
#include "reconcile.h"
#include "sandbox.h"
#include "schema.h"
#include "state.h"
#include "status.h"
#include "topo.h"

#ifndef NSTOPO_VERSION
#define NSTOPO_VERSION "0.1.0"
#endif

enum exit_code {
	EXIT_OK = 0,
	EXIT_FAIL = 1,	  /* an operation failed (and was rolled back) */
	EXIT_INVALID = 2, /* bad usage or an invalid topology */
	EXIT_DRIFT = 3,	  /* status: the kernel differs from the plan */
	EXIT_NOT_UP = 4,  /* status: the lab is not applied */
	EXIT_OWN = 125,	  /* exec, run: nstopo itself failed */
};

#define MAX_ERRORS 200

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

/* Set by SIGINT/SIGTERM: apply stops after the current step and rolls
 * back; destroy finishes (leaving half a lab helps nobody). */
static volatile sig_atomic_t stop_requested; /* the last signal */
static volatile sig_atomic_t signals_seen;

static void on_signal(int sig)
{
	stop_requested = sig;
	signals_seen++;
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
static int parse_opts(const struct cmd *c, int argc, char **argv,
		      struct opts *o, const char *allowed)
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
static struct topo *load_text(const char *path, const char *inst,
			      struct strbuf *text)
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

static struct topo *load(const char *path, const char *inst)
{
	return load_text(path, inst, NULL);
}

/* The plan of @t, or of its share --host; NULL (said why) if none. */
static struct plan *compile(const struct topo *t, const struct opts *o)
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
static bool on_hosts(const struct topo *t, const struct strbuf *text,
		     const struct opts *o, hosts_run_fn run, int *rc)
{
	struct hosts_opts ho = {
		.remote = o->remote,
		.verbose = o->verbose,
		.json = o->json,
		.keep = o->keep,
		.kill = o->kill,
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
	int i = parse_opts(c, argc, argv, o, "P");
	struct topo *t;

	if (i < 0 || one_file(c, argc, i))
		return EXIT_INVALID;
	t = load(argv[i], o->inst);
	if (!t)
		return EXIT_INVALID;
	/* Links as apply and list count them: every interface (a pair
	 * once) the file makes, bridges included. */
	if (o->verbose >= 0)
		printf("%s: valid: lab %s, %zu node%s, %zu link%s (%zu bridge%s)\n",
		       argv[i], t->name, t->n_nodes - 1,
		       t->n_nodes - 1 == 1 ? "" : "s",
		       t->n_links + t->n_bridges,
		       t->n_links + t->n_bridges == 1 ? "" : "s", t->n_bridges,
		       t->n_bridges == 1 ? "" : "s");
	topo_free(t);
	return EXIT_OK;
}

static int cmd_plan(int argc, char **argv, struct opts *o)
{
	const struct cmd *c = cmd_find("plan");
	int i = parse_opts(c, argc, argv, o, "jDPH");
	struct plan *p, *inv;
	struct journal j;
	struct topo *t;

	if (i < 0 || one_file(c, argc, i))
		return EXIT_INVALID;
	t = load(argv[i], o->inst);
	if (!t)
		return EXIT_INVALID;
	p = compile(t, o);
	if (!p) {
		topo_free(t);
		return EXIT_INVALID;
	}
	if (o->destroy) {
		inv = plan_invert(p);
		plan_free(p);
		p = inv;
	} else if (!state_read(p->lab, &j)) {
		/* The lab is up: what applying the file would change. */
		struct edit e;

		edit_compute(j.plan, p, &e);
		if (!o->json && o->verbose >= 0)
			printf("# lab %s is up (applied from %s): what applying %s changes\n",
			       p->lab, j.file, argv[i]);
		edit_print(&e, p, argv[i], stdout, o->json);
		edit_free(&e);
		journal_free(&j);
		plan_free(p);
		topo_free(t);
		return EXIT_OK;
	}
	plan_print(p, stdout, o->json);
	plan_free(p);
	topo_free(t);
	return EXIT_OK;
}

static struct apply_opts apply_opts(const struct opts *o, const char *file)
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
	int i = parse_opts(c, argc, argv, o, "kwWPHE");
	struct strbuf msg = { 0 }, text = { 0 };
	struct apply_result res;
	struct apply_opts ao;
	struct plan *p;
	struct topo *t;
	char *file;
	int rc;

	if (i < 0 || one_file(c, argc, i))
		return EXIT_INVALID;
	if (o->no_wait && o->wait > 0) {
		fprintf(stderr,
			"nstopo apply: --wait and --no-wait do not go together\n");
		return EXIT_INVALID;
	}
	t = load_text(argv[i], o->inst, &text);
	if (!t || on_hosts(t, &text, o, hosts_apply, &rc)) {
		sb_free(&text);
		topo_free(t);
		return t ? rc : EXIT_INVALID;
	}
	sb_free(&text);
	p = compile(t, o);
	if (!p) {
		topo_free(t);
		return EXIT_INVALID;
	}
	file = absolute(argv[i]);
	ao = apply_opts(o, file);
	catch_signals();
	rc = lab_apply(p, &ao, &res, &msg);
	if (!rc && o->verbose >= 0) {
		if (res.nothing_to_do)
			printf("lab %s is already up: nothing to do\n", p->lab);
		else if (res.changed)
			printf("lab %s is up: changed in place (%zu objects made, changed or removed) in %.3f s\n",
			       p->lab, res.changed, res.seconds);
		else if (res.repaired)
			printf("lab %s is up: what had drifted is set right again, in %.3f s\n",
			       p->lab, res.seconds);
		else
			printf("lab %s is up: %zu namespaces, %zu links, %zu steps in %.3f s\n",
			       p->lab, res.namespaces, res.links, res.ops_done,
			       res.seconds);
	} else if (rc) {
		fprintf(stderr, "nstopo: apply %s: %s\n", p->lab, msg.buf);
		if (res.kept && o->keep)
			fprintf(stderr,
				"nstopo: --keep: the partial lab is left as it is; remove it with 'nstopo destroy --lab %s'\n",
				p->lab);
		else if (res.ops_done && !res.kept)
			fprintf(stderr,
				"nstopo: rolled back (%zu step%s undone): the machine is as it was\n",
				res.undone, res.undone == 1 ? "" : "s");
	}
	sb_free(&msg);
	free(file);
	plan_free(p);
	topo_free(t);
	return rc ? EXIT_FAIL : EXIT_OK;
}

/*
 * Which lab (instance @inst of a lab, if not NULL) a file was applied as:
 * by its recorded path (not for standard input: every share of a lab over
 * machines was applied from one), else by its name.  @t is the file's
 * topology if it loaded, else @d holds its errors, which are printed if
 * they matter.
 */
static char *lab_of_file(const char *path, const char *inst,
			 const struct topo *t, struct diags *d)
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
static char *lab_named(const char *name, const char *inst, const char *from)
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

static int cmd_destroy(int argc, char **argv, struct opts *o)
{
	const struct cmd *c = cmd_find("destroy");
	int i = parse_opts(c, argc, argv, o, "lKPRHE");
	struct diags d = { .max = MAX_ERRORS };
	struct strbuf msg = { 0 }, text = { 0 };
	struct apply_result res;
	struct apply_opts ao;
	struct topo *t = NULL;
	char *lab;
	int rc;

	if (i < 0 || (o->lab ? i != argc : one_file(c, argc, i)))
		return EXIT_INVALID;
	if (o->kill && o->keep_procs) {
		fprintf(stderr,
			"nstopo destroy: --kill and --keep-processes contradict each other\n");
		return EXIT_INVALID;
	}
	if (!o->lab) {
		d.file = argv[i];
		t = hosts_load(argv[i], o->inst, &text, &d);
	}
	sb_free(&text);
	if (on_hosts(t, NULL, o, hosts_destroy, &rc)) {
		diags_free(&d);
		topo_free(t);
		return rc;
	}
	lab = o->lab ? lab_named(o->lab, o->inst, "") :
		       lab_of_file(argv[i], o->inst, t, &d);
	diags_free(&d);
	topo_free(t);
	if (!lab)
		return EXIT_INVALID;
	ao = apply_opts(o, NULL);
	catch_signals();
	rc = lab_destroy(lab, &ao, &res, &msg);
	if (!rc && o->verbose >= 0) {
		if (res.nothing_to_do)
			printf("lab %s is not up: nothing to do\n", lab);
		else
			printf("lab %s is down: %zu namespaces, %zu host links removed in %.3f s%s\n",
			       lab, res.namespaces, res.links, res.seconds,
			       res.found ? " (some found by their marks alone: "
					   "its journal did not name them)" :
					   "");
	} else if (rc) {
		fprintf(stderr, "nstopo: destroy %s: %s\n", lab, msg.buf);
	}
	sb_free(&msg);
	free(lab);
	return rc ? EXIT_FAIL : EXIT_OK;
}

static int cmd_graph(int argc, char **argv, struct opts *o)
{
	const struct cmd *c = cmd_find("graph");
	int i = parse_opts(c, argc, argv, o, "f");
	struct strbuf sb = { 0 };
	struct topo *t;
	int rc;

	if (i < 0 || one_file(c, argc, i))
		return EXIT_INVALID;
	t = load(argv[i], NULL);
	if (!t)
		return EXIT_INVALID;
	rc = graph_render(t, o->format ? o->format : "dot", &sb);
	if (rc)
		fprintf(stderr,
			"nstopo graph: unknown format '%s' (dot or mermaid)\n",
			o->format);
	else
		fwrite(sb.buf, 1, sb.len, stdout);
	sb_free(&sb);
	topo_free(t);
	return rc ? EXIT_INVALID : EXIT_OK;
}

static int cmd_schema(int argc, char **argv, struct opts *o)
{
	const struct cmd *c = cmd_find("schema");
	int i = parse_opts(c, argc, argv, o, "");
	struct strbuf sb = { 0 };

	if (i < 0 || i != argc) {
		if (i >= 0)
			cmd_usage(c, stderr);
		return EXIT_INVALID;
	}
	schema_write(&topo_shape, &sb);
	fwrite(sb.buf, 1, sb.len, stdout);
	sb_free(&sb);
	return EXIT_OK;
}

static void when(long long t, char *buf, size_t len)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (!t || !localtime_r(&tt, &tm))
		snprintf(buf, len, "-");
	else
		strftime(buf, len, "%Y-%m-%d %H:%M:%S", &tm);
}

static int cmd_list(int argc, char **argv, struct opts *o)
{
	const struct cmd *c = cmd_find("list");
	int i = parse_opts(c, argc, argv, o, "jE");
	struct strbuf sb = { 0 };
	char **labs, at[32];
	struct marked m;
	size_t n, n_state;

	if (i < 0 || i + 1 < argc) {
		if (i >= 0)
			cmd_usage(c, stderr);
		return EXIT_INVALID;
	}
	if (i < argc) {
		/* The labs of every host of a lab over machines. */
		struct topo *t = load(argv[i], o->inst);
		int rc;

		if (t && on_hosts(t, NULL, o, hosts_list, &rc)) {
			topo_free(t);
			return rc;
		}
		if (!t)
			return EXIT_INVALID;
		topo_free(t);
	}
	n = n_state = state_list(&labs);
	if (o->json)
		sb_add(&sb, "[");
	else if (n && o->verbose >= 0)
		sb_printf(&sb, "%-24s %-10s %6s %6s  %-19s  %s\n", "LAB",
			  "STATE", "NODES", "LINKS", "APPLIED", "FILE");
	for (size_t k = 0; k < n; k++) {
		struct lab_info r;

		state_lab_info(labs[k], &r);
		when(r.started, at, sizeof(at));
		if (o->json) {
			sb_add(&sb, k ? ",\n {\"lab\":" : "\n {\"lab\":");
			sb_json_str(&sb, labs[k]);
			sb_printf(
				&sb,
				",\"state\":\"%s\",\"nodes\":%zu,\"links\":%zu,\"applied\":%lld,\"file\":",
				r.state, r.nodes, r.links, r.started);
			sb_json_str(&sb, r.file);
			sb_addc(&sb, '}');
		} else {
			sb_printf(&sb, "%-24s %-10s %6zu %6zu  %-19s  %s\n",
				  labs[k], r.state, r.nodes, r.links, at,
				  r.file);
		}
	}
	/* Labs whose state is gone, found by the marks the kernel keeps. */
	if (!marks_find(NULL, &m)) {
		for (size_t k = 0; k < m.n_labs; k++) {
			size_t nodes, links;
			bool known = false;

			for (size_t q = 0; q < n && !known; q++)
				known = !strcmp(labs[q], m.labs[k]);
			if (known)
				continue;
			nodes = marked_count(&m, m.labs[k], &links);
			if (o->json) {
				sb_add(&sb,
				       n++ ? ",\n {\"lab\":" : "\n {\"lab\":");
				sb_json_str(&sb, m.labs[k]);
				sb_printf(
					&sb,
					",\"state\":\"lost\",\"nodes\":%zu,\"links\":%zu,\"applied\":0,\"file\":\"\"}",
					nodes, links);
				continue;
			}
			if (!n++ && o->verbose >= 0)
				sb_printf(&sb,
					  "%-24s %-10s %6s %6s  %-19s  %s\n",
					  "LAB", "STATE", "NODES", "LINKS",
					  "APPLIED", "FILE");
			sb_printf(&sb, "%-24s %-10s %6zu %6zu  %-19s  %s\n",
				  m.labs[k], "lost", nodes, links, "-",
				  "(no journal: found by its marks)");
		}
		marked_free(&m);
	}
	for (size_t k = 0; k < n_state; k++)
		free(labs[k]);
	free(labs);
	if (o->json)
		sb_add(&sb, "\n]\n");
	else if (!n && o->verbose >= 0)
		sb_add(&sb, "no labs are up\n");
	fwrite(sb.buf ? sb.buf : "", 1, sb.len, stdout);
	sb_free(&sb);
	return EXIT_OK;
}

/*
 * The lab a command means: --lab, else $NSTOPO_LAB, else the only one
 * (of the instance's, with a prefix).
 */
static char *pick_lab(const struct opts *o)
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
static char *node_netns(const char *lab, const char *node)
{
	char *ns = NULL;
	int rc = state_node_netns(lab, node, &ns);

	if (rc == -ESRCH)
		fprintf(stderr, "nstopo: lab %s has no node %s\n", lab, node);
	else if (rc)
		fprintf(stderr, "nstopo: lab %s is not up\n", lab);
	return ns;
}

static int cmd_exec(int argc, char **argv, struct opts *o)
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

static int cmd_capture(int argc, char **argv, struct opts *o)
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

/*
 * run --isolated, shell, and run without the capabilities: the rest of
 * the run goes on in a sandbox of its own.  Return: 0 in it, else how
 * the run ends (nothing was made).
 */
static int isolate(const struct topo *t, const char *path, const struct opts *o)
{
	struct diags d = { .file = path, .max = MAX_ERRORS };
	struct strbuf msg = { 0 };
	char missing[96];
	int rc = 0;

	if (!o->isolated && !caps_require_admin(missing, sizeof(missing)))
		return 0; /* as root: in the host */
	if (!o->isolated && o->verbose >= 0)
		fprintf(stderr,
			"nstopo run: without %s, the lab is built in a sandbox of its own (as with --isolated)\n",
			missing);
	if (sandbox_check(t, &d)) {
		diag_sort(&d);
		diag_print(&d, stderr);
		rc = EXIT_INVALID;
	} else if (sandbox_enter(NULL, &msg)) {
		fprintf(stderr, "nstopo run: cannot isolate the lab: %s\n",
			msg.buf);
		rc = EXIT_OWN;
	}
	diags_free(&d);
	sb_free(&msg);
	return rc;
}

static int cmd_run(int argc, char **argv, struct opts *o)
{
	const struct cmd *c = cmd_find(argv[0]); /* run or shell */
	bool shell = !strcmp(argv[0], "shell");
	int i = parse_opts(c, argc, argv, o, shell ? "wI" : "wIP"), rc;
	int status = EXIT_OWN;
	char *sh[] = { getenv("SHELL"), NULL }, **cmd;
	struct apply_result res;
	struct strbuf msg = { 0 };
	struct apply_opts ao;
	struct state st;
	bool locked = false;
	long holder, owner;
	struct plan *p;
	struct topo *t;
	int group = -1;
	char *file;

	o->isolated |= shell;
	if (i < 0 || i >= argc ||
	    (shell ? i + 1 < argc : i + 1 >= argc && !o->isolated)) {
		if (i >= 0)
			cmd_usage(c, stderr);
		return EXIT_INVALID;
	}
	t = load(argv[i], o->inst);
	if (!t)
		return EXIT_INVALID;
	p = plan_compile(t);
	status = isolate(t, argv[i], o);
	if (status) {
		plan_free(p);
		topo_free(t);
		return status;
	}
	status = EXIT_OWN;
	file = absolute(argv[i]);
	ao = apply_opts(o, file);
	ao.ready = true; /* the command finds a lab that works */
	ao.owner = true; /* killed, it leaves an orphaned lab */
	catch_signals();
	/* What a run that is gone left (its command too) is stopped. */
	rc = lab_takeover(p->lab, &ao, &res, &msg, &owner);
	if (rc < 0) {
		fprintf(stderr,
			"nstopo run: lab %s was left by run %ld, which is gone, and cannot be removed: %s\n",
			p->lab, owner, msg.buf);
		goto out;
	}
	rc = lab_apply(p, &ao, &res, &msg);
	if (rc || res.nothing_to_do) {
		if (rc)
			fprintf(stderr, "nstopo run: apply %s: %s\n", p->lab,
				msg.buf);
		else
			fprintf(stderr,
				"nstopo run: lab %s is already up: run needs a lab of its own\n",
				p->lab);
		/* Up but not ready in time (--wait): still the fixture's. */
		if (rc && res.kept)
			goto teardown;
		goto out;
	}
	if (o->verbose >= 0)
		fprintf(stderr, "nstopo run: lab %s is up (%.3f s)\n", p->lab,
			res.seconds);
	/* The lab is the command's: no other run may change it meanwhile. */
	locked = !state_lock(&st, p->lab, &holder);
	/* The command, and all it starts, in the lab's control group. */
	if (locked)
		group = procs_run_group(&st, p->lab, o->verbose);
	i += (i + 1 < argc && !strcmp(argv[i + 1], "--")) ? 2 : 1;
	/* Without a command: an interactive shell in the sandbox. */
	if (!sh[0] || !*sh[0])
		sh[0] = "/bin/sh";
	cmd = i < argc ? argv + i : sh;
	setenv("NSTOPO_LAB", p->lab, 1);
	/* Its own nstopo commands find this instance by either. */
	if (o->inst)
		setenv("NSTOPO_PREFIX", o->inst, 1);
	else
		unsetenv("NSTOPO_PREFIX");
	status = command_run(cmd, group, &signals_seen);
	if (group >= 0)
		close(group);
	if (locked)
		state_unlock(&st);
teardown:
	sb_free(&msg);
	memset(&msg, 0, sizeof(msg));
	ao.stop = NULL;
	ao.kill = true; /* a fixture leaves nothing running either */
	if (lab_destroy(p->lab, &ao, &res, &msg)) {
		fprintf(stderr, "nstopo run: destroy %s: %s\n", p->lab,
			msg.buf);
		if (!status)
			status = EXIT_OWN;
	} else if (o->verbose >= 0) {
		fprintf(stderr, "nstopo run: lab %s is down\n", p->lab);
	}
out:
	sb_free(&msg);
	free(file);
	plan_free(p);
	topo_free(t);
	return status;
}

static int cmd_status(int argc, char **argv, struct opts *o)
{
	const struct cmd *c = cmd_find("status");
	int i = parse_opts(c, argc, argv, o, "jlPHE"), rc;
	struct diags d = { .max = MAX_ERRORS };
	struct strbuf msg = { 0 }, text = { 0 };
	struct plan *want = NULL;
	struct topo *t = NULL;
	struct lab_info info;
	struct status s;
	char *lab;

	if (i < 0 || i + (o->lab ? 0 : 1) < argc) {
		if (i >= 0)
			cmd_usage(c, stderr);
		return EXIT_INVALID;
	}
	if (i < argc) {
		/* The kernel against the file as it is now. */
		d.file = argv[i];
		t = hosts_load(argv[i], o->inst, &text, &d);
	}
	if (on_hosts(t, &text, o, hosts_status, &rc)) {
		sb_free(&text);
		diags_free(&d);
		topo_free(t);
		return rc;
	}
	sb_free(&text);
	lab = i < argc ? lab_of_file(argv[i], o->inst, t, &d) : pick_lab(o);
	diags_free(&d);
	if (!lab) { /* an invalid file was reported; no lab is not up */
		topo_free(t);
		return i < argc || o->lab ? EXIT_INVALID : EXIT_NOT_UP;
	}
	if (t && !(want = compile(t, o))) {
		topo_free(t);
		free(lab);
		return EXIT_INVALID;
	}
	rc = lab_status_of(lab, want, 0, &s, &msg);
	if (rc == -ENOENT) {
		if (o->json) {
			struct strbuf sb = { 0 };

			sb_json_str(&sb, lab);
			printf("{\"lab\":%s,\"up\":false}\n", sb.buf);
			sb_free(&sb);
		} else if (o->verbose >= 0)
			printf("lab %s is not up\n", lab);
		status_free(&s);
		plan_free(want);
		topo_free(t);
		free(lab);
		return EXIT_NOT_UP;
	}
	if (rc) {
		fprintf(stderr, "nstopo status: %s\n", msg.buf);
		sb_free(&msg);
		status_free(&s);
		plan_free(want);
		topo_free(t);
		free(lab);
		return EXIT_FAIL;
	}
	if (want) {
		/* The file as it is now, and what was applied. */
		struct journal j;

		if (!state_read(lab, &j)) {
			s.file_changed = !plan_equal(want, j.plan);
			journal_free(&j);
		}
		s.against_file = true;
	}
	if (o->verbose >= 0 || o->json) /* -q: the exit status says it */
		status_print(&s, stdout, o->json, o->verbose > 0);
	rc = status_drift(&s) ? EXIT_DRIFT : EXIT_OK;
	state_lab_info(lab, &info);
	if (!strcmp(info.state, "orphaned")) {
		if (o->verbose >= 0 && !o->json)
			printf("lab %s is orphaned: the run that owned it (pid %ld) is gone; its next run, or 'nstopo destroy --lab %s', stops what it left and removes it\n",
			       lab, info.owner_pid, lab);
		rc = EXIT_DRIFT;
	}
	status_free(&s);
	plan_free(want);
	topo_free(t);
	free(lab);
	return rc;
}

static int cmd_help(int argc, char **argv, struct opts *o);

static const struct cmd cmds[] = {
	{ "validate", NULL, cmd_validate, "validate [--prefix P] FILE",
	  "check a topology file; print every error as FILE:LINE:COL" },
	{ "plan", NULL, cmd_plan,
	  "plan [--destroy] [--json] [--prefix P] [--host NAME] FILE",
	  "print the operations apply (or destroy) would perform" },
	{ "apply", "up", cmd_apply,
	  "apply [--keep] [--wait[=SECONDS] | --no-wait] [--prefix P] [--host NAME | --remote CMD] FILE",
	  "create the lab: namespaces, links, addresses, routes; all or nothing" },
	{ "destroy", "down", cmd_destroy,
	  "destroy [--keep-processes] [--prefix P] [--remote CMD] FILE | destroy [--keep-processes] [--prefix P] --lab NAME",
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
	  "capture [--lab NAME] NODE:IFNAME|A--B [-w FILE] [FILTER...]",
	  "tcpdump on an interface of the lab, in its node: pcap to FILE or stdout" },
	{ "graph", NULL, cmd_graph, "graph [--format dot|mermaid] FILE",
	  "draw the topology for Graphviz or Mermaid" },
	{ "schema", NULL, cmd_schema, "schema",
	  "print the file format as a JSON Schema, for editors" },
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
	fprintf(f,
		"\nexit status: 0 success, 1 failure, 2 invalid input or usage,\n"
		"3 status: drift, 4 status: not up, 125 exec/run: nstopo failed,\n"
		"126/127 exec/run: command not runnable/not found, else the command's\n"
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
