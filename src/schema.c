// SPDX-License-Identifier: MIT
/*
 * schema.c - the file format as a JSON Schema (draft-07), written from
 * the shapes of the parser's key tables (struct pshape in pread.h).
 *
 * The schema sees a file as a YAML 1.2 editor does: `mtu: 1500` is a
 * number and `mtu: "1500"` a string, which nstopo reads alike, so an
 * integer's or a boolean's schema takes both (each with its own check:
 * a range for the number, a pattern for the text).  Null is taken where
 * the parser takes it (an empty `interfaces:`).  A rule the parser
 * applies across keys is written with if/then from the same row (a
 * link's kind: which keys it needs, its modes, its id's range).  What
 * needs the whole file (names that resolve, addresses that clash) is
 * not a schema's to check.
 *
 * The writers recurse: over the shapes, the program's own tables (a dozen
 * levels), and over the digits of a range (at most ten); never over what
 * a file holds.
 */
#include <ctype.h>
#include <math.h>
#include <string.h>

#include "schema.h"

struct jw {
	struct strbuf *sb;
	int depth;
	bool fresh; /* nothing written yet in the open container */
};

static void jw_indent(struct jw *w)
{
	sb_addc(w->sb, '\n');
	for (int i = 0; i < w->depth; i++)
		sb_add(w->sb, "  ");
}

/* Before an item of the open container: the comma and the line. */
static void jw_next(struct jw *w)
{
	if (!w->fresh)
		sb_addc(w->sb, ',');
	w->fresh = false;
	jw_indent(w);
}

static void jw_open(struct jw *w, char c)
{
	sb_addc(w->sb, c);
	w->depth++;
	w->fresh = true;
}

static void jw_close(struct jw *w, char c)
{
	w->depth--;
	if (!w->fresh)
		jw_indent(w);
	sb_addc(w->sb, c);
	w->fresh = false;
}

static void jw_key(struct jw *w, const char *key)
{
	jw_next(w);
	sb_json_str(w->sb, key);
	sb_add(w->sb, ": ");
}

static void jw_kstr(struct jw *w, const char *key, const char *val)
{
	jw_key(w, key);
	sb_json_str(w->sb, val);
}

static void jw_num(struct jw *w, double v)
{
	if (v == floor(v) && fabs(v) < 1e17)
		sb_printf(w->sb, "%.0f", v);
	else
		sb_printf(w->sb, "%.17g", v);
}

static void jw_knum(struct jw *w, const char *key, double v)
{
	jw_key(w, key);
	jw_num(w, v);
}

/* "type": one JSON type, and "null" too if @nullable. */
static void jw_type(struct jw *w, const char *a, const char *b, bool nullable)
{
	jw_key(w, "type");
	if (!b && !nullable) {
		sb_json_str(w->sb, a);
		return;
	}
	sb_printf(w->sb, "[\"%s\"", a);
	if (b)
		sb_printf(w->sb, ", \"%s\"", b);
	if (nullable)
		sb_add(w->sb, ", \"null\"");
	sb_addc(w->sb, ']');
}

/* "required": [...] of a NULL-terminated list. */
static void jw_names(struct jw *w, const char *key, const char *const *names,
		     size_t n)
{
	jw_key(w, key);
	sb_addc(w->sb, '[');
	for (size_t i = 0; i < n && names[i]; i++) {
		if (i)
			sb_add(w->sb, ", ");
		sb_json_str(w->sb, names[i]);
	}
	sb_addc(w->sb, ']');
}

/* Numbers: the decimal numbers from @lo to @hi */

static bool all_of(const char *s, size_t n, char c)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] != c)
			return false;
	return true;
}

static void digit_class(struct strbuf *sb, char a, char b)
{
	if (a == b)
		sb_addc(sb, a);
	else if (a == '0' && b == '9')
		sb_add(sb, "[0-9]");
	else
		sb_printf(sb, "[%c-%c]", a, b);
}

static void any_digits(struct strbuf *sb, size_t n)
{
	if (n == 1)
		sb_add(sb, "[0-9]");
	else if (n > 1)
		sb_printf(sb, "[0-9]{%zu}", n);
}

