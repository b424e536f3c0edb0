// SPDX-License-Identifier: MIT
/*
 * pread.c - reading a YAML tree: mappings walked with a table of their
 * keys (an unknown key reported with the nearest known one), and the
 * scalars of the format (numbers, booleans, addresses, names, times,
 * percentages), each judged at its own position.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <string.h>
#include <strings.h>

#include "pread.h"

int pread_fail(struct pctx *c, const struct ynode *n, const char *fmt, ...)
{
	struct strbuf sb = { 0 };
	va_list ap;

	va_start(ap, fmt);
	sb_vprintf(&sb, fmt, ap);
	va_end(ap);
	diag_add(c->d, n->pos, "%s", sb.buf);
	sb_free(&sb);
	return -1;
}

int pread_want(struct pctx *c, const struct ynode *n, enum ynode_kind kind,
	       const char *what)
{
	static const char *const names[] = {
		[Y_SCALAR] = "a scalar",
		[Y_SEQ] = "a sequence",
		[Y_MAP] = "a mapping",
	};

	if (n->kind == kind && !(kind == Y_SCALAR && ynode_is_null(n)))
		return 0;
	return pread_fail(c, n, "%s must be %s, not %s", what, names[kind],
			  ynode_kind_name(n));
}

/* Two neighbouring characters swapped: "mut" for "mtu", "vai" for "via". */
static bool is_transposition(const char *a, const char *b)
{
	size_t n = strlen(a), i = 0;

	if (n != strlen(b))
		return false;
	while (i < n && a[i] == b[i])
		i++;
	return i + 1 < n && a[i] == b[i + 1] && a[i + 1] == b[i] &&
	       !strcmp(a + i + 2, b + i + 2);
}

/* The word of @words that @word is plausibly a typo of, or NULL. */
const char *pread_suggest(const char *word, const char *const *words, size_t n)
{
	const char *near = nearest_word(word, words, n);

	for (size_t i = 0; i < n && !near; i++)
		if (is_transposition(word, words[i]))
			near = words[i];
	return near;
}

int pread_walk(struct pctx *c, const struct ynode *m, const char *what,
	       const struct pread_key *keys, size_t n_keys, void *obj)
{
	const char **names = xcalloc(n_keys + 1, sizeof(*names));
	bool ext = c->extensions; /* for this mapping only */
	int rc = 0;

	c->extensions = false;
	for (size_t i = 0; i < n_keys; i++)
		names[i] = keys[i].name;
	for (size_t i = 0; i < m->n; i++) {
		const struct ynode *k = m->items[2 * i],
				   *v = m->items[2 * i + 1];
		const struct pread_key *h = NULL;

		/* As in compose files: a place for anchors, ignored. */
		if (ext && !strncmp(k->str, "x-", 2))
			continue;
		for (size_t j = 0; j < n_keys; j++)
			if (!strcmp(k->str, keys[j].name))
				h = &keys[j];
		if (h) {
			if (h->fn(c, obj, k, v))
				rc = -1;
			continue;
		}
		const char *near = pread_suggest(k->str, names, n_keys);
		struct strbuf sb = { 0 };

		if (near) {
			sb_printf(&sb, "did you mean '%s'?", near);
		} else {
			sb_add(&sb, "known keys:");
			for (size_t j = 0; j < n_keys; j++)
				sb_printf(&sb, " %s", keys[j].name);
		}
		pread_fail(c, k, "unknown key '%s' in %s (%s)", k->str, what,
			   sb.buf);
		sb_free(&sb);
		rc = -1;
	}
	free(names);
	return rc;
}

bool pread_has(const struct ynode *m, const char *key)
{
	for (size_t i = 0; i < m->n; i++)
		if (!strcmp(m->items[2 * i]->str, key))
			return true;
	return false;
}

/* Scalars */

int pread_str(struct pctx *c, const struct ynode *n, const char *what,
	      const char **out)
{
	if (pread_want(c, n, Y_SCALAR, what))
		return -1;
	*out = arena_strdup(&c->t->arena, n->str);
	return 0;
}

int pread_u32(struct pctx *c, const struct ynode *n, const char *what,
	      uint32_t min, uint32_t max, uint32_t *out)
{
	if (pread_want(c, n, Y_SCALAR, what))
		return -1;
	if (!parse_u32(n->str, out) || *out < min || *out > max)
		return pread_fail(
			c, n, "%s must be an integer from %u to %u, not '%s'",
			what, min, max, n->str);
	return 0;
}

