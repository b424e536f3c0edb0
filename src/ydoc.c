// SPDX-License-Identifier: MIT
/*
 * ydoc.c - libyaml events -> a position-carrying tree, under bounds.
 *
 * Theory of operation: the event parser hands us scalars and the starts
 * and ends of collections; open collections sit on a stack and collect
 * their children in a heap buffer, and are frozen into the arena when
 * they end.  Anchors are registered only when their node is complete, so
 * an alias can never refer to a node that contains it (no cycles).  An
 * alias is a copy of the anchored node placed at the alias (each copied
 * node remembers where its value is written), so that an error in a value
 * reached through it is reported where the alias brought it in; its
 * "weight" (nodes it expands to) is what the expansion bound counts,
 * which stops "billion laughs" files and bounds the copies.  Duplicate
 * keys and YAML merge keys ("<<") are resolved when a mapping ends.  An
 * error that leaves the tree well formed (a duplicate or non-scalar key,
 * a bad merge, an unsupported tag or one its value contradicts, a control
 * character) is reported and reading goes on, so that one run reports all
 * of them; the document is then rejected as a whole.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>
#include <yaml.h>

#include "ydoc.h"

struct frame {
	struct ynode *node;
	struct ynode **kids;
	size_t n, cap;
	char *anchor; /* registered when the frame closes */
};

struct builder {
	struct ydoc *doc;
	struct diags *d;
	struct frame stack[YAML_MAX_DEPTH + 1];
	size_t depth;
	struct strmap anchors; /* name -> index into anchor_nodes */
	struct ynode **anchor_nodes;
	size_t n_anchors, cap_anchors;
	size_t nodes, expansion;
	int docs;
	/* An error after which reading goes on, to report the others:
	 * a bad key, tag or character. */
	bool failed;
	const char *buf; /* the input, to place reader errors */
	size_t len;
};

static struct pos mark_pos(yaml_mark_t m)
{
	return (struct pos){ .line = (uint32_t)m.line + 1,
			     .col = (uint32_t)m.column + 1 };
}

bool ynode_is_null(const struct ynode *n)
{
	if (!n)
		return true;
	if (n->kind != Y_SCALAR || !n->plain)
		return false;
	return !n->len || !strcmp(n->str, "~") || !strcmp(n->str, "null") ||
	       !strcmp(n->str, "Null") || !strcmp(n->str, "NULL");
}

const char *ynode_kind_name(const struct ynode *n)
{
	if (ynode_is_null(n))
		return "nothing (null)";
	switch (n->kind) {
	case Y_SCALAR:
		return "a scalar";
	case Y_SEQ:
		return "a sequence";
	case Y_MAP:
		return "a mapping";
	}
	return "?";
}

static void kid_push(struct frame *f, struct ynode *n)
{
	if (f->n == f->cap) {
		f->cap = f->cap ? f->cap * 2 : 8;
		f->kids = xrealloc(f->kids, f->cap * sizeof(*f->kids));
	}
	f->kids[f->n++] = n;
}

/* Attach a finished node to its parent (or make it the root). */
static void attach(struct builder *b, struct ynode *n)
{
	if (b->depth)
		kid_push(&b->stack[b->depth - 1], n);
	else
		b->doc->root = n;
}

static void anchor_register(struct builder *b, char *name, struct ynode *n)
{
	int i = strmap_get(&b->anchors, name);

	if (b->n_anchors == b->cap_anchors) {
		b->cap_anchors = b->cap_anchors ? b->cap_anchors * 2 : 8;
		b->anchor_nodes =
			xrealloc(b->anchor_nodes,
				 b->cap_anchors * sizeof(*b->anchor_nodes));
	}
	if (i >= 0) { /* a redefined anchor: later aliases see the new one */
		b->anchor_nodes[i] = n;
		return;
	}
	b->anchor_nodes[b->n_anchors] = n;
	strmap_put(&b->anchors, arena_strdup(&b->doc->arena, name),
		   (int)b->n_anchors);
	b->n_anchors++;
}

static struct ynode *node_new(struct builder *b, enum ynode_kind kind,
			      yaml_mark_t m)
{
	struct ynode *n = arena_alloc(&b->doc->arena, sizeof(*n));

	n->kind = kind;
	n->pos = mark_pos(m);
	n->weight = 1;
	return n;
}

static int count_node(struct builder *b, struct pos pos)
{
	if (++b->nodes > YAML_MAX_NODES) {
		diag_add(b->d, pos, "more than %u YAML nodes", YAML_MAX_NODES);
		return -1;
	}
	return 0;
}

