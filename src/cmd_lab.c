// SPDX-License-Identifier: MIT
/*
 * cmd_lab.c - the commands that make and take away a lab: apply,
 * destroy, run and shell.
 */
#include <string.h>

#include "lab.h"
#include "caps.h"
#include "command.h"
#include "procs.h"
#include "sandbox.h"
#include "state.h"
#include "cmd.h"

int cmd_apply(int argc, char **argv, struct opts *o)
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
		else if (res.ops_done && !res.kept && !res.edit)
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

int cmd_destroy(int argc, char **argv, struct opts *o)
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
			printf("lab %s is down: %zu namespaces, %zu host links removed in %.3f s%s%s\n",
			       lab, res.namespaces, res.links, res.seconds,
			       res.found ? " (some found by their marks alone: "
					   "its journal did not name them)" :
					   "",
			       res.given ? " (host settings given back by "
					   "the host's ledger alone: its "
					   "journal did not name them)" :
					   "");
	} else if (rc) {
		fprintf(stderr, "nstopo: destroy %s: %s\n", lab, msg.buf);
	}
	sb_free(&msg);
	free(lab);
	return rc ? EXIT_FAIL : EXIT_OK;
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

int cmd_run(int argc, char **argv, struct opts *o)
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