int pread_bool_value(const char *s)
{
	static const char *const t[] = { "true", "yes", "on" };
	static const char *const f[] = { "false", "no", "off" };

	for (size_t i = 0; i < ARRAY_SIZE(t); i++) {
		if (!strcasecmp(s, t[i]))
			return 1;
		if (!strcasecmp(s, f[i]))
			return 0;
	}
	return -1;
}

int pread_bool(struct pctx *c, const struct ynode *n, const char *what,
	       bool *out)
{
	int b;

	if (pread_want(c, n, Y_SCALAR, what))
		return -1;
	b = pread_bool_value(n->str);
	if (b < 0)
		return pread_fail(c, n, "%s must be true or false, not '%s'",
				  what, n->str);
	*out = b;
	return 0;
}

int pread_prefix(struct pctx *c, const struct ynode *n, const char *what,
		 bool need_len, struct prefix *p)
{
	const char *why;

	if (pread_want(c, n, Y_SCALAR, what))
		return -1;
	if (prefix_parse(n->str, p, need_len, &why))
		return pread_fail(c, n, "%s '%s' %s", what, n->str, why);
	return 0;
}

int pread_ifname(struct pctx *c, const struct ynode *n, const char *what,
		 const char **out)
{
	const char *why;

	*out = NULL;
	if (pread_want(c, n, Y_SCALAR, what))
		return -1;
	if (!ifname_valid(n->str, &why))
		return pread_fail(c, n, "%s '%s' %s", what, n->str, why);
	*out = arena_strdup(&c->t->arena, n->str);
	return 0;
}

/* Interfaces */

/*
 * "10ms", "1.5ms", "250us", "2s", at most @max microseconds; a bare
 * number is milliseconds if @bare.  Return: 0 (*us set), or -1.
 */
static int duration_of(const char *s, double max, bool bare, double *us)
{
	static const struct {
		const char *unit;
		double scale;
	} units[] = { { "us", 1 }, { "ms", 1e3 }, { "s", 1e6 }, { "", 1e3 } };
	char *end;
	double d = strtod(s, &end);

	for (size_t i = 0; end != s && i < ARRAY_SIZE(units); i++)
		if (!strcmp(end, units[i].unit) && (bare || *end) && d >= 0 &&
		    d * units[i].scale <= max) {
			*us = d * units[i].scale;
			return 0;
		}
	return -1;
}

int pread_duration(struct pctx *c, const struct ynode *v, const char *what,
		   uint32_t *us)
{
	double d;

	if (pread_want(c, v, Y_SCALAR, what))
		return -1;
	if (!duration_of(v->str, 60e6, true, &d)) {
		*us = (uint32_t)(d + 0.5);
		return 0;
	}
	return pread_fail(
		c, v,
		"%s must be a time like 10ms, 250us or 1s (at most 60s), not '%s'",
		what, v->str);
}

int pread_timeout(struct pctx *c, const struct ynode *v, const char *what,
		  uint32_t *ms)
{
	double d;

	if (pread_want(c, v, Y_SCALAR, what))
		return -1;
	if (!duration_of(v->str, GATE_TIMEOUT_MAX * 1e3, false, &d) &&
	    d >= 1e3) {
		*ms = (uint32_t)(d / 1e3 + 0.5);
		return 0;
	}
	return pread_fail(
		c, v,
		"%s must be a time with its unit, like 10s or 500ms (from 1ms to 3600s), not '%s'",
		what, v->str);
}

/* "1%", "0.5%", or a bare number of percent. */
int pread_percent(struct pctx *c, const struct ynode *v, const char *what,
		  double *pct)
{
	char *end;

	if (pread_want(c, v, Y_SCALAR, what))
		return -1;
	*pct = strtod(v->str, &end);
	if (end == v->str || (strcmp(end, "%") && *end) || *pct < 0 ||
	    *pct > 100)
		return pread_fail(
			c, v,
			"%s must be a percentage from 0 to 100, like 1%% or 0.5%%, not '%s'",
			what, v->str);
	return 0;
}

const struct ynode *pread_get(const struct ynode *m, const char *key)
{
	for (size_t i = 0; i < m->n; i++)
		if (!strcmp(m->items[2 * i]->str, key))
			return m->items[2 * i + 1];
	return NULL;
}