static const char *const tag_names[] = {
	[YT_NONE] = "",	    [YT_STR] = "str",	[YT_INT] = "int",
	[YT_BOOL] = "bool", [YT_NULL] = "null", [YT_FLOAT] = "float",
	[YT_MAP] = "map",   [YT_SEQ] = "seq",
};

const char *ytag_name(enum ytag tag)
{
	static const char *const written[] = {
		[YT_NONE] = "",	      [YT_STR] = "!!str",
		[YT_INT] = "!!int",   [YT_BOOL] = "!!bool",
		[YT_NULL] = "!!null", [YT_FLOAT] = "!!float",
		[YT_MAP] = "!!map",   [YT_SEQ] = "!!seq",
	};

	return (size_t)tag < ARRAY_SIZE(written) ? written[tag] : "";
}

/* Digits of @base with single '_' between them; at least one. */
static bool digits(const char *s, int base)
{
	const char *set = base == 2  ? "01" :
			  base == 8  ? "01234567" :
			  base == 10 ? "0123456789" :
				       "0123456789abcdefABCDEF";

	if (!*s || *s == '_')
		return false;
	for (; *s; s++)
		if (!strchr(set, *s) && !(*s == '_' && s[1] && s[1] != '_'))
			return false;
	return true;
}

bool yaml_int_text(const char *s)
{
	if (*s == '-' || *s == '+')
		s++;
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
		return digits(s + 2, 16);
	if (s[0] == '0' && (s[1] == 'b' || s[1] == 'B'))
		return digits(s + 2, 2);
	if (s[0] == '0' && s[1] == 'o')
		return digits(s + 2, 8);
	if (s[0] == '0' && s[1])
		return digits(s + 1, 8);
	return digits(s, 10);
}

static bool float_text(const char *s)
{
	static const char *const special[] = { ".inf", ".Inf", ".INF",
					       ".nan", ".NaN", ".NAN" };
	const char *t = s + (*s == '-' || *s == '+');
	char *end;

	for (size_t i = 0; i < ARRAY_SIZE(special); i++)
		if (!strcmp(t, special[i]) && (i < 3 || t == s))
			return true;
	if (!*t || !strchr("0123456789.", *t) || strpbrk(t, "xXpP"))
		return false;
	strtod(s, &end);
	return end != s && !*end;
}

static bool bool_text(const char *s)
{
	static const char *const words[] = { "true", "false", "yes",
					     "no",   "on",    "off" };

	for (size_t i = 0; i < ARRAY_SIZE(words); i++)
		if (!strcasecmp(s, words[i]))
			return true;
	return false;
}

/*
 * Does the node's tag fit what it is?  A tag that contradicts its value
 * (`mtu: !!str 1500` is fine as YAML, but `up: !!int true` or
 * `addresses: !!map [...]` are not) is an error, not ignored.
 */
static int tag_fits(struct builder *b, struct ynode *n)
{
	const char *why = NULL;

	switch (n->tag) {
	case YT_NONE:
	case YT_STR:
		if (n->tag == YT_STR && n->kind != Y_SCALAR)
			why = ynode_kind_name(n);
		break;
	case YT_INT:
	case YT_BOOL:
	case YT_NULL:
	case YT_FLOAT:
		if (n->kind != Y_SCALAR)
			why = ynode_kind_name(n);
		else if (n->tag == YT_INT && !yaml_int_text(n->str))
			why = "a value that is no integer";
		else if (n->tag == YT_BOOL && !bool_text(n->str))
			why = "a value that is no boolean (true or false)";
		else if (n->tag == YT_NULL && n->len && strcmp(n->str, "~") &&
			 strcasecmp(n->str, "null"))
			why = "a value that is not null";
		else if (n->tag == YT_FLOAT && !float_text(n->str))
			why = "a value that is no number";
		break;
	case YT_MAP:
		if (n->kind != Y_MAP)
			why = n->kind == Y_SCALAR ? "a scalar" : "a sequence";
		break;
	case YT_SEQ:
		if (n->kind != Y_SEQ)
			why = n->kind == Y_SCALAR ? "a scalar" : "a mapping";
		break;
	}
	if (!why)
		return 0;
	if (n->kind == Y_SCALAR)
		diag_add(b->d, n->pos, "tag %s does not fit '%s': %s",
			 ytag_name(n->tag), n->str, why);
	else
		diag_add(b->d, n->pos, "tag %s does not fit %s",
			 ytag_name(n->tag), why);
	return -1;
}

