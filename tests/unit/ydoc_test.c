// SPDX-License-Identifier: MIT
/*
 * ydoc_test.c - the YAML tree: positions, aliases, merge keys, bounds.
 */
#include <stdio.h>
#include <unistd.h>

#include "helpers.h"

struct ytest {
	struct ydoc doc;
	struct diags d;
	int rc;
};

static void yload_len(struct ytest *y, const char *buf, size_t len)
{
	memset(y, 0, sizeof(*y));
	y->d.file = TEST_FILE;
	y->rc = yaml_load_buf(buf, len, &y->doc, &y->d);
}

static void yload(struct ytest *y, const char *buf)
{
	yload_len(y, buf, strlen(buf));
}

static void yfree(struct ytest *y)
{
	ydoc_free(&y->doc);
	diags_free(&y->d);
}

/* Parse @buf, which must fail: return its errors as "L:C: msg" lines. */
static char *yerr_len(const char *buf, size_t len)
{
	struct ytest y;
	char *text;

	yload_len(&y, buf, len);
	assert_int_equal(y.rc, -1);
	assert_null(y.doc.root);
	text = diags_text(&y.d);
	yfree(&y);
	return text;
}

#define assert_yaml_error(buf, want)                       \
	do {                                               \
		char *got_ = yerr_len((buf), strlen(buf)); \
		assert_string_equal(got_, (want));         \
		free(got_);                                \
	} while (0)

static const struct ynode *map_get(const struct ynode *m, const char *key)
{
	assert_int_equal(m->kind, Y_MAP);
	for (size_t i = 0; i < m->n; i++)
		if (!strcmp(m->items[2 * i]->str, key))
			return m->items[2 * i + 1];
	fail_msg("no key '%s'", key);
	return NULL;
}

static const struct ynode *map_key(const struct ynode *m, const char *key)
{
	for (size_t i = 0; i < m->n; i++)
		if (!strcmp(m->items[2 * i]->str, key))
			return m->items[2 * i];
	fail_msg("no key '%s'", key);
	return NULL;
}

#define assert_pos(n, l, c)                           \
	do {                                          \
		assert_int_equal((n)->pos.line, (l)); \
		assert_int_equal((n)->pos.col, (c));  \
	} while (0)

static void test_positions_block(void **state)
{
	static const char yaml[] = "a: 1\n"
				   "b:\n"
				   "  c: hello\n"
				   "  d: [x, \"y\"]\n"
				   "e:\n"
				   "  - f\n"
				   "  - {g: h}\n";
	const struct ynode *root, *b, *d, *e;
	struct ytest y;

	(void)state;
	yload(&y, yaml);
	assert_int_equal(y.rc, 0);
	assert_int_equal(y.d.n, 0);
	root = y.doc.root;
	assert_non_null(root);
	assert_int_equal(root->kind, Y_MAP);
	assert_int_equal(root->n, 3);
	assert_pos(root, 1, 1);
	assert_pos(map_key(root, "a"), 1, 1);
	assert_pos(map_get(root, "a"), 1, 4);
	assert_string_equal(map_get(root, "a")->str, "1");
	assert_pos(map_key(root, "b"), 2, 1);
	b = map_get(root, "b");
	assert_int_equal(b->kind, Y_MAP);
	assert_pos(b, 3, 3);
	assert_pos(map_key(b, "c"), 3, 3);
	assert_pos(map_get(b, "c"), 3, 6);
	assert_string_equal(map_get(b, "c")->str, "hello");
	d = map_get(b, "d");
	assert_int_equal(d->kind, Y_SEQ);
	assert_int_equal(d->n, 2);
	assert_pos(d, 4, 6);
	assert_pos(d->items[0], 4, 7);
	assert_true(d->items[0]->plain);
	/* A quoted scalar starts at its quote, and is not plain. */
	assert_pos(d->items[1], 4, 10);
	assert_string_equal(d->items[1]->str, "y");
	assert_false(d->items[1]->plain);
	e = map_get(root, "e");
	assert_int_equal(e->kind, Y_SEQ);
	assert_pos(e, 6, 3);
	assert_pos(e->items[0], 6, 5);
	assert_int_equal(e->items[1]->kind, Y_MAP);
	assert_pos(e->items[1], 7, 5);
	assert_pos(e->items[1]->items[0], 7, 6);
	assert_pos(e->items[1]->items[1], 7, 9);
	/* 17 nodes: the root, 8 scalars at the top, ... */
	assert_int_equal(root->weight, 17);
	yfree(&y);
}

