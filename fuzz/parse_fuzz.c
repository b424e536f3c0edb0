// SPDX-License-Identifier: MIT
/*
 * parse_fuzz.c - libFuzzer over the front half of nstopo: YAML -> parse
 * -> validate and, for a valid file, its plan, the plan's inverse and the
 * inverse of a prefix of it (a rollback), printed as text and JSON, both
 * diagrams, and the plan through the journal's encoding and back, which
 * must give the same plan (destroy and status rely on it); with `hosts:`,
 * each machine's share the same way.  Built and run by fuzz/run.sh.
 *
 * Diagnostics are sorted and printed as main.c prints them, but to
 * /dev/null: the formatting is exercised without filling the fuzzer's
 * output.  Every run frees all it made, so LeakSanitizer sees a leak in
 * the run that caused it.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "graph.h"
#include "load.h"
#include "opkind.h"
#include "plan.h"
#include "split.h"
#include "state.h"
#include "topo.h"

#define MAX_ERRORS 200 /* as main.c's */

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len);

/* Opened once: a FILE per run would be most of a run's time. */
static FILE *devnull;

int LLVMFuzzerInitialize(int *argc UNUSED, char ***argv UNUSED)
{
	devnull = fopen("/dev/null", "w");
	if (!devnull) {
		perror("parse_fuzz: /dev/null");
		exit(1);
	}
	return 0;
}

static void render(const struct topo *t, const char *format)
{
	struct strbuf sb = { 0 };

	if (graph_render(t, format, &sb))
		abort(); /* a known format */
	fwrite(sb.buf ? sb.buf : "", 1, sb.len, devnull);
	sb_free(&sb);
}

/* What apply's journal would bring back of @p must be @p. */
static void journal_round_trip(const struct plan *p)
{
	struct plan *q = plan_new(p->lab);
	struct strbuf sb = { 0 };

	for (size_t i = 0; i < p->n_ops; i++) {
		struct op op;

		sb.len = 0;
		op_encode(&p->ops[i], &sb);
		if (op_decode(&q->arena, sb.buf, &op)) {
			fprintf(stderr, "parse_fuzz: cannot decode '%s'\n",
				sb.buf);
			abort();
		}
		*plan_push(q, op.kind, op_ns(&op)) = op;
	}
	if (!plan_equal(p, q)) {
		fputs("parse_fuzz: the plan read back differs\n", stderr);
		abort();
	}
	sb_free(&sb);
	plan_free(q);
}

/* A rollback after op @n failed inverts the ops before it. */
static void rollback(const struct plan *p, size_t n)
{
	struct plan prefix = { .lab = p->lab, .ops = p->ops, .n_ops = n };
	struct plan *inv = plan_invert(&prefix);

	plan_print(inv, devnull, false);
	plan_free(inv);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	struct diags d = { .file = "fuzz.yaml", .max = MAX_ERRORS };
	struct plan *p, *inv;
	struct topo *t;

	/* data is exactly len bytes, unterminated: topo_load_buf() must
	 * not read past it (ASan sees the heap block's end). */
	t = topo_load_buf(d.file, (const char *)data, len, &d);
	diag_sort(&d);
	diag_print(&d, devnull);
	if (t && d.n) {
		fputs("parse_fuzz: a topology with errors\n", stderr);
		abort();
	}
	diags_free(&d);
	if (!t)
		return 0;

	p = plan_compile(t);
	inv = plan_invert(p);
	plan_print(p, devnull, false);
	plan_print(p, devnull, true);
	plan_print(inv, devnull, false);
	plan_print(inv, devnull, true);
	journal_round_trip(p);
	/* Where it fails depends on the input, the same way each time. */
	rollback(p, hash_bytes(data, len) % (p->n_ops + 1));
	for (size_t h = 0; h < t->n_hosts; h++) {
		struct plan *share = plan_split(t, p, (int)h);
		struct plan *undo = plan_invert(share);

		plan_print(share, devnull, true);
		plan_print(undo, devnull, false);
		journal_round_trip(share);
		plan_free(undo);
		plan_free(share);
	}
	render(t, "dot");
	render(t, "mermaid");
	plan_free(inv);
	plan_free(p);
	topo_free(t);
	return 0;
}