static int tag_check(struct builder *b, const yaml_char_t *tag, struct ynode *n)
{
	if (!tag || !strcmp((const char *)tag, "!"))
		return 0;
	if (!strncmp((const char *)tag, "tag:yaml.org,2002:", 18)) {
		for (size_t i = YT_STR; i < ARRAY_SIZE(tag_names); i++)
			if (!strcmp((const char *)tag + 18, tag_names[i])) {
				n->tagged = true;
				n->tag = (enum ytag)i;
				if (n->tag == YT_STR)
					n->plain = false;
				return 0;
			}
		diag_add(b->d, n->pos, "unsupported YAML tag '!!%s'",
			 (const char *)tag + 18);
	} else {
		diag_add(b->d, n->pos, "unsupported YAML tag '%s'",
			 (const char *)tag);
	}
	return -1;
}

/*
 * The first control character in a scalar, or -1.  Escapes in quoted
 * scalars can make any; no value of a topology needs one, and a name
 * holding one would be printed in error messages (a newline, or a
 * terminal escape).  Tabs are left to the checks of each value; block
 * scalars ('|', '>') hold their line breaks.
 */
static int control_char(const unsigned char *s, size_t len, bool block)
{
	for (size_t i = 0; i < len; i++) {
		if (s[i] == '\t' || (s[i] == '\n' && block))
			continue;
		if (s[i] < 0x20 || s[i] == 0x7f)
			return s[i];
		/* C1 controls, U+0080..U+009F, in UTF-8 */
		if (s[i] == 0xc2 && i + 1 < len && s[i + 1] >= 0x80 &&
		    s[i + 1] <= 0x9f)
			return s[i + 1];
	}
	return -1;
}

static int on_scalar(struct builder *b, yaml_event_t *e)
{
	struct ynode *n = node_new(b, Y_SCALAR, e->start_mark);
	size_t len = e->data.scalar.length;
	int ctl;

	if (count_node(b, n->pos))
		return -1;
	if (len > YAML_MAX_SCALAR) {
		diag_add(b->d, n->pos,
			 "scalar of %zu bytes is too long (at most %u)", len,
			 YAML_MAX_SCALAR);
		return -1;
	}
	ctl = control_char(e->data.scalar.value, len,
			   e->data.scalar.style == YAML_LITERAL_SCALAR_STYLE ||
				   e->data.scalar.style ==
					   YAML_FOLDED_SCALAR_STYLE);
	if (!ctl) {
		diag_add(b->d, n->pos, "scalar contains a NUL character");
		b->failed = true;
	} else if (ctl > 0) {
		diag_add(b->d, n->pos,
			 "scalar contains the control character U+%04X",
			 (unsigned)ctl);
		b->failed = true;
	}
	n->str = arena_strndup(&b->doc->arena,
			       (const char *)e->data.scalar.value, len);
	n->len = len;
	n->plain = e->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
	if (tag_check(b, e->data.scalar.tag, n) || tag_fits(b, n))
		b->failed = true;
	if (e->data.scalar.anchor)
		anchor_register(b, (char *)e->data.scalar.anchor, n);
	attach(b, n);
	return 0;
}

/* One node copied: placed at @at, remembering where its value is. */
static struct ynode *node_copy1(struct builder *b, const struct ynode *n,
				struct pos at)
{
	struct ynode *c = arena_alloc(&b->doc->arena, sizeof(*c));
	size_t count = n->kind == Y_MAP ? 2 * n->n : n->n;

	*c = *n;
	c->pos = at;
	c->pos.from_line = n->pos.from_line ? n->pos.from_line : n->pos.line;
	c->pos.from_col = n->pos.from_line ? n->pos.from_col : n->pos.col;
	if (count)
		c->items =
			arena_alloc(&b->doc->arena, count * sizeof(*c->items));
	return c;
}

/*
 * A copy of @n and all below it, each node placed at @at and remembering
 * where its value is written; strings are shared.  The expansion bound
 * (counted before) bounds what this costs.  A stack of the copies whose
 * items are still to copy, not recursion.
 */
static struct ynode *node_copy(struct builder *b, const struct ynode *n,
			       struct pos at)
{
	struct todo {
		const struct ynode *from;
		struct ynode *to;
	} *stack = NULL;
	size_t depth = 0, cap = 0;
	struct ynode *root = node_copy1(b, n, at);