static void test_positions_flow(void **state)
{
	static const char yaml[] = "{nodes: {a: {}, b: null},\n"
				   " links: [[a:eth0, 'b:eth0']]}\n";
	const struct ynode *root, *nodes, *links;
	struct ytest y;

	(void)state;
	yload(&y, yaml);
	assert_int_equal(y.rc, 0);
	root = y.doc.root;
	assert_pos(root, 1, 1);
	assert_pos(map_key(root, "nodes"), 1, 2);
	nodes = map_get(root, "nodes");
	assert_pos(nodes, 1, 9);
	assert_pos(map_key(nodes, "a"), 1, 10);
	assert_pos(map_get(nodes, "a"), 1, 13);
	assert_int_equal(map_get(nodes, "a")->kind, Y_MAP);
	assert_int_equal(map_get(nodes, "a")->n, 0);
	assert_pos(map_get(nodes, "b"), 1, 20);
	assert_true(ynode_is_null(map_get(nodes, "b")));
	assert_pos(map_key(root, "links"), 2, 2);
	links = map_get(root, "links");
	assert_pos(links, 2, 9);
	assert_pos(links->items[0], 2, 10);
	assert_pos(links->items[0]->items[0], 2, 11);
	assert_pos(links->items[0]->items[1], 2, 19);
	assert_string_equal(links->items[0]->items[1]->str, "b:eth0");
	yfree(&y);
}

static void test_scalar_styles_and_nulls(void **state)
{
	static const char yaml[] = "a: !!str 12\n"
				   "b: !!int 3\n"
				   "c: ~\n"
				   "d: null\n"
				   "e: \"\"\n"
				   "f:\n"
				   "g: 'null'\n"
				   "h: |\n"
				   "  two\n"
				   "  lines\n";
	const struct ynode *root;
	struct ytest y;

	(void)state;
	yload(&y, yaml);
	assert_int_equal(y.rc, 0);
	root = y.doc.root;
	/* !!str makes a scalar a string even when it is written plain. */
	assert_false(map_get(root, "a")->plain);
	assert_true(map_get(root, "a")->tagged);
	assert_true(map_get(root, "b")->plain);
	assert_true(map_get(root, "b")->tagged);
	assert_true(ynode_is_null(map_get(root, "c")));
	assert_true(ynode_is_null(map_get(root, "d")));
	assert_false(ynode_is_null(map_get(root, "e")));
	assert_true(ynode_is_null(map_get(root, "f")));
	assert_pos(map_get(root, "f"), 6, 3);
	assert_false(ynode_is_null(map_get(root, "g")));
	assert_string_equal(map_get(root, "h")->str, "two\nlines\n");
	assert_int_equal(map_get(root, "h")->len, 10);
	assert_pos(map_get(root, "h"), 8, 4);
	assert_string_equal(ynode_kind_name(map_get(root, "c")),
			    "nothing (null)");
	assert_string_equal(ynode_kind_name(map_get(root, "a")), "a scalar");
	assert_string_equal(ynode_kind_name(root), "a mapping");
	assert_true(ynode_is_null(NULL));
	yfree(&y);
}

#define assert_from(n, l, c)                               \
	do {                                               \
		assert_int_equal((n)->pos.from_line, (l)); \
		assert_int_equal((n)->pos.from_col, (c));  \
	} while (0)

