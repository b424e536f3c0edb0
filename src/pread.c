// SPDX-License-Identifier: MIT
/*
 * pread.c - reading a YAML tree: mappings walked with a table of their
 * keys (an unknown key reported with the nearest known one), and the
 * scalars of the format (numbers, booleans, addresses, names, times,
 * percentages), each judged at its own position.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <regex.h>
#include <string.h>
#include <strings.h>

#include "pread.h"

/*
 * Addresses as inet_pton(3) reads them (RFC 4291's text forms, an IPv4
 * address in the last 32 bits of an IPv6 one), for the schema; the
 * readers use prefix_parse().
 */
#define OCTET "(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])"
#define IPV4 OCTET "(\\." OCTET "){3}"
#define H16 "[0-9A-Fa-f]{1,4}"
#define LS32 "(" H16 ":" H16 "|" IPV4 ")"
#define IPV6                                                                \
	"((" H16 ":){6}" LS32 "|::(" H16 ":){5}" LS32 "|(" H16 ")?::(" H16  \
	":){4}" LS32 "|((" H16 ":)?" H16 ")?::(" H16 ":){3}" LS32 "|((" H16 \
	":){0,2}" H16 ")?::(" H16 ":){2}" LS32 "|((" H16 ":){0,3}" H16      \
	")?::" H16 ":" LS32 "|((" H16 ":){0,4}" H16 ")?::" LS32 "|((" H16   \
	":){0,5}" H16 ")?::" H16 "|((" H16 ":){0,6}" H16 ")?::)"
#define PLEN4 "(3[0-2]|[12]?[0-9])"
#define PLEN6 "(12[0-8]|1[01][0-9]|[1-9]?[0-9])"

const struct pshape pshape_bool = {
	.kind = PS_BOOL,
	.names = pread_bool_names,
};

const struct pshape pshape_ifname = {
	.kind = PS_STRING,
	.desc = "An interface name, as the kernel takes it: 1 to 15 bytes, no '/', ':', '%', white space or control characters; not '.', '..', 'all' or 'default'.",
	.pattern = "^[^/:%\\s\\x00-\\x1f\\x7f]{1,15}$",
	.not_pattern = "^(\\.|\\.\\.|all|default)$",
	.max_len = IFNAME_MAX,
};

const struct pshape pshape_address = {
	.kind = PS_STRING,
	.desc = "An IPv4 or IPv6 address, without a prefix length.",
	.pattern = "^(" IPV4 "|" IPV6 ")$",
};

const struct pshape pshape_prefix = {
	.kind = PS_STRING,
	.desc = "An IPv4 or IPv6 address with its prefix length: 10.0.0.1/24, fd00::1/64.",
	.pattern = "^(" IPV4 "/" PLEN4 "|" IPV6 "/" PLEN6 ")$",
};

const struct pshape pshape_dest = {
	.kind = PS_STRING,
	.desc = "An IPv4 or IPv6 prefix (10.0.0.0/24), or an address alone for one host.",
	.pattern = "^(" IPV4 "(/" PLEN4 ")?|" IPV6 "(/" PLEN6 ")?)$",
};

/* A socket of a forward (relay_parse_endpoint() reads it): "[NODE:]ADDR:PORT",
 * an IPv6 address in brackets, a port from 1 to 65535 with no leading zero. */
#define NODE_RE "[A-Za-z0-9][A-Za-z0-9_.-]{0,31}"
#define PORT_RE                                                         \
	"([1-9][0-9]{0,3}|[1-5][0-9]{4}|6[0-4][0-9]{3}|65[0-4][0-9]{2}" \
	"|655[0-2][0-9]|6553[0-5])"
#define SOCK_RE "(" IPV4 "|\\[" IPV6 "\\]):" PORT_RE

const struct pshape pshape_socket = {
	.kind = PS_STRING,
	.desc = "ADDR:PORT, or NODE:ADDR:PORT in a node; an IPv6 address in brackets ([fd00::80]:80).",
	.pattern = "^(" NODE_RE ":)?" SOCK_RE "$",
};