	stack = xrealloc(stack, (cap = 16) * sizeof(*stack));
	stack[depth++] = (struct todo){ n, root };
	while (depth) {
		struct todo t = stack[--depth];
		size_t count =
			t.from->kind == Y_MAP ? 2 * t.from->n : t.from->n;

		for (size_t i = 0; i < count; i++) {
			t.to->items[i] = node_copy1(b, t.from->items[i], at);
			if (!t.from->items[i]->n)
				continue;
			if (depth == cap)
				stack = xrealloc(stack,
						 (cap *= 2) * sizeof(*stack));
			stack[depth++] = (struct todo){ t.from->items[i],
							t.to->items[i] };
		}
	}
	free(stack);
	return root;
}

static int on_alias(struct builder *b, yaml_event_t *e)
{
	const char *name = (const char *)e->data.alias.anchor;
	int i = strmap_get(&b->anchors, name);

	if (i < 0) {
		/* Either unknown, or still open: an alias inside its own
		 * anchor would make the document infinite. */
		for (size_t k = 0; k < b->depth; k++)
			if (b->stack[k].anchor &&
			    !strcmp(b->stack[k].anchor, name)) {
				diag_add(
					b->d, mark_pos(e->start_mark),
					"alias '*%s' refers to a node that contains it",
					name);
				return -1;
			}
		diag_add(b->d, mark_pos(e->start_mark), "unknown alias '*%s'",
			 name);
		return -1;
	}
	if (count_node(b, mark_pos(e->start_mark)))
		return -1;
	/* What the alias would cost if copied: this bounds the work of
	 * every later walk of the tree, which sees it expanded.  (i came
	 * from b->anchors, which clang's analyzer cannot see into.) */
	/* NOLINTNEXTLINE(clang-analyzer-core.NullDereference) */
	b->expansion += b->anchor_nodes[i]->weight;
	if (b->expansion > YAML_MAX_EXPANSION) {
		diag_add(b->d, mark_pos(e->start_mark),
			 "aliases expand to more than %u nodes (alias bomb?)",
			 YAML_MAX_EXPANSION);
		return -1;
	}
	attach(b, node_copy(b, b->anchor_nodes[i], mark_pos(e->start_mark)));
	return 0;
}

static int on_start(struct builder *b, yaml_event_t *e, enum ynode_kind kind)
{
	struct ynode *n = node_new(b, kind, e->start_mark);
	const yaml_char_t *anchor, *tag;
	struct frame *f;

	if (count_node(b, n->pos))
		return -1;
	if (b->depth >= YAML_MAX_DEPTH) {
		diag_add(b->d, n->pos, "nesting deeper than %u levels",
			 YAML_MAX_DEPTH);
		return -1;
	}
	if (kind == Y_SEQ) {
		anchor = e->data.sequence_start.anchor;
		tag = e->data.sequence_start.tag;
	} else {
		anchor = e->data.mapping_start.anchor;
		tag = e->data.mapping_start.tag;
	}
	if (tag_check(b, tag, n) || tag_fits(b, n))
		b->failed = true;
	f = &b->stack[b->depth++];
	memset(f, 0, sizeof(*f));
	f->node = n;
	if (anchor)
		f->anchor = xstrdup((const char *)anchor);
	return 0;
}

static bool is_merge_key(const struct ynode *k)
{
	return k->kind == Y_SCALAR && k->plain && !strcmp(k->str, "<<");
}

/*
 * Resolve a finished mapping: reject duplicate and non-scalar keys, then
 * append the pairs of merged mappings whose keys the mapping lacks.
 */