/* One alternative after another, with '|' between. */
static void alt(struct strbuf *sb, bool *first)
{
	if (!*first)
		sb_addc(sb, '|');
	*first = false;
}

/* NOLINTNEXTLINE(misc-no-recursion): see the top */
static void same_length(struct strbuf *sb, const char *lo, const char *hi,
			size_t n, bool *first);

/* Digit @d, then the numbers from @lo to @hi of @n digits. */
/* NOLINTNEXTLINE(misc-no-recursion): see the top */
static void led_by(struct strbuf *sb, bool *first, char d, const char *lo,
		   const char *hi, size_t n)
{
	struct strbuf rest = { 0 };
	bool rfirst = true;

	same_length(&rest, lo, hi, n, &rfirst);
	alt(sb, first);
	sb_addc(sb, d);
	sb_printf(sb, strchr(rest.buf, '|') ? "(%s)" : "%s", rest.buf);
	sb_free(&rest);
}

/*
 * The numbers from @lo to @hi, both of @n digits (n >= 1), as
 * alternatives without a group around them: split at the first digit
 * into the part that follows @lo, the whole decades between, and the
 * part up to @hi.
 */
/* NOLINTNEXTLINE(misc-no-recursion): see the top */
static void same_length(struct strbuf *sb, const char *lo, const char *hi,
			size_t n, bool *first)
{
	char a = lo[0], b = hi[0], edge[16];
	bool hi_whole = all_of(hi + 1, n - 1, '9');
	char top = hi_whole ? b : (char)(b - 1);

	if (n == 1) {
		alt(sb, first);
		digit_class(sb, a, b);
		return;
	}
	if (a == b) {
		led_by(sb, first, a, lo + 1, hi + 1, n - 1);
		return;
	}
	edge[n - 1] = '\0';
	if (!all_of(lo + 1, n - 1, '0')) {
		memset(edge, '9', n - 1);
		led_by(sb, first, a, lo + 1, edge, n - 1);
		a++;
	}
	if (a <= top) {
		alt(sb, first);
		digit_class(sb, a, top);
		any_digits(sb, n - 1);
	}
	if (!hi_whole) {
		memset(edge, '0', n - 1);
		led_by(sb, first, b, edge, hi + 1, n - 1);
	}
}

void schema_int_pattern(struct strbuf *sb, uint32_t lo, uint32_t hi)
{
	char a[16], b[16];
	bool first = true;
	size_t la, lb;

	snprintf(a, sizeof(a), "%u", lo);
	snprintf(b, sizeof(b), "%u", hi);
	la = strlen(a);
	lb = strlen(b);
	sb_add(sb, "^(");
	for (size_t n = la; n <= lb; n++) {
		char from[16], to[16];

		/* The numbers of n digits in the range. */
		if (n == la) {
			memcpy(from, a, la + 1);
		} else {
			memset(from, '0', n);
			from[0] = '1';
			from[n] = '\0';
		}
		if (n == lb) {
			memcpy(to, b, lb + 1);
		} else {
			memset(to, '9', n);
			to[n] = '\0';
		}
		same_length(sb, from, to, n, &first);
	}
	sb_add(sb, ")$");
}

/* Shapes */

/* NOLINTNEXTLINE(misc-no-recursion): see the top */
static void shape(struct jw *w, const struct pshape *s, const char *desc,
		  bool with_or);

/* ^(true|yes|...)$ in any case, from the reader's words. */
static void bool_pattern(struct jw *w, const struct pshape *s)
{
	const char *names[PSHAPE_NAMES_MAX];
	size_t n = s->names(names);
	struct strbuf re = { 0 };

	sb_add(&re, "^(");
	for (size_t i = 0; i < n; i++) {
		if (i)
			sb_addc(&re, '|');
		for (const char *c = names[i]; *c; c++)
			if (isalpha((unsigned char)*c))
				sb_printf(&re, "[%c%c]", toupper(*c),
					  tolower(*c));
			else
				sb_addc(&re, *c);
	}
	sb_add(&re, ")$");
	jw_kstr(w, "pattern", re.buf);
	sb_free(&re);
}

