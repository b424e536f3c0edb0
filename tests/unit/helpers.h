/* SPDX-License-Identifier: MIT */
#ifndef NSTOPO_TEST_HELPERS_H
#define NSTOPO_TEST_HELPERS_H

/*
 * Helpers shared by the unit tests: load a topology from a string, check
 * that loading fails with exact "LINE:COL: message" lines, and render a
 * plan as text.  Header-only, since only *_test.c files are built; the
 * macros pass the caller's file and line, so a failure points at the
 * test, not here.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "load.h"
#include "opkind.h"
#include "plan.h"
#include "topo.h"
#include "util.h"
#include "ydoc.h"

#define TEST_FILE "test.yaml"

/* Every diagnostic as "LINE:COL: message", one a line, in printed order. */
static inline char *diags_text(struct diags *d)
{
	struct strbuf sb = { 0 };

	diag_sort(d);
	for (size_t i = 0; i < d->n; i++)
		sb_printf(&sb, "%s%u:%u: %s", i ? "\n" : "", d->v[i].pos.line,
			  d->v[i].pos.col, d->v[i].msg);
	return sb.buf ? sb.buf : xstrdup("");
}

static inline struct topo *load_named_at(const char *name, const char *yaml,
					 const char *file, int line)
{
	struct diags d = { .file = name };
	struct topo *t = topo_load_buf(name, yaml, strlen(yaml), &d);

	if (!t || d.n) {
		char *text = diags_text(&d);

		print_error("topology should load, but:\n%s\n", text);
		free(text);
		diags_free(&d);
		topo_free(t);
		_fail(file, line);
	}
	diags_free(&d);
	return t;
}

/* Load @yaml, which must be valid; the caller frees the topology. */
#define load_ok(yaml) load_named_at(TEST_FILE, (yaml), __FILE__, __LINE__)
#define load_named(name, yaml) load_named_at((name), (yaml), __FILE__, __LINE__)

/* Every error loading @yaml reports; NULL if it loads without any. */
static inline char *load_errors(const char *yaml)
{
	struct diags d = { .file = TEST_FILE };
	struct topo *t = topo_load_buf(TEST_FILE, yaml, strlen(yaml), &d);
	char *text = t && !d.n ? NULL : diags_text(&d);

	topo_free(t);
	diags_free(&d);
	return text;
}

static inline void load_fails_at(const char *yaml, const char *want,
				 const char *file, int line)
{
	char *got = load_errors(yaml);

	if (!got) {
		print_error("topology loads, but should fail with:\n%s\n",
			    want);
		_fail(file, line);
	}
	_assert_string_equal(got, want, file, line);
	free(got);
}

/*
 * Loading @yaml must fail with exactly the errors @want: "LINE:COL: msg"
 * lines joined by '\n', in the order nstopo prints them.
 */
#define assert_load_error(yaml, want) \
	load_fails_at((yaml), (want), __FILE__, __LINE__)

/* Read a journal line (op_decode()) onto the end of @p. */
static inline int decode_push(struct plan *p, const char *line)
{
	struct op op;
	int rc = op_decode(&p->arena, line, &op);

	if (!rc)
		*plan_push(p, op.kind, op_ns(&op)) = op;
	return rc;
}

/* The ops of @p in op_format(), one a line, each ending in '\n'. */
static inline char *plan_text(const struct plan *p)
{
	struct strbuf sb = { 0 };

	for (size_t i = 0; i < p->n_ops; i++) {
		op_format(&p->ops[i], &sb);
		sb_addc(&sb, '\n');
	}
	return sb.buf ? sb.buf : xstrdup("");
}

/* plan_print() captured in memory. */
static inline char *plan_printed(const struct plan *p, bool json)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	plan_print(p, f, json);
	fclose(f);
	return buf;
}

/* Load, compile and render @yaml's apply plan. */
static inline char *compile_text_at(const char *yaml, const char *file,
				    int line)
{
	struct topo *t = load_named_at(TEST_FILE, yaml, file, line);
	struct plan *p = plan_compile(t);
	char *text = plan_text(p);

	plan_free(p);
	topo_free(t);
	return text;
}

#define compile_text(yaml) compile_text_at((yaml), __FILE__, __LINE__)

/*
 * A plan with the topology it was compiled from.  Ops point at names in
 * the topology (and an inverse plan at names in its plan), so those must
 * outlive the plan: free the plan first.
 */
struct compiled {
	struct topo *t;
	struct plan *p;
};

static inline struct compiled compile_at(const char *yaml, const char *file,
					 int line)
{
	struct compiled c;

	c.t = load_named_at(TEST_FILE, yaml, file, line);
	c.p = plan_compile(c.t);
	return c;
}

#define compile(yaml) compile_at((yaml), __FILE__, __LINE__)

static inline void compiled_free(struct compiled *c)
{
	plan_free(c->p);
	topo_free(c->t);
}

/* The inverse of the first @k ops of @p, as apply undoes after a failure. */
static inline struct plan *invert_prefix(const struct plan *p, size_t k)
{
	struct plan *pre = plan_new(p->lab), *inv;

	for (size_t i = 0; i < k; i++)
		*plan_push(pre, p->ops[i].kind, op_ns(&p->ops[i])) = p->ops[i];
	inv = plan_invert(pre);
	plan_free(pre);
	return inv;
}

#endif