static int map_finish(struct builder *b, struct frame *f, struct strbuf *out)
{
	struct strmap seen = { 0 };
	struct ynode **merges = NULL;
	size_t n_merges = 0;
	int rc = 0, first_merge = -1;

	for (size_t i = 0; i + 1 < f->n; i += 2) {
		struct ynode *k = f->kids[i], *v = f->kids[i + 1];
		int prev;

		if (k->kind != Y_SCALAR) {
			diag_add(b->d, k->pos,
				 "a mapping key must be a scalar");
			rc = -1;
			continue;
		}
		if (is_merge_key(k)) {
			struct ynode *const *src = &v;
			size_t n_src = 1;

			if (first_merge >= 0) {
				struct pos p = f->kids[first_merge]->pos;

				diag_add(b->d, k->pos,
					 "duplicate key '<<' (first at %u:%u): "
					 "merge several mappings with "
					 "<<: [*a, *b]",
					 p.line, p.col);
				rc = -1;
				continue;
			}
			first_merge = (int)i;
			if (v->kind == Y_SEQ) {
				src = v->items;
				n_src = v->n;
			}
			for (size_t j = 0; j < n_src; j++) {
				if (src[j]->kind != Y_MAP) {
					diag_add(
						b->d, src[j]->pos,
						"a merge key ('<<') takes a mapping or a sequence of mappings");
					rc = -1;
					continue;
				}
				merges = xrealloc(merges,
						  (n_merges + 1) *
							  sizeof(*merges));
				merges[n_merges++] = src[j];
			}
			continue;
		}
		prev = strmap_put(&seen, k->str, (int)i);
		if (prev >= 0) {
			struct pos p = f->kids[prev]->pos;

			diag_add(b->d, k->pos,
				 "duplicate key '%s' (first at %u:%u)", k->str,
				 p.line, p.col);
			rc = -1;
			continue;
		}
		sb_addn(out, (const char *)&f->kids[i], 2 * sizeof(*f->kids));
	}
	/* Merged keys come after explicit ones, earlier merges first. */
	for (size_t m = 0; m < n_merges; m++)
		for (size_t i = 0; i < merges[m]->n; i++) {
			struct ynode *const *kv = &merges[m]->items[2 * i];

			if (strmap_put(&seen, kv[0]->str, INT_MAX) < 0)
				sb_addn(out, (const char *)kv, 2 * sizeof(*kv));
		}
	free(merges);
	strmap_free(&seen);
	return rc;
}

static int on_end(struct builder *b)
{
	struct frame *f;
	struct ynode *n, **src;
	size_t count;
	struct strbuf pairs = { 0 };

	/* libyaml sends no end without its start, but the analyzers cannot
	 * know that: an unmatched end would pop an empty stack. */
	if (!b->depth)
		return -1;
	f = &b->stack[--b->depth];
	n = f->node;
	src = f->kids;
	count = f->n;

	/* A mapping's bad keys are reported and dropped, and reading goes
	 * on, so that every one of them is reported at once. */
	if (n->kind == Y_MAP) {
		if (map_finish(b, f, &pairs))
			b->failed = true;
		src = (struct ynode **)pairs.buf;
		count = pairs.len / sizeof(*src);
	}
	n->n = n->kind == Y_MAP ? count / 2 : count;
	n->items = arena_alloc(&b->doc->arena, count * sizeof(*src));
	if (count)
		memcpy(n->items, src, count * sizeof(*src));
	for (size_t i = 0; i < count; i++)
		n->weight += src[i]->weight;
	sb_free(&pairs);
	free(f->kids);
	if (f->anchor) {
		anchor_register(b, f->anchor, n);
		free(f->anchor);
	}
	attach(b, n);
	return 0;
}

static void builder_free(struct builder *b)
{
	while (b->depth) {
		struct frame *f = &b->stack[--b->depth];

		free(f->kids);
		free(f->anchor);
	}
	strmap_free(&b->anchors);
	free(b->anchor_nodes);
}

/*
 * The position of byte @off of the input, counted as libyaml counts its
 * marks: lines end at LF, CR or CRLF, columns count characters, and a
 * UTF-8 byte order mark takes no room.
 */
static struct pos offset_pos(const char *buf, size_t len, size_t off)
{
	struct pos p = { .line = 1, .col = 1 };
	size_t i = 0;

	if (len >= 3 && !memcmp(buf, "\xef\xbb\xbf", 3))
		i = 3;
	for (; i < off && i < len; i++) {
		unsigned char c = (unsigned char)buf[i];

		if (c == '\n' ||
		    (c == '\r' && (i + 1 == len || buf[i + 1] != '\n'))) {
			p.line++;
			p.col = 1;
		} else if ((c & 0xc0) != 0x80 && c != '\r') {
			p.col++;
		}
	}
	return p;
}