static void test_anchors_and_aliases(void **state)
{
	static const char yaml[] = "base: &b {x: 1, y: [p, q]}\n"
				   "s: &s hello\n"
				   "use: *b\n"
				   "list: [*s, *b]\n";
	const struct ynode *root, *base, *use, *list;
	struct ytest y;

	(void)state;
	yload(&y, yaml);
	assert_int_equal(y.rc, 0);
	root = y.doc.root;
	base = map_get(root, "base");
	use = map_get(root, "use");
	list = map_get(root, "list");
	/* An alias is a copy of the anchored node... */
	assert_ptr_not_equal(use, base);
	assert_int_equal(use->kind, Y_MAP);
	assert_string_equal(map_get(use, "x")->str, "1");
	assert_int_equal(map_get(use, "y")->n, 2);
	assert_int_equal(list->n, 2);
	assert_string_equal(list->items[0]->str, "hello");
	assert_int_equal(list->items[1]->kind, Y_MAP);
	/* ... placed at the alias, every node of it, each remembering
	 * where its value is written. */
	assert_int_equal(base->pos.from_line, 0);
	assert_pos(use, 3, 6);
	assert_from(use, base->pos.line, base->pos.col);
	assert_pos(map_get(use, "y")->items[1], 3, 6);
	assert_from(map_get(use, "y")->items[1], 1, 24);
	assert_pos(map_key(use, "x"), 3, 6);
	assert_from(map_key(use, "x"), 1, 11);
	assert_pos(list->items[0], 4, 8);
	assert_from(list->items[0], 2, 4);
	assert_pos(list->items[1], 4, 12);
	/* Weights count what the aliases expand to. */
	assert_int_equal(base->weight, 7);
	assert_int_equal(use->weight, 7);
	assert_int_equal(list->weight, 1 + 1 + 7);
	yfree(&y);
}

/* An alias inside an anchored node, itself aliased: the value is placed
 * at the outermost alias, and still comes from where it is written. */
static void test_alias_of_alias(void **state)
{
	struct ytest y;
	const struct ynode *c;

	(void)state;
	yload(&y, "a: &a {v: 1}\n"
		  "b: &b {w: *a}\n"
		  "c: *b\n");
	assert_int_equal(y.rc, 0);
	c = map_get(y.doc.root, "c");
	assert_pos(map_get(map_get(c, "w"), "v"), 3, 4);
	assert_from(map_get(map_get(c, "w"), "v"), 1, 11);
	assert_pos(map_get(map_get(y.doc.root, "b"), "w"), 2, 11);
	assert_from(map_get(map_get(y.doc.root, "b"), "w"), 1, 4);
	yfree(&y);
}

static void test_anchor_redefined(void **state)
{
	struct ytest y;
	const struct ynode *b, *c;

	(void)state;
	yload(&y, "a: &x [1, 2]\n"
		  "b: &x {y: 1}\n"
		  "c: *x\n");
	assert_int_equal(y.rc, 0);
	/* A later alias sees the latest definition of an anchor. */
	b = map_get(y.doc.root, "b");
	c = map_get(y.doc.root, "c");
	assert_int_equal(c->kind, Y_MAP);
	assert_from(c, b->pos.line, b->pos.col);
	yfree(&y);
}