const struct pshape pshape_node_socket = {
	.kind = PS_STRING,
	.desc = "NODE:ADDR:PORT; an IPv6 address in brackets (web:[fd00::80]:80).",
	.pattern = "^" NODE_RE ":" SOCK_RE "$",
};

/* A number and a unit; pread_duration() knows the units. */
const struct pshape pshape_duration = {
	.kind = PS_NUMBER,
	.desc = "A time from 0 to 60 s: a number with us, ms or s (10ms, 250us, 1.5s), or a bare number of milliseconds.",
	.min = 0,
	.max = 60000,
	.pattern =
		"^([0-9]+(\\.[0-9]*)?|\\.[0-9]+)([eE][-+]?[0-9]+)?(us|ms|s)?$",
};

/* A number and its unit, which it needs; pread_timeout() knows them. */
const struct pshape pshape_timeout = {
	.kind = PS_STRING,
	.desc = "A time from 1 ms to 3600 s, with its unit: 10s, 500ms, 1.5s.",
	.pattern =
		"^([0-9]+(\\.[0-9]*)?|\\.[0-9]+)([eE][-+]?[0-9]+)?(us|ms|s)$",
};

const struct pshape pshape_percent = {
	.kind = PS_NUMBER,
	.desc = "A percentage from 0 to 100, with or without %: 1%, 0.5.",
	.min = 0,
	.max = 100,
	.pattern = "^([0-9]+(\\.[0-9]*)?|\\.[0-9]+)([eE][-+]?[0-9]+)?%?$",
};

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
			const struct pread_key *outer = c->key;

			c->key = h;
			if (h->fn(c, obj, k, v))
				rc = -1;
			c->key = outer;
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

