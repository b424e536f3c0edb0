// SPDX-License-Identifier: MIT
/*
 * cmd_show.c - the commands that read a topology or a lab and say what it
 * is: validate, plan, status, list, graph, schema.
 */
#include <errno.h>
#include <string.h>

#include <time.h>

#include "graph.h"
#include "marks.h"
#include "parse.h"
#include "reconcile.h"
#include "schema.h"
#include "state.h"
#include "status.h"
#include "cmd.h"

int cmd_validate(int argc, char **argv, struct opts *o)
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

/*
 * A running lab that its file describes as it is: if the kernel has
 * drifted from it, say what (status's rows), which apply sets right.
 * Return: true if it said so (drift found), false if none or unknown.
 */
static bool drift_shown(struct plan *p, const char *file)
{
	struct strbuf msg = { 0 };
	struct status s;
	bool drift;

	if (lab_status_of(p->lab, p, 0, &s, &msg)) {
		sb_free(&msg);
		return false;
	}
	drift = status_drift(&s);
	if (drift) {
		printf("# lab %s is up as %s says, but the kernel has drifted from it: apply sets right\n",
		       p->lab, file);
		status_print(&s, stdout, false, false);
	}
	status_free(&s);
	sb_free(&msg);
	return drift;
}

int cmd_plan(int argc, char **argv, struct opts *o)
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
		/* The file is what the lab was made from: what apply would
		 * do is set right what has drifted, if anything has. */
		if (edit_empty(&e) && !o->json && drift_shown(p, argv[i])) {
			edit_free(&e);
			journal_free(&j);
			plan_free(p);
			topo_free(t);
			return EXIT_OK;
		}
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

int cmd_status(int argc, char **argv, struct opts *o)
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
	/* The plan has its own strings: the file is no longer needed. */
	topo_free(t);
	t = NULL;
	/* The status takes the plan: a large lab's is tens of megabytes. */
	rc = lab_status_of(lab, want, STATUS_TAKE_PLAN, &s, &msg);
	want = NULL;
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

static void when(long long t, char *buf, size_t len)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (!t || !localtime_r(&tt, &tm))
		snprintf(buf, len, "-");
	else
		strftime(buf, len, "%Y-%m-%d %H:%M:%S", &tm);
}

int cmd_list(int argc, char **argv, struct opts *o)
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

int cmd_graph(int argc, char **argv, struct opts *o)
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

int cmd_schema(int argc, char **argv, struct opts *o)
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