/* Nine levels of ten aliases each: a billion nodes if copied. */
static void test_alias_bomb(void **state)
{
	struct strbuf sb = { 0 };
	char *got;

	(void)state;
	sb_add(&sb, "a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
	for (int i = 1; i <= 8; i++) {
		sb_printf(&sb, "a%d: &a%d [", i, i);
		for (int k = 0; k < 10; k++)
			sb_printf(&sb, "%s*a%d", k ? ", " : "", i - 1);
		sb_add(&sb, "]\n");
	}
	got = yerr_len(sb.buf, sb.len);
	/* Weights 11, 111, ... 1111111: after a1..a4 (123,340 nodes), the
	 * eighth alias of a5 crosses the bound: "a5: &a5 [" is 9 bytes and
	 * each "*a4, " 5 more. */
	assert_string_equal(got, "6:45: aliases expand to more than 1000000 "
				 "nodes (alias bomb?)");
	free(got);
	sb_free(&sb);
}

static void test_aliases_just_under_bound(void **state)
{
	struct strbuf sb = { 0 };
	struct ytest y;

	(void)state;
	/* a4 weighs 111,111: nine aliases of it stay under 1,000,000. */
	sb_add(&sb, "a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
	for (int i = 1; i <= 4; i++) {
		sb_printf(&sb, "a%d: &a%d [", i, i);
		for (int k = 0; k < 10; k++)
			sb_printf(&sb, "%s*a%d", k ? ", " : "", i - 1);
		sb_add(&sb, "]\n");
	}
	sb_add(&sb, "b: [*a4, *a4, *a4, *a4, *a4, *a4, *a4]\n");
	yload_len(&y, sb.buf, sb.len);
	assert_int_equal(y.rc, 0);
	assert_int_equal(map_get(y.doc.root, "b")->weight, 1 + 7 * 111111);
	yfree(&y);
	sb_free(&sb);
}

static void test_alias_recursive(void **state)
{
	(void)state;
	assert_yaml_error("a: &a [1, *a]\n",
			  "1:11: alias '*a' refers to a node that contains it");
	assert_yaml_error("a: &a\n"
			  "  b:\n"
			  "    c: *a\n",
			  "3:8: alias '*a' refers to a node that contains it");
	assert_yaml_error("a: *nope\n", "1:4: unknown alias '*nope'");
	/* An alias before its anchor is unknown too. */
	assert_yaml_error("a: *x\nb: &x 1\n", "1:4: unknown alias '*x'");
}

static void test_duplicate_keys(void **state)
{
	(void)state;
	assert_yaml_error("a: 1\n"
			  "b: 2\n"
			  "a: 3\n",
			  "3:1: duplicate key 'a' (first at 1:1)");
	assert_yaml_error("n:\n"
			  "  x: {p: 1, q: 2, p: 3}\n",
			  "2:19: duplicate key 'p' (first at 2:7)");
	/* Every duplicate of the mapping is reported. */
	assert_yaml_error("a: 1\nb: 1\na: 2\nb: 2\n",
			  "3:1: duplicate key 'a' (first at 1:1)\n"
			  "4:1: duplicate key 'b' (first at 2:1)");
	assert_yaml_error("? [a]\n: 1\n",
			  "1:3: a mapping key must be a scalar");
	/* Reading goes on after a bad key or tag, to report them all. */
	assert_yaml_error("a: 1\nb: 1\na: 2\nc: !foo x\n",
			  "3:1: duplicate key 'a' (first at 1:1)\n"
			  "4:4: unsupported YAML tag '!foo'");
}

static void test_merge_keys(void **state)
{
	static const char yaml[] = "base: &base {x: 1, y: 2}\n"
				   "other: &other {y: 20, z: 30}\n"
				   "m:\n"
				   "  <<: [*base, *other]\n"
				   "  x: 10\n"
				   "one:\n"
				   "  <<: *other\n"
				   "  w: 0\n";
	const struct ynode *m, *one;
	struct ytest y;

	(void)state;
	yload(&y, yaml);
	assert_int_equal(y.rc, 0);
	m = map_get(y.doc.root, "m");
	/* The explicit key wins; of two merges, the earlier one wins. */
	assert_int_equal(m->n, 3);
	assert_string_equal(map_get(m, "x")->str, "10");
	assert_string_equal(map_get(m, "y")->str, "2");
	assert_string_equal(map_get(m, "z")->str, "30");
	/* Explicit keys first, then merged ones in order. */
	assert_string_equal(m->items[0]->str, "x");
	assert_string_equal(m->items[2]->str, "y");
	assert_string_equal(m->items[4]->str, "z");
	assert_pos(map_key(m, "x"), 5, 3);
	/* A merged key is placed at the alias that brings it in. */
	assert_pos(map_key(m, "y"), 4, 8);
	assert_from(map_key(m, "y"), 1, 20);
	assert_pos(map_key(m, "z"), 4, 15);
	assert_from(map_key(m, "z"), 2, 23);
	one = map_get(y.doc.root, "one");
	assert_int_equal(one->n, 3);
	assert_string_equal(map_get(one, "y")->str, "20");
	assert_string_equal(map_get(one, "w")->str, "0");
	yfree(&y);
}

static void test_merge_key_forms(void **state)
{
	struct ytest y;

	(void)state;
	/* Two '<<' keys in one mapping are duplicate keys, as any other. */
	assert_yaml_error("m: {<<: {a: 1}, <<: {a: 2, b: 3}}\n",
			  "1:17: duplicate key '<<' (first at 1:5): merge "
			  "several mappings with <<: [*a, *b]");
	assert_yaml_error("b: &b {a: 1}\n"
			  "m:\n"
			  "  <<: *b\n"
			  "  x: 1\n"
			  "  <<: [*b]\n"
			  "  <<: {c: 1}\n",
			  "5:3: duplicate key '<<' (first at 3:3): merge "
			  "several mappings with <<: [*a, *b]\n"
			  "6:3: duplicate key '<<' (first at 3:3): merge "
			  "several mappings with <<: [*a, *b]");
	/* ... but a quoted "<<" beside one is an ordinary key. */
	yload(&y, "m: {<<: {a: 1}, \"<<\": 2}\n");
	assert_int_equal(y.rc, 0);
	assert_string_equal(map_get(map_get(y.doc.root, "m"), "a")->str, "1");
	assert_string_equal(map_get(map_get(y.doc.root, "m"), "<<")->str, "2");
	yfree(&y);
	/* A quoted "<<" is an ordinary key. */
	yload(&y, "m:\n  \"<<\": {a: 1}\n");
	assert_int_equal(y.rc, 0);
	assert_int_equal(map_get(map_get(y.doc.root, "m"), "<<")->kind, Y_MAP);
	yfree(&y);
	/* '<<' as a value is just a scalar. */
	yload(&y, "a: <<\n");
	assert_int_equal(y.rc, 0);
	assert_string_equal(map_get(y.doc.root, "a")->str, "<<");
	yfree(&y);
	assert_yaml_error("m:\n  <<: 1\n",
			  "2:7: a merge key ('<<') takes a mapping or a "
			  "sequence of mappings");
	assert_yaml_error("m:\n  <<: [{a: 1}, [b]]\n",
			  "2:16: a merge key ('<<') takes a mapping or a "
			  "sequence of mappings");
}

static void test_tags_fit_values(void **state)
{
	struct ytest y;

	(void)state;
	/* Tags that agree with their value are fine. */
	yload(&y, "a: !!int 12\nb: !!int -0x1F\nc: !!bool On\nd: !!null\n"
		  "e: !!float 1.5e3\nf: !!float .inf\n"
		  "h: !!map {k: v}\ni: !!seq [1]\nj: !!int 1_000\n"
		  "k: !!null ~\nl: !!str 12\nm: !!int 0o17\n");
	assert_int_equal(y.rc, 0);
	assert_int_equal(map_get(y.doc.root, "a")->tag, YT_INT);
	assert_int_equal(map_get(y.doc.root, "c")->tag, YT_BOOL);
	assert_int_equal(map_get(y.doc.root, "h")->tag, YT_MAP);
	assert_int_equal(map_get(y.doc.root, "l")->tag, YT_STR);
	assert_false(map_get(y.doc.root, "l")->plain);
	yfree(&y);
	/* Tags that contradict it are errors, every one reported. */
	assert_yaml_error("a: !!int true\n"
			  "b: !!bool 1\n"
			  "c: !!null x\n"
			  "d: !!float 0x10\n"
			  "e: !!int 1__0\n"
			  "f: !!int\n",
			  "1:4: tag !!int does not fit 'true': a value that "
			  "is no integer\n"
			  "2:4: tag !!bool does not fit '1': a value that is "
			  "no boolean (true or false)\n"
			  "3:4: tag !!null does not fit 'x': a value that is "
			  "not null\n"
			  "4:4: tag !!float does not fit '0x10': a value that "
			  "is no number\n"
			  "5:4: tag !!int does not fit '1__0': a value that "
			  "is no integer\n"
			  "6:4: tag !!int does not fit '': a value that is no "
			  "integer");
	assert_yaml_error("a: !!map [1]\n"
			  "b: !!seq {k: v}\n"
			  "c: !!map x\n"
			  "d: !!int [1]\n"
			  "e: !!str {k: v}\n",
			  "1:4: tag !!map does not fit a sequence\n"
			  "2:4: tag !!seq does not fit a mapping\n"
			  "3:4: tag !!map does not fit 'x': a scalar\n"
			  "4:4: tag !!int does not fit a sequence\n"
			  "5:4: tag !!str does not fit a mapping");
	assert_true(yaml_int_text("0"));
	assert_true(yaml_int_text("+42"));
	assert_true(yaml_int_text("0b1010"));
	assert_true(yaml_int_text("017"));
	assert_false(yaml_int_text("018"));
	assert_false(yaml_int_text("1_"));
	assert_false(yaml_int_text("0x"));
	assert_false(yaml_int_text("-"));
	assert_string_equal(ytag_name(YT_FLOAT), "!!float");
	assert_string_equal(ytag_name(YT_NONE), "");
}

static void test_depth_limit(void **state)
{
	struct strbuf sb = { 0 };
	struct ytest y;
	char *got;

	(void)state;
	for (unsigned i = 0; i < YAML_MAX_DEPTH; i++)
		sb_addc(&sb, '[');
	for (unsigned i = 0; i < YAML_MAX_DEPTH; i++)
		sb_addc(&sb, ']');
	yload_len(&y, sb.buf, sb.len);
	assert_int_equal(y.rc, 0);
	assert_non_null(y.doc.root);
	yfree(&y);
	sb.len = 0;
	for (unsigned i = 0; i <= YAML_MAX_DEPTH; i++)
		sb_addc(&sb, '[');
	for (unsigned i = 0; i <= YAML_MAX_DEPTH; i++)
		sb_addc(&sb, ']');
	got = yerr_len(sb.buf, sb.len);
	assert_string_equal(got, "1:65: nesting deeper than 64 levels");
	free(got);
	/* Block style counts the same way. */
	sb.len = 0;
	for (unsigned i = 0; i <= YAML_MAX_DEPTH; i++)
		sb_printf(&sb, "%*sk%u:\n", (int)i, "", i);
	sb_printf(&sb, "%*sx\n", (int)YAML_MAX_DEPTH + 1, "");
	got = yerr_len(sb.buf, sb.len);
	assert_string_equal(got, "65:65: nesting deeper than 64 levels");
	free(got);
	sb_free(&sb);
}

static void test_scalar_length_limit(void **state)
{
	struct strbuf sb = { 0 };
	struct ytest y;
	char *got;

	(void)state;
	sb_add(&sb, "k: ");
	for (unsigned i = 0; i < YAML_MAX_SCALAR; i++)
		sb_addc(&sb, 'a');
	sb_addc(&sb, '\n');
	yload_len(&y, sb.buf, sb.len);
	assert_int_equal(y.rc, 0);
	assert_int_equal(map_get(y.doc.root, "k")->len, YAML_MAX_SCALAR);
	yfree(&y);
	sb.len = 0;
	sb_add(&sb, "k: ");
	for (unsigned i = 0; i <= YAML_MAX_SCALAR; i++)
		sb_addc(&sb, 'a');
	sb_addc(&sb, '\n');
	got = yerr_len(sb.buf, sb.len);
	assert_string_equal(got, "1:4: scalar of 65537 bytes is too long "
				 "(at most 65536)");
	free(got);
	sb_free(&sb);
}

static void test_nul_in_scalar(void **state)
{
	static const char raw[] = "a: 1\nb: x\0y\n";
	static const char utf8[] = "a: 1\nb: caf\xc3\xa9 \xff\n";
	struct ytest y;
	char *got;

	(void)state;
	assert_yaml_error("a: \"x\\0y\"\n",
			  "1:4: scalar contains a NUL character");
	assert_yaml_error("k:\n  - \"\\0\"\n",
			  "2:5: scalar contains a NUL character");
	assert_yaml_error("a: 1\nb: \"\\x01\"\n",
			  "2:4: scalar contains the control character U+0001");
	/* A raw NUL byte is refused by libyaml's reader, which gives a
	 * byte offset: the position is computed from it. */
	got = yerr_len(raw, sizeof(raw) - 1);
	assert_string_equal(got, "2:5: bad character in the file: control "
				 "characters are not allowed (U+0000)");
	free(got);
	/* Columns count characters, not bytes. */
	got = yerr_len(utf8, sizeof(utf8) - 1);
	assert_string_equal(got, "2:9: bad character in the file: invalid "
				 "leading UTF-8 octet (byte 0xFF)");
	free(got);
	/* Tabs and the line breaks of block scalars are fine. */
	yload(&y, "a: \"x\\ty\"\nb: |\n  l1\n  l2\n");
	assert_int_equal(y.rc, 0);
	assert_string_equal(map_get(y.doc.root, "a")->str, "x\ty");
	assert_string_equal(map_get(y.doc.root, "b")->str, "l1\nl2\n");
	yfree(&y);
}

static void test_multiple_documents(void **state)
{
	(void)state;
	assert_yaml_error("a: 1\n---\nb: 2\n",
			  "2:1: only one YAML document is allowed in a "
			  "topology file");
	assert_yaml_error("--- a\n--- b\n",
			  "2:1: only one YAML document is allowed in a "
			  "topology file");
	assert_yaml_error("a: 1\n...\n---\nb: 2\n",
			  "3:1: only one YAML document is allowed in a "
			  "topology file");
}

static void test_empty_document(void **state)
{
	static const char *const empty[] = { "", "# only a comment\n", "\n\n" };
	struct ytest y;

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(empty); i++) {
		yload(&y, empty[i]);
		assert_int_equal(y.rc, 0);
		assert_int_equal(y.d.n, 0);
		assert_null(y.doc.root);
		yfree(&y);
	}
	/* An explicit empty document is a null scalar. */
	yload(&y, "---\n");
	assert_int_equal(y.rc, 0);
	assert_non_null(y.doc.root);
	assert_true(ynode_is_null(y.doc.root));
	yfree(&y);
}

static void test_syntax_errors(void **state)
{
	(void)state;
	assert_yaml_error("a: [1, 2\n",
			  "2:1: YAML syntax error: did not find expected ',' "
			  "or ']' while parsing a flow sequence (started at "
			  "1:4)");
	assert_yaml_error("a: !foo x\n", "1:4: unsupported YAML tag '!foo'");
	assert_yaml_error("a:\n  - !!binary aGk=\n",
			  "2:5: unsupported YAML tag '!!binary'");
}

static void test_load_file(void **state)
{
	char path[] = "/tmp/nstopo-ydoc-XXXXXX";
	struct ydoc doc;
	struct diags d = { .file = path };
	int fd;

	(void)state;
	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "a: [1]\n", 7), 7);
	close(fd);
	assert_int_equal(yaml_load(path, &doc, &d), 0);
	assert_string_equal(map_get(doc.root, "a")->items[0]->str, "1");
	assert_pos(map_get(doc.root, "a")->items[0], 1, 5);
	ydoc_free(&doc);
	unlink(path);
	assert_int_equal(yaml_load(path, &doc, &d), -1);
	assert_int_equal(d.n, 1);
	assert_int_equal(d.v[0].pos.line, 0);
	assert_string_equal(d.v[0].msg,
			    "cannot open: No such file or directory");
	ydoc_free(&doc);
	diags_free(&d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_positions_block),
		cmocka_unit_test(test_positions_flow),
		cmocka_unit_test(test_scalar_styles_and_nulls),
		cmocka_unit_test(test_anchors_and_aliases),
		cmocka_unit_test(test_alias_of_alias),
		cmocka_unit_test(test_anchor_redefined),
		cmocka_unit_test(test_alias_bomb),
		cmocka_unit_test(test_aliases_just_under_bound),
		cmocka_unit_test(test_alias_recursive),
		cmocka_unit_test(test_duplicate_keys),
		cmocka_unit_test(test_merge_keys),
		cmocka_unit_test(test_merge_key_forms),
		cmocka_unit_test(test_tags_fit_values),
		cmocka_unit_test(test_depth_limit),
		cmocka_unit_test(test_scalar_length_limit),
		cmocka_unit_test(test_nul_in_scalar),
		cmocka_unit_test(test_multiple_documents),
		cmocka_unit_test(test_empty_document),
		cmocka_unit_test(test_syntax_errors),
		cmocka_unit_test(test_load_file),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