const struct pread_key *pread_missing(const struct ynode *m,
				      const struct pread_key *keys,
				      size_t n_keys)
{
	for (size_t i = 0; i < n_keys; i++)
		if (keys[i].required && !pread_has(m, keys[i].name))
			return &keys[i];
	return NULL;
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

int pread_leading_zero(struct pctx *c, const struct ynode *n, const char *what)
{
	const char *s = n->str + (n->str[0] == '-' || n->str[0] == '+');

	if (s[0] != '0' || !isdigit((unsigned char)s[1]))
		return 0;
	return pread_fail(
		c, n,
		"%s must be written without a leading zero, not '%s' (YAML 1.1 reads a leading 0 as octal)",
		what, n->str);
}

/* A tag that says the value is of another type than @want. */
static int tag_contradicts(struct pctx *c, const struct ynode *n,
			   const char *what, const char *want,
			   const enum ytag *ok, size_t n_ok)
{
	if (n->tag == YT_NONE)
		return 0;
	for (size_t i = 0; i < n_ok; i++)
		if (n->tag == ok[i])
			return 0;
	return pread_fail(c, n, "%s must be %s, not a value tagged %s", what,
			  want, ytag_name(n->tag));
}

int pread_u32(struct pctx *c, const struct ynode *n, const char *what,
	      uint32_t min, uint32_t max, uint32_t *out)
{
	static const enum ytag ok[] = { YT_INT };

	if (pread_want(c, n, Y_SCALAR, what) ||
	    tag_contradicts(c, n, what, "an integer", ok, ARRAY_SIZE(ok)) ||
	    pread_leading_zero(c, n, what))
		return -1;
	if (!parse_u32(n->str, out) || *out < min || *out > max)
		return pread_fail(
			c, n, "%s must be an integer from %u to %u, not '%s'",
			what, min, max, n->str);
	return 0;
}

/* The words of true, then those of false. */
static const char *const bool_words[] = { "true",  "yes", "on",
					  "false", "no",  "off" };

size_t pread_bool_names(const char **out)
{
	memcpy(out, bool_words, sizeof(bool_words));
	return ARRAY_SIZE(bool_words);
}

int pread_bool_value(const char *s)
{
	for (size_t i = 0; i < ARRAY_SIZE(bool_words); i++)
		if (!strcasecmp(s, bool_words[i]))
			return i < ARRAY_SIZE(bool_words) / 2;
	return -1;
}

int pread_bool(struct pctx *c, const struct ynode *n, const char *what,
	       bool *out)
{
	static const enum ytag ok[] = { YT_BOOL };
	int b;

	if (pread_want(c, n, Y_SCALAR, what) ||
	    tag_contradicts(c, n, what, "true or false", ok, ARRAY_SIZE(ok)))
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

/* The key being read, quoted, for messages: "'mtu'". */
static const char *key_what(const struct pctx *c, char *buf, size_t len)
{
	snprintf(buf, len, "'%s'", c->key->name);
	return buf;
}

int pread_key_u32(struct pctx *c, const struct ynode *n, uint32_t *out)
{
	const struct pshape *s = c->key->shape;
	char what[64];

	return pread_u32(c, n, key_what(c, what, sizeof(what)),
			 (uint32_t)s->min, (uint32_t)s->max, out);
}

int pread_key_bool(struct pctx *c, const struct ynode *n, bool *out)
{
	char what[64];

	return pread_bool(c, n, key_what(c, what, sizeof(what)), out);
}

int pshape_find(const struct pshape *s, const char *word)
{
	const char *names[PSHAPE_NAMES_MAX];
	size_t n = s->names(names);

	for (size_t i = 0; i < n; i++)
		if (!strcmp(word, names[i]))
			return (int)i;
	return -1;
}

int pread_key_enum(struct pctx *c, const struct ynode *n, const char *what)
{
	const struct pshape *s = c->key->shape;
	const char *names[PSHAPE_NAMES_MAX], *near;
	struct strbuf known = { 0 };
	size_t count;
	char kw[64];
	int i;

	if (pread_want(c, n, Y_SCALAR, key_what(c, kw, sizeof(kw))))
		return -1;
	i = pshape_find(s, n->str);
	if (i >= 0)
		return i;
	count = s->names(names);
	near = pread_suggest(n->str, names, count);
	if (near)
		return pread_fail(c, n, "unknown %s '%s' (did you mean '%s'?)",
				  what, n->str, near);
	for (size_t k = 0; k < count; k++)
		sb_printf(&known, " %s", names[k]);
	pread_fail(c, n, "unknown %s '%s' (known:%s)", what, n->str, known.buf);
	sb_free(&known);
	return -1;
}

bool pread_pattern(const struct pshape *s, const struct ynode *n)
{
	regex_t re;
	bool match;

	if (!s->pattern)
		return true;
	/* The patterns are the program's own: one that does not compile
	 * is a bug, which every value then shows. */
	if (regcomp(&re, s->pattern, REG_EXTENDED | REG_NOSUB))
		return false;
	match = !regexec(&re, n->str, 0, NULL, 0);
	regfree(&re);
	return match;
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

	if (pread_want(c, v, Y_SCALAR, what) || pread_leading_zero(c, v, what))
		return -1;
	if (pread_pattern(&pshape_duration, v) &&
	    !duration_of(v->str, 60e6, true, &d)) {
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

	if (pread_want(c, v, Y_SCALAR, what) || pread_leading_zero(c, v, what))
		return -1;
	if (pread_pattern(&pshape_timeout, v) &&
	    !duration_of(v->str, GATE_TIMEOUT_MAX * 1e3, false, &d) &&
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

	if (pread_want(c, v, Y_SCALAR, what) || pread_leading_zero(c, v, what))
		return -1;
	*pct = strtod(v->str, &end);
	if (!pread_pattern(&pshape_percent, v) || end == v->str ||
	    (strcmp(end, "%") && *end) || *pct < 0 || *pct > 100)
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