/* The words, and those of digits as integers too (YAML reads 1 so). */
static void enum_words(struct jw *w, const char *const *names, size_t n)
{
	jw_key(w, "enum");
	sb_addc(w->sb, '[');
	for (size_t i = 0; i < n && names[i]; i++) {
		uint32_t v;

		if (i)
			sb_add(w->sb, ", ");
		if (parse_u32(names[i], &v))
			sb_printf(w->sb, "%u, ", v);
		sb_json_str(w->sb, names[i]);
	}
	sb_addc(w->sb, ']');
}

static void int_range(struct jw *w, double min, double max)
{
	struct strbuf re = { 0 };

	jw_knum(w, "minimum", min);
	jw_knum(w, "maximum", max);
	schema_int_pattern(&re, (uint32_t)min, (uint32_t)max);
	jw_kstr(w, "pattern", re.buf);
	sb_free(&re);
}

/* The rules of one value of the switch key, as if/then. */
static void variant(struct jw *w, const struct pshape *s,
		    const struct pvariant *v)
{
	jw_next(w);
	jw_open(w, '{');
	jw_key(w, "if");
	jw_open(w, '{');
	if (!v->value) {
		jw_key(w, "not");
		jw_open(w, '{');
		jw_names(w, "required", &s->switch_key, 1);
		jw_close(w, '}');
	} else {
		jw_key(w, "properties");
		jw_open(w, '{');
		jw_key(w, s->switch_key);
		jw_open(w, '{');
		jw_kstr(w, "const", v->value);
		jw_close(w, '}');
		jw_close(w, '}');
		jw_names(w, "required", &s->switch_key, 1);
	}
	jw_close(w, '}');
	jw_key(w, "then");
	jw_open(w, '{');
	if (v->required[0])
		jw_names(w, "required", v->required, ARRAY_SIZE(v->required));
	jw_key(w, "properties");
	jw_open(w, '{');
	for (size_t i = 0; i < ARRAY_SIZE(v->forbidden) && v->forbidden[i];
	     i++) {
		jw_key(w, v->forbidden[i]);
		sb_add(w->sb, "false");
	}
	if (v->enum_key) {
		jw_key(w, v->enum_key);
		jw_open(w, '{');
		enum_words(w, v->enums, ARRAY_SIZE(v->enums));
		jw_close(w, '}');
	}
	if (v->range_key) {
		jw_key(w, v->range_key);
		jw_open(w, '{');
		int_range(w, v->min, v->max);
		jw_close(w, '}');
	}
	jw_close(w, '}');
	jw_close(w, '}');
	jw_close(w, '}');
}

/* NOLINTNEXTLINE(misc-no-recursion): see the top */
static void map_body(struct jw *w, const struct pshape *s)
{
	const char *required[32];
	size_t n_required = 0;

	jw_type(w, "object", NULL, s->nullable);
	jw_key(w, "properties");
	jw_open(w, '{');
	for (size_t i = 0; i < s->n_keys; i++) {
		const struct pread_key *k = &s->keys[i];
		static const struct pshape any = { .kind = PS_ANY };

		jw_key(w, k->name);
		shape(w, k->shape ? k->shape : &any, k->desc, true);
		if (k->required && n_required < ARRAY_SIZE(required))
			required[n_required++] = k->name;
	}
	jw_close(w, '}');
	if (n_required)
		jw_names(w, "required", required, n_required);
	if (s->extensions) {
		jw_key(w, "patternProperties");
		jw_open(w, '{');
		jw_key(w, "^x-");
		jw_open(w, '{');
		jw_kstr(w, "description",
			"Ignored: a place for anchors that nodes share with aliases.");
		jw_close(w, '}');
		jw_close(w, '}');
	}
	jw_key(w, "additionalProperties");
	sb_add(w->sb, "false");
	if (s->variants) {
		struct pvariant v[16];
		size_t n = s->variants(v, ARRAY_SIZE(v));

		jw_key(w, "allOf");
		jw_open(w, '[');
		for (size_t i = 0; i < n; i++)
			variant(w, s, &v[i]);
		jw_close(w, ']');
	}
}