static int syntax_error(struct builder *b, yaml_parser_t *p)
{
	struct pos pos = mark_pos(p->problem_mark);
	const char *problem = p->problem ? p->problem : "unknown error";

	if (p->error == YAML_MEMORY_ERROR) {
		diag_add(b->d, pos, "out of memory while parsing YAML");
	} else if (p->error == YAML_READER_ERROR) {
		/* Bad encoding: libyaml gives a byte offset, not a mark. */
		unsigned v = (unsigned)p->problem_value;
		char what[32] = "";

		if (p->problem_value >= 0 && strstr(problem, "octet"))
			snprintf(what, sizeof(what), " (byte 0x%02X)", v);
		else if (p->problem_value >= 0)
			snprintf(what, sizeof(what), " (U+%04X)", v);
		pos = offset_pos(b->buf, b->len, p->problem_offset);
		diag_add(b->d, pos, "bad character in the file: %s%s", problem,
			 what);
	} else if (p->context) {
		struct pos ctx = mark_pos(p->context_mark);

		if (ctx.line == pos.line && ctx.col == pos.col)
			diag_add(b->d, pos, "YAML syntax error: %s %s", problem,
				 p->context);
		else
			diag_add(b->d, pos,
				 "YAML syntax error: %s %s (started at %u:%u)",
				 problem, p->context, ctx.line, ctx.col);
	} else {
		diag_add(b->d, pos, "YAML syntax error: %s", problem);
	}
	return -1;
}

int yaml_load_buf(const char *buf, size_t len, struct ydoc *doc,
		  struct diags *d)
{
	struct builder b = { .doc = doc, .d = d, .buf = buf, .len = len };
	yaml_parser_t parser;
	yaml_event_t e;
	bool done = false;
	int rc = 0;

	memset(doc, 0, sizeof(*doc));
	if (len > YAML_MAX_FILE) {
		diag_add(d, (struct pos){ .line = 1, .col = 1 },
			 "file is larger than %u MiB", YAML_MAX_FILE >> 20);
		return -1;
	}
	if (!yaml_parser_initialize(&parser)) {
		diag_add(d, (struct pos){ 0 }, "cannot initialise libyaml");
		return -1;
	}
	yaml_parser_set_input_string(&parser, (const unsigned char *)buf, len);
	while (!done && !rc) {
		if (!yaml_parser_parse(&parser, &e)) {
			rc = syntax_error(&b, &parser);
			break;
		}
		switch (e.type) {
		case YAML_STREAM_END_EVENT:
			done = true;
			break;
		case YAML_DOCUMENT_START_EVENT:
			if (++b.docs > 1) {
				diag_add(
					d, mark_pos(e.start_mark),
					"only one YAML document is allowed in a topology file");
				rc = -1;
			}
			break;
		case YAML_SCALAR_EVENT:
			rc = on_scalar(&b, &e);
			break;
		case YAML_ALIAS_EVENT:
			rc = on_alias(&b, &e);
			break;
		case YAML_SEQUENCE_START_EVENT:
			rc = on_start(&b, &e, Y_SEQ);
			break;
		case YAML_MAPPING_START_EVENT:
			rc = on_start(&b, &e, Y_MAP);
			break;
		case YAML_SEQUENCE_END_EVENT:
		case YAML_MAPPING_END_EVENT:
			rc = on_end(&b);
			break;
		case YAML_NO_EVENT:
		case YAML_STREAM_START_EVENT:
		case YAML_DOCUMENT_END_EVENT:
			break;
		}
		yaml_event_delete(&e);
	}
	yaml_parser_delete(&parser);
	builder_free(&b);
	if (b.failed)
		rc = -1;
	if (rc)
		doc->root = NULL;
	return rc;
}

int yaml_load(const char *path, struct ydoc *doc, struct diags *d)
{
	struct strbuf sb = { 0 };
	char chunk[65536];
	int fd, rc;

	memset(doc, 0, sizeof(*doc));
	fd = strcmp(path, "-") ? open(path, O_RDONLY | O_CLOEXEC) : 0;
	if (fd < 0) {
		diag_add(d, (struct pos){ 0 }, "cannot open: %s",
			 strerror(errno));
		return -1;
	}
	for (;;) {
		ssize_t n = read(fd, chunk, sizeof(chunk));

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			diag_add(d, (struct pos){ 0 }, "cannot read: %s",
				 strerror(errno));
			rc = -1;
			goto out;
		}
		if (!n)
			break;
		if (sb.len + (size_t)n > YAML_MAX_FILE) {
			diag_add(d, (struct pos){ .line = 1, .col = 1 },
				 "file is larger than %u MiB",
				 YAML_MAX_FILE >> 20);
			rc = -1;
			goto out;
		}
		sb_addn(&sb, chunk, (size_t)n);
	}
	rc = yaml_load_buf(sb.buf ? sb.buf : "", sb.len, doc, d);
out:
	if (fd > 0)
		close(fd);
	sb_free(&sb);
	return rc;
}

void ydoc_free(struct ydoc *doc)
{
	if (!doc)
		return;
	arena_free(&doc->arena);
	doc->root = NULL;
}