/* What @s takes, without its .or. */
/* NOLINTNEXTLINE(misc-no-recursion): see the top */
static void shape_body(struct jw *w, const struct pshape *s)
{
	const char *names[PSHAPE_NAMES_MAX];
	size_t n;

	switch (s->kind) {
	case PS_ANY:
		break;
	case PS_SCALAR:
		jw_key(w, "type");
		sb_add(w->sb,
		       s->nullable ?
			       "[\"string\", \"number\", \"boolean\", \"null\"]" :
			       "[\"string\", \"number\", \"boolean\"]");
		break;
	case PS_STRING:
		jw_type(w, "string", NULL, s->nullable);
		if (s->pattern)
			jw_kstr(w, "pattern", s->pattern);
		if (s->min_len)
			jw_knum(w, "minLength", (double)s->min_len);
		if (s->max_len)
			jw_knum(w, "maxLength", (double)s->max_len);
		if (s->not_pattern) {
			jw_key(w, "not");
			jw_open(w, '{');
			jw_kstr(w, "pattern", s->not_pattern);
			jw_close(w, '}');
		}
		break;
	case PS_INT:
		jw_type(w, "integer", "string", s->nullable);
		int_range(w, s->min, s->max);
		break;
	case PS_NUMBER:
		jw_type(w, "number", "string", s->nullable);
		jw_knum(w, "minimum", s->min);
		jw_knum(w, "maximum", s->max);
		jw_kstr(w, "pattern", s->pattern);
		break;
	case PS_BOOL:
		jw_type(w, "boolean", "string", s->nullable);
		bool_pattern(w, s);
		break;
	case PS_ENUM:
		n = s->names(names);
		enum_words(w, names, n);
		break;
	case PS_MAP:
		map_body(w, s);
		break;
	case PS_DICT:
		jw_type(w, "object", NULL, s->nullable);
		jw_key(w, "propertyNames");
		shape(w, s->name, NULL, true);
		jw_key(w, "additionalProperties");
		shape(w, s->item, NULL, true);
		break;
	case PS_SEQ:
		jw_type(w, "array", NULL, s->nullable);
		jw_key(w, "items");
		shape(w, s->item, NULL, true);
		if (s->min_items)
			jw_knum(w, "minItems", (double)s->min_items);
		if (s->max_items)
			jw_knum(w, "maxItems", (double)s->max_items);
		break;
	}
}

/* The schema of @s, described by @desc (else its own .desc); with its
 * .or as an alternative if @with_or. */
/* NOLINTNEXTLINE(misc-no-recursion): see the top */
static void shape(struct jw *w, const struct pshape *s, const char *desc,
		  bool with_or)
{
	jw_open(w, '{');
	if (!desc)
		desc = s->desc;
	if (desc)
		jw_kstr(w, "description", desc);
	if (!with_or || !s->or) {
		shape_body(w, s);
		jw_close(w, '}');
		return;
	}
	jw_key(w, "anyOf");
	jw_open(w, '[');
	for (const struct pshape *o = s; o; o = o->or) {
		jw_next(w);
		/* Each alternative with its own description, if any. */
		jw_open(w, '{');
		if (o != s && o->desc)
			jw_kstr(w, "description", o->desc);
		shape_body(w, o);
		jw_close(w, '}');
	}
	jw_close(w, ']');
	jw_close(w, '}');
}

void schema_write(const struct pshape *top, struct strbuf *sb)
{
	struct jw w = { .sb = sb };

	jw_open(&w, '{');
	jw_kstr(&w, "$schema", "http://json-schema.org/draft-07/schema#");
	jw_kstr(&w, "title", "nstopo topology, version 1");
	jw_kstr(&w, "description", top->desc);
	map_body(&w, top);
	jw_close(&w, '}');
	sb_addc(sb, '\n');
}
